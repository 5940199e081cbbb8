//! The questionnaire as an Excel workbook (what regulators send out), read back by
//! [`crate::import`]. The layout is a contract between the two; `docs/QUESTIONNAIRE.md`
//! describes it for people.
//!
//! Sheets: 说明 Instructions; 基本信息 Header (pack id, version, questionnaire digest,
//! organisation, assessment date: one field per row, its key in column B); 问卷 Questions (one
//! row per top-level question, its id in column B, the answer in column F); one sheet per
//! repeatable group (one row per item, member ids in row 4); 豁免 Waivers; and a hidden
//! `Lists` sheet feeding the drop-downs. Sheet names and column headers are bilingual and fixed
//! whatever `--lang`, so any workbook can be read back.

use chrono::{Datelike, NaiveDate};
use hegui_core::facts::{Answer, AnswerState, Facts, Item};
use hegui_core::model::{DatePrecision, Entry, Group, Pack, QType, Question, Value};
use hegui_core::text::Lang;
use hegui_report::questionnaire::{
    choice_ids, dont_know_word, option_label, phrase, pick, type_name,
};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

/// Instructions sheet.
pub const SHEET_INSTRUCTIONS: &str = "说明 Instructions";
/// Header sheet: pack, organisation, assessment date.
pub const SHEET_HEADER: &str = "基本信息 Header";
/// Top-level questions.
pub const SHEET_QUESTIONS: &str = "问卷 Questions";
/// Waivers.
pub const SHEET_WAIVERS: &str = "豁免 Waivers";
/// Hidden sheet with the drop-down lists.
pub const SHEET_LISTS: &str = "Lists";
/// Cell A1 of a group sheet; B1 holds the group id.
pub const GROUP_MARK: &str = "条目组 Group";
/// Cell A1 of the waivers sheet.
pub const WAIVERS_MARK: &str = "豁免 Waivers";

/// Header row (0-based) of the Questions and Header sheets; data starts on the next row.
pub const HEADER_ROW: u32 = 1;
/// Questions sheet columns (0-based).
pub const COL_SECTION: u16 = 0;
/// Question id.
pub const COL_ID: u16 = 1;
/// Question text.
pub const COL_QUESTION: u16 = 2;
/// Type and options.
pub const COL_TYPE: u16 = 3;
/// When asked.
pub const COL_WHEN: u16 = 4;
/// Answer.
pub const COL_ANSWER: u16 = 5;
/// Remark.
pub const COL_REMARK: u16 = 6;
/// Evidence.
pub const COL_EVIDENCE: u16 = 7;
/// Questions sheet headers, by column.
pub const QUESTION_HEADERS: [&str; 8] = [
    "章节 Section",
    "编号 ID",
    "问题 Question",
    "类型与选项 Type and options",
    "何时回答 Asked when",
    "答案 Answer",
    "备注 Remark",
    "证据 Evidence",
];
/// Header sheet columns: label, key, value, note.
pub const HEADER_COLS: [&str; 4] = ["项目 Field", "键 Key", "填写 Value", "说明 Note"];
/// Header sheet key column.
pub const COL_KEY: u16 = 1;
/// Header sheet value column.
pub const COL_VALUE: u16 = 2;

/// Group and waiver sheets: row of the column keys (0-based); items start at [`ITEM_ROW`].
pub const KEY_ROW: u32 = 3;
/// First item row (0-based).
pub const ITEM_ROW: u32 = 5;
/// How many item rows get drop-downs.
pub const ITEM_ROWS: u32 = 200;
/// Key of the remark column of a group sheet.
pub const REMARK_KEY: &str = "remark";
/// Words in a group's answer cell on the Questions sheet meaning "no items" (`[]`).
pub const NO_ITEMS: &[&str] = &["无", "none", "没有"];

pub use hegui_report::questionnaire::HEADER_FIELDS;

/// The header row a campaign invitation adds below [`HEADER_FIELDS`] (a text cell), written
/// only when the prefill carries a submission key.
pub use hegui_report::questionnaire::SUBMISSION_FIELD;

/// Waiver sheet columns: key, label.
pub const WAIVER_COLS: [(&str, &str); 4] = [
    ("rule", "规则编号 Rule id"),
    ("justification", "理由 Justification"),
    ("approved_by", "批准人 Approved by"),
    ("expires", "有效期至 Expires (YYYY-MM-DD)"),
];

/// Separator written between the options of a multiple-choice answer.
pub const CHOICE_SEPARATOR: &str = "、";

struct Formats {
    title: Format,
    header: Format,
    wrap: Format,
    key: Format,
    section: Format,
    answer: Format,
    answer_text: Format,
    answer_date: Format,
    fixed: Format,
}

fn formats() -> Formats {
    let answer = Format::new()
        .set_background_color(0xFFF8DC)
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    Formats {
        title: Format::new().set_bold().set_font_size(14),
        header: Format::new()
            .set_bold()
            .set_background_color(0xD9E1F2)
            .set_border(FormatBorder::Thin)
            .set_text_wrap(),
        wrap: Format::new().set_text_wrap(),
        key: Format::new().set_font_color(0x808080).set_font_size(9),
        section: Format::new().set_bold().set_background_color(0xE2EFDA),
        answer_text: answer.clone().set_num_format("@"),
        answer_date: answer.clone().set_num_format("yyyy-mm-dd"),
        fixed: Format::new()
            .set_background_color(0xEDEDED)
            .set_font_color(0x404040),
        answer,
    }
}

/// Column names `A`, `B`, … `AA` for 0-based column numbers.
pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(char::from(b'A' + r as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// The A1 name of a 0-based cell.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// The sheet name of each group, in group order: the group's label, made a valid, unique
/// sheet name (at most 31 characters, none of `[]:*?/\`).
pub fn group_sheet_names(pack: &Pack, lang: Lang) -> Vec<String> {
    let mut used: Vec<String> = [
        SHEET_INSTRUCTIONS,
        SHEET_HEADER,
        SHEET_QUESTIONS,
        SHEET_WAIVERS,
        SHEET_LISTS,
    ]
    .iter()
    .map(|s| s.to_lowercase())
    .collect();
    let mut out = Vec::new();
    for g in &pack.questionnaire.groups {
        let label = match lang {
            Lang::En => &g.label.en,
            Lang::Zh | Lang::Both => &g.label.zh,
        };
        let clean: String = label
            .chars()
            .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
            .collect();
        let base: String = clean.trim().chars().take(28).collect();
        let base = if base.is_empty() { g.id.clone() } else { base };
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name.to_lowercase()) {
            name = format!("{base} {n}");
            n += 1;
        }
        used.push(name.to_lowercase());
        out.push(name);
    }
    out
}

fn e(err: XlsxError) -> String {
    format!("cannot write the workbook: {err}")
}

/// The most characters an Excel cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// Writes a prefilled answer's text. Text longer than a cell holds is refused with the cell and
/// the question named (cutting it would change the answer on import).
fn user_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    fmt: &Format,
    subject: &str,
) -> Result<(), String> {
    let n = text.chars().count();
    if n > MAX_CELL_CHARS {
        let sheet = ws.name();
        return Err(format!(
            "「{sheet}」{}: {subject}: 文本过长，单元格最多 32,767 个字符 the text is {n} characters long; an Excel cell holds at most {MAX_CELL_CHARS} (use the YAML/JSON file or the HTML form for this answer)",
            cell_name(row, u32::from(col))
        ));
    }
    ws.write_string_with_format(row, col, text, fmt)
        .map_err(e)?;
    Ok(())
}

/// The questionnaire as an `.xlsx` workbook. With `prefill`, the answers of an earlier facts
/// file are filled in (a questionnaire to update rather than start afresh).
pub fn workbook(
    pack: &Pack,
    date: NaiveDate,
    lang: Lang,
    prefill: Option<&Facts>,
) -> Result<Vec<u8>, String> {
    let f = formats();
    let mut wb = Workbook::new();
    let qn = &pack.questionnaire;
    let group_names = group_sheet_names(pack, lang);

    // Drop-down lists on a hidden sheet: one column per choice question.
    let mut lists = Worksheet::new();
    lists.set_name(SHEET_LISTS).map_err(e)?;
    let mut list_ref: Vec<Option<String>> = vec![None; qn.questions.len()];
    let mut col: u16 = 0;
    for (qi, q) in qn.questions.iter().enumerate() {
        if q.qtype != QType::SingleChoice {
            continue;
        }
        let mut n = 0u32;
        for i in 0..q.options.len() {
            lists
                .write_string(n, col, option_label(q, i, lang))
                .map_err(e)?;
            n += 1;
        }
        lists
            .write_string(n, col, dont_know_word(lang))
            .map_err(e)?;
        let c = column_name(u32::from(col));
        if let Some(slot) = list_ref.get_mut(qi) {
            *slot = Some(format!("={SHEET_LISTS}!${c}$1:${c}${}", n + 1));
        }
        col += 1;
    }
    lists.set_hidden(true);

    // Instructions.
    let mut ins = Worksheet::new();
    ins.set_name(SHEET_INSTRUCTIONS).map_err(e)?;
    ins.set_column_width(0, 110).map_err(e)?;
    ins.write_string_with_format(
        0,
        0,
        hegui_report::questionnaire::title_with_versions(pack, lang),
        &f.title,
    )
    .map_err(e)?;
    let lines = instructions(lang);
    for (i, line) in lines.iter().enumerate() {
        ins.write_string_with_format(i as u32 + 2, 0, line, &f.wrap)
            .map_err(e)?;
    }
    // What the questionnaire rests on: the source as policy context, national law as the basis.
    for (i, line) in hegui_report::questionnaire::basis_lines(pack, lang)
        .iter()
        .enumerate()
    {
        ins.write_string_with_format((lines.len() + i) as u32 + 3, 0, line, &f.wrap)
            .map_err(e)?;
    }

    let header = header_sheet(pack, date, lang, prefill, &f)?;
    let questions = questions_sheet(pack, lang, prefill, &f, &list_ref, &group_names)?;
    wb.push_worksheet(ins);
    wb.push_worksheet(header);
    wb.push_worksheet(questions);
    for (gi, group) in qn.groups.iter().enumerate() {
        let items = prefill
            .and_then(|p| p.groups.get(gi))
            .and_then(Option::as_ref);
        let name = group_names.get(gi).cloned().unwrap_or_default();
        let ws = group_sheet(pack, group, &name, lang, items, &f, &list_ref)?;
        wb.push_worksheet(ws);
    }
    wb.push_worksheet(waivers_sheet(lang, prefill, &f)?);
    wb.push_worksheet(lists);
    wb.save_to_buffer().map_err(e)
}

fn instructions(lang: Lang) -> Vec<String> {
    let zh = [
        "1. 在“基本信息 Header”表的“填写 Value”列填写单位信息和评估基准日。规则包、版本和问卷摘要请勿修改。",
        "2. 在“问卷 Questions”表的“答案 Answer”列逐题作答：是/否题和单选题从下拉列表中选择；多选题填写选项名称或编号，多个选项用“、”“，”“；”或换行分隔；日期按日期填写(如 2026-05-20)；不知道请填“不清楚”。",
        "3. “何时回答”所列条件不成立的问题不必回答，留空即可。",
        "4. 可重复条目(如每一个App)在各自的工作表中每行填写一项；确实没有任何条目的，在“问卷”表中该条目组所在行的答案列填“无”。",
        "5. 备注列可填写说明；证据列每行一项，格式为“名称 | 编号 | 日期”。",
        "6. 请勿修改“编号 ID”列、各条目表第4行的键和“基本信息”表的“键 Key”列，也不要重命名或删除工作表。",
        "7. 交回后，监管部门用 hegui import 读取答卷，校验规则与 YAML/JSON 答卷相同，每个问题都会指出工作表、单元格和问题编号。",
    ];
    let en = [
        "1. On sheet “基本信息 Header”, fill in the organisation and the assessment date in column “填写 Value”. Do not change the pack, version or questionnaire digest.",
        "2. On sheet “问卷 Questions”, answer each question in column “答案 Answer”: pick yes/no and single-choice answers from the drop-down; for multiple choice write the option labels or ids separated by “、” “,” “;” or line breaks; write dates as dates (e.g. 2026-05-20); write 不清楚 (dont_know) if you don't know.",
        "3. A question whose “Asked when” condition does not hold need not be answered: leave it blank.",
        "4. Repeatable items (e.g. each app) go on their own sheet, one row per item; if there are none at all, write 无 (none) in the answer column of the group's row on sheet “问卷 Questions”.",
        "5. Use the remark column for explanations; in the evidence column put one piece per line as “title | reference | date”.",
        "6. Do not change column “编号 ID”, the keys in row 4 of the item sheets or column “键 Key” of the header sheet, and do not rename or delete sheets.",
        "7. The regulator reads the workbook back with hegui import, with the same checks as YAML/JSON answers; every problem names the sheet, the cell and the question id.",
    ];
    match lang {
        Lang::Zh => zh.iter().map(|s| s.to_string()).collect(),
        Lang::En => en.iter().map(|s| s.to_string()).collect(),
        Lang::Both => zh
            .iter()
            .zip(en.iter())
            .flat_map(|(a, b)| [a.to_string(), b.to_string()])
            .collect(),
    }
}

fn header_value(key: &str, pack: &Pack, date: NaiveDate, prefill: Option<&Facts>) -> HeaderCell {
    // Several packs (a set's view): each cell lists every pack's value, joined by ` + `, so
    // `import` gives a facts file listing all of them.
    let joined = |f: fn(&hegui_core::model::PackMember) -> &str| {
        pack.members.iter().map(f).collect::<Vec<_>>().join(" + ")
    };
    let fixed = match key {
        "pack.id" if !pack.members.is_empty() => Some(joined(|m| &m.id)),
        "pack.version" if !pack.members.is_empty() => Some(joined(|m| &m.version)),
        "pack.questionnaire_digest" if !pack.members.is_empty() => {
            Some(joined(|m| &m.questionnaire_digest))
        }
        "pack.id" => Some(pack.meta.id.clone()),
        "pack.version" => Some(pack.meta.version.clone()),
        "pack.questionnaire_digest" => Some(pack.questionnaire.digest.clone()),
        _ => None,
    };
    if let Some(v) = fixed {
        return HeaderCell::Fixed(v);
    }
    if key == "assessment_date" {
        return HeaderCell::Date(prefill.map(|p| p.assessment_date).unwrap_or(date));
    }
    let Some(p) = prefill else {
        return HeaderCell::Empty;
    };
    let org = &p.organisation;
    let contact = org.contact.as_ref();
    let v: Option<String> = match key {
        "organisation.name" => Some(org.name.clone()),
        "organisation.credit_code" => org.credit_code.clone(),
        "organisation.region_code" => org.region_code.clone(),
        "organisation.industry" => org.industry.clone(),
        "organisation.contact.name" => contact.and_then(|c| c.name.clone()),
        "organisation.contact.phone" => contact.and_then(|c| c.phone.clone()),
        "organisation.contact.email" => contact.and_then(|c| c.email.clone()),
        "prepared_by.name" => p.prepared_by.as_ref().map(|x| x.name.clone()),
        "prepared_by.title" => p.prepared_by.as_ref().and_then(|x| x.title.clone()),
        "responsible_person.name" => p.responsible_person.as_ref().map(|x| x.name.clone()),
        "responsible_person.title" => p.responsible_person.as_ref().and_then(|x| x.title.clone()),
        _ => None,
    };
    v.map(HeaderCell::Text).unwrap_or(HeaderCell::Empty)
}

enum HeaderCell {
    Fixed(String),
    Text(String),
    Date(NaiveDate),
    Empty,
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, String> {
    let y = u16::try_from(d.year()).map_err(|_| format!("date {d} out of range"))?;
    ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).map_err(e)
}

fn header_sheet(
    pack: &Pack,
    date: NaiveDate,
    lang: Lang,
    prefill: Option<&Facts>,
    f: &Formats,
) -> Result<Worksheet, String> {
    let mut ws = Worksheet::new();
    ws.set_name(SHEET_HEADER).map_err(e)?;
    ws.write_string_with_format(
        0,
        0,
        phrase("单位与评估信息", "Organisation and assessment", lang),
        &f.title,
    )
    .map_err(e)?;
    for (c, h) in HEADER_COLS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, &f.header)
            .map_err(e)?;
    }
    for (i, (key, zh, en, nzh, nen)) in HEADER_FIELDS.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_string(row, 0, phrase(zh, en, lang)).map_err(e)?;
        ws.write_string_with_format(row, COL_KEY, *key, &f.key)
            .map_err(e)?;
        if !nzh.is_empty() {
            ws.write_string(row, 3, phrase(nzh, nen, lang)).map_err(e)?;
        }
        match header_value(key, pack, date, prefill) {
            HeaderCell::Fixed(v) => {
                ws.write_string_with_format(row, COL_VALUE, v, &f.fixed)
                    .map_err(e)?;
            }
            HeaderCell::Date(d) => {
                ws.write_datetime_with_format(row, COL_VALUE, excel_date(d)?, &f.answer_date)
                    .map_err(e)?;
            }
            HeaderCell::Text(v) => {
                user_text(&mut ws, row, COL_VALUE, &v, &f.answer_text, key)?;
            }
            HeaderCell::Empty => {
                ws.write_blank(row, COL_VALUE, &f.answer_text).map_err(e)?;
            }
        }
    }
    // An invitation's key; a shared questionnaire (`campaign invite --shared`) gets the row
    // blank, to fill in from the key list.
    if let Some(sub) = prefill.and_then(|p| p.submission.as_ref()) {
        let (key, zh, en, nzh, nen) = SUBMISSION_FIELD;
        let row = HEADER_ROW + 1 + HEADER_FIELDS.len() as u32;
        ws.write_string(row, 0, phrase(zh, en, lang)).map_err(e)?;
        ws.write_string_with_format(row, COL_KEY, key, &f.key)
            .map_err(e)?;
        ws.write_string(row, 3, phrase(nzh, nen, lang)).map_err(e)?;
        match sub.key() {
            Some(k) => ws.write_string_with_format(row, COL_VALUE, k.written(), &f.fixed),
            None => ws.write_blank(row, COL_VALUE, &f.answer_text),
        }
        .map_err(e)?;
    }
    ws.set_column_width(0, 24).map_err(e)?;
    ws.set_column_width(1, 28).map_err(e)?;
    ws.set_column_width(2, 48).map_err(e)?;
    ws.set_column_width(3, 30).map_err(e)?;
    Ok(ws)
}

fn type_cell(q: &Question, lang: Lang) -> String {
    let mut s = type_name(q, lang);
    for (i, o) in q.options.iter().enumerate() {
        let ex = if o.exclusive {
            format!(" ({})", phrase("不可与其他选项同选", "exclusive", lang))
        } else {
            String::new()
        };
        s.push_str(&format!("\n• {} [{}]{ex}", option_label(q, i, lang), o.id));
    }
    if q.qtype == QType::MultipleChoice {
        s.push_str(&format!(
            "\n{}",
            phrase(
                "多个选项用“、”分隔",
                "separate several options with 、 , or ;",
                lang
            )
        ));
    }
    s
}

fn question_text(q: &Question, lang: Lang) -> String {
    let mut s = pick(&q.label, lang, "\n");
    if let Some(h) = &q.help {
        s.push_str("\n\n");
        s.push_str(&pick(h, lang, "\n"));
    }
    s
}

fn validation(
    q: &Question,
    lang: Lang,
    list_ref: &[Option<String>],
    qi: usize,
) -> Option<DataValidation> {
    let title = phrase("答案", "Answer", lang);
    let dv = match q.qtype {
        QType::YesNo => {
            let words: [&str; 3] = match lang {
                Lang::En => ["yes", "no", "dont_know"],
                Lang::Zh | Lang::Both => ["是", "否", "不清楚"],
            };
            DataValidation::new().allow_list_strings(&words).ok()?
        }
        QType::SingleChoice => {
            let r = list_ref.get(qi).cloned().flatten()?;
            DataValidation::new().allow_list_formula(Formula::new(r))
        }
        QType::Integer => {
            let lo = q.min.map(|x| x as i32).unwrap_or(i32::MIN);
            let hi = q.max.map(|x| x as i32).unwrap_or(i32::MAX);
            DataValidation::new()
                .allow_whole_number(DataValidationRule::Between(lo, hi))
                .set_error_style(DataValidationErrorStyle::Warning)
        }
        QType::Decimal => {
            let lo = q.min.unwrap_or(-1.0e15);
            let hi = q.max.unwrap_or(1.0e15);
            DataValidation::new()
                .allow_decimal_number(DataValidationRule::Between(lo, hi))
                .set_error_style(DataValidationErrorStyle::Warning)
        }
        // A month or a year is typed as text (Excel would turn `2025-09` into 1 Sep 2025): no
        // date rule, only the hint.
        QType::Date if !q.precision.is_day() => DataValidation::new().allow_any_value(),
        QType::Date => {
            let lo = ExcelDateTime::from_ymd(1950, 1, 1).ok()?;
            let hi = ExcelDateTime::from_ymd(2100, 12, 31).ok()?;
            DataValidation::new()
                .allow_date(DataValidationRule::Between(lo, hi))
                .set_error_style(DataValidationErrorStyle::Warning)
        }
        QType::MultipleChoice | QType::Text => return None,
    };
    let msg = match q.qtype {
        QType::Date if q.precision == DatePrecision::Month => phrase(
            "文本格式：填写日期如 2026-05-20，或只填月份如 2025-09；不知道填“不清楚”",
            "text: a date such as 2026-05-20, or a month such as 2025-09; dont_know if you don't know",
            lang,
        ),
        QType::Date if q.precision == DatePrecision::Year => phrase(
            "文本格式：填写日期如 2026-05-20，或月份 2025-09，或年份 2025；不知道填“不清楚”",
            "text: a date such as 2026-05-20, a month 2025-09 or a year 2025; dont_know if you don't know",
            lang,
        ),
        QType::Date => phrase(
            "请填写日期，如 2026-05-20；不知道填“不清楚”",
            "a date such as 2026-05-20; dont_know if you don't know",
            lang,
        ),
        QType::Integer | QType::Decimal => type_name(q, lang),
        _ => phrase("请从列表中选择", "pick from the list", lang),
    };
    let dv = dv.set_input_title(title).ok()?;
    dv.set_input_message(msg).ok()
}

/// The cell format of a question's answer: a date question that accepts a month or a year
/// takes text (Excel would read `2025-09` as 1 Sep 2025), other dates a date format.
fn answer_format<'f>(q: &Question, f: &'f Formats) -> &'f Format {
    match q.qtype {
        QType::Date if !q.precision.is_day() => &f.answer_text,
        QType::Date => &f.answer_date,
        QType::Text | QType::MultipleChoice => &f.answer_text,
        _ => &f.answer,
    }
}

/// Writes one answer as a person would: 是/否, option labels, dates as dates, numbers.
fn write_answer(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    q: &Question,
    a: Option<&Answer>,
    lang: Lang,
    f: &Formats,
) -> Result<(), String> {
    let fmt = answer_format(q, f);
    let Some(a) = a else {
        ws.write_blank(row, col, fmt).map_err(e)?;
        return Ok(());
    };
    let v = match &a.state {
        AnswerState::DontKnow => {
            ws.write_string_with_format(row, col, dont_know_word(lang), fmt)
                .map_err(e)?;
            return Ok(());
        }
        AnswerState::Value(v) => v,
    };
    match v {
        Value::Bool(b) => {
            let w = match (lang, b) {
                (Lang::En, true) => "yes",
                (Lang::En, false) => "no",
                (_, true) => "是",
                (_, false) => "否",
            };
            ws.write_string_with_format(row, col, w, fmt).map_err(e)?;
        }
        Value::Choice(i) => {
            ws.write_string_with_format(row, col, option_label(q, *i, lang), fmt)
                .map_err(e)?;
        }
        Value::Choices(m) => {
            let labels: Vec<String> = choice_ids(q, *m)
                .iter()
                .filter_map(|id| q.option_index(id))
                .map(|i| option_label(q, i, lang))
                .collect();
            ws.write_string_with_format(row, col, labels.join(CHOICE_SEPARATOR), fmt)
                .map_err(e)?;
        }
        Value::Int(i) => {
            ws.write_number_with_format(row, col, *i as f64, fmt)
                .map_err(e)?;
        }
        Value::Decimal(x) => {
            ws.write_number_with_format(row, col, *x, fmt).map_err(e)?;
        }
        Value::Date(d) if !q.precision.is_day() => {
            ws.write_string_with_format(row, col, d.to_string(), fmt)
                .map_err(e)?;
        }
        Value::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(*d)?, fmt)
                .map_err(e)?;
        }
        Value::Period(p) => {
            ws.write_string_with_format(row, col, p.written(), fmt)
                .map_err(e)?;
        }
        Value::Text(t) => {
            user_text(ws, row, col, t, fmt, &q.id)?;
        }
    }
    Ok(())
}

/// Evidence as text: one piece per line, `title | reference | date`.
pub fn evidence_text(a: &Answer) -> String {
    a.evidence
        .iter()
        .map(|ev| {
            let mut parts = vec![ev.title.clone()];
            if ev.reference.is_some() || ev.date.is_some() {
                parts.push(ev.reference.clone().unwrap_or_default());
            }
            if let Some(d) = ev.date {
                parts.push(d.to_string());
            }
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn questions_sheet(
    pack: &Pack,
    lang: Lang,
    prefill: Option<&Facts>,
    f: &Formats,
    list_ref: &[Option<String>],
    group_names: &[String],
) -> Result<Worksheet, String> {
    let qn = &pack.questionnaire;
    let mut ws = Worksheet::new();
    ws.set_name(SHEET_QUESTIONS).map_err(e)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} ({})",
            hegui_report::questionnaire::title_with_versions(pack, lang),
            qn.digest
        ),
        &f.title,
    )
    .map_err(e)?;
    for (c, h) in QUESTION_HEADERS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, &f.header)
            .map_err(e)?;
    }
    let widths = [14.0, 26.0, 60.0, 36.0, 30.0, 28.0, 30.0, 30.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(e)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 2).map_err(e)?;
    let mut row = HEADER_ROW + 1;
    let mut section = String::new();
    for entry in &qn.order {
        let sec = match entry {
            Entry::Question(q) => qn.questions.get(*q).map(|q| q.section.clone()),
            Entry::Group(g) => qn.groups.get(*g).map(|g| g.section.clone()),
        }
        .unwrap_or_default();
        let sec_title = pack
            .section(&sec)
            .map(|s| pick(&s.title, lang, " "))
            .unwrap_or_else(|| sec.clone());
        if sec != section {
            ws.write_string_with_format(row, COL_SECTION, &sec_title, &f.section)
                .map_err(e)?;
            for c in 1..QUESTION_HEADERS.len() as u16 {
                ws.write_blank(row, c, &f.section).map_err(e)?;
            }
            row += 1;
            section = sec;
        }
        match entry {
            Entry::Question(qi) => {
                let Some(q) = qn.questions.get(*qi) else {
                    continue;
                };
                ws.write_string_with_format(row, COL_SECTION, &sec_title, &f.wrap)
                    .map_err(e)?;
                ws.write_string(row, COL_ID, &q.id).map_err(e)?;
                ws.write_string_with_format(row, COL_QUESTION, question_text(q, lang), &f.wrap)
                    .map_err(e)?;
                ws.write_string_with_format(row, COL_TYPE, type_cell(q, lang), &f.wrap)
                    .map_err(e)?;
                if let Some(c) = &q.ask_when {
                    ws.write_string_with_format(row, COL_WHEN, c.describe(), &f.wrap)
                        .map_err(e)?;
                }
                let a = prefill
                    .and_then(|p| p.answers.get(*qi))
                    .and_then(Option::as_ref);
                write_answer(&mut ws, row, COL_ANSWER, q, a, lang, f)?;
                if let Some(dv) = validation(q, lang, list_ref, *qi) {
                    ws.add_data_validation(row, COL_ANSWER, row, COL_ANSWER, &dv)
                        .map_err(e)?;
                }
                let remark = a.and_then(|a| a.remark.clone()).unwrap_or_default();
                user_text(&mut ws, row, COL_REMARK, &remark, &f.answer_text, &q.id)?;
                let ev = a.map(evidence_text).unwrap_or_default();
                user_text(&mut ws, row, COL_EVIDENCE, &ev, &f.answer_text, &q.id)?;
            }
            Entry::Group(gi) => {
                let Some(g) = qn.groups.get(*gi) else {
                    continue;
                };
                let sheet = group_names.get(*gi).cloned().unwrap_or_default();
                ws.write_string_with_format(row, COL_SECTION, &sec_title, &f.wrap)
                    .map_err(e)?;
                ws.write_string(row, COL_ID, &g.id).map_err(e)?;
                let mut text = pick(&g.label, lang, "\n");
                text.push_str(&format!(
                    "\n{} «{sheet}»",
                    phrase(
                        "可重复条目：每项一行，填在工作表",
                        "repeatable: one row per item on sheet",
                        lang
                    )
                ));
                ws.write_string_with_format(row, COL_QUESTION, text, &f.wrap)
                    .map_err(e)?;
                ws.write_string_with_format(
                    row,
                    COL_TYPE,
                    phrase(
                        "条目组；没有任何条目时在答案列填“无”",
                        "repeatable group; write 无 (none) in the answer column if there are none",
                        lang,
                    ),
                    &f.wrap,
                )
                .map_err(e)?;
                if let Some(c) = &g.ask_when {
                    ws.write_string_with_format(row, COL_WHEN, c.describe(), &f.wrap)
                        .map_err(e)?;
                }
                let none_word = match lang {
                    Lang::En => "none",
                    Lang::Zh | Lang::Both => "无",
                };
                let empty = prefill
                    .and_then(|p| p.groups.get(*gi))
                    .and_then(Option::as_ref)
                    .is_some_and(Vec::is_empty);
                if empty {
                    ws.write_string_with_format(row, COL_ANSWER, none_word, &f.answer_text)
                        .map_err(e)?;
                } else {
                    ws.write_blank(row, COL_ANSWER, &f.answer_text).map_err(e)?;
                }
                if let Ok(dv) = DataValidation::new().allow_list_strings(&[none_word]) {
                    ws.add_data_validation(row, COL_ANSWER, row, COL_ANSWER, &dv)
                        .map_err(e)?;
                }
            }
        }
        row += 1;
    }
    ws.autofilter(HEADER_ROW, 0, row.saturating_sub(1), COL_EVIDENCE)
        .map_err(e)?;
    Ok(ws)
}

fn group_sheet(
    pack: &Pack,
    group: &Group,
    name: &str,
    lang: Lang,
    items: Option<&Vec<Item>>,
    f: &Formats,
    list_ref: &[Option<String>],
) -> Result<Worksheet, String> {
    let qn = &pack.questionnaire;
    let mut ws = Worksheet::new();
    ws.set_name(name).map_err(e)?;
    ws.write_string_with_format(0, 0, GROUP_MARK, &f.key)
        .map_err(e)?;
    ws.write_string_with_format(0, 1, &group.id, &f.key)
        .map_err(e)?;
    ws.write_string_with_format(0, 2, pick(&group.label, lang, " / "), &f.title)
        .map_err(e)?;
    let mut note = phrase(
        "每行填写一项；没有任何条目时，在“问卷”表该条目组所在行填“无”。",
        "One row per item; if there are none, write 无 (none) on the group's row of sheet 问卷 Questions.",
        lang,
    );
    if let Some(h) = &group.help {
        note = format!("{} {note}", pick(h, lang, " "));
    }
    if let Some(c) = &group.ask_when {
        note.push_str(&format!(
            " {}: {}",
            phrase("何时回答", "Asked when", lang),
            c.describe()
        ));
    }
    ws.write_string(1, 0, note).map_err(e)?;
    let members: Vec<&Question> = group
        .members
        .iter()
        .filter_map(|m| qn.questions.get(*m))
        .collect();
    let key_member = group
        .item_key
        .as_deref()
        .and_then(|k| members.iter().position(|q| q.local_id == k))
        .unwrap_or(0);
    for (c, q) in members.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(2, col, pick(&q.label, lang, "\n"), &f.header)
            .map_err(e)?;
        ws.write_string_with_format(KEY_ROW, col, &q.local_id, &f.key)
            .map_err(e)?;
        let mut hint = type_cell(q, lang);
        if let Some(cnd) = &q.ask_when {
            hint.push_str(&format!(
                "\n{}: {}",
                phrase("何时回答", "Asked when", lang),
                cnd.describe()
            ));
        }
        ws.write_string_with_format(4, col, hint, &f.wrap)
            .map_err(e)?;
        ws.set_column_width(col, 26).map_err(e)?;
        let qi = qn.question(&q.id).unwrap_or(usize::MAX);
        if let Some(dv) = validation(q, lang, list_ref, qi) {
            ws.add_data_validation(ITEM_ROW, col, ITEM_ROW + ITEM_ROWS - 1, col, &dv)
                .map_err(e)?;
        }
        let fmt = answer_format(q, f);
        ws.set_range_format(ITEM_ROW, col, ITEM_ROW + 9, col, fmt)
            .map_err(e)?;
    }
    let rcol = members.len() as u16;
    ws.write_string_with_format(2, rcol, "备注 Remark", &f.header)
        .map_err(e)?;
    ws.write_string_with_format(KEY_ROW, rcol, REMARK_KEY, &f.key)
        .map_err(e)?;
    ws.write_string_with_format(
        4,
        rcol,
        phrase(
            "关于本项的说明(记在名称一栏的答案上)",
            "about this item (kept with the answer that names it)",
            lang,
        ),
        &f.wrap,
    )
    .map_err(e)?;
    ws.set_column_width(rcol, 30).map_err(e)?;
    ws.set_range_format(ITEM_ROW, rcol, ITEM_ROW + 9, rcol, &f.answer_text)
        .map_err(e)?;
    ws.set_freeze_panes(ITEM_ROW, 1).map_err(e)?;
    for (i, item) in items.map(Vec::as_slice).unwrap_or(&[]).iter().enumerate() {
        let row = ITEM_ROW + i as u32;
        let mut remarks = Vec::new();
        for (c, q) in members.iter().enumerate() {
            let a = item.answers.get(q.pos).and_then(Option::as_ref);
            write_answer(&mut ws, row, c as u16, q, a, lang, f)?;
            if let Some(r) = a.and_then(|a| a.remark.as_ref()) {
                if c == key_member {
                    remarks.insert(0, r.clone());
                } else {
                    remarks.push(format!("{}: {r}", q.local_id));
                }
            }
        }
        if !remarks.is_empty() {
            let text = remarks.join("\n");
            user_text(&mut ws, row, rcol, &text, &f.answer_text, &group.id)?;
        }
    }
    Ok(ws)
}

fn waivers_sheet(lang: Lang, prefill: Option<&Facts>, f: &Formats) -> Result<Worksheet, String> {
    let mut ws = Worksheet::new();
    ws.set_name(SHEET_WAIVERS).map_err(e)?;
    ws.write_string_with_format(0, 0, WAIVERS_MARK, &f.key)
        .map_err(e)?;
    ws.write_string(
        1,
        0,
        phrase(
            "经批准、有期限的例外(可选)：每行一项。",
            "Approved, time-boxed exceptions (optional): one per row.",
            lang,
        ),
    )
    .map_err(e)?;
    for (c, (key, label)) in WAIVER_COLS.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(2, col, *label, &f.header)
            .map_err(e)?;
        ws.write_string_with_format(KEY_ROW, col, *key, &f.key)
            .map_err(e)?;
        ws.set_column_width(col, 30).map_err(e)?;
    }
    for (i, w) in prefill
        .map(|p| p.waivers.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let row = ITEM_ROW + i as u32;
        let subject = format!("waiver `{}`", w.rule);
        user_text(&mut ws, row, 0, &w.rule, &f.answer_text, "waiver")?;
        user_text(&mut ws, row, 1, &w.justification, &f.answer_text, &subject)?;
        user_text(&mut ws, row, 2, &w.approved_by, &f.answer_text, &subject)?;
        ws.write_datetime_with_format(row, 3, excel_date(w.expires)?, &f.answer_date)
            .map_err(e)?;
    }
    Ok(ws)
}
