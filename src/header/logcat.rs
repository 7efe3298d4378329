//! Android's logcat, as `adb logcat -v threadtime` (the default) and `-v time` print it:
//! `11-27 08:00:01.912  4242  4242 E AndroidRuntime: FATAL EXCEPTION: main` and
//! `11-27 08:00:01.912 E/AndroidRuntime( 4242): FATAL EXCEPTION: main`. The tag is the logger;
//! pid and thread id are context. No year: the latest such time not in the future.

use chrono::{DateTime, Utc};

use super::time::{clock, digits, fraction};
use super::{Header, Level};

/// The header of a logcat line, or `None` when `line` is not one.
pub(super) fn read(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let b = line.as_bytes();
    let (month, day) = (digits(b, 0, 2)?, digits(b, 3, 2)?);
    if b.get(2) != Some(&b'-') || b.get(5) != Some(&b' ') {
        return None;
    }
    let (h, m, sec) = clock(line.get(6..)?)?;
    let (nanos, time_end) = fraction(b, 14);
    let rest = line.get(time_end..)?;
    let (level, tag, message) = threadtime(rest).or_else(|| brief(rest))?;
    let tag = Some(tag.to_string()).filter(|t| !t.is_empty());
    let start = line.len() - message.len();
    Some(Header::yearless(
        now,
        (month, day),
        (h, m, sec, nanos),
        level,
        tag,
        start,
    ))
}

/// `  4242  4242 E Tag: message` → (level, tag, message).
fn threadtime(rest: &str) -> Option<(Level, &str, &str)> {
    let mut after = rest;
    for _ in 0..2 {
        // the pid, then the thread id
        let number = after.trim_start_matches(' ');
        let digits = number.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || number.as_bytes().get(digits) != Some(&b' ') {
            return None;
        }
        after = &number[digits..];
    }
    let after = after.trim_start_matches(' ');
    let level = priority(*after.as_bytes().first()?)?;
    let after = after.get(1..)?.strip_prefix(' ')?;
    let (tag, message) = after.split_once(": ")?;
    Some((level, tag.trim(), message))
}

/// ` E/Tag( 4242): message` → (level, tag, message).
fn brief(rest: &str) -> Option<(Level, &str, &str)> {
    let rest = rest.strip_prefix(' ')?;
    let level = priority(*rest.as_bytes().first()?)?;
    let after = rest.get(1..)?.strip_prefix('/')?;
    let (head, message) = after.split_once("): ")?;
    let (tag, pid) = head.rsplit_once('(')?;
    pid.trim()
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then_some((level, tag.trim(), message))
}

/// logcat's priority letter.
fn priority(letter: u8) -> Option<Level> {
    Some(match letter {
        b'V' => Level::Trace,
        b'D' => Level::Debug,
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        b'F' | b'A' => Level::Fatal,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone};

    use super::*;

    #[test]
    fn threadtime_and_time_lines_are_read() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 1).unwrap()
            + chrono::Duration::milliseconds(912);
        for line in [
            "11-27 08:00:01.912  4242  4242 E AndroidRuntime: FATAL EXCEPTION: main",
            "11-27 08:00:01.912 E/AndroidRuntime( 4242): FATAL EXCEPTION: main",
        ] {
            let h = read(line, Some(now)).unwrap();
            assert_eq!(h.timestamp, Some(at), "{line}");
            assert_eq!(h.level, Some(Level::Error));
            assert_eq!(h.logger.as_deref(), Some("AndroidRuntime"));
            assert_eq!(&line[h.message_start..], "FATAL EXCEPTION: main");
        }
        let line =
            "11-27 08:00:01.455  4242  4271 D OkHttp  : --> GET https://api.acme.example/cart";
        let h = read(line, Some(now)).unwrap();
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (Some(Level::Debug), Some("OkHttp"))
        );
        assert_eq!(
            &line[h.message_start..],
            "--> GET https://api.acme.example/cart"
        );
        // a December line read in January is last year's
        let january = Utc.with_ymd_and_hms(2027, 1, 1, 0, 5, 0).unwrap();
        let h = read("12-31 23:59:59.000  1  1 I x: y", Some(january)).unwrap();
        assert_eq!(h.timestamp.unwrap().year(), 2026);
        assert_eq!(read("11-27 08:00:01.912 is not logcat", Some(now)), None);
    }
}
