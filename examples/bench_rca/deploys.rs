//! The deploy-aware variant (`--deploys`): the branch moved on after the deploy that ran, and
//! an undeployed commit edited the failing line before the error was first seen.
//!
//! A case picks a line of the head whose last change, commit L, edited a line that was already
//! there (git's `diff -U0 L^ L` has it in a hunk that replaced lines); the truth T is the commit
//! that `git blame` of L's first parent names for the replaced line. The deploy D is the newest
//! first-parent commit before L reached the branch (it holds T, not L), deployed at a time
//! between D's landing and L's; the previous deploy is the newest first-parent commit before T
//! reached the branch, deployed before T did (none when T is the first commit). The cluster is
//! first seen 15 to 135 minutes after L reached the branch, so the branch at first-seen has the
//! line as L left it; the trace's frames are numbered as in D (git's blame of D, by T and its
//! line), with two noise lines of other files last changed before T reached the branch.
//!
//! Three arms read the same traces: without deploys (every case in one service, today's rule:
//! the branch at first-seen ran); with the two deploys (one service per case, so that no case's
//! deploys are another's); and with those and the deploys before them that a service deploying
//! often would have recorded (the branch's newest first-parent commit every third hour back),
//! since luffy takes a commit to run from the first recorded deploy that holds it, and with
//! only two deploys recorded every older commit seems to have shipped with the previous one.
//! An undeployed commit is one that D's history does not hold.

use std::collections::HashMap;
use std::path::Path;

use chrono::Duration;
use serde_json::Value;

use super::{git, log, Line, Luffy};

mod cases;

use cases::{cases, DeployCase};

/// Whether `commit` is in `deploy`'s history, cached.
struct Deployed<'a> {
    repo: &'a Path,
    known: HashMap<(String, String), bool>,
}

impl Deployed<'_> {
    fn holds(&mut self, deploy: &str, commit: &str) -> bool {
        let key = (deploy.to_string(), commit.to_string());
        *self.known.entry(key).or_insert_with(|| {
            git(self.repo, &["merge-base", "--is-ancestor", commit, deploy]).is_ok()
        })
    }
}

/// One arm's counts.
#[derive(Default)]
struct Arm {
    cases: usize,
    top1: usize,
    top3: usize,
    missed: usize,
    later_first: usize,
    undeployed_first: usize,
    undeployed_any: usize,
    /// Cases whose report names the deploy that ran.
    named_deploy: usize,
    /// Cases whose frame line in the branch at first-seen is the later commit's, and of those
    /// the cases that name it first.
    aligned: usize,
    aligned_later_first: usize,
}

impl Arm {
    fn add(&mut self, c: &DeployCase, report: &Report, deployed: &mut Deployed<'_>) {
        let suspects = &report.suspects;
        self.named_deploy += usize::from(report.deploy.as_deref() == Some(&c.deploy.commit));
        self.aligned += usize::from(c.aligned);
        self.aligned_later_first += usize::from(c.aligned && suspects.first() == Some(&c.later));
        let rank = suspects
            .iter()
            .position(|s| *s == c.case.truth.commit)
            .map_or(0, |p| p + 1);
        self.cases += 1;
        self.top1 += usize::from(rank == 1);
        self.top3 += usize::from((1..=3).contains(&rank));
        self.missed += usize::from(rank == 0);
        self.later_first += usize::from(suspects.first() == Some(&c.later));
        let undeployed: Vec<bool> = suspects
            .iter()
            .map(|s| !deployed.holds(&c.deploy.commit, s))
            .collect();
        self.undeployed_first += usize::from(undeployed.first() == Some(&true));
        self.undeployed_any += usize::from(undeployed.contains(&true));
        if rank != 1 && std::env::var_os("BENCH_RCA_MISSES").is_some() {
            eprintln!(
                "case {} depth {} truth {} {}:{} later {} deploy {} at {}, first seen {}: suspects {}",
                c.case.id,
                c.case.depth,
                &c.case.truth.commit[..12],
                c.case.truth.file,
                c.case.truth.line,
                &c.later[..12],
                &c.deploy.commit[..12],
                c.deploy.at,
                c.case.first_seen,
                suspects
                    .iter()
                    .take(3)
                    .map(|s| &s[..12.min(s.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }

    fn row(&self, name: &str) -> String {
        let pct = |k: usize| 100.0 * k as f64 / self.cases.max(1) as f64;
        format!(
            "| {name} | {} | {:.1}% | {:.1}% | {} | {} | {} | {} |",
            self.cases,
            pct(self.top1),
            pct(self.top3),
            self.missed,
            self.later_first,
            self.undeployed_first,
            self.undeployed_any
        )
    }
}

/// A service watching one log of traces, with the repository indexed.
fn service(
    luffy: &Luffy,
    id: &str,
    url: &str,
    branch: &str,
    log_path: &Path,
) -> Result<(), String> {
    luffy.run(&["service", "add", id, "--repo", url, "--branch", branch])?;
    let path = log_path.to_string_lossy();
    luffy.run(&[
        "source", "add", id, "log", "--kind", "file", "--path", &path,
    ])?;
    luffy.run(&["trigger", "index", id])?;
    Ok(())
}

/// What a report says: its suspects' commits, best first, and the commit of the deploy it
/// says ran (`deploy.commit`, absent before luffy reads deploys).
struct Report {
    suspects: Vec<String>,
    deploy: Option<String>,
}

/// Each case's report (by its exception type) from service `id`.
fn reports(luffy: &Luffy, id: &str) -> Result<HashMap<String, Report>, String> {
    let clusters: Value = serde_json::from_str(&luffy.run(&["clusters", id, "--json"])?)
        .map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    for c in clusters.as_array().into_iter().flatten() {
        let (Some(t), Some(cluster)) = (c["exception_type"].as_str(), c["id"].as_i64()) else {
            continue;
        };
        let report: Value =
            serde_json::from_str(&luffy.run(&["rca", "show", &cluster.to_string(), "--json"])?)
                .map_err(|e| e.to_string())?;
        let suspects = report["suspects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["commit"].as_str().map(str::to_string))
            .collect();
        let deploy = report["deploy"]["commit"].as_str().map(str::to_string);
        out.insert(t.to_string(), Report { suspects, deploy });
    }
    Ok(out)
}

fn luffy(bin: &Path, dir: &Path, cases: &[DeployCase]) -> Result<Luffy, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let latest = cases
        .iter()
        .map(|c| c.case.first_seen)
        .max()
        .unwrap_or_default();
    Ok(Luffy {
        bin: bin.to_path_buf(),
        db: dir.join("luffy.db"),
        now: (latest + Duration::days(1)).to_rfc3339(),
    })
}

/// Today's rule: every case in one service with no deploys.
fn without(
    bin: &Path,
    url: &str,
    branch: &str,
    cases: &[DeployCase],
    dir: &Path,
    deployed: &mut Deployed<'_>,
) -> Result<Arm, String> {
    let luffy = luffy(bin, dir, cases)?;
    let log_path = dir.join("bench.log");
    std::fs::write(&log_path, log(cases.iter().map(|c| &c.case))).map_err(|e| e.to_string())?;
    service(&luffy, "bench", url, branch, &log_path)?;
    luffy.run(&["trigger", "fetch", "bench"])?;
    luffy.run(&["trigger", "rca", "bench"])?;
    let found = reports(&luffy, "bench")?;
    let mut arm = Arm::default();
    for c in cases {
        let Some(s) = found.get(&format!("Case{:03}Error", c.case.id)) else {
            return Err(format!("case {} has no cluster", c.case.id));
        };
        arm.add(c, s, deployed);
    }
    Ok(arm)
}

/// Each case in a service of its own, with its deploy and the previous one recorded, and with
/// `history` the earlier ones too.
fn with(
    bin: &Path,
    url: &str,
    branch: &str,
    cases: &[DeployCase],
    dir: &Path,
    deployed: &mut Deployed<'_>,
    history: bool,
) -> Result<Arm, String> {
    let luffy = luffy(bin, dir, cases)?;
    if let Err(e) = luffy.run(&["deploy", "list", "--json"]) {
        return Err(format!(
            "{} has no working `luffy deploy` (issue 26, part 2), so the with-deploys arm cannot run: {e}",
            bin.display()
        ));
    }
    let mut arm = Arm::default();
    for c in cases {
        let id = format!("case-{}", c.case.id);
        let log_path = dir.join(format!("{id}.log"));
        std::fs::write(&log_path, log([&c.case])).map_err(|e| e.to_string())?;
        service(&luffy, &id, url, branch, &log_path)?;
        let earlier = if history { &c.earlier[..] } else { &[] };
        for d in earlier.iter().chain(&c.previous).chain([&c.deploy]) {
            luffy.run(&["deploy", "add", &id, &d.commit, "--at", &d.at.to_rfc3339()])?;
        }
        luffy.run(&["trigger", "fetch", &id])?;
        luffy.run(&["trigger", "rca", &id])?;
        let found = reports(&luffy, &id)?;
        let Some(s) = found.get(&format!("Case{:03}Error", c.case.id)) else {
            return Err(format!("case {} has no cluster", c.case.id));
        };
        arm.add(c, s, deployed);
    }
    let listed: Value = serde_json::from_str(&luffy.run(&["deploy", "list", "--json"])?)
        .map_err(|e| e.to_string())?;
    let recorded = listed.as_array().map_or(0, Vec::len);
    let meant: usize = cases
        .iter()
        .map(|c| 1 + usize::from(c.previous.is_some()) + if history { c.earlier.len() } else { 0 })
        .sum();
    if recorded != meant {
        return Err(format!("{recorded} deploys recorded, {meant} meant"));
    }
    Ok(arm)
}

/// Builds `n` deploy cases from `lines`, measures both arms and prints the table.
pub fn run(
    bin: &Path,
    repo: &Path,
    branch: &str,
    lines: &[Line],
    n: usize,
    dir: &Path,
) -> Result<(), String> {
    let (cases, skipped) = cases(repo, lines, n)?;
    let url = format!("file://{}", repo.display());
    let mut deployed = Deployed {
        repo,
        known: HashMap::new(),
    };
    let later: std::collections::HashSet<&str> = cases.iter().map(|c| c.later.as_str()).collect();
    let truths: std::collections::HashSet<&str> =
        cases.iter().map(|c| c.case.truth.commit.as_str()).collect();
    println!(
        "deploy cases: {} ({} truth commits, {} later undeployed commits; {} with a previous deploy; {} picked lines made no case)\n",
        cases.len(),
        truths.len(),
        later.len(),
        cases.iter().filter(|c| c.previous.is_some()).count(),
        skipped
    );
    println!("| deploys recorded (per case, own service) | cases | top-1 | top-3 | missed | later commit first | undeployed first | an undeployed suspect |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let arm = without(
        bin,
        &url,
        branch,
        &cases,
        &dir.join("without"),
        &mut deployed,
    )?;
    println!("{}", arm.row("no"));
    let note = format!(
        "\ncases whose frame line, read in the branch at first-seen, is the later commit's edit: {} (the later commit first in {} of them)",
        arm.aligned, arm.aligned_later_first
    );
    let with_deploys = with(
        bin,
        &url,
        branch,
        &cases,
        &dir.join("with"),
        &mut deployed,
        false,
    );
    if let Ok(arm) = &with_deploys {
        println!("{}", arm.row("yes: the deploy and the previous one"));
    }
    let with_history = with_deploys.as_ref().map_err(String::clone).and_then(|_| {
        with(
            bin,
            &url,
            branch,
            &cases,
            &dir.join("history"),
            &mut deployed,
            true,
        )
    });
    if let Ok(arm) = &with_history {
        println!("{}", arm.row("yes, and one every 3 hours before"));
    }
    println!("{note}");
    let (arm, history) = (with_deploys?, with_history?);
    println!(
        "reports that name the deploy that ran: {} of {} (two deploys), {} of {} (with the earlier ones; {:.1} deploys a case)",
        arm.named_deploy,
        arm.cases,
        history.named_deploy,
        history.cases,
        cases
            .iter()
            .map(|c| c.earlier.len() + 1 + usize::from(c.previous.is_some()))
            .sum::<usize>() as f64 / cases.len().max(1) as f64
    );
    Ok(())
}
