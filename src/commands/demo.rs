//! `luffy demo`: a self-contained database with the example services, and its status.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};

use super::{status, Context};
use crate::cli::{DemoArgs, StatusArgs};
use crate::service::Service;
use crate::service_file::{self, Format};
use crate::store::Store;

/// The seed's three services, as shipped in `examples/services.toml`.
const EXAMPLE_SERVICES: &str = include_str!("../../examples/services.toml");

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
        Ok(created)
    })?;
    drop(store);
    if !ctx.json {
        writeln!(
            out,
            "demo database {} ({created} example services added)\n",
            db_path.display()
        )?;
    }
    let demo_ctx = Context {
        db_path: db_path.clone(),
        config: ctx.config.clone(),
        now: ctx.now,
        json: ctx.json,
        color: ctx.color,
        quiet: ctx.quiet,
    };
    status::run(&demo_ctx, &StatusArgs { service: None }, out)?;
    if !ctx.json {
        writeln!(
            out,
            "\nexplore it:  luffy --db {} status web-app",
            shell_quote(&db_path)
        )?;
    }
    Ok(())
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
