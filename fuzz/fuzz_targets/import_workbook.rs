#![no_main]
//! Workbook import from arbitrary bytes (xlsx, ods, xls, anything): never a panic, never a
//! hang, and — run under `-rss_limit_mb`/`-malloc_limit_mb` — never a memory bomb.
use libfuzzer_sys::fuzz_target;
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = hegui_office::import::import_workbook("fuzz.xlsx", data, common::pack());
});
