//! Real git for tests: repositories made with the `git` command in temp dirs, served by
//! `git daemon` (git://) and by `git http-backend` (smart HTTP, behind an in-process HTTP
//! listener that plays the CGI server) on 127.0.0.1.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `git` command without the `GIT_*` variables of the process that runs the tests: under
/// `git rebase --exec` (or a hook), `GIT_DIR` names the luffy checkout itself, and a test's
/// `git init`, `commit` or `reset` would act on it instead of on the test's repository.
fn git_command() -> Command {
    without_git_variables("git")
}

/// `program` without the `GIT_*` variables of this process ([`git_command`]).
fn without_git_variables(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// A service `app` on `repo` (frames under `/srv/app/` map to its root) with `log` as its file
/// source, fetched and indexed: what a root-cause report needs.
pub fn indexed_service(luffy: &super::Luffy, repo: &Repo, log: &str) {
    fetched_service(luffy, repo, log);
    luffy.ok(&["trigger", "index", "app"]);
}

/// The same, fetched but not indexed.
pub fn fetched_service(luffy: &super::Luffy, repo: &Repo, log: &str) {
    luffy.ok(&[
        "service",
        "add",
        "app",
        "--repo",
        &repo.url(),
        "--path-map",
        "/srv/app/=",
    ]);
    let log = luffy.file("app.log", log);
    luffy.ok(&[
        "source",
        "add",
        "app",
        "log",
        "--kind",
        "file",
        "--path",
        log.to_str().unwrap(),
    ]);
    luffy.ok(&["trigger", "fetch", "app"]);
}

/// A repository with a work tree, committed to with fixed authors and dates.
pub struct Repo {
    pub path: PathBuf,
    commits: u32,
}

impl Repo {
    /// `git init` at `path` on branch `main`.
    pub fn init(path: &Path) -> Repo {
        std::fs::create_dir_all(path).expect("repo dir");
        let repo = Repo {
            path: path.to_path_buf(),
            commits: 0,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// An existing repository (a checkout luffy made, say).
    pub fn init_existing(path: &Path) -> Repo {
        Repo {
            path: path.to_path_buf(),
            commits: 0,
        }
    }

    /// `git clone` of `from` into `to`.
    pub fn clone_from(from: &Path, to: &Path) -> Repo {
        let out = git_command()
            .args(["clone", "-q"])
            .arg(from)
            .arg(to)
            .output()
            .expect("git clone");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Repo::init_existing(to)
    }

    /// Runs git in the repository; panics when it fails; returns its output. What it commits
    /// is dated 10:00 UTC on January 1, 2024 plus a day for each commit made before.
    pub fn git(&self, args: &[&str]) -> String {
        let date = format!("2024-01-{:02}T10:00:00Z", 1 + self.commits.min(27));
        self.git_at(&date, args)
    }

    /// Runs git as of `date` (`2024-01-10T10:00:00Z`: its commits' author and committer
    /// dates).
    pub fn git_at(&self, date: &str, args: &[&str]) -> String {
        let out = git_command()
            .args(args)
            .current_dir(&self.path)
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", &self.path)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes a file of the work tree (folders made as needed).
    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, content).expect("write file");
    }

    /// Stages everything and commits; returns the new commit's id.
    pub fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.commits += 1;
        self.head()
    }

    /// Stages everything and commits as of `date`; returns the new commit's id.
    pub fn commit_at(&mut self, message: &str, date: &str) -> String {
        self.git(&["add", "-A"]);
        self.git_at(date, &["commit", "-q", "-m", message]);
        self.commits += 1;
        self.head()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.path.display())
    }
}

/// A free port on 127.0.0.1 (the listener is closed before the port is handed over).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Waits until something listens on `port` (a server that does not start fails the test).
fn wait_for(port: u16, child: &mut Child) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited before listening: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `git daemon` serving every repository under `base`; stopped when dropped.
pub struct GitDaemon {
    child: Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(base: &Path) -> GitDaemon {
        let port = free_port();
        // `git daemon` runs git-daemon as a child and killing it would leave that running:
        // start git-daemon itself, so that dropping this stops it.
        let exec_path = git_command()
            .arg("--exec-path")
            .output()
            .expect("git --exec-path");
        let exec_path = String::from_utf8_lossy(&exec_path.stdout)
            .trim()
            .to_string();
        let mut child = without_git_variables(Path::new(&exec_path).join("git-daemon"))
            .arg("--reuseaddr")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg("--export-all")
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        wait_for(port, &mut child);
        GitDaemon { child, port }
    }

    /// The git:// URL of the repository `name` under the base folder.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Smart HTTP: an HTTP listener on 127.0.0.1 that runs `git http-backend` (CGI) for each
/// request, over the repositories under `root`; with a token, requests without basic
/// authentication carrying it get 401. Stops when dropped.
pub struct HttpGit {
    server: std::sync::Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub port: u16,
}

impl HttpGit {
    pub fn start(root: &Path, token: Option<&str>) -> HttpGit {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("http"));
        let port = server.server_addr().to_ip().expect("ip addr").port();
        let root = root.to_path_buf();
        let token = token.map(str::to_string);
        let serving = std::sync::Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                serve(request, &root, token.as_deref());
            }
        });
        HttpGit {
            server,
            thread: Some(thread),
            port,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for HttpGit {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn serve(mut request: tiny_http::Request, root: &Path, token: Option<&str>) {
    if let Some(token) = token {
        let expected = format!(
            "Basic {}",
            base64(format!("x-access-token:{token}").as_bytes())
        );
        let authorized = request
            .headers()
            .iter()
            .any(|h| h.field.equiv("Authorization") && h.value.as_str() == expected);
        if !authorized {
            let header = tiny_http::Header::from_bytes("WWW-Authenticate", "Basic realm=\"git\"")
                .expect("header");
            let _ = request.respond(tiny_http::Response::empty(401).with_header(header));
            return;
        }
    }
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
            .unwrap_or_default()
    };
    let content_type = header("Content-Type");
    let encoding = header("Content-Encoding");
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let mut child = Command::new("git")
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", request.method().as_str())
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", content_type)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", encoding)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("git http-backend");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child.wait_with_output().expect("http-backend output");
    let _ = writer.join();
    let text = out.stdout;
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| text.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, gap)) = split else {
        let _ = request.respond(tiny_http::Response::empty(500));
        return;
    };
    let head = String::from_utf8_lossy(&text[..end]).into_owned();
    let mut status = 200;
    let mut headers = Vec::new();
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("Status") {
            status = value
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
        } else if let Ok(header) = tiny_http::Header::from_bytes(name.trim(), value) {
            headers.push(header);
        }
    }
    let body = text[end + gap..].to_vec();
    let mut response = tiny_http::Response::from_data(body).with_status_code(status);
    for header in headers {
        response.add_header(header);
    }
    let _ = request.respond(response);
}
