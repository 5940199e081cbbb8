//! `notices`: per-organisation rectification reminders, listing each required duty the
//! organisation's own answers fail, with its national legal basis (never the provincial source
//! text) and the round's rectification deadline: Markdown and HTML from templates
//! (`templates/notice.md.j2`, `templates/notice.html.j2`) and a Word document built from the
//! same data, branded by `word.yaml` as the Word report is. Issuing authority, document number,
//! date and signature are fields; the text says it rests on the self-assessment and is an aid,
//! not legal advice, not an administrative order or penalty decision.

use crate::packs;
use crate::store::{self, Campaign, Result, db_err};
use hegui_core::eval::assess::{AssessOptions, Outcome};
use hegui_core::model::Level;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The template fields a regulator fills in.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NoticeFields {
    /// Issuing authority (发文机关).
    pub authority: Option<String>,
    /// Document number (文号).
    pub doc_number: Option<String>,
    /// Date of issue.
    pub date: Option<String>,
    /// Signature block.
    pub signature: Option<String>,
}

/// A form notices are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeFormat {
    /// Markdown (`.md`).
    Markdown,
    /// HTML (`.html`).
    Html,
    /// Word (`.docx`).
    Docx,
}

impl NoticeFormat {
    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            NoticeFormat::Markdown => "md",
            NoticeFormat::Html => "html",
            NoticeFormat::Docx => "docx",
        }
    }
}

/// What `notices` writes and how.
#[derive(Clone, Debug)]
pub struct NoticeOptions {
    /// Authority, document number, date, signature.
    pub fields: NoticeFields,
    /// The forms (default Markdown and HTML).
    pub formats: Vec<NoticeFormat>,
    /// Branding of the Word notices (`word.yaml` of `--templates`).
    pub brand: hegui_word::Brand,
}

/// One required duty the answers fail.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// Rule id.
    pub rule: String,
    /// For several packs: the pack the rule belongs to.
    pub pack: Option<String>,
    /// Title (zh).
    pub title_zh: String,
    /// Title (en).
    pub title_en: String,
    /// Severity.
    pub severity: String,
    /// National legal basis: the binding instruments the rule cites, with the article in force.
    pub basis: Vec<String>,
    /// How to fix (zh).
    pub remediation_zh: String,
    /// How to fix (en).
    pub remediation_en: String,
}

#[derive(Serialize)]
struct OrgView {
    name: String,
    org_key: String,
}

/// One notice's data: what every form shows.
struct Notice<'a> {
    org: OrgView,
    round: i64,
    assessment_date: String,
    rectify_by: Option<&'a str>,
    gaps: Vec<Gap>,
    fields: &'a NoticeFields,
}

/// What `notices` wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Noticed {
    /// Organisations given a notice.
    pub organisations: usize,
    /// The directory written.
    pub dir: PathBuf,
}

fn environment() -> Result<minijinja::Environment<'static>> {
    let mut env = minijinja::Environment::new();
    for name in ["notice.md.j2", "notice.html.j2"] {
        let text = hegui_report::templates::template(name)
            .ok_or_else(|| format!("template `{name}` is missing"))?;
        env.add_template(name, text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html.j2") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    Ok(env)
}

/// The required duties `a` fails, with their national legal basis.
fn gaps(a: &hegui_core::eval::assess::Assessment, pack: &hegui_core::model::Pack) -> Vec<Gap> {
    a.findings()
        .filter(|f| f.outcome == Outcome::Fail && f.level == Level::Required)
        .map(|f| Gap {
            rule: f.rule_id.clone(),
            pack: pack
                .members
                .iter()
                .find(|m| m.rules.contains(&f.rule_id))
                .map(|m| format!("{} {}", m.id, m.version)),
            title_zh: f.title.zh.clone(),
            title_en: f.title.en.clone(),
            severity: packs::severity_name(f.severity),
            // National law only: the instruments that bind companies; the provincial
            // source text is context, never the basis.
            basis: f
                .references
                .iter()
                .filter(|r| r.binding)
                .map(|r| {
                    let n = hegui_core::model::Numbering::default_for(r.kind)
                        .article_number(&r.article);
                    format!("《{}》{}", r.title.zh, n.zh)
                })
                .collect(),
            remediation_zh: f.remediation.zh.clone(),
            remediation_en: f.remediation.en.clone(),
        })
        .collect()
}

/// Writes a notice for each organisation whose current submission in the round fails a
/// required rule, into `out` (default `DIR/notices/round-N`), in each form of `opts`.
pub fn notices(
    c: &Campaign,
    round: Option<i64>,
    opts: &NoticeOptions,
    out: Option<&Path>,
) -> Result<Noticed> {
    let round = match round {
        Some(r) => r,
        None => c.current_round()?,
    };
    let rectify_by: Option<String> = c
        .conn
        .query_row(
            "SELECT rectify_by FROM rounds WHERE number = ?1",
            [round],
            |r| r.get(0),
        )
        .map_err(|_| format!("没有第 {round} 轮 / no round {round}"))?;
    let pack = packs::joint(&packs::of_round(&c.conn, round)?)?;
    let pack = &*pack;
    let dir = out.map_or_else(
        || c.dir.join("notices").join(format!("round-{round}")),
        Path::to_path_buf,
    );
    store::private_dir(&c.dir.join("notices"))?;
    store::private_dir(&dir)?;
    let env = environment()?;
    let formats = if opts.formats.is_empty() {
        vec![NoticeFormat::Markdown, NoticeFormat::Html]
    } else {
        opts.formats.clone()
    };
    let mut stmt = c
        .conn
        .prepare(
            "SELECT o.org_key, o.name, s.path, f.bytes FROM current_submissions s
             JOIN organisations o ON o.id = s.org_id JOIN files f ON f.digest = s.file_digest
             WHERE s.round = ?1 AND s.failed_required > 0 ORDER BY o.roster_line, o.id",
        )
        .map_err(db_err)?;
    let mut rows = stmt.query([round]).map_err(db_err)?;
    let mut n = 0;
    let limits = hegui_core::Limits::default();
    while let Some(r) = rows.next().map_err(db_err)? {
        let org_key: String = r.get(0).map_err(db_err)?;
        let name: String = r.get(1).map_err(db_err)?;
        let path: String = r.get(2).map_err(db_err)?;
        let bytes: Vec<u8> = r.get(3).map_err(db_err)?;
        let loaded = hegui_batch::load_submission_bytes(&path, bytes, pack, &limits)
            .map_err(|e| e.join("\n"))?;
        let a = hegui_core::eval::assess::assess(
            pack,
            &loaded.facts,
            AssessOptions {
                ignore_waivers: true,
            },
        );
        let notice = Notice {
            org: OrgView {
                name,
                org_key: org_key.clone(),
            },
            round,
            assessment_date: loaded.facts.assessment_date.to_string(),
            rectify_by: rectify_by.as_deref(),
            gaps: gaps(&a, pack),
            fields: &opts.fields,
        };
        if notice.gaps.is_empty() {
            continue;
        }
        let stem: String = org_key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        for format in &formats {
            let bytes = match format {
                NoticeFormat::Markdown => render(&env, "notice.md.j2", &notice)?,
                NoticeFormat::Html => render(&env, "notice.html.j2", &notice)?,
                NoticeFormat::Docx => word::notice(&notice, &opts.brand)?,
            };
            store::private_write(&dir.join(format!("{stem}.{}", format.ext())), &bytes)?;
        }
        n += 1;
    }
    Ok(Noticed {
        organisations: n,
        dir,
    })
}

fn render(env: &minijinja::Environment<'_>, tmpl: &str, n: &Notice<'_>) -> Result<Vec<u8>> {
    let f = n.fields;
    let ctx = minijinja::context! {
        org => minijinja::value::Serde(&n.org),
        round => n.round,
        assessment_date => &n.assessment_date,
        rectify_by => n.rectify_by,
        gaps => minijinja::value::Serde(&n.gaps),
        authority => f.authority.clone(),
        doc_number => f.doc_number.clone(),
        date => f.date.clone(),
        signature => f.signature.clone(),
    };
    env.get_template(tmpl)
        .and_then(|t| t.render(&ctx))
        .map(String::into_bytes)
        .map_err(|e| format!("template {tmpl}: {e}"))
}

/// The Word notice: the same text as the templates, in an editable `.docx` with the Word
/// report's page, styles and packaging (a deterministic zip), branded by `word.yaml`.
mod word {
    use super::Notice;
    use crate::store::Result;
    use docx_rs::{AlignmentType, Docx, Footer, Header, PageMargin, Paragraph, Pic, Run};
    use hegui_word::Brand;
    use hegui_word::package;

    const PAGE_W: u32 = 11906;
    const PAGE_H: u32 = 16838;
    const MARGIN: i32 = 1418;

    fn para(style: &str, text: impl Into<String>) -> Paragraph {
        let p = Paragraph::new().add_run(Run::new().add_text(text.into()));
        if style == "Normal" { p } else { p.style(style) }
    }

    fn labelled(label: &str, value: impl Into<String>) -> Paragraph {
        Paragraph::new()
            .add_run(Run::new().add_text(label).bold())
            .add_run(Run::new().add_text(value.into()))
    }

    fn header_footer(docx: Docx, brand: &Brand) -> Docx {
        let text = brand
            .header
            .clone()
            .or_else(|| brand.firm.clone())
            .unwrap_or_else(|| "自查整改提示 Self-inspection rectification reminder".into());
        let mut hp = Paragraph::new().style("Header");
        if let Some(logo) = &brand.logo {
            // 0.9 cm high, at most 5 cm wide, in the picture's proportions (as the report).
            let h: u64 = 324_000;
            let w = (h * u64::from(logo.width) / u64::from(logo.height.max(1))).min(1_800_000);
            let h = if w == 1_800_000 {
                1_800_000 * u64::from(logo.height) / u64::from(logo.width.max(1))
            } else {
                h
            };
            let pic = Pic::new_with_dimensions(logo.bytes.clone(), logo.width, logo.height)
                .id("rIdImage1")
                .size(
                    u32::try_from(w).unwrap_or(u32::MAX),
                    u32::try_from(h).unwrap_or(u32::MAX),
                );
            hp = hp
                .add_run(Run::new().add_image(pic))
                .add_run(Run::new().add_text("\u{a0}\u{a0}"));
        }
        hp = hp.add_run(Run::new().add_text(text));
        let mut footer = Footer::new();
        if let Some(c) = &brand.confidentiality {
            footer = footer.add_paragraph(
                Paragraph::new()
                    .style("Footer")
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text(c).bold()),
            );
        }
        if let Some(f) = &brand.footer {
            footer = footer.add_paragraph(
                Paragraph::new()
                    .style("Footer")
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text(f)),
            );
        }
        docx.header(Header::new().add_paragraph(hp)).footer(footer)
    }

    /// The `.docx` bytes of notice `n`.
    pub(super) fn notice(n: &Notice<'_>, brand: &Brand) -> Result<Vec<u8>> {
        let f = n.fields;
        let authority = f
            .authority
            .clone()
            .unwrap_or_else(|| "（发文机关 Issuing authority）".into());
        let deadline_zh = n.rectify_by.unwrap_or("（整改期限 deadline）");
        let deadline_en = n.rectify_by.unwrap_or("(deadline)");
        let docx = Docx::new().page_size(PAGE_W, PAGE_H).page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(708)
                .footer(708),
        );
        let docx = hegui_word::document::styles(docx, &brand.accent, false);
        let mut docx = header_footer(docx, brand);
        docx = docx
            .add_paragraph(para("Title", authority.clone()).align(AlignmentType::Center))
            .add_paragraph(
                para(
                    "Subtitle",
                    "自查整改提示 Self-inspection rectification reminder",
                )
                .align(AlignmentType::Center),
            );
        if let Some(no) = &f.doc_number {
            docx = docx.add_paragraph(para("Normal", no.clone()).align(AlignmentType::Center));
        }
        docx = docx
            .add_paragraph(labelled(
                "致 To: ",
                format!("{}（{}）", n.org.name, n.org.org_key),
            ))
            .add_paragraph(para(
                "Normal",
                format!(
                    "根据贵单位在第 {} 轮自查中提交的自评答卷（评估基准日 {}），以下 {} 项法定义务的自评结果为“未满足”。请于 {deadline_zh} 前完成整改，并在下一轮自查中如实作答。",
                    n.round,
                    n.assessment_date,
                    n.gaps.len()
                ),
            ))
            .add_paragraph(para(
                "Normal",
                format!(
                    "Based on the self-assessment answers your organisation submitted in round {} (assessment date {}), the {} legal duties below were self-assessed as not met. Please rectify them by {deadline_en} and answer truthfully in the next round.",
                    n.round,
                    n.assessment_date,
                    n.gaps.len()
                ),
            ));
        for (i, g) in n.gaps.iter().enumerate() {
            docx = docx.add_paragraph(para(
                "Heading2",
                format!("{}. {} / {}", i + 1, g.title_zh, g.title_en),
            ));
            let mut rule = format!("{} · 严重程度 Severity: {}", g.rule, g.severity);
            if let Some(p) = &g.pack {
                rule.push_str(&format!(" · 规则包 Pack: {p}"));
            }
            docx = docx
                .add_paragraph(labelled("规则 Rule: ", rule))
                .add_paragraph(labelled("法律依据 Legal basis: ", g.basis.join("；")));
            let mut fix = g.remediation_zh.clone();
            if !g.remediation_en.is_empty() {
                fix.push_str(&format!(" / {}", g.remediation_en));
            }
            docx = docx.add_paragraph(labelled("整改建议 How to fix: ", fix));
        }
        docx = docx
            .add_paragraph(para(
                "Notice",
                "本提示依据贵单位自行填报的自评答卷生成，是自评辅助材料，不构成法律意见，也不是行政命令或处罚决定。",
            ))
            .add_paragraph(para(
                "Small",
                "This reminder rests on your organisation's own self-assessment answers. It is a self-assessment aid, not legal advice, and not an administrative order or penalty decision.",
            ));
        for line in [
            authority,
            f.date.clone().unwrap_or_else(|| "（日期 Date）".into()),
            f.signature
                .clone()
                .unwrap_or_else(|| "（签章 Signature）".into()),
        ] {
            docx = docx.add_paragraph(para("Normal", line).align(AlignmentType::Right));
        }
        let core = package::CoreProps {
            title: format!("自查整改提示 — {}", n.org.name),
            subject: n.org.name.clone(),
            creator: brand.firm.clone().unwrap_or_else(|| "hegui".to_string()),
            keywords: format!("round {}", n.round),
            description:
                "自评辅助材料，不是行政命令 / a self-assessment aid, not an administrative order"
                    .into(),
            created: None,
        };
        let custom = [
            ("Organisation", n.org.name.clone()),
            ("OrgKey", n.org.org_key.clone()),
            ("Round", n.round.to_string()),
            ("RectifyBy", n.rectify_by.unwrap_or_default().to_string()),
        ];
        let jpeg = brand
            .logo
            .as_ref()
            .is_some_and(|l| l.kind == package::ImageKind::Jpeg);
        let parts = package::parts(docx.build(), &core, &custom, jpeg);
        package::zip(&parts).map_err(|e| format!("Word 整改提示 notice: {e}"))
    }
}
