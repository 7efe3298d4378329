//! Every bad input named for the service registry: a message naming the problem, exit code 2,
//! and a database left exactly as it was.

mod common;

use common::Luffy;

/// A sandbox with one service, and the snapshot to compare against after each failure.
fn with_service() -> (Luffy, String) {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web-app", "--log-interval", "15"]);
    let snapshot = luffy.snapshot();
    (luffy, snapshot)
}

fn refused(luffy: &Luffy, snapshot: &str, args: &[&str], needles: &[&str]) {
    let err = luffy.fails(args, 2);
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    }
    assert_eq!(luffy.snapshot(), snapshot, "{args:?} changed the database");
}

#[test]
fn bad_intervals() {
    let (luffy, snapshot) = with_service();
    for flag in ["--log-interval", "--rca-interval"] {
        for (value, why) in [
            ("0", "zero"),
            ("-5", "negative"),
            ("abc", "not a duration"),
            ("10x", "not a duration"),
            ("30s", "under one minute"),
        ] {
            refused(
                &luffy,
                &snapshot,
                &["service", "set", "web-app", flag, value],
                &[flag, why],
            );
        }
    }
    refused(
        &luffy,
        &snapshot,
        &["service", "set", "web-app", "--index-interval", "90m"],
        &["--index-interval", "whole number of hours"],
    );
    // a refused `set` of a missing service creates nothing either
    refused(
        &luffy,
        &snapshot,
        &["service", "set", "new-one", "--log-interval", "0"],
        &["--log-interval"],
    );
}

#[test]
fn bad_ids() {
    let (luffy, snapshot) = with_service();
    let long = "a".repeat(65);
    for (id, why) in [
        ("", "empty"),
        ("web app", "space"),
        ("web/app", "slash"),
        (long.as_str(), "64"),
    ] {
        refused(
            &luffy,
            &snapshot,
            &["service", "set", id, "--log-interval", "5"],
            &[why],
        );
        refused(&luffy, &snapshot, &["service", "add", id], &[why]);
    }
}

#[test]
fn bad_webhooks_emails_and_repositories() {
    let (luffy, snapshot) = with_service();
    let set = |flag: &'static str, value: &'static str| ["service", "set", "web-app", flag, value];
    for (flag, value, why) in [
        (
            "--webhook",
            "ftp://hooks.example.com/x",
            "not an http(s) URL",
        ),
        ("--webhook", "hooks.example.com/x", "not an http(s) URL"),
        ("--webhook", "https://", "no host"),
        ("--email", "api-team.company.com", "no '@'"),
        ("--email", "api team@company.com", "space"),
        ("--repo", "ftp://example.com/repo.git", "scheme 'ftp'"),
        ("--repo", "example.com/repo.git", "not an https"),
        ("--repo", "srv/git/repo", "not an https"),
    ] {
        refused(&luffy, &snapshot, &set(flag, value), &[flag, why]);
    }
}

#[test]
fn bad_import_files_write_nothing() {
    let (luffy, snapshot) = with_service();
    let cases = [
        ("bad.json", "[{\"id\": \"a\",}", "malformed JSON"),
        ("bad.toml", "[[services]]\nid = = 3\n", "malformed TOML"),
        (
            "unknown.json",
            r#"[{"id": "a"}, {"id": "b", "colour": "red"}]"#,
            "entry 2 (b): field `colour`: unknown field",
        ),
        (
            "type.toml",
            "[[services]]\nid = \"a\"\nis_active = \"yes\"\n",
            "entry 1 (a): field `is_active`: expected true or false",
        ),
        (
            "interval.json",
            r#"[{"id": "a"}, {"id": "b", "log_fetch_interval_minutes": 0}]"#,
            "entry 2 (b): field `log_fetch_interval_minutes`",
        ),
        (
            "dupes.json",
            r#"[{"id": "a"}, {"name": "b"}, {"id": "a"}]"#,
            "duplicate service id 'a' in entries 1 and 3",
        ),
        (
            "hook.json",
            r#"{"id": "a", "notification_webhook_url": "slack"}"#,
            "field `notification_webhook_url`",
        ),
        (
            "name.json",
            r#"[{"id": "a", "name": "web-app"}]"#,
            "'web-app' is already the name of service 'web-app'",
        ),
        ("scalar.json", "42", "expected a service object"),
        (
            "typo.toml",
            "[[services]]\nid = \"a\"\n[[services]]\nid = \"b\"\nlog_fetch_interval_minute = 5\n",
            "entry 2 (b): field `log_fetch_interval_minute`: unknown field; \
             did you mean `log_fetch_interval_minutes`?",
        ),
        (
            "branch.toml",
            "[[services]]\nid = \"a\"\ngit_branch = \"bad..branch\"\n",
            "entry 1 (a): field `git_branch`: 'bad..branch' is not a valid git branch name",
        ),
    ];
    for (name, text, why) in cases {
        let path = luffy.file(name, text);
        refused(
            &luffy,
            &snapshot,
            &["service", "import", path.to_str().unwrap()],
            &[name, why, "nothing was imported"],
        );
    }
    refused(
        &luffy,
        &snapshot,
        &["service", "import", "missing.json"],
        &["cannot read missing.json"],
    );
    let dir = luffy.path("adir");
    std::fs::create_dir(&dir).unwrap();
    refused(
        &luffy,
        &snapshot,
        &["service", "import", dir.to_str().unwrap()],
        &["is a directory"],
    );
}

#[test]
fn db_pointing_at_a_directory() {
    let luffy = Luffy::new();
    let dir = luffy.path("somedir");
    std::fs::create_dir(&dir).unwrap();
    let err = luffy.fails(&["--db", dir.to_str().unwrap(), "status"], 2);
    assert!(err.contains("is a directory"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn db_pointing_at_a_file_that_is_not_sqlite() {
    let luffy = Luffy::new();
    let text = "name,count\nweb,3\n".repeat(100);
    let path = luffy.file("notes.csv", &text);
    for args in [
        &["status"][..],
        &["service", "set", "web", "--log-interval", "5"],
    ] {
        let mut full = vec!["--db", path.to_str().unwrap()];
        full.extend_from_slice(args);
        let err = luffy.fails(&full, 2);
        assert!(
            err.contains("not a luffy database (not a SQLite file)"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "the file was modified"
        );
    }
    assert!(!luffy.path("notes.csv-wal").exists());
}

#[test]
fn db_of_another_program_is_refused() {
    let luffy = Luffy::new();
    let path = luffy.path("other.db");
    foreign_sqlite(&path);
    let before = std::fs::read(&path).unwrap();
    let err = luffy.fails(&["--db", path.to_str().unwrap(), "status"], 2);
    assert!(err.contains("another program"), "{err}");
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the other program's database was modified"
    );
}

/// Makes another program's SQLite database.
fn foreign_sqlite(path: &std::path::Path) {
    rusqlite::Connection::open(path)
        .and_then(|db| db.execute("CREATE TABLE notes(x)", []))
        .expect("create another program's database");
}

#[test]
fn db_in_a_read_only_location() {
    let luffy = Luffy::new();
    // /proc refuses new entries even to root, so this holds whoever runs the tests.
    let err = luffy.fails(
        &["--db", "/proc/luffy-test/luffy.db", "service", "add", "web"],
        2,
    );
    assert!(
        err.contains("cannot create folder /proc/luffy-test for the database"),
        "{err}"
    );
    let err = luffy.fails(&["--db", "/proc/luffy.db", "status"], 2);
    assert!(
        err.contains("cannot create database /proc/luffy.db"),
        "{err}"
    );
}

#[test]
fn db_newer_than_this_luffy() {
    let luffy = Luffy::new();
    luffy.ok(&["service", "add", "web"]);
    luffy
        .write_db()
        .pragma_update(None, "user_version", 999)
        .expect("set user_version");
    let err = luffy.fails(&["status"], 2);
    assert!(
        err.contains("written by a newer luffy (schema version 999"),
        "{err}"
    );
}

#[test]
fn config_with_unknown_key_or_wrong_type() {
    let luffy = Luffy::new();
    let path = luffy.file("config.toml", "[retention]\nevent_days = 3\n");
    let err = luffy.fails(&["--config", path.to_str().unwrap(), "status"], 2);
    assert!(
        err.contains("event_days") && err.contains("line 2"),
        "{err}"
    );
    let path = luffy.file(
        "config2.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nfrom = \"a@b\"\nport = \"x\"\n",
    );
    let err = luffy.fails(&["--config", path.to_str().unwrap(), "status"], 2);
    assert!(err.contains("port") || err.contains("line 4"), "{err}");
    let err = luffy.fails(&["--config", "missing.toml", "status"], 2);
    assert!(
        err.contains("cannot read config file missing.toml"),
        "{err}"
    );
    assert!(
        !luffy.db.exists(),
        "a bad config must not create the database"
    );
}

/// Runs luffy with its stdout and stderr pipes closed before it writes to them (as under
/// `luffy ... 2>&1 | head -c 10`, once head has exited); returns its exit code.
fn run_with_closed_output(luffy: &Luffy, args: &[&str]) -> i32 {
    use std::process::Stdio;
    let mut child = luffy
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn luffy");
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().expect("wait for luffy").code().unwrap_or(-1)
}

#[test]
fn a_closed_stderr_or_stdout_never_panics() {
    let (luffy, snapshot) = with_service();
    let deep = luffy.file(
        "deep.toml",
        &format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let deep = deep.to_str().expect("utf-8 path");
    // an error (exit 2), a usage error from the parser (exit 2), output (a closed stdout is no
    // failure: exit 0), and verbose notes
    for (args, code) in [
        (&["service", "import", deep][..], 2),
        (&["service", "set", "web-app", "--log-interval", "0"], 2),
        (&["service", "--no-such-flag"], 2),
        (&["service", "list"], 0),
        (&["-v", "status"], 0),
    ] {
        assert_eq!(run_with_closed_output(&luffy, args), code, "{args:?}");
    }
    assert_eq!(luffy.snapshot(), snapshot);
}

#[test]
fn quoted_input_is_cut_to_a_readable_length() {
    let (luffy, snapshot) = with_service();
    let deep = luffy.file(
        "deep.toml",
        &format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let err = luffy.fails(&["service", "import", deep.to_str().expect("utf-8")], 2);
    assert!(
        err.len() < 1_000,
        "{} bytes: {}",
        err.len(),
        &err[..2_000.min(err.len())]
    );
    assert!(err.contains("[[[[..."), "{err}");
    assert!(err.trim_end().ends_with("nothing was imported"), "{err}");
    // a long value on the command line, cut on a character boundary, the end of the message kept
    let url = format!("https://git.example.com/{} x", "é".repeat(50_000));
    let err = luffy.fails(&["service", "set", "web-app", "--repo", &url], 2);
    assert!(err.chars().count() < 1_000, "{err}");
    assert!(err.contains("é...é"), "{err}");
    assert!(err.contains("é x' contains a space"), "{err}");
    assert!(err.contains("for '--repo <URL>'"), "{err}");
    let err = luffy.fails(
        &[
            "service",
            "set",
            "web-app",
            "--log-interval",
            &"9".repeat(100_000),
        ],
        2,
    );
    assert!(err.len() < 1_000, "{} bytes", err.len());
    assert_eq!(luffy.snapshot(), snapshot);
}

#[test]
fn bad_limits() {
    let (luffy, snapshot) = with_service();
    for command in [&["history"][..], &["notify", "list"][..]] {
        for (value, why) in [
            ("0", "invalid value '0'"),
            ("-1", "invalid value '-1'"),
            ("1.5", "invalid value '1.5'"),
            ("ten", "invalid value 'ten'"),
        ] {
            let mut args = command.to_vec();
            args.extend(["--limit", value]);
            // said plainly, never clap's `use '-- -1'` tip for a negative number
            refused(
                &luffy,
                &snapshot,
                &args,
                &[why, "--limit takes a whole number >= 1"],
            );
        }
    }
}

#[test]
fn a_bad_llm_endpoint_is_refused_when_the_config_is_read() {
    let (luffy, snapshot) = with_service();
    let config = luffy.file(
        "config.toml",
        "[llm]\nendpoint = \"not a url\"\nmodel = \"m\"\n",
    );
    refused(
        &luffy,
        &snapshot,
        &[
            "--config",
            config.to_str().unwrap(),
            "trigger",
            "rca",
            "web-app",
        ],
        &[
            "invalid config file",
            "llm.endpoint 'not a url' is not a URL",
        ],
    );
}
