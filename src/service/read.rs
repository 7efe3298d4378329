//! How each field of a service file is read: the `deserialize_with` functions of
//! [`ServicePatch`](crate::service::ServicePatch). A file is lenient where a person writing it
//! expects it: an interval is a number in the field's unit or a duration such as `"15m"`, `null`
//! or `""` clears an optional field, `null` is the empty list. The messages name what was found.

// A reader returns the patch's field: outer `None` = not in the file, `Some(None)` = cleared.
#![allow(clippy::option_option)]

use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::validate::{
    validate_branch, validate_emails, validate_env_name, validate_level, validate_name,
    validate_path_map, validate_prefix, validate_repo_path, validate_repo_url, validate_ssh_key,
    validate_webhook,
};
use crate::duration::{parse_interval, Unit};

/// Reads the field's value as JSON and checks it; a field that is present is `Some`.
fn field<'de, D, T>(
    d: D,
    check: impl FnOnce(&Value) -> Result<T, String>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(d)?;
    check(&value).map(Some).map_err(D::Error::custom)
}

pub fn name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    field(d, |v| string(v).and_then(|s| validate_name(&s)))
}

pub fn repository_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_repo_url))
}

pub fn branch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    field(d, |v| string(v).and_then(|s| validate_branch(&s)))
}

pub fn repo_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_repo_path))
}

pub fn env_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_env_name))
}

pub fn ssh_key<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_ssh_key))
}

pub fn path_maps<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    field(d, |v| list(v, validate_path_map))
}

pub fn minutes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    field(d, |v| interval(v, Unit::Minutes))
}

pub fn hours<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    field(d, |v| interval(v, Unit::Hours))
}

/// Days, or `null` for the default.
pub fn days<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    field(d, |v| match v {
        Value::Null => Ok(None),
        Value::Number(n) => super::validate::validate_days(&n.to_string()),
        Value::String(s) => super::validate::validate_days(s),
        other => Err(format!(
            "expected a number of days or null, got {}",
            kind(other)
        )),
    })
}

/// A notification threshold: `N/DURATION`, as in `"5/10m"`.
pub fn rate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<crate::triage::Rate>, D::Error> {
    field(d, |v| match v {
        Value::String(s) => s.parse(),
        other => Err(format!(
            "expected a rate such as \"5/10m\", got {}",
            kind(other)
        )),
    })
}

pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    field(d, boolean)
}

pub fn webhook<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_webhook))
}

pub fn email<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    field(d, |v| optional(v, validate_emails))
}

pub fn level<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    field(d, |v| string(v).and_then(|s| validate_level(&s)))
}

pub fn prefixes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    field(d, |v| list(v, validate_prefix))
}

/// A list of grouping rules, each as `rule list --json` prints it; `null` is the empty list.
pub fn grouping_rules<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<crate::grouping::rules::Rule>>, D::Error> {
    field(d, |v| match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value(item.clone()).map_err(|err| format!("rule {}: {err}", i + 1))
            })
            .collect(),
        other => Err(format!("expected a list of rules, got {}", kind(other))),
    })
}

pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    field(d, rfc3339)
}

/// A field that luffy manages (`created_at`, `updated_at`): accepted as a string or null, so that
/// `service show --json` output imports, and otherwise ignored.
pub(crate) fn managed(value: &Value) -> Result<(), String> {
    if value.is_string() || value.is_null() {
        Ok(())
    } else {
        Err(format!("expected a string, got {}", kind(value)))
    }
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn string(value: &Value) -> Result<String, String> {
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

fn rfc3339(value: &Value) -> Result<Option<DateTime<Utc>>, String> {
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
