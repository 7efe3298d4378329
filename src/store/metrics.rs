//! The figures `GET /metrics` exposes, each table read by one aggregate query (four in all,
//! whatever the number of services), never a query per service.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{time_from_sql, Db};

/// Everything `/metrics` shows, as of one read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub services: Vec<ServiceMetrics>,
    pub tasks: Vec<TaskMetrics>,
    pub outbox: Vec<OutboxCount>,
}

/// A service's last runs and its clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceMetrics {
    pub id: String,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_index: Option<DateTime<Utc>>,
    pub last_rca: Option<DateTime<Utc>>,
    /// Events counted into the service's clusters since they were first seen.
    pub events: u64,
    pub open_clusters: u64,
}

/// The recorded runs of one task of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMetrics {
    pub service_id: String,
    pub task: String,
    pub runs: u64,
    pub failures: u64,
    /// Finished runs, and the sum of their durations in seconds (timestamps have seconds).
    pub finished: u64,
    pub duration_sum: f64,
    /// The duration of the latest finished run.
    pub last_duration: Option<f64>,
}

/// How many of a service's notifications are in one outbox status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCount {
    pub service_id: String,
    pub status: String,
    pub count: u64,
}

/// A run's duration in seconds, from its stored RFC 3339 times.
const DURATION: &str = "(julianday(finished_at) - julianday(started_at)) * 86400.0";

impl Db<'_> {
    /// The figures of every service, ordered by service (then task, then status).
    pub fn metrics(&self) -> Result<Metrics> {
        Ok(Metrics {
            services: self.service_metrics()?,
            tasks: self.task_metrics()?,
            outbox: self.outbox_counts()?,
        })
    }

    fn service_metrics(&self) -> Result<Vec<ServiceMetrics>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.last_log_fetch, s.last_code_indexing, s.last_rca_generation,
                    coalesce(c.events, 0), coalesce(c.open, 0)
             FROM services s
             LEFT JOIN (SELECT service_id, sum(count) AS events,
                               sum(status = 'open') AS open
                        FROM clusters GROUP BY service_id) c ON c.service_id = s.id
             ORDER BY s.id",
        )?;
        let time = |text: Option<String>| text.map(|t| time_from_sql(&t)).transpose();
        let rows = stmt.query_map([], |row| {
            Ok(ServiceMetrics {
                id: row.get(0)?,
                last_fetch: time(row.get(1)?)?,
                last_index: time(row.get(2)?)?,
                last_rca: time(row.get(3)?)?,
                events: row.get::<_, i64>(4)?.try_into().unwrap_or(0),
                open_clusters: row.get::<_, i64>(5)?.try_into().unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn task_metrics(&self) -> Result<Vec<TaskMetrics>> {
        let sql = format!(
            "SELECT t.service_id, t.task, t.runs, t.failures, t.finished, t.duration_sum,
                    (SELECT {DURATION} FROM task_runs l WHERE l.id = t.last_finished)
             FROM (SELECT service_id, task, count(*) AS runs,
                          sum(status = 'failed') AS failures,
                          count(finished_at) AS finished,
                          coalesce(sum({DURATION}), 0.0) AS duration_sum,
                          max(CASE WHEN finished_at IS NOT NULL THEN id END) AS last_finished
                   FROM task_runs GROUP BY service_id, task) t
             ORDER BY t.service_id, t.task"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let rows = stmt.query_map([], |row| {
            Ok(TaskMetrics {
                service_id: row.get(0)?,
                task: row.get(1)?,
                runs: count(row.get(2)?),
                failures: count(row.get(3)?),
                finished: count(row.get(4)?),
                duration_sum: row.get(5)?,
                last_duration: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn outbox_counts(&self) -> Result<Vec<OutboxCount>> {
        let mut stmt = self.conn.prepare(
            "SELECT service_id, status, count(*) FROM notifications
             WHERE status IN ('pending', 'retrying', 'dead')
             GROUP BY service_id, status ORDER BY service_id, status",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(OutboxCount {
                service_id: row.get(0)?,
                status: row.get(1)?,
                count: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::Store;
    use super::*;

    #[test]
    fn figures_come_from_aggregates() {
        let store = Store::open_in_memory().unwrap();
        let conn = &store.conn;
        conn.execute_batch(
            "INSERT INTO services (id, name, last_log_fetch, created_at, updated_at)
               VALUES ('web', 'Web', '2024-01-15T11:59:00Z', 'x', 'x'),
                      ('idle', 'Idle', NULL, 'x', 'x');
             INSERT INTO clusters (service_id, fingerprint, kind, title, first_seen, last_seen,
                                   count, status, created_at, updated_at)
               VALUES ('web', 'a', 'template', 'a', 'x', 'x', 5, 'open', 'x', 'x'),
                      ('web', 'b', 'template', 'b', 'x', 'x', 2, 'resolved', 'x', 'x');
             INSERT INTO task_runs (service_id, task, trigger, started_at, finished_at, status)
               VALUES ('web', 'fetch', 'schedule', '2024-01-15T11:00:00Z', '2024-01-15T11:00:03Z', 'ok'),
                      ('web', 'fetch', 'schedule', '2024-01-15T11:30:00Z', '2024-01-15T11:30:01Z', 'failed'),
                      ('web', 'fetch', 'schedule', '2024-01-15T11:59:00Z', NULL, 'running');
             INSERT INTO notifications (service_id, channel, target, event, payload, status,
                                        created_at, next_attempt)
               VALUES ('web', 'slack', 'u', 'test', '{}', 'dead', 'x', 'x'),
                      ('web', 'slack', 'u', 'test', '{}', 'delivered', 'x', 'x');",
        )
        .unwrap();
        let m = store.db().metrics().unwrap();
        assert_eq!(m.services.len(), 2);
        let idle = &m.services[0];
        assert_eq!(
            (idle.id.as_str(), idle.events, idle.last_fetch),
            ("idle", 0, None)
        );
        let web = &m.services[1];
        assert_eq!((web.events, web.open_clusters), (7, 1));
        assert_eq!(
            web.last_fetch,
            Some(Utc.with_ymd_and_hms(2024, 1, 15, 11, 59, 0).unwrap())
        );
        let fetch = &m.tasks[0];
        assert_eq!((fetch.runs, fetch.failures, fetch.finished), (3, 1, 2));
        assert!((fetch.duration_sum - 4.0).abs() < 1e-3);
        assert!((fetch.last_duration.unwrap() - 1.0).abs() < 1e-3);
        assert_eq!(
            m.outbox,
            [OutboxCount {
                service_id: "web".into(),
                status: "dead".into(),
                count: 1
            }]
        );
    }
}
