//! Records to events: reads a record's header or JSON fields, keeps it when its level is at or
//! above the service's threshold, parses its stack trace, and decides its cluster's fingerprint:
//! exception type + in-app frames, or the masked message template + level + logger.

pub mod json;
pub mod logfmt;

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use crate::domain::{ClusterKind, Level};
use crate::grouping::rules::{decide, Decision, Rule as GroupingRule, Subject};
use crate::grouping::template_grouping;
pub use crate::grouping::{template_of, Grouper, Grouping};
use crate::header;
use crate::parse::{InAppRules, ParsedException, TraceMemo};
use crate::text::cut;

/// The longest message kept with an event; the rest is cut (a sample needs no more).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// How far ahead of the reading time a log time may be before it is taken as a clock error.
const FUTURE_SLACK_SECONDS: i64 = 300;

/// A whole record: one line, or a line with its stack trace continuation lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogRecord<'a> {
    pub text: &'a str,
    /// The time when the source knows it apart from the text.
    pub timestamp: Option<DateTime<Utc>>,
    /// The level when the source knows it apart from the text.
    pub level: Option<&'a str>,
    /// The service's version when the source knows it apart from the text.
    pub version: Option<&'a str>,
    /// The start of the first line of the record before it in the source (see
    /// [`PREVIOUS_PREFIX`]): a record without a time of its own (a Go panic or a Python
    /// traceback the runtime printed between log lines) takes that one's.
    pub previous: &'a str,
}

/// How much of the record before a record is kept for its time: enough for the common header
/// timestamps (`2024-01-15T10:00:00.123456+02:00` and shorter).
pub const PREVIOUS_PREFIX: usize = 40;

/// What decides which records become events and how frames are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub threshold: Level,
    pub in_app: InAppRules,
    /// The zone of the source's times that do not say theirs (`--timezone`); UTC when `None`.
    pub timezone: Option<chrono_tz::Tz>,
    /// A structured record's field that names the version that wrote it (`--version-field`),
    /// read before the common names ([`json::VERSION_FIELDS`]).
    pub version_field: Option<String>,
    /// The service's grouping rules, tried in order ([`Occurrence::decide`]).
    pub grouping: Vec<GroupingRule>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            threshold: Level::Error,
            in_app: InAppRules::default(),
            timezone: None,
            version_field: None,
            grouping: Vec::new(),
        }
    }
}

/// One error occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub log_time: DateTime<Utc>,
    pub level: Level,
    pub logger: Option<String>,
    /// The record's text (cut at [`MAX_MESSAGE`]).
    pub message: String,
    /// The parsed stack trace, when the record has one (shared with the events of the same
    /// trace: [`TraceMemo`]).
    pub exception: Option<Arc<ParsedException>>,
    pub grouping: Grouping,
    /// The record's time was in the future and was replaced by the reading time.
    pub clamped_time: bool,
    /// The version of the service that wrote the record, when a structured record says it.
    pub version: Option<String>,
}

/// An error occurrence read from its record, before its cluster is decided: the reading half of
/// [`to_event`]. A fetch reads occurrences on its reader thread and groups them
/// ([`Occurrence::group`]) on its writer thread, so that the two threads share the work.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub log_time: DateTime<Utc>,
    pub level: Level,
    pub logger: Option<String>,
    /// The record's text (cut at [`MAX_MESSAGE`]).
    pub message: String,
    pub exception: Option<Arc<ParsedException>>,
    /// The record's time was in the future and was replaced by the reading time.
    pub clamped_time: bool,
    /// The version of the service that wrote the record, when a structured record says it.
    pub version: Option<String>,
    /// What the template is mined from, when there are no frames to group by.
    template_text: TemplateText,
}

/// The message a template is mined from: a part of the record's text, or a JSON message.
#[derive(Debug, Clone, PartialEq)]
enum TemplateText {
    /// `message[start..end]`.
    Range(usize, usize),
    Own(String),
}

impl Occurrence {
    /// Decides the occurrence's cluster: exception type + in-app frames, or the template of its
    /// message + level + logger.
    pub fn group(self) -> Event {
        self.group_with(&mut Grouper::new())
    }

    /// The message a template is mined from: the record's first line without its header, or a
    /// structured record's message.
    pub fn template_text(&self) -> &str {
        match &self.template_text {
            TemplateText::Range(start, end) => &self.message[*start..*end],
            TemplateText::Own(text) => text,
        }
    }

    /// [`Occurrence::group_with`] after the service's grouping `rules`: the first that matches
    /// decides; `None` when it ignores the occurrence.
    pub fn decide(self, rules: &[GroupingRule], grouper: &mut Grouper) -> Option<Event> {
        if rules.is_empty() {
            return Some(self.group_with(grouper));
        }
        let subject = Subject {
            message: self.template_text(),
            level: self.level,
            logger: self.logger.as_deref(),
            exception: self.exception.as_deref(),
        };
        let (grouping, number) = match decide(rules, &subject) {
            Decision::Ignored => return None,
            Decision::Default(None) => return Some(self.group_with(grouper)),
            Decision::Default(Some(number)) => (self.default_grouping(grouper), number),
            Decision::Grouped(grouping, number) => (grouping, number),
        };
        let mut grouping = grouping;
        grouping.rule = Some(std::sync::Arc::new(rules[number - 1].note(number)));
        Some(self.with_grouping(grouping))
    }

    /// [`Occurrence::group`], remembering exceptions in `grouper` for the next occurrences.
    pub fn group_with(self, grouper: &mut Grouper) -> Event {
        let grouping = self.default_grouping(grouper);
        self.with_grouping(grouping)
    }

    /// Exception type + in-app frames, or template + level + logger.
    fn default_grouping(&self, grouper: &mut Grouper) -> Grouping {
        match &self.exception {
            Some(parsed) => grouper.exception_grouping(parsed),
            None => template_grouping(self.template_text(), self.level, self.logger.as_deref()),
        }
    }

    fn with_grouping(self, mut grouping: Grouping) -> Event {
        if grouping.title.is_empty() {
            // a trace cut before its exception line: its header's message, or its first line
            grouping.title = untitled(self.template_text(), &self.message);
        }
        Event {
            log_time: self.log_time,
            level: self.level,
            logger: self.logger,
            message: self.message,
            exception: self.exception,
            grouping,
            clamped_time: self.clamped_time,
            version: self.version,
        }
    }
}

/// The title of a cluster whose exception says nothing (a trace cut before its exception
/// line): the record's message, or else its first line that is not blank.
fn untitled(message: &str, text: &str) -> String {
    let line = Some(message.trim())
        .filter(|m| !m.is_empty())
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("");
    cut(line, 200).to_string()
}

/// Turns a record into an event, or `None` when it is below the threshold.
pub fn to_event(record: &LogRecord<'_>, rules: &Rules, read_at: DateTime<Utc>) -> Option<Event> {
    read_occurrence(record, rules, read_at).map(Occurrence::group)
}

/// Reads a record's occurrence, or `None` when it is below the threshold.
pub fn read_occurrence(
    record: &LogRecord<'_>,
    rules: &Rules,
    read_at: DateTime<Utc>,
) -> Option<Occurrence> {
    if is_plainly_below(record, rules.threshold) {
        return None;
    }
    read_kept_occurrence(record, rules, read_at, &mut TraceMemo::default())
}

/// [`read_occurrence`] of a record its caller has kept: one that [`is_plainly_below`] (or
/// [`is_plainly_below_line`]) did not drop. Its trace is parsed through `traces`, which
/// remembers the traces a reader meets again.
pub fn read_kept_occurrence(
    record: &LogRecord<'_>,
    rules: &Rules,
    read_at: DateTime<Utc>,
    traces: &mut TraceMemo,
) -> Option<Occurrence> {
    let Fields {
        timestamp,
        mut level,
        logger,
        message,
        body,
        range,
        version,
    } = fields(record, rules, read_at);
    let version = version.or_else(|| record.version.map(str::to_string));
    if let Some(source_level) = record.level.and_then(Level::parse) {
        level = Some(source_level);
    } else if level.is_some_and(|level| level < rules.threshold) {
        if !forwards_a_crash(&body) {
            // A trace printed after a record below the threshold (an uncaught crash after an
            // INFO line) is a record of its own, at the time of the one before it.
            return crash_after(record, timestamp, rules, read_at, traces);
        }
        // a crash a wrapper forwarded at a level of its own (php-fpm's WARNING for what a
        // worker said into stderr): the trace says what it is
        level = None;
    }
    if level.is_some_and(|level| level < rules.threshold) {
        return None; // the source said so: its trace, if any, does not matter
    }
    // A single line has no frames to group by: its template groups it.
    let exception = body
        .contains('\n')
        .then(|| traces.parse(&body, &rules.in_app))
        .flatten();
    // A stack trace without a level (printed straight to stderr) is an error.
    let level = level.or(exception.as_ref().map(|_| Level::Error))?;
    if level < rules.threshold {
        return None;
    }
    let future = timestamp.is_some_and(|t| (t - read_at).num_seconds() > FUTURE_SLACK_SECONDS);
    let log_time = if future {
        read_at
    } else {
        timestamp.unwrap_or(read_at)
    };
    let kept = cut(record.text, MAX_MESSAGE);
    let template_text = match range {
        Some((start, end)) if end <= kept.len() => TemplateText::Range(start, end),
        _ => TemplateText::Own(message.into_owned()),
    };
    Some(Occurrence {
        log_time,
        level,
        logger,
        message: kept.to_string(),
        exception,
        clamped_time: future,
        version,
        template_text,
    })
}

/// Whether a record's message, its first lines, is a crash as its runtime prints it, header
/// and all: `PHP Fatal error:  Uncaught ...`, `Traceback (most recent call last):`, `panic:`.
fn forwards_a_crash(body: &str) -> bool {
    body.contains('\n') && crate::parse::crash::is_bare_start(first_line(body))
}

/// The occurrence of a trace that a runtime printed bare after `record` (whose own level is
/// below the threshold), at `record`'s time; `None` when no trace follows its first line.
fn crash_after(
    record: &LogRecord<'_>,
    timestamp: Option<DateTime<Utc>>,
    rules: &Rules,
    read_at: DateTime<Utc>,
    traces: &mut TraceMemo,
) -> Option<Occurrence> {
    let text = record.text;
    if memchr::memchr(b'\n', text.as_bytes()).is_none() || text.starts_with('{') {
        return None;
    }
    let start = crate::parse::crash::trace_start(text)?;
    let crash = LogRecord {
        text: &text[start..],
        timestamp: timestamp.or(record.timestamp),
        level: None,
        version: None,
        previous: record.previous,
    };
    read_kept_occurrence(&crash, rules, read_at, traces).filter(|o| o.exception.is_some())
}

/// A record whose first line is logfmt: its fields, with the lines after it (a stack trace
/// printed after the line) as its stack when it has no stack field.
fn logfmt_record(
    text: &str,
    first_line: &str,
    read_at: DateTime<Utc>,
    version_field: Option<&str>,
) -> Option<json::JsonRecord> {
    let mut fields = logfmt::parse(first_line, read_at, version_field)?;
    let rest = text[first_line.len()..].trim_start_matches(['\r', '\n']);
    if fields.stack.is_none() && !rest.is_empty() {
        fields.stack = Some(rest.to_string());
    }
    Some(fields)
}

/// What a record's header or fields say, before its level is judged.
struct Fields<'r> {
    timestamp: Option<DateTime<Utc>>,
    level: Option<Level>,
    logger: Option<String>,
    message: Cow<'r, str>,
    body: Cow<'r, str>,
    /// Where a text header's message lies in the record's text.
    range: Option<(usize, usize)>,
    /// The version a structured record names.
    version: Option<String>,
}

fn fields<'r>(record: &LogRecord<'r>, rules: &Rules, read_at: DateTime<Utc>) -> Fields<'r> {
    let first_line = first_line(record.text);
    // `range`: where a text header's message lies in the record's text.
    let mut dateless = false;
    let mut version = None;
    let version_field = rules.version_field.as_deref();
    let (time, level, logger, message, body, range): (_, _, _, Cow<str>, Cow<str>, _) =
        match json::parse(first_line, read_at, version_field)
            .or_else(|| logfmt_record(record.text, first_line, read_at, version_field))
        {
            Some(json) => {
                let body = match &json.stack {
                    Some(stack)
                        if stack.contains(json.message.lines().next().unwrap_or("\u{0}")) =>
                    {
                        stack.clone()
                    }
                    Some(stack) => format!("{}\n{stack}", json.message),
                    None => json.message.clone(),
                };
                version = json.version;
                (
                    json.timestamp.map(|t| (t, json.zoned)),
                    json.level,
                    json.logger,
                    json.message.into(),
                    body.into(),
                    None,
                )
            }
            None => {
                // the message is on the first line, or below it (java.util.logging, .NET)
                let (header, message_end) = header::read_record(record.text, read_at);
                dateless = header.dateless;
                let message = &record.text[header.message_start..message_end];
                // a trace whose every line carries the prefix is parsed without it
                let body = match stitched(record.text, first_line) {
                    Some(payloads) => Cow::Owned(payloads),
                    None => Cow::Borrowed(&record.text[header.message_start..]),
                };
                (
                    header.timestamp.map(|t| (t, header.zoned)),
                    header.level,
                    header.logger,
                    message.into(),
                    body,
                    Some((header.message_start, message_end)),
                )
            }
        };
    // A time that did not say its zone is in the source's zone, when the source names one.
    let zoned = |time: Option<(DateTime<Utc>, bool)>| {
        time.map(|(t, zoned)| match rules.timezone {
            Some(zone) if !zoned => header::in_zone(t, zone),
            _ => t,
        })
    };
    let mut timestamp = zoned(time);
    if dateless {
        // a time of day: the latest such time, in the source's zone, not in the future
        timestamp = timestamp.map(|t| header::latest_not_future(t, read_at));
    }
    if record.timestamp.is_some() {
        timestamp = record.timestamp;
    }
    if timestamp.is_none() && !record.previous.is_empty() {
        timestamp = zoned(header::timestamp_zoned(
            record.previous.trim_start(),
            read_at,
        ));
    }
    Fields {
        timestamp,
        level,
        logger,
        message,
        body,
        range,
        version,
    }
}

/// The payloads of a record whose lines each carry its first line's prefix, the prefixes
/// taken off ([`crate::parse::stitch::strip`]); `None` for any other record.
fn stitched(text: &str, first_line: &str) -> Option<String> {
    if text.len() == first_line.len() {
        return None;
    }
    crate::parse::stitch::strip(text)
}

/// How a record reads, whatever its level: its time (`None`: it has none of its own), level,
/// logger and the message a template is mined from. For `source test`.
pub fn describe(record: &LogRecord<'_>, rules: &Rules, read_at: DateTime<Utc>) -> Described {
    let fields = fields(record, rules, read_at);
    let level = record.level.and_then(Level::parse).or(fields.level);
    let message = match fields.range {
        Some((start, end)) => record.text[start..end].to_string(),
        None => fields.message.into_owned(),
    };
    Described {
        timestamp: fields.timestamp,
        level,
        logger: fields.logger,
        message,
    }
}

/// See [`describe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub timestamp: Option<DateTime<Utc>>,
    pub level: Option<Level>,
    pub logger: Option<String>,
    pub message: String,
}

/// The first line of `text`, as `lines()` gives it (without a `\r` before its newline).
fn first_line(text: &str) -> &str {
    match memchr::memchr(b'\n', text.as_bytes()) {
        Some(end) => {
            let line = &text[..end];
            line.strip_suffix('\r').unwrap_or(line)
        }
        None => text,
    }
}

/// A cheap test that lets most records go without reading their header in full: a single text
/// line whose first level word (among its first words) is below the threshold. It agrees with
/// the full reading ([`read_occurrence`] gives `None`): a level in the header comes before any
/// word of the message.
pub fn is_plainly_below(record: &LogRecord<'_>, threshold: Level) -> bool {
    memchr::memchr(b'\n', record.text.as_bytes()).is_none()
        && is_plainly_below_line(record, threshold)
}

/// [`is_plainly_below`] of a record known to be one line (the caller assembled it).
pub fn is_plainly_below_line(record: &LogRecord<'_>, threshold: Level) -> bool {
    is_plainly_below_said(record, header::first_level(record.text), threshold)
}

/// [`is_plainly_below_line`] of a line whose first level word was read already (`said`:
/// [`header::first_level`] of its text, as the assembler hands it on).
pub fn is_plainly_below_said(
    record: &LogRecord<'_>,
    said: Option<Level>,
    threshold: Level,
) -> bool {
    let text = record.text;
    // JSON fields and a syslog priority (`<11>`) say the level where no word does
    if record.level.is_some() || text.starts_with('{') || text.starts_with('<') {
        return false;
    }
    said.is_some_and(|level| level < threshold)
}

#[cfg(test)]
mod corpus_tests;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap()
    }

    fn event(text: &str) -> Option<Event> {
        to_event(
            &LogRecord {
                text,
                ..LogRecord::default()
            },
            &Rules::default(),
            now(),
        )
    }

    #[test]
    fn frameless_errors_group_by_template() {
        let a = event(
            "2024-01-15 10:00:00 ERROR db: connection to 10.2.3.4:5432 refused after 3 retries",
        )
        .unwrap();
        let b = event(
            "2024-01-15 10:01:00 ERROR db: connection to 10.9.9.9:5432 refused after 5 retries",
        )
        .unwrap();
        assert_eq!(a.grouping.kind, ClusterKind::Template);
        assert_eq!(a.grouping.fingerprint, b.grouping.fingerprint);
        assert!(
            a.grouping.template.as_deref().unwrap().contains("<IP>"),
            "{:?}",
            a.grouping.template
        );
        let other = event("2024-01-15 10:01:00 ERROR db: disk full on /var/lib").unwrap();
        assert_ne!(a.grouping.fingerprint, other.grouping.fingerprint);
    }

    #[test]
    fn plainly_below_means_one_line_with_a_lower_level_among_its_first_words() {
        let below = |text: &str| {
            is_plainly_below(
                &LogRecord {
                    text,
                    ..LogRecord::default()
                },
                Level::Error,
            )
        };
        assert!(below("2024-01-15 10:00:00,123 INFO [main] app: ok"));
        assert!(below("  2024-01-15\t10:00:00 [debug] ok"));
        assert!(!below("2024-01-15 10:00:00 ERROR app: failed"));
        assert!(!below("2024-01-15 10:00:00 INFO app: ok\n  at trace line"));
        assert!(!below("2024-01-15 10:00:00\nINFO app: ok"));
        assert!(!below("a b c d e f g h INFO too far"));
        assert!(below("a b c d e f g INFO eighth word"));
        assert!(!below("no level here"));
        assert!(!below(""));
        assert!(!below(r#"{"level":"info","msg":"ok"}"#));
        let with_source_level = LogRecord {
            text: "2024-01-15 10:00:00 INFO ok",
            level: Some("error"),
            ..LogRecord::default()
        };
        assert!(!is_plainly_below(&with_source_level, Level::Error));
    }

    #[test]
    fn plainly_below_splits_words_as_split_ascii_whitespace_does() {
        // The word loop against the plain reading it replaced, on words of many shapes (long
        // ones cross its eight-byte steps) joined by every kind of space and by bytes that are
        // none (vertical tab, other control bytes, non-ASCII spaces).
        let plain = |text: &str| {
            text.split_ascii_whitespace()
                .take(8)
                .find_map(header::level_word)
                .is_some_and(|level| level < Level::Error)
        };
        let words = [
            "2024-01-15",
            "10:00:00,123456789",
            "INFO",
            "[debug]",
            "ERROR",
            "warn:",
            "9INFO",
            "level=info",
            "worker-1234567890",
            "é",
            "",
        ];
        let gaps = [
            " ", "\t", "  \r\n ", "\x0B", "\x0C", "\x01", "\u{a0}", "\u{2003}",
        ];
        let mut checked = 0;
        for (i, first) in words.iter().enumerate() {
            for second in &words {
                for gap in gaps {
                    for third in [words[(i + 2) % words.len()], words[(i + 5) % words.len()]] {
                        let text = format!("{first}{gap}{second} {third}{gap}x y z w v u");
                        for text in [text.as_str(), text.trim_start_matches(first)] {
                            let record = LogRecord {
                                text,
                                ..LogRecord::default()
                            };
                            assert_eq!(
                                is_plainly_below_line(&record, Level::Error),
                                plain(text),
                                "{text:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn a_record_without_a_time_takes_the_time_of_the_one_before() {
        let read = |text: &str, previous: &str| {
            let record = LogRecord {
                text,
                previous,
                ..LogRecord::default()
            };
            read_occurrence(&record, &Rules::default(), now())
                .unwrap()
                .log_time
        };
        let panic = "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d";
        let at = |h, m, s| Utc.with_ymd_and_hms(2024, 1, 15, h, m, s).unwrap();
        assert_eq!(
            read(panic, "2024-01-15 10:00:07 INFO web: handling"),
            at(10, 0, 7)
        );
        assert_eq!(
            read(panic, "Jan 15 09:59:58 host web[12]: x"),
            at(9, 59, 58)
        );
        // one with no time: the reading time, as without one
        assert_eq!(read(panic, "panic: earlier"), now());
        assert_eq!(read(panic, ""), now());
        // a record's own time comes first
        assert_eq!(
            read(
                "2024-01-15 11:00:00 ERROR x: down",
                "2024-01-15 10:00:07 INFO y"
            ),
            at(11, 0, 0)
        );
    }

    #[test]
    fn below_threshold_is_dropped() {
        assert!(event("2024-01-15 10:00:00 INFO all good").is_none());
        assert!(event("2024-01-15 10:00:00 WARN nearly").is_none());
        assert!(event("no level at all").is_none());
        assert!(event("2024-01-15 10:00:00 CRITICAL down").is_some());
    }

    #[test]
    fn traces_group_by_type_and_frames() {
        let trace = "2024-01-15 10:00:00 ERROR app: request failed\nTraceback (most recent call last):\n  File \"/app/api.py\", line 10, in handler\n    do()\n  File \"/app/db.py\", line 5, in do\n    raise ValueError('bad 42')\nValueError: bad 42";
        let e = event(trace).unwrap();
        assert_eq!(e.grouping.kind, ClusterKind::Exception);
        assert_eq!(e.grouping.exception_type.as_deref(), Some("ValueError"));
        let again = event(&trace.replace("line 10", "line 11").replace("42", "43")).unwrap();
        assert_eq!(e.grouping.fingerprint, again.grouping.fingerprint);
    }

    /// Every trace of the parser corpora, and variants that keep or change their inputs.
    fn corpus() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/traces");
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                let text = std::fs::read_to_string(&path).unwrap();
                // other line numbers and values: the same inputs; another in-app function or
                // file: other inputs
                texts.push(text.replace('1', "7").replace("42", "43"));
                texts.push(text.replace("handle", "serve").replace(".py", "_v2.py"));
                texts.push(text);
            }
        }
        assert!(texts.len() > 60, "{} traces", texts.len());
        texts
    }

    #[test]
    fn a_grouper_that_remembers_exceptions_groups_as_one_that_does_not() {
        let rules = Rules {
            threshold: Level::Error,
            in_app: InAppRules {
                app_paths: vec!["/srv/app".into()],
                app_packages: vec!["com.acme".into()],
            },
            timezone: None,
            version_field: None,
            grouping: Vec::new(),
        };
        let mut grouper = Grouper::new();
        let mut fingerprints = std::collections::HashSet::new();
        // twice over, so that the second round finds every exception remembered
        for text in corpus().iter().chain(corpus().iter()) {
            let record = LogRecord {
                text,
                ..LogRecord::default()
            };
            let Some(occurrence) = read_occurrence(&record, &rules, now()) else {
                continue;
            };
            let fresh = occurrence.clone().group();
            let remembered = occurrence.group_with(&mut grouper);
            assert_eq!(fresh, remembered, "{text}");
            fingerprints.insert(fresh.grouping.fingerprint);
        }
        assert!(
            grouper.remembered() > 30,
            "{} remembered",
            grouper.remembered()
        );
        assert!(
            fingerprints.len() > 30,
            "{} fingerprints",
            fingerprints.len()
        );
    }

    #[test]
    fn a_time_of_day_is_the_latest_such_time_in_the_sources_zone() {
        use chrono::TimeZone;
        let berlin = Rules {
            timezone: Some(chrono_tz::Europe::Berlin),
            ..Rules::default()
        };
        let at = |rules: &Rules, line: &str, read_at: DateTime<Utc>| {
            let record = LogRecord {
                text: line,
                ..LogRecord::default()
            };
            read_occurrence(&record, rules, read_at).unwrap().log_time
        };
        let utc =
            |d: u32, h: u32, m: u32, s: u32| Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap();
        // 00:29 in Berlin, read at 23:30 UTC the day before: 23:29 UTC, not a day earlier
        let read_at = utc(27, 23, 30, 0);
        assert_eq!(at(&berlin, "[00:29:00 ERR] x", read_at), utc(27, 23, 29, 0));
        // just before midnight, read just after it: yesterday's
        let read_at = utc(28, 0, 0, 5);
        assert_eq!(
            at(&Rules::default(), "[23:59:59 ERR] x", read_at),
            utc(27, 23, 59, 59)
        );
        // a writer's clock a little ahead of the reader's: still today
        assert_eq!(
            at(&Rules::default(), "[00:02:00 ERR] x", read_at),
            utc(28, 0, 2, 0)
        );
        // zerolog's kitchen clock in Berlin
        assert_eq!(
            at(&berlin, "9:15AM ERR x", utc(28, 12, 0, 0)),
            utc(28, 8, 15, 0)
        );
    }

    #[test]
    fn a_trace_without_header_is_an_error() {
        let e = event("Traceback (most recent call last):\n  File \"/app/x.py\", line 1, in <module>\nKeyError: 'id'").unwrap();
        assert_eq!(e.level, Level::Error);
        assert_eq!(e.log_time, now());
    }

    #[test]
    fn future_times_are_clamped() {
        let e = event("2030-01-01 00:00:00 ERROR from the future").unwrap();
        assert!(e.clamped_time);
        assert_eq!(e.log_time, now());
    }
}
