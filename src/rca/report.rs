//! A root-cause report as stored and printed (`rca show --json` prints it as it is).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::code::paths::PathMatch;

/// One report of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub cluster_id: i64,
    pub service_id: String,
    /// 1 for the cluster's first report, then 2, 3, ...
    pub generation: u32,
    pub generated_at: DateTime<Utc>,
    /// The indexed commit the frames were mapped onto; `None` without an index.
    pub commit: Option<String>,
    pub what: What,
    /// The top frames of the service's code (in-app, or resolving into the repository), the one
    /// nearest the throw first.
    pub frames: Vec<FrameReport>,
    /// Ranked suspect commits, best first (at most five).
    pub suspects: Vec<Suspect>,
    /// Why there are no suspects, when there are none.
    pub no_suspects: Option<String>,
    /// Clusters of this and other services first seen near this one's first-seen.
    pub related: Vec<Related>,
    pub narrative: Option<Narrative>,
    /// The model that wrote the narrative (or was asked to).
    pub model: Option<String>,
    /// Why there is no narrative: no `[llm]` configured, or what went wrong asking.
    pub narrative_error: Option<String>,
    /// The owners of the throwing frame's file (the innermost frame that maps into the
    /// repository), from the repository's CODEOWNERS at the indexed commit.
    #[serde(default)]
    pub owners: Vec<String>,
    /// The deployed version that ran at first-seen, when a deploy says it (recorded with
    /// `luffy deploy add` or found in the logs); `None`: the branch as it was then.
    #[serde(default)]
    pub deploy: Option<DeployRef>,
}

/// The deploy whose code ran when the cluster was first seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRef {
    /// Its full commit id.
    pub commit: String,
    /// As recorded: the sha, tag or branch given, or the version the logs carried.
    pub rev: String,
    pub deployed_at: DateTime<Utc>,
    pub env: Option<String>,
    /// `cli` or `logs`.
    pub source: String,
    /// The commit of the deploy before it, when one is known.
    pub previous_commit: Option<String>,
    /// How many commits it brought since that one.
    pub commits_since_previous: Option<u64>,
}

/// What happened: the exception or template, how often, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct What {
    pub title: String,
    /// `exception` or `template`.
    pub kind: String,
    /// The exception chain, outermost first, root cause last.
    pub exception_chain: Vec<ChainLink>,
    pub template: Option<String>,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub status: String,
    pub regressed: bool,
    /// Events per hour over the 24 hours before the report, oldest first.
    pub trend_24h: Vec<u64>,
    /// Kept events per log source.
    pub sources: Vec<SourceCount>,
    /// Hosts the events came from, where the sources name them.
    pub hosts: Vec<String>,
}

/// One exception of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub exception_type: String,
    pub message: String,
    /// How it hangs off the one before (`cause`, `context`, ...); `None` for the first.
    pub relation: Option<String>,
}

/// Events of one log source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    /// `None`: a source since removed.
    pub source: Option<String>,
    pub count: u64,
}

/// One frame mapped (or not) onto the indexed checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameReport {
    pub function: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    /// The repository path it maps to.
    pub repo_path: Option<String>,
    /// The frame's line at the indexed commit, when commits since first-seen moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_line: Option<u32>,
    /// The enclosing symbol (`Class.method`).
    pub symbol: Option<String>,
    pub symbol_lines: Option<(u32, u32)>,
    pub mapped: bool,
    pub matched_by: Option<PathMatch>,
    /// 0 for the frame nearest the throw.
    pub depth: usize,
    /// A few lines of code around the frame's line.
    pub code: Vec<CodeLine>,
    /// Why it maps nowhere.
    pub unmapped_reason: Option<String>,
    /// The owners of its file, from the repository's CODEOWNERS at the indexed commit.
    #[serde(default)]
    pub owners: Vec<String>,
}

/// One line of code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLine {
    pub line: u32,
    pub text: String,
}

/// A suspect commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suspect {
    pub commit: String,
    pub score: f64,
    pub author: String,
    pub email: String,
    pub date: DateTime<Utc>,
    pub summary: String,
    /// `path:line` of each frame line (or enclosing function line) it last changed.
    pub touched_lines: Vec<String>,
    pub reasons: Vec<String>,
}

/// A cluster first seen near this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub cluster_id: i64,
    pub service_id: String,
    pub title: String,
    pub first_seen: DateTime<Utc>,
    /// Its first-seen minus this cluster's, in seconds.
    pub offset_seconds: i64,
}

/// What an LLM made of the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    pub root_cause: String,
    pub explanation: String,
    pub fix_suggestions: Vec<String>,
    pub tests_to_add: Vec<String>,
}
