//! The rca task: a root-cause report for every open cluster of the service that is new,
//! regressed or grown since its last report: its frames mapped onto the indexed checkout,
//! suspect commits from blame, the timeline, related clusters, and the optional narrative.

mod build;
mod counts;

use anyhow::Result;
use chrono::Duration;

pub use build::{RcaOptions, RELATED_WINDOW_MINUTES};
pub use counts::RcaCounts;

use super::{run_task, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::domain::{ClusterStatus, Task, Trigger};
use crate::rca::markdown;
use crate::service::Service;
use crate::store::{NewReport, Store};

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
    counts.commit = builder.commit().map(str::to_string);
    let mut errors = Vec::new();
    for cluster in clusters {
        counts.clusters += 1;
        let latest = store.db().latest_rca_report(cluster.id)?;
        let why = match &latest {
            None => Why::New,
            Some(r) if cluster.regressed && !r.regressed => Why::Regressed,
            Some(r) if cluster.count > r.cluster_count => Why::Grown,
            Some(_) => {
                counts.unchanged += 1;
                continue;
            }
        };
        let generation = latest.map_or(1, |r| r.generation + 1);
        let report = match builder.report(&store.db(), &cluster, generation, ctx.now) {
            Ok(report) => report,
            Err(err) => {
                errors.push(format!("cluster {}: {err:#}", cluster.id));
                continue;
            }
        };
        let json = serde_json::to_string(&report)?;
        let md = markdown::render(&report);
        store.write(|db| {
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
            })
            .map(|_| ())
        })?;
        counts.reports += 1;
        counts.cluster_ids.push(cluster.id);
        match why {
            Why::New => counts.new += 1,
            Why::Regressed => counts.regressed += 1,
            Why::Grown => counts.grown += 1,
        }
        counts.with_suspects += u64::from(!report.suspects.is_empty());
        counts.narratives += u64::from(report.narrative.is_some());
        counts.narrative_errors +=
            u64::from(report.narrative.is_none() && env.config.llm.is_some());
    }
    Ok(Outcome { counts, errors })
}
