//! A first clone over the network holds the history that blame can use and no more: the
//! suspect window before the oldest open cluster (or before now). Where that history stops,
//! blame credits a commit with lines that may be older: it is never a suspect, and once an
//! older cluster needs more, the next index run deepens the clone and the report finds the
//! commit that wrote the line. Served by a real `git daemon` (libgit2 limits no history from a
//! remote on this machine's disk).

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use common::git::{GitDaemon, Repo};
use common::{json, suspects, Luffy, NOW};

/// Commits of the served history, one a day, the last the day before [`NOW`].
const COMMITS: i64 = 300;

/// The code: `fetch` fails on a missing row at line 6.
const DB_PY: &str = "\
class Repo:
    def __init__(self):
        self.rows = {}

    def fetch(self, item_id):
        return self.rows[item_id]
";

/// A traceback through `fetch`'s line, logged at `time` (`2023-06-29 12:00:00`).
fn trace(time: &str) -> String {
    format!(
        "{time},000 ERROR [worker-1] app.api: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/app/db.py\", line 6, in fetch\n    \
         return self.rows[item_id]\n\
         KeyError: 'a'\n"
    )
}

/// Unix seconds of [`NOW`].
fn now_seconds() -> i64 {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("NOW is a time")
        .timestamp()
}

/// A repository of [`COMMITS`] daily commits: the first writes `app/db.py` (the line that
/// fails), each later one only `notes.txt`. Made with `git fast-import`; returns the commit ids,
/// oldest first.
fn long_history(path: &std::path::Path) -> Vec<String> {
    let repo = Repo::init(path);
    let mut stream = String::new();
    for k in 0..COMMITS {
        let at = now_seconds() - (COMMITS - k) * 86_400;
        let message = format!("change {k}");
        let _ = write!(
            stream,
            "commit refs/heads/main\nauthor Ada <ada@example.com> {at} +0000\n\
             committer Ada <ada@example.com> {at} +0000\ndata {}\n{message}\n",
            message.len()
        );
        if k == 0 {
            let _ = write!(
                stream,
                "M 644 inline app/db.py\ndata {}\n{DB_PY}\n",
                DB_PY.len()
            );
        }
        let note = format!("note {k}\n");
        let _ = write!(
            stream,
            "M 644 inline notes.txt\ndata {}\n{note}\n",
            note.len()
        );
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("write the history");
    assert!(child.wait().expect("fast-import").success());
    let ids = repo.git(&["rev-list", "--reverse", "main"]);
    let ids: Vec<String> = ids.lines().map(str::to_string).collect();
    assert_eq!(ids.len() as i64, COMMITS);
    ids
}

/// How many commits the checkout holds, and whether its history is limited.
fn held(luffy: &Luffy) -> (usize, bool) {
    let checkout = luffy.path("data/repos/app");
    let repo = Repo::init_existing(&checkout);
    let count = repo
        .git(&["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    (count, checkout.join(".git/shallow").exists())
}

#[test]
fn a_clone_holds_the_window_its_boundary_is_never_a_suspect_and_an_older_cluster_deepens_it() {
    let luffy = Luffy::new();
    let served = luffy.path("served");
    let ids = long_history(&served.join("web"));
    let daemon = GitDaemon::start(&served);
    luffy.ok(&[
        "service",
        "add",
        "app",
        "--repo",
        &daemon.url("web"),
        "--path-map",
        "/srv/app/=",
    ]);
    luffy.ok(&["service", "set", "app", "--suspect-window", "120"]);

    // No cluster yet: the window before now (120 days) is all blame can use. The first clone's
    // 256 commits reach back 256 days: nothing more is fetched.
    luffy.ok(&["trigger", "index", "app"]);
    assert_eq!(held(&luffy), (256, true));
    let boundary = &ids[(COMMITS - 256) as usize];

    // An error first seen 200 days ago: its window (320 to 200 days ago) reaches past where
    // the clone's history stops (256 days ago). Blame credits that commit with the line the
    // first commit wrote; it is never a suspect.
    let log = luffy.file("app.log", &trace("2023-06-29 12:00:00"));
    luffy.watch_file("app", "log", &log);
    luffy.ok(&["trigger", "fetch", "app"]);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert!(!suspects(&report).contains(boundary), "{report}");
    assert_eq!(suspects(&report), Vec::<String>::new(), "{report}");
    let why = report["no_suspects"].as_str().unwrap_or_default();
    assert!(why.contains("outside the window"), "{why}");

    // The next index run needs history back to 320 days ago: the clone deepens, here to the
    // whole history, and the report names the commit that wrote the line.
    luffy.ok(&["trigger", "index", "app"]);
    assert_eq!(held(&luffy), (COMMITS as usize, false));
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(suspects(&report).first(), Some(&ids[0]), "{report}");

    // Later fetches keep the history as it is, and bring the new commits.
    let mut repo = Repo::init_existing(&served.join("web"));
    repo.git(&["reset", "-q", "--hard", "main"]);
    repo.write("notes.txt", "one more\n");
    let newest = repo.commit("one more");
    luffy.ok(&["trigger", "index", "app"]);
    assert_eq!(held(&luffy), (COMMITS as usize + 1, false));
    let checkout = Repo::init_existing(&luffy.path("data/repos/app"));
    assert_eq!(checkout.git(&["rev-parse", "HEAD"]).trim(), newest);
}

#[test]
fn a_limited_clone_fetches_the_new_commits_and_keeps_where_its_history_stops() {
    let luffy = Luffy::new();
    let served = luffy.path("served");
    long_history(&served.join("web"));
    let daemon = GitDaemon::start(&served);
    luffy.ok(&["service", "add", "app", "--repo", &daemon.url("web")]);
    luffy.ok(&["trigger", "index", "app"]);
    assert_eq!(held(&luffy), (256, true));
    let mut repo = Repo::init_existing(&served.join("web"));
    repo.git(&["reset", "-q", "--hard", "main"]);
    repo.write("notes.txt", "one more\n");
    repo.commit("one more");
    luffy.ok(&["trigger", "index", "app"]);
    assert_eq!(held(&luffy), (257, true));
}
