//! `hegui batch`, `hegui diff`, `hegui migrate` and the hidden `hegui synth` (issue #6).

use super::ui::{self, info, note};
use super::{
    Exit, PackArgs, PackSource, check_output, fail, fail_in, header_packs, load_facts_cli,
    load_source, pack_from, print_diags, read_input, set_from, write_output,
};
use clap::{Args, ValueEnum};
use hegui_batch::{self as batch, BatchOptions, ReportFormat};
use hegui_core::eval::assess::AssessOptions;
use hegui_core::load::{Loaded, PackFiles, load_pack};
use hegui_core::text::Lang;
use hegui_report::diff;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(super) struct BatchArgs {
    /// Facts files (YAML, JSON, xlsx), directories (walked) or quoted globs.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    pack: PackArgs,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also write one report per submission, under DIR/reports/.
    #[arg(long, value_name = "FORMAT", value_parser = super::choice::report_format())]
    reports: Option<ReportFormat>,
    /// Report findings as they are, ignoring waivers (a regulator's view).
    #[arg(long)]
    ignore_waivers: bool,
    /// How many lowest-scoring submissions the overview lists.
    #[arg(long, value_name = "N", default_value = "20")]
    lowest: usize,
    /// Report language (per-submission reports).
    #[arg(long, value_parser = crate::cli::choice::lang(), default_value = "zh")]
    lang: Lang,
    /// Follow symbolic links that lead out of the directories named (by default such a link
    /// is listed as rejected, not followed).
    #[arg(long)]
    follow_outside: bool,
    /// Reference date (YYYY-MM-DD; default today): a submission dated after it is flagged and
    /// supersedes no submission dated on or before it. Recorded in summary.json as `as_of`.
    #[arg(long, value_name = "DATE")]
    as_of: Option<chrono::NaiveDate>,
}

/// The process's peak resident memory so far, where the system says (Linux), for `--verbose`.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| format!("; peak memory 内存峰值 {}", v.trim()))
        })
        .unwrap_or_default()
}

/// Refuses an `--out` that cannot be the batch's output directory, before anything is read.
fn check_out_dir(out: &std::path::Path) -> Result<(), Exit> {
    let shown = out.display().to_string();
    if out.as_os_str().is_empty() {
        return Err(fail(
            "--out: 输出目录为空 the output directory is empty; name a directory",
        ));
    }
    if out.as_os_str() == "-" {
        return Err(fail(
            "--out -: batch 写出一个目录（汇总与报告），不能写到标准输出 a batch writes a directory (summaries and reports), not stdout; name a directory, e.g. --out results",
        ));
    }
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => Err(fail_in(
            &shown,
            "--out 不是目录 is not a directory (it names an existing file); name a directory, new or existing",
        )),
        _ => Ok(()),
    }
}

pub(super) fn run_batch(args: BatchArgs) -> Result<u8, Exit> {
    check_out_dir(&args.out)?;
    if let Some(n) = batch::clamp_threads() {
        note(&n);
    }
    // Several packs: every submission is read once against the set's joint questionnaire, and
    // the rules of every pack are evaluated on it.
    let set = super::set_from(&args.pack, &[])?;
    let Some(pack) = set.view() else {
        return Err(fail("no pack"));
    };
    std::fs::create_dir_all(&args.out).map_err(|e| fail(format!("{}: {e}", args.out.display())))?;
    // The lock on --out, the run's temporary directories and the signal handler that removes
    // them (batch/guard); held to the end of the run.
    let guard = batch::RunGuard::start(&args.out).map_err(fail)?;
    if guard.swept > 0 {
        note(&format!(
            "已清除上次中断运行留下的 {} 个临时文件 removed {} temporary file(s) an interrupted run left",
            guard.swept, guard.swept
        ));
    }
    if args.reports.is_some() {
        let dir = args.out.join("reports");
        std::fs::create_dir_all(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    }
    let started = std::time::Instant::now();
    let inputs = batch::expand_inputs_with(
        &args.inputs,
        &batch::ListOptions {
            follow_outside: args.follow_outside,
            out: Some(args.out.clone()),
        },
    )
    .map_err(fail)?;
    info(&format!(
        "{} input file(s), {} argument(s) or entries naming nothing readable, {} other file(s), {} path(s) skipped / 输入文件 ({:.2} s)",
        inputs.files.len(),
        inputs.problems.len(),
        inputs.other_files.len(),
        inputs.skipped.len(),
        started.elapsed().as_secs_f64()
    ));
    for sk in inputs.skipped.iter().take(20) {
        note(&format!("跳过 skipped {}: {}", sk.0, sk.1));
    }
    if inputs.skipped.len() > 20 {
        note(&format!(
            "…… 另有 {} 个，见 summary.json 的 skipped … and {} more: see `skipped` in summary.json",
            inputs.skipped.len() - 20,
            inputs.skipped.len() - 20
        ));
    }
    let opts = BatchOptions {
        out: args.out.clone(),
        reports: args.reports,
        ignore_waivers: args.ignore_waivers,
        lowest: args.lowest,
        progress: ui::progress_allowed(),
        lang: args.lang,
        limits: hegui_core::syntax::node::Limits {
            max_file_bytes: ui::ui()
                .max_input_size
                .map_or(hegui_core::facts::MAX_FACTS_FILE, |b| {
                    usize::try_from(b).unwrap_or(usize::MAX)
                }),
            ..Default::default()
        },
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        // Reports of several packs are the set's reports (only needed with --reports).
        set: (set.is_multi() && args.reports.is_some()).then(|| std::sync::Arc::new(set.clone())),
    };
    let phase = std::time::Instant::now();
    let summary = batch::run(pack, inputs, &opts).map_err(fail)?;
    info(&format!(
        "assessed and summarised / 评估与汇总: {:.2} s{}; submissions table {}",
        phase.elapsed().as_secs_f64(),
        peak_memory(),
        if summary.spilled() {
            "in temporary files / 在临时文件中"
        } else {
            "in memory / 在内存中"
        }
    ));
    let phase = std::time::Instant::now();
    batch::write_all(&summary, &args.out, args.lang).map_err(fail)?;
    info(&format!(
        "wrote summary.json, .csv, .xlsx, overview.html / 写出汇总: {:.2} s{}",
        phase.elapsed().as_secs_f64(),
        peak_memory()
    ));
    if ui::progress_allowed() {
        batch::print_totals(&summary, &args.out);
    }
    if summary.flag_count() > 0 {
        let mut flags = summary.flags().map_err(fail)?;
        let mut shown = 0;
        while let Some(f) = flags.next().map_err(fail)? {
            if shown == 20 {
                note("…… 其余见 summary.json 的 flags … more under `flags` in summary.json");
                break;
            }
            shown += 1;
            note(&format!("请核实 check {}: {}", f.path, f.detail));
        }
    }
    if summary.rejected > 0 {
        // Name the first rejected inputs here too (all of them are in summary.json).
        const NAMED: usize = 20;
        let mut rejected = summary.rejected_files().map_err(fail)?;
        let mut named = 0;
        while named < NAMED
            && let Some(rj) = rejected.next().map_err(fail)?
        {
            named += 1;
            let first = rj.errors.first().map(String::as_str).unwrap_or_default();
            let first = first.lines().next().unwrap_or_default();
            let first = first
                .strip_prefix("错误 error: ")
                .unwrap_or(first)
                .strip_prefix(rj.path.as_str())
                .map_or(first, |rest| rest.trim_start_matches([':', ' ']));
            ui::error(Some(&rj.path), first);
        }
        if summary.rejected > NAMED as u64 {
            ui::error(
                None,
                &format!("…… and {} more", summary.rejected - NAMED as u64),
            );
        }
        ui::error(
            None,
            &format!(
                "{} 份输入未能评估，详见 summary.json / {} input(s) could not be assessed; see rejected_files in summary.json",
                summary.rejected, summary.rejected
            ),
        );
        drop(guard);
        return Ok(3);
    }
    drop(guard);
    Ok(0)
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The earlier assessment: a facts file or a JSON result.
    old: String,
    /// The later assessment: a facts file or a JSON result.
    new: String,
    /// Packs for the NEW facts file (and the old one, unless --old-rules / --old-pack);
    /// without any, the packs the file's header lists.
    #[command(flatten)]
    pack: PackArgs,
    /// Pack directory for the OLD facts file, when it was answered for another pack version
    /// (repeatable, with --old-pack too, for several packs).
    #[arg(long, value_name = "DIR")]
    old_rules: Vec<PathBuf>,
    /// Embedded pack for the OLD facts file (repeatable).
    #[arg(long, value_name = "ID")]
    old_pack: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: DiffFormat,
    /// Output file (`-` for stdout).
    #[arg(short = 'o', long, value_name = "FILE", default_value = "-")]
    output: String,
    /// Compare even if the organisations differ.
    #[arg(long)]
    force: bool,
    /// Assess facts files ignoring waivers.
    #[arg(long)]
    ignore_waivers: bool,
}

fn side(path: &str, pack: &PackArgs, ignore_waivers: bool) -> Result<diff::Side, Exit> {
    let (name, text) = read_input(path)?;
    if name.to_ascii_lowercase().ends_with(".json")
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && diff::is_result(&v)
    {
        let side = diff::Side::from_result_json(path, &v).map_err(fail)?;
        print_diags(&side.warnings);
        return Ok(side);
    }
    // A facts file: assessed against the packs named, else those its header lists.
    let set = set_from(pack, &header_packs(pack, &name, &text))?;
    let Some(view) = set.view() else {
        return Err(fail("no pack"));
    };
    let facts = match load_facts_cli(&name, &text, view) {
        Ok(f) => f.facts,
        Err(_) => {
            return Err(fail_in(
                path,
                "无法读取答案，见上面的错误（若答案针对另一版本的规则包：--old-rules / --old-pack）/ the answers cannot be read: see the errors above (answers given for another pack version: --old-rules / --old-pack)",
            ));
        }
    };
    let Some(a) = hegui_core::result::assess_set(&set, &facts, AssessOptions { ignore_waivers })
    else {
        return Err(fail("no pack"));
    };
    Ok(diff::Side::from_assessment(path, &a))
}

pub(super) fn run_diff(args: DiffArgs) -> Result<u8, Exit> {
    if args.old == "-" && args.new == "-" {
        return Err(fail(
            "`-`（标准输入）只能代表 OLD 或 NEW 其中之一 / `-` (standard input) can stand for only one of OLD and NEW: it is read once",
        ));
    }
    check_output(&args.output, &[&args.old, &args.new])?;
    let old_pack = if !args.old_rules.is_empty() || !args.old_pack.is_empty() {
        PackArgs {
            rules: args.old_rules.clone(),
            pack: args.old_pack.clone(),
            library: args.pack.library.clone(),
        }
    } else {
        args.pack.clone()
    };
    let old = side(&args.old, &old_pack, args.ignore_waivers)?;
    let new = side(&args.new, &args.pack, args.ignore_waivers)?;
    if !args.force
        && let Some(why) = diff::organisation_mismatch(&old, &new)
    {
        return Err(fail(why));
    }
    let d = diff::diff(old, new);
    let text = match args.format {
        DiffFormat::Json => diff::json(&d),
        DiffFormat::Markdown => diff::markdown(&d),
    };
    write_output(&args.output, &text)?;
    Ok(0)
}

#[derive(Debug, Args)]
pub(super) struct MigrateArgs {
    /// The facts file to carry over.
    facts: String,
    /// The pack the answers were given for: a directory, or an embedded pack id. Without it,
    /// the migration map the new pack declares for the answers' version is used.
    #[arg(long, value_name = "DIR|ID")]
    from: Option<String>,
    /// The new pack (--rules DIR or --pack ID).
    #[command(flatten)]
    pack: PackArgs,
    /// Output facts file (`-` for stdout; `.json` writes JSON).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: String,
}

fn load_pack_arg(spec: &str) -> Result<Loaded, Exit> {
    let path = std::path::Path::new(spec);
    let (root, loaded) = if path.is_dir() {
        let files = PackFiles::from_dir(path).map_err(|d| {
            print_diags(&[d]);
            Exit(2)
        })?;
        (files.root.clone(), load_pack(&files))
    } else {
        let loaded = hegui_packs::load(spec).ok_or_else(|| {
            fail(format!(
                "--from {spec}: 既不是目录也不是内置规则包 neither a directory nor an embedded pack (embedded: {})",
                hegui_packs::pack_ids().join(", ")
            ))
        })?;
        (format!("rules/{spec}"), loaded)
    };
    loaded.map_err(|diags| {
        print_diags(&diags);
        fail(format!("pack `{root}` has errors"))
    })
}

pub(super) fn run_migrate(args: MigrateArgs) -> Result<u8, Exit> {
    check_output(&args.output, &[&args.facts])?;
    let Some(from) = &args.from else {
        return run_migrate_declared(&args);
    };
    let old = load_pack_arg(from)?;
    let new = pack_from(&args.pack)?;
    let (name, text) = read_input(&args.facts)?;
    let facts = match load_facts_cli(&name, &text, &old.pack) {
        Ok(f) => f.facts,
        Err(_) => {
            return Err(fail_in(
                &args.facts,
                "答案与 --from 指定的规则包不符 the answers do not load against the --from pack",
            ));
        }
    };
    let name = if args.output == "-" {
        "<stdout>.yaml"
    } else {
        args.output.as_str()
    };
    let (m, out) = match hegui_core::facts::migrate::migrate_checked(
        &old.pack, &facts, &new.pack, name,
    ) {
        Ok(x) => x,
        Err(diags) => {
            print_diags(&diags);
            return Err(fail(
                "迁移结果未通过新规则包的校验 the migrated answers do not validate against the new pack",
            ));
        }
    };
    write_output(&args.output, &out)?;
    let changed: Vec<&hegui_core::facts::migrate::ToAnswer> = m
        .to_answer
        .iter()
        .filter(|t| t.why != hegui_core::facts::migrate::Why::Unanswered)
        .collect();
    note(&format!(
        "沿用答案 {} 个；需回答的新增或变更问题 {} 个；新规则包不再询问的问题 {} 个 / kept {} answers; {} new or changed questions to answer; {} questions no longer asked",
        m.kept,
        changed.len(),
        m.dropped.len(),
        m.kept,
        changed.len(),
        m.dropped.len()
    ));
    for t in changed {
        note(&format!(
            "  {} — {} / {}{}",
            t.id,
            t.label.zh,
            t.label.en,
            if t.what.is_empty() {
                " (新增 new)".to_string()
            } else {
                format!(" (已变更 changed: {})", t.what.join(", "))
            }
        ));
    }
    for w in &m.dropped_waivers {
        note(&format!(
            "  豁免已删除(规则不复存在) waiver dropped, rule gone: {w}"
        ));
    }
    Ok(0)
}

/// `hegui migrate FACTS -o NEW` without `--from`: the map the new pack declares.
fn run_migrate_declared(args: &MigrateArgs) -> Result<u8, Exit> {
    let (name, text) = read_input(&args.facts)?;
    let doc =
        hegui_core::syntax::node::parse(&text, hegui_core::syntax::node::Format::from_path(&name))
            .map_err(|e| {
                print_diags(&[hegui_core::diag::Diagnostic {
                    level: hegui_core::diag::Level::Error,
                    file: name.clone(),
                    loc: e.loc,
                    subject: String::new(),
                    message: format!("invalid YAML/JSON: {}", e.message),
                    help: None,
                }]);
                Exit(2)
            })?;
    let old = hegui_core::facts::migrate::node_json(&doc);
    // Answers for several packs (a `packs` header), or several packs named: each pack's own map.
    if old.get("packs").is_some() || args.pack.pack.len() + args.pack.rules.len() > 1 {
        return run_migrate_set(args, &old);
    }
    // With no pack named, the embedded pack the answers name.
    let pack_args = if args.pack.named() {
        args.pack.clone()
    } else {
        PackArgs::embedded(
            old.get("pack")
                .and_then(|p| p.get("id"))
                .and_then(serde_json::Value::as_str)
                .filter(|id| hegui_packs::pack_ids().iter().any(|e| e == id))
                .map(str::to_string),
        )
    };
    let new = pack_from(&pack_args)?;
    let out_name = if args.output == "-" {
        "<stdout>.yaml"
    } else {
        args.output.as_str()
    };
    let (m, out) =
        match hegui_core::facts::migrate::migrate_declared_checked(&old, &new.pack, out_name) {
            Ok(x) => x,
            Err(e) => {
                if let hegui_core::facts::migrate::DeclaredError::Invalid(diags) = &e {
                    print_diags(diags);
                }
                return Err(fail_in(&args.facts, e));
            }
        };
    write_output(&args.output, &out)?;
    note(&format!(
        "规则包 {} {} → {}：沿用 {} 个答案，映射 {} 个，需重新回答 {} 个；新版本不再询问的问题 {} 个 / pack {} {} → {}: {} answers kept, {} mapped, {} to answer again; {} questions no longer asked",
        new.pack.meta.id,
        m.from,
        m.to,
        m.kept,
        m.mapped,
        m.reasked,
        m.dropped.len(),
        new.pack.meta.id,
        m.from,
        m.to,
        m.kept,
        m.mapped,
        m.reasked,
        m.dropped.len()
    ));
    for q in &m.questions {
        let (zh, en) = match q.fate {
            hegui_core::facts::migrate::Fate::Kept => ("沿用", "kept"),
            hegui_core::facts::migrate::Fate::Mapped => ("映射", "mapped"),
            hegui_core::facts::migrate::Fate::Reasked => ("需重新回答", "re-asked"),
        };
        let from = if q.from == q.id {
            String::new()
        } else {
            format!(" ← {}", q.from)
        };
        let why = q
            .why
            .as_ref()
            .map(|w| format!(": {} / {}", w.zh, w.en))
            .unwrap_or_default();
        note(&format!("  {zh} {en}: {}{from} ({}){why}", q.id, q.answers));
    }
    for id in &m.dropped {
        note(&format!("  不再询问 no longer asked: {id}"));
    }
    for w in &m.dropped_waivers {
        note(&format!(
            "  豁免已删除(规则不复存在) waiver dropped, rule gone: {w}"
        ));
    }
    Ok(0)
}

/// `hegui migrate` of answers for several packs: each pack carried by its own declared map,
/// shared questions once, the header listing every pack at its new version.
fn run_migrate_set(args: &MigrateArgs, old: &serde_json::Value) -> Result<u8, Exit> {
    use hegui_core::facts::migrate_set::{self as ms, SetError};
    // The packs named, else the embedded packs the header lists.
    let mut loaded = Vec::new();
    if args.pack.named() {
        for id in &args.pack.pack {
            loaded.push(load_source(PackSource::Embedded(id), &args.pack)?.pack);
        }
        for dir in &args.pack.rules {
            loaded.push(load_source(PackSource::Dir(dir), &args.pack)?.pack);
        }
    } else {
        let ids: Vec<String> = match (old.get("packs"), old.get("pack")) {
            (Some(serde_json::Value::Array(items)), _) => items
                .iter()
                .filter_map(|p| p.get("id").and_then(serde_json::Value::as_str))
                .map(str::to_string)
                .collect(),
            (_, Some(p)) => p
                .get("id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        if ids.is_empty() {
            return Err(fail_in(&args.facts, SetError::NoHeader));
        }
        for id in &ids {
            loaded.push(load_source(PackSource::Embedded(id), &args.pack)?.pack);
        }
    }
    let set = hegui_core::load::set::pack_set(loaded.clone()).map_err(|diags| {
        print_diags(&diags);
        fail("这些规则包不能一起使用 / these packs cannot be used together")
    })?;
    let Some(view) = set.view() else {
        return Err(fail("no pack"));
    };
    let refs: Vec<&hegui_core::model::Pack> = loaded.iter().collect();
    let out_name = if args.output == "-" {
        "<stdout>.yaml"
    } else {
        args.output.as_str()
    };
    let (m, out) = match ms::migrate_set_checked(old, &refs, view, out_name) {
        Ok(x) => x,
        Err(e) => {
            if let SetError::Invalid(diags)
            | SetError::Pack {
                error: hegui_core::facts::migrate::DeclaredError::Invalid(diags),
                ..
            } = &e
            {
                print_diags(diags);
            }
            return Err(fail_in(&args.facts, e));
        }
    };
    write_output(&args.output, &out)?;
    for s in &m.packs {
        note(&format!(
            "规则包 {} {} → {}：沿用 {} 个答案，映射 {} 个，需重新回答 {} 个 / pack {} {} → {}: {} answers kept, {} mapped, {} to answer again",
            s.id,
            s.from,
            s.to,
            s.kept,
            s.mapped,
            s.reasked,
            s.id,
            s.from,
            s.to,
            s.kept,
            s.mapped,
            s.reasked
        ));
    }
    note(&format!(
        "共计(共用问题只计一次)：沿用 {} 个，映射 {} 个，需重新回答 {} 个；不再询问的问题 {} 个 / in all (a shared question once): {} kept, {} mapped, {} to answer again; {} questions no longer asked",
        m.kept,
        m.mapped,
        m.reasked,
        m.dropped.len(),
        m.kept,
        m.mapped,
        m.reasked,
        m.dropped.len()
    ));
    for f in &m.questions {
        let q = &f.fate;
        if q.fate == hegui_core::facts::migrate::Fate::Kept {
            continue;
        }
        let (zh, en) = match q.fate {
            hegui_core::facts::migrate::Fate::Mapped => ("映射", "mapped"),
            _ => ("需重新回答", "re-asked"),
        };
        let from = if q.from == q.id {
            String::new()
        } else {
            format!(" ← {}", q.from)
        };
        let why = q
            .why
            .as_ref()
            .map(|w| format!(": {} / {}", w.zh, w.en))
            .unwrap_or_default();
        note(&format!(
            "  {zh} {en}: {}{from} ({}) [{}]{why}",
            q.id,
            q.answers,
            f.packs.join(", ")
        ));
    }
    for id in &m.dropped {
        note(&format!("  不再询问 no longer asked: {id}"));
    }
    for w in &m.dropped_waivers {
        note(&format!(
            "  豁免已删除(规则不复存在) waiver dropped, rule gone: {w}"
        ));
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub(super) struct SynthArgs {
    /// How many submissions.
    #[arg(long, default_value = "1000")]
    count: u64,
    /// Seed.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// File format.
    #[arg(long, value_parser = super::choice::synth_format(), default_value = "json")]
    format: hegui_batch::synth::SynthFormat,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pack: PackArgs,
}

pub(super) fn run_synth(args: SynthArgs) -> Result<u8, Exit> {
    if let Some(n) = batch::clamp_threads() {
        note(&n);
    }
    let loaded = pack_from(&args.pack)?;
    std::fs::create_dir_all(&args.out).map_err(|e| fail(format!("{}: {e}", args.out.display())))?;
    use rayon::prelude::*;
    (0..args.count)
        .into_par_iter()
        .try_for_each(|i| {
            let text = hegui_batch::synth::facts_text(&loaded.pack, args.seed, i, args.format);
            let path = args.out.join(hegui_batch::synth::file_name(i, args.format));
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .map_err(fail)?;
    Ok(0)
}
