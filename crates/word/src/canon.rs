//! Puts the children of WordprocessingML property elements in the order the schema
//! (ECMA-376 / ISO/IEC 29500) gives them.
//!
//! docx-rs writes some of them out of order (`w:rPr` before `w:pStyle` in every `w:pPr`,
//! `w:keepNext` after `w:spacing`, `w:headerReference` after `w:pgMar`, `w:zoom` after
//! `w:defaultTabStop`, …). LibreOffice does not mind; Word may drop such properties or ask to
//! "recover" the file. This pass reorders children by their place in the schema's sequence
//! (children it does not know keep their order, after the known ones), drops an empty `w:rPr`
//! inside a `w:pPr` (the schema allows none in style and numbering paragraph properties) and
//! the `w:type` attribute docx-rs puts on `w:gridCol`. Everything else is copied byte for byte.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Child order of each parent element (local names in the `w:` namespace prefix).
const ORDERS: &[(&str, &[&str])] = &[
    (
        "w:pPr",
        &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        ],
    ),
    (
        "w:rPr",
        &[
            "w:ins",
            "w:del",
            "w:moveFrom",
            "w:moveTo",
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w:oMath",
            "w:rPrChange",
        ],
    ),
    (
        "w:sectPr",
        &[
            "w:headerReference",
            "w:footerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        ],
    ),
    (
        "w:style",
        &[
            "w:name",
            "w:aliases",
            "w:basedOn",
            "w:next",
            "w:link",
            "w:autoRedefine",
            "w:hidden",
            "w:uiPriority",
            "w:semiHidden",
            "w:unhideWhenUsed",
            "w:qFormat",
            "w:locked",
            "w:personal",
            "w:personalCompose",
            "w:personalReply",
            "w:rsid",
            "w:pPr",
            "w:rPr",
            "w:tblPr",
            "w:trPr",
            "w:tcPr",
            "w:tblStylePr",
        ],
    ),
    ("w:docDefaults", &["w:rPrDefault", "w:pPrDefault"]),
    (
        "w:tblPr",
        &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblOverlap",
            "w:bidiVisual",
            "w:tblStyleRowBandSize",
            "w:tblStyleColBandSize",
            "w:tblW",
            "w:jc",
            "w:tblCellSpacing",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        ],
    ),
    (
        "w:tcPr",
        &[
            "w:cnfStyle",
            "w:tcW",
            "w:gridSpan",
            "w:hMerge",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
            "w:headers",
            "w:cellIns",
            "w:cellDel",
            "w:cellMerge",
            "w:tcPrChange",
        ],
    ),
    (
        "w:lvl",
        &[
            "w:start",
            "w:numFmt",
            "w:lvlRestart",
            "w:pStyle",
            "w:isLgl",
            "w:suff",
            "w:lvlText",
            "w:lvlPicBulletId",
            "w:legacy",
            "w:lvlJc",
            "w:pPr",
            "w:rPr",
        ],
    ),
    (
        "w:settings",
        &[
            "w:writeProtection",
            "w:view",
            "w:zoom",
            "w:removePersonalInformation",
            "w:removeDateAndTime",
            "w:embedTrueTypeFonts",
            "w:embedSystemFonts",
            "w:saveSubsetFonts",
            "w:mirrorMargins",
            "w:hideSpellingErrors",
            "w:hideGrammaticalErrors",
            "w:proofState",
            "w:attachedTemplate",
            "w:documentProtection",
            "w:defaultTabStop",
            "w:autoHyphenation",
            "w:evenAndOddHeaders",
            "w:characterSpacingControl",
            "w:updateFields",
            "w:footnotePr",
            "w:endnotePr",
            "w:compat",
            "w:docVars",
            "w:rsids",
            "w:themeFontLang",
            "w:clrSchemeMapping",
            "w:shapeDefaults",
            "w:decimalSymbol",
            "w:listSeparator",
        ],
    ),
];

enum Node {
    /// Bytes copied as they are (text, declarations, comments).
    Raw(std::ops::Range<usize>),
    Elem {
        name: Vec<u8>,
        open: std::ops::Range<usize>,
        children: Vec<Node>,
        close: Option<std::ops::Range<usize>>,
    },
}

/// The part `xml` with property children in schema order; `None` if it is not well-formed
/// XML (the caller then keeps it as it was).
pub fn canonical(xml: &[u8]) -> Option<Vec<u8>> {
    let mut reader = Reader::from_reader(xml);
    let mut stack: Vec<Node> = vec![Node::Elem {
        name: Vec::new(),
        open: 0..0,
        children: Vec::new(),
        close: None,
    }];
    loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        let end = usize::try_from(reader.buffer_position()).ok()?;
        let node = match event {
            Event::Eof => break,
            Event::Start(e) => {
                stack.push(Node::Elem {
                    name: e.name().into_inner().as_bytes().to_vec(),
                    open: start..end,
                    children: Vec::new(),
                    close: None,
                });
                continue;
            }
            Event::End(_) => {
                let mut node = stack.pop()?;
                if let Node::Elem { close, .. } = &mut node {
                    *close = Some(start..end);
                }
                node
            }
            Event::Empty(e) => Node::Elem {
                name: e.name().into_inner().as_bytes().to_vec(),
                open: start..end,
                children: Vec::new(),
                close: None,
            },
            _ => Node::Raw(start..end),
        };
        match stack.last_mut()? {
            Node::Elem { children, .. } => children.push(node),
            Node::Raw(_) => return None,
        }
    }
    if stack.len() != 1 {
        return None;
    }
    let root = stack.pop()?;
    let mut out = Vec::with_capacity(xml.len());
    write(xml, &root, &mut out);
    Some(out)
}

fn rank(order: &[&str], name: &[u8]) -> usize {
    order
        .iter()
        .position(|n| n.as_bytes() == name)
        .unwrap_or(order.len())
}

fn write(src: &[u8], node: &Node, out: &mut Vec<u8>) {
    match node {
        Node::Raw(r) => out.extend_from_slice(src.get(r.clone()).unwrap_or_default()),
        Node::Elem {
            name,
            open,
            children,
            close,
        } => {
            let open = src.get(open.clone()).unwrap_or_default();
            if name.as_slice() == b"w:gridCol" {
                let text = String::from_utf8_lossy(open).replace(" w:type=\"dxa\"", "");
                out.extend_from_slice(text.as_bytes());
            } else {
                out.extend_from_slice(open);
            }
            let order = ORDERS
                .iter()
                .find(|(p, _)| p.as_bytes() == name.as_slice())
                .map(|(_, o)| *o);
            let mut kids: Vec<&Node> = children
                .iter()
                .filter(|c| {
                    // An empty w:rPr in a w:pPr says nothing and is not allowed in every pPr.
                    !(name.as_slice() == b"w:pPr"
                        && matches!(c, Node::Elem { name, children, .. }
                            if name.as_slice() == b"w:rPr" && children.is_empty()))
                })
                .collect();
            if let Some(order) = order {
                // Text between property elements is only whitespace: kept in place of order.
                kids.sort_by_key(|c| match c {
                    Node::Elem { name, .. } => rank(order, name),
                    Node::Raw(_) => order.len() + 1,
                });
            }
            for c in kids {
                write(src, c, out);
            }
            if let Some(close) = close {
                out.extend_from_slice(src.get(close.clone()).unwrap_or_default());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        String::from_utf8(canonical(s.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn property_children_follow_the_schema() {
        assert_eq!(
            canon(
                r#"<w:p w14:paraId="1"><w:pPr><w:rPr /><w:pStyle w:val="H" /><w:spacing w:after="1" /><w:keepNext /></w:pPr><w:r><w:rPr><w:sz w:val="2" /><w:b /><w:color w:val="FFFFFF" /></w:rPr><w:t>a &amp; b</w:t></w:r></w:p>"#
            ),
            r#"<w:p w14:paraId="1"><w:pPr><w:pStyle w:val="H" /><w:keepNext /><w:spacing w:after="1" /></w:pPr><w:r><w:rPr><w:b /><w:color w:val="FFFFFF" /><w:sz w:val="2" /></w:rPr><w:t>a &amp; b</w:t></w:r></w:p>"#
        );
        assert_eq!(
            canon(
                r#"<w:sectPr><w:pgSz w:w="1" /><w:cols /><w:headerReference r:id="h" /><w:footerReference r:id="f" /></w:sectPr>"#
            ),
            r#"<w:sectPr><w:headerReference r:id="h" /><w:footerReference r:id="f" /><w:pgSz w:w="1" /><w:cols /></w:sectPr>"#
        );
        // A non-empty paragraph-mark rPr stays, at its place; grid columns lose `w:type`.
        assert_eq!(
            canon(
                r#"<x><w:pPr><w:rPr><w:b /></w:rPr><w:jc w:val="left" /></w:pPr><w:gridCol w:w="9" w:type="dxa" /></x>"#
            ),
            r#"<x><w:pPr><w:jc w:val="left" /><w:rPr><w:b /></w:rPr></w:pPr><w:gridCol w:w="9" /></x>"#
        );
        // Unknown children keep their order, after the known ones; other elements are copied.
        assert_eq!(
            canon(
                r#"<?xml version="1.0"?><w:rPr><w:z1 /><w:b /><w:z2 /></w:rPr><w:body><w:b /><w:a /></w:body>"#
            ),
            r#"<?xml version="1.0"?><w:rPr><w:b /><w:z1 /><w:z2 /></w:rPr><w:body><w:b /><w:a /></w:body>"#
        );
        assert!(canonical(b"<a><b></a>").is_none());
    }
}
