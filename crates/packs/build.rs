//! Compiles the shipped rule packs (the workspace's `rules/`) into the crate at build time.
//!
//! Each pack is loaded with every check hegui makes (`hegui_core::load::prepared::prepare`):
//! a pack with an error fails the build, with every problem printed by file, line and column.
//! Its parsed files and digests are written to `$OUT_DIR/<id>.prepared`, so the binary builds
//! the pack at start-up without parsing YAML, hashing files or re-running the checks. The
//! files themselves are embedded too (`$OUT_DIR/embedded.rs`): sources, self-tests and
//! `--version` read them.

#[path = "../embed_files.rs"]
mod embed_files;

use hegui_core::load::PackFiles;
use hegui_core::load::prepared::prepare;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    // The workspace root: `rules/` stays where pack authors expect it.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let rules = root.join("rules");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut files = Vec::new();
    embed_files::collect(&rules, &rules, &mut files);
    let mut code = String::new();
    embed_files::table(&mut code, "RULES", &rules, &files);
    // The question libraries packs use by id (`library/<id>/`), embedded beside them.
    let library = root.join("library");
    println!("cargo:rerun-if-changed={}", library.display());
    let mut lib_files = Vec::new();
    embed_files::collect(&library, &library, &mut lib_files);
    embed_files::table(&mut code, "LIBRARY", &library, &lib_files);

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
        if let Some((lib, _)) = pack.library_wanted() {
            let dir = library.join(&lib);
            if let Err(d) = pack.attach_library_dir(&lib, &dir) {
                eprintln!("library/{lib}: {}", d.message);
                failed = true;
                continue;
            }
        }
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
