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
use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Range, Reader};
use chrono::NaiveDate;
use hegui_core::diag::{Diagnostic, Diagnostics, Loc};
use hegui_core::facts::{self, DONT_KNOW_WORDS, Facts, LoadedFacts};
use hegui_core::model::{Pack, QType, Question};
use hegui_core::syntax::node::{Key, Node, NodeKind};
use unicode_normalization::UnicodeNormalization;

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
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn serial_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let (y, m, d, ..) =
        ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, is_1904).to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
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

/// A cell as plain text, or `None` when it is empty.
fn cell_text(c: &Data) -> Option<String> {
    let s = match c {
        Data::Empty => return None,
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(x) => number_text(*x),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    };
    (!s.is_empty()).then_some(s)
}

struct Reader_<'a> {
    pack: &'a Pack,
    places: Places,
    diags: Diagnostics,
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

    fn date_node(&mut self, c: &Data, loc: Loc) -> Option<Node> {
        let kind = match c {
            Data::Empty => return None,
            Data::DateTime(dt) => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                NodeKind::Str(format!("{y:04}-{m:02}-{d:02}"))
            }
            Data::Float(x) => match serial_date(*x, false) {
                Some(d) => NodeKind::Str(d.to_string()),
                None => NodeKind::Float(*x),
            },
            Data::Int(i) => match serial_date(*i as f64, false) {
                Some(d) => NodeKind::Str(d.to_string()),
                None => NodeKind::Int(*i),
            },
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
            QType::Date => return self.date_node(c, loc),
            QType::Text => NodeKind::Str(cell_text(c)?),
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
        cell_text(c).map(|t| node(NodeKind::Str(t), loc))
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

fn get(range: &Range<Data>, row: u32, col: u32) -> &Data {
    range.get_value((row, col)).unwrap_or(&Data::Empty)
}

fn last_row(range: &Range<Data>) -> u32 {
    range.end().map(|(r, _)| r).unwrap_or(0)
}

fn last_col(range: &Range<Data>) -> u32 {
    range.end().map(|(_, c)| c).unwrap_or(0)
}

fn str_at(range: &Range<Data>, row: u32, col: u32) -> String {
    cell_text(get(range, row, col)).unwrap_or_default()
}

/// Reads a workbook into a facts document tree; every node's `loc` indexes `places`.
fn read_tree(
    r: &mut Reader_<'_>,
    sheets: &mut calamine::Sheets<std::io::Cursor<&[u8]>>,
) -> Option<Node> {
    let names = sheets.sheet_names();
    let mut ranges: Vec<(String, Range<Data>)> = Vec::new();
    for n in &names {
        match sheets.worksheet_range(n) {
            Ok(range) => ranges.push((n.clone(), range)),
            Err(e) => {
                r.diags
                    .error(Loc::UNKNOWN, "", format!("cannot read sheet `{n}`: {e}"));
            }
        }
    }
    let find = |name: &str| ranges.iter().find(|(n, _)| n == name).map(|(_, r)| r);
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
    read_header(r, header, &mut root);
    let answers_loc = r
        .places
        .loc(SHEET_QUESTIONS, HEADER_ROW, u32::from(COL_ANSWER));
    let mut answers: Vec<(Key, Node)> = Vec::new();
    let none_rows = read_questions(r, questions, &mut answers)?;
    let mut seen_groups: Vec<String> = Vec::new();
    for (name, range) in &ranges {
        let a1 = str_at(range, 0, 0);
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

fn read_header(r: &mut Reader_<'_>, range: &Range<Data>, root: &mut Vec<(Key, Node)>) {
    let sheet = SHEET_HEADER;
    // (top key, nested path, node)
    let mut fields: Vec<(Vec<String>, Node, Loc)> = Vec::new();
    let mut name_loc = None;
    for row in HEADER_ROW + 1..=last_row(range) {
        let k = str_at(range, row, u32::from(COL_KEY));
        let c = get(range, row, u32::from(COL_VALUE));
        if k.is_empty() {
            continue;
        }
        let key_loc = r.places.loc(sheet, row, u32::from(COL_KEY));
        let loc = r.places.loc(sheet, row, u32::from(COL_VALUE));
        if !HEADER_FIELDS.iter().any(|f| f.0 == k) {
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
    range: &Range<Data>,
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
    for row in HEADER_ROW + 1..=last_row(range) {
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
    range: &Range<Data>,
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
    let cols: Vec<(u32, String)> = (0..=last_col(range))
        .map(|c| (c, norm(&str_at(range, KEY_ROW, c))))
        .filter(|(_, k)| !k.is_empty())
        .collect();
    let key_member = group.item_key.clone().or_else(|| {
        group
            .members
            .first()
            .and_then(|m| qn.questions.get(*m))
            .map(|q| q.local_id.clone())
    });
    let mut items = Vec::new();
    for row in ITEM_ROW..=last_row(range) {
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

fn read_waivers(r: &mut Reader_<'_>, sheet: &str, range: &Range<Data>) -> Option<Node> {
    let cols: Vec<(u32, String)> = (0..=last_col(range))
        .map(|c| (c, norm(&str_at(range, KEY_ROW, c))))
        .filter(|(_, k)| !k.is_empty())
        .collect();
    let mut items = Vec::new();
    for row in ITEM_ROW..=last_row(range) {
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

/// The most a workbook may unpack to (the sizes its zip directory declares, which the zip
/// reader enforces): a questionnaire unpacks to far less; a zip bomb to gigabytes.
pub const MAX_UNZIPPED: u64 = 100 * 1024 * 1024;

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The total unpacked size a zip file (`.xlsx`, `.ods`) declares in its central directory, or
/// `None` when `bytes` is not a zip file this can read (calamine then says what is wrong). A
/// ZIP64 size counts as the largest 32-bit size, so it is over the limit.
pub fn unzipped_size(bytes: &[u8]) -> Option<u64> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    // End of central directory: 22 bytes plus a comment of at most 65,535 bytes.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = bytes.get(from..)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail.get(i..i + 4) == Some(b"PK\x05\x06".as_slice()))?;
    let eocd = from + eocd;
    let entries = le_u16(bytes, eocd + 10)?;
    let mut at = usize::try_from(le_u32(bytes, eocd + 16)?).ok()?;
    let mut total = 0u64;
    for _ in 0..entries {
        if le_u32(bytes, at)? != 0x0201_4b50 {
            return None;
        }
        total = total.saturating_add(u64::from(le_u32(bytes, at + 24)?));
        let skip = usize::from(le_u16(bytes, at + 28)?)
            + usize::from(le_u16(bytes, at + 30)?)
            + usize::from(le_u16(bytes, at + 32)?);
        at = at.checked_add(46 + skip)?;
    }
    Some(total)
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
    if let Some(size) = unzipped_size(bytes)
        && size > MAX_UNZIPPED
    {
        r.diags
            .error(
                Loc::UNKNOWN,
                "",
                format!(
                    "not a readable workbook: it unpacks to {size} bytes (limit {MAX_UNZIPPED}) / 解压后过大"
                ),
            )
            .help("a questionnaire workbook unpacks to well under a megabyte; this one looks like a zip bomb");
        return Err(r.diags.into_vec());
    }
    let mut sheets = match calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)) {
        Ok(s) => s,
        Err(e) => {
            r.diags
                .error(Loc::UNKNOWN, "", format!("not a readable workbook: {e}"))
                .help("save it as .xlsx (Excel 2007 or later), .xls or .ods");
            return Err(r.diags.into_vec());
        }
    };
    let tree = read_tree(&mut r, &mut sheets);
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
    let doc = hegui_core::facts::write::facts_json(pack, facts);
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
