#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Pack format 2 (issue 15 §2–§3): the citation ledger and the legal-basis gate, source kinds
//! and how every output labels them, known gaps in coverage.yaml and the limits section of
//! every report. Small packs made from `tests/data/demo`; the shipped pack only where the issue
//! asks about its outputs (no "…实施意见 第N条" anywhere).

use hegui_core::diag::{Diagnostic, Level};
use hegui_core::eval::assess::{AssessOptions, assess};
use hegui_core::facts::load_facts;
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::{DocKind, Pack};
use hegui_core::text::Text;
use hegui_report::render::{self, Lang, ReportOptions, labels};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo_files() -> PackFiles {
    PackFiles::from_dir(&root().join("tests/data/demo")).unwrap()
}

/// The demo pack with `edits` (file, from, to) applied.
fn edited(edits: &[(&str, &str, &str)]) -> PackFiles {
    let mut files = demo_files();
    for (file, from, to) in edits {
        let entry = files
            .files
            .iter_mut()
            .find(|(p, _)| p == file)
            .unwrap_or_else(|| panic!("no {file}"));
        assert!(entry.1.contains(from), "{from:?} not in {file}");
        entry.1 = entry.1.replacen(from, to, 1);
    }
    files
}

fn errors(files: &PackFiles) -> Vec<Diagnostic> {
    load_pack(files)
        .expect_err("the pack should be refused")
        .into_iter()
        .filter(|d| d.level == Level::Error)
        .collect()
}

fn loads(files: &PackFiles) -> Pack {
    match load_pack(files) {
        Ok(l) => l.pack,
        Err(d) => panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// The one error whose message contains `needle`, checked for subject, file and line.
fn error_at<'a>(
    d: &'a [Diagnostic],
    needle: &str,
    subject: &str,
    file_end: &str,
    line: u32,
) -> &'a Diagnostic {
    let e = d
        .iter()
        .find(|d| d.message.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no {needle:?} in:\n{}",
                d.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert_eq!(e.subject, subject, "{e}");
    assert!(e.file.ends_with(file_end), "{e}");
    assert_eq!(e.loc.line, line, "{e}");
    // The message people read names all three.
    let shown = e.to_string();
    assert!(
        shown.contains(subject) && shown.contains(&format!("{file_end}:{line}:")),
        "{shown}"
    );
    e
}

/// Line (1-based) of the first line of `file` containing `needle`.
fn line_of(files: &PackFiles, file: &str, needle: &str) -> u32 {
    let text = &files.files.iter().find(|(p, _)| p == file).unwrap().1;
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {file}"));
    u32::try_from(i).unwrap() + 1
}

/// demo.real-name's references, as written in the demo pack.
const REAL_NAME_REFS: &str = "    references:\n      - instrument: csl\n        articles: { \"2016\": 24, \"2025\": \"26\" }\n        note: { zh: 提供信息发布、即时通讯等服务时，应当要求用户提供真实身份信息。, en: Services such as publishing and instant messaging must require users' real identity information. }\n";

const GATE: &str = "a required rule needs at least one reference rated V or V2";

#[test]
fn demo_pack_loads_with_its_ledger() {
    let p = loads(&demo_files());
    assert_eq!(p.sources[0].kind, DocKind::PolicyDocument);
    assert!(p.instrument("csl").unwrap().binds_companies());
    assert_eq!(p.citations.len(), 6);
    // Ratings come from the ledger: csl 2025 art 23 is V2 there, so the reference is V2.
    let logs = p.rule("demo.logs").unwrap();
    assert_eq!(logs.references[0].rating, "V2");
    assert_eq!(p.rule("demo.real-name").unwrap().references[0].rating, "V");
}

#[test]
fn legal_basis_gate_refuses_a_required_rule_without_binding_verified_law() {
    // No reference at all.
    let files = edited(&[("rules/accounts.yaml", REAL_NAME_REFS, "")]);
    let line = line_of(&files, "rules/accounts.yaml", "- id: demo.real-name");
    let d = errors(&files);
    let e = error_at(
        &d,
        GATE,
        "rule `demo.real-name`",
        "rules/accounts.yaml",
        line,
    );
    assert!(
        e.message.contains("强制性规则缺少法律依据"),
        "bilingual: {e}"
    );
    assert_eq!(d.len(), 1, "only the gate: {d:?}");

    // Only a policy document, even rated V.
    let files = edited(&[
        (
            "ledger.yaml",
            "citations:\n",
            "  - id: opinion\n    kind: policy_document\n    title: { zh: 某实施意见, en: An opinion }\n    issuer: { zh: 某办公厅, en: A general office }\n    versions: [{ id: \"2017\", adopted: 2017-11-08, in_force: 2017-11-08 }]\ncitations:\n  - { instrument: opinion, version: \"2017\", article: \"14\", rating: V, wording: 督促移动互联网企业落实实名制, copies: [a, b] }\n",
        ),
        (
            "rules/accounts.yaml",
            "      - instrument: csl\n        articles: { \"2016\": 24, \"2025\": \"26\" }\n",
            "      - instrument: opinion\n        articles: { \"2017\": \"14\" }\n",
        ),
    ]);
    let line = line_of(&files, "rules/accounts.yaml", "- id: demo.real-name");
    error_at(
        &errors(&files),
        GATE,
        "rule `demo.real-name`",
        "rules/accounts.yaml",
        line,
    );

    // A recommended national standard (GB/T) never suffices; a mandatory one (GB) does.
    let standard = |which: &str| {
        edited(&[
            (
                "ledger.yaml",
                "citations:\n",
                &format!(
                    "  - id: gb\n    kind: national_standard\n    standard: {which}\n    title: {{ zh: 某国家标准, en: A national standard }}\n    issuer: {{ zh: 国家标准化管理委员会, en: SAC }}\n    versions: [{{ id: \"2020\", adopted: 2020-01-01, in_force: 2020-06-01 }}]\ncitations:\n  - {{ instrument: gb, version: \"2020\", article: \"5.1\", rating: V, wording: 应当…, copies: [a, b] }}\n"
                ),
            ),
            (
                "rules/accounts.yaml",
                "      - instrument: csl\n        articles: { \"2016\": 24, \"2025\": \"26\" }\n",
                "      - instrument: gb\n        articles: { \"2020\": \"5.1\" }\n",
            ),
        ])
    };
    let files = standard("recommended");
    let line = line_of(&files, "rules/accounts.yaml", "- id: demo.real-name");
    error_at(
        &errors(&files),
        GATE,
        "rule `demo.real-name`",
        "rules/accounts.yaml",
        line,
    );
    let p = loads(&standard("mandatory"));
    assert_eq!(p.rule("demo.real-name").unwrap().references[0].rating, "V");

    // Wording only partly verified (P) does not carry a duty.
    let files = edited(&[(
        "ledger.yaml",
        "    article: \"24\"\n    rating: V\n",
        "    article: \"24\"\n    rating: P\n",
    )]);
    let line = line_of(&files, "rules/accounts.yaml", "- id: demo.real-name");
    error_at(
        &errors(&files),
        GATE,
        "rule `demo.real-name`",
        "rules/accounts.yaml",
        line,
    );

    // A recommended rule needs no legal basis.
    let files = edited(&[
        ("rules/accounts.yaml", REAL_NAME_REFS, ""),
        (
            "rules/accounts.yaml",
            "    level: required\n    severity: high",
            "    level: recommended\n    severity: high",
        ),
    ]);
    loads(&files);
}

#[test]
fn references_point_into_the_ledger() {
    // An article the ledger does not record: the error names the rule, file and the reference's line.
    let files = edited(&[(
        "rules/accounts.yaml",
        "articles: { \"2016\": 24, \"2025\": \"26\" }",
        "articles: { \"2016\": 24, \"2025\": \"27\" }",
    )]);
    let line = line_of(&files, "rules/accounts.yaml", "- instrument: csl");
    let d = errors(&files);
    error_at(
        &d,
        "`csl` 2025 art. 27 is not in the citation ledger",
        "rule `demo.real-name`",
        "rules/accounts.yaml",
        line,
    );
    // An instrument the ledger does not list.
    let files = edited(&[("rules/security.yaml", "instrument: csl", "instrument: cls")]);
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| d.message.contains("unknown instrument `cls`"))
        .unwrap();
    assert_eq!(e.help.as_deref(), Some("did you mean `csl`?"));
    // Instruments no longer live in pack.yaml.
    let files = edited(&[(
        "pack.yaml",
        "sections:\n",
        "instruments:\n  - { id: x, title: { zh: 某法, en: A law }, versions: [] }\nsections:\n",
    )]);
    let line = line_of(&files, "pack.yaml", "instruments:");
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| d.message.contains("now live in the citation ledger"))
        .unwrap();
    assert_eq!(e.loc.line, line);
    // Ledger entries are checked: kinds, standards, ratings, wording of verified entries.
    let files = edited(&[
        (
            "ledger.yaml",
            "kind: departmental_rule",
            "kind: departmental_rules",
        ),
        ("ledger.yaml", "    rating: V2\n", "    rating: W\n"),
    ]);
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| d.message.contains("unknown kind `departmental_rules`"))
        .unwrap();
    assert_eq!(e.subject, "instrument `sa-2018`");
    assert_eq!(e.help.as_deref(), Some("did you mean `departmental_rule`?"));
    assert!(
        d.iter()
            .any(|d| d.message.contains("rating is V, V2, P or U, not `W`"))
    );
    let files = edited(&[(
        "ledger.yaml",
        "    copies: [中国政府网法规文本]\n",
        "    copies: []\n",
    )]);
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| {
            d.message
                .contains("records the verified `wording` and the `copies`")
        })
        .unwrap();
    assert_eq!(e.subject, "citation `iis-measures 2011 art. 4`");
}

#[test]
fn sources_declare_their_kind() {
    let files = edited(&[("pack.yaml", "    kind: policy_document\n", "")]);
    let d = errors(&files);
    assert!(
        d.iter().any(|d| d.message.contains("missing field `kind`")),
        "{d:?}"
    );
    let files = edited(&[("pack.yaml", "kind: policy_document", "kind: opinion")]);
    let line = line_of(&files, "pack.yaml", "kind: opinion");
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| d.message.contains("unknown kind `opinion`"))
        .unwrap();
    assert_eq!(
        (e.subject.as_str(), e.loc.line),
        ("source `hlj-2017`", line)
    );
}

#[test]
fn known_gaps_are_validated_with_id_file_and_line() {
    let cov = "coverage.yaml";
    // Unknown clause.
    let files = edited(&[(cov, "    clause: \"16\"", "    clause: \"61\"")]);
    let line = line_of(&files, cov, "clause: \"61\"");
    error_at(
        &errors(&files),
        "no clause `61` in source `hlj-2017`",
        "known gap `demo.takedown`",
        cov,
        line,
    );
    // Missing field.
    let files = edited(&[(
        cov,
        "    would_need: { zh: 询问处置与报告机制的问题。, en: A question on the removal and reporting procedure. }\n",
        "",
    )]);
    let line = line_of(&files, cov, "- id: demo.takedown");
    error_at(
        &errors(&files),
        "missing field `would_need`",
        "known gap `demo.takedown`",
        cov,
        line,
    );
    // Bad addressee.
    let files = edited(&[(cov, "addressee: enterprise", "addressee: companies")]);
    let line = line_of(&files, cov, "addressee: companies");
    let d = errors(&files);
    let e = error_at(
        &d,
        "addressee is government, enterprise or both, not `companies`",
        "known gap `demo.takedown`",
        cov,
        line,
    );
    assert!(e.message.contains("义务对象须为"), "bilingual: {e}");
    // Unknown scope, empty text, duplicate id.
    let files = edited(&[
        (cov, "scopes: [publisher]", "scopes: [publishr]"),
        (
            cov,
            "why_not_encoded: { zh: 对象为政府。",
            "why_not_encoded: { zh: \"\"",
        ),
        (cov, "- id: demo.subsidies", "- id: demo.takedown"),
    ]);
    let d = errors(&files);
    let e = d
        .iter()
        .find(|d| d.message.contains("unknown scope `publishr`"))
        .unwrap();
    assert_eq!(e.help.as_deref(), Some("did you mean `publisher`?"));
    assert!(
        d.iter()
            .any(|d| d.message.contains("`why_not_encoded` needs both zh and en"))
    );
    assert!(
        d.iter()
            .any(|d| d.message.contains("duplicate known-gap id"))
    );
    // The clause notes are checked the same way, at their own line.
    let files = edited(&[(
        cov,
        "known_gaps:\n",
        "clauses:\n  - { document: hlj-2017, clause: \"1\", addressee: nobody, reason: { zh: 指导思想, en: Guiding ideology } }\nknown_gaps:\n",
    )]);
    let line = line_of(&files, cov, "addressee: nobody");
    error_at(
        &errors(&files),
        "not `nobody`",
        "coverage of clause `1`",
        cov,
        line,
    );
}

#[test]
fn every_kind_has_a_label_and_a_way_to_number_its_parts() {
    let title = Text::new("某文件", "A text");
    for k in DocKind::ALL {
        assert_eq!(DocKind::parse(k.name()), Some(k));
        let l = labels::kind(k);
        assert_ne!(l.zh, k.name(), "{k:?} has a Chinese label");
        let cite = labels::source_cite(k, &title, "14");
        assert!(cite.zh.contains("《某文件》"), "{cite:?}");
    }
    let cite = |k| labels::source_cite(k, &title, "14");
    assert_eq!(
        cite(DocKind::PolicyDocument),
        Text::new(
            "政策背景：《某文件》第14项",
            "Policy context: A text (item 14)"
        )
    );
    assert_eq!(
        cite(DocKind::Law),
        Text::new(
            "来源条文：《某文件》第14条",
            "Source provision: A text (article 14)"
        )
    );
    assert_eq!(
        cite(DocKind::DepartmentalRule).zh,
        "来源条文：《某文件》第14条"
    );
    assert_eq!(
        cite(DocKind::NormativeDocument),
        Text::new(
            "来源文件：《某文件》第14项",
            "Source document: A text (item 14)"
        )
    );
    assert_eq!(
        cite(DocKind::NationalStandard),
        Text::new(
            "标准条款：《某文件》14",
            "Standard clause: A text (clause 14)"
        )
    );
    use hegui_core::model::Numbering;
    assert_eq!(
        labels::article_number(Numbering::Articles, "26"),
        Text::new("第26条", "art. 26")
    );
    assert_eq!(
        labels::article_number(Numbering::Items, "2"),
        Text::new("第2项", "item 2")
    );
    assert_eq!(
        labels::article_number(Numbering::Items, "二(九)"),
        Text::new("二(九)", "item 二(九)")
    );
    assert_eq!(
        Numbering::default_for(DocKind::NormativeDocument),
        Numbering::Articles
    );
    // A notice numbered by items is shown by items.
    let files = edited(&[(
        "ledger.yaml",
        "    kind: departmental_rule\n",
        "    kind: normative_document\n    numbering: items\n",
    )]);
    let p = loads(&files);
    let show = hegui_report::show::rule_show(&p, "demo.feature-assessment").unwrap();
    assert!(show.contains("2018 版第3项 (V2)"), "{show}");
    assert!(show.contains("[规范性文件 / normative document]"), "{show}");
    assert_eq!(
        labels::kind(DocKind::AdministrativeRegulation).zh,
        "行政法规"
    );
    assert_eq!(labels::kind(DocKind::PolicyDocument).en, "policy document");
}

const DEMO_FACTS: &str = "tests/data/facts/demo-company.yaml";

fn outputs(pack: &Pack, facts_text: &str) -> (String, String, String) {
    let facts = load_facts("f.yaml", facts_text, pack).unwrap().facts;
    let a = assess(pack, &facts, AssessOptions::default());
    let env = render::environment(Lang::Both, None);
    let opts = ReportOptions::default();
    let md = render::report(&env, "report.md.j2", &a, pack, Lang::Both, &opts).unwrap();
    let html = render::report(&env, "report.html.j2", &a, pack, Lang::Both, &opts).unwrap();
    (hegui_core::result::json(&a), md, html)
}

/// Facts where demo.feature-assessment fails (assessed after launch): its legal basis came
/// into force after the policy text.
fn late_feature_facts() -> String {
    std::fs::read_to_string(root().join(DEMO_FACTS))
        .unwrap()
        .replace(
            "  security.last_inspection:",
            "  features:\n    - { name: 推荐, launch_date: 2025-01-01, assessment_date: 2025-02-01 }\n  security.last_inspection:",
        )
}

#[test]
fn policy_context_and_legal_basis_are_labelled_in_every_output() {
    let pack = loads(&demo_files());
    let facts = late_feature_facts();
    assert!(facts.contains("推荐"), "the demo facts list no features");
    let (json, md, html) = outputs(&pack, &facts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "hegui.assessment/2");
    let f = v["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.feature-assessment")
        .unwrap();
    assert_eq!(f["outcome"], "fail");
    assert_eq!(f["source"]["kind"], "policy_document");
    assert_eq!(f["source"]["label"], "policy_context");
    assert_eq!(f["source"]["date"], "2017-11-08");
    assert!(
        f["source"]["cite"]["zh"]
            .as_str()
            .unwrap()
            .starts_with("政策背景：《关于促进移动互联网健康有序发展的实施意见》第16项")
    );
    assert_eq!(f["legal_basis"][0]["kind"], "departmental_rule");
    assert_eq!(f["legal_basis"][0]["binding"], true);
    assert_eq!(f["legal_basis"][0]["adopted_after_source"], true);
    assert_eq!(f["basis_after_source"], true);
    assert!(f.get("references").is_none(), "renamed to legal_basis");
    // The real-name duty rests on 网络安全法 (in force 2017-06-01, before the opinion).
    let rn = v["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.real-name")
        .unwrap();
    assert_eq!(rn["basis_after_source"], false);
    assert_eq!(rn["legal_basis"][0]["adopted_after_source"], false);
    for (name, text) in [("markdown", &md), ("html", &html)] {
        for needle in [
            "政策背景",
            "Policy context",
            "第16项",
            "item 16",
            "法律依据",
            "Legal basis",
            "部门规章",
            "departmental rule",
            "本项义务出自该政策文件之后施行的国家法律",
            "a duty of national law adopted after this policy text",
        ] {
            assert!(text.contains(needle), "{name} lacks {needle:?}");
        }
    }
    // The same source declared as a law is numbered by articles.
    let law = loads(&edited(&[(
        "pack.yaml",
        "kind: policy_document",
        "kind: law",
    )]));
    let (json, md, _) = outputs(&law, &facts);
    assert!(md.contains("来源条文") && md.contains("第16条"), "{md}");
    assert!(json.contains("\"label\": \"provision\""));
    assert!(md.contains("本项义务出自该来源文件之后施行的法律"));
}

#[test]
fn rules_show_and_coverage_present_the_source_by_kind() {
    let pack = loads(&demo_files());
    let show = hegui_report::show::rule_show(&pack, "demo.feature-assessment").unwrap();
    assert!(
        show.contains("政策背景：《关于促进移动互联网健康有序发展的实施意见》第16项"),
        "{show}"
    );
    assert!(
        show.contains("a duty of national law adopted after this policy text"),
        "{show}"
    );
    assert!(show.contains("[部门规章 / departmental rule]"), "{show}");
    assert!(show.contains("2018 版第3条 (V2)"), "{show}");
    let cov = hegui_report::show::coverage(&pack);
    assert!(
        cov.contains("(政策文件 / policy document: 政策背景 / Policy context)"),
        "{cov}"
    );
    assert!(cov.contains("  第16项 / item 16  "), "{cov}");
    assert!(
        cov.contains("known gap `demo.takedown` (enterprise)"),
        "{cov}"
    );
    assert!(
        cov.contains("would need: 询问处置与报告机制的问题。"),
        "{cov}"
    );
}

#[test]
fn limits_list_the_known_gaps_that_concern_the_company() {
    let pack = loads(&demo_files());
    let facts = std::fs::read_to_string(root().join(DEMO_FACTS)).unwrap();
    let (json, md, html) = outputs(&pack, &facts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["packs"][0]["limits"]["known_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    // demo.subsidies is addressed to government: never listed; demo.takedown concerns publishers.
    assert_eq!(ids, ["demo.takedown"]);
    assert!(
        !v["packs"][0]["limits"]["notes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    for text in [&md, &html] {
        assert!(text.contains("本评估的局限") && text.contains("Limits of this assessment"));
        assert!(text.contains("发现违法信息后停止传输、消除并报告"));
        assert!(!text.contains("政府简化审批"));
    }
    // A company that publishes nothing is outside the gap's scope.
    let quiet = facts.replace("[comments, messaging]", "[messaging]");
    assert_ne!(quiet, facts, "the demo facts name the publishing functions");
    let (json, md, _) = outputs(&pack, &quiet);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["packs"][0]["limits"]["known_gaps"], serde_json::json!([]));
    assert!(md.contains("本评估的局限"), "the section is always there");
}

/// The pattern no output may contain: the opinion printed as a statute article.
fn article_of_opinion(text: &str) -> Option<String> {
    // `实施意见`, then within 40 characters on the same line `第`, digits (spaces allowed), `条`.
    for (start, _) in text.match_indices("实施意见") {
        let rest: Vec<char> = text[start..]
            .chars()
            .skip(4)
            .take_while(|c| *c != '\n')
            .take(40)
            .collect();
        for (i, c) in rest.iter().enumerate() {
            if *c != '第' {
                continue;
            }
            let tail: String = rest[i + 1..].iter().collect();
            let num = tail.trim_start();
            let digits = num.len() - num.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 && num[digits..].trim_start().starts_with('条') {
                let end = (i + 8).min(rest.len());
                return Some(format!(
                    "实施意见{}",
                    rest[..end].iter().collect::<String>()
                ));
            }
        }
    }
    None
}

#[test]
fn no_output_presents_the_opinion_as_an_article() {
    let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
    let pack = loads(&files);
    assert_eq!(pack.sources[0].kind, DocKind::PolicyDocument);
    let mut checked = 0;
    let mut check = |what: &str, text: &str| {
        checked += 1;
        if let Some(m) = article_of_opinion(text) {
            panic!("{what} presents the opinion as an article: {m:?}");
        }
    };
    let dir = root().join("fixtures/companies");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 5);
    for path in &fixtures {
        let text = std::fs::read_to_string(path).unwrap();
        let facts = load_facts(&path.to_string_lossy(), &text, &pack)
            .unwrap()
            .facts;
        let a = assess(&pack, &facts, AssessOptions::default());
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        check(&format!("{name} json"), &hegui_core::result::json(&a));
        for lang in [Lang::Zh, Lang::En, Lang::Both] {
            let env = render::environment(lang, None);
            for t in ["report.md.j2", "report.html.j2"] {
                let out =
                    render::report(&env, t, &a, &pack, lang, &ReportOptions::default()).unwrap();
                check(&format!("{name} {t} {lang:?}"), &out);
            }
        }
    }
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    for lang in [Lang::Zh, Lang::En, Lang::Both] {
        check(
            "questionnaire markdown",
            &hegui_report::questionnaire::markdown::render(&pack, date, lang).unwrap(),
        );
        check(
            "questionnaire html",
            &hegui_report::questionnaire::html::render(&pack, date, lang, None).unwrap(),
        );
    }
    let yaml = hegui_report::questionnaire::blank_yaml(&pack, date);
    assert!(
        yaml.contains("# 政策背景：《关于促进移动互联网健康有序发展的实施意见》"),
        "{yaml}"
    );
    check("questionnaire yaml", &yaml);
    for lang in [Lang::Zh, Lang::En, Lang::Both] {
        let bytes = hegui_office::xlsx::workbook(&pack, date, lang, None).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            if f.name().unwrap().ends_with(".xml") {
                std::io::Read::read_to_string(&mut f, &mut text).unwrap();
            }
        }
        if lang != Lang::En {
            assert!(
                text.contains("政策背景"),
                "the workbook names the policy context"
            );
        }
        check(&format!("questionnaire xlsx {lang:?}"), &text);
    }
    for r in &pack.rules {
        check(
            &format!("rules show {}", r.id),
            &hegui_report::show::rule_show(&pack, &r.id).unwrap(),
        );
    }
    check("rules list", &hegui_report::show::rules_list(&pack));
    check("coverage", &hegui_report::show::coverage(&pack));
    assert!(checked > fixtures.len() * 7);
    // The pattern itself is live: the 1.0 wording is caught.
    assert!(
        article_of_opinion("依据条款：关于促进移动互联网健康有序发展的实施意见 第14条").is_some()
    );
    assert!(article_of_opinion("《关于促进移动互联网健康有序发展的实施意见》第 3 条").is_some());
    assert!(
        article_of_opinion("政策背景：《关于促进移动互联网健康有序发展的实施意见》第14项")
            .is_none()
    );
}

#[test]
fn batch_overview_has_the_limits_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_cmd::Command::cargo_bin("hegui")
        .unwrap()
        .args(["batch", "--rules", "tests/data/demo", DEMO_FACTS, "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("overview.html")).unwrap();
    assert!(html.contains("本评估的局限"), "{html}");
    assert!(html.contains("demo.takedown"));
    assert!(!html.contains("demo.subsidies"));
    let _ = Path::new(DEMO_FACTS);
}

#[test]
fn reports_say_when_a_reference_does_not_bind_or_is_not_verified() {
    // Beside its binding, verified basis a rule may also cite a policy document with partly
    // verified wording; the report says so.
    let files = edited(&[
        (
            "ledger.yaml",
            "citations:\n",
            "  - id: opinion\n    kind: policy_document\n    title: { zh: 某实施意见, en: An opinion }\n    issuer: { zh: 某办公厅, en: A general office }\n    versions: [{ id: \"2017\", adopted: 2017-11-08, in_force: 2017-11-08 }]\ncitations:\n  - { instrument: opinion, version: \"2017\", article: \"14\", rating: P, wording: 督促移动互联网企业落实实名制, copies: [a] }\n",
        ),
        (
            "rules/accounts.yaml",
            "    references:\n",
            "    references:\n      - instrument: opinion\n        articles: { \"2017\": \"14\" }\n",
        ),
    ]);
    let pack = loads(&files);
    let facts = std::fs::read_to_string(root().join(DEMO_FACTS))
        .unwrap()
        .replace("real_name.methods: 不清楚", "real_name.methods: [none]");
    let (json, md, html) = outputs(&pack, &facts);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = v["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.real-name")
        .unwrap();
    assert_eq!(f["outcome"], "fail");
    assert_eq!(f["legal_basis"][0]["binding"], false);
    assert_eq!(f["legal_basis"][0]["rating"], "P");
    for text in [&md, &html] {
        assert!(text.contains("政策文件"), "kind shown");
        assert!(text.contains("对企业无直接约束力"), "not binding shown");
        assert!(text.contains("核实程度"), "rating shown");
    }
}

#[test]
fn schema_command_describes_the_ledger_and_coverage_files() {
    for (kind, title, required) in [
        ("ledger", "ledger.yaml", "citations"),
        ("coverage", "coverage.yaml", "known_gaps"),
    ] {
        let out = assert_cmd::Command::cargo_bin("hegui")
            .unwrap()
            .args(["schema", kind])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["title"].as_str().unwrap().contains(title), "{v}");
        assert!(v["properties"].get(required).is_some(), "{v}");
    }
    let out = assert_cmd::Command::cargo_bin("hegui")
        .unwrap()
        .args(["schema", "rules"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reference = &v["properties"]["rules"]["items"]["properties"]["references"]["items"];
    assert!(
        reference["properties"].get("rating").is_none(),
        "ratings live in the ledger"
    );
}
