//! Triage state on clusters: a snooze's condition (ignore until...), waking a snoozed cluster,
//! and the `new_cluster` notification held back by a service's threshold.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::clusters::log_time_to_sql;
use super::{time_from_sql, Db};
use crate::triage::SnoozeCondition;

impl Db<'_> {
    /// Ignores a cluster until `condition` holds: its count and the largest event id now are
    /// where the condition counts from.
    pub fn snooze_cluster(
        &self,
        id: i64,
        condition: SnoozeCondition,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (until, count, rate) = match condition {
            SnoozeCondition::Until(at) => (Some(log_time_to_sql(at)), None, None),
            SnoozeCondition::Count(n) => (None, Some(n), None),
            SnoozeCondition::Rate(rate) => (None, None, Some(rate)),
        };
        self.conn
            .execute(
                "UPDATE clusters SET status = 'ignored', updated_at = ?2, notify_pending = 0,
                 snooze_until = ?3, snooze_count = ?4, snooze_rate_count = ?5,
                 snooze_rate_seconds = ?6, snoozed_at = ?2, snooze_base_count = count,
                 snooze_after_event = (SELECT coalesce(max(id), 0) FROM events)
                 WHERE id = ?1",
                params![
                    id,
                    log_time_to_sql(now),
                    until,
                    count,
                    rate.map(|r| r.count),
                    rate.map(|r| r.seconds)
                ],
            )
            .context("could not snooze the cluster")?;
        Ok(())
    }

    /// Reopens a snoozed cluster whose condition held: open, its snooze gone, its regressed
    /// flag as it was (waking is not a regression).
    pub fn wake_cluster(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE clusters SET status = 'open', updated_at = ?2,
                 snooze_until = NULL, snooze_count = NULL, snooze_rate_count = NULL,
                 snooze_rate_seconds = NULL, snoozed_at = NULL, snooze_base_count = NULL,
                 snooze_after_event = NULL WHERE id = ?1",
                params![id, log_time_to_sql(now)],
            )
            .context("could not reopen the snoozed cluster")?;
        Ok(())
    }

    /// The ignored clusters of a service whose snooze time is up at `now`.
    pub fn snoozes_due(&self, service_id: &str, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM clusters WHERE service_id = ?1 AND status = 'ignored'
             AND snooze_until IS NOT NULL AND snooze_until <= ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![service_id, log_time_to_sql(now)], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the snoozed clusters")
    }

    /// The clusters of a service that triage watches as they grow: ignored with a snooze, or
    /// with a held-back `new_cluster` notification.
    pub fn watched_clusters(&self, service_id: &str) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM clusters WHERE service_id = ?1
             AND (notify_pending = 1 OR snoozed_at IS NOT NULL)",
        )?;
        let rows = stmt.query_map([service_id], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the watched clusters")
    }

    /// Marks whether a cluster's `new_cluster` notification waits for its service's threshold.
    pub fn set_notify_pending(&self, id: i64, pending: bool) -> Result<()> {
        self.conn
            .execute(
                "UPDATE clusters SET notify_pending = ?2 WHERE id = ?1",
                params![id, pending],
            )
            .context("could not mark the cluster's notification")?;
        Ok(())
    }

    /// The log times of a cluster's kept events with ids above `after`, oldest first.
    pub fn cluster_log_times(&self, id: i64, after: i64) -> Result<Vec<DateTime<Utc>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.log_time FROM event_runs r
             JOIN events e ON e.id BETWEEN max(r.first_id, ?2 + 1) AND r.last_id
             WHERE r.cluster_id = ?1 AND r.last_id > ?2 ORDER BY e.log_time",
        )?;
        let rows = stmt.query_map(params![id, after], |row| {
            time_from_sql(&row.get::<_, String>(0)?)
        })?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the cluster's event times")
    }
}
