//! `/clusters/{id}` (what `luffy cluster show` prints: counts, an hourly chart as inline SVG,
//! samples, frames, why the events group, reports, deploys) and `/clusters/{id}/rca` (the
//! latest report, or `?generation=N`, its Markdown rendered).

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup, PreEscaped};

use super::{ago, markdown, missing, ok, open, short, status_class, table};
use crate::commands::cluster_show::{ends_cut, relation_text, Deploys};
use crate::domain::SampleRole;
use crate::grouping::GroupingInputs;
use crate::parse::ParsedException;
use crate::serve::{Handler, Reply, Req};
use crate::store::{log_time_to_sql, Cluster, Db, Deploy, Sample, StoredReport};

/// The most hours the chart shows, the latest ones (a week).
const CHART_HOURS: usize = 168;
/// The fewest: a day, so that a cluster of one hour shows as one bar, not a block.
const MIN_CHART_HOURS: usize = 24;

/// A cluster by the id in the path, or the 404 page.
fn load(db: &Db<'_>, id: &str) -> Result<Result<Cluster, Reply>> {
    let missing_page = || missing(&format!("There is no cluster {id}."));
    let Ok(number) = id.parse::<i64>() else {
        return Ok(Err(missing_page()));
    };
    Ok(db.cluster(number)?.ok_or_else(missing_page))
}

/// `/clusters/{id}`, or with `report` `/clusters/{id}/rca`.
pub fn route(handler: &Handler, req: &Req, id: &str, report: bool) -> Result<Reply> {
    let store = open(handler)?;
    let db = store.db();
    let cluster = match load(&db, id)? {
        Ok(cluster) => cluster,
        Err(reply) => return Ok(reply),
    };
    if report {
        report_page(&db, req, &cluster, handler.now())
    } else {
        page(&db, &cluster, handler.now())
    }
}

/// `/clusters/{id}`.
fn page(db: &Db<'_>, cluster: &Cluster, now: DateTime<Utc>) -> Result<Reply> {
    let hours = db.cluster_hours(cluster.id)?;
    let samples = db.cluster_samples(cluster.id)?;
    let reports = db.rca_reports(cluster.id)?;
    let deploys = Deploys::of(db, cluster)?;
    let c = cluster;
    let body = html! {
        p.muted { a href=(format!("/services/{}", c.service_id)) { (c.service_id) } " › cluster " (c.id) }
        h1 { (c.title) }
        dl.facts {
            dt { "Status" } dd class=(status_class(c.status.as_str())) {
                (c.status.as_str()) @if c.regressed { " " span.tag.bad { "regressed" } }
            }
            dt { "Events" } dd { (c.count) }
            dt { "Kind" } dd { (c.kind.as_str()) }
            dt { "First seen" } dd { (ago(Some(c.first_seen), now)) " · " (log_time_to_sql(c.first_seen)) }
            dt { "Last seen" } dd { (ago(Some(c.last_seen), now)) " · " (log_time_to_sql(c.last_seen)) }
            dt { "Level" } dd { (c.level.as_deref().unwrap_or("-")) }
            @if let Some(logger) = &c.logger { dt { "Logger" } dd { (logger) } }
            dt { "First deploy" } dd { (deploy_text(deploys.first.as_ref())) }
            @if let (Some(at), Some(d)) = (deploys.regressed_at, &deploys.regressed) {
                dt { "Came back" } dd { (log_time_to_sql(at)) " in " (deploy_text(Some(d))) }
            }
        }
        h2 { "Events per hour" }
        (chart(&hours))
        h2 { "Root-cause reports" }
        (reports_list(c.id, &reports, now))
        @if let Some(exception) = &c.exception {
            h2 { "Exception and frames" }
            (frames(exception))
        } @else if let Some(template) = &c.template {
            h2 { "Template" }
            pre { (template) }
        }
        h2 { "Samples" }
        (samples_list(&samples))
        h2 { "Why these events are grouped" }
        (why(c))
    };
    Ok(ok(&format!("cluster {}", c.id), &body))
}

/// A deploy in a few words: commit, rev, env, when.
fn deploy_text(deploy: Option<&Deploy>) -> Markup {
    match deploy {
        None => html! { span.muted { "none recorded" } },
        Some(d) => html! {
            code { (d.commit.as_deref().map_or("?", short)) } " (" (d.rev)
            @if let Some(env) = &d.env { ", " (env) }
            ") deployed " (crate::store::time_to_sql(d.deployed_at))
        },
    }
}

/// Hourly counts as an SVG bar chart: every hour from the first to the last (at least a day, at
/// most a week, ending at the last), one bar each, its hour and count in a tooltip.
fn chart(hours: &[(DateTime<Utc>, u64)]) -> Markup {
    let (Some(first), Some(last)) = (hours.first(), hours.last()) else {
        return html! { p.muted { "No events counted." } };
    };
    let span =
        ((last.0 - first.0).num_hours().max(0) as usize + 1).clamp(MIN_CHART_HOURS, CHART_HOURS);
    let start = last.0 - Duration::hours(span as i64 - 1);
    let mut counts = vec![0u64; span];
    for (hour, n) in hours {
        if let Ok(i) = usize::try_from((*hour - start).num_hours()) {
            if let Some(slot) = counts.get_mut(i) {
                *slot += n;
            }
        }
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let total: u64 = counts.iter().sum();
    let (width, height) = (span as f64 * 10.0, 100.0);
    html! {
        svg.chart viewBox=(format!("0 0 {width} {height}")) preserveAspectRatio="none" role="img"
            aria-label=(format!("{total} events over {span} hours, at most {max} in one hour")) {
            @for (i, n) in counts.iter().enumerate() {
                @let h = if *n == 0 { 0.0 } else { (*n as f64 / max as f64 * height).max(2.0) };
                rect x=(i * 10 + 1) y=(format!("{:.1}", height - h)) width="8" height=(format!("{h:.1}")) {
                    title { ((start + Duration::hours(i as i64)).format("%Y-%m-%d %H:00")) ": " (n) }
                }
            }
        }
        div.axis {
            span { (start.format("%Y-%m-%d %H:00")) }
            span { "max " (max) "/h · " (total) " events" }
            span { (last.0.format("%Y-%m-%d %H:00")) }
        }
    }
}

/// The exception chain, outermost first, each with its frames (in-app ones marked).
fn frames(exception: &ParsedException) -> Markup {
    html! {
        p.muted { (exception.language.as_str()) " trace"
            @if ends_cut(exception) { " · truncated: the trace ends before its exception line was written" } }
        @for (i, e) in exception.chain.iter().enumerate() {
            p {
                @if let (true, Some(r)) = (i > 0, e.relation) { span.muted { (relation_text(r)) } " " }
                strong { (e.exception_type) } ": " (e.message.lines().next().unwrap_or(""))
            }
            @if !e.frames.is_empty() {
                (table(&["", "Function", "Location"], &html! {
                    @for f in &e.frames {
                        tr class=[f.in_app.then_some("inapp")] {
                            td { @if f.in_app { span.tag { "in-app" } } }
                            td { code { (f.qualified_name()) } }
                            td { code { (f.path.as_deref().unwrap_or("")) @if let Some(l) = f.line { ":" (l) } } }
                        }
                    }
                }))
            }
        }
    }
}

/// The kept samples (first, last, distinct ones), their log text as text.
fn samples_list(samples: &[Sample]) -> Markup {
    let first = samples.iter().find(|s| s.role == SampleRole::First);
    html! {
        @if samples.is_empty() { p.muted { "No samples kept." } }
        @for s in samples {
            @if !(s.role == SampleRole::Last && first.is_some_and(|f| f.log_time == s.log_time && f.text == s.text)) {
                p.muted { span.tag { (s.role.as_str()) } " " (log_time_to_sql(s.log_time)) }
                pre { (s.text) }
            }
        }
    }
}

/// The fingerprint's inputs: what two events must share to land here.
fn why(c: &Cluster) -> Markup {
    // a rule's own grouping is not what the inputs say: the rule is the reason
    let by_rule = c
        .rule
        .as_ref()
        .is_some_and(|rule| rule.action != "by frames");
    html! {
        @if let Some(rule) = &c.rule {
            p { "Grouped by a grouping rule of the service: " code { (rule.to_string()) } }
        }
        @if !by_rule {
            @match &c.fingerprint_inputs {
                GroupingInputs::Exception(inputs) => pre { (inputs.to_string()) },
                GroupingInputs::Template(inputs) => {
                    p { "Grouped by message template, level and logger (no stack trace)." }
                    dl.facts {
                        dt { "Template" } dd { code { (inputs.template.as_deref().unwrap_or("")) } }
                        dt { "Level" } dd { (inputs.level.as_str()) }
                        dt { "Logger" } dd { (inputs.logger.as_deref().unwrap_or("-")) }
                    }
                }
            }
        }
        p.muted { "Fingerprint " code { (c.fingerprint) } }
    }
}

/// The cluster's reports, newest first, each a link to its page.
fn reports_list(cluster: i64, reports: &[StoredReport], now: DateTime<Utc>) -> Markup {
    if reports.is_empty() {
        return html! { p.muted { "No report yet." } };
    }
    table(
        &["Report", "Written", "Commit", "Model", "Events then"],
        &html! {
            @for (i, r) in reports.iter().enumerate() { tr {
                td { a href=(report_url(cluster, r, i == 0)) { "#" (r.generation) @if i == 0 { " (latest)" } } }
                td.nowrap { (ago(Some(r.generated_at), now)) }
                td { code { (r.commit.as_deref().map_or("-", short)) } }
                td { (r.model.as_deref().unwrap_or("-")) }
                td.num { (r.cluster_count) }
            } }
        },
    )
}

fn report_url(cluster: i64, report: &StoredReport, latest: bool) -> String {
    if latest {
        format!("/clusters/{cluster}/rca")
    } else {
        format!("/clusters/{cluster}/rca?generation={}", report.generation)
    }
}

/// `/clusters/{id}/rca`: the latest report (or `?generation=N`) rendered.
fn report_page(db: &Db<'_>, req: &Req, cluster: &Cluster, now: DateTime<Utc>) -> Result<Reply> {
    let reports = db.rca_reports(cluster.id)?;
    let wanted = req.param("generation");
    let chosen = match wanted {
        None => reports.first(),
        Some(g) => reports.iter().find(|r| r.generation.to_string() == g),
    };
    let Some(r) = chosen else {
        return Ok(missing(&match wanted {
            None => format!("Cluster {} has no root-cause report yet.", cluster.id),
            Some(g) => format!("Cluster {} has no report #{g}.", cluster.id),
        }));
    };
    let body = html! {
        p.muted {
            a href=(format!("/services/{}", cluster.service_id)) { (cluster.service_id) } " › "
            a href=(format!("/clusters/{}", cluster.id)) { "cluster " (cluster.id) } " › report #" (r.generation)
        }
        p.muted {
            "Written " (ago(Some(r.generated_at), now))
            @if let Some(commit) = &r.commit { " at " code { (short(commit)) } }
            @if let Some(model) = &r.model { " by " (model) }
            " · " (r.cluster_count) " events then"
        }
        // pulldown-cmark's HTML, with every raw HTML piece turned to text (see markdown.rs)
        article.report { (PreEscaped(markdown::to_html(&r.markdown))) }
    };
    Ok(ok(&format!("report of cluster {}", cluster.id), &body))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_chart_has_a_bar_per_hour_from_a_day_to_a_week() {
        let at = |h: i64| Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap() + Duration::hours(h);
        let day = chart(&[(at(0), 3), (at(5), 1)]).into_string();
        assert_eq!(day.matches("<rect ").count(), 24, "{day}");
        assert!(day.contains("<title>2024-01-15 05:00: 1</title>"), "{day}");
        assert!(day.contains("<title>2024-01-15 04:00: 0</title>"), "{day}");
        assert!(day.contains("max 3/h · 4 events"), "{day}");
        // the tallest bar fills the height
        assert!(
            day.contains("y=\"0.0\" width=\"8\" height=\"100.0\""),
            "{day}"
        );
        let month = chart(&[(at(0), 1), (at(24 * 30), 2)]).into_string();
        assert_eq!(month.matches("<rect ").count(), 168, "{month}");
        assert!(month.contains("max 2/h · 2 events"), "{month}");
        assert!(chart(&[]).into_string().contains("No events counted."));
    }
}
