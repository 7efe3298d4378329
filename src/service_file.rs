//! Service files: reading `service import` input (JSON or TOML, one service or a list, with the
//! seed's field names) and writing `service export` output that reads back identically.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::duration::{parse_interval, Unit};
use crate::service::{
    validate_branch, validate_email, validate_level, validate_name, validate_prefix,
    validate_repo_path, validate_repo_url, validate_webhook, Service, ServiceId, ServicePatch,
};

/// The two formats luffy reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Toml,
}

/// One validated entry of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based position in the file, for messages.
    pub number: usize,
    pub id: ServiceId,
    pub patch: ServicePatch,
}

/// Parses and validates a whole file; the first problem is returned, naming the entry and field.
pub fn parse(text: &str, format: Option<Format>) -> Result<Vec<Entry>, String> {
    let value = match format.unwrap_or_else(|| sniff(text)) {
        Format::Json => {
            serde_json::from_str::<Value>(text).map_err(|err| format!("malformed JSON: {err}"))?
        }
        Format::Toml => toml_to_json(
            toml::from_str::<toml::Value>(text)
                .map_err(|err| format!("malformed TOML: {}", err.to_string().trim()))?,
        ),
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) if map.len() == 1 && map.contains_key("services") => {
            match map.remove("services") {
                Some(Value::Array(items)) => items,
                _ => return Err("`services` must be a list of services".into()),
            }
        }
        Value::Object(map) => vec![Value::Object(map)],
        _ => return Err("expected a service object or a list of services".into()),
    };
    let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
    let mut seen: HashMap<ServiceId, usize> = HashMap::new();
    for (index, item) in items.into_iter().enumerate() {
        let entry = parse_entry(index + 1, item)?;
        if let Some(first) = seen.insert(entry.id.clone(), entry.number) {
            return Err(format!(
                "duplicate service id '{}' in entries {first} and {}",
                entry.id, entry.number
            ));
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Guesses the format of unnamed input: JSON starts with `{` or `[` and parses as JSON.
pub fn sniff(text: &str) -> Format {
    let start = text.trim_start();
    let json_like = start.starts_with('{')
        || (start.starts_with('[') && !start.starts_with("[["))
            && serde_json::from_str::<Value>(text).is_ok();
    if json_like {
        Format::Json
    } else {
        Format::Toml
    }
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

fn parse_entry(number: usize, item: Value) -> Result<Entry, String> {
    let Value::Object(map) = item else {
        return Err(format!(
            "entry {number}: expected a service object, got {}",
            kind(&item)
        ));
    };
    let label = map
        .get("id")
        .or_else(|| map.get("name"))
        .and_then(Value::as_str)
        .map_or_else(
            || format!("entry {number}"),
            |id| format!("entry {number} ({id})"),
        );
    let fail = |field: &str, message: String| format!("{label}: field `{field}`: {message}");
    let id = match (map.get("id"), map.get("name")) {
        (Some(id), _) => string(id)
            .and_then(|s| s.parse::<ServiceId>())
            .map_err(|err| fail("id", err))?,
        (None, Some(name)) => string(name)
            .and_then(|s| s.parse::<ServiceId>())
            .map_err(|err| {
                fail(
                    "name",
                    format!("{err} (without an `id`, the name is the service id)"),
                )
            })?,
        (None, None) => return Err(format!("{label}: has neither `id` nor `name`")),
    };
    let mut patch = ServicePatch::default();
    for (key, value) in &map {
        apply_field(&mut patch, key, value).map_err(|err| fail(key, err))?;
    }
    Ok(Entry { number, id, patch })
}

fn apply_field(patch: &mut ServicePatch, key: &str, value: &Value) -> Result<(), String> {
    match key {
        "id" | "created_at" | "updated_at" => {
            // Managed by luffy; accepted so that `service show --json` output imports.
            if !value.is_string() && !value.is_null() {
                return Err(format!("expected a string, got {}", kind(value)));
            }
        }
        "name" => patch.name = Some(validate_name(&string(value)?)?),
        "repository_url" => patch.repository_url = Some(optional(value, validate_repo_url)?),
        "git_branch" => patch.git_branch = Some(validate_branch(&string(value)?)?),
        "git_repo_path" => patch.git_repo_path = Some(optional(value, validate_repo_path)?),
        "log_fetch_interval_minutes" => {
            patch.log_fetch_interval_minutes = Some(interval(value, Unit::Minutes)?);
        }
        "rca_generation_interval_minutes" => {
            patch.rca_generation_interval_minutes = Some(interval(value, Unit::Minutes)?);
        }
        "code_indexing_interval_hours" => {
            patch.code_indexing_interval_hours = Some(interval(value, Unit::Hours)?);
        }
        "rca_generation_enabled" => patch.rca_generation_enabled = Some(boolean(value)?),
        "code_indexing_enabled" => patch.code_indexing_enabled = Some(boolean(value)?),
        "notification_enabled" => patch.notification_enabled = Some(boolean(value)?),
        "is_active" => patch.is_active = Some(boolean(value)?),
        "level_threshold" => patch.level_threshold = Some(validate_level(&string(value)?)?),
        "app_paths" => patch.app_paths = Some(list(value, validate_prefix)?),
        "app_packages" => patch.app_packages = Some(list(value, validate_prefix)?),
        "notification_webhook_url" => {
            patch.notification_webhook_url = Some(optional(value, validate_webhook)?);
        }
        "notification_email" => patch.notification_email = Some(optional(value, validate_email)?),
        "last_log_fetch" => patch.last_log_fetch = Some(time(value)?),
        "last_rca_generation" => patch.last_rca_generation = Some(time(value)?),
        "last_code_indexing" => patch.last_code_indexing = Some(time(value)?),
        _ => return Err("unknown field".into()),
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn string(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string, got {}", kind(value)))
}

fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("expected true or false, got {}", kind(value)))
}

/// A list of strings, each validated; `null` is the empty list.
fn list(
    value: &Value,
    validate: impl Fn(&str) -> Result<String, String>,
) -> Result<Vec<String>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| string(item).and_then(|s| validate(&s)))
            .collect(),
        other => Err(format!("expected a list of strings, got {}", kind(other))),
    }
}

/// `null` or an empty string clears the field.
fn optional(
    value: &Value,
    validate: impl Fn(&str) -> Result<String, String>,
) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => validate(s).map(Some),
        other => Err(format!("expected a string or null, got {}", kind(other))),
    }
}

/// A whole number in the field's unit, or a duration string such as `"15m"`.
fn interval(value: &Value, unit: Unit) -> Result<u32, String> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => parse_interval(&n.to_string(), unit),
        Value::Number(n) => Err(format!("{n} is not a whole number")),
        Value::String(s) => parse_interval(s, unit),
        other => Err(format!(
            "expected a number or a duration such as \"15m\", got {}",
            kind(other)
        )),
    }
}

fn time(value: &Value) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|err| format!("'{s}' is not an RFC 3339 time: {err}")),
        other => Err(format!(
            "expected an RFC 3339 time or null, got {}",
            kind(other)
        )),
    }
}

/// Run state that luffy keeps for itself: left out of an export, which is configuration only.
const RUN_STATE: [&str; 5] = [
    "last_log_fetch",
    "last_rca_generation",
    "last_code_indexing",
    "created_at",
    "updated_at",
];

/// A service as exported: its serialized fields (the seed's names, in their order) without the
/// run state, and with unset fields (null, empty lists) left out.
fn exported(service: &Service) -> Result<serde_json::Map<String, Value>, String> {
    let Value::Object(mut fields) = serde_json::to_value(service).map_err(|err| err.to_string())?
    else {
        return Err("a service did not serialize to an object".into());
    };
    fields.retain(|key, value| {
        !RUN_STATE.contains(&key.as_str())
            && !value.is_null()
            && value.as_array().is_none_or(|items| !items.is_empty())
    });
    Ok(fields)
}

#[derive(Serialize)]
struct ExportFile {
    services: Vec<serde_json::Map<String, Value>>,
}

/// Writes services in a form that [`parse`] reads back to the same configuration.
pub fn export(services: &[Service], format: Format) -> Result<String, String> {
    let services = services
        .iter()
        .map(exported)
        .collect::<Result<Vec<_>, _>>()?;
    match format {
        Format::Json => serde_json::to_string_pretty(&services)
            .map(|text| text + "\n")
            .map_err(|err| err.to_string()),
        Format::Toml => toml::to_string(&ExportFile { services }).map_err(|err| err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"[
      {"name": "web-app", "repository_url": "https://github.com/company/web-app.git",
       "git_branch": "main", "git_repo_path": "/repos/web-app", "log_fetch_interval_minutes": 15,
       "rca_generation_interval_minutes": 10, "code_indexing_interval_hours": 12,
       "notification_webhook_url": "https://slack.com/hooks/web-team"},
      {"name": "mobile-app", "log_fetch_interval_minutes": "1h", "rca_generation_enabled": false}
    ]"#;

    #[test]
    fn reads_the_seed_examples() {
        let entries = parse(SEED, None).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].id.as_str(), "web-app");
        assert_eq!(entries[0].patch.log_fetch_interval_minutes, Some(15));
        assert_eq!(entries[1].patch.log_fetch_interval_minutes, Some(60));
        assert_eq!(entries[1].patch.rca_generation_enabled, Some(false));
    }

    #[test]
    fn one_service_or_a_services_table() {
        assert_eq!(parse(r#"{"id": "a"}"#, None).unwrap().len(), 1);
        assert_eq!(parse("id = \"a\"\n", None).unwrap().len(), 1);
        assert_eq!(
            parse("[[services]]\nid = \"a\"\n[[services]]\nid = \"b\"\n", None)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let err = parse(
            r#"[{"id": "a"}, {"id": "b", "log_fetch_interval_minutes": 0}]"#,
            None,
        )
        .unwrap_err();
        assert!(
            err.starts_with("entry 2 (b): field `log_fetch_interval_minutes`"),
            "{err}"
        );
        let err = parse(r#"{"id": "a", "colour": "red"}"#, None).unwrap_err();
        assert_eq!(err, "entry 1 (a): field `colour`: unknown field");
        let err = parse(r#"{"id": "a", "is_active": "yes"}"#, None).unwrap_err();
        assert!(
            err.contains("`is_active`: expected true or false, got a string"),
            "{err}"
        );
        let err = parse(r#"[{"id": "a"}, {"id": "a"}]"#, None).unwrap_err();
        assert_eq!(err, "duplicate service id 'a' in entries 1 and 2");
        assert!(parse("{\"id\": ", Some(Format::Json))
            .unwrap_err()
            .starts_with("malformed JSON"));
        assert!(parse("id = = 1", None)
            .unwrap_err()
            .starts_with("malformed TOML"));
    }

    #[test]
    fn export_reads_back() {
        let now = Utc::now();
        let mut services = Vec::new();
        for entry in parse(SEED, None).unwrap() {
            let mut service = Service::new(entry.id.clone(), now);
            entry.patch.apply(&mut service);
            services.push(service);
        }
        for format in [Format::Toml, Format::Json] {
            let text = export(&services, format).unwrap();
            let again = parse(&text, Some(format)).unwrap();
            assert_eq!(again.len(), 2);
            let mut copy = Service::new(again[0].id.clone(), now);
            again[0].patch.apply(&mut copy);
            assert_eq!(copy, services[0]);
        }
    }
}
