//! Task runs (the history of fetch, rca, index and notify) and leases, which keep a task of one
//! service running at most once at a time across processes.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{time_from_sql, time_to_sql, Db};
use crate::domain::{Task, TaskStatus, Trigger};

/// One row of the task history.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun {
    pub id: i64,
    pub service_id: String,
    pub task: Task,
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: TaskStatus,
    /// The counts the task recorded (their names are the task's own).
    pub counts: serde_json::Value,
    pub error: Option<String>,
}

/// How a task of a service last ended: [`Db::last_outcome`].
#[derive(Debug, Clone, PartialEq)]
pub struct LastOutcome {
    pub status: TaskStatus,
    pub failures_since_success: u64,
    /// The error of the latest run that failed since the last success (none when the last run
    /// succeeded).
    pub last_error: Option<String>,
}

impl Db<'_> {
    /// Takes the lease of (service, task) for `holder` until `expires`, when it is free, expired,
    /// already ours, or held by a process of this machine that no longer runs (`dead`).
    pub fn acquire_lease(
        &self,
        service_id: &str,
        task: Task,
        holder: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
        dead: impl Fn(&str) -> bool,
    ) -> Result<bool> {
        let current: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT holder, expires_at FROM leases WHERE service_id = ?1 AND task = ?2",
                params![service_id, task],
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

    /// Who holds the lease of (service, task), and until when, if anyone does (it may have
    /// expired, or its holder died: [`Db::acquire_lease`] decides).
    pub fn lease(&self, service_id: &str, task: Task) -> Result<Option<(String, DateTime<Utc>)>> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT holder, expires_at FROM leases WHERE service_id = ?1 AND task = ?2",
            )?
            .query_row(params![service_id, task], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("could not read the task lease")?;
        row.map(|(holder, until)| time_from_sql(&until).map(|until| (holder, until)))
            .transpose()
            .context("could not read the task lease")
    }

    /// Extends our lease until `expires`; false when it is no longer ours (it expired and another
    /// process took it), in which case the caller must not commit.
    pub fn renew_lease(
        &self,
        service_id: &str,
        task: Task,
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
    pub fn release_lease(&self, service_id: &str, task: Task, holder: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM leases WHERE service_id = ?1 AND task = ?2 AND holder = ?3",
                params![service_id, task, holder],
            )
            .context("could not release the task lease")?;
        Ok(())
    }

    /// Marks runs of (service, task) that are still `running` as failed: their process died.
    pub fn fail_interrupted_runs(
        &self,
        service_id: &str,
        task: Task,
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
        task: Task,
        trigger: Trigger,
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
        status: TaskStatus,
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
        self.task_runs_of(service_id, None, None, limit)
    }

    /// [`Db::task_runs`] of one task and with one status only, when given.
    pub fn task_runs_of(
        &self,
        service_id: Option<&str>,
        task: Option<Task>,
        status: Option<TaskStatus>,
        limit: usize,
    ) -> Result<Vec<TaskRun>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, service_id, task, trigger, started_at, finished_at, status, counts, error
             FROM task_runs
             WHERE (?1 IS NULL OR service_id = ?1) AND (?2 IS NULL OR task = ?2)
               AND (?3 IS NULL OR status = ?3)
             ORDER BY id DESC LIMIT ?4",
        )?;
        let mut rows = stmt.query(params![service_id, task, status, limit as i64])?;
        let mut runs = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let run =
                run_from_row(id, row).with_context(|| format!("task run {id} is unreadable"))?;
            runs.push(run);
        }
        Ok(runs)
    }

    /// One task run by its id.
    pub fn task_run(&self, id: i64) -> Result<Option<TaskRun>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, service_id, task, trigger, started_at, finished_at, status, counts, error
             FROM task_runs WHERE id = ?1",
        )?;
        let mut rows = stmt.query(params![id])?;
        match rows.next()? {
            Some(row) => run_from_row(id, row)
                .map(Some)
                .with_context(|| format!("task run {id} is unreadable")),
            None => Ok(None),
        }
    }

    /// How the last finished run of `task` of a service ended, how many runs failed since its
    /// last success and the error of the latest of them; `None` before any run ended.
    pub fn last_outcome(&self, service_id: &str, task: Task) -> Result<Option<LastOutcome>> {
        let last: Option<TaskStatus> = self
            .conn
            .prepare_cached(
                "SELECT status FROM task_runs WHERE service_id = ?1 AND task = ?2
                 AND status != 'running' ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![service_id, task], |row| row.get(0))
            .optional()?;
        let Some(status) = last else {
            return Ok(None);
        };
        // The runs that failed since the last success, newest first.
        let since_success =
            "FROM task_runs WHERE service_id = ?1 AND task = ?2 AND status = 'failed'
             AND id > coalesce((SELECT max(id) FROM task_runs
             WHERE service_id = ?1 AND task = ?2 AND status = 'ok'), 0)";
        let failures: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) {since_success}"))?
            .query_row(params![service_id, task], |row| row.get(0))?;
        let last_error: Option<String> = self
            .conn
            .prepare_cached(&format!(
                "SELECT error {since_success} ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![service_id, task], |row| row.get(0))
            .optional()?
            .flatten();
        Ok(Some(LastOutcome {
            status,
            failures_since_success: failures.max(0) as u64,
            last_error,
        }))
    }

    /// [`Db::last_outcome`] of every task of every service that has a finished run, in one
    /// statement: what `luffy status` (and the server's status answer) shows for a thousand
    /// services without three queries for each task of each.
    pub fn last_outcomes(&self) -> Result<std::collections::HashMap<(String, Task), LastOutcome>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH last AS (
                 SELECT service_id, task, max(id) AS last_id FROM task_runs
                 WHERE status != 'running' GROUP BY service_id, task),
             ok AS (
                 SELECT service_id, task, max(id) AS ok_id FROM task_runs
                 WHERE status = 'ok' GROUP BY service_id, task),
             failed AS (
                 SELECT r.service_id, r.task, count(*) AS failures, max(r.id) AS failed_id
                 FROM task_runs r LEFT JOIN ok USING (service_id, task)
                 WHERE r.status = 'failed' AND r.id > coalesce(ok.ok_id, 0)
                 GROUP BY r.service_id, r.task)
             SELECT last.service_id, last.task, runs.status, coalesce(failed.failures, 0),
                    (SELECT error FROM task_runs WHERE id = failed.failed_id)
             FROM last
             JOIN task_runs runs ON runs.id = last.last_id
             LEFT JOIN failed USING (service_id, task)",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, Task>(1)?),
                LastOutcome {
                    status: row.get(2)?,
                    failures_since_success: row.get::<_, i64>(3)?.max(0) as u64,
                    last_error: row.get(4)?,
                },
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()
            .context("could not read the task runs' outcomes")
    }

    /// Deletes finished task runs that started before `before` (retention); returns how many.
    pub fn prune_task_runs(&self, before: DateTime<Utc>) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM task_runs WHERE started_at < ?1 AND status != 'running'",
                params![time_to_sql(before)],
            )
            .context("could not prune old task runs")
    }

    /// Sets when `task` of a service last ran (`last_log_fetch`, `last_rca_generation`,
    /// `last_code_indexing`). Notify has no such time: it delivers whenever something is due.
    pub fn set_last_run(&self, service_id: &str, task: Task, at: DateTime<Utc>) -> Result<()> {
        let column = match task {
            Task::Fetch => "last_log_fetch",
            Task::Rca => "last_rca_generation",
            Task::Index => "last_code_indexing",
            Task::Notify => return Ok(()),
        };
        self.conn
            .execute(
                &format!("UPDATE services SET {column} = ?2 WHERE id = ?1"),
                params![service_id, time_to_sql(at)],
            )
            .with_context(|| format!("could not record the time of the {task} task"))?;
        Ok(())
    }
}

/// A task run from its row; a value that does not decode is an error, never a default.
fn run_from_row(id: i64, row: &rusqlite::Row<'_>) -> Result<TaskRun> {
    let finished: Option<String> = row.get(5)?;
    let counts: String = row.get(7)?;
    Ok(TaskRun {
        id,
        service_id: row.get(1)?,
        task: row.get(2)?,
        trigger: row.get(3)?,
        started_at: time_from_sql(&row.get::<_, String>(4)?)?,
        finished_at: finished.map(|t| time_from_sql(&t)).transpose()?,
        status: row.get(6)?,
        counts: serde_json::from_str(&counts)
            .with_context(|| format!("its counts are not JSON: {counts}"))?,
        error: row.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::Store;
    use crate::domain::Task;
    use crate::service::Service;

    #[test]
    fn a_task_run_by_its_id() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        let id = store
            .write(|db| db.start_run("web", Task::Rca, crate::domain::Trigger::Manual, now))
            .unwrap();
        let run = store.db().task_run(id).unwrap().unwrap();
        assert_eq!(
            (run.id, run.task, run.service_id.as_str()),
            (id, Task::Rca, "web")
        );
        assert_eq!(run.status, crate::domain::TaskStatus::Running);
        assert_eq!(store.db().task_run(id + 1).unwrap(), None);
    }

    #[test]
    fn every_outcome_at_once_is_each_outcome_alone() {
        use crate::domain::{TaskStatus, Trigger};
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        for id in ["web", "api", "idle"] {
            let service = Service::new(id.parse().unwrap(), now);
            store.write(|db| db.insert_service(&service)).unwrap();
        }
        // web fetch: ok, failed, failed; web rca: failed, ok; api fetch: failed, running
        let runs: [(&str, Task, Option<TaskStatus>, Option<&str>); 7] = [
            ("web", Task::Fetch, Some(TaskStatus::Ok), None),
            ("web", Task::Fetch, Some(TaskStatus::Failed), Some("first")),
            ("web", Task::Fetch, Some(TaskStatus::Failed), Some("second")),
            ("web", Task::Rca, Some(TaskStatus::Failed), Some("old")),
            ("web", Task::Rca, Some(TaskStatus::Ok), None),
            ("api", Task::Fetch, Some(TaskStatus::Failed), Some("down")),
            ("api", Task::Fetch, None, None),
        ];
        for (service, task, status, error) in runs {
            store
                .write(|db| {
                    let run = db.start_run(service, task, Trigger::Manual, now)?;
                    if let Some(status) = status {
                        db.finish_run(run, status, &serde_json::json!({}), error, now)?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let db = store.db();
        let all = db.last_outcomes().unwrap();
        for service in ["web", "api", "idle"] {
            for task in [Task::Fetch, Task::Rca, Task::Index] {
                assert_eq!(
                    all.get(&(service.to_string(), task)),
                    db.last_outcome(service, task).unwrap().as_ref(),
                    "{service} {task}"
                );
            }
        }
        let web = &all[&("web".to_string(), Task::Fetch)];
        assert_eq!(
            (web.failures_since_success, web.last_error.as_deref()),
            (2, Some("second"))
        );
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn leases_exclude_others_until_they_expire_or_die() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        let later = now + chrono::Duration::minutes(30);
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        let db = store.db();
        assert!(db
            .acquire_lease("web", Task::Fetch, "a", now, later, |_| false)
            .unwrap());
        assert!(!db
            .acquire_lease("web", Task::Fetch, "b", now, later, |_| false)
            .unwrap());
        assert!(db.renew_lease("web", Task::Fetch, "a", later).unwrap());
        assert!(!db.renew_lease("web", Task::Fetch, "b", later).unwrap());
        // a dead holder's lease is taken over at once; an expired one too
        assert!(db
            .acquire_lease("web", Task::Fetch, "b", now, later, |h| h == "a")
            .unwrap());
        assert!(
            !db.renew_lease("web", Task::Fetch, "a", later).unwrap(),
            "a lost its lease"
        );
        assert!(db
            .acquire_lease("web", Task::Fetch, "c", later, later, |_| false)
            .unwrap());
        db.release_lease("web", Task::Fetch, "c").unwrap();
        assert!(db
            .acquire_lease("web", Task::Fetch, "d", now, later, |_| false)
            .unwrap());
    }

    #[test]
    fn a_run_that_does_not_decode_is_an_error_naming_it() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        let run = store
            .write(|db| db.start_run("web", Task::Fetch, crate::domain::Trigger::Manual, now))
            .unwrap();
        store
            .db()
            .conn
            .execute("UPDATE task_runs SET counts = '{oops' WHERE id = ?1", [run])
            .unwrap();
        let err = store.db().task_runs(None, 10).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.starts_with(&format!(
                "task run {run} is unreadable: its counts are not JSON"
            )),
            "{text}"
        );
    }

    #[test]
    fn each_task_sets_its_own_last_time() {
        let mut store = Store::open_in_memory().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap();
        let id: crate::service::ServiceId = "web".parse().unwrap();
        store
            .write(|db| db.insert_service(&Service::new(id.clone(), now)))
            .unwrap();
        let db = store.db();
        for (minutes, task) in [
            (1, Task::Fetch),
            (2, Task::Rca),
            (3, Task::Index),
            (4, Task::Notify),
        ] {
            db.set_last_run("web", task, now + chrono::Duration::minutes(minutes))
                .unwrap();
        }
        let service = db.service(&id).unwrap().unwrap();
        let at = |m| Some(now + chrono::Duration::minutes(m));
        assert_eq!(
            (
                service.last_log_fetch,
                service.last_rca_generation,
                service.last_code_indexing
            ),
            (at(1), at(2), at(3))
        );
    }
}
