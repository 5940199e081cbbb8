//! The Word document, built with docx-rs from the report view model, in the HTML report's
//! order: cover (verdict, score, coverage, undecided count, notice), contents, verdict and
//! scores, limits, plan, findings, recommendations, open questions, 不清楚 answers, waivers,
//! appendices (traceability, method) and the notice again.

use crate::brand::Brand;
use docx_rs::{
    AlignmentType, BreakType, Docx, FieldCharType, Footer, Header, HeightRule, InstrText, InstrToC,
    LineSpacing, NumPages, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts, Shading,
    SpecialIndentType, Style, StyleType, Table, TableCell, TableRow, WidthType,
};
use hegui_core::text::{Lang, Text};
use hegui_report::render::labels::{self, label};
use hegui_report::render::set::{PackRule, SetView};
use hegui_report::render::view::{Gap, QuestionSection, Report};

/// Latin font of body text.
pub const BODY_LATIN: &str = "Times New Roman";
/// East Asian font of body text (named only; never embedded).
pub const BODY_EAST_ASIA: &str = "宋体";
/// Latin font of headings.
pub const HEADING_LATIN: &str = "Arial";
/// East Asian font of headings.
pub const HEADING_EAST_ASIA: &str = "黑体";

/// A4 portrait in twentieths of a point.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// 2.5 cm margins.
const MARGIN: i32 = 1418;
/// The text width: the page less both margins.
const TEXT_W: usize = 9070;
const GREY: &str = "5B6472";
const RED: &str = "B91C1C";

fn fonts(latin: &str, east_asia: &str) -> RunFonts {
    RunFonts::new()
        .ascii(latin)
        .hi_ansi(latin)
        .cs(latin)
        .east_asia(east_asia)
}

/// The document's styles: heading styles with outline levels (the navigation pane and the
/// table of contents use them), East Asian fonts set apart from Latin ones.
pub fn styles(docx: Docx, accent: &str, deep: bool) -> Docx {
    let heading = |id: &str, name: &str, level: usize, size: usize, before: u32| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .fonts(fonts(HEADING_LATIN, HEADING_EAST_ASIA))
            .size(size)
            .bold()
            .color(accent)
            .outline_lvl(level)
            .line_spacing(LineSpacing::new().before(before).after(120))
    };
    let plain = |id: &str, name: &str, size: usize, color: &str| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .size(size)
            .color(color)
    };
    // A report of several packs nests each pack's sections one level down.
    let docx = if deep {
        docx.add_style(heading("Heading4", "heading 4", 3, 21, 160))
    } else {
        docx
    };
    docx.default_fonts(fonts(BODY_LATIN, BODY_EAST_ASIA))
        .default_size(21)
        .default_line_spacing(LineSpacing::new().after(100).line(288))
        .add_style(heading("Heading1", "heading 1", 0, 32, 360))
        .add_style(heading("Heading2", "heading 2", 1, 26, 240))
        .add_style(heading("Heading3", "heading 3", 2, 22, 200))
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .fonts(fonts(HEADING_LATIN, HEADING_EAST_ASIA))
                .size(44)
                .bold()
                .color(accent)
                .line_spacing(LineSpacing::new().before(240).after(240)),
        )
        .add_style(
            plain("Subtitle", "Subtitle", 24, GREY)
                .fonts(fonts(HEADING_LATIN, HEADING_EAST_ASIA))
                .q_format(true),
        )
        .add_style(
            Style::new("TOCHeading", StyleType::Paragraph)
                .name("TOC Heading")
                .based_on("Normal")
                .next("Normal")
                .fonts(fonts(HEADING_LATIN, HEADING_EAST_ASIA))
                .size(32)
                .bold()
                .color(accent),
        )
        .add_style(plain("TOC1", "toc 1", 21, "000000").next("Normal"))
        .add_style(plain("TOC2", "toc 2", 21, "000000").next("Normal").indent(
            Some(420),
            None,
            None,
            None,
        ))
        .add_style(plain("Small", "Small", 18, GREY))
        .add_style(
            plain("TableText", "Table Text", 18, "000000")
                .line_spacing(LineSpacing::new().before(0).after(0).line(260)),
        )
        .add_style(
            plain("Quote", "Quote", 20, "333333")
                .indent(Some(420), None, Some(420), None)
                .q_format(true),
        )
        .add_style(
            plain("Notice", "Notice", 20, "000000")
                .bold()
                .line_spacing(LineSpacing::new().before(240).after(240)),
        )
        .add_style(plain("ListBullet", "List Bullet", 21, "000000").indent(
            Some(420),
            Some(SpecialIndentType::Hanging(280)),
            None,
            None,
        ))
        .add_style(plain("Header", "header", 18, GREY))
        .add_style(plain("Footer", "footer", 16, GREY))
}

/// Writes texts in the report's language.
struct Writer<'a> {
    lang: Lang,
    accent: &'a str,
    docx: Docx,
    toc: Vec<(usize, String)>,
    /// Added to every heading level: 1 inside a pack's part of a report of several packs.
    shift: usize,
}

impl Writer<'_> {
    /// A bilingual text inline: Chinese, English, or "中文 / English" (once if both agree).
    fn t(&self, x: &Text) -> String {
        match self.lang {
            Lang::Zh => x.zh.clone(),
            Lang::En => x.en.clone(),
            Lang::Both if x.zh == x.en => x.zh.clone(),
            Lang::Both => format!("{} / {}", x.zh, x.en),
        }
    }

    /// A label inline.
    fn l(&self, key: &str) -> String {
        self.t(&label(key))
    }

    /// A bilingual text as runs: with `both`, the English on a line of its own, in grey.
    fn runs(&self, x: &Text) -> Vec<Run> {
        match self.lang {
            Lang::Both if x.zh != x.en => vec![
                Run::new().add_text(&x.zh),
                Run::new()
                    .add_break(BreakType::TextWrapping)
                    .add_text(&x.en)
                    .color(GREY),
            ],
            _ => vec![Run::new().add_text(self.t(x))],
        }
    }

    fn push(&mut self, p: Paragraph) {
        self.docx = std::mem::take(&mut self.docx).add_paragraph(p);
    }

    fn push_table(&mut self, t: Table) {
        self.docx = std::mem::take(&mut self.docx).add_table(t);
    }

    fn heading(&mut self, level: usize, text: String) {
        let level = level + self.shift;
        self.toc.push((level, text.clone()));
        self.push(
            Paragraph::new()
                .style(&format!("Heading{level}"))
                .keep_next(true)
                .add_run(Run::new().add_text(text)),
        );
    }

    fn para(&mut self, x: &Text) {
        let p = self
            .runs(x)
            .into_iter()
            .fold(Paragraph::new(), |p, r| p.add_run(r));
        self.push(p);
    }

    /// Opens a top-level section: its heading and help line; when `empty`, the `empty` label
    /// instead of content. Returns whether content follows.
    fn section(&mut self, key: &str, empty: bool, empty_label: &str) -> bool {
        self.heading(1, self.l(key));
        self.small(&label(&format!("{key}_help")));
        if empty {
            self.para(&label(empty_label));
        }
        !empty
    }

    fn small(&mut self, x: &Text) {
        let p = self
            .runs(x)
            .into_iter()
            .fold(Paragraph::new().style("Small").keep_next(true), |p, r| {
                p.add_run(r)
            });
        self.push(p);
    }

    fn bullet(&self, runs: Vec<Run>, style: &str) -> Paragraph {
        runs.into_iter().fold(
            Paragraph::new()
                .style(style)
                .indent(Some(300), Some(SpecialIndentType::Hanging(200)), None, None)
                .add_run(Run::new().add_text("•\u{a0}")),
            |p, r| p.add_run(r),
        )
    }

    fn cell_text(&self, s: &str) -> Paragraph {
        Paragraph::new()
            .style("TableText")
            .add_run(Run::new().add_text(s))
    }

    fn cell_runs(&self, x: &Text) -> Paragraph {
        self.runs(x)
            .into_iter()
            .fold(Paragraph::new().style("TableText"), |p, r| p.add_run(r))
    }

    /// A table: a shaded head row in the accent colour, then `rows`; `widths` in twips; columns
    /// in `numeric` right-aligned.
    fn table(&self, widths: &[usize], head: &[String], rows: Vec<Vec<Vec<Paragraph>>>) -> Table {
        let total: usize = widths.iter().sum();
        let widths: Vec<usize> = widths.iter().map(|w| w * TEXT_W / total.max(1)).collect();
        let cell = |w: usize, ps: Vec<Paragraph>| {
            ps.into_iter()
                .fold(TableCell::new().width(w, WidthType::Dxa), |c, p| {
                    c.add_paragraph(p)
                })
        };
        let head_row = TableRow::new(
            head.iter()
                .zip(&widths)
                .map(|(h, w)| {
                    cell(
                        *w,
                        vec![
                            Paragraph::new()
                                .style("TableText")
                                .add_run(Run::new().add_text(h).bold().color("FFFFFF")),
                        ],
                    )
                    .shading(Shading::new().fill(self.accent))
                })
                .collect(),
        )
        .cant_split()
        // Repeated on every page (package::mark_head_rows).
        .row_height(1.0)
        .height_rule(HeightRule::AtLeast);
        let mut all = vec![head_row];
        for r in rows {
            let cells = r
                .into_iter()
                .zip(&widths)
                .map(|(ps, w)| {
                    let ps = if ps.is_empty() {
                        vec![self.cell_text("")]
                    } else {
                        ps
                    };
                    cell(*w, ps)
                })
                .collect();
            all.push(TableRow::new(cells).cant_split());
        }
        Table::new(all)
            .set_grid(widths)
            .width(TEXT_W, WidthType::Dxa)
    }

    /// A numeric cell.
    fn n(&self, v: impl std::fmt::Display) -> Vec<Paragraph> {
        vec![self.cell_text(&v.to_string()).align(AlignmentType::Right)]
    }

    fn pct(v: Option<u32>) -> String {
        v.map_or("—".to_string(), |v| format!("{v}%"))
    }
}

/// A table cell naming a rule: its title, and its id in grey beneath.
fn rule_cell(w: &Writer<'_>, title: &Text, rule_id: &str) -> Vec<Paragraph> {
    vec![
        w.cell_runs(title),
        Paragraph::new()
            .style("TableText")
            .add_run(Run::new().add_text(rule_id).color(GREY)),
    ]
}

/// A table cell with an outcome's label, red when it fails.
fn outcome_cell(w: &Writer<'_>, name: &str, label: &Text) -> Vec<Paragraph> {
    vec![
        Paragraph::new()
            .style("TableText")
            .add_run(outcome_run(w, name, label)),
    ]
}

/// The label of an outcome, red when it fails.
fn outcome_run(w: &Writer<'_>, name: &str, x: &Text) -> Run {
    let r = Run::new().add_text(w.t(x));
    if name == "fail" {
        r.color(RED).bold()
    } else {
        r
    }
}

/// A writer on an empty A4 document with the report's styles (`deep`: with a fourth heading
/// level, for a report of several packs).
fn writer<'a>(lang: Lang, brand: &'a Brand, deep: bool) -> Writer<'a> {
    let docx = Docx::new().page_size(PAGE_W, PAGE_H).page_margin(
        PageMargin::new()
            .top(MARGIN)
            .bottom(MARGIN)
            .left(MARGIN)
            .right(MARGIN)
            .header(708)
            .footer(708),
    );
    Writer {
        lang,
        accent: &brand.accent,
        docx: styles(docx, &brand.accent, deep),
        toc: Vec::new(),
        shift: 0,
    }
}

/// A writer for a document's body (moved into the document after its contents).
fn body_writer<'a>(lang: Lang, brand: &'a Brand) -> Writer<'a> {
    Writer {
        lang,
        accent: &brand.accent,
        docx: Docx::new(),
        toc: Vec::new(),
        shift: 0,
    }
}

/// The Word document of `r`, before packaging, with the headings it has (level, text).
pub fn build(r: &Report, lang: Lang, brand: &Brand) -> Docx {
    let mut w = writer(lang, brand, false);
    header_footer(&mut w, &r.header.name, brand);
    cover(&mut w, r, brand);
    // The body first, so the contents can list its headings; then the contents go in front.
    let mut body = body_writer(lang, brand);
    verdict(&mut body, r);
    limits(&mut body, r);
    plan(&mut body, r);
    gaps(&mut body, r);
    recommendations(&mut body, r);
    questions(&mut body, "open_questions", &r.open_questions);
    questions(&mut body, "dont_know", &r.dont_know);
    if !r.imprecise.is_empty() {
        questions(&mut body, "imprecise", &r.imprecise);
    }
    waivers(&mut body, r);
    appendix(&mut body, r);
    contents(&mut w, &body.toc);
    let children = body.docx.document.children;
    w.docx.document.children.extend(children);
    w.docx
}

/// The Word document of one set of answers assessed against several packs, before packaging:
/// a cover with the overall verdict and one line per pack; the overall verdict with each
/// pack's verdict, score and coverage; the one plan across packs (an action closing rules of
/// several packs names them all); the answers that decide rules in several packs; then each
/// pack's part (verdict and scores, limits, findings, recommendations, open questions, waivers)
/// and the method.
pub fn build_set(s: &SetView, lang: Lang, brand: &Brand) -> Docx {
    let mut w = writer(lang, brand, true);
    header_footer(&mut w, &s.header.name, brand);
    set_cover(&mut w, s, brand);
    let mut body = body_writer(lang, brand);
    set_overall(&mut body, s);
    set_plan(&mut body, s);
    set_shared(&mut body, s);
    for r in &s.reports {
        body.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
        let title = format!(
            "{}: {} ({} {})",
            body.t(&s_text(s, "pack")),
            body.t(&r.header.pack_title),
            r.header.pack_id,
            r.header.pack_version
        );
        body.heading(1, title);
        body.shift = 1;
        verdict(&mut body, r);
        limits(&mut body, r);
        gaps(&mut body, r);
        recommendations(&mut body, r);
        questions(&mut body, "open_questions", &r.open_questions);
        questions(&mut body, "dont_know", &r.dont_know);
        if !r.imprecise.is_empty() {
            questions(&mut body, "imprecise", &r.imprecise);
        }
        waivers(&mut body, r);
        body.shift = 0;
    }
    if let Some(r) = s.reports.first() {
        set_method(&mut body, r);
    }
    // The contents list the parts and their sections (levels 1 and 2, as the field does).
    let toc: Vec<(usize, String)> = body.toc.iter().filter(|(l, _)| *l <= 2).cloned().collect();
    contents(&mut w, &toc);
    let children = body.docx.document.children;
    w.docx.document.children.extend(children);
    w.docx
}

/// A text of the set report (`render::set`'s texts).
fn s_text(s: &SetView, key: &str) -> Text {
    s.text
        .get(key)
        .cloned()
        .unwrap_or_else(|| Text::new(key, key))
}

/// The cover's colour for a verdict.
fn verdict_fill(status: &str) -> &'static str {
    match status {
        "not_compliant" => "FDECEC",
        "undecided" | "waived" => "FFF4E5",
        "compliant" => "E8F5EC",
        _ => "F4F6F9",
    }
}

/// The cover's opening lines: the firm (when branded), the subtitle, the title and the
/// organisation's name.
fn cover_titles(w: &mut Writer<'_>, brand: &Brand, title: String, name: &str) {
    if let Some(firm) = &brand.firm {
        w.push(
            Paragraph::new()
                .style("Subtitle")
                .add_run(Run::new().add_text(firm).bold().color(w.accent)),
        );
    }
    let sub = w.l("subtitle");
    w.push(
        Paragraph::new()
            .style("Subtitle")
            .add_run(Run::new().add_text(sub)),
    );
    w.push(
        Paragraph::new()
            .style("Title")
            .add_run(Run::new().add_text(title)),
    );
    w.push(Paragraph::new().add_run(Run::new().add_text(name).size(32).bold()));
}

/// The cover's verdict box: one shaded cell across the text width.
fn verdict_box(w: &mut Writer<'_>, cell: TableCell) {
    w.push_table(
        Table::new(vec![TableRow::new(vec![cell]).cant_split()])
            .set_grid(vec![TEXT_W])
            .width(TEXT_W, WidthType::Dxa),
    );
}

/// The cover's facts (label, value) as a borderless table, the brand's confidentiality line
/// and the notice that closes the cover.
fn cover_facts(w: &mut Writer<'_>, meta: Vec<(String, String)>, brand: &Brand, notice: &Text) {
    w.push(Paragraph::new());
    let rows = meta
        .into_iter()
        .map(|(k, v)| {
            TableRow::new(vec![
                TableCell::new().width(2800, WidthType::Dxa).add_paragraph(
                    Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(k).color(GREY)),
                ),
                TableCell::new()
                    .width(TEXT_W - 2800, WidthType::Dxa)
                    .add_paragraph(w.cell_text(&v)),
            ])
            .cant_split()
        })
        .collect();
    w.push_table(
        Table::without_borders(rows)
            .set_grid(vec![2800, TEXT_W - 2800])
            .width(TEXT_W, WidthType::Dxa),
    );
    if let Some(c) = &brand.confidentiality {
        w.push(
            Paragraph::new()
                .style("Notice")
                .add_run(Run::new().add_text(c).color(RED)),
        );
    }
    let p = w
        .runs(notice)
        .into_iter()
        .fold(Paragraph::new().style("Notice"), |p, x| p.add_run(x));
    w.push(p);
}

fn set_cover(w: &mut Writer<'_>, s: &SetView, brand: &Brand) {
    let h = &s.header;
    let title = w.t(&s_text(s, "title"));
    cover_titles(w, brand, title, &h.name);
    // The overall verdict, then one line per pack: its verdict, coverage and score.
    let mut cell = TableCell::new()
        .width(TEXT_W, WidthType::Dxa)
        .shading(Shading::new().fill(verdict_fill(s.overall.status)));
    cell = cell.add_paragraph(
        Paragraph::new()
            .line_spacing(LineSpacing::new().before(80))
            .add_run(Run::new().add_text(format!("{}: ", w.t(&s_text(s, "overall")))))
            .add_run(
                Run::new()
                    .add_text(w.t(&s.overall.headline))
                    .bold()
                    .size(30),
            ),
    );
    for p in &s.packs {
        let line = format!(
            "{} ({} {}): {}\u{a0}\u{a0}·\u{a0}\u{a0}{}: {}\u{a0}\u{a0}·\u{a0}\u{a0}{}: {}",
            w.t(&p.title),
            p.id,
            p.version,
            w.t(&p.verdict.headline),
            w.t(&s_text(s, "coverage")),
            Writer::pct(p.score.coverage),
            w.t(&s_text(s, "score")),
            Writer::pct(p.score.score)
        );
        cell = cell.add_paragraph(Paragraph::new().add_run(Run::new().add_text(line)));
    }
    cell = cell.add_paragraph(
        w.runs(&s_text(s, "overall_help"))
            .into_iter()
            .fold(Paragraph::new().style("Small"), |p, x| p.add_run(x)),
    );
    verdict_box(w, cell);
    let person = |p: &Option<hegui_report::render::view::PersonView>| match p {
        Some(p) => match &p.title {
            Some(t) => format!("{}({t})", p.name),
            None => p.name.clone(),
        },
        None => "—".to_string(),
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    let sep = if w.lang == Lang::En { "; " } else { "；" };
    let mut meta: Vec<(String, String)> = vec![
        (w.l("credit_code"), dash(&h.credit_code)),
        (w.l("region_code"), dash(&h.region_code)),
    ];
    if let Some(i) = &h.industry {
        meta.push((w.l("industry"), i.clone()));
    }
    meta.push((w.l("prepared_by"), person(&h.prepared_by)));
    meta.push((w.l("responsible_person"), person(&h.responsible_person)));
    meta.push((w.l("assessment_date"), h.assessment_date.to_string()));
    meta.push((
        w.t(&s_text(s, "packs")),
        s.packs
            .iter()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect::<Vec<_>>()
            .join(sep),
    ));
    meta.push((w.t(&s_text(s, "answered_for")), s.answered_for.join(sep)));
    if !s.ignored_answers.is_empty() {
        meta.push((w.t(&s_text(s, "ignored")), s.ignored_answers.join(sep)));
    }
    meta.push((w.l("answers_digest"), h.answers_digest.clone()));
    if h.waivers_ignored {
        meta.push((w.l("waivers_ignored"), w.l("waivers_ignored_note")));
    }
    if let Some(g) = &h.generated_at {
        meta.push((w.l("generated_at"), g.clone()));
    }
    cover_facts(w, meta, brand, &s_text(s, "disclaimer"));
}

/// The overall verdict and each pack's verdict, score and coverage.
fn set_overall(w: &mut Writer<'_>, s: &SetView) {
    w.heading(1, w.t(&s_text(s, "overall")));
    w.push(Paragraph::new().add_run(Run::new().add_text(w.t(&s.overall.headline)).bold()));
    w.small(&s_text(s, "overall_help"));
    let head = [
        w.t(&s_text(s, "pack")),
        w.t(&s_text(s, "answered")),
        w.t(&s_text(s, "verdict")),
        w.t(&s_text(s, "score")),
        w.t(&s_text(s, "coverage")),
    ];
    let rows = s
        .packs
        .iter()
        .map(|p| {
            vec![
                vec![
                    w.cell_runs(&p.title),
                    Paragraph::new().style("TableText").add_run(
                        Run::new()
                            .add_text(format!("{} {}", p.id, p.version))
                            .color(GREY),
                    ),
                ],
                vec![w.cell_runs(&if p.answered {
                    s_text(s, "yes")
                } else {
                    s_text(s, "not_answered")
                })],
                vec![w.cell_runs(&p.verdict.headline)],
                w.n(Writer::pct(p.score.score)),
                w.n(Writer::pct(p.score.coverage)),
            ]
        })
        .collect();
    let t = w.table(&[5, 4, 3, 2, 2], &head, rows);
    w.push_table(t);
    let head = [
        w.t(&s_text(s, "pack")),
        w.t(&s_text(s, "library")),
        w.t(&s_text(s, "digest")),
    ];
    let rows = s
        .packs
        .iter()
        .map(|p| {
            vec![
                vec![w.cell_text(&format!("{} {}", p.id, p.version))],
                vec![w.cell_text(p.library.as_deref().unwrap_or("—"))],
                vec![w.cell_text(&p.digest)],
            ]
        })
        .collect();
    let t = w.table(&[3, 3, 8], &head, rows);
    w.push_table(t);
}

/// A rule of some pack with the items that fail it (apps named `name · platform · version`).
fn pack_rule_line(w: &Writer<'_>, r: &PackRule) -> Paragraph {
    let mut p = Paragraph::new()
        .style("TableText")
        .add_run(Run::new().add_text(format!("[{}] ", r.pack)).color(GREY))
        .add_run(Run::new().add_text(w.t(&r.title)))
        .add_run(Run::new().add_text(format!(" {}", r.rule_id)).color(GREY));
    if !r.items.is_empty() {
        let sep = if w.lang == Lang::En { "; " } else { "；" };
        p = p.add_run(
            Run::new()
                .add_text(format!(" ({})", r.items.join(sep)))
                .bold(),
        );
    }
    p
}

/// One plan across packs.
fn set_plan(w: &mut Writer<'_>, s: &SetView) {
    w.heading(1, w.t(&s_text(s, "plan")));
    w.small(&s_text(s, "plan_help"));
    if s.plan.is_empty() {
        w.para(&s_text(s, "no_gaps"));
        return;
    }
    let head = [
        "#".to_string(),
        w.t(&s_text(s, "due")),
        w.l("severity"),
        w.t(&s_text(s, "answers")),
        w.t(&s_text(s, "closes")),
        w.t(&s_text(s, "todo")),
    ];
    let rows = s
        .plan
        .iter()
        .enumerate()
        .map(|(i, x)| {
            vec![
                w.n(i + 1),
                vec![w.cell_text(&x.due.map_or("—".to_string(), |d| d.to_string()))],
                vec![w.cell_runs(&x.severity_label)],
                x.answers.iter().map(|a| w.cell_text(a)).collect(),
                x.rules.iter().map(|r| pack_rule_line(w, r)).collect(),
                x.remediation.iter().map(|t| w.cell_runs(t)).collect(),
            ]
        })
        .collect();
    let t = w.table(&[1, 3, 2, 5, 6, 5], &head, rows);
    w.push_table(t);
}

/// The answers that decide rules in several packs.
fn set_shared(w: &mut Writer<'_>, s: &SetView) {
    if s.shared.is_empty() {
        return;
    }
    w.heading(1, w.t(&s_text(s, "shared")));
    let head = [w.t(&s_text(s, "question")), w.t(&s_text(s, "rules"))];
    let rows = s
        .shared
        .iter()
        .map(|q| {
            vec![
                vec![
                    w.cell_runs(&q.label),
                    Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(&q.question).color(GREY)),
                ],
                q.rules
                    .iter()
                    .map(|r| {
                        let outcome = w.t(&labels::outcome(r.outcome.name()));
                        pack_rule_line(w, r).add_run(Run::new().add_text(format!(" — {outcome}")))
                    })
                    .collect(),
            ]
        })
        .collect();
    let t = w.table(&[2, 3], &head, rows);
    w.push_table(t);
}

/// The method (weights and deadlines) and the notice, once for every pack.
fn set_method(w: &mut Writer<'_>, r: &Report) {
    w.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
    w.heading(1, format!("{} A. {}", w.l("appendix"), w.l("method")));
    method(w, r);
}

/// The method's text, its table of severities (weight, deadline) and the closing notice.
fn method(w: &mut Writer<'_>, r: &Report) {
    w.para(&label("method_text"));
    let head = [w.l("severity"), w.l("weight"), w.l("deadline_days")];
    let rows = r
        .severities
        .iter()
        .map(|s| {
            vec![
                vec![w.cell_runs(&s.label)],
                w.n(s.weight),
                w.n(s.deadline_days),
            ]
        })
        .collect();
    let t = w.table(&[4, 2, 2], &head, rows);
    w.push_table(t);
    let notice = label("notice");
    let p = w
        .runs(&notice)
        .into_iter()
        .fold(Paragraph::new().style("Notice"), |p, x| p.add_run(x));
    w.push(p);
}

fn header_footer(w: &mut Writer<'_>, name: &str, brand: &Brand) {
    let title = w.l("title");
    let text = brand
        .header
        .clone()
        .or_else(|| brand.firm.clone())
        .unwrap_or_else(|| format!("{title} — {name}"));
    let mut hp = Paragraph::new().style("Header");
    if let Some(logo) = &brand.logo {
        // 0.9 cm high, at most 5 cm wide, in the picture's proportions.
        let h_emu: u64 = 324_000;
        let w_emu = (h_emu * u64::from(logo.width) / u64::from(logo.height.max(1))).min(1_800_000);
        let h_emu = if w_emu == 1_800_000 {
            1_800_000 * u64::from(logo.height) / u64::from(logo.width.max(1))
        } else {
            h_emu
        };
        let pic = Pic::new_with_dimensions(logo.bytes.clone(), logo.width, logo.height)
            .id("rIdImage1")
            .size(
                u32::try_from(w_emu).unwrap_or(u32::MAX),
                u32::try_from(h_emu).unwrap_or(u32::MAX),
            );
        hp = hp
            .add_run(Run::new().add_image(pic))
            .add_run(Run::new().add_text("\u{a0}\u{a0}"));
    }
    hp = hp.add_run(Run::new().add_text(text));
    w.docx = std::mem::take(&mut w.docx).header(Header::new().add_paragraph(hp));

    let mut footer = Footer::new();
    if let Some(c) = &brand.confidentiality {
        footer = footer.add_paragraph(
            Paragraph::new()
                .style("Footer")
                .align(AlignmentType::Center)
                .add_run(Run::new().add_text(c).bold()),
        );
    }
    let mut fp = Paragraph::new()
        .style("Footer")
        .align(AlignmentType::Center);
    if let Some(f) = &brand.footer {
        fp = fp.add_run(Run::new().add_text(format!("{f}\u{a0}\u{a0}·\u{a0}\u{a0}")));
    }
    let page_of = |fp: Paragraph, (before, middle, after): (&str, &str, &str)| {
        fp.add_run(Run::new().add_text(before))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(middle))
            .add_num_pages(NumPages::new())
            .add_run(Run::new().add_text(after))
    };
    let zh = ("第 ", " 页，共 ", " 页");
    let en = ("Page ", " of ", "");
    fp = match w.lang {
        Lang::Zh => page_of(fp, zh),
        Lang::En => page_of(fp, en),
        Lang::Both => page_of(page_of(fp, zh).add_run(Run::new().add_text(" / ")), en),
    };
    footer = footer.add_paragraph(fp).add_paragraph(
        Paragraph::new()
            .style("Footer")
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text(w.t(&short_notice()))),
    );
    w.docx = std::mem::take(&mut w.docx).footer(footer);
}

/// The one-line notice of every page's footer.
fn short_notice() -> Text {
    Text::new(
        "合规自评辅助材料，不构成法律意见",
        "A self-assessment aid, not legal advice",
    )
}

fn cover(w: &mut Writer<'_>, r: &Report, brand: &Brand) {
    let h = &r.header;
    let title = w.l("title");
    cover_titles(w, brand, title, &h.name);
    let pt = w.t(&h.pack_title);
    w.push(
        Paragraph::new()
            .style("Small")
            .add_run(Run::new().add_text(pt)),
    );

    // The verdict first, with the counts behind it.
    let fill = verdict_fill(r.verdict.status.name());
    let s = &r.score;
    // Coverage before the score, and the score under the report's own label (which says
    // "decided rules only" while coverage is below 100 %), as in the HTML headline.
    let mut kpi = vec![
        format!(
            "{}: {} ({}/{})",
            w.l("coverage"),
            Writer::pct(s.coverage),
            s.decided,
            s.applicable
        ),
        format!(
            "{}: {} ({}/{})",
            w.t(&r.score_label),
            Writer::pct(s.score),
            s.earned,
            s.possible
        ),
    ];
    if s.undecided > 0 {
        kpi.push(format!("{}: {}", w.l("undecided"), s.undecided));
    }
    let mut cell = TableCell::new()
        .width(TEXT_W, WidthType::Dxa)
        .shading(Shading::new().fill(fill));
    cell = cell.add_paragraph(
        Paragraph::new()
            .line_spacing(LineSpacing::new().before(80))
            .add_run(
                Run::new()
                    .add_text(w.t(&r.verdict.headline))
                    .bold()
                    .size(30),
            ),
    );
    cell = cell.add_paragraph(
        w.runs(&r.verdict.detail)
            .into_iter()
            .fold(Paragraph::new(), |p, x| p.add_run(x)),
    );
    cell = cell.add_paragraph(
        Paragraph::new()
            .line_spacing(LineSpacing::new().before(80))
            .add_run(
                Run::new()
                    .add_text(kpi.join("\u{a0}\u{a0}·\u{a0}\u{a0}"))
                    .bold(),
            ),
    );
    verdict_box(w, cell);

    // The cover's facts.
    let person = |p: &Option<hegui_report::render::view::PersonView>| match p {
        Some(p) => match &p.title {
            Some(t) => format!("{}({t})", p.name),
            None => p.name.clone(),
        },
        None => "—".to_string(),
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    let mut meta: Vec<(String, String)> = vec![
        (w.l("credit_code"), dash(&h.credit_code)),
        (w.l("region_code"), dash(&h.region_code)),
    ];
    if let Some(i) = &h.industry {
        meta.push((w.l("industry"), i.clone()));
    }
    meta.push((w.l("prepared_by"), person(&h.prepared_by)));
    meta.push((w.l("responsible_person"), person(&h.responsible_person)));
    meta.push((w.l("assessment_date"), h.assessment_date.to_string()));
    meta.push((w.l("pack"), format!("{} {}", h.pack_id, h.pack_version)));
    meta.push((w.l("pack_digest"), h.pack_digest.clone()));
    meta.push((w.l("answers_digest"), h.answers_digest.clone()));
    if !h.scopes.is_empty() {
        let sep = if w.lang == Lang::En { "; " } else { "；" };
        let scopes: Vec<String> = h.scopes.iter().map(|s| w.t(s)).collect();
        meta.push((w.l("scopes"), scopes.join(sep)));
    }
    if h.waivers_ignored {
        meta.push((w.l("waivers_ignored"), w.l("waivers_ignored_note")));
    }
    if !h.ignored_answers.is_empty() {
        let sep = if w.lang == Lang::En { "; " } else { "；" };
        meta.push((w.l("answered_for"), h.answered_for.join(sep)));
        meta.push((w.l("ignored_answers"), h.ignored_answers.join(sep)));
    }
    if let Some(g) = &h.generated_at {
        meta.push((w.l("generated_at"), g.clone()));
    }
    cover_facts(w, meta, brand, &label("notice"));
}

/// The contents: a TOC field over heading levels 1–2, its result filled with the headings
/// (without page numbers; Word and WPS fill them in when the field is updated, which the
/// field's dirty flag asks for on opening).
fn contents(w: &mut Writer<'_>, toc: &[(usize, String)]) {
    let title = w.l("contents");
    w.push(
        Paragraph::new()
            .style("TOCHeading")
            .page_break_before(true)
            .add_run(Run::new().add_text(title)),
    );
    let field = InstrToC::new()
        .heading_styles_range(1, 2)
        .hyperlink()
        .hide_tab_and_page_numbers_in_webview()
        .use_applied_paragraph_line_level();
    let begin = Run::new()
        .add_field_char(FieldCharType::Begin, true)
        .add_instr_text(InstrText::TOC(field))
        .add_field_char(FieldCharType::Separate, false);
    let end = Run::new().add_field_char(FieldCharType::End, false);
    let n = toc.len();
    if n == 0 {
        w.push(Paragraph::new().add_run(begin).add_run(end));
        return;
    }
    let mut begin = Some(begin);
    let mut end = Some(end);
    for (i, (level, text)) in toc.iter().enumerate() {
        let mut p = Paragraph::new().style(&format!("TOC{level}"));
        if let Some(b) = begin.take() {
            p = p.add_run(b);
        }
        p = p.add_run(Run::new().add_text(text));
        if i + 1 == n
            && let Some(e) = end.take()
        {
            p = p.add_run(e);
        }
        w.push(p);
    }
    // The body starts on a new page.
    w.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
}

fn verdict(w: &mut Writer<'_>, r: &Report) {
    w.heading(1, w.l("verdict"));
    let mut p = Paragraph::new().add_run(Run::new().add_text(w.t(&r.verdict.headline)).bold());
    p = p.add_run(Run::new().add_text(" — "));
    for x in w.runs(&r.verdict.detail) {
        p = p.add_run(x);
    }
    w.push(p);
    let help = Text::new(
        format!(
            "{}：{}。{}：{}。",
            label("score").zh,
            label("score_help").zh,
            label("coverage").zh,
            label("coverage_help").zh
        ),
        format!(
            "{}: {}. {}: {}.",
            label("score").en,
            label("score_help").en,
            label("coverage").en,
            label("coverage_help").en
        ),
    );
    w.small(&help);

    w.heading(2, w.l("counts"));
    let head = [w.l("outcome"), w.l("required"), w.l("recommended")];
    let rows = r
        .counts
        .iter()
        .map(|c| {
            vec![
                vec![
                    Paragraph::new()
                        .style("TableText")
                        .add_run(outcome_run(w, c.outcome, &c.label)),
                ],
                w.n(c.required),
                w.n(c.recommended),
            ]
        })
        .collect();
    let t = w.table(&[4, 2, 2], &head, rows);
    w.push_table(t);

    w.heading(2, w.l("by_severity"));
    let head = [
        w.l("severity"),
        w.l("weight"),
        w.l("applicable"),
        w.t(&labels::outcome("pass")),
        w.t(&labels::outcome("fail")),
        w.t(&labels::outcome("waived")),
        w.l("undecided"),
        w.l("score"),
    ];
    let rows = r
        .severities
        .iter()
        .map(|s| {
            vec![
                vec![w.cell_runs(&s.label)],
                w.n(s.weight),
                w.n(s.score.applicable),
                w.n(s.score.pass),
                w.n(s.score.fail),
                w.n(s.score.waived),
                w.n(s.score.undecided),
                w.n(Writer::pct(s.score.score)),
            ]
        })
        .collect();
    let t = w.table(&[3, 2, 2, 2, 2, 2, 2, 2], &head, rows);
    w.push_table(t);

    w.heading(2, w.l("by_section"));
    let head = [
        w.l("section"),
        w.l("applicable"),
        w.t(&labels::outcome("pass")),
        w.t(&labels::outcome("fail")),
        w.t(&labels::outcome("waived")),
        w.l("undecided"),
        w.l("score"),
        w.l("coverage"),
    ];
    let rows = r
        .sections
        .iter()
        .map(|s| {
            vec![
                vec![w.cell_runs(&s.title)],
                w.n(s.score.applicable),
                w.n(s.score.pass),
                w.n(s.score.fail),
                w.n(s.score.waived),
                w.n(s.score.undecided),
                w.n(Writer::pct(s.score.score)),
                w.n(Writer::pct(s.score.coverage)),
            ]
        })
        .collect();
    let t = w.table(&[6, 2, 2, 2, 2, 2, 2, 2], &head, rows);
    w.push_table(t);
}

fn limits(w: &mut Writer<'_>, r: &Report) {
    w.heading(1, w.l("limits"));
    w.small(&label("limits_help"));
    for n in &r.limits.notes {
        let p = w.bullet(w.runs(n), "Normal");
        w.push(p);
    }
    if !r.limits.known_gaps.is_empty() {
        w.push(
            Paragraph::new()
                .keep_next(true)
                .add_run(Run::new().add_text(w.l("known_gaps")).bold()),
        );
        let head = [
            w.l("obligation"),
            w.l("source"),
            w.l("addressee"),
            w.l("why_not_encoded"),
        ];
        let rows = r
            .limits
            .known_gaps
            .iter()
            .map(|k| {
                vec![
                    vec![
                        w.cell_runs(&k.obligation),
                        Paragraph::new()
                            .style("TableText")
                            .add_run(Run::new().add_text(&k.id).color(GREY)),
                    ],
                    vec![w.cell_runs(&k.cite)],
                    vec![w.cell_runs(&k.addressee_label)],
                    vec![w.cell_runs(&k.why_not_encoded)],
                ]
            })
            .collect();
        let t = w.table(&[4, 3, 2, 4], &head, rows);
        w.push_table(t);
    }
    if !r.limits.government_items.is_empty() {
        let sep = if w.lang == Lang::En { ", " } else { "、" };
        let items: Vec<String> = r.limits.government_items.iter().map(|i| w.t(i)).collect();
        let text = format!("{}: {}", w.l("government_items"), items.join(sep));
        w.push(
            Paragraph::new()
                .style("Small")
                .add_run(Run::new().add_text(text)),
        );
    }
}

fn due_text(w: &Writer<'_>, g: &Gap) -> String {
    let due = g.due.map_or("—".to_string(), |d| d.to_string());
    if g.due_basis == Some("waiver") {
        format!("{due} ({})", w.l("due_waiver"))
    } else {
        due
    }
}

fn plan(w: &mut Writer<'_>, r: &Report) {
    if !w.section("plan", r.gaps.is_empty(), "no_gaps") {
        return;
    }
    let head = [
        "#".to_string(),
        w.l("rule"),
        w.l("severity"),
        w.l("outcome"),
        w.l("due"),
    ];
    let rows = r
        .gaps
        .iter()
        .enumerate()
        .map(|(i, g)| {
            vec![
                w.n(i + 1),
                rule_cell(w, &g.title, &g.rule_id),
                vec![w.cell_runs(&g.severity_label)],
                outcome_cell(w, g.outcome.name(), &g.outcome_label),
                vec![w.cell_text(&due_text(w, g))],
            ]
        })
        .collect();
    let t = w.table(&[1, 8, 2, 2, 3], &head, rows);
    w.push_table(t);
}

fn gaps(w: &mut Writer<'_>, r: &Report) {
    w.heading(1, w.l("gaps"));
    if r.gaps.is_empty() {
        w.para(&label("no_gaps"));
        return;
    }
    w.small(&label("gaps_help"));
    for (i, g) in r.gaps.iter().enumerate() {
        w.heading(2, format!("{}. {}", i + 1, w.t(&g.title)));
        let facts = [
            w.t(&g.severity_label),
            w.t(&g.outcome_label),
            format!("{}: {}", w.l("due"), due_text(w, g)),
            w.t(&g.section_title),
            g.rule_id.clone(),
        ];
        w.push(
            Paragraph::new()
                .style("Small")
                .keep_next(true)
                .add_run(Run::new().add_text(facts.join("\u{a0}\u{a0}·\u{a0}\u{a0}"))),
        );
        let mut rows: Vec<(String, Vec<Paragraph>)> = Vec::new();
        let why_line = |x: &hegui_report::render::view::Why, with_condition: bool| {
            let mut p = Paragraph::new()
                .style("TableText")
                .add_run(Run::new().add_text(w.t(&x.label)));
            if let Some(item) = &x.item {
                p = p.add_run(Run::new().add_text(format!(" [{item}]")).bold());
            }
            p = p
                .add_run(Run::new().add_text(format!(": {} ", w.l("answer"))))
                .add_run(Run::new().add_text(w.t(&x.answer)).bold())
                .add_run(Run::new().add_text(format!(" — {}", w.t(&x.result_label))));
            if with_condition {
                p = p.add_run(
                    Run::new()
                        .add_text(format!("  {}", x.condition))
                        .color(GREY)
                        .size(16),
                );
            }
            p
        };
        if let Some(reason) = &g.reason {
            rows.push((w.l("main_reason"), vec![why_line(reason, false)]));
        }
        if let Some(imprecise) = &g.imprecise {
            rows.push((w.l("main_reason"), vec![why_line(imprecise, false)]));
        }
        rows.push((
            w.l("why"),
            g.why.iter().map(|x| why_line(x, true)).collect(),
        ));
        if !g.items.is_empty() {
            let sep = if w.lang == Lang::En { "; " } else { "；" };
            rows.push((w.l("failing_items"), vec![w.cell_text(&g.items.join(sep))]));
        }
        let mut source = vec![
            Paragraph::new()
                .style("TableText")
                .add_run(Run::new().add_text(format!(
                    "{} {} ({})",
                    w.t(&g.source.document_title),
                    w.t(&g.source.clause_label),
                    w.t(&g.source.kind_label)
                ))),
            Paragraph::new()
                .style("Quote")
                .add_run(Run::new().add_text(&g.source.quote)),
        ];
        if let Some(b) = &g.basis_after_source {
            source.push(
                Paragraph::new()
                    .style("TableText")
                    .add_run(Run::new().add_text(w.t(b)).italic()),
            );
        }
        rows.push((w.t(&g.source.heading), source));
        if !g.references.is_empty() {
            let refs = g
                .references
                .iter()
                .flat_map(|x| {
                    let mut tags = vec![w.t(&x.kind_label)];
                    if !x.binding {
                        tags.push(w.l("not_binding"));
                    }
                    if x.rating != "V" && x.rating != "V2" {
                        tags.push(format!("{} {}", w.l("rating"), x.rating));
                    }
                    let mut p = Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(w.t(&x.title)).bold())
                        .add_run(
                            Run::new()
                                .add_text(format!(" [{}]", tags.join("; ")))
                                .color(GREY),
                        )
                        .add_run(Run::new().add_text(format!(
                            " ({}) {}",
                            x.version,
                            w.t(&x.article_label)
                        )));
                    for (v, a) in &x.formerly_labels {
                        p = p.add_run(
                            Run::new()
                                .add_text(format!(" ({} {v} {})", w.l("formerly"), w.t(a)))
                                .color(GREY),
                        );
                    }
                    if !x.in_force {
                        p = p.add_run(
                            Run::new().add_text(format!(" — {}", w.l("law_not_in_force"))),
                        );
                    }
                    let mut out = vec![p];
                    if let Some(note) = &x.note {
                        out.push(
                            Paragraph::new()
                                .style("TableText")
                                .add_run(Run::new().add_text(w.t(note)).color(GREY)),
                        );
                    }
                    out
                })
                .collect();
            rows.push((w.l("law"), refs));
        }
        rows.push((
            w.l("evidence"),
            g.evidence
                .iter()
                .map(|e| w.bullet(w.runs(e), "TableText"))
                .collect(),
        ));
        rows.push((w.l("remediation"), vec![w.cell_runs(&g.remediation)]));
        if let Some(wv) = &g.waiver {
            rows.push((
                w.l("waivers"),
                vec![
                    Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(w.t(&wv.status_label)).bold())
                        .add_run(Run::new().add_text(format!(" — {}", w.t(&wv.note)))),
                ],
            ));
        }
        let rows: Vec<TableRow> = rows
            .into_iter()
            .map(|(k, ps)| {
                let ps = if ps.is_empty() {
                    vec![w.cell_text("—")]
                } else {
                    ps
                };
                TableRow::new(vec![
                    TableCell::new()
                        .width(1900, WidthType::Dxa)
                        .shading(Shading::new().fill("F4F6F9"))
                        .add_paragraph(
                            Paragraph::new()
                                .style("TableText")
                                .add_run(Run::new().add_text(k).bold()),
                        ),
                    ps.into_iter().fold(
                        TableCell::new().width(TEXT_W - 1900, WidthType::Dxa),
                        |c, p| c.add_paragraph(p),
                    ),
                ])
            })
            .collect();
        w.push_table(
            Table::new(rows)
                .set_grid(vec![1900, TEXT_W - 1900])
                .width(TEXT_W, WidthType::Dxa),
        );
    }
}

fn recommendations(w: &mut Writer<'_>, r: &Report) {
    if !w.section("recommendations", r.recommendations.is_empty(), "no_gaps") {
        return;
    }
    let head = [
        w.l("rule"),
        w.l("outcome"),
        w.l("remediation"),
        w.l("clause"),
    ];
    let rows = r
        .recommendations
        .iter()
        .map(|g| {
            vec![
                rule_cell(w, &g.title, &g.rule_id),
                outcome_cell(w, g.outcome.name(), &g.outcome_label),
                vec![w.cell_runs(&g.remediation)],
                vec![w.cell_text(&format!(
                    "{} {}",
                    w.t(&g.source.heading),
                    w.t(&g.source.clause_label)
                ))],
            ]
        })
        .collect();
    let t = w.table(&[4, 2, 6, 3], &head, rows);
    w.push_table(t);
}

fn questions(w: &mut Writer<'_>, key: &str, sections: &[QuestionSection]) {
    if !w.section(key, sections.is_empty(), "no_gaps") {
        return;
    }
    for s in sections {
        w.push(
            Paragraph::new()
                .style(&format!("Heading{}", 3 + w.shift))
                .keep_next(true)
                .add_run(Run::new().add_text(w.t(&s.title))),
        );
        let head = [w.l("question"), w.l("decides")];
        let rows = s
            .questions
            .iter()
            .map(|q| {
                let mut first = vec![
                    w.cell_runs(&q.label),
                    Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(&q.id).color(GREY)),
                ];
                // An imprecise date: the answer as written.
                if !q.answers.is_empty() {
                    first.push(
                        Paragraph::new()
                            .style("TableText")
                            .add_run(Run::new().add_text(format!("{} ", w.l("answer"))))
                            .add_run(Run::new().add_text(q.answers.join("; ")).bold()),
                    );
                }
                vec![
                    first,
                    q.rules
                        .iter()
                        .map(|x| {
                            let tag = if x.level == hegui_core::model::Level::Required {
                                w.t(&x.severity_label)
                            } else {
                                w.t(&x.level_label)
                            };
                            w.bullet(
                                vec![
                                    Run::new().add_text(w.t(&x.title)),
                                    Run::new().add_text(format!(" [{tag}]")).color(GREY),
                                ],
                                "TableText",
                            )
                        })
                        .collect(),
                ]
            })
            .collect();
        let t = w.table(&[1, 1], &head, rows);
        w.push_table(t);
    }
}

fn waivers(w: &mut Writer<'_>, r: &Report) {
    if !w.section("waivers", r.waivers.is_empty(), "no_waivers") {
        return;
    }
    let head = [
        w.l("rule"),
        w.l("status"),
        w.l("justification"),
        w.l("approved_by"),
        w.l("expires"),
        w.l("note"),
    ];
    let rows = r
        .waivers
        .iter()
        .map(|x| {
            vec![
                rule_cell(w, &x.title, &x.rule_id),
                vec![
                    Paragraph::new()
                        .style("TableText")
                        .add_run(Run::new().add_text(w.t(&x.status_label)).bold()),
                    Paragraph::new().style("TableText").add_run(outcome_run(
                        w,
                        x.outcome.name(),
                        &x.outcome_label,
                    )),
                ],
                vec![w.cell_text(&x.justification)],
                vec![w.cell_text(&x.approved_by)],
                vec![w.cell_text(&x.expires.to_string())],
                vec![w.cell_runs(&x.note)],
            ]
        })
        .collect();
    let t = w.table(&[3, 2, 3, 2, 2, 3], &head, rows);
    w.push_table(t);
}

fn appendix(w: &mut Writer<'_>, r: &Report) {
    let a = w.l("appendix");
    w.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
    w.heading(1, format!("{a} A. {}", w.l("traceability")));
    let head = [
        w.l("clause"),
        w.l("rule"),
        format!("{}/{}", w.l("required"), w.l("recommended")),
        w.l("outcome"),
    ];
    let rows = r
        .trace
        .iter()
        .map(|t| {
            vec![
                vec![w.cell_text(&format!("{} {}", t.document, t.clause))],
                rule_cell(w, &t.title, &t.rule_id),
                vec![w.cell_runs(&t.level_label)],
                outcome_cell(w, t.outcome.name(), &t.outcome_label),
            ]
        })
        .collect();
    let t = w.table(&[3, 7, 2, 2], &head, rows);
    w.push_table(t);

    w.heading(1, format!("{a} B. {}", w.l("method")));
    method(w, r);
}
