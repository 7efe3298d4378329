//! The master step (`luffy run-due`, and each tick of `luffy daemon`): for every active service,
//! the tasks whose interval has elapsed, services in parallel on a small pool, each service's
//! tasks in order (fetch, index, then RCA), one service's failure, panic or hang never stopping
//! another's.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{TaskCounts, TaskEnv, TaskStatus, Trigger, RUNNABLE};
use crate::config::Config;
use crate::domain::Task;
use crate::schedule::{self, Next};
use crate::service::{Service, ServiceId};
use crate::store::{Db, Store};

/// Which services a step looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// These services only (`--service`, repeated); all when empty.
    pub services: Vec<ServiceId>,
    /// `--shard K/N`: the services whose id hashes to shard K (1-based) of N.
    pub shard: Option<Shard>,
}

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Reads `K/N` (1 <= K <= N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("'{text}' is not a shard; use K/N with 1 <= K <= N, such as 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the service `id` belongs to this shard: by a stable hash of its id, so that every
    /// host that runs the same shard count splits the fleet alike.
    pub fn holds(self, id: &str) -> bool {
        crate::hash::fnv1a(id.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// A task that is due, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub service_id: String,
    pub task: Task,
    /// When it became due (`None`: it never ran).
    pub due_since: Option<DateTime<Utc>>,
    pub last_run: Option<DateTime<Utc>>,
    /// Whether the task runs (else `not_run` says why: no such task in this luffy, or nothing
    /// for it to work on).
    pub runnable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
}

/// Why a due task is not run, if it is not.
fn not_run(service: &Service, task: Task) -> Option<String> {
    if !RUNNABLE.contains(&task) {
        return Some(format!("this luffy has no {task} task yet"));
    }
    if !schedule::has_work(service, task) {
        return Some(format!(
            "no repository to index (set one with `luffy service set {} --repo URL`)",
            service.id
        ));
    }
    None
}

/// The selected active services, in order.
pub fn selected(db: &Db<'_>, selection: &Selection) -> Result<Vec<Service>> {
    let services = if selection.services.is_empty() {
        db.services()?
    } else {
        let mut chosen = Vec::new();
        for id in &selection.services {
            chosen.extend(db.service(id)?);
        }
        chosen
    };
    Ok(services
        .into_iter()
        .filter(|service| {
            service.is_active && selection.shard.is_none_or(|s| s.holds(service.id.as_str()))
        })
        .collect())
}

/// What is due at `now` among the selected active services, service by service, in order.
pub fn due(
    db: &Db<'_>,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<Vec<(Service, Vec<Due>)>> {
    let mut plan = Vec::new();
    for service in selected(db, selection)? {
        let tasks: Vec<Due> = schedule::RUN_ORDER
            .into_iter()
            .filter_map(|task| {
                let next = schedule::next_run(&service, task);
                next.is_due(now).then(|| {
                    let not_run = not_run(&service, task);
                    Due {
                        service_id: service.id.to_string(),
                        task,
                        due_since: match next {
                            Next::At(at) => Some(at),
                            Next::Never | Next::Off => None,
                        },
                        last_run: schedule::last_run(&service, task),
                        runnable: not_run.is_none(),
                        not_run,
                    }
                })
            })
            .collect();
        let mut tasks = tasks;
        // the outbox is delivered after the tasks: a service with nothing else due but
        // notifications to send (or to retry) is in the plan for them
        if !db.due_notifications(service.id.as_str(), now)?.is_empty() {
            tasks.push(Due {
                service_id: service.id.to_string(),
                task: Task::Notify,
                due_since: None,
                last_run: None,
                runnable: true,
                not_run: None,
            });
        }
        if !tasks.is_empty() {
            plan.push((service, tasks));
        }
    }
    Ok(plan)
}

/// What a step needs to run tasks on its own threads: owned, since a hung task's thread is left
/// behind.
#[derive(Debug, Clone)]
pub struct StepEnv {
    pub db_path: PathBuf,
    pub config: Arc<Config>,
    pub now: DateTime<Utc>,
    pub fetch: super::fetch::FetchOptions,
    /// Services run at once.
    pub jobs: usize,
    /// How long one task may run before the step stops waiting for it.
    pub task_timeout: StdDuration,
}

/// How one task of a step ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ran {
    pub service_id: String,
    pub task: Task,
    pub status: TaskStatus,
    /// The task's own counts (absent when it did not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<TaskCounts>,
    pub errors: Vec<String>,
    pub seconds: f64,
}

enum Message {
    Started(usize, Task),
    Done(usize, Box<Ran>),
    Finished(usize),
}

/// A service's runnable tasks, waiting for a worker: its place in the plan, the service, its
/// tasks.
type Work = (usize, Service, Vec<Task>);

/// Runs `plan` (from [`due`]) and returns how every runnable task ended, in the plan's order.
///
/// `env.jobs` workers, each with a connection of its own, take the services in turn. A task
/// still running after `env.task_timeout` is reported failed and its service's other tasks are
/// not run; its worker is left to end on its own (its lease and run are closed by the next
/// process that takes the task, once this one has exited), and another takes its place.
pub fn run(store: &Store, env: &StepEnv, plan: Vec<(Service, Vec<Due>)>) -> Vec<Ran> {
    let (tx, rx) = mpsc::channel::<Message>();
    let mut results: Vec<Vec<Ran>> = vec![Vec::new(); plan.len()];
    // per service: the task it runs and since when; None once finished or abandoned
    let mut running: Vec<Option<(Task, Instant)>> = vec![None; plan.len()];
    // per service: its messages still count (false once it finished or was given up on)
    let mut live = vec![true; plan.len()];
    let ids: Vec<String> = plan.iter().map(|(s, _)| s.id.to_string()).collect();
    let work: Vec<Work> = plan
        .into_iter()
        .enumerate()
        .map(|(index, (service, tasks))| {
            let tasks = tasks
                .iter()
                .filter(|d| d.runnable)
                .map(|d| d.task)
                .collect();
            (index, service, tasks)
        })
        .collect();
    let mut left = work.len();
    let queue = Arc::new(std::sync::Mutex::new(work.into_iter()));
    let start_worker = || {
        let (tx, env, queue) = (tx.clone(), env.clone(), Arc::clone(&queue));
        // each worker has a connection of its own, made here from the caller's
        let connection = store.another();
        std::thread::spawn(move || worker(connection, &queue, &env, &tx));
    };
    for _ in 0..env.jobs.max(1).min(left) {
        start_worker();
    }
    while left > 0 {
        let deadline = running
            .iter()
            .flatten()
            .map(|(_, since)| *since + env.task_timeout)
            .min();
        let wait = deadline.map_or(StdDuration::from_secs(3600), |d| {
            d.saturating_duration_since(Instant::now())
        });
        match rx.recv_timeout(wait) {
            Ok(Message::Started(index, task)) if live[index] => {
                running[index] = Some((task, Instant::now()));
            }
            Ok(Message::Done(index, ran)) if live[index] => {
                running[index] = None;
                results[index].push(*ran);
            }
            Ok(Message::Finished(index)) if live[index] => {
                live[index] = false;
                left -= 1;
            }
            Ok(_) => {} // from a service given up on
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for index in 0..running.len() {
                    if let Some((task, since)) = running[index] {
                        if now >= since + env.task_timeout {
                            running[index] = None;
                            live[index] = false;
                            left -= 1;
                            results[index].push(Ran {
                                service_id: ids[index].clone(),
                                task,
                                status: TaskStatus::Failed,
                                counts: None,
                                errors: vec![format!(
                                    "still running after {}s (the task timeout); left behind",
                                    env.task_timeout.as_secs()
                                )],
                                seconds: (now - since).as_secs_f64(),
                            });
                            // its worker is held up: another takes the services still
                            // waiting, if any (a worker opens a connection of its own)
                            let waiting = queue
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .len();
                            if waiting > 0 {
                                start_worker();
                            }
                        }
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    results.into_iter().flatten().collect()
}

/// A worker: the services of `queue` one after the other, on one connection, until none is
/// left.
fn worker(
    connection: Result<Store>,
    queue: &std::sync::Mutex<std::vec::IntoIter<Work>>,
    env: &StepEnv,
    tx: &mpsc::Sender<Message>,
) {
    let mut connection = connection;
    loop {
        let next = queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .next();
        let Some((index, service, tasks)) = next else {
            return;
        };
        run_service(index, &service, &tasks, connection.as_mut(), env, tx);
    }
}

/// One service's due tasks in order, on a worker's database connection.
fn run_service(
    index: usize,
    service: &Service,
    tasks: &[Task],
    connection: Result<&mut Store, &mut anyhow::Error>,
    env: &StepEnv,
    tx: &mpsc::Sender<Message>,
) {
    let store = match connection {
        Ok(store) => Some(store),
        Err(err) => {
            for task in tasks {
                let _ = tx.send(Message::Done(
                    index,
                    Box::new(Ran {
                        service_id: service.id.to_string(),
                        task: *task,
                        status: TaskStatus::Failed,
                        counts: None,
                        errors: vec![format!("{err:#}")],
                        seconds: 0.0,
                    }),
                ));
            }
            None
        }
    };
    if let Some(store) = store {
        let task_env = TaskEnv {
            now: env.now,
            config: &env.config,
            db_path: &env.db_path,
            fetch: env.fetch,
            index: super::index::IndexOptions::default(),
            rca: super::rca::RcaRun::default(),
            started: None,
        };
        let run_one = |store: &mut Store, task: Task| {
            let _ = tx.send(Message::Started(index, task));
            let began = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| {
                super::run(store, service, task, Trigger::Schedule, &task_env)
            }));
            let ran = match result {
                Ok(Ok(report)) => Ran {
                    service_id: report.service_id,
                    task,
                    status: report.status,
                    counts: (report.status != TaskStatus::Skipped).then_some(report.counts),
                    errors: report.errors,
                    seconds: began.elapsed().as_secs_f64(),
                },
                Ok(Err(err)) => failed(service, task, format!("{err:#}"), began),
                Err(_) => failed(service, task, "the task panicked".to_string(), began),
            };
            let _ = tx.send(Message::Done(index, Box::new(ran)));
        };
        for &task in tasks.iter().filter(|t| **t != Task::Notify) {
            run_one(store, task);
        }
        // then the outbox, which those tasks may have added to
        match super::notify::is_due(store, service, env.now) {
            Ok(true) => run_one(store, Task::Notify),
            Ok(false) => {}
            Err(err) => {
                let began = Instant::now();
                let ran = failed(service, Task::Notify, format!("{err:#}"), began);
                let _ = tx.send(Message::Done(index, Box::new(ran)));
            }
        }
    }
    let _ = tx.send(Message::Finished(index));
}

fn failed(service: &Service, task: Task, error: String, began: Instant) -> Ran {
    Ran {
        service_id: service.id.to_string(),
        task,
        status: TaskStatus::Failed,
        counts: None,
        errors: vec![error],
        seconds: began.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_every_service_into_exactly_one() {
        let ids: Vec<String> = (0..1000).map(|i| format!("svc-{i}")).collect();
        let count = 4;
        let mut sizes = [0; 4];
        for id in &ids {
            let holders: Vec<u32> = (1..=count)
                .filter(|&k| Shard { index: k, count }.holds(id))
                .collect();
            assert_eq!(holders.len(), 1, "{id}");
            sizes[holders[0] as usize - 1] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 150), "{sizes:?}");
    }

    #[test]
    fn shard_flags_are_read_or_refused() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
