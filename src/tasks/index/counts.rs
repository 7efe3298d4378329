//! What an index run counts: files seen, read, skipped (and why), symbols, the commit.

use serde::Serialize;

/// How a run brought the index up to date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexMode {
    /// Every file of the commit read (first run, `--full`, or the old commit is gone).
    #[default]
    Full,
    /// Only what changed since the indexed commit.
    Incremental,
    /// The indexed commit is the branch's head: nothing to do.
    Unchanged,
}

/// What one index run did, as stored in the task run's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexCounts {
    /// The commit indexed (hex).
    pub commit: String,
    /// The commit the index described before, if any.
    pub previous_commit: Option<String>,
    pub mode: IndexMode,
    /// Whether the repository was cloned by this run.
    pub cloned: bool,
    /// Files looked at: all of the commit's on a full run, the changed ones otherwise.
    pub files_seen: u64,
    /// Files read and indexed (with their symbols, for the languages luffy parses).
    pub files_parsed: u64,
    /// Files not indexed: the sum of the three below.
    pub files_skipped: u64,
    pub skipped_vendored: u64,
    pub skipped_large: u64,
    pub skipped_binary: u64,
    pub files_removed: u64,
    pub files_renamed: u64,
    /// Symbols read by this run.
    pub symbols: u64,
    /// The index after the run.
    pub files_total: u64,
    pub symbols_total: u64,
    pub duration_ms: u64,
}
