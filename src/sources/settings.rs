//! Per-kind settings of a log source, as stored (JSON) in the `log_sources.settings` column.
//! Credentials are stored by reference only: the name of the variable that holds the secret.

use serde::{Deserialize, Serialize};

use super::wrapper::LineFormat;

/// The settings of one source, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceSettings {
    File(FileSettings),
    Elasticsearch(SearchSettings),
    Opensearch(SearchSettings),
    Loki(LokiSettings),
    Command(CommandSettings),
}

/// A file or glob on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// A path or a glob (`/var/log/web/*.log`).
    pub path: String,
    /// Start the first fetch at the end of the file(s) instead of the start.
    #[serde(default)]
    pub from_end: bool,
    /// How the lines are wrapped (a container runtime's format), or auto.
    #[serde(default, skip_serializing_if = "LineFormat::is_auto")]
    pub format: LineFormat,
    /// The IANA zone of times written without one (`Europe/Berlin`); UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The field of a structured record that names the service's version (`--version-field`),
    /// looked for before the common names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_field: Option<String>,
}

/// An Elasticsearch or OpenSearch index pattern, queried with `_search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// Base URL, e.g. `http://127.0.0.1:9200`.
    pub url: String,
    /// Index pattern, e.g. `logs-web-*`.
    pub index: String,
    /// A JSON query clause added as a filter; `None`: level is ERROR or above.
    pub query: Option<serde_json::Value>,
    pub timestamp_field: String,
    pub message_field: String,
    pub level_field: String,
    pub stack_field: Option<String>,
    pub username: Option<String>,
    /// The environment variable that holds the password.
    pub password_env: Option<String>,
    /// Where the first fetch starts: an RFC 3339 time or a duration back from now (`2h`);
    /// `None`: one fetch interval ago.
    pub since: Option<String>,
    /// The field of a structured record that names the service's version (`--version-field`),
    /// looked for before the common names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_field: Option<String>,
}

/// A Loki LogQL selector, queried with `query_range`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LokiSettings {
    pub url: String,
    /// LogQL, e.g. `{app="web"} |= "ERROR"`.
    pub query: String,
    pub org_id: Option<String>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub since: Option<String>,
    /// The field of a structured record that names the service's version (`--version-field`),
    /// looked for before the common names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_field: Option<String>,
}

/// A program run without a shell whose standard output is the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSettings {
    /// Program and arguments; `{since}` in an argument becomes the cursor time (RFC 3339).
    pub argv: Vec<String>,
    /// Seconds before the program is killed.
    pub timeout_seconds: u32,
    pub since: Option<String>,
    /// How the output's lines are wrapped (a container runtime's format), or auto.
    #[serde(default, skip_serializing_if = "LineFormat::is_auto")]
    pub format: LineFormat,
    /// The IANA zone of times written without one; UTC when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The field of a structured record that names the service's version (`--version-field`),
    /// looked for before the common names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_field: Option<String>,
}

impl SourceSettings {
    /// The field of a structured record that names the service's version (`--version-field`).
    pub fn version_field(&self) -> Option<&str> {
        match self {
            SourceSettings::File(file) => file.version_field.as_deref(),
            SourceSettings::Elasticsearch(search) | SourceSettings::Opensearch(search) => {
                search.version_field.as_deref()
            }
            SourceSettings::Loki(loki) => loki.version_field.as_deref(),
            SourceSettings::Command(command) => command.version_field.as_deref(),
        }
    }

    /// The zone of the source's zone-less times (`--timezone`), for the text sources that have
    /// one; an unknown stored name is an error naming it.
    pub fn timezone(&self) -> Result<Option<chrono_tz::Tz>, String> {
        let name = match self {
            SourceSettings::File(file) => file.timezone.as_deref(),
            SourceSettings::Command(command) => command.timezone.as_deref(),
            _ => None,
        };
        name.map(parse_timezone).transpose()
    }
}

/// An IANA zone name (`Europe/Berlin`, `UTC`), with the closest known name when it is not one.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
        match crate::suggest::closest(name, names) {
            Some(near) => format!("unknown time zone '{name}'; did you mean '{near}'?"),
            None => {
                format!("unknown time zone '{name}'; use an IANA name such as Europe/Berlin or UTC")
            }
        }
    })
}
