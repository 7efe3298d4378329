//! `luffy trigger` (run one task now) and `luffy history` (the task runs).

use std::io::Write;

use anyhow::Result;

use super::{unknown_service, Context};
use crate::cli::{HistoryArgs, TriggerArgs};
use crate::error::bad_input;
use crate::service::{redact_credentials_in, Service, ServiceId};
use crate::store::{time_to_sql, Store, TaskRun};
use crate::tasks::fetch::FetchCounts;
use crate::tasks::index::{IndexCounts, IndexMode, IndexOptions};
use crate::tasks::notify::NotifyCounts;
use crate::tasks::rca::RcaCounts;
use crate::tasks::{self, TaskCounts, TaskEnv, TaskReport, TaskStatus, Trigger};
use crate::ui;

/// Runs `luffy trigger TASK SERVICE`.
pub fn trigger(ctx: &Context, args: &TriggerArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let service = {
        let db = store.db();
        db.service(&args.service)?
            .ok_or_else(|| unknown_service(&db, &args.service))?
    };
    if args.full && args.task != tasks::Task::Index {
        return Err(crate::error::bad_input(format!(
            "--full applies to `luffy trigger index` only, not to {}",
            args.task
        )));
    }
    if args.all && args.task != tasks::Task::Rca {
        return Err(crate::error::bad_input(format!(
            "--all applies to `luffy trigger rca` only, not to {}",
            args.task
        )));
    }
    let env = tasks::TaskEnv {
        index: IndexOptions { full: args.full },
        rca: tasks::rca::RcaRun { all: args.all },
        ..ctx.task_env()
    };
    let (report, notified) = run_manual(&mut store, &service, args.task, &env)?;
    if ctx.json {
        ui::write_json(out, &report)?;
    } else if !ctx.quiet
        && (report.status == TaskStatus::Ok
            // A fetch that failed on one source still tells what the others brought.
            || report.status == TaskStatus::Failed && args.task == tasks::Task::Fetch)
    {
        match &report.counts {
            TaskCounts::Fetch(counts) => print_fetch(&report.service_id, counts, out)?,
            TaskCounts::Index(counts) => print_index(&report.service_id, counts, out)?,
            TaskCounts::Notify(counts) => print_notify(&report.service_id, counts, out)?,
            TaskCounts::Rca(counts) => print_rca(&report.service_id, counts, out)?,
        }
    }
    if let Some(notified) = notified {
        if let TaskCounts::Notify(counts) = &notified.counts {
            if !ctx.json && !ctx.quiet && counts.delivered + counts.retrying + counts.dead > 0 {
                print_notify(&notified.service_id, counts, out)?;
            }
        }
        for error in &notified.errors {
            ui::to_stderr(&format!("luffy: warning: {error}"));
        }
    }
    match report.status {
        TaskStatus::Failed => anyhow::bail!(
            "{} of {} failed: {}",
            report.task,
            report.service_id,
            report.errors.join("; ")
        ),
        TaskStatus::Skipped => anyhow::bail!("{}", report.errors.join("; ")),
        TaskStatus::Ok | TaskStatus::Running => Ok(()),
    }
}

/// Runs `task` of `service` now, as someone asked (`luffy trigger`, the API's triggers): the
/// task, then, after a fetch or rca that ran, the delivery of what it produced when any is due
/// (a failed delivery stays in the outbox for later runs). Returns the task's report and the
/// delivery's, when one ran.
pub fn run_manual(
    store: &mut Store,
    service: &Service,
    task: tasks::Task,
    env: &TaskEnv<'_>,
) -> Result<(TaskReport<TaskCounts>, Option<TaskReport<TaskCounts>>)> {
    let report = tasks::run(store, service, task, Trigger::Manual, env)?;
    // (Only when something is due: a run that wrote nothing new records no notify run.)
    let notified = if matches!(task, tasks::Task::Fetch | tasks::Task::Rca)
        && report.status != TaskStatus::Skipped
        && tasks::notify::is_due(store, service, env.now)?
    {
        let env = TaskEnv {
            started: None,
            ..*env
        };
        Some(tasks::run(
            store,
            service,
            tasks::Task::Notify,
            Trigger::Manual,
            &env,
        )?)
    } else {
        None
    };
    Ok((report, notified))
}

/// Runs `luffy history`'s row of one task run (the API's `GET /api/v1/task-runs/ID`).
pub fn show_run(ctx: &Context, id: i64, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let run = store
        .db()
        .task_run(id)?
        .ok_or_else(|| bad_input(format!("no task run {id} (see `luffy history`)")))?;
    ui::write_json(out, &run_json(&run))?;
    Ok(())
}

/// A notify run's one-line summary.
pub(super) fn print_notify(service_id: &str, c: &NotifyCounts, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "notified {service_id}: {} delivered in {} message(s), {} to retry, {} dead{}",
        c.delivered,
        c.messages,
        c.retrying,
        c.dead,
        if c.silenced > 0 {
            format!(", {} held (notifications are off)", c.silenced)
        } else {
            String::new()
        }
    )?;
    Ok(())
}

/// A fetch's one-line summary, and notes on what it had to repair.
fn print_fetch(service_id: &str, c: &FetchCounts, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "fetched {service_id}: {} source(s), {} lines, {} records, {} events, {} new clusters, {} regressed, {} below threshold",
        c.sources, c.lines, c.records, c.events, c.new_clusters, c.regressed, c.dropped
    )?;
    let notes = [
        (
            c.invalid_utf8,
            "lines were not valid UTF-8 (decoded with replacement characters)",
        ),
        (c.long_lines, "lines were longer than 1 MiB (cut)"),
        (c.ignored, "records were ignored by grouping rules"),
        (
            c.future_times,
            "records had a time in the future (the reading time was used)",
        ),
    ];
    for (n, what) in notes {
        if n > 0 {
            writeln!(out, "note: {n} {what}")?;
        }
    }
    Ok(())
}

/// The first 12 digits of a commit id, as printed.
fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// An index run's summary: the commit, how it got there, what it read.
fn print_index(service_id: &str, c: &IndexCounts, out: &mut dyn Write) -> Result<()> {
    let how = match (c.mode, &c.previous_commit) {
        (IndexMode::Unchanged, _) => "unchanged".to_string(),
        (IndexMode::Incremental, Some(previous)) => format!("incremental from {}", short(previous)),
        (IndexMode::Full, _) if c.cloned => "full, cloned".to_string(),
        _ => "full".to_string(),
    };
    writeln!(
        out,
        "indexed {service_id} at {} ({how}): {} files seen, {} parsed, {} skipped, {} removed, \
         {} renamed, {} symbols read; the index has {} files and {} symbols ({})",
        short(&c.commit),
        c.files_seen,
        c.files_parsed,
        c.files_skipped,
        c.files_removed,
        c.files_renamed,
        c.symbols,
        c.files_total,
        c.symbols_total,
        ui::millis(c.duration_ms),
    )?;
    if c.files_skipped > 0 {
        writeln!(
            out,
            "note: skipped {} vendored or minified, {} over 1 MiB, {} binary",
            c.skipped_vendored, c.skipped_large, c.skipped_binary
        )?;
    }
    Ok(())
}

/// An rca run's summary: the reports written and why.
fn print_rca(service_id: &str, c: &RcaCounts, out: &mut dyn Write) -> Result<()> {
    if c.disabled {
        writeln!(
            out,
            "rca is switched off for {service_id}: no reports written \
             (switch it on with `luffy service set {service_id} --rca on`)"
        )?;
        return Ok(());
    }
    let at = c.commit.as_deref().map_or_else(
        || "without a code index".to_string(),
        |c| format!("at {}", short(c)),
    );
    writeln!(
        out,
        "rca of {service_id} {at}: {} report(s) of {} open clusters ({} new, {} regressed, {} grown{}; \
         {} unchanged), {} with suspect commits",
        c.reports,
        c.clusters,
        c.new,
        c.regressed,
        c.grown,
        if c.remapped > 0 {
            format!(", {} with suspects now", c.remapped)
        } else {
            String::new()
        },
        c.unchanged,
        c.with_suspects
    )?;
    if c.narratives + c.narrative_errors > 0 {
        writeln!(
            out,
            "narratives: {} written, {} failed (the reports say why)",
            c.narratives, c.narrative_errors
        )?;
    }
    for id in &c.cluster_ids {
        writeln!(out, "  luffy rca show {id}")?;
    }
    Ok(())
}

/// Runs `luffy history [SERVICE]`.
pub fn history(ctx: &Context, args: &HistoryArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    if let Some(id) = &args.service {
        if db.service(id)?.is_none() {
            return Err(unknown_service(&db, id));
        }
    }
    let runs = db.task_runs_of(
        args.service.as_ref().map(ServiceId::as_str),
        args.task,
        args.status,
        args.limit,
    )?;
    if ctx.json {
        let rows: Vec<serde_json::Value> = runs.iter().map(run_json).collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if runs.is_empty() {
        writeln!(
            out,
            "no task runs yet; run one with `luffy trigger fetch SERVICE`"
        )?;
        return Ok(());
    }
    let mut table = ui::table(
        &[
            "ID", "SERVICE", "TASK", "TRIGGER", "STARTED", "TOOK", "STATUS", "RESULT",
        ],
        ctx.color,
    );
    for run in &runs {
        let took = run.finished_at.map_or_else(
            || "-".into(),
            |end| ui::span((end - run.started_at).num_seconds()),
        );
        let result = match &run.error {
            Some(error) => crate::text::cut_words(&redact_credentials_in(error), 100).into_owned(),
            None => summary(run),
        };
        table.add_row(vec![
            run.id.to_string(),
            run.service_id.clone(),
            run.task.to_string(),
            run.trigger.to_string(),
            ui::ago(Some(run.started_at), ctx.now),
            took,
            run.status.to_string(),
            result,
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

/// What a task run did, in a few words (`12 events, 3 clusters`), for tables.
pub(crate) fn summary(run: &TaskRun) -> String {
    let counts = &run.counts;
    let get = |key: &str| {
        counts
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    match run.task {
        tasks::Task::Index => {
            let commit = counts
                .get("commit")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("-");
            format!(
                "{}, {} files parsed, {} symbols",
                short(commit),
                get("files_parsed"),
                get("symbols")
            )
        }
        tasks::Task::Rca if counts.get("disabled") == Some(&serde_json::Value::Bool(true)) => {
            "rca is switched off".to_string()
        }
        tasks::Task::Rca => format!(
            "{} reports of {} clusters, {} with suspects",
            get("reports"),
            get("clusters"),
            get("with_suspects")
        ),
        tasks::Task::Notify => format!(
            "{} delivered in {} messages, {} to retry, {} dead",
            get("delivered"),
            get("messages"),
            get("retrying"),
            get("dead")
        ),
        tasks::Task::Fetch => format!(
            "{} events, {} new clusters, {} lines",
            get("events"),
            get("new_clusters"),
            get("lines")
        ),
    }
}

fn run_json(run: &TaskRun) -> serde_json::Value {
    serde_json::json!({
        "id": run.id,
        "service_id": run.service_id,
        "task": run.task,
        "trigger": run.trigger,
        "started_at": time_to_sql(run.started_at),
        "finished_at": run.finished_at.map(time_to_sql),
        "status": run.status,
        "counts": run.counts,
        "error": run.error.as_deref().map(redact_credentials_in),
    })
}
