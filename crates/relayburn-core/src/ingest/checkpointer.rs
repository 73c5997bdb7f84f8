//! Copies a large ingest's WAL back into the ledger file on a helper thread. Left to the
//! writer's connection (`wal_autocheckpoint`), every commit that finds the WAL past its limit
//! copies tens of megabytes and waits for their `fsync` before the writer takes its next batch:
//! about 8 % of the writer thread, the critical path of a cold ingest. A second connection
//! checkpoints instead, after each commit the writer reports, while the writer goes on.
//!
//! A `PASSIVE` checkpoint never waits for the writer or for readers and copies only committed
//! frames, so it cannot change what any connection sees; the writer restarts the WAL from its
//! beginning when its next transaction finds every frame copied, as it would after its own.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc;
use std::thread::Scope;

pub struct Checkpointer {
    /// Holds at most one request: commits reported while a checkpoint runs are folded into the
    /// next one, which copies their frames too.
    wake: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// The helper's connection to the ledger at `path`; `None` when it cannot be opened (the
    /// writer's connection then keeps checkpointing itself).
    pub fn connect(path: &Path) -> Option<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Connection::open_with_flags(path, flags).ok()
    }

    /// Starts the helper on `conn`. It ends when the `Checkpointer` is dropped, after the
    /// checkpoint it may be running.
    pub fn spawn<'scope>(scope: &'scope Scope<'scope, '_>, conn: Connection) -> Checkpointer {
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        scope.spawn(move || {
            for () in woken {
                // Best effort: what is not copied now is copied by the next one, or by the
                // writer's checkpoint at the end of the pass.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        });
        Checkpointer { wake }
    }

    /// The writer committed: copy what it wrote.
    pub fn committed(&self) {
        let _ = self.wake.try_send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_copies_what_the_writer_committed_into_the_ledger_file() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::ledger::Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let size = || std::fs::metadata(ledger.path()).unwrap().len();
        let before = size();
        std::thread::scope(|s| {
            let own = Checkpointer::connect(ledger.path()).expect("opens");
            let helper = Checkpointer::spawn(s, own);
            conn.execute("INSERT INTO t VALUES (zeroblob(100000))", [])
                .unwrap();
            assert_eq!(size(), before, "committed to the WAL only");
            helper.committed();
            // Dropped: the helper ends after the checkpoint it was woken for.
        });
        assert!(size() >= before + 100_000, "{before} → {}", size());
    }
}
