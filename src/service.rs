//! The service model: its id, its settings with their defaults, and changes to them.
//! Checking and redacting single fields lives in [`validate`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::triage::Rate;

pub(crate) mod read;
mod validate;

pub use validate::{
    github_repo, is_http_url, parse_email_flag, parse_repo_url, parse_webhook_flag,
    redact_credentials, redact_credentials_in, redact_url, redact_webhooks, refuse_repo_password,
    refuse_webhook_password, split_webhook_kind, url_userinfo, validate_branch, validate_days,
    validate_email, validate_emails, validate_env_name, validate_level, validate_name,
    validate_path_map, validate_prefix, validate_repo_path, validate_repo_url, validate_ssh_key,
    validate_webhook, webhook_entries, without_userinfo, GithubRepo, WEBHOOK_KINDS,
};

/// Longest service id accepted.
pub const MAX_ID_LEN: usize = 64;

/// A service's handle on the command line and in the database: a slug such as `web-app`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceId(String);

impl ServiceId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ServiceId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("a service id cannot be empty".into());
        }
        if text.chars().count() > MAX_ID_LEN {
            return Err(format!(
                "service id is {} characters long; the limit is {MAX_ID_LEN}",
                text.chars().count()
            ));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            let what = match bad {
                ' ' | '\t' | '\n' => "a space".to_string(),
                '/' | '\\' => "a slash".to_string(),
                other => format!("'{other}'"),
            };
            return Err(format!(
                "service id '{text}' contains {what}; use letters, digits, '-', '_' and '.'"
            ));
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "service id '{text}' must start with a letter or a digit"
            ));
        }
        Ok(ServiceId(text.to_string()))
    }
}

/// An `on|off` flag value (also `true|false`, `yes|no`, `1|0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toggle(pub bool);

impl FromStr for Toggle {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok(Toggle(true)),
            "off" | "false" | "no" | "0" => Ok(Toggle(false)),
            _ => Err(format!("'{text}' is not on or off")),
        }
    }
}

/// A flag that either sets an optional field or clears it with `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleared<T> {
    Set(T),
    None,
}

impl<T> Cleared<T> {
    pub fn into_option(self) -> Option<T> {
        match self {
            Cleared::Set(value) => Some(value),
            Cleared::None => None,
        }
    }
}

/// One service and its settings. Serialized, it is the seed's flat object (`service show --json`,
/// `service export`): the groups below are flattened and their fields keep the seed's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    #[serde(flatten)]
    pub git: GitSettings,
    #[serde(flatten)]
    pub schedule: ScheduleSettings,
    #[serde(flatten)]
    pub notification: NotificationSettings,
    pub is_active: bool,
    /// The lowest level that becomes an event: TRACE, DEBUG, INFO, WARN, ERROR or FATAL.
    pub level_threshold: String,
    /// Path prefixes of application code in stack frames.
    pub app_paths: Vec<String>,
    /// Package/module prefixes of application code in stack frames.
    pub app_packages: Vec<String>,
    /// Commits that started running longer than this many days before a cluster's first-seen
    /// are not suspects; `None`: the configuration's `[rca] suspect_window_days`.
    pub suspect_window_days: Option<u32>,
    /// Grouping rules, tried in order (`luffy rule add`).
    pub grouping_rules: Vec<crate::grouping::rules::Rule>,
    #[serde(serialize_with = "rfc3339::option")]
    pub last_log_fetch: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339::option")]
    pub last_rca_generation: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339::option")]
    pub last_code_indexing: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339::time")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339::time")]
    pub updated_at: DateTime<Utc>,
}

/// The service's code: seed fields `repository_url`, `git_branch`, `git_repo_path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitSettings {
    pub repository_url: Option<String>,
    /// Seed: `git_branch` (default `main`).
    #[serde(rename = "git_branch")]
    pub branch: String,
    /// Seed: `git_repo_path`; none means `<data dir>/repos/<id>`.
    #[serde(rename = "git_repo_path")]
    pub repo_path: Option<String>,
    /// The environment variable holding an https token (never the token).
    #[serde(rename = "git_token_env")]
    pub token_env: Option<String>,
    /// A private key for ssh; without one, the ssh agent is asked.
    #[serde(rename = "git_ssh_key")]
    pub ssh_key: Option<String>,
    /// `FROM=TO` maps from frame paths to repository paths, tried before suffix matching.
    pub path_maps: Vec<String>,
}

impl GitSettings {
    /// Whether there is a repository to index: a URL to clone, or a checkout of the user's.
    pub fn has_repository(&self) -> bool {
        self.repository_url.is_some() || self.repo_path.is_some()
    }
}

impl Default for GitSettings {
    fn default() -> Self {
        GitSettings {
            repository_url: None,
            branch: "main".into(),
            repo_path: None,
            token_env: None,
            ssh_key: None,
            path_maps: Vec::new(),
        }
    }
}

/// How often each task runs, and whether RCA and indexing run at all (seed names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleSettings {
    pub log_fetch_interval_minutes: u32,
    pub rca_generation_enabled: bool,
    pub rca_generation_interval_minutes: u32,
    pub code_indexing_enabled: bool,
    pub code_indexing_interval_hours: u32,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            log_fetch_interval_minutes: 30,
            rca_generation_enabled: true,
            rca_generation_interval_minutes: 15,
            code_indexing_enabled: true,
            code_indexing_interval_hours: 24,
        }
    }
}

/// Where the team hears about new clusters: seed fields `notification_enabled`,
/// `notification_webhook_url` (a secret: redact it when printing), `notification_email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationSettings {
    #[serde(rename = "notification_enabled")]
    pub enabled: bool,
    #[serde(rename = "notification_webhook_url")]
    pub webhook_url: Option<String>,
    #[serde(rename = "notification_email")]
    pub email: Option<String>,
    /// One notification per cluster and event within this many minutes.
    #[serde(rename = "notification_cooldown_minutes")]
    pub cooldown_minutes: u32,
    /// A new cluster is told once it has this many events within this window (log time).
    #[serde(rename = "notification_threshold")]
    pub threshold: Rate,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            enabled: true,
            webhook_url: None,
            email: None,
            cooldown_minutes: 60,
            threshold: Rate::ONE_PER_MINUTE,
        }
    }
}

impl Service {
    /// A new service with the seed's defaults.
    pub fn new(id: ServiceId, now: DateTime<Utc>) -> Self {
        Service {
            name: id.as_str().to_string(),
            id,
            git: GitSettings::default(),
            schedule: ScheduleSettings::default(),
            notification: NotificationSettings::default(),
            is_active: true,
            level_threshold: "ERROR".into(),
            app_paths: Vec::new(),
            app_packages: Vec::new(),
            suspect_window_days: None,
            grouping_rules: Vec::new(),
            last_log_fetch: None,
            last_rca_generation: None,
            last_code_indexing: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// The service as it may be printed: the webhook URL's token and a password in the
    /// repository URL hidden.
    #[must_use]
    pub fn redacted(&self) -> Service {
        let mut service = self.clone();
        service.git.repository_url = self.git.repository_url.as_deref().map(redact_credentials);
        service.notification.webhook_url = self
            .notification
            .webhook_url
            .as_deref()
            .map(redact_webhooks);
        service
    }
}

/// Times as luffy prints and stores them: RFC 3339 UTC, whole seconds.
pub(crate) mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::Serializer;

    pub fn time<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    #[allow(clippy::ref_option)] // serde hands `serialize_with` a reference to the field
    pub fn option<S: Serializer>(
        time: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => self::time(time, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// A change to a service, with the seed's flat field names: each `Some` sets a field;
/// `Some(None)` clears an optional one. It is also what one entry of a service file reads into
/// (`service import`): unknown fields are refused, and [`read`] checks each field's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServicePatch {
    #[serde(deserialize_with = "read::name")]
    pub name: Option<String>,
    #[serde(deserialize_with = "read::repository_url")]
    pub repository_url: Option<Option<String>>,
    #[serde(deserialize_with = "read::branch")]
    pub git_branch: Option<String>,
    #[serde(deserialize_with = "read::repo_path")]
    pub git_repo_path: Option<Option<String>>,
    #[serde(deserialize_with = "read::env_name")]
    pub git_token_env: Option<Option<String>>,
    #[serde(deserialize_with = "read::ssh_key")]
    pub git_ssh_key: Option<Option<String>>,
    #[serde(deserialize_with = "read::path_maps")]
    pub path_maps: Option<Vec<String>>,
    #[serde(deserialize_with = "read::minutes")]
    pub log_fetch_interval_minutes: Option<u32>,
    #[serde(deserialize_with = "read::flag")]
    pub rca_generation_enabled: Option<bool>,
    #[serde(deserialize_with = "read::minutes")]
    pub rca_generation_interval_minutes: Option<u32>,
    #[serde(deserialize_with = "read::flag")]
    pub code_indexing_enabled: Option<bool>,
    #[serde(deserialize_with = "read::hours")]
    pub code_indexing_interval_hours: Option<u32>,
    #[serde(deserialize_with = "read::flag")]
    pub notification_enabled: Option<bool>,
    #[serde(deserialize_with = "read::webhook")]
    pub notification_webhook_url: Option<Option<String>>,
    #[serde(deserialize_with = "read::email")]
    pub notification_email: Option<Option<String>>,
    #[serde(deserialize_with = "read::minutes")]
    pub notification_cooldown_minutes: Option<u32>,
    #[serde(deserialize_with = "read::rate")]
    pub notification_threshold: Option<Rate>,
    #[serde(deserialize_with = "read::flag")]
    pub is_active: Option<bool>,
    #[serde(deserialize_with = "read::level")]
    pub level_threshold: Option<String>,
    #[serde(deserialize_with = "read::prefixes")]
    pub app_paths: Option<Vec<String>>,
    #[serde(deserialize_with = "read::prefixes")]
    pub app_packages: Option<Vec<String>>,
    #[serde(deserialize_with = "read::days")]
    pub suspect_window_days: Option<Option<u32>>,
    #[serde(deserialize_with = "read::grouping_rules")]
    pub grouping_rules: Option<Vec<crate::grouping::rules::Rule>>,
    #[serde(deserialize_with = "read::time")]
    pub last_log_fetch: Option<Option<DateTime<Utc>>>,
    #[serde(deserialize_with = "read::time")]
    pub last_rca_generation: Option<Option<DateTime<Utc>>>,
    #[serde(deserialize_with = "read::time")]
    pub last_code_indexing: Option<Option<DateTime<Utc>>>,
}

/// Sets `field` when the patch has a value for it.
#[allow(clippy::ref_option)] // takes the patch's fields as they are, borrowed
fn set<T: Clone>(field: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        field.clone_from(value);
    }
}

impl ServicePatch {
    /// Applies the patch; returns whether anything changed.
    pub fn apply(&self, service: &mut Service) -> bool {
        // Destructured in full, so that a new patch field that is not applied does not compile.
        let ServicePatch {
            name,
            repository_url,
            git_branch,
            git_repo_path,
            git_token_env,
            git_ssh_key,
            path_maps,
            log_fetch_interval_minutes,
            rca_generation_enabled,
            rca_generation_interval_minutes,
            code_indexing_enabled,
            code_indexing_interval_hours,
            notification_enabled,
            notification_webhook_url,
            notification_email,
            notification_cooldown_minutes,
            notification_threshold,
            is_active,
            level_threshold,
            app_paths,
            app_packages,
            suspect_window_days,
            grouping_rules,
            last_log_fetch,
            last_rca_generation,
            last_code_indexing,
        } = self;
        let before = service.clone();
        let Service {
            git,
            schedule,
            notification,
            ..
        } = service;
        set(&mut git.repository_url, repository_url);
        set(&mut git.branch, git_branch);
        set(&mut git.repo_path, git_repo_path);
        set(&mut git.token_env, git_token_env);
        set(&mut git.ssh_key, git_ssh_key);
        set(&mut git.path_maps, path_maps);
        set(
            &mut schedule.log_fetch_interval_minutes,
            log_fetch_interval_minutes,
        );
        set(&mut schedule.rca_generation_enabled, rca_generation_enabled);
        set(
            &mut schedule.rca_generation_interval_minutes,
            rca_generation_interval_minutes,
        );
        set(&mut schedule.code_indexing_enabled, code_indexing_enabled);
        set(
            &mut schedule.code_indexing_interval_hours,
            code_indexing_interval_hours,
        );
        set(&mut notification.enabled, notification_enabled);
        set(&mut notification.webhook_url, notification_webhook_url);
        set(&mut notification.email, notification_email);
        set(
            &mut notification.cooldown_minutes,
            notification_cooldown_minutes,
        );
        set(&mut notification.threshold, notification_threshold);
        set(&mut service.name, name);
        set(&mut service.is_active, is_active);
        set(&mut service.level_threshold, level_threshold);
        set(&mut service.app_paths, app_paths);
        set(&mut service.app_packages, app_packages);
        set(&mut service.suspect_window_days, suspect_window_days);
        set(&mut service.grouping_rules, grouping_rules);
        set(&mut service.last_log_fetch, last_log_fetch);
        set(&mut service.last_rca_generation, last_rca_generation);
        set(&mut service.last_code_indexing, last_code_indexing);
        *service != before
    }

    /// True when the patch sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == ServicePatch::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!("web-app".parse::<ServiceId>().is_ok());
        assert!("api_v2.prod".parse::<ServiceId>().is_ok());
        assert!("".parse::<ServiceId>().unwrap_err().contains("empty"));
        assert!("web app"
            .parse::<ServiceId>()
            .unwrap_err()
            .contains("space"));
        assert!("web/app"
            .parse::<ServiceId>()
            .unwrap_err()
            .contains("slash"));
        assert!("a"
            .repeat(65)
            .parse::<ServiceId>()
            .unwrap_err()
            .contains("64"));
        assert!("a".repeat(64).parse::<ServiceId>().is_ok());
        assert!("-x".parse::<ServiceId>().is_err());
    }

    #[test]
    fn serializes_to_the_seed_flat_fields_in_order() {
        let now = "2024-01-15T10:30:00.250Z".parse().unwrap();
        let mut service = Service::new("web-app".parse().unwrap(), now);
        service.notification.webhook_url =
            Some("https://hooks.slack.com/services/T/B/s3cr3t".into());
        let value = serde_json::to_value(service.redacted()).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "repository_url",
                "git_branch",
                "git_repo_path",
                "git_token_env",
                "git_ssh_key",
                "path_maps",
                "log_fetch_interval_minutes",
                "rca_generation_enabled",
                "rca_generation_interval_minutes",
                "code_indexing_enabled",
                "code_indexing_interval_hours",
                "notification_enabled",
                "notification_webhook_url",
                "notification_email",
                "notification_cooldown_minutes",
                "notification_threshold",
                "is_active",
                "level_threshold",
                "app_paths",
                "app_packages",
                "suspect_window_days",
                "grouping_rules",
                "last_log_fetch",
                "last_rca_generation",
                "last_code_indexing",
                "created_at",
                "updated_at",
            ]
        );
        assert_eq!(value["created_at"], "2024-01-15T10:30:00Z");
        assert_eq!(value["last_log_fetch"], serde_json::Value::Null);
        assert_eq!(
            value["notification_webhook_url"],
            "https://hooks.slack.com/services/***"
        );
    }

    #[test]
    fn patch_reports_changes() {
        let now = Utc::now();
        let mut service = Service::new("web-app".parse().unwrap(), now);
        let patch = ServicePatch {
            log_fetch_interval_minutes: Some(15),
            ..ServicePatch::default()
        };
        assert!(patch.apply(&mut service));
        assert!(!patch.apply(&mut service));
        assert_eq!(service.schedule.log_fetch_interval_minutes, 15);
    }
}
