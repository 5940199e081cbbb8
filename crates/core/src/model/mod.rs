//! The compiled, validated model of a rule pack.
//!
//! Loaders (`load`) produce these types only after every check has passed; the evaluator
//! (`eval`) reads them and nothing else. Questions, groups and options are referred to by
//! index, so evaluation never looks up a name.

pub mod condition;
pub mod digest;
pub mod migration;

use crate::diag::Loc;
use crate::text::Text;
use chrono::NaiveDate;
use serde::Serialize;

/// Index of a question in [`Questionnaire::questions`].
pub type QIdx = usize;
/// Index of a group in [`Questionnaire::groups`].
pub type GIdx = usize;

/// The type of a question's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QType {
    /// 是/否.
    YesNo,
    /// One option.
    SingleChoice,
    /// Any set of options.
    MultipleChoice,
    /// A whole number.
    Integer,
    /// A decimal number.
    Decimal,
    /// A calendar date (ISO, no time zone).
    Date,
    /// Free text.
    Text,
}

impl QType {
    /// The name used in pack files.
    pub fn name(self) -> &'static str {
        match self {
            QType::YesNo => "yes_no",
            QType::SingleChoice => "single_choice",
            QType::MultipleChoice => "multiple_choice",
            QType::Integer => "integer",
            QType::Decimal => "decimal",
            QType::Date => "date",
            QType::Text => "text",
        }
    }

    /// Whether the question has options.
    pub fn is_choice(self) -> bool {
        matches!(self, QType::SingleChoice | QType::MultipleChoice)
    }
}

/// An option of a choice question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Choice {
    /// Id used in answers and conditions.
    pub id: String,
    /// Label.
    pub label: Text,
    /// May not be combined with other options (e.g. "none of these").
    pub exclusive: bool,
    /// Why the option is offered although no condition names it (the unread-question gate,
    /// `lint::unread`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<Text>,
    /// Where it is defined.
    #[serde(skip)]
    pub loc: Loc,
}

/// A question of the questionnaire.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Full id: `real_name.methods`, or `apps[*].name` for a member of group `apps`.
    pub id: String,
    /// Id within its group (`name`), or the full id for top-level questions.
    pub local_id: String,
    /// Section id.
    pub section: String,
    /// Answer type.
    #[serde(rename = "type")]
    pub qtype: QType,
    /// The question.
    pub label: Text,
    /// Explanation, definitions, examples, polarity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// Options, for choice questions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Asked only when this holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_when: Option<Condition>,
    /// Lowest allowed number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest allowed number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A date of a past event: may not lie after the assessment date.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub past_event: bool,
    /// For a date question: the coarsest answer it accepts (`day`: a full date only; `month`:
    /// also `YYYY-MM`; `year`: also `YYYY`). A plain field of the question definition.
    #[serde(skip_serializing_if = "DatePrecision::is_day")]
    pub precision: DatePrecision,
    /// Why the question is asked although no condition reads it (the unread-question gate,
    /// `lint::unread`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<Text>,
    /// The question library it comes from (`hegui-common 1.0.0`), for a library question.
    #[serde(skip)]
    pub library: Option<String>,
    /// The group it belongs to.
    #[serde(skip)]
    pub group: Option<GIdx>,
    /// Position among its group's members (0 for top-level questions).
    #[serde(skip)]
    pub pos: usize,
    /// Where it is defined.
    #[serde(skip)]
    pub file: String,
    /// Where it is defined.
    #[serde(skip)]
    pub loc: Loc,
}

impl Question {
    /// The index of option `id`.
    pub fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o.id == id)
    }
}

/// A repeatable group: questions asked once per item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// Id (`apps`).
    pub id: String,
    /// Section id.
    pub section: String,
    /// What an item is.
    pub label: Text,
    /// Explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// Member question whose answer names an item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_key: Option<String>,
    /// Further members named beside the `item_key` answer (`主App · android · 3.2.1`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub item_details: Vec<String>,
    /// The question library it comes from, for a library group.
    #[serde(skip)]
    pub library: Option<String>,
    /// Asked only when this holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_when: Option<Condition>,
    /// Member questions, in order.
    #[serde(skip)]
    pub members: Vec<QIdx>,
    /// Where it is defined.
    #[serde(skip)]
    pub loc: Loc,
}

/// Every question of a pack.
#[derive(Clone, Debug, Default)]
pub struct Questionnaire {
    /// All questions: top-level and group members, in questionnaire order.
    pub questions: Vec<Question>,
    /// Repeatable groups.
    pub groups: Vec<Group>,
    /// Top-level entries in order: a question or a group.
    pub order: Vec<Entry>,
    /// Canonical digest of the answer-relevant parts (`sha256:…`).
    pub digest: String,
    /// Question index by full id (filled by [`Questionnaire::reindex`]).
    by_id: NameIndex<QIdx>,
    /// Group index by id.
    group_by_id: NameIndex<GIdx>,
    /// Member question index by local id, per group.
    member_by_id: Vec<NameIndex<QIdx>>,
}

/// A name → index table. The keys come from the pack, so a fast fixed-seed hash is safe
/// (input only looks names up; it cannot choose what collides), and it is looked up once per
/// answer of every submission, where SipHash showed up in batch profiles.
type NameIndex<T> = std::collections::HashMap<String, T, foldhash::fast::FixedState>;

/// A top-level entry of the questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A top-level question.
    Question(QIdx),
    /// A repeatable group.
    Group(GIdx),
}

impl Questionnaire {
    /// Finds a question by full id.
    pub fn question(&self, id: &str) -> Option<QIdx> {
        match self.by_id.get(id) {
            Some(q) => Some(*q),
            None if self.by_id.is_empty() => self.questions.iter().position(|q| q.id == id),
            None => None,
        }
    }

    /// Finds member `local` (`name`) of group `g`.
    pub fn member(&self, g: GIdx, local: &str) -> Option<QIdx> {
        if self.member_by_id.is_empty() {
            let group = self.groups.get(g)?;
            return group
                .members
                .iter()
                .copied()
                .find(|m| self.questions.get(*m).is_some_and(|q| q.local_id == local));
        }
        self.member_by_id.get(g)?.get(local).copied()
    }

    /// Builds the name indexes; call after the questions and groups are final.
    pub fn reindex(&mut self) {
        self.by_id = self
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        self.group_by_id = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.clone(), i))
            .collect();
        self.member_by_id = self
            .groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .filter_map(|m| self.questions.get(*m).map(|q| (q.local_id.clone(), *m)))
                    .collect()
            })
            .collect();
    }

    /// Finds a group by id.
    pub fn group(&self, id: &str) -> Option<GIdx> {
        match self.group_by_id.get(id) {
            Some(g) => Some(*g),
            None if self.group_by_id.is_empty() => self.groups.iter().position(|g| g.id == id),
            None => None,
        }
    }

    /// Position of question `q` among its group's members.
    pub fn member_pos(&self, q: QIdx) -> Option<usize> {
        let g = self.questions.get(q)?.group?;
        self.groups.get(g)?.members.iter().position(|m| *m == q)
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (set equality for multiple choice).
    Equals,
    /// Not equal.
    NotEquals,
    /// Is / contains one of.
    AnyOf,
    /// Contains all of.
    AllOf,
    /// Is / contains none of.
    NoneOf,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Date before.
    Before,
    /// Date after.
    After,
    /// Date on or before.
    OnOrBefore,
    /// Date on or after.
    OnOrAfter,
    /// Date within N days before the assessment date, inclusive.
    WithinDays,
    /// Has (true) or lacks (false) an answer.
    Answered,
}

impl Op {
    /// The name used in pack files.
    pub fn name(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::NotEquals => "not_equals",
            Op::AnyOf => "any_of",
            Op::AllOf => "all_of",
            Op::NoneOf => "none_of",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Before => "before",
            Op::After => "after",
            Op::OnOrBefore => "on_or_before",
            Op::OnOrAfter => "on_or_after",
            Op::WithinDays => "within_days",
            Op::Answered => "answered",
        }
    }

    /// Every operator name accepted in pack files, with its operator.
    pub const NAMES: &'static [(&'static str, Op)] = &[
        ("equals", Op::Equals),
        ("not_equals", Op::NotEquals),
        ("any_of", Op::AnyOf),
        ("all_of", Op::AllOf),
        ("none_of", Op::NoneOf),
        ("lt", Op::Lt),
        ("<", Op::Lt),
        ("le", Op::Le),
        ("<=", Op::Le),
        ("gt", Op::Gt),
        (">", Op::Gt),
        ("ge", Op::Ge),
        (">=", Op::Ge),
        ("before", Op::Before),
        ("after", Op::After),
        ("on_or_before", Op::OnOrBefore),
        ("on_or_after", Op::OnOrAfter),
        ("within_days", Op::WithinDays),
        ("answered", Op::Answered),
    ];
}

/// How precise a date answer is, or the coarsest a date question accepts. Ordered from finest
/// to coarsest: `Day < Month < Year`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    /// A full date `YYYY-MM-DD`.
    #[default]
    Day,
    /// A month `YYYY-MM`: every day of that month.
    Month,
    /// A year `YYYY`: every day of that year.
    Year,
}

impl DatePrecision {
    /// The name used in pack files and results.
    pub fn name(self) -> &'static str {
        match self {
            DatePrecision::Day => "day",
            DatePrecision::Month => "month",
            DatePrecision::Year => "year",
        }
    }

    /// Whether this is the default, a full date.
    pub fn is_day(&self) -> bool {
        *self == DatePrecision::Day
    }

    /// The form an answer of this precision is written in (`YYYY-MM`).
    pub fn form(self) -> &'static str {
        match self {
            DatePrecision::Day => "YYYY-MM-DD",
            DatePrecision::Month => "YYYY-MM",
            DatePrecision::Year => "YYYY",
        }
    }
}

/// An approximate date: every day of a month or of a year (`2025-09`, `2025`). A full date is
/// a [`Value::Date`]; this is only for coarser answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    /// The first day of the month or year.
    pub first: NaiveDate,
    /// `Month` or `Year`.
    pub precision: DatePrecision,
}

impl Period {
    /// The last day of the period.
    pub fn last(self) -> NaiveDate {
        use chrono::Datelike;
        let y = self.first.year();
        let next = match self.precision {
            DatePrecision::Day => return self.first,
            DatePrecision::Month if self.first.month() == 12 => {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)
            }
            DatePrecision::Month => NaiveDate::from_ymd_opt(y, self.first.month() + 1, 1),
            DatePrecision::Year => NaiveDate::from_ymd_opt(y + 1, 1, 1),
        };
        next.and_then(|n| n.pred_opt()).unwrap_or(self.first)
    }

    /// As written: `2025-09` or `2025`.
    pub fn written(self) -> String {
        use chrono::Datelike;
        match self.precision {
            DatePrecision::Year => format!("{:04}", self.first.year()),
            DatePrecision::Month => format!("{:04}-{:02}", self.first.year(), self.first.month()),
            DatePrecision::Day => self.first.to_string(),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.written())
    }
}

/// A typed answer value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Yes/no.
    Bool(bool),
    /// Single choice: option index.
    Choice(usize),
    /// Multiple choice: bit set of option indexes (at most 64 options).
    Choices(u64),
    /// Integer.
    Int(i64),
    /// Decimal.
    Decimal(f64),
    /// Date.
    Date(NaiveDate),
    /// An approximate date (a month or a year) where the question's precision allows it.
    Period(Period),
    /// Text.
    Text(String),
}

impl Value {
    /// For a date answer, its first and last day (the same day for a full date).
    pub fn date_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Value::Date(d) => Some((*d, *d)),
            Value::Period(p) => Some((p.first, p.last())),
            _ => None,
        }
    }

    /// For a date answer, its precision.
    pub fn date_precision(&self) -> Option<DatePrecision> {
        match self {
            Value::Date(_) => Some(DatePrecision::Day),
            Value::Period(p) => Some(p.precision),
            _ => None,
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A literal of the question's type.
    Literal(Value),
    /// Another question's answer.
    Question(QRef),
    /// A number of days (`within_days`).
    Days(i64),
    /// `answered: true|false`.
    Flag(bool),
}

/// A reference to a question; for a group member, to the current item's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QRef {
    /// The question.
    pub q: QIdx,
}

/// One comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// Number of the leaf within its condition tree (depth-first, from 0).
    pub index: usize,
    /// The question compared.
    pub lhs: QRef,
    /// The operator.
    pub op: Op,
    /// What it is compared with.
    pub rhs: Operand,
    /// How it is written in the pack, for explanations (`real_name.methods any_of [a, b]`).
    pub text: String,
    /// Where it is written.
    pub loc: Loc,
}

/// A compiled, type-checked condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// Every branch holds.
    All(Vec<Condition>),
    /// Some branch holds.
    Any(Vec<Condition>),
    /// The branch does not hold.
    Not(Box<Condition>),
    /// A quantifier over a group's items.
    ForItems {
        /// `every` (true) or `some` (false).
        every: bool,
        /// The group.
        group: GIdx,
        /// Only items satisfying this count.
        filter: Option<Box<Condition>>,
        /// What each item must satisfy.
        check: Box<Condition>,
    },
    /// A comparison.
    Leaf(Leaf),
}

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.describe())
    }
}

impl Condition {
    /// A one-line description (`all(a equals true, any(…))`).
    pub fn describe(&self) -> String {
        match self {
            Condition::All(c) => format!(
                "all({})",
                c.iter()
                    .map(Condition::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Condition::Any(c) => format!(
                "any({})",
                c.iter()
                    .map(Condition::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Condition::Not(c) => format!("not({})", c.describe()),
            Condition::ForItems {
                every,
                filter,
                check,
                ..
            } => {
                let q = if *every { "every" } else { "some" };
                match filter {
                    Some(f) => format!("{q}(where {}: {})", f.describe(), check.describe()),
                    None => format!("{q}({})", check.describe()),
                }
            }
            Condition::Leaf(l) => l.text.clone(),
        }
    }

    /// Visits every leaf, depth-first.
    pub fn leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Condition::All(c) | Condition::Any(c) => c.iter().for_each(|c| c.leaves(out)),
            Condition::Not(c) => c.leaves(out),
            Condition::ForItems { filter, check, .. } => {
                if let Some(f) = filter {
                    f.leaves(out);
                }
                check.leaves(out);
            }
            Condition::Leaf(l) => out.push(l),
        }
    }
}

/// Whether a rule is a duty or an encouragement.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A duty: failing it makes a company non-compliant.
    Required,
    /// An encouragement: never makes a company non-compliant.
    Recommended,
}

/// How serious a failure is. Ordered from most to least severe.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Most severe.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Where a rule comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// Source document id.
    pub document: String,
    /// Clause number.
    pub clause: String,
    /// Verbatim quote from the clause.
    pub quote: String,
}

/// A reference to national law, by article per version of the instrument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LawRef {
    /// Instrument id.
    pub instrument: String,
    /// Article per instrument version id.
    pub articles: Vec<(String, String)>,
    /// How sure the wording is: the weakest ledger rating of the articles cited.
    pub rating: String,
    /// A summary of what the article requires, or a remark. Not a quotation: only a rule's
    /// `source.quote` is verbatim.
    pub note: Option<Text>,
}

/// A rule: one observable obligation.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
    /// Section id.
    pub section: String,
    /// Duty or encouragement.
    pub level: Level,
    /// Severity.
    pub severity: Severity,
    /// Source clause and quote.
    pub source: SourceRef,
    /// National law.
    pub references: Vec<LawRef>,
    /// When the rule applies (absent: always).
    pub applies_when: Option<Condition>,
    /// What compliance means.
    pub check: Condition,
    /// Evidence a reviewer asks for.
    pub evidence: Vec<Text>,
    /// How to fix a failure.
    pub remediation: Text,
    /// Canonical digest of the rule (`sha256:…`).
    pub digest: String,
    /// File it is defined in.
    pub file: String,
    /// Where.
    pub loc: Loc,
}

/// A section of the questionnaire and the rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
}

/// A kind of enterprise the answers can put a company in.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Text,
    /// When it applies.
    pub when: Condition,
}

/// The kind of a legal or policy text: a source document or a cited instrument.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 法律: adopted by the NPC or its Standing Committee.
    Law,
    /// 行政法规: State Council.
    AdministrativeRegulation,
    /// 部门规章: a ministry or commission.
    DepartmentalRule,
    /// 规范性文件: a notice, method or other normative document.
    NormativeDocument,
    /// 国家标准 (GB or GB/T).
    NationalStandard,
    /// 地方性法规.
    LocalRegulation,
    /// 党政政策文件: addressed to Party and government bodies; never binds companies by itself.
    PolicyDocument,
}

impl DocKind {
    /// Every kind, in the order of the vocabulary.
    pub const ALL: [DocKind; 7] = [
        DocKind::Law,
        DocKind::AdministrativeRegulation,
        DocKind::DepartmentalRule,
        DocKind::NormativeDocument,
        DocKind::NationalStandard,
        DocKind::LocalRegulation,
        DocKind::PolicyDocument,
    ];

    /// The name used in pack files and results.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Law => "law",
            DocKind::AdministrativeRegulation => "administrative_regulation",
            DocKind::DepartmentalRule => "departmental_rule",
            DocKind::NormativeDocument => "normative_document",
            DocKind::NationalStandard => "national_standard",
            DocKind::LocalRegulation => "local_regulation",
            DocKind::PolicyDocument => "policy_document",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the articles of a text of this kind number as 第N条 (art. N); otherwise its parts
    /// are items (第N项) or, for a standard, clauses.
    pub fn has_articles(self) -> bool {
        matches!(
            self,
            DocKind::Law
                | DocKind::AdministrativeRegulation
                | DocKind::DepartmentalRule
                | DocKind::LocalRegulation
        )
    }
}

impl DocKind {
    /// The kind's bilingual label (法律 / law …).
    pub fn label(self) -> Text {
        let (zh, en) = match self {
            DocKind::Law => ("法律", "law"),
            DocKind::AdministrativeRegulation => ("行政法规", "administrative regulation"),
            DocKind::DepartmentalRule => ("部门规章", "departmental rule"),
            DocKind::NormativeDocument => ("规范性文件", "normative document"),
            DocKind::NationalStandard => ("国家标准", "national standard"),
            DocKind::LocalRegulation => ("地方性法规", "local regulation"),
            DocKind::PolicyDocument => ("政策文件", "policy document"),
        };
        Text::new(zh, en)
    }

    /// How a clause of a source of this kind is presented: `policy_context` (a policy
    /// document's items are context, never articles), `provision` (law, regulations, rules),
    /// `standard_clause` or `source_item` (a normative document).
    pub fn source_label(self) -> &'static str {
        match self {
            DocKind::PolicyDocument => "policy_context",
            DocKind::NationalStandard => "standard_clause",
            DocKind::NormativeDocument => "source_item",
            _ => "provision",
        }
    }

    /// Clause `n` of a source of this kind, numbered as the kind numbers its parts: 第N项 /
    /// item N for a policy or normative document, 第N条 / article N for law, N / clause N for a
    /// standard.
    pub fn clause_number(self, n: &str) -> Text {
        match self.source_label() {
            "provision" => Text::new(format!("第{n}条"), format!("article {n}")),
            "standard_clause" => Text::new(n.to_string(), format!("clause {n}")),
            _ => Text::new(format!("第{n}项"), format!("item {n}")),
        }
    }

    /// The whole citation of clause `n` of a source of this kind titled `title`, ready to
    /// print: `政策背景：《title》第14项` / `Policy context: title (item 14)`.
    pub fn source_cite(self, title: &Text, n: &str) -> Text {
        let h = source_heading(self.source_label());
        let c = self.clause_number(n);
        Text::new(
            format!("{}：《{}》{}", h.zh, title.zh, c.zh),
            format!("{}: {} ({})", h.en, title.en, c.en),
        )
    }
}

/// The heading of a source label id (see [`DocKind::source_label`]): 政策背景 / Policy context,
/// 来源条文 / Source provision, 标准条款 / Standard clause, 来源文件 / Source document.
pub fn source_heading(label: &str) -> Text {
    match label {
        "policy_context" => Text::new("政策背景", "Policy context"),
        "provision" => Text::new("来源条文", "Source provision"),
        "standard_clause" => Text::new("标准条款", "Standard clause"),
        _ => Text::new("来源文件", "Source document"),
    }
}

/// The source label ids, in the order of [`source_heading`].
pub const SOURCE_LABELS: [&str; 4] = [
    "policy_context",
    "provision",
    "standard_clause",
    "source_item",
];

/// How an instrument's parts are numbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    /// 第N条 / art. N.
    Articles,
    /// 第N项 / item N: a notice's or policy text's numbered items.
    Items,
    /// N / clause N: a standard's clauses.
    Clauses,
}

impl Numbering {
    /// Article `a` numbered this way: 第N条 / art. N; 第N项 / item N for a numbered item of a
    /// notice or policy text (an item key that is not a plain number, such as 二(九), is printed
    /// as written); N / clause N for a standard.
    pub fn article_number(self, a: &str) -> Text {
        match self {
            Numbering::Articles => Text::new(format!("第{a}条"), format!("art. {a}")),
            Numbering::Clauses => Text::new(a.to_string(), format!("clause {a}")),
            Numbering::Items if !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) => {
                Text::new(format!("第{a}项"), format!("item {a}"))
            }
            Numbering::Items => Text::new(a.to_string(), format!("item {a}")),
        }
    }

    /// The default for a kind: items for a policy document, clauses for a standard, else articles.
    pub fn default_for(k: DocKind) -> Numbering {
        match k {
            DocKind::PolicyDocument => Numbering::Items,
            DocKind::NationalStandard => Numbering::Clauses,
            _ => Numbering::Articles,
        }
    }
}

/// Whether a national standard is mandatory (GB) or recommended (GB/T).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StandardKind {
    /// 强制性国家标准 (GB).
    Mandatory,
    /// 推荐性国家标准 (GB/T).
    Recommended,
}

/// How sure a citation's wording is (the research ledger's scale).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub enum Rating {
    /// Unverified: from memory; no wording to rely on.
    U,
    /// Partial: substance or part of the wording, not the article number or full article.
    P,
    /// Verified from a secondary copy that quotes the provision with its number.
    V2,
    /// Verified from a full statute text.
    V,
}

impl Rating {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Rating::U => "U",
            Rating::P => "P",
            Rating::V2 => "V2",
            Rating::V => "V",
        }
    }

    /// V or V2: wording that may carry a duty.
    pub fn verified(self) -> bool {
        matches!(self, Rating::V | Rating::V2)
    }
}

/// One article of one version of an instrument, as the citation ledger records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// Instrument id.
    pub instrument: String,
    /// Version id.
    pub version: String,
    /// Article, as rules write it.
    pub article: String,
    /// How sure the wording is.
    pub rating: Rating,
    /// The verified wording.
    pub wording: String,
    /// Where the wording was checked.
    pub copies: Vec<String>,
}

/// A version of a legal instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentVersion {
    /// Id used in rule references (`"2016"`).
    pub id: String,
    /// Date adopted.
    pub adopted: NaiveDate,
    /// Date in force.
    pub in_force: NaiveDate,
}

/// A legal instrument rules may reference (from the citation ledger).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instrument {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: DocKind,
    /// For a national standard: mandatory or recommended.
    pub standard: Option<StandardKind>,
    /// How its parts are numbered: articles (第N条), items (第N项) or clauses (a standard).
    pub numbering: Numbering,
    /// Title.
    pub title: Text,
    /// Issuer.
    pub issuer: Text,
    /// Versions, oldest first.
    pub versions: Vec<InstrumentVersion>,
}

impl Instrument {
    /// Whether the instrument binds companies: any kind but a policy document, and a
    /// national standard only when mandatory.
    pub fn binds_companies(&self) -> bool {
        match self.kind {
            DocKind::PolicyDocument => false,
            DocKind::NationalStandard => self.standard == Some(StandardKind::Mandatory),
            _ => true,
        }
    }

    /// The date its earliest version came into force.
    pub fn first_in_force(&self) -> Option<NaiveDate> {
        self.versions.iter().map(|v| v.in_force).min()
    }
}

/// A source document the pack encodes, split into clauses.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceDoc {
    /// Id.
    pub id: String,
    /// Kind (a policy document is context, never a legal basis).
    pub kind: DocKind,
    /// Title.
    pub title: Text,
    /// Issuer.
    pub issuer: Text,
    /// Date issued.
    pub date: NaiveDate,
    /// Path inside the pack.
    pub path: String,
    /// The whole text.
    pub text: String,
    /// Clauses: (number, text), in order.
    pub clauses: Vec<(String, String)>,
    /// What the source calls its numbered parts, when the pack names it (认定情形 /
    /// determination criterion): clause `n` is then printed as that name and `n`.
    pub clause_name: Option<Text>,
    /// Clauses whose wording the pack could not confirm from two independent copies: quotes
    /// from them are reported as unverified, and so is every citation of them.
    pub unverified: Vec<String>,
}

impl SourceDoc {
    /// The text of clause `n`.
    pub fn clause(&self, n: &str) -> Option<&str> {
        self.clauses
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, t)| t.as_str())
    }

    /// Whether the wording of clause `n` is marked unverified.
    pub fn is_unverified(&self, n: &str) -> bool {
        self.unverified.iter().any(|u| u == n)
    }

    /// Clause `n` as this source numbers it: the pack's `clause_name` and `n` when it names
    /// its parts (认定情形3.2 / determination criterion 3.2), else as its kind numbers them
    /// ([`DocKind::clause_number`]).
    pub fn clause_number(&self, n: &str) -> Text {
        match &self.clause_name {
            Some(name) => Text::new(format!("{}{n}", name.zh), format!("{} {n}", name.en)),
            None => self.kind.clause_number(n),
        }
    }

    /// Clause `n` as printed beside a finding: [`Self::clause_number`], followed by
    /// （文字未经两份独立副本核实） / (wording not verified …) when the clause is marked unverified.
    pub fn clause_label(&self, n: &str) -> Text {
        let c = self.clause_number(n);
        if !self.is_unverified(n) {
            return c;
        }
        let u = unverified_mark();
        Text::new(
            format!("{}（{}）", c.zh, u.zh),
            format!("{} ({})", c.en, u.en),
        )
    }

    /// The whole citation of clause `n`, ready to print (see [`DocKind::source_cite`]); a
    /// clause marked unverified says so: （文字未经两份独立副本核实） / (wording not verified …).
    pub fn cite(&self, n: &str) -> Text {
        let h = source_heading(self.kind.source_label());
        let c = self.clause_number(n);
        let u = unverified_mark();
        let (uz, ue) = if self.is_unverified(n) {
            (format!("（{}）", u.zh), format!(" ({})", u.en))
        } else {
            (String::new(), String::new())
        };
        Text::new(
            format!("{}：《{}》{}{uz}", h.zh, self.title.zh, c.zh),
            format!("{}: {} ({}){ue}", h.en, self.title.en, c.en),
        )
    }
}

/// The mark of a clause whose wording is unverified (see [`SourceDoc::unverified`]).
pub fn unverified_mark() -> Text {
    Text::new(
        "文字未经两份独立副本核实",
        "wording not verified against two independent copies",
    )
}

/// Why a clause has no rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageNote {
    /// Source document id.
    pub document: String,
    /// Clause number.
    pub clause: String,
    /// government | enterprise | both.
    pub addressee: String,
    /// Why there is no rule.
    pub reason: Text,
}

/// A duty the pack knows of but does not encode: reports list it under "limits of this
/// assessment" so no company mistakes "no finding" for "no duty".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KnownGap {
    /// Id.
    pub id: String,
    /// Source document id.
    pub document: String,
    /// Clause number.
    pub clause: String,
    /// government | enterprise | both.
    pub addressee: String,
    /// The obligation.
    pub obligation: Text,
    /// Why it is not encoded.
    pub why_not_encoded: Text,
    /// What encoding it would need.
    pub would_need: Text,
    /// Shown only to companies not outside all of these scopes (empty: everyone).
    pub scopes: Vec<String>,
    /// File it is defined in.
    #[serde(skip)]
    pub file: String,
    /// Where.
    #[serde(skip)]
    pub loc: Loc,
}

impl KnownGap {
    /// Whether a company (rather than only government) is addressed.
    pub fn addresses_enterprise(&self) -> bool {
        self.addressee == "enterprise" || self.addressee == "both"
    }
}

/// Pack identity and description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackMeta {
    /// Id.
    pub id: String,
    /// Semver version.
    pub version: String,
    /// Title.
    pub title: Text,
    /// Jurisdiction.
    pub jurisdiction: Text,
    /// Effective date.
    pub effective_date: NaiveDate,
}

/// A compiled, validated rule pack: the only input the evaluator needs besides facts.
/// Immutable and `Sync`: compile once, evaluate from many threads.
#[derive(Clone, Debug)]
pub struct Pack {
    /// Identity.
    pub meta: PackMeta,
    /// Sections, in order.
    pub sections: Vec<Section>,
    /// Kinds of enterprise.
    pub scopes: Vec<Scope>,
    /// Source documents.
    pub sources: Vec<SourceDoc>,
    /// Legal instruments (from the citation ledger).
    pub instruments: Vec<Instrument>,
    /// The citation ledger: every article a rule may cite, with its rating.
    pub citations: Vec<Citation>,
    /// The questionnaire.
    pub questionnaire: Questionnaire,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
    /// Why some clauses have no rule.
    pub coverage: Vec<CoverageNote>,
    /// Duties known but not encoded.
    pub known_gaps: Vec<KnownGap>,
    /// The pack's own notes for the limits section of every report (`limits` in pack.yaml).
    pub limits: Vec<Text>,
    /// Self-test cases, still as documents (decoded by `selftest`).
    pub tests: Vec<TestFile>,
    /// Canonical digest of all pack files (`sha256:…`).
    pub digest: String,
    /// Declared migrations from older versions (`migrations/from-<version>.yaml`).
    pub migrations: Vec<migration::MigrationMap>,
    /// The question library the pack uses, if any.
    pub library: Option<LibraryInfo>,
    /// Only in the pack standing for a set of packs (`load::set::PackSet::view`): the packs
    /// of the set, so a facts file's header is checked against each. Empty otherwise.
    pub members: Vec<PackMember>,
}

/// A pack of a set, as a facts file's header is checked against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackMember {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Title.
    pub title: Text,
    /// Its own questionnaire digest.
    pub questionnaire_digest: String,
    /// Versions it declares a migration from.
    pub migrates_from: Vec<String>,
    /// Its rule ids, in pack order (the set's view lists every pack's rules in pack order).
    pub rules: Vec<String>,
}

/// The id of the set member that rule number `i` of a set's view belongs to (`None` for a
/// pack that is not a set's view).
pub fn member_of_rule(members: &[PackMember], i: usize) -> Option<&str> {
    let mut start = 0;
    for m in members {
        if i < start + m.rules.len() {
            return Some(&m.id);
        }
        start += m.rules.len();
    }
    None
}

/// The question library a pack uses: its identity, as loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LibraryInfo {
    /// Library id (`hegui-common`).
    pub id: String,
    /// The library's version, as loaded.
    pub version: String,
    /// The version the pack asks for (a compatible later version is accepted).
    pub requires: String,
    /// Digest of the library's files.
    pub digest: String,
}

impl Pack {
    /// The declared migration from version `from`, if any.
    pub fn migration_from(&self, from: &str) -> Option<&migration::MigrationMap> {
        self.migrations.iter().find(|m| m.from == from)
    }
}

/// A self-test file, kept as text: only `hegui test` reads it, so assessments do not pay for
/// parsing it (it is part of the pack digest all the same).
#[derive(Clone, Debug)]
pub struct TestFile {
    /// Path inside the pack.
    pub path: String,
    /// The file's text.
    pub text: String,
}

impl Pack {
    /// Finds a rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Finds a section by id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Finds a source document by id.
    pub fn source(&self, id: &str) -> Option<&SourceDoc> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Finds an instrument by id.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|s| s.id == id)
    }

    /// Finds the ledger citation of an article of a version of an instrument.
    pub fn citation(&self, instrument: &str, version: &str, article: &str) -> Option<&Citation> {
        self.citations
            .iter()
            .find(|c| c.instrument == instrument && c.version == version && c.article == article)
    }

    /// Whether none of the instruments `rule` cites was in force on its source document's
    /// date (each counted from its earliest version): a duty of law adopted after the source.
    /// False when the rule cites nothing.
    pub fn basis_postdates_source(&self, rule: &Rule) -> bool {
        let Some(doc) = self.source(&rule.source.document) else {
            return false;
        };
        !rule.references.is_empty()
            && rule.references.iter().all(|r| {
                self.instrument(&r.instrument)
                    .and_then(Instrument::first_in_force)
                    .is_none_or(|d| d > doc.date)
            })
    }
}
