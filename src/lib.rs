//! hegui (合规): a compliance self-assessment engine for China's mobile-internet rules.
//!
//! Data flows one way: **load** (YAML/JSON → [`node::Node`] → typed model, collecting every
//! problem) → **validate** (conditions type-checked against the questionnaire, lints) →
//! **evaluate** (pure three-valued logic, [`eval`], [`assess`]) → **render** ([`render`]).
//! The engine knows nothing of any one regulation: rule packs and templates are data.
//!
//! ```
//! use hegui::{load::{PackFiles, load_pack}, facts::load_facts, assess::{assess, AssessOptions, Outcome}};
//! let files = PackFiles { root: "demo".into(), files: vec![
//!     ("pack.yaml".into(), "id: demo\nversion: 1.0.0\ntitle: {zh: 演示, en: Demo}\njurisdiction: {zh: 省, en: Province}\neffective_date: 2017-11-08\nsections: [{id: s, title: {zh: 节, en: Section}}]\n".into()),
//!     ("questions/q.yaml".into(), "questions:\n  - {id: logs.months, section: s, type: integer, label: {zh: 日志留存月数, en: Months of logs}}\n".into()),
//!     ("rules/r.yaml".into(), "rules:\n  - id: logs\n    title: {zh: 日志, en: Logs}\n    section: s\n    level: required\n    severity: high\n    source: {document: none, clause: 1, quote: x}\n    check: {logs.months: {ge: 6}}\n    evidence: [{zh: 配置, en: Config}]\n    remediation: {zh: 留存六个月, en: Keep six months}\n".into()),
//! ]};
//! // The source document `none` does not exist: loading reports it, with file and rule.
//! let errors = load_pack(&files).unwrap_err();
//! assert!(errors.iter().any(|d| d.message.contains("unknown source document `none`") && d.subject == "rule `logs`"));
//! ```

pub mod assess;
pub mod atomic;
pub mod batch;
pub mod cli;
pub mod condition;
pub mod decode;
pub mod diag;
pub mod diff;
pub mod digest;
pub mod embedded;
pub mod eval;
pub mod facts;
pub mod fast_facts;
pub mod import;
pub mod input;
pub mod lint;
pub mod load;
pub mod migrate;
pub mod migration_map;
pub mod model;
pub mod node;
pub mod questionnaire;
pub mod render;
pub mod schema;
pub mod selftest;
pub mod show;
pub mod synth;
pub mod text;
pub mod write;
