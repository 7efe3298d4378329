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
        version_field: None,
    })
    .expect("source")
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 10, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 12, 30, 0).unwrap()
}

/// Runs `source` since `since`: its output lines, or how it failed.
fn run(source: &CommandSource, since: DateTime<Utc>) -> anyhow::Result<Vec<String>> {
    let mut running = source.start(since)?;
    let mut lines = Vec::new();
    let mut line = Vec::new();
    while running.next_line(&mut line)? {
        lines.push(String::from_utf8_lossy(&line).into_owned());
    }
    running.finish()?;
    Ok(lines)
}

#[test]
fn lines_are_read_as_printed_and_since_follows_the_cursor() {
    // No shell: the `*` and `$HOME` reach printf untouched.
    let source = source(&["printf", "%s\\n", "since={since}", "* $HOME", "last"], 5);
    let resume = source.since(None, start()).expect("no cursor");
    assert_eq!((resume.since, resume.skip), (start(), 0));
    assert_eq!(
        run(&source, resume.since).expect("first run"),
        ["since=2024-01-15T10:00:00Z", "* $HOME", "last"]
    );
    let resume = source
        .since(Some(&json!({"since": "2024-01-15T12:30:00Z"})), start())
        .expect("cursor");
    assert_eq!((resume.since, resume.skip), (now(), 0));
    assert_eq!(
        run(&source, resume.since).expect("second run")[0],
        "since=2024-01-15T12:30:00Z"
    );
    let resume = source
        .since(
            Some(&json!({"since": "2024-01-15T12:30:00Z", "skip": 2})),
            start(),
        )
        .expect("cursor of a run that stopped");
    assert_eq!((resume.since, resume.skip), (now(), 2));
}

#[test]
fn a_hanging_command_is_killed_at_its_timeout() {
    let begun = Instant::now();
    let err = run(&source(&["sleep", "30"], 1), start()).expect_err("timeout");
    assert_eq!(err.to_string(), "command sleep timed out after 1s");
    assert!(begun.elapsed().as_secs() < 10, "{:?}", begun.elapsed());
}

#[test]
fn a_failing_command_quotes_its_first_stderr_lines() {
    let script = "echo out; for i in 1 2 3 4 5 6 7; do echo \"problem $i\" >&2; done; exit 3";
    let err = run(&source(&["sh", "-c", script], 5), start()).expect_err("exit 3");
    assert_eq!(
        err.to_string(),
        "command sh exited with status 3: problem 1 | problem 2 | problem 3 | problem 4 | problem 5"
    );
    let err = run(&source(&["false"], 5), start()).expect_err("exit 1");
    assert_eq!(err.to_string(), "command false exited with status 1");
}

#[test]
fn missing_and_non_executable_programs_are_named() {
    let err = run(
        &source(&["/nonexistent/luffy-log-dump", "--since", "{since}"], 5),
        start(),
    )
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
    let err = run(&source(&[&program], 5), start()).expect_err("not executable");
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
    let source = source(&["printf", "a\\r\\nb\\377c"], 5);
    assert_eq!(run(&source, start()).expect("run"), ["a", "b\u{fffd}c"]);
    let err = source
        .since(Some(&json!({"since": "yesterday"})), start())
        .expect_err("bad cursor");
    assert_eq!(
        err.to_string(),
        r#"the stored command cursor {"since":"yesterday"} is not understood"#
    );
}

#[test]
fn what_a_command_leaves_running_holding_its_output_is_ended() {
    let begun = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let pid_file = dir.path().join("pid");
    let script = format!("echo hi; sleep 30 & echo $! > {}", pid_file.display());
    let lines = run(&source(&["sh", "-c", &script], 10), start()).expect("the program exited");
    assert_eq!(lines, ["hi"]);
    assert!(begun.elapsed().as_secs() < 10, "{:?}", begun.elapsed());
    assert_gone(&pid_file);
}

#[test]
fn a_timed_out_command_is_ended_with_its_children() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pid_file = dir.path().join("pid");
    // the child ignores nothing, the script waits for it: both outlive the timeout
    let script = format!("sleep 1000 & echo $! > {}; wait", pid_file.display());
    let err = run(&source(&["sh", "-c", &script], 1), start()).expect_err("timeout");
    assert_eq!(err.to_string(), "command sh timed out after 1s");
    assert_gone(&pid_file);
    // one that shrugs off TERM is killed after the grace period
    let script = format!(
        "sh -c 'trap \"\" TERM; sleep 1000' & echo $! > {}; wait",
        pid_file.display()
    );
    let err = run(&source(&["sh", "-c", &script], 1), start()).expect_err("timeout");
    assert_eq!(err.to_string(), "command sh timed out after 1s");
    assert_gone(&pid_file);
}

/// The process whose pid is in `pid_file` no longer runs (gone, or a zombie nobody reaped).
fn assert_gone(pid_file: &std::path::Path) {
    let pid = std::fs::read_to_string(pid_file).expect("pid written");
    let stat = format!("/proc/{}/stat", pid.trim());
    for _ in 0..100 {
        match std::fs::read_to_string(&stat) {
            Err(_) => return,
            Ok(text)
                if text
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')) =>
            {
                return
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    panic!("process {} still runs", pid.trim());
}
