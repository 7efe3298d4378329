//! What a stored batch makes the outbox hold: for each cluster it created, reopened or made
//! spike, one notification per channel of the service, unless the cooldown says one went out
//! already. Runs inside the batch's transaction. The rca task calls [`enqueue_event`] with
//! `rca_ready` in the transaction that stores a report, the report in short in the item's `rca`.

use std::collections::HashSet;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use crate::config::Notify;
use crate::domain::{ClusterChange, NotifyEvent};
use crate::notify::message::{ClusterRef, Item, RcaRef, ServiceRef, SCHEMA_VERSION};
use crate::notify::{channels, Channel};
use crate::service::Service;
use crate::store::{time_to_sql, BatchChanges, Cluster, Db, NewNotification};
use crate::tasks::notify::triage;
use crate::triage::Rate;

/// What the fetch writer needs to turn a batch's changes into notifications, read once per
/// fetch from the service and the configuration.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    service: ServiceRef,
    channels: Vec<Channel>,
    cooldown: Duration,
    spike_factor: u32,
    spike_min_count: u32,
    /// A new cluster is told once it has this many events within this window.
    pub(super) threshold: Rate,
}

impl NotifyPlan {
    /// The plan for `service`; with notifications off, or no channels, it writes nothing.
    pub fn new(service: &Service, settings: &Notify) -> NotifyPlan {
        let notification = &service.notification;
        NotifyPlan {
            service: ServiceRef {
                id: service.id.to_string(),
                name: service.name.clone(),
            },
            channels: if notification.enabled {
                channels(notification)
            } else {
                Vec::new()
            },
            cooldown: Duration::minutes(i64::from(notification.cooldown_minutes)),
            spike_factor: settings.spike_factor,
            spike_min_count: settings.spike_min_count,
            threshold: notification.threshold,
        }
    }

    /// The id of the service the plan writes for.
    pub fn service_id(&self) -> &str {
        &self.service.id
    }

    /// A plan that writes nothing (tests of the writer).
    pub fn silent() -> NotifyPlan {
        NotifyPlan {
            service: ServiceRef {
                id: String::new(),
                name: String::new(),
            },
            channels: Vec::new(),
            cooldown: Duration::zero(),
            spike_factor: 0,
            spike_min_count: 0,
            threshold: Rate::ONE_PER_MINUTE,
        }
    }
}

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
        db.watched_clusters(&plan.service.id)?.into_iter().collect()
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

/// Writes one event about one cluster (with its report, for `rca_ready`) to every channel of
/// the plan, unless one of the same event about the same cluster was written within the
/// cooldown.
pub fn enqueue_event(
    db: &Db<'_>,
    plan: &NotifyPlan,
    event: NotifyEvent,
    cluster: ClusterRef,
    rca: Option<RcaRef>,
    now: DateTime<Utc>,
) -> Result<u64> {
    if plan.channels.is_empty() || db.notified_since(cluster.id, event, now - plan.cooldown)? {
        return Ok(0);
    }
    let cluster_id = cluster.id;
    let item = Item {
        version: SCHEMA_VERSION,
        event: event.as_str().to_string(),
        service: plan.service.clone(),
        cluster: Some(cluster),
        rca,
        created_at: time_to_sql(now),
    };
    let payload = serde_json::to_value(&item)?;
    for channel in &plan.channels {
        db.insert_notification(
            &NewNotification {
                service_id: &plan.service.id,
                cluster_id: Some(cluster_id),
                channel: channel.kind.as_str(),
                target: &channel.target,
                event,
                payload: &payload,
            },
            now,
        )?;
    }
    Ok(plan.channels.len() as u64)
}

/// The cluster as an item tells it.
pub fn cluster_ref(cluster: &Cluster, new_events: u64) -> ClusterRef {
    ClusterRef {
        id: cluster.id,
        title: cluster.title.clone(),
        kind: cluster.kind.as_str().to_string(),
        exception_type: cluster.exception_type.clone(),
        count: cluster.count,
        first_seen: time_to_sql(cluster.first_seen),
        last_seen: time_to_sql(cluster.last_seen),
        status: cluster.status.as_str().to_string(),
        regressed: cluster.regressed,
        new_events,
        last_hour: None,
        hourly_mean: None,
        escalation: None,
        url: None,
    }
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
