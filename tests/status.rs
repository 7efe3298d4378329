//! `luffy status`: exact tables at a fixed clock, and the seed's JSON status objects.

mod common;

use common::{examples, Luffy};
use serde_json::Value;

fn imported() -> Luffy {
    let luffy = Luffy::new();
    luffy.ok(&[
        "service",
        "import",
        examples().join("services.toml").to_str().unwrap(),
    ]);
    luffy
}

#[test]
fn never_run_services_are_due_now() {
    let luffy = imported();
    let expected = "\
SERVICE      ACTIVE  FETCH  RCA  INDEX  LAST FETCH  LAST RCA  LAST INDEX  NEXT DUE
api-service  yes     30m    20m  1d     never       never     never       now (fetch, rca, index)
mobile-app   yes     1h     off  2d     never       never     never       now (fetch, index)
web-app      yes     15m    10m  12h    never       never     never       now (fetch, rca, index)
";
    assert_eq!(luffy.ok(&["status"]), expected);
}

#[test]
fn status_json_has_the_seed_fields() {
    let luffy = imported();
    let all: Value = serde_json::from_str(&luffy.ok(&["status", "--json"])).unwrap();
    let all = all.as_array().expect("a list");
    assert_eq!(all.len(), 3);
    let web = all
        .iter()
        .find(|s| s["service_id"] == "web-app")
        .expect("web-app");
    assert_eq!(web["service_name"], "web-app");
    assert_eq!(web["is_active"], true);
    assert_eq!(web["last_log_fetch"], Value::Null);
    assert_eq!(web["log_sources_count"], 0);
    assert_eq!(web["active_log_sources"], 0);
    assert_eq!(web["open_clusters"], 0);
    assert_eq!(web["configuration"]["log_fetch_interval_minutes"], 15);
    assert_eq!(web["configuration"]["rca_generation_interval_minutes"], 10);
    assert_eq!(web["configuration"]["code_indexing_interval_hours"], 12);
    assert_eq!(web["next_log_fetch"], "2024-01-15T10:30:00Z");
    assert_eq!(web["due"], serde_json::json!(["fetch", "rca", "index"]));
    let mobile = all
        .iter()
        .find(|s| s["service_id"] == "mobile-app")
        .expect("mobile-app");
    assert_eq!(mobile["next_rca_generation"], Value::Null);
}

#[test]
fn last_runs_set_the_next_due_times() {
    let luffy = Luffy::new();
    let file = luffy.file(
        "web.json",
        r#"{"id": "web-app", "name": "Web Application", "log_fetch_interval_minutes": 15,
            "rca_generation_interval_minutes": 10, "code_indexing_interval_hours": 12,
            "last_log_fetch": "2024-01-15T10:27:00Z", "last_rca_generation": "2024-01-15T10:25:00Z",
            "last_code_indexing": "2024-01-15T02:00:00Z"}"#,
    );
    luffy.ok(&["service", "import", file.to_str().unwrap()]);
    let status: Value = serde_json::from_str(&luffy.ok(&["status", "web-app", "--json"])).unwrap();
    assert_eq!(status["service_name"], "Web Application");
    assert_eq!(status["last_log_fetch"], "2024-01-15T10:27:00Z");
    assert_eq!(status["next_log_fetch"], "2024-01-15T10:42:00Z");
    assert_eq!(status["next_rca_generation"], "2024-01-15T10:35:00Z");
    assert_eq!(status["next_code_indexing"], "2024-01-15T14:00:00Z");
    assert_eq!(status["due"], serde_json::json!([]));
    let detail = luffy.ok(&["status", "web-app"]);
    let expected = "\
service        web-app (Web Application)
active         yes
repository     none @ main
log sources    0 (0 active)
open clusters  0
code index     none

TASK   EVERY  LAST RUN   OUTCOME  NEXT
fetch  15m    3m ago     -        in 12m
rca    10m    5m ago     -        in 5m
index  12h    8h30m ago  -        in 3h30m
";
    assert_eq!(detail, expected);
    let table = luffy.ok(&["status"]);
    assert!(table.contains("in 5m (rca)"), "{table}");
}

#[test]
fn inactive_services_run_nothing() {
    let luffy = imported();
    luffy.ok(&["service", "set", "web-app", "--active", "off"]);
    let status: Value = serde_json::from_str(&luffy.ok(&["status", "web-app", "--json"])).unwrap();
    assert_eq!(status["is_active"], false);
    assert_eq!(status["next_log_fetch"], Value::Null);
    assert_eq!(status["due"], serde_json::json!([]));
    let table = luffy.ok(&["status"]);
    let web = table.lines().find(|l| l.contains("web-app")).unwrap();
    assert!(
        web.contains(" no ") && web.trim_end().ends_with("inactive"),
        "{table}"
    );
}

#[test]
fn empty_database_and_unknown_service() {
    let luffy = Luffy::new();
    assert_eq!(
        luffy.ok(&["status"]),
        "no services yet; add one with `luffy service add ID`\n"
    );
    assert_eq!(luffy.ok(&["status", "--json"]), "[]\n");
    let err = luffy.fails(&["status", "web-app"], 2);
    assert!(err.contains("no service 'web-app'"), "{err}");
}

#[test]
fn demo_shows_the_example_services() {
    let luffy = Luffy::new();
    let dir = luffy.path("demo");
    let out = luffy.ok(&["demo", "--dir", dir.to_str().unwrap()]);
    assert!(out.contains("(3 example services added)"), "{out}");
    // six clusters found; one grouped by the demo's rule, one merged into another: five left
    assert!(out.contains("errors in 6 new clusters"), "{out}");
    assert!(out.contains("KeyError: 'item-1183'"), "{out}");
    assert!(
        out.contains(
            "grouped by web-app's rule 1: logger:web.payments → fingerprint card-declined"
        ),
        "{out}"
    );
    assert!(
        out.contains("card declined by the payment provider"),
        "{out}"
    );
    assert!(
        out.contains(
            "merged cluster 6 (could not connect to postgres at <IP>: connection refused) into \
             cluster 1 (connection to <IP> refused after <NUM> retries)"
        ),
        "{out}"
    );
    assert!(
        !out.contains("\n6   web-app"),
        "the merged cluster is listed: {out}"
    );
    for id in ["web-app", "api-service", "mobile-app"] {
        assert!(out.contains(id), "{out}");
    }
    assert!(dir.join("luffy.db").exists());
    assert!(out.contains("indexed web-app's repository"), "{out}");
    // how to look at it in a browser, and the digest's list command naming the demo's database
    let db = dir.join("luffy.db");
    let db = db.to_str().unwrap();
    assert!(
        out.contains(&format!(
            "look at it in a browser:\n  luffy --db {db} serve                        # then open http://127.0.0.1:8000/\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("List them: luffy --db {db} clusters web-app")),
        "{out}"
    );
    // Its notifications wait in the outbox: the demo's one channel reads its URL from a
    // variable that is not set.
    assert!(
        out.contains(
            "notifications: 7 in the outbox for web-app's webhook env:LUFFY_DEMO_WEBHOOK \
             (5 new clusters, 2 reports ready), waiting"
        ),
        "{out}"
    );
    assert!(
        out.contains("- Root cause ready in web-app: KeyError: 'item-1183' (cluster #2, 2 events); top suspect"),
        "{out}"
    );
    // It ends with the root-cause report of its main exception, whose top suspect is the
    // commit that introduced the failing line.
    let report = out
        .split("the root-cause report of cluster 2 (`luffy rca show 2`):")
        .nth(1)
        .unwrap_or_else(|| panic!("no report at the end: {out}"));
    let top = report
        .split("## Suspect commits\n\n")
        .nth(1)
        .and_then(|rest| rest.lines().find_map(|l| l.strip_prefix("1. ")))
        .unwrap_or_else(|| panic!("no suspects: {report}"));
    assert!(
        top.contains("repo: fail loudly on missing rows instead of returning None"),
        "{top}"
    );
    assert!(top.contains("Alan Turing"), "{top}");
    // who to call, and the deploy whose code ran: 2.14.0 brought the change
    assert!(
        report.contains("Owners (CODEOWNERS) of the throwing frame's file: @company/data, @alan"),
        "{report}"
    );
    assert!(
        report.contains("Blamed in the version that ran: deploy"),
        "{report}"
    );
    assert!(report.contains("shipped in deploy"), "{report}");
    assert!(
        out.trim_end()
            .ends_with("No narrative: no [llm] is configured."),
        "{out}"
    );
    // The demo's code answers for the frames of its log.
    let db = dir.join("luffy.db");
    let found = luffy.ok(&[
        "--db",
        db.to_str().unwrap(),
        "code",
        "find",
        "web-app",
        "/srv/web-app/app/db/repo.py:31",
        "--json",
    ]);
    let found: Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found[0]["path"], "app/db/repo.py");
    assert_eq!(found[0]["symbol"], "fetch");
    assert_eq!(found[0]["container"], "ItemRepo");
    for (frame, symbol) in [
        ("/srv/web-app/app/api/views.py:42", "get_item"),
        ("/srv/web-app/app/api/service.py:88", "load"),
        ("/srv/web-app/app/checkout/cart.py:57", "total"),
        ("/srv/web-app/app/checkout/cart.py:59", "total"),
        ("/srv/web-app/app/checkout/views.py:19", "checkout"),
    ] {
        let args = [
            "--db",
            db.to_str().unwrap(),
            "code",
            "find",
            "web-app",
            frame,
            "--json",
        ];
        let found: Value = serde_json::from_str(&luffy.ok(&args)).unwrap();
        assert_eq!(found[0]["symbol"], symbol, "{frame}");
    }
    let deploys: Value = serde_json::from_str(&luffy.ok(&[
        "--db",
        db.to_str().unwrap(),
        "--json",
        "deploy",
        "list",
        "web-app",
    ]))
    .unwrap();
    let revs: Vec<&str> = deploys
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rev"].as_str().unwrap())
        .collect();
    assert_eq!(revs, ["2.14.0", "2.13.0"], "{deploys:#}");
    let shown: Value = serde_json::from_str(&luffy.ok(&[
        "--db",
        db.to_str().unwrap(),
        "--json",
        "cluster",
        "show",
        "1",
    ]))
    .unwrap();
    assert_eq!(shown["count"], 4, "{shown:#}");
    assert_eq!(
        shown["merged_fingerprints"][0]["source_cluster_id"], 6,
        "{shown:#}"
    );
    let again = luffy.ok(&["demo", "--dir", dir.to_str().unwrap()]);
    assert!(again.contains("(0 example services added)"), "{again}");
    assert!(!again.contains("merged cluster"), "merged once: {again}");
}

#[test]
fn a_service_without_a_repository_is_not_due_for_indexing() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let status: Value = serde_json::from_str(&luffy.ok(&["status", "web", "--json"])).unwrap();
    assert_eq!(status["due"], serde_json::json!(["fetch", "rca"]));
    let table = luffy.ok(&["status"]);
    assert!(table.contains("now (fetch, rca)"), "{table}");
    // run-due leaves it too, and says why.
    let plan: Value = serde_json::from_str(&luffy.ok(&["run-due", "--dry-run", "--json"])).unwrap();
    let index = plan
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["task"] == "index")
        .expect("index in the plan");
    assert_eq!(index["would_run"], false);
    assert!(index["not_run"]
        .as_str()
        .unwrap()
        .starts_with("no repository to index"));
    let runs = |plan: &Value| {
        plan.as_array()
            .unwrap()
            .iter()
            .filter(|d| d["would_run"] == true)
            .map(|d| d["task"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(runs(&plan), ["fetch", "rca"]);
}

/// `text` without its ANSI escape sequences (`ESC [ ... letter`): what a terminal shows.
fn visible(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Each line without its trailing spaces (a styled cell keeps its padding inside its codes).
fn trimmed(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

#[test]
fn tables_line_up_on_a_terminal() {
    let luffy = imported();
    let log = luffy.file(
        "app.log",
        "2024-01-15 10:00:01,002 ERROR db: connection to 10.0.0.1:5432 refused\n",
    );
    let path = log.to_str().unwrap();
    luffy.ok(&[
        "source", "add", "web-app", "app", "--kind", "file", "--path", path,
    ]);
    luffy.ok(&["trigger", "fetch", "web-app"]);
    for args in [&["status"][..], &["status", "web-app"], &["clusters"]] {
        let shown = luffy.on_terminal(args);
        assert!(
            shown.contains("\u{1b}[1m"),
            "no colour on a terminal: {shown:?}"
        );
        assert_eq!(
            trimmed(&visible(&shown)),
            luffy.ok(args),
            "{args:?}: {shown:?}"
        );
    }
}

#[test]
fn a_failing_task_is_marked_and_says_why() {
    let luffy = imported();
    let log = luffy.path("app.log");
    let path = log.to_str().unwrap();
    luffy.ok(&[
        "source", "add", "web-app", "app", "--kind", "file", "--path", path,
    ]);
    for _ in 0..3 {
        luffy.fails(&["trigger", "fetch", "web-app"], 1);
    }
    let error =
        format!("source app: cannot read log file {path}: No such file or directory (os error 2)");
    let table = luffy.ok(&["status"]);
    let web = table.lines().find(|l| l.starts_with("web-app")).unwrap();
    assert_eq!(
        web,
        "web-app      yes     15m    10m  12h    failed 3×   never     never       now (rca, index)",
        "{table}"
    );
    let shown = luffy.on_terminal(&["status"]);
    let web = shown.lines().find(|l| l.starts_with("web-app")).unwrap();
    assert!(web.contains("\u{1b}[38;5;9m failed 3× "), "red: {web:?}");
    let detail = luffy.ok(&["status", "web-app"]);
    assert!(
        detail.ends_with(&format!(
            "fetch  15m    just now  failed (3 failures since the last success)  in 15m\n\
             rca    10m    never     -                                           now\n\
             index  12h    never     -                                           now\n\
             \n\
             fetch failed: {error}\n"
        )),
        "{detail}"
    );
    let one: Value = serde_json::from_str(&luffy.ok(&["status", "web-app", "--json"])).unwrap();
    let all: Value = serde_json::from_str(&luffy.ok(&["status", "--json"])).unwrap();
    let listed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_id"] == "web-app")
        .unwrap();
    for status in [&one, listed] {
        let fetch = &status["last_outcomes"]["fetch"];
        assert_eq!(fetch["status"], "failed", "{status}");
        assert_eq!(fetch["failures_since_success"], 3, "{status}");
        assert_eq!(fetch["last_error"], error.as_str(), "{status}");
        assert_eq!(status["last_log_fetch"], "2024-01-15T10:30:00Z");
    }
    // The file appears: the next fetch succeeds and the mark and the error go.
    luffy.file("app.log", "2024-01-15 10:00:01,002 INFO web: started\n");
    luffy.ok(&["trigger", "fetch", "web-app"]);
    let table = luffy.ok(&["status"]);
    assert!(table.contains("12h    just now    never"), "{table}");
    let detail = luffy.ok(&["status", "web-app"]);
    assert!(!detail.contains("failed"), "{detail}");
    let one: Value = serde_json::from_str(&luffy.ok(&["status", "web-app", "--json"])).unwrap();
    assert_eq!(one["last_outcomes"]["fetch"]["status"], "ok");
    assert_eq!(one["last_outcomes"]["fetch"]["last_error"], Value::Null);
}

#[test]
fn a_credential_in_a_stored_error_is_not_shown() {
    let luffy = imported();
    // What a luffy that did not redact its errors stored.
    luffy
        .write_db()
        .execute_batch(
            "INSERT INTO task_runs (service_id, task, trigger, started_at, finished_at, status, error)
             VALUES ('web-app', 'index', 'manual', '2024-01-15T10:00:00Z', '2024-01-15T10:00:01Z',
             'failed', 'could not clone https://bot:s3cret@git.example.com/web.git: refused');
             INSERT INTO task_runs (service_id, task, trigger, started_at, finished_at, status, error)
             VALUES ('api-service', 'fetch', 'manual', '2024-01-15T10:00:00Z',
             '2024-01-15T10:00:01Z', 'failed', 'source cmd: exited 1: ' || char(27) || '[2Jgone')",
        )
        .expect("store failed runs");
    for args in [
        &["status"][..],
        &["status", "web-app"],
        &["status", "--json"],
        &["history"],
        &["history", "--json"],
    ] {
        let out = luffy.ok(args);
        assert!(!out.contains("s3cret"), "{args:?}: {out}");
    }
    let detail = luffy.ok(&["status", "web-app"]);
    assert!(
        detail.ends_with(
            "index failed: could not clone https://bot:***@git.example.com/web.git: refused\n"
        ),
        "{detail}"
    );
    // An error quoting a command's output: its escape sequence is shown, not obeyed.
    let detail = luffy.ok(&["status", "api-service"]);
    assert!(
        detail.ends_with("fetch failed: source cmd: exited 1: \\x1b[2Jgone\n"),
        "{detail:?}"
    );
}
