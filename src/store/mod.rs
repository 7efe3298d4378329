//! The SQLite store: opening and creating the file, pragmas, and numbered migrations.
//!
//! All SQL lives under this module; callers get model structs back.

mod clusters;
mod code;
mod deploys;
mod gate;
mod issues;
mod merge;
mod metrics;
mod notifications;
mod open;
mod rca;
mod services;
mod sources;
mod sql_types;
mod tasks;
mod triage;

use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use clusters::{log_time_to_sql, BatchChanges, ChangedCluster, Cluster, Sample};
pub use code::{CodeFile, CodeIndex, FoundSymbol, StoredSymbol};
pub use deploys::{Deploy, DeploySource, NewDeploy};
pub use merge::MergedFingerprint;
pub use metrics::{Metrics, OutboxCount, ServiceMetrics, TaskMetrics};
pub use notifications::{NewNotification, Notification};
pub use rca::{NewReport, StoredReport};
pub use services::StatusCounts;
pub use tasks::{LastOutcome, TaskRun};

use open::explain;

/// "LUFY": marks the file as luffy's, so that another program's SQLite database is refused.
const APPLICATION_ID: i32 = 0x4C55_4659;

/// The migrations, in order; the schema version is the number of migrations applied.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_services",
        include_str!("migrations/0001_services.sql"),
    ),
    (
        "0002_ingestion",
        include_str!("migrations/0002_ingestion.sql"),
    ),
    (
        "0003_lean_events",
        include_str!("migrations/0003_lean_events.sql"),
    ),
    (
        "0004_events_by_cluster",
        include_str!("migrations/0004_events_by_cluster.sql"),
    ),
    (
        "0005_event_runs",
        include_str!("migrations/0005_event_runs.sql"),
    ),
    (
        "0006_code_index",
        include_str!("migrations/0006_code_index.sql"),
    ),
    (
        "0007_notifications",
        include_str!("migrations/0007_notifications.sql"),
    ),
    (
        "0008_rca_reports",
        include_str!("migrations/0008_rca_reports.sql"),
    ),
    ("0009_deploys", include_str!("migrations/0009_deploys.sql")),
    ("0010_snooze", include_str!("migrations/0010_snooze.sql")),
    ("0011_rules", include_str!("migrations/0011_rules.sql")),
    ("0012_merge", include_str!("migrations/0012_merge.sql")),
    ("0013_github", include_str!("migrations/0013_github.sql")),
];

/// The page size of a database luffy creates.
const PAGE_SIZE: i64 = 16 * 1024;

/// The schema version this luffy writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open luffy database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The file as this process counts its connections ([`open::Held`]); none in memory.
    held: Option<PathBuf>,
    /// Where this process's writers to the file take turns; none in memory.
    gate: Option<std::sync::Arc<gate::Gate>>,
    /// Told of each commit while a checkpointer runs beside ([`Store::with_background_checkpoints`]).
    committed: Option<std::sync::mpsc::Sender<()>>,
}

/// Queries over one connection or one open transaction.
pub struct Db<'c> {
    conn: &'c Connection,
}

impl Store {
    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
            path: None,
            held: None,
            gate: None,
            committed: None,
        };
        store.set_up()?;
        Ok(store)
    }

    /// Queries outside a transaction (each statement commits by itself).
    pub fn db(&self) -> Db<'_> {
        Db { conn: &self.conn }
    }

    /// Runs `work` in one write transaction: everything it did commits, or nothing does.
    ///
    /// The transaction waits its turn behind this process's other writers to the file
    /// ([`gate`]), then for other processes' as SQLite does.
    pub fn write<T>(&mut self, work: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        let describe = self.describe();
        let _turn = self
            .gate
            .as_deref()
            .and_then(|gate| gate.enter(open::BUSY_TIMEOUT));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| explain(&describe, err))?;
        let value = work(&Db { conn: &tx })?;
        tx.commit().map_err(|err| explain(&describe, err))?;
        if let Some(committed) = &self.committed {
            let _ = committed.send(());
        }
        Ok(value)
    }

    /// Runs `work` with this connection's foreign-key checks off, and turns them back on after.
    ///
    /// For writers that only ever insert children of the parent rows they have just written in
    /// the same transaction (a fetch's events, hours and samples under the clusters it upserted):
    /// the checks cannot fail there, and each costs a cursor on the parent table per row. Nothing
    /// that deletes may run inside: cascades are foreign-key actions too.
    pub fn without_foreign_key_checks<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> T,
    ) -> Result<T> {
        self.with_pragma("foreign_keys = OFF", "foreign_keys = ON", work)
    }

    /// Runs `work` with `PRAGMA {set}` on this connection, then `PRAGMA {restore}` (also when
    /// `work` panics). Both run outside any transaction (each `write` has ended by then), where
    /// these pragmas take effect and cannot fail.
    fn with_pragma<T>(
        &mut self,
        set: &str,
        restore: &'static str,
        work: impl FnOnce(&mut Store) -> T,
    ) -> Result<T> {
        struct Restore<'a>(&'a mut Store, &'static str);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let _ = self.0.conn.execute_batch(&format!("PRAGMA {}", self.1));
            }
        }
        self.conn
            .execute_batch(&format!("PRAGMA {set}"))
            .map_err(|err| self.explain(err))?;
        let restore = Restore(self, restore);
        Ok(work(restore.0))
    }

    /// Runs `work` while a thread of its own, with a connection of its own, checkpoints the WAL
    /// into the database after each commit (and every few milliseconds); this connection's
    /// automatic checkpoints are off meanwhile, and back on after.
    ///
    /// A checkpoint waits for the disk twice (the WAL, then the database file); done at commit
    /// time, as SQLite does by default, it stalls a long run of write transactions (a fetch's
    /// batches) once every 4 MiB. Done right after each commit, while the writer waits for its
    /// next batch, it often ends before the next transaction begins, which then writes the WAL
    /// from its start again: the WAL stays a few MiB instead of growing by all a fetch writes
    /// (each new block of it costs the file system an allocation, and a discard when the file is
    /// deleted). Checkpoints are safe to run beside a writer: a crash at any point leaves the
    /// database whole. An in-memory database has no WAL: `work` just runs.
    pub fn with_background_checkpoints<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> T,
    ) -> Result<T> {
        /// How often the WAL is checkpointed while `work` runs, commits or not.
        const EVERY: std::time::Duration = std::time::Duration::from_millis(20);
        let Some(path) = self.path.clone() else {
            return Ok(work(self));
        };
        let checkpointer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| self.explain(err))?;
        self.with_pragma(
            "wal_autocheckpoint = 0",
            "wal_autocheckpoint = 1000",
            |store| {
                let (committed, commits) = std::sync::mpsc::channel::<()>();
                std::thread::scope(|scope| {
                    scope.spawn(move || {
                        use std::sync::mpsc::RecvTimeoutError;
                        // until the store lets go of its sender: `work` has ended
                        while let Ok(()) | Err(RecvTimeoutError::Timeout) =
                            commits.recv_timeout(EVERY)
                        {
                            // commits told meanwhile are in this checkpoint too
                            while commits.try_recv().is_ok() {}
                            // PASSIVE never waits for the writer; a checkpoint that fails (the disk
                            // is full, say) is left to the next one or to the last connection's close.
                            let _ = checkpointer.query_row(
                                "PRAGMA wal_checkpoint(PASSIVE)",
                                [],
                                |_| Ok(()),
                            );
                        }
                    });
                    store.committed = Some(committed);
                    let stop = StopTelling(store);
                    work(stop.0)
                })
            },
        )
    }

    fn describe(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| ":memory:".into(), |p| p.display().to_string())
    }

    fn explain(&self, err: rusqlite::Error) -> anyhow::Error {
        explain(&self.describe(), err)
    }

    #[cfg(test)]
    fn pragma(&self, name: &str) -> Result<i64> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
            .map_err(|err| self.explain(err))
    }
}

/// Lets go of the store's sender of commits when dropped, also when the work panics: the
/// checkpointer then ends ([`Store::with_background_checkpoints`]).
struct StopTelling<'s>(&'s mut Store);

impl Drop for StopTelling<'_> {
    fn drop(&mut self) {
        self.0.committed = None;
    }
}

/// A timestamp as stored: RFC 3339 UTC with seconds, e.g. `2024-01-15T10:30:00Z`.
pub fn time_to_sql(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a stored timestamp.
fn time_from_sql(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(err))
        })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn migrates_a_new_database_to_the_latest_version() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.pragma("user_version").unwrap(), SCHEMA_VERSION);
        assert_eq!(store.pragma("foreign_keys").unwrap(), 1);
        // events have no index besides their ids, and runs find a cluster's (0005)
        let names = |sql: &str| -> Vec<String> {
            store
                .conn
                .prepare(sql)
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert!(names("SELECT name FROM pragma_index_list('events')").is_empty());
        assert!(names("SELECT \"table\" FROM pragma_foreign_key_list('events')").is_empty());
        assert_eq!(
            names("SELECT name FROM pragma_index_info('event_runs_by_cluster')"),
            ["cluster_id"]
        );
    }

    #[test]
    fn events_of_version_four_get_their_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        let conn = Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version = 4; PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO services (id, name, created_at, updated_at) VALUES ('web', 'web', 'a', 'a');
             INSERT INTO services (id, name, created_at, updated_at) VALUES ('api', 'api', 'a', 'a');"
        ))
        .unwrap();
        for (service, fingerprint) in [("web", "a"), ("web", "b"), ("api", "c")] {
            conn.execute(
                "INSERT INTO clusters (service_id, fingerprint, kind, title, first_seen, last_seen,
                     count, status, created_at, updated_at)
                     VALUES (?1, ?2, 'template', 't', 'a', 'a', 1, 'open', 'a', 'a')",
                [service, fingerprint],
            )
            .unwrap();
        }
        // ids 1-9 by cluster; 5 was pruned, so cluster 1's ids 4 and 6 are two runs
        for (id, cluster) in [
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 1),
            (6, 1),
            (7, 3),
            (8, 3),
            (9, 1),
        ] {
            conn.execute(
                "INSERT INTO events (id, cluster_id, log_time, level, message, read_at)
                     VALUES (?1, ?2, 't', 'ERROR', 'm', 'r')",
                [id, cluster],
            )
            .unwrap();
        }
        drop(conn);
        let store = Store::open(&path).unwrap();
        let runs: Vec<(i64, i64, i64)> = store
            .conn
            .prepare("SELECT first_id, last_id, cluster_id FROM event_runs ORDER BY first_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            runs,
            [
                (1, 2, 1),
                (3, 3, 2),
                (4, 4, 1),
                (6, 6, 1),
                (7, 8, 3),
                (9, 9, 1)
            ]
        );
        // 0012_merge: each run so far is of its cluster's fingerprint
        let fingerprints: Vec<String> = store
            .conn
            .prepare("SELECT fingerprint FROM event_runs ORDER BY first_id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(fingerprints, ["a", "b", "a", "a", "c", "a"]);
        // removing a service removes its clusters, their runs, and the runs' events
        assert!(store.db().delete_service(&"web".parse().unwrap()).unwrap());
        let left: Vec<i64> = store
            .conn
            .prepare("SELECT id FROM events ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(left, [7, 8]);
    }

    #[test]
    fn new_files_get_large_pages_and_existing_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        assert_eq!(
            Store::open(&new).unwrap().pragma("page_size").unwrap(),
            PAGE_SIZE
        );
        // a file another luffy made with SQLite's default pages, then opened by this one
        let old = dir.path().join("old.db");
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; {}
             PRAGMA user_version = 1; PRAGMA application_id = {APPLICATION_ID};",
            MIGRATIONS[0].1
        ))
        .unwrap();
        drop(conn);
        let store = Store::open(&old).unwrap();
        assert_eq!(store.pragma("page_size").unwrap(), 4096);
        assert_eq!(store.pragma("user_version").unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn foreign_key_checks_come_back_after_work_that_turned_them_off() {
        let mut store = Store::open_in_memory().unwrap();
        let inside = store
            .without_foreign_key_checks(|store| store.pragma("foreign_keys").unwrap())
            .unwrap();
        assert_eq!(inside, 0);
        assert_eq!(store.pragma("foreign_keys").unwrap(), 1);
        // ...even when the work panics
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.without_foreign_key_checks(|_| panic!("writer failed"))
        }));
        assert!(caught.is_err());
        assert_eq!(store.pragma("foreign_keys").unwrap(), 1);
        // and a row without its parent is refused again
        let orphan = store.db().conn.execute(
            "INSERT INTO cluster_hours (cluster_id, hour, count) VALUES (999, '2024-01-15T10:00:00Z', 1)",
            [],
        );
        let err = orphan.expect_err("an orphan row was accepted").to_string();
        assert!(err.contains("FOREIGN KEY"), "{err}");
    }

    #[test]
    fn background_checkpoints_copy_the_wal_into_the_database_while_work_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        let mut store = Store::open(&path).unwrap();
        let autocheckpoint = |store: &Store| store.pragma("wal_autocheckpoint").unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let grew = store
            .with_background_checkpoints(|store| {
                assert_eq!(autocheckpoint(store), 0);
                store
                    .write(|db| {
                        let blob = "x".repeat(4000);
                        for i in 0..500 {
                            db.conn.execute(
                                "INSERT INTO services (id, name, created_at, updated_at)
                                 VALUES (?1, ?1, ?2, 'a')",
                                [format!("s{i}"), blob.clone()],
                            )?;
                        }
                        Ok(())
                    })
                    .unwrap();
                // the commit went to the WAL; the checkpointer copies it into the database
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while std::time::Instant::now() < deadline {
                    if std::fs::metadata(&path).unwrap().len() > before + 1_000_000 {
                        return true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                false
            })
            .unwrap();
        assert!(grew, "no checkpoint ran while the work did");
        assert_eq!(autocheckpoint(&store), 1000);
        let count: i64 = store
            .conn
            .query_row("SELECT count(*) FROM services", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 500);
    }

    #[test]
    fn the_wal_is_written_again_from_its_start_once_checkpointed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        let wal = dir.path().join("luffy.db-wal");
        let mut store = Store::open(&path).unwrap();
        let largest = store
            .with_background_checkpoints(|store| {
                let blob = "x".repeat(4000);
                let mut largest = 0;
                for batch in 0..10 {
                    store
                        .write(|db| {
                            for i in 0..100 {
                                db.conn.execute(
                                    "INSERT INTO services (id, name, created_at, updated_at)
                                     VALUES (?1, ?1, ?2, 'a')",
                                    [format!("s{batch}-{i}"), blob.clone()],
                                )?;
                            }
                            Ok(())
                        })
                        .unwrap();
                    // the checkpointer, told of the commit, copies it before the next one
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    largest = largest.max(std::fs::metadata(&wal).unwrap().len());
                }
                largest
            })
            .unwrap();
        // ten batches of about 0.8 MB each (their rows and index entries): the WAL holds about one
        assert!(largest < 3_000_000, "the WAL grew to {largest} bytes");
    }

    #[test]
    fn lean_events_keep_what_version_two_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        // a database as luffy 0002 left it, with one event
        let conn = Connection::open(&path).unwrap();
        for (_, sql) in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version = 2; PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO services (id, name, created_at, updated_at) VALUES ('web', 'web', 'a', 'a');
             INSERT INTO log_sources (service_id, name, kind, settings, created_at, updated_at)
                 VALUES ('web', 'app', 'file', '{{}}', 'a', 'a');
             INSERT INTO clusters (service_id, fingerprint, kind, title, first_seen, last_seen,
                 count, status, created_at, updated_at)
                 VALUES ('web', 'tpl-1', 'template', 't', 'a', 'a', 1, 'open', 'a', 'a');
             INSERT INTO events (service_id, source_id, cluster_id, log_time, level, message, read_at)
                 VALUES ('web', 1, 1, '2024-01-15T10:00:00.000Z', 'ERROR', 'boom', 'r');"
        ))
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.pragma("user_version").unwrap(), SCHEMA_VERSION);
        let event = || {
            store
                .conn
                .query_row(
                    "SELECT cluster_id, source_id, message FROM events",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .unwrap()
        };
        let kept: (i64, Option<i64>, String) = event();
        assert_eq!(kept, (1, Some(1), "boom".to_string()));
        assert!(store.db().delete_source(1).unwrap());
        assert_eq!(event(), (1, None, "boom".to_string()), "the event stays");
        store
            .conn
            .execute("DELETE FROM services WHERE id = 'web'", [])
            .unwrap();
        let left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        assert_eq!(left, 0, "removing the service removes its clusters' events");
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("luffy.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("newer luffy"), "{err}");
        assert_eq!(crate::error::exit_code(&err), 2);
    }

    #[test]
    fn creates_the_file_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/luffy.db");
        drop(Store::open(&path).unwrap());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
