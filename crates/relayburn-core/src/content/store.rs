//! `content.sqlite`: the blocks each write added to a session, one row per (session, write) —
//! a chunk ([`super::chunk`]) — folded in write order when read. A row per block made a `full`
//! cold ingest's content writer insert 300,000 rows with two indexes each; a chunk per batch
//! and session is about one row per log file (bench/RESULTS.md). A separate file from the ledger: big
//! blobs and retention deletes never touch the analytics tables.
//!
//! Re-reading rows (after a crash, or a file read again from the start) adds nothing: before
//! writing to a session that was already stored when the pass began, the writer folds what is
//! stored and writes only the entries that change it ([`Known`]). Sessions new in the pass are
//! written as read. Two processes writing one new session at once may both store its blocks;
//! the fold reads them as one.
//!
//! Commit order with the ledger: ingest commits a window's content rows just before the ledger
//! transaction that moves the cursors past them. A crash between the two leaves content ahead
//! of the cursor; the next pass re-reads those rows and finds them stored (nothing lost,
//! nothing doubled). `secure_delete` is on, so pruned text is overwritten, not just unlinked.

use super::chunk::{self, BlockEntry, Entry, Fold, Known, Rule};
use super::{decode, Retention};
use crate::error::{Error, Result};
use crate::vocab::content::ContentRecord;
use crate::vocab::Harness;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// File name of the content store inside the home directory.
pub use crate::home::CONTENT_FILE;
/// Page size of a new content store, in bytes (see [`ContentStore::open`]).
pub const PAGE_SIZE: i64 = 16384;
/// `PRAGMA user_version` of the content store this build writes (1: a row per block).
pub const CONTENT_SCHEMA_VERSION: i64 = 2;
/// A chunk is cut when its blocks' text reaches this many bytes, so one row stays far below
/// SQLite's blob limit whatever a batch holds.
const CHUNK_MAX_BYTES: usize = 1 << 20;
/// A session stored in more chunks than this (and than twice what its text needs) is
/// rewritten as its folded blocks when next written: streamed messages stored version after
/// version do not pile up.
const COMPACT_AFTER_CHUNKS: usize = 32;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    rid INTEGER PRIMARY KEY,
    harness TEXT NOT NULL,
    session_id TEXT NOT NULL,
    min_ts INTEGER NOT NULL,
    max_ts INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    entries BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS chunks_by_session ON chunks (session_id, harness);
CREATE INDEX IF NOT EXISTS chunks_by_time ON chunks (min_ts);
";

/// What this pass knows of a session it writes to.
enum Session {
    /// Not stored when the pass first wrote to it: the keys written since, as fingerprints.
    /// A block whose key is not among them is new and written without looking; one whose key
    /// may be (a copy of a row, or a fingerprint collision) makes the session [`Known`]. Kept
    /// past a commit only for a session the committed transaction wrote (a file read over
    /// several windows), so memory follows the window, not the pass; a session met again
    /// later is probed again and, being stored now, folded.
    New { keys: FxHashSet<u64>, written: bool },
    /// Stored before: what is stored, folded (dropped when the transaction ends).
    Known(Known),
}

fn fingerprint(b: &BlockEntry) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (b.message_key, b.block_index).hash(&mut h);
    h.finish()
}

pub struct ContentStore {
    conn: Connection,
    path: PathBuf,
    /// The sessions this pass wrote to (see [`Session`]).
    sessions: FxHashMap<(Harness, String), Session>,
}

impl ContentStore {
    /// Opens the store in `home`; when `create` is false a missing store is `None`. A store of
    /// schema 1 (a row per block) is rewritten as chunks on first open.
    pub fn open(home: &Path, create: bool) -> Result<Option<ContentStore>> {
        let path = home.join(CONTENT_FILE);
        if !create && !path.exists() {
            return Ok(None);
        }
        // Conversation text: readable by its owner only (SQLite gives the -wal and -shm
        // files the database file's permissions).
        crate::home::prepare_home(home)?;
        crate::home::create_private_file(&path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&path, flags).map_err(|e| Error::sqlite(&path, e))?;
        let err = |e| Error::sqlite(&path, e);
        conn.busy_timeout(crate::ledger::BUSY_TIMEOUT)
            .map_err(err)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if found > CONTENT_SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.clone(),
                found,
                supported: CONTENT_SCHEMA_VERSION,
            });
        }
        if found == 0 {
            // A new store's pages: a chunk is many kilobytes, which with SQLite's default
            // 4 KB pages is a chain of overflow pages, each its own WAL frame (two writes)
            // and checkpoint copy. Only an empty database without WAL takes it.
            conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
                .map_err(err)?;
        }
        super::journal::on_open(&conn, &path)?;
        conn.execute_batch("PRAGMA secure_delete = ON")
            .map_err(err)?;
        let mut store = ContentStore {
            conn,
            path,
            sessions: FxHashMap::default(),
        };
        if found < CONTENT_SCHEMA_VERSION {
            store.upgrade()?;
        }
        Ok(Some(store))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, e)
    }

    fn corrupt(&self, e: postcard::Error) -> Error {
        Error::LedgerCorrupt {
            path: self.path.clone(),
            detail: format!("unreadable content chunk: {e}"),
        }
    }

    fn encode(&self, entries: &[Entry]) -> Result<Vec<u8>> {
        chunk::encode(entries)
            .map_err(|e| Error::Internal(format!("content chunk for {}: {e}", self.path.display())))
    }

    /// Creates the schema, or rewrites a schema-1 store (a row per block, each already the
    /// result of its upserts) as chunks of kept blocks, per session and at most a megabyte of
    /// text each, in one transaction.
    fn upgrade(&mut self) -> Result<()> {
        self.begin()?;
        let migrated = match self.upgrade_in_transaction() {
            Ok(migrated) => {
                self.commit()?;
                migrated
            }
            Err(e) => {
                self.rollback();
                return Err(e);
            }
        };
        if migrated {
            // The dropped rows' pages (zeroed: secure_delete) back to the file system. Best
            // effort: a store in use by another connection keeps them as free pages.
            let _ = self.conn.execute_batch("VACUUM");
        }
        Ok(())
    }

    /// True when a schema-1 store was rewritten.
    fn upgrade_in_transaction(&mut self) -> Result<bool> {
        self.conn.execute_batch(SCHEMA).map_err(|e| self.err(e))?;
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        // Another process may have upgraded it while this one waited for the lock.
        let migrated = found == 1;
        if migrated {
            self.rows_to_chunks()?;
            self.conn
                .execute_batch("DROP TABLE blocks")
                .map_err(|e| self.err(e))?;
        }
        self.conn
            .execute_batch(&format!("PRAGMA user_version = {CONTENT_SCHEMA_VERSION}"))
            .map_err(|e| self.err(e))?;
        Ok(migrated)
    }

    fn rows_to_chunks(&self) -> Result<()> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
            i64,
            String,
        );
        type Rest = (Option<String>, Option<String>, bool, i64, Vec<u8>, i64);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT harness, session_id, message_key, message_id, role, block_index, ts_ms,
                    seq, kind, tool_name, tool_use_id, is_error, bytes, hash, codec, data
                 FROM blocks ORDER BY session_id, harness, rid",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut session: Vec<(Row, Rest, Option<Vec<u8>>)> = Vec::new();
        let mut held = 0;
        let flush = |session: &mut Vec<(Row, Rest, Option<Vec<u8>>)>| -> Result<()> {
            let Some(first) = session.first() else {
                return Ok(());
            };
            let entries: Vec<Entry> = session
                .iter()
                .map(|(r, rest, data)| {
                    Entry::Block(BlockEntry {
                        rule: Rule::Keep,
                        message_key: &r.2,
                        message_id: &r.3,
                        role: &r.4,
                        block_index: r.5 as u32,
                        ts_ms: r.6,
                        seq: r.7,
                        kind: &r.8,
                        tool_name: rest.0.as_deref(),
                        tool_use_id: rest.1.as_deref(),
                        is_error: rest.2,
                        bytes: rest.3,
                        hash: rest.4.as_slice().try_into().unwrap_or([0; 32]),
                        codec: rest.5,
                        data: data.as_deref(),
                    })
                })
                .collect();
            self.insert_chunks(&first.0 .0, &first.0 .1, &entries)?;
            session.clear();
            Ok(())
        };
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let get = |e| Error::sqlite(&self.path, e);
            let row: Row = (
                r.get(0).map_err(get)?,
                r.get(1).map_err(get)?,
                r.get(2).map_err(get)?,
                r.get(3).map_err(get)?,
                r.get(4).map_err(get)?,
                r.get(5).map_err(get)?,
                r.get(6).map_err(get)?,
                r.get(7).map_err(get)?,
                r.get(8).map_err(get)?,
            );
            let rest: Rest = (
                r.get(9).map_err(get)?,
                r.get(10).map_err(get)?,
                r.get(11).map_err(get)?,
                r.get(12).map_err(get)?,
                r.get(13).map_err(get)?,
                r.get(14).map_err(get)?,
            );
            let data: Option<Vec<u8>> = r.get(15).map_err(get)?;
            // A chunk per session, or per megabyte of a large one (the rows are whole blocks,
            // so each chunk folds on its own).
            if session
                .first()
                .is_some_and(|(f, _, _)| f.0 != row.0 || f.1 != row.1)
                || held >= CHUNK_MAX_BYTES
            {
                flush(&mut session)?;
                held = 0;
            }
            held += data.as_ref().map_or(0, Vec::len);
            session.push((row, rest, data));
        }
        flush(&mut session)
    }

    /// For a bulk pass: writes go through a rollback journal while no one else has the store
    /// open (see [`super::journal`]); true when switched, then [`end_bulk`](Self::end_bulk).
    pub fn begin_bulk(&self) -> bool {
        super::journal::begin_bulk(&self.conn)
    }

    /// Back to WAL after [`begin_bulk`](Self::begin_bulk) (best effort).
    pub fn end_bulk(&self) {
        super::journal::end_bulk(&self.conn);
    }

    pub fn begin(&self) -> Result<()> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))
    }

    /// Commits; what was folded of stored sessions is dropped (another process may write
    /// them before this one's next transaction), and the fingerprints of sessions it did not
    /// write.
    pub fn commit(&mut self) -> Result<()> {
        self.forget_known();
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    /// Rolls back an open transaction (none open: nothing to do).
    pub fn rollback(&mut self) {
        self.forget_known();
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    fn forget_known(&mut self) {
        self.sessions.retain(|_, s| match s {
            Session::New { written, .. } => std::mem::take(written),
            Session::Known(_) => false,
        });
    }

    /// Writes records (inside [`begin`](Self::begin)): per session, the entries that change
    /// what is stored, in order, as one or more chunks. A `replace` record (a message
    /// rewritten while it streams) overwrites its blocks and drops any beyond its last.
    /// Returns the number of block entries written.
    pub fn write(&mut self, records: &[ContentRecord]) -> Result<usize> {
        let mut order: Vec<(Harness, &str)> = Vec::new();
        let mut groups: FxHashMap<(Harness, &str), Vec<Entry>> = FxHashMap::default();
        for r in records {
            let key = (r.harness, r.session_id.as_str());
            let entries = groups.entry(key).or_insert_with(|| {
                order.push(key);
                Vec::new()
            });
            entries_of(r, entries);
        }
        let mut written = 0;
        for key in order {
            let mut entries = groups.remove(&key).unwrap_or_default();
            let (harness, session_id) = key;
            let all_new = match self.session(harness, session_id)? {
                Session::New { keys, written } => {
                    *written = true;
                    entries.iter().all(|e| match e {
                        Entry::Block(b) => keys.insert(fingerprint(b)),
                        Entry::Truncate { .. } => true,
                    })
                }
                Session::Known(_) => false,
            };
            if !all_new {
                // Some key may be stored already: decide from what is stored.
                let session = (harness, session_id.to_string());
                let mut known = match self.sessions.remove(&session) {
                    Some(Session::Known(known)) => known,
                    _ => self.load_known(harness, session_id)?,
                };
                entries.retain(|e| known.changes(e));
                self.sessions.insert(session, Session::Known(known));
            }
            written += entries
                .iter()
                .filter(|e| matches!(e, Entry::Block(_)))
                .count();
            self.insert_chunks(harness.as_str(), session_id, &entries)?;
        }
        Ok(written)
    }

    /// What this pass knows of a session: new (nothing stored when first written), or what
    /// is stored, folded.
    fn session(&mut self, harness: Harness, session_id: &str) -> Result<&mut Session> {
        let key = (harness, session_id.to_string());
        let state = match self.sessions.remove(&key) {
            Some(state) => state,
            None => {
                let stored: i64 = self
                    .conn
                    .prepare_cached(
                        "SELECT count(*) FROM (SELECT 1 FROM chunks
                         WHERE session_id = ?1 AND harness = ?2 LIMIT 1)",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![session_id, harness.as_str()], |r| r.get(0))
                    })
                    .map_err(|e| self.err(e))?;
                if stored == 0 {
                    Session::New {
                        keys: FxHashSet::default(),
                        written: false,
                    }
                } else {
                    Session::Known(self.load_known(harness, session_id)?)
                }
            }
        };
        Ok(self.sessions.entry(key).or_insert(state))
    }

    /// Folds what is stored of a session; a session in many chunks is compacted here.
    fn load_known(&self, harness: Harness, session_id: &str) -> Result<Known> {
        // Chunk by chunk, each read in place: only the keys' shapes stay in memory.
        let mut known = Known::default();
        let (mut chunks, mut bytes) = (0usize, 0usize);
        let err = |e| Error::sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT entries FROM chunks WHERE session_id = ?1 AND harness = ?2 ORDER BY rid",
            )
            .map_err(err)?;
        let mut rows = stmt
            .query(params![session_id, harness.as_str()])
            .map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let blob = row.get_ref(0).and_then(|v| Ok(v.as_blob()?)).map_err(err)?;
            chunks += 1;
            bytes += blob.len();
            for entry in chunk::decode(blob).map_err(|e| self.corrupt(e))? {
                known.changes(&entry);
            }
        }
        if chunks > COMPACT_AFTER_CHUNKS.max(2 * bytes.div_ceil(CHUNK_MAX_BYTES)) {
            let stored = self.chunks_of(harness.as_str(), session_id)?;
            let fold = self.fold(&stored)?;
            self.compact(harness.as_str(), session_id, &stored, &fold)?;
        }
        Ok(known)
    }

    /// What a session's chunks (in write order) hold.
    fn fold<'c>(&self, chunks: &'c [(i64, Vec<u8>)]) -> Result<Fold<'c>> {
        let mut fold = Fold::default();
        for (_, bytes) in chunks {
            for entry in chunk::decode(bytes).map_err(|e| self.corrupt(e))? {
                fold.apply(entry);
            }
        }
        Ok(fold)
    }

    /// A session's chunks in write order: (rid, encoded entries).
    fn chunks_of(&self, harness: &str, session_id: &str) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rid, entries FROM chunks WHERE session_id = ?1 AND harness = ?2
                 ORDER BY rid",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![session_id, harness], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Rewrites a session's chunks as its folded blocks.
    fn compact(
        &self,
        harness: &str,
        session_id: &str,
        chunks: &[(i64, Vec<u8>)],
        fold: &Fold<'_>,
    ) -> Result<()> {
        let entries: Vec<Entry> = fold
            .stored()
            .map(|b| {
                Entry::Block(BlockEntry {
                    rule: Rule::Keep,
                    ..b.clone()
                })
            })
            .collect();
        let mut delete = self
            .conn
            .prepare_cached("DELETE FROM chunks WHERE rid = ?1")
            .map_err(|e| self.err(e))?;
        for (rid, _) in chunks {
            delete.execute([rid]).map_err(|e| self.err(e))?;
        }
        self.insert_chunks(harness, session_id, &entries)
    }

    /// Inserts entries as chunks of at most [`CHUNK_MAX_BYTES`] of text each.
    fn insert_chunks(&self, harness: &str, session_id: &str, entries: &[Entry]) -> Result<()> {
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO chunks (harness, session_id, min_ts, max_ts, blocks, entries)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(|e| self.err(e))?;
        for part in split(entries) {
            let min_ts = part.iter().map(Entry::ts_ms).min().unwrap_or(0);
            let max_ts = part.iter().map(Entry::ts_ms).max().unwrap_or(0);
            let blocks = part.iter().filter(|e| matches!(e, Entry::Block(_))).count();
            insert
                .execute(params![
                    harness,
                    session_id,
                    min_ts,
                    max_ts,
                    blocks as i64,
                    self.encode(part)?
                ])
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Deletes blocks of messages older than the retention (`Days(0)`: all), in one
    /// transaction. Returns the number of block entries deleted.
    pub fn prune(&mut self, retention: Retention, now_ms: i64) -> Result<i64> {
        let cutoff = match retention {
            Retention::Forever => return Ok(0),
            Retention::Days(0) => i64::MAX,
            r => r.cutoff_ms(now_ms).unwrap_or(i64::MIN),
        };
        self.begin()?;
        let deleted = match self.prune_before(cutoff) {
            Ok(n) => {
                self.commit()?;
                n
            }
            Err(e) => {
                self.rollback();
                return Err(e);
            }
        };
        if deleted > 0 {
            // Fold the WAL (which still holds the deleted pages) back and truncate it.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(deleted)
    }

    fn prune_before(&self, cutoff: i64) -> Result<i64> {
        let err = |e| Error::sqlite(&self.path, e);
        // Whole chunks first, then the ones that hold messages on both sides of the cutoff.
        let whole: Option<i64> = self
            .conn
            .query_row(
                "SELECT sum(blocks) FROM chunks WHERE min_ts < ?1 AND max_ts < ?1",
                [cutoff],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?
            .flatten();
        self.conn
            .execute(
                "DELETE FROM chunks WHERE min_ts < ?1 AND max_ts < ?1",
                [cutoff],
            )
            .map_err(err)?;
        let mut deleted = whole.unwrap_or(0);
        let straddling: Vec<(i64, Vec<u8>)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT rid, entries FROM chunks WHERE min_ts < ?1")
                .map_err(err)?;
            let rows = stmt
                .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(err)?
        };
        for (rid, bytes) in straddling {
            let entries = chunk::decode(&bytes).map_err(|e| self.corrupt(e))?;
            let (old, kept): (Vec<Entry>, Vec<Entry>) =
                entries.into_iter().partition(|e| e.ts_ms() < cutoff);
            deleted += old.iter().filter(|e| matches!(e, Entry::Block(_))).count() as i64;
            let min_ts = kept.iter().map(Entry::ts_ms).min().unwrap_or(cutoff);
            let blocks = kept.iter().filter(|e| matches!(e, Entry::Block(_))).count();
            self.conn
                .execute(
                    "UPDATE chunks SET min_ts = ?2, blocks = ?3, entries = ?4 WHERE rid = ?1",
                    params![rid, min_ts, blocks as i64, self.encode(&kept)?],
                )
                .map_err(err)?;
        }
        Ok(deleted)
    }
}

/// A record's entries: its blocks, kept or (a `replace` record) overwriting, and for a
/// `replace` record the truncation past its last block.
fn entries_of<'r>(r: &'r ContentRecord, out: &mut Vec<Entry<'r>>) {
    let rule = if r.replace {
        Rule::Overwrite
    } else {
        Rule::Keep
    };
    out.extend(r.blocks.iter().enumerate().map(|(i, b)| {
        Entry::Block(BlockEntry {
            rule,
            message_key: &r.message_key,
            message_id: &r.message_id,
            role: r.role,
            block_index: i as u32,
            ts_ms: r.ts_ms,
            seq: r.seq,
            kind: b.kind,
            tool_name: b.tool_name.as_deref(),
            tool_use_id: b.tool_use_id.as_deref(),
            is_error: b.is_error,
            bytes: b.bytes,
            hash: b.hash,
            codec: b.codec,
            data: b.data.as_deref(),
        })
    }));
    if r.replace {
        out.push(Entry::Truncate {
            message_key: &r.message_key,
            from: r.blocks.len() as u32,
            ts_ms: r.ts_ms,
        });
    }
}

/// Cuts entries into runs of at most [`CHUNK_MAX_BYTES`] of text (a longer block is a run
/// of its own).
fn split<'e, 'a>(entries: &'e [Entry<'a>]) -> impl Iterator<Item = &'e [Entry<'a>]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= entries.len() {
            return None;
        }
        let mut bytes = 0;
        let mut end = start;
        while end < entries.len() {
            let len = match &entries[end] {
                Entry::Block(b) => b.data.map_or(0, <[u8]>::len),
                Entry::Truncate { .. } => 0,
            };
            if end > start && bytes + len > CHUNK_MAX_BYTES {
                break;
            }
            bytes += len;
            end += 1;
        }
        let part = &entries[start..end];
        start = end;
        Some(part)
    })
}

/// What [`prune_content`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub blocks_deleted: i64,
}

/// `pruneContent`: deletes content of messages older than `older_than` (`Days(0)` clears the
/// store, `Forever` keeps everything).
pub fn prune_content(home: &Path, older_than: Retention) -> Result<PruneReport> {
    let Some(mut store) = ContentStore::open(home, false)? else {
        return Ok(PruneReport::default());
    };
    Ok(PruneReport {
        blocks_deleted: store.prune(older_than, crate::time::now_ms())?,
    })
}

/// One message of a session's content: consecutive blocks of one role and message id.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentMessage {
    pub role: String,
    pub message_id: String,
    pub ts_ms: i64,
    pub blocks: Vec<ContentBlockRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContentBlockRow {
    pub kind: String,
    /// `None` for blocks stored hash-only.
    pub text: Option<String>,
    pub tool_name: Option<String>,
    pub tool_use_id: Option<String>,
    pub is_error: bool,
    pub bytes: i64,
    /// SHA-256 of the text, lowercase hex.
    pub hash: String,
}

/// The stored content of one session in conversation order (empty when nothing is stored).
pub fn session_content(
    home: &Path,
    harness: Harness,
    session_id: &str,
) -> Result<Vec<ContentMessage>> {
    let Some(store) = ContentStore::open(home, false)? else {
        return Ok(Vec::new());
    };
    let chunks = store.chunks_of(harness.as_str(), session_id)?;
    let fold = store.fold(&chunks)?;
    let mut out: Vec<ContentMessage> = Vec::new();
    for b in fold.into_ordered() {
        let block = ContentBlockRow {
            kind: b.kind.to_string(),
            text: b.data.and_then(|d| decode(b.codec, d)),
            tool_name: b.tool_name.map(str::to_string),
            tool_use_id: b.tool_use_id.map(str::to_string),
            is_error: b.is_error,
            bytes: b.bytes,
            hash: b.hash.iter().map(|x| format!("{x:02x}")).collect(),
        };
        match out.last_mut() {
            Some(m) if m.role == b.role && m.message_id == b.message_id => m.blocks.push(block),
            _ => out.push(ContentMessage {
                role: b.role.to_string(),
                message_id: b.message_id.to_string(),
                ts_ms: b.ts_ms,
                blocks: vec![block],
            }),
        }
    }
    Ok(out)
}

/// A commit the content writer is making (see [`ContentSink::start_commit`]).
pub struct ContentCommit {
    done: mpsc::Receiver<Result<()>>,
    gone: Error,
}

impl ContentCommit {
    pub fn wait(self) -> Result<()> {
        self.done.recv().map_err(|_| self.gone)?
    }
}

enum SinkMsg {
    Records(Vec<ContentRecord>),
    Commit(mpsc::SyncSender<Result<()>>),
}

/// The content store written on its own thread during ingest, so its inserts run beside the
/// ledger writer's instead of after them. [`send`](Self::send) queues a batch's records (a
/// transaction opens with the first); [`start_commit`](Self::start_commit) commits everything
/// queued, and ingest waits for it just before committing the ledger transaction.
pub struct ContentSink<'scope> {
    tx: mpsc::SyncSender<SinkMsg>,
    handle: std::thread::ScopedJoinHandle<'scope, ContentStore>,
    path: PathBuf,
}

impl<'scope> ContentSink<'scope> {
    /// Starts the writer; `bulk` (a pass of many megabytes) writes through a rollback
    /// journal when it can ([`ContentStore::begin_bulk`]).
    pub fn spawn<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        store: ContentStore,
        bulk: bool,
    ) -> ContentSink<'scope> {
        let (tx, rx) = mpsc::sync_channel::<SinkMsg>(64);
        let path = store.path.clone();
        let handle = scope.spawn(move || {
            let mut store = store;
            let bulk = bulk && store.begin_bulk();
            let mut open = false;
            let mut failed: Option<Error> = None;
            for msg in rx {
                match msg {
                    SinkMsg::Records(records) => {
                        if failed.is_some() {
                            continue;
                        }
                        if !open {
                            match store.begin() {
                                Ok(()) => open = true,
                                Err(e) => {
                                    failed = Some(e);
                                    continue;
                                }
                            }
                        }
                        if let Err(e) = store.write(&records) {
                            store.rollback();
                            open = false;
                            failed = Some(e);
                        }
                    }
                    SinkMsg::Commit(ack) => {
                        let result = match failed.take() {
                            Some(e) => Err(e),
                            None if open => store.commit(),
                            None => Ok(()),
                        };
                        open = false;
                        if result.is_err() {
                            store.rollback();
                        }
                        let _ = ack.send(result);
                    }
                }
            }
            // Records queued after the last commit (the ingest stopped on an error) are dropped:
            // their cursors were not committed either.
            store.rollback();
            if bulk {
                store.end_bulk();
            }
            store
        });
        ContentSink { tx, handle, path }
    }

    fn gone(&self) -> Error {
        Error::Internal(format!(
            "content writer for {} stopped",
            self.path.display()
        ))
    }

    pub fn send(&self, records: Vec<ContentRecord>) -> Result<()> {
        self.tx
            .send(SinkMsg::Records(records))
            .map_err(|_| self.gone())
    }

    /// Starts committing every record sent so far; [`ContentCommit::wait`] returns once it
    /// is durable (or failed).
    pub fn start_commit(&self) -> Result<ContentCommit> {
        let (ack, done) = mpsc::sync_channel(1);
        self.tx
            .send(SinkMsg::Commit(ack))
            .map_err(|_| self.gone())?;
        Ok(ContentCommit {
            done,
            gone: self.gone(),
        })
    }

    /// Stops the thread and hands the store back (`None` if the thread panicked).
    pub fn finish(self) -> Option<ContentStore> {
        drop(self.tx);
        self.handle.join().ok()
    }
}
