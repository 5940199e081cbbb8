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

/// A verdict: the five statuses of docs/SCORING.md, checked in this order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Some applicable required rule fails.
    NotCompliant,
    /// None fails, some are undecided (unanswered or 不清楚).
    Undecided,
    /// None fails or is undecided, some are waived.
    Waived,
    /// Every applicable required rule passes.
    Compliant,
    /// No required rule applies.
    NoObligations,
}

impl Status {
    /// Every status, worst first.
    pub const ALL: [Status; 5] = [
        Status::NotCompliant,
        Status::Undecided,
        Status::Waived,
        Status::Compliant,
        Status::NoObligations,
    ];

    /// The id used in results.
    pub fn name(self) -> &'static str {
        match self {
            Status::NotCompliant => "not_compliant",
            Status::Undecided => "undecided",
            Status::Waived => "waived",
            Status::Compliant => "compliant",
            Status::NoObligations => "no_obligations",
        }
    }

    /// Parses an id.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.name() == s)
    }

    /// The headline of docs/SCORING.md's table.
    pub fn label(self) -> Text {
        match self {
            Status::NotCompliant => Text::new("不合规", "Not compliant"),
            Status::Undecided => Text::new("尚不能判定为合规", "Cannot yet be judged compliant"),
            Status::Waived => Text::new(
                "无未豁免的差距，但尚未全部满足",
                "No unwaived gaps, but not every obligation is met",
            ),
            Status::Compliant => Text::new("合规", "Compliant"),
            Status::NoObligations => {
                Text::new("无适用的强制性义务", "No applicable required obligations")
            }
        }
    }
}

/// The overall verdict over several packs' verdicts (docs/RESULT.md): the worst of those that
/// are not `no_obligations`, in the order `not_compliant` > `undecided` > `waived` >
/// `compliant`; `no_obligations` when every pack has none (or there is no pack). With one pack
/// it is that pack's verdict.
pub fn overall(verdicts: impl IntoIterator<Item = Status>) -> Status {
    verdicts
        .into_iter()
        .filter(|v| *v != Status::NoObligations)
        .min_by_key(|v| Status::ALL.iter().position(|x| x == v))
        .unwrap_or(Status::NoObligations)
}

/// The verdict status from the counts of applicable required rules that fail, are undecided
/// and are waived, and of all applicable required rules: the order of docs/SCORING.md. For
/// counts kept without findings (batch rows); [`Score::status`] is this function.
pub fn status(fail: usize, undecided: usize, waived: usize, applicable: usize) -> Status {
    if fail > 0 {
        Status::NotCompliant
    } else if undecided > 0 {
        Status::Undecided
    } else if waived > 0 {
        Status::Waived
    } else if applicable > 0 {
        Status::Compliant
    } else {
        Status::NoObligations
    }
}

/// A fraction as the JSON result carries it: `percent` is rounded down, `null` where
/// docs/SCORING.md shows "—" (denominator 0).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Ratio {
    /// Numerator.
    pub numerator: u64,
    /// Denominator.
    pub denominator: u64,
    /// `numerator × 100 ÷ denominator`, rounded down; `null` when the denominator is 0.
    pub percent: Option<u32>,
}

impl Ratio {
    /// `n ÷ d`.
    pub fn new(n: u64, d: u64) -> Ratio {
        Ratio {
            numerator: n,
            denominator: d,
            percent: floor_pct(n, d),
        }
    }
}

impl Score {
    /// The verdict status (docs/SCORING.md): never `compliant` while any applicable required
    /// rule is undecided, failing or waived.
    pub fn status(&self) -> Status {
        status(self.fail, self.undecided, self.waived, self.applicable)
    }

    /// The score as a fraction: weight of passing ÷ weight of decided required rules.
    pub fn score_ratio(&self) -> Ratio {
        Ratio::new(u64::from(self.earned), u64::from(self.possible))
    }

    /// The coverage as a fraction: decided ÷ applicable required rules.
    pub fn coverage_ratio(&self) -> Ratio {
        Ratio::new(self.decided as u64, self.applicable as u64)
    }
}

/// The verdict of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// `not_compliant` (a required rule fails), `undecided` (none fails, some are undecided),
    /// `waived` (none fails or is undecided, some are waived), `compliant` (every applicable
    /// required rule passes) or `no_obligations` (no required rule applies).
    pub status: Status,
    /// One line: the verdict.
    pub headline: Text,
    /// The counts behind it; a count of zero is never mentioned.
    pub detail: Text,
}

/// The verdict for a score. Never `compliant` while any applicable required rule is
/// undecided, failing or waived. The detail names only counts that are not zero.
pub fn verdict(s: &Score) -> Verdict {
    // "(of which N answered 不清楚)" only when N > 0.
    let dk_zh = if s.dont_know > 0 {
        format!("(其中 {} 项回答“不清楚”)", s.dont_know)
    } else {
        String::new()
    };
    let dk_en = if s.dont_know > 0 {
        format!(" ({} with a 不清楚 answer)", s.dont_know)
    } else {
        String::new()
    };
    let undecided_zh = if s.undecided > 0 {
        format!("；另有 {} 项尚无定论{dk_zh}", s.undecided)
    } else {
        String::new()
    };
    let undecided_en = if s.undecided > 0 {
        format!(
            "; {} more {} undecided{dk_en}",
            s.undecided,
            are(s.undecided)
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
    let status = s.status();
    let detail = match status {
        Status::NotCompliant => Text::new(
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
        Status::Undecided => Text::new(
            format!(
                "未发现未满足的强制性义务，但 {} 项适用的强制性义务因未作答或回答“不清楚”而尚无定论{dk_zh}{waived_zh}。",
                s.undecided
            ),
            format!(
                "No required obligation was found unmet, but {} applicable required {} undecided because questions are unanswered or answered 不清楚{dk_en}{waived_en}.",
                s.undecided,
                obligations(s.undecided)
            ),
        ),
        Status::Waived => Text::new(
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
        Status::Compliant => Text::new(
            format!("全部 {} 项适用的强制性义务均已满足。", s.applicable),
            format!(
                "All {} applicable required obligations are met.",
                s.applicable
            ),
        ),
        Status::NoObligations => Text::new(
            "根据所填答案，没有适用的强制性义务；请核实适用范围的回答。",
            "By the answers given, no required obligation applies; check the scope answers.",
        ),
    };
    Verdict {
        status,
        headline: status.label(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use crate::model::{Level, Severity};

    fn score(outcomes: &[(Outcome, bool)]) -> Score {
        Score::from_outcomes(
            outcomes
                .iter()
                .map(|(o, dk)| (Level::Required, Severity::High, *o, *dk)),
        )
    }

    #[test]
    fn status_follows_the_order_of_scoring_md() {
        use Outcome::*;
        assert_eq!(
            score(&[(Pass, false), (Fail, false), (Unanswered, false)]).status(),
            Status::NotCompliant
        );
        assert_eq!(
            score(&[(Pass, false), (Waived, false), (Unanswered, true)]).status(),
            Status::Undecided
        );
        assert_eq!(
            score(&[(Pass, false), (Waived, false)]).status(),
            Status::Waived
        );
        assert_eq!(
            score(&[(Pass, false), (NotApplicable, false)]).status(),
            Status::Compliant
        );
        assert_eq!(
            score(&[(NotApplicable, false)]).status(),
            Status::NoObligations
        );
        assert_eq!(score(&[]).status(), Status::NoObligations);
    }

    #[test]
    fn ratios_are_rounded_down_and_null_without_a_denominator() {
        use Outcome::*;
        let s = score(&[
            (Pass, false),
            (Pass, false),
            (Fail, false),
            (Unanswered, false),
        ]);
        assert_eq!(
            s.score_ratio(),
            Ratio {
                numerator: 6,
                denominator: 9,
                percent: Some(66)
            }
        );
        assert_eq!(
            s.coverage_ratio(),
            Ratio {
                numerator: 3,
                denominator: 4,
                percent: Some(75)
            }
        );
        let none = score(&[(NotApplicable, false)]);
        assert_eq!(none.score_ratio().percent, None);
        assert_eq!(
            none.coverage_ratio(),
            Ratio {
                numerator: 0,
                denominator: 0,
                percent: None
            }
        );
        let json = serde_json::to_string(&none.coverage_ratio()).unwrap();
        assert_eq!(json, r#"{"numerator":0,"denominator":0,"percent":null}"#);
    }

    #[test]
    fn the_overall_verdict_is_the_worst_over_packs_with_obligations() {
        use Status::*;
        assert_eq!(overall([Compliant]), Compliant);
        assert_eq!(overall([NoObligations]), NoObligations);
        assert_eq!(overall([]), NoObligations);
        assert_eq!(overall([Compliant, NoObligations]), Compliant);
        assert_eq!(overall([NoObligations, Waived, Compliant]), Waived);
        assert_eq!(overall([Waived, Undecided, Compliant]), Undecided);
        assert_eq!(
            overall([Undecided, NotCompliant, NoObligations]),
            NotCompliant
        );
        for s in Status::ALL {
            assert_eq!(overall([s]), s, "one pack: its own verdict");
            assert_eq!(Status::parse(s.name()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
    }

    #[test]
    fn a_zero_count_is_never_mentioned() {
        use Outcome::*;
        for outcomes in [
            vec![(Pass, false), (Unanswered, false)],
            vec![(Fail, false), (Unanswered, false)],
            vec![(Fail, false)],
            vec![(Waived, false), (Pass, false)],
            vec![(Pass, false)],
        ] {
            let v = verdict(&score(&outcomes));
            for t in [&v.detail.zh, &v.detail.en] {
                assert!(
                    !t.contains(" 0 ") && !t.contains("(0 ") && !t.contains("其中 0"),
                    "{t}"
                );
            }
        }
        let v = verdict(&score(&[
            (Pass, false),
            (Unanswered, true),
            (Unanswered, false),
        ]));
        assert!(
            v.detail.zh.contains("其中 1 项回答“不清楚”"),
            "{}",
            v.detail.zh
        );
        assert!(
            v.detail.en.contains("(1 with a 不清楚 answer)"),
            "{}",
            v.detail.en
        );
    }
}
