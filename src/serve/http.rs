//! A request as the handlers see it (method, path, query, body, whether it is authorized) and
//! the reply they give; errors are JSON `{"error": "..."}`.

use std::io::Write as _;
use std::sync::Arc;

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
    /// Shared, so that a cached reply is sent to many clients without copying it.
    pub body: Arc<[u8]>,
    /// The body compressed with gzip once, for a reply sent to many clients ([`Reply::encoded`]).
    pub gzip: Option<Arc<[u8]>>,
    /// A strong validator of the body, for `If-None-Match` ([`Reply::encoded`]).
    pub etag: Option<Arc<str>>,
    /// Extra headers (name, value).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            gzip: None,
            etag: None,
            headers: Vec::new(),
        }
    }

    /// The reply with its body compressed and its validator computed, once: for a reply that
    /// is kept and sent to many clients, each then costs a copy of the compressed bytes only
    /// (the status of 1,000 services is about 700 KB of JSON and 11 KB compressed).
    #[must_use]
    pub fn encoded(mut self) -> Reply {
        use sha2::{Digest, Sha256};
        use std::fmt::Write as _;
        let digest = Sha256::digest(&self.body);
        let mut tag = String::from("\"");
        for byte in &digest[..12] {
            let _ = write!(tag, "{byte:02x}");
        }
        tag.push('"');
        self.etag = Some(tag.into());
        self.gzip = Some(gzip(&self.body, flate2::Compression::default()).into());
        self
    }
    /// A JSON reply.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
        body.push(b'\n');
        Reply::new(status, "application/json", body)
    }

    /// A reply whose body is JSON text already (a command's `--json` output).
    pub fn json_text(status: u16, text: Vec<u8>) -> Reply {
        Reply::new(status, "application/json", text)
    }

    /// An error reply: `{"error": message}`.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({ "error": message.into() }))
    }

    /// An HTML page. Its control characters (an escape sequence in a log line) are shown as the
    /// CLI shows them (`\x1b`, [`crate::escape::terminal`]): markup escaping leaves them be,
    /// and the page may be read in a terminal (`curl`) as well as in a browser.
    pub fn html(status: u16, body: String) -> Reply {
        let body = match crate::escape::terminal::visible(&body) {
            std::borrow::Cow::Borrowed(_) => body,
            std::borrow::Cow::Owned(shown) => shown,
        };
        Reply::new(status, "text/html; charset=utf-8", body.into_bytes())
    }

    /// Plain text (the Prometheus exposition format, health).
    pub fn text(status: u16, content_type: &'static str, body: String) -> Reply {
        Reply::new(status, content_type, body.into_bytes())
    }
}

/// Bodies shorter than this are sent as they are: compressing them saves less than the header
/// that says so costs.
pub const GZIP_FROM: usize = 1024;

/// `bytes` compressed with gzip.
pub fn gzip(bytes: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 8), level);
    // writing to memory cannot fail
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Whether an `Accept-Encoding` value accepts gzip: named (or `*` when gzip is not named),
/// with a quality above zero (RFC 9110, 12.5.3).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = false;
    for part in accept_encoding.split(',') {
        let mut params = part.split(';');
        let coding = params.next().unwrap_or("").trim();
        let quality = params
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return quality > 0.0;
        }
        if coding == "*" {
            star = quality > 0.0;
        }
    }
    star
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110, 13.1.2), or is `*`.
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let plain = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let etag = plain(etag);
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || plain(tag) == etag)
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
    fn gzip_is_accepted_as_clients_say() {
        for (value, accepted) in [
            ("gzip", true),
            ("gzip, deflate, br", true),
            ("br;q=1.0, GZip;q=0.5", true),
            ("x-gzip", true),
            ("gzip;q=0", false),
            ("gzip; q=0.000", false),
            ("identity", false),
            ("deflate, br", false),
            ("*", true),
            ("*;q=0", false),
            ("*, gzip;q=0", false),
            ("", false),
        ] {
            assert_eq!(accepts_gzip(value), accepted, "{value:?}");
        }
    }

    #[test]
    fn etags_match_weakly_and_in_lists() {
        assert!(none_match("\"abc\"", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(!none_match("\"abd\"", "\"abc\""));
        assert!(!none_match("", "\"abc\""));
    }

    #[test]
    fn an_encoded_reply_inflates_to_its_body() {
        use std::io::Read as _;
        let body = "[{\"service_id\": \"web\"}]\n".repeat(200);
        let reply = Reply::json_text(200, body.clone().into_bytes()).encoded();
        let mut inflated = String::new();
        flate2::read::GzDecoder::new(reply.gzip.as_deref().unwrap())
            .read_to_string(&mut inflated)
            .unwrap();
        assert_eq!(inflated, body);
        let again = Reply::json_text(200, body.into_bytes()).encoded();
        assert_eq!(reply.etag, again.etag, "the same body, the same validator");
        let other = Reply::json_text(200, b"[]".to_vec()).encoded();
        assert_ne!(reply.etag, other.etag);
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
