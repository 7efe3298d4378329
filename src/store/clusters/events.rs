//! Event rows: how they are written (many rows to a statement, with the run of ids they
//! took), log times as text, and pruning by retention.

use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use rusqlite::{params, OptionalExtension};

use super::super::Db;
use crate::ingest::Event;

/// Log times keep milliseconds so that events order within a second:
/// `2024-01-15T10:00:00.123Z`, as chrono's RFC 3339 with milliseconds writes it.
pub fn log_time_to_sql(time: DateTime<Utc>) -> String {
    let mut buf = [0u8; 24];
    match log_time_text(time, &mut buf) {
        Some(text) => text.to_owned(),
        None => time.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

/// [`log_time_to_sql`] written into `buf` by hand, for the years 0 to 9999 (every event's time
/// is stored); `None` for other times, which chrono writes.
pub(super) fn log_time_text(time: DateTime<Utc>, buf: &mut [u8; 24]) -> Option<&str> {
    let naive = time.naive_utc();
    let year = naive.year();
    let nanos = naive.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let mut put = |at: usize, value: u32, width: usize| {
        let mut value = value;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, year.unsigned_abs(), 4);
    put(5, naive.month(), 2);
    put(8, naive.day(), 2);
    put(11, naive.hour(), 2);
    put(14, naive.minute(), 2);
    put(17, naive.second(), 2);
    put(20, nanos / 1_000_000, 3);
    for (at, byte) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        buf[at] = byte;
    }
    std::str::from_utf8(buf).ok()
}

/// The start of `hour` (hours since the Unix epoch), as stored in `cluster_hours`.
pub(super) fn hour_to_sql(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour * 3600, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Event rows inserted by one statement.
pub(super) const EVENT_ROWS: usize = 32;
/// The values every row of a statement shares (`?1` cluster, `?2` source, `?3` reading time,
/// bound once) and those of each row (log time, level, logger, message, version).
pub(super) const SHARED_VALUES: usize = 3;
pub(super) const ROW_VALUES: usize = 5;
/// `OR FAIL`: a statement of many rows that may abort halfway (a `NOT NULL` or a STRICT type
/// check) makes SQLite keep a statement journal, a copy of every page the statement touches, so
/// that it can undo its own rows alone; with 16 KiB pages that was four times the bytes of the
/// events written, in spilled temporary files. A failed statement here fails its whole batch,
/// and [`Store::write`](super::Store::write) rolls the transaction back, so nothing needs it.
pub(super) const EVENT_INSERT: &str = "INSERT OR FAIL INTO events \
    (cluster_id, source_id, log_time, level, logger, message, version, read_at) VALUES";

/// `INSERT INTO events ... VALUES (...), ...` for `rows` rows sharing `?1`-`?3`.
pub(super) fn event_insert(rows: usize) -> String {
    let mut sql = String::from(EVENT_INSERT);
    for row in 0..rows {
        let at = SHARED_VALUES + row * ROW_VALUES;
        let sep = if row == 0 { " " } else { ", " };
        let _ = write!(
            sql,
            "{sep}(?1, ?2, ?{}, ?{}, ?{}, ?{}, ?{}, ?3)",
            at + 1,
            at + 2,
            at + 3,
            at + 4,
            at + 5
        );
    }
    sql
}

/// Binds the values the rows of an event statement share.
pub(super) fn bind_shared(
    stmt: &mut rusqlite::CachedStatement<'_>,
    cluster_id: i64,
    source_id: Option<i64>,
    read_at: &str,
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(1, cluster_id)?;
    stmt.raw_bind_parameter(2, source_id)?;
    stmt.raw_bind_parameter(3, read_at)
}

/// Binds the values of an event statement's row `row`.
pub(super) fn bind_event(
    stmt: &mut rusqlite::CachedStatement<'_>,
    row: usize,
    event: &Event,
) -> rusqlite::Result<()> {
    let at = SHARED_VALUES + row * ROW_VALUES;
    let mut buf = [0u8; 24];
    match log_time_text(event.log_time, &mut buf) {
        Some(text) => stmt.raw_bind_parameter(at + 1, text)?,
        None => stmt.raw_bind_parameter(at + 1, log_time_to_sql(event.log_time))?,
    }
    stmt.raw_bind_parameter(at + 2, event.level.as_str())?;
    stmt.raw_bind_parameter(at + 3, event.logger.as_deref())?;
    stmt.raw_bind_parameter(at + 4, event.message.as_str())?;
    stmt.raw_bind_parameter(at + 5, event.version.as_deref())
}
impl Db<'_> {
    /// Inserts the event rows of one cluster, [`EVENT_ROWS`] to a statement (one statement per
    /// row costs a third more in SQLite's statement machinery), and the run of ids they took.
    ///
    /// The rows take consecutive ids: SQLite gives a new row the largest id plus one (it picks
    /// another only once an id reaches 2^63 - 1), and nothing else inserts events in between.
    pub(super) fn insert_events(
        &self,
        cluster_id: i64,
        fingerprint: &str,
        source_id: Option<i64>,
        group: &[&Event],
        read_at: &str,
    ) -> Result<()> {
        static MANY: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| event_insert(EVENT_ROWS));
        static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| event_insert(1));
        let mut chunks = group.chunks_exact(EVENT_ROWS);
        if chunks.len() > 0 {
            let mut many = self.conn.prepare_cached(&MANY)?;
            bind_shared(&mut many, cluster_id, source_id, read_at)?;
            for chunk in &mut chunks {
                for (row, event) in chunk.iter().enumerate() {
                    bind_event(&mut many, row, event)?;
                }
                many.raw_execute()?;
            }
        }
        if !chunks.remainder().is_empty() {
            let mut one = self.conn.prepare_cached(&ONE)?;
            bind_shared(&mut one, cluster_id, source_id, read_at)?;
            for event in chunks.remainder() {
                bind_event(&mut one, 0, event)?;
                one.raw_execute()?;
            }
        }
        if let Some(rows) = i64::try_from(group.len()).ok().filter(|&n| n > 0) {
            let last = self.conn.last_insert_rowid();
            self.conn
                .prepare_cached(
                    "INSERT INTO event_runs (first_id, last_id, cluster_id, fingerprint)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![last - (rows - 1), last, cluster_id, fingerprint])?;
        }
        Ok(())
    }

    /// The first event [`Db::prune_events`] keeps: the oldest read at `before` or later.
    fn first_kept_event(&self, before: &str) -> Result<i64> {
        let kept: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM events WHERE read_at >= ?1 ORDER BY id LIMIT 1")?
            .query_row([before], |row| row.get(0))
            .optional()?;
        Ok(kept.unwrap_or(i64::MAX))
    }

    /// Whether [`Db::prune_events`] would change anything (read outside a write transaction,
    /// so that a fetch with nothing to prune does not wait for the write lock to find out).
    pub fn events_to_prune(&self, before: DateTime<Utc>) -> Result<bool> {
        let kept = self.first_kept_event(&log_time_to_sql(before))?;
        let (events, runs): (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT (SELECT min(id) FROM events), (SELECT min(first_id) FROM event_runs)",
            )?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(events.is_some_and(|id| id < kept) || runs.is_some_and(|id| id < kept))
    }

    /// Deletes events read before `before` (retention); counts and samples stay.
    ///
    /// Events are stored in the order they are read, so the old ones come first by id: the
    /// oldest event still kept bounds the deletion, and no fetch has to scan the whole table.
    /// (An event of a fetch that overlapped a later one may stay until the events before it go.)
    /// Runs wholly before the bound go with their events; the one it cuts, if any, is shortened.
    pub fn prune_events(&self, before: DateTime<Utc>) -> Result<usize> {
        let before = log_time_to_sql(before);
        let kept = self.first_kept_event(&before)?;
        let pruned = self
            .conn
            .prepare_cached("DELETE FROM events WHERE id < ?1 AND read_at < ?2")?
            .execute(params![kept, before])
            .context("could not prune old events")?;
        // (The runs' trigger finds their events gone already.)
        self.conn
            .prepare_cached("DELETE FROM event_runs WHERE first_id < ?1 AND last_id < ?1")?
            .execute([kept])?;
        self.conn
            .prepare_cached("UPDATE event_runs SET first_id = ?1 WHERE first_id < ?1")?
            .execute([kept])?;
        Ok(pruned)
    }
}
