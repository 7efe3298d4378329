//! What an rca run counts.

use serde::Serialize;

/// What one rca run did, as stored in the task run's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RcaCounts {
    /// `rca_generation_enabled` was off: nothing was written.
    pub disabled: bool,
    /// The indexed commit the reports were written against.
    pub commit: Option<String>,
    /// Open clusters of the service looked at.
    pub clusters: u64,
    /// Reports written, and why: the cluster is new to reports, regressed or grew since.
    pub reports: u64,
    pub new: u64,
    pub regressed: u64,
    pub grown: u64,
    /// Clusters whose last report named no suspect and now does: the index moved on, or the
    /// service's settings (path maps, in-app rules) changed since.
    pub remapped: u64,
    /// Reports written again because the deploys say another version ran at the cluster's
    /// first-seen than the last report took.
    pub redeployed: u64,
    /// Reports written again because `trigger rca --all` asked.
    pub rewritten: u64,
    /// Clusters unchanged since their last report.
    pub unchanged: u64,
    /// Reports with at least one suspect commit.
    pub with_suspects: u64,
    /// Reports with a narrative, and those whose narrative failed.
    pub narratives: u64,
    pub narrative_errors: u64,
    /// `rca_ready` notifications written to the outbox (one per channel).
    pub notifications: u64,
    /// The cluster ids reported on.
    pub cluster_ids: Vec<i64>,
}
