//! Opening the database file: creating it (and its folder) on first use, checking that it is
//! luffy's, migrating it, safely when many processes do so at once, and naming the file or folder
//! when the operating system refuses a write.

use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::{Connection, OpenFlags};

use super::gate::Gate;
use super::{Store, APPLICATION_ID, PAGE_SIZE, SCHEMA_VERSION};
use crate::error::bad_input;

/// How long a connection waits for another process's lock, and how long opening retries a step
/// that SQLite refused as busy without waiting (switching to WAL while another process does).
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the file says about itself, read in one statement (one snapshot): read piece by piece, a
/// file that another process migrates meanwhile looks like tables without luffy's mark.
#[derive(Debug, Clone, Copy)]
struct FileState {
    version: i64,
    application_id: i64,
    tables: i64,
    pages: i64,
}

const STATE_SQL: &str = "SELECT (SELECT user_version FROM pragma_user_version),
        (SELECT application_id FROM pragma_application_id),
        (SELECT count(*) FROM sqlite_master),
        (SELECT page_count FROM pragma_page_count)";

/// The database files this process holds connections to, and how many of each.
///
/// The checks of [`Store::open`] open the file beside SQLite; closing such a file drops every
/// POSIX lock this process holds on it, other connections' included, and then another process
/// that closes its connection believes it was the last and deletes the WAL under them (a
/// server answering requests on several threads, a daemon serving beside its loop). So a file
/// that this process holds open already is opened through SQLite alone, as [`Store::another`]
/// does; and the checks of a first connection run under this lock, so that no other thread's
/// connection is made meanwhile.
///
/// Each file's count comes with the [`Gate`] its writers in this process take turns at.
static HELD: std::sync::Mutex<std::collections::BTreeMap<PathBuf, Held>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// A file this process holds connections to.
struct Held {
    connections: usize,
    gate: Arc<Gate>,
}

fn held() -> std::sync::MutexGuard<'static, std::collections::BTreeMap<PathBuf, Held>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The name a file is counted under (resolved without opening it).
fn held_key(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(key) = self.held.take() {
            let mut held = held();
            if let Some(file) = held.get_mut(&key) {
                file.connections -= 1;
                if file.connections == 0 {
                    held.remove(&key);
                }
            }
        }
    }
}

impl Store {
    /// Opens `path` and counts it as held, through `open` when this process holds no connection
    /// to it yet, else through SQLite alone ([`Store::connect`]); under the lock throughout, so
    /// that a count never misses a live connection.
    fn open_holding(path: &Path, open: impl FnOnce(&Path) -> Result<Store>) -> Result<Store> {
        let mut held = held();
        let mut store = if held.contains_key(&held_key(path)) {
            Store::connect(path.to_path_buf())?
        } else {
            open(path)?
        };
        // the checks may have made the file: count it under the name it has now
        let key = held_key(path);
        let file = held.entry(key.clone()).or_insert_with(|| Held {
            connections: 0,
            gate: Arc::default(),
        });
        file.connections += 1;
        store.gate = Some(Arc::clone(&file.gate));
        store.held = Some(key);
        Ok(store)
    }

    /// Opens (creating when missing, with its folder) and migrates the database at `path`.
    ///
    /// Safe when many processes open a file that does not exist yet at the same time: each
    /// waits for the others' locks, and exactly one creates the schema.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_holding(path, Store::open_checked)
    }

    fn open_checked(path: &Path) -> Result<Store> {
        prepare_file(path)?;
        // Checked before SQLite opens them: SQLite would open an unwritable file read-only
        // without a word (and make a -shm as unwritable beside it), and an unwritable -shm
        // fails only the first write, with a message that names none of them.
        if let Some(why) = unwritable_files(path) {
            return Err(bad_input(format!(
                "cannot write database {}: {why}",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| explain(&path.display().to_string(), err))?;
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
            held: None,
            gate: None,
            committed: None,
        };
        store.set_up()?;
        Ok(store)
    }

    /// Another connection to this store's file, for another thread of this process. It skips
    /// [`Store::open`]'s checks, which open the file beside SQLite: closing such a file drops
    /// every POSIX lock this process holds on it, the other connections' included, and lets
    /// other processes write under their feet.
    pub fn another(&self) -> Result<Store> {
        let Some(path) = self.path.clone() else {
            anyhow::bail!("an in-memory database has no other connection");
        };
        Store::open_holding(&path, |path| Store::connect(path.to_path_buf()))
    }

    /// A connection to `path` made by SQLite alone, set up and migrated.
    fn connect(path: PathBuf) -> Result<Store> {
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| explain(&path.display().to_string(), err))?;
        let mut store = Store {
            conn,
            path: Some(path),
            held: None,
            gate: None,
            committed: None,
        };
        store.set_up()?;
        Ok(store)
    }

    /// Opens the database at `path` for a command that only reads.
    ///
    /// A database that can be written (the file, its folder, its `-wal` and `-shm`) opens as
    /// [`Store::open`] does, migrations included. One that cannot is opened read-only, where
    /// SQLite allows: when its WAL holds nothing, as an immutable file, so that no `-shm` is made
    /// beside it (one made by a reader of a 0400 file is 0400 too, and refuses later writers).
    pub fn open_for_reading(path: &Path) -> Result<Store> {
        Store::open_holding(path, Store::open_for_reading_checked)
    }

    fn open_for_reading_checked(path: &Path) -> Result<Store> {
        if !path.exists() || unwritable(path).is_none() {
            return Store::open_checked(path);
        }
        prepare_file(path)?;
        let wal = sibling(path, "-wal");
        let wal_is_empty = fs::metadata(&wal).map_or(true, |meta| meta.len() == 0);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let describe = path.display().to_string();
        // Immutable: no locks and no -shm. Nothing can be written beside a database whose WAL
        // is empty and whose file or folder luffy cannot write, short of another user who can.
        let conn = if wal_is_empty {
            Connection::open_with_flags(format!("{}?immutable=1", file_uri(path)?), flags)
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(|err| explain(&describe, err))?;
        let store = Store {
            conn,
            path: Some(path.to_path_buf()),
            held: None,
            gate: None,
            committed: None,
        };
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|err| store.explain(err))?;
        let state = store.state().map_err(|err| store.explain(err))?;
        store.check(state)?;
        if state.version < SCHEMA_VERSION {
            return Err(bad_input(format!(
                "database {describe} needs its schema upgraded (version {} to {SCHEMA_VERSION}), \
                 which writes to it, but {}",
                state.version,
                unwritable(path).unwrap_or_else(|| "it is read-only".into())
            )));
        }
        Ok(store)
    }

    /// Busy timeout first, then the checks, the pragmas and the migrations; a step refused as
    /// busy without waiting is tried again until the timeout.
    pub(super) fn set_up(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|err| self.explain(err))?;
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            match self.try_set_up() {
                Err(err) if is_busy(&err) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                done => return done,
            }
        }
    }

    fn try_set_up(&mut self) -> Result<()> {
        let state = self.state().map_err(|err| self.explain(err))?;
        self.check(state)?;
        if state.pages == 0 {
            // A new file: pages of 16 KiB (SQLite's default is 4 KiB). Most of the database is
            // event rows of a few hundred bytes written in long runs; larger pages split less
            // often. Set before anything is written; a file that another process has created
            // meanwhile keeps its size (the pragma only applies to an empty file).
            self.conn
                .execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
                .map_err(|err| self.explain(err))?;
        }
        // The switch to WAL is the first write to a new file (its header): SQLite makes it under
        // an exclusive lock, so that one process creates the file and the others find it made.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|err| self.explain(err))?;
        if self.path.is_some() && !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!("database {} refused WAL mode (got {mode})", self.describe());
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|err| self.explain(err))?;
        if state.version < SCHEMA_VERSION {
            self.migrate()?;
        }
        Ok(())
    }

    /// Migrates in one immediate transaction, which holds the write lock from its start: the
    /// state is read again inside, as another process may have migrated while this one waited.
    fn migrate(&mut self) -> Result<()> {
        let describe = self.describe();
        self.write(|db| {
            let state = db
                .conn
                .query_row(STATE_SQL, [], FileState::from_row)
                .map_err(|err| explain(&describe, err))?;
            check(&describe, state)?;
            let start = usize::try_from(state.version).unwrap_or(0);
            for (number, (name, sql)) in super::MIGRATIONS.iter().enumerate().skip(start) {
                db.conn.execute_batch(sql).map_err(|err| {
                    anyhow::Error::new(err)
                        .context(format!("migration {name} failed on {describe}"))
                })?;
                db.conn.execute_batch(&format!(
                    "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
                    number + 1
                ))?;
            }
            Ok(())
        })
    }

    fn state(&self) -> rusqlite::Result<FileState> {
        self.conn.query_row(STATE_SQL, [], FileState::from_row)
    }

    fn check(&self, state: FileState) -> Result<()> {
        check(&self.describe(), state)
    }
}

impl FileState {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FileState> {
        Ok(FileState {
            version: row.get(0)?,
            application_id: row.get(1)?,
            tables: row.get(2)?,
            pages: row.get(3)?,
        })
    }
}

/// Refuses a database of a newer luffy, or of another program (tables, but not luffy's mark).
fn check(describe: &str, state: FileState) -> Result<()> {
    if state.version > SCHEMA_VERSION {
        return Err(bad_input(format!(
            "database {describe} was written by a newer luffy (schema version {}; this luffy \
             knows up to {SCHEMA_VERSION}); upgrade luffy to use it",
            state.version
        )));
    }
    let foreign = if state.application_id == 0 {
        state.version == 0 && state.tables > 0
    } else {
        state.application_id != i64::from(APPLICATION_ID)
    };
    if foreign {
        return Err(bad_input(format!(
            "{describe} is a SQLite database of another program, not luffy's; refusing to change it"
        )));
    }
    Ok(())
}

/// True when SQLite gave up on a lock (busy or locked) anywhere in the chain.
fn is_busy(err: &anyhow::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    err.chain().any(|cause| {
        cause
            .downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
            .is_some_and(|code| matches!(code, DatabaseBusy | DatabaseLocked))
    })
}

/// Turns SQLite's errors about the file itself into bad input that names the file, or the
/// folder, `-wal` or `-shm` beside it that cannot be written.
pub(super) fn explain(database: &str, err: rusqlite::Error) -> anyhow::Error {
    use rusqlite::ErrorCode;
    match err.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            match Some(Path::new(database))
                .filter(|_| database != ":memory:")
                .and_then(unwritable)
            {
                Some(why) => bad_input(format!("cannot write database {database}: {why}")),
                None => bad_input(format!("cannot write database {database}: {err}")),
            }
        }
        Some(ErrorCode::NotADatabase) => bad_input(format!(
            "{database} is not a luffy database (not a SQLite file)"
        )),
        _ => anyhow::Error::new(err).context(format!("database {database} failed")),
    }
}

/// What keeps the database at `path` from being written, when something does: the file, the
/// folder it is in, its `-wal` or its `-shm`.
fn unwritable(path: &Path) -> Option<String> {
    let folder_problem = writable_folder(path).err().map(|err| {
        format!(
            "the folder {} is not writable ({err}); SQLite keeps the database's -wal and -shm \
             files beside it",
            folder(path).display()
        )
    });
    let problems: Vec<String> = unwritable_files(path)
        .into_iter()
        .chain(folder_problem)
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Which of the database file, its `-wal` and its `-shm` exist but cannot be written.
fn unwritable_files(path: &Path) -> Option<String> {
    let mut problems = Vec::new();
    if let Err(err) = writable_file(path) {
        problems.push(format!(
            "the file {} is not writable ({err})",
            path.display()
        ));
    }
    for suffix in ["-wal", "-shm"] {
        let file = sibling(path, suffix);
        if let Err(err) = writable_file(&file) {
            problems.push(format!(
                "the file {} is not writable ({err}); remove it while no luffy runs",
                file.display()
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Ok when the file can be opened to write, or does not exist.
fn writable_file(path: &Path) -> io::Result<()> {
    match OpenOptions::new().write(true).open(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other.map(drop),
    }
}

/// Ok when a file can be made in the folder that holds `path` (tried with a file of its own).
fn writable_folder(path: &Path) -> io::Result<()> {
    let probe = sibling(path, &format!(".probe-{}", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe)
        .and_then(|file| {
            drop(file);
            fs::remove_file(&probe)
        })
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `path` with `suffix` after its file name, as SQLite names its `-wal` and `-shm`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A `file:` URI for `path` (SQLite's form: `%` escapes, the path absolute).
fn file_uri(path: &Path) -> Result<String> {
    use std::os::unix::ffi::OsStrExt;
    let absolute = std::path::absolute(path)
        .map_err(|err| bad_input(format!("cannot use database {}: {err}", path.display())))?;
    let mut uri = String::from("file:");
    for &byte in absolute.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            uri.push('%');
            uri.push(char::from(HEX[usize::from(byte >> 4)]));
            uri.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    Ok(uri)
}

/// Refuses a directory or a file that is not SQLite or cannot be written; creates a missing
/// file (mode 0600) and folder.
fn prepare_file(path: &Path) -> Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(bad_input(format!(
            "database path {} is a directory; give a file path",
            path.display()
        ))),
        Ok(_) => check_header(path),
        Err(err) if err.kind() == io::ErrorKind::NotFound => create_file(path),
        Err(err) => Err(bad_input(format!(
            "cannot use database {}: {err}",
            path.display()
        ))),
    }
}

fn check_header(path: &Path) -> Result<()> {
    let mut header = Vec::with_capacity(16);
    fs::File::open(path)
        .and_then(|file| file.take(16).read_to_end(&mut header))
        .map_err(|err| bad_input(format!("cannot read database {}: {err}", path.display())))?;
    if header.is_empty() || header == b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(bad_input(format!(
            "{} is not a luffy database (not a SQLite file); refusing to change it",
            path.display()
        )))
    }
}

fn create_file(path: &Path) -> Result<()> {
    let dir = folder(path);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| {
            bad_input(format!(
                "cannot create folder {} for the database: {err}",
                dir.display()
            ))
        })?;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .or_else(|err| match err.kind() {
            io::ErrorKind::AlreadyExists => Ok(()),
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                Err(bad_input(format!(
                    "cannot create database {}: the folder {} is not writable ({err})",
                    path.display(),
                    dir.display()
                )))
            }
            _ => Err(bad_input(format!(
                "cannot create database {}: {err}",
                path.display()
            ))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_held_open_is_counted_and_opened_again_through_sqlite_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        let count = || held().get(&held_key(&path)).map(|file| file.connections);
        let first = Store::open(&path).unwrap();
        assert_eq!(count(), Some(1));
        // the second and third connections skip the checks that open the file beside SQLite
        let second = Store::open_for_reading(&path).unwrap();
        let third = first.another().unwrap();
        assert_eq!(count(), Some(3));
        drop((first, second));
        assert_eq!(count(), Some(1));
        // and each still reads and writes
        third.db().service_ids().unwrap();
        drop(third);
        assert_eq!(count(), None);
    }

    #[test]
    fn a_file_uri_escapes_what_sqlite_would_read_as_a_query() {
        assert_eq!(
            file_uri(Path::new("/tmp/a b/luffy?#%.db")).unwrap(),
            "file:/tmp/a%20b/luffy%3F%23%25.db"
        );
    }

    #[test]
    fn the_state_is_read_in_one_statement() {
        let store = Store::open_in_memory().unwrap();
        let state = store.state().unwrap();
        assert_eq!(state.version, SCHEMA_VERSION);
        assert_eq!(state.application_id, i64::from(APPLICATION_ID));
        assert!(state.tables > 0 && state.pages > 0, "{state:?}");
    }
}
