//! One test per line of docs/SEMANTICS.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;
use common::*;
use hegui_core::diag::Level;
use hegui_core::eval::Truth;
use hegui_core::eval::assess::{AssessOptions, Outcome, assess};
use hegui_core::facts::AnswerState;
use hegui_core::model::condition::Purpose;

const HLJ: &str = "scope.heilongjiang: true\nscope.functions: [comments]\n";

#[test]
fn s01_absent_or_null_is_unanswered() {
    let f = finding(
        &format!("{HLJ}real_name.required: null\n"),
        "demo.real-name",
    );
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert_eq!(f.missing, vec!["real_name.required", "real_name.methods"]);
    let f = finding("org.contact_note: '   '\n", "demo.logs");
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert!(
        facts("org.contact_note: '  '\n")
            .answers
            .iter()
            .all(Option::is_none)
    );
}

#[test]
fn s02_dont_know_is_reported_on_its_own() {
    for dk in ["不清楚", "dont_know", "{dont_know: true, remark: 待核实}"] {
        let f = finding(
            &format!("{HLJ}real_name.required: true\nreal_name.methods: {dk}\n"),
            "demo.real-name",
        );
        assert_eq!(f.outcome, Outcome::Unanswered, "{dk}");
        assert_eq!(f.dont_know, vec!["real_name.methods"], "{dk}");
        assert!(f.missing.is_empty(), "{dk}");
    }
    let facts = facts("security.log_months: 不清楚\n");
    let q = demo()
        .questionnaire
        .question("security.log_months")
        .unwrap();
    assert_eq!(
        facts.answers[q].as_ref().unwrap().state,
        AnswerState::DontKnow
    );
    let a = assessment("security.log_months: 不清楚\n");
    assert_eq!(a.packs[0].summary.required_dont_know, 1);
}

#[test]
fn s03_answers_are_typed_by_the_question() {
    for bad in ["yes", "no", "on", "off", "1", "Y"] {
        let d = diags(
            &doc(&format!("scope.heilongjiang: {bad}\n"), "2026-03-10", ""),
            "f.yaml",
        );
        assert!(
            d.iter().any(|d| d.level == Level::Error
                && d.message.contains("yes/no question expects true or false")
                && d.subject == "question `scope.heilongjiang`"),
            "{bad}: {}",
            messages(&d)
        );
    }
    for good in ["true", "false", "是", "否", "TRUE"] {
        facts(&format!("scope.heilongjiang: {good}\n"));
    }
    // An option id that YAML 1.1 would read as a boolean stays the option; 0755 stays text.
    let f =
        facts("scope.user_band: under_1m\norg.contact_note: 0755\nsecurity.log_months: \"12\"\n");
    let qn = &demo().questionnaire;
    let note = &f.answers[qn.question("org.contact_note").unwrap()];
    assert_eq!(
        note.as_ref().unwrap().state,
        AnswerState::Value(hegui_core::model::Value::Text("0755".into()))
    );
    let months = &f.answers[qn.question("security.log_months").unwrap()];
    assert_eq!(
        months.as_ref().unwrap().state,
        AnswerState::Value(hegui_core::model::Value::Int(12))
    );
    let d = diags(&doc("org.contact_note: 1.50\n", "2026-03-10", ""), "f.yaml");
    assert!(
        messages(&d).contains("text question expects text, found 1.5"),
        "{}",
        messages(&d)
    );
}

#[test]
fn s04_multiple_choice_lists_and_exclusive_options() {
    let d = diags(
        &doc("scope.channels: [app, none]\n", "2026-03-10", ""),
        "f.yaml",
    );
    assert!(
        messages(&d).contains("option `none` excludes the others"),
        "{}",
        messages(&d)
    );
    let d = diags(
        &doc("scope.channels: [app, app]\n", "2026-03-10", ""),
        "f.yaml",
    );
    assert!(
        messages(&d).contains("option `app` is listed twice"),
        "{}",
        messages(&d)
    );
    let d = diags(&doc("scope.channels: app\n", "2026-03-10", ""), "f.yaml");
    assert!(
        messages(&d).contains("write a list: [app]"),
        "{}",
        messages(&d)
    );
    facts("scope.channels: [none]\n");
}

#[test]
fn s05_dates_are_iso_and_past_events_not_after_assessment() {
    let d = diags(
        &doc("security.last_inspection: 2026-03-11\n", "2026-03-10", ""),
        "f.yaml",
    );
    assert!(
        messages(&d).contains("2026-03-11 is after the assessment date 2026-03-10"),
        "{}",
        messages(&d)
    );
    facts("security.last_inspection: 2026-03-10\n");
    for bad in [
        "2026-3-1",
        "01/02/2026",
        "2026-02-30",
        "2026-03-10T00:00:00",
    ] {
        let d = diags(
            &doc(
                &format!("security.last_inspection: {bad}\n"),
                "2026-03-10",
                "",
            ),
            "f.yaml",
        );
        assert!(
            messages(&d).contains("date question expects a date YYYY-MM-DD"),
            "{bad}: {}",
            messages(&d)
        );
    }
}

#[test]
fn s06_hidden_answers_are_kept_with_a_warning() {
    let text = doc(
        "scope.functions: [none]\nreal_name.required: true\n",
        "2026-03-10",
        "",
    );
    let d = diags(&text, "f.yaml");
    assert_eq!(d.len(), 1, "{}", messages(&d));
    assert_eq!(d[0].level, Level::Warning);
    assert!(
        d[0].message.contains("not asked given the other answers"),
        "{}",
        d[0]
    );
    let f = facts("scope.functions: [none]\nreal_name.required: true\n");
    assert!(f.answers[demo().questionnaire.question("real_name.required").unwrap()].is_some());
}

#[test]
fn s07_groups_absent_empty_and_blank_items() {
    let f = facts("apps: null\n");
    assert!(f.groups[0].is_none());
    let f = facts("apps: []\n");
    assert_eq!(f.groups[0].as_ref().unwrap().len(), 0);
    // The blank questionnaire's template item: the group stays unanswered, no warning.
    let text = doc(
        "apps:\n  - {name: null, has_accounts: null}\n",
        "2026-03-10",
        "",
    );
    assert!(diags(&text, "f.yaml").is_empty());
    let f = facts("apps:\n  - {name: null, has_accounts: null}\n");
    assert!(f.groups[0].is_none());
    let text = doc(
        "apps:\n  - {name: A, has_accounts: true}\n  - {name: null}\n",
        "2026-03-10",
        "",
    );
    let d = diags(&text, "f.yaml");
    assert!(
        messages(&d).contains("item(s) 2 have no answers and are left out"),
        "{}",
        messages(&d)
    );
}

#[test]
fn s08_unknown_when_either_side_is_unanswered_or_dont_know() {
    let c = "{ \"features[*].assessment_date\": { on_or_before: { question: \"features[*].launch_date\" } } }";
    assert_eq!(
        truth_of(c, "features:\n  - {name: x, launch_date: 2026-01-01}\n"),
        Truth::Unknown
    );
    assert_eq!(
        truth_of(
            c,
            "features:\n  - {name: x, assessment_date: 2026-01-01, launch_date: 不清楚}\n"
        ),
        Truth::Unknown
    );
    assert_eq!(
        truth_of(
            c,
            "features:\n  - {name: x, assessment_date: 2026-01-01, launch_date: 2026-01-01}\n"
        ),
        Truth::True
    );
    assert_eq!(
        truth_of("{security.log_months: {ge: 6}}", ""),
        Truth::Unknown
    );
}

#[test]
fn s09_not_unknown_is_unknown() {
    assert_eq!(
        truth_of("{not: {security.log_months: {ge: 6}}}", ""),
        Truth::Unknown
    );
    assert_eq!(
        truth_of(
            "{not: {security.log_months: {ge: 6}}}",
            "security.log_months: 3\n"
        ),
        Truth::True
    );
}

#[test]
fn s10_any_is_strong_kleene() {
    let c = "{any: [{security.log_months: {ge: 6}}, {scope.heilongjiang: true}]}";
    assert_eq!(truth_of(c, "scope.heilongjiang: true\n"), Truth::True);
    assert_eq!(truth_of(c, "scope.heilongjiang: false\n"), Truth::Unknown);
    assert_eq!(
        truth_of(c, "scope.heilongjiang: false\nsecurity.log_months: 1\n"),
        Truth::False
    );
}

#[test]
fn s11_all_is_strong_kleene() {
    let c = "{all: [{security.log_months: {ge: 6}}, {scope.heilongjiang: true}]}";
    assert_eq!(truth_of(c, "scope.heilongjiang: false\n"), Truth::False);
    assert_eq!(truth_of(c, "scope.heilongjiang: true\n"), Truth::Unknown);
    assert_eq!(
        truth_of(c, "scope.heilongjiang: true\nsecurity.log_months: 6\n"),
        Truth::True
    );
}

#[test]
fn s12_set_operators() {
    let a = "scope.channels: [app, website]\nscope.user_band: under_1m\n";
    assert_eq!(truth_of("{scope.channels: [website, app]}", a), Truth::True);
    assert_eq!(truth_of("{scope.channels: [app]}", a), Truth::False);
    assert_eq!(
        truth_of("{scope.channels: {not_equals: [app]}}", a),
        Truth::True
    );
    assert_eq!(
        truth_of("{scope.channels: {any_of: [mini_program, app]}}", a),
        Truth::True
    );
    assert_eq!(
        truth_of("{scope.channels: {all_of: [app, mini_program]}}", a),
        Truth::False
    );
    assert_eq!(
        truth_of("{scope.channels: {all_of: [app, website]}}", a),
        Truth::True
    );
    assert_eq!(
        truth_of("{scope.channels: {none_of: [mini_program]}}", a),
        Truth::True
    );
    assert_eq!(
        truth_of("{scope.channels: {none_of: [app]}}", a),
        Truth::False
    );
    assert_eq!(
        truth_of("{scope.user_band: {any_of: [under_1m, over_1m]}}", a),
        Truth::True
    );
    assert_eq!(
        truth_of("{scope.user_band: {none_of: [under_1m]}}", a),
        Truth::False
    );
    assert_eq!(truth_of("{scope.user_band: under_10k}", a), Truth::False);
}

#[test]
fn s13_within_days_is_inclusive_at_both_ends() {
    let c = "{security.last_inspection: {within_days: 10}}";
    assert_eq!(
        truth_of(c, "security.last_inspection: 2026-02-28\n"),
        Truth::True
    ); // 2026-03-10 - 10 days
    assert_eq!(
        truth_of(c, "security.last_inspection: 2026-02-27\n"),
        Truth::False
    );
    assert_eq!(
        truth_of(c, "security.last_inspection: 2026-03-10\n"),
        Truth::True
    );
    assert_eq!(
        truth_of(
            "{security.last_inspection: {within_days: 0}}",
            "security.last_inspection: 2026-03-10\n"
        ),
        Truth::True
    );
}

#[test]
fn s14_answered_is_never_unknown_and_only_for_scoping() {
    assert_eq!(
        truth_of("{security.log_months: {answered: true}}", ""),
        Truth::False
    );
    assert_eq!(
        truth_of(
            "{security.log_months: {answered: true}}",
            "security.log_months: 不清楚\n"
        ),
        Truth::False
    );
    assert_eq!(
        truth_of(
            "{security.log_months: {answered: false}}",
            "security.log_months: 不清楚\n"
        ),
        Truth::True
    );
    assert_eq!(
        truth_of(
            "{security.log_months: {answered: true}}",
            "security.log_months: 0\n"
        ),
        Truth::True
    );
    let e = cond_for("{security.log_months: {answered: true}}", Purpose::Check).unwrap_err();
    assert!(
        messages(&e).contains(
            "`answered` is allowed only in `applies_when`, `ask_when` and scope conditions"
        ),
        "{}",
        messages(&e)
    );
}

#[test]
fn s15_quantifiers() {
    let every = "{every: {group: apps, where: {\"apps[*].has_accounts\": true}, check: {\"apps[*].filed\": true}}}";
    let some = "{some: {group: apps, check: {\"apps[*].filed\": true}}}";
    let bare = "{\"apps[*].filed\": true}";
    assert_eq!(truth_of(every, ""), Truth::Unknown);
    assert_eq!(truth_of(some, ""), Truth::Unknown);
    assert_eq!(truth_of(every, "apps: []\n"), Truth::True);
    assert_eq!(truth_of(some, "apps: []\n"), Truth::False);
    let two = "apps:\n  - {name: A, has_accounts: true, filed: true}\n  - {name: B, has_accounts: false, filed: false}\n";
    assert_eq!(
        truth_of(every, two),
        Truth::True,
        "B does not count: no accounts"
    );
    assert_eq!(
        truth_of(bare, two),
        Truth::False,
        "a bare member comparison means every item"
    );
    assert_eq!(truth_of(some, two), Truth::True);
    let unknown = "apps:\n  - {name: A, has_accounts: true, filed: true}\n  - {name: B, has_accounts: true}\n";
    assert_eq!(truth_of(every, unknown), Truth::Unknown);
    assert_eq!(truth_of(some, unknown), Truth::True);
}

#[test]
fn s16_not_applicable_gives_the_reason_and_skips_the_check() {
    let f = finding(
        "scope.heilongjiang: false\nscope.functions: [comments]\n",
        "demo.real-name",
    );
    assert_eq!(f.outcome, Outcome::NotApplicable);
    assert_eq!(f.reason.len(), 1);
    assert_eq!(f.reason[0].condition, "scope.heilongjiang equals true");
    assert_eq!(f.reason[0].answer, "false");
    assert!(f.missing.is_empty() && f.explanation.is_empty());
}

#[test]
fn s17_blank_scoping_questions_never_remove_duties() {
    let f = finding("scope.functions: [comments]\n", "demo.real-name");
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert_eq!(f.missing, vec!["scope.heilongjiang"]);
    let f = finding("", "demo.app-filing");
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert_eq!(f.missing, vec!["scope.channels"]);
}

#[test]
fn s18_the_check_decides() {
    let base = format!("{HLJ}real_name.required: true\n");
    assert_eq!(
        finding(
            &format!("{base}real_name.methods: [id_document]\n"),
            "demo.real-name"
        )
        .outcome,
        Outcome::Pass
    );
    assert_eq!(
        finding(
            &format!("{base}real_name.methods: [none]\n"),
            "demo.real-name"
        )
        .outcome,
        Outcome::Fail
    );
    let f = finding(&base, "demo.real-name");
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert_eq!(f.missing, vec!["real_name.methods"]);
}

#[test]
fn s19_explanations_keep_only_what_decided() {
    // A false `all`: only the false branch.
    let f = finding(
        &format!("{HLJ}real_name.required: false\nreal_name.methods: [mobile_number]\n"),
        "demo.real-name",
    );
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.explanation.len(), 1, "{:?}", f.explanation);
    assert_eq!(f.explanation[0].condition, "real_name.required equals true");
    // A true `any`: only the true branches.
    let (t, obs) = hegui_core::eval::explain(
        &cond(
            "{any: [{security.log_months: {ge: 6}}, {scope.heilongjiang: true}, {scope.channels: {any_of: [app]}}]}",
        ),
        &hegui_core::eval::Env::new(
            demo(),
            &facts("scope.heilongjiang: true\nsecurity.log_months: 1\n"),
        ),
    );
    assert_eq!(t, Truth::True);
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].condition, "scope.heilongjiang equals true");
    // Failing items are named.
    let f = finding(
        "scope.channels: [app]\napps:\n  - {name: 甲, has_accounts: true, filed: true}\n  - {name: 乙, has_accounts: true, filed: false}\n  - {has_accounts: true, filed: false}\n",
        "demo.app-filing",
    );
    assert_eq!(f.outcome, Outcome::Fail);
    let keys: Vec<&str> = f.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["乙", "#3"]);
}

#[test]
fn s20_waivers() {
    let fail = "security.log_months: 3\n";
    let w = |exp: &str| {
        format!(
            "waivers:\n  - {{rule: demo.logs, justification: 采购中, approved_by: 王五, expires: {exp}}}\n"
        )
    };
    let run = |answers: &str, exp: &str, ignore: bool| {
        let text = doc(answers, "2026-03-10", &w(exp));
        let f = load_facts_ok(&text);
        assess(
            demo(),
            &f,
            AssessOptions {
                ignore_waivers: ignore,
            },
        )
        .packs
        .remove(0)
        .findings
        .into_iter()
        .find(|f| f.rule_id == "demo.logs")
        .unwrap()
    };
    let day_before = run(fail, "2026-03-09", false);
    assert_eq!(
        (
            day_before.outcome,
            day_before.waiver.as_ref().unwrap().status
        ),
        (Outcome::Fail, "expired")
    );
    let on = run(fail, "2026-03-10", false);
    assert_eq!(
        (on.outcome, on.waiver.as_ref().unwrap().status),
        (Outcome::Waived, "applied")
    );
    let after = run(fail, "2026-03-11", false);
    assert_eq!(after.outcome, Outcome::Waived);
    let ignored = run(fail, "2026-03-11", true);
    assert_eq!(
        (ignored.outcome, ignored.waiver.as_ref().unwrap().status),
        (Outcome::Fail, "ignored")
    );
    let unused = run("security.log_months: 12\n", "2026-12-31", false);
    assert_eq!(
        (unused.outcome, unused.waiver.as_ref().unwrap().status),
        (Outcome::Pass, "unused")
    );
    let none = run("", "2026-12-31", false);
    assert_eq!(
        (none.outcome, none.waiver.as_ref().unwrap().status),
        (Outcome::Unanswered, "no_effect")
    );
}

fn load_facts_ok(text: &str) -> hegui_core::facts::Facts {
    hegui_core::facts::load_facts("w.yaml", text, demo())
        .map_err(|d| messages(&d))
        .unwrap()
        .facts
}

#[test]
fn s21_checks_may_read_only_guaranteed_questions() {
    let pack = |check: &str, applies: &str| {
        let mut files = hegui_core::load::PackFiles::from_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/demo"
        )))
        .unwrap();
        let rule = format!(
            "rules:\n  - id: t.rule\n    title: {{zh: 测试, en: Test}}\n    section: accounts\n    level: required\n    severity: low\n    source: {{document: hlj-2017, clause: 14, quote: 督促移动互联网企业落实实名制}}\n    references: [{{instrument: csl, articles: {{\"2016\": \"24\", \"2025\": \"26\"}}}}]\n{applies}    check: {check}\n    evidence: [{{zh: 证据, en: Evidence}}]\n    remediation: {{zh: 整改, en: Fix}}\n"
        );
        files.files.push(("rules/zz-test.yaml".into(), rule));
        hegui_core::load::load_pack(&files)
    };
    let e = pack("{real_name.methods: {any_of: [id_document]}}", "").unwrap_err();
    assert!(messages(&e).contains("rule `t.rule`: the check reads `real_name.methods`, which is asked only when real_name.required equals true"), "{}", messages(&e));
    assert!(
        messages(&e).contains("rules/zz-test.yaml:2:5"),
        "{}",
        messages(&e)
    );
    // Guaranteed by applies_when (semantically, not by copying text)…
    let pub_ = "    applies_when: {scope.functions: {any_of: [comments, publishing, messaging]}}\n";
    pack(
        "{real_name.methods: {any_of: [id_document]}}",
        "    applies_when: {all: [{real_name.required: true}, {scope.functions: {any_of: [comments, publishing, messaging]}}]}\n",
    )
    .unwrap();
    // …or by a sibling branch of an `all`.
    pack(
        "{all: [{real_name.required: true}, {real_name.methods: {any_of: [id_document]}}]}",
        pub_,
    )
    .unwrap();
    // A narrower scope is enough; a wider one is not.
    pack(
        "{real_name.required: true}",
        "    applies_when: {scope.functions: {all_of: [comments, messaging]}}\n",
    )
    .unwrap();
    let e = pack(
        "{real_name.required: true}",
        "    applies_when: {scope.heilongjiang: true}\n",
    )
    .unwrap_err();
    assert!(
        messages(&e).contains("reads `real_name.required`"),
        "{}",
        messages(&e)
    );
    // The member's ask_when reads its own item: a `where` guarantees it.
    let e = pack(
        "{\"apps[*].filing_number\": {not_equals: \"\"}}",
        "    applies_when: {scope.channels: {any_of: [app]}}\n",
    )
    .unwrap_err();
    assert!(
        messages(&e).contains("reads `apps[*].filing_number`"),
        "{}",
        messages(&e)
    );
    pack(
        "{every: {group: apps, where: {\"apps[*].filed\": true}, check: {\"apps[*].filing_number\": {not_equals: x}}}}",
        "    applies_when: {scope.channels: {any_of: [app]}}\n",
    )
    .unwrap();
    // The group itself is asked only of app operators.
    let e = pack(
        "{every: {group: apps, check: {\"apps[*].filed\": true}}}",
        "",
    )
    .unwrap_err();
    assert!(
        messages(&e).contains("reads group `apps`"),
        "{}",
        messages(&e)
    );
}

#[test]
fn s22_deterministic_and_dated_references() {
    let answers = format!(
        "{HLJ}real_name.required: true\nreal_name.methods: [none]\nsecurity.log_months: 1\n"
    );
    let a = hegui_core::result::json(&assessment(&answers));
    let b = hegui_core::result::json(&assessment(&answers));
    assert_eq!(a, b);
    let ids: Vec<String> = assessment(&answers).packs[0]
        .findings
        .iter()
        .map(|f| f.rule_id.clone())
        .collect();
    let pack_ids: Vec<String> = demo().rules.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, pack_ids);
    // 网络安全法 was renumbered from 2026-01-01: the article in force on the assessment date is shown.
    let before = assess(
        demo(),
        &facts_on(&answers, "2025-12-31"),
        AssessOptions::default(),
    );
    let after = assess(
        demo(),
        &facts_on(&answers, "2026-01-01"),
        AssessOptions::default(),
    );
    let art = |a: &hegui_core::eval::assess::Assessment| {
        let r = &a.packs[0]
            .findings
            .iter()
            .find(|f| f.rule_id == "demo.real-name")
            .unwrap()
            .references[0];
        (r.version.clone(), r.article.clone(), r.articles.len())
    };
    assert_eq!(art(&before), ("2016".into(), "24".into(), 2));
    assert_eq!(art(&after), ("2025".into(), "26".into(), 2));
}

#[test]
fn one_compiled_pack_serves_many_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<hegui_core::model::Pack>();
    send_sync::<hegui_core::facts::Facts>();
    send_sync::<hegui_core::eval::assess::Assessment>();
    let inputs: Vec<String> = (0..8)
        .map(|i| format!("{HLJ}real_name.required: {}\nreal_name.methods: [mobile_number]\nsecurity.log_months: {i}\n", i % 2 == 0))
        .collect();
    let serial: Vec<String> = inputs
        .iter()
        .map(|a| hegui_core::result::json(&assessment(a)))
        .collect();
    let parallel: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|a| s.spawn(move || hegui_core::result::json(&assessment(a))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(serial, parallel);
}

/// The licensing test pack (2.0.0; `tests/data/packs-v2/licensing`).
fn licensing() -> &'static hegui_core::model::Pack {
    static PACK: std::sync::OnceLock<hegui_core::model::Pack> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        let files = hegui_core::load::PackFiles::from_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/packs-v2/licensing"
        )))
        .unwrap();
        hegui_core::load::load_pack(&files)
            .map_err(|d| messages(&d))
            .unwrap()
            .pack
    })
}

fn licensing_assessment(answers: &str) -> hegui_core::eval::assess::Assessment {
    let text = format!(
        "pack: {{id: licensing, version: 2.0.0}}\norganisation: {{name: 测试公司}}\nassessment_date: 2026-03-10\nanswers:\n{}",
        answers
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    );
    let facts = hegui_core::facts::load_facts("t.yaml", &text, licensing())
        .map_err(|d| messages(&d))
        .unwrap()
        .facts;
    assess(licensing(), &facts, AssessOptions::default())
}

fn licensing_report(
    a: &hegui_core::eval::assess::Assessment,
    lang: hegui_report::render::Lang,
) -> String {
    let env = hegui_report::render::environment(lang, None);
    hegui_report::render::report(
        &env,
        "report.md.j2",
        a,
        licensing(),
        lang,
        &hegui_report::render::ReportOptions::default(),
    )
    .unwrap()
}

#[test]
fn s23_a_false_any_lists_every_branch_the_closest_first() {
    // Role value-added, no licence: the `all` branch (second in the pack) held its leading
    // condition and failed on the licence; it explains first, the basic-operator branch after.
    let a = licensing_assessment(
        "scope.heilongjiang: true\nscope.telecom_role: value_added\nlicensing.icp_licence: false\n",
    );
    let f = a.packs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == "lic.licence")
        .unwrap();
    assert_eq!(f.outcome, Outcome::Fail);
    let conds: Vec<&str> = f.explanation.iter().map(|o| o.condition.as_str()).collect();
    assert_eq!(
        conds,
        [
            "licensing.icp_licence equals true",
            "scope.telecom_role equals basic_operator"
        ]
    );
    assert!(f.explanation.iter().all(|o| o.result == Truth::False));
    // The one-line reason quotes the licence, in both languages, not the irrelevant branch.
    let zh = licensing_report(&a, hegui_report::render::Lang::Zh);
    assert!(
        zh.contains("- 主要原因：是否持有有效的增值电信业务经营许可证？: 回答 否 — 不满足\n"),
        "{zh}"
    );
    let en = licensing_report(&a, hegui_report::render::Lang::En);
    assert!(
        en.contains("- Main reason: Does the company hold a valid value-added telecom licence?: Answer no — not met\n"),
        "{en}"
    );
    // A basic operator passes through the first branch; the other branch is not explained.
    let f = licensing_assessment("scope.heilongjiang: true\nscope.telecom_role: basic_operator\n")
        .packs
        .remove(0)
        .findings
        .into_iter()
        .find(|f| f.rule_id == "lic.licence")
        .unwrap();
    assert_eq!(f.outcome, Outcome::Pass);
    assert_eq!(f.explanation.len(), 1);
    // Without a near miss, every branch in pack order.
    let (t, obs) = hegui_core::eval::explain(
        &cond(
            "{any: [{scope.heilongjiang: true}, {all: [{scope.functions: {any_of: [comments]}}, {security.log_months: {ge: 6}}]}]}",
        ),
        &hegui_core::eval::Env::new(
            demo(),
            &facts(
                "scope.heilongjiang: false\nscope.functions: [publishing]\nsecurity.log_months: 3\n",
            ),
        ),
    );
    assert_eq!(t, Truth::False);
    let conds: Vec<&str> = obs.iter().map(|o| o.condition.as_str()).collect();
    assert_eq!(
        conds,
        [
            "scope.heilongjiang equals true",
            "scope.functions any_of [comments]",
            "security.log_months ge 6",
        ]
    );
    // A `some` over a group reported with no items explains itself.
    let a = licensing_assessment("scope.heilongjiang: true\nsites: []\n");
    let f = a.packs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == "lic.sites")
        .unwrap();
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.explanation.len(), 1);
    assert_eq!(f.explanation[0].question, "sites");
    assert_eq!(f.explanation[0].answer, "[]");
    assert!(
        licensing_report(&a, hegui_report::render::Lang::Zh)
            .contains("- 主要原因：网站: 回答 未报告任何条目 — 不满足\n")
    );
    assert!(
        licensing_report(&a, hegui_report::render::Lang::En)
            .contains(": Answer no item reported — not met\n")
    );
    // With an item that is not filed, the item is named instead.
    let f =
        licensing_assessment("scope.heilongjiang: true\nsites:\n  - {name: 官网, filed: false}\n")
            .packs
            .remove(0)
            .findings
            .into_iter()
            .find(|f| f.rule_id == "lic.sites")
            .unwrap();
    assert_eq!(f.outcome, Outcome::Fail);
    assert_eq!(f.explanation[0].answer, "false");
    let keys: Vec<&str> = f.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["官网"]);
}

#[test]
fn s24_nothing_is_asked_in_vain() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/packs-v2/licensing");
    let with = |rel: &str, text: &str| {
        let mut files = hegui_core::load::PackFiles::from_dir(std::path::Path::new(dir)).unwrap();
        files.files.retain(|(p, _)| p != rel);
        files.files.push((rel.into(), text.into()));
        hegui_core::load::load_pack(&files)
    };
    let scope = std::fs::read_to_string(format!("{dir}/questions/10-scope.yaml")).unwrap();
    // A question nothing reads, without `informational`: refused, naming id, file and line.
    let bare = scope.replace(
        "    informational: { zh: 仅供报告阅读者参考，不影响任何结论, en: For the report's readers only; no conclusion depends on it }\n",
        "",
    );
    assert_ne!(bare, scope);
    let e = with("questions/10-scope.yaml", &bare).unwrap_err();
    let m = messages(&e);
    assert!(
        m.contains("packs-v2/licensing/questions/10-scope.yaml:14:5: question `org.note`: 没有任何条件读取该问题(规则的 applies_when 或 check、适用范围、其他问题的 ask_when) / nothing reads this question"),
        "{m}"
    );
    assert_eq!(
        e.iter().filter(|d| d.level == Level::Error).count(),
        1,
        "{m}"
    );
    // An option nothing names: refused with the option's own line.
    let q = std::fs::read_to_string(format!("{dir}/questions/20-licensing.yaml")).unwrap();
    let bare = q.replace(", informational: { zh: 让用户如实作答；任何规则都不把它当作核验方式, en: Lets users answer truthfully; no rule counts it as verification }", "");
    assert_ne!(bare, q);
    let m = messages(&with("questions/20-licensing.yaml", &bare).unwrap_err());
    assert!(
        m.contains("questions/20-licensing.yaml:18:9: question `real_name.methods`, option `platform_login_only`: 没有任何条件提及该选项 / no condition names this option"),
        "{m}"
    );
    // The exclusive `none` is never reported; a single choice's one unnamed option (`none`
    // of scope.telecom_role) is the complement of those named.
    assert!(!m.contains("option `none`"), "{m}");
    // A second unnamed single-choice option cannot be told apart from the first.
    let two = scope.replace(
        "      - { id: none, label: { zh: 均不经营, en: Neither } }\n",
        "      - { id: none, label: { zh: 均不经营, en: Neither } }\n      - { id: unsure, label: { zh: 尚未确定, en: Not settled } }\n",
    );
    let m = messages(&with("questions/10-scope.yaml", &two).unwrap_err());
    assert!(
        m.contains("option `none`") && m.contains("option `unsure`"),
        "{m}"
    );
    // Read by another question's ask_when only: loads.
    let asked = bare.replace(
        "groups:\n",
        "  - id: licensing.note\n    section: licensing\n    type: text\n    ask_when: { real_name.methods: { any_of: [platform_login_only] } }\n    label: { zh: 说明, en: Note }\n    informational: { zh: 说明, en: Note }\ngroups:\n",
    );
    with("questions/20-licensing.yaml", &asked).unwrap();
    // A group's item_key member names the items in findings: read when the group is.
    let keyless = q.replace("    item_key: name\n", "");
    assert_ne!(keyless, q);
    let m = messages(&with("questions/20-licensing.yaml", &keyless).unwrap_err());
    assert!(
        m.contains("question `sites[*].name`: 没有任何条件读取该问题"),
        "{m}"
    );
    // Marking a question that is read is a warning.
    let read = q.replace(
        "    ask_when: { scope.telecom_role: { equals: value_added } }\n",
        "    ask_when: { scope.telecom_role: { equals: value_added } }\n    informational: { zh: 多余, en: Needless }\n",
    );
    let w = with("questions/20-licensing.yaml", &read).unwrap().warnings;
    assert!(
        messages(&w).contains("question `licensing.icp_licence`: 标为 informational，但有条件读取该问题 / marked `informational`, but a condition reads it"),
        "{}",
        messages(&w)
    );
    // The gate runs over a set: a question one pack asks and another reads is read.
    let mut alone = licensing().clone();
    let note = alone.questionnaire.question("org.note").unwrap();
    alone.questionnaire.questions[note].informational = None;
    let d = hegui_core::load::lint::unread(&[&alone]);
    assert_eq!(d.len(), 1, "{}", messages(&d));
    assert_eq!(d[0].subject, "question `org.note`");
    let reader = std::fs::read_to_string(format!("{dir}/rules/10-licensing.yaml")).unwrap()
        + "  - id: lic.note\n    title: { zh: 备注, en: Note }\n    section: licensing\n    level: recommended\n    severity: low\n    source: { document: hlj-2017, clause: 3, quote: 健全电信业务分级分类管理制度 }\n    check: { org.note: { not_equals: \"\" } }\n    evidence: [{ zh: 备注, en: Note }]\n    remediation: { zh: 填写备注。, en: Write a note. }\n";
    let other = with("rules/10-licensing.yaml", &reader).unwrap().pack;
    for set in [[&alone, &other], [&other, &alone]] {
        let d = hegui_core::load::lint::unread(&set);
        assert!(
            d.iter().all(|d| d.level == Level::Warning),
            "{}",
            messages(&d)
        );
    }
}

#[test]
fn s25_answers_for_an_older_version_are_sent_to_migrate() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/packs-v1/facts/company-1.0.0.yaml"
    ))
    .unwrap();
    let e = hegui_core::facts::load_facts("old.yaml", &text, licensing()).unwrap_err();
    assert_eq!(
        messages(&e),
        "错误 error: old.yaml:4:3: 该答卷针对规则包 1.0.0：请运行 hegui migrate / answers for pack 1.0.0: run hegui migrate\n  help: `hegui migrate FILE -o NEW` carries the answers to licensing 2.0.0 with the migration the pack declares / 用规则包声明的迁移映射把答案迁移到新版本"
    );
    // The declared map carries them; nothing crosses a `reask`.
    let old = hegui_core::facts::migrate::node_json(
        &hegui_core::syntax::node::parse(&text, hegui_core::syntax::node::Format::Yaml).unwrap(),
    );
    let (m, yaml) =
        hegui_core::facts::migrate::migrate_declared_checked(&old, licensing(), "new.yaml")
            .unwrap();
    assert!(m.facts["answers"]["scope.telecom_role"].is_null());
    hegui_core::facts::load_facts("new.yaml", &yaml, licensing()).unwrap();
    // A version the pack declares no map from keeps the older message.
    let e = hegui_core::facts::load_facts(
        "old.yaml",
        &text.replace("version: 1.0.0", "version: 0.9.0"),
        licensing(),
    )
    .unwrap_err();
    assert!(
        messages(&e).contains("answers are for version 0.9.0 of pack `licensing`"),
        "{}",
        messages(&e)
    );
}

#[test]
fn s26_approximate_dates_where_the_question_allows_them() {
    // security.last_inspection allows a year, features[*].launch_date a month,
    // features[*].assessment_date only a full date.
    facts("security.last_inspection: 2025\n");
    facts("security.last_inspection: '2025'\n");
    facts("security.last_inspection: 2025-09\n");
    facts("security.last_inspection: 2025-09-15\n");
    facts("features: [{name: A, launch_date: 2025-09, assessment_date: 2025-08-20}]\n");
    // Finer than allowed is fine; coarser is an error naming file, line:column and question.
    facts("features: [{name: A, launch_date: 2025-09-03, assessment_date: 2025-08-20}]\n");
    let text = doc(
        "features:\n  - {name: A, launch_date: 2025, assessment_date: 2025-08}\n",
        "2026-03-10",
        "",
    );
    let d = diags(&text, "f.yaml");
    let m = messages(&d);
    for (q, needs) in [
        ("features[*].launch_date", "YYYY-MM"),
        ("features[*].assessment_date", "YYYY-MM-DD"),
    ] {
        let e = d
            .iter()
            .find(|d| d.subject == format!("question `{q}`"))
            .unwrap_or_else(|| panic!("{q}: {m}"));
        assert_eq!(e.level, Level::Error);
        assert!(
            e.message.contains("日期不够精确") && e.message.contains("not precise enough"),
            "{m}"
        );
        assert!(e.message.contains(needs), "{m}");
        assert_eq!(e.file, "f.yaml");
        assert_eq!(e.loc.line, 6, "{m}");
    }
    assert!(m.contains("f.yaml:6:"), "{m}");
    // Never for the assessment date, a waiver's expiry or an evidence date.
    for text in [
        doc("security.log_months: 6\n", "2026-03", ""),
        doc(
            "security.log_months: 6\n",
            "2026-03-10",
            "waivers:\n  - {rule: demo.logs, justification: x, approved_by: y, expires: 2026-06}\n",
        ),
        doc(
            "security.log_months: {value: 6, evidence: [{title: 策略, date: 2026-01}]}\n",
            "2026-03-10",
            "",
        ),
    ] {
        let d = diags(&text, "f.yaml");
        assert!(
            d.iter().any(|d| d.level == Level::Error),
            "{text}: {}",
            messages(&d)
        );
    }
    // Impossible months and other shapes say what the question expects.
    for bad in ["2025-13", "2025-9", "25-09", "2025-00"] {
        let d = diags(
            &doc(
                &format!("security.last_inspection: '{bad}'\n"),
                "2026-03-10",
                "",
            ),
            "f.yaml",
        );
        assert!(
            messages(&d).contains("a date YYYY-MM-DD, a month YYYY-MM or a year YYYY"),
            "{bad}: {}",
            messages(&d)
        );
    }
}

#[test]
fn s26_comparisons_are_three_valued_over_the_interval() {
    // Assessment date 2026-03-10; within_days 365 means 2025-03-10 ..= 2026-03-10.
    let c = "{security.last_inspection: {within_days: 365}}";
    let t = |a: &str| truth_of(c, &format!("security.last_inspection: {a}\n"));
    assert_eq!(t("2025-06"), Truth::True); // every day of June 2025 is in the window
    assert_eq!(t("2025-03"), Truth::Unknown); // 1–9 March 2025 are not, 10–31 are
    assert_eq!(t("2025"), Truth::Unknown);
    assert_eq!(t("2024"), Truth::False); // no day of 2024 is
    assert_eq!(t("2026-03"), Truth::Unknown); // contains the assessment date: fine, undecided
    let b = |op: &str, lit: &str, a: &str| {
        truth_of(
            &format!("{{security.last_inspection: {{{op}: {lit}}}}}"),
            &format!("security.last_inspection: {a}\n"),
        )
    };
    assert_eq!(b("before", "2025-10-01", "2025-09"), Truth::True);
    assert_eq!(b("before", "2025-09-30", "2025-09"), Truth::Unknown);
    assert_eq!(b("on_or_before", "2025-09-30", "2025-09"), Truth::True);
    assert_eq!(b("after", "2025-09-30", "2025-09"), Truth::False);
    assert_eq!(b("on_or_after", "2025-09-01", "2025-09"), Truth::True);
    assert_eq!(b("equals", "2025-09-15", "2025-09"), Truth::Unknown);
    assert_eq!(b("equals", "2025-10-15", "2025-09"), Truth::False);
    assert_eq!(b("not_equals", "2025-10-15", "2025-09"), Truth::True);
    // Not: unknown stays unknown.
    assert_eq!(
        truth_of(
            "{not: {security.last_inspection: {before: 2025-09-30}}}",
            "security.last_inspection: 2025-09\n"
        ),
        Truth::Unknown
    );
}

#[test]
fn s26_an_imprecise_date_leaves_the_finding_undecided_with_the_reason() {
    let a =
        assessment("features: [{name: 直播, launch_date: 2025-09, assessment_date: 2025-09-10}]\n");
    let f = a
        .findings()
        .find(|f| f.rule_id == "demo.feature-assessment")
        .unwrap();
    assert_eq!(f.outcome, Outcome::Unanswered);
    assert_eq!(f.imprecise, vec!["features[*].launch_date"]);
    assert!(f.missing.is_empty() && f.dont_know.is_empty());
    let o = &f.explanation[0];
    assert_eq!(o.result, Truth::Unknown);
    assert_eq!(o.imprecise, vec!["features[*].launch_date"]);
    assert_eq!(o.precision, Some(hegui_core::model::DatePrecision::Day));
    assert!(
        o.answer.contains("2025-09-10") && o.answer.ends_with(": 2025-09"),
        "{}",
        o.answer
    );
    assert_eq!(a.packs[0].summary.required_imprecise, 1);
    // The JSON keeps the answer as written and says how precise it is.
    let json = hegui_core::result::json(&a);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ins = v
        .pointer("/packs/0/findings")
        .and_then(|f| f.as_array())
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.inspection")
        .unwrap()
        .clone();
    assert_eq!(ins["explanation"][0]["precision"], serde_json::Value::Null);
    let a2 = assessment("security.last_inspection: 2025\n");
    let f2 = a2
        .findings()
        .find(|f| f.rule_id == "demo.inspection")
        .unwrap();
    assert_eq!(f2.explanation[0].answer, "2025");
    assert_eq!(
        f2.explanation[0].precision,
        Some(hegui_core::model::DatePrecision::Year)
    );
    let j: serde_json::Value = serde_json::from_str(&hegui_core::result::json(&a2)).unwrap();
    assert_eq!(j["packs"][0]["summary"]["required_imprecise"], 0);
    let e = j["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "demo.inspection")
        .unwrap();
    assert_eq!(e["explanation"][0]["answer"], "2025");
    assert_eq!(e["explanation"][0]["precision"], "year");
    assert_eq!(e["imprecise"][0], "security.last_inspection");
    // A recommended rule is not counted in required_imprecise.
    assert_eq!(a2.packs[0].summary.required_imprecise, 0);
    // Decided when every day agrees: assessed before the whole launch month.
    let p = finding(
        "features: [{name: 直播, launch_date: 2025-09, assessment_date: 2025-08-31}]\n",
        "demo.feature-assessment",
    );
    assert_eq!(p.outcome, Outcome::Pass);
    assert!(p.imprecise.is_empty());
    // An answer is written back as written (canonical form, answers digest).
    let fa = facts("security.last_inspection: 2025-09\n");
    let canon = hegui_core::answers::write::facts_json(demo(), &fa);
    assert_eq!(canon["answers"]["security.last_inspection"], "2025-09");
}

#[test]
fn s26_past_events_with_intervals() {
    // An interval wholly after the assessment date is an error; one containing it is fine.
    for (a, bad) in [
        ("2026-04", true),
        ("2027", true),
        ("2026-03", false),
        ("2026", false),
    ] {
        let d = diags(
            &doc(
                &format!("security.last_inspection: {a}\n"),
                "2026-03-10",
                "",
            ),
            "f.yaml",
        );
        let m = messages(&d);
        assert_eq!(
            m.contains(&format!("{a} is after the assessment date 2026-03-10")),
            bad,
            "{a}: {m}"
        );
    }
}

mod s26_properties {
    use chrono::{Datelike, Days, NaiveDate};
    use hegui_core::eval::{Truth, compare_dates, within_days};
    use hegui_core::model::Op;
    use proptest::prelude::*;

    /// An interval as answers write it: a day, a month or a year.
    fn interval(kind: u8, y: i32, m: u32, d: u32) -> (NaiveDate, NaiveDate) {
        let day = NaiveDate::from_ymd_opt(y, m, d.min(28)).unwrap();
        match kind % 3 {
            0 => (day, day),
            1 => {
                let first = day.with_day(1).unwrap();
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                }
                .unwrap();
                (first, next.pred_opt().unwrap())
            }
            _ => (
                NaiveDate::from_ymd_opt(y, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
            ),
        }
    }

    fn days((a, b): (NaiveDate, NaiveDate)) -> Vec<NaiveDate> {
        a.iter_days().take_while(|d| *d <= b).collect()
    }

    /// True iff every case is true, false iff every case is false.
    fn fold(all: impl Iterator<Item = bool>) -> Truth {
        let (mut t, mut f) = (false, false);
        for b in all {
            if b { t = true } else { f = true }
        }
        match (t, f) {
            (true, false) => Truth::True,
            (false, true) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    const OPS: [Op; 10] = [
        Op::Equals,
        Op::NotEquals,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::Before,
        Op::After,
        Op::OnOrBefore,
        Op::OnOrAfter,
    ];

    fn holds(x: NaiveDate, op: Op, y: NaiveDate) -> bool {
        match op {
            Op::Equals => x == y,
            Op::NotEquals => x != y,
            Op::Lt | Op::Before => x < y,
            Op::Le | Op::OnOrBefore => x <= y,
            Op::Gt | Op::After => x > y,
            _ => x >= y,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// For any two intervals (a literal is one day), the three-valued result agrees with
        /// evaluating every pair of days: true iff all pairs hold, false iff none does.
        #[test]
        fn comparisons_agree_with_every_day(
            ka in 0u8..3, ya in 2023i32..2027, ma in 1u32..13, da in 1u32..29,
            kb in 0u8..3, yb in 2023i32..2027, mb in 1u32..13, db in 1u32..29,
            op in 0usize..10,
        ) {
            let a = interval(ka, ya, ma, da);
            let b = interval(kb, yb, mb, db);
            let op = OPS[op];
            let brute = fold(days(a).into_iter().flat_map(|x| days(b).into_iter().map(move |y| holds(x, op, y))));
            prop_assert_eq!(compare_dates(a, op, b), brute);
        }

        /// within_days over an interval agrees with evaluating every day in it.
        #[test]
        fn within_days_agrees_with_every_day(
            ka in 0u8..3, ya in 2023i32..2027, ma in 1u32..13, da in 1u32..29,
            n in 0i64..800, offset in 0u64..1500,
        ) {
            let a = interval(ka, ya, ma, da);
            let date = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap().checked_add_days(Days::new(offset)).unwrap();
            let from = date.checked_sub_days(Days::new(n as u64)).unwrap();
            let brute = fold(days(a).into_iter().map(|d| d >= from && d <= date));
            prop_assert_eq!(within_days(a, n, date), brute);
        }
    }
}

#[test]
fn s26_the_schemas_describe_approximate_dates() {
    let s = hegui_core::schema::facts(demo()).to_string();
    assert!(
        s.contains(r#""pattern":"^\\d{4}(-\\d{2}(-\\d{2})?)?$""#),
        "{s}"
    );
    assert!(
        s.contains(r#""pattern":"^\\d{4}-\\d{2}(-\\d{2})?$""#),
        "{s}"
    );
    let q = hegui_core::schema::questions_file().to_string();
    assert!(
        q.contains(r#""precision":{"enum":["day","month","year"]}"#),
        "{q}"
    );
    let r = hegui_core::schema::result().to_string();
    for key in ["\"precision\"", "\"imprecise\"", "\"required_imprecise\""] {
        assert!(r.contains(key), "{key}");
    }
}
