//! The command line's polish (issue #8): global flags, `--version`, help examples, shell
//! completions and the man page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hegui() -> Command {
    let mut c = Command::cargo_bin("hegui").unwrap();
    c.current_dir(root()).env_remove("NO_COLOR");
    c
}

fn stderr_of(args: &[&str]) -> (i32, String) {
    let out = hegui().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const COMPANY: &str = "fixtures/companies/news-app.yaml";

/// The visible subcommands, as `hegui --help` lists them.
fn subcommands() -> Vec<String> {
    let out = hegui().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let list = help.split("Commands:").nth(1).unwrap();
    let list = list.split("\n\n").next().unwrap();
    // Command lines are indented by two spaces; wrapped descriptions by more.
    list.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_lists_every_command_and_each_has_an_example() {
    let subs = subcommands();
    for expected in [
        "assess",
        "validate",
        "rules",
        "questionnaire",
        "import",
        "test",
        "coverage",
        "schema",
        "batch",
        "diff",
        "migrate",
        "completions",
        "man",
    ] {
        assert!(
            subs.iter().any(|s| s == expected),
            "{expected} not in {subs:?}"
        );
    }
    for sub in &subs {
        hegui()
            .args([sub.as_str(), "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example:\n  hegui "));
    }
    for sub in ["list", "show"] {
        hegui()
            .args(["rules", sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example:\n  hegui rules "));
    }
    // Global flags are documented on every subcommand.
    hegui()
        .args(["diff", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--error-format <FORMAT>"))
        .stdout(predicate::str::contains("--max-input-size <BYTES>"))
        .stdout(predicate::str::contains("--color <WHEN>"));
}

#[test]
fn version_names_the_embedded_pack_as_its_pack_yaml_says() {
    let pack_yaml =
        std::fs::read_to_string(root().join("rules/hlj-2017-mobile-internet/pack.yaml")).unwrap();
    let field = |key: &str| {
        pack_yaml
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .map(|v| v.trim().trim_matches('"').to_string())
            .unwrap()
    };
    let expected = format!("{} {}", field("id"), field("version"));
    hegui()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "hegui {}",
            env!("CARGO_PKG_VERSION")
        )))
        .stdout(predicate::str::contains(expected));
}

#[test]
fn bash_zsh_and_fish_completions_know_the_subcommands_and_flags() {
    let subs = subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let out = hegui().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for sub in &subs {
            assert!(
                text.contains(sub.as_str()),
                "{shell} completion lacks `{sub}`"
            );
        }
        assert!(
            text.contains("fail-on"),
            "{shell} completion lacks --fail-on"
        );
    }
    hegui()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'tcsh'"));
}

#[test]
fn man_page_is_roff_with_every_subcommand_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hegui.1");
    hegui()
        .args(["man", "-o", file.to_str().unwrap()])
        .assert()
        .success();
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.contains(".TH hegui 1"), "{}", &page[..200]);
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(page.contains(&format!(".SH {section}")), "{section}");
    }
    for sub in subcommands() {
        assert!(
            page.contains(&format!(".SH \"HEGUI {}\"", sub.to_uppercase())),
            "no section for {sub}"
        );
    }
    assert!(page.contains("Exit codes"));
    assert!(page.contains("\\-\\-max\\-input\\-size"));
    // Same bytes on stdout.
    let out = hegui().arg("man").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), page);
    // Rendered by groff where it is installed (it is on the project machine): no warnings.
    if let Ok(out) = std::process::Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(&file)
        .output()
    {
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("HEGUI ASSESS"), "{text}");
    }
}

fn blank_questionnaire(dir: &std::path::Path) -> String {
    let blank = dir.join("blank.yaml");
    hegui()
        .args(["questionnaire", "--date", "2026-01-01", "-o"])
        .arg(&blank)
        .assert()
        .success();
    blank.to_str().unwrap().to_string()
}

#[test]
fn quiet_keeps_errors_only_and_verbose_adds_counts() {
    let dir = tempfile::tempdir().unwrap();
    let blank = blank_questionnaire(dir.path());
    // A blank questionnaire is valid, with a warning (no organisation name) and a summary note.
    let (code, err) = stderr_of(&["validate", &blank]);
    assert_eq!(code, 0);
    assert!(err.contains("警告 warning"), "{err}");
    assert!(err.contains("ok: pack"), "{err}");
    let (code, err) = stderr_of(&["validate", &blank, "--quiet"]);
    assert_eq!(code, 0);
    assert_eq!(err, "");
    // Errors still show under --quiet.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "x: [\n").unwrap();
    let (code, err) = stderr_of(&["-q", "validate", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml:1:4"), "{err}");
    // Verbose: what was loaded and counted.
    let (code, err) = stderr_of(&["--verbose", "assess", COMPANY, "-o", "-"]);
    assert_eq!(code, 0);
    let pack =
        hegui_core::load::load_pack(&hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap())
            .unwrap()
            .pack;
    let required = pack
        .rules
        .iter()
        .filter(|r| r.level == hegui_core::model::Level::Required)
        .count();
    assert!(
        err.contains(&format!(
            "pack hlj-2017-mobile-internet {} loaded",
            pack.meta.version
        )) && err.contains(&format!("{} rules", pack.rules.len())),
        "{err}"
    );
    assert!(
        err.contains(&format!("news-app.yaml: required {required}")),
        "{err}"
    );
    let (code, err) = stderr_of(&["assess", COMPANY, "-o", "-"]);
    assert_eq!(code, 0);
    assert!(!err.contains("loaded"), "{err}");
    hegui()
        .args(["-q", "-v", "validate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn error_format_json_gives_one_object_per_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "pack: {id: hlj-2017-mobile-internet, version: 2.1.0}\norganisation: {name: X}\nassessment_date: 2026-01-01\nanswers:\n  nosuch.question: true\n",
    )
    .unwrap();
    let (code, err) = stderr_of(&["validate", bad.to_str().unwrap(), "--error-format", "json"]);
    assert_eq!(code, 2);
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    assert!(lines.len() >= 2, "{err}");
    for v in &lines {
        for key in [
            "level", "file", "line", "column", "subject", "message", "help",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
    }
    let d = lines
        .iter()
        .find(|v| v["subject"] == "question `nosuch.question`")
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(d["level"], "error");
    assert!(d["file"].as_str().unwrap().ends_with("bad.yaml"));
    assert_eq!(d["line"], 5);
    assert_eq!(d["column"], 3);
    // The closing summary is an error line too; usage errors are JSON as well.
    assert_eq!(lines.last().unwrap()["level"], "error");
    let (code, err) = stderr_of(&["--error-format", "json", "assess", "--bogus"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert!(v["message"].as_str().unwrap().contains("--bogus"), "{v}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "x: [\n").unwrap();
    let bad = bad.to_str().unwrap();
    let ansi = "\x1b[";
    // Not a terminal: no colour by default.
    let (_, err) = stderr_of(&["validate", bad]);
    assert!(!err.contains(ansi), "{err:?}");
    let (_, err) = stderr_of(&["validate", bad, "--color", "always"]);
    assert!(err.contains("\x1b[1;31m错误 error\x1b[0m"), "{err:?}");
    // --color always wins over NO_COLOR; never is never.
    let out = hegui()
        .env("NO_COLOR", "1")
        .args(["--color=always", "validate", bad])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains(ansi));
    let (_, err) = stderr_of(&["validate", bad, "--color", "never"]);
    assert!(!err.contains(ansi), "{err:?}");
    // JSON never carries colour.
    let (_, err) = stderr_of(&[
        "validate",
        bad,
        "--color",
        "always",
        "--error-format",
        "json",
    ]);
    assert!(!err.contains(ansi), "{err:?}");
}

#[test]
fn max_input_size_limits_files_and_stdin_and_exits_two() {
    let size = std::fs::metadata(root().join(COMPANY)).unwrap().len();
    let small = (size - 1).to_string();
    for cmd in ["assess", "validate"] {
        let (code, err) = stderr_of(&["--max-input-size", &small, cmd, COMPANY]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "{COMPANY}: 文件过大 file too large ({size} bytes; limit {small} bytes"
            )),
            "{err}"
        );
        assert!(err.contains("--max-input-size"), "{err}");
    }
    // Exactly the file's size is enough; suffixes work.
    hegui()
        .args(["validate", COMPANY, "--max-input-size", &size.to_string()])
        .assert()
        .success();
    hegui()
        .args(["validate", COMPANY, "--max-input-size", "1M"])
        .assert()
        .success();
    hegui()
        .args(["--max-input-size", "1K", "assess", "-", "--format", "json"])
        .write_stdin(std::fs::read(root().join(COMPANY)).unwrap())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<stdin>: 文件过大 file too large"));
    hegui()
        .args(["--max-input-size", "lots", "validate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a size in bytes"));
    // diff and migrate read through the same limit.
    hegui()
        .args(["--max-input-size", &small, "diff", COMPANY, COMPANY])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("file too large"));
    // A device is refused unopened (it could be read forever); a FIFO too, without waiting
    // for a writer (a hang would end in assert_cmd's timeout, failing the test).
    #[cfg(unix)]
    {
        hegui()
            .args(["validate", "/dev/zero"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "/dev/zero: 不是普通文件（管道、设备或套接字），未打开 not a regular file",
            ));
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("answers.yaml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        for cmd in ["assess", "validate"] {
            hegui()
                .arg(cmd)
                .arg(&fifo)
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .code(2)
                .stderr(predicate::str::contains("not a regular file"));
        }
        // Standard input without a size is still cut off at the limit.
        hegui()
            .args(["--max-input-size", "1K", "validate", "-"])
            .write_stdin(vec![b' '; 4096])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("file too large (limit 1024 bytes"));
    }
    // A directory is named as one.
    hegui()
        .args(["validate", "tests"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tests: 是目录 is a directory"));
}
