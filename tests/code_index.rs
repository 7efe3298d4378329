//! Code indexing against real repositories: made with git in temp dirs, served by `git daemon`
//! and `git http-backend` on 127.0.0.1, or read as file:// URLs and local paths.

mod common;

use common::json;

use common::git::{GitDaemon, HttpGit, Repo};
use common::Luffy;
use serde_json::Value;

const DB_PY: &str = "\
import sqlite3


class Repo:
    def __init__(self, path):
        self.path = path

    def fetch(self, item_id):
        row = self.conn.execute('SELECT 1').fetchone()
        if row is None:
            raise KeyError(item_id)
        return row


def connect(path):
    return Repo(path)
";

const USER_SERVICE: &str = "\
package com.acme.api;

public class UserService {
    public User getUser(long id) {
        return repo.find(id);
    }
}
";

const MAIN_GO: &str = "\
package main

type Server struct{}

func (s *Server) Run() error {
\treturn nil
}
";

const LIB_RS: &str = "\
pub struct Db;

impl Db {
    pub fn open() -> Db {
        Db
    }
}
";

const APP_TS: &str = "\
export class Cart {
  total(): number {
    return 0;
  }
}
";

/// A repository of several languages, a vendored tree, a binary and a large file.
fn web_repo(path: &std::path::Path) -> Repo {
    let mut repo = Repo::init(path);
    repo.write("src/app/db.py", DB_PY);
    repo.write("src/main/java/com/acme/api/UserService.java", USER_SERVICE);
    repo.write("cmd/server/main.go", MAIN_GO);
    repo.write("core/src/lib.rs", LIB_RS);
    repo.write("web/cart.ts", APP_TS);
    repo.write("README.md", "# web\n");
    repo.write("web/node_modules/left-pad/index.js", "function pad() {}\n");
    repo.write("web/static/app.min.js", "function a(){}\n");
    repo.write("assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00");
    repo.write("data/big.py", "x = 1\n".repeat(200_000));
    repo.commit("first");
    repo
}

/// `luffy trigger index SERVICE --json` that must succeed: its counts.
fn index(luffy: &Luffy, service: &str, extra: &[&str]) -> Value {
    let mut args = vec!["trigger", "index", service, "--json"];
    args.extend_from_slice(extra);
    json(&luffy.ok(&args))["counts"].clone()
}

/// `code find --json`: `(path, symbol, container, start, end)` of each answer.
fn find(luffy: &Luffy, service: &str, query: &str) -> Vec<(String, String, String, u64, u64)> {
    let found = json(&luffy.ok(&["code", "find", service, query, "--json"]));
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["symbol"].as_str().unwrap_or("").to_string(),
                f["container"].as_str().unwrap_or("").to_string(),
                f["start_line"].as_u64().unwrap_or(0),
                f["end_line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn hit(
    path: &str,
    symbol: &str,
    container: &str,
    lines: (u64, u64),
) -> (String, String, String, u64, u64) {
    (
        path.into(),
        symbol.into(),
        container.into(),
        lines.0,
        lines.1,
    )
}

#[test]
fn clone_over_git_daemon_then_fetch_and_index_only_what_changed() {
    let luffy = Luffy::new();
    let served = luffy.path("served");
    let mut repo = web_repo(&served.join("web"));
    let daemon = GitDaemon::start(&served);
    luffy.ok(&["service", "add", "web", "--repo", &daemon.url("web")]);

    let first = index(&luffy, "web", &[]);
    assert_eq!(first["mode"], "full");
    assert_eq!(first["cloned"], true);
    assert_eq!(first["commit"], repo.head().as_str());
    assert_eq!(first["files_seen"], 10);
    assert_eq!(first["files_parsed"], 6, "{first}");
    assert_eq!(
        (
            &first["skipped_vendored"],
            &first["skipped_large"],
            &first["skipped_binary"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(1))
    );
    // Repo, __init__, fetch, connect; UserService, getUser; Server, Run; Db, impl Db, open;
    // Cart, total
    assert_eq!(first["symbols"], 13, "{first}");
    assert_eq!(first["files_total"], 6);

    // The checkout is at the remote's head, detached, in repos/<id> beside the database.
    let checkout = luffy.path("data/repos/web");
    assert!(checkout.join("src/app/db.py").exists());
    // luffy's repos folder is private, as the database is: no other user reads the code
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(luffy.path("data/repos"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let head = Repo::init_existing(&checkout);
    assert_eq!(head.git(&["rev-parse", "HEAD"]).trim(), repo.head());
    assert_eq!(head.git(&["branch", "--show-current"]).trim(), "");

    assert_eq!(
        find(&luffy, "web", "/usr/src/app/src/app/db.py:10"),
        [hit("src/app/db.py", "fetch", "Repo", (8, 12))]
    );
    // a line past the end of the file is said to be
    let past = luffy.ok(&["code", "find", "web", "src/app/db.py:99999"]);
    let lines = std::fs::read_to_string(checkout.join("src/app/db.py"))
        .unwrap()
        .lines()
        .count();
    assert!(
        past.contains(&format!(
            "note: line 99999 is past the end of src/app/db.py ({lines} lines at commit"
        )),
        "{past}"
    );
    assert_eq!(
        find(&luffy, "web", "com/acme/api/UserService.java:5"),
        [hit(
            "src/main/java/com/acme/api/UserService.java",
            "getUser",
            "UserService",
            (4, 6)
        )]
    );
    // A Java frame's qualified name finds its method too.
    assert_eq!(
        find(&luffy, "web", "com.acme.api.UserService.getUser")[0].1,
        "getUser"
    );
    assert_eq!(
        find(&luffy, "web", "Server.Run"),
        [hit("cmd/server/main.go", "Run", "Server", (5, 7))]
    );

    // A second commit: a rename, a deletion, a change, and a merge of a branch.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "web/cart.ts",
        format!("{APP_TS}export function checkout() {{}}\n"),
    );
    repo.commit("checkout");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["mv", "src/app/db.py", "src/app/store.py"]);
    repo.git(&["rm", "-q", "core/src/lib.rs"]);
    repo.commit("rename db, drop core");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);

    let second = index(&luffy, "web", &[]);
    assert_eq!(second["mode"], "incremental", "{second}");
    assert_eq!(second["cloned"], false);
    assert_eq!(second["previous_commit"], first["commit"]);
    assert_eq!(second["commit"], repo.head().as_str());
    assert_eq!(
        (
            &second["files_seen"],
            &second["files_parsed"],
            &second["files_removed"],
            &second["files_renamed"]
        ),
        (
            &Value::from(3),
            &Value::from(1),
            &Value::from(1),
            &Value::from(1)
        ),
        "{second}"
    );
    assert_eq!(
        second["symbols"], 3,
        "only cart.ts was read again: {second}"
    );
    assert_eq!(second["symbols_total"], 11);
    assert_eq!(
        find(&luffy, "web", "/app/src/app/store.py:10"),
        [hit("src/app/store.py", "fetch", "Repo", (8, 12))]
    );
    assert!(find(&luffy, "web", "Db.open").is_empty());
    assert_eq!(
        find(&luffy, "web", "checkout"),
        [hit("web/cart.ts", "checkout", "", (6, 6))]
    );

    let unchanged = index(&luffy, "web", &[]);
    assert_eq!(unchanged["mode"], "unchanged");
    assert_eq!(unchanged["files_seen"], 0);
    let full = index(&luffy, "web", &["--full"]);
    assert_eq!(full["mode"], "full");
    assert_eq!(full["symbols_total"], second["symbols_total"]);

    let status = json(&luffy.ok(&["status", "web", "--json"]));
    assert_eq!(status["indexed_commit"], repo.head().as_str());
    assert_eq!(status["last_code_indexing"], common::NOW);
    let history = json(&luffy.ok(&["history", "web", "--json"]));
    let runs = history.as_array().expect("runs");
    assert_eq!(runs.len(), 4);
    assert!(runs
        .iter()
        .all(|r| r["task"] == "index" && r["status"] == "ok"));
    assert_eq!(runs[3]["counts"]["files_parsed"], 6);
    assert!(runs[3]["counts"]["duration_ms"].is_u64());
}

#[test]
fn smart_http_with_a_token_by_reference() {
    const TOKEN: &str = "s3cr3t-t0ken-42";
    let luffy = Luffy::new();
    let served = luffy.path("served");
    let repo = web_repo(&served.join("web"));
    let http = HttpGit::start(&served, Some(TOKEN));
    luffy.ok(&["service", "add", "web", "--repo", &http.url("web")]);

    let err = luffy.fails(&["trigger", "index", "web"], 1);
    assert!(
        err.contains("authentication to http://127.0.0.1") && err.contains("--git-token-env"),
        "{err}"
    );
    luffy.ok(&["service", "set", "web", "--git-token-env", "GIT_TOKEN"]);
    let err = luffy.fails(&["trigger", "index", "web"], 1);
    assert!(
        err.contains("GIT_TOKEN") && err.contains("not set"),
        "{err}"
    );

    let with_token = |token: &str| {
        let out = luffy
            .command(&["trigger", "index", "web", "--json"])
            .env("GIT_TOKEN", token)
            .output()
            .expect("run luffy");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = with_token("wrong-token");
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("the token was refused"), "{stderr}");
    assert!(!stderr.contains("wrong-token") && !stdout.contains("wrong-token"));

    let (code, stdout, stderr) = with_token(TOKEN);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let counts = &json(&stdout)["counts"];
    assert_eq!(counts["commit"], repo.head().as_str());
    assert_eq!(counts["files_parsed"], 6);

    // The token is nowhere: not printed, not in the database, not in the checkout's config.
    let everything = format!(
        "{stdout}{stderr}{}{}",
        luffy.ok(&["history", "--json"]),
        luffy.ok(&["service", "show", "web", "--json"])
    );
    assert!(!everything.contains(TOKEN));
    for file in [luffy.db.clone(), luffy.path("data/repos/web/.git/config")] {
        let bytes = std::fs::read(&file).expect("read");
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "{} holds the token",
            file.display()
        );
    }
}

#[test]
fn smart_http_without_authentication_fetches_incrementally() {
    let luffy = Luffy::new();
    let served = luffy.path("served");
    let mut repo = web_repo(&served.join("web"));
    let http = HttpGit::start(&served, None);
    luffy.ok(&["service", "add", "web", "--repo", &http.url("web")]);
    assert_eq!(index(&luffy, "web", &[])["files_parsed"], 6);
    repo.write(
        "src/app/db.py",
        format!("{DB_PY}\n\ndef close():\n    pass\n"),
    );
    repo.commit("close");
    let second = index(&luffy, "web", &[]);
    assert_eq!(second["mode"], "incremental");
    assert_eq!(second["files_parsed"], 1);
    assert_eq!(
        find(&luffy, "web", "close"),
        [hit("src/app/db.py", "close", "", (19, 20))]
    );
}

/// The last task run of `service`: its status and error.
fn last_run(luffy: &Luffy, service: &str) -> (String, String) {
    let history = json(&luffy.ok(&["history", service, "--json", "--limit", "1"]));
    let run = &history[0];
    (
        run["status"].as_str().unwrap_or("").to_string(),
        run["error"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn failures_are_precise_recorded_and_other_services_go_on() {
    let luffy = Luffy::new();
    let repo = web_repo(&luffy.path("origin"));
    luffy.ok(&["service", "add", "good", "--repo", &repo.url()]);

    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "nobranch",
            vec![
                "--repo".into(),
                repo.url(),
                "--branch".into(),
                "release".into(),
            ],
            "branch 'release' is not on file://",
        ),
        (
            "unreachable",
            vec!["--repo".into(), "git://127.0.0.1:1/web".into()],
            "cannot reach git://127.0.0.1:1/web",
        ),
        (
            "norepo",
            vec![
                "--repo".into(),
                luffy.path("nothing-here").display().to_string(),
            ],
            "nothing-here does not exist",
        ),
        (
            "notgit",
            vec![
                "--repo".into(),
                format!("file://{}", luffy.path("data").display()),
            ],
            "data is not a git repository",
        ),
        (
            "sshdown",
            vec!["--repo".into(), "ssh://git@127.0.0.1:1/web.git".into()],
            "cannot reach ssh://git@127.0.0.1:1/web.git",
        ),
        ("unset", vec![], "has no repository"),
    ];
    for (id, flags, expected) in &cases {
        let mut args = vec!["service", "add", id];
        args.extend(flags.iter().map(String::as_str));
        luffy.ok(&args);
        let run = luffy.run(&["trigger", "index", id]);
        assert_eq!(run.code, 1, "{id}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{id}: a failed run prints no summary");
        let err = run.stderr;
        assert!(err.starts_with("luffy: error: "), "{id}: {err}");
        assert!(err.contains(expected), "{id}: {err}");
        let (status, error) = last_run(&luffy, id);
        assert_eq!(status, "failed", "{id}");
        assert!(error.contains(expected), "{id}: {error}");
    }
    luffy.ok(&[
        "service",
        "add",
        "sshkey",
        "--repo",
        "git@127.0.0.1:web.git",
        "--ssh-key",
        "/nonexistent/id_ed25519",
    ]);
    let err = luffy.fails(&["trigger", "index", "sshkey"], 1);
    assert!(
        err.contains("the ssh key /nonexistent/id_ed25519 (--ssh-key) does not exist"),
        "{err}"
    );
    let err = luffy.fails(&["trigger", "index", "nobranch"], 1);
    assert!(err.contains("its branches: main"), "{err}");

    // A folder that is not a repository, as the service's own repo path: never overwritten.
    let plain = luffy.path("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("notes.txt"), "mine").unwrap();
    luffy.ok(&[
        "service",
        "add",
        "plain",
        "--repo",
        &repo.url(),
        "--repo-path",
        plain.to_str().unwrap(),
    ]);
    let err = luffy.fails(&["trigger", "index", "plain"], 1);
    assert!(err.contains("exists and is not a git repository"), "{err}");
    assert_eq!(
        std::fs::read_to_string(plain.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&plain).unwrap().count(), 1);

    // A user's checkout with local changes: refused, the change kept.
    let mine = luffy.path("mine");
    let checkout = Repo::clone_from(&repo.path, &mine);
    std::fs::write(mine.join("src/app/db.py"), "# my work\n").unwrap();
    luffy.ok(&[
        "service",
        "add",
        "mine",
        "--repo",
        &repo.url(),
        "--repo-path",
        mine.to_str().unwrap(),
    ]);
    let err = luffy.fails(&["trigger", "index", "mine"], 1);
    assert!(
        err.contains("has local changes (1 file(s), e.g. src/app/db.py)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("src/app/db.py")).unwrap(),
        "# my work\n"
    );
    checkout.git(&["checkout", "--", "."]);
    assert_eq!(index(&luffy, "mine", &[])["files_parsed"], 6);

    // A damaged checkout: its objects gone.
    assert_eq!(index(&luffy, "good", &[])["files_parsed"], 6);
    let objects = luffy.path("data/repos/good/.git/objects");
    for entry in std::fs::read_dir(&objects).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.len() == 2) {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
    std::fs::write(luffy.path("data/repos/good/.git/HEAD"), "garbage\n").unwrap();
    let err = luffy.fails(&["trigger", "index", "good"], 1);
    assert!(err.contains("is damaged"), "{err}");

    // None of it touched the others: the user's checkout still indexes.
    assert_eq!(index(&luffy, "mine", &[])["mode"], "unchanged");
}

#[test]
fn a_local_repository_without_url_is_read_at_its_branch() {
    let luffy = Luffy::new();
    let repo = web_repo(&luffy.path("local"));
    luffy.ok(&[
        "service",
        "add",
        "local",
        "--repo-path",
        repo.path.to_str().unwrap(),
    ]);
    let counts = index(&luffy, "local", &[]);
    assert_eq!(counts["commit"], repo.head().as_str());
    assert_eq!(counts["cloned"], false);
    // A plain absolute path is a repository URL too.
    luffy.ok(&[
        "service",
        "add",
        "bypath",
        "--repo",
        repo.path.to_str().unwrap(),
    ]);
    assert_eq!(index(&luffy, "bypath", &[])["files_parsed"], 6);

    // Removing a service removes the checkout luffy made for it, never the user's own.
    let checkout = luffy.path("data/repos/bypath");
    assert!(checkout.join(".git").is_dir());
    let out = luffy.ok(&["service", "rm", "bypath", "--yes"]);
    assert_eq!(
        out,
        format!(
            "removed service bypath\nremoved its checkout {}\n",
            checkout.display()
        )
    );
    assert!(!checkout.exists());
    let out = luffy.ok(&["service", "rm", "local", "--yes"]);
    assert_eq!(out, "removed service local\n");
    assert!(repo.path.join(".git").is_dir());
    assert_eq!(repo.head(), counts["commit"].as_str().unwrap());
}

#[test]
fn ruby_csharp_and_kotlin_frames_find_their_methods() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("origin"));
    repo.write(
        "app/models/cart.rb",
        "class Cart < ApplicationRecord\n  def total\n    items.sum(&:price)\n  end\nend\n",
    );
    repo.write(
        "src/Api/UserService.cs",
        "namespace Acme.Api;\n\npublic class UserService\n{\n    public User GetUser(long id)\n    {\n        return repo.Find(id);\n    }\n}\n",
    );
    repo.write(
        "billing/src/main/kotlin/com/acme/billing/Invoice.kt",
        "package com.acme.billing\n\nclass Invoice(val lines: List<Line>) {\n    fun total(): Long {\n        return lines.sumOf { it.cents }\n    }\n}\n",
    );
    repo.commit("cart, users and invoices");
    luffy.ok(&["service", "add", "shop", "--repo", &repo.url()]);
    let counts = index(&luffy, "shop", &[]);
    // Cart, total; Acme.Api, UserService, GetUser; Invoice, total
    assert_eq!(counts["symbols"], 7, "{counts}");
    // A JVM frame of Kotlin code: `at com.acme.billing.Invoice.total(Invoice.kt:5)`.
    assert_eq!(
        find(&luffy, "shop", "com/acme/billing/Invoice.kt:5"),
        [hit(
            "billing/src/main/kotlin/com/acme/billing/Invoice.kt",
            "total",
            "Invoice",
            (4, 6)
        )]
    );
    // A Ruby backtrace's `/srv/shop/app/models/cart.rb:3:in 'total'`, by its path and line.
    let found = json(&luffy.ok(&[
        "code",
        "find",
        "shop",
        "/srv/shop/app/models/cart.rb:3",
        "--json",
    ]));
    assert_eq!(found[0]["language"], "ruby");
    assert_eq!(
        find(&luffy, "shop", "/srv/shop/app/models/cart.rb:3"),
        [hit("app/models/cart.rb", "total", "Cart", (2, 4))]
    );
    // Ruby's way of naming a method.
    assert_eq!(
        find(&luffy, "shop", "Cart#total"),
        [hit("app/models/cart.rb", "total", "Cart", (2, 4))]
    );
    // A .NET frame `at Acme.Api.UserService.GetUser(Int64 id) in /build/src/Api/UserService.cs:line 7`,
    // by its Windows path, by its path on Linux, and by its method.
    let get_user = [hit(
        "src/Api/UserService.cs",
        "GetUser",
        "Acme.Api.UserService",
        (5, 8),
    )];
    for query in [
        r"C:\build\src\Api\UserService.cs:line 7",
        "/build/src/Api/UserService.cs:7",
        "Acme.Api.UserService.GetUser",
    ] {
        assert_eq!(find(&luffy, "shop", query), get_user, "{query}");
    }
}

#[test]
fn path_maps_come_before_suffix_matching() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("origin"));
    repo.write("src/db.py", "def a():\n    pass\n");
    repo.write("tests/db.py", "def b():\n    pass\n");
    repo.commit("two db.py");
    luffy.ok(&["service", "add", "web", "--repo", &repo.url()]);
    index(&luffy, "web", &[]);
    // Both share only the file name with the frame: both are answers.
    let both = find(&luffy, "web", "/app/db.py:1");
    assert_eq!(
        both,
        [
            hit("src/db.py", "a", "", (1, 2)),
            hit("tests/db.py", "b", "", (1, 2))
        ]
    );
    luffy.ok(&["service", "set", "web", "--path-map", "/app/=src/"]);
    assert_eq!(
        find(&luffy, "web", "/app/db.py:1"),
        [hit("src/db.py", "a", "", (1, 2))]
    );
    let found = json(&luffy.ok(&["code", "find", "web", "/app/db.py:2", "--json"]));
    assert_eq!(found[0]["matched_by"], "path_map");
    assert_eq!(found[0]["language"], "python");
    assert_eq!(found[0]["line"], 2);
    assert_eq!(found[0]["kind"], "function");
    assert_eq!(found[0]["commit"], repo.head().as_str());
    // A line outside every symbol still names the file.
    let text = luffy.ok(&["code", "find", "web", "src/db.py:40"]);
    assert!(
        text.contains("src/db.py:40") && text.contains(" - "),
        "{text}"
    );
    // A long query that finds nothing is quoted cut in its middle.
    let long = "x".repeat(100_000);
    let text = luffy.ok(&["code", "find", "web", &long]);
    assert!(text.starts_with("nothing in the index of web"), "{text}");
    assert!(
        text.len() < 1_000 && text.contains("x...x"),
        "{} bytes",
        text.len()
    );
    // Human output: a table and the commit.
    let text = luffy.ok(&["code", "find", "web", "a"]);
    assert!(
        text.contains(&format!("at commit {}", &repo.head()[..12])),
        "{text}"
    );
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let before = luffy.snapshot();
    for (args, expected) in [
        (
            vec!["service", "set", "web", "--path-map", "/app/"],
            "invalid value for '--path-map': path map '/app/' has no '='",
        ),
        (
            vec!["service", "set", "web", "--path-map", "=src/"],
            "has nothing before '='",
        ),
        (
            vec!["service", "set", "web", "--git-token-env", "ghp_abc def"],
            "is not an environment variable name",
        ),
        (
            vec!["service", "set", "web", "--ssh-key", "keys/id"],
            "ssh key path 'keys/id' is not absolute",
        ),
        (
            vec!["service", "set", "web", "--repo-path", "checkouts/web"],
            "repository path 'checkouts/web' is not absolute",
        ),
        (
            vec!["service", "add", "api", "--repo-path", "./api"],
            "repository path './api' is not absolute",
        ),
        (
            vec!["trigger", "fetch", "web", "--full"],
            "--full applies to `luffy trigger index` only",
        ),
        (vec!["code", "find", "web", "db.py:0"], "lines start at 1"),
        (
            vec!["code", "find", "web", "db.py:x"],
            "is not a line number",
        ),
        (vec!["code", "find", "nope", "x"], "no service 'nope'"),
    ] {
        let err = luffy.fails(&args, 2);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(luffy.snapshot(), before, "{args:?} changed something");
    }
    let err = luffy.fails(&["code", "find", "web", "x"], 1);
    assert!(err.contains("no code index yet"), "{err}");
}

#[test]
fn copies_of_a_file_are_all_indexed() {
    let luffy = Luffy::new();
    let mut repo = Repo::init(&luffy.path("origin"));
    let util = "def slug(text):\n    return text.lower()\n";
    repo.write("a/util.py", util);
    repo.write("b/util.py", util);
    repo.write("vendor/c/util.py", util);
    repo.commit("three copies");
    luffy.ok(&["service", "add", "web", "--repo", &repo.url()]);
    let counts = index(&luffy, "web", &[]);
    assert_eq!(
        (
            &counts["files_parsed"],
            &counts["skipped_vendored"],
            &counts["symbols"]
        ),
        (&Value::from(2), &Value::from(1), &Value::from(2)),
        "{counts}"
    );
    assert_eq!(
        find(&luffy, "web", "slug"),
        [
            hit("a/util.py", "slug", "", (1, 2)),
            hit("b/util.py", "slug", "", (1, 2))
        ]
    );
}

#[test]
fn a_rewritten_history_is_followed_and_a_lost_commit_rebuilds() {
    let luffy = Luffy::new();
    let mut repo = web_repo(&luffy.path("origin"));
    luffy.ok(&["service", "add", "web", "--repo", &repo.url()]);
    let first = index(&luffy, "web", &[]);
    // The branch is rewritten (a force push): a new root commit with other files.
    repo.git(&["checkout", "-q", "--orphan", "rewritten"]);
    repo.git(&["rm", "-rq", "--cached", "."]);
    for path in ["src", "cmd", "core", "web", "assets", "data", "README.md"] {
        let _ = std::fs::remove_dir_all(repo.path.join(path));
        let _ = std::fs::remove_file(repo.path.join(path));
    }
    repo.write("app.py", "def main():\n    pass\n");
    repo.commit("start over");
    repo.git(&["branch", "-f", "main", "rewritten"]);
    repo.git(&["checkout", "-q", "main"]);
    // The indexed commit is still in luffy's checkout: the tree diff still works.
    let second = index(&luffy, "web", &[]);
    assert_eq!(second["mode"], "incremental", "{second}");
    assert_eq!(second["previous_commit"], first["commit"]);
    assert_eq!(second["files_total"], 1);
    assert_eq!(
        find(&luffy, "web", "main"),
        [hit("app.py", "main", "", (1, 2))]
    );
    // An indexed tree that the checkout no longer has (pruned) cannot be diffed against: the
    // next change rebuilds in full.
    repo.write(
        "app.py",
        "def main():\n    pass\n\n\ndef other():\n    pass\n",
    );
    repo.commit("other");
    luffy
        .write_db()
        .execute(
            "UPDATE code_indexes SET tree_id = ?1",
            ["0123456789012345678901234567890123456789"],
        )
        .expect("forget the indexed tree");
    let third = index(&luffy, "web", &[]);
    assert_eq!(third["mode"], "full", "{third}");
    assert_eq!(
        (&third["files_total"], &third["symbols_total"]),
        (&Value::from(1), &Value::from(2))
    );
    let text = luffy.ok(&["history", "web"]);
    assert!(text.contains("1 files parsed, 2 symbols"), "{text}");
}

#[test]
fn a_failed_first_clone_removes_only_the_folders_it_made() {
    let luffy = Luffy::new();
    let some = luffy.path("some");
    std::fs::create_dir(&some).unwrap();
    let target = some.join("dir/web-app");
    let unreachable = "git://127.0.0.1:1/web";
    let path = target.to_str().unwrap();
    luffy.ok(&[
        "service",
        "add",
        "web",
        "--repo",
        unreachable,
        "--repo-path",
        path,
    ]);
    let err = luffy.fails(&["trigger", "index", "web"], 1);
    assert!(err.contains("cannot reach git://127.0.0.1:1/web"), "{err}");
    assert!(some.is_dir(), "a folder that was there stays");
    let left: Vec<_> = std::fs::read_dir(&some).unwrap().collect();
    assert!(
        left.is_empty(),
        "dir/web-app, made by luffy, are gone: {left:?}"
    );

    // luffy's own checkout goes; the private folder that holds every checkout stays.
    luffy.ok(&["service", "add", "api", "--repo", "git://127.0.0.1:1/api"]);
    luffy.fails(&["trigger", "index", "api"], 1);
    assert!(luffy.path("data/repos").is_dir());
    assert!(!luffy.path("data/repos/api").exists());

    // An empty folder given as the path stays, empty.
    let empty = luffy.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let path = empty.to_str().unwrap();
    luffy.ok(&[
        "service",
        "add",
        "e",
        "--repo",
        unreachable,
        "--repo-path",
        path,
    ]);
    luffy.fails(&["trigger", "index", "e"], 1);
    assert!(empty.is_dir());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // Once the repository can be reached, the first clone makes them again.
    let repo = web_repo(&luffy.path("origin"));
    luffy.ok(&["service", "set", "web", "--repo", &repo.url()]);
    let counts = index(&luffy, "web", &[]);
    assert_eq!(counts["cloned"], true);
    assert!(target.join(".git").is_dir());
}
