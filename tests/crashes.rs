//! Logs as the world writes them, read end to end through a file source: a crash printed bare
//! by its runtime is never lost for the level of the line before it, a trace whose every line
//! carries the logger's prefix is one event, and a trace cut short still has a title. The logs
//! are in `tests/data/formats/` (`crash_*.log` printed by the real runtimes where one installs
//! here, `stitched_*.log` in the shapes oslo.log, rsyslog, logcat and php-fpm write).

mod common;

use common::Luffy;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/formats");

/// A sandbox with a service `web` reading `log` (a finished file) from a file source, fetched
/// on 2026-11-28.
fn fetched(log: &str) -> Luffy {
    let mut luffy = Luffy::new();
    luffy.now = "2026-11-28T00:00:00Z".into();
    let path = luffy.file("app.log", log);
    luffy.watch_file("web", "app", &path);
    luffy.ok(&["trigger", "fetch", "web"]);
    luffy
}

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{name}")).unwrap()
}

/// Every cluster as `(title, count, first_seen)`, sorted by first-seen, then title.
fn clusters(luffy: &Luffy) -> Vec<(String, u64, String)> {
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let mut out: Vec<(String, u64, String)> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
                c["first_seen"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.2, &a.0).cmp(&(&b.2, &b.0)));
    out
}

fn row(title: &str, count: u64, first: &str) -> (String, u64, String) {
    (title.to_string(), count, first.to_string())
}

/// `cluster show --json` of the only cluster whose title starts with `title`.
fn shown(luffy: &Luffy, title: &str) -> Value {
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let found: Vec<&Value> = clusters
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["title"].as_str().unwrap().starts_with(title))
        .collect();
    assert_eq!(found.len(), 1, "{clusters}");
    let id = found[0]["id"].to_string();
    serde_json::from_str(&luffy.ok(&["cluster", "show", &id, "--json"])).unwrap()
}

/// The `(function, path, line)` of a shown cluster's frames.
fn frames(shown: &Value) -> Vec<(String, String, u64)> {
    shown["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["function"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn python_crashes_after_an_info_line_and_after_a_complete_traceback_are_their_own_events() {
    let luffy = fetched(&data("crash_python.log"));
    assert_eq!(
        clusters(&luffy),
        [
            // logger.exception(): the trace belongs to its ERROR record
            row("KeyError: 'amount'", 1, "2026-11-27T08:00:01.337Z"),
            // the uncaught crash right after it: its own event, at the time before it
            row(
                "ZeroDivisionError: division by zero",
                1,
                "2026-11-27T08:00:01.337Z"
            ),
            // after an INFO line: its own event, at the INFO line's time
            row("KeyError: 'customer'", 1, "2026-11-27T08:00:09.150Z"),
        ]
    );
    let crash = shown(&luffy, "ZeroDivisionError");
    assert_eq!(crash["level"], "ERROR");
    assert_eq!(
        frames(&crash)[0],
        (
            "charge".to_string(),
            "/srv/app/billing/worker.py".to_string(),
            8
        )
    );
    let sample = crash["samples"][0]["text"].as_str().unwrap();
    assert!(
        sample.starts_with("Traceback (most recent call last):"),
        "{sample}"
    );
    let after_info = shown(&luffy, "KeyError: 'customer'");
    let sample = after_info["samples"][0]["text"].as_str().unwrap();
    assert!(
        !sample.contains("loading order"),
        "the INFO line is not in it: {sample}"
    );
}

#[test]
fn jvm_node_php_dotnet_and_ruby_crashes_after_info_lines_are_events() {
    let luffy = fetched(&data("crash_java.log"));
    assert_eq!(
        clusters(&luffy),
        [
            // e.printStackTrace() after an INFO line
            row(
                "java.lang.IllegalStateException: card token missing",
                1,
                "2026-11-27T08:00:15.075Z"
            ),
            row(
                "java.lang.NullPointerException: Cannot invoke \"Object.toString()\" because \"<local1>\" is null",
                1,
                "2026-11-27T08:00:15.102Z"
            ),
        ]
    );
    let luffy = fetched(&data("crash_node.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "ReferenceError: undefinedTotal is not defined",
            1,
            "2026-11-27T08:00:15.499Z"
        )]
    );
    assert_eq!(
        frames(&shown(&luffy, "ReferenceError"))[0],
        ("handle".to_string(), "/srv/app/server.js".to_string(), 3)
    );
    let luffy = fetched(&data("crash_ruby.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "NoMethodError: undefined method 'total' for nil",
            1,
            "2026-11-27T08:00:20.101Z"
        )]
    );
    let luffy = fetched(&data("crash_php.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "RuntimeException: cart 17 is empty",
            1,
            "2026-11-27T08:00:30.000Z"
        )]
    );
    assert_eq!(
        frames(&shown(&luffy, "RuntimeException"))[0],
        (
            "App\\Cart->total".to_string(),
            "/var/www/src/Cart.php".to_string(),
            7
        )
    );
    // .NET's console logger writes no time: the crash is an event all the same
    let luffy = fetched(&data("crash_dotnet.log"));
    let found = clusters(&luffy);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].0,
        "System.InvalidOperationException: Sequence contains no elements"
    );
}

#[test]
fn a_trace_after_a_record_at_the_threshold_stays_its_trace() {
    let log = "2026-11-27 08:00:01,000 INFO app: start\n\
               2026-11-27 08:00:02,000 ERROR app: sync failed\n\
               Traceback (most recent call last):\n  \
               File \"/srv/app/sync.py\", line 4, in run\n    \
               pull()\n\
               ConnectionError: peer reset\n";
    let luffy = fetched(log);
    assert_eq!(
        clusters(&luffy),
        [row(
            "ConnectionError: peer reset",
            1,
            "2026-11-27T08:00:02.000Z"
        )]
    );
    let sample = shown(&luffy, "ConnectionError")["samples"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sample.starts_with("2026-11-27 08:00:02,000 ERROR app: sync failed\n"),
        "{sample}"
    );
}

#[test]
fn oslo_tracebacks_whose_every_line_carries_the_prefix_are_one_event() {
    let luffy = fetched(&data("stitched_oslo.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "libvirt.libvirtError: internal error: qemu unexpectedly closed the monitor",
            1,
            "2026-11-27T08:00:03.587Z"
        )]
    );
    let shown = shown(&luffy, "libvirt.libvirtError");
    assert_eq!(shown["logger"], "nova.compute.manager");
    let frames = frames(&shown);
    assert_eq!(frames.len(), 4, "{frames:?}");
    assert_eq!(
        frames[0],
        (
            "launch".to_string(),
            "/usr/lib/python3/dist-packages/nova/virt/libvirt/guest.py".to_string(),
            165
        )
    );
    // the sample is the lines as the file has them
    let sample = shown["samples"][0]["text"].as_str().unwrap();
    assert_eq!(sample.lines().count(), 12, "{sample}");
    assert!(sample
        .lines()
        .all(|l| l.starts_with("2026-11-27 08:00:03.587 4242 ERROR nova.compute.manager ")));
}

#[test]
fn syslog_forwarded_java_traces_are_one_event_with_their_cause() {
    let luffy = fetched(&data("stitched_rsyslog_java.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "java.lang.IllegalStateException: card token missing",
            1,
            "2026-11-27T08:00:01.000Z"
        )]
    );
    let shown = shown(&luffy, "java.lang.IllegalStateException");
    assert_eq!(
        frames(&shown)[0],
        ("capture".to_string(), "Gateway.java".to_string(), 88)
    );
    let chain = shown["cause_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[1]["exception_type"],
        "java.net.SocketTimeoutException"
    );
    assert_eq!(chain[1]["frames"].as_array().unwrap().len(), 2);
}

#[test]
fn a_php_crash_php_fpm_forwarded_line_by_line_is_one_event() {
    // php-fpm logs what a worker says into stderr at its own WARNING, a line each, quoted
    let luffy = fetched(&data("stitched_php_fpm.log"));
    assert_eq!(
        clusters(&luffy),
        [row(
            "RuntimeException: cart 17 is empty",
            1,
            "2026-11-27T08:00:01.000Z"
        )]
    );
    let shown = shown(&luffy, "RuntimeException");
    assert_eq!(shown["level"], "ERROR");
    assert_eq!(
        frames(&shown)[0],
        (
            "App\\Cart->total".to_string(),
            "/var/www/src/Cart.php".to_string(),
            7
        )
    );
    assert_eq!(
        shown["samples"][0]["text"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        6
    );
}

#[test]
fn an_android_crash_in_logcat_is_one_event() {
    let luffy = fetched(&data("stitched_logcat.log"));
    let found = clusters(&luffy);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .0
            .starts_with("java.lang.RuntimeException: Unable to start activity"),
        "{found:?}"
    );
    // logcat's times have no year: the latest such time before the clock (2026-11-28)
    assert_eq!(found[0].2, "2026-11-27T08:00:01.912Z");
    let shown = shown(&luffy, "java.lang.RuntimeException");
    assert_eq!(shown["logger"], "AndroidRuntime");
    let chain = shown["cause_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1]["exception_type"], "java.lang.NullPointerException");
    assert_eq!(
        chain[1]["frames"][0]["path"].as_str(),
        Some("CartAdapter.kt")
    );
}

#[test]
fn a_change_of_container_stream_starts_a_record() {
    let log = "2024-01-15T08:00:01.000000000Z stdout F 2024-01-15 08:00:01,000 ERROR app: payment failed\n\
               2024-01-15T08:00:01.100000000Z stderr F Traceback (most recent call last):\n\
               2024-01-15T08:00:01.100000000Z stderr F   File \"/srv/app/pay.py\", line 9, in <module>\n\
               2024-01-15T08:00:01.100000000Z stderr F     main()\n\
               2024-01-15T08:00:01.100000000Z stderr F RuntimeError: worker died\n";
    let luffy = fetched(log);
    assert_eq!(
        clusters(&luffy),
        [
            row("app: payment failed", 1, "2024-01-15T08:00:01.000Z"),
            row("RuntimeError: worker died", 1, "2024-01-15T08:00:01.100Z"),
        ]
    );
}

#[test]
fn a_trace_cut_before_its_exception_line_has_a_title_and_is_marked_truncated() {
    let log = "2026-11-27 08:00:02,000 ERROR jobs: nightly export failed\n\
               Traceback (most recent call last):\n  \
               File \"/srv/app/export.py\", line 31, in run\n    \
               write(rows)\n";
    let luffy = fetched(log);
    assert_eq!(
        clusters(&luffy),
        [row(
            "jobs: nightly export failed",
            1,
            "2026-11-27T08:00:02.000Z"
        )]
    );
    let shown = shown(&luffy, "jobs: nightly export failed");
    assert_eq!(shown["truncated"], true);
    let id = shown["id"].to_string();
    let text = luffy.ok(&["cluster", "show", &id]);
    assert!(
        text.contains("(truncated: the trace ends before its exception line"),
        "{text}"
    );
}
