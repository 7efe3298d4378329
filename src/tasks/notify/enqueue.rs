//! What a stored batch makes the outbox hold: for each cluster it created, reopened or made
//! spike, one notification per channel of the service, unless the cooldown says one went out
//! already. Runs inside the batch's transaction. The rca task calls [`enqueue_event`] with
//! `rca_ready` in the transaction that stores a report, the report in short in the item's `rca`.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use crate::config::Notify;
use crate::domain::{ClusterChange, NotifyEvent};
use crate::notify::message::{ClusterRef, Item, RcaRef, ServiceRef, SCHEMA_VERSION};
use crate::notify::{channels, Channel};
use crate::service::Service;
use crate::store::{time_to_sql, BatchChanges, Cluster, Db, NewNotification};

/// What the fetch writer needs to turn a batch's changes into notifications, read once per
/// fetch from the service and the configuration.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    service: ServiceRef,
    channels: Vec<Channel>,
    cooldown: Duration,
    spike_factor: u32,
    spike_min_count: u32,
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
        }
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
        }
    }
}

/// Writes the notifications that `changes` call for; returns how many rows.
pub fn enqueue(
    db: &Db<'_>,
    plan: &NotifyPlan,
    changes: &BatchChanges,
    now: DateTime<Utc>,
) -> Result<u64> {
    if plan.channels.is_empty() {
        return Ok(0);
    }
    let mut written = 0;
    for changed in &changes.clusters {
        let event = match changed.change {
            ClusterChange::New => NotifyEvent::NewCluster,
            ClusterChange::Regressed => NotifyEvent::Regression,
            ClusterChange::Grew => NotifyEvent::Spike,
        };
        let Some(cluster) = db.cluster(changed.id)? else {
            continue;
        };
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
