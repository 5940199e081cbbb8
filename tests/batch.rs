#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! `hegui batch`: every input accounted for, numbers checked against the hand-counted
//! fixtures in tests/data/batch/inputs (counts worked out in the comments below), the CSV safe
//! for spreadsheets, output independent of thread scheduling, and the fast outcome path equal
//! to the full assessment.

mod common;
use assert_cmd::Command;
use common::csv_rows;
use hegui_batch as batch;
use hegui_core::eval::assess::{AssessOptions, Outcome, assess};
use hegui_core::eval::score::Score;
use serde_json::Value;

const INPUTS: &str = "tests/data/batch/inputs";

fn run_batch(args: &[&str], threads: &str) -> (tempfile::TempDir, i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("hegui")
        .unwrap()
        .env("RAYON_NUM_THREADS", threads)
        .arg("batch")
        .args(args)
        .args(["--rules", "tests/data/demo", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    (dir, out.status.code().unwrap())
}

fn summary(dir: &tempfile::TempDir) -> Value {
    serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap()
}

fn path(name: &str) -> String {
    format!("{INPUTS}/{name}")
}

#[test]
fn every_input_is_accounted_for() {
    let (dir, code) = run_batch(&[INPUTS, "tests/data/batch/no-such-dir"], "2");
    assert_eq!(code, 3, "rejections exit 3");
    let s = summary(&dir);
    // 9 facts files by extension + 1 argument naming nothing; notes.txt is listed, not counted.
    assert_eq!(s["found"], 10);
    assert_eq!(s["assessed"], 5);
    assert_eq!(s["rejected"], 5);
    assert_eq!(
        s["found"].as_u64().unwrap(),
        s["assessed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap()
    );
    let rejected: Vec<&str> = s["rejected_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        rejected,
        [
            path("broken.yaml").as_str(),
            path("dupkey.json").as_str(),
            path("empty.yaml").as_str(),
            path("wrong-pack.yaml").as_str(),
            "tests/data/batch/no-such-dir",
        ]
    );
    // Each rejection carries its errors, naming the file (and the place where there is one).
    for r in s["rejected_files"].as_array().unwrap() {
        let p = r["path"].as_str().unwrap();
        let first = r["errors"][0].as_str().unwrap();
        assert!(first.contains(p), "{first}");
    }
    let errors = |name: &str| {
        s["rejected_files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path(name))
            .unwrap()["errors"]
            .to_string()
    };
    assert!(errors("dupkey.json").contains("duplicate key `security.log_months`"));
    assert!(errors("dupkey.json").contains("dupkey.json:5:"));
    assert!(errors("wrong-pack.yaml").contains("other-pack"));
    assert!(errors("broken.yaml").contains("invalid YAML"));
    assert_eq!(s["other_files"], serde_json::json!([path("notes.txt")]));
    // The submissions table has every file, in path order.
    let subs: Vec<&str> = s["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(subs.len(), 9);
    let mut sorted = subs.clone();
    sorted.sort();
    assert_eq!(subs, sorted);
}

#[test]
fn summary_numbers_match_the_hand_count() {
    let (dir, _) = run_batch(&[INPUTS], "2");
    let s = summary(&dir);
    // Counted: a-company (beats c-dup-old: 2026-03-10 > 2025-03-10), b-good, and e-tie-2
    // (same code and date as e-tie-1: the path sorting last wins).
    assert_eq!(s["counted"], 3);
    assert_eq!(s["superseded"], 2);
    // Each group says why the one counted is (issue 16: a supersession is explained).
    let mut dups = s["duplicates"].clone();
    let reasons: Vec<String> = dups
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|d| {
            d.as_object_mut()
                .unwrap()
                .remove("reason")
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(reasons[0].contains("the latest assessment_date (2026-03-10) is counted"));
    assert!(!reasons[0].contains("same date"));
    assert!(reasons[1].contains("on the same date, the path that sorts last"));
    assert_eq!(
        dups,
        serde_json::json!([
            {"credit_code": "91230103MA1AB2CD3F", "counted": path("a-company.yaml"), "superseded": [path("c-dup-old.yaml")]},
            {"credit_code": "91230104MA1TEAM00L", "counted": path("e-tie-2.yaml"), "superseded": [path("e-tie-1.yaml")]},
        ])
    );
    // Per rule over the three counted submissions (a, b, e-tie-2):
    //   real-name:  a unanswered (不清楚 behind it), b pass, e N/A (not in Heilongjiang)
    //   app-filing: a fail, b N/A (no app), e N/A
    //   logs:       a waived, b pass (6), e pass (12)
    //   inspection: a pass, b pass, e unanswered
    //   feature:    a unanswered (no features given), b pass ([]), e unanswered
    let counts = |id: &str| {
        let r = s["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == id)
            .unwrap();
        let c = &r["counts"];
        [
            "fail",
            "unanswered",
            "dont_know",
            "not_applicable",
            "waived",
            "pass",
        ]
        .map(|k| c[k].as_u64().unwrap())
    };
    assert_eq!(counts("demo.real-name"), [0, 1, 1, 1, 0, 1]);
    assert_eq!(counts("demo.app-filing"), [1, 0, 0, 2, 0, 0]);
    assert_eq!(counts("demo.logs"), [0, 0, 0, 0, 1, 2]);
    assert_eq!(counts("demo.inspection"), [0, 1, 0, 0, 0, 2]);
    assert_eq!(counts("demo.feature-assessment"), [0, 2, 0, 0, 0, 1]);
    let app = s["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "demo.app-filing")
        .unwrap();
    assert_eq!(app["rates"]["not_applicable"], 66.7);
    // Scores: a = 0 (fail medium 2 + waived critical 4 decided, nothing passes), coverage 2/4;
    // b = 100 (3+4+3 of 3+4+3), coverage 3/3; e = 100 (logs 4 of 4), coverage 1/2.
    assert_eq!(s["mean_score"], 66.7);
    let lowest: Vec<(String, u64, u64)> = s["lowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["score"].as_u64().unwrap(),
                x["coverage"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lowest,
        [
            (path("a-company.yaml"), 0, 50),
            (path("b-good.json"), 100, 100),
            (path("e-tie-2.yaml"), 100, 50),
        ]
    );
    let groups = |k: &str| -> Vec<(String, u64, Value)> {
        s[k].as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"].as_str().unwrap().to_string(),
                    g["submissions"].as_u64().unwrap(),
                    g["mean_score"].clone(),
                )
            })
            .collect()
    };
    let j = |x: f64| serde_json::json!(x);
    assert_eq!(
        groups("prefectures"),
        [
            ("230100".into(), 2, j(50.0)),
            ("230200".into(), 1, j(100.0))
        ]
    );
    assert_eq!(
        groups("counties"),
        [
            ("230103".into(), 1, j(0.0)),
            ("230104".into(), 1, j(100.0)),
            ("230202".into(), 1, j(100.0))
        ]
    );
    assert_eq!(
        groups("industries"),
        [
            ("互联网信息服务".into(), 2, j(50.0)),
            ("电子商务".into(), 1, j(100.0))
        ]
    );
    // Scopes: a is an app operator and a publisher (comments); b a publisher; e neither.
    assert_eq!(
        groups("scopes"),
        [
            ("app_operator".into(), 1, j(0.0)),
            ("publisher".into(), 2, j(50.0))
        ]
    );
    // The superseded file is in the table, marked.
    let c = s["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == path("c-dup-old.yaml"))
        .unwrap();
    assert_eq!(c["counted"], false);
    assert_eq!(c["superseded_by"], path("a-company.yaml"));
}

#[test]
fn csv_has_bom_chinese_and_no_formulas() {
    let (dir, _) = run_batch(&[INPUTS], "2");
    let bytes = std::fs::read(dir.path().join("summary.csv")).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("哈尔滨示例科技有限公司"));
    assert!(text.contains("'=cmd|' /C calc'!A0 测试公司"), "{text}");
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} in {line}");
        }
    }
    // Header + one row per facts file found.
    assert_eq!(text.split("\r\n").filter(|l| !l.is_empty()).count(), 1 + 9);
    assert_eq!(batch::csv_cell("+1"), "'+1");
    assert_eq!(batch::csv_cell("-2"), "'-2");
    assert_eq!(batch::csv_cell("@x"), "'@x");
    assert_eq!(batch::csv_cell("\tx"), "'\tx");
    assert_eq!(batch::csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
    assert_eq!(batch::csv_cell("2026-03-10"), "2026-03-10");
    let xlsx = std::fs::read(dir.path().join("summary.xlsx")).unwrap();
    assert_eq!(&xlsx[..2], b"PK", "an xlsx is a zip");
    let html = std::fs::read_to_string(dir.path().join("overview.html")).unwrap();
    assert!(html.contains("未能评估"));
    assert!(html.contains("broken.yaml"));
    assert!(html.contains("230100"));
    // Escaped, not raw.
    assert!(!html.contains("<script"));
}

/// The xlsx submissions sheet says what the CSV says, cell for cell: text as text (the CSV's
/// formula guard aside), counts and scores as numbers, blanks blank; and the rejected sheet
/// lists every rejected input.
#[test]
fn xlsx_agrees_with_csv() {
    use calamine::{Data, Reader};
    let (dir, _) = run_batch(&[INPUTS, "tests/data/batch/no-such-dir"], "2");
    let text = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    let csv = csv_rows(&text);
    let mut wb = calamine::open_workbook_auto(dir.path().join("summary.xlsx")).unwrap();
    let sheet = wb.worksheet_range("提交 submissions").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), csv.len(), "header + one row per file");
    for (row, cells) in rows.iter().zip(&csv) {
        let line = cells.join(",");
        assert_eq!(cells.len(), 21, "{line}");
        for (c, (cell, want)) in row.iter().zip(cells.iter()).enumerate() {
            let want = want.as_str();
            match cell {
                Data::Empty => assert_eq!(want, "", "column {c} of {line}"),
                Data::Float(x) => {
                    assert!((10..=17).contains(&c), "column {c} is a number: {line}");
                    assert_eq!(format!("{x}"), want, "column {c} of {line}");
                }
                Data::String(t) => {
                    let header = std::ptr::eq(*row, rows[0]);
                    assert!(
                        header || !(10..=17).contains(&c),
                        "column {c} is a number: {line}"
                    );
                    // The CSV puts a `'` before what a spreadsheet would take for a formula;
                    // the xlsx stores the text as text.
                    let want = if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                        want.strip_prefix('\'').unwrap()
                    } else {
                        want
                    };
                    assert_eq!(t.as_str(), want, "column {c} of {line}");
                }
                other => panic!("unexpected cell {other:?} in column {c} of {line}"),
            }
        }
    }
    let rejected = wb.worksheet_range("未能评估 rejected").unwrap();
    assert_eq!(
        rejected.rows().count(),
        1 + 5,
        "header + the five rejected inputs"
    );
}

/// summary.json is indented down to its tables and has one record a line: one line per
/// submission, each a whole JSON object.
#[test]
fn summary_json_has_one_line_per_submission() {
    let (dir, _) = run_batch(&[INPUTS], "2");
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    let s: Value = serde_json::from_str(&text).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "  \"submissions\": [")
        .skip(1)
        .take_while(|l| *l != "  ]")
        .collect();
    assert_eq!(lines.len(), s["submissions"].as_array().unwrap().len());
    for (line, sub) in lines.iter().zip(s["submissions"].as_array().unwrap()) {
        let one: Value = serde_json::from_str(line.trim().trim_end_matches(',')).unwrap();
        assert_eq!(&one, sub);
    }
    assert!(text.starts_with("{\n  \"format\": \"hegui.batch/1\",\n"));
}

#[test]
fn output_does_not_depend_on_threads() {
    let (one, _) = run_batch(&[INPUTS], "1");
    let (two, _) = run_batch(&[INPUTS], "2");
    for f in ["summary.json", "summary.csv", "overview.html"] {
        assert_eq!(
            std::fs::read(one.path().join(f)).unwrap(),
            std::fs::read(two.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn reports_per_submission_and_globs() {
    let glob = format!("{INPUTS}/*.json");
    let (dir, code) = run_batch(&[&glob, "--reports", "json"], "2");
    assert_eq!(code, 3, "dupkey.json is rejected");
    let s = summary(&dir);
    assert_eq!(s["found"], 2);
    let report = s["submissions"][0]["report"].as_str().unwrap();
    let r: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(report)).unwrap()).unwrap();
    assert_eq!(r["format"], "hegui.assessment/2");
    let (dir, code) = run_batch(&[&path("b-good.json")], "2");
    assert_eq!(code, 0, "nothing rejected");
    assert_eq!(summary(&dir)["assessed"], 1);
}

/// The batch's fast path gives the full assessment's outcomes, 不清楚 flags and score.
#[test]
fn fast_outcomes_equal_full_assessment() {
    let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
    let pack = hegui_core::load::load_pack(&files).unwrap().pack;
    let mut seen = std::collections::HashSet::new();
    for i in 0..400 {
        for format in [
            hegui_batch::synth::SynthFormat::Json,
            hegui_batch::synth::SynthFormat::Yaml,
        ] {
            if format == hegui_batch::synth::SynthFormat::Yaml && i % 20 != 0 {
                continue;
            }
            let text = hegui_batch::synth::facts_text(&pack, 7, i, format);
            let name = format!("s{i}.{}", format.ext());
            let facts = hegui_core::facts::load_facts(&name, &text, &pack)
                .unwrap_or_else(|e| panic!("synthetic submission {i} invalid: {e:?}"))
                .facts;
            for ignore_waivers in [false, true] {
                let opts = AssessOptions { ignore_waivers };
                let a = assess(&pack, &facts, opts);
                let fast = hegui_core::eval::outcome::outcomes(&pack, &facts, opts);
                for (f, o) in a.packs[0].findings.iter().zip(&fast) {
                    assert_eq!(f.outcome, o.outcome, "{} in {i}", f.rule_id);
                    let dk = f.outcome == Outcome::Unanswered && !f.dont_know.is_empty();
                    assert_eq!(dk, o.dont_know, "{} in {i}", f.rule_id);
                    seen.insert((f.outcome, dk));
                }
                assert_eq!(
                    hegui_core::eval::outcome::score(&pack, &fast),
                    Score::of(&a.packs[0].findings)
                );
            }
        }
    }
    // The synthetic data exercises every outcome, including 不清楚.
    for o in Outcome::ALL {
        assert!(seen.iter().any(|(x, _)| *x == o), "{o:?} never seen");
    }
    assert!(seen.contains(&(Outcome::Unanswered, true)));
}

#[test]
fn synthetic_submissions_are_deterministic() {
    let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
    let pack = hegui_core::load::load_pack(&files).unwrap().pack;
    let f = hegui_batch::synth::SynthFormat::Yaml;
    assert_eq!(
        hegui_batch::synth::facts_text(&pack, 3, 5, f),
        hegui_batch::synth::facts_text(&pack, 3, 5, f)
    );
    assert_ne!(
        hegui_batch::synth::facts_text(&pack, 3, 5, f),
        hegui_batch::synth::facts_text(&pack, 3, 6, f)
    );
}

#[test]
fn max_input_size_applies_to_batches() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = assert_cmd::Command::cargo_bin("hegui")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--max-input-size",
            "1K",
            "batch",
            "fixtures/companies/news-app.yaml",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["rejected"], 1);
    assert!(
        summary["rejected_files"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("file too large"),
        "{summary}"
    );
}

/// With a spill budget of a few bytes every store and sort goes through temporary files; the
/// outputs are the same bytes as when everything fits in memory. Duplicates, rejected inputs,
/// other files and an argument naming nothing are all in the mix.
#[test]
fn spilling_to_disk_changes_no_output_byte() {
    let synth = tempfile::tempdir().unwrap();
    let status = Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "synth", "--count", "300", "--format", "json", "--seed", "7", "--out",
        ])
        .arg(synth.path())
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    std::fs::write(synth.path().join("notes.txt"), "not a facts file").unwrap();
    std::fs::write(synth.path().join("broken.json"), "{\"pack\": ").unwrap();
    let run = |budget: Option<&str>, tmp: &std::path::Path| {
        let out = tempfile::tempdir().unwrap();
        let mut cmd = Command::cargo_bin("hegui").unwrap();
        if let Some(b) = budget {
            cmd.env("HEGUI_SPILL_BYTES", b);
        }
        let result = cmd
            .env("TMPDIR", tmp)
            .args(["--verbose", "batch"])
            .arg(synth.path())
            .args([INPUTS, "no-such-input", "--out"])
            .arg(out.path())
            .output()
            .unwrap();
        (out, result)
    };
    let tmp = tempfile::tempdir().unwrap();
    let (memory, m) = run(None, tmp.path());
    let (disk, d) = run(Some("64"), tmp.path());
    assert_eq!(m.status.code(), Some(3));
    assert_eq!(d.status.code(), Some(3));
    let said = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(said(&m).contains("in memory"), "{}", said(&m));
    assert!(said(&d).contains("temporary files"), "{}", said(&d));
    let s = summary(&disk);
    assert!(
        s["superseded"].as_u64().unwrap() > 0,
        "duplicates in the mix"
    );
    assert!(s["rejected"].as_u64().unwrap() >= 3);
    assert!(!s["other_files"].as_array().unwrap().is_empty());
    for f in ["summary.json", "summary.csv", "overview.html"] {
        assert_eq!(
            std::fs::read(memory.path().join(f)).unwrap(),
            std::fs::read(disk.path().join(f)).unwrap(),
            "{f}"
        );
    }
    let parts = |dir: &tempfile::TempDir| {
        let file = std::fs::File::open(dir.path().join("summary.xlsx")).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut out = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            // The creation time differs.
            let name = entry.name().unwrap().to_string();
            if name != "docProps/core.xml" {
                out.push((name, bytes));
            }
        }
        out
    };
    assert_eq!(parts(&memory), parts(&disk));
    // Nothing is left behind in TMPDIR.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    // Temporary files that cannot be written are an error that says so, not a short summary.
    let (_, failed) = run(Some("64"), &tmp.path().join("missing"));
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        said(&failed).contains("临时文件 temporary files"),
        "{}",
        said(&failed)
    );
}
