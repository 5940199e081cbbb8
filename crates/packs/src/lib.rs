//! The rule packs shipped with hegui, compiled into the crate at build time from the
//! workspace's `rules/` (see `build.rs`): each pack was loaded with every check when the crate
//! was built (a pack with an error does not build), and [`load`] builds it from the parsed
//! files without parsing or checking it again. The files are embedded too ([`pack_files`]).
//!
//! ```
//! let loaded = hegui_packs::load(hegui_packs::DEFAULT_PACK).unwrap().unwrap();
//! assert_eq!(loaded.pack.meta.id, hegui_packs::DEFAULT_PACK);
//! ```
#![warn(missing_docs)]

use hegui_core::Diagnostic;
use hegui_core::load::prepared::{Prepared, load_prepared};
use hegui_core::load::{Loaded, PackFiles};

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

/// The files of embedded pack `id`, with the question library it uses (under `@library/`).
pub fn pack_files(id: &str) -> Option<PackFiles> {
    let prefix = format!("{id}/");
    let files: Vec<(String, String)> = files::RULES
        .iter()
        .filter_map(|(p, t)| {
            p.strip_prefix(&prefix)
                .map(|rel| (rel.to_string(), (*t).to_string()))
        })
        .collect();
    if files.is_empty() {
        return None;
    }
    let mut pack = PackFiles {
        root: format!("rules/{id}"),
        files,
    };
    if let Some((lib, _)) = pack.library_wanted()
        && let Some(lib_files) = library_files(&lib)
    {
        pack.attach_library(&lib, lib_files);
    }
    Some(pack)
}

/// Ids of the embedded question libraries (`library/<id>/`).
pub fn library_ids() -> Vec<String> {
    let mut ids: Vec<String> = files::LIBRARY
        .iter()
        .filter_map(|(p, _)| p.split_once('/').map(|(id, _)| id.to_string()))
        .collect();
    ids.dedup();
    ids
}

/// The files of embedded question library `id` (paths relative to its directory).
pub fn library_files(id: &str) -> Option<Vec<(String, String)>> {
    let prefix = format!("{id}/");
    let files: Vec<(String, String)> = files::LIBRARY
        .iter()
        .filter_map(|(p, t)| {
            p.strip_prefix(&prefix)
                .map(|rel| (rel.to_string(), (*t).to_string()))
        })
        .collect();
    (!files.is_empty()).then_some(files)
}

/// One file of embedded pack `id` (`rel` relative to the pack), without copying the pack.
pub fn pack_file(id: &str, rel: &str) -> Option<&'static str> {
    files::RULES
        .iter()
        .find(|(p, _)| p.strip_prefix(id).and_then(|r| r.strip_prefix('/')) == Some(rel))
        .map(|(_, t)| *t)
}

/// Embedded pack `id`, built from what the build prepared (`None` when there is no such pack).
pub fn load(id: &str) -> Option<Result<Loaded, Vec<Diagnostic>>> {
    let files = pack_files(id)?;
    let bytes = files::PREPARED
        .iter()
        .find(|(p, _)| *p == id)
        .map(|(_, b)| *b);
    Some(match bytes.map(Prepared::decode) {
        Some(Ok(prepared)) => load_prepared(&files, prepared),
        // Not prepared (cannot happen in a build that succeeded): the ordinary loader.
        _ => hegui_core::load_pack(&files),
    })
}

#[cfg(test)]
mod tests {
    /// Every embedded pack builds from its prepared form into the same pack as from its files.
    #[test]
    fn prepared_packs_equal_loaded_packs() {
        for id in super::pack_ids() {
            let fast = super::load(&id).unwrap().unwrap();
            let slow = hegui_core::load_pack(&super::pack_files(&id).unwrap()).unwrap();
            assert_eq!(
                format!("{:?}", fast.pack),
                format!("{:?}", slow.pack),
                "{id}"
            );
            assert_eq!(fast.warnings, slow.warnings, "{id}");
        }
    }
}
