//! The header recogniser: reads what a text line's header says (its timestamp, level and logger)
//! and where its message starts. Fetching reads records with [`read_record`] (a record's first
//! line, and the line below it for the formats that put the message there); the template
//! miner's raw-line mode strips headers with [`message_start`], the same reading without the
//! time. [`shape`] finds where a header ends by its shape alone; the fixed-shape formats are
//! read in `fixed` (syslog priority, Ruby, klog), `python` (basic, Celery), `jvm`
//! (java.util.logging, Tomcat), `php` and `dotnet`; `time` parses the times.

use chrono::{DateTime, Utc};

pub use crate::domain::Level;
use crate::text::is_ascii_space;

mod dotnet;
mod fixed;
mod jvm;
mod logcat;
mod php;
mod python;
mod record;
pub mod shape;
mod time;

use fixed::prefixed;
pub use record::read_record;
use time::{epoch, time_of_day};
pub use time::{in_zone, latest_not_future, timestamp, timestamp_zoned};

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
    /// Whether the record's message is on its next line (java.util.logging's `SimpleFormatter`,
    /// .NET's console logger): [`read_record`] reads it there. (`message_start` is then where
    /// what is left of this line starts, the source or category: a line read alone, as the
    /// template miner reads them, is never left without a message.)
    pub message_below: bool,
}

impl Header {
    /// The header of a line whose time says neither its year nor its zone (klog's, logcat's):
    /// read with [`time::without_year`] when there is a `now`, the level said, the message at
    /// `message_start`.
    fn yearless(
        now: Option<DateTime<Utc>>,
        date: (u32, u32),
        clock: (u32, u32, u32, u32),
        level: Level,
        logger: Option<String>,
        message_start: usize,
    ) -> Header {
        Header {
            timestamp: now.and_then(|now| time::without_year(now, date, clock)),
            level: Some(level),
            logger,
            message_start,
            ..Header::default()
        }
    }
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

/// Whether `line` is the first line of a record whose message is on the next line
/// ([`Header::message_below`]: java.util.logging's `Nov 27, 2026 8:00:01 AM a.B m` before
/// `SEVERE: message`, .NET's `fail: Category[13]`): for the assembler, which must keep the line
/// below with it even when that line looks like a header of its own (`SEVERE: `).
pub fn message_is_below(line: &str) -> bool {
    scan(line, None).message_below
}

/// [`read`], or with no `now` only where the message starts (the other fields are left empty).
pub(super) fn scan(line: &str, now: Option<DateTime<Utc>>) -> Header {
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
        if logger.is_none() && memchr::memchr(b'[', head.as_bytes()).is_some() {
            logger = bracketed_logger(head).map(str::to_string);
        }
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
        message_below: false,
    }
}

/// Context that some formats print after the part of the header the shape finds, and that is
/// no part of the message: Spring Boot's `--- [thread] logger : `, nginx's `2340#2340: *1 `,
/// a caller's `file.go:42` (zap, slog) and a Rust target `shop::order: ` (`tracing`). Returns
/// where the message starts after it, and the logger it names.
fn skip_context(line: &str, mut start: usize) -> (usize, Option<&str>) {
    let mut logger = None;
    // (ASCII whitespace is never a part of another character: bytes will do.)
    let bytes = line.as_bytes();
    let word_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(line.len(), |n| from + n)
    };
    let skip_space = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
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
    if end < line.len()
        && word.len() > 3
        && word.ends_with(':')
        && word.as_bytes().windows(2).any(|pair| pair == b"::")
    {
        logger = Some(&word[..word.len() - 1]);
        start = skip_space(end);
    }
    (start, logger)
}

/// A logger the header names in brackets (`ERROR [app.db] `, log4j's `[%c]`): the last bracketed
/// word whose inside is a dotted or `::` name, every part of it letters, digits, `_` or `$`,
/// the first starting with a letter or `_` (`app.db`, `com.acme.Cart`, `shop::db`). A thread
/// name is not one: it has no such separator (`[main]`, `[worker-1]`) or has a `-` or a space
/// (`[http-nio-8080-exec-1]`, `[ForkJoinPool.commonPool-worker-1]`); nor is a time, a version or
/// an address (they start with a digit) or a `file:line`. Or env_logger's target, the last word
/// in the brackets right after the level (`[2026-11-27T08:00:01Z ERROR shop::order] `), where a
/// plain name (`shop`) is one too.
fn bracketed_logger(head: &str) -> Option<&str> {
    if head.is_ascii() {
        pick_bracketed(ascii_words(head).rev())
    } else {
        pick_bracketed(head.split_whitespace().rev())
    }
}

/// [`bracketed_logger`] over the header's words, last first.
fn pick_bracketed<'h>(words: impl Iterator<Item = &'h str>) -> Option<&'h str> {
    let mut after: Option<&str> = None;
    for word in words {
        if let Some(name) = bracketed_name(word) {
            return Some(name);
        }
        if let Some(target) = after
            .filter(|a| !a.starts_with('['))
            .and_then(|a| a.strip_suffix(']'))
        {
            if !word.starts_with('[') && level_word(word).is_some() && is_name(target) {
                return Some(target);
            }
        }
        after = Some(word);
    }
    None
}

/// `[app.db]`'s `app.db`, when it is a logger's name ([`bracketed_logger`]).
fn bracketed_name(word: &str) -> Option<&str> {
    let inside = word.strip_prefix('[')?.strip_suffix(']')?;
    is_dotted_name(inside).then_some(inside)
}

/// A dotted or `::` name ([`is_dotted_name`]) or a plain one (`shop`, `my_app`).
fn is_name(name: &str) -> bool {
    is_dotted_name(name)
        || (name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
}

/// See [`bracketed_logger`]: parts split at `::` and `.`, each of one or more letters, digits,
/// `_` or `$` (a lone `:` is none of them), the first starting with a letter or `_`.
fn is_dotted_name(name: &str) -> bool {
    let b = name.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return false;
    }
    let (mut parts, mut part_len, mut at) = (1, 0, 0);
    while let Some(&c) = b.get(at) {
        let separator = match c {
            b'.' => 1,
            b':' if b.get(at + 1) == Some(&b':') => 2,
            _ if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => 0,
            _ => return false,
        };
        if separator == 0 {
            part_len += 1;
            at += 1;
        } else if part_len == 0 {
            return false;
        } else {
            parts += 1;
            part_len = 0;
            at += separator;
        }
    }
    part_len > 0 && parts > 1
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

/// `channel.LEVEL` (Monolog's `app.ERROR`): the channel and the level, when the part after the
/// last dot is a level in capitals.
fn channel_level(word: &str) -> Option<(&str, Level)> {
    let (channel, name) = word.rsplit_once('.')?;
    if channel.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Level::parse(name).map(|level| (channel, level))
}

/// The level of the first level word among the first eight words of `text` (split as
/// `split_ascii_whitespace` splits), found byte by byte: a word that starts with a digit (a
/// date, a time, a pid) is never a level word, and is passed over without a look. A level in a
/// header comes before any word of the message, so this is a line's level when it says one.
pub fn first_level(text: &str) -> Option<Level> {
    let b = text.as_bytes();
    let mut pos = 0;
    for _ in 0..8 {
        // (Bytes above the space are never whitespace: most bytes are told by one comparison.)
        while pos < b.len() && b[pos] <= b' ' && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        pos = crate::text::find_space(b, pos, |b| b.is_ascii_whitespace());
        match b.get(start) {
            None => return None,
            Some(first) if first.is_ascii_digit() => {}
            Some(_) => {
                if let Some(level) = level_word(&text[start..pos]) {
                    return Some(level);
                }
            }
        }
    }
    None
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
        // .NET's console logger's names that no other log prints (`crit:`, `warn:`, `info:`
        // read below)
        b"fail:" => return Some(Level::Error),
        b"dbug:" => return Some(Level::Debug),
        b"trce:" => return Some(Level::Trace),
        // Celery's `ERROR/ForkPoolWorker-1]`: the level before the process name
        [b'A'..=b'Z', .., b']'] if memchr::memchr(b'/', bytes).is_some() => {
            let (name, _) = word.split_once('/')?;
            return Level::parse(name).filter(|_| name.bytes().all(|b| b.is_ascii_uppercase()));
        }
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
    // the words of a bracketed context (`[req-1 a b - - -] [instance: x]`) are passed over;
    // a dotted name right before one is a logger (oslo's `ERROR nova.compute.manager [req-...]`)
    let mut in_brackets = false;
    let mut after_brackets = false;
    let mut before_context = None;
    for word in words {
        if in_brackets {
            in_brackets = !word.starts_with('[');
            after_brackets = !in_brackets;
            continue;
        }
        if word.ends_with(']') && word.len() > 1 && !word.starts_with('[') {
            in_brackets = true;
            continue;
        }
        if after_brackets && before_context.is_none() && is_dotted_name(word) {
            before_context = Some(word);
        }
        after_brackets = false;
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
        .or(before_context)
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

#[cfg(test)]
mod tests;
