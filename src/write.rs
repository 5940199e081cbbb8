//! Writing facts back out: the canonical JSON form of a [`Facts`], the same schema a facts
//! file has. Used for the answers digest, and by commands that produce facts files.

use crate::facts::{Answer, AnswerState, Facts};
use crate::model::{Pack, Question, Value};
use serde_json::{Map, Value as J, json};

fn value_json(q: &Question, v: &Value) -> J {
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Choice(i) => q
            .options
            .get(*i)
            .map(|o| J::String(o.id.clone()))
            .unwrap_or(J::Null),
        Value::Choices(m) => J::Array(
            q.options
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    u32::try_from(*i)
                        .ok()
                        .and_then(|i| 1u64.checked_shl(i))
                        .is_some_and(|b| m & b != 0)
                })
                .map(|(_, o)| J::String(o.id.clone()))
                .collect(),
        ),
        Value::Int(i) => json!(i),
        Value::Decimal(x) => json!(x),
        Value::Date(d) => J::String(d.to_string()),
        Value::Text(t) => J::String(t.clone()),
    }
}

fn answer_json(q: &Question, a: &Answer) -> J {
    let plain = match &a.state {
        AnswerState::DontKnow => J::String("不清楚".into()),
        AnswerState::Value(v) => value_json(q, v),
    };
    if a.remark.is_none() && a.evidence.is_empty() {
        return plain;
    }
    let mut m = Map::new();
    match &a.state {
        AnswerState::DontKnow => {
            m.insert("dont_know".into(), J::Bool(true));
        }
        AnswerState::Value(_) => {
            m.insert("value".into(), plain);
        }
    }
    if let Some(r) = &a.remark {
        m.insert("remark".into(), J::String(r.clone()));
    }
    if !a.evidence.is_empty() {
        m.insert(
            "evidence".into(),
            serde_json::to_value(&a.evidence).unwrap_or(J::Null),
        );
    }
    J::Object(m)
}

/// The canonical JSON form of `facts`: keys in a fixed order, answers in questionnaire order.
pub fn facts_json(pack: &Pack, facts: &Facts) -> J {
    let qn = &pack.questionnaire;
    let mut answers = Map::new();
    for entry in &qn.order {
        match entry {
            crate::model::Entry::Question(q) => {
                if let (Some(question), Some(Some(a))) =
                    (qn.questions.get(*q), facts.answers.get(*q))
                {
                    answers.insert(question.id.clone(), answer_json(question, a));
                }
            }
            crate::model::Entry::Group(g) => {
                let (Some(group), Some(Some(items))) = (qn.groups.get(*g), facts.groups.get(*g))
                else {
                    continue;
                };
                let list: Vec<J> = items
                    .iter()
                    .map(|item| {
                        let mut m = Map::new();
                        for qi in &group.members {
                            if let Some(q) = qn.questions.get(*qi)
                                && let Some(Some(a)) = item.answers.get(q.pos)
                            {
                                m.insert(q.local_id.clone(), answer_json(q, a));
                            }
                        }
                        J::Object(m)
                    })
                    .collect();
                answers.insert(group.id.clone(), J::Array(list));
            }
        }
    }
    let mut root = Map::new();
    root.insert(
        "pack".into(),
        serde_json::to_value(&facts.pack).unwrap_or(J::Null),
    );
    root.insert(
        "organisation".into(),
        serde_json::to_value(&facts.organisation).unwrap_or(J::Null),
    );
    if let Some(p) = &facts.prepared_by {
        root.insert(
            "prepared_by".into(),
            serde_json::to_value(p).unwrap_or(J::Null),
        );
    }
    if let Some(p) = &facts.responsible_person {
        root.insert(
            "responsible_person".into(),
            serde_json::to_value(p).unwrap_or(J::Null),
        );
    }
    root.insert(
        "assessment_date".into(),
        J::String(facts.assessment_date.to_string()),
    );
    root.insert("answers".into(), J::Object(answers));
    if !facts.waivers.is_empty() {
        root.insert(
            "waivers".into(),
            serde_json::to_value(&facts.waivers).unwrap_or(J::Null),
        );
    }
    J::Object(root)
}
