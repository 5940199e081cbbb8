//! hegui-core: the engine of hegui (合规), a compliance self-assessment tool for China's
//! mobile-internet rules. It loads a **rule pack** (YAML questions and rules, checked as a
//! whole), loads one enterprise's **facts** (its self-reported answers, YAML or JSON), evaluates
//! every rule in pure three-valued logic and produces the **result model** and its JSON. It
//! knows no regulation (packs are data) and depends on no command-line, template, office or
//! database crate: reports, questionnaires, batches and the `hegui` binary sit on top of it.
//!
//! Data flows one way: [`syntax`] (text → located tree) → [`load`] (tree → [`model::Pack`],
//! validated) and [`facts`] (tree → [`facts::Facts`], typed by the pack's questionnaire) →
//! [`eval`] (pure evaluation, [`eval::assess::assess`]) → [`result`] (the JSON contract).
//!
//! ```
//! use hegui_core::{AssessOptions, Outcome, PackFiles, assess, load_facts, load_pack};
//!
//! let files = PackFiles { root: "demo".into(), files: vec![
//!     ("pack.yaml".into(), "id: demo\nversion: 1.0.0\ntitle: {zh: 演示, en: Demo}\njurisdiction: {zh: 省, en: Province}\neffective_date: 2017-11-08\nsections: [{id: s, title: {zh: 节, en: Section}}]\nsources: [{id: doc, kind: law, title: {zh: 文件, en: Document}, issuer: {zh: 某机关, en: An authority}, date: 2017-11-08, path: sources/doc.txt, clause_heading: '^(\\d+)\\.'}]\n".into()),
//!     ("sources/doc.txt".into(), "1. 网络日志留存不少于六个月。\n".into()),
//!     ("questions/q.yaml".into(), "questions:\n  - {id: logs.months, section: s, type: integer, label: {zh: 日志留存月数, en: Months of logs}}\n".into()),
//!     ("rules/r.yaml".into(), "rules:\n  - id: logs\n    title: {zh: 日志, en: Logs}\n    section: s\n    level: recommended\n    severity: high\n    source: {document: doc, clause: '1', quote: 网络日志留存不少于六个月}\n    check: {logs.months: {ge: 6}}\n    evidence: [{zh: 配置, en: Config}]\n    remediation: {zh: 留存六个月, en: Keep six months}\n".into()),
//! ]};
//! let pack = load_pack(&files).map_err(|e| format!("{e:?}"))?.pack;
//! let facts = "pack: {id: demo, version: 1.0.0}\norganisation: {name: 某公司}\nassessment_date: 2026-01-05\nanswers: {logs.months: 3}\n";
//! let facts = load_facts("facts.yaml", facts, &pack).map_err(|e| format!("{e:?}"))?.facts;
//! let result = assess(&pack, &facts, AssessOptions::default());
//! assert_eq!(result.packs[0].findings[0].outcome, Outcome::Fail);
//! assert!(hegui_core::result::json(&result).contains("\"outcome\": \"fail\""));
//! # Ok::<(), String>(())
//! ```
#![warn(missing_docs)]

pub mod answers;
pub mod diag;
pub mod eval;
pub mod facts;
pub mod io;
pub mod load;
pub mod model;
pub mod result;
pub mod schema;
pub mod selftest;
pub mod syntax;
pub mod text;

pub use diag::Diagnostic;
pub use eval::assess::{AssessOptions, Assessment, Finding, Outcome, assess};
pub use facts::{Facts, LoadedFacts, load_facts};
pub use load::{Loaded, PackFiles, load_pack};
pub use model::Pack;
pub use syntax::node::Limits;
pub use text::{Lang, Text};
