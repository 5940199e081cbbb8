#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Chinese users' files (issue 16 item 8; red-team BAD-ERROR rows): other encodings, full-width
//! YAML syntax, CR-only line ends, empty input, impossible dates. Each case is pinned by the place
//! and the key words of its message; seeded variants (a small PRNG, fixed seeds) cover the
//! classes: every fixture in every encoding, a full-width character or tab at a random line.

mod common;
use common::Rng;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn hegui(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hegui"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(bytes);
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/companies");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

fn news_app() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/companies/news-app.yaml"),
    )
    .unwrap()
}

/// The JSON result for the facts in `file` (inside `dir`), with extra global flags.
fn result(dir: &Path, file: &str, flags: &[&str]) -> Output {
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["assess", file, "--format", "json"]);
    hegui(dir, &args, None)
}

/// Asserts the run failed with exit 2 and a message naming `place` and holding every key word.
fn refused(o: &Output, place: &str, words: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(place), "place `{place}` not in:\n{err}");
    for w in words {
        assert!(err.contains(w), "`{w}` not in:\n{err}");
    }
    err
}

fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

fn utf32(text: &str, le: bool) -> Vec<u8> {
    let mut out: Vec<u8> = if le {
        vec![0xFF, 0xFE, 0, 0]
    } else {
        vec![0, 0, 0xFE, 0xFF]
    };
    for c in text.chars() {
        out.extend(if le {
            u32::from(c).to_le_bytes()
        } else {
            u32::from(c).to_be_bytes()
        });
    }
    out
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The encodings a file may come in, as (name, bytes, global flags needed to read it).
fn encodings(text: &str) -> Vec<(&'static str, Vec<u8>, &'static [&'static str])> {
    vec![
        (
            "utf-8 bom",
            [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            &[],
        ),
        ("utf-16le bom", utf16(text, true, true), &[]),
        ("utf-16be bom", utf16(text, false, true), &[]),
        (
            "utf-16le bom crlf (Notepad)",
            utf16(&text.replace('\n', "\r\n"), true, true),
            &[],
        ),
        ("utf-32le bom", utf32(text, true), &[]),
        ("utf-32be bom", utf32(text, false), &[]),
        ("gb18030", gbk(text), &["--encoding", "gb18030"]),
        ("gbk alias", gbk(text), &["--encoding", "gbk"]),
    ]
}

// ───────────────────────── encodings ─────────────────────────

#[test]
fn gbk_is_named_and_read_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    std::fs::write(d.join("u.yaml"), &text).unwrap();
    std::fs::write(d.join("g.yaml"), gbk(&text)).unwrap();
    let want = result(d, "u.yaml", &[]);
    assert!(want.status.success(), "{}", stderr(&want));
    refused(
        &result(d, "g.yaml", &[]),
        "g.yaml",
        &[
            "GBK/GB18030",
            "请另存为 UTF-8 / save as UTF-8",
            "--encoding gb18030",
        ],
    );
    let got = result(d, "g.yaml", &["--encoding", "gb18030"]);
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(
        got.stdout, want.stdout,
        "GB18030 read as the UTF-8 original"
    );
    // JSON too, and on stdin.
    let json_text = String::from_utf8(want.stdout.clone()).unwrap();
    let facts_json = serde_json::to_string(&serde_yaml_like(&text)).unwrap();
    std::fs::write(d.join("g.json"), gbk(&facts_json)).unwrap();
    refused(&result(d, "g.json", &[]), "g.json", &["GBK/GB18030"]);
    let got = result(d, "g.json", &["--encoding", "gb18030"]);
    assert!(got.status.success(), "{}", stderr(&got));
    let o = hegui(d, &["assess", "-", "--format", "json"], Some(&gbk(&text)));
    refused(&o, "<stdin>", &["GBK/GB18030", "--encoding gb18030"]);
    let o = hegui(
        d,
        &["--encoding", "gb18030", "assess", "-", "--format", "json"],
        Some(&gbk(&text)),
    );
    assert_eq!(o.stdout, json_text.as_bytes());
    // With the flag, a UTF-8 file is still UTF-8 (a mixed inbox reads right).
    let got = result(d, "u.yaml", &["--encoding", "gb18030"]);
    assert_eq!(got.stdout, want.stdout);
}

/// The news-app facts as a JSON value (dates as text), through the YAML reader of hegui itself.
fn serde_yaml_like(text: &str) -> serde_json::Value {
    let node =
        hegui_core::syntax::node::parse(text, hegui_core::syntax::node::Format::Yaml).unwrap();
    fn conv(n: &hegui_core::syntax::node::Node) -> serde_json::Value {
        use hegui_core::syntax::node::NodeKind as K;
        match &n.kind {
            K::Null => serde_json::Value::Null,
            K::Bool(b) => (*b).into(),
            K::Int(i) => (*i).into(),
            K::Float(x) => (*x).into(),
            K::Str(s) => s.clone().into(),
            K::Seq(items) => items.iter().map(conv).collect(),
            K::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.clone(), conv(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
    conv(&node)
}

#[test]
fn unicode_with_a_byte_order_mark_is_decoded_without_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    std::fs::write(d.join("u.yaml"), &text).unwrap();
    let want = result(d, "u.yaml", &[]);
    for (name, bytes, flags) in encodings(&text) {
        std::fs::write(d.join("e.yaml"), bytes).unwrap();
        let got = result(d, "e.yaml", flags);
        assert!(got.status.success(), "{name}: {}", stderr(&got));
        assert_eq!(got.stdout, want.stdout, "{name}");
    }
    for (le, e) in [(true, "UTF-16LE"), (false, "UTF-16BE")] {
        std::fs::write(d.join("n.yaml"), utf16(&text, le, false)).unwrap();
        refused(
            &result(d, "n.yaml", &[]),
            "n.yaml",
            &[e, "byte-order mark", "请另存为 UTF-8 / save as UTF-8"],
        );
    }
    // A byte-order mark followed by what is not that encoding: named with its byte.
    std::fs::write(d.join("m.yaml"), b"\xFF\xFEa\x00\x00\xD8").unwrap();
    refused(&result(d, "m.yaml", &[]), "m.yaml", &["UTF-16LE", "byte 4"]);
    // Bytes that are neither UTF-8 nor GB18030: the line is named.
    std::fs::write(d.join("x.yaml"), b"a: 1\nb: \xFF\xFF\n").unwrap();
    refused(
        &result(d, "x.yaml", &[]),
        "x.yaml",
        &["not UTF-8", "line 2", "请另存为 UTF-8"],
    );
}

#[test]
fn every_fixture_in_every_encoding_reads_as_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng(0x5EED_0016);
    let files = fixtures();
    for round in 0..8 {
        let f = &files[rng.below(files.len())];
        let text = std::fs::read_to_string(f).unwrap();
        std::fs::write(d.join("u.yaml"), &text).unwrap();
        let want = result(d, "u.yaml", &[]);
        let all = encodings(&text);
        let (name, bytes, flags) = &all[rng.below(all.len())];
        std::fs::write(d.join("e.yaml"), bytes).unwrap();
        let got = result(d, "e.yaml", flags);
        assert_eq!(
            (got.status.code(), &got.stdout),
            (want.status.code(), &want.stdout),
            "round {round}: {} as {name}: {}",
            f.display(),
            stderr(&got)
        );
        // The same file without a mark in UTF-16: named, never read as garbage.
        let le = rng.below(2) == 0;
        std::fs::write(d.join("n.yaml"), utf16(&text, le, false)).unwrap();
        refused(
            &result(d, "n.yaml", &[]),
            "n.yaml",
            &[if le { "UTF-16LE" } else { "UTF-16BE" }],
        );
    }
}

#[test]
fn batch_names_the_encoding_and_reads_it_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/g.yaml"), gbk(&news_app())).unwrap();
    std::fs::write(d.join("in/e.yaml"), "  \n").unwrap();
    let o = hegui(d, &["batch", "in", "--out", "o1"], None);
    let err = refused_code(&o, 3);
    assert!(
        err.contains("g.yaml") && err.contains("GBK/GB18030"),
        "{err}"
    );
    assert!(err.contains("e.yaml") && err.contains("empty"), "{err}");
    let o = hegui(
        d,
        &["--encoding", "gb18030", "batch", "in", "--out", "o2"],
        None,
    );
    let err = refused_code(&o, 3);
    assert!(!err.contains("g.yaml"), "{err}");
    let summary = std::fs::read_to_string(d.join("o2/summary.json")).unwrap();
    assert!(
        summary.contains("哈尔滨龙江融媒科技有限公司"),
        "decoded name"
    );
}

fn refused_code(o: &Output, code: i32) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    err
}

// ───────────────────────── full-width syntax, tabs, line ends ─────────────────────────

/// Replaces line `n` (1-based) of `text` by `f(line)`.
fn edit_line(text: &str, n: usize, f: impl Fn(&str) -> String) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { f(l) } else { l.to_string() } + "\n")
        .collect()
}

fn line_of(text: &str, starts: &str) -> usize {
    text.lines().position(|l| l.starts_with(starts)).unwrap() + 1
}

#[test]
fn full_width_syntax_and_tabs_are_named_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    let key = line_of(&text, "  security.incident_plan: true");
    let name = line_of(&text, "  name: 哈尔滨");
    let cases: Vec<(&str, String, usize, &[&str])> = vec![
        (
            "full-width colon in a key",
            edit_line(&text, key, |l| l.replacen(": ", "： ", 1)),
            key,
            &["full-width colon", "U+FF1A", "全角冒号"],
        ),
        (
            "full-width colon after name",
            edit_line(&text, name, |l| l.replacen(": ", "：", 1)),
            name,
            &["full-width colon", "全角冒号"],
        ),
        (
            "ideographic space indent",
            edit_line(&text, key, |l| l.replacen("  ", "\u{3000}", 1)),
            key,
            &["ideographic", "U+3000", "indentation", "全角空格"],
        ),
        (
            "ideographic space after the colon",
            edit_line(&text, key, |l| l.replacen(": ", ":\u{3000}", 1)),
            key,
            &["U+3000", "after the colon"],
        ),
        (
            "no-break space after the colon",
            edit_line(&text, key, |l| l.replacen(": ", ":\u{a0}", 1)),
            key,
            &["no-break space", "U+00A0", "after the colon"],
        ),
        (
            "tab indent",
            edit_line(&text, key, |l| l.replacen("  ", "\t", 1)),
            key,
            &["tab", "indentation", "制表符"],
        ),
    ];
    for (what, bad, line, words) in cases {
        std::fs::write(d.join("f.yaml"), bad).unwrap();
        let err = refused(&result(d, "f.yaml", &[]), &format!("f.yaml:{line}:"), words);
        assert!(
            err.contains("parser:"),
            "{what}: the parser's own words kept: {err}"
        );
    }
    // JSON: a full-width colon between key and value.
    std::fs::write(d.join("f.json"), "{\"pack\"：{}}").unwrap();
    refused(
        &result(d, "f.json", &[]),
        "f.json:1:8:",
        &["full-width colon", "JSON"],
    );
}

#[test]
fn full_width_characters_at_random_lines_are_found_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Rng(0xF011_1D7F);
    let files = fixtures();
    let mut tried = 0;
    while tried < 12 {
        let f = &files[rng.below(files.len())];
        let text = std::fs::read_to_string(f).unwrap();
        // Block mapping lines `  key: value` (indented, so every mutation applies).
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let body = l.trim_start_matches(' ');
                l.len() - body.len() >= 2
                    && !body.starts_with(['-', '#'])
                    && body
                        .split_once(": ")
                        .is_some_and(|(k, v)| !k.contains(' ') && !v.trim().is_empty())
            })
            .map(|(i, _)| i + 1)
            .collect();
        let n = lines[rng.below(lines.len())];
        let (what, bad): (&str, String) = match rng.below(5) {
            0 => (
                "full-width colon",
                edit_line(&text, n, |l| l.replacen(": ", "： ", 1)),
            ),
            1 => (
                "full-width colon",
                edit_line(&text, n, |l| l.replacen(": ", "：", 1)),
            ),
            2 => (
                "U+3000",
                edit_line(&text, n, |l| l.replacen("  ", "\u{3000}", 1)),
            ),
            3 => (
                "U+3000",
                edit_line(&text, n, |l| l.replacen(": ", ":\u{3000}", 1)),
            ),
            _ => ("tab", edit_line(&text, n, |l| l.replacen("  ", "\t", 1))),
        };
        std::fs::write(d.join("f.yaml"), &bad).unwrap();
        let o = result(d, "f.yaml", &[]);
        let err = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}:{n} {what}: {err}",
            f.display()
        );
        assert!(
            err.contains(&format!("f.yaml:{n}:")) && err.contains(what),
            "{}:{n} {what}: {err}",
            f.display()
        );
        tried += 1;
    }
}

#[test]
fn a_full_width_colon_that_still_parses_is_named() {
    // `name：…` as the only entry under a key is valid YAML: one piece of text, no entry.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("t.yaml"),
        "pack:\n  id：hlj-2017-mobile-internet\norganisation:\n  name：哈尔滨\nassessment_date: 2026-05-20\nanswers:\n  security.incident_plan：true\n",
    )
    .unwrap();
    let err = refused(
        &hegui(d, &["validate", "t.yaml"], None),
        "t.yaml:2:3:",
        &["write `id: hlj-2017-mobile-internet`", "full-width `：`"],
    );
    assert!(
        err.contains("t.yaml:4:3:") && err.contains("write `name: 哈尔滨`"),
        "{err}"
    );
    assert!(
        err.contains("t.yaml:7:3:") && err.contains("write `security.incident_plan: true`"),
        "{err}"
    );
}

#[test]
fn a_full_width_comma_in_a_list_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo");
    for sep in ["，", "、"] {
        std::fs::write(
            d.join("c.yaml"),
            format!("pack: {{id: demo, version: 1.2.0}}\norganisation: {{name: 公司}}\nassessment_date: 2026-03-10\nanswers:\n  scope.channels: [app{sep}website]\n"),
        )
        .unwrap();
        refused(
            &hegui(
                d,
                &["validate", "c.yaml", "--rules", demo.to_str().unwrap()],
                None,
            ),
            "c.yaml:5:20:",
            &["full-width comma", "`[app, website]`"],
        );
    }
}

#[test]
fn cr_only_line_ends_read_like_lf() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    assert!(text.starts_with('#'), "the case needs a leading comment");
    std::fs::write(d.join("u.yaml"), &text).unwrap();
    std::fs::write(d.join("c.yaml"), text.replace('\n', "\r")).unwrap();
    let want = result(d, "u.yaml", &[]);
    let got = result(d, "c.yaml", &[]);
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(got.stdout, want.stdout);
    // And an error in a CR-only file is placed on its line.
    let key = line_of(&text, "  security.incident_plan: true");
    let bad = edit_line(&text, key, |l| l.replacen(": ", "： ", 1)).replace('\n', "\r");
    std::fs::write(d.join("c.yaml"), bad).unwrap();
    refused(
        &result(d, "c.yaml", &[]),
        &format!("c.yaml:{key}:"),
        &["full-width colon"],
    );
}

// ───────────────────────── empty input, workbooks, results ─────────────────────────

#[test]
fn empty_input_says_it_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (file, content) in [
        ("e.yaml", ""),
        ("w.yaml", " \n\t\n"),
        ("e.json", ""),
        ("b.yaml", "\u{feff}"),
    ] {
        std::fs::write(d.join(file), content).unwrap();
        refused(&result(d, file, &[]), file, &["empty", "为空"]);
    }
    std::fs::write(d.join("c.yaml"), "# nothing yet\n---\n").unwrap();
    refused(&result(d, "c.yaml", &[]), "c.yaml", &["empty", "comments"]);
    // Empty stdin: a pipe closed at once (what `<&-` gives the reader: end of input at once;
    // not /dev/null, which other work on a shared machine may have replaced).
    let o = hegui(d, &["assess", "-"], Some(b" \n"));
    refused(&o, "<stdin>", &["empty"]);
    let o = hegui(d, &["validate", "-"], Some(b""));
    refused(&o, "<stdin>", &["empty"]);
}

#[test]
fn a_workbook_or_a_result_given_as_facts_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("q.xlsx"), b"PK\x03\x04rest of a zip").unwrap();
    std::fs::write(
        d.join("q.xls"),
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an OLE file",
    )
    .unwrap();
    for f in ["q.xlsx", "q.xls"] {
        for cmd in ["assess", "validate"] {
            refused(
                &hegui(d, &[cmd, f], None),
                f,
                &["workbook", "hegui import", "工作簿"],
            );
        }
    }
    std::fs::write(d.join("u.yaml"), news_app()).unwrap();
    let r = result(d, "u.yaml", &[]);
    std::fs::write(d.join("r.json"), &r.stdout).unwrap();
    refused(
        &result(d, "r.json", &[]),
        "r.json",
        &["hegui.assessment/2", "not a facts file", "hegui diff"],
    );
}

// ───────────────────────── dates and numbers ─────────────────────────

#[test]
fn impossible_dates_say_which_part_is_impossible() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    let date_line = line_of(&text, "assessment_date:");
    let cases = [
        (
            "2017-02-30",
            &["no day 30", "2017-02", "28 days", "没有 30 日"][..],
        ),
        ("2017-13-01", &["no month 13", "月份 13"][..]),
        ("2024-00-10", &["no month 0"][..]),
        ("2023-04-31", &["no day 31", "30 days"][..]),
        ("2024-02-30", &["no day 30", "29 days"][..]),
        (
            "2026-05-20T08:00:00Z",
            &["without a time", "2026-05-20"][..],
        ),
        ("20260520", &["YYYY-MM-DD"][..]),
    ];
    for (date, words) in cases {
        let bad = edit_line(&text, date_line, |_| format!("assessment_date: {date}"));
        std::fs::write(d.join("d.yaml"), bad).unwrap();
        let mut w = words.to_vec();
        w.push("`assessment_date`");
        refused(
            &result(d, "d.yaml", &[]),
            &format!("d.yaml:{date_line}:"),
            &w,
        );
    }
    // A date question's answer, and an evidence date.
    let q = line_of(&text, "      launch_date: 2023-04-01");
    let bad = edit_line(&text, q, |_| "      launch_date: 2023-11-31".into());
    std::fs::write(d.join("q.yaml"), bad).unwrap();
    refused(
        &result(d, "q.yaml", &[]),
        &format!("q.yaml:{q}:"),
        &["launch_date", "no day 31"],
    );
    let ev = text
        .lines()
        .position(|l| l.contains("date: 2025-10-30"))
        .unwrap()
        + 1;
    let bad = edit_line(&text, ev, |l| l.replace("2025-10-30", "2025-02-29"));
    std::fs::write(d.join("v.yaml"), bad).unwrap();
    refused(
        &result(d, "v.yaml", &[]),
        &format!("v.yaml:{ev}:"),
        &["evidence", "`date`", "no day 29"],
    );
}

#[test]
fn waiver_dates_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/companies/ride-hailing.yaml"),
    )
    .unwrap();
    let line = line_of(&text, "    expires:");
    for (value, words) in [
        ("2026-02-29", &["no day 29", "28 days"][..]),
        (
            "2027-03-31T00:00:00Z",
            &["without a time", "2027-03-31"][..],
        ),
        ("next month", &["YYYY-MM-DD"][..]),
    ] {
        let bad = edit_line(&text, line, |_| format!("    expires: {value}"));
        std::fs::write(d.join("w.yaml"), bad).unwrap();
        let mut w = words.to_vec();
        w.push("`expires`");
        let err = refused(&result(d, "w.yaml", &[]), &format!("w.yaml:{line}:"), &w);
        assert!(
            !err.contains("input is out of range") && !err.contains("trailing input"),
            "{err}"
        );
    }
}

#[test]
fn a_huge_integer_is_not_misquoted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = news_app();
    let line = line_of(&text, "  security.log_retention_months:");
    let bad = edit_line(&text, line, |_| {
        "  security.log_retention_months: 99999999999999999999".into()
    });
    std::fs::write(d.join("i.yaml"), bad).unwrap();
    let err = refused(
        &result(d, "i.yaml", &[]),
        &format!("i.yaml:{line}:"),
        &["too large", "1e20"],
    );
    assert!(!err.contains("100000000000000000000"), "{err}");
}

#[test]
fn pack_files_get_the_same_encoding_handling() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = d.join("demo");
    let mut stack = vec![root.join("tests/data/demo")];
    while let Some(src) = stack.pop() {
        let rel = src.strip_prefix(root.join("tests/data/demo")).unwrap();
        std::fs::create_dir_all(copy.join(rel)).unwrap();
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::copy(&p, copy.join(rel).join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let facts = root.join("tests/data/facts/demo-company.yaml");
    let facts = facts.to_str().unwrap();
    let run = |flags: &[&str], rules: &Path| {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend([
            "assess",
            facts,
            "--rules",
            rules.to_str().unwrap(),
            "--format",
            "json",
        ]);
        hegui(d, &args, None)
    };
    let want = run(&[], &copy);
    assert!(
        want.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr(&want)
    );
    let file = copy.join("questions/10-scope.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, gbk(&text)).unwrap();
    refused(
        &run(&[], &copy),
        "10-scope.yaml",
        &["GBK/GB18030", "--encoding gb18030"],
    );
    let got = run(&["--encoding", "gb18030"], &copy);
    assert_eq!(got.stdout, want.stdout, "{}", stderr(&got));
    std::fs::write(&file, utf16(&text, true, true)).unwrap();
    let got = run(&[], &copy);
    assert_eq!(got.stdout, want.stdout, "{}", stderr(&got));
}
