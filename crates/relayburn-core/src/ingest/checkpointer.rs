//! Copies a large ingest's WAL back into the ledger file on a helper thread. Left to the
//! writer's connection (`wal_autocheckpoint`), every commit that finds the WAL past its limit
//! copies tens of megabytes and waits for their `fsync` before the writer takes its next batch:
//! about 7 % of the writer thread (4.2 % of a cold ingest's samples, the writer 59 %), the
//! critical path of a cold ingest. A second connection
//! checkpoints instead, after each commit the writer reports, while the writer goes on.
//!
//! A `PASSIVE` checkpoint never waits for the writer or for readers and copies only committed
//! frames, so it cannot change what any connection sees. The writer restarts the WAL from its
//! beginning only when its next transaction finds every frame copied, which a writer that
//! begins right after each commit never does while the helper copies: the WAL would grow for
//! the whole pass. So once it holds [`WAL_LIMIT_FRAMES`], the writer waits for the copy under
//! way before its next transaction, which then restarts the WAL.
//!
//! While the parse threads still have files to take, both cores are busy and a copy takes
//! its CPU from the writer, the pass's critical path. So the copy waits until they have taken
//! every file, when the writer works alone with a core idle (the last batches, the deferred
//! index builds), unless the WAL has grown past [`DEFER_WAL_BYTES`] first
//! ([`Checkpointer::committed`]).

use crate::files::wal_of;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::Scope;

/// WAL frames (pages) past which the writer lets the helper catch up (256 MB of a new
/// ledger's 8 KB pages, 128 MB of an older one's 4 KB).
/// The ledger's `journal_size_limit` cuts the file back afterwards (`ledger::open_connection`).
pub const WAL_LIMIT_FRAMES: i64 = 32 * 1024;

/// WAL bytes up to which copies wait while the parse threads have files left: half of
/// [`WAL_LIMIT_FRAMES`] of a new ledger's pages (128 MB). The WAL file holds the frames written
/// since it last started over (it is cut back to `journal_size_limit`, 64 MB, when it does),
/// so its length bounds what a later copy has to do.
pub const DEFER_WAL_BYTES: u64 = (WAL_LIMIT_FRAMES * crate::ledger::PAGE_SIZE / 2) as u64;

#[derive(Default)]
struct State {
    /// Commits reported, and the number of them the last finished checkpoint covered.
    requested: u64,
    done: u64,
    /// Frames in the WAL at the last checkpoint.
    wal_frames: i64,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// [`WAL_LIMIT_FRAMES`], smaller in tests.
    limit: i64,
    /// [`DEFER_WAL_BYTES`], smaller in tests.
    defer_bytes: u64,
    /// Before each checkpoint (tests: a slow copy, so the writer's wait is what they see).
    pause: std::time::Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, s: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(s).unwrap_or_else(PoisonError::into_inner)
    }
}

pub struct Checkpointer<'scope> {
    shared: &'scope Shared,
    /// The ledger's WAL file.
    wal: PathBuf,
}

/// What the helper and the writer share; lives as long as the thread scope.
pub struct Helper(Shared);

impl Default for Helper {
    fn default() -> Self {
        Helper::with_limits(WAL_LIMIT_FRAMES, DEFER_WAL_BYTES, std::time::Duration::ZERO)
    }
}

impl Helper {
    fn with_limits(limit: i64, defer_bytes: u64, pause: std::time::Duration) -> Helper {
        Helper(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            limit,
            defer_bytes,
            pause,
        })
    }

    /// The helper's connection to the ledger at `path`; `None` when it cannot be opened (the
    /// writer's connection then keeps checkpointing itself).
    pub fn connect(path: &Path) -> Option<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Connection::open_with_flags(path, flags).ok()
    }

    /// Starts the helper on `conn`. It ends when the `Checkpointer` is dropped, after the
    /// checkpoint it may be running.
    pub fn spawn<'scope>(
        &'scope self,
        scope: &'scope Scope<'scope, '_>,
        conn: Connection,
    ) -> Checkpointer<'scope> {
        let shared = &self.0;
        let wal = wal_of(Path::new(conn.path().unwrap_or_default()));
        scope.spawn(move || loop {
            let mut s = shared.lock();
            while s.requested == s.done && !s.closed {
                s = shared.wait(s);
            }
            if s.requested == s.done {
                return;
            }
            // Commits reported while this checkpoint runs are covered by the next one.
            let target = s.requested;
            drop(s);
            std::thread::sleep(shared.pause);
            // Best effort: what is not copied now is copied by the next one, or by the
            // writer's checkpoint at the end of the pass.
            let frames = conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
                .unwrap_or(0);
            let mut s = shared.lock();
            s.done = target;
            s.wal_frames = frames;
            shared.changed.notify_all();
        });
        Checkpointer { shared, wal }
    }
}

impl Checkpointer<'_> {
    /// The writer committed: copy what it wrote, unless `parsing` (the parse threads have
    /// files left to take) and the WAL is still short of [`DEFER_WAL_BYTES`]. A commit not
    /// copied now is copied by the next copy asked for (a copy takes every committed frame),
    /// or by the writer's checkpoint at the end of the pass.
    pub fn committed(&self, parsing: bool) {
        if parsing {
            // A WAL whose length cannot be read is copied at once, as before.
            let wal_bytes = std::fs::metadata(&self.wal).map_or(u64::MAX, |m| m.len());
            if wal_bytes < self.shared.defer_bytes {
                return;
            }
        }
        let mut s = self.shared.lock();
        s.requested += 1;
        self.shared.changed.notify_all();
    }

    /// Before the writer's next transaction: when the WAL has grown past
    /// [`WAL_LIMIT_FRAMES`], waits for the checkpoints asked for so far, so that the
    /// transaction starts the WAL over.
    pub fn before_transaction(&self) {
        let mut s = self.shared.lock();
        if s.wal_frames < self.shared.limit {
            return;
        }
        while s.done < s.requested {
            s = self.shared.wait(s);
        }
        s.wal_frames = 0;
    }
}

impl Drop for Checkpointer<'_> {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ledger whose connection, like an ingest's, leaves checkpoints to the helper, with a
    /// table to fill.
    fn writer_ledger(home: &Path) -> crate::ledger::Ledger {
        let ledger = crate::ledger::Ledger::open(home).unwrap();
        let conn = ledger.conn().unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        ledger
    }

    #[test]
    fn the_helper_copies_what_the_writer_committed_into_the_ledger_file() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = writer_ledger(dir.path());
        let conn = ledger.conn().unwrap();
        let size = || std::fs::metadata(ledger.path()).unwrap().len();
        let before = size();
        let shared = Helper::default();
        std::thread::scope(|s| {
            let own = Helper::connect(ledger.path()).expect("opens");
            let helper = shared.spawn(s, own);
            conn.execute("INSERT INTO t VALUES (zeroblob(100000))", [])
                .unwrap();
            assert_eq!(size(), before, "committed to the WAL only");
            helper.committed(false);
            // Dropped: the helper ends after the checkpoint it was woken for.
        });
        assert!(size() >= before + 100_000, "{before} → {}", size());
    }

    /// While the parse threads have files left, a commit is copied only once the WAL has grown
    /// past the bound; once they have taken every file, each commit is copied.
    #[test]
    fn copies_wait_while_parsing_until_the_wal_grows() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = writer_ledger(dir.path());
        let conn = ledger.conn().unwrap();
        // The schema's pages copied and the WAL emptied: it holds only what the test writes.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        let size = || std::fs::metadata(ledger.path()).unwrap().len();
        let before = size();
        let shared = Helper::with_limits(WAL_LIMIT_FRAMES, 250_000, std::time::Duration::ZERO);
        let asked = || shared.0.lock().requested;
        let wait_done = |n: u64| {
            let mut s = shared.0.lock();
            while s.done < n {
                s = shared.0.wait(s);
            }
        };
        let blob = || {
            conn.execute("INSERT INTO t VALUES (zeroblob(100000))", [])
                .unwrap();
        };
        std::thread::scope(|s| {
            let helper = shared.spawn(s, Helper::connect(ledger.path()).expect("opens"));
            blob();
            helper.committed(true);
            assert_eq!(asked(), 0, "a short WAL waits while parsing");
            blob();
            blob();
            helper.committed(true);
            assert_eq!(asked(), 1, "past the bound: copied while parsing");
            wait_done(1);
            // All three blobs: the copy takes the deferred commit too.
            assert!(size() >= before + 250_000, "{before} → {}", size());
            // Parsing over: the next commit is copied however short the WAL.
            helper.committed(false);
            assert_eq!(asked(), 2);
        });
    }

    /// Frames in the WAL since it last started over.
    fn wal_frames(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .unwrap()
    }

    #[test]
    fn past_its_limit_the_wal_starts_over_at_the_writers_next_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = writer_ledger(dir.path());
        let conn = ledger.conn().unwrap();
        // Each checkpoint starts 50 ms after it is asked for: a copy still under way.
        let shared = Helper::with_limits(10, DEFER_WAL_BYTES, std::time::Duration::from_millis(50));
        std::thread::scope(|s| {
            let helper = shared.spawn(s, Helper::connect(ledger.path()).expect("opens"));
            let big = || {
                conn.execute("INSERT INTO t VALUES (zeroblob(100000))", [])
                    .unwrap();
                helper.committed(false);
            };
            // The first checkpoint finds 25+ frames: past the limit of 10.
            big();
            while shared.0.lock().done < 1 {
                std::thread::yield_now();
            }
            // A commit whose copy has not started: the next transaction waits for it, and
            // finding every frame copied, starts the WAL over.
            big();
            helper.before_transaction();
            conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
            assert!(wal_frames(conn) < 10, "the WAL started over");
        });
    }
}
