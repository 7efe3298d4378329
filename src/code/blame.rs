//! Blame at an indexed commit: who last changed each line of a file, passing over the commits
//! that `.git-blame-ignore-revs` names (formatting sweeps) as `git blame` does, and the lines of
//! a file at that commit.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{anyhow, Context as _, Result};
use chrono::{DateTime, Utc};
use git2::{BlameOptions, DiffOptions, Oid, Repository};

/// How many ignored commits one line is followed through before giving up on it.
const MAX_IGNORED_HOPS: usize = 16;

/// A commit as a report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    pub email: String,
    /// The author's time.
    pub time: DateTime<Utc>,
    pub summary: String,
}

/// One line of a file and the commit that last changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlamedLine {
    /// The line at the indexed commit (1-based).
    pub line: u32,
    pub commit: CommitInfo,
}

/// A diff hunk of one file: (old start, old line count, new start, new line count).
type Hunk = (u32, u32, u32, u32);

/// How a file moved from a version that ran to the indexed commit: the hunks between them,
/// later side first; `None` when that version has no such file.
type Moved = Option<Vec<Hunk>>;

/// A repository read at one commit.
pub struct Checkout {
    repo: Repository,
    commit: Oid,
    ignore: HashSet<Oid>,
    commits: std::cell::RefCell<HashMap<Oid, CommitInfo>>,
    /// The newest first-parent commit made before a time (seconds), by time.
    ran: std::cell::RefCell<HashMap<i64, Option<Oid>>>,
    /// Lines of source code each commit added, by commit.
    added: std::cell::RefCell<HashMap<Oid, u32>>,
    /// The indexed commit's first-parent history, newest first, with commit times (seconds).
    first_parents: std::cell::OnceCell<Vec<(Oid, i64)>>,
    /// Whether a commit (second) is in the history of another (first).
    contains: std::cell::RefCell<HashMap<(Oid, Oid), bool>>,
    /// How each file moved since a version that ran, by (that version, path).
    moved: std::cell::RefCell<HashMap<(Oid, String), Moved>>,
    /// The version that ran, when a deploy says it ([`Checkout::set_ran`]); else the branch as
    /// it was at the time asked.
    deployed: std::cell::Cell<Option<Oid>>,
    /// Where a history-limited clone's history stops (the repository's `shallow` file): blame
    /// names these commits for every line they or any older commit wrote.
    boundary: HashSet<Oid>,
}

impl Checkout {
    /// Opens the repository at `path` to read it at `commit`, with the ignore list of the
    /// commit's `.git-blame-ignore-revs`, if it has one.
    pub fn open(path: &Path, commit: &str) -> Result<Checkout> {
        let repo = Repository::open(path)
            .with_context(|| format!("cannot open the repository {}", path.display()))?;
        let oid =
            Oid::from_str(commit).with_context(|| format!("'{commit}' is not a commit id"))?;
        let ignore = {
            let tree = repo
                .find_commit(oid)
                .and_then(|c| c.tree())
                .with_context(|| {
                    format!("the indexed commit {commit} is not in {}", path.display())
                })?;
            let mut ignore = HashSet::new();
            if let Ok(entry) = tree.get_path(Path::new(".git-blame-ignore-revs")) {
                if let Ok(blob) = repo.find_blob(entry.id()) {
                    ignore = parse_ignore_revs(&String::from_utf8_lossy(blob.content()))
                        .iter()
                        .filter_map(|rev| repo.revparse_single(rev).ok().map(|o| o.id()))
                        .collect();
                }
            }
            ignore
        };
        let boundary = super::git::shallow_boundary(&repo);
        Ok(Checkout {
            boundary,
            repo,
            commit: oid,
            ignore,
            commits: std::cell::RefCell::default(),
            ran: std::cell::RefCell::default(),
            added: std::cell::RefCell::default(),
            first_parents: std::cell::OnceCell::new(),
            contains: std::cell::RefCell::default(),
            moved: std::cell::RefCell::default(),
            deployed: std::cell::Cell::new(None),
        })
    }

    /// Takes `commit` as the code that ran (a deploy's), for every time asked, until set again;
    /// `None`: the branch as it was at each time (its newest first-parent commit before it).
    pub fn set_ran(&self, commit: Option<&str>) -> Result<()> {
        let oid = commit
            .map(|id| Oid::from_str(id).with_context(|| format!("'{id}' is not a commit id")))
            .transpose()?;
        self.deployed.set(oid);
        Ok(())
    }

    /// Whether the repository has commit `id`.
    pub fn has(&self, id: &str) -> bool {
        Oid::from_str(id).is_ok_and(|oid| self.repo.find_commit(oid).is_ok())
    }

    /// The commit `rev` names: a commit id or a prefix of one, a tag, a branch
    /// ([`crate::code::revs::find`]).
    pub fn find(&self, rev: &str) -> Result<Option<String>> {
        Ok(crate::code::revs::find(&self.repo, rev)?.map(|oid| oid.to_string()))
    }

    /// Whether commit `id` is `tip` or in its history.
    pub fn holds(&self, tip: &str, id: &str) -> Result<bool> {
        self.contains(Oid::from_str(tip)?, Oid::from_str(id)?)
    }

    /// How many commits `to` has that `from` has not (all of its history without `from`).
    pub fn commits_between(&self, from: Option<&str>, to: &str) -> Result<usize> {
        let mut walk = self.repo.revwalk()?;
        walk.push(Oid::from_str(to)?)?;
        if let Some(from) = from {
            walk.hide(Oid::from_str(from)?)?;
        }
        Ok(walk.count())
    }

    /// How many commits blame passes over.
    pub fn ignored(&self) -> usize {
        self.ignore.len()
    }

    /// The lines of `path` at the commit, `None` when the commit has no such file.
    pub fn lines(&self, path: &str) -> Result<Option<Vec<String>>> {
        let tree = self.repo.find_commit(self.commit)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            return Ok(None);
        };
        let blob = self
            .repo
            .find_blob(entry.id())
            .with_context(|| format!("cannot read {path}"))?;
        let text = String::from_utf8_lossy(blob.content());
        Ok(Some(text.lines().map(str::to_string).collect()))
    }

    /// Who last changed each of the lines `start..=end` of `path` at the commit, ignored
    /// commits passed over (a line that only an ignored commit ever wrote is left out).
    /// Commits that were not yet on the branch at `before` (when the error was first seen: not
    /// in the history of the newest first-parent commit made before it) are passed over the
    /// same way: the line as it ran then is the one that failed, and a later edit of it (a fix,
    /// a comment, a branch merged since) must not hide who wrote it.
    pub fn blame(
        &self,
        path: &str,
        start: u32,
        end: u32,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<BlamedLine>> {
        let mut out = Vec::new();
        let ran = match before {
            Some(at) => Some(self.ran_at(at)?),
            None => None,
        };
        let pass_over = |oid: Oid| -> Result<bool> {
            Ok(match ran {
                None => false,
                Some(None) => true,
                Some(Some(ran)) => !self.contains(ran, oid)?,
            })
        };
        for (line, commit, orig_line, orig_path) in self.blame_at(self.commit, path, start, end)? {
            if let Some(commit) = self.follow_ignored(commit, orig_line, orig_path, pass_over)? {
                out.push(BlamedLine {
                    line,
                    commit: self.info(commit)?,
                });
            }
        }
        Ok(out)
    }

    /// How many lines of source code (files of a language the index reads, and PHP: not lock
    /// files, documents or data) commit `id` added against its first parent (a root commit: all its
    /// lines); a commit that added no such line counts the lines it added to any file. Read
    /// once per commit.
    pub fn lines_added(&self, id: &str) -> Result<u32> {
        let oid = Oid::from_str(id).with_context(|| format!("'{id}' is not a commit id"))?;
        if let Some(&n) = self.added.borrow().get(&oid) {
            return Ok(n);
        }
        let commit = self
            .repo
            .find_commit(oid)
            .with_context(|| format!("cannot read commit {id}"))?;
        let parent = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None,
        };
        let diff = self
            .repo
            .diff_tree_to_tree(parent.as_ref(), Some(&commit.tree()?), None)?;
        let (mut source, mut any) = (0u32, 0u32);
        diff.foreach(
            &mut |_, _| true,
            None,
            None,
            Some(&mut |delta, _, line| {
                let code = delta
                    .new_file()
                    .path()
                    .and_then(Path::to_str)
                    .is_some_and(crate::code::lang::is_source);
                if line.origin() == '+' {
                    any += 1;
                    if code {
                        source += 1;
                    }
                }
                true
            }),
        )?;
        let added = if source > 0 { source } else { any };
        self.added.borrow_mut().insert(oid, added);
        Ok(added)
    }

    /// Who last changed each of the lines `start..=end` of `path` in the code that ran at `at`
    /// (the newest first-parent commit made before it), numbered as there, ignored commits
    /// passed over; lines past that version's end are left out. Blame of the very version that
    /// failed follows each line through every commit up to it, which a mapping of the line to
    /// the indexed commit and a blame there cannot do as well: a long diff may pair lines
    /// differently. `None` when no commit of the branch is older than `at`, or when that version
    /// has no file at `path` (moved since).
    pub fn blame_as_run(
        &self,
        path: &str,
        start: u32,
        end: u32,
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<BlamedLine>>> {
        let Some(ran) = self.ran_at(at)? else {
            return Ok(None);
        };
        let tree = self.repo.find_commit(ran)?.tree()?;
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            return Ok(None);
        };
        let blob = self.repo.find_blob(entry.id())?;
        let total = String::from_utf8_lossy(blob.content()).lines().count() as u32;
        let end = end.min(total);
        if start > end {
            return Ok(Some(Vec::new()));
        }
        let mut out = Vec::new();
        for (line, commit, orig_line, orig_path) in self.blame_at(ran, path, start, end)? {
            if let Some(commit) =
                self.follow_ignored(commit, orig_line, orig_path, |_| Ok(false))?
            {
                out.push(BlamedLine {
                    line,
                    commit: self.info(commit)?,
                });
            }
        }
        Ok(Some(out))
    }

    /// The commit that wrote a line blamed on `commit` (as its line `line` of `path`), past the
    /// ignored commits and those `skip` names; `None` when only such commits wrote it.
    fn follow_ignored(
        &self,
        commit: Oid,
        line: u32,
        path: String,
        skip: impl Fn(Oid) -> Result<bool>,
    ) -> Result<Option<Oid>> {
        let mut at = (commit, line, path);
        let mut hops = 0;
        while self.ignore.contains(&at.0) || skip(at.0)? {
            hops += 1;
            match self.before(at.0, &at.2, at.1)? {
                Some(next) if hops <= MAX_IGNORED_HOPS => at = next,
                _ => return Ok(None),
            }
        }
        Ok(Some(at.0))
    }

    /// Where line `line` of `path` is at the indexed commit, if it was that line in the code
    /// that ran at `at`: the newest commit of the branch (first parents) made before `at`.
    /// Lines added or removed above it since move it; a line changed since stays where its
    /// change is. `line` itself when nothing moved, when the file is new since, or when no
    /// commit is older than `at`.
    pub fn line_now(&self, path: &str, line: u32, at: DateTime<Utc>) -> Result<u32> {
        Ok(self.lines_now(path, &[line], at)?[0])
    }

    /// [`Checkout::line_now`] of each of `lines`.
    pub fn lines_now(&self, path: &str, lines: &[u32], at: DateTime<Utc>) -> Result<Vec<u32>> {
        let Some(ran) = self.ran_at(at)? else {
            return Ok(lines.to_vec());
        };
        if ran == self.commit {
            return Ok(lines.to_vec());
        }
        let key = (ran, path.to_string());
        if !self.moved.borrow().contains_key(&key) {
            let old = self.repo.find_commit(ran)?.tree()?;
            let hunks = if old.get_path(Path::new(path)).is_err() {
                None
            } else {
                let new = self.repo.find_commit(self.commit)?.tree()?;
                // Swapped: the later side is the one mapped to.
                Some(
                    self.hunks(&old, &new, path)?
                        .into_iter()
                        .map(|(os, ol, ns, nl)| (ns, nl, os, ol))
                        .collect(),
                )
            };
            self.moved.borrow_mut().insert(key.clone(), hunks);
        }
        let moved = self.moved.borrow();
        let Some(hunks) = &moved[&key] else {
            return Ok(lines.to_vec());
        };
        Ok(lines
            .iter()
            .map(|&line| {
                map_to_parent(hunks, line)
                    .filter(|&l| l > 0)
                    .unwrap_or(line)
            })
            .collect())
    }

    /// Whether commit `id` is where a history-limited clone's history stops: a line blame
    /// credits to it may be older, so it is older than any window, never a suspect.
    pub fn beyond_history(&self, id: &str) -> bool {
        Oid::from_str(id).is_ok_and(|oid| self.boundary.contains(&oid))
    }

    /// When commit `id` reached the branch: its commit time when it is on the indexed commit's
    /// first-parent line, else that of the oldest first-parent commit whose history holds it
    /// (the merge that brought it in); its author's time when the branch does not hold it.
    /// Where a history-limited clone stops ([`Checkout::beyond_history`]): the earliest time
    /// there is, as the lines it is blamed for may be older than any window.
    pub fn landed(&self, id: &str) -> Result<DateTime<Utc>> {
        let oid = Oid::from_str(id).with_context(|| format!("'{id}' is not a commit id"))?;
        if self.boundary.contains(&oid) {
            return Ok(DateTime::<Utc>::MIN_UTC);
        }
        let line = self.first_parents()?;
        let at = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0)
                .ok_or_else(|| anyhow!("commit {id} has an impossible time"))
        };
        if let Some(&(_, time)) = line.iter().find(|(o, _)| *o == oid) {
            return at(time);
        }
        // Newest first: the commits that hold it are a prefix of the line.
        let (mut holds, mut lacks) = (0usize, line.len());
        if line.is_empty() || !self.contains(line[0].0, oid)? {
            return Ok(self.info(oid)?.time);
        }
        while lacks - holds > 1 {
            let mid = holds + (lacks - holds) / 2;
            if self.contains(line[mid].0, oid)? {
                holds = mid;
            } else {
                lacks = mid;
            }
        }
        at(line[holds].1)
    }

    /// The indexed commit's first-parent history, newest first, with commit times.
    fn first_parents(&self) -> Result<&[(Oid, i64)]> {
        if let Some(line) = self.first_parents.get() {
            return Ok(line);
        }
        let mut walk = self.repo.revwalk()?;
        walk.push(self.commit)?;
        walk.simplify_first_parent()?;
        let mut line = Vec::new();
        for oid in walk {
            let oid = oid?;
            line.push((oid, self.repo.find_commit(oid)?.time().seconds()));
        }
        Ok(self.first_parents.get_or_init(|| line))
    }

    /// Whether `commit` is `tip` or in its history.
    fn contains(&self, tip: Oid, commit: Oid) -> Result<bool> {
        if tip == commit {
            return Ok(true);
        }
        if let Some(&known) = self.contains.borrow().get(&(tip, commit)) {
            return Ok(known);
        }
        let known = self.repo.graph_descendant_of(tip, commit)?;
        self.contains.borrow_mut().insert((tip, commit), known);
        Ok(known)
    }

    /// The code that ran at `at`: the deployed version when one is set ([`Checkout::set_ran`]),
    /// else the newest commit of the indexed commit's first-parent history made before `at`.
    fn ran_at(&self, at: DateTime<Utc>) -> Result<Option<Oid>> {
        if let Some(deployed) = self.deployed.get() {
            return Ok(Some(deployed));
        }
        let key = at.timestamp();
        if let Some(found) = self.ran.borrow().get(&key) {
            return Ok(*found);
        }
        let found = self
            .first_parents()?
            .iter()
            .find(|(_, time)| *time < key)
            .map(|(oid, _)| *oid);
        self.ran.borrow_mut().insert(key, found);
        Ok(found)
    }

    /// Blame of lines `start..=end` of `path` as of `commit`: for each line, the commit that
    /// last changed it, the line's number and path in that commit.
    fn blame_at(
        &self,
        commit: Oid,
        path: &str,
        start: u32,
        end: u32,
    ) -> Result<Vec<(u32, Oid, u32, String)>> {
        let mut options = BlameOptions::new();
        options
            .newest_commit(commit)
            .min_line(start as usize)
            .max_line(end as usize);
        let blame = self
            .repo
            .blame_file(Path::new(path), Some(&mut options))
            .with_context(|| format!("cannot blame {path} at {commit}"))?;
        let mut out = Vec::new();
        for hunk in blame.iter() {
            let first = hunk.final_start_line() as u32;
            let orig = hunk.orig_start_line() as u32;
            let orig_path = hunk
                .path()
                .map_or_else(|| path.to_string(), |p| p.to_string_lossy().into_owned());
            for i in 0..hunk.lines_in_hunk() as u32 {
                let line = first + i;
                if (start..=end).contains(&line) {
                    out.push((line, hunk.final_commit_id(), orig + i, orig_path.clone()));
                }
            }
        }
        Ok(out)
    }

    /// The hunks of `path` from `old` to `new`, without context: (old start, old lines, new
    /// start, new lines).
    fn hunks(&self, old: &git2::Tree<'_>, new: &git2::Tree<'_>, path: &str) -> Result<Vec<Hunk>> {
        let mut options = DiffOptions::new();
        options.pathspec(path).context_lines(0);
        let diff = self
            .repo
            .diff_tree_to_tree(Some(old), Some(new), Some(&mut options))?;
        let mut hunks = Vec::new();
        diff.foreach(
            &mut |_, _| true,
            None,
            Some(&mut |_, hunk| {
                hunks.push((
                    hunk.old_start(),
                    hunk.old_lines(),
                    hunk.new_start(),
                    hunk.new_lines(),
                ));
                true
            }),
            None,
        )?;
        Ok(hunks)
    }

    /// Where line `line` of `path` as `commit` wrote it came from before `commit`: the line
    /// of the first parent that the change replaced (as `git blame --ignore-rev` guesses it,
    /// the same offset into the hunk), blamed there. `None` when the commit added the line
    /// outright or has no parent.
    fn before(&self, commit: Oid, path: &str, line: u32) -> Result<Option<(Oid, u32, String)>> {
        let c = self.repo.find_commit(commit)?;
        let Ok(parent) = c.parent(0) else {
            return Ok(None);
        };
        let hunks = self.hunks(&parent.tree()?, &c.tree()?, path)?;
        let Some(old_line) = map_to_parent(&hunks, line) else {
            return Ok(None);
        };
        let blamed = self.blame_at(parent.id(), path, old_line, old_line)?;
        Ok(blamed
            .into_iter()
            .next()
            .map(|(_, commit, orig, orig_path)| (commit, orig, orig_path)))
    }

    /// The commit's author, time and summary (read once per commit).
    fn info(&self, oid: Oid) -> Result<CommitInfo> {
        if let Some(info) = self.commits.borrow().get(&oid) {
            return Ok(info.clone());
        }
        let commit = self
            .repo
            .find_commit(oid)
            .with_context(|| format!("cannot read commit {oid}"))?;
        let author = commit.author();
        let time = DateTime::from_timestamp(author.when().seconds(), 0)
            .ok_or_else(|| anyhow!("commit {oid} has an impossible time"))?;
        let info = CommitInfo {
            id: oid.to_string(),
            author: author.name().unwrap_or("?").to_string(),
            email: author.email().unwrap_or("").to_string(),
            time,
            summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or(b"")).into_owned(),
        };
        self.commits.borrow_mut().insert(oid, info.clone());
        Ok(info)
    }
}

/// The revisions of a `.git-blame-ignore-revs` file: one a line, `#` comments and blank lines
/// skipped.
pub fn parse_ignore_revs(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Line `line` of a file after a change, as a line before it: hunks are `(old_start,
/// old_lines, new_start, new_lines)` without context. A line the change added where nothing
/// was is `None`.
fn map_to_parent(hunks: &[Hunk], line: u32) -> Option<u32> {
    let mut delta: i64 = 0;
    for &(old_start, old_lines, new_start, new_lines) in hunks {
        // A hunk that adds only has old_start just before where it inserts; git writes
        // new_start 0 for a hunk that removes only.
        if new_lines > 0 && line < new_start || new_lines == 0 && line <= new_start {
            break;
        }
        if new_lines > 0 && line < new_start + new_lines {
            if old_lines == 0 {
                return None;
            }
            return Some(old_start + (line - new_start).min(old_lines - 1));
        }
        delta += i64::from(new_lines) - i64::from(old_lines);
    }
    u32::try_from(i64::from(line) - delta).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_revs_skip_comments_and_blanks() {
        let text = "# formatting\nabc123\n\n  def456  # black\n";
        assert_eq!(parse_ignore_revs(text), ["abc123", "def456"]);
    }

    #[test]
    fn lines_map_through_hunks() {
        // line 3 replaced by two lines; a line inserted after old line 10
        let hunks = [(3, 1, 3, 2), (10, 0, 12, 1)];
        assert_eq!(map_to_parent(&hunks, 1), Some(1));
        assert_eq!(map_to_parent(&hunks, 3), Some(3));
        assert_eq!(map_to_parent(&hunks, 4), Some(3));
        assert_eq!(map_to_parent(&hunks, 5), Some(4));
        assert_eq!(map_to_parent(&hunks, 12), None);
        assert_eq!(map_to_parent(&hunks, 13), Some(11));
    }
}
