//! PHP's error log (`[27-Nov-2026 08:00:01 UTC] PHP Fatal error:  message`) and php-fpm's own
//! (`[27-Nov-2026 08:00:01] WARNING: [pool www] message`).

use chrono::{DateTime, Utc};

use super::time::{day_month_year, in_zone, utc};
use super::{scan, Header, Level};

/// `[27-Nov-2026 08:00:01 Europe/Berlin] PHP Warning:  message`: the time is in the zone it
/// names (`UTC` or an IANA name; none in php-fpm's log: UTC unless the source says). PHP's kind
/// of error is the level, no part of the message: `Fatal error` (E_ERROR and its kin, the name
/// PHP gives them), `Recoverable fatal error` and `Parse error` are ERROR, `Warning` is WARN,
/// `Notice`, `Deprecated` and `Strict Standards` INFO. After a php-fpm time, `LEVEL: ` and a
/// `[pool name] ` are header; any other line after the time is read as any header.
pub(super) fn php(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let (wall, end) = day_month_year(line.as_bytes().get(1..)?)?;
    let end = end + 1;
    let close = end + line[end..].find(']')?;
    let zone = line[end..close].trim();
    let (timestamp, zoned) = match zone {
        "" => (utc(wall), false),
        _ => match zone.parse::<chrono_tz::Tz>() {
            Ok(zone) => (in_zone(utc(wall), zone), true),
            // a zone chrono-tz does not know: read as a zone-less time
            Err(_) => (utc(wall), false),
        },
    };
    let rest_at = close + 1 + usize::from(line[close + 1..].starts_with(' '));
    let rest = &line[rest_at..];
    let header = |level, message_at: usize| Header {
        timestamp: Some(timestamp),
        zoned,
        dateless: false,
        level: Some(level),
        logger: None,
        message_start: skip_spaces(line, message_at),
        message_below: false,
    };
    if let Some(kind) = rest.strip_prefix("PHP ") {
        let (name, _) = kind.split_once(':')?;
        let level = php_level(name)?;
        return Some(header(level, rest_at + 4 + name.len() + 1));
    }
    if let Some((name, after)) = rest.split_once(": ") {
        if name.bytes().all(|c| c.is_ascii_uppercase()) {
            if let Some(level) = Level::parse(name) {
                let mut at = line.len() - after.len();
                if let Some(pool) = after.strip_prefix("[pool ") {
                    at += pool.find("] ").map_or(0, |n| 6 + n + 2);
                }
                return Some(header(level, at));
            }
        }
    }
    let inner = scan(rest, now);
    Some(Header {
        timestamp: Some(timestamp),
        zoned,
        dateless: false,
        message_start: rest_at + inner.message_start,
        ..inner
    })
}

/// PHP's name for a kind of error, as its level.
fn php_level(name: &str) -> Option<Level> {
    Some(match name {
        "Fatal error"
        | "Recoverable fatal error"
        | "Catchable fatal error"
        | "Parse error"
        | "Unknown error" => Level::Error,
        "Warning" => Level::Warn,
        "Notice" | "Deprecated" | "Strict Standards" => Level::Info,
        _ => return None,
    })
}

fn skip_spaces(line: &str, at: usize) -> usize {
    at + line[at..].len() - line[at..].trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_php_does_not_name_is_no_zone_and_an_unknown_kind_is_no_php_line() {
        let h = php("[27-Nov-2026 08:00:01 Mars/Olympus] PHP Warning:  x", None).unwrap();
        assert!(!h.zoned);
        assert_eq!(h.level, Some(Level::Warn));
        let h = php("[27-Nov-2026 08:00:01 UTC] PHP Fatal error:  x", None).unwrap();
        assert!(h.zoned);
        assert_eq!(php("[27-Nov-2026 08:00:01 UTC] PHP Oops:  x", None), None);
        // not php-fpm's `LEVEL: `: read as any line after the time
        let line = "[27-Nov-2026 08:00:01] [error] boom";
        let h = php(line, None).unwrap();
        assert_eq!(&line[h.message_start..], "boom");
    }
}
