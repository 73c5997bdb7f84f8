//! The derived analysis table (`analysis_rows`, migration 12): per session, model and
//! long-context class, the turns' own counters (`dim` '') and the tokens the attribution model
//! grants each tool, file and shell command. A turn's attribution depends only on its
//! session's history (earlier turns, results, compactions), never on the query, so the rows
//! of a session whose turns are all in scope (or all out) answer any window, tags or model
//! filter by addition; the sessions a query cuts through (a window edge inside the session,
//! message-level stamps) are walked directly (`timeline`), as before.
//!
//! Kept current by a catch-up step each analysis runs first: triggers mark a session in
//! `analysis_dirty` in the transaction that changes any of its turns, user turns or
//! compactions; [`catch_up`] derives the marked sessions again and clears their marks in one
//! `BEGIN IMMEDIATE` transaction per chunk (read and write under the same lock, so a
//! concurrent ingest's marks are either seen or left for the next run; two analyses catching
//! up at once derive each session once). The migration marks every existing session, and a
//! rebuild's re-ingest marks the sessions it writes.

use super::attribution::{attribute_with, Grants, HotspotBy};
use super::timeline::{walk_prepared, Models, Need, Only, Prepared, Session, Turn};
use crate::error::{Error, Result};
use crate::ledger::priority::Probe;
use crate::ledger::Ledger;
use crate::pricing::{ModelPrice, PriceTable, Rates, Tokens};
use crate::query::{Resolved, Totals};
use rusqlite::types::Value;
use std::collections::HashMap;

/// Sessions derived per catch-up transaction (bounded so stamps never wait long).
const CHUNK: i64 = 2_000;

/// The attribution dimensions stored, by their `dim` name.
const DIMS: [(HotspotBy, &str); 3] = [
    (HotspotBy::Tool, "tool"),
    (HotspotBy::File, "file"),
    (HotspotBy::Command, "command"),
];

/// One stored row's figures.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agg {
    pub turns: i64,
    pub calls: i64,
    pub result_bytes: i64,
    /// Attributed fresh tokens (attribution rows).
    pub fresh: i64,
    /// Attributed cache reads (attribution rows) or the turns' cache reads ('' rows).
    pub cache_read: i64,
    /// The fresh grants split over input and the two cache writes as each turn's fresh pool
    /// was: priced at query time, so a new price table applies at once.
    pub fresh_input: f64,
    pub fresh_w5m: f64,
    pub fresh_w1h: f64,
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

impl Agg {
    /// The cost of the attributed tokens at `rates`.
    pub fn attributed_cost(&self, rates: &Rates) -> f64 {
        (self.fresh_input * rates.input
            + self.fresh_w5m * rates.cache_write_5m
            + self.fresh_w1h * rates.cache_write_1h
            + self.cache_read as f64 * rates.cache_read)
            / 1_000_000.0
    }

    /// The turns' own tokens ('' rows).
    pub fn tokens(&self) -> Tokens {
        Tokens {
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write_5m: self.cache_write_5m,
            cache_write_1h: self.cache_write_1h,
        }
    }
}

/// Derives the sessions marked in `analysis_dirty` again, chunk by chunk.
pub(crate) fn catch_up(ledger: &Ledger) -> Result<()> {
    let probe = Probe::new(ledger.home());
    let mut prices: Option<PriceTable> = None;
    // Bounded by the marks found at the start: sessions an ingest marks meanwhile are left
    // for the next run (and walked by this one), so a long ingest is never chased.
    let marked: i64 = ledger
        .conn()?
        .query_row("SELECT COUNT(*) FROM analysis_dirty", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))?;
    for _ in 0..(marked + CHUNK - 1) / CHUNK {
        let conn = ledger.conn()?;
        let prices = match &mut prices {
            Some(p) => p,
            None => prices.insert(PriceTable::load(ledger.home())?),
        };
        probe.yield_to_waiting();
        conn.execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| ledger.err(e))?;
        let done = derive_chunk(ledger, prices)
            .and_then(|()| conn.execute_batch("COMMIT").map_err(|e| ledger.err(e)));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// A session's derived rows: (dim, key, model, ctx) → figures.
type Rows = HashMap<(&'static str, String, String, u8), Agg>;

/// Derives the first [`CHUNK`] marked sessions (inside the caller's transaction).
fn derive_chunk(ledger: &Ledger, prices: &PriceTable) -> Result<()> {
    let conn = ledger.conn()?;
    let last: Option<(String, String)> = conn
        .query_row(
            "SELECT harness, session_id FROM analysis_dirty ORDER BY harness, session_id
             LIMIT 1 OFFSET ?1",
            [CHUNK - 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(|e| ledger.err(e))?;
    let (chunk, params): (String, Vec<Value>) = match &last {
        Some((h, s)) => (
            "(harness, session_id) IN (SELECT harness, session_id FROM analysis_dirty
              WHERE (harness, session_id) <= (?, ?))"
                .into(),
            vec![Value::Text(h.clone()), Value::Text(s.clone())],
        ),
        None => (
            "(harness, session_id) IN (SELECT harness, session_id FROM analysis_dirty)".into(),
            Vec::new(),
        ),
    };
    let marked: Vec<(String, String)> = {
        let mut st = conn
            .prepare(&format!(
                "SELECT harness, session_id FROM analysis_dirty WHERE {chunk}"
            ))
            .map_err(|e| ledger.err(e))?;
        let rows = st
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| ledger.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| ledger.err(e))?
    };
    let everything = Prepared {
        f: Resolved {
            since: None,
            until: None,
            clauses: Vec::new(),
            hourly: true,
            params: Vec::new(),
            tags: Vec::new(),
            model: None,
        },
        prices: prices.clone(),
        tags: None,
        one_tree: false,
        by_project: false,
        harness: None,
    };
    let need = Need {
        calls: true,
        results: true,
        compactions: true,
    };
    let only: Only = (chunk.clone(), params.clone());
    let (parts, _) = walk_prepared(
        ledger,
        &everything,
        need,
        Some(&only),
        Vec::new,
        |out: &mut Vec<(String, String, Rows)>, models, s| {
            out.push((s.harness.clone(), s.session_id.clone(), derive(models, s)));
        },
    )?;
    let mut del = conn
        .prepare_cached(
            "DELETE FROM analysis_rows WHERE dim = ?1 AND harness = ?2 AND session_id = ?3",
        )
        .map_err(|e| ledger.err(e))?;
    for (h, s) in &marked {
        for dim in ["", "tool", "file", "command"] {
            del.execute(rusqlite::params![dim, h, s])
                .map_err(|e| ledger.err(e))?;
        }
    }
    let mut ins = conn
        .prepare_cached(
            "INSERT INTO analysis_rows (dim, harness, session_id, key, model, ctx, turns, calls,
                result_bytes, fresh, cache_read, fresh_input, fresh_w5m, fresh_w1h, input, output,
                reasoning, cache_write_5m, cache_write_1h)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )
        .map_err(|e| ledger.err(e))?;
    for (h, s, rows) in parts.iter().flatten() {
        for ((dim, key, model, ctx), a) in rows {
            ins.execute(rusqlite::params![
                dim,
                h,
                s,
                key,
                model,
                ctx,
                a.turns,
                a.calls,
                a.result_bytes,
                a.fresh,
                a.cache_read,
                a.fresh_input,
                a.fresh_w5m,
                a.fresh_w1h,
                a.input,
                a.output,
                a.reasoning,
                a.cache_write_5m,
                a.cache_write_1h
            ])
            .map_err(|e| ledger.err(e))?;
        }
    }
    conn.execute(
        &format!("DELETE FROM analysis_dirty WHERE {chunk}"),
        rusqlite::params_from_iter(params.iter()),
    )
    .map_err(|e| ledger.err(e))?;
    Ok(())
}

/// A session's rows (every turn in scope: the walk had no filter).
fn derive(models: &Models, s: &Session) -> Rows {
    let mut rows: Rows = HashMap::new();
    for t in &s.turns {
        let a = rows
            .entry(("", String::new(), models.list[t.model].raw.clone(), t.ctx))
            .or_default();
        a.turns += 1;
        a.calls += t.calls.len() as i64;
        a.input += t.usage.input;
        a.output += t.usage.output;
        a.reasoning += t.usage.reasoning;
        a.cache_read += t.usage.cache_read;
        a.cache_write_5m += t.usage.cache_write_5m;
        a.cache_write_1h += t.usage.cache_write_1h;
    }
    for (by, dim) in DIMS {
        let mut sink = Sink { by: HashMap::new() };
        let keys = attribute_with(by, s, &mut sink);
        for ((row, model, ctx), a) in sink.by {
            let Some(key) = keys.get(row) else { continue };
            let into = rows
                .entry((dim, key.clone(), models.list[model].raw.clone(), ctx))
                .or_default();
            into.calls += a.calls;
            into.result_bytes += a.result_bytes;
            into.fresh += a.fresh;
            into.cache_read += a.cache_read;
            into.fresh_input += a.fresh_input;
            into.fresh_w5m += a.fresh_w5m;
            into.fresh_w1h += a.fresh_w1h;
        }
    }
    rows
}

/// Grants per (row, model, ctx) of one session under one dimension.
struct Sink {
    by: HashMap<(usize, usize, u8), Agg>,
}

impl Sink {
    fn at(&mut self, row: usize, t: &Turn) -> &mut Agg {
        self.by.entry((row, t.model, t.ctx)).or_default()
    }
}

impl Grants for Sink {
    fn turn(&mut self, _: &Turn) {}

    fn call(&mut self, row: usize, t: &Turn) {
        self.at(row, t).calls += 1;
    }

    fn bytes(&mut self, row: usize, t: &Turn, bytes: i64) {
        self.at(row, t).result_bytes += bytes;
    }

    fn fresh(&mut self, row: usize, t: &Turn, g: i64) {
        let fresh = t.fresh();
        let a = self.at(row, t);
        a.fresh += g;
        if fresh > 0 {
            let share = g as f64 / fresh as f64;
            a.fresh_input += share * t.usage.input as f64;
            a.fresh_w5m += share * t.usage.cache_write_5m as f64;
            a.fresh_w1h += share * t.usage.cache_write_1h as f64;
        }
    }

    fn read(&mut self, row: usize, t: &Turn, g: i64) {
        self.at(row, t).cache_read += g;
    }
}

/// How a query's sessions are answered: `whole` names those whose turns are all in scope or
/// all out alike (answered from `analysis_rows`), `walk` those walked directly (`None`:
/// none).
pub(crate) struct Split {
    pub whole: Only,
    pub walk: Option<Only>,
}

/// Catches up, then splits the query's sessions (those still marked are walked); `None` when
/// the table cannot answer the filter (a `project` filter names a column of the turns, which
/// may differ within a session).
pub(crate) fn split(ledger: &Ledger, p: &Prepared) -> Result<Option<Split>> {
    if p.by_project {
        return Ok(None);
    }
    // The table only saves time: when the ledger cannot be written now (read-only file, a
    // writer holding the lock past the busy timeout), the sessions still marked are walked.
    let _ = catch_up(ledger);
    let f = &p.f;
    let mut whole: Vec<String> = f.clauses.clone();
    let mut whole_params: Vec<Value> = f.params.clone();
    let mut walk: Vec<String> = Vec::new();
    let mut walk_params: Vec<Value> = Vec::new();
    let left: bool = ledger
        .conn()?
        .query_row("SELECT EXISTS (SELECT 1 FROM analysis_dirty)", [], |r| {
            r.get(0)
        })
        .map_err(|e| ledger.err(e))?;
    if left {
        let marked = "(harness, session_id) IN (SELECT harness, session_id FROM analysis_dirty)";
        whole.push(format!("NOT {marked}"));
        walk.push(marked.to_string());
    }
    let mut span = Vec::new();
    for (edge, bound) in [(f.since, "first_ts_ms >= ?"), (f.until, "last_ts_ms < ?")] {
        let Some(at) = edge else { continue };
        span.push((bound, at));
        // A session with turns on both sides of the edge (its span as the sessions row
        // keeps it: never narrower than its turns') is walked.
        walk.push(
            "(harness, session_id) IN (SELECT harness, session_id FROM sessions
              WHERE first_ts_ms < ? AND last_ts_ms >= ?)"
                .into(),
        );
        walk_params.push(Value::Integer(at));
        walk_params.push(Value::Integer(at));
    }
    if !span.is_empty() {
        let conds: Vec<&str> = span.iter().map(|(c, _)| *c).collect();
        whole.push(format!(
            "(harness, session_id) IN (SELECT harness, session_id FROM sessions WHERE {})",
            conds.join(" AND ")
        ));
        whole_params.extend(span.iter().map(|(_, at)| Value::Integer(*at)));
    }
    if let Some(tags) = &p.tags {
        // Message stamps make a session's turns differ: such sessions are walked. The
        // others fold their session-level tags (own or inherited) alike for every turn.
        let stamped = serde_json::to_string(&tags.stamped_messages())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let by_message = "(harness, session_id) IN (SELECT harness, session_id FROM turns
              WHERE message_id IN (SELECT value FROM json_each(?)))";
        walk.push(by_message.into());
        walk_params.push(Value::Text(stamped.clone()));
        whole.push(format!("NOT {by_message}"));
        whole_params.push(Value::Text(stamped));
        let want: Vec<(usize, String)> = f
            .tags
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (i, v.clone()))
            .collect();
        let matching = serde_json::to_string(&tags.matching_sessions(&want))
            .map_err(|e| Error::Internal(e.to_string()))?;
        whole.push("session_id IN (SELECT value FROM json_each(?))".into());
        whole_params.push(Value::Text(matching));
    }
    let whole = if whole.is_empty() {
        "1".to_string()
    } else {
        whole.join(" AND ")
    };
    let walk = (!walk.is_empty()).then(|| (format!("({})", walk.join(" OR ")), walk_params));
    Ok(Some(Split {
        whole: (whole, whole_params),
        walk,
    }))
}

/// A model met in the table: its key, price and whether the filter wants it.
struct Model {
    key: String,
    price: Option<ModelPrice>,
    wanted: bool,
}

/// Reads the rows of `dim` of the sessions `whole` names, calling `each(key, model key,
/// price, ctx, figures)` for each row whose model the filter wants. `subagents`: only
/// sessions linked to their parent as subagents, keyed by session id.
pub(crate) fn read_rows(
    ledger: &Ledger,
    p: &Prepared,
    dim: &str,
    whole: &Only,
    subagents: bool,
    mut each: impl FnMut(&str, &str, Option<&ModelPrice>, u8, &Agg),
) -> Result<()> {
    let want_model = p.f.model.as_deref().map(|m| p.prices.model_key(m));
    let key_col = if subagents { "session_id" } else { "key" };
    let subagent_clause = if subagents {
        " AND (harness, session_id) IN (SELECT harness, session_id FROM sessions
              WHERE relationship = 'subagent')"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {key_col}, model, ctx, turns, calls, result_bytes, fresh, cache_read, fresh_input,
                fresh_w5m, fresh_w1h, input, output, reasoning, cache_write_5m, cache_write_1h
         FROM analysis_rows WHERE dim = ? AND {}{subagent_clause}",
        whole.0
    );
    let conn = ledger.conn()?;
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
    let mut params = vec![Value::Text(dim.to_string())];
    params.extend(whole.1.iter().cloned());
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(|e| ledger.err(e))?;
    let mut models: HashMap<String, Model> = HashMap::new();
    while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
        let read = || -> rusqlite::Result<(&str, &str, u8, Agg)> {
            Ok((
                r.get_ref(0)?.as_str()?,
                r.get_ref(1)?.as_str()?,
                r.get::<_, i64>(2)?.clamp(0, 2) as u8,
                Agg {
                    turns: r.get(3)?,
                    calls: r.get(4)?,
                    result_bytes: r.get(5)?,
                    fresh: r.get(6)?,
                    cache_read: r.get(7)?,
                    fresh_input: r.get(8)?,
                    fresh_w5m: r.get(9)?,
                    fresh_w1h: r.get(10)?,
                    input: r.get(11)?,
                    output: r.get(12)?,
                    reasoning: r.get(13)?,
                    cache_write_5m: r.get(14)?,
                    cache_write_1h: r.get(15)?,
                },
            ))
        };
        let (key, raw, ctx, agg) = read().map_err(|e| ledger.err(e))?;
        if !models.contains_key(raw) {
            let key = p.prices.model_key(raw);
            models.insert(
                raw.to_string(),
                Model {
                    wanted: want_model.as_ref().is_none_or(|w| *w == key),
                    key: if key.is_empty() {
                        "(unknown)".to_string()
                    } else {
                        key
                    },
                    price: p.prices.lookup(raw).cloned(),
                },
            );
        }
        let Some(m) = models.get(raw) else { continue };
        if m.wanted {
            each(key, &m.key, m.price.as_ref(), ctx, &agg);
        }
    }
    Ok(())
}

/// The in-scope totals of the sessions `whole` names (as the walk counts them) and the
/// turns of unpriced models by model key.
pub(crate) fn totals(
    ledger: &Ledger,
    p: &Prepared,
    whole: &Only,
) -> Result<(Totals, HashMap<String, i64>)> {
    let mut totals = Totals::default();
    let mut unpriced: HashMap<String, i64> = HashMap::new();
    read_rows(ledger, p, "", whole, false, |_, key, price, ctx, a| {
        let cost = match price {
            Some(pr) => pr.rates(ctx).cost(&a.tokens()),
            None => {
                *unpriced.entry(key.to_string()).or_default() += a.turns;
                0.0
            }
        };
        totals.add(&Totals {
            turns: a.turns,
            input: a.input,
            output: a.output,
            reasoning: a.reasoning,
            cache_read: a.cache_read,
            cache_write_5m: a.cache_write_5m,
            cache_write_1h: a.cache_write_1h,
            cost_usd: cost,
        });
    })?;
    Ok((totals, unpriced))
}
