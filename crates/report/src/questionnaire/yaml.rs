//! The blank questionnaire as a YAML facts file: every question as a comment (text, type,
//! options, when it is asked), answers left `null`. Blank, it validates (everything
//! unanswered); filled in, `hegui assess` takes it unchanged.

use chrono::NaiveDate;
use hegui_core::model::{DatePrecision, Entry, Pack, QType, Question};
use std::fmt::Write as _;

fn type_hint(q: &Question) -> String {
    match q.qtype {
        QType::YesNo => "是/否 yes/no: true / false".into(),
        QType::SingleChoice => "单选 single choice: one option id".into(),
        QType::MultipleChoice => "多选 multiple choice: a list of option ids, e.g. [a, b]".into(),
        QType::Integer => range("整数 integer", q),
        QType::Decimal => range("数值 decimal", q),
        QType::Date => {
            let form = match q.precision {
                DatePrecision::Day => "日期 date YYYY-MM-DD",
                DatePrecision::Month => "日期 date YYYY-MM-DD, 或年月 or a month YYYY-MM",
                DatePrecision::Year => {
                    "日期 date YYYY-MM-DD, 或年月 or a month YYYY-MM, 或年份 or a year YYYY"
                }
            };
            if q.past_event {
                format!("{form} (不晚于评估基准日 not after the assessment date)")
            } else {
                form.into()
            }
        }
        QType::Text => "文本 text (in quotes)".into(),
    }
}

fn range(base: &str, q: &Question) -> String {
    match (q.min, q.max) {
        (Some(a), Some(b)) => format!("{base} {a}–{b}"),
        (Some(a), None) => format!("{base} ≥ {a}"),
        (None, Some(b)) => format!("{base} ≤ {b}"),
        (None, None) => base.into(),
    }
}

fn comment_block(out: &mut String, indent: &str, q: &Question) {
    let _ = writeln!(out, "{indent}# {}", q.label.zh);
    let _ = writeln!(out, "{indent}# {}", q.label.en);
    if let Some(h) = &q.help {
        for line in h.zh.lines() {
            let _ = writeln!(out, "{indent}#   {line}");
        }
        for line in h.en.lines() {
            let _ = writeln!(out, "{indent}#   {line}");
        }
    }
    let _ = writeln!(out, "{indent}# {}; 不清楚 if you don't know", type_hint(q));
    for o in &q.options {
        let ex = if o.exclusive {
            " (不可与其他选项同选 exclusive)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{indent}#   {}: {} / {}{ex}",
            o.id, o.label.zh, o.label.en
        );
    }
    if let Some(c) = &q.ask_when {
        let _ = writeln!(out, "{indent}# 仅当 asked only when: {}", c.describe());
    }
}

/// The blank facts file for `pack`, dated `date`.
pub fn blank_yaml(pack: &Pack, date: NaiveDate) -> String {
    let qn = &pack.questionnaire;
    let mut out = String::new();
    let schema = schema_file_name(pack);
    let _ = writeln!(out, "# yaml-language-server: $schema={schema}");
    for (id, version, title) in super::packs_of(pack) {
        if pack.members.is_empty() {
            let _ = writeln!(out, "# {} / {}", title.zh, title.en);
        } else {
            let _ = writeln!(out, "# {} / {} ({id} {version})", title.zh, title.en);
        }
    }
    let packs = if pack.members.is_empty() {
        format!("pack {} {}", pack.meta.id, pack.meta.version)
    } else {
        let list: Vec<String> = pack
            .members
            .iter()
            .map(|m| format!("{} {}", m.id, m.version))
            .collect();
        format!("packs {}", list.join(", "))
    };
    let _ = writeln!(
        out,
        "# 自评问卷 Self-assessment questionnaire — hegui, {packs}"
    );
    for line in super::basis_lines(pack, crate::render::Lang::Both) {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(
        out,
        "# 填写说明: 在每个问题后填写答案; 留空(null)表示未作答; 不知道请填 不清楚。"
    );
    let _ = writeln!(
        out,
        "# How to fill in: put each answer after its question; null means unanswered; write 不清楚 if you don't know."
    );
    if pack.members.is_empty() {
        let _ = writeln!(out, "pack:");
        let _ = writeln!(out, "  id: {}", pack.meta.id);
        let _ = writeln!(out, "  version: {}", pack.meta.version);
        let _ = writeln!(out, "  questionnaire_digest: {}", qn.digest);
    } else {
        // Several packs (a set's view): one questionnaire, every pack listed.
        let _ = writeln!(out, "format: {}", hegui_core::facts::FACTS_FORMAT);
        let _ = writeln!(out, "packs:");
        for m in &pack.members {
            let _ = writeln!(
                out,
                "  - {{ id: {}, version: {}, questionnaire_digest: \"{}\" }}",
                m.id, m.version, m.questionnaire_digest
            );
        }
        if let Some(l) = &pack.library {
            let _ = writeln!(out, "library: {{ id: {}, version: {} }}", l.id, l.version);
        }
    }
    let _ = writeln!(out, "organisation:");
    let _ = writeln!(out, "  name: \"\"            # 单位名称 registered name");
    let _ = writeln!(
        out,
        "  credit_code: null    # 统一社会信用代码 unified social credit code (18 characters)"
    );
    let _ = writeln!(
        out,
        "  region_code: null    # 行政区划代码 six-digit region code, in quotes, e.g. \"230103\""
    );
    let _ = writeln!(out, "  industry: null       # 行业 industry");
    let _ = writeln!(out, "prepared_by: null      # 填报人 {{name: …, title: …}}");
    let _ = writeln!(
        out,
        "responsible_person: null   # 负责人 {{name: …, title: …}}"
    );
    let _ = writeln!(
        out,
        "assessment_date: {date}   # 评估基准日 assessment date"
    );
    let _ = writeln!(out, "answers:");
    let mut section = String::new();
    for entry in &qn.order {
        let sec = match entry {
            Entry::Question(q) => qn.questions.get(*q).map(|q| q.section.clone()),
            Entry::Group(g) => qn.groups.get(*g).map(|g| g.section.clone()),
        }
        .unwrap_or_default();
        if sec != section {
            if let Some(s) = pack.section(&sec) {
                let _ = writeln!(out, "\n  # ── {} {} ──", s.title.zh, s.title.en);
            }
            section = sec;
        }
        match entry {
            Entry::Question(q) => {
                let Some(q) = qn.questions.get(*q) else {
                    continue;
                };
                out.push('\n');
                comment_block(&mut out, "  ", q);
                let _ = writeln!(out, "  {}: null", q.id);
            }
            Entry::Group(g) => {
                let Some(g) = qn.groups.get(*g) else { continue };
                out.push('\n');
                let _ = writeln!(out, "  # {} / {}", g.label.zh, g.label.en);
                let _ = writeln!(
                    out,
                    "  # 可重复条目: 每项复制一个条目; 没有则写 [] — repeatable: one entry per item (copy it); write [] if none"
                );
                if let Some(c) = &g.ask_when {
                    let _ = writeln!(out, "  # 仅当 asked only when: {}", c.describe());
                }
                let _ = writeln!(out, "  {}:", g.id);
                for (i, m) in g.members.iter().enumerate() {
                    let Some(q) = qn.questions.get(*m) else {
                        continue;
                    };
                    comment_block(&mut out, "      ", q);
                    let lead = if i == 0 { "    - " } else { "      " };
                    let _ = writeln!(out, "{lead}{}: null", q.local_id);
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n# 豁免 waivers: - {{rule: ID, justification: …, approved_by: …, expires: YYYY-MM-DD}}"
    );
    let _ = writeln!(out, "waivers: []");
    out
}

/// The file name the blank questionnaire's `yaml-language-server` line points at. Write the
/// schema beside the answers with `hegui schema facts -o <name>`, and an editor with a YAML
/// language server completes and checks the answers as they are typed.
pub fn schema_file_name(pack: &Pack) -> String {
    format!("{}-{}.facts.schema.json", pack.meta.id, pack.meta.version)
}
