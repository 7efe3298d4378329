//! A report as Markdown: what, where, suspect commits, related clusters, narrative.

use std::fmt::Write as _;

use super::Report;
use crate::escape::markdown::{code, fence, text};

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The report as Markdown.
pub fn render(r: &Report) -> String {
    let mut md = String::new();
    let w = &r.what;
    let _ = writeln!(
        md,
        "# Root-cause report: cluster {} ({})\n\n{}\n",
        r.cluster_id,
        text(&r.service_id),
        text(&w.title)
    );
    let _ = writeln!(
        md,
        "Generation {}, written {}{}.\n",
        r.generation,
        time(r.generated_at),
        r.commit.as_deref().map_or_else(
            || " without a code index".to_string(),
            |c| format!(" against commit {}", short(c))
        )
    );
    md.push_str("## What\n\n");
    if w.exception_chain.is_empty() {
        if let Some(t) = &w.template {
            let _ = writeln!(md, "Template: {}\n", code(t));
        }
    } else {
        for (i, link) in w.exception_chain.iter().enumerate() {
            let how = link
                .relation
                .as_deref()
                .map_or_else(String::new, |r| format!("({r}) "));
            let last = if i + 1 == w.exception_chain.len() && i > 0 {
                " (root cause)"
            } else {
                ""
            };
            let message = match link.message.lines().next().map(str::trim) {
                Some(first) if !first.is_empty() => format!(": {}", text(first)),
                _ => String::new(),
            };
            let _ = writeln!(
                md,
                "{}. {how}{}{message}{last}",
                i + 1,
                code(&link.exception_type),
            );
        }
        md.push('\n');
    }
    let day: u64 = w.trend_24h.iter().sum();
    let _ = writeln!(
        md,
        "- count: {} ({day} in the last 24 h), status {}{}\n- first seen {}, last seen {}",
        w.count,
        w.status,
        if w.regressed { ", regressed" } else { "" },
        time(w.first_seen),
        time(w.last_seen)
    );
    let trend: Vec<String> = w.trend_24h.iter().map(u64::to_string).collect();
    let _ = writeln!(md, "- last 24 h, per hour: {}", trend.join(" "));
    let sources: Vec<String> = w
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} ({})",
                text(s.source.as_deref().unwrap_or("a removed source")),
                s.count
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "- sources: {}",
        if sources.is_empty() {
            "none kept".into()
        } else {
            sources.join(", ")
        }
    );
    let _ = writeln!(
        md,
        "- hosts: {}\n",
        if w.hosts.is_empty() {
            "not named by the sources".into()
        } else {
            text(&w.hosts.join(", "))
        }
    );
    md.push_str("## Where\n\n");
    if r.frames.is_empty() {
        md.push_str(
            "No frame of the service's code (in-app, or resolving into the repository).\n\n",
        );
    }
    for f in &r.frames {
        let at = match (&f.path, f.line) {
            (Some(p), Some(l)) => code(&format!("{p}:{l}")),
            (Some(p), None) => code(p),
            _ => "(no file)".into(),
        };
        if f.mapped {
            let _ = writeln!(
                md,
                "{}. {} at {at} → {}{}\n",
                f.depth + 1,
                code(&f.function),
                code(&format!(
                    "{}:{}",
                    f.repo_path.as_deref().unwrap_or("?"),
                    f.repo_line.or(f.line).unwrap_or(0)
                )),
                f.symbol
                    .as_deref()
                    .map_or_else(String::new, |s| format!(" in {}", code(s)))
            );
            if !f.code.is_empty() {
                let fence = fence(f.code.iter().map(|c| c.text.as_str()));
                let _ = writeln!(md, "   {fence}");
                for c in &f.code {
                    let mark = if Some(c.line) == f.repo_line.or(f.line) {
                        ">"
                    } else {
                        " "
                    };
                    let _ = writeln!(md, "   {mark}{:>5} | {}", c.line, c.text);
                }
                let _ = writeln!(md, "   {fence}\n");
            }
        } else {
            let _ = writeln!(
                md,
                "{}. {} at {at}: not mapped ({})\n",
                f.depth + 1,
                code(&f.function),
                f.unmapped_reason.as_deref().unwrap_or("unknown")
            );
        }
    }
    if !r.owners.is_empty() {
        let _ = writeln!(
            md,
            "Owners (CODEOWNERS) of the throwing frame's file: {}\n",
            text(&r.owners.join(", "))
        );
    }
    md.push_str("## Suspect commits\n\n");
    if let Some(d) = &r.deploy {
        let mut about = vec![text(&d.rev)];
        about.extend(d.env.as_deref().map(text));
        if d.source == "logs" {
            about.push("found in the logs".into());
        }
        let since = d.commits_since_previous.map_or_else(String::new, |n| {
            format!(
                ", {n} commit{} since the previous deploy",
                if n == 1 { "" } else { "s" }
            )
        });
        let _ = writeln!(
            md,
            "Blamed in the version that ran: deploy **{}** ({}), {}{since}.\n",
            short(&d.commit),
            about.join(", "),
            time(d.deployed_at)
        );
    }
    if let Some(why) = &r.no_suspects {
        let _ = writeln!(md, "No suspects: {}\n", text(why));
    }
    for (i, s) in r.suspects.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. **{}** {} (score {:.3}): {} \\<{}\\>, {}",
            i + 1,
            short(&s.commit),
            text(&s.summary),
            s.score,
            text(&s.author),
            text(&s.email),
            time(s.date)
        );
        for reason in &s.reasons {
            let _ = writeln!(md, "   - {}", text(reason));
        }
        let shown: Vec<&str> = s.touched_lines.iter().take(8).map(String::as_str).collect();
        let more = s.touched_lines.len().saturating_sub(shown.len());
        let _ = writeln!(
            md,
            "   - touched: {}{}",
            text(&shown.join(", ")),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    md.push_str("\n## Related\n\n");
    if r.related.is_empty() {
        md.push_str("No other cluster was first seen within 15 minutes.\n");
    }
    for rel in &r.related {
        let _ = writeln!(
            md,
            "- cluster {} ({}), first seen {:+}s: {}",
            rel.cluster_id,
            text(&rel.service_id),
            rel.offset_seconds,
            text(&rel.title)
        );
    }
    md.push_str("\n## Narrative\n\n");
    match (&r.narrative, &r.narrative_error) {
        (Some(n), _) => {
            let _ = writeln!(
                md,
                "By {}.\n\n**Likely root cause:** {}\n\n{}\n",
                text(r.model.as_deref().unwrap_or("an LLM")),
                text(&n.root_cause),
                text(&n.explanation)
            );
            for fix in &n.fix_suggestions {
                let _ = writeln!(md, "- fix: {}", text(fix));
            }
            for test in &n.tests_to_add {
                let _ = writeln!(md, "- test: {}", text(test));
            }
        }
        (None, Some(why)) => {
            let _ = writeln!(md, "No narrative: {why}.");
        }
        (None, None) => md.push_str("No narrative.\n"),
    }
    md
}
