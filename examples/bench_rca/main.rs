//! Accuracy of root-cause suspects over a real repository's history (luffy's own by default).
//!
//! For each case the generator picks a real commit and a line (of `src/**/*.rs`, or the files
//! `--files` names) that the commit last
//! changed at the branch's head (by `git blame --line-porcelain`, independent of luffy's own
//! blame), and writes a stack trace whose frames point at that line (numbered as it was in the
//! code that ran at first-seen, the newest commit before it: the line of that version's `git
//! blame` with the same commit and original line) at depth 0, 1 or 2, among
//! two noise frames at lines of other files and two library frames that are not in the
//! repository. The cluster is first seen 15 to 135 minutes after the commit reached the
//! branch (its own commit time on the first-parent line, or that of the merge that brought it
//! in: code runs once it is on the branch, not when its author wrote it). luffy then
//! fetches the traces, indexes the repository (cloned from a file:// URL), writes its reports,
//! and the benchmark reads where the picked commit ranks.
//!
//! Two kinds of noise: `older` (the noise lines were last changed by commits that reached the
//! branch before the picked one:
//! callers' code that did not change) and `any` (noise lines last changed by any commit,
//! newer ones too, as long as before first-seen they compete). Under the table: how many cases
//! have a noise frame nearer the throw last changed by a commit that reached the branch after
//! the picked one and before first-seen (a newer change nearer the throw, which should rank
//! first), and top-1 over the other cases.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_rca -- [--repo PATH] [--cases N]
//!     [--files PATHSPEC,...] [--rev REV] [--bin PATH] [--deploys]
//! ```
//!
//! `BENCH_RCA_MISSES=1` prints each case whose commit does not rank first, with the top three;
//! `BENCH_RCA_KEEP=1` keeps the working directory (the clone, the logs and the databases).
//!
//! `--rev REV` reads the history up to REV (from a clone), so that the cases stay the same as the
//! repository moves on; without it, the checked-out branch's head.
//!
//! `--deploys` measures the deploy-aware variant instead (`deploys.rs`): the branch moved on
//! after the deploy that ran and an undeployed commit edited the failing line before
//! first-seen; the truth is the commit that wrote the line as deployed. One table: the same
//! cases with no deploys recorded (the branch at first-seen ran), with the deploy and the one
//! before it recorded (`luffy deploy add`, one service per case), and with the deploys before
//! those too (one every third hour): top-1 and top-3 of the truth, how often the later
//! undeployed commit or any undeployed commit is named first, and in how many cases any
//! undeployed commit is a suspect at all. Without `luffy deploy` in the binary, the
//! with-deploys rows fail and say so.
//!
//! A second history, at the pace a real project ships: `examples/bench_rca_history.py` builds a
//! repository from a PyPI package's successive releases, one commit each, dated when each was
//! uploaded; pass it with `--repo DIR --files '*.py'`.

#![allow(clippy::format_push_string, clippy::struct_field_names)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

mod deploys;

/// A line of the head and the commit that last changed it.
#[derive(Clone)]
struct Line {
    file: String,
    line: u32,
    commit: String,
    /// The line's number in that commit (with the commit, what identifies the line in any
    /// later version's blame).
    orig: u32,
    /// When the commit reached the branch (its own commit time on the first-parent line, or
    /// the merge's that brought it in): from then on it ran.
    time: DateTime<Utc>,
}

struct Case {
    id: usize,
    truth: Line,
    depth: usize,
    first_seen: DateTime<Utc>,
    /// In-app frames, nearest the throw first: lines of the head, numbered as in the code that
    /// ran at first-seen once `as_run` has been through them.
    frames: Vec<Line>,
}

/// A small deterministic generator (64-bit LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every substantive line of the head's files that `pathspecs` match, with the commit that last
/// changed it.
fn blamed_lines(repo: &Path, pathspecs: &[String]) -> Result<Vec<Line>, String> {
    let landed = landed(repo)?;
    let mut args = vec!["ls-files", "--"];
    args.extend(pathspecs.iter().map(String::as_str));
    let files = git(repo, &args)?;
    let mut out = Vec::new();
    for file in files.lines() {
        let porcelain = git(repo, &["blame", "--line-porcelain", "HEAD", "--", file])?;
        let (mut commit, mut orig, mut line) = (String::new(), 0u32, 0u32);
        for l in porcelain.lines() {
            if let Some(text) = l.strip_prefix('\t') {
                let t = text.trim();
                let substantive = t.len() >= 8
                    && !t.starts_with("//")
                    && !t.starts_with('#')
                    && t.chars().any(char::is_alphabetic);
                if let (true, Some(&time)) = (substantive, landed.get(&commit)) {
                    out.push(Line {
                        file: file.to_string(),
                        line,
                        commit: commit.clone(),
                        orig,
                        time,
                    });
                }
            } else {
                let mut parts = l.split(' ');
                if let (Some(sha), Some(o), Some(n)) = (parts.next(), parts.next(), parts.next()) {
                    if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                        commit = sha.to_string();
                        orig = o.parse().unwrap_or(0);
                        line = n.parse().unwrap_or(0);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// When each commit of the head's history reached the branch: the commit time of the
/// first-parent commit that it is or that merged it.
fn landed(repo: &Path) -> Result<HashMap<String, DateTime<Utc>>, String> {
    let mut out = HashMap::new();
    let line = git(
        repo,
        &["rev-list", "--first-parent", "--format=%ct %P", "HEAD"],
    )?;
    let mut lines = line.lines();
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
                out.insert(merged.to_string(), time);
            }
        }
        out.insert(id, time);
    }
    Ok(out)
}

/// `n` cases. A picked line that the code that ran at first-seen does not hold at the head's
/// path (its file was moved or split since, so a trace of that code names another file) is
/// picked again, and counted.
fn cases(
    lines: &[Line],
    n: usize,
    older_noise: bool,
    ran: &mut Ran<'_>,
) -> Result<(Vec<Case>, usize), String> {
    let mut by_commit: BTreeMap<(DateTime<Utc>, String), Vec<&Line>> = BTreeMap::new();
    for l in lines {
        by_commit
            .entry((l.time, l.commit.clone()))
            .or_default()
            .push(l);
    }
    let commits: Vec<&Vec<&Line>> = by_commit.values().collect();
    let mut rng = Rng(0x5EED);
    let mut out = Vec::new();
    let mut repicked = 0;
    for id in 0..n {
        let mut attempt = 0;
        let (truth, first_seen) = loop {
            let own = commits[(id * 7919 + attempt) % commits.len()];
            let truth = own[rng.next(own.len())].clone();
            let first_seen = truth.time + Duration::minutes(15 + rng.next(120) as i64);
            if ran.line(first_seen, &truth)?.1 {
                break (truth, first_seen);
            }
            repicked += 1;
            attempt += 1;
            if attempt > 1000 {
                return Err("no picked line follows back to the code that ran".into());
            }
        };
        let noise: Vec<&Line> = lines
            .iter()
            .filter(|l| l.file != truth.file && (!older_noise || l.time < truth.time))
            .collect();
        let depth = id % 3;
        let mut frames = Vec::new();
        for d in 0..3 {
            if d == depth || noise.is_empty() {
                frames.push(truth.clone());
            } else {
                let l = noise[rng.next(noise.len())];
                frames.push(l.clone());
            }
        }
        out.push(Case {
            id,
            depth: if noise.is_empty() { 0 } else { depth },
            truth,
            first_seen,
            frames,
        });
    }
    Ok((out, repicked))
}

/// A diff hunk: (old start, old count, new start, new count).
type Hunk = (u32, u32, u32, u32);

/// `git diff -U0 FROM TO -- file`'s hunks.
fn hunks(repo: &Path, from: &str, to: &str, file: &str) -> Result<Vec<Hunk>, String> {
    let diff = git(repo, &["diff", "-U0", "--no-color", from, to, "--", file])?;
    let range = |text: &str| -> (u32, u32) {
        let mut parts = text[1..].splitn(2, ',');
        let start = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let count = parts.next().map_or(1, |n| n.parse().unwrap_or(1));
        (start, count)
    };
    Ok(diff
        .lines()
        .filter_map(|l| l.strip_prefix("@@ "))
        .filter_map(|l| {
            let mut words = l.split(' ');
            let (old, new) = (words.next()?, words.next()?);
            let ((os, ol), (ns, nl)) = (range(old), range(new));
            Some((os, ol, ns, nl))
        })
        .collect())
}

/// The line of the older side that line `line` of the newer side was, through `hunks` (the
/// hunk's nearest older line when the diff has it in a hunk).
fn to_old(hunks: &[Hunk], line: u32) -> u32 {
    let mut delta: i64 = 0;
    for &(os, ol, ns, nl) in hunks {
        if nl > 0 && line < ns || nl == 0 && line <= ns {
            break;
        }
        if nl > 0 && line < ns + nl {
            return if ol == 0 {
                line
            } else {
                os + (line - ns).min(ol - 1)
            };
        }
        delta += i64::from(nl) - i64::from(ol);
    }
    u32::try_from(i64::from(line) - delta).unwrap_or(line)
}

/// The code that ran when a case was first seen: the newest first-parent commit before it
/// (the branch as deployed then), and lines of the head followed back to it with git's own
/// diff.
struct Ran<'a> {
    repo: &'a Path,
    head: String,
    at: HashMap<i64, String>,
    diffs: HashMap<(String, String), Vec<Hunk>>,
    blames: HashMap<(String, String), HashMap<(String, u32), u32>>,
}

impl<'a> Ran<'a> {
    fn new(repo: &'a Path) -> Result<Self, String> {
        Ok(Ran {
            repo,
            head: git(repo, &["rev-parse", "HEAD"])?.trim().to_string(),
            at: HashMap::new(),
            diffs: HashMap::new(),
            blames: HashMap::new(),
        })
    }

    /// The head's line `line` as numbered in the code that ran at `first_seen`, and whether it
    /// is that very line: found in that version's blame by the commit that wrote it and its
    /// number there (git's own blame, which follows a line through every commit). A line
    /// changed since (a newer noise line) has no such twin; git's diff then gives the nearest.
    fn line(&mut self, first_seen: DateTime<Utc>, line: &Line) -> Result<(u32, bool), String> {
        let at = first_seen.timestamp() - 1;
        let from = match self.at.entry(at) {
            std::collections::hash_map::Entry::Occupied(e) => e.get().clone(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let before = format!("--before=@{at}");
                let found = git(
                    self.repo,
                    &["rev-list", "-1", "--first-parent", &before, "HEAD"],
                )?;
                e.insert(found.trim().to_string()).clone()
            }
        };
        self.line_in(&from, line)
    }

    /// The head's line `line` as numbered at commit `from`, and whether it is that very line
    /// (as [`Ran::line`] for the code that ran at first-seen).
    fn line_in(&mut self, from: &str, line: &Line) -> Result<(u32, bool), String> {
        if from.is_empty() || from == self.head {
            return Ok((line.line, true));
        }
        let key = (from.to_string(), line.file.clone());
        if !self.blames.contains_key(&key) {
            let blamed = ran_blame(self.repo, from, &line.file);
            self.blames.insert(key.clone(), blamed);
        }
        if let Some(&n) = self.blames[&key].get(&(line.commit.clone(), line.orig)) {
            return Ok((n, true));
        }
        let hunks = match self.diffs.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(hunks(self.repo, from, "HEAD", &line.file)?)
            }
        };
        Ok((to_old(hunks, line.line), false))
    }
}

/// The blame of `file` at `rev`: each line's (commit, number in that commit) to its number at
/// `rev`. Empty when `rev` has no such file.
fn ran_blame(repo: &Path, rev: &str, file: &str) -> HashMap<(String, u32), u32> {
    let mut out = HashMap::new();
    let Ok(porcelain) = git(repo, &["blame", "--porcelain", rev, "--", file]) else {
        return out;
    };
    for l in porcelain.lines() {
        let mut parts = l.split(' ');
        if let (Some(sha), Some(o), Some(n)) = (parts.next(), parts.next(), parts.next()) {
            if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                if let (Ok(o), Ok(n)) = (o.parse(), n.parse()) {
                    out.insert((sha.to_string(), o), n);
                }
            }
        }
    }
    out
}

/// Frame lines as they were in the code that ran when each case was first seen. Blame gave
/// the lines' numbers at the head; commits since may have moved them.
fn as_run(ran: &mut Ran<'_>, cases: &mut [Case]) -> Result<(), String> {
    for case in cases.iter_mut() {
        for frame in &mut case.frames {
            frame.line = ran.line(case.first_seen, frame)?.0;
        }
    }
    Ok(())
}

/// The cases' traces as a Python-style log, in time order: library frames around the in-app
/// ones.
fn log<'a>(cases: impl IntoIterator<Item = &'a Case>) -> String {
    let mut sorted: Vec<&Case> = cases.into_iter().collect();
    sorted.sort_by_key(|c| (c.first_seen, c.id));
    let mut out = String::new();
    for c in &sorted {
        out.push_str(&format!(
            "{} ERROR [bench] app: case {}\nTraceback (most recent call last):\n",
            c.first_seen.format("%Y-%m-%d %H:%M:%S,000"),
            c.id
        ));
        out.push_str("  File \"/usr/lib/python3.11/threading.py\", line 1045, in _bootstrap\n    self.run()\n");
        for (i, Line { file, line, .. }) in c.frames.iter().enumerate().rev() {
            out.push_str(&format!(
                "  File \"/build/luffy/{file}\", line {line}, in f{i}\n    call()\n"
            ));
            if i == 1 {
                out.push_str("  File \"/usr/lib/python3.11/site-packages/requests/api.py\", line 59, in request\n    return session.request()\n");
            }
        }
        out.push_str(&format!("Case{:03}Error: case {}\n", c.id, c.id));
    }
    // A line after the last trace: luffy holds a file's last record as possibly unfinished
    // until the file has been quiet a while, and the benchmark fetches once.
    if let Some(last) = sorted.last().map(|c| c.first_seen) {
        out.push_str(&format!(
            "{} INFO [bench] app: end of the benchmark's log\n",
            (last + Duration::seconds(1)).format("%Y-%m-%d %H:%M:%S,000")
        ));
    }
    out
}

struct Luffy {
    bin: PathBuf,
    db: PathBuf,
    now: String,
}

impl Luffy {
    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.bin)
            .args(args)
            .env("LUFFY_DB", &self.db)
            .env("LUFFY_NOW", &self.now)
            .env_remove("LUFFY_CONFIG")
            .output()
            .map_err(|e| format!("{}: {e}", self.bin.display()))?;
        if !out.status.success() {
            return Err(format!(
                "luffy {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// Ranks of the truth (1-based; 0 when it is not among the suspects), by case.
fn measure(
    bin: &Path,
    repo: &Path,
    branch: &str,
    cases: &[Case],
    dir: &Path,
) -> Result<Vec<usize>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let latest = cases.iter().map(|c| c.first_seen).max().unwrap_or_default();
    let luffy = Luffy {
        bin: bin.to_path_buf(),
        db: dir.join("luffy.db"),
        now: (latest + Duration::days(1)).to_rfc3339(),
    };
    let log_path = dir.join("bench.log");
    std::fs::write(&log_path, log(cases)).map_err(|e| e.to_string())?;
    let url = format!("file://{}", repo.display());
    luffy.run(&[
        "service", "add", "bench", "--repo", &url, "--branch", branch,
    ])?;
    luffy.run(&[
        "source",
        "add",
        "bench",
        "log",
        "--kind",
        "file",
        "--path",
        &log_path.to_string_lossy(),
    ])?;
    luffy.run(&["trigger", "fetch", "bench"])?;
    luffy.run(&["trigger", "index", "bench"])?;
    luffy.run(&["trigger", "rca", "bench"])?;
    let clusters: Value = serde_json::from_str(&luffy.run(&["clusters", "bench", "--json"])?)
        .map_err(|e| e.to_string())?;
    let mut ids = HashMap::new();
    for c in clusters.as_array().into_iter().flatten() {
        if let (Some(t), Some(id)) = (c["exception_type"].as_str(), c["id"].as_i64()) {
            ids.insert(t.to_string(), id);
        }
    }
    let mut ranks = Vec::new();
    for c in cases {
        let Some(id) = ids.get(&format!("Case{:03}Error", c.id)) else {
            return Err(format!("case {} has no cluster", c.id));
        };
        let report: Value =
            serde_json::from_str(&luffy.run(&["rca", "show", &id.to_string(), "--json"])?)
                .map_err(|e| e.to_string())?;
        let rank = report["suspects"]
            .as_array()
            .into_iter()
            .flatten()
            .position(|s| s["commit"].as_str() == Some(c.truth.commit.as_str()))
            .map_or(0, |p| p + 1);
        if rank != 1 && std::env::var_os("BENCH_RCA_MISSES").is_some() {
            eprintln!(
                "case {} depth {} truth {} {}:{} ({}), first seen {}:",
                c.id,
                c.depth,
                &c.truth.commit[..12],
                c.truth.file,
                c.truth.line,
                c.truth.time,
                c.first_seen
            );
            for s in report["suspects"].as_array().into_iter().flatten().take(3) {
                eprintln!(
                    "  {} {} {} {}",
                    &s["commit"].as_str().unwrap_or("")[..12],
                    s["score"],
                    s["date"],
                    s["reasons"]
                );
            }
        }
        ranks.push(rank);
    }
    Ok(ranks)
}

fn main() -> Result<(), String> {
    let mut repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut n = 240;
    let mut rev: Option<String> = None;
    let mut pathspecs = vec!["src/*.rs".to_string(), "src/**/*.rs".to_string()];
    let mut bin = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/luffy"));
    let mut with_deploys = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--repo" => repo = it.next().ok_or("--repo PATH")?.into(),
            "--cases" => {
                n = it
                    .next()
                    .ok_or("--cases N")?
                    .parse()
                    .map_err(|_| "--cases N")?;
            }
            "--bin" => bin = it.next().ok_or("--bin PATH")?.into(),
            "--rev" => rev = Some(it.next().ok_or("--rev REV")?),
            "--deploys" => with_deploys = true,
            "--files" => {
                let spec = it.next().ok_or("--files PATHSPEC[,PATHSPEC...]")?;
                pathspecs = spec.split(',').map(str::to_string).collect();
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let repo = repo.canonicalize().map_err(|e| e.to_string())?;
    let source = repo.clone();
    let dir = std::env::temp_dir().join(format!("luffy-bench-rca-{}", std::process::id()));
    // A fixed history: a clone whose branch is at `--rev`, so that later commits to the
    // repository do not change the cases.
    let repo = match &rev {
        Some(rev) => {
            let pinned = dir.join("history");
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            git(
                &dir,
                &[
                    "clone",
                    "-q",
                    "--no-local",
                    &repo.to_string_lossy(),
                    &pinned.to_string_lossy(),
                ],
            )?;
            git(&pinned, &["checkout", "-q", "-B", "bench", rev])?;
            pinned
        }
        None => repo,
    };
    let branch = git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"])?
        .trim()
        .to_string();
    let head = git(&repo, &["rev-parse", "HEAD"])?.trim().to_string();
    let lines = blamed_lines(&repo, &pathspecs)?;
    if lines.is_empty() {
        return Err(format!(
            "no lines of {} in {}",
            pathspecs.join(", "),
            repo.display()
        ));
    }
    let commits: std::collections::HashSet<&str> =
        lines.iter().map(|l| l.commit.as_str()).collect();
    println!(
        "repository {} at {} ({branch}): {} blamed lines of {}, {} commits own them; {n} cases each\n",
        repo.display(),
        &head[..12],
        lines.len(),
        pathspecs.join(", "),
        commits.len()
    );
    let measured = if with_deploys {
        deploys::run(&bin, &repo, &branch, &lines, n, &dir)
    } else {
        tables(&bin, &repo, &branch, &lines, n, &dir)
    };
    if std::env::var_os("BENCH_RCA_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    measured?;
    println!(
        "\ncargo build --release && cargo run --release --example bench_rca -- --repo {} --files '{}' --rev {} --cases {n}{}",
        source.display(),
        pathspecs.join(","),
        &head[..12],
        if with_deploys { " --deploys" } else { "" }
    );
    Ok(())
}

/// The two tables of cases where the branch at first-seen ran: noise `older` and `any`.
fn tables(
    bin: &Path,
    repo: &Path,
    branch: &str,
    lines: &[Line],
    n: usize,
    dir: &Path,
) -> Result<(), String> {
    println!("| noise | cases | top-1 | top-3 | top-5 | missed | by depth 0 / 1 / 2 (top-1) |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let mut repicks = Vec::new();
    let mut newer_nearer = Vec::new();
    for (name, older) in [("older", true), ("any", false)] {
        let mut ran = Ran::new(repo)?;
        let (mut cases, repicked) = cases(lines, n, older, &mut ran)?;
        as_run(&mut ran, &mut cases)?;
        repicks.push(format!("{name} {repicked}"));
        let ranks = measure(bin, repo, branch, &cases, &dir.join(name))?;
        let pct = |k: usize| {
            100.0 * ranks.iter().filter(|&&r| r >= 1 && r <= k).count() as f64 / ranks.len() as f64
        };
        let by_depth: Vec<String> = (0..3)
            .map(|d| {
                let at: Vec<usize> = cases
                    .iter()
                    .zip(&ranks)
                    .filter(|(c, _)| c.depth == d)
                    .map(|(_, r)| *r)
                    .collect();
                format!(
                    "{:.1}%",
                    100.0 * at.iter().filter(|&&r| r == 1).count() as f64 / at.len().max(1) as f64
                )
            })
            .collect();
        println!(
            "| {name} | {} | {:.1}% | {:.1}% | {:.1}% | {} | {} |",
            ranks.len(),
            pct(1),
            pct(3),
            pct(5),
            ranks.iter().filter(|&&r| r == 0).count(),
            by_depth.join(" / ")
        );
        // Cases where a noise frame nearer the throw than the picked line was last changed by
        // a commit that reached the branch after the picked one and before first-seen: a newer
        // change nearer the throw is the better-supported answer there, by design.
        let ambiguous: Vec<usize> = cases
            .iter()
            .zip(&ranks)
            .filter(|(c, _)| {
                c.frames[..c.depth]
                    .iter()
                    .any(|f| f.time > c.truth.time && f.time < c.first_seen)
            })
            .map(|(_, r)| *r)
            .collect();
        newer_nearer.push(format!(
            "{name} {} (top-1 in {}), top-1 of the others {:.1}%",
            ambiguous.len(),
            ambiguous.iter().filter(|&&r| r == 1).count(),
            100.0
                * (ranks.iter().filter(|&&r| r == 1).count()
                    - ambiguous.iter().filter(|&&r| r == 1).count()) as f64
                / (ranks.len() - ambiguous.len()).max(1) as f64
        ));
    }
    println!(
        "\nlines picked again (their file had another path in the code that ran at first-seen): {}",
        repicks.join(", ")
    );
    println!(
        "cases with a newer commit's line nearer the throw (it reached the branch after the picked one, before first-seen): {}",
        newer_nearer.join("; ")
    );
    Ok(())
}
