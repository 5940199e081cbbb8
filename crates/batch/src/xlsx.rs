//! `summary.xlsx`. Every sheet but the submissions table is small and made by rust_xlsxwriter;
//! the submissions table (one row per input: 100,000 rows and more) is streamed into the same
//! package: rust_xlsxwriter writes the workbook with that sheet's header row only, then its rows
//! are written straight into the sheet's XML in exactly the markup rust_xlsxwriter writes for
//! them (the tests below compare the two), while the other parts are copied as they are. That
//! costs a fraction of rust_xlsxwriter's per-cell path (a map per row, two copies of every
//! string), and a write error in the rows or the file is returned instead of ending the
//! process (rust_xlsxwriter's constant-memory sheets still `expect` on their temporary files;
//! those hold only the small sheets and the header row here).

use super::summary::Summary;
use super::write::{Cell, Scratch, each_cell, header, push_u64};
use hegui_core::model::Level;
use std::io::Write;
use std::path::Path;

/// Writes `summary.xlsx` to a temporary file in `tmp`, to be renamed into place. The skeleton package goes to an unnamed temporary file
/// (`TMPDIR`), not to memory: its rejected sheet has a row per rejected input.
pub(super) fn stage(
    summary: &Summary,
    path: &Path,
    tmp: &Path,
) -> Result<hegui_core::io::atomic::Staged, String> {
    use std::io::Seek;
    let mut skeleton = tempfile::tempfile()
        .map_err(|e| format!("{}: {}", path.display(), super::spill::failure(&e)))?;
    workbook(summary, false)
        .and_then(|mut wb| wb.save_to_writer(&mut skeleton))
        .and_then(|()| Ok(skeleton.rewind()?))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let skeleton = std::io::BufReader::new(skeleton);
    hegui_core::io::atomic::stage_with(path, tmp, |w| stream_submissions(skeleton, summary, w))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The part of the submissions sheet (the first sheet) in the package.
const SUBMISSIONS_PART: &str = "xl/worksheets/sheet1.xml";

/// Copies the `skeleton` package to `w`, writing the submissions rows into its first sheet.
fn stream_submissions(
    skeleton: impl std::io::Read + std::io::Seek,
    summary: &Summary,
    w: &mut (impl Write + std::io::Seek),
) -> std::io::Result<()> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(skeleton)?;
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
        let rows = usize::try_from(summary.line_count())
            .unwrap_or(usize::MAX)
            .min(XLSX_LAST_ROW);
        // The used range now reaches the last row written.
        let last = column_name(header(summary).len().saturating_sub(1));
        let head = head.replacen(
            &format!("<dimension ref=\"A1:{last}1\"/>"),
            &format!("<dimension ref=\"A1:{last}{}\"/>", rows + 1),
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

/// Column letters of column `c` (from 0): A…Z, AA…; the submissions table has 22 columns for
/// one pack and three more per further pack.
fn column_name(c: usize) -> String {
    let mut n = c + 1;
    let mut out = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        out.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the rows of the submissions sheet to `w` (the compressor) while a second thread
/// formats them: the two cost about the same, so they overlap. Blocks of about 64 KiB go from
/// one to the other (one call per row would cost more than the row).
fn write_submission_rows(w: &mut impl Write, summary: &Summary) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::scope(|s| {
        // When writing fails, `rx` is dropped with the loop and the formatting stops.
        let formatter = s.spawn(move || format_rows(summary, |block| tx.send(block).is_ok()));
        for block in rx {
            w.write_all(&block)?;
        }
        // Reading the table back can fail too; the rows would be short.
        formatter
            .join()
            .map_err(|_| std::io::Error::other("the xlsx row formatter stopped"))?
    })
}

/// The rows of the submissions sheet (from row 2), as rust_xlsxwriter writes them in
/// constant-memory mode: `<row r="N">`, inline strings, numbers; blanks left out. Each block
/// of about 64 KiB goes to `emit`, until it returns false.
fn format_rows(summary: &Summary, mut emit: impl FnMut(Vec<u8>) -> bool) -> std::io::Result<()> {
    const BLOCK: usize = 64 * 1024;
    let total = usize::try_from(summary.line_count()).unwrap_or(usize::MAX);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + 4096);
    let mut row_name: Vec<u8> = Vec::with_capacity(8);
    let mut scratch = Scratch::default();
    let columns: Vec<String> = (0..header(summary).len()).map(column_name).collect();
    let mut lines = summary.lines()?;
    for r in 0.. {
        let Some(line) = lines.next()? else { break };
        let row = r + 2;
        row_name.clear();
        push_u64(&mut row_name, row as u64);
        let row_name = std::str::from_utf8(&row_name).unwrap_or_default();
        if r + 1 >= XLSX_LAST_ROW {
            // A worksheet has 1,048,576 rows: say where the rest are instead of losing them.
            let more = total - r;
            let note = format!(
                "……另有 {more} 行，见 summary.csv / summary.json … {more} more rows: see summary.csv or summary.json"
            );
            buf.extend_from_slice(b"<row r=\"");
            buf.extend_from_slice(row_name.as_bytes());
            buf.extend_from_slice(b"\">");
            push_inline_string(&mut buf, "A", row_name, &note);
            buf.extend_from_slice(b"</row>");
            break;
        }
        buf.extend_from_slice(b"<row r=\"");
        buf.extend_from_slice(row_name.as_bytes());
        buf.extend_from_slice(b"\">");
        each_cell(&line, &mut scratch, |c, cell| {
            let col = columns.get(c).map_or("", String::as_str);
            match cell {
                Cell::Text("") => {}
                Cell::Text(t) => push_inline_string(&mut buf, col, row_name, t),
                Cell::Number(Some(n)) => {
                    buf.extend_from_slice(b"<c r=\"");
                    buf.extend_from_slice(col.as_bytes());
                    buf.extend_from_slice(row_name.as_bytes());
                    buf.extend_from_slice(b"\"><v>");
                    push_u64(&mut buf, *n);
                    buf.extend_from_slice(b"</v></c>");
                }
                Cell::Number(None) => {}
            }
            std::io::Result::Ok(())
        })?;
        buf.extend_from_slice(b"</row>");
        if buf.len() >= BLOCK
            && !emit(std::mem::replace(
                &mut buf,
                Vec::with_capacity(BLOCK + 4096),
            ))
        {
            return Ok(());
        }
    }
    emit(buf);
    Ok(())
}

/// The most characters (UTF-16 code units, as Excel counts) a cell holds.
pub const CELL_MAX: usize = 32_767;
/// What ends a text cut to fit a cell.
pub const CUT_MARK: &str =
    "…[已截断，全文见 summary.json / summary.csv; cut: full text in summary.json / summary.csv]";

/// `text`, cut to fit one cell (Excel's 32,767 characters), ending with [`CUT_MARK`] when cut.
/// Every text written into `summary.xlsx` goes through here: a longer cell makes Excel call
/// the file damaged (and rust_xlsxwriter refuse it).
pub fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    // A UTF-8 string has at least as many bytes as UTF-16 code units.
    if text.len() <= CELL_MAX || text.encode_utf16().count() <= CELL_MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = CELL_MAX - CUT_MARK.encode_utf16().count();
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > room {
            break;
        }
        end = i + c.len_utf8();
    }
    let mut cut = text.get(..end).unwrap_or_default().to_string();
    cut.push_str(CUT_MARK);
    std::borrow::Cow::Owned(cut)
}

/// The bytes [`push_inline_string`] has to look at: control characters but tab and line feed,
/// `&`, `<`, `>`, `_` (of `_xHHHH_`) and 0xEF (the first byte of U+FFFE and U+FFFF).
fn may_need_escaping(b: u8) -> bool {
    matches!(b, 0..=8 | 11..=31 | b'&' | b'<' | b'>' | b'_' | 0xEF)
}

/// One inline-string cell, escaped as Excel and rust_xlsxwriter escape it: `&`, `<`, `>` as
/// entities; control characters (but tab and line feed) and U+FFFE/U+FFFF as `_xHHHH_`; a
/// literal `_xHHHH_` protected as `_x005F_xHHHH_`; leading or trailing space kept.
fn push_inline_string(buf: &mut Vec<u8>, col: &str, row: &str, text: &str) {
    use std::io::Write as _;
    let text = &*cell_text(text);
    buf.extend_from_slice(b"<c r=\"");
    buf.extend_from_slice(col.as_bytes());
    buf.extend_from_slice(row.as_bytes());
    buf.extend_from_slice(b"\" t=\"inlineStr\"><is><t");
    if text.starts_with(['\t', '\n', ' ']) || text.ends_with(['\t', '\n', ' ']) {
        buf.extend_from_slice(b" xml:space=\"preserve\"");
    }
    buf.push(b'>');
    // Plain runs are copied whole; only the bytes that need escaping are looked at one by one.
    let bytes = text.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(next) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| may_need_escaping(b)))
    {
        i += next;
        let b = bytes.get(i).copied().unwrap_or_default();
        let (escape, skip): (Option<&[u8]>, usize) = match b {
            b'&' => (Some(b"&amp;"), 1),
            b'<' => (Some(b"&lt;"), 1),
            b'>' => (Some(b"&gt;"), 1),
            0..0x20 => (Some(&[]), 1),
            // U+FFFE and U+FFFF
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => (Some(&[]), 3),
            // a literal `_xHHHH_` is protected by escaping its `_`
            b'_' if bytes.get(i + 1) == Some(&b'x')
                && bytes.get(i + 6) == Some(&b'_')
                && bytes
                    .get(i + 2..i + 6)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                (Some(b"_x005F_"), 1)
            }
            _ => (None, 1),
        };
        if let Some(escape) = escape {
            buf.extend_from_slice(bytes.get(run..i).unwrap_or_default());
            if escape.is_empty() {
                let code = text
                    .get(i..i + skip)
                    .and_then(|c| c.chars().next())
                    .map_or(0, u32::from);
                let _ = write!(buf, "_x{code:04X}_");
            } else {
                buf.extend_from_slice(escape);
            }
            run = i + skip;
        }
        i += skip;
    }
    buf.extend_from_slice(bytes.get(run..).unwrap_or_default());
    buf.extend_from_slice(b"</t></is></c>");
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
        for (c, h) in header(summary).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        let mut scratch = Scratch::default();
        let mut lines = summary.lines()?;
        let mut row = 0u32;
        while rows && let Some(line) = lines.next()? {
            row += 1;
            each_cell(&line, &mut scratch, |c, cell| {
                let col = c as u16;
                match cell {
                    Cell::Text("") => {}
                    Cell::Text(t) => {
                        ws.write_string(row, col, cell_text(t))?;
                    }
                    Cell::Number(Some(n)) => {
                        ws.write_number(row, col, *n as f64)?;
                    }
                    Cell::Number(None) => {}
                }
                Ok::<(), rust_xlsxwriter::XlsxError>(())
            })?;
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
            ws.write_string(row, 0, cell_text(&rs.rule_id))?;
            ws.write_string(row, 1, cell_text(&rs.title.zh))?;
            ws.write_string(row, 2, cell_text(&rs.section))?;
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
            ws.write_string(row, 0, cell_text(&g.key))?;
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
        let mut rejected = summary.rejected_files()?;
        let mut row = 0u32;
        while let Some(rj) = rejected.next()? {
            row += 1;
            ws.write_string(row, 0, cell_text(&rj.path))?;
            ws.write_string(row, 1, cell_text(&rj.errors.join("\n")))?;
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
            "sub_00001.json news_info a_b_x_ _x_x0000_",
            "&&<<>>\u{1}\u{1}\u{fffe}\u{fffd}\u{ffff}_x0000_&",
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
        let mut ours = Vec::new();
        for (r, t) in texts.iter().enumerate() {
            ours.extend_from_slice(format!("<row r=\"{}\">", r + 1).as_bytes());
            push_inline_string(&mut ours, "A", &(r + 1).to_string(), t);
            ours.extend_from_slice(b"</row>");
        }
        assert_eq!(String::from_utf8(ours).unwrap(), data);
    }

    /// The streamed submissions sheet is, byte for byte, the sheet rust_xlsxwriter writes for
    /// the same table (numbers, blanks, dimension), and the other parts are unchanged.
    #[test]
    fn streamed_sheet_equals_rust_xlsxwriter_sheet() {
        let pack = super::super::test_support::shipped_pack();
        let inputs = super::super::expand_inputs(&[
            super::super::test_support::repo("fixtures/companies"),
            "no-such-input".to_string(),
        ])
        .unwrap();
        let opts = super::super::test_support::options();
        let summary = super::super::run(&pack, inputs, &opts).unwrap();
        assert!(summary.assessed >= 7 && summary.rejected == 1);
        let reference = workbook(&summary, true).unwrap().save_to_buffer().unwrap();
        let skeleton = workbook(&summary, false).unwrap().save_to_buffer().unwrap();
        let mut streamed = std::io::Cursor::new(Vec::new());
        stream_submissions(std::io::Cursor::new(&skeleton), &summary, &mut streamed).unwrap();
        let streamed = streamed.into_inner();
        let sheet = part(&streamed, SUBMISSIONS_PART);
        assert!(sheet.contains(&format!("<dimension ref=\"A1:V{}\"/>", summary.found)));
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
