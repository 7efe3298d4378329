//! Task runs (the history of fetch, rca, index and notify) and leases, which keep a task of one
//! service running at most once at a time across processes.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{time_from_sql, time_to_sql, Db};

/// One row of the task history.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun {
    pub id: i64,
    pub service_id: String,
    pub task: String,
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub counts: serde_json::Value,
    pub error: Option<String>,
}

impl Db<'_> {
    /// Takes the lease of (service, task) for `holder` until `expires`, when it is free, expired,
    /// already ours, or held by a process of this machine that no longer runs (`dead`).
    pub fn acquire_lease(
        &self,
        service_id: &str,
        task: &str,
        holder: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
        dead: impl Fn(&str) -> bool,
    ) -> Result<bool> {
        let current: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT holder, expires_at FROM leases WHERE service_id = ?1 AND task = ?2",
                [service_id, task],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((other, until)) = &current {
            let expired = time_from_sql(until).map_or(true, |until| until <= now);
            if other != holder && !expired && !dead(other) {
                return Ok(false);
            }
        }
        self.conn
            .execute(
                "INSERT INTO leases (service_id, task, holder, expires_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (service_id, task) DO UPDATE SET holder = excluded.holder,
                 expires_at = excluded.expires_at",
                params![service_id, task, holder, time_to_sql(expires)],
            )
            .context("could not take the task lease")?;
        Ok(true)
    }

    /// Extends our lease until `expires`; false when it is no longer ours (it expired and another
    /// process took it), in which case the caller must not commit.
    pub fn renew_lease(
        &self,
        service_id: &str,
        task: &str,
        holder: &str,
        expires: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE leases SET expires_at = ?4 WHERE service_id = ?1 AND task = ?2 AND holder = ?3",
            )?
            .execute(params![service_id, task, holder, time_to_sql(expires)])
            .context("could not renew the task lease")?;
        Ok(changed == 1)
    }

    /// Gives the lease back.
    pub fn release_lease(&self, service_id: &str, task: &str, holder: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM leases WHERE service_id = ?1 AND task = ?2 AND holder = ?3",
                [service_id, task, holder],
            )
            .context("could not release the task lease")?;
        Ok(())
    }

    /// Marks runs of (service, task) that are still `running` as failed: their process died.
    pub fn fail_interrupted_runs(
        &self,
        service_id: &str,
        task: &str,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.conn
            .execute(
                "UPDATE task_runs SET status = 'failed', finished_at = ?3,
                 error = 'interrupted: the process running it stopped before it finished'
                 WHERE service_id = ?1 AND task = ?2 AND status = 'running'",
                params![service_id, task, time_to_sql(now)],
            )
            .context("could not close interrupted task runs")
    }

    /// Records the start of a task run; returns its id.
    pub fn start_run(
        &self,
        service_id: &str,
        task: &str,
        trigger: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO task_runs (service_id, task, trigger, started_at, status)
                 VALUES (?1, ?2, ?3, ?4, 'running')",
                params![service_id, task, trigger, time_to_sql(now)],
            )
            .context("could not record the task run")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records how a task run ended.
    pub fn finish_run(
        &self,
        id: i64,
        status: &str,
        counts: &serde_json::Value,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE task_runs SET status = ?2, counts = ?3, error = ?4, finished_at = ?5 WHERE id = ?1",
                params![id, status, counts.to_string(), error, time_to_sql(now)],
            )
            .context("could not record the end of the task run")?;
        Ok(())
    }

    /// The latest runs, newest first, of one service or all.
    pub fn task_runs(&self, service_id: Option<&str>, limit: usize) -> Result<Vec<TaskRun>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, service_id, task, trigger, started_at, finished_at, status, counts, error
             FROM task_runs WHERE ?1 IS NULL OR service_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![service_id, limit as i64], |row| {
            let finished: Option<String> = row.get(5)?;
            let counts: String = row.get(7)?;
            Ok(TaskRun {
                id: row.get(0)?,
                service_id: row.get(1)?,
                task: row.get(2)?,
                trigger: row.get(3)?,
                started_at: time_from_sql(&row.get::<_, String>(4)?)?,
                finished_at: finished.map(|t| time_from_sql(&t)).transpose()?,
                status: row.get(6)?,
                counts: serde_json::from_str(&counts).unwrap_or_default(),
                error: row.get(8)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read task runs")
    }

    /// Sets when a service last fetched its logs.
    pub fn set_last_log_fetch(&self, service_id: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE services SET last_log_fetch = ?2 WHERE id = ?1",
                params![service_id, time_to_sql(at)],
            )
            .context("could not record the fetch time")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::Store;
    use crate::service::Service;

    #[test]
    fn leases_exclude_others_until_they_expire_or_die() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        let later = now + chrono::Duration::minutes(30);
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        let db = store.db();
        assert!(db
            .acquire_lease("web", "fetch", "a", now, later, |_| false)
            .unwrap());
        assert!(!db
            .acquire_lease("web", "fetch", "b", now, later, |_| false)
            .unwrap());
        assert!(db.renew_lease("web", "fetch", "a", later).unwrap());
        assert!(!db.renew_lease("web", "fetch", "b", later).unwrap());
        // a dead holder's lease is taken over at once; an expired one too
        assert!(db
            .acquire_lease("web", "fetch", "b", now, later, |h| h == "a")
            .unwrap());
        assert!(
            !db.renew_lease("web", "fetch", "a", later).unwrap(),
            "a lost its lease"
        );
        assert!(db
            .acquire_lease("web", "fetch", "c", later, later, |_| false)
            .unwrap());
        db.release_lease("web", "fetch", "c").unwrap();
        assert!(db
            .acquire_lease("web", "fetch", "d", now, later, |_| false)
            .unwrap());
    }
}
