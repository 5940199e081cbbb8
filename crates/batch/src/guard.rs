//! A batch run's hold on its output directory and its temporary files (SECURITY.md, "Batch").
//!
//! - `--out` is locked (`.hegui.lock`, an advisory lock the system drops when the process
//!   ends, however it ends): a second batch writing the same directory is refused at once,
//!   before it reads anything.
//! - The run's temporary files live in directories of its own: spill files in
//!   `TMPDIR/hegui-run-XXXXXX/` (which holds a lock of its own while the run lives), report and
//!   summary temporaries in `--out/.hegui-tmp/` (on the output's file system, so they can be
//!   renamed into place). Both are removed when the run ends normally or with an error (the
//!   guard's drop), and on Ctrl-C, SIGTERM and SIGHUP (a signal handler, then exit 130).
//! - A run killed outright (SIGKILL, power loss) leaves them behind; the next run sweeps them:
//!   every `TMPDIR/hegui-run-*` whose lock is free, and `--out/.hegui-tmp` and hegui's
//!   temporary names (`.hegui.<pid>.<n>.tmp`) in `--out` and `--out/reports` (the lock on
//!   `--out` says no other run is writing there).

use super::{LOCK, TEMP_DIR};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The prefix of a run's directory in `TMPDIR`.
const RUN_PREFIX: &str = "hegui-run-";
/// The lock file inside a run's directory.
const RUN_LOCK: &str = "lock";

/// What the signal handler removes: the current run's temporary directories.
static CLEANUP: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// The running batch's temporary directory in `--out`, while a guard holds it.
static OUT_TMP: std::sync::RwLock<Option<PathBuf>> = std::sync::RwLock::new(None);

/// The directory for temporary files in `--out` while a [`RunGuard`] is held (`None`
/// otherwise: then outputs are written beside their targets). Once set it stays the answer
/// until the guard is dropped, even if a signal handler has removed the directory: a write
/// then fails instead of leaving a temporary file elsewhere.
pub fn out_tmp() -> Option<PathBuf> {
    OUT_TMP.read().ok().and_then(|d| d.clone())
}

/// Held while a batch runs: the lock on `--out` and the run's temporary directories.
#[derive(Debug)]
pub struct RunGuard {
    _out_lock: File,
    out_tmp: PathBuf,
    run_dir: Option<tempfile::TempDir>,
    _run_lock: Option<File>,
    /// Stale temporary files and directories removed at the start.
    pub swept: usize,
}

/// Why a batch cannot start.
#[derive(Debug)]
pub enum GuardError {
    /// Another batch holds the lock on the output directory.
    Busy(PathBuf),
    /// The lock or a temporary directory cannot be made.
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuardError::Busy(out) => write!(
                f,
                "{}: 另一个 hegui batch 正在写入此目录，请等它结束或换一个 --out another hegui batch is writing to this directory; wait for it to finish or choose another --out",
                out.display()
            ),
            GuardError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl RunGuard {
    /// Locks `out` (which exists), sweeps what killed runs left, makes the run's temporary
    /// directories and installs the signal handler that removes them.
    pub fn start(out: &Path) -> Result<RunGuard, GuardError> {
        let lock = lock_out(out)?;
        let (out_tmp, mut swept) = sweep_out(out)?;
        swept += sweep_run_dirs(&std::env::temp_dir());
        // The spill files' directory: a missing or full TMPDIR is reported by the spill store
        // itself when it is needed (most batches never spill), so a failure here is not fatal.
        let (run_dir, run_lock) = match tempfile::Builder::new().prefix(RUN_PREFIX).tempdir() {
            Ok(dir) => {
                let lock = File::create(dir.path().join(RUN_LOCK))
                    .ok()
                    .filter(|f| f.try_lock().is_ok());
                super::spill::set_temp_dir(Some(dir.path().to_path_buf()));
                (Some(dir), lock)
            }
            Err(_) => (None, None),
        };
        if let Ok(mut c) = CLEANUP.lock() {
            c.clear();
            c.push(out_tmp.clone());
            if let Some(d) = &run_dir {
                c.push(d.path().to_path_buf());
            }
        }
        if let Ok(mut d) = OUT_TMP.write() {
            *d = Some(out_tmp.clone());
        }
        install_handler();
        Ok(RunGuard {
            _out_lock: lock,
            out_tmp,
            run_dir,
            _run_lock: run_lock,
            swept,
        })
    }

    /// The directory for the run's temporary files in `--out`.
    pub fn out_tmp(&self) -> &Path {
        &self.out_tmp
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        if let Ok(mut c) = CLEANUP.lock() {
            c.clear();
        }
        super::spill::set_temp_dir(None);
        if let Ok(mut d) = OUT_TMP.write() {
            *d = None;
        }
        let _ = std::fs::remove_dir_all(&self.out_tmp);
        if let Some(d) = self.run_dir.take() {
            let _ = d.close();
        }
    }
}

/// Opens and locks `out/.hegui.lock`; [`GuardError::Busy`] if another run holds it.
fn lock_out(out: &Path) -> Result<File, GuardError> {
    let lock_path = out.join(LOCK);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| GuardError::Io(lock_path.clone(), e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(GuardError::Busy(out.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(GuardError::Io(lock_path, e)),
    }
}

/// With the lock on `out` held: removes what killed runs left there and makes a fresh
/// `out/.hegui-tmp`. Returns it and how many stale entries were removed.
fn sweep_out(out: &Path) -> Result<(PathBuf, usize), GuardError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| GuardError::Io(p, e)
    };
    let mut swept = 0;
    // Nothing else writes here while the lock is held: whatever is left is stale.
    let out_tmp = out.join(TEMP_DIR);
    if std::fs::symlink_metadata(&out_tmp).is_ok() {
        swept += std::fs::read_dir(&out_tmp).map_or(1, |d| d.count());
        if std::fs::symlink_metadata(&out_tmp).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&out_tmp).map_err(io(&out_tmp))?;
        } else {
            std::fs::remove_file(&out_tmp).map_err(io(&out_tmp))?;
        }
    }
    // What a handler stopped half-way through removing (see `remove_while_running`).
    let half_removed = out.join(format!("{TEMP_DIR}.removed"));
    if std::fs::symlink_metadata(&half_removed).is_ok_and(|m| m.is_dir())
        && std::fs::remove_dir_all(&half_removed).is_ok()
    {
        swept += 1;
    }
    swept += hegui_core::io::atomic::sweep_temporaries(out);
    swept += hegui_core::io::atomic::sweep_temporaries(&out.join("reports"));
    std::fs::create_dir(&out_tmp).map_err(io(&out_tmp))?;
    Ok((out_tmp, swept))
}

/// Removes the run directories in `tmp` that no live run holds (their lock is free), and
/// those without a lock file that are more than an hour old. Returns how many.
fn sweep_run_dirs(tmp: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.filter_map(Result::ok) {
        let is_run = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(RUN_PREFIX));
        if !is_run || !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = e.path();
        let stale = match File::open(dir.join(RUN_LOCK)) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600),
        };
        if stale && std::fs::remove_dir_all(&dir).is_ok() {
            n += 1;
        }
    }
    n
}

/// The most threads `RAYON_NUM_THREADS` may ask for: 4 per core, at most 256.
pub fn max_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_mul(4)
        .clamp(1, 256)
}

/// Clamps `RAYON_NUM_THREADS` (`100000` would start 100,000 threads): when it asks for more
/// than [`max_threads`], the global thread pool is built with that many instead, and the
/// returned note says so. Call before the pool is first used.
pub fn clamp_threads() -> Option<String> {
    let asked: usize = std::env::var("RAYON_NUM_THREADS")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let max = max_threads();
    if asked <= max {
        return None;
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(max)
        .build_global()
        .ok()?;
    Some(format!(
        "RAYON_NUM_THREADS={asked} 过大，改用 {max} 个线程 is too many; using {max} threads (4 per core, at most 256)"
    ))
}

/// Removes `dir` while other threads may still be creating files in it: renamed first, so
/// that no new file can appear in it (they are created by its old path, which no longer
/// exists), then removed.
fn remove_while_running(dir: &Path) {
    let mut dead = dir.as_os_str().to_owned();
    dead.push(".removed");
    let dead = PathBuf::from(dead);
    let gone = if std::fs::rename(dir, &dead).is_ok() {
        dead
    } else {
        dir.to_path_buf()
    };
    for _ in 0..3 {
        if std::fs::remove_dir_all(&gone).is_ok() {
            break;
        }
    }
}

/// Ctrl-C, SIGTERM and SIGHUP: remove the run's temporary directories, then exit 130.
fn install_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if let Ok(c) = CLEANUP.lock() {
                for d in c.iter() {
                    remove_while_running(d);
                }
            }
            eprintln!("hegui: 已中断，临时文件已删除 interrupted; temporary files removed");
            std::process::exit(130);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_directory_is_refused_and_stale_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("reports")).unwrap();
        std::fs::write(dir.path().join("reports/.hegui.1.2.tmp"), "x").unwrap();
        std::fs::create_dir(dir.path().join(TEMP_DIR)).unwrap();
        std::fs::write(dir.path().join(TEMP_DIR).join("junk"), "x").unwrap();
        std::fs::write(dir.path().join("mine.tmp"), "x").unwrap();
        let lock = lock_out(dir.path()).unwrap();
        // File locks belong to an open file: a second open, even in this process, conflicts.
        assert!(matches!(lock_out(dir.path()), Err(GuardError::Busy(_))));
        let (tmp, swept) = sweep_out(dir.path()).unwrap();
        assert_eq!(swept, 2);
        assert!(tmp.is_dir() && std::fs::read_dir(&tmp).unwrap().count() == 0);
        assert!(!dir.path().join("reports/.hegui.1.2.tmp").exists());
        assert!(dir.path().join("mine.tmp").exists(), "not hegui's: kept");
        drop(lock);
        // Free once the holder is gone. A child that another test forks in this process holds a
        // copy of the descriptor until its exec closes it, so allow that moment to pass.
        let free = (0..200).any(|_| {
            lock_out(dir.path()).is_ok() || {
                std::thread::sleep(std::time::Duration::from_millis(10));
                false
            }
        });
        assert!(free, "free once the holder is gone");
    }

    #[test]
    fn run_directories_are_swept_only_when_no_run_holds_them() {
        let tmp = tempfile::tempdir().unwrap();
        let live = tmp.path().join("hegui-run-live");
        let dead = tmp.path().join("hegui-run-dead");
        let other = tmp.path().join("not-ours");
        for d in [&live, &dead, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join(RUN_LOCK), "").unwrap();
        }
        let held = File::open(live.join(RUN_LOCK)).unwrap();
        held.try_lock().unwrap();
        assert_eq!(sweep_run_dirs(tmp.path()), 1);
        assert!(live.exists() && !dead.exists() && other.exists());
    }
}
