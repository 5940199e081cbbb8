//! `collect`: every file of the inboxes is received once (content-addressed), validated,
//! assessed and tied to an organisation by its submission key, in transactions of a chunk of
//! files each: a collect stopped at any moment leaves every committed chunk and nothing
//! half-written, and running it again adds exactly what is missing.

use crate::keys;
use crate::packs;
use crate::store::{Campaign, Result, db_err, now};
use hegui_core::answers::Submission;
use hegui_core::eval::assess::AssessOptions;
use hegui_core::model::Pack;
use rayon::prelude::*;
use rusqlite::params;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Files assessed in parallel and committed in one transaction.
const CHUNK: usize = 2048;

/// What a collect did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Files found in the inboxes.
    pub found: u64,
    /// Files received before (same bytes in this round): nothing added.
    pub already: u64,
    /// Newly stored and tied to an organisation.
    pub accepted: u64,
    /// Newly stored, could not be read or validated (kept with their errors).
    pub rejected: u64,
    /// Newly stored, valid, but no key of this round matched (kept as unmatched).
    pub unmatched: u64,
    /// Inputs that named nothing or cannot be submissions (with why).
    pub problems: Vec<(String, String)>,
}

/// One file, read and assessed (off the database thread).
struct Received {
    path: String,
    time: Option<String>,
    digest: String,
    bytes: Vec<u8>,
    outcome: std::result::Result<Assessed, Vec<String>>,
    /// How its key relates to the roster, and the organisation it is tied to (for a file that
    /// could not be loaded, by the key read from its raw tree).
    check: (&'static str, Option<i64>),
}

struct Assessed {
    /// What `hegui batch` keeps of the submission (the same function builds it).
    row: hegui_batch::Row,
    key: Option<Submission>,
    pack_id: String,
    pack_version: String,
    answers_digest: String,
    overall: packs::Overall,
    /// One letter per rule, in pack order ([`packs::outcome_letter`]).
    outcome_codes: String,
}

/// The key of a file that failed validation, from its raw YAML/JSON tree (so a broken file
/// with a valid key still counts as that organisation's rejected answer).
fn raw_key(path: &str, bytes: &[u8]) -> Option<Submission> {
    let text = std::str::from_utf8(bytes).ok()?;
    let root =
        hegui_core::syntax::node::parse(text, hegui_core::syntax::node::Format::from_path(path))
            .ok()?;
    let k = root.get("submission")?.get("key")?.as_str()?;
    Some(
        hegui_core::answers::SubmissionKey::parse(k).map_or(Submission::Malformed, Submission::Key),
    )
}

/// What every file of a collect is received with.
struct Ctx<'a> {
    pack: &'a Pack,
    limits: &'a hegui_core::Limits,
    /// The digests this round has received.
    known: &'a std::collections::HashSet<String>,
    book: &'a keys::KeyBook,
    round: i64,
}

fn receive(
    path: &Path,
    shown: String,
    time: Option<std::time::SystemTime>,
    ctx: &Ctx<'_>,
) -> Received {
    let Ctx {
        pack,
        limits,
        known,
        book,
        round,
    } = *ctx;
    let time = time.map(|t| {
        chrono::DateTime::<chrono::Utc>::from(t)
            .format("%Y-%m-%dT%H:%M:%S%.9fZ")
            .to_string()
    });
    let bytes = match hegui_batch::read_submission(path, &shown, limits) {
        Ok(b) => b,
        Err(e) => {
            return Received {
                path: shown,
                time,
                digest: String::new(),
                bytes: Vec::new(),
                outcome: Err(vec![e]),
                check: ("none", None),
            };
        }
    };
    let digest = format!("sha256:{}", keys::hex(&Sha256::digest(&bytes)));
    if known.contains(&digest) {
        // Received before in this round: not read again (the writer counts it).
        return Received {
            path: shown,
            time,
            digest,
            bytes: Vec::new(),
            outcome: Err(Vec::new()),
            check: ("none", None),
        };
    }
    let outcome = match hegui_batch::load_submission_slice(&shown, &bytes, pack, limits) {
        Err(errors) => Err(errors),
        Ok(loaded) => {
            let facts = &loaded.facts;
            // The regulator's view: findings as they are, self-declared waivers ignored.
            let opts = AssessOptions {
                ignore_waivers: true,
            };
            let outs = hegui_core::eval::outcome::outcomes(pack, facts, opts);
            Ok(Assessed {
                row: hegui_batch::Row::of(pack, &loaded, &outs),
                key: facts.submission.clone(),
                pack_id: pack.meta.id.clone(),
                pack_version: pack.meta.version.clone(),
                answers_digest: hegui_core::eval::assess::answers_digest(pack, facts),
                overall: packs::overall(pack, &outs),
                outcome_codes: outs.iter().map(|o| packs::outcome_letter(*o)).collect(),
            })
        }
    };
    let check = match &outcome {
        Ok(a) => key_check(book, round, a.key.as_ref(), a.row.credit_code.as_deref()),
        Err(_) => key_check(book, round, raw_key(&shown, &bytes).as_ref(), None),
    };
    Received {
        path: shown,
        time,
        digest,
        bytes,
        outcome,
        check,
    }
}

/// How a file's key relates to the roster.
fn key_check(
    book: &keys::KeyBook,
    round: i64,
    key: Option<&Submission>,
    credit_code: Option<&str>,
) -> (&'static str, Option<i64>) {
    let key = match key {
        None => return ("none", None),
        Some(Submission::Malformed) => return ("malformed", None),
        Some(Submission::Key(k)) => k,
    };
    let Some(h) = book.holder(key) else {
        return ("mismatch", None);
    };
    if h.round != round {
        return ("other_round", None);
    }
    if h.revoked {
        return ("revoked", None);
    }
    // The key belongs to one organisation; a file naming another credit code is not its answer.
    if let (Some(roster), Some(claimed)) = (book.credit_code(h.org_id), credit_code)
        && roster != claimed
    {
        return ("mismatch", None);
    }
    ("match", Some(h.org_id))
}

/// Collects the files of `inboxes` into the current round.
pub fn collect(
    c: &mut Campaign,
    inboxes: &[String],
    actor: &str,
    limits: &hegui_core::Limits,
) -> Result<Collected> {
    let round = c.current_round()?;
    let pack = packs::joint(&packs::of_round(&c.conn, round)?)?;
    let pack = &*pack;
    let book = keys::KeyBook::read(c)?;
    let book = &book;
    let due: Option<String> = c
        .conn
        .query_row(
            "SELECT due_date FROM rounds WHERE number = ?1",
            [round],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    // The same walk as `hegui batch`: each file once, FIFOs and devices refused, the
    // campaign's own directory never read as an inbox.
    let inputs = hegui_batch::expand_inputs_with(
        inboxes,
        &hegui_batch::ListOptions {
            follow_outside: false,
            out: Some(c.dir.clone()),
        },
    )?;
    let mut out = Collected {
        problems: inputs.problems.clone(),
        ..Collected::default()
    };
    // Receipt order within one collect: file time, then path (the listing is by path).
    let mut files: Vec<(Option<std::time::SystemTime>, PathBuf, String)> = Vec::new();
    {
        use std::os::unix::ffi::OsStrExt;
        let mut r = inputs.files.reader().map_err(|e| e.to_string())?;
        while let Some(b) = r.next_bytes().map_err(|e| e.to_string())? {
            let p = PathBuf::from(std::ffi::OsStr::from_bytes(b));
            let t = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
            files.push((t, p, hegui_batch::display_bytes(b)));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    out.found = files.len() as u64;
    let collect_id: i64 = {
        c.conn
            .execute(
                "INSERT INTO collects (round, started_at, actor, inboxes, found) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![round, now(), actor, serde_json::to_string(inboxes).unwrap_or_default(), out.found as i64],
            )
            .map_err(db_err)?;
        c.conn.last_insert_rowid()
    };
    // The digests this round has received: a file received before is hashed, not assessed.
    let known: std::collections::HashSet<String> = {
        let mut stmt = c
            .conn
            .prepare("SELECT file_digest FROM submissions WHERE round = ?1")
            .map_err(db_err)?;
        stmt.query_map([round], |r| r.get(0))
            .map_err(db_err)?
            .collect::<std::result::Result<_, _>>()
            .map_err(db_err)?
    };
    let known = &known;
    let ctx = &Ctx {
        pack,
        limits,
        known,
        book,
        round,
    };
    let mut this_collect: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Chunk k+1 is read and assessed (in parallel) while chunk k is written: one writer.
    let (send, recv) = std::sync::mpsc::sync_channel::<Vec<Received>>(1);
    // The write-ahead log is copied into the database on a thread of its own: the writer
    // only appends.
    let checkpointer = c.checkpointer()?;
    let conn = &mut c.conn;
    std::thread::scope(|scope| -> Result<()> {
        let files = &files;
        scope.spawn(move || {
            for chunk in files.chunks(CHUNK) {
                let received: Vec<Received> = chunk
                    .par_iter()
                    .map(|(t, p, shown)| receive(p, shown.clone(), *t, ctx))
                    .collect();
                if send.send(received).is_err() {
                    break;
                }
            }
        });
        for received in recv {
            let tx = conn.transaction().map_err(db_err)?;
            let at = now();
            let late = due
                .as_deref()
                .is_some_and(|d| at.get(..10).is_some_and(|today| today > d));
            for r in received {
                if r.digest.is_empty() {
                    // Not readable at all (vanished, too large, not a regular file): nothing to keep.
                    out.problems.push((
                        r.path.clone(),
                        r.outcome.err().unwrap_or_default().join("; "),
                    ));
                    continue;
                }
                // Received before this collect (`known`) or earlier in it: nothing to add.
                if !this_collect.insert(r.digest.clone()) || known.contains(&r.digest) {
                    out.already += 1;
                    continue;
                }
                tx.prepare_cached(
                "INSERT OR IGNORE INTO files (digest, size, bytes, received_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![r.digest, r.bytes.len() as i64, r.bytes, at]))
            .map_err(db_err)?;
                match &r.outcome {
                    Ok(a) => {
                        let row = &a.row;
                        let (check, org) = r.check;
                        let state = if org.is_some() {
                            "accepted"
                        } else {
                            "unmatched"
                        };
                        if org.is_some() {
                            out.accepted += 1;
                        } else {
                            out.unmatched += 1;
                        }
                        tx.prepare_cached(
                        "INSERT INTO submissions (round, collect_id, file_digest, path, file_time, received_at, state, key_check, org_id, claimed_name, claimed_credit_code, assessment_date, pack_id, pack_version, answers_digest, verdict, score, coverage, failed_required, outcome_codes, late, claimed_region_code, claimed_industry, scopes, warnings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
                    )
                    .and_then(|mut s| s.execute(params![
                            round, collect_id, r.digest, r.path, r.time, at, state, check, org,
                            row.name, row.credit_code, row.date.to_string(), a.pack_id, a.pack_version,
                            a.answers_digest, a.overall.verdict, a.overall.score,
                            a.overall.coverage, a.overall.failed_required as i64, a.outcome_codes, late,
                            row.region_code, row.industry, row.scopes as i64, row.warnings as i64
                        ]))
                    .map_err(db_err)?;
                    }
                    Err(errors) => {
                        let (check, org) = r.check;
                        out.rejected += 1;
                        tx.execute(
                        "INSERT INTO submissions (round, collect_id, file_digest, path, file_time, received_at, state, key_check, org_id, errors, late) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'rejected', ?7, ?8, ?9, ?10)",
                        params![
                            round, collect_id, r.digest, r.path, r.time, at, check, org,
                            serde_json::to_string(errors).unwrap_or_default(), late
                        ],
                    )
                    .map_err(db_err)?;
                    }
                }
            }
            tx.execute(
                "UPDATE collects SET added = ?1 WHERE id = ?2",
                params![
                    (out.accepted + out.rejected + out.unmatched) as i64,
                    collect_id
                ],
            )
            .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
            checkpointer.nudge();
        }
        Ok(())
    })?;
    checkpointer.finish(&c.conn)?;
    let added = (out.accepted + out.rejected + out.unmatched) as i64;
    c.conn
        .execute(
            "UPDATE collects SET finished_at = ?1, added = ?2 WHERE id = ?3",
            params![now(), added, collect_id],
        )
        .map_err(db_err)?;
    Ok(out)
}
