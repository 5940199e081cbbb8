//! Reading an input's text: bounded by a size limit, decoded to UTF-8, without a byte-order
//! mark. The one reader behind `hegui assess`/`validate`/… (`cli::read_input`) and batches, so
//! both refuse the same inputs: a file over the limit is refused before it is read, and one
//! that grows while being read (or a device or pipe with no size) is cut off at the limit.
//! Every text input (facts in YAML or JSON, results for `diff`, and CSV files such as a
//! roster) goes through [`into_text`], so each gets the same encoding handling:
//!
//! - UTF-8, with or without a byte-order mark, is read as is;
//! - UTF-16 and UTF-32 with a byte-order mark (what Windows Notepad writes as "Unicode") are
//!   decoded;
//! - UTF-16 or UTF-32 without a mark is recognised and named, and refused: the byte order is a
//!   guess, so the user is asked to save the file as UTF-8;
//! - text that is not UTF-8 but reads as GB18030 (GBK, the usual Chinese Windows encoding) is
//!   refused with a message naming GBK/GB18030 and `--encoding gb18030`; with that flag
//!   ([`set_encoding`]) it is decoded (files that are valid UTF-8 stay UTF-8, so a mixed inbox
//!   is read right);
//! - empty input (nothing, or only white space) is refused as empty.
//!
//! Callers word the errors: a command says how to raise the limit, a batch lists the file
//! among the rejected; [`ReadError`]'s `Display` gives the bilingual text of the others.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

/// The encoding assumed for text that is not UTF-8 (the global `--encoding` flag).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Only Unicode: UTF-8, or UTF-16/UTF-32 with a byte-order mark.
    #[default]
    Utf8,
    /// As [`Encoding::Utf8`], and text that is not UTF-8 is read as GB18030 (a superset of GBK
    /// and GB2312).
    Gb18030,
}

static ENCODING: AtomicU8 = AtomicU8::new(0);

/// Sets the encoding [`into_text`] assumes for text that is not UTF-8, for the whole process
/// (the command line sets it once from `--encoding`).
pub fn set_encoding(e: Encoding) {
    ENCODING.store(
        match e {
            Encoding::Utf8 => 0,
            Encoding::Gb18030 => 1,
        },
        Ordering::Relaxed,
    );
}

/// The encoding set by [`set_encoding`].
pub fn encoding() -> Encoding {
    match ENCODING.load(Ordering::Relaxed) {
        1 => Encoding::Gb18030,
        _ => Encoding::Utf8,
    }
}

/// A text encoding recognised in an input that is not read as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Not UTF-8, but valid GB18030 (GBK) with Chinese characters in it.
    Gb18030,
    /// UTF-16 without a byte-order mark; `le` for little-endian.
    Utf16NoBom {
        /// Little-endian (the Windows order).
        le: bool,
    },
    /// UTF-32 without a byte-order mark.
    Utf32NoBom {
        /// Little-endian.
        le: bool,
    },
    /// Starts with the byte-order mark of `encoding` but is not valid in it from `byte` on.
    Malformed {
        /// `UTF-16LE`, `UTF-16BE`, `UTF-32LE`, `UTF-32BE` or `GB18030`.
        encoding: &'static str,
        /// Offset of the first byte that cannot be decoded.
        byte: usize,
    },
}

/// Why an input could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// Larger than the limit; `size` is the file's size when the system gave one.
    TooLarge {
        /// The file's size, if known before reading.
        size: Option<u64>,
        /// The limit in bytes.
        limit: usize,
    },
    /// The path names a directory.
    Directory,
    /// Not UTF-8; `byte` is where the first invalid sequence starts.
    NotUtf8 {
        /// Offset of the first byte that is not valid UTF-8.
        byte: usize,
        /// The line it is on, 1-based.
        line: usize,
    },
    /// Another encoding, recognised but not read (see [`Unreadable`]).
    Encoding(Unreadable),
    /// Nothing in it but white space.
    Empty,
}

const SAVE_AS_UTF8: &str = "请另存为 UTF-8 / save as UTF-8";

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "文件过大 file too large ({}limit {limit} bytes)",
                size.map(|s| format!("{s} bytes; ")).unwrap_or_default()
            ),
            ReadError::Directory => f.write_str("是目录 is a directory"),
            ReadError::NotUtf8 { byte, line } => write!(
                f,
                "不是 UTF-8 文本：第 {line} 行（第 {byte} 字节）起无法识别；{SAVE_AS_UTF8} — not UTF-8 text: unreadable from line {line} (byte {byte}); if it is GBK/GB18030, --encoding gb18030 reads it"
            ),
            ReadError::Encoding(Unreadable::Gb18030) => write!(
                f,
                "不是 UTF-8 文本，看起来是 GBK/GB18030 编码；{SAVE_AS_UTF8}（或加 --encoding gb18030 读取）— not UTF-8 text: it looks like GBK/GB18030; save it as UTF-8, or read it with --encoding gb18030"
            ),
            ReadError::Encoding(Unreadable::Utf16NoBom { le }) => {
                let e = if *le { "UTF-16LE" } else { "UTF-16BE" };
                write!(
                    f,
                    "看起来是没有字节顺序标记（BOM）的 {e} 编码；{SAVE_AS_UTF8} — it looks like {e} without a byte-order mark; save it as UTF-8 (UTF-16 with a byte-order mark is read too)"
                )
            }
            ReadError::Encoding(Unreadable::Utf32NoBom { le }) => {
                let e = if *le { "UTF-32LE" } else { "UTF-32BE" };
                write!(
                    f,
                    "看起来是没有字节顺序标记（BOM）的 {e} 编码；{SAVE_AS_UTF8} — it looks like {e} without a byte-order mark; save it as UTF-8"
                )
            }
            ReadError::Encoding(Unreadable::Malformed { encoding, byte }) => write!(
                f,
                "按 {encoding} 读取，第 {byte} 字节起不是有效的 {encoding}；{SAVE_AS_UTF8} — read as {encoding}, but not valid {encoding} from byte {byte}; save it as UTF-8"
            ),
            ReadError::Empty => f.write_str(
                "输入为空（没有内容，或只有空白）— the input is empty (no content, or only white space)",
            ),
        }
    }
}

/// Reads a regular file of at most `limit` bytes ([`open_regular`]: a FIFO, device or socket
/// is refused unopened, so none can hang or grow a run): one open, its size from the open
/// file, then a read that stops one byte past the limit. Standard input is read with
/// [`read_limited`].
pub fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.len() > limit as u64 {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let capacity = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    read_limited(file, limit, capacity)
}

/// Why a path that is not a regular file is refused (standard input is read as `-`).
pub const NOT_REGULAR: &str = "不是普通文件（管道、设备或套接字），未打开 not a regular file (a FIFO, device or socket); not opened";

/// Opens `path` for reading only if it is a regular file. The open does not block (on Unix
/// with `O_NONBLOCK`, so a FIFO with no writer cannot hang the run) and the open file is checked:
/// a directory is [`ReadError::Directory`]; a FIFO, device or socket is refused with
/// [`NOT_REGULAR`] before a byte is read.
pub fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            NOT_REGULAR,
        )));
    }
    Ok(file)
}

/// `O_NONBLOCK` (the same value on Linux and the BSDs' `open(2)` for reading a FIFO: return at
/// once instead of waiting for a writer; reading a regular file is unaffected).
#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const O_NONBLOCK: i32 = 0x0004;

/// Reads at most `limit` bytes from `r` (stdin, or an open file); more is an error.
pub fn read_limited(r: impl Read, limit: usize, capacity: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(capacity.min(limit.saturating_add(1)));
    r.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// The bytes as text, in the encoding set by [`set_encoding`] (see the module documentation),
/// with a leading byte-order mark removed (UTF-8 in place, no copy).
pub fn into_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    into_text_as(bytes, encoding())
}

/// [`into_text`] with the encoding for non-UTF-8 text given.
pub fn into_text_as(bytes: Vec<u8>, assume: Encoding) -> Result<String, ReadError> {
    let text = match bytes.as_slice() {
        [0xFF, 0xFE, 0, 0, rest @ ..] => utf32(rest, true)?,
        [0, 0, 0xFE, 0xFF, rest @ ..] => utf32(rest, false)?,
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true)?,
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false)?,
        _ => match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.drain(..'\u{feff}'.len_utf8());
                }
                text
            }
            Err(e) => not_utf8(e.as_bytes(), e.utf8_error().valid_up_to(), assume)?,
        },
    };
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(text)
}

fn not_utf8(bytes: &[u8], valid_up_to: usize, assume: Encoding) -> Result<String, ReadError> {
    if let Some(u) = without_bom(bytes) {
        return Err(ReadError::Encoding(u));
    }
    let gb = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes);
    match (gb, assume) {
        (Some(text), Encoding::Gb18030) => Ok(text.into_owned()),
        (Some(_), Encoding::Utf8) => Err(ReadError::Encoding(Unreadable::Gb18030)),
        (None, Encoding::Gb18030) => Err(ReadError::Encoding(Unreadable::Malformed {
            encoding: "GB18030",
            byte: gb18030_valid_up_to(bytes),
        })),
        (None, Encoding::Utf8) => Err(ReadError::NotUtf8 {
            byte: valid_up_to,
            line: 1 + bytes
                .get(..valid_up_to)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()),
        }),
    }
}

/// Where GB18030 decoding first fails (the decoder's own report).
fn gb18030_valid_up_to(bytes: &[u8]) -> usize {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(0),
    );
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(len, back) => {
            read.saturating_sub(usize::from(len) + usize::from(back))
        }
        _ => read,
    }
}

/// UTF-16 or UTF-32 without a byte-order mark, told by where the zero bytes stand in the
/// first kilobytes. Text has no NUL characters, so zeros come from the encoding: in UTF-32 the
/// high bytes of every unit (nearly all text is in the Basic Multilingual Plane), in UTF-16
/// the high byte of every ASCII character (keys, digits, punctuation, line ends) and of no CJK
/// one — so a quarter of the units holding a zero on one side, and almost none on the other,
/// names the byte order.
fn without_bom(bytes: &[u8]) -> Option<Unreadable> {
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or(bytes);
    let zero_at = |modulus: usize, rem: usize| {
        head.iter()
            .enumerate()
            .filter(|(i, b)| i % modulus == rem && **b == 0)
            .count()
    };
    if head.len() >= 8 && head.len().is_multiple_of(4) {
        let u = head.len() / 4;
        let all = |n: usize| n * 10 >= u * 9;
        let few = |n: usize| n * 10 < u;
        if all(zero_at(4, 2)) && all(zero_at(4, 3)) && few(zero_at(4, 0)) {
            return Some(Unreadable::Utf32NoBom { le: true });
        }
        if all(zero_at(4, 0)) && all(zero_at(4, 1)) && few(zero_at(4, 3)) {
            return Some(Unreadable::Utf32NoBom { le: false });
        }
    }
    if head.len() >= 4 {
        let u = head.len() / 2;
        let (even, odd) = (zero_at(2, 0), zero_at(2, 1));
        let many = |n: usize| n * 4 >= u;
        let few = |n: usize| n * 20 < u;
        if many(odd) && few(even) {
            return Some(Unreadable::Utf16NoBom { le: true });
        }
        if many(even) && few(odd) {
            return Some(Unreadable::Utf16NoBom { le: false });
        }
    }
    None
}

fn utf16(bytes: &[u8], le: bool) -> Result<String, ReadError> {
    let encoding = if le { "UTF-16LE" } else { "UTF-16BE" };
    // Offsets count the two bytes of the mark.
    let malformed = |unit: usize| {
        ReadError::Encoding(Unreadable::Malformed {
            encoding,
            byte: 2 + 2 * unit,
        })
    };
    if !bytes.len().is_multiple_of(2) {
        return Err(malformed(bytes.len() / 2));
    }
    let units = bytes.chunks_exact(2).map(|c| {
        let pair = [
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ];
        if le {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut text = String::with_capacity(bytes.len());
    let mut unit = 0;
    for c in char::decode_utf16(units) {
        let c = c.map_err(|_| malformed(unit))?;
        unit += c.len_utf16();
        text.push(c);
    }
    Ok(text)
}

fn utf32(bytes: &[u8], le: bool) -> Result<String, ReadError> {
    let encoding = if le { "UTF-32LE" } else { "UTF-32BE" };
    let mut text = String::with_capacity(bytes.len() / 2);
    for (i, c) in bytes.chunks(4).enumerate() {
        let c = match *c {
            [a, b, c, d] if le => Some(u32::from_le_bytes([a, b, c, d])),
            [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
        .and_then(char::from_u32)
        .ok_or(ReadError::Encoding(Unreadable::Malformed {
            encoding,
            byte: 4 + 4 * i,
        }))?;
        text.push(c);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn limits_utf8_and_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "\u{feff}a: 1\n").unwrap();
        assert_eq!(into_text(read_file(&p, 100).unwrap()).unwrap(), "a: 1\n");
        assert!(matches!(
            read_file(&p, 3),
            Err(ReadError::TooLarge {
                size: Some(8),
                limit: 3
            })
        ));
        assert!(matches!(
            read_file(dir.path(), 100),
            Err(ReadError::Directory)
        ));
        assert!(matches!(
            read_limited(&b"abcdef"[..], 5, 0),
            Err(ReadError::TooLarge {
                size: None,
                limit: 5
            })
        ));
        assert!(matches!(
            into_text(b"ok\xffno".to_vec()),
            Err(ReadError::NotUtf8 { byte: 2, line: 1 })
        ));
        assert!(matches!(
            read_file(&dir.path().join("none"), 9),
            Err(ReadError::Io(_))
        ));
    }

    /// Any text input, a CSV roster included, decodes the same way.
    #[test]
    fn encodings_of_a_csv_roster() {
        let csv = "统一社会信用代码,名称\n91230103MA1CK4T714,哈尔滨龙江融媒\n";
        let utf16 = |le: bool, bom: bool| {
            let mut b: Vec<u8> = match (bom, le) {
                (false, _) => vec![],
                (true, true) => vec![0xFF, 0xFE],
                (true, false) => vec![0xFE, 0xFF],
            };
            for u in csv.encode_utf16() {
                b.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            b
        };
        let mut utf32 = vec![0xFF, 0xFE, 0, 0];
        for c in csv.chars() {
            utf32.extend(u32::from(c).to_le_bytes());
        }
        let gb = encoding_rs::GB18030.encode(csv).0.into_owned();
        for bytes in [utf16(true, true), utf16(false, true), utf32] {
            assert_eq!(into_text_as(bytes, Encoding::Utf8).unwrap(), csv);
        }
        assert_eq!(
            into_text_as(gb.clone(), Encoding::Gb18030).unwrap(),
            csv,
            "GB18030 on request"
        );
        assert!(matches!(
            into_text_as(gb, Encoding::Utf8),
            Err(ReadError::Encoding(Unreadable::Gb18030))
        ));
        assert!(matches!(
            into_text_as(utf16(true, false), Encoding::Utf8),
            Err(ReadError::Encoding(Unreadable::Utf16NoBom { le: true }))
        ));
        assert!(matches!(
            into_text_as(utf16(false, false), Encoding::Gb18030),
            Err(ReadError::Encoding(Unreadable::Utf16NoBom { le: false }))
        ));
        // UTF-8 stays UTF-8 with the flag.
        assert_eq!(
            into_text_as(csv.as_bytes().to_vec(), Encoding::Gb18030).unwrap(),
            csv
        );
        // Malformed after a mark: the byte is named (mark included in the count).
        assert!(matches!(
            into_text_as(vec![0xFF, 0xFE, b'a', 0, 0x00, 0xD8], Encoding::Utf8),
            Err(ReadError::Encoding(Unreadable::Malformed {
                encoding: "UTF-16LE",
                byte: 4
            }))
        ));
        assert!(matches!(
            into_text_as(vec![0xFF, 0xFE, 0, 0, 0, 0, 0x11, 0], Encoding::Utf8),
            Err(ReadError::Encoding(Unreadable::Malformed {
                encoding: "UTF-32LE",
                byte: 4
            }))
        ));
        for empty in [&b""[..], b" \r\n\t", b"\xEF\xBB\xBF", b"\xFF\xFE"] {
            assert!(matches!(
                into_text_as(empty.to_vec(), Encoding::Utf8),
                Err(ReadError::Empty)
            ));
        }
        let e = into_text_as(b"a\nb\n\xFF\xFF\xFF".to_vec(), Encoding::Utf8).unwrap_err();
        assert!(
            matches!(e, ReadError::NotUtf8 { byte: 4, line: 3 }),
            "{e:?}"
        );
        assert!(e.to_string().contains("请另存为 UTF-8 / save as UTF-8"));
    }
}
