//! Snapshot groups: what a harness that keeps running totals shows for a session, applied so
//! that the session's stored turns become exactly the group's. Each snapshot is an ordinary
//! `turns` row keyed by its snapshot key, so every query (summary, sessions, trees, budgets,
//! analyses) reads it like any turn. The `turns` update triggers move the session counters and
//! the rollup by the difference between the old and the new row, in the same transaction; new
//! rows get theirs from the writer's set-based upkeep (`upkeep::with_upkeep`), as `turns` has
//! no insert triggers.

use super::turn_row::{turn_params, TurnColumns, TURN_COLUMNS, TURN_VALUES};
use crate::hash::id64;
use crate::vocab::records::{SnapshotGroup, TurnRecord};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;

/// Rows a group inserted, and rows it changed or deleted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub added: i64,
    pub updated: i64,
}

/// Makes the group's session hold exactly the group's turns: rows of the same key are
/// replaced (only when something differs, so a re-read changes nothing), new keys are
/// inserted, and rows of the session no longer in the group are deleted. Every stored row
/// must be counted already (no upkeep of the ingest writer pending).
pub fn apply(conn: &Connection, g: &SnapshotGroup) -> rusqlite::Result<Counts> {
    super::upkeep::with_upkeep(conn, |conn| replace_all(conn, g))
}

fn replace_all(conn: &Connection, g: &SnapshotGroup) -> rusqlite::Result<Counts> {
    let mut applied = Counts::default();
    let mut keep = HashSet::with_capacity(g.turns.len());
    for t in &g.turns {
        keep.insert(id64(&t.key));
        replace(conn, t, &mut applied)?;
    }
    let stale: Vec<i64> = conn
        .prepare_cached("SELECT id FROM turns WHERE harness = ?1 AND session_id = ?2")?
        .query_map(params![g.harness.as_str(), g.session_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?
        .into_iter()
        .filter(|id| !keep.contains(id))
        .collect();
    for id in stale {
        delete(conn, id)?;
        applied.updated += 1;
    }
    Ok(applied)
}

/// Inserts the turn, or overwrites the stored row of its key when any value differs.
fn replace(conn: &Connection, t: &TurnRecord, applied: &mut Counts) -> rusqlite::Result<()> {
    let cols = TurnColumns::of(t);
    let id = cols.id;
    let exists = conn
        .prepare_cached("SELECT 1 FROM turns WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some();
    let values = turn_params(t, &cols);
    if !exists {
        conn.prepare_cached(&format!(
            "INSERT INTO turns ({TURN_COLUMNS}) VALUES ({TURN_VALUES})"
        ))?
        .execute(values.as_slice())?;
        applied.added += 1;
        return Ok(());
    }
    // `IS NOT` on every column: an unchanged snapshot fires no trigger and ticks no clock.
    let changed = conn
        .prepare_cached(
            "UPDATE turns SET message_id = ?4, request_id = ?5, ts_ms = ?6, model = ?7, provider = ?8,
                project = ?9, branch = ?10, input = ?11, output = ?12, reasoning = ?13, cache_read = ?14,
                cache_write_5m = ?15, cache_write_1h = ?16, stop_reason = ?17, complete = ?18, tool_calls = ?19,
                reported_cost_usd = ?20
             WHERE id = ?1 AND harness = ?2 AND session_id = ?3 AND (
                message_id IS NOT ?4 OR request_id IS NOT ?5 OR ts_ms IS NOT ?6 OR model IS NOT ?7
                OR provider IS NOT ?8 OR project IS NOT ?9 OR branch IS NOT ?10 OR input IS NOT ?11
                OR output IS NOT ?12 OR reasoning IS NOT ?13 OR cache_read IS NOT ?14
                OR cache_write_5m IS NOT ?15 OR cache_write_1h IS NOT ?16 OR stop_reason IS NOT ?17
                OR complete IS NOT ?18 OR tool_calls IS NOT ?19 OR reported_cost_usd IS NOT ?20)",
        )?
        .execute(values.as_slice())?;
    applied.updated += changed as i64;
    Ok(())
}

/// Deletes a turn the newer snapshot no longer has. `turns` has no delete triggers (a rebuild
/// deletes millions of rows whose counters it drops wholesale), so the row is first zeroed
/// (the update triggers take its usage out of the session and the rollup), then its count is
/// taken out of both by hand, then it goes.
fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE turns SET input = 0, output = 0, reasoning = 0, cache_read = 0, cache_write_5m = 0,
            cache_write_1h = 0, reported_cost_usd = NULL WHERE id = ?1",
    )?
    .execute([id])?;
    // The zeroed row sits in the rollup row of its bucket with long-context class 0.
    conn.prepare_cached(
        "UPDATE turn_rollup SET turns = turns - 1
         WHERE (session_id, harness, model, provider, project, branch, bucket_ms, ctx) =
           (SELECT session_id, harness, model, COALESCE(provider, ''), COALESCE(project, ''),
                   COALESCE(branch, ''), ts_ms - ((ts_ms % 900000) + 900000) % 900000, 0
            FROM turns WHERE id = ?1)",
    )?
    .execute([id])?;
    conn.prepare_cached(
        "UPDATE sessions SET turns = turns - 1
         WHERE (harness, session_id) = (SELECT harness, session_id FROM turns WHERE id = ?1)",
    )?
    .execute([id])?;
    conn.prepare_cached("DELETE FROM turns WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
