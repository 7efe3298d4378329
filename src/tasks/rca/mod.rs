//! The rca task: a root-cause report for every open cluster of the service that is new,
//! regressed or grown since its last report: its frames mapped onto the indexed checkout,
//! suspect commits from blame, the timeline, related clusters, and the optional narrative.
//! A report with a suspect commit or a narrative, of a new or regressed cluster or one whose top
//! suspect changed, writes an `rca_ready` notification in the transaction that stores it.

mod build;
mod counts;
mod deploys;

use anyhow::Result;
use chrono::Duration;

pub use build::RELATED_WINDOW_MINUTES;
pub use counts::RcaCounts;

use super::{run_task, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::domain::{ClusterStatus, NotifyEvent, Task, Trigger};
use crate::notify::message::{RcaRef, SuspectRef};
use crate::rca::{markdown, Report};
use crate::service::Service;
use crate::store::{time_to_sql, NewReport, Store, StoredReport};
use crate::tasks::notify::enqueue::{cluster_ref, enqueue_event};
use crate::tasks::notify::NotifyPlan;

/// How long an rca run holds its lease.
const LEASE: Duration = Duration::minutes(30);

/// Runs the rca task of `service` through the task lifecycle.
pub fn run(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<RcaCounts>> {
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

/// Why a cluster gets a report now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    New,
    Regressed,
    Grown,
    /// The last report named no suspect, and what it was built from changed since.
    Remapped,
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
fn evidence_changed(last: &StoredReport, service: &Service, commit: Option<&str>) -> bool {
    // The cheap checks first: most runs change neither, and the report is not read then.
    (last.commit.as_deref() != commit || service.updated_at > last.generated_at)
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
                Why::Grown | Why::Asked => latest.as_ref().is_none_or(|r| {
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
            if !tell {
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
    }
}
