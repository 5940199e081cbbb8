//! Diff: what changed between two assessments of one organisation (`hegui.diff/2`).
//!
//! Each side is an assessment of one pack or several — made here from a facts file, or read
//! back from a JSON result in any format version hegui has written ([`RESULT_FORMATS`]:
//! `hegui.assessment/1` and `/2`), checked on the way: an unknown version, a pack or a rule
//! listed twice, an impossible date or counts that disagree with the result's own summary are
//! refused. Packs are matched by id (a pack on one side only is reported as added or removed,
//! with its rules) and rules by id within a pack. A rule whose `rule_digest` is the same on
//! both sides means the same thing, so a change of its outcome comes from the company's
//! answers (fixed, newly failing, still failing, no longer applicable, other); a rule added,
//! removed or with a different digest is a change of the pack, reported apart. The overall
//! verdict and each pack's verdict, score and coverage are recomputed from the outcomes on
//! both sides. Two different organisations (credit code, or name when a code is missing) are
//! refused unless forced.

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

/// One pack of one side of a diff.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackSide {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Pack digest.
    pub digest: String,
    /// Verdict, recomputed from the outcomes (docs/SCORING.md).
    pub verdict: Status,
    /// Score and coverage, recomputed from the outcomes.
    pub score: Score,
    /// Rules, in pack order.
    #[serde(skip)]
    pub rules: Vec<RuleState>,
}

impl PackSide {
    fn new(id: String, version: String, digest: String, rules: Vec<RuleState>) -> PackSide {
        let score = side_score(&rules);
        PackSide {
            id,
            version,
            digest,
            verdict: score.status(),
            score,
            rules,
        }
    }
}

/// One side of a diff: one assessment, of one pack or several.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// Where it came from.
    pub path: String,
    /// Organisation name.
    pub name: String,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Assessment date.
    pub assessment_date: String,
    /// The overall verdict, recomputed from the packs' (the worst of the packs with
    /// obligations, docs/RESULT.md).
    pub verdict: Status,
    /// The packs assessed, in the result's order (their rules are not written out).
    #[serde(skip)]
    pub packs: Vec<PackSide>,
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
    /// A side from an assessment made here: every pack of it.
    pub fn from_assessment(path: &str, a: &Assessment) -> Side {
        let packs: Vec<PackSide> = a
            .packs
            .iter()
            .map(|p| {
                let rules = p
                    .findings
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
                PackSide::new(
                    p.pack.id.clone(),
                    p.pack.version.clone(),
                    p.pack.digest.clone(),
                    rules,
                )
            })
            .collect();
        Side {
            path: path.to_string(),
            name: a.organisation.organisation.name.clone(),
            credit_code: a.organisation.organisation.credit_code.clone(),
            assessment_date: a.assessment_date.to_string(),
            verdict: score::overall(packs.iter().map(|p| p.verdict)),
            packs,
            warnings: Vec::new(),
        }
    }

    /// The pack with id `id`.
    pub fn pack(&self, id: &str) -> Option<&PackSide> {
        self.packs.iter().find(|p| p.id == id)
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
    /// rule twice in a pack, no pack twice), a real assessment date, and counts that agree
    /// with each pack's own `summary`. Three shapes: `hegui.assessment/1` and the early, flat
    /// `/2` (`pack` and `findings` at the top), read as one pack; and `/2` with its `packs`
    /// list (one pack or several). Findings' `items` are not read, so their older form
    /// (strings) and the objects of `/2` are both accepted. A stored verdict, score or
    /// coverage is checked against the one recomputed from the outcomes ([`Score`]); a
    /// disagreement is a warning naming the file and key.
    fn from_result_v1_v2(path: &str, v: &serde_json::Value) -> Result<Side, String> {
        // Each pack's entry and the prefix of its keys.
        let entries: Vec<(&serde_json::Value, String)> = match v.get("packs") {
            None => vec![(v, String::new())],
            Some(packs) => {
                let packs = packs
                    .as_array()
                    .ok_or_else(|| format!("{path}: `packs` 应为列表 / `packs` must be a list"))?;
                if packs.is_empty() {
                    return Err(format!(
                        "{path}: `packs` 为空，没有可对比的规则包 / `packs` is empty: no pack to compare"
                    ));
                }
                packs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, format!("packs[{i}].")))
                    .collect()
            }
        };
        let org = v.get("organisation").ok_or_else(|| {
            format!("{path}: 结果缺少 `organisation` / the result has no `organisation`")
        })?;
        let date = text(path, v, "", "assessment_date")?;
        if hegui_core::model::condition::parse_date(&date).is_none() {
            return Err(format!(
                "{path}: assessment_date: `{date}` 不是有效日期 is not a valid date: {}",
                hegui_core::model::condition::date_problem(&date)
            ));
        }
        let mut warnings = Diagnostics::new(path);
        let mut packs: Vec<PackSide> = Vec::with_capacity(entries.len());
        for (entry, at) in &entries {
            let p = read_pack(path, entry, at, &mut warnings)?;
            if let Some(j) = packs.iter().position(|q| q.id == p.id) {
                return Err(format!(
                    "{path}: {at}pack.id: 规则包 `{id}` 出现两次（又见 packs[{j}]）；结果文件被改动或损坏 / pack `{id}` appears twice (also packs[{j}]): the result was edited or damaged",
                    id = p.id
                ));
            }
            packs.push(p);
        }
        let verdict = score::overall(packs.iter().map(|p| p.verdict));
        if v.get("packs").is_some() {
            stored_verdict(
                &mut warnings,
                "verdict".to_string(),
                v.get("verdict"),
                verdict,
            );
        }
        Ok(Side {
            path: path.to_string(),
            name: text(path, org, "organisation.", "name")?,
            credit_code: org
                .get("credit_code")
                .and_then(|c| c.as_str())
                .map(str::to_string),
            assessment_date: date,
            verdict,
            packs,
            warnings: warnings.into_vec(),
        })
    }
}

/// The text at `v.key` (`at` is the key's prefix in messages).
fn text(path: &str, v: &serde_json::Value, at: &str, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(|x| x.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{path}: 结果缺少 `{at}{key}` / the result has no text `{at}{key}`"))
}

/// Warns when a stored verdict disagrees with the recomputed one.
fn stored_verdict(
    warnings: &mut Diagnostics,
    key: String,
    stored: Option<&serde_json::Value>,
    verdict: Status,
) {
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
}

/// One pack's entry of a result (`at`: its prefix in messages, empty for the one-pack shapes
/// whose keys are at the top), checked.
fn read_pack(
    path: &str,
    entry: &serde_json::Value,
    at: &str,
    warnings: &mut Diagnostics,
) -> Result<PackSide, String> {
    let pack = entry
        .get("pack")
        .ok_or_else(|| format!("{path}: 结果缺少 `{at}pack` / the result has no `{at}pack`"))?;
    let findings = entry
        .get("findings")
        .and_then(|f| f.as_array())
        .ok_or_else(|| {
            format!("{path}: 结果缺少 `{at}findings` / the result has no `{at}findings` list")
        })?;
    let mut rules = Vec::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        let key = |key: &str| format!("{path}: {at}findings[{i}].{key}");
        let s = |k: &str| -> Result<String, String> {
            f.get(k)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("{}: 缺少文本 missing text", key(k)))
        };
        let outcome = Outcome::parse(&s("outcome")?)
            .ok_or_else(|| format!("{}: 未知结果 unknown outcome", key("outcome")))?;
        let level: Level = serde_json::from_value(f.get("level").cloned().unwrap_or_default())
            .map_err(|e| format!("{}: {e}", key("level")))?;
        let severity: Severity =
            serde_json::from_value(f.get("severity").cloned().unwrap_or_default())
                .map_err(|e| format!("{}: {e}", key("severity")))?;
        let title: Text = serde_json::from_value(f.get("title").cloned().unwrap_or_default())
            .map_err(|e| format!("{}: {e}", key("title")))?;
        let dont_know = f
            .get("dont_know")
            .and_then(|d| d.as_array())
            .is_some_and(|d| !d.is_empty());
        rules.push(RuleState {
            rule_id: s("rule_id")?,
            rule_digest: s("rule_digest")?,
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
    let p = PackSide::new(
        text(path, pack, &format!("{at}pack."), "id")?,
        text(path, pack, &format!("{at}pack."), "version")?,
        text(path, pack, &format!("{at}pack."), "digest")?,
        rules,
    );
    if !at.is_empty() {
        stored_verdict(
            warnings,
            format!("{at}verdict"),
            entry.get("verdict"),
            p.verdict,
        );
        for (name, ratio) in [
            ("score", p.score.score_ratio()),
            ("coverage", p.score.coverage_ratio()),
        ] {
            let Some(stored) = entry.get(name) else {
                continue;
            };
            let expected = serde_json::to_value(ratio).unwrap_or_default();
            for k in ["numerator", "denominator", "percent"] {
                let (got, want) = (stored.get(k), expected.get(k));
                if got != want {
                    let key = format!("{at}{name}.{k}");
                    let got = got.map_or_else(|| "(缺少 missing)".to_string(), ToString::to_string);
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
    Ok(p)
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

/// A rule whose outcome changed (or, in `still_failing`, did not).
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
    /// Was `fail` or `waived`, now `pass`.
    pub fixed: Vec<Change>,
    /// Was not `fail`, now `fail` (a regression, or a rule newly applicable that fails).
    pub newly_failing: Vec<Change>,
    /// `fail` on both sides (also counted in `unchanged`).
    pub still_failing: Vec<Change>,
    /// Was applicable (any other outcome), now `not_applicable`: the answers took the company
    /// out of the rule's scope.
    pub no_longer_applicable: Vec<Change>,
    /// Any other change of outcome.
    pub changed: Vec<Change>,
}

/// Changes that come from the pack.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PackChanges {
    /// Rules only in the new pack (or in a pack only the new side has), with their outcome.
    pub added: Vec<Change>,
    /// Rules only in the old pack (or in a pack only the old side has), with their old outcome.
    pub removed: Vec<Change>,
    /// Rules in both whose meaning or text changed (`rule_digest` differs), with both outcomes.
    pub changed: Vec<Change>,
}

/// Whether a pack is on both sides of a diff or on one only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackPresence {
    /// Assessed on both sides.
    Both,
    /// Assessed on the new side only: every rule is in `pack.added`.
    Added,
    /// Assessed on the old side only: every rule is in `pack.removed`.
    Removed,
}

/// The diff of one pack: its verdict, score and coverage on both sides and what changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackDiff {
    /// Pack id.
    pub id: String,
    /// On both sides, or added or removed.
    pub presence: PackPresence,
    /// The pack on the old side (version, digest, verdict, score), `null` when added.
    pub old: Option<PackSide>,
    /// The pack on the new side, `null` when removed.
    pub new: Option<PackSide>,
    /// Whether the two sides used the same pack: same digest, and the same rules.
    pub same_pack: bool,
    /// Whether the pack's verdict changed (a pack added or removed counts as a change).
    pub verdict_changed: bool,
    /// New score minus old (percentage points), when both have one.
    pub score_change: Option<i64>,
    /// New coverage minus old (percentage points), when both have one.
    pub coverage_change: Option<i64>,
    /// Changes from the answers.
    pub answers: AnswerChanges,
    /// Changes from the pack.
    pub pack: PackChanges,
    /// Rules in both, unchanged in meaning and outcome (those failing on both sides included).
    pub unchanged: usize,
}

/// The diff of two assessments (`hegui.diff/2`): the overall verdicts, then one section per
/// pack (packs of the new side in its order, then packs only the old side has).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// Format of this document.
    pub format: &'static str,
    /// Before.
    pub old: Side,
    /// After.
    pub new: Side,
    /// Whether the overall verdict changed.
    pub verdict_changed: bool,
    /// One entry per pack.
    pub packs: Vec<PackDiff>,
}

/// The format `diff --format json` writes.
pub const DIFF_FORMAT: &str = "hegui.diff/2";

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

fn change(r: &RuleState, old: Option<Outcome>, new: Option<Outcome>) -> Change {
    Change {
        rule_id: r.rule_id.clone(),
        title: r.title.clone(),
        level: r.level,
        severity: r.severity,
        old,
        new,
    }
}

/// Compares one pack's two sides (either may be missing: a pack added or removed).
fn pack_diff(id: &str, old: Option<&PackSide>, new: Option<&PackSide>) -> PackDiff {
    let no_rules: &[RuleState] = &[];
    let old_rules = old.map_or(no_rules, |p| p.rules.as_slice());
    let new_rules = new.map_or(no_rules, |p| p.rules.as_slice());
    let old_by_id: HashMap<&str, &RuleState> =
        old_rules.iter().map(|r| (r.rule_id.as_str(), r)).collect();
    let new_ids: std::collections::HashSet<&str> =
        new_rules.iter().map(|r| r.rule_id.as_str()).collect();
    let mut answers = AnswerChanges::default();
    let mut pack = PackChanges::default();
    let mut unchanged = 0;
    for n in new_rules {
        let c = |old: Option<Outcome>| change(n, old, Some(n.outcome));
        match old_by_id.get(n.rule_id.as_str()) {
            None => pack.added.push(c(None)),
            Some(o) if o.rule_digest != n.rule_digest => pack.changed.push(c(Some(o.outcome))),
            Some(o) if o.outcome == n.outcome => {
                unchanged += 1;
                if n.outcome == Outcome::Fail {
                    answers.still_failing.push(c(Some(o.outcome)));
                }
            }
            Some(o) => {
                let list = match (o.outcome, n.outcome) {
                    (Outcome::Fail | Outcome::Waived, Outcome::Pass) => &mut answers.fixed,
                    (_, Outcome::NotApplicable) => &mut answers.no_longer_applicable,
                    (_, Outcome::Fail) => &mut answers.newly_failing,
                    _ => &mut answers.changed,
                };
                list.push(c(Some(o.outcome)));
            }
        }
    }
    for o in old_rules {
        if !new_ids.contains(o.rule_id.as_str()) {
            pack.removed.push(change(o, Some(o.outcome), None));
        }
    }
    let delta = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (Some(a), Some(b)) => Some(i64::from(b) - i64::from(a)),
        _ => None,
    };
    // Two results may claim one pack yet list different rules (one was edited): then the
    // pack changes are shown, never dropped.
    let same_pack = matches!((old, new), (Some(o), Some(n)) if o.digest == n.digest)
        && pack.added.is_empty()
        && pack.removed.is_empty()
        && pack.changed.is_empty();
    PackDiff {
        id: id.to_string(),
        presence: match (old, new) {
            (Some(_), Some(_)) => PackPresence::Both,
            (None, _) => PackPresence::Added,
            (_, None) => PackPresence::Removed,
        },
        same_pack,
        verdict_changed: old.map(|p| p.verdict) != new.map(|p| p.verdict),
        score_change: delta(
            old.and_then(|p| p.score.score),
            new.and_then(|p| p.score.score),
        ),
        coverage_change: delta(
            old.and_then(|p| p.score.coverage),
            new.and_then(|p| p.score.coverage),
        ),
        answers,
        pack,
        unchanged,
        old: old.cloned(),
        new: new.cloned(),
    }
}

/// Compares two sides, pack by pack (matched by pack id; a pack on one side only is added or
/// removed with all its rules). Rules are matched by id within a pack.
pub fn diff(old: Side, new: Side) -> Diff {
    let mut packs: Vec<PackDiff> = new
        .packs
        .iter()
        .map(|n| pack_diff(&n.id, old.pack(&n.id), Some(n)))
        .collect();
    for o in &old.packs {
        if new.pack(&o.id).is_none() {
            packs.push(pack_diff(&o.id, Some(o), None));
        }
    }
    Diff {
        format: DIFF_FORMAT,
        verdict_changed: old.verdict != new.verdict,
        packs,
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
        "\n#### {title_zh} / {title_en} ({})\n\n",
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

fn verdict_cell(v: Option<Status>) -> String {
    v.map_or_else(
        || "—".to_string(),
        |v| format!("{} {}", v.label().zh, v.label().en),
    )
}

fn changed_cell(changed: bool) -> &'static str {
    if changed {
        "有变化 changed"
    } else {
        "未变 unchanged"
    }
}

/// The diff as Markdown, Chinese first: the overall verdicts, then one section per pack.
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
    let ids = |s: &Side| {
        s.packs
            .iter()
            .map(|p| format!("{} {}", md_cell(&p.id), md_cell(&p.version)))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    out.push_str(&format!(
        "| 规则包 packs | {} | {} | |\n",
        ids(&d.old),
        ids(&d.new)
    ));
    out.push_str(&format!(
        "| 总体结论 overall verdict | {} | {} | {} |\n",
        verdict_cell(Some(d.old.verdict)),
        verdict_cell(Some(d.new.verdict)),
        changed_cell(d.verdict_changed)
    ));
    for p in &d.packs {
        pack_markdown(&mut out, p);
    }
    out
}

fn pack_markdown(out: &mut String, p: &PackDiff) {
    let version = |s: &Option<PackSide>| {
        s.as_ref()
            .map_or_else(|| "—".to_string(), |s| md_cell(&s.version))
    };
    out.push_str(&format!(
        "\n## 规则包 / Pack: {} ({} → {})\n\n",
        md_cell(&p.id),
        version(&p.old),
        version(&p.new)
    ));
    match p.presence {
        PackPresence::Added => out.push_str(
            "仅在之后的评估中：新增的规则包，其规则均列为新增 / Only in the later assessment: a pack added; its rules are listed as added.\n\n",
        ),
        PackPresence::Removed => out.push_str(
            "仅在之前的评估中：不再评估的规则包，其规则均列为删除 / Only in the earlier assessment: a pack no longer assessed; its rules are listed as removed.\n\n",
        ),
        PackPresence::Both => {}
    }
    out.push_str("| | 之前 before | 之后 after | 变化 change |\n|---|---|---|---|\n");
    fn digest(s: &Option<PackSide>) -> Option<&str> {
        s.as_ref().map(|s| s.digest.as_str())
    }
    out.push_str(&format!(
        "| 规则包 pack | {} | {} | {} |\n",
        version(&p.old),
        version(&p.new),
        if p.same_pack {
            "相同 same"
        } else if p.presence == PackPresence::Both && digest(&p.old) == digest(&p.new) {
            "摘要相同但规则不同 same digest, different rules"
        } else {
            "不同 different"
        }
    ));
    out.push_str(&format!(
        "| 结论 verdict | {} | {} | {} |\n",
        verdict_cell(p.old.as_ref().map(|s| s.verdict)),
        verdict_cell(p.new.as_ref().map(|s| s.verdict)),
        changed_cell(p.verdict_changed)
    ));
    let score = |s: &Option<PackSide>, f: fn(&Score) -> Option<u32>| {
        pct(s.as_ref().and_then(|s| f(&s.score)))
    };
    out.push_str(&format!(
        "| 覆盖率 coverage | {} | {} | {} |\n",
        score(&p.old, |s| s.coverage),
        score(&p.new, |s| s.coverage),
        signed(p.coverage_change)
    ));
    out.push_str(&format!(
        "| 得分(仅计已判定规则) score (decided rules only) | {} | {} | {} |\n",
        score(&p.old, |s| s.score),
        score(&p.new, |s| s.score),
        signed(p.score_change)
    ));
    let fails = |s: &Option<PackSide>| {
        s.as_ref()
            .map_or_else(|| "—".to_string(), |s| s.score.fail.to_string())
    };
    out.push_str(&format!(
        "| 未满足 fail | {} | {} | |\n",
        fails(&p.old),
        fails(&p.new)
    ));
    if p.presence == PackPresence::Both {
        out.push_str("\n### 企业答案带来的变化 / Changes from the answers\n");
        let a = &p.answers;
        table(out, "已整改", "Fixed", &a.fixed);
        table(out, "新出现的未满足", "Newly failing", &a.newly_failing);
        table(out, "仍未满足", "Still failing", &a.still_failing);
        table(
            out,
            "不再适用",
            "No longer applicable",
            &a.no_longer_applicable,
        );
        table(out, "其他状态变化", "Other changes of state", &a.changed);
    }
    out.push_str("\n### 规则包带来的变化 / Changes from the pack\n");
    if p.same_pack {
        out.push_str("\n两次评估使用同一规则包 / Both assessments used the same pack.\n");
    } else {
        table(out, "新增规则", "Rules added", &p.pack.added);
        table(out, "删除的规则", "Rules removed", &p.pack.removed);
        table(out, "内容变化的规则", "Rules changed", &p.pack.changed);
    }
    out.push_str(&format!(
        "\n未变化的规则 / unchanged rules: {}\n",
        p.unchanged
    ));
}
