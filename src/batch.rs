//! Batches: many submissions assessed in parallel and rolled up into one overview.
//!
//! A regulator's view of hundreds or thousands of answered questionnaires. Inputs (files,
//! walked directories, globs) are listed and sorted by path first; then they are assessed in
//! chunks, in parallel, and each chunk is folded in input order, so the output is the same
//! bytes whatever the thread scheduling. Memory does not grow with the assessments: a chunk's
//! texts, trees and facts are dropped before the next chunk is read; what stays is one compact
//! row per submission (about 0.2 KB: names, codes, one byte per rule) for the summary tables.
//!
//! Accounting: every input file is either `assessed` or `rejected` (with its errors), never
//! skipped; `assessed + rejected = found`. Submissions of the same unified social credit code
//! are flagged and counted once in rates: the latest `assessment_date` wins, and on the same
//! date the one whose path sorts last (the later submission by name). See `docs/PERFORMANCE.md`
//! for the speed of all this and `docs/SCORING.md` for the score.

use crate::assess::{AssessOptions, Outcome, apply_waiver};
use crate::eval::{Env, Truth, truth};
use crate::facts::Facts;
use crate::model::{Level, Pack, Rule};
use crate::render::score::Score;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File extensions read as facts files when a directory is walked.
pub const FACTS_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "xlsx"];

/// How many submissions are read and assessed before a chunk is folded into the summary.
const CHUNK: usize = 2048;

// ───────────────────────────── outcomes, the fast path ─────────────────────────────

/// One rule's outcome as a batch keeps it: the outcome, and whether an undecided outcome has
/// a 不清楚 answer behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleOutcome {
    /// Outcome (after waivers).
    pub outcome: Outcome,
    /// `unanswered` with a 不清楚 answer behind it (the result's `dont_know` is not empty).
    pub dont_know: bool,
}

impl RuleOutcome {
    fn code(self) -> u8 {
        match (self.outcome, self.dont_know) {
            (Outcome::Pass, _) => 0,
            (Outcome::Fail, _) => 1,
            (Outcome::NotApplicable, _) => 2,
            (Outcome::Unanswered, false) => 3,
            (Outcome::Unanswered, true) => 4,
            (Outcome::Waived, _) => 5,
        }
    }

    fn from_code(c: u8) -> RuleOutcome {
        let (outcome, dont_know) = match c {
            0 => (Outcome::Pass, false),
            1 => (Outcome::Fail, false),
            2 => (Outcome::NotApplicable, false),
            4 => (Outcome::Unanswered, true),
            5 => (Outcome::Waived, false),
            _ => (Outcome::Unanswered, false),
        };
        RuleOutcome { outcome, dont_know }
    }
}

/// The outcome of every rule, in pack order, without explanations, references or digests:
/// the same outcomes (and 不清楚 flags) as [`crate::assess::assess`], at a fraction of the cost.
/// Only an undecided rule is evaluated a second time, with the explanation that names its
/// 不清楚 questions (`tests/batch.rs` checks the equality on thousands of submissions).
pub fn outcomes(pack: &Pack, facts: &Facts, opts: AssessOptions) -> Vec<RuleOutcome> {
    let env = Env::new(pack, facts);
    pack.rules
        .iter()
        .map(|rule| rule_outcome(facts, rule, &env, opts))
        .collect()
}

fn rule_outcome(facts: &Facts, rule: &Rule, env: &Env<'_>, opts: AssessOptions) -> RuleOutcome {
    let decided_by = match &rule.applies_when {
        Some(a) => match truth(a, env) {
            Truth::False => Some((Outcome::NotApplicable, None)),
            Truth::Unknown => Some((Outcome::Unanswered, Some(a))),
            Truth::True => None,
        },
        None => None,
    };
    let (outcome, undecided) = decided_by.unwrap_or_else(|| match truth(&rule.check, env) {
        Truth::True => (Outcome::Pass, None),
        Truth::False => (Outcome::Fail, None),
        Truth::Unknown => (Outcome::Unanswered, Some(&rule.check)),
    });
    let dont_know = undecided.is_some_and(|c| crate::eval::truth_and_dont_know(c, env).1);
    let outcome = if facts.waivers.is_empty() {
        outcome
    } else {
        apply_waiver(outcome, facts, &rule.id, opts).0
    };
    RuleOutcome { outcome, dont_know }
}

/// The score of a submission from its outcomes: the definition of docs/SCORING.md
/// ([`Score::of`] over findings), computed without findings. Required rules only; weights
/// critical 4, high 3, medium 2, low 1; `waived` is decided but not passing.
pub fn score(pack: &Pack, outcomes: &[RuleOutcome]) -> Score {
    score_items(
        pack.rules
            .iter()
            .zip(outcomes)
            .map(|(r, o)| (r.level, r.severity, *o)),
    )
}

/// The same score from `(level, severity, outcome)` triples (for results read back from JSON).
pub fn score_items(
    items: impl IntoIterator<Item = (Level, crate::model::Severity, RuleOutcome)>,
) -> Score {
    Score::from_outcomes(
        items
            .into_iter()
            .map(|(level, severity, o)| (level, severity, o.outcome, o.dont_know)),
    )
}

/// Indices of the pack's scopes (kinds of enterprise) the facts put the company in, as a bit set.
pub fn scope_mask(pack: &Pack, facts: &Facts) -> u64 {
    let env = Env::new(pack, facts);
    let mut mask = 0u64;
    for (i, s) in pack.scopes.iter().enumerate().take(64) {
        if truth(&s.when, &env) == Truth::True {
            mask |= 1 << i;
        }
    }
    mask
}

// ───────────────────────────── inputs ─────────────────────────────

/// The inputs of a batch, listed and sorted.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Facts files to assess, sorted by path, each once.
    pub files: Vec<String>,
    /// Arguments that named nothing (a missing path, a glob without matches, an unreadable
    /// directory): each is counted as a rejected input, with why.
    pub problems: Vec<(String, String)>,
    /// Files met while walking directories that are not facts files by their extension
    /// (listed in the summary, so nothing disappears without a word).
    pub other_files: Vec<String>,
}

fn is_facts_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FACTS_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn walk(dir: &Path, out: &mut Inputs) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.problems.push((
                dir.display().to_string(),
                format!("无法读取目录 cannot read directory: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if p.is_dir() {
            if !hidden {
                walk(&p, out);
            }
        } else if is_facts_name(&p) && !hidden {
            out.files.push(p.display().to_string());
        } else {
            out.other_files.push(p.display().to_string());
        }
    }
}

/// Lists the files named by `args`: files as given, directories walked (facts files by
/// extension: `.yaml`, `.yml`, `.json`, `.xlsx`; hidden entries skipped), anything with
/// `*`, `?` or `[` as a glob. Sorted by path, each file once.
pub fn expand_inputs(args: &[String]) -> Inputs {
    let mut out = Inputs::default();
    for arg in args {
        let path = Path::new(arg);
        if path.is_dir() {
            walk(path, &mut out);
        } else if path.exists() {
            out.files.push(arg.clone());
        } else if arg.contains(['*', '?', '[']) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut n = 0;
                    for p in paths {
                        match p {
                            Ok(p) if p.is_dir() => {
                                n += 1;
                                walk(&p, &mut out);
                            }
                            Ok(p) => {
                                n += 1;
                                out.files.push(p.display().to_string());
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
    out.files.sort();
    out.files.dedup();
    out.other_files.sort();
    out.other_files.dedup();
    out.problems.sort();
    out.problems.dedup();
    out
}

fn is_xlsx(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Reads a facts file as text: size limit, UTF-8, byte-order mark removed.
pub fn read_facts_text(path: &str, limits: &crate::node::Limits) -> Result<String, String> {
    let bytes = read_bytes(path, limits)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{path}: 不是 UTF-8 文本 not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    })
}

fn read_bytes(path: &str, limits: &crate::node::Limits) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
    let limit = if is_xlsx(path) {
        4 * limits.max_file_bytes
    } else {
        limits.max_file_bytes
    };
    if meta.len() > limit as u64 {
        return Err(format!(
            "{path}: 文件过大 file too large ({} bytes; limit {limit})",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// The batch's fast path: a plainly valid YAML or JSON file is decoded straight into typed
/// facts ([`crate::fast_facts`]), without the located tree. Anything else gives `None`, and the
/// caller reads the file again with [`load_facts`] so every problem carries its line and column.
fn fast_load(
    path: &str,
    text: &str,
    pack: &Pack,
    limits: &crate::node::Limits,
) -> Option<crate::facts::LoadedFacts> {
    let format = crate::node::Format::from_path(path);
    crate::fast_facts::decode(text, format, pack, limits)
}

/// Loads one submission: a YAML or JSON facts file, or an answered questionnaire workbook
/// (`.xlsx`, read as `hegui import` reads it). Errors are every problem, with file and place.
pub fn load_submission(
    path: &str,
    pack: &Pack,
    limits: &crate::node::Limits,
) -> Result<crate::facts::LoadedFacts, Vec<String>> {
    let loaded = if is_xlsx(path) {
        let bytes = read_bytes(path, limits).map_err(|e| vec![e])?;
        crate::import::import_workbook(path, &bytes, pack)
    } else {
        let text = read_facts_text(path, limits).map_err(|e| vec![e])?;
        fast_load(path, &text, pack, limits).map_or_else(
            || crate::facts::load_facts_with(path, &text, pack, limits),
            Ok,
        )
    };
    loaded.map_err(|diags| {
        let errors: Vec<&crate::diag::Diagnostic> = diags
            .iter()
            .filter(|d| d.level == crate::diag::Level::Error)
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
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
    pub lang: crate::render::Lang,
    /// Input limits (`--max-input-size`).
    pub limits: crate::node::Limits,
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
            let a = crate::assess::assess(pack, facts, aopts);
            let rel = report_name(path, index, format);
            match render_report(&a, pack, format, opts.lang).and_then(|text| {
                crate::cli::atomic_write(&opts.out.join(&rel), text.as_bytes())
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
    a: &crate::assess::Assessment,
    pack: &Pack,
    format: ReportFormat,
    lang: crate::render::Lang,
) -> Result<String, String> {
    let template = match format {
        ReportFormat::Json => return Ok(crate::render::json(a)),
        ReportFormat::Html => "report.html.j2",
        ReportFormat::Markdown => "report.md.j2",
    };
    thread_local! {
        static ENV: std::cell::OnceCell<minijinja::Environment<'static>> = const { std::cell::OnceCell::new() };
    }
    let opts = crate::render::ReportOptions::default();
    ENV.with(|cell| {
        let env = cell.get_or_init(|| crate::render::environment(lang, None));
        crate::render::report(env, template, a, pack, lang, &opts).map_err(|e| e.to_string())
    })
}

// ───────────────────────────── the summary ─────────────────────────────

/// Outcome counts, with 不清楚 as a part of `unanswered`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Failed.
    pub fail: u64,
    /// Unanswered (including 不清楚).
    pub unanswered: u64,
    /// Unanswered with a 不清楚 answer behind them.
    pub dont_know: u64,
    /// Not applicable.
    pub not_applicable: u64,
    /// Waived.
    pub waived: u64,
    /// Passed.
    pub pass: u64,
}

impl Tally {
    fn add(&mut self, o: RuleOutcome) {
        match o.outcome {
            Outcome::Fail => self.fail += 1,
            Outcome::Unanswered => {
                self.unanswered += 1;
                if o.dont_know {
                    self.dont_know += 1;
                }
            }
            Outcome::NotApplicable => self.not_applicable += 1,
            Outcome::Waived => self.waived += 1,
            Outcome::Pass => self.pass += 1,
        }
    }

    fn total(&self) -> u64 {
        self.fail + self.unanswered + self.not_applicable + self.waived + self.pass
    }

    fn rates(&self) -> Rates {
        let t = self.total();
        Rates {
            fail: rate(self.fail, t),
            unanswered: rate(self.unanswered, t),
            dont_know: rate(self.dont_know, t),
            not_applicable: rate(self.not_applicable, t),
            waived: rate(self.waived, t),
            pass: rate(self.pass, t),
        }
    }
}

/// Percentages of a [`Tally`]'s total, one decimal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Rates {
    /// Failed.
    pub fail: f64,
    /// Unanswered (including 不清楚).
    pub unanswered: f64,
    /// 不清楚.
    pub dont_know: f64,
    /// Not applicable.
    pub not_applicable: f64,
    /// Waived.
    pub waived: f64,
    /// Passed.
    pub pass: f64,
}

/// `n / d` as a percentage with one decimal (0 when `d` is 0).
pub fn rate(n: u64, d: u64) -> f64 {
    if d == 0 {
        return 0.0;
    }
    ((n as f64) * 1000.0 / (d as f64)).round() / 10.0
}

/// Per-rule roll-up.
#[derive(Clone, Debug, Serialize)]
pub struct RuleStat {
    /// Rule id.
    pub rule_id: String,
    /// Title.
    pub title: crate::text::Text,
    /// Section.
    pub section: String,
    /// Level.
    pub level: Level,
    /// Severity.
    pub severity: crate::model::Severity,
    /// Counts over the counted submissions.
    pub counts: Tally,
    /// Percentages of the counted submissions.
    pub rates: Rates,
}

/// A roll-up over a set of submissions (a section, a kind of enterprise, a region, an industry).
#[derive(Clone, Debug, Serialize)]
pub struct GroupStat {
    /// Key: section id, scope id, region code or industry.
    pub key: String,
    /// Title, where the pack gives one.
    pub title: Option<crate::text::Text>,
    /// Counted submissions in the group.
    pub submissions: u64,
    /// Outcomes of the group's required rules (for a section: its rules) over them.
    pub counts: Tally,
    /// Percentages of those outcomes.
    pub rates: Rates,
    /// Mean score of those with a score (percent, one decimal), `null` if none has one.
    pub mean_score: Option<f64>,
    /// Submissions with a score.
    pub scored: u64,
}

#[derive(Default)]
struct Acc {
    submissions: u64,
    counts: Tally,
    score_sum: u64,
    scored: u64,
}

impl Acc {
    fn stat(&self, key: String, title: Option<crate::text::Text>) -> GroupStat {
        GroupStat {
            key,
            title,
            submissions: self.submissions,
            counts: self.counts,
            rates: self.counts.rates(),
            mean_score: (self.scored > 0)
                .then(|| ((self.score_sum as f64) * 10.0 / (self.scored as f64)).round() / 10.0),
            scored: self.scored,
        }
    }

    fn add_row(&mut self, pack: &Pack, row: &Row) {
        self.submissions += 1;
        for (rule, o) in pack.rules.iter().zip(row.outcomes()) {
            if rule.level == Level::Required {
                self.counts.add(o);
            }
        }
        if let Some(s) = row.score.score {
            self.score_sum += u64::from(s);
            self.scored += 1;
        }
    }
}

/// One line of the submissions table.
#[derive(Clone, Debug, Serialize)]
pub struct SubmissionLine {
    /// Input path.
    pub path: String,
    /// `assessed` or `rejected`.
    pub status: &'static str,
    /// Organisation name.
    pub name: Option<String>,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Region code.
    pub region_code: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Assessment date.
    pub assessment_date: Option<NaiveDate>,
    /// Score (percent, rounded down).
    pub score: Option<u32>,
    /// Coverage (percent, rounded down).
    pub coverage: Option<u32>,
    /// Required rules failing.
    pub fail: usize,
    /// Required rules undecided.
    pub unanswered: usize,
    /// Of those, with a 不清楚 answer.
    pub dont_know: usize,
    /// Required rules waived.
    pub waived: usize,
    /// Required rules passing.
    pub pass: usize,
    /// Required rules not applicable.
    pub not_applicable: usize,
    /// Whether it counts in the rates (false for a superseded duplicate and for rejections).
    pub counted: bool,
    /// For a superseded duplicate: the path of the submission counted instead.
    pub superseded_by: Option<String>,
    /// Kinds of enterprise (scope ids).
    pub scopes: ScopeSet,
    /// Warnings while loading.
    pub warnings: usize,
    /// The report written for it, relative to the output directory.
    pub report: Option<String>,
    /// Errors of a rejected input.
    pub errors: Vec<String>,
}

/// Submissions sharing a credit code.
#[derive(Clone, Debug, Serialize)]
pub struct Duplicate {
    /// Credit code.
    pub credit_code: String,
    /// The submission counted (latest date; on a tie, the path sorting last).
    pub counted: String,
    /// The others, by path.
    pub superseded: Vec<String>,
}

/// A rejected input.
#[derive(Clone, Debug, Serialize)]
pub struct RejectedLine {
    /// Input path (or argument).
    pub path: String,
    /// Every error.
    pub errors: Vec<String>,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Format of this file.
    pub format: &'static str,
    /// Pack used.
    pub pack: crate::assess::PackInfo,
    /// Whether waivers were ignored.
    pub waivers_ignored: bool,
    /// Inputs found: facts files plus arguments that named nothing.
    pub found: u64,
    /// Assessed.
    pub assessed: u64,
    /// Rejected, each listed in `rejected_files`.
    pub rejected: u64,
    /// Submissions counted in rates: assessed, less superseded duplicates.
    pub counted: u64,
    /// Submissions superseded by a later one of the same organisation.
    pub superseded: u64,
    /// How the score is defined.
    pub score_definition: &'static str,
    /// How duplicates are resolved.
    pub duplicate_rule: &'static str,
    /// Score distribution of counted submissions: `[0-10), [10-20), …, [90-100]`, then no score.
    pub score_histogram: Vec<u64>,
    /// Mean score of counted submissions with a score.
    pub mean_score: Option<f64>,
    /// Per rule, in pack order.
    pub rules: Vec<RuleStat>,
    /// Per section (all its rules).
    pub sections: Vec<GroupStat>,
    /// Per kind of enterprise (required rules).
    pub scopes: Vec<GroupStat>,
    /// Per prefecture (first four digits of the region code + `00`).
    pub prefectures: Vec<GroupStat>,
    /// Per county (the region code).
    pub counties: Vec<GroupStat>,
    /// Per industry (as written).
    pub industries: Vec<GroupStat>,
    /// The lowest-scoring counted submissions.
    pub lowest: Vec<SubmissionLine>,
    /// Counted submissions that have no score (no decided required rule).
    pub unscored: u64,
    /// Organisations that submitted more than once.
    pub duplicates: Vec<Duplicate>,
    /// Every input that could not be assessed.
    pub rejected_files: Vec<RejectedLine>,
    /// Files found in walked directories that are not facts files (by extension).
    pub other_files: Vec<String>,
    /// Every submission, by path.
    pub submissions: Vec<SubmissionLine>,
}

const SCORE_DEFINITION: &str = "score = weight of passing required rules / weight of decided applicable required rules (critical 4, high 3, medium 2, low 1; waived counts as decided, not passing), percent rounded down; coverage = decided / applicable required rules (docs/SCORING.md)";
const DUPLICATE_RULE: &str = "submissions with the same credit code count once: the latest assessment_date wins; on the same date, the path that sorts last";

/// The state of a batch between chunks.
struct Fold {
    paths: Vec<String>,
    /// Per input: `None` rejected (errors in `rejected`), `Some(row)` assessed.
    rows: Vec<Option<Row>>,
    rejected: Vec<RejectedLine>,
}

/// Runs a batch over `inputs` and builds the summary (nothing is written).
pub fn run(pack: &Pack, inputs: &Inputs, opts: &BatchOptions) -> Summary {
    let bar = progress_bar(opts.progress, inputs.files.len() as u64);
    let mut fold = Fold {
        paths: Vec::with_capacity(inputs.files.len()),
        rows: Vec::with_capacity(inputs.files.len()),
        rejected: Vec::new(),
    };
    for (c, chunk) in inputs.files.chunks(CHUNK).enumerate() {
        let results: Vec<Processed> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, path)| {
                let r = process(pack, path, c * CHUNK + i, opts);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                r
            })
            .collect();
        for (path, r) in chunk.iter().zip(results) {
            fold.paths.push(path.clone());
            match r {
                Processed::Assessed(row) => fold.rows.push(Some(*row)),
                Processed::Rejected(errors) => {
                    fold.rows.push(None);
                    fold.rejected.push(RejectedLine {
                        path: path.clone(),
                        errors,
                    });
                }
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summarise(pack, inputs, fold, opts)
}

fn progress_bar(show: bool, n: u64) -> Option<indicatif::ProgressBar> {
    if !show {
        return None;
    }
    let bar = indicatif::ProgressBar::new(n);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} 份 submissions  {per_sec}  剩余 ETA {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

fn summarise(pack: &Pack, inputs: &Inputs, fold: Fold, opts: &BatchOptions) -> Summary {
    let Fold {
        paths,
        rows,
        mut rejected,
    } = fold;
    // Input index → its entry in `rejected` (both in input order).
    let rejected_at: HashMap<usize, usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .zip(0..)
        .collect();
    // Duplicates: credit code → winning input index.
    let mut winner: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(row) = row else { continue };
        let Some(code) = row.credit_code.as_deref() else {
            continue;
        };
        match winner.get(code) {
            Some(&w) => {
                let wdate = rows
                    .get(w)
                    .and_then(Option::as_ref)
                    .map(|r| r.date)
                    .unwrap_or(NaiveDate::MIN);
                // Later date wins; on a tie the later path (inputs are sorted, so `i > w`).
                if row.date >= wdate {
                    winner.insert(code, i);
                }
            }
            None => {
                winner.insert(code, i);
            }
        }
    }
    let counted_at = |i: usize, row: &Row| -> Option<usize> {
        match row.credit_code.as_deref() {
            Some(code) => winner.get(code).copied().filter(|w| *w != i),
            None => None,
        }
    };
    let mut dup_map: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(row) = row else { continue };
        if let Some(w) = counted_at(i, row)
            && let Some(code) = &row.credit_code
        {
            let winner_path = paths.get(w).cloned().unwrap_or_default();
            let e = dup_map
                .entry(code.clone())
                .or_insert_with(|| (winner_path, Vec::new()));
            e.1.push(paths.get(i).cloned().unwrap_or_default());
        }
    }
    let duplicates: Vec<Duplicate> = dup_map
        .into_iter()
        .map(|(credit_code, (counted, superseded))| Duplicate {
            credit_code,
            counted,
            superseded,
        })
        .collect();

    // Who supersedes whom, then the borrowed map goes, so the rows can be consumed below
    // (each row is dropped as its table line is made: the two never all coexist).
    let sup_of: Vec<Option<usize>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| r.as_ref().and_then(|r| counted_at(i, r)))
        .collect();
    let assessed = rows.iter().filter(|r| r.is_some()).count() as u64;
    drop(winner);
    let nrules = pack.rules.len();
    let mut rule_tally = vec![Tally::default(); nrules];
    let mut sections: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut scopes: Vec<Acc> = pack.scopes.iter().map(|_| Acc::default()).collect();
    let mut prefectures: BTreeMap<String, Acc> = BTreeMap::new();
    let mut counties: BTreeMap<String, Acc> = BTreeMap::new();
    let mut industries: BTreeMap<String, Acc> = BTreeMap::new();
    let mut histogram = vec![0u64; 11];
    let (mut counted, mut superseded, mut score_sum, mut scored) = (0u64, 0u64, 0u64, 0u64);
    let mut lowest: Vec<(u32, usize)> = Vec::new();
    let mut submissions = Vec::with_capacity(rows.len());
    // Scope ids are shared, not copied per submission (a batch keeps one line per file).
    let shared: std::sync::Arc<[String]> = pack.scopes.iter().map(|s| s.id.clone()).collect();
    let scope_ids = |mask: u64| ScopeSet {
        mask,
        ids: shared.clone(),
    };
    for (i, row) in rows.into_iter().enumerate() {
        let path = paths.get(i).cloned().unwrap_or_default();
        let Some(row) = row else {
            let errors = rejected_at
                .get(&i)
                .and_then(|r| rejected.get(*r))
                .map(|r| r.errors.clone())
                .unwrap_or_default();
            submissions.push(rejected_line(path, errors));
            continue;
        };
        let owned = row;
        let row = &owned;
        let sup = sup_of.get(i).copied().flatten();
        let is_counted = sup.is_none();
        if is_counted {
            counted += 1;
            for (tally, o) in rule_tally.iter_mut().zip(row.outcomes()) {
                tally.add(o);
            }
            // Sections: all rules of the section (required and recommended).
            let mut touched: BTreeSet<&str> = BTreeSet::new();
            for (rule, o) in pack.rules.iter().zip(row.outcomes()) {
                let acc = sections.entry(rule.section.as_str()).or_default();
                acc.counts.add(o);
                touched.insert(rule.section.as_str());
            }
            for s in touched {
                let acc = sections.entry(s).or_default();
                acc.submissions += 1;
                if let Some(sc) = row.score.score {
                    acc.score_sum += u64::from(sc);
                    acc.scored += 1;
                }
            }
            for (b, acc) in scopes.iter_mut().enumerate() {
                if b < 64 && row.scopes & (1 << b) != 0 {
                    acc.add_row(pack, row);
                }
            }
            let (pref, county) = match &row.region_code {
                Some(code) if code.len() == 6 && code.is_ascii() => (
                    format!("{}00", code.get(..4).unwrap_or_default()),
                    code.clone(),
                ),
                _ => (
                    "未填写 not given".to_string(),
                    "未填写 not given".to_string(),
                ),
            };
            prefectures.entry(pref).or_default().add_row(pack, row);
            counties.entry(county).or_default().add_row(pack, row);
            industries
                .entry(
                    row.industry
                        .clone()
                        .unwrap_or_else(|| "未填写 not given".into()),
                )
                .or_default()
                .add_row(pack, row);
            match row.score.score {
                Some(s) => {
                    score_sum += u64::from(s);
                    scored += 1;
                    if let Some(h) = histogram.get_mut((s.min(99) / 10) as usize) {
                        *h += 1;
                    }
                    lowest.push((s, i));
                    // Keep the list short: sort and cut whenever it doubles.
                    if lowest.len() >= opts.lowest.max(1) * 2 + 64 {
                        lowest.sort();
                        lowest.truncate(opts.lowest);
                    }
                }
                None => {
                    if let Some(h) = histogram.get_mut(10) {
                        *h += 1;
                    }
                }
            }
        } else {
            superseded += 1;
        }
        let scopes = scope_ids(row.scopes);
        submissions.push(line(
            path,
            owned,
            is_counted,
            sup.and_then(|w| paths.get(w).cloned()),
            scopes,
        ));
    }
    lowest.sort();
    lowest.truncate(opts.lowest);
    let lowest: Vec<SubmissionLine> = lowest
        .iter()
        .filter_map(|(_, i)| submissions.get(*i).cloned())
        .collect();
    // Arguments that named nothing are rejected inputs too.
    for (arg, why) in &inputs.problems {
        rejected.push(RejectedLine {
            path: arg.clone(),
            errors: vec![format!("{arg}: {why}")],
        });
    }
    rejected.sort_by(|a, b| a.path.cmp(&b.path));
    let rules: Vec<RuleStat> = pack
        .rules
        .iter()
        .zip(&rule_tally)
        .map(|(r, t)| RuleStat {
            rule_id: r.id.clone(),
            title: r.title.clone(),
            section: r.section.clone(),
            level: r.level,
            severity: r.severity,
            counts: *t,
            rates: t.rates(),
        })
        .collect();
    let section_stats = pack
        .sections
        .iter()
        .filter_map(|s| {
            sections
                .get(s.id.as_str())
                .map(|acc| acc.stat(s.id.clone(), Some(s.title.clone())))
        })
        .collect();
    let scope_stats = pack
        .scopes
        .iter()
        .zip(&scopes)
        .map(|(s, acc)| acc.stat(s.id.clone(), Some(s.title.clone())))
        .collect();
    let stats = |m: BTreeMap<String, Acc>| -> Vec<GroupStat> {
        m.into_iter().map(|(k, acc)| acc.stat(k, None)).collect()
    };
    Summary {
        format: "hegui.batch/1",
        pack: crate::assess::PackInfo {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            title: pack.meta.title.clone(),
            digest: pack.digest.clone(),
            questionnaire_digest: pack.questionnaire.digest.clone(),
        },
        waivers_ignored: opts.ignore_waivers,
        found: (paths.len() + inputs.problems.len()) as u64,
        assessed,
        rejected: rejected.len() as u64,
        counted,
        superseded,
        score_definition: SCORE_DEFINITION,
        duplicate_rule: DUPLICATE_RULE,
        score_histogram: histogram,
        mean_score: (scored > 0)
            .then(|| ((score_sum as f64) * 10.0 / (scored as f64)).round() / 10.0),
        rules,
        sections: section_stats,
        scopes: scope_stats,
        prefectures: stats(prefectures),
        counties: stats(counties),
        industries: stats(industries),
        lowest,
        unscored: counted - scored,
        duplicates,
        rejected_files: rejected,
        other_files: inputs.other_files.clone(),
        submissions,
    }
}

fn rejected_line(path: String, errors: Vec<String>) -> SubmissionLine {
    SubmissionLine {
        path,
        status: "rejected",
        name: None,
        credit_code: None,
        region_code: None,
        industry: None,
        assessment_date: None,
        score: None,
        coverage: None,
        fail: 0,
        unanswered: 0,
        dont_know: 0,
        waived: 0,
        pass: 0,
        not_applicable: 0,
        counted: false,
        superseded_by: None,
        scopes: ScopeSet::empty(),
        warnings: 0,
        report: None,
        errors,
    }
}

fn line(
    path: String,
    row: Row,
    counted: bool,
    superseded_by: Option<String>,
    scopes: ScopeSet,
) -> SubmissionLine {
    let s = &row.score;
    SubmissionLine {
        path,
        status: "assessed",
        name: Some(row.name),
        credit_code: row.credit_code,
        region_code: row.region_code,
        industry: row.industry,
        assessment_date: Some(row.date),
        score: s.score,
        coverage: s.coverage,
        fail: s.fail,
        unanswered: s.undecided,
        dont_know: s.dont_know,
        waived: s.waived,
        pass: s.pass,
        not_applicable: s.not_applicable,
        counted,
        superseded_by,
        scopes,
        warnings: row.warnings,
        report: row.report,
        errors: Vec::new(),
    }
}

/// The kinds of enterprise of one submission: a bit set over the pack's scope ids, which are
/// shared by every line (a batch keeps one line per file, so this stays 16 bytes a line).
/// Serialises as the list of ids.
#[derive(Clone, Debug)]
pub struct ScopeSet {
    mask: u64,
    ids: std::sync::Arc<[String]>,
}

impl ScopeSet {
    /// The ids, in pack order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.ids
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && self.mask & (1u64 << i) != 0)
            .map(|(_, s)| s.as_str())
    }

    /// The ids joined with `sep`.
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }

    /// No scopes (a rejected submission).
    pub fn empty() -> Self {
        ScopeSet {
            mask: 0,
            ids: std::sync::Arc::from(Vec::new()),
        }
    }
}

impl Serialize for ScopeSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

// ───────────────────────────── writing ─────────────────────────────

/// Writes `summary.json`, `summary.csv`, `summary.xlsx` and `overview.html` into `out`, each
/// atomically (temporary file, then rename).
pub fn write_all(summary: &Summary, out: &Path, lang: crate::render::Lang) -> Result<(), String> {
    write_streamed(&out.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    write_streamed(&out.join("summary.csv"), |w| write_csv(summary, w))?;
    xlsx(summary, &out.join("summary.xlsx"))?;
    let html = overview_html(summary, lang)?;
    write_file(&out.join("overview.html"), html.as_bytes())?;
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::cli::atomic_write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a file atomically without holding it in memory (see [`crate::atomic`]).
fn write_streamed(
    path: &Path,
    body: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), String> {
    crate::atomic::write_with(path, body).map_err(|e| format!("{}: {e}", path.display()))
}

/// A CSV cell: quoted when needed, and neutralised when a spreadsheet would read it as a
/// formula (OWASP: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front).
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

const CSV_HEADER: &[&str] = &[
    "文件 file",
    "状态 status",
    "计入统计 counted",
    "被替代 superseded_by",
    "企业名称 organisation",
    "统一社会信用代码 credit_code",
    "行政区划 region_code",
    "地市 prefecture",
    "行业 industry",
    "评估日期 assessment_date",
    "得分 score",
    "覆盖率 coverage",
    "未满足 fail",
    "尚无定论 unanswered",
    "不清楚 dont_know",
    "豁免 waived",
    "满足 pass",
    "不适用 not_applicable",
    "企业类型 scopes",
    "报告 report",
    "错误 errors",
];

fn opt_num(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn cells(s: &SubmissionLine) -> Vec<String> {
    vec![
        s.path.clone(),
        s.status.to_string(),
        if s.counted { "是 yes" } else { "否 no" }.to_string(),
        s.superseded_by.clone().unwrap_or_default(),
        s.name.clone().unwrap_or_default(),
        s.credit_code.clone().unwrap_or_default(),
        s.region_code.clone().unwrap_or_default(),
        s.region_code
            .as_deref()
            .filter(|c| c.len() == 6 && c.is_ascii())
            .map(|c| format!("{}00", c.get(..4).unwrap_or_default()))
            .unwrap_or_default(),
        s.industry.clone().unwrap_or_default(),
        s.assessment_date.map(|d| d.to_string()).unwrap_or_default(),
        opt_num(s.score),
        opt_num(s.coverage),
        s.fail.to_string(),
        s.unanswered.to_string(),
        s.dont_know.to_string(),
        s.waived.to_string(),
        s.pass.to_string(),
        s.not_applicable.to_string(),
        s.scopes.join(" "),
        s.report.clone().unwrap_or_default(),
        s.errors.join(" | "),
    ]
}

/// `summary.csv`: UTF-8 with a byte-order mark (so Excel and WPS read Chinese), CRLF line
/// ends, one row per input file, formula-like cells neutralised.
pub fn csv(summary: &Summary) -> String {
    let mut out = Vec::new();
    let _ = write_csv(summary, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn write_csv(summary: &Summary, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    let row = |w: &mut dyn Write, cells: &mut dyn Iterator<Item = String>| -> std::io::Result<()> {
        let line: Vec<String> = cells.map(|c| csv_cell(&c)).collect();
        w.write_all(line.join(",").as_bytes())?;
        w.write_all(b"\r\n")
    };
    row(w, &mut CSV_HEADER.iter().map(|h| h.to_string()))?;
    for s in &summary.submissions {
        row(w, &mut cells(s).into_iter())?;
    }
    Ok(())
}

fn xlsx(summary: &Summary, path: &Path) -> Result<(), String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("{}: {e}", path.display());
    let mut wb = Workbook::new();
    // Speed over size: level 1 deflate is several times faster on 100,000 rows.
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    {
        let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
        ws.set_name("提交 submissions").map_err(err)?;
        for (c, h) in CSV_HEADER.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(err)?;
        }
        for (r, s) in summary.submissions.iter().enumerate() {
            let row = r as u32 + 1;
            for (c, v) in cells(s).iter().enumerate() {
                let numeric = (10..=17).contains(&c);
                match v.parse::<f64>() {
                    Ok(x) if numeric => ws.write_number(row, c as u16, x).map_err(err)?,
                    _ => ws.write_string(row, c as u16, v).map_err(err)?,
                };
            }
        }
    }
    {
        let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
        ws.set_name("规则 rules").map_err(err)?;
        let head = [
            "规则 rule",
            "标题 title",
            "章节 section",
            "级别 level",
            "严重度 severity",
            "未满足 fail",
            "尚无定论 unanswered",
            "不清楚 dont_know",
            "不适用 not_applicable",
            "豁免 waived",
            "满足 pass",
            "未满足率 fail %",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(err)?;
        }
        for (r, rs) in summary.rules.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &rs.rule_id).map_err(err)?;
            ws.write_string(row, 1, &rs.title.zh).map_err(err)?;
            ws.write_string(row, 2, &rs.section).map_err(err)?;
            ws.write_string(row, 3, level_name(rs.level)).map_err(err)?;
            ws.write_string(row, 4, rs.severity.name()).map_err(err)?;
            let t = rs.counts;
            for (c, n) in [
                t.fail,
                t.unanswered,
                t.dont_know,
                t.not_applicable,
                t.waived,
                t.pass,
            ]
            .iter()
            .enumerate()
            {
                ws.write_number(row, 5 + c as u16, *n as f64).map_err(err)?;
            }
            ws.write_number(row, 11, rs.rates.fail).map_err(err)?;
        }
    }
    for (name, groups) in [
        ("地市 prefectures", &summary.prefectures),
        ("区县 counties", &summary.counties),
        ("行业 industries", &summary.industries),
        ("企业类型 scopes", &summary.scopes),
    ] {
        let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
        ws.set_name(name).map_err(err)?;
        let head = [
            "代码 key",
            "份数 submissions",
            "平均得分 mean score",
            "未满足率 fail %",
            "尚无定论率 unanswered %",
            "不清楚率 dont_know %",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(err)?;
        }
        for (r, g) in groups.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &g.key).map_err(err)?;
            ws.write_number(row, 1, g.submissions as f64).map_err(err)?;
            if let Some(m) = g.mean_score {
                ws.write_number(row, 2, m).map_err(err)?;
            }
            ws.write_number(row, 3, g.rates.fail).map_err(err)?;
            ws.write_number(row, 4, g.rates.unanswered).map_err(err)?;
            ws.write_number(row, 5, g.rates.dont_know).map_err(err)?;
        }
    }
    {
        let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
        ws.set_name("未能评估 rejected").map_err(err)?;
        ws.write_string_with_format(0, 0, "文件 file", &bold)
            .map_err(err)?;
        ws.write_string_with_format(0, 1, "错误 errors", &bold)
            .map_err(err)?;
        for (r, rj) in summary.rejected_files.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, &rj.path).map_err(err)?;
            // A cell holds at most 32,767 characters.
            let text: String = rj.errors.join("\n").chars().take(32_000).collect();
            ws.write_string(row, 1, &text).map_err(err)?;
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".summary.xlsx.{}.tmp", std::process::id()));
    let r = wb
        .save(&tmp)
        .map_err(err)
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Required => "required",
        Level::Recommended => "recommended",
    }
}

/// The HTML overview (`templates/batch.html.j2`). Submissions are not all listed: only the
/// lowest-scoring and the rejected ones (the full list is in the CSV, the xlsx and the JSON).
pub fn overview_html(summary: &Summary, lang: crate::render::Lang) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_fuel(Some(200_000_000));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let tmpl = crate::embedded::template("batch.html.j2")
        .ok_or_else(|| "template `batch.html.j2` is not embedded".to_string())?;
    env.add_template("batch.html.j2", tmpl)
        .map_err(|e| format!("template `batch.html.j2`: {e}"))?;
    let view = serde_json::json!({
        "s": {
            "format": summary.format, "pack": summary.pack, "waivers_ignored": summary.waivers_ignored,
            "found": summary.found, "assessed": summary.assessed, "rejected": summary.rejected,
            "counted": summary.counted, "superseded": summary.superseded, "mean_score": summary.mean_score,
            "score_histogram": summary.score_histogram, "unscored": summary.unscored,
            "rules": summary.rules, "sections": summary.sections, "scopes": summary.scopes,
            "prefectures": summary.prefectures, "counties": summary.counties,
            "industries": summary.industries, "lowest": summary.lowest,
            "duplicates": summary.duplicates.len(),
            "rejected_files": summary.rejected_files, "other_files": summary.other_files.len(),
            "score_definition": summary.score_definition, "duplicate_rule": summary.duplicate_rule,
        },
        "lang": lang,
    });
    env.get_template("batch.html.j2")
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&view))))
        .map_err(|e| {
            format!(
                "template `batch.html.j2`{}: {e}",
                e.line().map(|l| format!(" line {l}")).unwrap_or_default()
            )
        })
}

/// Writes a progress-free, human summary line for the terminal.
pub fn print_totals(summary: &Summary, out: &Path) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "共 {} 份，已评估 {}，未能评估 {}，计入统计 {}（重复提交被替代 {}）；输出目录 {}\nfound {}, assessed {}, rejected {}, counted {} ({} superseded duplicates); written to {}",
        summary.found,
        summary.assessed,
        summary.rejected,
        summary.counted,
        summary.superseded,
        out.display(),
        summary.found,
        summary.assessed,
        summary.rejected,
        summary.counted,
        summary.superseded,
        out.display()
    );
}
