//! Folded tags at query time. `stamp_tags` (maintained by a trigger on `stamps`) holds the
//! winning value per (key, selector) in fold order — by `ts`, then write sequence, later
//! wins — so a query loads only the rows of the keys it needs, once, and folds each turn
//! from at most three candidates: its session's stamp, its message's stamp, and a stamp
//! naming both.

use crate::error::Result;
use crate::ledger::Ledger;
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct TagVal {
    value: String,
    order: (i64, i64),
}

/// The stamps of a few keys, indexed for folding.
#[derive(Debug, Default)]
pub(crate) struct TagIndex {
    keys: Vec<String>,
    /// session id → value per key (stamps by session id only).
    sessions: HashMap<String, Vec<Option<TagVal>>>,
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
        Ok(idx)
    }

    /// Message ids that carry stamps of these keys.
    pub fn stamped_messages(&self) -> Vec<&str> {
        self.messages.keys().map(String::as_str).collect()
    }

    /// Sessions whose own (session-level) tags match every `(key index, value)` of `want`.
    pub fn matching_sessions(&self, want: &[(usize, String)]) -> Vec<&str> {
        self.sessions
            .iter()
            .filter(|(_, slots)| {
                want.iter().all(|(k, v)| {
                    slots
                        .get(*k)
                        .and_then(Option::as_ref)
                        .is_some_and(|t| &t.value == v)
                })
            })
            .map(|(s, _)| s.as_str())
            .collect()
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
        let mut best: Vec<Option<&TagVal>> = (0..self.keys.len())
            .map(|k| slots.and_then(|s| s[k].as_ref()))
            .collect();
        if let Some(entries) = message.and_then(|m| self.messages.get(m)) {
            for (s, k, val) in entries {
                if (s.is_empty() || s == session) && best[*k].is_none_or(|b| val.order > b.order) {
                    best[*k] = Some(val);
                }
            }
        }
        out.extend(best.into_iter().map(|b| b.map(|t| t.value.as_str())));
    }
}
