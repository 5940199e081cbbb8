//! The package: the parts docx-rs renders, written as a zip with a fixed order and fixed times,
//! so the same report gives the same bytes whatever the clock, time zone or locale.
//!
//! Hand-written here, because docx-rs cannot do it: its zip entries carry the writer's clock,
//! its `docProps/core.xml` has no title or subject (and a 1970 creation time when none is
//! given), and its paragraph and picture ids come from process-wide counters (so the second
//! report written by one process, e.g. in `batch`, would differ from the first). This module
//! writes the entries itself, replaces `core.xml`, renumbers `w14:paraId` in document order
//! and names a JPEG logo `.jpeg`. Each step is tested below.

use std::io::Write;

/// What goes into `docProps/core.xml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreProps {
    /// `dc:title`.
    pub title: String,
    /// `dc:subject` (the organisation).
    pub subject: String,
    /// `dc:creator` (the firm, or hegui).
    pub creator: String,
    /// `cp:keywords` (pack id and version).
    pub keywords: String,
    /// `dc:description`.
    pub description: String,
    /// `dcterms:created` and `modified` (W3CDTF), only when a generation time was given.
    pub created: Option<String>,
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids (controls other than tab and line breaks) are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `docProps/custom.xml`: named text properties in the order given (docx-rs keeps them in a
/// hash map, whose order changes from run to run).
pub fn custom_xml(props: &[(&str, String)]) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#,
    );
    for (i, (name, value)) in props.iter().enumerate() {
        x.push_str(&format!(
            r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="{}"><vt:lpwstr>{}</vt:lpwstr></property>"#,
            i + 2,
            xml_escape(name),
            xml_escape(value)
        ));
    }
    x.push_str("</Properties>");
    x
}

/// `docProps/core.xml`.
pub fn core_xml(p: &CoreProps) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    );
    let mut el = |tag: &str, v: &str| {
        x.push_str(&format!("<{tag}>{}</{tag}>", xml_escape(v)));
    };
    el("dc:title", &p.title);
    el("dc:subject", &p.subject);
    el("dc:creator", &p.creator);
    el("cp:keywords", &p.keywords);
    el("dc:description", &p.description);
    el("cp:lastModifiedBy", &p.creator);
    if let Some(t) = &p.created {
        let t = xml_escape(t);
        x.push_str(&format!(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{t}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{t}</dcterms:modified>"#
        ));
    }
    x.push_str("</cp:coreProperties>");
    x
}

/// A generation time as W3CDTF (`2026-05-20T01:30:00Z`): RFC 3339 times in UTC, a date at
/// midnight UTC; `None` for anything else.
pub fn w3cdtf(generated_at: &str) -> Option<String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(generated_at) {
        return Some(
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    chrono::NaiveDate::parse_from_str(generated_at, "%Y-%m-%d")
        .ok()
        .map(|d| format!("{d}T00:00:00Z"))
}

/// Renumbers every `w14:paraId="…"` in `parts`, in order, from 1 (8 hex digits, as Word
/// writes them): docx-rs takes them from a per-thread counter that is never reset.
pub fn renumber_para_ids(parts: &mut [&mut Vec<u8>]) {
    const KEY: &[u8] = b"w14:paraId=\"";
    let mut n: u32 = 0;
    for part in parts.iter_mut() {
        let mut out = Vec::with_capacity(part.len());
        let mut rest: &[u8] = part;
        while let Some(i) = find(rest, KEY) {
            let (head, tail) = rest.split_at(i + KEY.len());
            out.extend_from_slice(head);
            let Some(end) = tail.iter().position(|&b| b == b'"') else {
                rest = tail;
                break;
            };
            n += 1;
            out.extend_from_slice(format!("{n:08X}").as_bytes());
            rest = tail.get(end..).unwrap_or_default();
        }
        out.extend_from_slice(rest);
        **part = out;
    }
}

/// What docx-rs writes for a table row marked as a head row (a height of at least 1 twip,
/// which nothing else in the report uses): docx-rs cannot write `w:tblHeader`.
pub const HEAD_ROW_MARK: &str = r#"<w:trHeight w:val="1" w:hRule="atLeast" />"#;

/// Turns each [`HEAD_ROW_MARK`] into `<w:tblHeader />`, so Word, WPS and LibreOffice repeat
/// the table's head row on every page it spans.
pub fn mark_head_rows(part: &mut Vec<u8>) {
    let Ok(text) = std::str::from_utf8(part) else {
        return;
    };
    if text.contains(HEAD_ROW_MARK) {
        *part = text.replace(HEAD_ROW_MARK, "<w:tblHeader />").into_bytes();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The kind of a logo picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

/// The kind and pixel size of a PNG or JPEG, read from its header; `None` for anything else
/// (or a header that gives no size).
pub fn image_size(b: &[u8]) -> Option<(ImageKind, u32, u32)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    let be16 = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_be_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        let (w, h) = (be32(16)?, be32(20)?);
        return (w > 0 && h > 0).then_some((ImageKind::Png, w, h));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 4 <= b.len() {
            if *b.get(i)? != 0xFF {
                return None;
            }
            let marker = *b.get(i + 1)?;
            if marker == 0xFF {
                i += 1;
                continue;
            }
            // Markers without a length.
            if matches!(marker, 0x01 | 0xD0..=0xD9) {
                i += 2;
                continue;
            }
            let len = be16(i + 2)? as usize;
            let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if is_sof {
                let (h, w) = (be16(i + 5)?, be16(i + 7)?);
                return (w > 0 && h > 0).then_some((ImageKind::Jpeg, w, h));
            }
            if len < 2 {
                return None;
            }
            i += 2 + len;
        }
    }
    None
}

/// One entry of the package.
pub struct Part {
    /// Its name in the zip.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The rendered parts of `x` in a fixed order, with `core.xml` replaced, paragraph ids
/// renumbered and a JPEG logo named as one.
pub fn parts(
    mut x: docx_rs::XMLDocx,
    core: &CoreProps,
    custom: &[(&str, String)],
    jpeg_logo: bool,
) -> Vec<Part> {
    {
        let mut all: Vec<&mut Vec<u8>> = vec![&mut x.document];
        all.extend(x.headers.iter_mut());
        all.extend(x.footers.iter_mut());
        all.push(&mut x.footnotes);
        renumber_para_ids(&mut all);
    }
    mark_head_rows(&mut x.document);
    {
        let mut all: Vec<&mut Vec<u8>> = vec![
            &mut x.document,
            &mut x.styles,
            &mut x.settings,
            &mut x.numberings,
            &mut x.footnotes,
        ];
        all.extend(x.headers.iter_mut());
        all.extend(x.footers.iter_mut());
        for part in all {
            if let Some(c) = crate::canon::canonical(part) {
                *part = c;
            }
        }
    }
    let mut out = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| {
        out.push(Part {
            name: name.to_string(),
            bytes,
        })
    };
    add("[Content_Types].xml", x.content_type);
    add("_rels/.rels", x.rels);
    add("docProps/app.xml", x.doc_props.app);
    add("docProps/core.xml", core_xml(core).into_bytes());
    add("docProps/custom.xml", custom_xml(custom).into_bytes());
    add("word/_rels/document.xml.rels", x.document_rels);
    add("word/document.xml", x.document);
    add("word/styles.xml", x.styles);
    add("word/settings.xml", x.settings);
    add("word/fontTable.xml", x.font_table);
    add("word/comments.xml", x.comments);
    add("word/numbering.xml", x.numberings);
    add("word/commentsExtended.xml", x.comments_extended);
    add("word/footnotes.xml", x.footnotes);
    let ext = if jpeg_logo { "jpeg" } else { "png" };
    let fix_media = |bytes: Vec<u8>| -> Vec<u8> {
        if !jpeg_logo {
            return bytes;
        }
        String::from_utf8(bytes)
            .map(|s| s.replace(".png\"", ".jpeg\"").into_bytes())
            .unwrap_or_default()
    };
    for (i, h) in x.headers.into_iter().enumerate() {
        add(&format!("word/header{}.xml", i + 1), h);
        if let Some(r) = x.header_rels.get(i) {
            add(
                &format!("word/_rels/header{}.xml.rels", i + 1),
                fix_media(r.clone()),
            );
        }
    }
    for (i, f) in x.footers.into_iter().enumerate() {
        add(&format!("word/footer{}.xml", i + 1), f);
        if let Some(r) = x.footer_rels.get(i) {
            add(
                &format!("word/_rels/footer{}.xml.rels", i + 1),
                fix_media(r.clone()),
            );
        }
    }
    for (id, bytes) in x.media {
        add(&format!("word/media/{id}.{ext}"), bytes);
    }
    out
}

/// Writes `parts` as a zip: in the order given, deflated, every entry dated 1980-01-01 00:00
/// (the zip format's earliest time) with the same permissions.
pub fn zip(parts: &[Part]) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for p in parts {
        w.start_file(p.name.as_str(), opts)?;
        w.write_all(&p.bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn para_ids_are_renumbered_in_order_across_parts() {
        let mut a = br#"<w:p w14:paraId="0000002A"><w:p w14:paraId="deadbeef">"#.to_vec();
        let mut b = br#"<w:p w14:paraId="00000009">x"#.to_vec();
        renumber_para_ids(&mut [&mut a, &mut b]);
        assert_eq!(
            String::from_utf8(a).unwrap(),
            r#"<w:p w14:paraId="00000001"><w:p w14:paraId="00000002">"#
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"<w:p w14:paraId="00000003">x"#
        );
        let mut cut = br#"<w:p w14:paraId="0000"#.to_vec();
        renumber_para_ids(&mut [&mut cut]);
        assert_eq!(cut, br#"<w:p w14:paraId="0000"#);
    }

    #[test]
    fn head_rows_repeat() {
        use docx_rs::{BuildXML, HeightRule, TableRow};
        let row = TableRow::new(vec![])
            .row_height(1.0)
            .height_rule(HeightRule::AtLeast);
        let mut xml = row.build();
        assert!(
            String::from_utf8(xml.clone())
                .unwrap()
                .contains(HEAD_ROW_MARK),
            "docx-rs writes the mark as expected"
        );
        mark_head_rows(&mut xml);
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<w:trPr><w:tblHeader /></w:trPr>"), "{xml}");
    }

    #[test]
    fn core_properties_escape_and_carry_no_time_unless_given() {
        let p = CoreProps {
            title: "a <b> & \"c\"".into(),
            subject: "某公司".into(),
            creator: "hegui".into(),
            keywords: "pack 1.0".into(),
            description: "d".into(),
            created: None,
        };
        let x = core_xml(&p);
        assert!(x.contains("<dc:title>a &lt;b&gt; &amp; &quot;c&quot;</dc:title>"));
        assert!(x.contains("<dc:subject>某公司</dc:subject>"));
        assert!(!x.contains("dcterms:created"));
        let x = core_xml(&CoreProps {
            created: Some("2026-05-20T01:30:00Z".into()),
            ..p
        });
        assert!(x.contains(">2026-05-20T01:30:00Z</dcterms:created>"));
        assert_eq!(
            w3cdtf("2026-05-20T09:30:00+08:00").as_deref(),
            Some("2026-05-20T01:30:00Z")
        );
        assert_eq!(
            w3cdtf("2026-05-20").as_deref(),
            Some("2026-05-20T00:00:00Z")
        );
        assert_eq!(w3cdtf("yesterday"), None);
        let c = custom_xml(&[("Pack", "p & q".into()), ("Organisation", "甲".into())]);
        assert!(c.contains(r#"pid="2" name="Pack"><vt:lpwstr>p &amp; q</vt:lpwstr>"#));
        assert!(c.contains(r#"pid="3" name="Organisation"><vt:lpwstr>甲</vt:lpwstr>"#));
    }

    #[test]
    fn image_sizes_from_png_and_jpeg_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&300u32.to_be_bytes());
        png.extend_from_slice(&80u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((ImageKind::Png, 300, 80)));
        // SOI, an APP0 segment of 16 bytes, then SOF0 (length 17, precision 8, h 60, w 200).
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpg.extend_from_slice(&[0; 14]);
        jpg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 60, 0x00, 200, 3]);
        assert_eq!(image_size(&jpg), Some((ImageKind::Jpeg, 200, 60)));
        assert_eq!(image_size(b"GIF89a"), None);
        assert_eq!(image_size(&png[..18]), None);
        assert_eq!(image_size(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]), None);
    }

    #[test]
    fn the_zip_has_fixed_order_and_times() {
        let parts = vec![
            Part {
                name: "b.xml".into(),
                bytes: b"<b/>".to_vec(),
            },
            Part {
                name: "a.xml".into(),
                bytes: b"<a/>".to_vec(),
            },
        ];
        let one = zip(&parts).unwrap();
        assert_eq!(one, zip(&parts).unwrap());
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(one)).unwrap();
        assert_eq!(z.file_names().collect::<Vec<_>>().len(), 2);
        let first = z.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "b.xml");
        let t = first.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (1980, 1, 1, 0));
    }
}

#[cfg(test)]
mod jpeg_tests {
    use super::*;
    use docx_rs::{Docx, Header, Paragraph, Pic, Run};

    #[test]
    fn a_jpeg_logo_is_named_and_related_as_a_jpeg() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xD9];
        let pic = Pic::new_with_dimensions(jpeg.clone(), 1, 1).id("rIdImage1");
        let x = Docx::new()
            .header(
                Header::new().add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic))),
            )
            .build();
        let parts = parts(x, &CoreProps::default(), &[], true);
        let media: Vec<&Part> = parts
            .iter()
            .filter(|p| p.name.starts_with("word/media/"))
            .collect();
        assert_eq!(media.len(), 1);
        assert!(media[0].name.ends_with(".jpeg"), "{}", media[0].name);
        assert_eq!(media[0].bytes, jpeg);
        let rels = parts
            .iter()
            .find(|p| p.name == "word/_rels/header1.xml.rels")
            .unwrap();
        let rels = String::from_utf8(rels.bytes.clone()).unwrap();
        let target = media[0].name.trim_start_matches("word/");
        assert!(rels.contains(&format!("Target=\"{target}\"")), "{rels}");
        let types = String::from_utf8(parts[0].bytes.clone()).unwrap();
        assert!(
            types.contains(r#"ContentType="image/jpeg" Extension="jpeg""#),
            "{types}"
        );
    }
}
