//! Canonical SHA-256 digests of packs, questionnaires, rules and answers.
//!
//! Digests are over canonical forms, so a CRLF checkout, YAML vs JSON, or key order change
//! nothing: files are hashed sorted by path with LF line endings; structures are hashed as
//! compact JSON with keys in a fixed order. Each digest is written `sha256:<hex>`.
//!
//! The canonical JSON is streamed straight into the hasher from small borrowing views (the
//! `*Form` structs below, whose field order is the key order), and CRLF is normalised while
//! hashing, so no intermediate `serde_json::Value`, JSON string or file copy is built: every
//! command loads the whole pack and digests each rule. The bytes hashed are exactly those of
//! the compact JSON of the documented form (`serde_json`, keys in the order listed).

use crate::model::{Choice, Condition, Group, LawRef, Level, Questionnaire, Rule, Severity};
use crate::model::{Question, SourceRef};
use crate::text::Text;
use serde::Serialize;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(7 + bytes.len() * 2);
    s.push_str("sha256:");
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            if let Some(&d) = DIGITS.get(usize::from(nibble)) {
                s.push(char::from(d));
            }
        }
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
        // The content with every CRLF as LF, hashed piece by piece rather than copied.
        let crlf = if text.contains('\r') {
            text.matches("\r\n").count()
        } else {
            0
        };
        h.update(path.as_bytes());
        h.update([0]);
        h.update((text.len() - crlf).to_string().as_bytes());
        h.update([0]);
        if crlf == 0 {
            h.update(text.as_bytes());
        } else {
            for (i, piece) in text.split("\r\n").enumerate() {
                if i > 0 {
                    h.update(b"\n");
                }
                h.update(piece.as_bytes());
            }
        }
    }
    hex(&h.finalize())
}

/// An `io::Write` that feeds a SHA-256 hasher.
struct Hasher(Sha256);

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Digest of the compact JSON of `form`, streamed into the hasher (the same bytes as
/// `serde_json::to_string`, never built as one string).
pub fn json<T: Serialize>(form: &T) -> String {
    let mut h = Hasher(Sha256::new());
    // Writing to the hasher cannot fail, and the forms hold only strings, numbers, booleans,
    // options and lists (no map with non-text keys), which always serialise.
    let _ = serde_json::to_writer(&mut h, form);
    hex(&h.0.finalize())
}

/// A condition as hashed: its one-line description, or `null`.
fn cond(c: &Option<Condition>) -> Option<String> {
    c.as_ref().map(Condition::describe)
}

/// `{"questions": [...], "groups": [...]}`.
#[derive(Serialize)]
struct QuestionnaireForm<'a> {
    questions: Vec<QuestionForm<'a>>,
    groups: Vec<GroupForm<'a>>,
}

/// `{"id", "type", "label_zh", "options": [[id, exclusive], ...], "ask_when", "min", "max",
/// "past_event"}`.
#[derive(Serialize)]
struct QuestionForm<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    qtype: &'static str,
    label_zh: &'a str,
    options: OptionsForm<'a>,
    ask_when: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    past_event: bool,
}

/// A question's options as `[[id, exclusive], ...]`.
struct OptionsForm<'a>(&'a [Choice]);

impl Serialize for OptionsForm<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|o| (o.id.as_str(), o.exclusive)))
    }
}

/// `{"id", "ask_when", "item_key"}`.
#[derive(Serialize)]
struct GroupForm<'a> {
    id: &'a str,
    ask_when: Option<String>,
    item_key: &'a Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    item_details: &'a [String],
}

impl<'a> QuestionForm<'a> {
    fn of(q: &'a Question) -> Self {
        QuestionForm {
            id: &q.id,
            qtype: q.qtype.name(),
            label_zh: &q.label.zh,
            options: OptionsForm(&q.options),
            ask_when: cond(&q.ask_when),
            min: q.min,
            max: q.max,
            past_event: q.past_event,
        }
    }
}

impl<'a> GroupForm<'a> {
    fn of(g: &'a Group) -> Self {
        GroupForm {
            id: &g.id,
            ask_when: cond(&g.ask_when),
            item_key: &g.item_key,
            item_details: &g.item_details,
        }
    }
}

/// Digest of what answers depend on: ids, types, options, groups, visibility and the Chinese
/// question text. English text and help may change without changing it.
pub fn questionnaire(qn: &Questionnaire) -> String {
    json(&QuestionnaireForm {
        questions: qn.questions.iter().map(QuestionForm::of).collect(),
        groups: qn.groups.iter().map(GroupForm::of).collect(),
    })
}

/// `{"id", "title", "section", "level", "severity", "source", "references", "applies_when",
/// "check", "evidence", "remediation"}`.
#[derive(Serialize)]
struct RuleForm<'a> {
    id: &'a str,
    title: &'a Text,
    section: &'a str,
    level: Level,
    severity: Severity,
    source: &'a SourceRef,
    references: &'a [LawRef],
    applies_when: Option<String>,
    check: String,
    evidence: &'a [Text],
    remediation: &'a Text,
}

/// Digest of a rule's meaning and text: conditions, level, severity, source, references,
/// evidence and remediation.
pub fn rule(r: &Rule, _qn: &Questionnaire) -> String {
    json(&RuleForm {
        id: &r.id,
        title: &r.title,
        section: &r.section,
        level: r.level,
        severity: r.severity,
        source: &r.source,
        references: &r.references,
        applies_when: cond(&r.applies_when),
        check: r.check.describe(),
        evidence: &r.evidence,
        remediation: &r.remediation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_digest_ignores_order_and_crlf() {
        let a = files(&[("b".into(), "x\r\ny\r\n".into()), ("a".into(), "z".into())]);
        let b = files(&[("a".into(), "z".into()), ("b".into(), "x\ny\n".into())]);
        assert_eq!(a, b);
        assert!(a.starts_with("sha256:") && a.len() == 71);
        let c = files(&[("a".into(), "z".into()), ("b".into(), "x\ny".into())]);
        assert_ne!(a, c);
        // A lone CR is content; CRLF at the ends and twice in a row are line ends.
        let d = files(&[("a".into(), "\r\nx\ry\r\n\r\n".into())]);
        let e = files(&[("a".into(), "\nx\ry\n\n".into())]);
        assert_eq!(d, e);
    }

    #[test]
    fn file_digest_is_the_documented_byte_form() {
        let text = "a\r\nb\rc\r\n";
        let mut h = Sha256::new();
        h.update(b"p\x006\x00a\nb\rc\n");
        assert_eq!(files(&[("p".into(), text.into())]), hex(&h.finalize()));
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "sha256:000fa5ff");
    }

    /// The compact JSON the digests were defined with: `serde_json::json!` with keys in this
    /// order, then `to_string`.
    fn defining_questionnaire(qn: &Questionnaire) -> String {
        let questions: Vec<_> = qn
            .questions
            .iter()
            .map(|q| {
                json!({
                    "id": q.id,
                    "type": q.qtype.name(),
                    "label_zh": q.label.zh,
                    "options": q.options.iter().map(|o| json!([o.id, o.exclusive])).collect::<Vec<_>>(),
                    "ask_when": defining_cond(&q.ask_when),
                    "min": q.min, "max": q.max, "past_event": q.past_event,
                })
            })
            .collect();
        let groups: Vec<_> = qn
            .groups
            .iter()
            .map(|g| {
                let mut v = json!({"id": g.id, "ask_when": defining_cond(&g.ask_when), "item_key": g.item_key});
                // `item_details` (issue 19) is part of the form only when a group has them.
                if !g.item_details.is_empty() {
                    v["item_details"] = json!(g.item_details);
                }
                v
            })
            .collect();
        json!({"questions": questions, "groups": groups}).to_string()
    }

    fn defining_cond(c: &Option<Condition>) -> serde_json::Value {
        c.as_ref()
            .map(|c| json!(c.describe()))
            .unwrap_or(serde_json::Value::Null)
    }

    fn defining_rule(r: &Rule) -> String {
        json!({
            "id": r.id,
            "title": r.title,
            "section": r.section,
            "level": r.level,
            "severity": r.severity,
            "source": r.source,
            "references": r.references,
            "applies_when": defining_cond(&r.applies_when),
            "check": r.check.describe(),
            "evidence": r.evidence,
            "remediation": r.remediation,
        })
        .to_string()
    }

    /// The streamed forms hash exactly the defining JSON for every question, group and rule of
    /// the shipped pack and of the demo pack (which between them have every optional part), so
    /// digests recorded in earlier results stay valid.
    #[test]
    fn streamed_forms_equal_the_defining_json() {
        let demo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("tests/data/demo");
        let hlj = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("rules/hlj-2017-mobile-internet");
        let mut hlj_files = crate::load::PackFiles::from_dir(&hlj).unwrap();
        // The pack uses the question library beside the packs' folder.
        hlj_files.find_library(&hlj, &[]).unwrap();
        let packs = [hlj_files, crate::load::PackFiles::from_dir(&demo).unwrap()]
            .map(|files| crate::load::load_pack(&files).unwrap().pack);
        for pack in &packs {
            let qn = &pack.questionnaire;
            assert_eq!(
                questionnaire(qn),
                bytes(defining_questionnaire(qn).as_bytes())
            );
            assert_eq!(qn.digest, questionnaire(qn));
            for r in &pack.rules {
                assert_eq!(rule(r, qn), bytes(defining_rule(r).as_bytes()), "{}", r.id);
                assert_eq!(r.digest, rule(r, qn));
            }
        }
        let questions = || packs.iter().flat_map(|p| &p.questionnaire.questions);
        let rules = || packs.iter().flat_map(|p| &p.rules);
        assert!(questions().any(|q| q.min.is_some()) && questions().any(|q| q.max.is_none()));
        assert!(questions().any(|q| q.options.iter().any(|o| o.exclusive)));
        assert!(questions().any(|q| q.ask_when.is_some()));
        assert!(
            packs
                .iter()
                .any(|p| p.questionnaire.groups.iter().any(|g| g.item_key.is_some()))
        );
        assert!(rules().any(|r| r.applies_when.is_none()));
        assert!(rules().any(|r| r.references.iter().any(|l| l.note.is_some())));
        assert!(rules().any(|r| r.references.iter().any(|l| l.note.is_none())));
    }
}
