//! Folded tags at query time. `stamp_tags` (maintained by a trigger on `stamps`) holds the
//! winning value per (key, selector) in fold order — by `ts`, then write sequence, later
//! wins — so a query loads only the rows of the keys it needs, once, and folds each turn
//! from at most three candidates: its session's stamp, its message's stamp, and a stamp
//! naming both.
//!
//! **Inheritance down session trees** (see `crate::tree`). A session carries, for each key, the
//! value of the nearest session on its path to the root that has a session-level stamp for
//! that key: its own stamp first (folded as above), else its parent's, and so on. Computed
//! here, at query time, from the trees of the stamped sessions (`crate::tree`): a stamp
//! written after ingest applies at once, and to subagents ingested later. A claimed pending
//! stamp is an ordinary session stamp, so it is inherited the same way. Message-level stamps
//! stay on their message: they override their session's inherited value for that turn (a
//! message is nearer than any ancestor), compete with its own stamps in fold order, and are
//! never inherited.

use crate::error::Result;
use crate::ledger::Ledger;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
struct TagVal {
    value: String,
    order: (i64, i64),
    /// Carried down from an ancestor (not the session's own stamp).
    inherited: bool,
}

/// The stamps of a few keys, indexed for folding.
#[derive(Debug, Default)]
pub(crate) struct TagIndex {
    keys: Vec<String>,
    /// session id → value per key (the session's own stamps, else inherited). Looked up per
    /// row a query reads: a fast hash.
    sessions: FxHashMap<String, Vec<Option<TagVal>>>,
    /// message id → (session id or "", key index, value) (stamps naming a message).
    messages: HashMap<String, Vec<(String, usize, TagVal)>>,
}

impl TagIndex {
    pub fn load(ledger: &Ledger, keys: &[String]) -> Result<TagIndex> {
        let conn = ledger.conn()?;
        let mut idx = TagIndex {
            keys: keys.to_vec(),
            ..TagIndex::default()
        };
        let mut stmt = conn
            .prepare_cached(
                "SELECT session_id, message_id, value, ts_ms, seq FROM stamp_tags WHERE key = ?1",
            )
            .map_err(|e| ledger.err(e))?;
        for (k, key) in keys.iter().enumerate() {
            let mut rows = stmt.query([key]).map_err(|e| ledger.err(e))?;
            while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
                let session: String = r.get(0).map_err(|e| ledger.err(e))?;
                let message: String = r.get(1).map_err(|e| ledger.err(e))?;
                let val = TagVal {
                    value: r.get(2).map_err(|e| ledger.err(e))?,
                    order: (
                        r.get(3).map_err(|e| ledger.err(e))?,
                        r.get(4).map_err(|e| ledger.err(e))?,
                    ),
                    inherited: false,
                };
                if message.is_empty() {
                    let slots = idx
                        .sessions
                        .entry(session)
                        .or_insert_with(|| vec![None; keys.len()]);
                    slots[k] = Some(val);
                } else {
                    idx.messages
                        .entry(message)
                        .or_default()
                        .push((session, k, val));
                }
            }
        }
        idx.inherit(ledger)?;
        Ok(idx)
    }

    /// Carries each stamped session's values down its subtree (nearest stamp per key wins).
    /// Reads only the sessions below stamped sessions (`parent_id` index, level by level).
    fn inherit(&mut self, ledger: &Ledger) -> Result<()> {
        if self.sessions.is_empty() {
            return Ok(());
        }
        let conn = ledger.conn()?;
        let mut stamped: Vec<&str> = self.sessions.keys().map(String::as_str).collect();
        stamped.sort_unstable();
        let nodes = crate::tree::descendants_of(conn, &stamped).map_err(|e| ledger.err(e))?;
        // Parents come before children: each node starts from its parent's folded values.
        for n in nodes {
            let Some(parent) = n.parent_id.as_deref() else {
                continue;
            };
            let Some(from_parent) = self.sessions.get(parent) else {
                continue;
            };
            let carried: Vec<Option<TagVal>> = from_parent
                .iter()
                .map(|v| {
                    v.as_ref().map(|t| TagVal {
                        inherited: true,
                        ..t.clone()
                    })
                })
                .collect();
            let slots = self
                .sessions
                .entry(n.session_id)
                .or_insert_with(|| vec![None; carried.len()]);
            for (own, up) in slots.iter_mut().zip(carried) {
                if own.is_none() {
                    *own = up;
                }
            }
        }
        Ok(())
    }

    /// Message ids that carry stamps of these keys.
    pub fn stamped_messages(&self) -> Vec<&str> {
        self.messages.keys().map(String::as_str).collect()
    }

    /// Sessions whose own (session-level) tags match every `(key index, value)` of `want`.
    pub fn matching_sessions(&self, want: &[(usize, String)]) -> Vec<&str> {
        self.sessions
            .iter()
            .filter(|(_, slots)| slots_match(slots, want))
            .map(|(s, _)| s.as_str())
            .collect()
    }

    /// Whether a session's own or inherited tags match every `(key index, value)` of `want`.
    pub fn session_matches(&self, session: &str, want: &[(usize, String)]) -> bool {
        self.sessions
            .get(session)
            .is_some_and(|slots| slots_match(slots, want))
    }

    /// Folded value per key for a turn. With `message == None`, session-level stamps only.
    pub fn fold<'a>(
        &'a self,
        session: &str,
        message: Option<&str>,
        out: &mut Vec<Option<&'a str>>,
    ) {
        out.clear();
        let slots = self.sessions.get(session);
        let entries = message.and_then(|m| self.messages.get(m));
        let Some(entries) = entries else {
            // No message stamp: the session's values as they are (most rows).
            out.extend(
                (0..self.keys.len())
                    .map(|k| slots.and_then(|s| s[k].as_ref()).map(|t| t.value.as_str())),
            );
            return;
        };
        let mut best: Vec<Option<&TagVal>> = (0..self.keys.len())
            .map(|k| slots.and_then(|s| s[k].as_ref()))
            .collect();
        for (s, k, val) in entries {
            // A message stamp beats an inherited value outright (it is nearer), and the
            // session's own stamps in fold order.
            if (s.is_empty() || s == session)
                && best[*k].is_none_or(|b| b.inherited || val.order > b.order)
            {
                best[*k] = Some(val);
            }
        }
        out.extend(best.into_iter().map(|b| b.map(|t| t.value.as_str())));
    }
}

fn slots_match(slots: &[Option<TagVal>], want: &[(usize, String)]) -> bool {
    want.iter().all(|(k, v)| {
        slots
            .get(*k)
            .and_then(Option::as_ref)
            .is_some_and(|t| &t.value == v)
    })
}

/// Folded session-level tags (every key) of `ids`, with inheritance: each session's own
/// stamps over its parent's folded tags, up to the root. Reads the stamp fold of the
/// sessions and their ancestors only.
pub(crate) fn session_tags(
    ledger: &Ledger,
    ids: &[&str],
) -> Result<HashMap<String, BTreeMap<String, String>>> {
    let conn = ledger.conn()?;
    let chains = crate::tree::ancestors(conn, ids).map_err(|e| ledger.err(e))?;
    let mut all: Vec<&str> = ids.to_vec();
    for chain in chains.values() {
        all.extend(chain.iter().map(String::as_str));
    }
    all.sort_unstable();
    all.dedup();
    let list = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
    let mut own: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT session_id, key, value FROM stamp_tags
             WHERE message_id = '' AND session_id IN (SELECT value FROM json_each(?1))",
        )
        .map_err(|e| ledger.err(e))?;
    let mut q = stmt.query([&list]).map_err(|e| ledger.err(e))?;
    while let Some(r) = q.next().map_err(|e| ledger.err(e))? {
        let (s, k, v): (String, String, String) = (|| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))()
            .map_err(|e: rusqlite::Error| ledger.err(e))?;
        own.entry(s).or_default().insert(k, v);
    }
    let mut out = HashMap::new();
    for &id in ids {
        let mut tags = BTreeMap::new();
        let chain = chains.get(id).map(Vec::as_slice).unwrap_or(&[]);
        // Farthest ancestor first, so nearer stamps overwrite.
        for s in chain.iter().rev().map(String::as_str).chain([id]) {
            if let Some(t) = own.get(s) {
                tags.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        out.insert(id.to_string(), tags);
    }
    Ok(out)
}
