//! Writing a batch's outputs: `summary.json`, `summary.csv`, `summary.xlsx` and
//! `overview.html`, each atomically and streamed from the summary's table (no file is built in
//! memory first, and the submissions table is never materialised).

use super::summary::{SubmissionLine, Summary};
use std::io::Write;
use std::path::Path;

/// A writer that passes everything on but the last two bytes written, which it holds in
/// `tail`.
struct HoldBack<'a, W: Write> {
    w: &'a mut W,
    tail: Vec<u8>,
}

impl<W: Write> Write for HoldBack<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        const HELD: usize = 2;
        if buf.len() >= HELD {
            // Everything held and all of `buf` but its last two bytes can go.
            let (send, keep) = buf.split_at(buf.len() - HELD);
            self.w.write_all(&self.tail)?;
            self.w.write_all(send)?;
            self.tail.clear();
            self.tail.extend_from_slice(keep);
        } else {
            self.tail.extend_from_slice(buf);
            let extra = self.tail.len().saturating_sub(HELD);
            self.w
                .write_all(self.tail.get(..extra).unwrap_or_default())?;
            self.tail.drain(..extra);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// `summary.json`: indented down to the records, one record a line (see [`RecordLines`]).
///
/// Everything but the submissions table goes through serde; the table's lines (one per input,
/// the bulk of the file) are written by [`push_json_line`], in the bytes serde would write
/// (`tests`: `summary_json_is_what_serde_writes`).
pub(crate) fn write_json(summary: &Summary, w: &mut impl Write) -> std::io::Result<()> {
    use serde::Serialize;
    // The head is an object closed by "\n}"; the table is its last member. The head goes
    // straight to `w` (its lists of duplicates and rejected inputs can be long), all but its
    // last two bytes.
    let mut held = HoldBack {
        w: &mut *w,
        tail: Vec::with_capacity(2),
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut held, RecordLines::default());
    summary
        .head()
        .serialize(&mut ser)
        .map_err(std::io::Error::other)?;
    if held.tail != b"\n}" {
        return Err(std::io::Error::other("summary.json: unexpected layout"));
    }
    w.write_all(b",\n  \"submissions\": [")?;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut any = false;
    let mut lines = summary.lines()?;
    while let Some(line) = lines.next()? {
        buf.extend_from_slice(if any { b",\n    " } else { b"\n    " });
        any = true;
        push_json_line(&mut buf, &line);
        if buf.len() >= 60 * 1024 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    w.write_all(if any { b"\n  ]\n}\n" } else { b"]\n}\n" })
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped, control characters as `\n`,
/// `\t`… or `\u00XX`, everything else as it is.
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while let Some(next) = bytes.get(i..).and_then(|rest| {
        rest.iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
    }) {
        i += next;
        let b = bytes.get(i).copied().unwrap_or_default();
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            0x08 => b"\\b",
            0x0C => b"\\f",
            _ => b"",
        };
        out.extend_from_slice(bytes.get(run..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'));
            out.push(HEX.get(usize::from(b & 0xF)).copied().unwrap_or(b'0'));
        } else {
            out.extend_from_slice(escape);
        }
        i += 1;
        run = i;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    out.push(b'"');
}

/// `value` as `push` writes it, or `null`.
fn push_json_or_null<T>(out: &mut Vec<u8>, value: Option<T>, push: impl FnOnce(&mut Vec<u8>, T)) {
    match value {
        Some(v) => push(out, v),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_json_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    push_json_or_null(out, s, push_json_str);
}

/// The overview's verdict table: one row per verdict some counted submission has, worst first
/// (a count of zero is not mentioned).
fn verdict_rows(v: &super::summary::VerdictCounts) -> serde_json::Value {
    use hegui_core::eval::score::Status;
    let rows: Vec<serde_json::Value> = Status::ALL
        .into_iter()
        .map(|s| {
            let n = match s {
                Status::NotCompliant => v.not_compliant,
                Status::Undecided => v.undecided,
                Status::Waived => v.waived,
                Status::Compliant => v.compliant,
                Status::NoObligations => v.no_obligations,
            };
            (s, n)
        })
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| serde_json::json!({"id": s.name(), "label": s.label(), "n": n}))
        .collect();
    serde_json::Value::Array(rows)
}

/// One submission as a compact JSON object, field for field what `serde_json::to_string`
/// writes for a [`SubmissionLine`].
fn push_json_line(out: &mut Vec<u8>, s: &SubmissionLine<'_>) {
    out.extend_from_slice(b"{\"path\":");
    push_json_str(out, s.path);
    out.extend_from_slice(b",\"status\":");
    push_json_str(out, s.status);
    for (key, text) in [
        (&b",\"name\":"[..], s.name),
        (b",\"credit_code\":", s.credit_code),
        (b",\"region_code\":", s.region_code),
        (b",\"industry\":", s.industry),
    ] {
        out.extend_from_slice(key);
        push_json_opt_str(out, text);
    }
    out.extend_from_slice(b",\"assessment_date\":");
    push_json_or_null(out, s.assessment_date, |out, d| {
        let mut date = String::with_capacity(10);
        hegui_core::model::condition::push_iso_date(&mut date, d);
        push_json_str(out, &date);
    });
    out.extend_from_slice(b",\"verdict\":");
    push_json_or_null(out, s.verdict, |out, v| push_json_str(out, v.name()));
    let number = |out: &mut Vec<u8>, n: u32| push_u64(out, u64::from(n));
    if let Some(score) = s.score {
        out.extend_from_slice(b",\"score\":");
        push_json_or_null(out, score, number);
    }
    if let Some(coverage) = s.coverage {
        out.extend_from_slice(b",\"coverage\":");
        push_json_or_null(out, coverage, number);
    }
    if let Some(packs) = &s.packs {
        out.extend_from_slice(b",\"packs\":[");
        for (i, p) in packs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"id\":");
            push_json_str(out, p.id);
            out.extend_from_slice(b",\"version\":");
            push_json_str(out, p.version);
            out.extend_from_slice(b",\"verdict\":");
            push_json_or_null(out, p.verdict, |out, v| push_json_str(out, v.name()));
            out.extend_from_slice(b",\"score\":");
            push_json_or_null(out, p.score, number);
            out.extend_from_slice(b",\"coverage\":");
            push_json_or_null(out, p.coverage, number);
            out.push(b'}');
        }
        out.push(b']');
    }
    for (key, n) in [
        (&b",\"fail\":"[..], s.fail),
        (b",\"unanswered\":", s.unanswered),
        (b",\"dont_know\":", s.dont_know),
        (b",\"waived\":", s.waived),
        (b",\"pass\":", s.pass),
        (b",\"not_applicable\":", s.not_applicable),
    ] {
        out.extend_from_slice(key);
        push_u64(out, u64::from(n));
    }
    out.extend_from_slice(if s.counted {
        b",\"counted\":true"
    } else {
        b",\"counted\":false"
    });
    out.extend_from_slice(b",\"superseded_by\":");
    push_json_opt_str(out, s.superseded_by);
    out.extend_from_slice(b",\"scopes\":");
    push_json_strs(out, s.scopes.iter());
    out.extend_from_slice(b",\"warnings\":");
    push_u64(out, u64::from(s.warnings));
    out.extend_from_slice(b",\"report\":");
    push_json_opt_str(out, s.report.as_deref());
    out.extend_from_slice(b",\"errors\":");
    push_json_strs(out, s.errors.iter().map(String::as_str));
    out.push(b'}');
}

/// A compact JSON array of strings.
fn push_json_strs<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, item);
    }
    out.push(b']');
}

/// A JSON layout for tables of records: containers down to [`RecordLines::RECORD_LEVEL`] are
/// indented like `serde_json::to_writer_pretty`, and each record below them (a rule's or a
/// group's roll-up, a duplicate, a rejected file, a submission) is written compactly on one
/// line. So 100,000 submissions are 100,000 lines, easy to `grep` and to diff, at about half
/// the size and cost of indenting every field.
#[derive(Default)]
struct RecordLines {
    /// Containers open.
    level: usize,
    /// Whether the innermost open container has a value yet.
    has_value: bool,
}

impl RecordLines {
    /// The deepest level whose entries go on lines of their own (1: the top-level object,
    /// 2: its arrays and objects).
    const RECORD_LEVEL: usize = 2;

    fn new_line(&self, w: &mut (impl Write + ?Sized), first: bool) -> std::io::Result<()> {
        if self.level <= Self::RECORD_LEVEL {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            for _ in 0..self.level {
                w.write_all(b"  ")?;
            }
            Ok(())
        } else if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }

    fn close(&mut self, w: &mut (impl Write + ?Sized), end: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value && self.level < Self::RECORD_LEVEL {
            w.write_all(b"\n")?;
            for _ in 0..self.level {
                w.write_all(b"  ")?;
            }
        }
        w.write_all(end)
    }
}

impl serde_json::ser::Formatter for RecordLines {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.level <= Self::RECORD_LEVEL {
            b": "
        } else {
            b":"
        })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    let quote = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
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
pub(super) enum Cell<'a> {
    Text(&'a str),
    Number(Option<u64>),
}

/// Buffers for the cells of a line that are not in the table as they are (prefecture, date,
/// kinds of enterprise, errors), reused from one line to the next.
#[derive(Default)]
pub(super) struct Scratch {
    prefecture: String,
    date: String,
    scopes: String,
    errors: String,
}

pub(super) const CSV_HEADER: &[&str] = &[
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
    "结论 verdict",
    "覆盖率 coverage",
    "得分(仅计已判定规则) score (decided rules only)",
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

/// The cells of one line, in [`CSV_HEADER`]'s order, without allocating (what is not in the
/// table as it is goes into `scratch`).
pub(super) fn cells<'a>(s: &'a SubmissionLine<'a>, scratch: &'a mut Scratch) -> [Cell<'a>; 22] {
    let Scratch {
        prefecture,
        date,
        scopes,
        errors,
    } = scratch;
    prefecture.clear();
    if let Some(code) = s.region_code.filter(|c| c.len() == 6 && c.is_ascii()) {
        prefecture.push_str(code.get(..4).unwrap_or_default());
        prefecture.push_str("00");
    }
    date.clear();
    if let Some(d) = s.assessment_date {
        hegui_core::model::condition::push_iso_date(date, d);
    }
    scopes.clear();
    for (i, id) in s.scopes.iter().enumerate() {
        if i > 0 {
            scopes.push(' ');
        }
        scopes.push_str(id);
    }
    errors.clear();
    for (i, e) in s.errors.iter().enumerate() {
        if i > 0 {
            errors.push_str(" | ");
        }
        errors.push_str(e);
    }
    let text = |t: Option<&'a str>| Cell::Text(t.unwrap_or_default());
    let num = |n: u32| Cell::Number(Some(u64::from(n)));
    [
        Cell::Text(s.path),
        Cell::Text(s.status),
        Cell::Text(if s.counted { "是 yes" } else { "否 no" }),
        text(s.superseded_by),
        text(s.name),
        text(s.credit_code),
        text(s.region_code),
        Cell::Text(prefecture),
        text(s.industry),
        Cell::Text(date),
        Cell::Text(s.verdict.map_or("", hegui_core::eval::score::Status::name)),
        Cell::Number(s.coverage.flatten().map(u64::from)),
        Cell::Number(s.score.flatten().map(u64::from)),
        num(s.fail),
        num(s.unanswered),
        num(s.dont_know),
        num(s.waived),
        num(s.pass),
        num(s.not_applicable),
        Cell::Text(scopes),
        text(s.report.as_deref()),
        Cell::Text(errors),
    ]
}

/// Where the joint verdict, coverage and score columns are in [`CSV_HEADER`].
const VERDICT_COLUMN: usize = 10;

/// The header of the submissions table: [`CSV_HEADER`] for one pack; for several packs, the
/// overall verdict, then per pack its verdict, coverage and score, in place of the joint
/// coverage and score (there is no score over the packs together).
pub(super) fn header(summary: &Summary) -> Vec<String> {
    let mut out = Vec::with_capacity(CSV_HEADER.len() + 3 * summary.packs.len());
    for (c, h) in CSV_HEADER.iter().enumerate() {
        if summary.packs.is_empty() || c <= VERDICT_COLUMN {
            out.push((*h).to_string());
        }
        if !summary.packs.is_empty() && c == VERDICT_COLUMN {
            if let Some(last) = out.last_mut() {
                *last = "总体结论 overall verdict".to_string();
            }
            for p in &summary.packs {
                for h in CSV_HEADER.iter().skip(VERDICT_COLUMN).take(3) {
                    out.push(format!("{h} [{}]", p.id));
                }
            }
        }
        if !summary.packs.is_empty() && c > VERDICT_COLUMN + 2 {
            out.push((*h).to_string());
        }
    }
    out
}

/// Calls `f` with each cell of a line, in [`header`]'s order: [`cells`] for one pack; for
/// several packs, per pack its verdict, coverage and score in place of the joint columns.
pub(super) fn each_cell<'a, E>(
    s: &'a SubmissionLine<'a>,
    scratch: &'a mut Scratch,
    mut f: impl FnMut(usize, &Cell<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let base = cells(s, scratch);
    let Some(packs) = &s.packs else {
        for (c, cell) in base.iter().enumerate() {
            f(c, cell)?;
        }
        return Ok(());
    };
    let mut c = 0;
    for (k, cell) in base.iter().enumerate() {
        if k == VERDICT_COLUMN + 1 || k == VERDICT_COLUMN + 2 {
            continue;
        }
        f(c, cell)?;
        c += 1;
        if k == VERDICT_COLUMN {
            for p in packs {
                f(
                    c,
                    &Cell::Text(p.verdict.map_or("", hegui_core::eval::score::Status::name)),
                )?;
                f(c + 1, &Cell::Number(p.coverage.map(u64::from)))?;
                f(c + 2, &Cell::Number(p.score.map(u64::from)))?;
                c += 3;
            }
        }
    }
    Ok(())
}

/// Appends `n` in decimal (what `{n}` writes, without the formatting machinery).
pub(super) fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// `summary.csv`: UTF-8 with a byte-order mark (so Excel and WPS read Chinese), CRLF line
/// ends, one row per input file, formula-like cells neutralised.
pub fn csv(summary: &Summary) -> String {
    let mut out = Vec::new();
    let _ = write_csv(summary, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

pub(crate) fn write_csv(summary: &Summary, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    for (c, h) in header(summary).iter().enumerate() {
        if c > 0 {
            w.write_all(b",")?;
        }
        write_csv_cell(w, h)?;
    }
    w.write_all(b"\r\n")?;
    let mut scratch = Scratch::default();
    let mut row = Vec::with_capacity(1024);
    let mut lines = summary.lines()?;
    while let Some(line) = lines.next()? {
        row.clear();
        each_cell(&line, &mut scratch, |c, cell| {
            if c > 0 {
                row.push(b',');
            }
            match cell {
                Cell::Text(t) => write_csv_cell(&mut row, t)?,
                Cell::Number(Some(n)) => push_u64(&mut row, *n),
                Cell::Number(None) => {}
            }
            std::io::Result::Ok(())
        })?;
        row.extend_from_slice(b"\r\n");
        w.write_all(&row)?;
    }
    Ok(())
}

/// The HTML overview (`templates/batch.html.j2`). Submissions are not all listed: only the
/// lowest-scoring and the rejected ones (the full list is in the CSV, the xlsx and the JSON).
pub fn overview_html(summary: &Summary, lang: hegui_core::text::Lang) -> Result<String, String> {
    let mut out = Vec::new();
    write_overview(summary, lang, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Renders the HTML overview into `w`. The rejected inputs, which may be many, are read from
/// the summary's spill store while the template loops over them ([`RejectedList`]).
pub(crate) fn write_overview(
    summary: &Summary,
    lang: hegui_core::text::Lang,
    w: &mut impl Write,
) -> std::io::Result<()> {
    use minijinja::Value;
    use minijinja::value::Serde;
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(200_000_000));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let tmpl = hegui_report::templates::template("batch.html.j2")
        .ok_or_else(|| std::io::Error::other("template `batch.html.j2` is not embedded"))?;
    env.add_template("batch.html.j2", tmpl)
        .map_err(|e| std::io::Error::other(format!("template `batch.html.j2`: {e}")))?;
    let lowest: Vec<serde_json::Value> = summary
        .lowest()?
        .iter()
        .map(|line| {
            let mut v = serde_json::json!(line);
            if let (Some(o), Some(verdict)) = (v.as_object_mut(), line.verdict) {
                o.insert("verdict_label".into(), serde_json::json!(verdict.label()));
            }
            v
        })
        .collect();
    // Flags and duplicate groups (with why), the first few hundred: each only when there is
    // one, so an ordinary batch's overview is unchanged.
    const LISTED: usize = 500;
    let mut flags = Vec::new();
    let mut reader = summary.flags()?;
    while flags.len() < LISTED
        && let Some(f) = reader.next()?
    {
        flags.push(f);
    }
    let duplicate_groups = summary.duplicate_groups(LISTED)?;
    let view = serde_json::json!({
        "format": summary.format, "pack": summary.pack, "waivers_ignored": summary.waivers_ignored,
        "found": summary.found, "assessed": summary.assessed, "rejected": summary.rejected,
        "counted": summary.counted, "superseded": summary.superseded, "mean_score": summary.mean_score,
        "verdicts": summary.verdicts,
        "verdict_rows": verdict_rows(&summary.verdicts),
        "score_histogram": summary.score_histogram, "unscored": summary.unscored,
        "rules": summary.rules, "sections": summary.sections, "scopes": summary.scopes,
        "prefectures": summary.prefectures, "counties": summary.counties,
        "industries": summary.industries, "lowest": lowest,
        "duplicates": summary.duplicate_organisations,
        "other_files": summary.other_file_count,
        "score_definition": summary.score_definition, "duplicate_rule": summary.duplicate_rule,
        "limits": summary.limits,
    });
    // The packs of a set and each one's numbers (empty for one pack): for several packs the
    // overview shows no joint score.
    let mut view = view;
    if let Some(v) = view.as_object_mut() {
        v.insert("packs".into(), serde_json::json!(summary.packs));
        v.insert("pack_stats".into(), serde_json::json!(summary.pack_stats));
    }
    let mut view = view;
    if let Some(v) = view.as_object_mut() {
        if !flags.is_empty() {
            v.insert("flags".into(), serde_json::json!(flags));
            v.insert("flag_count".into(), serde_json::json!(summary.flag_count()));
        }
        if !duplicate_groups.is_empty() {
            v.insert(
                "duplicate_groups".into(),
                serde_json::json!(duplicate_groups),
            );
        }
        if !summary.skipped.is_empty() {
            v.insert("skipped".into(), serde_json::json!(summary.skipped.len()));
        }
    }
    let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
    let rejected_files = Value::from_object(RejectedList {
        store: summary.rejected_store(),
        failed: std::sync::Arc::clone(&failed),
    });
    let s = minijinja::context! { rejected_files, ..Serde(&view) };
    let ctx = minijinja::context! { s, lang => Serde(lang) };
    let rendered = env
        .get_template("batch.html.j2")
        .and_then(|t| t.render_captured_to(ctx, &mut *w))
        .map_err(|e| {
            std::io::Error::other(format!(
                "template `batch.html.j2`{}: {e}",
                e.line().map(|l| format!(" line {l}")).unwrap_or_default()
            ))
        });
    // A spill read error ended the list of rejected inputs early: that is the error.
    if let Ok(mut f) = failed.lock()
        && let Some(e) = f.take()
    {
        return Err(e);
    }
    rendered.map(|_| ())
}

/// The rejected inputs as a template sees them: a list read from the spill store each time
/// the template loops over it. A read error ends the loop and is kept in `failed`, so the
/// render fails instead of listing fewer inputs.
#[derive(Debug)]
struct RejectedList {
    store: std::sync::Arc<super::spill::Store>,
    failed: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
}

impl RejectedList {
    fn fail(failed: &std::sync::Mutex<Option<std::io::Error>>, e: std::io::Error) {
        if let Ok(mut f) = failed.lock() {
            f.get_or_insert(e);
        }
    }
}

impl minijinja::value::Object for RejectedList {
    fn repr(self: &std::sync::Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Iterable
    }

    fn enumerator_len(self: &std::sync::Arc<Self>) -> Option<usize> {
        usize::try_from(self.store.len()).ok()
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        let failed = std::sync::Arc::clone(&self.failed);
        match super::RejectedReader::of(std::sync::Arc::clone(&self.store)) {
            Ok(mut reader) => minijinja::value::Enumerator::Iter(Box::new(std::iter::from_fn(
                move || match reader.next() {
                    Ok(line) => line.map(|l| minijinja::Value::from(minijinja::value::Serde(&l))),
                    Err(e) => {
                        RejectedList::fail(&failed, e);
                        None
                    }
                },
            ))),
            Err(e) => {
                RejectedList::fail(&failed, e);
                minijinja::value::Enumerator::Empty
            }
        }
    }
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
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]
    use super::*;
    use serde::Serialize;

    use super::super::test_support::{options as opts, shipped_pack};

    /// What serde writes for the whole summary (the reference for [`write_json`]).
    fn serde_json_of(summary: &Summary) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, RecordLines::default());
        summary.serialize(&mut ser).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    /// `summary.json` with its hand-written submission lines is byte for byte what serde
    /// writes: texts that need every kind of JSON escaping, rejected inputs with their errors,
    /// duplicates, missing codes, and an empty batch.
    #[test]
    fn summary_json_is_what_serde_writes() {
        let pack = shipped_pack();
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(super::super::test_support::repo(
            "fixtures/companies/news-app.yaml",
        ))
        .unwrap();
        let base = hegui_core::facts::load_facts("news-app.yaml", &text, &pack)
            .unwrap()
            .facts;
        let names = [
            "quote \" backslash \\ slash /",
            "tab\there\nnew line\rreturn \u{1}\u{8}\u{c}\u{1f}\u{7f}",
            "中文 🙂 </script> \u{2028}",
            "=1+2",
            "",
        ];
        for (i, name) in names.iter().enumerate() {
            let mut facts = base.clone();
            facts.organisation.name = (*name).to_string();
            facts.organisation.industry = Some(format!("行业 \"{i}\""));
            if i == 4 {
                facts.organisation.credit_code = None;
                facts.organisation.region_code = None;
            }
            let json = serde_json::to_string(&hegui_core::facts::write::facts_json(&pack, &facts))
                .unwrap();
            std::fs::write(dir.path().join(format!("s\"{i}\\.json")), json).unwrap();
        }
        std::fs::write(dir.path().join("broken\t.json"), "{\"pack\": \u{1}").unwrap();
        let inputs = super::super::expand_inputs(&[
            dir.path().display().to_string(),
            super::super::test_support::repo("fixtures/companies"),
            "no-such \"input\"".to_string(),
        ])
        .unwrap();
        let summary = super::super::run(&pack, inputs, &opts()).unwrap();
        assert!(summary.rejected >= 2 && summary.duplicate_organisations > 0);
        let mut ours = Vec::new();
        write_json(&summary, &mut ours).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json_of(&summary));

        let empty = super::super::run(&pack, super::super::Inputs::default(), &opts()).unwrap();
        let mut ours = Vec::new();
        write_json(&empty, &mut ours).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json_of(&empty));
    }

    /// The same for a batch over a pack set (per-pack numbers, no joint score), with a
    /// rejected input among them.
    #[test]
    fn summary_json_of_a_pack_set_is_what_serde_writes() {
        let load = |dir: &str| {
            let path = std::path::PathBuf::from(super::super::test_support::repo(dir));
            let mut files = hegui_core::PackFiles::from_dir(&path).unwrap();
            files.find_library(&path, &[]).unwrap();
            hegui_core::load::load_pack(&files).unwrap().pack
        };
        let set = hegui_core::load::set::pack_set(vec![
            load("tests/data/multi/rules/multi-a"),
            load("tests/data/multi/rules/multi-b"),
        ])
        .unwrap();
        let pack = set.view().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.yaml"), "format: [").unwrap();
        let inputs = super::super::expand_inputs(&[
            super::super::test_support::repo("tests/data/multi/facts"),
            dir.path().display().to_string(),
        ])
        .unwrap();
        let summary = super::super::run(pack, inputs, &opts()).unwrap();
        assert!(summary.rejected >= 1 && summary.pack_stats.len() == 2);
        let mut ours = Vec::new();
        write_json(&summary, &mut ours).unwrap();
        let ours = String::from_utf8(ours).unwrap();
        assert!(ours.contains("\"packs\":[{\"id\":\"multi-a\""), "{ours}");
        assert_eq!(ours, serde_json_of(&summary));
    }
}
