//! Rendering results: JSON (the contract) and reports through minijinja templates.
//!
//! Templates are data: the embedded ones live in `templates/`, and a directory given with
//! `--templates` overrides them file by file. Templates see only the result model (the JSON
//! contract plus pack labels), never the engine.

use crate::assess::Assessment;
use crate::model::Pack;
use minijinja::{Environment, Value, context, value::Serde};

fn ser<T: Serialize>(v: T) -> Value {
    Value::from(Serde(v))
}
use serde::Serialize;

/// Output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
    /// 中文, then English.
    Both,
}

/// The JSON result: pretty, with a final newline; byte-identical for the same input.
pub fn json(a: &Assessment) -> String {
    let mut s =
        serde_json::to_string_pretty(a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A rendering failure (a broken custom template).
#[derive(Debug, thiserror::Error)]
#[error("template `{name}`: {message}")]
pub struct RenderError {
    /// Template.
    pub name: String,
    /// What went wrong, with the line.
    pub message: String,
}

fn text_filter(lang: Lang) -> impl Fn(Value) -> String + Send + Sync + 'static {
    move |v: Value| {
        let zh = v
            .get_attr("zh")
            .ok()
            .filter(|x| !x.is_undefined())
            .map(|x| x.to_string());
        let en = v
            .get_attr("en")
            .ok()
            .filter(|x| !x.is_undefined())
            .map(|x| x.to_string());
        match (zh, en) {
            (Some(zh), Some(en)) => match lang {
                Lang::Zh => zh,
                Lang::En => en,
                Lang::Both => {
                    if zh == en {
                        zh
                    } else {
                        format!("{zh} / {en}")
                    }
                }
            },
            _ => v.to_string(),
        }
    }
}

/// Builds the template environment: embedded templates, overridden by `dir` when given.
pub fn environment(lang: Lang, dir: Option<&std::path::Path>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(50_000_000));
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let dir = dir.map(std::path::Path::to_path_buf);
    env.set_loader(move |name| {
        if let Some(dir) = &dir
            && let Some(text) = safe_read(dir, name)?
        {
            return Ok(Some(text));
        }
        Ok(crate::embedded::template(name).map(str::to_string))
    });
    env.add_filter("t", text_filter(lang));
    env.add_global("lang", ser(lang));
    env
}

/// Reads `name` under `dir` only if it really lies inside it (no `..`, no links out).
fn safe_read(dir: &std::path::Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    if name
        .split('/')
        .any(|p| p == ".." || p.is_empty() || p.starts_with('.'))
        || name.starts_with('/')
        || name.contains('\\')
    {
        return Ok(None);
    }
    let Ok(root) = dir.canonicalize() else {
        return Ok(None);
    };
    let Ok(path) = root.join(name).canonicalize() else {
        return Ok(None);
    };
    if !path.starts_with(&root) {
        return Ok(None);
    }
    std::fs::read_to_string(&path).map(Some).map_err(|e| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot read template: {e}"),
        )
    })
}

/// Renders template `name` with the assessment and pack labels.
pub fn report(
    env: &Environment<'_>,
    name: &str,
    a: &Assessment,
    pack: &Pack,
    lang: Lang,
) -> Result<String, RenderError> {
    let tmpl = env.get_template(name).map_err(|e| err(name, &e))?;
    let sections: Vec<_> = pack
        .sections
        .iter()
        .map(|s| context! { id => &s.id, title => ser(&s.title) })
        .collect();
    let questions: Vec<_> = pack
        .questionnaire
        .questions
        .iter()
        .map(|q| context! { id => &q.id, section => &q.section, label => ser(&q.label) })
        .collect();
    let ctx = context! {
        a => ser(a),
        sections => sections,
        questions => questions,
        lang => ser(lang),
    };
    tmpl.render(ctx).map_err(|e| err(name, &e))
}

fn err(name: &str, e: &minijinja::Error) -> RenderError {
    let mut message = e.to_string();
    if let Some(line) = e.line() {
        message = format!("line {line}: {message}");
    }
    RenderError {
        name: name.to_string(),
        message,
    }
}
