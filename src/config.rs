//! The optional `config.toml`: global settings that are not per service. Every key has a default.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use crate::error::bad_input;

/// Global settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Folder for repository checkouts (default: `repos/` beside the database).
    pub repos_dir: Option<PathBuf>,
    pub retention: Retention,
    pub fetch: Fetch,
    pub daemon: Daemon,
    pub smtp: Option<Smtp>,
    pub notify: Notify,
    pub llm: Option<Llm>,
    pub rca: Rca,
    pub serve: Serve,
    /// Default mappings from paths in stack frames to paths in repositories.
    pub path_mappings: Vec<PathMapping>,
}

/// How long raw events are kept; cluster counters and samples are kept regardless.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    pub events_days: u32,
    pub samples_per_cluster: u32,
    /// How long task runs (`luffy history`) are kept; pruned by `run-due` and the daemon.
    pub task_runs_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            events_days: 14,
            samples_per_cluster: 10,
            task_runs_days: 30,
        }
    }
}

/// Reading logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fetch {
    /// How long the last record of a file is held as possibly unfinished (its writer may be
    /// writing the rest of a stack trace): it is closed as it stands once its log time is this
    /// old, or once the file has not been written for this long, or once it has been held this
    /// long. 0 closes it at once.
    pub open_record_seconds: u32,
}

impl Default for Fetch {
    fn default() -> Self {
        Fetch {
            open_record_seconds: 30,
        }
    }
}

/// `luffy serve`: the HTTP API and dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Serve {
    /// The environment variable that holds the bearer token writes (and, on a non-loopback
    /// address, reads) must present; without it, writes are refused.
    pub token_env: Option<String>,
    /// The dashboard's address as the team reaches it (`https://luffy.example.com`):
    /// notifications link to its pages.
    pub public_url: Option<String>,
}

/// Root-cause reports.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rca {
    /// Commits that started running longer than this many days before a cluster's first-seen
    /// are not suspects (a service's `--suspect-window` overrides it).
    pub suspect_window_days: u32,
}

impl Default for Rca {
    fn default() -> Self {
        Rca {
            suspect_window_days: 90,
        }
    }
}

/// The foreground loop.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Daemon {
    /// Seconds between two looks at what is due, at most (it wakes sooner when a task is due).
    pub tick_seconds: u32,
    /// How long one task of `run-due` or the daemon may run before the step stops waiting for
    /// it (the service's other tasks are not run; other services are not held up).
    pub task_timeout_seconds: u32,
}

impl Default for Daemon {
    fn default() -> Self {
        Daemon {
            tick_seconds: 60,
            task_timeout_seconds: 3600,
        }
    }
}

/// The SMTP server for email notifications; the password is read from `password_env`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub from: String,
    /// How the connection is secured (default `starttls`).
    pub tls: Option<SmtpTls>,
    /// The older spelling: `starttls = false` is `tls = "none"`.
    pub starttls: Option<bool>,
    /// Seconds to wait for the server.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u32,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption (a local relay, tests).
    None,
}

impl Smtp {
    /// The TLS mode, from `tls` or the older `starttls`.
    pub fn tls_mode(&self) -> SmtpTls {
        match (self.tls, self.starttls) {
            (Some(tls), _) => tls,
            (None, Some(false)) => SmtpTls::None,
            (None, _) => SmtpTls::Starttls,
        }
    }

    /// The port, or the mode's usual one.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls_mode() {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

fn default_smtp_timeout() -> u32 {
    30
}

/// Notification delivery and anti-spam (the per-service cooldown is a service setting).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Notify {
    /// More events than this for one channel in one delivery go out as one digest.
    pub digest_after: u32,
    /// A failed notification is retried until it is this old, then it is `dead`.
    pub max_age_hours: u32,
    /// Seconds to wait for a webhook to answer.
    pub timeout_seconds: u32,
    /// The variable holding the secret that signs generic webhooks (HMAC-SHA256, header
    /// `X-Luffy-Signature: sha256=HEX`); unset: unsigned.
    pub webhook_secret_env: Option<String>,
    /// The variable holding the token `github=` channels send (`Authorization: Bearer`); it
    /// needs to write the repository's issues.
    pub github_token_env: String,
    /// A spike: the last hour's count is at least this many times the previous 24 hours' hourly
    /// mean...
    pub spike_factor: u32,
    /// ...and at least this many events.
    pub spike_min_count: u32,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            digest_after: 5,
            max_age_hours: 72,
            timeout_seconds: 10,
            webhook_secret_env: None,
            github_token_env: "GITHUB_TOKEN".into(),
            spike_factor: 10,
            spike_min_count: 20,
        }
    }
}

/// An OpenAI-compatible `/v1/chat/completions` endpoint for RCA narratives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Llm {
    pub endpoint: String,
    pub model: String,
    pub api_key_env: Option<String>,
    #[serde(default = "default_llm_timeout")]
    pub timeout_seconds: u32,
}

fn default_llm_timeout() -> u32 {
    60
}

/// Rewrites a frame path prefix `from` to a repository path prefix `to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathMapping {
    pub from: String,
    pub to: String,
}

impl Config {
    /// Reads the configuration. A missing file is fine unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text)
                .map_err(|err| bad_input(format!("invalid config file {}: {err}", path.display()))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(err) => Err(bad_input(format!(
                "cannot read config file {}: {err}",
                path.display()
            ))),
        }
    }

    /// Parses configuration text; errors name the key and line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config =
            toml::from_str(text).map_err(|err| err.to_string().trim().to_string())?;
        if let Some(url) = &config.serve.public_url {
            let parsed = url::Url::parse(url.trim())
                .map_err(|err| format!("serve.public_url '{url}' is not a URL ({err})"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!(
                    "serve.public_url '{url}' must be an http:// or https:// URL"
                ));
            }
        }
        if let Some(name) = &config.serve.token_env {
            crate::service::validate_env_name(name)
                .map_err(|err| format!("serve.token_env: {err}"))?;
        }
        crate::service::validate_env_name(&config.notify.github_token_env)
            .map_err(|err| format!("notify.github_token_env: {err}"))?;
        if config.rca.suspect_window_days == 0 {
            return Err("rca.suspect_window_days must be at least 1".into());
        }
        if config.daemon.tick_seconds == 0 {
            return Err("daemon.tick_seconds must be at least 1".into());
        }
        if let Some(llm) = &config.llm {
            let url = url::Url::parse(llm.endpoint.trim())
                .map_err(|err| format!("llm.endpoint '{}' is not a URL ({err})", llm.endpoint))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!(
                    "llm.endpoint '{}' must be an http:// or https:// URL",
                    llm.endpoint
                ));
            }
            if llm.timeout_seconds == 0 {
                return Err("llm.timeout_seconds must be at least 1".into());
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_llm_endpoint_must_be_a_web_url() {
        let llm = |endpoint: &str| {
            Config::parse(&format!(
                "[llm]\nendpoint = \"{endpoint}\"\nmodel = \"m\"\n"
            ))
        };
        assert!(llm("http://127.0.0.1:8080/v1/chat/completions").is_ok());
        assert!(llm("not a url").unwrap_err().contains("is not a URL"));
        assert!(llm("ftp://host/v1")
            .unwrap_err()
            .contains("must be an http:// or https:// URL"));
    }

    #[test]
    fn empty_text_gives_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn reads_every_section() {
        let config = Config::parse(
            r#"
            repos_dir = "/srv/luffy/repos"
            [retention]
            events_days = 7
            [daemon]
            tick_seconds = 30
            [smtp]
            host = "127.0.0.1"
            port = 2525
            from = "luffy@example.com"
            password_env = "SMTP_PASSWORD"
            tls = "none"
            [llm]
            endpoint = "http://127.0.0.1:8080/v1/chat/completions"
            model = "smollm2"
            [rca]
            suspect_window_days = 30
            [[path_mappings]]
            from = "/app/"
            to = ""
            "#,
        )
        .unwrap();
        assert_eq!(config.retention.events_days, 7);
        let smtp = config.smtp.unwrap();
        assert_eq!((smtp.port(), smtp.tls_mode()), (2525, SmtpTls::None));
        assert_eq!(config.llm.unwrap().timeout_seconds, 60);
        assert_eq!(config.path_mappings.len(), 1);
        assert_eq!(config.rca.suspect_window_days, 30);
        assert!(Config::parse("[rca]\nsuspect_window_days = 0\n")
            .unwrap_err()
            .contains("rca.suspect_window_days"));
    }

    #[test]
    fn smtp_tls_defaults_and_the_older_starttls_key() {
        let smtp = |extra: &str| {
            Config::parse(&format!("[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\n{extra}"))
                .unwrap()
                .smtp
                .unwrap()
        };
        assert_eq!(
            (smtp("").tls_mode(), smtp("").port()),
            (SmtpTls::Starttls, 587)
        );
        let tls = smtp("tls = \"tls\"");
        assert_eq!((tls.tls_mode(), tls.port()), (SmtpTls::Tls, 465));
        assert_eq!(smtp("starttls = false").tls_mode(), SmtpTls::None);
        assert!(Config::parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.c\"\ntls = \"ssl\"\n").is_err());
        assert_eq!(Config::parse("").unwrap().notify.digest_after, 5);
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_and_line() {
        let err = Config::parse("[retention]\nevent_days = 3\n").unwrap_err();
        assert!(
            err.contains("event_days") && err.contains("line 2"),
            "{err}"
        );
        let err = Config::parse("[daemon]\ntick_seconds = \"fast\"\n").unwrap_err();
        assert!(
            err.contains("tick_seconds") || err.contains("line 2"),
            "{err}"
        );
    }
}
