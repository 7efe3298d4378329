//! Revisions of a service's repository as people and logs name them: a commit id or a prefix of
//! one, a tag, a branch. What `luffy deploy add` records and what a logged version resolves to.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context as _, Result};
use git2::{AutotagOption, ErrorCode, FetchOptions, FetchPrune, Oid, Repository};

use super::git::{self, RepoSpec, TRACKING};

/// Whether `rev` reads as a commit id or a prefix of one: 7 to 40 hex digits.
pub fn is_commit_id(rev: &str) -> bool {
    (7..=40).contains(&rev.len()) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The commit `rev` names in the repository at `path`, as it is (nothing fetched): a commit id
/// or an unambiguous prefix of one, a tag, a branch (luffy's fetched copy, a local one, or
/// `origin`'s). `None` when it names none. A `v` is tried before a version that lacks it
/// (`1.4.0` finds the tag `v1.4.0`).
pub fn find(repo: &Repository, rev: &str) -> Result<Option<Oid>> {
    if rev.is_empty() || rev.starts_with('-') || rev.contains("..") || rev.contains(':') {
        return Ok(None);
    }
    if is_commit_id(rev) {
        if let Ok(object) = repo.revparse_single(rev) {
            if let Ok(commit) = object.peel_to_commit() {
                return Ok(Some(commit.id()));
            }
        }
    }
    let tagged = [format!("refs/tags/{rev}"), format!("refs/tags/v{rev}")];
    let branches = [
        format!("{TRACKING}{rev}"),
        format!("refs/heads/{rev}"),
        format!("refs/remotes/origin/{rev}"),
    ];
    for name in tagged.iter().chain(&branches) {
        match repo.find_reference(name) {
            Ok(reference) => {
                let commit = reference
                    .peel_to_commit()
                    .with_context(|| format!("{name} does not name a commit"))?;
                return Ok(Some(commit.id()));
            }
            Err(err) if matches!(err.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => {}
            Err(err) => return Err(anyhow::Error::new(err).context(format!("cannot read {name}"))),
        }
    }
    Ok(None)
}

/// The commit `rev` names in the service's repository ([`find`]). A repository not cloned yet
/// is cloned first; when the checkout lacks `rev`, the remote's tags and branches are fetched
/// and it is looked for again. `None` when the repository has no such revision.
pub fn resolve(spec: &RepoSpec, rev: &str) -> Result<Option<Oid>> {
    let repo = if is_repository(&spec.path) {
        Repository::open(&spec.path)
            .with_context(|| format!("cannot open the repository {}", spec.path.display()))?
    } else {
        git::sync(spec)?.repo
    };
    if let Some(oid) = find(&repo, rev)? {
        return Ok(Some(oid));
    }
    let Some(url) = spec.url.as_deref() else {
        return Ok(None);
    };
    fetch_all(&repo, spec, url)?;
    find(&repo, rev)
}

/// [`find`] in the checkout at `path`, when there is one: what a logged version resolves to
/// without going to the network.
pub fn find_at(path: &Path, rev: &str) -> Result<Option<Oid>> {
    if !is_repository(path) {
        return Ok(None);
    }
    let repo = Repository::open(path)
        .with_context(|| format!("cannot open the repository {}", path.display()))?;
    find(&repo, rev)
}

fn is_repository(path: &Path) -> bool {
    path.join(".git").exists() || path.join("HEAD").is_file()
}

/// Fetches every tag and branch of the remote (branches into luffy's tracking refs).
fn fetch_all(repo: &Repository, spec: &RepoSpec, url: &str) -> Result<()> {
    git::check_local_remote(url)?;
    let mut remote = repo.remote_anonymous(url)?;
    let asked = Rc::new(Cell::new(0u32));
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(git::callbacks(spec, Rc::clone(&asked)))
        .download_tags(AutotagOption::None)
        .prune(FetchPrune::Off);
    let heads = format!("+refs/heads/*:{TRACKING}*");
    let refspecs = ["+refs/tags/*:refs/tags/*", heads.as_str()];
    remote
        .fetch(&refspecs, Some(&mut options), None)
        .map_err(|err| git::fetch_error(&err, spec, url, asked.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_ids_are_seven_to_forty_hex_digits() {
        assert!(is_commit_id("abc1234"));
        assert!(is_commit_id(&"a".repeat(40)));
        assert!(!is_commit_id("abc123"));
        assert!(!is_commit_id("v1.2.3"));
        assert!(!is_commit_id(&"a".repeat(41)));
    }
}
