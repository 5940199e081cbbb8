//! Reading a filled-in questionnaire workbook back into facts.
//!
//! The workbook (our own `hegui questionnaire --format xlsx`, as re-saved by Excel, WPS or
//! LibreOffice) is read with calamine into the same [`Node`] tree a YAML facts file gives, and
//! validated by [`facts::from_node`]: the messages are those of facts files. Every value's
//! place is a cell; each diagnostic names the file, the sheet and the cell (the question id is
//! in its subject).
//!
//! What spreadsheets really produce is read leniently *before* validation, cell by cell and
//! only where the question's type makes the meaning plain: numbers that come back as decimals
//! (`6.0`), dates as serial numbers or typed as text (`2026/5/20`, `2026年5月20日`), booleans
//! and 是/否, yes/no in yes/no cells (their drop-down offers 是/否), option labels instead of
//! ids, full-width digits, stray spaces. Anything else goes to the facts loader unchanged and is
//! reported there.

use crate::xlsx::{
    COL_ANSWER, COL_EVIDENCE, COL_ID, COL_KEY, COL_REMARK, COL_VALUE, GROUP_MARK, HEADER_FIELDS,
    HEADER_ROW, ITEM_ROW, KEY_ROW, NO_ITEMS, QUESTION_HEADERS, REMARK_KEY, SHEET_HEADER,
    SHEET_QUESTIONS, WAIVER_COLS, WAIVERS_MARK, cell_name,
};
use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
use chrono::NaiveDate;
use hegui_core::diag::{Diagnostic, Diagnostics, Loc};
use hegui_core::facts::{self, DONT_KNOW_WORDS, Facts, LoadedFacts};
use hegui_core::model::{DatePrecision, Pack, QType, Question};
use hegui_core::syntax::node::{Key, Node, NodeKind};
use sheets::Grid;
use unicode_normalization::UnicodeNormalization;

pub mod sheets;

pub use sheets::MAX_UNZIPPED;

/// Largest workbook read, in bytes.
pub const MAX_WORKBOOK: usize = 20 * 1024 * 1024;

/// Where each synthetic location points: `Loc.line` is an index into this list.
#[derive(Default)]
struct Places {
    cells: Vec<(String, u32, u32)>,
}

impl Places {
    fn loc(&mut self, sheet: &str, row: u32, col: u32) -> Loc {
        self.cells.push((sheet.to_string(), row, col));
        Loc {
            line: self.cells.len() as u32,
            col: 1,
        }
    }

    fn describe(&self, loc: Loc) -> Option<String> {
        let i = usize::try_from(loc.line).ok()?.checked_sub(1)?;
        let (sheet, row, col) = self.cells.get(i)?;
        Some(format!(
            "工作表 sheet「{sheet}」单元格 cell {}",
            cell_name(*row, *col)
        ))
    }
}

fn node(kind: NodeKind, loc: Loc) -> Node {
    Node { kind, loc }
}

fn key(name: &str, loc: Loc) -> Key {
    Key {
        name: name.to_string(),
        loc,
    }
}

/// Text with compatibility forms folded (full-width digits and punctuation) and spaces trimmed.
fn norm(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

fn number_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// First and last serial numbers of a real day in Excel's (1900) calendar: 1900-03-01 and
/// 9999-12-31. Below 61 Excel's days disagree with the calendar (serial 60 is 1900-02-29, a day
/// that never was).
const SERIALS: std::ops::Range<f64> = 61.0..2_958_466.0;
/// Days between the 1904 and the 1900 date systems.
const DAYS_1904: f64 = 1462.0;

/// The day an Excel serial number denotes, or why it denotes none.
fn serial_date(serial: f64, is_1904: bool) -> Result<NaiveDate, String> {
    let s = if is_1904 { serial + DAYS_1904 } else { serial };
    if s.is_finite() && (60.0..61.0).contains(&s) {
        return Err(format!(
            "1900-02-29 这一天并不存在 Excel serial {} is 1900-02-29, a day that never was (Excel's leap-year bug)",
            number_text(serial)
        ));
    }
    if !SERIALS.contains(&s) {
        return Err(format!(
            "不是合理的日期 Excel serial {} is not a plausible date (Excel dates run from serial 61, 1900-03-01, to 2958465, 9999-12-31)",
            number_text(serial)
        ));
    }
    let (y, m, d, ..) =
        ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, is_1904).to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)).ok_or_else(|| {
        format!(
            "不是日期 Excel serial {} is not a date",
            number_text(serial)
        )
    })
}

/// An Excel number of 16 or more digits: Excel keeps 15, so the rest are lost.
fn digits_lost(c: &Data) -> bool {
    match c {
        Data::Float(x) => x.is_finite() && x.abs() >= 1.0e15,
        Data::Int(i) => i.unsigned_abs() >= 1_000_000_000_000_000,
        _ => false,
    }
}

/// Dates typed as text: `2026-05-20`, `2026-5-20`, `2026/5/20`, `2026.5.20`, `2026年5月20日`,
/// `20260520`, and ISO date-times (the date part).
pub fn text_date(s: &str) -> Option<NaiveDate> {
    let s = norm(s);
    if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&s, "%Y%m%d").ok();
    }
    let s = s.strip_suffix('日').unwrap_or(&s);
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || m.is_empty() || d.is_empty() || m.len() > 2 || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A month or a year typed as text, in the forms people write (`2025-09`, `2025/9`, `2025.09`,
/// `2025年9月`, `2025年`, `2025`), as the answer form `2025-09` / `2025`; `None` for anything
/// else (the facts loader then says what is expected).
pub fn text_month_or_year(s: &str) -> Option<String> {
    let s = norm(s);
    let s = s.strip_suffix('月').unwrap_or(&s);
    let s = s.strip_suffix('年').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年']).collect();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] if y.len() == 4 && digits(y) => Some((*y).to_string()),
        [y, m] if y.len() == 4 && digits(y) && digits(m) && m.len() <= 2 => {
            let m: u32 = m.parse().ok()?;
            (1..=12).contains(&m).then(|| format!("{y}-{m:02}"))
        }
        _ => None,
    }
}

/// A cell as plain text, or `None` when it is empty.
fn cell_text(c: &Data) -> Option<String> {
    let s = match c {
        Data::Empty => return None,
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(x) => number_text(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match serial_date(dt.as_f64(), false) {
            Ok(d) => d.to_string(),
            Err(_) => number_text(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    };
    (!s.is_empty()).then_some(s)
}

struct Reader_<'a> {
    pack: &'a Pack,
    places: Places,
    diags: Diagnostics,
    /// Serial dates count from 1904.
    is_1904: bool,
}

impl Reader_<'_> {
    /// A cell that holds an error value (`#N/A`, `#REF!`): reported, read as empty.
    fn error_cell(&mut self, c: &Data, loc: Loc, subject: &str) -> bool {
        if let Data::Error(e) = c {
            self.diags
                .error(
                    loc,
                    subject,
                    format!("the cell holds a spreadsheet error ({e})"),
                )
                .help("type the answer itself rather than a formula");
            return true;
        }
        false
    }

    /// A number in a date cell: the day its serial denotes, or an error naming the cell.
    fn serial_node(&mut self, serial: f64, loc: Loc) -> Option<NodeKind> {
        match serial_date(serial, self.is_1904) {
            Ok(d) => Some(NodeKind::Str(d.to_string())),
            Err(why) => {
                self.diags
                    .error(loc, "", format!("日期单元格 date cell: {why}"))
                    .help("type the date as YYYY-MM-DD, e.g. 2026-05-20 / 请按 年-月-日 填写日期");
                None
            }
        }
    }

    fn date_node(&mut self, c: &Data, loc: Loc) -> Option<Node> {
        let kind = match c {
            Data::Empty => return None,
            Data::DateTime(dt) => self.serial_node(dt.as_f64(), loc)?,
            Data::Float(x) => self.serial_node(*x, loc)?,
            Data::Int(i) => self.serial_node(*i as f64, loc)?,
            Data::DateTimeIso(s) | Data::String(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return None;
                }
                if DONT_KNOW_WORDS.contains(&t) {
                    NodeKind::Str(t.to_string())
                } else {
                    match text_date(t) {
                        Some(d) => NodeKind::Str(d.to_string()),
                        None => NodeKind::Str(t.to_string()),
                    }
                }
            }
            other => NodeKind::Str(cell_text(other)?),
        };
        Some(node(kind, loc))
    }

    /// A cell of a date question that also accepts a month (or a year). The workbook makes such
    /// cells text; a cell Excel holds as a date serial on the first of a month may be a month
    /// Excel converted (`2025-09` typed into a date cell becomes 1 Sep 2025) or that very day:
    /// its intended precision cannot be told, so it is refused, naming sheet and cell and what
    /// to type. A serial on any other day is a full date; a whole number 1000–9999 in a year
    /// question is a year.
    fn approx_date_node(&mut self, q: &Question, c: &Data, loc: Loc) -> Option<Node> {
        let serial = match c {
            Data::Empty => return None,
            Data::Int(i) if q.precision == DatePrecision::Year && (1000..=9999).contains(i) => {
                return Some(node(NodeKind::Str(i.to_string()), loc));
            }
            Data::Float(x)
                if q.precision == DatePrecision::Year
                    && x.fract() == 0.0
                    && (1000.0..=9999.0).contains(x) =>
            {
                return Some(node(NodeKind::Str(format!("{x:.0}")), loc));
            }
            Data::DateTime(dt) => dt.as_f64(),
            Data::Float(x) => *x,
            Data::Int(i) => *i as f64,
            Data::DateTimeIso(s) | Data::String(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return None;
                }
                let kind = if DONT_KNOW_WORDS.contains(&t) {
                    NodeKind::Str(t.to_string())
                } else if let Some(d) = text_date(t) {
                    NodeKind::Str(d.to_string())
                } else {
                    NodeKind::Str(text_month_or_year(t).unwrap_or_else(|| t.to_string()))
                };
                return Some(node(kind, loc));
            }
            other => return Some(node(NodeKind::Str(cell_text(other)?), loc)),
        };
        let NodeKind::Str(day) = self.serial_node(serial, loc)? else {
            return None;
        };
        if !day.ends_with("-01") {
            return Some(node(NodeKind::Str(day), loc));
        }
        let month = day.get(..7).unwrap_or(&day).to_string();
        let (zh, en) = match q.precision {
            DatePrecision::Year => (
                format!(
                    "完整日期写 {day}，月份写 {month}，年份写 {}",
                    day.get(..4).unwrap_or(&day)
                ),
                format!(
                    "{day} for the day, {month} for the month, {} for the year",
                    day.get(..4).unwrap_or(&day)
                ),
            ),
            _ => (
                format!("完整日期写 {day}，月份写 {month}"),
                format!("{day} for the day, {month} for the month"),
            ),
        };
        self.diags
            .error(
                loc,
                format!("question `{}`", q.id),
                format!(
                    "日期单元格 {day} 无法判断指的是这一天还是整个月(Excel 会把输入的 {month} 变成 {day}) / the date cell {day} may mean that day or the whole month (Excel turns a typed {month} into {day}): its precision cannot be told"
                ),
            )
            .help(format!(
                "把单元格设为文本格式后重新输入：{zh} / format the cell as text and type {en}"
            ));
        None
    }

    /// One answer cell, read by its question's type.
    fn answer_node(&mut self, q: &Question, c: &Data, loc: Loc) -> Option<Node> {
        let subject = format!("question `{}`", q.id);
        if self.error_cell(c, loc, &subject) {
            return None;
        }
        if let Data::String(s) = c {
            let t = s.trim();
            if t.is_empty() {
                return None;
            }
            if DONT_KNOW_WORDS.contains(&t) {
                return Some(node(NodeKind::Str(t.to_string()), loc));
            }
        }
        let kind = match q.qtype {
            QType::YesNo => match c {
                Data::Bool(b) => NodeKind::Bool(*b),
                other => {
                    let t = cell_text(other)?;
                    match norm(&t).to_lowercase().as_str() {
                        "是" | "true" | "yes" | "y" => NodeKind::Bool(true),
                        "否" | "false" | "no" | "n" => NodeKind::Bool(false),
                        _ => NodeKind::Str(t),
                    }
                }
            },
            QType::SingleChoice => {
                let t = cell_text(c)?;
                NodeKind::Str(resolve_option(q, &t).unwrap_or(t))
            }
            QType::MultipleChoice => {
                let t = cell_text(c)?;
                NodeKind::Seq(
                    split_options(q, &t)
                        .into_iter()
                        .map(|s| node(NodeKind::Str(s), loc))
                        .collect(),
                )
            }
            QType::Integer | QType::Decimal => match c {
                Data::Int(i) => NodeKind::Int(*i),
                Data::Float(x) => NodeKind::Float(*x),
                other => {
                    let t = cell_text(other)?;
                    let n = norm(&t).replace([',', '_', ' '], "");
                    match (n.parse::<i64>(), n.parse::<f64>()) {
                        (Ok(i), _) => NodeKind::Int(i),
                        (_, Ok(x)) if x.is_finite() => NodeKind::Float(x),
                        _ => NodeKind::Str(t),
                    }
                }
            },
            QType::Date if !q.precision.is_day() => return self.approx_date_node(q, c, loc),
            QType::Date => return self.date_node(c, loc),
            QType::Text => {
                if self.digits_lost(c, loc, &subject) {
                    return None;
                }
                NodeKind::Str(cell_text(c)?)
            }
        };
        Some(node(kind, loc))
    }

    /// A header or waiver field: text, or a date for `date` fields.
    fn field_node(&mut self, c: &Data, loc: Loc, date: bool) -> Option<Node> {
        if self.error_cell(c, loc, "") {
            return None;
        }
        if date {
            return self.date_node(c, loc);
        }
        if self.digits_lost(c, loc, "") {
            return None;
        }
        cell_text(c).map(|t| node(NodeKind::Str(t), loc))
    }

    /// A text cell Excel stored as a number of 16 or more digits (a credit code typed in an
    /// unformatted cell): its last digits are already lost, so it is refused.
    fn digits_lost(&mut self, c: &Data, loc: Loc, subject: &str) -> bool {
        if !digits_lost(c) {
            return false;
        }
        let shown = cell_text(c).unwrap_or_default();
        self.diags
            .error(
                loc,
                subject,
                format!(
                    "单元格存成了数字，后几位已丢失 the cell holds the number {shown}: Excel keeps only 15 significant digits, so the last digits of what was typed are lost"
                ),
            )
            .help("format the cell as text (设置单元格格式 › 文本 / Format Cells › Text) and type it again, or type an apostrophe first: '911234567890123456");
        true
    }
}

/// The option a cell names: its id, or its Chinese or English label (spaces, case and
/// full-width forms ignored).
pub fn resolve_option(q: &Question, text: &str) -> Option<String> {
    let t = norm(text).to_lowercase();
    if t.is_empty() {
        return None;
    }
    let hit = |s: &str| norm(s).to_lowercase() == t;
    q.options
        .iter()
        .find(|o| hit(&o.id))
        .or_else(|| q.options.iter().find(|o| hit(&o.label.zh)))
        .or_else(|| q.options.iter().find(|o| hit(&o.label.en)))
        .map(|o| o.id.clone())
}

const SEPARATORS: &[char] = &['、', ',', '，', ';', '；', '\n', '\r'];

/// Splits a multiple-choice cell into option ids. Options are separated by `、 , ， ; ；` or
/// line breaks; as labels may themselves contain these, the longest run of pieces that names
/// an option wins. Pieces naming no option are kept as written (the facts loader reports them).
pub fn split_options(q: &Question, text: &str) -> Vec<String> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        if SEPARATORS.contains(&ch) {
            spans.push((start, i));
            start = i + ch.len_utf8();
        }
    }
    spans.push((start, text.len()));
    let spans: Vec<(usize, usize)> = spans
        .into_iter()
        .filter(|(a, b)| text.get(*a..*b).is_some_and(|s| !s.trim().is_empty()))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(a, b)) = spans.get(i) {
        let mut taken = None;
        for j in (i..spans.len()).rev() {
            let end = spans.get(j).map_or(b, |s| s.1);
            if let Some(id) = text.get(a..end).and_then(|s| resolve_option(q, s)) {
                taken = Some((j, id));
                break;
            }
        }
        match taken {
            Some((j, id)) => {
                out.push(id);
                i = j + 1;
            }
            None => {
                out.push(text.get(a..b).unwrap_or("").trim().to_string());
                i += 1;
            }
        }
    }
    out
}

fn get(range: &Grid, row: u32, col: u32) -> &Data {
    range.get(row, col)
}

fn str_at(range: &Grid, row: u32, col: u32) -> String {
    cell_text(get(range, row, col)).unwrap_or_default()
}

/// Where a sheet's answers are: the rows from `first_row` in the `read` columns. Values right
/// of `last_col` are not read: refused in answer rows, a warning elsewhere.
struct Area {
    first_row: u32,
    read: Vec<u32>,
    last_col: u32,
}

/// At most this many problems of one kind are listed per sheet.
const MAX_LISTED: usize = 10;

/// What a sheet holds that cannot be read faithfully: cells given twice, formulas without a
/// computed value and merged regions in the answer area, values right of the answer columns.
fn check_sheet(r: &mut Reader_<'_>, sheet: &str, grid: &Grid, area: &Area) {
    let in_area = |(row, col): (u32, u32)| row >= area.first_row && area.read.contains(&col);
    for (i, &(row, col)) in grid.duplicates.iter().enumerate().take(MAX_LISTED) {
        let loc = r.places.loc(sheet, row, col);
        r.diags.error(
            loc,
            "",
            "单元格重复，文件已损坏 the cell is given twice in the sheet's data; the file is damaged",
        );
        if i + 1 == MAX_LISTED {
            break;
        }
    }
    let unvalued: Vec<(u32, u32)> = grid
        .unvalued
        .iter()
        .copied()
        .filter(|p| in_area(*p))
        .collect();
    for &(row, col) in unvalued.iter().take(MAX_LISTED) {
        let loc = r.places.loc(sheet, row, col);
        r.diags
            .error(
                loc,
                "",
                "公式没有计算结果 the cell holds a formula without a computed value, so its answer is unknown",
            )
            .help("open and save the workbook in Excel, WPS or LibreOffice (which store each formula's result), or type the answer itself");
    }
    more(
        r,
        sheet,
        unvalued.len(),
        "formulas without a computed value",
    );
    let mut merged = 0;
    for &((r0, c0), (r1, c1)) in &grid.merges {
        let (r0, r1) = (r0.min(r1), r0.max(r1));
        let (c0, c1) = (c0.min(c1), c0.max(c1));
        let cols = area.read.iter().filter(|c| (c0..=c1).contains(*c)).count() as u64;
        let first = r0.max(area.first_row);
        let rows = if first <= r1 {
            u64::from(r1 - first) + 1
        } else {
            0
        };
        let covered = (cols * rows).saturating_sub(u64::from(in_area((r0, c0))));
        if covered == 0 {
            continue;
        }
        merged += 1;
        if merged > MAX_LISTED {
            continue;
        }
        let loc = r.places.loc(sheet, r0, c0);
        r.diags
            .error(
                loc,
                "",
                format!(
                    "单元格已合并 cells {}:{} are merged, so answer cells share one value",
                    sheets::cell_ref(r0, c0),
                    sheets::cell_ref(r1, c1)
                ),
            )
            .help("unmerge them and answer each question in its own cell");
    }
    more(r, sheet, merged, "merged regions");
    let beyond: Vec<((u32, u32), bool)> = grid
        .cells()
        .filter(|((_, col), d)| *col > area.last_col && cell_text(d).is_some())
        .map(|((row, col), _)| ((row, col), row >= area.first_row))
        .collect();
    let last = sheets::cell_ref(0, area.last_col);
    let last = last.trim_end_matches('1');
    for &((row, col), answer_row) in beyond.iter().take(MAX_LISTED) {
        let loc = r.places.loc(sheet, row, col);
        if answer_row {
            r.diags
                .error(
                    loc,
                    "",
                    format!("答案列之外有内容 a value right of the answer columns (A–{last}) is not read"),
                )
                .help("move it into the answer or remark column, or delete it");
        } else {
            r.diags.warning(
                loc,
                "",
                format!("已忽略答案列之外的内容 a value right of the columns hegui reads (A–{last}) is ignored"),
            );
        }
    }
    more(r, sheet, beyond.len(), "values right of the answer columns");
}

/// One line for the problems of a kind not listed one by one.
fn more(r: &mut Reader_<'_>, sheet: &str, n: usize, what: &str) {
    if n > MAX_LISTED {
        let rest = n - MAX_LISTED;
        let loc = r.places.loc(sheet, 0, 0);
        r.diags.error(
            loc,
            "",
            format!("……另有 {rest} 处 and {rest} more {what} on this sheet"),
        );
    }
}

/// Reads a workbook into a facts document tree; every node's `loc` indexes `places`.
fn read_tree(r: &mut Reader_<'_>, book: &sheets::Book) -> Option<Node> {
    let names = &book.names;
    let ranges: Vec<(String, &Grid)> = book
        .sheets
        .iter()
        .map(|s| (s.name.clone(), &s.grid))
        .collect();
    let find = |name: &str| ranges.iter().find(|(n, _)| n == name).map(|(_, r)| *r);
    let (Some(header), Some(questions)) = (find(SHEET_HEADER), find(SHEET_QUESTIONS)) else {
        let missing: Vec<&str> = [SHEET_HEADER, SHEET_QUESTIONS]
            .into_iter()
            .filter(|s| !names.iter().any(|n| n == s))
            .collect();
        r.diags
            .error(
                Loc::UNKNOWN,
                "",
                format!(
                    "not a hegui questionnaire workbook: no sheet `{}`",
                    missing.join("`, `")
                ),
            )
            .help("answer the workbook made by `hegui questionnaire --format xlsx`, and do not rename its sheets");
        return None;
    };
    let root_loc = r.places.loc(SHEET_HEADER, 0, 0);
    let mut root: Vec<(Key, Node)> = Vec::new();
    check_sheet(
        r,
        SHEET_HEADER,
        header,
        &Area {
            first_row: HEADER_ROW + 1,
            read: vec![u32::from(COL_KEY), u32::from(COL_VALUE)],
            last_col: 3,
        },
    );
    check_sheet(
        r,
        SHEET_QUESTIONS,
        questions,
        &Area {
            first_row: HEADER_ROW + 1,
            read: [COL_ID, COL_ANSWER, COL_REMARK, COL_EVIDENCE]
                .into_iter()
                .map(u32::from)
                .collect(),
            last_col: u32::from(COL_EVIDENCE),
        },
    );
    read_header(r, header, &mut root);
    let answers_loc = r
        .places
        .loc(SHEET_QUESTIONS, HEADER_ROW, u32::from(COL_ANSWER));
    let mut answers: Vec<(Key, Node)> = Vec::new();
    let none_rows = read_questions(r, questions, &mut answers)?;
    let mut seen_groups: Vec<String> = Vec::new();
    for (name, range) in &ranges {
        let a1 = str_at(range, 0, 0);
        if a1 == GROUP_MARK || a1 == WAIVERS_MARK {
            let read = key_cols(range)
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>();
            let last_col = read.iter().copied().max().unwrap_or(0);
            check_sheet(
                r,
                name,
                range,
                &Area {
                    first_row: ITEM_ROW,
                    read,
                    last_col: last_col.max(2),
                },
            );
        }
        if a1 == GROUP_MARK {
            read_group(r, name, range, &none_rows, &mut seen_groups, &mut answers);
        } else if a1 == WAIVERS_MARK
            && let Some(w) = read_waivers(r, name, range)
        {
            root.push((key("waivers", w.loc), w));
        }
    }
    // Groups said to have no items (无) and given no sheet rows: `[]`.
    for (gid, loc) in &none_rows {
        if !answers.iter().any(|(k, _)| &k.name == gid) {
            answers.push((key(gid, *loc), node(NodeKind::Seq(Vec::new()), *loc)));
        }
    }
    root.push((
        key("answers", answers_loc),
        node(NodeKind::Map(answers), answers_loc),
    ));
    Some(node(NodeKind::Map(root), root_loc))
}

/// The column keys of a group or waivers sheet (row 4), by column.
fn key_cols(range: &Grid) -> Vec<(u32, String)> {
    range
        .cols_in_row(KEY_ROW)
        .into_iter()
        .map(|c| (c, norm(&str_at(range, KEY_ROW, c))))
        .filter(|(_, k)| !k.is_empty())
        .collect()
}

fn read_header(r: &mut Reader_<'_>, range: &Grid, root: &mut Vec<(Key, Node)>) {
    let sheet = SHEET_HEADER;
    // (top key, nested path, node)
    let mut fields: Vec<(Vec<String>, Node, Loc)> = Vec::new();
    let mut name_loc = None;
    for row in range.rows_from(HEADER_ROW + 1) {
        let k = str_at(range, row, u32::from(COL_KEY));
        let c = get(range, row, u32::from(COL_VALUE));
        if k.is_empty() {
            continue;
        }
        let key_loc = r.places.loc(sheet, row, u32::from(COL_KEY));
        let loc = r.places.loc(sheet, row, u32::from(COL_VALUE));
        if !HEADER_FIELDS.iter().any(|f| f.0 == k) && k != crate::xlsx::SUBMISSION_FIELD.0 {
            let help = hegui_core::diag::did_you_mean(&k, HEADER_FIELDS.iter().map(|f| f.0))
                .unwrap_or_else(|| "do not change column 键 Key".into());
            r.diags
                .error(key_loc, "", format!("unknown field `{k}`"))
                .help(help);
            continue;
        }
        if k == "organisation.name" {
            name_loc = Some(loc);
        }
        let Some(n) = r.field_node(c, loc, k == "assessment_date") else {
            continue;
        };
        fields.push((k.split('.').map(str::to_string).collect(), n, loc));
    }
    if !fields
        .iter()
        .any(|(p, ..)| p.join(".") == "organisation.name")
    {
        // A blank name is a warning for facts files; keep it so here.
        let loc = name_loc.unwrap_or(Loc::UNKNOWN);
        fields.push((
            vec!["organisation".into(), "name".into()],
            node(NodeKind::Str(String::new()), loc),
            loc,
        ));
    }
    // A workbook of several packs lists them joined by ` + ` (see `xlsx::header_value`): the
    // facts list every pack (facts format 2).
    let cell = |name: &str| {
        fields
            .iter()
            .find(|(p, ..)| p.join(".") == name)
            .and_then(|(_, n, loc)| n.as_str().map(|s| (s.to_string(), *loc)))
    };
    if let Some((ids, loc)) = cell("pack.id")
        && ids.contains(" + ")
    {
        let versions = cell("pack.version").map(|v| v.0).unwrap_or_default();
        let digests = cell("pack.questionnaire_digest").map(|v| v.0);
        let versions: Vec<&str> = versions.split(" + ").collect();
        let digests: Vec<&str> = digests
            .as_deref()
            .map(|d| d.split(" + ").collect())
            .unwrap_or_default();
        let items: Vec<Node> = ids
            .split(" + ")
            .enumerate()
            .map(|(i, id)| {
                let mut m = vec![(key("id", loc), node(NodeKind::Str(id.trim().into()), loc))];
                if let Some(v) = versions.get(i) {
                    m.push((
                        key("version", loc),
                        node(NodeKind::Str(v.trim().into()), loc),
                    ));
                }
                if let Some(dg) = digests.get(i) {
                    m.push((
                        key("questionnaire_digest", loc),
                        node(NodeKind::Str(dg.trim().into()), loc),
                    ));
                }
                node(NodeKind::Map(m), loc)
            })
            .collect();
        fields.retain(|(p, ..)| p.first().map(String::as_str) != Some("pack"));
        root.push((
            key("format", loc),
            node(NodeKind::Str(hegui_core::facts::FACTS_FORMAT.into()), loc),
        ));
        root.push((key("packs", loc), node(NodeKind::Seq(items), loc)));
    }
    for (path, n, loc) in fields {
        insert(root, &path, n, loc);
    }
}

/// Inserts `n` at a dotted path, making mappings on the way (located at their first value).
fn insert(map: &mut Vec<(Key, Node)>, path: &[String], n: Node, loc: Loc) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.push((key(first, loc), n));
        return;
    }
    if !map.iter().any(|(k, _)| &k.name == first) {
        map.push((key(first, loc), node(NodeKind::Map(Vec::new()), loc)));
    }
    if let Some((_, child)) = map.iter_mut().find(|(k, _)| &k.name == first)
        && let NodeKind::Map(inner) = &mut child.kind
    {
        insert(inner, rest, n, loc);
    }
}

/// Answer, remark and evidence cells as an answer node (long form when there is a remark or
/// evidence).
fn long_form(
    value: Option<Node>,
    remark: Option<Node>,
    evidence: Option<Node>,
    loc: Loc,
) -> Option<Node> {
    if remark.is_none() && evidence.is_none() {
        return value;
    }
    let mut m = Vec::new();
    if let Some(v) = value {
        m.push((key("value", v.loc), v));
    }
    if let Some(rm) = remark {
        m.push((key("remark", rm.loc), rm));
    }
    if let Some(ev) = evidence {
        m.push((key("evidence", ev.loc), ev));
    }
    Some(node(NodeKind::Map(m), loc))
}

/// Evidence text: one piece per line, `title | reference | date`.
fn evidence_node(text: &str, loc: Loc) -> Node {
    let items = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            let mut m = Vec::new();
            if let Some(t) = parts.first() {
                m.push((
                    key("title", loc),
                    node(NodeKind::Str((*t).to_string()), loc),
                ));
            }
            if let Some(rf) = parts.get(1).filter(|s| !s.is_empty()) {
                m.push((
                    key("reference", loc),
                    node(NodeKind::Str((*rf).to_string()), loc),
                ));
            }
            if let Some(d) = parts.get(2).filter(|s| !s.is_empty()) {
                let d = text_date(d)
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| (*d).to_string());
                m.push((key("date", loc), node(NodeKind::Str(d), loc)));
            }
            if parts.len() > 3 {
                m.push((
                    key("unexpected", loc),
                    node(NodeKind::Str(line.to_string()), loc),
                ));
            }
            node(NodeKind::Map(m), loc)
        })
        .collect();
    node(NodeKind::Seq(items), loc)
}

fn text_node(c: &Data, loc: Loc) -> Option<Node> {
    cell_text(c).map(|t| node(NodeKind::Str(t), loc))
}

/// Reads the Questions sheet; returns the groups whose row says "no items", with the place.
fn read_questions(
    r: &mut Reader_<'_>,
    range: &Grid,
    answers: &mut Vec<(Key, Node)>,
) -> Option<Vec<(String, Loc)>> {
    let sheet = SHEET_QUESTIONS;
    for col in [COL_ID, COL_ANSWER, COL_REMARK, COL_EVIDENCE] {
        let want = QUESTION_HEADERS
            .get(usize::from(col))
            .copied()
            .unwrap_or("");
        let got = str_at(range, HEADER_ROW, u32::from(col));
        if got != want {
            let loc = r.places.loc(sheet, HEADER_ROW, u32::from(col));
            r.diags
                .error(
                    loc,
                    "",
                    format!("expected the column header `{want}`, found `{got}`"),
                )
                .help("the columns of the questionnaire were moved or renamed; answer an unchanged copy");
            return None;
        }
    }
    let pack = r.pack;
    let qn = &pack.questionnaire;
    let mut none_rows = Vec::new();
    let mut seen: Vec<(String, u32)> = Vec::new();
    for row in range.rows_from(HEADER_ROW + 1) {
        let id = norm(&str_at(range, row, u32::from(COL_ID)));
        let cell = get(range, row, u32::from(COL_ANSWER));
        let remark_cell = get(range, row, u32::from(COL_REMARK));
        let ev_cell = get(range, row, u32::from(COL_EVIDENCE));
        let filled = [cell, remark_cell, ev_cell]
            .iter()
            .any(|c| cell_text(c).is_some());
        if id.is_empty() {
            if filled {
                let loc = r.places.loc(sheet, row, u32::from(COL_ANSWER));
                r.diags.warning(
                    loc,
                    "",
                    "a row without a question id has an answer; it is ignored",
                );
            }
            continue;
        }
        let id_loc = r.places.loc(sheet, row, u32::from(COL_ID));
        let loc = r.places.loc(sheet, row, u32::from(COL_ANSWER));
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            r.diags.error(
                id_loc,
                format!("question `{id}`"),
                format!("the question appears twice (also on row {})", first + 1),
            );
            continue;
        }
        seen.push((id.clone(), row));
        if let Some(g) = qn.group(&id).and_then(|g| qn.groups.get(g)) {
            if let Some(t) = cell_text(cell) {
                if NO_ITEMS.contains(&norm(&t).to_lowercase().as_str()) {
                    none_rows.push((g.id.clone(), loc));
                } else {
                    r.diags
                        .error(
                            loc,
                            format!("group `{}`", g.id),
                            format!("expected 无 (none) or nothing, found `{t}`"),
                        )
                        .help("list the items on the group's own sheet, one row each; write 无 here only if there are none");
                }
            }
            continue;
        }
        let q = qn
            .question(&id)
            .and_then(|q| qn.questions.get(q))
            .filter(|q| q.group.is_none());
        let value = match q {
            Some(q) => r.answer_node(q, cell, loc),
            // Unknown ids go to the facts loader, which suggests the closest.
            None => text_node(cell, loc).or(Some(node(NodeKind::Null, loc))),
        };
        let remark = text_node(remark_cell, r.places.loc(sheet, row, u32::from(COL_REMARK)));
        let ev_loc = r.places.loc(sheet, row, u32::from(COL_EVIDENCE));
        let evidence = cell_text(ev_cell).map(|t| evidence_node(&t, ev_loc));
        if let Some(n) = long_form(value, remark, evidence, loc) {
            answers.push((key(&id, id_loc), n));
        }
    }
    Some(none_rows)
}

fn read_group(
    r: &mut Reader_<'_>,
    sheet: &str,
    range: &Grid,
    none_rows: &[(String, Loc)],
    seen: &mut Vec<String>,
    answers: &mut Vec<(Key, Node)>,
) {
    let pack = r.pack;
    let qn = &pack.questionnaire;
    let gid = norm(&str_at(range, 0, 1));
    let gloc = r.places.loc(sheet, 0, 1);
    let Some(group) = qn.group(&gid).and_then(|g| qn.groups.get(g)) else {
        let help = hegui_core::diag::did_you_mean(&gid, qn.groups.iter().map(|g| g.id.as_str()))
            .unwrap_or_else(|| "do not change cell B1 of an item sheet".into());
        r.diags
            .error(gloc, "", format!("unknown group `{gid}`"))
            .help(help);
        return;
    };
    if seen.contains(&gid) {
        r.diags.error(
            gloc,
            format!("group `{gid}`"),
            "a second sheet for the same group",
        );
        return;
    }
    seen.push(gid.clone());
    let cols = key_cols(range);
    let key_member = group.item_key.clone().or_else(|| {
        group
            .members
            .first()
            .and_then(|m| qn.questions.get(*m))
            .map(|q| q.local_id.clone())
    });
    let mut items = Vec::new();
    for row in range.rows_from(ITEM_ROW) {
        if cols
            .iter()
            .all(|(c, _)| cell_text(get(range, row, *c)).is_none())
        {
            continue;
        }
        let row_loc = r.places.loc(sheet, row, 0);
        let mut m: Vec<(Key, Node)> = Vec::new();
        let mut remark = None;
        for (c, k) in &cols {
            let cell = get(range, row, *c);
            let loc = r.places.loc(sheet, row, *c);
            if k == REMARK_KEY {
                remark = text_node(cell, loc);
                continue;
            }
            let full = format!("{gid}[*].{k}");
            let q = qn.question(&full).and_then(|q| qn.questions.get(q));
            let v = match q {
                Some(q) => r.answer_node(q, cell, loc),
                None => text_node(cell, loc),
            };
            if let Some(v) = v {
                m.push((key(k, r.places.loc(sheet, KEY_ROW, *c)), v));
            } else if q.is_none() {
                // An unknown column key with an empty cell: still reported once per item.
                m.push((
                    key(k, r.places.loc(sheet, KEY_ROW, *c)),
                    node(NodeKind::Null, loc),
                ));
            }
        }
        if let Some(rm) = remark {
            let km = key_member.clone().unwrap_or_default();
            match m.iter().position(|(k, _)| k.name == km) {
                Some(i) => {
                    if let Some((k, v)) = m.get(i).cloned() {
                        let loc = v.loc;
                        if let Some(n) = long_form(Some(v), Some(rm), None, loc)
                            && let Some(slot) = m.get_mut(i)
                        {
                            *slot = (k, n);
                        }
                    }
                }
                None => {
                    let loc = rm.loc;
                    if let Some(n) = long_form(None, Some(rm), None, loc) {
                        m.push((key(&km, loc), n));
                    }
                }
            }
        }
        items.push(node(NodeKind::Map(m), row_loc));
    }
    if items.is_empty() {
        return;
    }
    if let Some((_, loc)) = none_rows.iter().find(|(g, _)| *g == gid) {
        r.diags.error(
            *loc,
            format!("group `{gid}`"),
            format!(
                "says there are no items (无), but sheet `{sheet}` lists {}",
                items.len()
            ),
        );
        return;
    }
    answers.push((key(&gid, gloc), node(NodeKind::Seq(items), gloc)));
}

fn read_waivers(r: &mut Reader_<'_>, sheet: &str, range: &Grid) -> Option<Node> {
    let cols = key_cols(range);
    let mut items = Vec::new();
    for row in range.rows_from(ITEM_ROW) {
        if cols
            .iter()
            .all(|(c, _)| cell_text(get(range, row, *c)).is_none())
        {
            continue;
        }
        let row_loc = r.places.loc(sheet, row, 0);
        let mut m = Vec::new();
        for (c, k) in &cols {
            let loc = r.places.loc(sheet, row, *c);
            let is_date = k == "expires";
            if !WAIVER_COLS.iter().any(|(w, _)| w == k) {
                r.diags
                    .error(loc, "", format!("unknown waiver column `{k}`"))
                    .help("do not change row 4 of the waivers sheet");
                continue;
            }
            if let Some(n) = r.field_node(get(range, row, *c), loc, is_date) {
                m.push((key(k, loc), n));
            }
        }
        items.push(node(NodeKind::Map(m), row_loc));
    }
    let loc = r.places.loc(sheet, 0, 0);
    (!items.is_empty()).then(|| node(NodeKind::Seq(items), loc))
}

/// Why `bytes`, given where a facts file (YAML or JSON) was expected, should go through
/// `hegui import`: they are a workbook (a zip or a compound file). `None` otherwise.
pub fn workbook_hint(bytes: &[u8]) -> Option<String> {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let cfb = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    (zip || cfb).then(|| {
        "这是工作簿，不是答案文件，请先用 hegui import 转换 a workbook, not a facts file (YAML or JSON): convert it first with `hegui import WORKBOOK -o answers.yaml` and use answers.yaml (hegui batch reads workbooks directly)".to_string()
    })
}

/// Reads a filled-in questionnaire workbook and validates it as a facts file. `name` names the
/// file in messages, which also name the sheet and cell.
pub fn import_workbook(
    name: &str,
    bytes: &[u8],
    pack: &Pack,
) -> Result<LoadedFacts, Vec<Diagnostic>> {
    let mut r = Reader_ {
        pack,
        places: Places::default(),
        diags: Diagnostics::new(name),
        is_1904: false,
    };
    if bytes.len() > MAX_WORKBOOK {
        r.diags.error(
            Loc::UNKNOWN,
            "",
            format!(
                "file too large ({} bytes; limit {MAX_WORKBOOK})",
                bytes.len()
            ),
        );
        return Err(r.diags.into_vec());
    }
    let wanted = |name: &str, a1: &Data| {
        name == SHEET_HEADER
            || name == SHEET_QUESTIONS
            || cell_text(a1).is_some_and(|t| t == GROUP_MARK || t == WAIVERS_MARK)
    };
    let book = match sheets::read_book(bytes, &wanted) {
        Ok(b) => b,
        Err(refusal) => {
            r.diags
                .error(Loc::UNKNOWN, "", refusal.message)
                .help(refusal.help);
            return Err(r.diags.into_vec());
        }
    };
    r.is_1904 = book.is_1904;
    let tree = read_tree(&mut r, &book);
    let facts = tree.and_then(|t| facts::from_node(&t, pack, &mut r.diags));
    let places = r.places;
    let has_errors = r.diags.has_errors();
    let diags: Vec<Diagnostic> = r
        .diags
        .into_vec()
        .into_iter()
        .map(|mut d| {
            if let Some(place) = places.describe(d.loc) {
                d.file = format!("{}: {place}", d.file);
                d.loc = Loc::UNKNOWN;
            }
            d
        })
        .collect();
    match facts {
        Some(facts) if !has_errors => Ok(LoadedFacts {
            facts,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

/// The facts as a facts file: YAML, or JSON when `json`. Written by serializers from the typed
/// facts (the canonical form of [`hegui_core::facts::write::facts_json`]), never by pasting text together.
pub fn facts_text(pack: &Pack, facts: &Facts, json: bool) -> Result<String, String> {
    let mut doc = hegui_core::facts::write::facts_json(pack, facts);
    hegui_core::facts::write::add_submission(&mut doc, facts);
    if json {
        let mut s = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        s.push('\n');
        return Ok(s);
    }
    let body = serde_saphyr::to_string(&doc).map_err(|e| e.to_string())?;
    Ok(format!(
        "# 由 hegui import 从问卷工作簿生成 — written by hegui import from a questionnaire workbook\n{body}"
    ))
}
