//! Fetching a `command` source end to end: its output is read as it prints it, in batches with
//! a cursor of their own, so that a fetch killed or a program timed out in the middle of a run
//! stores every record once when the next run completes it.

mod common;

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

/// A log of `n` lines' worth of records: refused connections, traces, infos; and the counts of
/// the two errors.
fn log(n: u32) -> (String, u64, u64) {
    let mut text = String::new();
    let (mut refused, mut traces) = (0, 0);
    for i in 0..n {
        match i % 10 {
            0 => {
                let _ = writeln!(
                    text,
                    "2024-01-15 10:00:01,002 ERROR db: connection to 10.0.0.{} refused",
                    i % 250
                );
                refused += 1;
            }
            3 => {
                text.push_str(TRACE);
                traces += 1;
            }
            _ => {
                let _ = writeln!(text, "2024-01-15 10:00:00 INFO web: GET /items/{i} 200");
            }
        }
    }
    (text, refused, traces)
}

fn expected(refused: u64, traces: u64) -> Vec<(String, u64)> {
    vec![
        ("ValueError: bad 42".to_string(), traces),
        ("db: connection to <IP> refused".to_string(), refused),
    ]
}

/// A service `web` whose source `dump` runs `command`.
fn watch(luffy: &Luffy, command: &str, timeout: &str) {
    luffy.ok(&["service", "add", "web"]);
    luffy.ok(&[
        "source",
        "add",
        "web",
        "dump",
        "--kind",
        "command",
        "--command",
        command,
        "--timeout",
        timeout,
        "--since",
        "2024-01-01T00:00:00Z",
    ]);
}

fn report(luffy: &Luffy, code: i32) -> Value {
    let run = luffy.run(&["trigger", "fetch", "web", "--json"]);
    assert_eq!(run.code, code, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("fetch --json")
}

fn cursor(luffy: &Luffy) -> Value {
    let text: String = luffy
        .read_db()
        .query_row("SELECT cursor FROM log_sources", [], |row| row.get(0))
        .expect("the cursor");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn a_run_that_times_out_keeps_what_it_stored_and_the_next_run_skips_it() {
    let luffy = Luffy::new();
    let (text, refused, traces) = log(20_000);
    let file = luffy.file("app.log", &text);
    let flag = luffy.path("hang");
    std::fs::write(&flag, "").unwrap();
    // prints the log, then hangs while the flag file is there
    let script = luffy.file(
        "dump.sh",
        &format!(
            "#!/bin/sh\ncat {}\nwhile [ -e {} ]; do sleep 0.1; done\n",
            file.display(),
            flag.display()
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    watch(&luffy, script.to_str().unwrap(), "2s");
    let mut cmd = luffy.command(&["trigger", "fetch", "web", "--json"]);
    cmd.env("LUFFY_FETCH_BATCH", "1000");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        first["errors"][0]
            .as_str()
            .unwrap()
            .contains("timed out after 2s"),
        "{first}"
    );
    let stored = first["counts"]["events"].as_u64().unwrap();
    assert!(stored > 0, "batches before the timeout are kept: {first}");
    let skip = cursor(&luffy)["skip"].as_u64().unwrap();
    assert!(skip > 0, "{}", cursor(&luffy));
    assert_eq!(cursor(&luffy)["since"], "2024-01-01T00:00:00Z");
    std::fs::remove_file(&flag).unwrap();
    let second = report(&luffy, 0);
    assert_eq!(
        stored + second["counts"]["events"].as_u64().unwrap(),
        refused + traces,
        "{second}"
    );
    assert_eq!(luffy.cluster_counts(), expected(refused, traces));
    assert_eq!(
        cursor(&luffy),
        serde_json::json!({"since": "2024-01-15T10:30:00Z"})
    );
}

/// Kills `luffy trigger fetch` of a command source with SIGKILL at random moments, each mid-run
/// (some but not all of its batches committed), then lets a fetch finish: every cluster's count
/// must equal the number of its records in the output.
#[test]
fn killed_command_fetches_count_every_record_exactly_once() {
    let luffy = Luffy::new();
    let (text, refused, traces) = log(60_000);
    let file = luffy.file("app.log", &text);
    watch(&luffy, &format!("cat {}", file.display()), "60s");
    let mut rng = Rng::from_env();
    let plan = Plan {
        args: &["trigger", "fetch", "web"],
        batch: "997",
        kills: 5,
        total: refused + traces,
    };
    let stored = luffy.kill_mid_fetch(&plan, &mut rng);
    assert!(stored.windows(2).all(|w| w[0] < w[1]), "{stored:?}");
    let report = report(&luffy, 0);
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(
        luffy.cluster_counts(),
        expected(refused, traces),
        "replay: {}",
        rng.replay()
    );
}
