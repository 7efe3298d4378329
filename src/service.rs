//! The service model: its id, its settings with their defaults, and changes to them.
//! Checking and redacting single fields lives in [`validate`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

mod validate;

pub use validate::{
    is_http_url, parse_email_flag, parse_repo_url, parse_webhook_flag, redact_credentials,
    redact_url, validate_branch, validate_email, validate_level, validate_name, validate_prefix,
    validate_repo_path, validate_repo_url, validate_webhook,
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

/// One service and its settings; names follow the seed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    pub repository_url: Option<String>,
    pub git_branch: String,
    pub git_repo_path: Option<String>,
    pub log_fetch_interval_minutes: u32,
    pub rca_generation_enabled: bool,
    pub rca_generation_interval_minutes: u32,
    pub code_indexing_enabled: bool,
    pub code_indexing_interval_hours: u32,
    pub notification_enabled: bool,
    pub notification_webhook_url: Option<String>,
    pub notification_email: Option<String>,
    pub is_active: bool,
    /// The lowest level that becomes an event: TRACE, DEBUG, INFO, WARN, ERROR or FATAL.
    pub level_threshold: String,
    /// Path prefixes of application code in stack frames.
    pub app_paths: Vec<String>,
    /// Package/module prefixes of application code in stack frames.
    pub app_packages: Vec<String>,
    pub last_log_fetch: Option<DateTime<Utc>>,
    pub last_rca_generation: Option<DateTime<Utc>>,
    pub last_code_indexing: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Service {
    /// A new service with the seed's defaults.
    pub fn new(id: ServiceId, now: DateTime<Utc>) -> Self {
        Service {
            name: id.as_str().to_string(),
            id,
            repository_url: None,
            git_branch: "main".into(),
            git_repo_path: None,
            log_fetch_interval_minutes: 30,
            rca_generation_enabled: true,
            rca_generation_interval_minutes: 15,
            code_indexing_enabled: true,
            code_indexing_interval_hours: 24,
            notification_enabled: true,
            notification_webhook_url: None,
            notification_email: None,
            is_active: true,
            level_threshold: "ERROR".into(),
            app_paths: Vec::new(),
            app_packages: Vec::new(),
            last_log_fetch: None,
            last_rca_generation: None,
            last_code_indexing: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A change to a service: each `Some` sets a field; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServicePatch {
    pub name: Option<String>,
    pub repository_url: Option<Option<String>>,
    pub git_branch: Option<String>,
    pub git_repo_path: Option<Option<String>>,
    pub log_fetch_interval_minutes: Option<u32>,
    pub rca_generation_enabled: Option<bool>,
    pub rca_generation_interval_minutes: Option<u32>,
    pub code_indexing_enabled: Option<bool>,
    pub code_indexing_interval_hours: Option<u32>,
    pub notification_enabled: Option<bool>,
    pub notification_webhook_url: Option<Option<String>>,
    pub notification_email: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub level_threshold: Option<String>,
    pub app_paths: Option<Vec<String>>,
    pub app_packages: Option<Vec<String>>,
    pub last_log_fetch: Option<Option<DateTime<Utc>>>,
    pub last_rca_generation: Option<Option<DateTime<Utc>>>,
    pub last_code_indexing: Option<Option<DateTime<Utc>>>,
}

macro_rules! apply_fields {
    ($patch:expr, $service:expr, $changed:ident, $($field:ident),*) => {
        $(
            if let Some(value) = &$patch.$field {
                if &$service.$field != value {
                    $service.$field = value.clone();
                    $changed = true;
                }
            }
        )*
    };
}

impl ServicePatch {
    /// Applies the patch; returns whether anything changed.
    pub fn apply(&self, service: &mut Service) -> bool {
        let mut changed = false;
        apply_fields!(
            self,
            service,
            changed,
            name,
            repository_url,
            git_branch,
            git_repo_path,
            log_fetch_interval_minutes,
            rca_generation_enabled,
            rca_generation_interval_minutes,
            code_indexing_enabled,
            code_indexing_interval_hours,
            notification_enabled,
            notification_webhook_url,
            notification_email,
            is_active,
            level_threshold,
            app_paths,
            app_packages,
            last_log_fetch,
            last_rca_generation,
            last_code_indexing
        );
        changed
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
    fn patch_reports_changes() {
        let now = Utc::now();
        let mut service = Service::new("web-app".parse().unwrap(), now);
        let patch = ServicePatch {
            log_fetch_interval_minutes: Some(15),
            ..ServicePatch::default()
        };
        assert!(patch.apply(&mut service));
        assert!(!patch.apply(&mut service));
        assert_eq!(service.log_fetch_interval_minutes, 15);
    }
}
