#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Gap reports (Markdown and HTML): snapshots of every fixture, escaping of hostile answers,
//! waivers (expiry day before/on/after, unused, ignored), honest verdicts, deadlines, custom
//! templates.

use assert_cmd::Command;
use hegui_core::eval::assess::{AssessOptions, Assessment, Outcome, assess};
use hegui_core::facts::load_facts;
use hegui_core::load::load_pack;
use hegui_core::model::Pack;
use hegui_report::render::{self, Deadlines, Lang, ReportOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn pack() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
        load_pack(&files).unwrap().pack
    })
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        root()
            .join("fixtures/companies")
            .join(format!("{name}.yaml")),
    )
    .unwrap()
}

fn assessment(text: &str, ignore_waivers: bool) -> Assessment {
    let facts = match load_facts("t.yaml", text, pack()) {
        Ok(f) => f.facts,
        Err(d) => panic!("{d:?}"),
    };
    assess(pack(), &facts, AssessOptions { ignore_waivers })
}

fn render_with(a: &Assessment, template: &str, lang: Lang, opts: &ReportOptions) -> String {
    let env = render::environment(lang, None);
    render::report(&env, template, a, pack(), lang, opts).unwrap()
}

fn md(a: &Assessment, lang: Lang) -> String {
    render_with(a, "report.md.j2", lang, &ReportOptions::default())
}

fn html(a: &Assessment, lang: Lang) -> String {
    render_with(a, "report.html.j2", lang, &ReportOptions::default())
}

const FIXTURES: [&str; 7] = [
    "half-blank",
    "idc-cloud",
    "mini-program-shop",
    "mobile-reseller",
    "news-app",
    "platform-compliant",
    "ride-hailing",
];

#[test]
fn snapshots_of_every_fixture() {
    for name in FIXTURES {
        let a = assessment(&fixture(name), false);
        insta::assert_snapshot!(format!("md_zh__{name}"), md(&a, Lang::Zh));
        insta::assert_snapshot!(format!("md_en__{name}"), md(&a, Lang::En));
        insta::assert_snapshot!(format!("html_both__{name}"), html(&a, Lang::Both));
    }
}

/// The verdict line of a Markdown report (the line after the verdict heading).
fn verdict_line(report: &str) -> &str {
    let mut lines = report
        .lines()
        .skip_while(|l| !l.starts_with("## 结论与评分") && !l.starts_with("## Verdict and score"));
    lines.nth(2).unwrap_or("")
}

#[test]
fn verdict_never_says_compliant_with_undecided_rules() {
    // platform-compliant decides every required rule; blank one answer and it is undecided.
    let text = fixture("platform-compliant");
    let a = assessment(&text, false);
    assert_eq!(a.packs[0].summary.required.unanswered, 0);
    assert!(
        verdict_line(&md(&a, Lang::Zh)).starts_with("**合规**"),
        "{}",
        verdict_line(&md(&a, Lang::Zh))
    );
    assert!(verdict_line(&md(&a, Lang::En)).starts_with("**Compliant**"));

    let blanked = text.replace(
        "security.incident_plan: true",
        "security.incident_plan: 不清楚",
    );
    assert_ne!(blanked, text, "the fixture answers security.incident_plan");
    let a = assessment(&blanked, false);
    assert_eq!(a.packs[0].summary.required.fail, 0);
    assert_eq!(a.packs[0].summary.required.unanswered, 1);
    let zh = md(&a, Lang::Zh);
    let line = verdict_line(&zh);
    assert!(line.starts_with("**尚不能判定为合规**"), "{line}");
    assert!(
        line.contains("1 项适用的强制性义务") && line.contains("尚无定论"),
        "{line}"
    );
    assert!(!line.starts_with("**合规**"));
    let en = md(&a, Lang::En);
    let line = verdict_line(&en);
    assert!(
        line.starts_with("**Cannot yet be judged compliant**"),
        "{line}"
    );
    assert!(
        line.contains("1 applicable required obligation is undecided"),
        "{line}"
    );
    // Coverage shows it; the score is over decided rules only.
    assert!(en.contains("**Coverage: 97%**"), "{en}");
    assert!(
        en.contains("- Score (decided rules only: pass, fail, waived): 100%"),
        "{en}"
    );
    assert!(!en.contains("**Score"), "{en}");
    let h = html(&a, Lang::Zh);
    assert!(h.contains("class=\"verdict v-undecided\""));
    assert!(h.contains("尚不能判定为合规"));
}

#[test]
fn hostile_answers_come_out_as_text() {
    let text = fixture("ride-hailing")
        .replace(
            "name: 哈尔滨冰城约车网络科技有限公司",
            "name: \"<script>alert('org')</script>冰城 & Co\"",
        )
        .replace(
            "justification: 日志平台扩容项目已立项并完成采购，2026年6月底前将留存期限提高到6个月以上",
            "justification: \"<img src=x onerror=alert(1)> | a\\nb\"",
        );
    let a = assessment(&text, false);
    let h = html(&a, Lang::Both);
    assert!(!h.contains("<script>alert"), "script tag must be escaped");
    assert!(!h.contains("<img src=x"), "img tag must be escaped");
    assert!(h.contains("&lt;script&gt;alert(&#x27;org&#x27;)&lt;&#x2f;script&gt;冰城 &amp; Co"));
    assert!(h.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !h.contains("<script"),
        "no script element at all: the report needs no JavaScript"
    );
    // Markdown: tags and table-breaking characters are neutralised.
    let m = md(&a, Lang::Zh);
    assert!(!m.contains("<script>") && !m.contains("<img"));
    assert!(
        m.contains("&lt;img src=x onerror=alert(1)&gt; \\| a b"),
        "{m}"
    );
    // Every waiver table row still has its 7 columns (8 unescaped pipes).
    let row = m.lines().find(|l| l.contains("onerror")).unwrap();
    assert_eq!(row.replace("\\|", "").matches('|').count(), 8, "{row}");
}

/// ride-hailing, re-dated: its waiver on `security.network-logs` expires 2026-06-30.
fn ride_hailing_on(date: &str) -> Assessment {
    let text = fixture("ride-hailing").replace(
        "assessment_date: 2026-03-10",
        &format!("assessment_date: {date}"),
    );
    assessment(&text, false)
}

fn finding<'a>(a: &'a Assessment, id: &str) -> &'a hegui_core::eval::assess::Finding {
    a.packs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == id)
        .unwrap()
}

#[test]
fn waiver_applies_up_to_and_including_its_expiry() {
    for date in ["2026-06-29", "2026-06-30"] {
        let a = ride_hailing_on(date);
        let f = finding(&a, "security.network-logs");
        assert_eq!(f.outcome, Outcome::Waived, "{date}");
        let m = md(&a, Lang::En);
        assert!(m.contains("| Keep network logs for at least six months (`security.network-logs`) | Applied | Waived |"), "{date}\n{m}");
        assert!(m.contains("Valid up to and including 2026-06-30"));
        // Due date of a waived gap: the waiver's expiry.
        assert!(
            m.contains("| High | Waived | 2026-06-30 (waiver expiry) |"),
            "{m}"
        );
        assert!(!m.contains(
            "Keep network logs for at least six months (`security.network-logs`) | Pass"
        ));
    }
}

#[test]
fn waiver_lapses_the_day_after_expiry() {
    let a = ride_hailing_on("2026-07-01");
    assert_eq!(finding(&a, "security.network-logs").outcome, Outcome::Fail);
    let m = md(&a, Lang::En);
    assert!(m.contains("| Expired | Fail |"), "{m}");
    assert!(
        m.contains("The waiver lapsed after 2026-06-30; the finding is reported as it is (fail).")
    );
    // Now an ordinary gap: due by the severity deadline (high: 60 days).
    assert!(m.contains("| Keep network logs for at least six months (`security.network-logs`) | High | Fail | 2026-08-30 |"), "{m}");
    let z = md(&a, Lang::Zh);
    assert!(z.contains("| 已过期 | 不符合 |"));
}

#[test]
fn unused_and_no_effect_waivers_are_reported_and_change_nothing() {
    let text = fixture("ride-hailing").replace(
        "waivers:\n",
        "waivers:\n  - { rule: pi.no-sale, justification: 无需, approved_by: 陈立军, expires: 2026-12-31 }\n  - { rule: security.graded-protection, justification: 待查, approved_by: 陈立军, expires: 2026-12-31 }\n",
    );
    let a = assessment(&text, false);
    assert_eq!(finding(&a, "pi.no-sale").outcome, Outcome::Pass);
    assert_eq!(
        finding(&a, "security.graded-protection").outcome,
        Outcome::Unanswered
    );
    let m = md(&a, Lang::En);
    assert!(m.contains("(`pi.no-sale`) | Unused | Pass |"), "{m}");
    assert!(m.contains("The rule passes: the waiver is unused."));
    assert!(
        m.contains("(`security.graded-protection`) | No effect | Undecided |"),
        "{m}"
    );
    // Still undecided: named among the 不清楚 questions and in the verdict.
    assert!(m.contains("2 more are undecided"), "{m}");
}

#[test]
fn ignore_waivers_reports_everything_as_it_is() {
    let a = assessment(&fixture("ride-hailing"), true);
    assert_eq!(finding(&a, "security.network-logs").outcome, Outcome::Fail);
    let m = md(&a, Lang::En);
    assert!(m.contains("all waivers ignored (--ignore-waivers)"));
    assert!(m.contains("| Ignored | Fail |"), "{m}");
    assert!(
        m.contains("**Not compliant** — 3 applicable required obligations are not met"),
        "{m}"
    );
    assert!(!m.contains("| Waived | 2026-06-30"));
}

#[test]
fn waived_counts_as_decided_but_not_passing() {
    let with = assessment(&fixture("ride-hailing"), false);
    let without = assessment(&fixture("ride-hailing"), true);
    let s = hegui_core::eval::score::Score::of(&with.packs[0].findings);
    let t = hegui_core::eval::score::Score::of(&without.packs[0].findings);
    assert_eq!(
        (s.earned, s.possible, s.decided),
        (t.earned, t.possible, t.decided)
    );
    assert_eq!((s.waived, s.fail), (1, 2));
    assert_eq!((t.waived, t.fail), (0, 3));
    // 24 passing required rules; weights: high 3, medium 2, critical 4.
    assert_eq!(s.score, Some(s.earned * 100 / s.possible));
    assert!(s.score < Some(100));
}

#[test]
fn a_verdict_with_only_waived_gaps_is_not_compliant_wording() {
    let s = hegui_core::eval::score::Score {
        applicable: 3,
        decided: 3,
        pass: 2,
        waived: 1,
        ..Default::default()
    };
    let v = hegui_core::eval::score::verdict(&s);
    assert_eq!(v.status.name(), "waived");
    assert!(!v.headline.zh.starts_with("合规") && !v.headline.en.starts_with("Compliant"));
}

#[test]
fn deadlines_set_due_dates_by_severity() {
    let a = assessment(&fixture("ride-hailing"), false);
    let opts = ReportOptions {
        deadlines: Deadlines::parse("high=10,medium=20").unwrap(),
        generated_at: None,
    };
    let m = render_with(&a, "report.md.j2", Lang::En, &opts);
    // 2026-03-10 + 10 days (high), + 20 days (medium).
    assert!(
        m.contains("(`pi.sharing-separate-consent`) | High | Fail | 2026-03-20 |"),
        "{m}"
    );
    assert!(
        m.contains("(`pi.impact-assessment`) | Medium | Fail | 2026-03-30 |"),
        "{m}"
    );
}

#[test]
fn open_questions_are_grouped_by_section_with_the_rules_they_decide() {
    let a = assessment(&fixture("half-blank"), false);
    let m = md(&a, Lang::En);
    let open = &m[m.find("## Questions still to answer").unwrap()
        ..m.find("## Questions answered 不清楚").unwrap()];
    assert!(open.contains("### Network security"), "{open}");
    assert!(
        open.contains("(`security.graded_protection`) | Determine protection levels"),
        "{open}"
    );
    let dk = &m[m.find("## Questions answered 不清楚").unwrap()..m.find("## Waivers").unwrap()];
    assert!(dk.contains("(`scope.telecom_network`)"), "{dk}");
    assert!(dk.contains("`licensing.telecom-licence`"), "{dk}");
    // Recommendations never appear among required gaps.
    let gaps = &m[m.find("## Required gaps").unwrap()..m.find("## Recommendations").unwrap()];
    assert!(!gaps.contains("development."), "{gaps}");
}

#[test]
fn an_imprecise_date_is_named_with_the_reason_beside_the_undecided_rule() {
    let text = format!(
        "pack: {{id: hlj-2017-mobile-internet, version: {}}}\norganisation: {{name: 测试公司}}\nassessment_date: 2026-05-20\nanswers:\n  scope.heilongjiang: true\n  scope.public_opinion: true\n  newtech.has_launches: true\n  features:\n    - {{name: 直播打赏, launch_date: 2025-09, assessed: true, security_assessment_date: 2025-09-10}}\n",
        pack().meta.version
    );
    let a = assessment(&text, false);
    assert_eq!(
        finding(&a, "newtech.assessment-before-launch").outcome,
        Outcome::Unanswered
    );
    for (lang, head, reason) in [
        (
            Lang::En,
            "## Dates too imprecise to decide",
            "Undecided (date too imprecise to decide)",
        ),
        (
            Lang::Zh,
            "## 日期不够精确的问题",
            "尚无定论 (日期不够精确，无法判定)",
        ),
    ] {
        let m = md(&a, lang);
        let block = &m[m.find(head).unwrap_or_else(|| panic!("{m}"))..];
        assert!(block.contains("(`features[*].launch_date`)"), "{block}");
        // The answer as written, with its item.
        assert!(block.contains("直播打赏: 2025-09 |"), "{block}");
        assert!(
            block.contains("`newtech.assessment-before-launch`"),
            "{block}"
        );
        assert!(m.contains(reason), "{m}");
    }
    let h = html(&a, Lang::Both);
    assert!(h.contains("id=\"imprecise\""), "{h}");
    assert!(h.contains("日期不够精确，无法判定"), "{h}");
    assert!(h.contains("<strong>直播打赏: 2025-09</strong>"), "{h}");
    // Without an imprecise date there is no such section.
    let plain = md(&assessment(&fixture("news-app"), false), Lang::En);
    assert!(!plain.contains("too imprecise"));
}

#[test]
fn every_label_is_translated() {
    // English reports carry no Chinese except data: the company's own answers and names, and
    // verbatim quotes of the source text.
    let is_cjk = |c: char| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    };
    let sources: String = pack().sources.iter().map(|s| s.text.as_str()).collect();
    for name in FIXTURES {
        let data = fixture(name);
        let a = assessment(&data, false);
        for report in [md(&a, Lang::En), html(&a, Lang::En)] {
            for line in report.lines() {
                let mut run = String::new();
                for c in line.chars().chain(std::iter::once(' ')) {
                    if is_cjk(c) {
                        run.push(c);
                    } else if !run.is_empty() {
                        assert!(
                            data.contains(&run) || sources.contains(&run) || run == "不清楚",
                            "{name}: untranslated `{run}` in: {line}"
                        );
                        run.clear();
                    }
                }
            }
        }
    }
}

#[test]
fn same_input_same_bytes_and_generation_time_only_when_given() {
    let a = assessment(&fixture("news-app"), false);
    assert_eq!(html(&a, Lang::Zh), html(&a, Lang::Zh));
    assert!(!md(&a, Lang::Zh).contains("生成时间"));
    let opts = ReportOptions {
        generated_at: Some("2026-05-21T09:00:00+08:00".into()),
        ..Default::default()
    };
    let m = render_with(&a, "report.md.j2", Lang::Zh, &opts);
    assert!(m.contains("| 生成时间 | 2026-05-21T09:00:00+08:00 |"));
}

fn hegui() -> Command {
    let mut c = Command::cargo_bin("hegui").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

#[test]
fn cli_writes_html_and_markdown_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let fx = root().join("fixtures/companies/ride-hailing.yaml");
    hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--format",
            "html",
            "--lang",
            "en",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let h = std::fs::read_to_string(&out).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(
        !h.contains("http://")
            || h.matches("http://").count()
                == h.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "no network references"
    );
    assert!(!h.contains("https://"));
    let md_out = dir.path().join("report.md");
    hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--format",
            "markdown",
            "-o",
            md_out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let a = assessment(&fixture("ride-hailing"), false);
    assert_eq!(std::fs::read_to_string(&md_out).unwrap(), md(&a, Lang::Zh));
}

#[test]
fn cli_generated_at_and_source_date_epoch() {
    let fx = root().join("fixtures/companies/news-app.yaml");
    let fx = fx.to_str().unwrap();
    let out = hegui().args(["assess", fx]).output().unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains("生成时间"));
    let out = hegui()
        .args(["assess", fx])
        .env("SOURCE_DATE_EPOCH", "1779235200")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("| 生成时间 | 2026-05-20T00:00:00Z |")
    );
    let out = hegui()
        .args(["assess", fx, "--generated-at", "2026-05-21"])
        .env("SOURCE_DATE_EPOCH", "1779235200")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("| 生成时间 | 2026-05-21 |")
    );
    hegui()
        .args(["assess", fx])
        .env("SOURCE_DATE_EPOCH", "soon")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("SOURCE_DATE_EPOCH `soon`"));
    hegui()
        .args(["assess", fx, "--deadlines", "urgent=3"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown severity `urgent`"));
}

#[test]
fn custom_template_dir_overrides_one_template_and_falls_back_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // The minimal custom template of docs/TEMPLATES.md.
    std::fs::write(
        dir.path().join("report.md.j2"),
        "# {{ labels.title|t }}: {{ r.header.name }}\n{{ r.verdict.headline|t }} ({{ r.score.score }}%, {{ labels.coverage|t }} {{ r.score.coverage }}%)\n{% for g in r.gaps %}- {{ g.severity }} {{ g.rule_id }} {{ g.due }}\n{% endfor %}",
    )
    .unwrap();
    let fx = root().join("fixtures/companies/ride-hailing.yaml");
    let out = hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--lang",
            "en",
            "--templates",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "# Compliance gap report: 哈尔滨冰城约车网络科技有限公司\nNot compliant (91%, Coverage 94%)\n- high pi.sharing-separate-consent 2026-05-09\n- high security.network-logs 2026-06-30\n- medium pi.impact-assessment 2026-06-08\n"
    );
    // HTML is not overridden there: the embedded template (and its embedded report.css) is used.
    let out = hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--format",
            "html",
            "--templates",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("<style>\n/* Styles of the HTML gap report")
    );
    // Overriding only the stylesheet brands the HTML report.
    std::fs::write(dir.path().join("report.css"), "body { color: #123456; }\n").unwrap();
    let out = hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--format",
            "html",
            "--templates",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let h = String::from_utf8(out.stdout).unwrap();
    assert!(
        h.contains("<style>\nbody { color: #123456; }\n</style>"),
        "{}",
        &h[..600]
    );
}

#[test]
fn custom_template_errors_name_the_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.md.j2"),
        "ok\n{{ r.no_such_thing.x }}\n",
    )
    .unwrap();
    let fx = root().join("fixtures/companies/ride-hailing.yaml");
    hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--templates",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("template `report.md.j2`: line 2"));
}

#[cfg(unix)]
#[test]
fn custom_templates_cannot_escape_their_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.j2"), "SECRET").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.j2"),
        dir.path().join("report.md.j2"),
    )
    .unwrap();
    let fx = root().join("fixtures/companies/ride-hailing.yaml");
    let out = hegui()
        .args([
            "assess",
            fx.to_str().unwrap(),
            "--templates",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("SECRET"),
        "a link out of the directory is not followed"
    );
    assert!(
        text.starts_with("# 合规差距报告"),
        "falls back to the embedded template"
    );
    let _ = Path::new("");
}
