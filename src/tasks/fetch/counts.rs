//! What a fetch counts: lines, records, events, clusters, and what it had to repair.

use serde::Serialize;

/// What one fetch did, as stored in the task run's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FetchCounts {
    pub sources: u64,
    pub lines: u64,
    pub records: u64,
    pub events: u64,
    pub new_clusters: u64,
    pub regressed: u64,
    /// Records below the service's level threshold.
    pub dropped: u64,
    /// Records a grouping rule ignores (`luffy rule add ... --ignore`): never clustered.
    pub ignored: u64,
    /// Lines that were not valid UTF-8 (decoded lossily).
    pub invalid_utf8: u64,
    /// Lines over 1 MiB (cut).
    pub long_lines: u64,
    /// Records whose time was in the future (the reading time was used).
    pub future_times: u64,
}
