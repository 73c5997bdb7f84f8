//! The per-session timeline the analyses walk: every turn of each session that has at least
//! one turn in scope (window, tags, model), in time order, with its tool calls, plus the
//! session's tool results (from `user_turns` blocks) and compactions before `until`.
//!
//! Turns are read once, ordered by the `turns_by_session` index `(harness, session_id,
//! ts_ms)`, so one session is in memory at a time. Turns before `since` (or outside the tag
//! or model filter) are kept in the timeline, marked out of scope: they still made the
//! context that later turns re-read, and their tool calls name the results that follow.

use crate::error::Result;
use crate::harness::records::{ToolCall, Usage};
use crate::ledger::Ledger;
use crate::pricing::{ModelPrice, PriceTable, Rates, Tokens};
use crate::query::{round_usd, Resolved, TagIndex, Totals, TurnFilter};
use crate::time::{self, WeekStart, Zone};
use rusqlite::types::Value;
use serde::Deserialize;
use std::collections::HashMap;

/// Options every analysis takes besides its own: the turn filter and the zone of calendar
/// bounds (`today`, dates).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub filter: TurnFilter,
    /// IANA zone for calendar bounds; UTC when `None`.
    pub timezone: Option<String>,
    pub week_start: WeekStart,
}

/// What a walk reads besides the turns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Need {
    pub calls: bool,
    pub results: bool,
    pub compactions: bool,
}

pub(crate) struct ModelInfo {
    /// The model key (`PriceTable::model_key`), `(unknown)` for an empty id.
    pub key: String,
    pub price: Option<ModelPrice>,
    wanted: bool,
}

pub(crate) struct Turn {
    pub ts_ms: i64,
    pub model: usize,
    pub usage: Usage,
    pub calls: Vec<ToolCall>,
    /// Inside the window and passing the tag and model filters.
    pub in_scope: bool,
    /// The turn's long-context class (which rates price it).
    pub ctx: u8,
    pub cost: f64,
}

impl Turn {
    pub fn tokens(&self) -> Tokens {
        Tokens {
            input: self.usage.input,
            output: self.usage.output,
            cache_read: self.usage.cache_read,
            cache_write_5m: self.usage.cache_write_5m,
            cache_write_1h: self.usage.cache_write_1h,
        }
    }

    /// Prompt tokens that were not read from cache: input plus both cache writes.
    pub fn fresh(&self) -> i64 {
        self.usage.input + self.usage.cache_write_5m + self.usage.cache_write_1h
    }
}

pub(crate) struct ToolResult {
    pub ts_ms: i64,
    pub tool_use_id: String,
    pub bytes: i64,
    /// The block's approximate tokens (bytes / 4, rounded up), as stored.
    pub tokens: i64,
}

pub(crate) struct Compaction {
    pub ts_ms: i64,
    pub tokens_before: Option<i64>,
}

pub(crate) struct Session {
    pub harness: String,
    pub session_id: String,
    pub turns: Vec<Turn>,
    pub results: Vec<ToolResult>,
    pub compactions: Vec<Compaction>,
}

/// The models met in a walk, by raw id.
pub(crate) struct Models {
    idx: HashMap<String, usize>,
    pub list: Vec<ModelInfo>,
}

impl Models {
    /// Rates of a turn (its model's, at its context class); `None` when unpriced.
    pub fn rates(&self, t: &Turn) -> Option<&Rates> {
        self.list[t.model].price.as_ref().map(|p| p.rates(t.ctx))
    }
}

/// What a walk saw: the in-scope totals (equal to `summary`'s over the same filter) and the
/// unpriced models.
pub(crate) struct Walked {
    pub totals: Totals,
    pub unpriced: Vec<(String, i64)>,
}

/// Block of a stored user turn, as much as the analyses need.
#[derive(Deserialize)]
struct Block {
    kind: String,
    #[serde(rename = "toolUseId", default)]
    tool_use_id: Option<String>,
    #[serde(default)]
    bytes: i64,
    #[serde(rename = "approxTokens", default)]
    approx_tokens: i64,
}

/// Walks every session with a turn in scope, calling `each` once per session.
pub(crate) fn walk(
    ledger: &Ledger,
    scope: &Scope,
    need: Need,
    mut each: impl FnMut(&Models, &Session),
) -> Result<Walked> {
    let now_ms = time::now_ms();
    let zone = Zone::new(scope.timezone.as_deref(), scope.week_start)?;
    let f: Resolved = scope.filter.resolve(ledger, now_ms, &zone)?;
    f.check_window()?;
    let prices = PriceTable::load(ledger.home())?;
    let tags = if f.tags.is_empty() {
        None
    } else {
        let keys: Vec<String> = f.tags.iter().map(|(k, _)| k.clone()).collect();
        Some(TagIndex::load(ledger, &keys)?)
    };
    let want_model = f.model.as_deref().map(|m| prices.model_key(m));
    let mut models = Models {
        idx: HashMap::new(),
        list: Vec::new(),
    };
    let mut totals = Totals::default();
    let mut unpriced: HashMap<String, i64> = HashMap::new();

    let (where_, params) = f.where_sql("ts_ms", None, f.until);
    let sql = format!(
        "SELECT harness, session_id, ts_ms, model, message_id, input, output, reasoning, cache_read,
                cache_write_5m, cache_write_1h, tool_calls
         FROM turns {where_} ORDER BY harness, session_id, ts_ms, rid"
    );
    let conn = ledger.conn()?;
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(|e| ledger.err(e))?;
    let until = f.until.unwrap_or(i64::MAX);
    let mut current: Option<Session> = None;
    let mut any_in_scope = false;
    let mut folded: Vec<Option<&str>> = Vec::new();
    let want: Vec<(usize, &str)> = f
        .tags
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i, v.as_str()))
        .collect();
    while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
        let get = |i| r.get_ref(i).and_then(|v| Ok(v.as_str()?));
        let (harness, session_id, ts_ms, model, message_id) = (|| -> rusqlite::Result<_> {
            Ok((get(0)?, get(1)?, r.get::<_, i64>(2)?, get(3)?, get(4)?))
        })()
        .map_err(|e| ledger.err(e))?;
        let usage = (|| -> rusqlite::Result<_> {
            Ok(Usage {
                input: r.get(5)?,
                output: r.get(6)?,
                reasoning: r.get(7)?,
                cache_read: r.get(8)?,
                cache_write_5m: r.get(9)?,
                cache_write_1h: r.get(10)?,
            })
        })()
        .map_err(|e| ledger.err(e))?;
        let same = current
            .as_ref()
            .is_some_and(|s| s.session_id == session_id && s.harness == harness);
        if !same {
            if let Some(s) = current.take() {
                if any_in_scope {
                    finish(ledger, s, need, until, &models, &mut each)?;
                }
            }
            any_in_scope = false;
            current = Some(Session {
                harness: harness.to_string(),
                session_id: session_id.to_string(),
                turns: Vec::new(),
                results: Vec::new(),
                compactions: Vec::new(),
            });
        }
        let model_idx = match models.idx.get(model) {
            Some(i) => *i,
            None => {
                let key = prices.model_key(model);
                models.list.push(ModelInfo {
                    wanted: want_model.as_ref().is_none_or(|w| *w == key),
                    key: if key.is_empty() {
                        "(unknown)".to_string()
                    } else {
                        key
                    },
                    price: prices.lookup(model).cloned(),
                });
                models.idx.insert(model.to_string(), models.list.len() - 1);
                models.list.len() - 1
            }
        };
        let mut in_scope = f.since.is_none_or(|s| ts_ms >= s) && models.list[model_idx].wanted;
        if in_scope {
            if let Some(tags) = &tags {
                tags.fold(session_id, Some(message_id), &mut folded);
                in_scope = want.iter().all(|(k, v)| folded[*k] == Some(*v));
            }
        }
        let calls: Vec<ToolCall> = if need.calls {
            let raw = get(11).map_err(|e| ledger.err(e))?;
            if raw.len() > 2 {
                serde_json::from_str(raw).unwrap_or_default()
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        let mut turn = Turn {
            ts_ms,
            model: model_idx,
            usage,
            calls,
            in_scope,
            ctx: 0,
            cost: 0.0,
        };
        let tokens = turn.tokens();
        turn.ctx = tokens.context_class();
        let info = &models.list[model_idx];
        match &info.price {
            Some(p) => turn.cost = p.rates(turn.ctx).cost(&tokens),
            None if in_scope => *unpriced.entry(info.key.clone()).or_default() += 1,
            None => {}
        }
        if in_scope {
            any_in_scope = true;
            totals.add(&Totals {
                turns: 1,
                input: usage.input,
                output: usage.output,
                reasoning: usage.reasoning,
                cache_read: usage.cache_read,
                cache_write_5m: usage.cache_write_5m,
                cache_write_1h: usage.cache_write_1h,
                cost_usd: turn.cost,
            });
        }
        if let Some(s) = current.as_mut() {
            s.turns.push(turn);
        }
    }
    drop(rows);
    if let Some(s) = current.take() {
        if any_in_scope {
            finish(ledger, s, need, until, &models, &mut each)?;
        }
    }
    totals.cost_usd = round_usd(totals.cost_usd);
    let mut unpriced: Vec<(String, i64)> = unpriced.into_iter().collect();
    unpriced.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(Walked { totals, unpriced })
}

/// Loads a session's tool results and compactions (as `need` says), then hands it over.
fn finish(
    ledger: &Ledger,
    mut s: Session,
    need: Need,
    until: i64,
    models: &Models,
    each: &mut impl FnMut(&Models, &Session),
) -> Result<()> {
    let conn = ledger.conn()?;
    let key = [
        Value::Text(s.harness.clone()),
        Value::Text(s.session_id.clone()),
        Value::Integer(until),
    ];
    if need.results {
        let mut stmt = conn
            .prepare_cached(
                "SELECT ts_ms, blocks FROM user_turns
                 WHERE harness = ?1 AND session_id = ?2 AND ts_ms < ?3 ORDER BY ts_ms, rid",
            )
            .map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(key.iter()))
            .map_err(|e| ledger.err(e))?;
        while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
            let ts_ms: i64 = r.get(0).map_err(|e| ledger.err(e))?;
            let raw = r
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| ledger.err(e))?;
            if !raw.contains("tool_result") {
                continue;
            }
            let blocks: Vec<Block> = serde_json::from_str(raw).unwrap_or_default();
            for b in blocks {
                if b.kind != "tool_result" {
                    continue;
                }
                let Some(id) = b.tool_use_id else { continue };
                s.results.push(ToolResult {
                    ts_ms,
                    tool_use_id: id,
                    bytes: b.bytes.max(0),
                    tokens: b.approx_tokens.max(0),
                });
            }
        }
    }
    if need.compactions {
        let mut stmt = conn
            .prepare_cached(
                "SELECT ts_ms, tokens_before FROM compactions
                 WHERE harness = ?1 AND session_id = ?2 AND ts_ms < ?3 ORDER BY ts_ms",
            )
            .map_err(|e| ledger.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(key.iter()), |r| {
                Ok(Compaction {
                    ts_ms: r.get(0)?,
                    tokens_before: r.get(1)?,
                })
            })
            .map_err(|e| ledger.err(e))?;
        for c in rows {
            s.compactions.push(c.map_err(|e| ledger.err(e))?);
        }
    }
    each(models, &s);
    Ok(())
}

/// Splits `pool` among `demands` in proportion (all granted when they fit), rounding down so
/// the grants never add up to more than `pool`.
pub(crate) fn allocate(demands: &[i64], pool: i64, out: &mut Vec<i64>) {
    out.clear();
    let total: i64 = demands.iter().sum();
    let pool = pool.max(0);
    if total <= pool {
        out.extend_from_slice(demands);
        return;
    }
    out.extend(
        demands
            .iter()
            .map(|d| ((*d as i128 * pool as i128) / total as i128) as i64),
    );
}

/// USD per token of a class for a turn: `cost_of(tokens) / tokens` (0 for none).
pub(crate) fn per_token(cost: f64, tokens: i64) -> f64 {
    if tokens > 0 {
        cost / tokens as f64
    } else {
        0.0
    }
}

/// Rounds a cost the way `summary` does.
pub(crate) fn usd(v: f64) -> f64 {
    round_usd(v)
}
