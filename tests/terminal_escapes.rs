#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Nothing a submitter writes reaches a terminal raw (issue 16 item 9, red-team W26): control
//! and escape characters in answer keys, option values, organisation fields and file names are
//! shown escaped on stderr, by `assess`, `validate` and `batch` (its rejected-input lines), for
//! people; `--error-format json` escapes by JSON. Pinned cases from the report, then seeded
//! variants: escape sequences at random positions in keys, values and file names.

mod common;
use common::Rng;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo");

/// Escape sequences and single controls a submitter could use on a terminal.
const NASTY: &[&str] = &[
    "\x1b]0;PWNED\x07",
    "\x1b[2J\x1b[H",
    "\x1b[1;32mOK: all rules pass\x1b[0m",
    "\x1b[2K\rOK",
    "\r",
    "\x08\x08\x08",
    "\x7f",
    "\u{9b}31m",
    "\u{85}",
    "\u{202e}",
    "\u{2066}",
    "\x1bP+q\x1b\\",
    "\x00",
    "\x0b\x0c",
];

fn hegui(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hegui"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// Every character on stderr a terminal would act on, other than a line feed or tab.
fn raw_controls(stderr: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(stderr)
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn assert_clean(what: &str, o: &Output) -> String {
    let raw = raw_controls(&o.stderr);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(raw.is_empty(), "{what}: raw {raw:?} on stderr:\n{err:?}");
    assert!(!err.is_empty(), "{what}: something was said");
    err
}

/// Facts for the demo pack with `key` as an extra answer key, `value` as an option value and
/// `code` as the credit code: each is echoed in an error.
fn facts(key: &str, value: &str, code: &str, name: &str) -> serde_json::Value {
    json!({
        "pack": {"id": "demo", "version": "1.2.0"},
        "organisation": {"name": name, "credit_code": code},
        "assessment_date": "2026-03-10",
        "answers": {
            key: true,
            "scope.channels": ["app", value],
        }
    })
}

#[test]
fn the_report_cases_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = facts(
        "\x1b]0;PWNED\x07\x1b[2J\x1b[1;32mOK: all rules pass\x1b[0m",
        "\x1b[2J\x1b[H\x1b[32m评估通过 PASSED\x1b[0m",
        "\x1b[2K\rOK",
        "公司",
    );
    std::fs::write(d.join("f.json"), f.to_string()).unwrap();
    for cmd in ["assess", "validate"] {
        let o = hegui(d, &[cmd, "f.json", "--rules", DEMO]);
        assert_eq!(o.status.code(), Some(2));
        let err = assert_clean(cmd, &o);
        assert!(err.contains("\\x1b]0;PWNED\\x07\\x1b[2J"), "{err}");
        assert!(
            err.contains("\\x1b[2J\\x1b[H\\x1b[32m评估通过 PASSED"),
            "{err}"
        );
        assert!(err.contains("\\x1b[2K\\rOK"), "{err}");
        // JSON diagnostics keep the exact text (escaped by JSON).
        let o = hegui(
            d,
            &["--error-format", "json", cmd, "f.json", "--rules", DEMO],
        );
        let err = assert_clean(cmd, &o);
        assert!(err.contains("\\u001b]0;PWNED\\u0007"), "{err}");
    }
    // A file name with escapes, in a command and in a batch's rejected lines.
    let name = "evil\x1b[2J\x1b[32mPASSED\x1b[0m\r.yaml";
    std::fs::write(d.join(name), "answers: [").unwrap();
    let o = hegui(d, &["assess", name, "--rules", DEMO]);
    let err = assert_clean("file name", &o);
    assert!(
        err.contains("evil\\x1b[2J\\x1b[32mPASSED\\x1b[0m\\r.yaml"),
        "{err}"
    );
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::rename(d.join(name), d.join("in").join(name)).unwrap();
    std::fs::copy(d.join("f.json"), d.join("in/f.json")).unwrap();
    let o = hegui(d, &["batch", "in", "--out", "out", "--rules", DEMO]);
    assert_eq!(o.status.code(), Some(3));
    let err = assert_clean("batch", &o);
    assert!(err.contains("\\x1b[2J"), "{err}");
}

#[test]
fn escape_sequences_anywhere_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng(0x00E5_C0DE);
    let pick = |rng: &mut Rng, base: &str| {
        let chars: Vec<char> = base.chars().collect();
        let at = rng.below(chars.len() + 1);
        let nasty = NASTY[rng.below(NASTY.len())];
        let mut s: String = chars[..at].iter().collect();
        s.push_str(nasty);
        s.extend(&chars[at..]);
        s
    };
    std::fs::create_dir(d.join("in")).unwrap();
    for round in 0..10 {
        let key = pick(&mut rng, "security.unknown_key");
        let value = pick(&mut rng, "websitex");
        let code = pick(&mut rng, "9123010");
        let name = pick(&mut rng, "测试公司");
        // File names cannot hold NUL or `/`.
        let file = pick(&mut rng, "submission.json").replace(['\0', '/'], "_");
        let f = facts(&key, &value, &code, &name);
        std::fs::write(d.join(&file), f.to_string()).unwrap();
        for cmd in ["assess", "validate"] {
            let o = hegui(d, &[cmd, &file, "--rules", DEMO]);
            assert_eq!(o.status.code(), Some(2), "round {round}");
            assert_clean(&format!("round {round} {cmd} {file:?}"), &o);
        }
        // JSON diagnostics: C1 controls, DEL and bidi overrides as `\uXXXX` too.
        let o = hegui(
            d,
            &["--error-format", "json", "validate", &file, "--rules", DEMO],
        );
        let err = assert_clean(&format!("round {round} json {file:?}"), &o);
        for line in err.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        std::fs::rename(d.join(&file), d.join("in").join(format!("{round}-{file}"))).unwrap();
    }
    let o = hegui(d, &["batch", "in", "--out", "out", "--rules", DEMO]);
    assert_eq!(o.status.code(), Some(3));
    assert_clean("batch", &o);
}

#[test]
fn a_hostile_argument_in_a_usage_error_is_escaped() {
    // `hegui assess inbox/*` with a hostile file name expanded by the shell.
    let dir = tempfile::tempdir().unwrap();
    let o = hegui(dir.path(), &["assess", "a", "b\x1b[2J\rc\u{9b}\u{202e}d"]);
    assert_eq!(o.status.code(), Some(2));
    let err = assert_clean("usage error", &o);
    assert!(err.contains("unexpected argument"), "{err}");
}
