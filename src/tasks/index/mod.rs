//! The index task: syncs the service's repository at its branch and brings its symbol index up
//! to date with the branch's head, reading only the files that changed since the indexed commit
//! (`--full` reads them all). The index changes in one transaction: a killed run leaves the
//! previous index whole.

mod counts;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, Context as _, Result};
use chrono::Duration;
use indicatif::{ProgressBar, ProgressStyle};

pub use counts::{IndexCounts, IndexMode};

use super::{run_task, Outcome, TaskContext, TaskEnv, TaskReport};
use crate::code::git::{self, RepoSpec};
use crate::code::read::{read_files, Read, Skip};
use crate::code::tree::{self, vendored, Change, Entry};
use crate::domain::{Task, Trigger};
use crate::service::Service;
use crate::store::{Db, Store};

/// How long an index run holds its lease (a first clone of a large repository takes a while).
const LEASE: Duration = Duration::hours(2);

/// How an index run was asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// Rebuild the index from every file instead of the changes since the indexed commit.
    pub full: bool,
}

/// Runs the index task of `service` through the task lifecycle.
pub fn run(
    store: &mut Store,
    service: &Service,
    trigger: Trigger,
    env: &TaskEnv<'_>,
) -> Result<TaskReport<IndexCounts>> {
    run_task(
        store,
        service,
        Task::Index,
        trigger,
        env,
        LEASE,
        |store, service, ctx| index(store, service, ctx, env),
    )
}

/// Where the service's checkout is, and how to reach its repository.
pub fn repo_spec(service: &Service, env: &TaskEnv<'_>) -> Result<RepoSpec> {
    let git = &service.git;
    if !git.has_repository() {
        anyhow::bail!(
            "{} has no repository; set one with `luffy service set {} --repo URL`",
            service.id,
            service.id
        );
    }
    let token = match &git.token_env {
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow!("the variable {var} (--git-token-env) that should hold the repository's token is not set")
        })?),
        None => None,
    };
    let ssh = git.repository_url.as_deref().is_some_and(|url| {
        url.starts_with("ssh://")
            || url.starts_with("git+ssh://")
            || !url.contains("://") && url.contains('@')
    });
    if let (Some(key), true) = (&git.ssh_key, ssh) {
        if !std::path::Path::new(key).is_file() {
            anyhow::bail!("the ssh key {key} (--ssh-key) does not exist or is not a file");
        }
    }
    let path = match &git.repo_path {
        Some(path) => PathBuf::from(path),
        None => {
            let path = crate::paths::default_repo_path(env.config, env.db_path, &service.id);
            crate::paths::make_repos_dir_private(&path)?;
            path
        }
    };
    Ok(RepoSpec {
        url: git.repository_url.clone(),
        branch: git.branch.clone(),
        path,
        user_path: git.repo_path.is_some(),
        token,
        ssh_key: git.ssh_key.as_ref().map(PathBuf::from),
        // the whole history, unless the index task says how much it needs
        history_since: None,
    })
}

/// The work a run found: files to read, and paths to drop or move first.
#[derive(Default)]
struct Plan {
    mode: IndexMode,
    read: Vec<Entry>,
    remove: Vec<String>,
    /// Renames whose content is unchanged: their symbols move with them.
    moves: Vec<(String, Entry)>,
}

fn plan(
    repo: &git2::Repository,
    db: &Db<'_>,
    service: &Service,
    new_tree: &git2::Tree<'_>,
    full: bool,
) -> Result<(Plan, Option<String>)> {
    let previous = db.code_index(service.id.as_str())?;
    let previous_commit = previous.as_ref().map(|p| p.commit.clone());
    let old_tree = previous
        .filter(|_| !full)
        .and_then(|p| git2::Oid::from_str(&p.tree).ok())
        .and_then(|oid| repo.find_tree(oid).ok());
    let Some(old_tree) = old_tree else {
        let plan = Plan {
            mode: IndexMode::Full,
            read: tree::files(new_tree)?,
            ..Plan::default()
        };
        return Ok((plan, previous_commit));
    };
    if old_tree.id() == new_tree.id() {
        let plan = Plan {
            mode: IndexMode::Unchanged,
            ..Plan::default()
        };
        return Ok((plan, previous_commit));
    }
    let mut plan = Plan {
        mode: IndexMode::Incremental,
        ..Plan::default()
    };
    for change in tree::changes(repo, &old_tree, new_tree)? {
        match change {
            Change::Upsert(entry) => plan.read.push(entry),
            Change::Remove(path) => plan.remove.push(path),
            Change::Rename { from, to, same } if same && !vendored(&to.path) => {
                plan.moves.push((from, to));
            }
            Change::Rename { from, to, .. } => {
                plan.remove.push(from);
                plan.read.push(to);
            }
        }
    }
    Ok((plan, previous_commit))
}

fn progress_bar(total: usize) -> ProgressBar {
    if total < 200 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template("indexing {bar:40} {pos}/{len} files ({eta})") {
        bar.set_style(style);
    }
    bar
}

/// The body: sync, plan, and apply the plan in one transaction. The files are read from the
/// fetched objects while the checkout is written; the transaction waits for the checkout
/// before it commits.
fn index(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    env: &TaskEnv<'_>,
) -> Result<Outcome<IndexCounts>> {
    let started = Instant::now();
    let id = service.id.as_str();
    let spec = RepoSpec {
        history_since: Some(history_since(store, service, env)?),
        ..repo_spec(service, env)?
    };
    let (_, mut counts) = git::sync_while(&spec, |synced, checkout| {
        apply(store, service, ctx, env, &spec, synced, checkout)
    })?;
    if let Some(index) = store.db().code_index(id)? {
        counts.files_total = index.files;
        counts.symbols_total = index.symbols;
    }
    counts.duration_ms = started.elapsed().as_millis() as u64;
    Ok(Outcome {
        counts,
        errors: Vec::new(),
    })
}

/// How far back (Unix seconds) the service's clone must hold history: the suspect window
/// before the oldest open cluster's first-seen (or before now), and a day more. Blame reaches
/// no further; an older line is older than the window wherever it came from.
fn history_since(store: &Store, service: &Service, env: &TaskEnv<'_>) -> Result<i64> {
    let window = service
        .suspect_window_days
        .unwrap_or(env.config.rca.suspect_window_days);
    let oldest = store
        .db()
        .oldest_open_first_seen(service.id.as_str())?
        .map_or(env.now, |first| first.min(env.now));
    Ok((oldest - Duration::days(i64::from(window) + 1)).timestamp())
}

/// Plans the run on the synced repository and applies the plan in one transaction.
fn apply(
    store: &mut Store,
    service: &Service,
    ctx: &TaskContext<'_>,
    env: &TaskEnv<'_>,
    spec: &RepoSpec,
    synced: &git::Synced,
    checkout: &mut git::PendingCheckout<'_>,
) -> Result<IndexCounts> {
    let id = service.id.as_str();
    let repo = &synced.repo;
    let commit = repo
        .find_commit(synced.commit)
        .with_context(|| format!("cannot read commit {}", synced.commit))?;
    let new_tree = commit
        .tree()
        .with_context(|| format!("cannot read the tree of commit {}", synced.commit))?;
    let (mut plan, previous_commit) = plan(repo, &store.db(), service, &new_tree, env.index.full)?;
    let mut counts = IndexCounts {
        commit: synced.commit.to_string(),
        previous_commit,
        mode: plan.mode,
        cloned: synced.cloned,
        ..IndexCounts::default()
    };
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let bar = progress_bar(plan.read.len());
    store.write(|db| {
        ctx.lease.renew(db)?;
        if plan.mode == IndexMode::Full {
            db.clear_code_files(id)?;
        }
        for path in &plan.remove {
            counts.files_seen += 1;
            counts.files_removed += u64::from(db.remove_code_file(id, path)?);
        }
        for (from, to) in std::mem::take(&mut plan.moves) {
            counts.files_seen += 1;
            if db.rename_code_file(id, &from, &to.path)? {
                counts.files_renamed += 1;
            } else {
                // It was not indexed where it was (vendored, say): read it where it is now.
                plan.read.push(to);
            }
        }
        read_files(&spec.path, &plan.read, threads, |read| {
            counts.files_seen += 1;
            bar.inc(1);
            match read {
                Read::Indexed(file) => {
                    counts.files_parsed += 1;
                    counts.symbols += file.symbols.len() as u64;
                    if plan.mode == IndexMode::Full {
                        db.insert_code_file(id, &file)
                    } else {
                        db.put_code_file(id, &file)
                    }
                }
                Read::Skipped(path, why) => {
                    counts.files_skipped += 1;
                    match why {
                        Skip::Vendored => counts.skipped_vendored += 1,
                        Skip::TooLarge => counts.skipped_large += 1,
                        Skip::Binary => counts.skipped_binary += 1,
                    }
                    // A file that became binary or too large leaves the index.
                    if plan.mode == IndexMode::Full {
                        Ok(())
                    } else {
                        db.remove_code_file(id, &path).map(|_| ())
                    }
                }
            }
        })?;
        checkout.wait()?;
        db.set_code_index(
            id,
            &counts.commit,
            &new_tree.id().to_string(),
            &spec.branch,
            ctx.now,
        )
    })?;
    bar.finish_and_clear();
    Ok(counts)
}
