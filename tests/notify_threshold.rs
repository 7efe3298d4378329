//! `service set ID --notify-threshold N/DURATION` (issue 28, part 4): a new cluster is told
//! only once N of its events fall within DURATION of log time, then once.

mod common;

use std::path::{Path, PathBuf};

use common::{json, Luffy};
use serde_json::Value;

/// A service `web` reading `app.log`, told through a webhook no one listens on (its outbox
/// rows stay, retrying).
fn setup(threshold: &str) -> (Luffy, PathBuf) {
    let (luffy, log) = Luffy::with_app_log();
    luffy.unheard_webhook("web", &["--notify-threshold", threshold]);
    (luffy, log)
}

/// A frameless error at 10:MM (log time): one cluster.
fn line(minute: u32) -> String {
    format!("2024-01-15 10:{minute:02}:00,000 ERROR web: cache node unreachable\n")
}

fn append(luffy: &Luffy, log: &Path, minutes: &[u32]) {
    let text: String = minutes.iter().map(|m| line(*m)).collect();
    common::append(log, &text);
    luffy.ok(&["trigger", "fetch", "web"]);
}

/// The outbox's `(cluster, event)`s, oldest first.
fn outbox(luffy: &Luffy) -> Vec<(i64, String)> {
    let list = json(&luffy.ok(&["notify", "list", "--json"]));
    let mut out: Vec<(i64, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["cluster_id"].as_i64().unwrap(),
                n["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.reverse();
    out
}

#[test]
fn a_new_cluster_is_told_once_it_reaches_the_threshold_then_never_again() {
    let (luffy, log) = setup("3/10m");
    assert!(luffy
        .ok(&["service", "show", "web"])
        .contains("threshold       3/10m"));

    append(&luffy, &log, &[1]);
    assert_eq!(outbox(&luffy), []);
    let shown = json(&luffy.ok(&["cluster", "show", "1", "--json"]));
    assert_eq!(
        shown["notify_pending"],
        serde_json::json!({"count": 3, "seconds": 600, "threshold": "3/10m", "so_far": 1})
    );

    // two more, but 20 minutes on: no window of 10 minutes holds three
    append(&luffy, &log, &[21, 23]);
    assert_eq!(outbox(&luffy), []);
    assert!(luffy
        .ok(&["cluster", "show", "1"])
        .contains("notification: waiting for 3 events within 10m (2 so far)\n"));

    // the third within the window: told, once
    append(&luffy, &log, &[31]);
    assert_eq!(outbox(&luffy), [(1, "new_cluster".to_string())]);
    let shown = json(&luffy.ok(&["cluster", "show", "1", "--json"]));
    assert_eq!(shown["notify_pending"], Value::Null);
    assert!(!luffy
        .ok(&["cluster", "show", "1"])
        .contains("notification: waiting"));

    append(&luffy, &log, &[32, 33, 34]);
    assert_eq!(outbox(&luffy), [(1, "new_cluster".to_string())]);
}

#[test]
fn a_cluster_that_reaches_the_threshold_in_its_first_batch_is_told_at_once() {
    let (luffy, log) = setup("2/1m");
    append(&luffy, &log, &[5, 5]);
    assert_eq!(outbox(&luffy), [(1, "new_cluster".to_string())]);
    let shown = json(&luffy.ok(&["cluster", "show", "1", "--json"]));
    assert_eq!(shown["notify_pending"], Value::Null);
}

#[test]
fn the_default_tells_every_new_cluster_at_once() {
    let (luffy, log) = Luffy::with_app_log();
    luffy.unheard_webhook("web", &[]);
    let shown = json(&luffy.ok(&["service", "show", "web", "--json"]));
    assert_eq!(shown["notification_threshold"], "1/1m");
    append(&luffy, &log, &[1]);
    assert_eq!(outbox(&luffy), [(1, "new_cluster".to_string())]);
}

#[test]
fn ignoring_a_waiting_cluster_drops_its_notification() {
    let (luffy, log) = setup("3/10m");
    append(&luffy, &log, &[1]);
    luffy.ok(&["cluster", "ignore", "1"]);
    append(&luffy, &log, &[2, 3, 4]);
    assert_eq!(outbox(&luffy), []);
}

#[test]
fn the_threshold_exports_and_imports() {
    let (luffy, _log) = setup("5/2h");
    let exported = luffy.ok(&["service", "export", "web", "--format", "json"]);
    assert_eq!(json(&exported)[0]["notification_threshold"], "5/2h");
    let toml = luffy.ok(&["service", "export", "web"]);
    assert!(toml.contains("notification_threshold = \"5/2h\""), "{toml}");

    let other = Luffy::new();
    let file = other.file("web.toml", &toml);
    other.ok(&["service", "import", file.to_str().unwrap()]);
    let shown = json(&other.ok(&["service", "show", "web", "--json"]));
    assert_eq!(shown["notification_threshold"], "5/2h");

    // a bad one in a file is refused, naming it, and nothing is written
    let bad = other.file(
        "bad.json",
        r#"[{"id": "api", "notification_threshold": "0/5m"}]"#,
    );
    let err = other.fails(&["service", "import", bad.to_str().unwrap()], 2);
    assert!(err.contains("notification_threshold"), "{err}");
    assert!(err.contains("at least 1"), "{err}");
    assert!(!other.ok(&["service", "list"]).contains("api"));
}

#[test]
fn bad_thresholds_exit_2_naming_them_and_write_nothing() {
    let (luffy, _log) = setup("3/10m");
    let before = luffy.snapshot();
    for (value, message) in [
        ("0/5m", "the count must be at least 1"),
        ("-1/5m", "the count must be at least 1"),
        ("5", "'5' is not a rate"),
        ("x/5m", "'x' is not a number of events"),
        ("5/0m", "is zero"),
        ("5/later", "'later' is not a duration"),
    ] {
        let err = luffy.fails(&["service", "set", "web", "--notify-threshold", value], 2);
        assert!(err.contains("--notify-threshold"), "{value}: {err}");
        assert!(err.contains(message), "{value}: {err}");
    }
    assert_eq!(luffy.snapshot(), before);
}
