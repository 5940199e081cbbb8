#![no_main]
//! Facts parsing + validation from arbitrary YAML: never a panic, never a hang.
use libfuzzer_sys::fuzz_target;
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = hegui_core::facts::load_facts("fuzz.yaml", text, common::pack());
    }
});
