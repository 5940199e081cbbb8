//! The roll-up of a batch: every input encoded, in input order, into a spill store (memory up
//! to a budget, then a temporary file), then the statistics over the counted submissions, in
//! one pass that reads the store back.
//!
//! What stays in memory does not grow with the number of inputs: the statistics (per rule,
//! section, kind of enterprise, region and industry), the lowest-scoring few, and the spill
//! buffers. Each input's record (path, names, codes, date, score, one byte per rule; about
//! 0.2 KB with the shipped pack) goes to the store; duplicates (the same unified social credit
//! code) are resolved by an external sort of their keys, and the outputs read the store back
//! line by line ([`LineReader`]), so the submissions table is never built in memory.
//!
//! Each submission's required-rule tally is computed once and added to its section, kind of
//! enterprise, region and industry.

use super::spill::{self, Cursor, Sorter, Store, StoreReader};
use super::{
    BatchOptions, CHUNK, Inputs, Paths, Processed, ReportFormat, Row, RuleOutcome, process_at,
    report_name,
};
use chrono::{Datelike, NaiveDate};
use hegui_core::eval::assess::Outcome;
use hegui_core::eval::score::{self, Status};
use hegui_core::model::{Level, Pack};
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

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
    pub title: hegui_core::text::Text,
    /// Section.
    pub section: String,
    /// Level.
    pub level: Level,
    /// Severity.
    pub severity: hegui_core::model::Severity,
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
    pub title: Option<hegui_core::text::Text>,
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
    fn stat(&self, key: String, title: Option<hegui_core::text::Text>) -> GroupStat {
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

/// One pack's roll-up in a batch over several packs (`pack_stats` in summary.json): its
/// verdicts and its mean score and coverage over the counted submissions. There is no score
/// over the packs together.
#[derive(Clone, Debug, Serialize)]
pub struct PackStat {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Counted submissions by this pack's verdict.
    pub verdicts: VerdictCounts,
    /// Mean of this pack's score over the submissions with one (percent, one decimal).
    pub mean_score: Option<f64>,
    /// Submissions with a score for this pack.
    pub scored: u64,
    /// Mean of this pack's coverage over the submissions with one (percent, one decimal).
    pub mean_coverage: Option<f64>,
    /// Submissions with a coverage for this pack (some required rule of it applies).
    pub covered: u64,
}

#[derive(Default)]
struct PackAcc {
    verdicts: VerdictCounts,
    score_sum: u64,
    scored: u64,
    coverage_sum: u64,
    covered: u64,
}

impl PackAcc {
    fn add(&mut self, s: &hegui_core::eval::score::Score) {
        self.verdicts.add(s.status());
        if let Some(x) = s.score {
            self.score_sum += u64::from(x);
            self.scored += 1;
        }
        if let Some(x) = s.coverage {
            self.coverage_sum += u64::from(x);
            self.covered += 1;
        }
    }

    fn stat(&self, m: &MemberSpan) -> PackStat {
        let mean =
            |sum: u64, n: u64| (n > 0).then(|| ((sum as f64) * 10.0 / (n as f64)).round() / 10.0);
        PackStat {
            id: m.id.clone(),
            version: m.version.clone(),
            verdicts: self.verdicts,
            mean_score: mean(self.score_sum, self.scored),
            scored: self.scored,
            mean_coverage: mean(self.coverage_sum, self.covered),
            covered: self.covered,
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
    /// Verdict (docs/SCORING.md), `null` for a rejected input; for several packs the overall
    /// verdict, the worst of the packs' ([`score::overall`]).
    pub verdict: Option<Status>,
    /// Score (percent, rounded down). Left out for several packs: a score exists per pack
    /// only (`packs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Option<u32>>,
    /// Coverage (percent, rounded down). Left out for several packs, as `score`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Option<u32>>,
    /// For several packs: per pack, in pack order, its verdict, score and coverage. Left out
    /// for one pack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packs: Option<Vec<PackLine<'a>>>,
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

/// One pack's numbers in a submission's line (several packs only).
#[derive(Clone, Debug, Serialize)]
pub struct PackLine<'a> {
    /// Pack id.
    pub id: &'a str,
    /// Pack version.
    pub version: &'a str,
    /// The pack's verdict, `null` for a rejected input.
    pub verdict: Option<Status>,
    /// The pack's score (percent, rounded down).
    pub score: Option<u32>,
    /// The pack's coverage (percent, rounded down).
    pub coverage: Option<u32>,
}

/// An optional date as chrono serialises it (`YYYY-MM-DD`), without its format machinery.
fn iso_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => {
            let mut text = String::with_capacity(10);
            hegui_core::model::condition::push_iso_date(&mut text, *d);
            s.serialize_str(&text)
        }
        None => s.serialize_none(),
    }
}

/// Submissions by verdict, worst first (docs/SCORING.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    /// Some required rule fails.
    pub not_compliant: u64,
    /// None fails, some are undecided.
    pub undecided: u64,
    /// None fails or is undecided, some are waived.
    pub waived: u64,
    /// Every applicable required rule passes.
    pub compliant: u64,
    /// No required rule applies.
    pub no_obligations: u64,
}

impl VerdictCounts {
    fn add(&mut self, v: Status) {
        *match v {
            Status::NotCompliant => &mut self.not_compliant,
            Status::Undecided => &mut self.undecided,
            Status::Waived => &mut self.waived,
            Status::Compliant => &mut self.compliant,
            Status::NoObligations => &mut self.no_obligations,
        } += 1;
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

/// A duplicate group with why the one counted is (the overview's view of `duplicates`).
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateGroup {
    /// Credit code.
    pub credit_code: String,
    /// The submission counted.
    pub counted: String,
    /// The others.
    pub superseded: Vec<String>,
    /// Why.
    pub reason: String,
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

// ───────────────────────────── records ─────────────────────────────
//
// One record per input, in input order, in a spill store: flags (assessed, report written),
// path, name, credit code, region code, industry, assessment date, scopes, score, coverage,
// the six required-rule counts, warnings, one outcome byte per rule, errors.

const ASSESSED: u8 = 1;
const REPORT: u8 = 2;
/// `u32::MAX` as "none" for a score or a coverage.
const NONE_U32: u32 = u32::MAX;

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE_U32 - 1)
}

/// A record read back: views into its bytes.
#[derive(Clone, Copy, Debug)]
struct RecordView<'a> {
    assessed: bool,
    report: bool,
    path: &'a str,
    name: Option<&'a str>,
    credit_code: Option<&'a str>,
    region_code: Option<&'a str>,
    industry: Option<&'a str>,
    date: NaiveDate,
    scopes: u64,
    score: Option<u32>,
    coverage: Option<u32>,
    /// fail, unanswered, dont_know, waived, pass, not_applicable (required rules).
    counts: [u32; 6],
    warnings: u32,
    /// One outcome code per rule (none for a rejected input).
    outcomes: &'a [u8],
}

impl<'a> RecordView<'a> {
    /// The record of an assessed input.
    fn assessed(path: &'a str, row: &'a Row) -> RecordView<'a> {
        let s = &row.score;
        RecordView {
            assessed: true,
            report: row.report.is_some(),
            path,
            name: Some(&row.name),
            credit_code: row.credit_code.as_deref(),
            region_code: row.region_code.as_deref(),
            industry: row.industry.as_deref(),
            date: row.date,
            scopes: row.scopes,
            score: s.score,
            coverage: s.coverage,
            counts: [
                s.fail,
                s.undecided,
                s.dont_know,
                s.waived,
                s.pass,
                s.not_applicable,
            ]
            .map(small),
            warnings: small(row.warnings),
            outcomes: &row.outcomes,
        }
    }

    /// The record of a rejected input.
    fn rejected(path: &'a str) -> RecordView<'a> {
        RecordView {
            assessed: false,
            report: false,
            path,
            name: None,
            credit_code: None,
            region_code: None,
            industry: None,
            date: NaiveDate::MIN,
            scopes: 0,
            score: None,
            coverage: None,
            counts: [0; 6],
            warnings: 0,
            outcomes: &[],
        }
    }

    /// Appends the record, with `errors`, framed, to `out` (`rec` is a scratch buffer).
    fn write(&self, errors: &[String], rec: &mut Vec<u8>, out: &mut Vec<u8>) -> io::Result<()> {
        rec.clear();
        rec.push(if self.assessed { ASSESSED } else { 0 } | if self.report { REPORT } else { 0 });
        spill::put_str(rec, self.path)?;
        for text in [self.name, self.credit_code, self.region_code, self.industry] {
            spill::put_opt_str(rec, text)?;
        }
        spill::put_i32(rec, self.date.num_days_from_ce());
        spill::put_u64(rec, self.scopes);
        spill::put_u32(rec, self.score.unwrap_or(NONE_U32));
        spill::put_u32(rec, self.coverage.unwrap_or(NONE_U32));
        for n in self.counts {
            spill::put_u32(rec, n);
        }
        spill::put_u32(rec, self.warnings);
        spill::put_framed(rec, self.outcomes)?;
        put_errors(rec, errors)?;
        spill::put_framed(out, rec)
    }

    /// The record in `rec`, and a cursor at its errors (for [`read_errors`]).
    fn read(rec: &'a [u8]) -> io::Result<(RecordView<'a>, Cursor<'a>)> {
        let mut c = Cursor::new(rec);
        let flags = c.u8()?;
        let path = c.str()?;
        let (name, credit_code, region_code, industry) =
            (c.opt_str()?, c.opt_str()?, c.opt_str()?, c.opt_str()?);
        let date = NaiveDate::from_num_days_from_ce_opt(c.i32()?).ok_or_else(spill::malformed)?;
        let scopes = c.u64()?;
        let opt = |n: u32| (n != NONE_U32).then_some(n);
        let (score, coverage) = (opt(c.u32()?), opt(c.u32()?));
        let mut counts = [0u32; 6];
        for n in &mut counts {
            *n = c.u32()?;
        }
        let warnings = c.u32()?;
        let len = c.u32()? as usize;
        let outcomes = c.bytes(len)?;
        let view = RecordView {
            assessed: flags & ASSESSED != 0,
            report: flags & REPORT != 0,
            path,
            name,
            credit_code,
            region_code,
            industry,
            date,
            scopes,
            score,
            coverage,
            counts,
            warnings,
            outcomes,
        };
        Ok((view, c))
    }

    /// The verdict of an assessed input, from its required-rule counts (the core function).
    fn verdict(&self) -> Status {
        let [fail, unanswered, _, waived, pass, _] = self.counts.map(|n| n as usize);
        score::status(fail, unanswered, waived, fail + unanswered + waived + pass)
    }

    /// Counted in the rates: assessed and not superseded by a later duplicate.
    fn counted(&self, superseded_by: Option<&str>) -> bool {
        self.assessed && superseded_by.is_none()
    }

    /// The line of this record, input `i`.
    fn line(
        &self,
        i: u64,
        ctx: &'a LineContext,
        superseded_by: Option<&'a str>,
        errors: &'a [String],
    ) -> SubmissionLine<'a> {
        let [fail, unanswered, dont_know, waived, pass, not_applicable] = self.counts;
        let packs = (!ctx.members.is_empty()).then(|| {
            ctx.pack_scores(self.outcomes)
                .map(|(m, s)| PackLine {
                    id: &m.id,
                    version: &m.version,
                    verdict: self.assessed.then(|| s.status()),
                    score: s.score,
                    coverage: s.coverage,
                })
                .collect::<Vec<_>>()
        });
        let verdict = match &packs {
            Some(packs) => self
                .assessed
                .then(|| score::overall(packs.iter().filter_map(|p| p.verdict))),
            None => self.assessed.then(|| self.verdict()),
        };
        let multi = packs.is_some();
        SubmissionLine {
            path: self.path,
            status: if self.assessed {
                "assessed"
            } else {
                "rejected"
            },
            name: self.name,
            credit_code: self.credit_code,
            region_code: self.region_code,
            industry: self.industry,
            assessment_date: self.assessed.then_some(self.date),
            verdict,
            score: (!multi).then_some(self.score),
            coverage: (!multi).then_some(self.coverage),
            packs,
            fail,
            unanswered,
            dont_know,
            waived,
            pass,
            not_applicable,
            counted: self.counted(superseded_by),
            superseded_by,
            scopes: ScopeSet {
                mask: self.scopes,
                ids: &ctx.scope_ids,
            },
            warnings: self.warnings,
            report: match ctx.report_format {
                Some(f) if self.report => Some(report_name(
                    self.path,
                    usize::try_from(i).unwrap_or(usize::MAX),
                    f,
                )),
                _ => None,
            },
            errors,
        }
    }
}

/// What a line needs besides its record.
#[derive(Debug)]
struct LineContext {
    scope_ids: Vec<String>,
    report_format: Option<ReportFormat>,
    /// For several packs: each pack's id, version and its rules' range; empty for one pack.
    members: Vec<MemberSpan>,
    /// Per rule: level and severity (what a pack's score needs besides the outcome).
    weights: Vec<(Level, hegui_core::model::Severity)>,
}

/// A pack of a set: its id, version, and the range of its rules in the set's rules.
#[derive(Debug)]
struct MemberSpan {
    id: String,
    version: String,
    rules: std::ops::Range<usize>,
}

impl LineContext {
    fn new(pack: &Pack, report_format: Option<ReportFormat>) -> LineContext {
        let mut start = 0;
        let members = pack
            .members
            .iter()
            .map(|m| {
                let rules = start..start + m.rules.len();
                start = rules.end;
                MemberSpan {
                    id: m.id.clone(),
                    version: m.version.clone(),
                    rules,
                }
            })
            .collect();
        LineContext {
            scope_ids: pack.scopes.iter().map(|s| s.id.clone()).collect(),
            report_format,
            members,
            weights: pack.rules.iter().map(|r| (r.level, r.severity)).collect(),
        }
    }

    /// Per pack of a set, in pack order: its score from the outcome bytes of its rules (the
    /// core function, [`hegui_core::eval::score::Score::from_outcomes`]).
    fn pack_scores<'s>(
        &'s self,
        outcomes: &'s [u8],
    ) -> impl Iterator<Item = (&'s MemberSpan, hegui_core::eval::score::Score)> + 's {
        self.members.iter().map(move |m| {
            let codes = outcomes.get(m.rules.clone()).unwrap_or_default();
            let weights = self.weights.get(m.rules.clone()).unwrap_or_default();
            let score = hegui_core::eval::score::Score::from_outcomes(
                codes.iter().zip(weights).map(|(code, (level, severity))| {
                    let o = RuleOutcome::from_code(*code);
                    (*level, *severity, o.outcome, o.dont_know)
                }),
            );
            (m, score)
        })
    }
}

/// The inputs one thread assessed, encoded: their records, the duplicate keys of those with a
/// credit code and the rejected ones' entries, each framed.
#[derive(Debug, Default)]
struct Part {
    records: Vec<u8>,
    count: u64,
    duplicate_keys: Vec<u8>,
    rejected: Vec<u8>,
    flags: Vec<u8>,
    rec: Vec<u8>,
}

impl Part {
    fn push_assessed(&mut self, i: u64, path: &str, row: &Row, as_of: NaiveDate) -> io::Result<()> {
        RecordView::assessed(path, row).write(&[], &mut self.rec, &mut self.records)?;
        self.count += 1;
        let future = row.date > as_of;
        if future {
            put_flag(
                &mut self.rec,
                path,
                FUTURE_DATE,
                &format!(
                    "assessment_date {} 晚于基准日 {as_of}，不替代任何不晚于基准日的提交 is after the reference date {as_of} (--as-of); it supersedes no submission dated on or before it",
                    row.date
                ),
            )?;
            spill::put_framed(&mut self.flags, &self.rec)?;
        }
        if let Some(code) = &row.credit_code {
            // Per code, the winner first: dated on or before the reference date, then the
            // latest date, then the latest input.
            let rec = &mut self.rec;
            rec.clear();
            spill::put_key_str(rec, code);
            rec.push(u8::from(future));
            spill::put_key_u64(rec, u64::MAX - date_key(row.date));
            spill::put_key_u64(rec, u64::MAX - i);
            spill::put_str(rec, path)?;
            spill::put_str(rec, &row.name)?;
            spill::put_i32(rec, row.date.num_days_from_ce());
            spill::put_framed(&mut self.duplicate_keys, rec)?;
        }
        Ok(())
    }

    fn push_rejected(&mut self, path: &str, errors: &[String]) -> io::Result<()> {
        RecordView::rejected(path).write(errors, &mut self.rec, &mut self.records)?;
        self.count += 1;
        rejected_entry(&mut self.rec, path, errors)?;
        spill::put_framed(&mut self.rejected, &self.rec)
    }
}

/// The flag of a submission dated after the run's reference date.
const FUTURE_DATE: &str = "future_assessment_date";
/// The flag of a credit code used under more than one organisation name.
const NAME_CONFLICT: &str = "credit_code_name_conflict";

/// A flag's entry, sorted by path: the path as a key, the flag, what it means.
fn put_flag(rec: &mut Vec<u8>, path: &str, flag: &str, detail: &str) -> io::Result<()> {
    rec.clear();
    spill::put_key_str(rec, path);
    spill::put_str(rec, flag)?;
    spill::put_str(rec, detail)
}

/// A submission flagged for a reviewer's attention (`flags` in summary.json): a date after
/// the reference date, a credit code under two organisation names.
#[derive(Clone, Debug, Serialize)]
pub struct Flag {
    /// The input.
    pub path: String,
    /// `future_assessment_date` or `credit_code_name_conflict`.
    pub flag: String,
    /// What it means (bilingual).
    pub detail: String,
}

fn read_flag(rec: &[u8]) -> io::Result<Flag> {
    let mut c = Cursor::new(rec);
    Ok(Flag {
        path: c.key_str()?,
        flag: c.str()?.to_string(),
        detail: c.str()?.to_string(),
    })
}

/// A date as a key whose byte order is date order.
fn date_key(d: NaiveDate) -> u64 {
    (i64::from(d.num_days_from_ce()) - i64::from(i32::MIN)) as u64
}

fn put_errors(rec: &mut Vec<u8>, errors: &[String]) -> io::Result<()> {
    spill::put_u32(rec, small(errors.len()));
    for e in errors {
        spill::put_str(rec, e)?;
    }
    Ok(())
}

/// A rejected input's entry, sorted by path: the path as a key, then the errors.
fn rejected_entry(rec: &mut Vec<u8>, path: &str, errors: &[String]) -> io::Result<()> {
    rec.clear();
    spill::put_key_str(rec, path);
    put_errors(rec, errors)
}

/// The errors written by [`put_errors`], into `out` (cleared first).
fn read_errors(mut c: Cursor<'_>, out: &mut Vec<String>) -> io::Result<()> {
    out.clear();
    for _ in 0..c.u32()? {
        out.push(c.str()?.to_string());
    }
    Ok(())
}

fn read_rejected(rec: &[u8]) -> io::Result<RejectedLine> {
    let mut c = Cursor::new(rec);
    let path = c.key_str()?;
    let mut errors = Vec::new();
    read_errors(c, &mut errors)?;
    Ok(RejectedLine { path, errors })
}

/// The superseded inputs, by input index, read alongside the records.
struct SupersededCursor<'s> {
    reader: StoreReader<&'s Store>,
    /// The next superseded input not yet passed: its index and the path counted instead.
    next: Option<(u64, String)>,
}

impl<'s> SupersededCursor<'s> {
    fn new(store: &'s Store) -> io::Result<SupersededCursor<'s>> {
        let mut cursor = SupersededCursor {
            reader: store.reader()?,
            next: None,
        };
        cursor.read()?;
        Ok(cursor)
    }

    fn read(&mut self) -> io::Result<()> {
        self.next = match self.reader.next()? {
            Some(rec) => {
                let mut c = Cursor::new(rec);
                Some((c.key_u64()?, c.str()?.to_string()))
            }
            None => None,
        };
        Ok(())
    }

    /// For input `i` (asked in increasing order): the path counted instead, if superseded.
    fn at(&mut self, i: u64) -> io::Result<Option<&str>> {
        while self.next.as_ref().is_some_and(|(n, _)| *n < i) {
            self.read()?;
        }
        Ok(match &self.next {
            Some((n, path)) if *n == i => Some(path.as_str()),
            _ => None,
        })
    }
}

/// Reads the submissions table line by line (a lending reader: each line borrows the reader).
pub struct LineReader<'s> {
    summary: &'s Summary,
    records: StoreReader<&'s Store>,
    superseded: SupersededCursor<'s>,
    i: u64,
    errors: Vec<String>,
}

impl LineReader<'_> {
    /// The next line, or `None` after the last.
    #[allow(
        clippy::should_implement_trait,
        reason = "a lending reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<SubmissionLine<'_>>> {
        let Some(rec) = self.records.next()? else {
            return Ok(None);
        };
        let i = self.i;
        self.i += 1;
        let (view, errors) = RecordView::read(rec)?;
        read_errors(errors, &mut self.errors)?;
        let superseded_by = self.superseded.at(i)?;
        Ok(Some(view.line(
            i,
            &self.summary.context,
            superseded_by,
            &self.errors,
        )))
    }
}

// ───────────────────────────── the summary ─────────────────────────────

/// A batch's result: `summary.json`, and what the other outputs are made from. The statistics
/// are in memory; the submissions table and the lists that grow with the inputs (rejected
/// inputs, duplicates, other files) are in spill stores, read back by each output.
#[derive(Debug)]
pub struct Summary {
    /// Format of `summary.json`.
    pub format: &'static str,
    /// Pack used (for several packs: the first; see `packs`).
    pub pack: hegui_core::eval::assess::PackInfo,
    /// For several packs (`--pack A --pack B`): every pack of the set, in order; each
    /// submission was read once and the rules of all of them are counted together in `rules`
    /// and the rates. Absent for one pack.
    pub packs: Vec<hegui_core::eval::assess::PackRef>,
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
    /// Counted submissions by verdict (docs/SCORING.md).
    pub verdicts: VerdictCounts,
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
    /// Counted submissions that have no score (no decided required rule); 0 for several
    /// packs (see `pack_stats`).
    pub unscored: u64,
    /// For several packs: per pack, its verdicts and mean score and coverage; empty for one
    /// pack. For several packs `mean_score` is `null`, the groups' mean scores are `null`
    /// and `score_histogram` and `unscored` are left out of summary.json: a score exists per
    /// pack only.
    pub pack_stats: Vec<PackStat>,
    /// Organisations that submitted more than once (each listed in `duplicates`).
    pub duplicate_organisations: u64,
    /// Files found in walked directories that are not facts files (each listed in
    /// `other_files`).
    pub other_file_count: u64,
    /// The limits every company's assessment shares (the pack's notes and known gaps addressed
    /// to enterprises), for the overview; not part of `summary.json`.
    pub limits: hegui_report::render::view::LimitsView,
    /// The lowest-scoring counted submissions, lowest first: input index and record.
    lowest: Vec<(u64, Vec<u8>)>,
    context: LineContext,
    /// Every input's record, in input order.
    records: Store,
    /// Superseded inputs by index, with the path counted instead.
    superseded_by: Store,
    /// Duplicates by credit code: the one counted, then the others by path.
    duplicates: Store,
    /// Rejected inputs by path, with their errors.
    rejected_files: Arc<Store>,
    /// Other files, by path.
    other_files: Paths,
    /// Paths not assessed, with why (see [`super::Inputs::skipped`]); in `summary.json` only
    /// when there is one.
    pub skipped: Vec<Skipped>,
    /// The reference date: a submission dated after it is flagged and supersedes none dated
    /// on or before it (`--as-of`, default today).
    pub as_of: NaiveDate,
    /// Flags by path: dates after `as_of`, credit codes under two names.
    flags: Store,
}

/// A path a batch did not assess, and why: a second path to a file already listed, a
/// directory already walked, an Excel lock file, the batch's own output.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    /// The path.
    pub path: String,
    /// Why (bilingual).
    pub reason: String,
}

impl Summary {
    /// Every line of the submissions table, by path.
    pub fn lines(&self) -> io::Result<LineReader<'_>> {
        Ok(LineReader {
            summary: self,
            records: self.records.reader()?,
            superseded: SupersededCursor::new(&self.superseded_by)?,
            i: 0,
            errors: Vec::new(),
        })
    }

    /// Whether the submissions table went to a temporary file (more than the memory budget
    /// of records; `HEGUI_SPILL_BYTES` changes the budget).
    pub fn spilled(&self) -> bool {
        self.records.on_disk()
    }

    /// Number of lines in the submissions table (one per input file).
    pub fn line_count(&self) -> u64 {
        self.records.len()
    }

    /// The lowest-scoring counted submissions, lowest first.
    pub fn lowest(&self) -> io::Result<Vec<SubmissionLine<'_>>> {
        self.lowest
            .iter()
            .map(|(i, rec)| Ok(RecordView::read(rec)?.0.line(*i, &self.context, None, &[])))
            .collect()
    }

    /// The flagged submissions, by path.
    pub fn flags(&self) -> io::Result<FlagReader<'_>> {
        Ok(FlagReader(self.flags.reader()?))
    }

    /// The first `max` duplicate groups, each with why the one counted is.
    pub fn duplicate_groups(&self, max: usize) -> io::Result<Vec<DuplicateGroup>> {
        let mut reader = DuplicateReader {
            reader: self.duplicates.reader()?,
            peeked: None,
        };
        let mut out: Vec<DuplicateGroup> = Vec::new();
        while let Some(e) = reader.next_if(|_| true)? {
            if e.counted {
                if out.len() == max {
                    break;
                }
                out.push(DuplicateGroup {
                    credit_code: e.credit_code,
                    counted: e.path,
                    superseded: Vec::new(),
                    reason: e.reason,
                });
            } else if let Some(g) = out.last_mut() {
                g.superseded.push(e.path);
            }
        }
        Ok(out)
    }

    /// How many flags there are.
    pub fn flag_count(&self) -> u64 {
        self.flags.len()
    }

    /// The rejected inputs, by path.
    pub fn rejected_files(&self) -> io::Result<RejectedReader<&Store>> {
        RejectedReader::of(&*self.rejected_files)
    }

    /// The store of the rejected inputs (for a reader that owns what it reads).
    pub(super) fn rejected_store(&self) -> Arc<Store> {
        Arc::clone(&self.rejected_files)
    }
}

/// Reads the rejected inputs.
#[derive(Debug)]
pub struct RejectedReader<S>(StoreReader<S>);

impl<S: std::ops::Deref<Target = Store>> RejectedReader<S> {
    /// A reader at the first rejected input of `store`.
    pub(super) fn of(store: S) -> io::Result<RejectedReader<S>> {
        Ok(RejectedReader(StoreReader::new(store)?))
    }

    /// The next rejected input, or `None` after the last.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible; see the Iterator impl"
    )]
    pub fn next(&mut self) -> io::Result<Option<RejectedLine>> {
        self.0.next()?.map(read_rejected).transpose()
    }
}

fn ser_err<E: serde::ser::Error>(e: io::Error) -> E {
    E::custom(e)
}

/// Serialises what a lending reader gives (`.next()` → `io::Result<Option<item>>`) as a
/// sequence of `len` items; the readers lend their items, so no iterator can carry them.
macro_rules! serialize_reader {
    ($s:expr, $len:expr, $reader:expr) => {{
        use serde::ser::SerializeSeq;
        let mut seq = $s.serialize_seq(usize::try_from($len).ok())?;
        let mut reader = $reader.map_err(ser_err)?;
        while let Some(item) = reader.next().map_err(ser_err)? {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }};
}

/// The submissions table as a JSON array, written line by line.
struct Lines<'a>(&'a Summary);

impl Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_reader!(s, self.0.line_count(), self.0.lines())
    }
}

/// The rejected inputs as a JSON array.
struct RejectedFiles<'a>(&'a Summary);

impl Serialize for RejectedFiles<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_reader!(s, self.0.rejected_files.len(), self.0.rejected_files())
    }
}

/// The flags as a JSON array.
struct Flags<'a>(&'a Summary);

impl Serialize for Flags<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_reader!(s, self.0.flags.len(), self.0.flags())
    }
}

/// Reads the flags, by path.
pub struct FlagReader<'s>(StoreReader<&'s Store>);

impl FlagReader<'_> {
    /// The next flag, or `None` after the last.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible; a reader, not an Iterator"
    )]
    pub fn next(&mut self) -> io::Result<Option<Flag>> {
        self.0.next()?.map(read_flag).transpose()
    }
}

/// Paths as a JSON array.
struct PathList<'a>(&'a Paths);

impl Serialize for PathList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_reader!(s, self.0.len(), self.0.reader())
    }
}

/// One entry of the duplicates store.
struct DuplicateEntry {
    credit_code: String,
    /// The one counted (first in its group), or one it supersedes.
    counted: bool,
    path: String,
    /// Why the one counted is (empty for the others).
    reason: String,
}

/// Writes an entry of the duplicates store: sorted by code, the one counted first, then the
/// others by input index.
fn put_duplicate(
    rec: &mut Vec<u8>,
    code: &str,
    counted: bool,
    i: u64,
    path: &str,
    reason: &str,
) -> io::Result<()> {
    rec.clear();
    spill::put_key_str(rec, code);
    rec.push(u8::from(!counted));
    spill::put_key_u64(rec, i);
    spill::put_str(rec, path)?;
    spill::put_str(rec, reason)
}

fn read_duplicate(rec: &[u8]) -> io::Result<DuplicateEntry> {
    let mut c = Cursor::new(rec);
    let credit_code = c.key_str()?;
    let counted = c.u8()? == 0;
    c.key_u64()?;
    let path = c.str()?.to_string();
    Ok(DuplicateEntry {
        credit_code,
        counted,
        path,
        reason: c.str()?.to_string(),
    })
}

/// The duplicates store with one entry of look-ahead.
struct DuplicateReader<'s> {
    reader: StoreReader<&'s Store>,
    peeked: Option<DuplicateEntry>,
}

impl DuplicateReader<'_> {
    /// The next entry, if `wanted` takes it (else it stays next).
    fn next_if(
        &mut self,
        wanted: impl FnOnce(&DuplicateEntry) -> bool,
    ) -> io::Result<Option<DuplicateEntry>> {
        if self.peeked.is_none() {
            self.peeked = self.reader.next()?.map(read_duplicate).transpose()?;
        }
        Ok(self.peeked.take_if(|e| wanted(e)))
    }
}

/// The superseded paths of one group: the entries that follow with the same code.
struct SupersededPaths<'r, 's> {
    code: &'r str,
    reader: &'r std::cell::RefCell<DuplicateReader<'s>>,
}

impl Serialize for SupersededPaths<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        let mut r = self.reader.borrow_mut();
        while let Some(e) = r
            .next_if(|e| !e.counted && e.credit_code == self.code)
            .map_err(ser_err)?
        {
            seq.serialize_element(&e.path)?;
        }
        seq.end()
    }
}

/// The duplicates as a JSON array of [`Duplicate`]s, each group read as it is written.
struct Duplicates<'a>(&'a Summary);

impl Serialize for Duplicates<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Group<'r, 's> {
            counted: DuplicateEntry,
            reader: &'r std::cell::RefCell<DuplicateReader<'s>>,
        }
        impl Serialize for Group<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Duplicate", 4)?;
                st.serialize_field("credit_code", &self.counted.credit_code)?;
                st.serialize_field("counted", &self.counted.path)?;
                st.serialize_field("reason", &self.counted.reason)?;
                st.serialize_field(
                    "superseded",
                    &SupersededPaths {
                        code: &self.counted.credit_code,
                        reader: self.reader,
                    },
                )?;
                st.end()
            }
        }
        let reader = std::cell::RefCell::new(DuplicateReader {
            reader: self.0.duplicates.reader().map_err(ser_err)?,
            peeked: None,
        });
        let mut seq = s.serialize_seq(usize::try_from(self.0.duplicate_organisations).ok())?;
        loop {
            // Every group starts with the one counted.
            let next = reader.borrow_mut().next_if(|_| true).map_err(ser_err)?;
            let Some(counted) = next else { break };
            if !counted.counted {
                return Err(ser_err(spill::malformed()));
            }
            seq.serialize_element(&Group {
                counted,
                reader: &reader,
            })?;
        }
        seq.end()
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
        let mut st = s.serialize_struct("Summary", 25)?;
        st.serialize_field("format", self.format)?;
        st.serialize_field("pack", &self.pack)?;
        if self.packs.is_empty() {
            st.skip_field("packs")?;
        } else {
            st.serialize_field("packs", &self.packs)?;
        }
        st.serialize_field("waivers_ignored", &self.waivers_ignored)?;
        st.serialize_field("as_of", &self.as_of)?;
        st.serialize_field("found", &self.found)?;
        st.serialize_field("assessed", &self.assessed)?;
        st.serialize_field("rejected", &self.rejected)?;
        st.serialize_field("counted", &self.counted)?;
        st.serialize_field("superseded", &self.superseded)?;
        st.serialize_field("verdicts", &self.verdicts)?;
        if self.pack_stats.is_empty() {
            st.skip_field("pack_stats")?;
        } else {
            st.serialize_field("pack_stats", &self.pack_stats)?;
        }
        st.serialize_field("score_definition", self.score_definition)?;
        st.serialize_field("duplicate_rule", self.duplicate_rule)?;
        if self.pack_stats.is_empty() {
            st.serialize_field("score_histogram", &self.score_histogram)?;
        } else {
            st.skip_field("score_histogram")?;
        }
        st.serialize_field("mean_score", &self.mean_score)?;
        st.serialize_field("rules", &self.rules)?;
        st.serialize_field("sections", &self.sections)?;
        st.serialize_field("scopes", &self.scopes)?;
        st.serialize_field("prefectures", &self.prefectures)?;
        st.serialize_field("counties", &self.counties)?;
        st.serialize_field("industries", &self.industries)?;
        st.serialize_field("lowest", &self.lowest().map_err(ser_err)?)?;
        if self.pack_stats.is_empty() {
            st.serialize_field("unscored", &self.unscored)?;
        } else {
            st.skip_field("unscored")?;
        }
        st.serialize_field("duplicates", &Duplicates(self))?;
        st.serialize_field("rejected_files", &RejectedFiles(self))?;
        st.serialize_field("other_files", &PathList(&self.other_files))?;
        if !self.skipped.is_empty() {
            st.serialize_field("skipped", &self.skipped)?;
        }
        if !self.flags.is_empty() {
            st.serialize_field("flags", &Flags(self))?;
        }
        if with_submissions {
            st.serialize_field("submissions", &Lines(self))?;
        }
        st.end()
    }
}

const SCORE_DEFINITION: &str = "score = weight of passing required rules / weight of decided applicable required rules (critical 4, high 3, medium 2, low 1; waived counts as decided, not passing), percent rounded down; coverage = decided / applicable required rules (docs/SCORING.md)";
const DUPLICATE_RULE: &str = "submissions with the same credit code count once: the latest assessment_date on or before the reference date (as_of) wins (one dated after it supersedes none dated on or before it, and is flagged); on the same date, the path that sorts last";

/// How many inputs one thread encodes into a part of its own before they join the batch's.
const PART: usize = 64;

/// Runs a batch over `inputs` and builds the summary (nothing is written but the optional
/// per-submission reports). Fails only when the temporary files (`TMPDIR`) cannot be
/// written or read back (the error says so).
pub fn run(pack: &Pack, inputs: Inputs, opts: &BatchOptions) -> Result<Summary, String> {
    run_spilled(pack, inputs, opts).map_err(|e| e.to_string())
}

/// What the assessment leaves for the roll-up.
struct Assessed {
    records: Store,
    duplicate_keys: Sorter,
    rejected: Sorter,
    flags: Sorter,
}

fn run_spilled(pack: &Pack, inputs: Inputs, opts: &BatchOptions) -> io::Result<Summary> {
    let Inputs {
        files,
        problems,
        other_files,
        skipped,
    } = inputs;
    let bar = progress_bar(opts.progress, files.len());
    let mut out = Assessed {
        records: Store::default(),
        duplicate_keys: Sorter::new(spill::sort_budget()),
        rejected: Sorter::new(spill::sort_budget()),
        flags: Sorter::new(spill::sort_budget()),
    };
    let mut paths = files.reader()?;
    // Each input: the file to open, and its path as messages and the summary show it.
    let mut chunk: Vec<(std::path::PathBuf, String)> = Vec::with_capacity(CHUNK);
    let mut first = 0u64;
    loop {
        chunk.clear();
        while chunk.len() < CHUNK {
            match paths.next_bytes()? {
                Some(p) => {
                    use std::os::unix::ffi::OsStrExt;
                    let open = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(p));
                    chunk.push((open, super::display_bytes(p)));
                }
                None => break,
            }
        }
        if chunk.is_empty() {
            break;
        }
        // Each run of PART inputs is encoded into a part of its own on the thread that
        // assessed it; here the parts are only appended, in input order.
        let parts: Vec<io::Result<Part>> = chunk
            .par_chunks(PART)
            .enumerate()
            .map(|(p, paths)| {
                let mut part = Part::default();
                for (k, (open, path)) in paths.iter().enumerate() {
                    let i = first + (p * PART + k) as u64;
                    let index = usize::try_from(i).unwrap_or(usize::MAX);
                    match process_at(pack, open, path, index, opts) {
                        Processed::Assessed(row) => {
                            part.push_assessed(i, path, &row, opts.as_of)?
                        }
                        Processed::Rejected(errors) => part.push_rejected(path, &errors)?,
                    }
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
                Ok(part)
            })
            .collect();
        for part in parts {
            flush_part(&mut out, &mut part?)?;
        }
        first += chunk.len() as u64;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    out.records.finish()?;
    // Arguments that named nothing are rejected inputs too.
    let unnamed = problems.len() as u64;
    let mut rec = Vec::new();
    for (arg, why) in &problems {
        rejected_entry(&mut rec, arg, &[format!("{arg}: {why}")])?;
        out.rejected.push(&rec)?;
    }
    let mut summary = summarise(pack, out, unnamed, other_files, opts)?;
    summary.skipped = skipped
        .into_iter()
        .map(|(path, reason)| Skipped { path, reason })
        .collect();
    Ok(summary)
}

/// The summary of submissions assessed before (a campaign's stored results), in the order
/// given: each its path as found and its [`Row`] (or its errors), rolled up exactly as
/// [`run`] rolls up the inputs it assesses, with the same memory bound. The outputs
/// ([`super::write_all`]) are then those `hegui batch` writes for the same files.
pub fn summarise_rows<E: std::fmt::Display>(
    pack: &Pack,
    rows: impl Iterator<Item = Result<(String, Processed), E>>,
    opts: &BatchOptions,
) -> Result<Summary, String> {
    let mut out = Assessed {
        records: Store::default(),
        duplicate_keys: Sorter::new(spill::sort_budget()),
        rejected: Sorter::new(spill::sort_budget()),
        flags: Sorter::new(spill::sort_budget()),
    };
    let io = |e: io::Error| e.to_string();
    let mut part = Part::default();
    for (i, row) in rows.enumerate() {
        let (path, processed) = row.map_err(|e| e.to_string())?;
        match processed {
            Processed::Assessed(row) => part
                .push_assessed(i as u64, &path, &row, opts.as_of)
                .map_err(io)?,
            Processed::Rejected(errors) => part.push_rejected(&path, &errors).map_err(io)?,
        }
        if part.records.len() >= 1 << 20 {
            flush_part(&mut out, &mut part).map_err(io)?;
        }
    }
    flush_part(&mut out, &mut part).map_err(io)?;
    out.records.finish().map_err(io)?;
    summarise(pack, out, 0, Paths::default(), opts).map_err(io)
}

fn flush_part(out: &mut Assessed, part: &mut Part) -> io::Result<()> {
    let p = std::mem::take(part);
    out.records.extend_framed(&p.records, p.count)?;
    out.duplicate_keys.extend_framed(&p.duplicate_keys)?;
    out.rejected.extend_framed(&p.rejected)?;
    out.flags.extend_framed(&p.flags)
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

/// Duplicates resolved: per credit code, the latest assessment date wins, and on the same
/// date the input that sorts last.
struct Resolved {
    /// Superseded inputs by index, with the path counted instead.
    superseded_by: Store,
    /// Per code with more than one input: the one counted, then the others by path.
    duplicates: Store,
    organisations: u64,
    superseded: u64,
}

/// One submission of a credit code, from its duplicate key.
struct Entry {
    i: u64,
    future: bool,
    path: String,
    name: String,
    date: NaiveDate,
}

/// Why the winner of a group was counted instead of the others.
fn reason(winner: &Entry, tie: bool, future_passed: bool, as_of: NaiveDate) -> String {
    let mut zh = format!("计入评估日期最晚的一份（{}）", winner.date);
    let mut en = format!("the latest assessment_date ({}) is counted", winner.date);
    if winner.future {
        zh.push_str(&format!("；所有提交都晚于基准日 {as_of}"));
        en.push_str(&format!(
            "; every submission is dated after the reference date {as_of}"
        ));
    } else {
        zh.push_str(&format!("，不晚于基准日 {as_of}"));
        en.push_str(&format!(
            " among those on or before the reference date {as_of}"
        ));
    }
    if future_passed {
        zh.push_str("；晚于基准日的提交不替代它");
        en.push_str("; submissions dated after it do not supersede it");
    }
    if tie {
        zh.push_str("；同一日期时计入路径排序最后的一份");
        en.push_str("; on the same date, the path that sorts last");
    }
    format!("{zh} / {en}")
}

/// Resolves duplicates from the keys sorted by code, winner first (an external sort, so
/// nothing here grows with the number of inputs). A submission dated after the reference
/// date supersedes none dated on or before it; a code under more than one organisation name
/// is flagged (into `flags`).
fn resolve_duplicates(keys: Sorter, flags: &mut Sorter, as_of: NaiveDate) -> io::Result<Resolved> {
    let mut sorted = keys.finish()?;
    let mut superseded_by = Sorter::new(spill::sort_budget());
    let mut groups = Sorter::new(spill::sort_budget());
    let (mut organisations, mut superseded) = (0u64, 0u64);
    // The current code, its winner, and what the group's reason needs.
    let mut code = None::<String>;
    let mut winner = None::<Entry>;
    let (mut listed, mut tie, mut future_passed, mut conflict) = (false, false, false, false);
    let mut rec = Vec::new();
    let close = |code: &Option<String>,
                 winner: &Option<Entry>,
                 listed: bool,
                 tie: bool,
                 future_passed: bool,
                 groups: &mut Sorter,
                 rec: &mut Vec<u8>|
     -> io::Result<()> {
        if let (true, Some(code), Some(w)) = (listed, code, winner) {
            put_duplicate(
                rec,
                code,
                true,
                w.i,
                &w.path,
                &reason(w, tie, future_passed, as_of),
            )?;
            groups.push(rec)?;
        }
        Ok(())
    };
    while let Some(key) = sorted.next()? {
        let mut c = Cursor::new(key);
        let this = c.key_str()?;
        let future = c.u8()? != 0;
        c.key_u64()?;
        let i = u64::MAX - c.key_u64()?;
        let path = c.str()?;
        let name = c.str()?;
        let date = NaiveDate::from_num_days_from_ce_opt(c.i32()?).ok_or_else(spill::malformed)?;
        if code.as_deref() != Some(this.as_str()) {
            close(
                &code,
                &winner,
                listed,
                tie,
                future_passed,
                &mut groups,
                &mut rec,
            )?;
            code = Some(this);
            winner = Some(Entry {
                i,
                future,
                path: path.to_string(),
                name: name.to_string(),
                date,
            });
            (listed, tie, future_passed, conflict) = (false, false, false, false);
            continue;
        }
        let Some(w) = &winner else {
            return Err(spill::malformed());
        };
        superseded += 1;
        tie |= date == w.date;
        future_passed |= future && !w.future;
        if name != w.name {
            let detail = format!(
                "统一社会信用代码 {this} 也以另一名称提交 the credit code {this} is also submitted under another organisation name: `{}` in {}, `{}` in {}",
                w.name, w.path, name, path
            );
            put_flag(&mut rec, path, NAME_CONFLICT, &detail)?;
            flags.push(&rec)?;
            if !conflict {
                conflict = true;
                put_flag(&mut rec, &w.path, NAME_CONFLICT, &detail)?;
                flags.push(&rec)?;
            }
        }
        rec.clear();
        spill::put_key_u64(&mut rec, i);
        spill::put_str(&mut rec, &w.path)?;
        superseded_by.push(&rec)?;
        // The group is listed from its first superseded input on; the one counted is written
        // when the group ends, with the reason (it sorts first all the same).
        if !listed {
            listed = true;
            organisations += 1;
        }
        put_duplicate(&mut rec, &this, false, i, path, "")?;
        groups.push(&rec)?;
    }
    close(
        &code,
        &winner,
        listed,
        tie,
        future_passed,
        &mut groups,
        &mut rec,
    )?;
    Ok(Resolved {
        superseded_by: superseded_by.into_store(spill::store_budget(), false)?,
        duplicates: groups.into_store(spill::store_budget(), false)?,
        organisations,
        superseded,
    })
}

fn summarise(
    pack: &Pack,
    assessed_inputs: Assessed,
    unnamed: u64,
    other_files: Paths,
    opts: &BatchOptions,
) -> io::Result<Summary> {
    let Assessed {
        records,
        duplicate_keys,
        rejected,
        mut flags,
    } = assessed_inputs;
    let resolved = resolve_duplicates(duplicate_keys, &mut flags, opts.as_of)?;
    let flags = flags.into_store(spill::store_budget(), false)?;
    let rejected_files = rejected.into_store(spill::store_budget(), false)?;
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
    let context = LineContext::new(pack, opts.reports);
    let multi = !context.members.is_empty();
    let mut pack_accs: Vec<PackAcc> = context.members.iter().map(|_| PackAcc::default()).collect();
    let (mut assessed, mut counted, mut superseded) = (0u64, 0u64, 0u64);
    let mut verdicts = VerdictCounts::default();
    let mut superseded_at = SupersededCursor::new(&resolved.superseded_by)?;
    let mut reader = records.reader()?;
    let mut i = 0u64;
    let (mut score_sum, mut scored) = (0u64, 0u64);
    // (score, input index, record), cut to the `lowest` smallest from time to time.
    let mut lowest: Vec<(u32, u64, Vec<u8>)> = Vec::new();
    let mut prefecture = String::new();
    const NOT_GIVEN: &str = "未填写 not given";
    while let Some(rec) = reader.next()? {
        let (r, _) = RecordView::read(rec)?;
        let at = i;
        i += 1;
        if !r.assessed {
            continue;
        }
        assessed += 1;
        if !r.counted(superseded_at.at(at)?) {
            superseded += 1;
            continue;
        }
        counted += 1;
        // For several packs, a submission has no score of its own: each pack's numbers are
        // counted per pack, and the groups and the histogram get none (never a blended score).
        let own_score = if multi {
            let mut worst = None::<u32>;
            let mut overall = Vec::with_capacity(pack_accs.len());
            for ((_, s), acc) in context.pack_scores(r.outcomes).zip(&mut pack_accs) {
                acc.add(&s);
                overall.push(s.status());
                worst = match (worst, s.score) {
                    (Some(w), Some(x)) => Some(w.min(x)),
                    (w, x) => w.or(x),
                };
            }
            verdicts.add(score::overall(overall));
            // The lowest-scoring list ranks by the worst pack's score.
            if let Some(w) = worst {
                lowest.push((w, at, rec.to_vec()));
                if lowest.len() >= opts.lowest.max(1) * 2 + 64 {
                    lowest.sort_unstable();
                    lowest.truncate(opts.lowest);
                }
            }
            None
        } else {
            verdicts.add(r.verdict());
            r.score
        };
        let mut req = Tally::default();
        for (k, code) in r.outcomes.iter().enumerate() {
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
                acc.add(&Tally::default(), own_score);
            }
        }
        for (b, acc) in scopes.iter_mut().enumerate() {
            if b < 64 && r.scopes & (1 << b) != 0 {
                acc.add(&req, own_score);
            }
        }
        let region = r.region_code.filter(|c| c.len() == 6 && c.is_ascii());
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
        add_keyed(&mut prefectures, &prefecture, &req, own_score);
        add_keyed(&mut counties, county, &req, own_score);
        add_keyed(
            &mut industries,
            r.industry.unwrap_or(NOT_GIVEN),
            &req,
            own_score,
        );
        match own_score {
            _ if multi => {}
            Some(s) => {
                score_sum += u64::from(s);
                scored += 1;
                if let Some(h) = histogram.get_mut((s.min(99) / 10) as usize) {
                    *h += 1;
                }
                lowest.push((s, at, rec.to_vec()));
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
    if superseded != resolved.superseded {
        return Err(io::Error::other(
            "the duplicates resolved do not match the submissions read back",
        ));
    }
    Ok(Summary {
        limits: hegui_report::render::view::limits_view(
            &hegui_core::eval::assess::limits(pack, None),
            pack,
        ),
        // Several packs give another shape (per-pack numbers, no joint score): its own
        // version, so a reader of one-pack summaries never misreads it (docs/RESULT.md).
        format: if pack.members.is_empty() {
            "hegui.batch/1"
        } else {
            "hegui.batch/2"
        },
        pack: hegui_core::eval::assess::PackInfo {
            id: pack.meta.id.clone(),
            version: pack.meta.version.clone(),
            title: pack.meta.title.clone(),
            digest: pack.digest.clone(),
            questionnaire_digest: pack.questionnaire.digest.clone(),
            library: pack.library.clone(),
        },
        packs: pack
            .members
            .iter()
            .map(|m| hegui_core::eval::assess::PackRef {
                id: m.id.clone(),
                version: m.version.clone(),
            })
            .collect(),
        waivers_ignored: opts.ignore_waivers,
        found: records.len() + unnamed,
        assessed,
        rejected: rejected_files.len(),
        counted,
        superseded,
        verdicts,
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
        unscored: if multi { 0 } else { counted - scored },
        pack_stats: context
            .members
            .iter()
            .zip(&pack_accs)
            .map(|(m, acc)| acc.stat(m))
            .collect(),
        duplicate_organisations: resolved.organisations,
        other_file_count: other_files.len(),
        lowest: lowest.into_iter().map(|(_, i, rec)| (i, rec)).collect(),
        context,
        records,
        superseded_by: resolved.superseded_by,
        duplicates: resolved.duplicates,
        rejected_files: Arc::new(rejected_files),
        other_files,
        skipped: Vec::new(),
        as_of: opts.as_of,
        flags,
    })
}
