//! The repository decides what is the service's code for reports: frames of code installed as a
//! package (`/opt/venv/lib/python3.12/site-packages/shop/core.py`) that in-app rules leave out,
//! found in the repository's `src/shop/core.py` with no configuration, and no false match; a
//! report written before they could be found is rewritten once they can; rca never runs on an
//! index another process is building.

mod common;

use common::json;

use std::fmt::Write as _;
use std::process::Stdio;

use common::git::Repo;
use common::Luffy;
use serde_json::Value;

const CORE_V0: &str = "\
PRICES = {}


def checkout(item):
    '''Checks one item out.'''
    price = PRICES.get(item, 0)
    return price
";

const CLI_PY: &str = "\
from shop.core import checkout


def main(item):
    return checkout(item)
";

/// The shop (Jan 1), a README (Jan 2), the bug on core.py's line 6 (Jan 3); returns the repo and
/// the commit that introduced the bug.
fn shop(path: &std::path::Path) -> (Repo, String) {
    let mut repo = Repo::init(path);
    repo.write("src/shop/__init__.py", "");
    repo.write("src/shop/core.py", CORE_V0);
    repo.write("src/shop/cli.py", CLI_PY);
    repo.commit("shop: checkout");
    repo.write("README.md", "# shop\n");
    repo.commit("readme");
    repo.write(
        "src/shop/core.py",
        CORE_V0.replace("PRICES.get(item, 0)", "PRICES[item]"),
    );
    let introducing = repo.commit("checkout: fail on unknown items");
    (repo, introducing)
}

/// A traceback of the shop installed as a package, on Jan 5, with `frames` (path under
/// site-packages, line, function), outermost first.
fn trace(frames: &[(&str, u32, &str)]) -> String {
    let mut out = String::from(
        "2024-01-05 12:00:00,000 ERROR [worker-1] shop: request failed\n\
         Traceback (most recent call last):\n",
    );
    for (path, line, function) in frames {
        writeln!(
            out,
            "  File \"/opt/venv/lib/python3.12/site-packages/{path}\", line {line}, in {function}\n    pass"
        )
        .unwrap();
    }
    out.push_str("KeyError: 'a'\n");
    out
}

/// The shop's real trace: click's entry point, the CLI, the failing line of core.py.
fn real_trace() -> String {
    trace(&[
        ("click/core.py", 1, "invoke"),
        ("shop/cli.py", 5, "main"),
        ("shop/core.py", 6, "checkout"),
    ])
}

/// A service `app` on `repo`, with no path map and no in-app rule, fetching `log`.
fn service(luffy: &Luffy, repo: &Repo, log: &str) {
    luffy.ok(&["service", "add", "app", "--repo", &repo.url()]);
    let log = luffy.file("app.log", log);
    luffy.watch_file("app", "log", &log);
    luffy.ok(&["trigger", "fetch", "app"]);
}

fn report(luffy: &Luffy) -> Value {
    json(&luffy.ok(&["rca", "show", "1", "--json"]))
}

fn repo_paths(report: &Value) -> Vec<String> {
    report["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| f["repo_path"].as_str().unwrap_or("-").to_string())
        .collect()
}

fn top_suspect(report: &Value) -> Option<&str> {
    report["suspects"][0]["commit"].as_str()
}

#[test]
fn a_package_path_with_no_configuration_is_found_in_the_repository() {
    let luffy = Luffy::new();
    let (repo, introducing) = shop(&luffy.path("shop"));
    service(&luffy, &repo, &real_trace());
    luffy.ok(&["trigger", "index", "app"]);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = report(&luffy);
    // innermost first; click's core.py shares only its file name with the shop's: not taken
    assert_eq!(
        repo_paths(&report),
        ["src/shop/core.py", "src/shop/cli.py"],
        "{report}"
    );
    assert_eq!(report["frames"][0]["matched_by"], "suffix");
    assert_eq!(report["frames"][0]["symbol"], "checkout");
    assert_eq!(top_suspect(&report), Some(introducing.as_str()), "{report}");
    // grouping is the in-app rules' alone: the cluster's frames are still not in-app
    let cluster = json(&luffy.ok(&["cluster", "show", "1", "--json"]));
    let text = cluster.to_string();
    assert!(!text.contains("\"in_app\":true"), "{text}");
}

#[test]
fn a_false_suffix_match_is_not_the_services_code() {
    let luffy = Luffy::new();
    let (repo, _) = shop(&luffy.path("shop"));
    service(
        &luffy,
        &repo,
        &trace(&[
            // only the file name is shared
            ("click/core.py", 6, "checkout"),
            // cli.py has no `checkout`
            ("shop/cli.py", 5, "checkout"),
            // core.py's `checkout` is lines 4-7: line 30 is not in it
            ("shop/core.py", 30, "checkout"),
            // core.py has no `wrapped`
            ("shop/core.py", 6, "wrapped"),
        ]),
    );
    luffy.ok(&["trigger", "index", "app"]);
    luffy.ok(&["trigger", "rca", "app"]);
    let report = report(&luffy);
    assert_eq!(report["frames"], Value::Array(vec![]), "{report}");
    assert_eq!(
        report["no_suspects"],
        "none of the trace's 4 frames is in-app, and no frame's path resolves into the \
         repository at the indexed commit (mark application code with `luffy service set app \
         --app-path PREFIX` or `--app-package PREFIX`, or map paths with `--path-map FROM=TO`)"
    );
    let md = luffy.ok(&["rca", "show", "1", "--markdown"]);
    assert!(
        md.contains("No frame of the service's code (in-app, or resolving into the repository)."),
        "{md}"
    );
}

#[test]
fn following_the_reports_advice_rewrites_it() {
    // the repro: a frame the repository cannot vouch for (its function is not a symbol
    // of the file), the advice followed with `service set --app-path`, rca run again
    let luffy = Luffy::new();
    let (repo, introducing) = shop(&luffy.path("shop"));
    service(&luffy, &repo, &trace(&[("shop/core.py", 6, "wrapped")]));
    luffy.ok(&["trigger", "index", "app"]);
    luffy.ok(&["trigger", "rca", "app"]);
    let first = report(&luffy);
    assert!(first["no_suspects"]
        .as_str()
        .unwrap()
        .contains("--app-path PREFIX"));
    luffy.ok(&[
        "service",
        "set",
        "app",
        "--app-path",
        "/opt/venv/lib/python3.12/site-packages/shop/",
    ]);
    let run = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(run["counts"]["remapped"], 1, "{run}");
    assert_eq!(run["counts"]["unchanged"], 0, "{run}");
    let second = report(&luffy);
    assert_eq!(second["generation"], 2);
    assert_eq!(repo_paths(&second), ["src/shop/core.py"]);
    assert_eq!(top_suspect(&second), Some(introducing.as_str()), "{second}");
    // once it has its suspects, it is left alone
    let again = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(again["counts"]["reports"], 0, "{again}");
}

#[test]
fn a_report_written_before_the_index_is_rewritten_once_it_resolves_the_frames() {
    let luffy = Luffy::new();
    let (repo, introducing) = shop(&luffy.path("shop"));
    service(&luffy, &repo, &real_trace());
    luffy.ok(&["trigger", "rca", "app"]);
    let first = report(&luffy);
    assert_eq!(
        first["no_suspects"],
        "none of the trace's 3 frames is in-app, and app has no code index to resolve their \
         paths in (build it with `luffy trigger index app`, or mark application code with \
         `luffy service set app --app-path PREFIX` or `--app-package PREFIX`)"
    );
    luffy.ok(&["trigger", "index", "app"]);
    let run = json(&luffy.ok(&["trigger", "rca", "app", "--json"]));
    assert_eq!(run["counts"]["remapped"], 1, "{run}");
    let second = report(&luffy);
    assert_eq!(top_suspect(&second), Some(introducing.as_str()), "{second}");
}

/// This machine's name, as luffy names lease holders.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".into(), |h| h.trim().to_string())
}

#[test]
fn rca_skips_while_another_process_builds_the_index_and_stays_due() {
    let luffy = Luffy::new();
    let (repo, _) = shop(&luffy.path("shop"));
    service(&luffy, &repo, &real_trace());
    // another live process (this test) holds the index lease
    let holder = format!("{}:{}:0", host(), std::process::id());
    luffy
        .write_db()
        .execute(
            "INSERT INTO leases (service_id, task, holder, expires_at) \
             VALUES ('app', 'index', ?1, '2024-01-15T11:30:00Z')",
            [&holder],
        )
        .unwrap();
    let out = luffy
        .command(&["trigger", "rca", "app"])
        .env("LUFFY_INDEX_WAIT_SECS", "2")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the index of app is being built by another process (waited 2s)"),
        "{stderr}"
    );
    let reports: i64 = luffy
        .read_db()
        .query_row("SELECT count(*) FROM rca_reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reports, 0, "no report on a missing index");
    let history = json(&luffy.ok(&["history", "app", "--json"]));
    assert_eq!(history[0]["task"], "rca");
    assert_eq!(history[0]["status"], "skipped");
    let dry = luffy.ok(&["run-due", "--dry-run"]);
    assert!(dry.contains("app rca: would run"), "{dry}");
    // the index built, rca runs on it
    luffy.write_db().execute("DELETE FROM leases", []).unwrap();
    luffy.ok(&["trigger", "index", "app"]);
    luffy.ok(&["trigger", "rca", "app"]);
    assert_eq!(
        report(&luffy)["commit"].as_str(),
        Some(repo.head().as_str())
    );
}

/// A repository large enough that indexing it takes a while: the shop and many modules.
fn big_shop(path: &std::path::Path) -> Repo {
    let (mut repo, _) = shop(path);
    for i in 0..400 {
        let mut body = String::new();
        for j in 0..20 {
            write!(body, "def f{j}(x):\n    return x + {j}\n\n\n").unwrap();
        }
        repo.write(&format!("src/shop/mod{i}.py"), body);
    }
    repo.commit("shop: many modules");
    repo
}

#[test]
fn two_run_due_at_once_on_a_fresh_service_never_report_on_a_missing_index() {
    for round in 0..3 {
        let luffy = Luffy::new();
        let repo = big_shop(&luffy.path("shop"));
        luffy.ok(&["service", "add", "app", "--repo", &repo.url()]);
        let log = luffy.file("app.log", &real_trace());
        luffy.watch_file("app", "log", &log);
        let children: Vec<_> = (0..2)
            .map(|_| {
                luffy
                    .command(&["run-due"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<String> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .collect();
        let db = luffy.read_db();
        let indexed: Option<String> = db
            .query_row(
                "SELECT commit_id FROM code_indexes WHERE service_id = 'app'",
                [],
                |r| r.get(0),
            )
            .ok();
        let mut stmt = db
            .prepare("SELECT commit_id, report_json FROM rca_reports")
            .unwrap();
        let reports: Vec<(Option<String>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (commit, json) in &reports {
            assert!(
                !json.contains("no code index"),
                "round {round}: {json}\n{outputs:?}"
            );
            assert_eq!(commit, &indexed, "round {round}: {outputs:?}");
        }
        if reports.is_empty() {
            // then rca was skipped, and is due again
            let dry = luffy.ok(&["run-due", "--dry-run"]);
            assert!(
                dry.contains("app rca: would run"),
                "round {round}: {dry}\n{outputs:?}"
            );
        }
    }
}
