//! Diff: what changed between two assessments of one organisation.
//!
//! Each side is an assessment — made here from a facts file, or read back from a JSON result
//! in any format version hegui has written ([`RESULT_FORMATS`]: `hegui.assessment/1` and `/2`),
//! checked on the way: an unknown version, a rule listed twice, an impossible date or counts
//! that disagree with the result's own summary are refused. Rules are matched by id. A rule whose `rule_digest` is the same on
//! both sides means the same thing, so a change of its outcome comes from the company's
//! answers; a rule added, removed or with a different digest is a change of the pack, reported
//! apart. Two different organisations (credit code, or name when a code is missing) are refused
//! unless forced.

use hegui_core::diag::{Diagnostic, Diagnostics, Loc};
use hegui_core::eval::assess::{Assessment, Outcome};
use hegui_core::eval::outcome::{RuleOutcome, score_items};
use hegui_core::eval::score::{self, Score, Status};
use hegui_core::model::{Level, Severity};
use hegui_core::text::Text;
use serde::Serialize;
use std::collections::HashMap;

/// One rule as a side of a diff sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleState {
    /// Rule id.
    pub rule_id: String,
    /// Rule digest.
    pub rule_digest: String,
    /// Title.
    pub title: Text,
    /// Level.
    pub level: Level,
    /// Severity.
    pub severity: Severity,
    /// Outcome.
    pub outcome: Outcome,
    /// Undecided with a 不清楚 answer behind it.
    pub dont_know: bool,
}

/// One side of a diff.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// Where it came from.
    pub path: String,
    /// Pack id.
    pub pack_id: String,
    /// Pack version.
    pub pack_version: String,
    /// Pack digest.
    pub pack_digest: String,
    /// Organisation name.
    pub name: String,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Assessment date.
    pub assessment_date: String,
    /// Verdict, recomputed from the outcomes (docs/SCORING.md).
    pub verdict: Status,
    /// Score and coverage, recomputed from the outcomes.
    pub score: Score,
    /// Rules, in pack order.
    #[serde(skip)]
    pub rules: Vec<RuleState>,
    /// Problems worth a warning: a stored verdict, score or coverage that disagrees with the
    /// one recomputed from the outcomes (naming the file and key).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

fn side_score(rules: &[RuleState]) -> Score {
    score_items(rules.iter().map(|r| {
        (
            r.level,
            r.severity,
            RuleOutcome {
                outcome: r.outcome,
                dont_know: r.dont_know,
            },
        )
    }))
}

impl Side {
    /// A side from an assessment made here (of one pack: its first entry).
    pub fn from_assessment(path: &str, a: &Assessment) -> Side {
        let p = a.packs.first();
        let rules: Vec<RuleState> = p
            .map(|p| p.findings.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|f| RuleState {
                rule_id: f.rule_id.clone(),
                rule_digest: f.rule_digest.clone(),
                title: f.title.clone(),
                level: f.level,
                severity: f.severity,
                outcome: f.outcome,
                dont_know: f.outcome == Outcome::Unanswered && !f.dont_know.is_empty(),
            })
            .collect();
        let score = side_score(&rules);
        Side {
            path: path.to_string(),
            pack_id: p.map(|p| p.pack.id.clone()).unwrap_or_default(),
            pack_version: p.map(|p| p.pack.version.clone()).unwrap_or_default(),
            pack_digest: p.map(|p| p.pack.digest.clone()).unwrap_or_default(),
            name: a.organisation.organisation.name.clone(),
            credit_code: a.organisation.organisation.credit_code.clone(),
            assessment_date: a.assessment_date.to_string(),
            verdict: score.status(),
            score,
            rules,
            warnings: Vec::new(),
        }
    }

    /// A side from a JSON result in any format version hegui has written ([`RESULT_FORMATS`]);
    /// an unknown version is refused. Every problem names the file and key.
    pub fn from_result_json(path: &str, v: &serde_json::Value) -> Result<Side, String> {
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or_default();
        match RESULT_FORMATS.iter().find(|(name, _)| *name == format) {
            Some((_, read)) => read(path, v),
            None => Err(format!(
                "{path}: 未知的结果格式 `{format}`，本版本 hegui 只能读取 {known}；请用写出它的 hegui 版本对比 / unknown result format `{format}`: this hegui reads {known}; a newer hegui may have written it — compare with that version",
                known = RESULT_FORMATS
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// A side from a result of any shape hegui has written, checked: a finding per rule (no
    /// rule twice), a real assessment date, and counts that agree with the result's own
    /// `summary`. Three shapes: `hegui.assessment/1` and the early, flat `/2` (`pack` and
    /// `findings` at the top), read as one pack; and `/2` with its `packs` list. A stored
    /// verdict, score or coverage is checked against the one recomputed from the outcomes
    /// ([`Score`]); a disagreement is a warning naming the file and key.
    fn from_result_v1_v2(path: &str, v: &serde_json::Value) -> Result<Side, String> {
        let s = |v: &serde_json::Value, at: &str, key: &str| -> Result<String, String> {
            v.get(key)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    format!("{path}: 结果缺少 `{at}{key}` / the result has no text `{at}{key}`")
                })
        };
        // The one pack's entry and the prefix of its keys.
        let (entry, at) = match v.get("packs") {
            None => (v, String::new()),
            Some(packs) => {
                let packs = packs
                    .as_array()
                    .ok_or_else(|| format!("{path}: `packs` 应为列表 / `packs` must be a list"))?;
                match packs.as_slice() {
                    [one] => (one, "packs[0].".to_string()),
                    [] => {
                        return Err(format!(
                            "{path}: `packs` 为空，没有可对比的规则包 / `packs` is empty: no pack to compare"
                        ));
                    }
                    _ => {
                        return Err(format!(
                            "{path}: 结果含 {n} 个规则包；本版本 diff 只能对比单个规则包的结果 / the result holds {n} packs: this hegui's diff compares results of one pack",
                            n = packs.len()
                        ));
                    }
                }
            }
        };
        let pack = entry
            .get("pack")
            .ok_or_else(|| format!("{path}: 结果缺少 `{at}pack` / the result has no `{at}pack`"))?;
        let org = v.get("organisation").ok_or_else(|| {
            format!("{path}: 结果缺少 `organisation` / the result has no `organisation`")
        })?;
        let findings = entry
            .get("findings")
            .and_then(|f| f.as_array())
            .ok_or_else(|| {
                format!("{path}: 结果缺少 `{at}findings` / the result has no `{at}findings` list")
            })?;
        let mut rules = Vec::with_capacity(findings.len());
        for (i, f) in findings.iter().enumerate() {
            let at = |key: &str| format!("{path}: {at}findings[{i}].{key}");
            let s = |v: &serde_json::Value, key: &str| {
                s(v, "", key).map_err(|_| format!("{}: 缺少文本 missing text", at(key)))
            };
            let outcome = Outcome::parse(&s(f, "outcome")?)
                .ok_or_else(|| format!("{}: 未知结果 unknown outcome", at("outcome")))?;
            let level: Level = serde_json::from_value(f.get("level").cloned().unwrap_or_default())
                .map_err(|e| format!("{}: {e}", at("level")))?;
            let severity: Severity =
                serde_json::from_value(f.get("severity").cloned().unwrap_or_default())
                    .map_err(|e| format!("{}: {e}", at("severity")))?;
            let title: Text = serde_json::from_value(f.get("title").cloned().unwrap_or_default())
                .map_err(|e| format!("{}: {e}", at("title")))?;
            let dont_know = f
                .get("dont_know")
                .and_then(|d| d.as_array())
                .is_some_and(|d| !d.is_empty());
            rules.push(RuleState {
                rule_id: s(f, "rule_id")?,
                rule_digest: s(f, "rule_digest")?,
                title,
                level,
                severity,
                outcome,
                dont_know: outcome == Outcome::Unanswered && dont_know,
            });
        }
        let mut first_at: HashMap<&str, usize> = HashMap::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            if let Some(j) = first_at.insert(r.rule_id.as_str(), i) {
                return Err(format!(
                    "{path}: {at}findings[{i}]: 规则 `{id}` 出现两次（又见 {at}findings[{j}]）；结果文件被改动或损坏 / rule `{id}` appears twice (also {at}findings[{j}]): the result was edited or damaged",
                    id = r.rule_id
                ));
            }
        }
        let date = s(v, "", "assessment_date")?;
        if hegui_core::model::condition::parse_date(&date).is_none() {
            return Err(format!(
                "{path}: assessment_date: `{date}` 不是有效日期 is not a valid date: {}",
                hegui_core::model::condition::date_problem(&date)
            ));
        }
        if let Some(all) = entry.get("summary").and_then(|x| x.get("all")) {
            for o in Outcome::ALL {
                let stated = all.get(o.name()).and_then(serde_json::Value::as_u64);
                let counted = rules.iter().filter(|r| r.outcome == o).count() as u64;
                if stated.is_some_and(|n| n != counted) {
                    return Err(format!(
                        "{path}: {at}summary.all.{name} 为 {stated} 但 findings 里有 {counted} 条；结果文件被改动或损坏 / {at}summary.all.{name} says {stated} but the findings hold {counted}: the result was edited or damaged",
                        name = o.name(),
                        stated = stated.unwrap_or_default()
                    ));
                }
            }
        }
        let score = side_score(&rules);
        let mut warnings = Diagnostics::new(path);
        let mut stored_verdict = |key: String,
                                  stored: Option<&serde_json::Value>,
                                  verdict: Status| {
            if let Some(stored) = stored
                && stored.as_str() != Some(verdict.name())
            {
                warnings.warning(
                    Loc::UNKNOWN,
                    key.clone(),
                    format!(
                        "`{key}` 记载为 {stored}，但按各规则结果重新计算为 \"{v}\"(docs/SCORING.md)；以重新计算的为准 / `{key}` says {stored} but the outcomes give \"{v}\" (docs/SCORING.md): the recomputed value is used",
                        v = verdict.name()
                    ),
                );
            }
        };
        stored_verdict(
            format!("{at}verdict"),
            entry.get("verdict").filter(|_| !at.is_empty()),
            score.status(),
        );
        stored_verdict(
            "verdict".to_string(),
            v.get("verdict").filter(|_| !at.is_empty()),
            score::overall([score.status()]),
        );
        if !at.is_empty() {
            for (name, ratio) in [
                ("score", score.score_ratio()),
                ("coverage", score.coverage_ratio()),
            ] {
                let Some(stored) = entry.get(name) else {
                    continue;
                };
                let expected = serde_json::to_value(ratio).unwrap_or_default();
                for k in ["numerator", "denominator", "percent"] {
                    let (got, want) = (stored.get(k), expected.get(k));
                    if got != want {
                        let key = format!("{at}{name}.{k}");
                        let got =
                            got.map_or_else(|| "(缺少 missing)".to_string(), ToString::to_string);
                        let want = want.map_or_else(String::new, ToString::to_string);
                        warnings.warning(
                            Loc::UNKNOWN,
                            key.clone(),
                            format!(
                                "`{key}` 记载为 {got}，但按各规则结果重新计算为 {want}(docs/SCORING.md)；以重新计算的为准 / `{key}` says {got} but the outcomes give {want} (docs/SCORING.md): the recomputed value is used"
                            ),
                        );
                    }
                }
            }
        }
        Ok(Side {
            path: path.to_string(),
            pack_id: s(pack, &format!("{at}pack."), "id")?,
            pack_version: s(pack, &format!("{at}pack."), "version")?,
            pack_digest: s(pack, &format!("{at}pack."), "digest")?,
            name: s(org, "organisation.", "name")?,
            credit_code: org
                .get("credit_code")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            assessment_date: date,
            verdict: score.status(),
            score,
            rules,
            warnings: warnings.into_vec(),
        })
    }
}

/// Reads one result format version into a [`Side`].
type ResultReader = fn(&str, &serde_json::Value) -> Result<Side, String>;

/// Every result format hegui has written, each with its reader: a later version is added here
/// beside the earlier ones, so last year's results stay comparable. `/2` keeps the findings'
/// rule id, outcome, level, severity, title and digest as `/1` had them, inside `packs[i]` (an
/// unreleased build wrote a flat `/2` with them at the top: read as one pack).
pub const RESULT_FORMATS: &[(&str, ResultReader)] = &[
    ("hegui.assessment/1", Side::from_result_v1_v2),
    ("hegui.assessment/2", Side::from_result_v1_v2),
];

/// Whether a JSON text is an assessment result rather than a facts file.
pub fn is_result(v: &serde_json::Value) -> bool {
    v.get("format")
        .and_then(|f| f.as_str())
        .is_some_and(|f| f.starts_with("hegui.assessment/"))
}

/// A rule whose outcome changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Rule id.
    pub rule_id: String,
    /// Title (the new side's).
    pub title: Text,
    /// Level.
    pub level: Level,
    /// Severity.
    pub severity: Severity,
    /// Outcome before (`null` for a rule added).
    pub old: Option<Outcome>,
    /// Outcome after (`null` for a rule removed).
    pub new: Option<Outcome>,
}

/// Changes that come from the company's answers (the rule means the same on both sides).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AnswerChanges {
    /// Was `fail` or `waived`, now `pass` or `not_applicable`.
    pub fixed: Vec<Change>,
    /// Was not `fail`, now `fail`.
    pub newly_failing: Vec<Change>,
    /// Any other change of outcome.
    pub changed: Vec<Change>,
}

/// Changes that come from the pack.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PackChanges {
    /// Rules only in the new pack, with their outcome.
    pub added: Vec<Change>,
    /// Rules only in the old pack, with their old outcome.
    pub removed: Vec<Change>,
    /// Rules in both whose meaning or text changed (`rule_digest` differs), with both outcomes.
    pub changed: Vec<Change>,
}

/// The diff of two assessments.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// Format of this document.
    pub format: &'static str,
    /// Before.
    pub old: Side,
    /// After.
    pub new: Side,
    /// Whether the two sides used the same pack: same digest, and the same rules.
    pub same_pack: bool,
    /// New score minus old (percentage points), when both have one.
    pub score_change: Option<i64>,
    /// New coverage minus old (percentage points), when both have one.
    pub coverage_change: Option<i64>,
    /// Changes from the answers.
    pub answers: AnswerChanges,
    /// Changes from the pack.
    pub pack: PackChanges,
    /// Rules in both, unchanged in meaning and outcome.
    pub unchanged: usize,
}

/// Why two sides cannot be compared.
pub fn organisation_mismatch(old: &Side, new: &Side) -> Option<String> {
    match (&old.credit_code, &new.credit_code) {
        (Some(a), Some(b)) if a != b => Some(format!(
            "两份评估属于不同组织(统一社会信用代码 {a} 与 {b})；如确需对比请加 --force / the two assessments are of different organisations (credit codes {a} and {b}); use --force to compare them anyway"
        )),
        (Some(_), Some(_)) => None,
        _ if old.name.trim() != new.name.trim() => Some(format!(
            "两份评估属于不同组织(名称“{}”与“{}”)；如确需对比请加 --force / the two assessments are of different organisations (names `{}` and `{}`); use --force to compare them anyway",
            old.name, new.name, old.name, new.name
        )),
        _ => None,
    }
}

/// Compares two sides.
pub fn diff(old: Side, new: Side) -> Diff {
    let old_by_id: HashMap<&str, &RuleState> =
        old.rules.iter().map(|r| (r.rule_id.as_str(), r)).collect();
    let new_ids: std::collections::HashSet<&str> =
        new.rules.iter().map(|r| r.rule_id.as_str()).collect();
    let mut answers = AnswerChanges::default();
    let mut pack = PackChanges::default();
    let mut unchanged = 0;
    for n in &new.rules {
        let change = |old: Option<Outcome>| Change {
            rule_id: n.rule_id.clone(),
            title: n.title.clone(),
            level: n.level,
            severity: n.severity,
            old,
            new: Some(n.outcome),
        };
        match old_by_id.get(n.rule_id.as_str()) {
            None => pack.added.push(change(None)),
            Some(o) if o.rule_digest != n.rule_digest => pack.changed.push(change(Some(o.outcome))),
            Some(o) if o.outcome == n.outcome => unchanged += 1,
            Some(o) => {
                let c = change(Some(o.outcome));
                let was_failing = matches!(o.outcome, Outcome::Fail | Outcome::Waived);
                if was_failing && matches!(n.outcome, Outcome::Pass | Outcome::NotApplicable) {
                    answers.fixed.push(c);
                } else if n.outcome == Outcome::Fail && o.outcome != Outcome::Fail {
                    answers.newly_failing.push(c);
                } else {
                    answers.changed.push(c);
                }
            }
        }
    }
    for o in &old.rules {
        if !new_ids.contains(o.rule_id.as_str()) {
            pack.removed.push(Change {
                rule_id: o.rule_id.clone(),
                title: o.title.clone(),
                level: o.level,
                severity: o.severity,
                old: Some(o.outcome),
                new: None,
            });
        }
    }
    let delta = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (Some(a), Some(b)) => Some(i64::from(b) - i64::from(a)),
        _ => None,
    };
    // Two results may claim one pack yet list different rules (one was edited): then the
    // pack changes are shown, never dropped.
    let same_pack = old.pack_digest == new.pack_digest
        && pack.added.is_empty()
        && pack.removed.is_empty()
        && pack.changed.is_empty();
    Diff {
        format: "hegui.diff/1",
        same_pack,
        score_change: delta(old.score.score, new.score.score),
        coverage_change: delta(old.score.coverage, new.score.coverage),
        answers,
        pack,
        unchanged,
        old,
        new,
    }
}

/// The diff as pretty JSON with a final newline.
pub fn json(d: &Diff) -> String {
    let mut s =
        serde_json::to_string_pretty(d).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn outcome_zh(o: Option<Outcome>) -> &'static str {
    match o {
        None => "—",
        Some(Outcome::Pass) => "满足 pass",
        Some(Outcome::Fail) => "未满足 fail",
        Some(Outcome::NotApplicable) => "不适用 not_applicable",
        Some(Outcome::Unanswered) => "尚无定论 unanswered",
        Some(Outcome::Waived) => "豁免 waived",
    }
}

fn pct(x: Option<u32>) -> String {
    x.map(|x| format!("{x}%")).unwrap_or_else(|| "—".into())
}

fn signed(x: Option<i64>) -> String {
    match x {
        Some(x) if x > 0 => format!("+{x}"),
        Some(x) => x.to_string(),
        None => "—".into(),
    }
}

/// Text for a Markdown table cell or heading: the report's escaping (`|`, `<`, `>`, line
/// breaks), so an organisation name or file name can neither break a row nor inject HTML.
fn md_cell(s: &str) -> String {
    crate::render::env::escape_markdown(s)
}

fn table(out: &mut String, title_zh: &str, title_en: &str, rows: &[Change]) {
    out.push_str(&format!(
        "\n## {title_zh} / {title_en} ({})\n\n",
        rows.len()
    ));
    if rows.is_empty() {
        out.push_str("无 / none\n");
        return;
    }
    out.push_str("| 规则 rule | 标题 title | 严重度 severity | 之前 before | 之后 after |\n|---|---|---|---|---|\n");
    for c in rows {
        out.push_str(&format!(
            "| {} | {} / {} | {} {} | {} | {} |\n",
            md_cell(&c.rule_id),
            md_cell(&c.title.zh),
            md_cell(&c.title.en),
            match c.level {
                Level::Required => "required",
                Level::Recommended => "recommended",
            },
            c.severity.name(),
            outcome_zh(c.old),
            outcome_zh(c.new)
        ));
    }
}

/// The diff as Markdown, Chinese first.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# 评估对比 / Assessment diff: {}\n\n",
        md_cell(&d.new.name)
    ));
    out.push_str("| | 之前 before | 之后 after | 变化 change |\n|---|---|---|---|\n");
    out.push_str(&format!(
        "| 文件 file | {} | {} | |\n",
        md_cell(&d.old.path),
        md_cell(&d.new.path)
    ));
    out.push_str(&format!(
        "| 评估日期 date | {} | {} | |\n",
        d.old.assessment_date, d.new.assessment_date
    ));
    out.push_str(&format!(
        "| 规则包 pack | {} {} | {} {} | {} |\n",
        d.old.pack_id,
        d.old.pack_version,
        d.new.pack_id,
        d.new.pack_version,
        if d.same_pack {
            "相同 same"
        } else if d.old.pack_digest == d.new.pack_digest {
            "摘要相同但规则不同 same digest, different rules"
        } else {
            "不同 different"
        }
    ));
    out.push_str(&format!(
        "| 结论 verdict | {} {} | {} {} | |\n",
        d.old.verdict.label().zh,
        d.old.verdict.label().en,
        d.new.verdict.label().zh,
        d.new.verdict.label().en
    ));
    out.push_str(&format!(
        "| 覆盖率 coverage | {} | {} | {} |\n",
        pct(d.old.score.coverage),
        pct(d.new.score.coverage),
        signed(d.coverage_change)
    ));
    out.push_str(&format!(
        "| 得分(仅计已判定规则) score (decided rules only) | {} | {} | {} |\n",
        pct(d.old.score.score),
        pct(d.new.score.score),
        signed(d.score_change)
    ));
    out.push_str(&format!(
        "| 未满足 fail | {} | {} | |\n",
        d.old.score.fail, d.new.score.fail
    ));
    out.push_str("\n# 企业答案带来的变化 / Changes from the answers\n");
    table(&mut out, "已整改", "Fixed", &d.answers.fixed);
    table(
        &mut out,
        "新出现的未满足",
        "Newly failing",
        &d.answers.newly_failing,
    );
    table(
        &mut out,
        "其他状态变化",
        "Other changes of state",
        &d.answers.changed,
    );
    out.push_str("\n# 规则包带来的变化 / Changes from the pack\n");
    if d.same_pack {
        out.push_str("\n两次评估使用同一规则包 / Both assessments used the same pack.\n");
    } else {
        table(&mut out, "新增规则", "Rules added", &d.pack.added);
        table(&mut out, "删除的规则", "Rules removed", &d.pack.removed);
        table(&mut out, "内容变化的规则", "Rules changed", &d.pack.changed);
    }
    out.push_str(&format!(
        "\n未变化的规则 / unchanged rules: {}\n",
        d.unchanged
    ));
    out
}
