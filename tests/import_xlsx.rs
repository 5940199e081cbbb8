//! The Excel questionnaire and `hegui import`: round trips for every fixture company, what
//! spreadsheets really produce, errors naming sheet, cell and question, and a workbook re-saved
//! by LibreOffice (a writer that is not our own).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use assert_cmd::Command;
use hegui_core::diag::Diagnostic;
use hegui_core::eval::assess::{AssessOptions, assess};
use hegui_core::facts::{Facts, load_facts};
use hegui_core::load::load_pack;
use hegui_core::model::Pack;
use hegui_core::text::Lang;
use hegui_office::import::{facts_text, import_workbook};
use hegui_office::xlsx::{
    COL_ANSWER, COL_ID, COL_KEY, COL_REMARK, COL_VALUE, GROUP_MARK, HEADER_FIELDS, HEADER_ROW,
    ITEM_ROW, KEY_ROW, QUESTION_HEADERS, SHEET_HEADER, SHEET_QUESTIONS, workbook,
};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pack() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files("hlj-2017-mobile-internet").unwrap();
        load_pack(&files).unwrap().pack
    })
}

fn load(path: &Path) -> Facts {
    let text = std::fs::read_to_string(path).unwrap();
    load_facts(path.to_str().unwrap(), &text, pack())
        .unwrap_or_else(|d| panic!("{}", msgs(&d)))
        .facts
}

fn msgs(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn findings(f: &Facts) -> serde_json::Value {
    let a = assess(pack(), f, AssessOptions::default());
    serde_json::to_value(&a.packs[0].findings).unwrap()
}

fn companies() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/companies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 7, "{v:?}");
    v
}

#[test]
fn every_fixture_company_round_trips_through_the_workbook() {
    for path in companies() {
        let facts = load(&path);
        let want = findings(&facts);
        for lang in [Lang::Zh, Lang::En, Lang::Both] {
            let bytes = workbook(pack(), facts.assessment_date, lang, Some(&facts)).unwrap();
            let back = import_workbook("answers.xlsx", &bytes, pack())
                .unwrap_or_else(|d| panic!("{} ({lang:?}):\n{}", path.display(), msgs(&d)));
            assert!(
                back.warnings.is_empty(),
                "{}: {}",
                path.display(),
                msgs(&back.warnings)
            );
            assert_eq!(
                findings(&back.facts),
                want,
                "{} ({lang:?}): findings differ",
                path.display()
            );
            assert_eq!(back.facts.organisation, facts.organisation);
            assert_eq!(back.facts.waivers, facts.waivers);
            // The facts file written by import is read back unchanged, as YAML and as JSON.
            for json in [false, true] {
                let text = facts_text(pack(), &back.facts, json).unwrap();
                let name = if json { "out.json" } else { "out.yaml" };
                let again = load_facts(name, &text, pack())
                    .unwrap_or_else(|d| panic!("{}\n{text}", msgs(&d)));
                assert_eq!(again.facts, back.facts, "{}: {name}", path.display());
            }
        }
    }
}

#[test]
fn top_level_remarks_and_evidence_survive_the_round_trip() {
    let facts = load(&root().join("fixtures/companies/news-app.yaml"));
    let bytes = workbook(pack(), facts.assessment_date, Lang::Zh, Some(&facts)).unwrap();
    let back = import_workbook("a.xlsx", &bytes, pack()).unwrap().facts;
    let qn = &pack().questionnaire;
    for id in ["security.graded_protection", "content.categories_cleaned"] {
        let q = qn.question(id).unwrap();
        assert_eq!(back.answers[q], facts.answers[q], "{id}");
    }
}

#[test]
fn the_blank_workbook_imports_as_unanswered_and_names_the_empty_organisation() {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap();
    let bytes = workbook(pack(), date, Lang::Both, None).unwrap();
    let back = import_workbook("blank.xlsx", &bytes, pack()).unwrap();
    assert!(back.facts.answers.iter().all(Option::is_none));
    assert!(back.facts.groups.iter().all(Option::is_none));
    assert_eq!(back.facts.assessment_date, date);
    assert_eq!(
        back.facts.pack.questionnaire_digest.as_deref(),
        Some(pack().questionnaire.digest.as_str())
    );
    let w = msgs(&back.warnings);
    assert!(
        w.contains("blank.xlsx: 工作表 sheet「基本信息 Header」单元格 cell C6: `organisation.name` is empty"),
        "{w}"
    );
}

/// A workbook laid out like the questionnaire, filled with what people and spreadsheet
/// programs really produce.
struct Sheet {
    wb: Workbook,
}

enum Cell<'a> {
    S(&'a str),
    N(f64),
    B(bool),
    D(u16, u8, u8),
}

impl Sheet {
    fn new(header: &[(&str, Cell<'_>)], answers: &[(&str, Cell<'_>, &str)]) -> Self {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(SHEET_HEADER).unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let mut fields: Vec<(&str, Cell<'_>)> = vec![
            ("pack.id", Cell::S("hlj-2017-mobile-internet")),
            ("pack.version", Cell::S(&pack().meta.version)),
            ("organisation.name", Cell::S("  测试科技有限公司 ")),
        ];
        fields.extend(header.iter().map(|(k, c)| (*k, copy(c))));
        for (i, (k, c)) in fields.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            ws.write_string(row, COL_KEY, *k).unwrap();
            put(ws, row, COL_VALUE, c, &date);
        }
        let ws = wb.add_worksheet();
        ws.set_name(SHEET_QUESTIONS).unwrap();
        for (c, h) in QUESTION_HEADERS.iter().enumerate() {
            ws.write_string(HEADER_ROW, c as u16, *h).unwrap();
        }
        for (i, (id, c, remark)) in answers.iter().enumerate() {
            let row = HEADER_ROW + 1 + i as u32;
            ws.write_string(row, COL_ID, *id).unwrap();
            put(ws, row, COL_ANSWER, c, &date);
            if !remark.is_empty() {
                ws.write_string(row, COL_REMARK, *remark).unwrap();
            }
        }
        Sheet { wb }
    }

    fn group(mut self, sheet: &str, id: &str, keys: &[&str], rows: &[Vec<Cell<'_>>]) -> Self {
        let ws = self.wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        ws.write_string(0, 0, GROUP_MARK).unwrap();
        ws.write_string(0, 1, id).unwrap();
        for (c, k) in keys.iter().enumerate() {
            ws.write_string(KEY_ROW, c as u16, *k).unwrap();
        }
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                put(ws, ITEM_ROW + r as u32, c as u16, cell, &date);
            }
        }
        self
    }

    fn bytes(mut self) -> Vec<u8> {
        self.wb.save_to_buffer().unwrap()
    }
}

fn copy<'a>(c: &Cell<'a>) -> Cell<'a> {
    match c {
        Cell::S(s) => Cell::S(s),
        Cell::N(x) => Cell::N(*x),
        Cell::B(b) => Cell::B(*b),
        Cell::D(y, m, d) => Cell::D(*y, *m, *d),
    }
}

fn put(ws: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, c: &Cell<'_>, date: &Format) {
    match c {
        Cell::S("") => {}
        Cell::S(s) => {
            ws.write_string(row, col, *s).unwrap();
        }
        Cell::N(x) => {
            ws.write_number(row, col, *x).unwrap();
        }
        Cell::B(b) => {
            ws.write_boolean(row, col, *b).unwrap();
        }
        Cell::D(y, m, d) => {
            let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
            ws.write_datetime_with_format(row, col, &dt, date).unwrap();
        }
    }
}

fn answer_json(f: &Facts) -> serde_json::Value {
    hegui_core::facts::write::facts_json(pack(), f)["answers"].clone()
}

#[test]
fn what_spreadsheets_really_produce_is_read_by_the_question_type() {
    let bytes = Sheet::new(
        &[
            ("assessment_date", Cell::S(" 2026年5月20日 ")),
            ("organisation.region_code", Cell::N(230103.0)),
            ("organisation.credit_code", Cell::S(" 91230103MA1CK4T714 ")),
        ],
        &[
            ("scope.heilongjiang", Cell::S(" 是 "), ""),
            ("org.processes_pi", Cell::B(true), ""),
            ("org.sensitive_pi", Cell::S("No"), ""),
            ("org.minors_under_14", Cell::S("FALSE"), ""),
            ("scope.shares_pi", Cell::S("不清楚"), "不确定"),
            // Labels, with a label that itself contains 、 and full-width commas between.
            (
                "scope.functions",
                Cell::S(
                    "为他人提供网络接入、服务器托管、空间租用、云服务或内容分发（CDN），域名注册服务; games",
                ),
                "",
            ),
            ("org.channels", Cell::S("Mobile apps"), ""),
            ("scope.telecom_network", Cell::S("否"), ""),
            // Numbers that come back as decimals, or typed as text with full-width digits.
            ("security.log_retention_months", Cell::S("６"), ""),
            ("security.inspected", Cell::S("yes"), ""),
            ("   ", Cell::S(""), ""),
        ],
    )
    // A date as a serial number without a date format (2026-03-15 = 46096).
    .group(
        "Features",
        "features",
        &["name", "launch_date"],
        &[vec![Cell::S("推荐"), Cell::N(46096.0)]],
    )
    .group(
        "Apps",
        "apps",
        &["name", "has_accounts", "filed", "filing_number", "remark"],
        &[
            vec![
                Cell::S(" 主App "),
                Cell::S("是"),
                Cell::B(true),
                Cell::N(12345.0),
                Cell::S("主要产品"),
            ],
            vec![
                Cell::S(""),
                Cell::S(""),
                Cell::S(""),
                Cell::S(""),
                Cell::S(""),
            ],
            vec![
                Cell::S("工具"),
                Cell::S("否"),
                Cell::S("否"),
                Cell::S(""),
                Cell::S(""),
            ],
        ],
    )
    .bytes();
    let back =
        import_workbook("in.xlsx", &bytes, pack()).unwrap_or_else(|d| panic!("{}", msgs(&d)));
    let f = back.facts;
    assert_eq!(f.assessment_date.to_string(), "2026-05-20");
    assert_eq!(f.organisation.name, "测试科技有限公司");
    assert_eq!(f.organisation.region_code.as_deref(), Some("230103"));
    let a = answer_json(&f);
    let want = serde_json::json!({
        "scope.heilongjiang": true,
        "org.channels": ["app"],
        "scope.functions": ["games", "access_hosting", "domain_registration"],
        "scope.telecom_network": "none",
        "org.processes_pi": true,
        "org.sensitive_pi": false,
        "org.minors_under_14": false,
        "scope.shares_pi": {"dont_know": true, "remark": "不确定"},
        "apps": [
            {"name": {"value": "主App", "remark": "主要产品"}, "has_accounts": true, "filed": true, "filing_number": "12345"},
            {"name": "工具", "has_accounts": false, "filed": false}
        ],
        "security.log_retention_months": 6,
        "security.inspected": true,
        "features": [{"name": "推荐", "launch_date": "2026-03-15"}],
    });
    assert_eq!(a, want, "{}", serde_json::to_string_pretty(&a).unwrap());
}

#[test]
fn problems_name_the_file_sheet_cell_and_question() {
    let bytes = Sheet::new(
        &[("assessment_date", Cell::D(2026, 5, 20))],
        &[
            ("scope.heilongjiang", Cell::S("maybe"), ""),
            ("org.channels", Cell::S("App、传真"), ""),
            ("scope.functions", Cell::S("以上均无、网络游戏"), ""),
            ("security.log_retention_months", Cell::N(6.5), ""),
            ("security.anti_malware", Cell::S("是"), ""),
            ("security.inspected", Cell::S("是"), ""),
            ("org.chanels", Cell::S("x"), ""),
            ("scope.heilongjiang", Cell::S("是"), ""),
            ("apps", Cell::S("无"), ""),
        ],
    )
    .group(
        "Apps",
        "apps",
        &["name", "has_acounts"],
        &[vec![Cell::S("主App"), Cell::S("是")]],
    )
    .group(
        "Features",
        "features",
        &["name", "launch_date"],
        &[vec![Cell::S("推荐"), Cell::D(2027, 1, 15)]],
    )
    .bytes();
    let d = import_workbook("bad.xlsx", &bytes, pack()).unwrap_err();
    let m = msgs(&d);
    let sheet = "bad.xlsx: 工作表 sheet「问卷 Questions」单元格 cell";
    for want in [
        format!(
            "{sheet} F3: question `scope.heilongjiang`: yes/no question expects true or false (是/否), found \"maybe\""
        ),
        format!("{sheet} F4: question `org.channels`: `传真` is not an option"),
        format!(
            "{sheet} F5: question `scope.functions`: option `none` excludes the others but is combined with them"
        ),
        format!(
            "{sheet} F6: question `security.log_retention_months`: integer question expects a whole number, found 6.5"
        ),
        "bad.xlsx: 工作表 sheet「Features」单元格 cell B6: question `features[*].launch_date`: 2027-01-15 is after the assessment date 2026-05-20, but this is the date of a past event".to_string(),
        format!("{sheet} B9: question `org.chanels`: unknown question"),
        format!(
            "{sheet} B10: question `scope.heilongjiang`: the question appears twice (also on row 3)"
        ),
        format!(
            "{sheet} F11: group `apps`: says there are no items (无), but sheet `Apps` lists 1"
        ),
    ] {
        assert!(m.contains(&want), "missing:\n{want}\n--- got:\n{m}");
    }
    assert!(m.contains("did you mean `org.channels`?"), "{m}");
    // Every problem has a place in the workbook.
    assert!(d.iter().all(|d| d.file.contains("单元格 cell")), "{m}");
}

#[test]
fn approximate_dates_are_read_from_text_cells_and_ambiguous_date_cells_refused() {
    // launch_date and security_assessment_date accept a month (the shipped pack's precision).
    let sheet = |cells: Vec<Cell<'static>>| {
        Sheet::new(&[("assessment_date", Cell::D(2026, 5, 20))], &[])
            .group(
                "Features",
                "features",
                &["name", "launch_date", "security_assessment_date"],
                &[cells],
            )
            .bytes()
    };
    // Months typed as text in the forms people write; a full date cell on another day is a day.
    for (cell, want) in [
        (Cell::S("2025-09"), "2025-09"),
        (Cell::S("2025/9"), "2025-09"),
        (Cell::S("2025年9月"), "2025-09"),
        (Cell::S("2025-09-15"), "2025-09-15"),
        (Cell::D(2025, 9, 15), "2025-09-15"),
    ] {
        let f = import_workbook(
            "m.xlsx",
            &sheet(vec![Cell::S("推荐"), cell, Cell::S("")]),
            pack(),
        )
        .unwrap_or_else(|d| panic!("{want}: {}", msgs(&d)))
        .facts;
        assert_eq!(answer_json(&f)["features"][0]["launch_date"], want);
    }
    // A date cell on the first of a month: Excel's reading of a typed `2025-09`, or that very
    // day? Refused, naming sheet, cell and what to type.
    let d = import_workbook(
        "m.xlsx",
        &sheet(vec![Cell::S("推荐"), Cell::D(2025, 9, 1), Cell::S("")]),
        pack(),
    )
    .unwrap_err();
    let m = msgs(&d);
    assert!(
        m.contains("m.xlsx: 工作表 sheet「Features」单元格 cell B6: question `features[*].launch_date`: 日期单元格 2025-09-01 无法判断"),
        "{m}"
    );
    assert!(m.contains("its precision cannot be told"), "{m}");
    assert!(
        m.contains("2025-09-01 for the day, 2025-09 for the month"),
        "{m}"
    );
    assert!(m.contains("format the cell as text"), "{m}");
    // A year where only a month is allowed: the bilingual precision error with its cell.
    let d = import_workbook(
        "m.xlsx",
        &sheet(vec![Cell::S("推荐"), Cell::S("2025"), Cell::S("")]),
        pack(),
    )
    .unwrap_err();
    let m = msgs(&d);
    assert!(
        m.contains("cell B6: question `features[*].launch_date`: 日期不够精确"),
        "{m}"
    );
}

#[test]
fn the_workbook_makes_month_cells_text_and_writes_months_as_written() {
    let facts = hegui_core::facts::load_facts(
        "f.yaml",
        &format!(
            "pack: {{id: hlj-2017-mobile-internet, version: {}}}\norganisation: {{name: 测试}}\nassessment_date: 2026-05-20\nanswers:\n  features:\n    - {{name: 推荐, launch_date: 2025-09, security_assessment_date: 2025-08-20}}\n",
            pack().meta.version
        ),
        pack(),
    )
    .unwrap()
    .facts;
    let bytes = workbook(pack(), facts.assessment_date, Lang::Both, Some(&facts)).unwrap();
    let back = import_workbook("w.xlsx", &bytes, pack()).unwrap().facts;
    let a = answer_json(&back);
    assert_eq!(a["features"][0]["launch_date"], "2025-09");
    assert_eq!(a["features"][0]["security_assessment_date"], "2025-08-20");
    // The cells are text cells: what the workbook holds is the string as written.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let names = wb.sheet_names();
    let mut found = false;
    for n in names {
        let r = wb.worksheet_range(&n).unwrap();
        for c in r.used_cells() {
            if matches!(c.2, calamine::Data::String(s) if s == "2025-09") {
                found = true;
            }
        }
    }
    assert!(found, "the month is a text cell");
}

#[test]
fn group_sheet_problems_name_the_member_cell() {
    let bytes = Sheet::new(&[("assessment_date", Cell::D(2026, 5, 20))], &[])
        .group(
            "Apps",
            "apps",
            &["name", "has_acounts", "identity_check"],
            &[vec![Cell::S("主App"), Cell::S("是"), Cell::S("刷脸")]],
        )
        .bytes();
    let m = msgs(&import_workbook("g.xlsx", &bytes, pack()).unwrap_err());
    assert!(
        m.contains("g.xlsx: 工作表 sheet「Apps」单元格 cell B4: question `apps[*].has_acounts`: unknown question in group `apps`"),
        "{m}"
    );
    assert!(m.contains("did you mean `has_accounts`?"), "{m}");
    assert!(
        m.contains("g.xlsx: 工作表 sheet「Apps」单元格 cell C6: question `apps[*].identity_check`: `刷脸` is not an option"),
        "{m}"
    );
}

#[test]
fn a_workbook_that_is_not_a_questionnaire_is_refused_clearly() {
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "hello").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let m = msgs(&import_workbook("other.xlsx", &bytes, pack()).unwrap_err());
    assert!(m.contains("not a hegui questionnaire workbook"), "{m}");
    let m = msgs(&import_workbook("junk.xlsx", b"not a zip", pack()).unwrap_err());
    assert!(
        m.contains("junk.xlsx: ") && m.contains("not a readable workbook"),
        "{m}"
    );
}

/// Committed fixture: `fixtures/workbooks/make.sh` fills the questionnaire with the answers of
/// `fixtures/companies/ride-hailing.yaml` and has LibreOffice Calc re-save it (through ODS, so
/// every byte of the xlsx is LibreOffice's); it must round-trip to the same findings.
#[test]
fn a_workbook_resaved_by_libreoffice_imports_with_the_same_findings() {
    let path = root().join("fixtures/workbooks/ride-hailing.libreoffice.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    let back =
        import_workbook("lo.xlsx", &bytes, pack()).unwrap_or_else(|d| panic!("{}", msgs(&d)));
    let want = load(&root().join("fixtures/companies/ride-hailing.yaml"));
    assert_eq!(findings(&back.facts), findings(&want));
    assert_eq!(back.facts.waivers, want.waivers);
}

#[test]
fn import_cli_writes_a_facts_file_that_assess_takes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("q.xlsx");
    let yaml = dir.path().join("answers.yaml");
    let news = root().join("fixtures/companies/news-app.yaml");
    Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "questionnaire",
            "--format",
            "xlsx",
            "--lang",
            "zh",
            "--answers",
        ])
        .arg(&news)
        .arg("-o")
        .arg(&xlsx)
        .assert()
        .success();
    Command::cargo_bin("hegui")
        .unwrap()
        .arg("import")
        .arg(&xlsx)
        .arg("-o")
        .arg(&yaml)
        .assert()
        .success();
    let out = |p: &Path| {
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .arg("assess")
            .arg(p)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["packs"][0]["findings"].clone()
    };
    assert_eq!(out(&yaml), out(&news));
    // A broken workbook: exit 2, every problem with its sheet and cell.
    let bad = dir.path().join("bad.xlsx");
    let bytes = Sheet::new(
        &[("assessment_date", Cell::S("next week"))],
        &[("scope.heilongjiang", Cell::S("也许"), "")],
    )
    .bytes();
    std::fs::write(&bad, bytes).unwrap();
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .arg("import")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("工作表 sheet「基本信息 Header」单元格 cell C6: `assessment_date` is a date YYYY-MM-DD, found \"next week\""), "{err}");
    assert!(
        err.contains("工作表 sheet「问卷 Questions」单元格 cell F3: question `scope.heilongjiang`"),
        "{err}"
    );
}

#[test]
fn header_fields_are_the_ones_the_import_reads() {
    // Every header key is a facts field; pack fields come first and are prefilled.
    let keys: Vec<&str> = HEADER_FIELDS.iter().map(|f| f.0).collect();
    assert_eq!(
        &keys[..3],
        ["pack.id", "pack.version", "pack.questionnaire_digest"]
    );
    assert!(keys.contains(&"assessment_date"));
}
