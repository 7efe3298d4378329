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
/// class (the logger) and the method (context), or the logger's name alone. The whole line is
/// header: the level and the message are on the next line ([`Header::message_below`]).
pub(super) fn jul(line: &str) -> Option<Header> {
    let (time, end) = month_day_year(line.as_bytes())?;
    let source = line[end..].strip_prefix(' ')?;
    let mut words = source.split(' ');
    let class = words.next().filter(|c| is_java_name(c))?;
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
        message_start: line.len(),
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
