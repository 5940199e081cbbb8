#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! `hegui diff`: across two answer files of one company, across two pack versions, from JSON
//! results, and refusing two different organisations.

use assert_cmd::Command;
use serde_json::Value;

const OLD: &str = "tests/data/facts/demo-company.yaml";
const NEW: &str = "tests/data/batch/diff/demo-company-2027.yaml";

fn hegui() -> Command {
    Command::cargo_bin("hegui").unwrap()
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule_id"].as_str().unwrap())
        .collect()
}

fn diff_json(args: &[&str]) -> Value {
    let out = hegui()
        .arg("diff")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn answers_changed_within_one_pack() {
    let d = diff_json(&[OLD, NEW, "--rules", "tests/data/demo"]);
    assert_eq!(d["packs"][0]["same_pack"], true);
    // App filing: the second app is now filed.
    assert_eq!(ids(&d["packs"][0]["answers"]["fixed"]), ["demo.app-filing"]);
    // Logs: the waiver expired on 2026-06-30; inspection: 2025-09-01 is over a year before 2027-03-10.
    assert_eq!(
        ids(&d["packs"][0]["answers"]["newly_failing"]),
        ["demo.logs", "demo.inspection"]
    );
    assert_eq!(
        ids(&d["packs"][0]["answers"]["changed"]),
        ["demo.real-name", "demo.feature-assessment"]
    );
    // Score 0 → 66: real-name 3 + app-filing 2 + features 3 pass of 3 + 2 + 4 (logs) + 3 = 8/12.
    assert_eq!(d["packs"][0]["old"]["score"]["score"], 0);
    assert_eq!(d["packs"][0]["new"]["score"]["score"], 66);
    assert_eq!(d["packs"][0]["score_change"], 66);
    assert_eq!(d["packs"][0]["coverage_change"], 50);
    for k in ["added", "removed", "changed"] {
        assert_eq!(d["packs"][0]["pack"][k], serde_json::json!([]), "{k}");
    }
    let md = hegui()
        .args(["diff", OLD, NEW, "--rules", "tests/data/demo"])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("#### 已整改 / Fixed (1)"), "{md}");
    assert!(
        md.contains("| 得分(仅计已判定规则) score (decided rules only) | 0% | 66% | +66 |"),
        "{md}"
    );
    // The verdict comes first, then coverage, then the score.
    let (v, c, s) = (
        md.find("| 结论 verdict |").unwrap(),
        md.find("| 覆盖率 coverage |").unwrap(),
        md.find("| 得分").unwrap(),
    );
    assert!(v < c && c < s, "{md}");
    assert_eq!(d["old"]["verdict"], "not_compliant");
}

/// The JSON results of the demo pack's old and new facts, as `old.json` and `new.json`.
fn demo_results() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (src, name) in [(OLD, "old.json"), (NEW, "new.json")] {
        hegui()
            .args([
                "assess",
                src,
                "--rules",
                "tests/data/demo",
                "--format",
                "json",
                "-o",
            ])
            .arg(dir.path().join(name))
            .assert()
            .success();
    }
    dir
}

#[test]
fn json_results_diff_like_facts() {
    let dir = demo_results();
    let a = dir.path().join("old.json");
    let b = dir.path().join("new.json");
    let from_results = diff_json(&[a.to_str().unwrap(), b.to_str().unwrap()]);
    let from_facts = diff_json(&[OLD, NEW, "--rules", "tests/data/demo"]);
    assert_eq!(
        from_results["packs"][0]["answers"],
        from_facts["packs"][0]["answers"]
    );
    assert_eq!(
        from_results["packs"][0]["new"]["score"],
        from_facts["packs"][0]["new"]["score"]
    );
}

#[test]
fn pack_changes_are_kept_apart_from_answer_changes() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = dir.path().join("migrated.yaml");
    hegui()
        .args(["migrate", OLD, "--from", "tests/data/demo"])
        .args(["--rules", "tests/data/demo-1.3/demo", "-o"])
        .arg(&migrated)
        .assert()
        .success();
    let d = diff_json(&[
        OLD,
        migrated.to_str().unwrap(),
        "--old-rules",
        "tests/data/demo",
        "--rules",
        "tests/data/demo-1.3/demo",
    ]);
    assert_eq!(d["packs"][0]["same_pack"], false);
    // 1.3.0 adds demo.security-owner, drops demo.inspection, and tightens demo.logs (ge 12).
    assert_eq!(
        ids(&d["packs"][0]["pack"]["added"]),
        ["demo.security-owner"]
    );
    assert_eq!(ids(&d["packs"][0]["pack"]["removed"]), ["demo.inspection"]);
    assert_eq!(ids(&d["packs"][0]["pack"]["changed"]), ["demo.logs"]);
    // real_name.methods changed its options, so its 不清楚 answer was not carried over: the
    // rule stays unanswered (now with no 不清楚 behind it). No outcome changed from the answers.
    for k in ["fixed", "newly_failing", "changed"] {
        assert_eq!(d["packs"][0]["answers"][k], serde_json::json!([]), "{k}");
    }
    assert_eq!(d["packs"][0]["old"]["score"]["dont_know"], 1);
    assert_eq!(d["packs"][0]["new"]["score"]["dont_know"], 0);
}

#[test]
fn different_organisations_are_refused_unless_forced() {
    let other = "tests/data/batch/inputs/b-good.json";
    let out = hegui()
        .args(["diff", OLD, other, "--rules", "tests/data/demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("不同组织") && err.contains("different organisations"),
        "{err}"
    );
    assert!(err.contains("91230202MA1BATCH09"), "{err}");
    hegui()
        .args(["diff", OLD, other, "--rules", "tests/data/demo", "--force"])
        .assert()
        .success();
}

/// The flat /2 shape an unreleased build wrote (one pack: `pack`, `scopes`, `summary`,
/// `findings` and `limits` at the top, no verdict, score or coverage), made from a /2 result.
fn as_flat_version_2(v: &Value) -> Value {
    let mut v = v.clone();
    let o = v.as_object_mut().unwrap();
    let packs = o.remove("packs").unwrap();
    for k in ["verdict", "answered_for", "ignored_answers"] {
        o.remove(k);
    }
    let p = packs[0].as_object().unwrap();
    for k in ["pack", "scopes", "summary", "findings", "limits"] {
        o.insert(k.into(), p[k].clone());
    }
    v
}

/// A result in the /1 shape (`references`, no source kind, no limits), as hegui 1.0 wrote it,
/// made from a /2 result.
fn as_version_1(v: &Value) -> Value {
    let mut v = as_flat_version_2(v);
    v["format"] = "hegui.assessment/1".into();
    let o = v.as_object_mut().unwrap();
    o.remove("limits");
    for f in o["findings"].as_array_mut().unwrap() {
        let f = f.as_object_mut().unwrap();
        let basis = f.remove("legal_basis").unwrap();
        f.insert("references".into(), basis);
        f.remove("basis_after_source");
        let s = f["source"].as_object_mut().unwrap();
        for k in ["kind", "label", "date", "cite"] {
            s.remove(k);
        }
    }
    v
}

#[test]
fn diff_reads_version_1_and_version_2_results_and_refuses_a_later_one() {
    let dir = demo_results();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    let old2 = read("old.json");
    assert_eq!(old2["format"], "hegui.assessment/2");
    let old1 = dir.path().join("old-v1.json");
    std::fs::write(&old1, as_version_1(&old2).to_string()).unwrap();
    let new2 = dir.path().join("new.json");
    let mixed = diff_json(&[old1.to_str().unwrap(), new2.to_str().unwrap()]);
    let from_facts = diff_json(&[OLD, NEW, "--rules", "tests/data/demo"]);
    assert_eq!(
        mixed["packs"][0]["answers"],
        from_facts["packs"][0]["answers"]
    );
    assert_eq!(
        mixed["packs"][0]["old"]["score"],
        from_facts["packs"][0]["old"]["score"]
    );
    assert_eq!(mixed["old"]["verdict"], from_facts["old"]["verdict"]);
    // The flat /2 of an unreleased build is read as a one-pack /2, against either shape.
    let flat = dir.path().join("old-flat.json");
    std::fs::write(&flat, as_flat_version_2(&old2).to_string()).unwrap();
    for (old, new) in [(&flat, &new2), (&old1, &flat)] {
        let d = diff_json(&[old.to_str().unwrap(), new.to_str().unwrap()]);
        assert_eq!(
            d["packs"][0]["old"]["score"],
            from_facts["packs"][0]["old"]["score"]
        );
        assert_eq!(d["old"]["verdict"], from_facts["old"]["verdict"]);
    }
    let d = diff_json(&[flat.to_str().unwrap(), new2.to_str().unwrap()]);
    assert_eq!(d["packs"][0]["answers"], from_facts["packs"][0]["answers"]);
    assert_eq!(
        d["packs"][0]["new"]["score"],
        from_facts["packs"][0]["new"]["score"]
    );
    // A format this hegui does not know is refused, bilingually, naming the file.
    let mut later = old2.clone();
    later["format"] = "hegui.assessment/3".into();
    let p3 = dir.path().join("old-v3.json");
    std::fs::write(&p3, later.to_string()).unwrap();
    let out = hegui()
        .args(["diff", p3.to_str().unwrap(), new2.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("old-v3.json: 未知的结果格式 `hegui.assessment/3`")
            && err.contains("this hegui reads `hegui.assessment/1`, `hegui.assessment/2`"),
        "{err}"
    );
}

#[test]
fn stored_numbers_that_disagree_with_the_outcomes_are_warned_about_and_recomputed() {
    let dir = demo_results();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    // The stored numbers agree with the outcomes: no warning.
    let clean = hegui()
        .args(["diff", old.to_str().unwrap(), new.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(clean.status.success());
    assert!(
        !String::from_utf8_lossy(&clean.stderr).contains("recomputed"),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let expected = v["packs"][0]["score"]["percent"].clone();
    v["packs"][0]["score"]["percent"] = 100.into();
    v["packs"][0]["verdict"] = "compliant".into();
    v["verdict"] = "compliant".into();
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, v.to_string()).unwrap();
    let out = hegui()
        .args(["diff", old.to_str().unwrap(), edited.to_str().unwrap()])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["packs[0].score.percent", "packs[0].verdict", "`verdict`"] {
        assert!(
            err.contains("edited.json") && err.contains(key),
            "{key}: {err}"
        );
    }
    assert!(err.contains("the recomputed value is used"), "{err}");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["packs"][0]["new"]["score"]["score"], expected);
    assert_eq!(d["new"]["verdict"], "not_compliant");
}

#[test]
fn a_result_with_an_unexpected_packs_list_is_refused_naming_the_file() {
    let dir = demo_results();
    let new = dir.path().join("new.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    v["packs"] = serde_json::json!([]);
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, v.to_string()).unwrap();
    let out = hegui()
        .args(["diff", new.to_str().unwrap(), empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("empty.json") && err.contains("`packs` is empty"),
        "{err}"
    );
}

/// A /1 result written by the last build that wrote /1 (tests/data/results/README.md),
/// against today's /2 of the same answers: no change from the answers, the same verdict, score
/// and coverage (recomputed on one definition); rules whose digest the pack changes since
/// show as pack changes, never as answer changes.
#[test]
fn a_result_written_by_a_version_1_build_diffs_against_version_2() {
    const V1: &str = "tests/data/results/demo-company.assessment-1.json";
    let v1: Value = serde_json::from_str(&std::fs::read_to_string(V1).unwrap()).unwrap();
    assert_eq!(v1["format"], "hegui.assessment/1");
    let dir = demo_results();
    let new2 = dir.path().join("old.json");
    for d in [
        diff_json(&[V1, OLD, "--rules", "tests/data/demo"]),
        diff_json(&[V1, new2.to_str().unwrap()]),
    ] {
        for k in ["fixed", "newly_failing", "changed"] {
            assert_eq!(d["packs"][0]["answers"][k], serde_json::json!([]), "{k}");
        }
        assert_eq!(d["old"]["verdict"], "not_compliant");
        assert_eq!(d["old"]["verdict"], d["new"]["verdict"]);
        assert_eq!(d["packs"][0]["old"]["score"], d["packs"][0]["new"]["score"]);
        assert_eq!(d["packs"][0]["score_change"], 0);
        assert_eq!(d["packs"][0]["coverage_change"], 0);
        assert_eq!(d["packs"][0]["pack"]["added"], serde_json::json!([]));
        assert_eq!(d["packs"][0]["pack"]["removed"], serde_json::json!([]));
    }
}

const MULTI_A: &str = "tests/data/multi/rules/multi-a";
const MULTI_B: &str = "tests/data/multi/rules/multi-b";
const MULTI_FACTS: &str = "tests/data/multi/facts/a-and-b.yaml";

/// The a-and-b answers a year apart: last year the real-name answer was no (as it still is)
/// and the iOS build was not filed; this year it is filed and the company says it no longer
/// processes personal information.
fn set_answers(dir: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(MULTI_FACTS).unwrap();
    let old = text.replace("a.real_name_required: true", "a.real_name_required: false");
    let new = old
        .replace("2026-11-01", "2027-11-01")
        .replace("filed: false", "filed: true")
        .replace("org.processes_pi: true", "org.processes_pi: false");
    assert_ne!(old, new);
    let (o, n) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    (
        o.to_str().unwrap().to_string(),
        n.to_str().unwrap().to_string(),
    )
}

fn pack_entry<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
}

/// Two assessments of one set of packs: each pack compared on its own (fixed, still failing,
/// no longer applicable), its verdict change and the overall one; facts files and JSON results
/// give the same diff; Markdown has one section per pack.
#[test]
fn diff_of_two_assessments_against_a_pack_set() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = set_answers(dir.path());
    let d = diff_json(&[&old, &new, "--rules", MULTI_A, "--rules", MULTI_B]);
    assert_eq!(d["format"], "hegui.diff/2");
    assert_eq!(d["old"]["verdict"], "not_compliant");
    assert_eq!(d["new"]["verdict"], "not_compliant");
    assert_eq!(d["verdict_changed"], false);
    let a = pack_entry(&d, "multi-a");
    assert_eq!(a["presence"], "both");
    assert_eq!(a["same_pack"], true);
    assert_eq!(ids(&a["answers"]["fixed"]), ["a.app-filed"]);
    assert_eq!(ids(&a["answers"]["still_failing"]), ["a.real-name"]);
    assert_eq!(ids(&a["answers"]["no_longer_applicable"]), ["a.sdk-list"]);
    assert_eq!(a["verdict_changed"], false);
    let b = pack_entry(&d, "multi-b");
    assert_eq!(
        ids(&b["answers"]["no_longer_applicable"]),
        ["b.app-filed", "b.identity"]
    );
    assert_eq!(b["old"]["verdict"], "not_compliant");
    assert_eq!(b["new"]["verdict"], "no_obligations");
    assert_eq!(b["verdict_changed"], true);
    // The same from the JSON results.
    let results: Vec<String> = [(&old, "old.json"), (&new, "new.json")]
        .iter()
        .map(|(facts, name)| {
            let out = dir.path().join(name);
            hegui()
                .args(["assess", facts, "--format", "json"])
                .args(["--rules", MULTI_A, "--rules", MULTI_B, "-o"])
                .arg(&out)
                .assert()
                .success();
            out.to_str().unwrap().to_string()
        })
        .collect();
    let from_results = diff_json(&[&results[0], &results[1]]);
    assert_eq!(from_results["packs"], d["packs"]);
    let md = hegui()
        .args(["diff", &old, &new, "--rules", MULTI_A, "--rules", MULTI_B])
        .output()
        .unwrap();
    assert!(md.status.success());
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| 总体结论 overall verdict |"), "{md}");
    let (sa, sb) = (
        md.find("## 规则包 / Pack: multi-a (1.0.0 → 1.0.0)")
            .unwrap(),
        md.find("## 规则包 / Pack: multi-b (1.0.0 → 1.0.0)")
            .unwrap(),
    );
    assert!(sa < sb, "{md}");
    assert!(
        md[sa..sb].contains("#### 仍未满足 / Still failing (1)"),
        "{md}"
    );
    assert!(
        md[sb..].contains("#### 不再适用 / No longer applicable (2)"),
        "{md}"
    );
}

/// A pack assessed on one side only is a pack added (or removed), with all its rules; the
/// other pack is compared as usual.
#[test]
fn a_pack_on_one_side_only_is_added_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.json");
    let two = dir.path().join("two.json");
    for (out, packs) in [(&one, vec![MULTI_A]), (&two, vec![MULTI_A, MULTI_B])] {
        let mut c = hegui();
        c.args(["assess", MULTI_FACTS, "--format", "json"]);
        for p in packs {
            c.args(["--rules", p]);
        }
        c.arg("-o").arg(out).assert().success();
    }
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let d = diff_json(&[one, two]);
    let b = pack_entry(&d, "multi-b");
    assert_eq!(b["presence"], "added");
    assert_eq!(b["old"], Value::Null);
    assert_eq!(ids(&b["pack"]["added"]), ["b.app-filed", "b.identity"]);
    assert_eq!(pack_entry(&d, "multi-a")["same_pack"], true);
    let d = diff_json(&[two, one]);
    let b = pack_entry(&d, "multi-b");
    assert_eq!(b["presence"], "removed");
    assert_eq!(ids(&b["pack"]["removed"]), ["b.app-filed", "b.identity"]);
    let md = hegui().args(["diff", two, one]).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("a pack no longer assessed"), "{md}");
}
