//! The rule packs shipped with hegui, embedded at build time from the workspace's `rules/`
//! (see `build.rs`), so the binary works from any directory.
//!
//! ```
//! let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap();
//! let loaded = hegui_core::load_pack(&files).unwrap();
//! assert_eq!(loaded.pack.meta.id, hegui_packs::DEFAULT_PACK);
//! ```
#![warn(missing_docs)]

use hegui_core::load::PackFiles;

mod files {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The pack used when none is named.
pub const DEFAULT_PACK: &str = "hlj-2017-mobile-internet";

/// Ids of the embedded packs.
pub fn pack_ids() -> Vec<String> {
    let mut ids: Vec<String> = files::RULES
        .iter()
        .filter_map(|(p, _)| p.split_once('/').map(|(id, _)| id.to_string()))
        .collect();
    ids.dedup();
    ids
}

/// The files of embedded pack `id`.
pub fn pack_files(id: &str) -> Option<PackFiles> {
    let prefix = format!("{id}/");
    let files: Vec<(String, String)> = files::RULES
        .iter()
        .filter_map(|(p, t)| {
            p.strip_prefix(&prefix)
                .map(|rel| (rel.to_string(), (*t).to_string()))
        })
        .collect();
    (!files.is_empty()).then(|| PackFiles {
        root: format!("rules/{id}"),
        files,
    })
}

/// One file of embedded pack `id` (`rel` relative to the pack), without copying the pack.
pub fn pack_file(id: &str, rel: &str) -> Option<&'static str> {
    files::RULES
        .iter()
        .find(|(p, _)| p.strip_prefix(id).and_then(|r| r.strip_prefix('/')) == Some(rel))
        .map(|(_, t)| *t)
}
