//! A `turns` row as the ingest writers bind it: the one place its columns are named in
//! order, for the ledger writer (`writer`) and the snapshot writer (`snapshot_writer`); and
//! the derived columns of a batch's rows, computed where the batch is parsed ([`Prepared`]).

use crate::hash::{id64, id64_joined};
use crate::vocab::records::{Records, TurnRecord, UserTurnRecord};
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
            tools: tools_json(t),
        }
    }

    /// After the record's tool calls changed (a merge added some).
    pub fn retool(&mut self, t: &TurnRecord) {
        self.tools = tools_json(t);
    }
}

fn tools_json(t: &TurnRecord) -> String {
    serde_json::to_string(&t.tool_calls).unwrap_or_else(|_| "[]".into())
}

/// What a `user_turns` row stores beyond the record's own fields: its id and its blocks as
/// JSON.
pub(super) struct UserTurnColumns {
    pub id: i64,
    pub blocks: String,
}

impl UserTurnColumns {
    pub fn of(u: &UserTurnRecord) -> Self {
        UserTurnColumns {
            id: id64_joined(&[u.harness.as_str(), &u.session_id, &u.uuid]),
            blocks: serde_json::to_string(&u.blocks).unwrap_or_else(|_| "[]".into()),
        }
    }
}

/// The derived columns of a batch's turns and user turns, in the records' order. The parse
/// thread that made the batch computes them (`Prepared::of`), because the one writer thread is
/// the critical path of a large ingest: hashing and JSON there cost about 5 % of its time.
/// Empty (the default) means not computed; the writer then computes each row's itself.
#[derive(Default)]
pub struct Prepared {
    pub(super) turns: Vec<TurnColumns>,
    pub(super) user_turns: Vec<UserTurnColumns>,
}

impl Prepared {
    pub fn of(r: &Records) -> Self {
        Prepared {
            turns: r.turns.iter().map(TurnColumns::of).collect(),
            user_turns: r.user_turns.iter().map(UserTurnColumns::of).collect(),
        }
    }

    /// These columns if they were computed for `r`, else computed now.
    pub fn for_records(self, r: &Records) -> Self {
        let fits = self.turns.len() == r.turns.len() && self.user_turns.len() == r.user_turns.len();
        if fits {
            self
        } else {
            Prepared::of(r)
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
