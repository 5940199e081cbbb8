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

mod guard;
mod outputs;
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
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            set: None,
        }
    }
}

pub use guard::{GuardError, RunGuard, clamp_threads, max_threads};
pub use outputs::write_all;
pub use summary::{
    Duplicate, DuplicateGroup, Flag, FlagReader, GroupStat, LineReader, Rates, RejectedLine,
    RejectedReader, RuleStat, ScopeSet, Skipped, SubmissionLine, Summary, Tally, rate, run,
    summarise_rows,
};
pub use write::{csv, csv_cell, overview_html, print_totals};

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

    /// The next path as the bytes of its name (a file name need not be UTF-8), or `None`
    /// after the last.
    pub fn next_bytes(&mut self) -> io::Result<Option<&[u8]>> {
        self.0.next()
    }
}

/// A path for messages and the summary: as it is when it is UTF-8; otherwise the bytes that
/// are not UTF-8 written `\xNN`, so that two names differing only in those bytes stay
/// distinct (a lossy `�` would merge them).
pub fn display_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            use std::fmt::Write as _;
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            out
        }
    }
}

/// [`display_bytes`] of a path.
pub fn display_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    display_bytes(path.as_os_str().as_bytes())
}

/// The inputs of a batch, listed and sorted.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Facts files to assess, sorted by path, each file once (the bytes of each path: a name
    /// need not be UTF-8).
    pub files: Paths,
    /// Arguments that named nothing (a missing path, a glob without matches, an unreadable
    /// directory) and entries that cannot be submissions (a FIFO, a device or a socket named
    /// like a facts file, a broken link, a link leading out of the input directory): each is
    /// counted as a rejected input, with why.
    pub problems: Vec<(String, String)>,
    /// Files met while walking directories that are not facts files by their extension
    /// (listed in the summary, so nothing disappears without a word).
    pub other_files: Paths,
    /// Paths not assessed, with why: a second path to a file already listed (another
    /// spelling, a hard link, a link), a directory already walked (a link loop), an Excel
    /// lock file (`~$…`), this batch's own outputs. Listed in the summary as `skipped`.
    pub skipped: Vec<(String, String)>,
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

/// How inputs are listed.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// Follow symbolic links that lead out of the directories named (`--follow-outside`).
    pub follow_outside: bool,
    /// The batch's output directory: its outputs are never read back as inputs.
    pub out: Option<PathBuf>,
}

fn is_facts_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FACTS_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The files and directories a batch writes into `--out` (never read back as inputs).
pub const OUTPUT_NAMES: &[&str] = &[
    "summary.json",
    "summary.csv",
    "summary.xlsx",
    "overview.html",
    "reports",
    MANIFEST,
    LOCK,
    TEMP_DIR,
];

/// The list of per-submission reports a batch wrote, in `--out`: the next run removes those
/// it does not write again (and nothing else).
pub const MANIFEST: &str = ".hegui-manifest.json";
/// The lock file a batch holds in `--out` while it runs.
pub const LOCK: &str = ".hegui.lock";
/// The directory in `--out` that holds a running batch's temporary files.
pub const TEMP_DIR: &str = ".hegui-tmp";

use hegui_core::io::input::NOT_REGULAR;
const OUTSIDE: &str = "符号链接指向输入目录之外，未跟随 the symbolic link leads outside the input directory; not followed (--follow-outside follows it)";
const LOCK_FILE: &str =
    "Excel 锁文件（~$…），不是提交材料 an Excel lock file (~$…), not a submission";
const OWN_OUTPUT: &str =
    "本批次的输出（--out），不作为输入读取 an output of this batch (--out); not read back";
const WALKED: &str = "目录已列出（符号链接环或重复链接）a directory already listed (a link loop, or a second link to it)";

/// The inputs while they are listed: paths go to external sorters as they are met.
struct Listing {
    /// Records: the path's bytes, a 0 byte, then device and inode (8 bytes each). Paths hold
    /// no 0 byte, so records sort as their paths do.
    files: spill::Sorter,
    other_files: spill::Sorter,
    problems: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
    /// Directories walked (device, inode): each once, so no link loop is followed.
    visited: std::collections::HashSet<(u64, u64)>,
    /// The directories named, canonical: links inside them are followed.
    roots: Vec<PathBuf>,
    /// The output directory (device, inode).
    out: Option<(u64, u64)>,
    follow_outside: bool,
    rec: Vec<u8>,
}

impl Listing {
    fn push_file(&mut self, path: &Path, id: (u64, u64)) -> io::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        self.rec.clear();
        self.rec.extend_from_slice(path.as_os_str().as_bytes());
        self.rec.push(0);
        self.rec.extend_from_slice(&id.0.to_be_bytes());
        self.rec.extend_from_slice(&id.1.to_be_bytes());
        self.files.push(&self.rec)
    }

    fn problem(&mut self, path: &Path, why: impl Into<String>) {
        self.problems.push((display_path(path), why.into()));
    }

    fn skip(&mut self, path: &Path, why: impl Into<String>) {
        self.skipped.push((display_path(path), why.into()));
    }

    /// Whether `path` (a link) leads inside one of the directories named.
    fn inside(&self, path: &Path) -> bool {
        self.follow_outside
            || path
                .canonicalize()
                .is_ok_and(|p| self.roots.iter().any(|r| p.starts_with(r)))
    }

    /// A regular file met in a walk or named: listed unless it is an Excel lock file.
    fn file(&mut self, path: &Path, id: (u64, u64)) -> io::Result<()> {
        let lock = path
            .file_name()
            .is_some_and(|n| n.as_encoded_bytes().starts_with("~$".as_bytes()));
        if lock && is_facts_name(path) {
            self.skip(path, LOCK_FILE);
            return Ok(());
        }
        self.push_file(path, id)
    }
}

fn walk(dir: &Path, out: &mut Listing) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let entries = match std::fs::read_dir(dir).and_then(|e| Ok((e, std::fs::metadata(dir)?))) {
        Ok(e) => e,
        Err(e) => {
            out.problem(dir, format!("无法读取目录 cannot read directory: {e}"));
            return Ok(());
        }
    };
    let (entries, meta) = entries;
    let is_out = out.out == Some((meta.dev(), meta.ino()));
    // Directories are walked after this one's listing is done (one open directory at a time).
    let mut subdirs = Vec::new();
    // The entry's type comes from the directory listing itself; only facts files (for their
    // device and inode), links and directories are looked at further.
    // Paths are sorted afterwards, all together, by the sorter.
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        let path = dir.join(&name);
        let hidden = name.as_encoded_bytes().starts_with(b".");
        if is_out && name.to_str().is_some_and(|n| OUTPUT_NAMES.contains(&n)) {
            out.skip(&path, OWN_OUTPUT);
            continue;
        }
        let Ok(ft) = e.file_type() else {
            out.problem(&path, "无法读取 cannot read the entry's type");
            continue;
        };
        let (kind, id) = if ft.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) => {
                    if !out.inside(&path) {
                        if m.is_dir() || is_facts_name(&path) {
                            out.problem(&path, OUTSIDE);
                        } else {
                            out.other_files.push(display_path(&path).as_bytes())?;
                        }
                        continue;
                    }
                    (m.file_type(), Some((m.dev(), m.ino())))
                }
                Err(err) => {
                    if is_facts_name(&path) && !hidden {
                        out.problem(
                            &path,
                            format!(
                                "符号链接无法打开 a symbolic link that cannot be followed: {err}"
                            ),
                        );
                    } else {
                        out.other_files.push(display_path(&path).as_bytes())?;
                    }
                    continue;
                }
            }
        } else {
            (ft, None)
        };
        if kind.is_dir() {
            if !hidden {
                subdirs.push(path);
            }
            continue;
        }
        if hidden || !is_facts_name(&path) {
            out.other_files.push(display_path(&path).as_bytes())?;
        } else if !kind.is_file() {
            out.problem(&path, NOT_REGULAR);
        } else {
            // The inode as `stat` gives it: the directory listing's may differ on some file
            // systems (overlayfs), and it must match the `stat` of the same file named
            // another way (an argument, a link). One `stat` per facts file only.
            match id.map_or_else(|| e.metadata().map(|m| (m.dev(), m.ino())), Ok) {
                Ok(id) => out.file(&path, id)?,
                Err(err) => out.problem(&path, format!("无法读取 cannot read: {err}")),
            }
        }
    }
    for sub in subdirs {
        enter(&sub, out)?;
    }
    Ok(())
}

/// Walks the directory `dir` unless it was walked already.
fn enter(dir: &Path, out: &mut Listing) -> io::Result<()> {
    match hegui_core::io::atomic::file_id(dir) {
        Some(id) if !out.visited.insert(id) => {
            out.skip(dir, WALKED);
            Ok(())
        }
        _ => walk(dir, out),
    }
}

/// A path named by an argument or a glob: a directory is walked, a regular file listed,
/// anything else rejected without being opened.
fn named(path: &Path, out: &mut Listing) -> io::Result<Option<()>> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            out.problem(path, format!("无法读取 cannot read: {e}"));
            return Ok(Some(()));
        }
    };
    if meta.is_dir() {
        if let Ok(root) = path.canonicalize() {
            out.roots.push(root);
        }
        enter(path, out)?;
    } else if meta.is_file() {
        // A glob or an argument may name an output of this batch too.
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let own = out.out.is_some()
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| OUTPUT_NAMES.contains(&n))
            && hegui_core::io::atomic::file_id(parent.unwrap_or(Path::new("."))) == out.out;
        if own {
            out.skip(path, OWN_OUTPUT);
        } else {
            out.file(path, (meta.dev(), meta.ino()))?;
        }
    } else {
        out.problem(path, NOT_REGULAR);
    }
    Ok(Some(()))
}

/// Lists the files named by `args`: files as given, directories walked (facts files by
/// extension: `.yaml`, `.yml`, `.json`, `.xlsx`; hidden entries skipped), anything with
/// `*`, `?` or `[` as a glob. Sorted by path, each file once. Fails only when the temporary
/// files (`TMPDIR`) that hold a long listing cannot be written.
pub fn expand_inputs(args: &[String]) -> Result<Inputs, String> {
    list_inputs(args, &ListOptions::default()).map_err(|e| e.to_string())
}

/// [`expand_inputs`] with options: every file once (by device and inode, whatever path
/// reaches it), FIFOs, devices and sockets rejected without being opened, each directory
/// walked once (no link loop), links leading out of the directories named not followed unless
/// `follow_outside`, Excel lock files and the batch's own outputs skipped (each listed).
pub fn expand_inputs_with(args: &[String], opts: &ListOptions) -> Result<Inputs, String> {
    list_inputs(args, opts).map_err(|e| e.to_string())
}

fn list_inputs(args: &[String], opts: &ListOptions) -> io::Result<Inputs> {
    let mut out = Listing {
        files: spill::Sorter::new(spill::sort_budget()),
        other_files: spill::Sorter::new(spill::sort_budget()),
        problems: Vec::new(),
        skipped: Vec::new(),
        visited: std::collections::HashSet::new(),
        roots: Vec::new(),
        out: opts
            .out
            .as_deref()
            .and_then(hegui_core::io::atomic::file_id),
        follow_outside: opts.follow_outside,
        rec: Vec::new(),
    };
    // Every directory named is a root before any is walked (a link from one into another is
    // inside).
    for arg in args {
        let path = Path::new(arg);
        if path.is_dir()
            && let Ok(root) = path.canonicalize()
        {
            out.roots.push(root);
        }
    }
    for arg in args {
        if arg == "-" {
            out.problems.push((
                arg.clone(),
                "batch 不读标准输入，请给出文件或目录 batch does not read standard input; name files or directories".into(),
            ));
            continue;
        }
        let path = Path::new(arg);
        if named(path, &mut out)?.is_some() {
            continue;
        }
        if arg.contains(['*', '?', '[']) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut n = 0;
                    for p in paths {
                        match p {
                            Ok(p) => {
                                n += 1;
                                named(&p, &mut out)?;
                            }
                            Err(e) => out.problems.push((
                                display_path(e.path()),
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
    // Each file once: the first path (in path order) to a device and inode is kept; the
    // others are listed as skipped, naming it.
    let mut sorted = out.files.finish()?;
    let mut files = spill::Store::new(spill::store_budget());
    let mut seen: std::collections::HashMap<(u64, u64), Box<[u8]>> =
        std::collections::HashMap::new();
    while let Some(rec) = sorted.next()? {
        let (path, id) = split_file_record(rec)?;
        match seen.get(&id) {
            Some(first) if **first == *path => {}
            Some(first) => out.skipped.push((
                display_bytes(path),
                format!(
                    "与 {0} 是同一文件，只评估一次 the same file as {0}; assessed once",
                    display_bytes(first)
                ),
            )),
            None => {
                seen.insert(id, path.into());
                files.push(path)?;
            }
        }
    }
    files.finish()?;
    out.problems.sort();
    out.problems.dedup();
    out.skipped.sort();
    out.skipped.dedup();
    Ok(Inputs {
        files: Paths(Arc::new(files)),
        problems: out.problems,
        other_files: Paths::sorted(out.other_files)?,
        skipped: out.skipped,
    })
}

fn split_file_record(rec: &[u8]) -> io::Result<(&[u8], (u64, u64))> {
    let cut = rec.len().checked_sub(17).ok_or_else(spill::malformed)?;
    let (path, tail) = rec.split_at(cut);
    let mut c = spill::Cursor::new(tail);
    if c.u8()? != 0 {
        return Err(spill::malformed());
    }
    let dev = u64::from_be_bytes(c.bytes(8)?.try_into().map_err(|_| spill::malformed())?);
    let ino = u64::from_be_bytes(c.bytes(8)?.try_into().map_err(|_| spill::malformed())?);
    Ok((path, (dev, ino)))
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
    read_bytes(Path::new(path), path, limits)
        .and_then(|bytes| hegui_core::io::input::into_text(bytes).map_err(|e| read_error(path, e)))
}

fn read_bytes(
    open: &Path,
    path: &str,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<Vec<u8>, String> {
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
    hegui_core::io::input::read_file(open, limit).map_err(|e| read_error(path, e))
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
        e @ (ReadError::NotUtf8 { .. } | ReadError::Encoding(_) | ReadError::Empty) => {
            format!("{path}: {e}")
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
    load_submission_at(Path::new(path), path, pack, limits)
}

/// [`load_submission`] of the file `open`, named `path` in messages (the two differ for a
/// name that is not UTF-8: see [`display_bytes`]).
pub fn load_submission_at(
    open: &Path,
    path: &str,
    pack: &Pack,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<hegui_core::facts::LoadedFacts, Vec<String>> {
    let bytes = read_bytes(open, path, limits).map_err(|e| vec![e])?;
    load_submission_bytes(path, bytes, pack, limits)
}

/// Reads the bytes of one input as a batch does (the size limit, four times larger for a
/// workbook; a FIFO or device refused without blocking). Errors name the file.
pub fn read_submission(
    open: &Path,
    path: &str,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<Vec<u8>, String> {
    read_bytes(open, path, limits)
}

/// [`load_submission_bytes`] of bytes the caller keeps (a campaign stores them): plain UTF-8
/// text (no byte-order mark) is read in place, anything else from a copy.
pub fn load_submission_slice(
    path: &str,
    bytes: &[u8],
    pack: &Pack,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<hegui_core::facts::LoadedFacts, Vec<String>> {
    if !is_xlsx(path)
        && !bytes.starts_with(b"\xEF\xBB\xBF")
        && !bytes.starts_with(b"\xFF\xFE")
        && !bytes.starts_with(b"\xFE\xFF")
        && !bytes.starts_with(b"\0\0\xFE\xFF")
        && let Ok(text) = std::str::from_utf8(bytes)
        && !text.trim().is_empty()
    {
        return fast_load(path, text, pack, limits)
            .map_or_else(
                || hegui_core::facts::load_facts_with(path, text, pack, limits),
                Ok,
            )
            .map_err(|diags| errors_of(path, &diags));
    }
    load_submission_bytes(path, bytes.to_vec(), pack, limits)
}

/// [`load_submission_at`] of bytes already read ([`read_submission`]): a campaign hashes and
/// keeps the bytes it assesses.
pub fn load_submission_bytes(
    path: &str,
    bytes: Vec<u8>,
    pack: &Pack,
    limits: &hegui_core::syntax::node::Limits,
) -> Result<hegui_core::facts::LoadedFacts, Vec<String>> {
    let loaded = if is_xlsx(path) {
        hegui_office::import::import_workbook(path, &bytes, pack)
    } else {
        let text =
            hegui_core::io::input::into_text(bytes).map_err(|e| vec![read_error(path, e)])?;
        fast_load(path, &text, pack, limits).map_or_else(
            || hegui_core::facts::load_facts_with(path, &text, pack, limits),
            Ok,
        )
    };
    loaded.map_err(|diags| errors_of(path, &diags))
}

/// The errors of a file that did not load, at most [`MAX_ERRORS`], each with its place.
fn errors_of(path: &str, diags: &[hegui_core::diag::Diagnostic]) -> Vec<String> {
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
    /// One outcome code per rule, in pack order ([`RuleOutcome::code`]).
    pub outcomes: Box<[u8]>,
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

    /// The row of loaded facts and their rule outcomes (in pack order): what `hegui batch`
    /// keeps of a submission, and what a campaign stores of it so its report needs no second
    /// assessment.
    pub fn of(pack: &Pack, loaded: &hegui_core::facts::LoadedFacts, outs: &[RuleOutcome]) -> Row {
        let facts = &loaded.facts;
        let org = &facts.organisation;
        Row {
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
            score: score(pack, outs),
            warnings: loaded.warnings.len(),
            report: None,
        }
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
    /// The Word report (`hegui-word`).
    Docx,
}

impl ReportFormat {
    fn ext(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "md",
            ReportFormat::Json => "json",
            ReportFormat::Docx => "docx",
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
    /// The reference date (`--as-of`; the command line's default is today): a submission
    /// dated after it is flagged and supersedes none dated on or before it.
    pub as_of: NaiveDate,
    /// For a batch over several packs, the set (whose view is the pack the batch reads): each
    /// submission's report is then the set's report (one verdict per pack and the overall one,
    /// never one score over the packs). `None` for one pack.
    pub set: Option<std::sync::Arc<hegui_core::load::set::PackSet>>,
}

const MAX_ERRORS: usize = 50;

/// The longest file name most file systems allow, in bytes.
const NAME_MAX: usize = 255;

/// Assesses one input file.
pub fn process(pack: &Pack, path: &str, index: usize, opts: &BatchOptions) -> Processed {
    process_at(pack, Path::new(path), path, index, opts)
}

/// [`process`] of the file `open`, named `path` (see [`load_submission_at`]).
pub fn process_at(
    pack: &Pack,
    open: &Path,
    path: &str,
    index: usize,
    opts: &BatchOptions,
) -> Processed {
    let loaded = match load_submission_at(open, path, pack, &opts.limits) {
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
            let set = opts.set.as_deref().filter(|s| s.is_multi());
            let a = match set.and_then(|s| hegui_core::result::assess_set(s, facts, aopts)) {
                Some(a) => a,
                None => hegui_core::eval::assess::assess(pack, facts, aopts),
            };
            let rel = report_name(path, index, format);
            let rendered = match set {
                Some(set) => render_set_report(&a, set, format, opts.lang),
                None => render_report(&a, pack, format, opts.lang),
            };
            match rendered.and_then(|text| {
                let target = opts.out.join(&rel);
                // In a run from the command line, temporaries go to the run's directory in
                // --out (removed whole if the run is stopped: `batch/guard`).
                if let Some(tmp) = guard::out_tmp() {
                    hegui_core::io::atomic::stage_with(&target, &tmp, |w| {
                        std::io::Write::write_all(w, &text)
                    })
                    .and_then(hegui_core::io::atomic::Staged::commit)
                } else {
                    hegui_core::io::atomic::write(&target, &text)
                }
                .map_err(|e| format!("{}: {e}", target.display()))
            }) {
                Ok(()) => report = Some(rel),
                Err(e) => return Processed::Rejected(vec![format!("{path}: 报告 report: {e}")]),
            }
            a.findings()
                .map(|f| RuleOutcome {
                    outcome: f.outcome,
                    dont_know: f.outcome == Outcome::Unanswered && !f.dont_know.is_empty(),
                })
                .collect()
        }
    };
    let mut row = Row::of(pack, &loaded, &outs);
    row.report = report;
    Processed::Assessed(Box::new(row))
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
    // The input index keeps two `a.yaml` in different directories apart. The name is cut (on
    // a character boundary) to fit the 255 bytes a file name may have.
    let head = format!("{index:06}-");
    let room = NAME_MAX.saturating_sub(head.len() + 1 + format.ext().len());
    let mut cut = clean.len().min(room);
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "reports/{head}{}.{}",
        clean.get(..cut).unwrap_or_default(),
        format.ext()
    )
}

/// Renders one submission's report. The one place a batch uses the report renderer.
fn render_report(
    a: &hegui_core::eval::assess::Assessment,
    pack: &Pack,
    format: ReportFormat,
    lang: hegui_core::text::Lang,
) -> Result<Vec<u8>, String> {
    let opts = hegui_report::render::ReportOptions::default();
    let template = match format {
        ReportFormat::Json => return Ok(hegui_core::result::json(a).into_bytes()),
        ReportFormat::Docx => {
            return hegui_word::report(a, pack, lang, &opts, &hegui_word::Brand::default())
                .map_err(|e| e.to_string());
        }
        ReportFormat::Html => "report.html.j2",
        ReportFormat::Markdown => "report.md.j2",
    };
    with_report_env(lang, |env| {
        hegui_report::render::report(env, template, a, pack, lang, &opts)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    })
}

/// Runs `f` with this thread's template environment (made once per thread; one batch has one
/// language).
fn with_report_env<T>(
    lang: hegui_core::text::Lang,
    f: impl FnOnce(&minijinja::Environment<'static>) -> T,
) -> T {
    thread_local! {
        static ENV: std::cell::OnceCell<minijinja::Environment<'static>> = const { std::cell::OnceCell::new() };
    }
    ENV.with(|cell| f(cell.get_or_init(|| hegui_report::render::environment(lang, None))))
}

/// The report of one submission assessed against several packs: the set's report
/// (`report-set.*.j2`, the Word report of a set, or the JSON result with every pack).
fn render_set_report(
    a: &hegui_core::eval::assess::Assessment,
    set: &hegui_core::load::set::PackSet,
    format: ReportFormat,
    lang: hegui_core::text::Lang,
) -> Result<Vec<u8>, String> {
    let opts = hegui_report::render::ReportOptions::default();
    let template = match format {
        ReportFormat::Json => return Ok(hegui_core::result::json(a).into_bytes()),
        ReportFormat::Docx => {
            return hegui_word::set_report(a, set, lang, &opts, &hegui_word::Brand::default())
                .map_err(|e| e.to_string());
        }
        ReportFormat::Html => "report-set.html.j2",
        ReportFormat::Markdown => "report-set.md.j2",
    };
    with_report_env(lang, |env| {
        hegui_report::render::set_report(env, template, a, set, lang, &opts)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod read_tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    /// A FIFO where a regular file was listed (swapped in after the listing) is refused at
    /// once; without `O_NONBLOCK` its `open` would wait for a writer forever.
    #[test]
    fn a_fifo_in_place_of_a_listed_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&p)
                .status()
                .unwrap()
                .success()
        );
        let e = super::read_bytes(&p, "a.yaml", &Default::default()).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, "pack: x\n").unwrap();
        assert_eq!(
            super::read_bytes(&p, "a.yaml", &Default::default()).unwrap(),
            b"pack: x\n"
        );
    }
}
