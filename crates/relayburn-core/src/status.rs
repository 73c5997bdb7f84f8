//! `status()`: where the ledger is, its schema, its size and what it holds.

use crate::error::Result;
use crate::ledger::{Ledger, SCHEMA_VERSION};
use crate::vocab::Harness;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub ledger_home: PathBuf,
    pub ledger_path: PathBuf,
    pub schema_version: i64,
    /// Bytes on disk of the database and its WAL.
    pub ledger_bytes: i64,
    pub stamps: i64,
    /// Unclaimed pending stamps (an expired one stays until the next ingest removes it).
    pub pending_stamps: i64,
    pub turns: i64,
    /// Sessions seen in logs (placeholders for parents not yet seen excluded).
    pub sessions: i64,
    /// Sessions and turns per harness, every harness in [`Harness::ALL`] order.
    pub harnesses: Vec<HarnessCount>,
    /// When the last ingest finished (epoch ms), if any.
    pub last_ingest_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarnessCount {
    pub harness: Harness,
    pub sessions: i64,
    pub turns: i64,
}

pub fn status(ledger: &Ledger) -> Result<Status> {
    let conn = ledger.conn()?;
    let count = |sql: &str| -> Result<i64> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| ledger.err(e))
    };
    let stamps = count("SELECT count(*) FROM stamps")?;
    let pending_stamps = crate::stamp::pending::count_waiting(conn).map_err(|e| ledger.err(e))?;
    let turns = count("SELECT count(*) FROM turns")?;
    let sessions = count("SELECT count(*) FROM sessions WHERE placeholder = 0")?;
    // From the sessions' counters (kept by triggers): far fewer rows than turns.
    let mut per: std::collections::HashMap<String, (i64, i64)> = conn
        .prepare_cached(
            "SELECT harness, count(*), coalesce(sum(turns), 0) FROM sessions
             WHERE placeholder = 0 GROUP BY harness",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?
                .collect()
        })
        .map_err(|e| ledger.err(e))?;
    let harnesses = Harness::ALL
        .into_iter()
        .map(|h| {
            let (sessions, turns) = per.remove(h.as_str()).unwrap_or((0, 0));
            HarnessCount {
                harness: h,
                sessions,
                turns,
            }
        })
        .collect();
    let last_ingest_ms: Option<i64> = conn
        .query_row("SELECT max(finished_ms) FROM ingest_runs", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))?;
    let size = |suffix: &str| {
        let mut p = ledger.path().as_os_str().to_owned();
        p.push(suffix);
        std::fs::metadata(PathBuf::from(p))
            .map(|m| i64::try_from(m.len()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    };
    Ok(Status {
        ledger_home: ledger.home().to_path_buf(),
        ledger_path: ledger.path().to_path_buf(),
        schema_version: SCHEMA_VERSION,
        ledger_bytes: size("") + size("-wal"),
        stamps,
        pending_stamps,
        turns,
        sessions,
        harnesses,
        last_ingest_ms,
    })
}
