#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Hostile *content* (issue #7): nasty strings in every free-text place of a facts file go
//! through every output format without a panic, and come out as text:
//!
//! - HTML: no new element or attribute (compared with the same facts holding plain strings),
//!   the strings present as escaped text (or, in the questionnaire form, as JSON data);
//! - Markdown: table rows keep their cells, no raw `<`;
//! - CSV (`summary.csv`): cells that a spreadsheet would read as a formula get a `'` in front;
//! - xlsx (`summary.xlsx`, the questionnaire workbook): no cell is a formula; text is stored as
//!   plain string cells with the exact text (no `'` prefix, so answers survive `import`);
//! - JSON: the exact strings.

mod common;
use calamine::{Data, Reader};
use common::csv_rows;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const DEMO: &str = "tests/data/demo";

/// The nasty strings. Each is used as a group item name too, so they are distinct.
fn corpus() -> Vec<String> {
    let mut c: Vec<String> = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "{{ 7*7 }}",
        "{% for x in range(9999999) %}x{% endfor %}",
        "abc\u{202E}def\u{200B}ghi\u{FEFF}jkl",
        "👨‍👩‍👧‍👦 family 🏳️‍🌈",
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "a|b\nc|d\r\ne",
        "</td></tr></table><script>alert(2)</script>",
        "' OR 1=1 --",
        "<!-- comment --><![CDATA[x]]>",
        "[点击领取](https://phish.example) ![x](https://t.example/p.png)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    c.push(format!(
        "ctl:{}",
        (0u8..32).map(char::from).collect::<String>()
    ));
    // Red-team W27 (a backslash cancelling the escape) and W28 (bare URLs), issue 16.
    c.push("\\[点击领取\\](https://phish.example/x)".into());
    c.push("https://phish.example/login www.phish.example WWW.phish.example".into());
    c
}

/// A 200,000-character string (too long for an Excel cell).
fn huge() -> String {
    "長".repeat(200_000)
}

/// Facts for the demo pack with `s(i)` in every free-text place.
fn facts(s: &dyn Fn(usize) -> String, n: usize, note: String, evidence: bool) -> Value {
    let ev: Vec<Value> = if evidence {
        (0..n)
            .map(|i| json!({"title": s(i), "reference": s(i + 1)}))
            .collect()
    } else {
        Vec::new()
    };
    let mut note = json!({"value": note, "remark": s(3)});
    if evidence {
        note["evidence"] = json!(ev);
    }
    json!({
        "pack": {"id": "demo", "version": "1.2.0"},
        "organisation": {
            "name": s(1), "credit_code": "91230103MA1AB2CD3F", "region_code": "230103",
            "industry": s(6),
            "contact": {"name": s(2), "phone": s(7), "email": s(9)}
        },
        "prepared_by": {"name": s(4), "title": s(5)},
        "responsible_person": {"name": s(16), "title": s(8)},
        "assessment_date": "2026-03-10",
        "answers": {
            "scope.heilongjiang": true,
            "scope.channels": ["app", "website"],
            "scope.functions": ["comments"],
            "org.contact_note": note,
            "real_name.required": true,
            "real_name.methods": {"dont_know": true, "remark": s(10)},
            "apps": (0..n).map(|i| if i % 2 == 0 {
                json!({"name": s(i), "has_accounts": true, "filed": true, "filing_number": s(i + 2)})
            } else {
                json!({"name": s(i), "has_accounts": true, "filed": false})
            }).collect::<Vec<_>>(),
            "features": (0..n).map(|i| json!({"name": s(i), "launch_date": "2025-01-01"})).collect::<Vec<_>>(),
            "security.log_months": {"value": 3, "remark": s(12)},
        },
        "waivers": [{"rule": "demo.logs", "justification": s(13), "approved_by": s(0), "expires": "2026-06-30"}],
    })
}

fn hostile(note: String, evidence: bool) -> Value {
    let c = corpus();
    let n = c.len();
    facts(&|i| c[i % n].clone(), n, note, evidence)
}

fn benign(note: String, evidence: bool) -> Value {
    let n = corpus().len();
    facts(&|i| format!("plain text {}", i % n), n, note, evidence)
}

fn hegui(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_hegui"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", dir)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    out
}

fn ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = hegui(dir, args);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{args:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn write_json(path: &Path, v: &Value) -> String {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

// ───────────────────────── a minimal HTML tokenizer ─────────────────────────

#[derive(Default)]
struct Html {
    /// `tag` and `tag@attribute` for every start tag.
    shapes: BTreeSet<String>,
    scripts: usize,
    /// Text content with entities decoded.
    text: String,
    /// Raw contents of `<script>` elements.
    script_bodies: Vec<String>,
}

fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let c = match ent {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                u32::from_str_radix(&ent[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn parse_html(html: &str) -> Html {
    let mut h = Html::default();
    let b = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        h.text.push_str(&decode_entities(&html[text_start..i]));
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
        } else if i + 1 < b.len() && (b[i + 1].is_ascii_alphabetic()) {
            // Start tag: name, then attributes (quotes respected) up to `>`.
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                j += 1;
            }
            let name = html[i + 1..j].to_ascii_lowercase();
            h.shapes.insert(name.clone());
            loop {
                while j < b.len() && (b[j].is_ascii_whitespace() || b[j] == b'/') {
                    j += 1;
                }
                if j >= b.len() || b[j] == b'>' {
                    break;
                }
                let a = j;
                while j < b.len() && !b"=>/ \t\n\r".contains(&b[j]) {
                    j += 1;
                }
                h.shapes
                    .insert(format!("{name}@{}", html[a..j].to_ascii_lowercase()));
                if j < b.len() && b[j] == b'=' {
                    j += 1;
                    if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                        let q = b[j];
                        j += 1;
                        while j < b.len() && b[j] != q {
                            j += 1;
                        }
                        j += 1;
                    } else {
                        while j < b.len() && !b" \t\n\r>".contains(&b[j]) {
                            j += 1;
                        }
                    }
                }
            }
            i = (j + 1).min(b.len());
            if name == "script" || name == "style" {
                let end = html[i..]
                    .to_ascii_lowercase()
                    .find(&format!("</{name}"))
                    .map_or(b.len(), |e| i + e);
                if name == "script" {
                    h.scripts += 1;
                    h.script_bodies.push(html[i..end].to_string());
                }
                i = end;
            }
        } else {
            // End tag, doctype, or a stray `<` (which escaping should have prevented).
            i = html[i..].find('>').map_or(b.len(), |e| i + e + 1);
        }
        text_start = i;
    }
    h.text
        .push_str(&decode_entities(&html[text_start.min(b.len())..]));
    h
}

/// The hostile HTML adds no element, attribute or script to the benign one's, and shows
/// `expect` as text.
fn html_safe(what: &str, hostile_html: &str, benign_html: &str, expect: &[&str]) {
    let h = parse_html(hostile_html);
    let b = parse_html(benign_html);
    let extra: Vec<_> = h.shapes.difference(&b.shapes).collect();
    assert!(extra.is_empty(), "{what}: injected markup {extra:?}");
    assert_eq!(h.scripts, b.scripts, "{what}: script elements");
    for body in &h.script_bodies {
        let lower = body.to_ascii_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("<!--"),
            "{what}: markup inside a script"
        );
    }
    for e in expect {
        assert!(h.text.contains(e), "{what}: {e:?} is not shown as text");
    }
}

// ───────────────────────── Markdown ─────────────────────────

/// Whether the character at byte `at` of `s` is backslash-escaped: an odd number of
/// backslashes right before it (an even number escape each other, red-team W27).
fn escaped(s: &str, at: usize) -> bool {
    s[..at].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn unescaped_pipes(line: &str) -> usize {
    line.match_indices('|')
        .filter(|(i, _)| !escaped(line, *i))
        .count()
}

fn markdown_safe(what: &str, md: &str) {
    let mut table: Option<usize> = None;
    for (no, line) in md.split('\n').enumerate() {
        if line.starts_with('|') {
            let n = unescaped_pipes(line);
            match table {
                None => table = Some(n),
                Some(t) => assert_eq!(t, n, "{what}: line {}: {line:?}", no + 1),
            }
        } else {
            table = None;
        }
        assert!(!line.contains('\r'), "{what}: line {} has a CR", no + 1);
    }
    for raw in ["<script", "<img", "</td>", "<!--", "<https:", "<http:"] {
        assert!(!md.contains(raw), "{what}: raw {raw}");
    }
    let line_of = |at: usize| {
        let start = md[..at].rfind('\n').map_or(0, |i| i + 1);
        md[start..].lines().next().unwrap_or_default().to_string()
    };
    // No answered text makes a link or an image: every `](` has its `]` escaped.
    for (at, _) in md.match_indices("](") {
        assert!(escaped(md, at), "{what}: a link in {:?}", line_of(at));
    }
    // No bare URL of the hostile strings is autolinked (GFM): `://` and `www.` broken by an
    // escaped `:` or `.` (checked against cmark-gfm).
    for (at, _) in md.match_indices("://phish.example") {
        assert!(escaped(md, at), "{what}: an autolink in {:?}", line_of(at));
    }
    let lower = md.to_ascii_lowercase();
    for (at, _) in lower.match_indices("www.phish") {
        assert!(
            escaped(md, at + 3),
            "{what}: an autolink in {:?}",
            line_of(at)
        );
    }
}

#[test]
fn markdown_safe_fails_on_what_it_must_catch() {
    // The checker itself: W27's output as it was, a bare URL, an escaped pipe after `\\`.
    let caught = |md: &str| std::panic::catch_unwind(|| markdown_safe("probe", md)).is_err();
    assert!(caught("\\\\[x\\\\](https\\://phish.example/x)"));
    assert!(caught("see https://phish.example/login"));
    assert!(caught("see www.phish.example"));
    assert!(caught("| a |\n| c \\\\| d |"));
    assert!(!caught(
        "\\\\\\[x\\\\\\](https\\://phish.example/x) www\\.phish.example"
    ));
}

// ───────────────────────── the tests ─────────────────────────

#[test]
fn assess_in_every_format_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = write_json(&d.join("hostile.json"), &hostile(huge(), true));
    let b = write_json(&d.join("benign.json"), &benign(huge(), true));
    let c = corpus();

    // JSON: the exact strings.
    let a: Value =
        serde_json::from_slice(&ok(d, &["assess", &h, "--rules", DEMO, "--format", "json"]))
            .unwrap();
    let input = hostile(String::new(), true);
    assert_eq!(a["organisation"], organisation(&input));
    let waived = a["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.logs")
        .unwrap();
    assert_eq!(waived["waiver"]["justification"], json!(c[13]));
    assert_eq!(waived["waiver"]["approved_by"], json!(c[0]));
    let items: BTreeSet<String> = a["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["explanation"].as_array().unwrap().iter())
        .filter_map(|i| i["item"].as_str().map(str::to_string))
        .collect();
    assert!(items.contains(&c[0]) && items.contains(&c[16]), "{items:?}");

    for lang in ["zh", "en", "both"] {
        let html = |f: &str| {
            String::from_utf8(ok(
                d,
                &[
                    "assess", f, "--rules", DEMO, "--format", "html", "--lang", lang,
                ],
            ))
            .unwrap()
        };
        html_safe(
            &format!("report.html {lang}"),
            &html(&h),
            &html(&b),
            &[&c[1], &c[6], &c[13], &c[0]],
        );
        let md = String::from_utf8(ok(
            d,
            &[
                "assess", &h, "--rules", DEMO, "--format", "markdown", "--lang", lang,
            ],
        ))
        .unwrap();
        markdown_safe(&format!("report.md {lang}"), &md);
        // As written, only the `:` of its `http://` escaped (no autolink).
        assert!(
            md.contains(&c[6].replace("://", "\\://")),
            "{lang}: the industry as it is"
        );
    }
    // Template syntax in the data is text, never evaluated.
    let mut t = hostile(String::new(), true);
    let syntax = format!("{}{}", c[2], c[3]);
    t["organisation"]["name"] = json!(syntax);
    let t = write_json(&d.join("syntax.json"), &t);
    let md = String::from_utf8(ok(d, &["assess", &t, "--rules", DEMO])).unwrap();
    assert!(md.contains(&syntax), "markdown");
    let html =
        String::from_utf8(ok(d, &["assess", &t, "--rules", DEMO, "--format", "html"])).unwrap();
    assert!(parse_html(&html).text.contains(&syntax), "html");
}

#[test]
fn questionnaire_forms_and_the_workbook_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = write_json(&d.join("hostile.json"), &hostile(huge(), true));
    let b = write_json(&d.join("benign.json"), &benign(huge(), true));

    // Blank forms take no answers (documented exit 2), and render without them.
    for f in ["yaml", "markdown"] {
        let out = hegui(
            d,
            &[
                "questionnaire",
                "--rules",
                DEMO,
                "--format",
                f,
                "--answers",
                &h,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{f}");
        ok(d, &["questionnaire", "--rules", DEMO, "--format", f]);
    }

    // The HTML form carries the answers as JSON data: same markup, exact strings.
    let form = |f: &str| {
        String::from_utf8(ok(
            d,
            &[
                "questionnaire",
                "--rules",
                DEMO,
                "--format",
                "html",
                "--answers",
                f,
            ],
        ))
        .unwrap()
    };
    let (hf, bf) = (form(&h), form(&b));
    html_safe("questionnaire.html", &hf, &bf, &[]);
    let data = parse_html(&hf)
        .script_bodies
        .into_iter()
        .find(|s| s.trim_start().starts_with('{'))
        .unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    let input = hostile(huge(), true);
    assert_eq!(data["initial"]["organisation"], input["organisation"]);
    assert_eq!(data["initial"]["answers"]["apps"], input["answers"]["apps"]);
    assert_eq!(
        data["initial"]["answers"]["org.contact_note"],
        input["answers"]["org.contact_note"]
    );

    // The workbook: a 200,000-character answer does not fit a cell; refused with the cell.
    let x = d.join("q.xlsx");
    let out = hegui(
        d,
        &[
            "questionnaire",
            "--rules",
            DEMO,
            "--answers",
            &h,
            "-o",
            x.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("org.contact_note") && stderr.contains("32,767"),
        "{stderr}"
    );

    // Without it (evidence with `|` or line breaks does not fit the one-line evidence format
    // either; see `evidence_with_separators_is_refused_on_import`), the workbook holds every
    // string as a plain string cell, no formula, and `import` gives the answers back.
    let fits = hostile("note".into(), false);
    let f = write_json(&d.join("fits.json"), &fits);
    ok(
        d,
        &[
            "questionnaire",
            "--rules",
            DEMO,
            "--answers",
            &f,
            "-o",
            x.to_str().unwrap(),
        ],
    );
    no_formulas(&x);
    let back = d.join("back.json");
    ok(
        d,
        &[
            "import",
            x.to_str().unwrap(),
            "--rules",
            DEMO,
            "-o",
            back.to_str().unwrap(),
        ],
    );
    let back: Value = serde_json::from_slice(&std::fs::read(&back).unwrap()).unwrap();
    // `import` trims the whitespace around a cell's text (documented); nothing else changes.
    let trimmed = trim_strings(&fits);
    for key in [
        "organisation",
        "prepared_by",
        "responsible_person",
        "waivers",
    ] {
        assert_eq!(back[key], trimmed[key], "{key}");
    }
    for q in ["apps", "features", "org.contact_note", "real_name.methods"] {
        assert_eq!(back["answers"][q], trimmed["answers"][q], "{q}");
    }
}

/// The result's `organisation`: the facts' organisation with `prepared_by` and
/// `responsible_person`.
fn organisation(facts: &Value) -> Value {
    let mut o = facts["organisation"].clone();
    o["prepared_by"] = facts["prepared_by"].clone();
    o["responsible_person"] = facts["responsible_person"].clone();
    o
}

fn trim_strings(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.trim().to_string()),
        Value::Array(a) => Value::Array(a.iter().map(trim_strings).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), trim_strings(v)))
                .collect(),
        ),
        v => v.clone(),
    }
}

/// No cell of any sheet is a formula.
fn no_formulas(path: &Path) {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    for name in wb.sheet_names() {
        let f = wb.worksheet_formula(&name).unwrap();
        let formulas: Vec<_> = f.used_cells().filter(|(_, _, s)| !s.is_empty()).collect();
        assert!(
            formulas.is_empty(),
            "{}: {name}: formulas {formulas:?}",
            path.display()
        );
    }
}

#[test]
fn evidence_with_separators_is_refused_on_import() {
    // Evidence is one line per piece, `title | reference | date`: a title holding `|` or a
    // line break cannot come back from a workbook. `import` says where, rather than guessing.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = write_json(&d.join("e.json"), &hostile("note".into(), true));
    let x = d.join("q.xlsx");
    ok(
        d,
        &[
            "questionnaire",
            "--rules",
            DEMO,
            "--answers",
            &f,
            "-o",
            x.to_str().unwrap(),
        ],
    );
    let out = hegui(d, &["import", x.to_str().unwrap(), "--rules", DEMO]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("org.contact_note") && stderr.contains("cell"),
        "{stderr}"
    );
}

#[test]
fn batch_outputs_neutralise_and_escape() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inbox = d.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let c = corpus();
    // One submission per string, each the organisation's name and another's industry; no
    // credit code, so none is a duplicate of another. One file name starts with `=`.
    let mut names = Vec::new();
    for (i, s) in c.iter().enumerate() {
        let mut f = hostile("note".into(), true);
        f["organisation"]["name"] = json!(s);
        f["organisation"]["industry"] = json!(c[(i + 6) % c.len()]);
        f["organisation"]
            .as_object_mut()
            .unwrap()
            .remove("credit_code");
        let file = if i == 0 {
            "=HYPERLINK(1).json".to_string()
        } else {
            format!("{i:02}.json")
        };
        write_json(&inbox.join(&file), &f);
        names.push(s.clone());
    }
    // And one with the 200,000-character answer.
    write_json(&inbox.join("huge.json"), &hostile(huge(), true));
    for reports in ["html", "markdown", "json"] {
        let out = d.join(format!("out-{reports}"));
        let o = Command::new(env!("CARGO_BIN_EXE_hegui"))
            .current_dir(&inbox)
            .arg("batch")
            .args(
                std::fs::read_dir(&inbox)
                    .unwrap()
                    .map(|e| e.unwrap().file_name()),
            )
            .arg("--rules")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO))
            .arg("--out")
            .arg(&out)
            .args(["--reports", reports])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );

        // summary.json: the exact strings.
        let s: Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let got: BTreeSet<&str> = s["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        for n in &names {
            assert!(got.contains(n.as_str()), "summary.json lost {n:?}");
        }

        // summary.csv: every row whole, no cell a formula, the text otherwise exact.
        let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        let rows = csv_rows(&csv);
        assert_eq!(rows.len(), names.len() + 2, "header + one row per input");
        for r in &rows {
            assert_eq!(r.len(), rows[0].len(), "{r:?}");
            for cell in r {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "formula-like CSV cell {cell:?}"
                );
            }
        }
        let col = rows[0]
            .iter()
            .position(|h| h.contains("organisation"))
            .unwrap();
        let csv_names: BTreeSet<&str> = rows[1..].iter().map(|r| r[col].as_str()).collect();
        for n in &names {
            let expect = if n.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{n}")
            } else {
                n.clone()
            };
            assert!(csv_names.contains(expect.as_str()), "CSV: {expect:?}");
        }
        assert!(
            rows[1..].iter().any(|r| r[0] == "'=HYPERLINK(1).json"),
            "the file name cell is neutralised"
        );

        // summary.xlsx: no formulas; the names as plain string cells, exact.
        no_formulas(&out.join("summary.xlsx"));
        let mut wb = calamine::open_workbook_auto(out.join("summary.xlsx")).unwrap();
        let first = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&first).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let col = header
            .iter()
            .position(|h| h.contains("organisation"))
            .unwrap();
        let xl_names: BTreeSet<String> = range
            .rows()
            .skip(1)
            .map(|r| match &r[col] {
                Data::String(s) => s.clone(),
                other => panic!("organisation cell {other:?} is not a string"),
            })
            .collect();
        for n in &names {
            assert!(xl_names.contains(n), "xlsx: {n:?}");
        }

        // overview.html and the reports.
        let overview = std::fs::read_to_string(out.join("overview.html")).unwrap();
        let ov = parse_html(&overview);
        assert!(
            ov.shapes.iter().all(|s| !s.contains("@on") && s != "img"),
            "overview: {:?}",
            ov.shapes
        );
        assert_eq!(
            ov.scripts,
            parse_html(&overview.replace("alert", "")).scripts
        );
        assert!(
            ov.text.contains(&c[0]) && ov.text.contains(&c[1]),
            "overview text"
        );
        for e in std::fs::read_dir(out.join("reports")).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            match reports {
                "html" => {
                    let h = parse_html(&text);
                    assert!(
                        h.shapes.iter().all(|s| !s.contains("@on") && s != "img"),
                        "{}: {:?}",
                        p.display(),
                        h.shapes
                    );
                    assert!(h.script_bodies.iter().all(|b| !b.contains("alert(")));
                    assert!(
                        h.text.contains(&c[0]) || h.text.contains(&c[1]),
                        "{}",
                        p.display()
                    );
                }
                "markdown" => markdown_safe(&p.display().to_string(), &text),
                _ => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    let n = v["organisation"]["name"].as_str().unwrap();
                    assert!(names.iter().any(|x| x == n), "{n:?}");
                }
            }
        }
    }
}

#[test]
fn diff_and_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = write_json(&d.join("hostile.json"), &hostile(huge(), true));
    let b = write_json(&d.join("benign.json"), &benign(huge(), true));
    // A file name that is itself hostile.
    let odd = d.join("a|b <img src=x onerror=alert(1)>.json");
    std::fs::copy(&h, &odd).unwrap();
    let odd = odd.to_str().unwrap();
    for (old, new) in [(&b as &str, &h as &str), (&h, &b), (odd, &h)] {
        let md = String::from_utf8(ok(d, &["diff", old, new, "--rules", DEMO, "--force"])).unwrap();
        markdown_safe("diff.md", &md);
        let j: Value = serde_json::from_slice(&ok(
            d,
            &[
                "diff", old, new, "--rules", DEMO, "--force", "--format", "json",
            ],
        ))
        .unwrap();
        let text = j.to_string();
        assert!(
            text.contains(&serde_json::to_string(&corpus()[1]).unwrap()[1..]),
            "diff JSON names the organisation exactly"
        );
    }
    // A JSON result as one side.
    let r = d.join("r.json");
    std::fs::write(
        &r,
        ok(d, &["assess", &h, "--rules", DEMO, "--format", "json"]),
    )
    .unwrap();
    markdown_safe(
        "diff result.json",
        &String::from_utf8(ok(d, &["diff", r.to_str().unwrap(), &h, "--rules", DEMO])).unwrap(),
    );

    // migrate (to the same pack and to 1.3): the answers come out exact, YAML and JSON.
    for to in [DEMO, "tests/data/demo-1.3/demo"] {
        for ext in ["json", "yaml"] {
            let out = d.join(format!("m.{ext}"));
            ok(
                d,
                &[
                    "migrate",
                    &h,
                    "--from",
                    DEMO,
                    "--rules",
                    to,
                    "-o",
                    out.to_str().unwrap(),
                ],
            );
            let v: Value = if ext == "json" {
                serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
            } else {
                // Read back through hegui itself: assess it as JSON, compare the organisation.
                let a: Value = serde_json::from_slice(&ok(
                    d,
                    &[
                        "assess",
                        out.to_str().unwrap(),
                        "--rules",
                        to,
                        "--format",
                        "json",
                    ],
                ))
                .unwrap();
                let mut o = a["organisation"].clone();
                let o = o.as_object_mut().unwrap();
                o.remove("prepared_by");
                o.remove("responsible_person");
                json!({"organisation": o})
            };
            let input = hostile(huge(), true);
            assert_eq!(v["organisation"], input["organisation"], "{to} {ext}");
            if ext == "json" {
                assert_eq!(v["answers"]["apps"], input["answers"]["apps"], "{to}");
                assert_eq!(v["waivers"], input["waivers"], "{to}");
                assert_eq!(
                    v["answers"]["org.contact_note"]["value"]
                        .as_str()
                        .map(str::len),
                    Some(huge().len())
                );
            }
        }
    }
}
