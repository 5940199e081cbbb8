//! The packs a round pins, and the small adapters between the engine's results and what the
//! store keeps (so a change of the result model touches only this file).

use crate::store::{Result, db_err};
use hegui_core::eval::outcome::RuleOutcome;
use hegui_core::eval::score::Score;
use hegui_core::model::Pack;
use rusqlite::params;
use std::path::Path;

/// A pinned pack: where it comes from and what it is.
#[derive(Clone, Debug)]
pub struct Pinned {
    /// `embedded` or a directory path.
    pub source: String,
    /// The pack.
    pub pack: std::sync::Arc<Pack>,
}

/// Loads a pack named `ID`, `ID@VERSION` (embedded) or a pack directory (`--rules DIR`).
pub fn resolve(spec: &str) -> Result<Pinned> {
    let path = Path::new(spec);
    if path.is_dir() {
        let mut files = hegui_core::PackFiles::from_dir(path).map_err(|d| d.to_string())?;
        // The question library it names: beside the pack, else the embedded one (as `--rules`).
        if let Some(lib) = files.find_library(path, &[]).map_err(|d| d.to_string())?
            && let Some(lib_files) = hegui_packs::library_files(&lib)
        {
            files.attach_library(&lib, lib_files);
        }
        let loaded = hegui_core::load_pack(&files).map_err(|ds| {
            ds.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let abs = path
            .canonicalize()
            .map_err(|e| format!("{spec}: {e}"))?
            .display()
            .to_string();
        return Ok(Pinned {
            source: abs,
            pack: std::sync::Arc::new(loaded.pack),
        });
    }
    let (id, version) = spec.split_once('@').unwrap_or((spec, ""));
    let loaded = match hegui_packs::load(id) {
        Some(Ok(l)) => l,
        Some(Err(ds)) => {
            return Err(ds
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"));
        }
        None => {
            return Err(format!(
                "没有内置规则包 `{id}` / no embedded pack `{id}` (embedded: {}; a pack directory may be named instead)",
                hegui_packs::pack_ids().join(", ")
            ));
        }
    };
    if !version.is_empty() && loaded.pack.meta.version != version {
        return Err(format!(
            "内置规则包 {id} 的版本是 {}，不是 {version} / the embedded pack {id} is version {}, not {version}",
            loaded.pack.meta.version, loaded.pack.meta.version
        ));
    }
    Ok(Pinned {
        source: "embedded".into(),
        pack: std::sync::Arc::new(loaded.pack),
    })
}

/// The pack a round's submissions are read and assessed with: its one pack, or for several
/// packs the set's joint view (one questionnaire, every pack's rules in order; `members` says
/// which rules are whose), as `hegui batch --pack A --pack B` reads them.
pub fn joint(pinned: &[Pinned]) -> Result<std::sync::Arc<Pack>> {
    match pinned {
        [] => Err("轮次没有规则包 / the round pins no pack".into()),
        [one] => Ok(one.pack.clone()),
        several => {
            let set = hegui_core::load::set::pack_set(
                several.iter().map(|p| (*p.pack).clone()).collect(),
            )
            .map_err(|ds| {
                ds.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            set.view()
                .cloned()
                .map(std::sync::Arc::new)
                .ok_or_else(|| "轮次没有规则包 / the round pins no pack".into())
        }
    }
}

/// The packs a (joint) pack stands for, as `(id, version)` in order.
pub fn versions(pack: &Pack) -> Vec<(&str, &str)> {
    if pack.members.is_empty() {
        vec![(pack.meta.id.as_str(), pack.meta.version.as_str())]
    } else {
        pack.members
            .iter()
            .map(|m| (m.id.as_str(), m.version.as_str()))
            .collect()
    }
}

/// Pins `packs` for `round` and records their rules.
pub fn pin(c: &rusqlite::Connection, round: i64, packs: &[Pinned]) -> Result<()> {
    // The packs must load together (one questionnaire) before anything is stored.
    joint(packs)?;
    let mut offset = 0i64;
    for (i, p) in packs.iter().enumerate() {
        let m = &p.pack.meta;
        c.execute(
                "INSERT INTO round_packs (round, position, pack_id, pack_version, source, questionnaire_digest, rule_offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![round, i as i64, m.id, m.version, p.source, p.pack.questionnaire.digest, offset],
            )
            .map_err(db_err)?;
        offset += p.pack.rules.len() as i64;
        for (n, r) in p.pack.rules.iter().enumerate() {
            c.execute(
                    "INSERT OR IGNORE INTO rules (pack_id, pack_version, rule_id, position, rule_digest, level, severity, section, title_zh, title_en) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        m.id,
                        m.version,
                        r.id,
                        n as i64 + 1,
                        r.digest,
                        level_name(r.level),
                        severity_name(r.severity),
                        r.section,
                        r.title.zh,
                        r.title.en
                    ],
                )
                .map_err(db_err)?;
        }
    }
    Ok(())
}

/// The packs pinned for `round`, loaded.
pub fn of_round(c: &rusqlite::Connection, round: i64) -> Result<Vec<Pinned>> {
    let mut stmt = c
        .prepare("SELECT pack_id, pack_version, source FROM round_packs WHERE round = ?1 ORDER BY position")
        .map_err(db_err)?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([round], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(db_err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(db_err)?;
    let mut out = Vec::new();
    for (id, version, source) in rows {
        let spec = if source == "embedded" {
            format!("{id}@{version}")
        } else {
            source.clone()
        };
        let p = resolve(&spec)?;
        if p.pack.meta.id != id || p.pack.meta.version != version {
            return Err(format!(
                "round {round} pinned {id} {version}, but {spec} is now {} {} / 轮次固定的规则包已改变",
                p.pack.meta.id, p.pack.meta.version
            ));
        }
        out.push(p);
    }
    if out.is_empty() {
        return Err(format!("round {round} pins no pack"));
    }
    Ok(out)
}

/// A rule level as stored.
pub fn level_name(l: hegui_core::model::Level) -> &'static str {
    match l {
        hegui_core::model::Level::Required => "required",
        hegui_core::model::Level::Recommended => "recommended",
    }
}

/// A severity as stored.
pub fn severity_name(s: hegui_core::model::Severity) -> String {
    format!("{s:?}").to_lowercase()
}

/// What the store keeps of an assessment's overall result (adapter over today's
/// [`Score`]; the per-pack result list of a later result format maps here).
#[derive(Clone, Debug, PartialEq)]
pub struct Overall {
    /// `not_compliant`, `undecided`, `waived`, `compliant` or `no_obligations`.
    pub verdict: &'static str,
    /// Score (percent), when defined.
    pub score: Option<u32>,
    /// Coverage (percent), when defined.
    pub coverage: Option<u32>,
    /// Required rules that fail.
    pub failed_required: usize,
}

/// The overall result of rule outcomes. For a set's joint pack, the overall verdict of the
/// packs' verdicts and no score or coverage (a score exists per pack only, as in `hegui
/// batch`).
pub fn overall(pack: &Pack, outs: &[RuleOutcome]) -> Overall {
    let s: Score = hegui_core::eval::outcome::score(pack, outs);
    let failed_required = pack
        .rules
        .iter()
        .zip(outs)
        .filter(|(r, o)| {
            r.level == hegui_core::model::Level::Required
                && o.outcome == hegui_core::eval::assess::Outcome::Fail
        })
        .count();
    if !pack.members.is_empty() {
        let mut start = 0;
        let verdicts: Vec<_> = pack
            .members
            .iter()
            .map(|m| {
                let range = start..start + m.rules.len();
                start = range.end;
                let rules = pack.rules.get(range.clone()).unwrap_or_default();
                let outs = outs.get(range).unwrap_or_default();
                hegui_core::eval::outcome::score_items(
                    rules
                        .iter()
                        .zip(outs)
                        .map(|(r, o)| (r.level, r.severity, *o)),
                )
                .status()
            })
            .collect();
        return Overall {
            verdict: hegui_core::eval::score::overall(verdicts).name(),
            score: None,
            coverage: None,
            failed_required,
        };
    }
    Overall {
        verdict: hegui_core::eval::score::verdict(&s).status.name(),
        score: s.score,
        coverage: s.coverage,
        failed_required,
    }
}

/// An outcome's letter in `submissions.outcome_codes` (the `outcomes` view spells it out):
/// `d` is unanswered with a 不清楚 answer behind it.
pub fn outcome_letter(o: RuleOutcome) -> char {
    use hegui_core::eval::assess::Outcome;
    match o.outcome {
        Outcome::Pass => 'p',
        Outcome::Fail => 'f',
        Outcome::NotApplicable => 'n',
        Outcome::Unanswered if o.dont_know => 'd',
        Outcome::Unanswered => 'u',
        Outcome::Waived => 'w',
    }
}

/// The outcome a letter of `submissions.outcome_codes` stands for ([`outcome_letter`]).
pub fn outcome_of_letter(c: char) -> Option<RuleOutcome> {
    use hegui_core::eval::assess::Outcome;
    let (outcome, dont_know) = match c {
        'p' => (Outcome::Pass, false),
        'f' => (Outcome::Fail, false),
        'n' => (Outcome::NotApplicable, false),
        'u' => (Outcome::Unanswered, false),
        'd' => (Outcome::Unanswered, true),
        'w' => (Outcome::Waived, false),
        _ => return None,
    };
    Some(RuleOutcome { outcome, dont_know })
}
