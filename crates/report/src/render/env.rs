//! The template environment: embedded templates overridden file by file from `--templates DIR`
//! (only files really inside DIR: no `..`, no absolute names, no links out), strict undefined
//! values, bounded fuel, and escaping by file name: `.html`/`.html.j2` escape HTML, `.md`/`.md.j2`
//! escape what would break Markdown or make a link ([`escape_markdown`]).

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
/// answered text cannot make a web link or an image. So:
///
/// - `\\` becomes `\\\\`, so a backslash in the text cannot cancel the escapes below;
/// - `[` and `]` are escaped (no `[…](…)` link, `![…](…)` image or `[x]: url` definition);
/// - `<` and `>` become `&lt;` `&gt;` (no HTML, no `<https://…>` autolink);
/// - the `:` of `://` and the `.` after `www` are escaped, which stops GitHub's extended
///   autolinks (`https://…`, `www.…`; checked with cmark-gfm);
/// - `|` is escaped and line breaks become spaces.
///
/// An e-mail address (`name@example.cn`, also `mailto:`/`xmpp:` ones) may still be shown as an
/// e-mail link by GitHub-flavoured renderers: breaking those would put an invisible character
/// into every address a regulator copies. Emphasis (`*`, `_`, `~`) is left to render. For text
/// inside a code span (between backticks), where a backslash would show, templates use
/// [`code_filter`].
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    // The last three characters read, for `www.`.
    let mut last3 = ['\0'; 3];
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            ':' if chars.clone().take(2).eq(['/', '/']) => out.push_str("\\:"),
            '.' if last3.iter().all(|w| w.eq_ignore_ascii_case(&'w')) => out.push_str("\\."),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(' ');
                }
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
        last3 = [last3[1], last3[2], c];
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
    read_template(&path).map(Some)
}

/// The largest template file read (the shipped ones are under 100 KB).
pub const MAX_TEMPLATE_BYTES: u64 = 8 << 20;

/// Reads a template file: only a regular file (a FIFO or a device is refused without being
/// opened, so it cannot hang the run), at most [`MAX_TEMPLATE_BYTES`], UTF-8.
fn read_template(path: &std::path::Path) -> Result<String, Error> {
    use std::io::Read;
    let fail = |why: String| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "无法读取模板 cannot read template {}: {why}",
                path.display()
            ),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(
            "不是普通文件（管道或设备），未打开 not a regular file (a FIFO or a device); not opened"
                .into(),
        ));
    }
    let too_large = |size: u64| {
        fail(format!(
            "文件过大 too large ({size} bytes; a template may have at most {MAX_TEMPLATE_BYTES} bytes)"
        ))
    };
    if meta.len() > MAX_TEMPLATE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_TEMPLATE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "不是 UTF-8 文本 not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
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
            "\\[点击\\](http\\://x.example) !\\[i\\](y)"
        );
        // A backslash cannot cancel an escape (W27); bare URLs are not autolinked (W28).
        assert_eq!(
            escape_markdown("\\[点击领取\\](https://phish.example/x)"),
            "\\\\\\[点击领取\\\\\\](https\\://phish.example/x)"
        );
        assert_eq!(
            escape_markdown("https://phish.example/login WWW.phish.example 10:30 a.b"),
            "https\\://phish.example/login WWW\\.phish.example 10:30 a.b"
        );
        assert!(is_markdown("report.md.j2") && is_markdown("x.md"));
        assert!(!is_markdown("report.html.j2"));
    }
}
