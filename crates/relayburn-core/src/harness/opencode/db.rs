//! The SQLite database of newer OpenCode releases (`opencode.db`, or `opencode-<channel>.db`):
//! tables `session`, `message` and `part`, each with `time_updated` (epoch ms) and the document
//! JSON in `data` (ids in columns). Opened read-only, never written, never locked for long:
//! OpenCode keeps writing it (WAL) while we read.
//!
//! A pass reads only what changed since the cursor: sessions and messages whose `time_updated`
//! is past the stored position (a keyset over `(time_updated, id)`), plus the assistant
//! messages last seen unfinished (`open`), whatever their `time_updated`. Messages are fetched
//! in chunks, each in its own short read transaction, and every chunk's records travel with
//! the cursor position just past it, so a crash between chunks loses and repeats nothing.
//!
//! A forked session's copies of its parent's rows (byte-identical `data` under new ids, in
//! another session) read in the same pass as the originals are skipped. Limitation: a fork
//! made after its parent was read is counted again (its copies are the only changed rows).

use super::{bad_doc, message_records_with, session_from, DocIds, Preceding};
use crate::content::Capture;
use crate::vocab::records::Records;
use crate::vocab::Harness;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Messages fetched per read transaction (and per batch handed to the writer).
const CHUNK: usize = 256;
/// Rows updated this close to the end of a pass are read again next pass: a writer may
/// commit a row stamped slightly earlier than one we already saw.
const SLACK_MS: i64 = 2_000;
/// Unfinished messages tracked at most (the oldest are dropped; their last snapshot stays).
const MAX_OPEN: usize = 2_000;
/// We wait this long for a lock, then give up until the next pass.
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);

/// Cursor state of a database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbState {
    /// Messages at or before this `(time_updated, id)` have been read.
    #[serde(default)]
    pub msg_t: i64,
    #[serde(default)]
    pub msg_id: String,
    /// Sessions updated at or before this time have been read.
    #[serde(default)]
    pub ses_t: i64,
    /// Assistant messages last seen unfinished: read again every pass until they complete.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub open: BTreeSet<String>,
}

/// Records from one chunk and the state just past it.
pub struct DbPage {
    pub records: Records,
    pub state: DbState,
    pub bytes_read: u64,
    pub done: bool,
}

#[derive(Debug)]
pub enum DbError {
    /// The database is locked (being recovered or checkpointed): try again next pass.
    Busy,
    Other(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Busy => f.write_str("OpenCode database busy; it is read again next pass"),
            DbError::Other(m) => f.write_str(m),
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                DbError::Busy
            }
            _ => DbError::Other(format!("OpenCode database: {e}")),
        }
    }
}

/// Largest single value (a document's JSON) read from the database.
const MAX_VALUE_BYTES: i32 = 64 << 20;
/// Rows read per pass from `session` and `message` keys; parts per message.
const MAX_ROWS: i64 = 1_000_000;
const MAX_PARTS: i64 = 10_000;
/// The tables read; each must be an ordinary table (never a view or a virtual table, whose
/// rows a crafted file could make endless).
const TABLES: [&str; 3] = ["session", "message", "part"];

/// Opens the database read-only: no writes, no journal-mode change, no checkpoint on close.
/// It is a file another program wrote, so every read is bounded: only real tables are read,
/// no value over [`MAX_VALUE_BYTES`], at most [`MAX_ROWS`] rows per query, and functions in
/// its schema are not trusted.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.set_limit(
        rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
        MAX_VALUE_BYTES,
    )?;
    for table in TABLES {
        let sql: Option<(String, Option<String>)> = conn
            .query_row(
                "SELECT type, sql FROM sqlite_master WHERE name = ?1 COLLATE NOCASE",
                [table],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let real = |(kind, sql): &(String, Option<String>)| {
            kind == "table"
                && sql.as_deref().is_some_and(|s| {
                    s.trim_start()
                        .get(..12)
                        .is_some_and(|p| p.eq_ignore_ascii_case("CREATE TABLE"))
                })
        };
        match sql {
            Some(found) if !real(&found) => {
                return Err(DbError::Other(format!(
                    "OpenCode database: `{table}` is a {}, not a table; not read",
                    found.0
                )))
            }
            _ => {}
        }
    }
    Ok(conn)
}

/// Reads what changed since `state`, handing each chunk to `send` (which returns false to stop).
pub fn read(
    path: &Path,
    state: DbState,
    send: &mut dyn FnMut(DbPage) -> bool,
) -> Result<(), DbError> {
    read_with(Harness::OpenCode, path, state, &Capture::default(), send)
}

/// [`read`] for `harness` (OpenCode, or Kilo CLI whose `kilo.db` has the same tables and
/// documents), capturing content as `capture` says.
pub fn read_with(
    harness: Harness,
    path: &Path,
    state: DbState,
    capture: &Capture,
    send: &mut dyn FnMut(DbPage) -> bool,
) -> Result<(), DbError> {
    let conn = open(path)?;
    let mut state = state;
    let mut first = Records::default();
    let mut bytes = 0u64;
    let ses_t = read_sessions(harness, &conn, state.ses_t, &mut first, &mut bytes)?;

    // Keys of changed messages, then the unfinished ones (by id), deduplicated.
    let changed = changed_messages(&conn, &state)?;
    let mut keys: Vec<(i64, String)> = Vec::new();
    let in_changed: BTreeSet<&str> = changed.iter().map(|(_, id)| id.as_str()).collect();
    let open_first: Vec<String> = state
        .open
        .iter()
        .filter(|id| !in_changed.contains(id.as_str()))
        .cloned()
        .collect();
    keys.extend(open_first.iter().map(|id| (i64::MIN, id.clone())));
    keys.extend(changed);
    let last_t = keys.last().map(|k| k.0).filter(|t| *t != i64::MIN);

    let mut records = first;
    let mut copies: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut chunks = keys.chunks(CHUNK).peekable();
    if chunks.peek().is_none() {
        state.ses_t = ses_t;
        return finish(&mut state, last_t, records, bytes, send);
    }
    while let Some(chunk) = chunks.next() {
        let rows = fetch(&conn, chunk)?;
        for key in chunk {
            if !rows.iter().any(|r| r.id == key.1) {
                state.open.remove(&key.1); // deleted since
            }
        }
        for row in rows {
            bytes += row.data.len() as u64 + row.parts.iter().map(|p| p.len() as u64).sum::<u64>();
            // A forked session holds byte-identical copies of its parent's rows under new ids:
            // a row equal to one already read this pass in another session is that copy.
            let digest = crate::hash::id64(&row.data);
            match copies.entry(digest) {
                std::collections::hash_map::Entry::Occupied(e) if *e.get() != row.session_id => {
                    continue;
                }
                std::collections::hash_map::Entry::Occupied(_) => {}
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row.session_id.clone());
                }
            }
            let ids = DocIds {
                id: Some(&row.id),
                session_id: Some(&row.session_id),
            };
            let mut preceding = |s: &str, ts: i64, id: &str| preceding_assistant(&conn, s, ts, id);
            let read = message_records_with(
                harness,
                &row.data,
                ids,
                &row.parts,
                capture,
                &mut preceding,
                &mut records,
            );
            match read {
                Ok(m) if m.assistant && !m.complete => {
                    state.open.insert(m.id);
                }
                Ok(m) => {
                    state.open.remove(&m.id);
                }
                Err(message) => bad_doc(&mut records, 0, format!("message {}: {message}", row.id)),
            }
        }
        if let Some((t, id)) = chunk.iter().rev().find(|k| k.0 != i64::MIN) {
            state.msg_t = *t;
            state.msg_id = id.clone();
        }
        while state.open.len() > MAX_OPEN {
            state.open.pop_first();
        }
        if chunks.peek().is_none() {
            state.ses_t = ses_t;
            return finish(&mut state, last_t, records, bytes, send);
        }
        let page = DbPage {
            records: std::mem::take(&mut records),
            state: state.clone(),
            bytes_read: std::mem::take(&mut bytes),
            done: false,
        };
        if !send(page) {
            return Ok(());
        }
    }
    Ok(())
}

/// The last page: the message position is rewound by [`SLACK_MS`] (re-reading is harmless).
fn finish(
    state: &mut DbState,
    last_t: Option<i64>,
    records: Records,
    bytes_read: u64,
    send: &mut dyn FnMut(DbPage) -> bool,
) -> Result<(), DbError> {
    if let Some(t) = last_t {
        state.msg_t = (t - SLACK_MS).max(0);
        state.msg_id.clear();
    }
    send(DbPage {
        records,
        state: state.clone(),
        bytes_read,
        done: true,
    });
    Ok(())
}

/// Sessions updated after `since` → session infos; returns the new position.
fn read_sessions(
    harness: Harness,
    conn: &Connection,
    since: i64,
    out: &mut Records,
    bytes: &mut u64,
) -> Result<i64, DbError> {
    // Minimal databases (peer tests) hold only `message(id, session_id, data)`.
    if !has_column(conn, "session", "time_updated") {
        return Ok(since);
    }
    let mut stmt = conn.prepare("SELECT * FROM session WHERE time_updated > ?1 LIMIT ?2")?;
    let col = |name: &str| stmt.column_index(name).ok();
    let (id, parent, dir, title, updated) = (
        col("id"),
        col("parent_id"),
        col("directory"),
        col("title"),
        col("time_updated"),
    );
    let Some(id) = id else {
        return Err(DbError::Other(
            "OpenCode database: session table has no id column".into(),
        ));
    };
    let mut max_t = since;
    let mut rows = stmt.query([since, MAX_ROWS])?;
    while let Some(row) = rows.next()? {
        let text = |i: Option<usize>| -> Option<String> {
            i.and_then(|i| row.get::<_, Option<String>>(i).ok().flatten())
        };
        let Some(session_id) = text(Some(id)).filter(|s| !s.is_empty()) else {
            continue;
        };
        let (p, d, t) = (text(parent), text(dir), text(title));
        *bytes += (session_id.len()
            + d.as_ref().map_or(0, String::len)
            + t.as_ref().map_or(0, String::len)) as u64;
        out.sessions.push(session_from(
            harness,
            &session_id,
            p.as_deref(),
            d.as_deref(),
            t.as_deref(),
        ));
        if let Some(u) = updated.and_then(|i| row.get::<_, i64>(i).ok()) {
            max_t = max_t.max(u);
        }
    }
    Ok(if max_t > since {
        (max_t - SLACK_MS).max(since)
    } else {
        since
    })
}

/// `(time_updated, id)` of messages past the stored position, in that order.
fn changed_messages(conn: &Connection, state: &DbState) -> Result<Vec<(i64, String)>, DbError> {
    if !has_column(conn, "message", "time_updated") {
        // No change times: every message, every pass that finds the database changed.
        let mut stmt = conn.prepare("SELECT id FROM message ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((0, r.get::<_, String>(0)?)))?;
        return Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    let mut stmt = conn.prepare(
        "SELECT time_updated, id FROM message
         WHERE time_updated > ?1 OR (time_updated = ?1 AND id > ?2)
         ORDER BY time_updated, id LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![state.msg_t, state.msg_id, MAX_ROWS],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

struct MessageRow {
    id: String,
    session_id: String,
    data: String,
    parts: Vec<String>,
}

/// One chunk of messages with their parts, in one short read transaction.
fn fetch(conn: &Connection, keys: &[(i64, String)]) -> Result<Vec<MessageRow>, DbError> {
    let tx = conn.unchecked_transaction()?;
    let mut msg = tx.prepare_cached("SELECT session_id, data FROM message WHERE id = ?1")?;
    let mut part = if has_column(&tx, "part", "message_id") {
        Some(tx.prepare_cached("SELECT data FROM part WHERE message_id = ?1 ORDER BY id LIMIT ?2")?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(keys.len());
    for (_, id) in keys {
        let Some((session_id, data)) = msg
            .query_row([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?
        else {
            continue;
        };
        let parts = match part.as_mut() {
            Some(part) => part
                .query_map(rusqlite::params![id, MAX_PARTS], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        out.push(MessageRow {
            id: id.clone(),
            session_id,
            data,
            parts,
        });
    }
    drop((msg, part));
    tx.commit()?;
    Ok(out)
}

/// Whether `table` exists with `column`.
fn has_column(conn: &Connection, table: &str, column: &str) -> bool {
    conn.query_row(
        "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |_| Ok(()),
    )
    .optional()
    .ok()
    .flatten()
    .is_some()
}

/// The ids of the database's messages (their copies win over legacy JSON files).
pub fn message_ids(path: &Path) -> Result<std::collections::HashSet<String>, DbError> {
    let conn = open(path)?;
    let mut stmt = conn.prepare("SELECT id FROM message")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// The latest assistant message of `session` created before (`ts_ms`, `id`).
fn preceding_assistant(conn: &Connection, session: &str, ts_ms: i64, id: &str) -> Preceding {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, data FROM message
             WHERE session_id = ?1 AND (time_created < ?2 OR (time_created = ?2 AND id < ?3))
             ORDER BY time_created DESC, id DESC LIMIT 64",
        )
        .ok()?;
    let rows: Vec<(String, String)> = stmt
        .query_map(rusqlite::params![session, ts_ms, id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .ok()?
        .flatten()
        .collect();
    rows.into_iter()
        .find_map(|(id, data)| super::assistant_context(&data).map(|t| (id, t)))
}
