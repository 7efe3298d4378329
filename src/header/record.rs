//! A record's header, read from its first line or, for the formats that write the level or
//! the message on the line after it, from its first lines.

use chrono::{DateTime, Utc};

use super::jvm::jul_level;
use super::{read, Header};

/// Reads the header of a record (its lines joined by `\n`): its first line's ([`read`]), and
/// when that line puts its message below ([`Header::message_below`]) the message's line after
/// it, trimmed, past any scope lines (`=> ...`, .NET's `IncludeScopes`); when the first line
/// said no level, a java.util.logging `LEVEL: ` before that message is its level. With no such
/// line, the message is the rest of the first line. Returns the header, with `message_start` an
/// offset into `text`, and where the message ends: the end of its line.
pub fn read_record(text: &str, now: DateTime<Utc>) -> (Header, usize) {
    let first = line_at(text, 0);
    let mut header = read(first, now);
    if !header.message_below {
        return (header, first.len());
    }
    let mut at = next_line(text, 0);
    while let Some(start) = at {
        let line = line_at(text, start);
        let trimmed = line.trim_start();
        let mut message_start = start + line.len() - trimmed.len();
        if header.level.is_some() && trimmed.starts_with("=> ") {
            at = next_line(text, start);
            continue;
        }
        if header.level.is_none() {
            if let Some((name, _)) = trimmed.split_once(": ") {
                if let Some(level) = jul_level(name) {
                    header.level = Some(level);
                    message_start += name.len() + 2;
                }
            }
        }
        header.message_start = message_start;
        return (header, start + line.len());
    }
    (header, first.len())
}

/// The line of `text` that starts at `start`, without its newline (and a `\r` before it).
fn line_at(text: &str, start: usize) -> &str {
    let line = match memchr::memchr(b'\n', &text.as_bytes()[start..]) {
        Some(n) => &text[start..start + n],
        None => &text[start..],
    };
    line.strip_suffix('\r').unwrap_or(line)
}

/// Where the line after the one starting at `start` starts, if there is one.
fn next_line(text: &str, start: usize) -> Option<usize> {
    memchr::memchr(b'\n', &text.as_bytes()[start..]).map(|n| start + n + 1)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::Level;

    fn read(text: &str) -> (Header, &str) {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let (h, end) = read_record(text, now);
        let message = &text[h.message_start..end];
        (h, message)
    }

    #[test]
    fn the_message_below_is_read_with_a_trace_after_it_and_a_crlf() {
        let text = "Nov 27, 2026 8:00:01 AM a.B m\r\nSEVERE: boom\r\njava.lang.X: y\r\n\tat a.B.m(B.java:1)";
        let (h, message) = read(text);
        assert_eq!((h.level, message), (Some(Level::Error), "boom"));
        assert!(text[h.message_start..].ends_with("(B.java:1)"));
        // no line below: the rest of the first line, and no level from nowhere
        let (h, message) = read("Nov 27, 2026 8:00:01 AM a.B m");
        assert_eq!((h.level, message), (None, "a.B m"));
        // a second line without a JUL level is the message, the level unknown
        let (h, message) = read("Nov 27, 2026 8:00:01 AM a.B m\nERROR: boom");
        assert_eq!((h.level, message), (None, "ERROR: boom"));
        // the template miner, reading line by line, strips the level line's level too
        let line = "SEVERE: boom";
        assert_eq!(&line[super::super::message_start(line)..], "boom");
        // a one-line header keeps its message on its line
        let (h, message) = read("2026-11-27 08:00:01 ERROR boom\n  at x");
        assert_eq!((h.level, message), (Some(Level::Error), "boom"));
    }

    #[test]
    fn dotnet_scopes_are_passed_over_but_only_for_a_record_with_a_level() {
        let (_, message) = read("fail: A.B[1]\n      => Scope:1 => Path:/x\n      boom");
        assert_eq!(message, "boom");
        let (_, message) = read("fail: A.B[1]\n      => Scope:1");
        assert_eq!(message, "A.B[1]");
        let (_, message) = read("Nov 27, 2026 8:00:01 AM a.B m\n=> INFO: x");
        assert_eq!(message, "=> INFO: x");
    }
}
