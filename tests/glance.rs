#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Issue 17: reports and results that cannot mislead at a glance. The JSON result carries the
//! verdict, score and coverage (computed by the one core function); every report shows the
//! verdict first, never a score larger than the coverage, and no zero counts.

use assert_cmd::Command;
use serde_json::{Value, json};

fn hegui() -> Command {
    Command::cargo_bin("hegui").unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("fixtures/companies/{name}.yaml")).unwrap()
}

/// `hegui assess` of the facts `text` (written to a file) in `format`.
fn assess(text: &str, format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("facts.yaml");
    std::fs::write(&p, text).unwrap();
    let out = hegui()
        .arg("assess")
        .arg(&p)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn result(text: &str) -> Value {
    serde_json::from_str(&assess(text, "json")).unwrap()
}

/// platform-compliant with one answer turned into 不清楚: undecided, nothing fails.
fn one_dont_know() -> String {
    let text = fixture("platform-compliant");
    let t = text.replace(
        "security.incident_plan: true",
        "security.incident_plan: 不清楚",
    );
    assert_ne!(t, text);
    t
}

/// platform-compliant outside Heilongjiang: no required rule applies.
fn no_obligations() -> String {
    let text = fixture("platform-compliant");
    let t = text.replace("scope.heilongjiang: true", "scope.heilongjiang: false");
    assert_ne!(t, text);
    t
}

#[test]
fn the_result_carries_verdict_score_and_coverage() {
    let cases = [
        (
            fixture("platform-compliant"),
            "compliant",
            json!({"numerator": 125, "denominator": 125, "percent": 100}),
            json!({"numerator": 45, "denominator": 45, "percent": 100}),
        ),
        (
            fixture("half-blank"),
            "not_compliant",
            json!({"numerator": 21, "denominator": 23, "percent": 91}),
            json!({"numerator": 8, "denominator": 43, "percent": 18}),
        ),
        (
            one_dont_know(),
            "undecided",
            json!({"numerator": 123, "denominator": 123, "percent": 100}),
            json!({"numerator": 44, "denominator": 45, "percent": 97}),
        ),
        (
            no_obligations(),
            "no_obligations",
            json!({"numerator": 0, "denominator": 0, "percent": null}),
            json!({"numerator": 0, "denominator": 0, "percent": null}),
        ),
    ];
    for (text, verdict, score, coverage) in cases {
        let v = result(&text);
        assert_eq!(v["format"], "hegui.assessment/2");
        let packs = v["packs"].as_array().unwrap();
        assert_eq!(packs.len(), 1, "one pack: one entry");
        let p = &packs[0];
        assert_eq!(p["verdict"], verdict);
        assert_eq!(
            v["verdict"], verdict,
            "one pack: the overall verdict is its verdict"
        );
        assert_eq!(p["score"], score, "{verdict}");
        assert_eq!(p["coverage"], coverage, "{verdict}");
        assert_eq!(p["answered"], true);
        assert_eq!(
            v["answered_for"],
            json!([{"id": p["pack"]["id"], "version": p["pack"]["version"]}])
        );
        assert_eq!(v["ignored_answers"], json!([]));
        // No findings, pack or summary at the top level: one shape for one pack or many.
        for key in ["findings", "pack", "summary", "scopes", "limits"] {
            assert!(v.get(key).is_none(), "top-level {key}");
        }
    }
}

#[test]
fn the_result_schema_describes_the_verdict_and_the_packs() {
    let out = hegui().args(["schema", "result"]).output().unwrap();
    assert!(out.status.success());
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = s.to_string();
    for id in [
        "compliant",
        "not_compliant",
        "undecided",
        "waived",
        "no_obligations",
    ] {
        assert!(text.contains(&format!("\"{id}\"")), "{id}");
    }
    let props = &s["properties"];
    for key in ["verdict", "packs", "answered_for", "ignored_answers"] {
        assert!(props.get(key).is_some(), "{key}");
    }
    assert!(props.get("findings").is_none());
    let entry = s.to_string();
    for key in [
        "numerator",
        "denominator",
        "percent",
        "coverage",
        "answered",
    ] {
        assert!(entry.contains(&format!("\"{key}\"")), "{key}");
    }
}
