//! `luffy deploy add | list | rm`: which version of a service ran from when. Root-cause reports
//! blame the version that ran at a cluster's first-seen, not the branch as it was then.

use std::io::Write;

use anyhow::Result;

use super::{unknown_service, Context};
use crate::cli::{DeployAddArgs, DeployCommand, DeployListArgs, DeployRmArgs};
use crate::error::bad_input;
use crate::service::ServiceId;
use crate::sources::since::{parse_since, Since};
use crate::store::{time_to_sql, Deploy, DeploySource, NewDeploy};
use crate::ui;

/// Runs one `deploy` subcommand.
pub fn run(ctx: &Context, command: &DeployCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        DeployCommand::Add(args) => add(ctx, args, out),
        DeployCommand::List(args) => list(ctx, args, out),
        DeployCommand::Rm(args) => rm(ctx, args, out),
    }
}

/// A deploy as `--json` prints it.
fn deploy_json(d: &Deploy) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "service_id": d.service_id,
        "commit": d.commit,
        "rev": d.rev,
        "deployed_at": time_to_sql(d.deployed_at),
        "env": d.env,
        "source": d.source.as_str(),
    })
}

fn add(ctx: &Context, args: &DeployAddArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let Some(service) = store.db().service(&args.service)? else {
        return Err(unknown_service(&store.db(), &args.service));
    };
    let rev = args.rev.trim();
    if rev.is_empty() {
        return Err(bad_input("REV cannot be empty"));
    }
    let deployed_at = match args.at.as_deref() {
        None => ctx.now,
        Some(text) => match parse_since(text)
            .map_err(|err| bad_input(format!("invalid value for '--at': {err}")))?
        {
            Since::At(time) => time,
            Since::Ago(span) => ctx.now - span,
        },
    };
    if deployed_at > ctx.now {
        return Err(bad_input(format!(
            "--at {} is in the future (now is {})",
            time_to_sql(deployed_at),
            time_to_sql(ctx.now)
        )));
    }
    let env_name = args.env.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let task_env = ctx.task_env();
    let spec = crate::tasks::index::repo_spec(&service, &task_env)
        .map_err(|err| bad_input(format!("cannot record a deploy of {}: {err:#}", service.id)))?;
    let commit = crate::code::revs::resolve(&spec, rev)?.ok_or_else(|| {
        let what = if crate::code::revs::is_commit_id(rev) {
            "a commit"
        } else {
            "a commit, tag or branch"
        };
        bad_input(format!(
            "'{rev}' is not {what} of {}'s repository ({})",
            service.id,
            service.git.repository_url.as_deref().map_or_else(
                || spec.path.display().to_string(),
                crate::service::redact_credentials
            )
        ))
    })?;
    let commit = commit.to_string();
    let id = store.write(|db| {
        db.insert_deploy(
            &NewDeploy {
                service_id: service.id.as_str(),
                commit: Some(&commit),
                rev,
                deployed_at,
                env: env_name,
                source: DeploySource::Cli,
            },
            ctx.now,
        )
    })?;
    let deploy = store
        .db()
        .deploy(id)?
        .ok_or_else(|| anyhow::anyhow!("deploy {id} vanished after it was recorded"))?;
    if ctx.json {
        ui::write_json(out, &deploy_json(&deploy))?;
        return Ok(());
    }
    let named = if commit.starts_with(rev) {
        String::new()
    } else {
        format!(" ({rev})")
    };
    let env_text = env_name.map_or_else(String::new, |e| format!(" to {e}"));
    ui::write_text(
        out,
        &format!(
            "recorded deploy {id} of {}: {}{named}{env_text} at {}\n",
            service.id,
            &commit[..12],
            time_to_sql(deployed_at)
        ),
    )?;
    Ok(())
}

fn list(ctx: &Context, args: &DeployListArgs, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    if let Some(id) = &args.service {
        if db.service(id)?.is_none() {
            return Err(unknown_service(&db, id));
        }
    }
    let deploys = db.deploys(args.service.as_ref().map(ServiceId::as_str))?;
    if ctx.json {
        let rows: Vec<serde_json::Value> = deploys.iter().map(deploy_json).collect();
        ui::write_json(out, &rows)?;
        return Ok(());
    }
    if deploys.is_empty() {
        writeln!(out, "no deploys")?;
        return Ok(());
    }
    let mut table = ui::table(
        &[
            "ID", "SERVICE", "COMMIT", "REV", "DEPLOYED", "ENV", "SOURCE",
        ],
        ctx.color,
    );
    for d in &deploys {
        table.add_row(vec![
            d.id.to_string(),
            d.service_id.clone(),
            d.commit
                .as_deref()
                .map_or_else(|| "-".into(), |c| c[..c.len().min(12)].to_string()),
            d.rev.clone(),
            format!(
                "{} ({})",
                time_to_sql(d.deployed_at),
                ui::ago(Some(d.deployed_at), ctx.now)
            ),
            d.env.clone().unwrap_or_else(|| "-".into()),
            d.source.as_str().to_string(),
        ]);
    }
    ui::write_table(out, &table)?;
    Ok(())
}

fn rm(ctx: &Context, args: &DeployRmArgs, out: &mut dyn Write) -> Result<()> {
    let mut store = ctx.open_store()?;
    let id = args.id;
    let Some(deploy) = store.db().deploy(id)? else {
        return Err(bad_input(format!(
            "no deploy {id} (see `luffy deploy list`)"
        )));
    };
    store.write(|db| db.remove_deploy(id))?;
    if ctx.json {
        ui::write_json(out, &serde_json::json!({ "removed": deploy_json(&deploy) }))?;
    } else {
        ui::write_text(
            out,
            &format!(
                "removed deploy {id} of {} ({})\n",
                deploy.service_id, deploy.rev
            ),
        )?;
    }
    Ok(())
}
