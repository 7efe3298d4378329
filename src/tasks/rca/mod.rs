//! The rca task: a root-cause report for every open cluster of the service that is new,
//! regressed or grown since its last report: its frames mapped onto the indexed checkout,
//! suspect commits from blame, the timeline, related clusters, and the optional narrative.
//! A report with a suspect commit or a narrative, of a new or regressed cluster or one whose top
//! suspect changed, writes an `rca_ready` notification in the transaction that stores it.

mod build;
mod counts;
mod deploys;
mod frames;

use std::time::Duration as StdDuration;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

pub use build::RELATED_WINDOW_MINUTES;
pub use counts::RcaCounts;

use super::{lease, run_task, skip_run, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::domain::{ClusterStatus, NotifyEvent, Task, Trigger};
use crate::notify::message::{RcaRef, SuspectRef};
use crate::rca::{markdown, Report};
use crate::service::Service;
use crate::store::{time_to_sql, NewReport, Store, StoredReport};
use crate::tasks::notify::outbox::{cluster_ref, enqueue_event};
use crate::tasks::notify::NotifyPlan;

/// How long an rca run holds its lease.
const LEASE: Duration = Duration::minutes(30);

/// How long an rca run waits for another process's index run of the service, at most.
const INDEX_WAIT: StdDuration = StdDuration::from_secs(10 * 60);
/// How often it looks whether that run ended.
const INDEX_POLL: StdDuration = StdDuration::from_secs(1);

/// Runs the rca task of `service` through the task lifecycle, once no other process is building
/// its index: a report is never built on a missing or half-built index. While another process
/// holds the service's index lease, the run waits for it (at most [`INDEX_WAIT`]); when it
/// still does, the run is recorded as skipped with the reason, and rca stays due. The wait
/// stays within half the `task_timeout_seconds` of `[daemon]`.
pub fn run(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<RcaCounts>> {
    // within half the task timeout, so that a step never gives the run up while it waits
    let timeout = u64::from(env.config.daemon.task_timeout_seconds.max(1));
    let bound = index_wait().min(StdDuration::from_secs(timeout.div_ceil(2)));
    let waited = wait_for_index(store, service.id.as_str(), env.now, bound, |d| {
        std::thread::sleep(d);
    })?;
    if let Some(waited) = waited {
        let message = format!(
            "the index of {id} is being built by another process (waited {secs}s); rca stays \
             due",
            id = service.id,
            secs = waited.as_secs()
        );
        return skip_run(store, service.id.as_str(), Task::Rca, trigger, env, message);
    }
    run_task(
        store,
        service,
        Task::Rca,
        trigger,
        env,
        LEASE,
        |store, service, ctx| rca(store, service, ctx, env),
    )
}

/// How long to wait for another process's index run: [`INDEX_WAIT`], or `LUFFY_INDEX_WAIT_SECS`
/// (hidden, for tests).
fn index_wait() -> StdDuration {
    std::env::var("LUFFY_INDEX_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(INDEX_WAIT, StdDuration::from_secs)
}

/// Waits, looking every [`INDEX_POLL`] (through `sleep`), while another live process holds the
/// index lease of `service_id`, `bound` at most. `None` when none does (any more); else how
/// long it waited. `now` is when the wait began, on the caller's clock.
fn wait_for_index(
    store: &Store,
    service_id: &str,
    now: DateTime<Utc>,
    bound: StdDuration,
    mut sleep: impl FnMut(StdDuration),
) -> Result<Option<StdDuration>> {
    let mut waited = StdDuration::ZERO;
    loop {
        let at = now + Duration::from_std(waited).unwrap_or_default();
        let held = store
            .db()
            .lease(service_id, Task::Index)?
            .is_some_and(|(holder, until)| {
                holder != lease::holder() && until > at && !lease::is_dead(&holder)
            });
        if !held {
            return Ok(None);
        }
        if waited >= bound {
            return Ok(Some(waited));
        }
        sleep(INDEX_POLL);
        waited += INDEX_POLL;
    }
}

/// Why a cluster gets a report now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    New,
    Regressed,
    Grown,
    /// The last report named no suspect, and what it was built from changed since.
    Remapped,
    /// The deploys say another version ran at its first-seen than its last report took (one
    /// was recorded or removed since, or a logged version now names a commit).
    Redeployed,
    /// `trigger rca --all` asked for every open cluster's report again.
    Asked,
}

/// How an rca run was asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RcaRun {
    /// Write every open cluster's report again, whatever changed since the last one.
    pub all: bool,
}

/// Whether a report without suspects may now have some: the index is at another commit, or
/// the service's settings (path maps, in-app rules, repository) changed since it was written.
/// Times are stored to the second: settings changed in the report's second count as changed
/// (the report is built again, and kept only if it now names a suspect).
fn evidence_changed(last: &StoredReport, service: &Service, commit: Option<&str>) -> bool {
    // The cheap checks first: most runs change neither, and the report is not read then.
    (last.commit.as_deref() != commit || service.updated_at >= last.generated_at)
        && serde_json::from_str::<Report>(&last.json).is_ok_and(|r| r.suspects.is_empty())
}

fn rca(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    env: &TaskEnv<'_>,
) -> Result<Outcome<RcaCounts>> {
    let mut counts = RcaCounts::default();
    if !service.schedule.rca_generation_enabled {
        counts.disabled = true;
        return Ok(Outcome {
            counts,
            errors: Vec::new(),
        });
    }
    let id = service.id.as_str();
    let clusters = store.db().clusters(Some(id), Some(ClusterStatus::Open))?;
    let builder = build::Builder::new(&store.db(), service, env)?;
    if !builder.resolved_deploys().is_empty() {
        store.write(|db| {
            for (id, commit) in builder.resolved_deploys() {
                db.resolve_deploy(*id, commit)?;
            }
            Ok(())
        })?;
    }
    let plan = NotifyPlan::new(service, &env.config.notify);
    counts.commit = builder.commit().map(str::to_string);
    let mut errors = Vec::new();
    for cluster in clusters {
        counts.clusters += 1;
        let latest = store.db().latest_rca_report(cluster.id)?;
        let why = match &latest {
            None => Why::New,
            Some(r) if cluster.regressed && !r.regressed => Why::Regressed,
            Some(r) if cluster.count > r.cluster_count => Why::Grown,
            Some(r) if evidence_changed(r, service, builder.commit()) => Why::Remapped,
            Some(r) if builder.ran_other_than(&store.db(), &cluster, r)? => Why::Redeployed,
            Some(_) if env.rca.all => Why::Asked,
            Some(_) => {
                counts.unchanged += 1;
                continue;
            }
        };
        let generation = latest.as_ref().map_or(1, |r| r.generation + 1);
        let report = match builder.report(&store.db(), &cluster, generation, ctx.now) {
            Ok(report) => report,
            Err(err) => {
                errors.push(format!("cluster {}: {err:#}", cluster.id));
                continue;
            }
        };
        // Rewritten for its evidence only when that gives it a suspect (else it says the same).
        if matches!(why, Why::Remapped) && report.suspects.is_empty() {
            counts.unchanged += 1;
            continue;
        }
        let json = serde_json::to_string(&report)?;
        let md = markdown::render(&report);
        // A report is news when it has something to tell (a suspect, a narrative), and a grown
        // cluster's new report only when it names another top suspect.
        let worth = !report.suspects.is_empty() || report.narrative.is_some();
        let tell = worth
            && match why {
                Why::New | Why::Regressed | Why::Remapped => true,
                Why::Grown | Why::Redeployed | Why::Asked => latest.as_ref().is_none_or(|r| {
                    serde_json::from_str::<Report>(&r.json)
                        .map_or(true, |old| top_commit(&old) != top_commit(&report))
                }),
            };
        counts.notifications += store.write(|db| {
            ctx.lease.renew(db)?;
            db.insert_rca_report(&NewReport {
                cluster_id: cluster.id,
                generated_at: ctx.now,
                commit: report.commit.as_deref(),
                model: report.narrative.as_ref().and(report.model.as_deref()),
                cluster_count: cluster.count,
                regressed: cluster.regressed,
                json: &json,
                markdown: &md,
            })?;
            // While a new cluster's notification waits for the service's threshold, its
            // report is not told either.
            if !tell || cluster.notify_pending {
                return Ok(0);
            }
            enqueue_event(
                db,
                &plan,
                NotifyEvent::RcaReady,
                cluster_ref(&cluster, 0),
                Some(rca_ref(&report)),
                ctx.now,
            )
        })?;
        counts.reports += 1;
        counts.cluster_ids.push(cluster.id);
        match why {
            Why::New => counts.new += 1,
            Why::Regressed => counts.regressed += 1,
            Why::Grown => counts.grown += 1,
            Why::Remapped => counts.remapped += 1,
            Why::Redeployed => counts.redeployed += 1,
            Why::Asked => counts.rewritten += 1,
        }
        counts.with_suspects += u64::from(!report.suspects.is_empty());
        counts.narratives += u64::from(report.narrative.is_some());
        counts.narrative_errors +=
            u64::from(report.narrative.is_none() && env.config.llm.is_some());
    }
    Ok(Outcome { counts, errors })
}

fn top_commit(report: &Report) -> Option<&str> {
    report.suspects.first().map(|s| s.commit.as_str())
}

/// The report in short, for an `rca_ready` notification.
fn rca_ref(report: &Report) -> RcaRef {
    RcaRef {
        generation: report.generation,
        commit: report.commit.clone(),
        top_suspect: report.suspects.first().map(|s| SuspectRef {
            commit: s.commit.clone(),
            summary: s.summary.clone(),
            author: s.author.clone(),
            date: time_to_sql(s.date),
            score: s.score,
            touched_lines: s.touched_lines.clone(),
            reasons: s.reasons.clone(),
        }),
        suspects: report.suspects.len(),
        no_suspects: report.no_suspects.clone(),
        root_cause: report.narrative.as_ref().map(|n| n.root_cause.clone()),
        show: format!("luffy rca show {}", report.cluster_id),
        owners: report.owners.clone(),
        url: None,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use chrono::TimeZone;

    use super::*;

    fn setup() -> (Store, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let service = Service::new("web".parse().unwrap(), now);
        store.write(|db| db.insert_service(&service)).unwrap();
        (store, now)
    }

    fn hold(store: &Store, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) {
        assert!(store
            .db()
            .acquire_lease("web", Task::Index, holder, now, until, |_| false)
            .unwrap());
    }

    #[test]
    fn rca_waits_for_another_process_index_run_then_goes_on() {
        let (store, now) = setup();
        hold(&store, "elsewhere:1:0", now, now + Duration::hours(1));
        let sleeps = Cell::new(0);
        let bound = StdDuration::from_secs(600);
        let waited = wait_for_index(&store, "web", now, bound, |d| {
            assert_eq!(d, INDEX_POLL);
            sleeps.set(sleeps.get() + 1);
            // the other process ends its index run during the second wait
            if sleeps.get() == 2 {
                store
                    .db()
                    .release_lease("web", Task::Index, "elsewhere:1:0")
                    .unwrap();
            }
        })
        .unwrap();
        assert_eq!((waited, sleeps.get()), (None, 2));
    }

    #[test]
    fn rca_gives_up_after_its_bound_and_ignores_expired_or_own_leases() {
        let (store, now) = setup();
        hold(&store, "elsewhere:1:0", now, now + Duration::hours(1));
        let bound = StdDuration::from_secs(3);
        let sleeps = Cell::new(0);
        let waited = wait_for_index(&store, "web", now, bound, |_| sleeps.set(sleeps.get() + 1));
        assert_eq!((waited.unwrap(), sleeps.get()), (Some(bound), 3));
        // a lease that expires while it waits ends the wait
        hold(&store, "elsewhere:1:0", now, now + Duration::seconds(2));
        let waited = wait_for_index(&store, "web", now, bound, |_| {}).unwrap();
        assert_eq!(waited, None);
        // this process's own lease is no other process's index run
        store
            .db()
            .release_lease("web", Task::Index, "elsewhere:1:0")
            .unwrap();
        hold(&store, lease::holder(), now, now + Duration::hours(1));
        let waited = wait_for_index(&store, "web", now, bound, |_| panic!("no wait")).unwrap();
        assert_eq!(waited, None);
    }
}
