//! The campaign's database: `DIR/campaign.sqlite`, created owner-only, its schema and forward
//! migrations, the write lock and the audit log. docs/CAMPAIGN.md documents every table.

use rusqlite::{Connection, OptionalExtension, params};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The database file in a campaign directory.
pub const DB_FILE: &str = "campaign.sqlite";
/// The lock file every writing command holds (an advisory lock: a second writer refuses).
pub const LOCK_FILE: &str = "campaign.lock";

/// The schema version this build writes; older databases are migrated forward on open.
pub const SCHEMA_VERSION: i64 = 2;

/// The forward migrations: entry `i` takes a database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[include_str!("schema-1.sql"), include_str!("schema-2.sql")];

/// A campaign error: a message for people (bilingual where it is the tool's own words).
pub type Error = String;
/// A campaign result.
pub type Result<T> = std::result::Result<T, Error>;

/// An SQLite error as a message naming the database.
pub fn db_err(e: rusqlite::Error) -> Error {
    format!("{DB_FILE}: {e}")
}

/// An open campaign.
#[derive(Debug)]
pub struct Campaign {
    /// The campaign directory.
    pub dir: PathBuf,
    /// The database connection.
    pub conn: Connection,
    /// The write lock, held while a writing command runs.
    _lock: Option<File>,
}

fn ensure_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                format!(
                    "{}: 无法创建目录 cannot create the directory: {e}",
                    dir.display()
                )
            })?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// Creates a directory under the campaign owner-only (0700).
pub fn private_dir(dir: &Path) -> Result<()> {
    ensure_private_dir(dir)
}

/// Writes a file owner-only (0600), atomically (a temporary file renamed into place).
pub fn private_write(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        ensure_private_dir(parent)?;
    }
    let tmp = path.with_extension("hegui-tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A file written owner-only (0600) by parts, then put in place atomically: it is written to
/// a temporary name beside it and renamed by [`PrivateFile::commit`] (dropped uncommitted, the
/// temporary file is removed).
#[derive(Debug)]
pub struct PrivateFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<File>>,
}

impl PrivateFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<PrivateFile> {
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(parent) = path.parent() {
            ensure_private_dir(parent)?;
        }
        let tmp = path.with_extension("hegui-tmp");
        let f = std::fs::OpenOptions::new()
            .write(true)
            .read(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        Ok(PrivateFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(std::io::BufWriter::with_capacity(1 << 16, f)),
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        match &mut self.file {
            Some(f) => f
                .write_all(bytes)
                .map_err(|e| format!("{}: {e}", self.tmp.display())),
            None => Ok(()),
        }
    }

    /// The file being written (for writers that need to seek, such as a workbook's).
    pub fn file(&mut self) -> Result<&mut std::io::BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| format!("{}: already written", self.path.display()))
    }

    /// Flushes, syncs and renames the file into place; returns its path.
    pub fn commit(mut self) -> Result<PathBuf> {
        let shown = |e: std::io::Error| format!("{}: {e}", self.tmp.display());
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| shown(e.into_error()))?;
            f.sync_all().map_err(shown)?;
        }
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok(self.path.clone())
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn lock(dir: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(LOCK_FILE);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "{}: 另一个 hegui campaign 命令正在写入此活动，请等它结束后再试 / another hegui campaign command is writing to this campaign; run this one after it has finished",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("{}: {e}", path.display())),
    }
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL: readers see the last committed state while a collect writes; a killed process
    // leaves the last committed transaction. NORMAL is durable against a killed process.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db_err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(db_err)?;
    // Checkpoints (each with an fsync) every ~40 MB of log rather than every 4 MB.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)
        .map_err(db_err)?;
    // 16 MiB of page cache: the indexes a collect looks up stay in memory.
    conn.pragma_update(None, "cache_size", -16_384)
        .map_err(db_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(db_err)?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(db_err)?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{DB_FILE}: 数据库版本 {version} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 hegui / the database has schema version {version}, newer than this hegui's {SCHEMA_VERSION}: upgrade hegui"
        ));
    }
    for v in version..SCHEMA_VERSION {
        let sql = usize::try_from(v)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
            .ok_or_else(|| format!("{DB_FILE}: no migration from version {v}"))?;
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.pragma_update(None, "user_version", v + 1)
            .map_err(db_err)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
            params![(v + 1).to_string()],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

impl Campaign {
    /// Creates a new campaign directory (0700) and its database (0600). Refuses a directory
    /// that already holds a campaign.
    pub fn create(dir: &Path) -> Result<Campaign> {
        use std::os::unix::fs::OpenOptionsExt;
        ensure_private_dir(dir)?;
        let lock = lock(dir)?;
        let db = dir.join(DB_FILE);
        if db.exists() {
            return Err(format!(
                "{}: 此目录已有活动数据库 / this directory already holds a campaign",
                db.display()
            ));
        }
        // Created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the
        // database file's permissions.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&db)
            .map_err(|e| format!("{}: {e}", db.display()))?;
        let mut conn = Connection::open(&db).map_err(db_err)?;
        configure(&conn)?;
        migrate(&mut conn)?;
        Ok(Campaign {
            dir: dir.to_path_buf(),
            conn,
            _lock: Some(lock),
        })
    }

    /// Opens an existing campaign; `write` takes the write lock (a second writer refuses).
    /// Older schemas are migrated forward (only by a writer).
    pub fn open(dir: &Path, write: bool) -> Result<Campaign> {
        let db = dir.join(DB_FILE);
        if !db.is_file() {
            return Err(format!(
                "{}: 没有活动数据库，请先运行 hegui campaign init / no campaign here: run `hegui campaign init {} --roster FILE --pack ID` first",
                db.display(),
                dir.display()
            ));
        }
        let lock = if write { Some(lock(dir)?) } else { None };
        let mut conn = Connection::open(&db).map_err(db_err)?;
        configure(&conn)?;
        if write {
            migrate(&mut conn)?;
        } else {
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(db_err)?;
            if version != SCHEMA_VERSION {
                return Err(format!(
                    "{DB_FILE}: schema version {version}, this hegui reads {SCHEMA_VERSION}: run a writing command (e.g. `hegui campaign status` after `collect`) or upgrade hegui"
                ));
            }
        }
        Ok(Campaign {
            dir: dir.to_path_buf(),
            conn,
            _lock: lock,
        })
    }

    /// A second connection that copies the write-ahead log into the database (a checkpoint)
    /// on a thread of its own whenever [`Checkpointer::nudge`] is called, while this
    /// connection's own automatic checkpoints are off: a long collect's writer thread then
    /// only appends. Checkpoints are passive (never waiting for readers); the last one runs
    /// when the checkpointer is dropped, and the writer's automatic checkpoints resume.
    pub fn checkpointer(&self) -> Result<Checkpointer> {
        let conn = Connection::open(self.dir.join(DB_FILE)).map_err(db_err)?;
        configure(&conn)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(db_err)?;
        let (send, recv) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            while recv.recv().is_ok() {
                // Busy (a reader in the way) only postpones the copy to the next nudge.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        });
        Ok(Checkpointer {
            send: Some(send),
            thread: Some(thread),
        })
    }

    /// The current (highest) round number.
    pub fn current_round(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT MAX(number) FROM rounds", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(db_err)?
            .ok_or_else(|| format!("{DB_FILE}: 活动没有轮次 / the campaign has no round"))
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(db_err)
    }
}

/// Checkpoints on a thread of its own ([`Campaign::checkpointer`]).
#[derive(Debug)]
pub struct Checkpointer {
    send: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Asks for a checkpoint (after a commit); a request already waiting covers this one.
    pub fn nudge(&self) {
        if let Some(s) = &self.send {
            let _ = s.try_send(());
        }
    }

    /// Runs the last checkpoint and waits for it; the writer's automatic checkpoints resume.
    pub fn finish(mut self, conn: &Connection) -> Result<()> {
        self.stop();
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)
            .map_err(db_err)
    }

    fn stop(&mut self) {
        self.send.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Pages of write-ahead log after which a writer copies it into the database (~40 MB).
const WAL_AUTOCHECKPOINT: i64 = 10_000;

/// Now, as stored: RFC 3339 UTC to the second.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Who runs a manual action: `--by`, else the login name of the environment.
pub fn actor(by: Option<&str>) -> String {
    by.map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Records a manual action in the audit log.
pub fn audit(
    conn: &Connection,
    actor: &str,
    action: &str,
    subject: &str,
    reason: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now(), actor, action, subject, reason],
    )
    .map_err(db_err)?;
    Ok(())
}
