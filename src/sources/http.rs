//! HTTP for the remote sources: one blocking ureq agent per source, basic auth read from the
//! environment variable the settings name, and errors that name the URL and the variable but
//! never the secret.

use std::fmt;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

use crate::service::{redact_credentials, url_userinfo};

/// How long a request may take in all, and how long connecting may take.
const TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response body read (a page of 1,000 hits with stack traces stays far below).
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// What ureq answers.
type Response = ureq::http::Response<ureq::Body>;

/// A secret that never prints: its `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An HTTP answer of any status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// A base URL with its credentials and extra headers.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    /// The base URL with any password in it replaced by `***`, for messages.
    shown: String,
    username: Option<String>,
    password_env: Option<String>,
    /// The user name in the URL's userinfo, and whether a password follows: ureq sends them
    /// when no `--username` is given (sources stored before luffy refused them).
    url_user: Option<(String, bool)>,
    authorization: Option<Secret>,
    headers: Vec<(String, String)>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.shown)
            .field("username", &self.username)
            .field("password_env", &self.password_env)
            .field("authorization", &self.authorization)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `url`; the password is read now from `password_env`, which must be set.
    pub fn new(url: &str, username: Option<&str>, password_env: Option<&str>) -> Result<Client> {
        let base = url.trim().trim_end_matches('/').to_string();
        let shown = redact_credentials(&base);
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("{shown} is not an http:// or https:// URL");
        }
        let authorization = match (username, password_env) {
            (None, None) => None,
            (None, Some(var)) => bail!("--password-env {var} is set but no --username is"),
            (Some(user), None) => Some(basic(user, "")),
            (Some(user), Some(var)) => match std::env::var(var) {
                Ok(password) => Some(basic(user, &password)),
                Err(std::env::VarError::NotPresent) => {
                    bail!("the environment variable {var} (--password-env) is not set")
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    bail!("the environment variable {var} (--password-env) is not valid UTF-8")
                }
            },
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .build();
        let url_user = url_userinfo(&base).map(|(user, password)| (user.to_string(), password));
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base,
            shown,
            username: username.map(str::to_string),
            password_env: password_env.map(str::to_string),
            url_user,
            authorization,
            headers: Vec::new(),
        })
    }

    /// Adds a header sent with every request (`X-Scope-OrgID`).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Client {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The base URL as it may be shown.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// `GET base + path` with query parameters.
    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Reply> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (key, value) in query {
            request = request.query(*key, value);
        }
        for (name, value) in self.request_headers() {
            request = request.header(name, value);
        }
        self.finish(request.call())
    }

    /// `POST base + path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<Reply> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type("application/json");
        for (name, value) in self.request_headers() {
            request = request.header(name, value);
        }
        self.finish(request.send(body.to_string()))
    }

    fn request_headers(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        if let Some(Secret(value)) = &self.authorization {
            all.push(("Authorization", value.as_str()));
        }
        all
    }

    fn finish(&self, sent: Result<Response, ureq::Error>) -> Result<Reply> {
        let response = sent.map_err(|err| {
            anyhow!(
                "could not reach {}: {}",
                self.shown,
                self.scrub(&err.to_string())
            )
        })?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .into_with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|err| {
                anyhow!(
                    "could not read the answer of {}: {}",
                    self.shown,
                    self.scrub(&err.to_string())
                )
            })?;
        if status == 401 || status == 403 {
            bail!("{}", self.refused(status));
        }
        Ok(Reply { status, body })
    }

    /// The message for HTTP 401/403: credentials were refused, and which ones.
    fn refused(&self, status: u16) -> String {
        let which = match (&self.username, &self.password_env, &self.url_user) {
            (Some(user), Some(var), _) => format!("user {user} with the password from ${var}"),
            (Some(user), None, _) => {
                format!("user {user} without a password (no --password-env)")
            }
            (None, _, Some((user, true))) => format!(
                "user {user} with the password written in the URL (stored in the clear; move it \
                 to --username and --password-env)"
            ),
            (None, _, Some((user, false))) => format!(
                "user {user} from the URL, without a password (set --username and --password-env)"
            ),
            (None, _, None) => {
                "no credentials were sent (set --username and --password-env)".to_string()
            }
        };
        format!(
            "{} refused the credentials (HTTP {status}): {which}",
            self.shown
        )
    }

    /// Removes the secret from a message of a lower layer, in case it echoes a request.
    fn scrub(&self, text: &str) -> String {
        let text = text.replace(&self.base, &self.shown);
        match &self.authorization {
            Some(Secret(value)) if !value.is_empty() => text.replace(value.as_str(), "***"),
            _ => text,
        }
    }
}

/// The first `max` characters of a body, on one line, for error messages.
pub fn excerpt(body: &str, max: usize) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &flat[..cut]),
        None => flat,
    }
}

/// The `Authorization` value of HTTP basic auth.
fn basic(user: &str, password: &str) -> Secret {
    Secret(format!(
        "Basic {}",
        base64(format!("{user}:{password}").as_bytes())
    ))
}

/// Standard base64 with padding (RFC 4648), enough for one header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(basic("elastic", "s3cret").0, "Basic ZWxhc3RpYzpzM2NyZXQ=");
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let var = "LUFFY_HTTP_UNIT_TEST_PASSWORD";
        std::env::set_var(var, "hunter2");
        let client = Client::new("http://127.0.0.1:9/", Some("u"), Some(var)).expect("client");
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("aHVudGVyMg"),
            "{debug}"
        );
        assert!(debug.contains("***"));
    }

    #[test]
    fn missing_variable_and_bad_urls_are_named() {
        let err = Client::new("http://x", Some("u"), Some("LUFFY_SURELY_UNSET_VAR"))
            .expect_err("unset variable");
        assert_eq!(
            err.to_string(),
            "the environment variable LUFFY_SURELY_UNSET_VAR (--password-env) is not set"
        );
        let err = Client::new("ftp://u:pw@x", None, None).expect_err("scheme");
        assert_eq!(
            err.to_string(),
            "ftp://u:***@x is not an http:// or https:// URL"
        );
    }

    #[test]
    fn excerpts_are_flat_and_short() {
        assert_eq!(excerpt("a\n  b\tc", 10), "a b c");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcde...");
    }
}
