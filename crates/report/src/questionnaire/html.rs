//! The questionnaire as one self-contained offline HTML page: no server, no network. Rendered
//! from the embedded templates `questionnaire.html.j2` (page), `questionnaire.css`,
//! `questionnaire-eval.js` (the condition evaluator, shared with the node tests) and
//! `questionnaire-form.js` (the form). The page shows the right control per question, hides
//! questions whose `ask_when` is false given the earlier answers, checks inputs as they are
//! typed, adds and removes items of repeatable groups, and saves the answers as a facts file
//! (JSON) that `hegui assess` takes unchanged; a saved file can be loaded to carry on.

use super::HEADER_FIELDS;
use super::markdown::environment;
use super::{condition_json, option_label, phrase, pick, type_name};
use chrono::NaiveDate;
use hegui_core::facts::Facts;
use hegui_core::model::{Entry, Pack, Question};
use hegui_core::text::Lang;
use minijinja::{context, value::Serde};
use serde::Serialize;
use serde_json::{Map, Value as J, json};

#[derive(Serialize)]
struct Opt {
    id: String,
    label: String,
}

#[derive(Serialize)]
struct QView {
    id: String,
    local: Option<String>,
    label: String,
    help: Option<String>,
    #[serde(rename = "type")]
    qtype: &'static str,
    type_text: String,
    options: Vec<Opt>,
    when: Option<String>,
}

#[derive(Serialize)]
struct EntryView {
    kind: &'static str,
    id: String,
    label: String,
    help: Option<String>,
    when: Option<String>,
    question: Option<QView>,
    members: Vec<QView>,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    entries: Vec<EntryView>,
}

#[derive(Serialize)]
struct Field {
    key: &'static str,
    label: String,
    note: String,
    date: bool,
}

fn qview(q: &Question, lang: Lang) -> QView {
    QView {
        id: q.id.clone(),
        local: q.group.map(|_| q.local_id.clone()),
        label: pick(&q.label, lang, " / "),
        help: q.help.as_ref().map(|h| pick(h, lang, "\n")),
        qtype: q.qtype.name(),
        type_text: type_name(q, lang),
        options: q
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| Opt {
                id: o.id.clone(),
                label: match lang {
                    Lang::Both if o.label.zh != o.label.en => {
                        format!("{} / {}", o.label.zh, o.label.en)
                    }
                    _ => option_label(q, i, lang),
                },
            })
            .collect(),
        when: q.ask_when.as_ref().map(|c| c.describe()),
    }
}

fn labels(lang: Lang) -> J {
    let l = |zh: &str, en: &str| J::String(phrase(zh, en, lang));
    json!({
        "title": l("自评问卷", "Self-assessment questionnaire"),
        "intro": l("本页面可离线使用，不联网、不上传任何数据。填写后点击“下载答卷”，将得到的 JSON 文件交回；也可以载入已保存的答卷继续填写。", "This page works offline and sends nothing anywhere. When done, click “Download answers” and return the JSON file; you can load a saved file to carry on."),
        "download": l("下载答卷", "Download answers"),
        "load": l("载入已保存的答卷", "Load saved answers"),
        "organisation": l("单位与评估信息", "Organisation and assessment"),
        "yes": l("是", "yes"),
        "no": l("否", "no"),
        "dont_know": l("不清楚", "don't know"),
        "clear": l("清除", "clear"),
        "remark": l("备注", "remark"),
        "asked_when": l("何时回答", "asked when"),
        "no_items": l("没有此类条目", "there are none"),
        "add": l("添加一项", "add an item"),
        "remove": l("删除此项", "remove this item"),
        "item": l("第 {} 项", "item {}"),
        "integer": l("请填写整数", "write a whole number"),
        "decimal": l("请填写数字", "write a number"),
        "date": l("请填写日期 YYYY-MM-DD", "write a date YYYY-MM-DD"),
        "below": l("不能小于 {}", "must be at least {}"),
        "above": l("不能大于 {}", "must be at most {}"),
        "after_date": l("晚于评估基准日，但这是已发生事件的日期", "is after the assessment date, but this is the date of a past event"),
        "exclusive": l("“{}”不可与其他选项同选", "“{}” cannot be combined with other options"),
        "credit_code": l("统一社会信用代码无效", "invalid unified social credit code"),
        "region_code": l("行政区划代码应为6位数字", "the region code has six digits"),
        "need_date": l("请填写评估基准日", "fill in the assessment date"),
        "none_and_items": l("已选择“没有此类条目”，但仍有条目", "“there are none” is ticked but items are listed"),
        "problems": l("待改正", "To correct"),
        "answered": l("已回答 {} 题", "{} questions answered"),
        "saved": l("已下载答卷", "Answers downloaded"),
        "left_out": l("有误的答案未保存", "invalid answers were left out"),
        "loaded": l("已载入答卷", "Answers loaded"),
        "bad_file": l("无法读取：不是 JSON 格式的答卷", "cannot read: not a JSON answers file"),
        "other_pack": l("答卷对应的规则包不同", "the answers are for another pack"),
        "unknown": l("未识别的问题，已忽略", "unknown questions, ignored"),
        "evidence": l("证据 {} 项(已保留)", "{} piece(s) of evidence (kept)"),
        "waivers": l("豁免 {} 项(已保留)", "{} waiver(s) (kept)"),
    })
}

/// The data the page's script reads: pack, messages, questions with their compiled
/// `ask_when`, groups, order and (optionally) answers to start from.
fn page_data(pack: &Pack, lang: Lang, prefill: Option<&Facts>) -> J {
    let qn = &pack.questionnaire;
    let mut questions = Map::new();
    for q in &qn.questions {
        let mut m = Map::new();
        m.insert("type".into(), J::String(q.qtype.name().into()));
        m.insert("label".into(), J::String(pick(&q.label, lang, " / ")));
        if let Some(c) = &q.ask_when {
            m.insert("ask_when".into(), condition_json(pack, c));
        }
        if let Some(x) = q.min {
            m.insert("min".into(), json!(x));
        }
        if let Some(x) = q.max {
            m.insert("max".into(), json!(x));
        }
        if q.past_event {
            m.insert("past_event".into(), J::Bool(true));
        }
        let exclusive: Vec<J> = q
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.exclusive)
            .map(|(i, o)| json!({ "id": o.id, "label": option_label(q, i, lang) }))
            .collect();
        if !exclusive.is_empty() {
            m.insert("exclusive".into(), J::Array(exclusive));
        }
        questions.insert(q.id.clone(), J::Object(m));
    }
    let mut groups = Map::new();
    for g in &qn.groups {
        let members: Vec<J> = g
            .members
            .iter()
            .filter_map(|m| qn.questions.get(*m))
            .map(|q| J::String(q.local_id.clone()))
            .collect();
        let mut m = Map::new();
        m.insert("members".into(), J::Array(members));
        if let Some(c) = &g.ask_when {
            m.insert("ask_when".into(), condition_json(pack, c));
        }
        groups.insert(g.id.clone(), J::Object(m));
    }
    let order: Vec<J> = qn
        .order
        .iter()
        .filter_map(|e| match e {
            Entry::Question(q) => qn.questions.get(*q).map(|q| json!({ "question": q.id })),
            Entry::Group(g) => qn.groups.get(*g).map(|g| json!({ "group": g.id })),
        })
        .collect();
    json!({
        "pack": {
            "id": pack.meta.id,
            "version": pack.meta.version,
            "questionnaire_digest": qn.digest,
        },
        // Several packs: the facts file lists them all (facts/2).
        "packs": (!pack.members.is_empty()).then(|| {
            pack.members
                .iter()
                .map(|m| json!({"id": m.id, "version": m.version, "questionnaire_digest": m.questionnaire_digest}))
                .collect::<Vec<J>>()
        }),
        "labels": labels(lang),
        "questions": questions,
        "groups": groups,
        "order": order,
        "initial": prefill.map(|f| hegui_core::facts::write::facts_json(pack, f)),
    })
}

/// JSON safe to put inside a `<script>` element.
fn script_json(v: &J) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn embedded(name: &str) -> Result<String, String> {
    let text =
        crate::templates::template(name).ok_or_else(|| format!("template `{name}` is missing"))?;
    if text.to_ascii_lowercase().contains("</script") {
        return Err(format!("template `{name}` may not contain `</script`"));
    }
    Ok(text.to_string())
}

/// The offline HTML form. With `prefill`, the page starts from those answers.
pub fn render(
    pack: &Pack,
    date: NaiveDate,
    lang: Lang,
    prefill: Option<&Facts>,
) -> Result<String, String> {
    let qn = &pack.questionnaire;
    let mut sections: Vec<SectionView> = Vec::new();
    let mut current = None;
    for entry in &qn.order {
        let sec = match entry {
            Entry::Question(q) => qn.questions.get(*q).map(|q| q.section.clone()),
            Entry::Group(g) => qn.groups.get(*g).map(|g| g.section.clone()),
        }
        .unwrap_or_default();
        if current.as_ref() != Some(&sec) {
            let title = pack
                .section(&sec)
                .map(|s| pick(&s.title, lang, " / "))
                .unwrap_or_else(|| sec.clone());
            sections.push(SectionView {
                title,
                entries: Vec::new(),
            });
            current = Some(sec);
        }
        let view = match entry {
            Entry::Question(qi) => {
                let Some(q) = qn.questions.get(*qi) else {
                    continue;
                };
                EntryView {
                    kind: "question",
                    id: q.id.clone(),
                    label: String::new(),
                    help: None,
                    when: None,
                    question: Some(qview(q, lang)),
                    members: Vec::new(),
                }
            }
            Entry::Group(gi) => {
                let Some(g) = qn.groups.get(*gi) else {
                    continue;
                };
                EntryView {
                    kind: "group",
                    id: g.id.clone(),
                    label: pick(&g.label, lang, " / "),
                    help: g.help.as_ref().map(|h| pick(h, lang, "\n")),
                    when: g.ask_when.as_ref().map(|c| c.describe()),
                    question: None,
                    members: g
                        .members
                        .iter()
                        .filter_map(|m| qn.questions.get(*m))
                        .map(|q| qview(q, lang))
                        .collect(),
                }
            }
        };
        if let Some(s) = sections.last_mut() {
            s.entries.push(view);
        }
    }
    let fields: Vec<Field> = HEADER_FIELDS
        .iter()
        .filter(|f| !f.0.starts_with("pack."))
        .map(|(key, zh, en, nzh, nen)| Field {
            key,
            label: phrase(zh, en, lang),
            note: if nzh.is_empty() {
                String::new()
            } else {
                phrase(nzh, nen, lang)
            },
            date: *key == "assessment_date",
        })
        .collect();
    let env = environment();
    let tmpl = env
        .get_template("questionnaire.html.j2")
        .map_err(|e| format!("template questionnaire.html.j2: {e}"))?;
    tmpl.render(context! {
        pack => super::pack_context(pack, lang),
        lang => match lang { Lang::Zh => "zh", Lang::En => "en", Lang::Both => "both" },
        labels => Serde(labels(lang)),
        fields => Serde(&fields),
        sections => Serde(&sections),
        date => date.to_string(),
        data => script_json(&page_data(pack, lang, prefill)),
        css => embedded("questionnaire.css")?,
        eval_js => embedded("questionnaire-eval.js")?,
        form_js => embedded("questionnaire-form.js")?,
    })
    .map_err(|e| format!("template questionnaire.html.j2: {e}"))
}
