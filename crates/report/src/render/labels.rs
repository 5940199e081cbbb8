//! Bilingual labels of the report (zh-CN first, then en), given to templates as `labels`.
//!
//! Templates print a label with the `t` filter (`{{ labels.verdict|t }}`), which picks the
//! language of `--lang`. Keys are stable: custom templates may use them.

use hegui_core::model::{DocKind, Numbering};
use hegui_core::text::Text;
use std::collections::BTreeMap;

const LABELS: &[(&str, &str, &str)] = &[
    ("title", "合规差距报告", "Compliance gap report"),
    (
        "subtitle",
        "企业合规自评结果",
        "Compliance self-assessment result",
    ),
    ("organisation", "组织", "Organisation"),
    (
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("region_code", "行政区划代码", "Region (division code)"),
    ("industry", "行业", "Industry"),
    ("prepared_by", "填报人", "Answers prepared by"),
    ("responsible_person", "负责人", "Responsible person"),
    ("assessment_date", "评估基准日", "Assessment date"),
    ("generated_at", "生成时间", "Generated at"),
    ("pack", "规则包", "Rule pack"),
    (
        "pack_digest",
        "规则包摘要 (SHA-256)",
        "Pack digest (SHA-256)",
    ),
    (
        "answers_digest",
        "答卷摘要 (SHA-256)",
        "Answers digest (SHA-256)",
    ),
    ("scopes", "企业类型", "Kinds of enterprise"),
    ("waivers_ignored", "豁免处理", "Waivers"),
    ("answered_for", "答卷针对的规则包", "Answers given for"),
    (
        "ignored_answers",
        "未评估规则包的答案(已忽略)",
        "Answers for packs not assessed (ignored)",
    ),
    (
        "waivers_ignored_note",
        "已忽略全部豁免(--ignore-waivers)，按实际结果报告",
        "all waivers ignored (--ignore-waivers); findings reported as they are",
    ),
    ("contents", "目录", "Contents"),
    ("verdict", "结论与评分", "Verdict and score"),
    ("score", "得分", "Score"),
    (
        "score_help",
        "仅计强制性规则，按严重程度加权，分母为已有定论的适用规则",
        "required rules only, weighted by severity, over decided applicable rules",
    ),
    (
        "score_decided_only",
        "得分(仅计已判定规则：满足、未满足、豁免)",
        "Score (decided rules only: pass, fail, waived)",
    ),
    ("verdict_short", "结论", "Verdict"),
    ("coverage", "覆盖率", "Coverage"),
    (
        "coverage_help",
        "已有定论的适用强制性规则所占比例",
        "share of applicable required rules that are decided",
    ),
    ("decided_of", "已有定论", "decided"),
    ("counts", "按结果统计", "Counts by outcome"),
    (
        "by_severity",
        "按严重程度统计(强制性)",
        "Required rules by severity",
    ),
    ("by_section", "分章节得分", "Scores by section"),
    ("section", "章节", "Section"),
    ("applicable", "适用", "Applicable"),
    ("undecided", "尚无定论", "Undecided"),
    ("required", "强制性", "Required"),
    ("recommended", "鼓励性", "Recommended"),
    ("total", "合计", "Total"),
    ("outcome", "结果", "Outcome"),
    ("severity", "严重程度", "Severity"),
    ("weight", "权重", "Weight"),
    ("deadline_days", "整改期限(天)", "Deadline (days)"),
    ("plan", "整改计划", "Remediation plan"),
    (
        "plan_help",
        "到期日 = 评估基准日 + 按严重程度设定的整改期限；已豁免项以豁免到期日为准。",
        "Due date = assessment date + the deadline for the severity; for waived items, the waiver's expiry.",
    ),
    ("due", "整改期限", "Due"),
    ("due_waiver", "豁免到期日", "waiver expiry"),
    ("gaps", "强制性差距", "Required gaps"),
    (
        "gaps_help",
        "未满足的强制性义务，按严重程度从高到低排列。",
        "Required obligations not met, most severe first.",
    ),
    ("no_gaps", "无。", "None."),
    ("why", "判断依据", "Why"),
    ("answer", "回答", "Answer"),
    ("failing_items", "未满足的条目", "Failing items"),
    ("clause", "条款", "Clause"),
    ("source", "来源", "Source"),
    ("law", "法律依据", "Legal basis"),
    ("rating", "核实程度", "Verification"),
    (
        "not_binding",
        "对企业无直接约束力",
        "does not bind companies by itself",
    ),
    (
        "basis_after_source_policy",
        "本项义务出自该政策文件之后施行的国家法律",
        "a duty of national law adopted after this policy text",
    ),
    (
        "basis_after_source_other",
        "本项义务出自该来源文件之后施行的法律",
        "a duty of law adopted after this source text",
    ),
    ("limits", "本评估的局限", "Limits of this assessment"),
    (
        "limits_help",
        "“未发现问题”不等于“没有义务”：以下事项本规则包未作检查。",
        "\"No finding\" is not \"no duty\": this pack does not check the following.",
    ),
    (
        "known_gaps",
        "已知未覆盖的义务",
        "Duties known but not checked",
    ),
    ("obligation", "义务", "Obligation"),
    ("addressee", "义务对象", "Addressed to"),
    (
        "why_not_encoded",
        "未纳入检查的原因",
        "Why it is not checked",
    ),
    ("would_need", "纳入检查所需", "What checking it would need"),
    (
        "government_items",
        "仅针对党政机关、未对企业设定义务的条目",
        "Items addressed to government only (no company duty checked)",
    ),
    (
        "law_not_in_force",
        "评估基准日尚未施行",
        "not yet in force on the assessment date",
    ),
    ("article", "条", "art."),
    ("formerly", "原", "formerly"),
    ("evidence", "应提供的证据", "Evidence to provide"),
    ("remediation", "整改建议", "Remediation"),
    ("rule", "规则", "Rule"),
    (
        "recommendations",
        "改进建议(鼓励性)",
        "Recommendations (encouraged)",
    ),
    (
        "recommendations_help",
        "鼓励性事项不影响合规结论，不计入得分。",
        "Encouraged items never affect the verdict or the score.",
    ),
    (
        "open_questions",
        "待回答的问题",
        "Questions still to answer",
    ),
    (
        "open_questions_help",
        "以下问题未作答，相关规则因此尚无定论。",
        "These questions are unanswered, so the rules listed cannot be decided.",
    ),
    (
        "dont_know",
        "回答“不清楚”的问题",
        "Questions answered 不清楚 (don't know)",
    ),
    (
        "dont_know_help",
        "“不清楚”不会使义务消失：请查明后作答。",
        "A 不清楚 answer never makes a duty disappear: find out and answer.",
    ),
    (
        "imprecise",
        "日期不够精确的问题",
        "Dates too imprecise to decide",
    ),
    (
        "imprecise_help",
        "以下日期只填到月份或年份，而相关规则的结论取决于其中具体哪一天：日期不够精确，无法判定。请查明具体日期后作答。",
        "These dates give only a month or a year, and the rules listed depend on which day it was: the date is too imprecise to decide. Find out the day and answer.",
    ),
    ("question", "问题", "Question"),
    ("decides", "影响的规则", "Rules it would decide"),
    ("waivers", "豁免", "Waivers"),
    (
        "waivers_help",
        "豁免只推迟整改期限，不等于符合：已豁免项不计为符合。豁免有效期含到期日当天。",
        "A waiver only defers remediation; it is never a pass. A waiver is valid up to and including its expiry date.",
    ),
    ("status", "状态", "Status"),
    ("justification", "理由", "Justification"),
    ("approved_by", "批准人", "Approved by"),
    ("expires", "有效期至(含)", "Expires (inclusive)"),
    ("note", "说明", "Note"),
    ("no_waivers", "无。", "None."),
    ("appendix", "附录", "Appendix"),
    (
        "traceability",
        "追溯表:条款 → 规则 → 结果",
        "Traceability: clause → rule → outcome",
    ),
    ("method", "评分方法", "Scoring method"),
    (
        "method_text",
        "得分只计强制性规则：每条已有定论(符合、不符合或已豁免)的适用规则按严重程度计权重，得分 = 符合规则的权重之和 ÷ 已有定论规则的权重之和，向下取整。已豁免计为已有定论但不符合。尚无定论的规则不计入得分，而由覆盖率反映。鼓励性规则不计分。",
        "The score counts required rules only: each decided applicable rule (pass, fail or waived) carries its severity's weight; score = weight of passing rules ÷ weight of decided rules, rounded down. Waived counts as decided but not passing. Undecided rules are left out of the score and shown by the coverage instead. Recommended rules are never scored.",
    ),
    ("chart_title", "分章节得分", "Score by section"),
    (
        "notice",
        "本报告是依据企业自报信息生成的合规自评辅助材料，不构成法律意见；结论的准确性取决于所填答案的真实性和完整性。",
        "This report is a self-assessment aid generated from the enterprise's self-reported answers; it is not legal advice, and its conclusions are only as accurate and complete as those answers.",
    ),
    ("none", "无", "none"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("unanswered_answer", "未作答", "unanswered"),
    ("dont_know_answer", "不清楚", "don't know (不清楚)"),
    ("no_items_answer", "未报告任何条目", "no item reported"),
    ("main_reason", "主要原因", "Main reason"),
    (
        "date_too_imprecise",
        "日期不够精确，无法判定",
        "date too imprecise to decide",
    ),
    ("met", "满足", "met"),
    ("not_met", "不满足", "not met"),
    ("unknown", "无法判断", "undecided"),
    ("prepared_for", "编制对象", "Prepared for"),
    ("confidential", "内部资料", "Confidential"),
];

const OUTCOMES: &[(&str, &str, &str)] = &[
    ("fail", "不符合", "Fail"),
    ("unanswered", "尚无定论", "Undecided"),
    ("waived", "已豁免", "Waived"),
    ("pass", "符合", "Pass"),
    ("not_applicable", "不适用", "Not applicable"),
];

const SEVERITIES: &[(&str, &str, &str)] = &[
    ("critical", "严重", "Critical"),
    ("high", "高", "High"),
    ("medium", "中", "Medium"),
    ("low", "低", "Low"),
];

const LEVELS: &[(&str, &str, &str)] = &[
    ("required", "强制性", "Required"),
    ("recommended", "鼓励性", "Recommended"),
];

const ADDRESSEES: &[(&str, &str, &str)] = &[
    ("government", "党政机关", "government"),
    ("enterprise", "企业", "enterprises"),
    ("both", "党政机关和企业", "government and enterprises"),
];

const WAIVER_STATUS: &[(&str, &str, &str)] = &[
    ("applied", "生效中", "Applied"),
    ("expired", "已过期", "Expired"),
    ("unused", "未使用", "Unused"),
    ("no_effect", "不影响结果", "No effect"),
    ("ignored", "已忽略", "Ignored"),
];

fn table(rows: &[(&'static str, &str, &str)]) -> BTreeMap<&'static str, Text> {
    rows.iter()
        .map(|(k, zh, en)| (*k, Text::new(*zh, *en)))
        .collect()
}

fn find(rows: &[(&'static str, &str, &str)], key: &str) -> Text {
    rows.iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| Text::new(*zh, *en))
        .unwrap_or_else(|| Text::new(key, key))
}

/// Every label, with the outcome, severity, level and waiver-status names as nested maps
/// (`labels.outcomes.fail`, `labels.severities.high`, `labels.levels.required`,
/// `labels.waiver_status.applied`).
pub fn all() -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in table(LABELS) {
        m.insert(k.to_string(), serde_json::json!(v));
    }
    for (name, rows) in [
        ("outcomes", OUTCOMES),
        ("severities", SEVERITIES),
        ("levels", LEVELS),
        ("waiver_status", WAIVER_STATUS),
        ("addressees", ADDRESSEES),
    ] {
        m.insert(name.to_string(), serde_json::json!(table(rows)));
    }
    let kinds: BTreeMap<&str, Text> = DocKind::ALL.iter().map(|k| (k.name(), k.label())).collect();
    m.insert("kinds".to_string(), serde_json::json!(kinds));
    let sources: BTreeMap<&str, Text> = hegui_core::model::SOURCE_LABELS
        .iter()
        .map(|l| (*l, source_heading(l)))
        .collect();
    m.insert("source_labels".to_string(), serde_json::json!(sources));
    serde_json::Value::Object(m)
}

/// The label of an outcome name.
pub fn outcome(name: &str) -> Text {
    find(OUTCOMES, name)
}

/// The label of a severity name.
pub fn severity(name: &str) -> Text {
    find(SEVERITIES, name)
}

/// The label of a level name.
pub fn level(name: &str) -> Text {
    find(LEVELS, name)
}

/// The label of a waiver status.
pub fn waiver_status(name: &str) -> Text {
    find(WAIVER_STATUS, name)
}

/// A plain label by key.
pub fn label(key: &str) -> Text {
    find(LABELS, key)
}

/// The label of a document kind (法律 / law …).
pub fn kind(k: DocKind) -> Text {
    k.label()
}

/// The label of an addressee (government, enterprise, both).
pub fn addressee(name: &str) -> Text {
    find(ADDRESSEES, name)
}

/// How a clause of a source of kind `k` is presented (see [`DocKind::source_label`]).
pub fn source_label(k: DocKind) -> &'static str {
    k.source_label()
}

/// The heading of a source label id (政策背景 / Policy context …).
pub fn source_heading(label: &str) -> Text {
    hegui_core::model::source_heading(label)
}

/// Clause `n` of a source of kind `k` (see [`DocKind::clause_number`]).
pub fn clause_number(k: DocKind, n: &str) -> Text {
    k.clause_number(n)
}

/// Article `a` of an instrument numbered by `n` (see [`Numbering::article_number`]).
pub fn article_number(n: Numbering, a: &str) -> Text {
    n.article_number(a)
}

/// The whole citation of a source clause, ready to print (see [`DocKind::source_cite`]).
pub fn source_cite(k: DocKind, title: &Text, n: &str) -> Text {
    k.source_cite(title, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages_and_a_unique_key() {
        for rows in [
            LABELS,
            OUTCOMES,
            SEVERITIES,
            LEVELS,
            WAIVER_STATUS,
            ADDRESSEES,
        ] {
            let mut keys = std::collections::BTreeSet::new();
            for (k, zh, en) in rows {
                assert!(keys.insert(*k), "duplicate label `{k}`");
                assert!(
                    !zh.trim().is_empty() && !en.trim().is_empty(),
                    "label `{k}`"
                );
                assert!(
                    zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "zh label `{k}` has no Chinese: {zh}"
                );
            }
        }
    }
}
