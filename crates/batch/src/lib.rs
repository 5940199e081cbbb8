//! Batches: many submissions assessed in parallel and rolled up into one overview.
//!
//! A regulator's view of hundreds or thousands of answered questionnaires. Inputs (files,
//! walked directories, globs) are listed and sorted by path first (an external sort, so a long
//! listing goes to temporary files, not memory); then they are assessed in chunks, in
//! parallel, each thread encoding the runs of inputs it assessed into a part, and the parts
//! are appended in input order to a spill store, so the output is the same bytes whatever the
//! thread scheduling. A file's text, tree and facts are dropped as soon as it is encoded;
//! memory holds the statistics and bounded buffers, and does not grow with the number of
//! inputs (`batch/spill`, docs/PERFORMANCE.md).
//!
//! Accounting: every input file is either `assessed` or `rejected` (with its errors), never
//! skipped; `assessed + rejected = found`. Submissions of the same unified social credit code
//! are flagged and counted once in rates: the latest `assessment_date` wins, and on the same
//! date the one whose path sorts last (the later submission by name). See `docs/PERFORMANCE.md`
//! for the speed of all this and `docs/SCORING.md` for the score.

use chrono::NaiveDate;
use hegui_core::eval::assess::{AssessOptions, Outcome};
use hegui_core::eval::outcome::{RuleOutcome, outcomes, scope_mask, score};
use hegui_core::eval::score::Score;
use hegui_core::model::Pack;
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod spill;
mod summary;
pub mod synth;
mod write;
mod xlsx;

/// What the batch modules' unit tests share.
#[cfg(test)]
mod test_support {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    /// The shipped pack.
    pub fn shipped_pack() -> hegui_core::model::Pack {
        let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
        hegui_core::load::load_pack(&files).unwrap().pack
    }

    /// A path in the workspace (tests run in the crate's directory).
    pub fn repo(rel: &str) -> String {
        format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    /// Options for a batch that writes no reports and lists the 3 lowest scores.
    pub fn options() -> super::BatchOptions {
        super::BatchOptions {
            out: std::env::temp_dir(),
            reports: None,
            ignore_waivers: false,
            lowest: 3,
            progress: false,
            lang: hegui_core::text::Lang::Zh,
            limits: hegui_core::syntax::node::Limits::default(),
        }
    }
}

pub use summary::{
    Duplicate, GroupStat, LineReader, Rates, RejectedLine, RejectedReader, RuleStat, ScopeSet,
    SubmissionLine, Summary, Tally, rate, run,
};
pub use write::{csv, csv_cell, overview_html, print_totals, write_all};

/// File extensions read as facts files when a directory is walked.
pub const FACTS_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "xlsx"];

/// How many submissions are read and assessed before a chunk joins the spill store. Each
/// thread encodes what it assesses into a compact part (`batch/summary`), so a chunk holds
/// about 0.3 KB per submission (5 MB); fewer, larger chunks leave a core idle less often at
/// their ends.
const CHUNK: usize = 16_384;

// ───────────────────────────── inputs ─────────────────────────────

/// Paths, sorted and each once, in a spill store (in memory up to a budget, then in a
/// temporary file), so that listing 100,000 inputs does not hold 100,000 strings.
#[derive(Clone, Debug, Default)]
pub struct Paths(Arc<spill::Store>);

impl Paths {
    /// The paths of `items`, sorted, each once.
    pub fn collect<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> io::Result<Paths> {
        let mut sorter = spill::Sorter::new(spill::sort_budget());
        for p in items {
            sorter.push(p.as_ref().as_bytes())?;
        }
        Paths::sorted(sorter)
    }

    fn sorted(sorter: spill::Sorter) -> io::Result<Paths> {
        Ok(Paths(Arc::new(
            sorter.into_store(spill::store_budget(), true)?,
        )))
    }

    /// Number of paths.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads the paths in order.
    pub fn reader(&self) -> io::Result<PathReader<'_>> {
        Ok(PathReader(self.0.reader()?))
    }

    /// Every path (for a short list; a batch reads them with [`Paths::reader`]).
    pub fn to_vec(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        let mut r = self.reader()?;
        while let Some(p) = r.next()? {
            out.push(p.to_string());
        }
        Ok(out)
    }
}

/// Reads [`Paths`] in order.
#[derive(Debug)]
pub struct PathReader<'a>(spill::StoreReader<&'a spill::Store>);

impl PathReader<'_> {
    /// The next path, or `None` after the last.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<&str>> {
        match self.0.next()? {
            Some(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| spill::malformed()),
            None => Ok(None),
        }
    }
}

/// The inputs of a batch, listed and sorted.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Facts files to assess, sorted by path, each once.
    pub files: Paths,
    /// Arguments that named nothing (a missing path, a glob without matches, an unreadable
    /// directory): each is counted as a rejected input, with why.
    pub problems: Vec<(String, String)>,
    /// Files met while walking directories that are not facts files by their extension
    /// (listed in the summary, so nothing disappears without a word).
    pub other_files: Paths,
}

impl Inputs {
    /// Inputs that are exactly `files` (sorted, each once).
    pub fn of_files<S: AsRef<str>>(files: impl IntoIterator<Item = S>) -> io::Result<Inputs> {
        Ok(Inputs {
            files: Paths::collect(files)?,
            ..Inputs::default()
        })
    }
}

fn is_facts_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FACTS_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The inputs while they are listed: paths go to external sorters as they are met.
struct Listing {
    files: spill::Sorter,
    other_files: spill::Sorter,
    problems: Vec<(String, String)>,
}

fn walk(dir: &Path, out: &mut Listing) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.problems.push((
                dir.display().to_string(),
                format!("无法读取目录 cannot read directory: {e}"),
            ));
            return Ok(());
        }
    };
    // A file's path as `dir.join(name).display()` writes it, made directly when both are
    // UTF-8 (the formatting machinery cost more than listing the directory).
    let prefix = dir.to_str().map(|d| {
        if d.is_empty() || d.ends_with(std::path::is_separator) {
            d.to_string()
        } else {
            format!("{d}{}", std::path::MAIN_SEPARATOR)
        }
    });
    let mut path = String::new();
    // Directories are walked after this one's listing is done (one open directory at a time).
    let mut subdirs = Vec::new();
    // The entry's type comes from the directory listing itself (no `stat` per file, which
    // matters at 100,000 files); only symbolic links are followed to see what they name.
    // Paths are sorted afterwards, all together, by the sorter.
    for e in entries.filter_map(Result::ok) {
        let is_dir = match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => e.path().is_dir(),
        };
        let name = e.file_name();
        let hidden = name.to_str().is_some_and(|n| n.starts_with('.'));
        if is_dir {
            if !hidden {
                subdirs.push(dir.join(&name));
            }
            continue;
        }
        let facts = match (&prefix, name.to_str()) {
            (Some(prefix), Some(n)) => {
                path.clear();
                path.push_str(prefix);
                path.push_str(n);
                is_facts_name(Path::new(n))
            }
            _ => {
                let p = dir.join(&name);
                path = p.display().to_string();
                is_facts_name(&p)
            }
        };
        if facts && !hidden {
            out.files.push(path.as_bytes())?;
        } else {
            out.other_files.push(path.as_bytes())?;
        }
    }
    for sub in subdirs {
        walk(&sub, out)?;
    }
    Ok(())
}

/// Lists the files named by `args`: files as given, directories walked (facts files by
/// extension: `.yaml`, `.yml`, `.json`, `.xlsx`; hidden entries skipped), anything with
/// `*`, `?` or `[` as a glob. Sorted by path, each file once. Fails only when the temporary
/// files (`TMPDIR`) that hold a long listing cannot be written.
pub fn expand_inputs(args: &[String]) -> Result<Inputs, String> {
    list_inputs(args).map_err(|e| e.to_string())
}

fn list_inputs(args: &[String]) -> io::Result<Inputs> {
    let mut out = Listing {
        files: spill::Sorter::new(spill::sort_budget()),
        other_files: spill::Sorter::new(spill::sort_budget()),
        problems: Vec::new(),
    };
    for arg in args {
        let path = Path::new(arg);
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.exists() {
            out.files.push(arg.as_bytes())?;
        } else if arg.contains(['*', '?', '[']) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut n = 0;
                    for p in paths {
                        match p {
                            Ok(p) if p.is_dir() => {
                                n += 1;
                                walk(&p, &mut out)?;
                            }
                            Ok(p) => {
                                n += 1;
                                out.files.push(p.display().to_string().as_bytes())?;
                            }
                            Err(e) => out.problems.push((
                                e.path().display().to_string(),
                                format!("无法读取 cannot read: {}", e.error()),
                            )),
                        }
                    }
                    if n == 0 {
                        out.problems.push((
                            arg.clone(),
                            "通配符没有匹配任何文件 the glob matches no file".into(),
                        ));
                    }
                }
                Err(e) => out
                    .problems
                    .push((arg.clone(), format!("无效的通配符 invalid glob: {e}"))),
            }
        } else {
            out.problems.push((
                arg.clone(),
                "文件或目录不存在 no such file or directory".into(),
            ));
        }
    }
    out.problems.sort();
    out.problems.dedup();
    Ok(Inputs {
        files: Paths::sorted(out.files)?,
        problems: out.problems,
        other_files: Paths::sorted(out.other_files)?,
    })
}

fn is_xlsx(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Reads a facts file as text: size limit, UTF-8, byte-order mark removed
/// ([`hegui_core::io::input`]); errors name the file.
pub fn read_facts_text(
    path: &str,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<String, String> {
    read_bytes(path, limits)
        .and_then(|bytes| hegui_core::io::input::into_text(bytes).map_err(|e| read_error(path, e)))
}

fn read_bytes(path: &str, limits: &hegui_core::syntax::node::Limits) -> Result<Vec<u8>, String> {
    // A workbook is a zip, larger than the facts file it holds.
    let limit = if is_xlsx(path) {
        // Checked: a huge --max-input-size never wraps to a tiny limit; the workbook reader's
        // own cap applies in any case.
        limits
            .max_file_bytes
            .saturating_mul(4)
            .min(hegui_office::import::MAX_WORKBOOK)
    } else {
        limits.max_file_bytes
    };
    hegui_core::io::input::read_file(Path::new(path), limit).map_err(|e| read_error(path, e))
}

fn read_error(path: &str, e: hegui_core::io::input::ReadError) -> String {
    use hegui_core::io::input::ReadError;
    match e {
        ReadError::Io(e) => format!("{path}: {e}"),
        ReadError::TooLarge {
            size: Some(size),
            limit,
        } => format!("{path}: 文件过大 file too large ({size} bytes; limit {limit})"),
        ReadError::TooLarge { size: None, limit } => {
            format!("{path}: 文件过大 file too large (more than the limit of {limit} bytes)")
        }
        ReadError::Directory => format!("{path}: 是目录 is a directory"),
        ReadError::NotUtf8 { byte } => {
            format!("{path}: 不是 UTF-8 文本 not UTF-8 text (byte {byte})")
        }
    }
}

/// The batch's fast path for JSON: a plainly valid file is decoded straight into typed facts
/// ([`hegui_core::facts::fast`]), without the located tree. Anything else gives `None`, and the
/// caller reads the file with [`load_facts`] so every problem carries its line and column.
///
/// YAML always goes to `load_facts`: its located tree is built by the direct YAML reader
/// ([`hegui_core::syntax::node`]), which is faster than decoding through serde-saphyr's deserializer
/// (docs/PERFORMANCE.md), so the fast decoder would only cost time there.
fn fast_load(
    path: &str,
    text: &str,
    pack: &Pack,
    limits: &hegui_core::syntax::node::Limits,
) -> Option<hegui_core::facts::LoadedFacts> {
    match hegui_core::syntax::node::Format::from_path(path) {
        hegui_core::syntax::node::Format::Json => hegui_core::facts::fast::decode(
            text,
            hegui_core::syntax::node::Format::Json,
            pack,
            limits,
        ),
        hegui_core::syntax::node::Format::Yaml => None,
    }
}

/// Loads one submission: a YAML or JSON facts file, or an answered questionnaire workbook
/// (`.xlsx`, read as `hegui import` reads it). Errors are every problem, with file and place.
pub fn load_submission(
    path: &str,
    pack: &Pack,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<hegui_core::facts::LoadedFacts, Vec<String>> {
    let loaded = if is_xlsx(path) {
        let bytes = read_bytes(path, limits).map_err(|e| vec![e])?;
        hegui_office::import::import_workbook(path, &bytes, pack)
    } else {
        let text = read_facts_text(path, limits).map_err(|e| vec![e])?;
        fast_load(path, &text, pack, limits).map_or_else(
            || hegui_core::facts::load_facts_with(path, &text, pack, limits),
            Ok,
        )
    };
    loaded.map_err(|diags| {
        let errors: Vec<&hegui_core::diag::Diagnostic> = diags
            .iter()
            .filter(|d| d.level == hegui_core::diag::Level::Error)
            .collect();
        let mut out: Vec<String> = errors
            .iter()
            .take(MAX_ERRORS)
            .map(ToString::to_string)
            .collect();
        if errors.len() > MAX_ERRORS {
            let more = errors.len() - MAX_ERRORS;
            out.push(format!("……另有 {more} 个错误 … and {more} more errors"));
        }
        if out.is_empty() {
            out.push(format!("{path}: 无法读取 could not be read"));
        }
        out
    })
}

// ───────────────────────────── one submission ─────────────────────────────

/// What a batch keeps of one assessed submission.
#[derive(Clone, Debug)]
pub struct Row {
    /// Organisation name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// Region code (six digits).
    pub region_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Assessment date.
    pub date: NaiveDate,
    /// Scopes, as bits in pack order.
    pub scopes: u64,
    /// One outcome code per rule, in pack order.
    outcomes: Box<[u8]>,
    /// Score and coverage.
    pub score: Score,
    /// Warnings while loading.
    pub warnings: usize,
    /// The per-submission report written, relative to the output directory.
    pub report: Option<String>,
}

impl Row {
    /// The rule outcomes, in pack order.
    pub fn outcomes(&self) -> impl Iterator<Item = RuleOutcome> + '_ {
        self.outcomes.iter().map(|c| RuleOutcome::from_code(*c))
    }
}

/// The result of one input.
#[derive(Clone, Debug)]
pub enum Processed {
    /// Assessed.
    Assessed(Box<Row>),
    /// Could not be assessed: every error, with file and place.
    Rejected(Vec<String>),
}

/// Per-submission report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// HTML.
    Html,
    /// Markdown.
    Markdown,
    /// The JSON result.
    Json,
}

impl ReportFormat {
    fn ext(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
        }
    }
}

/// Options of a batch.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Output directory.
    pub out: PathBuf,
    /// One report per submission as well.
    pub reports: Option<ReportFormat>,
    /// Report findings as they are, ignoring waivers.
    pub ignore_waivers: bool,
    /// How many lowest-scoring submissions the overview lists.
    pub lowest: usize,
    /// Show a progress bar.
    pub progress: bool,
    /// Report language.
    pub lang: hegui_core::text::Lang,
    /// Input limits (`--max-input-size`).
    pub limits: hegui_core::syntax::node::Limits,
}

const MAX_ERRORS: usize = 50;

/// Assesses one input file.
pub fn process(pack: &Pack, path: &str, index: usize, opts: &BatchOptions) -> Processed {
    let loaded = match load_submission(path, pack, &opts.limits) {
        Ok(l) => l,
        Err(errors) => return Processed::Rejected(errors),
    };
    let facts = &loaded.facts;
    let aopts = AssessOptions {
        ignore_waivers: opts.ignore_waivers,
    };
    let mut report = None;
    let outs = match opts.reports {
        None => outcomes(pack, facts, aopts),
        Some(format) => {
            let a = hegui_core::eval::assess::assess(pack, facts, aopts);
            let rel = report_name(path, index, format);
            match render_report(&a, pack, format, opts.lang).and_then(|text| {
                hegui_core::io::atomic::write(&opts.out.join(&rel), text.as_bytes())
                    .map_err(|e| format!("{}: {e}", opts.out.join(&rel).display()))
            }) {
                Ok(()) => report = Some(rel),
                Err(e) => return Processed::Rejected(vec![format!("{path}: 报告 report: {e}")]),
            }
            a.findings
                .iter()
                .map(|f| RuleOutcome {
                    outcome: f.outcome,
                    dont_know: f.outcome == Outcome::Unanswered && !f.dont_know.is_empty(),
                })
                .collect()
        }
    };
    let score = score(pack, &outs);
    let org = &facts.organisation;
    Processed::Assessed(Box::new(Row {
        name: org.name.clone(),
        credit_code: org.credit_code.clone(),
        region_code: org.region_code.clone(),
        industry: org
            .industry
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        date: facts.assessment_date,
        scopes: scope_mask(pack, facts),
        outcomes: outs.iter().map(|o| o.code()).collect(),
        score,
        warnings: loaded.warnings.len(),
        report,
    }))
}

fn report_name(path: &str, index: usize, format: ReportFormat) -> String {
    let stem = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("submission");
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // The input index keeps two `a.yaml` in different directories apart.
    format!("reports/{index:06}-{clean}.{}", format.ext())
}

/// Renders one submission's report. The one place a batch uses the report renderer.
fn render_report(
    a: &hegui_core::eval::assess::Assessment,
    pack: &Pack,
    format: ReportFormat,
    lang: hegui_core::text::Lang,
) -> Result<String, String> {
    let template = match format {
        ReportFormat::Json => return Ok(hegui_core::result::json(a)),
        ReportFormat::Html => "report.html.j2",
        ReportFormat::Markdown => "report.md.j2",
    };
    thread_local! {
        static ENV: std::cell::OnceCell<minijinja::Environment<'static>> = const { std::cell::OnceCell::new() };
    }
    let opts = hegui_report::render::ReportOptions::default();
    ENV.with(|cell| {
        let env = cell.get_or_init(|| hegui_report::render::environment(lang, None));
        hegui_report::render::report(env, template, a, pack, lang, &opts).map_err(|e| e.to_string())
    })
}
