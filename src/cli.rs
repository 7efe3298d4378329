//! Command-line definitions (clap). Raw strings become typed values here, before any command runs.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::{ClusterStatus, NotifyStatus, Task};
use crate::duration::{parse_hours, parse_minutes};
use crate::service::{
    parse_email_flag, parse_repo_url, parse_webhook_flag, Cleared, ServiceId, Toggle,
};
use crate::sources::wrapper::LineFormat;
use crate::sources::SourceKind;
use crate::tasks;
use crate::triage::{parse_count, parse_rate, parse_snooze_for, Rate};

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
    /// Configure where a service's logs come from
    #[command(subcommand)]
    Source(SourceCommand),
    /// Show every service's schedule at a glance, or one service in detail
    Status(StatusArgs),
    /// Run one task of a service now, whatever its schedule
    Trigger(TriggerArgs),
    /// Run every task that is due, for every active service (for cron)
    RunDue(RunDueArgs),
    /// Run due tasks in a loop, in the foreground, until SIGINT or SIGTERM
    Daemon(DaemonArgs),
    /// Show the task runs of one service or all
    History(HistoryArgs),
    /// List error clusters
    Clusters(ClustersArgs),
    /// Inspect or triage one cluster
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Say how a service's errors group: rules that match records and group them by type, by
    /// message or into one named cluster, or ignore them
    #[command(subcommand)]
    Rule(RuleCommand),
    /// Ask the code index: the symbol at a file's line, or where a symbol is
    #[command(subcommand)]
    Code(CodeCommand),
    /// The notification outbox: list, retry, and test a service's channels
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Show root-cause reports
    #[command(subcommand)]
    Rca(RcaCommand),
    /// Record which version of a service was deployed when: blame reads the version that ran
    #[command(subcommand)]
    Deploy(DeployCommand),
    /// Serve the REST API, a dashboard and /metrics over HTTP, until SIGINT or SIGTERM
    Serve(ServeArgs),
    /// Mine log templates from files or standard input (offline)
    Patterns(PatternsArgs),
    /// Run luffy on a built-in demo: example services, a sample log fetched and clustered, a
    /// repository indexed, root-cause reports and the notifications waiting in the outbox
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
    /// Git repository: https, http, ssh, git or file URL, user@host:path, an absolute path, or
    /// `none`
    #[arg(long, value_name = "URL", value_parser = parse_repo_url)]
    pub repo: Option<Cleared<String>>,
    /// Branch to index [a new service: main]
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Local checkout of the repository, or `none` for the default under the data folder
    #[arg(long, value_name = "PATH")]
    pub repo_path: Option<String>,
    /// The environment variable that holds an https token for the repository, or `none`
    #[arg(long, value_name = "VAR")]
    pub git_token_env: Option<String>,
    /// A private ssh key for the repository (absolute path), or `none` to use the ssh agent
    #[arg(long, value_name = "PATH")]
    pub ssh_key: Option<String>,
    /// Map frame paths to repository paths: FROM=TO, e.g. /app/=src/ (repeat; `none` clears)
    #[arg(long = "path-map", value_name = "FROM=TO")]
    pub path_maps: Vec<String>,
    /// How often to fetch logs: minutes, or a duration such as 15m, 2h, 1h30m [a new service:
    /// 30 minutes]
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes, allow_hyphen_values = true)]
    pub log_interval: Option<u32>,
    /// How often to write root-cause reports: minutes, or a duration [a new service: 15
    /// minutes]
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes, allow_hyphen_values = true)]
    pub rca_interval: Option<u32>,
    /// How often to index the repository: hours, or a duration such as 12h, 2d [a new service:
    /// 24 hours]
    #[arg(long, value_name = "DURATION", value_parser = parse_hours, allow_hyphen_values = true)]
    pub index_interval: Option<u32>,
    /// Write root-cause reports [a new service: on]
    #[arg(long, value_name = "on|off")]
    pub rca: Option<Toggle>,
    /// Index the repository [a new service: on]
    #[arg(long, value_name = "on|off")]
    pub indexing: Option<Toggle>,
    /// Send notifications [a new service: on]
    #[arg(long, value_name = "on|off")]
    pub notify: Option<Toggle>,
    /// Run this service's tasks at all [a new service: on]
    #[arg(long, value_name = "on|off")]
    pub active: Option<Toggle>,
    /// The lowest level that becomes an event (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) [a new
    /// service: ERROR]
    #[arg(long, value_name = "LEVEL")]
    pub levels: Option<String>,
    /// A path prefix of application code in stack frames (repeat; `none` clears)
    #[arg(long = "app-path", value_name = "PREFIX")]
    pub app_paths: Vec<String>,
    /// A package or module prefix of application code (repeat; `none` clears)
    #[arg(long = "app-package", value_name = "PREFIX")]
    pub app_packages: Vec<String>,
    /// Commits that started running more than this many days before an error was first seen
    /// are not suspects, or `none` for `[rca] suspect_window_days` [default: 90]
    #[arg(long, value_name = "DAYS|none")]
    pub suspect_window: Option<String>,
    /// Webhooks for notifications, comma-separated: each an http(s) URL or `env:VAR` (a variable
    /// holding it), optionally KIND= first (slack, googlechat, teams, generic; else inferred from
    /// the URL), or `github=API_URL/repos/OWNER/REPO` (an issue per new cluster); or `none`
    #[arg(long, value_name = "URL", value_parser = parse_webhook_flag)]
    pub webhook: Option<Cleared<String>>,
    /// Email recipients for notifications, comma-separated, or `none`
    #[arg(long, value_name = "ADDR", value_parser = parse_email_flag)]
    pub email: Option<Cleared<String>>,
    /// One notification per cluster and event within this long: minutes, or a duration [a new
    /// service: 1h]
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes, allow_hyphen_values = true)]
    pub notify_cooldown: Option<u32>,
    /// Tell of a new cluster only once it has N events within DURATION (log time), as in
    /// 5/10m [a new service: 1/1m, every new cluster at once]
    #[arg(long, value_name = "N/DURATION", value_parser = parse_rate, allow_hyphen_values = true)]
    pub notify_threshold: Option<Rate>,
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

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a log source to a service
    Add(SourceAddArgs),
    /// Change a log source's settings (only the flags given)
    Set(SourceSetArgs),
    /// List the log sources of one service or of all
    List(SourceListArgs),
    /// Remove a log source and its cursor
    Rm(SourceRefArgs),
    /// Check that a source can be read, and show what it holds
    Test(SourceRefArgs),
}

#[derive(Debug, Args)]
pub struct SourceRefArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// The source's name within the service
    #[arg(value_name = "NAME")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct SourceListArgs {
    /// Only this service's sources
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
}

#[derive(Debug, Args)]
pub struct SourceAddArgs {
    #[command(flatten)]
    pub source: SourceRefArgs,
    /// file, elasticsearch, opensearch, loki or command
    #[arg(long, value_name = "KIND", value_parser = SourceKind::parse)]
    pub kind: SourceKind,
    #[command(flatten)]
    pub options: SourceOptions,
}

#[derive(Debug, Args)]
pub struct SourceSetArgs {
    #[command(flatten)]
    pub source: SourceRefArgs,
    #[command(flatten)]
    pub options: SourceOptions,
}

/// Per-kind source settings; each flag applies to the kinds its help names.
#[derive(Debug, Args, Default, Clone)]
pub struct SourceOptions {
    /// file: a path or glob
    #[arg(long, value_name = "PATH_OR_GLOB", help_heading = "File")]
    pub path: Option<String>,
    /// file: start the first fetch at the end of the file instead of its start
    #[arg(long, help_heading = "File")]
    pub from_end: bool,
    /// file, command: how lines are wrapped: cri (Kubernetes), docker (json-file), plain, or
    /// auto (told from each file's or run's first line) [default: auto]
    #[arg(long, value_name = "FORMAT", value_parser = parse_line_format)]
    pub format: Option<LineFormat>,
    /// file, command: the IANA zone of times written without one (Europe/Berlin), or none for
    /// UTC [default: UTC]
    #[arg(long, value_name = "ZONE|none", value_parser = parse_timezone_flag)]
    pub timezone: Option<Cleared<String>>,
    /// every kind: the field of a JSON or logfmt record that names the service's version (a
    /// commit or a tag), read before service.version, version, app.version, git.commit,
    /// commit, git_sha and revision; none to clear
    #[arg(long, value_name = "FIELD")]
    pub version_field: Option<String>,
    /// elasticsearch, opensearch, loki: the server's base URL
    #[arg(long, value_name = "URL", help_heading = "Remote")]
    pub url: Option<String>,
    /// elasticsearch, opensearch: index pattern, e.g. logs-web-*
    #[arg(long, value_name = "PATTERN", help_heading = "Search")]
    pub index: Option<String>,
    /// elasticsearch, opensearch: a JSON query clause added as a filter (default: level ERROR or
    /// above); loki: the LogQL selector
    #[arg(long, value_name = "QUERY", help_heading = "Remote")]
    pub query: Option<String>,
    /// elasticsearch, opensearch: the timestamp field [default: @timestamp]
    #[arg(long, value_name = "FIELD", help_heading = "Search")]
    pub timestamp_field: Option<String>,
    /// elasticsearch, opensearch: the message field [default: message]
    #[arg(long, value_name = "FIELD", help_heading = "Search")]
    pub message_field: Option<String>,
    /// elasticsearch, opensearch: the level field [default: level]
    #[arg(long, value_name = "FIELD", help_heading = "Search")]
    pub level_field: Option<String>,
    /// elasticsearch, opensearch: a field holding the stack trace
    #[arg(long, value_name = "FIELD", help_heading = "Search")]
    pub stack_field: Option<String>,
    /// elasticsearch, opensearch, loki: user for basic authentication
    #[arg(long, value_name = "USER", help_heading = "Remote")]
    pub username: Option<String>,
    /// elasticsearch, opensearch, loki: the environment variable holding the password
    #[arg(long, value_name = "VAR", help_heading = "Remote")]
    pub password_env: Option<String>,
    /// loki: tenant (X-Scope-OrgID)
    #[arg(long, value_name = "ID", help_heading = "Remote")]
    pub org_id: Option<String>,
    /// command: the program and its arguments, run without a shell ({since} becomes the cursor time)
    #[arg(long, value_name = "COMMAND", help_heading = "Command")]
    pub command: Option<String>,
    /// command: kill the program after this long [default: 60s]
    #[arg(long, value_name = "DURATION", help_heading = "Command")]
    pub timeout: Option<String>,
    /// remote kinds and command: where the first fetch starts, an RFC 3339 time or a duration ago
    /// [default: one fetch interval ago]
    #[arg(long, value_name = "TIME|DURATION")]
    pub since: Option<String>,
    /// Read this source at all
    #[arg(long, value_name = "on|off")]
    pub active: Option<Toggle>,
}

/// The tasks that can be triggered by hand: those this luffy runs ([`tasks::RUNNABLE`]).
impl ValueEnum for Task {
    fn value_variants<'a>() -> &'a [Self] {
        tasks::RUNNABLE
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Task::Fetch => "Fetch new log records and update clusters",
            Task::Rca => "Write root-cause reports of new, regressed and grown clusters",
            Task::Index => "Sync the repository and index its symbols",
            Task::Notify => "Deliver pending notifications",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The task to run
    #[arg(value_enum)]
    pub task: Task,
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// index: rebuild the whole index instead of reading only what changed
    #[arg(long)]
    pub full: bool,
    /// rca: write every open cluster's report again, whatever changed since the last one
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct RunDueArgs {
    /// Only this service (repeat for several)
    #[arg(long = "service", value_name = "ID")]
    pub services: Vec<ServiceId>,
    /// Print what would run and why, touching nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Services run at once [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Only the services whose id hashes to shard K of N (1 <= K <= N), to split a fleet
    /// between hosts
    #[arg(long, value_name = "K/N", value_parser = crate::tasks::scheduler::Shard::parse)]
    pub shard: Option<crate::tasks::scheduler::Shard>,
}

#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The longest wait between two looks at what is due (30s, 5m; a bare number is seconds)
    /// [default: config's daemon.tick_seconds, 60]
    #[arg(long, value_name = "D", value_parser = parse_tick)]
    pub tick: Option<u32>,
    /// Services run at once [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Only the services whose id hashes to shard K of N
    #[arg(long, value_name = "K/N", value_parser = crate::tasks::scheduler::Shard::parse)]
    pub shard: Option<crate::tasks::scheduler::Shard>,
    /// Serve the API, dashboard and /metrics on ADDR (127.0.0.1:8000) in the same process, as
    /// `luffy serve --listen ADDR` would
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<String>,
    /// Stop after this many steps (for tests and one-off runs) [default: until a signal]
    #[arg(long, value_name = "N", hide = true)]
    pub steps: Option<u64>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this service's runs
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
    /// Only runs of this task
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    /// Only runs with this status: running, ok, failed, skipped
    #[arg(long, value_parser = parse_task_status)]
    pub status: Option<crate::domain::TaskStatus>,
    /// How many runs to show, newest first
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = parse_limit, allow_negative_numbers = true)]
    pub limit: usize,
}

/// `--status`: a cluster status by its name.
impl ValueEnum for ClusterStatus {
    fn value_variants<'a>() -> &'a [Self] {
        ClusterStatus::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for NotifyStatus {
    fn value_variants<'a>() -> &'a [Self] {
        NotifyStatus::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on; beyond loopback it needs [serve] token_env
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8000")]
    pub listen: String,
}

#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// Record a deploy: REV (a commit id of 7+ hex digits, a tag or a branch) of the service's
    /// repository, resolved to its commit now
    Add(DeployAddArgs),
    /// List recorded deploys (also those found in the logs), newest first
    List(DeployListArgs),
    /// Remove a recorded deploy
    Rm(DeployRmArgs),
}

#[derive(Debug, Args)]
pub struct DeployAddArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// A commit id (7 or more hex digits), a tag or a branch of the service's repository
    #[arg(value_name = "REV")]
    pub rev: String,
    /// When it was deployed: an RFC 3339 time or a duration ago (40m, 2h) [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The environment it was deployed to (production, staging, ...)
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeployListArgs {
    /// Only this service's deploys
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
}

#[derive(Debug, Args)]
pub struct DeployRmArgs {
    /// The deploy's id (see `luffy deploy list`)
    #[arg(value_name = "ID")]
    pub id: i64,
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// List notifications in the outbox, newest first
    List(NotifyListArgs),
    /// Make a notification due now again (also a dead one), and deliver its service's outbox
    Retry(NotifyRetryArgs),
    /// Send a test message to every channel of a service and print each one's result
    Test(NotifyTestArgs),
}

#[derive(Debug, Args)]
pub struct NotifyListArgs {
    /// Only this service's notifications
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
    /// Only notifications with this status
    #[arg(long, value_enum)]
    pub status: Option<NotifyStatus>,
    /// How many to show
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = parse_limit, allow_negative_numbers = true)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct NotifyRetryArgs {
    /// The notification's id (see `luffy notify list`); with --all, a service (or none: every
    /// service)
    #[arg(value_name = "ID|SERVICE")]
    pub target: Option<String>,
    /// Every pending and retrying notification (of SERVICE, or of every service) is made due
    /// now and delivered now
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct NotifyTestArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    /// Only this service's clusters
    #[arg(value_name = "SERVICE")]
    pub service: Option<ServiceId>,
    /// Only clusters with this status
    #[arg(long, value_enum)]
    pub status: Option<ClusterStatus>,
    /// Only clusters whose latest root-cause report names this owner (CODEOWNERS: `@team`,
    /// `@org/team`, a user or an email)
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Show a cluster: its exception chain, frames, samples, counts over time and why it groups
    Show(ClusterIdArg),
    /// Mark a cluster resolved (it reopens, flagged regressed, when it occurs again)
    Resolve(ClusterIdArg),
    /// Ignore a cluster, for good or until a condition reopens it (an `escalating`
    /// notification tells of it)
    Ignore(ClusterIgnoreArgs),
    /// Reopen a cluster
    Reopen(ClusterIdArg),
    /// Merge clusters into TARGET: their events, counts and samples move into it, and their
    /// fingerprints group into it from now on; they leave every list
    Merge(ClusterMergeArgs),
    /// Give a fingerprint merged into TARGET a cluster of its own again, with its events
    Unmerge(ClusterUnmergeArgs),
}

#[derive(Debug, Args)]
pub struct ClusterMergeArgs {
    /// The cluster that stays (see `luffy clusters`)
    #[arg(value_name = "TARGET")]
    pub target: i64,
    /// The clusters merged into it, of the same service
    #[arg(value_name = "SOURCE", required = true, num_args = 1..)]
    pub sources: Vec<i64>,
}

#[derive(Debug, Args)]
pub struct ClusterUnmergeArgs {
    /// The cluster the fingerprint was merged into
    #[arg(value_name = "TARGET")]
    pub target: i64,
    /// The merged fingerprint (see `luffy cluster show TARGET`)
    #[arg(value_name = "FINGERPRINT")]
    pub fingerprint: String,
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Add a grouping rule at the end of the service's list: records fetched from now on that
    /// match all its matchers are grouped as it says (the first rule that matches decides)
    Add(RuleAddArgs),
    /// List the service's grouping rules, numbered in the order they are tried
    List(RuleServiceArg),
    /// Remove rule N (its number in `rule list`); the rules after it move up one
    Rm(RuleRmArgs),
}

#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("action")
        .args(["group_by", "fingerprint", "ignore"])
        .required(true)
        .multiple(false)
))]
pub struct RuleAddArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// FIELD:GLOB, all of which must match: FIELD is type, message, logger, level (ERROR,
    /// FATAL...), path or function (of any in-app frame); GLOB takes *, ? and [...], case-sensitive
    #[arg(value_name = "MATCHER", required = true, num_args = 1..)]
    pub matchers: Vec<crate::grouping::rules::Matcher>,
    /// Group matching records by exception type alone, by masked message alone, or by type +
    /// in-app frames (as without rules)
    #[arg(long, value_name = "HOW")]
    pub group_by: Option<GroupBy>,
    /// Send every matching record to one cluster of this name
    #[arg(long, value_name = "NAME")]
    pub fingerprint: Option<String>,
    /// Drop matching records: counted as ignored by the fetch, never clustered
    #[arg(long)]
    pub ignore: bool,
    /// The title of a --fingerprint rule's cluster [default: NAME]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

/// What `rule add --group-by` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    Type,
    Message,
    Frames,
}

#[derive(Debug, Args)]
pub struct RuleServiceArg {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
}

#[derive(Debug, Args)]
pub struct RuleRmArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// The rule's number in `rule list` (1 is the first)
    #[arg(value_name = "N")]
    pub number: usize,
}

#[derive(Debug, Args)]
pub struct ClusterIgnoreArgs {
    /// The cluster's id (see `luffy clusters`)
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Reopen it once this long has passed (checked at each fetch of its service and at each
    /// `run-due`), e.g. 2h, 1d
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_snooze_for,
          allow_hyphen_values = true, group = "snooze")]
    pub for_seconds: Option<u64>,
    /// Reopen it after N more events
    #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true,
          group = "snooze")]
    pub until_count: Option<u32>,
    /// Reopen it when N events read after now fall within DURATION of log time, e.g. 10/5m
    #[arg(long, value_name = "N/DURATION", value_parser = parse_rate,
          allow_hyphen_values = true, group = "snooze")]
    pub until_rate: Option<Rate>,
}

#[derive(Debug, Args)]
pub struct ClusterIdArg {
    /// The cluster's id (see `luffy clusters`)
    #[arg(value_name = "ID")]
    pub id: i64,
}

#[derive(Debug, Subcommand)]
pub enum CodeCommand {
    /// The innermost symbol at PATH:LINE (frame paths resolve by path maps, then by the longest
    /// matching suffix), the symbols of PATH, or every symbol named SYMBOL (or Class.method)
    Find(CodeFindArgs),
}

#[derive(Debug, Args)]
pub struct CodeFindArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: ServiceId,
    /// PATH[:LINE] or SYMBOL
    #[arg(value_name = "PATH[:LINE]|SYMBOL", allow_hyphen_values = true)]
    pub query: String,
}

#[derive(Debug, Subcommand)]
pub enum RcaCommand {
    /// A cluster's latest root-cause report (Markdown; --json for the report's JSON), or with
    /// --all every report it has had
    Show(RcaShowArgs),
}

#[derive(Debug, Args)]
pub struct RcaShowArgs {
    /// The cluster's id (see `luffy clusters`)
    #[arg(value_name = "CLUSTER")]
    pub cluster: i64,
    /// Print the report as Markdown (the default, except with --all: a table of generations)
    #[arg(long)]
    pub markdown: bool,
    /// Every report of the cluster, newest first
    #[arg(long)]
    pub all: bool,
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
    /// Print one row per input line: LINE_NUMBER<TAB>PATTERN_ID<TAB>TEMPLATE (lines numbered from 1,
    /// continuously across files)
    #[arg(long)]
    pub assign: bool,
    /// Treat each line as the message as it is (no header detection, no JSON or logfmt field)
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

fn parse_tick(text: &str) -> Result<u32, String> {
    let seconds = crate::duration::parse_seconds(text)?;
    if !(1..=86_400).contains(&seconds) {
        return Err(format!("'{text}' is not between 1 second and 1 day"));
    }
    Ok(seconds as u32)
}

/// `--limit N`: how many rows, at least one.
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("--limit takes a whole number >= 1".into()),
    }
}

fn parse_task_status(text: &str) -> Result<crate::domain::TaskStatus, String> {
    text.parse()
}

fn parse_line_format(text: &str) -> Result<LineFormat, String> {
    text.parse()
}

fn parse_timezone_flag(text: &str) -> Result<Cleared<String>, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Cleared::None);
    }
    crate::sources::settings::parse_timezone(text.trim())
        .map(|zone| Cleared::Set(zone.name().to_string()))
}
