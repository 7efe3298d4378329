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
    pub llm: Option<Llm>,
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
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub from: String,
    #[serde(default = "default_true")]
    pub starttls: bool,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_true() -> bool {
    true
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
        if config.daemon.tick_seconds == 0 {
            return Err("daemon.tick_seconds must be at least 1".into());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            starttls = false
            [llm]
            endpoint = "http://127.0.0.1:8080/v1/chat/completions"
            model = "smollm2"
            [[path_mappings]]
            from = "/app/"
            to = ""
            "#,
        )
        .unwrap();
        assert_eq!(config.retention.events_days, 7);
        assert_eq!(config.smtp.unwrap().port, 2525);
        assert_eq!(config.llm.unwrap().timeout_seconds, 60);
        assert_eq!(config.path_mappings.len(), 1);
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
