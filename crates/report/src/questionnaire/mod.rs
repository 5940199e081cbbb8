//! The questionnaire a regulator sends out, generated from a pack, in four forms:
//!
//! - [`yaml`]: a blank facts file (every question as a comment, answers `null`);
//! - [`markdown`]: a readable, printable questionnaire;
//! - [`xlsx`]: an Excel workbook with drop-downs, read back by [`hegui_office::import`];
//! - [`html`]: one self-contained offline page that writes a facts file (JSON).
//!
//! Every form carries the pack id, version and questionnaire digest, so the answers that come
//! back are checked against the questionnaire that was sent. What comes back is validated by
//! the facts loader, the one authority on answers.

pub mod html;
pub mod markdown;
pub mod yaml;

use chrono::NaiveDate;
use hegui_core::model::condition::parse_date;
use hegui_core::model::{Condition, DatePrecision, Op, Operand, Pack, QType, Question, Value};
use hegui_core::text::Lang;
use hegui_core::text::Text;
use serde_json::{Value as J, json};

pub use yaml::blank_yaml;

/// The form of the questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QFormat {
    /// A blank facts file (YAML) with every question as a comment.
    Yaml,
    /// A printable questionnaire (Markdown).
    Markdown,
    /// An Excel workbook with drop-downs; read back with `hegui import`.
    Xlsx,
    /// One self-contained offline HTML form that saves a facts file (JSON).
    Html,
}

/// Parses `--date`.
pub fn date_arg(s: &str) -> Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD / 不是日期"))
}

/// Picks the text of `t` for `lang` (`both`: Chinese, a line break, English).
pub fn pick(t: &Text, lang: Lang, sep: &str) -> String {
    match lang {
        Lang::Zh => t.zh.clone(),
        Lang::En => t.en.clone(),
        Lang::Both if t.zh == t.en => t.zh.clone(),
        Lang::Both => format!("{}{sep}{}", t.zh, t.en),
    }
}

/// A fixed bilingual phrase for `lang`.
pub fn phrase(zh: &str, en: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
        Lang::Both => format!("{zh} {en}"),
    }
}

/// What the questionnaire rests on, one line per source document and one for the legal basis:
/// a policy document is presented as policy context (政策背景), never as the legal basis.
pub fn basis_lines(pack: &Pack, lang: Lang) -> Vec<String> {
    use crate::render::labels;
    let mut out: Vec<String> = pack
        .sources
        .iter()
        .map(|d| {
            let h = labels::source_heading(labels::source_label(d.kind));
            let k = labels::kind(d.kind);
            phrase(
                &format!(
                    "{}：《{}》({}，{}，{})",
                    h.zh, d.title.zh, k.zh, d.issuer.zh, d.date
                ),
                &format!(
                    "{}: {} ({}, {}, {})",
                    h.en, d.title.en, k.en, d.issuer.en, d.date
                ),
                lang,
            )
        })
        .collect();
    let cited: Vec<&hegui_core::model::Instrument> = pack
        .instruments
        .iter()
        .filter(|i| {
            pack.rules
                .iter()
                .any(|r| r.references.iter().any(|x| x.instrument == i.id))
        })
        .collect();
    if !cited.is_empty() {
        let titles_zh: Vec<String> = cited
            .iter()
            .map(|i| format!("《{}》", i.title.zh))
            .collect();
        let titles_en: Vec<&str> = cited.iter().map(|i| i.title.en.as_str()).collect();
        let law = labels::label("law");
        out.push(phrase(
            &format!(
                "{}：各规则所引的国家法律法规，包括{}",
                law.zh,
                titles_zh.join("、")
            ),
            &format!(
                "{}: the national law each rule cites, among them {}",
                law.en,
                titles_en.join("; ")
            ),
            lang,
        ));
    }
    out
}

/// The kind of answer a question takes, in words (bilingual per `lang`).
pub fn type_name(q: &Question, lang: Lang) -> String {
    let base = match q.qtype {
        QType::YesNo => phrase("是/否", "yes/no", lang),
        QType::SingleChoice => phrase("单选", "single choice", lang),
        QType::MultipleChoice => phrase("多选", "multiple choice", lang),
        QType::Integer => phrase("整数", "whole number", lang),
        QType::Decimal => phrase("数值", "number", lang),
        QType::Date => match q.precision {
            DatePrecision::Day => phrase("日期", "date", lang),
            DatePrecision::Month => phrase(
                "日期(可只填年月，如 2025-09)",
                "date (a month such as 2025-09 will do)",
                lang,
            ),
            DatePrecision::Year => phrase(
                "日期(可只填年月 2025-09 或年份 2025)",
                "date (a month 2025-09 or a year 2025 will do)",
                lang,
            ),
        },
        QType::Text => phrase("文本", "text", lang),
    };
    let range = match (q.min, q.max) {
        (Some(a), Some(b)) => format!(" {a}–{b}"),
        (Some(a), None) => format!(" ≥ {a}"),
        (None, Some(b)) => format!(" ≤ {b}"),
        (None, None) => String::new(),
    };
    let past = if q.past_event {
        format!(
            " ({})",
            phrase("不晚于评估基准日", "not after the assessment date", lang)
        )
    } else {
        String::new()
    };
    format!("{base}{range}{past}")
}

/// The label of option `i` as shown in drop-downs and filled in by hand (one language, no
/// line break: `both` shows the Chinese label, which is authoritative).
pub fn option_label(q: &Question, i: usize, lang: Lang) -> String {
    q.options
        .get(i)
        .map(|o| match lang {
            Lang::En => o.label.en.clone(),
            Lang::Zh | Lang::Both => o.label.zh.clone(),
        })
        .unwrap_or_default()
}

/// The word for "don't know" in one language.
pub fn dont_know_word(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "dont_know",
        Lang::Zh | Lang::Both => "不清楚",
    }
}

/// A typed value in the facts-file (JSON) form: option ids, ISO dates, numbers, text.
pub fn value_json(q: &Question, v: &Value) -> J {
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Choice(i) => q
            .options
            .get(*i)
            .map(|o| J::String(o.id.clone()))
            .unwrap_or(J::Null),
        Value::Choices(m) => J::Array(
            choice_ids(q, *m)
                .into_iter()
                .map(|s| J::String(s.to_string()))
                .collect(),
        ),
        Value::Int(i) => json!(i),
        Value::Decimal(x) => json!(x),
        Value::Date(d) => J::String(d.to_string()),
        Value::Period(p) => J::String(p.written()),
        Value::Text(t) => J::String(t.clone()),
    }
}

/// The ids of the options set in `mask`, in option order.
pub fn choice_ids(q: &Question, mask: u64) -> Vec<&str> {
    q.options
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            u32::try_from(*i)
                .ok()
                .and_then(|i| 1u64.checked_shl(i))
                .is_some_and(|b| mask & b != 0)
        })
        .map(|(_, o)| o.id.as_str())
        .collect()
}

/// A compiled condition as JSON, for the HTML form's evaluator and the shared test vectors.
///
/// `{"all": [..]}`, `{"any": [..]}`, `{"not": c}`, `{"every"|"some": {"group", "where"?,
/// "check"}}`, and comparisons `{"q": id, "op": name, "value"|"question"|"days"|"answered": …}`
/// with literals in the facts-file form (option ids, ISO dates).
pub fn condition_json(pack: &Pack, c: &Condition) -> J {
    let qn = &pack.questionnaire;
    match c {
        Condition::All(cs) => {
            json!({ "all": cs.iter().map(|c| condition_json(pack, c)).collect::<Vec<_>>() })
        }
        Condition::Any(cs) => {
            json!({ "any": cs.iter().map(|c| condition_json(pack, c)).collect::<Vec<_>>() })
        }
        Condition::Not(c) => json!({ "not": condition_json(pack, c) }),
        Condition::ForItems {
            every,
            group,
            filter,
            check,
        } => {
            let mut body = serde_json::Map::new();
            body.insert(
                "group".into(),
                J::String(
                    qn.groups
                        .get(*group)
                        .map(|g| g.id.clone())
                        .unwrap_or_default(),
                ),
            );
            if let Some(f) = filter {
                body.insert("where".into(), condition_json(pack, f));
            }
            body.insert("check".into(), condition_json(pack, check));
            let key = if *every { "every" } else { "some" };
            json!({ key: J::Object(body) })
        }
        Condition::Leaf(l) => {
            let Some(q) = qn.questions.get(l.lhs.q) else {
                return J::Null;
            };
            let mut m = serde_json::Map::new();
            m.insert("q".into(), J::String(q.id.clone()));
            m.insert("op".into(), J::String(l.op.name().into()));
            if q.qtype == QType::Date && !matches!(l.op, Op::Answered | Op::WithinDays) {
                // Dates compare as intervals (a month, a year): the page's evaluator must know
                // that `equals` here is between dates, not text.
                m.insert("date".into(), J::Bool(true));
            }
            match &l.rhs {
                Operand::Literal(v) => {
                    // Option lists for any_of/all_of/none_of are lists even on single choice.
                    let v = match v {
                        Value::Choices(mask) => J::Array(
                            choice_ids(q, *mask)
                                .into_iter()
                                .map(|s| J::String(s.to_string()))
                                .collect(),
                        ),
                        other => value_json(q, other),
                    };
                    m.insert("value".into(), v);
                }
                Operand::Question(r) => {
                    m.insert(
                        "question".into(),
                        J::String(
                            qn.questions
                                .get(r.q)
                                .map(|o| o.id.clone())
                                .unwrap_or_default(),
                        ),
                    );
                }
                Operand::Days(n) => {
                    m.insert("days".into(), json!(n));
                }
                Operand::Flag(b) => {
                    m.insert("answered".into(), J::Bool(*b));
                }
            }
            m.insert("text".into(), J::String(l.text.clone()));
            J::Object(m)
        }
    }
}

/// The form implied by an output file name: `.xlsx`, `.md`, `.html`; anything else YAML.
pub fn format_for(output: &str) -> QFormat {
    let lower = output.to_ascii_lowercase();
    if lower.ends_with(".xlsx") {
        QFormat::Xlsx
    } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
        QFormat::Markdown
    } else if lower.ends_with(".html") || lower.ends_with(".htm") {
        QFormat::Html
    } else {
        QFormat::Yaml
    }
}

/// The header field a campaign invitation adds after [`HEADER_FIELDS`] (only when the prefill
/// carries a submission key): `hegui campaign invite`, docs/CAMPAIGN.md.
pub const SUBMISSION_FIELD: (&str, &str, &str, &str, &str) = (
    "submission.key",
    "报送码",
    "Submission key",
    "请勿修改，随答卷交回",
    "do not change; return it with the answers",
);

/// The facts header's fields as every questionnaire form lists them (the offline form and the
/// workbook): key, label zh, label en, note zh, note en.
pub const HEADER_FIELDS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "pack.id",
        "规则包",
        "Rule pack",
        "请勿修改",
        "do not change",
    ),
    (
        "pack.version",
        "规则包版本",
        "Pack version",
        "请勿修改",
        "do not change",
    ),
    (
        "pack.questionnaire_digest",
        "问卷摘要",
        "Questionnaire digest",
        "请勿修改",
        "do not change",
    ),
    ("organisation.name", "单位名称", "Registered name", "", ""),
    (
        "organisation.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        "18位",
        "18 characters",
    ),
    (
        "organisation.region_code",
        "行政区划代码",
        "Region code",
        "6位数字，如 230103",
        "six digits, e.g. 230103",
    ),
    ("organisation.industry", "行业", "Industry", "", ""),
    (
        "organisation.contact.name",
        "联系人",
        "Contact person",
        "",
        "",
    ),
    (
        "organisation.contact.phone",
        "联系电话",
        "Contact phone",
        "",
        "",
    ),
    (
        "organisation.contact.email",
        "电子邮箱",
        "Contact e-mail",
        "",
        "",
    ),
    ("prepared_by.name", "填报人", "Prepared by", "", ""),
    (
        "prepared_by.title",
        "填报人职务",
        "Preparer's position",
        "",
        "",
    ),
    (
        "responsible_person.name",
        "负责人",
        "Responsible person",
        "",
        "",
    ),
    (
        "responsible_person.title",
        "负责人职务",
        "Responsible person's position",
        "",
        "",
    ),
    (
        "assessment_date",
        "评估基准日",
        "Assessment date",
        "日期，如 2026-05-20",
        "a date, e.g. 2026-05-20",
    ),
];

/// The packs a questionnaire is for, as (id, version, title): the pack itself, or every pack
/// of a set (its view's members).
pub fn packs_of(pack: &Pack) -> Vec<(&str, &str, &hegui_core::text::Text)> {
    if pack.members.is_empty() {
        vec![(&pack.meta.id, &pack.meta.version, &pack.meta.title)]
    } else {
        pack.members
            .iter()
            .map(|m| (m.id.as_str(), m.version.as_str(), &m.title))
            .collect()
    }
}

/// The questionnaire's title: the pack's title, or every pack's joined by ` + `.
pub fn title(pack: &Pack, lang: Lang) -> String {
    packs_of(pack)
        .iter()
        .map(|(_, _, t)| pick(t, lang, " / "))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Every pack with its version: `title — id version`, joined by ` + ` for a set.
pub fn title_with_versions(pack: &Pack, lang: Lang) -> String {
    packs_of(pack)
        .iter()
        .map(|(id, v, t)| format!("{} — {id} {v}", pick(t, lang, " / ")))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// What every questionnaire template knows of the pack: id, version and title (for a set,
/// every pack's titles joined by ` + `, and each pack in `packs`), questionnaire digest and
/// its legal-basis lines.
pub fn pack_context(pack: &Pack, lang: Lang) -> minijinja::Value {
    let packs: Vec<minijinja::Value> = packs_of(pack)
        .into_iter()
        .map(|(id, version, t)| {
            minijinja::context! { id => id, version => version, title => pick(t, lang, " / ") }
        })
        .collect();
    minijinja::context! {
        id => &pack.meta.id,
        version => &pack.meta.version,
        title => title(pack, lang),
        packs => packs,
        digest => &pack.questionnaire.digest,
        basis => basis_lines(pack, lang),
    }
}
