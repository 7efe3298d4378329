//! `cluster ignore ID --for | --until-count | --until-rate` (issue 28, part 3): the cluster
//! reopens when its condition holds, and an `escalating` notification carries what fired.

mod common;

use std::path::PathBuf;

use common::{append, json, Luffy};
use serde_json::Value;

/// A service `web` reading `app.log`, told through a webhook no one listens on (its outbox
/// rows stay, retrying).
fn setup() -> (Luffy, PathBuf) {
    let (luffy, log) = Luffy::with_app_log();
    luffy.unheard_webhook("web", &[]);
    (luffy, log)
}

/// A Python exception at 10:MM:SS (log time), in function `function`: one cluster per function.
fn trace(minute: u32, second: u32, function: &str) -> String {
    format!(
        "2024-01-15 10:{minute:02}:{second:02},000 ERROR web: request failed
Traceback (most recent call last):
  File \"/app/api.py\", line 10, in handler
    {function}()
  File \"/app/db.py\", line 5, in {function}
    raise ValueError('bad input')
ValueError: bad input
"
    )
}

fn fetch(luffy: &Luffy) {
    luffy.ok(&["trigger", "fetch", "web"]);
}

fn show(luffy: &Luffy, id: &str) -> Value {
    json(&luffy.ok(&["cluster", "show", id, "--json"]))
}

/// The outbox's events, oldest first.
fn events(luffy: &Luffy) -> Vec<String> {
    let list = json(&luffy.ok(&["notify", "list", "--json"]));
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap().to_string())
        .collect();
    out.reverse();
    out
}

/// The payload of the (one) escalating notification.
fn escalation(luffy: &Luffy) -> Value {
    let payload: String = luffy
        .read_db()
        .query_row(
            "SELECT payload FROM notifications WHERE event = 'escalating'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    json(&payload)
}

#[test]
fn until_count_reopens_after_n_more_events_and_escalates() {
    let (luffy, log) = setup();
    append(&log, &trace(1, 0, "parse"));
    fetch(&luffy);
    let out = luffy.ok(&["cluster", "ignore", "1", "--until-count", "3"]);
    assert_eq!(out, "cluster 1 is now ignored until 3 more events\n");
    let snooze = &show(&luffy, "1")["snooze"];
    assert_eq!(snooze["until_count"], 3);
    assert_eq!(snooze["for_until"], Value::Null);
    assert_eq!(snooze["until_rate"], Value::Null);
    assert_eq!(snooze["since"], "2024-01-15T10:30:00Z");
    assert!(luffy.ok(&["clusters"]).contains("ignored (+3 events)"));

    // two more: not yet
    append(&log, &trace(2, 0, "parse"));
    append(&log, &trace(3, 0, "parse"));
    fetch(&luffy);
    let cluster = show(&luffy, "1");
    assert_eq!(cluster["status"], "ignored");
    assert!(luffy
        .ok(&["cluster", "show", "1"])
        .contains("snoozed     until 3 more events, since 2024-01-15T10:30:00Z (2 so far)"));
    assert_eq!(events(&luffy), ["new_cluster"]);

    // the third: it reopens, not as a regression, and escalates once
    append(&log, &trace(4, 0, "parse"));
    fetch(&luffy);
    let cluster = show(&luffy, "1");
    assert_eq!(cluster["status"], "open");
    assert_eq!(cluster["regressed"], false);
    assert_eq!(cluster["snooze"], Value::Null);
    assert_eq!(events(&luffy), ["new_cluster", "escalating"]);
    let item = escalation(&luffy);
    assert_eq!(item["event"], "escalating");
    assert_eq!(item["cluster"]["status"], "open");
    assert_eq!(item["cluster"]["escalation"]["condition"], "until_count");
    assert_eq!(item["cluster"]["escalation"]["value"], "3");
    assert_eq!(
        item["cluster"]["escalation"]["fired"],
        "3 more events since it was ignored"
    );

    // open now: more events tell nothing more
    append(&log, &trace(5, 0, "parse"));
    fetch(&luffy);
    assert_eq!(events(&luffy), ["new_cluster", "escalating"]);
}

#[test]
fn until_rate_fires_on_a_burst_within_the_window_only() {
    let (luffy, log) = setup();
    append(&log, &trace(0, 0, "parse"));
    fetch(&luffy);
    luffy.ok(&["cluster", "ignore", "1", "--until-rate", "3/1m"]);
    assert_eq!(show(&luffy, "1")["snooze"]["until_rate"]["rate"], "3/1m");
    assert!(luffy.ok(&["clusters"]).contains("ignored (rate 3/1m)"));

    // three events, but spread over four minutes: no window of a minute holds three
    for minute in [2, 4, 6] {
        append(&log, &trace(minute, 0, "parse"));
    }
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "ignored");

    // a burst: two more within the minute of the one at 10:06
    append(&log, &trace(6, 20, "parse"));
    append(&log, &trace(6, 50, "parse"));
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "open");
    let item = escalation(&luffy);
    assert_eq!(item["cluster"]["escalation"]["condition"], "until_rate");
    assert_eq!(item["cluster"]["escalation"]["value"], "3/1m");
    assert_eq!(
        item["cluster"]["escalation"]["fired"],
        "3 events within 1m (log time) since it was ignored"
    );
}

#[test]
fn the_events_before_a_rate_snooze_do_not_count_toward_it() {
    let (luffy, log) = setup();
    for second in [0, 10, 20] {
        append(&log, &trace(1, second, "parse"));
    }
    fetch(&luffy);
    luffy.ok(&["cluster", "ignore", "1", "--until-rate", "3/1m"]);
    // one more, within the minute of the three before the snooze
    append(&log, &trace(1, 30, "parse"));
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "ignored");
}

#[test]
fn for_reopens_once_the_time_is_up_at_a_fetch_or_a_run_due() {
    let (mut luffy, log) = setup();
    append(&log, &trace(1, 0, "parse"));
    append(&log, &trace(2, 0, "load"));
    fetch(&luffy);
    luffy.ok(&["cluster", "ignore", "1", "--for", "1h"]);
    luffy.ok(&["cluster", "ignore", "2", "--for", "2h"]);
    assert_eq!(
        show(&luffy, "1")["snooze"]["for_until"],
        "2024-01-15T11:30:00Z"
    );
    assert!(luffy
        .ok(&["cluster", "show", "1"])
        .contains("snoozed     until 2024-01-15T11:30:00Z, since 2024-01-15T10:30:00Z"));
    assert!(luffy
        .ok(&["clusters"])
        .contains("ignored (until 2024-01-15 11:30)"));

    // a fetch before the time: still ignored, events or not
    luffy.now = "2024-01-15T11:29:00Z".into();
    append(&log, &trace(5, 0, "parse"));
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "ignored");

    // a fetch after it: the first wakes, the second (two hours) does not
    luffy.now = "2024-01-15T11:31:00Z".into();
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "open");
    assert_eq!(show(&luffy, "2")["status"], "ignored");
    let item = escalation(&luffy);
    assert_eq!(item["cluster"]["id"], 1);
    assert_eq!(item["cluster"]["escalation"]["condition"], "for");
    assert_eq!(
        item["cluster"]["escalation"]["fired"],
        "the time was up at 2024-01-15T11:30:00Z"
    );

    // run-due wakes the second when its time is up, with no fetch due
    luffy.ok(&[
        "service",
        "set",
        "web",
        "--log-interval",
        "1d",
        "--notify",
        "off",
    ]);
    luffy.now = "2024-01-15T12:29:00Z".into();
    luffy.ok(&["run-due"]);
    assert_eq!(show(&luffy, "2")["status"], "ignored");
    luffy.now = "2024-01-15T12:31:00Z".into();
    let ran = luffy.ok(&["run-due"]);
    assert!(!ran.contains("web fetch"), "{ran}");
    assert_eq!(show(&luffy, "2")["status"], "open");
}

#[test]
fn plain_ignore_stays_ignored_and_setting_a_status_ends_a_snooze() {
    let (luffy, log) = setup();
    append(&log, &trace(1, 0, "parse"));
    fetch(&luffy);
    luffy.ok(&["cluster", "ignore", "1"]);
    assert_eq!(show(&luffy, "1")["snooze"], Value::Null);
    for minute in 2..8 {
        append(&log, &trace(minute, 0, "parse"));
    }
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "ignored");

    luffy.ok(&["cluster", "ignore", "1", "--until-count", "1"]);
    luffy.ok(&["cluster", "reopen", "1"]);
    luffy.ok(&["cluster", "ignore", "1"]);
    append(&log, &trace(9, 0, "parse"));
    fetch(&luffy);
    assert_eq!(show(&luffy, "1")["status"], "ignored");
    assert_eq!(events(&luffy), ["new_cluster"]);
}

#[test]
fn bad_conditions_exit_2_naming_them_and_write_nothing() {
    let (luffy, log) = setup();
    append(&log, &trace(1, 0, "parse"));
    fetch(&luffy);
    let before = luffy.ok(&["cluster", "show", "1", "--json"]);
    let cases: [(&[&str], &str); 9] = [
        (&["--until-count", "0"], "'0': the count must be at least 1"),
        (
            &["--until-count", "-2"],
            "'-2': the count must be at least 1",
        ),
        (
            &["--until-count", "many"],
            "'many' is not a number of events",
        ),
        (&["--for", "0s"], "is zero"),
        (&["--for", "-1h"], "is negative"),
        (&["--for", "soon"], "'soon' is not a duration"),
        (&["--until-rate", "5"], "'5' is not a rate"),
        (&["--until-rate", "0/5m"], "the count must be at least 1"),
        (&["--until-rate", "5/never"], "'never' is not a duration"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["cluster", "ignore", "1"];
        args.extend_from_slice(flags);
        let err = luffy.fails(&args, 2);
        assert!(err.contains(flags[0]), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let err = luffy.fails(
        &[
            "cluster",
            "ignore",
            "1",
            "--for",
            "1h",
            "--until-count",
            "3",
        ],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    let err = luffy.fails(
        &[
            "cluster",
            "ignore",
            "1",
            "--until-count",
            "3",
            "--until-rate",
            "3/1m",
        ],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    let err = luffy.fails(&["cluster", "ignore", "99", "--for", "1h"], 2);
    assert!(err.contains("no cluster 99"), "{err}");
    assert_eq!(luffy.ok(&["cluster", "show", "1", "--json"]), before);
}
