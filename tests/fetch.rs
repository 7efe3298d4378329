//! Fetching from file sources through the real binary: counts, incremental reads, rotation,
//! truncation, regressions, bad input, and exactly-once counting when luffy is killed mid-fetch.

mod common;

use common::{append, append_live, json};

use std::fmt::Write as _;

use common::kills::{Plan, Rng};
use common::Luffy;
use serde_json::Value;

const TRACE: &str = "2024-01-15 10:00:02,003 ERROR web: request failed
Traceback (most recent call last):
  File \"/app/api.py\", line 10, in handler
    do()
  File \"/app/db.py\", line 5, in do
    raise ValueError('bad 42')
ValueError: bad 42
";

fn refused(n: u32, ip: &str) -> String {
    format!(
        "2024-01-15 10:{n:02}:01,002 ERROR db: connection to {ip}:5432 refused after {n} retries\n"
    )
}

/// A service `web` with a file source on `app.log`, not written yet.
fn setup() -> (Luffy, std::path::PathBuf) {
    let luffy = Luffy::new();
    let log = luffy.path("app.log");
    luffy.watch_file("web", "app", &log);
    (luffy, log)
}

fn fetch(luffy: &Luffy) -> Value {
    json(&luffy.ok(&["trigger", "fetch", "web", "--json"]))
}

#[test]
fn groups_errors_and_drops_lower_levels() {
    let (luffy, log) = setup();
    append(&log, "2024-01-15 10:00:00,001 INFO web: started\n");
    append(&log, &refused(3, "10.2.3.4"));
    append(&log, TRACE);
    append(&log, &refused(5, "10.9.9.9"));
    append(&log, "2024-01-15 10:00:04,005 WARN web: slow\n");
    let report = fetch(&luffy);
    assert_eq!(report["status"], "ok");
    assert_eq!(report["counts"]["lines"], 11);
    assert_eq!(report["counts"]["records"], 5);
    assert_eq!(report["counts"]["events"], 3);
    assert_eq!(report["counts"]["new_clusters"], 2);
    assert_eq!(report["counts"]["dropped"], 2);
    assert_eq!(
        luffy.cluster_counts(),
        vec![
            ("ValueError: bad 42".to_string(), 1),
            (
                "db: connection to <IP> refused after <NUM> retries".to_string(),
                2
            ),
        ]
    );
    let clusters = json(&luffy.ok(&["clusters", "web", "--json"]));
    let exception = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "exception")
        .unwrap();
    assert_eq!(exception["exception_type"], "ValueError");
    assert_eq!(exception["first_seen"], "2024-01-15T10:00:02.003Z");
    let id = exception["id"].as_i64().unwrap().to_string();
    let shown = json(&luffy.ok(&["cluster", "show", &id, "--json"]));
    let frames = shown["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0]["function"], "do");
    assert_eq!(frames[0]["path"], "/app/db.py");
    assert_eq!(frames[0]["line"], 5);
    assert_eq!(frames[0]["in_app"], true);
    assert_eq!(shown["fingerprint_inputs"]["by_frames"], true);
    assert!(shown["samples"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["role"] == "first"));
    let text = luffy.ok(&["cluster", "show", &id]);
    assert!(text.contains("why these events are grouped:"), "{text}");
    assert!(text.contains("at do (/app/db.py)"), "{text}");
    let status = json(&luffy.ok(&["status", "web", "--json"]));
    assert_eq!(status["last_log_fetch"], "2024-01-15T10:30:00Z");
    assert_eq!(status["open_clusters"], 2);
    assert_eq!(status["log_sources_count"], 1);
}

#[test]
fn a_trace_without_a_time_takes_the_time_of_the_record_before() {
    let (luffy, log) = setup();
    append(&log, "2024-01-15 10:00:00,001 INFO web: started\n");
    // dropped (below the threshold), but its time is the panic's
    append(
        &log,
        "2024-01-15 10:00:07,250 INFO web: handling /items/3\n",
    );
    append(
        &log,
        "panic: runtime error: index out of range [3] with length 3\n\n\
         goroutine 1 [running]:\nmain.handle(...)\n\t/app/main.go:12 +0x1d\n\
         main.main()\n\t/app/main.go:5 +0x25\n",
    );
    // right after another record without a time: the reading time, as before
    append(
        &log,
        "Traceback (most recent call last):\n  File \"/app/job.py\", line 3, in run\n    \
         go()\nKeyError: 'x'\n",
    );
    // (a record after it ends it: the last record of a file just written waits for its rest)
    append(&log, "2024-01-15 10:29:59,000 INFO web: next\n");
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["events"], 2, "{report}");
    let clusters = json(&luffy.ok(&["clusters", "web", "--json"]));
    let seen = |ty: &str| {
        let cluster = clusters
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["exception_type"] == ty)
            .unwrap_or_else(|| panic!("no {ty} cluster in {clusters}"));
        (cluster["first_seen"].clone(), cluster["last_seen"].clone())
    };
    assert_eq!(
        seen("panic"),
        (
            "2024-01-15T10:00:07.250Z".into(),
            "2024-01-15T10:00:07.250Z".into()
        )
    );
    assert_eq!(
        seen("KeyError"),
        (
            "2024-01-15T10:30:00.000Z".into(),
            "2024-01-15T10:30:00.000Z".into()
        )
    );
}

#[test]
fn reads_only_what_is_new_and_waits_for_partial_lines() {
    let (luffy, log) = setup();
    append(&log, &refused(1, "10.0.0.1"));
    fetch(&luffy);
    assert_eq!(fetch(&luffy)["counts"]["lines"], 0);
    append(&log, &refused(2, "10.0.0.2"));
    append_live(
        &log,
        "2024-01-15 10:03:01,002 ERROR db: connection to 10.0.0.3:5432 ref",
    );
    let report = fetch(&luffy);
    // the partial line waits, and so does the last record before it: the file is being written
    assert_eq!(report["counts"]["lines"], 0, "the partial line waits");
    append(&log, "used after 3 retries\n");
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["lines"], 2);
    assert_eq!(report["counts"]["events"], 2);
    assert_eq!(luffy.cluster_counts()[0].1, 3);
}

#[test]
fn the_level_threshold_and_app_paths_are_per_service() {
    let (luffy, log) = setup();
    luffy.ok(&[
        "service",
        "set",
        "web",
        "--levels",
        "warn",
        "--app-path",
        "/app/api.py",
    ]);
    let shown = json(&luffy.ok(&["service", "show", "web", "--json"]));
    assert_eq!(shown["level_threshold"], "WARN");
    assert_eq!(shown["app_paths"], serde_json::json!(["/app/api.py"]));
    append(&log, "2024-01-15 10:00:04,005 WARN web: slow request\n");
    append(&log, TRACE);
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["events"], 2);
    let clusters = json(&luffy.ok(&["clusters", "--json"]));
    let exception = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "exception")
        .unwrap();
    let id = exception["id"].as_i64().unwrap().to_string();
    let shown = json(&luffy.ok(&["cluster", "show", &id, "--json"]));
    let in_app: Vec<bool> = shown["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["in_app"].as_bool().unwrap())
        .collect();
    assert_eq!(
        in_app,
        vec![false, true],
        "only /app/api.py is application code"
    );
    let err = luffy.fails(&["service", "set", "web", "--levels", "loud"], 2);
    assert!(err.contains("'loud' is not a level"), "{err}");
    luffy.ok(&["service", "set", "web", "--app-path", "none"]);
    assert_eq!(
        json(&luffy.ok(&["service", "show", "web", "--json"]))["app_paths"],
        serde_json::json!([])
    );
}

#[test]
fn source_test_reports_files_or_a_precise_error() {
    let (luffy, log) = setup();
    let err = luffy.fails(&["source", "test", "web", "app"], 1);
    assert!(
        err.contains("cannot read log file") && err.contains("app.log"),
        "{err}"
    );
    append(&log, "0123456789\n");
    let out = luffy.ok(&["source", "test", "web", "app"]);
    assert_eq!(
        out,
        format!(
            "{} matches 1 file(s):\n  {}  11 bytes\n\n\
             first records as read (lines: plain):\n\
             TIME  LEVEL  LOGGER  MESSAGE\n\
             -     -      -       0123456789\n",
            log.display(),
            log.display()
        )
    );
}

#[test]
fn json_lines_use_their_fields() {
    let (luffy, log) = setup();
    append(
        &log,
        r#"{"@timestamp":"2024-01-15T10:00:00.250Z","log":{"level":"error","logger":"pay"},"message":"charge failed","error":{"stack_trace":"java.lang.IllegalStateException: order 7 is not payable\n\tat com.acme.pay.OrderService.pay(OrderService.java:120)\n\tat com.acme.pay.PayController.post(PayController.java:57)"}}"#,
    );
    append(&log, "\n");
    append(
        &log,
        r#"{"level":50,"time":1705312800000,"msg":"upstream 10.0.0.7 returned 502","name":"gateway"}"#,
    );
    append(&log, "\n");
    append(&log, r#"{"level":30,"time":1705312800000,"msg":"ok"}"#);
    append(&log, "\n");
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["events"], 2, "{report}");
    assert_eq!(report["counts"]["dropped"], 1);
    let clusters = json(&luffy.ok(&["clusters", "--json"]));
    let exception = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "exception")
        .unwrap();
    assert_eq!(
        exception["exception_type"],
        "java.lang.IllegalStateException"
    );
    assert_eq!(exception["first_seen"], "2024-01-15T10:00:00.250Z");
    let template = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "template")
        .unwrap();
    assert_eq!(template["title"], "upstream <IP> returned <NUM>");
    assert_eq!(template["first_seen"], "2024-01-15T10:00:00.000Z");
}

#[test]
fn follows_rotation_and_truncation() {
    let (luffy, log) = setup();
    append(&log, &refused(1, "10.0.0.1"));
    fetch(&luffy);
    append(&log, &refused(2, "10.0.0.2"));
    std::fs::rename(&log, luffy.path("app.log.1")).unwrap();
    append(&log, &refused(3, "10.0.0.3"));
    let report = fetch(&luffy);
    assert_eq!(
        report["counts"]["events"], 2,
        "rest of the rotated file, then the new one"
    );
    assert_eq!(luffy.cluster_counts()[0].1, 3);
    // copytruncate: the file is emptied in place, then written again
    std::fs::write(&log, refused(4, "10.0.0.4")).unwrap();
    common::settle(&log);
    let report = fetch(&luffy);
    assert_eq!(report["counts"]["events"], 1);
    assert_eq!(luffy.cluster_counts()[0].1, 4);
}

#[test]
fn a_resolved_cluster_that_occurs_again_regresses() {
    let (luffy, log) = setup();
    append(&log, TRACE);
    fetch(&luffy);
    luffy.ok(&["cluster", "resolve", "1"]);
    assert_eq!(
        json(&luffy.ok(&["clusters", "--json", "--status", "open"])),
        json("[]")
    );
    append(&log, &TRACE.replace("10:00:02", "10:20:02"));
    assert_eq!(fetch(&luffy)["counts"]["regressed"], 1);
    let cluster = &json(&luffy.ok(&["clusters", "--json"]))[0];
    assert_eq!(cluster["status"], "open");
    assert_eq!(cluster["regressed"], true);
    assert_eq!(cluster["count"], 2);
    assert_eq!(cluster["last_seen"], "2024-01-15T10:20:02.003Z");
    luffy.ok(&["cluster", "ignore", "1"]);
    assert_eq!(
        json(&luffy.ok(&["clusters", "--json", "--status", "ignored"]))[0]["id"],
        1
    );
    let err = luffy.fails(&["cluster", "show", "99"], 2);
    assert!(err.contains("no cluster 99"), "{err}");
}

#[test]
fn bad_lines_are_counted_not_fatal() {
    let (luffy, log) = setup();
    let mut bytes = b"2024-01-15 10:00:00 ERROR bin: \xff\xfe garbage \x00\x01\n".to_vec();
    bytes.extend_from_slice(
        format!("2024-01-15 10:00:01 ERROR big: {}\n", "x".repeat(10 << 20)).as_bytes(),
    );
    bytes.extend_from_slice(b"{\"level\": \"error\", \"msg\": \"unterminated\n");
    bytes.extend_from_slice(b"Traceback (most recent call last):\n  File \"/app/x.py\", line 1, in <module>\nKeyError: 'id'\n");
    bytes.extend_from_slice(b"2031-01-01 00:00:00 ERROR clock: from the future\n");
    bytes.extend_from_slice(b"2024-01-15 10:00:05 ERROR tz: no zone means UTC\n");
    std::fs::write(&log, &bytes).unwrap();
    common::settle(&log);
    let report = fetch(&luffy);
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(report["counts"]["invalid_utf8"], 1);
    assert_eq!(report["counts"]["long_lines"], 1);
    assert_eq!(report["counts"]["future_times"], 1);
    let clusters = json(&luffy.ok(&["clusters", "--json"]));
    let titles: Vec<&str> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().any(|t| t.starts_with("KeyError")),
        "{titles:?}"
    );
    let tz = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().contains("zone"))
        .unwrap();
    assert_eq!(tz["first_seen"], "2024-01-15T10:00:05.000Z");
    let future = clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().contains("future"))
        .unwrap();
    assert_eq!(
        future["first_seen"], "2024-01-15T10:30:00.000Z",
        "the reading time replaces a future time"
    );
}

#[test]
fn source_errors_fail_the_run_and_keep_the_cursor() {
    let luffy = Luffy::new();
    let glob = luffy.path("logs/*.log");
    luffy.watch_file("web", "app", &glob);
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(err.contains("matches no file"), "{err}");
    let history = json(&luffy.ok(&["history", "web", "--json"]));
    assert_eq!(history[0]["status"], "failed");
    assert!(
        history[0]["error"]
            .as_str()
            .unwrap()
            .contains("source app: glob"),
        "{history}"
    );
    let sources = json(&luffy.ok(&["source", "list", "web", "--json"]));
    assert_eq!(sources[0]["cursor"], Value::Null);
    std::fs::create_dir(luffy.path("logs")).unwrap();
    append(&luffy.path("logs/a.log"), &refused(1, "10.0.0.1"));
    fetch(&luffy);
    assert_eq!(luffy.cluster_counts()[0].1, 1);
}

#[test]
fn source_commands_validate_their_input() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let before = luffy.snapshot();
    for (args, why) in [
        (
            &["source", "add", "web", "k", "--kind", "kafka"][..],
            "unknown log source kind 'kafka'",
        ),
        (
            &["source", "add", "web", "f", "--kind", "file"],
            "a file source needs --path",
        ),
        (
            &["source", "add", "web", "es", "--kind", "elasticsearch"],
            "an elasticsearch source needs --url",
        ),
        (
            &[
                "source", "add", "web", "f", "--kind", "file", "--path", "/x", "--index", "i",
            ],
            "--index does not apply to a file source",
        ),
        (
            &[
                "source", "add", "wbe", "f", "--kind", "file", "--path", "/x",
            ],
            "did you mean 'web'",
        ),
        (
            &[
                "source", "add", "web", "bad name", "--kind", "file", "--path", "/x",
            ],
            "source name 'bad name'",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "o",
                "--kind",
                "opensearch",
                "--url",
                "localhost:9200",
                "--index",
                "x",
            ],
            "not an http(s) URL",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "o",
                "--kind",
                "opensearch",
                "--url",
                "http://h",
                "--index",
                "x",
                "--password-env",
                "s3cr3t pw",
            ],
            "not an environment variable name",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "o",
                "--kind",
                "opensearch",
                "--url",
                "http://h",
                "--index",
                "x",
                "--password-env",
                "PW",
            ],
            "--password-env needs --username",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "o",
                "--kind",
                "opensearch",
                "--url",
                "http://h",
                "--index",
                "x",
                "--query",
                "{bad",
            ],
            "--query is not valid JSON",
        ),
        (
            &[
                "source", "add", "web", "l", "--kind", "loki", "--url", "http://h", "--query",
                "app=web",
            ],
            "not a LogQL selector",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "c",
                "--kind",
                "command",
                "--command",
                "journalctl 'unclosed",
            ],
            "unclosed quote",
        ),
        (
            &[
                "source",
                "add",
                "web",
                "c",
                "--kind",
                "command",
                "--command",
                "x",
                "--since",
                "yesterday",
            ],
            "'--since'",
        ),
        (
            &["source", "rm", "web", "nothing"],
            "has no source 'nothing'",
        ),
    ] {
        let err = luffy.fails(args, 2);
        assert!(err.contains(why), "{args:?}: {why:?} not in {err}");
    }
    assert_eq!(luffy.snapshot(), before);
    assert_eq!(luffy.ok(&["source", "list", "--json"]), "[]\n");
}

#[test]
fn source_add_set_list_rm() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let out = luffy.ok(&[
        "source",
        "add",
        "web",
        "es",
        "--kind",
        "opensearch",
        "--url",
        "http://127.0.0.1:9200",
        "--index",
        "logs-web-*",
        "--password-env",
        "ES_PASSWORD",
        "--username",
        "luffy",
        "--since",
        "2h",
    ]);
    assert_eq!(
        out,
        "added opensearch source web/es: http://127.0.0.1:9200 logs-web-*\n"
    );
    luffy.ok(&[
        "source",
        "add",
        "web",
        "journal",
        "--kind",
        "command",
        "--command",
        "journalctl -u web -o json --since {since}",
        "--timeout",
        "30s",
    ]);
    assert_eq!(
        luffy.ok(&["source", "set", "web", "es", "--index", "logs-api-*"]),
        "updated source web/es\n"
    );
    let list = json(&luffy.ok(&["source", "list", "--json"]));
    assert_eq!(list[0]["name"], "es");
    assert_eq!(list[0]["settings"]["index"], "logs-api-*");
    assert_eq!(list[0]["settings"]["password_env"], "ES_PASSWORD");
    assert_eq!(list[0]["settings"]["timestamp_field"], "@timestamp");
    assert_eq!(
        list[1]["settings"]["argv"],
        serde_json::json!([
            "journalctl",
            "-u",
            "web",
            "-o",
            "json",
            "--since",
            "{since}"
        ])
    );
    assert_eq!(list[1]["settings"]["timeout_seconds"], 30);
    let status = json(&luffy.ok(&["status", "web", "--json"]));
    assert_eq!(status["log_sources_count"], 2);
    luffy.ok(&["source", "set", "web", "journal", "--active", "off"]);
    assert_eq!(
        json(&luffy.ok(&["status", "web", "--json"]))["active_log_sources"],
        1
    );
    assert_eq!(
        luffy.ok(&["source", "rm", "web", "journal"]),
        "removed source web/journal\n"
    );
    assert_eq!(
        json(&luffy.ok(&["source", "list", "web", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_live_lease_makes_a_second_fetch_skip() {
    let (luffy, log) = setup();
    append(&log, &refused(1, "10.0.0.1"));
    luffy.ok(&["status"]);
    luffy
        .write_db()
        .execute(
            "INSERT INTO leases VALUES ('web', 'fetch', 'otherhost:1:0', '2099-01-01T00:00:00Z')",
            [],
        )
        .expect("insert a lease");
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(
        err.contains("another luffy process is fetching web"),
        "{err}"
    );
    assert_eq!(
        json(&luffy.ok(&["history", "--json"]))[0]["status"],
        "skipped"
    );
    assert_eq!(json(&luffy.ok(&["clusters", "--json"])), json("[]"));
}

/// Kills `luffy trigger fetch` with SIGKILL at random moments, many times, each mid-fetch (some
/// but not all of its batches committed), then lets a fetch finish: every cluster's count must
/// equal the number of its records in the file.
#[test]
fn killed_fetches_count_every_record_exactly_once() {
    let (luffy, log) = setup();
    let mut text = String::new();
    let (mut a, mut b, mut c) = (0u64, 0u64, 0u64);
    for i in 0..60_000u32 {
        match i % 10 {
            0 => {
                text.push_str(&refused(i % 60, &format!("10.0.{}.{}", i % 200, i % 250)));
                a += 1;
            }
            3 => {
                text.push_str(TRACE);
                b += 1;
            }
            7 => {
                let _ = writeln!(
                    text,
                    "2024-01-15 10:00:00 FATAL disk: volume /dev/sd{} is full",
                    i % 7
                );
                c += 1;
            }
            _ => {
                let _ = writeln!(text, "2024-01-15 10:00:00 INFO web: GET /items/{i} 200");
            }
        }
    }
    append(&log, &text);
    // Notifications are written with the batches: nothing listens on port 9, so they stay.
    luffy.ok(&[
        "service",
        "set",
        "web",
        "--webhook",
        "http://127.0.0.1:9/hook",
    ]);
    let mut rng = Rng::from_env();
    let kills = 8;
    let plan = Plan {
        args: &["trigger", "fetch", "web"],
        batch: "997",
        kills,
        total: a + b + c,
    };
    let stored = luffy.kill_mid_fetch(&plan, &mut rng);
    let partial = json(&luffy.ok(&["clusters", "--json"]));
    let counted: u64 = partial
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    eprintln!(
        "{counted} of {} events were counted before the last fetch",
        a + b + c
    );
    assert_eq!(
        Some(&counted),
        stored.last(),
        "clusters count the events stored; replay: {}",
        rng.replay()
    );
    let report = fetch(&luffy);
    assert_eq!(report["status"], "ok", "{report}");
    let got = luffy.cluster_counts();
    assert_eq!(
        got,
        vec![
            ("ValueError: bad 42".to_string(), b),
            (
                "db: connection to <IP> refused after <NUM> retries".to_string(),
                a
            ),
            ("disk: volume <PATH> is full".to_string(), c),
        ],
        "replay: {}",
        rng.replay()
    );
    // Each cluster's new_cluster notification was written once, with the batch that created it.
    let notified: Vec<(String, String, i64)> = luffy
        .read_db()
        .prepare(
            "SELECT c.title, n.event, COUNT(*) FROM notifications n JOIN clusters c
             ON c.id = n.cluster_id GROUP BY n.cluster_id, n.event ORDER BY c.title",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let once = |title: &str| (title.to_string(), "new_cluster".to_string(), 1);
    assert_eq!(
        notified,
        [
            once("ValueError: bad 42"),
            once("db: connection to <IP> refused after <NUM> retries"),
            once("disk: volume <PATH> is full"),
        ],
        "replay: {}",
        rng.replay()
    );
    let history = json(&luffy.ok(&["history", "--json", "--limit", "100"]));
    let interrupted = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("interrupted"))
        })
        .count();
    let running = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "running")
        .count();
    assert_eq!(
        running, 0,
        "runs of killed processes are closed as interrupted"
    );
    eprintln!("{interrupted} runs were interrupted");
    assert_eq!(interrupted, kills, "each kill interrupted one run");
}

#[test]
fn a_file_source_that_names_no_file_is_added_with_a_warning() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    let missing = luffy.path("no/such.log");
    let missing = missing.to_str().unwrap();
    let add = luffy.run(&[
        "source", "add", "web", "app", "--kind", "file", "--path", missing,
    ]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(
        add.stdout,
        format!("added file source web/app: {missing}\n")
    );
    assert_eq!(
        add.stderr,
        format!(
            "luffy: warning: source web/app: cannot read log file {missing}: No such file or \
             directory (os error 2); its fetches fail until its path names a readable file \
             (check with `luffy source test web app`)\n"
        )
    );
    let sources = json(&luffy.ok(&["source", "list", "web", "--json"]));
    assert_eq!(sources[0]["settings"]["path"], missing, "{sources}");
    let glob = luffy.path("logs/*.log");
    let glob = glob.to_str().unwrap();
    let add = luffy.run(&[
        "source", "add", "web", "all", "--kind", "file", "--path", glob,
    ]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert!(
        add.stderr.starts_with(&format!(
            "luffy: warning: source web/all: glob {glob} matches no file; its fetches fail"
        )),
        "{}",
        add.stderr
    );
    // A path that names a file now: no warning, on add or set.
    let log = luffy.file("app.log", &refused(1, "10.0.0.1"));
    let log = log.to_str().unwrap();
    let set = luffy.run(&["source", "set", "web", "app", "--path", log]);
    assert_eq!((set.code, set.stderr.as_str()), (0, ""));
    let add = luffy.run(&[
        "source", "add", "web", "ok", "--kind", "file", "--path", log,
    ]);
    assert_eq!((add.code, add.stderr.as_str()), (0, ""));
    // Set to a path that names nothing: warned, and changed all the same.
    let set = luffy.run(&["source", "set", "web", "app", "--path", missing]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stderr.starts_with(&format!(
            "luffy: warning: source web/app: cannot read log file {missing}:"
        )),
        "{}",
        set.stderr
    );
    // With --json too: the warning goes to stderr, the JSON to stdout.
    let other = luffy.path("other.log");
    let other = other.to_str().unwrap();
    let set = luffy.run(&["source", "set", "web", "ok", "--path", other, "--json"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(json(&set.stdout)["settings"]["path"], other);
    assert!(
        set.stderr.starts_with(&format!(
            "luffy: warning: source web/ok: cannot read log file {other}:"
        )),
        "{}",
        set.stderr
    );
    let sources = json(&luffy.ok(&["source", "list", "web", "--json"]));
    let app = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "app")
        .unwrap();
    assert_eq!(app["settings"]["path"], missing, "{sources}");
}
