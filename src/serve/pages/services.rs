//! `/`, every service's status (as `luffy status` shows it), and `/services/{id}`, one service:
//! its settings, sources, clusters, recent task runs and deploys.

use anyhow::Result;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::{ago, has_service, missing, ok, open, runs_table, short, status_class, table};
use crate::commands::status::{outcomes, Outcomes};
use crate::duration::format_minutes;
use crate::schedule::{self, Task};
use crate::serve::{Handler, Reply};
use crate::service::Service;
use crate::store::{Cluster, Deploy};
use crate::ui;

/// How many task runs a service's page lists.
const RECENT_RUNS: usize = 20;

/// `/`: the status table.
pub fn index(handler: &Handler) -> Result<Reply> {
    let store = open(handler)?;
    let db = store.db();
    let now = handler.now();
    let services = db.services()?;
    let counts = db.status_counts()?;
    if services.is_empty() {
        return Ok(ok(
            "services",
            &html! {
                h1 { "Services" }
                p { "No services yet; add one with " code { "luffy service add ID" } "." }
            },
        ));
    }
    let mut rows = Vec::with_capacity(services.len());
    for service in &services {
        let open_clusters = counts
            .get(service.id.as_str())
            .map_or(0, |c| c.open_clusters);
        rows.push(status_row(
            service,
            &outcomes(&db, service)?,
            open_clusters,
            now,
        ));
    }
    let body = html! {
        h1 { "Services" }
        (table(&["Service", "Last fetch", "Last index", "Last RCA", "Failures", "Next due", "Open clusters"],
            &html! { @for row in &rows { (row) } }))
    };
    Ok(ok("services", &body))
}

/// One service's row of the status table.
fn status_row(
    service: &Service,
    outcomes: &Outcomes,
    open_clusters: u64,
    now: DateTime<Utc>,
) -> Markup {
    html! {
        tr {
            td {
                a href=(format!("/services/{}", service.id)) { (service.id.as_str()) }
                @if service.name != service.id.as_str() { br; span.muted { (service.name) } }
            }
            td.nowrap { (ago(service.last_log_fetch, now)) }
            td.nowrap { (ago(service.last_code_indexing, now)) }
            td.nowrap { (ago(service.last_rca_generation, now)) }
            td { (failures(outcomes)) }
            td.nowrap { (next_due(service, now)) }
            td.num { @if open_clusters > 0 { a href=(format!("/services/{}#clusters", service.id)) { (open_clusters) } } @else { "0" } }
        }
    }
}

/// The tasks failing since their last success, with how many times and the latest error.
fn failures(outcomes: &Outcomes) -> Markup {
    let failing: Vec<_> = outcomes.iter().filter(|(_, o)| o.failing()).collect();
    html! {
        @if failing.is_empty() { span.ok { "none" } }
        @for (task, outcome) in failing {
            div.bad title=(outcome.last_error.as_deref().unwrap_or("")) {
                (task) " ×" (outcome.failures_since_success)
            }
            @if let Some(error) = &outcome.last_error {
                div.muted { (crate::text::cut_words(error, 120)) }
            }
        }
    }
}

/// When the service's next task is due, and which.
fn next_due(service: &Service, now: DateTime<Utc>) -> Markup {
    if !service.is_active {
        return html! { span.muted { "inactive" } };
    }
    match schedule::soonest(service, now) {
        None => html! { span.muted { "-" } },
        Some((at, tasks)) => {
            let names: Vec<&str> = tasks.iter().map(|t| t.as_str()).collect();
            let class = (at <= now).then_some("warn");
            html! { span class=[class] { (ui::until(at, now)) " (" (names.join(", ")) ")" } }
        }
    }
}

/// `/services/{id}`.
pub fn service(handler: &Handler, id: &str) -> Result<Reply> {
    let store = open(handler)?;
    let db = store.db();
    let now = handler.now();
    let Some(service) = has_service(&db, id)? else {
        return Ok(missing(&format!("There is no service '{id}'.")));
    };
    let service = service.redacted();
    let sid = service.id.as_str();
    let sources = db.sources(Some(sid))?;
    let clusters = db.clusters(Some(sid), None)?;
    let runs = db.task_runs(Some(sid), RECENT_RUNS)?;
    let deploys = db.deploys(Some(sid))?;
    let outcomes = outcomes(&db, &service)?;
    let body = html! {
        h1 { (service.name) }
        @if service.name != sid { p.muted { "id " code { (sid) } } }
        h2 { "Status" }
        div.scroll { table { tbody {
            tr { th { "Active" } td { (ui::yes_no(service.is_active)) } }
            tr { th { "Next due" } td { (next_due(&service, now)) } }
            tr { th { "Failures" } td { (failures(&outcomes)) } }
            @for (task, last) in [(Task::Fetch, service.last_log_fetch), (Task::Index, service.last_code_indexing), (Task::Rca, service.last_rca_generation)] {
                tr { th { "Last " (task.as_str()) } td { (ago(last, now)) " · every " (interval(&service, task)) } }
            }
        } } }
        h2 { "Settings" }
        (settings(&service))
        h2 { "Sources" }
        @if sources.is_empty() { p.muted { "No log sources." } } @else {
            (table(&["Name", "Kind", "Reads", "Active", "Fetched"], &html! {
                @for s in &sources { tr {
                    td { (s.name) } td { (s.settings.kind().as_str()) } td { code { (s.settings.location()) } }
                    td { (ui::yes_no(s.is_active)) } td { @if s.cursor.is_some() { "yes" } @else { span.muted { "not yet" } } }
                } }
            }))
        }
        h2 #clusters { "Clusters (" (clusters.len()) ")" }
        (clusters_table(&clusters, now))
        h2 { "Recent task runs" }
        (runs_table(&runs, now))
        h2 { "Deploys" }
        (deploys_table(&deploys, now))
    };
    Ok(ok(&service.name, &body))
}

/// A task's interval in words, or `off`.
fn interval(service: &Service, task: Task) -> String {
    schedule::interval_minutes(service, task).map_or_else(|| "off".into(), format_minutes)
}

/// The service's settings that say where code and notifications go (credentials hidden).
fn settings(service: &Service) -> Markup {
    let git = &service.git;
    let notify = &service.notification;
    html! {
        dl.facts {
            dt { "Repository" } dd { (git.repository_url.as_deref().unwrap_or("-")) " (" (git.branch) ")" }
            dt { "Level threshold" } dd { (service.level_threshold) }
            @if !service.app_paths.is_empty() { dt { "App paths" } dd { (service.app_paths.join(", ")) } }
            @if !service.app_packages.is_empty() { dt { "App packages" } dd { (service.app_packages.join(", ")) } }
            dt { "Notifications" } dd {
                @if notify.enabled { "on" } @else { "off" }
                @if let Some(url) = &notify.webhook_url { " · webhook " code { (url) } }
                @if let Some(email) = &notify.email { " · email " (email) }
                " · cooldown " (format_minutes(notify.cooldown_minutes))
            }
        }
    }
}

/// Clusters, most recently seen first, each linking to its page.
fn clusters_table(clusters: &[Cluster], now: DateTime<Utc>) -> Markup {
    if clusters.is_empty() {
        return html! { p.muted { "No clusters yet." } };
    }
    table(
        &["ID", "Title", "Kind", "Count", "Last seen", "Status"],
        &html! {
            @for c in clusters { tr {
                td.num { a href=(format!("/clusters/{}", c.id)) { (c.id) } }
                td { a href=(format!("/clusters/{}", c.id)) { (crate::text::cut(&c.title, 140)) } }
                td { (c.kind.as_str()) }
                td.num { (c.count) }
                td.nowrap { (ago(Some(c.last_seen), now)) }
                td class=(status_class(c.status.as_str())) {
                    (c.status.as_str()) @if c.regressed { " " span.tag.bad { "regressed" } }
                }
            } }
        },
    )
}

/// A service's deploys, newest first.
fn deploys_table(deploys: &[Deploy], now: DateTime<Utc>) -> Markup {
    if deploys.is_empty() {
        return html! { p.muted { "No deploys recorded." } };
    }
    table(
        &["Deployed", "Rev", "Commit", "Env", "Source"],
        &html! {
            @for d in deploys { tr {
                td.nowrap { (ago(Some(d.deployed_at), now)) }
                td { code { (d.rev) } }
                td { code { (d.commit.as_deref().map_or("?", short)) } }
                td { (d.env.as_deref().unwrap_or("-")) }
                td { (d.source.as_str()) }
            } }
        },
    )
}
