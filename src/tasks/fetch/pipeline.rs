//! What a fetch's reader keeps of each record ([`Reader`], [`Pending`]) and how kept records
//! become events of clusters ([`Pending::read`], [`Grouping`]); the threads that do it are in
//! [`super::sink`].

use chrono::{DateTime, Utc};
use rustc_hash::FxHashSet;

use super::counts::FetchCounts;
use crate::domain::Level;
use crate::grouping::rules::Rule as GroupingRule;
use crate::ingest::{self, Event, Grouper, LogRecord, Occurrence, Rules};
use crate::parse::TraceMemo;
use crate::sources::LogSource;

/// Most kept records in a part of a batch handed on before the batch ends ([`super::sink::Sink::pass`]), so
/// that the reading threads start on a batch while it is still being read.
const PART_RECORDS: usize = 256;
/// Most text in such a part (one record may hold more).
const PART_BYTES: usize = 256 * 1024;

/// How a fetch cuts its work, read once where luffy starts ([`FetchOptions::from_env`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Records per batch (lines of a file, hits or entries of a page) instead of each reader's
    /// own; tests make batches small to kill fetches between them.
    pub batch: Option<usize>,
    /// How long the last record of a file may be held as unfinished (`[fetch]
    /// open_record_seconds` of the configuration; 0: never).
    pub open_record_seconds: u32,
}

impl FetchOptions {
    /// The options in the environment: `LUFFY_FETCH_BATCH` (hidden, for tests).
    pub fn from_env() -> FetchOptions {
        FetchOptions {
            batch: std::env::var("LUFFY_FETCH_BATCH")
                .ok()
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0),
            open_record_seconds: 0,
        }
    }

    /// Records per batch: `default`, unless the options set it.
    pub fn batch_size(self, default: usize) -> usize {
        self.batch.unwrap_or(default)
    }

    /// Kept records per part of a batch ([`Pending::is_full`]): [`PART_RECORDS`], fewer when
    /// batches are small (so that the kill tests cross parts too).
    pub fn part_records(self) -> usize {
        (self.batch_size(PART_RECORDS * 8) / 8).clamp(1, PART_RECORDS)
    }
}

/// Where a command or paged source is read from: after its stored cursor, or from `first` when
/// it has none (its `--since`, else one fetch interval back).
#[derive(Debug, Clone, Copy)]
pub(super) struct Resume<'a> {
    pub cursor: Option<&'a serde_json::Value>,
    pub first: DateTime<Utc>,
}

impl<'a> Resume<'a> {
    pub fn new(source: &'a LogSource, first: DateTime<Utc>) -> Self {
        Resume {
            cursor: source.cursor.as_ref(),
            first,
        }
    }
}

/// What a source reader needs to turn records into events, and where it counts them.
pub(super) struct Reader<'a> {
    pub rules: &'a Rules,
    pub now: DateTime<Utc>,
    pub options: FetchOptions,
    pub counts: &'a mut FetchCounts,
    /// The start of the record read last, kept or not.
    pub previous: Prefix,
}

impl<'a> Reader<'a> {
    pub fn new(
        rules: &'a Rules,
        now: DateTime<Utc>,
        options: FetchOptions,
        counts: &'a mut FetchCounts,
    ) -> Self {
        Reader {
            rules,
            now,
            options,
            counts,
            previous: Prefix::default(),
        }
    }

    /// Counts a record and keeps it for reading, unless it is plainly below the threshold (a
    /// thread of its own reads the kept ones: [`Pending::read`]).
    pub fn record(&mut self, record: &LogRecord<'_>, pending: &mut Pending) {
        let below = ingest::is_plainly_below(record, self.rules.threshold);
        self.keep_unless(below, record, pending);
    }

    /// [`Reader::record`] of a record known to be one line, whose first level word the
    /// assembler read (`said`).
    pub fn line_record(
        &mut self,
        record: &LogRecord<'_>,
        said: Option<Level>,
        pending: &mut Pending,
    ) {
        let below = ingest::is_plainly_below_said(record, said, self.rules.threshold);
        self.keep_unless(below, record, pending);
    }

    fn keep_unless(&mut self, below: bool, record: &LogRecord<'_>, pending: &mut Pending) {
        self.counts.records += 1;
        if below {
            self.counts.dropped += 1;
        } else {
            pending.push(record, self.previous);
        }
        self.previous.set(record.text);
    }
}

/// The start of a record's first line ([`ingest::PREVIOUS_PREFIX`] bytes at most), kept by
/// value: the record's text is gone when the next one is read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Prefix {
    bytes: [u8; ingest::PREVIOUS_PREFIX],
    len: u8,
}

impl Default for Prefix {
    fn default() -> Self {
        Prefix {
            bytes: [0; ingest::PREVIOUS_PREFIX],
            len: 0,
        }
    }
}

impl Prefix {
    /// Keeps the first bytes of `text` (run for every record: the cutting is left to
    /// [`Prefix::as_str`], which runs for the kept ones).
    pub(super) fn set(&mut self, text: &str) {
        let n = text.len().min(ingest::PREVIOUS_PREFIX);
        self.bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
        self.len = n as u8;
    }

    /// The bytes kept, up to the first line's end and the last whole character.
    pub(super) fn as_str(&self) -> &str {
        let mut bytes = &self.bytes[..usize::from(self.len)];
        if let Some(end) = memchr::memchr(b'\n', bytes) {
            bytes = &bytes[..end];
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(cut) => std::str::from_utf8(&bytes[..cut.valid_up_to()]).unwrap_or_default(),
        }
    }
}

/// Records kept for reading, their texts in one buffer.
#[derive(Debug, Default)]
pub(super) struct Pending {
    text: String,
    records: Vec<PendingRecord>,
}

#[derive(Debug)]
struct PendingRecord {
    /// Where the record's text ends in [`Pending::text`] (it starts where the one before ends).
    end: usize,
    timestamp: Option<DateTime<Utc>>,
    level: Option<String>,
    /// The version the source said apart from the text ([`LogRecord::version`]).
    version: Option<String>,
    /// The start of the record before it ([`LogRecord::previous`]).
    previous: Prefix,
}

impl Pending {
    /// The records kept so far, leaving `empty` in their place (a part read already and sent
    /// back to be filled again: [`super::sink::Sink`]), or else an empty buffer as large as
    /// theirs (the next batch of a file is much like the last: its buffer then never grows by
    /// copying).
    pub fn take_for(&mut self, empty: Option<Pending>) -> Pending {
        let empty = empty.unwrap_or_else(|| Pending {
            text: String::with_capacity(self.text.capacity()),
            records: Vec::with_capacity(self.records.capacity()),
        });
        std::mem::replace(self, empty)
    }

    /// Empties it, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.records.clear();
    }

    /// Whether the records kept make a part worth handing on ([`super::sink::Sink::pass`]): `records` of
    /// them, or [`PART_BYTES`] of text.
    pub fn is_full(&self, records: usize) -> bool {
        self.records.len() >= records || self.text.len() >= PART_BYTES
    }

    fn push(&mut self, record: &LogRecord<'_>, previous: Prefix) {
        self.text.push_str(record.text);
        self.records.push(PendingRecord {
            end: self.text.len(),
            timestamp: record.timestamp,
            level: record.level.map(str::to_string),
            version: record.version.map(str::to_string),
            previous,
        });
    }

    /// Reads each record's occurrence and decides its cluster, counting the records below the
    /// threshold and the occurrences whose time was in the future.
    pub(super) fn read(&self, rules: &Rules, now: DateTime<Utc>, grouping: &mut Grouping) -> Read {
        let mut read = Read {
            events: Vec::with_capacity(self.records.len()),
            ..Read::default()
        };
        let mut start = 0;
        for kept in &self.records {
            let record = LogRecord {
                text: &self.text[start..kept.end],
                timestamp: kept.timestamp,
                level: kept.level.as_deref(),
                version: kept.version.as_deref(),
                previous: kept.previous.as_str(),
            };
            start = kept.end;
            // the reader kept it: it was not plainly below the threshold
            match ingest::read_kept_occurrence(&record, rules, now, &mut grouping.traces) {
                Some(occurrence) => {
                    read.future_times += u64::from(occurrence.clamped_time);
                    match grouping.group(occurrence, &rules.grouping) {
                        Some(event) => read.events.push(event),
                        None => read.ignored += 1,
                    }
                }
                None => read.dropped += 1,
            }
        }
        read
    }
}

/// The most trace text a reading thread remembers parsed ([`TraceMemo`]): some thousands of
/// distinct traces, a few MiB with their parses.
const TRACE_MEMO_BYTES: usize = 2 * 1024 * 1024;

/// Decides the clusters of a fetch's occurrences, on the thread that read them.
pub(super) struct Grouping {
    /// The traces this thread parsed.
    traces: TraceMemo,
    grouper: Grouper,
    /// Fingerprints whose first event went to the writer with what describes their cluster.
    described: FxHashSet<String>,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping {
            traces: TraceMemo::new(TRACE_MEMO_BYTES),
            grouper: Grouper::default(),
            described: FxHashSet::default(),
        }
    }
}

impl Grouping {
    /// The occurrence's event. What describes its cluster (parsed exception, title, type,
    /// template, fingerprint inputs) goes with it only when it is the first of its fingerprint in
    /// this fetch: the writer needs it only to describe a new cluster, and only the first event
    /// of a fingerprint can create one (batches commit in order, and a failed one ends the
    /// fetch). The others' is dropped here, on the thread that made it (freeing memory another
    /// thread allocated costs more). `None`: a grouping rule ignores it.
    fn group(&mut self, occurrence: Occurrence, rules: &[GroupingRule]) -> Option<Event> {
        let mut event = occurrence.decide(rules, &mut self.grouper)?;
        // Looked up before the fingerprint is copied: nearly every event's is known already.
        if !self.described.contains(&event.grouping.fingerprint) {
            self.described.insert(event.grouping.fingerprint.clone());
            return Some(event);
        }
        event.exception = None;
        let grouping = &mut event.grouping;
        grouping.title = String::new();
        grouping.exception_type = None;
        grouping.template = None;
        grouping.exception_inputs = None;
        grouping.rule = None;
        Some(event)
    }
}

/// What reading a [`Pending`] batch gave.
#[derive(Debug, Default)]
pub(super) struct Read {
    pub events: Vec<Event>,
    /// The reading thread that read it (where its events go to be freed).
    pub thread: usize,
    pub dropped: u64,
    /// Records a grouping rule ignored.
    pub ignored: u64,
    pub future_times: u64,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_prefix_keeps_the_first_line_start_in_whole_characters() {
        let kept = |text: &str| {
            let mut prefix = Prefix::default();
            prefix.set("an older record that is longer than forty bytes");
            prefix.set(text);
            prefix.as_str().to_string()
        };
        assert_eq!(
            kept("2024-01-15 10:00:07 INFO x"),
            "2024-01-15 10:00:07 INFO x"
        );
        assert_eq!(
            kept("2024-01-15 10:00:07 ERROR x\n  at y"),
            "2024-01-15 10:00:07 ERROR x"
        );
        assert_eq!(kept(""), "");
        let long = format!("{}é and more", "a".repeat(ingest::PREVIOUS_PREFIX - 1));
        assert_eq!(kept(&long), "a".repeat(ingest::PREVIOUS_PREFIX - 1));
    }

    #[test]
    fn only_the_first_event_of_a_fingerprint_carries_its_cluster_description() {
        let trace = |n: u32, function: &str| {
            format!(
                "2024-01-15 10:00:0{n} ERROR app: failed\nTraceback (most recent call last):\n  \
                 File \"/app/api.py\", line 1{n}, in {function}\n    do()\nKeyError: 'k{n}'"
            )
        };
        let mut pending = Pending::default();
        for text in [
            trace(1, "handle"),
            trace(2, "handle"),
            "2024-01-15 10:00:03 ERROR db: down".to_string(),
            trace(4, "serve"),
            trace(5, "handle"),
        ] {
            pending.push(
                &LogRecord {
                    text: &text,
                    ..LogRecord::default()
                },
                Prefix::default(),
            );
        }
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let mut grouping = Grouping::default();
        let read = pending.read(&Rules::default(), now, &mut grouping);
        let described: Vec<bool> = read.events.iter().map(|e| e.exception.is_some()).collect();
        assert_eq!(described, [true, false, false, true, false]);
        let titled: Vec<bool> = read
            .events
            .iter()
            .map(|e| !e.grouping.title.is_empty() && e.grouping.exception_inputs.is_some())
            .collect();
        assert_eq!(titled, [true, false, false, true, false]);
        // the frameless error is the first of its template: described too
        assert!(read.events[2].grouping.template.is_some());
        let fingerprints: Vec<&str> = read
            .events
            .iter()
            .map(|e| e.grouping.fingerprint.as_str())
            .collect();
        assert_eq!(fingerprints[0], fingerprints[1]);
        assert_eq!(fingerprints[0], fingerprints[4]);
        assert_ne!(fingerprints[0], fingerprints[3]);
        // a later batch of the same fetch describes none of them again
        let again = pending.read(&Rules::default(), now, &mut grouping);
        assert!(again.events.iter().all(|e| e.exception.is_none()
            && e.grouping.title.is_empty()
            && e.grouping.template.is_none()));
    }
}
