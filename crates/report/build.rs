//! Embeds the report and questionnaire templates (the workspace's `templates/`) in the crate, so
//! `hegui` works from any directory. Generates `$OUT_DIR/templates.rs`.

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
    // The workspace root: `templates/` stays where template authors expect it.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let mut code = String::new();
    for (name, dir) in [("TEMPLATES", "templates")] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
        let mut files = Vec::new();
        collect(&root.join(dir), &root.join(dir), &mut files);
        let _ = writeln!(code, "/// Files under `{dir}/`: (relative path, contents).");
        let _ = writeln!(code, "pub static {name}: &[(&str, &str)] = &[");
        for f in files {
            let rel = f.to_string_lossy().replace('\\', "/");
            let abs = root.join(dir).join(&f);
            let _ = writeln!(
                code,
                "    ({rel:?}, include_str!({:?})),",
                abs.to_string_lossy()
            );
        }
        let _ = writeln!(code, "];");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("templates.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
