//! Rendering results: gap reports through minijinja templates.
//!
//! Templates are data: the embedded ones live in `templates/`, and a directory given with
//! `--templates` overrides them file by file. Templates see only the result model (the JSON
//! contract as `a`), the report view model `r` ([`view::Report`]: verdict, scores, due dates,
//! groupings), the pack's section and question labels, and the bilingual `labels`; never the
//! engine. The context is documented in `docs/TEMPLATES.md`, the scoring in `docs/SCORING.md`.
//!
//! - [`env`]: the template environment (loader, escaping, filters);
//! - [`view`]: the report view model;
//! - score, coverage and verdict: [`hegui_core::eval::score`];
//! - [`plan`]: deadlines, due dates and the generation time;
//! - [`labels`]: the report's bilingual labels.

pub mod env;
pub mod labels;
pub mod plan;
pub mod set;
pub mod view;

use hegui_core::eval::assess::Assessment;
use hegui_core::model::Pack;
use minijinja::{Environment, Value, context, value::Serde};
use serde::Serialize;

pub use env::environment;
pub use plan::Deadlines;
pub use view::ReportOptions;

pub use hegui_core::text::Lang;

/// A rendering failure (a broken custom template).
#[derive(Debug, thiserror::Error)]
#[error("template `{name}`: {message}")]
pub struct RenderError {
    /// Template.
    pub name: String,
    /// What went wrong, with the line.
    pub message: String,
}

/// A value for templates from anything serializable.
pub(crate) fn ser<T: Serialize>(v: T) -> Value {
    Value::from(Serde(v))
}

/// The template context: `a` (the JSON result), `r` (the report view of `pack`'s entry in
/// `a.packs`), `sections`, `questions`, `labels` and `lang`. `None` when `pack` was not
/// assessed in `a`.
pub fn context(a: &Assessment, pack: &Pack, lang: Lang, opts: &ReportOptions) -> Option<Value> {
    let p = a
        .packs
        .iter()
        .find(|p| p.pack.id == pack.meta.id && p.pack.version == pack.meta.version)?;
    let sections: Vec<_> = pack
        .sections
        .iter()
        .map(|s| context! { id => &s.id, title => ser(&s.title) })
        .collect();
    let questions: Vec<_> = pack
        .questionnaire
        .questions
        .iter()
        .map(|q| {
            context! { id => &q.id, section => &q.section, label => ser(&q.label) }
        })
        .collect();
    Some(context! {
        a => ser(a),
        r => ser(view::build(a, p, pack, opts)),
        sections => sections,
        questions => questions,
        labels => ser(labels::all()),
        lang => ser(lang),
    })
}

/// Renders template `name` for the assessment.
pub fn report(
    env: &Environment<'_>,
    name: &str,
    a: &Assessment,
    pack: &Pack,
    lang: Lang,
    opts: &ReportOptions,
) -> Result<String, RenderError> {
    let tmpl = env.get_template(name).map_err(|e| err(name, &e))?;
    let ctx = context(a, pack, lang, opts).ok_or_else(|| RenderError {
        name: name.to_string(),
        message: format!(
            "结果中没有规则包 {id} {version} / the result holds no pack {id} {version}",
            id = pack.meta.id,
            version = pack.meta.version
        ),
    })?;
    tmpl.render(ctx).map_err(|e| err(name, &e))
}

/// Renders template `name` (`report-set.md.j2`, `report-set.html.j2`) for a set of packs.
/// Context: `s` (the set view, [`set::SetView`]), `a` (the JSON result of the set),
/// `labels` and `lang`.
pub fn set_report(
    env: &Environment<'_>,
    name: &str,
    r: &Assessment,
    packs: &hegui_core::load::set::PackSet,
    lang: Lang,
    opts: &ReportOptions,
) -> Result<String, RenderError> {
    let tmpl = env.get_template(name).map_err(|e| err(name, &e))?;
    tmpl.render(context! {
        s => ser(set::build(r, packs, opts)),
        a => ser(r),
        labels => ser(labels::all()),
        lang => ser(lang),
    })
    .map_err(|e| err(name, &e))
}

fn err(name: &str, e: &minijinja::Error) -> RenderError {
    let mut chain = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    // A long chain is includes within includes (a template that includes itself gives 49):
    // the cause, which is at the end, comes first, then where it started.
    let mut message = match chain.as_slice() {
        [first, .., last] if chain.len() > 3 => format!(
            "{last} (经过 {} 层 include；模板是否包含自身？ through {} levels of include; does a template include itself? outermost: {first})",
            chain.len() - 1,
            chain.len() - 1
        ),
        _ => chain.join(": "),
    };
    if let Some(line) = e.line() {
        message = format!("line {line}: {message}");
    }
    RenderError {
        name: e.name().unwrap_or(name).to_string(),
        message,
    }
}
