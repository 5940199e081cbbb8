//! The `hegui` binary: exit codes, flags, stdin/stdout, byte-identical output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;
use assert_cmd::Command;
use common::copy_dir;
use predicates::prelude::*;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hegui() -> Command {
    let mut c = Command::cargo_bin("hegui").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

const DEMO: &str = "tests/data/demo";
const COMPANY: &str = "tests/data/facts/demo-company.yaml";

#[test]
fn assess_json_is_byte_identical_across_runs_and_formats() {
    let a = hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--format", "json"])
        .output()
        .unwrap();
    let b = hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--format", "json"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    for key in [
        "organisation",
        "assessment_date",
        "answers_digest",
        "waivers_ignored",
        "answered_for",
        "ignored_answers",
        "verdict",
        "packs",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let p = &v["packs"][0];
    for key in [
        "pack", "answered", "verdict", "score", "coverage", "scopes", "summary", "findings",
        "limits",
    ] {
        assert!(p.get(key).is_some(), "missing packs[0].{key}");
    }
    for key in ["id", "version", "digest", "questionnaire_digest"] {
        assert!(p["pack"].get(key).is_some(), "missing pack.{key}");
    }
    for key in [
        "rule_id",
        "rule_digest",
        "title",
        "outcome",
        "severity",
        "level",
        "source",
        "explanation",
        "reason",
        "missing",
        "dont_know",
        "items",
        "evidence",
        "remediation",
        "legal_basis",
        "basis_after_source",
        "waiver",
    ] {
        assert!(
            p["findings"][0].get(key).is_some(),
            "missing findings[].{key}"
        );
    }
    // The same answers as JSON give the same result, digest included.
    let yaml = std::fs::read_to_string(root().join(COMPANY)).unwrap();
    let facts: serde_json::Value = serde_saphyr_roundtrip(&yaml);
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("company.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&facts).unwrap()).unwrap();
    let c = hegui()
        .args([
            "assess",
            json_path.to_str().unwrap(),
            "--rules",
            DEMO,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    assert_eq!(a.stdout, c.stdout);
}

/// YAML → JSON through hegui's own facts writer (the canonical form).
fn serde_saphyr_roundtrip(yaml: &str) -> serde_json::Value {
    let pack = hegui_core::load::load_pack(
        &hegui_core::load::PackFiles::from_dir(&root().join(DEMO)).unwrap(),
    )
    .unwrap()
    .pack;
    let f = hegui_core::facts::load_facts("x.yaml", yaml, &pack)
        .unwrap()
        .facts;
    hegui_core::facts::write::facts_json(&pack, &f)
}

#[test]
fn fail_on_sets_exit_code_one() {
    // demo-company: demo.app-filing (medium) fails; demo.logs (critical) is waived.
    hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--fail-on", "medium"])
        .assert()
        .code(1);
    hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--fail-on", "high"])
        .assert()
        .code(0);
    hegui()
        .args(["assess", COMPANY, "--rules", DEMO])
        .assert()
        .code(0);
    // Without the waiver the critical failure counts.
    hegui()
        .args([
            "assess",
            COMPANY,
            "--rules",
            DEMO,
            "--fail-on",
            "critical",
            "--ignore-waivers",
        ])
        .assert()
        .code(1);
    hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--fail-on", "critical"])
        .assert()
        .code(0);
}

#[test]
fn invalid_input_exits_two_with_located_messages() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "pack: {id: demo, version: 1.2.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\nanswers:\n  scope.heilongjiang: yes\n").unwrap();
    hegui()
        .args(["assess", bad.to_str().unwrap(), "--rules", DEMO])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "bad.yaml:5:23: question `scope.heilongjiang`: yes/no question expects true or false",
        ));
    hegui()
        .args(["assess", "no-such-file.yaml", "--rules", DEMO])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-file.yaml"));
    hegui()
        .args(["assess", COMPANY, "--rules", "no-such-dir"])
        .assert()
        .code(2);
    hegui()
        .args(["assess", COMPANY, "--pack", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no embedded pack `nope`"));
    hegui().args(["assess"]).assert().code(2);
    hegui()
        .args(["assess", COMPANY, "--rules", DEMO, "--format", "pdf"])
        .assert()
        .code(2);
    hegui().args(["frobnicate"]).assert().code(2);
}

#[test]
fn stdin_and_output_file() {
    let yaml = std::fs::read_to_string(root().join(COMPANY)).unwrap();
    let from_stdin = hegui()
        .args(["assess", "-", "--rules", DEMO, "--format", "json"])
        .write_stdin(yaml)
        .output()
        .unwrap();
    assert!(from_stdin.status.success());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    hegui()
        .args([
            "assess",
            COMPANY,
            "--rules",
            DEMO,
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read(&out).unwrap(), from_stdin.stdout);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary files are left: {leftovers:?}"
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command as P, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("hegui");
    let mut child = P::new(bin)
        .current_dir(root())
        .args(["assess", COMPANY, "--rules", DEMO, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
}

#[test]
fn validate_reports_all_files() {
    hegui()
        .args(["validate", "--rules", DEMO, COMPANY])
        .assert()
        .success();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.json");
    std::fs::write(&a, "pack: {id: demo, version: 1.2.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\nanswers: {scope.chanels: [app]}\n").unwrap();
    std::fs::write(&b, "{\"pack\": {\"id\": \"demo\", \"version\": \"1.2.0\"}, \"organisation\": {\"name\": \"x\"}, \"assessment_date\": \"2026-13-01\"}").unwrap();
    hegui()
        .args([
            "validate",
            "--rules",
            DEMO,
            a.to_str().unwrap(),
            COMPANY,
            b.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a.yaml:4:11: question `scope.chanels`: unknown question",
        ))
        .stderr(predicate::str::contains("did you mean `scope.channels`?"))
        .stderr(predicate::str::contains("b.json:1:"))
        .stderr(predicate::str::contains(
            "`assessment_date` is a date YYYY-MM-DD",
        ))
        .stderr(predicate::str::contains("2 of 3 file(s) invalid"));
}

#[test]
fn blank_questionnaire_validates_and_filled_in_assesses() {
    let out = hegui()
        .args(["questionnaire", "--rules", DEMO, "--date", "2026-03-10"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let blank = String::from_utf8(out.stdout).unwrap();
    assert!(blank.contains("questionnaire_digest: sha256:"));
    assert!(blank.contains("# 注册时是否要求用户提供真实身份信息？"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.yaml");
    std::fs::write(&path, &blank).unwrap();
    hegui()
        .args(["validate", "--rules", DEMO, path.to_str().unwrap()])
        .assert()
        .success();
    let r = hegui()
        .args([
            "assess",
            path.to_str().unwrap(),
            "--rules",
            DEMO,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        v["packs"][0]["summary"]["all"]["unanswered"], v["packs"][0]["summary"]["all"]["total"],
        "blank: everything unanswered"
    );
    // Fill in a few answers by editing the text, as a person would.
    let filled = blank
        .replace("name: \"\"", "name: 某公司")
        .replace("scope.heilongjiang: null", "scope.heilongjiang: true")
        .replace("security.log_months: null", "security.log_months: 3")
        .replacen("    - name: null", "    - name: 主App", 1);
    std::fs::write(&path, &filled).unwrap();
    let r = hegui()
        .args([
            "assess",
            path.to_str().unwrap(),
            "--rules",
            DEMO,
            "--format",
            "json",
            "--fail-on",
            "critical",
        ])
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let logs = v["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.logs")
        .unwrap();
    assert_eq!(logs["outcome"], "fail");
}

#[test]
fn rules_list_show_and_self_test() {
    hegui()
        .args(["rules", "list", "--rules", DEMO])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo.logs"))
        .stdout(predicate::str::contains("5 rules"));
    hegui()
        .args(["rules", "show", "demo.real-name", "--rules", DEMO])
        .assert()
        .success()
        .stdout(predicate::str::contains("▶ "))
        .stdout(predicate::str::contains("督促移动互联网企业落实实名制"))
        .stdout(predicate::str::contains(
            "2016 版第24条 (V); 2025 版第26条 (V)",
        ))
        .stdout(predicate::str::contains("法律依据 / Legal basis"))
        .stdout(predicate::str::contains(
            "政策背景：《关于促进移动互联网健康有序发展的实施意见》第14项",
        ));
    hegui()
        .args(["rules", "show", "demo.real-nam", "--rules", DEMO])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `demo.real-name`?"));
    hegui()
        .args(["test", "--rules", DEMO])
        .assert()
        .success()
        .stdout(predicate::str::contains("19 passed, 0 failed"));
    hegui()
        .args(["coverage", "--rules", DEMO])
        .assert()
        .success()
        .stdout(predicate::str::contains("demo.logs, demo.inspection"));
}

#[test]
fn self_test_failures_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("demo");
    copy_dir(&root().join(DEMO), &pack);
    let cases = pack.join("tests/cases.yaml");
    let text = std::fs::read_to_string(&cases)
        .unwrap()
        .replace("      demo.logs: fail\n", "      demo.logs: pass\n");
    std::fs::write(&cases, text).unwrap();
    hegui()
        .args(["test", "--rules", pack.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "rule `demo.logs` expected pass, got fail",
        ))
        .stdout(predicate::str::contains(
            "MISSING rule `demo.logs` has no fail case",
        ));
    // A comparison that no case can notice is reported: `ge: 7` is never decisive below.
    let text = std::fs::read_to_string(&cases)
        .unwrap()
        .replace("      demo.logs: pass\n", "      demo.logs: fail\n");
    std::fs::write(&cases, text).unwrap();
    let rules = pack.join("rules/security.yaml");
    let text = std::fs::read_to_string(&rules).unwrap().replace(
        "check: { security.log_months: { ge: 6 } }",
        "check: { all: [ { any: [ { security.log_months: { ge: 6 } }, { security.log_months: { ge: 7 } } ] }, { security.last_inspection: { within_days: 365 } } ] }",
    );
    std::fs::write(&rules, text).unwrap();
    hegui()
        .args(["test", "--rules", pack.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("UNEXERCISED"))
        .stdout(predicate::str::contains(
            "rule `demo.logs`: no case notices `security.log_months ge 7`",
        ))
        .stdout(predicate::str::contains("security.log_months ge 6`").not());
}

#[test]
fn help_documents_exit_codes_and_examples() {
    hegui()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"))
        .stdout(predicate::str::contains(
            "3  some inputs of a batch were rejected",
        ));
    for sub in [
        "assess",
        "validate",
        "rules",
        "questionnaire",
        "test",
        "coverage",
    ] {
        hegui()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}
