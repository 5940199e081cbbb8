//! What a campaign writes for people: the round's batch overview from the store (`report`, the
//! batch writers themselves) and the status as CSV, xlsx and HTML with reminder lists.

use crate::packs;
use crate::status::Status;
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
/// with the batch's own code: the stored bytes are laid out under a temporary directory in the
/// campaign, named by organisation, and assessed as `hegui batch` assesses them.
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
    let pinned = packs::of_round(&c.conn, round)?;
    let pin = pinned
        .first()
        .ok_or_else(|| format!("round {round} pins no pack"))?;
    let out = out.map_or_else(
        || c.dir.join("report").join(format!("round-{round}")),
        Path::to_path_buf,
    );
    store::private_dir(&c.dir.join("report"))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let tmp = c.dir.join(format!(".report-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    store::private_dir(&tmp)?;
    let result = (|| -> Result<u64> {
        let mut stmt = c
            .conn
            .prepare(
                "SELECT o.org_key, s.path, f.bytes FROM current_submissions s
                 JOIN organisations o ON o.id = s.org_id JOIN files f ON f.digest = s.file_digest
                 WHERE s.round = ?1 ORDER BY o.org_key",
            )
            .map_err(db_err)?;
        let mut rows = stmt.query([round]).map_err(db_err)?;
        let mut n = 0u64;
        while let Some(r) = rows.next().map_err(db_err)? {
            let key: String = r.get(0).map_err(db_err)?;
            let path: String = r.get(1).map_err(db_err)?;
            let bytes: Vec<u8> = r.get(2).map_err(db_err)?;
            let ext = Path::new(&path)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("yaml")
                .to_ascii_lowercase();
            let safe: String = key
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            std::fs::write(tmp.join(format!("{safe}.{ext}")), bytes)
                .map_err(|e| format!("{}: {e}", tmp.display()))?;
            n += 1;
        }
        let inputs = hegui_batch::expand_inputs(&[tmp.display().to_string()])?;
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
        let summary = hegui_batch::run(&pin.pack, inputs, &opts)?;
        hegui_batch::write_all(&summary, &out, lang)?;
        Ok(n)
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(Reported {
        submissions: result?,
        out,
    })
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

fn status_rows(s: &Status) -> Vec<[String; 12]> {
    s.organisations
        .iter()
        .map(|o| {
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
        })
        .collect()
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

/// Writes `status.csv`, `status.xlsx`, `status.html` and `reminders.csv` (the organisations
/// still to answer, with their contacts) into `out`. Returns the files written.
pub fn write_status(s: &Status, out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let rows = status_rows(s);
    let header: Vec<String> = STATUS_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut csv = String::from("\u{feff}");
    csv.push_str(&csv_line(&header));
    for r in &rows {
        csv.push_str(&csv_line(r));
    }
    let mut reminders =
        String::from("\u{feff}org_key,name,state,contact_name,contact_phone,contact_email\n");
    for o in s.organisations.iter().filter(|o| o.state != "answered") {
        reminders.push_str(&csv_line(&[
            o.org_key.clone(),
            o.name.clone(),
            o.state.to_string(),
            o.contact_name.clone().unwrap_or_default(),
            o.contact_phone.clone().unwrap_or_default(),
            o.contact_email.clone().unwrap_or_default(),
        ]));
    }
    // xlsx: the status sheet and the unmatched files.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("状态 Status").map_err(e)?;
    for (i, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &bold)
            .map_err(e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, i as u16, v).map_err(e)?;
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("未匹配 Unmatched").map_err(e)?;
    let uh = [
        "submission",
        "state",
        "key_check",
        "path",
        "received_at",
        "claimed_name",
        "claimed_credit_code",
    ];
    for (i, h) in uh.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(e)?;
    }
    for (r, u) in s.unmatched.iter().enumerate() {
        let cells = [
            u.submission.to_string(),
            u.state.clone(),
            u.key_check.clone(),
            u.path.clone(),
            u.received_at.clone(),
            u.claimed_name.clone().unwrap_or_default(),
            u.claimed_credit_code.clone().unwrap_or_default(),
        ];
        for (i, v) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, i as u16, v).map_err(e)?;
        }
    }
    let xlsx = wb.save_to_buffer().map_err(e)?;
    let c = &s.counts;
    let mut html = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>第 {r} 轮报送状态 Round {r} status</title>\n<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>\n<h1>第 {r} 轮报送状态 Round {r} status</h1>\n<p>截止日期 due: {due} · 名单 roster {} · 已报送 answered {} (逾期 late {}) · 仅退回 rejected {} · 未报送 missing {} · 未匹配 unmatched {} · 被替代 superseded {}</p>\n<p>本表为自评辅助工具的统计，不构成法律意见 / a self-assessment aid, not legal advice.</p>\n<table><tr>",
        c.roster,
        c.answered,
        c.late,
        c.rejected,
        c.missing,
        c.unmatched,
        c.superseded,
        r = s.round,
        due = html_escape(s.due_date.as_deref().unwrap_or("—")),
    );
    for h in &header {
        html.push_str(&format!("<th>{}</th>", html_escape(h)));
    }
    html.push_str("</tr>\n");
    for row in &rows {
        html.push_str("<tr>");
        for v in row {
            html.push_str(&format!("<td>{}</td>", html_escape(v)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n<h2>未匹配的文件 Unmatched files</h2>\n<table><tr>");
    for h in uh {
        html.push_str(&format!("<th>{h}</th>"));
    }
    html.push_str("</tr>\n");
    for u in &s.unmatched {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            u.submission,
            html_escape(&u.state),
            html_escape(&u.key_check),
            html_escape(&u.path),
            html_escape(&u.received_at),
            html_escape(u.claimed_name.as_deref().unwrap_or("")),
            html_escape(u.claimed_credit_code.as_deref().unwrap_or("")),
        ));
    }
    html.push_str("</table>\n</body></html>\n");
    let files = [
        ("status.csv", csv.into_bytes()),
        ("status.xlsx", xlsx),
        ("status.html", html.into_bytes()),
        ("reminders.csv", reminders.into_bytes()),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let p = out.join(name);
        store::private_write(&p, &bytes)?;
        written.push(p);
    }
    Ok(written)
}
