//! `content.sqlite`: one row per captured block, unique by (session, message key, block index,
//! harness), so re-reading a row (after a crash, or a file read again from the start) rewrites
//! the same keys instead of adding rows. The key starts with the session, so the blocks of the
//! file being read land on neighbouring index pages (a hashed key would dirty a random page
//! per insert). A separate
//! file from the ledger: big blobs and retention deletes never touch the analytics tables.
//!
//! Commit order with the ledger: ingest commits a window's content rows just before the ledger
//! transaction that moves the cursors past them. A crash between the two leaves content ahead
//! of the cursor; the next pass re-reads those rows and rewrites the same keys (nothing lost,
//! nothing doubled). `secure_delete` is on, so pruned text is overwritten, not just unlinked.

use super::{decode, Retention};
use crate::error::{Error, Result};
use crate::vocab::content::ContentRecord;
use crate::vocab::Harness;
use rusqlite::{params, Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// File name of the content store inside the home directory.
pub use crate::home::CONTENT_FILE;
/// Page size of a new content store, in bytes (see [`ContentStore::open`]).
pub const PAGE_SIZE: i64 = 16384;
/// `PRAGMA user_version` of the content store this build writes.
pub const CONTENT_SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS blocks (
    rid INTEGER PRIMARY KEY,
    harness TEXT NOT NULL,
    session_id TEXT NOT NULL,
    message_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    role TEXT NOT NULL,
    block_index INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    tool_name TEXT,
    tool_use_id TEXT,
    is_error INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL,
    hash BLOB NOT NULL,
    codec INTEGER NOT NULL DEFAULT 0,
    data BLOB,
    UNIQUE (session_id, message_key, block_index, harness)
) STRICT;
CREATE INDEX IF NOT EXISTS blocks_by_ts ON blocks (ts_ms);
";

/// The block INSERT shared by both conflict rules below.
macro_rules! insert_block_sql {
    ($conflict:literal) => {
        concat!(
            "INSERT INTO blocks (harness, session_id, message_key, message_id, role, block_index,
                ts_ms, seq, kind, tool_name, tool_use_id, is_error, bytes, hash, codec, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (session_id, message_key, block_index, harness) ",
            $conflict
        )
    };
}

/// A block met again keeps its row; only a hash-only row gains text that arrives later.
const KEEP_STORED: &str = insert_block_sql!(
    "DO UPDATE SET codec = excluded.codec, data = excluded.data
     WHERE blocks.data IS NULL AND excluded.data IS NOT NULL"
);

/// A rewritten message's blocks replace the stored ones when they differ.
const OVERWRITE: &str = insert_block_sql!(
    "DO UPDATE SET
        role = excluded.role, ts_ms = excluded.ts_ms, seq = excluded.seq,
        kind = excluded.kind, tool_name = excluded.tool_name,
        tool_use_id = excluded.tool_use_id, is_error = excluded.is_error,
        bytes = excluded.bytes, hash = excluded.hash, codec = excluded.codec,
        data = excluded.data
     WHERE blocks.hash != excluded.hash OR blocks.kind != excluded.kind
        OR (blocks.data IS NULL) != (excluded.data IS NULL)"
);

pub struct ContentStore {
    conn: Connection,
    path: PathBuf,
}

impl ContentStore {
    /// Opens the store in `home`; when `create` is false a missing store is `None`.
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
            // A new store's pages: most blocks are a few kilobytes of compressed text, which
            // with SQLite's default 4 KB pages spill into overflow pages, each its own WAL frame
            // (two writes) and checkpoint copy. With 16 KB a `full` ingest uses about a tenth
            // less CPU (bench/RESULTS.md). Only an empty database without WAL takes it.
            conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
                .map_err(err)?;
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Internal(format!(
                "could not switch {} to WAL (journal_mode is {mode})",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
            .map_err(err)?;
        if found < CONTENT_SCHEMA_VERSION {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {CONTENT_SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(err)?;
        }
        Ok(Some(ContentStore { conn, path }))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, e)
    }

    pub fn begin(&self) -> Result<()> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))
    }

    pub fn commit(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))
    }

    /// Rolls back an open transaction (none open: nothing to do).
    pub fn rollback(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// Writes one record's blocks (inside [`begin`](Self::begin)). A block already stored
    /// keeps its row; only a hash-only row gains the text when the text arrives later. A
    /// `replace` record (a message rewritten while it streamed) overwrites what is stored.
    pub fn insert(&self, r: &ContentRecord) -> Result<usize> {
        if r.replace {
            return self.replace(r);
        }
        self.upsert_blocks(KEEP_STORED, r)
    }

    /// Inserts `r`'s blocks with `sql` (the shared INSERT plus one conflict rule).
    fn upsert_blocks(&self, sql: &str, r: &ContentRecord) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut written = 0;
        for (i, b) in r.blocks.iter().enumerate() {
            written += stmt
                .execute(params![
                    r.harness.as_str(),
                    r.session_id,
                    r.message_key,
                    r.message_id,
                    r.role,
                    i as i64,
                    r.ts_ms,
                    r.seq,
                    b.kind,
                    b.tool_name,
                    b.tool_use_id,
                    b.is_error,
                    b.bytes,
                    &b.hash[..],
                    b.codec,
                    b.data
                ])
                .map_err(|e| self.err(e))?;
        }
        Ok(written)
    }

    /// Writes a message's whole current content over what is stored for it.
    fn replace(&self, r: &ContentRecord) -> Result<usize> {
        let err = |e| Error::sqlite(&self.path, e);
        let written = self.upsert_blocks(OVERWRITE, r)?;
        self.conn
            .prepare_cached(
                "DELETE FROM blocks WHERE session_id = ?1 AND message_key = ?2 AND harness = ?3
                    AND block_index >= ?4",
            )
            .map_err(err)?
            .execute(params![
                r.session_id,
                r.message_key,
                r.harness.as_str(),
                r.blocks.len() as i64
            ])
            .map_err(err)?;
        Ok(written)
    }

    /// Deletes blocks of messages older than the retention (`Days(0)`: all). Returns the
    /// number of blocks deleted.
    pub fn prune(&self, retention: Retention, now_ms: i64) -> Result<i64> {
        let deleted = match retention {
            Retention::Forever => 0,
            Retention::Days(0) => self
                .conn
                .execute("DELETE FROM blocks", [])
                .map_err(|e| self.err(e))?,
            r => {
                let cutoff = r.cutoff_ms(now_ms).unwrap_or(i64::MIN);
                self.conn
                    .execute("DELETE FROM blocks WHERE ts_ms < ?1", [cutoff])
                    .map_err(|e| self.err(e))?
            }
        };
        if deleted > 0 {
            // Fold the WAL (which still holds the deleted pages) back and truncate it.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(deleted as i64)
    }
}

/// What [`prune_content`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub blocks_deleted: i64,
}

/// `pruneContent`: deletes content of messages older than `older_than` (`Days(0)` clears the
/// store, `Forever` keeps everything).
pub fn prune_content(home: &Path, older_than: Retention) -> Result<PruneReport> {
    let Some(store) = ContentStore::open(home, false)? else {
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
    let mut stmt = store
        .conn
        .prepare(
            "SELECT role, message_id, ts_ms, kind, tool_name, tool_use_id, is_error, bytes, hash, codec, data
             FROM blocks WHERE session_id = ?1 AND harness = ?2
             ORDER BY seq, ts_ms, message_key, block_index",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map(params![session_id, harness.as_str()], |r| {
            let hash: Vec<u8> = r.get(8)?;
            let codec: i64 = r.get(9)?;
            let data: Option<Vec<u8>> = r.get(10)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                ContentBlockRow {
                    kind: r.get(3)?,
                    text: data.and_then(|d| decode(codec, &d)),
                    tool_name: r.get(4)?,
                    tool_use_id: r.get(5)?,
                    is_error: r.get(6)?,
                    bytes: r.get(7)?,
                    hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
                },
            ))
        })
        .map_err(|e| store.err(e))?;
    let mut out: Vec<ContentMessage> = Vec::new();
    for row in rows {
        let (role, message_id, ts_ms, block) = row.map_err(|e| store.err(e))?;
        match out.last_mut() {
            Some(m) if m.role == role && m.message_id == message_id => m.blocks.push(block),
            _ => out.push(ContentMessage {
                role,
                message_id,
                ts_ms,
                blocks: vec![block],
            }),
        }
    }
    Ok(out)
}

enum SinkMsg {
    Records(Vec<ContentRecord>),
    Commit(mpsc::SyncSender<Result<()>>),
}

/// The content store written on its own thread during ingest, so its inserts run beside the
/// ledger writer's instead of after them. [`send`](Self::send) queues a batch's records (a
/// transaction opens with the first); [`commit`](Self::commit) commits everything queued and
/// waits for it, which ingest calls just before committing the ledger transaction.
pub struct ContentSink<'scope> {
    tx: mpsc::SyncSender<SinkMsg>,
    handle: std::thread::ScopedJoinHandle<'scope, ContentStore>,
    path: PathBuf,
}

impl<'scope> ContentSink<'scope> {
    pub fn spawn<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        store: ContentStore,
    ) -> ContentSink<'scope> {
        let (tx, rx) = mpsc::sync_channel::<SinkMsg>(64);
        let path = store.path.clone();
        let handle = scope.spawn(move || {
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
                        for r in &records {
                            if let Err(e) = store.insert(r) {
                                store.rollback();
                                open = false;
                                failed = Some(e);
                                break;
                            }
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

    /// Commits every record sent so far; returns once it is durable (or failed).
    pub fn commit(&self) -> Result<()> {
        let (ack, done) = mpsc::sync_channel(1);
        self.tx
            .send(SinkMsg::Commit(ack))
            .map_err(|_| self.gone())?;
        done.recv().map_err(|_| self.gone())?
    }

    /// Stops the thread and hands the store back (`None` if the thread panicked).
    pub fn finish(self) -> Option<ContentStore> {
        drop(self.tx);
        self.handle.join().ok()
    }
}
