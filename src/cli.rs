//! The `hegui` command line: a thin shell over the library.
//!
//! Exit codes (also in `--help` and the README):
//! 0 the run succeeded (and no required rule failed at or above `--fail-on`);
//! 1 required rules failed at or above `--fail-on`, or `hegui test` found problems;
//! 2 invalid input or usage; 3 some inputs of a batch were rejected.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use hegui_core::diag::Level as DiagLevel;
use hegui_core::eval::assess::{AssessOptions, fails_at};
use hegui_core::facts::{LoadedFacts, load_facts_with};
use hegui_core::load::set::PackSet;
use hegui_core::load::{Loaded, PackFiles, load_pack};
use hegui_core::model::{Pack, Severity};
use hegui_report::render::{self, Lang};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod batch;
mod campaign;
mod choice;
mod manual;
mod ui;
use batch::{
    BatchArgs, DiffArgs, MigrateArgs, SynthArgs, run_batch, run_diff, run_migrate, run_synth,
};
use ui::print_diags;
use ui::{GlobalArgs, info, note};

const EXIT_CODES: &str = "Exit codes 退出码:
  0  success; no required rule failed at or above --fail-on
  1  required rules failed at or above --fail-on; `hegui test` found problems
  2  invalid input or usage (every problem is printed with file, line and column)
  3  some inputs of a batch were rejected

Example:
  hegui assess fixtures/companies/news-app.yaml --format html -o report.html
  hegui --error-format json --quiet validate answers.yaml";

/// hegui (合规): compliance self-assessment for China's mobile-internet rules.
#[derive(Debug, Parser)]
#[command(name = "hegui", about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// `hegui --version`: the crate version and each embedded pack's id and version, read from
/// the embedded `pack.yaml` files at run time.
pub fn version_string() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let packs: Vec<String> = hegui_packs::pack_ids()
            .iter()
            .map(|id| {
                let version = hegui_packs::pack_file(id, "pack.yaml")
                    .and_then(pack_meta)
                    .map(|(pid, v)| {
                        if &pid == id {
                            v
                        } else {
                            format!("{v}, id `{pid}` in pack.yaml")
                        }
                    })
                    .unwrap_or_else(|| "version unreadable".into());
                let default = if id == hegui_packs::DEFAULT_PACK {
                    ", default"
                } else {
                    ""
                };
                format!("{id} {version}{default}")
            })
            .collect();
        format!(
            "{} (embedded pack 内置规则包: {})",
            env!("CARGO_PKG_VERSION"),
            if packs.is_empty() {
                "none".to_string()
            } else {
                packs.join("; ")
            }
        )
    })
}

/// `id` and `version` from a `pack.yaml`, without loading the pack (every run needs them for
/// `--version`, so this reads only that file, with the loader's YAML reader).
fn pack_meta(text: &str) -> Option<(String, String)> {
    let doc = hegui_core::syntax::node::parse(text, hegui_core::syntax::node::Format::Yaml).ok()?;
    let field = |k: &str| {
        doc.get(k)
            .and_then(hegui_core::syntax::node::Node::as_str)
            .map(str::to_string)
    };
    Some((field("id")?, field("version")?))
}

/// The clap command with the run-time version: used for parsing, completions and the man page.
pub fn command() -> clap::Command {
    Cli::command().version(version_string())
}

#[derive(Debug, Args, Clone, Default)]
struct PackArgs {
    /// Embedded pack to use (default: hlj-2017-mobile-internet, or for commands reading a facts
    /// file the packs its header lists); repeat it for several packs (多个规则包).
    #[arg(long, value_name = "ID")]
    pack: Vec<String>,
    /// Load a pack from a directory instead; repeatable, and may be combined with --pack.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// A question library directory for packs loaded with --rules (default: `library/<id>`
    /// beside the packs' folder, else the embedded library).
    #[arg(long, value_name = "DIR")]
    library: Vec<PathBuf>,
}

impl PackArgs {
    /// One embedded pack by id.
    fn embedded(id: Option<String>) -> PackArgs {
        PackArgs {
            pack: id.into_iter().collect(),
            ..PackArgs::default()
        }
    }

    /// Whether any pack is named.
    fn named(&self) -> bool {
        !self.pack.is_empty() || !self.rules.is_empty()
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Html,
    Json,
    /// A Word document (branded with `word.yaml` in `--templates`).
    Docx,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assess one facts file and write the result.
    #[command(
        after_help = "Example:\n  hegui assess fixtures/companies/news-app.yaml --format markdown -o report.md\n  hegui assess answers.json --format json --fail-on high -o -"
    )]
    Assess {
        /// Facts file (YAML or JSON; `-` for stdin).
        facts: String,
        #[command(flatten)]
        pack: PackArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
        /// Output file (`-` for stdout, the default).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
        /// Exit 1 if a required rule fails at this severity or above.
        #[arg(long, value_name = "SEVERITY", value_parser = choice::severity())]
        fail_on: Option<Severity>,
        /// Report findings as they are, ignoring waivers (a regulator's view).
        #[arg(long)]
        ignore_waivers: bool,
        /// Report language.
        #[arg(long, value_parser = crate::cli::choice::lang(), default_value = "zh")]
        lang: Lang,
        /// Directory of custom templates overriding the embedded ones (file by file).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Days to remediate by severity (defaults critical=30,high=60,medium=90,low=180).
        #[arg(long, value_name = "SEVERITY=DAYS,...", value_parser = render::Deadlines::parse)]
        deadlines: Option<render::Deadlines>,
        /// Generation time to print (RFC 3339 or YYYY-MM-DD); default: SOURCE_DATE_EPOCH if
        /// set, else none, so the same input gives the same bytes.
        #[arg(long, value_name = "TIME")]
        generated_at: Option<String>,
    },
    /// Validate the pack and any facts files, printing every problem.
    #[command(
        after_help = "Example:\n  hegui validate fixtures/companies/*.yaml\n  hegui validate --rules rules/my-pack"
    )]
    Validate {
        /// Facts files to check against the pack.
        files: Vec<String>,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// List or show the pack's rules.
    #[command(after_help = "Example:\n  hegui rules list\n  hegui rules show hlj.14.real-name")]
    Rules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Issue the questionnaire: a blank YAML facts file, Markdown, an Excel workbook or an offline HTML form.
    #[command(
        after_help = "Example:\n  hegui questionnaire -o answers.yaml\n  hegui questionnaire --format xlsx -o questionnaire.xlsx\n  hegui questionnaire --format html -o questionnaire.html\n  hegui questionnaire --format markdown --lang zh -o questionnaire.md"
    )]
    Questionnaire {
        #[command(flatten)]
        pack: PackArgs,
        /// Form of the questionnaire (default: from the extension of -o, else yaml).
        #[arg(long, value_parser = choice::questionnaire_format())]
        format: Option<hegui_report::questionnaire::QFormat>,
        /// Output file (`-` for stdout).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
        /// Assessment date to pre-fill (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = hegui_report::questionnaire::date_arg)]
        date: Option<chrono::NaiveDate>,
        /// Language of the questions (the YAML form always carries both).
        #[arg(long, value_parser = crate::cli::choice::lang(), default_value = "both")]
        lang: Lang,
        /// Start from these answers (a facts file; xlsx and html only), e.g. last year's.
        #[arg(long, value_name = "FACTS")]
        answers: Option<String>,
    },
    /// Read a filled-in questionnaire workbook back as a facts file, validated like one.
    #[command(
        after_help = "Example:\n  hegui import answers.xlsx -o answers.yaml\n  hegui import answers.xlsx -o answers.json && hegui assess answers.json"
    )]
    Import {
        /// The filled-in workbook (.xlsx or .ods; `-` reads it from stdin).
        workbook: String,
        #[command(flatten)]
        pack: PackArgs,
        /// Output facts file (`-` for stdout; a `.json` name gives JSON, anything else YAML).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
    },
    /// Run the pack's self-tests and report untested comparisons.
    #[command(after_help = "Example:\n  hegui test --rules rules/my-pack")]
    Test {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Show which rules encode each clause of the pack's sources, and why some have none.
    #[command(after_help = "Example:\n  hegui coverage")]
    Coverage {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Print a JSON Schema (draft-07) for editors and validators.
    #[command(
        after_help = "Kinds: facts (answers for the selected pack, with each question's options), result (the JSON of `assess --format json`),\npack, questions, rules, tests, ledger, coverage (the files of a rule pack), batch (the summary.json of `hegui batch`).\n\nExample:\n  hegui schema facts -o hlj-2017-mobile-internet.facts.schema.json\n  hegui schema rules --rules rules/my-pack > rules.schema.json"
    )]
    Schema {
        /// Which schema.
        #[arg(value_parser = choice::schema_kind())]
        kind: hegui_core::schema::Kind,
        #[command(flatten)]
        pack: PackArgs,
        /// Output file (`-` for stdout).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
    },
    /// Assess many submissions at once and write a regulator's overview (批量评估与汇总).
    #[command(
        after_help = "Writes summary.json, summary.csv (UTF-8 with BOM), summary.xlsx and overview.html to --out.\nExit 3 when some inputs could not be assessed (every one is listed with its errors).\nMemory does not grow with the number of inputs: past a budget (HEGUI_SPILL_BYTES, default 1 MiB of records) the submissions table goes to temporary files in TMPDIR.\n\nExample:\n  hegui batch submissions/ --out overview/\n  hegui batch 'inbox/**/*.yaml' more.json --out overview/ --reports html --ignore-waivers"
    )]
    Batch(BatchArgs),
    /// Compare two assessments of one organisation (facts files or JSON results) (两次评估对比).
    #[command(
        after_help = "Example:\n  hegui diff answers-2025.yaml answers-2026.yaml\n  hegui diff old-result.json new-result.json --format json -o diff.json\n  hegui diff old.yaml new.yaml --old-rules rules/pack-1.0 --rules rules/pack-1.1"
    )]
    Diff(DiffArgs),
    /// Carry answers over to a new version of the pack (答案迁移到新版规则包).
    #[command(
        after_help = "Example:\n  hegui migrate answers-1.0.yaml -o answers-2.0.yaml      # with the migration the installed pack declares\n  hegui migrate answers.yaml --from rules/pack-1.0 --rules rules/pack-1.1 -o answers-1.1.yaml"
    )]
    Migrate(MigrateArgs),
    /// Print a shell completion script (命令补全脚本).
    #[command(
        after_help = "Example:\n  hegui completions bash > ~/.local/share/bash-completion/completions/hegui\n  hegui completions zsh > ~/.zfunc/_hegui      # with fpath+=(~/.zfunc) in ~/.zshrc\n  hegui completions fish > ~/.config/fish/completions/hegui.fish"
    )]
    Completions {
        /// Shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
        /// Output file (`-` for stdout).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
    },
    /// Print the manual page hegui(1) in roff (手册页).
    #[command(
        after_help = "Example:\n  hegui man | man -l -\n  hegui man -o ~/.local/share/man/man1/hegui.1"
    )]
    Man {
        /// Output file (`-` for stdout).
        #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
        output: String,
    },
    /// Generate synthetic submissions (for benchmarks).
    #[command(hide = true)]
    Synth(SynthArgs),
    /// A regulator's campaign: roster, invitations, collection, status, rounds, notices (自查活动).
    #[command(
        after_help = "Every subcommand takes the campaign directory first; its database is DIR/campaign.sqlite (docs/CAMPAIGN.md).\n\nExample:\n  hegui campaign init 2026自查 --roster 名单.csv --pack hlj-2017-mobile-internet --due 2026-12-31\n  hegui campaign invite 2026自查\n  hegui campaign collect 2026自查 收件箱/\n  hegui campaign status 2026自查"
    )]
    Campaign(campaign::CampaignArgs),
}

#[derive(Debug, Subcommand)]
enum RulesAction {
    /// One line per rule.
    #[command(
        after_help = "Example:\n  hegui rules list\n  hegui rules list --rules rules/my-pack"
    )]
    List {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// A rule in full, with its clause in context.
    #[command(after_help = "Example:\n  hegui rules show hlj.14.real-name")]
    Show {
        /// Rule id.
        id: String,
        #[command(flatten)]
        pack: PackArgs,
    },
}

/// A failure that ends the command with an exit code.
struct Exit(u8);

/// The value of a global option in the raw arguments, before clap has parsed them (so that
/// clap's own errors and help follow `--color` and `--error-format` too).
fn raw_option(args: &[std::ffi::OsString], name: &str) -> Option<String> {
    let long = format!("--{name}");
    let with_eq = format!("--{name}=");
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut found = None;
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == long {
            found = it.next().map(|v| v.to_string());
        } else if let Some(v) = a.strip_prefix(&with_eq) {
            found = Some(v.to_string());
        }
    }
    found
}

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = match raw_option(&args, "color").as_deref() {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let json_errors = raw_option(&args, "error-format").as_deref() == Some("json");
    let parsed = command()
        .color(color)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            if e.use_stderr() && json_errors {
                let text = e.render().to_string();
                let text = text.trim().trim_start_matches("error: ");
                let (msg, help) = match text.split_once("\n\n") {
                    Some((m, h)) => (m, Some(h.trim())),
                    None => (text, None),
                };
                eprintln!(
                    "{}",
                    ui::json_line("error", None, None, None, None, msg, help)
                );
            } else if e.use_stderr()
                && args.iter().any(|a| {
                    matches!(
                        hegui_core::diag::terminal_safe(&a.to_string_lossy(), false),
                        std::borrow::Cow::Owned(_)
                    )
                })
            {
                // An argument with control characters (a hostile file name expanded by the
                // shell) is echoed in clap's message: print it plain, escaped.
                let text = e.render().to_string();
                eprint!("{}", hegui_core::diag::terminal_safe(&text, true));
            } else {
                let _ = e.print();
            }
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    ui::init(&cli.global);
    match run(cli) {
        Ok(code) | Err(Exit(code)) => ExitCode::from(code),
    }
}

/// Prints `hegui: MSG` (or its JSON line) and gives exit code 2.
fn fail(msg: impl std::fmt::Display) -> Exit {
    ui::error(None, &msg.to_string());
    Exit(2)
}

/// Like [`fail`], naming the file the problem is in.
fn fail_in(file: &str, msg: impl std::fmt::Display) -> Exit {
    ui::error(Some(file), &msg.to_string());
    Exit(2)
}

/// The limits for facts files: `--max-input-size` or the default 10 MB.
fn limits() -> hegui_core::syntax::node::Limits {
    hegui_core::syntax::node::Limits {
        max_file_bytes: max_input_bytes(),
        ..Default::default()
    }
}

fn max_input_bytes() -> usize {
    ui::ui()
        .max_input_size
        .map_or(hegui_core::facts::MAX_FACTS_FILE, |b| {
            usize::try_from(b).unwrap_or(usize::MAX)
        })
}

/// Loads a facts file with the `--max-input-size` limits, printing its warnings.
fn load_facts_cli(name: &str, text: &str, pack: &Pack) -> Result<LoadedFacts, Exit> {
    match load_facts_with(name, text, pack, &limits()) {
        Ok(f) => {
            print_diags(&f.warnings);
            Ok(f)
        }
        Err(diags) => {
            print_diags(&diags);
            Err(Exit(2))
        }
    }
}

/// Where one pack comes from.
enum PackSource<'a> {
    Embedded(&'a str),
    Dir(&'a Path),
}

/// The one pack a command uses: `--pack` or `--rules` once, else the default pack.
fn pack_from(args: &PackArgs) -> Result<Loaded, Exit> {
    match (args.pack.as_slice(), args.rules.as_slice()) {
        ([], []) => load_source(PackSource::Embedded(hegui_packs::DEFAULT_PACK), args),
        ([id], []) => load_source(PackSource::Embedded(id), args),
        ([], [dir]) => load_source(PackSource::Dir(dir), args),
        _ => Err(fail(
            "该命令只使用一个规则包 / this command takes one pack: give --pack or --rules once",
        )),
    }
}

/// The packs a command uses: every `--pack` then every `--rules`; with none, the packs
/// `header` names (a facts file's), else the default pack. Joined into one set.
fn set_from(args: &PackArgs, header: &[String]) -> Result<PackSet, Exit> {
    let mut loaded = Vec::new();
    if args.named() {
        for id in &args.pack {
            loaded.push(load_source(PackSource::Embedded(id), args)?.pack);
        }
        for dir in &args.rules {
            loaded.push(load_source(PackSource::Dir(dir), args)?.pack);
        }
    } else if header.is_empty() {
        loaded.push(load_source(PackSource::Embedded(hegui_packs::DEFAULT_PACK), args)?.pack);
    } else {
        for id in header {
            loaded.push(load_source(PackSource::Embedded(id), args)?.pack);
        }
    }
    hegui_core::load::set::pack_set(loaded).map_err(|diags| {
        print_diags(&diags);
        fail("这些规则包不能一起使用 / these packs cannot be used together")
    })
}

/// The packs a facts file's header names, when no pack is named and they are not simply
/// the default pack (the header is parsed only then).
fn header_packs(args: &PackArgs, name: &str, text: &str) -> Vec<String> {
    if args.named() {
        return Vec::new();
    }
    let others = hegui_packs::pack_ids();
    if !text.contains("packs")
        && !others
            .iter()
            .any(|id| id != hegui_packs::DEFAULT_PACK && text.contains(id.as_str()))
    {
        return Vec::new();
    }
    let ids = hegui_core::facts::header_pack_ids(name, text);
    // Only embedded packs can be named by id; with none of those, the default pack (whose
    // loader then says what the header asks for).
    let embedded: Vec<String> = ids.into_iter().filter(|id| others.contains(id)).collect();
    embedded
}

/// How `assess` writes the result of several packs.
struct SetOutput<'a> {
    format: Format,
    output: &'a str,
    fail_on: Option<Severity>,
    ignore_waivers: bool,
    lang: Lang,
    templates: Option<&'a Path>,
    opts: &'a render::ReportOptions,
    brand: &'a hegui_word::Brand,
}

/// `assess` with several packs: the answers read once, each pack assessed, one result.
fn assess_set_cli(set: &PackSet, name: &str, text: &str, out: SetOutput<'_>) -> Result<u8, Exit> {
    let Some(view) = set.view() else {
        return Err(fail("no pack"));
    };
    let facts = load_facts_cli(name, text, view)?.facts;
    let Some(r) = hegui_core::result::assess_set(
        set,
        &facts,
        AssessOptions {
            ignore_waivers: out.ignore_waivers,
        },
    ) else {
        return Err(fail("no pack"));
    };
    for p in &r.packs {
        let req = &p.summary.required;
        info(&format!(
            "{name}: {} {}: {} (required {}: pass {}, fail {}, waived {}, unanswered {}, n/a {}){} / 已评估",
            p.pack.id,
            p.pack.version,
            p.verdict.name(),
            req.total,
            req.pass,
            req.fail,
            req.waived,
            req.unanswered,
            req.not_applicable,
            if p.answered {
                ""
            } else {
                "; not answered for this pack / 答卷未针对该规则包"
            }
        ));
    }
    info(&format!("{name}: overall {} / 总体结论", r.verdict.name()));
    let text = match out.format {
        Format::Json => hegui_core::result::json(&r),
        Format::Docx => {
            let bytes =
                hegui_word::set_report(&r, set, out.lang, out.opts, out.brand).map_err(fail)?;
            write_binary(out.output, &bytes, "-o FILE.docx")?;
            return Ok(u8::from(out.fail_on.is_some_and(|sev| fails_at(&r, sev))));
        }
        Format::Markdown | Format::Html => {
            let tmpl = if matches!(out.format, Format::Html) {
                "report-set.html.j2"
            } else {
                "report-set.md.j2"
            };
            let env = render::environment(out.lang, out.templates);
            render::set_report(&env, tmpl, &r, set, out.lang, out.opts).map_err(fail)?
        }
    };
    write_output(out.output, &text)?;
    let fails = out.fail_on.is_some_and(|sev| fails_at(&r, sev));
    Ok(u8::from(fails))
}

fn load_source(source: PackSource<'_>, args: &PackArgs) -> Result<Loaded, Exit> {
    let started = std::time::Instant::now();
    let from_dir = matches!(source, PackSource::Dir(_));
    let (root, loaded) = match source {
        PackSource::Dir(dir) => {
            let mut files = PackFiles::from_dir(dir).map_err(|d| {
                print_diags(&[d]);
                Exit(2)
            })?;
            let missing = files.find_library(dir, &args.library).map_err(|d| {
                print_diags(&[d]);
                Exit(2)
            })?;
            if let Some(lib) = missing
                && let Some(lib_files) = hegui_packs::library_files(&lib)
            {
                files.attach_library(&lib, lib_files);
            }
            (files.root.clone(), load_pack(&files))
        }
        PackSource::Embedded(id) => {
            match hegui_packs::load(id) {
                // Compiled at build time: built from its parsed files, not parsed again.
                Some(loaded) => (format!("rules/{id}"), loaded),
                None => {
                    let ids = hegui_packs::pack_ids();
                    return Err(fail(format!(
                        "no embedded pack `{id}` (embedded: {})",
                        if ids.is_empty() {
                            "none".into()
                        } else {
                            ids.join(", ")
                        }
                    )));
                }
            }
        }
    };
    match loaded {
        Ok(l) => {
            print_diags(&l.warnings);
            info(&format!(
                "pack {} {} loaded from {} in {} ms: {} questions, {} groups, {} rules, {} warning(s) / 已加载规则包",
                l.pack.meta.id,
                l.pack.meta.version,
                if from_dir {
                    root.clone()
                } else {
                    format!("the binary ({root})")
                },
                started.elapsed().as_millis(),
                l.pack.questionnaire.questions.len(),
                l.pack.questionnaire.groups.len(),
                l.pack.rules.len(),
                l.warnings.len()
            ));
            Ok(l)
        }
        Err(diags) => {
            print_diags(&diags);
            let n = diags.iter().filter(|d| d.level == DiagLevel::Error).count();
            Err(fail(format!("pack `{root}` has {n} error(s)")))
        }
    }
}

fn too_large(name: &str, size: Option<u64>, limit: usize) -> Exit {
    fail_in(
        name,
        format!(
            "文件过大 file too large ({}limit {limit} bytes; raise it with --max-input-size BYTES if the file is trusted)",
            size.map(|s| format!("{s} bytes; ")).unwrap_or_default()
        ),
    )
}

/// Reads a facts file (or stdin for `-`) as text: `--max-input-size`, UTF-8, byte-order mark
/// removed. Returns the name to use in messages (which also picks YAML or JSON) and the text.
fn read_input(name: &str) -> Result<(String, String), Exit> {
    use hegui_core::io::input::{ReadError, into_text, read_file, read_limited};
    let limit = max_input_bytes();
    let (label, read) = if name == "-" {
        ("<stdin>", read_limited(std::io::stdin().lock(), limit, 0))
    } else {
        (name, read_file(std::path::Path::new(name), limit))
    };
    if let Ok(bytes) = &read
        && let Some(why) = hegui_office::import::workbook_hint(bytes)
    {
        return Err(fail_in(label, why));
    }
    let text = read.and_then(into_text).map_err(|e| match e {
        ReadError::TooLarge { size, limit } => too_large(label, size, limit),
        e => fail_in(label, e),
    })?;
    if name != "-" {
        return Ok((name.to_string(), text));
    }
    // Stdin has no name; JSON is told apart by its first character.
    let label = if text.trim_start().starts_with('{') {
        "<stdin>.json"
    } else {
        "<stdin>"
    };
    Ok((label.to_string(), text))
}

/// Writes `text` to `output` (`-` is stdout). A closed pipe is not an error. Files are written
/// to a temporary file first and renamed, so a killed run never leaves half a report.
fn write_output(output: &str, text: &str) -> Result<(), Exit> {
    if output == "-" {
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(fail(format!("stdout: {e}"))),
        };
    }
    if output.is_empty() {
        return Err(fail("-o: 输出路径为空 the output path is empty"));
    }
    atomic_write(Path::new(output), text.as_bytes()).map_err(|e| fail_in(output, e))
}

/// Refuses to write a binary file (a workbook, a Word document) to stdout when stdout is a
/// terminal: it would only garble the screen. A pipe or a redirect is fine.
fn refuse_binary_to_terminal(output: &str, hint: &str) -> Result<(), Exit> {
    if output == "-" && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(fail(format!(
            "输出是二进制文件，不能写到终端 the output is a binary file and stdout is a terminal: write it to a file with {hint} (or redirect stdout) / 请用 {hint} 指定文件"
        )));
    }
    Ok(())
}

/// Writes binary `bytes` to `output` (`-` is stdout, refused on a terminal); files atomically.
fn write_binary(output: &str, bytes: &[u8], hint: &str) -> Result<(), Exit> {
    if output == "-" {
        refuse_binary_to_terminal(output, hint)?;
        let mut out = std::io::stdout().lock();
        return match out.write_all(bytes).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(fail(format!("stdout: {e}"))),
        };
    }
    atomic_write(Path::new(output), bytes).map_err(|e| fail_in(output, e))
}

/// Refuses an output path before anything is read (SECURITY.md, "Output paths"): an empty
/// name, a directory, or the same file (device and inode) as one of the command's `inputs`
/// (`-o answers.yaml` over the answers it reads would destroy them). `-` is stdout.
fn check_output(output: &str, inputs: &[&str]) -> Result<(), Exit> {
    if output == "-" {
        return Ok(());
    }
    if output.is_empty() {
        return Err(fail(
            "-o: 输出路径为空 the output path is empty; name a file, or `-` for stdout",
        ));
    }
    let path = Path::new(output);
    if path.is_dir() {
        return Err(fail_in(
            output,
            "是目录，-o 需要文件名 is a directory; -o names a file (e.g. -o report.md), or `-` for stdout",
        ));
    }
    for input in inputs.iter().filter(|i| **i != "-") {
        if hegui_core::io::atomic::same_regular_file(path, Path::new(input)) {
            return Err(fail_in(
                output,
                format!(
                    "输出文件就是输入文件 {input}，写入会覆盖它 the output is the input file {input}; writing it would destroy the input. Choose another -o"
                ),
            ));
        }
    }
    Ok(())
}

/// Writes a file atomically (see [`hegui_core::io::atomic`]).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    hegui_core::io::atomic::write(path, bytes)
}

fn run(cli: Cli) -> Result<u8, Exit> {
    match cli.command {
        Command::Assess {
            facts,
            pack,
            format,
            output,
            fail_on,
            ignore_waivers,
            lang,
            templates,
            deadlines,
            generated_at,
        } => {
            check_output(&output, &[&facts])?;
            let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
            let generated_at =
                render::plan::generated_at(generated_at.as_deref(), epoch.as_deref())
                    .map_err(fail)?;
            let opts = render::ReportOptions {
                deadlines: deadlines.unwrap_or_default(),
                generated_at,
            };
            // A Word file to a terminal is refused before anything is read; its branding is
            // checked before the assessment, so a bad word.yaml costs nothing.
            if matches!(format, Format::Docx) {
                refuse_binary_to_terminal(&output, "-o FILE.docx")?;
            }
            let brand = if matches!(format, Format::Docx) {
                hegui_word::brand::load(templates.as_deref()).map_err(|e| fail(e.to_string()))?
            } else {
                hegui_word::Brand::default()
            };
            let (name, text) = read_input(&facts)?;
            let set = set_from(&pack, &header_packs(&pack, &name, &text))?;
            if set.is_multi() {
                return assess_set_cli(
                    &set,
                    &name,
                    &text,
                    SetOutput {
                        format,
                        output: &output,
                        fail_on,
                        ignore_waivers,
                        lang,
                        templates: templates.as_deref(),
                        opts: &opts,
                        brand: &brand,
                    },
                );
            }
            let Some(pack) = set.packs.first() else {
                return Err(fail("no pack"));
            };
            let facts = load_facts_cli(&name, &text, pack)?.facts;
            // The one path of sets: `answered_for` and `ignored_answers` from the header.
            let Some(a) =
                hegui_core::result::assess_set(&set, &facts, AssessOptions { ignore_waivers })
            else {
                return Err(fail("no pack"));
            };
            for p in &a.packs {
                let (req, rec) = (&p.summary.required, &p.summary.recommended);
                info(&format!(
                    "{name}: required {} (pass {}, fail {}, waived {}, unanswered {}, n/a {}); recommended {} (fail {}); verdict {} ({} {}) / 已评估",
                    req.total,
                    req.pass,
                    req.fail,
                    req.waived,
                    req.unanswered,
                    req.not_applicable,
                    rec.total,
                    rec.fail,
                    p.verdict.name(),
                    p.pack.id,
                    p.pack.version
                ));
            }
            let text = match format {
                Format::Json => hegui_core::result::json(&a),
                Format::Docx => {
                    let bytes = hegui_word::report(&a, pack, lang, &opts, &brand).map_err(fail)?;
                    write_binary(&output, &bytes, "-o FILE.docx")?;
                    return Ok(match fail_on {
                        Some(sev) if fails_at(&a, sev) => 1,
                        _ => 0,
                    });
                }
                Format::Markdown | Format::Html => {
                    let name = if matches!(format, Format::Html) {
                        "report.html.j2"
                    } else {
                        "report.md.j2"
                    };
                    let env = render::environment(lang, templates.as_deref());
                    render::report(&env, name, &a, pack, lang, &opts).map_err(fail)?
                }
            };
            write_output(&output, &text)?;
            Ok(match fail_on {
                Some(sev) if fails_at(&a, sev) => 1,
                _ => 0,
            })
        }
        Command::Validate { files, pack } => {
            let set = set_from(&pack, &[])?;
            let Some(view) = set.view() else {
                return Err(fail("no pack"));
            };
            let mut bad = 0;
            for f in &files {
                let (name, text) = read_input(f)?;
                // Without --pack, each file's header decides its packs.
                let header = header_packs(&pack, &name, &text);
                let own = if header.is_empty() {
                    None
                } else {
                    Some(set_from(&pack, &header)?)
                };
                let target = own.as_ref().and_then(PackSet::view).unwrap_or(view);
                match load_facts_cli(&name, &text, target) {
                    Ok(l) => info(&format!(
                        "{name}: valid ({} warning(s)) / 有效",
                        l.warnings.len()
                    )),
                    Err(Exit(_)) => bad += 1,
                }
            }
            let p = view;
            if bad > 0 {
                return Err(fail(format!(
                    "{bad} of {} file(s) invalid / 个文件无效",
                    files.len()
                )));
            }
            {
                note(&format!(
                    "ok: pack {} ({} questions, {} rules){}",
                    set.describe(),
                    p.questionnaire.questions.len(),
                    p.rules.len(),
                    if files.is_empty() {
                        String::new()
                    } else {
                        format!("; {} facts file(s) valid", files.len())
                    }
                ));
            }
            Ok(0)
        }
        Command::Rules { action } => match action {
            RulesAction::List { pack } => {
                let set = set_from(&pack, &[])?;
                let mut text = String::new();
                for p in &set.packs {
                    if set.is_multi() {
                        text.push_str(&format!(
                            "# {} {} — {}\n",
                            p.meta.id, p.meta.version, p.meta.title.zh
                        ));
                    }
                    text.push_str(&hegui_report::show::rules_list(p));
                }
                write_output("-", &text)?;
                Ok(0)
            }
            RulesAction::Show { id, pack } => {
                let loaded = pack_from(&pack)?;
                let Some(text) = hegui_report::show::rule_show(&loaded.pack, &id) else {
                    let help = hegui_core::diag::did_you_mean(
                        &id,
                        loaded.pack.rules.iter().map(|r| r.id.as_str()),
                    );
                    return Err(fail(format!(
                        "no rule `{id}`{}",
                        help.map(|h| format!("; {h}")).unwrap_or_default()
                    )));
                };
                write_output("-", &text)?;
                Ok(0)
            }
        },
        Command::Questionnaire {
            pack,
            format,
            output,
            date,
            lang,
            answers,
        } => {
            use hegui_report::questionnaire::{self as qn, QFormat};
            check_output(
                &output,
                &answers.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
            // Several packs give one questionnaire where a shared question appears once.
            let set = set_from(&pack, &[])?;
            let Some(pack) = set.view() else {
                return Err(fail("no pack"));
            };
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            let format = format.unwrap_or_else(|| qn::format_for(&output));
            let prefill = match &answers {
                None => None,
                Some(_) if matches!(format, QFormat::Yaml | QFormat::Markdown) => {
                    return Err(fail(
                        "--answers works with --format xlsx and html / 仅 xlsx 和 html 可预填答案",
                    ));
                }
                Some(file) => {
                    let (name, text) = read_input(file)?;
                    Some(load_facts_cli(&name, &text, pack)?.facts)
                }
            };
            match format {
                QFormat::Yaml => write_output(&output, &qn::blank_yaml(pack, date))?,
                QFormat::Markdown => write_output(
                    &output,
                    &qn::markdown::render(pack, date, lang).map_err(fail)?,
                )?,
                QFormat::Html => write_output(
                    &output,
                    &qn::html::render(pack, date, lang, prefill.as_ref()).map_err(fail)?,
                )?,
                QFormat::Xlsx => {
                    let bytes = hegui_office::xlsx::workbook(pack, date, lang, prefill.as_ref())
                        .map_err(fail)?;
                    if output == "-" {
                        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                            return Err(fail(
                                "a workbook is binary: write it to a file with -o FILE.xlsx / 请用 -o 指定文件",
                            ));
                        }
                        let mut out = std::io::stdout().lock();
                        match out.write_all(&bytes).and_then(|()| out.flush()) {
                            Ok(()) => {}
                            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                            Err(e) => return Err(fail(format!("stdout: {e}"))),
                        }
                    } else {
                        atomic_write(Path::new(&output), &bytes)
                            .map_err(|e| fail_in(&output, e))?;
                    }
                }
            }
            Ok(0)
        }
        Command::Import {
            workbook,
            pack,
            output,
        } => {
            check_output(&output, &[&workbook])?;
            let set = set_from(&pack, &[])?;
            let Some(pack) = set.view() else {
                return Err(fail("no pack"));
            };
            // Workbooks are zipped: their own cap (20 MB), lowered by --max-input-size. The
            // read stops one byte past it (a device, pipe or growing file included).
            let limit = ui::ui()
                .max_input_size
                .map_or(hegui_office::import::MAX_WORKBOOK, |b| {
                    usize::try_from(b)
                        .unwrap_or(usize::MAX)
                        .min(hegui_office::import::MAX_WORKBOOK)
                });
            let (label, read) = if workbook == "-" {
                (
                    "<stdin>".to_string(),
                    hegui_core::io::input::read_limited(std::io::stdin().lock(), limit, 0),
                )
            } else {
                (
                    workbook.clone(),
                    hegui_core::io::input::read_file(Path::new(&workbook), limit),
                )
            };
            let bytes = read.map_err(|e| match e {
                hegui_core::io::input::ReadError::TooLarge { size, limit } => {
                    too_large(&label, size, limit)
                }
                hegui_core::io::input::ReadError::Io(e) => fail_in(&label, e),
                hegui_core::io::input::ReadError::Directory => {
                    fail_in(&label, "是目录 is a directory")
                }
                // Bytes are read as they are (no text decoding); these cannot arise here.
                e @ (hegui_core::io::input::ReadError::NotUtf8 { .. }
                | hegui_core::io::input::ReadError::Encoding(_)
                | hegui_core::io::input::ReadError::Empty) => fail_in(&label, e),
            })?;
            let workbook = label;
            let facts = match hegui_office::import::import_workbook(&workbook, &bytes, pack) {
                Ok(f) => {
                    print_diags(&f.warnings);
                    f.facts
                }
                Err(diags) => {
                    print_diags(&diags);
                    let n = diags.iter().filter(|d| d.level == DiagLevel::Error).count();
                    return Err(fail_in(&workbook, format!("{n} error(s) / 个错误")));
                }
            };
            let json = output.to_ascii_lowercase().ends_with(".json");
            let text = hegui_office::import::facts_text(pack, &facts, json).map_err(fail)?;
            write_output(&output, &text)?;
            Ok(0)
        }
        Command::Test { pack } => {
            // Each pack's self-tests, on the joint questionnaire when several are given (so
            // the packs are checked to load together too).
            let set = set_from(&pack, &[])?;
            let mut text = String::new();
            let mut ok = true;
            for p in &set.packs {
                let report = hegui_core::selftest::run(p);
                ok &= report.ok();
                text.push_str(&hegui_core::selftest::render(&report, p));
            }
            write_output("-", &text)?;
            Ok(if ok { 0 } else { 1 })
        }
        Command::Coverage { pack } => {
            let set = set_from(&pack, &[])?;
            let mut text = String::new();
            for p in &set.packs {
                if set.is_multi() {
                    text.push_str(&format!("# {} {}\n", p.meta.id, p.meta.version));
                }
                text.push_str(&hegui_report::show::coverage(p));
            }
            if set.is_multi() {
                text.push('\n');
                text.push_str(&hegui_report::show::cross_coverage(&set.packs));
            }
            write_output("-", &text)?;
            Ok(0)
        }
        Command::Schema { kind, pack, output } => {
            check_output(&output, &[])?;
            let set = set_from(&pack, &[])?;
            let Some(view) = set.view() else {
                return Err(fail("no pack"));
            };
            let schema = hegui_core::schema::schema(kind, view);
            let mut text = serde_json::to_string_pretty(&schema).map_err(fail)?;
            text.push('\n');
            write_output(&output, &text)?;
            Ok(0)
        }
        Command::Completions { shell, output } => {
            check_output(&output, &[])?;
            let bytes = manual::completions(command(), shell);
            write_output(&output, &String::from_utf8_lossy(&bytes))?;
            Ok(0)
        }
        Command::Man { output } => {
            check_output(&output, &[])?;
            let bytes = manual::man_page(command()).map_err(fail)?;
            write_output(&output, &String::from_utf8_lossy(&bytes))?;
            Ok(0)
        }
        Command::Batch(args) => run_batch(args),
        Command::Diff(args) => run_diff(args),
        Command::Migrate(args) => run_migrate(args),
        Command::Synth(args) => run_synth(args),
        Command::Campaign(args) => campaign::run_campaign(args),
    }
}
