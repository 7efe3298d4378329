//! Webhooks over HTTP: Slack, Google Chat or the generic JSON, POSTed once; a generic body is
//! signed with HMAC-SHA256 when a secret is configured. Errors never quote the URL's token.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{bail, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{ChannelKind, Message};
use crate::config::Notify;
use crate::service::redact_url;

/// The header that carries a generic webhook's signature: `sha256=` and the hex HMAC of the body.
pub const SIGNATURE_HEADER: &str = "X-Luffy-Signature";

/// Reads `env:VAR` targets from the environment; a URL is itself.
pub fn resolve(target: &str) -> Result<String> {
    match target.strip_prefix("env:") {
        Some(var) => match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => Ok(url.trim().to_string()),
            _ => bail!("the environment variable {var} (the webhook's URL) is not set"),
        },
        None => Ok(target.to_string()),
    }
}

/// The hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let mut hex = String::with_capacity(64);
    for byte in mac.finalize().into_bytes() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// POSTs `message` to the webhook `target` as `kind` speaks it; a 2xx answer is success.
pub fn send(
    kind: ChannelKind,
    target: &str,
    message: &Message<'_>,
    settings: &Notify,
) -> Result<()> {
    let url = resolve(target)?;
    // An `env:VAR` entry without a kind takes the kind of the URL it holds.
    let kind = if kind == ChannelKind::Generic && target.starts_with("env:") {
        ChannelKind::infer(&url)
    } else {
        kind
    };
    let body = match kind {
        ChannelKind::Slack => message.slack(),
        ChannelKind::GoogleChat => message.google_chat(),
        ChannelKind::Teams => message.teams(),
        ChannelKind::Generic | ChannelKind::Email | ChannelKind::Github => message.generic(),
    }
    .to_string();
    let timeout = Duration::from_secs(u64::from(settings.timeout_seconds.max(1)));
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut request = agent
        .post(&url)
        .content_type("application/json")
        .header("User-Agent", concat!("luffy/", env!("CARGO_PKG_VERSION")));
    if kind == ChannelKind::Generic {
        if let Some(var) = &settings.webhook_secret_env {
            let Ok(secret) = std::env::var(var) else {
                bail!("the environment variable {var} (notify.webhook_secret_env) is not set");
            };
            let signature = format!("sha256={}", sign(secret.as_bytes(), body.as_bytes()));
            request = request.header(SIGNATURE_HEADER, &signature);
        }
    }
    let shown = redact_url(&url);
    let mut response = match request.send(body.as_str()) {
        Ok(response) => response,
        Err(err) => bail!("{shown}: {}", describe(&err)),
    };
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    Err(refused(&shown, status, &text))
}

/// The error for an answer outside 2xx from `what` (a redacted URL, or a method and URL): its
/// status, and the first 200 characters the server said, if it said anything.
pub(super) fn refused(what: &str, status: u16, said: &str) -> anyhow::Error {
    let said: String = said.trim().chars().take(200).collect();
    if said.is_empty() {
        anyhow::anyhow!("{what} answered HTTP {status}")
    } else {
        anyhow::anyhow!("{what} answered HTTP {status}: {said}")
    }
}

/// A transport error without the URL (ureq's own message may name it).
pub(super) fn describe(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => redact_url(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_the_rfc_4231_hmac() {
        // RFC 4231, test case 2
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
