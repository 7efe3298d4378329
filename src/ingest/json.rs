//! JSON log lines (ECS, logstash, bunyan, pino, structlog): the fields that matter, by their
//! common names. logfmt lines ([`super::logfmt`]) are read by the same names.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use crate::domain::Level;

/// What a JSON log line says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonRecord {
    pub timestamp: Option<DateTime<Utc>>,
    /// Whether the time said its zone (epoch times and RFC 3339 ones do).
    pub zoned: bool,
    pub level: Option<Level>,
    pub logger: Option<String>,
    pub message: String,
    pub stack: Option<String>,
    /// The version of the service that wrote it ([`VERSION_FIELDS`], or the source's own field).
    pub version: Option<String>,
}

/// The fields that name the version of the service that wrote a record, in the order they are
/// looked for: ECS's `service.version`, then the common names.
pub const VERSION_FIELDS: &[&str] = &[
    "service.version",
    "version",
    "app.version",
    "git.commit",
    "commit",
    "git_sha",
    "revision",
];

/// The longest version kept: a longer value is not a version.
const MAX_VERSION: usize = 128;

/// Parses a JSON object line; `None` when the line is not a JSON object. `now` completes a
/// timestamp that leaves out its year (syslog style); `version_field` (a source's
/// `--version-field`) is looked for before the common version names.
pub fn parse(line: &str, now: DateTime<Utc>, version_field: Option<&str>) -> Option<JsonRecord> {
    let trimmed = line.trim();
    if !trimmed.starts_with('{') || !trimmed.ends_with('}') {
        return None;
    }
    let Value::Object(map) = serde_json::from_str::<Value>(trimmed).ok()? else {
        return None;
    };
    Some(from_fields(&map, now, version_field))
}

/// The version a record's fields name: `version_field` when given and present, else the first
/// of [`VERSION_FIELDS`] ([`version_text`]).
fn version(map: &Map<String, Value>, version_field: Option<&str>) -> Option<String> {
    let value = version_field
        .and_then(|name| first(map, &[name]))
        .or_else(|| first(map, VERSION_FIELDS))?;
    version_text(value)
}

/// A field's value as a version: a string or a number, not empty, without blanks or control
/// characters, at most [`MAX_VERSION`] bytes.
pub fn version_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let plain = !text.is_empty()
        && text.len() <= MAX_VERSION
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    plain.then_some(text)
}

/// The record that fields of a structured line (JSON, logfmt) describe; `version_field` (a
/// source's `--version-field`) is looked for before the common version fields.
pub fn from_fields(
    map: &Map<String, Value>,
    now: DateTime<Utc>,
    version_field: Option<&str>,
) -> JsonRecord {
    let time = first(map, &["@timestamp", "timestamp", "time", "ts", "t"])
        .and_then(|value| time(value, now));
    JsonRecord {
        version: version(map, version_field),
        timestamp: time.map(|(t, _)| t),
        zoned: time.is_some_and(|(_, zoned)| zoned),
        level: first(
            map,
            &[
                "level",
                "severity",
                "log.level",
                "levelname",
                "loglevel",
                "lvl",
            ],
        )
        .and_then(level),
        logger: first(
            map,
            &[
                "logger",
                "logger_name",
                "log.logger",
                "name",
                "module",
                "component",
            ],
        )
        .and_then(Value::as_str)
        .map(str::to_string),
        message: first(
            map,
            &["message", "msg", "event", "error.message", "err.message"],
        )
        .map(text)
        .unwrap_or_default(),
        stack: first(
            map,
            &[
                "error.stack_trace",
                "stack_trace",
                "exception",
                "err.stack",
                "stack",
                "exc_info",
                "error.stack",
            ],
        )
        .map(text)
        .filter(|s| !s.trim().is_empty()),
    }
}

/// The first of `names` that is present; a dotted name also matches nested objects.
fn first<'a>(map: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|name| lookup(map, name))
        .filter(|v| !v.is_null())
}

fn lookup<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = map.get(name) {
        return Some(value);
    }
    let (head, rest) = name.split_once('.')?;
    match map.get(head)? {
        Value::Object(inner) => lookup(inner, rest),
        _ => None,
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn time(value: &Value, now: DateTime<Utc>) -> Option<(DateTime<Utc>, bool)> {
    match value {
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| (t.with_timezone(&Utc), true))
            .ok()
            .or_else(|| crate::header::timestamp_zoned(s, now)),
        Value::Number(n) => {
            let n = n.as_f64()?;
            // Epoch milliseconds (pino, bunyan) or seconds (structlog, python logging).
            let millis = if n > 1e11 { n } else { n * 1000.0 };
            Utc.timestamp_millis_opt(millis as i64)
                .single()
                .map(|t| (t, true))
        }
        _ => None,
    }
}

fn level(value: &Value) -> Option<Level> {
    match value {
        Value::String(s) => Level::parse(s),
        // pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
        Value::Number(n) => Some(match n.as_u64()? {
            0..=10 => Level::Trace,
            11..=20 => Level::Debug,
            21..=30 => Level::Info,
            31..=40 => Level::Warn,
            41..=50 => Level::Error,
            _ => Level::Fatal,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap()
    }

    #[test]
    fn ecs_and_pino() {
        let r = parse(r#"{"@timestamp":"2024-01-15T10:30:00Z","log":{"level":"error","logger":"api"},"message":"boom","error":{"stack_trace":"java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)"}}"#, now(), None).unwrap();
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.logger.as_deref(), Some("api"));
        assert_eq!(r.message, "boom");
        assert!(r
            .stack
            .unwrap()
            .starts_with("java.lang.IllegalStateException"));
        assert_eq!(
            r.timestamp,
            Some(Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap())
        );
        let r = parse(r#"{"level":50,"time":1705314600000,"msg":"failed","err":{"stack":"Error: x\n    at f (/app/a.js:1:2)"}}"#, now(), None).unwrap();
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(
            r.timestamp,
            Some(Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap())
        );
        assert!(r.stack.is_some());
    }

    #[test]
    fn not_json() {
        assert_eq!(parse("{not json}", now(), None), None);
        assert_eq!(parse("plain", now(), None), None);
        assert_eq!(parse("[1,2]", now(), None), None);
    }

    #[test]
    fn a_time_without_a_year_takes_it_from_the_clock() {
        let line = r#"{"time":"Dec 31 23:59:59","msg":"x"}"#;
        let at = |year| Utc.with_ymd_and_hms(year, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(parse(line, now(), None).unwrap().timestamp, Some(at(2023)));
        let later = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(parse(line, later, None).unwrap().timestamp, Some(at(2026)));
    }
}
