//! HTTP/1.1 connections: a thread each, requests read off it in turn (keep-alive, pipelining),
//! heads parsed by `httparse` (hyper's parser), bodies by length or in chunks, answers written
//! with their length.
//!
//! Why not tiny_http, which luffy served with first: its pool queues a new connection behind
//! the threads it counts as idle and starts no thread for it, so a burst of keep-alive
//! connections is served four at a time and the others wait until one closes (measured: 4 of
//! 60 connections opened at once answered within 3 s). Every request here is answered on its
//! connection's own thread, with no hand-off between threads.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Headers read at most.
const MAX_HEADERS: usize = 100;
/// Connections served at once; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a kept-alive connection may sit idle, and a request take to arrive whole.
const IDLE: Duration = Duration::from_secs(60);
/// How often a blocked read looks whether the server is stopping.
const TICK: Duration = Duration::from_millis(250);

/// A request read off a connection.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The request target: the path and query as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Sent as HTTP/1.0 (kept alive only when it asks).
    pub http10: bool,
}

impl Request {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer to send.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Arc<[u8]>,
}

/// What reading a request gave instead of one.
enum Failed {
    /// The connection ended, went idle too long, or the server is stopping: close it quietly.
    Closed,
    /// The request is malformed or too large: answer this and close.
    Refuse(u16, &'static str),
}

/// Serves connections accepted on `listener` with `answer` until `stop` is set.
pub struct Server {
    pub addr: SocketAddr,
    accept: JoinHandle<()>,
    open: Arc<AtomicUsize>,
}

impl Server {
    /// Starts the thread accepting connections; each gets a thread that calls `answer` for each
    /// of its requests. `max_body` bounds a request's body (413 above).
    pub fn start<F>(
        listener: TcpListener,
        max_body: usize,
        stop: Arc<AtomicBool>,
        answer: F,
    ) -> io::Result<Server>
    where
        F: Fn(Request) -> Response + Send + Sync + 'static,
    {
        let addr = listener.local_addr()?;
        let answer = Arc::new(answer);
        let open = Arc::new(AtomicUsize::new(0));
        let accept = {
            let open = Arc::clone(&open);
            std::thread::Builder::new()
                .name("luffy-serve-accept".into())
                .spawn(move || accept(&listener, max_body, &stop, &open, &answer))?
        };
        Ok(Server { addr, accept, open })
    }

    /// Waits for the accepting thread (after `stop` was set), then up to `grace` for the
    /// connections to finish the requests under way; returns how many are still open.
    pub fn join(self, grace: Duration) -> usize {
        // a connection to ourselves wakes the blocked accept
        let _ = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_secs(1));
        let _ = self.accept.join();
        let until = Instant::now() + grace;
        while self.open.load(Ordering::Acquire) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.open.load(Ordering::Acquire)
    }
}

/// Where to connect to reach a listener (an unspecified address is reached on loopback).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if to.ip().is_unspecified() {
        to.set_ip(match to {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    to
}

fn accept<F>(
    listener: &TcpListener,
    max_body: usize,
    stop: &Arc<AtomicBool>,
    open: &Arc<AtomicUsize>,
    answer: &Arc<F>,
) where
    F: Fn(Request) -> Response + Send + Sync + 'static,
{
    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let Ok(mut stream) = stream else {
            // out of descriptors, or the peer left before it was accepted: go on
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::AcqRel);
            let _ = send(&mut stream, &busy(), false, false);
            continue;
        }
        let (stop, counted, answer) = (Arc::clone(stop), Arc::clone(open), Arc::clone(answer));
        let spawned = std::thread::Builder::new()
            .name("luffy-serve-conn".into())
            .spawn(move || {
                // counted closed however the thread ends
                let _open = Open(&counted);
                serve(stream, max_body, &stop, answer.as_ref());
            });
        if spawned.is_err() {
            // the thread never ran (its stream is dropped, closing it): give its count back
            open.fetch_sub(1, Ordering::AcqRel);
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn busy() -> Response {
    Response {
        status: 503,
        headers: vec![("Content-Type", "application/json".into())],
        body: Arc::from(&b"{\"error\": \"too many connections: try again shortly\"}\n"[..]),
    }
}

/// Gives back a connection's count when its thread ends.
struct Open<'a>(&'a AtomicUsize);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One connection: its requests in turn until it closes, asks to, errs or the server stops.
fn serve(
    mut stream: TcpStream,
    max_body: usize,
    stop: &AtomicBool,
    answer: &dyn Fn(Request) -> Response,
) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(TICK)).is_err() {
        return;
    }
    let mut input = Input::default();
    loop {
        let request = match input.request(&mut stream, max_body, stop) {
            Ok(request) => request,
            Err(Failed::Closed) => break,
            Err(Failed::Refuse(status, message)) => {
                let response = Response {
                    status,
                    headers: vec![("Content-Type", "application/json".into())],
                    body: Arc::from(format!("{{\"error\": \"{message}\"}}\n").into_bytes()),
                };
                if send(&mut stream, &response, false, false).is_ok() {
                    linger(&mut stream);
                }
                break;
            }
        };
        let keep = keeps_alive(&request) && !stop.load(Ordering::Acquire);
        let head = request.method == "HEAD";
        let response = answer(request);
        if send(&mut stream, &response, head, keep).is_err() || !keep {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// After refusing a request whose body is left unread: stops writing and reads what the client
/// still sends (bounded), so that closing does not reset the connection before the client has
/// read the refusal.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 16 * 1024];
    let mut left: usize = 64 * 1024 * 1024;
    while Instant::now() < until && left > 0 {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => left = left.saturating_sub(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

/// Whether the connection stays open after this request (HTTP/1.1 unless it says close;
/// HTTP/1.0 only when it asks).
fn keeps_alive(request: &Request) -> bool {
    let connection = request.header("Connection").unwrap_or("");
    let says = |word: &str| {
        connection
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(word))
    };
    if request.http10 {
        says("keep-alive")
    } else {
        !says("close")
    }
}

/// Bytes read off a connection and not yet used.
#[derive(Default)]
struct Input {
    buf: Vec<u8>,
    /// Where the unused bytes start.
    at: usize,
}

impl Input {
    fn unused(&self) -> &[u8] {
        &self.buf[self.at..]
    }

    /// Reads more bytes; `Closed` at the end of the stream, when idle past [`IDLE`] (or the
    /// server stops) with nothing of a request read, or when a request stalls past [`IDLE`].
    fn fill(
        &mut self,
        stream: &mut TcpStream,
        stop: &AtomicBool,
        since: Instant,
    ) -> Result<(), Failed> {
        // what was used goes, so that a pipelining client never grows the buffer
        if self.at > 0 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => return Err(Failed::Closed),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    let idle = self.unused().is_empty();
                    if (idle && stop.load(Ordering::Acquire)) || since.elapsed() > IDLE {
                        return Err(Failed::Closed);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Failed::Closed),
            }
        }
    }

    /// The next request: its head parsed, its body read whole.
    fn request(
        &mut self,
        stream: &mut TcpStream,
        max_body: usize,
        stop: &AtomicBool,
    ) -> Result<Request, Failed> {
        let since = Instant::now();
        let end = loop {
            if let Some(end) = find(self.unused(), b"\r\n\r\n") {
                break end + 4;
            }
            if self.unused().len() > MAX_HEAD {
                return Err(Failed::Refuse(431, "the request head is too large"));
            }
            self.fill(stream, stop, since)?;
        };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&self.unused()[..end]) {
            Ok(httparse::Status::Complete(_)) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Failed::Refuse(431, "too many request headers"))
            }
            _ => return Err(Failed::Refuse(400, "a malformed request")),
        }
        let mut request = Request {
            method: parsed.method.unwrap_or("GET").to_string(),
            target: parsed.path.unwrap_or("/").to_string(),
            headers: parsed
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            body: Vec::new(),
            http10: parsed.version == Some(0),
        };
        self.at += end;
        let chunked = request
            .header("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let length = match request.header("Content-Length") {
            Some(v) => Some(
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| Failed::Refuse(400, "Content-Length is not a number"))?,
            ),
            None => None,
        };
        if length.is_some_and(|n| n > max_body) {
            return Err(Failed::Refuse(413, "the body is too large"));
        }
        if (chunked || length.is_some_and(|n| n > 0))
            && request
                .header("Expect")
                .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| Failed::Closed)?;
        }
        request.body = if chunked {
            self.chunks(stream, max_body, stop, since)?
        } else {
            self.exactly(stream, length.unwrap_or(0), stop, since)?
        };
        Ok(request)
    }

    /// The next `n` bytes.
    fn exactly(
        &mut self,
        stream: &mut TcpStream,
        n: usize,
        stop: &AtomicBool,
        since: Instant,
    ) -> Result<Vec<u8>, Failed> {
        while self.unused().len() < n {
            self.fill(stream, stop, since)?;
        }
        let bytes = self.unused()[..n].to_vec();
        self.at += n;
        Ok(bytes)
    }

    /// The next line, without its CRLF.
    fn line(
        &mut self,
        stream: &mut TcpStream,
        stop: &AtomicBool,
        since: Instant,
    ) -> Result<String, Failed> {
        loop {
            if let Some(end) = find(self.unused(), b"\r\n") {
                let line = String::from_utf8_lossy(&self.unused()[..end]).into_owned();
                self.at += end + 2;
                return Ok(line);
            }
            if self.unused().len() > MAX_HEAD {
                return Err(Failed::Refuse(400, "a malformed chunked body"));
            }
            self.fill(stream, stop, since)?;
        }
    }

    /// A chunked body put together (RFC 9112, 7.1), trailers skipped.
    fn chunks(
        &mut self,
        stream: &mut TcpStream,
        max_body: usize,
        stop: &AtomicBool,
        since: Instant,
    ) -> Result<Vec<u8>, Failed> {
        let mut body = Vec::new();
        loop {
            let line = self.line(stream, stop, since)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| Failed::Refuse(400, "a malformed chunked body"))?;
            if size == 0 {
                while !self.line(stream, stop, since)?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > max_body {
                return Err(Failed::Refuse(413, "the body is too large"));
            }
            body.extend(self.exactly(stream, size, stop, since)?);
            if !self.line(stream, stop, since)?.is_empty() {
                return Err(Failed::Refuse(400, "a malformed chunked body"));
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes `response` with its length; no body for HEAD, 1xx, 204 and 304.
fn send(stream: &mut TcpStream, response: &Response, head: bool, keep: bool) -> io::Result<()> {
    use std::fmt::Write as _;
    let status = response.status;
    let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in &response.headers {
        // a value is never allowed to end the head early
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        let _ = write!(text, "{name}: {value}\r\n");
    }
    let bodiless = matches!(status, 100..=199 | 204 | 304);
    if !bodiless {
        let _ = write!(text, "Content-Length: {}\r\n", response.body.len());
    }
    if !keep {
        text.push_str("Connection: close\r\n");
    }
    text.push_str("\r\n");
    let body: &[u8] = if head || bodiless {
        &[]
    } else {
        &response.body
    };
    if body.len() <= 16 * 1024 {
        let mut all = text.into_bytes();
        all.extend_from_slice(body);
        stream.write_all(&all)?;
    } else {
        stream.write_all(text.as_bytes())?;
        stream.write_all(body)?;
    }
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}
