//! A real HTTP listener on 127.0.0.1 (`tiny_http`, in the test's process) that stands in for a
//! receiver luffy calls: it records every request, then answers it as the test says.

use std::sync::{Arc, Mutex};

use serde_json::Value;

/// One request the listener received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The path and query, as sent.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// The body as JSON; a panic that shows the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The first header called `name` (in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the listener answers one request.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub content_type: Option<&'static str>,
}

impl Reply {
    /// `status` with `body` (tiny_http's default content type, plain text).
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            body: body.into(),
            content_type: None,
        }
    }

    /// `status` with `value` as `application/json`.
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            content_type: Some("application/json"),
            ..Reply::new(status, value.to_string())
        }
    }
}

/// A running listener; it stops taking requests when dropped.
pub struct Listener {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    received: Arc<Mutex<Vec<Request>>>,
    server: Arc<tiny_http::Server>,
}

impl Listener {
    /// Listens on a free port of 127.0.0.1; see [`Listener::on`].
    pub fn start(answer: impl FnMut(&Request) -> Option<Reply> + Send + 'static) -> Listener {
        Listener::on("127.0.0.1:0", answer)
    }

    /// Listens on `addr` and takes one request at a time: records it, then answers it with what
    /// `answer` returns. `None` leaves it unanswered (the connection is dropped), which after a
    /// sleep in `answer` is a receiver that hangs.
    pub fn on(
        addr: &str,
        mut answer: impl FnMut(&Request) -> Option<Reply> + Send + 'static,
    ) -> Listener {
        let server = Arc::new(tiny_http::Server::http(addr).expect("listen"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (srv, log) = (server.clone(), received.clone());
        std::thread::spawn(move || {
            for mut request in srv.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let seen = Request {
                    method: request.method().to_string(),
                    path: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.to_string(), h.value.to_string()))
                        .collect(),
                    body,
                };
                log.lock().expect("log").push(seen.clone());
                let Some(reply) = answer(&seen) else {
                    continue;
                };
                let mut response =
                    tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
                if let Some(kind) = reply.content_type {
                    let header = tiny_http::Header::from_bytes("Content-Type", kind)
                        .expect("a content type");
                    response = response.with_header(header);
                }
                let _ = request.respond(response);
            }
        });
        Listener {
            url: format!("http://127.0.0.1:{port}"),
            received,
            server,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.server_addr().to_ip().expect("ip").port()
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Request> {
        self.received.lock().expect("log").clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.server.unblock();
    }
}
