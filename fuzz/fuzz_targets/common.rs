// Shared by the fuzz targets: the shipped pack, compiled once.
use std::sync::OnceLock;

pub fn pack() -> &'static hegui::model::Pack {
    static P: OnceLock<hegui::model::Pack> = OnceLock::new();
    P.get_or_init(|| {
        let files = hegui::embedded::pack_files(hegui::embedded::DEFAULT_PACK).expect("embedded pack");
        hegui::load::load_pack(&files).expect("shipped pack loads").pack
    })
}
