//! The notify task: deliver a service's due notifications from the outbox. Each channel's due
//! rows go out as one message each, or, when there are more than `notify.digest_after`, as one
//! digest; each send is marked in its own transaction right after it, so that a crash between
//! the two resends at most that one message. A failed send is retried with backoff until the
//! notification is `notify.max_age_hours` old, then it is `dead`. A `github` channel's rows go
//! out one by one, never as a digest: the issue one opens is stored in the transaction that
//! marks it delivered, and each later row reads it before it calls GitHub, so a cluster gets one
//! issue per repository (a crash between GitHub's answer and that commit is the one way to a
//! second, as it is for every channel's message).

pub mod enqueue;
pub mod outbox;
pub mod triage;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{run_task, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::domain::{Task, TrackerIssue, Trigger};
use crate::notify::{self, Channel, ChannelKind, Item, Links};
use crate::service::Service;
use crate::store::{Notification, Store};

pub use outbox::NotifyPlan;

/// How long a notify run holds its lease (a send waits at most the configured timeouts).
const LEASE: Duration = Duration::minutes(10);

/// What a notify run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyCounts {
    /// Notifications sent (a digest counts each it carried).
    pub delivered: u64,
    /// Messages sent (a digest is one).
    pub messages: u64,
    /// Notifications whose send failed and that will be retried.
    pub retrying: u64,
    /// Notifications given up on.
    pub dead: u64,
    /// Due notifications left alone because the service's notifications are off.
    pub silenced: u64,
}

/// The wait before the next attempt after `attempts` failed ones: 1 m, 5 m, 30 m, 2 h, then 6 h.
pub fn backoff(attempts: u32) -> Duration {
    match attempts {
        0 | 1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(30),
        4 => Duration::hours(2),
        _ => Duration::hours(6),
    }
}

/// Whether `service` has notifications due at `now`: when it does, run the notify task after
/// the tasks that may have written them (`trigger fetch` does; the scheduler's step should).
pub fn is_due(store: &Store, service: &Service, now: DateTime<Utc>) -> Result<bool> {
    Ok(!store
        .db()
        .due_notifications(service.id.as_str(), now)?
        .is_empty())
}

/// Runs the notify task of `service` through the task lifecycle.
pub fn run(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<NotifyCounts>> {
    let links = links(env.config, env.db_path);
    run_task(
        store,
        service,
        Task::Notify,
        trigger,
        env,
        LEASE,
        |store, service, ctx| deliver(store, service, ctx, &links),
    )
}

/// Where notifications point: `[serve] public_url`'s pages, else commands that name `db_path`
/// with `--db` when it is not the default database (so that they work when pasted).
pub fn links(config: &crate::config::Config, db_path: &std::path::Path) -> Links {
    let default = crate::paths::default_db_path().ok();
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b
            || matches!(
                (a.canonicalize(), b.canonicalize()),
                (Ok(x), Ok(y)) if x == y
            )
    };
    let db = match default {
        Some(default) if same(&default, db_path) => None,
        _ => Some(db_path),
    };
    Links::new(config.serve.public_url.as_deref(), db)
}

/// The body: every due notification of the service, channel by channel.
fn deliver(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    links: &Links,
) -> Result<Outcome<NotifyCounts>> {
    let now = ctx.now;
    let due = store.db().due_notifications(service.id.as_str(), now)?;
    let mut outcome = Outcome::<NotifyCounts>::default();
    if !service.notification.enabled {
        outcome.counts.silenced = due.len() as u64;
        return Ok(outcome);
    }
    let digest_after = ctx.config.notify.digest_after.max(1) as usize;
    for group in by_channel(due) {
        let alone = ChannelKind::parse(&group[0].channel).is_some_and(Channel::never_digested);
        let messages: Vec<&[Notification]> = if group.len() > digest_after && !alone {
            vec![&group[..]]
        } else {
            group.chunks(1).collect()
        };
        for rows in messages {
            send_and_mark(store, ctx, rows, links, &mut outcome)?;
        }
    }
    Ok(outcome)
}

/// The due rows grouped by channel (kind and target), in the order each channel first appears.
fn by_channel(due: Vec<Notification>) -> Vec<Vec<Notification>> {
    let mut groups: Vec<Vec<Notification>> = Vec::new();
    for row in due {
        match groups
            .iter_mut()
            .find(|g| g[0].channel == row.channel && g[0].target == row.target)
        {
            Some(group) => group.push(row),
            None => groups.push(vec![row]),
        }
    }
    groups
}

/// Sends `rows` as one message and records how it went, in one transaction after the send.
fn send_and_mark(
    store: &mut Store,
    ctx: &TaskContext<'_>,
    rows: &[Notification],
    links: &Links,
    outcome: &mut Outcome<NotifyCounts>,
) -> Result<()> {
    let now = ctx.now;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let first = &rows[0];
    let kind = ChannelKind::parse(&first.channel);
    let sent = if let (Some(ChannelKind::Github), [row]) = (kind, rows) {
        send_github(store, ctx, row, links)
    } else {
        items(rows).and_then(|items| {
            let kind =
                kind.ok_or_else(|| anyhow::anyhow!("unknown channel kind '{}'", first.channel))?;
            let channel = Channel {
                kind,
                target: first.target.clone(),
            };
            notify::send(&channel, &items, ctx.config, links).map(|()| None)
        })
    };
    let counts = &mut outcome.counts;
    match sent {
        Ok(opened) => {
            store.write(|db| {
                if let (Some(issue), Some(cluster)) = (&opened, first.cluster_id) {
                    db.insert_cluster_issue(cluster, &first.target, issue, now)?;
                }
                db.mark_delivered(&ids, now)
            })?;
            counts.delivered += ids.len() as u64;
            counts.messages += 1;
        }
        Err(err) => {
            let error = format!("{err:#}");
            let max_age = Duration::hours(i64::from(ctx.config.notify.max_age_hours));
            // The rows of one message share their fate; the oldest decides when it is dead.
            let oldest = rows.iter().map(|r| r.created_at).min().unwrap_or(now);
            let attempts = rows.iter().map(|r| r.attempts).max().unwrap_or(0) + 1;
            let next = next_attempt(now, oldest, attempts, max_age);
            let recorded = match next {
                Some(_) => error.clone(),
                None => format!(
                    "gave up after {attempts} attempts over {}h: {error}",
                    (now - oldest).num_hours()
                ),
            };
            store.write(|db| db.mark_failed(&ids, &recorded, next))?;
            match next {
                Some(_) => counts.retrying += ids.len() as u64,
                None => counts.dead += ids.len() as u64,
            }
            outcome.errors.push(format!(
                "{} notification {}: {error}",
                first.channel,
                ids.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// Delivers one row to a GitHub repository: the cluster's issue there read first (a row before
/// it may have opened it); gives the issue it opened, to be stored with the delivery.
fn send_github(
    store: &Store,
    ctx: &TaskContext<'_>,
    row: &Notification,
    links: &Links,
) -> Result<Option<TrackerIssue>> {
    let item = items(std::slice::from_ref(row))?.remove(0);
    let issue = match row.cluster_id {
        Some(cluster) => store.db().cluster_issue(cluster, &row.target)?,
        None => None,
    };
    notify::send_github(&row.target, &item, issue.as_ref(), ctx.config, links)
}

/// When to try again after `attempts` failures, or None once the notification is too old.
fn next_attempt(
    now: DateTime<Utc>,
    created: DateTime<Utc>,
    attempts: u32,
    max_age: Duration,
) -> Option<DateTime<Utc>> {
    let next = now + backoff(attempts);
    (next - created <= max_age).then_some(next)
}

fn items(rows: &[Notification]) -> Result<Vec<Item>> {
    rows.iter()
        .map(|r| {
            serde_json::from_value(r.payload.clone()).map_err(|err| {
                anyhow::anyhow!("notification {} has an unreadable payload: {err}", r.id)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn backoff_grows_then_stays_at_six_hours_until_the_max_age() {
        let minutes: Vec<i64> = (1..=7).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(minutes, [1, 5, 30, 120, 360, 360, 360]);
        let t0 = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let day = Duration::hours(24);
        assert_eq!(
            next_attempt(t0, t0, 1, day),
            Some(t0 + Duration::minutes(1))
        );
        let late = t0 + Duration::hours(20);
        assert_eq!(next_attempt(late, t0, 6, day), None);
    }
}
