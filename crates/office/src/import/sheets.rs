//! Reading a workbook's sheets with bounded memory and time, whatever the file declares.
//!
//! A workbook is a zip (`.xlsx`, `.ods`) whose parts are XML. Nothing here trusts a declared
//! size, count or cell position before checking it:
//!
//! - the zip is opened by the zip crate itself (the one calamine uses), so a prefix, an offset
//!   or a ZIP64 directory is found exactly where the reader would find it; the unpacked sizes
//!   its directory declares (which the zip crate then enforces while unpacking) must add up to
//!   at most [`MAX_UNZIPPED`];
//! - every XML part is streamed once before calamine sees it: cell references must lie inside
//!   Excel's sheet (`A1:XFD1048576`, so no reference can overflow calamine's arithmetic), and a
//!   shared-string table may not declare more than [`MAX_SHARED_STRINGS`] strings (calamine
//!   reserves that many up front);
//! - `.xlsx` sheets are read cell by cell (calamine's cell reader), never as a dense range from
//!   A1 to the last cell; `.ods` sheets are read by the streaming reader below, where a repeat
//!   count costs nothing for empty cells and its full product for filled ones;
//! - only the sheets hegui reads are kept: the header and questions sheets by name, group and
//!   waiver sheets by cell A1 (a sheet is read up to its first row to find out);
//! - at most [`MAX_CELLS`] filled cells and [`MAX_TEXT`] bytes of text are kept in all.
//!
//! `.xls` (Excel 97–2003, a compound file) and `.xlsb` are refused: calamine reads every sheet
//! of an `.xls` into dense ranges when it opens it, and mutated files ask it for tens of
//! gigabytes (docs/PERFORMANCE.md). A password-protected workbook (also a compound file) is
//! named as such.

use calamine::{Data, Reader};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Cursor, Read, Seek};

/// The most a workbook may unpack to, as its zip directory declares (and the zip reader then
/// enforces): a questionnaire unpacks to far less; a zip bomb to gigabytes.
pub const MAX_UNZIPPED: u64 = 100 * 1024 * 1024;
/// The most filled cells kept from the sheets hegui reads.
pub const MAX_CELLS: u64 = 200_000;
/// The most text, in bytes, kept from the sheets hegui reads.
pub const MAX_TEXT: u64 = 64 * 1024 * 1024;
/// The most strings a shared-string table may declare.
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Excel's last row (1-based) and column.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's last column (`XFD`).
pub const MAX_COLS: u32 = 16_384;

/// Why a workbook cannot be read: a bilingual message and a hint.
#[derive(Debug)]
pub struct Refusal {
    /// What is wrong, naming the sheet and cell where there is one.
    pub message: String,
    /// What to do.
    pub help: String,
}

fn refuse(message: impl Into<String>, help: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        help: help.into(),
    }
}

const SAVE_AS_XLSX: &str =
    "请用 Excel、WPS 或 LibreOffice 另存为 .xlsx / save it as .xlsx (Excel 2007 or later) or .ods";

static EMPTY: Data = Data::Empty;

/// The filled cells of one sheet, by (row, column), 0-based.
#[derive(Default, Debug)]
pub struct Grid {
    cells: BTreeMap<(u32, u32), Data>,
    /// Cells holding a formula without a computed (cached) value.
    pub unvalued: Vec<(u32, u32)>,
    /// Merged regions: first and last cell.
    pub merges: Vec<((u32, u32), (u32, u32))>,
    /// Cells given twice in the sheet's data.
    pub duplicates: Vec<(u32, u32)>,
}

impl Grid {
    /// The value at a cell (`Empty` when there is none).
    pub fn get(&self, row: u32, col: u32) -> &Data {
        self.cells.get(&(row, col)).unwrap_or(&EMPTY)
    }

    /// The rows from `first` on that hold a filled cell, in order.
    pub fn rows_from(&self, first: u32) -> Vec<u32> {
        let mut rows: Vec<u32> = self
            .cells
            .range((first, 0)..)
            .map(|((r, _), _)| *r)
            .collect();
        rows.dedup();
        rows
    }

    /// The columns of `row` that hold a filled cell, in order.
    pub fn cols_in_row(&self, row: u32) -> Vec<u32> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|((_, c), _)| *c)
            .collect()
    }

    /// Every filled cell.
    pub fn cells(&self) -> impl Iterator<Item = ((u32, u32), &Data)> {
        self.cells.iter().map(|(p, d)| (*p, d))
    }

    fn put(&mut self, pos: (u32, u32), value: Data) {
        if self.cells.insert(pos, value).is_some() {
            self.duplicates.push(pos);
        }
    }
}

/// One sheet hegui reads.
#[derive(Debug)]
pub struct Sheet {
    /// Its name.
    pub name: String,
    /// Its filled cells.
    pub grid: Grid,
}

/// The sheets hegui reads, and the names of all sheets.
#[derive(Debug)]
pub struct Book {
    /// Every sheet's name, in order.
    pub names: Vec<String>,
    /// The sheets that were read (see [`read_book`]).
    pub sheets: Vec<Sheet>,
    /// Serial dates count from 1904 (old Mac Excel).
    pub is_1904: bool,
}

/// Cells and text kept so far.
struct Budget {
    cells: u64,
    text: u64,
}

fn text_len(d: &Data) -> u64 {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.len() as u64,
        _ => 0,
    }
}

impl Budget {
    fn take(&mut self, cells: u64, text: u64, sheet: &str, pos: (u32, u32)) -> Result<(), Refusal> {
        self.cells = self.cells.saturating_add(cells);
        self.text = self.text.saturating_add(text);
        if self.cells > MAX_CELLS {
            return Err(refuse(
                format!(
                    "工作表 sheet「{sheet}」单元格 cell {}: 已填单元格过多 too many filled cells (more than {MAX_CELLS} in the sheets hegui reads)",
                    cell_ref(pos.0, pos.1)
                ),
                "a questionnaire has a few thousand filled cells; delete what does not belong to the answers",
            ));
        }
        if self.text > MAX_TEXT {
            return Err(refuse(
                format!(
                    "工作表 sheet「{sheet}」单元格 cell {}: 文字过多 too much text (more than {MAX_TEXT} bytes in the sheets hegui reads)",
                    cell_ref(pos.0, pos.1)
                ),
                "a questionnaire holds far less text; delete what does not belong to the answers",
            ));
        }
        Ok(())
    }
}

/// `A1`-style name of a 0-based cell (any u32 position).
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        letters.into_iter().collect::<String>(),
        u64::from(row) + 1
    )
}

const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn password_refusal() -> Refusal {
    refuse(
        "工作簿设有打开密码，无法读取 the workbook is password-protected (encrypted) and cannot be read",
        "请去掉密码后另存 remove the password: open it, then File › Info › Protect Workbook › Encrypt with Password, clear the password and save (WPS: 文件 › 文档加密 › 密码加密)",
    )
}

/// What a workbook's bytes are, by content (never by the file's name).
enum Kind {
    Xlsx,
    Ods,
}

/// Reads the sheets hegui needs from a workbook. `wanted(name, a1)` says whether a sheet is
/// read, from its name and the value of its cell A1 (a sheet is read up to its first row to
/// find A1).
pub fn read_book(bytes: &[u8], wanted: &dyn Fn(&str, &Data) -> bool) -> Result<Book, Refusal> {
    if bytes.starts_with(CFB_MAGIC) {
        // Excel's encrypted .xlsx is a compound file holding these two streams.
        if contains(bytes, &utf16("EncryptedPackage")) || contains(bytes, &utf16("EncryptionInfo"))
        {
            return Err(password_refusal());
        }
        return Err(refuse(
            "这是 Excel 97–2003 的 .xls 工作簿，hegui 不读取 an Excel 97–2003 .xls workbook, which hegui does not read (its reader cannot be bounded in memory)",
            SAVE_AS_XLSX,
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        refuse(
            format!("不是可读取的工作簿 not a readable workbook (not an .xlsx or .ods file: {e})"),
            SAVE_AS_XLSX,
        )
    })?;
    let kind = check_zip(&mut zip)?;
    match kind {
        Kind::Xlsx => read_xlsx(bytes, wanted),
        Kind::Ods => read_ods(&mut zip, wanted),
    }
}

/// Checks the archive before anything is unpacked for reading: declared sizes, then every XML
/// part streamed once. Returns what the workbook is.
fn check_zip<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Kind, Refusal> {
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| {
            refuse(
                format!("不是可读取的工作簿 not a readable workbook (entry {i}: {e})"),
                SAVE_AS_XLSX,
            )
        })?;
        if f.encrypted() {
            return Err(password_refusal());
        }
        total = total.saturating_add(f.size());
        names.push(
            f.name()
                .map(|n| n.replace('\\', "/").to_ascii_lowercase())
                .unwrap_or_default(),
        );
    }
    if total > MAX_UNZIPPED {
        return Err(refuse(
            format!(
                "解压后过大，不是可读取的工作簿 not a readable workbook: it unpacks to {total} bytes (limit {MAX_UNZIPPED})"
            ),
            "a questionnaire workbook unpacks to well under a megabyte; this one looks like a zip bomb",
        ));
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    let kind = if names.iter().any(|n| n.starts_with("xl/")) {
        if names
            .iter()
            .any(|n| n.ends_with(".bin") && n.contains("workbook"))
        {
            return Err(refuse(
                "这是 Excel 二进制工作簿 (.xlsb)，hegui 不读取 an Excel binary workbook (.xlsb), which hegui does not read",
                SAVE_AS_XLSX,
            ));
        }
        Kind::Xlsx
    } else if has("content.xml") {
        Kind::Ods
    } else {
        return Err(refuse(
            "不是工作簿 not a workbook: a zip archive without an Excel or OpenDocument spreadsheet inside",
            SAVE_AS_XLSX,
        ));
    };
    let sheets = sheet_parts(zip);
    for i in 0..zip.len() {
        prescan(zip, i, &sheets)?;
    }
    Ok(kind)
}

/// An archive entry's text (at most [`MAX_UNZIPPED`] bytes), or `None`.
fn entry_text<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let f = zip.by_name(name).ok()?;
    let mut s = String::new();
    f.take(MAX_UNZIPPED).read_to_string(&mut s).ok()?;
    Some(s)
}

/// The start tags named `tag` in an XML text, as attribute lists (values unescaped).
fn tags(xml: &str, tag: &str) -> Vec<Vec<(String, String)>> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == tag => {
                let attrs = raw_attrs(e.attributes_raw()).unwrap_or_default();
                out.push(
                    attrs
                        .into_iter()
                        .map(|(k, v)| {
                            let v = quick_xml::escape::unescape(v)
                                .map_or_else(|_| v.to_string(), std::borrow::Cow::into_owned);
                            (k.to_string(), v)
                        })
                        .collect(),
                );
            }
            Ok(Event::Eof) | Err(_) => return out,
            Ok(_) => {}
        }
    }
}

/// Worksheet part paths and the names of their sheets (`xl/workbook.xml` and its
/// relationships), so a problem found in a part can name its sheet. Best effort: messages only.
fn sheet_parts<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Vec<(String, String)> {
    let (Some(wb), Some(rels)) = (
        entry_text(zip, "xl/workbook.xml"),
        entry_text(zip, "xl/_rels/workbook.xml.rels"),
    ) else {
        return Vec::new();
    };
    let get = |a: &[(String, String)], k: &str| {
        a.iter()
            .find(|(key, _)| is_key(key, k))
            .map(|(_, v)| v.clone())
    };
    let rels = tags(&rels, "Relationship");
    tags(&wb, "sheet")
        .iter()
        .filter_map(|sheet| {
            let name = get(sheet, "name")?;
            let id = get(sheet, "id")?;
            let target = rels
                .iter()
                .find(|r| get(r, "Id").as_deref() == Some(id.as_str()))
                .and_then(|r| get(r, "Target"))?;
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            Some((path, name))
        })
        .collect()
}

fn xml_config<R: BufRead>(r: &mut quick_xml::Reader<R>) {
    // calamine's settings, so both see the same events.
    let c = r.config_mut();
    c.check_end_names = false;
    c.trim_text(false);
    c.check_comments = false;
    c.expand_empty_elements = true;
}

/// `key="value"` pairs of a start tag, read as calamine reads them; `None` when malformed.
fn raw_attrs(raw: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = raw;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(out);
        }
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let body = after.get(1..)?;
        let (value, tail) = body.split_once(quote).unwrap_or((body, ""));
        out.push((key.trim_end(), value));
        rest = tail;
    }
}

fn is_key(key: &str, name: &str) -> bool {
    key == name || key.strip_suffix(name).is_some_and(|p| p.ends_with(':'))
}

/// A cell reference inside Excel's sheet: `A1`, a row number (`<row r="5">`), or a range of
/// them (`A1:B2`). Anything else is refused before calamine parses it.
fn valid_ref(v: &str) -> bool {
    v.split(':').all(|part| {
        let letters = part.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (cols, rows) = part.split_at(letters);
        if letters > 3 || rows.len() > 7 || !rows.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let col = cols.bytes().fold(0u32, |n, b| {
            n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
        });
        let row: u32 = if rows.is_empty() {
            1
        } else {
            rows.parse().unwrap_or(0)
        };
        col <= MAX_COLS && (1..=MAX_ROWS).contains(&row)
    })
}

/// Streams one archive entry as XML: cell references and declared string counts.
fn prescan<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    i: usize,
    sheets: &[(String, String)],
) -> Result<(), Refusal> {
    let Ok(f) = zip.by_index(i) else {
        // Unreadable entries fail the same way when calamine opens them.
        return Ok(());
    };
    let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
    let part = match sheets.iter().find(|(p, _)| *p == name) {
        Some((_, sheet)) => format!("工作表 sheet「{sheet}」"),
        None => format!("部件 part `{name}`"),
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(f));
    xml_config(&mut xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => check_tag(&part, &e)?,
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

fn check_tag(part: &str, e: &BytesStart<'_>) -> Result<(), Refusal> {
    let name = e.local_name();
    let name = name.as_ref();
    let refs = matches!(
        name,
        "c" | "row" | "dimension" | "mergeCell" | "f" | "hyperlink"
    );
    let sst = name == "sst";
    if !refs && !sst {
        return Ok(());
    }
    let Some(attrs) = raw_attrs(e.attributes_raw()) else {
        return Err(refuse(
            format!("不是可读取的工作簿 not a readable workbook: {part}: a malformed tag"),
            SAVE_AS_XLSX,
        ));
    };
    for (k, v) in attrs {
        if refs && (is_key(k, "r") || is_key(k, "ref")) && !valid_ref(v) {
            let shown: String = v.chars().take(40).collect();
            return Err(refuse(
                format!(
                    "{part}: 单元格引用超出工作表 the cell reference `{shown}` is outside a sheet (A1:XFD1048576)"
                ),
                "the file was not written by a spreadsheet program; open and save it in Excel, WPS or LibreOffice",
            ));
        }
        // calamine reserves `uniqueCount` strings up front (`count` it does not use).
        if sst && is_key(k, "uniqueCount") {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            let digits = digits.trim_start_matches('0');
            let n: u64 = if digits.len() > 19 {
                u64::MAX
            } else {
                digits.parse().unwrap_or(0)
            };
            if n > MAX_SHARED_STRINGS {
                return Err(refuse(
                    format!(
                        "{part}: 声明的字符串过多 declares {n} shared strings (limit {MAX_SHARED_STRINGS})"
                    ),
                    "a questionnaire has a few thousand strings; this file was not written by a spreadsheet program",
                ));
            }
        }
    }
    Ok(())
}

fn xlsx_error(sheet: &str, e: &calamine::XlsxError) -> Refusal {
    refuse(
        format!("无法读取工作表 cannot read sheet「{sheet}」: {e}"),
        SAVE_AS_XLSX,
    )
}

fn read_xlsx(bytes: &[u8], wanted: &dyn Fn(&str, &Data) -> bool) -> Result<Book, Refusal> {
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        refuse(
            format!("不是可读取的工作簿 not a readable workbook: {e}"),
            SAVE_AS_XLSX,
        )
    })?;
    let names = book.sheet_names();
    let is_1904 = book.has_1904_epoch();
    let mut budget = Budget { cells: 0, text: 0 };
    let mut sheets = Vec::new();
    for name in &names {
        let mut grid = Grid::default();
        let mut decided = wanted(name, &EMPTY);
        let mut keep = decided;
        {
            let mut cells = book
                .worksheet_cells_reader(name)
                .map_err(|e| xlsx_error(name, &e))?;
            while let Some(cell) = cells
                .next_cell_with_formula_metadata()
                .map_err(|e| xlsx_error(name, &e))?
            {
                let pos = cell.pos;
                if !decided && pos.0 > 0 {
                    decided = true;
                    keep = wanted(name, grid.get(0, 0));
                    if !keep {
                        break;
                    }
                }
                let value = Data::from(cell.value);
                if matches!(value, Data::Empty) {
                    if cell.formula.is_some() {
                        budget.take(1, 0, name, pos)?;
                        grid.unvalued.push(pos);
                    }
                    continue;
                }
                budget.take(1, text_len(&value), name, pos)?;
                grid.put(pos, value);
            }
        }
        if !decided {
            keep = wanted(name, grid.get(0, 0));
        }
        if !keep {
            continue;
        }
        for d in book
            .merge_cells_by_sheet_name(name)
            .map_err(|e| xlsx_error(name, &e))?
        {
            budget.take(1, 0, name, d.start)?;
            grid.merges.push((d.start, d.end));
        }
        sheets.push(Sheet {
            name: name.clone(),
            grid,
        });
    }
    Ok(Book {
        names,
        sheets,
        is_1904,
    })
}

/// Text of a cell's paragraphs, bounded by the text budget as it grows.
struct OdsCell {
    value: Data,
    formula: bool,
    cols: u64,
    col_span: u64,
    row_span: u64,
}

fn attr_num(v: &str) -> Option<u64> {
    v.trim().parse::<u64>().ok()
}

fn read_ods<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    wanted: &dyn Fn(&str, &Data) -> bool,
) -> Result<Book, Refusal> {
    if let Ok(mut m) = zip.by_name("META-INF/manifest.xml") {
        let mut s = Vec::new();
        m.by_ref()
            .take(MAX_UNZIPPED)
            .read_to_end(&mut s)
            .map_err(|e| {
                refuse(
                    format!("不是可读取的工作簿 not a readable workbook: {e}"),
                    SAVE_AS_XLSX,
                )
            })?;
        if contains(&s, b"encryption-data") {
            return Err(password_refusal());
        }
    }
    let content = zip.by_name("content.xml").map_err(|e| {
        refuse(
            format!("不是可读取的工作簿 not a readable workbook: {e}"),
            SAVE_AS_XLSX,
        )
    })?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    xml_config(&mut xml);
    let mut ods = OdsReader {
        budget: Budget { cells: 0, text: 0 },
        names: Vec::new(),
        sheets: Vec::new(),
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(ods_error)? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let name = tag_attr(&e, "table:name").unwrap_or_default();
                ods.table(&mut xml, name, wanted)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Book {
        names: ods.names,
        sheets: ods.sheets,
        is_1904: false,
    })
}

fn ods_error(e: quick_xml::Error) -> Refusal {
    refuse(
        format!("不是可读取的工作簿 not a readable workbook: content.xml: {e}"),
        SAVE_AS_XLSX,
    )
}

fn tag_attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    let attrs = raw_attrs(e.attributes_raw())?;
    let (_, v) = attrs.into_iter().find(|(k, _)| *k == key)?;
    Some(
        quick_xml::escape::unescape(v).map_or_else(|_| v.to_string(), std::borrow::Cow::into_owned),
    )
}

struct OdsReader {
    budget: Budget,
    names: Vec<String>,
    sheets: Vec<Sheet>,
}

impl OdsReader {
    /// Reads one `table:table` up to its end tag.
    fn table<R: BufRead>(
        &mut self,
        xml: &mut quick_xml::Reader<R>,
        name: String,
        wanted: &dyn Fn(&str, &Data) -> bool,
    ) -> Result<(), Refusal> {
        self.names.push(name.clone());
        let mut grid = Grid::default();
        let mut decided = wanted(&name, &EMPTY);
        let mut keep = decided;
        let mut row: u64 = 0;
        let mut buf = Vec::new();
        let mut depth = 0u32;
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(ods_error)? {
                Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                    let reps = tag_attr(&e, "table:number-rows-repeated")
                        .and_then(|v| attr_num(&v))
                        .unwrap_or(1)
                        .max(1);
                    if !decided && row > 0 {
                        decided = true;
                        keep = wanted(&name, grid.get(0, 0));
                    }
                    if decided && !keep {
                        xml.read_to_end_into(e.name(), &mut Vec::new())
                            .map_err(ods_error)?;
                    } else {
                        self.row(xml, &name, &mut grid, row, reps)?;
                    }
                    row = row.saturating_add(reps);
                }
                Event::Start(e) if e.name().as_ref() == "table:table" => depth += 1,
                Event::End(e) if e.name().as_ref() == "table:table" => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Event::Eof => {
                    return Err(ods_error(quick_xml::Error::Io(std::sync::Arc::new(
                        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
                    ))));
                }
                _ => {}
            }
        }
        if !decided {
            keep = wanted(&name, grid.get(0, 0));
        }
        if keep {
            self.sheets.push(Sheet { name, grid });
        }
        Ok(())
    }

    /// Reads one `table:table-row` (repeated `reps` times from `row`) up to its end tag.
    fn row<R: BufRead>(
        &mut self,
        xml: &mut quick_xml::Reader<R>,
        sheet: &str,
        grid: &mut Grid,
        row: u64,
        reps: u64,
    ) -> Result<(), Refusal> {
        let mut col: u64 = 0;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(ods_error)? {
                Event::Start(e)
                    if matches!(
                        e.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    let covered = e.name().as_ref() == "table:covered-table-cell";
                    let cell = self.cell(xml, &e, sheet, (row, col))?;
                    if !covered && (cell.formula || !matches!(cell.value, Data::Empty)) {
                        self.place(grid, sheet, &cell, row, reps, col)?;
                    }
                    if !covered && (cell.col_span > 1 || cell.row_span > 1) {
                        let first = position(sheet, row, col)?;
                        let last = position(
                            sheet,
                            row.saturating_add(cell.row_span.max(1) - 1),
                            col.saturating_add(cell.col_span.max(1) - 1),
                        )?;
                        self.budget.take(1, 0, sheet, first)?;
                        grid.merges.push((first, last));
                    }
                    col = col.saturating_add(cell.cols);
                }
                Event::End(e) if e.name().as_ref() == "table:table-row" => return Ok(()),
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// Stores a filled cell, repeated over `reps` rows and its own column repeats.
    fn place(
        &mut self,
        grid: &mut Grid,
        sheet: &str,
        cell: &OdsCell,
        row: u64,
        reps: u64,
        col: u64,
    ) -> Result<(), Refusal> {
        let first = position(sheet, row, col)?;
        let copies = reps.saturating_mul(cell.cols);
        self.budget.take(
            copies,
            copies.saturating_mul(text_len(&cell.value)),
            sheet,
            first,
        )?;
        for r in 0..reps {
            for c in 0..cell.cols {
                let pos = position(sheet, row.saturating_add(r), col.saturating_add(c))?;
                if cell.formula && matches!(cell.value, Data::Empty) {
                    grid.unvalued.push(pos);
                } else {
                    grid.put(pos, cell.value.clone());
                }
            }
        }
        Ok(())
    }

    /// Reads one cell (its start tag was `e`) up to its end tag.
    fn cell<R: BufRead>(
        &mut self,
        xml: &mut quick_xml::Reader<R>,
        e: &BytesStart<'_>,
        sheet: &str,
        at: (u64, u64),
    ) -> Result<OdsCell, Refusal> {
        let attrs = raw_attrs(e.attributes_raw()).unwrap_or_default();
        let get = |k: &str| attrs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let num = |k: &str| get(k).and_then(attr_num).unwrap_or(1).max(1);
        let unescaped = |v: &str| {
            quick_xml::escape::unescape(v)
                .map_or_else(|_| v.to_string(), std::borrow::Cow::into_owned)
        };
        let vtype = get("office:value-type").or_else(|| get("calcext:value-type"));
        let mut value =
            match vtype {
                Some("float" | "percentage" | "currency") => get("office:value")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map_or(Data::Empty, Data::Float),
                Some("date") => get("office:date-value")
                    .map_or(Data::Empty, |v| Data::DateTimeIso(unescaped(v))),
                Some("time") => get("office:time-value")
                    .map_or(Data::Empty, |v| Data::DurationIso(unescaped(v))),
                Some("boolean") => get("office:boolean-value").map_or(Data::Empty, |v| {
                    Data::Bool(v.trim().eq_ignore_ascii_case("true"))
                }),
                Some("string") => {
                    get("office:string-value").map_or(Data::Empty, |v| Data::String(unescaped(v)))
                }
                _ => Data::Empty,
            };
        let formula = get("table:formula").is_some();
        let out = OdsCell {
            value: Data::Empty,
            formula,
            cols: num("table:number-columns-repeated"),
            col_span: num("table:number-columns-spanned"),
            row_span: num("table:number-rows-spanned"),
        };
        let text = self.cell_text(xml, e, sheet, at)?;
        // The content is the value of a string cell without `office:string-value`, and of a
        // cell without a type (a formula's cached text, or plain text).
        if matches!(value, Data::Empty)
            && matches!(vtype, None | Some("string"))
            && let Some(t) = text
        {
            value = Data::String(t);
        }
        Ok(OdsCell { value, ..out })
    }

    /// The paragraphs of a cell, `None` when it has none.
    fn cell_text<R: BufRead>(
        &mut self,
        xml: &mut quick_xml::Reader<R>,
        e: &BytesStart<'_>,
        sheet: &str,
        at: (u64, u64),
    ) -> Result<Option<String>, Refusal> {
        let end = e.name().as_ref().to_string();
        let mut s = String::new();
        let mut paragraphs = 0u32;
        let mut in_p = 0u32;
        let mut buf = Vec::new();
        let pos = position(sheet, at.0, at.1).unwrap_or((MAX_ROWS, MAX_COLS));
        let room = MAX_TEXT.saturating_sub(self.budget.text);
        let push = |s: &mut String, t: &str, n: u64| -> Result<(), Refusal> {
            let add = (t.len() as u64).saturating_mul(n);
            if (s.len() as u64).saturating_add(add) > room {
                return Err(refuse(
                    format!(
                        "工作表 sheet「{sheet}」单元格 cell {}: 文字过多 too much text (more than {MAX_TEXT} bytes in the sheets hegui reads)",
                        cell_ref(pos.0, pos.1)
                    ),
                    "a questionnaire holds far less text; delete what does not belong to the answers",
                ));
            }
            for _ in 0..n {
                s.push_str(t);
            }
            Ok(())
        };
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(ods_error)? {
                Event::End(x) if x.name().as_ref() == end.as_str() => break,
                Event::Start(x) => match x.name().as_ref() {
                    "office:annotation" => {
                        xml.read_to_end_into(x.name(), &mut Vec::new())
                            .map_err(ods_error)?;
                    }
                    "text:p" | "text:h" => {
                        if paragraphs > 0 && in_p == 0 {
                            push(&mut s, "\n", 1)?;
                        }
                        paragraphs += 1;
                        in_p += 1;
                    }
                    "text:s" => {
                        let n = tag_attr(&x, "text:c")
                            .and_then(|v| attr_num(&v))
                            .unwrap_or(1);
                        push(&mut s, " ", n)?;
                    }
                    "text:tab" => push(&mut s, "\t", 1)?,
                    "text:line-break" => push(&mut s, "\n", 1)?,
                    _ => {}
                },
                Event::End(x) if matches!(x.name().as_ref(), "text:p" | "text:h") => {
                    in_p = in_p.saturating_sub(1);
                }
                Event::Text(t) if in_p > 0 => push(&mut s, &t.xml10_content(), 1)?,
                Event::GeneralRef(r) if in_p > 0 => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let name = r.xml10_content();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .unwrap_or("")
                                .to_string()
                        }
                    };
                    push(&mut s, &c, 1)?;
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok((paragraphs > 0).then_some(s))
    }
}

/// A position inside the sheet, or a refusal naming it.
fn position(sheet: &str, row: u64, col: u64) -> Result<(u32, u32), Refusal> {
    match (u32::try_from(row), u32::try_from(col)) {
        (Ok(r), Ok(c)) if r < MAX_ROWS && c < MAX_COLS => Ok((r, c)),
        _ => Err(refuse(
            format!(
                "工作表 sheet「{sheet}」: 单元格超出工作表 a filled cell at row {}, column {} is outside a sheet (A1:XFD1048576)",
                row.saturating_add(1),
                col.saturating_add(1)
            ),
            "the file was not written by a spreadsheet program; open and save it in LibreOffice",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn references_and_names() {
        assert!(valid_ref("A1"));
        assert!(valid_ref("XFD1048576"));
        assert!(valid_ref("A1:XFD1048576"));
        assert!(valid_ref("17"));
        assert!(!valid_ref("XFE1"));
        assert!(!valid_ref("A1048577"));
        assert!(!valid_ref("ZZZZZZZZ1"));
        assert!(!valid_ref("A99999999999"));
        assert!(!valid_ref("A0"));
        assert!(!valid_ref("$A$1"));
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(1_048_575, 16_383), "XFD1048576");
        assert_eq!(cell_ref(3, 26), "AA4");
        assert_eq!(
            raw_attrs(r#" r="A1" s='2'  t="s""#).unwrap(),
            vec![("r", "A1"), ("s", "2"), ("t", "s")]
        );
        assert!(raw_attrs(" r").is_none());
    }
}
