#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]
//! Properties over generated submissions (issue #7), with proptest:
//!
//! - evaluation is deterministic: the same facts assessed twice give the same JSON bytes;
//! - facts written out (`write::facts_json`, and the YAML/JSON `import` writes) and read back
//!   give the same assessment;
//! - free text of any characters survives the writers;
//! - a batch gives the same summary with 1 and with 2 threads.
//!
//! Submissions come from `synth::facts_value(pack, seed, index)` (valid and varied) for the
//! shipped pack and the demo pack; proptest picks the seeds. Case counts stay modest.

use hegui_batch::{self as batch, BatchOptions, Inputs};
use hegui_core::eval::assess::{AssessOptions, assess};
use hegui_core::facts::{Facts, load_facts};
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::Pack;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

fn shipped() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
        load_pack(&files).unwrap().pack
    })
}

fn demo() -> &'static Pack {
    static P: OnceLock<Pack> = OnceLock::new();
    P.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo");
        load_pack(&PackFiles::from_dir(&dir).unwrap()).unwrap().pack
    })
}

fn pack(which: bool) -> &'static Pack {
    if which { shipped() } else { demo() }
}

fn load(pack: &Pack, name: &str, text: &str) -> Facts {
    match load_facts(name, text, pack) {
        Ok(l) => l.facts,
        Err(d) => panic!(
            "{name} did not load:\n{}\n---\n{}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            &text[..text.len().min(4000)]
        ),
    }
}

fn synth(pack: &Pack, seed: u64, index: u64) -> Facts {
    let v = hegui_batch::synth::facts_value(pack, seed, index);
    load(pack, "synth.json", &serde_json::to_string(&v).unwrap())
}

fn result(pack: &Pack, facts: &Facts, ignore_waivers: bool) -> String {
    hegui_core::result::json(&assess(pack, facts, AssessOptions { ignore_waivers }))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn assessment_is_deterministic(seed: u64, index in 0u64..5000, shipped: bool, ignore: bool) {
        let p = pack(shipped);
        let v = hegui_batch::synth::facts_value(p, seed, index);
        prop_assert_eq!(&v, &hegui_batch::synth::facts_value(p, seed, index));
        let text = serde_json::to_string(&v).unwrap();
        let (a, b) = (load(p, "a.json", &text), load(p, "b.json", &text));
        let first = result(p, &a, ignore);
        prop_assert_eq!(&first, &result(p, &a, ignore));
        prop_assert_eq!(&first, &result(p, &b, ignore));
        // And the batch's fast outcomes agree with the full assessment.
        let full = assess(p, &a, AssessOptions { ignore_waivers: ignore });
        let fast = hegui_core::eval::outcome::outcomes(p, &a, AssessOptions { ignore_waivers: ignore });
        let full: Vec<_> = full.packs[0].findings.iter().map(|f| f.outcome).collect();
        let fast: Vec<_> = fast.iter().map(|o| o.outcome).collect();
        prop_assert_eq!(full, fast);
    }

    #[test]
    fn written_facts_read_back_assess_the_same(seed: u64, index in 0u64..5000, shipped: bool) {
        let p = pack(shipped);
        let facts = synth(p, seed, index);
        let before = result(p, &facts, false);
        // The canonical JSON form.
        let canonical = hegui_core::facts::write::facts_json(p, &facts);
        let again = load(p, "w.json", &serde_json::to_string_pretty(&canonical).unwrap());
        prop_assert_eq!(&before, &result(p, &again, false));
        // Writing is a fixed point.
        prop_assert_eq!(&canonical, &hegui_core::facts::write::facts_json(p, &again));
        // The files `import` and `migrate` write, YAML and JSON.
        for json in [false, true] {
            let text = hegui_office::import::facts_text(p, &facts, json).unwrap();
            let name = if json { "f.json" } else { "f.yaml" };
            let back = load(p, name, &text);
            prop_assert_eq!(&before, &result(p, &back, false), "{}", name);
        }
    }

    #[test]
    fn free_text_survives_the_writers(
        name in "\\PC{1,40}",
        remark in any::<String>(),
        title in "[\\x00-\\x7f]{1,30}",
        seed: u64,
    ) {
        // Text of any characters (controls too) in the organisation name and a remark comes
        // back exactly through the YAML and JSON writers.
        let p = demo();
        let mut v = hegui_batch::synth::facts_value(p, seed, 0);
        prop_assume!(!name.trim().is_empty() && !title.trim().is_empty());
        v["organisation"]["name"] = Value::String(name.clone());
        v["prepared_by"] = serde_json::json!({"name": "x", "title": title.clone()});
        v["answers"]["security.log_months"] =
            serde_json::json!({"value": 3, "remark": remark.clone()});
        let text = serde_json::to_string(&v).unwrap();
        // The loader may refuse some text; it must not panic, and what it accepts must
        // survive. (Rejections are counted: too many fail the test.)
        let loaded = load_facts("t.json", &text, p);
        prop_assume!(loaded.is_ok());
        let facts = loaded.unwrap().facts;
        for json in [false, true] {
            let out = hegui_office::import::facts_text(p, &facts, json).unwrap();
            let back = load(p, if json { "o.json" } else { "o.yaml" }, &out);
            prop_assert_eq!(&back.organisation.name, &facts.organisation.name);
            prop_assert_eq!(
                back.prepared_by.as_ref().and_then(|x| x.title.clone()),
                facts.prepared_by.as_ref().and_then(|x| x.title.clone())
            );
            prop_assert_eq!(result(p, &back, false), result(p, &facts, false));
        }
        prop_assert_eq!(&facts.organisation.name, &name);
        let kept = facts.answers.iter().flatten().filter_map(|a| a.remark.clone()).collect::<Vec<_>>();
        prop_assert!(kept.contains(&remark) || remark.trim().is_empty(), "remark {:?} kept as {:?}", remark, kept);
    }
}

fn run_batch(p: &Pack, inputs: &Inputs, out: &std::path::Path, threads: usize) -> (String, String) {
    let opts = BatchOptions {
        out: out.to_path_buf(),
        reports: None,
        ignore_waivers: false,
        lowest: 5,
        progress: false,
        lang: hegui_core::text::Lang::Zh,
        limits: hegui_core::syntax::node::Limits::default(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        set: None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let summary = pool
        .install(|| batch::run(p, inputs.clone(), &opts))
        .unwrap();
    (
        serde_json::to_string_pretty(&summary).unwrap(),
        batch::csv(&summary),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn batch_is_the_same_with_one_and_two_threads(seed: u64, n in 1u64..60, shipped: bool) {
        let p = pack(shipped);
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..n {
            let f = dir.path().join(format!("{i:03}.json"));
            let mut v = hegui_batch::synth::facts_value(p, seed, i);
            // Every seventh submission broken, so rejections are in the mix.
            if i % 7 == 3 {
                v["assessment_date"] = Value::String("not a date".into());
            }
            std::fs::write(&f, serde_json::to_vec(&v).unwrap()).unwrap();
            files.push(f.to_str().unwrap().to_string());
        }
        let inputs = Inputs::of_files(files).unwrap();
        let one = run_batch(p, &inputs, dir.path(), 1);
        let two = run_batch(p, &inputs, dir.path(), 2);
        prop_assert_eq!(&one.0, &two.0);
        prop_assert_eq!(&one.1, &two.1);
    }
}

proptest! {
    /// `parse_date`'s direct path for `YYYY-MM-DD` accepts and gives exactly what chrono's
    /// `%Y-%m-%d` gives, and `push_iso_date` writes what chrono's `Display` writes.
    #[test]
    fn dates_agree_with_chrono(s in "[0-9+ -]{0,3}[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,3}[ ]{0,2}") {
        let expected = {
            let t = s.trim();
            if t.len() == 10 { chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok() } else { None }
        };
        prop_assert_eq!(hegui_core::model::condition::parse_date(&s), expected);
    }

    /// The same for strings of exactly the direct path's shape (digits in every place, so
    /// month 00, day 32, February 29 of non-leap years and so on all come up).
    #[test]
    fn plain_dates_agree_with_chrono(s in "[0-9]{4}-[0-1][0-9]-[0-3][0-9]") {
        prop_assert_eq!(
            hegui_core::model::condition::parse_date(&s),
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
        );
    }

    #[test]
    fn iso_dates_agree_with_chrono(days in -1_000_000i32..4_000_000) {
        let d = chrono::NaiveDate::from_num_days_from_ce_opt(days).unwrap();
        let mut out = String::new();
        hegui_core::model::condition::push_iso_date(&mut out, d);
        prop_assert_eq!(out, d.to_string());
    }
}
