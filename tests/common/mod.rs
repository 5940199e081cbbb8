//! Shared helpers for the integration tests: the demo pack and facts built from YAML snippets.
#![allow(dead_code)]

use hegui_core::diag::{Diagnostic, Diagnostics};
use hegui_core::eval::assess::{AssessOptions, Assessment, Finding, assess};
use hegui_core::eval::{Env, Truth, truth};
use hegui_core::facts::{Facts, load_facts};
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::condition::{Compiler, Purpose};
use hegui_core::model::{Condition, Pack};
use hegui_core::syntax::node::{Format, parse};
use std::path::Path;
use std::sync::OnceLock;

pub fn demo() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| {
        let files = PackFiles::from_dir(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/demo"
        )))
        .unwrap();
        load_pack(&files).unwrap().pack
    })
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

pub fn doc(answers: &str, date: &str, extra: &str) -> String {
    format!(
        "pack: {{id: demo, version: 1.2.0}}\norganisation: {{name: 测试公司}}\nassessment_date: {date}\n{extra}answers:\n{}",
        indent(answers)
    )
}

/// Facts for the demo pack, dated 2026-03-10.
pub fn facts(answers: &str) -> Facts {
    facts_on(answers, "2026-03-10")
}

pub fn facts_on(answers: &str, date: &str) -> Facts {
    let text = doc(answers, date, "");
    match load_facts("t.yaml", &text, demo()) {
        Ok(f) => f.facts,
        Err(d) => panic!(
            "facts did not load:\n{}\n---\n{text}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Diagnostics (errors and warnings) for a facts document.
pub fn diags(text: &str, name: &str) -> Vec<Diagnostic> {
    match load_facts(name, text, demo()) {
        Ok(f) => f.warnings,
        Err(d) => d,
    }
}

pub fn cond(yaml: &str) -> Condition {
    cond_for(yaml, Purpose::Scoping).unwrap_or_else(|d| panic!("{d:?}"))
}

pub fn cond_for(yaml: &str, purpose: Purpose) -> Result<Condition, Vec<Diagnostic>> {
    let node = parse(yaml, Format::Yaml).unwrap();
    let mut d = Diagnostics::new("cond.yaml");
    let c = Compiler::new(&demo().questionnaire, "rule `t`", purpose, &mut d).compile(&node);
    match c {
        Some(c) if !d.has_errors() => Ok(c),
        _ => Err(d.into_vec()),
    }
}

pub fn truth_of(condition: &str, answers: &str) -> Truth {
    let f = facts(answers);
    truth(&cond(condition), &Env::new(demo(), &f))
}

pub fn assessment(answers: &str) -> Assessment {
    assess(demo(), &facts(answers), AssessOptions::default())
}

pub fn finding(answers: &str, rule: &str) -> Finding {
    assessment(answers)
        .packs
        .remove(0)
        .findings
        .into_iter()
        .find(|f| f.rule_id == rule)
        .unwrap()
}

pub fn messages(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Copies a directory tree (a fixture to edit in a temporary directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A CSV parser (RFC 4180: quotes, doubled quotes, line breaks inside quotes).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// A small deterministic generator (SplitMix64) for the seeded variants of the hostile-input
/// tests: the same seed gives the same cases on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), of the type asked for.
    pub fn below<N>(&mut self, n: N) -> N
    where
        N: TryInto<u64> + TryFrom<u64>,
        <N as TryInto<u64>>::Error: std::fmt::Debug,
        <N as TryFrom<u64>>::Error: std::fmt::Debug,
    {
        let n: u64 = n.try_into().unwrap();
        N::try_from(self.next() % n).unwrap()
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
