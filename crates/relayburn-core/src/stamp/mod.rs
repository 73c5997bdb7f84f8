//! Stamps: user-written labels attached to a session or a message by exact id.
//! Validation lives here, so every caller (Node, CLI, Rust) gets the same rules.

use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::time;
use crate::validate;
use rusqlite::params;
use std::collections::BTreeMap;

pub mod pending;
pub mod transfer;

pub use pending::{write_pending_stamp, PendingReceipt, CLOCK_SLACK_MS, PENDING_TTL_MS};
pub use transfer::{export_stamps, import_stamps, ExportReceipt, ImportReceipt};

/// What to stamp and with which labels. At least one selector is required.
#[derive(Debug, Clone, Default)]
pub struct StampRequest {
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    /// Label key → value. Serialized with sorted keys.
    pub enrichment: BTreeMap<String, String>,
    /// ISO-8601 instant (any offset); defaults to now.
    pub ts: Option<String>,
}

/// A stamp for the next new session of `harness` started in `cwd` (see [`pending`]).
/// `harness` and `cwd` are required; they are options here so that a missing one is refused
/// with an error naming it.
#[derive(Debug, Clone, Default)]
pub struct PendingStampRequest {
    pub harness: Option<String>,
    /// Working directory of the spawned agent; made absolute with symlinks resolved.
    pub cwd: Option<String>,
    pub enrichment: BTreeMap<String, String>,
    /// ISO-8601 instant just before the spawn; defaults to now.
    pub spawn_start_ts: Option<String>,
    pub spawner_pid: Option<i64>,
    /// Directory the session's log will be written in (narrows the match).
    pub session_dir_hint: Option<String>,
}

/// The stored stamp's id and normalized time (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampReceipt {
    pub id: String,
    pub ts_ms: i64,
}

/// A stored stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub id: String,
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    pub enrichment: BTreeMap<String, String>,
    pub ts_ms: i64,
    /// Write sequence: orders stamps that share a `ts_ms`.
    pub seq: i64,
}

/// Which stamps to list; empty lists all.
#[derive(Debug, Clone, Default)]
pub struct StampFilter {
    pub session_id: Option<String>,
    pub message_id: Option<String>,
}

impl StampRequest {
    /// Checks every stamp rule (selectors, enrichment, `ts`) and returns the normalized `ts` in epoch ms.
    pub fn validate(&self) -> Result<i64> {
        if self.session_id.is_none() && self.message_id.is_none() {
            return Err(Error::invalid(
                "sessionId",
                "a selector is required: pass sessionId or messageId",
            ));
        }
        if let Some(id) = &self.session_id {
            validate::selector("sessionId", id)?;
        }
        if let Some(id) = &self.message_id {
            validate::selector("messageId", id)?;
        }
        validate::enrichment(
            "enrichment",
            self.enrichment
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        match &self.ts {
            Some(ts) => time::parse_instant_ms("ts", ts),
            None => Ok(time::now_ms()),
        }
    }
}

/// Validates and appends one stamp. The write is a single `BEGIN IMMEDIATE` transaction.
pub fn write_stamp(ledger: &mut Ledger, request: &StampRequest) -> Result<StampReceipt> {
    let ts_ms = request.validate()?;
    let enrichment = serde_json::to_string(&request.enrichment)
        .map_err(|e| Error::Internal(format!("cannot encode enrichment: {e}")))?;
    let path = ledger.path().to_path_buf();
    let id = ledger.write_priority(|tx| {
        tx.query_row(
            "INSERT INTO stamps (id, session_id, message_id, enrichment, ts_ms)
             VALUES (lower(hex(randomblob(8))), ?1, ?2, ?3, ?4)
             RETURNING id",
            params![request.session_id, request.message_id, enrichment, ts_ms],
            |r| r.get::<_, String>(0),
        )
        .map_err(|e| Error::sqlite(&path, e))
    })?;
    Ok(StampReceipt { id, ts_ms })
}

/// Lists stamps in fold order (ts, then write sequence), optionally for one selector.
pub fn list_stamps(ledger: &Ledger, filter: &StampFilter) -> Result<Vec<Stamp>> {
    if let Some(id) = &filter.session_id {
        validate::selector("sessionId", id)?;
    }
    if let Some(id) = &filter.message_id {
        validate::selector("messageId", id)?;
    }
    let conn = ledger.conn()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, session_id, message_id, enrichment, ts_ms, seq FROM stamps
             WHERE (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR message_id = ?2)
             ORDER BY ts_ms, seq",
        )
        .map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map(params![filter.session_id, filter.message_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .map_err(|e| ledger.err(e))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, session_id, message_id, enrichment, ts_ms, seq) =
            row.map_err(|e| ledger.err(e))?;
        let enrichment = serde_json::from_str(&enrichment).map_err(|e| Error::LedgerCorrupt {
            path: ledger.path().to_path_buf(),
            detail: format!("stamp {id} has unreadable enrichment: {e}"),
        })?;
        out.push(Stamp {
            id,
            session_id,
            message_id,
            enrichment,
            ts_ms,
            seq,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
