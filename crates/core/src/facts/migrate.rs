//! Migrate: carry a facts file's answers over to a new version of its pack.
//!
//! The answers are read against the OLD pack (the one they were given for; `load_facts` refuses
//! them for another version whose questionnaire differs). A question is *unchanged* when the
//! new pack has a question with the same id, type, options (ids and exclusivity, in order),
//! Chinese label, range and `past_event`; its answer (with remark and evidence) is kept. Every
//! other question of the new pack is listed to be answered: new ones, and changed ones whose old
//! answer is dropped. Group items keep their unchanged members' answers. Waivers for rules the
//! new pack still has are kept. The result is checked against the new pack before it is written.

use crate::facts::{Facts, load_facts};
use crate::model::{Pack, Question};
use crate::text::Text;
use serde::Serialize;
use serde_json::{Map, Value as J};

/// Why a question of the new pack needs an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Not in the old pack.
    New,
    /// In the old pack, but its type, options, label, range or `past_event` changed; the old
    /// answer was dropped.
    Changed,
    /// Unchanged, but it was not answered (or answered 不清楚) before.
    Unanswered,
}

/// A question to answer in the migrated file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToAnswer {
    /// Question id.
    pub id: String,
    /// Label.
    pub label: Text,
    /// Why.
    pub why: Why,
    /// For a changed question: what changed.
    pub what: Vec<&'static str>,
}

/// The result of a migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Migration {
    /// The new facts, in canonical JSON form.
    pub facts: J,
    /// Answers carried over.
    pub kept: usize,
    /// Questions to answer (new or changed; unanswered ones too).
    pub to_answer: Vec<ToAnswer>,
    /// Questions of the old pack that the new one no longer asks (their answers dropped).
    pub dropped: Vec<String>,
    /// Waivers dropped because their rule is gone.
    pub dropped_waivers: Vec<String>,
}

/// What differs between two versions of a question (empty: unchanged).
pub fn question_changes(old: &Question, new: &Question) -> Vec<&'static str> {
    let mut what = Vec::new();
    if old.qtype != new.qtype {
        what.push("type");
    }
    let opts = |q: &Question| -> Vec<(String, bool)> {
        q.options
            .iter()
            .map(|o| (o.id.clone(), o.exclusive))
            .collect()
    };
    if opts(old) != opts(new) {
        what.push("options");
    }
    if old.label.zh != new.label.zh {
        what.push("label");
    }
    if old.min != new.min || old.max != new.max {
        what.push("range");
    }
    if old.past_event != new.past_event {
        what.push("past_event");
    }
    what
}

fn old_question<'p>(old: &'p Pack, id: &str) -> Option<&'p Question> {
    let qn = &old.questionnaire;
    qn.question(id).and_then(|i| qn.questions.get(i))
}

/// Carries `facts` (valid for `old`) over to `new`.
pub fn migrate(old: &Pack, facts: &Facts, new: &Pack) -> Migration {
    let canonical = crate::facts::write::facts_json(old, facts);
    let old_answers = canonical
        .get("answers")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    let nq = &new.questionnaire;
    let mut answers = Map::new();
    let mut kept = 0;
    let mut to_answer = Vec::new();
    let mut note = |q: &Question, why: Why, what: Vec<&'static str>| {
        to_answer.push(ToAnswer {
            id: q.id.clone(),
            label: q.label.clone(),
            why,
            what,
        });
    };
    let is_dont_know = |v: &J| {
        v.as_str().is_some_and(|s| s == "不清楚")
            || v.get("dont_know").and_then(J::as_bool) == Some(true)
    };
    for entry in &nq.order {
        match entry {
            crate::model::Entry::Question(i) => {
                let Some(q) = nq.questions.get(*i) else {
                    continue;
                };
                match old_question(old, &q.id) {
                    None => note(q, Why::New, Vec::new()),
                    Some(oq) => {
                        let what = question_changes(oq, q);
                        if !what.is_empty() {
                            note(q, Why::Changed, what);
                        } else if let Some(v) = old_answers.get(&q.id) {
                            if is_dont_know(v) {
                                note(q, Why::Unanswered, Vec::new());
                            }
                            answers.insert(q.id.clone(), v.clone());
                            kept += 1;
                        } else {
                            note(q, Why::Unanswered, Vec::new());
                        }
                    }
                }
            }
            crate::model::Entry::Group(g) => {
                let Some(group) = nq.groups.get(*g) else {
                    continue;
                };
                let old_group = old.questionnaire.group(&group.id);
                let mut carry: Vec<&str> = Vec::new();
                for m in &group.members {
                    let Some(q) = nq.questions.get(*m) else {
                        continue;
                    };
                    match (old_group, old_question(old, &q.id)) {
                        (Some(_), Some(oq)) => {
                            let what = question_changes(oq, q);
                            if what.is_empty() {
                                carry.push(q.local_id.as_str());
                            } else {
                                note(q, Why::Changed, what);
                            }
                        }
                        _ => note(q, Why::New, Vec::new()),
                    }
                }
                match old_answers.get(&group.id).and_then(J::as_array) {
                    Some(items) if old_group.is_some() => {
                        let items: Vec<J> = items
                            .iter()
                            .map(|item| {
                                let mut m = Map::new();
                                if let Some(obj) = item.as_object() {
                                    for (k, v) in obj {
                                        if carry.contains(&k.as_str()) {
                                            m.insert(k.clone(), v.clone());
                                            kept += 1;
                                        }
                                    }
                                }
                                J::Object(m)
                            })
                            .filter(|m| m.as_object().is_some_and(|m| !m.is_empty()))
                            .collect();
                        answers.insert(group.id.clone(), J::Array(items));
                    }
                    _ => {}
                }
            }
        }
    }
    let mut dropped: Vec<String> = old
        .questionnaire
        .questions
        .iter()
        .filter(|q| nq.question(&q.id).is_none())
        .filter(|q| match q.group {
            None => old_answers.contains_key(&q.id),
            Some(g) => old
                .questionnaire
                .groups
                .get(g)
                .is_some_and(|g| old_answers.contains_key(&g.id)),
        })
        .map(|q| q.id.clone())
        .collect();
    dropped.sort();
    let mut root = canonical.as_object().cloned().unwrap_or_default();
    root.insert(
        "pack".into(),
        serde_json::json!({
            "id": new.meta.id, "version": new.meta.version,
            "questionnaire_digest": new.questionnaire.digest,
        }),
    );
    root.insert("answers".into(), J::Object(answers));
    let mut dropped_waivers = Vec::new();
    if let Some(ws) = root.get("waivers").and_then(J::as_array).cloned() {
        let keep: Vec<J> = ws
            .into_iter()
            .filter(|w| {
                let rule = w.get("rule").and_then(J::as_str).unwrap_or("");
                let ok = new.rule(rule).is_some();
                if !ok {
                    dropped_waivers.push(rule.to_string());
                }
                ok
            })
            .collect();
        if keep.is_empty() {
            root.remove("waivers");
        } else {
            root.insert("waivers".into(), J::Array(keep));
        }
    }
    Migration {
        facts: J::Object(root),
        kept,
        to_answer,
        dropped,
        dropped_waivers,
    }
}

/// The migrated facts as a YAML file: a header comment listing what to answer, then the facts.
pub fn yaml(m: &Migration) -> String {
    let mut out = String::new();
    out.push_str(
        "# hegui migrate: 已沿用未变化问题的答案 / answers to unchanged questions carried over\n",
    );
    let changed: Vec<&ToAnswer> = m
        .to_answer
        .iter()
        .filter(|t| t.why != Why::Unanswered)
        .collect();
    if changed.is_empty() {
        out.push_str("# 没有新增或变更的问题 / no new or changed questions\n");
    } else {
        out.push_str("# 请回答以下新增或变更的问题 / answer these new or changed questions:\n");
        for t in changed {
            let why = match t.why {
                Why::New => "新增 new".to_string(),
                _ => format!("已变更 changed: {}", t.what.join(", ")),
            };
            out.push_str(&format!(
                "#   {} ({why}) {} / {}\n",
                t.id,
                t.label.zh.replace('\n', " "),
                t.label.en.replace('\n', " ")
            ));
        }
    }
    out.push_str(&crate::facts::write::yaml_from_json(&m.facts));
    out
}

/// Migrates and checks the result loads against the new pack. `name` names the output in
/// messages.
pub fn migrate_checked(
    old: &Pack,
    facts: &Facts,
    new: &Pack,
    name: &str,
) -> Result<(Migration, String), Vec<crate::diag::Diagnostic>> {
    let m = migrate(old, facts, new);
    let text = if name.to_ascii_lowercase().ends_with(".json") {
        let mut s = serde_json::to_string_pretty(&m.facts).unwrap_or_default();
        s.push('\n');
        s
    } else {
        yaml(&m)
    };
    load_facts(name, &text, new)?;
    Ok((m, text))
}
