//! The REST API of `luffy serve` over real HTTP on 127.0.0.1: every endpoint answers what the
//! CLI's `--json` prints, bad bodies change nothing, triggers run in the server and their runs
//! are read back; a real git repository behind the service.

mod common;

use std::time::{Duration, Instant};

use common::git::{fetched_service, Repo};
use common::serve::Served;
use common::Luffy;
use serde_json::{json, Value};

const TOKEN: &str = "s3cret-t0ken";

/// (status, body) of a request; any status is an answer, not an error.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut response = match method {
        "GET" => {
            let mut req = agent.get(url);
            if let Some(auth) = &auth {
                req = req.header("Authorization", auth);
            }
            req.call()
        }
        _ => {
            let mut req = match method {
                "PUT" => agent.put(url),
                _ => agent.post(url),
            };
            if let Some(auth) = &auth {
                req = req.header("Authorization", auth);
            }
            req.content_type("application/json")
                .send(body.unwrap_or(""))
        }
    }
    .expect("an answer");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

/// A server whose configuration names a token, with the token set.
fn served_with_token(luffy: &Luffy) -> Served {
    let config = luffy.path("config.toml");
    std::fs::write(&config, "[serve]\ntoken_env = \"LUFFY_TEST_TOKEN\"\n").unwrap();
    Served::start(
        luffy,
        &[
            ("LUFFY_CONFIG", config.to_str().unwrap()),
            ("LUFFY_TEST_TOKEN", TOKEN),
        ],
    )
}

/// What `GET path` answers, asserting 200 and JSON.
fn get(served: &Served, path: &str) -> Value {
    let (status, body) = call("GET", &served.url(path), None, None);
    assert_eq!(status, 200, "GET {path}: {body}");
    json_of(&body)
}

/// What the CLI prints with `--json`.
fn cli(luffy: &Luffy, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    json_of(&luffy.ok(&args))
}

/// An error answer: its status and message, asserting the `{"error": ...}` shape.
fn error(method: &str, served: &Served, path: &str, body: Option<&str>) -> (u16, String) {
    let (status, text) = call(method, &served.url(path), Some(TOKEN), body);
    let value = json_of(&text);
    let message = value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{method} {path}: no error in {text}"))
        .to_string();
    (status, message)
}

/// The design's setup call.
const WEB_APP: &str = r#"{
    "name": "web-app",
    "repository_url": "https://github.com/company/web-app.git",
    "git_branch": "main",
    "git_repo_path": "/repos/web-app",
    "log_fetch_interval_minutes": 15,
    "rca_generation_interval_minutes": 10
}"#;

#[test]
fn config_is_read_and_set_as_the_cli_does_and_a_bad_body_changes_nothing() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "api"]);
    let served = served_with_token(&luffy);
    let url = served.url("/api/v1/services/web-app/config");

    // writes need the token
    assert_eq!(call("PUT", &url, None, Some(WEB_APP)).0, 401);
    assert_eq!(call("PUT", &url, Some("wrong"), Some(WEB_APP)).0, 401);
    assert!(!luffy.ok(&["service", "list"]).contains("web-app"));

    // the design's setup call creates the service
    let (status, body) = call("PUT", &url, Some(TOKEN), Some(WEB_APP));
    assert_eq!(status, 201, "{body}");
    let shown = cli(&luffy, &["service", "show", "web-app"]);
    assert_eq!(json_of(&body), shown, "PUT answers service show --json");
    assert_eq!(shown["log_fetch_interval_minutes"], 15);
    assert_eq!(shown["git_repo_path"], "/repos/web-app");
    assert_eq!(get(&served, "/api/v1/services/web-app/config"), shown);

    // the fields given change, the others stay
    let (status, body) = call(
        "PUT",
        &url,
        Some(TOKEN),
        Some(r#"{"name": "Web App", "is_active": false}"#),
    );
    assert_eq!(status, 200, "{body}");
    let shown = cli(&luffy, &["service", "show", "web-app"]);
    assert_eq!(json_of(&body), shown);
    assert_eq!(
        (&shown["name"], &shown["is_active"], &shown["git_branch"]),
        (&json!("Web App"), &json!(false), &json!("main"))
    );

    // bad bodies: nothing written, to a service that exists or one that does not
    let before = luffy.snapshot();
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(1024 * 1024));
    for path in [
        "/api/v1/services/web-app/config",
        "/api/v1/services/new-one/config",
    ] {
        let (status, message) = error("PUT", &served, path, Some(r#"{"name": "#));
        assert_eq!(status, 400, "{message}");
        assert!(message.starts_with("malformed JSON"), "{message}");
        let (status, message) = error("PUT", &served, path, Some(r#"{"is_active": "yes"}"#));
        assert_eq!(status, 422, "{message}");
        assert_eq!(
            message,
            "field `is_active`: expected true or false, got a string; nothing was changed"
        );
        let (status, message) = error(
            "PUT",
            &served,
            path,
            Some(r#"{"log_fetch_interval_minute": 5}"#),
        );
        assert_eq!(status, 422, "{message}");
        assert!(
            message.starts_with("field `log_fetch_interval_minute`: unknown field; did you mean `log_fetch_interval_minutes`?"),
            "{message}"
        );
        let (status, message) = error("PUT", &served, path, Some(r#"{"name": "api"}"#));
        assert_eq!(status, 422, "{message}");
        assert!(
            message.contains("already used by service 'api'"),
            "{message}"
        );
        let (status, _) = call("PUT", &served.url(path), Some(TOKEN), Some(&big));
        assert_eq!(status, 413);
    }
    assert_eq!(luffy.snapshot(), before, "a bad body changed nothing");
    assert!(!luffy.ok(&["service", "list"]).contains("new-one"));

    // 404 and 405
    let (status, message) = error("GET", &served, "/api/v1/services/nope/config", None);
    assert_eq!(status, 404);
    assert!(message.starts_with("no service 'nope'"), "{message}");
    let (status, message) = error("POST", &served, "/api/v1/services/web-app/config", None);
    assert_eq!(status, 405, "{message}");
    assert!(served.stop());
}

#[test]
fn writes_are_refused_without_a_configured_token() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let served = Served::start(&luffy, &[]);
    let before = luffy.snapshot();
    for (method, path, body) in [
        ("PUT", "/api/v1/services/web-app/config", r#"{"name": "x"}"#),
        ("PUT", "/api/v1/services/other/config", "{}"),
        ("POST", "/api/v1/services/web-app/trigger-log-fetch", ""),
        (
            "POST",
            "/api/v1/services/web-app/deploys",
            r#"{"rev": "main"}"#,
        ),
        ("POST", "/api/v1/clusters/1/resolve", ""),
    ] {
        let (status, body) = call(method, &served.url(path), None, Some(body));
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert!(body.contains("token_env"), "{body}");
    }
    assert_eq!(luffy.snapshot(), before);
    assert_eq!(luffy.ok(&["history", "--json"]).trim(), "[]");
}

/// A Python traceback at `time`.
fn trace(time: &str) -> String {
    format!(
        "{time},000 ERROR [worker-1] app.api: request failed\n\
         Traceback (most recent call last):\n  \
         File \"/srv/app/app/db.py\", line 3, in fetch\n    \
         return ROWS[item_id]\n\
         KeyError: 'a'\n"
    )
}

/// A repository whose `app/db.py` fails at line 3, and a service `app` on it, fetched.
fn app(luffy: &Luffy) -> Repo {
    let mut repo = Repo::init(&luffy.path("repo"));
    repo.write(
        "app/db.py",
        "ROWS = {}\ndef fetch(item_id):\n    return ROWS[item_id]\n",
    );
    repo.commit("db: fetch");
    fetched_service(luffy, &repo, &trace("2024-01-15 09:00:00"));
    repo
}

/// Polls a task run until it has finished; returns its row.
fn finished(served: &Served, run: i64) -> Value {
    let start = Instant::now();
    loop {
        let row = get(served, &format!("/api/v1/task-runs/{run}"));
        if row["status"] != "running" {
            return row;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "run {run} still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Triggers `task` of `app`; returns the run's id after asserting the 202.
fn trigger(served: &Served, what: &str, task: &str) -> i64 {
    let path = format!("/api/v1/services/app/trigger-{what}");
    let (status, body) = call("POST", &served.url(&path), Some(TOKEN), None);
    assert_eq!(status, 202, "{body}");
    let answer = json_of(&body);
    assert_eq!(
        (&answer["service_id"], &answer["task"]),
        (&json!("app"), &json!(task))
    );
    answer["task_run_id"].as_i64().expect("a run id")
}

#[test]
fn triggers_run_in_the_server_and_their_runs_read_back_as_history_rows() {
    let luffy = Luffy::new();
    app(&luffy);
    let served = served_with_token(&luffy);
    for (what, task) in [
        ("code-indexing", "index"),
        ("rca", "rca"),
        ("log-fetch", "fetch"),
    ] {
        let run = trigger(&served, what, task);
        let row = finished(&served, run);
        assert_eq!(
            (&row["status"], &row["task"], &row["trigger"]),
            (&json!("ok"), &json!(task), &json!("manual")),
            "{row}"
        );
        let history = cli(&luffy, &["history", "app", "--limit", "50"]);
        let same = history
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == run)
            .expect("the run in history");
        assert_eq!(&row, same, "a task run is its history row");
    }
    // the rca report the triggered run wrote
    let cluster = cli(&luffy, &["clusters", "app"])[0]["id"].as_i64().unwrap();
    let report = get(&served, &format!("/api/v1/clusters/{cluster}/rca"));
    assert_eq!(report, cli(&luffy, &["rca", "show", &cluster.to_string()]));
    assert_eq!(report["suspects"].as_array().map(Vec::len), Some(1));

    // cron's lease held by another process: the run is recorded skipped, and nothing ran
    luffy
        .write_db()
        .execute(
            "INSERT INTO leases (service_id, task, holder, expires_at)
             VALUES ('app', 'fetch', 'elsewhere:1:0', '2099-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
    // (a new error in the log, that a fetch would count)
    let log = luffy.path("app.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&trace("2024-01-15 09:30:00"));
    std::fs::write(&log, text).unwrap();
    common::settle(&log);
    let clusters = cli(&luffy, &["clusters", "app"]);
    let run = trigger(&served, "log-fetch", "fetch");
    let row = finished(&served, run);
    assert_eq!(
        (&row["status"], &row["error"]),
        (
            &json!("skipped"),
            &json!("another luffy process is fetching app")
        ),
        "{row}"
    );
    assert_eq!(cli(&luffy, &["clusters", "app"]), clusters, "nothing ran");
    luffy.write_db().execute("DELETE FROM leases", []).unwrap();
    let run = trigger(&served, "log-fetch", "fetch");
    assert_eq!(finished(&served, run)["status"], "ok");
    let counted = cli(&luffy, &["clusters", "app"]);
    assert_eq!(
        counted[0]["count"].as_u64(),
        clusters[0]["count"].as_u64().map(|n| n + 1),
        "the lease given back, the fetch ran: {counted}"
    );

    let (status, message) = error("POST", &served, "/api/v1/services/nope/trigger-rca", None);
    assert_eq!(
        (status, message.starts_with("no service 'nope'")),
        (404, true)
    );
    let (status, _) = error("GET", &served, "/api/v1/services/app/trigger-rca", None);
    assert_eq!(status, 405);
    let (status, message) = error("GET", &served, "/api/v1/task-runs/999", None);
    assert_eq!(
        (status, message.as_str()),
        (404, "no task run 999 (see `luffy history`)")
    );
    let (status, _) = error("GET", &served, "/api/v1/task-runs/x", None);
    assert_eq!(status, 404);
    assert!(served.stop());
}

#[test]
fn clusters_history_notifications_and_deploys_answer_what_the_cli_prints() {
    let luffy = Luffy::new();
    let repo = app(&luffy);
    let served = served_with_token(&luffy);

    let clusters = get(&served, "/api/v1/services/app/clusters");
    assert_eq!(clusters, cli(&luffy, &["clusters", "app"]));
    assert_eq!(clusters.as_array().map(Vec::len), Some(1));
    let id = clusters[0]["id"].as_i64().unwrap();
    let ids = id.to_string();
    assert_eq!(
        get(&served, "/api/v1/services/app/clusters?status=resolved"),
        json!([])
    );
    assert_eq!(
        get(&served, &format!("/api/v1/clusters/{id}")),
        cli(&luffy, &["cluster", "show", &ids])
    );
    assert_eq!(
        get(&served, "/api/v1/services/app/history"),
        cli(&luffy, &["history", "app"])
    );
    assert_eq!(
        get(&served, "/api/v1/services/app/history?task=fetch&limit=1"),
        cli(
            &luffy,
            &["history", "app", "--task", "fetch", "--limit", "1"]
        )
    );
    assert_eq!(
        get(&served, "/api/v1/services/app/status"),
        cli(&luffy, &["status", "app"])
    );
    assert_eq!(
        get(&served, "/api/v1/notifications?service=app&limit=5"),
        cli(&luffy, &["notify", "list", "app", "--limit", "5"])
    );
    assert_eq!(
        get(&served, "/api/v1/notifications"),
        cli(&luffy, &["notify", "list"])
    );

    // no report yet: 404
    let (status, message) = error("GET", &served, &format!("/api/v1/clusters/{id}/rca"), None);
    assert_eq!(status, 404);
    assert!(
        message.contains("has no root-cause report yet"),
        "{message}"
    );

    // resolve, ignore, reopen: the cluster as `cluster resolve --json` prints it
    for (action, status) in [
        ("resolve", "resolved"),
        ("ignore", "ignored"),
        ("reopen", "open"),
    ] {
        let path = format!("/api/v1/clusters/{id}/{action}");
        let (code, body) = call("POST", &served.url(&path), Some(TOKEN), None);
        assert_eq!(code, 200, "{body}");
        let answer = json_of(&body);
        assert_eq!(answer["status"], status);
        assert_eq!(answer, cli(&luffy, &["clusters", "app"])[0]);
        assert_eq!(call("POST", &served.url(&path), None, None).0, 401);
    }

    // a snooze through the API: the body takes one of cluster ignore's conditions
    let path = format!("/api/v1/clusters/{id}/ignore");
    let (code, body) = call(
        "POST",
        &served.url(&path),
        Some(TOKEN),
        Some(r#"{"until_count": 3}"#),
    );
    assert_eq!(code, 200, "{body}");
    let shown = cli(&luffy, &["cluster", "show", &id.to_string()]);
    assert_eq!(shown["snooze"]["until_count"], 3, "{shown:#}");
    for (bad, says) in [
        (r#"{"for": "2h", "until_count": 3}"#, "at most one"),
        (r#"{"until_rate": "lots"}"#, "field `until_rate`"),
        (r#"{"forever": true}"#, "forever"),
    ] {
        let (code, body) = call("POST", &served.url(&path), Some(TOKEN), Some(bad));
        assert_eq!(code, 422, "{bad}: {body}");
        assert!(body.contains(says), "{bad}: {body}");
    }
    let reopen = format!("/api/v1/clusters/{id}/reopen");
    assert_eq!(call("POST", &served.url(&reopen), Some(TOKEN), None).0, 200);

    // deploys: `deploy add`, 201 with the deploy as `deploy list --json` prints it
    let url = served.url("/api/v1/services/app/deploys");
    let head = repo.head();
    let (status, body) = call(
        "POST",
        &url,
        Some(TOKEN),
        Some(&format!(
            r#"{{"rev": "{head}", "at": "2024-01-15T08:00:00Z", "env": "production"}}"#
        )),
    );
    assert_eq!(status, 201, "{body}");
    let deploy = json_of(&body);
    assert_eq!(
        (&deploy["commit"], &deploy["env"], &deploy["deployed_at"]),
        (
            &json!(head),
            &json!("production"),
            &json!("2024-01-15T08:00:00Z")
        )
    );
    let listed = cli(&luffy, &["deploy", "list", "app"]);
    assert_eq!(listed, json!([deploy]));
    assert_eq!(get(&served, "/api/v1/services/app/deploys"), listed);
    let bad: [(&str, u16, &str); 5] = [
        (r#"{"rev": "0123456789abcdef"}"#, 422, "is not a commit"),
        (
            r#"{"rev": "main", "at": "yesterday-ish"}"#,
            422,
            "invalid value for '--at'",
        ),
        (r#"{"rev": 7}"#, 422, "field `rev`"),
        (
            r#"{"rev": "main", "colour": 1}"#,
            422,
            "unknown field `colour`",
        ),
        (r#"{"rev": "#, 400, "malformed JSON"),
    ];
    for (body, code, says) in bad {
        let (status, message) = error("POST", &served, "/api/v1/services/app/deploys", Some(body));
        assert_eq!(status, code, "{body}: {message}");
        assert!(message.contains(says), "{body}: {message}");
    }
    let (status, _) = error(
        "POST",
        &served,
        "/api/v1/services/nope/deploys",
        Some(r#"{"rev": "main"}"#),
    );
    assert_eq!(status, 404);
    assert_eq!(
        cli(&luffy, &["deploy", "list", "app"]),
        listed,
        "nothing written"
    );

    // unknown things are 404, bad parameters 422
    for path in [
        "/api/v1/services/nope/clusters",
        "/api/v1/services/nope/history",
        "/api/v1/services/nope/status",
        "/api/v1/services/nope/deploys",
        "/api/v1/clusters/999",
        "/api/v1/clusters/999/rca",
        "/api/v1/clusters/abc",
        "/api/v1/notifications?service=nope",
    ] {
        let (status, message) = error("GET", &served, path, None);
        assert_eq!(status, 404, "{path}: {message}");
    }
    let (status, _) = error("POST", &served, "/api/v1/clusters/999/resolve", None);
    assert_eq!(status, 404);
    let (status, message) = error(
        "GET",
        &served,
        "/api/v1/services/app/clusters?status=closed",
        None,
    );
    assert_eq!(status, 422);
    assert!(message.contains("'status'"), "{message}");
    let (status, _) = error("GET", &served, "/api/v1/notifications?limit=0", None);
    assert_eq!(status, 422);
    let (status, _) = error("POST", &served, "/api/v1/notifications", None);
    assert_eq!(status, 405);
    assert!(served.stop());
}
