//! A reference document's styles (`reference:` in `word.yaml`): the firm's own `.docx`
//! whose styles the report uses instead of hegui's.
//!
//! Styles are matched by name (`heading 1`, `Title`, `toc 1`, `Normal`, …), not by id: Word
//! in Chinese names `heading 1`'s id `1` and `Normal`'s `a`. A style the reference has is
//! taken from it and the report's paragraphs point at its id; a style it lacks (`Small`,
//! `Table Text`, …) is added from hegui's, pointing at the reference's styles it is based on.
//! The reference's document defaults (fonts, sizes) replace hegui's. Nothing else of the
//! reference document is used.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::Read;

/// The largest `word/styles.xml` read from a reference document.
pub const MAX_STYLES_BYTES: u64 = 8 << 20;

/// One style of a styles part: its id, its name and where it stands.
struct StyleEntry {
    id: String,
    name: String,
    range: std::ops::Range<usize>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.into_inner() == key)
        .map(|a| {
            // Ids and names are plain words; the five escapes are undone by hand so the same
            // code builds with and without quick-xml's `encoding` feature.
            a.value
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
}

/// The styles of a styles part; `None` if it is not well-formed or has no `w:styles` root.
fn styles(xml: &[u8]) -> Option<(Vec<StyleEntry>, usize)> {
    let mut reader = Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    let mut root_end = None;
    let mut saw_root = false;
    loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        let ev = reader.read_event().ok()?;
        let end = usize::try_from(reader.buffer_position()).ok()?;
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.name().into_inner() == "w:styles" => saw_root = true,
            Event::Start(e) if e.name().into_inner() == "w:style" => {
                current = Some((
                    attr(&e, "w:styleId").unwrap_or_default(),
                    start,
                    String::new(),
                ));
            }
            Event::Empty(e) if e.name().into_inner() == "w:name" => {
                if let Some(c) = current.as_mut() {
                    c.2 = attr(&e, "w:val").unwrap_or_default();
                }
            }
            Event::End(e) if e.name().into_inner() == "w:style" => {
                if let Some((id, s, name)) = current.take() {
                    out.push(StyleEntry {
                        id,
                        name,
                        range: s..end,
                    });
                }
            }
            Event::End(e) if e.name().into_inner() == "w:styles" => root_end = Some(start),
            _ => {}
        }
    }
    if !saw_root {
        return None;
    }
    Some((out, root_end?))
}

/// The `word/styles.xml` of a `.docx`, checked to be a styles part; an error in words.
pub fn styles_of_docx(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是 .docx 文件 is not a .docx file ({e})"))?;
    let f = z
        .by_name("word/styles.xml")
        .map_err(|_| "没有 word/styles.xml has no word/styles.xml".to_string())?;
    if f.size() > MAX_STYLES_BYTES {
        return Err(format!(
            "word/styles.xml 过大 is too large ({} bytes; at most {MAX_STYLES_BYTES})",
            f.size()
        ));
    }
    let mut xml = Vec::new();
    f.take(MAX_STYLES_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| format!("word/styles.xml: {e}"))?;
    if styles(&xml).is_none() {
        return Err("word/styles.xml 不是有效的样式表 is not a valid styles part".to_string());
    }
    Ok(xml)
}

/// Style ids to rename: (hegui's id, the reference's id).
pub type Renames = Vec<(String, String)>;

/// hegui's styles part merged into the reference's: the merged part and the style ids to
/// rename in the document. `None` if either part cannot be read.
pub fn merge(ours: &[u8], reference: &[u8]) -> Option<(Vec<u8>, Renames)> {
    let (mine, _) = styles(ours)?;
    let (theirs, end) = styles(reference)?;
    let find = |name: &str| {
        theirs
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.id.clone())
    };
    let mut renames = Vec::new();
    let mut kept = Vec::new();
    for s in &mine {
        match find(&s.name) {
            Some(id) => renames.push((s.id.clone(), id)),
            None => kept.push(s),
        }
    }
    let mut added = String::new();
    for s in kept {
        let mut text = String::from_utf8_lossy(ours.get(s.range.clone())?).into_owned();
        for (old, new) in &renames {
            for key in ["w:basedOn", "w:next", "w:link"] {
                text = text.replace(
                    &format!("<{key} w:val=\"{old}\" />"),
                    &format!("<{key} w:val=\"{new}\" />"),
                );
            }
        }
        added.push_str(&text);
    }
    let mut out = reference.get(..end)?.to_vec();
    out.extend_from_slice(added.as_bytes());
    out.extend_from_slice(reference.get(end..)?);
    Some((out, renames))
}

/// Points a part's paragraphs at the renamed styles.
pub fn rename_styles(part: &mut Vec<u8>, renames: &[(String, String)]) {
    let Ok(mut text) = String::from_utf8(std::mem::take(part)) else {
        return;
    };
    for (old, new) in renames {
        if old != new {
            text = text.replace(
                &format!("<w:pStyle w:val=\"{old}\" />"),
                &format!("<w:pStyle w:val=\"{new}\" />"),
            );
        }
    }
    *part = text.into_bytes();
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = r#"<?xml version="1.0"?><w:styles xmlns:w="w"><w:docDefaults /><w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal" /></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1" /><w:basedOn w:val="Normal" /></w:style><w:style w:type="paragraph" w:styleId="Small"><w:name w:val="Small" /><w:basedOn w:val="Normal" /></w:style></w:styles>"#;
    // As Word in Chinese writes them: ids `a` and `1`.
    const THEIRS: &str = r#"<?xml version="1.0"?><w:styles xmlns:w="w"><w:docDefaults><w:rPrDefault /></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal" /></w:style><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1" /><w:pPr><w:outlineLvl w:val="0" /></w:pPr></w:style></w:styles>"#;

    #[test]
    fn styles_are_matched_by_name_and_missing_ones_added() {
        let (merged, renames) = merge(OURS.as_bytes(), THEIRS.as_bytes()).unwrap();
        let merged = String::from_utf8(merged).unwrap();
        assert_eq!(
            renames,
            vec![
                ("Normal".to_string(), "a".to_string()),
                ("Heading1".to_string(), "1".to_string())
            ]
        );
        assert!(merged.starts_with(
            r#"<?xml version="1.0"?><w:styles xmlns:w="w"><w:docDefaults><w:rPrDefault />"#
        ));
        assert!(merged.ends_with(r#"<w:style w:type="paragraph" w:styleId="Small"><w:name w:val="Small" /><w:basedOn w:val="a" /></w:style></w:styles>"#), "{merged}");
        assert_eq!(merged.matches("w:styleId=").count(), 3);
        let mut doc =
            br#"<w:p><w:pPr><w:pStyle w:val="Heading1" /></w:pPr></w:p><w:pStyle w:val="Small" />"#
                .to_vec();
        rename_styles(&mut doc, &renames);
        assert_eq!(
            String::from_utf8(doc).unwrap(),
            r#"<w:p><w:pPr><w:pStyle w:val="1" /></w:pPr></w:p><w:pStyle w:val="Small" />"#
        );
        assert!(merge(OURS.as_bytes(), b"<x/>").is_none());
    }

    #[test]
    fn a_reference_must_be_a_docx_with_styles() {
        assert!(
            styles_of_docx(b"not a zip")
                .unwrap_err()
                .contains("not a .docx")
        );
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert!(
            styles_of_docx(&bytes)
                .unwrap_err()
                .contains("no word/styles.xml")
        );
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("word/styles.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, THEIRS.as_bytes()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(styles_of_docx(&bytes).unwrap(), THEIRS.as_bytes());
    }
}
