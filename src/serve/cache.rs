//! A reply that is expensive to compute and that many clients ask for (the status of every
//! service), computed once per state of the database and second of the clock, never stale:
//! a request is answered with a reply computed after the last commit it could have seen
//! (SQLite's `data_version`, read on a connection kept for it) in the same second, else with
//! one computed for it. Requests that arrive while one is being computed wait for it rather
//! than compute it again, so the server computes it at most once at a time, whatever the
//! number of clients, and leaves the other core to `run-due`.

use std::sync::{Condvar, Mutex, PoisonError};

use anyhow::Result;

use super::{Handler, Reply};
use crate::store::Store;

/// The state of the database and the clock a reply was computed for.
type Key = (i64, i64);

/// One cached reply and its computation.
#[derive(Default)]
pub struct Cached {
    /// The connection that reads `data_version`: it never writes, so its number moves with
    /// every other connection's commit.
    watch: Mutex<Option<Store>>,
    /// The connection the reply is computed on, kept open between computations.
    work: Mutex<Option<Store>>,
    state: Mutex<State>,
    done: Condvar,
}

#[derive(Default)]
struct State {
    reply: Option<(Key, Reply)>,
    /// The key being computed, when one is.
    computing: Option<Key>,
}

impl Cached {
    /// The reply for the database as it is now: the cached one when nothing was committed
    /// since it was computed (in this second of the clock), else `compute`'s on a kept
    /// connection. Only a 200 is kept.
    pub fn get(&self, handler: &Handler, compute: impl FnOnce(&Store) -> Reply) -> Reply {
        let key = match self.key(handler) {
            Ok(key) => key,
            Err(err) => return Reply::error(500, format!("cannot read the database: {err:#}")),
        };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some((at, reply)) = &state.reply {
                if at.0 >= key.0 && at.1 >= key.1 {
                    return reply.clone();
                }
            }
            if state.computing.is_none() {
                break;
            }
            state = self
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.computing = Some(key);
        drop(state);
        // a computation that panics (the server answers 500) must not leave the others waiting
        let computing = Computing(self);
        let reply = self.compute(handler, compute);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if reply.status == 200 {
            state.reply = Some((key, reply.clone()));
        }
        // the reply is in place before the waiters wake
        drop(state);
        drop(computing);
        reply
    }

    fn key(&self, handler: &Handler) -> Result<Key> {
        let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
        if watch.is_none() {
            *watch = Some(handler.context().open_store_for_reading()?);
        }
        let version = watch.as_ref().map_or(Ok(0), Store::data_version)?;
        Ok((version, handler.now().timestamp()))
    }

    fn compute(&self, handler: &Handler, compute: impl FnOnce(&Store) -> Reply) -> Reply {
        let mut work = self.work.lock().unwrap_or_else(PoisonError::into_inner);
        if work.is_none() {
            match handler.context().open_store_for_reading() {
                Ok(store) => *work = Some(store),
                Err(err) => return Reply::error(500, format!("{err:#}")),
            }
        }
        match work.as_ref() {
            Some(store) => compute(store),
            None => Reply::error(500, "no connection to the database"),
        }
    }
}

/// Ends a computation when dropped, normally or by a panic: no longer computing, waiters woken.
struct Computing<'a>(&'a Cached);

impl Drop for Computing<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.computing = None;
        self.0.done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_computation_that_panics_leaves_no_one_waiting() {
        let cached = Cached::default();
        cached.state.lock().unwrap().computing = Some((1, 1));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _computing = Computing(&cached);
            panic!("inside a computation");
        }));
        assert!(panicked.is_err());
        let state = cached.state.lock().unwrap();
        assert!(state.computing.is_none());
    }
}
