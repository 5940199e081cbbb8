//! Embeds the report and questionnaire templates (the workspace's `templates/`) in the crate, so
//! `hegui` works from any directory. Generates `$OUT_DIR/templates.rs`.

#[path = "../embed_files.rs"]
mod embed_files;

use std::path::PathBuf;

fn main() {
    // The workspace root: `templates/` stays where template authors expect it.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let dir = root.join("templates");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    embed_files::collect(&dir, &dir, &mut files);
    let mut code = String::new();
    embed_files::table(&mut code, "TEMPLATES", &dir, &files);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("templates.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
