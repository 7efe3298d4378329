//! `luffy notify list | retry | test`: the outbox, a manual retry, and a test of a service's
//! channels.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use super::{unknown_service, Context};
use crate::cli::{NotifyCommand, NotifyListArgs, NotifyRetryArgs, NotifyTestArgs};
use crate::error::bad_input;
use crate::notify::message::{Item, ServiceRef, SCHEMA_VERSION};
use crate::notify::{self, channels, Channel, ChannelKind};
use crate::service::{redact_url, Service, ServiceId};
use crate::store::{time_to_sql, Notification, Store};
use crate::tasks::{self, TaskCounts, TaskStatus, Trigger};
use crate::ui;

/// Runs a `luffy notify` command.
pub fn run(ctx: &Context, command: &NotifyCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        NotifyCommand::List(args) => list(ctx, args, out),
        NotifyCommand::Retry(args) => retry(ctx, args, out),
        NotifyCommand::Test(args) => test(ctx, args, out),
    }
}

/// A notification's target as it may be printed.
pub(crate) fn shown_target(n: &Notification) -> String {
    match ChannelKind::parse(&n.channel) {
        Some(kind) => crate::notify::channel::shown(kind, &n.target),
        None => redact_url(&n.target),
    }
}

fn list(ctx: &Context, args: &NotifyListArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    if let Some(id) = &args.service {
        if db.service(id)?.is_none() {
            return Err(unknown_service(&db, id));
        }
    }
    let rows = db.notifications(
        args.service.as_ref().map(ServiceId::as_str),
        args.status,
        args.limit,
    )?;
    if ctx.json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|n| {
                json!({
                    "id": n.id,
                    "service_id": n.service_id,
                    "cluster_id": n.cluster_id,
                    "channel": n.channel,
                    "target": shown_target(n),
                    "event": n.event.as_str(),
                    "status": n.status.as_str(),
                    "attempts": n.attempts,
                    "created_at": time_to_sql(n.created_at),
                    "next_attempt": time_to_sql(n.next_attempt),
                    "delivered_at": n.delivered_at.map(time_to_sql),
                    "last_error": n.last_error,
                })
            })
            .collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "no notifications")?;
        return Ok(());
    }
    let mut table = ui::table(
        &[
            "ID",
            "SERVICE",
            "CLUSTER",
            "CHANNEL",
            "EVENT",
            "STATUS",
            "ATTEMPTS",
            "CREATED",
            "NEXT",
            "LAST ERROR",
        ],
        ctx.color,
    );
    for n in &rows {
        let next = match n.status {
            crate::domain::NotifyStatus::Pending | crate::domain::NotifyStatus::Retrying => {
                ui::until(n.next_attempt, ctx.now)
            }
            _ => "-".into(),
        };
        table.add_row(vec![
            n.id.to_string(),
            n.service_id.clone(),
            n.cluster_id.map_or_else(|| "-".into(), |c| c.to_string()),
            format!("{} {}", n.channel, shown_target(n)),
            n.event.to_string(),
            n.status.to_string(),
            n.attempts.to_string(),
            ui::ago(Some(n.created_at), ctx.now),
            next,
            n.last_error.clone().unwrap_or_default(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

fn retry(ctx: &Context, args: &NotifyRetryArgs, out: &mut dyn Write) -> Result<()> {
    if args.all {
        return retry_all(ctx, args.target.as_deref(), out);
    }
    let id: i64 = match args.target.as_deref() {
        None => {
            return Err(bad_input(
                "give a notification id, or --all [SERVICE] (see `luffy notify list`)",
            ))
        }
        Some(target) => target.parse().map_err(|_| {
            bad_input(format!(
                "'{target}' is no notification id (a whole number; for a service's: --all {target})"
            ))
        })?,
    };
    let mut store = ctx.open_store()?;
    let Some(row) = store.db().notification(id)? else {
        return Err(bad_input(format!(
            "no notification {id} (see `luffy notify list`)"
        )));
    };
    if row.status == crate::domain::NotifyStatus::Delivered {
        return Err(bad_input(format!(
            "notification {id} was delivered already"
        )));
    }
    store.write(|db| db.retry_notification(id, ctx.now))?;
    let service_id: ServiceId = row
        .service_id
        .parse()
        .map_err(|err: String| anyhow::anyhow!(err))?;
    let service = store
        .db()
        .service(&service_id)?
        .ok_or_else(|| anyhow::anyhow!("the service {service_id} of notification {id} is gone"))?;
    let report = deliver(&mut store, &service, ctx)?;
    let after = store.db().notification(id)?;
    if ctx.json {
        ui::write_json(out, &report)?;
    } else if let (TaskCounts::Notify(_), Some(after)) = (&report.counts, &after) {
        writeln!(
            out,
            "notification {}: {}{}",
            after.id,
            after.status,
            after
                .last_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )?;
    }
    match after.map(|n| n.status) {
        Some(crate::domain::NotifyStatus::Delivered) => Ok(()),
        _ if report.status == TaskStatus::Skipped => anyhow::bail!("{}", report.errors.join("; ")),
        _ => anyhow::bail!("notification {id} was not delivered"),
    }
}

/// `notify retry --all [SERVICE]`: every pending and retrying notification (of the service, or
/// of all) due now and delivered now, service by service.
fn retry_all(ctx: &Context, service: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    if let Some(name) = service {
        let id: ServiceId = name.parse().map_err(|err: String| bad_input(err))?;
        if store.db().service(&id)?.is_none() {
            return Err(bad_input(format!(
                "no service '{name}' (see `luffy service list`)"
            )));
        }
    }
    let services = store.write(|db| db.retry_waiting_notifications(service, ctx.now))?;
    let mut reports = Vec::new();
    let mut left = 0;
    for name in &services {
        let id: ServiceId = name.parse().map_err(|err: String| anyhow::anyhow!(err))?;
        let Some(service) = store.db().service(&id)? else {
            continue; // removed meanwhile: its outbox went with it
        };
        let report = deliver(&mut store, &service, ctx)?;
        if let TaskCounts::Notify(counts) = &report.counts {
            left += counts.retrying + counts.dead;
            if !ctx.json {
                super::run::print_notify(name, counts, out)?;
            }
        }
        reports.push(report);
    }
    if ctx.json {
        ui::write_json(out, &reports)?;
    } else if services.is_empty() {
        writeln!(
            out,
            "nothing waits in the outbox{}",
            service.map(|s| format!(" of {s}")).unwrap_or_default()
        )?;
    }
    if left > 0 {
        anyhow::bail!("{left} notification(s) were not delivered (see `luffy notify list`)");
    }
    Ok(())
}

fn test(ctx: &Context, args: &NotifyTestArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    let service = db
        .service(&args.service)?
        .ok_or_else(|| unknown_service(&db, &args.service))?;
    let channels: Vec<Channel> = channels(&service.notification);
    if channels.is_empty() {
        return Err(bad_input(format!(
            "service {} has no notification channels; give it --webhook or --email",
            service.id
        )));
    }
    let item = Item {
        version: SCHEMA_VERSION,
        event: "test".into(),
        service: ServiceRef {
            id: service.id.to_string(),
            name: service.name.clone(),
        },
        cluster: None,
        rca: None,
        created_at: time_to_sql(ctx.now),
    };
    let mut failed = 0;
    let mut results = Vec::new();
    for channel in &channels {
        let result = notify::send(
            channel,
            std::slice::from_ref(&item),
            &ctx.config,
            &crate::tasks::notify::links(&ctx.config, &ctx.db_path),
        );
        let error = result.err().map(|err| format!("{err:#}"));
        failed += usize::from(error.is_some());
        if !ctx.json {
            match &error {
                None => writeln!(out, "{} {}: ok", channel.kind.as_str(), channel.shown())?,
                Some(err) => writeln!(
                    out,
                    "{} {}: failed: {err}",
                    channel.kind.as_str(),
                    channel.shown()
                )?,
            }
        }
        results.push(json!({
            "channel": channel.kind.as_str(),
            "target": channel.shown(),
            "ok": error.is_none(),
            "error": error,
        }));
    }
    if ctx.json {
        ui::write_json(out, &results)?;
    }
    if !service.notification.enabled && !ctx.json {
        writeln!(
            out,
            "note: notifications of {} are off (--notify on)",
            service.id
        )?;
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} channel(s) of {} failed",
            channels.len(),
            service.id
        );
    }
    Ok(())
}

/// The service's notify task, run now (as `trigger notify` runs it).
fn deliver(
    store: &mut Store,
    service: &Service,
    ctx: &Context,
) -> Result<tasks::TaskReport<TaskCounts>> {
    tasks::run(
        store,
        service,
        tasks::Task::Notify,
        Trigger::Manual,
        &ctx.task_env(),
    )
}
