//! Atomic file output: every report, summary and generated file is written to a temporary file
//! in the same directory, synced, then renamed over the target. A killed run leaves either the
//! old file or the new one, never half of one; a failed write removes its temporary file.
//!
//! What `-o` names is looked at first (SECURITY.md, "Output paths"):
//! - a character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is written
//!   straight into, never renamed over (as root a rename would replace the device node, and an
//!   ordinary user cannot create a temporary file in `/dev` at all);
//! - a symbolic link is followed: its target is written, atomically, beside the target (the
//!   link stays a link);
//! - a directory, a block device or a socket is refused.
//!
//! Temporary names are short (`.hegui.<pid>.<n>.tmp`), so a long but legal output name never
//! becomes an illegal temporary one.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The prefix of every temporary file hegui writes beside an output.
pub const TEMP_PREFIX: &str = ".hegui.";
/// The suffix of every temporary file hegui writes beside an output.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A fresh temporary file name: `.hegui.<pid>.<n>.tmp` (at most 37 bytes).
pub fn temp_name() -> OsString {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{TEMP_PREFIX}{}.{n}{TEMP_SUFFIX}", std::process::id()).into()
}

/// Whether `name` is one of hegui's temporary names (see [`temp_name`]).
pub fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| {
        n.strip_prefix(TEMP_PREFIX)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
            .is_some_and(|mid| {
                !mid.is_empty() && mid.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            })
    })
}

/// Removes hegui's temporary files left in `dir` by a killed run (only names of
/// [`temp_name`]'s form, and only regular files). Returns how many were removed.
pub fn sweep_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.filter_map(Result::ok) {
        if is_temp_name(&e.file_name())
            && e.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(e.path()).is_ok()
        {
            n += 1;
        }
    }
    n
}

/// Where the bytes for an output path go.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// Straight into it (a character device or a FIFO).
    Direct(PathBuf),
    /// This process's own standard output or error (`/dev/stdout`, `/proc/self/fd/2`): written
    /// through a duplicate of the descriptor, so at the offset the caller's shell shares.
    Own(u8),
    /// A regular file (or none yet): a temporary file beside it, renamed over it.
    Replace(PathBuf),
}

fn refused(path: &Path, why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{}: {why}", path.display()),
    )
}

/// What `path` leads to, symbolic links followed (at most 40, as the kernel does).
fn destination(path: &Path) -> std::io::Result<Destination> {
    use std::os::unix::fs::FileTypeExt;
    if path.as_os_str().is_empty() {
        return Err(refused(path, "输出路径为空 the output path is empty"));
    }
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Destination::Replace(p));
            }
            Err(e) => return Err(e),
        };
        let t = meta.file_type();
        if t.is_symlink() && is_descriptor_link(&p) {
            // `/dev/stdout` → `/proc/self/fd/1`: what the caller opened (`> f`, `>> log`, a
            // pipe) is written through; replacing the file it names would drop what the
            // caller wrote before and after.
            let own = p.parent().is_some_and(|d| {
                d == Path::new("/proc/self/fd")
                    || d == Path::new(&format!("/proc/{}/fd", std::process::id()))
            });
            return Ok(match p.file_name().and_then(|n| n.to_str()) {
                Some("1") if own => Destination::Own(1),
                Some("2") if own => Destination::Own(2),
                _ => Destination::Direct(p),
            });
        }
        if t.is_symlink() {
            // A link to a device or a pipe (`/dev/stdout` → `/proc/self/fd/1` → `pipe:[…]`):
            // what it opens is written into; its target may not even be a path.
            if let Ok(m) = std::fs::metadata(&p)
                && (m.file_type().is_char_device() || m.file_type().is_fifo())
            {
                return Ok(Destination::Direct(p));
            }
            let target = std::fs::read_link(&p)?;
            p = match p.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            continue;
        }
        if t.is_file() {
            return Ok(Destination::Replace(p));
        }
        if t.is_dir() {
            return Err(refused(
                path,
                "是目录，-o 需要文件名 is a directory; -o names a file",
            ));
        }
        if t.is_char_device() || t.is_fifo() {
            return Ok(Destination::Direct(p));
        }
        return Err(refused(
            path,
            "不是普通文件、字符设备或管道 not a regular file, character device or FIFO",
        ));
    }
    Err(refused(
        path,
        "符号链接层数过多 too many levels of symbolic links",
    ))
}

/// Whether `p` is one of the system's links to an open file descriptor (`/proc/self/fd/1`,
/// `/proc/<pid>/fd/N`, `/dev/fd/N`).
fn is_descriptor_link(p: &Path) -> bool {
    let Some(dir) = p.parent() else {
        return false;
    };
    dir == Path::new("/dev/fd")
        || (dir.file_name().is_some_and(|n| n == "fd")
            && dir.parent().and_then(Path::parent) == Some(Path::new("/proc")))
}

fn temporary_beside(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(temp_name())
}

/// Writes `path` atomically, streaming through `body` (buffered; nothing held in memory).
/// A character device or a FIFO is written straight into; a symbolic link's target is
/// replaced (the link stays); a directory is refused (see the module's notes).
pub fn write_with(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match destination(path)? {
        Destination::Own(n) => {
            use std::os::fd::AsFd;
            let fd = if n == 1 {
                std::io::stdout().as_fd().try_clone_to_owned()?
            } else {
                std::io::stderr().as_fd().try_clone_to_owned()?
            };
            let mut w = BufWriter::with_capacity(1 << 16, File::from(fd));
            body(&mut w)?;
            w.flush()
        }
        Destination::Direct(p) => {
            // Appending: the same as writing for a device or a pipe, and for a descriptor
            // the caller opened it keeps what came before.
            let f = std::fs::OpenOptions::new().append(true).open(p)?;
            let mut w = BufWriter::with_capacity(1 << 16, f);
            body(&mut w)?;
            w.flush()
        }
        Destination::Replace(target) => {
            let staged = stage_at(temporary_beside(&target), target, body)?;
            staged.commit()
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// A file written to a temporary name, waiting to be renamed over its target. Dropped
/// without [`Staged::commit`], its temporary file is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staged {
    /// Renames the temporary file over the target.
    pub fn commit(mut self) -> std::io::Result<()> {
        let r = std::fs::rename(&self.tmp, &self.target);
        self.committed = r.is_ok();
        r
    }

    /// The file this will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn stage_at(
    tmp: PathBuf,
    target: PathBuf,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<Staged> {
    let file = File::create(&tmp)?;
    // From here on the temporary file is removed on any failure (Staged's drop).
    let staged = Staged {
        tmp,
        target,
        committed: false,
    };
    let mut w = BufWriter::with_capacity(1 << 16, file);
    body(&mut w)?;
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok(staged)
}

/// Writes `target` to a temporary file in `tmp_dir` (on the same file system), to be renamed
/// over `target` by [`Staged::commit`]. For a batch's outputs: several files written first and
/// replaced together, temporary files in one directory a stopped run's clean-up removes whole.
pub fn stage_with(
    target: &Path,
    tmp_dir: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<Staged> {
    stage_at(tmp_dir.join(temp_name()), target.to_path_buf(), body)
}

/// The device and inode of what `path` names (links followed), if it exists.
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Whether the output `output` is the same regular file (device and inode) as `input`.
pub fn same_regular_file(output: &Path, input: &Path) -> bool {
    std::fs::metadata(output).is_ok_and(|m| m.is_file())
        && file_id(output).is_some()
        && file_id(output) == file_id(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.txt");
        write(&p, b"old").unwrap();
        write(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let failed = write_with(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("killed"))
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"new",
            "a failed write keeps the old file"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file is left"
        );
    }

    #[test]
    fn temporary_names_are_short_and_recognised() {
        let n = temp_name();
        assert!(n.len() < 40, "{n:?}");
        assert!(is_temp_name(&n));
        assert!(!is_temp_name(std::ffi::OsStr::new(".hegui.tmp")));
        assert!(!is_temp_name(std::ffi::OsStr::new("report.tmp")));
        assert!(!is_temp_name(std::ffi::OsStr::new(".hegui.x.tmp")));
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/real.md");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink("sub/real.md", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // a dangling link creates its target
        let dangling = dir.path().join("d.md");
        std::os::unix::fs::symlink("sub/new.md", &dangling).unwrap();
        write(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.path().join("sub/new.md")).unwrap(), b"x");
        // a loop is refused, not followed forever
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(write(&a, b"x").is_err());
    }

    #[test]
    fn a_descriptor_link_is_written_through_appending() {
        use std::os::unix::io::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.md");
        std::fs::write(&p, "before\n").unwrap();
        let f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        let link = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
        assert!(is_descriptor_link(&link));
        write(&link, b"report\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "before\nreport\n");
        assert!(is_descriptor_link(Path::new("/dev/fd/1")));
        assert!(!is_descriptor_link(Path::new("/tmp/fd/1")));
    }

    #[test]
    fn a_directory_or_an_empty_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = write(dir.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = write(Path::new(""), b"x").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }
}
