//! Crush (Charm): one `crush.db` (SQLite) per project, in the data dirs listed by
//! `projects.json` (`charmbracelet/crush` `internal/projects/projects.go`). Read-only.
//! Table `sessions` (`internal/db/migrations/20250424200609_initial.sql`): `id`,
//! `parent_session_id`, `title`, `prompt_tokens`, `completion_tokens`, `cost`, `created_at`,
//! `updated_at`; table `messages`: `session_id`, `role`, `model`, `provider` (added later),
//! `created_at`. Times are epoch seconds (`strftime('%s', 'now')`, whatever the column
//! comments say).
//!
//! Crush overwrites the token columns at every step (the last prompt and completion, 0 after a
//! summary), so they are not the session's usage; `cost` is the running total, and a child
//! session's cost is added into its parent's (`UpdateSessionTitleAndUsage`). So only a root
//! session is counted, by its cost, with zero tokens; its children are sessions of its tree
//! without turns of their own. The cost is spread over the assistant replies of the root and
//! its descendants by bucket and model ([`super::snapshot`]), kept as the turns' reported
//! cost with zero tokens (priced turns without tokens count the cost their harness reported).

use super::readonly_db::{self, has_column, MAX_ROWS};
use super::snapshot::{epoch_ms, group, DigestState, Reply, SessionTotal};
use crate::vocab::records::{Records, Relationship, SessionInfo, SnapshotGroup, Usage};
use crate::vocab::Harness;
use rusqlite::types::ValueRef;
use std::collections::HashMap;
use std::path::Path;

/// The model of a session whose replies name none (no price table knows it: listed unpriced).
const UNKNOWN_MODEL: &str = "unknown";

struct Session {
    id: String,
    parent: Option<String>,
    title: Option<String>,
    cost: f64,
    at_ms: i64,
}

/// Reads the sessions of one `crush.db` that changed since `state`; `project` is the
/// project directory `projects.json` names for it. Returns the bytes read.
pub fn read(
    path: &Path,
    project: Option<&str>,
    state: &mut DigestState,
    out: &mut Records,
) -> Result<u64, String> {
    let conn = readonly_db::open(path, &["sessions", "messages"], "Crush")?;
    let err = |e: rusqlite::Error| format!("Crush database: {e}");
    let tx = conn.unchecked_transaction().map_err(err)?;
    let sessions = read_sessions(&tx).map_err(err)?;
    let replies = assistant_replies(&tx).map_err(err)?;
    let mut bytes = 0u64;
    let parent_of: HashMap<&str, &str> = sessions
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.parent.as_deref()?)))
        .collect();
    let ids: std::collections::HashSet<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    // The root of each session (a parent missing from the database is the root; a chain is
    // followed at most 64 steps, so a cycle ends).
    let root_of = |id: &str| -> String {
        let mut at = id;
        for _ in 0..64 {
            match parent_of.get(at) {
                Some(p) if *p != at && ids.contains(p) => at = p,
                _ => break,
            }
        }
        at.to_string()
    };
    let mut tree_replies: HashMap<String, Vec<Reply>> = HashMap::new();
    for s in &sessions {
        if let Some(r) = replies.get(&s.id) {
            tree_replies
                .entry(root_of(&s.id))
                .or_default()
                .extend(r.iter().cloned());
        }
    }
    for s in &sessions {
        bytes += 64 + s.id.len() as u64;
        let info = SessionInfo {
            harness: Some(Harness::Crush),
            session_id: s.id.clone(),
            project: project.map(str::to_string),
            branch: None,
            title: s.title.clone(),
            parent: s
                .parent
                .clone()
                .filter(|p| *p != s.id)
                .map(|p| (p, Relationship::Subagent, "crush parent_session_id".into())),
        };
        // A child's cost is in its parent's; a child whose parent is gone from the database
        // (deleted) counts its own.
        if s.parent
            .as_deref()
            .is_some_and(|p| p != s.id && ids.contains(p))
        {
            // An empty group, so rows it had as a root (before it got a parent) go.
            let empty = SnapshotGroup {
                harness: Harness::Crush,
                session_id: s.id.clone(),
                turns: Vec::new(),
            };
            state.emit(info, Some(empty), out);
            continue;
        }
        let mut r = tree_replies.remove(&s.id).unwrap_or_default();
        r.sort_by_key(|x| x.ts_ms);
        let model = r
            .last()
            .map(|x| x.model.clone())
            .unwrap_or_else(|| UNKNOWN_MODEL.to_string());
        let g = if s.cost > 0.0 {
            group(SessionTotal {
                harness: Harness::Crush,
                session_id: s.id.clone(),
                project: project.map(str::to_string),
                provider: None,
                total: Usage::default(),
                cost: Some(s.cost),
                replies: r,
                fallback: Reply {
                    ts_ms: s.at_ms,
                    model,
                },
            })
        } else {
            SnapshotGroup {
                harness: Harness::Crush,
                session_id: s.id.clone(),
                turns: Vec::new(),
            }
        };
        state.emit(info, Some(g), out);
    }
    Ok(bytes)
}

fn read_sessions(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<Session>> {
    let mut stmt = conn.prepare("SELECT * FROM sessions LIMIT ?1")?;
    let col = |name: &str| stmt.column_index(name).ok();
    let (id, parent, title, cost, created, updated) = (
        col("id"),
        col("parent_session_id"),
        col("title"),
        col("cost"),
        col("created_at"),
        col("updated_at"),
    );
    let Some(id) = id else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut rows = stmt.query([MAX_ROWS])?;
    while let Some(row) = rows.next()? {
        let text = |i: Option<usize>| -> Option<String> {
            match row.get_ref(i?).ok()? {
                ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_string),
                _ => None,
            }
            .filter(|s| !s.trim().is_empty())
        };
        let time = |i: Option<usize>| -> Option<i64> {
            match row.get_ref(i?).ok()? {
                ValueRef::Integer(n) => epoch_ms(n),
                ValueRef::Real(f) => epoch_ms(f as i64),
                ValueRef::Text(t) => std::str::from_utf8(t)
                    .ok()
                    .and_then(super::snapshot::parse_db_time),
                _ => None,
            }
        };
        let Some(session_id) = text(Some(id)) else {
            continue;
        };
        let cost = match cost.and_then(|i| row.get_ref(i).ok()) {
            Some(ValueRef::Real(f)) => f,
            Some(ValueRef::Integer(n)) => n as f64,
            _ => 0.0,
        };
        out.push(Session {
            id: session_id,
            parent: text(parent),
            title: text(title),
            cost: if cost.is_finite() && cost > 0.0 {
                cost
            } else {
                0.0
            },
            at_ms: time(updated).or_else(|| time(created)).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Each session's assistant replies: time and model.
fn assistant_replies(conn: &rusqlite::Connection) -> rusqlite::Result<HashMap<String, Vec<Reply>>> {
    let mut out: HashMap<String, Vec<Reply>> = HashMap::new();
    if !has_column(conn, "messages", "created_at") {
        return Ok(out);
    }
    let model_col = if has_column(conn, "messages", "model") {
        "model"
    } else {
        "NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT session_id, created_at, {model_col} FROM messages WHERE role = 'assistant' LIMIT ?1"
    ))?;
    let mut rows = stmt.query([MAX_ROWS])?;
    while let Some(row) = rows.next()? {
        let Ok(Some(session)) = row.get::<_, Option<String>>(0) else {
            continue;
        };
        let ts = match row.get_ref(1)? {
            ValueRef::Integer(n) => epoch_ms(n),
            ValueRef::Real(f) => epoch_ms(f as i64),
            _ => None,
        };
        let model = row
            .get::<_, Option<String>>(2)
            .ok()
            .flatten()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| UNKNOWN_MODEL.to_string());
        if let Some(ts_ms) = ts {
            out.entry(session).or_default().push(Reply { ts_ms, model });
        }
    }
    Ok(out)
}
