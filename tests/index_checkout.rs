//! The checkout of a sync is written on its own thread while the index reads the fetched objects:
//! a checkout that fails still fails the run after the files were read, writes no index (the
//! previous one stays whole) and leaves no first clone behind.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::git::{GitDaemon, Repo};
use common::{json, Luffy};

const APP_PY: &str = "def handler(event):\n    return event\n";

/// Commits, on top of `repo`'s head, a tree that git stores but no checkout may write: the
/// head's `file` and a file named `.git` inside a folder. Returns the commit.
fn commit_unwritable_tree(repo: &Repo, file: &str) -> String {
    std::fs::write(repo.path.join("blob.txt"), "x\n").unwrap();
    let blob = repo.git(&["hash-object", "-w", "blob.txt"]);
    let app = repo.git(&["rev-parse", &format!("HEAD:{file}")]);
    let sub = mktree(repo, &format!("100644 blob {}\t.git\n", blob.trim()));
    let tree = mktree(
        repo,
        &format!(
            "100644 blob {}\t{file}\n040000 tree {sub}\tsub\n",
            app.trim()
        ),
    );
    let commit = repo.git(&["commit-tree", &tree, "-p", "HEAD", "-m", "unwritable"]);
    repo.git(&["update-ref", "refs/heads/main", commit.trim()]);
    commit.trim().to_string()
}

/// `git mktree` of `entries` (one `mode type id\tname` a line).
fn mktree(repo: &Repo, entries: &str) -> String {
    let mut child = Command::new("git")
        .arg("mktree")
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git mktree");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(entries.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn find_handler(luffy: &Luffy, service: &str) -> Vec<(String, String)> {
    let found = json(&luffy.ok(&["code", "find", service, "handler", "--json"]));
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            (
                hit["path"].as_str().unwrap().to_string(),
                hit["commit"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_checkout_that_fails_fails_the_run_and_writes_nothing() {
    let luffy = Luffy::new();
    let served = luffy.path("served");
    let mut repo = Repo::init(&served.join("app"));
    repo.write("app.py", APP_PY);
    let good = repo.commit("app");
    let daemon = GitDaemon::start(&served);
    let url = daemon.url("app");

    // A first clone whose checkout fails: no index, and no clone left behind.
    let mut first = Repo::init(&served.join("first"));
    first.write("app.py", APP_PY);
    first.commit("app");
    let bad = commit_unwritable_tree(&first, "app.py");
    luffy.ok(&["service", "add", "first", "--repo", &daemon.url("first")]);
    let err = luffy.fails(&["trigger", "index", "first"], 1);
    assert!(
        err.contains(&format!("cannot check out {bad}")) && err.contains("'sub/.git'"),
        "{err}"
    );
    assert!(!luffy.path("data/repos/first").exists());
    let err = luffy.fails(&["code", "find", "first", "handler"], 1);
    assert!(err.contains("first has no code index yet"), "{err}");

    // A later fetch whose checkout fails: the index of the commit before stays as it was.
    luffy.ok(&["service", "add", "app", "--repo", &url]);
    let counts = json(&luffy.ok(&["trigger", "index", "app", "--json"]))["counts"].clone();
    assert_eq!(
        (counts["cloned"].as_bool(), counts["files_parsed"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(
        find_handler(&luffy, "app"),
        [("app.py".to_string(), good.clone())]
    );
    repo.git(&["mv", "app.py", "main.py"]);
    repo.commit("moved");
    let bad = commit_unwritable_tree(&repo, "main.py");
    let err = luffy.fails(&["trigger", "index", "app"], 1);
    assert!(err.contains(&format!("cannot check out {bad}")), "{err}");
    assert_eq!(find_handler(&luffy, "app"), [("app.py".to_string(), good)]);
    assert!(luffy.path("data/repos/app/app.py").exists());

    // Once the tree can be written again, the run goes on from the index it left.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write("main.py", format!("{APP_PY}\n\ndef other():\n    pass\n"));
    let fixed = repo.commit("fixed");
    let counts = json(&luffy.ok(&["trigger", "index", "app", "--json"]))["counts"].clone();
    assert_eq!(counts["mode"], "incremental", "{counts}");
    assert_eq!(
        find_handler(&luffy, "app"),
        [("main.py".to_string(), fixed)]
    );
    assert!(luffy.path("data/repos/app/main.py").exists());
}
