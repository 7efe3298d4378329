//! Fetching from an OpenSearch-API server (a real `osmem-server` on 127.0.0.1) and from a command
//! through the real binary: exact counts across fetches, and exactly-once counting when luffy is
//! killed mid-fetch.

mod common;

use common::json;

use common::kills::{Plan, Rng};
use common::{start_osmem, Luffy};
use serde_json::{json, Value};

/// Indexes docs `from..to` over two daily indices; every third doc is an ERROR (every sixth with a
/// Python traceback in `error.stack_trace`), the rest INFO. Returns (frameless, traced) errors.
fn index_docs(url: &str, from: usize, to: usize) -> (u64, u64) {
    let (mut frameless, mut traced) = (0, 0);
    let mut body = String::new();
    for i in from..to {
        // One record a second from 2024-01-15T23:00:00Z: two daily indices, times only grow.
        let at = chrono::DateTime::parse_from_rfc3339("2024-01-15T23:00:00Z").unwrap()
            + chrono::Duration::milliseconds(i as i64 * 1000 + (i % 7) as i64);
        let day = at.format("%d").to_string();
        let time = at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let mut doc =
            json!({"@timestamp": time, "level": "INFO", "message": format!("GET /items/{i} 200")});
        if i % 3 == 0 {
            doc["level"] = json!("ERROR");
            if i % 6 == 0 {
                doc["message"] = json!("request failed");
                doc["error"] = json!({"stack_trace": format!(
                    "Traceback (most recent call last):\n  File \"/app/api.py\", line {}, in handler\n    load()\n  File \"/app/db.py\", line 9, in load\n    raise KeyError(k)\nKeyError: 'item-{i}'", 10 + i % 3)});
                traced += 1;
            } else {
                doc["message"] = json!(format!(
                    "connection to 10.0.{}.{}:5432 refused after {} retries",
                    i % 9,
                    i % 200,
                    i % 7
                ));
                frameless += 1;
            }
        }
        body.push_str(&json!({"index": {"_index": format!("logs-web-2024.01.{day}")}}).to_string());
        body.push('\n');
        body.push_str(&doc.to_string());
        body.push('\n');
    }
    let mut reply = ureq::post(format!("{url}/_bulk?refresh=true"))
        .content_type("application/json")
        .send(body)
        .expect("bulk index");
    let answer: Value =
        serde_json::from_str(&reply.body_mut().read_to_string().expect("body")).expect("JSON");
    assert_eq!(answer["errors"], json!(false), "{answer}");
    (frameless, traced)
}

fn expected(frameless: u64, traced: u64) -> Vec<(String, u64)> {
    vec![
        ("KeyError: 'item-0'".to_string(), traced),
        (
            "connection to <IP> refused after <NUM> retries".to_string(),
            frameless,
        ),
    ]
}

fn with_opensearch_source(url: &str) -> Luffy {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "es",
        "--kind",
        "opensearch",
        "--url",
        url,
        "--index",
        "logs-web-*",
        "--stack-field",
        "error.stack_trace",
        "--since",
        "2024-01-01T00:00:00Z",
    ]);
    luffy
}

#[test]
fn opensearch_fetches_exact_counts_across_runs() {
    let server = start_osmem();
    let (mut frameless, mut traced) = index_docs(&server.url, 0, 3000);
    let luffy = with_opensearch_source(&server.url);
    let report = json(&luffy.ok(&["trigger", "fetch", "web", "--json"]));
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(report["counts"]["events"], frameless + traced);
    assert_eq!(
        report["counts"]["lines"],
        frameless + traced,
        "only errors are asked for"
    );
    assert_eq!(luffy.cluster_counts(), expected(frameless, traced));
    let (more_frameless, more_traced) = index_docs(&server.url, 3000, 4500);
    frameless += more_frameless;
    traced += more_traced;
    let report = json(&luffy.ok(&["trigger", "fetch", "web", "--json"]));
    assert_eq!(report["counts"]["events"], more_frameless + more_traced);
    assert_eq!(luffy.cluster_counts(), expected(frameless, traced));
    let report = json(&luffy.ok(&["trigger", "fetch", "web", "--json"]));
    assert_eq!(report["counts"]["events"], 0);
    let test = luffy.ok(&["source", "test", "web", "es"]);
    assert!(test.contains("logs-web-*"), "{test}");
}

#[test]
fn opensearch_errors_fail_the_run_clearly() {
    let server = start_osmem();
    index_docs(&server.url, 0, 30);
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "missing",
        "--kind",
        "opensearch",
        "--url",
        &server.url,
        "--index",
        "nothing-*",
    ]);
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(
        err.contains("source missing:") && err.contains("nothing-*"),
        "{err}"
    );
    luffy.ok(&["source", "set", "web", "missing", "--active", "off"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "down",
        "--kind",
        "opensearch",
        "--url",
        "http://127.0.0.1:9",
        "--index",
        "logs-*",
    ]);
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(
        err.contains("source down:") && err.contains("127.0.0.1:9"),
        "{err}"
    );
    luffy.ok(&["source", "set", "web", "down", "--active", "off"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "secret",
        "--kind",
        "opensearch",
        "--url",
        &server.url,
        "--index",
        "logs-*",
        "--username",
        "luffy",
        "--password-env",
        "LUFFY_TEST_UNSET_PASSWORD",
    ]);
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(err.contains("LUFFY_TEST_UNSET_PASSWORD"), "{err}");
    let sources = json(&luffy.ok(&["source", "list", "--json"]));
    assert!(
        sources
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["cursor"].is_null()),
        "no cursor moved"
    );
}

/// Kills `luffy trigger fetch` with SIGKILL at random moments while it pages through the index,
/// each mid-fetch (some but not all of its pages committed), then lets a fetch finish: the counts equal the errors in the index, every time.
#[test]
fn killed_opensearch_fetches_count_exactly_once() {
    let server = start_osmem();
    let (frameless, traced) = index_docs(&server.url, 0, 12_000);
    let luffy = with_opensearch_source(&server.url);
    let mut rng = Rng::from_env();
    let plan = Plan {
        args: &["trigger", "fetch", "web"],
        batch: "97",
        kills: 6,
        total: frameless + traced,
    };
    let stored = luffy.kill_mid_fetch(&plan, &mut rng);
    let partial: u64 = json(&luffy.ok(&["clusters", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    eprintln!(
        "{partial} of {} events were counted before the last fetch",
        frameless + traced
    );
    assert_eq!(
        Some(&partial),
        stored.last(),
        "clusters count the events stored; replay: {}",
        rng.replay()
    );
    let report = json(&luffy.ok(&["trigger", "fetch", "web", "--json"]));
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(
        luffy.cluster_counts(),
        expected(frameless, traced),
        "replay: {}",
        rng.replay()
    );
}

#[test]
fn command_sources_run_without_a_shell_and_pass_since() {
    let luffy = Luffy::new();
    let log = luffy.file(
        "app.log",
        "2024-01-15 10:00:00 ERROR db: connection to 10.0.0.1:5432 refused after 1 retries\n\
         2024-01-15 10:00:01 INFO web: ok\n",
    );
    let script = luffy.file(
        "since.py",
        "import sys\nprint('# since', sys.argv[1], file=sys.stderr)\nsys.stdout.write(open(sys.argv[2]).read())\n",
    );
    luffy.ok(&["service", "add", "web"]);
    let command = format!("python3 {} {{since}} {}", script.display(), log.display());
    luffy.ok(&[
        "source",
        "add",
        "web",
        "cmd",
        "--kind",
        "command",
        "--command",
        &command,
        "--timeout",
        "20s",
    ]);
    let report = json(&luffy.ok(&["trigger", "fetch", "web", "--json"]));
    assert_eq!(report["counts"]["lines"], 2);
    assert_eq!(report["counts"]["events"], 1);
    let sources = json(&luffy.ok(&["source", "list", "--json"]));
    assert_eq!(sources[0]["cursor"]["since"], "2024-01-15T10:30:00Z");
    luffy.ok(&[
        "source",
        "add",
        "web",
        "nope",
        "--kind",
        "command",
        "--command",
        "/nonexistent/tool --x",
    ]);
    let err = luffy.fails(&["trigger", "fetch", "web"], 1);
    assert!(
        err.contains("source nope:") && err.contains("/nonexistent/tool"),
        "{err}"
    );
}
