//! Goose (Block): `sessions.db` (SQLite, WAL) in Goose's data dir `sessions/`. Read-only.
//! Table `sessions` (`block/goose` `crates/goose/src/session/session_manager.rs`,
//! `migrations.rs`): `id`, `name` (or older `description`), `working_dir`, `created_at`,
//! `updated_at`, `accumulated_input_tokens`, `accumulated_output_tokens`,
//! `accumulated_total_tokens` (the session's running totals, updated in place), the plain
//! `input_tokens`/`output_tokens`/`total_tokens` (the last call only: used when the
//! accumulated ones are NULL, as on rows older than them), `provider_name`,
//! `model_config_json` (`{"model_name":…}`), `accumulated_cost` (newer schemas) and, where
//! present, `parent_session_id`. Table `messages` (`session_id`, `role`, `created_timestamp`
//! in epoch seconds) shows when each reply came; its `tokens` column is not usage.
//!
//! Token model: no cache split and no reasoning field: input = accumulated input; output =
//! accumulated output, plus whatever the accumulated total holds beyond input + output (taken
//! as reasoning). The total is a snapshot spread over the session's assistant replies
//! ([`super::snapshot`]).

use super::readonly_db::{self, has_column, MAX_ROWS};
use super::snapshot::{group, parse_db_time, DigestState, Reply, SessionTotal};
use crate::vocab::records::{Records, Relationship, SessionInfo, Usage};
use crate::vocab::Harness;
use rusqlite::types::ValueRef;
use std::collections::HashMap;
use std::path::Path;

/// Reads the sessions that changed since `state`; returns the bytes read.
pub fn read(path: &Path, state: &mut DigestState, out: &mut Records) -> Result<u64, String> {
    let conn = readonly_db::open(path, &["sessions", "messages"], "Goose")?;
    let err = |e: rusqlite::Error| format!("Goose database: {e}");
    let tx = conn.unchecked_transaction().map_err(err)?;
    let mut bytes = 0u64;
    let replies = assistant_replies(&tx).map_err(err)?;
    let mut stmt = tx.prepare("SELECT * FROM sessions LIMIT ?1").map_err(err)?;
    let col = |name: &str| stmt.column_index(name).ok();
    let c = Cols {
        id: col("id"),
        name: col("name"),
        description: col("description"),
        dir: col("working_dir"),
        created: col("created_at"),
        updated: col("updated_at"),
        acc_in: col("accumulated_input_tokens"),
        acc_out: col("accumulated_output_tokens"),
        acc_total: col("accumulated_total_tokens"),
        last_in: col("input_tokens"),
        last_out: col("output_tokens"),
        last_total: col("total_tokens"),
        provider: col("provider_name"),
        model: col("model_config_json"),
        parent: col("parent_session_id"),
        cost: col("accumulated_cost"),
    };
    let Some(id_col) = c.id else {
        return Err("Goose database: sessions table has no id column".into());
    };
    let mut rows = stmt.query([MAX_ROWS]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let text = |i: Option<usize>| -> Option<String> {
            let v = row.get_ref(i?).ok()?;
            match v {
                ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_string),
                ValueRef::Integer(n) => Some(n.to_string()),
                ValueRef::Real(f) => Some(f.to_string()),
                _ => None,
            }
            .filter(|s| !s.trim().is_empty())
        };
        // A count outside 0..=10^15 is corrupt and reads as absent (as `wire::Count` does).
        let count = |i: Option<usize>| -> Option<i64> {
            let n = match row.get_ref(i?).ok()? {
                ValueRef::Integer(n) => n,
                ValueRef::Real(f) if f.is_finite() => f as i64,
                ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok()?,
                _ => return None,
            };
            (0..=super::wire::MAX_COUNT).contains(&n).then_some(n)
        };
        let Some(session_id) = text(Some(id_col)) else {
            continue;
        };
        bytes += 64 + session_id.len() as u64;
        let project = text(c.dir);
        let info = SessionInfo {
            harness: Some(Harness::Goose),
            session_id: session_id.clone(),
            project: project.clone(),
            branch: None,
            title: text(c.name).or_else(|| text(c.description)),
            parent: text(c.parent)
                .filter(|p| *p != session_id)
                .map(|p| (p, Relationship::Subagent, "goose parent_session_id".into())),
        };
        let input = count(c.acc_in).or_else(|| count(c.last_in)).unwrap_or(0);
        let output = count(c.acc_out).or_else(|| count(c.last_out)).unwrap_or(0);
        let total = count(c.acc_total)
            .or_else(|| count(c.last_total))
            .unwrap_or(0);
        let reasoning = (total - input - output).max(0);
        let usage = Usage {
            input,
            output: output + reasoning,
            reasoning,
            ..Default::default()
        };
        if usage.total() == 0 {
            // Nothing spent (yet): an empty snapshot, so a total that went back to zero
            // leaves no rows either.
            let empty = crate::vocab::records::SnapshotGroup {
                harness: Harness::Goose,
                session_id,
                turns: Vec::new(),
            };
            state.emit(info, Some(empty), out);
            continue;
        }
        let model = text(c.model)
            .and_then(|j| {
                serde_json::from_str::<serde_json::Value>(&j)
                    .ok()?
                    .get("model_name")?
                    .as_str()
                    .map(str::to_string)
            })
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "unknown".into());
        let at = text(c.updated)
            .or_else(|| text(c.created))
            .and_then(|t| parse_db_time(&t))
            .unwrap_or(0);
        let session_replies = replies
            .get(&session_id)
            .map(|ts| {
                ts.iter()
                    .map(|&ts_ms| Reply {
                        ts_ms,
                        model: model.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let g = group(SessionTotal {
            harness: Harness::Goose,
            session_id,
            project,
            provider: text(c.provider),
            total: usage,
            // NULL for providers Goose cannot price (ollama).
            cost: c
                .cost
                .and_then(|i| row.get::<_, Option<f64>>(i).ok().flatten())
                .filter(|v| v.is_finite() && *v > 0.0),
            replies: session_replies,
            fallback: Reply { ts_ms: at, model },
        });
        state.emit(info, Some(g), out);
    }
    Ok(bytes)
}

struct Cols {
    id: Option<usize>,
    name: Option<usize>,
    description: Option<usize>,
    dir: Option<usize>,
    created: Option<usize>,
    updated: Option<usize>,
    acc_in: Option<usize>,
    acc_out: Option<usize>,
    acc_total: Option<usize>,
    last_in: Option<usize>,
    last_out: Option<usize>,
    last_total: Option<usize>,
    provider: Option<usize>,
    model: Option<usize>,
    parent: Option<usize>,
    cost: Option<usize>,
}

/// When each session's assistant replies came (epoch ms), from `messages`.
fn assistant_replies(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<String, Vec<i64>>> {
    let mut out: HashMap<String, Vec<i64>> = HashMap::new();
    if !has_column(conn, "messages", "created_timestamp") {
        return Ok(out);
    }
    let mut stmt = conn.prepare(
        "SELECT session_id, created_timestamp FROM messages WHERE role = 'assistant' LIMIT ?1",
    )?;
    let mut rows = stmt.query([MAX_ROWS])?;
    while let Some(row) = rows.next()? {
        let Ok(Some(session)) = row.get::<_, Option<String>>(0) else {
            continue;
        };
        let ts = match row.get_ref(1)? {
            ValueRef::Integer(n) => super::snapshot::epoch_ms(n),
            ValueRef::Real(f) => super::snapshot::epoch_ms(f as i64),
            ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(parse_db_time),
            _ => None,
        };
        if let Some(ts) = ts {
            out.entry(session).or_default().push(ts);
        }
    }
    Ok(out)
}
