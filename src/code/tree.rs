//! The files of a commit, what changed between two commits' trees, and which files are not
//! worth reading (vendored and generated trees, minified files).

use anyhow::{Context as _, Result};
use git2::{
    Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, Tree, TreeWalkMode,
    TreeWalkResult,
};

/// A file of a tree: its path and blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub blob: Oid,
}

/// One change between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A file added or changed: (re)read it.
    Upsert(Entry),
    /// A file deleted.
    Remove(String),
    /// A file moved; unchanged content keeps its symbols.
    Rename { from: String, to: Entry, same: bool },
}

/// Folder names whose trees are not the service's own code.
const VENDORED_DIRS: &[&str] = &["vendor", "node_modules", "dist", "build", "target"];

/// Whether `path` is in a vendored or generated tree, or is a minified file.
pub fn vendored(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return part.ends_with(".min.js") || part.ends_with(".min.css");
        }
        if VENDORED_DIRS.contains(&part) {
            return true;
        }
    }
    false
}

/// Every regular file of `tree` (links and submodules left out), in path order.
pub fn files(tree: &Tree<'_>) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(ObjectType::Blob) && entry.filemode() != 0o120_000 {
            if let Ok(name) = entry.name() {
                entries.push(Entry {
                    path: format!("{dir}{name}"),
                    blob: entry.id(),
                });
            }
        }
        TreeWalkResult::Ok
    })
    .context("cannot read the commit's tree")?;
    Ok(entries)
}

/// What changed from `old` to `new`, renames found by content (as `git diff -M` finds them).
pub fn changes(repo: &Repository, old: &Tree<'_>, new: &Tree<'_>) -> Result<Vec<Change>> {
    let mut options = DiffOptions::new();
    options.ignore_submodules(true);
    let mut diff = repo
        .diff_tree_to_tree(Some(old), Some(new), Some(&mut options))
        .context("cannot compare the indexed commit's tree with the new one")?;
    let mut find = DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find))
        .context("cannot find renamed files")?;
    let path = |file: &git2::DiffFile<'_>| file.path().map(|p| p.to_string_lossy().into_owned());
    let is_file = |file: &git2::DiffFile<'_>| {
        matches!(
            file.mode(),
            git2::FileMode::Blob | git2::FileMode::BlobExecutable
        )
    };
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let (old_file, new_file) = (delta.old_file(), delta.new_file());
        let upsert = |out: &mut Vec<Change>| {
            if let Some(path) = path(&new_file) {
                if is_file(&new_file) {
                    out.push(Change::Upsert(Entry {
                        path,
                        blob: new_file.id(),
                    }));
                }
            }
        };
        match delta.status() {
            Delta::Added | Delta::Copied => upsert(&mut out),
            Delta::Modified | Delta::Typechange => {
                if let (Some(p), false) = (path(&old_file), is_file(&new_file)) {
                    out.push(Change::Remove(p));
                }
                upsert(&mut out);
            }
            Delta::Deleted => out.extend(path(&old_file).map(Change::Remove)),
            Delta::Renamed => match (path(&old_file), path(&new_file)) {
                (Some(from), Some(to)) if is_file(&new_file) => out.push(Change::Rename {
                    from,
                    to: Entry {
                        path: to,
                        blob: new_file.id(),
                    },
                    same: old_file.id() == new_file.id(),
                }),
                (from, _) => out.extend(from.map(Change::Remove)),
            },
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_and_minified_paths() {
        for yes in [
            "vendor/github.com/x/y.go",
            "web/node_modules/react/index.js",
            "dist/app.js",
            "a/build/gen.py",
            "target/debug/x.rs",
            "static/app.min.js",
        ] {
            assert!(vendored(yes), "{yes}");
        }
        for no in [
            "src/vendors.py",
            "src/build.rs",
            "app/min.js",
            "vendor",
            "src/target.go",
        ] {
            assert!(!vendored(no), "{no}");
        }
    }
}
