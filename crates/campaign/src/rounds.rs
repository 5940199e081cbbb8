//! Rounds: opening the next round (a follow-up 回头看, possibly with a newer pack version) and
//! comparing a round with the one before, per organisation and overall, keeping changes due to
//! the pack (a rule added, removed or changed: its `rule_digest` differs) apart from changes in
//! the answers, as `hegui diff` does.

use crate::packs;
use crate::store::{self, Campaign, Result, db_err, now};
use rusqlite::params;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Opens the next round, pinning `pack_specs` (default: the previous round's packs).
pub fn new_round(
    c: &mut Campaign,
    pack_specs: &[String],
    due: Option<chrono::NaiveDate>,
    rectify_by: Option<chrono::NaiveDate>,
    actor: &str,
) -> Result<i64> {
    let prev = c.current_round()?;
    let pinned = if pack_specs.is_empty() {
        packs::of_round(&c.conn, prev)?
    } else {
        pack_specs
            .iter()
            .map(|s| packs::resolve(s))
            .collect::<Result<Vec<_>>>()?
    };
    let round = prev + 1;
    let tx = c.conn.transaction().map_err(db_err)?;
    tx.execute(
        "INSERT INTO rounds (number, opened_at, due_date, rectify_by) VALUES (?1, ?2, ?3, ?4)",
        params![
            round,
            now(),
            due.map(|d| d.to_string()),
            rectify_by.map(|d| d.to_string())
        ],
    )
    .map_err(db_err)?;
    packs::pin(&tx, round, &pinned)?;
    let what: Vec<String> = pinned
        .iter()
        .map(|p| format!("{} {}", p.pack.meta.id, p.pack.meta.version))
        .collect();
    store::audit(
        &tx,
        actor,
        "round new",
        &format!("round {round}: {}", what.join(", ")),
        "",
    )?;
    tx.commit().map_err(db_err)?;
    Ok(round)
}

/// Sets the current round's due date and rectification deadline.
pub fn set_round(
    c: &mut Campaign,
    due: Option<chrono::NaiveDate>,
    rectify_by: Option<chrono::NaiveDate>,
    actor: &str,
) -> Result<i64> {
    let round = c.current_round()?;
    let tx = c.conn.transaction().map_err(db_err)?;
    if let Some(d) = due {
        tx.execute(
            "UPDATE rounds SET due_date = ?1 WHERE number = ?2",
            params![d.to_string(), round],
        )
        .map_err(db_err)?;
    }
    if let Some(d) = rectify_by {
        tx.execute(
            "UPDATE rounds SET rectify_by = ?1 WHERE number = ?2",
            params![d.to_string(), round],
        )
        .map_err(db_err)?;
    }
    store::audit(
        &tx,
        actor,
        "round set",
        &format!(
            "round {round}: due {} rectify_by {}",
            due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            rectify_by
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into())
        ),
        "",
    )?;
    tx.commit().map_err(db_err)?;
    Ok(round)
}

/// One rule's change for one organisation.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RuleChange {
    /// Rule id.
    pub rule: String,
    /// The pack of the rule (of this round, else of the earlier one).
    pub pack: String,
    /// Outcome in the earlier round (`None`: the rule was not in its pack).
    pub before: Option<String>,
    /// Outcome in this round (`None`: the rule is no longer in the pack).
    pub after: Option<String>,
    /// `fixed`, `still_failing`, `regressed`, `new` or `no_longer_applicable`.
    pub kind: &'static str,
    /// `answers` (same rule, the answers changed) or `pack` (the rule was added, removed or
    /// changed between the two pack versions).
    pub cause: &'static str,
}

/// One organisation's changes.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OrgChanges {
    /// Credit code or roster id.
    pub org_key: String,
    /// Name.
    pub name: String,
    /// Whether it answered in the earlier round (otherwise every failure is `new`).
    pub answered_before: bool,
    /// The changes, by rule id.
    pub changes: Vec<RuleChange>,
}

/// A round compared with the one before.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Comparison {
    /// The earlier round.
    pub from: i64,
    /// This round.
    pub to: i64,
    /// Packs of each round: `id version`, joined with `, `.
    pub packs: (String, String),
    /// Counts by kind, then by cause.
    pub totals: BTreeMap<String, BTreeMap<String, u64>>,
    /// Organisations with a current submission in this round.
    pub organisations: Vec<OrgChanges>,
}

fn classify(before: Option<&str>, after: Option<&str>) -> Option<&'static str> {
    match (before, after) {
        (Some("fail"), Some("fail")) => Some("still_failing"),
        (Some("fail"), Some("pass")) => Some("fixed"),
        (Some("fail"), Some("not_applicable") | None) => Some("no_longer_applicable"),
        (Some("pass"), Some("fail")) => Some("regressed"),
        (_, Some("fail")) => Some("new"),
        _ => None,
    }
}

fn rule_digests(c: &Campaign, round: i64) -> Result<(String, HashMap<String, String>)> {
    let packs: Vec<String> = {
        let mut stmt = c
            .conn
            .prepare(
                "SELECT pack_id, pack_version FROM round_packs WHERE round = ?1 ORDER BY position",
            )
            .map_err(db_err)?;
        stmt.query_map([round], |r| {
            Ok(format!(
                "{} {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })
        .map_err(db_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db_err)?
    };
    if packs.is_empty() {
        return Err(format!("没有第 {round} 轮 / no round {round}"));
    }
    let mut stmt = c
        .conn
        .prepare(
            "SELECT r.rule_id, r.rule_digest FROM round_packs p
             JOIN rules r ON r.pack_id = p.pack_id AND r.pack_version = p.pack_version
             WHERE p.round = ?1",
        )
        .map_err(db_err)?;
    let map = stmt
        .query_map(params![round], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db_err)?;
    Ok((packs.join(", "), map))
}

/// An organisation's key, name and rule outcomes (rule id → outcome, pack id).
type OrgOutcomes = (String, String, BTreeMap<String, (String, String)>);

fn current_outcomes(c: &Campaign, round: i64) -> Result<BTreeMap<i64, OrgOutcomes>> {
    let mut stmt = c
        .conn
        .prepare(
            "SELECT o.id, o.org_key, o.name, x.rule_id, x.outcome, x.pack_id FROM current_submissions s
             JOIN organisations o ON o.id = s.org_id JOIN outcomes x ON x.submission_id = s.id
             WHERE s.round = ?1",
        )
        .map_err(db_err)?;
    let mut out: BTreeMap<i64, OrgOutcomes> = BTreeMap::new();
    let mut rows = stmt.query([round]).map_err(db_err)?;
    while let Some(r) = rows.next().map_err(db_err)? {
        let id: i64 = r.get(0).map_err(db_err)?;
        let e = out.entry(id).or_insert_with(|| {
            (
                r.get(1).unwrap_or_default(),
                r.get(2).unwrap_or_default(),
                BTreeMap::new(),
            )
        });
        e.2.insert(
            r.get(3).map_err(db_err)?,
            (r.get(4).map_err(db_err)?, r.get(5).map_err(db_err)?),
        );
    }
    Ok(out)
}

/// Compares `round` (default: the current one) with the round before.
pub fn compare(c: &Campaign, round: Option<i64>) -> Result<Comparison> {
    let to = match round {
        Some(r) => r,
        None => c.current_round()?,
    };
    if to < 2 {
        return Err("第 1 轮之前没有轮次可比较 / round 1 has no earlier round: open one with `round DIR new`".into());
    }
    let from = to - 1;
    let (pack_from, dig_from) = rule_digests(c, from)?;
    let (pack_to, dig_to) = rule_digests(c, to)?;
    let before = current_outcomes(c, from)?;
    let after = current_outcomes(c, to)?;
    let mut totals: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut organisations = Vec::new();
    for (org, (key, name, now_out)) in &after {
        let prev = before.get(org).map(|b| &b.2);
        let mut rules: Vec<&String> = now_out.keys().collect();
        if let Some(p) = prev {
            rules.extend(p.keys().filter(|k| !now_out.contains_key(*k)));
        }
        rules.sort();
        rules.dedup();
        let mut changes = Vec::new();
        for rule in rules {
            let b = prev.and_then(|p| p.get(rule)).map(|x| x.0.as_str());
            let a = now_out.get(rule).map(|x| x.0.as_str());
            let pack = now_out
                .get(rule)
                .or_else(|| prev.and_then(|p| p.get(rule)))
                .map(|x| x.1.clone())
                .unwrap_or_default();
            let Some(kind) = classify(b, a) else {
                continue;
            };
            let same_rule =
                matches!((dig_from.get(rule), dig_to.get(rule)), (Some(x), Some(y)) if x == y);
            let cause = if prev.is_none() || same_rule {
                "answers"
            } else {
                "pack"
            };
            *totals
                .entry(kind.to_string())
                .or_default()
                .entry(cause.to_string())
                .or_default() += 1;
            changes.push(RuleChange {
                rule: rule.clone(),
                pack,
                before: b.map(str::to_string),
                after: a.map(str::to_string),
                kind,
                cause,
            });
        }
        organisations.push(OrgChanges {
            org_key: key.clone(),
            name: name.clone(),
            answered_before: prev.is_some(),
            changes,
        });
    }
    organisations.sort_by(|a, b| a.org_key.cmp(&b.org_key));
    Ok(Comparison {
        from,
        to,
        packs: (pack_from, pack_to),
        totals,
        organisations,
    })
}

/// Writes `compare.json` and `compare.csv` (one line per organisation and rule change).
pub fn write_comparison(
    cmp: &Comparison,
    out: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>> {
    let json = serde_json::to_string_pretty(cmp).map_err(|e| e.to_string())? + "\n";
    let mut csv = String::from("\u{feff}org_key,name,pack,rule,before,after,kind,cause\n");
    for o in &cmp.organisations {
        for ch in &o.changes {
            let cells = [
                o.org_key.as_str(),
                &o.name,
                &ch.pack,
                &ch.rule,
                ch.before.as_deref().unwrap_or(""),
                ch.after.as_deref().unwrap_or(""),
                ch.kind,
                ch.cause,
            ];
            csv.push_str(
                &cells
                    .iter()
                    .map(|s| hegui_batch::csv_cell(s))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            csv.push('\n');
        }
    }
    let mut written = Vec::new();
    for (name, text) in [("compare.json", json), ("compare.csv", csv)] {
        let p = out.join(name);
        store::private_write(&p, text.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}
