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
    assert!(e.contains("from-1.0.0.yaml:3:23: question `scope.heilongjiang`: 应为 carry、reask、{map: {…}} 或 {split: {…}} / expected carry, reask, {map: {…}} or {split: {…}}"), "{e}");
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
    assert!(err.contains("答卷已针对规则包 2.0.0，无需迁移 / the answers are already for pack 2.0.0: nothing to migrate"), "{err}");
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
/// 1.0.0 fixture (as committed before pack 2.0, kept in tests/data/facts-1.0.0) is carried to
/// 2.0.0 with the answers kept, mapped and re-asked pinned, and the result validates.
#[test]
fn the_shipped_1_0_fixtures_migrate_to_2_0_with_the_binary_alone() {
    let dir = tempfile::tempdir().unwrap();
    // (fixture, kept, mapped, to answer again, no longer asked)
    let expected = [
        ("half-blank", 21, 2, 2, 1),
        ("idc-cloud", 32, 2, 6, 3),
        ("mini-program-shop", 29, 1, 5, 2),
        ("mobile-reseller", 38, 2, 9, 3),
        ("news-app", 54, 2, 6, 3),
        ("platform-compliant", 78, 2, 10, 3),
        ("ride-hailing", 48, 2, 8, 2),
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
            "1.0.0 → 2.0.0: {kept} answers kept, {mapped} mapped, {reask} to answer again; {dropped} questions no longer asked"
        );
        assert!(err.contains(&line), "{name}: {err}");
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text.matches("# 请重新回答").count(),
            reask,
            "{name}: every re-asked answer is written unanswered with a note"
        );
        Command::cargo_bin("hegui")
            .unwrap()
            .arg("validate")
            .arg(&out)
            .assert()
            .success();
    }
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
