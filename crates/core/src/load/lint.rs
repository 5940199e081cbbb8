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
