#![no_main]
//! Facts parsing + validation from arbitrary JSON (including the relocation re-read as YAML).
use libfuzzer_sys::fuzz_target;
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = hegui_core::facts::load_facts("fuzz.json", text, common::pack());
    }
});
