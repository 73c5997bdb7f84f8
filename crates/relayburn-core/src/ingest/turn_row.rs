//! A `turns` row as the ingest writers bind it: the one place its columns are named in
//! order, for the ledger writer (`writer`) and the snapshot writer (`snapshot_writer`).

use crate::hash::id64;
use crate::vocab::records::TurnRecord;
use rusqlite::ToSql;

/// The columns a turn row is written with, in [`turn_params`]' order.
pub(super) const TURN_COLUMNS: &str =
    "id, harness, session_id, message_id, request_id, ts_ms, model, provider,
    project, branch, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
    stop_reason, complete, tool_calls, reported_cost_usd";
pub(super) const TURN_VALUES: &str =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20";

/// What a turn row stores beyond the record's own fields: its id, its harness key and its
/// tool calls as JSON.
pub(super) struct TurnColumns {
    pub id: i64,
    harness: &'static str,
    tools: String,
}

impl TurnColumns {
    pub fn of(t: &TurnRecord) -> Self {
        TurnColumns {
            id: id64(&t.key),
            harness: t.harness.as_str(),
            tools: serde_json::to_string(&t.tool_calls).unwrap_or_else(|_| "[]".into()),
        }
    }
}

/// A turn's values for [`TURN_COLUMNS`] (`?1` … `?20`).
pub(super) fn turn_params<'a>(t: &'a TurnRecord, c: &'a TurnColumns) -> [&'a dyn ToSql; 20] {
    let u = &t.usage;
    [
        &c.id,
        &c.harness,
        &t.session_id,
        &t.message_id,
        &t.request_id,
        &t.ts_ms,
        &t.model,
        &t.provider,
        &t.project,
        &t.branch,
        &u.input,
        &u.output,
        &u.reasoning,
        &u.cache_read,
        &u.cache_write_5m,
        &u.cache_write_1h,
        &t.stop_reason,
        &t.complete,
        &c.tools,
        &t.reported_cost_usd,
    ]
}
