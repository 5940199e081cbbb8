//! Every validation error the core issue lists, each asserting the file, line, column and id.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;
use common::*;
use hegui_core::diag::{Diagnostic, Level};
use hegui_core::load::{PackFiles, load_pack};
use std::path::Path;

fn demo_files() -> PackFiles {
    PackFiles::from_dir(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/demo"
    )))
    .unwrap()
}

/// Loads the demo pack with `from` replaced by `to` in `file`; returns the errors.
fn pack_errors(file: &str, from: &str, to: &str) -> Vec<Diagnostic> {
    let mut files = demo_files();
    let entry = files.files.iter_mut().find(|(p, _)| p == file).unwrap();
    assert!(entry.1.contains(from), "{from:?} not in {file}");
    entry.1 = entry.1.replacen(from, to, 1);
    load_pack(&files)
        .expect_err("the pack should be refused")
        .into_iter()
        .filter(|d| d.level == Level::Error)
        .collect()
}

fn one<'a>(d: &'a [Diagnostic], needle: &str) -> &'a Diagnostic {
    d.iter()
        .find(|d| d.message.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in:\n{}", messages(d)))
}

fn at(d: &Diagnostic, file_end: &str, line: u32, col: u32) {
    assert!(d.file.ends_with(file_end), "{d}");
    assert_eq!((d.loc.line, d.loc.col), (line, col), "{d}");
}

#[test]
fn pack_unknown_key_names_rule_and_place() {
    let d = pack_errors(
        "rules/security.yaml",
        "    severity: critical",
        "    severty: critical",
    );
    let e = one(&d, "unknown field `severty`");
    at(e, "rules/security.yaml", 6, 5);
    assert_eq!(e.subject, "rule `demo.logs`");
}

#[test]
fn pack_misspelt_option_gets_did_you_mean() {
    let d = pack_errors(
        "rules/accounts.yaml",
        "any_of: [mobile_number, id_document]",
        "any_of: [mobil_number, id_document]",
    );
    let e = one(&d, "`mobil_number` is not an option of `real_name.methods`");
    at(e, "rules/accounts.yaml", 19, 41);
    assert_eq!(e.subject, "rule `demo.real-name`");
    assert_eq!(e.help.as_deref(), Some("did you mean `mobile_number`?"));
}

#[test]
fn pack_unknown_question_gets_did_you_mean() {
    let d = pack_errors(
        "rules/security.yaml",
        "check: { security.log_months:",
        "check: { security.log_month:",
    );
    let e = one(&d, "unknown question `security.log_month`");
    at(e, "rules/security.yaml", 10, 14);
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `security.log_months`?")
    );
    let d = pack_errors(
        "rules/accounts.yaml",
        "check: { \"apps[*].filed\": true }",
        "check: { \"apps.filed\": true }",
    );
    one(&d, "unknown question `apps.filed`");
    assert!(
        messages(&d).contains("a group member is written `apps[*].filed`"),
        "{}",
        messages(&d)
    );
}

#[test]
fn pack_operator_must_fit_the_type() {
    let d = pack_errors(
        "rules/accounts.yaml",
        "- real_name.required: true",
        "- real_name.required: { ge: 1 }",
    );
    let e = one(
        &d,
        "operator `ge` does not fit yes_no question `real_name.required`",
    );
    at(e, "rules/accounts.yaml", 18, 33);
    assert!(
        e.help
            .as_deref()
            .unwrap()
            .contains("yes_no questions take: equals, not_equals, answered")
    );
    let d = pack_errors("rules/security.yaml", "{ ge: 6 }", "{ within_days: 6 }");
    one(&d, "operator `within_days` does not fit integer question");
    let d = pack_errors("rules/security.yaml", "{ ge: 6 }", "{ gte: 6 }");
    let e = one(&d, "unknown operator `gte`");
    assert_eq!(e.help.as_deref(), Some("did you mean `ge`?"));
    let d = pack_errors("rules/security.yaml", "{ ge: 6 }", "{ ge: \"6\" }");
    one(
        &d,
        "integer question `security.log_months` is compared with a whole number, found \"6\"",
    );
}

#[test]
fn pack_empty_all_and_bad_shapes() {
    let d = pack_errors(
        "rules/accounts.yaml",
        "    applies_when:\n      all:\n        - scope.heilongjiang: true\n        - scope.functions: { any_of: [publishing, comments, messaging] }\n",
        "    applies_when:\n      all: []\n",
    );
    let e = one(&d, "empty `all`");
    at(e, "rules/accounts.yaml", 13, 7);
    assert_eq!(e.subject, "rule `demo.real-name`");
    let d = pack_errors(
        "rules/security.yaml",
        "check: { security.log_months: { ge: 6 } }",
        "check: { security.log_months: { ge: 6 }, scope.heilongjiang: true }",
    );
    one(&d, "a condition has exactly one key, found 2");
}

#[test]
fn pack_duplicates() {
    let d = pack_errors(
        "rules/security.yaml",
        "id: demo.inspection",
        "id: demo.logs",
    );
    let e = one(&d, "duplicate rule id");
    at(e, "rules/security.yaml", 14, 5);
    let d = pack_errors(
        "questions/30-security.yaml",
        "id: security.budget_share",
        "id: security.log_months",
    );
    one(&d, "duplicate question id (first defined at line 2)");
    let d = pack_errors(
        "rules/security.yaml",
        "    level: required\n    severity: critical",
        "    level: required\n    level: required\n    severity: critical",
    );
    let e = one(&d, "duplicate");
    at(e, "rules/security.yaml", 6, 5);
}

#[test]
fn pack_yaml_syntax_error_has_a_place() {
    let d = pack_errors(
        "questions/10-scope.yaml",
        "    type: yes_no\n",
        "    type: [yes_no\n",
    );
    let e = one(&d, "invalid YAML");
    assert!(
        e.file.ends_with("questions/10-scope.yaml") && e.loc.line >= 4,
        "{e}"
    );
}

#[test]
fn pack_sources_quotes_and_references() {
    let d = pack_errors(
        "rules/accounts.yaml",
        "quote: 督促移动互联网企业落实实名制",
        "quote: 落实实名制",
    );
    one(&d, "quote is a fragment of clause 14");
    let d = pack_errors(
        "rules/accounts.yaml",
        "quote: 督促移动互联网企业落实实名制",
        "quote: 企业必须实名",
    );
    one(&d, "quote is not in clause 14 of `hlj-2017`");
    let d = pack_errors("rules/accounts.yaml", "clause: 14,", "clause: 41,");
    one(&d, "source `hlj-2017` has no clause `41`");
    let d = pack_errors("rules/accounts.yaml", "rating: V", "rating: P");
    one(&d, "only wording rated V or V2 may be cited");
    let d = pack_errors(
        "rules/accounts.yaml",
        "\"2025\": \"26\"",
        "\"20255\": \"26\"",
    );
    let e = one(&d, "`csl` has no version `20255`");
    assert_eq!(e.help.as_deref(), Some("did you mean `2025`?"));
    let d = pack_errors(
        "rules/security.yaml",
        "section: security\n    level: required\n    severity: critical",
        "section: securty\n    level: required\n    severity: critical",
    );
    let e = one(&d, "unknown section `securty`");
    assert_eq!(e.help.as_deref(), Some("did you mean `security`?"));
}

#[test]
fn pack_collects_every_problem_at_once() {
    let mut files = demo_files();
    for (p, t) in files.files.iter_mut() {
        if p == "rules/security.yaml" {
            *t = t
                .replacen("severity: critical", "severty: critical", 1)
                .replacen("within_days: 365", "within_days: -1", 1);
        }
        if p == "rules/accounts.yaml" {
            *t = t.replacen("mobile_number, id_document", "mobil_number, id_document", 1);
        }
    }
    let d = load_pack(&files).unwrap_err();
    assert!(d.len() >= 3, "{}", messages(&d));
    one(&d, "unknown field `severty`");
    one(&d, "`within_days` takes a whole number of days");
    one(&d, "`mobil_number` is not an option");
}

fn facts_errors(text: &str, name: &str) -> Vec<Diagnostic> {
    diags(text, name)
        .into_iter()
        .filter(|d| d.level == Level::Error)
        .collect()
}

#[test]
fn facts_unknown_question_and_option() {
    let d = facts_errors(
        &doc(
            "security.log_month: 6\nscope.channels: [ap]\n",
            "2026-03-10",
            "",
        ),
        "f.yaml",
    );
    let e = one(&d, "unknown question");
    at(e, "f.yaml", 5, 3);
    assert_eq!(e.subject, "question `security.log_month`");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `security.log_months`?")
    );
    let e = one(&d, "`ap` is not an option");
    at(e, "f.yaml", 6, 20);
    assert_eq!(e.subject, "question `scope.channels`");
    assert_eq!(e.help.as_deref(), Some("did you mean `app`?"));
}

#[test]
fn facts_wrong_types_and_ranges() {
    let d = facts_errors(
        &doc(
            "security.log_months: six\nsecurity.budget_share: x\nscope.user_band: [under_1m]\nsecurity.log_months2: 1\n",
            "2026-03-10",
            "",
        ),
        "f.yaml",
    );
    one(&d, "integer question expects a whole number, found \"six\"");
    one(&d, "decimal question expects a number");
    one(
        &d,
        "single-choice question expects one option id, found [\"under_1m\"]",
    );
    let d = facts_errors(
        &doc("security.log_months: 121\n", "2026-03-10", ""),
        "f.yaml",
    );
    one(&d, "121 is above the maximum 120");
}

#[test]
fn facts_duplicate_keys_yaml_and_json() {
    let d = facts_errors(
        &doc(
            "security.log_months: 6\nsecurity.log_months: 7\n",
            "2026-03-10",
            "",
        ),
        "f.yaml",
    );
    let e = one(&d, "duplicate");
    at(e, "f.yaml", 6, 3);
    let json = "{\n  \"pack\": {\"id\": \"demo\", \"version\": \"1.2.0\"},\n  \"organisation\": {\"name\": \"x\"},\n  \"assessment_date\": \"2026-03-10\",\n  \"answers\": {\n    \"security.log_months\": 6,\n    \"security.log_months\": 7\n  }\n}\n";
    let d = facts_errors(json, "f.json");
    let e = one(&d, "duplicate key `security.log_months`");
    assert_eq!(e.loc.line, 7, "{e}");
}

#[test]
fn facts_json_errors_have_line_and_column() {
    let json = "{\n  \"pack\": {\"id\": \"demo\", \"version\": \"1.2.0\"},\n  \"organisation\": {\"name\": \"x\"},\n  \"assessment_date\": \"2026-03-10\",\n  \"answers\": {\n    \"scope.heilongjiang\": \"yes\",\n    \"scope.chanels\": [\"app\"]\n  }\n}\n";
    let d = facts_errors(json, "f.json");
    let e = one(&d, "yes/no question expects true or false");
    at(e, "f.json", 6, 27);
    let e = one(&d, "unknown question");
    at(e, "f.json", 7, 5);
    assert_eq!(e.help.as_deref(), Some("did you mean `scope.channels`?"));
    let d = facts_errors("{\"pack\": }", "bad.json");
    let e = one(&d, "invalid JSON");
    at(e, "bad.json", 1, 10);
}

#[test]
fn facts_credit_code_is_checked() {
    let org = |code: &str| {
        format!(
            "pack: {{id: demo, version: 1.2.0}}\norganisation: {{name: x, credit_code: {code}}}\nassessment_date: 2026-03-10\n"
        )
    };
    assert!(facts_errors(&org("91230103MA1AB2CD3F"), "f.yaml").is_empty());
    let d = facts_errors(&org("91230103MA1AB2CD3P"), "f.yaml");
    let e = one(
        &d,
        "invalid unified social credit code `91230103MA1AB2CD3P`: check character is `P`, but the first 17 characters give `F`",
    );
    at(e, "f.yaml", 2, 38);
    one(&facts_errors(&org("9123010"), "f.yaml"), "has 7 characters");
    one(
        &facts_errors(&org("\"9123010\""), "f.yaml"),
        "has 7 characters",
    );
    one(
        &facts_errors(&org("91230103MA1AB2CDIF"), "f.yaml"),
        "character `I` at position 17 is not allowed",
    );
}

#[test]
fn facts_for_another_pack_or_version() {
    let d = facts_errors(
        "pack: {id: other, version: 1.2.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\n",
        "f.yaml",
    );
    one(
        &d,
        "answers are for pack `other`, but the pack used is `demo`",
    );
    let d = facts_errors(
        "pack: {id: demo, version: 1.1.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\n",
        "f.yaml",
    );
    one(
        &d,
        "answers are for version 1.1.0 of pack `demo`, this is version 1.2.0 and the file has no `questionnaire_digest`",
    );
    let digest = &demo().questionnaire.digest;
    let ok = format!(
        "pack: {{id: demo, version: 1.1.0, questionnaire_digest: \"{digest}\"}}\norganisation: {{name: x}}\nassessment_date: 2026-03-10\n"
    );
    assert!(facts_errors(&ok, "f.yaml").is_empty());
    let changed = "pack: {id: demo, version: 1.1.0, questionnaire_digest: \"sha256:00\"}\norganisation: {name: x}\nassessment_date: 2026-03-10\n";
    one(
        &facts_errors(changed, "f.yaml"),
        "version 1.2.0 asks a different questionnaire",
    );
}

#[test]
fn facts_structure_errors() {
    let d = facts_errors(
        "pack: {id: demo, version: 1.2.0}\norganisaton: {name: x}\nassessment_date: 2026-03-10\n",
        "f.yaml",
    );
    let e = one(&d, "unknown key `organisaton`");
    assert_eq!(e.help.as_deref(), Some("did you mean `organisation`?"));
    one(&d, "missing `organisation`");
    let d = facts_errors(
        &doc("\"apps[*].filed\": true\n", "2026-03-10", ""),
        "f.yaml",
    );
    let e = one(&d, "a group member is answered per item");
    assert!(e.help.as_deref().unwrap().contains("under `apps:`"));
    let d = facts_errors(
        &doc("apps:\n  - {name: A, fild: true}\n", "2026-03-10", ""),
        "f.yaml",
    );
    let e = one(&d, "unknown question in group `apps`");
    assert_eq!(e.subject, "question `apps[*].fild`");
    assert_eq!(e.help.as_deref(), Some("did you mean `filed`?"));
    let w =
        "waivers:\n  - {rule: demo.log, justification: j, approved_by: a, expires: 2026-12-31}\n";
    let d = facts_errors(&doc("", "2026-03-10", w), "f.yaml");
    let e = one(&d, "unknown rule");
    assert_eq!(e.subject, "waiver for rule `demo.log`");
    assert_eq!(e.help.as_deref(), Some("did you mean `demo.logs`?"));
}

#[test]
fn facts_collects_every_problem() {
    let d = facts_errors(
        &doc(
            "scope.heilongjiang: yes\nscope.channels: [ap]\nsecurity.log_months: x\nfoo: 1\n",
            "2026-03-10",
            "",
        ),
        "f.yaml",
    );
    assert_eq!(d.len(), 4, "{}", messages(&d));
}

#[test]
fn hostile_yaml_is_refused_quickly_with_a_place() {
    // Billion laughs: nine levels of nine aliases.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let d = facts_errors(&bomb, "bomb.yaml");
    assert!(
        d.iter()
            .any(|d| d.message.contains("invalid YAML") && d.loc.is_known()),
        "{}",
        messages(&d)
    );
    // Deep nesting.
    let deep = format!("answers: {}1{}\n", "[".repeat(200), "]".repeat(200));
    let d = facts_errors(&deep, "deep.yaml");
    assert!(
        d.iter().any(|d| d.message.contains("invalid YAML")),
        "{}",
        messages(&d)
    );
    let deep_json = format!("{{\"answers\": {}1{}}}", "[".repeat(200), "]".repeat(200));
    let d = facts_errors(&deep_json, "deep.json");
    let e = one(&d, "invalid JSON: nested deeper than 40 levels");
    at(e, "deep.json", 1, 52);
    // Deep but within the parsers' bound: refused by the input limit, with a place.
    let deep = format!("answers: {}1{}\n", "[".repeat(35), "]".repeat(35));
    let d = facts_errors(&deep, "deep.yaml");
    one(&d, "input limit: nested deeper than 32 levels");
}

#[test]
fn limits_on_strings_entries_and_size() {
    let long = "长".repeat(200_000); // 600,000 bytes: within the 1 MiB text limit
    facts(&format!("org.contact_note: \"{long}\"\n"));
    let longer = "x".repeat(1_100_000);
    let d = facts_errors(
        &doc(
            &format!("org.contact_note: \"{longer}\"\n"),
            "2026-03-10",
            "",
        ),
        "f.yaml",
    );
    let e = one(
        &d,
        "input limit: text of 1100000 bytes is longer than the limit",
    );
    at(e, "f.yaml", 5, 21);
    let items: String = (0..10_001)
        .map(|i| format!("  - {{name: a{i}}}\n"))
        .collect();
    let d = facts_errors(&doc(&format!("apps:\n{items}"), "2026-03-10", ""), "f.yaml");
    one(
        &d,
        "list of 10001 entries is longer than the limit of 10000",
    );
    let limits = hegui_core::syntax::node::Limits {
        max_file_bytes: 100,
        ..Default::default()
    };
    let d =
        hegui_core::facts::load_facts_with("f.yaml", &doc("", "2026-03-10", ""), demo(), &limits)
            .unwrap_err();
    one(&d, "file too large");
}

#[test]
fn a_flood_of_problems_is_capped() {
    let keys: String = (0..1000).map(|i| format!("q{i}: 1\n")).collect();
    let d = diags(&doc(&keys, "2026-03-10", ""), "f.yaml");
    assert_eq!(d.len(), hegui_core::diag::MAX_DIAGNOSTICS + 1);
    assert_eq!(d.last().unwrap().message, "800 more problem(s) not shown");
}
