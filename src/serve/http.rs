//! A request as the handlers see it (method, path, query, body, whether it is authorized) and
//! the reply they give; errors are JSON `{"error": "..."}`.

use serde_json::json;

/// The largest request body read; a larger one is refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// A request, read off the wire.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The path without its query, percent-decoded per segment by [`Req::segments`].
    pub path: String,
    /// The query's pairs, decoded.
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the request presented the configured bearer token.
    pub authorized: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Other,
}

impl Req {
    /// The path's segments, percent-decoded (`/api/v1/services/web-app` gives `api`, `v1`,
    /// `services`, `web-app`).
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map_or_else(|| s.to_string(), |(_, v)| v.into_owned())
            })
            .collect()
    }

    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the method reads (GET, HEAD).
    pub fn is_read(&self) -> bool {
        matches!(self.method, Method::Get | Method::Head)
    }
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra headers (name, value).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
        body.push(b'\n');
        Reply {
            status,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    /// A reply whose body is JSON text already (a command's `--json` output).
    pub fn json_text(status: u16, text: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: text,
            headers: Vec::new(),
        }
    }

    /// An error reply: `{"error": message}`.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "error": message.into() }))
    }

    /// An HTML page.
    pub fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body: body.into_bytes(),
            headers: Vec::new(),
        }
    }

    /// Plain text (the Prometheus exposition format, health).
    pub fn text(status: u16, content_type: &'static str, body: String) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into_bytes(),
            headers: Vec::new(),
        }
    }
}

/// Compares two secrets in time that does not depend on where they differ: the SHA-256 of
/// each, every byte looked at.
pub fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret", "s3cres"));
        assert!(!same_secret("s3cret", "s3cret "));
        assert!(!same_secret("", "x"));
    }

    #[test]
    fn segments_are_decoded() {
        let req = Req {
            method: Method::Get,
            path: "/api/v1/services/web%2Dapp/status".into(),
            query: Vec::new(),
            body: Vec::new(),
            authorized: false,
        };
        assert_eq!(
            req.segments(),
            ["api", "v1", "services", "web-app", "status"]
        );
    }
}
