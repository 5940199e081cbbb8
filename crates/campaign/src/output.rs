//! What a campaign writes for people: the round's batch overview from the store (`report`, the
//! batch writers themselves) and the status as CSV, xlsx and HTML with reminder lists.

use crate::packs;
use crate::status::{OrgStatus, Status, Unmatched};
use crate::store::{self, Campaign, Result, db_err};
use std::path::{Path, PathBuf};

/// What `report` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    /// Current submissions rolled up.
    pub submissions: u64,
    /// The output directory.
    pub out: PathBuf,
}

/// Writes `summary.json`, `summary.csv`, `summary.xlsx` and `overview.html` of a round's
/// current submissions (one per organisation) into `out` (default `DIR/report/round-N`),
/// from the results stored at `collect` (no second assessment), with the batch's own roll-up
/// and writers: the outputs are those `hegui batch --ignore-waivers` writes for the same
/// files, by the paths they were collected from. A submission stored by schema version 1
/// (without what the roll-up needs) is read from its stored bytes and assessed again.
pub fn report(
    c: &Campaign,
    round: Option<i64>,
    out: Option<&Path>,
    lang: hegui_core::text::Lang,
    as_of: chrono::NaiveDate,
) -> Result<Reported> {
    let round = match round {
        Some(r) => r,
        None => c.current_round()?,
    };
    let pack = packs::joint(&packs::of_round(&c.conn, round)?)?;
    let out = out.map_or_else(
        || c.dir.join("report").join(format!("round-{round}")),
        Path::to_path_buf,
    );
    store::private_dir(&c.dir.join("report"))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let opts = hegui_batch::BatchOptions {
        out: out.clone(),
        reports: None,
        ignore_waivers: true,
        lowest: 10,
        progress: false,
        lang,
        limits: hegui_core::Limits::default(),
        as_of,
        set: None,
    };
    let mut stmt = c
        .conn
        .prepare(
            "SELECT s.path, s.claimed_name, s.claimed_credit_code, s.claimed_region_code,
                    s.claimed_industry, s.assessment_date, s.scopes, s.warnings, s.outcome_codes,
                    s.file_digest
             FROM current_submissions s WHERE s.round = ?1 ORDER BY s.path, s.id",
        )
        .map_err(db_err)?;
    let mut rows = stmt.query([round]).map_err(db_err)?;
    let mut n = 0u64;
    let stored = std::iter::from_fn(|| {
        let next = (|| -> Result<Option<(String, hegui_batch::Processed)>> {
            let Some(r) = rows.next().map_err(db_err)? else {
                return Ok(None);
            };
            n += 1;
            let path: String = r.get(0).map_err(db_err)?;
            let row = match r.get::<_, Option<i64>>(6).map_err(db_err)? {
                Some(scopes) => stored_row(&pack, r, scopes)?,
                None => {
                    let digest: String = r.get(9).map_err(db_err)?;
                    assessed_again(c, &pack, &path, &digest)?
                }
            };
            Ok(Some((
                path,
                hegui_batch::Processed::Assessed(Box::new(row)),
            )))
        })();
        next.transpose()
    });
    let summary = hegui_batch::summarise_rows(&pack, stored, &opts)?;
    hegui_batch::write_all(&summary, &out, lang)?;
    Ok(Reported {
        submissions: summary.assessed,
        out,
    })
}

/// A submission's batch row from its stored columns (the statement of [`report`]).
fn stored_row(
    pack: &hegui_core::model::Pack,
    r: &rusqlite::Row<'_>,
    scopes: i64,
) -> Result<hegui_batch::Row> {
    let codes: String = r.get(8).map_err(db_err)?;
    let outs: Vec<hegui_core::eval::outcome::RuleOutcome> = codes
        .chars()
        .map(packs::outcome_of_letter)
        .collect::<Option<_>>()
        .filter(|o: &Vec<_>| o.len() == pack.rules.len())
        .ok_or_else(|| {
            format!(
                "{}: submissions.outcome_codes `{codes}` does not fit the round's pack",
                store::DB_FILE
            )
        })?;
    let date: String = r.get(5).map_err(db_err)?;
    Ok(hegui_batch::Row {
        name: r
            .get::<_, Option<String>>(1)
            .map_err(db_err)?
            .unwrap_or_default(),
        credit_code: r.get(2).map_err(db_err)?,
        region_code: r.get(3).map_err(db_err)?,
        industry: r.get(4).map_err(db_err)?,
        date: date.parse().map_err(|e| {
            format!(
                "{}: submissions.assessment_date `{date}`: {e}",
                store::DB_FILE
            )
        })?,
        scopes: scopes as u64,
        score: hegui_core::eval::outcome::score(pack, &outs),
        outcomes: outs.iter().map(|o| o.code()).collect(),
        warnings: usize::try_from(r.get::<_, Option<i64>>(7).map_err(db_err)?.unwrap_or(0))
            .unwrap_or(0),
        report: None,
    })
}

/// A submission's batch row from its stored bytes, assessed as `collect` assesses (for rows
/// stored by schema version 1).
fn assessed_again(
    c: &Campaign,
    pack: &hegui_core::model::Pack,
    path: &str,
    digest: &str,
) -> Result<hegui_batch::Row> {
    let bytes: Vec<u8> = c
        .conn
        .prepare_cached("SELECT bytes FROM files WHERE digest = ?1")
        .and_then(|mut s| s.query_row([digest], |r| r.get(0)))
        .map_err(db_err)?;
    let loaded =
        hegui_batch::load_submission_bytes(path, bytes, pack, &hegui_core::Limits::default())
            .map_err(|e| e.join("\n"))?;
    let outs = hegui_core::eval::outcome::outcomes(
        pack,
        &loaded.facts,
        hegui_core::eval::assess::AssessOptions {
            ignore_waivers: true,
        },
    );
    Ok(hegui_batch::Row::of(pack, &loaded, &outs))
}

const STATUS_COLUMNS: [&str; 12] = [
    "org_key 统一社会信用代码/名单编号",
    "name 单位名称",
    "region_code 行政区划代码",
    "industry 行业",
    "state 状态",
    "late 逾期",
    "submission 报送编号",
    "superseded 被替代",
    "rejected_files 退回文件",
    "verdict 结论",
    "score 得分",
    "contact 联系人",
];

fn status_row(o: &OrgStatus) -> [String; 12] {
    let contact = [&o.contact_name, &o.contact_phone, &o.contact_email]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    [
        o.org_key.clone(),
        o.name.clone(),
        o.region_code.clone().unwrap_or_default(),
        o.industry.clone().unwrap_or_default(),
        o.state.to_string(),
        if o.late { "late".into() } else { String::new() },
        o.submission.map(|x| x.to_string()).unwrap_or_default(),
        o.superseded.to_string(),
        o.rejected_files.to_string(),
        o.verdict.clone().unwrap_or_default(),
        o.score.map(|x| x.to_string()).unwrap_or_default(),
        contact,
    ]
}

fn csv_line(cells: &[String]) -> String {
    let mut s = cells
        .iter()
        .map(|c| hegui_batch::csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const UNMATCHED_COLUMNS: [&str; 7] = [
    "submission",
    "state",
    "key_check",
    "path",
    "received_at",
    "claimed_name",
    "claimed_credit_code",
];

/// Writes `status.csv`, `status.xlsx`, `status.html` and `reminders.csv` (the organisations
/// still to answer, with their contacts) of `round` into `out`, streaming: each organisation
/// goes to every file as it is read (the workbook in constant-memory mode, the HTML table to a
/// temporary file put after the counts), so memory does not grow with the roster. Each file
/// that belongs to no organisation is also given to `unmatched` (for the terminal). Returns
/// the status and the files written.
pub fn write_status(
    c: &Campaign,
    round: Option<i64>,
    out: &Path,
    mut unmatched: impl FnMut(&Unmatched),
) -> Result<(Status, Vec<PathBuf>)> {
    use rust_xlsxwriter::{Format, Workbook};
    store::private_dir(out)?;
    let header: Vec<String> = STATUS_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut csv = store::PrivateFile::create(&out.join("status.csv"))?;
    csv.write(b"\xEF\xBB\xBF")?;
    csv.write(csv_line(&header).as_bytes())?;
    let mut reminders = store::PrivateFile::create(&out.join("reminders.csv"))?;
    reminders.write(
        "\u{feff}org_key,name,state,contact_name,contact_phone,contact_email\n".as_bytes(),
    )?;
    let mut body = store::PrivateFile::create(&out.join("status-body.html"))?;
    let x = |e: rust_xlsxwriter::XlsxError| format!("status.xlsx: {e}");
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    // Constant memory: each row goes to a temporary file as it is written.
    let ws = wb.add_worksheet_with_constant_memory().map_err(x)?;
    ws.set_name("状态 Status").map_err(x)?;
    for (i, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &bold)
            .map_err(x)?;
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(x)?;
    ws.set_name("未匹配 Unmatched").map_err(x)?;
    for (i, h) in UNMATCHED_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(x)?;
    }
    let (round, due_date) = crate::status::round_of(c, round)?;
    let mut unmatched_html = store::PrivateFile::create(&out.join("status-unmatched.html"))?;
    let mut line = String::new();
    let mut row = 0u32;
    let mut counts = {
        let ws = wb.worksheet_from_index(0).map_err(x)?;
        crate::status::organisations(c, round, |o| {
            let cells = status_row(o);
            csv.write(csv_line(&cells).as_bytes())?;
            if o.state != "answered" {
                reminders.write(
                    csv_line(&[
                        o.org_key.clone(),
                        o.name.clone(),
                        o.state.to_string(),
                        o.contact_name.clone().unwrap_or_default(),
                        o.contact_phone.clone().unwrap_or_default(),
                        o.contact_email.clone().unwrap_or_default(),
                    ])
                    .as_bytes(),
                )?;
            }
            row += 1;
            for (i, v) in cells.iter().enumerate() {
                ws.write_string(row, i as u16, v).map_err(x)?;
            }
            html_row(&mut line, &cells);
            body.write(line.as_bytes())
        })?
    };
    row = 0;
    counts.unmatched = {
        let ws = wb.worksheet_from_index(1).map_err(x)?;
        crate::status::unmatched_files(c, round, |u| {
            unmatched(u);
            let cells = [
                u.submission.to_string(),
                u.state.clone(),
                u.key_check.clone(),
                u.path.clone(),
                u.received_at.clone(),
                u.claimed_name.clone().unwrap_or_default(),
                u.claimed_credit_code.clone().unwrap_or_default(),
            ];
            row += 1;
            for (i, v) in cells.iter().enumerate() {
                ws.write_string(row, i as u16, v).map_err(x)?;
            }
            html_row(&mut line, &cells);
            unmatched_html.write(line.as_bytes())
        })?
    };
    let status = Status {
        round,
        due_date,
        counts,
    };
    let mut written = vec![csv.commit()?, reminders.commit()?];
    let mut xlsx = store::PrivateFile::create(&out.join("status.xlsx"))?;
    wb.save_to_writer(xlsx.file()?).map_err(x)?;
    written.push(xlsx.commit()?);
    // The HTML: the counts, then the two tables read back from their temporary files.
    let c = &status.counts;
    let mut html = store::PrivateFile::create(&out.join("status.html"))?;
    let mut top = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>第 {r} 轮报送状态 Round {r} status</title>\n<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>\n<h1>第 {r} 轮报送状态 Round {r} status</h1>\n<p>截止日期 due: {due} · 名单 roster {} · 已报送 answered {} (逾期 late {}) · 仅退回 rejected {} · 未报送 missing {} · 未匹配 unmatched {} · 被替代 superseded {}</p>\n<p>本表为自评辅助工具的统计，不构成法律意见 / a self-assessment aid, not legal advice.</p>\n<table><tr>",
        c.roster,
        c.answered,
        c.late,
        c.rejected,
        c.missing,
        c.unmatched,
        c.superseded,
        r = status.round,
        due = html_escape(status.due_date.as_deref().unwrap_or("—")),
    );
    for h in &header {
        top.push_str(&format!("<th>{}</th>", html_escape(h)));
    }
    top.push_str("</tr>\n");
    html.write(top.as_bytes())?;
    append(&mut html, body)?;
    let mut mid = String::from("</table>\n<h2>未匹配的文件 Unmatched files</h2>\n<table><tr>");
    for h in UNMATCHED_COLUMNS {
        mid.push_str(&format!("<th>{h}</th>"));
    }
    mid.push_str("</tr>\n");
    html.write(mid.as_bytes())?;
    append(&mut html, unmatched_html)?;
    html.write(b"</table>\n</body></html>\n")?;
    written.push(html.commit()?);
    Ok((status, written))
}

/// A table row of `cells`, escaped, into `line` (cleared first).
fn html_row(line: &mut String, cells: &[String]) {
    line.clear();
    line.push_str("<tr>");
    for v in cells {
        line.push_str("<td>");
        line.push_str(&html_escape(v));
        line.push_str("</td>");
    }
    line.push_str("</tr>\n");
}

/// Appends what was written to `part` (a temporary file, removed after) to `to`.
fn append(to: &mut store::PrivateFile, mut part: store::PrivateFile) -> Result<()> {
    use std::io::{Read, Seek, Write};
    let f = part.file()?;
    f.flush().map_err(|e| e.to_string())?;
    let inner = f.get_mut();
    inner
        .seek(std::io::SeekFrom::Start(0))
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = inner.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        to.write(buf.get(..n).unwrap_or_default())?;
    }
    drop(part);
    Ok(())
}
