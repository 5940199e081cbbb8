#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! A regulator's inbox cannot break a batch (issue 16, items 5 and 7; the red-team report's
//! HANG H1–H3, H5 and WRONG W1–W12 cases): every file accounted for exactly once whatever the
//! directory holds (FIFOs, devices, sockets, link loops, links out, several paths to one file,
//! names that are not UTF-8, the batch's own output, Excel lock files), reruns and concurrent
//! or interrupted runs leave the output directory right, and no submission quietly displaces
//! another. Each class is tested on seeded, generated layouts (a small PRNG below), not one
//! replayed file.

mod common;
use assert_cmd::Command;
use common::Rng;
use serde_json::Value;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

const COMPANIES: [&str; 4] = [
    "fixtures/companies/news-app.yaml",
    "fixtures/companies/idc-cloud.yaml",
    "fixtures/companies/ride-hailing.yaml",
    "fixtures/companies/mobile-reseller.yaml",
];

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// `n` distinct valid submissions (own credit codes) in `dir`, from `hegui synth`.
fn synth(dir: &Path, n: u64) {
    Command::cargo_bin("hegui")
        .unwrap()
        .args([
            "synth",
            "--format",
            "yaml",
            "--count",
            &n.to_string(),
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

/// Runs `hegui batch ARGS --out OUT` (a time limit so a hang fails instead of blocking).
fn batch(args: &[&std::ffi::OsStr], out: &Path, extra: &[&str]) -> (std::process::Output, Value) {
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .arg("batch")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(["--as-of", "2026-12-01"])
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let s = std::fs::read(out.join("summary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (o, s)
}

fn os(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn paths(s: &Value, key: &str) -> Vec<String> {
    s[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.get("path")
                        .and_then(Value::as_str)
                        .or(x.as_str())
                        .unwrap()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The accounting invariant: found = assessed + rejected, one submissions line per input file.
fn accounted(s: &Value) {
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("found"), n("assessed") + n("rejected"), "{s:#}");
    let lines = s["submissions"].as_array().unwrap();
    let mut seen: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
    let count = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count, "a path twice in the submissions table");
}

// ─────────────────────────── H1: FIFOs, sockets, devices ───────────────────────────

/// H1: FIFOs, sockets and (as root) character devices named like facts files, at random
/// depths: listed as rejected without being opened (a FIFO would block `open` forever);
/// those not named like facts files are listed as other files.
#[test]
fn special_files_are_rejected_without_being_opened() {
    for seed in 1..=4u64 {
        let mut rng = Rng(seed);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        synth(&inbox, 3);
        let mut specials = Vec::new();
        let mut plain_specials = 0;
        for k in 0..(2 + rng.below(4)) {
            let depth = rng.below(3);
            let mut dir = inbox.clone();
            for d in 0..depth {
                dir = dir.join(format!("d{d}"));
            }
            std::fs::create_dir_all(&dir).unwrap();
            let ext = *rng.pick(&["yaml", "json", "xlsx", "yml", "txt"]);
            let p = dir.join(format!("special{k}.{ext}"));
            let kind = rng.below(3);
            match kind {
                0 => {
                    assert!(
                        std::process::Command::new("mkfifo")
                            .arg(&p)
                            .status()
                            .unwrap()
                            .success()
                    );
                }
                1 => {
                    let l = std::os::unix::net::UnixListener::bind(&p).unwrap();
                    std::mem::forget(l);
                }
                _ if is_root() => {
                    assert!(
                        std::process::Command::new("mknod")
                            .arg(&p)
                            .args(["c", "1", "3"])
                            .status()
                            .unwrap()
                            .success()
                    );
                }
                _ => {
                    assert!(
                        std::process::Command::new("mkfifo")
                            .arg(&p)
                            .status()
                            .unwrap()
                            .success()
                    );
                }
            }
            if ext == "txt" {
                plain_specials += 1;
            } else {
                specials.push(p.display().to_string());
            }
        }
        let out = t.path().join("out");
        let (o, s) = batch(&[os(&inbox)], &out, &[]);
        assert_eq!(
            o.status.code(),
            Some(if specials.is_empty() { 0 } else { 3 }),
            "seed {seed}: {}",
            stderr(&o)
        );
        accounted(&s);
        assert_eq!(s["assessed"], 3, "seed {seed}");
        let rejected = paths(&s, "rejected_files");
        for p in &specials {
            assert!(rejected.contains(p), "seed {seed}: {p} not in {rejected:?}");
        }
        let text = s["rejected_files"].to_string();
        assert!(
            specials.is_empty() || text.contains("not a regular file"),
            "seed {seed}: {text}"
        );
        assert_eq!(
            paths(&s, "other_files").len(),
            plain_specials,
            "seed {seed}"
        );
    }
}

// ─────────────────────────── H2, H3, W1: links ───────────────────────────

/// H2 and W1: link loops of every shape — to `.`, to `..`, to the inbox by its absolute
/// path, to a sibling, chains of links — finish, and count each real file once; the links
/// that lead back are listed as skipped.
#[test]
fn link_loops_count_every_file_once() {
    for seed in 1..=6u64 {
        let mut rng = Rng(seed * 7919);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        let dirs = ["", "a", "a/b", "c"];
        for d in dirs {
            std::fs::create_dir_all(inbox.join(d)).unwrap();
        }
        // Real files: one without a credit code too (W1: counted 41 times before).
        let mut real = 0;
        for (k, d) in dirs.iter().enumerate() {
            if rng.below(3) > 0 || k == 0 {
                let text = std::fs::read_to_string(COMPANIES[k % 4]).unwrap();
                let text: String = if k == 0 {
                    text.lines()
                        .filter(|l| !l.contains("credit_code"))
                        .map(|l| format!("{l}\n"))
                        .collect()
                } else {
                    text
                };
                std::fs::write(inbox.join(d).join(format!("f{k}.yaml")), text).unwrap();
                real += 1;
            }
        }
        let links = 2 + rng.below(4);
        for k in 0..links {
            let at = inbox.join(rng.pick(&dirs)).join(format!("link{k}"));
            let target: PathBuf = match rng.below(4) {
                0 => ".".into(),
                1 => "..".into(),
                2 => inbox.clone(),
                _ => inbox.join(rng.pick(&dirs)),
            };
            let _ = std::os::unix::fs::symlink(&target, &at);
        }
        let out = t.path().join("out");
        let (o, s) = batch(&[os(&inbox)], &out, &[]);
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(3),
            "seed {seed}: {}",
            stderr(&o)
        );
        accounted(&s);
        assert_eq!(s["assessed"], real, "seed {seed}: {s:#}");
        assert_eq!(s["counted"], real, "seed {seed}: every file counted once");
        assert_eq!(s["superseded"], 0, "seed {seed}");
        let skipped = s["skipped"].to_string();
        assert!(skipped.contains("already listed"), "seed {seed}: {skipped}");
    }
}

/// H3: a link to `/` (or anywhere outside the inbox) is not followed, and is listed as
/// rejected naming `--follow-outside`; with the flag, a link to a directory outside is
/// followed.
#[test]
fn links_out_of_the_inbox_are_not_followed_unless_asked() {
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    let outside = t.path().join("elsewhere");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::copy(COMPANIES[0], inbox.join("a.yaml")).unwrap();
    std::fs::copy(COMPANIES[1], outside.join("b.yaml")).unwrap();
    std::fs::copy(COMPANIES[2], outside.join("c.yaml")).unwrap();
    std::os::unix::fs::symlink("/", inbox.join("root")).unwrap();
    std::os::unix::fs::symlink(&outside, inbox.join("out-dir")).unwrap();
    std::os::unix::fs::symlink(outside.join("c.yaml"), inbox.join("c-link.yaml")).unwrap();
    let out = t.path().join("out");
    let (o, s) = batch(&[os(&inbox)], &out, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    accounted(&s);
    assert_eq!(s["assessed"], 1);
    let rejected = s["rejected_files"].to_string();
    for name in ["root", "out-dir", "c-link.yaml"] {
        assert!(
            rejected.contains(&format!("in/{name}")),
            "{name}: {rejected}"
        );
    }
    assert!(rejected.contains("--follow-outside"), "{rejected}");

    // With the flag: the directory outside is walked (but not `/`: removed first).
    std::fs::remove_file(inbox.join("root")).unwrap();
    let out2 = t.path().join("out2");
    let (o, s) = batch(&[os(&inbox)], &out2, &["--follow-outside"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    accounted(&s);
    // a.yaml, b.yaml through the link, and c.yaml once (two links to it: one skipped).
    assert_eq!(s["assessed"], 3, "{s:#}");
    assert!(
        s["skipped"].to_string().contains("the same file as"),
        "{s:#}"
    );
}

// ─────────────────────────── W2: names that are not UTF-8 ───────────────────────────

/// W2: names that are not UTF-8 (GBK names from a Windows zip, random bytes) are opened by
/// their bytes, stay distinct (two names differing only in invalid bytes were merged) and are
/// shown with the invalid bytes as `\xNN`.
#[test]
fn names_that_are_not_utf8_stay_distinct_and_readable() {
    for seed in 1..=3u64 {
        let mut rng = Rng(seed * 104_729);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        let mut names: Vec<Vec<u8>> = vec![
            b"\xb9\xab\xcb\xbe".to_vec(),
            b"\xff\xfe".to_vec(),
            b"\xfe\xff".to_vec(),
        ];
        for _ in 0..3 {
            let len = 1 + rng.below(6) as usize;
            let mut n: Vec<u8> = (0..len).map(|_| 0x80 + rng.below(0x80) as u8).collect();
            n.push(b'x');
            names.push(n);
        }
        names.sort();
        names.dedup();
        for (k, n) in names.iter().enumerate() {
            let mut file = n.clone();
            file.extend_from_slice(b".yaml");
            let p = inbox.join(std::ffi::OsStr::from_bytes(&file));
            std::fs::copy(COMPANIES[k % 4], p).unwrap();
        }
        let out = t.path().join("out");
        let (o, s) = batch(&[os(&inbox)], &out, &[]);
        assert_eq!(o.status.code(), Some(0), "seed {seed}: {}", stderr(&o));
        accounted(&s);
        assert_eq!(s["found"], names.len() as u64, "seed {seed}");
        assert_eq!(s["assessed"], names.len() as u64, "seed {seed}");
        let shown = paths(&s, "submissions");
        assert!(
            shown.iter().any(|p| p.ends_with("in/\\xff\\xfe.yaml")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|p| p.ends_with("in/\\xfe\\xff.yaml")),
            "{shown:?}"
        );
        assert!(shown.iter().all(|p| !p.contains('\u{fffd}')), "{shown:?}");
    }
}

// ─────────────────────────── W3: one file, several paths ───────────────────────────

/// W3: one file named under several spellings, reached through a directory too, and hard
/// links to it: assessed once, the other paths listed as skipped naming the one kept.
#[test]
fn one_file_by_several_paths_or_hard_links_is_assessed_once() {
    for seed in 1..=4u64 {
        let mut rng = Rng(seed * 31);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        let text: String = std::fs::read_to_string(COMPANIES[0])
            .unwrap()
            .lines()
            .filter(|l| !l.contains("credit_code"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(inbox.join("a.yaml"), text).unwrap();
        let links = 1 + rng.below(3);
        for k in 0..links {
            std::fs::hard_link(
                inbox.join("a.yaml"),
                inbox.join(format!("hard{k}.json.yaml")),
            )
            .unwrap();
        }
        let a = inbox.join("a.yaml");
        let spellings = [
            a.display().to_string(),
            format!("{}/./a.yaml", inbox.display()),
            format!("{}//a.yaml", inbox.display()),
            format!("{}/../in/a.yaml", inbox.display()),
            inbox.display().to_string(),
        ];
        let mut args: Vec<&std::ffi::OsStr> = Vec::new();
        for _ in 0..(2 + rng.below(4)) {
            args.push(std::ffi::OsStr::new(rng.pick(&spellings)));
        }
        args.push(std::ffi::OsStr::new(&spellings[4]));
        let out = t.path().join("out");
        let (o, s) = batch(&args, &out, &[]);
        assert_eq!(o.status.code(), Some(0), "seed {seed}: {}", stderr(&o));
        accounted(&s);
        assert_eq!(s["found"], 1, "seed {seed}: {s:#}");
        assert_eq!(s["counted"], 1, "seed {seed}");
        assert!(
            s["skipped"].to_string().contains("the same file as"),
            "seed {seed}"
        );
    }
}

// ─────────────────────────── W4, W11: own outputs, lock files ───────────────────────────

/// W4: `--out` inside the inbox (or the inbox itself): the second run reads none of the first
/// run's outputs; W11: an Excel lock file `~$….xlsx` is skipped with a note, not rejected.
#[test]
fn own_outputs_and_excel_lock_files_are_never_read_as_submissions() {
    for inside in [true, false] {
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        std::fs::copy(COMPANIES[0], inbox.join("a.yaml")).unwrap();
        std::fs::copy(COMPANIES[1], inbox.join("b.yaml")).unwrap();
        std::fs::write(inbox.join("~$公司.xlsx"), b"\x06owner name\0\0").unwrap();
        let out = if inside {
            inbox.join("out")
        } else {
            inbox.clone()
        };
        for run in 0..2 {
            let (o, s) = batch(&[os(&inbox)], &out, &["--reports", "json"]);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{} run {run}: {}",
                out.display(),
                stderr(&o)
            );
            accounted(&s);
            assert_eq!(s["found"], 2, "{} run {run}: {s:#}", out.display());
            let skipped = s["skipped"].to_string();
            assert!(skipped.contains("Excel lock file"), "{skipped}");
            if run == 1 {
                assert!(skipped.contains("an output of this batch"), "{skipped}");
            }
            assert!(
                stderr(&o).contains("~$公司.xlsx"),
                "a note names it: {}",
                stderr(&o)
            );
        }
    }
}

// ─────────────────────────── W5: stale reports ───────────────────────────

/// W5: a rerun removes the reports the previous run wrote (listed in its manifest) that it
/// does not write again, and never touches a file hegui did not write.
#[test]
fn a_rerun_removes_only_its_own_stale_reports() {
    for seed in 1..=3u64 {
        let mut rng = Rng(seed * 17);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        synth(&inbox, 4 + rng.below(4));
        let out = t.path().join("out");
        let (o, _) = batch(&[os(&inbox)], &out, &["--reports", "html"]);
        assert!(o.status.success(), "{}", stderr(&o));
        // Files hegui did not write: kept whatever their names.
        std::fs::write(out.join("reports/notes.txt"), "mine").unwrap();
        std::fs::write(out.join("reports/000099-mine.html"), "mine").unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&inbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let keep = 1 + rng.below(files.len() as u64 - 1) as usize;
        for f in files.iter().skip(keep) {
            std::fs::remove_file(f).unwrap();
        }
        let (o, s) = batch(&[os(&inbox)], &out, &["--reports", "html"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut reports: Vec<String> = std::fs::read_dir(out.join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        reports.sort();
        let mut expected: Vec<String> = s["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                l["report"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("reports/")
                    .to_string()
            })
            .collect();
        expected.push("000099-mine.html".into());
        expected.push("notes.txt".into());
        expected.sort();
        assert_eq!(reports, expected, "seed {seed}");
        // Without --reports, the previous run's reports go too; the others stay.
        let (o, _) = batch(&[os(&inbox)], &out, &[]);
        assert!(o.status.success());
        let left: Vec<String> = std::fs::read_dir(out.join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(!out.join(".hegui-manifest.json").exists());
    }
}

// ─────────────────────────── W6, W7: concurrent and interrupted runs ───────────────────────────

/// W6: while a batch holds `--out`, a second batch into it is refused at once, before it
/// reads or writes anything, with a message saying why.
#[test]
fn a_second_batch_into_a_busy_output_directory_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    synth(&inbox, 2);
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // What a running batch holds: the lock on out/.hegui.lock.
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".hegui.lock"))
        .unwrap();
    held.lock().unwrap();
    let (o, s) = batch(&[os(&inbox)], &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("another hegui batch is writing to this directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s, Value::Null, "nothing written");
    drop(held);
    let (o, _) = batch(&[os(&inbox)], &out, &[]);
    assert!(o.status.success(), "free again: {}", stderr(&o));
}

fn leftovers(out: &Path, tmp: &Path) -> Vec<String> {
    let mut left = Vec::new();
    for dir in [out.to_path_buf(), out.join("reports"), tmp.to_path_buf()] {
        if let Ok(d) = std::fs::read_dir(&dir) {
            for e in d {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                if n.ends_with(".tmp")
                    || n.starts_with("hegui-run-")
                    || n.starts_with("hegui-batch-")
                    || n == ".hegui-tmp"
                {
                    left.push(format!("{}/{n}", dir.display()));
                }
            }
        }
    }
    left
}

/// W7: a batch stopped by SIGINT or SIGTERM removes its temporary files (spill files in
/// TMPDIR, report temporaries in --out) before it exits; what a SIGKILLed run leaves is
/// swept by the next run.
#[test]
fn an_interrupted_batch_leaves_no_temporary_files() {
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    synth(&inbox, 1500);
    let tmp = t.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = t.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("hegui");
    for signal in ["INT", "TERM", "KILL"] {
        let mut child = std::process::Command::new(&bin)
            .env("TMPDIR", &tmp)
            .env("HEGUI_SPILL_BYTES", "4096")
            .args(["--quiet", "batch"])
            .arg(&inbox)
            .arg("--out")
            .arg(&out)
            .args(["--reports", "html"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the run is under way (its temporary directory exists), then stop it.
        let started = std::time::Instant::now();
        while !out.join(".hegui-tmp").exists() && started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        if status.success() {
            eprintln!("note: the batch finished before SIG{signal}; nothing to check this time");
            continue;
        }
        if signal == "KILL" {
            // Left behind; the next run sweeps it (and says so).
            let o = Command::cargo_bin("hegui")
                .unwrap()
                .env("TMPDIR", &tmp)
                .args(["batch", "--out"])
                .arg(&out)
                .arg(inbox.join("submission-0000000.yaml"))
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
        } else {
            assert_eq!(status.code(), Some(130), "SIG{signal}: {status:?}");
        }
        assert_eq!(
            leftovers(&out, &tmp),
            Vec::<String>::new(),
            "after SIG{signal}"
        );
    }
}

// ─────────────────────────── W8: long names ───────────────────────────

/// W8: valid long names (multi-byte characters, up to the 255-byte limit) are assessed and
/// get a report whose name fits (cut on a character boundary), not "File name too long".
#[test]
fn long_names_get_reports_that_fit() {
    let mut rng = Rng(2026);
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    let chars = ["某", "a", "é", "😀", "ü"];
    let mut n = 0;
    for k in 0..6 {
        let c = chars[k % chars.len()];
        let mut name = format!("{k}");
        while name.len() + c.len() + 5 <= 255 - rng.below(8) as usize {
            name.push_str(c);
        }
        name.push_str(".yaml");
        assert!(name.len() <= 255);
        std::fs::copy(COMPANIES[k % 4], inbox.join(&name)).unwrap();
        n += 1;
    }
    let out = t.path().join("out");
    let (o, s) = batch(&[os(&inbox)], &out, &["--reports", "html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s["assessed"], n);
    for l in s["submissions"].as_array().unwrap() {
        let r = l["report"].as_str().unwrap();
        assert!(out.join(r).is_file(), "{r}");
        assert!(Path::new(r).file_name().unwrap().len() <= 255);
    }
}

// ─────────────────────────── W9, W10: long text in summary.xlsx ───────────────────────────

/// W9, W10: text longer than Excel's 32,767-character cell limit in any column (industry,
/// organisation name, path, errors) is cut with a marker in summary.xlsx, kept whole in
/// summary.json; the batch succeeds, and a rerun replaces every summary (no new summary.json
/// beside an old summary.xlsx).
#[test]
fn long_text_is_cut_in_summary_xlsx_and_summaries_are_replaced_together() {
    use calamine::Reader;
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(COMPANIES[0], inbox.join("a.yaml")).unwrap();
    let out = t.path().join("out");
    let (o, _) = batch(&[os(&inbox)], &out, &[]);
    assert!(o.status.success());
    let long = "长".repeat(40_000);
    let text = std::fs::read_to_string(COMPANIES[1]).unwrap();
    let industry = text
        .lines()
        .find(|l| l.starts_with("  industry: "))
        .unwrap()
        .to_string();
    let text = text.replacen(&industry, &format!("  industry: {long}"), 1);
    std::fs::write(inbox.join("b.yaml"), &text).unwrap();
    let text = std::fs::read_to_string(COMPANIES[2]).unwrap();
    let name_line = text
        .lines()
        .find(|l| l.starts_with("  name: "))
        .unwrap()
        .to_string();
    std::fs::write(
        inbox.join("c.yaml"),
        text.replacen(&name_line, &format!("  name: {}", "名".repeat(40_000)), 1),
    )
    .unwrap();
    let (o, s) = batch(&[os(&inbox)], &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s["assessed"], 3);
    assert!(s.to_string().contains(&long), "full text in summary.json");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("summary.xlsx")).unwrap();
    let mut cut = 0;
    let names = wb.sheet_names();
    for name in names {
        let range = wb.worksheet_range(&name).unwrap();
        if name.contains("submissions") {
            assert_eq!(range.height(), 4, "rows of this run");
        }
        for c in range.used_cells() {
            if let calamine::Data::String(v) = c.2 {
                assert!(v.encode_utf16().count() <= 32_767, "{name}");
                if v.contains("cut: full text in summary.json") {
                    cut += 1;
                }
            }
        }
    }
    assert!(
        cut >= 3,
        "industry (submissions and industries sheets) and name cut: {cut}"
    );
}

/// W9: when one summary cannot be replaced, none is: the run's summaries stay together.
#[test]
fn no_summary_is_replaced_unless_all_can_be() {
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(COMPANIES[0], inbox.join("a.yaml")).unwrap();
    let out = t.path().join("out");
    let (o, _) = batch(&[os(&inbox)], &out, &[]);
    assert!(o.status.success());
    let before: Vec<Vec<u8>> = ["summary.json", "summary.csv"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    // overview.html is renamed last: a directory in its place.
    std::fs::remove_file(out.join("overview.html")).unwrap();
    std::fs::create_dir(out.join("overview.html")).unwrap();
    std::fs::copy(COMPANIES[1], inbox.join("b.yaml")).unwrap();
    let (o, s) = batch(&[os(&inbox)], &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no summary was replaced"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s["found"], 1, "the old summary.json stays");
    let after: Vec<Vec<u8>> = ["summary.json", "summary.csv"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    assert_eq!(before, after);
    assert!(!out.join(".hegui-tmp").exists(), "no temporary left");
}

// ─────────────────────────── W12: displacement ───────────────────────────

/// W12: a submission dated after the reference date (`--as-of`) never supersedes one dated
/// on or before it and is flagged; one credit code under two organisation names is flagged;
/// every supersession says why. Seeded dates on both sides of the reference date.
#[test]
fn later_dated_impostors_do_not_displace_and_are_flagged() {
    for seed in 1..=5u64 {
        let mut rng = Rng(seed * 65_537);
        let t = tempfile::tempdir().unwrap();
        let inbox = t.path().join("in");
        std::fs::create_dir(&inbox).unwrap();
        let genuine = std::fs::read_to_string(COMPANIES[0]).unwrap();
        std::fs::write(inbox.join("genuine.yaml"), &genuine).unwrap();
        let year = 2027 + rng.below(7000);
        let date = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
        let name_line = genuine.lines().find(|l| l.starts_with("  name: ")).unwrap();
        let impostor = genuine
            .replacen(name_line, "  name: 冒名顶替有限公司", 1)
            .replacen(
                "assessment_date: 2026-05-20",
                &format!("assessment_date: {date}"),
                1,
            );
        std::fs::write(inbox.join("zz-impostor.yaml"), impostor).unwrap();
        let out = t.path().join("out");
        let (o, s) = batch(&[os(&inbox)], &out, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(s["as_of"], "2026-12-01");
        let d = &s["duplicates"][0];
        assert!(
            d["counted"].as_str().unwrap().ends_with("genuine.yaml"),
            "seed {seed}: {s:#}"
        );
        assert!(
            d["superseded"][0]
                .as_str()
                .unwrap()
                .ends_with("zz-impostor.yaml")
        );
        assert!(
            d["reason"]
                .as_str()
                .unwrap()
                .contains("submissions dated after it do not supersede it"),
            "{d}"
        );
        let flags = s["flags"].to_string();
        assert!(
            flags.contains("future_assessment_date") && flags.contains(&date),
            "{flags}"
        );
        assert!(
            flags.contains("credit_code_name_conflict") && flags.contains("冒名顶替有限公司"),
            "{flags}"
        );
        assert!(
            stderr(&o).contains("冒名顶替有限公司"),
            "a note on stderr too"
        );
        let html = std::fs::read_to_string(out.join("overview.html")).unwrap();
        assert!(
            html.contains("冒名顶替有限公司") && html.contains("do not supersede"),
            "the overview says so"
        );
        // With a reference date after the impostor's, the later date wins as before.
        let out2 = t.path().join("out2");
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .arg("batch")
            .arg(&inbox)
            .arg("--out")
            .arg(&out2)
            .args(["--as-of", "9999-12-31"])
            .output()
            .unwrap();
        assert!(o.status.success());
        let s: Value =
            serde_json::from_slice(&std::fs::read(out2.join("summary.json")).unwrap()).unwrap();
        assert!(
            s["duplicates"][0]["counted"]
                .as_str()
                .unwrap()
                .ends_with("zz-impostor.yaml")
        );
        assert!(!s["flags"].to_string().contains("future_assessment_date"));
    }
}

// ─────────────────────────── H5, W13 and messages ───────────────────────────

/// H5: `RAYON_NUM_THREADS=100000` is clamped (4 per core, at most 256) with a note, and the
/// batch finishes.
#[test]
fn a_huge_thread_count_is_clamped() {
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    synth(&inbox, 3);
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .env("RAYON_NUM_THREADS", "100000")
        .arg("batch")
        .arg(&inbox)
        .arg("--out")
        .arg(t.path().join("out"))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("RAYON_NUM_THREADS=100000"),
        "{}",
        stderr(&o)
    );
}

/// W13: sizes that would wrap are refused when parsed; the largest accepted size does not
/// wrap the workbook limit (4 times the facts limit).
#[test]
fn sizes_that_would_wrap_are_refused() {
    for size in [
        "4294967296G",
        "4611686018427387904",
        "18446744073709551615",
        "1025G",
    ] {
        let o = Command::cargo_bin("hegui")
            .unwrap()
            .args(["--max-input-size", size, "validate"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{size}");
        assert!(
            stderr(&o).contains("too large: at most 1T"),
            "{size}: {}",
            stderr(&o)
        );
    }
    let t = tempfile::tempdir().unwrap();
    let inbox = t.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    Command::cargo_bin("hegui")
        .unwrap()
        .args(["questionnaire", "--format", "xlsx", "-o"])
        .arg(inbox.join("q.xlsx"))
        .assert()
        .success();
    let o = Command::cargo_bin("hegui")
        .unwrap()
        .args(["--max-input-size", "1T", "batch"])
        .arg(&inbox)
        .arg("--out")
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("file too large"), "{}", stderr(&o));
}

/// BAD-ERROR rows: `batch -`, `--out -`, `--out` an existing file, `--out ""`.
#[test]
fn batch_argument_mistakes_get_clear_messages() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        Command::cargo_bin("hegui")
            .unwrap()
            .arg("batch")
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "-".as_ref(),
        "--out".as_ref(),
        t.path().join("o1").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("batch does not read standard input"),
        "{}",
        stderr(&o)
    );
    let o = run(&[COMPANIES[0].as_ref(), "--out".as_ref(), "-".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a batch writes a directory"),
        "{}",
        stderr(&o)
    );
    assert!(!Path::new("-").exists(), "no directory named `-`");
    let o = run(&[COMPANIES[0].as_ref(), "--out".as_ref(), file.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    // clap itself refuses an empty value, naming the option.
    let o = run(&[COMPANIES[0].as_ref(), "--out".as_ref(), "".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}
