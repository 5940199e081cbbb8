//! `hegui campaign` (issue #21, docs/CAMPAIGN.md): identity by submission key, unmatched files
//! and `assign`, receipt once, supersession by receipt, the key kept secret, crash safety under
//! SIGKILL, the write lock, compare keeping pack changes apart, and the doc's SQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hegui(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hegui"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(cwd: &Path, args: &[&str]) -> String {
    let out = hegui(cwd, args);
    assert!(
        out.status.success(),
        "hegui {args:?}: {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const NEWS: &str = "91230103MA1CK4T714";
const RIDE: &str = "91230109MA1GD2Q80T";
const CLOUD: &str = "91230803MA1CW9E40P";

/// A campaign of the fixture roster in `dir/c`, invited (YAML only).
fn campaign(dir: &Path) -> PathBuf {
    let roster = root().join("fixtures/campaign/名单.csv");
    ok(
        dir,
        &[
            "campaign",
            "init",
            "c",
            "--roster",
            roster.to_str().unwrap(),
            "--due",
            "2099-12-31",
        ],
    );
    ok(dir, &["campaign", "invite", "c", "--format", "yaml"]);
    dir.join("c")
}

/// The `submission:` lines of an organisation's invitation in `round`.
fn key_lines(c: &Path, round: u32, org: &str) -> String {
    let inv =
        std::fs::read_to_string(c.join(format!("invitations/round-{round}/{org}.yaml"))).unwrap();
    let i = inv.find("submission:\n").unwrap();
    inv[i..].lines().take(2).collect::<Vec<_>>().join("\n") + "\n"
}

fn key_of(c: &Path, round: u32, org: &str) -> String {
    key_lines(c, round, org)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .trim_start_matches("key:")
        .trim()
        .to_string()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/companies").join(name)).unwrap()
}

fn db(c: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(c.join("campaign.sqlite")).unwrap()
}

fn scalar(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_wrong_key_never_files_a_submission_under_the_organisation_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    // The cloud company's key on a file that names the news app; and a made-up key.
    write(
        &dir.path().join("in/a.yaml"),
        &(key_lines(&c, 1, CLOUD) + &fixture("news-app.yaml")),
    );
    write(
        &dir.path().join("in/b.yaml"),
        &("submission: {key: HGK-00000-00000-00000-00000-00000-0}\n".to_string()
            + &fixture("news-app.yaml")),
    );
    let out = ok(dir.path(), &["campaign", "collect", "c", "in"]);
    assert!(
        out.contains("accepted 0") && out.contains("unmatched 2"),
        "{out}"
    );
    let conn = db(&c);
    assert_eq!(
        scalar(
            &conn,
            "SELECT COUNT(*) FROM submissions WHERE org_id IS NULL AND key_check = 'mismatch'"
        ),
        2
    );
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM current_submissions"), 0);
    let status = ok(dir.path(), &["campaign", "status", "c"]);
    assert!(
        status.contains("answered 0") && status.contains("unmatched 2"),
        "{status}"
    );
}

#[test]
fn an_unkeyed_file_is_kept_unmatched_and_can_be_assigned_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    write(
        &dir.path().join("in/ride.yaml"),
        &fixture("ride-hailing.yaml"),
    );
    ok(dir.path(), &["campaign", "collect", "c", "in"]);
    let status = ok(dir.path(), &["campaign", "status", "c"]);
    assert!(status.contains("#1") && status.contains("none"), "{status}");
    let csv = std::fs::read_to_string(c.join("status/round-1/reminders.csv")).unwrap();
    assert!(
        csv.contains(RIDE),
        "the ride-hailing firm still has to answer: {csv}"
    );
    // No reason: refused.
    assert_eq!(
        hegui(
            dir.path(),
            &["campaign", "assign", "c", "1", RIDE, "--reason", " "]
        )
        .status
        .code(),
        Some(2)
    );
    ok(
        dir.path(),
        &[
            "campaign",
            "assign",
            "c",
            "1",
            RIDE,
            "--reason",
            "电话核实",
            "--by",
            "审核员甲",
        ],
    );
    let conn = db(&c);
    assert_eq!(
        scalar(
            &conn,
            &format!(
                "SELECT COUNT(*) FROM current_submissions s JOIN organisations o ON o.id = s.org_id WHERE o.org_key = '{RIDE}'"
            )
        ),
        1
    );
    let (actor, action, reason): (String, String, String) = conn
        .query_row(
            "SELECT actor, action, reason FROM audit WHERE action = 'assign'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), reason.as_str()),
        ("审核员甲", "assign", "电话核实")
    );
    // A second assign of the same submission is refused.
    assert_eq!(
        hegui(
            dir.path(),
            &["campaign", "assign", "c", "1", NEWS, "--reason", "x"]
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn recollecting_adds_nothing_and_a_broken_file_is_kept_with_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    write(
        &dir.path().join("in/news.yaml"),
        &(key_lines(&c, 1, NEWS) + &fixture("news-app.yaml")),
    );
    write(
        &dir.path().join("in/broken.yaml"),
        &(key_lines(&c, 1, CLOUD) + "organisation: {name: 云}\nassessment_date: not-a-date\n"),
    );
    let first = ok(dir.path(), &["campaign", "collect", "c", "in"]);
    assert!(
        first.contains("accepted 1") && first.contains("rejected 1"),
        "{first}"
    );
    // The same bytes under another name, and the same inbox again.
    std::fs::copy(
        dir.path().join("in/news.yaml"),
        dir.path().join("in/copy.yaml"),
    )
    .unwrap();
    let again = ok(dir.path(), &["campaign", "collect", "c", "in"]);
    assert!(
        again.contains("already received 3") && again.contains("accepted 0"),
        "{again}"
    );
    let conn = db(&c);
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM submissions"), 2);
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM files"), 2);
    let errors: String = conn
        .query_row(
            "SELECT errors FROM submissions WHERE state = 'rejected'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(errors.contains("broken.yaml"), "{errors}");
    let status = ok(dir.path(), &["campaign", "status", "c"]);
    assert!(
        status.contains("rejected 1"),
        "the cloud firm's broken answer counts as its rejected answer: {status}"
    );
}

#[test]
fn a_later_dated_impostor_does_not_supersede_and_receipt_order_decides() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    let real = key_lines(&c, 1, NEWS) + &fixture("news-app.yaml");
    write(&dir.path().join("in1/news.yaml"), &real);
    ok(dir.path(), &["campaign", "collect", "c", "in1"]);
    // Someone else sends a file naming the news app, dated years later, without the key.
    let impostor = fixture("platform-compliant.yaml")
        .replace("91230602MA1AY5P30E", NEWS)
        .replace("assessment_date: 2026", "assessment_date: 2029");
    assert!(impostor.contains("assessment_date: 2029"));
    write(&dir.path().join("in2/impostor.yaml"), &impostor);
    ok(dir.path(), &["campaign", "collect", "c", "in2"]);
    let conn = db(&c);
    let current = |conn: &rusqlite::Connection| -> (i64, String) {
        conn.query_row(
            &format!("SELECT s.id, s.assessment_date FROM current_submissions s JOIN organisations o ON o.id = s.org_id WHERE o.org_key = '{NEWS}'"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(
        current(&conn).0,
        1,
        "the impostor superseded the real answer"
    );
    // The organisation's own later submission supersedes, though dated earlier.
    let earlier = (key_lines(&c, 1, NEWS) + &fixture("news-app.yaml"))
        .replace("assessment_date: 2026-05-20", "assessment_date: 2026-01-01");
    assert!(earlier.contains("2026-01-01"));
    write(&dir.path().join("in3/news-again.yaml"), &earlier);
    ok(dir.path(), &["campaign", "collect", "c", "in3"]);
    assert_eq!(current(&conn), (3, "2026-01-01".to_string()));
    // Pinning the first brings it back.
    ok(
        dir.path(),
        &["campaign", "pin", "c", "1", "--reason", "单位来函"],
    );
    assert_eq!(current(&conn).0, 1);
    let status = ok(dir.path(), &["campaign", "status", "c"]);
    assert!(status.contains("superseded 1"), "{status}");
}

#[test]
fn the_submission_key_never_leaves_the_invitation() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    let key = key_of(&c, 1, NEWS);
    let bare: String = key.chars().filter(|c| *c != '-').collect();
    assert!(key.starts_with("HGK-") && bare.len() == 29, "{key}");
    let keyed = key_lines(&c, 1, NEWS) + &fixture("news-app.yaml");
    write(&dir.path().join("in/news.yaml"), &keyed);
    write(&dir.path().join("plain.yaml"), &fixture("news-app.yaml"));
    // Results: no key, and the answers digest is the same with and without it.
    let with = ok(dir.path(), &["assess", "in/news.yaml", "--format", "json"]);
    let without = ok(dir.path(), &["assess", "plain.yaml", "--format", "json"]);
    assert!(!with.contains(&key) && !with.contains(&bare[3..]));
    let digest =
        |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap()["answers_digest"].clone();
    assert_eq!(digest(&with), digest(&without));
    for fmt in ["html", "markdown"] {
        let r = ok(dir.path(), &["assess", "in/news.yaml", "--format", fmt]);
        assert!(!r.contains(&key) && !r.contains(&bare[3..]), "{fmt}");
    }
    // A malformed key: a warning that does not echo it.
    write(
        &dir.path().join("bad.yaml"),
        &("submission: {key: HGK-SECRET-BUT-WRONG}\n".to_string() + &fixture("news-app.yaml")),
    );
    let out = hegui(dir.path(), &["validate", "bad.yaml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.contains("malformed") && !err.contains("SECRET"),
        "{err}"
    );
    // The campaign: collect, status, report, notices; nothing written holds the key, nor
    // the database (only its salted hash).
    ok(dir.path(), &["campaign", "collect", "c", "in"]);
    ok(dir.path(), &["campaign", "status", "c"]);
    ok(dir.path(), &["campaign", "report", "c"]);
    ok(dir.path(), &["campaign", "notices", "c"]);
    let mut files = Vec::new();
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(&c, &mut files);
    for f in files
        .iter()
        .filter(|f| !f.starts_with(c.join("invitations")))
    {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // The received file itself is kept as received (with its key) in `files.bytes`:
        // check the database without that table's payload below.
        if f.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("campaign.sqlite")
        {
            continue;
        }
        assert!(!text.contains(&bare[3..]), "{} holds the key", f.display());
    }
    let conn = db(&c);
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'files'")
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in tables {
        let dump: String = conn
            .query_row(&format!("SELECT COALESCE(group_concat(quote(t.rowid) || quote(json_array(t.*)), ''), '') FROM (SELECT * FROM \"{t}\") t"), [], |r| r.get(0))
            .unwrap_or_default();
        assert!(!dump.contains(&bare[3..]), "table {t} holds the key");
    }
}

#[test]
fn the_database_is_private_and_a_second_writer_refuses() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&c), 0o700);
    assert_eq!(mode(&c.join("campaign.sqlite")), 0o600);
    assert_eq!(
        mode(&c.join(format!("invitations/round-1/{NEWS}.yaml"))),
        0o600
    );
    let held = hegui_campaign::Campaign::open(&c, true).unwrap();
    write(
        &dir.path().join("in/ride.yaml"),
        &fixture("ride-hailing.yaml"),
    );
    let out = hegui(dir.path(), &["campaign", "collect", "c", "in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another hegui campaign command"));
    drop(held);
    ok(dir.path(), &["campaign", "collect", "c", "in"]);
}

#[test]
fn a_bad_roster_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("r.csv"),
        "统一社会信用代码,单位名称\n91230103MA1CK4T714,甲\n91230103MA1CK4T714,乙\n",
    );
    let out = hegui(dir.path(), &["campaign", "init", "c", "--roster", "r.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
    assert!(!dir.path().join("c/campaign.sqlite").exists());
    // GB18030, as Excel on Chinese Windows saves CSV.
    let (gbk, _, _) = encoding_rs::GB18030.encode("单位名称,行业\n某公司,互联网\n");
    std::fs::write(dir.path().join("g.csv"), &gbk).unwrap();
    let out = ok(dir.path(), &["campaign", "init", "g", "--roster", "g.csv"]);
    assert!(out.contains("1 "), "{out}");
    let name: String = db(&dir.path().join("g"))
        .query_row(
            "SELECT name || '/' || org_key FROM organisations",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "某公司/R-000001");
}

#[test]
fn compare_keeps_pack_changes_apart_from_answer_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("r.csv"),
        "credit_code,name,region_code\n91230103MA1AB2CD3F,哈尔滨示例科技有限公司,230103\n",
    );
    let old = root().join("tests/data/demo");
    let new = root().join("tests/data/demo-1.3/demo");
    ok(
        d,
        &[
            "campaign",
            "init",
            "c",
            "--roster",
            "r.csv",
            "--pack",
            old.to_str().unwrap(),
        ],
    );
    ok(d, &["campaign", "invite", "c", "--format", "yaml"]);
    let c = d.join("c");
    let org = "91230103MA1AB2CD3F";
    let facts = std::fs::read_to_string(root().join("tests/data/facts/demo-company.yaml")).unwrap();
    write(&d.join("in1/a.yaml"), &(key_lines(&c, 1, org) + &facts));
    ok(d, &["campaign", "collect", "c", "in1"]);
    ok(
        d,
        &[
            "campaign",
            "round",
            "c",
            "new",
            "--pack",
            new.to_str().unwrap(),
        ],
    );
    ok(d, &["campaign", "invite", "c", "--format", "yaml"]);
    // The round-2 invitation is prefilled with the answers carried to 1.3.0; the company
    // files its second app (an answer change) and returns it.
    let inv = std::fs::read_to_string(c.join(format!("invitations/round-2/{org}.yaml"))).unwrap();
    assert!(
        inv.contains("version: \"1.3.0\"") && inv.contains("示例Lite"),
        "{inv}"
    );
    assert!(inv.contains("filed: false"), "{inv}");
    write(
        &d.join("in2/a.yaml"),
        &inv.replace("filed: false", "filed: true"),
    );
    let got = ok(d, &["campaign", "collect", "c", "in2"]);
    assert!(got.contains("accepted 1"), "{got}");
    ok(d, &["campaign", "compare", "c"]);
    let cmp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.join("compare/round-2/compare.json")).unwrap(),
    )
    .unwrap();
    let changes = cmp["organisations"][0]["changes"].as_array().unwrap();
    let find = |rule: &str| {
        changes
            .iter()
            .find(|ch| ch["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule}: {changes:?}"))
    };
    // Same rule in both versions, answer changed: fixed by the answers.
    assert_eq!(find("demo.app-filing")["kind"], "fixed");
    assert_eq!(find("demo.app-filing")["cause"], "answers");
    // demo.logs was tightened (ge 6 → ge 12) in 1.3.0: still failing, a pack change.
    assert_eq!(find("demo.logs")["kind"], "still_failing");
    assert_eq!(find("demo.logs")["cause"], "pack");
}

#[test]
fn sigkill_at_random_moments_leaves_a_consistent_database_and_rerunning_collects_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "synth", "--count", "600", "--format", "yaml", "--seed", "3", "--out", "inbox",
        ],
    );
    let c = campaign(d);
    let check = |label: &str| {
        let conn = db(&c);
        let ic: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ic, "ok", "{label}");
        let fk = conn
            .prepare("PRAGMA foreign_key_check")
            .unwrap()
            .query([])
            .unwrap()
            .next()
            .unwrap()
            .is_none();
        assert!(fk, "{label}: foreign keys");
        assert_eq!(
            scalar(
                &conn,
                "SELECT COUNT(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.digest = s.file_digest)"
            ),
            0,
            "{label}: a submission without its file"
        );
        let rules = scalar(&conn, "SELECT COUNT(*) FROM rules");
        assert_eq!(
            scalar(
                &conn,
                &format!(
                    "SELECT COUNT(*) FROM submissions s WHERE s.verdict IS NOT NULL AND length(s.outcome_codes) <> {rules}"
                )
            ),
            0,
            "{label}: a submission with part of its outcomes"
        );
        assert_eq!(
            scalar(&conn, "SELECT COUNT(*) FROM outcomes WHERE outcome IS NULL"),
            0,
            "{label}: an outcome code the view does not know"
        );
        scalar(&conn, "SELECT COUNT(*) FROM submissions")
    };
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    for i in 0..8 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = std::time::Duration::from_millis(50 + (seed >> 33) % 1500);
        let mut child = Command::new(env!("CARGO_BIN_EXE_hegui"))
            .args(["campaign", "collect", "c", "inbox"])
            .current_dir(d)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        check(&format!("after kill {i} at {delay:?}"));
    }
    ok(d, &["campaign", "collect", "c", "inbox"]);
    let n = check("after the full collect");
    // Exactly the distinct files of the inbox, each once.
    let mut digests = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(d.join("inbox")).unwrap() {
        use sha2::Digest;
        digests.insert(sha2::Sha256::digest(std::fs::read(e.unwrap().path()).unwrap()).to_vec());
    }
    assert_eq!(n as usize, digests.len());
    let again = ok(d, &["campaign", "collect", "c", "inbox"]);
    assert!(
        again.contains("accepted 0") && again.contains("unmatched 0"),
        "{again}"
    );
}

/// Every ```sql block of docs/CAMPAIGN.md runs against the database of the README's campaign
/// quick start (run here command by command), and the first answers the question it asks.
#[test]
fn the_docs_example_sql_runs_against_the_quick_start_database() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("## Quick start: a regulator's campaign")
        .nth(1)
        .unwrap()
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["fixtures", "templates"] {
        let status = Command::new("cp")
            .arg("-r")
            .arg(root().join(sub))
            .arg(d)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_hegui"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let out = Command::new("bash")
            .args(["-c", line])
            .current_dir(d)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let doc = std::fs::read_to_string(root().join("docs/CAMPAIGN.md")).unwrap();
    let queries: Vec<&str> = doc
        .split("```sql\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(queries.len() >= 6, "{}", queries.len());
    let conn = db(&d.join("自查2026"));
    // The first question's shape, asked of round 1 about a duty the news app's answers fail
    // there (and fix in round 2): it names the news app, then nobody.
    let ask = |round: &str| -> Vec<String> {
        let q = queries[0]
            .replace("s.round = 2", &format!("s.round = {round}"))
            .replace("licensing.news-licence", "content.illegal-categories");
        conn.prepare(&q)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(ask("1"), vec![NEWS.to_string()]);
    assert!(ask("2").is_empty());
    for (i, q) in queries.iter().enumerate() {
        if q.trim_start().starts_with("BEGIN") {
            conn.execute_batch(q)
                .unwrap_or_else(|e| panic!("query {i}: {e}\n{q}"));
            assert_eq!(
                scalar(
                    &conn,
                    &format!("SELECT COUNT(*) FROM organisations WHERE org_key = '{NEWS}'")
                ),
                0
            );
            assert!(
                conn.prepare("PRAGMA foreign_key_check")
                    .unwrap()
                    .query([])
                    .unwrap()
                    .next()
                    .unwrap()
                    .is_none()
            );
            continue;
        }
        let mut stmt = conn
            .prepare(q)
            .unwrap_or_else(|e| panic!("query {i}: {e}\n{q}"));
        let n = stmt.query_map([], |_| Ok(())).unwrap().count();
        if i == 1 {
            // Who has not answered round 1: the cloud company and the individual developer.
            assert_eq!(n, 2, "{q}");
        }
    }
}

/// A keyed JSON file (what the offline form saves) goes through the fast JSON reader with its
/// key and is matched; the same file with another organisation's key is not.
#[test]
fn a_keyed_json_file_is_matched() {
    let dir = tempfile::tempdir().unwrap();
    let c = campaign(dir.path());
    let mut doc: serde_json::Value = serde_saphyr::from_str(&fixture("news-app.yaml")).unwrap();
    doc["submission"] = serde_json::json!({ "key": key_of(&c, 1, NEWS).to_lowercase() });
    write(
        &dir.path().join("in/news.json"),
        &serde_json::to_string(&doc).unwrap(),
    );
    doc["submission"] = serde_json::json!({ "key": key_of(&c, 1, RIDE) });
    write(
        &dir.path().join("in/other.json"),
        &serde_json::to_string(&doc).unwrap(),
    );
    let out = ok(dir.path(), &["campaign", "collect", "c", "in"]);
    assert!(
        out.contains("accepted 1") && out.contains("unmatched 1"),
        "{out}"
    );
    let conn = db(&c);
    let (path, check): (String, String) = conn
        .query_row(
            "SELECT path, key_check FROM submissions WHERE state = 'accepted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        path.ends_with("news.json") && check == "match",
        "{path} {check}"
    );
}

/// An inbox like the README's first one: the news app's keyed file and the ride-hailing firm's
/// unkeyed one (with 不清楚 answers), collected, the second assigned. Returns the inbox name.
fn collected_and_assigned(d: &Path, c: &Path) -> &'static str {
    write(
        &d.join("收件箱/融媒.yaml"),
        &(key_lines(c, 1, NEWS) + &fixture("news-app.yaml")),
    );
    write(&d.join("收件箱/约车.yaml"), &fixture("ride-hailing.yaml"));
    ok(d, &["campaign", "collect", "c", "收件箱"]);
    let id = scalar(&db(c), "SELECT id FROM submissions WHERE org_id IS NULL");
    ok(
        d,
        &[
            "campaign",
            "assign",
            "c",
            &id.to_string(),
            RIDE,
            "--reason",
            "电话核实",
        ],
    );
    "收件箱"
}

/// The four outputs of `report` against those of `hegui batch --ignore-waivers` on the same
/// files, byte for byte.
fn assert_report_is_batch(d: &Path, inbox: &str, report_out: &str, batch_out: &str) {
    assert_report_is_batch_of(d, inbox, report_out, batch_out, &[]);
}

fn assert_report_is_batch_of(
    d: &Path,
    inbox: &str,
    report_out: &str,
    batch_out: &str,
    packs: &[&str],
) {
    ok(
        d,
        &[
            "campaign",
            "report",
            "c",
            "--out",
            report_out,
            "--as-of",
            "2026-12-01",
        ],
    );
    let mut args = vec![
        "batch",
        inbox,
        "--out",
        batch_out,
        "--ignore-waivers",
        "--as-of",
        "2026-12-01",
    ];
    args.extend(packs);
    let out = hegui(d, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The workbook's cells (its document properties carry the time it was written).
    use calamine::Reader;
    let cells = |dir: &str| {
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(d.join(dir).join("summary.xlsx")).unwrap();
        let names = wb.sheet_names();
        assert!(names.len() > 1, "{names:?}");
        names
            .iter()
            .map(|n| {
                let r = wb.worksheet_range(n).unwrap();
                let rows: Vec<Vec<String>> = r
                    .rows()
                    .map(|row| row.iter().map(ToString::to_string).collect())
                    .collect();
                (n.clone(), rows)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(report_out), cells(batch_out));
    for f in ["summary.json", "summary.csv", "overview.html"] {
        let a = std::fs::read(d.join(report_out).join(f)).unwrap();
        let b = std::fs::read(d.join(batch_out).join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs:\n--- report\n{}\n--- batch\n{}",
            String::from_utf8_lossy(&a)
                .chars()
                .take(3000)
                .collect::<String>(),
            String::from_utf8_lossy(&b)
                .chars()
                .take(3000)
                .collect::<String>()
        );
    }
}

/// `report` builds the batch outputs from the results stored at `collect`, with no second
/// assessment, and they are what `hegui batch` writes for the same files (不清楚 answers,
/// kinds of enterprise, regions and industries included).
#[test]
fn report_from_the_store_is_what_batch_writes_for_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = campaign(d);
    let inbox = collected_and_assigned(d, &c);
    let conn = db(&c);
    assert!(
        scalar(
            &conn,
            "SELECT COUNT(*) FROM outcomes WHERE dont_know AND outcome = 'unanswered'"
        ) > 0,
        "the ride-hailing firm's 不清楚 answers are kept apart"
    );
    assert_eq!(
        scalar(
            &conn,
            "SELECT COUNT(*) FROM submissions WHERE scopes IS NULL"
        ),
        0
    );
    // The answers digest stored is the one `assess` gives.
    let stored: String = conn
        .query_row(
            "SELECT answers_digest FROM submissions WHERE path LIKE '%融媒%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let result = ok(d, &["assess", "收件箱/融媒.yaml", "--format", "json"]);
    let result: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["answers_digest"], stored.as_str());
    // The stored files are not read again: with their bytes gone, the report is the same.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; UPDATE files SET bytes = X'00'; PRAGMA foreign_keys = ON;",
    )
    .unwrap();
    assert_report_is_batch(d, inbox, "rep", "bat");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("rep/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["assessed"], 2);
    assert!(
        summary["submissions"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("收件箱/"),
        "{summary}"
    );
}

/// A database of schema version 1 (no stored batch rows, no 不清楚 letter, the version-1
/// view) is refused by readers, migrated by the next writing command, and its report read
/// from the stored files is still what `hegui batch` writes.
#[test]
fn a_schema_1_database_is_migrated_forward_and_reported_from_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = campaign(d);
    let inbox = collected_and_assigned(d, &c);
    let v1 = std::fs::read_to_string(root().join("crates/campaign/src/schema-1.sql")).unwrap();
    let v1_view = &v1[v1.find("CREATE VIEW outcomes").unwrap()..];
    {
        let conn = db(&c);
        conn.execute_batch(&format!(
            "BEGIN;
             DROP VIEW outcomes;
             ALTER TABLE submissions DROP COLUMN claimed_region_code;
             ALTER TABLE submissions DROP COLUMN claimed_industry;
             ALTER TABLE submissions DROP COLUMN scopes;
             ALTER TABLE submissions DROP COLUMN warnings;
             ALTER TABLE round_packs DROP COLUMN rule_offset;
             UPDATE submissions SET outcome_codes = replace(outcome_codes, 'd', 'u');
             {v1_view}
             UPDATE meta SET value = '1' WHERE key = 'schema_version';
             COMMIT;
             PRAGMA user_version = 1;"
        ))
        .unwrap();
    }
    let refused = hegui(d, &["campaign", "report", "c", "--out", "rep"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("schema version 1"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let again = ok(d, &["campaign", "collect", "c", inbox]);
    assert!(again.contains("already received 2"), "{again}");
    let conn = db(&c);
    assert_eq!(scalar(&conn, "PRAGMA user_version"), 2);
    assert_eq!(
        scalar(
            &conn,
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'"
        ),
        2
    );
    let rules = scalar(
        &conn,
        "SELECT COUNT(*) FROM rules r JOIN round_packs p ON p.pack_id = r.pack_id AND p.pack_version = r.pack_version WHERE p.round = 1",
    );
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM outcomes"), 2 * rules);
    assert_report_is_batch(d, inbox, "rep", "bat");
}

/// `status` streams: every organisation reaches status.csv, status.xlsx, status.html and
/// reminders.csv, the unmatched file the second sheet and table, and no temporary file stays.
#[test]
fn status_writes_every_row_to_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = campaign(d);
    write(
        &d.join("in/a.yaml"),
        &(key_lines(&c, 1, NEWS) + &fixture("news-app.yaml")),
    );
    write(&d.join("in/b.yaml"), &fixture("ride-hailing.yaml"));
    ok(d, &["campaign", "collect", "c", "in"]);
    let out = ok(d, &["campaign", "status", "c", "--out", "st"]);
    assert!(
        out.contains("roster 4") && out.contains("answered 1") && out.contains("unmatched 1"),
        "{out}"
    );
    let csv = std::fs::read_to_string(d.join("st/status.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(csv.starts_with('\u{feff}') && csv.contains(NEWS) && csv.contains(CLOUD));
    let reminders = std::fs::read_to_string(d.join("st/reminders.csv")).unwrap();
    assert_eq!(reminders.lines().count(), 4, "{reminders}");
    assert!(!reminders.contains(NEWS));
    let html = std::fs::read_to_string(d.join("st/status.html")).unwrap();
    assert!(
        html.contains("answered 1") && html.contains(CLOUD) && html.contains("in/b.yaml"),
        "{html}"
    );
    assert!(html.trim_end().ends_with("</html>"));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(d.join("st/status.xlsx")).unwrap();
    let status = wb.worksheet_range("状态 Status").unwrap();
    assert_eq!(status.height(), 5);
    let unmatched = wb.worksheet_range("未匹配 Unmatched").unwrap();
    assert_eq!(unmatched.height(), 2);
    assert!(
        unmatched
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .any(|c| *c == "in/b.yaml")
    );
    let mut names: Vec<String> = std::fs::read_dir(d.join("st"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["reminders.csv", "status.csv", "status.html", "status.xlsx"]
    );
    use std::os::unix::fs::PermissionsExt;
    for n in &names {
        let mode = std::fs::metadata(d.join("st").join(n))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{n}");
    }
}

fn docx_part(path: &Path, part: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(part).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Word notices: the same gaps as the Markdown notice, each with its national legal basis, the
/// deadline, the issuing fields, the self-assessment caveat, and the `word.yaml` branding.
#[test]
fn word_notices_carry_the_same_gaps_with_national_law_and_the_branding() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let c = campaign(d);
    ok(
        d,
        &[
            "campaign",
            "round",
            "c",
            "set",
            "--rectify-by",
            "2099-06-30",
        ],
    );
    write(
        &d.join("in/a.yaml"),
        &(key_lines(&c, 1, NEWS) + &fixture("news-app.yaml")),
    );
    ok(d, &["campaign", "collect", "c", "in"]);
    write(
        &d.join("brand/word.yaml"),
        "firm: 某某合规咨询 Example Compliance Consulting\naccent: \"#8b0000\"\nconfidentiality: 内部文件 Internal\n",
    );
    let fields = [
        "--authority",
        "某市网信办",
        "--doc-number",
        "某网信〔2026〕1号",
        "--date",
        "2026-12-15",
        "--signature",
        "（盖章）",
    ];
    let mut args = vec![
        "campaign",
        "notices",
        "c",
        "--format",
        "docx,markdown",
        "--templates",
        "brand",
    ];
    args.extend(fields);
    let out = ok(d, &args);
    assert!(out.contains("1 rectification reminders"), "{out}");
    let notices = c.join("notices/round-1");
    assert!(!notices.join(format!("{NEWS}.html")).exists());
    let md = std::fs::read_to_string(notices.join(format!("{NEWS}.md"))).unwrap();
    let docx = notices.join(format!("{NEWS}.docx"));
    let doc = docx_part(&docx, "word/document.xml");
    // The same gaps: each Markdown heading's title is a heading of the Word notice.
    let titles: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|l| l.split_once(". ").unwrap().1.split(" / ").next().unwrap())
        .collect();
    assert!(!titles.is_empty());
    for t in &titles {
        assert!(doc.contains(t), "{t}");
    }
    assert_eq!(doc.matches("w:val=\"Heading2\"").count(), titles.len());
    for needle in [
        "某市网信办",
        "某网信〔2026〕1号",
        "2026-12-15",
        "（盖章）",
        "2099-06-30",
        "融媒",
        NEWS,
        "法律依据 Legal basis",
        "《中华人民共和国",
        "自评答卷",
        "不是行政命令或处罚决定",
        "not an administrative order or penalty decision",
    ] {
        assert!(doc.contains(needle), "{needle}");
    }
    // The provincial opinion is never the basis, and nothing presents the notice as an order.
    assert!(!doc.contains("实施意见"), "{doc}");
    for word in ["责令", "处罚决定书", "行政处罚决定"] {
        assert!(!doc.contains(word), "{word}");
    }
    assert!(docx_part(&docx, "word/header1.xml").contains("某某合规咨询"));
    assert!(docx_part(&docx, "word/footer1.xml").contains("内部文件 Internal"));
    assert!(docx_part(&docx, "word/styles.xml").contains("8B0000"));
    // The same input gives the same bytes.
    let first = std::fs::read(&docx).unwrap();
    ok(d, &args);
    assert_eq!(std::fs::read(&docx).unwrap(), first);
    // A word.yaml with a mistake is refused, naming the file.
    write(&d.join("bad/word.yaml"), "accent: 12\n");
    let bad = hegui(
        d,
        &[
            "campaign",
            "notices",
            "c",
            "--format",
            "docx",
            "--templates",
            "bad",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("word.yaml"));
}

/// A round of several packs (the test packs of tests/data/multi, one questionnaire): the
/// invitation names both packs, a file answering both is collected once, the report is the
/// two-pack batch's, compare and notices say which pack each rule belongs to.
#[test]
fn a_round_of_several_packs_is_collected_reported_compared_and_noticed_per_pack() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = root().join("tests/data/multi/rules/multi-a");
    let b = root().join("tests/data/multi/rules/multi-b");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let org = "91230100MA1B2C3D49";
    write(
        &d.join("r.csv"),
        &format!("credit_code,name,region_code\n{org},哈尔滨某某科技有限公司,230103\n"),
    );
    ok(
        d,
        &[
            "campaign",
            "init",
            "c",
            "--roster",
            "r.csv",
            "--pack",
            a,
            "--pack",
            b,
            "--rectify-by",
            "2099-06-30",
        ],
    );
    let c = d.join("c");
    let conn = db(&c);
    assert_eq!(
        scalar(&conn, "SELECT COUNT(*) FROM round_packs WHERE round = 1"),
        2
    );
    ok(d, &["campaign", "invite", "c", "--format", "yaml"]);
    let inv = std::fs::read_to_string(c.join(format!("invitations/round-1/{org}.yaml"))).unwrap();
    assert!(inv.contains("multi-a") && inv.contains("multi-b"), "{inv}");
    let facts =
        std::fs::read_to_string(root().join("tests/data/multi/facts/a-and-b.yaml")).unwrap();
    write(&d.join("in1/a.yaml"), &(key_lines(&c, 1, org) + &facts));
    let got = ok(d, &["campaign", "collect", "c", "in1"]);
    assert!(got.contains("accepted 1"), "{got}");
    // Every rule of both packs has its outcome, named by pack.
    let per_pack: Vec<(String, i64)> = conn
        .prepare("SELECT pack_id, COUNT(*) FROM outcomes GROUP BY pack_id ORDER BY pack_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(per_pack.len(), 2, "{per_pack:?}");
    assert_eq!(per_pack[0].0, "multi-a");
    let (score, verdict): (Option<i64>, String) = conn
        .query_row("SELECT score, verdict FROM submissions", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(score, None, "no score over several packs");
    assert_eq!(verdict, "not_compliant");
    assert_report_is_batch_of(d, "in1", "rep", "bat", &["--rules", a, "--rules", b]);
    ok(d, &["campaign", "notices", "c"]);
    let md = std::fs::read_to_string(c.join(format!("notices/round-1/{org}.md"))).unwrap();
    assert!(md.contains("规则包 Pack: multi-"), "{md}");
    // Round 2 with the same packs: the iOS app is filed now.
    ok(d, &["campaign", "round", "c", "new"]);
    ok(d, &["campaign", "invite", "c", "--format", "yaml"]);
    let inv = std::fs::read_to_string(c.join(format!("invitations/round-2/{org}.yaml"))).unwrap();
    assert!(inv.contains(&key_of(&c, 2, org)) && !inv.contains(&key_of(&c, 1, org)));
    let fixed = inv.replace("filed: false", "filed: true");
    assert_ne!(fixed, inv, "{inv}");
    write(&d.join("in2/a.yaml"), &fixed);
    let got = ok(d, &["campaign", "collect", "c", "in2"]);
    assert!(got.contains("accepted 1"), "{got}");
    ok(d, &["campaign", "compare", "c"]);
    let cmp: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.join("compare/round-2/compare.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cmp["packs"][0], "multi-a 1.0.0, multi-b 1.0.0");
    let changes = cmp["organisations"][0]["changes"].as_array().unwrap();
    let fixed: Vec<&serde_json::Value> = changes.iter().filter(|c| c["kind"] == "fixed").collect();
    assert!(!fixed.is_empty(), "{changes:?}");
    assert!(
        fixed
            .iter()
            .all(|c| c["cause"] == "answers" && c["pack"].as_str().unwrap().starts_with("multi-")),
        "{changes:?}"
    );
}

/// `hegui migrate` keeps the organisation's submission key (outside the canonical facts), by
/// the declared map and with `--from`; a campaign's next round issues its own key instead.
#[test]
fn migrate_keeps_the_submission_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = "HGK-ABCDE-FGHJK-MNPQR-STVWX-YZ012-3";
    let facts = std::fs::read_to_string(root().join("tests/data/facts/demo-company.yaml")).unwrap();
    write(
        &d.join("old.yaml"),
        &format!("submission: {{key: {key}}}\n{facts}"),
    );
    let old = root().join("tests/data/demo");
    let new = root().join("tests/data/demo-1.3/demo");
    ok(
        d,
        &[
            "migrate",
            "old.yaml",
            "--from",
            old.to_str().unwrap(),
            "--rules",
            new.to_str().unwrap(),
            "-o",
            "from.yaml",
        ],
    );
    // By the map the new version declares (tests/data/packs-v2).
    let v1 = std::fs::read_to_string(root().join("tests/data/packs-v1/facts/company-1.0.0.yaml"))
        .unwrap();
    write(
        &d.join("v1.yaml"),
        &format!("submission: {{key: {key}}}\n{v1}"),
    );
    let v2 = root().join("tests/data/packs-v2/licensing");
    ok(
        d,
        &[
            "migrate",
            "v1.yaml",
            "--rules",
            v2.to_str().unwrap(),
            "-o",
            "declared.yaml",
        ],
    );
    for (f, pack) in [("from.yaml", &new), ("declared.yaml", &v2)] {
        let text = std::fs::read_to_string(d.join(f)).unwrap();
        assert!(text.contains(key), "{f}: {text}");
        // And it reads back as the key (validate warns about a malformed one).
        let v = hegui(d, &["validate", f, "--rules", pack.to_str().unwrap()]);
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
        assert!(
            !String::from_utf8_lossy(&v.stderr).contains("submission"),
            "{}",
            String::from_utf8_lossy(&v.stderr)
        );
    }
}
