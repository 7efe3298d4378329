//! A reply that is expensive to compute and that many clients ask for (the status of every
//! service): computed on a thread of its own, at most about twice a second however many clients
//! ask and however often `run-due` commits, and never more than a second old.
//!
//! A request is answered with the kept reply while that is younger than [`FRESH_FOR`]; one that
//! finds it older than [`REFRESH_AFTER`] also asks the thread for a new one, without waiting
//! for it. So under a steady stream of requests the reply is renewed before it is a second old
//! and no request waits. A request that finds no reply young enough (the first, or the first
//! after a quiet spell) waits for the first computation that *starts* after it asked, which
//! sees every commit the request could have seen. Writes made through the server (a `PUT` or
//! `POST`) show at once: the reply kept before one is not served after it.
//!
//! Why not a new reply after every commit: `run-due` commits hundreds of times a second, and
//! computing the status of 1,000 services (10–20 ms, 700 KB of JSON) after each kept a core
//! busy and every request waiting (measured: p99 0.4 s at 1,500 requests/s, run-due 1.5×
//! slower). A kept reply is compressed and given its validator once ([`Reply::encoded`]).

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::{Handler, Reply};
use crate::store::Store;

/// How long a kept reply is served.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// From what age a request served the kept reply asks for a new one.
pub const REFRESH_AFTER: Duration = Duration::from_millis(500);

/// How the reply is computed, on a connection kept for it.
pub type Compute = fn(&Handler, &Store) -> Reply;

/// One cached reply and the thread that computes it.
pub struct Cached {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the computing thread.
    asked: Condvar,
    /// Wakes the requests waiting for a computation.
    done: Condvar,
}

/// A computed reply.
struct Kept {
    reply: Reply,
    /// When its computation started.
    at: Instant,
    /// Which computation it is (counted from 1).
    index: u64,
}

#[derive(Default)]
struct State {
    /// The last reply computed (a 200, or the error the computation met).
    kept: Option<Kept>,
    /// Computations started, and finished (their reply in `kept`).
    started: u64,
    finished: u64,
    /// Whether a computation not yet started is asked for.
    wanted: bool,
    /// The first computation whose reply may be served (a write through the server started
    /// later than the ones before it).
    fresh_from: u64,
    /// The server is gone: the thread ends.
    stopping: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Cached {
    /// Starts the thread that computes the reply with `compute` for the handler `handler` will
    /// be (it ends when that is dropped).
    pub fn start(handler: Weak<Handler>, compute: Compute) -> Cached {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            asked: Condvar::new(),
            done: Condvar::new(),
        });
        let thread = Arc::clone(&shared);
        let started = std::thread::Builder::new()
            .name("luffy-serve-status".into())
            .spawn(move || computer(&thread, &handler, compute));
        if started.is_err() {
            // no thread: requests are answered 503 rather than kept waiting
            shared.state().stopping = true;
        }
        Cached { shared }
    }

    /// The reply: the kept one while it is young enough, else a new one.
    pub fn get(&self) -> Reply {
        let mut state = self.shared.state();
        if let Some(kept) = state.kept.as_ref().filter(|k| k.reply.status == 200) {
            let age = kept.at.elapsed();
            if age < FRESH_FOR && kept.index >= state.fresh_from {
                let reply = kept.reply.clone();
                if age >= REFRESH_AFTER && state.started == state.finished && !state.wanted {
                    state.wanted = true;
                    self.shared.asked.notify_one();
                }
                return reply;
            }
        }
        // the first computation that starts from now on sees everything this request could
        let needed = state.started + 1;
        state.wanted = true;
        self.shared.asked.notify_one();
        loop {
            if state.stopping {
                return Reply::error(503, "the server is stopping");
            }
            if state.finished >= needed {
                if let Some(kept) = &state.kept {
                    return kept.reply.clone();
                }
            }
            state = self
                .shared
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A write went through the server: replies computed before now are not served again.
    pub fn invalidate(&self) {
        let mut state = self.shared.state();
        state.fresh_from = state.started + 1;
    }
}

impl Drop for Cached {
    fn drop(&mut self) {
        self.shared.state().stopping = true;
        self.shared.asked.notify_all();
        self.shared.done.notify_all();
    }
}

/// The computing thread: one computation each time requests ask, until the server is gone.
fn computer(shared: &Shared, handler: &Weak<Handler>, compute: Compute) {
    let mut work: Option<Store> = None;
    loop {
        {
            let mut state = shared.state();
            while !state.wanted && !state.stopping {
                state = shared
                    .asked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.stopping {
                return;
            }
            state.wanted = false;
            state.started += 1;
        }
        let Some(handler) = handler.upgrade() else {
            shared.state().stopping = true;
            shared.done.notify_all();
            return;
        };
        let at = Instant::now();
        let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if work.is_none() {
                work = Some(handler.context().open_store_for_reading()?);
            }
            let store = work
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("no connection"))?;
            let reply = compute(&handler, store);
            anyhow::Ok(if reply.status == 200 {
                reply.encoded()
            } else {
                reply
            })
        }));
        drop(handler);
        let reply = match computed {
            Ok(Ok(reply)) => reply,
            Ok(Err(err)) => Reply::error(500, format!("cannot read the database: {err:#}")),
            Err(_) => Reply::error(500, "the request failed inside luffy"),
        };
        let mut state = shared.state();
        let index = state.started;
        state.kept = Some(Kept { reply, at, index });
        state.finished += 1;
        drop(state);
        shared.done.notify_all();
    }
}
