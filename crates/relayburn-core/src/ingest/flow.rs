//! How much read data may wait between the parse threads and the writer: a budget of source
//! bytes rather than a count of batches. Batches range from a few hundred bytes (one OpenCode
//! message) to 8 MB, so a count either starves the writer's queue while it commits (the
//! parsers block after a few small batches and the writer then waits for them) or, made large,
//! lets big batches pile up in memory.
//!
//! The writer is the pass's bottleneck, so the parse threads run below it: with the scheduler
//! sharing two cores fairly between three busy threads, the writer got 60–79 % of one while
//! the parse threads ran and had about 0.5 s of its 1.3 s left after the last batch, with one
//! core idle (bench/RESULTS.md). Below it, the parse threads take what the writer leaves, and the
//! writer settles its upkeep when it would wait for them (`Upkeep::settle_while_idle`).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How many nice levels a parse thread runs below the thread that started the pass. Nice
/// values also weigh the parse threads against other programs in the same scheduling group
/// (the same terminal session, with autogroups): with two busy processes there, a cold ingest
/// took 3.2 s at 0, 3.1–3.5 s at 3 and 4, and 4.2 s at 5; alone, 3 is within 2 % of 5
/// (bench/RESULTS.md).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const PARSE_NICE: i32 = 3;

/// Lowers the calling thread (a parse thread) [`PARSE_NICE`] levels below where it runs now.
/// Linux keeps a nice value per thread; elsewhere it changes nothing (the parse threads then
/// share the cores with the writer as equals). Best effort: a refusal leaves it as it was.
pub fn parse_below_writer() {
    #[cfg(target_os = "linux")]
    // SAFETY: `nice` only changes the calling thread's scheduling priority (Linux and NPTL
    // keep it per thread), and a lower priority is always allowed.
    unsafe {
        libc::nice(PARSE_NICE);
    }
}

pub struct Budget {
    max: u64,
    state: Mutex<BudgetState>,
    freed: Condvar,
}

#[derive(Default)]
struct BudgetState {
    in_flight: u64,
    closed: bool,
    /// Parsers waiting in `take`: only then does the writer wake anyone (a condvar's notify is
    /// a system call even when nobody waits, and the writer takes thousands of batches).
    waiting: usize,
}

impl Budget {
    pub fn new(max: u64) -> Budget {
        Budget {
            max,
            state: Mutex::new(BudgetState::default()),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `n` more bytes fit (a batch always fits when nothing is in flight) and
    /// counts them; false once the writer has stopped taking batches.
    pub fn take(&self, n: u64) -> bool {
        let mut s = self.lock();
        while !s.closed && s.in_flight > 0 && s.in_flight + n > self.max {
            s.waiting += 1;
            s = self.freed.wait(s).unwrap_or_else(PoisonError::into_inner);
            s.waiting -= 1;
        }
        if s.closed {
            return false;
        }
        s.in_flight += n;
        true
    }

    /// The writer has taken a batch of `n` bytes off the queue.
    pub fn give(&self, n: u64) {
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(n);
        if s.waiting > 0 {
            self.freed.notify_all();
        }
    }

    /// The writer takes no more batches: every waiting and later `take` returns false.
    pub fn close(&self) {
        self.lock().closed = true;
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parse thread runs below the thread that started the pass, and only it does.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_parse_thread_runs_below_the_writer() {
        // SAFETY: reads the calling thread's nice value (0 as `who`: this thread, on Linux).
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS as _, 0) };
        let writer = nice();
        let parser = std::thread::spawn(move || {
            parse_below_writer();
            nice()
        })
        .join()
        .unwrap();
        assert_eq!(parser, (writer + PARSE_NICE).min(19));
        assert_eq!(
            nice(),
            writer,
            "the calling thread of the pass keeps its priority"
        );
    }

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
