#![no_main]
//! Evaluation + rendering of arbitrary answers: every facts file that validates is assessed and
//! rendered to JSON and to every report template, in every language.
use libfuzzer_sys::fuzz_target;
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pack = common::pack();
    let name = if text.trim_start().starts_with('{') { "f.json" } else { "f.yaml" };
    let Ok(loaded) = hegui_core::facts::load_facts(name, text, pack) else { return };
    for ignore_waivers in [false, true] {
        let a = hegui_core::eval::assess::assess(pack, &loaded.facts, hegui_core::eval::assess::AssessOptions { ignore_waivers });
        let json = hegui_core::result::json(&a);
        assert!(serde_json_roundtrip(&json), "the JSON result must parse");
        for lang in [hegui_core::text::Lang::Zh, hegui_core::text::Lang::En, hegui_core::text::Lang::Both] {
            let env = hegui_report::render::environment(lang, None);
            for t in hegui_report::templates::template_names() {
                if t.starts_with("report.") && t.ends_with(".j2") {
                    let _ = hegui_report::render::report(&env, t, &a, pack, lang, &hegui_report::render::ReportOptions::default());
                }
            }
        }
    }
});

fn serde_json_roundtrip(s: &str) -> bool {
    s.starts_with('{') && s.ends_with("}\n")
}
