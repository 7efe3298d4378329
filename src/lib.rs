//! luffy watches many services' logs and tells each team what broke and which commit probably
//! broke it: one binary, one SQLite file, cron or a foreground daemon.
//!
//! `main.rs` parses the command line and calls [`run`]; everything else lives in this library.

pub mod cli;
pub mod code;
pub mod commands;
pub mod config;
pub mod domain;
pub mod duration;
pub mod error;
pub mod escape;
pub mod grouping;
pub mod hash;
pub mod header;
pub mod ingest;
pub mod notify;
pub mod parse;
pub mod paths;
pub mod rca;
pub mod schedule;
pub mod serve;
pub mod service;
pub mod service_file;
pub mod sources;
pub mod store;
pub mod suggest;
pub mod tasks;
pub mod template;
pub mod text;
pub mod triage;
pub mod ui;

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::cli::{Cli, Command};
use crate::commands::Context;
use crate::config::Config;
use crate::error::bad_input;

/// Runs a parsed command line, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<()> {
    match &cli.command {
        Command::Completions(args) => return commands::completions::run(args.shell, out),
        Command::Patterns(args) => return commands::patterns::run(args, cli.json, out),
        _ => {}
    }
    let ctx = context(cli)?;
    match &cli.command {
        Command::Service(command) => commands::service::run(&ctx, command, out),
        Command::Source(command) => commands::source::run(&ctx, command, out),
        Command::Status(args) => commands::status::run(&ctx, args, out),
        Command::Trigger(args) => commands::run::trigger(&ctx, args, out),
        Command::History(args) => commands::run::history(&ctx, args, out),
        Command::RunDue(args) => commands::schedule::run_due(&ctx, args, out),
        Command::Daemon(args) => commands::schedule::daemon(&ctx, args, out),
        Command::Clusters(args) => commands::clusters::list(&ctx, args, out),
        Command::Cluster(command) => commands::clusters::run(&ctx, command, out),
        Command::Code(command) => commands::code::run(&ctx, command, out),
        Command::Notify(command) => commands::notify::run(&ctx, command, out),
        Command::Rca(command) => commands::rca::run(&ctx, command, out),
        Command::Deploy(command) => commands::deploy::run(&ctx, command, out),
        Command::Rule(command) => commands::rules::run(&ctx, command, out),
        Command::Serve(args) => serve::run(&ctx, &args.listen, out),
        Command::Demo(args) => commands::demo::run(&ctx, args, out),
        Command::Completions(_) | Command::Patterns(_) => Ok(()),
    }
}

fn context(cli: &Cli) -> Result<Context> {
    let db_path = match &cli.db {
        Some(path) => path.clone(),
        None => paths::default_db_path()?,
    };
    let config_path = cli.config.clone().or_else(paths::default_config_path);
    let config = match &config_path {
        Some(path) => Config::load(path, cli.config.is_some())?,
        None => Config::default(),
    };
    if cli.verbose > 0 {
        ui::to_stderr(&format!("luffy: database {}", db_path.display()));
        match config_path.filter(|path| path.exists()) {
            Some(path) => ui::to_stderr(&format!("luffy: config {}", path.display())),
            None => ui::to_stderr("luffy: no config file; using defaults"),
        }
    }
    Ok(Context {
        db_path,
        config,
        now: now()?,
        json: cli.json,
        color: ui::use_color(),
        quiet: cli.quiet,
        fetch: tasks::fetch::FetchOptions::from_env(),
    })
}

/// The time now, or the time in `LUFFY_NOW` (RFC 3339), which tests use to fix the clock.
fn now() -> Result<DateTime<Utc>> {
    match std::env::var("LUFFY_NOW") {
        Ok(text) if !text.is_empty() => DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|err| bad_input(format!("LUFFY_NOW '{text}' is not an RFC 3339 time: {err}"))),
        _ => Ok(Utc::now()),
    }
}
