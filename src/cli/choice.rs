//! Command-line choices for enums of the core crate, which knows no clap: each is a list of
//! (value, help, variant), shown in `--help`, completions and the man page as clap's
//! `value_enum` shows them.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use hegui_batch::ReportFormat;
use hegui_batch::synth::SynthFormat;
use hegui_core::Lang;
use hegui_core::model::Severity;
use hegui_core::schema::Kind;
use hegui_report::questionnaire::QFormat;

/// A parser over `choices`; the first is the fallback clap never reaches (it refuses others).
fn parser<T: Clone + Send + Sync + 'static>(
    choices: &'static [(&'static str, &'static str, T)],
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(
        choices
            .iter()
            .map(|(v, h, _)| PossibleValue::new(*v).help(*h)),
    )
    .map(move |s| {
        let found = choices.iter().find(|(v, _, _)| *v == s).or(choices.first());
        found.map(|(_, _, t)| t.clone())
    })
    .try_map(|t| t.ok_or("no choices"))
}

/// `--lang`.
pub fn lang() -> impl TypedValueParser<Value = Lang> {
    parser(&[
        ("zh", "中文", Lang::Zh),
        ("en", "English", Lang::En),
        ("both", "中文, then English", Lang::Both),
    ])
}

/// `--fail-on`.
pub fn severity() -> impl TypedValueParser<Value = Severity> {
    parser(&[
        ("critical", "Most severe", Severity::Critical),
        ("high", "High", Severity::High),
        ("medium", "Medium", Severity::Medium),
        ("low", "Low", Severity::Low),
    ])
}

/// `hegui schema KIND`.
pub fn schema_kind() -> impl TypedValueParser<Value = Kind> {
    parser(&[
        (
            "facts",
            "A facts file (answers) for the selected pack",
            Kind::Facts,
        ),
        (
            "result",
            "The JSON result of `hegui assess --format json`",
            Kind::Result,
        ),
        ("pack", "A pack's `pack.yaml`", Kind::Pack),
        ("questions", "A pack's `questions/*.yaml`", Kind::Questions),
        ("rules", "A pack's `rules/*.yaml`", Kind::Rules),
        ("tests", "A pack's `tests/*.yaml`", Kind::Tests),
        (
            "ledger",
            "A pack's citation ledger, `ledger.yaml`",
            Kind::Ledger,
        ),
        (
            "coverage",
            "A pack's `coverage.yaml` (clauses without rules, known gaps)",
            Kind::Coverage,
        ),
        (
            "batch",
            "The `summary.json` of `hegui batch` (hegui.batch/1 or /2)",
            Kind::Batch,
        ),
    ])
}

/// `questionnaire --format`.
pub fn questionnaire_format() -> impl TypedValueParser<Value = QFormat> {
    parser(&[
        (
            "yaml",
            "A blank facts file (YAML) with every question as a comment",
            QFormat::Yaml,
        ),
        (
            "markdown",
            "A printable questionnaire (Markdown)",
            QFormat::Markdown,
        ),
        (
            "xlsx",
            "An Excel workbook with drop-downs; read back with `hegui import`",
            QFormat::Xlsx,
        ),
        (
            "html",
            "One self-contained offline HTML form that saves a facts file (JSON)",
            QFormat::Html,
        ),
    ])
}

/// `batch --reports`.
pub fn report_format() -> impl TypedValueParser<Value = ReportFormat> {
    parser(&[
        ("html", "HTML", ReportFormat::Html),
        ("markdown", "Markdown", ReportFormat::Markdown),
        ("json", "The JSON result", ReportFormat::Json),
        ("docx", "Word (.docx)", ReportFormat::Docx),
    ])
}

/// `synth --format`.
pub fn synth_format() -> impl TypedValueParser<Value = SynthFormat> {
    parser(&[
        ("json", "`.json`", SynthFormat::Json),
        ("yaml", "`.yaml`", SynthFormat::Yaml),
    ])
}
