//! How much read data may wait between the parse threads and the writer: a budget of source
//! bytes rather than a count of batches. Batches range from a few hundred bytes (one OpenCode
//! message) to 8 MB, so a count either starves the writer's queue while it commits (the
//! parsers block after a few small batches and the writer then waits for them) or, made large,
//! lets big batches pile up in memory.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

pub struct Budget {
    max: u64,
    /// (bytes in flight, closed)
    state: Mutex<(u64, bool)>,
    freed: Condvar,
}

impl Budget {
    pub fn new(max: u64) -> Budget {
        Budget {
            max,
            state: Mutex::new((0, false)),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (u64, bool)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `n` more bytes fit (a batch always fits when nothing is in flight) and
    /// counts them; false once the writer has stopped taking batches.
    pub fn take(&self, n: u64) -> bool {
        let mut s = self.lock();
        while !s.1 && s.0 > 0 && s.0 + n > self.max {
            s = self.freed.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        if s.1 {
            return false;
        }
        s.0 += n;
        true
    }

    /// The writer has taken a batch of `n` bytes off the queue.
    pub fn give(&self, n: u64) {
        let mut s = self.lock();
        s.0 = s.0.saturating_sub(n);
        self.freed.notify_all();
    }

    /// The writer takes no more batches: every waiting and later `take` returns false.
    pub fn close(&self) {
        self.lock().1 = true;
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_budget_waits_for_the_writer_and_closing_releases_it() {
        let budget = Budget::new(10);
        assert!(budget.take(8));
        // A batch larger than the whole budget still goes when nothing else is in flight.
        let big = Budget::new(10);
        assert!(big.take(50));
        std::thread::scope(|s| {
            let waiter = s.spawn(|| budget.take(5));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waiter.is_finished(), "8 + 5 bytes exceed the budget of 10");
            budget.give(8);
            assert!(waiter.join().unwrap());
        });
        std::thread::scope(|s| {
            assert!(budget.take(5));
            let waiter = s.spawn(|| budget.take(5));
            std::thread::sleep(std::time::Duration::from_millis(50));
            budget.close();
            assert!(!waiter.join().unwrap());
        });
        assert!(!budget.take(1));
    }
}
