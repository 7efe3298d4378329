//! A fetch's threads: a reader hands kept records on in parts of batches ([`Sink`]), reading
//! threads read and group them, and a writer commits each batch with its cursor in one
//! transaction, in order, while the reader goes on.
//!
//! The reading threads and the writer start only once a fetch has more to read than
//! [`HELD_PARTS`] parts. A smaller fetch (most incremental fetches are: the records written
//! since the last one) is read and committed on the caller's thread once its reader is done:
//! five threads started, handed work and joined would cost it more than its records do, and
//! each hand-over waits for a core when the machine is busy (a server answering beside
//! `run-due`).

use std::cell::{Cell, RefCell};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
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

/// Parts of batches that may wait between two threads of a fetch: deep enough that a stage
/// slowed for a moment does not stall the others at once; at most some 16 MiB of text.
const QUEUED_PARTS: usize = 64;

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

/// Where a reader sends its batches: held until there are more than [`HELD_PARTS`], then to
/// the reading threads, whose output a writer thread commits in order, each batch with its
/// cursor in one transaction, while the reader goes on reading.
pub(super) struct Sink<'scope, 'env> {
    flow: RefCell<Flow<'scope, 'env>>,
    /// The reading thread the next part goes to.
    next: Cell<usize>,
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
        let turn = self.next.get();
        self.next.set((turn + 1) % threads.txs.len());
        threads.txs[turn]
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
    store: &'env mut Store,
    source: &'env LogSource,
    lease: &'env Lease<'env>,
    rules: &'env Rules,
    now: DateTime<Utc>,
    writes: Writes<'env>,
}

/// A fetch's started threads: where parts go, and what to wait for.
struct Threads<'scope> {
    txs: Vec<SyncSender<Batch<Pending>>>,
    reading: Vec<ScopedJoinHandle<'scope, ()>>,
    writer: ScopedJoinHandle<'scope, (Totals, Option<anyhow::Error>)>,
}

impl<'scope> Stages<'scope, '_> {
    /// Starts [`READING_THREADS`] reading threads and the writer.
    fn start(self) -> Threads<'scope> {
        let Stages {
            scope,
            store,
            source,
            lease,
            rules,
            now,
            writes,
        } = self;
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
                        let ordered = in_turn(&read_rxs);
                        write_batches(store, ordered, Some(&spent), source, lease, now, writes)
                    })
                })
                .and_then(|written| written)
                .unwrap_or_else(|err| (Totals::default(), Some(err)))
        });
        Threads {
            txs,
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
                write_batches(store, ordered, None, source, lease, now, writes)
            })
            .unwrap_or_else(|err| (Totals::default(), Some(err)))
    }
}

impl Threads<'_> {
    /// Waits for the threads, once the reader has ended (with `read_result`).
    fn finish(self) -> (Totals, Option<anyhow::Error>) {
        let Threads {
            txs,
            reading,
            writer,
        } = self;
        drop(txs);
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
        let stages = Stages {
            scope,
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

/// The reading threads' output, taken in the turn the reader handed parts out in; the first
/// queue that ends ends them all (nothing was handed out after it).
fn in_turn(rxs: &[Receiver<Batch<Read>>]) -> impl Iterator<Item = Batch<Read>> + '_ {
    (0..rxs.len())
        .cycle()
        .map_while(|turn| rxs[turn].recv().ok())
}

/// Commits each batch of `ordered` with its cursor in one transaction, in order; stops at the
/// first error, returning it with the totals committed before it. Committed batches go to
/// `spent` to be freed, when there is such a thread.
fn write_batches(
    store: &mut Store,
    ordered: impl Iterator<Item = Batch<Read>>,
    spent: Option<&std::sync::mpsc::Sender<Vec<Read>>>,
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
        if let Some(spent) = spent {
            let _ = spent.send(batch);
        }
    }
    (totals, None)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

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
