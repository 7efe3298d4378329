//! `POST /api/v1/services/ID/trigger-log-fetch|trigger-rca|trigger-code-indexing`: the task
//! runs in the server, on a thread of its own, as `luffy trigger` runs it (under the service's
//! lease of the task, so that it never runs beside cron's); the answer, 202, carries the task
//! run's id as soon as the run is recorded, for `GET /api/v1/task-runs/ID`.

use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration as StdDuration, Instant};

use anyhow::Result;
use serde_json::json;

use super::{error_reply, service_id, Answer};
use crate::commands::{self, unknown_service, Context};
use crate::serve::{Handler, Reply};
use crate::service::Service;
use crate::tasks::{Task, TaskEnv};

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
    spawned()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(worker);
    let mut reply = Reply::json(
        202,
        &json!({ "task_run_id": run, "service_id": id, "task": task }),
    );
    reply
        .headers
        .push(("Location", format!("/api/v1/task-runs/{run}")));
    Ok(reply)
}

/// The task's thread: runs it (the lifecycle records it skipped when this process runs it
/// already).
fn run(ctx: &Context, service: &Service, task: Task, started: &mpsc::Sender<i64>) -> Result<()> {
    let mut store = ctx.open_store()?;
    let env = TaskEnv {
        started: Some(started),
        ..ctx.task_env()
    };
    let (_, notified) = commands::run::run_manual(&mut store, service, task, &env)?;
    for error in notified.iter().flat_map(|n| &n.errors) {
        crate::ui::to_stderr(&format!("luffy serve: warning: {error}"));
    }
    Ok(())
}

/// The threads of triggered tasks, until the server stops.
fn spawned() -> &'static Mutex<Vec<JoinHandle<Result<()>>>> {
    static SPAWNED: Mutex<Vec<JoinHandle<Result<()>>>> = Mutex::new(Vec::new());
    &SPAWNED
}

/// Waits, up to `most`, for the tasks triggered over HTTP to finish, so that a stopped server
/// leaves no run half-done that it could have finished; a task still running after that is
/// left to the next run of its task, which records it interrupted. How many were left.
pub fn wait_for_tasks(most: StdDuration) -> usize {
    let deadline = Instant::now() + most;
    let mut left: Vec<JoinHandle<Result<()>>> = std::mem::take(
        &mut *spawned()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    while !left.is_empty() && Instant::now() < deadline {
        let (done, running): (Vec<_>, Vec<_>) = left.into_iter().partition(JoinHandle::is_finished);
        for handle in done {
            let _ = handle.join();
        }
        left = running;
        if !left.is_empty() {
            std::thread::sleep(StdDuration::from_millis(50));
        }
    }
    left.len()
}
