//! The README's quick starts run as written: every command of every ```sh block under a
//! `## Quick start: …` heading is run, in order, in a scratch copy of the files they use, with
//! the freshly built `hegui` first on PATH. Each must exit 0, or the code its line states as
//! `# exits N`. So the README cannot rot.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;
use common::copy_dir;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (heading, commands) for each quick-start block.
fn quick_starts(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut block: Option<Vec<String>> = None;
    for line in readme.lines() {
        if let Some(b) = block.as_mut() {
            if line.trim_start().starts_with("```") {
                out.push((heading.clone(), block.take().unwrap()));
            } else {
                b.push(line.to_string());
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            heading = h.to_string();
        } else if line.trim() == "```sh" && heading.starts_with("Quick start:") {
            block = Some(Vec::new());
        }
    }
    assert!(block.is_none(), "unclosed ```sh block under {heading}");
    out.into_iter()
        .map(|(h, lines)| {
            let cmds = lines
                .into_iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            (h, cmds)
        })
        .collect()
}

/// The exit code a line promises: `# exits N`, else 0.
fn expected_code(cmd: &str) -> i32 {
    cmd.split_once("# exits ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn exit_code_annotations_are_read() {
    assert_eq!(
        expected_code("hegui assess x --fail-on high   # exits 1: fails"),
        1
    );
    assert_eq!(expected_code("hegui assess x   # a comment"), 0);
}

#[test]
fn readme_quick_starts_run_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks = quick_starts(&readme);
    let headings: Vec<&str> = blocks.iter().map(|(h, _)| h.as_str()).collect();
    for who in ["company", "regulator", "consultant"] {
        assert!(
            headings.iter().any(|h| h.contains(who)),
            "no quick start for a {who}: {headings:?}"
        );
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_hegui"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for (heading, cmds) in &blocks {
        assert!(
            cmds.iter().any(|c| c.starts_with("hegui ")),
            "{heading}: no hegui command"
        );
        // Each block starts afresh from the repository files its commands name.
        let dir = tempfile::tempdir().unwrap();
        for sub in ["fixtures", "templates"] {
            copy_dir(&root().join(sub), &dir.path().join(sub));
        }
        for cmd in cmds {
            assert!(
                !cmd.contains("cargo "),
                "{heading}: quick starts use an installed `hegui`: {cmd}"
            );
            let out = std::process::Command::new("bash")
                .args(["-c", cmd])
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let want = expected_code(cmd);
            assert_eq!(
                out.status.code(),
                Some(want),
                "README, {heading}: `{cmd}` exited {:?}, expected {want}\nstdout: {}\nstderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
        // The consultant's Word report carries the firm's branding.
        if heading.contains("consultant") {
            let docx = std::fs::read(dir.path().join("客户报告.docx"))
                .expect("the consultant's quick start writes 客户报告.docx");
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
            let mut doc = String::new();
            std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc)
                .unwrap();
            assert!(
                doc.contains("某某合规咨询"),
                "no firm name in 客户报告.docx"
            );
            assert!(doc.contains("保密 — 仅供客户内部使用 Confidential"));
            assert!(
                doc.contains(r#"w:fill="8B0000""#),
                "no accent colour in 客户报告.docx"
            );
        }
    }
    assert!(ran >= 15, "only {ran} commands found in the quick starts");
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let top: Vec<&str> = readme.lines().take(8).collect();
    assert_eq!(top[0], "# hegui (合规)");
    assert!(top[5].starts_with("cargo run --release -- assess fixtures/companies/news-app.yaml"));
    assert!(top[6].starts_with("cargo test "));
}
