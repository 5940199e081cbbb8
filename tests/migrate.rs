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
