//! The `elasticsearch`/`opensearch` source against a real OpenSearch-API server: `osmem-server`
//! from PyPI, installed by `scripts/test` and named by `LUFFY_TEST_OSMEM`. osmem-server has no
//! security plugin, so what needs credentials (the `Authorization` header, HTTP 401) and
//! Elasticsearch 8's refusal to sort on `_id` are checked against a real HTTP listener on
//! 127.0.0.1 (`tiny_http`) that answers as those servers do.

mod common;

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::listener::{Listener, Reply};
use common::start_osmem;
use luffy::sources::search::{SearchSource, Tiebreak, DEFAULT_PAGE_SIZE};
use luffy::sources::{Page, SearchSettings};
use serde_json::{json, Value};

fn settings(url: &str, index: &str) -> SearchSettings {
    SearchSettings {
        url: url.to_string(),
        index: index.to_string(),
        query: None,
        timestamp_field: "@timestamp".into(),
        message_field: "message".into(),
        level_field: "level".into(),
        stack_field: Some("error.stack_trace".into()),
        username: None,
        password_env: None,
        since: None,
        version_field: None,
    }
}

const LEVELS: [&str; 9] = [
    "ERROR", "INFO", "error", "WARN", "Fatal", "debug", "CRITICAL", "info", "Error",
];

fn is_error(level: &str) -> bool {
    matches!(
        level.to_ascii_uppercase().as_str(),
        "ERROR" | "FATAL" | "CRITICAL"
    )
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 23, 0, 0).unwrap()
}

/// Bulk-indexes docs `from..to`, doc `i` at `base + (i - shift) / 3 * 20s` (so timestamps tie in
/// threes), each in the daily index of its date; returns how many match the default filter.
fn index_docs(url: &str, from: usize, to: usize, shift: usize) -> usize {
    let mut body = String::new();
    let mut errors = 0;
    for i in from..to {
        let time = base() + Duration::seconds(((i - shift) / 3) as i64 * 20);
        let index = format!("logs-web-{}", time.format("%Y.%m.%d"));
        let level = LEVELS[i % LEVELS.len()];
        errors += usize::from(is_error(level));
        let mut doc = json!({
            "@timestamp": time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "level": level,
            "message": format!("event {i}"),
        });
        if i % 5 == 0 {
            doc["error"] = json!({"stack_trace": format!("Traceback {i}")});
        }
        body.push_str(&json!({"index": {"_index": index}}).to_string());
        body.push('\n');
        body.push_str(&doc.to_string());
        body.push('\n');
    }
    let mut reply = ureq::post(format!("{url}/_bulk?refresh=true"))
        .content_type("application/json")
        .send(body)
        .expect("bulk");
    let answer: Value =
        serde_json::from_str(&reply.body_mut().read_to_string().expect("body")).expect("bulk JSON");
    assert_eq!(answer["errors"], json!(false), "{answer}");
    errors
}

/// Pages until done; returns every record's message and the last cursor.
fn read_all(
    source: &SearchSource,
    mut cursor: Option<Value>,
    start: DateTime<Utc>,
    size: usize,
) -> (Vec<String>, Option<Value>) {
    let mut messages = Vec::new();
    let mut last_time = None;
    for _ in 0..10_000 {
        let Page {
            records,
            cursor: next,
            done,
        } = source
            .fetch_page(cursor.as_ref(), start, size)
            .expect("page");
        assert!(records.len() <= size);
        for record in records {
            assert!(record.timestamp >= last_time, "records come in time order");
            last_time = record.timestamp;
            assert!(is_error(record.level.as_deref().expect("level")));
            let first = record.text.lines().next().expect("message").to_string();
            let n: usize = first["event ".len()..].parse().expect("number");
            if n % 5 == 0 {
                assert_eq!(record.text, format!("event {n}\nTraceback {n}"));
            }
            messages.push(first);
        }
        if next.is_some() {
            cursor = next;
        }
        if done {
            return (messages, cursor);
        }
    }
    panic!("paging did not end");
}

fn assert_unique(messages: &[String]) {
    let unique: HashSet<&String> = messages.iter().collect();
    assert_eq!(unique.len(), messages.len(), "no record is read twice");
}

fn pages_exactly_once(tiebreak: Tiebreak) {
    let server = start_osmem();
    let matching = index_docs(&server.url, 0, 3000, 0);
    assert_eq!(matching, 1667);
    // An error without a timestamp is not read, and does not carry the cursor past later ones.
    ureq::post(format!(
        "{}/logs-web-2024.01.16/_doc?refresh=true",
        server.url
    ))
    .content_type("application/json")
    .send(r#"{"level": "ERROR", "message": "event 99999"}"#)
    .expect("index a doc without timestamp");
    let source = SearchSource::new(&settings(&server.url, "logs-web-*"))
        .expect("source")
        .with_tiebreak(tiebreak);
    let since = base() - Duration::hours(1);

    let (small, _) = read_all(&source, None, since, 7);
    assert_eq!(small.len(), matching);
    assert_unique(&small);
    let (all, cursor) = read_all(&source, None, since, DEFAULT_PAGE_SIZE);
    assert_eq!(all, small, "page size does not change what is read");
    assert!(cursor.is_some());

    // New docs. Without `_id` sorting the first ones share the millisecond of the last doc read
    // (a late arrival `search_after` on `_id` could miss if its random id sorts lower).
    let shift = usize::from(tiebreak == Tiebreak::ExcludeIds);
    let more = index_docs(&server.url, 3000, 3500, shift);
    let (fresh, cursor) = read_all(&source, cursor, since, 50);
    let expected: Vec<String> = (3000..3500)
        .filter(|i| is_error(LEVELS[i % LEVELS.len()]))
        .map(|i| format!("event {i}"))
        .collect();
    assert_eq!(fresh.len(), more, "only what is new");
    let mut got = fresh.clone();
    got.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(got, expected_sorted);
    // Nothing new: an empty page, done, the cursor does not move.
    let page = source
        .fetch_page(cursor.as_ref(), since, 10)
        .expect("empty page");
    assert_eq!(
        (page.records.len(), page.cursor, page.done),
        (0, None, true)
    );
}

#[test]
fn pages_two_daily_indices_by_timestamp_and_id_exactly_once() {
    pages_exactly_once(Tiebreak::Id);
}

#[test]
fn pages_exactly_once_without_sorting_on_id() {
    pages_exactly_once(Tiebreak::ExcludeIds);
}

#[test]
fn since_bounds_the_first_fetch_and_test_reports_the_indices() {
    let server = start_osmem();
    let matching = index_docs(&server.url, 0, 900, 0);
    let source = SearchSource::new(&settings(&server.url, "logs-web-*")).expect("source");
    // Docs 0..540 are on the 15th (23:00 + i/3 * 20s < midnight), the rest on the 16th.
    let midnight = Utc.with_ymd_and_hms(2024, 1, 16, 0, 0, 0).unwrap();
    let (late, _) = read_all(&source, None, midnight, 1000);
    let expected = (540..900).filter(|i| is_error(LEVELS[i % 9])).count();
    assert_eq!(late.len(), expected);

    let now = Utc.with_ymd_and_hms(2024, 1, 16, 3, 0, 0).unwrap();
    let report = source.test(now).expect("test");
    let newest = base() + Duration::seconds(299 * 20);
    assert_eq!(
        report,
        format!(
            "{}: index pattern logs-web-* matches 2 indices with 900 documents; {matching} match \
             the filter, newest: {} (2h20m ago)",
            server.url,
            newest.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    );
}

#[test]
fn nested_and_dotted_fields_epoch_and_zoneless_times() {
    let server = start_osmem();
    let docs = [
        json!({"@timestamp": "2024-01-15T10:30:00", "log": {"level": "Fatal"}, "message": "zoneless"}),
        json!({"@timestamp": 1_705_312_800_000_i64, "log": {"level": "ERROR"}, "message": "millis",
               "error": {"stack_trace": "  at a.b(C.java:1)"}}),
        json!({"@timestamp": "2024-01-15T11:00:00.5+01:00", "log.level": "error", "message": "dotted"}),
        json!({"@timestamp": "2024-01-15T10:00:01Z", "log": {"level": "INFO"}, "message": "info"}),
    ];
    for doc in docs {
        ureq::post(format!("{}/app-2024.01.15/_doc?refresh=true", server.url))
            .content_type("application/json")
            .send(doc.to_string())
            .expect("index");
    }
    let mut ecs = settings(&server.url, "app-*");
    ecs.level_field = "log.level".into();
    let source = SearchSource::new(&ecs).expect("source");
    let page = source
        .fetch_page(None, base() - Duration::days(1), 10)
        .expect("page");
    let got: Vec<(String, String, String)> = page
        .records
        .iter()
        .map(|r| {
            (
                r.text.clone(),
                r.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default(),
                r.level.clone().unwrap_or_default(),
            )
        })
        .collect();
    let row = |text: &str, time: &str, level: &str| (text.into(), time.into(), level.into());
    assert_eq!(
        got,
        [
            row(
                "millis\n  at a.b(C.java:1)",
                "2024-01-15T10:00:00+00:00",
                "ERROR"
            ),
            row("dotted", "2024-01-15T10:00:00.500+00:00", "error"),
            row("zoneless", "2024-01-15T10:30:00+00:00", "Fatal"),
        ]
    );
}

#[test]
fn missing_index_bad_query_and_unreachable_url_are_clear_errors() {
    let server = start_osmem();
    index_docs(&server.url, 0, 10, 0);
    let start = base();
    let source = SearchSource::new(&settings(&server.url, "nope-*")).expect("source");
    let err = source.fetch_page(None, start, 10).expect_err("no index");
    assert_eq!(
        err.to_string(),
        format!("index pattern nope-* matches no index on {}", server.url)
    );
    assert_eq!(
        source.test(start).expect_err("no index").to_string(),
        err.to_string()
    );

    let mut bad = settings(&server.url, "logs-web-*");
    bad.query = Some(json!({"bogus": {}}));
    let err = SearchSource::new(&bad)
        .expect("source")
        .fetch_page(None, start, 10)
        .expect_err("bad query");
    assert_eq!(
        err.to_string(),
        format!(
            "{} refused the search on logs-web-* (HTTP 400): parsing_exception: unknown query [bogus]",
            server.url
        )
    );

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("http://elastic:pw@127.0.0.1:{port}");
    let source = SearchSource::new(&settings(&url, "logs-*")).expect("source");
    assert!(!format!("{source:?}").contains("pw@"), "{source:?}");
    let err = source.fetch_page(None, start, 10).expect_err("unreachable");
    let text = format!("{err:#}");
    assert!(
        text.starts_with(&format!(
            "could not reach http://elastic:***@127.0.0.1:{port}: "
        )),
        "{text}"
    );
    assert!(!text.contains("pw@"), "{text}");
}

#[test]
fn an_unset_password_variable_is_named() {
    let mut with_auth = settings("http://127.0.0.1:9200", "logs-*");
    with_auth.username = Some("elastic".into());
    with_auth.password_env = Some("LUFFY_TEST_UNSET_ES_PASSWORD".into());
    let err = SearchSource::new(&with_auth).expect_err("unset");
    assert_eq!(
        err.to_string(),
        "the environment variable LUFFY_TEST_UNSET_ES_PASSWORD (--password-env) is not set"
    );
}

/// A listener that answers every request with `answer(body)` and records the requests.
fn listener(answer: fn(&str) -> (u16, String)) -> (String, Listener) {
    let listener = Listener::start(move |request| {
        let (status, reply) = answer(&request.body);
        Some(Reply::new(status, reply))
    });
    (listener.url.clone(), listener)
}

#[test]
fn credentials_are_sent_and_a_refusal_names_the_variable_not_the_secret() {
    let (url, seen) = listener(|_| (401, r#"{"error":"unauthorized"}"#.to_string()));
    std::env::set_var("LUFFY_TEST_ES_PASSWORD", "s3cret-pw");
    let mut with_auth = settings(&url, "logs-*");
    with_auth.username = Some("elastic".into());
    with_auth.password_env = Some("LUFFY_TEST_ES_PASSWORD".into());
    let source = SearchSource::new(&with_auth).expect("source");
    assert!(!format!("{source:?}").contains("s3cret"));
    let err = source.fetch_page(None, base(), 10).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "{url} refused the credentials (HTTP 401): user elastic with the password from \
             $LUFFY_TEST_ES_PASSWORD"
        )
    );
    let requests = seen.received();
    let (path, auth, body) = (
        &requests[0].path,
        requests[0].header("Authorization"),
        &requests[0].body,
    );
    assert_eq!(path, "/logs-*/_search?allow_no_indices=false");
    // base64("elastic:s3cret-pw")
    assert_eq!(auth, Some("Basic ZWxhc3RpYzpzM2NyZXQtcHc="));
    let body: Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(body["sort"][1], json!({"_id": "asc"}));
}

#[test]
fn a_refused_id_sort_switches_to_excluding_ids() {
    let (url, seen) = listener(|body| {
        if body.contains("\"_id\":\"asc\"") {
            let reason =
                "Fielddata access on the _id field is disallowed, you can re-enable it by \
                          updating the dynamic cluster setting: indices.id_field_data.enabled";
            let error = json!({"error": {"root_cause": [{"type": "illegal_argument_exception",
                "reason": reason}], "type": "search_phase_execution_exception",
                "reason": "all shards failed"}, "status": 400});
            (400, error.to_string())
        } else {
            let hit = |id: &str| {
                json!({"_id": id, "sort": [1_705_312_800_000_i64],
                "_source": {"@timestamp": "2024-01-15T10:00:00Z", "message": id, "level": "ERROR"}})
            };
            (
                200,
                json!({"hits": {"hits": [hit("a"), hit("b")]}}).to_string(),
            )
        }
    });
    let source = SearchSource::new(&settings(&url, "logs-*")).expect("source");
    let page = source
        .fetch_page(Some(&json!([1_705_312_800_000_i64, "z"])), base(), 2)
        .expect("page after the fallback");
    assert_eq!(source.tiebreak(), Tiebreak::ExcludeIds);
    assert_eq!(page.records.len(), 2);
    assert_eq!(
        page.cursor,
        Some(json!({"after": 1_705_312_800_000_i64, "ids": ["z", "b", "a"]}))
    );
    let requests = seen.received();
    assert_eq!(requests.len(), 2);
    let retry: Value = serde_json::from_str(&requests[1].body).expect("JSON");
    assert_eq!(
        retry["query"]["bool"]["must_not"],
        json!([{"ids": {"values": ["z"]}}])
    );
}
