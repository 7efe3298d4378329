//! One report from a cluster: the evidence read from the store and the checkout, ranked.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::code::blame::{BlamedLine, Checkout};
use crate::code::owners::{self, Owners};
use crate::parse::Frame;
use crate::rca::suspects::{rank, CommitFacts, Evidence};
use crate::rca::{ChainLink, CodeLine, DeployRef, FrameReport, Related, Report, SourceCount, What};
use crate::service::Service;
use crate::store::{Cluster, CodeIndex, Db};
use crate::tasks::TaskEnv;

use super::deploys::Deploys;
use super::frames::{jvm_source_path, Chooser};

/// Clusters first seen this close to a cluster's first-seen are related to it.
pub const RELATED_WINDOW_MINUTES: i64 = 15;
/// Lines of code shown on each side of a frame's line.
const CONTEXT_LINES: u32 = 3;
/// Lines of the enclosing function blamed on each side of the frame's line, at most.
const FUNCTION_LINES: u32 = 60;
/// Suspects kept.
const TOP: usize = 5;

/// The repository's CODEOWNERS at the checkout's commit: the first of [`owners::LOCATIONS`]
/// that exists.
fn codeowners(checkout: &Checkout) -> Result<Owners> {
    for path in owners::LOCATIONS {
        if let Some(lines) = checkout.lines(path)? {
            return Ok(Owners::parse(&lines.join("\n")));
        }
    }
    Ok(Owners::default())
}

/// What every report of one run shares: the service, its index and checkout, the settings.
pub struct Builder<'a> {
    service: &'a Service,
    env: &'a TaskEnv<'a>,
    index: Option<CodeIndex>,
    checkout: Result<Checkout, String>,
    /// The repository's CODEOWNERS at the indexed commit (empty when it has none).
    owners: Owners,
    /// The service's deploys the repository has.
    deploys: Deploys,
    /// Commits that started running longer than this before first-seen are not suspects.
    window_days: u32,
}

impl<'a> Builder<'a> {
    pub fn new(db: &Db<'_>, service: &'a Service, env: &'a TaskEnv<'a>) -> Result<Self> {
        let index = db.code_index(service.id.as_str())?;
        let checkout = match &index {
            None => Err(format!(
                "{id} has no code index; build it with `luffy trigger index {id}`",
                id = service.id
            )),
            Some(index) => crate::tasks::index::repo_spec(service, env)
                .and_then(|spec| Checkout::open(&spec.path, &index.commit))
                .map_err(|err| format!("cannot read the indexed checkout: {err:#}")),
        };
        let owners = match &checkout {
            Ok(checkout) => codeowners(checkout)?,
            Err(_) => Owners::default(),
        };
        let deploys = Deploys::load(db, service.id.as_str(), checkout.as_ref().ok())?;
        Ok(Builder {
            service,
            env,
            index,
            checkout,
            owners,
            deploys,
            window_days: service
                .suspect_window_days
                .unwrap_or(env.config.rca.suspect_window_days),
        })
    }

    /// Deploys found in the logs whose version this run resolved to a commit: (id, commit).
    pub fn resolved_deploys(&self) -> &[(i64, String)] {
        self.deploys.resolved()
    }

    /// What chooses the frames of `cluster`'s trace.
    fn chooser(&self, cluster: &Cluster) -> Chooser<'_> {
        Chooser {
            service: self.service,
            defaults: &self.env.config.path_mappings,
            indexed: self.index.is_some(),
            checkout: self.checkout.as_ref().ok(),
            first_seen: cluster.first_seen,
        }
    }

    /// Whether the deploys now say another version ran at `cluster`'s first-seen than its
    /// report `last` took (checked only when the service has deploys, or the report had one).
    pub fn ran_other_than(
        &self,
        db: &Db<'_>,
        cluster: &Cluster,
        last: &crate::store::StoredReport,
    ) -> Result<bool> {
        let Ok(checkout) = &self.checkout else {
            return Ok(false);
        };
        if self.deploys.is_empty() && !last.json.contains("\"deploy\":{") {
            return Ok(false);
        }
        let now = self.deploys.ran(db, cluster, checkout)?.map(|r| r.commit);
        let then = serde_json::from_str::<Report>(&last.json)
            .ok()
            .and_then(|r| r.deploy)
            .map(|d| d.commit);
        Ok(now != then)
    }

    /// The indexed commit.
    pub fn commit(&self) -> Option<&str> {
        self.index.as_ref().map(|i| i.commit.as_str())
    }

    /// The report of `cluster` as its `generation`th, at `now`.
    pub fn report(
        &self,
        db: &Db<'_>,
        cluster: &Cluster,
        generation: u32,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let what = what(db, cluster, now)?;
        // the code that ran at first-seen: a deploy's, else the branch as it was then
        let ran = match &self.checkout {
            Ok(checkout) => {
                let ran = self.deploys.ran(db, cluster, checkout)?;
                checkout.set_ran(ran.as_ref().map(|r| r.commit.as_str()))?;
                ran
            }
            Err(_) => None,
        };
        let frames = match &cluster.exception {
            Some(exception) => self.chooser(cluster).choose(db, exception)?,
            None => Vec::new(),
        };
        let mut reports = Vec::new();
        let mut evidence = Vec::new();
        for (depth, frame) in frames.iter().enumerate() {
            let (report, lines) = self.frame(db, frame, depth, cluster.first_seen)?;
            evidence.extend(lines);
            reports.push(report);
        }
        let window = Duration::days(i64::from(self.window_days));
        // When each candidate started running (reached the branch, or went out in a deploy),
        // and (for those that can be suspects) its size.
        let mut facts = BTreeMap::new();
        if let Ok(checkout) = &self.checkout {
            for e in &evidence {
                if !facts.contains_key(&e.commit.id) {
                    // Where a history-limited clone stops, blame credits lines that may be
                    // older: never deployed in the window, it lands before any (`landed`).
                    let deployed = match &ran {
                        Some(_) if checkout.beyond_history(&e.commit.id) => None,
                        Some(ran) => self.deploys.live_since(checkout, ran, &e.commit.id)?,
                        None => None,
                    };
                    let landed = match deployed {
                        Some(at) => at,
                        None => checkout.landed(&e.commit.id)?,
                    };
                    let deployed = deployed.is_some();
                    let suspect =
                        landed < cluster.first_seen && landed >= cluster.first_seen - window;
                    let added = if suspect {
                        checkout.lines_added(&e.commit.id)?
                    } else {
                        0
                    };
                    facts.insert(
                        e.commit.id.clone(),
                        CommitFacts {
                            added,
                            landed,
                            deployed,
                        },
                    );
                }
            }
        }
        let mut ranking = rank(&evidence, &facts, cluster.first_seen, window, TOP);
        let deploy = match (&ran, &self.checkout) {
            (Some(ran), Ok(checkout)) => {
                let deploy = ran.reference(checkout)?;
                for suspect in &mut ranking.suspects {
                    if ran.brought(checkout, &suspect.commit)? {
                        suspect.reasons.push(shipped(&deploy, cluster.first_seen));
                    }
                }
                checkout.set_ran(None)?;
                Some(deploy)
            }
            _ => None,
        };
        let no_suspects = if ranking.suspects.is_empty() {
            Some(self.why_none(cluster, &reports, &ranking))
        } else {
            None
        };
        let mut report = Report {
            cluster_id: cluster.id,
            service_id: cluster.service_id.clone(),
            generation,
            generated_at: now,
            commit: self.commit().map(str::to_string),
            what,
            frames: reports,
            suspects: ranking.suspects,
            no_suspects,
            related: related(db, cluster)?,
            narrative: None,
            model: None,
            narrative_error: None,
            owners: Vec::new(),
            deploy,
        };
        // the throwing frame's file: the innermost frame that maps into the repository
        report.owners = report
            .frames
            .iter()
            .find(|f| f.mapped)
            .map(|f| f.owners.clone())
            .unwrap_or_default();
        match &self.env.config.llm {
            None => {
                report.narrative_error = Some("no [llm] is configured".into());
            }
            Some(llm) => {
                report.model = Some(llm.model.clone());
                match crate::rca::llm::narrate(llm, &report) {
                    Ok(n) => report.narrative = Some(n),
                    Err(why) => report.narrative_error = Some(why),
                }
            }
        }
        Ok(report)
    }

    /// Says plainly why a report has no suspects.
    fn why_none(
        &self,
        cluster: &Cluster,
        frames: &[FrameReport],
        ranking: &crate::rca::suspects::Ranking,
    ) -> String {
        let id = &self.service.id;
        let Some(exception) = &cluster.exception else {
            return "the cluster is a log template without a stack trace: there are no frames \
                    to map"
                .into();
        };
        if frames.is_empty() {
            let all = exception.all_frames().count();
            if self.index.is_none() {
                return format!(
                    "none of the trace's {all} frames is in-app, and {id} has no code index \
                     to resolve their paths in (build it with `luffy trigger index {id}`, or \
                     mark application code with `luffy service set {id} --app-path PREFIX` or \
                     `--app-package PREFIX`)"
                );
            }
            return format!(
                "none of the trace's {all} frames is in-app, and no frame's path resolves into \
                 the repository at the indexed commit (mark application code with \
                 `luffy service set {id} --app-path PREFIX` or `--app-package PREFIX`, or map \
                 paths with `--path-map FROM=TO`)"
            );
        }
        if let Err(why) = &self.checkout {
            return why.clone();
        }
        if frames.iter().all(|f| !f.mapped) {
            return format!(
                "no in-app frame's path maps to a file of the repository at the indexed commit \
                 (add a map with `luffy service set {id} --path-map FROM=TO`)"
            );
        }
        if ranking.candidates == 0 {
            return "blame names no commit for the mapped frames' lines".into();
        }
        format!(
            "all {} commits that blame names are outside the window: {} authored at or after \
             first-seen ({}), {} more than {} days before it",
            ranking.candidates,
            ranking.after_first_seen,
            cluster
                .first_seen
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ranking.too_old,
            self.window_days
        ) + &format!(
            " (the window is `[rca] suspect_window_days` in the configuration, or `luffy service \
             set {id} --suspect-window DAYS`)"
        )
    }

    /// One frame mapped onto the checkout, with the blame evidence of its lines.
    fn frame(
        &self,
        db: &Db<'_>,
        frame: &Frame,
        depth: usize,
        first_seen: DateTime<Utc>,
    ) -> Result<(FrameReport, Vec<Evidence>)> {
        let function = frame.qualified_name();
        let mut report = FrameReport {
            function,
            path: frame.path.clone(),
            line: frame.line,
            repo_path: None,
            repo_line: None,
            symbol: None,
            symbol_lines: None,
            mapped: false,
            matched_by: None,
            depth,
            code: Vec::new(),
            unmapped_reason: None,
            owners: Vec::new(),
        };
        let Some(path) = &frame.path else {
            report.unmapped_reason = Some("the frame names no file".into());
            return Ok((report, Vec::new()));
        };
        if self.index.is_none() {
            report.unmapped_reason = Some("no code index".into());
            return Ok((report, Vec::new()));
        }
        // A JVM frame prints only the file's name; its class's package is where it lives.
        let lookup = jvm_source_path(frame).unwrap_or_else(|| path.clone());
        let (files, matched) =
            db.resolve_frame_path(self.service, &self.env.config.path_mappings, &lookup)?;
        let file = match files.as_slice() {
            [] => {
                report.unmapped_reason = Some(format!("no file of the repository matches {path}"));
                return Ok((report, Vec::new()));
            }
            [file] => file,
            many => {
                let paths: Vec<&str> = many.iter().map(|f| f.path.as_str()).collect();
                report.unmapped_reason = Some(format!(
                    "{} files of the repository match {path} equally: {}",
                    many.len(),
                    paths.join(", ")
                ));
                return Ok((report, Vec::new()));
            }
        };
        report.repo_path = Some(file.path.clone());
        report.matched_by = Some(matched);
        report.mapped = true;
        report.owners = self.owners.of(&file.path).to_vec();
        let Some(mut line) = frame.line else {
            return Ok((report, Vec::new()));
        };
        // The frame's line is in the code that ran when the error was first seen; commits
        // since may have moved it at the indexed commit.
        if let Ok(checkout) = &self.checkout {
            let now = checkout.line_now(&file.path, line, first_seen)?;
            if now != line {
                report.repo_line = Some(now);
                line = now;
            }
        }
        let symbol = db.symbol_at(file.id, line)?;
        if let Some(s) = &symbol {
            report.symbol = Some(match &s.container {
                Some(c) => format!("{c}.{}", s.name),
                None => s.name.clone(),
            });
            report.symbol_lines = Some((s.start_line, s.end_line));
        }
        let Ok(checkout) = &self.checkout else {
            return Ok((report, Vec::new()));
        };
        let Some(lines) = checkout.lines(&file.path)? else {
            return Ok((report, Vec::new()));
        };
        let total = lines.len() as u32;
        if line > total {
            report.mapped = false;
            report.unmapped_reason = Some(format!(
                "line {line} is past the end of {} ({total} lines at the indexed commit)",
                file.path
            ));
            return Ok((report, Vec::new()));
        }
        let from = line.saturating_sub(CONTEXT_LINES).max(1);
        let to = (line + CONTEXT_LINES).min(total);
        report.code = (from..=to)
            .map(|n| CodeLine {
                line: n,
                text: lines[(n - 1) as usize].clone(),
            })
            .collect();
        let (start, end) = symbol.as_ref().map_or((line, line), |s| {
            (
                s.start_line.max(line.saturating_sub(FUNCTION_LINES)).max(1),
                s.end_line.min(line + FUNCTION_LINES).min(total),
            )
        });
        // Blamed in the version that ran (the same stretch around the frame's line as it was
        // numbered there), and numbered as at the indexed commit; at the indexed commit, past
        // what was not on the branch yet, when that version has no such file.
        let ran_line = frame.line.unwrap_or(line);
        // (blamed line, its number at the indexed commit, whether it is the frame's own line)
        let blamed: Vec<(BlamedLine, u32, bool)> = match checkout.blame_as_run(
            &file.path,
            ran_line.saturating_sub(line.saturating_sub(start)).max(1),
            ran_line + (end.max(line) - line),
            first_seen,
        )? {
            Some(blamed) => {
                let ran_lines: Vec<u32> = blamed.iter().map(|b| b.line).collect();
                let now = checkout.lines_now(&file.path, &ran_lines, first_seen)?;
                blamed
                    .into_iter()
                    .zip(now)
                    .map(|(b, now)| {
                        let exact = b.line == ran_line;
                        (b, if exact { line } else { now }, exact)
                    })
                    .collect()
            }
            None => checkout
                .blame(&file.path, start, end.max(line), Some(first_seen))?
                .into_iter()
                .map(|b| {
                    let now = b.line;
                    (b, now, now == line)
                })
                .collect(),
        };
        let evidence = blamed
            .into_iter()
            .map(|(b, now, exact)| Evidence {
                depth,
                path: file.path.clone(),
                line: now,
                frame_line: line,
                exact,
                symbol: report.symbol.clone(),
                commit: b.commit,
            })
            .collect();
        Ok((report, evidence))
    }
}

/// What a suspect that the deploy which ran brought says of it: "shipped in deploy abc1234
/// (v1.4.0) 40 minutes before first-seen, 5 commits since the previous deploy".
fn shipped(deploy: &DeployRef, first_seen: DateTime<Utc>) -> String {
    let short = &deploy.commit[..deploy.commit.len().min(7)];
    let named = if deploy.commit.starts_with(&deploy.rev) {
        String::new()
    } else {
        format!(" ({})", deploy.rev)
    };
    let before = crate::rca::suspects::ago(first_seen - deploy.deployed_at);
    let since = deploy.commits_since_previous.map_or_else(String::new, |n| {
        format!(
            ", {n} commit{} since the previous deploy",
            if n == 1 { "" } else { "s" }
        )
    });
    format!("shipped in deploy {short}{named} {before} before first-seen{since}")
}

/// The report's "what": chain or template, counts, times, trend, sources.
fn what(db: &Db<'_>, cluster: &Cluster, now: DateTime<Utc>) -> Result<What> {
    let chain = cluster
        .exception
        .as_ref()
        .map(|e| {
            e.chain
                .iter()
                .map(|x| ChainLink {
                    exception_type: x.exception_type.clone(),
                    message: x.message.clone(),
                    relation: x.relation.map(|r| {
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    let first_hour = hour - Duration::hours(23);
    let mut trend = vec![0u64; 24];
    for (at, count) in db.cluster_hours(cluster.id)? {
        if at >= first_hour && at <= hour {
            let i = ((at - first_hour).num_hours()) as usize;
            if let Some(slot) = trend.get_mut(i) {
                *slot += count;
            }
        }
    }
    let sources = db
        .cluster_sources(cluster.id)?
        .into_iter()
        .map(|(source, count)| SourceCount { source, count })
        .collect();
    Ok(What {
        title: cluster.title.clone(),
        kind: cluster.kind.as_str().to_string(),
        exception_chain: chain,
        template: cluster.template.clone(),
        count: cluster.count,
        first_seen: cluster.first_seen,
        last_seen: cluster.last_seen,
        status: cluster.status.as_str().to_string(),
        regressed: cluster.regressed,
        trend_24h: trend,
        sources,
        hosts: Vec::new(),
    })
}

/// Clusters of every service first seen within [`RELATED_WINDOW_MINUTES`] of this one.
fn related(db: &Db<'_>, cluster: &Cluster) -> Result<Vec<Related>> {
    let window = Duration::minutes(RELATED_WINDOW_MINUTES);
    Ok(db
        .clusters_first_seen_between(cluster.first_seen - window, cluster.first_seen + window)?
        .into_iter()
        .filter(|c| c.id != cluster.id)
        .map(|c| Related {
            cluster_id: c.id,
            service_id: c.service_id,
            title: c.title,
            first_seen: c.first_seen,
            offset_seconds: (c.first_seen - cluster.first_seen).num_seconds(),
        })
        .collect())
}
