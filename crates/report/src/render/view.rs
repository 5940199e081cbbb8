//! The report view model: what templates see as `r`, computed from the assessment (the JSON
//! contract) and the pack's labels only. Scores, due dates and groupings are report-only: they
//! are not part of the JSON result. Documented in docs/TEMPLATES.md.

use super::labels;
use super::plan::{self, Deadlines};
use chrono::NaiveDate;
use hegui_core::eval::assess::{Assessment, Finding, Outcome, PackAssessment, WaiverEffect};
use hegui_core::eval::score::{self, Score, Verdict};
use hegui_core::model::{Level, Pack, QType, Severity};
use hegui_core::text::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// Options of a report that are not part of the assessment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Days to remediate by severity.
    pub deadlines: Deadlines,
    /// Generation time to print (none by default, for reproducible bytes).
    pub generated_at: Option<String>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Cover and header.
    pub header: Header,
    /// Verdict.
    pub verdict: Verdict,
    /// Score and coverage over all required rules.
    pub score: Score,
    /// Coverage below 100 %: some applicable required rule is undecided, so the score covers
    /// the decided rules only and must say so (and never be shown larger than the coverage).
    pub partial: bool,
    /// The score's label: 得分 / Score, or, when `partial`, 得分(仅计已判定规则…) / Score
    /// (decided rules only…).
    pub score_label: Text,
    /// Rows of the outcome table: required and recommended counts per outcome.
    pub counts: Vec<CountRow>,
    /// Required rules by severity, with weights and deadlines.
    pub severities: Vec<SeverityRow>,
    /// Sections that have rules, in pack order, with their scores.
    pub sections: Vec<SectionView>,
    /// Required rules that fail or are waived: most severe first, failures before waivers.
    pub gaps: Vec<Gap>,
    /// Recommended rules that fail (or are waived), in pack order.
    pub recommendations: Vec<Gap>,
    /// Unanswered questions that would decide rules, by section.
    pub open_questions: Vec<QuestionSection>,
    /// Questions answered 不清楚 behind undecided rules, by section.
    pub dont_know: Vec<QuestionSection>,
    /// Questions answered with a month or a year too imprecise to decide rules, by section
    /// (reports show this block only when it is not empty).
    pub imprecise: Vec<QuestionSection>,
    /// Every waiver given, in pack order of its rule.
    pub waivers: Vec<WaiverView>,
    /// Clause → rule → outcome, in pack order.
    pub trace: Vec<TraceRow>,
    /// What this assessment does not check.
    pub limits: LimitsView,
    /// Deadlines used.
    pub deadlines: Deadlines,
}

/// The header block.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// Administrative division code.
    pub region_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Who prepared the answers.
    pub prepared_by: Option<PersonView>,
    /// Who answers for them.
    pub responsible_person: Option<PersonView>,
    /// Assessment date.
    pub assessment_date: NaiveDate,
    /// Pack id.
    pub pack_id: String,
    /// Pack version.
    pub pack_version: String,
    /// Pack title.
    pub pack_title: Text,
    /// `sha256:…` of the pack.
    pub pack_digest: String,
    /// `sha256:…` of the answers.
    pub answers_digest: String,
    /// Kinds of enterprise.
    pub scopes: Vec<Text>,
    /// Generation time, only when given.
    pub generated_at: Option<String>,
    /// `--ignore-waivers`.
    pub waivers_ignored: bool,
    /// Answers the file carries for packs that were not assessed (`question (pack)`), ignored;
    /// reports say so beside the packs the answers were given for. Empty as a rule.
    pub ignored_answers: Vec<String>,
    /// The packs the answers were given for (`id version`), shown with `ignored_answers`.
    pub answered_for: Vec<String>,
}

/// A person.
#[derive(Clone, Debug, Serialize)]
pub struct PersonView {
    /// Name.
    pub name: String,
    /// Position.
    pub title: Option<String>,
}

/// One row of the outcome table.
#[derive(Clone, Debug, Serialize)]
pub struct CountRow {
    /// Outcome name.
    pub outcome: &'static str,
    /// Its label.
    pub label: Text,
    /// Required rules.
    pub required: usize,
    /// Recommended rules.
    pub recommended: usize,
}

/// One severity.
#[derive(Clone, Debug, Serialize)]
pub struct SeverityRow {
    /// Name.
    pub severity: &'static str,
    /// Label.
    pub label: Text,
    /// Weight in the score.
    pub weight: u32,
    /// Days to remediate.
    pub deadline_days: u32,
    /// Score of the required rules of this severity.
    pub score: Score,
}

/// One section's scores.
#[derive(Clone, Debug, Serialize)]
pub struct SectionView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
    /// Score of its required rules.
    pub score: Score,
    /// Its recommended rules.
    pub recommended: usize,
    /// Its recommended rules that fail.
    pub recommended_fail: usize,
}

/// One answer behind an outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Why {
    /// Question id.
    pub question: String,
    /// Question label.
    pub label: Text,
    /// Group item (its `item_key` answer, or `#n`).
    pub item: Option<String>,
    /// The answer, in words.
    pub answer: Text,
    /// The comparison as written in the pack.
    pub condition: String,
    /// `true`, `false` or `unknown`.
    pub result: &'static str,
    /// Its label (met / not met / undecided).
    pub result_label: Text,
}

/// The clause a rule encodes: where the duty is mentioned, not its legal basis.
#[derive(Clone, Debug, Serialize)]
pub struct SourceView {
    /// Document id.
    pub document: String,
    /// Document title.
    pub document_title: Text,
    /// Document kind (`policy_document`, `law`, …).
    pub kind: hegui_core::model::DocKind,
    /// Its label (政策文件 / policy document …).
    pub kind_label: Text,
    /// How it is presented: `policy_context`, `provision`, `standard_clause`, `source_item`.
    pub label: &'static str,
    /// The heading for that (政策背景 / Policy context …).
    pub heading: Text,
    /// Clause number as written.
    pub clause: String,
    /// The clause numbered as its kind numbers parts (第14项 / item 14; 第14条 / article 14).
    pub clause_label: Text,
    /// The whole citation, ready to print (`政策背景：《…》第14项`).
    pub cite: Text,
    /// Verbatim quote.
    pub quote: String,
}

/// A national-law reference, numbered as in force on the assessment date.
#[derive(Clone, Debug, Serialize)]
pub struct RefView {
    /// Instrument title.
    pub title: Text,
    /// Instrument kind.
    pub kind: hegui_core::model::DocKind,
    /// Its label (法律 / law …).
    pub kind_label: Text,
    /// Whether the instrument binds companies.
    pub binding: bool,
    /// How sure the wording is (V, V2, P, U).
    pub rating: String,
    /// Version in force.
    pub version: String,
    /// Article in that version.
    pub article: String,
    /// The article numbered as its instrument's kind numbers parts (第26条 / art. 26; 第2项 / item 2).
    pub article_label: Text,
    /// Whether that version was in force on the assessment date.
    pub in_force: bool,
    /// The same article in the other versions: (version, article).
    pub formerly: Vec<(String, String)>,
    /// The same, numbered: (version, label).
    pub formerly_labels: Vec<(String, Text)>,
    /// What the article says.
    pub note: Option<Text>,
}

/// A finding to act on.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// Rule id.
    pub rule_id: String,
    /// Title.
    pub title: Text,
    /// Section id.
    pub section: String,
    /// Section title.
    pub section_title: Text,
    /// `required` or `recommended`.
    pub level: Level,
    /// Its label.
    pub level_label: Text,
    /// Outcome name.
    pub outcome: Outcome,
    /// Its label.
    pub outcome_label: Text,
    /// Severity name.
    pub severity: Severity,
    /// Its label.
    pub severity_label: Text,
    /// The answers that decided it.
    pub why: Vec<Why>,
    /// The one-line reason: the first comparison that failed (for a false `any`, the branch
    /// that came closest; `docs/SEMANTICS.md` S23).
    pub reason: Option<Why>,
    /// For an undecided finding with a month or a year behind it: that answer, as written,
    /// with the reason 日期不够精确，无法判定 / date too imprecise to decide.
    pub imprecise: Option<Why>,
    /// Failing items of repeatable groups, by their label (apps: `name · platform · version`).
    pub items: Vec<String>,
    /// The clause.
    pub source: SourceView,
    /// The legal basis (法律依据).
    pub references: Vec<RefView>,
    /// Set when every instrument of the legal basis postdates the source: "a duty of national
    /// law adopted after this policy text".
    pub basis_after_source: Option<Text>,
    /// Evidence to provide.
    pub evidence: Vec<Text>,
    /// How to fix.
    pub remediation: Text,
    /// Due date (required gaps only): assessment date + deadline, or the waiver's expiry.
    pub due: Option<NaiveDate>,
    /// `severity` (deadline by severity) or `waiver` (the waiver's expiry); null if no due date.
    pub due_basis: Option<&'static str>,
    /// Days from the assessment date to the due date.
    pub due_days: Option<i64>,
    /// The waiver, if one was given.
    pub waiver: Option<WaiverView>,
}

/// Questions of one section.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionSection {
    /// Section id.
    pub section: String,
    /// Title.
    pub title: Text,
    /// Questions, in questionnaire order.
    pub questions: Vec<QuestionView>,
}

/// A question and the rules it would decide.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionView {
    /// Question (or group) id.
    pub id: String,
    /// Label (a group member: group label, then the question).
    pub label: Text,
    /// Rules it would decide.
    pub rules: Vec<RuleRef>,
    /// In `imprecise`: the answers as written behind those rules (`直播打赏: 2025-09` for a group
    /// item, `2025` for a top-level question); empty in the other lists.
    pub answers: Vec<String>,
}

/// A rule named in a list.
#[derive(Clone, Debug, Serialize)]
pub struct RuleRef {
    /// Id.
    pub rule_id: String,
    /// Title.
    pub title: Text,
    /// Level.
    pub level: Level,
    /// Its label.
    pub level_label: Text,
    /// Severity.
    pub severity: Severity,
    /// Its label.
    pub severity_label: Text,
}

/// A waiver and what it did.
#[derive(Clone, Debug, Serialize)]
pub struct WaiverView {
    /// Rule id.
    pub rule_id: String,
    /// Rule title.
    pub title: Text,
    /// The rule's reported outcome.
    pub outcome: Outcome,
    /// Its label.
    pub outcome_label: Text,
    /// `applied`, `expired`, `unused`, `no_effect` or `ignored`.
    pub status: &'static str,
    /// Its label.
    pub status_label: Text,
    /// Why.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies (inclusive).
    pub expires: NaiveDate,
    /// What it means for the finding.
    pub note: Text,
}

/// The limits section.
#[derive(Clone, Debug, Serialize)]
pub struct LimitsView {
    /// Fixed notes.
    pub notes: Vec<Text>,
    /// Known gaps that may concern the company.
    pub known_gaps: Vec<KnownGapView>,
    /// Clauses addressed to government only, numbered as their kind numbers parts.
    pub government_items: Vec<Text>,
}

/// A known gap in a report.
#[derive(Clone, Debug, Serialize)]
pub struct KnownGapView {
    /// Id.
    pub id: String,
    /// The clause it comes from, ready to print.
    pub cite: Text,
    /// Addressee label.
    pub addressee_label: Text,
    /// The obligation.
    pub obligation: Text,
    /// Why it is not checked.
    pub why_not_encoded: Text,
    /// What checking it would need.
    pub would_need: Text,
}

/// The limits of `a` as a report shows them.
pub fn limits_view(limits: &hegui_core::eval::assess::Limits, pack: &Pack) -> LimitsView {
    let doc_of = |id: &str| pack.source(id);
    let first_doc = pack.sources.first();
    LimitsView {
        notes: limits.notes.clone(),
        known_gaps: limits
            .known_gaps
            .iter()
            .map(|g| {
                let cite = doc_of(&g.document).map_or_else(
                    || {
                        labels::source_cite(
                            hegui_core::model::DocKind::PolicyDocument,
                            &Text::new(&g.document, &g.document),
                            &g.clause,
                        )
                    },
                    |d| d.cite(&g.clause),
                );
                KnownGapView {
                    id: g.id.clone(),
                    cite,
                    addressee_label: labels::addressee(&g.addressee),
                    obligation: g.obligation.clone(),
                    why_not_encoded: g.why_not_encoded.clone(),
                    would_need: g.would_need.clone(),
                }
            })
            .collect(),
        government_items: limits
            .government_items
            .iter()
            .map(|n| {
                first_doc.map_or_else(
                    || labels::clause_number(hegui_core::model::DocKind::PolicyDocument, n),
                    |d| d.clause_number(n),
                )
            })
            .collect(),
    }
}

/// A clause's sort key: its leading number (so 3 comes before 13), then the text.
fn clause_key(clause: &str) -> (Option<u64>, &str) {
    let digits = clause.len()
        - clause
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    (clause.get(..digits).and_then(|d| d.parse().ok()), clause)
}

/// One row of the traceability table.
#[derive(Clone, Debug, Serialize)]
pub struct TraceRow {
    /// Document id.
    pub document: String,
    /// Clause.
    pub clause: String,
    /// Rule id.
    pub rule_id: String,
    /// Title.
    pub title: Text,
    /// Level.
    pub level: Level,
    /// Its label.
    pub level_label: Text,
    /// Outcome.
    pub outcome: Outcome,
    /// Its label.
    pub outcome_label: Text,
    /// Why an undecided rule is undecided when it is not a missing or 不清楚 answer: 日期不够精确，
    /// 无法判定 / date too imprecise to decide.
    pub reason: Option<Text>,
}

fn outcome_name(o: Outcome) -> &'static str {
    o.name()
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Required => "required",
        Level::Recommended => "recommended",
    }
}

fn section_title(pack: &Pack, id: &str) -> Text {
    pack.sections
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.title.clone())
        .unwrap_or_else(|| Text::new(id, id))
}

/// Builds the report view of `a`.
pub fn build(a: &Assessment, p: &PackAssessment, pack: &Pack, opts: &ReportOptions) -> Report {
    let score = p.score();
    let verdict = score::verdict(&score);
    let partial = score.coverage.is_some_and(|c| c < 100);
    let counts = Outcome::ALL
        .into_iter()
        .map(|o| {
            let n = |l: Level| {
                p.findings
                    .iter()
                    .filter(|f| f.level == l && f.outcome == o)
                    .count()
            };
            CountRow {
                outcome: outcome_name(o),
                label: labels::outcome(outcome_name(o)),
                required: n(Level::Required),
                recommended: n(Level::Recommended),
            }
        })
        .collect();
    let severities = Severity::ALL
        .into_iter()
        .map(|s| SeverityRow {
            severity: s.name(),
            label: labels::severity(s.name()),
            weight: score::weight(s),
            deadline_days: opts.deadlines.days(s),
            score: Score::of(p.findings.iter().filter(|f| f.severity == s)),
        })
        .collect();
    let sections = pack
        .sections
        .iter()
        .filter_map(|s| {
            let fs: Vec<&Finding> = p.findings.iter().filter(|f| f.section == s.id).collect();
            if fs.is_empty() {
                return None;
            }
            let rec = || fs.iter().filter(|f| f.level == Level::Recommended);
            Some(SectionView {
                id: s.id.clone(),
                title: s.title.clone(),
                score: Score::of(fs.iter().copied()),
                recommended: rec().count(),
                recommended_fail: rec().filter(|f| f.outcome == Outcome::Fail).count(),
            })
        })
        .collect();
    let mut gaps: Vec<Gap> = p
        .findings
        .iter()
        .filter(|f| {
            f.level == Level::Required && matches!(f.outcome, Outcome::Fail | Outcome::Waived)
        })
        .map(|f| gap(a, pack, f, opts))
        .collect();
    gaps.sort_by_key(|g| (g.severity, g.outcome == Outcome::Waived));
    let recommendations = p
        .findings
        .iter()
        .filter(|f| {
            f.level == Level::Recommended && matches!(f.outcome, Outcome::Fail | Outcome::Waived)
        })
        .map(|f| gap(a, pack, f, opts))
        .collect();
    let waivers = p
        .findings
        .iter()
        .filter_map(|f| f.waiver.as_ref().map(|w| waiver_view(f, w)))
        .collect();
    let mut trace: Vec<TraceRow> = p
        .findings
        .iter()
        .map(|f| TraceRow {
            document: f.source.document.clone(),
            clause: f.source.clause.clone(),
            rule_id: f.rule_id.clone(),
            title: f.title.clone(),
            level: f.level,
            level_label: labels::level(level_name(f.level)),
            outcome: f.outcome,
            outcome_label: labels::outcome(outcome_name(f.outcome)),
            reason: (f.outcome == Outcome::Unanswered && !f.imprecise.is_empty())
                .then(|| labels::label("date_too_imprecise")),
        })
        .collect();
    // In the order of the source: by document, then clause (numbered clauses by number),
    // rules of one clause in pack order (the sort is stable).
    trace.sort_by(|x, y| {
        (x.document.as_str(), clause_key(&x.clause))
            .cmp(&(y.document.as_str(), clause_key(&y.clause)))
    });
    let org = &a.organisation;
    let person = |p: &Option<hegui_core::facts::Person>| {
        p.as_ref().map(|p| PersonView {
            name: p.name.clone(),
            title: p.title.clone(),
        })
    };
    Report {
        header: Header {
            name: org.organisation.name.clone(),
            credit_code: org.organisation.credit_code.clone(),
            region_code: org.organisation.region_code.clone(),
            industry: org.organisation.industry.clone(),
            prepared_by: person(&org.prepared_by),
            responsible_person: person(&org.responsible_person),
            assessment_date: a.assessment_date,
            pack_id: p.pack.id.clone(),
            pack_version: p.pack.version.clone(),
            pack_title: p.pack.title.clone(),
            pack_digest: p.pack.digest.clone(),
            answers_digest: a.answers_digest.clone(),
            scopes: p.scopes.iter().map(|s| s.title.clone()).collect(),
            generated_at: opts.generated_at.clone(),
            waivers_ignored: a.waivers_ignored,
            ignored_answers: a
                .ignored_answers
                .iter()
                .flat_map(|i| i.questions.iter().map(move |q| format!("{q} ({})", i.pack)))
                .collect(),
            answered_for: a
                .answered_for
                .iter()
                .map(|p| format!("{} {}", p.id, p.version))
                .collect(),
        },
        verdict,
        partial,
        score_label: labels::label(if partial {
            "score_decided_only"
        } else {
            "score"
        }),
        score,
        counts,
        severities,
        sections,
        gaps,
        recommendations,
        open_questions: questions(p, pack, |f| &f.missing),
        dont_know: questions(p, pack, |f| &f.dont_know),
        imprecise: questions(p, pack, |f| &f.imprecise),
        waivers,
        trace,
        limits: limits_view(&p.limits, pack),
        deadlines: opts.deadlines,
    }
}

/// A header with no organisation (a set of no packs).
pub fn empty_header(date: NaiveDate) -> Header {
    Header {
        name: String::new(),
        credit_code: None,
        region_code: None,
        industry: None,
        prepared_by: None,
        responsible_person: None,
        assessment_date: date,
        pack_id: String::new(),
        pack_version: String::new(),
        pack_title: Text::new("", ""),
        pack_digest: String::new(),
        answers_digest: String::new(),
        scopes: Vec::new(),
        generated_at: None,
        waivers_ignored: false,
        ignored_answers: Vec::new(),
        answered_for: Vec::new(),
    }
}

fn gap(a: &Assessment, pack: &Pack, f: &Finding, opts: &ReportOptions) -> Gap {
    let numbering = |r: &hegui_core::eval::assess::Reference| {
        pack.instrument(&r.instrument)
            .map_or(hegui_core::model::Numbering::default_for(r.kind), |i| {
                i.numbering
            })
    };
    let (due, due_basis) = match (f.level, f.outcome, &f.waiver) {
        (Level::Required, Outcome::Waived, Some(w)) => (Some(w.expires), Some("waiver")),
        (Level::Required, _, _) => (
            plan::due(a.assessment_date, opts.deadlines.days(f.severity)),
            Some("severity"),
        ),
        _ => (None, None),
    };
    Gap {
        rule_id: f.rule_id.clone(),
        title: f.title.clone(),
        section: f.section.clone(),
        section_title: section_title(pack, &f.section),
        level: f.level,
        level_label: labels::level(level_name(f.level)),
        outcome: f.outcome,
        outcome_label: labels::outcome(outcome_name(f.outcome)),
        severity: f.severity,
        severity_label: labels::severity(f.severity.name()),
        why: f.explanation.iter().map(|o| why(pack, o)).collect(),
        reason: f
            .explanation
            .iter()
            .find(|o| o.result == hegui_core::eval::Truth::False)
            .map(|o| why(pack, o)),
        imprecise: imprecise_why(pack, f),
        items: f
            .items
            .iter()
            .filter(|i| i.outcome == Outcome::Fail)
            .map(|i| i.key.clone())
            .collect(),
        source: SourceView {
            document: f.source.document.clone(),
            document_title: pack
                .source(&f.source.document)
                .map(|d| d.title.clone())
                .unwrap_or_else(|| Text::new(&f.source.document, &f.source.document)),
            kind: f.source.kind,
            kind_label: labels::kind(f.source.kind),
            label: f.source.label,
            heading: labels::source_heading(f.source.label),
            clause: f.source.clause.clone(),
            clause_label: pack.source(&f.source.document).map_or_else(
                || labels::clause_number(f.source.kind, &f.source.clause),
                |d| d.clause_label(&f.source.clause),
            ),
            cite: f.source.cite.clone(),
            quote: f.source.quote.clone(),
        },
        basis_after_source: f.basis_after_source.then(|| {
            labels::label(
                if f.source.kind == hegui_core::model::DocKind::PolicyDocument {
                    "basis_after_source_policy"
                } else {
                    "basis_after_source_other"
                },
            )
        }),
        references: f
            .references
            .iter()
            .map(|r| RefView {
                title: r.title.clone(),
                kind: r.kind,
                kind_label: labels::kind(r.kind),
                binding: r.binding,
                rating: r.rating.clone(),
                article_label: labels::article_number(numbering(r), &r.article),
                formerly_labels: r
                    .articles
                    .iter()
                    .filter(|(v, _)| *v != r.version)
                    .map(|(v, a)| (v.clone(), labels::article_number(numbering(r), a)))
                    .collect(),
                version: r.version.clone(),
                article: r.article.clone(),
                in_force: r.in_force,
                formerly: r
                    .articles
                    .iter()
                    .filter(|(v, _)| *v != r.version)
                    .cloned()
                    .collect(),
                note: r.note.clone(),
            })
            .collect(),
        evidence: f.evidence.clone(),
        remediation: f.remediation.clone(),
        due,
        due_basis,
        due_days: due.map(|d| (d - a.assessment_date).num_days()),
        waiver: f.waiver.as_ref().map(|w| waiver_view(f, w)),
    }
}

fn waiver_view(f: &Finding, w: &WaiverEffect) -> WaiverView {
    let e = w.expires;
    let note = match w.status {
        "applied" => Text::new(
            format!("豁免有效期至 {e}(含当日)；应在此之前完成整改，到期后按实际结果报告。"),
            format!(
                "Valid up to and including {e}; remediate before then: after it the finding is reported as it is."
            ),
        ),
        "expired" => Text::new(
            format!("豁免已于 {e} 到期失效，该项按实际结果(不符合)报告。"),
            format!("The waiver lapsed after {e}; the finding is reported as it is (fail)."),
        ),
        "unused" => Text::new(
            "该规则已符合，豁免未被使用。",
            "The rule passes: the waiver is unused.",
        ),
        "no_effect" => Text::new(
            "该规则尚无定论或不适用，豁免不改变结果。",
            "The rule is undecided or not applicable: the waiver changes nothing.",
        ),
        _ => Text::new(
            "已按 --ignore-waivers 忽略豁免，该项按实际结果报告。",
            "Ignored (--ignore-waivers): the finding is reported as it is.",
        ),
    };
    WaiverView {
        rule_id: f.rule_id.clone(),
        title: f.title.clone(),
        outcome: f.outcome,
        outcome_label: labels::outcome(outcome_name(f.outcome)),
        status: w.status,
        status_label: labels::waiver_status(w.status),
        justification: w.justification.clone(),
        approved_by: w.approved_by.clone(),
        expires: w.expires,
        note,
    }
}

/// Label of a question or group id: a group member reads "group › question".
fn question_label(pack: &Pack, id: &str) -> Text {
    let qn = &pack.questionnaire;
    if let Some(q) = qn.question(id).and_then(|i| qn.questions.get(i)) {
        return match q.group.and_then(|g| qn.groups.get(g)) {
            Some(g) => Text::new(
                format!("{} › {}", g.label.zh, q.label.zh),
                format!("{} › {}", g.label.en, q.label.en),
            ),
            None => q.label.clone(),
        };
    }
    if let Some(g) = qn.group(id).and_then(|i| qn.groups.get(i)) {
        return g.label.clone();
    }
    Text::new(id, id)
}

/// Position and section of a question or group id in the questionnaire.
fn question_place(pack: &Pack, id: &str) -> (usize, String) {
    let qn = &pack.questionnaire;
    if let Some(i) = qn.question(id)
        && let Some(q) = qn.questions.get(i)
    {
        return (i, q.section.clone());
    }
    if let Some(g) = qn.group(id).and_then(|i| qn.groups.get(i)) {
        return (
            g.members.first().copied().unwrap_or(usize::MAX),
            g.section.clone(),
        );
    }
    (usize::MAX, String::new())
}

/// An answer in words: yes/no, option labels, 不清楚, unanswered; anything else as written.
fn answer_text(pack: &Pack, question: &str, answer: &str) -> Text {
    match answer {
        "unanswered" => return labels::label("unanswered_answer"),
        "不清楚" => return labels::label("dont_know_answer"),
        _ => {}
    }
    let qn = &pack.questionnaire;
    if answer == hegui_core::eval::NO_ITEMS && qn.group(question).is_some() {
        return labels::label("no_items_answer");
    }
    let Some(q) = qn.question(question).and_then(|i| qn.questions.get(i)) else {
        return Text::new(answer, answer);
    };
    let option = |id: &str| {
        q.options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.label.clone())
    };
    match q.qtype {
        QType::YesNo => match answer {
            "true" => labels::label("yes"),
            "false" => labels::label("no"),
            _ => Text::new(answer, answer),
        },
        QType::SingleChoice => option(answer).unwrap_or_else(|| Text::new(answer, answer)),
        QType::MultipleChoice => {
            let Some(inner) = answer.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
                return Text::new(answer, answer);
            };
            if inner.trim().is_empty() {
                return labels::label("none");
            }
            let parts: Option<Vec<Text>> = inner.split(", ").map(option).collect();
            match parts {
                Some(p) => Text::new(
                    p.iter()
                        .map(|t| t.zh.as_str())
                        .collect::<Vec<_>>()
                        .join("；"),
                    p.iter()
                        .map(|t| t.en.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                None => Text::new(answer, answer),
            }
        }
        _ => Text::new(answer, answer),
    }
}

fn why(pack: &Pack, o: &hegui_core::eval::Observation) -> Why {
    let result = match o.result {
        hegui_core::eval::Truth::True => "true",
        hegui_core::eval::Truth::False => "false",
        hegui_core::eval::Truth::Unknown => "unknown",
    };
    Why {
        question: o.question.clone(),
        label: question_label(pack, &o.question),
        item: o.item.clone(),
        answer: answer_text(pack, &o.question, &o.answer),
        condition: o.condition.clone(),
        result,
        result_label: labels::label(match result {
            "true" => "met",
            "false" => "not_met",
            _ => "unknown",
        }),
    }
}

/// The first comparison of an undecided finding that a month or a year left undecided, shown
/// for the imprecise question itself (its answer as written) with the reason.
fn imprecise_why(pack: &Pack, f: &Finding) -> Option<Why> {
    if f.outcome != Outcome::Unanswered {
        return None;
    }
    let o = f.explanation.iter().find(|o| !o.imprecise.is_empty())?;
    let q = o.imprecise.first()?;
    let answer = imprecise_answer(o, q);
    Some(Why {
        question: q.clone(),
        label: question_label(pack, q),
        item: o.item.clone(),
        answer: Text::new(&answer, &answer),
        condition: o.condition.clone(),
        result: "unknown",
        result_label: labels::label("date_too_imprecise"),
    })
}

/// The answer of question `q` in observation `o`, as written: the observation's answer is
/// `lhs` or `lhs; other.id: rhs` for a comparison of two questions.
fn imprecise_answer(o: &hegui_core::eval::Observation, q: &str) -> String {
    if q == o.question {
        o.answer.split("; ").next().unwrap_or(&o.answer).to_string()
    } else {
        o.answer
            .split_once(&format!("; {q}: "))
            .map_or(o.answer.clone(), |(_, a)| a.to_string())
    }
}

/// Questions named by `pick` (missing or 不清楚) across undecided findings, grouped by section.
fn questions(
    a: &PackAssessment,
    pack: &Pack,
    pick: impl Fn(&Finding) -> &Vec<String>,
) -> Vec<QuestionSection> {
    // question id → (position, section, rules)
    let mut by_q: BTreeMap<String, (usize, String, Vec<RuleRef>)> = BTreeMap::new();
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &a.findings {
        if f.outcome != Outcome::Unanswered {
            continue;
        }
        for q in pick(f) {
            // An imprecise date is shown as written (only observations naming it as imprecise).
            for o in f.explanation.iter().filter(|o| o.imprecise.contains(q)) {
                let written = imprecise_answer(o, q);
                let shown = match &o.item {
                    Some(item) => format!("{item}: {written}"),
                    None => written,
                };
                let list = answers.entry(q.clone()).or_default();
                if !list.contains(&shown) {
                    list.push(shown);
                }
            }
            let entry = by_q.entry(q.clone()).or_insert_with(|| {
                let (pos, section) = question_place(pack, q);
                (pos, section, Vec::new())
            });
            entry.2.push(RuleRef {
                rule_id: f.rule_id.clone(),
                title: f.title.clone(),
                level: f.level,
                level_label: labels::level(level_name(f.level)),
                severity: f.severity,
                severity_label: labels::severity(f.severity.name()),
            });
        }
    }
    let mut qs: Vec<(usize, String, String, Vec<RuleRef>)> = by_q
        .into_iter()
        .map(|(id, (pos, section, rules))| (pos, id, section, rules))
        .collect();
    qs.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    let mut order: Vec<String> = pack.sections.iter().map(|s| s.id.clone()).collect();
    for (_, _, s, _) in &qs {
        if !order.contains(s) {
            order.push(s.clone());
        }
    }
    order
        .into_iter()
        .filter_map(|s| {
            let questions: Vec<QuestionView> = qs
                .iter()
                .filter(|q| q.2 == s)
                .map(|(_, id, _, rules)| QuestionView {
                    id: id.clone(),
                    label: question_label(pack, id),
                    rules: rules.clone(),
                    answers: answers.get(id).cloned().unwrap_or_default(),
                })
                .collect();
            if questions.is_empty() {
                return None;
            }
            Some(QuestionSection {
                title: section_title(pack, &s),
                section: s,
                questions,
            })
        })
        .collect()
}
