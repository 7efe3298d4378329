//! `luffy clusters` and `luffy cluster show | resolve | ignore | reopen` (merge and unmerge are
//! in `merge.rs`).

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context as _, Result};

use super::cluster_show::{load, show, summary_json};
use super::{unknown_service, Context};
use crate::cli::{ClusterCommand, ClusterIgnoreArgs, ClustersArgs};
use crate::domain::ClusterStatus;
use crate::service::ServiceId;
use crate::store::Db;
use crate::triage::SnoozeCondition;
use crate::ui;

/// Runs `luffy clusters [SERVICE] [--status S]`.
pub fn list(ctx: &Context, args: &ClustersArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    if let Some(id) = &args.service {
        if db.service(id)?.is_none() {
            return Err(unknown_service(&db, id));
        }
    }
    let mut clusters = db.clusters(args.service.as_ref().map(ServiceId::as_str), args.status)?;
    if let Some(owner) = &args.owner {
        let mut owned = Vec::with_capacity(clusters.len());
        for cluster in clusters {
            if owners_of(&db, cluster.id)?.iter().any(|o| o == owner) {
                owned.push(cluster);
            }
        }
        clusters = owned;
    }
    if ctx.json {
        let rows: Vec<serde_json::Value> = clusters.iter().map(summary_json).collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if clusters.is_empty() {
        writeln!(out, "no clusters")?;
        return Ok(());
    }
    let mut table = ui::table(
        &[
            "ID",
            "SERVICE",
            "KIND",
            "COUNT",
            "LAST SEEN",
            "STATUS",
            "TITLE",
        ],
        ctx.color,
    );
    for cluster in &clusters {
        let mut status = if cluster.regressed {
            format!("{} (regressed)", cluster.status)
        } else {
            cluster.status.to_string()
        };
        if let Some(snooze) = &cluster.snooze {
            let _ = write!(status, " ({})", snooze.short());
        }
        table.add_row(vec![
            cluster.id.to_string(),
            cluster.service_id.clone(),
            cluster.kind.to_string(),
            cluster.count.to_string(),
            ui::ago(Some(cluster.last_seen), ctx.now),
            status,
            crate::text::cut(&cluster.title, 100).to_string(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

/// The owners the latest root-cause report of a cluster names (none without a report).
fn owners_of(db: &Db<'_>, cluster_id: i64) -> Result<Vec<String>> {
    let Some(stored) = db.latest_rca_report(cluster_id)? else {
        return Ok(Vec::new());
    };
    let report: crate::rca::Report = serde_json::from_str(&stored.json)
        .with_context(|| format!("the report of cluster {cluster_id} is unreadable"))?;
    Ok(report.owners)
}

/// Runs one `cluster` subcommand.
pub fn run(ctx: &Context, command: &ClusterCommand, out: &mut dyn Write) -> Result<()> {
    let (id, status) = match command {
        ClusterCommand::Show(arg) => return show(ctx, arg.id, out),
        ClusterCommand::Merge(args) => return super::merge::merge(ctx, args, out),
        ClusterCommand::Unmerge(args) => return super::merge::unmerge(ctx, args, out),
        ClusterCommand::Resolve(arg) => (arg.id, ClusterStatus::Resolved),
        ClusterCommand::Ignore(args) => (args.id, ClusterStatus::Ignored),
        ClusterCommand::Reopen(arg) => (arg.id, ClusterStatus::Open),
    };
    let condition = match command {
        ClusterCommand::Ignore(args) => snooze_condition(ctx, args),
        _ => None,
    };
    let mut store = ctx.open_store()?;
    let cluster = store.write(|db| {
        load(db, id)?;
        match condition {
            Some(condition) => db.snooze_cluster(id, condition, ctx.now)?,
            None => db.set_cluster_status(id, status, ctx.now)?,
        }
        load(db, id)
    })?;
    if ctx.json {
        ui::write_json(out, &summary_json(&cluster))?;
    } else if !ctx.quiet {
        match &cluster.snooze {
            Some(snooze) => writeln!(out, "cluster {id} is now {status} {}", snooze.describe())?,
            None => writeln!(out, "cluster {id} is now {status}")?,
        }
    }
    Ok(())
}

/// The condition `cluster ignore` was given, if any (clap lets one through at most).
fn snooze_condition(ctx: &Context, args: &ClusterIgnoreArgs) -> Option<SnoozeCondition> {
    if let Some(seconds) = args.for_seconds {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        return Some(SnoozeCondition::Until(
            ctx.now + chrono::Duration::seconds(seconds),
        ));
    }
    if let Some(n) = args.until_count {
        return Some(SnoozeCondition::Count(n));
    }
    args.until_rate.map(SnoozeCondition::Rate)
}
