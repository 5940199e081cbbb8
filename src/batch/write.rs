//! Writing a batch's outputs: `summary.json`, `summary.csv`, `summary.xlsx` and
//! `overview.html`, each atomically and streamed from the summary's table (no file is built in
//! memory first, and the submissions table is never materialised).

use super::summary::{SubmissionLine, Summary};
use crate::model::Level;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

/// Writes `summary.json`, `summary.csv`, `summary.xlsx` and `overview.html` into `out`, each
/// atomically (temporary file, then rename).
///
/// The four files are written at the same time, on their own threads (each is one sequential
/// stream, and together they cost about as much as reading the inputs). The first error, in
/// the order above, is returned; every file that was written is complete.
pub fn write_all(summary: &Summary, out: &Path, lang: crate::render::Lang) -> Result<(), String> {
    let json = || {
        write_streamed(&out.join("summary.json"), |w| {
            serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    };
    let csv = || write_streamed(&out.join("summary.csv"), |w| write_csv(summary, w));
    let xlsx = || xlsx(summary, &out.join("summary.xlsx"));
    let html = || {
        let html = overview_html(summary, lang)?;
        write_file(&out.join("overview.html"), html.as_bytes())
    };
    let ((json, csv), (xlsx, html)) =
        rayon::join(|| rayon::join(json, csv), || rayon::join(xlsx, html));
    json.and(csv).and(xlsx).and(html)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::cli::atomic_write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a file atomically without holding it in memory (see [`crate::atomic`]).
fn write_streamed(
    path: &Path,
    body: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), String> {
    crate::atomic::write_with(path, body).map_err(|e| format!("{}: {e}", path.display()))
}

/// A CSV cell: quoted when needed, and neutralised when a spreadsheet would read it as a
/// formula (OWASP: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front).
pub fn csv_cell(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    let _ = write_csv_cell(&mut out, s);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes one CSV cell ([`csv_cell`]) without building it first.
fn write_csv_cell(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = s.contains([',', '"', '\n', '\r']);
    if quote {
        w.write_all(b"\"")?;
    }
    if formula {
        w.write_all(b"'")?;
    }
    if quote {
        let mut parts = s.split('"');
        if let Some(first) = parts.next() {
            w.write_all(first.as_bytes())?;
        }
        for part in parts {
            w.write_all(b"\"\"")?;
            w.write_all(part.as_bytes())?;
        }
        w.write_all(b"\"")
    } else {
        w.write_all(s.as_bytes())
    }
}

/// One cell of the submissions table (CSV and xlsx): text, or a whole number (blank if none).
enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(Option<u64>),
}

const CSV_HEADER: &[&str] = &[
    "文件 file",
    "状态 status",
    "计入统计 counted",
    "被替代 superseded_by",
    "企业名称 organisation",
    "统一社会信用代码 credit_code",
    "行政区划 region_code",
    "地市 prefecture",
    "行业 industry",
    "评估日期 assessment_date",
    "得分 score",
    "覆盖率 coverage",
    "未满足 fail",
    "尚无定论 unanswered",
    "不清楚 dont_know",
    "豁免 waived",
    "满足 pass",
    "不适用 not_applicable",
    "企业类型 scopes",
    "报告 report",
    "错误 errors",
];

fn cells<'a>(s: &SubmissionLine<'a>) -> [Cell<'a>; 21] {
    let text = |t: Option<&'a str>| Cell::Text(Cow::Borrowed(t.unwrap_or_default()));
    let num = |n: u32| Cell::Number(Some(u64::from(n)));
    [
        Cell::Text(Cow::Borrowed(s.path)),
        Cell::Text(Cow::Borrowed(s.status)),
        Cell::Text(Cow::Borrowed(if s.counted { "是 yes" } else { "否 no" })),
        text(s.superseded_by),
        text(s.name),
        text(s.credit_code),
        text(s.region_code),
        Cell::Text(
            s.region_code
                .filter(|c| c.len() == 6 && c.is_ascii())
                .map(|c| Cow::Owned(format!("{}00", c.get(..4).unwrap_or_default())))
                .unwrap_or_default(),
        ),
        text(s.industry),
        Cell::Text(
            s.assessment_date
                .map(|d| Cow::Owned(d.to_string()))
                .unwrap_or_default(),
        ),
        Cell::Number(s.score.map(u64::from)),
        Cell::Number(s.coverage.map(u64::from)),
        num(s.fail),
        num(s.unanswered),
        num(s.dont_know),
        num(s.waived),
        num(s.pass),
        num(s.not_applicable),
        Cell::Text(Cow::Owned(s.scopes.join(" "))),
        Cell::Text(s.report.clone().map(Cow::Owned).unwrap_or_default()),
        Cell::Text(if s.errors.is_empty() {
            Cow::Borrowed("")
        } else {
            Cow::Owned(s.errors.join(" | "))
        }),
    ]
}

/// `summary.csv`: UTF-8 with a byte-order mark (so Excel and WPS read Chinese), CRLF line
/// ends, one row per input file, formula-like cells neutralised.
pub fn csv(summary: &Summary) -> String {
    let mut out = Vec::new();
    let _ = write_csv(summary, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn write_csv(summary: &Summary, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    for (c, h) in CSV_HEADER.iter().enumerate() {
        if c > 0 {
            w.write_all(b",")?;
        }
        write_csv_cell(w, h)?;
    }
    w.write_all(b"\r\n")?;
    for line in summary.lines() {
        for (c, cell) in cells(&line).iter().enumerate() {
            if c > 0 {
                w.write_all(b",")?;
            }
            match cell {
                Cell::Text(t) => write_csv_cell(w, t)?,
                Cell::Number(Some(n)) => write!(w, "{n}")?,
                Cell::Number(None) => {}
            }
        }
        w.write_all(b"\r\n")?;
    }
    Ok(())
}

/// `summary.xlsx`. Every sheet but the submissions table is small and made by rust_xlsxwriter;
/// the submissions table (one row per input, 100,000 rows and more) is streamed into the same
/// package: rust_xlsxwriter writes the workbook with that sheet's header row only, and its
/// rows are then written straight into the sheet's XML, in exactly the markup rust_xlsxwriter
/// writes for them (a test compares the two), while the other parts are copied as they are.
/// That costs a fraction of rust_xlsxwriter's per-cell path (which keeps a map per row and two
/// copies of every string), and every write error is returned instead of ending the process.
fn xlsx(summary: &Summary, path: &Path) -> Result<(), String> {
    let skeleton = workbook(summary, false)
        .and_then(|mut wb| wb.save_to_buffer())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    crate::atomic::write_with(path, |w| stream_submissions(&skeleton, summary, w))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The part of the submissions sheet (the first sheet) in the package.
const SUBMISSIONS_PART: &str = "xl/worksheets/sheet1.xml";

/// Copies the `skeleton` package to `w`, writing the submissions rows into its first sheet.
fn stream_submissions(
    skeleton: &[u8],
    summary: &Summary,
    w: &mut (impl Write + std::io::Seek),
) -> std::io::Result<()> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(skeleton))?;
    let mut out = zip::ZipWriter::new(w);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Speed over size: level 1 is several times faster on 100,000 rows.
        .compression_level(Some(1));
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i)?;
        if entry.name()? != SUBMISSIONS_PART {
            out.raw_copy_file(entry)?;
            continue;
        }
        drop(entry);
        let mut xml = String::new();
        archive.by_index(i)?.read_to_string(&mut xml)?;
        let (head, tail) = xml
            .split_once("</sheetData>")
            .ok_or_else(|| std::io::Error::other("the submissions sheet has no sheetData"))?;
        let rows = summary.lines().len().min(XLSX_LAST_ROW);
        // The used range now reaches the last row written.
        let head = head.replacen(
            &format!(
                "<dimension ref=\"A1:{}1\"/>",
                column_name(CSV_HEADER.len() - 1)
            ),
            &format!(
                "<dimension ref=\"A1:{}{}\"/>",
                column_name(CSV_HEADER.len() - 1),
                rows + 1
            ),
            1,
        );
        out.start_file(SUBMISSIONS_PART, options)?;
        out.write_all(head.as_bytes())?;
        write_submission_rows(&mut out, summary)?;
        out.write_all(b"</sheetData>")?;
        out.write_all(tail.as_bytes())?;
    }
    out.finish()?;
    Ok(())
}

/// Column letters for the submissions table (A…U; 21 columns).
fn column_name(c: usize) -> &'static str {
    const NAMES: [&str; 26] = [
        "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R",
        "S", "T", "U", "V", "W", "X", "Y", "Z",
    ];
    NAMES.get(c).copied().unwrap_or("Z")
}

/// The rows of the submissions sheet (from row 2), as rust_xlsxwriter writes them in
/// constant-memory mode: `<row r="N">`, inline strings, numbers; blanks left out.
fn write_submission_rows(w: &mut impl Write, summary: &Summary) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let total = summary.lines().len();
    let mut buf = String::with_capacity(4096);
    let mut row_name = String::with_capacity(8);
    for (r, line) in summary.lines().enumerate() {
        buf.clear();
        let row = r + 2;
        if r + 1 >= XLSX_LAST_ROW {
            // A worksheet has 1,048,576 rows: say where the rest are instead of losing them.
            let more = total - r;
            let note = format!(
                "……另有 {more} 行，见 summary.csv / summary.json … {more} more rows: see summary.csv or summary.json"
            );
            let row = row.to_string();
            let _ = write!(buf, "<row r=\"{row}\">");
            push_inline_string(&mut buf, "A", &row, &note);
            buf.push_str("</row>");
            w.write_all(buf.as_bytes())?;
            break;
        }
        row_name.clear();
        let _ = write!(row_name, "{row}");
        buf.push_str("<row r=\"");
        buf.push_str(&row_name);
        buf.push_str("\">");
        for (c, cell) in cells(&line).iter().enumerate() {
            let col = column_name(c);
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => push_inline_string(&mut buf, col, &row_name, t),
                Cell::Number(Some(n)) => {
                    buf.push_str("<c r=\"");
                    buf.push_str(col);
                    buf.push_str(&row_name);
                    let _ = write!(buf, "\"><v>{n}</v></c>");
                }
                Cell::Number(None) => {}
            }
        }
        buf.push_str("</row>");
        w.write_all(buf.as_bytes())?;
    }
    Ok(())
}

/// One inline-string cell, escaped as Excel and rust_xlsxwriter escape it: `&`, `<`, `>` as
/// entities; control characters (but tab and line feed) and U+FFFE/U+FFFF as `_xHHHH_`; a
/// literal `_xHHHH_` protected as `_x005F_xHHHH_`; leading or trailing space kept.
fn push_inline_string(buf: &mut String, col: &str, row: &str, text: &str) {
    use std::fmt::Write as _;
    buf.push_str("<c r=\"");
    buf.push_str(col);
    buf.push_str(row);
    buf.push_str("\" t=\"inlineStr\"><is><t");
    if text.starts_with(['\t', '\n', ' ']) || text.ends_with(['\t', '\n', ' ']) {
        buf.push_str(" xml:space=\"preserve\"");
    }
    buf.push('>');
    let bytes = text.as_bytes();
    // Most cells need no escaping at all (0xEF starts U+FFFE and U+FFFF in UTF-8).
    let plain = !bytes.iter().any(|&b| {
        (b < 0x20 && b != b'\t' && b != b'\n') || matches!(b, b'&' | b'<' | b'>' | b'_' | 0xEF)
    });
    if plain {
        buf.push_str(text);
        buf.push_str("</t></is></c>");
        return;
    }
    for (i, ch) in text.char_indices() {
        if ch == '_'
            && bytes.get(i + 1) == Some(&b'x')
            && bytes.get(i + 6) == Some(&b'_')
            && bytes
                .get(i + 2..i + 6)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        {
            buf.push_str("_x005F");
        }
        match ch {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '\t' | '\n' => buf.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(buf, "_x{:04X}_", u32::from(ch));
            }
            _ => buf.push(ch),
        }
    }
    buf.push_str("</t></is></c>");
}

/// The summary workbook. With `rows` false, the submissions sheet has its header row only
/// (the rows are streamed in by [`stream_submissions`]); with `rows` true, rust_xlsxwriter
/// writes them too (the reference the streamed sheet is tested against).
fn workbook(
    summary: &Summary,
    rows: bool,
) -> Result<rust_xlsxwriter::Workbook, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name("提交 submissions")?;
        for (c, h) in CSV_HEADER.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, line) in summary.lines().enumerate().filter(|_| rows) {
            let Ok(row) = u32::try_from(r + 1) else { break };
            for (c, cell) in cells(&line).iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(t) if t.is_empty() => {}
                    Cell::Text(t) => {
                        ws.write_string(row, col, t.as_ref())?;
                    }
                    Cell::Number(Some(n)) => {
                        ws.write_number(row, col, *n as f64)?;
                    }
                    Cell::Number(None) => {}
                }
            }
        }
    }
    {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name("规则 rules")?;
        let head = [
            "规则 rule",
            "标题 title",
            "章节 section",
            "级别 level",
            "严重度 severity",
            "未满足 fail",
            "尚无定论 unanswered",
            "不清楚 dont_know",
            "不适用 not_applicable",
            "豁免 waived",
            "满足 pass",
            "未满足率 fail %",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, rs) in summary.rules.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &rs.rule_id)?;
            ws.write_string(row, 1, &rs.title.zh)?;
            ws.write_string(row, 2, &rs.section)?;
            ws.write_string(row, 3, level_name(rs.level))?;
            ws.write_string(row, 4, rs.severity.name())?;
            let t = rs.counts;
            for (c, n) in [
                t.fail,
                t.unanswered,
                t.dont_know,
                t.not_applicable,
                t.waived,
                t.pass,
            ]
            .iter()
            .enumerate()
            {
                ws.write_number(row, 5 + c as u16, *n as f64)?;
            }
            ws.write_number(row, 11, rs.rates.fail)?;
        }
    }
    for (name, groups) in [
        ("地市 prefectures", &summary.prefectures),
        ("区县 counties", &summary.counties),
        ("行业 industries", &summary.industries),
        ("企业类型 scopes", &summary.scopes),
    ] {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        let head = [
            "代码 key",
            "份数 submissions",
            "平均得分 mean score",
            "未满足率 fail %",
            "尚无定论率 unanswered %",
            "不清楚率 dont_know %",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (r, g) in groups.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &g.key)?;
            ws.write_number(row, 1, g.submissions as f64)?;
            if let Some(m) = g.mean_score {
                ws.write_number(row, 2, m)?;
            }
            ws.write_number(row, 3, g.rates.fail)?;
            ws.write_number(row, 4, g.rates.unanswered)?;
            ws.write_number(row, 5, g.rates.dont_know)?;
        }
    }
    {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name("未能评估 rejected")?;
        ws.write_string_with_format(0, 0, "文件 file", &bold)?;
        ws.write_string_with_format(0, 1, "错误 errors", &bold)?;
        for (r, rj) in summary.rejected_files.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &rj.path)?;
            // A cell holds at most 32,767 characters.
            let text: String = rj.errors.join("\n").chars().take(32_000).collect();
            ws.write_string(row, 1, &text)?;
        }
    }
    Ok(wb)
}

/// The last row index of a worksheet (Excel's limit is 1,048,576 rows).
const XLSX_LAST_ROW: usize = 1_048_575;

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Required => "required",
        Level::Recommended => "recommended",
    }
}

/// The HTML overview (`templates/batch.html.j2`). Submissions are not all listed: only the
/// lowest-scoring and the rejected ones (the full list is in the CSV, the xlsx and the JSON).
pub fn overview_html(summary: &Summary, lang: crate::render::Lang) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(200_000_000));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let tmpl = crate::embedded::template("batch.html.j2")
        .ok_or_else(|| "template `batch.html.j2` is not embedded".to_string())?;
    env.add_template("batch.html.j2", tmpl)
        .map_err(|e| format!("template `batch.html.j2`: {e}"))?;
    let view = serde_json::json!({
        "s": {
            "format": summary.format, "pack": summary.pack, "waivers_ignored": summary.waivers_ignored,
            "found": summary.found, "assessed": summary.assessed, "rejected": summary.rejected,
            "counted": summary.counted, "superseded": summary.superseded, "mean_score": summary.mean_score,
            "score_histogram": summary.score_histogram, "unscored": summary.unscored,
            "rules": summary.rules, "sections": summary.sections, "scopes": summary.scopes,
            "prefectures": summary.prefectures, "counties": summary.counties,
            "industries": summary.industries, "lowest": summary.lowest(),
            "duplicates": summary.duplicates.len(),
            "rejected_files": summary.rejected_files, "other_files": summary.other_files.len(),
            "score_definition": summary.score_definition, "duplicate_rule": summary.duplicate_rule,
        },
        "lang": lang,
    });
    env.get_template("batch.html.j2")
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&view))))
        .map_err(|e| {
            format!(
                "template `batch.html.j2`{}: {e}",
                e.line().map(|l| format!(" line {l}")).unwrap_or_default()
            )
        })
}

/// Writes a progress-free, human summary line for the terminal.
pub fn print_totals(summary: &Summary, out: &Path) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "共 {} 份，已评估 {}，未能评估 {}，计入统计 {}（重复提交被替代 {}）；输出目录 {}\nfound {}, assessed {}, rejected {}, counted {} ({} superseded duplicates); written to {}",
        summary.found,
        summary.assessed,
        summary.rejected,
        summary.counted,
        summary.superseded,
        out.display(),
        summary.found,
        summary.assessed,
        summary.rejected,
        summary.counted,
        summary.superseded,
        out.display()
    );
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        reason = "tests fail loudly"
    )]
    use super::*;
    use std::io::Read;

    /// A part of an xlsx package, as text.
    fn part(xlsx: &[u8], name: &str) -> String {
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut s = String::new();
        a.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// Strings that need every kind of escaping, written by rust_xlsxwriter and by
    /// `push_inline_string`: the same markup.
    #[test]
    fn inline_strings_are_escaped_as_rust_xlsxwriter_escapes_them() {
        let texts = [
            "plain 中文 🙂",
            "a & b <c> \"d\" 'e'",
            " leading",
            "trailing ",
            "\ttab first",
            "line\nbreak",
            "ctl \u{1}\u{8}\u{b}\u{c}\r\u{1f} end",
            "_x0041_ _x12_ _xABCD_ _xabcd_ _x00G1_ __x0000__ _x0041",
            "non-characters \u{fffe}\u{ffff}",
            "=1+2",
        ];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory().unwrap();
        for (r, t) in texts.iter().enumerate() {
            ws.write_string(r as u32, 0, *t).unwrap();
        }
        let xml = part(&wb.save_to_buffer().unwrap(), SUBMISSIONS_PART);
        let data = xml
            .split_once("<sheetData>")
            .unwrap()
            .1
            .split_once("</sheetData>")
            .unwrap()
            .0;
        let mut ours = String::new();
        for (r, t) in texts.iter().enumerate() {
            ours.push_str(&format!("<row r=\"{}\">", r + 1));
            push_inline_string(&mut ours, "A", &(r + 1).to_string(), t);
            ours.push_str("</row>");
        }
        assert_eq!(ours, data);
    }

    /// The streamed submissions sheet is, byte for byte, the sheet rust_xlsxwriter writes for
    /// the same table (numbers, blanks, dimension), and the other parts are unchanged.
    #[test]
    fn streamed_sheet_equals_rust_xlsxwriter_sheet() {
        let files = crate::embedded::pack_files(crate::embedded::DEFAULT_PACK).unwrap();
        let pack = crate::load::load_pack(&files).unwrap().pack;
        let inputs = super::super::expand_inputs(&[
            "fixtures/companies".to_string(),
            "no-such-input".to_string(),
        ]);
        let opts = super::super::BatchOptions {
            out: std::env::temp_dir(),
            reports: None,
            ignore_waivers: false,
            lowest: 3,
            progress: false,
            lang: crate::render::Lang::Zh,
            limits: crate::node::Limits::default(),
        };
        let summary = super::super::run(&pack, inputs, &opts);
        assert!(summary.assessed >= 7 && summary.rejected == 1);
        let reference = workbook(&summary, true).unwrap().save_to_buffer().unwrap();
        let skeleton = workbook(&summary, false).unwrap().save_to_buffer().unwrap();
        let mut streamed = std::io::Cursor::new(Vec::new());
        stream_submissions(&skeleton, &summary, &mut streamed).unwrap();
        let streamed = streamed.into_inner();
        let sheet = part(&streamed, SUBMISSIONS_PART);
        assert!(sheet.contains(&format!("<dimension ref=\"A1:U{}\"/>", summary.found)));
        assert_eq!(sheet, part(&reference, SUBMISSIONS_PART));
        for name in [
            "xl/worksheets/sheet2.xml",
            "xl/workbook.xml",
            "xl/styles.xml",
        ] {
            assert_eq!(part(&streamed, name), part(&reference, name), "{name}");
        }
        let names = |x: &[u8]| -> Vec<String> {
            let a = zip::ZipArchive::new(std::io::Cursor::new(x.to_vec())).unwrap();
            a.file_names().map(|n| n.unwrap().to_string()).collect()
        };
        assert_eq!(names(&streamed), names(&reference));
    }
}
