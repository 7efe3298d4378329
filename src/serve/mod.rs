//! `luffy serve`: the design's REST API ([`api`]), a dashboard of server-rendered pages
//! ([`pages`]) and `/metrics` ([`metrics`]) over the same store and the same code paths as the
//! CLI.
//!
//! The server ([`conn`]) is synchronous like the rest of luffy: a thread per connection answers
//! its requests in turn, each opening the store as a command does (SQLite in WAL mode:
//! readers never block the writer, so `run-due` beside it is not slowed). Writes need the
//! bearer token that `[serve] token_env` names; on an address other than loopback every request
//! does, and serving there without a token is refused.

pub mod api;
pub mod cache;
pub mod conn;
pub mod http;
pub mod metrics;
pub mod pages;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};

use crate::commands::Context;
use crate::config::Config;
use crate::error::bad_input;
pub use http::{Method, Reply, Req, MAX_BODY};

/// How long a stopping server waits for the tasks triggered over HTTP.
const TASKS_GRACE: StdDuration = StdDuration::from_secs(30);

/// What every request's handler shares.
pub struct Handler {
    pub db_path: PathBuf,
    pub config: Config,
    /// The clock for tests (`LUFFY_NOW`); `None`: read at each request.
    pub fixed_now: Option<DateTime<Utc>>,
    /// The bearer token requests must present to write (and to read, when `public`).
    token: Option<String>,
    /// Whether the server listens beyond loopback.
    public: bool,
    /// `GET /api/v1/services/status`, kept for up to a second and renewed on a thread of
    /// its own.
    pub status: cache::Cached,
}

impl Handler {
    /// The time of a request.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    /// A command's context for one request, printing JSON.
    pub fn context(&self) -> Context {
        Context {
            db_path: self.db_path.clone(),
            config: self.config.clone(),
            now: self.now(),
            json: true,
            color: false,
            quiet: true,
            fetch: crate::tasks::fetch::FetchOptions::from_env(),
        }
    }
}

/// A running server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    server: conn::Server,
}

impl Running {
    /// Stops taking connections, lets the requests under way finish (bounded), and closes the
    /// idle connections.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Release);
        self.server.join(TASKS_GRACE);
        // tasks triggered over HTTP run on threads of their own: let them finish (bounded)
        let left = api::trigger::wait_for_tasks(TASKS_GRACE);
        if left > 0 {
            crate::ui::to_stderr(&format!(
                "luffy serve: {left} triggered task(s) still running after {}s; the next run \
                 of each records it interrupted",
                TASKS_GRACE.as_secs()
            ));
        }
    }

    /// Whether a stop was asked for.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }
}

/// Whether `addr` is a loopback address.
fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Starts serving on `listen` (`127.0.0.1:8000`; port 0 picks a free one) with `ctx`'s store and
/// configuration.
pub fn start(ctx: &Context, listen: &str) -> Result<Running> {
    let addr: SocketAddr = listen.trim().parse().map_err(|_| {
        bad_input(format!(
            "--listen '{listen}' is not an address and port (127.0.0.1:8000, 0.0.0.0:8000)"
        ))
    })?;
    let token = match &ctx.config.serve.token_env {
        Some(name) => match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Some(value.trim().to_string()),
            _ => {
                return Err(bad_input(format!(
                    "[serve] token_env names {name}, which is not set (or empty): set it to the \
                     token, or remove token_env to serve read-only on loopback"
                )))
            }
        },
        None => None,
    };
    if !is_loopback(&addr) && token.is_none() {
        return Err(bad_input(format!(
            "refusing to serve on {addr} without a token: anyone who reaches it could read every \
             log message; set [serve] token_env in the configuration to a variable holding one \
             (or listen on 127.0.0.1)"
        )));
    }
    // the store is made (and migrated) before the first request
    drop(ctx.open_store()?);
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|err| anyhow::anyhow!("cannot listen on {addr}: {err}"))?;
    let addr = listener.local_addr().context("the server has no address")?;
    let handler = Arc::new_cyclic(|handler| Handler {
        db_path: ctx.db_path.clone(),
        config: ctx.config.clone(),
        fixed_now: std::env::var("LUFFY_NOW")
            .ok()
            .filter(|t| !t.is_empty())
            .map(|_| ctx.now),
        token,
        public: !is_loopback(&addr),
        status: cache::Cached::start(handler.clone(), api::status_reply),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let server = conn::Server::start(listener, MAX_BODY, Arc::clone(&stop), move |request| {
        answer(&handler, request)
    })
    .context("cannot start the server's threads")?;
    Ok(Running { addr, stop, server })
}

fn method_of(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        _ => Method::Other,
    }
}

/// Answers one request: compressed when the client accepts gzip and the body is worth it, and
/// `304 Not Modified` when the client holds it already.
fn answer(handler: &Handler, request: conn::Request) -> conn::Response {
    let gzip_ok = request
        .header("Accept-Encoding")
        .is_some_and(http::accepts_gzip);
    let if_none_match = request.header("If-None-Match").map(str::to_string);
    let req = read(handler, request);
    let mut reply =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(handler, &req)))
            .unwrap_or_else(|_| Reply::error(500, "the request failed inside luffy"));
    if !req.is_read() && (200..300).contains(&reply.status) {
        // what was written shows in the next status answer (a refused write changed nothing)
        handler.status.invalidate();
    }
    let mut headers = vec![
        ("Content-Type", reply.content_type.to_string()),
        ("X-Content-Type-Options", "nosniff".into()),
        ("Cache-Control", "private, no-cache".into()),
    ];
    if reply.content_type.starts_with("text/html") {
        // no script runs on these pages, whatever a log line holds
        headers.push((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'"
                .into(),
        ));
    }
    headers.append(&mut reply.headers);
    // a 304 names the same variants as the 200 it stands for
    let compressible = reply.body.len() >= http::GZIP_FROM;
    if compressible {
        headers.push(("Vary", "Accept-Encoding".into()));
    }
    let mut body = reply.body;
    match reply.etag.as_deref() {
        Some(etag) if if_none_match.is_some_and(|v| http::none_match(&v, etag)) => {
            headers.push(("ETag", etag.to_string()));
            reply.status = 304;
            body = Arc::from(&[][..]);
        }
        Some(etag) => headers.push(("ETag", etag.to_string())),
        None => {}
    }
    if compressible && gzip_ok && reply.status != 304 {
        body = reply.gzip.unwrap_or_else(|| {
            // made for this request alone: the fastest level
            http::gzip(&body, flate2::Compression::fast()).into()
        });
        headers.push(("Content-Encoding", "gzip".into()));
    }
    conn::Response {
        status: reply.status,
        headers,
        body,
    }
}

/// The request as the handlers see it.
fn read(handler: &Handler, request: conn::Request) -> Req {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let authorized = handler.token.as_deref().is_some_and(|token| {
        request
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("Authorization"))
            .any(|(_, value)| {
                value
                    .strip_prefix("Bearer ")
                    .is_some_and(|given| http::same_secret(given.trim(), token))
            })
    });
    Req {
        method: method_of(&request.method),
        path: path.to_string(),
        query,
        body: request.body,
        authorized,
    }
}

/// Auth, then the route.
fn dispatch(handler: &Handler, req: &Req) -> Reply {
    let segments = req.segments();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    if segs == ["healthz"] {
        return Reply::json(200, &serde_json::json!({ "status": "ok" }));
    }
    if handler.public && !req.authorized {
        return unauthorized(handler);
    }
    if !req.is_read() && !req.authorized {
        if handler.token.is_none() {
            return Reply::error(
                403,
                "writes are refused: no token is configured (set [serve] token_env to a \
                 variable holding one, and send it as Authorization: Bearer TOKEN)",
            );
        }
        return unauthorized(handler);
    }
    let reply = match segs.first() {
        Some(&"api") => api::route(handler, req, &segs[1..]),
        Some(&"metrics") if segs.len() == 1 => metrics::route(handler, req),
        _ => pages::route(handler, req, &segs),
    };
    reply.unwrap_or_else(|| not_found(req, &segs))
}

fn unauthorized(handler: &Handler) -> Reply {
    let mut reply = Reply::error(
        401,
        format!(
            "this needs Authorization: Bearer TOKEN (the token in {})",
            handler
                .config
                .serve
                .token_env
                .as_deref()
                .unwrap_or("[serve] token_env")
        ),
    );
    reply
        .headers
        .push(("WWW-Authenticate", "Bearer realm=\"luffy\"".into()));
    reply
}

fn not_found(req: &Req, segs: &[&str]) -> Reply {
    if segs.first() == Some(&"api") || !req.is_read() {
        Reply::error(404, format!("no such endpoint: {}", req.path))
    } else {
        pages::not_found(&req.path)
    }
}

/// `luffy serve`: serves until SIGINT or SIGTERM.
pub fn run(ctx: &Context, listen: &str, out: &mut dyn Write) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let running = start(ctx, listen)?;
    writeln!(
        out,
        "luffy serve: listening on http://{} (the dashboard at /, the API under /api/v1/)",
        running.addr
    )?;
    out.flush()?;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(StdDuration::from_millis(100));
    }
    running.stop();
    writeln!(out, "luffy serve: stopped")?;
    Ok(())
}
