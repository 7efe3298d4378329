//! logfmt lines (logrus's text format, go-kit, Heroku, slog's text handler): `key=value` pairs,
//! values quoted when they hold spaces (`time="2026-11-27T08:00:01Z" level=error msg="x y"`).
//! The pairs are read by the names JSON lines use ([`super::json::from_fields`]).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::json::{from_fields, JsonRecord};

/// Parses a logfmt line; `None` when the line is not one: it must begin with a `key=` pair and
/// hold a level or a message key (`level`/`lvl`/`severity`, `msg`/`message`), so that a plain
/// message that happens to start with `a=b` stays a plain message. The pairs are read as a JSON
/// line's fields are, `version_field` first.
pub fn parse(line: &str, now: DateTime<Utc>, version_field: Option<&str>) -> Option<JsonRecord> {
    // Most lines start with a digit, a bracket or a capital: they are told at the first byte.
    if !line.as_bytes().first()?.is_ascii_lowercase() {
        return None;
    }
    let pairs = pairs(line)?;
    let has = |names: &[&str]| names.iter().any(|name| pairs.contains_key(*name));
    if !has(&["level", "lvl", "severity", "msg", "message"]) {
        return None;
    }
    Some(from_fields(&pairs, now, version_field))
}

/// The pairs of a line, or `None` when a word of it is not a pair (`key=value`, `key="..."`,
/// or a bare `key`, which logfmt reads as true).
fn pairs(line: &str) -> Option<Map<String, Value>> {
    let b = line.as_bytes();
    let mut map = Map::new();
    let mut pos = 0;
    loop {
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos == b.len() {
            break;
        }
        let key_start = pos;
        while pos < b.len() && is_key_byte(b[pos]) {
            pos += 1;
        }
        if pos == key_start {
            return None;
        }
        let key = &line[key_start..pos];
        let value = match b.get(pos) {
            Some(b'=') => {
                pos += 1;
                if b.get(pos) == Some(&b'"') {
                    let (value, end) = quoted(line, pos + 1)?;
                    pos = end;
                    value
                } else {
                    let start = pos;
                    while pos < b.len() && !b[pos].is_ascii_whitespace() {
                        pos += 1;
                    }
                    line[start..pos].to_string()
                }
            }
            None => "true".to_string(),
            Some(c) if c.is_ascii_whitespace() => "true".to_string(),
            Some(_) => return None,
        };
        map.insert(key.to_string(), Value::String(value));
    }
    (!map.is_empty()).then_some(map)
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@' | b'/')
}

/// The value of a quoted string starting after its `"` at `pos`, with `\"`, `\\`, `\n` and `\t`
/// unescaped, and where it ends; `None` when it never closes.
fn quoted(line: &str, mut pos: usize) -> Option<(String, usize)> {
    let b = line.as_bytes();
    let mut value = String::new();
    let mut from = pos;
    while pos < b.len() {
        match b[pos] {
            b'"' => {
                value.push_str(&line[from..pos]);
                return Some((value, pos + 1));
            }
            b'\\' if pos + 1 < b.len() => {
                value.push_str(&line[from..pos]);
                value.push(match b[pos + 1] {
                    b'n' => '\n',
                    b't' => '\t',
                    other => char::from(other),
                });
                pos += 2;
                from = pos;
            }
            _ => pos += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::Level;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap()
    }

    #[test]
    fn logrus_text_lines_give_time_level_and_message() {
        let r = parse(
            r#"time="2026-11-27T08:00:01+01:00" level=error msg="payment for order 17 failed" order=17 error="card declined""#,
            now(),
            None,
        )
        .unwrap();
        assert_eq!(
            r.timestamp,
            Some(Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 1).unwrap())
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.message, "payment for order 17 failed");
    }

    #[test]
    fn go_kit_and_slog_lines_with_their_own_key_names() {
        let r = parse(
            r#"ts=2026-11-27T08:00:01.123456Z level=warn caller=main.go:12 component=billing msg="retrying \"charge\"""#,
            now(),
            None,
        )
        .unwrap();
        assert_eq!(
            r.timestamp,
            Some(
                Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 1).unwrap()
                    + chrono::Duration::microseconds(123_456)
            )
        );
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.logger.as_deref(), Some("billing"));
        assert_eq!(r.message, r#"retrying "charge""#);
        let r = parse(
            "time=2026-11-27T08:00:01Z level=ERROR msg=unreachable host=db-1",
            now(),
            None,
        )
        .unwrap();
        assert_eq!(
            (r.level, r.message.as_str()),
            (Some(Level::Error), "unreachable")
        );
    }

    #[test]
    fn lines_that_are_not_logfmt_are_left_alone() {
        for line in [
            "2026-11-27 08:00:01 ERROR x=1 failed",
            "retry=3 attempts failed for order 17", // a word that is no pair
            "user=bob logged in",
            "x=1 y=2", // pairs, but no level or message
            r#"level=error msg="never closed"#,
            "",
            "ERROR level=x",
        ] {
            assert_eq!(parse(line, now(), None), None, "{line}");
        }
    }
}
