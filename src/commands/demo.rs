//! `luffy demo`: a self-contained database with the example services, a fetch of web-app's demo
//! log, the status and the clusters found.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::{clusters, status, Context};
use crate::cli::{ClustersArgs, DemoArgs, StatusArgs};
use crate::service::Service;
use crate::service_file::{self, Format};
use crate::sources::{FileSettings, LogSource, SourceSettings};
use crate::store::Store;
use crate::tasks::{self, Task, TaskCounts, Trigger};

/// The seed's three services, as shipped in `examples/services.toml`.
const EXAMPLE_SERVICES: &str = include_str!("../../examples/services.toml");
/// A short application log of web-app with errors, tracebacks and noise.
const DEMO_LOG: &str = include_str!("../../examples/demo/web-app.log");

/// Runs the demo in `args.dir` (or a new folder under the system's temporary folder).
pub fn run(ctx: &Context, args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("luffy-demo-{}", ctx.now.format("%Y%m%d-%H%M%S")))
    });
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("could not create demo folder {}", dir.display()))?;
    let db_path = dir.join("luffy.db");
    let mut store = Store::open(&db_path)?;
    let entries = service_file::parse(EXAMPLE_SERVICES, Some(Format::Toml))
        .map_err(|err| anyhow::anyhow!("built-in examples are invalid: {err}"))?;
    let log = dir.join("web-app.log");
    if !log.exists() {
        std::fs::write(&log, shift_to_now(DEMO_LOG, ctx.now))
            .with_context(|| format!("could not write the demo log {}", log.display()))?;
    }
    let created = store.write(|db| {
        let mut created = 0;
        for entry in &entries {
            if db.service(&entry.id)?.is_none() {
                let mut service = Service::new(entry.id.clone(), ctx.now);
                entry.patch.apply(&mut service);
                db.insert_service(&service)?;
                created += 1;
            }
        }
        if db.source("web-app", "app")?.is_none() {
            db.insert_source(&LogSource {
                id: 0,
                service_id: "web-app".into(),
                name: "app".into(),
                settings: SourceSettings::File(FileSettings {
                    path: log.to_string_lossy().into_owned(),
                    from_end: false,
                    format: crate::sources::wrapper::LineFormat::Auto,
                    timezone: None,
                }),
                is_active: true,
                cursor: None,
                created_at: ctx.now,
                updated_at: ctx.now,
            })?;
        }
        Ok(created)
    })?;
    let web = store
        .db()
        .service(&"web-app".parse().map_err(anyhow::Error::msg)?)?
        .context("the demo service web-app is missing")?;
    let report = tasks::run(
        &mut store,
        &web,
        Task::Fetch,
        Trigger::Manual,
        &ctx.task_env(),
    )?;
    let TaskCounts::Fetch(counts) = &report.counts else {
        anyhow::bail!("the demo's fetch reported no fetch counts");
    };
    drop(store);
    if !ctx.json {
        let c = counts;
        writeln!(
            out,
            "demo database {} ({created} example services added)\n\n\
             fetched web-app from {}: {} lines, {} records, {} errors in {} new clusters\n",
            db_path.display(),
            log.display(),
            c.lines,
            c.records,
            c.events,
            c.new_clusters
        )?;
    }
    let demo_ctx = Context {
        db_path: db_path.clone(),
        config: ctx.config.clone(),
        now: ctx.now,
        json: ctx.json,
        color: ctx.color,
        quiet: ctx.quiet,
        fetch: ctx.fetch,
    };
    status::run(&demo_ctx, &StatusArgs { service: None }, out)?;
    if !ctx.json {
        writeln!(out)?;
        let args = ClustersArgs {
            service: None,
            status: None,
        };
        clusters::list(&demo_ctx, &args, out)?;
        let db = shell_quote(&db_path);
        writeln!(
            out,
            "\nexplore it:\n  luffy --db {db} cluster show 2\n  luffy --db {db} history\n  \
             luffy --db {db} status web-app"
        )?;
    }
    Ok(())
}

/// The demo log with its times moved so that its last record is five minutes old.
fn shift_to_now(text: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    const FORMAT: &str = "%Y-%m-%d %H:%M:%S";
    let parse = |line: &str| {
        line.get(..19)
            .and_then(|head| chrono::NaiveDateTime::parse_from_str(head, FORMAT).ok())
    };
    let Some(last) = text.lines().rev().find_map(parse) else {
        return text.to_string();
    };
    let shift = now.naive_utc() - chrono::Duration::minutes(5) - last;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match parse(line) {
            Some(time) => {
                out.push_str(&(time + shift).format(FORMAT).to_string());
                out.push_str(&line[19..]);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
