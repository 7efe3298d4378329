//! .NET's console logger (`Microsoft.Extensions.Logging.Console`'s `SimpleConsoleFormatter`).

use chrono::{DateTime, Utc};

use super::time::{time_of_day, timestamp_zoned};
use super::{Header, Level};

/// How far into a line a `TimestampFormat`'s time may reach before the level.
const MAX_TIME_PREFIX: usize = 48;

/// `fail: Microsoft.AspNetCore.Server.Kestrel[13]`, the message on the next line indented six
/// spaces ([`Header::message_below`]), or after the event id with `SingleLine`. A
/// `TimestampFormat` writes its time right before the level (`2026-11-27 08:00:01.123 fail: `,
/// `[08:00:01] warn: `). The category is the logger, the event id context.
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
        message_start: if message_below { close + 1 } else { close + 2 },
        message_below,
    })
}

/// Where the console logger's level (`fail: `, `info: `, ...) starts: at the start of the line,
/// or after a time (a space before it, within [`MAX_TIME_PREFIX`] bytes).
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
    memchr::memmem::find_iter(window, b": ")
        .filter(|&colon| colon >= 5 && b[colon - 5] == b' ')
        .map(|colon| colon - 4)
        .find(|&at| is_level(at))
}
