//! Email over SMTP with lettre and rustls: one message with a text and an HTML part to the
//! channel's recipients, through the `[smtp]` server of config.toml.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

use super::Message;
use crate::config::{Smtp, SmtpTls};

/// Sends `message` to the comma-separated `recipients`.
pub fn send(smtp: Option<&Smtp>, recipients: &str, message: &Message<'_>) -> Result<()> {
    let Some(smtp) = smtp else {
        bail!("no SMTP server: add an [smtp] section (host, from) to config.toml");
    };
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|err| anyhow!("smtp.from '{}' is not an address: {err}", smtp.from))?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(message.email_subject());
    for to in recipients
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|err| anyhow!("recipient '{to}' is not an address: {err}"))?;
        builder = builder.to(mailbox);
    }
    let email = builder
        .multipart(MultiPart::alternative_plain_html(
            message.email_text(),
            message.html(),
        ))
        .context("could not build the email")?;
    let transport = transport(smtp)?;
    transport
        .send(&email)
        .map_err(|err| anyhow!("SMTP {}:{}: {err}", smtp.host, smtp.port()))?;
    Ok(())
}

fn transport(smtp: &Smtp) -> Result<SmtpTransport> {
    let tls = match smtp.tls_mode() {
        SmtpTls::None => Tls::None,
        mode => {
            let parameters = TlsParameters::new(smtp.host.clone())
                .with_context(|| format!("TLS settings for {}", smtp.host))?;
            if mode == SmtpTls::Tls {
                Tls::Wrapper(parameters)
            } else {
                Tls::Required(parameters)
            }
        }
    };
    let mut builder = SmtpTransport::builder_dangerous(&smtp.host)
        .port(smtp.port())
        .tls(tls)
        .timeout(Some(Duration::from_secs(u64::from(
            smtp.timeout_seconds.max(1),
        ))));
    if let Some(user) = &smtp.username {
        let password = match &smtp.password_env {
            Some(var) => std::env::var(var).map_err(|_| {
                anyhow!("the environment variable {var} (smtp.password_env) is not set")
            })?,
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}
