//! Turn filters shared by queries: a time window, equality filters and tags, compiled to SQL
//! `WHERE` clauses with bound parameters (never string-interpolated values).

use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::time::{Edge, Zone};
use crate::vocab::Harness;
use rusqlite::types::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct TurnFilter {
    /// Inclusive lower bound: ISO-8601 instant, relative (`30m`, `24h`, `7d`, `4w`, `3mo`), or
    /// a date / `today` / `yesterday` / `this-week` / `this-month` in the query's zone.
    pub since: Option<String>,
    /// Exclusive upper bound, same forms (a date or calendar name includes its whole period).
    pub until: Option<String>,
    pub harness: Option<String>,
    /// A session and, unless `descendants` is `Some(false)`, every session below it in its
    /// tree (subagents, forks, continuations: see `crate::tree`).
    pub session: Option<String>,
    /// With `session`: count its descendants too (default `true`).
    pub descendants: Option<bool>,
    /// The model as grouped: matches every raw id with the same model key
    /// (`PriceTable::model_key`: `claude-x`, `provider/claude-x`, Bedrock and Vertex ids…).
    pub model: Option<String>,
    pub project: Option<String>,
    /// Folded tags that must all match (see `super::tags`).
    pub tags: BTreeMap<String, String>,
}

/// A validated filter: the window in epoch ms and the equality clauses.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Equality clauses over the columns shared by `turns` and `turn_rollup`.
    pub clauses: Vec<String>,
    /// The clauses name no column but `harness` (the only one `turn_hourly` also has).
    pub hourly: bool,
    pub params: Vec<Value>,
    pub tags: Vec<(String, String)>,
    /// The `model` filter as given; matched by model key when rows are counted (a raw id's
    /// key needs the price table, so it is not a SQL clause).
    pub model: Option<String>,
}

impl TurnFilter {
    /// Validates the filter; a `session` is expanded to its tree through `ledger`.
    pub(crate) fn resolve(
        &self,
        ledger: &crate::ledger::Ledger,
        now_ms: i64,
        zone: &Zone,
    ) -> Result<Resolved> {
        let since = self
            .since
            .as_deref()
            .map(|s| zone.bound_ms(Edge::Since, s, now_ms))
            .transpose()?;
        let until = self
            .until
            .as_deref()
            .map(|u| zone.bound_ms(Edge::Until, u, now_ms))
            .transpose()?;
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        if let Some(h) = &self.harness {
            Harness::parse("harness", h)?;
            clauses.push("harness = ?".to_string());
            params.push(Value::Text(h.clone()));
        }
        if let Some(s) = &self.session {
            crate::validate::selector("session", s)?;
            if self.descendants.unwrap_or(true) {
                let conn = ledger.conn()?;
                if crate::tree::root_of(conn, s).map_err(|e| ledger.err(e))? == *s {
                    // A root (or unknown id): its whole tree, straight from the `root_id` index.
                    clauses.push(
                        "session_id IN (SELECT session_id FROM session_tree WHERE root_id = ? UNION ALL SELECT ?)"
                            .to_string(),
                    );
                    params.push(Value::Text(s.clone()));
                    params.push(Value::Text(s.clone()));
                } else {
                    let ids = tree_ids(ledger, s)?;
                    clauses.push("session_id IN (SELECT value FROM json_each(?))".to_string());
                    params.push(Value::Text(
                        serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
                    ));
                }
            } else {
                clauses.push("session_id = ?".to_string());
                params.push(Value::Text(s.clone()));
            }
        } else if self.descendants.is_some() {
            return Err(Error::invalid("descendants", "needs a session"));
        }
        if let Some(p) = &self.project {
            crate::validate::selector("project", p)?;
            clauses.push("project = ?".to_string());
            params.push(Value::Text(p.clone()));
        }
        if let Some(m) = &self.model {
            crate::validate::selector("model", m)?;
        }
        let tags = validate_tags(&self.tags)?;
        Ok(Resolved {
            since,
            until,
            hourly: self.session.is_none() && self.project.is_none(),
            clauses,
            params,
            tags,
            model: self.model.clone(),
        })
    }
}

/// Tag filters follow the stamp rules for keys and values.
pub(crate) fn validate_tags(tags: &BTreeMap<String, String>) -> Result<Vec<(String, String)>> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    crate::validate::enrichment("tags", tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

impl Resolved {
    /// The clauses plus a `[lo, hi)` window on `col`, as `WHERE …` (or empty).
    pub fn where_sql(&self, col: &str, lo: Option<i64>, hi: Option<i64>) -> (String, Vec<Value>) {
        let mut clauses = self.clauses.clone();
        let mut params = self.params.clone();
        if let Some(lo) = lo {
            clauses.push(format!("{col} >= ?"));
            params.push(Value::Integer(lo));
        }
        if let Some(hi) = hi {
            clauses.push(format!("{col} < ?"));
            params.push(Value::Integer(hi));
        }
        if clauses.is_empty() {
            (String::new(), params)
        } else {
            (format!("WHERE {}", clauses.join(" AND ")), params)
        }
    }

    /// Checks `since < until` when both are given.
    pub fn check_window(&self) -> Result<()> {
        match (self.since, self.until) {
            (Some(s), Some(u)) if s > u => Err(Error::invalid("until", "must not be before since")),
            _ => Ok(()),
        }
    }
}

/// The session ids of `id`'s tree below and including it (`[id]` when unknown).
pub(super) fn tree_ids(ledger: &Ledger, id: &str) -> Result<Vec<String>> {
    let conn = ledger.conn()?;
    Ok(crate::tree::subtree(conn, id)
        .map_err(|e| ledger.err(e))?
        .into_iter()
        .map(|n| n.session_id)
        .collect())
}
