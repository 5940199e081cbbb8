//! What the command line prints on stderr, and how: the global flags `--color`, `--quiet`,
//! `--verbose`, `--error-format`, `--max-input-size` and `--encoding`.
//!
//! Everything printed for people passes through [`terminal_safe`], so no control or escape
//! character from a submitter's file or file name reaches the terminal raw (the JSON form is
//! escaped by JSON itself).
//!
//! stdout carries only the command's product (a report, a schema, a questionnaire); everything
//! else — diagnostics, notes, progress — goes to stderr through the functions here, so one
//! switch decides colour, quietness and the machine-readable form for every command.

use clap::{Args, ValueEnum};
use hegui_core::diag::{Diagnostic, Level, terminal_safe};
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// When to colour stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always (even with `NO_COLOR`).
    Always,
    /// Never.
    Never,
}

/// How diagnostics are printed on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum ErrorFormat {
    /// For people: `错误 error: file:line:col: subject: message`.
    #[default]
    Human,
    /// For scripts: one JSON object per line (level, file, line, column, subject, message, help).
    Json,
}

/// Flags every subcommand accepts (`global = true`).
#[derive(Debug, Clone, Args)]
pub(super) struct GlobalArgs {
    /// Colour on stderr: auto = on a terminal unless NO_COLOR is set (着色).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    color: ColorWhen,
    /// Print only errors on stderr: no warnings, notes or progress (只输出错误).
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print what was loaded and counted (详细输出).
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// Diagnostics on stderr for people (human) or scripts (json: one object per line).
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value = "human",
        global = true
    )]
    error_format: ErrorFormat,
    /// Largest facts file read, in bytes (suffixes K, M, G: binary); default 10M (输入文件大小上限).
    #[arg(long, value_name = "BYTES", value_parser = parse_size, global = true)]
    max_input_size: Option<u64>,
    /// Encoding of text inputs that are not UTF-8: utf-8 (default: UTF-8, or UTF-16/32 with a
    /// byte-order mark) or gb18030 (also GBK) (非 UTF-8 文本的编码).
    #[arg(
        long,
        value_enum,
        value_name = "ENCODING",
        default_value = "utf-8",
        global = true
    )]
    encoding: EncodingArg,
}

/// `--encoding`: how text that is not UTF-8 is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum EncodingArg {
    /// Unicode only: UTF-8, or UTF-16/UTF-32 with a byte-order mark.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, a superset of GBK and GB2312; files that are valid UTF-8 are still read as UTF-8.
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
}

/// Parses `10485760`, `512K`, `10M`, `1G` (binary multiples; a trailing `B`/`iB` is allowed).
pub(super) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, mult) = if let Some(d) = body.strip_suffix('K') {
        (d, 1u64 << 10)
    } else if let Some(d) = body.strip_suffix('M') {
        (d, 1 << 20)
    } else if let Some(d) = body.strip_suffix('G') {
        (d, 1 << 30)
    } else {
        (body, 1)
    };
    let n: u64 = digits.trim().parse().map_err(|_| {
        format!("`{s}` 不是字节数 is not a size in bytes (e.g. 10485760, 512K, 10M)")
    })?;
    // 1 TiB: far beyond any real facts file or workbook, and small enough that the limits
    // derived from it (a workbook may be 4 times larger) cannot wrap.
    const MAX: u64 = 1 << 40;
    let bytes = n
        .checked_mul(mult)
        .filter(|b| *b <= MAX)
        .ok_or_else(|| format!("`{s}` 过大 is too large: at most 1T ({MAX} bytes) / 上限 1T"))?;
    if bytes == 0 {
        return Err("must be at least 1 byte / 至少 1 字节".into());
    }
    Ok(bytes)
}

/// The settings the global flags resolve to.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ui {
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub json: bool,
    pub max_input_size: Option<u64>,
}

static UI: OnceLock<Ui> = OnceLock::new();

/// Whether colour is on for `when` given the environment and whether stderr is a terminal.
pub(super) fn color_on(
    when: ColorWhen,
    no_color: Option<&str>,
    term: Option<&str>,
    tty: bool,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => tty && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
    }
}

/// Resolves the global flags once, at start-up.
pub(super) fn init(g: &GlobalArgs) {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    let ui = Ui {
        color: color_on(
            g.color,
            no_color.as_deref(),
            term.as_deref(),
            std::io::stderr().is_terminal(),
        ),
        quiet: g.quiet,
        verbose: g.verbose && !g.quiet,
        json: g.error_format == ErrorFormat::Json,
        max_input_size: g.max_input_size,
    };
    hegui_core::io::input::set_encoding(match g.encoding {
        EncodingArg::Utf8 => hegui_core::io::input::Encoding::Utf8,
        EncodingArg::Gb18030 => hegui_core::io::input::Encoding::Gb18030,
    });
    let _ = UI.set(ui);
}

/// The settings in force.
pub(super) fn ui() -> Ui {
    UI.get().copied().unwrap_or_default()
}

/// Whether progress bars and totals may be drawn on stderr.
pub(super) fn progress_allowed() -> bool {
    let u = ui();
    !u.quiet && !u.json && std::io::stderr().is_terminal()
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

fn paint(on: bool, style: &str, text: &str) -> String {
    if on {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// One diagnostic as a JSON line: every key always present (`null` when unknown).
pub(super) fn json_line(
    level: &str,
    file: Option<&str>,
    line: Option<u32>,
    column: Option<u32>,
    subject: Option<&str>,
    message: &str,
    help: Option<&str>,
) -> String {
    let line = serde_json::json!({
        "level": level,
        "file": file,
        "line": line,
        "column": column,
        "subject": subject,
        "message": message,
        "help": help,
    });
    json_terminal_safe(&line.to_string())
}

/// JSON text with what serde_json leaves raw but a terminal may act on — DEL, the C1 controls
/// (U+009B is a one-character CSI) and the bidi overrides — written as `\uXXXX` (they can only
/// stand inside strings, where that escape means the same character).
fn json_terminal_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn diagnostic_json(d: &Diagnostic) -> String {
    let known = d.loc.is_known();
    json_line(
        match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        },
        Some(&d.file),
        known.then_some(d.loc.line),
        (known && d.loc.col > 0).then_some(d.loc.col),
        (!d.subject.is_empty()).then_some(d.subject.as_str()),
        &d.message,
        d.help.as_deref(),
    )
}

/// A diagnostic with every text field made [`terminal_safe`]: file names, keys, answers and
/// option values come from submitters.
fn terminal_safe_diagnostic(d: &Diagnostic) -> Diagnostic {
    let safe = |s: &str| terminal_safe(s, false).into_owned();
    Diagnostic {
        level: d.level,
        file: safe(&d.file),
        loc: d.loc,
        subject: safe(&d.subject),
        message: safe(&d.message),
        help: d.help.as_deref().map(safe),
    }
}

fn diagnostic_human(d: &Diagnostic, color: bool) -> String {
    let d = &terminal_safe_diagnostic(d);
    let text = d.to_string();
    if !color {
        return text;
    }
    // `Display` is `LEVEL: rest` with an optional `\n  help: …` line.
    let (level, rest) = text.split_once(": ").unwrap_or(("", text.as_str()));
    let style = match d.level {
        Level::Error => RED,
        Level::Warning => YELLOW,
    };
    let rest = rest.replacen(
        "\n  help:",
        &format!("\n  {}", paint(true, CYAN, "help:")),
        1,
    );
    format!("{}: {rest}", paint(true, style, level))
}

fn emit(lines: &[String]) {
    let mut err = std::io::stderr().lock();
    for l in lines {
        let _ = writeln!(err, "{l}");
    }
}

/// Prints diagnostics (warnings are dropped under `--quiet`).
pub(super) fn print_diags(diags: &[Diagnostic]) {
    let u = ui();
    let lines: Vec<String> = diags
        .iter()
        .filter(|d| !(u.quiet && d.level == Level::Warning))
        .map(|d| {
            if u.json {
                diagnostic_json(d)
            } else {
                diagnostic_human(d, u.color)
            }
        })
        .collect();
    emit(&lines);
}

/// Prints an error that is not tied to a place in a file (`hegui: …`), or names only the file.
pub(super) fn error(file: Option<&str>, msg: &str) {
    let u = ui();
    let line = if u.json {
        json_line("error", file, None, None, None, msg, None)
    } else {
        let prefix = paint(u.color, RED, "hegui:");
        let msg = terminal_safe(msg, true);
        let file = file.map(|f| terminal_safe(f, false));
        match file {
            Some(f) => format!("{prefix} {f}: {msg}"),
            None => format!("{prefix} {msg}"),
        }
    };
    emit(&[line]);
}

/// A note for people (a summary line): hidden by `--quiet`.
pub(super) fn note(msg: &str) {
    let u = ui();
    if u.quiet {
        return;
    }
    emit(&[if u.json {
        json_line("note", None, None, None, None, msg, None)
    } else {
        terminal_safe(msg, true).into_owned()
    }]);
}

/// A detail shown only with `--verbose`.
pub(super) fn info(msg: &str) {
    let u = ui();
    if !u.verbose {
        return;
    }
    emit(&[if u.json {
        json_line("info", None, None, None, None, msg, None)
    } else {
        format!(
            "{} {}",
            paint(u.color, CYAN, "info:"),
            terminal_safe(msg, true)
        )
    }]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_size("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1gb"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999999G").is_err());
        assert!(parse_size("4294967296G").is_err());
        assert!(parse_size("4611686018427387904").is_err());
        assert_eq!(parse_size("1024G"), Ok(1 << 40));
    }

    #[test]
    fn colour_follows_flag_terminal_and_no_color() {
        assert!(color_on(ColorWhen::Auto, None, Some("xterm"), true));
        assert!(!color_on(ColorWhen::Auto, None, Some("xterm"), false));
        assert!(!color_on(ColorWhen::Auto, Some("1"), None, true));
        assert!(color_on(ColorWhen::Auto, Some(""), None, true));
        assert!(!color_on(ColorWhen::Auto, None, Some("dumb"), true));
        assert!(color_on(ColorWhen::Always, Some("1"), None, false));
        assert!(!color_on(ColorWhen::Never, None, None, true));
    }

    #[test]
    fn human_colour_marks_level_and_help_only() {
        let d = Diagnostic {
            level: Level::Error,
            file: "a.yaml".into(),
            loc: hegui_core::diag::Loc { line: 2, col: 3 },
            subject: "question `x`".into(),
            message: "bad".into(),
            help: Some("did you mean `y`?".into()),
        };
        assert_eq!(diagnostic_human(&d, false), d.to_string());
        let c = diagnostic_human(&d, true);
        assert!(c.starts_with("\x1b[1;31m错误 error\x1b[0m: a.yaml:2:3: question `x`: bad"));
        assert!(c.contains("\n  \x1b[1;36mhelp:\x1b[0m did you mean `y`?"));
        let v: serde_json::Value = serde_json::from_str(&diagnostic_json(&d)).unwrap_or_default();
        assert_eq!(v["column"], 3);
        assert_eq!(v["help"], "did you mean `y`?");
    }

    #[test]
    fn json_lines_escape_what_serde_json_leaves_raw() {
        let m = "a\u{9b}2J\u{7f}\u{202e}b\x1b";
        let line = json_line("error", None, None, None, None, m, None);
        assert!(
            !line.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{line:?}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(v["message"], m);
    }
}
