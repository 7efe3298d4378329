//! The database file under stress and in hostile setups: concurrent first use of a new file,
//! read-only folders and files.

mod common;

use std::process::{Command, Stdio};

use common::Luffy;

/// Eight `luffy service set sN` started together against a database that does not exist yet, 40
/// times over: every one succeeds (no "database is locked", no "database of another program"),
/// and each database ends up with all eight services.
#[test]
fn concurrent_first_use_of_a_new_database_succeeds() {
    const PROCESSES: usize = 8;
    const ROUNDS: usize = 40;
    let luffy = Luffy::new();
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let db = luffy.path(&format!("round{round}/data/luffy.db"));
        let children: Vec<_> = (0..PROCESSES)
            .map(|n| {
                luffy
                    .command(&["service", "set", &format!("s{n}")])
                    .env("LUFFY_DB", &db)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn luffy")
            })
            .collect();
        for (n, child) in children.into_iter().enumerate() {
            let output = child.wait_with_output().expect("wait for luffy");
            if !output.status.success() {
                failures.push(format!(
                    "round {round}, s{n}: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
        let count: i64 = rusqlite::Connection::open(&db)
            .and_then(|conn| conn.query_row("SELECT count(*) FROM services", [], |row| row.get(0)))
            .expect("count services");
        assert!(
            count == PROCESSES as i64 || !failures.is_empty(),
            "round {round}: {count} services"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether this test runs as root, who may write anything: permissions are then tried as
/// `nobody` (through setpriv from util-linux, which `scripts/test` requires).
fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Runs luffy as an unprivileged user: `nobody` when the test runs as root, else the test's own.
fn run_unprivileged(luffy: &Luffy, args: &[&str]) -> common::Run {
    let mut cmd = luffy.command(args);
    if is_root() {
        let program = cmd.get_program().to_owned();
        let mut wrapped = Command::new("setpriv");
        wrapped
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program)
            .args(cmd.get_args())
            .env_clear()
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .current_dir(luffy.dir.path());
        cmd = wrapped;
    }
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run luffy unprivileged");
    common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A sandbox whose database (with one service) belongs to the unprivileged user.
fn owned_sandbox() -> Luffy {
    use std::os::unix::fs::PermissionsExt;
    let luffy = Luffy::new();
    let data = luffy.db.parent().expect("data dir").to_path_buf();
    std::fs::set_permissions(luffy.dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod sandbox");
    std::fs::create_dir_all(&data).expect("data dir");
    if is_root() {
        std::os::unix::fs::chown(&data, Some(65534), Some(65534)).expect("chown data dir");
    }
    let run = run_unprivileged(&luffy, &["service", "add", "web"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    luffy
}

fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A database in a folder that cannot be written: commands that only read work (the database is
/// opened read-only), and one that writes names the folder.
#[test]
fn a_read_only_folder_allows_reads_and_names_itself_on_writes() {
    let luffy = owned_sandbox();
    let data = luffy.db.parent().expect("data dir").to_path_buf();
    chmod(&data, 0o555);
    for args in [
        &["status"][..],
        &["status", "web"],
        &["service", "list"],
        &["service", "show", "web"],
        &["source", "list"],
        &["clusters"],
        &["history"],
    ] {
        let run = run_unprivileged(&luffy, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let run = run_unprivileged(&luffy, &["status", "--json"]);
    assert!(
        run.stdout.contains("\"service_id\": \"web\""),
        "{}",
        run.stdout
    );
    let run = run_unprivileged(&luffy, &["service", "set", "web", "--log-interval", "5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("the folder {} is not writable", data.display())),
        "{}",
        run.stderr
    );
    // a database that does not exist yet cannot be made there either, and the message says why
    let other = data.join("other.db");
    let run = run_unprivileged(
        &luffy,
        &["--db", other.to_str().expect("utf-8"), "service", "list"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("the folder {} is not writable", data.display())),
        "{}",
        run.stderr
    );
    chmod(&data, 0o700);
    let names: Vec<String> = std::fs::read_dir(&data)
        .expect("read data dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["luffy.db"], "nothing was left beside the database");
}

/// A 0400 database: reads work and leave no `-shm` behind (one of mode 0400 would break every
/// later write); a write names the file; once writable again, writes work.
#[test]
fn a_read_only_database_file_is_read_without_leaving_a_shm() {
    let luffy = owned_sandbox();
    chmod(&luffy.db, 0o400);
    for args in [&["status"][..], &["service", "list"], &["clusters"]] {
        let run = run_unprivileged(&luffy, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let shm = luffy.db.with_extension("db-shm");
    assert!(!shm.exists(), "a read left {}", shm.display());
    let run = run_unprivileged(&luffy, &["service", "set", "web", "--log-interval", "5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("the file {} is not writable", luffy.db.display())),
        "{}",
        run.stderr
    );
    chmod(&luffy.db, 0o600);
    let run = run_unprivileged(&luffy, &["service", "set", "web", "--log-interval", "5"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A `-shm` that cannot be written (left by an older luffy that read a 0400 database) is named
/// when a write fails on it.
#[test]
fn an_unwritable_shm_is_named() {
    let luffy = owned_sandbox();
    let shm = luffy.db.with_extension("db-shm");
    std::fs::write(&shm, b"").expect("write shm");
    if is_root() {
        std::os::unix::fs::chown(&shm, Some(65534), Some(65534)).expect("chown shm");
    }
    chmod(&shm, 0o400);
    let run = run_unprivileged(&luffy, &["service", "set", "web", "--log-interval", "5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("the file {} is not writable", shm.display())),
        "{}",
        run.stderr
    );
}
