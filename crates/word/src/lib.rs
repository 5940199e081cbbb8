//! hegui-word: the gap report as a Word document (`hegui assess --format docx`,
//! `hegui batch --reports docx`).
//!
//! The document is built with docx-rs from the same view model as the HTML report
//! ([`hegui_report::render::view`]), so content and order match it. A4 portrait, page numbers,
//! a table-of-contents field, heading styles with outline levels, editable tables, East Asian
//! fonts named in the styles (宋体 body, 黑体 headings; no font is embedded), document
//! properties (title, organisation, pack and version). Branding comes from `word.yaml` in the
//! `--templates` directory ([`brand`]). The same input and options give the same bytes
//! ([`package`]).
#![warn(missing_docs)]

pub mod brand;
pub mod canon;
pub mod document;
pub mod package;
pub mod reference;

pub use brand::{Brand, BrandError};

use hegui_core::eval::assess::Assessment;
use hegui_core::model::Pack;
use hegui_core::text::{Lang, Text};
use hegui_report::render::labels::label;
use hegui_report::render::view::{self, Report, ReportOptions};

/// A Word report that could not be written.
#[derive(Debug)]
pub struct WordError(pub String);

impl std::fmt::Display for WordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Word 报告 report: {}", self.0)
    }
}

impl std::error::Error for WordError {}

/// The Word report of `a`, as the bytes of a `.docx` file.
pub fn report(
    a: &Assessment,
    pack: &Pack,
    lang: Lang,
    opts: &ReportOptions,
    brand: &Brand,
) -> Result<Vec<u8>, WordError> {
    let p = a
        .packs
        .iter()
        .find(|p| p.pack.id == pack.meta.id && p.pack.version == pack.meta.version)
        .ok_or_else(|| {
            WordError(format!(
                "结果中没有规则包 {id} {version} / the result holds no pack {id} {version}",
                id = pack.meta.id,
                version = pack.meta.version
            ))
        })?;
    from_view(&view::build(a, p, pack, opts), lang, brand)
}

/// The Word report of a report view.
pub fn from_view(r: &Report, lang: Lang, brand: &Brand) -> Result<Vec<u8>, WordError> {
    let docx = document::build(r, lang, brand);
    let pick = |x: &Text| match lang {
        Lang::En => x.en.clone(),
        _ => x.zh.clone(),
    };
    let h = &r.header;
    let title = format!("{} — {}", pick(&label("title")), h.name);
    let core = package::CoreProps {
        title,
        subject: h.name.clone(),
        creator: brand.firm.clone().unwrap_or_else(|| "hegui".to_string()),
        keywords: format!("{} {}", h.pack_id, h.pack_version),
        description: pick(&label("notice")),
        created: h.generated_at.as_deref().and_then(package::w3cdtf),
    };
    let custom = [
        ("Organisation", h.name.clone()),
        ("CreditCode", h.credit_code.clone().unwrap_or_default()),
        ("AssessmentDate", h.assessment_date.to_string()),
        ("Pack", h.pack_id.clone()),
        ("PackVersion", h.pack_version.clone()),
        ("Verdict", r.verdict.status.name().to_string()),
    ];
    package_docx(docx, &core, &custom, brand)
}

/// The Word report of one set of answers assessed against several packs (`assess --pack A
/// --pack B --format docx`): one verdict per pack and the overall one, the plan across packs,
/// the answers several packs share, then each pack's part.
pub fn set_report(
    a: &Assessment,
    set: &hegui_core::load::set::PackSet,
    lang: Lang,
    opts: &ReportOptions,
    brand: &Brand,
) -> Result<Vec<u8>, WordError> {
    if a.packs.len() != set.packs.len() {
        return Err(WordError(format!(
            "结果含 {} 个规则包，规则包集合有 {} 个 / the result holds {} packs, the set {}",
            a.packs.len(),
            set.packs.len(),
            a.packs.len(),
            set.packs.len()
        )));
    }
    let s = hegui_report::render::set::build(a, set, opts);
    let docx = document::build_set(&s, lang, brand);
    let pick = |x: &Text| match lang {
        Lang::En => x.en.clone(),
        _ => x.zh.clone(),
    };
    let h = &s.header;
    let set_title = s
        .text
        .get("title")
        .map(pick)
        .unwrap_or_else(|| pick(&label("title")));
    let ids = |f: &dyn Fn(&hegui_report::render::set::PackRow) -> String| {
        s.packs.iter().map(f).collect::<Vec<_>>().join(", ")
    };
    let core = package::CoreProps {
        title: format!("{set_title} — {}", h.name),
        subject: h.name.clone(),
        creator: brand.firm.clone().unwrap_or_else(|| "hegui".to_string()),
        keywords: ids(&|p| format!("{} {}", p.id, p.version)),
        description: pick(&label("notice")),
        created: h.generated_at.as_deref().and_then(package::w3cdtf),
    };
    let custom = [
        ("Organisation", h.name.clone()),
        ("CreditCode", h.credit_code.clone().unwrap_or_default()),
        ("AssessmentDate", h.assessment_date.to_string()),
        ("Pack", ids(&|p| p.id.clone())),
        ("PackVersion", ids(&|p| p.version.clone())),
        ("Verdict", s.overall.status.to_string()),
    ];
    package_docx(docx, &core, &custom, brand)
}

/// The document packaged: the reference document's styles merged in, then the zip.
fn package_docx(
    docx: docx_rs::Docx,
    core: &package::CoreProps,
    custom: &[(&str, String)],
    brand: &Brand,
) -> Result<Vec<u8>, WordError> {
    let jpeg = brand
        .logo
        .as_ref()
        .is_some_and(|l| l.kind == package::ImageKind::Jpeg);
    let mut x = docx.build();
    if let Some(reference) = &brand.reference_styles
        && let Some((styles, renames)) = reference::merge(&x.styles, reference)
    {
        x.styles = styles;
        reference::rename_styles(&mut x.document, &renames);
        for part in x.headers.iter_mut().chain(x.footers.iter_mut()) {
            reference::rename_styles(part, &renames);
        }
    }
    let parts = package::parts(x, core, custom, jpeg);
    package::zip(&parts).map_err(|e| WordError(e.to_string()))
}
