//! .NET's console logger (`Microsoft.Extensions.Logging.Console`'s `SimpleConsoleFormatter`).

use chrono::{DateTime, Utc};

use super::time::{time_of_day, timestamp_zoned};
use super::{Header, Level};

/// How far into a line a `TimestampFormat`'s time may reach before the level.
const MAX_TIME_PREFIX: usize = 48;

/// `fail: Microsoft.AspNetCore.Server.Kestrel[13]`, the message on the next line indented six
/// spaces ([`Header::message_below`]; read alone, the line's message is its category and event
/// id), or after the event id with `SingleLine`. A `TimestampFormat` writes its time right
/// before the level (`2026-11-27 08:00:01.123 fail: `, `[08:00:01] warn: `). The category is
/// the logger, the event id context; `fail` is ERROR, `crit` FATAL, `dbug` DEBUG, `trce` TRACE.
pub(super) fn console(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let b = line.as_bytes();
    let at = level_at(b)?;
    let level = match &b[at..at + 4] {
        b"fail" => Level::Error,
        b"crit" => Level::Fatal,
        b"warn" => Level::Warn,
        b"info" => Level::Info,
        b"dbug" => Level::Debug,
        _ => Level::Trace,
    };
    let category_at = at + 6;
    let open = category_at + line[category_at..].find('[')?;
    let close = open + 1 + line[open + 1..].find(']')?;
    let category = &line[category_at..open];
    let event_id = &b[open + 1..close];
    if category.is_empty()
        || category.contains(' ')
        || event_id.is_empty()
        || !event_id.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let message_below = close + 1 == line.len();
    if !message_below && b[close + 1] != b' ' {
        return None;
    }
    // the time before the level, when there is one; read on some date when there is no `now`,
    // so that the same lines are taken for this format with it or without
    let (mut timestamp, mut zoned, mut dateless) = (None, false, false);
    if at > 0 {
        let text = line[..at].trim_end();
        if !is_time_words(text) {
            return None;
        }
        let read_at = now.unwrap_or(DateTime::UNIX_EPOCH);
        if let Some((t, z)) = timestamp_zoned(text, read_at) {
            (timestamp, zoned) = (Some(t), z);
        } else {
            let clock = text.strip_prefix('[').unwrap_or(text);
            timestamp = Some(time_of_day(clock, read_at)?);
            dateless = true;
        }
        if now.is_none() {
            timestamp = None;
        }
    }
    Some(Header {
        timestamp,
        zoned,
        dateless,
        level: Some(level),
        logger: Some(category.to_string()),
        message_start: if message_below {
            category_at
        } else {
            close + 2
        },
        message_below,
    })
}

/// Whether `text` is only a time's words (`2026-11-27 08:00:01.123`, `[08:00:01]`, `Nov 27
/// 08:00:01`): each starts with a digit, a bracket or a sign, or is a month's name; a word of
/// a message (`retry fail: x[1]`) is not.
fn is_time_words(text: &str) -> bool {
    text.split_ascii_whitespace().all(|word| {
        word.as_bytes()
            .first()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'[' | b'+' | b'-'))
            || (word.len() == 3 && super::time::month_at(word.as_bytes(), 0).is_some())
    })
}

/// Where the console logger's level (`fail: `, `info: `, ...) starts: at the start of the line,
/// or after a time within [`MAX_TIME_PREFIX`] bytes (`TimestampFormat` is written as it is,
/// right before the level: a space, a `]` or the time's last digit before it).
fn level_at(b: &[u8]) -> Option<usize> {
    let is_level = |at: usize| {
        b.get(at + 4..at + 6) == Some(b": ")
            && matches!(
                &b[at..at + 4],
                b"fail" | b"crit" | b"warn" | b"info" | b"dbug" | b"trce"
            )
    };
    if is_level(0) {
        return Some(0);
    }
    let window = &b[..b.len().min(MAX_TIME_PREFIX)];
    memchr::memchr_iter(b':', window)
        // a time's colons are followed by a digit: most are passed over by one comparison
        .filter(|&colon| {
            b.get(colon + 1) == Some(&b' ')
                && colon >= 5
                && matches!(b[colon - 5], b' ' | b']' | b'0'..=b'9')
        })
        .map(|colon| colon - 4)
        .find(|&at| is_level(at))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap()
    }

    #[test]
    fn the_level_is_found_at_the_start_or_after_a_time_only() {
        for (line, logger) in [
            ("fail: Shop.Orders[1]", "Shop.Orders"),
            ("trce: Shop.Orders[0] polling", "Shop.Orders"),
            (
                "2026-11-27T08:00:01.123Z dbug: Shop.Orders[7]",
                "Shop.Orders",
            ),
            ("[08:00:01] info: Shop.Orders[7]", "Shop.Orders"),
            ("08:00:01fail: Shop.Orders[7]", "Shop.Orders"),
            ("[08:00:01]warn: Shop.Orders[7]", "Shop.Orders"),
        ] {
            let h = console(line, Some(now())).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(h.logger.as_deref(), Some(logger), "{line}");
            assert_eq!(
                console(line, None).map(|h| h.message_start),
                Some(h.message_start)
            );
        }
        for line in [
            // a message that says `fail:`, a category without an event id, words before it
            "2026-11-27 08:00:01 ERROR retry fail: Shop.Orders[1]",
            "fail: Shop.Orders",
            "fail: Shop.Orders[x1]",
            "fail: Shop Orders[1]",
            "fail: Shop.Orders[1]x",
            "info: see the docs",
            "information: Shop.Orders[1]",
        ] {
            assert_eq!(console(line, Some(now())), None, "{line}");
        }
    }

    #[test]
    fn a_time_of_day_is_dateless_and_a_full_time_is_not() {
        let h = console("[23:59:58] warn: Shop.Orders[3]", Some(now())).unwrap();
        assert!(h.dateless && h.message_below);
        assert_eq!(h.level, Some(Level::Warn));
        let h = console(
            "2026-11-27 08:00:01+01:00 crit: Shop.Orders[3] down",
            Some(now()),
        )
        .unwrap();
        assert!(!h.dateless && h.zoned && !h.message_below);
        assert_eq!(
            h.timestamp,
            Some(Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 1).unwrap())
        );
        assert_eq!(h.level, Some(Level::Fatal));
    }
}
