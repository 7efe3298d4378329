//! A fetch's threads: a reader hands kept records on in numbered parts of batches ([`Sink`]),
//! reading threads take them from one queue and read and group them, and a writer puts them
//! back in order and commits each batch with its cursor in one transaction, while the reader
//! goes on. A part's buffers go back to the reader, and its committed events to the reading
//! thread that made them, to be used again or freed where they were allocated.
//!
//! The reading threads and the writer start only once a fetch has more to read than
//! [`HELD_PARTS`] parts. A smaller fetch (most incremental fetches are: the records written
//! since the last one) is read and committed on the caller's thread once its reader is done:
//! four threads started, handed work and joined would cost it more than its records do, and
//! each hand-over waits for a core when the machine is busy (a server answering beside
//! `run-due`).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::counts::FetchCounts;
use super::pipeline::{Grouping, Pending, Read};
use crate::domain::ClusterChange;
use crate::ingest::Rules;
use crate::sources::LogSource;
use crate::store::{BatchChanges, Store};
use crate::tasks::lifecycle::Lease;
use crate::tasks::notify::enqueue::enqueue;
use crate::tasks::notify::NotifyPlan;

/// Parts of batches that may wait between two stages of a fetch: deep enough that a stage
/// slowed for a moment does not stall the others at once (at most some 4 MiB of text), and
/// shallow enough that the parts' memory is used again soon: 64 cost a fifth more page faults
/// than 16, and were no faster.
const QUEUED_PARTS: usize = 16;

/// Parts a fetch holds on its reader's thread before it starts the threads that read and
/// write them (at most some 1 MiB of text, or 1,024 records): a fetch that ends within them is
/// read and committed on the caller's thread.
const HELD_PARTS: usize = 4;

/// Reading threads of a fetch: records are read in parts on several threads, so that when the
/// file is read to its end the parts still queued are read on every core.
const READING_THREADS: usize = 2;

/// Records on their way to be read, then stored, and the cursor just after them when they end a
/// batch (`None` when they are a part of one, handed on early so that reading starts sooner).
type Batch<T> = (T, Option<serde_json::Value>);

/// A batch with its place among those the reader handed on.
type Numbered<T> = (usize, Batch<T>);

/// Where a reader sends its batches: held until there are more than [`HELD_PARTS`], then to
/// the reading threads, whose output a writer thread commits in order, each batch with its
/// cursor in one transaction, while the reader goes on reading.
pub(super) struct Sink<'scope, 'env> {
    flow: RefCell<Flow<'scope, 'env>>,
    /// The number of the next part handed to the threads.
    next: Cell<usize>,
    /// Parts the reading threads read, sent back empty to be filled again: their buffers are
    /// reused rather than allocated anew (fresh memory costs a page fault a page).
    emptied: Receiver<Pending>,
}

/// What a [`Sink`] does with the parts handed on.
enum Flow<'scope, 'env> {
    /// Holds them, with what it needs to start the threads.
    Held(Vec<Batch<Pending>>, Stages<'scope, 'env>),
    /// Sends them to the threads.
    Started(Threads<'scope>),
    /// Between the two (only while the threads start).
    Starting,
}

impl Sink<'_, '_> {
    /// Hands on the end of a batch: these records, committed with those handed on before them
    /// ([`Sink::pass`]) and `cursor`, in one transaction, leaving `pending` empty. Fails when
    /// the writer has stopped (its error is reported).
    pub fn send(&self, pending: &mut Pending, cursor: serde_json::Value) -> Result<()> {
        let part = pending.take_for(self.emptied.try_recv().ok());
        self.hand_on((part, Some(cursor)))
    }

    /// Hands on a part of a batch, to be read while the rest of it is, leaving `pending` empty;
    /// nothing is committed before the batch's end comes with its cursor ([`Sink::send`]).
    pub fn pass(&self, pending: &mut Pending) -> Result<()> {
        let part = pending.take_for(self.emptied.try_recv().ok());
        self.hand_on((part, None))
    }

    fn hand_on(&self, batch: Batch<Pending>) -> Result<()> {
        let mut flow = self.flow.borrow_mut();
        if let Flow::Held(held, _) = &mut *flow {
            if held.len() < HELD_PARTS {
                held.push(batch);
                return Ok(());
            }
            let Flow::Held(held, stages) = std::mem::replace(&mut *flow, Flow::Starting) else {
                unreachable!("the flow was held a moment ago");
            };
            *flow = Flow::Started(stages.start());
            drop(flow);
            for part in held {
                self.to_threads(part)?;
            }
            return self.to_threads(batch);
        }
        drop(flow);
        self.to_threads(batch)
    }

    fn to_threads(&self, batch: Batch<Pending>) -> Result<()> {
        let flow = self.flow.borrow();
        let Flow::Started(threads) = &*flow else {
            anyhow::bail!("the fetch's threads did not start");
        };
        let number = self.next.get();
        self.next.set(number + 1);
        threads
            .tx
            .send((number, batch))
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

/// What a fetch's threads need besides the records: held by the [`Sink`] until they start.
struct Stages<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    /// Where the reading threads send the parts they read ([`Sink::emptied`]).
    emptied: Sender<Pending>,
    store: &'env mut Store,
    source: &'env LogSource,
    lease: &'env Lease<'env>,
    rules: &'env Rules,
    now: DateTime<Utc>,
    writes: Writes<'env>,
}

/// A fetch's started threads: where parts go, and what to wait for.
struct Threads<'scope> {
    tx: SyncSender<Numbered<Pending>>,
    /// `Err` from a thread whose reading panicked.
    reading: Vec<ScopedJoinHandle<'scope, Result<(), ()>>>,
    writer: ScopedJoinHandle<'scope, (Totals, Option<anyhow::Error>)>,
}

impl<'scope> Stages<'scope, '_> {
    /// Starts [`READING_THREADS`] reading threads and the writer.
    fn start(self) -> Threads<'scope> {
        let (scope, rules, now) = (self.scope, self.rules, self.now);
        // One queue for all reading threads: whichever is free takes the next part, so that
        // they end together. Parts are numbered; the writer puts them back in order.
        let (tx, rx) = sync_channel::<Numbered<Pending>>(QUEUED_PARTS);
        let (read_tx, read_rx) = sync_channel::<Numbered<Read>>(QUEUED_PARTS);
        let rx = Arc::new(Mutex::new(rx));
        let mut reading = Vec::new();
        let mut spent = Vec::new();
        // Set by a reading thread that panicked: the others stop too, so that the queue's
        // receiver goes (the reader's next send fails) and the writer's input ends at the part
        // that is missing (nothing after it is committed).
        let failed = Arc::new(AtomicBool::new(false));
        for thread in 0..READING_THREADS {
            let (spent_tx, spent_rx) = channel::<Read>();
            spent.push(spent_tx);
            let (rx, read_tx, failed) = (Arc::clone(&rx), read_tx.clone(), Arc::clone(&failed));
            let emptied = self.emptied.clone();
            // Each thread groups its parts on its own, and takes them in order: the first event
            // of a fingerprint in the fetch is the first that its thread sees, so it is
            // described (see `Grouping`).
            reading.push(scope.spawn(move || {
                yield_to_writer();
                let mut grouping = Grouping::default();
                // (The lock is held while waiting: the other threads wait for it instead.)
                while let Ok(Ok((number, (mut pending, cursor)))) = rx.lock().map(|rx| rx.recv()) {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    // The events the writer committed are freed here, where they were made:
                    // their memory is then at hand for the next ones.
                    spent_rx.try_iter().for_each(drop);
                    let read = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        pending.read(rules, now, &mut grouping)
                    }));
                    let Ok(mut read) = read else {
                        failed.store(true, Ordering::Relaxed);
                        return Err(());
                    };
                    read.thread = thread;
                    pending.clear();
                    let _ = emptied.send(pending);
                    if read_tx.send((number, (read, cursor))).is_err() {
                        break; // the writer stopped and says why
                    }
                }
                // The writer ends once every reading thread's output has ended.
                drop(read_tx);
                spent_rx.into_iter().for_each(drop);
                Ok(())
            }));
        }
        drop(read_tx);
        drop(self.emptied);
        let (store, source, lease, writes) = (self.store, self.source, self.lease, self.writes);
        let writer = scope.spawn(move || {
            // The writer inserts only rows under the clusters it upserts in the same
            // transaction: their foreign-key checks cannot fail, and cost a cursor per row.
            // Checkpoints run beside it, so that it never waits for the disk.
            store
                .with_background_checkpoints(|store| {
                    store.without_foreign_key_checks(|store| {
                        let ordered = in_order(&read_rx);
                        write_batches(store, ordered, &spent, source, lease, now, writes)
                    })
                })
                .and_then(|written| written)
                .unwrap_or_else(|err| (Totals::default(), Some(err)))
        });
        Threads {
            tx,
            reading,
            writer,
        }
    }

    /// Reads and commits the parts a fetch held, on this thread (the reader is done).
    fn finish_here(self, held: Vec<Batch<Pending>>) -> (Totals, Option<anyhow::Error>) {
        let mut grouping = Grouping::default();
        let (rules, now) = (self.rules, self.now);
        let ordered = held
            .into_iter()
            .map(|(pending, cursor)| (pending.read(rules, now, &mut grouping), cursor));
        let (source, lease, writes) = (self.source, self.lease, self.writes);
        self.store
            .without_foreign_key_checks(|store| {
                write_batches(store, ordered, &[], source, lease, now, writes)
            })
            .unwrap_or_else(|err| (Totals::default(), Some(err)))
    }
}

impl Threads<'_> {
    /// Waits for the threads, once the reader has ended (with `read_result`).
    fn finish(self) -> (Totals, Option<anyhow::Error>) {
        let Threads {
            tx,
            reading,
            writer,
        } = self;
        drop(tx);
        // Every thread is joined (a second one that panicked would panic the scope).
        let joined: Vec<bool> = reading
            .into_iter()
            .map(|thread| matches!(thread.join(), Ok(Ok(()))))
            .collect();
        let reading_panicked = joined.contains(&false);
        let (totals, mut write_error) = writer.join().unwrap_or_else(|_| {
            (
                Totals::default(),
                Some(anyhow::anyhow!("the database writer panicked")),
            )
        });
        if reading_panicked && write_error.is_none() {
            write_error = Some(anyhow::anyhow!("the record reader panicked"));
        }
        (totals, write_error)
    }
}

/// Runs `read` with a [`Sink`] on a thread of its own, at a lower priority than the writer's
/// ([`yield_to_writer`]); returns the totals, or the first error with the totals committed
/// before it. What the reader handed on before an error of its own is committed.
pub(super) fn with_sink(
    store: &mut Store,
    source: &LogSource,
    lease: &Lease<'_>,
    rules: &Rules,
    now: DateTime<Utc>,
    writes: Writes<'_>,
    read: impl FnOnce(&Sink<'_, '_>) -> Result<()> + Send,
) -> std::result::Result<Totals, (Totals, anyhow::Error)> {
    std::thread::scope(|scope| {
        let (emptied, emptied_rx) = channel();
        let stages = Stages {
            scope,
            emptied,
            store,
            source,
            lease,
            rules,
            now,
            writes,
        };
        // The reader has a thread of its own, so that the caller's keeps its priority.
        let reader = scope.spawn(move || {
            yield_to_writer();
            let sink = Sink {
                flow: RefCell::new(Flow::Held(Vec::new(), stages)),
                next: Cell::new(0),
                emptied: emptied_rx,
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&sink)))
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the log reader panicked")));
            (result, sink.flow.into_inner())
        });
        let Ok((read_result, flow)) = reader.join() else {
            return Err((
                Totals::default(),
                anyhow::anyhow!("the log reader's thread panicked"),
            ));
        };
        let (totals, write_error) = match flow {
            Flow::Held(held, stages) => stages.finish_here(held),
            Flow::Started(threads) => threads.finish(),
            Flow::Starting => (
                Totals::default(),
                Some(anyhow::anyhow!("the fetch's threads did not start")),
            ),
        };
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

/// The reading threads' output in the order the reader handed the parts out in. When the
/// queue ends with a part missing (its thread stopped), nothing after it is taken.
fn in_order(rx: &Receiver<Numbered<Read>>) -> impl Iterator<Item = Batch<Read>> + '_ {
    // Parts read before the one next in order, which another thread still reads: as many as
    // one thread reads while the other reads one part (a few, unless that part is huge).
    let mut early = BTreeMap::new();
    let mut next = 0;
    std::iter::from_fn(move || loop {
        if let Some(batch) = early.remove(&next) {
            next += 1;
            return Some(batch);
        }
        let (number, batch) = rx.recv().ok()?;
        early.insert(number, batch);
    })
}

/// Commits each batch of `ordered` with its cursor in one transaction, in order; stops at the
/// first error, returning it with the totals committed before it. Committed parts go back to
/// the reading threads that read them (`spent`, by [`Read::thread`]) to be freed there, when
/// there are such threads.
fn write_batches(
    store: &mut Store,
    ordered: impl Iterator<Item = Batch<Read>>,
    spent: &[Sender<Read>],
    source: &LogSource,
    lease: &Lease<'_>,
    now: DateTime<Utc>,
    writes: Writes<'_>,
) -> (Totals, Option<anyhow::Error>) {
    let Writes { samples, plan } = writes;
    let mut totals = Totals::default();
    // The parts of the batch in progress, read and waiting for its end.
    let mut parts: Vec<Read> = Vec::new();
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
        for read in batch {
            if let Some(thread) = spent.get(read.thread) {
                let _ = thread.send(read);
            }
        }
    }
    (totals, None)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn parts_read_out_of_order_are_taken_in_order_and_a_missing_one_ends_them() {
        let read = |thread| Read {
            thread,
            ..Read::default()
        };
        let (tx, rx) = sync_channel::<Numbered<Read>>(8);
        for number in [1, 0, 3, 2, 5] {
            tx.send((number, (read(number), None))).unwrap();
        }
        drop(tx);
        let taken: Vec<usize> = in_order(&rx).map(|(read, _)| read.thread).collect();
        // part 4 never came: part 5 is not taken
        assert_eq!(taken, [0, 1, 2, 3]);
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
}
