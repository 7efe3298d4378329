//! The dashboard: server-rendered pages, no script at all. maud escapes every value it prints,
//! so log text (titles, samples, frames, errors) always shows as text; the one page that prints
//! markup it did not build, the report, goes through [`markdown`] with raw HTML escaped.
//!
//! The layout, the style sheet (light and dark, readable on a phone) and the small pieces the
//! pages share live here; one module per page family.

mod activity;
mod cluster;
pub mod markdown;
mod services;

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{Handler, Reply, Req};
use crate::store::{Db, Store, TaskRun};
use crate::ui;

/// The page at `segs`, or `None` when there is none.
pub fn route(handler: &Handler, req: &Req, segs: &[&str]) -> Option<Reply> {
    if !req.is_read() {
        return None;
    }
    let reply = match segs {
        [] => services::index(handler),
        ["services", id] => services::service(handler, id),
        ["clusters", id] => cluster::route(handler, req, id, false),
        ["clusters", id, "rca"] => cluster::route(handler, req, id, true),
        ["notifications"] => activity::notifications(handler),
        ["history"] => activity::history(handler),
        _ => return None,
    };
    Some(reply.unwrap_or_else(|err| {
        Reply::html(
            500,
            page(
                "error",
                &html! {
                    h1 { "Something went wrong" }
                    p { "luffy could not build this page:" }
                    pre { (format!("{err:#}")) }
                },
            )
            .into_string(),
        )
    }))
}

/// The page for a path that has none.
pub fn not_found(path: &str) -> Reply {
    missing(&format!("Nothing lives at {path}."))
}

/// A 404 page saying what is missing.
fn missing(what: &str) -> Reply {
    Reply::html(
        404,
        page(
            "not found",
            &html! { h1 { "Not found" } p { (what) } p { a href="/" { "Back to the services" } } },
        )
        .into_string(),
    )
}

/// A 200 page.
fn ok(title: &str, body: &Markup) -> Reply {
    Reply::html(200, page(title, body).into_string())
}

/// The store, opened read-only for one request.
fn open(handler: &Handler) -> anyhow::Result<Store> {
    Store::open_for_reading(&handler.db_path)
}

/// The style sheet: system fonts, light and dark, tables that scroll sideways on a phone.
const STYLE: &str = r"
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --head: #f6f8fa; --link: #0969da; --bar: #cf222e; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --head: #161b22;
    --link: #4493f8; --bar: #f85149; --ok: #3fb950; --warn: #d29922; --bad: #f85149; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; align-items: baseline;
  padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--head); }
nav .brand { font-weight: 700; font-size: 1.1rem; }
main { padding: 1rem; max-width: 75rem; margin: 0 auto; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--head); white-space: nowrap; }
tr:last-child td { border-bottom: none; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
pre { background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: .6rem;
  overflow-x: auto; font-size: .82rem; line-height: 1.4; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); font-weight: 600; }
.tag { display: inline-block; padding: 0 .4rem; border: 1px solid var(--line); border-radius: 1rem;
  font-size: .8rem; }
.inapp { font-weight: 600; }
svg.chart { width: 100%; height: 120px; display: block; border-bottom: 1px solid var(--line); }
svg.chart rect { fill: var(--bar); }
.axis { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); }
.report { max-width: 52rem; } .report table { width: auto; }
@media (max-width: 600px) { main { padding: .6rem; } body { font-size: 14px; } }
";

/// A whole page around `body`, with the nav bar.
pub fn page(title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · luffy" }
                // the style sheet is ours, a constant: no value from a log goes in it
                style { (PreEscaped(STYLE)) }
            }
            body {
                nav {
                    a.brand href="/" { "luffy" }
                    a href="/" { "Services" }
                    a href="/notifications" { "Notifications" }
                    a href="/history" { "History" }
                }
                main { (body) }
            }
        }
    }
}

/// A past time as `5m ago`, the exact time on hover.
fn ago(time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Markup {
    match time {
        Some(t) => {
            html! { time datetime=(t.to_rfc3339()) title=(crate::store::time_to_sql(t)) { (ui::ago(Some(t), now)) } }
        }
        None => html! { span.muted { "never" } },
    }
}

/// A table that scrolls sideways when the screen is narrow.
fn table(header: &[&str], rows: &Markup) -> Markup {
    html! {
        div.scroll { table {
            thead { tr { @for h in header { th { (h) } } } }
            tbody { (rows) }
        } }
    }
}

/// The first 12 characters of a commit.
fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// A table of task runs, newest first (the history page's, and a service's recent runs).
fn runs_table(runs: &[TaskRun], now: DateTime<Utc>) -> Markup {
    if runs.is_empty() {
        return html! { p.muted { "No task runs yet." } };
    }
    let rows = html! {
        @for run in runs {
            tr {
                td.num { (run.id) }
                td { a href=(format!("/services/{}", run.service_id)) { (run.service_id) } }
                td { (run.task.as_str()) }
                td { (run.trigger.as_str()) }
                td.nowrap { (ago(Some(run.started_at), now)) }
                td.nowrap { (run.finished_at.map_or_else(|| "-".into(), |end| ui::span((end - run.started_at).num_seconds()))) }
                td class=(status_class(run.status.as_str())) { (run.status.as_str()) }
                td { @match &run.error {
                    Some(error) => span.bad { (crate::service::redact_credentials_in(error)) },
                    None => (crate::commands::run::summary(run)),
                } }
            }
        }
    };
    table(
        &[
            "ID", "Service", "Task", "Trigger", "Started", "Took", "Status", "Result",
        ],
        &rows,
    )
}

/// The CSS class for a status word: green for success, red for failure.
fn status_class(status: &str) -> &'static str {
    match status {
        "ok" | "sent" | "delivered" | "resolved" => "ok",
        "failed" | "dead" | "regressed" => "bad",
        "running" | "pending" | "retrying" | "open" => "warn",
        _ => "",
    }
}

/// Whether `db` has a service named `id`.
fn has_service(db: &Db<'_>, id: &str) -> anyhow::Result<Option<crate::service::Service>> {
    match id.parse::<crate::service::ServiceId>() {
        Ok(id) => db.service(&id),
        Err(_) => Ok(None),
    }
}
