//! `POST /api/v1/services/ID/trigger-log-fetch|trigger-rca|trigger-code-indexing`: the task
//! runs in the server, on a thread of its own, as `luffy trigger` runs it (under the service's
//! lease of the task, so that it never runs beside cron's); the answer, 202, carries the task
//! run's id as soon as the run is recorded, for `GET /api/v1/task-runs/ID`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{mpsc, Mutex, OnceLock};

use anyhow::Result;
use serde_json::json;

use super::{error_reply, service_id, Answer};
use crate::commands::{self, unknown_service, Context};
use crate::serve::{Handler, Reply};
use crate::service::Service;
use crate::tasks::{self, Task, TaskEnv, Trigger};

/// Starts `task` of service `id`; 202 with its run's id.
pub fn start(handler: &Handler, id: &str, task: Task) -> Answer {
    let id = service_id(id)?;
    let ctx = handler.context();
    let service = {
        let store = ctx.open_store().map_err(|err| error_reply(&err))?;
        let db = store.db();
        let found = db.service(&id).map_err(|err| error_reply(&err))?;
        found.ok_or_else(|| error_reply(&unknown_service(&db, &id)))?
    };
    let (tx, rx) = mpsc::channel();
    let name = format!("luffy-{task}-{id}");
    let worker = std::thread::Builder::new()
        .name(name)
        .spawn(move || run(&ctx, &service, task, &tx))
        .map_err(|err| Reply::error(500, format!("cannot start the task: {err}")))?;
    let Ok(run) = rx.recv() else {
        // The run was never recorded: the thread has ended, with the reason.
        let reason = match worker.join() {
            Ok(Err(err)) => format!("{err:#}"),
            _ => "the task ended before it was recorded".to_string(),
        };
        return Err(Reply::error(
            500,
            format!("cannot run {task} of {id}: {reason}"),
        ));
    };
    let mut reply = Reply::json(
        202,
        &json!({ "task_run_id": run, "service_id": id, "task": task }),
    );
    reply
        .headers
        .push(("Location", format!("/api/v1/task-runs/{run}")));
    Ok(reply)
}

/// The task's thread: runs it (or records it skipped when this server runs it already).
fn run(ctx: &Context, service: &Service, task: Task, started: &mpsc::Sender<i64>) -> Result<()> {
    let mut store = ctx.open_store()?;
    let env = TaskEnv {
        started: Some(started),
        ..ctx.task_env()
    };
    let Some(_running) = Running::claim(ctx.db_path.clone(), service, task) else {
        // Leases are per process: two triggers in this one would both hold it.
        let message = format!(
            "a {task} of {} triggered earlier is still running in this server",
            service.id
        );
        tasks::skip_run::<()>(
            &mut store,
            service.id.as_str(),
            task,
            Trigger::Manual,
            &env,
            message,
        )?;
        return Ok(());
    };
    let (_, notified) = commands::run::run_manual(&mut store, service, task, &env)?;
    for error in notified.iter().flat_map(|n| &n.errors) {
        crate::ui::to_stderr(&format!("luffy serve: warning: {error}"));
    }
    Ok(())
}

/// The (database, service, task) runs this server has under way.
type Key = (PathBuf, String, Task);

fn under_way() -> &'static Mutex<HashSet<Key>> {
    static RUNNING: OnceLock<Mutex<HashSet<Key>>> = OnceLock::new();
    RUNNING.get_or_init(Mutex::default)
}

/// A run under way in this server, forgotten when dropped.
struct Running(Key);

impl Running {
    /// The claim on a run of `task` of `service`, unless one is under way already.
    fn claim(db: PathBuf, service: &Service, task: Task) -> Option<Running> {
        let key = (db, service.id.to_string(), task);
        let mut running = under_way()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !running.insert(key.clone()) {
            return None;
        }
        Some(Running(key))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = under_way()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.remove(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_of_a_task_of_a_service_at_a_time_in_this_server() {
        let service = Service::new("claimed".parse().unwrap(), chrono::Utc::now());
        let db = PathBuf::from("/nowhere/luffy.db");
        let first = Running::claim(db.clone(), &service, Task::Fetch).expect("free");
        assert!(Running::claim(db.clone(), &service, Task::Fetch).is_none());
        let other = Running::claim(db.clone(), &service, Task::Rca);
        assert!(other.is_some(), "another task is another run");
        drop(first);
        assert!(Running::claim(db, &service, Task::Fetch).is_some());
    }
}
