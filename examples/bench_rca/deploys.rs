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
//! Both arms read the same traces: without deploys (every case in one service, today's rule:
//! the branch at first-seen ran) and with them (one service per case, each with its own two
//! deploys, so that no case's deploys are another's). An undeployed commit is one that D's
//! history does not hold.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{git, hunks, log, Case, Line, Luffy, Ran, Rng};

/// A commit deployed at a time.
struct Deploy {
    commit: String,
    at: DateTime<Utc>,
}

struct DeployCase {
    case: Case,
    /// The undeployed commit that last edited the failing line before first-seen.
    later: String,
    deploy: Deploy,
    previous: Option<Deploy>,
    /// The frame's line read in the branch at first-seen is the later commit's edit.
    aligned: bool,
}

/// The first-parent line (oldest first, with commit times) and, for each commit of the head's
/// history, the index on that line of the commit that brought it to the branch.
struct Branch {
    line: Vec<(String, DateTime<Utc>)>,
    landed_at: HashMap<String, usize>,
}

impl Branch {
    fn read(repo: &Path) -> Result<Self, String> {
        let out = git(
            repo,
            &[
                "rev-list",
                "--first-parent",
                "--reverse",
                "--format=%ct %P",
                "HEAD",
            ],
        )?;
        let mut line = Vec::new();
        let mut landed_at = HashMap::new();
        let mut lines = out.lines();
        while let (Some(header), Some(info)) = (lines.next(), lines.next()) {
            let id = header.trim_start_matches("commit ").to_string();
            let mut words = info.split(' ');
            let time = words
                .next()
                .and_then(|t| t.parse().ok())
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .ok_or_else(|| format!("no time for {id}"))?;
            let parents: Vec<&str> = words.collect();
            if parents.len() > 1 {
                let range = format!("{}..{id}", parents[0]);
                for merged in git(repo, &["rev-list", &range])?.lines() {
                    landed_at.insert(merged.to_string(), line.len());
                }
            }
            landed_at.insert(id.clone(), line.len());
            line.push((id, time));
        }
        Ok(Branch { line, landed_at })
    }
}

/// A time strictly between `from` and `to` (a fraction drawn from `rng`), if there is room.
fn between(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let gap = (to - from).num_seconds();
    (gap >= 2).then(|| from + Duration::seconds(1 + (rng.next(98) as i64 * (gap - 1)) / 100))
}

/// `git blame REV -- file`: each line's number at REV to the commit that wrote it and its
/// number there. Empty when REV has no such file.
fn blame_all(repo: &Path, rev: &str, file: &str) -> HashMap<u32, (String, u32)> {
    let mut out = HashMap::new();
    let Ok(porcelain) = git(repo, &["blame", "--porcelain", rev, "--", file]) else {
        return out;
    };
    for l in porcelain.lines() {
        let mut parts = l.split(' ');
        if let (Some(sha), Some(o), Some(n)) = (parts.next(), parts.next(), parts.next()) {
            if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                if let (Ok(o), Ok(n)) = (o.parse(), n.parse()) {
                    out.insert(n, (sha.to_string(), o));
                }
            }
        }
    }
    out
}

/// A line of the head last changed by L, where L replaced a line that T wrote.
struct Edited<'a> {
    head: &'a Line,
    truth: String,
    truth_orig: u32,
}

/// Every line of `lines` whose last change L replaced a line that an earlier commit T wrote
/// (by `git diff -U0 L^ L` and `git blame L^`), grouped by T in the order T reached the branch.
fn edited<'a>(repo: &Path, branch: &Branch, lines: &'a [Line]) -> Vec<Vec<Edited<'a>>> {
    let mut by_change: BTreeMap<(&str, &str), Vec<&Line>> = BTreeMap::new();
    for l in lines {
        by_change.entry((&l.commit, &l.file)).or_default().push(l);
    }
    let mut by_truth: BTreeMap<(usize, String), Vec<Edited<'a>>> = BTreeMap::new();
    for ((commit, file), own) in by_change {
        let Some(&l_at) = branch.landed_at.get(commit) else {
            continue;
        };
        let parent = format!("{commit}^");
        let edits = hunks(repo, &parent, commit, file).unwrap_or_default();
        let replaced: Vec<(&Line, u32)> = own
            .into_iter()
            .filter_map(|l| {
                let &(os, ol, ns, _) = edits.iter().find(|&&(_, ol, ns, nl)| {
                    ol > 0 && nl > 0 && l.orig >= ns && l.orig < ns + nl
                })?;
                Some((l, os + (l.orig - ns).min(ol - 1)))
            })
            .collect();
        if replaced.is_empty() {
            continue;
        }
        let before = blame_all(repo, &parent, file);
        for (l, old) in replaced {
            let Some((truth, truth_orig)) = before.get(&old) else {
                continue;
            };
            let Some(&t_at) = branch.landed_at.get(truth) else {
                continue;
            };
            if t_at < l_at {
                by_truth
                    .entry((t_at, truth.clone()))
                    .or_default()
                    .push(Edited {
                        head: l,
                        truth: truth.clone(),
                        truth_orig: *truth_orig,
                    });
            }
        }
    }
    by_truth.into_values().collect()
}

/// Builds the deploy cases from the head's blamed lines.
struct Picker<'a> {
    repo: &'a Path,
    branch: Branch,
    ran: Ran<'a>,
    /// `git blame` of a file at a commit, by (commit, file).
    blames: HashMap<(String, String), HashMap<u32, (String, u32)>>,
}

impl Picker<'_> {
    /// The case of an edited line, if the deploy before L holds the line as T wrote it and
    /// there is time for the deploys.
    fn try_case(
        &mut self,
        id: usize,
        e: &Edited<'_>,
        rng: &mut Rng,
    ) -> Result<Option<DeployCase>, String> {
        let l = e.head;
        let (l_at, t_at) = (
            self.branch.landed_at[&l.commit],
            self.branch.landed_at[&e.truth],
        );
        let (d_commit, d_time) = self.branch.line[l_at - 1].clone();
        let l_landed = self.branch.line[l_at].1;
        let t_landed = self.branch.line[t_at].1;
        let Some(deployed_at) = between(rng, d_time, l_landed) else {
            return Ok(None);
        };
        let previous = if t_at == 0 {
            None
        } else {
            let (p_commit, p_time) = self.branch.line[t_at - 1].clone();
            match between(rng, p_time, t_landed.min(deployed_at)) {
                Some(at) => Some(Deploy {
                    commit: p_commit,
                    at,
                }),
                None => return Ok(None),
            }
        };
        let mut truth_line = Line {
            file: l.file.clone(),
            line: l.line,
            commit: e.truth.clone(),
            orig: e.truth_orig,
            time: t_landed,
        };
        let (in_deploy, same) = self.ran.line_in(&d_commit, &truth_line)?;
        if !same {
            return Ok(None);
        }
        truth_line.line = in_deploy;
        let first_seen = l_landed + Duration::minutes(15 + rng.next(120) as i64);
        let aligned = self.aligned(first_seen, &truth_line, &l.commit);
        Ok(Some(DeployCase {
            case: Case {
                id,
                depth: id % 3,
                truth: truth_line,
                first_seen,
                frames: Vec::new(),
            },
            later: l.commit.clone(),
            deploy: Deploy {
                commit: d_commit,
                at: deployed_at,
            },
            previous,
            aligned,
        }))
    }

    /// Whether the frame's line, numbered as in the deploy, is in the branch at first-seen a
    /// line that `later` last changed (so that reading it there finds the undeployed edit).
    fn aligned(&mut self, first_seen: DateTime<Utc>, frame: &Line, later: &str) -> bool {
        let Some(at) = self.branch.line.iter().rposition(|(_, t)| *t < first_seen) else {
            return false;
        };
        let key = (self.branch.line[at].0.clone(), frame.file.clone());
        let repo = self.repo;
        let blame = self
            .blames
            .entry(key)
            .or_insert_with_key(|(rev, file)| blame_all(repo, rev, file));
        blame.get(&frame.line).is_some_and(|(c, _)| c == later)
    }

    /// Noise frames around the truth at its depth: lines of other files last changed before T
    /// reached the branch, numbered as in D.
    fn frame(&mut self, c: &mut DeployCase, lines: &[Line], rng: &mut Rng) -> Result<(), String> {
        let noise: Vec<&Line> = lines
            .iter()
            .filter(|l| l.file != c.case.truth.file && l.time < c.case.truth.time)
            .collect();
        if noise.is_empty() {
            c.case.depth = 0;
        }
        for d in 0..3 {
            if d == c.case.depth || noise.is_empty() {
                c.case.frames.push(c.case.truth.clone());
            } else {
                let mut l = noise[rng.next(noise.len())].clone();
                l.line = self.ran.line_in(&c.deploy.commit, &l)?.0;
                c.case.frames.push(l);
            }
        }
        Ok(())
    }
}

/// `n` cases, and how many picked lines did not make one.
fn cases(repo: &Path, lines: &[Line], n: usize) -> Result<(Vec<DeployCase>, usize), String> {
    let branch = Branch::read(repo)?;
    let truths = edited(repo, &branch, lines);
    if truths.is_empty() {
        return Err("no line of the head was edited by a later commit".into());
    }
    let mut picker = Picker {
        repo,
        branch,
        blames: HashMap::new(),
        ran: Ran::new(repo)?,
    };
    let mut rng = Rng(0xDE9_10F);
    let (mut out, mut skipped) = (Vec::new(), 0);
    for id in 0..n {
        let mut attempt = 0;
        let mut case = loop {
            let own = &truths[(id * 7919 + attempt) % truths.len()];
            let e = &own[rng.next(own.len())];
            if let Some(c) = picker.try_case(id, e, &mut rng)? {
                break c;
            }
            skipped += 1;
            attempt += 1;
            if attempt > 5000 {
                return Err("no edited line makes a deploy case".into());
            }
        };
        picker.frame(&mut case, lines, &mut rng)?;
        out.push(case);
    }
    Ok((out, skipped))
}

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

/// Each case in a service of its own, with its deploy and the previous one recorded.
fn with(
    bin: &Path,
    url: &str,
    branch: &str,
    cases: &[DeployCase],
    dir: &Path,
    deployed: &mut Deployed<'_>,
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
        for d in c.previous.iter().chain([&c.deploy]) {
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
        .map(|c| 1 + usize::from(c.previous.is_some()))
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
    println!("| deploys recorded | cases | top-1 | top-3 | missed | later commit first | undeployed first | an undeployed suspect |");
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
    let with = with(bin, &url, branch, &cases, &dir.join("with"), &mut deployed);
    if let Ok(arm) = &with {
        println!("{}", arm.row("yes"));
    }
    println!("{note}");
    let arm = with?;
    println!(
        "reports (with deploys) that name the deploy that ran: {} of {}",
        arm.named_deploy, arm.cases
    );
    Ok(())
}
