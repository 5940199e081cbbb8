//! Compiles the shipped rule packs (the workspace's `rules/`) into the crate at build time.
//!
//! Each pack is loaded with every check hegui makes (`hegui_core::load::prepared::prepare`):
//! a pack with an error fails the build, with every problem printed by file, line and column.
//! Its parsed files and digests are written to `$OUT_DIR/<id>.prepared`, so the binary builds
//! the pack at start-up without parsing YAML, hashing files or re-running the checks. The
//! files themselves are embedded too (`$OUT_DIR/embedded.rs`): sources, self-tests and
//! `--version` read them.

use hegui_core::load::PackFiles;
use hegui_core::load::prepared::prepare;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect(&p, root, out);
        } else if p.is_file() {
            out.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
        }
    }
}

fn main() {
    // The workspace root: `rules/` stays where pack authors expect it.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let rules = root.join("rules");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut files = Vec::new();
    collect(&rules, &rules, &mut files);
    let mut code = String::new();
    let _ = writeln!(code, "/// Files under `rules/`: (relative path, contents).");
    let _ = writeln!(code, "pub static RULES: &[(&str, &str)] = &[");
    for f in &files {
        let rel = f.to_string_lossy().replace('\\', "/");
        let abs = rules.join(f);
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    let _ = writeln!(code, "];");

    let mut ids: Vec<String> = files
        .iter()
        .filter_map(|f| f.components().next())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    ids.dedup();
    let _ = writeln!(
        code,
        "/// Each pack prepared at build time: (id, prepared bytes)."
    );
    let _ = writeln!(code, "pub static PREPARED: &[(&str, &[u8])] = &[");
    let mut failed = false;
    for id in &ids {
        let mut pack = match PackFiles::from_dir(&rules.join(id)) {
            Ok(p) => p,
            Err(d) => {
                eprintln!("rules/{id}: {}", d.message);
                failed = true;
                continue;
            }
        };
        pack.root = format!("rules/{id}");
        match prepare(&pack) {
            Ok(prepared) => {
                let path = out_dir.join(format!("{id}.prepared"));
                if let Err(e) = std::fs::write(&path, prepared.encode()) {
                    eprintln!("cannot write {}: {e}", path.display());
                    failed = true;
                }
                let _ = writeln!(
                    code,
                    "    ({id:?}, include_bytes!({:?})),",
                    path.to_string_lossy()
                );
            }
            Err(diags) => {
                eprintln!("规则包 {id} 无法加载 the pack `{id}` does not load:");
                for d in diags {
                    eprintln!(
                        "{}:{}:{}: {:?}: {}{}{}",
                        d.file,
                        d.loc.line,
                        d.loc.col,
                        d.level,
                        if d.subject.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", d.subject)
                        },
                        d.message,
                        d.help.map(|h| format!(" (help: {h})")).unwrap_or_default()
                    );
                }
                failed = true;
            }
        }
    }
    let _ = writeln!(code, "];");
    let out = out_dir.join("embedded.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("cannot write {}: {e}", out.display());
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}
