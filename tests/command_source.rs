//! The `command` source with real programs (`printf`, `sh`, `sleep`), run without a shell by luffy.

use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use luffy::sources::command::CommandSource;
use luffy::sources::CommandSettings;
use serde_json::json;

fn source(argv: &[&str], timeout_seconds: u32) -> CommandSource {
    CommandSource::new(&CommandSettings {
        argv: argv.iter().map(|s| (*s).to_string()).collect(),
        timeout_seconds,
        since: None,
        format: luffy::sources::wrapper::LineFormat::Auto,
        timezone: None,
    })
    .expect("source")
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 12, 30, 0).unwrap()
}

#[test]
fn lines_become_records_and_since_follows_the_cursor() {
    // No shell: the `*` and `$HOME` reach printf untouched.
    let source = source(&["printf", "%s\\n", "since={since}", "* $HOME", "last"], 5);
    let page = source.fetch(None, start(), now()).expect("first run");
    let texts: Vec<&str> = page.records.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["since=2024-01-15T10:00:00Z", "* $HOME", "last"]);
    assert!(page
        .records
        .iter()
        .all(|r| !r.whole && r.timestamp.is_none()));
    assert!(page.done);
    assert_eq!(page.cursor, Some(json!({"since": "2024-01-15T12:30:00Z"})));

    let later = Utc.with_ymd_and_hms(2024, 1, 15, 13, 0, 0).unwrap();
    let page = source
        .fetch(page.cursor.as_ref(), start(), later)
        .expect("second run");
    assert_eq!(page.records[0].text, "since=2024-01-15T12:30:00Z");
    assert_eq!(page.cursor, Some(json!({"since": "2024-01-15T13:00:00Z"})));
}

#[test]
fn a_hanging_command_is_killed_at_its_timeout() {
    let begun = Instant::now();
    let err = source(&["sleep", "30"], 1)
        .fetch(None, start(), now())
        .expect_err("timeout");
    assert_eq!(err.to_string(), "command sleep timed out after 1s");
    assert!(begun.elapsed().as_secs() < 10, "{:?}", begun.elapsed());
}

#[test]
fn a_failing_command_quotes_its_first_stderr_lines() {
    let script = "echo out; for i in 1 2 3 4 5 6 7; do echo \"problem $i\" >&2; done; exit 3";
    let err = source(&["sh", "-c", script], 5)
        .fetch(None, start(), now())
        .expect_err("exit 3");
    assert_eq!(
        err.to_string(),
        "command sh exited with status 3: problem 1 | problem 2 | problem 3 | problem 4 | problem 5"
    );
    let err = source(&["false"], 5)
        .fetch(None, start(), now())
        .expect_err("exit 1");
    assert_eq!(err.to_string(), "command false exited with status 1");
}

#[test]
fn missing_and_non_executable_programs_are_named() {
    let err = source(&["/nonexistent/luffy-log-dump", "--since", "{since}"], 5)
        .fetch(None, start(), now())
        .expect_err("missing");
    assert_eq!(
        err.to_string(),
        "command /nonexistent/luffy-log-dump was not found"
    );
    let err = source(&["luffy-no-such-program-on-path"], 5)
        .test(now())
        .expect_err("missing");
    assert_eq!(
        err.to_string(),
        "command luffy-no-such-program-on-path was not found"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("dump-logs");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let program = script.to_string_lossy().to_string();
    let err = source(&[&program], 5)
        .fetch(None, start(), now())
        .expect_err("not executable");
    assert_eq!(
        err.to_string(),
        format!("command {program} is not executable")
    );

    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Another test's fork may briefly hold the new file open ("text file busy"): retry then.
    let mut report = source(&[&program], 5).test(now());
    for _ in 0..20 {
        match &report {
            Err(err) if err.to_string().contains("busy") => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                report = source(&[&program], 5).test(now());
            }
            _ => break,
        }
    }
    let report = report.expect("runs");
    assert_eq!(
        report,
        format!("command {program} ran; it printed 1 lines for the last hour")
    );
}

#[test]
fn bad_cursors_and_output_without_newline_or_utf8() {
    let source = source(&["printf", "a\\nb\\377c"], 5);
    let page = source.fetch(None, start(), now()).expect("run");
    let texts: Vec<&str> = page.records.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["a", "b\u{fffd}c"]);
    let err = source
        .fetch(Some(&json!({"since": "yesterday"})), start(), now())
        .expect_err("bad cursor");
    assert_eq!(
        err.to_string(),
        r#"the stored command cursor {"since":"yesterday"} is not understood"#
    );
}

#[test]
fn a_child_left_holding_the_output_does_not_hang_the_fetch() {
    let begun = Instant::now();
    let err = source(&["sh", "-c", "echo hi; sleep 3 &"], 1)
        .fetch(None, start(), now())
        .expect_err("output stays open");
    assert_eq!(
        err.to_string(),
        "command sh exited but its output stayed open"
    );
    assert!(begun.elapsed().as_secs() < 3, "{:?}", begun.elapsed());
}
