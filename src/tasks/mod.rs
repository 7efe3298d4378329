//! The tasks luffy runs per service. Each is a body run through one lifecycle ([`run_task`]):
//! the service's lease of the task, a task run with its counts and errors, the service's `last_*`
//! time. [`run`] is the one entry point, for `luffy trigger` and the scheduler alike.

pub mod fetch;
pub mod index;
pub mod lease;
mod lifecycle;
pub mod notify;
pub mod rca;
pub mod scheduler;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::domain::{Task, TaskStatus, Trigger};
pub use lifecycle::{run_task, skip_run, Lease, Outcome, TaskContext, TaskReport};

use crate::config::Config;
use crate::service::Service;
use crate::store::Store;
use fetch::{FetchCounts, FetchOptions};
use index::{IndexCounts, IndexOptions};
use notify::NotifyCounts;
use rca::RcaCounts;

/// What a run of a task needs from its caller besides the service: the clock, the
/// configuration, and settings read once where luffy starts.
#[derive(Debug, Clone, Copy)]
pub struct TaskEnv<'a> {
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    /// The database file: a service's checkout defaults to `repos/<id>` beside it.
    pub db_path: &'a std::path::Path,
    pub fetch: FetchOptions,
    pub index: IndexOptions,
    pub rca: rca::RcaRun,
    /// Told the task run's id as soon as the run is recorded (started, or skipped): the API
    /// answers a trigger with it while the task goes on. `None`: nobody asks.
    pub started: Option<&'a std::sync::mpsc::Sender<i64>>,
}

/// The counts of a run, of whichever task it was (as JSON: the task's own counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TaskCounts {
    Fetch(FetchCounts),
    Index(IndexCounts),
    Notify(NotifyCounts),
    Rca(RcaCounts),
}

/// The tasks this luffy has a body for (all of them).
pub const RUNNABLE: &[Task] = &[Task::Fetch, Task::Rca, Task::Index, Task::Notify];

/// Runs `task` of `service` now, through the lifecycle.
pub fn run(
    store: &mut Store,
    service: &Service,
    task: Task,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<TaskCounts>> {
    match task {
        Task::Fetch => Ok(fetch::run(store, service, trigger, env)?.map_counts(TaskCounts::Fetch)),
        Task::Index => Ok(index::run(store, service, trigger, env)?.map_counts(TaskCounts::Index)),
        Task::Notify => {
            Ok(notify::run(store, service, trigger, env)?.map_counts(TaskCounts::Notify))
        }
        Task::Rca => Ok(rca::run(store, service, trigger, env)?.map_counts(TaskCounts::Rca)),
    }
}
