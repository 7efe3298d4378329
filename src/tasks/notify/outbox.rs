//! The outbox's rows: one event about one cluster, written to every channel of a service's plan
//! unless the cooldown says one went out already ([`enqueue_event`]). The fetch writer
//! ([`super::enqueue`]), triage ([`super::triage`]) and the rca task write through it.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use crate::config::Notify;
use crate::domain::NotifyEvent;
use crate::notify::message::{ClusterRef, Item, RcaRef, ServiceRef, SCHEMA_VERSION};
use crate::notify::{channels, Channel};
use crate::service::Service;
use crate::store::{time_to_sql, Cluster, Db, NewNotification};
use crate::triage::Rate;

/// What the fetch writer needs to turn a batch's changes into notifications, read once per
/// fetch from the service and the configuration.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    service: ServiceRef,
    pub(super) channels: Vec<Channel>,
    cooldown: Duration,
    pub(super) spike_factor: u32,
    pub(super) spike_min_count: u32,
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
