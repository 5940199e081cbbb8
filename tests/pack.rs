//! The shipped pack `hlj-2017-mobile-internet`: self-tests, sources, coverage, fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use hegui_core::eval::assess::{AssessOptions, Outcome, assess};
use hegui_core::facts::load_facts;
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::{Level, Pack};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

const ID: &str = "hlj-2017-mobile-internet";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pack() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files(ID).expect("the pack is embedded");
        match load_pack(&files) {
            Ok(l) => {
                assert!(l.warnings.is_empty(), "{:?}", l.warnings);
                l.pack
            }
            Err(d) => panic!(
                "{}",
                d.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    })
}

#[test]
fn embedded_pack_is_the_default_and_equals_the_directory() {
    assert_eq!(hegui_packs::DEFAULT_PACK, ID);
    let dir_path = root().join("rules").join(ID);
    let mut files = PackFiles::from_dir(&dir_path).unwrap();
    // The question library is found beside the packs' folder (library/hegui-common).
    assert_eq!(
        files.find_library(&dir_path, &[]).unwrap(),
        None,
        "library found beside"
    );
    let dir = load_pack(&files).unwrap().pack;
    assert_eq!(dir.digest, pack().digest);
    assert_eq!(dir.meta.version, "2.1.0");
}

#[test]
fn self_tests_pass_with_every_comparison_exercised() {
    let report = hegui_core::selftest::run(pack());
    let text = hegui_core::selftest::render(&report, pack());
    assert!(report.ok(), "{text}");
    assert!(report.unexercised.is_empty(), "{text}");
    assert!(report.expectations >= pack().rules.len() * 3, "{text}");
}

/// SHA-256 of `shared/sources/hlj-2017-mobile-internet.txt`, as delivered.
const SOURCE_SHA256: &str = "38aca22081698ae3e2ade06bc557562544511e59d1c6f279f5f35a2c708d0720";

#[test]
fn source_text_is_a_byte_for_byte_copy() {
    let shipped = std::fs::read(
        root()
            .join("rules")
            .join(ID)
            .join("sources/hlj-2017-mobile-internet.txt"),
    )
    .unwrap();
    assert!(!shipped.contains(&b'\r'), "LF line endings");
    assert_eq!(
        hegui_core::model::digest::bytes(&shipped),
        format!("sha256:{SOURCE_SHA256}")
    );
    // Where the shared research folder sits beside the repository (as in CI), compare directly too.
    let shared = root().join("../shared/sources/hlj-2017-mobile-internet.txt");
    if let Ok(original) = std::fs::read(&shared) {
        assert_eq!(original, shipped);
    }
}

#[test]
fn the_text_splits_into_clauses_one_to_twenty() {
    let doc = pack().source("hlj-2017").unwrap();
    let numbers: Vec<&str> = doc.clauses.iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected);
    assert!(
        doc.clause("14")
            .unwrap()
            .contains("督促移动互联网企业落实实名制")
    );
    assert!(
        !doc.clause("12")
            .unwrap()
            .contains("四、防范移动互联网安全风险"),
        "part titles end a clause"
    );
}

fn norm(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// An independent reading of the shipped text: clause N runs from the line `N.` to the next
/// numbered line or part title.
fn clause_text(n: &str) -> String {
    let text = std::fs::read_to_string(
        root()
            .join("rules")
            .join(ID)
            .join("sources/hlj-2017-mobile-internet.txt"),
    )
    .unwrap();
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim_start();
        let num: String = t.chars().take_while(char::is_ascii_digit).collect();
        let starts_clause = !num.is_empty()
            && t[num.len()..].starts_with('.')
            && !t[num.len() + 1..].starts_with(|c: char| c.is_ascii_digit());
        let part_title =
            t.starts_with(['一', '二', '三', '四', '五']) && t.chars().nth(1) == Some('、');
        if starts_clause {
            inside = num == n;
        } else if part_title {
            inside = false;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn every_quote_lies_verbatim_inside_its_clause() {
    for r in &pack().rules {
        assert_eq!(r.source.document, "hlj-2017", "{}", r.id);
        let clause = norm(&clause_text(&r.source.clause));
        assert!(
            !clause.is_empty(),
            "{}: no clause {}",
            r.id,
            r.source.clause
        );
        let quote = norm(&r.source.quote);
        assert!(
            quote.chars().count() >= 8,
            "{}: quote too short to be a whole phrase: {}",
            r.id,
            r.source.quote
        );
        assert!(
            clause.contains(&quote),
            "{}: quote not in clause {}: {}",
            r.id,
            r.source.clause,
            r.source.quote
        );
    }
}

#[test]
fn all_twenty_clauses_are_accounted_for() {
    let p = pack();
    let mut by_clause: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for r in &p.rules {
        by_clause
            .entry(r.source.clause.parse().unwrap())
            .or_default()
            .push(&r.id);
    }
    for must in [3, 4, 6, 13, 14, 15, 16, 20] {
        assert!(
            by_clause.contains_key(&must),
            "clause {must} must have rules"
        );
    }
    for n in 1..=20u32 {
        let noted = p.coverage.iter().any(|c| c.clause == n.to_string());
        assert!(
            by_clause.contains_key(&n) ^ noted,
            "clause {n}: exactly one of rules or a coverage reason"
        );
    }
    let out = hegui_report::show::coverage(p);
    assert!(!out.contains("NOT COVERED"), "{out}");
    for n in 1..=20 {
        assert!(
            out.contains(&format!("\n  第{n}项 / item {n}  ")),
            "coverage names clause {n}"
        );
    }
}

#[test]
fn everything_is_bilingual() {
    let p = pack();
    let ok = |t: &hegui_core::text::Text, what: &str| {
        assert!(
            !t.zh.trim().is_empty() && !t.en.trim().is_empty(),
            "{what}: {t:?}"
        );
        assert!(
            t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{what}: zh has Chinese: {t:?}"
        );
    };
    for r in &p.rules {
        ok(&r.title, &r.id);
        ok(&r.remediation, &r.id);
        assert!(!r.evidence.is_empty(), "{}", r.id);
        r.evidence.iter().for_each(|e| ok(e, &r.id));
    }
    for q in &p.questionnaire.questions {
        ok(&q.label, &q.id);
        if let Some(h) = &q.help {
            ok(h, &q.id);
        }
        q.options
            .iter()
            .for_each(|o| ok(&o.label, &format!("{} option {}", q.id, o.id)));
    }
}

#[test]
fn citations_carry_both_cybersecurity_law_numbers() {
    for r in &pack().rules {
        for reference in &r.references {
            for (v, a) in &reference.articles {
                assert!(
                    pack().citation(&reference.instrument, v, a).is_some(),
                    "{}: {} {v} art. {a} is in the citation ledger",
                    r.id,
                    reference.instrument
                );
            }
            if reference.instrument == "csl" {
                let versions: Vec<&str> =
                    reference.articles.iter().map(|(v, _)| v.as_str()).collect();
                assert_eq!(
                    versions,
                    ["2016", "2025"],
                    "{}: both numberings of 网络安全法",
                    r.id
                );
            }
        }
    }
}

fn fixture(name: &str) -> hegui_core::eval::assess::Assessment {
    let path = root().join("fixtures/companies").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let f = match load_facts(&path.to_string_lossy(), &text, pack()) {
        Ok(f) => {
            assert!(f.warnings.is_empty(), "{name}: {:?}", f.warnings);
            f.facts
        }
        Err(d) => panic!(
            "{name}: {}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assess(pack(), &f, AssessOptions::default())
}

fn with(a: &hegui_core::eval::assess::Assessment, level: Level, outcome: Outcome) -> Vec<String> {
    let mut v: Vec<String> = a.packs[0]
        .findings
        .iter()
        .filter(|f| f.level == level && f.outcome == outcome)
        .map(|f| f.rule_id.clone())
        .collect();
    v.sort();
    v
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn there_are_at_least_six_fixtures_and_all_assess() {
    let names: Vec<_> = std::fs::read_dir(root().join("fixtures/companies"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    for n in names {
        let a = fixture(&n);
        assert_eq!(a.packs[0].findings.len(), pack().rules.len());
    }
}

#[test]
fn fixture_news_app() {
    let a = fixture("news-app.yaml");
    assert_eq!(
        with(&a, Level::Required, Outcome::Fail),
        sorted(&[
            "newtech.assessment-before-launch",
            "newtech.report-submitted",
            "content.illegal-categories"
        ])
    );
    assert_eq!(
        with(&a, Level::Recommended, Outcome::Fail),
        sorted(&["development.ipv6"])
    );
    assert_eq!(a.packs[0].summary.all.unanswered, 0);
    let f = a.packs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == "newtech.assessment-before-launch")
        .unwrap();
    assert_eq!(f.items, vec!["AI语音播报"]);
    assert!(
        a.packs[0].scopes.iter().any(|s| s.id.contains("news")),
        "{:?}",
        a.packs[0].scopes
    );
}

#[test]
fn fixture_ride_hailing() {
    let a = fixture("ride-hailing.yaml");
    assert_eq!(
        with(&a, Level::Required, Outcome::Waived),
        sorted(&["security.network-logs"])
    );
    assert_eq!(
        with(&a, Level::Required, Outcome::Fail),
        sorted(&["pi.sharing-separate-consent", "pi.impact-assessment"])
    );
    assert_eq!(
        with(&a, Level::Required, Outcome::Unanswered),
        sorted(&["security.graded-protection", "security.graded-filing"])
    );
    let g = a.packs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == "security.graded-protection")
        .unwrap();
    assert!(!g.dont_know.is_empty(), "不清楚 is reported: {g:?}");
    assert_eq!(
        with(&a, Level::Recommended, Outcome::Fail),
        sorted(&["development.ipv6", "development.self-discipline"])
    );
}

#[test]
fn fixture_mini_program_shop() {
    let a = fixture("mini-program-shop.yaml");
    assert!(with(&a, Level::Required, Outcome::Fail).contains(&"realname.apps".to_string()));
    assert_eq!(
        with(&a, Level::Required, Outcome::Unanswered),
        sorted(&[
            "security.network-logs",
            "pi.sharing-separate-consent",
            "pi.impact-assessment"
        ])
    );
    // Dated 2025-12-15: 网络安全法 is cited by its 2016 numbering.
    let csl: Vec<_> = a.packs[0]
        .findings
        .iter()
        .flat_map(|f| &f.references)
        .filter(|r| r.instrument == "csl")
        .collect();
    assert!(!csl.is_empty());
    assert!(csl.iter().all(|r| r.version == "2016"), "{csl:?}");
}

#[test]
fn fixture_mobile_reseller() {
    let a = fixture("mobile-reseller.yaml");
    assert_eq!(
        with(&a, Level::Required, Outcome::Fail),
        sorted(&["pi.security-measures"])
    );
    // Number portability and interconnection quality are recommended in 2.0.0, and resellers
    // are outside both.
    let na = with(&a, Level::Recommended, Outcome::NotApplicable);
    for r in [
        "telecom.number-portability",
        "telecom.interconnection-quality",
    ] {
        assert!(na.contains(&r.to_string()), "{r}: {na:?}");
    }
    assert!(
        with(&a, Level::Required, Outcome::Pass)
            .contains(&"antifraud.abnormal-accounts".to_string())
    );
    let pass = with(&a, Level::Required, Outcome::Pass);
    for r in [
        "licensing.telecom-licence",
        "telecom.phone-real-name",
        "telecom.fraud-device-blocking",
    ] {
        assert!(pass.contains(&r.to_string()), "{r}: {pass:?}");
    }
}

#[test]
fn fixture_platform_compliant() {
    let a = fixture("platform-compliant.yaml");
    assert_eq!(a.packs[0].summary.required.fail, 0);
    assert_eq!(a.packs[0].summary.required.unanswered, 0);
    assert_eq!(
        with(&a, Level::Recommended, Outcome::Fail),
        sorted(&["development.ipv6"])
    );
    assert!(a.packs[0].summary.required.pass > 20);
}

#[test]
fn fixture_half_blank() {
    let a = fixture("half-blank.yaml");
    assert_eq!(
        with(&a, Level::Required, Outcome::Fail),
        sorted(&["security.incident-plan"])
    );
    assert_eq!(a.packs[0].summary.required.unanswered, 35);
    assert!(a.packs[0].summary.required_dont_know > 0);
    let open = with(&a, Level::Required, Outcome::Unanswered);
    for r in [
        "licensing.telecom-licence",
        "licensing.icp-licence",
        "licensing.edi-licence",
        "newtech.assessment-before-launch",
        "realname.apps",
        "realname.online-games",
    ] {
        assert!(open.contains(&r.to_string()), "{r}: {open:?}");
    }
}

#[test]
fn fixture_idc_cloud() {
    let a = fixture("idc-cloud.yaml");
    assert_eq!(
        with(&a, Level::Required, Outcome::Fail),
        sorted(&["security.inspection-rectification"])
    );
    assert!(
        with(&a, Level::Required, Outcome::Pass)
            .contains(&"realname.infrastructure-customers".to_string())
    );
}

#[test]
fn readme_example_runs_on_the_default_pack() {
    let out = assert_cmd::Command::cargo_bin("hegui")
        .unwrap()
        .current_dir(root())
        .args(["assess", "fixtures/companies/news-app.yaml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("不合规"), "{text}");
    let _ = Path::new("");
}
