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

/// platform-compliant with one answer left blank: undecided, with no 不清楚 behind it.
fn one_blank() -> String {
    let text = fixture("platform-compliant");
    let t = text.replace(
        "security.incident_plan: true",
        "security.incident_plan: null",
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
            json!({"numerator": 116, "denominator": 116, "percent": 100}),
            json!({"numerator": 42, "denominator": 42, "percent": 100}),
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
            json!({"numerator": 114, "denominator": 114, "percent": 100}),
            json!({"numerator": 41, "denominator": 42, "percent": 97}),
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

/// The four glance cases: complete and compliant, half-answered (fails one rule, most
/// undecided), one 不清楚 (undecided) and no obligations.
fn cases() -> Vec<(&'static str, String)> {
    vec![
        ("platform-compliant", fixture("platform-compliant")),
        ("half-blank", fixture("half-blank")),
        ("one-dont-know", one_dont_know()),
        ("one-blank", one_blank()),
        ("no-obligations", no_obligations()),
    ]
}

/// Where the first percentage (`12%`, `—` aside) is in `text`.
fn first_percentage(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    (1..b.len()).find(|&i| b[i] == b'%' && b[i - 1].is_ascii_digit())
}

/// The declarations of the first CSS rule whose selector is exactly `selector` in `css`.
fn css_rule<'a>(css: &'a str, selector: &str) -> &'a str {
    let start = css
        .find(&format!("\n{selector} {{"))
        .unwrap_or_else(|| panic!("no rule `{selector}`"));
    let body = &css[start..];
    &body[body.find('{').unwrap() + 1..body.find('}').unwrap()]
}

/// A `font-size: Nrem` in CSS declarations.
fn rem(decls: &str) -> f64 {
    let at = decls.find("font-size:").expect("a font-size");
    let v = decls[at + 10..].trim_start();
    v[..v.find("rem").unwrap()].parse().unwrap()
}

#[test]
fn html_shows_the_verdict_first_and_never_a_score_larger_than_the_coverage() {
    for (name, text) in cases() {
        let html = assess(&text, "html");
        let body = &html[html.find("<body>").unwrap()..];
        let verdict = body.find("<div class=\"verdict v-").unwrap();
        let headline = body.find("class=\"headline\"").unwrap();
        // The verdict comes before any percentage and before the organisation's details.
        if let Some(p) = first_percentage(body) {
            assert!(headline < p, "{name}: a percentage before the verdict");
        }
        assert!(
            verdict < body.find("<dl class=\"meta\">").unwrap(),
            "{name}"
        );
        // Coverage first, then the score; below 100 % coverage the score says it covers
        // decided rules only and is the smaller of the two.
        let coverage = body.find("kpi kpi-coverage").unwrap();
        let score = body.find("kpi kpi-score").unwrap();
        assert!(verdict < coverage && coverage < score, "{name}");
        let v = result(&text);
        let partial = v["packs"][0]["coverage"]["percent"]
            .as_u64()
            .is_some_and(|c| c < 100);
        let score_box = &body[score..score + body[score..].find("</div></div>").unwrap()];
        assert_eq!(score_box.contains("kpi-partial"), partial, "{name}");
        assert_eq!(score_box.contains("仅计已判定规则"), partial, "{name}");
        assert_eq!(body.contains("kpi-partial"), partial, "{name}");
    }
    // The CSS behind "smaller": the partial score's number is smaller than the coverage's,
    // and both are smaller than the headline.
    let css = std::fs::read_to_string("templates/report.css").unwrap();
    let (kpi, partial, headline) = (
        rem(css_rule(&css, ".kpi .num")),
        rem(css_rule(&css, ".kpi-partial .num")),
        rem(css_rule(&css, ".verdict .headline")),
    );
    assert!(
        partial < kpi && kpi < headline,
        "{partial} {kpi} {headline}"
    );
}

#[test]
fn an_undecided_headline_reads_cannot_yet_be_judged_compliant_with_the_count() {
    let text = one_dont_know();
    let html = assess(&text, "html");
    assert!(html.contains("<div class=\"verdict v-undecided\">"));
    assert!(html.contains("<div class=\"headline\">尚不能判定为合规</div>"));
    assert!(html.contains("<div class=\"count\">1 项强制性义务尚无定论</div>"));
    let md = assess(&text, "markdown");
    let first = md.lines().find(|l| l.starts_with("> ")).unwrap();
    assert_eq!(
        first,
        "> **结论：尚不能判定为合规**——1 项强制性义务尚无定论"
    );
}

#[test]
fn markdown_shows_the_verdict_first_and_labels_a_partial_score() {
    for (name, text) in cases() {
        let md = assess(&text, "markdown");
        let verdict = md.find("> **结论：").unwrap();
        if let Some(p) = first_percentage(&md) {
            assert!(verdict < p, "{name}");
        }
        assert!(verdict < md.find("| 组织 |").unwrap(), "{name}");
        let v = result(&text);
        let partial = v["packs"][0]["coverage"]["percent"]
            .as_u64()
            .is_some_and(|c| c < 100);
        // Coverage before the score in the verdict block and in the verdict section.
        let block = &md[verdict..md.find("| 组织 |").unwrap()];
        assert!(
            block.find("覆盖率").unwrap() < block.find("得分").unwrap(),
            "{name}"
        );
        let section = &md[md.find("## 结论与评分").unwrap()..md.find("### 按结果统计").unwrap()];
        assert!(
            section.find("覆盖率").unwrap() < section.find("得分").unwrap(),
            "{name}"
        );
        if partial {
            assert!(block.contains("得分(仅计已判定规则"), "{name}: {block}");
            assert!(
                section.contains("\n- 得分(仅计已判定规则"),
                "{name}: {section}"
            );
            assert!(
                !section.contains("**得分"),
                "{name}: the score is not emphasised"
            );
        } else {
            assert!(!md.contains("仅计已判定规则"), "{name}");
        }
    }
}

#[test]
fn a_zero_count_is_never_mentioned_in_any_report() {
    for (name, text) in cases() {
        for (format, report) in [
            ("markdown", assess(&text, "markdown")),
            ("html", assess(&text, "html")),
        ] {
            let b = report.as_bytes();
            for (i, _) in report.match_indices("0 项") {
                assert!(
                    i > 0 && b[i - 1].is_ascii_digit(),
                    "{name} {format}: a zero count near {}",
                    &report[i.saturating_sub(60)..(i + 20).min(report.len())]
                );
            }
            assert!(!report.contains("(0 with"), "{name} {format}");
        }
    }
}

#[test]
fn the_offline_form_leaves_no_placeholder() {
    let out = hegui()
        .args(["questionnaire", "--format", "html", "--lang", "both"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    // The label has two placeholders; the page's formatter fills every one of them.
    assert!(page.contains("已回答 {} 题 {} questions answered"));
    assert!(page.contains("return String(s).split(\"{}\").join(String(x));"));
    assert!(
        !page.contains(".replace(\"{}\""),
        "a replace fills only the first `{{}}`"
    );
}

/// The CJK font stack a report names: system fonts, never a font file.
const STACK: [&str; 6] = [
    "\"PingFang SC\"",
    "\"Microsoft YaHei\"",
    "\"Noto Sans CJK SC\"",
    "\"Source Han Sans SC\"",
    "\"SimSun\"",
    "sans-serif",
];

fn names_the_stack(what: &str, css: &str) {
    let body = css_rule(css, "body");
    let family = &body[body.find("font-family:").unwrap()..];
    let family = &family[..family.find(';').unwrap()];
    let mut at = 0;
    for f in STACK {
        let i = family[at..]
            .find(f)
            .unwrap_or_else(|| panic!("{what}: {f} missing or out of order in {family}"));
        at += i + f.len();
    }
    for file in ["@font-face", "url(", ".woff", ".ttf", ".otf"] {
        assert!(!css.contains(file), "{what}: {file}");
    }
}

#[test]
fn every_html_output_names_a_cjk_font_stack_for_screen_and_print() {
    let report = assess(&fixture("half-blank"), "html");
    names_the_stack("report", &report);
    // Print names it too.
    let print = &report[report.find("@media print {").unwrap()..];
    assert!(print.contains("\"Noto Sans CJK SC\""), "print stack");
    let form = hegui()
        .args(["questionnaire", "--format", "html"])
        .output()
        .unwrap();
    names_the_stack("form", &String::from_utf8(form.stdout).unwrap());
    let dir = tempfile::tempdir().unwrap();
    hegui()
        .args([
            "batch",
            "fixtures/companies",
            "-q",
            "--as-of",
            "2026-12-01",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    let overview = std::fs::read_to_string(dir.path().join("overview.html")).unwrap();
    names_the_stack("overview", &format!("\n{}", overview));
}

#[test]
fn the_cover_leaves_no_blank_band_on_screen() {
    // The band came from a cover forced to a full A4 height on screen, with the verdict pushed
    // to its bottom (`margin-top: auto`). On screen the cover is as tall as its content and the
    // verdict follows the title; only print makes the cover a page.
    let css = std::fs::read_to_string("templates/report.css").unwrap();
    let (screen, print) = css.split_at(css.find("@media print {").unwrap());
    let cover = css_rule(screen, ".cover");
    assert!(!cover.contains("min-height"), "{cover}");
    assert!(!css_rule(screen, ".verdict").contains("margin-top: auto"));
    assert!(
        !screen.contains("margin-top: auto"),
        "nothing pushed down on screen"
    );
    assert!(print.contains(".cover { break-after: page; min-height: 255mm; }"));
    let html = assess(&fixture("half-blank"), "html");
    let cover =
        &html[html.find("<header class=\"cover\">").unwrap()..html.find("</header>").unwrap()];
    let order = [
        "<h1>",
        "<div class=\"org\">",
        "<div class=\"verdict v-",
        "<dl class=\"meta\">",
        "<p class=\"notice\">",
    ]
    .map(|m| cover.find(m).unwrap_or_else(|| panic!("{m}")));
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn the_batch_overview_shows_verdicts_first_and_labels_its_scores() {
    let dir = tempfile::tempdir().unwrap();
    hegui()
        .args([
            "batch",
            "fixtures/companies",
            "-q",
            "--as-of",
            "2026-12-01",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    let html = std::fs::read_to_string(dir.path().join("overview.html")).unwrap();
    let body = &html[html.find("<body>").unwrap()..];
    let verdicts = body.find("<table class=\"verdicts\">").unwrap();
    assert!(verdicts < body.find("平均得分").unwrap());
    if let Some(p) = first_percentage(body) {
        assert!(verdicts < p);
    }
    // Every score the overview shows says it covers decided rules only.
    for (i, _) in body.match_indices("得分") {
        let after = &body[i..];
        assert!(
            body[..i].ends_with('无')
                || after.starts_with("得分(仅计已判定规则)")
                || after.starts_with("得分分布(仅计已判定规则)")
                || after.starts_with("得分最低")
                || after.starts_with("得分定义")
                || after.starts_with("得分 Score:")
                || after.starts_with("得分只计已判定规则"),
            "{}",
            &after[..after.len().min(40)]
        );
    }
    // Zero counts are not listed.
    assert!(!body.contains("<td class=\"n\">0</td></tr>\n</table>\n<p class=\"en\">计入统计"));
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let total: u64 = s["verdicts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, s["counted"].as_u64().unwrap());
    for row in s["submissions"].as_array().unwrap_or(&Vec::new()) {
        assert!(row.get("verdict").is_some());
    }
}
