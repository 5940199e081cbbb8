//! Diagnostics: every problem found while loading or validating input, with its place.
//!
//! Loading never stops at the first problem: loaders push [`Diagnostic`]s into a
//! [`Diagnostics`] list and carry on, so a user sees everything wrong with a file at once.
//! Each diagnostic names the file, the line and column (when known), the rule or question it
//! concerns, what was wrong and, where one is close, a did-you-mean.

use serde::Serialize;
use std::fmt;

/// A position in a source file, 1-based. `line == 0` means "not known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Loc {
    /// Line, 1-based; 0 when unknown.
    pub line: u32,
    /// Column (characters), 1-based; 0 when unknown.
    pub col: u32,
}

impl Loc {
    /// The unknown location.
    pub const UNKNOWN: Loc = Loc { line: 0, col: 0 };

    /// Whether a real position is known.
    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Makes the input invalid.
    Error,
    /// Worth a look; the input is still used.
    Warning,
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The file, as the user named it.
    pub file: String,
    /// Where in the file.
    #[serde(flatten)]
    pub loc: Loc,
    /// What it concerns: `rule \`x\``, `question \`y\``, … (empty when nothing more specific).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// What is wrong: lowercase, no trailing period, user input in backticks.
    pub message: String,
    /// A hint: a did-you-mean or what was expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    fn default_error() -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            file: String::new(),
            loc: Loc::UNKNOWN,
            subject: String::new(),
            message: String::new(),
            help: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "错误 error",
            Level::Warning => "警告 warning",
        };
        write!(f, "{level}: {}", self.file)?;
        if self.loc.is_known() {
            write!(f, ":{}:{}", self.loc.line, self.loc.col)?;
        }
        write!(f, ": ")?;
        if !self.subject.is_empty() {
            write!(f, "{}: ", self.subject)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// A list of diagnostics for one file, filled as a loader goes.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    file: String,
    items: Vec<Diagnostic>,
    /// Problems beyond [`MAX_DIAGNOSTICS`], counted but not kept.
    dropped: usize,
    dropped_error: bool,
    /// Past the cap, the latest problem lives here so `error(…).help(…)` still works.
    sink: Option<Box<Diagnostic>>,
}

/// Most diagnostics kept for one file: a hostile file cannot flood the output.
pub const MAX_DIAGNOSTICS: usize = 200;

impl Diagnostics {
    /// An empty list for `file`.
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
            dropped: 0,
            dropped_error: false,
            sink: None,
        }
    }

    /// The file these diagnostics are about.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Switches to another file for the diagnostics pushed from now on.
    pub fn set_file(&mut self, file: impl Into<String>) {
        self.file = file.into();
    }

    /// Records an error and returns it for a `.with_help(…)`.
    pub fn error(
        &mut self,
        loc: Loc,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Level::Error, loc, subject.into(), message.into())
    }

    /// Records a warning.
    pub fn warning(
        &mut self,
        loc: Loc,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Level::Warning, loc, subject.into(), message.into())
    }

    fn push(
        &mut self,
        level: Level,
        loc: Loc,
        subject: String,
        message: String,
    ) -> &mut Diagnostic {
        let d = Diagnostic {
            level,
            file: self.file.clone(),
            loc,
            subject,
            message,
            help: None,
        };
        if self.items.len() >= MAX_DIAGNOSTICS {
            // Keep counting (an error still makes the input invalid) but stop storing.
            self.dropped += 1;
            self.dropped_error |= level == Level::Error;
            return self.sink.insert(Box::new(d));
        }
        self.items.push(d);
        match self.items.last_mut() {
            Some(last) => last,
            None => self.sink.insert(Box::new(Diagnostic::default_error())),
        }
    }

    /// Appends already-made diagnostics.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Whether any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.dropped_error || self.items.iter().any(|d| d.level == Level::Error)
    }

    /// How many diagnostics were recorded (including those past the cap).
    pub fn len(&self) -> usize {
        self.items.len() + self.dropped
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The diagnostics, in the order found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Takes the diagnostics out; past [`MAX_DIAGNOSTICS`] a last line says how many more there were.
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let _overflow = self.sink.take();
            let more = self.dropped;
            let file = self.file.clone();
            let level = if self.has_errors() {
                Level::Error
            } else {
                Level::Warning
            };
            self.items.push(Diagnostic {
                level,
                file,
                loc: Loc::UNKNOWN,
                subject: String::new(),
                message: format!("{more} more problem(s) not shown"),
                help: Some("fix the ones above and run again".into()),
            });
        }
        self.items
    }
}

impl Diagnostic {
    /// Sets the help text in place (used on the `&mut` returned by [`Diagnostics::error`]).
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

/// Suggests the closest of `candidates` to `input`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (input.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(input, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("mobil_number", ["mobile_number", "id_document"]).as_deref(),
            Some("did you mean `mobile_number`?")
        );
        assert_eq!(did_you_mean("zzz", ["mobile_number"]), None);
    }

    #[test]
    fn display_names_file_line_subject() {
        let mut d = Diagnostics::new("a.yaml");
        d.error(Loc { line: 3, col: 5 }, "rule `r1`", "unknown question `x`")
            .help("did you mean `y`?");
        let s = d.items()[0].to_string();
        assert_eq!(
            s,
            "错误 error: a.yaml:3:5: rule `r1`: unknown question `x`\n  help: did you mean `y`?"
        );
    }
}
