//! The JSON result (`docs/RESULT.md`): the contract other programs and later commands read.

use crate::answers::{Facts, PackRef};
use crate::eval::assess::{
    AssessOptions, Assessment, Finding, Limits, OrgInfo, PackInfo, ScopeInfo, Summary, assess,
};
use crate::eval::score::{self, Score};
use crate::load::set::PackSet;
use crate::model::LibraryInfo;
use chrono::NaiveDate;
use serde::Serialize;

/// The JSON result of an assessment, pretty-printed, with a final newline.
pub fn json(a: &Assessment) -> String {
    let mut s =
        serde_json::to_string_pretty(a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A ratio of the result: numerator, denominator and the floor percentage (`null` when the
/// denominator is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Ratio {
    /// Numerator.
    pub numerator: u64,
    /// Denominator.
    pub denominator: u64,
    /// `floor(100 × numerator ÷ denominator)`, or `null`.
    pub percent: Option<u32>,
}

impl Ratio {
    fn of(n: u64, d: u64) -> Ratio {
        Ratio {
            numerator: n,
            denominator: d,
            percent: (n * 100).checked_div(d).and_then(|p| u32::try_from(p).ok()),
        }
    }
}

/// A pack's identity in a result, with the question library it uses.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SetPackInfo {
    /// Id, version, title and digests.
    #[serde(flatten)]
    pub info: PackInfo,
    /// The question library, or `null`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub library: Option<LibraryInfo>,
}

/// One pack's part of a result.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PackResult {
    /// The pack.
    pub pack: SetPackInfo,
    /// Whether the facts header lists this pack (the answers were given for it). A pack not
    /// answered is assessed with its own questions unanswered (undecided, never N/A).
    pub answered: bool,
    /// This pack's verdict (docs/SCORING.md).
    pub verdict: &'static str,
    /// Weights of passing ÷ decided applicable required rules.
    pub score: Ratio,
    /// Decided ÷ applicable required rules.
    pub coverage: Ratio,
    /// Kinds of enterprise.
    pub scopes: Vec<ScopeInfo>,
    /// Counts.
    pub summary: Summary,
    /// One per rule, in pack order.
    pub findings: Vec<Finding>,
    /// What this assessment does not check.
    pub limits: Limits,
}

/// Answers ignored because their pack was not assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IgnoredAnswers {
    /// Pack id (every listed pack not assessed, joined with `, ` when several).
    pub pack: String,
    /// Version(s).
    pub version: String,
    /// Question ids.
    pub questions: Vec<String>,
}

/// The result of assessing one set of answers against one or more packs (`hegui.assessment/2`:
/// `packs` is a list, with an overall verdict at the top; no overall score).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SetResult {
    /// Format version.
    pub format: &'static str,
    /// Organisation.
    pub organisation: OrgInfo,
    /// Assessment date.
    pub assessment_date: NaiveDate,
    /// Digest of the answers (canonical form).
    pub answers_digest: String,
    /// Whether waivers were ignored.
    pub waivers_ignored: bool,
    /// The packs the facts header lists.
    pub answered_for: Vec<PackRef>,
    /// Answers for listed packs that were not assessed.
    pub ignored_answers: Vec<IgnoredAnswers>,
    /// Overall: the worst of the packs with applicable required rules.
    pub verdict: &'static str,
    /// One entry per pack, in the order given.
    pub packs: Vec<PackResult>,
}

impl SetResult {
    /// The per-pack assessments, for reports (each as a one-pack [`Assessment`]).
    pub fn assessments(&self) -> Vec<Assessment> {
        self.packs
            .iter()
            .map(|p| Assessment {
                format: self.format,
                pack: p.pack.info.clone(),
                organisation: self.organisation.clone(),
                assessment_date: self.assessment_date,
                answers_digest: self.answers_digest.clone(),
                waivers_ignored: self.waivers_ignored,
                scopes: p.scopes.clone(),
                summary: p.summary.clone(),
                findings: p.findings.clone(),
                limits: p.limits.clone(),
            })
            .collect()
    }
}

/// Assesses `facts` against every pack of `set`.
pub fn assess_set(set: &PackSet, facts: &Facts, opts: AssessOptions) -> Option<SetResult> {
    let mut packs = Vec::with_capacity(set.packs.len());
    let mut first: Option<Assessment> = None;
    for pack in &set.packs {
        let a = assess(pack, facts, opts);
        let s = Score::of(&a.findings);
        let verdict = score::verdict(&s).status;
        packs.push(PackResult {
            pack: SetPackInfo {
                info: a.pack.clone(),
                library: pack.library.clone(),
            },
            answered: facts.answered_for(&pack.meta.id),
            verdict,
            score: Ratio::of(u64::from(s.earned), u64::from(s.possible)),
            coverage: Ratio::of(s.decided as u64, s.applicable as u64),
            scopes: a.scopes.clone(),
            summary: a.summary.clone(),
            findings: a.findings.clone(),
            limits: a.limits.clone(),
        });
        if first.is_none() {
            first = Some(a);
        }
    }
    let first = first?;
    let unloaded: Vec<&PackRef> = facts
        .packs
        .iter()
        .filter(|r| set.pack(&r.id).is_none())
        .collect();
    let ignored_answers = if facts.ignored_answers.is_empty() || unloaded.is_empty() {
        Vec::new()
    } else {
        vec![IgnoredAnswers {
            pack: unloaded
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            version: unloaded
                .iter()
                .map(|r| r.version.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            questions: facts.ignored_answers.clone(),
        }]
    };
    let answered_for = if facts.packs.is_empty() {
        vec![facts.pack.clone()]
    } else {
        facts.packs.clone()
    };
    Some(SetResult {
        format: first.format,
        organisation: first.organisation,
        assessment_date: first.assessment_date,
        answers_digest: first.answers_digest,
        waivers_ignored: first.waivers_ignored,
        answered_for,
        ignored_answers,
        verdict: score::overall(packs.iter().map(|p| p.verdict)),
        packs,
    })
}

/// The JSON of a set result, pretty-printed, with a final newline.
pub fn set_json(r: &SetResult) -> String {
    let mut s =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
