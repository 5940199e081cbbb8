//! The questionnaire as Markdown: readable on screen, printable on paper. Rendered from the
//! embedded template `questionnaire.md.j2`.

use super::{option_label, phrase, pick, type_name};
use chrono::NaiveDate;
use hegui_core::model::{Entry, Pack, QType, Question};
use hegui_core::text::Lang;
use minijinja::{Environment, context};
use serde::Serialize;

#[derive(Serialize)]
struct Opt {
    id: String,
    label: String,
    exclusive: bool,
}

#[derive(Serialize)]
struct Member {
    id: String,
    label: String,
    #[serde(rename = "type")]
    qtype: String,
    options: Vec<Opt>,
    when: Option<String>,
}

#[derive(Serialize)]
struct EntryView {
    kind: &'static str,
    number: usize,
    id: String,
    label: String,
    help: Option<String>,
    #[serde(rename = "type")]
    qtype: String,
    yes_no: bool,
    options: Vec<Opt>,
    when: Option<String>,
    members: Vec<Member>,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    entries: Vec<EntryView>,
}

fn options(q: &Question, lang: Lang) -> Vec<Opt> {
    q.options
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
            exclusive: o.exclusive,
        })
        .collect()
}

/// A minijinja environment over the embedded templates (trimmed blocks, strict undefined).
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(50_000_000));
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_loader(|name| Ok(crate::templates::template(name).map(str::to_string)));
    env
}

/// The printable questionnaire.
pub fn render(pack: &Pack, date: NaiveDate, lang: Lang) -> Result<String, String> {
    let qn = &pack.questionnaire;
    let mut sections: Vec<SectionView> = Vec::new();
    let mut current = String::new();
    for (i, entry) in qn.order.iter().enumerate() {
        let number = i + 1;
        let sec = match entry {
            Entry::Question(q) => qn.questions.get(*q).map(|q| q.section.clone()),
            Entry::Group(g) => qn.groups.get(*g).map(|g| g.section.clone()),
        }
        .unwrap_or_default();
        if sec != current || sections.is_empty() {
            let title = pack
                .section(&sec)
                .map(|s| pick(&s.title, lang, " / "))
                .unwrap_or_else(|| sec.clone());
            sections.push(SectionView {
                title,
                entries: Vec::new(),
            });
            current = sec;
        }
        let view = match entry {
            Entry::Question(qi) => {
                let Some(q) = qn.questions.get(*qi) else {
                    continue;
                };
                EntryView {
                    kind: "question",
                    number,
                    id: q.id.clone(),
                    label: pick(&q.label, lang, " / "),
                    help: q.help.as_ref().map(|h| pick(h, lang, "\n")),
                    qtype: type_name(q, lang),
                    yes_no: q.qtype == QType::YesNo,
                    options: options(q, lang),
                    when: q.ask_when.as_ref().map(|c| c.describe()),
                    members: Vec::new(),
                }
            }
            Entry::Group(gi) => {
                let Some(g) = qn.groups.get(*gi) else {
                    continue;
                };
                let members = g
                    .members
                    .iter()
                    .filter_map(|m| qn.questions.get(*m))
                    .map(|q| Member {
                        id: q.local_id.clone(),
                        label: pick(&q.label, lang, " / "),
                        qtype: type_name(q, lang),
                        options: options(q, lang),
                        when: q.ask_when.as_ref().map(|c| c.describe()),
                    })
                    .collect();
                EntryView {
                    kind: "group",
                    number,
                    id: g.id.clone(),
                    label: pick(&g.label, lang, " / "),
                    help: g.help.as_ref().map(|h| pick(h, lang, "\n")),
                    qtype: String::new(),
                    yes_no: false,
                    options: Vec::new(),
                    when: g.ask_when.as_ref().map(|c| c.describe()),
                    members,
                }
            }
        };
        if let Some(s) = sections.last_mut() {
            s.entries.push(view);
        }
    }
    let l = |zh: &str, en: &str| phrase(zh, en, lang);
    let labels = context! {
        intro => l("本问卷由 hegui 根据规则包生成，答案交回后按规则包逐条评估。", "This questionnaire is generated by hegui from the rule pack; the answers are assessed rule by rule."),
        pack => l("规则包", "Rule pack"),
        digest => l("问卷摘要", "Questionnaire digest"),
        organisation => l("单位名称", "Organisation"),
        credit_code => l("统一社会信用代码", "Unified social credit code"),
        prepared_by => l("填报人", "Prepared by"),
        assessment_date => l("评估基准日", "Assessment date"),
        how => l("每题勾选或填写一个答案；不知道请选“不清楚”；“何时回答”条件不成立的问题不必回答。", "Tick or write one answer per question; tick “don't know” if you don't know; skip a question whose “asked when” condition does not hold."),
        asked_when => l("何时回答", "Asked when"),
        exclusive => l("不可与其他选项同选", "exclusive"),
        dont_know => l("不清楚", "don't know"),
        yes => l("是", "yes"),
        no => l("否", "no"),
        answer => l("答案", "Answer"),
        repeatable => l("可重复条目", "repeatable"),
        item => l("条目", "Item"),
        repeat_how => l("每项填写一行(行数不够可自行添加)；没有任何条目请写“无”。", "One row per item (add rows as needed); write “none” if there are none."),
    };
    let env = environment();
    let tmpl = env
        .get_template("questionnaire.md.j2")
        .map_err(|e| format!("template questionnaire.md.j2: {e}"))?;
    tmpl.render(context! {
        pack => super::pack_context(pack, lang),
        labels => labels,
        sections => minijinja::Value::from(minijinja::value::Serde(&sections)),
        date => date.to_string(),
    })
    .map_err(|e| format!("template questionnaire.md.j2: {e}"))
}
