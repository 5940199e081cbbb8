//! Several packs on one set of answers (issue 19): the question library, pack sets, the
//! facts header, per-pack and overall verdicts, one plan across packs. Test packs:
//! `tests/data/multi` (README there).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use assert_cmd::Command;
use hegui_core::load::set::pack_set;
use hegui_core::{PackFiles, load_pack};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hegui() -> Command {
    let mut c = Command::cargo_bin("hegui").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

const A: &str = "tests/data/multi/rules/multi-a";
const B: &str = "tests/data/multi/rules/multi-b";
const C: &str = "tests/data/multi/rules/multi-c";
const A_ONLY: &str = "tests/data/multi/facts/a-only.yaml";
const A_AND_B: &str = "tests/data/multi/facts/a-and-b.yaml";
const NO_PI: &str = "tests/data/multi/facts/no-pi.yaml";

/// A test pack with its library attached, as the binary finds it.
fn files(dir: &str) -> PackFiles {
    let path = root().join(dir);
    let mut f = PackFiles::from_dir(&path).unwrap();
    assert_eq!(f.find_library(&path, &[]).unwrap(), None);
    f
}

fn msgs(d: &[hegui_core::Diagnostic]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn pack(dir: &str) -> hegui_core::Pack {
    load_pack(&files(dir)).unwrap().pack
}

fn assess_json(facts: &str, packs: &[&str]) -> Value {
    let mut args = vec!["assess", facts, "--format", "json"];
    for p in packs {
        args.extend(["--rules", p]);
    }
    let out = hegui().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding<'a>(r: &'a Value, pack: &str, rule: &str) -> &'a Value {
    let p = r["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pack"]["id"] == pack)
        .unwrap();
    p["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap()
}

#[test]
fn library_questions_come_first_with_their_definition() {
    let a = pack(A);
    let qn = &a.questionnaire;
    let ids: Vec<&str> = qn.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(&ids[..2], ["org.channels", "org.processes_pi"]);
    let q = &qn.questions[qn.question("org.channels").unwrap()];
    assert_eq!(q.library.as_deref(), Some("test-common 1.0.0"));
    // The library's sections come before the pack's.
    let sections: Vec<&str> = a.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sections, ["organisation", "channels", "checks"]);
    // The pack's own member extends the library group, after the library's members.
    let g = &qn.groups[qn.group("apps").unwrap()];
    let members: Vec<&str> = g
        .members
        .iter()
        .map(|m| qn.questions[*m].local_id.as_str())
        .collect();
    assert_eq!(
        members,
        [
            "name",
            "platform",
            "version",
            "store",
            "filed",
            "a_sdk_listed"
        ]
    );
    assert!(qn.questions[g.members[5]].library.is_none());
    let lib = a.library.as_ref().unwrap();
    assert_eq!(
        (lib.id.as_str(), lib.version.as_str()),
        ("test-common", "1.0.0")
    );
    // The pack digest covers the library's files.
    let mut without = files(A);
    without.files.retain(|(p, _)| !p.starts_with("@library/"));
    assert_ne!(hegui_core::model::digest::files(&without.files), a.digest);
}

#[test]
fn a_missing_or_incompatible_library_is_named() {
    let mut f = PackFiles::from_dir(&root().join(A)).unwrap();
    let e = load_pack(&f).unwrap_err();
    let m = msgs(&e);
    assert!(m.contains("test-common") && m.contains("not found"), "{m}");
    f = files(A);
    for (p, t) in &mut f.files {
        if p == "pack.yaml" {
            *t = t.replace("version: 1.0.0\n  questions", "version: 2.0.0\n  questions");
        }
    }
    let e = load_pack(&f).unwrap_err();
    let m = msgs(&e);
    assert!(
        m.contains("needs question library `test-common` 2.0.0"),
        "{m}"
    );
    // An id the library does not have.
    let mut f = files(A);
    for (p, t) in &mut f.files {
        if p == "pack.yaml" {
            *t = t.replace("org.processes_pi, apps", "org.processes_pii, apps");
        }
    }
    let m = msgs(&load_pack(&f).unwrap_err());
    assert!(
        m.contains("has no question or group `org.processes_pii`"),
        "{m}"
    );
}

#[test]
fn shared_ids_appear_once_and_each_pack_keeps_its_digest() {
    let (a, b) = (pack(A), pack(B));
    let (da, db) = (
        a.questionnaire.digest.clone(),
        b.questionnaire.digest.clone(),
    );
    let set = pack_set(vec![a, b]).unwrap();
    let qn = set.questionnaire().unwrap();
    let n = |id: &str| qn.questions.iter().filter(|q| q.id == id).count();
    assert_eq!(n("org.channels"), 1);
    assert_eq!(n("apps[*].filed"), 1);
    assert_eq!(n("b.identity_before_publishing"), 1);
    assert_eq!(set.packs[0].questionnaire.digest, da);
    assert_eq!(set.packs[1].questionnaire.digest, db);
}

#[test]
fn a_conflicting_definition_is_refused_with_the_reason() {
    let e = pack_set(vec![pack(A), pack(C)]).unwrap_err();
    let m = msgs(&e);
    assert!(m.contains("multi-a") && m.contains("multi-c"), "{m}");
    assert!(m.contains("org.processes_pi"), "{m}");
    assert!(m.contains("type yes_no ≠ single_choice"), "{m}");
    assert!(m.contains("10-organisation.yaml"), "{m}");
    // The binary says the same and stops.
    let out = hegui()
        .args(["assess", A_ONLY, "--rules", A, "--rules", C])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be loaded together"), "{err}");
}

#[test]
fn answers_for_one_pack_assessed_against_two() {
    let r = assess_json(A_ONLY, &[A, B]);
    assert_eq!(r["format"], "hegui.assessment/2");
    assert_eq!(
        r["answered_for"],
        serde_json::json!([{"id": "multi-a", "version": "1.0.0"}])
    );
    assert_eq!(r["packs"][0]["answered"], true);
    assert_eq!(r["packs"][1]["answered"], false);
    // B's own question is unanswered: undecided, never N/A.
    let f = finding(&r, "multi-b", "b.identity");
    assert_eq!(f["outcome"], "unanswered");
    assert_eq!(f["missing"][0], "b.identity_before_publishing");
    // The shared answer decides B's rule all the same.
    assert_eq!(finding(&r, "multi-b", "b.app-filed")["outcome"], "fail");
    assert_eq!(r["verdict"], "not_compliant");
}

#[test]
fn per_pack_and_overall_verdicts() {
    let r = assess_json(A_AND_B, &[A, B]);
    assert_eq!(r["packs"][0]["verdict"], "not_compliant");
    assert_eq!(r["packs"][1]["verdict"], "not_compliant");
    assert_eq!(r["verdict"], "not_compliant");
    assert_eq!(
        r["packs"][1]["score"],
        serde_json::json!({"numerator": 3, "denominator": 6, "percent": 50})
    );
    assert!(r.get("score").is_none(), "no overall score");
    // Per-app findings name each failing item: app, platform and version, with its outcome.
    assert_eq!(
        finding(&r, "multi-a", "a.app-filed")["items"],
        serde_json::json!([{
            "group": "apps", "index": 2, "key": "主App · ios · 3.2.0",
            "fields": {"name": "主App", "platform": "ios", "version": "3.2.0"},
            "outcome": "fail"
        }])
    );
    // A pack with no applicable required rule does not count in the overall verdict.
    let r = assess_json(NO_PI, &[A, B]);
    assert_eq!(r["packs"][0]["verdict"], "compliant");
    assert_eq!(r["packs"][1]["verdict"], "no_obligations");
    assert_eq!(r["verdict"], "compliant");
    // Each pack names its library.
    assert_eq!(r["packs"][1]["pack"]["library"]["id"], "test-common");
}

#[test]
fn answers_for_a_pack_not_assessed_are_ignored_with_a_note() {
    let out = hegui()
        .args(["assess", A_AND_B, "--rules", A, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b.identity_before_publishing") && err.contains("ignored"),
        "{err}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["ignored_answers"],
        serde_json::json!([{"pack": "multi-b", "version": "1.0.0", "questions": ["b.identity_before_publishing"]}])
    );
    assert_eq!(r["answered_for"].as_array().unwrap().len(), 2);
    assert_eq!(r["packs"].as_array().unwrap().len(), 1);
    assert_eq!(r["packs"][0]["answered"], true);
}

#[test]
fn one_action_closes_rules_in_two_packs() {
    let out = hegui()
        .args([
            "assess", A_AND_B, "--rules", A, "--rules", B, "--format", "markdown", "--lang", "en",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    let plan = md
        .split("## Remediation plan (across packs)")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let rows: Vec<&str> = plan.lines().filter(|l| l.starts_with("| 1 ")).collect();
    assert_eq!(rows.len(), 1, "{plan}");
    assert!(
        rows[0].contains("`a.app-filed`") && rows[0].contains("`b.app-filed`"),
        "{plan}"
    );
    assert!(!plan.contains("| 2 "), "one action only: {plan}");
    // The earliest due date of the two (b's rule is high: 60 days).
    assert!(rows[0].contains("2026-12-31"), "{plan}");
    let shared = md
        .split("## Answers that decide rules in several packs")
        .nth(1)
        .unwrap();
    assert!(shared.contains("`apps[*].filed`"), "{shared}");
    assert!(md.contains("self-assessment aid"));
    // The HTML form has the same parts.
    let out = hegui()
        .args([
            "assess", A_AND_B, "--rules", A, "--rules", B, "--format", "html",
        ])
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("<code>b.app-filed</code>") && html.contains("verdict-not_compliant"));
    // The answer that decides rules in both packs, with each rule it decides.
    let shared = html
        .split("Answers that decide rules in several packs")
        .nth(1)
        .or_else(|| html.split("影响多个规则包的答案").nth(1))
        .unwrap();
    assert!(
        shared.contains("<code>apps[*].filed</code>")
            && shared.contains("<code>a.app-filed</code>")
            && shared.contains("<code>b.app-filed</code>"),
        "{shared}"
    );
}

#[test]
fn facts_2_header_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(root().join(A_AND_B)).unwrap();
    // `packs` without `format`.
    std::fs::write(&bad, text.replace("format: hegui.facts/2\n", "")).unwrap();
    let out = hegui()
        .args(["assess", bad.to_str().unwrap(), "--rules", A, "--rules", B])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("add `format: hegui.facts/2`"), "{err}");
    // An unknown version.
    std::fs::write(&bad, text.replace("hegui.facts/2", "hegui.facts/3")).unwrap();
    let out = hegui()
        .args(["assess", bad.to_str().unwrap(), "--rules", A, "--rules", B])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown facts format hegui.facts/3"), "{err}");
    // None of the listed packs is assessed.
    let out = hegui()
        .args(["assess", A_ONLY, "--rules", B])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn test_packs_pass_their_self_tests() {
    for p in [A, B] {
        let out = hegui().args(["test", "--rules", p]).output().unwrap();
        assert!(
            out.status.success(),
            "{p}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert!(Path::new(&root().join(C)).is_dir());
}

#[test]
fn commands_work_on_pack_sets() {
    let run = |args: &[&str]| {
        let out = hegui().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // The cross-pack map: the national article behind rules of both packs.
    let cov = run(&["coverage", "--rules", A, "--rules", B]);
    let cross = cov.split("Cross-pack map").nth(1).unwrap();
    assert!(
        cross.contains("iis-measures 2011 4")
            && cross.contains("multi-a: a.app-filed")
            && cross.contains("multi-b: b.app-filed"),
        "{cross}"
    );
    let list = run(&["rules", "list", "--rules", A, "--rules", B]);
    assert!(list.contains("# multi-a 1.0.0") && list.contains("b.identity"));
    let t = run(&["test", "--rules", A, "--rules", B]);
    assert!(
        t.contains("pack multi-a") && t.contains("pack multi-b"),
        "{t}"
    );
    run(&["validate", A_AND_B, A_ONLY, "--rules", A, "--rules", B]);
    // The facts schema of a set describes facts/2: `packs`, `library`, `format`.
    let schema: Value =
        serde_json::from_str(&run(&["schema", "facts", "--rules", A, "--rules", B])).unwrap();
    let props = &schema["properties"];
    assert_eq!(props["format"]["const"], "hegui.facts/2");
    assert!(props["packs"]["items"]["properties"]["id"].is_object());
    assert_eq!(
        props["pack"]["properties"]["id"]["enum"],
        serde_json::json!(["multi-a", "multi-b"])
    );
    assert!(props["answers"]["properties"]["b.identity_before_publishing"].is_object());
    assert_eq!(
        schema["title"],
        "hegui facts — multi-a 1.0.0 + multi-b 1.0.0"
    );
    // A set that does not load together fails every command.
    let out = hegui()
        .args(["rules", "list", "--rules", A, "--rules", C])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn one_questionnaire_for_several_packs() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.yaml");
    let out = hegui()
        .args([
            "questionnaire",
            "--rules",
            A,
            "--rules",
            B,
            "--date",
            "2026-11-01",
            "-o",
            blank.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&blank).unwrap();
    assert!(text.contains("format: hegui.facts/2\npacks:\n  - { id: multi-a"));
    // A shared question appears once.
    assert_eq!(text.matches("\n  org.channels:").count(), 1);
    assert_eq!(text.matches(" filed:").count(), 1);
    // The blank is valid for both packs, and without --pack its header is read.
    let out = hegui()
        .args([
            "validate",
            blank.to_str().unwrap(),
            "--rules",
            A,
            "--rules",
            B,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (format, name) in [("html", "q.html"), ("xlsx", "q.xlsx"), ("markdown", "q.md")] {
        let path = dir.path().join(name);
        let out = hegui()
            .args([
                "questionnaire",
                "--rules",
                A,
                "--rules",
                B,
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        if format != "xlsx" {
            let t = std::fs::read_to_string(&path).unwrap();
            assert!(t.contains("b.identity_before_publishing"), "{format}");
        }
    }
    let html = std::fs::read_to_string(dir.path().join("q.html")).unwrap();
    assert!(
        html.contains("\"packs\":[{\"id\":\"multi-a\""),
        "the form lists both packs"
    );
    // Every form names every pack with its version, not the first pack alone.
    for line in [
        "# 多规则包测试甲 / Multi-pack test A (multi-a 1.0.0)\n",
        "# 多规则包测试乙 / Multi-pack test B (multi-b 1.0.0)\n",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    let title = "多规则包测试甲 / Multi-pack test A + 多规则包测试乙 / Multi-pack test B";
    assert!(
        html.contains(&format!("<h1>{} — ", title.replace('/', "&#x2f;"))),
        "{html}"
    );
    assert!(
        html.contains("<code>multi-a</code> 1.0.0 + <code>multi-b</code> 1.0.0"),
        "the form's header"
    );
    let md = std::fs::read_to_string(dir.path().join("q.md")).unwrap();
    assert!(md.starts_with(&format!("# {title}\n")), "{md}");
    assert!(md.contains("`multi-a` 1.0.0 + `multi-b` 1.0.0"), "{md}");
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(dir.path().join("q.xlsx")).unwrap();
    for sheet in [
        hegui_office::xlsx::SHEET_INSTRUCTIONS,
        hegui_office::xlsx::SHEET_QUESTIONS,
    ] {
        let range = wb.worksheet_range(sheet).unwrap();
        let Some(Data::String(a1)) = range.get_value((0, 0)) else {
            panic!("{sheet}: no title");
        };
        assert!(
            a1.contains("Multi-pack test A — multi-a 1.0.0")
                && a1.contains("Multi-pack test B — multi-b 1.0.0"),
            "{sheet}: {a1}"
        );
    }
}

#[test]
fn a_waiver_naming_a_pack_applies_to_that_pack_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("waived.yaml");
    let text = std::fs::read_to_string(root().join(A_AND_B)).unwrap();
    let waiver = "waivers:\n  - { rule: a.app-filed, pack: multi-a, justification: 备案办理中, approved_by: 王五, expires: 2027-03-31 }\n";
    std::fs::write(&f, format!("{text}{waiver}")).unwrap();
    let r = assess_json(f.to_str().unwrap(), &[A, B]);
    assert_eq!(finding(&r, "multi-a", "a.app-filed")["outcome"], "waived");
    assert_eq!(finding(&r, "multi-b", "b.app-filed")["outcome"], "fail");
    // The batch path (outcomes without findings) agrees.
    let out = dir.path().join("out");
    let summary = batch_summary(&f, &out);
    assert_eq!(summary["packs"].as_array().unwrap().len(), 2);
    let rule = |id: &str| {
        summary["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        rule("a.app-filed")["counts"]["waived"],
        1,
        "{}",
        rule("a.app-filed")
    );
    assert_eq!(
        rule("b.app-filed")["counts"]["fail"],
        1,
        "{}",
        rule("b.app-filed")
    );
    // A waiver naming a pack that has no such rule is an error.
    std::fs::write(
        &f,
        format!("{text}{}", waiver.replace("pack: multi-a", "pack: multi-b")),
    )
    .unwrap();
    let out = hegui()
        .args(["assess", f.to_str().unwrap(), "--rules", A, "--rules", B])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pack `multi-b` has no such rule"));
}

#[test]
fn a_workbook_of_several_packs_round_trips_with_every_pack_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (x, back) = (dir.path().join("q.xlsx"), dir.path().join("back.yaml"));
    let run = |args: &[&str]| {
        let out = hegui().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "questionnaire",
        "--rules",
        A,
        "--rules",
        B,
        "--format",
        "xlsx",
        "--answers",
        A_AND_B,
        "-o",
        x.to_str().unwrap(),
    ]);
    run(&[
        "import",
        x.to_str().unwrap(),
        "--rules",
        A,
        "--rules",
        B,
        "-o",
        back.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&back).unwrap();
    assert!(
        text.contains("format: hegui.facts/2\npacks:\n- id: multi-a"),
        "{text}"
    );
    let strip = |mut r: Value| {
        r["answers_digest"] = Value::Null;
        r
    };
    assert_eq!(
        strip(assess_json(back.to_str().unwrap(), &[A, B]))["packs"],
        strip(assess_json(A_AND_B, &[A, B]))["packs"]
    );
}

/// A batch over a pack set: each submission row carries the overall verdict and, per pack,
/// the verdict, score and coverage `hegui assess` gives; never one score over the packs.
#[test]
fn a_batch_over_a_pack_set_has_per_pack_numbers_and_no_joint_score() {
    let dir = tempfile::tempdir().unwrap();
    // Pack A passes fully; pack B fails one rule.
    let f = dir.path().join("a-passes-b-fails.yaml");
    let text = std::fs::read_to_string(root().join(A_AND_B))
        .unwrap()
        .replace("filed: false", "filed: true")
        .replace(
            "b.identity_before_publishing: true",
            "b.identity_before_publishing: false",
        );
    std::fs::write(&f, text).unwrap();
    let r = assess_json(f.to_str().unwrap(), &[A, B]);
    let per_pack: Vec<(String, Value, Value, Value)> = r["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["pack"]["id"].as_str().unwrap().to_string(),
                p["verdict"].clone(),
                p["score"]["percent"].clone(),
                p["coverage"]["percent"].clone(),
            )
        })
        .collect();
    assert_eq!(per_pack.len(), 2);
    assert_eq!(per_pack[0].1, "compliant", "{per_pack:?}");
    assert_eq!(per_pack[0].2, 100, "{per_pack:?}");
    assert_eq!(per_pack[1].1, "not_compliant", "{per_pack:?}");
    assert_ne!(per_pack[1].2, 100, "{per_pack:?}");
    let out = dir.path().join("out");
    let summary = batch_summary(&f, &out);
    // Another shape than a one-pack summary (hegui.batch/1): its own version.
    assert_eq!(summary["format"], "hegui.batch/2");
    let row = &summary["submissions"][0];
    assert_eq!(row["verdict"], r["verdict"], "{row}");
    assert_eq!(row["verdict"], "not_compliant", "{row}");
    let o = row.as_object().unwrap();
    assert!(
        !o.contains_key("score") && !o.contains_key("coverage"),
        "no score over the packs together: {row}"
    );
    let packs = row["packs"].as_array().unwrap();
    assert_eq!(packs.len(), 2, "{row}");
    for (p, (id, verdict, score, coverage)) in packs.iter().zip(&per_pack) {
        assert_eq!(p["id"], id.as_str(), "{row}");
        assert_eq!(p["version"], "1.0.0", "{row}");
        assert_eq!(&p["verdict"], verdict, "{row}");
        assert_eq!(&p["score"], score, "{row}");
        assert_eq!(&p["coverage"], coverage, "{row}");
    }
    // The roll-up: per pack, no joint mean score or histogram.
    assert!(summary["mean_score"].is_null(), "{}", summary["mean_score"]);
    assert!(summary.get("score_histogram").is_none());
    let stats = summary["pack_stats"].as_array().unwrap();
    assert_eq!(stats[0]["verdicts"]["compliant"], 1);
    assert_eq!(stats[0]["mean_score"], 100.0);
    assert_eq!(stats[1]["verdicts"]["not_compliant"], 1);
    assert_eq!(
        stats[1]["mean_score"].as_f64().unwrap(),
        per_pack[1].2.as_f64().unwrap()
    );
    // The CSV: per-pack columns in place of the joint score and coverage.
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let line: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(head.len(), line.len(), "{csv}");
    assert!(
        !head.contains(&"得分(仅计已判定规则) score (decided rules only)"),
        "{head:?}"
    );
    assert!(!head.contains(&"覆盖率 coverage"), "{head:?}");
    let cell = |h: &str| {
        line[head
            .iter()
            .position(|x| *x == h)
            .unwrap_or_else(|| panic!("{h}: {head:?}"))]
    };
    assert_eq!(cell("总体结论 overall verdict"), "not_compliant");
    assert_eq!(cell("结论 verdict [multi-a]"), "compliant");
    assert_eq!(
        cell("得分(仅计已判定规则) score (decided rules only) [multi-a]"),
        "100"
    );
    assert_eq!(cell("结论 verdict [multi-b]"), "not_compliant");
    assert_eq!(
        cell("得分(仅计已判定规则) score (decided rules only) [multi-b]"),
        per_pack[1].2.to_string()
    );
    assert_eq!(cell("覆盖率 coverage [multi-b]"), per_pack[1].3.to_string());
    // The overview: a per-pack table, no joint mean score or score distribution.
    let html = std::fs::read_to_string(out.join("overview.html")).unwrap();
    assert!(html.contains("By pack"), "per-pack table");
    assert!(!html.contains("Score distribution"), "no joint histogram");
    assert!(
        !html.contains("<th>平均得分(仅计已判定规则) <span class=\"en\">mean score (decided rules only)</span></th><td"),
        "no joint mean score"
    );
}

/// Runs `hegui batch FILE --out OUT --rules A --rules B` and reads its `summary.json`.
fn batch_summary(f: &std::path::Path, out: &std::path::Path) -> Value {
    let b = hegui()
        .args(["batch", f.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--rules", A, "--rules", B])
        .output()
        .unwrap();
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

const A2: &str = "tests/data/multi/rules-v2/multi-a";
const B2: &str = "tests/data/multi/rules-v2/multi-b";
const B2_CONFLICT: &str = "tests/data/multi/rules-conflict/multi-b";

/// `hegui migrate ARGS… -o OUT` in a temporary directory: the output and the text written.
fn migrate(args: &[&str]) -> (std::process::Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("migrated.yaml");
    let out = hegui()
        .arg("migrate")
        .args(args)
        .arg("-o")
        .arg(&out_file)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    (out, text, dir)
}

/// Answers for two packs, each carried to its new version by its own map: a shared question
/// once, the header listing both packs at their new versions.
#[test]
fn answers_for_two_packs_migrate_each_by_its_own_map() {
    let (out, text, dir) = migrate(&[A_AND_B, "--rules", A2, "--rules", B2]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        text.contains("format: \"hegui.facts/2\"") && text.contains("packs:"),
        "{text}"
    );
    let header = text.split("organisation:").next().unwrap();
    let (a, b) = (
        header.find("id: multi-a").unwrap(),
        header.find("id: multi-b").unwrap(),
    );
    assert!(a < b, "{header}");
    assert!(header[a..b].contains("version: \"1.1.0\""), "{header}");
    assert!(header[b..].contains("version: \"1.1.0\""), "{header}");
    assert!(!text.contains("\npack:"), "{text}");
    // multi-b's map moves its answer to the new id; multi-a's asks the SDK question again.
    assert!(text.contains("b.identity_required: true"), "{text}");
    assert!(!text.contains("b.identity_before_publishing"), "{text}");
    assert_eq!(
        text.matches("a_sdk_listed: null").count(),
        2,
        "one per app: {text}"
    );
    assert!(text.contains("answer again"), "{text}");
    // Shared library answers carried once, unchanged.
    assert_eq!(text.matches("org.channels:").count(), 1, "{text}");
    assert_eq!(text.matches("filed: false").count(), 1, "{text}");
    assert!(
        err.contains("multi-a 1.0.0 → 1.1.0") && err.contains("multi-b 1.0.0 → 1.1.0"),
        "{err}"
    );
    // The migrated file is valid for the new packs and assesses as expected.
    let migrated = dir.path().join("migrated.yaml");
    let r = assess_json(migrated.to_str().unwrap(), &[A2, B2]);
    assert_eq!(
        r["answered_for"],
        serde_json::json!([{"id": "multi-a", "version": "1.1.0"}, {"id": "multi-b", "version": "1.1.0"}])
    );
    assert_eq!(finding(&r, "multi-b", "b.identity")["outcome"], "pass");
    assert_eq!(
        finding(&r, "multi-a", "a.sdk-list")["outcome"],
        "unanswered"
    );
    assert_eq!(finding(&r, "multi-a", "a.app-filed")["outcome"], "fail");
    // A pack whose version did not change keeps its answers as they are.
    let (out, text, _dir) = migrate(&[A_AND_B, "--rules", A2, "--rules", B]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("b.identity_before_publishing: true"),
        "{text}"
    );
    assert!(text.contains("version: \"1.0.0\""), "{text}");
}

/// Two packs whose maps carry a shared question differently are refused, naming the question
/// and both packs; so are answers for a pack not named, and a pack the answers are not for.
#[test]
fn migrating_a_set_refuses_maps_that_disagree_on_a_shared_question() {
    let (out, text, _dir) = migrate(&[A_AND_B, "--rules", A2, "--rules", B2_CONFLICT]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text.is_empty(), "nothing written: {text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("org.processes_pi")
            && err.contains("`multi-a`")
            && err.contains("`multi-b`")
            && err.contains("disagree")
            && err.contains("不一致"),
        "{err}"
    );
    // The header lists multi-b too: it must be named.
    let (out, _, _dir) = migrate(&[A_AND_B, "--rules", A2]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("also for multi-b 1.0.0"), "{err}");
    // Answers for multi-a alone cannot be carried to multi-b.
    let (out, _, _dir) = migrate(&[A_ONLY, "--rules", A2, "--rules", B2]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not given for pack `multi-b`"), "{err}");
}

/// A file answered for A and B, assessed against A alone: every report says which packs the
/// answers were given for and which answers were ignored (Markdown, HTML, Word).
#[test]
fn a_report_of_one_pack_names_the_answers_ignored() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [("markdown", "r.md"), ("html", "r.html"), ("docx", "r.docx")] {
        let path = dir.path().join(name);
        let out = hegui()
            .args([
                "assess", A_AND_B, "--rules", A, "--lang", "en", "--format", format,
            ])
            .arg("-o")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = if format == "docx" {
            let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut s)
                .unwrap();
            s
        } else {
            std::fs::read_to_string(&path).unwrap()
        };
        assert!(
            text.contains("Answers for packs not assessed (ignored)")
                && text.contains("b.identity_before_publishing (multi-b)")
                && text.contains("multi-b 1.0.0"),
            "{format}: {text}"
        );
    }
    // A report of answers given for the pack assessed says nothing of the kind.
    let out = hegui()
        .args(["assess", A_ONLY, "--rules", A, "--lang", "en"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not assessed (ignored)"));
}

/// A batch over a pack set with `--reports`: each submission's report is the set's report,
/// the same bytes `assess --rules A --rules B` writes (never one pack's report holding every
/// pack's rules under one score).
#[test]
fn a_batch_over_a_pack_set_writes_the_sets_reports() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(root().join(A_AND_B), inbox.join("a-and-b.yaml")).unwrap();
    for (format, ext) in [("markdown", "md"), ("json", "json"), ("docx", "docx")] {
        let out = dir.path().join(format!("out-{ext}"));
        let o = hegui()
            .env_remove("SOURCE_DATE_EPOCH")
            .arg("batch")
            .arg(&inbox)
            .args(["--rules", A, "--rules", B, "--reports", format, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report = std::fs::read(out.join(format!("reports/000000-a-and-b.{ext}"))).unwrap();
        let single = dir.path().join(format!("assess.{ext}"));
        hegui()
            .env_remove("SOURCE_DATE_EPOCH")
            .args([
                "assess", A_AND_B, "--rules", A, "--rules", B, "--format", format, "-o",
            ])
            .arg(&single)
            .assert()
            .success();
        assert!(report == std::fs::read(&single).unwrap(), "{format}");
    }
}
