//! The fetch task: reads what is new from each of a service's active sources, turns records into
//! events, and stores events, cluster updates and the new cursor in one transaction per batch, so
//! that a killed fetch loses nothing and counts nothing twice.
//!
//! [`pipeline`] spreads a source's batches over threads (reading, grouping, writing); [`file`]
//! and [`remote`] read the two shapes of source into it.

mod command;
mod counts;
mod file;
mod pipeline;
pub mod preview;
mod remote;
mod sink;

use anyhow::Result;
use chrono::Duration;

pub use counts::FetchCounts;
pub use pipeline::FetchOptions;

use super::{run_task, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::domain::{Level, Task, Trigger};
use crate::ingest::Rules;
use crate::parse::InAppRules;
use crate::service::Service;
use crate::sources::{first_start, Source};
use crate::store::Store;
use pipeline::{Reader, Resume};
use sink::{with_sink, Totals, Writes};

/// How long a fetch holds its lease without renewing it (it renews at every batch).
const LEASE: Duration = Duration::minutes(30);

/// Runs the fetch task of `service` through the task lifecycle.
pub fn run(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<FetchCounts>> {
    run_task(
        store,
        service,
        Task::Fetch,
        trigger,
        env,
        LEASE,
        |store, service, ctx| {
            let options = FetchOptions {
                open_record_seconds: ctx.config.fetch.open_record_seconds,
                ..env.fetch
            };
            fetch(store, service, ctx, options)
        },
    )
}

/// The body: every active source in turn; a source that fails is an error of the outcome, and
/// the others are still read.
fn fetch(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    options: FetchOptions,
) -> Result<Outcome<FetchCounts>> {
    let now = ctx.now;
    let sources = store.db().sources(Some(service.id.as_str()))?;
    let rules = Rules {
        threshold: Level::parse(&service.level_threshold).unwrap_or(Level::Error),
        in_app: InAppRules {
            app_paths: service.app_paths.clone(),
            app_packages: service.app_packages.clone(),
        },
        timezone: None,
        version_field: None,
        // parsed (globs compiled) when the service was read: once per fetch
        grouping: service.grouping_rules.clone(),
    };
    let mut outcome = Outcome::<FetchCounts>::default();
    let samples = ctx.config.retention.samples_per_cluster as usize;
    let plan = crate::tasks::notify::NotifyPlan::new(service, &ctx.config.notify);
    // Snoozes whose time is up wake at each fetch of their service.
    if !store.db().snoozes_due(service.id.as_str(), now)?.is_empty() {
        store.write(|db| crate::tasks::notify::triage::wake_due(db, &plan, now))?;
    }
    for source in sources.iter().filter(|s| s.is_active) {
        let counts = &mut outcome.counts;
        counts.sources += 1;
        let rules = Rules {
            timezone: match source.settings.timezone() {
                Ok(zone) => zone,
                Err(err) => {
                    outcome
                        .errors
                        .push(format!("source {}: {err}", source.name));
                    continue;
                }
            },
            version_field: source.settings.version_field().map(str::to_string),
            ..rules.clone()
        };
        let counts = &mut outcome.counts;
        let mut reader = Reader::new(&rules, now, options, counts);
        let interval = service.schedule.log_fetch_interval_minutes;
        let result = Source::open(&source.settings).map_err(|err| (Totals::default(), err));
        let result = result.and_then(|opened| {
            with_sink(
                store,
                source,
                &ctx.lease,
                &rules,
                now,
                Writes {
                    samples,
                    plan: &plan,
                },
                |sink| match &opened {
                    Source::File(settings) => {
                        file::read(settings, source.cursor.as_ref(), &mut reader, sink)
                    }
                    Source::Command(running) => {
                        let first = first_start(running.first_since.as_deref(), interval, now)?;
                        command::read(running, Resume::new(source, first), &mut reader, sink)
                    }
                    Source::Paged(paged) => {
                        let first = paged.start(interval, now)?;
                        remote::read(paged, Resume::new(source, first), &mut reader, sink)
                    }
                },
            )
        });
        let totals = match result {
            Ok(totals) => totals,
            Err((totals, err)) => {
                outcome
                    .errors
                    .push(format!("source {}: {err:#}", source.name));
                totals
            }
        };
        totals.add_to(&mut outcome.counts);
    }
    let retention = Duration::days(i64::from(ctx.config.retention.events_days));
    // Most fetches find nothing past retention: they only look, and take no write lock.
    if store.db().events_to_prune(now - retention)? {
        store.write(|db| db.prune_events(now - retention))?;
    }
    Ok(outcome)
}
