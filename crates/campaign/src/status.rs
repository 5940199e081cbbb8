//! `status`: the roster against what arrived in a round.

use crate::store::{Campaign, Result, db_err};
use serde::Serialize;

/// One organisation's standing in a round.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OrgStatus {
    /// Credit code or roster id.
    pub org_key: String,
    /// Registered name (roster).
    pub name: String,
    /// Region code (roster).
    pub region_code: Option<String>,
    /// Industry (roster).
    pub industry: Option<String>,
    /// Contact person (roster).
    pub contact_name: Option<String>,
    /// Contact phone (roster).
    pub contact_phone: Option<String>,
    /// Contact e-mail (roster).
    pub contact_email: Option<String>,
    /// `answered`, `rejected` (only broken files arrived) or `missing`.
    pub state: &'static str,
    /// The current submission arrived after the round's due date.
    pub late: bool,
    /// The current submission's id.
    pub submission: Option<i64>,
    /// Earlier valid submissions it supersedes (or that the pinned one outranks).
    pub superseded: i64,
    /// Broken files received from the organisation.
    pub rejected_files: i64,
    /// The current submission's verdict.
    pub verdict: Option<String>,
    /// The current submission's score.
    pub score: Option<i64>,
}

/// A received file that belongs to no organisation (yet).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Unmatched {
    /// Submission id (for `assign`).
    pub submission: i64,
    /// `unmatched` (valid) or `rejected` (broken and unattributed).
    pub state: String,
    /// Why: `none` (no key), `other_round`, `revoked`, `mismatch`, `malformed`.
    pub key_check: String,
    /// Path as found in the inbox.
    pub path: String,
    /// When it was received.
    pub received_at: String,
    /// The name the file gives.
    pub claimed_name: Option<String>,
    /// The credit code the file gives.
    pub claimed_credit_code: Option<String>,
}

/// A round's status: the counts (the rows are streamed, see [`status`]).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Status {
    /// Round.
    pub round: i64,
    /// Due date.
    pub due_date: Option<String>,
    /// Counts: roster, answered, late, rejected, missing, unmatched, superseded.
    pub counts: Counts,
}

/// The counts of a status.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Organisations in the roster.
    pub roster: u64,
    /// With a current valid submission.
    pub answered: u64,
    /// Of which received after the due date.
    pub late: u64,
    /// Only broken files.
    pub rejected: u64,
    /// Nothing received.
    pub missing: u64,
    /// Files tied to no organisation.
    pub unmatched: u64,
    /// Valid submissions superseded by a later one (or a pin).
    pub superseded: u64,
}

/// The round a status is of (the current one when `None`) and its due date.
pub fn round_of(c: &Campaign, round: Option<i64>) -> Result<(i64, Option<String>)> {
    let round = match round {
        Some(r) => r,
        None => c.current_round()?,
    };
    let due_date: Option<String> = c
        .conn
        .query_row(
            "SELECT due_date FROM rounds WHERE number = ?1",
            [round],
            |r| r.get(0),
        )
        .map_err(|_| format!("没有第 {round} 轮 / no round {round}"))?;
    Ok((round, due_date))
}

/// The status of `round` (the current round when `None`): each organisation, in roster order,
/// is given to `org` and each file that belongs to no organisation, in receipt order, to
/// `unmatched`, one at a time (memory does not grow with the roster); returns the counts.
pub fn status(
    c: &Campaign,
    round: Option<i64>,
    org: impl FnMut(&OrgStatus) -> Result<()>,
    unmatched: impl FnMut(&Unmatched) -> Result<()>,
) -> Result<Status> {
    let (round, due_date) = round_of(c, round)?;
    let mut counts = organisations(c, round, org)?;
    counts.unmatched = unmatched_files(c, round, unmatched)?;
    Ok(Status {
        round,
        due_date,
        counts,
    })
}

/// Each organisation's standing in `round`, in roster order, given to `org` one at a time;
/// returns the counts (all but `unmatched`).
pub fn organisations(
    c: &Campaign,
    round: i64,
    mut org: impl FnMut(&OrgStatus) -> Result<()>,
) -> Result<Counts> {
    let mut stmt = c
        .conn
        .prepare(
            "WITH acc AS (SELECT org_id, SUM(state = 'accepted') AS a, SUM(state = 'rejected') AS r
                          FROM submissions WHERE round = ?1 AND org_id IS NOT NULL GROUP BY org_id),
                  cur AS (SELECT s.org_id, s.id, s.late, s.verdict, s.score FROM submissions s
                          WHERE s.round = ?1 AND s.state = 'accepted' AND s.org_id IS NOT NULL
                          AND s.id = COALESCE((SELECT p.submission_id FROM pins p WHERE p.round = ?1 AND p.org_id = s.org_id),
                                              (SELECT MAX(t.id) FROM submissions t WHERE t.round = ?1 AND t.org_id = s.org_id AND t.state = 'accepted')))
             SELECT o.org_key, o.name, o.region_code, o.industry, o.contact_name, o.contact_phone, o.contact_email,
                    cur.id, cur.late, cur.verdict, cur.score, COALESCE(acc.a, 0), COALESCE(acc.r, 0)
             FROM organisations o LEFT JOIN cur ON cur.org_id = o.id LEFT JOIN acc ON acc.org_id = o.id
             ORDER BY o.roster_line, o.id",
        )
        .map_err(db_err)?;
    let mut counts = Counts::default();
    let mut rows = stmt.query([round]).map_err(db_err)?;
    while let Some(r) = rows.next().map_err(db_err)? {
        let o = (|| -> rusqlite::Result<OrgStatus> {
            let submission: Option<i64> = r.get(7)?;
            let accepted: i64 = r.get(11)?;
            let rejected: i64 = r.get(12)?;
            let state = if submission.is_some() {
                "answered"
            } else if rejected > 0 {
                "rejected"
            } else {
                "missing"
            };
            Ok(OrgStatus {
                org_key: r.get(0)?,
                name: r.get(1)?,
                region_code: r.get(2)?,
                industry: r.get(3)?,
                contact_name: r.get(4)?,
                contact_phone: r.get(5)?,
                contact_email: r.get(6)?,
                state,
                late: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
                submission,
                superseded: (accepted - 1).max(0),
                rejected_files: rejected,
                verdict: r.get(9)?,
                score: r.get(10)?,
            })
        })()
        .map_err(db_err)?;
        counts.roster += 1;
        match o.state {
            "answered" => counts.answered += 1,
            "rejected" => counts.rejected += 1,
            _ => counts.missing += 1,
        }
        counts.late += u64::from(o.late);
        counts.superseded += o.superseded as u64;
        org(&o)?;
    }
    Ok(counts)
}

/// Each file of `round` that belongs to no organisation, in receipt order, given to
/// `unmatched`; returns how many.
pub fn unmatched_files(
    c: &Campaign,
    round: i64,
    mut unmatched: impl FnMut(&Unmatched) -> Result<()>,
) -> Result<u64> {
    let mut n = 0;
    let mut stmt = c
        .conn
        .prepare(
            "SELECT id, state, key_check, path, received_at, claimed_name, claimed_credit_code
             FROM submissions WHERE round = ?1 AND org_id IS NULL ORDER BY id",
        )
        .map_err(db_err)?;
    let mut rows = stmt.query([round]).map_err(db_err)?;
    while let Some(r) = rows.next().map_err(db_err)? {
        let u = (|| -> rusqlite::Result<Unmatched> {
            Ok(Unmatched {
                submission: r.get(0)?,
                state: r.get(1)?,
                key_check: r.get(2)?,
                path: r.get(3)?,
                received_at: r.get(4)?,
                claimed_name: r.get(5)?,
                claimed_credit_code: r.get(6)?,
            })
        })()
        .map_err(db_err)?;
        n += 1;
        unmatched(&u)?;
    }
    Ok(n)
}
