//! Canonical SHA-256 digests of packs, questionnaires, rules and answers.
//!
//! Digests are over canonical forms, so a CRLF checkout, YAML vs JSON, or key order change
//! nothing: files are hashed sorted by path with LF line endings; structures are hashed as
//! compact JSON with keys in a fixed order. Each digest is written `sha256:<hex>`.

use crate::model::{Condition, Questionnaire, Rule};
use serde_json::json;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(7 + bytes.len() * 2);
    s.push_str("sha256:");
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Digest of raw bytes.
pub fn bytes(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// Digest of a pack's files: sorted by path, each as `path NUL length NUL content` with LF endings.
pub fn files(files: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    for (path, text) in sorted {
        let text = text.replace("\r\n", "\n");
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.len().to_string().as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
    }
    hex(&h.finalize())
}

fn cond(c: &Option<Condition>) -> serde_json::Value {
    c.as_ref()
        .map(|c| json!(c.describe()))
        .unwrap_or(serde_json::Value::Null)
}

/// Digest of what answers depend on: ids, types, options, groups, visibility and the Chinese
/// question text. English text and help may change without changing it.
pub fn questionnaire(qn: &Questionnaire) -> String {
    let questions: Vec<_> = qn
        .questions
        .iter()
        .map(|q| {
            json!({
                "id": q.id,
                "type": q.qtype.name(),
                "label_zh": q.label.zh,
                "options": q.options.iter().map(|o| json!([o.id, o.exclusive])).collect::<Vec<_>>(),
                "ask_when": cond(&q.ask_when),
                "min": q.min, "max": q.max, "past_event": q.past_event,
            })
        })
        .collect();
    let groups: Vec<_> = qn
        .groups
        .iter()
        .map(|g| json!({"id": g.id, "ask_when": cond(&g.ask_when), "item_key": g.item_key}))
        .collect();
    bytes(
        json!({"questions": questions, "groups": groups})
            .to_string()
            .as_bytes(),
    )
}

/// Digest of a rule's meaning and text: conditions, level, severity, source, references,
/// evidence and remediation.
pub fn rule(r: &Rule, _qn: &Questionnaire) -> String {
    let v = json!({
        "id": r.id,
        "title": r.title,
        "section": r.section,
        "level": r.level,
        "severity": r.severity,
        "source": r.source,
        "references": r.references,
        "applies_when": cond(&r.applies_when),
        "check": r.check.describe(),
        "evidence": r.evidence,
        "remediation": r.remediation,
    });
    bytes(v.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_digest_ignores_order_and_crlf() {
        let a = files(&[("b".into(), "x\r\ny\r\n".into()), ("a".into(), "z".into())]);
        let b = files(&[("a".into(), "z".into()), ("b".into(), "x\ny\n".into())]);
        assert_eq!(a, b);
        assert!(a.starts_with("sha256:") && a.len() == 71);
        let c = files(&[("a".into(), "z".into()), ("b".into(), "x\ny".into())]);
        assert_ne!(a, c);
    }
}
