//! Pending stamps: labels for "the next session this launcher spawns", written by
//! launchers that cannot know the session id in advance (Codex, OpenCode).
//!
//! A pending stamp is claimed during ingest, inside the write transaction that first stores a
//! session's events (turns or user turns), by a session that:
//! - belongs to the same harness and is not a subagent;
//! - ran in the same directory: both sides are made absolute with symlinks resolved;
//! - had its first event at or after `spawnStartTs` minus [`CLOCK_SLACK_MS`], and before the
//!   stamp expired ([`PENDING_TTL_MS`] after `spawnStartTs`);
//! - has its log file inside `sessionDirHint`, when one was given.
//!
//! New sessions are matched in order of their first event, each to the oldest waiting stamp
//! that fits (spawn order). A claim becomes an ordinary session stamp with the pending
//! stamp's id, enrichment and `ts = spawnStartTs`. Because ingest writes under
//! `BEGIN IMMEDIATE`, concurrent ingesters are serialized: a session whose events are already
//! in the ledger is never new again, so each stamp and each session is claimed at most once.

use super::PendingStampRequest;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::time;
use crate::validate;
use crate::vocab::Harness;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How long an unclaimed pending stamp waits for its session, from `spawnStartTs`.
pub const PENDING_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// A session whose first event is up to this much older than `spawnStartTs` still matches
/// (timestamps truncated to seconds, a launcher taking its time after spawning).
pub const CLOCK_SLACK_MS: i64 = 2_000;
/// Longest accepted `cwd` / `sessionDirHint`, in characters (the rule of every path option).
pub use crate::validate::MAX_PATH_CHARS;

/// A validated pending stamp request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPending {
    pub harness: Harness,
    /// Canonical working directory.
    pub cwd: String,
    pub spawn_start_ms: i64,
    pub spawner_pid: Option<i64>,
    /// Canonical directory the session's log must lie in.
    pub session_dir_hint: Option<String>,
}

/// What `write_pending_stamp` stored: the id (the stamp id once claimed) and the expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReceipt {
    pub id: String,
    pub expires_ms: i64,
}

impl PendingStampRequest {
    /// Checks every rule and canonicalizes the paths (reads the filesystem, writes nothing).
    pub fn validate(&self) -> Result<ValidPending> {
        let harness = match &self.harness {
            Some(h) => Harness::parse("harness", h)?,
            None => {
                return Err(Error::invalid(
                    "harness",
                    format!("is required: one of {}", Harness::names()),
                ));
            }
        };
        let Some(cwd) = &self.cwd else {
            return Err(Error::invalid("cwd", "is required"));
        };
        path_rules("cwd", cwd)?;
        let cwd = canonical_path(Path::new(cwd));
        if !cwd.is_dir() {
            return Err(Error::invalid(
                "cwd",
                format!("is not an existing directory: {}", cwd.display()),
            ));
        }
        validate::enrichment(
            "enrichment",
            self.enrichment
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let spawn_start_ms = match &self.spawn_start_ts {
            Some(ts) => time::parse_instant_ms("spawnStartTs", ts)?,
            None => time::now_ms(),
        };
        if let Some(pid) = self.spawner_pid {
            if !(1..=i64::from(u32::MAX)).contains(&pid) {
                return Err(Error::invalid(
                    "spawnerPid",
                    "must be a positive integer process id",
                ));
            }
        }
        let session_dir_hint = match &self.session_dir_hint {
            Some(hint) => {
                path_rules("sessionDirHint", hint)?;
                Some(path_string(&canonical_path(Path::new(hint))))
            }
            None => None,
        };
        Ok(ValidPending {
            harness,
            cwd: path_string(&cwd),
            spawn_start_ms,
            spawner_pid: self.spawner_pid,
            session_dir_hint,
        })
    }
}

fn path_rules(field: &str, value: &str) -> Result<()> {
    validate::path(field, value)
}

/// Validates and stores one pending stamp in a `BEGIN IMMEDIATE` transaction.
pub fn write_pending_stamp(
    ledger: &mut Ledger,
    request: &PendingStampRequest,
) -> Result<PendingReceipt> {
    let v = request.validate()?;
    let enrichment = serde_json::to_string(&request.enrichment)
        .map_err(|e| Error::Internal(format!("cannot encode enrichment: {e}")))?;
    let expires_ms = v.spawn_start_ms.saturating_add(PENDING_TTL_MS);
    let path = ledger.path().to_path_buf();
    let id = ledger.write_priority(|tx| {
        tx.query_row(
            "INSERT INTO pending_stamps (id, harness, cwd, enrichment, spawn_start_ms, spawner_pid,
                session_dir_hint, created_ms, expires_ms)
             VALUES (lower(hex(randomblob(8))), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             RETURNING id",
            params![
                v.harness.as_str(),
                v.cwd,
                enrichment,
                v.spawn_start_ms,
                v.spawner_pid,
                v.session_dir_hint,
                time::now_ms(),
                expires_ms
            ],
            |r| r.get::<_, String>(0),
        )
        .map_err(|e| Error::sqlite(&path, e))
    })?;
    Ok(PendingReceipt { id, expires_ms })
}

/// Absolute, with symlinks resolved: the longest existing ancestor is canonicalized and the
/// rest appended, so paths that no longer (or do not yet) exist still compare consistently.
pub fn canonical_path(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing: &Path = &abs;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = strip_verbatim(real);
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// Windows `canonicalize` answers `\\?\C:\…`; keep the ordinary form for plain drive paths.
fn strip_verbatim(p: PathBuf) -> PathBuf {
    #[cfg(windows)]
    {
        let s = p.to_string_lossy();
        if let Some(rest) = s.strip_prefix(r"\\?\") {
            let b = rest.as_bytes();
            if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
                return PathBuf::from(rest);
            }
        }
    }
    p
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

// ---- matching at ingest (called inside the writer's transaction) ----

/// True when some unclaimed pending stamp is stored (the writer skips all matching work
/// otherwise).
pub(crate) fn any_waiting(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM pending_stamps WHERE claimed_session_id IS NULL)",
    )?
    .query_row([], |r| r.get(0))
}

/// True when the ledger already holds events (turns or user turns) of this session.
pub(crate) fn has_events(
    conn: &Connection,
    harness: Harness,
    session_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE harness = ?1 AND session_id = ?2 AND first_ts_ms IS NOT NULL)
             OR EXISTS (SELECT 1 FROM user_turns WHERE harness = ?1 AND session_id = ?2)",
    )?
    .query_row(params![harness.as_str(), session_id], |r| r.get(0))
}

/// A session that had no events in the ledger when the current write transaction began.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    pub harness: Harness,
    pub session_id: String,
    /// The log file its first records came from.
    pub file: String,
}

struct Waiting {
    seq: i64,
    id: String,
    harness: String,
    cwd: String,
    enrichment: String,
    spawn_start_ms: i64,
    expires_ms: i64,
    hint: Option<PathBuf>,
}

struct Candidate<'a> {
    session: &'a NewSession,
    first_ms: i64,
    cwd: String,
}

/// Matches new sessions (whose events this transaction wrote) to waiting pending stamps and
/// turns each claim into a session stamp. Returns the number of claims.
pub(crate) fn claim(conn: &Connection, new: &[NewSession], now_ms: i64) -> rusqlite::Result<i64> {
    let mut canon: HashMap<String, String> = HashMap::new();
    let mut candidates = Vec::new();
    for s in new {
        let row = conn
            .prepare_cached(
                "SELECT project, first_ts_ms, relationship,
                        (SELECT min(ts_ms) FROM user_turns WHERE harness = ?1 AND session_id = ?2)
                 FROM sessions WHERE harness = ?1 AND session_id = ?2",
            )?
            .query_row(params![s.harness.as_str(), s.session_id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })
            .optional()?;
        let Some((Some(project), first_turn, relationship, first_user)) = row else {
            continue;
        };
        // A subagent is started by its parent session, not by a launcher.
        if relationship == "subagent" {
            continue;
        }
        let first_ms = match (first_turn, first_user) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => continue,
        };
        let cwd = canon
            .entry(project.clone())
            .or_insert_with(|| path_string(&canonical_path(Path::new(&project))))
            .clone();
        candidates.push(Candidate {
            session: s,
            first_ms,
            cwd,
        });
    }
    if candidates.is_empty() {
        return Ok(0);
    }
    candidates.sort_by(|a, b| {
        (a.first_ms, &a.session.session_id).cmp(&(b.first_ms, &b.session.session_id))
    });

    let mut waiting = conn
        .prepare_cached(
            "SELECT seq, id, harness, cwd, enrichment, spawn_start_ms, expires_ms, session_dir_hint
             FROM pending_stamps WHERE claimed_session_id IS NULL ORDER BY spawn_start_ms, seq",
        )?
        .query_map([], |r| {
            Ok(Waiting {
                seq: r.get(0)?,
                id: r.get(1)?,
                harness: r.get(2)?,
                cwd: r.get(3)?,
                enrichment: r.get(4)?,
                spawn_start_ms: r.get(5)?,
                expires_ms: r.get(6)?,
                hint: r.get::<_, Option<String>>(7)?.map(PathBuf::from),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let mut claimed = 0;
    for c in candidates {
        let harness = c.session.harness.as_str();
        let mut file: Option<PathBuf> = None;
        let mut pick = None;
        for (i, p) in waiting.iter().enumerate() {
            if p.harness != harness
                || p.cwd != c.cwd
                || c.first_ms < p.spawn_start_ms.saturating_sub(CLOCK_SLACK_MS)
                || c.first_ms >= p.expires_ms
            {
                continue;
            }
            if let Some(hint) = &p.hint {
                let f = file.get_or_insert_with(|| canonical_path(Path::new(&c.session.file)));
                if !f.starts_with(hint) {
                    continue;
                }
            }
            pick = Some(i);
            break;
        }
        let Some(i) = pick else { continue };
        let p = waiting.remove(i);
        let updated = conn
            .prepare_cached(
                "UPDATE pending_stamps SET claimed_harness = ?2, claimed_session_id = ?3, claimed_ms = ?4
                 WHERE seq = ?1 AND claimed_session_id IS NULL
                   AND NOT EXISTS (SELECT 1 FROM pending_stamps WHERE claimed_harness = ?2 AND claimed_session_id = ?3)",
            )?
            .execute(params![p.seq, harness, c.session.session_id, now_ms])?;
        if updated == 1 {
            conn.prepare_cached(
                "INSERT INTO stamps (id, session_id, message_id, enrichment, ts_ms)
                 VALUES (?1, ?2, NULL, ?3, ?4) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                p.id,
                c.session.session_id,
                p.enrichment,
                p.spawn_start_ms
            ])?;
            claimed += 1;
        }
    }
    Ok(claimed)
}

/// Deletes unclaimed pending stamps that expired; returns how many.
pub(crate) fn expire(conn: &Connection, now_ms: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM pending_stamps WHERE claimed_session_id IS NULL AND expires_ms <= ?1",
    )?
    .execute([now_ms])
}

/// Unclaimed pending stamps stored (expired ones stay until the next ingest removes them).
pub(crate) fn count_waiting(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM pending_stamps WHERE claimed_session_id IS NULL")?
        .query_row([], |r| r.get(0))
}
