//! `notices`: per-organisation rectification reminders from templates (`templates/notice.md.j2`,
//! `templates/notice.html.j2`), listing each required duty the organisation's own answers
//! fail, with its national legal basis (never the provincial source text) and the round's
//! rectification deadline. Issuing authority, document number, date and signature are template
//! fields; the text says it rests on the self-assessment and is an aid, not legal advice, not
//! an administrative order or penalty decision.

use crate::packs;
use crate::store::{self, Campaign, Result, db_err};
use hegui_core::eval::assess::{AssessOptions, Outcome};
use hegui_core::model::Level;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The template fields a regulator fills in.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NoticeFields {
    /// Issuing authority (发文机关).
    pub authority: Option<String>,
    /// Document number (文号).
    pub doc_number: Option<String>,
    /// Date of issue.
    pub date: Option<String>,
    /// Signature block.
    pub signature: Option<String>,
}

#[derive(Serialize)]
struct Gap {
    rule: String,
    title_zh: String,
    title_en: String,
    severity: String,
    basis: Vec<String>,
    remediation_zh: String,
    remediation_en: String,
}

#[derive(Serialize)]
struct OrgView {
    name: String,
    org_key: String,
}

/// What `notices` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Noticed {
    /// Organisations given a notice.
    pub organisations: usize,
    /// The directory written.
    pub dir: PathBuf,
}

fn environment() -> Result<minijinja::Environment<'static>> {
    let mut env = minijinja::Environment::new();
    for name in ["notice.md.j2", "notice.html.j2"] {
        let text = hegui_report::templates::template(name)
            .ok_or_else(|| format!("template `{name}` is missing"))?;
        env.add_template(name, text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    Ok(env)
}

/// Writes a notice (Markdown and HTML) for each organisation whose current submission in the
/// round fails a required rule, into `out` (default `DIR/notices/round-N`).
pub fn notices(
    c: &Campaign,
    round: Option<i64>,
    fields: &NoticeFields,
    out: Option<&Path>,
) -> Result<Noticed> {
    let round = match round {
        Some(r) => r,
        None => c.current_round()?,
    };
    let rectify_by: Option<String> = c
        .conn
        .query_row(
            "SELECT rectify_by FROM rounds WHERE number = ?1",
            [round],
            |r| r.get(0),
        )
        .map_err(|_| format!("没有第 {round} 轮 / no round {round}"))?;
    let pinned = packs::of_round(&c.conn, round)?;
    let pin = pinned
        .first()
        .ok_or_else(|| format!("round {round} pins no pack"))?;
    let pack = &pin.pack;
    let dir = out.map_or_else(
        || c.dir.join("notices").join(format!("round-{round}")),
        Path::to_path_buf,
    );
    store::private_dir(&c.dir.join("notices"))?;
    store::private_dir(&dir)?;
    let env = environment()?;
    let mut stmt = c
        .conn
        .prepare(
            "SELECT o.org_key, o.name, s.path, f.bytes FROM current_submissions s
             JOIN organisations o ON o.id = s.org_id JOIN files f ON f.digest = s.file_digest
             WHERE s.round = ?1 AND s.failed_required > 0 ORDER BY o.roster_line, o.id",
        )
        .map_err(db_err)?;
    let mut rows = stmt.query([round]).map_err(db_err)?;
    let mut n = 0;
    let limits = hegui_core::Limits::default();
    while let Some(r) = rows.next().map_err(db_err)? {
        let org_key: String = r.get(0).map_err(db_err)?;
        let name: String = r.get(1).map_err(db_err)?;
        let path: String = r.get(2).map_err(db_err)?;
        let bytes: Vec<u8> = r.get(3).map_err(db_err)?;
        let loaded = hegui_batch::load_submission_bytes(&path, bytes, pack, &limits)
            .map_err(|e| e.join("\n"))?;
        let a = hegui_core::eval::assess::assess(
            pack,
            &loaded.facts,
            AssessOptions {
                ignore_waivers: true,
            },
        );
        let gaps: Vec<Gap> = a
            .findings()
            .filter(|f| f.outcome == Outcome::Fail && f.level == Level::Required)
            .map(|f| Gap {
                rule: f.rule_id.clone(),
                title_zh: f.title.zh.clone(),
                title_en: f.title.en.clone(),
                severity: packs::severity_name(f.severity),
                // National law only: the instruments that bind companies; the provincial
                // source text is context, never the basis.
                basis: f
                    .references
                    .iter()
                    .filter(|r| r.binding)
                    .map(|r| {
                        let n = hegui_core::model::Numbering::default_for(r.kind)
                            .article_number(&r.article);
                        format!("《{}》{}", r.title.zh, n.zh)
                    })
                    .collect(),
                remediation_zh: f.remediation.zh.clone(),
                remediation_en: f.remediation.en.clone(),
            })
            .collect();
        if gaps.is_empty() {
            continue;
        }
        let ctx = minijinja::context! {
            org => minijinja::value::Serde(OrgView { name, org_key: org_key.clone() }),
            round => round,
            assessment_date => loaded.facts.assessment_date.to_string(),
            rectify_by => rectify_by.clone(),
            gaps => minijinja::value::Serde(&gaps),
            authority => fields.authority.clone(),
            doc_number => fields.doc_number.clone(),
            date => fields.date.clone(),
            signature => fields.signature.clone(),
        };
        let stem: String = org_key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        for (tmpl, ext) in [("notice.md.j2", "md"), ("notice.html.j2", "html")] {
            let text = env
                .get_template(tmpl)
                .and_then(|t| t.render(&ctx))
                .map_err(|e| format!("template {tmpl}: {e}"))?;
            store::private_write(&dir.join(format!("{stem}.{ext}")), text.as_bytes())?;
        }
        n += 1;
    }
    Ok(Noticed {
        organisations: n,
        dir,
    })
}
