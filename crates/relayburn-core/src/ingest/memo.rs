//! What a sweep that changed nothing keeps for the next one on the same connection (a watcher,
//! a status line daemon, the dashboard call `ingest()` again and again in one process): the
//! cursors' stamps and the directory listings it read from the ledger. The next sweep then
//! reads nothing from SQLite and only stats the stores.
//!
//! The kept rows are the ledger's as long as nothing has written to it since, which the
//! connection itself tells: `PRAGMA data_version` changes when another connection (another
//! process, or another connection of this one) commits, and the connection's total change
//! count moves when it writes itself. The memo is used only when both equal what they were
//! once the pass that kept it had recorded its run.

use super::cursor::Stamps;
use super::listing::DirCache;
use crate::vocab::Harness;
use rusqlite::Connection;

/// The state a no-change sweep read from the ledger, and when. A sweep keeps it only when no
/// other connection committed while it ran (its rows may predate such a commit).
pub struct SweepMemo {
    mark: Mark,
    /// The harnesses whose stamps `stamps` holds.
    harnesses: Vec<Harness>,
    stamps: Stamps,
    listings: DirCache,
}

/// What the ledger looked like to a connection: others' commits and its own changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    data_version: i64,
    own_changes: u64,
}

impl Mark {
    pub fn of(conn: &Connection) -> rusqlite::Result<Mark> {
        let data_version = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(Mark {
            data_version,
            own_changes: conn.total_changes(),
        })
    }

    /// True when another connection committed between `earlier` and this mark.
    pub fn others_wrote_since(&self, earlier: &Mark) -> bool {
        self.data_version != earlier.data_version
    }
}

impl SweepMemo {
    /// A memo of a sweep over `harnesses`, as of `mark` (taken after its last write, and
    /// showing no other connection's commit since the rows were read).
    pub fn new(mark: Mark, harnesses: Vec<Harness>, stamps: Stamps, listings: DirCache) -> Self {
        SweepMemo {
            mark,
            harnesses,
            stamps,
            listings,
        }
    }

    /// The stamps and listings, when nothing has written to the ledger since the memo was
    /// kept and it covers the same harnesses; else `None` (read them again).
    pub fn still_current(
        self,
        conn: &Connection,
        harnesses: &[Harness],
    ) -> rusqlite::Result<Option<(Stamps, DirCache)>> {
        let current = self.harnesses == harnesses && Mark::of(conn)? == self.mark;
        Ok(current.then_some((self.stamps, self.listings)))
    }
}
