//! Writing facts back out: the canonical JSON form of a [`Facts`], the same schema a facts
//! file has. Used for the answers digest, and by commands that produce facts files.

use crate::answers::{Answer, AnswerState, Facts};
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
    if facts.packs.len() > 1 {
        // Answers for several packs: facts format 2 lists them all.
        root.insert("format".into(), J::String(super::FACTS_FORMAT.to_string()));
        root.insert(
            "packs".into(),
            serde_json::to_value(&facts.packs).unwrap_or(J::Null),
        );
    } else {
        root.insert(
            "pack".into(),
            serde_json::to_value(&facts.pack).unwrap_or(J::Null),
        );
    }
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

/// A JSON value (a facts document) as block-style YAML: strings quoted unless plainly safe,
/// dates and option ids plain, lists of scalars in flow style.
pub fn yaml_from_json(v: &J) -> String {
    let mut s = String::new();
    yaml_block(v, 0, &mut s);
    s
}

fn plain_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

fn yaml_scalar(v: &J, out: &mut String) {
    match v {
        J::String(s) if plain_ok(s) => out.push_str(s),
        J::String(s) if s.len() == 10 && crate::model::condition::parse_date(s).is_some() => {
            out.push_str(s);
        }
        J::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml_scalar(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn is_block(v: &J) -> bool {
    match v {
        J::Object(m) => !m.is_empty(),
        J::Array(items) => items.iter().any(|x| matches!(x, J::Object(_))),
        _ => false,
    }
}

fn yaml_block(v: &J, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) => {
            for (k, x) in m {
                out.push_str(&pad);
                if plain_ok(k) {
                    out.push_str(k);
                } else {
                    out.push_str(&J::String(k.clone()).to_string());
                }
                out.push(':');
                if is_block(x) {
                    out.push('\n');
                    yaml_block(x, indent + 2, out);
                } else if x.as_object().is_some() {
                    out.push_str(" {}\n");
                } else {
                    out.push(' ');
                    yaml_scalar(x, out);
                    out.push('\n');
                }
            }
        }
        J::Array(items) => {
            for x in items {
                out.push_str(&pad);
                out.push_str("-\n");
                yaml_block(x, indent + 2, out);
            }
        }
        other => {
            out.push_str(&pad);
            yaml_scalar(other, out);
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars() {
        assert!(plain_ok("mobile_number"));
        assert!(!plain_ok("no"));
        assert!(!plain_ok("0755"));
        assert!(!plain_ok("不清楚"));
    }
}
