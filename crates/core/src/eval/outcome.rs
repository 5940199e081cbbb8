//! Outcomes without explanations: the fast path a batch takes for every submission, and the
//! score computed from outcomes alone (results read back from JSON, batch rows).

use crate::answers::Facts;
use crate::eval::assess::{AssessOptions, Outcome, apply_waiver};
use crate::eval::score::Score;
use crate::eval::{Env, Truth, truth};
use crate::model::{Level, Pack, Rule};

/// One rule's outcome as a batch or a diff keeps it: the outcome, and whether an undecided outcome has
/// a 不清楚 answer behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleOutcome {
    /// Outcome (after waivers).
    pub outcome: Outcome,
    /// `unanswered` with a 不清楚 answer behind it (the result's `dont_know` is not empty).
    pub dont_know: bool,
}

impl RuleOutcome {
    /// A one-byte code (for compact storage); [`RuleOutcome::from_code`] reads it back.
    pub fn code(self) -> u8 {
        match (self.outcome, self.dont_know) {
            (Outcome::Pass, _) => 0,
            (Outcome::Fail, _) => 1,
            (Outcome::NotApplicable, _) => 2,
            (Outcome::Unanswered, false) => 3,
            (Outcome::Unanswered, true) => 4,
            (Outcome::Waived, _) => 5,
        }
    }

    /// The outcome a [`RuleOutcome::code`] stands for (an unknown code reads as unanswered).
    pub fn from_code(c: u8) -> RuleOutcome {
        let (outcome, dont_know) = match c {
            0 => (Outcome::Pass, false),
            1 => (Outcome::Fail, false),
            2 => (Outcome::NotApplicable, false),
            4 => (Outcome::Unanswered, true),
            5 => (Outcome::Waived, false),
            _ => (Outcome::Unanswered, false),
        };
        RuleOutcome { outcome, dont_know }
    }
}

/// The outcome of every rule, in pack order, without explanations, references or digests:
/// the same outcomes (and 不清楚 flags) as [`crate::eval::assess::assess`], at a fraction of the cost.
/// Only an undecided rule is evaluated a second time, with the explanation that names its
/// 不清楚 questions (`tests/batch.rs` checks the equality on thousands of submissions).
pub fn outcomes(pack: &Pack, facts: &Facts, opts: AssessOptions) -> Vec<RuleOutcome> {
    let env = Env::new(pack, facts);
    pack.rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            // A set's view holds every pack's rules: each rule's own pack, for waivers.
            let pack_id = crate::model::member_of_rule(&pack.members, i).unwrap_or(&pack.meta.id);
            rule_outcome(facts, rule, pack_id, &env, opts)
        })
        .collect()
}

fn rule_outcome(
    facts: &Facts,
    rule: &Rule,
    pack_id: &str,
    env: &Env<'_>,
    opts: AssessOptions,
) -> RuleOutcome {
    let (outcome, undecided) = crate::eval::assess::decide(rule, env);
    let dont_know = undecided.is_some_and(|c| crate::eval::truth_and_dont_know(c, env).1);
    let outcome = if facts.waivers.is_empty() {
        outcome
    } else {
        apply_waiver(outcome, facts, &rule.id, pack_id, opts).0
    };
    RuleOutcome { outcome, dont_know }
}

/// The score of a submission from its outcomes: the definition of docs/SCORING.md
/// ([`Score::of`] over findings), computed without findings. Required rules only; weights
/// critical 4, high 3, medium 2, low 1; `waived` is decided but not passing.
pub fn score(pack: &Pack, outcomes: &[RuleOutcome]) -> Score {
    score_items(
        pack.rules
            .iter()
            .zip(outcomes)
            .map(|(r, o)| (r.level, r.severity, *o)),
    )
}

/// The same score from `(level, severity, outcome)` triples (for results read back from JSON).
pub fn score_items(
    items: impl IntoIterator<Item = (Level, crate::model::Severity, RuleOutcome)>,
) -> Score {
    Score::from_outcomes(
        items
            .into_iter()
            .map(|(level, severity, o)| (level, severity, o.outcome, o.dont_know)),
    )
}

/// Indices of the pack's scopes (kinds of enterprise) the facts put the company in, as a bit set.
pub fn scope_mask(pack: &Pack, facts: &Facts) -> u64 {
    let env = Env::new(pack, facts);
    let mut mask = 0u64;
    for (i, s) in pack.scopes.iter().enumerate().take(64) {
        if truth(&s.when, &env) == Truth::True {
            mask |= 1 << i;
        }
    }
    mask
}
