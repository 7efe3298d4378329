//! The last record of a file that is still being written: held until its rest comes (or it is
//! old enough to be closed as it stands), never cut into an event of its own and another.

mod common;

use std::io::Write;

use common::{append_live, Luffy};
use serde_json::Value;

/// A Java error of 12 lines, logged 1 s before the tests' clock (so it may still be written).
fn trace(order: u32) -> Vec<String> {
    trace_at("2024-01-15 10:29:59,000", order)
}

/// [`trace`], logged at `stamp`.
fn trace_at(stamp: &str, order: u32) -> Vec<String> {
    let mut lines = vec![
        format!("{stamp} ERROR [main] c.a.Api - request failed"),
        format!("java.lang.IllegalStateException: order {order} is not payable"),
    ];
    for depth in 0..10 {
        lines.push(format!(
            "\tat com.acme.pay.Step{depth}.run(Step{depth}.java:{})",
            10 + depth
        ));
    }
    lines
}

/// The events of the fetch, from its report.
fn fetch(luffy: &Luffy) -> u64 {
    let report: Value = serde_json::from_str(&luffy.ok(&["trigger", "fetch", "web", "--json"]))
        .expect("fetch --json");
    report["counts"]["events"].as_u64().expect("events")
}

/// The one cluster there is, with its count and the number of frames of its latest sample.
fn only_cluster(luffy: &Luffy) -> (String, u64, usize) {
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    let clusters = clusters.as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let id = clusters[0]["id"].to_string();
    let shown: Value =
        serde_json::from_str(&luffy.ok(&["cluster", "show", &id, "--json"])).unwrap();
    (
        clusters[0]["title"].as_str().unwrap().to_string(),
        clusters[0]["count"].as_u64().unwrap(),
        shown["frames"].as_array().unwrap().len(),
    )
}

#[test]
fn a_trace_appended_in_two_pieces_between_fetches_is_one_event_whatever_the_split() {
    let text = trace(7).join("\n") + "\n";
    // every split between lines, and one inside every line
    let mut splits: Vec<usize> = text.match_indices('\n').map(|(at, _)| at + 1).collect();
    splits.pop();
    let line_starts: Vec<usize> = std::iter::once(0).chain(splits.iter().copied()).collect();
    splits.extend(line_starts.iter().map(|start| start + 5));
    for split in splits {
        let luffy = Luffy::new();
        let log = luffy.path("app.log");
        append_live(&log, "2024-01-15 10:29:58,000 INFO web: started\n");
        append_live(&log, &text[..split]);
        luffy.watch_file("web", "app", &log);
        assert_eq!(fetch(&luffy), 0, "split at {split}: the record waits");
        append_live(&log, &text[split..]);
        // still the last record of a file just written: it may go on
        assert_eq!(fetch(&luffy), 0, "split at {split}");
        append_live(&log, "2024-01-15 10:29:59,500 INFO web: next\n");
        assert_eq!(fetch(&luffy), 1, "split at {split}");
        assert_eq!(
            only_cluster(&luffy),
            (
                "java.lang.IllegalStateException: order 7 is not payable".to_string(),
                1,
                10
            ),
            "split at {split}"
        );
        let history: Value = serde_json::from_str(&luffy.ok(&["history", "--json"])).unwrap();
        let lines: u64 = history
            .as_array()
            .unwrap()
            .iter()
            .map(|run| run["counts"]["lines"].as_u64().unwrap())
            .sum();
        // every line counted once, but `next`: the last record in its turn, it waits
        assert_eq!(lines, 13, "split at {split}: every line counted once");
    }
}

#[test]
fn a_trace_written_with_an_hours_old_time_is_not_cut_by_a_fetch_mid_write() {
    // a service that logs local time without --timezone: its records look six hours old
    let text = trace_at("2024-01-15 04:29:59,000", 9).join("\n") + "\n";
    let splits: Vec<usize> = text.match_indices('\n').map(|(at, _)| at + 1).collect();
    for &split in splits.iter().take(6) {
        let luffy = Luffy::new();
        let log = luffy.path("app.log");
        append_live(&log, &text[..split]);
        luffy.watch_file("web", "app", &log);
        assert_eq!(fetch(&luffy), 0, "split at {split}: the record waits");
        append_live(&log, &text[split..]);
        append_live(&log, "2024-01-15 04:30:05,000 INFO web: next\n");
        assert_eq!(fetch(&luffy), 1, "split at {split}");
        let (title, count, frames) = only_cluster(&luffy);
        assert_eq!(
            (title.as_str(), count, frames),
            (
                "java.lang.IllegalStateException: order 9 is not payable",
                1,
                10
            ),
            "split at {split}"
        );
    }
}

#[test]
fn a_held_record_is_closed_once_its_wait_is_past_the_bound_whatever_its_log_time() {
    // a record logged 1 s ago waits, and so does one that looks hours old (a writer's local
    // time read as UTC): only the file's activity and the wait close it
    for stamp in ["2024-01-15 10:29:59,000", "2024-01-15 04:29:59,000"] {
        let mut luffy = Luffy::new();
        let log = luffy.live_file("app.log", &(trace_at(stamp, 1).join("\n") + "\n"));
        luffy.watch_file("web", "app", &log);
        assert_eq!(fetch(&luffy), 0, "{stamp}");
        assert_eq!(fetch(&luffy), 0, "{stamp}: held again, and counted nowhere");
        luffy.now = "2024-01-15T10:30:29Z".into();
        assert_eq!(fetch(&luffy), 0, "{stamp}: held 29 s");
        luffy.now = "2024-01-15T10:30:30Z".into();
        assert_eq!(fetch(&luffy), 1, "{stamp}: held 30 s, closed");
        assert_eq!(only_cluster(&luffy).1, 1);
        assert_eq!(fetch(&luffy), 0, "{stamp}: closed once");
    }

    // by the wait: a trace without a time waits from the first fetch that holds it
    let mut luffy = Luffy::new();
    let lines = trace(2);
    let log = luffy.live_file("app.log", &(lines[1..].join("\n") + "\n"));
    luffy.watch_file("web", "app", &log);
    assert_eq!(fetch(&luffy), 0);
    luffy.now = "2024-01-15T10:30:29Z".into();
    assert_eq!(fetch(&luffy), 0, "held 29 s");
    luffy.now = "2024-01-15T10:30:30Z".into();
    assert_eq!(fetch(&luffy), 1, "held 30 s: closed");
    assert_eq!(only_cluster(&luffy).1, 1);
}

#[test]
fn a_file_not_written_for_the_bound_is_read_to_its_end_at_once() {
    let luffy = Luffy::new();
    // the last line has no newline yet
    let log = luffy.live_file("app.log", &trace(3).join("\n"));
    luffy.watch_file("web", "app", &log);
    assert_eq!(fetch(&luffy), 0);
    let minute_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .append(true)
        .open(&log)
        .unwrap()
        .set_modified(minute_ago)
        .unwrap();
    assert_eq!(fetch(&luffy), 1);
    assert_eq!(only_cluster(&luffy).2, 10, "with its last line");
    // the line read without its newline is not read again when the newline comes
    append_live(&log, "\n");
    assert_eq!(fetch(&luffy), 0);
    assert_eq!(only_cluster(&luffy).1, 1);
}

#[test]
fn open_record_seconds_zero_closes_the_last_record_at_once() {
    let luffy = Luffy::new();
    let config = luffy.file("config.toml", "[fetch]\nopen_record_seconds = 0\n");
    let log = luffy.live_file("app.log", &(trace(4).join("\n") + "\n"));
    luffy.watch_file("web", "app", &log);
    luffy.ok(&[
        "--config",
        config.to_str().unwrap(),
        "trigger",
        "fetch",
        "web",
    ]);
    assert_eq!(only_cluster(&luffy).1, 1);
}

/// A writer appends a log in 8 KiB writes with fetches in between: every trace is counted
/// once and whole.
#[test]
fn fetches_between_8k_writes_count_every_trace_once_and_whole() {
    let luffy = Luffy::new();
    let log = luffy.path("app.log");
    std::fs::write(&log, "").unwrap();
    luffy.watch_file("web", "app", &log);
    let mut text = String::new();
    let traces: u32 = 400;
    for n in 0..traces {
        text.push_str("2024-01-15 10:29:59,000 INFO web: handling\n");
        let mut lines = trace(n);
        if n % 2 == 1 {
            lines[1] = format!("java.lang.ArithmeticException: / by zero in {n}");
        }
        text.push_str(&(lines.join("\n") + "\n"));
    }
    // 8 KiB writes, a fetch after every few: each fetch finds the file cut at a write's end,
    // inside a trace or a line as it comes
    let mut fetches = 0;
    for (n, chunk) in text.as_bytes().chunks(8192).enumerate() {
        let mut file = std::fs::File::options().append(true).open(&log).unwrap();
        file.write_all(chunk).unwrap();
        if n % 3 == 2 {
            fetch(&luffy);
            fetches += 1;
        }
    }
    // the writer is done (the file is not written any more): the last trace is closed
    common::settle(&log);
    fetch(&luffy);
    assert!(fetches > 1, "{fetches} fetches");
    let counts: Vec<(String, u64)> = luffy
        .cluster_counts()
        .into_iter()
        .map(|(title, count)| (title.split(':').next().unwrap().to_string(), count))
        .collect();
    assert_eq!(
        counts,
        [
            (
                "java.lang.ArithmeticException".to_string(),
                u64::from(traces) / 2
            ),
            (
                "java.lang.IllegalStateException".to_string(),
                u64::from(traces) / 2
            ),
        ]
    );
}

/// A Go panic printed after a log line, with no time of its own, ending the file.
fn panic_after(stamp: &str) -> String {
    format!(
        "{stamp} ERROR [main] app: worker died\n\
         panic: runtime error: invalid memory address or nil pointer dereference\n\
         \n\
         goroutine 1 [running]:\n\
         main.main()\n\
         \t/app/main.go:7 +0x25\n"
    )
}

/// The first-seen of the cluster whose title starts with `prefix`.
fn first_seen(luffy: &Luffy, prefix: &str) -> String {
    let clusters: Value = serde_json::from_str(&luffy.ok(&["clusters", "--json"])).unwrap();
    clusters
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap_or("").starts_with(prefix))
        .unwrap_or_else(|| panic!("no cluster {prefix}: {clusters}"))["first_seen"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_held_record_without_a_time_keeps_the_time_of_the_record_before_it() {
    // the line before it is ten minutes old: so is the panic, closed at once
    let luffy = Luffy::new();
    let log = luffy.file("app.log", &panic_after("2024-01-15 10:20:00,000"));
    luffy.watch_file("web", "app", &log);
    assert_eq!(fetch(&luffy), 2);
    assert_eq!(first_seen(&luffy, "panic"), "2024-01-15T10:20:00.000Z");

    // the line before it is a second old: the panic waits, and keeps that time when closed
    let mut luffy = Luffy::new();
    let log = luffy.live_file("app.log", &panic_after("2024-01-15 10:29:59,000"));
    luffy.watch_file("web", "app", &log);
    assert_eq!(fetch(&luffy), 1, "the ERROR line; the panic is held");
    luffy.now = "2024-01-15T10:31:00Z".into();
    assert_eq!(fetch(&luffy), 1, "the panic, closed");
    assert_eq!(first_seen(&luffy, "panic"), "2024-01-15T10:29:59.000Z");
}
