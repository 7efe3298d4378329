//! The deploy cases: a line that a later commit edited, the commit that wrote it as deployed,
//! and the deploy that held it and the one before (see `deploys.rs`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::super::{git, hunks, Case, Line, Ran, Rng};

/// A commit deployed at a time.
pub(super) struct Deploy {
    pub(super) commit: String,
    pub(super) at: DateTime<Utc>,
}

/// A case, the later commit that the deploy did not hold, and the deploys to record.
pub(super) struct DeployCase {
    pub(super) case: Case,
    /// The undeployed commit that last edited the failing line before first-seen.
    pub(super) later: String,
    pub(super) deploy: Deploy,
    pub(super) previous: Option<Deploy>,
    /// Deploys before the previous one, oldest first: the branch's newest first-parent commit
    /// every third hour back (the history a service that deploys often would have recorded).
    pub(super) earlier: Vec<Deploy>,
    /// The frame's line read in the branch at first-seen is the later commit's edit.
    pub(super) aligned: bool,
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
        let earlier = self.earlier(
            previous.as_ref().map_or(deployed_at, |p| p.at),
            previous.as_ref().map(|p| p.commit.as_str()),
        );
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
            earlier,
            aligned,
        }))
    }

    /// The newest first-parent commit every three hours before `before`, oldest first, each
    /// deployed at the earliest of those times that found it; not the previous deploy's.
    fn earlier(&self, before: DateTime<Utc>, previous: Option<&str>) -> Vec<Deploy> {
        let mut out: Vec<Deploy> = Vec::new();
        let mut at = before - Duration::hours(3);
        while let Some(i) = self.branch.line.iter().rposition(|(_, t)| *t < at) {
            let commit = &self.branch.line[i].0;
            if previous == Some(commit.as_str()) {
                // The previous deploy's commit: deployed then, not before.
            } else if let Some(last) = out.last_mut().filter(|d| d.commit == *commit) {
                last.at = at;
            } else {
                out.push(Deploy {
                    commit: commit.clone(),
                    at,
                });
            }
            at -= Duration::hours(3);
        }
        out.reverse();
        out
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
pub(super) fn cases(
    repo: &Path,
    lines: &[Line],
    n: usize,
) -> Result<(Vec<DeployCase>, usize), String> {
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
