//! `hotspots`: tokens and dollars attributed to what caused them.
//!
//! The model (ARCHITECTURE.md, "Analyses"): a tool result of `T` approximate tokens (its
//! stored `approxTokens`, bytes / 4) enters the context of every later turn of its session
//! until a compaction. The first turn after it pays for it as new prompt tokens (input and
//! cache writes, its "fresh" pool), each later turn as cache reads. A turn's grants never
//! exceed its pools: when the results it carries add up to more than the pool, each gets its
//! share in proportion (rounded down). A grant is priced at that turn's average rate of the
//! pool. So the rows never add up to more than the window's totals. Subagents are attributed
//! their sessions' own turns.

pub use super::attribution::{HotspotBy, HOTSPOT_BY_NAMES};

use super::attribution::{attribute_with, Grants};
use super::derived::{self, Split};
use super::timeline::{self, per_token, usd, Models, Need, Scope, Session, Turn, Walked};
use crate::error::Result;
use crate::ledger::Ledger;
use crate::pricing::Tokens;
use crate::query::Totals;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct HotspotsOptions {
    pub scope: Scope,
    pub by: HotspotBy,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HotspotRow {
    pub key: String,
    /// Tool calls made by in-scope turns (subagents: the session's turns).
    pub calls: i64,
    /// Bytes of the results first paid for by an in-scope turn (subagents: 0).
    pub result_bytes: i64,
    /// Attributed prompt tokens paid as new (input and cache writes).
    pub fresh_tokens: i64,
    /// Attributed prompt tokens paid as cache reads.
    pub cache_read_tokens: i64,
    /// Output tokens (subagents only: the session's own output).
    pub output_tokens: i64,
    pub cost_usd: f64,
}

impl HotspotRow {
    fn add(&mut self, o: &HotspotRow) {
        self.calls += o.calls;
        self.result_bytes += o.result_bytes;
        self.fresh_tokens += o.fresh_tokens;
        self.cache_read_tokens += o.cache_read_tokens;
        self.output_tokens += o.output_tokens;
        self.cost_usd += o.cost_usd;
    }

    pub fn tokens(&self) -> i64 {
        self.fresh_tokens + self.cache_read_tokens + self.output_tokens
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hotspots {
    pub by: HotspotBy,
    /// The in-scope turns' totals (what `summary` gives for the same filter).
    pub totals: Totals,
    /// Sums over every row (also those past `limit`): never more than `totals`.
    pub attributed_tokens: i64,
    pub attributed_cost_usd: f64,
    /// Largest first (cost, then tokens, then key), at most `limit`.
    pub rows: Vec<HotspotRow>,
    pub unpriced_models: Vec<(String, i64)>,
}

pub fn hotspots(ledger: &Ledger, opts: &HotspotsOptions) -> Result<Hotspots> {
    run(ledger, opts, true)
}

/// `hotspots` by walking every session (no derived rows): what the derived table must equal.
#[cfg(test)]
pub(crate) fn hotspots_walked(ledger: &Ledger, opts: &HotspotsOptions) -> Result<Hotspots> {
    run(ledger, opts, false)
}

fn run(ledger: &Ledger, opts: &HotspotsOptions, derived: bool) -> Result<Hotspots> {
    let limit = super::limit_of(opts.limit)?;
    let by = opts.by;
    let p = timeline::prepare(ledger, &opts.scope)?;
    let split = if derived {
        derived::split(ledger, &p)?
    } else {
        None
    };
    // Only a walk needs the subagent set (the derived rows join `sessions` themselves).
    let walks = !matches!(split, Some(Split { walk: None, .. }));
    let subagents = if by == HotspotBy::Subagent && walks {
        Some(subagent_sessions(ledger)?)
    } else {
        None
    };
    let need = Need {
        calls: by != HotspotBy::Subagent,
        results: by != HotspotBy::Subagent,
        compactions: by != HotspotBy::Subagent,
    };
    let each =
        |rows: &mut HashMap<String, HotspotRow>, models: &Models, s: &Session| match &subagents {
            Some(set) => {
                if set.contains(&(s.harness.clone(), s.session_id.clone())) {
                    add_subagent(rows, s);
                }
            }
            None => attribute(rows, by, models, s),
        };
    let (parts, mut walked) = match &split {
        None => timeline::walk_prepared(ledger, &p, need, None, HashMap::new, each)?,
        Some(Split {
            walk: Some(only), ..
        }) => timeline::walk_prepared(ledger, &p, need, Some(only), HashMap::new, each)?,
        Some(_) => (Vec::new(), Walked::default()),
    };
    let mut rows: HashMap<String, HotspotRow> = HashMap::new();
    if let Some(sp) = &split {
        let (totals, unpriced) = derived::totals(ledger, &p, &sp.whole)?;
        walked.add(&totals, unpriced);
        let dim = match by {
            HotspotBy::Subagent => "",
            d => d.as_str(),
        };
        let subagent = by == HotspotBy::Subagent;
        derived::read_rows(
            ledger,
            &p,
            dim,
            &sp.whole,
            subagent,
            |key, _, price, ctx, a| {
                let r = match rows.get_mut(key) {
                    Some(r) => r,
                    None => rows.entry(key.to_string()).or_insert_with(|| HotspotRow {
                        key: key.to_string(),
                        ..HotspotRow::default()
                    }),
                };
                if subagent {
                    r.calls += a.turns;
                    r.fresh_tokens += a.input + a.cache_write_5m + a.cache_write_1h;
                    r.cache_read_tokens += a.cache_read;
                    r.output_tokens += a.output;
                    r.cost_usd += price.map_or(0.0, |pr| pr.rates(ctx).cost(&a.tokens()));
                } else {
                    r.calls += a.calls;
                    r.result_bytes += a.result_bytes;
                    r.fresh_tokens += a.fresh;
                    r.cache_read_tokens += a.cache_read;
                    r.cost_usd += price.map_or(0.0, |pr| a.attributed_cost(pr.rates(ctx)));
                }
            },
        )?;
    }
    walked.totals.cost_usd = usd(walked.totals.cost_usd);
    // Parts read disjoint sessions; a key can appear in several.
    for part in parts {
        for (k, r) in part {
            match rows.get_mut(&k) {
                Some(into) => into.add(&r),
                None => {
                    rows.insert(k, r);
                }
            }
        }
    }
    let mut all: Vec<HotspotRow> = rows
        .into_values()
        .map(|mut r| {
            r.cost_usd = usd(r.cost_usd);
            r
        })
        .filter(|r| r.calls > 0 || r.tokens() > 0)
        .collect();
    let attributed_tokens = all.iter().map(HotspotRow::tokens).sum();
    let attributed_cost_usd = usd(all.iter().map(|r| r.cost_usd).sum());
    all.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.tokens().cmp(&a.tokens()))
            .then(a.key.cmp(&b.key))
    });
    all.truncate(limit);
    let cap = walked.totals.cost_usd;
    Ok(Hotspots {
        by,
        totals: walked.totals,
        attributed_tokens,
        // Rounded sums can exceed the rounded total by a nano-dollar: never report more.
        attributed_cost_usd: attributed_cost_usd.min(cap),
        rows: all,
        unpriced_models: walked.unpriced,
    })
}

/// (harness, session) of every session linked to its parent as a subagent.
fn subagent_sessions(ledger: &Ledger) -> Result<HashSet<(String, String)>> {
    let conn = ledger.conn()?;
    let mut stmt = conn
        .prepare_cached("SELECT harness, session_id FROM sessions WHERE relationship = 'subagent'")
        .map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| ledger.err(e))?;
    rows.collect::<rusqlite::Result<HashSet<_>>>()
        .map_err(|e| ledger.err(e))
}

fn add_subagent(rows: &mut HashMap<String, HotspotRow>, s: &Session) {
    let row = rows
        .entry(s.session_id.clone())
        .or_insert_with(|| HotspotRow {
            key: s.session_id.clone(),
            ..HotspotRow::default()
        });
    for t in s.turns.iter().filter(|t| t.in_scope) {
        row.calls += 1;
        row.fresh_tokens += t.fresh();
        row.cache_read_tokens += t.usage.cache_read;
        row.output_tokens += t.usage.output;
        row.cost_usd += t.cost;
    }
}

struct Direct<'m> {
    models: &'m Models,
    acc: Vec<HotspotRow>,
    fresh_rate: f64,
    read_rate: f64,
}

impl Direct<'_> {
    fn row(&mut self, i: usize) -> &mut HotspotRow {
        if self.acc.len() <= i {
            self.acc.resize_with(i + 1, HotspotRow::default);
        }
        &mut self.acc[i]
    }
}

impl Grants for Direct<'_> {
    fn turn(&mut self, t: &Turn) {
        let rates = self.models.rates(t);
        let fresh_cost = rates.map_or(0.0, |r| {
            r.cost(&Tokens {
                input: t.usage.input,
                cache_write_5m: t.usage.cache_write_5m,
                cache_write_1h: t.usage.cache_write_1h,
                ..Tokens::default()
            })
        });
        let read_cost = rates.map_or(0.0, |r| {
            r.cost(&Tokens {
                cache_read: t.usage.cache_read,
                ..Tokens::default()
            })
        });
        self.fresh_rate = per_token(fresh_cost, t.fresh());
        self.read_rate = per_token(read_cost, t.usage.cache_read);
    }

    fn call(&mut self, row: usize, _: &Turn) {
        self.row(row).calls += 1;
    }

    fn bytes(&mut self, row: usize, _: &Turn, bytes: i64) {
        self.row(row).result_bytes += bytes;
    }

    fn fresh(&mut self, row: usize, _: &Turn, g: i64) {
        let rate = self.fresh_rate;
        let r = self.row(row);
        r.fresh_tokens += g;
        r.cost_usd += g as f64 * rate;
    }

    fn read(&mut self, row: usize, _: &Turn, g: i64) {
        let rate = self.read_rate;
        let r = self.row(row);
        r.cache_read_tokens += g;
        r.cost_usd += g as f64 * rate;
    }
}

fn attribute(rows: &mut HashMap<String, HotspotRow>, by: HotspotBy, models: &Models, s: &Session) {
    let mut sink = Direct {
        models,
        acc: Vec::new(),
        fresh_rate: 0.0,
        read_rate: 0.0,
    };
    let keys = attribute_with(by, s, &mut sink);
    for (i, a) in sink.acc.into_iter().enumerate() {
        let Some(key) = keys.get(i) else {
            continue;
        };
        let r = rows.entry(key.clone()).or_insert_with(|| HotspotRow {
            key: key.clone(),
            ..HotspotRow::default()
        });
        r.add(&a);
    }
}
