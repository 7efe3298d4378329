//! Command-line definitions (clap). Raw strings become typed values here, before any command runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::{parse_hours, parse_minutes};
use crate::service::{
    parse_email_flag, parse_repo_url, parse_webhook_flag, Cleared, ServiceId, Toggle,
};

/// luffy watches many services' logs and tells each team what broke and which commit probably
/// broke it.
#[derive(Debug, Parser)]
#[command(name = "luffy", version, about, max_term_width = 100)]
pub struct Cli {
    /// The SQLite database file (created on first use)
    #[arg(long, global = true, env = "LUFFY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The configuration file (optional; every key has a default)
    #[arg(long, global = true, env = "LUFFY_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Print data as JSON instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Say more about what luffy does (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Configure the services luffy watches
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Show every service's schedule at a glance, or one service in detail
    Status(StatusArgs),
    /// Mine log templates from files or standard input (offline)
    Patterns(PatternsArgs),
    /// Set up a demo database from the built-in examples and show its status
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Add a new service (refuses an existing id)
    Add(ServiceAddArgs),
    /// Change a service's settings; creates the service when it does not exist
    Set(ServiceSetArgs),
    /// Show one service's configuration
    Show(ServiceIdArg),
    /// List all services
    List,
    /// Remove a service and everything luffy knows about it
    Rm(ServiceRmArgs),
    /// Create or update services from a JSON or TOML file (`-` reads standard input)
    Import(ServiceImportArgs),
    /// Print services as TOML or JSON that `service import` reads back
    Export(ServiceExportArgs),
}

#[derive(Debug, Args)]
pub struct ServiceIdArg {
    /// The service's id
    #[arg(value_name = "ID")]
    pub id: ServiceId,
}

#[derive(Debug, Args)]
pub struct ServiceAddArgs {
    /// The service's id: letters, digits, '-', '_' and '.', at most 64 characters
    #[arg(value_name = "ID")]
    pub id: ServiceId,
    #[command(flatten)]
    pub settings: ServiceSettings,
}

#[derive(Debug, Args)]
pub struct ServiceSetArgs {
    /// The service's id (created when it does not exist)
    #[arg(value_name = "ID")]
    pub id: ServiceId,
    #[command(flatten)]
    pub settings: ServiceSettings,
}

/// The settable fields of a service; each flag left out leaves its field as it is.
#[derive(Debug, Args, Default, Clone)]
pub struct ServiceSettings {
    /// Display name (defaults to the id)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Git repository URL (https, http, ssh, git, file or user@host:path), or `none`
    #[arg(long, value_name = "URL", value_parser = parse_repo_url)]
    pub repo: Option<Cleared<String>>,
    /// Branch to index
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Local checkout of the repository, or `none` for the default under the data folder
    #[arg(long, value_name = "PATH")]
    pub repo_path: Option<String>,
    /// How often to fetch logs: minutes, or a duration such as 15m, 2h, 1h30m
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes, allow_hyphen_values = true)]
    pub log_interval: Option<u32>,
    /// How often to write root-cause reports: minutes, or a duration
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes, allow_hyphen_values = true)]
    pub rca_interval: Option<u32>,
    /// How often to index the repository: hours, or a duration such as 12h, 2d
    #[arg(long, value_name = "DURATION", value_parser = parse_hours, allow_hyphen_values = true)]
    pub index_interval: Option<u32>,
    /// Write root-cause reports
    #[arg(long, value_name = "on|off")]
    pub rca: Option<Toggle>,
    /// Index the repository
    #[arg(long, value_name = "on|off")]
    pub indexing: Option<Toggle>,
    /// Send notifications
    #[arg(long, value_name = "on|off")]
    pub notify: Option<Toggle>,
    /// Run this service's tasks at all
    #[arg(long, value_name = "on|off")]
    pub active: Option<Toggle>,
    /// Webhook for notifications: an http(s) URL, `env:VAR` to read it from a variable, or `none`
    #[arg(long, value_name = "URL", value_parser = parse_webhook_flag)]
    pub webhook: Option<Cleared<String>>,
    /// Email address for notifications, or `none`
    #[arg(long, value_name = "ADDR", value_parser = parse_email_flag)]
    pub email: Option<Cleared<String>>,
}

#[derive(Debug, Args)]
pub struct ServiceRmArgs {
    /// The service's id
    #[arg(value_name = "ID")]
    pub id: ServiceId,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ServiceImportArgs {
    /// A JSON or TOML file with one service or a list; `-` reads standard input
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the file and say what would change, without writing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    #[default]
    Toml,
    Json,
}

#[derive(Debug, Args)]
pub struct ServiceExportArgs {
    /// Export only this service
    #[arg(value_name = "ID")]
    pub id: Option<ServiceId>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Toml)]
    pub format: ExportFormat,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Show this service in detail
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
}

#[derive(Debug, Args)]
pub struct PatternsArgs {
    /// Log files to mine; `-` reads standard input
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Show at most this many templates (0: all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Hide templates seen fewer than N times
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_count: u64,
    /// Print one row per input line: LINE_NUMBER<TAB>PATTERN_ID<TAB>TEMPLATE
    #[arg(long)]
    pub assign: bool,
    /// Treat each line as the message as it is (no header detection)
    #[arg(long)]
    pub message_only: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo database (default: a new temporary folder, kept afterwards)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The clap command, for completions and for tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
