//! `luffy status [SERVICE]`: every service's schedule at a glance, or one in detail.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use comfy_table::Color;
use serde::Serialize;

use super::{unknown_service, Context};
use crate::cli::StatusArgs;
use crate::duration::format_minutes;
use crate::schedule::{self, Next, Task};
use crate::service::{redact_credentials, redact_credentials_in, ScheduleSettings, Service};
use crate::store::{time_to_sql, CodeIndex, StatusCounts};
use crate::ui;

/// The seed's status object, plus when each task runs next.
#[derive(Debug, Serialize)]
pub struct ServiceStatus {
    pub service_id: String,
    pub service_name: String,
    pub is_active: bool,
    pub last_log_fetch: Option<String>,
    pub last_rca_generation: Option<String>,
    pub last_code_indexing: Option<String>,
    /// The commit the code index describes (none before the first index run).
    pub indexed_commit: Option<String>,
    pub log_sources_count: u64,
    pub active_log_sources: u64,
    pub configuration: Configuration,
    pub next_log_fetch: Option<String>,
    pub next_rca_generation: Option<String>,
    pub next_code_indexing: Option<String>,
    /// The tasks that are due now.
    pub due: Vec<Task>,
    pub open_clusters: u64,
    /// Per task that has run: how its last run ended, the failures since its last success and
    /// the error of the latest of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_outcomes: Option<Outcomes>,
}

/// The last outcome of each scheduled task, by task name.
pub type Outcomes = std::collections::BTreeMap<String, Outcome>;

/// How a task's last run ended.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub status: crate::domain::TaskStatus,
    pub failures_since_success: u64,
    /// The error of the latest run that failed since the last success, credentials in URLs
    /// hidden; `null` when the task is not failing.
    pub last_error: Option<String>,
}

impl Outcome {
    /// Whether the task has failed since its last success: it needs someone to look.
    pub(crate) fn failing(&self) -> bool {
        self.failures_since_success > 0
    }
}

/// The last outcome of every scheduled task of a service that has run.
pub(crate) fn outcomes(db: &crate::store::Db<'_>, service: &Service) -> Result<Outcomes> {
    let mut found = std::collections::HashMap::new();
    for task in schedule::SCHEDULED {
        if let Some(last) = db.last_outcome(service.id.as_str(), task)? {
            found.insert((service.id.to_string(), task), last);
        }
    }
    Ok(outcomes_from(&mut found, service))
}

/// [`outcomes`] of a service out of every service's ([`crate::store::Db::last_outcomes`]).
pub(crate) fn outcomes_from(
    found: &mut std::collections::HashMap<(String, Task), crate::store::LastOutcome>,
    service: &Service,
) -> Outcomes {
    let mut all = Outcomes::new();
    for task in schedule::SCHEDULED {
        if let Some(last) = found.remove(&(service.id.to_string(), task)) {
            all.insert(
                task.to_string(),
                Outcome {
                    status: last.status,
                    failures_since_success: last.failures_since_success,
                    // Errors are stored redacted; this is a second guard, as status is what
                    // gets pasted into chat.
                    last_error: last.last_error.as_deref().map(redact_credentials_in),
                },
            );
        }
    }
    all
}

/// The intervals part of the status object: the seed's shape, in its order (a projection of
/// [`ScheduleSettings`], not all of it by design).
#[derive(Debug, Serialize)]
pub struct Configuration {
    pub log_fetch_interval_minutes: u32,
    pub rca_generation_interval_minutes: u32,
    pub code_indexing_interval_hours: u32,
    pub rca_generation_enabled: bool,
    pub code_indexing_enabled: bool,
}

impl From<&ScheduleSettings> for Configuration {
    fn from(schedule: &ScheduleSettings) -> Self {
        Configuration {
            log_fetch_interval_minutes: schedule.log_fetch_interval_minutes,
            rca_generation_interval_minutes: schedule.rca_generation_interval_minutes,
            code_indexing_interval_hours: schedule.code_indexing_interval_hours,
            rca_generation_enabled: schedule.rca_generation_enabled,
            code_indexing_enabled: schedule.code_indexing_enabled,
        }
    }
}

fn status_of(
    service: &Service,
    counts: StatusCounts,
    indexed_commit: Option<String>,
    now: DateTime<Utc>,
) -> ServiceStatus {
    let next = |task| schedule::next_run(service, task).time(now).map(time_to_sql);
    ServiceStatus {
        service_id: service.id.to_string(),
        service_name: service.name.clone(),
        is_active: service.is_active,
        last_log_fetch: service.last_log_fetch.map(time_to_sql),
        last_rca_generation: service.last_rca_generation.map(time_to_sql),
        last_code_indexing: service.last_code_indexing.map(time_to_sql),
        indexed_commit,
        log_sources_count: counts.log_sources,
        active_log_sources: counts.active_log_sources,
        configuration: Configuration::from(&service.schedule),
        next_log_fetch: next(Task::Fetch),
        next_rca_generation: next(Task::Rca),
        next_code_indexing: next(Task::Index),
        due: schedule::due_tasks(service, now),
        open_clusters: counts.open_clusters,
        last_outcomes: None,
    }
}

/// Runs `luffy status`.
pub fn run(ctx: &Context, args: &StatusArgs, out: &mut dyn Write) -> Result<()> {
    run_on(ctx, &ctx.open_store_for_reading()?, args, out)
}

/// `luffy status` over a store already open (the server keeps one).
pub fn run_on(
    ctx: &Context,
    store: &crate::store::Store,
    args: &StatusArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let db = store.db();
    let mut counts = db.status_counts()?;
    if let Some(id) = &args.service {
        let service = db.service(id)?.ok_or_else(|| unknown_service(&db, id))?;
        let sources = db.sources(Some(id.as_str()))?;
        super::secrets::warn_stored_secrets(ctx, std::slice::from_ref(&service), &sources);
        let counts = counts.remove(id.as_str()).unwrap_or_default();
        let index = db.code_index(id.as_str())?;
        let outcomes = outcomes(&db, &service)?;
        if ctx.json {
            let commit = index.map(|i| i.commit);
            let status = ServiceStatus {
                last_outcomes: Some(outcomes),
                ..status_of(&service, counts, commit, ctx.now)
            };
            ui::write_json(out, &status)?;
            return Ok(());
        }
        return detail(ctx, &service, counts, index.as_ref(), &outcomes, out);
    }
    let services = db.services()?;
    super::secrets::warn_stored_secrets(ctx, &services, &db.sources(None)?);
    if ctx.json {
        let mut commits = db.indexed_commits()?;
        let mut found = db.last_outcomes()?;
        let mut all = Vec::with_capacity(services.len());
        for service in &services {
            let id = service.id.as_str();
            let counts = counts.remove(id).unwrap_or_default();
            all.push(ServiceStatus {
                last_outcomes: Some(outcomes_from(&mut found, service)),
                ..status_of(service, counts, commits.remove(id), ctx.now)
            });
        }
        ui::write_json(out, &all)?;
        return Ok(());
    }
    if services.is_empty() {
        writeln!(out, "no services yet; add one with `luffy service add ID`")?;
        return Ok(());
    }
    let mut found = db.last_outcomes()?;
    let outcomes: Vec<Outcomes> = services
        .iter()
        .map(|service| outcomes_from(&mut found, service))
        .collect();
    overview(ctx, &services, &outcomes, out)
}

fn interval_text(service: &Service, task: Task) -> String {
    schedule::interval_minutes(service, task).map_or_else(|| "off".into(), format_minutes)
}

fn next_cell(service: &Service, ctx: &Context) -> comfy_table::Cell {
    if !service.is_active {
        return ui::colored("inactive", Color::DarkGrey, ctx.color);
    }
    match schedule::soonest(service, ctx.now) {
        None => ui::colored("-", Color::DarkGrey, ctx.color),
        Some((at, tasks)) => {
            let names: Vec<&str> = tasks.iter().map(|t| t.as_str()).collect();
            let text = format!("{} ({})", ui::until(at, ctx.now), names.join(", "));
            let color = if at <= ctx.now {
                Color::Yellow
            } else {
                Color::Reset
            };
            ui::colored(&text, color, ctx.color)
        }
    }
}

/// When `task` last ran, or `failed N×` (red) while it has failed since its last success: a
/// time alone would read as fine.
fn last_run_cell(
    service: &Service,
    task: Task,
    outcomes: &Outcomes,
    ctx: &Context,
) -> comfy_table::Cell {
    match outcomes.get(task.as_str()) {
        Some(outcome) if outcome.failing() => ui::colored(
            &format!("failed {}×", outcome.failures_since_success),
            Color::Red,
            ctx.color,
        ),
        _ => comfy_table::Cell::new(ui::ago(schedule::last_run(service, task), ctx.now)),
    }
}

fn overview(
    ctx: &Context,
    services: &[Service],
    outcomes: &[Outcomes],
    out: &mut dyn Write,
) -> Result<()> {
    let mut table = ui::table(
        &[
            "SERVICE",
            "ACTIVE",
            "FETCH",
            "RCA",
            "INDEX",
            "LAST FETCH",
            "LAST RCA",
            "LAST INDEX",
            "NEXT DUE",
        ],
        ctx.color,
    );
    for (service, outcomes) in services.iter().zip(outcomes) {
        table.add_row(vec![
            comfy_table::Cell::new(service.id.as_str()),
            comfy_table::Cell::new(ui::yes_no(service.is_active)),
            comfy_table::Cell::new(interval_text(service, Task::Fetch)),
            comfy_table::Cell::new(interval_text(service, Task::Rca)),
            comfy_table::Cell::new(interval_text(service, Task::Index)),
            last_run_cell(service, Task::Fetch, outcomes, ctx),
            last_run_cell(service, Task::Rca, outcomes, ctx),
            last_run_cell(service, Task::Index, outcomes, ctx),
            next_cell(service, ctx),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

fn detail(
    ctx: &Context,
    service: &Service,
    counts: StatusCounts,
    index: Option<&CodeIndex>,
    outcomes: &Outcomes,
    out: &mut dyn Write,
) -> Result<()> {
    let title = if service.name == service.id.as_str() {
        service.id.to_string()
    } else {
        format!("{} ({})", service.id, service.name)
    };
    writeln!(out, "service        {title}")?;
    writeln!(out, "active         {}", ui::yes_no(service.is_active))?;
    writeln!(
        out,
        "repository     {} @ {}",
        service
            .git
            .repository_url
            .as_deref()
            .map_or_else(|| "none".into(), redact_credentials),
        service.git.branch
    )?;
    writeln!(
        out,
        "log sources    {} ({} active)",
        counts.log_sources, counts.active_log_sources
    )?;
    writeln!(out, "open clusters  {}", counts.open_clusters)?;
    match index {
        Some(index) => writeln!(
            out,
            "code index     {} ({}), {} files, {} symbols, {}\n",
            index.commit.get(..12).unwrap_or(&index.commit),
            index.branch,
            index.files,
            index.symbols,
            ui::ago(Some(index.indexed_at), ctx.now)
        )?,
        None => writeln!(out, "code index     none\n")?,
    }
    let mut table = ui::table(&["TASK", "EVERY", "LAST RUN", "OUTCOME", "NEXT"], ctx.color);
    for task in schedule::SCHEDULED {
        let next = match schedule::next_run(service, task) {
            Next::Off if !service.is_active => "inactive".to_string(),
            Next::Off => "off".to_string(),
            other => other
                .time(ctx.now)
                .map_or_else(|| "-".into(), |at| ui::until(at, ctx.now)),
        };
        let outcome = match outcomes.get(task.as_str()) {
            None => "-".to_string(),
            Some(o) if o.failures_since_success > 1 => format!(
                "{} ({} failures since the last success)",
                o.status, o.failures_since_success
            ),
            Some(o) => o.status.to_string(),
        };
        let outcome = match outcomes.get(task.as_str()) {
            Some(o) if o.failing() => ui::colored(&outcome, Color::Red, ctx.color),
            _ => comfy_table::Cell::new(outcome),
        };
        table.add_row(vec![
            comfy_table::Cell::new(task),
            comfy_table::Cell::new(interval_text(service, task)),
            comfy_table::Cell::new(ui::ago(schedule::last_run(service, task), ctx.now)),
            outcome,
            comfy_table::Cell::new(next),
        ]);
    }
    ui::write_table(out, &table)?;
    // Why a failing task fails, below the table: an error is too long for a column.
    let errors: Vec<(Task, &str)> = schedule::SCHEDULED
        .into_iter()
        .filter_map(|task| {
            let outcome = outcomes.get(task.as_str()).filter(|o| o.failing())?;
            Some((task, outcome.last_error.as_deref()?))
        })
        .collect();
    if !errors.is_empty() {
        writeln!(out)?;
    }
    for (task, error) in errors {
        // An error may quote outside text (a command's stderr, a server's reply).
        ui::write_text(out, &format!("{task} failed: {error}\n"))?;
    }
    Ok(())
}
