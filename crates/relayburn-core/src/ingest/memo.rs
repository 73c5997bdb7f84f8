//! What a sweep keeps for the next one on the same connection (a watcher, a status line
//! daemon, the dashboard call `ingest()` again and again in one process): the cursors' stamps
//! and the directory listings it read from the ledger (with the cursors of the few files it
//! read, read back). The next sweep then reads nothing from SQLite and only stats the stores.
//!
//! The kept rows are the ledger's as long as nothing has written to it since, which the
//! connection itself tells: `PRAGMA data_version` changes when another connection (another
//! process, or another connection of this one) commits, and the connection's total change
//! count moves when it writes itself. The memo is used only when both equal what they were
//! once the pass that kept it had recorded its run.
//!
//! With the memo the connection carries the sweeps' change queue (`changes`), and the memo
//! says which files a watch covered when they were found unchanged: while the queue names
//! none of them, the next sweep does not stat them either.

use super::changes::{Seen, Tracker};
use super::cursor::Stamps;
use super::discover::SourceFile;
use super::listing::DirCache;
use crate::vocab::Harness;
use rusqlite::Connection;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a connection carries from one sweep to the next.
#[derive(Default)]
pub struct Carried {
    /// The memo of the last sweep, if it can be trusted (see `plan::SweepState`).
    pub memo: Option<SweepMemo>,
    pub changes: Tracker,
}

/// A sweep's files, in order, and which of them a watch covered: watched before they were
/// stat'ed, found unchanged, not links, on a local filesystem, with nothing due later (see
/// `plan`). Only such a file may go without a `stat` while the queue says nothing about it.
#[derive(Default)]
pub struct Coverage {
    paths: Vec<PathBuf>,
    covered: Vec<bool>,
    /// When the `stat` of every file this coverage rests on began.
    taken_at: Option<Instant>,
}

/// A sweep stats every file at least this often, whatever the queue says: the backstop for
/// changes no directory watch reports (a file given a second hard link elsewhere after it was
/// stat'ed, then written through it).
pub const FULL_STAT_EVERY: Duration = Duration::from_secs(60);

impl Coverage {
    pub fn new(files: &[SourceFile], covered: Vec<bool>, taken_at: Instant) -> Coverage {
        Coverage {
            paths: files.iter().map(|f| f.path.clone()).collect(),
            covered,
            taken_at: Some(taken_at),
        }
    }

    /// When the full `stat` this coverage rests on began.
    pub fn taken_at(&self) -> Option<Instant> {
        self.taken_at
    }

    /// Which of `files` to stat, given what the queue saw since this coverage was taken;
    /// `None` (stat every file) unless the files are the same, in the same order.
    pub fn to_stat(&self, files: &[SourceFile], seen: &Seen) -> Option<Vec<bool>> {
        let named = match seen {
            Seen::Quiet => None,
            Seen::Files(named) => Some(named),
            Seen::Everything => return None,
        };
        if self.taken_at.is_none_or(|t| t.elapsed() >= FULL_STAT_EVERY) {
            return None;
        }
        let same = files.len() == self.paths.len()
            && files
                .iter()
                .zip(&self.paths)
                .all(|(f, p)| f.path.as_os_str() == p.as_os_str());
        if !same {
            return None;
        }
        let mut found = 0;
        let to_stat: Vec<bool> = self
            .paths
            .iter()
            .zip(&self.covered)
            .map(|(p, &covered)| {
                let is_named = named.is_some_and(|n| n.contains(p));
                found += usize::from(is_named);
                !covered || is_named
            })
            .collect();
        // A named file the sweep does not know could be anything: stat every file.
        let all_known = named.is_none_or(|n| n.len() == found);
        all_known.then_some(to_stat)
    }

    /// Marks `paths` as not covered (the files a pass read: their next `stat` is compared
    /// with the cursor that pass wrote).
    pub fn uncover(&mut self, paths: &[String]) {
        if paths.is_empty() {
            return;
        }
        let read: rustc_hash::FxHashSet<&str> = paths.iter().map(String::as_str).collect();
        for (p, c) in self.paths.iter().zip(self.covered.iter_mut()) {
            if p.to_str().is_none_or(|p| read.contains(p)) {
                *c = false;
            }
        }
    }

    pub fn covered(&self) -> &[bool] {
        &self.covered
    }
}

/// The state a sweep read from the ledger, and when. A sweep keeps it only when no other
/// connection committed while it ran (its rows may predate such a commit).
pub struct SweepMemo {
    mark: Mark,
    /// The harnesses whose stamps `stamps` holds.
    harnesses: Vec<Harness>,
    stamps: Stamps,
    listings: DirCache,
    coverage: Coverage,
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
    pub fn new(
        mark: Mark,
        harnesses: Vec<Harness>,
        stamps: Stamps,
        listings: DirCache,
        coverage: Coverage,
    ) -> Self {
        SweepMemo {
            mark,
            harnesses,
            stamps,
            listings,
            coverage,
        }
    }

    /// The stamps, listings and coverage, when nothing has written to the ledger since the
    /// memo was kept and it covers the same harnesses; else `None` (read them again).
    pub fn still_current(
        self,
        conn: &Connection,
        harnesses: &[Harness],
    ) -> rusqlite::Result<Option<(Stamps, DirCache, Coverage)>> {
        let current = self.harnesses == harnesses && Mark::of(conn)? == self.mark;
        Ok(current.then_some((self.stamps, self.listings, self.coverage)))
    }

    #[cfg(test)]
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }
}
