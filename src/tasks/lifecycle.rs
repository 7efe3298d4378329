//! One lifecycle for every task: take the service's lease of the task, record the run, run the
//! task's body, record how it ended (counts, errors), set the service's `last_*` time, and give
//! the lease back, whatever the body did (returned an error or panicked).

use std::panic::{catch_unwind, AssertUnwindSafe};

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{lease, TaskEnv};
use crate::config::Config;
use crate::domain::{Task, TaskStatus, Trigger};
use crate::service::Service;
use crate::store::{Db, Store};

/// What a task's body gets besides the store and the service.
pub struct TaskContext<'a> {
    /// The clock, read once by the caller: the run's start and the base of its times.
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    /// The lease the run holds; a body that writes for long renews it in its transactions.
    pub lease: Lease<'a>,
}

/// A task's hold on one service's task: taken by [`run_task`], renewed by long bodies.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    pub service_id: &'a str,
    pub task: Task,
    /// How long the lease lasts from a renewal.
    pub term: Duration,
    /// When the run started, on the caller's clock, and the instant it did.
    started: DateTime<Utc>,
    clock: std::time::Instant,
}

impl<'a> Lease<'a> {
    /// The lease of `task` of `service_id`, taken at `started` and lasting `term` from each
    /// renewal.
    pub fn new(service_id: &'a str, task: Task, term: Duration, started: DateTime<Utc>) -> Self {
        Lease {
            service_id,
            task,
            term,
            started,
            clock: std::time::Instant::now(),
        }
    }

    /// Extends the lease inside the transaction `db`, so that what the transaction writes commits
    /// only while the lease is ours: a run that outlived its lease (another process took it over)
    /// must not write what its successor writes too.
    pub fn renew(&self, db: &Db<'_>) -> Result<()> {
        let expires = self.elapsed_now() + self.term;
        if !db.renew_lease(self.service_id, self.task, lease::holder(), expires)? {
            anyhow::bail!(
                "lost the {} lease of {} to another process; stopped",
                self.task,
                self.service_id
            );
        }
        Ok(())
    }

    /// The time now on the caller's clock: its start plus the time elapsed since.
    fn elapsed_now(&self) -> DateTime<Utc> {
        self.started + Duration::from_std(self.clock.elapsed()).unwrap_or_default()
    }
}

/// What a task's body did: its counts, and the errors of the parts that failed while the others
/// went on (a fetch's sources). A body that cannot go on at all returns an error instead.
#[derive(Debug, Default)]
pub struct Outcome<C> {
    pub counts: C,
    pub errors: Vec<String>,
}

/// How a task run ended, as recorded in its task run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskReport<C> {
    pub service_id: String,
    pub task: Task,
    pub status: TaskStatus,
    pub counts: C,
    pub errors: Vec<String>,
}

impl<C> TaskReport<C> {
    /// The same report with its counts turned into another type.
    pub fn map_counts<D>(self, map: impl FnOnce(C) -> D) -> TaskReport<D> {
        TaskReport {
            service_id: self.service_id,
            task: self.task,
            status: self.status,
            counts: map(self.counts),
            errors: self.errors,
        }
    }
}

/// The (database, service, task) runs under way in this process.
type RunKey = (std::path::PathBuf, String, Task);

fn under_way() -> &'static std::sync::Mutex<std::collections::HashSet<RunKey>> {
    static RUNNING: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<RunKey>>> =
        std::sync::OnceLock::new();
    RUNNING.get_or_init(std::sync::Mutex::default)
}

/// A run under way in this process, forgotten when dropped.
struct InProcess(Option<RunKey>);

impl InProcess {
    /// The claim on a run of `task` of `service_id` in the database at `db`, unless this
    /// process has one under way already.
    /// An in-memory database (tests) is its connection's alone: always claimed.
    fn claim(db: &std::path::Path, service_id: &str, task: Task) -> Option<InProcess> {
        if db.as_os_str().is_empty() || db == std::path::Path::new(":memory:") {
            return Some(InProcess(None));
        }
        let key = (db.to_path_buf(), service_id.to_string(), task);
        let mut running = under_way()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // (`then`, not `then_some`: a claim refused must not drop an `InProcess` of the key,
        // whose drop would take this lock again and forget the run under way)
        running.insert(key.clone()).then(|| InProcess(Some(key)))
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(key) = &self.0 {
            under_way()
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(key);
        }
    }
}

/// Runs `body` as `task` of `service` under the lifecycle above; `term` is how long the lease
/// lasts without a renewal. Another process holding the lease makes the run `skipped`; errors
/// of the body (returned or panicked) make it `failed`, with the error recorded. Only a failure
/// of the store itself returns an error.
pub fn run_task<C: Serialize + Default>(
    store: &mut Store,
    service: &Service,
    task: Task,
    trigger: Trigger,
    env: &TaskEnv<'_>,
    term: Duration,
    body: impl FnOnce(&mut Store, &Service, &TaskContext<'_>) -> Result<Outcome<C>>,
) -> Result<TaskReport<C>> {
    let (now, config) = (env.now, env.config);
    let id = service.id.as_str();
    // A lease is held per process: two runs of one task in this process (a trigger of `luffy
    // serve` beside the daemon's loop) would both hold it, so this process claims it first.
    let Some(_claim) = InProcess::claim(env.db_path, id, task) else {
        let message = format!("a {task} of {id} is already running in this process");
        return skip_run(store, id, task, trigger, env, message);
    };
    let holder = lease::holder();
    let acquired = store.write(|db| {
        // A scheduled run checks, in the transaction that takes the lease, that the task is
        // still due: another process may have run it since this one looked.
        if trigger == Trigger::Schedule && crate::schedule::SCHEDULED.contains(&task) {
            let fresh = db.service(&service.id)?;
            if !fresh.is_some_and(|s| crate::schedule::next_run(&s, task).is_due(now)) {
                return Ok(None);
            }
        }
        if !db.acquire_lease(id, task, holder, now, now + term, lease::is_dead)? {
            return Ok(Some(None));
        }
        db.fail_interrupted_runs(id, task, now)?;
        // the run is recorded with the lease that makes it the only one
        Ok(Some(Some(db.start_run(id, task, trigger, now)?)))
    })?;
    let report = |status, counts, errors| TaskReport {
        service_id: id.to_string(),
        task,
        status,
        counts,
        errors,
    };
    let Some(acquired) = acquired else {
        let message = format!("{task} of {id} is no longer due: another process ran it");
        return Ok(report(TaskStatus::Skipped, C::default(), vec![message]));
    };
    let Some(run) = acquired else {
        let message = format!("another luffy process is {} {id}", task.doing());
        return skip_run(store, id, task, trigger, env, message);
    };
    let ctx = TaskContext {
        now,
        config,
        lease: Lease::new(id, task, term, now),
    };
    tell_started(env, run);
    let outcome = run_body(store, service, &ctx, body);
    let ended = (|| -> Result<TaskReport<C>> {
        let status = if outcome.errors.is_empty() {
            TaskStatus::Ok
        } else {
            TaskStatus::Failed
        };
        let counts = serde_json::to_value(&outcome.counts)?;
        let error = (!outcome.errors.is_empty()).then(|| outcome.errors.join("; "));
        // The clock was read once, at the start; the run's end adds the time it took.
        let finished = ctx.lease.elapsed_now();
        store.write(|db| {
            db.finish_run(run, status, &counts, error.as_deref(), finished)?;
            db.set_last_run(id, task, now)?;
            db.release_lease(id, task, holder)
        })?;
        Ok(report(status, outcome.counts, outcome.errors))
    })();
    if ended.is_err() {
        // The run could not be recorded: give the lease back all the same (best effort; if this
        // fails too, the lease expires, or is taken over once this process has exited).
        let _ = store.write(|db| db.release_lease(id, task, holder));
    }
    ended
}

/// Tells whoever asked (`env.started`) the id of the run just recorded.
fn tell_started(env: &TaskEnv<'_>, run: i64) {
    if let Some(started) = env.started {
        // the asker may have stopped listening: the run goes on all the same
        let _ = started.send(run);
    }
}

/// Records a run of `task` of `service_id` that did not run, for `message`'s reason, and
/// reports it skipped. The service's `last_*` time is left as it was: the task is still due.
pub fn skip_run<C: Default>(
    store: &mut Store,
    service_id: &str,
    task: Task,
    trigger: Trigger,
    env: &TaskEnv<'_>,
    message: String,
) -> Result<TaskReport<C>> {
    let now = env.now;
    let run = store.write(|db| {
        let run = db.start_run(service_id, task, trigger, now)?;
        let none = serde_json::json!({});
        db.finish_run(run, TaskStatus::Skipped, &none, Some(&message), now)?;
        Ok(run)
    })?;
    tell_started(env, run);
    Ok(TaskReport {
        service_id: service_id.to_string(),
        task,
        status: TaskStatus::Skipped,
        counts: C::default(),
        errors: vec![message],
    })
}

/// Runs the body, turning a returned error or a panic into the outcome's one error.
fn run_body<C: Default>(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    body: impl FnOnce(&mut Store, &Service, &TaskContext<'_>) -> Result<Outcome<C>>,
) -> Outcome<C> {
    let task = ctx.lease.task;
    match catch_unwind(AssertUnwindSafe(|| body(store, service, ctx))) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(err)) => Outcome {
            counts: C::default(),
            errors: vec![format!("{err:#}")],
        },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Outcome {
                counts: C::default(),
                errors: vec![format!("the {task} task panicked: {what}")],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_run_of_a_task_of_a_service_at_a_time_in_this_process() {
        let db = std::path::Path::new("/nowhere/luffy.db");
        let first = InProcess::claim(db, "claimed", Task::Fetch).expect("free");
        assert!(InProcess::claim(db, "claimed", Task::Fetch).is_none());
        assert!(
            InProcess::claim(db, "claimed", Task::Rca).is_some(),
            "another task is another run"
        );
        assert!(
            InProcess::claim(
                std::path::Path::new("/elsewhere.db"),
                "claimed",
                Task::Fetch
            )
            .is_some(),
            "another database is another service"
        );
        drop(first);
        assert!(InProcess::claim(db, "claimed", Task::Fetch).is_some());
    }

    use chrono::TimeZone;

    use super::*;
    use crate::service::ServiceId;

    fn setup() -> (Store, Service, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let mut service = Service::new("web".parse().unwrap(), now);
        // (a repository, so that indexing is due)
        service.git.repository_url = Some("https://git.example.com/web.git".into());
        store.write(|db| db.insert_service(&service)).unwrap();
        (store, service, now)
    }

    #[test]
    fn a_scheduled_run_that_another_process_did_meanwhile_is_skipped_unrecorded() {
        let (mut store, service, now) = setup();
        // another process indexed the service after this one read it
        store
            .write(|db| db.set_last_run("web", Task::Index, now))
            .unwrap();
        let report = run(&mut store, &service, now, |_, _, _| {
            panic!("the body must not run")
        });
        assert_eq!(report.status, TaskStatus::Skipped);
        assert!(
            report.errors[0].contains("no longer due"),
            "{:?}",
            report.errors
        );
        assert!(store.db().task_runs(Some("web"), 10).unwrap().is_empty());
        assert!(lease_is_free(&store, now));
    }

    /// A task environment over an in-memory database, telling `started` the run's id.
    fn test_env<'a>(
        now: DateTime<Utc>,
        config: &'a Config,
        started: Option<&'a std::sync::mpsc::Sender<i64>>,
    ) -> TaskEnv<'a> {
        TaskEnv {
            now,
            config,
            db_path: std::path::Path::new(":memory:"),
            fetch: crate::tasks::fetch::FetchOptions::default(),
            index: crate::tasks::index::IndexOptions::default(),
            rca: crate::tasks::rca::RcaRun::default(),
            started,
        }
    }

    fn run(
        store: &mut Store,
        service: &Service,
        now: DateTime<Utc>,
        body: impl FnOnce(&mut Store, &Service, &TaskContext<'_>) -> Result<Outcome<u32>>,
    ) -> TaskReport<u32> {
        let config = Config::default();
        let env = test_env(now, &config, None);
        let term = Duration::minutes(5);
        run_task(
            store,
            service,
            Task::Index,
            Trigger::Schedule,
            &env,
            term,
            body,
        )
        .unwrap()
    }

    /// Whether another process could take the service's index lease now.
    fn lease_is_free(store: &Store, now: DateTime<Utc>) -> bool {
        store
            .db()
            .acquire_lease("web", Task::Index, "other", now, now, |_| false)
            .unwrap()
    }

    fn last_indexing(store: &Store) -> Option<DateTime<Utc>> {
        let id: ServiceId = "web".parse().unwrap();
        store.db().service(&id).unwrap().unwrap().last_code_indexing
    }

    #[test]
    fn a_body_that_ends_well_is_recorded_with_its_counts() {
        let (mut store, service, now) = setup();
        let report = run(&mut store, &service, now, |store, _, ctx| {
            // the body holds the lease, and can renew it in its own transactions
            store.write(|db| ctx.lease.renew(db))?;
            Ok(Outcome {
                counts: 7,
                errors: vec![],
            })
        });
        assert_eq!((report.status, report.counts), (TaskStatus::Ok, 7));
        let runs = store.db().task_runs(Some("web"), 10).unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(
            (run.task, run.trigger, run.status),
            (Task::Index, Trigger::Schedule, TaskStatus::Ok)
        );
        assert_eq!(run.counts, serde_json::json!(7));
        assert_eq!(run.error, None);
        assert_eq!(last_indexing(&store), Some(now));
        assert!(lease_is_free(&store, now));
    }

    #[test]
    fn errors_and_panics_fail_the_run_and_give_the_lease_back() {
        let (mut store, service, now) = setup();
        let failed = run(&mut store, &service, now, |_, _, _| {
            anyhow::bail!("the repository is gone")
        });
        assert_eq!(failed.status, TaskStatus::Failed);
        assert_eq!(failed.errors, ["the repository is gone"]);
        assert!(lease_is_free(&store, now));
        store
            .db()
            .release_lease("web", Task::Index, "other")
            .unwrap();

        // (a day later: the failed run made the task not due before its interval)
        let now = now + Duration::days(1);
        let panicked = run(&mut store, &service, now, |_, _, _| {
            panic!("index out of range")
        });
        assert_eq!(panicked.status, TaskStatus::Failed);
        assert_eq!(
            panicked.errors,
            ["the index task panicked: index out of range"]
        );
        assert!(lease_is_free(&store, now));
        let runs = store.db().task_runs(Some("web"), 10).unwrap();
        let recorded: Vec<(TaskStatus, Option<&str>)> = runs
            .iter()
            .map(|r| (r.status, r.error.as_deref()))
            .collect();
        assert_eq!(
            recorded,
            [
                (
                    TaskStatus::Failed,
                    Some("the index task panicked: index out of range")
                ),
                (TaskStatus::Failed, Some("the repository is gone")),
            ]
        );
        // a failed run still counts as the task's last run (the schedule waits its interval)
        assert_eq!(last_indexing(&store), Some(now));
    }

    #[test]
    fn a_lease_held_elsewhere_skips_the_run_without_running_the_body() {
        let (mut store, service, now) = setup();
        let until = now + Duration::minutes(5);
        assert!(store
            .db()
            .acquire_lease("web", Task::Index, "elsewhere:1:0", now, until, |_| false)
            .unwrap());
        let mut ran = false;
        let report = run(&mut store, &service, now, |_, _, _| {
            ran = true;
            Ok(Outcome::default())
        });
        assert!(!ran);
        assert_eq!(report.status, TaskStatus::Skipped);
        assert_eq!(report.errors, ["another luffy process is indexing web"]);
        let run = &store.db().task_runs(Some("web"), 1).unwrap()[0];
        assert_eq!(run.status, TaskStatus::Skipped);
        assert_eq!(last_indexing(&store), None, "a skipped run is no run");
        // the other process's lease is untouched
        assert!(!lease_is_free(&store, now));
    }

    #[test]
    fn whoever_asks_learns_the_run_id_while_the_body_runs_and_of_a_skipped_run() {
        let (mut store, service, now) = setup();
        let config = Config::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let env = test_env(now, &config, Some(&tx));
        let term = Duration::minutes(5);
        let mut seen = None;
        run_task(
            &mut store,
            &service,
            Task::Index,
            Trigger::Manual,
            &env,
            term,
            |_, _, _| {
                seen = rx.try_recv().ok();
                Ok(Outcome::<u32>::default())
            },
        )
        .unwrap();
        let runs = store.db().task_runs(Some("web"), 10).unwrap();
        assert_eq!(seen, Some(runs[0].id), "known before the body ended");
        let skipped: TaskReport<u32> = skip_run(
            &mut store,
            "web",
            Task::Index,
            Trigger::Manual,
            &env,
            "busy".into(),
        )
        .unwrap();
        assert_eq!(skipped.status, TaskStatus::Skipped);
        let runs = store.db().task_runs(Some("web"), 10).unwrap();
        assert_eq!(rx.try_recv().ok(), Some(runs[0].id));
        assert_eq!(runs[0].status, TaskStatus::Skipped);
    }

    #[test]
    fn a_run_left_running_by_a_killed_process_is_closed_by_the_next() {
        let (mut store, service, now) = setup();
        store
            .write(|db| db.start_run("web", Task::Index, Trigger::Manual, now))
            .unwrap();
        run(&mut store, &service, now, |_, _, _| Ok(Outcome::default()));
        let runs = store.db().task_runs(Some("web"), 10).unwrap();
        assert_eq!(runs[1].status, TaskStatus::Failed);
        assert!(runs[1].error.as_deref().unwrap().starts_with("interrupted"));
        assert_eq!(runs[0].status, TaskStatus::Ok);
    }
}
