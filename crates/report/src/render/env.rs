//! The template environment: embedded templates overridden file by file from `--templates DIR`
//! (only files really inside DIR: no `..`, no absolute names, no links out), strict undefined
//! values, bounded fuel, and escaping by file name: `.html`/`.html.j2` escape HTML, `.md`/`.md.j2`
//! escape what would break Markdown (`|`, `<`, `>`, line breaks).

use super::Lang;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, Value};

fn text_filter(lang: Lang) -> impl Fn(Value) -> String + Send + Sync + 'static {
    move |v: Value| {
        let get = |k: &str| {
            v.get_attr(k)
                .ok()
                .filter(|x| !x.is_undefined() && !x.is_none())
                .map(|x| x.to_string())
        };
        match (get("zh"), get("en")) {
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

/// Whether a template name is Markdown (escaping applies by name, like HTML's).
fn is_markdown(name: &str) -> bool {
    let name = name.strip_suffix(".j2").unwrap_or(name);
    name.ends_with(".md") || name.ends_with(".markdown")
}

/// Escapes text for Markdown: table cells and list items must stay on one line and intact, and
/// answered text cannot make links or images (`[…](…)` is shown as written). For text inside a
/// code span (between backticks), where a backslash would show, templates use [`code_filter`].
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(' ');
                }
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `{{ x|code }}`: text for inside a Markdown code span (`` `{{ x|code }}` ``). Backslash
/// escapes do not work there, so brackets and `<` stay as they are (a code span shows them
/// literally); a backtick, which would end the span, becomes `'`; `|` stays escaped (tables
/// split on it even in code) and line breaks become spaces. Outside Markdown templates the value
/// is returned unchanged, so HTML escaping still applies.
pub fn code_filter(state: &State, value: Value) -> Value {
    if !matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "markdown") {
        return value;
    }
    let s = value.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '`' => out.push('\''),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    Value::from_safe_string(out)
}

fn formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "markdown") {
        let s = value.to_string();
        let text = if value.is_safe() {
            s
        } else {
            escape_markdown(&s)
        };
        return out
            .write_str(&text)
            .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()));
    }
    minijinja::escape_formatter(out, state, value)
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
    env.set_auto_escape_callback(|name| {
        if is_markdown(name) {
            AutoEscape::Custom("markdown".into())
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(formatter);
    let dir = dir.map(std::path::Path::to_path_buf);
    env.set_loader(move |name| {
        if let Some(dir) = &dir
            && let Some(text) = safe_read(dir, name)?
        {
            return Ok(Some(text));
        }
        Ok(crate::templates::template(name).map(str::to_string))
    });
    env.add_filter("t", text_filter(lang));
    env.add_filter("code", code_filter);
    env.add_global("lang", super::ser(lang));
    env
}

/// Reads `name` under `dir` only if it really lies inside it: no `..`, no absolute or hidden
/// names, no links leading out (the canonical path, links resolved, must stay under `dir`).
/// `Ok(None)` for anything else, so the embedded template of that name is used, as
/// docs/TEMPLATES.md says; a name no embedded template has is then an error at render time.
pub fn safe_read(dir: &std::path::Path, name: &str) -> Result<Option<String>, Error> {
    if name
        .split('/')
        .any(|p| p == ".." || p.is_empty() || p.starts_with('.'))
        || name.starts_with('/')
        || name.contains('\\')
        || std::path::Path::new(name).is_absolute()
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
        Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot read template {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_keeps_rows_intact() {
        assert_eq!(
            escape_markdown("a|b\r\nc\nd <script>"),
            "a\\|b c d &lt;script&gt;"
        );
        assert_eq!(
            escape_markdown("[点击](http://x.example) ![i](y)"),
            "\\[点击\\](http://x.example) !\\[i\\](y)"
        );
        assert!(is_markdown("report.md.j2") && is_markdown("x.md"));
        assert!(!is_markdown("report.html.j2"));
    }
}
