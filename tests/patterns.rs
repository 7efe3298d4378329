//! `luffy patterns` end to end: the real binary on small inputs, exact output, bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run printed and how it exited.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn luffy(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_luffy"))
        .args(args)
        .env("LUFFY_DB", dir.path().join("luffy.db"))
        .env("HOME", dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run luffy");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("wait for luffy");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write input");
    path
}

const APP: &str = "connection to 10.0.0.1:5432 refused after 3 retries
connection to 10.0.0.2:5432 refused after 5 retries
user alice logged in
user bob logged in
user carol logged in
disk /var/data is full
";

#[test]
fn table_lists_templates_most_frequent_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "app.log", APP.as_bytes());
    let run = luffy(
        &["patterns", "--message-only", file.to_str().unwrap()],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "\
ID  COUNT  SHARE  TEMPLATE                                        EXAMPLE
1   3      50.0%  user <*> logged in                              user alice logged in
2   2      33.3%  connection to <IP> refused after <NUM> retries  connection to 10.0.0.1:5432 refused after 3 retries
3   1      16.7%  disk <PATH> is full                             disk /var/data is full
"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn header_is_kept_out_of_templates_unless_message_only() {
    let dir = tempfile::tempdir().unwrap();
    let log = "2024-01-15 10:00:00,123 INFO [main] app.Server: started in 35 ms
2024-01-15 10:00:01,456 WARN [worker-2] app.Pool: pool 7 is full\r
2024-01-15 10:00:02,789 INFO [main] app.Server: started in 41 ms
";
    let file = write(dir.path(), "app.log", log.as_bytes());
    let path = file.to_str().unwrap();
    let run = luffy(&["patterns", path], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with("1   2      66.7%  started in <NUM>    2024-01-15 10:00:00,123 INFO")
    );
    assert!(
        lines[2].starts_with("2   1      33.3%  pool <NUM> is full  2024-01-15 10:00:01,456 WARN")
    );
    // As is, the bracketed thread names differ, and so do the templates.
    let run = luffy(&["patterns", "--message-only", "--top", "0", path], None);
    assert!(
        run.stdout
            .contains("INFO [main] app.Server: started in <NUM>"),
        "{}",
        run.stdout
    );
}

#[test]
fn assign_numbers_lines_across_files_with_stable_ids() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.log", APP.as_bytes());
    let b = write(dir.path(), "b.log", b"user dave logged in\n");
    let run = luffy(
        &[
            "patterns",
            "--message-only",
            "--assign",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "\
1\t2\tconnection to <IP> refused after <NUM> retries
2\t2\tconnection to <IP> refused after <NUM> retries
3\t1\tuser <*> logged in
4\t1\tuser <*> logged in
5\t1\tuser <*> logged in
6\t3\tdisk <PATH> is full
7\t1\tuser <*> logged in
"
    );
}

#[test]
fn json_lists_id_count_template_example() {
    let run = luffy(
        &["--json", "patterns", "--message-only", "-"],
        Some(APP.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["count"], 3);
    assert_eq!(list[0]["template"], "user <*> logged in");
    assert_eq!(list[0]["example"], "user alice logged in");
    assert_eq!(list[2]["template"], "disk <PATH> is full");
}

#[test]
fn top_and_min_count_limit_the_table() {
    let run = luffy(
        &["patterns", "--message-only", "--min-count", "2", "-"],
        Some(APP.as_bytes()),
    );
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(
        lines[3],
        "6 lines, 3 templates (1 not shown; see --top and --min-count)"
    );
    let run = luffy(
        &["patterns", "--message-only", "--top", "1", "-"],
        Some(APP.as_bytes()),
    );
    assert_eq!(run.stdout.lines().count(), 3);
}

#[test]
fn output_is_deterministic() {
    let input = APP.repeat(50);
    let first = luffy(&["patterns", "--assign", "-"], Some(input.as_bytes()));
    let second = luffy(&["patterns", "--assign", "-"], Some(input.as_bytes()));
    assert_eq!(first.code, 0);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.stdout.lines().count(), 300);
}

#[test]
fn empty_input_gives_an_empty_table() {
    let run = luffy(&["patterns", "-"], Some(b""));
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "ID  COUNT  SHARE  TEMPLATE  EXAMPLE\n", "")
    );
    let run = luffy(&["--json", "patterns", "-"], Some(b""));
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn missing_file_and_directory_exit_two_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.log");
    let run = luffy(&["patterns", missing.to_str().unwrap()], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "luffy: error: cannot read {}: no such file\n",
            missing.display()
        )
    );
    let run = luffy(&["patterns", dir.path().to_str().unwrap()], None);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "luffy: error: cannot read {}: it is a directory\n",
            dir.path().display()
        )
    );
    // A bad file after a good one fails before any output.
    let good = write(dir.path(), "good.log", APP.as_bytes());
    let run = luffy(
        &[
            "patterns",
            good.to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
}

#[test]
fn invalid_utf8_is_replaced_and_counted() {
    let run = luffy(
        &["patterns", "--message-only", "-"],
        Some(b"bad \xff byte 1\nbad \xfe byte 2\nok 3\n"),
    );
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        "luffy: note: 2 line(s) were not valid UTF-8; invalid bytes were replaced with U+FFFD\n"
    );
    assert!(
        run.stdout.contains("bad \u{fffd} byte <NUM>"),
        "{}",
        run.stdout
    );
}

#[test]
fn long_lines_are_cut_and_counted() {
    let mut input = b"short line 1\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 3 << 20));
    input.extend_from_slice(b" tail\nshort line 2\n");
    let run = luffy(
        &["patterns", "--message-only", "--assign", "-"],
        Some(&input),
    );
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        "luffy: note: 1 line(s) longer than 1 MiB were cut\n"
    );
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0], "1\t1\tshort line <NUM>");
    assert_eq!(rows[2], "3\t1\tshort line <NUM>");
    assert_eq!(rows[1].len(), "2\t2\t".len() + (1 << 20));
}

#[test]
fn json_and_logfmt_lines_are_mined_by_their_message_field() {
    let log = r#"{"time":"2024-01-15T10:00:00Z","level":"info","msg":"user alice logged in","req":"a1"}
{"time":"2024-01-15T10:00:01Z","level":"info","request_id":"7f3e","msg":"user bob logged in"}
{"@timestamp":"2024-01-15T10:00:02Z","log":{"level":"warn"},"message":"disk /var/data is full"}
time=2024-01-15T10:00:03Z level=info msg="user carol logged in" req=b2
ts=2024-01-15T10:00:04Z lvl=warn caller=disk.go:12 message="disk /srv is full"
"#;
    let run = luffy(&["patterns", "--assign", "-"], Some(log.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "\
1\t1\tuser <*> logged in
2\t1\tuser <*> logged in
3\t2\tdisk <PATH> is full
4\t1\tuser <*> logged in
5\t2\tdisk <PATH> is full
"
    );
    // The example is the line as it was written.
    let run = luffy(&["--json", "patterns", "-"], Some(log.as_bytes()));
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        list[1]["example"],
        r#"{"@timestamp":"2024-01-15T10:00:02Z","log":{"level":"warn"},"message":"disk /var/data is full"}"#
    );
    // With --message-only each line is mined as it is.
    let run = luffy(
        &["patterns", "--message-only", "--assign", "-"],
        Some(log.as_bytes()),
    );
    assert!(run.stdout.contains("level=info msg="), "{}", run.stdout);
}
