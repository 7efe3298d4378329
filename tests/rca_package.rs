//! The repository decides what is the service's code for reports: frames of code installed as a
//! package (`/opt/venv/lib/python3.12/site-packages/shop/core.py`) that in-app rules leave out,
//! found in the repository's `src/shop/core.py` with no configuration, and no false match; a
//! report written before they could be found is rewritten once they can.

mod common;

use std::fmt::Write as _;

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

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
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
