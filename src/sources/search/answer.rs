//! What a `_search` answer holds: hits turned into records (message, stack, time, level, with
//! dotted or nested field names), the reason of an error answer, and whether an answer is partial.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::sources::{RawRecord, SearchSettings};

/// A hit as a record: message (+ newline + stack), time, level.
pub(super) fn hit_record(hit: &Value, settings: &SearchSettings) -> RawRecord {
    let source = hit.get("_source").unwrap_or(&Value::Null);
    let mut text = field(source, &settings.message_field)
        .map(text_of)
        .unwrap_or_default();
    if let Some(stack) = settings
        .stack_field
        .as_deref()
        .and_then(|name| field(source, name))
        .map(text_of)
        .filter(|stack| !stack.trim().is_empty())
    {
        text.push('\n');
        text.push_str(&stack);
    }
    let timestamp = field(source, &settings.timestamp_field)
        .and_then(parse_time)
        .or_else(|| hit.pointer("/sort/0").and_then(parse_time));
    let level = field(source, &settings.level_field)
        .map(text_of)
        .filter(|level| !level.is_empty());
    let version = settings
        .version_field
        .as_deref()
        .and_then(|name| field(source, name))
        .or_else(|| {
            crate::ingest::json::VERSION_FIELDS
                .iter()
                .find_map(|name| field(source, name))
        })
        .and_then(crate::ingest::json::version_text);
    RawRecord {
        text,
        timestamp,
        level,
        version,
    }
}

/// A field of `_source` by name: a literal dotted key (`"log.level": ..`) or a path of objects.
fn field<'a>(source: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(value) = source.get(name) {
        return Some(value);
    }
    let mut current = source;
    for part in name.split('.') {
        current = current.get(part)?;
    }
    Some(current)
}

/// Text of a field value: strings as they are, arrays joined by newlines, others as JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A time from RFC 3339 text, epoch milliseconds (number or digits), or a zoneless ISO time (UTC).
fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(number) => DateTime::from_timestamp_millis(number.as_i64()?),
        Value::String(text) => {
            let text = text.trim();
            if let Ok(time) = DateTime::parse_from_rfc3339(text) {
                return Some(time.with_timezone(&Utc));
            }
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return DateTime::from_timestamp_millis(text.parse().ok()?);
            }
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|naive| naive.and_utc())
        }
        _ => None,
    }
}

/// The most precise reason in an error answer: the first root cause, else the error itself.
pub(super) fn error_reason(body: &Value) -> Option<String> {
    let error = body.get("error")?;
    if let Some(text) = error.as_str() {
        return Some(text.to_string());
    }
    let cause = error
        .pointer("/root_cause/0")
        .filter(|cause| cause.get("reason").is_some())
        .unwrap_or(error);
    let reason = cause.get("reason").and_then(Value::as_str)?;
    Some(match cause.get("type").and_then(Value::as_str) {
        Some(kind) => format!("{kind}: {reason}"),
        None => reason.to_string(),
    })
}

/// Why an answer is partial (failed shards, a timeout), if it is.
pub(super) fn incomplete(body: &Value) -> Option<String> {
    if body.get("timed_out").and_then(Value::as_bool) == Some(true) {
        return Some("the search timed out".to_string());
    }
    let failed = body.pointer("/_shards/failed").and_then(Value::as_u64)?;
    if failed == 0 {
        return None;
    }
    let reason = body
        .pointer("/_shards/failures/0/reason")
        .and_then(|reason| error_reason(&json!({ "error": reason })))
        .unwrap_or_else(|| "no reason given".to_string());
    Some(format!("{failed} shards failed ({reason})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_become_whole_records_with_nested_and_dotted_fields() {
        let hit = json!({"_id": "1", "sort": [1, "1"], "_source": {
            "@timestamp": "2024-01-15T10:00:00.123+01:00",
            "message": "boom",
            "log.level": "error",
            "error": {"stack_trace": "Traceback ..."}
        }});
        let record = hit_record(&hit, &super::super::test_settings());
        assert_eq!(record.text, "boom\nTraceback ...");
        assert_eq!(record.level.as_deref(), Some("error"));
        assert_eq!(
            record.timestamp.map(|t| t.to_rfc3339()),
            Some("2024-01-15T09:00:00.123+00:00".to_string())
        );
    }

    #[test]
    fn times_from_millis_digits_and_zoneless_text() {
        let expected = DateTime::from_timestamp_millis(1_705_312_800_000);
        assert_eq!(parse_time(&json!(1_705_312_800_000_i64)), expected);
        assert_eq!(parse_time(&json!("1705312800000")), expected);
        assert_eq!(parse_time(&json!("2024-01-15T10:00:00")), expected);
        assert_eq!(parse_time(&json!("yesterday")), None);
    }

    #[test]
    fn error_reasons_prefer_the_root_cause() {
        let body = json!({"error": {"type": "search_phase_execution_exception", "reason": "all shards failed",
            "root_cause": [{"type": "query_shard_exception", "reason": "no mapping for [x]"}]}});
        assert_eq!(
            error_reason(&body).as_deref(),
            Some("query_shard_exception: no mapping for [x]")
        );
        assert_eq!(
            error_reason(&json!({"error": "no handler"})).as_deref(),
            Some("no handler")
        );
    }

    #[test]
    fn partial_answers_are_noticed() {
        let ok = json!({"timed_out": false, "_shards": {"total": 2, "failed": 0}});
        assert_eq!(incomplete(&ok), None);
        let failed = json!({"_shards": {"total": 2, "failed": 1, "failures": [{"shard": 0,
            "reason": {"type": "node_disconnected_exception", "reason": "node left"}}]}});
        assert_eq!(
            incomplete(&failed).as_deref(),
            Some("1 shards failed (node_disconnected_exception: node left)")
        );
        assert_eq!(
            incomplete(&json!({"timed_out": true})).as_deref(),
            Some("the search timed out")
        );
    }
}
