//! The write transactions of one process to one database file, taken in turn.
//!
//! SQLite lets one connection write at a time; a connection refused as busy sleeps and tries
//! again, waiting a little longer each time (1, 2, 5, 10 ms and on). Between the threads of
//! one process (`run-due`'s services, a fetch's writer beside a server's requests) that
//! polling wastes the time between a commit and the next waiter's wake-up, and more of it the
//! busier the machine is: the holder, preempted, holds longer, and the waiters back off
//! further. So each process queues its own writers on a [`Gate`] per file, handed on the
//! moment a transaction ends; SQLite's own waiting is left for the writers of other processes.
//!
//! A writer that waits longer than SQLite's busy timeout for the gate goes on without it, to
//! SQLite's waiting as before: a thread that writes through a second connection while it holds
//! the first's transaction meets SQLite's timeout, never a deadlock.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The turn of the writers of one file in this process.
#[derive(Default)]
pub(super) struct Gate {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// A writer's turn; the next writer's begins when it is dropped.
pub(super) struct Turn<'g> {
    gate: &'g Gate,
}

impl Gate {
    fn taken(&self) -> MutexGuard<'_, bool> {
        self.taken.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the writers before this one, for up to `patience`; `None` when it ran out.
    pub(super) fn enter(&self, patience: Duration) -> Option<Turn<'_>> {
        let deadline = Instant::now() + patience;
        let mut taken = self.taken();
        while *taken {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            taken = self
                .freed
                .wait_timeout(taken, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *taken = true;
        Some(Turn { gate: self })
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *self.gate.taken() = false;
        self.gate.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn one_writer_at_a_time_and_the_next_goes_on_when_one_leaves() {
        let gate = Gate::default();
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..200 {
                        let turn = gate.enter(Duration::from_secs(10)).expect("a turn");
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(turn);
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_writer_that_waits_too_long_goes_on_without_a_turn() {
        let gate = Gate::default();
        let held = gate
            .enter(Duration::ZERO)
            .expect("a free gate is entered at once");
        let start = Instant::now();
        assert!(gate.enter(Duration::from_millis(50)).is_none());
        assert!(start.elapsed() >= Duration::from_millis(50));
        drop(held);
        assert!(gate.enter(Duration::ZERO).is_some());
    }
}
