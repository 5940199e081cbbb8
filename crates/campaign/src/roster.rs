//! The roster: which organisations a campaign asks. Read from CSV (UTF-8 with or without a
//! byte-order mark, or GB18030 as Excel on Chinese Windows saves it) or `.xlsx` (the first
//! sheet), validated completely before anything is stored.

use crate::store::Result;
use std::path::Path;

/// One organisation of the roster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The line (CSV) or row (xlsx) it came from, 1-based, counting the header.
    pub line: usize,
    /// Unified social credit code, upper-cased; `None` for an organisation without one.
    pub credit_code: Option<String>,
    /// Registered name.
    pub name: String,
    /// Administrative division code (six digits).
    pub region_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
}

/// The columns a roster may have: field, then the header names accepted (zh, en, aliases).
pub const COLUMNS: &[(&str, &[&str])] = &[
    (
        "credit_code",
        &["统一社会信用代码", "credit_code", "信用代码"],
    ),
    ("name", &["单位名称", "name", "名称", "企业名称"]),
    ("region_code", &["行政区划代码", "region_code", "区划代码"]),
    ("industry", &["行业", "industry"]),
    ("contact_name", &["联系人", "contact_name", "contact"]),
    (
        "contact_phone",
        &["联系电话", "contact_phone", "phone", "电话"],
    ),
    (
        "contact_email",
        &["电子邮箱", "contact_email", "email", "邮箱"],
    ),
];

/// Column names that would carry personal identity numbers: refused, never stored.
const REFUSED: &[&str] = &["身份证", "身份证号", "身份证号码", "id_card", "id_number"];

fn field_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    COLUMNS
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == h))
        .map(|(f, _)| *f)
}

/// Decodes a CSV file's bytes: UTF-8 (byte-order mark removed), else GB18030.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Splits CSV text into records (RFC 4180: quoted fields may hold commas, quotes doubled and
/// line breaks). Each record carries the line it starts on.
pub fn parse_csv(text: &str) -> std::result::Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record: Vec<String> = Vec::new();
    let mut line = 1usize;
    let mut start = 1usize;
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    records.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
                at_start = true;
            }
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err(format!(
            "line {start}: 引号未闭合 a quoted field is not closed"
        ));
    }
    record.push(field);
    if record.iter().any(|f| !f.trim().is_empty()) {
        records.push((start, record));
    }
    Ok(records)
}

fn xlsx_rows(path: &Path) -> Result<Vec<(usize, Vec<String>)>> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let first = wb.sheet_names().first().cloned().ok_or_else(|| {
        format!(
            "{}: 工作簿没有工作表 the workbook has no sheet",
            path.display()
        )
    })?;
    let range = wb
        .worksheet_range(&first)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let (top, _) = range.start().unwrap_or((0, 0));
    let mut out = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                // A code typed without a text format: whole numbers as digits.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                Data::Int(n) => n.to_string(),
                other => other.to_string(),
            })
            .collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            out.push((top as usize + i + 1, cells));
        }
    }
    Ok(out)
}

fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads and validates a roster. Errors: every problem, each naming the file and line.
pub fn read(path: &Path) -> std::result::Result<Vec<Entry>, Vec<String>> {
    let name = path.display().to_string();
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let rows = if xlsx {
        xlsx_rows(path).map_err(|e| vec![e])?
    } else {
        let bytes = std::fs::read(path).map_err(|e| vec![format!("{name}: {e}")])?;
        parse_csv(&decode(&bytes)).map_err(|e| vec![format!("{name}: {e}")])?
    };
    let mut errors = Vec::new();
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(vec![format!(
            "{name}: 名单为空 the roster is empty: it needs a header row (统一社会信用代码/credit_code, 单位名称/name, 行政区划代码/region_code, 行业/industry)"
        )]);
    };
    let mut cols: Vec<Option<&'static str>> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let f = field_of(h);
        let lower = h.trim().to_lowercase();
        if REFUSED.iter().any(|r| lower.contains(r)) {
            errors.push(format!(
                "{name}: line 1, column {}: 名单不收集身份证号，请删除此列 / the roster never holds ID-card numbers: delete column `{}`",
                i + 1,
                h.trim()
            ));
        }
        if f.is_some() && cols.contains(&f) {
            errors.push(format!(
                "{name}: line 1, column {}: 列 `{}` 重复 / column `{}` appears twice",
                i + 1,
                h.trim(),
                h.trim()
            ));
        }
        cols.push(f);
    }
    for needed in ["name"] {
        if !cols.contains(&Some(needed)) {
            errors.push(format!(
                "{name}: line 1: 缺少“单位名称”列 / the header has no `单位名称` (name) column; columns: 统一社会信用代码/credit_code, 单位名称/name, 行政区划代码/region_code, 行业/industry, 联系人/contact_name, 联系电话/contact_phone, 电子邮箱/contact_email"
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut entries = Vec::new();
    let mut codes: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, row) in body {
        let mut e = Entry {
            line: *line,
            ..Entry::default()
        };
        for (i, f) in cols.iter().enumerate() {
            let v = row.get(i).map(String::as_str).unwrap_or("");
            match f {
                Some("credit_code") => e.credit_code = clean(v).map(|s| s.to_uppercase()),
                Some("name") => e.name = v.trim().to_string(),
                Some("region_code") => e.region_code = clean(v),
                Some("industry") => e.industry = clean(v),
                Some("contact_name") => e.contact_name = clean(v),
                Some("contact_phone") => e.contact_phone = clean(v),
                Some("contact_email") => e.contact_email = clean(v),
                _ => {}
            }
        }
        if e.name.is_empty() {
            errors.push(format!(
                "{name}: line {line}: 单位名称为空 / the name is empty"
            ));
        }
        if let Some(code) = &e.credit_code {
            if let Err(why) = hegui_core::facts::credit_code_ok(code) {
                let id_card = code.len() == 18 && code.chars().take(17).all(|c| c.is_ascii_digit());
                let help = if id_card {
                    " — 这像是身份证号：个人开发者请留空，名单会给出名单编号 / this looks like an ID-card number: leave it blank for an individual; the roster id is used"
                } else {
                    ""
                };
                errors.push(format!(
                    "{name}: line {line}: 统一社会信用代码无效 invalid unified social credit code `{code}`: {why}{help}"
                ));
            } else if let Some(first) = codes.insert(code.clone(), *line) {
                errors.push(format!(
                    "{name}: line {line}: 统一社会信用代码 {code} 与第 {first} 行重复 / credit code {code} duplicates line {first}"
                ));
            }
        }
        if let Some(r) = &e.region_code
            && (r.len() != 6 || !r.chars().all(|c| c.is_ascii_digit()))
        {
            errors.push(format!(
                "{name}: line {line}: 行政区划代码应为6位数字 / region code `{r}` is not six digits"
            ));
        }
        entries.push(e);
    }
    if entries.is_empty() {
        errors.push(format!(
            "{name}: 名单没有单位 / the roster lists no organisation"
        ));
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
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

    #[test]
    fn csv_quotes_and_line_breaks() {
        let r = parse_csv("a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\n\nc,d").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].1, vec!["x, \"y\"", "two\nlines"]);
        assert_eq!(r[2].0, 5);
    }

    #[test]
    fn gb18030_and_bom_are_read() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("单位名称,行业\n某公司,互联网\n");
        assert!(decode(&gbk).starts_with("单位名称"));
        assert!(decode("\u{feff}单位名称".as_bytes()).starts_with("单位名称"));
    }

    #[test]
    fn bad_codes_duplicates_and_id_cards_are_refused_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(
            &p,
            "统一社会信用代码,单位名称\n91230103MA1CK4T714,甲\n91230103MA1CK4T714,乙\n230103199001011234,张三\n,个人开发者\n",
        )
        .unwrap();
        let errs = read(&p).unwrap_err();
        let all = errs.join("\n");
        assert!(
            all.contains("line 3") && all.contains("duplicates line 2"),
            "{all}"
        );
        assert!(all.contains("line 4") && all.contains("ID-card"), "{all}");
        assert!(!all.contains("line 5"), "{all}");
    }
}
