//! Headers whose fixed shape names their fields outright, told by their first bytes.

use chrono::{DateTime, Utc};

use super::time::{clock, digits, fraction, iso};
use super::{dotnet, jvm, php, python, scan, Header, Level};

/// Headers whose fixed shape names their fields outright, told by their first bytes: syslog
/// with its priority (RFC 5424 `<11>1 2026-11-27T08:00:02Z host app 2340 ID47 - message`, or
/// RFC 3164 `<11>Nov 27 08:00:02 host app[2340]: message`),
/// Ruby's `Logger` (`E, [2026-11-27T08:00:28.616000 #9313] ERROR -- progname: message`),
/// klog/glog (`E1127 08:00:09.386000   15 controller.go:144] message`), Python's basic format,
/// Celery's, PHP's error log and php-fpm's, Tomcat's, java.util.logging's, .NET's console
/// logger, and lines led by a JVM date. The pid, thread id and file:line in them are context:
/// neither logger nor message.
pub(super) fn prefixed(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let b = line.as_bytes();
    let (&first, second) = (b.first()?, b.get(1).copied().unwrap_or(0));
    match first {
        b'<' => return syslog_priority(line, now),
        b'[' if second.is_ascii_digit() => {
            return match b.get(3) {
                Some(b'-') => php::php(line, now),
                _ => python::celery(line).or_else(|| dotnet::console(line, now)),
            }
        }
        b'0'..=b'9' => {
            return if b.get(2) == Some(&b'-') {
                jvm::tomcat(line)
                    .or_else(|| jvm::dated(line, now))
                    .or_else(|| super::logcat::read(line, now))
            } else {
                dotnet::console(line, now)
            }
        }
        b'f' | b'c' | b'w' | b'i' | b'd' | b't' => return dotnet::console(line, now),
        _ => {}
    }
    // `Nov 27, 2026 8:00:01 AM` (java.util.logging): a month, then a comma after the day
    if first.is_ascii_uppercase()
        && b.get(3) == Some(&b' ')
        && (b.get(5) == Some(&b',') || b.get(6) == Some(&b','))
    {
        if let Some(header) = jvm::jul(line).or_else(|| jvm::dated(line, now)) {
            return Some(header);
        }
    }
    if b.len() < 8 || !matches!(first, b'D' | b'I' | b'W' | b'E' | b'F' | b'A' | b'U' | b'C') {
        return None;
    }
    if second == b',' {
        ruby_logger(line)
    } else if second.is_ascii_digit() {
        klog(line, now)
    } else {
        python::basic(line)
    }
}

/// A syslog line that starts with its priority `<PRI>`: the level is the priority's severity.
fn syslog_priority(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let close = line.get(..6)?.find('>')?;
    let priority: u32 = line[1..close].parse().ok().filter(|p| *p <= 191)?;
    let level = match priority % 8 {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 | 6 => Level::Info,
        _ => Level::Debug,
    };
    let rest = &line[close + 1..];
    let offset = close + 1;
    if rest.starts_with("1 ") {
        // RFC 5424: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
        let mut pos = offset + 2;
        let mut words = [""; 5];
        for word in &mut words {
            let (start, end) = next_word(line, pos)?;
            *word = &line[start..end];
            pos = end;
        }
        let [time, _host, app, _procid, _msgid] = words;
        let mut start = pos + line[pos..].find(|c: char| c != ' ').unwrap_or(0);
        if line[start..].starts_with('-') {
            start += 1;
        } else {
            // structured data: `[id k="v" ...]` groups, a `]` inside a value escaped
            while line[start..].starts_with('[') {
                let b = line.as_bytes();
                let mut at = start + 1;
                while at < b.len() && b[at] != b']' {
                    at += if b[at] == b'\\' { 2 } else { 1 };
                }
                start = (at + 1).min(line.len());
            }
        }
        let start = start + usize::from(line[start..].starts_with(' '));
        let start = start + usize::from(line[start..].starts_with('\u{feff}')) * 3;
        return Some(Header {
            timestamp: DateTime::parse_from_rfc3339(time)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            zoned: true,
            dateless: false,
            level: Some(level),
            logger: (app != "-").then(|| app.to_string()),
            message_start: start,
            message_below: false,
        });
    }
    // RFC 3164 after its priority: read as any syslog line, with the priority's level
    let inner = scan(rest, now);
    Some(Header {
        level: Some(level),
        message_start: inner.message_start + offset,
        ..inner
    })
}

/// The next word of `line` at or after `pos`, split at spaces: where it starts and ends.
fn next_word(line: &str, pos: usize) -> Option<(usize, usize)> {
    let start = pos + line.get(pos..)?.find(|c: char| c != ' ')?;
    let end = line[start..].find(' ').map_or(line.len(), |n| start + n);
    Some((start, end))
}

/// `E, [2026-11-27T08:00:28.616000 #9313] ERROR -- progname: message` (the progname may be
/// empty: `-- : message`).
fn ruby_logger(line: &str) -> Option<Header> {
    let rest = line.get(1..)?.strip_prefix(", [")?;
    let (inside, after) = rest.split_once("] ")?;
    let (time, _pid) = inside.rsplit_once(" #")?;
    let after = after.trim_start();
    let (level_name, after) = after.split_once(' ')?;
    let level = Level::parse(level_name)?;
    let after = after.trim_start().strip_prefix("--")?;
    let (progname, _) = after.split_once(':')?;
    let colon = line.len() - after.len() + progname.len();
    let mut message_start = colon + 1 + usize::from(line.as_bytes().get(colon + 1) == Some(&b' '));
    // Rails' tagged logging: `[8d3f2c1a-...] ` (a request id, a subdomain) before the message
    while let Some(tag) = line[message_start..].strip_prefix('[') {
        match tag.split_once("] ") {
            Some((inside, _)) if !inside.is_empty() && !inside.contains(char::is_whitespace) => {
                message_start += inside.len() + 3;
            }
            _ => break,
        }
    }
    let progname = progname.trim();
    let time = iso(time);
    Some(Header {
        timestamp: time.map(|(t, _)| t),
        zoned: time.is_some_and(|(_, zoned)| zoned),
        dateless: false,
        level: Some(level),
        logger: (!progname.is_empty()).then(|| progname.to_string()),
        message_start,
        message_below: false,
    })
}

/// `E1127 08:00:09.386000   15 controller.go:144] message`: the level letter, month and day,
/// the time (no year: the latest such time not in the future), the thread id and the source
/// file, then `] `.
fn klog(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let b = line.as_bytes();
    let level = match b[0] {
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        b'F' => Level::Fatal,
        _ => return None,
    };
    let (month, day) = (digits(b, 1, 2)?, digits(b, 3, 2)?);
    if b.get(5) != Some(&b' ') {
        return None;
    }
    let (h, m, sec) = clock(line.get(6..)?)?;
    let (nanos, time_end) = fraction(b, 14);
    let end = time_end + line.get(time_end..)?.find("] ")?;
    // the words between the time and `] ` are a thread id and a `file:line`
    let mut context = line[time_end..end].split_whitespace();
    let thread = context.next()?;
    let file = context.next()?;
    if context.next().is_some()
        || !thread.bytes().all(|c| c.is_ascii_digit())
        || !file.contains(':')
    {
        return None;
    }
    let time = (h, m, sec, nanos);
    Some(Header::yearless(
        now,
        (month, day),
        time,
        level,
        None,
        end + 2,
    ))
}
