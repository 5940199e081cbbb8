//! A regulator's self-inspection campaign, from roster to rectification, in one embedded
//! SQLite file (`DIR/campaign.sqlite`; docs/CAMPAIGN.md documents every table).
//!
//! `init` stores a validated roster and pins the round's packs; `invite` writes each
//! organisation's questionnaire with a random submission key (stored only as a salted hash);
//! `collect` receives files with the same inbox walk and workbook reader as `hegui batch`,
//! content-addressed, in transactions, tying each to the organisation whose key it carries;
//! `status` sets the roster against what arrived; `report` writes the batch outputs from the
//! store; `round new` and `compare` follow rectification from one round to the next; `notices`
//! writes rectification notices. Manual actions (`assign`, `pin`, `purge`) go to the audit log.

pub mod collect;
pub mod invite;
pub mod keys;
pub mod notices;
pub mod output;
pub mod packs;
pub mod roster;
pub mod rounds;
pub mod status;
mod store;

pub use collect::{Collected, collect};
pub use store::{Campaign, DB_FILE, Error, LOCK_FILE, Result, SCHEMA_VERSION, actor, now};

use rusqlite::{OptionalExtension, params};
use std::path::Path;
use store::db_err;

/// What `init` was given.
#[derive(Clone, Debug)]
pub struct InitOptions<'a> {
    /// The roster file (CSV or xlsx).
    pub roster: &'a Path,
    /// Packs: `ID`, `ID@VERSION` or a pack directory.
    pub packs: &'a [String],
    /// Round 1's due date.
    pub due: Option<chrono::NaiveDate>,
    /// Round 1's rectification deadline (for notices).
    pub rectify_by: Option<chrono::NaiveDate>,
    /// Who runs it.
    pub actor: &'a str,
}

/// Creates a campaign in `dir`: the roster validated first (nothing is stored when it has a
/// problem), then the database with round 1 and its pinned packs. Returns the number of
/// organisations.
pub fn init(dir: &Path, opts: &InitOptions<'_>) -> std::result::Result<usize, Vec<String>> {
    let entries = roster::read(opts.roster)?;
    let pinned: Vec<packs::Pinned> = if opts.packs.is_empty() {
        vec![packs::resolve(hegui_packs::DEFAULT_PACK).map_err(|e| vec![e])?]
    } else {
        opts.packs
            .iter()
            .map(|s| packs::resolve(s))
            .collect::<Result<_>>()
            .map_err(|e| vec![e])?
    };
    // Several packs must load together (one questionnaire) before anything is created.
    packs::joint(&pinned).map_err(|e| vec![e])?;
    let mut c = Campaign::create(dir).map_err(|e| vec![e])?;
    let n = entries.len();
    (|| -> Result<()> {
        let tx = c.conn.transaction().map_err(db_err)?;
        let at = now();
        let salt = keys::hex(&keys::os_random::<16>()?);
        for (k, v) in [
            ("created_at", at.as_str()),
            ("key_salt", salt.as_str()),
            ("hegui_version", env!("CARGO_PKG_VERSION")),
            ("roster_file", &opts.roster.display().to_string()),
        ] {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(db_err)?;
        }
        let mut roster_id = 0;
        for e in &entries {
            let org_key = match &e.credit_code {
                Some(code) => code.clone(),
                None => {
                    roster_id += 1;
                    format!("R-{roster_id:06}")
                }
            };
            tx.execute(
                "INSERT INTO organisations (org_key, credit_code, name, region_code, industry, contact_name, contact_phone, contact_email, roster_line, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![org_key, e.credit_code, e.name, e.region_code, e.industry, e.contact_name, e.contact_phone, e.contact_email, e.line as i64, at],
            )
            .map_err(db_err)?;
        }
        tx.execute(
            "INSERT INTO rounds (number, opened_at, due_date, rectify_by) VALUES (1, ?1, ?2, ?3)",
            params![
                at,
                opts.due.map(|d| d.to_string()),
                opts.rectify_by.map(|d| d.to_string())
            ],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        let tx = c.conn.transaction().map_err(db_err)?;
        packs::pin(&tx, 1, &pinned)?;
        store::audit(&tx, opts.actor, "init", &format!("{n} organisations"), "")?;
        tx.commit().map_err(db_err)
    })()
    .map_err(|e| vec![e])?;
    Ok(n)
}

/// An organisation by its roster key (credit code or roster id).
pub fn org_id(c: &Campaign, org_key: &str) -> Result<i64> {
    c.conn
        .query_row(
            "SELECT id FROM organisations WHERE org_key = ?1",
            [org_key.trim().to_uppercase()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| {
            format!("名单中没有 `{org_key}` / no organisation `{org_key}` in the roster (give its credit code or roster id)")
        })
}

/// Assigns an unmatched (or unattributed rejected) submission to an organisation, with a
/// reason, recorded in the audit log.
pub fn assign(
    c: &mut Campaign,
    submission: i64,
    org_key: &str,
    reason: &str,
    actor: &str,
) -> Result<()> {
    if reason.trim().is_empty() {
        return Err("assign 需要理由 / assign needs a reason (--reason)".into());
    }
    let org = org_id(c, org_key)?;
    let row: Option<(String, Option<i64>, Option<String>)> = c
        .conn
        .query_row(
            "SELECT state, org_id, verdict FROM submissions WHERE id = ?1",
            [submission],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db_err)?;
    let Some((state, current, verdict)) = row else {
        return Err(format!(
            "没有报送记录 {submission} / no submission {submission}"
        ));
    };
    if state == "accepted" || current.is_some() {
        return Err(format!(
            "报送记录 {submission} 已属于一个单位 / submission {submission} already belongs to an organisation; only unmatched submissions are assigned"
        ));
    }
    let new_state = if verdict.is_some() {
        "accepted"
    } else {
        "rejected"
    };
    let tx = c.conn.transaction().map_err(db_err)?;
    tx.execute(
        "UPDATE submissions SET org_id = ?1, state = ?2, key_check = 'assigned' WHERE id = ?3",
        params![org, new_state, submission],
    )
    .map_err(db_err)?;
    store::audit(
        &tx,
        actor,
        "assign",
        &format!(
            "submission {submission} → {}",
            org_key.trim().to_uppercase()
        ),
        reason,
    )?;
    tx.commit().map_err(db_err)
}

/// Pins a submission as its organisation's current one for its round (instead of the one
/// received last), with a reason, recorded in the audit log.
pub fn pin(c: &mut Campaign, submission: i64, reason: &str, actor: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err("pin 需要理由 / pin needs a reason (--reason)".into());
    }
    let row: Option<(String, Option<i64>, i64)> = c
        .conn
        .query_row(
            "SELECT state, org_id, round FROM submissions WHERE id = ?1",
            [submission],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db_err)?;
    let Some((state, Some(org), round)) = row.filter(|r| r.0 == "accepted") else {
        return Err(format!(
            "报送记录 {submission} 不是某单位已接收的答卷 / submission {submission} is not an accepted submission of an organisation"
        ));
    };
    debug_assert_eq!(state, "accepted");
    let tx = c.conn.transaction().map_err(db_err)?;
    tx.execute(
        "INSERT OR REPLACE INTO pins (round, org_id, submission_id) VALUES (?1, ?2, ?3)",
        params![round, org, submission],
    )
    .map_err(db_err)?;
    store::audit(
        &tx,
        actor,
        "pin",
        &format!("submission {submission}"),
        reason,
    )?;
    tx.commit().map_err(db_err)
}

/// Deletes what was received before `before` (files, submissions, pins), keeping
/// roster, rounds, keys and the audit log; recorded in the audit log. Returns the number of
/// submissions deleted.
pub fn purge(c: &mut Campaign, before: chrono::NaiveDate, actor: &str) -> Result<u64> {
    let cut = before.to_string();
    let tx = c.conn.transaction().map_err(db_err)?;
    let sel = "SELECT id FROM submissions WHERE received_at < ?1";
    tx.execute(
        &format!("DELETE FROM pins WHERE submission_id IN ({sel})"),
        [&cut],
    )
    .map_err(db_err)?;
    let n = tx
        .execute("DELETE FROM submissions WHERE received_at < ?1", [&cut])
        .map_err(db_err)?;
    tx.execute(
        "DELETE FROM files WHERE digest NOT IN (SELECT file_digest FROM submissions)",
        [],
    )
    .map_err(db_err)?;
    store::audit(
        &tx,
        actor,
        "purge",
        &format!("{n} submissions received before {cut}"),
        "",
    )?;
    tx.commit().map_err(db_err)?;
    c.conn.execute_batch("VACUUM").map_err(db_err)?;
    Ok(n as u64)
}
