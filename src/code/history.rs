//! Writes a repository with a given history: files and commits made in order, each with its
//! author and time. For `luffy demo`, which ships its application's code this way.

use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use git2::{Repository, RepositoryInitOptions, Signature, Time};

/// One commit to write: the files it sets (path, content), on top of the commit before.
#[derive(Debug, Clone)]
pub struct NewCommit<'a> {
    pub message: &'a str,
    pub author: &'a str,
    pub email: &'a str,
    pub time: DateTime<Utc>,
    pub files: Vec<(&'a str, String)>,
}

/// Creates a repository at `path` (which must not hold one) with `commits` on `branch`,
/// checked out; returns the commits' ids, in order.
pub fn write_history(path: &Path, branch: &str, commits: &[NewCommit<'_>]) -> Result<Vec<String>> {
    let mut options = RepositoryInitOptions::new();
    options.initial_head(branch);
    let repo = Repository::init_opts(path, &options)
        .with_context(|| format!("cannot create a repository in {}", path.display()))?;
    let mut parent: Option<git2::Oid> = None;
    let mut ids = Vec::new();
    for commit in commits {
        for (file, content) in &commit.files {
            let full = path.join(file);
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&full, content)
                .with_context(|| format!("cannot write {}", full.display()))?;
        }
        let mut index = repo.index()?;
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let who = Signature::new(
            commit.author,
            commit.email,
            &Time::new(commit.time.timestamp(), 0),
        )?;
        let parents: Vec<git2::Commit<'_>> = parent
            .iter()
            .map(|p| repo.find_commit(*p))
            .collect::<Result<_, _>>()?;
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let oid = repo.commit(Some("HEAD"), &who, &who, commit.message, &tree, &parents)?;
        parent = Some(oid);
        ids.push(oid.to_string());
    }
    Ok(ids)
}
