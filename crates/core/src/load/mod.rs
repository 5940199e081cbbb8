//! Loading a rule pack: files → a validated [`Pack`], collecting every problem.
//!
//! Each item (question, group, rule, scope) is decoded on its own, so one bad item does not
//! hide the problems of the others. Conditions are compiled only once the whole questionnaire
//! is known. A pack with any error is refused as a whole; warnings are returned beside it.
//!
//! Every command loads the whole pack, so the loader avoids needless work: items are decoded
//! in place (their conditions skipped, see [`decode_except`]) rather than copied, files are
//! borrowed, and a clause's normalised text is computed once however many rules quote it.

pub mod lint;
pub mod migration_map;
pub mod prepared;
pub mod set;

use crate::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use crate::model::condition::{Compiler, KEYWORDS, Purpose};
use crate::model::digest;
use crate::model::*;
use crate::syntax::decode::{DecodeError, decode, decode_except};
use crate::syntax::node::{self, Format, Node, NodeKind};
use crate::text::Text;
use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The files of a pack, with paths relative to the pack directory (`/`-separated).
#[derive(Clone, Debug)]
pub struct PackFiles {
    /// How to name the pack directory in messages (`rules/demo`).
    pub root: String,
    /// (relative path, contents).
    pub files: Vec<(String, String)>,
}

/// Largest pack file read, in bytes.
pub const MAX_PACK_FILE: u64 = 10 * 1024 * 1024;

impl PackFiles {
    /// Reads every file below `dir` (hidden files skipped).
    pub fn from_dir(dir: &Path) -> Result<PackFiles, Diagnostic> {
        let root = dir.to_string_lossy().trim_end_matches('/').to_string();
        let mut files = Vec::new();
        let meta = std::fs::metadata(dir)
            .map_err(|e| io_diag(&root, &format!("cannot read pack directory: {e}")))?;
        if !meta.is_dir() {
            return Err(io_diag(
                &root,
                "not a directory: `--rules` takes a pack directory containing pack.yaml",
            ));
        }
        walk(dir, dir, &root, &mut files)?;
        files.sort();
        Ok(PackFiles { root, files })
    }

    fn name(&self, rel: &str) -> String {
        match rel.strip_prefix(LIBRARY_PREFIX) {
            // A library lives in `library/<id>/` beside the packs' folder (`rules/`).
            Some(lib) => {
                let base = Path::new(&self.root)
                    .parent()
                    .and_then(Path::parent)
                    .map(|p| p.to_string_lossy().to_string())
                    .unwrap_or_default();
                if base.is_empty() {
                    format!("library/{lib}")
                } else {
                    format!("{base}/library/{lib}")
                }
            }
            None => format!("{}/{}", self.root, rel),
        }
    }

    /// The question library pack.yaml asks for: `(id, version)`, if any (pack.yaml is parsed
    /// for this alone; errors are left to the loader).
    pub fn library_wanted(&self) -> Option<(String, String)> {
        let (_, text) = self.files.iter().find(|(p, _)| p == "pack.yaml")?;
        let root = node::parse(text, Format::Yaml).ok()?;
        let lib = root.get("library")?;
        Some((
            lib.get("id")?.as_str()?.to_string(),
            lib.get("version")?.as_str()?.to_string(),
        ))
    }

    /// Whether a question library is attached.
    pub fn has_library(&self) -> bool {
        self.files
            .iter()
            .any(|(p, _)| p.starts_with(LIBRARY_PREFIX))
    }

    /// Adds the files of question library `id` (relative paths within the library directory,
    /// with their contents) to the pack, under `@library/<id>/`: the loader reads them from
    /// there, and the pack digest covers them.
    pub fn attach_library(&mut self, id: &str, files: impl IntoIterator<Item = (String, String)>) {
        self.files.retain(|(p, _)| !p.starts_with(LIBRARY_PREFIX));
        for (rel, text) in files {
            self.files
                .push((format!("{LIBRARY_PREFIX}{id}/{rel}"), text));
        }
        self.files.sort();
    }

    /// Attaches library `id` from directory `dir` (every file, as [`PackFiles::from_dir`] reads them).
    pub fn attach_library_dir(&mut self, id: &str, dir: &Path) -> Result<(), Diagnostic> {
        let lib = PackFiles::from_dir(dir)?;
        self.attach_library(id, lib.files);
        Ok(())
    }

    /// For a pack read from a directory: attaches the library its pack.yaml names, looked for
    /// first in `dirs` (each a library directory, or a folder of them), then beside the pack's
    /// folder (`<dir>/../../library/<id>`, as `rules/<pack>` and `library/<id>` sit in the
    /// repository). Returns the library id when one is wanted but none of those places has it,
    /// so the caller may try the embedded libraries.
    pub fn find_library(
        &mut self,
        pack_dir: &Path,
        dirs: &[std::path::PathBuf],
    ) -> Result<Option<String>, Diagnostic> {
        let Some((id, _)) = self.library_wanted() else {
            return Ok(None);
        };
        let mut candidates: Vec<std::path::PathBuf> = Vec::new();
        for d in dirs {
            candidates.push(d.clone());
            candidates.push(d.join(&id));
        }
        if let Some(base) = pack_dir.parent().and_then(Path::parent) {
            candidates.push(base.join("library").join(&id));
        }
        for c in candidates {
            if c.join("library.yaml").is_file() {
                let text = std::fs::read_to_string(c.join("library.yaml")).unwrap_or_default();
                let found = node::parse(&text, Format::Yaml)
                    .ok()
                    .and_then(|n| n.get("id").and_then(Node::as_str).map(str::to_string));
                if found.as_deref() == Some(id.as_str()) {
                    self.attach_library_dir(&id, &c)?;
                    return Ok(None);
                }
            }
        }
        Ok(Some(id))
    }
}

/// Where a pack's files hold the question library it uses: `@library/<id>/…`.
pub const LIBRARY_PREFIX: &str = "@library/";

fn io_diag(file: &str, msg: &str) -> Diagnostic {
    Diagnostic {
        level: crate::diag::Level::Error,
        file: file.to_string(),
        loc: Loc::UNKNOWN,
        subject: String::new(),
        message: msg.to_string(),
        help: None,
    }
}

fn walk(
    dir: &Path,
    base: &Path,
    root: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        io_diag(
            &dir.to_string_lossy(),
            &format!("cannot read directory: {e}"),
        )
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| io_diag(root, &format!("cannot read directory: {e}")))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry
            .file_type()
            .map_err(|e| io_diag(&path.to_string_lossy(), &e.to_string()))?;
        if ft.is_dir() {
            walk(&path, base, root, out)?;
        } else if ft.is_file() {
            let rel = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            if len > MAX_PACK_FILE {
                return Err(io_diag(
                    &format!("{root}/{rel}"),
                    &format!("file too large ({len} bytes; limit {MAX_PACK_FILE})"),
                ));
            }
            let bytes = std::fs::read(&path)
                .map_err(|e| io_diag(&format!("{root}/{rel}"), &format!("cannot read: {e}")))?;
            // UTF-8 as it is; anything else through the one text reader (UTF-16/32 with a
            // byte-order mark decoded, GBK named or read with --encoding gb18030).
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => crate::io::input::into_text(e.into_bytes())
                    .map_err(|e| io_diag(&format!("{root}/{rel}"), &format!("cannot read: {e}")))?,
            };
            out.push((rel, text));
        }
    }
    Ok(())
}

/// A loaded pack and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The pack.
    pub pack: Pack,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
}

/// Loads and validates a pack. On failure returns every diagnostic (errors and warnings).
pub fn load_pack(files: &PackFiles) -> Result<Loaded, Vec<Diagnostic>> {
    finish(&mut Loader::new(files))
}

/// Runs a loader to the end: the pack, or every diagnostic.
fn finish(l: &mut Loader<'_>) -> Result<Loaded, Vec<Diagnostic>> {
    match l.run() {
        Some(pack) if !l.diags.has_errors() => Ok(Loaded {
            pack,
            warnings: std::mem::take(&mut l.diags).into_vec(),
        }),
        _ => {
            let mut all = std::mem::take(&mut l.diags).into_vec();
            if !all.iter().any(|d| d.level == crate::diag::Level::Error) {
                all.push(io_diag(&l.files.root, "pack could not be loaded"));
            }
            Err(all)
        }
    }
}

// ---- raw shapes of the YAML files ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    version: String,
    title: Text,
    jurisdiction: Text,
    effective_date: NaiveDate,
    #[serde(default)]
    sources: Vec<RawSource>,
    sections: Vec<Section>,
    #[serde(default)]
    limits: Vec<Text>,
    #[serde(default)]
    library: Option<RawLibraryUse>,
}

/// `library:` in pack.yaml: the question library a pack uses, and which of its questions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibraryUse {
    id: String,
    version: String,
    questions: Vec<String>,
}

/// A library's `library.yaml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibraryMeta {
    id: String,
    version: String,
    #[allow(dead_code)]
    title: Text,
    #[serde(default)]
    sections: Vec<Section>,
}

/// A pack's extension of a library group: more per-item questions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    extends: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    kind: String,
    title: Text,
    issuer: Text,
    date: NaiveDate,
    path: String,
    clause_heading: String,
    #[serde(default)]
    clause_end: Option<String>,
    #[serde(default)]
    clause_part: Option<String>,
    #[serde(default)]
    clause_name: Option<Text>,
    #[serde(default)]
    unverified: Vec<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    id: String,
    title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: String,
    label: Text,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    informational: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(rename = "type")]
    qtype: QType,
    label: Text,
    #[serde(default)]
    help: Option<Text>,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    past_event: bool,
    #[serde(default)]
    precision: Option<DatePrecision>,
    #[serde(default)]
    informational: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    section: String,
    label: Text,
    #[serde(default)]
    help: Option<Text>,
    #[serde(default)]
    item_key: Option<String>,
    #[serde(default)]
    item_details: Vec<String>,
}

/// A clause number or article: text, or a whole number written without quotes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Num(String);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or text")
            }
            fn visit_str<E>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSourceRef {
    document: String,
    clause: Num,
    quote: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    instrument: String,
    articles: BTreeMap<String, Num>,
    #[serde(default)]
    note: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstrument {
    id: String,
    kind: String,
    #[serde(default)]
    standard: Option<String>,
    #[serde(default)]
    numbering: Option<String>,
    title: Text,
    issuer: Text,
    versions: Vec<InstrumentVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCitation {
    instrument: String,
    version: Num,
    article: Num,
    rating: String,
    wording: String,
    copies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnownGap {
    id: String,
    document: String,
    clause: Num,
    addressee: String,
    obligation: Text,
    why_not_encoded: Text,
    would_need: Text,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: Text,
    section: String,
    level: Level,
    severity: Severity,
    source: RawSourceRef,
    #[serde(default)]
    references: Vec<RawRef>,
    #[serde(default)]
    evidence: Vec<Text>,
    remediation: Text,
}

/// The entries under `keys` of a mapping (conditions, read by the condition compiler), in
/// the order of `keys`. The rest of the item is decoded with serde by [`decode_except`].
fn condition_entries<'n>(node: &'n Node, keys: &[&str]) -> Vec<Option<&'n Node>> {
    let mut found = vec![None; keys.len()];
    if let NodeKind::Map(entries) = &node.kind {
        for (k, v) in entries {
            if let Some(slot) = keys
                .iter()
                .position(|x| *x == k.name)
                .and_then(|i| found.get_mut(i))
            {
                *slot = Some(v);
            }
        }
    }
    found
}

/// Where option `id` of a question item is written (the question's place if not found).
fn option_loc(item: &Node, id: &str) -> Loc {
    match item.get("options").map(|n| &n.kind) {
        Some(NodeKind::Seq(opts)) => opts
            .iter()
            .find(|o| o.get("id").and_then(Node::as_str) == Some(id))
            .map(|o| o.loc)
            .unwrap_or(item.loc),
        _ => item.loc,
    }
}

fn id_ok(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

fn dotted_id_ok(id: &str) -> bool {
    id.split('.').all(id_ok)
}

fn rule_id_ok(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The question library a pack being loaded uses.
struct LibCtx {
    info: LibraryInfo,
    /// `hegui-common 1.0.0`.
    label: String,
    sections: Vec<Section>,
    /// The ids of library questions and groups the pack uses.
    used: Vec<String>,
    /// `@library/<id>/`.
    prefix: String,
    /// Where pack.yaml names it.
    loc: Loc,
}

struct Loader<'a> {
    files: &'a PackFiles,
    diags: Diagnostics,
    /// Normalised paragraphs of each clause quoted so far, by (source, clause) index: many
    /// rules quote the same clause, and normalising it is the costly part of a quote check.
    clause_paragraphs: HashMap<(usize, usize), Vec<String>>,
    /// Quotes found in clauses marked unverified: (source id, rule subject, clause), reported
    /// together once the rules are read.
    unverified_quotes: Vec<(String, String, String)>,
    /// Keep every parsed tree in `kept` ([`prepared::prepare`]).
    keep_trees: bool,
    kept: Vec<(String, Node)>,
    /// Trees parsed and a pack checked when it was prepared ([`prepared::load_prepared`]):
    /// YAML is not parsed again, and the checks that do not build the pack (lints, quotes,
    /// digests) are not repeated.
    prepared: Option<HashMap<String, Node>>,
}

impl<'a> Loader<'a> {
    fn new(files: &'a PackFiles) -> Loader<'a> {
        Loader {
            files,
            diags: Diagnostics::new(files.root.clone()),
            clause_paragraphs: HashMap::new(),
            unverified_quotes: Vec::new(),
            keep_trees: false,
            kept: Vec::new(),
            prepared: None,
        }
    }

    fn parse(&mut self, rel: &str, text: &str) -> Option<Node> {
        self.diags.set_file(self.files.name(rel));
        if let Some(tree) = self.prepared.as_mut().and_then(|t| t.remove(rel)) {
            return Some(tree);
        }
        match node::parse(text, Format::Yaml) {
            Ok(n) if self.keep_trees => {
                self.kept.push((rel.to_string(), n.clone()));
                Some(n)
            }
            Ok(n) => Some(n),
            Err(e) => {
                self.diags
                    .error(e.loc, "", format!("invalid YAML: {}", e.message));
                None
            }
        }
    }

    fn decode_err(&mut self, subject: &str, e: DecodeError) {
        self.diags.error(e.loc, subject, e.message);
    }

    fn list<'n>(&mut self, doc: &'n Node, key: &str) -> &'n [Node] {
        match doc.get(key).map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items,
            Some(NodeKind::Null) | None => &[],
            Some(_) => {
                let loc = doc.get(key).map(|n| n.loc).unwrap_or(doc.loc);
                self.diags.error(loc, "", format!("`{key}` must be a list"));
                &[]
            }
        }
    }

    fn only_keys(&mut self, doc: &Node, allowed: &[&str]) {
        match doc.as_map() {
            Some(entries) => {
                for (k, _) in entries {
                    if !allowed.contains(&k.name.as_str()) {
                        let help = did_you_mean(&k.name, allowed.iter().copied());
                        let d = self
                            .diags
                            .error(k.loc, "", format!("unknown key `{}`", k.name));
                        d.help(
                            help.unwrap_or_else(|| {
                                format!("expected one of: {}", allowed.join(", "))
                            }),
                        );
                    }
                }
            }
            None if matches!(doc.kind, NodeKind::Null) => {}
            None => {
                self.diags.error(
                    doc.loc,
                    "",
                    format!(
                        "expected a mapping with {}, found {}",
                        allowed.join(" / "),
                        doc.kind_name()
                    ),
                );
            }
        }
    }

    /// The YAML files under `dir`, borrowed from the pack (not from the loader).
    fn files_under(&self, dir: &str) -> Vec<&'a (String, String)> {
        let prefix = format!("{dir}/");
        self.files
            .files
            .iter()
            .filter(|(p, _)| {
                p.starts_with(&prefix) && (p.ends_with(".yaml") || p.ends_with(".yml"))
            })
            .collect()
    }

    fn run(&mut self) -> Option<Pack> {
        let files = self.files;
        let Some((_, meta_text)) = files.files.iter().find(|(p, _)| p == "pack.yaml") else {
            self.diags.error(Loc::UNKNOWN, "", "no pack.yaml in the pack directory").help("a pack directory holds pack.yaml, questions/, rules/ and tests/ (docs/PACK-FORMAT.md)");
            return None;
        };
        let meta_node = self.parse("pack.yaml", meta_text)?;
        let found = condition_entries(&meta_node, &["scopes"]);
        let scope_node = found.first().copied().flatten();
        if let Some((k, _)) = meta_node
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.name == "instruments"))
        {
            self.diags
                .error(
                    k.loc,
                    "",
                    "`instruments` 已移至 ledger.yaml；`instruments` now live in the citation ledger, ledger.yaml",
                )
                .help("move each instrument, with its `kind` and `issuer`, to ledger.yaml (docs/PACK-FORMAT.md)");
        }
        let meta: RawMeta = match decode_except(&meta_node, &["scopes", "instruments"]) {
            Ok(m) => m,
            Err(e) => {
                self.decode_err("", e);
                return None;
            }
        };
        let subject = format!("pack `{}`", meta.id);
        if !meta
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || meta.id.is_empty()
        {
            self.diags.error(
                meta_node.get("id").map(|n| n.loc).unwrap_or(meta_node.loc),
                &subject,
                "pack id must be lowercase letters, digits and `-`",
            );
        }
        let dir_name = Path::new(&self.files.root)
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if !dir_name.is_empty() && dir_name != meta.id {
            self.diags.error(
                meta_node.get("id").map(|n| n.loc).unwrap_or(meta_node.loc),
                &subject,
                format!(
                    "pack id `{}` differs from its directory name `{dir_name}`",
                    meta.id
                ),
            );
        }
        if semver::Version::parse(&meta.version).is_err() {
            self.diags.error(
                meta_node
                    .get("version")
                    .map(|n| n.loc)
                    .unwrap_or(meta_node.loc),
                &subject,
                format!(
                    "version `{}` is not semver (MAJOR.MINOR.PATCH)",
                    meta.version
                ),
            );
        }
        // The question library, whose sections come before the pack's.
        let lib_loc = meta_node
            .get("library")
            .map(|n| n.loc)
            .unwrap_or(meta_node.loc);
        let lib = meta
            .library
            .as_ref()
            .and_then(|raw| self.library(raw, lib_loc));
        self.diags.set_file(self.files.name("pack.yaml"));
        let mut meta = meta;
        if let Some(lib) = &lib {
            let mut sections = lib.sections.clone();
            sections.append(&mut meta.sections);
            meta.sections = sections;
        }
        // Sections, instruments, sources.
        let mut seen = HashSet::new();
        for s in &meta.sections {
            if !seen.insert(s.id.clone()) {
                self.diags.error(
                    meta_node.loc,
                    &subject,
                    format!("duplicate section id `{}`", s.id),
                );
            }
        }
        let sources = self.sources(&meta, &meta_node);
        let meta_out = PackMeta {
            id: meta.id.clone(),
            version: meta.version.clone(),
            title: meta.title.clone(),
            jurisdiction: meta.jurisdiction.clone(),
            effective_date: meta.effective_date,
        };
        let section_ids: Vec<&str> = meta.sections.iter().map(|s| s.id.as_str()).collect();

        let mut qn = self.questionnaire(&section_ids, lib.as_ref());
        let scopes = self.scopes(scope_node, &qn);
        let (instruments, citations) = self.ledger();
        let rules = self.rules(&qn, &section_ids, &sources, &instruments, &citations);
        self.report_unverified_quotes(&sources);
        let (coverage, known_gaps) = self.coverage(&sources, &scopes);
        let mut tests = Vec::new();
        for (path, text) in self.files_under("tests") {
            tests.push(TestFile {
                path: path.clone(),
                text: text.clone(),
            });
        }
        self.diags.set_file(self.files.root.clone());
        if self.diags.has_errors() {
            return None;
        }
        qn.reindex();
        let prepared = self.prepared.is_some();
        if !prepared {
            qn.digest = digest::questionnaire(&qn);
        }
        let mut pack = Pack {
            meta: meta_out,
            sections: meta.sections,
            scopes,
            sources,
            instruments,
            citations,
            questionnaire: qn,
            rules,
            coverage,
            known_gaps,
            limits: meta.limits,
            tests,
            digest: if prepared {
                String::new()
            } else {
                digest::files(&self.files.files)
            },
            migrations: Vec::new(),
            library: lib.map(|l| l.info),
            members: Vec::new(),
        };
        let files = self.files;
        let trees: Vec<(String, Node)> = files
            .files
            .iter()
            .filter(|(rel, _)| migration_map::is_map_file(rel))
            .filter_map(|(rel, text)| Some((rel.clone(), self.parse(rel, text)?)))
            .collect();
        self.diags.set_file(self.files.root.clone());
        let (migrations, diags) = migration_map::load(
            trees,
            &|rel| self.files.name(rel),
            &pack.questionnaire,
            &pack.meta.version,
        );
        pack.migrations = migrations;
        self.diags.extend(diags);
        if prepared {
            return Some(pack); // lints, quotes and digests were checked when it was prepared
        }
        for r in &mut pack.rules {
            r.digest = digest::rule(r, &pack.questionnaire);
        }
        for d in lint::ask_when_guarantees(&pack) {
            self.diags.extend([d]);
        }
        self.diags.extend(lint::unread(&[&pack]));
        // The legal-basis gate runs on the compiled rules, beside the lints, so a rule refused
        // for its basis still gets every other diagnostic.
        for r in &pack.rules {
            self.diags.set_file(r.file.clone());
            self.legal_basis_gate(
                r.level,
                &r.references,
                &format!("rule `{}`", r.id),
                r.loc,
                &pack.instruments,
            );
        }
        self.diags.set_file(self.files.root.clone());
        Some(pack)
    }

    fn sources(&mut self, meta: &RawMeta, meta_node: &Node) -> Vec<SourceDoc> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let items: &[Node] = match meta_node.get("sources").map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items,
            _ => &[],
        };
        for (i, s) in meta.sources.iter().enumerate() {
            let subject = format!("source `{}`", s.id);
            let item_loc = items.get(i).map(|n| n.loc).unwrap_or(meta_node.loc);
            if !seen.insert(s.id.clone()) {
                self.diags.error(item_loc, &subject, "duplicate source id");
            }
            let kind_loc = items
                .get(i)
                .and_then(|n| n.get("kind"))
                .map(|n| n.loc)
                .unwrap_or(item_loc);
            let Some(kind) = self.doc_kind(&s.kind, &subject, kind_loc) else {
                continue;
            };
            let Some((_, text)) = self.files.files.iter().find(|(p, _)| *p == s.path) else {
                self.diags.error(
                    meta_node.loc,
                    &subject,
                    format!("source text `{}` is not in the pack", s.path),
                );
                continue;
            };
            let heading = match Regex::new(&format!("(?m){}", s.clause_heading)) {
                Ok(r) => r,
                Err(e) => {
                    self.diags.error(
                        meta_node.loc,
                        &subject,
                        format!("bad `clause_heading` regex: {e}"),
                    );
                    continue;
                }
            };
            let end = match s.clause_end.as_deref().map(Regex::new) {
                Some(Ok(r)) => Some(r),
                Some(Err(e)) => {
                    self.diags.error(
                        meta_node.loc,
                        &subject,
                        format!("bad `clause_end` regex: {e}"),
                    );
                    continue;
                }
                None => None,
            };
            let part = match s.clause_part.as_deref().map(Regex::new) {
                Some(Ok(r)) => Some(r),
                Some(Err(e)) => {
                    self.diags.error(
                        meta_node.loc,
                        &subject,
                        format!("`clause_part` 正则表达式有误 / bad `clause_part` regex: {e}"),
                    );
                    continue;
                }
                None => None,
            };
            let clauses = split_clauses(text, &heading, end.as_ref(), part.as_ref());
            let mut unverified = Vec::new();
            for u in &s.unverified {
                if !clauses.iter().any(|(n, _)| *n == u.0) {
                    self.diags.error(
                        item_loc,
                        &subject,
                        format!(
                            "未核实条目 `{0}` 不在来源文本中；`unverified` names clause `{0}`, which the text does not have",
                            u.0
                        ),
                    );
                } else if !unverified.contains(&u.0) {
                    unverified.push(u.0.clone());
                }
            }
            if clauses.is_empty() {
                self.diags.warning(
                    meta_node.loc,
                    &subject,
                    "`clause_heading` matches no line of the text",
                );
            }
            out.push(SourceDoc {
                id: s.id.clone(),
                kind,
                title: s.title.clone(),
                issuer: s.issuer.clone(),
                date: s.date,
                path: s.path.clone(),
                text: text.replace("\r\n", "\n"),
                clauses,
                clause_name: s.clause_name.clone(),
                unverified,
            });
        }
        out
    }

    /// The question library `raw` names, from the pack's `@library/<id>/` files.
    fn library(&mut self, raw: &RawLibraryUse, loc: Loc) -> Option<LibCtx> {
        let files = self.files;
        let prefix = format!("{LIBRARY_PREFIX}{}/", raw.id);
        let subject = format!("library `{}`", raw.id);
        let meta_rel = format!("{prefix}library.yaml");
        let Some((rel, text)) = files.files.iter().find(|(p, _)| *p == meta_rel) else {
            self.diags.set_file(self.files.name("pack.yaml"));
            self.diags
                .error(
                    loc,
                    &subject,
                    format!(
                        "找不到问题库 {id} {v} / the question library `{id}` {v} the pack uses is not found",
                        id = raw.id,
                        v = raw.version
                    ),
                )
                .help(format!(
                    "a library lives in `library/{}/` beside the packs' folder (library.yaml, questions/*.yaml); or name its directory with --library DIR",
                    raw.id
                ));
            return None;
        };
        let doc = self.parse(rel, text)?;
        let lib: RawLibraryMeta = match decode(&doc) {
            Ok(m) => m,
            Err(e) => {
                self.decode_err(&subject, e);
                return None;
            }
        };
        let mut ok = true;
        if lib.id != raw.id {
            self.diags.error(
                doc.get("id").map(|n| n.loc).unwrap_or(doc.loc),
                &subject,
                format!("library.yaml names library `{}`, not `{}`", lib.id, raw.id),
            );
            ok = false;
        }
        let have = semver::Version::parse(&lib.version);
        let want = semver::VersionReq::parse(&format!("^{}", raw.version));
        if have.is_err() {
            self.diags.error(
                doc.get("version").map(|n| n.loc).unwrap_or(doc.loc),
                &subject,
                format!(
                    "version `{}` is not semver (MAJOR.MINOR.PATCH)",
                    lib.version
                ),
            );
            ok = false;
        }
        self.diags.set_file(self.files.name("pack.yaml"));
        match (&have, &want) {
            (_, Err(_)) => {
                self.diags.error(
                    loc,
                    &subject,
                    format!(
                        "version `{}` is not semver (MAJOR.MINOR.PATCH)",
                        raw.version
                    ),
                );
                ok = false;
            }
            (Ok(h), Ok(w)) if !w.matches(h) => {
                self.diags
                    .error(
                        loc,
                        &subject,
                        format!(
                            "规则包需要问题库 {id} {want}，但找到的是 {have} / the pack needs question library `{id}` {want} (or a compatible later version), found {have}",
                            id = raw.id,
                            want = raw.version,
                            have = lib.version
                        ),
                    )
                    .help("use the library version the pack was written for, or update the pack's `library.version`");
                ok = false;
            }
            _ => {}
        }
        if !ok {
            return None;
        }
        let lib_files: Vec<(String, String)> = files
            .files
            .iter()
            .filter_map(|(p, t)| p.strip_prefix(&prefix).map(|r| (r.to_string(), t.clone())))
            .collect();
        let mut used = Vec::new();
        let mut seen = HashSet::new();
        for q in &raw.questions {
            if !seen.insert(q.clone()) {
                self.diags.error(
                    loc,
                    &subject,
                    format!("`{q}` is listed twice in `library.questions`"),
                );
            }
            used.push(q.clone());
        }
        Some(LibCtx {
            info: LibraryInfo {
                id: lib.id.clone(),
                version: lib.version.clone(),
                requires: raw.version.clone(),
                digest: digest::files(&lib_files),
            },
            label: format!("{} {}", lib.id, lib.version),
            sections: lib.sections,
            used,
            prefix,
            loc,
        })
    }

    fn questionnaire(&mut self, sections: &[&str], lib: Option<&LibCtx>) -> Questionnaire {
        let mut qn = Questionnaire::default();
        // Conditions are compiled after all questions are known: (question or group, node, file).
        let mut pending: Vec<(Option<QIdx>, Option<GIdx>, Node, String)> = Vec::new();
        let mut ids: HashMap<String, Loc> = HashMap::new();
        let own = self.files_under("questions");
        if own.is_empty() {
            self.diags.set_file(self.files.root.clone());
            self.diags
                .error(Loc::UNKNOWN, "", "no questions: add questions/*.yaml");
        }
        // The library's questions the pack uses come first, in the library's order.
        let mut files: Vec<(&'a (String, String), bool)> = Vec::new();
        if let Some(lib) = lib {
            files.extend(
                self.files_under(&format!("{}questions", lib.prefix))
                    .into_iter()
                    .map(|f| (f, true)),
            );
        }
        files.extend(own.into_iter().map(|f| (f, false)));
        let mut found_in_library: HashSet<String> = HashSet::new();
        for ((rel, text), from_library) in files {
            let Some(doc) = self.parse(rel, text) else {
                continue;
            };
            let file = self.files.name(rel);
            self.only_keys(&doc, &["questions", "groups"]);
            let used = |id: Option<&str>| -> bool {
                !from_library
                    || lib.is_some_and(|l| id.is_some_and(|id| l.used.iter().any(|u| u == id)))
            };
            for item in self.list(&doc, "questions") {
                let id = item.get("id").and_then(Node::as_str);
                if !used(id) {
                    continue;
                }
                if let Some(mut q) = self.question(item, None, "", sections, &mut ids, &file) {
                    if from_library {
                        found_in_library.insert(q.id.clone());
                        q.library = lib.map(|l| l.label.clone());
                    }
                    let idx = qn.questions.len();
                    if let Some(c) = item.get("ask_when") {
                        pending.push((Some(idx), None, c.clone(), file.clone()));
                    }
                    qn.questions.push(q);
                    qn.order.push(Entry::Question(idx));
                }
            }
            for item in self.list(&doc, "groups") {
                let gid = item.get("id").and_then(Node::as_str).unwrap_or("");
                let member_prefix = format!("{gid}[*].");
                // `apps` takes every member; `apps[*].x` entries pick members (the item's
                // key and details always come).
                let picked: Vec<&str> = lib
                    .filter(|_| from_library)
                    .map(|l| {
                        l.used
                            .iter()
                            .filter_map(|u| u.strip_prefix(&member_prefix))
                            .collect()
                    })
                    .unwrap_or_default();
                if !used(Some(gid)) && picked.is_empty() {
                    continue;
                }
                let keep_member = |m: &Node| -> bool {
                    if picked.is_empty() {
                        return true;
                    }
                    let id = m.get("id").and_then(Node::as_str).unwrap_or("");
                    picked.contains(&id)
                        || item.get("item_key").and_then(Node::as_str) == Some(id)
                        || item.get("item_details").is_some_and(|d| match &d.kind {
                            NodeKind::Seq(ds) => ds.iter().any(|x| x.as_str() == Some(id)),
                            _ => false,
                        })
                };

                if !from_library && item.get("extends").is_some() {
                    self.extension(item, &mut qn, &mut pending, sections, &mut ids, &file);
                    continue;
                }
                let found = condition_entries(item, &["ask_when", "questions"]);
                let raw: RawGroup = match decode_except(item, &["ask_when", "questions"]) {
                    Ok(g) => g,
                    Err(e) => {
                        self.decode_err("", e);
                        continue;
                    }
                };
                let subject = format!("group `{}`", raw.id);
                if !id_ok(&raw.id) {
                    self.diags.error(
                        item.loc,
                        &subject,
                        "group ids are lowercase letters, digits and `_`, starting with a letter",
                    );
                }
                if let Some(prev) = ids.insert(raw.id.clone(), item.loc) {
                    self.diags.error(
                        item.loc,
                        &subject,
                        format!("duplicate id (first defined at line {})", prev.line),
                    );
                }
                self.check_section(&raw.section, &subject, item.loc, sections);
                let gidx = qn.groups.len();
                let mut members = Vec::new();
                match found.get(1).copied().flatten().map(|n| &n.kind) {
                    Some(NodeKind::Seq(ms)) if !ms.is_empty() => {
                        for m in ms.iter().filter(|m| keep_member(m)) {
                            if let Some(mut q) = self.question(
                                m,
                                Some(&raw.id),
                                &raw.section,
                                sections,
                                &mut ids,
                                &file,
                            ) {
                                q.group = Some(gidx);
                                q.pos = members.len();
                                if from_library {
                                    found_in_library.insert(q.id.clone());
                                }
                                let idx = qn.questions.len();
                                if let Some(c) = m.get("ask_when") {
                                    pending.push((Some(idx), None, c.clone(), file.clone()));
                                }
                                qn.questions.push(q);
                                members.push(idx);
                            }
                        }
                    }
                    _ => {
                        self.diags.error(
                            item.loc,
                            &subject,
                            "a group needs a non-empty `questions` list",
                        );
                    }
                }
                if let Some(key) = &raw.item_key {
                    let full = format!("{}[*].{key}", raw.id);
                    if !members
                        .iter()
                        .any(|m| qn.questions.get(*m).map(|q| q.id == full) == Some(true))
                    {
                        self.diags.error(
                            item.loc,
                            &subject,
                            format!("`item_key` `{key}` is not a question of the group"),
                        );
                    }
                }
                if let Some(c) = found.first().copied().flatten() {
                    pending.push((None, Some(gidx), c.clone(), file.clone()));
                }
                for detail in &raw.item_details {
                    let full = format!("{}[*].{detail}", raw.id);
                    if !members
                        .iter()
                        .any(|m| qn.questions.get(*m).map(|q| q.id == full) == Some(true))
                    {
                        self.diags.error(
                            item.loc,
                            &subject,
                            format!("`item_details` `{detail}` is not a question of the group"),
                        );
                    }
                }
                let library = if from_library {
                    found_in_library.insert(raw.id.clone());
                    let label = lib.map(|l| l.label.clone());
                    for m in &members {
                        if let Some(q) = qn.questions.get_mut(*m) {
                            q.library.clone_from(&label);
                        }
                    }
                    label
                } else {
                    None
                };
                qn.groups.push(Group {
                    id: raw.id,
                    section: raw.section,
                    label: raw.label,
                    help: raw.help,
                    item_key: raw.item_key,
                    item_details: raw.item_details,
                    library,
                    ask_when: None,
                    members,
                    loc: item.loc,
                });
                qn.order.push(Entry::Group(gidx));
            }
        }
        if let Some(lib) = lib {
            self.diags.set_file(self.files.name("pack.yaml"));
            let known: Vec<&str> = found_in_library.iter().map(String::as_str).collect();
            for u in &lib.used {
                if !found_in_library.contains(u) {
                    let help = did_you_mean(u, known.iter().copied());
                    let d = self.diags.error(
                        lib.loc,
                        format!("library `{}`", lib.info.id),
                        format!(
                            "问题库 {} 没有问题或问题组 `{u}` / library {} has no question or group `{u}`",
                            lib.label, lib.label
                        ),
                    );
                    if let Some(h) = help {
                        d.help(h);
                    }
                }
            }
        }
        // ask_when conditions.
        for (q, g, node, file) in pending {
            self.diags.set_file(file);
            let (subject, item_group) = match (q, g) {
                (Some(q), _) => {
                    let qq = qn.questions.get(q);
                    (
                        format!("question `{}`", qq.map(|x| x.id.as_str()).unwrap_or("")),
                        qq.and_then(|x| x.group),
                    )
                }
                (None, Some(g)) => (
                    format!(
                        "group `{}`",
                        qn.groups.get(g).map(|x| x.id.as_str()).unwrap_or("")
                    ),
                    None,
                ),
                _ => continue,
            };
            let compiled = Compiler::new(&qn, subject.clone(), Purpose::Scoping, &mut self.diags)
                .within_item(item_group)
                .compile(&node);
            if let Some(c) = &compiled {
                // A question may not depend on itself or on later questions' own visibility loops; keep it simple:
                // it may not read itself.
                let mut leaves = Vec::new();
                c.leaves(&mut leaves);
                if let Some(q) = q
                    && leaves
                        .iter()
                        .any(|l| l.lhs.q == q || matches!(l.rhs, Operand::Question(r) if r.q == q))
                {
                    self.diags
                        .error(node.loc, &subject, "`ask_when` reads the question itself");
                }
                if g.is_some()
                    && leaves
                        .iter()
                        .any(|l| qn.questions.get(l.lhs.q).and_then(|x| x.group) == g)
                {
                    self.diags.error(
                        node.loc,
                        &subject,
                        "a group's `ask_when` cannot read its own members",
                    );
                }
            }
            match (q, g) {
                (Some(q), _) => {
                    if let Some(qq) = qn.questions.get_mut(q) {
                        qq.ask_when = compiled;
                    }
                }
                (None, Some(g)) => {
                    if let Some(gg) = qn.groups.get_mut(g) {
                        gg.ask_when = compiled;
                    }
                }
                _ => {}
            }
        }
        qn
    }

    /// `groups: [{extends: apps, questions: […]}]`: a pack's own per-item questions added to a
    /// library group.
    fn extension(
        &mut self,
        item: &Node,
        qn: &mut Questionnaire,
        pending: &mut Vec<(Option<QIdx>, Option<GIdx>, Node, String)>,
        sections: &[&str],
        ids: &mut HashMap<String, Loc>,
        file: &str,
    ) {
        let found = condition_entries(item, &["questions"]);
        let raw: RawExtension = match decode_except(item, &["questions"]) {
            Ok(g) => g,
            Err(e) => {
                self.decode_err("", e);
                return;
            }
        };
        let subject = format!("group `{}`", raw.extends);
        let Some(gidx) = qn.groups.iter().position(|g| g.id == raw.extends) else {
            let help = did_you_mean(&raw.extends, qn.groups.iter().map(|g| g.id.as_str()));
            let d = self.diags.error(
                item.loc,
                &subject,
                format!(
                    "`extends: {}` names no group of the question library the pack uses",
                    raw.extends
                ),
            );
            d.help(help.unwrap_or_else(|| {
                "list the library group in pack.yaml's `library.questions`".to_string()
            }));
            return;
        };
        let (gid, gsection) = match qn.groups.get(gidx) {
            Some(g) if g.library.is_some() => (g.id.clone(), g.section.clone()),
            _ => {
                self.diags.error(
                    item.loc,
                    &subject,
                    "`extends` names a group of the question library; add a pack's own questions to its own group directly",
                );
                return;
            }
        };
        let Some(NodeKind::Seq(ms)) = found.first().copied().flatten().map(|n| &n.kind) else {
            self.diags.error(
                item.loc,
                &subject,
                "`extends` needs a non-empty `questions` list",
            );
            return;
        };
        for m in ms {
            if let Some(mut q) = self.question(m, Some(&gid), &gsection, sections, ids, file) {
                let pos = qn.groups.get(gidx).map_or(0, |g| g.members.len());
                q.group = Some(gidx);
                q.pos = pos;
                let idx = qn.questions.len();
                if let Some(c) = m.get("ask_when") {
                    pending.push((Some(idx), None, c.clone(), file.to_string()));
                }
                qn.questions.push(q);
                if let Some(g) = qn.groups.get_mut(gidx) {
                    g.members.push(idx);
                }
            }
        }
    }

    fn check_section(&mut self, section: &str, subject: &str, loc: Loc, sections: &[&str]) {
        if !sections.contains(&section) {
            let help = did_you_mean(section, sections.iter().copied())
                .unwrap_or_else(|| format!("sections: {}", sections.join(", ")));
            self.diags
                .error(loc, subject, format!("unknown section `{section}`"))
                .help(help);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn question(
        &mut self,
        item: &Node,
        group: Option<&str>,
        group_section: &str,
        sections: &[&str],
        ids: &mut HashMap<String, Loc>,
        file: &str,
    ) -> Option<Question> {
        let raw: RawQuestion = match decode_except(item, &["ask_when"]) {
            Ok(q) => q,
            Err(e) => {
                self.decode_err("", e);
                return None;
            }
        };
        let full = match group {
            Some(g) => format!("{g}[*].{}", raw.id),
            None => raw.id.clone(),
        };
        let subject = format!("question `{full}`");
        let id_valid = if group.is_some() {
            id_ok(&raw.id)
        } else {
            dotted_id_ok(&raw.id)
        };
        if !id_valid {
            self.diags.error(item.loc, &subject, "question ids are lowercase words of letters, digits and `_`, joined by dots (`real_name.methods`)");
        }
        if KEYWORDS.contains(&raw.id.as_str()) {
            self.diags.error(
                item.loc,
                &subject,
                format!(
                    "`{}` is a condition keyword and cannot be a question id",
                    raw.id
                ),
            );
        }
        if let Some(prev) = ids.insert(full.clone(), item.loc) {
            self.diags.error(
                item.loc,
                &subject,
                format!(
                    "duplicate question id (first defined at line {})",
                    prev.line
                ),
            );
        }
        let section = match (raw.section, group) {
            (Some(s), _) => s,
            (None, Some(_)) => group_section.to_string(),
            (None, None) => {
                self.diags.error(item.loc, &subject, "missing `section`");
                String::new()
            }
        };
        if !section.is_empty() {
            self.check_section(&section, &subject, item.loc, sections);
        }
        if raw.qtype.is_choice() {
            if raw.options.is_empty() {
                self.diags
                    .error(item.loc, &subject, "a choice question needs `options`");
            }
            if raw.options.len() > 64 {
                self.diags.error(item.loc, &subject, "at most 64 options");
            }
            let mut seen = HashSet::new();
            for o in &raw.options {
                if !id_ok(&o.id) || o.id == "dont_know" {
                    self.diags.error(item.loc, &subject, format!("bad option id `{}`: lowercase letters, digits, `_`; `dont_know` is reserved", o.id));
                }
                if !seen.insert(o.id.clone()) {
                    self.diags
                        .error(item.loc, &subject, format!("duplicate option `{}`", o.id));
                }
                if o.exclusive && raw.qtype != QType::MultipleChoice {
                    self.diags.error(
                        item.loc,
                        &subject,
                        format!(
                            "option `{}`: `exclusive` is for multiple-choice questions",
                            o.id
                        ),
                    );
                }
            }
        } else if !raw.options.is_empty() {
            self.diags.error(
                item.loc,
                &subject,
                format!("a {} question has no `options`", raw.qtype.name()),
            );
        }
        if (raw.min.is_some() || raw.max.is_some())
            && !matches!(raw.qtype, QType::Integer | QType::Decimal)
        {
            self.diags.error(
                item.loc,
                &subject,
                "`min`/`max` are for integer and decimal questions",
            );
        }
        if let (Some(a), Some(b)) = (raw.min, raw.max)
            && a > b
        {
            self.diags
                .error(item.loc, &subject, "`min` is larger than `max`");
        }
        if raw.past_event && raw.qtype != QType::Date {
            self.diags
                .error(item.loc, &subject, "`past_event` is for date questions");
        }
        if raw.precision.is_some() && raw.qtype != QType::Date {
            self.diags.error(
                item.loc,
                &subject,
                "`precision` 只用于日期题 / `precision` is for date questions",
            );
        }
        Some(Question {
            id: full,
            local_id: raw.id,
            section,
            qtype: raw.qtype,
            label: raw.label,
            help: raw.help,
            options: raw
                .options
                .into_iter()
                .map(|o| Choice {
                    loc: option_loc(item, &o.id),
                    id: o.id,
                    label: o.label,
                    exclusive: o.exclusive,
                    informational: o.informational,
                })
                .collect(),
            ask_when: None,
            min: raw.min,
            max: raw.max,
            past_event: raw.past_event,
            precision: raw.precision.unwrap_or_default(),
            informational: raw.informational,
            library: None,
            group: None,
            pos: 0,
            file: file.to_string(),
            loc: item.loc,
        })
    }

    fn scopes(&mut self, node: Option<&Node>, qn: &Questionnaire) -> Vec<Scope> {
        self.diags.set_file(self.files.name("pack.yaml"));
        let mut out = Vec::new();
        let Some(node) = node else { return out };
        let NodeKind::Seq(items) = &node.kind else {
            self.diags.error(node.loc, "", "`scopes` must be a list");
            return out;
        };
        let mut seen = HashSet::new();
        for item in items {
            let found = condition_entries(item, &["when"]);
            let raw: RawScope = match decode_except(item, &["when"]) {
                Ok(s) => s,
                Err(e) => {
                    self.decode_err("", e);
                    continue;
                }
            };
            let subject = format!("scope `{}`", raw.id);
            if !seen.insert(raw.id.clone()) {
                self.diags.error(item.loc, &subject, "duplicate scope id");
            }
            let Some(when) = found.first().copied().flatten() else {
                self.diags.error(item.loc, &subject, "missing `when`");
                continue;
            };
            if let Some(c) =
                Compiler::new(qn, subject, Purpose::Scoping, &mut self.diags).compile(when)
            {
                out.push(Scope {
                    id: raw.id,
                    title: raw.title,
                    when: c,
                });
            }
        }
        out
    }

    fn rules(
        &mut self,
        qn: &Questionnaire,
        sections: &[&str],
        sources: &[SourceDoc],
        instruments: &[Instrument],
        citations: &[Citation],
    ) -> Vec<Rule> {
        let mut out = Vec::new();
        let mut ids: HashMap<String, (String, Loc)> = HashMap::new();
        let files = self.files_under("rules");
        if files.is_empty() {
            self.diags.set_file(self.files.root.clone());
            self.diags
                .error(Loc::UNKNOWN, "", "no rules: add rules/*.yaml");
        }
        for (rel, text) in files {
            let Some(doc) = self.parse(rel, text) else {
                continue;
            };
            let file = self.files.name(rel);
            self.only_keys(&doc, &["rules"]);
            for item in self.list(&doc, "rules") {
                let found = condition_entries(item, &["applies_when", "check"]);
                let raw: RawRule = match decode_except(item, &["applies_when", "check"]) {
                    Ok(r) => r,
                    Err(e) => {
                        let id = item
                            .get("id")
                            .and_then(Node::as_str)
                            .map(|s| format!("rule `{s}`"))
                            .unwrap_or_default();
                        self.decode_err(&id, e);
                        continue;
                    }
                };
                let subject = format!("rule `{}`", raw.id);
                if !rule_id_ok(&raw.id) {
                    self.diags.error(
                        item.loc,
                        &subject,
                        "rule ids are letters, digits, `_`, `.` and `-`",
                    );
                }
                if let Some((pf, pl)) = ids.insert(raw.id.clone(), (file.clone(), item.loc)) {
                    self.diags.error(
                        item.loc,
                        &subject,
                        format!("duplicate rule id (first defined in {pf}:{})", pl.line),
                    );
                }
                self.check_section(&raw.section, &subject, item.loc, sections);
                let source_loc = item.get("source").map(|n| n.loc).unwrap_or(item.loc);
                self.check_source(&raw.source, &subject, source_loc, sources);
                let ref_nodes: &[Node] = match item.get("references").map(|n| &n.kind) {
                    Some(NodeKind::Seq(items)) => items,
                    _ => &[],
                };
                let references = self.references(
                    &raw.references,
                    ref_nodes,
                    &subject,
                    item.get("references").map(|n| n.loc).unwrap_or(item.loc),
                    instruments,
                    citations,
                );
                if raw.evidence.is_empty() {
                    self.diags.error(
                        item.loc,
                        &subject,
                        "`evidence` is empty: say what a reviewer would ask to see",
                    );
                }
                let mut compiler =
                    Compiler::new(qn, subject.clone(), Purpose::Scoping, &mut self.diags);
                let applies_when = found
                    .first()
                    .copied()
                    .flatten()
                    .map(|n| compiler.compile(n));
                compiler.purpose(Purpose::Check);
                let check = match found.get(1).copied().flatten() {
                    Some(n) => compiler.compile(n),
                    None => {
                        self.diags.error(item.loc, &subject, "missing `check`");
                        None
                    }
                };
                let (Some(check), Some(applies_when)) =
                    (check, applies_when.map_or(Some(None), |c| c.map(Some)))
                else {
                    continue;
                };
                out.push(Rule {
                    id: raw.id,
                    title: raw.title,
                    section: raw.section,
                    level: raw.level,
                    severity: raw.severity,
                    source: SourceRef {
                        document: raw.source.document,
                        clause: raw.source.clause.0,
                        quote: raw.source.quote,
                    },
                    references,
                    applies_when,
                    check,
                    evidence: raw.evidence,
                    remediation: raw.remediation,
                    digest: String::new(),
                    file: file.clone(),
                    loc: item.loc,
                });
            }
        }
        out
    }

    /// One warning per source for the quotes found in its unverified clauses: the quote check
    /// reports them as unverified rather than passing them.
    fn report_unverified_quotes(&mut self, sources: &[SourceDoc]) {
        let quotes = std::mem::take(&mut self.unverified_quotes);
        for doc in sources {
            let rules: Vec<String> = quotes
                .iter()
                .filter(|(d, _, _)| *d == doc.id)
                .map(|(_, r, c)| format!("{r} ({c})"))
                .collect();
            if rules.is_empty() {
                continue;
            }
            self.diags.set_file(self.files.name("pack.yaml"));
            self.diags.warning(
                Loc::UNKNOWN,
                format!("source `{}`", doc.id),
                format!(
                    "{} 条规则引用的条目文字未经核实(未经两份独立副本核对)，报告在来源旁注明；{} quotes are unverified: their clauses' wording is not confirmed by two independent copies, and reports say so beside the finding: {}",
                    rules.len(),
                    rules.len(),
                    rules.join(", ")
                ),
            );
        }
    }

    fn check_source(&mut self, s: &RawSourceRef, subject: &str, loc: Loc, sources: &[SourceDoc]) {
        let Some((doc_idx, doc)) = sources.iter().enumerate().find(|(_, d)| d.id == s.document)
        else {
            let help = did_you_mean(&s.document, sources.iter().map(|d| d.id.as_str()));
            let d = self.diags.error(
                loc,
                subject,
                format!("unknown source document `{}`", s.document),
            );
            if let Some(h) = help {
                d.help(h);
            }
            return;
        };
        // The first clause of that number, as `SourceDoc::clause` finds it.
        let Some((clause_idx, (_, clause))) = doc
            .clauses
            .iter()
            .enumerate()
            .find(|(_, (n, _))| *n == s.clause.0)
        else {
            self.diags.error(
                loc,
                subject,
                format!("source `{}` has no clause `{}`", s.document, s.clause.0),
            );
            return;
        };
        if self.prepared.is_some() {
            return; // checked when the pack was prepared
        }
        let paragraphs = self
            .clause_paragraphs
            .entry((doc_idx, clause_idx))
            .or_insert_with(|| normalised_paragraphs(clause));
        match quote_check_paragraphs(paragraphs, &s.quote) {
            QuoteCheck::Ok if doc.is_unverified(&s.clause.0) => {
                self.unverified_quotes.push((
                    s.document.clone(),
                    subject.to_string(),
                    s.clause.0.clone(),
                ));
            }
            QuoteCheck::Ok => {}
            QuoteCheck::NotFound => {
                self.diags.error(loc, subject, format!("quote is not in clause {} of `{}`", s.clause.0, s.document)).help("quotes are verbatim; they are compared after NFKC normalisation with whitespace removed");
            }
            QuoteCheck::Fragment => {
                self.diags.error(loc, subject, format!("quote is a fragment of clause {}: quote a whole sentence or a whole phrase between punctuation marks", s.clause.0));
            }
        }
    }

    /// A document kind by name, or an error at `loc`.
    fn doc_kind(&mut self, name: &str, subject: &str, loc: Loc) -> Option<DocKind> {
        let kind = DocKind::parse(name);
        if kind.is_none() {
            let names: Vec<&str> = DocKind::ALL.iter().map(|k| k.name()).collect();
            let help = did_you_mean(name, names.iter().copied())
                .unwrap_or_else(|| format!("expected one of: {}", names.join(", ")));
            self.diags
                .error(
                    loc,
                    subject,
                    format!("未知的文件类型 `{name}`；unknown kind `{name}`"),
                )
                .help(help);
        }
        kind
    }

    /// The citation ledger (`ledger.yaml`): instruments and the articles rules may cite.
    fn ledger(&mut self) -> (Vec<Instrument>, Vec<Citation>) {
        let files = self.files;
        let mut instruments: Vec<Instrument> = Vec::new();
        let mut citations: Vec<Citation> = Vec::new();
        let Some((rel, text)) = files.files.iter().find(|(p, _)| p == "ledger.yaml") else {
            return (instruments, citations);
        };
        let Some(doc) = self.parse(rel, text) else {
            return (instruments, citations);
        };
        self.only_keys(&doc, &["instruments", "citations"]);
        let mut ids: HashMap<String, Loc> = HashMap::new();
        for item in self.list(&doc, "instruments") {
            let raw: RawInstrument = match decode(item) {
                Ok(r) => r,
                Err(e) => {
                    let id = item
                        .get("id")
                        .and_then(Node::as_str)
                        .map(|s| format!("instrument `{s}`"))
                        .unwrap_or_default();
                    self.decode_err(&id, e);
                    continue;
                }
            };
            let subject = format!("instrument `{}`", raw.id);
            if let Some(prev) = ids.insert(raw.id.clone(), item.loc) {
                self.diags.error(
                    item.loc,
                    &subject,
                    format!(
                        "文书编号重复(首次定义于第 {} 行)；duplicate instrument id (first defined at line {})",
                        prev.line, prev.line
                    ),
                );
            }
            let at = |k: &str| item.get(k).map(|n| n.loc).unwrap_or(item.loc);
            let kind = self.doc_kind(&raw.kind, &subject, at("kind"));
            let standard = match (kind, raw.standard.as_deref()) {
                (Some(DocKind::NationalStandard), Some("mandatory")) => {
                    Some(StandardKind::Mandatory)
                }
                (Some(DocKind::NationalStandard), Some("recommended")) => {
                    Some(StandardKind::Recommended)
                }
                (Some(DocKind::NationalStandard), other) => {
                    self.diags.error(
                        at("standard"),
                        &subject,
                        format!(
                            "国家标准须写明 `standard: mandatory`(强制性, GB)或 `recommended`(推荐性, GB/T)，而不是 {}；a national standard needs `standard: mandatory` (GB) or `recommended` (GB/T), found {}",
                            other.unwrap_or("nothing"),
                            other.unwrap_or("nothing")
                        ),
                    );
                    None
                }
                (_, Some(_)) => {
                    self.diags.error(
                        at("standard"),
                        &subject,
                        "`standard` 仅用于国家标准；`standard` is only for kind national_standard",
                    );
                    None
                }
                (_, None) => None,
            };
            if raw.versions.is_empty() {
                self.diags.error(
                    item.loc,
                    &subject,
                    "文书至少需要一个版本；an instrument needs at least one version",
                );
            }
            if raw
                .versions
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.in_force >= b.in_force))
            {
                self.diags.error(
                    at("versions"),
                    &subject,
                    "版本须按施行日期由早到晚排列；versions must be listed oldest first",
                );
            }
            let Some(kind) = kind else { continue };
            let numbering = match raw.numbering.as_deref() {
                None => Numbering::default_for(kind),
                Some("articles") => Numbering::Articles,
                Some("items") => Numbering::Items,
                Some("clauses") => Numbering::Clauses,
                Some(other) => {
                    self.diags.error(
                        at("numbering"),
                        &subject,
                        format!("编号方式须为 articles、items 或 clauses，而不是 `{other}`；`numbering` is articles, items or clauses, not `{other}`"),
                    );
                    Numbering::default_for(kind)
                }
            };
            instruments.push(Instrument {
                id: raw.id,
                kind,
                standard,
                numbering,
                title: raw.title,
                issuer: raw.issuer,
                versions: raw.versions,
            });
        }
        let mut seen: HashMap<(String, String, String), Loc> = HashMap::new();
        for item in self.list(&doc, "citations") {
            let raw: RawCitation = match decode(item) {
                Ok(r) => r,
                Err(e) => {
                    self.decode_err("citation", e);
                    continue;
                }
            };
            let subject = format!(
                "citation `{} {} art. {}`",
                raw.instrument, raw.version.0, raw.article.0
            );
            let at = |k: &str| item.get(k).map(|n| n.loc).unwrap_or(item.loc);
            match instruments.iter().find(|i| i.id == raw.instrument) {
                None => {
                    let help =
                        did_you_mean(&raw.instrument, instruments.iter().map(|i| i.id.as_str()));
                    let d = self.diags.error(
                        at("instrument"),
                        &subject,
                        format!(
                            "台账中没有文书 `{0}`；no instrument `{0}` in ledger.yaml",
                            raw.instrument
                        ),
                    );
                    if let Some(h) = help {
                        d.help(h);
                    }
                }
                Some(ins) if !ins.versions.iter().any(|v| v.id == raw.version.0) => {
                    let help =
                        did_you_mean(&raw.version.0, ins.versions.iter().map(|v| v.id.as_str()));
                    let d = self.diags.error(
                        at("version"),
                        &subject,
                        format!(
                            "`{0}` 没有版本 `{1}`；`{0}` has no version `{1}`",
                            raw.instrument, raw.version.0
                        ),
                    );
                    if let Some(h) = help {
                        d.help(h);
                    }
                }
                Some(_) => {}
            }
            let rating = match raw.rating.as_str() {
                "V" => Rating::V,
                "V2" => Rating::V2,
                "P" => Rating::P,
                "U" => Rating::U,
                other => {
                    self.diags.error(
                        at("rating"),
                        &subject,
                        format!("评级须为 V、V2、P 或 U，而不是 `{other}`；rating is V, V2, P or U, not `{other}`"),
                    );
                    continue;
                }
            };
            if rating.verified() && (raw.wording.trim().is_empty() || raw.copies.is_empty()) {
                self.diags.error(
                    item.loc,
                    &subject,
                    format!(
                        "评级 {0} 的条文须记录核实的原文(`wording`)和核对过的版本(`copies`)；a citation rated {0} records the verified `wording` and the `copies` checked",
                        rating.name()
                    ),
                );
            }
            let key = (
                raw.instrument.clone(),
                raw.version.0.clone(),
                raw.article.0.clone(),
            );
            if let Some(prev) = seen.insert(key, item.loc) {
                self.diags.error(
                    item.loc,
                    &subject,
                    format!(
                        "条文重复(首次记录于第 {} 行)；duplicate citation (first recorded at line {})",
                        prev.line, prev.line
                    ),
                );
                continue;
            }
            citations.push(Citation {
                instrument: raw.instrument,
                version: raw.version.0,
                article: raw.article.0,
                rating,
                wording: raw.wording,
                copies: raw.copies,
            });
        }
        (instruments, citations)
    }

    fn references(
        &mut self,
        refs: &[RawRef],
        nodes: &[Node],
        subject: &str,
        loc: Loc,
        instruments: &[Instrument],
        citations: &[Citation],
    ) -> Vec<LawRef> {
        let mut out = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            let loc = nodes.get(i).map(|n| n.loc).unwrap_or(loc);
            let Some(ins) = instruments.iter().find(|i| i.id == r.instrument) else {
                let help = did_you_mean(&r.instrument, instruments.iter().map(|i| i.id.as_str()))
                    .unwrap_or_else(|| "instruments are listed in ledger.yaml".to_string());
                self.diags
                    .error(
                        loc,
                        subject,
                        format!(
                            "引用台账中没有的文书 `{0}`；unknown instrument `{0}` (not in ledger.yaml)",
                            r.instrument
                        ),
                    )
                    .help(help);
                continue;
            };
            if r.articles.is_empty() {
                self.diags.error(
                    loc,
                    subject,
                    format!(
                        "对 `{0}` 的引用未写条文；reference to `{0}` names no article",
                        r.instrument
                    ),
                );
            }
            let mut weakest: Option<Rating> = None;
            for (v, a) in &r.articles {
                if !ins.versions.iter().any(|x| &x.id == v) {
                    let help = did_you_mean(v, ins.versions.iter().map(|x| x.id.as_str()));
                    let d = self.diags.error(
                        loc,
                        subject,
                        format!(
                            "`{0}` 没有版本 `{v}`；`{0}` has no version `{v}`",
                            r.instrument
                        ),
                    );
                    if let Some(h) = help {
                        d.help(h);
                    }
                    continue;
                }
                match citations
                    .iter()
                    .find(|c| c.instrument == r.instrument && &c.version == v && c.article == a.0)
                {
                    Some(c) => {
                        weakest = Some(weakest.map_or(c.rating, |w| w.min(c.rating)));
                    }
                    None => {
                        self.diags
                            .error(
                                loc,
                                subject,
                                format!(
                                    "引用的 `{0}` {v} 版第{1}条不在引文台账中；`{0}` {v} art. {1} is not in the citation ledger",
                                    r.instrument, a.0
                                ),
                            )
                            .help("record the article, its wording, rating and the copies checked in ledger.yaml `citations`");
                    }
                }
            }
            // Keep version order as the instrument lists them.
            let articles = ins
                .versions
                .iter()
                .filter_map(|v| r.articles.get(&v.id).map(|a| (v.id.clone(), a.0.clone())))
                .collect();
            out.push(LawRef {
                instrument: r.instrument.clone(),
                articles,
                rating: weakest.unwrap_or(Rating::U).name().to_string(),
                note: r.note.clone(),
            });
        }
        out
    }

    /// The legal-basis gate: a required rule needs a verified reference to binding law.
    fn legal_basis_gate(
        &mut self,
        level: Level,
        refs: &[LawRef],
        subject: &str,
        loc: Loc,
        instruments: &[Instrument],
    ) {
        if level != Level::Required {
            return;
        }
        let ok = refs.iter().any(|r| {
            (r.rating == "V" || r.rating == "V2")
                && instruments
                    .iter()
                    .find(|i| i.id == r.instrument)
                    .is_some_and(Instrument::binds_companies)
        });
        if !ok {
            self.diags
                .error(
                    loc,
                    subject,
                    "强制性规则缺少法律依据：至少需要一条在引文台账中评级为 V 或 V2、且对企业有约束力的文书的引用(政策文件、推荐性国家标准不能单独作为依据)；a required rule needs at least one reference rated V or V2 in the citation ledger to an instrument that binds companies (a policy document or a recommended national standard never suffices alone)",
                )
                .help("cite binding national law verified in ledger.yaml, or make the rule `level: recommended`");
        }
    }

    fn coverage(
        &mut self,
        sources: &[SourceDoc],
        scopes: &[Scope],
    ) -> (Vec<CoverageNote>, Vec<KnownGap>) {
        let files = self.files;
        let mut notes = Vec::new();
        let mut gaps: Vec<KnownGap> = Vec::new();
        let Some((rel, text)) = files.files.iter().find(|(p, _)| p == "coverage.yaml") else {
            return (notes, gaps);
        };
        let Some(doc) = self.parse(rel, text) else {
            return (notes, gaps);
        };
        let file = self.files.name(rel);
        self.only_keys(&doc, &["clauses", "known_gaps"]);
        for item in self.list(&doc, "clauses") {
            let n: CoverageNote = match decode(item) {
                Ok(n) => n,
                Err(e) => {
                    self.decode_err("coverage", e);
                    continue;
                }
            };
            let subject = format!("coverage of clause `{}`", n.clause);
            self.check_clause(sources, &n.document, &n.clause, &subject, item);
            self.check_addressee(&n.addressee, &subject, item);
            notes.push(n);
        }
        let mut ids: HashMap<String, Loc> = HashMap::new();
        for item in self.list(&doc, "known_gaps") {
            let id = item.get("id").and_then(Node::as_str);
            let subject = id
                .map(|s| format!("known gap `{s}`"))
                .unwrap_or_else(|| "known gap".to_string());
            let raw: RawKnownGap = match decode(item) {
                Ok(r) => r,
                Err(e) => {
                    self.decode_err(&subject, e);
                    continue;
                }
            };
            if !rule_id_ok(&raw.id) {
                self.diags.error(
                    item.loc,
                    &subject,
                    "编号只能由字母、数字、`_`、`.`、`-` 组成；ids are letters, digits, `_`, `.` and `-`",
                );
            }
            if let Some(prev) = ids.insert(raw.id.clone(), item.loc) {
                self.diags.error(
                    item.loc,
                    &subject,
                    format!(
                        "已知缺口编号重复(首次定义于第 {} 行)；duplicate known-gap id (first defined at line {})",
                        prev.line, prev.line
                    ),
                );
            }
            self.check_clause(sources, &raw.document, &raw.clause.0, &subject, item);
            self.check_addressee(&raw.addressee, &subject, item);
            for sc in &raw.scopes {
                if !scopes.iter().any(|x| &x.id == sc) {
                    let help = did_you_mean(sc, scopes.iter().map(|x| x.id.as_str()));
                    let d = self.diags.error(
                        item.get("scopes").map(|n| n.loc).unwrap_or(item.loc),
                        &subject,
                        format!("未知的企业类型 `{sc}`；unknown scope `{sc}`"),
                    );
                    if let Some(h) = help {
                        d.help(h);
                    }
                }
            }
            for (key, t) in [
                ("obligation", &raw.obligation),
                ("why_not_encoded", &raw.why_not_encoded),
                ("would_need", &raw.would_need),
            ] {
                if t.zh.trim().is_empty() || t.en.trim().is_empty() {
                    self.diags.error(
                        item.get(key).map(|n| n.loc).unwrap_or(item.loc),
                        &subject,
                        format!("`{key}` 的中英文均不能为空；`{key}` needs both zh and en text"),
                    );
                }
            }
            gaps.push(KnownGap {
                id: raw.id,
                document: raw.document,
                clause: raw.clause.0,
                addressee: raw.addressee,
                obligation: raw.obligation,
                why_not_encoded: raw.why_not_encoded,
                would_need: raw.would_need,
                scopes: raw.scopes,
                file: file.clone(),
                loc: item.loc,
            });
        }
        (notes, gaps)
    }

    fn check_clause(
        &mut self,
        sources: &[SourceDoc],
        document: &str,
        clause: &str,
        subject: &str,
        item: &Node,
    ) {
        let at = |k: &str| item.get(k).map(|n| n.loc).unwrap_or(item.loc);
        match sources.iter().find(|s| s.id == document) {
            None => {
                let help = did_you_mean(document, sources.iter().map(|s| s.id.as_str()));
                let d = self.diags.error(
                    at("document"),
                    subject,
                    format!("未知的来源文件 `{document}`；unknown source document `{document}`"),
                );
                if let Some(h) = help {
                    d.help(h);
                }
            }
            Some(s) if s.clause(clause).is_none() => {
                self.diags.error(
                    at("clause"),
                    subject,
                    format!(
                        "来源文件 `{document}` 没有第 `{clause}` 项；no clause `{clause}` in source `{document}`"
                    ),
                );
            }
            Some(_) => {}
        }
    }

    fn check_addressee(&mut self, addressee: &str, subject: &str, item: &Node) {
        if !["government", "enterprise", "both"].contains(&addressee) {
            self.diags.error(
                item.get("addressee").map(|n| n.loc).unwrap_or(item.loc),
                subject,
                format!(
                    "义务对象须为 government、enterprise 或 both，而不是 `{addressee}`；addressee is government, enterprise or both, not `{addressee}`"
                ),
            );
        }
    }
}

/// Splits a source text into numbered clauses. A line matching `part` (optional) ends the
/// current clause and starts the next part: clauses after the k-th part line are numbered
/// `k.n`, so a text whose items restart at 1 in every part still has one id per item.
pub fn split_clauses(
    text: &str,
    heading: &Regex,
    end: Option<&Regex>,
    part: Option<&Regex>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    let mut parts = 0usize;
    for line in text.lines() {
        if part.is_some_and(|p| p.is_match(line)) {
            if let Some((n, lines)) = current.take() {
                out.push((n, lines.join("\n")));
            }
            parts += 1;
        } else if let Some(c) = heading.captures(line) {
            if let Some((n, lines)) = current.take() {
                out.push((n, lines.join("\n")));
            }
            let n = c.get(1).map(|m| m.as_str().to_string()).unwrap_or_default();
            let n = if parts > 0 { format!("{parts}.{n}") } else { n };
            current = Some((n, vec![line]));
        } else if end.is_some_and(|e| e.is_match(line)) {
            if let Some((n, lines)) = current.take() {
                out.push((n, lines.join("\n")));
            }
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((n, lines)) = current.take() {
        out.push((n, lines.join("\n")));
    }
    out
}

/// The result of checking a quote against a clause.
#[derive(Debug, PartialEq, Eq)]
pub enum QuoteCheck {
    /// A whole sentence or delimited phrase of the clause.
    Ok,
    /// Not in the clause.
    NotFound,
    /// In the clause, but cut mid-phrase.
    Fragment,
}

/// NFKC-normalises and removes whitespace.
pub fn normalise(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

const DELIMS: &[char] = &['。', ',', ';', ':', '!', '?', '、', '"', '“', '”', '(', ')'];

/// Checks that `quote` is verbatim in `clause` (NFKC, whitespace ignored) and is not cut mid-phrase.
pub fn quote_check(clause: &str, quote: &str) -> QuoteCheck {
    quote_check_paragraphs(&normalised_paragraphs(clause), quote)
}

/// The lines (paragraphs) of a clause, each [`normalise`]d.
fn normalised_paragraphs(clause: &str) -> Vec<String> {
    clause.lines().map(normalise).collect()
}

/// [`quote_check`] against a clause's [`normalised_paragraphs`].
fn quote_check_paragraphs(paragraphs: &[String], quote: &str) -> QuoteCheck {
    let q = normalise(quote);
    if q.is_empty() {
        return QuoteCheck::NotFound;
    }
    let mut found = false;
    for p in paragraphs {
        for (start, _) in p.match_indices(q.as_str()) {
            found = true;
            let before = p.get(..start).and_then(|s| s.chars().last());
            let after = p.get(start + q.len()..).and_then(|s| s.chars().next());
            let head_ok = before.is_none_or(|c| DELIMS.contains(&c) || c == '.');
            let tail_ok =
                after.is_none_or(|c| DELIMS.contains(&c)) || q.ends_with(|c| DELIMS.contains(&c));
            if head_ok && tail_ok {
                return QuoteCheck::Ok;
            }
        }
    }
    if found {
        QuoteCheck::Fragment
    } else {
        QuoteCheck::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_must_be_whole_phrases() {
        let clause = "14.维护用户合法权益\n\n  加大对移动互联网企业服务质量监督力度,督促移动互联网企业落实实名制,规范信息发布行为。";
        assert_eq!(
            quote_check(clause, "督促移动互联网企业落实实名制"),
            QuoteCheck::Ok
        );
        assert_eq!(
            quote_check(clause, "督促移动互联网企业落实实名制，"),
            QuoteCheck::Ok,
            "full-width comma is NFKC-equal"
        );
        assert_eq!(quote_check(clause, "落实实名制"), QuoteCheck::Fragment);
        assert_eq!(quote_check(clause, "落实实名登记"), QuoteCheck::NotFound);
        assert_eq!(quote_check(clause, "规范信息发布行为。"), QuoteCheck::Ok);
        assert_eq!(
            quote_check(
                clause,
                "加大对移动互联网企业服务质量监督力度, 督促移动互联网企业落实实名制"
            ),
            QuoteCheck::Ok
        );
    }

    #[test]
    fn clauses_split_on_headings_and_part_titles() {
        let text = "一、总体要求\n\n  1.指导思想。甲。\n\n  2.基本原则。乙。\n\n  二、推动\n\n  3.进一步\n\n  丙。\n";
        let h = Regex::new(r"^\s*(\d+)\.").unwrap();
        let e = Regex::new(r"^\s*[一二三四五六七八九十]+、").unwrap();
        let c = split_clauses(text, &h, Some(&e), None);
        let nums: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(nums, ["1", "2", "3"]);
        assert!(!c[1].1.contains("二、推动"));
        assert!(c[2].1.contains("丙"));
    }

    /// A normative-document pack whose items restart in each part, with `unverified` items.
    fn parts_pack(unverified: &str) -> PackFiles {
        let meta = format!(
            "id: demo\nversion: 1.0.0\ntitle: {{zh: 演示, en: Demo}}\njurisdiction: {{zh: 全国, en: National}}\neffective_date: 2019-11-28\nsections: [{{id: s, title: {{zh: 节, en: Section}}}}]\nsources: [{{id: doc, kind: normative_document, title: {{zh: 办法, en: Method}}, issuer: {{zh: 某机关, en: An authority}}, date: 2019-11-28, path: sources/doc.txt, clause_heading: '^(\\d+)\\.', clause_part: '^[一二]、', clause_name: {{zh: 认定情形, en: criterion}}, unverified: {unverified}}}]\n"
        );
        let rule = |id: &str, clause: &str, quote: &str| {
            format!(
                "  - id: {id}\n    title: {{zh: 规则, en: Rule}}\n    section: s\n    level: recommended\n    severity: high\n    source: {{document: doc, clause: '{clause}', quote: {quote}}}\n    check: {{q.x: true}}\n    evidence: [{{zh: 证据, en: Evidence}}]\n    remediation: {{zh: 整改, en: Fix}}\n"
            )
        };
        PackFiles {
            root: "demo".into(),
            files: vec![
                ("pack.yaml".into(), meta),
                (
                    "sources/doc.txt".into(),
                    "一、甲类\n1.甲类第一项。\n二、乙类\n1.乙类第一项。\n2.乙类第二项。\n".into(),
                ),
                (
                    "questions/q.yaml".into(),
                    "questions:\n  - {id: q.x, section: s, type: yes_no, label: {zh: 问, en: Q}}\n"
                        .into(),
                ),
                (
                    "rules/r.yaml".into(),
                    format!(
                        "rules:\n{}{}",
                        rule("a", "1.1", "甲类第一项。"),
                        rule("b", "2.2", "乙类第二项。")
                    ),
                ),
            ],
        }
    }

    #[test]
    fn parts_name_items_and_unverified_items_are_marked_in_quotes_and_citations() {
        let loaded = load_pack(&parts_pack("['2.2']")).unwrap();
        let doc = loaded.pack.source("doc").unwrap();
        let ids: Vec<&str> = doc.clauses.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(ids, ["1.1", "2.1", "2.2"]);
        assert_eq!(doc.unverified, ["2.2"]);
        // The quote from the unverified item is reported, the other is not.
        let w: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("quotes are unverified") && w[0].contains("rule `b` (2.2)"));
        assert!(!w[0].contains("rule `a`"));
        // Citations use the item name and say when the wording is unverified.
        assert_eq!(doc.clause_number("1.1").zh, "认定情形1.1");
        assert_eq!(doc.clause_number("1.1").en, "criterion 1.1");
        assert_eq!(doc.cite("1.1").zh, "来源文件：《办法》认定情形1.1");
        assert_eq!(
            doc.cite("2.2").zh,
            "来源文件：《办法》认定情形2.2（文字未经两份独立副本核实）"
        );
        assert_eq!(
            doc.cite("2.2").en,
            "Source document: Method (criterion 2.2) (wording not verified against two independent copies)"
        );
    }

    #[test]
    fn an_unverified_item_the_text_does_not_have_is_an_error() {
        let Err(d) = load_pack(&parts_pack("['3.1']")) else {
            panic!("an unknown unverified item must not load");
        };
        assert!(
            d.iter()
                .any(|d| d.message.contains("`unverified` names clause `3.1`")),
            "{d:?}"
        );
    }

    #[test]
    fn items_restarting_in_every_part_are_numbered_part_dot_item() {
        let text = "前言\n1.序。\n一、甲类\n1.甲一。\n2.甲二。\n二、乙类\n1.乙一。\n";
        let h = Regex::new(r"^\s*(\d+)\.").unwrap();
        let p = Regex::new(r"^\s*[一二三四五六七八九十]+、").unwrap();
        let c = split_clauses(text, &h, None, Some(&p));
        let nums: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(nums, ["1", "1.1", "1.2", "2.1"]);
        assert!(
            !c[2].1.contains("乙类"),
            "a part line ends the clause before it"
        );
        assert!(c[3].1.contains("乙一"));
    }
}
