//! `GET /metrics` in the Prometheus text exposition format (0.0.4): per service the age of its
//! last fetch, index and RCA, its events and open clusters, its task runs, failures and
//! durations by task, and its outbox. Read in four aggregate queries ([`crate::store::Metrics`]).
//!
//! An age is absent for a task that never ran (rather than NaN or a huge number, which would
//! trip a `> threshold` alert and skew averages): alert on `absent(...)` or on
//! `luffy_service_info` without the age. Counters come from the task history, so they drop
//! when old history is pruned; Prometheus reads a drop as a counter reset.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::{Handler, Reply, Req};
use crate::escape::prometheus::{help, label};
use crate::store::{Metrics, ServiceMetrics, TaskMetrics};

/// When a service's task last ran.
type LastRun = fn(&ServiceMetrics) -> Option<DateTime<Utc>>;
/// A count of a task's runs.
type TaskCount = fn(&TaskMetrics) -> u64;

/// The exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics page; `None` for a method other than GET or HEAD.
pub fn route(handler: &Handler, req: &Req) -> Option<Reply> {
    if !req.is_read() {
        return None;
    }
    let read = handler
        .context()
        .open_store_for_reading()
        .and_then(|store| store.db().metrics());
    Some(match read {
        Ok(metrics) => Reply::text(200, CONTENT_TYPE, render(&metrics, handler.now())),
        Err(err) => Reply::error(500, format!("cannot read the metrics: {err:#}")),
    })
}

/// One metric family: its header, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, kind: &str, text: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {}", help(text));
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out }
    }

    /// A sample `name{labels} value`; labels are (name, value) pairs, values escaped here.
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (key, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{key}=\"{}\"", label(value));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }
}

/// A sample value as the format writes it.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

#[allow(clippy::cast_precision_loss)]
fn float(n: u64) -> f64 {
    n as f64
}

/// The page's text, ages as of `now`.
pub fn render(m: &Metrics, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(256 + m.services.len() * 600 + m.tasks.len() * 400);
    let age = |t: DateTime<Utc>| (now - t).num_milliseconds() as f64 / 1000.0;
    let mut f = Family::new(
        &mut out,
        "luffy_services",
        "gauge",
        "Services luffy watches.",
    );
    f.sample("luffy_services", &[], float(m.services.len() as u64));
    let ages: [(&str, &str, LastRun); 3] = [
        ("luffy_last_fetch_age_seconds", "fetch", |s| s.last_fetch),
        ("luffy_last_index_age_seconds", "code index", |s| {
            s.last_index
        }),
        ("luffy_last_rca_age_seconds", "RCA", |s| s.last_rca),
    ];
    for (name, what, time) in ages {
        let text =
            format!("Seconds since the service's last {what} ran; absent when it never has.");
        let mut f = Family::new(&mut out, name, "gauge", &text);
        for s in &m.services {
            if let Some(t) = time(s) {
                f.sample(name, &[("service", &s.id)], age(t));
            }
        }
    }
    let mut f = Family::new(
        &mut out,
        "luffy_events_total",
        "counter",
        "Error events counted into the service's clusters.",
    );
    for s in &m.services {
        f.sample("luffy_events_total", &[("service", &s.id)], float(s.events));
    }
    let mut f = Family::new(
        &mut out,
        "luffy_open_clusters",
        "gauge",
        "The service's clusters that are open.",
    );
    for s in &m.services {
        f.sample(
            "luffy_open_clusters",
            &[("service", &s.id)],
            float(s.open_clusters),
        );
    }
    tasks(&mut out, m);
    outbox(&mut out, m);
    out
}

/// The task families: runs, failures, durations (a summary without quantiles) and the last
/// duration.
fn tasks(out: &mut String, m: &Metrics) {
    let counters: [(&str, &str, TaskCount); 2] = [
        (
            "luffy_task_runs_total",
            "Task runs recorded in the history (any status, running included).",
            |t| t.runs,
        ),
        ("luffy_task_failures_total", "Task runs that failed.", |t| {
            t.failures
        }),
    ];
    for (name, text, value) in counters {
        let mut f = Family::new(out, name, "counter", text);
        for t in &m.tasks {
            f.sample(
                name,
                &[("service", &t.service_id), ("task", &t.task)],
                float(value(t)),
            );
        }
    }
    let name = "luffy_task_duration_seconds";
    let mut f = Family::new(
        out,
        name,
        "summary",
        "Durations of finished task runs (whole seconds, as the history records them).",
    );
    for t in &m.tasks {
        let labels = [
            ("service", t.service_id.as_str()),
            ("task", t.task.as_str()),
        ];
        f.sample(&format!("{name}_sum"), &labels, t.duration_sum);
        f.sample(&format!("{name}_count"), &labels, float(t.finished));
    }
    let name = "luffy_task_last_duration_seconds";
    let mut f = Family::new(
        out,
        name,
        "gauge",
        "Duration of the task's latest finished run.",
    );
    for t in &m.tasks {
        if let Some(seconds) = t.last_duration {
            f.sample(
                name,
                &[("service", &t.service_id), ("task", &t.task)],
                seconds,
            );
        }
    }
}

/// The outbox: every service with all three statuses, 0 included, so that a rate or an alert
/// has a series to read from the start.
fn outbox(out: &mut String, m: &Metrics) {
    let name = "luffy_outbox_notifications";
    let mut f = Family::new(
        out,
        name,
        "gauge",
        "Notifications in the outbox by status: pending, retrying, or dead (given up on).",
    );
    for s in &m.services {
        for status in ["pending", "retrying", "dead"] {
            let count = m
                .outbox
                .iter()
                .find(|o| o.service_id == s.id && o.status == status)
                .map_or(0, |o| o.count);
            f.sample(
                name,
                &[("service", &s.id), ("status", status)],
                float(count),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::OutboxCount;

    #[test]
    fn the_page_is_the_exposition_format() {
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let m = Metrics {
            services: vec![ServiceMetrics {
                id: "we\"b".into(),
                last_fetch: Some(now - chrono::Duration::seconds(90)),
                last_index: None,
                last_rca: None,
                events: 7,
                open_clusters: 1,
            }],
            tasks: vec![TaskMetrics {
                service_id: "we\"b".into(),
                task: "fetch".into(),
                runs: 3,
                failures: 1,
                finished: 2,
                duration_sum: 4.0,
                last_duration: Some(1.0),
            }],
            outbox: vec![OutboxCount {
                service_id: "we\"b".into(),
                status: "dead".into(),
                count: 2,
            }],
        };
        let page = render(&m, now);
        for line in [
            "# TYPE luffy_last_fetch_age_seconds gauge",
            "luffy_last_fetch_age_seconds{service=\"we\\\"b\"} 90",
            "luffy_events_total{service=\"we\\\"b\"} 7",
            "luffy_task_failures_total{service=\"we\\\"b\",task=\"fetch\"} 1",
            "luffy_task_duration_seconds_sum{service=\"we\\\"b\",task=\"fetch\"} 4",
            "luffy_task_duration_seconds_count{service=\"we\\\"b\",task=\"fetch\"} 2",
            "luffy_outbox_notifications{service=\"we\\\"b\",status=\"dead\"} 2",
            "luffy_outbox_notifications{service=\"we\\\"b\",status=\"pending\"} 0",
        ] {
            assert!(page.lines().any(|l| l == line), "{line} missing in\n{page}");
        }
        assert!(!page.contains("luffy_last_index_age_seconds{"));
    }
}
