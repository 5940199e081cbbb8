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
        let files = hegui_core::PackFiles::from_dir(path).map_err(|d| d.to_string())?;
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

/// Pins `packs` for `round` and records their rules.
pub fn pin(c: &rusqlite::Connection, round: i64, packs: &[Pinned]) -> Result<()> {
    for (i, p) in packs.iter().enumerate() {
        let m = &p.pack.meta;
        c.execute(
                "INSERT INTO round_packs (round, position, pack_id, pack_version, source, questionnaire_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![round, i as i64, m.id, m.version, p.source, p.pack.questionnaire.digest],
            )
            .map_err(db_err)?;
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

/// The overall result of rule outcomes.
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
    Overall {
        verdict: hegui_core::eval::score::verdict(&s).status.name(),
        score: s.score,
        coverage: s.coverage,
        failed_required,
    }
}

/// An outcome's letter in `submissions.outcome_codes` (the `outcomes` view spells it out).
pub fn outcome_code(o: hegui_core::eval::assess::Outcome) -> char {
    use hegui_core::eval::assess::Outcome;
    match o {
        Outcome::Pass => 'p',
        Outcome::Fail => 'f',
        Outcome::NotApplicable => 'n',
        Outcome::Unanswered => 'u',
        Outcome::Waived => 'w',
    }
}
