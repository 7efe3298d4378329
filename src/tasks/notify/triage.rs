//! What triage decides as clusters grow or time passes, in the transaction that stores the
//! change: a snoozed cluster whose condition held reopens and an `escalating` notification is
//! written; a new cluster's `new_cluster` notification waits for the service's threshold and
//! goes out once, when it is reached. The flag that holds it back is cleared in the transaction
//! that writes it, so a crash neither loses nor repeats it.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::outbox::{cluster_ref, enqueue_event, NotifyPlan};
use crate::domain::{ClusterStatus, NotifyEvent};
use crate::notify::message::EscalationRef;
use crate::store::{log_time_to_sql, time_to_sql, Cluster, Db};
use crate::triage::{format_seconds, max_in_window, Rate, Snooze, SnoozeCondition};

/// Whether a cluster's events reach the plan's threshold (the default, one event within a
/// minute, is reached by any cluster).
pub fn threshold_reached(db: &Db<'_>, plan: &NotifyPlan, cluster: &Cluster) -> Result<bool> {
    if plan.threshold == Rate::ONE_PER_MINUTE {
        return Ok(true);
    }
    Ok(plan
        .threshold
        .reached(&db.cluster_log_times(cluster.id, 0)?))
}

/// A watched cluster grew by `events`: lets its held-back notification go once the threshold
/// is reached, and wakes it when its snooze's condition held. Gives the rows written and
/// whether it was woken.
pub fn grew(
    db: &Db<'_>,
    plan: &NotifyPlan,
    id: i64,
    events: u64,
    now: DateTime<Utc>,
) -> Result<(u64, bool)> {
    let Some(cluster) = db.cluster(id)? else {
        return Ok((0, false));
    };
    let mut written = 0;
    if cluster.notify_pending && threshold_reached(db, plan, &cluster)? {
        db.set_notify_pending(id, false)?;
        let told = cluster_ref(&cluster, events);
        written += enqueue_event(db, plan, NotifyEvent::NewCluster, told, None, now)?;
    }
    let Some(snooze) = cluster
        .snooze
        .filter(|_| cluster.status == ClusterStatus::Ignored)
    else {
        return Ok((written, false));
    };
    let Some(fired) = fired(db, &cluster, &snooze, now)? else {
        return Ok((written, false));
    };
    written += escalate(db, plan, &cluster, &snooze, fired, events, now)?;
    Ok((written, true))
}

/// Wakes the service's snoozed clusters whose time is up at `now` (at each fetch of the
/// service and each `run-due`). Gives how many woke.
pub fn wake_due(db: &Db<'_>, plan: &NotifyPlan, now: DateTime<Utc>) -> Result<u64> {
    let mut woken = 0;
    for id in db.snoozes_due(plan.service_id(), now)? {
        let Some(cluster) = db.cluster(id)? else {
            continue;
        };
        let Some(snooze) = cluster.snooze else {
            continue;
        };
        if let Some(fired) = fired(db, &cluster, &snooze, now)? {
            escalate(db, plan, &cluster, &snooze, fired, 0, now)?;
            woken += 1;
        }
    }
    Ok(woken)
}

/// What fired, in words, when the snooze's condition holds.
fn fired(
    db: &Db<'_>,
    cluster: &Cluster,
    snooze: &Snooze,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    Ok(match snooze.condition {
        SnoozeCondition::Until(at) => {
            (now >= at).then(|| format!("the time was up at {}", time_to_sql(at)))
        }
        SnoozeCondition::Count(n) => {
            let more = cluster.count.saturating_sub(snooze.base_count);
            (more >= u64::from(n)).then(|| format!("{more} more events since it was ignored"))
        }
        SnoozeCondition::Rate(rate) => {
            let times = db.cluster_log_times(cluster.id, snooze.after_event)?;
            let most = max_in_window(&times, rate.window());
            (most >= u64::from(rate.count)).then(|| {
                format!(
                    "{most} events within {} (log time) since it was ignored",
                    format_seconds(u64::from(rate.seconds))
                )
            })
        }
    })
}

/// Reopens a snoozed cluster (open, not a regression) and writes its `escalating` notification.
fn escalate(
    db: &Db<'_>,
    plan: &NotifyPlan,
    cluster: &Cluster,
    snooze: &Snooze,
    fired: String,
    events: u64,
    now: DateTime<Utc>,
) -> Result<u64> {
    db.wake_cluster(cluster.id, now)?;
    let Some(woken) = db.cluster(cluster.id)? else {
        return Ok(0);
    };
    let (condition, value) = match snooze.condition {
        SnoozeCondition::Until(at) => ("for", log_time_to_sql(at)),
        SnoozeCondition::Count(n) => ("until_count", n.to_string()),
        SnoozeCondition::Rate(rate) => ("until_rate", rate.to_string()),
    };
    let mut told = cluster_ref(&woken, events);
    told.escalation = Some(EscalationRef {
        condition: condition.to_string(),
        value,
        since: time_to_sql(snooze.since),
        fired,
    });
    enqueue_event(db, plan, NotifyEvent::Escalating, told, None, now)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::Notify;
    use crate::ingest::{to_event, Event, LogRecord, Rules};
    use crate::service::Service;
    use crate::store::Store;
    use crate::tasks::notify::enqueue::enqueue;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 10, minute, 0).unwrap()
    }

    /// One error of the same cluster at 10:MM.
    fn event(minute: u32) -> Event {
        let record = LogRecord {
            text: "ERROR cache node unreachable",
            timestamp: Some(at(minute)),
            ..LogRecord::default()
        };
        to_event(&record, &Rules::default(), at(59)).expect("an error event")
    }

    fn rows(store: &Store) -> Vec<String> {
        let mut events: Vec<String> = store
            .db()
            .notifications(None, None, 100)
            .unwrap()
            .iter()
            .map(|n| n.event.as_str().to_string())
            .collect();
        events.reverse(); // oldest first
        events
    }

    /// Stores a batch and what it calls for in one transaction, as a fetch does; `fail` makes
    /// the transaction fail after both, as a crash before its commit would leave it.
    fn batch(store: &mut Store, plan: &NotifyPlan, minutes: &[u32], fail: bool) -> Result<u64> {
        let events: Vec<Event> = minutes.iter().map(|m| event(*m)).collect();
        store.write(|db| {
            let changes = db.record_events("web", None, &events, at(59), 2)?;
            let written = enqueue(db, plan, &changes, at(59))?;
            anyhow::ensure!(!fail, "the process died before its commit");
            Ok(written)
        })
    }

    #[test]
    fn a_held_back_notification_is_written_once_and_never_lost_to_a_failed_batch() {
        let mut store = Store::open_in_memory().unwrap();
        let mut service = Service::new("web".parse().unwrap(), at(0));
        service.notification.webhook_url = Some("https://example.com/hook".into());
        service.notification.threshold = "3/10m".parse().unwrap();
        store.write(|db| db.insert_service(&service)).unwrap();
        let plan = NotifyPlan::new(&service, &Notify::default());

        assert_eq!(batch(&mut store, &plan, &[1], false).unwrap(), 0);
        let pending = |store: &Store| store.db().cluster(1).unwrap().unwrap().notify_pending;
        assert!(pending(&store));

        // the batch that reaches the threshold fails: neither its events, nor the notification,
        // nor the cleared mark remain
        assert!(batch(&mut store, &plan, &[2, 3], true).is_err());
        assert!(pending(&store));
        assert_eq!(rows(&store), Vec::<String>::new());

        // read again, it tells once; later batches tell nothing more
        assert_eq!(batch(&mut store, &plan, &[2, 3], false).unwrap(), 1);
        assert!(!pending(&store));
        assert_eq!(batch(&mut store, &plan, &[4, 5, 6], false).unwrap(), 0);
        assert_eq!(rows(&store), ["new_cluster"]);
    }

    #[test]
    fn a_count_snooze_wakes_in_the_batch_that_reaches_it() {
        let mut store = Store::open_in_memory().unwrap();
        let mut service = Service::new("web".parse().unwrap(), at(0));
        service.notification.webhook_url = Some("https://example.com/hook".into());
        store.write(|db| db.insert_service(&service)).unwrap();
        let plan = NotifyPlan::new(&service, &Notify::default());
        batch(&mut store, &plan, &[1], false).unwrap();
        store
            .write(|db| db.snooze_cluster(1, SnoozeCondition::Count(2), at(30)))
            .unwrap();
        batch(&mut store, &plan, &[2], false).unwrap();
        let cluster = store.db().cluster(1).unwrap().unwrap();
        assert_eq!(cluster.status, ClusterStatus::Ignored);
        assert!(batch(&mut store, &plan, &[3], true).is_err());
        assert_eq!(
            store.db().cluster(1).unwrap().unwrap().status,
            ClusterStatus::Ignored
        );
        batch(&mut store, &plan, &[3], false).unwrap();
        let cluster = store.db().cluster(1).unwrap().unwrap();
        assert_eq!(cluster.status, ClusterStatus::Open);
        assert!(!cluster.regressed);
        assert_eq!(cluster.snooze, None);
        assert_eq!(rows(&store), ["new_cluster", "escalating"]);
    }
}
