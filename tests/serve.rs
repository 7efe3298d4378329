//! `luffy serve` over real HTTP on 127.0.0.1: the server's frame (health, auth, errors, stop).
//! The API's endpoints, the pages and /metrics have tests of their own.

mod common;

use common::serve::Served;
use common::Luffy;
use serde_json::Value;

/// (status, body) of a request; any status is an answer, not an error.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut req = agent.get(url);
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
            }
            req.call()
        }
        (_, body) => {
            let mut req = match method {
                "PUT" => agent.put(url),
                _ => agent.post(url),
            };
            if let Some(t) = token {
                req = req.header("Authorization", &format!("Bearer {t}"));
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

#[test]
fn serves_health_and_status_and_refuses_writes_without_a_token() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    let served = Served::start(&luffy, &[]);
    let (status, body) = call("GET", &served.url("/healthz"), None, None);
    assert_eq!((status, body.contains("\"ok\"")), (200, true), "{body}");
    let (status, body) = call("GET", &served.url("/api/v1/services/status"), None, None);
    assert_eq!(status, 200, "{body}");
    let cli: Value = serde_json::from_str(&luffy.ok(&["status", "--json"])).unwrap();
    let api: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(api, cli, "the API answers what the CLI prints");
    let (status, body) = call(
        "GET",
        &served.url("/api/v1/services/nope/status"),
        None,
        None,
    );
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    let (status, body) = call(
        "POST",
        &served.url("/api/v1/services/web-app/trigger-rca"),
        None,
        None,
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("token_env"), "{body}");
    assert!(served.stop(), "luffy serve stops cleanly on SIGTERM");
}

#[test]
fn a_token_guards_writes_and_beyond_loopback_everything() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app"]);
    std::fs::write(
        luffy.path("config.toml"),
        "[serve]\ntoken_env = \"LUFFY_TEST_TOKEN\"\n",
    )
    .unwrap();
    let config = luffy.path("config.toml");
    let config = config.to_str().unwrap();
    let served = Served::start(
        &luffy,
        &[
            ("LUFFY_CONFIG", config),
            ("LUFFY_TEST_TOKEN", "s3cret-t0ken"),
        ],
    );
    let url = served.url("/api/v1/services/web-app/trigger-no-such-task");
    let (status, _) = call("POST", &url, None, None);
    assert_eq!(status, 401);
    let (status, _) = call("POST", &url, Some("wrong"), None);
    assert_eq!(status, 401);
    let (status, body) = call("POST", &url, Some("s3cret-t0ken"), None);
    assert_eq!(status, 404, "authorized, and no such endpoint: {body}");
    // reads on loopback need no token
    let (status, _) = call("GET", &served.url("/api/v1/services/status"), None, None);
    assert_eq!(status, 200);
    drop(served);
    // beyond loopback without a token: refused at start, naming the setting
    let err = luffy.fails(&["serve", "--listen", "0.0.0.0:0"], 2);
    assert!(err.contains("token_env"), "{err}");
    let err = luffy.fails(&["serve", "--listen", "nowhere"], 2);
    assert!(err.contains("--listen 'nowhere'"), "{err}");
    // a token_env whose variable is not set
    let run = luffy
        .command(&["serve", "--listen", "127.0.0.1:0"])
        .env("LUFFY_CONFIG", config)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("LUFFY_TEST_TOKEN"));
}

#[test]
fn a_stopping_server_lets_a_triggered_task_finish() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "slow"]);
    luffy.ok(&[
        "source",
        "add",
        "slow",
        "cmd",
        "--kind",
        "command",
        "--command",
        "sh -c 'sleep 2; echo 2024-01-15T10:00:00Z ERROR boom'",
    ]);
    std::fs::write(
        luffy.path("config.toml"),
        "[serve]\ntoken_env = \"LUFFY_TEST_TOKEN\"\n",
    )
    .unwrap();
    let config = luffy.path("config.toml");
    let served = Served::start(
        &luffy,
        &[
            ("LUFFY_CONFIG", config.to_str().unwrap()),
            ("LUFFY_TEST_TOKEN", "t0ken"),
        ],
    );
    let (status, body) = call(
        "POST",
        &served.url("/api/v1/services/slow/trigger-log-fetch"),
        Some("t0ken"),
        None,
    );
    assert_eq!(status, 202, "{body}");
    // SIGTERM while the fetch runs: the server waits for it, then exits cleanly
    assert!(served.stop(), "luffy serve stops cleanly");
    let runs: Value = serde_json::from_str(&luffy.ok(&["history", "slow", "--json"])).unwrap();
    assert_eq!(runs[0]["status"], "ok", "{runs:#}");
    assert_eq!(runs[0]["task"], "fetch", "{runs:#}");
}
