//! The report and questionnaire templates built into the crate (see `build.rs`); a
//! `--templates DIR` overrides them by name.

mod files {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The embedded template `name`.
pub fn template(name: &str) -> Option<&'static str> {
    files::TEMPLATES
        .iter()
        .find(|(p, _)| *p == name)
        .map(|(_, t)| *t)
}

/// Names of all embedded templates.
pub fn template_names() -> Vec<&'static str> {
    files::TEMPLATES.iter().map(|(p, _)| *p).collect()
}
