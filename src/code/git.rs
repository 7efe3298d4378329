//! Keeps a service's repository in sync: clone on first use, fetch after, the branch's commit at
//! the remote's head checked out detached (no local branch is touched). Credentials come in as
//! values and never go into a message.
//!
//! Blame needs history back to the oldest time a report can look at, and no further: a first
//! clone fetches [`FIRST_DEPTH`] commits of the branch and deepens fourfold until its history
//! reaches back to [`RepoSpec::history_since`] (or the whole history is there); later fetches
//! keep where it stops, and deepen the same way when that time moves back. A repository cloned
//! whole (before, or by the user) stays whole, and one on this machine's disk is copied whole
//! (libgit2 limits no history there, and the copy costs no network).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context as _, Result};
use git2::{
    build::CheckoutBuilder, AutotagOption, Cred, CredentialType, ErrorClass, ErrorCode,
    FetchOptions, FetchPrune, Oid, RemoteCallbacks, Repository, Status, StatusOptions,
};

use crate::service::redact_credentials;

/// Where the fetched branch is kept in the repository: luffy's own remote-tracking refs, so that
/// the branches and remotes of a user's checkout stay as they are.
pub(super) const TRACKING: &str = "refs/remotes/luffy/";

/// What to sync: the repository, its branch, the checkout, and how to authenticate.
#[derive(Debug, Clone)]
pub struct RepoSpec {
    /// The remote; none indexes the local repository at `path` as it is (nothing fetched).
    pub url: Option<String>,
    pub branch: String,
    pub path: PathBuf,
    /// Whether the user chose `path` (`git_repo_path`): then a checkout with local changes is
    /// never overwritten. luffy's own checkouts under its data folder are.
    pub user_path: bool,
    /// An https token (the value of the variable `--git-token-env` names).
    pub token: Option<String>,
    /// A private key for ssh; without one, the ssh agent is asked.
    pub ssh_key: Option<PathBuf>,
    /// How far back (Unix seconds) the history must reach: a clone fetches no more than that
    /// takes; `None` fetches the whole history.
    pub history_since: Option<i64>,
}

/// Commits of the branch a history-limited first clone fetches ([`RepoSpec::history_since`]).
const FIRST_DEPTH: i32 = 256;
/// From this depth on, deepening fetches the whole history instead.
const WHOLE_FROM: i32 = 1 << 18;
/// libgit2's depth that fetches the rest of a history-limited clone's history.
const UNSHALLOW: i32 = i32::MAX;

/// The repository after a sync.
pub struct Synced {
    pub repo: Repository,
    /// The branch's commit, as fetched (or as the local repository has it).
    pub commit: Oid,
    /// Whether the repository was cloned by this sync.
    pub cloned: bool,
}

/// Clones or fetches `spec.url` into `spec.path` and checks out the branch's head, detached.
pub fn sync(spec: &RepoSpec) -> Result<Synced> {
    sync_while(spec, |_, checkout| checkout.wait()).map(|(synced, ())| synced)
}

/// The checkout of a sync, under way on its own thread while the caller's work reads the
/// fetched objects.
pub struct PendingCheckout<'scope> {
    handle: Option<std::thread::ScopedJoinHandle<'scope, Result<()>>>,
}

impl PendingCheckout<'_> {
    /// Waits for the checkout to finish; its error, if it failed. Waiting again is a no-op.
    pub fn wait(&mut self) -> Result<()> {
        match self.handle.take() {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(anyhow!("the checkout stopped unexpectedly"))),
            None => Ok(()),
        }
    }
}

/// Syncs as [`sync`] does, but runs `work` on the fetched repository while the branch's head
/// is checked out on another thread (nothing luffy reads comes from the working tree: the index
/// reads blobs). `work` must [`PendingCheckout::wait`] before it makes anything lasting, so a
/// failed checkout fails the sync as before; a first clone that fails in either leaves nothing
/// behind.
pub fn sync_while<T>(
    spec: &RepoSpec,
    work: impl FnOnce(&Synced, &mut PendingCheckout<'_>) -> Result<T>,
) -> Result<(Synced, T)> {
    // A first clone that fails leaves nothing behind: the next run starts afresh, and a mistyped
    // --repo-path leaves no trail of empty folders. A folder that was there stays.
    let created = topmost_missing(&spec.path);
    let (repo, cloned) = open_or_init(spec).inspect_err(|_| {
        if let Some(top) = &created {
            remove_created(&spec.path, top);
        }
    })?;
    let Some(url) = spec.url.as_deref() else {
        let commit = local_branch(&repo, &spec.branch, &spec.path)?;
        let synced = Synced {
            repo,
            commit,
            cloned: false,
        };
        let value = work(&synced, &mut PendingCheckout { handle: None })?;
        return Ok((synced, value));
    };
    let result = fetch_history(&repo, spec, url, cloned).and_then(|commit| {
        let synced = Synced {
            repo,
            commit,
            cloned,
        };
        let value = std::thread::scope(|scope| {
            let mut pending = PendingCheckout {
                handle: Some(scope.spawn(|| checkout_at(spec, commit))),
            };
            let value = work(&synced, &mut pending);
            // The checkout ends before the sync does, whatever `work` did.
            let checked_out = pending.wait();
            value.and_then(|value| checked_out.map(|()| value))
        });
        match value {
            Ok(value) => Ok((synced, value)),
            Err(err) => {
                drop(synced);
                Err(err)
            }
        }
    });
    if result.is_err() && cloned {
        match &created {
            Some(top) => remove_created(&spec.path, top),
            None => {
                let _ = std::fs::remove_dir_all(spec.path.join(".git"));
            }
        }
    }
    result
}

/// Checks out `commit` in the repository at `spec.path`, through a handle of its own (the
/// checkout runs on its own thread).
fn checkout_at(spec: &RepoSpec, commit: Oid) -> Result<()> {
    let flags = git2::RepositoryOpenFlags::NO_SEARCH;
    let repo = Repository::open_ext(&spec.path, flags, std::iter::empty::<&Path>())
        .map_err(|err| corrupt(&spec.path, &err))?;
    checkout(&repo, spec, commit)
}

/// The outermost of `path` and its parents that does not exist: what creating `path` creates.
fn topmost_missing(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .filter(|dir| !dir.as_os_str().is_empty())
        .take_while(|dir| {
            matches!(dir.symlink_metadata(), Err(err) if err.kind() == std::io::ErrorKind::NotFound)
        })
        .last()
        .map(Path::to_path_buf)
}

/// Removes `path` and its parents up to `top`, all created by this sync. A parent goes only
/// while empty: another service's checkout may have been cloned into it since.
fn remove_created(path: &Path, top: &Path) {
    let _ = std::fs::remove_dir_all(path);
    for dir in path.ancestors().skip(1) {
        if !dir.starts_with(top) || std::fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// Opens the repository at `spec.path`, or creates an empty one where there is nothing yet.
fn open_or_init(spec: &RepoSpec) -> Result<(Repository, bool)> {
    let path = &spec.path;
    let empty_dir = path.is_dir()
        && std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .next()
            .is_none();
    if !path.exists() || empty_dir {
        if spec.url.is_none() {
            bail!(
                "{} does not exist and the service has no repository URL to clone from",
                path.display()
            );
        }
        std::fs::create_dir_all(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let repo = Repository::init(path)
            .with_context(|| format!("cannot create a repository in {}", path.display()))?;
        return Ok((repo, true));
    }
    if !path.is_dir() {
        bail!(
            "{} exists and is not a git repository (not a folder); luffy will not overwrite it",
            path.display()
        );
    }
    // Open exactly this folder: a folder inside some other repository is not that repository.
    let flags = git2::RepositoryOpenFlags::NO_SEARCH;
    match Repository::open_ext(path, flags, std::iter::empty::<&Path>()) {
        Ok(repo) => {
            // A HEAD that cannot be read is damage; one that names no commit yet is not.
            if let Err(err) = repo.head() {
                if !matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) {
                    return Err(corrupt(path, &err));
                }
            }
            Ok((repo, false))
        }
        Err(err) if err.code() == ErrorCode::NotFound && !path.join(".git").exists() => bail!(
            "{} exists and is not a git repository; luffy will not overwrite it (remove it, or \
             point the service elsewhere with --repo-path)",
            path.display()
        ),
        Err(err) => Err(corrupt(path, &err)),
    }
}

fn corrupt(path: &Path, err: &git2::Error) -> anyhow::Error {
    anyhow!(
        "the repository at {} is damaged: {}; remove it to clone it again",
        path.display(),
        err.message()
    )
}

/// The commit of `branch` in a repository that luffy does not fetch.
fn local_branch(repo: &Repository, branch: &str, path: &Path) -> Result<Oid> {
    for name in [
        format!("refs/heads/{branch}"),
        format!("refs/remotes/origin/{branch}"),
    ] {
        match repo.refname_to_id(&name) {
            Ok(oid) => return Ok(oid),
            Err(err) if err.code() == ErrorCode::NotFound => {}
            Err(err) => return Err(corrupt(path, &err)),
        }
    }
    bail!(
        "branch '{branch}' is not in the repository at {} (and the service has no repository URL to fetch it from)",
        path.display()
    )
}

/// Fetches the branch with as much history as `spec.history_since` needs (see the module's
/// documentation); returns its commit. `cloning`: the repository is new.
fn fetch_history(repo: &Repository, spec: &RepoSpec, url: &str, cloning: bool) -> Result<Oid> {
    // (libgit2 limits no history from a remote on this machine, which is as cheap to copy whole)
    let limited = (cloning || repo.is_shallow()) && local_path(url).is_none();
    let Some(since) = spec.history_since.filter(|_| limited) else {
        return fetch(repo, spec, url, None);
    };
    let mut depth = cloning.then_some(FIRST_DEPTH);
    let mut commit = fetch(repo, spec, url, depth)?;
    while repo.is_shallow() && stops_after(repo, since) && depth != Some(UNSHALLOW) {
        let have = depth.unwrap_or(0).max(generations(repo, commit));
        depth = Some(if have >= WHOLE_FROM {
            UNSHALLOW
        } else {
            have.saturating_mul(4).max(FIRST_DEPTH)
        });
        commit = fetch(repo, spec, url, depth)?;
    }
    Ok(commit)
}

/// The commits where a history-limited clone's history stops: the `shallow` file of the
/// repository's git folder (none in a whole clone).
pub fn shallow_boundary(repo: &Repository) -> std::collections::HashSet<Oid> {
    std::fs::read_to_string(repo.path().join("shallow"))
        .map(|text| {
            text.lines()
                .filter_map(|line| Oid::from_str(line.trim()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a history-limited clone's history stops at a commit made after `since` (seconds).
fn stops_after(repo: &Repository, since: i64) -> bool {
    shallow_boundary(repo)
        .iter()
        .filter_map(|oid| repo.find_commit(*oid).ok())
        .any(|commit| commit.time().seconds() > since)
}

/// The commits in `commit`'s history as fetched (at least its depth in generations).
fn generations(repo: &Repository, commit: Oid) -> i32 {
    let Ok(mut walk) = repo.revwalk() else {
        return 0;
    };
    if walk.push(commit).is_err() {
        return 0;
    }
    i32::try_from(walk.count()).unwrap_or(i32::MAX)
}

/// Fetches the branch into luffy's tracking ref, `depth` commits deep from its head when given
/// (else keeping the history's end where it is); returns its commit.
fn fetch(repo: &Repository, spec: &RepoSpec, url: &str, depth: Option<i32>) -> Result<Oid> {
    let shown = redact_credentials(url);
    let branch = &spec.branch;
    check_local_remote(url)?;
    let mut remote = repo
        .remote_anonymous(url)
        .map_err(|err| anyhow!("repository URL {shown} is not usable: {}", scrub(&err, url)))?;
    let asked = Rc::new(Cell::new(0u32));
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(callbacks(spec, Rc::clone(&asked)))
        // every tag: a deploy or a logged version names a release by its tag (pruning
        // touches only the branch's tracking ref, never a tag); in a history-limited clone,
        // the tags of the history fetched (each other tag would bring its own history)
        .download_tags(if depth.is_some() || repo.is_shallow() {
            AutotagOption::Auto
        } else {
            AutotagOption::All
        })
        .prune(FetchPrune::On);
    if let Some(depth) = depth {
        options.depth(depth);
    }
    let refspec = format!("+refs/heads/{branch}:{TRACKING}{branch}");
    if let Err(err) = remote.fetch(&[refspec.as_str()], Some(&mut options), None) {
        return Err(fetch_error(&err, spec, url, asked.get()));
    }
    let tracking = format!("{TRACKING}{branch}");
    let heads: Vec<String> = remote
        .list()
        .map(|refs| {
            refs.iter()
                .filter_map(|head| head.name().strip_prefix("refs/heads/"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if !heads.iter().any(|h| h == branch) {
        // The refspec named a branch the remote does not have: nothing was fetched; a tracking
        // ref from an earlier fetch is stale.
        if let Ok(mut stale) = repo.find_reference(&tracking) {
            let _ = stale.delete();
        }
        let known = if heads.is_empty() {
            "it has no branches".to_string()
        } else {
            format!("its branches: {}", heads.join(", "))
        };
        bail!("branch '{branch}' is not on {shown} ({known})");
    }
    repo.refname_to_id(&tracking)
        .map_err(|err| corrupt(&spec.path, &err))
}

/// The path of a remote on this machine (`file://` or an absolute path), `None` for another.
fn local_path(url: &str) -> Option<&str> {
    url.strip_prefix("file://")
        .or_else(|| url.strip_prefix('/').map(|_| url))
}

/// A remote on this machine (`file://` or a path) that is missing or not a repository, said so
/// (libgit2 would call a missing path an unsupported protocol).
pub(super) fn check_local_remote(url: &str) -> Result<()> {
    let Some(path) = local_path(url) else {
        return Ok(());
    };
    let path = Path::new(path);
    if !path.exists() {
        bail!("repository {} does not exist", path.display());
    }
    if Repository::open_bare(path).is_err() && Repository::open(path).is_err() {
        bail!("{} is not a git repository", path.display());
    }
    Ok(())
}

/// The callbacks of a fetch: credentials from the spec, asked for a few times at most (libgit2
/// asks again after each refusal).
pub(super) fn callbacks(spec: &RepoSpec, asked: Rc<Cell<u32>>) -> RemoteCallbacks<'static> {
    let token = spec.token.clone();
    let key = spec.ssh_key.clone();
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, user, allowed| {
        asked.set(asked.get() + 1);
        if asked.get() > 2 {
            return Err(git2::Error::from_str("authentication refused"));
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            let user = user.unwrap_or("git");
            return match &key {
                Some(key) => Cred::ssh_key(user, None, key, None),
                None => Cred::ssh_key_from_agent(user),
            };
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            return match &token {
                Some(token) => Cred::userpass_plaintext(user.unwrap_or("x-access-token"), token),
                None => Err(git2::Error::from_str("credentials required")),
            };
        }
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user.unwrap_or("git"));
        }
        Err(git2::Error::from_str("no usable credentials"))
    });
    callbacks
}

/// A libgit2 message with the URL as given replaced by its redacted form.
pub(super) fn scrub(err: &git2::Error, url: &str) -> String {
    let shown = redact_credentials(url);
    err.message().replace(url, &shown)
}

/// A fetch error, said precisely: refused credentials, an unreachable host, a damaged repository.
pub(super) fn fetch_error(
    err: &git2::Error,
    spec: &RepoSpec,
    url: &str,
    asked: u32,
) -> anyhow::Error {
    let shown = redact_credentials(url);
    let message = scrub(err, url);
    let auth = err.code() == ErrorCode::Auth
        || asked > 0
        || message.contains("401")
        || message.contains("403")
        || message.to_ascii_lowercase().contains("authentication");
    if auth {
        let how = if spec.token.is_some() {
            "the token was refused"
        } else if spec.ssh_key.is_some() {
            "the ssh key was refused"
        } else if url.starts_with("http") {
            "the server asks for credentials; name the variable that holds a token with --git-token-env VAR"
        } else {
            "no credentials were accepted (ssh agent, or --ssh-key PATH)"
        };
        return anyhow!("authentication to {shown} refused: {how}");
    }
    match err.class() {
        ErrorClass::Net | ErrorClass::Os | ErrorClass::Http | ErrorClass::Ssh => {
            anyhow!("cannot reach {shown}: {message}")
        }
        ErrorClass::Odb | ErrorClass::Object | ErrorClass::Index | ErrorClass::Reference => {
            corrupt(&spec.path, err)
        }
        _ if message.contains("not found") || message.contains("not appear to be a git") => {
            anyhow!("{shown} is not a git repository: {message}")
        }
        _ => anyhow!("cannot fetch {shown}: {message}"),
    }
}

/// Checks out `commit` detached. A user's checkout with local changes is left as it is.
fn checkout(repo: &Repository, spec: &RepoSpec, commit: Oid) -> Result<()> {
    if repo.is_bare() {
        return Ok(());
    }
    if spec.user_path {
        refuse_local_changes(repo, &spec.path)?;
    }
    let object = repo
        .find_object(commit, None)
        .map_err(|err| corrupt(&spec.path, &err))?;
    let mut how = CheckoutBuilder::new();
    if spec.user_path {
        how.safe();
    } else {
        how.force().remove_untracked(true);
    }
    let damaged = |err: &git2::Error| {
        matches!(
            err.class(),
            ErrorClass::Reference | ErrorClass::Odb | ErrorClass::Object | ErrorClass::Index
        )
    };
    repo.checkout_tree(&object, Some(&mut how)).map_err(|err| {
        if damaged(&err) {
            corrupt(&spec.path, &err)
        } else {
            anyhow!(
                "cannot check out {commit} in {}: {}",
                spec.path.display(),
                err.message()
            )
        }
    })?;
    repo.set_head_detached(commit)
        .map_err(|err| corrupt(&spec.path, &err))?;
    Ok(())
}

fn refuse_local_changes(repo: &Repository, path: &Path) -> Result<()> {
    let mut options = StatusOptions::new();
    options.include_untracked(false).include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|err| corrupt(path, &err))?;
    let changed: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != Status::CURRENT)
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    if let Some(first) = changed.first() {
        bail!(
            "{} has local changes ({} file(s), e.g. {first}); luffy never overwrites them: commit \
             or stash them, or point the service at another --repo-path",
            path.display(),
            changed.len()
        );
    }
    Ok(())
}
