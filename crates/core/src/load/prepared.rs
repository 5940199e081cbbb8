//! Packs prepared at build time: what a build step already parsed, checked and computed, so a
//! program that embeds a pack does not redo it at every start.
//!
//! [`prepare`] loads a pack the ordinary way (every check, every lint) and keeps its parsed YAML
//! trees and its digests; [`Prepared::encode`] writes them in a compact binary form that
//! [`Prepared::decode`] reads back. [`load_prepared`] then builds the pack from the trees,
//! without parsing YAML, hashing files, re-running the lints or re-checking quotes (all done
//! when the pack was prepared). The result is the same [`Pack`](crate::model::Pack), digests
//! included; a test compares it with [`load_pack`](super::load_pack)'s.
//!
//! ```
//! use hegui_core::load::prepared::{Prepared, load_prepared, prepare};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/demo");
//! let files = hegui_core::PackFiles::from_dir(std::path::Path::new(dir)).map_err(|e| format!("{e:?}"))?;
//! let bytes = prepare(&files).map_err(|e| format!("{e:?}"))?.encode();
//! let pack = load_prepared(&files, Prepared::decode(&bytes)?).map_err(|e| format!("{e:?}"))?.pack;
//! assert_eq!(pack.digest, hegui_core::load_pack(&files).map_err(|e| format!("{e:?}"))?.pack.digest);
//! # Ok::<(), String>(())
//! ```

use super::{Loaded, Loader, PackFiles};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::syntax::node::{Key, Node, NodeKind};
use std::collections::HashMap;

/// A pack's parsed files and computed digests, as a build step leaves them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// The parsed YAML files, by path relative to the pack.
    pub trees: Vec<(String, Node)>,
    /// The pack digest ([`crate::model::digest::files`]).
    pub digest: String,
    /// The questionnaire digest.
    pub questionnaire_digest: String,
    /// Each rule's digest, in pack order.
    pub rule_digests: Vec<String>,
    /// The warnings the full load reported (the lints are not run again).
    pub warnings: Vec<Diagnostic>,
}

/// Loads `files` with every check and keeps what [`load_prepared`] can reuse. Fails with every
/// diagnostic, as [`load_pack`](super::load_pack) does.
pub fn prepare(files: &PackFiles) -> Result<Prepared, Vec<Diagnostic>> {
    let mut l = Loader::new(files);
    l.keep_trees = true;
    let Loaded { pack, warnings } = super::finish(&mut l)?;
    Ok(Prepared {
        warnings,
        trees: std::mem::take(&mut l.kept),
        digest: pack.digest,
        questionnaire_digest: pack.questionnaire.digest,
        rule_digests: pack.rules.into_iter().map(|r| r.digest).collect(),
    })
}

/// Builds the pack from prepared trees: the same [`Pack`](crate::model::Pack) as
/// [`load_pack`](super::load_pack) gives for the files that were prepared. A file without a
/// tree (one that was not prepared) is parsed; a pack that no longer loads still fails with
/// every diagnostic.
pub fn load_prepared(files: &PackFiles, prepared: Prepared) -> Result<Loaded, Vec<Diagnostic>> {
    let mut l = Loader::new(files);
    l.prepared = Some(prepared.trees.into_iter().collect::<HashMap<_, _>>());
    let mut loaded = super::finish(&mut l)?;
    let pack = &mut loaded.pack;
    if pack.rules.len() == prepared.rule_digests.len() {
        pack.digest = prepared.digest;
        pack.questionnaire.digest = prepared.questionnaire_digest;
        for (r, d) in pack.rules.iter_mut().zip(prepared.rule_digests) {
            r.digest = d;
        }
        loaded.warnings.extend(prepared.warnings);
    } else {
        let mut diags = Diagnostics::new(files.root.clone());
        diags.error(
            Loc::UNKNOWN,
            "",
            "预编译的规则包与其文件不符 the prepared pack does not match its files: rebuild hegui",
        );
        return Err(diags.into_vec());
    }
    Ok(loaded)
}

const MAGIC: &[u8; 8] = b"hegui-p1";

impl Prepared {
    /// The compact binary form (read back by [`Prepared::decode`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(MAGIC);
        put_str(&mut w, &self.digest);
        put_str(&mut w, &self.questionnaire_digest);
        put_len(&mut w, self.rule_digests.len());
        for d in &self.rule_digests {
            put_str(&mut w, d);
        }
        put_len(&mut w, self.warnings.len());
        for d in &self.warnings {
            w.push(match d.level {
                Level::Error => 0,
                Level::Warning => 1,
            });
            put_str(&mut w, &d.file);
            put_loc(&mut w, d.loc);
            put_str(&mut w, &d.subject);
            put_str(&mut w, &d.message);
            put_str(&mut w, d.help.as_deref().unwrap_or("\u{0}"));
        }
        put_len(&mut w, self.trees.len());
        for (path, node) in &self.trees {
            put_str(&mut w, path);
            put_node(&mut w, node);
        }
        w
    }

    /// Reads what [`Prepared::encode`] wrote; anything else is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Prepared, String> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a prepared hegui pack (bad magic)".into());
        }
        let digest = r.string()?;
        let questionnaire_digest = r.string()?;
        let n = r.len()?;
        let rule_digests = (0..n).map(|_| r.string()).collect::<Result<_, _>>()?;
        let n = r.len()?;
        let mut warnings = Vec::new();
        for _ in 0..n {
            let [level] = r.array()?;
            let level = match level {
                0 => Level::Error,
                1 => Level::Warning,
                _ => return Err("prepared pack: bad diagnostic level".into()),
            };
            let (file, loc, subject, message) = (r.string()?, r.loc()?, r.string()?, r.string()?);
            let help = Some(r.string()?).filter(|h| h != "\u{0}");
            warnings.push(Diagnostic {
                level,
                file,
                loc,
                subject,
                message,
                help,
            });
        }
        let n = r.len()?;
        let trees = (0..n)
            .map(|_| Ok((r.string()?, r.node(0)?)))
            .collect::<Result<_, String>>()?;
        if r.pos != bytes.len() {
            return Err("prepared pack: trailing bytes".into());
        }
        Ok(Prepared {
            trees,
            warnings,
            digest,
            questionnaire_digest,
            rule_digests,
        })
    }
}

fn put_len(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_str(w: &mut Vec<u8>, s: &str) {
    put_len(w, s.len());
    w.extend_from_slice(s.as_bytes());
}

fn put_loc(w: &mut Vec<u8>, l: Loc) {
    w.extend_from_slice(&l.line.to_le_bytes());
    w.extend_from_slice(&l.col.to_le_bytes());
}

fn put_node(w: &mut Vec<u8>, n: &Node) {
    put_loc(w, n.loc);
    match &n.kind {
        NodeKind::Null => w.push(0),
        NodeKind::Bool(b) => w.extend_from_slice(&[1, u8::from(*b)]),
        NodeKind::Int(i) => {
            w.push(2);
            w.extend_from_slice(&i.to_le_bytes());
        }
        NodeKind::Float(f) => {
            w.push(3);
            w.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        NodeKind::Str(s) => {
            w.push(4);
            put_str(w, s);
        }
        NodeKind::Seq(items) => {
            w.push(5);
            put_len(w, items.len());
            items.iter().for_each(|x| put_node(w, x));
        }
        NodeKind::Map(entries) => {
            w.push(6);
            put_len(w, entries.len());
            for (k, v) in entries {
                put_str(w, &k.name);
                put_loc(w, k.loc);
                put_node(w, v);
            }
        }
    }
}

/// Nesting deeper than this is refused (the YAML reader's own limit is lower).
const MAX_DEPTH: usize = 512;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let slice = end.and_then(|e| self.bytes.get(self.pos..e));
        let slice = slice.ok_or("prepared pack: truncated")?;
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        self.take(N)?
            .try_into()
            .map_err(|_| "prepared pack: truncated".to_string())
    }

    fn len(&mut self) -> Result<usize, String> {
        let n = u64::from_le_bytes(self.array()?);
        // A length can never exceed the bytes left: refuse before allocating.
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.pos.min(self.bytes.len()))
            .ok_or_else(|| "prepared pack: bad length".to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "prepared pack: not UTF-8".to_string())
    }

    fn loc(&mut self) -> Result<Loc, String> {
        Ok(Loc {
            line: u32::from_le_bytes(self.array()?),
            col: u32::from_le_bytes(self.array()?),
        })
    }

    fn node(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err("prepared pack: nested too deeply".into());
        }
        let loc = self.loc()?;
        let [tag] = self.array()?;
        let kind = match tag {
            0 => NodeKind::Null,
            1 => NodeKind::Bool(self.array::<1>()? != [0]),
            2 => NodeKind::Int(i64::from_le_bytes(self.array()?)),
            3 => NodeKind::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
            4 => NodeKind::Str(self.string()?),
            5 => {
                let n = self.len()?;
                NodeKind::Seq(
                    (0..n)
                        .map(|_| self.node(depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            6 => {
                let n = self.len()?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let name = self.string()?;
                    let loc = self.loc()?;
                    entries.push((Key { name, loc }, self.node(depth + 1)?));
                }
                NodeKind::Map(entries)
            }
            _ => return Err(format!("prepared pack: unknown tag {tag}")),
        };
        Ok(Node { kind, loc })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PackFiles {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../rules/hlj-2017-mobile-internet"
        );
        let mut files = PackFiles::from_dir(std::path::Path::new(dir)).unwrap();
        // The pack uses the question library beside the packs' folder.
        files.find_library(std::path::Path::new(dir), &[]).unwrap();
        files
    }

    /// The prepared path gives the very pack the ordinary loader gives (compared as Debug text,
    /// which shows every field, digests and locations included).
    #[test]
    fn prepared_pack_equals_loaded_pack() {
        for dir in ["rules/hlj-2017-mobile-internet", "tests/data/demo"] {
            let path = format!("{}/../../{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut files = PackFiles::from_dir(std::path::Path::new(&path)).unwrap();
            files
                .find_library(std::path::Path::new(&path), &[])
                .unwrap();
            let prepared = prepare(&files).unwrap();
            let bytes = prepared.encode();
            assert_eq!(Prepared::decode(&bytes).unwrap(), prepared);
            let fast = load_prepared(&files, prepared).unwrap();
            let slow = super::super::load_pack(&files).unwrap();
            assert_eq!(
                format!("{:?}", fast.pack),
                format!("{:?}", slow.pack),
                "{dir}"
            );
            assert_eq!(fast.warnings, slow.warnings, "{dir}");
        }
    }

    /// Damaged bytes are an error, never a panic or a huge allocation.
    #[test]
    fn damaged_bytes_are_refused() {
        let bytes = prepare(&shipped()).unwrap().encode();
        for cut in [0, 3, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                Prepared::decode(bytes.get(..cut).unwrap()).is_err(),
                "cut at {cut}"
            );
        }
        let mut huge = bytes.clone();
        huge.get_mut(8..16)
            .unwrap()
            .copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Prepared::decode(&huge).is_err());
        let mut trailing = bytes;
        trailing.push(0);
        assert!(Prepared::decode(&trailing).is_err());
    }

    /// A prepared pack whose files changed since is refused, not silently mixed.
    #[test]
    fn prepared_for_other_files_is_refused() {
        let files = shipped();
        let mut prepared = prepare(&files).unwrap();
        prepared.rule_digests.pop();
        assert!(load_prepared(&files, prepared).is_err());
    }
}
