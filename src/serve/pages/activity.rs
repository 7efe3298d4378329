//! `/notifications` (the outbox, as `luffy notify list` shows it) and `/history` (task runs, as
//! `luffy history`).

use anyhow::Result;
use maud::html;

use super::{ago, ok, open, runs_table, status_class, table};
use crate::commands::notify::shown_target;
use crate::domain::NotifyStatus;
use crate::serve::{Handler, Reply};
use crate::ui;

/// How many rows each page lists, newest first.
const ROWS: usize = 200;

/// `/notifications`.
pub fn notifications(handler: &Handler) -> Result<Reply> {
    let store = open(handler)?;
    let rows = store.db().notifications(None, None, ROWS)?;
    let now = handler.now();
    let body = html! {
        h1 { "Notifications" }
        @if rows.is_empty() { p.muted { "No notifications yet." } } @else {
            p.muted { "The outbox, newest first (at most " (ROWS) ")." }
            (table(&["ID", "Service", "Cluster", "Event", "Channel", "Status", "Attempts", "Created", "Next try", "Last error"], &html! {
                @for n in &rows { tr {
                    td.num { (n.id) }
                    td { a href=(format!("/services/{}", n.service_id)) { (n.service_id) } }
                    td.num { @if let Some(c) = n.cluster_id { a href=(format!("/clusters/{c}")) { (c) } } @else { "-" } }
                    td { (n.event.as_str()) }
                    td { (n.channel) " " code { (shown_target(n)) } }
                    td class=(status_class(n.status.as_str())) { (n.status.as_str()) }
                    td.num { (n.attempts) }
                    td.nowrap { (ago(Some(n.created_at), now)) }
                    td.nowrap { @if matches!(n.status, NotifyStatus::Pending | NotifyStatus::Retrying) {
                        (ui::until(n.next_attempt, now)) } @else { "-" } }
                    td { (n.last_error.as_deref().unwrap_or("")) }
                } }
            }))
        }
    };
    Ok(ok("notifications", &body))
}

/// `/history`.
pub fn history(handler: &Handler) -> Result<Reply> {
    let store = open(handler)?;
    let runs = store.db().task_runs(None, ROWS)?;
    let body = html! {
        h1 { "History" }
        p.muted { "Task runs of every service, newest first (at most " (ROWS) ")." }
        (runs_table(&runs, handler.now()))
    };
    Ok(ok("history", &body))
}
