//! A consultancy's branding of the Word report: `word.yaml` in the `--templates` directory
//! (docs/TEMPLATES.md, "Word report"). Every problem names the file, line, column and key.

use crate::package::{ImageKind, image_size};
use hegui_core::syntax::node::{self, Format, Node, NodeKind};
use std::path::Path;

/// The settings file's name inside the templates directory.
pub const FILE: &str = "word.yaml";

/// The largest logo read.
pub const MAX_LOGO_BYTES: u64 = 5 << 20;

/// The default accent colour (a dark blue).
pub const DEFAULT_ACCENT: &str = "1F3A5F";

/// A logo picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    /// PNG or JPEG.
    pub kind: ImageKind,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The branding of a report. The default is hegui's own plain look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    /// The firm's name: on the cover, in the header, as the document's author.
    pub firm: Option<String>,
    /// The logo, in the header and on the cover.
    pub logo: Option<Logo>,
    /// Accent colour of headings and table heads, six hex digits without `#`.
    pub accent: String,
    /// Text of the page header (default: the firm, or the report's title).
    pub header: Option<String>,
    /// Text of the page footer, before the page number.
    pub footer: Option<String>,
    /// A confidentiality line, on the cover and in every footer.
    pub confidentiality: Option<String>,
    /// The `word/styles.xml` of a reference document whose styles the report uses.
    pub reference_styles: Option<Vec<u8>>,
}

impl Default for Brand {
    fn default() -> Self {
        Brand {
            firm: None,
            logo: None,
            accent: DEFAULT_ACCENT.to_string(),
            header: None,
            footer: None,
            confidentiality: None,
            reference_styles: None,
        }
    }
}

/// The keys `word.yaml` may have.
pub const KEYS: &[&str] = &[
    "firm",
    "logo",
    "accent",
    "header",
    "footer",
    "confidentiality",
    "reference",
];

/// Every problem of a settings file, each a line naming file, place and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandError {
    /// The problems.
    pub problems: Vec<String>,
}

impl std::fmt::Display for BrandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.problems.join("\n"))
    }
}

impl std::error::Error for BrandError {}

/// The branding in `dir` (`word.yaml`); the default when there is no directory or no such
/// file in it. Only a plain file really inside `dir` is read, as for templates.
pub fn load(dir: Option<&Path>) -> Result<Brand, BrandError> {
    let Some(dir) = dir else {
        return Ok(Brand::default());
    };
    let shown = dir.join(FILE).display().to_string();
    let one = |m: String| BrandError { problems: vec![m] };
    let text = match hegui_report::render::env::safe_read(dir, FILE) {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(Brand::default()),
        Err(e) => return Err(one(format!("{shown}: {e}"))),
    };
    parse(&shown, &text, |name| read_file(dir, name))
}

/// Reads the file `name` under `dir` (a logo, a reference document): a plain relative name of
/// a regular file inside it, at most [`MAX_LOGO_BYTES`].
fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    if name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || Path::new(name).is_absolute()
        || name.split('/').any(|p| p == ".." || p.is_empty())
    {
        return Err(format!(
            "`{name}` 须为该目录内的相对文件名 must be a file name relative to the templates directory, inside it"
        ));
    }
    let root = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = root
        .join(name)
        .canonicalize()
        .map_err(|e| format!("`{name}`: 无法打开 cannot open: {e}"))?;
    if !path.starts_with(&root) {
        return Err(format!(
            "`{name}` 指向目录之外 leads outside the templates directory"
        ));
    }
    let meta = std::fs::metadata(&path).map_err(|e| format!("`{name}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!("`{name}` 不是普通文件 is not a regular file"));
    }
    if meta.len() > MAX_LOGO_BYTES {
        return Err(format!(
            "`{name}` 过大 is too large ({} bytes; at most {MAX_LOGO_BYTES})",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_LOGO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("`{name}`: {e}"))?;
    Ok(bytes)
}

/// Parses the settings `text` of file `shown`; `read` reads a file it names (logo, reference).
pub fn parse(
    shown: &str,
    text: &str,
    read: impl Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Brand, BrandError> {
    let root = node::parse(text, Format::Yaml).map_err(|e| BrandError {
        problems: vec![format!(
            "{shown}:{}:{}: YAML 语法错误 syntax error: {}",
            e.loc.line, e.loc.col, e.message
        )],
    })?;
    let mut brand = Brand::default();
    let mut problems = Vec::new();
    let entries = match &root.kind {
        NodeKind::Null => return Ok(brand),
        NodeKind::Map(m) => m,
        _ => {
            return Err(BrandError {
                problems: vec![format!(
                    "{shown}:{}:{}: 应为键值映射 expected a mapping of settings ({}), found {}",
                    root.loc.line,
                    root.loc.col,
                    KEYS.join(", "),
                    root.kind_name()
                )],
            });
        }
    };
    for (key, value) in entries {
        let at = |v: &Node| format!("{shown}:{}:{}: `{}`", v.loc.line, v.loc.col, key.name);
        if !KEYS.contains(&key.name.as_str()) {
            problems.push(format!(
                "{shown}:{}:{}: 未知的键 unknown key `{}` (可用 expected one of: {})",
                key.loc.line,
                key.loc.col,
                key.name,
                KEYS.join(", ")
            ));
            continue;
        }
        let text = match &value.kind {
            NodeKind::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
            NodeKind::Null => continue,
            _ => {
                problems.push(format!(
                    "{}: 应为非空文本 expected non-empty text, found {}",
                    at(value),
                    value.kind_name()
                ));
                continue;
            }
        };
        if text.chars().any(|c| c.is_control()) {
            problems.push(format!(
                "{}: 含控制字符或换行 contains a control character or line break; write one line",
                at(value)
            ));
            continue;
        }
        match key.name.as_str() {
            "firm" => brand.firm = Some(text),
            "header" => brand.header = Some(text),
            "footer" => brand.footer = Some(text),
            "confidentiality" => brand.confidentiality = Some(text),
            "accent" => {
                let hex = text.strip_prefix('#').unwrap_or(&text);
                if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    brand.accent = hex.to_ascii_uppercase();
                } else {
                    problems.push(format!(
                        "{}: `{text}` 不是颜色 is not a colour; expected #RRGGBB, e.g. \"#8b0000\"",
                        at(value)
                    ));
                }
            }
            "reference" => match read(&text).and_then(|b| {
                crate::reference::styles_of_docx(&b).map_err(|e| format!("`{text}` {e}"))
            }) {
                Ok(styles) => brand.reference_styles = Some(styles),
                Err(why) => problems.push(format!("{}: {why}", at(value))),
            },
            _ => match read(&text) {
                Err(why) => problems.push(format!("{}: {why}", at(value))),
                Ok(bytes) => match image_size(&bytes) {
                    Some((kind, width, height)) => {
                        brand.logo = Some(Logo {
                            kind,
                            bytes,
                            width,
                            height,
                        })
                    }
                    None => problems.push(format!(
                        "{}: `{text}` 不是 PNG 或 JPEG 图片 is not a PNG or JPEG picture",
                        at(value)
                    )),
                },
            },
        }
    }
    if problems.is_empty() {
        Ok(brand)
    } else {
        Err(BrandError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_logo(_: &str) -> Result<Vec<u8>, String> {
        Err("no file".into())
    }

    #[test]
    fn a_full_settings_file() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 1, 0, 0, 0, 0, 64]);
        let b = parse(
            "品牌/word.yaml",
            "firm: 某某合规咨询\nlogo: logo.png\naccent: '#8b0000'\nheader: 客户报告\nfooter: 电话 010-1234\nconfidentiality: 保密\n",
            |n| {
                assert_eq!(n, "logo.png");
                Ok(png.clone())
            },
        )
        .unwrap();
        assert_eq!(b.firm.as_deref(), Some("某某合规咨询"));
        assert_eq!(b.accent, "8B0000");
        assert_eq!(b.confidentiality.as_deref(), Some("保密"));
        let logo = b.logo.unwrap();
        assert_eq!(
            (logo.kind, logo.width, logo.height),
            (ImageKind::Png, 256, 64)
        );
        assert_eq!(parse("w.yaml", "", no_logo).unwrap(), Brand::default());
    }

    #[test]
    fn every_problem_names_file_line_and_key() {
        let e = parse(
            "品牌/word.yaml",
            "firm: 甲\ncolour: red\naccent: red\nlogo: x.gif\nheader: [a]\n",
            |_| Ok(b"GIF89a".to_vec()),
        )
        .unwrap_err();
        assert_eq!(e.problems.len(), 4, "{e}");
        assert!(e.problems[0].starts_with("品牌/word.yaml:2:1: 未知的键 unknown key `colour`"));
        assert!(e.problems[1].starts_with("品牌/word.yaml:3:9: `accent`: `red` 不是颜色"));
        assert!(e.problems[2].contains(":4:7: `logo`: `x.gif` 不是 PNG 或 JPEG"));
        assert!(e.problems[3].contains(":5:9: `header`: 应为非空文本 expected non-empty text"));
        let e = parse("w.yaml", "firm: [\n", no_logo).unwrap_err();
        assert!(e.problems[0].starts_with("w.yaml:"), "{e}");
        assert!(e.problems[0].contains("syntax error"), "{e}");
        let e = parse("w.yaml", "- a\n", no_logo).unwrap_err();
        assert!(e.problems[0].contains("expected a mapping"), "{e}");
        let e = parse("w.yaml", "logo: ../x.png\n", |n| {
            read_file(Path::new("."), n)
        })
        .unwrap_err();
        assert!(
            e.problems[0].contains("relative to the templates directory"),
            "{e}"
        );
        let e = parse("w.yaml", "reference: house.docx\n", |_| Ok(b"PK?".to_vec())).unwrap_err();
        assert!(
            e.problems[0].starts_with(
                "w.yaml:1:12: `reference`: `house.docx` 不是 .docx 文件 is not a .docx file"
            ),
            "{e}"
        );
    }
}
