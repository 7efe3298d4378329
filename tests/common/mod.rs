//! Shared helpers for integration tests: run the real `luffy` binary in a temp dir with its own
//! database, home and clock.
#![allow(dead_code)]

pub mod git;
pub mod kills;
pub mod listener;
pub mod serve;

use std::io::Write;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The fixed clock every test runs at unless it says otherwise.
pub const NOW: &str = "2024-01-15T10:30:00Z";

/// Marks `path` as a file its writer is done with: modified an hour ago. A fetch holds the last
/// record of a file written within the open-record bound (its writer may not have finished it).
pub fn settle(path: &Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|file| file.set_modified(hour_ago))
        .expect("set a test file's modification time");
}

/// Appends `text` to `path` (made when missing) as a writer that is done with the file: its
/// last record is not held ([`settle`]).
pub fn append(path: &Path, text: &str) {
    append_live(path, text);
    settle(path);
}

/// Appends `text` to `path` (made when missing) as a writer still at work on the file.
pub fn append_live(path: &Path, text: &str) {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .unwrap_or_else(|err| panic!("cannot append to {}: {err}", path.display()));
}

/// A webhook on a port no one listens on (9, discard): what is sent to it stays in the outbox,
/// retrying.
pub const UNHEARD_WEBHOOK: &str = "http://127.0.0.1:9/h";

/// A sandbox: a temp dir that holds the database, and HOME/XDG folders so nothing leaks out.
pub struct Luffy {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub now: String,
}

/// What one run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Luffy {
    pub fn new() -> Luffy {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data/luffy.db");
        Luffy {
            dir,
            db,
            now: NOW.into(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A sandbox with a service `web` whose file source `app` reads `app.log`, written empty
    /// ([`Luffy::file`]); returns the log's path.
    pub fn with_app_log() -> (Luffy, PathBuf) {
        let luffy = Luffy::new();
        let log = luffy.file("app.log", "");
        luffy.watch_file("web", "app", &log);
        (luffy, log)
    }

    /// Sets `service`'s webhook to [`UNHEARD_WEBHOOK`], with `more` arguments of `service set`.
    pub fn unheard_webhook(&self, service: &str, more: &[&str]) {
        let mut args = vec!["service", "set", service, "--webhook", UNHEARD_WEBHOOK];
        args.extend_from_slice(more);
        self.ok(&args);
    }

    /// Adds a service `service` (when it is new) with a file source `name` reading `path`.
    pub fn watch_file(&self, service: &str, name: &str, path: &Path) {
        if !self.ok(&["service", "list"]).contains(service) {
            self.ok(&["service", "add", service]);
        }
        self.ok(&[
            "source",
            "add",
            service,
            name,
            "--kind",
            "file",
            "--path",
            path.to_str().expect("a UTF-8 path"),
        ]);
    }

    /// Writes a file in the sandbox, as a writer that finished with it an hour ago left it
    /// ([`settle`]), and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.live_file(name, text);
        settle(&path);
        path
    }

    /// Writes a file in the sandbox as a writer still at work on it (modified just now).
    pub fn live_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.sandboxed(env!("CARGO_BIN_EXE_luffy"), args)
    }

    /// `program` with `args`, in the sandbox's folder with only its environment.
    fn sandboxed(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("share"))
            .env("LUFFY_DB", &self.db)
            .env("LUFFY_NOW", &self.now)
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs luffy with `stdin` as standard input.
    pub fn run_with_input(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn luffy");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        to_run(&child.wait_with_output().expect("wait for luffy"))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        to_run(
            &self
                .command(args)
                .stdin(Stdio::null())
                .output()
                .expect("run luffy"),
        )
    }

    /// Runs luffy on a pseudo-terminal (through `script(1)`), as a user at a terminal does:
    /// colour is on. Asserts success; returns what the terminal showed, `\r\n` made `\n`.
    pub fn on_terminal(&self, args: &[&str]) -> String {
        let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
        let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_luffy"))
            .chain(args.iter().copied())
            .map(quote)
            .collect();
        let output = self
            .sandboxed("script", &["-qec", &line.join(" "), "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("run script(1)");
        let run = to_run(&output);
        assert_eq!(
            run.code, 0,
            "luffy {args:?} on a terminal failed: {}",
            run.stdout
        );
        run.stdout.replace("\r\n", "\n")
    }

    /// Runs luffy and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_ok(args);
        run.stdout
    }

    /// Runs luffy, asserts exit code `code` and an error on stderr; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, code,
            "luffy {args:?} should exit {code}:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.starts_with("luffy: error: "),
            "stderr: {}",
            run.stderr
        );
        run.stderr
    }

    /// Every cluster's `(title, count)`, sorted.
    pub fn cluster_counts(&self) -> Vec<(String, u64)> {
        let clusters: serde_json::Value =
            serde_json::from_str(&self.ok(&["clusters", "--json"])).expect("clusters --json");
        let mut out: Vec<(String, u64)> = clusters
            .as_array()
            .expect("a list")
            .iter()
            .map(|c| {
                let title = c["title"].as_str().expect("title").to_string();
                (title, c["count"].as_u64().expect("count"))
            })
            .collect();
        out.sort();
        out
    }

    /// The database, opened read-only: tests read what luffy stored without going through it.
    pub fn read_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|err| panic!("cannot open {} read-only: {err}", self.db.display()))
    }

    /// The database, opened to write: for tests that set up what another process would leave.
    pub fn write_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .unwrap_or_else(|err| panic!("cannot open {}: {err}", self.db.display()))
    }

    /// Everything the database holds about services, to check that a failed command changed nothing.
    pub fn snapshot(&self) -> String {
        if !self.db.exists() {
            return "<no database>".into();
        }
        let services = self.ok(&["service", "list", "--json"]);
        let status = self.ok(&["status", "--json"]);
        format!("{services}\n{status}")
    }
}

/// What `output` printed and how it exited.
pub fn to_run(output: &Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Run {
    /// Asserts that luffy `args`, which made this run, exited 0.
    pub fn assert_ok(&self, args: &[&str]) {
        assert_eq!(
            self.code, 0,
            "luffy {args:?} failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
    }
}

/// The repository's `examples/` folder.
pub fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
}

/// A running `osmem-server` (an OpenSearch-API server from PyPI, installed by `scripts/test` and
/// named by `LUFFY_TEST_OSMEM`) on 127.0.0.1; stopped when dropped.
pub struct Osmem {
    child: std::process::Child,
    _stdin: std::process::ChildStdin,
    pub url: String,
}

impl Drop for Osmem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts osmem-server on a free port; panics (never skips) when it is not installed.
pub fn start_osmem() -> Osmem {
    use std::io::BufRead;
    let binary = std::env::var("LUFFY_TEST_OSMEM").unwrap_or_else(|_| {
        panic!("LUFFY_TEST_OSMEM is not set: run scripts/test, which installs osmem-server")
    });
    let mut child = Command::new(&binary)
        .args(["-addr", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {binary} ({err}): run scripts/test"));
    let stdin = child.stdin.take().expect("stdin");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("osmem-server prints its address");
    let hello: serde_json::Value = serde_json::from_str(&line).expect("osmem-server prints JSON");
    let url = hello["url"].as_str().expect("url").to_string();
    Osmem {
        child,
        _stdin: stdin,
        url,
    }
}

/// `text` as JSON; a panic that shows the text when it is not.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

/// The commit ids of a report's suspects, best first.
pub fn suspects(report: &Value) -> Vec<String> {
    report["suspects"]
        .as_array()
        .expect("suspects")
        .iter()
        .map(|s| s["commit"].as_str().unwrap().to_string())
        .collect()
}
