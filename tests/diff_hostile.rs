#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! `diff` checks what it reads (issue 16 item 10, red-team W29 and the `diff - -` row): a result
//! JSON in an unknown format version, with a rule listed twice, with an impossible date or with
//! counts that disagree with its own summary is refused with the file and key; rules that differ
//! under one pack digest are shown; every format version hegui has written is still read.
//! Seeded variants: repeat counts, which finding is repeated, dates, versions.

mod common;
use common::Rng;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hegui(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hegui"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A result of news-app written by this hegui, as JSON.
fn result(dir: &Path) -> Value {
    let facts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/companies/news-app.yaml");
    let o = hegui(
        dir,
        &["assess", facts.to_str().unwrap(), "--format", "json"],
    );
    assert!(o.status.success(), "{}", err(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn refused(o: &Output, words: &[&str]) -> String {
    let e = err(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for w in words {
        assert!(e.contains(w), "`{w}` not in:\n{e}");
    }
    e
}

#[test]
fn every_format_version_written_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    assert_eq!(r["format"], "hegui.assessment/2");
    // Last year's version-1 result beside this year's: the findings' keys diff reads are the same.
    let mut v1 = r.clone();
    v1["format"] = "hegui.assessment/1".into();
    let o = v1.as_object_mut().unwrap();
    let p = o.remove("packs").unwrap()[0].clone();
    for k in ["verdict", "answered_for", "ignored_answers"] {
        o.remove(k);
    }
    for k in ["pack", "scopes", "summary", "findings"] {
        o.insert(k.into(), p[k].clone());
    }
    write(d, "old.json", &v1);
    write(d, "new.json", &r);
    let o = hegui(d, &["diff", "old.json", "new.json", "--format", "json"]);
    assert!(o.status.success(), "{}", err(&o));
    let diff: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(diff["packs"][0]["same_pack"], true);
    assert_eq!(
        diff["packs"][0]["unchanged"].as_u64().unwrap() as usize,
        r["packs"][0]["findings"].as_array().unwrap().len()
    );
}

#[test]
fn repeated_findings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    write(d, "old.json", &r);
    // The report's case: every finding 20 times.
    let mut bad = r.clone();
    let f = r["packs"][0]["findings"].as_array().unwrap().clone();
    bad["packs"][0]["findings"] =
        Value::Array(f.iter().cycle().take(f.len() * 20).cloned().collect());
    write(d, "bad.json", &bad);
    let n = f.len();
    refused(
        &hegui(d, &["diff", "old.json", "bad.json"]),
        &[
            "bad.json",
            &format!("findings[{n}]"),
            "findings[0]",
            "appears twice",
        ],
    );
    // Seeded: one finding repeated k times at random places, on either side.
    let mut rng = Rng(0xD1FF_0029);
    for round in 0..6 {
        let mut list = f.clone();
        let which = rng.below(n);
        let k = 1 + rng.below(5);
        for _ in 0..k {
            let at = rng.below(list.len() + 1);
            list.insert(at, f[which].clone());
        }
        let mut bad = r.clone();
        bad["packs"][0]["findings"] = Value::Array(list);
        write(d, "bad.json", &bad);
        let args: [&str; 3] = if round % 2 == 0 {
            ["diff", "old.json", "bad.json"]
        } else {
            ["diff", "bad.json", "old.json"]
        };
        let id = f[which]["rule_id"].as_str().unwrap();
        refused(
            &hegui(d, &args),
            &["bad.json", &format!("`{id}` appears twice")],
        );
    }
}

#[test]
fn counts_that_disagree_with_the_summary_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    write(d, "old.json", &r);
    let mut bad = r.clone();
    let i = r["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["outcome"] == "pass")
        .unwrap();
    bad["packs"][0]["findings"][i]["outcome"] = "fail".into();
    write(d, "bad.json", &bad);
    refused(
        &hegui(d, &["diff", "old.json", "bad.json"]),
        &["bad.json", "summary.all.", "edited or damaged"],
    );
}

#[test]
fn impossible_dates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    write(d, "old.json", &r);
    let mut rng = Rng(0xDA7E_0030);
    let mut cases: Vec<(String, &str)> = vec![
        ("2017-02-30".into(), "no day 30"),
        ("2017-13-01".into(), "no month 13"),
        ("2026-05-20T00:00:00Z".into(), "without a time"),
        ("yesterday".into(), "YYYY-MM-DD"),
    ];
    for _ in 0..6 {
        let year = 1990 + rng.below(60i32);
        let month = 1 + rng.below(12) as u32;
        let last = (28..=31)
            .rev()
            .find(|&n| chrono::NaiveDate::from_ymd_opt(year, month, n).is_some())
            .unwrap();
        // Past the month's last day, or day 00.
        let day = [0, last + 1, last + 1 + rng.below(99 - last as usize) as u32][rng.below(3)];
        cases.push((format!("{year}-{month:02}-{day:02}"), "no day"));
    }
    for (date, words) in cases {
        let mut bad = r.clone();
        bad["assessment_date"] = date.clone().into();
        write(d, "bad.json", &bad);
        refused(
            &hegui(d, &["diff", "old.json", "bad.json"]),
            &["bad.json", "assessment_date", &date, words],
        );
    }
}

#[test]
fn unknown_versions_are_refused_with_the_known_ones_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    write(d, "old.json", &r);
    let mut rng = Rng(0x0000_0F0F);
    for v in [
        "hegui.assessment/3".to_string(),
        "hegui.assessment/0".into(),
        "hegui.assessment/".into(),
        format!("hegui.assessment/{}", 4 + rng.below(1000)),
        "hegui.assessment/1.1".into(),
    ] {
        let mut bad = r.clone();
        bad["format"] = v.clone().into();
        write(d, "bad.json", &bad);
        refused(
            &hegui(d, &["diff", "old.json", "bad.json"]),
            &[
                "bad.json",
                &format!("unknown result format `{v}`"),
                "`hegui.assessment/1`",
            ],
        );
    }
}

#[test]
fn a_rule_renamed_under_one_digest_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = result(d);
    write(d, "old.json", &r);
    let mut renamed = r.clone();
    renamed["packs"][0]["findings"][0]["rule_id"] = "renamed.rule".into();
    write(d, "new.json", &renamed);
    let o = hegui(d, &["diff", "old.json", "new.json", "--format", "json"]);
    assert!(o.status.success(), "{}", err(&o));
    let diff: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(diff["packs"][0]["same_pack"], false);
    assert_eq!(
        diff["packs"][0]["pack"]["added"][0]["rule_id"],
        "renamed.rule"
    );
    assert_eq!(
        diff["packs"][0]["pack"]["removed"][0]["rule_id"],
        r["packs"][0]["findings"][0]["rule_id"]
    );
    let o = hegui(d, &["diff", "old.json", "new.json"]);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.contains("same digest, different rules"), "{md}");
    assert!(md.contains("renamed.rule"), "{md}");
}

#[test]
fn stdin_stands_for_one_side_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = refused(
        &hegui(d, &["diff", "-", "-"]),
        &["standard input", "only one"],
    );
    assert!(!e.contains("--old-rules"), "no pack hint: {e}");
}
