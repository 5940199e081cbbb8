//! The batch benchmark (docs/PERFORMANCE.md). Not a test: it prints numbers, asserts nothing.
//!
//! ```sh
//! cargo run --release --example bench -- DIR            # DIR: files made by `hegui synth`
//! cargo run --release --example bench -- DIR target/release/hegui   # and end to end, paired
//! ```
//!
//! Over every facts file in DIR (warm page cache; run it twice), it times, on all cores:
//! 1. read only; 2. read + parse with the raw parser into a generic value (serde_json::Value,
//!    or serde-saphyr into serde_json::Value): the *parsing limit*; 3. read + parse into hegui's
//!    located tree (`node::parse`); 4. read + `load_facts` (parse, decode, validate);
//!    5. the whole batch (`batch::run`, no output written) and 6. writing the outputs.
//!    Then, on one thread over up to 5,000 loaded submissions: whole-pack evaluation
//!    (`outcome::outcomes`, the batch's path) and the full `assess` with explanations, per
//!    submission.
//!
//! Given the path of a `hegui` binary as well, it then runs `hegui batch DIR --out TMP` end to
//! end (process start, listing, all four outputs) five times, each run right after a parsing
//! limit run, and prints each pair's ratio and the median: pairs taken back to back are less
//! affected by this machine's drift than runs minutes apart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark"
)]

use hegui_batch::{self as batch, BatchOptions};
use hegui_core::eval::assess::{AssessOptions, assess};
use hegui_core::facts::load_facts;
use rayon::prelude::*;
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bench DIR [HEGUI]");
    let binary = std::env::args().nth(2);
    let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
    let pack = hegui_core::load::load_pack(&files).unwrap().pack;
    let inputs = batch::expand_inputs(std::slice::from_ref(&dir)).unwrap();
    // The measurements before the batch's own need the paths at hand.
    let paths = inputs.files.to_vec().unwrap();
    let n = paths.len();
    assert!(n > 0, "no facts files in {dir}");
    let json = paths[0].ends_with(".json");
    println!(
        "{n} files ({}), {} threads",
        if json { "JSON" } else { "YAML" },
        rayon::current_num_threads()
    );
    let bytes: u64 = paths
        .par_iter()
        .map(|p| std::fs::read(p).unwrap().len() as u64)
        .sum();
    println!(
        "{:.1} MB, {} bytes per file",
        bytes as f64 / 1e6,
        bytes / n as u64
    );

    let time = |label: &str, f: &dyn Fn()| -> f64 {
        let t = Instant::now();
        f();
        let s = t.elapsed().as_secs_f64();
        println!(
            "{label:<44} {s:8.3} s  {:9.0} files/s  {:7.1} µs/file",
            n as f64 / s,
            s * 1e6 / n as f64
        );
        s
    };
    time("read", &|| {
        paths.par_iter().for_each(|p| {
            std::hint::black_box(std::fs::read_to_string(p).unwrap());
        });
    });
    let parse = || {
        paths.par_iter().for_each(|p| {
            let t = std::fs::read_to_string(p).unwrap();
            let v: serde_json::Value = if json {
                serde_json::from_str(&t).unwrap()
            } else {
                serde_saphyr::from_str(&t).unwrap()
            };
            std::hint::black_box(v);
        });
    };
    let limit = time("read + parse (raw parser → generic value)", &parse);
    time("read + parse (hegui located tree)", &|| {
        paths.par_iter().for_each(|p| {
            let t = std::fs::read_to_string(p).unwrap();
            let f = hegui_core::syntax::node::Format::from_path(p);
            std::hint::black_box(hegui_core::syntax::node::parse(&t, f).unwrap());
        });
    });
    time("read + load_facts (parse, decode, validate)", &|| {
        paths.par_iter().for_each(|p| {
            let t = std::fs::read_to_string(p).unwrap();
            std::hint::black_box(load_facts(p, &t, &pack).is_ok());
        });
    });
    let out = std::env::temp_dir().join(format!("hegui-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let opts = BatchOptions {
        out: out.clone(),
        reports: None,
        ignore_waivers: false,
        lowest: 20,
        progress: false,
        lang: hegui_core::text::Lang::Zh,
        limits: Default::default(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        set: None,
    };
    let summary = std::cell::RefCell::new(None);
    let whole = time("batch::run (load, evaluate, summarise)", &|| {
        *summary.borrow_mut() = Some(batch::run(&pack, inputs.clone(), &opts).unwrap());
    });
    let summary = summary.into_inner().unwrap();
    let t = Instant::now();
    batch::write_all(&summary, &out, hegui_core::text::Lang::Zh).unwrap();
    let write = t.elapsed().as_secs_f64();
    println!("write summary.json/csv/xlsx + overview.html   {write:8.3} s");
    println!(
        "ratio batch::run / parsing limit: {:.2}×; with writing: {:.2}×",
        whole / limit,
        (whole + write) / limit
    );
    let _ = std::fs::remove_dir_all(&out);

    // One thread, facts in memory.
    let sample: Vec<_> = paths
        .iter()
        .take(5000)
        .filter_map(|p| {
            let t = std::fs::read_to_string(p).unwrap();
            load_facts(p, &t, &pack).ok().map(|l| l.facts)
        })
        .collect();
    let m = sample.len();
    let reps = 5;
    let opts = AssessOptions::default();
    let t = Instant::now();
    for _ in 0..reps {
        for f in &sample {
            std::hint::black_box(hegui_core::eval::outcome::outcomes(&pack, f, opts));
        }
    }
    let eval = t.elapsed().as_secs_f64() / (reps * m) as f64;
    let t = Instant::now();
    for f in &sample {
        std::hint::black_box(assess(&pack, f, opts));
    }
    let full = t.elapsed().as_secs_f64() / m as f64;
    println!(
        "one thread, {m} submissions, {} rules: outcome::outcomes {:.2} µs/submission; full assess {:.1} µs/submission",
        pack.rules.len(),
        eval * 1e6,
        full * 1e6
    );

    let Some(binary) = binary else { return };
    let out = std::env::temp_dir().join(format!("hegui-bench-e2e-{}", std::process::id()));
    let mut ratios = Vec::new();
    for round in 1..=5 {
        let t = Instant::now();
        parse();
        let limit = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let status = std::process::Command::new(&binary)
            .args(["--quiet", "batch", &dir, "--out"])
            .arg(&out)
            .status()
            .unwrap();
        let e2e = t.elapsed().as_secs_f64();
        assert!(status.success(), "{binary} batch failed: {status}");
        println!(
            "round {round}: parsing limit {limit:.3} s, hegui batch end to end {e2e:.3} s: {:.2}×",
            e2e / limit
        );
        ratios.push(e2e / limit);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "end to end / parsing limit, paired: median {:.2}× (range {:.2}–{:.2}×)",
        ratios[2], ratios[0], ratios[4]
    );
    let _ = std::fs::remove_dir_all(&out);
}
