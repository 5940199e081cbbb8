//! The report's score, coverage and verdict (defined in docs/SCORING.md).
//!
//! Only `required` rules count. A rule is *applicable* unless `not_applicable`, and *decided*
//! when `pass`, `fail` or `waived`. Score = weight of passing rules ÷ weight of decided rules;
//! coverage = decided ÷ applicable. Both are rounded down, so 100 % means every one. `waived`
//! counts as decided but not passing: a waiver defers remediation, it does not meet the duty.

use crate::eval::assess::{Finding, Outcome};
use crate::model::{Level, Severity};
use crate::text::Text;
use serde::Serialize;

/// The weight of a severity in the score.
pub fn weight(s: Severity) -> u32 {
    match s {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
    }
}

/// Score and coverage over a set of findings (required rules only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Percent, rounded down; `None` when no applicable required rule is decided.
    pub score: Option<u32>,
    /// Percent of applicable required rules decided, rounded down; `None` when none applies.
    pub coverage: Option<u32>,
    /// Weight of the passing rules.
    pub earned: u32,
    /// Weight of the decided rules.
    pub possible: u32,
    /// Applicable required rules.
    pub applicable: usize,
    /// Decided applicable required rules (pass + fail + waived).
    pub decided: usize,
    /// Undecided applicable required rules.
    pub undecided: usize,
    /// Passing.
    pub pass: usize,
    /// Failing.
    pub fail: usize,
    /// Waived.
    pub waived: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Undecided with a 不清楚 answer behind them.
    pub dont_know: usize,
}

fn floor_pct(n: u64, d: u64) -> Option<u32> {
    if d == 0 {
        return None;
    }
    u32::try_from(n * 100 / d).ok()
}

impl Score {
    /// The score of the required findings among `findings`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Score {
        Score::from_outcomes(
            findings
                .into_iter()
                .map(|f| (f.level, f.severity, f.outcome, !f.dont_know.is_empty())),
        )
    }

    /// The score from `(level, severity, outcome, answered 不清楚)` per rule: the one place
    /// the definition of docs/SCORING.md is computed (reports, batches and diffs call it).
    pub fn from_outcomes(
        items: impl IntoIterator<Item = (Level, Severity, Outcome, bool)>,
    ) -> Score {
        let mut s = Score::default();
        for (level, severity, outcome, dont_know) in items {
            if level != Level::Required {
                continue;
            }
            let w = weight(severity);
            match outcome {
                Outcome::NotApplicable => {
                    s.not_applicable += 1;
                    continue;
                }
                Outcome::Unanswered => {
                    s.undecided += 1;
                    if dont_know {
                        s.dont_know += 1;
                    }
                }
                Outcome::Pass => {
                    s.pass += 1;
                    s.earned += w;
                    s.possible += w;
                }
                Outcome::Fail => {
                    s.fail += 1;
                    s.possible += w;
                }
                Outcome::Waived => {
                    s.waived += 1;
                    s.possible += w;
                }
            }
            s.applicable += 1;
        }
        s.decided = s.pass + s.fail + s.waived;
        s.score = floor_pct(u64::from(s.earned), u64::from(s.possible));
        s.coverage = floor_pct(s.decided as u64, s.applicable as u64);
        s
    }
}

/// The overall verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// `not_compliant` (a required rule fails), `undecided` (none fails, some are undecided),
    /// `waived` (none fails or is undecided, some are waived), `compliant` (every applicable
    /// required rule passes) or `no_obligations` (no required rule applies).
    pub status: &'static str,
    /// One line: the verdict.
    pub headline: Text,
    /// The counts behind it.
    pub detail: Text,
}

/// The verdict for a score. Never `compliant` while any applicable required rule is
/// undecided, failing or waived.
pub fn verdict(s: &Score) -> Verdict {
    let undecided_zh = if s.undecided > 0 {
        format!(
            "；另有 {} 项尚无定论(其中 {} 项回答“不清楚”)",
            s.undecided, s.dont_know
        )
    } else {
        String::new()
    };
    let undecided_en = if s.undecided > 0 {
        format!(
            "; {} more {} undecided ({} with a 不清楚 answer)",
            s.undecided,
            are(s.undecided),
            s.dont_know
        )
    } else {
        String::new()
    };
    let waived_zh = if s.waived > 0 {
        format!("；{} 项在豁免期内", s.waived)
    } else {
        String::new()
    };
    let waived_en = if s.waived > 0 {
        format!("; {} {} waived for now", s.waived, are(s.waived))
    } else {
        String::new()
    };
    let (status, headline, detail) = if s.fail > 0 {
        (
            "not_compliant",
            Text::new("不合规", "Not compliant"),
            Text::new(
                format!(
                    "{} 项适用的强制性义务未满足{undecided_zh}{waived_zh}。",
                    s.fail
                ),
                format!(
                    "{} applicable required {} not met{undecided_en}{waived_en}.",
                    s.fail,
                    obligations(s.fail)
                ),
            ),
        )
    } else if s.undecided > 0 {
        (
            "undecided",
            Text::new("尚不能判定为合规", "Cannot yet be judged compliant"),
            Text::new(
                format!(
                    "未发现未满足的强制性义务，但 {} 项适用的强制性义务因未作答或回答“不清楚”而尚无定论(其中 {} 项回答“不清楚”){waived_zh}。",
                    s.undecided, s.dont_know
                ),
                format!(
                    "No required obligation was found unmet, but {} applicable required {} undecided because questions are unanswered or answered 不清楚 ({} with a 不清楚 answer){waived_en}.",
                    s.undecided,
                    obligations(s.undecided),
                    s.dont_know
                ),
            ),
        )
    } else if s.waived > 0 {
        (
            "waived",
            Text::new(
                "无未豁免的差距，但尚未全部满足",
                "No unwaived gaps, but not every obligation is met",
            ),
            Text::new(
                format!(
                    "{} 项强制性义务未满足，目前在豁免期内，须在豁免到期前完成整改；其余适用的强制性义务均已满足。",
                    s.waived
                ),
                format!(
                    "{} required {} not met but waived for now and must be remediated before the waivers expire; every other applicable required obligation is met.",
                    s.waived,
                    obligations(s.waived)
                ),
            ),
        )
    } else if s.applicable > 0 {
        (
            "compliant",
            Text::new("合规", "Compliant"),
            Text::new(
                format!("全部 {} 项适用的强制性义务均已满足。", s.applicable),
                format!(
                    "All {} applicable required obligations are met.",
                    s.applicable
                ),
            ),
        )
    } else {
        (
            "no_obligations",
            Text::new("无适用的强制性义务", "No applicable required obligations"),
            Text::new(
                "根据所填答案，没有适用的强制性义务；请核实适用范围的回答。",
                "By the answers given, no required obligation applies; check the scope answers.",
            ),
        )
    };
    Verdict {
        status,
        headline,
        detail,
    }
}

/// "is" or "are" for an English count.
fn are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// "obligation is" / "obligations are" for an English count.
fn obligations(n: usize) -> &'static str {
    if n == 1 {
        "obligation is"
    } else {
        "obligations are"
    }
}

/// The overall verdict of several packs: the worst over the packs whose verdict is not
/// `no_obligations`, in the order `not_compliant` > `undecided` > `waived` > `compliant`;
/// `no_obligations` when every pack has none (docs/RESULT.md).
pub fn overall<'a>(statuses: impl IntoIterator<Item = &'a str>) -> &'static str {
    const ORDER: [&str; 4] = ["not_compliant", "undecided", "waived", "compliant"];
    let mut worst: Option<usize> = None;
    for s in statuses {
        if let Some(i) = ORDER.iter().position(|o| *o == s) {
            worst = Some(worst.map_or(i, |w| w.min(i)));
        }
    }
    worst
        .and_then(|i| ORDER.get(i).copied())
        .unwrap_or("no_obligations")
}

#[cfg(test)]
mod overall_tests {
    #[test]
    fn worst_of_applicable_packs() {
        assert_eq!(super::overall(["compliant", "undecided"]), "undecided");
        assert_eq!(super::overall(["waived", "not_compliant"]), "not_compliant");
        assert_eq!(super::overall(["no_obligations", "waived"]), "waived");
        assert_eq!(super::overall(["no_obligations", "compliant"]), "compliant");
        assert_eq!(
            super::overall(["no_obligations", "no_obligations"]),
            "no_obligations"
        );
        assert_eq!(super::overall(["compliant"]), "compliant");
    }
}
