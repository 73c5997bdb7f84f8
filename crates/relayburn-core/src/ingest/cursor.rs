//! Per-file ingest cursors: identity (device, inode, head hash), size, mtime, byte offset and
//! the reader state needed to resume without re-reading the ingested prefix.

use rusqlite::{params, Connection, OptionalExtension};

/// Bytes at the start of a file hashed to notice a file rewritten in place.
pub const HEAD_BYTES: u64 = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub path: String,
    pub harness: String,
    pub dev: i64,
    pub ino: i64,
    pub head_len: i64,
    pub head_hash: i64,
    pub size: i64,
    pub mtime_ms: i64,
    pub offset: i64,
    /// Responses still open in `state` (they may need flushing once the file is idle).
    pub pending: i64,
    /// Reader state as JSON.
    pub state: String,
}

/// What planning compares with a file's `stat`: a cursor without its reader state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub dev: i64,
    pub ino: i64,
    pub size: i64,
    pub mtime_ms: i64,
    pub offset: i64,
    pub pending: i64,
}

impl Cursor {
    pub fn stamp(&self) -> Stamp {
        Stamp {
            dev: self.dev,
            ino: self.ino,
            size: self.size,
            mtime_ms: self.mtime_ms,
            offset: self.offset,
            pending: self.pending,
        }
    }
}

/// Cursor stamps by path. Keyed by the path itself, as the `cursors` table is: a key derived
/// from it (a hash) could make two files share one stamp, and one of them would then be
/// skipped as unchanged.
pub type Stamps = rustc_hash::FxHashMap<Box<str>, Stamp>;

/// The stamps of one harness's cursors, added to `into` (a sweep compares every file with
/// these; only the files that changed load their whole cursor).
pub fn load_stamps(conn: &Connection, harness: &str, into: &mut Stamps) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT path, dev, ino, size, mtime_ms, offset, pending FROM cursors WHERE harness = ?1",
    )?;
    let mut rows = stmt.query([harness])?;
    while let Some(r) = rows.next()? {
        let stamp = Stamp {
            dev: r.get(1)?,
            ino: r.get(2)?,
            size: r.get(3)?,
            mtime_ms: r.get(4)?,
            offset: r.get(5)?,
            pending: r.get(6)?,
        };
        into.insert(r.get_ref(0)?.as_str()?.into(), stamp);
    }
    Ok(())
}

/// The cursor of one file, if any.
pub fn load(conn: &Connection, path: &str) -> rusqlite::Result<Option<Cursor>> {
    conn.prepare_cached(
        "SELECT path, harness, dev, ino, head_len, head_hash, size, mtime_ms, offset, pending, state
         FROM cursors WHERE path = ?1",
    )?
    .query_row([path], row_to_cursor)
    .optional()
}

fn row_to_cursor(r: &rusqlite::Row<'_>) -> rusqlite::Result<Cursor> {
    Ok(Cursor {
        path: r.get(0)?,
        harness: r.get(1)?,
        dev: r.get(2)?,
        ino: r.get(3)?,
        head_len: r.get(4)?,
        head_hash: r.get(5)?,
        size: r.get(6)?,
        mtime_ms: r.get(7)?,
        offset: r.get(8)?,
        pending: r.get(9)?,
        state: r.get(10)?,
    })
}

/// Stores a cursor. A cursor never moves backwards on the same file: a slower concurrent
/// ingester cannot undo a faster one's progress.
pub fn save(conn: &Connection, c: &Cursor) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO cursors (path, harness, dev, ino, head_len, head_hash, size, mtime_ms, offset, pending, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (path) DO UPDATE SET
            harness = excluded.harness, dev = excluded.dev, ino = excluded.ino,
            head_len = excluded.head_len, head_hash = excluded.head_hash, size = excluded.size,
            mtime_ms = excluded.mtime_ms, offset = excluded.offset, pending = excluded.pending,
            state = excluded.state
         WHERE excluded.offset >= cursors.offset OR excluded.ino != cursors.ino
            OR excluded.dev != cursors.dev OR excluded.head_hash != cursors.head_hash",
    )?
    .execute(params![
        c.path, c.harness, c.dev, c.ino, c.head_len, c.head_hash, c.size, c.mtime_ms, c.offset, c.pending,
        c.state
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(path: &str, size: i64) -> Cursor {
        Cursor {
            path: path.into(),
            harness: "claude-code".into(),
            dev: 0,
            ino: 0,
            head_len: 0,
            head_hash: 0,
            size,
            mtime_ms: 1,
            offset: size,
            pending: 0,
            state: "{}".into(),
        }
    }

    /// Each path keeps its own stamp, found only by that exact path: files with equal device
    /// and inode (0 where the platform has none) cannot share or borrow one.
    #[test]
    fn stamps_are_keyed_by_the_exact_path() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::ledger::Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        let paths = ["/s/a.jsonl", "/s/b.jsonl", "/s/a.jsonl ", "/S/a.jsonl"];
        for (i, p) in paths.iter().enumerate() {
            save(conn, &cursor(p, 10 + i as i64)).unwrap();
        }
        let mut stamps = Stamps::default();
        load_stamps(conn, "claude-code", &mut stamps).unwrap();
        assert_eq!(stamps.len(), paths.len());
        for (i, p) in paths.iter().enumerate() {
            assert_eq!(stamps.get(*p).map(|s| s.size), Some(10 + i as i64), "{p}");
        }
        assert!(!stamps.contains_key("/s/c.jsonl"));
        assert!(!stamps.contains_key("/s/a.json"));
    }
}
