//! The batch's fast facts reader accepts only plainly valid files, and for every file it accepts
//! gives exactly what `load_facts` gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use hegui_batch::synth::{SynthFormat, facts_text};
use hegui_core::facts::fast::decode;
use hegui_core::facts::load_facts;
use hegui_core::load::{PackFiles, load_pack};
use hegui_core::model::Pack;
use hegui_core::syntax::node::{Format, Limits};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> Pack {
    load_pack(&hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap())
        .unwrap()
        .pack
}

fn demo() -> Pack {
    load_pack(&PackFiles::from_dir(&root().join("tests/data/demo")).unwrap())
        .unwrap()
        .pack
}

/// Both readers on one text: if the fast one accepts, it must agree with `load_facts`.
/// Returns whether the fast reader accepted.
fn agree(name: &str, text: &str, pack: &Pack) -> bool {
    let format = Format::from_path(name);
    let slow = load_facts(name, text, pack);
    match decode(text, format, pack, &Limits::default()) {
        Some(fast) => {
            let slow = slow
                .unwrap_or_else(|d| panic!("{name}: fast accepted what load_facts refuses: {d:?}"));
            assert_eq!(fast.facts, slow.facts, "{name}");
            assert_eq!(fast.warnings.len(), slow.warnings.len(), "{name}: warnings");
            true
        }
        None => false,
    }
}

/// Neither reader accepts `text` (named `name`, whose extension gives the format).
fn assert_refused_by_both(name: &str, text: &str, pack: &Pack) {
    assert!(
        decode(text, Format::from_path(name), pack, &Limits::default()).is_none(),
        "fast path took {text}"
    );
    assert!(
        load_facts(name, text, pack).is_err(),
        "load_facts should refuse {text}"
    );
}

#[test]
fn fixtures_agree_in_yaml_and_json() {
    let pack = shipped();
    for e in std::fs::read_dir(root().join("fixtures/companies")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.to_string_lossy().to_string();
        agree(&name, &text, &pack);
        let facts = load_facts(&name, &text, &pack).unwrap().facts;
        let json =
            serde_json::to_string_pretty(&hegui_core::facts::write::facts_json(&pack, &facts))
                .unwrap();
        agree("x.json", &json, &pack);
    }
}

#[test]
fn synthetic_submissions_agree_and_take_the_fast_path() {
    let pack = shipped();
    let mut fast = 0;
    for i in 0..300 {
        for (format, name) in [(SynthFormat::Json, "s.json"), (SynthFormat::Yaml, "s.yaml")] {
            let text = facts_text(&pack, 7, i, format);
            if agree(name, &text, &pack) {
                fast += 1;
            }
        }
    }
    assert!(
        fast >= 550,
        "most synthetic files are plainly valid, but only {fast} of 600 took the fast path"
    );
}

#[test]
fn anything_not_plainly_valid_falls_back() {
    let pack = demo();
    let doc = |answers: &str| {
        format!(
            "pack: {{id: demo, version: 1.2.0}}\norganisation: {{name: 测试}}\nassessment_date: 2026-03-10\nanswers:\n{answers}"
        )
    };
    let refused = [
        "  scope.heilongjiang: yes\n",
        "  scope.heilongjiang: 1\n",
        "  scope.channels: [ap]\n",
        "  scope.channels: [app, none]\n",
        "  scope.channels: [app, app]\n",
        "  scope.channels: [true]\n",
        "  scope.user_band: [under_1m]\n",
        "  security.log_months: 121\n",
        "  security.log_months: six\n",
        "  security.last_inspection: 2026-03-11\n",
        "  security.last_inspection: 2026-3-1\n",
        // Approximate dates coarser than allowed, or a month/year after the assessment date.
        "  features:\n    - {name: A, launch_date: \"2025\"}\n",
        "  features:\n    - {name: A, assessment_date: 2025-08}\n",
        "  security.last_inspection: 2026-04\n",
        "  security.last_inspection: \"2027\"\n",
        "  security.last_inspection: 2025-13\n",
        "  org.contact_note: 1.50\n",
        "  unknown.question: 1\n",
        "  \"apps[*].filed\": true\n",
        "  apps:\n    - {name: A, fild: true}\n",
        "  apps: {name: A}\n",
    ];
    for answers in refused {
        assert_refused_by_both("t.yaml", &doc(answers), &pack);
    }
    // Valid, but left to load_facts: the long form and blank items.
    for answers in [
        "  security.log_months: {value: 6, remark: 说明}\n",
        "  apps:\n    - {name: A, has_accounts: true}\n    - {name: null}\n",
    ] {
        let text = doc(answers);
        assert!(decode(&text, Format::Yaml, &pack, &Limits::default()).is_none());
        assert!(load_facts("t.yaml", &text, &pack).is_ok());
    }
    // Header problems and duplicates.
    for text in [
        "pack: {id: demo, version: 1.2.0}\norganisation: {name: 123}\nassessment_date: 2026-03-10\n".to_string(),
        "pack: {id: other, version: 1.2.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\n".to_string(),
        "pack: {id: demo, version: 1.2.0}\norganisation: {name: x, credit_code: 91230103MA1AB2CD3P}\nassessment_date: 2026-03-10\n".to_string(),
        "pack: {id: demo, version: 1.2.0}\norganisation: {name: x}\nassessment_date: 2026-03-10\nextra: 1\n".to_string(),
        "{\"pack\": {\"id\": \"demo\", \"version\": \"1.2.0\"}, \"organisation\": {\"name\": \"x\"}, \"assessment_date\": \"2026-03-10\", \"answers\": {\"security.log_months\": 6, \"security.log_months\": 7}}".to_string(),
    ] {
        let format = if text.starts_with('{') { Format::Json } else { Format::Yaml };
        assert!(decode(&text, format, &pack, &Limits::default()).is_none(), "{text}");
    }
}

#[test]
fn plain_valid_files_agree_including_hidden_answer_warnings() {
    let pack = demo();
    let text = "pack: {id: demo, version: 1.2.0}\norganisation: {name: 测试}\nassessment_date: 2026-03-10\nanswers:\n  scope.functions: [none]\n  real_name.required: true\n  scope.channels: [app]\n  apps:\n    - {name: 主App, has_accounts: true, filed: true, filing_number: \"0755\"}\n    - {has_accounts: 否}\n  security.log_months: \"12\"\n  security.budget_share: 2\n  real_name.methods: 不清楚\n";
    assert!(
        agree("t.yaml", text, &pack),
        "a plainly valid file takes the fast path"
    );
    let fast = decode(text, Format::Yaml, &pack, &Limits::default()).unwrap();
    assert_eq!(
        fast.warnings.len(),
        1,
        "the hidden answer is still warned about: {:?}",
        fast.warnings
    );
}

/// A JSON facts file for the demo pack with `header` (JSON object members) and a few answers.
fn json_doc(header: &str) -> String {
    format!(
        "{{{header}, \"answers\": {{\"scope.heilongjiang\": true, \"real_name.required\": true}}}}"
    )
}

const PACK: &str = "\"pack\": {\"id\": \"demo\", \"version\": \"1.2.0\"}";
const DATE: &str = "\"assessment_date\": \"2026-03-10\"";

/// The JSON header is decoded straight into its types: it must accept exactly the headers
/// `load_facts` accepts, with the same facts and the same warnings.
#[test]
fn json_headers_agree_with_load_facts() {
    let pack = demo();
    let accepted = [
        format!("{PACK}, \"organisation\": {{\"name\": \"测试\"}}, {DATE}"),
        // an empty name is a warning, not an error
        format!("{PACK}, \"organisation\": {{\"name\": \" \"}}, {DATE}"),
        // codes written as numbers, people, contact, nulls
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\", \"region_code\": 230103, \"credit_code\": \"91230108MA1HJ7L27J\", \"industry\": \"软件\", \"contact\": {{\"name\": \"王\", \"phone\": 13800000000}}}}, {DATE}, \"prepared_by\": {{\"name\": \"李\", \"title\": \"合规\"}}, \"responsible_person\": null, \"waivers\": null"
        ),
        format!(
            "{DATE}, \"waivers\": [{{\"rule\": \"demo.real-name\", \"justification\": \"迁移中\", \"approved_by\": \"张\", \"expires\": \"2026-12-31\"}}], \"organisation\": {{\"name\": \"x\"}}, {PACK}"
        ),
    ];
    for header in &accepted {
        let text = json_doc(header);
        assert!(
            load_facts("t.json", &text, &pack).is_ok(),
            "load_facts accepts {header}"
        );
        assert!(
            agree("t.json", &text, &pack),
            "a plainly valid header falls back: {header}"
        );
    }
    let empty_name = decode(
        &json_doc(&accepted[1]),
        Format::Json,
        &pack,
        &Limits::default(),
    );
    assert_eq!(
        empty_name.unwrap().warnings.len(),
        1,
        "the empty name is warned about"
    );
    let refused = [
        format!(
            "\"pack\": {{\"id\": \"other\", \"version\": \"1.2.0\"}}, \"organisation\": {{\"name\": \"x\"}}, {DATE}"
        ),
        format!(
            "\"pack\": {{\"id\": \"demo\", \"version\": 1.2}}, \"organisation\": {{\"name\": \"x\"}}, {DATE}"
        ),
        format!("\"pack\": null, \"organisation\": {{\"name\": \"x\"}}, {DATE}"),
        format!("{PACK}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}"),
        format!("{PACK}, \"organisation\": {{\"name\": 123}}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\", \"nmae\": \"y\"}}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\", \"name\": \"y\"}}, {DATE}"),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\", \"credit_code\": \"91230103MA1AB2CD3P\"}}, {DATE}"
        ),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\", \"credit_code\": 912301031}}, {DATE}"
        ),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\", \"region_code\": \"2301\"}}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\", \"region_code\": 230103.5}}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}, \"assessment_date\": 20260310"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}, \"assessment_date\": \"2026-3-1\""),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, \"assessment_date\": \"2026-02-30\""
        ),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, {DATE}"),
        format!("{PACK}, {PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}"),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"extra\": 1"),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"prepared_by\": {{\"title\": \"无名\"}}"
        ),
        format!("{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"waivers\": {{}}"),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"waivers\": [{{\"rule\": \"demo.nope\", \"justification\": \"j\", \"approved_by\": \"a\", \"expires\": \"2026-12-31\"}}]"
        ),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"waivers\": [{{\"rule\": \"demo.real-name\", \"justification\": \" \", \"approved_by\": \"a\", \"expires\": \"2026-12-31\"}}]"
        ),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"waivers\": [{{\"rule\": \"demo.real-name\", \"justification\": \"j\", \"approved_by\": \"a\", \"expires\": \"2026-12-31\"}}, {{\"rule\": \"demo.real-name\", \"justification\": \"k\", \"approved_by\": \"b\", \"expires\": \"2026-12-31\"}}]"
        ),
        format!(
            "{PACK}, \"organisation\": {{\"name\": \"x\"}}, {DATE}, \"waivers\": [{{\"rule\": \"demo.real-name\", \"justification\": \"j\", \"approved_by\": \"a\", \"expires\": \"next year\"}}]"
        ),
    ];
    for header in &refused {
        assert_refused_by_both("t.json", &json_doc(header), &pack);
    }
    // A header text over the string limit is left to load_facts, which reports it.
    let long = json_doc(&format!(
        "{PACK}, \"organisation\": {{\"name\": \"{}\"}}, {DATE}",
        "长".repeat(40)
    ));
    let limits = Limits {
        max_string_bytes: 100,
        ..Limits::default()
    };
    assert!(decode(&long, Format::Json, &pack, &Limits::default()).is_some());
    assert!(decode(&long, Format::Json, &pack, &limits).is_none());
}

#[test]
fn approximate_dates_take_the_fast_path_and_agree() {
    let pack = demo();
    for answers in [
        "  security.last_inspection: 2025-09\n",
        "  security.last_inspection: \"2025\"\n",
        "  security.last_inspection: 2026-03\n",
        "  features:\n    - {name: A, launch_date: 2025-09, assessment_date: 2025-08-20}\n",
        "  features:\n    - {name: A, launch_date: 2025-09-03}\n",
    ] {
        let text = format!(
            "pack: {{id: demo, version: 1.2.0}}\norganisation: {{name: 测试}}\nassessment_date: 2026-03-10\nanswers:\n{answers}"
        );
        assert!(agree("t.yaml", &text, &pack), "fast path for {answers}");
        let json = serde_json::to_string(&hegui_core::facts::write::facts_json(
            &pack,
            &load_facts("t.yaml", &text, &pack).unwrap().facts,
        ))
        .unwrap();
        assert!(agree("t.json", &json, &pack), "fast path for {json}");
    }
    // A year written as a YAML number is valid but left to load_facts.
    let text = "pack: {id: demo, version: 1.2.0}\norganisation: {name: 测试}\nassessment_date: 2026-03-10\nanswers:\n  security.last_inspection: 2025\n";
    assert!(!agree("t.yaml", text, &pack));
    assert!(load_facts("t.yaml", text, &pack).is_ok());
}
