//! The notification outbox: rows written in the transaction of the batch that caused them,
//! taken when due, and marked delivered, retrying or dead one send at a time.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{time_from_sql, time_to_sql, Db};
use crate::domain::{NotifyEvent, NotifyStatus};

/// A notification to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification<'a> {
    pub service_id: &'a str,
    pub cluster_id: Option<i64>,
    /// The channel's kind (`slack`, `googlechat`, `webhook`, `email`).
    pub channel: &'a str,
    /// The channel's URL, `env:VAR` or recipients, as the service's settings give it.
    pub target: &'a str,
    pub event: NotifyEvent,
    pub payload: &'a serde_json::Value,
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub service_id: String,
    pub cluster_id: Option<i64>,
    pub channel: String,
    pub target: String,
    pub event: NotifyEvent,
    pub payload: serde_json::Value,
    pub status: NotifyStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, service_id, cluster_id, channel, target, event, payload, status, \
                       attempts, created_at, next_attempt, delivered_at, last_error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Notification> {
    let payload: String = row.get(6)?;
    let delivered: Option<String> = row.get(11)?;
    Ok(Notification {
        id: row.get(0)?,
        service_id: row.get(1)?,
        cluster_id: row.get(2)?,
        channel: row.get(3)?,
        target: row.get(4)?,
        event: row.get(5)?,
        payload: serde_json::from_str(&payload).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(err))
        })?,
        status: row.get(7)?,
        attempts: row.get(8)?,
        created_at: time_from_sql(&row.get::<_, String>(9)?)?,
        next_attempt: time_from_sql(&row.get::<_, String>(10)?)?,
        delivered_at: delivered.as_deref().map(time_from_sql).transpose()?,
        last_error: row.get(12)?,
    })
}

impl Db<'_> {
    /// Writes a pending notification, due now; returns its id.
    pub fn insert_notification(&self, n: &NewNotification<'_>, now: DateTime<Utc>) -> Result<i64> {
        let now = time_to_sql(now);
        self.conn
            .prepare_cached(
                "INSERT INTO notifications
                 (service_id, cluster_id, channel, target, event, payload, created_at, next_attempt)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?
            .execute(params![
                n.service_id,
                n.cluster_id,
                n.channel,
                n.target,
                n.event,
                n.payload.to_string(),
                now
            ])
            .context("could not write a notification")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Whether a notification of `event` about `cluster_id` was written after `since` (the
    /// cooldown).
    pub fn notified_since(
        &self,
        cluster_id: i64,
        event: NotifyEvent,
        since: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM notifications
                 WHERE cluster_id = ?1 AND event = ?2 AND created_at > ?3 LIMIT 1",
            )?
            .query_row(params![cluster_id, event, time_to_sql(since)], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The service's notifications due at `now` (pending or retrying), oldest first.
    pub fn due_notifications(
        &self,
        service_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notification>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications
             WHERE service_id = ?1 AND status IN ('pending', 'retrying') AND next_attempt <= ?2
             ORDER BY id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![service_id, time_to_sql(now)], from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("a notification in the outbox is unreadable")
    }

    /// Notifications, newest first: all, or those of one status and/or service.
    pub fn notifications(
        &self,
        service_id: Option<&str>,
        status: Option<NotifyStatus>,
        limit: usize,
    ) -> Result<Vec<Notification>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications
             WHERE (?1 IS NULL OR service_id = ?1) AND (?2 IS NULL OR status = ?2)
             ORDER BY id DESC LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![service_id, status, limit as i64], from_row)?;
        rows.collect::<rusqlite::Result<_>>()
            .context("a notification in the outbox is unreadable")
    }

    /// One notification.
    pub fn notification(&self, id: i64) -> Result<Option<Notification>> {
        let sql = format!("SELECT {COLUMNS} FROM notifications WHERE id = ?1");
        self.conn
            .prepare_cached(&sql)?
            .query_row([id], from_row)
            .optional()
            .with_context(|| format!("notification {id} is unreadable"))
    }

    /// Marks notifications sent.
    pub fn mark_delivered(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE notifications SET status = 'delivered', attempts = attempts + 1,
             delivered_at = ?2, last_error = NULL WHERE id = ?1",
        )?;
        for id in ids {
            stmt.execute(params![id, time_to_sql(now)])?;
        }
        Ok(())
    }

    /// Records a failed send: `retrying` at `next` with the error, or `dead` when `next` is None.
    pub fn mark_failed(&self, ids: &[i64], error: &str, next: Option<DateTime<Utc>>) -> Result<()> {
        let (status, next) = match next {
            Some(next) => (NotifyStatus::Retrying, Some(time_to_sql(next))),
            None => (NotifyStatus::Dead, None),
        };
        let mut stmt = self.conn.prepare_cached(
            "UPDATE notifications SET status = ?2, attempts = attempts + 1, last_error = ?3,
             next_attempt = COALESCE(?4, next_attempt) WHERE id = ?1",
        )?;
        for id in ids {
            stmt.execute(params![id, status, error, next])?;
        }
        Ok(())
    }

    /// Makes a notification due now again (`retrying`, its attempts and its age kept: a dead
    /// one gets this one more attempt, and the cooldown still counts from when its event
    /// happened); false when there is none with this id.
    /// Makes every pending and retrying notification (of `service_id`, or of every service) due
    /// at `now`; returns the services they are for, each once, in order.
    pub fn retry_waiting_notifications(
        &self,
        service_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE notifications SET status = 'retrying', next_attempt = ?2
             WHERE status IN ('pending', 'retrying') AND (?1 IS NULL OR service_id = ?1)
             RETURNING service_id",
        )?;
        let rows = stmt.query_map(params![service_id, time_to_sql(now)], |row| {
            row.get::<_, String>(0)
        })?;
        let mut services: Vec<String> = rows
            .collect::<rusqlite::Result<_>>()
            .context("the outbox could not be updated")?;
        services.sort();
        services.dedup();
        Ok(services)
    }

    pub fn retry_notification(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let now = time_to_sql(now);
        let changed = self.conn.execute(
            "UPDATE notifications SET status = 'retrying', next_attempt = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        Ok(changed > 0)
    }

    /// The last hours of a cluster's hourly counts, newest first: (hour, count).
    pub fn recent_cluster_hours(
        &self,
        cluster_id: i64,
        hours: usize,
    ) -> Result<Vec<(DateTime<Utc>, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hour, count FROM cluster_hours WHERE cluster_id = ?1 ORDER BY hour DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![cluster_id, hours as i64], |row| {
            Ok((
                time_from_sql(&row.get::<_, String>(0)?)?,
                row.get::<_, u64>(1)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()
            .context("a cluster's hourly counts are unreadable")
    }
}
