//! Evaluation: three-valued (strong Kleene) logic over typed answers.
//!
//! Pure and deterministic: no I/O, no clock, no shared state; a [`Pack`] and [`Facts`] are
//! only read, so one compiled pack serves many threads. A comparison that touches an
//! unanswered or 不清楚 question is `Unknown`; `not Unknown = Unknown`; `any` is true if one
//! branch is true and `all` false if one branch is false. Explanations keep only what decided
//! the result: for a true `any` its true branches, for a false `all` its false ones. A false
//! `any` lists every branch, the one that came closest first (its leading conditions hold, a
//! later one fails); a `some` over a group with no items says "no item reported".

pub mod assess;
pub mod outcome;
pub mod score;

use crate::answers::{AnswerState, Facts};
use crate::model::{
    Condition, DatePrecision, GIdx, Leaf, Op, Operand, Pack, QType, Question, Value,
};
use chrono::Days;
use chrono::NaiveDate;
use serde::Serialize;

/// A three-valued truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot be decided: a question it needs is unanswered or 不清楚.
    Unknown,
}

impl Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// Negation (`not Unknown = Unknown`).
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn and(self, o: Truth) -> Truth {
        match (self, o) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    fn or(self, o: Truth) -> Truth {
        match (self, o) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }
}

/// What evaluation reads: the pack, the facts, and the current group item.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pack: &'a Pack,
    facts: &'a Facts,
    item: Option<(GIdx, usize)>,
    negate: Option<usize>,
}

impl<'a> Env<'a> {
    /// An environment for evaluating `pack`'s conditions over `facts`.
    pub fn new(pack: &'a Pack, facts: &'a Facts) -> Self {
        Env {
            pack,
            facts,
            item: None,
            negate: None,
        }
    }

    /// The same, reading group `g`'s item `i` for member questions.
    pub fn with_item(self, g: GIdx, i: usize) -> Self {
        Env {
            item: Some((g, i)),
            ..self
        }
    }

    /// The same, with leaf number `leaf` negated (for self-test coverage: does some case notice?).
    pub fn negating(self, leaf: Option<usize>) -> Self {
        Env {
            negate: leaf,
            ..self
        }
    }
}

/// One comparison seen while explaining a result.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Observation {
    /// Question id compared.
    pub question: String,
    /// The group item, if the question is a group member.
    pub item: Option<String>,
    /// That item's place: group index and 0-based position (not part of the result; findings
    /// name their items from it).
    #[serde(skip)]
    pub item_at: Option<(crate::model::GIdx, usize)>,
    /// The comparison as written (`real_name.methods any_of [a, b]`).
    pub condition: String,
    /// The answer seen (`unanswered`, `不清楚`, or the value as written: `2025-09` stays so).
    pub answer: String,
    /// For a date answer: how precise it is (`day`, `month`, `year`); `null` otherwise.
    pub precision: Option<DatePrecision>,
    /// What the comparison gave.
    pub result: Truth,
    /// Unanswered questions behind an unknown result.
    pub missing: Vec<String>,
    /// Questions answered 不清楚 behind an unknown result.
    pub dont_know: Vec<String>,
    /// Questions answered with a month or a year that some but not all of whose days satisfy
    /// the comparison: the date is too imprecise to decide (日期不够精确，无法判定).
    pub imprecise: Vec<String>,
}

enum Lookup<'a> {
    Unanswered,
    DontKnow,
    Value(&'a Value),
}

fn lookup<'a>(env: &Env<'a>, q: usize) -> Lookup<'a> {
    let Some(question) = env.pack.questionnaire.questions.get(q) else {
        return Lookup::Unanswered;
    };
    let answer = match question.group {
        None => env.facts.answers.get(q).and_then(Option::as_ref),
        Some(g) => match env.item {
            Some((ig, i)) if ig == g => env
                .facts
                .groups
                .get(g)
                .and_then(Option::as_ref)
                .and_then(|items| items.get(i))
                .and_then(|item| item.answers.get(question.pos))
                .and_then(Option::as_ref),
            _ => None,
        },
    };
    match answer {
        None => Lookup::Unanswered,
        Some(a) => match &a.state {
            AnswerState::DontKnow => Lookup::DontKnow,
            AnswerState::Value(v) => Lookup::Value(v),
        },
    }
}

/// Evaluates a condition, nothing more (the fast path).
pub fn truth(c: &Condition, env: &Env<'_>) -> Truth {
    eval(c, env, None)
}

/// Evaluates a condition and says whether a 不清楚 answer is among the comparisons that
/// [`explain`] would report for it — the same pruning, without building any explanation
/// (the batch's hot path; `tests/batch.rs` checks it against [`explain`]).
pub fn truth_and_dont_know(c: &Condition, env: &Env<'_>) -> (Truth, bool) {
    match c {
        Condition::Leaf(l) => {
            let t = leaf_truth(l, env);
            let dk = t == Truth::Unknown
                && (matches!(lookup(env, l.lhs.q), Lookup::DontKnow)
                    || matches!(l.rhs, Operand::Question(r) if matches!(lookup(env, r.q), Lookup::DontKnow)));
            (t, dk)
        }
        Condition::Not(inner) => {
            let (t, dk) = truth_and_dont_know(inner, env);
            (t.negate(), dk)
        }
        Condition::All(children) | Condition::Any(children) => {
            let is_all = matches!(c, Condition::All(_));
            let mut acc = if is_all { Truth::True } else { Truth::False };
            let mut parts = DontKnowByTruth::default();
            for ch in children {
                let (t, dk) = truth_and_dont_know(ch, env);
                acc = if is_all { acc.and(t) } else { acc.or(t) };
                parts.push(t, dk);
            }
            (acc, parts.any_with(acc))
        }
        Condition::ForItems {
            every,
            group,
            filter,
            check,
        } => {
            let Some(items) = env.facts.groups.get(*group).and_then(Option::as_ref) else {
                return (Truth::Unknown, false);
            };
            let mut acc = if *every { Truth::True } else { Truth::False };
            let mut parts = DontKnowByTruth::default();
            for i in 0..items.len() {
                let ienv = env.with_item(*group, i);
                let (f, dkf) = match filter {
                    Some(f) => truth_and_dont_know(f, &ienv),
                    None => (Truth::True, false),
                };
                let (ck, dkc) = truth_and_dont_know(check, &ienv);
                let t = if *every { f.negate().or(ck) } else { f.and(ck) };
                acc = if *every { acc.and(t) } else { acc.or(t) };
                // Items filtered out explain nothing.
                parts.push(
                    if f == Truth::False { Truth::Unknown } else { t },
                    f != Truth::False && (dkf || dkc),
                );
            }
            (acc, parts.any_with(acc))
        }
    }
}

/// Whether some branch with a given truth value has a 不清楚 answer behind it: once the
/// branches are combined, only those whose truth equals the result explain it.
#[derive(Default)]
struct DontKnowByTruth([bool; 3]);

impl DontKnowByTruth {
    fn slot(t: Truth) -> usize {
        match t {
            Truth::True => 0,
            Truth::False => 1,
            Truth::Unknown => 2,
        }
    }

    fn push(&mut self, t: Truth, dk: bool) {
        if let Some(slot) = self.0.get_mut(Self::slot(t)) {
            *slot |= dk;
        }
    }

    fn any_with(&self, acc: Truth) -> bool {
        self.0.get(Self::slot(acc)).copied().unwrap_or(false)
    }
}

/// A leaf's truth, negated when [`Env::negate`] names it (the self-tests' mutation check).
fn leaf_truth(l: &Leaf, env: &Env<'_>) -> Truth {
    let t = leaf(l, env);
    if env.negate == Some(l.index) {
        t.negate()
    } else {
        t
    }
}

/// Evaluates a condition and returns the comparisons that decided it.
pub fn explain(c: &Condition, env: &Env<'_>) -> (Truth, Vec<Observation>) {
    let mut obs = Vec::new();
    let t = eval(c, env, Some(&mut obs));
    (t, obs)
}

fn eval(c: &Condition, env: &Env<'_>, mut trace: Option<&mut Vec<Observation>>) -> Truth {
    match c {
        Condition::Leaf(l) => {
            let t = leaf_truth(l, env);
            if let Some(tr) = trace {
                tr.push(observe(l, env, t));
            }
            t
        }
        Condition::Not(inner) => eval(inner, env, trace).negate(),
        Condition::All(children) | Condition::Any(children) => {
            let is_all = matches!(c, Condition::All(_));
            match trace {
                None => {
                    let mut acc = if is_all { Truth::True } else { Truth::False };
                    for ch in children {
                        let t = eval(ch, env, None);
                        acc = if is_all { acc.and(t) } else { acc.or(t) };
                        if (is_all && acc == Truth::False) || (!is_all && acc == Truth::True) {
                            break;
                        }
                    }
                    acc
                }
                Some(tr) => {
                    let mut parts = Vec::with_capacity(children.len());
                    let mut acc = if is_all { Truth::True } else { Truth::False };
                    for ch in children {
                        let mut o = Vec::new();
                        let t = eval(ch, env, Some(&mut o));
                        acc = if is_all { acc.and(t) } else { acc.or(t) };
                        let near = if is_all { 0 } else { near_miss(ch, env) };
                        parts.push((t, o, near));
                    }
                    if !is_all && acc == Truth::False {
                        // A false `any`: the branch that came closest — whose leading
                        // conditions hold and that fails on a later one — explains first
                        // (the sort is stable: ties keep pack order).
                        parts.sort_by_key(|p| std::cmp::Reverse(p.2));
                    }
                    for (t, o, _) in parts {
                        if t == acc {
                            tr.extend(o);
                        }
                    }
                    acc
                }
            }
        }
        Condition::ForItems {
            every,
            group,
            filter,
            check,
        } => {
            let items = env.facts.groups.get(*group).and_then(Option::as_ref);
            let Some(items) = items else {
                if let Some(tr) = trace.as_deref_mut() {
                    let g = group_id(env, *group);
                    let condition = quantifier_text(c, *every);
                    tr.push(Observation {
                        question: g.clone(),
                        item: None,
                        item_at: None,
                        condition,
                        answer: "unanswered".into(),
                        precision: None,
                        result: Truth::Unknown,
                        missing: vec![g],
                        dont_know: vec![],
                        imprecise: vec![],
                    });
                }
                return Truth::Unknown;
            };
            if items.is_empty() && !*every {
                // A `some` over no items is false because nothing was reported: say so.
                if let Some(tr) = trace.as_deref_mut() {
                    tr.push(Observation {
                        question: group_id(env, *group),
                        item: None,
                        item_at: None,
                        condition: quantifier_text(c, *every),
                        answer: NO_ITEMS.into(),
                        precision: None,
                        result: Truth::False,
                        missing: vec![],
                        dont_know: vec![],
                        imprecise: vec![],
                    });
                }
                return Truth::False;
            }
            let mut acc = if *every { Truth::True } else { Truth::False };
            let mut parts = Vec::new();
            for i in 0..items.len() {
                let ienv = env.with_item(*group, i);
                let mut o = Vec::new();
                let want = trace.is_some();
                let f = match filter {
                    Some(f) => eval(f, &ienv, want.then_some(&mut o)),
                    None => Truth::True,
                };
                let t = if f == Truth::False && trace.is_none() {
                    // Filtered out: counts as true for every, false for some.
                    Truth::from(*every)
                } else {
                    let ck = eval(check, &ienv, want.then_some(&mut o));
                    if *every { f.negate().or(ck) } else { f.and(ck) }
                };
                acc = if *every { acc.and(t) } else { acc.or(t) };
                if want {
                    parts.push((t, f, o));
                } else if (*every && acc == Truth::False) || (!*every && acc == Truth::True) {
                    break;
                }
            }
            if let Some(tr) = trace {
                for (t, f, o) in parts {
                    // Items that did not count (filtered out) explain nothing.
                    if t == acc && f != Truth::False {
                        tr.extend(o);
                    }
                }
            }
            acc
        }
    }
}

/// How close a false branch came: the number of leading conditions of an `all` that hold
/// before one fails (0 for anything else). A branch `all: [role is value-added, licence
/// held]` that fails on the licence outranks an unrelated `role is basic operator`.
fn near_miss(c: &Condition, env: &Env<'_>) -> usize {
    match c {
        Condition::All(children) => children
            .iter()
            .take_while(|ch| eval(ch, env, None) == Truth::True)
            .count(),
        _ => 0,
    }
}

/// The answer an [`Observation`] of a group shows when the group was answered with no item
/// (`[]`); reports read it as 未报告任何条目 / no item reported.
pub const NO_ITEMS: &str = "[]";

fn group_id(env: &Env<'_>, g: GIdx) -> String {
    env.pack
        .questionnaire
        .groups
        .get(g)
        .map(|g| g.id.clone())
        .unwrap_or_default()
}

/// `every …` / `some …` as written, for an observation of a whole group.
fn quantifier_text(c: &Condition, every: bool) -> String {
    format!(
        "{} {}",
        if every { "every" } else { "some" },
        c.describe()
            .split_once('(')
            .map(|x| x.1.trim_end_matches(')'))
            .unwrap_or("")
    )
}

fn leaf(l: &Leaf, env: &Env<'_>) -> Truth {
    let lhs = lookup(env, l.lhs.q);
    if l.op == Op::Answered {
        let answered = matches!(lhs, Lookup::Value(_));
        let want = matches!(l.rhs, Operand::Flag(true));
        return Truth::from(answered == want);
    }
    let Lookup::Value(a) = lhs else {
        return Truth::Unknown;
    };
    match &l.rhs {
        Operand::Literal(b) => compare(a, l.op, b),
        Operand::Question(r) => match lookup(env, r.q) {
            Lookup::Value(b) => compare(a, l.op, b),
            _ => Truth::Unknown,
        },
        Operand::Days(n) => match a.date_span() {
            Some(span) => within_days(span, *n, env.facts.assessment_date),
            None => Truth::Unknown,
        },
        Operand::Flag(_) => Truth::Unknown,
    }
}

/// `within_days: n` over a date answer that covers the days `first..=last` (one day for a full
/// date): true when every day lies in `assessment_date - n ..= assessment_date`, false when
/// none does, unknown otherwise (docs/SEMANTICS.md S13, S26).
pub fn within_days((first, last): (NaiveDate, NaiveDate), n: i64, date: NaiveDate) -> Truth {
    let from = u64::try_from(n)
        .ok()
        .and_then(|n| date.checked_sub_days(Days::new(n)));
    let from = from.unwrap_or(NaiveDate::MIN);
    three(first >= from && last <= date, last < from || first > date)
}

/// True when `all` (every day satisfies), false when `none` (no day does), else unknown.
fn three(all: bool, none: bool) -> Truth {
    if all {
        Truth::True
    } else if none {
        Truth::False
    } else {
        Truth::Unknown
    }
}

/// A date comparison between two answers that cover the days `a` and `b` (`(first, last)`;
/// one day for a full date or a literal): true when every pair of days `(x, y)` with `x` in
/// `a` and `y` in `b` satisfies `x op y`, false when no pair does, unknown otherwise
/// (docs/SEMANTICS.md S26).
pub fn compare_dates(a: (NaiveDate, NaiveDate), op: Op, b: (NaiveDate, NaiveDate)) -> Truth {
    let ((a1, a2), (b1, b2)) = (a, b);
    let equal = three(a1 == a2 && b1 == b2 && a1 == b1, a2 < b1 || b2 < a1);
    match op {
        Op::Equals => equal,
        Op::NotEquals => equal.negate(),
        Op::Lt | Op::Before => three(a2 < b1, a1 >= b2),
        Op::Le | Op::OnOrBefore => three(a2 <= b1, a1 > b2),
        Op::Gt | Op::After => three(a1 > b2, a2 <= b1),
        Op::Ge | Op::OnOrAfter => three(a1 >= b2, a2 < b1),
        _ => Truth::Unknown,
    }
}

fn compare(a: &Value, op: Op, b: &Value) -> Truth {
    use std::cmp::Ordering;
    if let (Some(x), Some(y)) = (a.date_span(), b.date_span()) {
        return compare_dates(x, op, y);
    }
    let ord: Option<Ordering> = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Decimal(x), Value::Decimal(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Decimal(y)) => (*x as f64).partial_cmp(y),
        (Value::Decimal(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        _ => None,
    };
    let t = match op {
        Op::Equals => values_equal(a, b),
        Op::NotEquals => !values_equal(a, b),
        Op::AnyOf => match (a, b) {
            (Value::Choice(i), Value::Choices(m)) => bit(*m, *i),
            (Value::Choices(x), Value::Choices(m)) => x & m != 0,
            _ => return Truth::Unknown,
        },
        Op::AllOf => match (a, b) {
            (Value::Choices(x), Value::Choices(m)) => x & m == *m,
            _ => return Truth::Unknown,
        },
        Op::NoneOf => match (a, b) {
            (Value::Choice(i), Value::Choices(m)) => !bit(*m, *i),
            (Value::Choices(x), Value::Choices(m)) => x & m == 0,
            _ => return Truth::Unknown,
        },
        Op::Lt | Op::Before => ord == Some(Ordering::Less),
        Op::Le | Op::OnOrBefore => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt | Op::After => ord == Some(Ordering::Greater),
        Op::Ge | Op::OnOrAfter => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Op::WithinDays | Op::Answered => return Truth::Unknown,
    };
    Truth::from(t)
}

fn bit(mask: u64, i: usize) -> bool {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .is_some_and(|b| mask & b != 0)
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Decimal(y)) | (Value::Decimal(y), Value::Int(x)) => {
            (*x as f64) == *y
        }
        _ => a == b,
    }
}

fn observe(l: &Leaf, env: &Env<'_>, t: Truth) -> Observation {
    let qn = &env.pack.questionnaire;
    let q = qn.questions.get(l.lhs.q);
    let item_at = match (q.and_then(|q| q.group), env.item) {
        (Some(g), Some((ig, i))) if g == ig => Some((g, i)),
        _ => None,
    };
    let item = item_at.and_then(|(g, i)| {
        env.facts
            .groups
            .get(g)
            .and_then(Option::as_ref)
            .and_then(|items| items.get(i))
            .map(|it| it.label.clone())
    });
    let mut missing = Vec::new();
    let mut dont_know = Vec::new();
    let mut note = |qi: usize| {
        let id = qn
            .questions
            .get(qi)
            .map(|q| q.id.clone())
            .unwrap_or_default();
        match lookup(env, qi) {
            Lookup::Unanswered => missing.push(id),
            Lookup::DontKnow => dont_know.push(id),
            Lookup::Value(_) => {}
        }
    };
    let mut imprecise = Vec::new();
    if t == Truth::Unknown {
        note(l.lhs.q);
        if let Operand::Question(r) = l.rhs {
            note(r.q);
        }
        // Every side answered, yet unknown: a month or a year that only some of its days
        // satisfy.
        if missing.is_empty() && dont_know.is_empty() && l.op != Op::Answered {
            let mut period = |qi: usize| {
                if let Lookup::Value(Value::Period(_)) = lookup(env, qi) {
                    imprecise.push(
                        qn.questions
                            .get(qi)
                            .map(|q| q.id.clone())
                            .unwrap_or_default(),
                    );
                }
            };
            period(l.lhs.q);
            if let Operand::Question(r) = l.rhs {
                period(r.q);
            }
        }
    }
    let precision = match lookup(env, l.lhs.q) {
        Lookup::Value(v) => v.date_precision(),
        _ => None,
    };
    let answer = match (lookup(env, l.lhs.q), q) {
        (Lookup::Unanswered, _) => "unanswered".to_string(),
        (Lookup::DontKnow, _) => "不清楚".to_string(),
        (Lookup::Value(v), Some(q)) => display_value(q, v),
        (Lookup::Value(_), None) => String::new(),
    };
    let answer = match (&l.rhs, t) {
        (Operand::Question(r), _) => {
            let other = qn.questions.get(r.q);
            let ov = match (lookup(env, r.q), other) {
                (Lookup::Value(v), Some(oq)) => display_value(oq, v),
                (Lookup::DontKnow, _) => "不清楚".into(),
                _ => "unanswered".into(),
            };
            format!(
                "{answer}; {}: {ov}",
                other.map(|o| o.id.as_str()).unwrap_or("")
            )
        }
        _ => answer,
    };
    Observation {
        question: q.map(|q| q.id.clone()).unwrap_or_default(),
        item,
        item_at,
        condition: l.text.clone(),
        answer,
        precision,
        result: t,
        missing,
        dont_know,
        imprecise,
    }
}

/// Shows an answer as a person would read it: option ids, ISO dates, numbers, text.
pub fn display_value(q: &Question, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Choice(i) => q.options.get(*i).map(|o| o.id.clone()).unwrap_or_default(),
        Value::Choices(m) => {
            let ids: Vec<&str> = q
                .options
                .iter()
                .enumerate()
                .filter(|(i, _)| bit(*m, *i))
                .map(|(_, o)| o.id.as_str())
                .collect();
            format!("[{}]", ids.join(", "))
        }
        Value::Int(i) => i.to_string(),
        Value::Decimal(x) => x.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Period(p) => p.written(),
        Value::Text(t) => {
            if q.qtype == QType::Text {
                format!("{t:?}")
            } else {
                t.clone()
            }
        }
    }
}
