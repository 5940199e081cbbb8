//! Shared by the build scripts of `hegui-packs` and `hegui-report` (`#[path]`-included): the
//! files of a workspace folder, and the Rust source of a static table embedding them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The files below `dir` (hidden ones skipped), relative to `root`, in sorted order.
pub fn collect(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
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

/// `pub static NAME: &[(&str, &str)]`: each file of `dir` (relative to it) with its contents.
pub fn table(code: &mut String, name: &str, dir: &Path, files: &[PathBuf]) {
    let _ = writeln!(
        code,
        "/// Files under `{}`: (relative path, contents).",
        dir.display()
    );
    let _ = writeln!(code, "pub static {name}: &[(&str, &str)] = &[");
    for f in files {
        let rel = f.to_string_lossy().replace('\\', "/");
        let abs = dir.join(f);
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        );
    }
    let _ = writeln!(code, "];");
}
