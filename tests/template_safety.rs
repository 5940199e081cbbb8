#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Custom templates (`--templates DIR`, issue #7): they read nothing outside DIR (`..`,
//! absolute names, links out, linked directories), and a runaway template stops with an error
//! (minijinja fuel, recursion limit) and exit code 2.
//!
//! As docs/TEMPLATES.md says, such a file is ignored: an include of it fails (no embedded
//! template has that name), and a report template linked out of DIR is replaced by the embedded
//! one.

use hegui_report::render::env::safe_read;
use std::path::Path;
use std::process::{Command, Output};

const SECRET: &str = "SECRET-7f3a9c";
const FACTS: &str = "tests/data/facts/demo-company.yaml";

fn assess(templates: &Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hegui"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "assess",
            FACTS,
            "--rules",
            "tests/data/demo",
            "--format",
            format,
        ])
        .arg("--templates")
        .arg(templates)
        .output()
        .unwrap()
}

/// A scratch directory holding `secret.txt` and an empty templates directory `t/`.
fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
    let t = dir.path().join("t");
    std::fs::create_dir(&t).unwrap();
    (dir, t)
}

fn refused(out: &Output, what: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stdout.contains(SECRET), "{what}: the secret was rendered");
    assert!(!stderr.contains(SECRET), "{what}: the secret was printed");
    assert!(stderr.contains("template"), "{what}: {stderr}");
}

#[test]
fn a_custom_template_works_at_all() {
    // The control for the tests below: an include inside DIR is read.
    let (_d, t) = scratch();
    std::fs::write(t.join("part.txt"), "inside-the-dir").unwrap();
    std::fs::write(t.join("report.md.j2"), "{% include \"part.txt\" %}").unwrap();
    let out = assess(&t, "markdown");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "inside-the-dir");
}

#[test]
fn include_of_a_parent_path_fails() {
    let (_d, t) = scratch();
    for name in ["../secret.txt", "sub/../../secret.txt", "./../secret.txt"] {
        std::fs::write(
            t.join("report.md.j2"),
            format!("{{% include \"{name}\" %}}"),
        )
        .unwrap();
        refused(&assess(&t, "markdown"), name);
    }
}

#[test]
fn include_of_an_absolute_path_fails() {
    let (d, t) = scratch();
    let abs = d.path().join("secret.txt");
    std::fs::write(
        t.join("report.html.j2"),
        format!("{{% include \"{}\" %}}", abs.display()),
    )
    .unwrap();
    refused(&assess(&t, "html"), "absolute include");
}

#[cfg(unix)]
#[test]
fn links_out_of_the_directory_fail() {
    use std::os::unix::fs::symlink;
    let (d, t) = scratch();
    // A link to a file outside, included.
    symlink(d.path().join("secret.txt"), t.join("link.txt")).unwrap();
    std::fs::write(t.join("report.md.j2"), "{% include \"link.txt\" %}").unwrap();
    refused(&assess(&t, "markdown"), "included link");
    // The report template itself a link out: ignored, the embedded one is used.
    std::fs::remove_file(t.join("report.md.j2")).unwrap();
    symlink(d.path().join("secret.txt"), t.join("report.md.j2")).unwrap();
    let out = assess(&t, "markdown");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(SECRET) && text.starts_with("# 合规差距报告"),
        "{text}"
    );
    // A linked directory.
    std::fs::remove_file(t.join("report.md.j2")).unwrap();
    symlink(d.path(), t.join("up")).unwrap();
    std::fs::write(t.join("report.md.j2"), "{% include \"up/secret.txt\" %}").unwrap();
    refused(&assess(&t, "markdown"), "linked directory");
    // A broken link.
    std::fs::write(t.join("report.md.j2"), "{% include \"dangling.txt\" %}").unwrap();
    symlink(d.path().join("nowhere"), t.join("dangling.txt")).unwrap();
    refused(&assess(&t, "markdown"), "dangling link");
    // A link that stays inside is fine.
    std::fs::write(t.join("real.txt"), "still-inside").unwrap();
    symlink(t.join("real.txt"), t.join("alias.txt")).unwrap();
    std::fs::write(t.join("report.md.j2"), "{% include \"alias.txt\" %}").unwrap();
    let out = assess(&t, "markdown");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "still-inside");
}

#[test]
fn safe_read_directly() {
    let (d, t) = scratch();
    std::fs::write(t.join("a.j2"), "A").unwrap();
    std::fs::create_dir(t.join("sub")).unwrap();
    std::fs::write(t.join("sub/b.j2"), "B").unwrap();
    assert_eq!(safe_read(&t, "a.j2").unwrap().as_deref(), Some("A"));
    assert_eq!(safe_read(&t, "sub/b.j2").unwrap().as_deref(), Some("B"));
    // Not there: the embedded template is used.
    assert_eq!(safe_read(&t, "report.html.j2").unwrap(), None);
    let abs = d.path().join("secret.txt");
    // Refused names read nothing (`None`: the embedded template of that name, if any, is used).
    for bad in [
        "../secret.txt",
        "sub/../../secret.txt",
        "sub/../a.j2",
        abs.to_str().unwrap(),
        "/etc/passwd",
        ".hidden",
        "sub//b.j2",
        "..\\secret.txt",
        "",
    ] {
        assert_eq!(
            safe_read(&t, bad).unwrap(),
            None,
            "{bad:?} should be refused"
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&abs, t.join("out.j2")).unwrap();
        assert_eq!(safe_read(&t, "out.j2").unwrap(), None);
        std::os::unix::fs::symlink(d.path(), t.join("up")).unwrap();
        assert_eq!(safe_read(&t, "up/secret.txt").unwrap(), None);
        std::os::unix::fs::symlink(t.join("a.j2"), t.join("in.j2")).unwrap();
        assert_eq!(safe_read(&t, "in.j2").unwrap().as_deref(), Some("A"));
    }
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let (_d, t) = scratch();
    std::fs::write(
        t.join("report.md.j2"),
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    )
    .unwrap();
    let out = assess(&t, "markdown");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fuel"), "{stderr}");
    assert!(out.stdout.is_empty(), "no half report on stdout");
}

#[test]
fn runaway_recursion_and_huge_strings_stop_with_an_error() {
    let (_d, t) = scratch();
    for body in [
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{{ \"x\" * 1000000000 }}",
        "{{ \"x\" * 100000000000 }}",
        "{% for x in range(9999999999) %}x{% endfor %}",
    ] {
        std::fs::write(t.join("report.html.j2"), body).unwrap();
        let out = assess(&t, "html");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{body}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
