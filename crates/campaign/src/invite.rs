//! `invite`: each organisation's questionnaire (xlsx, offline HTML, YAML) with its header and
//! a new submission key for the round, written owner-only under
//! `DIR/invitations/round-N/`; or, for large rosters, one shared questionnaire and a key list
//! for mail merge. Re-inviting issues new keys and revokes the old ones.

use crate::keys;
use crate::packs;
use crate::store::{self, Campaign, Result, db_err};
use hegui_core::answers::{Contact, Facts, Organisation, PackRef, Submission, SubmissionKey};
use hegui_core::text::Lang;
use rusqlite::params;
use std::path::PathBuf;

/// Invitation forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Excel workbook.
    Xlsx,
    /// Offline HTML form.
    Html,
    /// YAML facts file.
    Yaml,
}

impl Form {
    fn ext(self) -> &'static str {
        match self {
            Form::Xlsx => "xlsx",
            Form::Html => "html",
            Form::Yaml => "yaml",
        }
    }
}

/// What `invite` was asked.
#[derive(Clone, Debug)]
pub struct InviteOptions {
    /// Forms written per organisation.
    pub forms: Vec<Form>,
    /// One shared questionnaire and a key list instead of one set per organisation.
    pub shared: bool,
    /// Only these organisations (credit codes or roster ids); all when empty.
    pub only: Vec<String>,
    /// The assessment date the questionnaires start from.
    pub date: chrono::NaiveDate,
    /// Language of the questionnaires.
    pub lang: Lang,
}

/// What `invite` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invited {
    /// Organisations given a new key.
    pub organisations: usize,
    /// The directory written.
    pub dir: PathBuf,
}

struct Org {
    id: i64,
    org_key: String,
    credit_code: Option<String>,
    name: String,
    region_code: Option<String>,
    industry: Option<String>,
    contact: Contact,
}

fn blank_facts(pack: &hegui_core::model::Pack, org: &Org, date: chrono::NaiveDate) -> Facts {
    let qn = &pack.questionnaire;
    let pack_ref = PackRef {
        id: pack.meta.id.clone(),
        version: pack.meta.version.clone(),
        questionnaire_digest: Some(qn.digest.clone()),
    };
    // Several packs: the header names each (facts format 2), as `hegui questionnaire` does.
    let packs = if pack.members.is_empty() {
        vec![pack_ref.clone()]
    } else {
        pack.members
            .iter()
            .map(|m| PackRef {
                id: m.id.clone(),
                version: m.version.clone(),
                questionnaire_digest: Some(m.questionnaire_digest.clone()),
            })
            .collect()
    };
    Facts {
        pack: packs.first().cloned().unwrap_or(pack_ref),
        packs,
        ignored_answers: Vec::new(),
        organisation: Organisation {
            name: org.name.clone(),
            credit_code: org.credit_code.clone(),
            region_code: org.region_code.clone(),
            industry: org.industry.clone(),
            contact: (org.contact != Contact::default()).then(|| org.contact.clone()),
        },
        prepared_by: None,
        responsible_person: None,
        assessment_date: date,
        answers: vec![None; qn.questions.len()],
        groups: vec![None; qn.groups.len()],
        waivers: Vec::new(),
        submission: None,
    }
}

/// The organisation's answers of the previous round (its current submission), carried to this
/// round's pack as `hegui migrate` carries them when the version changed; `None` when there is
/// none or they do not carry cleanly.
fn previous_answers(
    c: &rusqlite::Connection,
    round: i64,
    org: i64,
    pack: &hegui_core::model::Pack,
) -> Option<Facts> {
    if round <= 1 {
        return None;
    }
    let (path, bytes): (String, Vec<u8>) = c
        .query_row(
            "SELECT s.path, f.bytes FROM current_submissions s JOIN files f ON f.digest = s.file_digest WHERE s.round = ?1 AND s.org_id = ?2",
            params![round - 1, org],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok()?;
    let old = packs::joint(&packs::of_round(c, round - 1).ok()?).ok()?;
    let limits = hegui_core::Limits::default();
    let loaded = hegui_batch::load_submission_bytes(&path, bytes, &old, &limits).ok()?;
    if packs::versions(&old) == packs::versions(pack) {
        return Some(loaded.facts);
    }
    let (_, text) =
        hegui_core::facts::migrate::migrate_checked(&old, &loaded.facts, pack, "migrated.yaml")
            .ok()?;
    hegui_core::facts::load_facts("migrated.yaml", &text, pack)
        .ok()
        .map(|l| l.facts)
}

fn yaml_text(pack: &hegui_core::model::Pack, facts: &Facts) -> String {
    let mut doc = hegui_core::facts::write::facts_json(pack, facts);
    hegui_core::facts::write::add_submission(&mut doc, facts);
    format!(
        "# hegui campaign invite: 请填写 answers 后交回；报送码 submission.key 请勿修改 / fill in the answers and return this file; do not change submission.key\n{}",
        hegui_core::facts::write::yaml_from_json(&doc)
    )
}

fn write_forms(
    pack: &hegui_core::model::Pack,
    facts: &Facts,
    forms: &[Form],
    dir: &std::path::Path,
    stem: &str,
    opts: &InviteOptions,
) -> Result<()> {
    for form in forms {
        let bytes = match form {
            Form::Xlsx => hegui_office::xlsx::workbook(pack, opts.date, opts.lang, Some(facts))?,
            Form::Html => {
                hegui_report::questionnaire::html::render(pack, opts.date, opts.lang, Some(facts))?
                    .into_bytes()
            }
            Form::Yaml => yaml_text(pack, facts).into_bytes(),
        };
        store::private_write(&dir.join(format!("{stem}.{}", form.ext())), &bytes)?;
    }
    Ok(())
}

/// A name safe as a file name (the org key is a credit code or a roster id already).
fn stem(org_key: &str) -> String {
    org_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the invitations of the current round.
pub fn invite(c: &mut Campaign, opts: &InviteOptions, actor: &str) -> Result<Invited> {
    let round = c.current_round()?;
    let pack = packs::joint(&packs::of_round(&c.conn, round)?)?;
    let pack = &*pack;
    let salt = keys::campaign_salt(c)?;
    let out = c.dir.join("invitations").join(format!("round-{round}"));
    store::private_dir(&c.dir.join("invitations"))?;
    store::private_dir(&out)?;
    let only: Vec<String> = opts.only.iter().map(|s| s.trim().to_uppercase()).collect();
    let orgs: Vec<Org> = {
        let mut stmt = c
            .conn
            .prepare("SELECT id, org_key, credit_code, name, region_code, industry, contact_name, contact_phone, contact_email FROM organisations ORDER BY roster_line, id")
            .map_err(db_err)?;
        stmt.query_map([], |r| {
            Ok(Org {
                id: r.get(0)?,
                org_key: r.get(1)?,
                credit_code: r.get(2)?,
                name: r.get(3)?,
                region_code: r.get(4)?,
                industry: r.get(5)?,
                contact: Contact {
                    name: r.get(6)?,
                    phone: r.get(7)?,
                    email: r.get(8)?,
                },
            })
        })
        .map_err(db_err)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(db_err)?
        .into_iter()
        .filter(|o| only.is_empty() || only.contains(&o.org_key))
        .collect()
    };
    for k in &only {
        if !orgs.iter().any(|o| &o.org_key == k) {
            return Err(format!(
                "名单中没有 `{k}` / no organisation `{k}` in the roster"
            ));
        }
    }
    let tx = c.conn.transaction().map_err(db_err)?;
    let mut key_list = String::from(
        "\u{feff}org_key,credit_code,name,contact_name,contact_phone,contact_email,submission_key\n",
    );
    for org in &orgs {
        let key: SubmissionKey = keys::issue(&tx, &salt, org.id, round)?;
        if opts.shared {
            let cells = [
                org.org_key.as_str(),
                org.credit_code.as_deref().unwrap_or(""),
                &org.name,
                org.contact.name.as_deref().unwrap_or(""),
                org.contact.phone.as_deref().unwrap_or(""),
                org.contact.email.as_deref().unwrap_or(""),
                &key.written(),
            ];
            key_list.push_str(
                &cells
                    .iter()
                    .map(|s| hegui_batch::csv_cell(s))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            key_list.push('\n');
            continue;
        }
        let mut facts = previous_answers(&tx, round, org.id, pack)
            .map(|mut f| {
                let blank = blank_facts(pack, org, opts.date);
                f.organisation = blank.organisation;
                f.assessment_date = opts.date;
                f
            })
            .unwrap_or_else(|| blank_facts(pack, org, opts.date));
        facts.submission = Some(Submission::Key(key));
        write_forms(pack, &facts, &opts.forms, &out, &stem(&org.org_key), opts)?;
    }
    if opts.shared {
        let blank = Org {
            id: 0,
            org_key: String::new(),
            credit_code: None,
            name: String::new(),
            region_code: None,
            industry: None,
            contact: Contact::default(),
        };
        let mut facts = blank_facts(pack, &blank, opts.date);
        // A blank 报送码 row for the organisation to copy its key from the key list into.
        facts.submission = Some(Submission::Malformed);
        write_forms(pack, &facts, &opts.forms, &out, "questionnaire", opts)?;
        store::private_write(&out.join("keys.csv"), key_list.as_bytes())?;
    }
    store::audit(
        &tx,
        actor,
        "invite",
        &format!(
            "round {round}: {} organisations{}",
            orgs.len(),
            if opts.shared {
                " (shared questionnaire, key list)"
            } else {
                ""
            }
        ),
        "",
    )?;
    tx.commit().map_err(db_err)?;
    Ok(Invited {
        organisations: orgs.len(),
        dir: out,
    })
}
