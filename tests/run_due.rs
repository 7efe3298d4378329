//! `luffy run-due` and `luffy daemon`: every due task of every active service, once, in
//! isolation from the other services; `history` filters.

mod common;

use common::json;
use common::listener::{Listener, Reply};

use std::time::{Duration, Instant};

use common::Luffy;

/// Services `s0`..`sN` (RCA and indexing off: fetch is the one task due), each with a file
/// source holding one error of its own.
fn services(luffy: &Luffy, n: usize) {
    for i in 0..n {
        let id = format!("s{i}");
        luffy.ok(&["service", "add", &id, "--rca", "off", "--indexing", "off"]);
        let log = luffy.file(
            &format!("{id}.log"),
            &format!("2024-01-15 10:00:00 ERROR db: {id} cannot reach the database\n"),
        );
        luffy.ok(&[
            "source",
            "add",
            &id,
            "app",
            "--kind",
            "file",
            "--path",
            log.to_str().unwrap(),
        ]);
    }
}

/// Task runs as (service, task, status), sorted.
fn runs(luffy: &Luffy) -> Vec<(String, String, String)> {
    let history = json(&luffy.ok(&["history", "--json", "--limit", "1000"]));
    let mut runs: Vec<(String, String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["service_id"].as_str().unwrap().to_string(),
                r["task"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    runs.sort();
    runs
}

fn fetched(ids: &[&str]) -> Vec<(String, String, String)> {
    ids.iter()
        .map(|id| (id.to_string(), "fetch".to_string(), "ok".to_string()))
        .collect()
}

#[test]
fn due_tasks_run_once_and_then_nothing_is_due() {
    let luffy = Luffy::new();
    services(&luffy, 2);
    let dry = luffy.ok(&["run-due", "--dry-run"]);
    assert_eq!(
        dry,
        "s0 fetch: would run; never ran, last run never\n\
         s1 fetch: would run; never ran, last run never\n"
    );
    assert!(runs(&luffy).is_empty(), "a dry run touches nothing");
    let out = luffy.ok(&["run-due"]);
    assert!(out.contains("s0 fetch ok"), "{out}");
    assert!(out.contains("s1 fetch ok"), "{out}");
    assert_eq!(runs(&luffy), fetched(&["s0", "s1"]));
    assert_eq!(
        json(&luffy.ok(&["history", "--json"]))[0]["trigger"],
        "schedule"
    );
    // at the same clock, nothing is due any more
    assert_eq!(
        luffy.ok(&["run-due"]),
        "nothing is due (2 active service(s))\n"
    );
    assert_eq!(luffy.ok(&["run-due", "--dry-run"]), "nothing is due\n");
    // 30 minutes later (the default interval) the fetches are due again
    let mut later = luffy;
    later.now = "2024-01-15T11:00:00Z".into();
    let dry = json(&later.ok(&["run-due", "--dry-run", "--json", "--service", "s1"]));
    assert_eq!(dry.as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(dry[0]["service_id"], "s1");
    assert_eq!(dry[0]["due_since"], "2024-01-15T11:00:00Z");
    assert_eq!(dry[0]["last_run"], "2024-01-15T10:30:00Z");
    assert_eq!(dry[0]["would_run"], true);
}

#[test]
fn one_failing_service_does_not_stop_the_others_and_the_exit_code_says_so() {
    let luffy = Luffy::new();
    services(&luffy, 2);
    luffy.ok(&[
        "service",
        "add",
        "broken",
        "--rca",
        "off",
        "--indexing",
        "off",
    ]);
    luffy.ok(&[
        "source",
        "add",
        "broken",
        "app",
        "--kind",
        "file",
        "--path",
        "/nonexistent/luffy/app.log",
    ]);
    let run = luffy.run(&["run-due", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("1 of 3 task(s) failed"),
        "{}",
        run.stderr
    );
    let ran = json(&run.stdout);
    let broken = ran
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_id"] == "broken")
        .unwrap();
    assert_eq!(broken["status"], "failed");
    assert!(broken["errors"][0]
        .as_str()
        .unwrap()
        .contains("/nonexistent/luffy/app.log"));
    let counts = luffy.cluster_counts();
    assert_eq!(counts.len(), 2, "the other services ran: {counts:?}");
}

#[test]
fn shards_split_the_services_between_hosts_exactly() {
    let luffy = Luffy::new();
    services(&luffy, 9);
    luffy.ok(&["run-due", "--shard", "1/3"]);
    let first = runs(&luffy).len();
    luffy.ok(&["run-due", "--shard", "2/3"]);
    luffy.ok(&["run-due", "--shard", "3/3"]);
    let all: Vec<String> = (0..9).map(|i| format!("s{i}")).collect();
    let ids: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(runs(&luffy), fetched(&ids));
    assert!(first > 0 && first < 9, "{first} of 9 in the first shard");
}

#[test]
fn eight_run_due_processes_at_once_run_every_due_task_exactly_once() {
    let luffy = Luffy::new();
    services(&luffy, 6);
    let children: Vec<_> = (0..8)
        .map(|_| {
            luffy
                .command(&["run-due", "--jobs", "2"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stderr.contains("locked"), "{stderr}");
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    }
    let ok: Vec<_> = runs(&luffy)
        .into_iter()
        .filter(|(_, _, status)| status == "ok")
        .collect();
    let all: Vec<String> = (0..6).map(|i| format!("s{i}")).collect();
    let ids: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(ok, fetched(&ids));
    let counts: Vec<u64> = luffy.cluster_counts().into_iter().map(|(_, n)| n).collect();
    assert_eq!(counts, [1; 6], "every event counted once");
}

#[test]
fn a_task_past_the_task_timeout_is_left_behind_and_the_others_run() {
    let luffy = Luffy::new();
    services(&luffy, 1);
    luffy.ok(&[
        "service",
        "add",
        "slow",
        "--rca",
        "off",
        "--indexing",
        "off",
    ]);
    luffy.ok(&[
        "source",
        "add",
        "slow",
        "dump",
        "--kind",
        "command",
        "--command",
        "sleep 30",
        "--timeout",
        "60s",
    ]);
    let config = luffy.file("config.toml", "[daemon]\ntask_timeout_seconds = 1\n");
    let begun = Instant::now();
    let run = luffy.run(&["--config", config.to_str().unwrap(), "run-due", "--json"]);
    assert!(
        begun.elapsed() < Duration::from_secs(25),
        "{:?}",
        begun.elapsed()
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let ran = json(&run.stdout);
    let slow = ran
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service_id"] == "slow")
        .unwrap();
    assert_eq!(slow["status"], "failed");
    assert!(
        slow["errors"][0].as_str().unwrap().contains("task timeout"),
        "{slow}"
    );
    assert_eq!(luffy.cluster_counts().len(), 1, "s0 ran");
}

#[test]
fn bad_run_due_flags_are_refused() {
    let luffy = Luffy::new();
    services(&luffy, 1);
    for (args, says) in [
        (&["run-due", "--shard", "0/2"][..], "is not a shard"),
        (&["run-due", "--shard", "3/2"][..], "is not a shard"),
        (&["run-due", "--jobs", "0"][..], "--jobs"),
        (&["run-due", "--service", "s9"][..], "no service 's9'"),
        (&["daemon", "--tick", "0s"][..], "--tick"),
        (
            &["history", "--status", "done"][..],
            "unknown task status 'done'",
        ),
    ] {
        let err = luffy.fails(args, 2);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(runs(&luffy).is_empty(), "nothing ran");
}

#[test]
fn history_filters_by_task_and_status() {
    let luffy = Luffy::new();
    services(&luffy, 1);
    luffy.ok(&["run-due"]);
    luffy.fails(&["trigger", "index", "s0"], 1);
    let failed = json(&luffy.ok(&["history", "--json", "--status", "failed"]));
    assert_eq!(failed.as_array().unwrap().len(), 1);
    assert_eq!(failed[0]["task"], "index");
    assert_eq!(failed[0]["task"], "index");
    luffy.fails(&["trigger", "index", "s0"], 1);
    let status = json(&luffy.ok(&["status", "s0", "--json"]));
    assert_eq!(status["last_outcomes"]["index"]["status"], "failed");
    assert_eq!(
        status["last_outcomes"]["index"]["failures_since_success"],
        2
    );
    assert_eq!(status["last_outcomes"]["fetch"]["status"], "ok");
    assert!(luffy
        .ok(&["status", "s0"])
        .contains("failed (2 failures since the last success)"));
    let fetches = json(&luffy.ok(&["history", "s0", "--json", "--task", "fetch"]));
    assert_eq!(fetches.as_array().unwrap().len(), 1);
    assert_eq!(fetches[0]["status"], "ok");
}

#[test]
fn the_daemon_runs_steps_until_sigterm_and_leaves_no_lease() {
    let luffy = Luffy::new();
    services(&luffy, 2);
    let child = luffy
        .command(&["daemon", "--tick", "1s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let begun = Instant::now();
    while runs(&luffy).len() < 2 {
        assert!(begun.elapsed() < Duration::from_secs(30), "no step ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("s0 fetch ok"), "{stderr}");
    assert!(stderr.contains("luffy daemon: stopped"), "{stderr}");
    let leases: i64 = luffy
        .read_db()
        .query_row("SELECT count(*) FROM leases", [], |row| row.get(0))
        .unwrap();
    assert_eq!(leases, 0);
    // at the tests' fixed clock, each fetch ran once however many steps there were
    assert_eq!(runs(&luffy), fetched(&["s0", "s1"]));
}

/// `daemon --serve`: the loop and the server in one process; the server answers while the loop
/// runs, and SIGTERM stops both with exit code 0.
#[test]
fn the_daemon_serves_beside_its_loop_and_stops_with_it() {
    use std::io::{BufRead as _, BufReader};
    let luffy = Luffy::new();
    services(&luffy, 2);
    let mut child = luffy
        .command(&["daemon", "--tick", "1s", "--serve", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let base = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the daemon ended without saying where it serves: {said}"
        );
        said.push_str(&line);
        if let Some(rest) = line.split("luffy daemon: serving on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // the rest of its log, read on so that the pipe never fills
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let mut health = ureq::get(&format!("{base}/healthz")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert!(health
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("\"ok\""));
    let begun = Instant::now();
    while runs(&luffy).len() < 2 {
        assert!(begun.elapsed() < Duration::from_secs(30), "no step ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = ureq::get(&format!("{base}/api/v1/services/status"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let status = json(&status);
    assert_eq!(status.as_array().map(Vec::len), Some(2), "{status}");
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let code = child.wait().unwrap().code();
    let log = rest.join().unwrap();
    assert_eq!(code, Some(0), "{said}{log}");
    assert!(log.contains("luffy daemon: stopped"), "{log}");
    assert!(
        ureq::get(&format!("{base}/healthz")).call().is_err(),
        "the server stopped with the daemon"
    );
}

/// The deployment examples' command lines (crontab, systemd units, CronJob) are luffy's.
#[test]
fn the_deployment_examples_run_as_written() {
    let luffy = Luffy::new();
    services(&luffy, 1);
    let dir = common::examples().join("deploy");
    let mut lines = Vec::new();
    for name in ["crontab", "luffy-run-due.service", "luffy-daemon.service"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let line = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.starts_with("ExecStart=") || l.starts_with('*'))
            .find_map(|l| l.split_once("luffy ").map(|(_, args)| args.to_string()))
            .unwrap_or_else(|| panic!("{name} runs no luffy"));
        lines.push(line);
    }
    let cronjob = std::fs::read_to_string(dir.join("cronjob.yaml")).unwrap();
    assert!(cronjob.contains(r#"args: ["run-due"]"#), "{cronjob}");
    assert_eq!(lines[0], "run-due --quiet");
    for line in &lines {
        let mut args: Vec<&str> = line.split_whitespace().collect();
        if args[0] == "daemon" {
            args.extend(["--steps", "1"]);
        }
        luffy.ok(&args);
    }
    assert_eq!(runs(&luffy), fetched(&["s0"]));
}

/// run-due delivers the outbox after the tasks that wrote it: one message per new cluster.
#[test]
fn run_due_delivers_what_its_fetches_told() {
    let luffy = Luffy::new();
    services(&luffy, 1);
    let listener = Listener::start(|_| Some(Reply::new(200, "")));
    let hook = format!("generic={}/hook", listener.url);
    luffy.ok(&["service", "set", "s0", "--webhook", &hook]);
    let out = luffy.ok(&["run-due"]);
    assert!(out.contains("s0 fetch ok"), "{out}");
    assert!(out.contains("s0 notify ok"), "{out}");
    // delivered before run-due's notify step ended: the listener recorded it before answering
    let bodies: Vec<String> = listener.received().into_iter().map(|r| r.body).collect();
    assert_eq!(bodies.len(), 1);
    let message = json(&bodies[0]);
    assert_eq!(message["version"], 1);
    assert_eq!(message["event"], "new_cluster");
    assert_eq!(message["service"]["id"], "s0", "{message}");
    // nothing left to deliver: the next step runs nothing
    assert_eq!(
        luffy.ok(&["run-due"]),
        "nothing is due (1 active service(s))\n"
    );
}
