//! The layout's promises (ARCHITECTURE.md), checked from the source text: inside every crate,
//! the top-level modules form no import circle, and a lower layer never names an upper one;
//! the core crate's public surface stays small.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each crate's top-level modules, lowest layer first (ARCHITECTURE.md, "Layers").
const LAYERS: &[(&str, &[&str])] = &[
    (
        "crates/core/src",
        &[
            "diag", "text", "io", "syntax", "model", "answers", "eval", "facts", "load", "result",
            "schema", "selftest",
        ],
    ),
    ("crates/packs/src", &[]),
    (
        "crates/report/src",
        &["templates", "render", "show", "questionnaire", "diff"],
    ),
    ("crates/office/src", &["xlsx", "import"]),
    (
        "crates/word/src",
        &["canon", "reference", "package", "brand", "document"],
    ),
    (
        "crates/batch/src",
        &[
            "spill", "guard", "synth", "summary", "write", "xlsx", "outputs",
        ],
    ),
    (
        "crates/campaign/src",
        &[
            "store", "roster", "packs", "keys", "collect", "status", "invite", "output", "rounds",
            "notices",
        ],
    ),
    ("src", &["cli"]),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments (doc links may point anywhere) and without its test
/// module (tests may reach anywhere in their crate).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level module of a file in `src` (`eval/assess.rs` → `eval`); `None` for the crate root.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// `module → modules it names`, from `crate::x` paths and `super::` paths that climb to the
/// crate root.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let Some(m) = module_of(src, &f) else {
            continue;
        };
        let depth = f.strip_prefix(src).unwrap().components().count()
            - usize::from(f.file_name().is_some_and(|n| n == "mod.rs"));
        let text = code(&f);
        let deps = g.entry(m.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `hegui_crate::`, not `crate::`
            }
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != m {
                deps.insert(name);
            }
        }
        // `super::super::x` in a file `depth` levels down names top-level `x` when it climbs
        // to the root.
        let climb = "super::".repeat(depth);
        if depth >= 1 {
            for (i, _) in text.match_indices(&climb) {
                let rest = &text[i + climb.len()..];
                if rest.starts_with("super::") {
                    continue;
                }
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != m {
                    deps.insert(name);
                }
            }
        }
    }
    g
}

fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_circles_and_layers_point_down() {
    for (dir, layers) in LAYERS {
        let src = root().join(dir);
        let g = graph(&src);
        if let Some(c) = cycle(&g) {
            panic!("{dir}: import circle {}", c.join(" → "));
        }
        for (m, deps) in &g {
            let Some(mine) = layers.iter().position(|l| l == m) else {
                panic!(
                    "{dir}: module `{m}` is in no layer of tests/architecture.rs (and ARCHITECTURE.md)"
                );
            };
            for d in deps {
                if let Some(theirs) = layers.iter().position(|l| l == d) {
                    assert!(
                        theirs < mine,
                        "{dir}: `{m}` (layer {mine}) names `{d}` (layer {theirs}), an upper layer"
                    );
                }
            }
        }
    }
}

/// The checker itself: a planted circle and an upward name are found.
#[test]
fn the_checker_finds_circles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("low")).unwrap();
    std::fs::write(dir.path().join("high.rs"), "use crate::low::x;\n").unwrap();
    std::fs::write(
        dir.path().join("low/inner.rs"),
        "fn f() { super::super::high::y(); }\n#[cfg(test)]\nmod tests { use crate::tests_only; }\n",
    )
    .unwrap();
    let g = graph(dir.path());
    assert_eq!(g["high"], BTreeSet::from(["low".to_string()]));
    assert_eq!(g["low"], BTreeSet::from(["high".to_string()]));
    assert!(cycle(&g).is_some());
}

/// The core crate's public surface: at most 15 public modules, documented, no glob
/// re-exports, no hidden public items, and none of the crates it must not depend on.
#[test]
fn core_public_surface_is_small() {
    let lib = std::fs::read_to_string(root().join("crates/core/src/lib.rs")).unwrap();
    let public: Vec<&str> = lib.lines().filter(|l| l.starts_with("pub mod ")).collect();
    assert!(public.len() <= 15, "{} public modules", public.len());
    assert!(lib.contains("#![warn(missing_docs)]"));
    let mut files = Vec::new();
    rust_files(&root().join("crates/core/src"), &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            !text.contains("doc(hidden)"),
            "{}: no hidden back doors",
            f.display()
        );
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("pub use") && l.contains("::*")),
            "{}: no glob re-exports",
            f.display()
        );
    }
    let manifest = std::fs::read_to_string(root().join("crates/core/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for banned in [
        "clap",
        "indicatif",
        "calamine",
        "rust_xlsxwriter",
        "zip",
        "rayon",
        "minijinja",
        "rusqlite",
        "sqlite",
        "docx",
    ] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(banned)),
            "hegui-core must not depend on {banned}"
        );
    }
}
