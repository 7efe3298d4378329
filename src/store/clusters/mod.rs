//! Clusters, their hourly counts, samples and events: written one fetch batch at a time.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::types::FromSql;
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, Db};
use crate::domain::{ClusterChange, ClusterKind, ClusterStatus, SampleRole};
use crate::grouping::rules::RuleNote;
use crate::grouping::{rule_of, GroupingInputs};
use crate::ingest::Event;
use crate::parse::ParsedException;
use crate::triage::{Rate, Snooze, SnoozeCondition};

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
mod counts;
mod events;

pub use events::log_time_to_sql;

const COLUMNS: &str = "id, service_id, fingerprint, kind, title, exception_type, template, level, \
    logger, first_seen, last_seen, count, status, regressed, fingerprint_inputs, exception, \
    snooze_until, snooze_count, snooze_rate_count, snooze_rate_seconds, snoozed_at, \
    snooze_base_count, snooze_after_event, notify_pending";

/// The snooze of a cluster row whose snooze columns start at `at` (in the order of
/// `clusters::COLUMNS`): none when no condition is set.
fn snooze_from_row(row: &Row<'_>, what: &str, at: usize) -> Result<Option<Snooze>> {
    let until: Option<String> = column(row, what, at, "snooze_until")?;
    let count: Option<u32> = column(row, what, at + 1, "snooze_count")?;
    let rate_count: Option<u32> = column(row, what, at + 2, "snooze_rate_count")?;
    let rate_seconds: Option<u32> = column(row, what, at + 3, "snooze_rate_seconds")?;
    let condition = match (until, count, rate_count, rate_seconds) {
        (Some(until), None, None, None) => SnoozeCondition::Until(
            time_from_sql(&until)
                .with_context(|| format!("{what}: column snooze_until is not a time"))?,
        ),
        (None, Some(n), None, None) => SnoozeCondition::Count(n),
        (None, None, Some(count), Some(seconds)) => SnoozeCondition::Rate(Rate { count, seconds }),
        (None, None, None, None) => return Ok(None),
        _ => anyhow::bail!("{what}: more than one snooze condition is set"),
    };
    Ok(Some(Snooze {
        condition,
        since: time_column(row, what, at + 4, "snoozed_at")?,
        base_count: column(row, what, at + 5, "snooze_base_count")?,
        after_event: column(row, what, at + 6, "snooze_after_event")?,
    }))
}

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
        snooze: snooze_from_row(row, &what, 16)?,
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
        // (hashed with Fx: SipHash over every event's fingerprint was a twentieth of a large
        // fetch's writer, which sets its pace)
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
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
            .as_deref()
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

    /// When the oldest open cluster of a service was first seen (`None`: it has none).
    pub fn oldest_open_first_seen(&self, service_id: &str) -> Result<Option<DateTime<Utc>>> {
        let first: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT min(first_seen) FROM clusters WHERE service_id = ?1 AND status = 'open'",
            )?
            .query_row([service_id], |row| row.get(0))?;
        first
            .map(|text| time_from_sql(&text))
            .transpose()
            .context("could not read when the oldest open cluster was first seen")
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
}

#[cfg(test)]
pub(crate) mod tests;
