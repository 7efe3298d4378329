//! The header recogniser: reads what a text line's header says (its timestamp, level and logger)
//! and where its message starts. Fetching reads records with [`read`]; the template miner's
//! raw-line mode strips headers with [`message_start`], the same reading without the time.
//! [`shape`] finds where a header ends by its shape alone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub use crate::domain::Level;
use crate::text::is_ascii_space;

pub mod shape;

/// What a line's header holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    pub timestamp: Option<DateTime<Utc>>,
    /// Whether the timestamp said its zone (a zone-less one was read as UTC).
    pub zoned: bool,
    /// Whether the timestamp was a time of day only (`[08:00:01 ERR]`): its date is `now`'s, and
    /// the caller moves it to the latest such time not in the future ([`latest_not_future`]),
    /// once it knows the source's zone.
    pub dateless: bool,
    pub level: Option<Level>,
    pub logger: Option<String>,
    /// Byte offset where the message starts.
    pub message_start: usize,
}

/// Reads the header of `line`. A timestamp without a zone is UTC; one without a year (syslog)
/// takes the year of `now`, or the year before when that would put it in the future.
pub fn read(line: &str, now: DateTime<Utc>) -> Header {
    scan(line, Some(now))
}

/// Where the message of `line` starts: [`read`]'s `message_start`, without reading the time,
/// level or logger (the template miner strips headers with it, line by line).
pub fn message_start(line: &str) -> usize {
    scan(line, None).message_start
}

/// [`read`], or with no `now` only where the message starts (the other fields are left empty).
fn scan(line: &str, now: Option<DateTime<Utc>>) -> Header {
    if let Some(header) = prefixed(line, now) {
        return header;
    }
    let split = shape::split(line);
    let mut message_start = split.message;
    let Some(now) = now else {
        if message_start > 0 {
            message_start = skip_context(line, message_start).0;
        }
        return Header {
            message_start,
            ..Header::default()
        };
    };
    let head = &line[..message_start];
    let mut level = if head.is_empty() {
        // No header found: a level may still lead the line (`ERROR: ...`, `[error] ...`).
        line.split_whitespace().next().and_then(level_word)
    } else if head.is_ascii() {
        ascii_words(head).find_map(level_word)
    } else {
        head.split_whitespace().find_map(level_word)
    };
    let mut logger = logger(head);
    if level.is_none() && head.contains('|') {
        // `time|LEVEL|logger|message` (NLog's default layout and other piped layouts)
        let mut parts = head.split('|').map(str::trim);
        if let Some(found) = parts.by_ref().find_map(level_word) {
            level = Some(found);
            logger = parts
                .next()
                .filter(|p| !p.is_empty() && !p.contains(char::is_whitespace))
                .map(str::to_string)
                .or(logger);
        }
    }
    if level.is_none() {
        // Monolog names the level after its channel: `app.ERROR:`.
        if let Some((channel, channel_level)) = logger.as_deref().and_then(channel_level) {
            logger = Some(channel.to_string());
            level = Some(channel_level);
        }
    }
    if !head.is_empty() {
        let (start, named) = skip_context(line, message_start);
        message_start = start;
        logger = named.map(str::to_string).or(logger);
    }
    let at = &line[split.time..];
    let time = timestamp_zoned(at, now).or_else(|| epoch(at));
    let clock = if time.is_none() && !head.is_empty() {
        time_of_day(at.strip_prefix('[').unwrap_or(at), now)
    } else {
        None
    };
    Header {
        timestamp: time.map(|(t, _)| t).or(clock),
        zoned: time.is_some_and(|(_, zoned)| zoned),
        dateless: clock.is_some(),
        level,
        logger,
        message_start,
    }
}

/// Context that some formats print after the part of the header the shape finds, and that is
/// no part of the message: Spring Boot's `--- [thread] logger : `, nginx's `2340#2340: *1 `,
/// a caller's `file.go:42` (zap, slog) and a Rust target `shop::order: ` (`tracing`). Returns
/// where the message starts after it, and the logger it names.
fn skip_context(line: &str, mut start: usize) -> (usize, Option<&str>) {
    let mut logger = None;
    let word_end = |from: usize| {
        line[from..]
            .find(|c: char| c.is_ascii_whitespace())
            .map_or(line.len(), |n| from + n)
    };
    let skip_space = |from: usize| {
        line[from..]
            .find(|c: char| !c.is_ascii_whitespace())
            .map_or(line.len(), |n| from + n)
    };
    // `asctime - name - levelname - message`: the last separator
    if line[start..].starts_with("- ") {
        start += 2;
    }
    let rest = &line[start..];
    if let Some(after) = rest.strip_prefix("--- ") {
        // Spring Boot: `--- [app] [thread] logger   : message`
        let mut pos = start + (rest.len() - after.len());
        while line[pos..].starts_with('[') {
            let Some(close) = line[pos..].find("] ") else {
                return (start, None);
            };
            pos = skip_space(pos + close + 2);
        }
        let end = word_end(pos);
        let colon = skip_space(end);
        if line[colon..].starts_with(": ") && end > pos {
            return (colon + 2, Some(&line[pos..end]));
        }
        return (start, None);
    }
    // nginx: `2340#2340: *1 connect() failed`
    let end = word_end(start);
    let word = &line[start..end];
    if let Some((pid, tid)) = word.strip_suffix(':').and_then(|w| w.split_once('#')) {
        if !pid.is_empty()
            && [pid, tid]
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            start = skip_space(end);
            let next = word_end(start);
            if line[start..next]
                .strip_prefix('*')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            {
                start = skip_space(next);
            }
            return (start, None);
        }
    }
    // a caller `dir/file.go:42` before the message (zap's console encoder, slog)
    if end < line.len() && is_caller(word) {
        start = skip_space(end);
    }
    // `tracing`: a module path target ending in `:`
    let end = word_end(start);
    let word = &line[start..end];
    if end < line.len() && word.len() > 3 && word.ends_with(':') && word.contains("::") {
        logger = Some(&word[..word.len() - 1]);
        start = skip_space(end);
    }
    (start, logger)
}

/// `file.ext:42` (with a path before it or not): where a log call is.
fn is_caller(word: &str) -> bool {
    let Some((file, line)) = word.rsplit_once(':') else {
        return false;
    };
    !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && file.rsplit_once('.').is_some_and(|(name, ext)| {
            !name.is_empty() && !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Headers whose fixed shape names their fields outright, told by their first bytes: syslog
/// with its priority (RFC 5424 `<11>1 2026-11-27T08:00:02Z host app 2340 ID47 - message`, or
/// RFC 3164 `<11>Nov 27 08:00:02 host app[2340]: message`),
/// Ruby's `Logger` (`E, [2026-11-27T08:00:28.616000 #9313] ERROR -- progname: message`) and
/// klog/glog (`E1127 08:00:09.386000   15 controller.go:144] message`). The pid, thread id and
/// file:line in them are context: neither logger nor message.
fn prefixed(line: &str, now: Option<DateTime<Utc>>) -> Option<Header> {
    let b = line.as_bytes();
    if b.first() == Some(&b'<') {
        return syslog_priority(line, now);
    }
    if b.len() < 8 || !matches!(b[0], b'D' | b'I' | b'W' | b'E' | b'F' | b'A' | b'U' | b'C') {
        return None;
    }
    if b[1] == b',' {
        ruby_logger(line)
    } else if b[1].is_ascii_digit() {
        klog(line, now)
    } else {
        python_basic(line)
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

/// `ERROR:app.db:message`, Python logging's default format (`logging.basicConfig()`).
fn python_basic(line: &str) -> Option<Header> {
    let (name, rest) = line.split_once(':')?;
    let level = match name {
        "DEBUG" => Level::Debug,
        "INFO" => Level::Info,
        "WARNING" => Level::Warn,
        "ERROR" => Level::Error,
        "CRITICAL" => Level::Fatal,
        _ => return None,
    };
    let (logger, _) = rest.split_once(':')?;
    if logger.is_empty() || logger.contains(char::is_whitespace) {
        return None;
    }
    Some(Header {
        timestamp: None,
        zoned: false,
        dateless: false,
        level: Some(level),
        logger: Some(logger.to_string()),
        message_start: name.len() + logger.len() + 2,
    })
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
    let at = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_nano_opt(h, m, sec, nanos))
            .map(|naive| Utc.from_utc_datetime(&naive))
    };
    let timestamp = now.and_then(|now| match at(now.year()) {
        Some(t) if t <= now + chrono::Duration::days(1) => Some(t),
        _ => at(now.year() - 1),
    });
    Some(Header {
        timestamp,
        zoned: false,
        dateless: false,
        level: Some(level),
        logger: None,
        message_start: end + 2,
    })
}

/// `channel.LEVEL` (Monolog's `app.ERROR`): the channel and the level, when the part after the
/// last dot is a level in capitals.
fn channel_level(word: &str) -> Option<(&str, Level)> {
    let (channel, name) = word.rsplit_once('.')?;
    if channel.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Level::parse(name).map(|level| (channel, level))
}

/// A level in one header word: `ERROR`, `[warn]`, `level=error`, glog `E`.
pub fn level_word(word: &str) -> Option<Level> {
    // Most header words are dates, times, numbers or names: reject them by length and first
    // letter before any trimming (this runs for the first words of every record).
    let bytes = word.as_bytes();
    // The words most logs print, as they stand (the general reading below agrees).
    match bytes {
        b"INFO" => return Some(Level::Info),
        b"ERROR" => return Some(Level::Error),
        b"WARN" | b"WARNING" => return Some(Level::Warn),
        b"DEBUG" => return Some(Level::Debug),
        _ if bytes.len() > 16 => return None,
        _ => {}
    }
    let first = bytes
        .iter()
        .find(|b| !matches!(b, b'[' | b'(' | b'<' | b'|'))?;
    if !matches!(
        first.to_ascii_uppercase(),
        b'I' | b'E' | b'W' | b'D' | b'T' | b'F' | b'C' | b'S' | b'N' | b'A' | b'V' | b'P' | b'L'
    ) {
        return None;
    }
    let word =
        word.trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | ':' | '|' | '<' | '>'));
    let word = word.strip_prefix("level=").unwrap_or(word);
    // klog/glog's level letter and date, `E1127`
    if word.len() == 5 && word.as_bytes()[1..].iter().all(u8::is_ascii_digit) {
        return match word.as_bytes()[0] {
            b'I' => Some(Level::Info),
            b'W' => Some(Level::Warn),
            b'E' => Some(Level::Error),
            b'F' => Some(Level::Fatal),
            _ => None,
        };
    }
    // One-letter levels (glog `E1015`, `W`) only count in their short forms.
    if word.len() == 1 {
        return match word {
            "E" => Some(Level::Error),
            "W" => Some(Level::Warn),
            "F" => Some(Level::Fatal),
            _ => None,
        };
    }
    Level::parse(word)
}

/// The words of an ASCII `text`, as `split_whitespace` gives them, found byte by byte.
fn ascii_words(text: &str) -> AsciiWords<'_> {
    AsciiWords {
        text,
        start: 0,
        end: text.len(),
    }
}

/// See [`ascii_words`]: the words of `text[start..end]`.
#[derive(Clone)]
struct AsciiWords<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        while self.start < self.end && is_ascii_space(b[self.start]) {
            self.start += 1;
        }
        if self.start == self.end {
            return None;
        }
        let from = self.start;
        while self.start < self.end && !is_ascii_space(b[self.start]) {
            self.start += 1;
        }
        Some(&self.text[from..self.start])
    }
}

impl DoubleEndedIterator for AsciiWords<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let b = self.text.as_bytes();
        while self.end > self.start && is_ascii_space(b[self.end - 1]) {
            self.end -= 1;
        }
        if self.end == self.start {
            return None;
        }
        let to = self.end;
        while self.end > self.start && !is_ascii_space(b[self.end - 1]) {
            self.end -= 1;
        }
        Some(&self.text[self.end..to])
    }
}

/// The logger: the last header word that ends in `:` or, when none does, the last one followed
/// by `-`; without brackets.
fn logger(head: &str) -> Option<String> {
    if !might_name_a_logger(head.as_bytes()) {
        return None;
    }
    if head.is_ascii() {
        pick_logger(ascii_words(head).rev())
    } else {
        pick_logger(head.split_whitespace().rev())
    }
}

/// Whether some word of `head` ends in `:` or is `-` (a quick test: most headers have neither,
/// and their words need not be walked). Whitespace here is every byte `split_whitespace` splits
/// at and any non-ASCII byte, so that the test never says no where [`logger`] would find one.
fn might_name_a_logger(head: &[u8]) -> bool {
    let is_end = |at: usize| {
        head.get(at)
            .is_none_or(|&b| is_ascii_space(b) || !b.is_ascii())
    };
    let is_start = |at: usize| at == 0 || is_ascii_space(head[at - 1]) || !head[at - 1].is_ascii();
    memchr::memchr2_iter(b':', b'-', head).any(|at| {
        // `x:` ends a word; `-` must be a word of its own
        is_end(at + 1) && (head[at] == b':' || is_start(at))
    })
}

/// [`logger`] over the header's words, last first, in one pass.
fn pick_logger<'h>(words: impl Iterator<Item = &'h str>) -> Option<String> {
    let mut dashed = None;
    let mut next = None;
    let mut colon = None;
    for word in words {
        if word.len() > 1 && word.ends_with(':') {
            colon = Some(word);
            break;
        }
        if dashed.is_none() && next == Some("-") {
            dashed = Some(word);
        }
        next = Some(word);
    }
    colon
        .or(dashed)
        .map(|w| without_pid(w.trim_end_matches(':')).trim_matches(|c| c == '[' || c == ']'))
        .filter(|w| {
            // a word of a bracketed context (`[req-1 - - -]`) or a parenthesised one
            // (`launchd[1] (com.apple.x[42]):`) names no logger
            w.chars().any(char::is_alphanumeric)
                && !w.starts_with('(')
                && Level::parse(w).is_none()
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
}

/// `program[pid]` as syslog writes it, without the pid (a pid is context, not part of a name).
fn without_pid(word: &str) -> &str {
    match word.strip_suffix(']').and_then(|w| w.rsplit_once('[')) {
        Some((name, pid))
            if !name.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        _ => word,
    }
}

/// Parses a timestamp at the start of `text`: ISO 8601 / RFC 3339 (with `T` or a space, optional
/// fraction with `.` or `,`, optional zone), syslog `Jan 15 10:30:00`, and `[...]`-bracketed forms.
pub fn timestamp(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    timestamp_zoned(text, now).map(|(time, _)| time)
}

/// [`timestamp`], and whether it said its zone (a zone-less time is read as UTC; the caller may
/// know better: [`in_zone`]).
pub fn timestamp_zoned(text: &str, now: DateTime<Utc>) -> Option<(DateTime<Utc>, bool)> {
    let text = text.strip_prefix('[').unwrap_or(text);
    iso(text)
        .or_else(|| syslog(text, now).map(|t| (t, false)))
        .or_else(|| apache(text).map(|t| (t, false)))
}

/// A zone-less time that was read as UTC, as the wall-clock time it is in `zone`: the earlier
/// of two when the clock was set back, the time after the gap when it was set forward.
pub fn in_zone(time: DateTime<Utc>, zone: chrono_tz::Tz) -> DateTime<Utc> {
    let wall = time.naive_utc();
    match zone.from_local_datetime(&wall) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            // in a gap: the wall clock skipped it; an hour later is the same instant's reading
            zone.from_local_datetime(&(wall + chrono::Duration::hours(1)))
                .earliest()
                .map_or(time, |t| t.with_timezone(&Utc))
        }
    }
}

/// How far in the future of the reading a time of day may be and still be today's (clocks of
/// writer and reader disagree a little).
const CLOCK_SLACK_MINUTES: i64 = 10;

/// `08:00:01`, `08:00:01.123` (logback's and log4j2's default console patterns, Serilog's
/// console sink) or `8:00AM` (zerolog's console writer): a time of day without a date, on
/// `now`'s date (see [`Header::dateless`]).
fn time_of_day(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let hour_digits = if b.get(1) == Some(&b':') { 1 } else { 2 };
    let hour = digits(b, 0, hour_digits)?;
    let at = hour_digits;
    if b.get(at) != Some(&b':') {
        return None;
    }
    let minute = digits(b, at + 1, 2)?;
    let (hour, second, nanos, end) = match b.get(at + 3) {
        Some(b':') => {
            let second = digits(b, at + 4, 2)?;
            let (nanos, end) = fraction(b, at + 6);
            (hour, second, nanos, end)
        }
        Some(b'A' | b'P') if b.get(at + 4) == Some(&b'M') && (1..=12).contains(&hour) => {
            let pm = b[at + 3] == b'P';
            ((hour % 12) + if pm { 12 } else { 0 }, 0, 0, at + 5)
        }
        _ => return None,
    };
    // the time must be a word of its own (`08:00:01` then a space or `]`)
    if b.get(end)
        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b']'))
    {
        return None;
    }
    let naive = now
        .date_naive()
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    Some(Utc.from_utc_datetime(&naive))
}

/// A time of day read on `now`'s date, moved by whole days to the latest such time that is not
/// in the future of `now` (give or take the clocks' disagreement).
pub fn latest_not_future(time: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let latest = now + chrono::Duration::minutes(CLOCK_SLACK_MINUTES);
    let day = chrono::Duration::days(1);
    let mut time = time;
    while time > latest {
        time -= day;
    }
    while time + day <= latest {
        time += day;
    }
    time
}

/// Epoch seconds as a text header's time (`1077804742`, 2001 to 2033): zoned, as epoch times are.
fn epoch(text: &str) -> Option<(DateTime<Utc>, bool)> {
    let word = text.split(' ').next()?;
    if word.len() != 10 || !word.starts_with('1') || !word.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp(word.parse().ok()?, 0).map(|t| (t, true))
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = b.get(at..at + n)?;
    slice.iter().try_fold(0u32, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

fn iso(text: &str) -> Option<(DateTime<Utc>, bool)> {
    let b = text.as_bytes();
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    // `2024-01-15`, or `2024/01/15` as Go's `log` and nginx write it; the same separator twice
    let separator = *b.get(4)?;
    if !(matches!(separator, b'-' | b'/')
        && b.get(7) == Some(&separator)
        && matches!(b.get(10), Some(b'T' | b' ')))
    {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (nanos, mut pos) = fraction(b, 19);
    // Serilog writes its zone after a space: `2026-11-27 08:00:01.123 +01:00`
    if b.get(pos) == Some(&b' ')
        && matches!(b.get(pos + 1), Some(b'+' | b'-'))
        && digits(b, pos + 2, 2).is_some()
        && (digits(b, pos + 5, 2).is_some() && b.get(pos + 4) == Some(&b':')
            || digits(b, pos + 4, 2).is_some())
    {
        pos += 1;
    }
    let naive = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    let zoned = matches!(b.get(pos), Some(b'Z' | b'z' | b'+' | b'-'));
    let offset_seconds = match b.get(pos) {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = digits(b, pos + 1, 2)?;
            let minutes_at = if b.get(pos + 3) == Some(&b':') {
                pos + 4
            } else {
                pos + 3
            };
            let minutes = digits(b, minutes_at, 2).unwrap_or(0);
            let total = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ => 0,
    };
    Some((
        Utc.from_utc_datetime(&naive) - chrono::Duration::seconds(offset_seconds),
        zoned,
    ))
}

/// The fraction of a second at `pos` (`.123456`, `,123`), as nanoseconds, and where it ends;
/// none is zero.
fn fraction(b: &[u8], mut pos: usize) -> (u32, usize) {
    let mut nanos = 0u32;
    if matches!(b.get(pos), Some(b'.' | b',')) {
        pos += 1;
        let mut scale = 100_000_000u32;
        while let Some(d) = b.get(pos).filter(|d| d.is_ascii_digit()) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            pos += 1;
        }
    }
    (nanos, pos)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(word: &str) -> Option<u32> {
    MONTHS.iter().position(|m| *m == word).map(|i| i as u32 + 1)
}

fn clock(word: &str) -> Option<(u32, u32, u32)> {
    let b = word.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((digits(b, 0, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?))
}

/// `Jan 15 10:30:00` (no year).
fn syslog(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut words = text.split_whitespace();
    let month = month(words.next()?)?;
    let day: u32 = words.next()?.parse().ok()?;
    let (h, m, s) = clock(words.next()?)?;
    let at = |year: i32| {
        NaiveDate::from_ymd_opt(year, month, day)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .map(|naive: NaiveDateTime| Utc.from_utc_datetime(&naive))
    };
    let this_year = at(now.year())?;
    if this_year > now + chrono::Duration::days(1) {
        at(now.year() - 1)
    } else {
        Some(this_year)
    }
}

/// `Sun Dec 04 04:47:44 2005` (Apache error logs), with or without a fraction of a second.
fn apache(text: &str) -> Option<DateTime<Utc>> {
    let mut words = text.split_whitespace();
    words.next()?;
    let month = month(words.next()?)?;
    let day: u32 = words.next()?.parse().ok()?;
    let time = words.next()?;
    let (h, m, s) = clock(time)?;
    // `04:47:44.123456` (Apache 2.4 with microseconds)
    let (nanos, _) = fraction(time.as_bytes(), 8);
    let year: i32 = words.next()?.trim_end_matches(']').parse().ok()?;
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(h, m, s, nanos)?;
    Some(Utc.from_utc_datetime(&naive))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_level_words_read_as_their_names() {
        for word in ["INFO", "ERROR", "WARN", "WARNING", "DEBUG"] {
            assert!(Level::parse(word).is_some());
            assert_eq!(level_word(word), Level::parse(word), "{word}");
            assert_eq!(
                level_word(&format!("[{word}]")),
                Level::parse(word),
                "{word}"
            );
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap()
    }

    #[test]
    fn reads_common_headers() {
        let h = read(
            "2024-01-15 10:30:00,123 ERROR [main] com.acme.Api: request failed",
            now(),
        );
        assert_eq!(
            h.timestamp,
            Some(
                Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap()
                    + chrono::Duration::milliseconds(123)
            )
        );
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(h.logger.as_deref(), Some("com.acme.Api"));
        let h = read("2024-01-15T10:30:00+02:00 WARN disk almost full", now());
        assert_eq!(
            h.timestamp,
            Some(Utc.with_ymd_and_hms(2024, 1, 15, 8, 30, 0).unwrap())
        );
        assert_eq!(h.level, Some(Level::Warn));
        let h = read(
            "Jan 15 10:30:00 web-1 app[42]: ERROR could not connect",
            now(),
        );
        assert_eq!(
            h.timestamp,
            Some(Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap())
        );
        let h = read(
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
            now(),
        );
        assert_eq!(
            h.timestamp,
            Some(Utc.with_ymd_and_hms(2005, 12, 4, 4, 47, 44).unwrap())
        );
        assert_eq!(h.level, Some(Level::Error));
        let h = read("ERROR: something broke", now());
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(h.timestamp, None);
    }

    fn at_micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::Duration::microseconds(micros)
    }

    #[test]
    fn epoch_seconds_after_a_record_number_and_fields_are_the_time() {
        let line = "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component down";
        let h = read(line, now());
        assert_eq!(h.timestamp, DateTime::from_timestamp(1_077_804_742, 0));
        assert_eq!(&line[h.message_start..], "Component down");
        assert_eq!(message_start(line), h.message_start);
    }

    #[test]
    fn go_log_and_nginx_dates_with_slashes_are_read() {
        let h = read("2026/11/27 08:01:32 ERROR upstream api-2 unhealthy", now());
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 1, 32, 0)));
        assert_eq!(h.level, Some(Level::Error));
        let h = read("2026/11/27 08:01:32.123456 upstream api-2 unhealthy", now());
        assert_eq!(
            h.timestamp,
            Some(at_micros(2026, 11, 27, 8, 1, 32, 123_456))
        );
        let h = read(
            "2026/11/27 08:00:02 [error] 2340#2340: *1 connect() failed (111: Connection refused)",
            now(),
        );
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 0)));
        assert_eq!(h.level, Some(Level::Error));
        // mixed separators are no date
        assert_eq!(read("2026/11-27 08:01:32 ERROR x", now()).timestamp, None);
    }

    #[test]
    fn apache_times_keep_their_microseconds() {
        let h = read(
            "[Fri Nov 27 08:00:02.123456 2026] [proxy:error] [pid 2340:tid 1234] AH00957: failed",
            now(),
        );
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 123_456)));
    }

    #[test]
    fn a_syslog_pid_is_no_part_of_the_program_name() {
        for line in [
            "Nov 27 08:00:02 web-1 shop[2340]: ERROR upstream timed out",
            "Nov 27 08:00:03 web-1 shop[17]: ERROR upstream timed out",
            "2026-11-27T08:00:02+0100 web-1 shop[2340]: upstream timed out",
        ] {
            assert_eq!(read(line, now()).logger.as_deref(), Some("shop"), "{line}");
        }
        // a bracketed word that is not a pid stays
        assert_eq!(
            read("2024-01-15 10:00:00 ERROR worker[main]: x", now())
                .logger
                .as_deref(),
            Some("worker[main")
        );
    }

    #[test]
    fn monolog_channels_carry_the_level() {
        let h = read(
            r#"[2026-11-27T08:00:18.054000+00:00] app.ERROR: order failed {"order":1} []"#,
            now(),
        );
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 18, 54_000)));
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(h.logger.as_deref(), Some("app"));
        let h = read("[2026-11-27T08:00:18+00:00] security.WARNING: x", now());
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (Some(Level::Warn), Some("security"))
        );
        // a logger whose last part merely spells a level in other case keeps its name
        let h = read("2024-01-15 10:00:00 com.acme.Error: x", now());
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (None, Some("com.acme.Error"))
        );
    }

    #[test]
    fn ruby_logger_headers_name_time_level_and_progname() {
        let line = "E, [2026-11-27T08:00:28.616000 #9313] ERROR -- : undefined method 'name' for nil (NoMethodError)";
        let h = read(line, now());
        assert_eq!(
            h.timestamp,
            Some(at_micros(2026, 11, 27, 8, 0, 28, 616_000))
        );
        assert_eq!((h.level, h.logger.as_deref()), (Some(Level::Error), None));
        assert_eq!(
            &line[h.message_start..],
            "undefined method 'name' for nil (NoMethodError)"
        );
        let line = "W, [2026-11-27T08:00:29.000001 #9313]  WARN -- billing: card expires soon";
        let h = read(line, now());
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 29, 1)));
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (Some(Level::Warn), Some("billing"))
        );
        assert_eq!(&line[h.message_start..], "card expires soon");
        // a line that only starts like one is read as any other
        let h = read("E, [not a logger line", now());
        assert_eq!(h.timestamp, None);
    }

    #[test]
    fn klog_headers_keep_thread_and_file_out_of_the_message() {
        let line = "E1127 08:00:09.386000      15 controller.go:144] sync of pod web-1 failed";
        let later = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let h = read(line, later);
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 9, 386_000)));
        assert_eq!((h.level, h.logger.as_deref()), (Some(Level::Error), None));
        assert_eq!(&line[h.message_start..], "sync of pod web-1 failed");
        assert_eq!(level_word("E1127"), Some(Level::Error));
        assert_eq!(level_word("I0102"), Some(Level::Info));
        // no year: around New Year, a December time read in January is last year's
        let january = Utc.with_ymd_and_hms(2027, 1, 1, 0, 5, 0).unwrap();
        let h = read("W1231 23:59:59.900000 7 main.go:1] late", january);
        assert_eq!(
            h.timestamp,
            Some(at_micros(2026, 12, 31, 23, 59, 59, 900_000))
        );
        assert_eq!(h.level, Some(Level::Warn));
        // and a January time read on New Year's Eve is this year's
        let eve = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        let h = read("I0101 00:00:01.000000 7 main.go:1] early", eve);
        assert_eq!(h.timestamp, Some(at_micros(2026, 1, 1, 0, 0, 1, 0)));
        // not klog: a code that looks like its level and date, with no time after it
        let h = read("E1127 is an error code", later);
        assert_eq!((h.timestamp, h.message_start), (None, 0));
    }

    #[test]
    fn context_after_the_header_is_neither_logger_nor_message() {
        for (line, logger, message) in [
            (
                "2026-11-27T08:00:01.123+01:00 ERROR 4242 --- [nio-8080-exec-1] c.a.shop.OrderService   : order failed",
                Some("c.a.shop.OrderService"),
                "order failed",
            ),
            (
                "2026-11-27T08:00:01.123Z ERROR 4242 --- [shop] [nio-8080-exec-7] c.a.shop.OrderService : order failed",
                Some("c.a.shop.OrderService"),
                "order failed",
            ),
            (
                "2026/11/27 08:00:02 [error] 2340#2340: *1 connect() failed (111: Connection refused)",
                None,
                "connect() failed (111: Connection refused)",
            ),
            (
                "2026-11-27T08:00:01.123Z\tERROR\tshop/order.go:42\torder failed",
                None,
                "order failed",
            ),
            (
                "2026-11-27T08:00:01.123456Z ERROR shop::order: order failed",
                Some("shop::order"),
                "order failed",
            ),
            // nothing to skip
            (
                "2026-11-27 08:00:01 ERROR db: order.go:42 is the caller",
                None,
                "db: order.go:42 is the caller",
            ),
        ] {
            let h = read(line, now());
            assert_eq!(h.logger.as_deref(), logger, "{line}");
            assert_eq!(&line[h.message_start..], message, "{line}");
            assert_eq!(h.level, Some(Level::Error), "{line}");
        }
    }

    #[test]
    fn syslog_priorities_give_the_level() {
        let line = "<11>1 2026-11-27T08:00:02.123Z web-1 shop 2340 ID47 - upstream timed out";
        let h = read(line, now());
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 123_000)));
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (Some(Level::Error), Some("shop"))
        );
        assert_eq!(&line[h.message_start..], "upstream timed out");
        let line = r#"<165>1 2026-11-27T08:00:02+01:00 web-1 shop - - [origin ip="10.0.0.1"][meta x="a\]b"] disk almost full"#;
        let h = read(line, now());
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 7, 0, 2, 0)));
        assert_eq!(h.level, Some(Level::Info));
        assert_eq!(&line[h.message_start..], "disk almost full");
        let line = "<12>Nov 27 08:00:02 web-1 shop[2340]: retrying";
        let h = read(line, Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap());
        assert_eq!(h.timestamp, Some(at_micros(2026, 11, 27, 8, 0, 2, 0)));
        assert_eq!(
            (h.level, h.logger.as_deref()),
            (Some(Level::Warn), Some("shop"))
        );
        assert_eq!(&line[h.message_start..], "retrying");
        // not a priority
        assert_eq!(read("<html> broke", now()).level, None);
        assert_eq!(read("<1>1 broken", now()).timestamp, None);
    }

    #[test]
    fn zone_less_times_are_read_in_the_zone_across_daylight_saving_changes() {
        let berlin = chrono_tz::Europe::Berlin;
        let utc = |h, mi| at_micros(2024, 3, 31, h, mi, 0, 0);
        let wall = |d, h, mi| Utc.with_ymd_and_hms(2024, 3, d, h, mi, 0).unwrap();
        // winter time (+01:00) before 02:00 on 31 March, summer time (+02:00) after
        assert_eq!(in_zone(wall(31, 1, 30), berlin), utc(0, 30));
        assert_eq!(in_zone(wall(31, 3, 30), berlin), utc(1, 30));
        // 02:30 never happened that night: it is read as the hour after
        assert_eq!(in_zone(wall(31, 2, 30), berlin), utc(1, 30));
        // 02:30 on 27 October happened twice: the first one
        let october = Utc.with_ymd_and_hms(2024, 10, 27, 2, 30, 0).unwrap();
        assert_eq!(
            in_zone(october, berlin),
            Utc.with_ymd_and_hms(2024, 10, 27, 0, 30, 0).unwrap()
        );
        // whether a header said its zone
        let zoned = |line: &str| read(line, now()).zoned;
        assert!(!zoned("2024-01-15 10:30:00,123 ERROR x"));
        assert!(zoned("2024-01-15T10:30:00Z ERROR x"));
        assert!(zoned("2024-01-15T10:30:00.5+02:00 ERROR x"));
        assert!(!zoned("Jan 15 10:30:00 host app: x"));
    }

    #[test]
    fn syslog_dates_never_land_in_the_future() {
        let h = read("Dec 31 23:59:59 host app: ERROR x", now());
        assert_eq!(
            h.timestamp,
            Some(Utc.with_ymd_and_hms(2023, 12, 31, 23, 59, 59).unwrap())
        );
    }

    #[test]
    fn ascii_words_split_as_split_whitespace_does() {
        for text in [
            "",
            "   ",
            "a",
            " 2024-01-15 10:00:00,123  ERROR\t[main]\x0Bcom.acme.Api: ",
            "x\x0C y\r\nz - w",
        ] {
            let want: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(ascii_words(text).collect::<Vec<_>>(), want, "{text:?}");
            let mut back: Vec<&str> = ascii_words(text).rev().collect();
            back.reverse();
            assert_eq!(back, want, "{text:?}");
            // from both ends at once
            let mut words = ascii_words(text);
            let (first, last) = (words.next(), words.next_back());
            assert_eq!(first, want.first().copied());
            if want.len() > 1 {
                assert_eq!(last, want.last().copied());
            }
        }
    }

    #[test]
    fn the_logger_is_the_last_word_with_a_colon_or_else_before_a_dash() {
        for (head, want) in [
            (
                "2024-01-15 10:00:00 ERROR [main] com.acme.Api: ",
                Some("com.acme.Api"),
            ),
            ("2024-01-15 10:00:00 a.B: - ERROR [x] c.D: ", Some("c.D")),
            ("2024-01-15 10:00:00 ERROR web.views - ", Some("web.views")),
            ("2024-01-15 10:00:00 - app - ERROR - ", None), // the level before the dash is no logger
            ("2024-01-15 10:00:00 ERROR [worker-1] ", None),
            ("2024-01-15 10:00:00 ERROR: ", None),
            ("2024-01-15 10:00:00 [42]: ", None),
            (
                "2024-01-15 10:00:00 ERROR\u{a0}[main] café.Api: ",
                Some("café.Api"),
            ),
        ] {
            assert_eq!(logger(head).as_deref(), want, "{head:?}");
        }
    }

    #[test]
    fn headers_without_colon_words_or_dashes_name_no_logger_quickly() {
        for head in [
            "2024-01-15 10:00:00,123 ERROR [main] ",
            "2024-01-15T10:00:00-05:00 WARN a-b [x-y] ",
            "",
        ] {
            assert!(!might_name_a_logger(head.as_bytes()), "{head}");
        }
        for head in [
            "2024-01-15 10:00:00 ERROR app: ",
            "2024-01-15 10:00:00 ERROR app -",
            "- app ",
            "10:00:00\u{a0}-\u{a0}app ",
            "x:",
        ] {
            assert!(might_name_a_logger(head.as_bytes()), "{head}");
        }
    }

    #[test]
    fn levels_order() {
        assert!(Level::Fatal > Level::Error && Level::Error > Level::Warn);
        assert_eq!(Level::parse("critical"), Some(Level::Fatal));
        assert_eq!(Level::parse("Information"), Some(Level::Info));
        assert_eq!(Level::parse("errors"), None);
    }
}
