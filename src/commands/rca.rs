//! `luffy rca show CLUSTER [--json|--markdown] [--all]`: a cluster's latest root-cause report,
//! or every report it has had.

use std::io::Write;

use anyhow::{Context as _, Result};

use super::Context;
use crate::cli::{RcaCommand, RcaShowArgs};
use crate::error::bad_input;
use crate::store::StoredReport;
use crate::ui;

/// Runs one `rca` subcommand.
pub fn run(ctx: &Context, command: &RcaCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        RcaCommand::Show(args) => show(ctx, args, out),
    }
}

fn json_of(report: &StoredReport) -> Result<serde_json::Value> {
    serde_json::from_str(&report.json).with_context(|| {
        format!(
            "report {} of cluster {} is not valid JSON",
            report.generation, report.cluster_id
        )
    })
}

/// Prints a cluster's latest report, or every report with `--all`.
pub fn show(ctx: &Context, args: &RcaShowArgs, out: &mut dyn Write) -> Result<()> {
    if ctx.json && args.markdown {
        return Err(bad_input("--json and --markdown cannot be used together"));
    }
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    let id = args.cluster;
    let cluster = db
        .cluster(id)?
        .ok_or_else(|| bad_input(format!("no cluster {id} (see `luffy clusters`)")))?;
    let reports = db.rca_reports(id)?;
    if reports.is_empty() {
        return Err(bad_input(format!(
            "cluster {id} has no root-cause report yet; write one with `luffy trigger rca {}`",
            cluster.service_id
        )));
    }
    let shown = if args.all {
        &reports[..]
    } else {
        &reports[..1]
    };
    if ctx.json {
        if args.all {
            let all = shown.iter().map(json_of).collect::<Result<Vec<_>>>()?;
            ui::write_json(out, &all)?;
        } else {
            ui::write_json(out, &json_of(&shown[0])?)?;
        }
        return Ok(());
    }
    if args.all && !args.markdown {
        let mut table = ui::table(
            &["GENERATION", "WRITTEN", "COMMIT", "TOP SUSPECT", "MODEL"],
            ctx.color,
        );
        for r in shown {
            let value = json_of(r)?;
            let top = value["suspects"][0]["commit"]
                .as_str()
                .map_or_else(|| "-".to_string(), |c| c.get(..12).unwrap_or(c).to_string());
            table.add_row(vec![
                r.generation.to_string(),
                ui::ago(Some(r.generated_at), ctx.now),
                r.commit
                    .as_deref()
                    .map_or("-", |c| c.get(..12).unwrap_or(c))
                    .to_string(),
                top,
                r.model.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        ui::write_table(out, &table)?;
        return Ok(());
    }
    for (i, r) in shown.iter().enumerate() {
        if i > 0 {
            writeln!(out, "\n---\n")?;
        }
        ui::write_text(out, &r.markdown)?;
    }
    Ok(())
}
