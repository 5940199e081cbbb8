//! `hegui questionnaire` in its four forms: YAML (blank facts file), Markdown, xlsx and HTML.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use assert_cmd::Command;
use hegui_core::load::load_pack;
use hegui_core::model::Pack;
use hegui_core::text::Lang;
use hegui_report::questionnaire::{QFormat, format_for, html, markdown};
use std::sync::OnceLock;

fn pack() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files("hlj-2017-mobile-internet").unwrap();
        load_pack(&files).unwrap().pack
    })
}

fn date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()
}

fn hegui() -> Command {
    Command::cargo_bin("hegui").unwrap()
}

#[test]
fn markdown_lists_every_question_with_id_options_and_when_asked() {
    let md = markdown::render(pack(), date(), Lang::Both).unwrap();
    for q in &pack().questionnaire.questions {
        assert!(md.contains(&format!("`{}`", q.local_id)), "{}", q.id);
        for o in &q.options {
            assert!(md.contains(&format!("(`{}`)", o.id)), "{} {}", q.id, o.id);
        }
    }
    assert!(md.contains(&pack().questionnaire.digest));
    assert!(md.contains("何时回答 Asked when: `org.processes_pi equals true`"));
    let en = markdown::render(pack(), date(), Lang::En).unwrap();
    assert!(en.contains("Through which channels do you provide services to users?"));
    assert!(!en.contains("贵单位通过哪些渠道"));
}

#[test]
fn html_is_one_offline_page_with_escaped_text_and_embedded_data() {
    let page = html::render(pack(), date(), Lang::Zh, None).unwrap();
    // Self-contained: no external scripts, styles, images or fetches.
    for bad in [
        "src=\"http",
        "href=\"http",
        "<link ",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ] {
        assert!(!page.contains(bad), "{bad}");
    }
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains(r#"data-q="org.channels" data-type="multiple_choice""#));
    assert!(page.contains(r#"<template class="item-template">"#));
    // Text is HTML-escaped (the pack's "quotes" in help texts) and the JSON cannot close the script.
    let both = html::render(pack(), date(), Lang::Both, None).unwrap();
    assert!(both.contains("Answer &quot;yes&quot; if any of these holds"));
    assert!(!both.contains("Answer \"yes\" if any of these holds"));
    let data_start = page
        .find(r#"<script type="application/json" id="hegui-data">"#)
        .unwrap();
    let data_end = page[data_start..].find("</script>").unwrap() + data_start;
    let data = &page[data_start..data_end];
    let json_text = data.split_once('>').unwrap().1;
    let v: serde_json::Value = serde_json::from_str(json_text).unwrap();
    assert_eq!(
        v["pack"]["questionnaire_digest"],
        pack().questionnaire.digest.as_str()
    );
    assert_eq!(
        v["questions"]["org.sensitive_pi"]["ask_when"],
        serde_json::json!({"q": "org.processes_pi", "op": "equals", "value": true, "text": "org.processes_pi equals true"})
    );
    assert!(v["initial"].is_null());
}

#[test]
fn the_output_name_picks_the_form() {
    assert_eq!(format_for("q.xlsx"), QFormat::Xlsx);
    assert_eq!(format_for("Q.HTML"), QFormat::Html);
    assert_eq!(format_for("q.md"), QFormat::Markdown);
    assert_eq!(format_for("q.yaml"), QFormat::Yaml);
    assert_eq!(format_for("-"), QFormat::Yaml);
}

#[test]
fn every_form_is_written_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for (name, magic) in [
        ("q.yaml", &b"# "[..]),
        ("q.md", &b"# "[..]),
        ("q.html", &b"<!DOCTYPE html>"[..]),
        ("q.xlsx", &b"PK"[..]),
    ] {
        let out = dir.path().join(name);
        hegui()
            .args(["questionnaire", "--date", "2026-05-20", "-o"])
            .arg(&out)
            .assert()
            .success();
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(magic), "{name}");
    }
    // The blank YAML still validates (everything unanswered).
    hegui()
        .arg("validate")
        .arg(dir.path().join("q.yaml"))
        .assert()
        .success();
    // Prefilling only makes sense for the forms that carry answers.
    hegui()
        .args([
            "questionnaire",
            "--format",
            "markdown",
            "--answers",
            "fixtures/companies/news-app.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--answers works with --format xlsx and html",
        ));
    // A bad prefill file is reported like any facts file.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "pack: {id: x, version: 1.0.0}\norganisation: {name: x}\nassessment_date: 2026-01-01\n",
    )
    .unwrap();
    hegui()
        .args(["questionnaire", "--format", "html", "--answers"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("answers are for pack `x`"));
}
