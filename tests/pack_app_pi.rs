//! The shipped pack `cn-app-pi-2019` (the national App personal-information determination method):
//! self-tests, source text and its 31 items, quotes, unverified items, coverage, labels, fixtures,
//! and the questions it shares with `hlj-2017-mobile-internet`.
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
use hegui_core::model::{Condition, Level, Operand, Pack};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

const ID: &str = "cn-app-pi-2019";
const DOC: &str = "app-pi-2019";
/// Items per category 一 … 六 of the method.
const ITEMS: [u32; 6] = [4, 4, 9, 6, 3, 5];
/// Items no two independent copies confirmed (rules/cn-app-pi-2019/sources/README.md).
const UNVERIFIED: [&str; 20] = [
    "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "5.1",
    "5.2", "5.3", "6.1", "6.2", "6.3", "6.4", "6.5",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(id: &str) -> (Pack, Vec<String>) {
    let files = hegui_packs::pack_files(id).expect("the pack is embedded");
    match load_pack(&files) {
        Ok(l) => (l.pack, l.warnings.iter().map(|w| w.to_string()).collect()),
        Err(d) => panic!(
            "{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn pack() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| load(ID).0)
}

fn hlj() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| load("hlj-2017-mobile-internet").0)
}

fn all_items() -> Vec<String> {
    ITEMS
        .iter()
        .enumerate()
        .flat_map(|(c, n)| (1..=*n).map(move |i| format!("{}.{i}", c + 1)))
        .collect()
}

#[test]
fn embedded_pack_equals_the_directory() {
    let dir_path = root().join("rules").join(ID);
    let mut files = PackFiles::from_dir(&dir_path).unwrap();
    assert_eq!(
        files.find_library(&dir_path, &[]).unwrap(),
        None,
        "library found beside"
    );
    let dir = load_pack(&files).unwrap().pack;
    assert_eq!(dir.digest, pack().digest);
    assert_eq!(dir.meta.version, "1.1.0");
}

#[test]
fn self_tests_pass_with_every_comparison_exercised() {
    let report = hegui_core::selftest::run(pack());
    let text = hegui_core::selftest::render(&report, pack());
    assert!(report.ok(), "{text}");
    assert!(report.unexercised.is_empty(), "{text}");
    assert!(report.expectations >= pack().rules.len() * 3, "{text}");
    // The runner also requires a pass, a fail, an unanswered and (every rule here has
    // `applies_when`) a not_applicable case for each rule: `report.ok()` covers it.
    assert!(report.missing_kinds.is_empty(), "{text}");
}

#[test]
fn the_text_splits_into_the_thirty_one_items_of_six_categories() {
    let doc = pack().source(DOC).unwrap();
    let ids: Vec<&str> = doc.clauses.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(ids, all_items(), "clauses 1.1 … 6.5 in order");
    assert_eq!(ids.len(), 31);
    // No item runs into the next category's heading.
    for (n, text) in &doc.clauses {
        assert!(
            !text.contains("以下行为可被认定为"),
            "item {n} swallowed a category heading"
        );
    }
    // The provenance the brief names is in the shipped text and the pack.
    for must in [
        "国信办秘字〔2019〕191号",
        "2019年11月28日",
        "国家互联网信息办公室秘书局",
        "工业和信息化部办公厅",
        "公安部办公厅",
        "国家市场监督管理总局办公厅",
        "为监督管理部门认定App违法违规收集使用个人信息行为提供参考，为App运营者自查自纠和网民社会监督提供指引",
    ] {
        assert!(doc.text.contains(must), "source text lacks {must}");
    }
    assert_eq!(
        doc.date,
        chrono::NaiveDate::from_ymd_opt(2019, 11, 28).unwrap()
    );
    assert!(doc.issuer.zh.contains("国家市场监督管理总局办公厅"));
    // The May 2019 draft (seven categories, a category on minors) is not what was shipped.
    assert!(!doc.text.contains("征求意见稿"));
    assert!(!doc.text.contains("七、"));
    assert!(!doc.text.contains("未成年人"));
}

/// SHA-256 of `rules/cn-app-pi-2019/sources/cn-app-pi-2019.txt` as transcribed and checked
/// (sources/README.md): a change to the official text must be deliberate.
const SOURCE_SHA256: &str = include_str!("data/cn-app-pi-2019.sha256");

#[test]
fn source_text_is_unchanged() {
    use sha2::Digest;
    let bytes = std::fs::read(
        root()
            .join("rules")
            .join(ID)
            .join("sources/cn-app-pi-2019.txt"),
    )
    .unwrap();
    let got = format!("{:x}", sha2::Sha256::digest(&bytes));
    assert_eq!(got, SOURCE_SHA256.trim());
    assert!(
        root()
            .join("rules")
            .join(ID)
            .join("sources/README.md")
            .exists(),
        "the provenance of the source text ships with it"
    );
}

#[test]
fn every_quote_lies_verbatim_inside_the_item_it_cites() {
    let doc = pack().source(DOC).unwrap();
    for r in &pack().rules {
        assert_eq!(r.source.document, DOC, "{}", r.id);
        let clause = doc.clause(&r.source.clause).unwrap();
        assert_eq!(
            hegui_core::load::quote_check(clause, &r.source.quote),
            hegui_core::load::QuoteCheck::Ok,
            "{}: quote not a whole phrase of item {}",
            r.id,
            r.source.clause
        );
    }
}

#[test]
fn at_least_25_items_have_rules_and_all_31_are_accounted_for() {
    let p = pack();
    let with_rules: BTreeSet<&str> = p.rules.iter().map(|r| r.source.clause.as_str()).collect();
    assert!(
        with_rules.len() >= 25,
        "{} items with rules",
        with_rules.len()
    );
    for n in all_items() {
        let noted = p.coverage.iter().any(|c| c.clause == n);
        assert!(
            with_rules.contains(n.as_str()) ^ noted,
            "item {n}: exactly one of rules or a coverage reason"
        );
    }
    let out = hegui_report::show::coverage(p);
    assert!(!out.contains("NOT COVERED"), "{out}");
    for n in all_items() {
        assert!(
            out.contains(&format!("\n  认定情形{n} / determination criterion {n}  ")),
            "coverage names item {n}"
        );
    }
    // The categories later notices enforce but the method does not contain are known gaps.
    let gaps: BTreeSet<&str> = p.known_gaps.iter().map(|g| g.id.as_str()).collect();
    for must in [
        "self-start-and-linked-start",
        "misleading-download-prompts",
        "pop-up-harassment",
        "sdk-practices",
        "app-store-duties",
    ] {
        assert!(gaps.contains(must), "known gap {must}");
    }
}

#[test]
fn unverified_items_are_marked_in_the_pack_the_warnings_coverage_and_results() {
    let doc = pack().source(DOC).unwrap();
    assert_eq!(doc.unverified, UNVERIFIED);
    // The quote check reports the quotes from unverified items rather than passing them: one
    // warning naming each such rule and its item, and no other.
    let (_, warnings) = load(ID);
    let w: Vec<&String> = warnings
        .iter()
        .filter(|w| w.contains("quotes are unverified"))
        .collect();
    assert_eq!(w.len(), 1, "{warnings:?}");
    for r in pack().rules.iter() {
        let named = w[0].contains(&format!("rule `{}` ({})", r.id, r.source.clause));
        assert_eq!(
            named,
            UNVERIFIED.contains(&r.source.clause.as_str()),
            "{}",
            r.id
        );
    }
    // `hegui coverage` lists them.
    let out = hegui_report::show::coverage(pack());
    assert!(
        out.contains(&format!(
            "unverified items / 未核实条目 (20; 文字未经两份独立副本核实 / wording not verified against two independent copies): {}",
            UNVERIFIED.join(", ")
        )),
        "{out}"
    );
    // A finding says so beside its source citation, in the text and as a flag.
    let a = assess(
        pack(),
        &fixture("app-pi-gaps.yaml"),
        AssessOptions::default(),
    );
    for f in a.findings() {
        let u = UNVERIFIED.contains(&f.source.clause.as_str());
        assert_eq!(f.source.unverified, u, "{}", f.rule_id);
        assert_eq!(
            f.source.cite.zh.contains("（文字未经两份独立副本核实）"),
            u,
            "{}",
            f.rule_id
        );
        assert_eq!(
            f.source
                .cite
                .en
                .contains("(wording not verified against two independent copies)"),
            u,
            "{}",
            f.rule_id
        );
    }
    let json = hegui_core::result::json(&a);
    assert!(json.contains("\"unverified\": true") || json.contains("\"unverified\":true"));
}

#[test]
fn the_method_is_a_source_document_cited_by_determination_criterion_never_the_basis() {
    let a = assess(
        pack(),
        &fixture("app-pi-gaps.yaml"),
        AssessOptions::default(),
    );
    let f = a
        .findings()
        .find(|f| f.rule_id == "app.policy-reachable")
        .unwrap();
    assert_eq!(f.source.kind, hegui_core::model::DocKind::NormativeDocument);
    assert_eq!(f.source.label, "source_item");
    assert_eq!(
        f.source.cite.zh,
        "来源文件：《App违法违规收集使用个人信息行为认定方法》认定情形1.3"
    );
    assert_eq!(
        f.source.cite.en,
        "Source document: Method for Identifying Unlawful Collection and Use of Personal Information by Apps (determination criterion 1.3)"
    );
    assert!(!f.source.cite.zh.contains("政策背景"));
    // Every required rule rests on national law (CSL or PIPL), never on the method.
    for r in &pack().rules {
        assert_eq!(r.level, Level::Required, "{}", r.id);
        assert!(
            r.references
                .iter()
                .all(|x| x.instrument == "csl" || x.instrument == "pipl"),
            "{}",
            r.id
        );
    }
    // The report prints the citation as it is.
    let env = hegui_report::render::environment(hegui_core::text::Lang::Both, None);
    let opts = hegui_report::render::ReportOptions::default();
    let md = hegui_report::render::report(
        &env,
        "report.md.j2",
        &a,
        pack(),
        hegui_core::text::Lang::Both,
        &opts,
    )
    .unwrap();
    assert!(md.contains("认定情形1.3"), "{md}");
    assert!(
        md.contains("认定情形4.2（文字未经两份独立副本核实）"),
        "{md}"
    );
    // The HTML report prints the document title and the item label: the mark goes with it.
    let html = hegui_report::render::report(
        &env,
        "report.html.j2",
        &a,
        pack(),
        hegui_core::text::Lang::Both,
        &opts,
    )
    .unwrap();
    assert!(
        html.contains("认定情形4.2（文字未经两份独立副本核实）"),
        "{html}"
    );
    assert!(
        html.contains(
            "determination criterion 4.2 (wording not verified against two independent copies)"
        ),
        "{html}"
    );
    assert!(!html.contains("认定情形1.3（"), "{html}");
}

#[test]
fn consent_rules_say_which_lawful_basis_they_check() {
    for r in pack()
        .rules
        .iter()
        .filter(|r| r.source.clause.starts_with("3."))
    {
        let notes: String = r
            .references
            .iter()
            .filter_map(|x| x.note.as_ref())
            .map(|n| format!("{} {}", n.zh, n.en))
            .collect();
        assert!(
            notes.contains("合法性基础") && notes.contains("lawful basis"),
            "{}: the note must say which lawful basis is checked: {notes}",
            r.id
        );
    }
    let first = pack()
        .rules
        .iter()
        .find(|r| r.id == "app.no-collection-before-consent")
        .unwrap();
    assert!(
        first
            .references
            .iter()
            .any(|x| x.instrument == "pipl" && x.articles.iter().any(|(_, a)| a == "13"))
    );
}

#[test]
fn findings_resting_on_the_companys_own_judgement_say_so() {
    for id in ["app.plain-language", "app.no-unrelated-collection"] {
        let r = pack().rules.iter().find(|r| r.id == id).unwrap();
        assert!(r.title.zh.ends_with("（依贵单位自行判断）"), "{id}");
        assert!(r.title.en.ends_with(" (your own judgement)"), "{id}");
    }
    let q = pack()
        .questionnaire
        .questions
        .iter()
        .find(|q| q.id == "apps[*].pi_policy_plain_language")
        .unwrap();
    assert!(q.label.zh.contains("贵单位认为"));
}

#[test]
fn the_four_tap_threshold_is_the_methods_own() {
    let doc = pack().source(DOC).unwrap();
    assert!(
        doc.clause("1.3")
            .unwrap()
            .contains("需多于4次点击等操作才能访问到")
    );
    assert!(
        doc.clause("6.3")
            .unwrap()
            .contains("承诺时限不得超过15个工作日")
    );
}

/// Questions a pack's rules read (applies_when and check, both sides of a comparison).
fn read_by_rules(p: &Pack) -> BTreeSet<String> {
    fn walk(p: &Pack, c: &Condition, out: &mut BTreeSet<String>) {
        match c {
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| walk(p, c, out)),
            Condition::Not(c) => walk(p, c, out),
            Condition::ForItems { filter, check, .. } => {
                if let Some(f) = filter {
                    walk(p, f, out);
                }
                walk(p, check, out);
            }
            Condition::Leaf(l) => {
                out.insert(p.questionnaire.questions[l.lhs.q].id.clone());
                if let Operand::Question(r) = &l.rhs {
                    out.insert(p.questionnaire.questions[r.q].id.clone());
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    for r in &p.rules {
        if let Some(a) = &r.applies_when {
            walk(p, a, &mut out);
        }
        walk(p, &r.check, &mut out);
    }
    out
}

/// Questions both packs' rules read, with the same id, type, options and wording in both.
fn shared_with_hlj() -> Vec<String> {
    let a = read_by_rules(pack());
    let b = read_by_rules(hlj());
    let mut shared = Vec::new();
    for id in a.intersection(&b) {
        let find = |p: &'static Pack| p.questionnaire.questions.iter().find(|q| &q.id == id);
        let (qa, qb) = (find(pack()).unwrap(), find(hlj()).unwrap());
        let oa: Vec<&str> = qa.options.iter().map(|o| o.id.as_str()).collect();
        let ob: Vec<&str> = qb.options.iter().map(|o| o.id.as_str()).collect();
        if qa.qtype == qb.qtype && oa == ob && qa.label == qb.label {
            shared.push(id.clone());
        }
    }
    shared
}

/// Answered once for both packs (issue 20): the questions both packs' rules read, with one
/// definition from the question library `hegui-common` 1.1.0. The organisation header (name,
/// credit code…) is not a question and does not count; neither do questions only one pack reads.
#[test]
fn at_least_ten_questions_are_answered_once_for_both_packs() {
    let shared = shared_with_hlj();
    println!(
        "{} questions are read by rules of both packs: {}",
        shared.len(),
        shared.join(", ")
    );
    assert!(shared.len() >= 10, "{shared:?}");
    // Even without the organisation profile (`org.*`), ten remain.
    assert!(
        shared.iter().filter(|id| !id.starts_with("org.")).count() >= 10,
        "{shared:?}"
    );
    // Every one of them is the library's: one definition, asked once in a questionnaire of both.
    for id in &shared {
        for p in [pack(), hlj()] {
            let q = p
                .questionnaire
                .questions
                .iter()
                .find(|q| &q.id == id)
                .unwrap();
            assert_eq!(
                q.library.as_deref(),
                Some("hegui-common 1.1.0"),
                "{id} in {}",
                p.meta.id
            );
        }
    }
    assert_eq!(
        shared,
        [
            "apps[*].has_accounts",
            "apps[*].pi_collects_before_consent",
            "apps[*].pi_refuses_function_on_refusal",
            "apps[*].privacy_policy",
            "org.channels",
            "org.processes_pi",
            "org.sensitive_pi",
            "pi.rights_requests",
            "pi.sale_separate_consent",
            "pi.sells_pi",
            "pi.sharing_separate_consent",
            "scope.shares_pi",
            "service.complaint_channel",
        ]
    );
}

fn fixture(name: &str) -> hegui_core::answers::Facts {
    let path = root().join("fixtures/app-pi").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    match load_facts(&path.to_string_lossy(), &text, pack()) {
        Ok(f) => {
            // A file answered for both packs, read for this pack alone: the provincial pack's
            // answers are ignored with one note, nothing else.
            let warnings: Vec<_> = f
                .warnings
                .iter()
                .filter(|w| {
                    !w.message.contains(
                        "answer(s) for pack(s) not assessed (hlj-2017-mobile-internet) are ignored",
                    )
                })
                .collect();
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
            f.facts
        }
        Err(d) => panic!(
            "{name}: {}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn outcomes(name: &str, outcome: Outcome) -> Vec<String> {
    let a = assess(pack(), &fixture(name), AssessOptions::default());
    let mut v: Vec<String> = a
        .findings()
        .filter(|f| f.outcome == outcome)
        .map(|f| f.rule_id.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn fixture_compliant_app_passes_everything() {
    assert!(outcomes("app-pi-compliant.yaml", Outcome::Fail).is_empty());
    assert!(outcomes("app-pi-compliant.yaml", Outcome::Unanswered).is_empty());
    assert_eq!(
        outcomes("app-pi-compliant.yaml", Outcome::Pass).len(),
        pack().rules.len()
    );
}

#[test]
fn fixture_app_with_gaps_fails_what_its_answers_show() {
    assert_eq!(
        outcomes("app-pi-gaps.yaml", Outcome::Fail),
        [
            "app.account-deletion",
            "app.explicit-consent",
            "app.no-collection-before-consent",
            "app.no-refusal-lockout",
            "app.policy-reachable",
            "app.respects-refusal",
            "app.rights-response-time",
            "app.sdk-consent",
        ]
    );
    assert_eq!(
        outcomes("app-pi-gaps.yaml", Outcome::Unanswered),
        ["app.plain-language"]
    );
}

#[test]
fn fixture_half_answered_mini_program_leaves_what_it_did_not_answer_undecided() {
    let name = "mini-program-half-blank.yaml";
    assert_eq!(
        outcomes(name, Outcome::Fail),
        ["app.first-run-prompt", "pi.complaint-channel"]
    );
    let unanswered = outcomes(name, Outcome::Unanswered);
    assert_eq!(unanswered.len(), 13, "{unanswered:?}");
    for must in [
        "app.no-collection-before-consent",
        "app.respects-refusal",
        "app.account-deletion",
    ] {
        assert!(
            unanswered.iter().any(|r| r == must),
            "{must}: {unanswered:?}"
        );
    }
    // The method is written for apps; the pack applies it to mini-programs listed in the
    // library's group as well, and never reports them not applicable for being one.
    assert!(outcomes(name, Outcome::NotApplicable).is_empty());
}

/// The commands the pack is checked with, run as a user runs them.
#[test]
fn the_commands_test_coverage_and_validate_work_on_the_embedded_pack() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hegui"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["test", "--pack", ID]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(" 0 failed"), "{out}");
    let (code, out, _) = run(&["coverage", "--pack", ID]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("unverified items / 未核实条目 (20;"), "{out}");
    assert!(!out.contains("NOT COVERED"), "{out}");
    let (code, out, err) = run(&["validate", "--rules", "rules/cn-app-pi-2019"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("(53 questions, 29 rules)"), "{err}");
    assert!(err.contains("18 quotes are unverified"), "{err}");
}

/// `hegui assess F --pack hlj-2017-mobile-internet --pack cn-app-pi-2019`, as JSON.
fn both(name: &str) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hegui"))
        .args(["assess", &format!("fixtures/app-pi/{name}")])
        .args(["--pack", "hlj-2017-mobile-internet", "--pack", ID])
        .args(["--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One pack's entry of a result: (verdict, answered, rule ids per outcome, required only for
/// `fail`).
fn pack_of<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pack"]["id"] == id)
        .unwrap()
}

fn rules_with(p: &serde_json::Value, outcome: &str, required_only: bool) -> Vec<String> {
    let mut v: Vec<String> = p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == outcome && (!required_only || f["level"] == "required"))
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Issue 20: every fixture of this pack assesses against both real packs, key findings pinned.
/// Every fixture is answered for both packs (the header lists them; shared questions once): per
/// pack its verdict, score and coverage (recounted from the findings), the overall verdict, and
/// the rule outcomes its story is about, each pinned failure with the answer that fails it.
#[test]
fn every_fixture_assesses_against_both_packs_with_pinned_key_findings() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("fixtures/app-pi"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "app-pi-compliant.yaml",
            "app-pi-gaps.yaml",
            "mini-program-half-blank.yaml"
        ]
    );

    // Answered for both packs: the App pack is met in full; the provincial pack fails on the
    // security-level filing (graded, not yet filed) and, recommended only, IPv6.
    let r = both("app-pi-compliant.yaml");
    assert_eq!(r["verdict"], "not_compliant");
    let hlj = pack_of(&r, "hlj-2017-mobile-internet");
    let app = pack_of(&r, ID);
    assert_eq!(
        (&hlj["answered"], &app["answered"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(hlj["verdict"], "not_compliant");
    // Of weight 85 decided, security.graded-filing (medium, 2) fails: security.graded_filing:
    // not_filed. development.ipv6 (partial) is recommended and not counted.
    assert_eq!(key_numbers(hlj), (83, 85, 31, 31));
    assert_eq!(rules_with(hlj, "fail", true), ["security.graded-filing"]);
    assert_eq!(
        rules_with(hlj, "fail", false),
        ["development.ipv6", "security.graded-filing"]
    );
    assert!(rules_with(hlj, "unanswered", false).is_empty());
    assert_eq!(app["verdict"], "compliant");
    assert_eq!(key_numbers(app), (83, 83, 29, 29));
    assert_eq!(rules_with(app, "pass", false).len(), pack().rules.len());
    // Answers given once decide rules of both packs: what runs before consent, refusals,
    // the privacy policy, account deletion (has accounts), sharing, sale and complaints.
    for (h, a) in [
        (
            "pi.consent-before-collection",
            "app.no-collection-before-consent",
        ),
        (
            "pi.basic-functions-without-optional",
            "app.no-refusal-lockout",
        ),
        ("pi.app-privacy-policy", "app.privacy-policy"),
        (
            "pi.sharing-separate-consent",
            "pi.backend-provision-consent",
        ),
        ("pi.rights-requests", "app.account-deletion"),
        ("service.complaint-channel", "pi.complaint-channel"),
        ("realname.apps", "app.account-deletion"),
    ] {
        assert!(rules_with(hlj, "pass", false).iter().any(|x| x == h), "{h}");
        assert!(rules_with(app, "pass", false).iter().any(|x| x == a), "{a}");
    }

    // Answered for both packs too (the header lists both; shared questions once). Every pinned
    // failure names the answer that fails it; the failing item is checked where the rule is per
    // build. The provincial pack's own questions are answered as met (the story's gaps are the
    // personal-information ones), so what fails there is what the shared answers decide.
    let r = both("app-pi-gaps.yaml");
    assert_eq!(r["verdict"], "not_compliant");
    let hlj = pack_of(&r, "hlj-2017-mobile-internet");
    let app = pack_of(&r, ID);
    assert_eq!(
        (&hlj["answered"], &app["answered"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(hlj["verdict"], "not_compliant");
    // 83 weight decided, 5 of it failing (high 3 + medium 2); all 30 applicable required rules decided.
    assert_eq!(key_numbers(hlj), (78, 83, 30, 30));
    assert_eq!(
        rules_with(hlj, "fail", false),
        [
            // apps[0] (Android) pi_refuses_function_on_refusal: true
            "pi.basic-functions-without-optional",
            // apps[0] (Android) pi_collects_before_consent: [device_ids, app_list]
            "pi.consent-before-collection",
        ]
    );
    for rule in [
        "pi.basic-functions-without-optional",
        "pi.consent-before-collection",
    ] {
        assert_eq!(
            failing_items(hlj, rule),
            ["北方资讯 · android · 3.8.2"],
            "{rule}"
        );
    }
    assert!(rules_with(hlj, "unanswered", false).is_empty());
    // The same org-level answer passes the provincial rights rule while the App pack fails the
    // Android build's account deletion; the news licence and filing are answered as held.
    for rule in [
        "pi.rights-requests",
        "pi.app-privacy-policy",
        "licensing.news-licence",
        "security.graded-filing",
    ] {
        assert!(
            rules_with(hlj, "pass", false).iter().any(|x| x == rule),
            "{rule}"
        );
    }
    // Not applicable only where an answer rules them out: no sensitive information, no sharing,
    // no user interaction in the app, no user publishing.
    for rule in [
        "pi.sensitive-separate-consent",
        "pi.sharing-separate-consent",
        "realname.apps",
        "content.review-mechanism",
    ] {
        assert!(
            rules_with(hlj, "not_applicable", false)
                .iter()
                .any(|x| x == rule),
            "{rule}"
        );
    }
    assert_eq!(app["verdict"], "not_compliant");
    // Failing weight 25 (critical 4 ×3, high 3 ×3, medium 2 ×2) of 82; 28 of 29 decided
    // (app.plain-language is 不清楚 on both builds).
    assert_eq!(key_numbers(app), (57, 82, 28, 29));
    assert_eq!(
        rules_with(app, "fail", true),
        [
            // apps[0] pi_account_deletion: false
            "app.account-deletion",
            // pi_consent_method: prechecked, on both builds
            "app.explicit-consent",
            // apps[0] pi_collects_before_consent: [device_ids, app_list]
            "app.no-collection-before-consent",
            // apps[0] pi_refuses_function_on_refusal: true
            "app.no-refusal-lockout",
            // apps[0] pi_taps_to_policy: 6 (more than 4)
            "app.policy-reachable",
            // apps[0] pi_reprompts_after_refusal: true
            "app.respects-refusal",
            // apps[0] pi_longest_days: 20 against pi_promised_days: 15
            "app.rights-response-time",
            // apps[0] pi_has_sdks: true, pi_sdk_consent: false
            "app.sdk-consent",
        ]
    );
    assert_eq!(
        rules_with(app, "fail", true),
        outcomes("app-pi-gaps.yaml", Outcome::Fail),
        "the same findings as the App pack alone"
    );
    for rule in rules_with(app, "fail", true) {
        let want: &[&str] = if rule == "app.explicit-consent" {
            &["北方资讯 · android · 3.8.2", "北方资讯 · ios · 3.8.0"]
        } else {
            &["北方资讯 · android · 3.8.2"]
        };
        assert_eq!(failing_items(app, &rule), want, "{rule}");
    }
    assert_eq!(rules_with(app, "unanswered", false), ["app.plain-language"]);

    // Half answered for both packs: blanks and 不清楚 leave rules of both undecided, never N/A.
    let r = both("mini-program-half-blank.yaml");
    assert_eq!(r["verdict"], "not_compliant");
    let hlj = pack_of(&r, "hlj-2017-mobile-internet");
    let app = pack_of(&r, ID);
    assert_eq!(
        (&hlj["answered"], &app["answered"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(hlj["verdict"], "not_compliant");
    // 11 of 27 applicable required rules decided; of their weight 30, 2 fails (medium).
    assert_eq!(key_numbers(hlj), (28, 30, 11, 27));
    // service.complaint_channel: false
    assert_eq!(
        rules_with(hlj, "fail", false),
        ["service.complaint-channel"]
    );
    assert_eq!(
        rules_with(hlj, "unanswered", false),
        [
            "data.backup-encryption",              // blank
            "development.ipv6",                    // blank (recommended)
            "licensing.app-filing",                // apps[0] filed: 不清楚
            "pi.access-copy",                      // 不清楚
            "pi.basic-functions-without-optional", // apps[0] pi_refuses_function_on_refusal blank (shared)
            "pi.breach-notification",              // pi.security_measures blank
            "pi.consent-before-collection", // apps[0] pi_collects_before_consent: 不清楚 (shared)
            "pi.guardian-consent",          // org.minors_under_14 blank
            "pi.impact-assessment",         // blank
            "pi.proactive-deletion",        // 不清楚
            "pi.rights-requests",           // pi.rights_requests: 不清楚 (shared)
            "pi.security-measures",         // blank
            "security.graded-filing",       // blank
            "security.graded-protection",   // 不清楚
            "security.no-malicious-programs", // security.malware_screening blank
            "security.vulnerability-response", // blank
            "telecom.fraud-device-blocking", // blank
        ]
    );
    // N/A only where an answer rules a rule out: no website, no news, no telecom network, no
    // user publishing, no sharing, no sensitive information, no interaction in the mini-program.
    assert_eq!(rules_with(hlj, "not_applicable", false).len(), 34);
    for rule in [
        "licensing.website-filing",
        "news.editor-in-chief",
        "content.review-mechanism",
        "pi.sharing-separate-consent",
        "pi.sensitive-separate-consent",
        "realname.apps",
    ] {
        assert!(
            rules_with(hlj, "not_applicable", false)
                .iter()
                .any(|x| x == rule),
            "{rule}"
        );
    }
    assert_eq!(app["verdict"], "not_compliant");
    // 16 of 29 decided; failing weight 5 (high 3 + medium 2) of 42.
    assert_eq!(key_numbers(app), (37, 42, 16, 29));
    assert_eq!(
        rules_with(app, "fail", true),
        [
            // apps[0] pi_first_run_prompt: false
            "app.first-run-prompt",
            // service.complaint_channel: false — one answer fails both packs
            "pi.complaint-channel",
        ]
    );
    assert_eq!(
        failing_items(app, "app.first-run-prompt"),
        ["邻里优选 · mini_program_wechat · 2.4.1"]
    );
    let unanswered = rules_with(app, "unanswered", false);
    assert_eq!(unanswered.len(), 13, "{unanswered:?}");
    for rule in [
        "app.no-collection-before-consent", // apps[0] pi_collects_before_consent: 不清楚
        "app.no-refusal-lockout",           // apps[0] pi_refuses_function_on_refusal blank
        "app.respects-refusal",             // apps[0] pi_collects_after_refusal: 不清楚
        "app.account-deletion",             // pi.rights_requests: 不清楚
    ] {
        assert!(
            unanswered.iter().any(|x| x == rule),
            "{rule}: {unanswered:?}"
        );
    }
    assert!(rules_with(app, "not_applicable", false).is_empty());
}

/// A pack's (score numerator, denominator, coverage numerator, denominator), each recounted
/// from its findings (weights critical 4, high 3, medium 2, low 1 over decided applicable
/// required rules; coverage: decided ÷ applicable required rules) before it is returned.
fn key_numbers(p: &serde_json::Value) -> (u64, u64, u64, u64) {
    let n = |k: &str, f: &str| p[k][f].as_u64().unwrap();
    let got = (
        n("score", "numerator"),
        n("score", "denominator"),
        n("coverage", "numerator"),
        n("coverage", "denominator"),
    );
    let (mut pass_w, mut decided_w, mut decided, mut applicable) = (0, 0, 0, 0);
    for f in p["findings"].as_array().unwrap() {
        if f["level"] != "required" || f["outcome"] == "not_applicable" {
            continue;
        }
        applicable += 1;
        let w = match f["severity"].as_str().unwrap() {
            "critical" => 4,
            "high" => 3,
            "medium" => 2,
            _ => 1,
        };
        if f["outcome"] == "pass" || f["outcome"] == "fail" {
            decided += 1;
            decided_w += w;
            if f["outcome"] == "pass" {
                pass_w += w;
            }
        }
    }
    assert_eq!(
        got,
        (pass_w, decided_w, decided, applicable),
        "{}",
        p["pack"]["id"]
    );
    got
}

/// Keys of the items (app builds) a finding fails on.
fn failing_items(p: &serde_json::Value, rule: &str) -> Vec<String> {
    let f = p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap();
    f["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["outcome"] == "fail")
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

/// `hegui test` over both packs together: every case passes and every comparison is exercised
/// (an unexercised comparison counts as a failure in its output).
#[test]
fn the_self_tests_of_both_packs_pass_together() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hegui"))
        .args(["test", "--pack", "hlj-2017-mobile-internet", "--pack", ID])
        .current_dir(root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("pack hlj-2017-mobile-internet 2.1.0: 65 rules"),
        "{text}"
    );
    assert!(
        text.contains("pack cn-app-pi-2019 1.1.0: 29 rules"),
        "{text}"
    );
    assert_eq!(text.matches(" 0 failed").count(), 2, "{text}");
    assert!(!text.contains("UNEXERCISED"), "{text}");
}
