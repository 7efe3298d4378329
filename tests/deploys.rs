//! Deploys: `luffy deploy add | list | rm` against a real repository, versions carried by JSON
//! logs, and blame read in the version that ran rather than the branch as it was at first-seen.

mod common;

use common::{json, suspects};

use common::git::{indexed_service, Repo};
use common::Luffy;
use serde_json::Value;

/// Lines 8-10 are `fetch`; line 10 is the line that fails.
const DB_V0: &str = "\
class Repo:
    def __init__(self):
        self.rows = {}

    def count(self):
        return len(self.rows)

    def fetch(self, item_id):
        '''One row.'''
        return self.rows.get(item_id)
";

/// A Python traceback logged at `time` through db.py's fetch at `line`.
fn trace(time: &str, line: u32) -> String {
    format!(
        "{time},000 ERROR [worker-1] app.api: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/app/db.py\", line {line}, in fetch\n    \
         return self.rows[item_id]\n\
         KeyError: 'a'\n"
    )
}

struct History {
    repo: Repo,
    /// Jan 2: the bug (line 10 raises).
    introducing: String,
    /// Jan 3: an unrelated change; what was deployed (Jan 3, 12:00).
    deployed: String,
    /// Jan 4, after the deploy and never deployed: rewrites the failing line.
    undeployed: String,
}

fn history(path: &std::path::Path) -> History {
    let mut repo = Repo::init(path);
    repo.write("app/db.py", DB_V0);
    repo.commit("app: items");
    let v1 = DB_V0.replace("self.rows.get(item_id)", "self.rows[item_id]");
    repo.write("app/db.py", &v1);
    let introducing = repo.commit("repo: fail loudly on missing rows");
    repo.write("README.md", "items\n");
    let deployed = repo.commit("readme");
    repo.git(&["tag", "v1.0.0"]);
    // main moves on: a later commit edits the failing line (and would be blamed for it)
    repo.write(
        "app/db.py",
        v1.replace(
            "return self.rows[item_id]",
            "return self.rows[item_id]  # hot",
        ),
    );
    let undeployed = repo.commit("db: note the hot path");
    History {
        repo,
        introducing,
        deployed,
        undeployed,
    }
}

#[test]
fn blame_is_read_in_the_deployed_version_not_the_branch_at_first_seen() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    // first seen Jan 4 12:00: after the undeployed edit reached main (Jan 4 10:00)
    indexed_service(&luffy, &h.repo, &trace("2024-01-04 12:00:00", 10));
    luffy.ok(&["trigger", "rca", "app"]);
    let before = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    // without a deploy, the branch as it was at first-seen is taken as what ran
    assert_eq!(suspects(&before)[0], h.undeployed, "{before:#}");
    assert_eq!(before["deploy"], Value::Null);

    let added = json(&luffy.ok(&[
        "--json",
        "deploy",
        "add",
        "app",
        "v1.0.0",
        "--at",
        "2024-01-03T12:00:00Z",
        "--env",
        "production",
    ]));
    assert_eq!(added["commit"], h.deployed.as_str());
    assert_eq!(added["rev"], "v1.0.0");
    assert_eq!(added["source"], "cli");
    // recorded after the report: the next run writes it again in the deployed version, once
    let run = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(run["counts"]["redeployed"], 1, "{run}");
    let again = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(again["counts"]["unchanged"], 1, "{again}");
    let after = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(after["generation"], 2);
    let ranked = suspects(&after);
    assert_eq!(ranked[0], h.introducing, "{after:#}");
    assert!(!ranked.contains(&h.undeployed), "{ranked:?}");
    assert_eq!(after["deploy"]["commit"], h.deployed.as_str(), "{after:#}");
    assert_eq!(after["deploy"]["deployed_at"], "2024-01-03T12:00:00Z");
    assert_eq!(after["deploy"]["env"], "production");
    assert_eq!(after["deploy"]["source"], "cli");
    let md = luffy.ok(&["rca", "show", "1", "--markdown"]);
    assert!(
        md.contains("Blamed in the version that ran: deploy"),
        "{md}"
    );
}

#[test]
fn the_commits_a_deploy_brought_are_said_to_have_shipped_in_it() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-04 12:00:00", 10));
    let first = h.repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    luffy.ok(&[
        "deploy",
        "add",
        "app",
        first.trim(),
        "--at",
        "2024-01-01T12:00:00Z",
    ]);
    luffy.ok(&[
        "deploy",
        "add",
        "app",
        &h.deployed[..9],
        "--at",
        "2024-01-03T12:00:00Z",
    ]);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(suspects(&report)[0], h.introducing, "{report:#}");
    assert_eq!(report["deploy"]["commits_since_previous"], 2, "{report:#}");
    let reasons: Vec<&str> = report["suspects"][0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let short = &h.deployed[..7];
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with(&format!("shipped in deploy {short} "))
                && r.contains("2 commits since the previous deploy")),
        "{reasons:?}"
    );
}

#[test]
fn versions_in_json_logs_are_deploys_found_in_the_logs() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    let line = |time: &str, version: &str| {
        format!(
            "{{\"@timestamp\":\"{time}\",\"log.level\":\"error\",\"message\":\"request failed\",\
             \"service\":{{\"version\":\"{version}\"}},\"error\":{{\"stack_trace\":\
             \"Traceback (most recent call last):\\n  File \\\"/srv/app/app/db.py\\\", line 10, \
             in fetch\\n    return self.rows[item_id]\\nKeyError: 'a'\"}}}}\n"
        )
    };
    // the deployed version, by its sha's prefix, first seen after the undeployed edit
    let log = line("2024-01-04T12:00:00Z", &h.deployed[..10]);
    indexed_service(&luffy, &h.repo, &log);
    let deploys = json(&luffy.ok(&["--json", "deploy", "list", "app"]));
    assert_eq!(deploys.as_array().unwrap().len(), 1, "{deploys:#}");
    assert_eq!(deploys[0]["source"], "logs");
    assert_eq!(deploys[0]["rev"], &h.deployed[..10]);
    assert_eq!(deploys[0]["deployed_at"], "2024-01-04T12:00:00Z");
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    let ranked = suspects(&report);
    assert!(!ranked.is_empty(), "{report:#}");
    assert_eq!(ranked[0], h.introducing, "{report:#}");
    assert!(!ranked.contains(&h.undeployed), "{ranked:?}");
    assert_eq!(report["deploy"]["source"], "logs");
    assert_eq!(report["deploy"]["commit"], h.deployed.as_str());
    // the report resolved the logged version to its commit
    let deploys = json(&luffy.ok(&["--json", "deploy", "list", "app"]));
    assert_eq!(deploys[0]["commit"], h.deployed.as_str(), "{deploys:#}");
    let version: String = luffy
        .read_db()
        .query_row("SELECT version FROM events LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, &h.deployed[..10]);
}

#[test]
fn deploy_list_and_rm() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-04 12:00:00", 10));
    luffy.ok(&[
        "deploy", "add", "app", "main", "--at", "2h", "--env", "staging",
    ]);
    luffy.ok(&[
        "deploy",
        "add",
        "app",
        "v1.0.0",
        "--at",
        "2024-01-03T12:00:00Z",
    ]);
    let list = json(&luffy.ok(&["--json", "deploy", "list"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    // newest first, every field named
    assert_eq!(list[0]["rev"], "main");
    assert_eq!(list[0]["commit"], h.undeployed.as_str());
    assert_eq!(list[0]["deployed_at"], "2024-01-15T08:30:00Z");
    assert_eq!(list[0]["env"], "staging");
    assert_eq!(list[1]["rev"], "v1.0.0");
    for key in [
        "id",
        "service_id",
        "commit",
        "rev",
        "deployed_at",
        "env",
        "source",
    ] {
        assert!(list[1].get(key).is_some(), "{key} in {:#}", list[1]);
    }
    let table = luffy.ok(&["deploy", "list", "app"]);
    assert!(
        table.contains("v1.0.0") && table.contains("staging"),
        "{table}"
    );
    let id = list[0]["id"].as_i64().unwrap().to_string();
    luffy.ok(&["deploy", "rm", &id]);
    let list = json(&luffy.ok(&["--json", "deploy", "list", "app"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let err = luffy.fails(&["deploy", "rm", &id], 2);
    assert!(err.contains(&format!("no deploy {id}")), "{err}");
}

#[test]
fn bad_deploys_are_refused_and_write_nothing() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-04 12:00:00", 10));
    let cases: [(&[&str], &str); 6] = [
        (&["deploy", "add", "nosuch", "main"], "no service 'nosuch'"),
        (
            &["deploy", "add", "app", "v9.9.9"],
            "'v9.9.9' is not a commit, tag or branch of app's repository",
        ),
        (
            &["deploy", "add", "app", "deadbeef12"],
            "'deadbeef12' is not a commit of app's repository",
        ),
        (
            &[
                "deploy",
                "add",
                "app",
                "main",
                "--at",
                "2030-01-01T00:00:00Z",
            ],
            "is in the future",
        ),
        (
            &["deploy", "add", "app", "main", "--at", "last tuesday"],
            "invalid value for '--at'",
        ),
        (&["deploy", "list", "nosuch"], "no service 'nosuch'"),
    ];
    for (args, expected) in cases {
        let err = luffy.fails(args, 2);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let count: i64 = luffy
        .read_db()
        .query_row("SELECT count(*) FROM deploys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 0);
}

#[test]
fn the_suspect_window_is_a_setting() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    // first seen Jan 14: the bug (Jan 2) is 12 days old, the edit (Jan 4) 10
    indexed_service(&luffy, &h.repo, &trace("2024-01-14 12:00:00", 10));
    luffy.ok(&["service", "set", "app", "--suspect-window", "3"]);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert!(suspects(&report).is_empty(), "{report:#}");
    let why = report["no_suspects"].as_str().unwrap();
    assert!(why.contains("more than 3 days before it"), "{why}");
    assert!(why.contains("--suspect-window"), "{why}");
    luffy.ok(&["service", "set", "app", "--suspect-window", "none"]);
    luffy.ok(&["trigger", "rca", "app", "--all"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert!(!suspects(&report).is_empty(), "{report:#}");
    let err = luffy.fails(&["service", "set", "app", "--suspect-window", "0"], 2);
    assert!(err.contains("--suspect-window"), "{err}");
    let err = luffy.fails(&["service", "set", "app", "--suspect-window", "soon"], 2);
    assert!(err.contains("not a number of days"), "{err}");
}

#[test]
fn cluster_show_names_the_deploy_first_seen_in_and_the_one_it_came_back_in() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    indexed_service(&luffy, &h.repo, &trace("2024-01-04 12:00:00", 10));
    luffy.ok(&[
        "deploy",
        "add",
        "app",
        "v1.0.0",
        "--at",
        "2024-01-03T12:00:00Z",
    ]);
    let shown = json(&luffy.ok(&["--json", "cluster", "show", "1"]));
    assert_eq!(
        shown["first_deploy"]["commit"],
        h.deployed.as_str(),
        "{shown:#}"
    );
    assert_eq!(shown["first_deploy"]["rev"], "v1.0.0");
    assert_eq!(shown["regressed_deploy"], Value::Null);
    // resolved, then back after the next deploy
    luffy.ok(&["cluster", "resolve", "1"]);
    luffy.ok(&[
        "deploy",
        "add",
        "app",
        "main",
        "--at",
        "2024-01-06T09:00:00Z",
        "--env",
        "prod",
    ]);
    let log = luffy.path("app.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&trace("2024-01-06 10:00:00", 10));
    std::fs::write(&log, text).unwrap();
    common::settle(&log);
    luffy.ok(&["trigger", "fetch", "app"]);
    let shown = json(&luffy.ok(&["--json", "cluster", "show", "1"]));
    assert_eq!(shown["regressed"], true, "{shown:#}");
    assert_eq!(
        shown["regressed_at"], "2024-01-06T10:00:00.000Z",
        "{shown:#}"
    );
    assert_eq!(shown["regressed_deploy"]["commit"], h.undeployed.as_str());
    assert_eq!(shown["first_deploy"]["rev"], "v1.0.0");
    let text = luffy.ok(&["cluster", "show", "1"]);
    assert!(text.contains("first seen in deploy"), "{text}");
    assert!(
        text.contains("came back 2024-01-06T10:00:00.000Z in deploy"),
        "{text}"
    );
}

#[test]
fn a_logged_version_that_is_a_tag_is_found_in_the_clone() {
    let luffy = Luffy::new();
    let h = history(&luffy.path("web"));
    // logfmt, the version by its release tag without the v; the clone fetched the tags
    let log = "time=2024-01-04T12:00:00Z level=error msg=\"request failed\" version=1.0.0\n\
               Traceback (most recent call last):\n  \
               File \"/srv/app/app/db.py\", line 10, in fetch\n    \
               return self.rows[item_id]\n\
               KeyError: 'a'\n";
    indexed_service(&luffy, &h.repo, log);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = json(&luffy.ok(&["rca", "show", "1", "--json"]));
    assert_eq!(
        report["deploy"]["commit"],
        h.deployed.as_str(),
        "{report:#}"
    );
    assert_eq!(report["deploy"]["rev"], "1.0.0");
    assert_eq!(suspects(&report)[0], h.introducing, "{report:#}");
}
