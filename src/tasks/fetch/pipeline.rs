//! A fetch's threads: a reader hands kept records on in parts of batches ([`Sink`]), reading
//! threads read and group them, and a writer commits each batch with its cursor in one
//! transaction, in order, while the reader goes on.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use anyhow::Result;
use chrono::{DateTime, Utc};
use rustc_hash::FxHashSet;

use super::counts::FetchCounts;
use crate::domain::{ClusterChange, Level};
use crate::grouping::rules::Rule as GroupingRule;
use crate::ingest::{self, Event, Grouper, LogRecord, Occurrence, Rules};
use crate::sources::LogSource;
use crate::store::{BatchChanges, Store};
use crate::tasks::lifecycle::Lease;
use crate::tasks::notify::enqueue::{enqueue, NotifyPlan};

/// Most kept records in a part of a batch handed on before the batch ends ([`Sink::pass`]), so
/// that the reading threads start on a batch while it is still being read.
const PART_RECORDS: usize = 256;
/// Most text in such a part (one record may hold more).
const PART_BYTES: usize = 256 * 1024;
/// Parts of batches that may wait between two threads of a fetch: deep enough that a stage
/// slowed for a moment does not stall the others at once; at most some 16 MiB of text.
const QUEUED_PARTS: usize = 64;

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
    /// The records kept so far, leaving an empty buffer as large as theirs (the next batch of a
    /// file is much like the last: its buffer then never grows by copying).
    pub fn take(&mut self) -> Pending {
        let (text, records) = (self.text.capacity(), self.records.capacity());
        std::mem::replace(
            self,
            Pending {
                text: String::with_capacity(text),
                records: Vec::with_capacity(records),
            },
        )
    }

    /// Whether the records kept make a part worth handing on ([`Sink::pass`]): `records` of
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
    fn read(&self, rules: &Rules, now: DateTime<Utc>, grouping: &mut Grouping) -> Read {
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
            match ingest::read_kept_occurrence(&record, rules, now) {
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

/// Decides the clusters of a fetch's occurrences, on the thread that read them.
#[derive(Default)]
struct Grouping {
    grouper: Grouper,
    /// Fingerprints whose first event went to the writer with what describes their cluster.
    described: FxHashSet<String>,
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
        if !self.described.insert(event.grouping.fingerprint.clone()) {
            event.exception = None;
            let grouping = &mut event.grouping;
            grouping.title = String::new();
            grouping.exception_type = None;
            grouping.template = None;
            grouping.exception_inputs = None;
            grouping.rule = None;
        }
        Some(event)
    }
}

/// What reading a [`Pending`] batch gave.
#[derive(Debug, Default)]
struct Read {
    events: Vec<Event>,
    dropped: u64,
    /// Records a grouping rule ignored.
    ignored: u64,
    future_times: u64,
}

/// Records on their way to be read, then stored, and the cursor just after them when they end a
/// batch (`None` when they are a part of one, handed on early so that reading starts sooner).
type Batch<T> = (T, Option<serde_json::Value>);

/// Where a reader sends its batches: reading threads read their records, a writer thread commits
/// them in order, each batch with its cursor in one transaction, while the reader goes on reading.
pub(super) struct Sink {
    /// One queue per reading thread, taken in turn (the writer takes their output in the same
    /// turn, so that order is kept).
    txs: Vec<SyncSender<Batch<Pending>>>,
    next: std::cell::Cell<usize>,
}

impl Sink {
    /// Hands on the end of a batch: these records, committed with those handed on before them
    /// ([`Sink::pass`]) and `cursor`, in one transaction. Fails when the writer has stopped (its
    /// error is reported).
    pub fn send(&self, pending: Pending, cursor: serde_json::Value) -> Result<()> {
        self.hand_on((pending, Some(cursor)))
    }

    /// Hands on a part of a batch, to be read while the rest of it is; nothing is committed
    /// before the batch's end comes with its cursor ([`Sink::send`]).
    pub fn pass(&self, pending: Pending) -> Result<()> {
        self.hand_on((pending, None))
    }

    fn hand_on(&self, batch: Batch<Pending>) -> Result<()> {
        let turn = self.next.get();
        self.next.set((turn + 1) % self.txs.len());
        self.txs[turn]
            .send(batch)
            .map_err(|_| anyhow::anyhow!("the database writer stopped"))
    }
}

/// What the writer stores with each batch besides its events and cursor.
#[derive(Debug, Clone, Copy)]
pub(super) struct Writes<'a> {
    /// Distinct samples kept per cluster.
    pub samples: usize,
    /// The notifications a batch's changes call for.
    pub plan: &'a NotifyPlan,
}

/// Reading threads of a fetch: records are read in parts on several threads, so that when the
/// file is read to its end the parts still queued are read on every core.
const READING_THREADS: usize = 2;

/// What the threads behind a [`Sink`] did with one source's batches.
#[derive(Debug, Default)]
pub(super) struct Totals {
    events: u64,
    new_clusters: u64,
    regressed: u64,
    /// Kept records that were below the threshold after all.
    dropped: u64,
    ignored: u64,
    future_times: u64,
}

impl Totals {
    /// Adds these totals to a fetch's counts.
    pub fn add_to(&self, counts: &mut FetchCounts) {
        counts.events += self.events;
        counts.new_clusters += self.new_clusters;
        counts.regressed += self.regressed;
        counts.dropped += self.dropped;
        counts.ignored += self.ignored;
        counts.future_times += self.future_times;
    }

    /// Adds what a committed batch changed.
    fn add_changes(&mut self, changes: &BatchChanges) {
        self.events += changes.events;
        self.new_clusters += changes.count(ClusterChange::New);
        self.regressed += changes.count(ClusterChange::Regressed);
    }
}

/// Runs `read` with a [`Sink`] whose batches [`READING_THREADS`] threads read (headers, levels,
/// traces, clusters) and one more commits, so that the work of a fetch spreads over the cores;
/// returns the totals, or the first error with the totals committed before it.
///
/// `read` and the reading threads run at a lower priority than the writer ([`yield_to_writer`]).
pub(super) fn with_sink(
    store: &mut Store,
    source: &LogSource,
    lease: &Lease<'_>,
    rules: &Rules,
    now: DateTime<Utc>,
    writes: Writes<'_>,
    read: impl FnOnce(&Sink) -> Result<()> + Send,
) -> std::result::Result<Totals, (Totals, anyhow::Error)> {
    std::thread::scope(|scope| {
        let mut txs = Vec::new();
        let mut read_rxs = Vec::new();
        let mut reading = Vec::new();
        for _ in 0..READING_THREADS {
            let (tx, rx) = sync_channel::<Batch<Pending>>(QUEUED_PARTS / READING_THREADS);
            let (read_tx, read_rx) = sync_channel::<Batch<Read>>(QUEUED_PARTS / READING_THREADS);
            txs.push(tx);
            read_rxs.push(read_rx);
            // Each thread groups its parts on its own: the first event of a fingerprint in the
            // fetch is the first that its thread sees, so it is described (see `Grouping`).
            reading.push(scope.spawn(move || {
                yield_to_writer();
                let mut grouping = Grouping::default();
                for (pending, cursor) in rx {
                    if read_tx
                        .send((pending.read(rules, now, &mut grouping), cursor))
                        .is_err()
                    {
                        break; // the writer stopped and says why
                    }
                }
            }));
        }
        // Committed batches are dropped on a thread of their own (see `write_batches`).
        let (spent, spent_rx) = std::sync::mpsc::channel::<Vec<Read>>();
        scope.spawn(move || spent_rx.into_iter().for_each(drop));
        let writer = scope.spawn(move || {
            // The writer inserts only rows under the clusters it upserts in the same
            // transaction: their foreign-key checks cannot fail, and cost a cursor per row.
            // Checkpoints run beside it, so that it never waits for the disk.
            store
                .with_background_checkpoints(|store| {
                    store.without_foreign_key_checks(|store| {
                        write_batches(store, &read_rxs, &spent, source, lease, now, writes)
                    })
                })
                .and_then(|written| written)
                .unwrap_or_else(|err| (Totals::default(), Some(err)))
        });
        // The reader has a thread of its own, so that the caller's keeps its priority.
        let reader = scope.spawn(move || {
            yield_to_writer();
            read(&Sink {
                txs,
                next: std::cell::Cell::new(0),
            })
        });
        let read_result = reader
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the log reader panicked")));
        let reading_panicked = reading.into_iter().any(|thread| thread.join().is_err());
        let (totals, mut write_error) = writer.join().unwrap_or_else(|_| {
            (
                Totals::default(),
                Some(anyhow::anyhow!("the database writer panicked")),
            )
        });
        if reading_panicked && write_error.is_none() {
            write_error = Some(anyhow::anyhow!("the record reader panicked"));
        }
        match (write_error, read_result) {
            (Some(err), _) | (None, Err(err)) => Err((totals, err)),
            (None, Ok(())) => Ok(totals),
        }
    })
}

/// Lowers the calling thread's priority below the writer's (5 nicer), on Linux.
///
/// A fetch keeps more threads busy than there are cores, and the writer (one thread, which
/// cannot be split) is the one the others wait for: given equal shares it fell behind and
/// finished alone, a few batches after the last was read (a tenth of a large fetch). Only the
/// fetch's own short-lived threads are lowered; a thread's priority cannot be raised back
/// without privileges. Best effort: where it is refused, all run at one priority as before.
fn yield_to_writer() {
    #[cfg(target_os = "linux")]
    {
        let thread = Some(rustix::thread::gettid());
        if let Ok(nice) = rustix::process::getpriority_process(thread) {
            let _ = rustix::process::setpriority_process(thread, (nice + YIELD_NICENESS).min(19));
        }
    }
}

/// How much nicer than the writer a fetch's reading threads are: a weight of a third.
#[cfg(target_os = "linux")]
const YIELD_NICENESS: i32 = 5;

/// Commits each batch from `rx` with its cursor in one transaction, in order; stops at the first
/// error, returning it with the totals committed before it.
fn write_batches(
    store: &mut Store,
    rxs: &[Receiver<Batch<Read>>],
    spent: &std::sync::mpsc::Sender<Vec<Read>>,
    source: &LogSource,
    lease: &Lease<'_>,
    now: DateTime<Utc>,
    writes: Writes<'_>,
) -> (Totals, Option<anyhow::Error>) {
    let Writes { samples, plan } = writes;
    let mut totals = Totals::default();
    // The parts of the batch in progress, read and waiting for its end.
    let mut parts: Vec<Read> = Vec::new();
    // The reading threads' output, taken in the turn the reader handed parts out in; the first
    // queue that ends ends them all (nothing was handed out after it).
    let ordered = (0..rxs.len())
        .cycle()
        .map_while(|turn| rxs[turn].recv().ok());
    for (read, cursor) in ordered {
        parts.push(read);
        let Some(cursor) = cursor else {
            continue;
        };
        let batch = std::mem::take(&mut parts);
        let events = batch.iter().flat_map(|read| &read.events);
        let committed = store.write(|db| {
            // Commit only while the lease is ours: a fetch that outlived its lease must not
            // count what its successor counts too.
            lease.renew(db)?;
            let result =
                db.record_events(&source.service_id, Some(source.id), events, now, samples)?;
            db.set_cursor(source.id, &cursor)?;
            // What the batch changed is told in its transaction: its notifications commit
            // with it, or not at all.
            enqueue(db, plan, &result, now)?;
            Ok(result)
        });
        match committed {
            Ok(changes) => {
                totals.add_changes(&changes);
                for read in &batch {
                    totals.dropped += read.dropped;
                    totals.ignored += read.ignored;
                    totals.future_times += read.future_times;
                }
            }
            Err(err) => return (totals, Some(err)),
        }
        // Freed elsewhere: the writer is the one stage that cannot be split, and freeing what
        // other threads allocated is not cheap. (If that thread is gone, it is freed here.)
        let _ = spent.send(batch);
    }
    (totals, None)
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

    #[cfg(target_os = "linux")]
    #[test]
    fn the_reader_runs_nicer_than_the_writer_and_the_caller_keeps_its_priority() {
        let nice = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc.with_ymd_and_hms(2024, 1, 15, 12, 0, 0).unwrap();
        let source = LogSource {
            id: 1,
            service_id: "web".into(),
            name: "app".into(),
            settings: crate::sources::SourceSettings::File(crate::sources::FileSettings {
                path: "/nonexistent".into(),
                from_end: false,
                format: crate::sources::wrapper::LineFormat::Auto,
                timezone: None,
                version_field: None,
            }),
            is_active: true,
            cursor: None,
            created_at: now,
            updated_at: now,
        };
        let caller = nice();
        let caller_thread = rustix::thread::gettid();
        let mut seen = None;
        let lease = Lease::new(
            "web",
            crate::domain::Task::Fetch,
            chrono::Duration::minutes(1),
            now,
        );
        let totals = with_sink(
            &mut store,
            &source,
            &lease,
            &Rules::default(),
            now,
            Writes {
                samples: 2,
                plan: &NotifyPlan::silent(),
            },
            |_sink| {
                seen = Some((rustix::thread::gettid(), nice()));
                Ok(())
            },
        )
        .map_err(|(_, err)| err)
        .unwrap();
        assert_eq!(totals.events, 0);
        let (reader_thread, reader) = seen.expect("the reader ran");
        assert_ne!(reader_thread, caller_thread);
        assert_eq!(reader, (caller + YIELD_NICENESS).min(19));
        assert_eq!(nice(), caller, "the calling thread keeps its priority");
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
