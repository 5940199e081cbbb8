//! Pack lints that need the whole compiled pack.
//!
//! A rule whose check reads a question that its own `applies_when` does not guarantee to be
//! asked is an error: a company for which the question is hidden could never answer it, and
//! the rule would stay `unanswered` for ever. "Guarantee" is checked semantically, by trying
//! every combination of answers to the questions involved (boundary values for numbers and
//! dates); a pack whose conditions are too large for that must repeat the `ask_when` terms.

use crate::diag::{Diagnostic, Level};
use crate::eval::{Env, Truth, truth};
use crate::facts::{Answer, AnswerState, Facts, Item, Organisation, PackRef};
use crate::model::{Condition, GIdx, Op, Operand, Pack, QIdx, QType, Rule, Value};
use chrono::{Days, NaiveDate};
use std::collections::BTreeSet;

const MAX_COMBINATIONS: usize = 200_000;

/// Checks every rule's reads against the questions' `ask_when`.
pub fn ask_when_guarantees(pack: &Pack) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in &pack.rules {
        check_rule(pack, rule, &mut out);
    }
    out
}

struct Need<'a> {
    premise: Vec<Condition>,
    conclusion: &'a Condition,
    item_group: Option<GIdx>,
    what: String,
}

fn check_rule(pack: &Pack, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let qn = &pack.questionnaire;
    let base: Vec<Condition> = rule.applies_when.iter().cloned().collect();
    let mut needs: Vec<Need<'_>> = Vec::new();
    collect(pack, &rule.check, &base, None, &mut needs);
    let mut seen = BTreeSet::new();
    for need in needs {
        if !seen.insert((
            need.what.clone(),
            need.conclusion.describe(),
            need.premise
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>(),
        )) {
            continue;
        }
        let premise: Vec<&Condition> = need.premise.iter().collect();
        match implies(pack, &premise, need.conclusion, need.item_group) {
            Some(true) => {}
            verdict => {
                let help = match verdict {
                    None => "the conditions are too large to check every combination: repeat the `ask_when` terms in `applies_when`".to_string(),
                    _ => format!("add `{}` to the rule's `applies_when` (or to the quantifier's `where`)", need.conclusion.describe()),
                };
                out.push(Diagnostic {
                    level: Level::Error,
                    file: rule.file.clone(),
                    loc: rule.loc,
                    subject: format!("rule `{}`", rule.id),
                    message: format!("the check reads {}, which is asked only when {}, but `applies_when` does not guarantee that", need.what, need.conclusion.describe()),
                    help: Some(help),
                });
            }
        }
    }
    let _ = qn;
}

/// Collects what each read needs. A read only matters where its siblings let it decide: in
/// `all` the other branches hold, in `any` they fail, so they join the premise.
fn collect<'a>(
    pack: &'a Pack,
    c: &'a Condition,
    premise: &[Condition],
    item_group: Option<GIdx>,
    out: &mut Vec<Need<'a>>,
) {
    let qn = &pack.questionnaire;
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            let is_all = matches!(c, Condition::All(_));
            for (i, child) in cs.iter().enumerate() {
                let mut p = premise.to_vec();
                for (j, other) in cs.iter().enumerate() {
                    // Guards stay within one item context: skip siblings that read another group's items.
                    if j != i && !matches!(other, Condition::ForItems { .. }) {
                        p.push(if is_all {
                            other.clone()
                        } else {
                            Condition::Not(Box::new(other.clone()))
                        });
                    }
                }
                collect(pack, child, &p, item_group, out);
            }
        }
        Condition::Not(c) => collect(pack, c, premise, item_group, out),
        Condition::ForItems {
            group,
            filter,
            check,
            ..
        } => {
            if let Some(g) = qn.groups.get(*group)
                && let Some(a) = &g.ask_when
            {
                out.push(Need {
                    premise: premise.to_vec(),
                    conclusion: a,
                    item_group: None,
                    what: format!("group `{}`", g.id),
                });
            }
            if let Some(f) = filter {
                collect(pack, f, premise, Some(*group), out);
            }
            let mut p = premise.to_vec();
            if let Some(f) = filter {
                p.push((**f).clone());
            }
            collect(pack, check, &p, Some(*group), out);
        }
        Condition::Leaf(l) => {
            let mut qs = vec![l.lhs.q];
            if let Operand::Question(r) = l.rhs {
                qs.push(r.q);
            }
            for q in qs {
                if let Some(question) = qn.questions.get(q)
                    && let Some(a) = &question.ask_when
                {
                    out.push(Need {
                        premise: premise.to_vec(),
                        conclusion: a,
                        item_group,
                        what: format!("`{}`", question.id),
                    });
                }
            }
        }
    }
}

fn vars(
    c: &Condition,
    out: &mut BTreeSet<QIdx>,
    lits: &mut Vec<(QIdx, Value)>,
    days: &mut Vec<i64>,
) {
    let mut leaves = Vec::new();
    c.leaves(&mut leaves);
    for l in leaves {
        out.insert(l.lhs.q);
        match &l.rhs {
            Operand::Question(r) => {
                out.insert(r.q);
            }
            Operand::Literal(v) => lits.push((l.lhs.q, v.clone())),
            Operand::Days(n) => days.push(*n),
            Operand::Flag(_) => {}
        }
        let _ = l.op == Op::Answered;
    }
}

const REF_DATE: (i32, u32, u32) = (2026, 6, 30);

fn domain(pack: &Pack, q: QIdx, lits: &[(QIdx, Value)], days: &[i64]) -> Vec<Option<Value>> {
    let Some(question) = pack.questionnaire.questions.get(q) else {
        return vec![None];
    };
    let mine: Vec<&Value> = lits
        .iter()
        .filter(|(x, _)| *x == q)
        .map(|(_, v)| v)
        .collect();
    let mut vals: Vec<Value> = match question.qtype {
        QType::YesNo => vec![Value::Bool(true), Value::Bool(false)],
        QType::SingleChoice => (0..question.options.len()).map(Value::Choice).collect(),
        QType::MultipleChoice => {
            let n = question.options.len();
            if n <= 8 {
                (0..(1u64 << n)).map(Value::Choices).collect()
            } else {
                // Subsets of the options the conditions mention, with and without one other option.
                let mut mentioned = 0u64;
                for v in &mine {
                    if let Value::Choices(m) = v {
                        mentioned |= m;
                    }
                }
                let bits: Vec<u64> = (0..n)
                    .filter_map(|i| u32::try_from(i).ok())
                    .map(|i| 1u64 << i)
                    .filter(|b| mentioned & b != 0)
                    .take(10)
                    .collect();
                let other = (0..n)
                    .filter_map(|i| u32::try_from(i).ok())
                    .map(|i| 1u64 << i)
                    .find(|b| mentioned & b == 0);
                let mut out = Vec::new();
                for s in 0..(1u64 << bits.len()) {
                    let mut m = 0;
                    for (i, b) in bits.iter().enumerate() {
                        if s >> i & 1 == 1 {
                            m |= b;
                        }
                    }
                    out.push(Value::Choices(m));
                    if let Some(o) = other {
                        out.push(Value::Choices(m | o));
                    }
                }
                out
            }
        }
        QType::Integer => {
            let mut v = vec![Value::Int(0)];
            for l in &mine {
                if let Value::Int(i) = l {
                    v.extend([
                        Value::Int(i.saturating_sub(1)),
                        Value::Int(*i),
                        Value::Int(i.saturating_add(1)),
                    ]);
                }
            }
            v
        }
        QType::Decimal => {
            let mut v = vec![Value::Decimal(0.0)];
            for l in &mine {
                if let Value::Decimal(x) = l {
                    v.extend([
                        Value::Decimal(x - 0.5),
                        Value::Decimal(*x),
                        Value::Decimal(x + 0.5),
                    ]);
                }
            }
            v
        }
        QType::Date => {
            let base =
                NaiveDate::from_ymd_opt(REF_DATE.0, REF_DATE.1, REF_DATE.2).unwrap_or_default();
            let mut v = vec![Value::Date(base)];
            for l in &mine {
                if let Value::Date(d) = l {
                    v.extend(
                        [d.pred_opt(), Some(*d), d.succ_opt()]
                            .into_iter()
                            .flatten()
                            .map(Value::Date),
                    );
                }
            }
            for n in days {
                if let Ok(n) = u64::try_from(*n)
                    && let Some(d) = base.checked_sub_days(Days::new(n))
                {
                    v.extend(
                        [d.pred_opt(), Some(d)]
                            .into_iter()
                            .flatten()
                            .map(Value::Date),
                    );
                }
            }
            v
        }
        QType::Text => {
            let mut v = vec![Value::Text("\u{0}other".into())];
            v.extend(mine.into_iter().cloned());
            v
        }
    };
    vals.dedup();
    vals.into_iter().map(Some).collect()
}

/// Whether `premise` (all of them) implies `conclusion` for every combination of answers.
/// `None` when there are too many combinations to try.
fn implies(
    pack: &Pack,
    premise: &[&Condition],
    conclusion: &Condition,
    item_group: Option<GIdx>,
) -> Option<bool> {
    let mut vs = BTreeSet::new();
    let mut lits = Vec::new();
    let mut days = Vec::new();
    for c in premise.iter().copied().chain(std::iter::once(conclusion)) {
        vars(c, &mut vs, &mut lits, &mut days);
    }
    let vs: Vec<QIdx> = vs.into_iter().collect();
    let domains: Vec<Vec<Option<Value>>> =
        vs.iter().map(|q| domain(pack, *q, &lits, &days)).collect();
    let total = domains
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(d.len().max(1)));
    match total {
        Some(t) if t <= MAX_COMBINATIONS => {}
        _ => return syntactic(premise, conclusion),
    }
    let qn = &pack.questionnaire;
    let date = NaiveDate::from_ymd_opt(REF_DATE.0, REF_DATE.1, REF_DATE.2).unwrap_or_default();
    let mut facts = Facts {
        pack: PackRef {
            id: String::new(),
            version: String::new(),
            questionnaire_digest: None,
        },
        organisation: Organisation::default(),
        prepared_by: None,
        responsible_person: None,
        assessment_date: date,
        answers: vec![None; qn.questions.len()],
        groups: vec![None; qn.groups.len()],
        waivers: Vec::new(),
        packs: Vec::new(),
        ignored_answers: Vec::new(),
    };
    if let Some(g) = item_group {
        let n = qn.groups.get(g).map(|g| g.members.len()).unwrap_or(0);
        if let Some(slot) = facts.groups.get_mut(g) {
            *slot = Some(vec![Item {
                answers: vec![None; n],
                label: "#1".into(),
            }]);
        }
    }
    let mut idx = vec![0usize; vs.len()];
    loop {
        for (k, q) in vs.iter().enumerate() {
            let v = domains
                .get(k)
                .and_then(|d| d.get(idx.get(k).copied().unwrap_or(0)))
                .cloned()
                .flatten();
            set(pack, &mut facts, *q, v);
        }
        let env = Env::new(pack, &facts);
        let env = match item_group {
            Some(g) => env.with_item(g, 0),
            None => env,
        };
        if premise.iter().all(|p| truth(p, &env) == Truth::True)
            && truth(conclusion, &env) != Truth::True
        {
            return Some(false);
        }
        // Next combination.
        let mut k = 0;
        loop {
            let Some(i) = idx.get_mut(k) else {
                return Some(true);
            };
            *i += 1;
            if *i < domains.get(k).map(Vec::len).unwrap_or(1) {
                break;
            }
            *i = 0;
            k += 1;
        }
    }
}

fn set(pack: &Pack, facts: &mut Facts, q: QIdx, v: Option<Value>) {
    let a = v.map(|v| Answer {
        state: AnswerState::Value(v),
        remark: None,
        evidence: Vec::new(),
    });
    let Some(question) = pack.questionnaire.questions.get(q) else {
        return;
    };
    match question.group {
        None => {
            if let Some(slot) = facts.answers.get_mut(q) {
                *slot = a;
            }
        }
        Some(g) => {
            if let Some(Some(items)) = facts.groups.get_mut(g)
                && let Some(slot) = items
                    .get_mut(0)
                    .and_then(|it| it.answers.get_mut(question.pos))
            {
                *slot = a;
            }
        }
    }
}

fn conjuncts(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::All(cs) => cs.iter().for_each(|c| conjuncts(c, out)),
        other => out.push(other.describe()),
    }
}

fn syntactic(premise: &[&Condition], conclusion: &Condition) -> Option<bool> {
    let mut have = Vec::new();
    for p in premise {
        conjuncts(p, &mut have);
    }
    let mut need = Vec::new();
    conjuncts(conclusion, &mut need);
    if need.iter().all(|n| have.contains(n)) {
        Some(true)
    } else {
        None
    }
}

/// What a set of packs reads: question ids, (question id, option id) pairs, and group ids.
#[derive(Default)]
struct Reads {
    questions: BTreeSet<String>,
    options: BTreeSet<(String, String)>,
    all_options: BTreeSet<String>,
    groups: BTreeSet<String>,
}

impl Reads {
    fn condition(&mut self, pack: &Pack, c: &Condition) {
        let qn = &pack.questionnaire;
        match c {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|c| self.condition(pack, c));
            }
            Condition::Not(c) => self.condition(pack, c),
            Condition::ForItems {
                group,
                filter,
                check,
                ..
            } => {
                if let Some(g) = qn.groups.get(*group) {
                    self.groups.insert(g.id.clone());
                }
                if let Some(f) = filter {
                    self.condition(pack, f);
                }
                self.condition(pack, check);
            }
            Condition::Leaf(l) => {
                let Some(q) = qn.questions.get(l.lhs.q) else {
                    return;
                };
                self.questions.insert(q.id.clone());
                let mark = |reads: &mut Reads, i: usize| {
                    if let Some(o) = q.options.get(i) {
                        reads.options.insert((q.id.clone(), o.id.clone()));
                    }
                };
                match &l.rhs {
                    Operand::Literal(Value::Choice(i)) => mark(self, *i),
                    Operand::Literal(Value::Choices(_))
                        if q.qtype == QType::MultipleChoice
                            && matches!(l.op, Op::Equals | Op::NotEquals) =>
                    {
                        // Set equality: adding any option changes the result.
                        self.all_options.insert(q.id.clone());
                    }
                    Operand::Literal(Value::Choices(m)) => {
                        for i in 0..q.options.len() {
                            if u32::try_from(i)
                                .ok()
                                .and_then(|i| 1u64.checked_shl(i))
                                .is_some_and(|b| m & b != 0)
                            {
                                mark(self, i);
                            }
                        }
                    }
                    Operand::Question(r) => {
                        // Compared with another answer: every option of both can matter.
                        self.all_options.insert(q.id.clone());
                        if let Some(other) = qn.questions.get(r.q) {
                            self.questions.insert(other.id.clone());
                            self.all_options.insert(other.id.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn pack(&mut self, pack: &Pack) {
        for r in &pack.rules {
            if let Some(a) = &r.applies_when {
                self.condition(pack, a);
            }
            self.condition(pack, &r.check);
        }
        for s in &pack.scopes {
            self.condition(pack, &s.when);
        }
        for q in &pack.questionnaire.questions {
            if let Some(a) = &q.ask_when {
                self.condition(pack, a);
            }
        }
        for g in &pack.questionnaire.groups {
            if let Some(a) = &g.ask_when {
                self.condition(pack, a);
            }
        }
    }
}

/// "Nothing asked in vain": every question, and every option of a choice question, of the
/// packs in `packs` must be read by some condition of the set — a rule's `applies_when` or
/// `check`, a scope, or a question's or group's `ask_when` — or be marked `informational`
/// with the reason it is asked. Exclusive options ("none of these") and 不清楚 count as read,
/// and so does the one option of a single choice that no condition names (the complement of
/// those named); a multiple choice compared with `equals`/`not_equals` reads every option;
/// so does a group's `item_key` member when the group is read (it names the items in
/// findings). A question compared with another question reads all the options of both.
///
/// It runs over a set so that, once several packs share one questionnaire, a question one
/// pack asks and another reads is not refused; [`crate::load::load_pack`] runs it over the
/// single pack it loads. Errors name the question (and option), file and line.
pub fn unread(packs: &[&Pack]) -> Vec<Diagnostic> {
    let mut reads = Reads::default();
    for p in packs {
        reads.pack(p);
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for pack in packs {
        let qn = &pack.questionnaire;
        for q in &qn.questions {
            if !seen.insert(q.id.clone()) {
                continue;
            }
            let group = q.group.and_then(|g| qn.groups.get(g));
            let names_items = group.is_some_and(|g| {
                (g.item_key.as_deref() == Some(q.local_id.as_str())
                    || g.item_details.contains(&q.local_id))
                    && reads.groups.contains(&g.id)
            });
            if q.informational.is_some() {
                if reads.questions.contains(&q.id) {
                    out.push(Diagnostic {
                        level: Level::Warning,
                        file: q.file.clone(),
                        loc: q.loc,
                        subject: format!("question `{}`", q.id),
                        message: "标为 informational，但有条件读取该问题 / marked `informational`, but a condition reads it".into(),
                        help: Some("remove `informational` / 删除 informational 标记".into()),
                    });
                }
                continue;
            }
            if !reads.questions.contains(&q.id) && !names_items {
                out.push(Diagnostic {
                    level: Level::Error,
                    file: q.file.clone(),
                    loc: q.loc,
                    subject: format!("question `{}`", q.id),
                    message: "没有任何条件读取该问题(规则的 applies_when 或 check、适用范围、其他问题的 ask_when) / nothing reads this question: no rule's `applies_when` or `check`, no scope, no other question's `ask_when`".into(),
                    help: Some("use it in a condition, remove it, or mark it `informational: {zh: …, en: …}` with the reason it is asked / 在条件中使用、删除，或以 informational 注明提问理由".into()),
                });
                continue;
            }
            // A library question's options are one definition for every pack: a pack need
            // not read each of them (the question itself it must).
            if reads.all_options.contains(&q.id)
                || (names_items && !reads.questions.contains(&q.id))
                || q.library.is_some()
            {
                continue;
            }
            let named = |o: &crate::model::Choice| {
                o.exclusive || reads.options.contains(&(q.id.clone(), o.id.clone()))
            };
            // A single choice's one unnamed option (informational ones aside) is the
            // complement of the named ones: choosing it gives its own result. Two unnamed
            // options cannot be told apart: one of them must say why it is offered.
            let complement = q.qtype == QType::SingleChoice
                && q.options
                    .iter()
                    .filter(|o| !named(o) && o.informational.is_none())
                    .count()
                    == 1;
            for o in &q.options {
                if complement || named(o) || o.informational.is_some() {
                    continue;
                }
                out.push(Diagnostic {
                    level: Level::Error,
                    file: q.file.clone(),
                    loc: o.loc,
                    subject: format!("question `{}`, option `{}`", q.id, o.id),
                    message: "没有任何条件提及该选项 / no condition names this option: choosing it decides nothing".into(),
                    help: Some("name it in a condition, remove it, or mark the option `informational: {zh: …, en: …}` with the reason it is offered / 在条件中使用、删除，或以 informational 注明提供该选项的理由".into()),
                });
            }
        }
    }
    out
}
