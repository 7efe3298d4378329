//! `luffy cluster show`: a cluster with its exception, samples, deploys and grouping inputs,
//! as text and as JSON (the API and the dashboard read it too).

use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context as _, Result};

use super::Context;
use crate::domain::SampleRole;
use crate::error::bad_input;
use crate::grouping::GroupingInputs;
use crate::parse::ParsedException;
use crate::store::{log_time_to_sql, time_to_sql, Cluster, Db, Sample};
use crate::triage::{format_seconds, Snooze, SnoozeCondition};
use crate::ui;

pub(crate) fn load(db: &Db<'_>, id: i64) -> Result<Cluster> {
    db.cluster(id)?
        .ok_or_else(|| bad_input(format!("no cluster {id} (see `luffy clusters`)")))
}

pub(crate) fn summary_json(c: &Cluster) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "service_id": c.service_id,
        "kind": c.kind,
        "title": c.title,
        "exception_type": c.exception_type,
        "template": c.template,
        "count": c.count,
        "first_seen": log_time_to_sql(c.first_seen),
        "last_seen": log_time_to_sql(c.last_seen),
        "status": c.status,
        "regressed": c.regressed,
        "snooze": c.snooze.as_ref().map_or(serde_json::Value::Null, snooze_json),
    })
}

/// A snooze as `cluster show --json` and `clusters --json` give it: one condition set, the
/// others null.
fn snooze_json(s: &Snooze) -> serde_json::Value {
    let (until, count, rate) = match s.condition {
        SnoozeCondition::Until(at) => (Some(time_to_sql(at)), None, None),
        SnoozeCondition::Count(n) => (None, Some(n), None),
        SnoozeCondition::Rate(r) => (
            None,
            None,
            Some(
                serde_json::json!({"count": r.count, "seconds": r.seconds, "rate": r.to_string()}),
            ),
        ),
    };
    serde_json::json!({
        "for_until": until,
        "until_count": count,
        "until_rate": rate,
        "since": time_to_sql(s.since),
        "count_at_since": s.base_count,
    })
}

pub(crate) fn show(ctx: &Context, id: i64, out: &mut dyn Write) -> Result<()> {
    let store = ctx.open_store_for_reading()?;
    let db = store.db();
    let cluster = load(&db, id)?;
    if ctx.json {
        return ui::write_json(out, &show_json(&db, &cluster)?);
    }
    let hours = db.cluster_hours(id)?;
    let samples = db.cluster_samples(id)?;
    let exception = cluster.exception.as_ref();
    let deploys = Deploys::of(&db, &cluster)?;
    let pending = Pending::of(&db, &cluster)?;
    let merged = db.merged_fingerprints(id)?;
    let issue_url = db.cluster_issue_url(id)?;
    let mut text = render(ctx, &cluster, exception, &hours, &samples);
    deploys.describe(&mut text);
    if let Some(url) = &issue_url {
        let _ = writeln!(text, "issue: {}", ui::clip(url));
    }
    if let Some(p) = &pending {
        let _ = writeln!(
            text,
            "notification: waiting for {} events within {} ({} so far)",
            p.threshold.count,
            format_seconds(u64::from(p.threshold.seconds)),
            p.so_far
        );
    }
    if !merged.is_empty() {
        let _ = writeln!(
            text,
            "\nmerged fingerprints (`luffy cluster unmerge {id} FINGERPRINT`):"
        );
        for m in &merged {
            let _ = writeln!(
                text,
                "  {}  was cluster {}: {}",
                m.fingerprint,
                m.source_cluster_id,
                ui::clip(&m.title)
            );
        }
    }
    ui::write_text(out, &text)?;
    Ok(())
}

/// A cluster as `cluster show --json` gives it (and `cluster merge | unmerge --json`).
pub(crate) fn show_json(db: &Db<'_>, cluster: &Cluster) -> Result<serde_json::Value> {
    let id = cluster.id;
    let hours = db.cluster_hours(id)?;
    let samples = db.cluster_samples(id)?;
    let exception = cluster.exception.as_ref();
    let deploys = Deploys::of(db, cluster)?;
    let pending = Pending::of(db, cluster)?;
    let mut value = summary_json(cluster);
    value["notify_pending"] = pending.as_ref().map_or(serde_json::Value::Null, |p| {
        serde_json::json!({
            "count": p.threshold.count,
            "seconds": p.threshold.seconds,
            "threshold": p.threshold.to_string(),
            "so_far": p.so_far,
        })
    });
    let chain: Vec<serde_json::Value> = exception
        .map(|e| {
            e.chain
                .iter()
                .map(|x| {
                    serde_json::json!({
                        "exception_type": x.exception_type,
                        "message": x.message,
                        "relation": x.relation,
                        "frames": x.frames.iter().map(frame_json).collect::<Vec<_>>(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    value["level"] = cluster.level.clone().into();
    value["logger"] = cluster.logger.clone().into();
    value["frames"] = exception
        .and_then(|e| e.chain.first())
        .map(|x| x.frames.iter().map(frame_json).collect::<Vec<_>>())
        .unwrap_or_default()
        .into();
    value["cause_chain"] = chain.into();
    value["truncated"] = exception.is_some_and(ends_cut).into();
    value["samples"] = samples
        .iter()
        .map(|s| serde_json::json!({"role": s.role, "log_time": log_time_to_sql(s.log_time), "text": s.text}))
        .collect::<Vec<_>>()
        .into();
    value["hourly_counts"] = hours
        .iter()
        .map(|(hour, n)| serde_json::json!({"hour": log_time_to_sql(*hour), "count": n}))
        .collect::<Vec<_>>()
        .into();
    value["first_deploy"] = deploys
        .first
        .as_ref()
        .map_or(serde_json::Value::Null, deploy_json);
    value["regressed_at"] = deploys.regressed_at.map(log_time_to_sql).into();
    value["regressed_deploy"] = deploys
        .regressed
        .as_ref()
        .map_or(serde_json::Value::Null, deploy_json);
    value["fingerprint"] = cluster.fingerprint.clone().into();
    value["fingerprint_inputs"] = serde_json::to_value(&cluster.fingerprint_inputs)
        .with_context(|| format!("could not encode cluster {id}'s fingerprint inputs"))?;
    value["rule"] = serde_json::to_value(&cluster.rule)
        .with_context(|| format!("could not encode cluster {id}'s rule"))?;
    value["merged_fingerprints"] = db
        .merged_fingerprints(id)?
        .iter()
        .map(|m| {
            serde_json::json!({
                "fingerprint": m.fingerprint,
                "title": m.title,
                "source_cluster_id": m.source_cluster_id,
                "merged_at": time_to_sql(m.merged_at),
            })
        })
        .collect::<Vec<_>>()
        .into();
    value["issue_url"] = db.cluster_issue_url(id)?.into();
    Ok(value)
}

/// A new cluster's `new_cluster` notification held back by its service's threshold: the
/// threshold, and the most events within one window so far.
struct Pending {
    threshold: crate::triage::Rate,
    so_far: u64,
}

impl Pending {
    fn of(db: &Db<'_>, cluster: &Cluster) -> Result<Option<Pending>> {
        if !cluster.notify_pending {
            return Ok(None);
        }
        let Some(service) = db.service(&cluster.service_id.parse().map_err(anyhow::Error::msg)?)?
        else {
            return Ok(None);
        };
        let threshold = service.notification.threshold;
        let times = db.cluster_log_times(cluster.id, 0)?;
        Ok(Some(Pending {
            threshold,
            so_far: crate::triage::max_in_window(&times, threshold.window()),
        }))
    }
}

/// The deploys that ran when a cluster was first seen and when it came back.
pub(crate) struct Deploys {
    pub(crate) first: Option<crate::store::Deploy>,
    pub(crate) regressed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) regressed: Option<crate::store::Deploy>,
}

impl Deploys {
    pub(crate) fn of(db: &crate::store::Db<'_>, cluster: &Cluster) -> Result<Deploys> {
        let version = db.cluster_first_version(cluster.id)?;
        let first = db.deploy_at(&cluster.service_id, cluster.first_seen, version.as_deref())?;
        let regressed_at = if cluster.regressed {
            db.cluster_regressed_at(cluster.id)?
        } else {
            None
        };
        let regressed = match regressed_at {
            Some(at) => db.deploy_at(&cluster.service_id, at, None)?,
            None => None,
        };
        Ok(Deploys {
            first,
            regressed_at,
            regressed,
        })
    }

    /// Lines for the text of `cluster show`: the deploy first seen in, the one it came back in.
    fn describe(&self, s: &mut String) {
        let name = |d: &crate::store::Deploy| {
            let commit = d.commit.as_deref().unwrap_or("?");
            let short = &commit[..commit.len().min(12)];
            let env = d
                .env
                .as_deref()
                .map_or_else(String::new, |e| format!(", {e}"));
            format!(
                "{short} ({}{env}) deployed {}",
                ui::clip(&d.rev),
                crate::store::time_to_sql(d.deployed_at)
            )
        };
        if let Some(d) = &self.first {
            let _ = writeln!(s, "first seen in deploy {}", name(d));
        }
        if let (Some(at), Some(d)) = (self.regressed_at, &self.regressed) {
            let _ = writeln!(s, "came back {} in deploy {}", log_time_to_sql(at), name(d));
        }
    }
}

fn deploy_json(d: &crate::store::Deploy) -> serde_json::Value {
    serde_json::json!({
        "id": d.id,
        "commit": d.commit,
        "rev": d.rev,
        "deployed_at": crate::store::time_to_sql(d.deployed_at),
        "env": d.env,
        "source": d.source.as_str(),
    })
}

/// Whether a trace ends cut: closed before its exception line was written (its writer stopped
/// mid-trace, or the record was closed while incomplete).
pub(crate) fn ends_cut(exception: &ParsedException) -> bool {
    exception
        .chain
        .first()
        .is_some_and(|e| e.exception_type.is_empty() && !e.frames.is_empty())
}

fn frame_json(f: &crate::parse::Frame) -> serde_json::Value {
    serde_json::json!({
        "function": f.function,
        "module": f.module,
        "path": f.path,
        "line": f.line,
        "in_app": f.in_app,
    })
}

/// How a chained exception relates to the one before it, in words.
pub(crate) fn relation_text(relation: crate::parse::Relation) -> &'static str {
    use crate::parse::Relation;
    match relation {
        Relation::Cause => "caused by",
        Relation::Context => "while handling it:",
        Relation::Suppressed => "suppressed:",
        Relation::Inner => "inner:",
        Relation::Group => "in group:",
    }
}

fn render(
    ctx: &Context,
    c: &Cluster,
    exception: Option<&ParsedException>,
    hours: &[(chrono::DateTime<chrono::Utc>, u64)],
    samples: &[Sample],
) -> String {
    let mut s = String::new();
    let regressed = if c.regressed { ", regressed" } else { "" };
    let _ = writeln!(
        s,
        "cluster {} of {} ({} cluster, {}{regressed})",
        c.id, c.service_id, c.kind, c.status
    );
    let _ = writeln!(s, "title       {}", ui::clip(&c.title));
    let _ = writeln!(s, "count       {}", c.count);
    let _ = writeln!(
        s,
        "first seen  {} ({})",
        log_time_to_sql(c.first_seen),
        ui::ago(Some(c.first_seen), ctx.now)
    );
    let _ = writeln!(
        s,
        "last seen   {} ({})",
        log_time_to_sql(c.last_seen),
        ui::ago(Some(c.last_seen), ctx.now)
    );
    let _ = writeln!(s, "level       {}", c.level.as_deref().unwrap_or("-"));
    if let Some(snooze) = &c.snooze {
        let _ = writeln!(
            s,
            "snoozed     {}, since {}{}",
            snooze.describe(),
            time_to_sql(snooze.since),
            match snooze.condition {
                SnoozeCondition::Count(_) =>
                    format!(" ({} so far)", c.count.saturating_sub(snooze.base_count)),
                _ => String::new(),
            }
        );
    }
    if let Some(logger) = &c.logger {
        let _ = writeln!(s, "logger      {logger}");
    }
    if let Some(exception) = exception {
        let _ = writeln!(s, "\nexception chain ({}):", exception.language.as_str());
        if ends_cut(exception) {
            let _ = writeln!(
                s,
                "  (truncated: the trace ends before its exception line was written)"
            );
        }
        for (i, e) in exception.chain.iter().enumerate() {
            let relation = match (i, e.relation) {
                (0, _) | (_, None) => String::new(),
                (_, Some(r)) => format!("{} ", relation_text(r)),
            };
            let _ = writeln!(
                s,
                "  {relation}{}: {}",
                e.exception_type,
                ui::clip(e.message.lines().next().unwrap_or(""))
            );
            for f in &e.frames {
                let location = match (&f.path, f.line) {
                    (Some(p), Some(l)) => format!(" ({p}:{l})"),
                    (Some(p), None) => format!(" ({p})"),
                    _ => String::new(),
                };
                let mark = if f.in_app { "  [in-app]" } else { "" };
                let _ = writeln!(s, "      at {}{location}{mark}", f.qualified_name());
            }
        }
    } else if let Some(template) = &c.template {
        let _ = writeln!(s, "\ntemplate    {}", ui::clip(template));
    }
    let _ = writeln!(s, "\ncounts by hour (log time):");
    let max = hours.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    for (hour, n) in hours.iter().rev().take(24).rev() {
        let bar = "#".repeat(((n * 30).div_ceil(max)) as usize);
        let _ = writeln!(s, "  {}  {n:>7}  {bar}", hour.format("%Y-%m-%d %H:00"));
    }
    let _ = writeln!(s, "\nsamples:");
    let first = samples.iter().find(|x| x.role == SampleRole::First);
    for sample in samples {
        let same_as_first = first.is_some_and(|f| {
            sample.role == SampleRole::Last
                && f.log_time == sample.log_time
                && f.text == sample.text
        });
        if same_as_first {
            continue;
        }
        let _ = writeln!(
            s,
            "  [{}] {}",
            sample.role,
            log_time_to_sql(sample.log_time)
        );
        for line in sample.text.lines().take(40) {
            let _ = writeln!(s, "    {}", ui::clip(line));
        }
    }
    let _ = writeln!(s, "\nwhy these events are grouped:");
    if let Some(rule) = &c.rule {
        let _ = writeln!(s, "  {}", ui::clip(&rule.to_string()));
        if rule.action != "by frames" {
            // the rule's grouping: what the inputs would say is not what decided
            let _ = writeln!(s, "  fingerprint: {}", c.fingerprint);
            return s;
        }
    }
    match &c.fingerprint_inputs {
        GroupingInputs::Exception(inputs) => {
            for line in inputs.to_string().lines() {
                let _ = writeln!(s, "  {line}");
            }
            return s;
        }
        GroupingInputs::Template(inputs) => {
            let _ = writeln!(
                s,
                "  grouped by message template + level + logger (no stack trace)\n  template: {}\n  level: {}\n  logger: {}",
                ui::clip(inputs.template.as_deref().unwrap_or("")),
                inputs.level.as_str(),
                inputs.logger.as_deref().unwrap_or("-")
            );
        }
    }
    let _ = writeln!(s, "  fingerprint: {}", c.fingerprint);
    s
}
