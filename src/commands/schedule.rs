//! `luffy run-due` (what cron calls) and `luffy daemon` (the same step in a loop).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{unknown_service, Context};
use crate::cli::{DaemonArgs, RunDueArgs};
use crate::tasks::notify::NotifyPlan;
use crate::tasks::scheduler::{self, Due, Ran, Selection, Shard, StepEnv};
use crate::tasks::TaskStatus;
use crate::ui;

/// Runs `luffy run-due`.
pub fn run_due(ctx: &Context, args: &RunDueArgs, out: &mut dyn Write) -> Result<()> {
    let selection = Selection {
        services: args.services.clone(),
        shard: args.shard,
    };
    if args.dry_run {
        return dry_run(ctx, &selection, out);
    }
    let mut store = ctx.open_store()?;
    let step = step(ctx, &mut store, &selection, args.jobs, ctx.now)?;
    if ctx.json {
        ui::write_json(out, &step.ran)?;
    } else if !ctx.quiet {
        print_step(&step, out)?;
    }
    let failed = step
        .ran
        .iter()
        .filter(|r| r.status == TaskStatus::Failed)
        .count();
    if failed > 0 {
        bail!(
            "{failed} of {} task(s) failed (the others ran)",
            step.ran.len()
        );
    }
    Ok(())
}

/// What one step did.
struct Step {
    ran: Vec<Ran>,
    /// Due tasks this luffy has no body for.
    not_runnable: Vec<Due>,
    /// Active services looked at.
    services: usize,
}

/// Wakes the selected services' snoozed clusters whose time is up, at each step whatever is
/// due; writes only when there is one.
fn wake_snoozes(
    ctx: &Context,
    store: &mut crate::store::Store,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut due = Vec::new();
    {
        let db = store.db();
        for service in scheduler::selected(&db, selection)? {
            if !db.snoozes_due(service.id.as_str(), now)?.is_empty() {
                due.push(service);
            }
        }
    }
    if due.is_empty() {
        return Ok(());
    }
    store.write(|db| {
        for service in &due {
            let plan = NotifyPlan::new(service, &ctx.config.notify);
            crate::tasks::notify::triage::wake_due(db, &plan, now)?;
        }
        Ok(())
    })
}

/// One step: what is due, run; then old task runs pruned. The tasks run on connections made
/// from `store` (see [`crate::store::Store::another`]).
fn step(
    ctx: &Context,
    store: &mut crate::store::Store,
    selection: &Selection,
    jobs: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Step> {
    check_services(&store.db(), selection)?;
    wake_snoozes(ctx, store, selection, now)?;
    let (plan, services) = {
        let db = store.db();
        let services = db.services()?.iter().filter(|s| s.is_active).count();
        (scheduler::due(&db, selection, now)?, services)
    };
    let not_runnable: Vec<Due> = plan
        .iter()
        .flat_map(|(_, due)| due.iter().filter(|d| !d.runnable).cloned())
        .collect();
    let env = StepEnv {
        db_path: ctx.db_path.clone(),
        config: Arc::new(ctx.config.clone()),
        now,
        fetch: ctx.fetch,
        jobs: jobs.map_or_else(cores, |n| n as usize),
        task_timeout: StdDuration::from_secs(u64::from(
            ctx.config.daemon.task_timeout_seconds.max(1),
        )),
    };
    let ran = scheduler::run(store, &env, plan);
    let keep = chrono::Duration::days(i64::from(ctx.config.retention.task_runs_days.max(1)));
    store.write(|db| db.prune_task_runs(now - keep).map(|_| ()))?;
    Ok(Step {
        ran,
        not_runnable,
        services,
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// An unknown `--service` is bad input, named with the closest id.
fn check_services(db: &crate::store::Db<'_>, selection: &Selection) -> Result<()> {
    for id in &selection.services {
        if db.service(id)?.is_none() {
            return Err(unknown_service(db, id));
        }
    }
    Ok(())
}

fn print_step(step: &Step, out: &mut dyn Write) -> Result<()> {
    if step.ran.is_empty() && step.not_runnable.is_empty() {
        writeln!(out, "nothing is due ({} active service(s))", step.services)?;
        return Ok(());
    }
    for ran in &step.ran {
        writeln!(out, "{}", line(ran))?;
    }
    for due in &step.not_runnable {
        writeln!(
            out,
            "{} {} due, not run: {}",
            due.service_id,
            due.task,
            due.not_run.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

/// `web-app fetch ok (0.3s): lines 120, events 4, new_clusters 1`.
fn line(ran: &Ran) -> String {
    let head = format!(
        "{} {} {} ({:.1}s)",
        ran.service_id, ran.task, ran.status, ran.seconds
    );
    if !ran.errors.is_empty() {
        return format!("{head}: {}", ran.errors.join("; "));
    }
    let summary = ran
        .counts
        .as_ref()
        .and_then(|counts| serde_json::to_value(counts).ok())
        .and_then(|value| match value {
            serde_json::Value::Object(map) => Some(
                map.into_iter()
                    .filter(|(_, v)| v.as_u64().is_some_and(|n| n > 0))
                    .take(6)
                    .map(|(k, v)| format!("{} {v}", k.replace('_', " ")))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        })
        .unwrap_or_default();
    if summary.is_empty() {
        head
    } else {
        format!("{head}: {summary}")
    }
}

/// `run-due --dry-run`: the due tasks and why, read without writing anything.
fn dry_run(ctx: &Context, selection: &Selection, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    check_services(&db, selection)?;
    let plan = scheduler::due(&db, selection, ctx.now)?;
    let due: Vec<&Due> = plan.iter().flat_map(|(_, d)| d.iter()).collect();
    if ctx.json {
        #[derive(Serialize)]
        struct Row<'a> {
            #[serde(flatten)]
            due: &'a Due,
            would_run: bool,
        }
        let rows: Vec<Row<'_>> = due
            .iter()
            .map(|d| Row {
                due: d,
                would_run: d.runnable,
            })
            .collect();
        return ui::write_json(out, &rows);
    }
    if due.is_empty() {
        writeln!(out, "nothing is due")?;
        return Ok(());
    }
    for d in &due {
        let since = match d.due_since {
            None => "never ran".to_string(),
            Some(at) => format!("due since {}", ui::ago(Some(at), ctx.now)),
        };
        let last = ui::ago(d.last_run, ctx.now);
        let would = match &d.not_run {
            None => "would run".to_string(),
            Some(why) => format!("due, would not run: {why}"),
        };
        writeln!(
            out,
            "{} {}: {would}; {since}, last run {last}",
            d.service_id, d.task
        )?;
    }
    Ok(())
}

/// Runs `luffy daemon`: a step, then a sleep until the next task is due (at most a tick),
/// until SIGINT or SIGTERM, which let the running step finish and end with exit code 0. With
/// `--serve ADDR` the server runs beside the loop, on its own threads over the same database
/// (WAL: its readers never block the loop's writes), and stops with it.
pub fn daemon(ctx: &Context, args: &DaemonArgs, out: &mut dyn Write) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let tick = StdDuration::from_secs(u64::from(
        args.tick.unwrap_or(ctx.config.daemon.tick_seconds).max(1),
    ));
    let selection = Selection {
        services: Vec::new(),
        shard: args.shard,
    };
    log(&format!(
        "luffy daemon: looking at what is due every {}s at most{}",
        tick.as_secs(),
        args.shard
            .map(|Shard { index, count }| format!(", shard {index}/{count}"))
            .unwrap_or_default()
    ));
    // one store for the daemon's life: the tasks' connections are made from it, and a task left
    // behind at its timeout keeps its own
    let mut store = ctx.open_store()?;
    let server = match &args.serve {
        Some(listen) => {
            let running = crate::serve::start(ctx, listen)?;
            log(&format!(
                "luffy daemon: serving on http://{} (the dashboard at /, the API under /api/v1/)",
                running.addr
            ));
            Some(running)
        }
        None => None,
    };
    let mut steps = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = clock(ctx);
        match step(ctx, &mut store, &selection, args.jobs, now) {
            Ok(step) => {
                for ran in &step.ran {
                    log(&line(ran));
                }
            }
            // a database locked too long, a disk full: said, and tried again next time
            Err(err) => log(&format!("luffy daemon: this step failed: {err:#}")),
        }
        steps += 1;
        if args.steps.is_some_and(|n| steps >= n) {
            break;
        }
        let wake = next_wake(ctx, &store, &selection, tick);
        sleep_until_stopped(wake, &stop);
    }
    if let Some(server) = server {
        server.stop();
    }
    log("luffy daemon: stopped");
    let _ = out.flush();
    Ok(())
}

/// The time now: `LUFFY_NOW` when set (tests), else the clock, read again at every step.
fn clock(ctx: &Context) -> DateTime<Utc> {
    match std::env::var("LUFFY_NOW") {
        Ok(text) if !text.is_empty() => ctx.now,
        _ => Utc::now(),
    }
}

/// How long to sleep: until the soonest task of any service is due, at most `tick`.
fn next_wake(
    ctx: &Context,
    store: &crate::store::Store,
    selection: &Selection,
    tick: StdDuration,
) -> StdDuration {
    let now = clock(ctx);
    let soonest = store.db().services().ok().and_then(|services| {
        services
            .iter()
            .filter(|s| s.is_active && selection.shard.is_none_or(|sh| sh.holds(s.id.as_str())))
            .filter_map(|s| crate::schedule::soonest(s, now).map(|(at, _)| at))
            .min()
    });
    match soonest {
        Some(at) => (at - now)
            .to_std()
            .unwrap_or(StdDuration::ZERO)
            .clamp(StdDuration::from_secs(1), tick),
        None => tick,
    }
}

fn sleep_until_stopped(wait: StdDuration, stop: &AtomicBool) {
    let until = std::time::Instant::now() + wait;
    while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < until {
        std::thread::sleep(StdDuration::from_millis(100).min(wait));
    }
}

fn log(line: &str) {
    ui::to_stderr(&format!(
        "{} {line}",
        Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    ));
}
