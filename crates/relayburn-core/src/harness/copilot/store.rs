//! Copilot CLI's `session-store.db`: `assistant_usage_events(id INTEGER PRIMARY KEY, session_id,
//! turn_index, model, copilot_usage_model, input_tokens, output_tokens, cache_read_tokens,
//! cache_write_tokens, reasoning_tokens, total_nano_aiu, duration_ms, created_at)` and
//! `sessions(id, cwd, repository, branch, created_at)`. Opened read-only and never locked for
//! long: Copilot keeps writing it while we read.
//!
//! A pass reads the rows past the stored id (a keyset on the rowid), in chunks, each in its own
//! short read transaction, each chunk's records travelling with the cursor just past it. A row
//! with no usage yet (all counts zero) is remembered and read again on later passes, so a row
//! filled in place after insertion is still counted once it has counts.

use crate::vocab::records::{Records, SessionInfo, TurnRecord};
use crate::vocab::Harness;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

/// Rows fetched per read transaction (and per batch handed to the writer).
const CHUNK: i64 = 1000;
/// All-zero rows remembered at most (the oldest are forgotten).
const MAX_OPEN: usize = 2_000;
/// Rows read per pass at most.
const MAX_ROWS: i64 = 1_000_000;
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);
/// Largest single value read from the file.
const MAX_VALUE_BYTES: i32 = 64 << 20;
/// Approximate bytes one row stands for in the progress count.
const ROW_BYTES: u64 = 128;

/// Cursor state of a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreState {
    /// Rows with an id at or below this have been read.
    #[serde(default)]
    pub last_id: i64,
    /// Rows read while they had no usage: read again until they have.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub open: BTreeSet<i64>,
}

/// Records from one chunk and the state just past it.
pub struct StorePage {
    pub records: Records,
    pub state: StoreState,
    pub bytes_read: u64,
    pub done: bool,
}

/// The columns read from `assistant_usage_events`, in order (a missing one reads as NULL).
const COLUMNS: [&str; 11] = [
    "id",
    "session_id",
    "model",
    "copilot_usage_model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_nano_aiu",
    "created_at",
];

/// Opens the store read-only, bounded like every foreign file: only real tables are read,
/// functions in its schema are not trusted, no value over [`MAX_VALUE_BYTES`].
pub fn open(path: &Path) -> Result<Connection, String> {
    let err = |e: rusqlite::Error| format!("Copilot session store: {e}");
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
    conn.pragma_update(None, "query_only", true).map_err(err)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(err)?;
    conn.set_limit(
        rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
        MAX_VALUE_BYTES,
    )
    .map_err(err)?;
    for table in ["assistant_usage_events", "sessions"] {
        let kind: Option<String> = conn
            .query_row(
                "SELECT type FROM sqlite_master WHERE name = ?1 COLLATE NOCASE",
                [table],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if kind.as_deref().is_some_and(|k| k != "table") {
            return Err(format!(
                "Copilot session store: `{table}` is not a table; not read"
            ));
        }
    }
    Ok(conn)
}

fn has_table(conn: &Connection, table: &str) -> bool {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |_| Ok(()),
    )
    .optional()
    .ok()
    .flatten()
    .is_some()
}

fn columns_of(conn: &Connection, table: &str) -> HashSet<String> {
    let Ok(mut stmt) = conn.prepare("SELECT name FROM pragma_table_info(?1)") else {
        return HashSet::new();
    };
    stmt.query_map([table], |r| r.get::<_, String>(0))
        .map(|rows| rows.flatten().collect())
        .unwrap_or_default()
}

/// The select list over `assistant_usage_events`, NULL for columns this version lacks.
fn select_list(conn: &Connection) -> Option<String> {
    let have = columns_of(conn, "assistant_usage_events");
    if !have.contains("id") || !have.contains("session_id") {
        return None;
    }
    let list: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            if have.contains(*c) {
                format!("\"{c}\"")
            } else {
                "NULL".to_string()
            }
        })
        .collect();
    Some(list.join(", "))
}

struct Row {
    id: i64,
    session_id: String,
    model: Option<String>,
    usage_model: Option<String>,
    counts: [i64; 6],
    created_at: Option<i64>,
}

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let int = |i: usize| -> i64 {
        r.get::<_, Option<i64>>(i)
            .ok()
            .flatten()
            .filter(|n| (0..=super::super::wire::MAX_COUNT).contains(n))
            .unwrap_or(0)
    };
    let text = |i: usize| r.get::<_, Option<String>>(i).ok().flatten();
    Ok(Row {
        id: r.get(0)?,
        session_id: text(1).unwrap_or_default(),
        model: text(2),
        usage_model: text(3),
        counts: [int(4), int(5), int(6), int(7), int(8), int(9)],
        created_at: created_at(r, 10),
    })
}

/// `created_at` as epoch ms: SQLite's `YYYY-MM-DD HH:MM:SS` (UTC), ISO-8601, or epoch s/ms.
fn created_at(r: &rusqlite::Row<'_>, i: usize) -> Option<i64> {
    match r.get_ref(i).ok()? {
        rusqlite::types::ValueRef::Integer(n) if n > 0 => {
            Some(if n < 100_000_000_000 { n * 1000 } else { n })
        }
        rusqlite::types::ValueRef::Real(f) if f > 0.0 && f < 1e15 => Some(if f < 1e11 {
            (f * 1000.0) as i64
        } else {
            f as i64
        }),
        rusqlite::types::ValueRef::Text(t) => parse_time(std::str::from_utf8(t).ok()?),
        _ => None,
    }
}

pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ms) = crate::time::parse_instant_ms("created_at", s) {
        return Some(ms);
    }
    // SQLite's CURRENT_TIMESTAMP: UTC without an offset, a space for the `T`.
    let iso = format!("{}Z", s.replacen(' ', "T", 1));
    crate::time::parse_instant_ms("created_at", &iso).ok()
}

/// The times (epoch ms, sorted) of the usage rows of `session` that carry usage: the calls
/// the store holds, so a `session.shutdown` covering them is not counted again.
pub fn usage_times(path: &Path, session: &str) -> Vec<i64> {
    let Ok(conn) = open(path) else {
        return Vec::new();
    };
    if !has_table(&conn, "assistant_usage_events") {
        return Vec::new();
    }
    let have = columns_of(&conn, "assistant_usage_events");
    if !have.contains("created_at") || !have.contains("session_id") {
        return Vec::new();
    }
    let Some(list) = select_list(&conn) else {
        return Vec::new();
    };
    let sql =
        format!("SELECT {list} FROM assistant_usage_events WHERE session_id = ?1 LIMIT {MAX_ROWS}");
    let Ok(mut stmt) = conn.prepare(&sql) else {
        return Vec::new();
    };
    let mut times: Vec<i64> = stmt
        .query_map([session], row_of)
        .map(|rows| {
            rows.flatten()
                .filter(|r| r.counts.iter().any(|c| *c > 0))
                .filter_map(|r| r.created_at)
                .collect()
        })
        .unwrap_or_default();
    times.sort_unstable();
    times
}

/// Reads the rows past `state`, handing each chunk to `send` (false stops the pass).
pub fn read(
    path: &Path,
    state: StoreState,
    send: &mut dyn FnMut(StorePage) -> bool,
) -> Result<(), String> {
    let conn = open(path)?;
    let mut state = state;
    if !has_table(&conn, "assistant_usage_events") {
        send(StorePage {
            records: Records::default(),
            state,
            bytes_read: 0,
            done: true,
        });
        return Ok(());
    }
    let err = |e: rusqlite::Error| format!("Copilot session store: {e}");
    let list = select_list(&conn).ok_or_else(|| {
        "Copilot session store: assistant_usage_events has no id or session_id column".to_string()
    })?;
    let sessions = has_table(&conn, "sessions").then(|| columns_of(&conn, "sessions"));
    let mut known: HashMap<String, Place> = HashMap::new();
    let mut records = Records::default();
    let mut bytes = 0u64;

    // Rows seen without usage: read again first.
    if !state.open.is_empty() {
        let tx = conn.unchecked_transaction().map_err(err)?;
        {
            let sql = format!("SELECT {list} FROM assistant_usage_events WHERE id = ?1");
            let mut stmt = tx.prepare(&sql).map_err(err)?;
            let ids: Vec<i64> = state.open.iter().copied().collect();
            for id in ids {
                let row = stmt.query_row([id], row_of).optional().map_err(err)?;
                match row {
                    None => {
                        state.open.remove(&id);
                    }
                    Some(row) => {
                        bytes += ROW_BYTES;
                        if emit(&tx, &row, sessions.as_ref(), &mut known, &mut records) {
                            state.open.remove(&id);
                        }
                    }
                }
            }
        }
        tx.commit().map_err(err)?;
    }

    let sql = format!(
        "SELECT {list} FROM assistant_usage_events WHERE id > ?1 ORDER BY id LIMIT {CHUNK}"
    );
    let mut read_rows = 0i64;
    loop {
        let tx = conn.unchecked_transaction().map_err(err)?;
        let rows: Vec<Row> = {
            let mut stmt = tx.prepare_cached(&sql).map_err(err)?;
            let rows = stmt.query_map([state.last_id], row_of).map_err(err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(err)?
        };
        let full = rows.len() as i64 == CHUNK;
        for row in &rows {
            bytes += ROW_BYTES;
            state.last_id = state.last_id.max(row.id);
            if !emit(&tx, row, sessions.as_ref(), &mut known, &mut records) {
                state.open.insert(row.id);
            }
        }
        tx.commit().map_err(err)?;
        while state.open.len() > MAX_OPEN {
            state.open.pop_first();
        }
        read_rows += rows.len() as i64;
        let done = !full || read_rows >= MAX_ROWS;
        let page = StorePage {
            records: std::mem::take(&mut records),
            state: state.clone(),
            bytes_read: std::mem::take(&mut bytes),
            done,
        };
        if !send(page) || done {
            return Ok(());
        }
    }
}

/// Adds the row's turn (and its session, once per pass); false when it has no usage yet.
fn emit(
    conn: &Connection,
    row: &Row,
    sessions: Option<&HashSet<String>>,
    known: &mut HashMap<String, Place>,
    out: &mut Records,
) -> bool {
    let [input, output, cache_read, cache_write, reasoning, nano_aiu] = row.counts;
    let model = super::model_of(row.model.as_deref(), row.usage_model.as_deref());
    let usage = super::usage(&model, input, output, cache_read, cache_write, reasoning);
    if usage.total() == 0 {
        return false;
    }
    if row.session_id.is_empty() {
        return true;
    }
    if !known.contains_key(&row.session_id) {
        let place = sessions
            .map(|cols| session_place(conn, cols, &row.session_id))
            .unwrap_or_default();
        out.sessions.push(SessionInfo {
            harness: Some(Harness::CopilotCli),
            session_id: row.session_id.clone(),
            project: place.0.clone(),
            branch: place.1.clone(),
            ..Default::default()
        });
        known.insert(row.session_id.clone(), place);
    }
    let (project, branch) = known.get(&row.session_id).cloned().unwrap_or_default();
    out.turns.push(TurnRecord {
        harness: Harness::CopilotCli,
        key: format!("copilot-cli|store|{}|{}", row.session_id, row.id),
        session_id: row.session_id.clone(),
        message_id: format!("store-{}", row.id),
        request_id: None,
        ts_ms: row.created_at.unwrap_or(0),
        model,
        provider: Some("github-copilot".into()),
        project,
        branch,
        usage,
        stop_reason: None,
        complete: true,
        tool_calls: Vec::new(),
        reported_cost_usd: super::reported_cost_usd(nano_aiu, None),
    });
    true
}

/// A session's working directory and git branch.
type Place = (Option<String>, Option<String>);

/// A session's working directory and branch from the `sessions` table.
fn session_place(conn: &Connection, cols: &HashSet<String>, session: &str) -> Place {
    let col = |c: &str| {
        if cols.contains(c) {
            format!("\"{c}\"")
        } else {
            "NULL".to_string()
        }
    };
    if !cols.contains("id") {
        return (None, None);
    }
    let sql = format!(
        "SELECT {}, {} FROM sessions WHERE id = ?1",
        col("cwd"),
        col("branch")
    );
    let Ok(mut stmt) = conn.prepare_cached(&sql) else {
        return (None, None);
    };
    stmt.query_row([session], |r| {
        Ok((
            r.get::<_, Option<String>>(0).ok().flatten(),
            r.get::<_, Option<String>>(1).ok().flatten(),
        ))
    })
    .unwrap_or((None, None))
}
