//! What a stored batch makes the outbox hold: for each cluster it created, reopened or made
//! spike, one notification per channel of the service, unless the cooldown says one went out
//! already. Runs inside the batch's transaction. Rows are written through [`super::outbox`],
//! as the rca task writes `rca_ready` in the transaction that stores a report.

use std::collections::HashSet;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::outbox::{cluster_ref, enqueue_event, NotifyPlan};
use crate::domain::{ClusterChange, NotifyEvent};
use crate::store::{BatchChanges, Cluster, Db};
use crate::tasks::notify::triage;
use crate::triage::Rate;

/// Writes the notifications that `changes` call for, and what triage decides with them (a new
/// cluster's notification held back by the threshold or let go, a snoozed cluster woken);
/// returns how many rows.
pub fn enqueue(
    db: &Db<'_>,
    plan: &NotifyPlan,
    changes: &BatchChanges,
    now: DateTime<Utc>,
) -> Result<u64> {
    let silent = plan.channels.is_empty();
    let default_threshold = plan.threshold == Rate::ONE_PER_MINUTE;
    // Snoozed clusters and held-back notifications (few, through a partial index); looked up
    // only when the batch grew a cluster that may be one of them.
    let watched: HashSet<i64> = if changes.count(ClusterChange::Grew) > 0 {
        db.watched_clusters(plan.service_id())?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    if silent && default_threshold && watched.is_empty() {
        return Ok(0);
    }
    let mut written = 0;
    for changed in &changes.clusters {
        let event = match changed.change {
            ClusterChange::New if silent && default_threshold => continue,
            ClusterChange::New => NotifyEvent::NewCluster,
            ClusterChange::Regressed if silent => continue,
            ClusterChange::Regressed => NotifyEvent::Regression,
            ClusterChange::Grew if watched.contains(&changed.id) => {
                let (told, fired) = triage::grew(db, plan, changed.id, changed.events, now)?;
                written += told;
                if fired || silent {
                    continue;
                }
                NotifyEvent::Spike
            }
            ClusterChange::Grew if silent => continue,
            ClusterChange::Grew => NotifyEvent::Spike,
        };
        let Some(cluster) = db.cluster(changed.id)? else {
            continue;
        };
        if event == NotifyEvent::NewCluster && !triage::threshold_reached(db, plan, &cluster)? {
            db.set_notify_pending(cluster.id, true)?;
            continue;
        }
        let mut cluster_ref = cluster_ref(&cluster, changed.events);
        if event == NotifyEvent::Spike {
            match spike(db, plan, &cluster)? {
                Some((hour, mean)) => {
                    cluster_ref.last_hour = Some(hour);
                    cluster_ref.hourly_mean = Some(mean);
                }
                None => continue,
            }
        }
        written += enqueue_event(db, plan, event, cluster_ref, None, now)?;
    }
    Ok(written)
}

/// A spike: the count of the cluster's latest hour (log time) is at least `spike_factor` times
/// the mean of the 24 hours before it, and at least `spike_min_count`; a cluster first seen
/// within those 24 hours never spikes. Gives the count and the mean.
fn spike(db: &Db<'_>, plan: &NotifyPlan, cluster: &Cluster) -> Result<Option<(u64, f64)>> {
    let hours = db.recent_cluster_hours(cluster.id, 25)?;
    let Some(&(latest, count)) = hours.first() else {
        return Ok(None);
    };
    // A cluster younger than the window is new: its new_cluster notification tells of it.
    if cluster.first_seen > latest - Duration::hours(24) {
        return Ok(None);
    }
    let before: u64 = hours[1..]
        .iter()
        .filter(|(hour, _)| *hour >= latest - Duration::hours(24))
        .map(|(_, n)| n)
        .sum();
    let mean = before as f64 / 24.0;
    let is_spike = count >= u64::from(plan.spike_min_count)
        && count as f64 >= f64::from(plan.spike_factor) * mean;
    Ok(is_spike.then_some((count, mean)))
}
