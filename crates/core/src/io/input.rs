//! Reading an input's text: bounded by a size limit, checked to be UTF-8, without a byte-order
//! mark. The one reader behind `hegui assess`/`validate`/… (`cli::read_input`) and batches, so
//! both refuse the same inputs: a file over the limit is refused before it is read, and one
//! that grows while being read (or a device or pipe with no size) is cut off at the limit.
//!
//! Callers word the errors: a command says how to raise the limit, a batch lists the file
//! among the rejected.

use std::io::Read;
use std::path::Path;

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
    },
}

/// Reads a file of at most `limit` bytes: one open, its size from the open file, then a read
/// that stops one byte past the limit.
pub fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if meta.len() > limit as u64 {
        return Err(ReadError::TooLarge {
            size: Some(meta.len()),
            limit,
        });
    }
    let capacity = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    read_limited(file, limit, capacity)
}

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

/// The bytes as text, with a leading byte-order mark removed (in place, no copy).
pub fn into_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    let mut text = String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        byte: e.utf8_error().valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
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
            Err(ReadError::NotUtf8 { byte: 2 })
        ));
        assert!(matches!(
            read_file(&dir.path().join("none"), 9),
            Err(ReadError::Io(_))
        ));
    }
}
