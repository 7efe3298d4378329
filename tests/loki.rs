//! The `loki` source. Loki cannot be installed here, so this is the one test against recorded
//! responses: `tests/data/loki/*.json` are `query_range` answers in Loki's v1 format, served by a
//! real HTTP listener on 127.0.0.1 (`tiny_http`) that picks the answer from the request's `start`,
//! `direction` and `query`, and records every request so its parameters and headers are checked.

mod common;

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use common::listener::{Listener, Reply, Request};
use luffy::sources::loki::LokiSource;
use luffy::sources::LokiSettings;
use serde_json::{json, Value};

/// 2024-01-15T10:00:00Z in nanoseconds: the fixtures' entries are at T0 + 1, 2, 3, 3, 4 µs.
const T0: i64 = 1_705_312_800_000_000_000;
const USER: &str = "tenant";
const PASSWORD_ENV: &str = "LUFFY_TEST_LOKI_PASSWORD";
/// base64("tenant:l0ki-pw")
const AUTHORIZATION: &str = "Basic dGVuYW50Omwwa2ktcHc=";

/// One request as the listener saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    params: HashMap<String, String>,
    org: Option<String>,
    authorization: Option<String>,
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/loki")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The answer Loki would give to a request.
fn answer(seen: &Seen) -> (u16, String) {
    if seen.authorization.as_deref() != Some(AUTHORIZATION) {
        return (401, "Unauthorized\n".into());
    }
    let query = seen.params.get("query").map_or("", String::as_str);
    if query.contains("rate(") {
        return (200, fixture("matrix.json"));
    }
    if query.contains("bad") {
        return (400, fixture("parse-error.txt"));
    }
    if seen.params.get("direction").map(String::as_str) == Some("backward") {
        return (200, fixture("newest.json"));
    }
    let start: i64 = seen.params["start"].parse().expect("start in ns");
    let name = match start - T0 {
        0 => "page1.json",
        3000 => "page2.json",
        4000 => "page3.json",
        _ => {
            return (
                200,
                json!({"status": "success", "data": {"resultType": "streams", "result": []}})
                    .to_string(),
            )
        }
    };
    (200, fixture(name))
}

/// A request as [`Seen`]: its path, its query's parameters decoded, two headers.
fn seen(request: &Request) -> Seen {
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let params = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    Seen {
        path: path.to_string(),
        params,
        org: request.header("X-Scope-OrgID").map(str::to_string),
        authorization: request.header("Authorization").map(str::to_string),
    }
}

/// A listener that answers as Loki would; its URL.
fn serve() -> (String, Listener) {
    let listener = Listener::start(|request| {
        let (status, body) = answer(&seen(request));
        Some(Reply::new(status, body))
    });
    (listener.url.clone(), listener)
}

/// Every request the listener received, as [`Seen`].
fn requests(listener: &Listener) -> Vec<Seen> {
    listener.received().iter().map(seen).collect()
}

fn settings(url: &str, query: &str) -> LokiSettings {
    std::env::set_var(PASSWORD_ENV, "l0ki-pw");
    LokiSettings {
        url: url.to_string(),
        query: query.to_string(),
        org_id: Some("tenant-1".into()),
        username: Some(USER.into()),
        password_env: Some(PASSWORD_ENV.into()),
        since: None,
        version_field: None,
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap()
}

#[test]
fn pages_merge_streams_in_time_order_and_keep_entries_sharing_the_last_nanosecond() {
    let (url, log) = serve();
    let source = LokiSource::new(&settings(&url, r#"{app="web"} |= "ERROR""#)).expect("source");

    let page = source.fetch_page(None, start(), now(), 3).expect("page 1");
    let texts: Vec<&str> = page.records.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "ERROR 2024-01-15 10:00:00 a1 request failed",
            "CRITICAL 2024-01-15 10:00:00 b2 database down",
            "ERROR 2024-01-15 10:00:00 a3 shared nanosecond",
        ]
    );
    let levels: Vec<Option<&str>> = page.records.iter().map(|r| r.level.as_deref()).collect();
    assert_eq!(levels, [Some("error"), Some("critical"), Some("error")]);
    assert_eq!(
        page.records[0].timestamp.map(|t| t.to_rfc3339()),
        Some("2024-01-15T10:00:00.000001+00:00".to_string())
    );
    assert!(!page.done, "a full page may have more after it");
    let cursor = page.cursor.expect("cursor");
    assert_eq!(cursor["ns"], json!((T0 + 3000).to_string()));
    assert_eq!(cursor["seen"].as_array().map(Vec::len), Some(1));

    // Page 2 starts at the shared nanosecond: a3 is not read again, b3 is not lost.
    let page = source
        .fetch_page(Some(&cursor), start(), now(), 3)
        .expect("page 2");
    let texts: Vec<&str> = page.records.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "CRITICAL 2024-01-15 10:00:00 b3 shared nanosecond",
            "ERROR 2024-01-15 10:00:00 c4 after\n  at web.handler(app.js:10)",
        ]
    );
    assert!(!page.done);
    let cursor = page.cursor.expect("cursor");
    assert_eq!(cursor["ns"], json!((T0 + 4000).to_string()));

    // Page 3 holds only what was read: nothing new, done, the cursor stays.
    let page = source
        .fetch_page(Some(&cursor), start(), now(), 3)
        .expect("page 3");
    assert_eq!(
        (page.records.len(), page.cursor, page.done),
        (0, None, true)
    );

    let requests = requests(&log);
    let first = &requests[0];
    assert_eq!(first.path, "/loki/api/v1/query_range");
    assert_eq!(first.params["query"], r#"{app="web"} |= "ERROR""#);
    assert_eq!(first.params["start"], T0.to_string());
    let end = now().timestamp_nanos_opt().expect("ns");
    assert_eq!(first.params["end"], end.to_string());
    assert_eq!(first.params["direction"], "forward");
    assert_eq!(first.params["limit"], "3");
    assert_eq!(first.org.as_deref(), Some("tenant-1"));
    assert_eq!(first.authorization.as_deref(), Some(AUTHORIZATION));
    let starts: Vec<&str> = requests
        .iter()
        .map(|r| r.params["start"].as_str())
        .collect();
    let expected = [
        T0.to_string(),
        (T0 + 3000).to_string(),
        (T0 + 4000).to_string(),
    ];
    assert_eq!(starts, expected);
}

#[test]
fn test_reports_the_newest_entry() {
    let (url, log) = serve();
    let source = LokiSource::new(&settings(&url, r#"{app="web"}"#)).expect("source");
    let report = source.test(now()).expect("test");
    assert_eq!(
        report,
        format!(
            "{url}: query {{app=\"web\"}} runs; newest matching entry of the last 24 hours at \
             2024-01-15T10:00:00.000004Z"
        )
    );
    let requests = requests(&log);
    assert_eq!(requests[0].params["direction"], "backward");
    assert_eq!(requests[0].params["limit"], "1");
}

#[test]
fn refusals_and_wrong_queries_are_clear_errors() {
    let (url, _loki) = serve();
    let err = LokiSource::new(&settings(&url, "{app=bad}"))
        .expect("source")
        .fetch_page(None, start(), now(), 10)
        .expect_err("parse error");
    assert_eq!(
        err.to_string(),
        format!(
            "{url} refused the query {{app=bad}} (HTTP 400): parse error at line 1, col 6: \
             syntax error: unexpected IDENTIFIER, expecting STRING"
        )
    );

    let err = LokiSource::new(&settings(&url, r#"rate({app="web"}[5m])"#))
        .expect("source")
        .fetch_page(None, start(), now(), 10)
        .expect_err("metric query");
    assert!(
        err.to_string().ends_with(
            "with result type matrix instead of log streams (use a log selector, not a metric query)"
        ),
        "{err}"
    );

    let mut anonymous = settings(&url, r#"{app="web"}"#);
    anonymous.username = None;
    anonymous.password_env = None;
    let err = LokiSource::new(&anonymous)
        .expect("source")
        .fetch_page(None, start(), now(), 10)
        .expect_err("401");
    assert_eq!(
        err.to_string(),
        format!(
            "{url} refused the credentials (HTTP 401): no credentials were sent (set --username \
             and --password-env)"
        )
    );

    let mut unset = settings(&url, r#"{app="web"}"#);
    unset.password_env = Some("LUFFY_TEST_UNSET_LOKI_PASSWORD".into());
    let err = LokiSource::new(&unset).expect_err("unset variable");
    assert_eq!(
        err.to_string(),
        "the environment variable LUFFY_TEST_UNSET_LOKI_PASSWORD (--password-env) is not set"
    );

    let bad_cursor: Value = json!({"ns": "soon", "seen": []});
    let err = LokiSource::new(&settings(&url, r#"{app="web"}"#))
        .expect("source")
        .fetch_page(Some(&bad_cursor), start(), now(), 10)
        .expect_err("bad cursor");
    assert_eq!(
        err.to_string(),
        "the stored Loki cursor has a bad time 'soon'"
    );
}
