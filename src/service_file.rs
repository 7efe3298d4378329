//! Service files: reading `service import` input (JSON or TOML, one service or a list, with the
//! seed's field names) and writing `service export` output that reads back identically.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::service::{Service, ServiceId, ServicePatch};
use crate::suggest::closest;

use crate::service::read::{self, kind, string};

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

/// Why one service's settings were refused ([`parse_settings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// The text is not JSON.
    Malformed(String),
    /// A field is unknown or its value wrong: the message names the field.
    Invalid(String),
}

/// Reads one service's settings, as JSON (the API's `PUT /api/v1/services/ID/config` body): the
/// fields of an import file's entry, checked the same way. `id`, when given, must be `service`.
pub fn parse_settings(text: &str, service: &ServiceId) -> Result<ServicePatch, SettingsError> {
    let value = serde_json::from_str::<Value>(text)
        .map_err(|err| SettingsError::Malformed(format!("malformed JSON: {err}")))?;
    let Value::Object(map) = value else {
        return Err(SettingsError::Invalid(format!(
            "expected a service object, got {}",
            kind(&value)
        )));
    };
    let invalid = |field: &str, message: String| {
        SettingsError::Invalid(format!("field `{field}`: {message}"))
    };
    if let Some(given) = map.get("id") {
        let id = string(given)
            .and_then(|s| s.parse::<ServiceId>())
            .map_err(|err| invalid("id", err))?;
        if id != *service {
            return Err(invalid(
                "id",
                format!("'{id}' is not the service of the path, '{service}'"),
            ));
        }
    }
    read_patch(map, service).map_err(|(field, message)| invalid(&field, message))
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

/// Reads an entry's fields into a patch; an error comes with the path of the field it is about.
fn read_patch(
    mut map: serde_json::Map<String, Value>,
    id: &ServiceId,
) -> Result<ServicePatch, (String, String)> {
    // Fields that luffy manages are accepted so that `service show --json` output imports.
    map.remove("id");
    for key in ["created_at", "updated_at"] {
        if let Some(value) = map.remove(key) {
            read::managed(&value).map_err(|err| (key.to_string(), err))?;
        }
    }
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|err| {
        let field = err.path().to_string();
        let known = field_names(id);
        // "." is the entry itself: not a field, so not an unknown one.
        if known.contains(&field) || field == "." {
            return (field, err.into_inner().to_string());
        }
        let message = match closest(&field, known.iter().map(String::as_str)) {
            Some(near) => format!("unknown field; did you mean `{near}`?"),
            None => "unknown field".to_string(),
        };
        (field, message)
    })
}

/// The fields a service file may hold: a service's own, as it serializes.
fn field_names(id: &ServiceId) -> Vec<String> {
    match serde_json::to_value(Service::new(id.clone(), DateTime::<Utc>::UNIX_EPOCH)) {
        Ok(Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
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
    let patch = read_patch(map, &id).map_err(|(field, err)| fail(&field, err))?;
    Ok(Entry { number, id, patch })
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
    fn errors_in_toml_lists_name_the_entry_and_field_and_suggest_a_name() {
        let text = "[[services]]\nid = \"a\"\n[[services]]\nname = \"b\"\n\
                    rca_generation_interval_minute = 10\n";
        assert_eq!(
            parse(text, None).unwrap_err(),
            "entry 2 (b): field `rca_generation_interval_minute`: unknown field; \
             did you mean `rca_generation_interval_minutes`?"
        );
        let err = parse(
            "[[services]]\nid = \"a\"\napp_paths = [\"src/\", 3]\n",
            None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "entry 1 (a): field `app_paths`: expected a string, got a number"
        );
        let err = parse(r#"{"id": "a", "name": null}"#, None).unwrap_err();
        assert_eq!(
            err,
            "entry 1 (a): field `name`: expected a string, got null"
        );
        let err = parse(r#"{"id": "a", "created_at": 3}"#, None).unwrap_err();
        assert_eq!(
            err,
            "entry 1 (a): field `created_at`: expected a string, got a number"
        );
    }

    #[test]
    fn every_field_a_service_prints_imports() {
        let now = Utc::now();
        let mut service = Service::new("web-app".parse().unwrap(), now);
        service.last_log_fetch = Some(now);
        service.git.repository_url = Some("git@github.com:company/web.git".into());
        service.notification.email = Some("web@company.com".into());
        service.app_paths = vec!["src/".into()];
        service.git.token_env = Some("GH_TOKEN".into());
        service.git.ssh_key = Some("/home/luffy/.ssh/id_ed25519".into());
        service.git.path_maps = vec!["/app/=src/".into()];
        let shown = serde_json::to_string(&service).unwrap();
        let entries = parse(&shown, Some(Format::Json)).unwrap();
        let mut copy = Service::new(entries[0].id.clone(), now);
        entries[0].patch.apply(&mut copy);
        assert_eq!(
            copy.last_log_fetch.map(|t| t.timestamp()),
            Some(now.timestamp())
        );
        assert_eq!(copy.git, service.git);
        assert_eq!(copy.notification, service.notification);
        assert_eq!(copy.app_paths, service.app_paths);
    }

    #[test]
    fn one_services_settings_name_the_field() {
        let id: ServiceId = "web-app".parse().unwrap();
        let patch = parse_settings(
            r#"{"name": "Web App", "log_fetch_interval_minutes": 15}"#,
            &id,
        )
        .unwrap();
        assert_eq!(patch.name.as_deref(), Some("Web App"));
        assert_eq!(patch.log_fetch_interval_minutes, Some(15));
        assert!(matches!(
            parse_settings("{\"name\": ", &id),
            Err(SettingsError::Malformed(m)) if m.starts_with("malformed JSON")
        ));
        assert_eq!(
            parse_settings(r#"{"is_active": "yes"}"#, &id),
            Err(SettingsError::Invalid(
                "field `is_active`: expected true or false, got a string".into()
            ))
        );
        assert_eq!(
            parse_settings(r#"{"git_brnch": "main"}"#, &id),
            Err(SettingsError::Invalid(
                "field `git_brnch`: unknown field; did you mean `git_branch`?".into()
            ))
        );
        assert!(matches!(
            parse_settings(r#"{"id": "api"}"#, &id),
            Err(SettingsError::Invalid(m)) if m.starts_with("field `id`: 'api' is not")
        ));
        assert!(parse_settings(r#"{"id": "web-app"}"#, &id)
            .unwrap()
            .is_empty());
        assert!(matches!(
            parse_settings("[]", &id),
            Err(SettingsError::Invalid(m)) if m.starts_with("expected a service object")
        ));
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
