#![no_main]
//! Rule-pack loading: the input replaces one file of the shipped pack, chosen by its first byte.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Some(mut files) = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK) else { return };
    let yaml: Vec<usize> = files.files.iter().enumerate().filter(|(_, (p, _))| p.ends_with(".yaml")).map(|(i, _)| i).collect();
    if yaml.is_empty() {
        return;
    }
    let i = yaml[usize::from(which) % yaml.len()];
    files.files[i].1 = text.to_string();
    if let Ok(loaded) = hegui_core::load::load_pack(&files) {
        // A pack that loads must also run its self-tests without panicking.
        let report = hegui_core::selftest::run(&loaded.pack);
        let _ = hegui_core::selftest::render(&report, &loaded.pack);
    }
});
