#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! `hegui migrate`: answers to unchanged questions carried over to a new pack version, new and
//! changed questions listed, the result valid for the new pack.

use assert_cmd::Command;
use hegui_core::load::{PackFiles, load_pack};

fn pack(dir: &str) -> hegui_core::model::Pack {
    load_pack(&PackFiles::from_dir(std::path::Path::new(dir)).unwrap())
        .unwrap()
        .pack
}

#[test]
fn old_answers_are_refused_by_the_new_pack_and_migrate_carries_them() {
    let text = std::fs::read_to_string("tests/data/facts/demo-company.yaml").unwrap();
    let old = pack("tests/data/demo");
    let new = pack("tests/data/demo-1.3/demo");
    // Without migration the new version refuses the file.
    let err = hegui_core::facts::load_facts("a.yaml", &text, &new).unwrap_err();
    assert!(
        err.iter().any(|d| d.message.contains("version 1.2.0")),
        "{err:?}"
    );
    let facts = hegui_core::facts::load_facts("a.yaml", &text, &old)
        .unwrap()
        .facts;
    let m = hegui_core::facts::migrate::migrate(&old, &facts, &new);
    let listed: Vec<(&str, &hegui_core::facts::migrate::Why)> = m
        .to_answer
        .iter()
        .map(|t| (t.id.as_str(), &t.why))
        .collect();
    use hegui_core::facts::migrate::Why;
    assert!(
        listed.contains(&("real_name.methods", &Why::Changed)),
        "{listed:?}"
    );
    assert!(
        listed.contains(&("security.owner_named", &Why::New)),
        "{listed:?}"
    );
    assert!(!listed.iter().any(|(id, _)| *id == "security.log_months"));
    // launch_date widened from a month to a year: not a change, the answers carry.
    assert!(
        !listed
            .iter()
            .any(|(id, _)| *id == "features[*].launch_date"),
        "{listed:?}"
    );
    let methods = m
        .to_answer
        .iter()
        .find(|t| t.id == "real_name.methods")
        .unwrap();
    assert_eq!(methods.what, ["options"]);
    let answers = m.facts["answers"].as_object().unwrap();
    assert!(
        !answers.contains_key("real_name.methods"),
        "changed question: answer dropped"
    );
    assert_eq!(answers["security.log_months"]["value"], 3);
    assert_eq!(answers["security.log_months"]["remark"], "正在扩容");
    assert_eq!(answers["apps"][1]["filed"], false);
    assert_eq!(m.facts["pack"]["version"], "1.3.0");
    assert_eq!(m.facts["waivers"][0]["rule"], "demo.logs");
    // The written file loads against the new pack.
    let (_, yaml) =
        hegui_core::facts::migrate::migrate_checked(&old, &facts, &new, "out.yaml").unwrap();
    let again = hegui_core::facts::load_facts("out.yaml", &yaml, &new)
        .unwrap()
        .facts;
    assert_eq!(
        again.answers.iter().filter(|a| a.is_some()).count() + 1,
        facts.answers.iter().filter(|a| a.is_some()).count()
    );
    assert!(yaml.contains("security.owner_named (新增 new)"));
}

#[test]
fn migrate_command_writes_the_file_and_lists_questions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.yaml");
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "migrate",
            "tests/data/facts/demo-company.yaml",
            "--from",
            "tests/data/demo",
        ])
        .args(["--rules", "tests/data/demo-1.3/demo", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("security.owner_named"), "{err}");
    assert!(err.contains("real_name.methods"), "{err}");
    Command::cargo_bin("hegui")
        .unwrap()
        .args(["assess", "--rules", "tests/data/demo-1.3/demo"])
        .arg(&out)
        .assert()
        .success();
    // A facts file that does not fit the --from pack is refused with its errors.
    Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "migrate",
            "tests/data/batch/inputs/wrong-pack.yaml",
            "--from",
            "tests/data/demo",
        ])
        .args(["--rules", "tests/data/demo-1.3/demo", "-o"])
        .arg(dir.path().join("x.yaml"))
        .assert()
        .code(2);
    assert!(!dir.path().join("x.yaml").exists());
}

const V1_FACTS: &str = "tests/data/packs-v1/facts/company-1.0.0.yaml";
const V2: &str = "tests/data/packs-v2/licensing";

fn old_doc(text: &str) -> serde_json::Value {
    hegui_core::facts::migrate::node_json(
        &hegui_core::syntax::node::parse(text, hegui_core::syntax::node::Format::Yaml).unwrap(),
    )
}

/// (id, fate, answers) for every question the migration touched.
fn fates(
    m: &hegui_core::facts::migrate::Declared,
) -> Vec<(String, hegui_core::facts::migrate::Fate, usize)> {
    m.questions
        .iter()
        .map(|q| (q.id.clone(), q.fate, q.answers))
        .collect()
}

#[test]
fn a_declared_map_carries_keeps_maps_and_reasks() {
    use hegui_core::facts::migrate::Fate::*;
    let new = pack(V2);
    let text = std::fs::read_to_string(V1_FACTS).unwrap();
    // Old answers are refused by the new version, naming the version and the command.
    let err = hegui_core::facts::load_facts("a.yaml", &text, &new).unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(
        err[0].message,
        "该答卷针对规则包 1.0.0：请运行 hegui migrate / answers for pack 1.0.0: run hegui migrate"
    );
    assert_eq!((err[0].loc.line, err[0].loc.col), (4, 3));
    let (m, yaml) =
        hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&text), &new, "out.yaml")
            .unwrap();
    assert_eq!((m.from.as_str(), m.to.as_str()), ("1.0.0", "2.0.0"));
    // Pinned: 6 answers kept, 2 mapped, 2 re-asked; one question dropped.
    assert_eq!((m.kept, m.mapped, m.reasked), (6, 2, 2));
    let s = |x: &str| x.to_string();
    assert_eq!(
        fates(&m),
        [
            (s("scope.heilongjiang"), Kept, 1),
            (s("scope.telecom_role"), Reasked, 1),
            (s("org.note"), Kept, 1),
            (s("licensing.icp_licence"), Mapped, 1),
            (s("licensing.icp_filing"), Reasked, 1),
            (s("real_name.methods"), Mapped, 1),
            (s("sites[*].name"), Kept, 2),
            (s("sites[*].filed"), Kept, 2),
        ]
    );
    assert_eq!(m.dropped, ["org.staff"]);
    let a = &m.facts["answers"];
    // Mapped: old option -> new option; a split part keeps the long form's remark.
    assert_eq!(
        a["real_name.methods"],
        serde_json::json!(["mobile_verification", "id_document"])
    );
    assert_eq!(a["licensing.icp_licence"]["value"], true);
    assert_eq!(a["licensing.icp_licence"]["remark"], "许可证编号 黑B2-0000");
    // No answer crosses a reask: written unanswered, with a comment saying why.
    assert!(a["scope.telecom_role"].is_null());
    assert!(a["licensing.icp_filing"].is_null());
    assert!(yaml.contains("  scope.telecom_role: null  # 请重新回答：问题含义已变更 / answer again: the question's meaning changed\n"), "{yaml}");
    assert!(yaml.contains("  licensing.icp_filing: null  # 请重新回答：由 `licensing.filed` 拆分而来，需单独回答 / answer again: split from `licensing.filed`: answer it on its own\n"), "{yaml}");
    assert!(!yaml.contains("basic_operator"), "{yaml}");
    assert!(yaml.starts_with("# hegui migrate: 规则包 licensing 1.0.0 → 2.0.0：沿用 6，映射 2，需重新回答 2 / pack licensing 1.0.0 → 2.0.0: 6 kept, 2 mapped, 2 to answer again\n"));
    // The result is a valid 2.0.0 file, and the re-asked questions are unanswered in it.
    let facts = hegui_core::facts::load_facts("out.yaml", &yaml, &new)
        .unwrap()
        .facts;
    let q = |id: &str| new.questionnaire.question(id).unwrap();
    assert!(facts.answers[q("scope.telecom_role")].is_none());
    assert!(facts.answers[q("licensing.icp_filing")].is_none());
    assert!(facts.answers[q("licensing.icp_licence")].is_some());
    assert_eq!(m.facts["waivers"][0]["rule"], "lic.licence");
}

#[test]
fn unmapped_options_and_unfit_answers_are_asked_again() {
    use hegui_core::facts::migrate::Fate::*;
    let new = pack(V2);
    let text = std::fs::read_to_string(V1_FACTS).unwrap();
    // An option the map does not list: asked again, never guessed.
    let text = text.replace("[sms, id_document]", "[sms, fingerprint]");
    // 不清楚 stays 不清楚 through a map; an unchanged id whose answer no longer fits is re-asked.
    let text = text.replace(
        "  scope.heilongjiang: true\n",
        "  scope.heilongjiang: 不清楚\n",
    );
    let text = text.replace("name: 商城, filed: false", "name: 商城, filed: 也许");
    let (m, yaml) =
        hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&text), &new, "out.yaml")
            .unwrap();
    let methods = m
        .questions
        .iter()
        .find(|q| q.id == "real_name.methods")
        .unwrap();
    assert_eq!(methods.fate, Reasked);
    assert_eq!(
        methods.why.as_ref().unwrap().en,
        "old option `fingerprint` is not in the migration map"
    );
    assert!(m.facts["answers"]["real_name.methods"].is_null());
    assert_eq!(m.facts["answers"]["scope.heilongjiang"], "不清楚");
    let filed: Vec<_> = m
        .questions
        .iter()
        .filter(|q| q.id == "sites[*].filed")
        .map(|q| (q.fate, q.answers))
        .collect();
    assert_eq!(filed, [(Reasked, 2)]);
    assert!(yaml.contains("      filed: null  # 请重新回答：沿用的答案不符合新版本的问题 / answer again: the carried answer does not fit the new version of the question\n"), "{yaml}");
    hegui_core::facts::load_facts("out.yaml", &yaml, &new).unwrap();
}

#[test]
fn a_migration_map_is_validated_when_the_pack_loads() {
    let load = |map: &str| {
        let mut files = PackFiles::from_dir(std::path::Path::new(V2)).unwrap();
        files.files.retain(|(p, _)| !p.starts_with("migrations/"));
        files
            .files
            .push(("migrations/from-1.0.0.yaml".into(), map.into()));
        load_pack(&files).map(|_| ()).map_err(|d| {
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    load("from: 1.0.0\nquestions:\n  scope.heilongjiang: carry\n").unwrap();
    let e = load("from: 1.0.0\nquestions:\n  scope.heilongjang: carry\n").unwrap_err();
    assert!(e.contains("migrations/from-1.0.0.yaml:3:3: question `scope.heilongjang`: 新版本没有问题 `scope.heilongjang` / this version has no question `scope.heilongjang`"), "{e}");
    assert!(e.contains("scope.heilongjiang"), "did you mean: {e}");
    let e = load("from: 1.0.0\nquestions:\n  real_name.methods: { map: { sms: mobile } }\n")
        .unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:3:36: question `real_name.methods`: `real_name.methods` 没有选项 `mobile` / `real_name.methods` has no option `mobile`"), "{e}");
    let e = load("from: 1.0.0\nquestions:\n  licensing.icp_licence: { map: { yes: maybe } }\n")
        .unwrap_err();
    assert!(e.contains("has no option `maybe`"), "{e}");
    let e = load("from: 1.0.0\nquestions:\n  org.note: { map: { a: b } }\n").unwrap_err();
    assert!(
        e.contains("`org.note` is a text question: it has no options to map"),
        "{e}"
    );
    let e = load("from: 1.0.0\nquestions:\n  licensing.icp_filing: carry\n  licensing.filed: { split: { licensing.icp_filing: reask } }\n").unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:4:3: question `licensing.filed`: 新问题 `licensing.icp_filing` 同时由 `licensing.icp_filing` 和 `licensing.filed` 得出答案(冲突) / new question `licensing.icp_filing` would take its answer from both `licensing.icp_filing` and `licensing.filed` (conflicting entries)"), "{e}");
    let e = load(
        "from: 1.0.0\nquestions:\n  sites[*].filed: { split: { licensing.icp_filing: carry } }\n",
    )
    .unwrap_err();
    assert!(e.contains("are not in the same group"), "{e}");
    let e = load("from: 2.0.0\nquestions: {}\n").unwrap_err();
    assert!(e.contains("does not match the file name"), "{e}");
    assert!(
        e.contains("is not older than this pack's version 2.0.0"),
        "{e}"
    );
    let e = load("from: 1.0.0\nquestions:\n  scope.heilongjiang: keep\n").unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:3:23: question `scope.heilongjiang`: 应为 carry、reask、{map: {…}}、{split: {…}} 或 {each: {…}} / expected carry, reask, {map: {…}}, {split: {…}} or {each: {…}}"), "{e}");
    let e = load("from: 1.0.0\nto: 2.0.0\n").unwrap_err();
    assert!(e.contains("unknown key `to`"), "{e}");
}

#[test]
fn migrate_without_from_uses_the_declared_map() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.yaml");
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["migrate", V1_FACTS, "--rules", V2, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(o.status.success(), "{err}");
    assert!(err.contains("pack licensing 1.0.0 → 2.0.0: 6 answers kept, 2 mapped, 2 to answer again; 1 questions no longer asked"), "{err}");
    assert!(
        err.contains("需重新回答 re-asked: licensing.icp_filing ← licensing.filed (1)"),
        "{err}"
    );
    assert!(err.contains("映射 mapped: real_name.methods (1)"), "{err}");
    assert!(err.contains("不再询问 no longer asked: org.staff"), "{err}");
    Command::cargo_bin("hegui")
        .unwrap()
        .args(["validate", "--rules", V2])
        .arg(&out)
        .assert()
        .success();
    // With no pack named, the embedded pack the answers name; already current: nothing to do.
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["migrate", "fixtures/companies/half-blank.yaml", "-o"])
        .arg(dir.path().join("x.yaml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("答卷已针对规则包 2.1.0，无需迁移 / the answers are already for pack 2.1.0: nothing to migrate"), "{err}");
    assert!(!dir.path().join("x.yaml").exists());
    // A version the pack declares no map from: --from is needed.
    let text = std::fs::read_to_string(V1_FACTS)
        .unwrap()
        .replace("version: 1.0.0", "version: 0.9.0");
    let old = dir.path().join("old.yaml");
    std::fs::write(&old, text).unwrap();
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["migrate", "--rules", V2, "-o"])
        .arg(dir.path().join("y.yaml"))
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("the pack declares no migration from 0.9.0: name the old pack with --from")
    );
    // A file made from a modified copy of 1.0.0 (another questionnaire digest) is not migrated.
    let text = std::fs::read_to_string(V1_FACTS)
        .unwrap()
        .replace("sha256:cdb9", "sha256:0000");
    std::fs::write(&old, text).unwrap();
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["migrate", "--rules", V2, "-o"])
        .arg(dir.path().join("y.yaml"))
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8(o.stderr)
            .unwrap()
            .contains("is not that of pack 1.0.0")
    );
    // The old mode, comparing with the old pack itself, still works.
    Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "migrate",
            V1_FACTS,
            "--from",
            "tests/data/packs-v1/licensing",
            "--rules",
            V2,
            "-o",
        ])
        .arg(dir.path().join("z.yaml"))
        .assert()
        .success();
}

#[test]
fn assess_validate_and_batch_send_old_answers_to_migrate() {
    const MSG: &str =
        "该答卷针对规则包 1.0.0：请运行 hegui migrate / answers for pack 1.0.0: run hegui migrate";
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["assess", "validate"] {
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .args([cmd, "--rules", V2, V1_FACTS])
            .args(if cmd == "assess" { vec!["-o"] } else { vec![] })
            .args(if cmd == "assess" {
                vec![dir.path().join("r.json")]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert!(
            err.contains(&format!("{V1_FACTS}:4:3: {MSG}")),
            "{cmd}: {err}"
        );
        assert!(
            !err.contains("unknown question"),
            "{cmd}: one message: {err}"
        );
    }
    let out = dir.path().join("batch");
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["batch", "--rules", V2, V1_FACTS, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let rejected = &summary["rejected_files"][0];
    assert_eq!(rejected["path"], V1_FACTS);
    let errors = rejected["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].as_str().unwrap().contains(MSG), "{errors:?}");
}

#[test]
fn an_old_answer_replaced_by_a_split_is_dropped_and_listed() {
    let new = pack(V2);
    // The old file also answered `licensing.icp_filing` (say an earlier pack had it): the map
    // feeds that question from `licensing.filed` instead, so the own answer is dropped.
    let text = std::fs::read_to_string(V1_FACTS).unwrap().replace(
        "  real_name.methods:",
        "  licensing.icp_filing: true\n  real_name.methods:",
    );
    let (m, _) =
        hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&text), &new, "out.yaml")
            .unwrap();
    assert_eq!(m.dropped, ["licensing.icp_filing", "org.staff"]);
    assert!(m.facts["answers"]["licensing.icp_filing"].is_null());
}

/// The shipped pack's own map, with the installed binary alone (no old pack directory): each
/// 1.0.0 fixture (as committed before pack 2.0, kept in tests/data/facts-1.0.0) is carried
/// directly to 2.1.0 with the answers kept, mapped and re-asked pinned, and the result validates.
/// A 1.0.0 mini-program's platform (which 2.0.0 no longer asked) is carried into `apps`.
#[test]
fn the_shipped_1_0_fixtures_migrate_to_2_1_with_the_binary_alone() {
    let dir = tempfile::tempdir().unwrap();
    // (fixture, kept, mapped, to answer again, no longer asked)
    let expected = [
        ("half-blank", 16, 7, 3, 1),
        ("idc-cloud", 26, 8, 6, 3),
        ("mini-program-shop", 16, 15, 5, 2),
        ("mobile-reseller", 32, 10, 10, 3),
        ("news-app", 48, 8, 7, 3),
        ("platform-compliant", 65, 24, 13, 3),
        ("ride-hailing", 35, 20, 10, 2),
    ];
    for (name, kept, mapped, reask, dropped) in expected {
        let old = format!("tests/data/facts-1.0.0/{name}.yaml");
        let out = dir.path().join(format!("{name}.yaml"));
        // Assessing the old file says what to do.
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .args(["assess", &old])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(
            String::from_utf8_lossy(&o.stderr)
                .contains("answers for pack 1.0.0: run hegui migrate"),
            "{name}"
        );
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .args(["migrate", &old, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{name}: {err}");
        let line = format!(
            "1.0.0 → 2.1.0: {kept} answers kept, {mapped} mapped, {reask} to answer again; {dropped} questions no longer asked"
        );
        assert!(err.contains(&line), "{name}: {err}");
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text.matches("# 请重新回答").count(),
            reask,
            "{name}: every re-asked answer is written unanswered with a note"
        );
        if name == "mini-program-shop" {
            let doc = old_doc(&text);
            let item = &doc["answers"]["apps"][0];
            assert_eq!(item["name"], "北味山珍小店");
            assert_eq!(item["platform"], "mini_program_wechat", "{text}");
            assert_eq!(
                item["pi_collects_before_consent"],
                serde_json::json!(["none"])
            );
            assert_eq!(item["pi_refuses_function_on_refusal"], false);
        }
        Command::cargo_bin("hegui")
            .unwrap()
            .arg("validate")
            .arg(&out)
            .assert()
            .success();
    }
}

/// 2.0.0 → 2.1.0 (kept in tests/data/facts-2.0.0): the organisation profile renamed into the
/// library, mini-programs moved into `apps`, the per-channel facts fanned out from 2.0.0's
/// answers for all channels, each app's platform asked. The committed 2.1.0 fixtures are that
/// output with the platforms answered and nothing else changed.
#[test]
fn the_shipped_2_0_fixtures_migrate_to_2_1_and_are_the_committed_fixtures() {
    let new = hegui_packs::load("hlj-2017-mobile-internet")
        .unwrap()
        .unwrap()
        .pack;
    // (fixture, kept, mapped, to answer again = the app items whose platform is asked)
    let expected = [
        ("half-blank", 22, 5, 1),
        ("idc-cloud", 54, 6, 0),
        ("mini-program-shop", 34, 16, 1),
        ("mobile-reseller", 62, 8, 1),
        ("news-app", 83, 6, 1),
        ("platform-compliant", 109, 24, 4),
        ("ride-hailing", 69, 20, 3),
    ];
    for (name, kept, mapped, reask) in expected {
        let old = std::fs::read_to_string(format!("tests/data/facts-2.0.0/{name}.yaml")).unwrap();
        let (m, yaml) =
            hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&old), &new, "out.yaml")
                .unwrap();
        assert_eq!(
            (m.kept, m.mapped, m.reasked),
            (kept, mapped, reask),
            "{name}"
        );
        assert!(m.dropped.is_empty(), "{name}: {:?}", m.dropped);
        assert_eq!(
            yaml.matches("platform: null  # 请重新回答").count(),
            reask,
            "{name}"
        );
        let mut migrated = old_doc(&yaml);
        let committed =
            old_doc(&std::fs::read_to_string(format!("fixtures/companies/{name}.yaml")).unwrap());
        // Fill in what was asked again (each app's platform) from the committed fixture.
        let items = migrated
            .get_mut("answers")
            .and_then(|a| a.get_mut("apps"))
            .and_then(|a| a.as_array_mut());
        for (i, item) in items.into_iter().flatten().enumerate() {
            if item["platform"].is_null() {
                item["platform"] = committed["answers"]["apps"][i]["platform"].clone();
            }
        }
        assert_eq!(migrated["answers"], committed["answers"], "{name}");
        assert_eq!(migrated["pack"]["version"], "2.1.0");
    }
    // A 2.0.0 "yes for all channels" is yes for every app and website that asks it; the
    // mini-program moved into `apps` keeps its answers.
    let old = std::fs::read_to_string("tests/data/facts-2.0.0/platform-compliant.yaml").unwrap();
    let (m, _) =
        hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&old), &new, "out.yaml")
            .unwrap();
    let apps = m.facts["answers"]["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 4);
    assert_eq!(apps[3]["name"], "北疆优选");
    for a in apps {
        assert_eq!(a["pi_collects_before_consent"], serde_json::json!(["none"]));
        assert_eq!(a["pi_refuses_function_on_refusal"], false);
    }
    assert_eq!(
        m.facts["answers"]["websites"][0]["consent_before_collection"],
        true
    );
    assert!(m.facts["answers"].get("mini_programs").is_none());
    assert!(
        m.facts["answers"]
            .get("pi.consent_before_collection")
            .is_none()
    );
    // A 2.0.0 "no" is asked again for each app and website.
    let no = old.replace(
        "pi.consent_before_collection: true",
        "pi.consent_before_collection: false",
    );
    assert_ne!(no, old);
    let (m, yaml) =
        hegui_core::facts::migrate::migrate_declared_checked(&old_doc(&no), &new, "out.yaml")
            .unwrap();
    for a in m.facts["answers"]["apps"].as_array().unwrap() {
        assert!(a["pi_collects_before_consent"].is_null(), "{a}");
    }
    assert!(m.facts["answers"]["websites"][0]["consent_before_collection"].is_null());
    assert_eq!(
        yaml.matches(
            "请重新回答：`pi.consent_before_collection` 原为各条目共同的回答，现请逐项回答"
        )
        .count(),
        5,
        "{yaml}"
    );
}

#[test]
fn widening_a_date_questions_precision_is_no_change_narrowing_is() {
    use hegui_core::facts::migrate::{date_precision_compatible, question_changes};
    use hegui_core::model::DatePrecision;
    let old = pack("tests/data/demo");
    let qn = &old.questionnaire;
    let day = qn.questions[qn.question("features[*].assessment_date").unwrap()].clone();
    assert_eq!(day.precision, DatePrecision::Day);
    let mut month = day.clone();
    month.precision = DatePrecision::Month;
    let mut year = day.clone();
    year.precision = DatePrecision::Year;
    for (a, b, ok) in [
        (&day, &month, true),
        (&day, &year, true),
        (&month, &year, true),
        (&month, &month, true),
        (&month, &day, false),
        (&year, &month, false),
    ] {
        assert_eq!(
            date_precision_compatible(a, b),
            ok,
            "{:?} -> {:?}",
            a.precision,
            b.precision
        );
        assert_eq!(
            question_changes(a, b).contains(&"precision"),
            !ok,
            "{:?} -> {:?}",
            a.precision,
            b.precision
        );
    }
}

// ---- Group directives: items moved between groups (`groups:`) and fan-out (`each`) ----

const V3: &str = "tests/data/packs-v3/channels";
const V3_OLD: &str = "tests/data/packs-v3/facts/channels-1.0.0.yaml";

fn migrate_v3(text: &str) -> (hegui_core::facts::migrate::Declared, String) {
    hegui_core::facts::migrate::migrate_declared_checked(&old_doc(text), &pack(V3), "out.yaml")
        .unwrap()
}

/// One organisation-wide answer goes to every item: several apps (own and moved), one website
/// (the other does not ask it), and a "no" is asked again in each item.
#[test]
fn each_fans_an_organisation_wide_answer_out_to_every_item() {
    use hegui_core::facts::migrate::{FanOut, Fate::*};
    let text = std::fs::read_to_string(V3_OLD).unwrap();
    let (m, yaml) = migrate_v3(&text);
    let a = &m.facts["answers"];
    // "Yes, for all channels" -> the per-item answer in each of the three apps (two own, one
    // moved from mini_programs), mapped to the new question's option.
    let apps = a["apps"].as_array().unwrap();
    let names: Vec<&str> = apps.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["冰城App", "冰城极速版", "冰城小程序"]);
    for item in apps {
        assert_eq!(
            item["collects_first"],
            serde_json::json!(["none"]),
            "{item}"
        );
    }
    // Only the website that collects personal information asks the question: the other gets no
    // answer (one for all does not put an answer where the question is not asked).
    let sites = a["websites"].as_array().unwrap();
    assert_eq!(sites[0]["consent_first"], true);
    assert!(sites[1].get("consent_first").is_none(), "{}", sites[1]);
    // "No" said only that some channel falls short: asked again in each item, never guessed.
    for item in apps {
        assert!(item["refuses"].is_null(), "{item}");
    }
    assert_eq!(
        yaml.matches("refuses: null  # 请重新回答：`pi.refusal_ok` 原为各条目共同的回答，现请逐项回答 / answer again: `pi.refusal_ok` was one answer for all items: answer it for each item").count(),
        3,
        "{yaml}"
    );
    let s = |x: &str| x.to_string();
    let f = fates(&m);
    for want in [
        (s("apps[*].collects_first"), Mapped, 3),
        (s("apps[*].refuses"), Reasked, 3),
        (s("websites[*].consent_first"), Mapped, 1),
    ] {
        assert!(f.contains(&want), "{want:?} in {f:?}");
    }
    assert_eq!(
        m.fan_out,
        [
            FanOut {
                from: s("pi.consent_first"),
                to: s("apps[*].collects_first"),
                items: 3
            },
            FanOut {
                from: s("pi.consent_first"),
                to: s("websites[*].consent_first"),
                items: 1
            },
            FanOut {
                from: s("pi.refusal_ok"),
                to: s("apps[*].refuses"),
                items: 3
            },
        ]
    );
    // Fanned-out answers are neither kept at the top level nor listed as dropped.
    assert!(a.get("pi.consent_first").is_none());
    assert!(m.dropped.is_empty(), "{:?}", m.dropped);
    hegui_core::facts::load_facts("out.yaml", &yaml, &pack(V3)).unwrap();
}

/// To one item, and to none: the answer is not lost silently; the output says it had nowhere
/// to go.
#[test]
fn each_to_one_item_and_to_no_item() {
    use hegui_core::facts::migrate::FanOut;
    let text = std::fs::read_to_string(V3_OLD).unwrap();
    // One app, no mini-program, no website at all.
    let one = text
        .replace("    - { name: 冰城极速版, has_accounts: false }\n", "")
        .replace(
            "  mini_programs:\n    - { name: 冰城小程序, host: wechat, has_accounts: true }\n",
            "",
        )
        .replace(
            "  websites:\n    - { name: 冰城网, collects_pi: true }\n    - { name: 冰城资讯, collects_pi: false }\n",
            "  websites: []\n",
        );
    let (m, yaml) = migrate_v3(&one);
    let apps = m.facts["answers"]["apps"].as_array().unwrap().clone();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["collects_first"], serde_json::json!(["none"]));
    let s = |x: &str| x.to_string();
    assert!(m.fan_out.contains(&FanOut {
        from: s("pi.consent_first"),
        to: s("apps[*].collects_first"),
        items: 1
    }));
    assert!(m.fan_out.contains(&FanOut {
        from: s("pi.consent_first"),
        to: s("websites[*].consent_first"),
        items: 0
    }));
    assert!(
        yaml.contains("# `pi.consent_first` 的答案没有可承接的条目(`websites[*].consent_first`) / the answer to `pi.consent_first` has no item to go to (`websites[*].consent_first`)\n"),
        "{yaml}"
    );
    hegui_core::facts::load_facts("out.yaml", &yaml, &pack(V3)).unwrap();
}

/// `groups:` moves the old mini-programs into `apps`: name and other members carried, the
/// platform mapped from the old host; `ask` writes the platform unanswered in the old apps.
#[test]
fn groups_move_items_into_another_group_and_ask_members_again() {
    use hegui_core::facts::migrate::Fate::*;
    let text = std::fs::read_to_string(V3_OLD).unwrap();
    let (m, yaml) = migrate_v3(&text);
    let apps = m.facts["answers"]["apps"].as_array().unwrap();
    assert_eq!(apps[2]["name"], "冰城小程序");
    assert_eq!(apps[2]["platform"], "mini_program");
    assert_eq!(apps[2]["has_accounts"], true);
    assert!(apps[0]["platform"].is_null() && apps[1]["platform"].is_null());
    assert!(yaml.contains("platform: null  # 请重新回答：组 `apps` 新增的问题，请为每一条目回答 / answer again: new in group `apps`: answer it for each item"), "{yaml}");
    let s = |x: &str| x.to_string();
    let f = fates(&m);
    for want in [
        (s("apps[*].name"), Kept, 2),
        (s("apps[*].name"), Mapped, 1),
        (s("apps[*].platform"), Reasked, 2),
        (s("apps[*].platform"), Mapped, 1),
        (s("apps[*].has_accounts"), Kept, 2),
        (s("apps[*].has_accounts"), Mapped, 1),
    ] {
        assert!(f.contains(&want), "{want:?} in {f:?}");
    }
    // The moved group is not "no longer asked".
    assert!(
        !m.dropped.iter().any(|d| d == "mini_programs"),
        "{:?}",
        m.dropped
    );
    // A host the map does not list is asked again rather than guessed.
    let (m, _) = migrate_v3(&text.replace("host: wechat", "host: baidu"));
    assert!(m.facts["answers"]["apps"][2]["platform"].is_null());
    // The migrated file assesses: every app answered "none before consent", the website yes.
    let facts = hegui_core::facts::load_facts("out.yaml", &yaml, &pack(V3))
        .unwrap()
        .facts;
    let a = hegui_core::eval::assess::assess(
        &pack(V3),
        &facts,
        hegui_core::eval::assess::AssessOptions::default(),
    );
    let outcome = |id: &str| a.findings().find(|f| f.rule_id == id).unwrap().outcome;
    assert_eq!(
        outcome("ch.consent"),
        hegui_core::eval::assess::Outcome::Pass
    );
    assert_eq!(
        outcome("ch.refusal"),
        hegui_core::eval::assess::Outcome::Unanswered
    );
}

#[test]
fn group_directives_are_validated_when_the_pack_loads() {
    let load = |map: &str| {
        let mut files = PackFiles::from_dir(std::path::Path::new(V3)).unwrap();
        files.files.retain(|(p, _)| !p.starts_with("migrations/"));
        files
            .files
            .push(("migrations/from-1.0.0.yaml".into(), map.into()));
        load_pack(&files).map(|_| ()).map_err(|d| {
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    load("from: 1.0.0\ngroups:\n  mini_programs: { into: apps, ask: [platform] }\nquestions:\n  pi.x: { each: { \"apps[*].refuses\": carry } }\n").unwrap();
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { into: aps }\n").unwrap_err();
    assert!(e.contains("migrations/from-1.0.0.yaml:3:26: group `mini_programs`: 新版本没有组 `aps` / this version has no group `aps`"), "{e}");
    assert!(e.contains("apps"), "did you mean: {e}");
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { into: apps, ask: [platfrom] }\n")
        .unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:3:38: group `mini_programs`: 组 `apps` 没有成员 `platfrom` / group `apps` has no member `platfrom`"), "{e}");
    assert!(e.contains("platform"), "did you mean: {e}");
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { to: apps }\n").unwrap_err();
    assert!(
        e.contains("from-1.0.0.yaml:3:20: group `mini_programs`: 未知的键 / unknown key `to`"),
        "{e}"
    );
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { ask: [name] }\n").unwrap_err();
    assert!(e.contains("this version has no group `mini_programs`: say with `into` which group its items move into"), "{e}");
    let e =
        load("from: 1.0.0\nquestions:\n  apps[*].x: { each: { \"apps[*].refuses\": carry } }\n")
            .unwrap_err();
    assert!(
        e.contains("from-1.0.0.yaml:3:3: question `apps[*].x`: `each` 只用于顶层问题"),
        "{e}"
    );
    let e = load("from: 1.0.0\nquestions:\n  pi.x: { each: { org.processes_pi: carry } }\n")
        .unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:3:19: question `pi.x`: `each` 的目标应为组成员(组[*].成员)：`org.processes_pi` 是顶层问题 / `each` targets group members (group[*].member), but `org.processes_pi` is a top-level question: use `split`"), "{e}");
    let e = load("from: 1.0.0\nquestions:\n  pi.x: { each: {} }\n").unwrap_err();
    assert!(
        e.contains("`each` 为空 / `each` names no group member"),
        "{e}"
    );
    let e = load("from: 1.0.0\nquestions:\n  pi.x: { each: { \"apps[*].refuses\": { map: { true: maybe } } } }\n").unwrap_err();
    assert!(e.contains("`apps[*].refuses` has no option `maybe`"), "{e}");
    // A member reached by `each` takes its answer from nothing else.
    let e = load("from: 1.0.0\nquestions:\n  pi.x: { each: { \"apps[*].refuses\": carry } }\n  apps[*].refuses: carry\n").unwrap_err();
    assert!(e.contains("from-1.0.0.yaml:4:3: question `apps[*].refuses`: 新问题 `apps[*].refuses` 同时由 `pi.x` 和 `apps[*].refuses` 得出答案(冲突)"), "{e}");
    // A moved group's member may be split only into the group its items move into.
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { into: apps }\nquestions:\n  mini_programs[*].host: { split: { \"websites[*].name\": carry } }\n").unwrap_err();
    assert!(e.contains("are not in the same group"), "{e}");
    // Its members are checked in the group they move into.
    load("from: 1.0.0\ngroups:\n  mini_programs: { into: apps }\nquestions:\n  mini_programs[*].has_accounts: carry\n").unwrap();
    let e = load("from: 1.0.0\ngroups:\n  mini_programs: { into: apps }\nquestions:\n  mini_programs[*].host: carry\n").unwrap_err();
    assert!(
        e.contains("this version has no question `apps[*].host`"),
        "{e}"
    );
}
