//! Assessment: one outcome per rule, with why, for one set of facts.
//!
//! `applies_when` false → `not_applicable` (with the reason; the check is not evaluated);
//! `applies_when` unknown → `unanswered` listing the scoping questions (never N/A: leaving a
//! scoping question blank must not remove duties); otherwise the check decides `pass`, `fail`
//! or `unanswered`. Waivers then turn a `fail` into `waived` while they last. The result is
//! the JSON contract documented in `docs/RESULT.md`: no clock, stable order, same input → same bytes.

use crate::answers::{Facts, Organisation, Person};
use crate::eval::score::{self, Ratio, Score, Status};
use crate::eval::{Env, Observation, Truth, explain, truth};
use crate::model::digest;
use crate::model::{Condition, DocKind, LawRef, Level, Pack, Rule, Severity};
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
    /// The question library the pack uses (`null` without one).
    pub library: Option<crate::model::LibraryInfo>,
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
    /// Undecided required rules with a too-imprecise date (a month or a year) behind them.
    pub required_imprecise: usize,
}

/// Where a rule's duty is mentioned: a clause of a source document. For a policy document
/// this is context (政策背景), never the legal basis.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SourceCite {
    /// Source document id.
    pub document: String,
    /// The document's kind.
    pub kind: DocKind,
    /// How to present it: `policy_context`, `provision`, `standard_clause` or `source_item`.
    pub label: &'static str,
    /// Clause number as the source writes it (a policy text's item 项).
    pub clause: String,
    /// The document's date.
    pub date: NaiveDate,
    /// Verbatim quote from the clause.
    pub quote: String,
    /// The citation ready to print (`政策背景：《…》第14项` / `Policy context: … (item 14)`); a
    /// clause whose wording is unverified says so in it.
    pub cite: Text,
    /// The clause's wording is not confirmed by two independent copies (always present, as
    /// every key of the result is; `false` when it is confirmed).
    pub unverified: bool,
}

/// The limits of an assessment: what the pack does not check, so that "no finding" is never
/// read as "no duty".
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Limits {
    /// Fixed texts every report prints: the engine's and the pack's.
    pub notes: Vec<Text>,
    /// Known gaps addressed to enterprises (or both) that may concern this company.
    pub known_gaps: Vec<KnownGapInfo>,
    /// Clauses addressed to government only: no company duty checked.
    pub government_items: Vec<String>,
}

/// A duty the pack knows of but does not check (`coverage.yaml`).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct KnownGapInfo {
    /// Id.
    pub id: String,
    /// Source document id.
    pub document: String,
    /// Clause.
    pub clause: String,
    /// `enterprise` or `both`.
    pub addressee: String,
    /// The obligation.
    pub obligation: Text,
    /// Why it is not encoded.
    pub why_not_encoded: Text,
    /// What encoding it would need.
    pub would_need: Text,
}

/// A legal-basis reference as it stands on the assessment date.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reference {
    /// Instrument id.
    pub instrument: String,
    /// Instrument title.
    pub title: Text,
    /// Instrument kind.
    pub kind: DocKind,
    /// Whether the instrument binds companies (not a policy document or a recommended standard).
    pub binding: bool,
    /// The version in force on the assessment date (or the earliest, if none yet).
    pub version: String,
    /// The article in that version.
    pub article: String,
    /// Whether that version was in force on the assessment date.
    pub in_force: bool,
    /// The article in every version: (version, article).
    pub articles: Vec<(String, String)>,
    /// How sure the wording of that article is (citation ledger).
    pub rating: String,
    /// The instrument's earliest version came into force after the source document's date.
    pub adopted_after_source: bool,
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
    /// Where the duty is mentioned (context, not the legal basis).
    pub source: SourceCite,
    /// The comparisons that decided the outcome.
    pub explanation: Vec<Observation>,
    /// For `not_applicable`: the scoping comparisons that were false.
    pub reason: Vec<Observation>,
    /// For `unanswered`: the questions that would decide it.
    pub missing: Vec<String>,
    /// Questions behind an undecided outcome answered 不清楚.
    pub dont_know: Vec<String>,
    /// Questions behind an undecided outcome answered with a month or a year too imprecise to
    /// decide it (日期不够精确，无法判定 / date too imprecise to decide).
    pub imprecise: Vec<String>,
    /// The items of repeatable groups (apps) behind the outcome: for a `fail`, each failing
    /// item; for an undecided rule, each item left undecided.
    pub items: Vec<FindingItem>,
    /// Evidence to provide.
    pub evidence: Vec<Text>,
    /// How to fix.
    pub remediation: Text,
    /// The law the duty rests on (法律依据); `legal_basis` in the result (`references` in /1).
    #[serde(rename = "legal_basis")]
    pub references: Vec<Reference>,
    /// Every instrument of the legal basis came into force after the source document's date: a
    /// duty of law adopted after the source text.
    pub basis_after_source: bool,
    /// Waiver.
    pub waiver: Option<WaiverEffect>,
}

/// One item of a repeatable group (an app build) named in a finding, with its own outcome.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FindingItem {
    /// The group's id (`apps`).
    pub group: String,
    /// The item's place in the group, from 1.
    pub index: usize,
    /// Its label: the group's `item_key` answer then each `item_details` answer, joined with
    /// ` · ` (`主App · android · 3.2.1`); `#n` when the key is blank.
    pub key: String,
    /// The answers that name it: the `item_key` member then each `item_details` member, by
    /// member id (`{"name": "主App", "platform": "android", "version": "3.2.1"}`), as written
    /// (option ids for choices); `null` for one not answered.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// What the rule's check gave for this item: `fail` or `unanswered`.
    pub outcome: Outcome,
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

impl OrgInfo {
    /// The organisation block of the answers' header.
    pub(crate) fn of(facts: &Facts) -> OrgInfo {
        OrgInfo {
            organisation: facts.organisation.clone(),
            prepared_by: facts.prepared_by.clone(),
            responsible_person: facts.responsible_person.clone(),
        }
    }
}

/// A kind of enterprise the answers put the company in.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScopeInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
}

/// A pack named by id and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
}

/// Answers the facts carry for a pack that was not assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct IgnoredAnswers {
    /// Pack id.
    pub pack: String,
    /// Pack version.
    pub version: String,
    /// The questions answered for it.
    pub questions: Vec<String>,
}

/// One pack's part of a result: its verdict, score, coverage and findings.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PackAssessment {
    /// Pack used.
    pub pack: PackInfo,
    /// Whether the facts were answered for this pack (a pack not answered is assessed with
    /// its questions unanswered: undecided, never N/A).
    pub answered: bool,
    /// `compliant`, `not_compliant`, `undecided`, `waived` or `no_obligations`
    /// (docs/SCORING.md), computed from the findings by [`score::Score`].
    pub verdict: Status,
    /// Weight of passing ÷ weight of decided applicable required rules.
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

impl PackAssessment {
    /// The score, coverage and counts of this pack's findings: the one definition of
    /// docs/SCORING.md.
    pub fn score(&self) -> Score {
        Score::of(&self.findings)
    }
}

/// The result of assessing one facts file: the JSON contract (`docs/RESULT.md`), one entry in
/// `packs` per pack assessed.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    /// Format version of this result.
    pub format: &'static str,
    /// Organisation.
    pub organisation: OrgInfo,
    /// Assessment date.
    pub assessment_date: NaiveDate,
    /// Digest of the answers (canonical form).
    pub answers_digest: String,
    /// Whether waivers were ignored.
    pub waivers_ignored: bool,
    /// The packs the facts were answered for.
    pub answered_for: Vec<PackRef>,
    /// Answers for packs that were not assessed.
    pub ignored_answers: Vec<IgnoredAnswers>,
    /// The overall verdict: the worst over the packs ([`score::overall`]).
    pub verdict: Status,
    /// One entry per pack assessed.
    pub packs: Vec<PackAssessment>,
}

impl Assessment {
    /// Every finding of every pack, pack by pack.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.packs.iter().flat_map(|p| p.findings.iter())
    }

    /// Recomputes the overall verdict from the packs' verdicts.
    pub fn update_verdict(&mut self) {
        self.verdict = score::overall(self.packs.iter().map(|p| p.verdict));
    }
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
    pack_id: &str,
    opts: AssessOptions,
) -> (Outcome, Option<WaiverEffect>) {
    // A waiver naming a pack applies to that pack's rule only.
    let Some(w) = facts
        .waivers
        .iter()
        .find(|w| w.rule == rule_id && w.pack.as_deref().is_none_or(|p| p == pack_id))
    else {
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

/// Assesses `facts` against `pack`: a result with one entry in `packs`.
pub fn assess(pack: &Pack, facts: &Facts, opts: AssessOptions) -> Assessment {
    let p = assess_pack(pack, facts, opts);
    let mut a = Assessment {
        format: FORMAT,
        organisation: OrgInfo::of(facts),
        assessment_date: facts.assessment_date,
        answers_digest: answers_digest(pack, facts),
        waivers_ignored: opts.ignore_waivers,
        answered_for: vec![PackRef {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
        }],
        ignored_answers: Vec::new(),
        verdict: p.verdict,
        packs: vec![p],
    };
    a.update_verdict();
    a
}

/// Assesses `facts` against one `pack`: that pack's entry of a result.
pub fn assess_pack(pack: &Pack, facts: &Facts, opts: AssessOptions) -> PackAssessment {
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
                if f.outcome == Outcome::Unanswered && !f.imprecise.is_empty() {
                    summary.required_imprecise += 1;
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
    let limits = limits(pack, Some(&env));
    let score = Score::of(&findings);
    PackAssessment {
        pack: PackInfo {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            title: pack.meta.title.clone(),
            digest: pack.digest.clone(),
            questionnaire_digest: pack.questionnaire.digest.clone(),
            library: pack.library.clone(),
        },
        answered: true,
        verdict: score.status(),
        score: score.score_ratio(),
        coverage: score.coverage_ratio(),
        scopes,
        summary,
        findings,
        limits,
    }
}

/// The result format this hegui writes.
pub const FORMAT: &str = "hegui.assessment/2";

/// Fixed notes of every report's limits section.
const ENGINE_NOTES: &[(&str, &str)] = &[
    (
        "本评估依据企业自报的答案，答案未经核实；“符合”不是认证。",
        "This assessment rests on the company's self-reported answers, which are not verified; a pass is no certification.",
    ),
    (
        "本规则包只检查其规则所列的义务；未列出的义务(包括下列已知未覆盖的义务)仍然适用。",
        "The pack checks only the duties its rules list; duties it does not list, including the known gaps below, still apply.",
    ),
];

/// The limits of an assessment of `pack` for the company `env` describes: the engine's and
/// the pack's notes, the known gaps addressed to enterprises whose scopes are not all false for
/// this company (every such gap without `env`: a batch overview), and the clauses addressed to
/// government only.
pub fn limits(pack: &Pack, env: Option<&Env<'_>>) -> Limits {
    let notes = ENGINE_NOTES
        .iter()
        .map(|(zh, en)| Text::new(*zh, *en))
        .chain(pack.limits.iter().cloned())
        .collect();
    let known_gaps = pack
        .known_gaps
        .iter()
        .filter(|g| g.addresses_enterprise())
        .filter(|g| {
            g.scopes.is_empty()
                || g.scopes.iter().any(|id| {
                    pack.scopes
                        .iter()
                        .find(|s| &s.id == id)
                        .is_none_or(|s| env.is_none_or(|e| truth(&s.when, e) != Truth::False))
                })
        })
        .map(|g| KnownGapInfo {
            id: g.id.clone(),
            document: g.document.clone(),
            clause: g.clause.clone(),
            addressee: g.addressee.clone(),
            obligation: g.obligation.clone(),
            why_not_encoded: g.why_not_encoded.clone(),
            would_need: g.would_need.clone(),
        })
        .collect();
    let government_items = pack
        .coverage
        .iter()
        .filter(|c| c.addressee == "government")
        .filter(|c| {
            !pack
                .rules
                .iter()
                .any(|r| r.source.document == c.document && r.source.clause == c.clause)
        })
        .map(|c| c.clause.clone())
        .collect();
    Limits {
        notes,
        known_gaps,
        government_items,
    }
}

/// The source of `rule` as a result presents it.
pub fn source_cite(pack: &Pack, rule: &Rule) -> SourceCite {
    let s = &rule.source;
    let doc = pack.source(&s.document);
    let kind = doc.map_or(DocKind::PolicyDocument, |d| d.kind);
    let title = doc.map_or_else(|| Text::new(&s.document, &s.document), |d| d.title.clone());
    SourceCite {
        document: s.document.clone(),
        kind,
        label: kind.source_label(),
        clause: s.clause.clone(),
        date: doc.map_or(NaiveDate::MIN, |d| d.date),
        quote: s.quote.clone(),
        cite: doc.map_or_else(
            || kind.source_cite(&title, &s.clause),
            |d| d.cite(&s.clause),
        ),
        unverified: doc.is_some_and(|d| d.is_unverified(&s.clause)),
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
    let mut imprecise = BTreeSet::new();
    if outcome == Outcome::Unanswered {
        for o in &explanation {
            missing.extend(o.missing.iter().cloned());
            dont_know.extend(o.dont_know.iter().cloned());
            imprecise.extend(o.imprecise.iter().cloned());
        }
    }
    let mut items: Vec<FindingItem> = Vec::new();
    let item_truth = match outcome {
        Outcome::Fail => Some((Truth::False, Outcome::Fail)),
        Outcome::Unanswered => Some((Truth::Unknown, Outcome::Unanswered)),
        _ => None,
    };
    if let Some((truth, item_outcome)) = item_truth {
        for o in &explanation {
            if let (Some(at), Some(key)) = (o.item_at, &o.item)
                && o.result == truth
                && !items
                    .iter()
                    .any(|x| (x.group.as_str(), x.index) == (group_id(pack, at.0), at.1 + 1))
            {
                items.push(FindingItem {
                    group: group_id(pack, at.0).to_string(),
                    index: at.1 + 1,
                    key: key.clone(),
                    fields: item_fields(pack, facts, at),
                    outcome: item_outcome,
                });
            }
        }
    }
    let (outcome, waiver) = apply_waiver(outcome, facts, &rule.id, &pack.meta.id, opts);
    Finding {
        rule_id: rule.id.clone(),
        rule_digest: rule.digest.clone(),
        title: rule.title.clone(),
        section: rule.section.clone(),
        outcome,
        severity: rule.severity,
        level: rule.level,
        source: source_cite(pack, rule),
        explanation,
        reason,
        missing: order_by_questionnaire(pack, missing),
        dont_know: order_by_questionnaire(pack, dont_know),
        imprecise: order_by_questionnaire(pack, imprecise),
        items,
        evidence: rule.evidence.clone(),
        remediation: rule.remediation.clone(),
        references: rule
            .references
            .iter()
            .filter_map(|r| reference(pack, rule, r, facts.assessment_date))
            .collect(),
        basis_after_source: pack.basis_postdates_source(rule),
        waiver,
    }
}

fn group_id(pack: &Pack, g: crate::model::GIdx) -> &str {
    pack.questionnaire
        .groups
        .get(g)
        .map_or("", |g| g.id.as_str())
}

/// The answers naming item `i` of group `g`: its `item_key` and `item_details` members, as
/// written (option ids for choices), `null` when unanswered.
fn item_fields(
    pack: &Pack,
    facts: &Facts,
    (g, i): (crate::model::GIdx, usize),
) -> serde_json::Map<String, serde_json::Value> {
    let qn = &pack.questionnaire;
    let mut out = serde_json::Map::new();
    let Some(group) = qn.groups.get(g) else {
        return out;
    };
    let item = facts
        .groups
        .get(g)
        .and_then(Option::as_ref)
        .and_then(|items| items.get(i));
    for local in group.item_key.iter().chain(&group.item_details) {
        let q = qn.member(g, local).and_then(|q| qn.questions.get(q));
        let shown = match (q, item.and_then(|it| q.and_then(|q| it.answers.get(q.pos)))) {
            (
                Some(q),
                Some(Some(crate::answers::Answer {
                    state: crate::answers::AnswerState::Value(v),
                    ..
                })),
            ) => match v {
                crate::model::Value::Text(t) if t.trim().is_empty() => serde_json::Value::Null,
                crate::model::Value::Text(t) => serde_json::Value::String(t.clone()),
                crate::model::Value::Choice(c) => {
                    q.options.get(*c).map_or(serde_json::Value::Null, |o| {
                        serde_json::Value::String(o.id.clone())
                    })
                }
                other => serde_json::Value::String(crate::eval::display_value(q, other)),
            },
            _ => serde_json::Value::Null,
        };
        out.insert(local.clone(), shown);
    }
    out
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
pub fn reference(pack: &Pack, rule: &Rule, r: &LawRef, date: NaiveDate) -> Option<Reference> {
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
    let rating = pack
        .citation(&r.instrument, &version.id, &article)
        .map_or_else(|| r.rating.clone(), |c| c.rating.name().to_string());
    let source_date = pack.source(&rule.source.document).map(|d| d.date);
    Some(Reference {
        instrument: r.instrument.clone(),
        title: ins.title.clone(),
        kind: ins.kind,
        binding: ins.binds_companies(),
        version: version.id.clone(),
        article,
        in_force: in_force_flag,
        articles: r.articles.clone(),
        rating,
        adopted_after_source: match (ins.first_in_force(), source_date) {
            (Some(f), Some(d)) => f > d,
            _ => false,
        },
        note: r.note.clone(),
    })
}

/// Digest of the answers in canonical form (independent of YAML/JSON and key order).
pub fn answers_digest(pack: &Pack, facts: &Facts) -> String {
    digest::json(&crate::answers::write::facts_json(pack, facts))
}

/// Whether any required rule failed at or above `threshold` (waived, unanswered and
/// recommended rules never count).
pub fn fails_at(a: &Assessment, threshold: Severity) -> bool {
    a.findings().any(|f| {
        f.level == Level::Required && f.outcome == Outcome::Fail && f.severity <= threshold
    })
}
