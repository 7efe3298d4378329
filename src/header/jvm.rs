//! The JVM's own text formats: java.util.logging's `SimpleFormatter` (its time and source on
//! one line, `LEVEL: message` on the next) and Tomcat's `OneLineFormatter`; and any line led
//! by either's date.

use chrono::{DateTime, Utc};

use super::time::{day_month_year, month_day_year, spelled, utc};
use super::{scan, Header, Level};

/// A java.util.logging level name, as its formatters print it (`CONFIG` is an INFO, as
/// `SLF4JBridgeHandler` maps it).
pub(super) fn jul_level(name: &str) -> Option<Level> {
    Some(match name {
        "SEVERE" => Level::Error,
        "WARNING" => Level::Warn,
        "INFO" | "CONFIG" => Level::Info,
        "FINE" | "FINER" => Level::Debug,
        "FINEST" => Level::Trace,
        _ => return None,
    })
}

/// `Nov 27, 2026 8:00:01 AM com.acme.Gateway capture`: the first line of a `SimpleFormatter`
/// record (`%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp %2$s`), the time then the source: the
/// class (the logger) and the method (context), or the logger's name alone. The level and the
/// message are on the next line ([`Header::message_below`]); read alone (the template miner's
/// lines), the line's message is its source.
pub(super) fn jul(line: &str) -> Option<Header> {
    let (time, end) = month_day_year(line.as_bytes())?;
    let source = line[end..].strip_prefix(' ')?;
    let mut words = source.split(' ');
    // (a level there is another layout's: `Nov 27, 2026 8:00:01 PM ERROR boom`)
    let class = words
        .next()
        .filter(|c| is_java_name(c) && super::level_word(c).is_none())?;
    // a method, or nothing: anything more is another layout that leads with this date
    if words.next().is_some_and(|m| !is_java_name(m)) || words.next().is_some() {
        return None;
    }
    Some(Header {
        timestamp: Some(utc(time)),
        zoned: false,
        dateless: false,
        level: None,
        logger: Some(class.to_string()),
        message_start: line.len() - source.len(),
        message_below: true,
    })
}

/// `com.acme.Gateway`, `capture`, `Outer$Inner`, `<init>`: a class, logger or method name.
fn is_java_name(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$' | b'<' | b'>'))
}

/// `27-Nov-2026 08:00:01.123 SEVERE [http-nio-8080-exec-1] org.apache.catalina.core.StandardWrapperValve.invoke message`:
/// Tomcat's `OneLineFormatter`, the time, the level, the thread (context), then the source
/// (`class.method`, or the logger's name: the logger) and the message.
pub(super) fn tomcat(line: &str) -> Option<Header> {
    let (time, end) = day_month_year(line.as_bytes())?;
    let rest = line[end..].strip_prefix(' ')?;
    let (level_name, rest) = rest.split_once(" [")?;
    let level = jul_level(level_name)?;
    let source_at = line.len() - rest.len() + rest.find("] ")? + 2;
    let source_end = line[source_at..]
        .find(' ')
        .map_or(line.len(), |n| source_at + n);
    let source = &line[source_at..source_end];
    if !is_java_name(source) {
        return None;
    }
    Some(Header {
        timestamp: Some(utc(time)),
        zoned: false,
        dateless: false,
        level: Some(level),
        logger: Some(source.to_string()),
        message_start: (source_end + 1).min(line.len()),
        message_below: false,
    })
}

/// A line led by one of these dates (`Nov 27, 2026 8:00:01 PM ERROR [main] x.Y - message`) in
/// a layout of its own: the date, and the rest of the line read as any header.
pub(super) fn dated(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let (time, end) = spelled(line.as_bytes())?;
    let rest_at = end + line[end..].len() - line[end..].trim_start().len();
    let inner = scan(&line[rest_at..], now);
    Some(Header {
        timestamp: Some(utc(time)),
        zoned: false,
        dateless: false,
        message_start: rest_at + inner.message_start,
        ..inner
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, mi, s).unwrap()
    }

    #[test]
    fn a_jul_first_line_names_time_and_class_and_leaves_the_message_below() {
        for (line, time) in [
            ("Nov 27, 2026 12:00:00 AM a.B m", at(27, 0, 0, 0)),
            ("Nov 27, 2026 12:00:00 PM a.B m", at(27, 12, 0, 0)),
            ("Nov 27, 2026 11:59:59 PM a.B m", at(27, 23, 59, 59)),
            ("Nov 7, 2026 1:02:03 AM a.B m", at(7, 1, 2, 3)),
            ("Nov 07, 2026 1:02:03 PM a.B", at(7, 13, 2, 3)),
        ] {
            let h = jul(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(h.timestamp, Some(time), "{line}");
            assert_eq!(h.logger.as_deref(), Some("a.B"), "{line}");
            assert!(h.message_below && h.level.is_none() && !h.zoned, "{line}");
            assert!(line[h.message_start..].starts_with("a.B"), "{line}");
        }
        for line in [
            "Nov 27, 2026 13:00:00 PM a.B m",
            "Nov 27, 2026 0:00:00 AM a.B m",
            "Nov 27, 2026 8:00:00 XM a.B m",
            "Nov 31, 2026 8:00:00 AM a.B m",
            "Nov 27, 2026 8:00:00 AM",
            "Nov 27, 2026 8:00:00 AM ERROR boom",
            // another layout after the date: read by `dated`
            "Nov 27, 2026 8:00:00 AM ERROR [main] a.B - boom",
        ] {
            assert_eq!(jul(line), None, "{line}");
        }
    }

    #[test]
    fn tomcat_needs_a_jul_level_and_a_thread() {
        let line = "27-Nov-2026 08:00:01.5 SEVERE [main] a.B.c";
        let h = tomcat(line).unwrap();
        assert_eq!(
            h.timestamp,
            Some(at(27, 8, 0, 1) + chrono::Duration::milliseconds(500))
        );
        assert_eq!((h.level, h.message_start), (Some(Level::Error), line.len()));
        for line in [
            "27-Nov-2026 08:00:01.123 ERROR [main] a.B.c boom",
            "27-Nov-2026 08:00:01.123 SEVERE main a.B.c boom",
            "27-Nov-2026 08:00:01.123 SEVERE [main] a-b boom",
            "27-Nox-2026 08:00:01.123 SEVERE [main] a.B.c boom",
        ] {
            assert_eq!(tomcat(line), None, "{line}");
        }
        // a Tomcat date in another layout is still its time
        let h = dated("27-Nov-2026 08:00:01 ERROR a.B: boom", None).unwrap();
        assert_eq!(h.message_start, "27-Nov-2026 08:00:01 ERROR a.B: ".len());
    }
}
