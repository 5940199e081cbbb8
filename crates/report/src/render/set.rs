//! The report of one set of answers assessed against several packs: what templates see as `s`
//! (`report-set.*.j2`). One verdict per pack and an overall one (the worst of the packs with
//! applicable required rules; no overall score: score and coverage per pack), one dated plan
//! across packs where one action names every rule the same answers close, the answers that
//! decide rules in several packs, and each pack's own report view.

use super::view::{self, Header, Report, ReportOptions};
use chrono::NaiveDate;
use hegui_core::eval::assess::{Assessment, Outcome};
use hegui_core::eval::score::{Score, Verdict};
use hegui_core::load::set::PackSet;
use hegui_core::model::Severity;
use hegui_core::text::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole set report.
#[derive(Clone, Debug, Serialize)]
pub struct SetView {
    /// Cover (the first pack's identity fields are not used: see `packs`).
    pub header: Header,
    /// The overall verdict.
    pub overall: Overall,
    /// One row per pack.
    pub packs: Vec<PackRow>,
    /// The packs the answers were given for (`id version`).
    pub answered_for: Vec<String>,
    /// Answers ignored because their pack was not assessed.
    pub ignored_answers: Vec<String>,
    /// One dated plan across packs.
    pub plan: Vec<Action>,
    /// Answers that decide rules in several packs.
    pub shared: Vec<SharedAnswer>,
    /// Each pack's own report view, in pack order.
    pub reports: Vec<Report>,
    /// The texts of this report.
    pub text: BTreeMap<&'static str, Text>,
}

/// The overall verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Overall {
    /// `not_compliant`, `undecided`, `waived`, `compliant` or `no_obligations`.
    pub status: &'static str,
    /// Its headline.
    pub headline: Text,
}

/// One pack's line.
#[derive(Clone, Debug, Serialize)]
pub struct PackRow {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: Text,
    /// Whether the answers were given for this pack.
    pub answered: bool,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its score and coverage.
    pub score: Score,
    /// `sha256:…` of the pack (library included).
    pub digest: String,
    /// The question library it uses (`hegui-common 1.0.0`).
    pub library: Option<String>,
}

/// A rule of some pack, named in the plan or beside a shared answer.
#[derive(Clone, Debug, Serialize)]
pub struct PackRule {
    /// Pack id.
    pub pack: String,
    /// Rule id.
    pub rule_id: String,
    /// Title.
    pub title: Text,
    /// Outcome.
    pub outcome: Outcome,
    /// Severity.
    pub severity: Severity,
    /// Failing items (apps named `name · platform · version`).
    pub items: Vec<String>,
}

/// One action of the plan: the answers to change, and every rule (of any pack) it closes.
#[derive(Clone, Debug, Serialize)]
pub struct Action {
    /// The answers behind the gaps (`apps[*].filed (主App · ios · 3.2.0): 否`).
    pub answers: Vec<String>,
    /// Earliest due date of its rules.
    pub due: Option<NaiveDate>,
    /// Most severe of its rules.
    pub severity: Severity,
    /// Its label.
    pub severity_label: Text,
    /// Every rule it closes.
    pub rules: Vec<PackRule>,
    /// What to do (each rule's remediation, once).
    pub remediation: Vec<Text>,
    /// Whether its rules come from several packs.
    pub cross_pack: bool,
}

/// An answer that decides rules in several packs.
#[derive(Clone, Debug, Serialize)]
pub struct SharedAnswer {
    /// Question id.
    pub question: String,
    /// Its label.
    pub label: Text,
    /// The rules it decides, pack by pack.
    pub rules: Vec<PackRule>,
}

fn texts() -> BTreeMap<&'static str, Text> {
    [
        ("title", Text::new("多规则包合规自评报告", "Multi-pack compliance self-assessment report")),
        ("overall", Text::new("总体结论", "Overall verdict")),
        ("overall_help", Text::new(
            "各规则包中最差的结论(由差到好依次为：不合规、尚无定论、豁免、合规)；没有适用强制性义务的规则包不计入。不计算总分：得分和覆盖率按规则包分别列出。",
            "The worst verdict of the packs (worst first: not compliant, undecided, waived, compliant); packs without applicable required rules do not count. There is no overall score: score and coverage are per pack.",
        )),
        ("packs", Text::new("规则包", "Packs")),
        ("pack", Text::new("规则包", "Pack")),
        ("answered", Text::new("答卷针对该规则包", "Answered for this pack")),
        ("not_answered", Text::new(
            "否：答卷未针对该规则包，其问题按未作答处理(尚无定论，不是不适用)",
            "No: the answers were not given for this pack; its questions count as unanswered (undecided, never N/A)",
        )),
        ("yes", Text::new("是", "Yes")),
        ("verdict", Text::new("结论", "Verdict")),
        ("score", Text::new("得分", "Score")),
        ("coverage", Text::new("覆盖率", "Coverage")),
        ("library", Text::new("问题库", "Question library")),
        ("digest", Text::new("规则包摘要", "Pack digest")),
        ("answers_digest", Text::new("答案摘要", "Answers digest")),
        ("answered_for", Text::new("答卷针对的规则包", "Answers given for")),
        ("ignored", Text::new("未评估规则包的答案(已忽略)", "Answers for packs not assessed (ignored)")),
        ("plan", Text::new("整改计划(跨规则包)", "Remediation plan (across packs)")),
        ("plan_help", Text::new(
            "同一组答案导致多个规则包中的规则不满足时，合并为一项整改，列出它关闭的全部规则；期限取其中最早者。",
            "Where the same answers fail rules in several packs, one action names every rule it closes; its due date is the earliest of theirs.",
        )),
        ("answers", Text::new("相关答案", "Answers")),
        ("due", Text::new("整改期限", "Due")),
        ("closes", Text::new("关闭的规则", "Closes")),
        ("todo", Text::new("整改措施", "What to do")),
        ("shared", Text::new("影响多个规则包的答案", "Answers that decide rules in several packs")),
        ("question", Text::new("问题", "Question")),
        ("rules", Text::new("规则", "Rules")),
        ("no_gaps", Text::new("没有需要整改的强制性规则。", "No required rule needs remediation.")),
        ("details", Text::new("各规则包详情", "Pack by pack")),
        ("disclaimer", Text::new(
            "本报告是企业合规自评辅助工具的输出，不构成法律意见，也不代表任何监管部门的认可。",
            "This report is the output of a self-assessment aid. It is not legal advice and implies no endorsement by any regulator.",
        )),
    ]
    .into_iter()
    .collect()
}

/// Builds the set report view.
pub fn build(r: &Assessment, set: &PackSet, opts: &ReportOptions) -> SetView {
    let reports: Vec<Report> = r
        .packs
        .iter()
        .zip(&set.packs)
        .map(|(p, pack)| view::build(r, p, pack, opts))
        .collect();
    let packs = r
        .packs
        .iter()
        .zip(&reports)
        .map(|(p, rep)| PackRow {
            id: p.pack.id.clone(),
            version: p.pack.version.clone(),
            title: p.pack.title.clone(),
            answered: p.answered,
            verdict: rep.verdict.clone(),
            score: rep.score.clone(),
            digest: p.pack.digest.clone(),
            library: p
                .pack
                .library
                .as_ref()
                .map(|l| format!("{} {}", l.id, l.version)),
        })
        .collect();
    // The plan: required gaps of every pack, grouped by the answers that decided them.
    let mut actions: Vec<Action> = Vec::new();
    for (p, rep) in r.packs.iter().zip(&reports) {
        for g in &rep.gaps {
            let answers: Vec<String> = match &g.reason {
                Some(w) => vec![why_key(w)],
                None => g
                    .why
                    .iter()
                    .filter(|w| w.result == "false")
                    .map(why_key)
                    .collect(),
            };
            let rule = PackRule {
                pack: p.pack.id.clone(),
                rule_id: g.rule_id.clone(),
                title: g.title.clone(),
                outcome: g.outcome,
                severity: g.severity,
                items: g.items.clone(),
            };
            let slot = actions
                .iter_mut()
                .find(|a| !answers.is_empty() && a.answers == answers);
            match slot {
                Some(a) => {
                    a.due = match (a.due, g.due) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (x, y) => x.or(y),
                    };
                    if g.severity < a.severity {
                        a.severity = g.severity;
                        a.severity_label = g.severity_label.clone();
                    }
                    if !a.remediation.contains(&g.remediation) {
                        a.remediation.push(g.remediation.clone());
                    }
                    a.cross_pack |= a.rules.iter().any(|x| x.pack != rule.pack);
                    a.rules.push(rule);
                }
                None => actions.push(Action {
                    answers,
                    due: g.due,
                    severity: g.severity,
                    severity_label: g.severity_label.clone(),
                    rules: vec![rule],
                    remediation: vec![g.remediation.clone()],
                    cross_pack: false,
                }),
            }
        }
    }
    actions.sort_by_key(|a| (a.due, a.severity));
    // Answers deciding rules in several packs (the comparisons that decided each finding).
    let mut by_question: BTreeMap<String, Vec<PackRule>> = BTreeMap::new();
    for p in &r.packs {
        for f in &p.findings {
            if f.outcome == Outcome::Unanswered {
                continue;
            }
            let mut seen = Vec::new();
            for o in f.explanation.iter().chain(&f.reason) {
                if seen.contains(&o.question) {
                    continue;
                }
                seen.push(o.question.clone());
                by_question
                    .entry(o.question.clone())
                    .or_default()
                    .push(PackRule {
                        pack: p.pack.id.clone(),
                        rule_id: f.rule_id.clone(),
                        title: f.title.clone(),
                        outcome: f.outcome,
                        severity: f.severity,
                        items: f
                            .items
                            .iter()
                            .filter(|i| i.outcome == Outcome::Fail)
                            .map(|i| i.key.clone())
                            .collect(),
                    });
            }
        }
    }
    let qn = set.questionnaire();
    let shared = by_question
        .into_iter()
        .filter(|(_, rules)| {
            rules
                .iter()
                .any(|x| rules.first().is_some_and(|y| y.pack != x.pack))
        })
        .map(|(question, rules)| SharedAnswer {
            label: qn
                .and_then(|qn| qn.question(&question).and_then(|q| qn.questions.get(q)))
                .map(|q| q.label.clone())
                .unwrap_or_else(|| Text::new(question.clone(), question.clone())),
            question,
            rules,
        })
        .collect();
    let header = reports
        .first()
        .map(|rep| rep.header.clone())
        .unwrap_or_else(|| view::empty_header(r.assessment_date));
    SetView {
        header,
        overall: Overall {
            status: r.verdict.name(),
            headline: r.verdict.label(),
        },
        packs,
        answered_for: r
            .answered_for
            .iter()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect(),
        ignored_answers: r
            .ignored_answers
            .iter()
            .flat_map(|i| i.questions.iter().map(move |q| format!("{q} ({})", i.pack)))
            .collect(),
        plan: actions,
        shared,
        reports,
        text: texts(),
    }
}

fn why_key(w: &view::Why) -> String {
    match &w.item {
        Some(item) => format!("{} ({item}): {}", w.question, w.answer.zh),
        None => format!("{}: {}", w.question, w.answer.zh),
    }
}
