//! JSON Schemas for editors and other tools (`hegui schema …`).
//!
//! - `facts`: generated per pack from its questionnaire, so an editor with a YAML language server
//!   completes question ids and options and checks types as a person types.
//! - `result`: derived from the result types themselves (schemars), so it cannot drift from the
//!   JSON the engine writes.
//! - `batch`: a batch's `summary.json` (`hegui.batch/1` of one pack, `/2` of several).
//! - `pack`, `questions`, `rules`, `tests`: the files of a rule pack. Conditions are recursive
//!   structured YAML, written out by hand here; the loader remains the authority (it also
//!   checks questions, options and types against the questionnaire).
//!
//! All schemas are JSON Schema draft-07, the dialect YAML language servers understand best.

use crate::facts::DONT_KNOW_WORDS;
use crate::model::{DatePrecision, Entry, Op, Pack, QType, Question};
use serde_json::{Map, Value, json};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";
const DATE_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}$";
/// A full date or a month (`2025-09`): a date question with `precision: month`.
const MONTH_PATTERN: &str = r"^\d{4}-\d{2}(-\d{2})?$";
/// A full date, a month or a year (`2025`): a date question with `precision: year`.
const YEAR_PATTERN: &str = r"^\d{4}(-\d{2}(-\d{2})?)?$";

/// The kinds of schema `hegui schema` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A facts file (answers) for the selected pack.
    Facts,
    /// The JSON result of `hegui assess --format json`.
    Result,
    /// A pack's `pack.yaml`.
    Pack,
    /// A pack's `questions/*.yaml`.
    Questions,
    /// A pack's `rules/*.yaml`.
    Rules,
    /// A pack's `tests/*.yaml`.
    Tests,
    /// A pack's citation ledger, `ledger.yaml`.
    Ledger,
    /// A pack's `coverage.yaml` (clauses without rules, known gaps).
    Coverage,
    /// The `summary.json` of `hegui batch` (`hegui.batch/1` of one pack, `/2` of several).
    Batch,
}

/// The schema of `kind` (`pack` is needed for `facts`).
pub fn schema(kind: Kind, pack: &Pack) -> Value {
    match kind {
        Kind::Facts => facts(pack),
        Kind::Result => result(),
        Kind::Pack => pack_file(),
        Kind::Questions => questions_file(),
        Kind::Rules => rules_file(),
        Kind::Tests => tests_file(pack),
        Kind::Ledger => ledger_file(),
        Kind::Coverage => coverage_file(),
        Kind::Batch => batch_summary(),
    }
}

/// The schema of a batch's `summary.json`: `hegui.batch/1` (one pack: each row's `score` and
/// `coverage`, the score histogram) or `hegui.batch/2` (several packs: `packs` and
/// `pack_stats`, each row's per-pack verdict, score and coverage, no score over the packs
/// together). Keys this schema does not name are allowed (readers ignore them); the batch's
/// code is the authority on their content.
pub fn batch_summary() -> Value {
    let n = json!({"type": "integer", "minimum": 0});
    let pct = json!({"type": ["integer", "null"], "minimum": 0, "maximum": 100});
    let verdict =
        json!({"enum": ["compliant", "not_compliant", "undecided", "waived", "no_obligations"]});
    let verdicts = json!({
        "type": "object",
        "required": ["not_compliant", "undecided", "waived", "compliant", "no_obligations"],
        "additionalProperties": n.clone()
    });
    let pack_ref = json!({
        "type": "object",
        "required": ["id", "version"],
        "properties": {"id": {"type": "string"}, "version": {"type": "string"}}
    });
    let row = |several: bool| {
        let mut required = vec![
            "path",
            "status",
            "name",
            "credit_code",
            "assessment_date",
            "verdict",
            "fail",
            "unanswered",
            "pass",
            "not_applicable",
            "counted",
            "errors",
        ];
        let mut props = json!({
            "path": {"type": "string"},
            "status": {"enum": ["assessed", "rejected"]},
            "name": {"type": ["string", "null"]},
            "credit_code": {"type": ["string", "null"]},
            "assessment_date": {"type": ["string", "null"]},
            "verdict": {"anyOf": [verdict.clone(), {"type": "null"}]},
            "fail": n.clone(), "unanswered": n.clone(), "pass": n.clone(),
            "not_applicable": n.clone(), "counted": {"type": "boolean"},
            "errors": {"type": "array", "items": {"type": "string"}}
        });
        if several {
            required.push("packs");
            if let Some(o) = props.as_object_mut() {
                o.insert(
                    "packs".into(),
                    json!({
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "version", "verdict", "score", "coverage"],
                            "properties": {
                                "id": {"type": "string"}, "version": {"type": "string"},
                                "verdict": {"anyOf": [verdict.clone(), {"type": "null"}]},
                                "score": pct.clone(), "coverage": pct.clone()
                            }
                        }
                    }),
                );
            }
            json!({
                "type": "object", "required": required, "properties": props,
                "not": {"anyOf": [{"required": ["score"]}, {"required": ["coverage"]}]}
            })
        } else {
            required.extend(["score", "coverage"]);
            if let Some(o) = props.as_object_mut() {
                o.insert("score".into(), pct.clone());
                o.insert("coverage".into(), pct.clone());
            }
            json!({"type": "object", "required": required, "properties": props})
        }
    };
    json!({
        "$schema": DRAFT,
        "title": "hegui batch summary.json",
        "description": "hegui batch 的汇总 / the summary of `hegui batch` (docs/RESULT.md, Compatibility)",
        "type": "object",
        "required": [
            "format", "pack", "waivers_ignored", "as_of", "found", "assessed", "rejected",
            "counted", "superseded", "verdicts", "score_definition", "duplicate_rule",
            "mean_score", "rules", "sections", "lowest", "duplicates", "rejected_files",
            "submissions"
        ],
        "properties": {
            "format": {"enum": ["hegui.batch/1", "hegui.batch/2"]},
            "pack": {
                "type": "object",
                "required": ["id", "version", "title", "digest", "questionnaire_digest"],
                "properties": {"id": {"type": "string"}, "version": {"type": "string"}}
            },
            "waivers_ignored": {"type": "boolean"},
            "as_of": {"type": "string", "pattern": DATE_PATTERN},
            "found": n.clone(), "assessed": n.clone(), "rejected": n.clone(),
            "counted": n.clone(), "superseded": n.clone(),
            "verdicts": verdicts.clone(),
            "mean_score": {"type": ["number", "null"]},
            "rules": {"type": "array"}, "sections": {"type": "array"},
            "lowest": {"type": "array"}, "duplicates": {"type": "array"},
            "rejected_files": {"type": "array"}
        },
        "if": {"properties": {"format": {"const": "hegui.batch/2"}}},
        "then": {
            "description": "several packs: per-pack numbers, never one score over the packs",
            "required": ["packs", "pack_stats"],
            "not": {"anyOf": [{"required": ["score_histogram"]}, {"required": ["unscored"]}]},
            "properties": {
                "packs": {"type": "array", "minItems": 2, "items": pack_ref},
                "pack_stats": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "version", "verdicts", "mean_score", "mean_coverage"],
                        "properties": {
                            "id": {"type": "string"}, "version": {"type": "string"},
                            "verdicts": verdicts,
                            "mean_score": {"type": ["number", "null"]},
                            "mean_coverage": {"type": ["number", "null"]}
                        }
                    }
                },
                "mean_score": {"type": "null"},
                "submissions": {"type": "array", "items": row(true)},
                "lowest": {"type": "array", "items": row(true)}
            }
        },
        "else": {
            "description": "one pack",
            "required": ["score_histogram", "unscored"],
            "not": {"anyOf": [{"required": ["packs"]}, {"required": ["pack_stats"]}]},
            "properties": {
                "score_histogram": {"type": "array", "items": n.clone()},
                "unscored": n,
                "submissions": {"type": "array", "items": row(false)},
                "lowest": {"type": "array", "items": row(false)}
            }
        }
    })
}

/// The document kinds of sources and instruments.
fn doc_kind() -> Value {
    json!({"enum": crate::model::DocKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>()})
}

/// Schema of `ledger.yaml`.
pub fn ledger_file() -> Value {
    let date = json!({"type": "string", "pattern": DATE_PATTERN});
    json!({
        "$schema": DRAFT,
        "title": "hegui citation ledger (ledger.yaml)",
        "type": "object",
        "additionalProperties": false,
        "definitions": {"text": text()},
        "properties": {
            "instruments": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "kind", "title", "issuer", "versions"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string"},
                    "kind": doc_kind(),
                    "standard": {"enum": ["mandatory", "recommended"]},
                    "numbering": {"enum": ["articles", "items", "clauses"]},
                    "title": {"$ref": "#/definitions/text"},
                    "issuer": {"$ref": "#/definitions/text"},
                    "versions": {"type": "array", "minItems": 1, "items": {
                        "type": "object",
                        "required": ["id", "adopted", "in_force"],
                        "additionalProperties": false,
                        "properties": {"id": {"type": "string"}, "adopted": date, "in_force": date}
                    }}
                }
            }},
            "citations": {"type": "array", "items": {
                "type": "object",
                "required": ["instrument", "version", "article", "rating", "wording", "copies"],
                "additionalProperties": false,
                "properties": {
                    "instrument": {"type": "string"},
                    "version": num_or_text(),
                    "article": num_or_text(),
                    "rating": {"enum": ["V", "V2", "P", "U"]},
                    "wording": {"type": "string"},
                    "copies": {"type": "array", "items": {"type": "string"}}
                }
            }}
        }
    })
}

/// Schema of `coverage.yaml`.
pub fn coverage_file() -> Value {
    let addressee = json!({"enum": ["government", "enterprise", "both"]});
    json!({
        "$schema": DRAFT,
        "title": "hegui coverage notes and known gaps (coverage.yaml)",
        "type": "object",
        "additionalProperties": false,
        "definitions": {"text": text()},
        "properties": {
            "clauses": {"type": "array", "items": {
                "type": "object",
                "required": ["document", "clause", "addressee", "reason"],
                "additionalProperties": false,
                "properties": {
                    "document": {"type": "string"}, "clause": num_or_text(), "addressee": addressee,
                    "reason": {"$ref": "#/definitions/text"}
                }
            }},
            "known_gaps": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "document", "clause", "addressee", "obligation", "why_not_encoded", "would_need"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
                    "document": {"type": "string"}, "clause": num_or_text(), "addressee": addressee,
                    "obligation": {"$ref": "#/definitions/text"},
                    "why_not_encoded": {"$ref": "#/definitions/text"},
                    "would_need": {"$ref": "#/definitions/text"},
                    "scopes": {"type": "array", "items": {"type": "string"}}
                }
            }}
        }
    })
}

fn text() -> Value {
    json!({
        "type": "object",
        "description": "中文 (authoritative) and English",
        "required": ["zh", "en"],
        "additionalProperties": false,
        "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}
    })
}

fn with_doc(mut v: Value, q: &Question) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.insert("title".into(), json!(q.id));
        let mut d = format!("{}\n{}", q.label.zh, q.label.en);
        if let Some(h) = &q.help {
            d.push_str(&format!("\n\n{}\n{}", h.zh, h.en));
        }
        m.insert("description".into(), json!(d));
    }
    v
}

/// The schema of one answer value of `q` (without 不清楚 and the long form).
fn value(q: &Question) -> Value {
    let ids: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
    match q.qtype {
        QType::YesNo => json!({"oneOf": [{"type": "boolean"}, {"enum": ["是", "否"]}]}),
        QType::SingleChoice => json!({"type": "string", "enum": ids}),
        QType::MultipleChoice => {
            json!({"type": "array", "uniqueItems": true, "items": {"type": "string", "enum": ids}})
        }
        QType::Integer | QType::Decimal => {
            let mut m = Map::new();
            m.insert(
                "type".into(),
                json!(if q.qtype == QType::Integer {
                    "integer"
                } else {
                    "number"
                }),
            );
            if let Some(x) = q.min {
                m.insert("minimum".into(), json!(x));
            }
            if let Some(x) = q.max {
                m.insert("maximum".into(), json!(x));
            }
            Value::Object(m)
        }
        QType::Date => match q.precision {
            DatePrecision::Day => {
                json!({"type": "string", "pattern": DATE_PATTERN, "format": "date"})
            }
            // A month (or a year) where the question's precision allows it; no `format: date`.
            DatePrecision::Month => json!({"type": "string", "pattern": MONTH_PATTERN}),
            DatePrecision::Year => json!({
                "anyOf": [
                    {"type": "string", "pattern": YEAR_PATTERN},
                    {"type": "integer", "minimum": 1000, "maximum": 9999}
                ]
            }),
        },
        QType::Text => json!({"type": "string"}),
    }
}

fn answer(q: &Question) -> Value {
    let v = value(q);
    let long = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "value": {"oneOf": [v.clone(), {"type": "null"}]},
            "dont_know": {"type": "boolean"},
            "remark": {"type": ["string", "null"]},
            "evidence": {"type": "array", "items": evidence()}
        }
    });
    with_doc(
        json!({"oneOf": [{"type": "null"}, {"enum": DONT_KNOW_WORDS}, v, long]}),
        q,
    )
}

fn evidence() -> Value {
    json!({
        "type": "object",
        "required": ["title"],
        "additionalProperties": false,
        "properties": {
            "title": {"type": "string"},
            "reference": {"type": ["string", "null"]},
            "date": {"type": ["string", "null"], "pattern": DATE_PATTERN}
        }
    })
}

fn person() -> Value {
    json!({
        "type": ["object", "null"],
        "required": ["name"],
        "additionalProperties": false,
        "properties": {"name": {"type": "string"}, "title": {"type": ["string", "null"]}}
    })
}

/// The facts-file schema of `pack`: every question with its type and options.
pub fn facts(pack: &Pack) -> Value {
    let qn = &pack.questionnaire;
    let mut answers = Map::new();
    for entry in &qn.order {
        match entry {
            Entry::Question(i) => {
                if let Some(q) = qn.questions.get(*i) {
                    answers.insert(q.id.clone(), answer(q));
                }
            }
            Entry::Group(g) => {
                let Some(group) = qn.groups.get(*g) else {
                    continue;
                };
                let mut members = Map::new();
                for m in &group.members {
                    if let Some(q) = qn.questions.get(*m) {
                        members.insert(q.local_id.clone(), answer(q));
                    }
                }
                answers.insert(
                    group.id.clone(),
                    json!({
                        "title": group.id,
                        "description": format!("{}\n{}\n(可重复条目 repeatable: one entry per item; [] if none)", group.label.zh, group.label.en),
                        "type": ["array", "null"],
                        "items": {"type": ["object", "null"], "additionalProperties": false, "properties": members}
                    }),
                );
            }
        }
    }
    let rule_ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    let code = json!({"type": ["string", "integer", "null"]});
    // A set's view stands for several packs (facts/2 lists them in `packs`).
    let ids: Vec<&str> = if pack.members.is_empty() {
        vec![pack.meta.id.as_str()]
    } else {
        pack.members.iter().map(|m| m.id.as_str()).collect()
    };
    let (title, description) = if pack.members.is_empty() {
        (
            format!("hegui facts — {} {}", pack.meta.id, pack.meta.version),
            format!("{} / {}", pack.meta.title.zh, pack.meta.title.en),
        )
    } else {
        (
            format!(
                "hegui facts — {}",
                pack.members
                    .iter()
                    .map(|m| format!("{} {}", m.id, m.version))
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            pack.members
                .iter()
                .map(|m| format!("{} / {}", m.title.zh, m.title.en))
                .collect::<Vec<_>>()
                .join(" + "),
        )
    };
    let digest = json!({"type": "string", "pattern": "^sha256:[0-9a-f]+$"});
    json!({
        "$schema": DRAFT,
        "title": title,
        "description": description,
        "type": "object",
        "required": ["organisation", "assessment_date"],
        // `pack` (facts/1 and /2) or `packs` (facts/2), not both; `packs` and `library` need
        // `format` (docs/FACTS-FORMAT.md).
        "oneOf": [{"required": ["pack"]}, {"required": ["packs"]}],
        "dependencies": {"packs": ["format"], "library": ["format"]},
        "additionalProperties": false,
        "properties": {
            "format": {"const": crate::answers::FACTS_FORMAT},
            "pack": {
                "type": "object",
                "required": ["id", "version"],
                "additionalProperties": false,
                "properties": {
                    "id": {"enum": ids},
                    "version": {"type": "string"},
                    "questionnaire_digest": digest.clone()
                }
            },
            "packs": {
                "type": "array",
                "minItems": 1,
                "description": "答卷针对的规则包 the packs answered (facts/2); a pack listed but not assessed has its answers ignored with a note",
                "items": {
                    "type": "object",
                    "required": ["id", "version"],
                    "additionalProperties": false,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                        "version": {"type": "string"},
                        "questionnaire_digest": digest
                    }
                }
            },
            "library": {
                "type": "object",
                "description": "问题库 the question library answered (facts/2)",
                "required": ["id", "version"],
                "additionalProperties": false,
                "properties": {"id": {"type": "string"}, "version": {"type": "string"}}
            },
            "organisation": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": false,
                "properties": {
                    "name": {"type": "string", "description": "单位名称 registered name"},
                    "credit_code": code.clone(),
                    "region_code": code.clone(),
                    "industry": {"type": ["string", "null"]},
                    "contact": {
                        "type": ["object", "null"],
                        "additionalProperties": false,
                        "properties": {"name": {"type": ["string", "null"]}, "phone": code, "email": {"type": ["string", "null"]}}
                    }
                }
            },
            "prepared_by": person(),
            "responsible_person": person(),
            "assessment_date": {"type": "string", "pattern": DATE_PATTERN, "format": "date"},
            "answers": {"type": ["object", "null"], "additionalProperties": false, "properties": answers},
            "waivers": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "required": ["rule", "justification", "approved_by", "expires"],
                    "additionalProperties": false,
                    "properties": {
                        "rule": {"enum": rule_ids},
                        "justification": {"type": "string", "minLength": 1},
                        "approved_by": {"type": "string", "minLength": 1},
                        "expires": {"type": "string", "pattern": DATE_PATTERN, "format": "date"},
                        "pack": {"enum": ids}
                    }
                }
            },
            "submission": {
                "type": ["object", "null"],
                "description": "报送码 campaign submission key, written by `hegui campaign invite` (docs/CAMPAIGN.md)",
                "additionalProperties": false,
                "properties": {"key": {"type": "string"}}
            }
        }
    })
}

/// The schema of the JSON result, derived from the result types.
pub fn result() -> Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<crate::eval::assess::Assessment>();
    serde_json::to_value(&schema).unwrap_or(Value::Null)
}

const QUESTION_ID: &str = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$";
const MEMBER_REF: &str = r"[a-z][a-z0-9_]*\[\*\]\.[a-z][a-z0-9_]*";

fn condition_defs() -> Value {
    let ops: Vec<&str> = Op::NAMES.iter().map(|(n, _)| *n).collect();
    let reference = format!(
        r"^(?!(all|any|not|every|some)$)([a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*|{MEMBER_REF})$"
    );
    let literal = json!({"oneOf": [
        {"type": ["string", "number", "boolean"]},
        {"type": "array", "items": {"type": ["string", "number", "boolean"]}}
    ]});
    let mut op_props = Map::new();
    for op in &ops {
        op_props.insert(
            (*op).to_string(),
            json!({"oneOf": [literal.clone(), {"$ref": "#/definitions/question_operand"}]}),
        );
    }
    json!({
        "condition": {
            "description": "all / any / not / every / some, or one comparison `question: value` / `question: {op: value}`",
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}},
                "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}},
                "not": {"$ref": "#/definitions/condition"},
                "every": {"$ref": "#/definitions/quantifier"},
                "some": {"$ref": "#/definitions/quantifier"}
            },
            "patternProperties": {reference: {"oneOf": [literal, {"$ref": "#/definitions/operator"}]}},
            "additionalProperties": false
        },
        "quantifier": {
            "type": "object",
            "required": ["group", "check"],
            "additionalProperties": false,
            "properties": {
                "group": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "where": {"$ref": "#/definitions/condition"},
                "check": {"$ref": "#/definitions/condition"}
            }
        },
        "operator": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": false, "properties": op_props},
        "question_operand": {
            "type": "object",
            "required": ["question"],
            "additionalProperties": false,
            "properties": {"question": {"type": "string"}}
        },
        "text": text()
    })
}

fn num_or_text() -> Value {
    json!({"type": ["string", "integer"]})
}

/// Schema of `rules/*.yaml`.
pub fn rules_file() -> Value {
    json!({
        "$schema": DRAFT,
        "title": "hegui rule file (rules/*.yaml)",
        "type": "object",
        "required": ["rules"],
        "additionalProperties": false,
        "definitions": condition_defs(),
        "properties": {"rules": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "title", "section", "level", "severity", "source", "check", "evidence", "remediation"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
                "title": {"$ref": "#/definitions/text"},
                "section": {"type": "string"},
                "level": {"enum": ["required", "recommended"]},
                "severity": {"enum": ["critical", "high", "medium", "low"]},
                "source": {
                    "type": "object",
                    "required": ["document", "clause", "quote"],
                    "additionalProperties": false,
                    "properties": {"document": {"type": "string"}, "clause": num_or_text(), "quote": {"type": "string", "minLength": 1}}
                },
                "references": {"type": "array", "items": {
                    "type": "object",
                    "required": ["instrument", "articles"],
                    "additionalProperties": false,
                    "properties": {
                        "instrument": {"type": "string"},
                        "articles": {"type": "object", "minProperties": 1, "additionalProperties": num_or_text()},
                        "note": {"$ref": "#/definitions/text"}
                    }
                }},
                "applies_when": {"$ref": "#/definitions/condition"},
                "check": {"$ref": "#/definitions/condition"},
                "evidence": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/text"}},
                "remediation": {"$ref": "#/definitions/text"}
            }
        }}}
    })
}

fn question_item(member: bool) -> Value {
    let id = if member {
        "^[a-z][a-z0-9_]*$"
    } else {
        QUESTION_ID
    };
    let required: Vec<&str> = if member {
        vec!["id", "type", "label"]
    } else {
        vec!["id", "section", "type", "label"]
    };
    json!({
        "type": "object",
        "required": required,
        "additionalProperties": false,
        "properties": {
            "id": {"type": "string", "pattern": id},
            "section": {"type": "string"},
            "type": {"enum": ["yes_no", "single_choice", "multiple_choice", "integer", "decimal", "date", "text"]},
            "label": {"$ref": "#/definitions/text"},
            "help": {"$ref": "#/definitions/text"},
            "options": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "label"],
                "additionalProperties": false,
                "properties": {"id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "label": {"$ref": "#/definitions/text"}, "exclusive": {"type": "boolean"}, "informational": {"$ref": "#/definitions/text"}}
            }},
            "ask_when": {"$ref": "#/definitions/condition"},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "past_event": {"type": "boolean"},
            "precision": {"enum": ["day", "month", "year"]},
            "informational": {"$ref": "#/definitions/text"}
        }
    })
}

/// Schema of `questions/*.yaml`.
pub fn questions_file() -> Value {
    json!({
        "$schema": DRAFT,
        "title": "hegui questionnaire file (questions/*.yaml)",
        "type": "object",
        "additionalProperties": false,
        "definitions": condition_defs(),
        "properties": {
            "questions": {"type": "array", "items": question_item(false)},
            // A group of the file's own, or (`extends`) a pack's questions added to a group of
            // the question library the pack uses.
            "groups": {"type": "array", "items": {"oneOf": [
                {
                    "type": "object",
                    "required": ["id", "section", "label", "questions"],
                    "additionalProperties": false,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                        "section": {"type": "string"},
                        "label": {"$ref": "#/definitions/text"},
                        "help": {"$ref": "#/definitions/text"},
                        "item_key": {"type": "string"},
                        "item_details": {"type": "array", "items": {"type": "string"}},
                        "ask_when": {"$ref": "#/definitions/condition"},
                        "questions": {"type": "array", "minItems": 1, "items": question_item(true)}
                    }
                },
                {
                    "type": "object",
                    "required": ["extends", "questions"],
                    "additionalProperties": false,
                    "properties": {
                        "extends": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                        "questions": {"type": "array", "minItems": 1, "items": question_item(true)}
                    }
                }
            ]}}
        }
    })
}

/// Schema of `pack.yaml`.
pub fn pack_file() -> Value {
    let date = json!({"type": "string", "pattern": DATE_PATTERN});
    json!({
        "$schema": DRAFT,
        "title": "hegui pack metadata (pack.yaml)",
        "type": "object",
        "required": ["id", "version", "title", "jurisdiction", "effective_date", "sections"],
        "additionalProperties": false,
        "definitions": condition_defs(),
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
            "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+"},
            "title": {"$ref": "#/definitions/text"},
            "jurisdiction": {"$ref": "#/definitions/text"},
            "effective_date": date,
            // The question library the pack uses, its version and the ids taken from it.
            "library": {
                "type": "object", "required": ["id", "version", "questions"], "additionalProperties": false,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                    "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+"},
                    "questions": {"type": "array", "items": {"type": "string"}}
                }
            },
            "sources": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "kind", "title", "issuer", "date", "path", "clause_heading"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string"}, "kind": doc_kind(), "title": {"$ref": "#/definitions/text"}, "issuer": {"$ref": "#/definitions/text"},
                    "date": date, "path": {"type": "string"}, "clause_heading": {"type": "string"}, "clause_end": {"type": "string"},
                    "clause_part": {"type": "string"}, "clause_name": {"$ref": "#/definitions/text"},
                    "unverified": {"type": "array", "items": {"type": ["string", "integer"]}}
                }
            }},
            "limits": {"type": "array", "items": {"$ref": "#/definitions/text"}},
            "sections": {"type": "array", "items": {
                "type": "object", "required": ["id", "title"], "additionalProperties": false,
                "properties": {"id": {"type": "string"}, "title": {"$ref": "#/definitions/text"}}
            }},
            "scopes": {"type": "array", "items": {
                "type": "object", "required": ["id", "title", "when"], "additionalProperties": false,
                "properties": {"id": {"type": "string"}, "title": {"$ref": "#/definitions/text"}, "when": {"$ref": "#/definitions/condition"}}
            }}
        }
    })
}

/// Schema of `tests/*.yaml` (answers as in the pack's facts schema).
pub fn tests_file(pack: &Pack) -> Value {
    let facts = facts(pack);
    let answers = facts
        .pointer("/properties/answers")
        .cloned()
        .unwrap_or(json!({}));
    json!({
        "$schema": DRAFT,
        "title": "hegui rule self-tests (tests/*.yaml)",
        "type": "object",
        "required": ["cases"],
        "additionalProperties": false,
        "properties": {"cases": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "expect"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "assessment_date": {"type": "string", "pattern": DATE_PATTERN},
                "answers": answers,
                "expect": {"type": "object", "minProperties": 1, "additionalProperties": {"enum": ["pass", "fail", "not_applicable", "unanswered"]}}
            }
        }}}
    })
}
