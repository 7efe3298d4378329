//! What is due when: pure functions of a service's settings, its last runs and the time now.

use chrono::{DateTime, Duration, Utc};

pub use crate::domain::Task;
use crate::service::Service;

/// The tasks that run on an interval of their own, as `status` lists them.
/// (Notify has none: it delivers whatever the others left in the outbox.)
pub const SCHEDULED: [Task; 3] = [Task::Fetch, Task::Rca, Task::Index];

/// The order a due service runs its tasks in: code is indexed before reports are written, and
/// logs fetched before both.
pub const RUN_ORDER: [Task; 3] = [Task::Fetch, Task::Index, Task::Rca];

/// When a task runs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The service is inactive or the task is switched off.
    Off,
    /// The task has never run: it is due now.
    Never,
    /// The task is due at this time (due now when it is not after now).
    At(DateTime<Utc>),
}

impl Next {
    /// Whether the task should run at `now`.
    pub fn is_due(self, now: DateTime<Utc>) -> bool {
        match self {
            Next::Off => false,
            Next::Never => true,
            Next::At(at) => at <= now,
        }
    }

    /// The time it runs, as seen at `now`: now when due, none when off.
    pub fn time(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Next::Off => None,
            Next::Never => Some(now),
            Next::At(at) => Some(at.max(now)),
        }
    }
}

/// The task's interval in minutes, or `None` when the task is switched off (or has none).
pub fn interval_minutes(service: &Service, task: Task) -> Option<u32> {
    match task {
        Task::Fetch => Some(service.schedule.log_fetch_interval_minutes),
        Task::Rca => service
            .schedule
            .rca_generation_enabled
            .then_some(service.schedule.rca_generation_interval_minutes),
        Task::Index => service.schedule.code_indexing_enabled.then(|| {
            service
                .schedule
                .code_indexing_interval_hours
                .saturating_mul(60)
        }),
        Task::Notify => None,
    }
}

/// When the task last ran.
pub fn last_run(service: &Service, task: Task) -> Option<DateTime<Utc>> {
    match task {
        Task::Fetch => service.last_log_fetch,
        Task::Rca => service.last_rca_generation,
        Task::Index => service.last_code_indexing,
        Task::Notify => None,
    }
}

/// When the task runs next.
pub fn next_run(service: &Service, task: Task) -> Next {
    if !service.is_active {
        return Next::Off;
    }
    let Some(minutes) = interval_minutes(service, task) else {
        return Next::Off;
    };
    match last_run(service, task) {
        None => Next::Never,
        Some(last) => Next::At(last + Duration::minutes(i64::from(minutes))),
    }
}

/// Whether the task has something to work on: indexing needs a repository. One without is
/// never due (`run-due` says why it leaves it), though its schedule still runs.
pub fn has_work(service: &Service, task: Task) -> bool {
    task != Task::Index || service.git.has_repository()
}

/// The tasks due at `now` (those with something to work on), in order.
pub fn due_tasks(service: &Service, now: DateTime<Utc>) -> Vec<Task> {
    SCHEDULED
        .into_iter()
        .filter(|task| has_work(service, *task) && next_run(service, *task).is_due(now))
        .collect()
}

/// The earliest next run among the tasks with something to work on, with every task that runs
/// then.
pub fn soonest(service: &Service, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Vec<Task>)> {
    let times: Vec<(Task, DateTime<Utc>)> = SCHEDULED
        .into_iter()
        .filter(|task| has_work(service, *task))
        .filter_map(|task| next_run(service, task).time(now).map(|at| (task, at)))
        .collect();
    let earliest = times.iter().map(|(_, at)| *at).min()?;
    let tasks = times
        .into_iter()
        .filter(|(_, at)| *at == earliest)
        .map(|(task, _)| task)
        .collect();
    Some((earliest, tasks))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, hour, minute, 0).unwrap()
    }

    fn service() -> Service {
        let mut service = Service::new("web-app".parse().unwrap(), at(0, 0));
        service.schedule.log_fetch_interval_minutes = 15;
        service.schedule.rca_generation_interval_minutes = 10;
        service.schedule.code_indexing_interval_hours = 12;
        service.git.repository_url = Some("https://git.example.com/web-app.git".into());
        service
    }

    #[test]
    fn indexing_without_a_repository_is_never_due() {
        let mut service = service();
        service.git.repository_url = None;
        assert_eq!(due_tasks(&service, at(10, 0)), [Task::Fetch, Task::Rca]);
        assert_eq!(
            soonest(&service, at(10, 0)),
            Some((at(10, 0), vec![Task::Fetch, Task::Rca]))
        );
        service.git.repo_path = Some("/srv/checkouts/web".into());
        assert_eq!(due_tasks(&service, at(10, 0)), SCHEDULED.to_vec());
    }

    #[test]
    fn a_service_that_never_ran_is_due_now() {
        assert_eq!(due_tasks(&service(), at(10, 0)), SCHEDULED.to_vec());
        assert_eq!(
            soonest(&service(), at(10, 0)),
            Some((at(10, 0), SCHEDULED.to_vec()))
        );
    }

    #[test]
    fn each_task_follows_its_own_interval() {
        let mut service = service();
        service.last_log_fetch = Some(at(10, 0));
        service.last_rca_generation = Some(at(10, 0));
        service.last_code_indexing = Some(at(2, 0));
        assert_eq!(next_run(&service, Task::Fetch), Next::At(at(10, 15)));
        assert!(due_tasks(&service, at(10, 9)).is_empty());
        assert_eq!(due_tasks(&service, at(10, 10)), vec![Task::Rca]);
        assert_eq!(due_tasks(&service, at(14, 0)), SCHEDULED.to_vec());
        assert_eq!(
            soonest(&service, at(10, 5)),
            Some((at(10, 10), vec![Task::Rca]))
        );
    }

    #[test]
    fn switched_off_and_inactive_tasks_never_run() {
        let mut service = service();
        service.schedule.rca_generation_enabled = false;
        assert_eq!(next_run(&service, Task::Rca), Next::Off);
        assert_eq!(
            due_tasks(&service, at(10, 0)),
            vec![Task::Fetch, Task::Index]
        );
        service.is_active = false;
        assert!(due_tasks(&service, at(10, 0)).is_empty());
        assert_eq!(soonest(&service, at(10, 0)), None);
    }
}
