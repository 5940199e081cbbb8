//! Assessment: one outcome per rule, with why, for one set of facts.
//!
//! `applies_when` false → `not_applicable` (with the reason; the check is not evaluated);
//! `applies_when` unknown → `unanswered` listing the scoping questions (never N/A: leaving a
//! scoping question blank must not remove duties); otherwise the check decides `pass`, `fail`
//! or `unanswered`. Waivers then turn a `fail` into `waived` while they last. The result is
//! the JSON contract documented in `docs/RESULT.md`: no clock, stable order, same input → same bytes.

use crate::eval::{Env, Observation, Truth, explain, truth};
use crate::facts::{Facts, Organisation, Person};
use crate::model::digest;
use crate::model::{Condition, LawRef, Level, Pack, Rule, Severity, SourceRef};
use crate::text::Text;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// The outcome of one rule.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The check holds.
    Pass,
    /// The check does not hold.
    Fail,
    /// The rule does not apply to this company.
    NotApplicable,
    /// Undecided: a question it needs is unanswered or 不清楚.
    Unanswered,
    /// Failed, but an unexpired waiver covers it.
    Waived,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Fail,
        Outcome::Unanswered,
        Outcome::Waived,
        Outcome::Pass,
        Outcome::NotApplicable,
    ];

    /// The name used in results.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Unanswered => "unanswered",
            Outcome::Waived => "waived",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// Options of an assessment.
#[derive(Clone, Copy, Debug, Default)]
pub struct AssessOptions {
    /// Report every finding as it is, waivers or not (a regulator's view).
    pub ignore_waivers: bool,
}

/// Identity of the pack used.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PackInfo {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: Text,
    /// Digest of all pack files.
    pub digest: String,
    /// Digest of the questionnaire.
    pub questionnaire_digest: String,
}

/// Counts of outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Rules counted.
    pub total: usize,
    /// Passed.
    pub pass: usize,
    /// Failed.
    pub fail: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Unanswered.
    pub unanswered: usize,
    /// Waived.
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, o: Outcome) {
        self.total += 1;
        match o {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Unanswered => self.unanswered += 1,
            Outcome::Waived => self.waived += 1,
        }
    }
}

/// Counts by outcome, by level, and by severity (required rules only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// All rules.
    pub all: Counts,
    /// Required rules.
    pub required: Counts,
    /// Recommended rules.
    pub recommended: Counts,
    /// Required rules by severity, most severe first.
    pub by_severity: std::collections::BTreeMap<Severity, Counts>,
    /// Applicable required rules answered 不清楚 somewhere.
    pub required_dont_know: usize,
}

/// A national-law reference as it stands on the assessment date.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reference {
    /// Instrument id.
    pub instrument: String,
    /// Instrument title.
    pub title: Text,
    /// The version in force on the assessment date (or the earliest, if none yet).
    pub version: String,
    /// The article in that version.
    pub article: String,
    /// Whether that version was in force on the assessment date.
    pub in_force: bool,
    /// The article in every version: (version, article).
    pub articles: Vec<(String, String)>,
    /// How sure the wording is.
    pub rating: String,
    /// Note.
    pub note: Option<Text>,
}

/// A waiver as it affected a finding.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WaiverEffect {
    /// `applied`, `expired` (lapsed: the finding is reported as it is), `unused` (the rule
    /// passes), `no_effect` (the rule is unanswered or N/A) or `ignored` (`--ignore-waivers`).
    pub status: &'static str,
    /// Why.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies.
    pub expires: NaiveDate,
}

/// One rule's result.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule digest.
    pub rule_digest: String,
    /// Title.
    pub title: Text,
    /// Section id.
    pub section: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Severity.
    pub severity: Severity,
    /// Level.
    pub level: Level,
    /// Source clause.
    pub source: SourceRef,
    /// The comparisons that decided the outcome.
    pub explanation: Vec<Observation>,
    /// For `not_applicable`: the scoping comparisons that were false.
    pub reason: Vec<Observation>,
    /// For `unanswered`: the questions that would decide it.
    pub missing: Vec<String>,
    /// Questions behind an undecided outcome answered 不清楚.
    pub dont_know: Vec<String>,
    /// Failing items of repeatable groups.
    pub items: Vec<String>,
    /// Evidence to provide.
    pub evidence: Vec<Text>,
    /// How to fix.
    pub remediation: Text,
    /// National law.
    pub references: Vec<Reference>,
    /// Waiver.
    pub waiver: Option<WaiverEffect>,
}

/// The organisation block of a result.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OrgInfo {
    /// Organisation.
    #[serde(flatten)]
    pub organisation: Organisation,
    /// Who prepared the answers.
    pub prepared_by: Option<Person>,
    /// Who answers for them.
    pub responsible_person: Option<Person>,
}

/// A kind of enterprise the answers put the company in.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScopeInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
}

/// The result of assessing one facts file: the JSON contract.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    /// Format version of this result.
    pub format: &'static str,
    /// Pack used.
    pub pack: PackInfo,
    /// Organisation.
    pub organisation: OrgInfo,
    /// Assessment date.
    pub assessment_date: NaiveDate,
    /// Digest of the answers (canonical form).
    pub answers_digest: String,
    /// Whether waivers were ignored.
    pub waivers_ignored: bool,
    /// Kinds of enterprise.
    pub scopes: Vec<ScopeInfo>,
    /// Counts.
    pub summary: Summary,
    /// One per rule, in pack order.
    pub findings: Vec<Finding>,
}

/// The outcome of one rule before waivers, without explanations (the fast path for
/// self-tests; batches use [`decide`] for the 不清楚 check too).
pub fn rule_outcome(rule: &Rule, env: &Env<'_>) -> Outcome {
    decide(rule, env).0
}

/// The outcome of one rule before waivers, without explanations, and for an undecided rule the
/// condition that left it undecided (`applies_when` or the check). The one statement of the
/// outcome rules that [`assess`] explains; batches and self-tests use it directly.
pub fn decide<'r>(rule: &'r Rule, env: &Env<'_>) -> (Outcome, Option<&'r Condition>) {
    if let Some(a) = &rule.applies_when {
        match truth(a, env) {
            Truth::False => return (Outcome::NotApplicable, None),
            Truth::Unknown => return (Outcome::Unanswered, Some(a)),
            Truth::True => {}
        }
    }
    match truth(&rule.check, env) {
        Truth::True => (Outcome::Pass, None),
        Truth::False => (Outcome::Fail, None),
        Truth::Unknown => (Outcome::Unanswered, Some(&rule.check)),
    }
}

/// Applies a waiver (if any) to an outcome.
pub fn apply_waiver(
    outcome: Outcome,
    facts: &Facts,
    rule_id: &str,
    opts: AssessOptions,
) -> (Outcome, Option<WaiverEffect>) {
    let Some(w) = facts.waivers.iter().find(|w| w.rule == rule_id) else {
        return (outcome, None);
    };
    let (outcome, status) = if opts.ignore_waivers {
        (outcome, "ignored")
    } else {
        match outcome {
            Outcome::Fail if w.expires >= facts.assessment_date => (Outcome::Waived, "applied"),
            Outcome::Fail => (Outcome::Fail, "expired"),
            Outcome::Pass => (Outcome::Pass, "unused"),
            o => (o, "no_effect"),
        }
    };
    let effect = WaiverEffect {
        status,
        justification: w.justification.clone(),
        approved_by: w.approved_by.clone(),
        expires: w.expires,
    };
    (outcome, Some(effect))
}

/// Assesses `facts` against `pack`.
pub fn assess(pack: &Pack, facts: &Facts, opts: AssessOptions) -> Assessment {
    let env = Env::new(pack, facts);
    let mut findings = Vec::with_capacity(pack.rules.len());
    for rule in &pack.rules {
        findings.push(finding(pack, facts, rule, &env, opts));
    }
    let mut summary = Summary::default();
    let mut sev: std::collections::BTreeMap<Severity, Counts> = Severity::ALL
        .iter()
        .map(|s| (*s, Counts::default()))
        .collect();
    for f in &findings {
        summary.all.add(f.outcome);
        match f.level {
            Level::Required => {
                summary.required.add(f.outcome);
                sev.entry(f.severity).or_default().add(f.outcome);
                if f.outcome == Outcome::Unanswered && !f.dont_know.is_empty() {
                    summary.required_dont_know += 1;
                }
            }
            Level::Recommended => summary.recommended.add(f.outcome),
        }
    }
    summary.by_severity = sev;
    let scopes = pack
        .scopes
        .iter()
        .filter(|s| truth(&s.when, &env) == Truth::True)
        .map(|s| ScopeInfo {
            id: s.id.clone(),
            title: s.title.clone(),
        })
        .collect();
    Assessment {
        format: "hegui.assessment/1",
        pack: PackInfo {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            title: pack.meta.title.clone(),
            digest: pack.digest.clone(),
            questionnaire_digest: pack.questionnaire.digest.clone(),
        },
        organisation: OrgInfo {
            organisation: facts.organisation.clone(),
            prepared_by: facts.prepared_by.clone(),
            responsible_person: facts.responsible_person.clone(),
        },
        assessment_date: facts.assessment_date,
        answers_digest: answers_digest(pack, facts),
        waivers_ignored: opts.ignore_waivers,
        scopes,
        summary,
        findings,
    }
}

fn finding(pack: &Pack, facts: &Facts, rule: &Rule, env: &Env<'_>, opts: AssessOptions) -> Finding {
    let mut reason = Vec::new();
    let mut explanation = Vec::new();
    let outcome = match &rule.applies_when {
        Some(a) => {
            let (t, obs) = explain(a, env);
            match t {
                Truth::False => {
                    reason = obs;
                    Outcome::NotApplicable
                }
                Truth::Unknown => {
                    explanation = obs;
                    Outcome::Unanswered
                }
                Truth::True => check_outcome(rule, env, &mut explanation),
            }
        }
        None => check_outcome(rule, env, &mut explanation),
    };
    let mut missing = BTreeSet::new();
    let mut dont_know = BTreeSet::new();
    if outcome == Outcome::Unanswered {
        for o in &explanation {
            missing.extend(o.missing.iter().cloned());
            dont_know.extend(o.dont_know.iter().cloned());
        }
    }
    let mut items: Vec<String> = Vec::new();
    if outcome == Outcome::Fail {
        for o in &explanation {
            if let (Some(item), Truth::False) = (&o.item, o.result)
                && !items.contains(item)
            {
                items.push(item.clone());
            }
        }
    }
    let (outcome, waiver) = apply_waiver(outcome, facts, &rule.id, opts);
    Finding {
        rule_id: rule.id.clone(),
        rule_digest: rule.digest.clone(),
        title: rule.title.clone(),
        section: rule.section.clone(),
        outcome,
        severity: rule.severity,
        level: rule.level,
        source: rule.source.clone(),
        explanation,
        reason,
        missing: order_by_questionnaire(pack, missing),
        dont_know: order_by_questionnaire(pack, dont_know),
        items,
        evidence: rule.evidence.clone(),
        remediation: rule.remediation.clone(),
        references: rule
            .references
            .iter()
            .filter_map(|r| reference(pack, r, facts.assessment_date))
            .collect(),
        waiver,
    }
}

fn check_outcome(rule: &Rule, env: &Env<'_>, explanation: &mut Vec<Observation>) -> Outcome {
    let (t, obs) = explain(&rule.check, env);
    *explanation = obs;
    match t {
        Truth::True => Outcome::Pass,
        Truth::False => Outcome::Fail,
        Truth::Unknown => Outcome::Unanswered,
    }
}

fn order_by_questionnaire(pack: &Pack, ids: BTreeSet<String>) -> Vec<String> {
    let qn = &pack.questionnaire;
    let mut v: Vec<String> = ids.into_iter().collect();
    v.sort_by_key(|id| {
        qn.question(id)
            .or_else(|| {
                qn.group(id)
                    .and_then(|g| qn.groups.get(g))
                    .and_then(|g| g.members.first().copied())
            })
            .unwrap_or(usize::MAX)
    });
    v
}

/// The version of `r`'s instrument in force on `date`, and its article.
pub fn reference(pack: &Pack, r: &LawRef, date: NaiveDate) -> Option<Reference> {
    let ins = pack.instrument(&r.instrument)?;
    let cited: Vec<&crate::model::InstrumentVersion> = ins
        .versions
        .iter()
        .filter(|v| r.articles.iter().any(|(id, _)| *id == v.id))
        .collect();
    let in_force = cited.iter().rev().find(|v| v.in_force <= date).copied();
    let (version, in_force_flag) = match in_force {
        Some(v) => (v, true),
        None => (*cited.first()?, false),
    };
    let article = r
        .articles
        .iter()
        .find(|(id, _)| *id == version.id)
        .map(|(_, a)| a.clone())?;
    Some(Reference {
        instrument: r.instrument.clone(),
        title: ins.title.clone(),
        version: version.id.clone(),
        article,
        in_force: in_force_flag,
        articles: r.articles.clone(),
        rating: r.rating.clone(),
        note: r.note.clone(),
    })
}

/// Digest of the answers in canonical form (independent of YAML/JSON and key order).
pub fn answers_digest(pack: &Pack, facts: &Facts) -> String {
    let v = crate::facts::write::facts_json(pack, facts);
    digest::bytes(v.to_string().as_bytes())
}

/// Whether any required rule failed at or above `threshold` (waived, unanswered and
/// recommended rules never count).
pub fn fails_at(a: &Assessment, threshold: Severity) -> bool {
    a.findings.iter().any(|f| {
        f.level == Level::Required && f.outcome == Outcome::Fail && f.severity <= threshold
    })
}
