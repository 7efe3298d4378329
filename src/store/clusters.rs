//! Clusters, their hourly counts, samples and events: written one fetch batch at a time.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use rusqlite::types::FromSql;
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, Db};
use crate::domain::{ClusterChange, ClusterKind, ClusterStatus, SampleRole};
use crate::grouping::rules::RuleNote;
use crate::grouping::{rule_of, GroupingInputs};
use crate::hash::fnv1a;
use crate::ingest::Event;
use crate::parse::ParsedException;
use crate::triage::Snooze;

/// A cluster as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub id: i64,
    pub service_id: String,
    pub fingerprint: String,
    pub kind: ClusterKind,
    pub title: String,
    pub exception_type: Option<String>,
    pub template: Option<String>,
    pub level: Option<String>,
    pub logger: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub count: u64,
    pub status: ClusterStatus,
    pub regressed: bool,
    /// Why its events are grouped: of the kind [`Cluster::kind`] says.
    pub fingerprint_inputs: GroupingInputs,
    /// The grouping rule that decided it, as the rule read when the cluster was made.
    pub rule: Option<RuleNote>,
    /// The parsed exception of its first event, when it had one.
    pub exception: Option<ParsedException>,
    /// An ignored cluster's condition for reopening, when it was ignored with one.
    pub snooze: Option<Snooze>,
    /// Whether its `new_cluster` notification waits for the service's threshold.
    pub notify_pending: bool,
}

/// One kept occurrence of a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub role: SampleRole,
    pub log_time: DateTime<Utc>,
    pub text: String,
}

/// What one batch changed, told in the transaction that stored it (so that what follows from a
/// change, a notification, can be written in the same transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchChanges {
    /// Events stored.
    pub events: u64,
    /// Every cluster the batch added events to, once, in the order the batch first names them.
    pub clusters: Vec<ChangedCluster>,
}

/// A cluster a batch added events to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangedCluster {
    pub id: i64,
    pub change: ClusterChange,
    /// Events the batch added to it.
    pub events: u64,
}

impl BatchChanges {
    /// How many clusters changed so.
    pub fn count(&self, change: ClusterChange) -> u64 {
        self.clusters.iter().filter(|c| c.change == change).count() as u64
    }
}

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
fn log_time_text(time: DateTime<Utc>, buf: &mut [u8; 24]) -> Option<&str> {
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
fn hour_to_sql(hour: i64) -> String {
    DateTime::<Utc>::from_timestamp(hour * 3600, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Event rows inserted by one statement.
const EVENT_ROWS: usize = 32;
/// The values every row of a statement shares (`?1` cluster, `?2` source, `?3` reading time,
/// bound once) and those of each row (log time, level, logger, message, version).
const SHARED_VALUES: usize = 3;
const ROW_VALUES: usize = 5;
/// `OR FAIL`: a statement of many rows that may abort halfway (a `NOT NULL` or a STRICT type
/// check) makes SQLite keep a statement journal, a copy of every page the statement touches, so
/// that it can undo its own rows alone; with 16 KiB pages that was four times the bytes of the
/// events written, in spilled temporary files. A failed statement here fails its whole batch,
/// and [`Store::write`](super::Store::write) rolls the transaction back, so nothing needs it.
const EVENT_INSERT: &str = "INSERT OR FAIL INTO events \
    (cluster_id, source_id, log_time, level, logger, message, version, read_at) VALUES";

/// `INSERT INTO events ... VALUES (...), ...` for `rows` rows sharing `?1`-`?3`.
fn event_insert(rows: usize) -> String {
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
fn bind_shared(
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
fn bind_event(
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

const COLUMNS: &str = "id, service_id, fingerprint, kind, title, exception_type, template, level, \
    logger, first_seen, last_seen, count, status, regressed, fingerprint_inputs, exception, \
    snooze_until, snooze_count, snooze_rate_count, snooze_rate_seconds, snoozed_at, \
    snooze_base_count, snooze_after_event, notify_pending";

/// Column `index` (named `name`) of a row of `what` (`cluster 12`): a value that does not
/// decode is an error naming the row, the column and the value's fault.
pub(super) fn column<T: FromSql>(row: &Row<'_>, what: &str, index: usize, name: &str) -> Result<T> {
    row.get(index).map_err(|err| match err {
        rusqlite::Error::FromSqlConversionFailure(_, _, fault) => {
            anyhow!("{what}: column {name}: {fault}")
        }
        other => anyhow::Error::new(other).context(format!("{what}: column {name}")),
    })
}

/// [`column`] for a time column.
pub(super) fn time_column(
    row: &Row<'_>,
    what: &str,
    index: usize,
    name: &str,
) -> Result<DateTime<Utc>> {
    let text: String = column(row, what, index, name)?;
    time_from_sql(&text).with_context(|| format!("{what}: column {name} is not a time: {text:?}"))
}

/// A cluster row as [`COLUMNS`] selects it. A column that does not decode (a kind or status
/// that is not one, JSON that is not what the column holds) is an error naming the cluster.
fn cluster_from_row(row: &Row<'_>) -> Result<Cluster> {
    let id: i64 = row.get(0).context("a cluster without an id")?;
    let what = format!("cluster {id}");
    let kind: ClusterKind = column(row, &what, 3, "kind")?;
    let inputs: String = column(row, &what, 14, "fingerprint_inputs")?;
    let fingerprint_inputs = match kind {
        ClusterKind::Exception => serde_json::from_str(&inputs).map(GroupingInputs::Exception),
        ClusterKind::Template => serde_json::from_str(&inputs).map(GroupingInputs::Template),
    }
    .with_context(|| {
        let of = match kind {
            ClusterKind::Exception => "an exception",
            ClusterKind::Template => "a template",
        };
        format!("{what}: column fingerprint_inputs is not the inputs of {of} fingerprint")
    })?;
    // most clusters were grouped by no rule: their inputs are not read twice
    let rule = inputs
        .contains("\"rule\":")
        .then(|| serde_json::from_str(&inputs).ok())
        .flatten()
        .and_then(|value| rule_of(&value));
    let exception: Option<String> = column(row, &what, 15, "exception")?;
    let exception = exception
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .with_context(|| format!("{what}: column exception is not a parsed exception"))?;
    Ok(Cluster {
        id,
        service_id: column(row, &what, 1, "service_id")?,
        fingerprint: column(row, &what, 2, "fingerprint")?,
        kind,
        title: column(row, &what, 4, "title")?,
        exception_type: column(row, &what, 5, "exception_type")?,
        template: column(row, &what, 6, "template")?,
        level: column(row, &what, 7, "level")?,
        logger: column(row, &what, 8, "logger")?,
        first_seen: time_column(row, &what, 9, "first_seen")?,
        last_seen: time_column(row, &what, 10, "last_seen")?,
        count: column(row, &what, 11, "count")?,
        status: column(row, &what, 12, "status")?,
        regressed: column(row, &what, 13, "regressed")?,
        fingerprint_inputs,
        rule,
        exception,
        snooze: super::triage::snooze_from_row(row, &what, 16)?,
        notify_pending: column(row, &what, 23, "notify_pending")?,
    })
}

impl Db<'_> {
    /// Stores a batch of events of one source: each event row, and per cluster its count, first
    /// and last seen, hourly counts and samples. Call inside the transaction that also stores the
    /// source's cursor, so that a batch counts exactly once.
    pub fn record_events<'e>(
        &self,
        service_id: &str,
        source_id: Option<i64>,
        events: impl IntoIterator<Item = &'e Event>,
        read_at: DateTime<Utc>,
        distinct_samples: usize,
    ) -> Result<BatchChanges> {
        let mut result = BatchChanges::default();
        let mut groups: Vec<(&str, Vec<&Event>)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        // each version the records carried, and when it was first seen in them
        let mut versions: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for event in events {
            if let Some(version) = event.version.as_deref() {
                let first = versions.entry(version).or_insert(event.log_time);
                *first = (*first).min(event.log_time);
            }
            let key = event.grouping.fingerprint.as_str();
            let slot = *index.entry(key).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[slot].1.push(event);
        }
        let now = read_at;
        let read_at = log_time_to_sql(read_at);
        for (fingerprint, group) in groups {
            let (cluster_id, change) =
                self.upsert_cluster(service_id, fingerprint, &group, &read_at)?;
            let is_new = change == ClusterChange::New;
            self.add_hours(cluster_id, &group)?;
            self.add_samples(cluster_id, fingerprint, &group, is_new, distinct_samples)?;
            self.insert_events(cluster_id, fingerprint, source_id, &group, &read_at)?;
            result.events += group.len() as u64;
            result.clusters.push(ChangedCluster {
                id: cluster_id,
                change,
                events: group.len() as u64,
            });
        }
        self.record_logged_versions(service_id, &versions, now)?;
        Ok(result)
    }

    /// Inserts the event rows of one cluster, [`EVENT_ROWS`] to a statement (one statement per
    /// row costs a third more in SQLite's statement machinery), and the run of ids they took.
    ///
    /// The rows take consecutive ids: SQLite gives a new row the largest id plus one (it picks
    /// another only once an id reaches 2^63 - 1), and nothing else inserts events in between.
    fn insert_events(
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

    /// Creates or updates the cluster of a group of events with one fingerprint; returns its id
    /// and how it changed: new, regressed (was resolved and occurs again, so it reopens) or grew.
    fn upsert_cluster(
        &self,
        service_id: &str,
        fingerprint: &str,
        group: &[&Event],
        now: &str,
    ) -> Result<(i64, ClusterChange)> {
        let first = group.iter().map(|e| e.log_time).min().unwrap_or_default();
        let last = group.iter().map(|e| e.log_time).max().unwrap_or_default();
        let count = group.len() as i64;
        let existing: Option<(i64, ClusterStatus)> = self
            .conn
            .prepare_cached(
                "SELECT id, status FROM clusters WHERE service_id = ?1 AND fingerprint = ?2",
            )?
            .query_row([service_id, fingerprint], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        // a fingerprint merged into another cluster grows that one
        let existing = match existing {
            Some(found) => Some(found),
            None => self.merged_into(service_id, fingerprint)?,
        };
        if let Some((id, status)) = existing {
            let change = if status == ClusterStatus::Resolved {
                ClusterChange::Regressed
            } else {
                ClusterChange::Grew
            };
            self.conn
                .prepare_cached(
                    "UPDATE clusters SET count = count + ?2,
                     first_seen = min(first_seen, ?3), last_seen = max(last_seen, ?4),
                     status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
                     regressed = CASE WHEN status = 'resolved' THEN 1 ELSE regressed END,
                     regressed_at = CASE WHEN status = 'resolved' THEN ?3 ELSE regressed_at END,
                     updated_at = ?5 WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    count,
                    log_time_to_sql(first),
                    log_time_to_sql(last),
                    now
                ])?;
            return Ok((id, change));
        }
        let sample = group[0];
        let grouping = &sample.grouping;
        let exception = sample
            .exception
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .context("could not encode the exception")?;
        self.conn
            .prepare_cached(
                "INSERT INTO clusters (service_id, fingerprint, kind, title, exception_type, template,
                 first_seen, last_seen, count, status, regressed, created_at, updated_at, level, logger,
                 fingerprint_inputs, exception)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', 0, ?10, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                service_id,
                fingerprint,
                grouping.kind.as_str(),
                grouping.title,
                grouping.exception_type,
                grouping.template,
                log_time_to_sql(first),
                log_time_to_sql(last),
                count,
                now,
                sample.level.as_str(),
                sample.logger,
                grouping
                    .inputs_json(sample.level, sample.logger.as_deref())
                    .to_string(),
                exception,
            ])?;
        Ok((self.conn.last_insert_rowid(), ClusterChange::New))
    }

    fn add_hours(&self, cluster_id: i64, group: &[&Event]) -> Result<()> {
        let mut hours: Vec<(i64, i64)> = Vec::new();
        for event in group {
            let hour = event.log_time.timestamp().div_euclid(3600);
            match hours.iter_mut().find(|(h, _)| *h == hour) {
                Some((_, n)) => *n += 1,
                None => hours.push((hour, 1)),
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO cluster_hours (cluster_id, hour, count) VALUES (?1, ?2, ?3)
             ON CONFLICT (cluster_id, hour) DO UPDATE SET count = count + excluded.count",
        )?;
        for (hour, n) in hours {
            stmt.execute(params![cluster_id, hour_to_sql(hour), n])?;
        }
        Ok(())
    }

    /// Keeps the first event, the latest one, and up to `distinct` events with other texts.
    fn add_samples(
        &self,
        cluster_id: i64,
        fingerprint: &str,
        group: &[&Event],
        is_new: bool,
        distinct: usize,
    ) -> Result<()> {
        let hash = |text: &str| format!("{:016x}", fnv1a(text.as_bytes()));
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO cluster_samples (cluster_id, role, log_time, text, text_hash, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        if is_new {
            let first = group
                .iter()
                .min_by_key(|e| e.log_time)
                .copied()
                .unwrap_or(group[0]);
            insert.execute(params![
                cluster_id,
                SampleRole::First,
                log_time_to_sql(first.log_time),
                first.message,
                hash(&first.message),
                fingerprint
            ])?;
        }
        let latest = group
            .iter()
            .max_by_key(|e| e.log_time)
            .copied()
            .unwrap_or(group[0]);
        self.conn
            .prepare_cached("DELETE FROM cluster_samples WHERE cluster_id = ?1 AND role = 'last' AND log_time <= ?2")?
            .execute(params![cluster_id, log_time_to_sql(latest.log_time)])?;
        let has_last: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM cluster_samples WHERE cluster_id = ?1 AND role = 'last')")?
            .query_row([cluster_id], |row| row.get(0))?;
        if !has_last {
            insert.execute(params![
                cluster_id,
                SampleRole::Last,
                log_time_to_sql(latest.log_time),
                latest.message,
                hash(&latest.message),
                fingerprint
            ])?;
        }
        let mut kept: Vec<String> = self
            .conn
            .prepare_cached("SELECT text_hash FROM cluster_samples WHERE cluster_id = ?1")?
            .query_map([cluster_id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut distinct_count = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM cluster_samples WHERE cluster_id = ?1 AND role = 'distinct'",
            )?
            .query_row([cluster_id], |row| row.get::<_, i64>(0))?
            as usize;
        for event in group {
            if distinct_count >= distinct {
                break;
            }
            let h = hash(&event.message);
            if !kept.contains(&h) {
                insert.execute(params![
                    cluster_id,
                    SampleRole::Distinct,
                    log_time_to_sql(event.log_time),
                    event.message,
                    h,
                    fingerprint
                ])?;
                kept.push(h);
                distinct_count += 1;
            }
        }
        Ok(())
    }

    /// Clusters of one service or all, optionally of one status, most recently seen first.
    pub fn clusters(
        &self,
        service_id: Option<&str>,
        status: Option<ClusterStatus>,
    ) -> Result<Vec<Cluster>> {
        let read = || -> Result<Vec<Cluster>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM clusters WHERE (?1 IS NULL OR service_id = ?1)
                 AND (?2 IS NULL OR status = ?2) ORDER BY last_seen DESC, id"
            ))?;
            let mut rows = stmt.query(params![service_id, status])?;
            let mut clusters = Vec::new();
            while let Some(row) = rows.next()? {
                clusters.push(cluster_from_row(row)?);
            }
            Ok(clusters)
        };
        read().context("could not read clusters")
    }

    /// One cluster by id.
    pub fn cluster(&self, id: i64) -> Result<Option<Cluster>> {
        let read = || -> Result<Option<Cluster>> {
            let mut stmt = self
                .conn
                .prepare_cached(&format!("SELECT {COLUMNS} FROM clusters WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            rows.next()?.map(cluster_from_row).transpose()
        };
        read().context("could not read the cluster")
    }

    /// Clusters of every service first seen between `from` and `to` (inclusive), earliest first.
    pub fn clusters_first_seen_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Cluster>> {
        let read = || -> Result<Vec<Cluster>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM clusters WHERE first_seen >= ?1 AND first_seen <= ?2
                 ORDER BY first_seen, id"
            ))?;
            let mut rows = stmt.query(params![log_time_to_sql(from), log_time_to_sql(to)])?;
            let mut clusters = Vec::new();
            while let Some(row) = rows.next()? {
                clusters.push(cluster_from_row(row)?);
            }
            Ok(clusters)
        };
        read().context("could not read clusters")
    }

    /// How many of a cluster's kept events each log source gave, most first (a removed
    /// source's events count under `None`).
    pub fn cluster_sources(&self, id: i64) -> Result<Vec<(Option<String>, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.name, count(*) FROM event_runs r
             JOIN events e ON e.id BETWEEN r.first_id AND r.last_id
             LEFT JOIN log_sources s ON s.id = e.source_id
             WHERE r.cluster_id = ?1 GROUP BY s.name ORDER BY count(*) DESC, s.name",
        )?;
        let rows = stmt.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the sources of a cluster")
    }

    /// A cluster's hourly counts, oldest first.
    pub fn cluster_hours(&self, id: i64) -> Result<Vec<(DateTime<Utc>, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hour, count FROM cluster_hours WHERE cluster_id = ?1 ORDER BY hour",
        )?;
        let rows = stmt.query_map([id], |row| {
            Ok((time_from_sql(&row.get::<_, String>(0)?)?, row.get(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read hourly counts")
    }

    /// A cluster's samples: first, last, then the distinct ones in time order.
    pub fn cluster_samples(&self, id: i64) -> Result<Vec<Sample>> {
        let read = || -> Result<Vec<Sample>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT role, log_time, text FROM cluster_samples WHERE cluster_id = ?1
                 ORDER BY CASE role WHEN 'first' THEN 0 WHEN 'last' THEN 1 ELSE 2 END, log_time, id",
            )?;
            let mut rows = stmt.query([id])?;
            let what = format!("a sample of cluster {id}");
            let mut samples = Vec::new();
            while let Some(row) = rows.next()? {
                samples.push(Sample {
                    role: column(row, &what, 0, "role")?,
                    log_time: time_column(row, &what, 1, "log_time")?,
                    text: column(row, &what, 2, "text")?,
                });
            }
            Ok(samples)
        };
        read().context("could not read samples")
    }

    /// Sets a cluster's status; reopening clears nothing, resolving clears the regressed flag.
    /// Any status set by hand ends a snooze and drops a held-back `new_cluster` notification
    /// (whoever set it has seen the cluster).
    pub fn set_cluster_status(
        &self,
        id: i64,
        status: ClusterStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE clusters SET status = ?2, updated_at = ?3,
                 regressed = CASE WHEN ?2 = 'resolved' THEN 0 ELSE regressed END,
                 snooze_until = NULL, snooze_count = NULL, snooze_rate_count = NULL,
                 snooze_rate_seconds = NULL, snoozed_at = NULL, snooze_base_count = NULL,
                 snooze_after_event = NULL, notify_pending = 0 WHERE id = ?1",
                params![id, status, log_time_to_sql(now)],
            )
            .context("could not change the cluster's status")?;
        Ok(())
    }

    /// Deletes events read before `before` (retention); counts and samples stay.
    ///
    /// Events are stored in the order they are read, so the old ones come first by id: the
    /// oldest event still kept bounds the deletion, and no fetch has to scan the whole table.
    /// (An event of a fetch that overlapped a later one may stay until the events before it go.)
    /// Runs wholly before the bound go with their events; the one it cuts, if any, is shortened.
    pub fn prune_events(&self, before: DateTime<Utc>) -> Result<usize> {
        let before = log_time_to_sql(before);
        let kept: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM events WHERE read_at >= ?1 ORDER BY id LIMIT 1")?
            .query_row([&before], |row| row.get(0))
            .optional()?;
        let kept = kept.unwrap_or(i64::MAX);
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::Store;
    use super::*;
    use crate::domain::ClusterChange::{Grew, New, Regressed};
    use crate::ingest::{to_event, LogRecord, Rules};
    use crate::service::Service;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 10, minute, 0).unwrap()
    }

    fn event(text: &str) -> Event {
        let record = LogRecord {
            text,
            ..LogRecord::default()
        };
        let read_at = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        to_event(&record, &Rules::default(), read_at).expect("an error event")
    }

    #[test]
    fn every_event_row_is_stored_whole_across_statement_chunks() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let n = EVENT_ROWS * 2 + 5;
        let batch: Vec<Event> = (0..n)
            .map(|i| {
                event(&format!(
                    "2024-01-15 10:{:02}:00 ERROR db: timeout {i}",
                    i % 60
                ))
            })
            .collect();
        let result = store
            .write(|db| db.record_events("web", Some(7), &batch, at(59), 2))
            .unwrap();
        assert_eq!(result.events, n as u64);
        let rows: Vec<(String, String, String)> = store
            .conn
            .prepare("SELECT log_time, level, message FROM events ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let expected: Vec<(String, String, String)> = batch
            .iter()
            .map(|e| {
                (
                    log_time_to_sql(e.log_time),
                    "ERROR".to_string(),
                    e.message.clone(),
                )
            })
            .collect();
        assert_eq!(rows, expected);
        // the values every row of a statement shares
        let shared: Vec<(i64, Option<i64>, String)> = store
            .conn
            .prepare("SELECT cluster_id, source_id, read_at FROM events ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let cluster: i64 = store
            .conn
            .query_row("SELECT id FROM clusters", [], |row| row.get(0))
            .unwrap();
        assert_eq!(shared.len(), n);
        for row in shared {
            assert_eq!(row, (cluster, Some(7), log_time_to_sql(at(59))));
        }
    }

    #[test]
    fn an_event_statement_failing_halfway_leaves_nothing_of_its_batch() {
        // Event rows go in with `OR FAIL`, which keeps the rows a statement wrote before it
        // failed: the batch's transaction must take them back, with the cluster and its counts.
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER fail_one BEFORE INSERT ON events WHEN NEW.message LIKE '%timeout 20'
                 BEGIN SELECT RAISE(FAIL, 'refused by the test'); END",
            )
            .unwrap();
        let batch: Vec<Event> = (0..EVENT_ROWS + 3)
            .map(|i| event(&format!("2024-01-15 10:{i:02}:00 ERROR db: timeout {i}")))
            .collect();
        let err = store
            .write(|db| db.record_events("web", Some(7), &batch, at(59), 2))
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("refused by the test"),
            "{err:#}"
        );
        for table in ["events", "clusters", "cluster_hours", "cluster_samples"] {
            let rows: i64 = store
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .unwrap();
            assert_eq!(rows, 0, "{table}");
        }
    }

    /// The number of rows of `table`.
    fn count_rows(store: &Store, table: &str) -> i64 {
        store
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .unwrap()
    }

    /// Every event row with the run that holds it: (id, its cluster, the run's cluster), with
    /// `None` for an event no run or more than one run holds.
    fn events_with_runs(store: &Store) -> Vec<(i64, i64, Option<i64>)> {
        store
            .conn
            .prepare(
                "SELECT e.id, e.cluster_id,
                     (SELECT CASE WHEN count(*) = 1 THEN max(r.cluster_id) END
                      FROM event_runs r WHERE e.id BETWEEN r.first_id AND r.last_id)
                 FROM events e ORDER BY e.id",
            )
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn each_batch_stores_one_run_of_events_per_cluster() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        // three clusters whose events interleave in the log; two batches
        let texts = [
            "db: timeout after 3 s",
            "disk full on /var",
            "queue stalled",
        ];
        let batch = |from: usize| -> Vec<Event> {
            (from..from + 2 * EVENT_ROWS + 3)
                .map(|i| {
                    event(&format!(
                        "2024-01-15 10:{:02}:00 ERROR {}",
                        i % 60,
                        texts[i % texts.len()]
                    ))
                })
                .collect()
        };
        for (from, read_at) in [(0, at(30)), (100, at(59) + chrono::Duration::days(1))] {
            let events = batch(from);
            store
                .write(|db| db.record_events("web", Some(7), &events, read_at, 2))
                .unwrap();
        }
        let rows = events_with_runs(&store);
        assert_eq!(rows.len(), 2 * (2 * EVENT_ROWS + 3));
        for (id, cluster, run) in &rows {
            assert_eq!(Some(*cluster), *run, "event {id}");
        }
        assert_eq!(
            count_rows(&store, "event_runs"),
            6,
            "one run per cluster and batch"
        );
        // retention takes the first batch's events and runs; the second batch's stay whole
        let pruned = store.db().prune_events(at(45)).unwrap();
        assert_eq!(pruned, 2 * EVENT_ROWS + 3);
        let rows = events_with_runs(&store);
        assert_eq!(rows.len(), 2 * EVENT_ROWS + 3);
        assert!(rows.iter().all(|(_, cluster, run)| Some(*cluster) == *run));
        assert_eq!(count_rows(&store, "event_runs"), 3);
    }

    #[test]
    fn pruning_within_a_run_shortens_it() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let events: Vec<Event> = (0..5)
            .map(|i| event(&format!("2024-01-15 10:0{i}:00 ERROR db: timeout")))
            .collect();
        store
            .write(|db| db.record_events("web", None, &events, at(10), 2))
            .unwrap();
        // as if the last two rows were read later (a fetch that overlapped another)
        store
            .conn
            .execute(
                "UPDATE events SET read_at = ?1 WHERE id > 3",
                [log_time_to_sql(at(50))],
            )
            .unwrap();
        assert_eq!(store.db().prune_events(at(40)).unwrap(), 3);
        let run: (i64, i64) = store
            .conn
            .query_row("SELECT first_id, last_id FROM event_runs", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        assert_eq!(run, (4, 5));
        assert_eq!(events_with_runs(&store).len(), 2);
    }

    #[test]
    fn a_batch_says_which_clusters_are_new_regressed_or_grew() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let record = |store: &mut Store, texts: &[&str]| {
            let events: Vec<Event> = texts
                .iter()
                .map(|t| event(&format!("2024-01-15 10:00:00 ERROR {t}")))
                .collect();
            store
                .write(|db| db.record_events("web", None, &events, at(1), 2))
                .unwrap()
        };
        let first = record(&mut store, &["disk full", "queue stalled", "disk full"]);
        let ids: Vec<i64> = first.clusters.iter().map(|c| c.id).collect();
        assert_eq!(
            first.clusters,
            [
                ChangedCluster {
                    id: ids[0],
                    change: New,
                    events: 2
                },
                ChangedCluster {
                    id: ids[1],
                    change: New,
                    events: 1
                },
            ]
        );
        store
            .db()
            .conn
            .execute(
                "UPDATE clusters SET status = 'resolved' WHERE id = ?1",
                [ids[1]],
            )
            .unwrap();
        let second = record(
            &mut store,
            &["queue stalled", "cache cold", "disk full", "queue stalled"],
        );
        let cold = second.clusters[1].id;
        assert_eq!(
            second.clusters,
            [
                ChangedCluster {
                    id: ids[1],
                    change: Regressed,
                    events: 2
                },
                ChangedCluster {
                    id: cold,
                    change: New,
                    events: 1
                },
                ChangedCluster {
                    id: ids[0],
                    change: Grew,
                    events: 1
                },
            ]
        );
        assert_eq!(
            (second.events, second.count(New), second.count(Grew)),
            (4, 1, 1)
        );
        // reopened: the next occurrence is growth, not another regression
        let third = record(&mut store, &["queue stalled"]);
        assert_eq!(third.clusters[0].change, Grew);
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        let mut seconds = -62_135_596_800_i64; // 0001-01-01
        while seconds < 253_402_300_799 {
            // 9999-12-31
            let millis = (seconds.rem_euclid(1000)) as u32;
            let time = DateTime::<Utc>::from_timestamp(seconds, millis * 1_000_000 + 999).unwrap();
            assert_eq!(
                log_time_to_sql(time),
                time.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
            let hour = time
                .with_minute(0)
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0))
                .unwrap();
            assert_eq!(
                hour_to_sql(time.timestamp().div_euclid(3600)),
                hour.to_rfc3339_opts(SecondsFormat::Secs, true)
            );
            seconds += 7_919_993; // about three months, landing on every field's values
        }
        let far = Utc.with_ymd_and_hms(12_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            log_time_to_sql(far),
            far.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
    }

    /// A store with one template cluster of service `web`, and its id.
    fn one_cluster() -> (Store, i64) {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let batch = [event("2024-01-15 10:00:00 ERROR disk 1 is full")];
        store
            .write(|db| db.record_events("web", None, &batch, at(1), 2))
            .unwrap();
        let id = store.db().clusters(None, None).unwrap()[0].id;
        (store, id)
    }

    /// Sets one column of cluster `id` as stored, past the table's checks.
    fn corrupt(store: &Store, id: i64, set: &str) {
        store
            .conn
            .execute_batch(&format!(
                "PRAGMA ignore_check_constraints = ON;
                 UPDATE clusters SET {set} WHERE id = {id};
                 PRAGMA ignore_check_constraints = OFF;"
            ))
            .unwrap();
    }

    /// The errors of reading cluster `id` through `clusters()` and through `cluster()`.
    fn read_errors(store: &Store, id: i64) -> [String; 2] {
        let db = store.db();
        [
            format!("{:#}", db.clusters(Some("web"), None).unwrap_err()),
            format!("{:#}", db.cluster(id).unwrap_err()),
        ]
    }

    #[test]
    fn a_cluster_reads_back_typed() {
        let (store, id) = one_cluster();
        let cluster = store.db().cluster(id).unwrap().unwrap();
        assert_eq!(
            (cluster.kind, cluster.status, cluster.exception),
            (ClusterKind::Template, ClusterStatus::Open, None)
        );
        let GroupingInputs::Template(inputs) = cluster.fingerprint_inputs else {
            panic!("{:?}", cluster.fingerprint_inputs);
        };
        assert_eq!(inputs.template.as_deref(), Some("disk <NUM> is full"));
        assert_eq!(inputs.level, crate::domain::Level::Error);
        let open = store
            .db()
            .clusters(None, Some(ClusterStatus::Open))
            .unwrap();
        assert_eq!(open.len(), 1);
        assert!(store
            .db()
            .clusters(None, Some(ClusterStatus::Ignored))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_corrupt_exception_is_an_error_naming_the_cluster() {
        let (store, id) = one_cluster();
        corrupt(&store, id, r#"exception = '{"chain": 7}'"#);
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column exception is not a parsed exception: invalid type: integer `7`"
                )),
                "{err}"
            );
        }
        corrupt(&store, id, "exception = 'not json'");
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column exception is not a parsed exception: expected"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn an_unknown_status_or_kind_is_an_error_naming_the_cluster() {
        let (store, id) = one_cluster();
        corrupt(&store, id, "status = 'closed'");
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column status: unknown cluster status 'closed'; use open, resolved, ignored"
                )),
                "{err}"
            );
        }
        corrupt(&store, id, "status = 'open', kind = 'pattern'");
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column kind: unknown cluster kind 'pattern'; use exception, template"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn inputs_that_are_not_of_the_clusters_kind_are_an_error() {
        let (store, id) = one_cluster();
        // a template cluster's inputs read as an exception's
        corrupt(&store, id, "kind = 'exception'");
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column fingerprint_inputs is not the inputs of an exception fingerprint: missing field"
                )),
                "{err}"
            );
        }
        corrupt(&store, id, "kind = 'template', fingerprint_inputs = '{}'");
        for err in read_errors(&store, id) {
            assert!(
                err.contains(&format!(
                    "cluster {id}: column fingerprint_inputs is not the inputs of a template fingerprint: missing field `level`"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn an_unknown_sample_role_is_an_error_naming_the_cluster() {
        let (store, id) = one_cluster();
        store
            .conn
            .execute_batch(
                "PRAGMA ignore_check_constraints = ON;
                 UPDATE cluster_samples SET role = 'middle';
                 PRAGMA ignore_check_constraints = OFF;",
            )
            .unwrap();
        let err = format!("{:#}", store.db().cluster_samples(id).unwrap_err());
        assert!(
            err.contains(&format!(
                "a sample of cluster {id}: column role: unknown sample role 'middle'; use first, last, distinct"
            )),
            "{err}"
        );
    }

    #[test]
    fn batches_update_counts_samples_hours_and_regressions() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .write(|db| db.insert_service(&Service::new("web".parse().unwrap(), at(0))))
            .unwrap();
        let batch: Vec<Event> = (0..5)
            .map(|i| event(&format!("2024-01-15 10:0{i}:00 ERROR disk {i} is full")))
            .collect();
        let result = store
            .write(|db| db.record_events("web", None, &batch, at(1), 2))
            .unwrap();
        assert_eq!(
            (result.events, result.count(New), result.count(Regressed)),
            (5, 1, 0)
        );
        let db = store.db();
        let cluster = &db.clusters(Some("web"), None).unwrap()[0];
        assert_eq!(
            (cluster.count, cluster.first_seen, cluster.last_seen),
            (5, at(0), at(4))
        );
        let roles: Vec<SampleRole> = db
            .cluster_samples(cluster.id)
            .unwrap()
            .into_iter()
            .map(|s| s.role)
            .collect();
        assert_eq!(
            roles,
            [
                SampleRole::First,
                SampleRole::Last,
                SampleRole::Distinct,
                SampleRole::Distinct
            ],
            "first, last and two distinct"
        );
        assert_eq!(db.cluster_hours(cluster.id).unwrap(), vec![(at(0), 5)]);
        db.set_cluster_status(cluster.id, ClusterStatus::Resolved, at(59))
            .unwrap();
        let again = [event("2024-01-15 11:30:00 ERROR disk 9 is full")];
        let result = store
            .write(|db| db.record_events("web", None, &again, at(59), 2))
            .unwrap();
        assert_eq!(result.count(Regressed), 1);
        let cluster = &store.db().clusters(Some("web"), None).unwrap()[0];
        assert_eq!(
            (cluster.status, cluster.regressed, cluster.count),
            (ClusterStatus::Open, true, 6)
        );
        assert_eq!(store.db().cluster_hours(cluster.id).unwrap().len(), 2);
        // retention removes old events but keeps the cluster, its counts and samples
        let prune = |before| store.db().prune_events(before).unwrap();
        assert_eq!(prune(at(30)), 5, "the first batch was read at 10:01");
        assert_eq!(prune(at(30)), 0);
        assert_eq!(prune(at(59) + chrono::Duration::days(1)), 1);
        let cluster = &store.db().clusters(Some("web"), None).unwrap()[0];
        assert_eq!(cluster.count, 6);
        assert!(!store.db().cluster_samples(cluster.id).unwrap().is_empty());
    }
}
