//! The roll-up of a batch: every input folded, in input order, into a compact table, then the
//! statistics over the counted submissions.
//!
//! What stays in memory per input is one [`Record`] (about 150 bytes), its texts in one shared
//! arena, its path, and one outcome byte per rule: about 0.3 KB a submission with the shipped
//! pack, whatever the size of the file. The lines of the submissions table
//! ([`SubmissionLine`]) are views made from the table while the outputs are written; they are
//! never all built at once.
//!
//! Duplicates (the same unified social credit code) can only be resolved once every input is
//! known, so the statistics are computed at the end, in one pass over the table with the
//! per-rule outcome bytes; each submission's required-rule tally is computed once and added to
//! its section, kind of enterprise, region and industry.

use super::{
    BatchOptions, CHUNK, Inputs, Processed, ReportFormat, Row, RuleOutcome, process, report_name,
};
use crate::assess::Outcome;
use crate::model::{Level, Pack};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::collections::{BTreeMap, HashMap};

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

    fn add_all(&mut self, t: &Tally) {
        self.fail += t.fail;
        self.unanswered += t.unanswered;
        self.dont_know += t.dont_know;
        self.not_applicable += t.not_applicable;
        self.waived += t.waived;
        self.pass += t.pass;
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

    /// Counts one submission: its tally (of the rules the group counts) and its score.
    fn add(&mut self, counts: &Tally, score: Option<u32>) {
        self.submissions += 1;
        self.counts.add_all(counts);
        if let Some(s) = score {
            self.score_sum += u64::from(s);
            self.scored += 1;
        }
    }
}

/// Adds to the accumulator of `key`, making one only for a key not met before (no allocation
/// per submission).
fn add_keyed(map: &mut BTreeMap<String, Acc>, key: &str, counts: &Tally, score: Option<u32>) {
    match map.get_mut(key) {
        Some(acc) => acc.add(counts, score),
        None => map.entry(key.to_string()).or_default().add(counts, score),
    }
}

/// One line of the submissions table: a view of the batch's table, made while writing.
#[derive(Clone, Debug, Serialize)]
pub struct SubmissionLine<'a> {
    /// Input path.
    pub path: &'a str,
    /// `assessed` or `rejected`.
    pub status: &'static str,
    /// Organisation name.
    pub name: Option<&'a str>,
    /// Credit code.
    pub credit_code: Option<&'a str>,
    /// Region code.
    pub region_code: Option<&'a str>,
    /// Industry.
    pub industry: Option<&'a str>,
    /// Assessment date.
    #[serde(serialize_with = "iso_date")]
    pub assessment_date: Option<NaiveDate>,
    /// Score (percent, rounded down).
    pub score: Option<u32>,
    /// Coverage (percent, rounded down).
    pub coverage: Option<u32>,
    /// Required rules failing.
    pub fail: u32,
    /// Required rules undecided.
    pub unanswered: u32,
    /// Of those, with a 不清楚 answer.
    pub dont_know: u32,
    /// Required rules waived.
    pub waived: u32,
    /// Required rules passing.
    pub pass: u32,
    /// Required rules not applicable.
    pub not_applicable: u32,
    /// Whether it counts in the rates (false for a superseded duplicate and for rejections).
    pub counted: bool,
    /// For a superseded duplicate: the path of the submission counted instead.
    pub superseded_by: Option<&'a str>,
    /// Kinds of enterprise (scope ids).
    pub scopes: ScopeSet<'a>,
    /// Warnings while loading.
    pub warnings: u32,
    /// The report written for it, relative to the output directory.
    pub report: Option<String>,
    /// Errors of a rejected input.
    pub errors: &'a [String],
}

/// An optional date as chrono serialises it (`YYYY-MM-DD`), without its format machinery.
fn iso_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => {
            let mut text = String::with_capacity(10);
            crate::condition::push_iso_date(&mut text, *d);
            s.serialize_str(&text)
        }
        None => s.serialize_none(),
    }
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

/// The kinds of enterprise of one submission: a bit set over the pack's scope ids.
/// Serialises as the list of ids.
#[derive(Clone, Copy, Debug)]
pub struct ScopeSet<'a> {
    mask: u64,
    ids: &'a [String],
}

impl<'a> ScopeSet<'a> {
    /// The ids, in pack order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mask = self.mask;
        self.ids
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 64 && mask & (1u64 << i) != 0)
            .map(|(_, s)| s.as_str())
    }

    /// The ids joined with `sep`.
    pub fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }
}

impl Serialize for ScopeSet<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

// ───────────────────────────── the table ─────────────────────────────

/// A piece of the table's text arena; `start == usize::MAX` is "absent".
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    len: usize,
}

impl Span {
    const NONE: Span = Span {
        start: usize::MAX,
        len: 0,
    };

    /// The text of this span in `arena` (`None` for an absent one).
    fn of(self, arena: &str) -> Option<&str> {
        if self.start == usize::MAX {
            return None;
        }
        arena.get(self.start..self.start.saturating_add(self.len))
    }

    /// The same span in an arena where this one's starts at `base`.
    fn shifted(self, base: usize) -> Span {
        if self.start == usize::MAX {
            return self;
        }
        Span {
            start: self.start + base,
            len: self.len,
        }
    }
}

/// `usize::MAX` as "none" for an index.
const NO_INDEX: usize = usize::MAX;

/// What a batch keeps of one input.
#[derive(Clone, Debug)]
struct Record {
    assessed: bool,
    report: bool,
    name: Span,
    credit_code: Span,
    region_code: Span,
    industry: Span,
    date: NaiveDate,
    scopes: u64,
    score: Option<u32>,
    coverage: Option<u32>,
    /// fail, unanswered, dont_know, waived, pass, not_applicable (required rules).
    counts: [u32; 6],
    warnings: u32,
    /// For a superseded duplicate: the input counted instead.
    superseded_by: usize,
    /// For a rejected input: its entry in `rejected_files`.
    rejected: usize,
}

impl Record {
    /// Counted in the rates: assessed and not superseded by a later duplicate.
    fn counted(&self) -> bool {
        self.assessed && self.superseded_by == NO_INDEX
    }
}

/// Every input of a batch, compactly, in input (path) order.
#[derive(Debug, Default)]
struct Table {
    paths: Vec<String>,
    records: Vec<Record>,
    text: String,
    /// One outcome code per rule per record (rejected records too, as undecided).
    outcomes: Vec<u8>,
    nrules: usize,
    scope_ids: Vec<String>,
    report_format: Option<ReportFormat>,
}

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Table {
    fn push_text(&mut self, s: Option<&str>) -> Span {
        match s {
            Some(s) => {
                let start = self.text.len();
                self.text.push_str(s);
                Span {
                    start,
                    len: s.len(),
                }
            }
            None => Span::NONE,
        }
    }

    fn text(&self, span: Span) -> Option<&str> {
        span.of(&self.text)
    }

    fn outcome_codes(&self, i: usize) -> &[u8] {
        let start = i.saturating_mul(self.nrules);
        self.outcomes
            .get(start..start.saturating_add(self.nrules))
            .unwrap_or_default()
    }

    fn push_assessed(&mut self, row: Row) {
        let s = &row.score;
        let record = Record {
            assessed: true,
            report: row.report.is_some(),
            name: self.push_text(Some(&row.name)),
            credit_code: self.push_text(row.credit_code.as_deref()),
            region_code: self.push_text(row.region_code.as_deref()),
            industry: self.push_text(row.industry.as_deref()),
            date: row.date,
            scopes: row.scopes,
            score: s.score,
            coverage: s.coverage,
            counts: [
                small(s.fail),
                small(s.undecided),
                small(s.dont_know),
                small(s.waived),
                small(s.pass),
                small(s.not_applicable),
            ],
            warnings: small(row.warnings),
            superseded_by: NO_INDEX,
            rejected: NO_INDEX,
        };
        self.outcomes.extend_from_slice(&row.outcomes);
        // A row always has one outcome per rule; keep the table aligned whatever happens.
        self.outcomes
            .resize(self.records.len().saturating_add(1) * self.nrules, 3);
        self.records.push(record);
    }

    /// Appends the records of `part` (a table of the same pack), moving its texts.
    fn append(&mut self, part: Table) {
        let base = self.text.len();
        self.text.push_str(&part.text);
        self.outcomes.extend_from_slice(&part.outcomes);
        self.records
            .extend(part.records.into_iter().map(|r| Record {
                name: r.name.shifted(base),
                credit_code: r.credit_code.shifted(base),
                region_code: r.region_code.shifted(base),
                industry: r.industry.shifted(base),
                ..r
            }));
    }

    fn push_rejected(&mut self) {
        self.records.push(Record {
            assessed: false,
            report: false,
            name: Span::NONE,
            credit_code: Span::NONE,
            region_code: Span::NONE,
            industry: Span::NONE,
            date: NaiveDate::MIN,
            scopes: 0,
            score: None,
            coverage: None,
            counts: [0; 6],
            warnings: 0,
            superseded_by: NO_INDEX,
            rejected: NO_INDEX,
        });
        self.outcomes.resize(self.records.len() * self.nrules, 3);
    }

    /// The line of record `r`, input `i`.
    fn line<'a>(
        &'a self,
        i: usize,
        r: &Record,
        rejected: &'a [RejectedLine],
    ) -> SubmissionLine<'a> {
        let path = self.paths.get(i).map_or("", String::as_str);
        let [fail, unanswered, dont_know, waived, pass, not_applicable] = r.counts;
        SubmissionLine {
            path,
            status: if r.assessed { "assessed" } else { "rejected" },
            name: self.text(r.name),
            credit_code: self.text(r.credit_code),
            region_code: self.text(r.region_code),
            industry: self.text(r.industry),
            assessment_date: r.assessed.then_some(r.date),
            score: r.score,
            coverage: r.coverage,
            fail,
            unanswered,
            dont_know,
            waived,
            pass,
            not_applicable,
            counted: r.counted(),
            superseded_by: self.paths.get(r.superseded_by).map(String::as_str),
            scopes: ScopeSet {
                mask: r.scopes,
                ids: &self.scope_ids,
            },
            warnings: r.warnings,
            report: match self.report_format {
                Some(f) if r.report => Some(report_name(path, i, f)),
                _ => None,
            },
            errors: rejected
                .get(r.rejected)
                .map_or(&[][..], |x| x.errors.as_slice()),
        }
    }
}

// ───────────────────────────── the summary ─────────────────────────────

/// A batch's result: `summary.json`, and what the other outputs are made from.
#[derive(Debug)]
pub struct Summary {
    /// Format of `summary.json`.
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
    /// Counted submissions that have no score (no decided required rule).
    pub unscored: u64,
    /// Organisations that submitted more than once.
    pub duplicates: Vec<Duplicate>,
    /// Every input that could not be assessed, by path.
    pub rejected_files: Vec<RejectedLine>,
    /// Files found in walked directories that are not facts files (by extension).
    pub other_files: Vec<String>,
    /// The lowest-scoring counted submissions, as input indexes (lowest first).
    lowest: Vec<usize>,
    /// Every input.
    table: Table,
}

impl Summary {
    /// Every line of the submissions table, by path.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = SubmissionLine<'_>> + '_ {
        self.table
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| self.table.line(i, r, &self.rejected_files))
    }

    /// The lowest-scoring counted submissions, lowest first.
    pub fn lowest(&self) -> Vec<SubmissionLine<'_>> {
        self.lowest
            .iter()
            .filter_map(|i| {
                let r = self.table.records.get(*i)?;
                Some(self.table.line(*i, r, &self.rejected_files))
            })
            .collect()
    }
}

/// The submissions table as a JSON array, written line by line.
struct Lines<'a>(&'a Summary);

impl Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.lines())
    }
}

/// `summary.json` without its last member, the submissions table (which the writer adds line
/// by line).
pub(super) struct Head<'a>(&'a Summary);

impl Serialize for Head<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_members(s, false)
    }
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_members(s, true)
    }
}

impl Summary {
    /// Everything but the submissions table, as [`Summary`]'s `Serialize` writes it.
    pub(super) fn head(&self) -> Head<'_> {
        Head(self)
    }

    fn serialize_members<S: serde::Serializer>(
        &self,
        s: S,
        with_submissions: bool,
    ) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Summary", 24)?;
        st.serialize_field("format", self.format)?;
        st.serialize_field("pack", &self.pack)?;
        st.serialize_field("waivers_ignored", &self.waivers_ignored)?;
        st.serialize_field("found", &self.found)?;
        st.serialize_field("assessed", &self.assessed)?;
        st.serialize_field("rejected", &self.rejected)?;
        st.serialize_field("counted", &self.counted)?;
        st.serialize_field("superseded", &self.superseded)?;
        st.serialize_field("score_definition", self.score_definition)?;
        st.serialize_field("duplicate_rule", self.duplicate_rule)?;
        st.serialize_field("score_histogram", &self.score_histogram)?;
        st.serialize_field("mean_score", &self.mean_score)?;
        st.serialize_field("rules", &self.rules)?;
        st.serialize_field("sections", &self.sections)?;
        st.serialize_field("scopes", &self.scopes)?;
        st.serialize_field("prefectures", &self.prefectures)?;
        st.serialize_field("counties", &self.counties)?;
        st.serialize_field("industries", &self.industries)?;
        st.serialize_field("lowest", &self.lowest())?;
        st.serialize_field("unscored", &self.unscored)?;
        st.serialize_field("duplicates", &self.duplicates)?;
        st.serialize_field("rejected_files", &self.rejected_files)?;
        st.serialize_field("other_files", &self.other_files)?;
        if with_submissions {
            st.serialize_field("submissions", &Lines(self))?;
        }
        st.end()
    }
}

const SCORE_DEFINITION: &str = "score = weight of passing required rules / weight of decided applicable required rules (critical 4, high 3, medium 2, low 1; waived counts as decided, not passing), percent rounded down; coverage = decided / applicable required rules (docs/SCORING.md)";
const DUPLICATE_RULE: &str = "submissions with the same credit code count once: the latest assessment_date wins; on the same date, the path that sorts last";

/// How many inputs one thread folds into a table of its own before they join the batch's.
const PART: usize = 64;

/// Runs a batch over `inputs` and builds the summary (nothing is written but the optional
/// per-submission reports).
pub fn run(pack: &Pack, inputs: Inputs, opts: &BatchOptions) -> Summary {
    let Inputs {
        files,
        problems,
        other_files,
    } = inputs;
    let bar = progress_bar(opts.progress, files.len() as u64);
    let mut table = Table {
        records: Vec::with_capacity(files.len()),
        outcomes: Vec::with_capacity(files.len().saturating_mul(pack.rules.len())),
        nrules: pack.rules.len(),
        scope_ids: pack.scopes.iter().map(|s| s.id.clone()).collect(),
        report_format: opts.reports,
        ..Table::default()
    };
    // (entry, input index or `NO_INDEX` for an argument that named nothing)
    let mut rejected: Vec<(RejectedLine, usize)> = Vec::new();
    for (c, chunk) in files.chunks(CHUNK).enumerate() {
        // Each run of PART inputs is folded into a table of its own on the thread that assessed
        // it; here the parts are only appended, in input order (a few copies per part).
        let parts: Vec<(Table, Vec<(RejectedLine, usize)>)> = chunk
            .par_chunks(PART)
            .enumerate()
            .map(|(p, paths)| {
                let mut part = Table {
                    nrules: table.nrules,
                    ..Table::default()
                };
                let mut part_rejected = Vec::new();
                for (i, path) in paths.iter().enumerate() {
                    match process(pack, path, c * CHUNK + p * PART + i, opts) {
                        Processed::Assessed(row) => part.push_assessed(*row),
                        Processed::Rejected(errors) => {
                            part_rejected.push((
                                RejectedLine {
                                    path: path.clone(),
                                    errors,
                                },
                                part.records.len(),
                            ));
                            part.push_rejected();
                        }
                    }
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
                (part, part_rejected)
            })
            .collect();
        for (part, part_rejected) in parts {
            let base = table.records.len();
            rejected.extend(part_rejected.into_iter().map(|(r, i)| (r, base + i)));
            table.append(part);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    table.paths = files;
    // Arguments that named nothing are rejected inputs too.
    let unnamed = problems.len();
    for (arg, why) in problems {
        let errors = vec![format!("{arg}: {why}")];
        rejected.push((RejectedLine { path: arg, errors }, NO_INDEX));
    }
    rejected.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let mut rejected_files = Vec::with_capacity(rejected.len());
    for (at, (line, input)) in rejected.into_iter().enumerate() {
        if let Some(r) = table.records.get_mut(input) {
            r.rejected = at;
        }
        rejected_files.push(line);
    }
    summarise(pack, table, unnamed, rejected_files, other_files, opts)
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

/// Marks superseded duplicates in the table and lists them: per credit code, the latest
/// assessment date wins, and on the same date the input that sorts last.
fn resolve_duplicates(table: &mut Table) -> Vec<Duplicate> {
    let Table {
        paths,
        records,
        text,
        ..
    } = table;
    let code_of = |r: &Record| r.credit_code.of(text);
    let mut winner: HashMap<&str, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if !r.assessed {
            continue;
        }
        let Some(code) = code_of(r) else { continue };
        let later = match winner.get(code) {
            // Inputs are in path order, so on the same date `i` is the later path.
            Some(&w) => records.get(w).is_none_or(|x| r.date >= x.date),
            None => true,
        };
        if later {
            winner.insert(code, i);
        }
    }
    let mut dup_map: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    let mut superseded = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if !r.assessed {
            continue;
        }
        let Some(code) = code_of(r) else { continue };
        if let Some(&w) = winner.get(code)
            && w != i
        {
            superseded.push((i, w));
            dup_map
                .entry(code)
                .or_insert_with(|| (w, Vec::new()))
                .1
                .push(i);
        }
    }
    let path = |i: usize| paths.get(i).cloned().unwrap_or_default();
    let duplicates = dup_map
        .into_iter()
        .map(|(code, (w, sup))| Duplicate {
            credit_code: code.to_string(),
            counted: path(w),
            superseded: sup.into_iter().map(path).collect(),
        })
        .collect();
    for (i, w) in superseded {
        if let Some(r) = records.get_mut(i) {
            r.superseded_by = w;
        }
    }
    duplicates
}

fn summarise(
    pack: &Pack,
    mut table: Table,
    unnamed: usize,
    rejected_files: Vec<RejectedLine>,
    other_files: Vec<String>,
    opts: &BatchOptions,
) -> Summary {
    let duplicates = resolve_duplicates(&mut table);
    // Per rule: its section's position in the pack, and whether it is required.
    let section_of: Vec<Option<usize>> = pack
        .rules
        .iter()
        .map(|r| pack.sections.iter().position(|s| s.id == r.section))
        .collect();
    let required: Vec<bool> = pack
        .rules
        .iter()
        .map(|r| r.level == Level::Required)
        .collect();
    let mut rule_tally = vec![Tally::default(); pack.rules.len()];
    // Sections count all their rules (required and recommended).
    let mut sections: Vec<Acc> = pack.sections.iter().map(|_| Acc::default()).collect();
    let section_has_rules: Vec<bool> = (0..pack.sections.len())
        .map(|s| section_of.contains(&Some(s)))
        .collect();
    let mut scopes: Vec<Acc> = pack.scopes.iter().map(|_| Acc::default()).collect();
    let mut prefectures: BTreeMap<String, Acc> = BTreeMap::new();
    let mut counties: BTreeMap<String, Acc> = BTreeMap::new();
    let mut industries: BTreeMap<String, Acc> = BTreeMap::new();
    let mut histogram = vec![0u64; 11];
    let (mut assessed, mut counted, mut superseded) = (0u64, 0u64, 0u64);
    let (mut score_sum, mut scored) = (0u64, 0u64);
    let mut lowest: Vec<(u32, usize)> = Vec::new();
    let mut prefecture = String::new();
    const NOT_GIVEN: &str = "未填写 not given";
    for (i, r) in table.records.iter().enumerate() {
        if !r.assessed {
            continue;
        }
        assessed += 1;
        if !r.counted() {
            superseded += 1;
            continue;
        }
        counted += 1;
        let mut req = Tally::default();
        for (k, code) in table.outcome_codes(i).iter().enumerate() {
            let o = RuleOutcome::from_code(*code);
            if let Some(t) = rule_tally.get_mut(k) {
                t.add(o);
            }
            if let Some(acc) = section_of
                .get(k)
                .copied()
                .flatten()
                .and_then(|s| sections.get_mut(s))
            {
                acc.counts.add(o);
            }
            if required.get(k).copied().unwrap_or(false) {
                req.add(o);
            }
        }
        for (acc, has_rules) in sections.iter_mut().zip(&section_has_rules) {
            if *has_rules {
                acc.add(&Tally::default(), r.score);
            }
        }
        for (b, acc) in scopes.iter_mut().enumerate() {
            if b < 64 && r.scopes & (1 << b) != 0 {
                acc.add(&req, r.score);
            }
        }
        let region = table
            .text(r.region_code)
            .filter(|c| c.len() == 6 && c.is_ascii());
        let county = match region {
            Some(code) => {
                prefecture.clear();
                prefecture.push_str(code.get(..4).unwrap_or_default());
                prefecture.push_str("00");
                code
            }
            None => {
                prefecture.clear();
                prefecture.push_str(NOT_GIVEN);
                NOT_GIVEN
            }
        };
        add_keyed(&mut prefectures, &prefecture, &req, r.score);
        add_keyed(&mut counties, county, &req, r.score);
        add_keyed(
            &mut industries,
            table.text(r.industry).unwrap_or(NOT_GIVEN),
            &req,
            r.score,
        );
        match r.score {
            Some(s) => {
                score_sum += u64::from(s);
                scored += 1;
                if let Some(h) = histogram.get_mut((s.min(99) / 10) as usize) {
                    *h += 1;
                }
                lowest.push((s, i));
                // Keep the list short: sort and cut whenever it doubles.
                if lowest.len() >= opts.lowest.max(1) * 2 + 64 {
                    lowest.sort_unstable();
                    lowest.truncate(opts.lowest);
                }
            }
            None => {
                if let Some(h) = histogram.get_mut(10) {
                    *h += 1;
                }
            }
        }
    }
    lowest.sort_unstable();
    lowest.truncate(opts.lowest);
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
        .zip(&sections)
        .filter(|(_, acc)| acc.submissions > 0)
        .map(|(s, acc)| acc.stat(s.id.clone(), Some(s.title.clone())))
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
        found: (table.records.len() + unnamed) as u64,
        assessed,
        rejected: rejected_files.len() as u64,
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
        unscored: counted - scored,
        duplicates,
        rejected_files,
        other_files,
        lowest: lowest.into_iter().map(|(_, i)| i).collect(),
        table,
    }
}
