// Shared by the fuzz targets: the shipped pack, compiled once.
use std::sync::OnceLock;

pub fn pack() -> &'static hegui_core::model::Pack {
    static P: OnceLock<hegui_core::model::Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).expect("embedded pack");
        hegui_core::load::load_pack(&files).expect("shipped pack loads").pack
    })
}
