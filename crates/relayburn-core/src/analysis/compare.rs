//! `compare`: models side by side over the same filter: cost per turn, per thousand output
//! tokens, cache hit ratio, tokens per tool call.

use super::derived::{self, Split};
use super::timeline::{self, usd, Models, Need, Scope, Session};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::pricing::PriceTable;
use crate::query::Totals;
use std::collections::HashMap;

/// Most models one comparison names.
pub const MAX_MODELS: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    pub scope: Scope,
    /// Models to compare, however spelled (matched by model key); all models when empty.
    pub models: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareRow {
    /// The model key (as `summary` groups models).
    pub model: String,
    pub totals: Totals,
    pub tool_calls: i64,
    /// False when the price table does not know the model (its cost counts 0).
    pub priced: bool,
    /// `None` when there is nothing to divide by.
    pub cost_per_turn: Option<f64>,
    pub cost_per_1k_output_tokens: Option<f64>,
    /// Cache reads over all prompt tokens (input, cache reads and writes).
    pub cache_hit_ratio: Option<f64>,
    pub output_tokens_per_turn: Option<f64>,
    /// All tokens of the model's turns over its tool calls.
    pub tokens_per_tool_call: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    /// One row per model (the requested ones in their order, each even without turns;
    /// else every model with turns, costliest first).
    pub rows: Vec<CompareRow>,
    pub totals: Totals,
}

/// Checks `models`: at most [`MAX_MODELS`] model names, each a selector.
pub fn validate_models(models: &[String]) -> Result<()> {
    if models.len() > MAX_MODELS {
        return Err(Error::invalid(
            "models",
            format!("must name at most {MAX_MODELS} models"),
        ));
    }
    for (i, m) in models.iter().enumerate() {
        crate::validate::selector(&format!("models.{i}"), m)?;
    }
    Ok(())
}

pub fn compare(ledger: &Ledger, opts: &CompareOptions) -> Result<Compare> {
    run(ledger, opts, true)
}

/// `compare` by walking every session (no derived rows): what the derived table must equal.
#[cfg(test)]
pub(crate) fn compare_walked(ledger: &Ledger, opts: &CompareOptions) -> Result<Compare> {
    run(ledger, opts, false)
}

fn run(ledger: &Ledger, opts: &CompareOptions, derived: bool) -> Result<Compare> {
    validate_models(&opts.models)?;
    if opts.scope.filter.model.is_some() && !opts.models.is_empty() {
        return Err(Error::invalid("model", "cannot be combined with models"));
    }
    let prices = PriceTable::load(ledger.home())?;
    let wanted: Vec<String> = opts.models.iter().map(|m| prices.model_key(m)).collect();
    let need = Need {
        calls: true,
        results: false,
        compactions: false,
    };
    let p = timeline::prepare(ledger, &opts.scope)?;
    let split = if derived {
        derived::split(ledger, &p)?
    } else {
        None
    };
    let each = |rows: &mut HashMap<String, CompareRow>, models: &Models, s: &Session| {
        for t in s.turns.iter().filter(|t| t.in_scope) {
            let info = &models.list[t.model];
            if !wanted.is_empty() && !wanted.contains(&info.key) {
                continue;
            }
            let r = rows.entry(info.key.clone()).or_insert_with(|| CompareRow {
                model: info.key.clone(),
                priced: info.price.is_some(),
                ..CompareRow::default()
            });
            let u = &t.usage;
            r.totals.add(&Totals {
                turns: 1,
                input: u.input,
                output: u.output,
                reasoning: u.reasoning,
                cache_read: u.cache_read,
                cache_write_5m: u.cache_write_5m,
                cache_write_1h: u.cache_write_1h,
                cost_usd: t.cost,
            });
            r.tool_calls += t.calls.len() as i64;
        }
    };
    let mut parts = match &split {
        None => timeline::walk_prepared(ledger, &p, need, None, HashMap::new, each)?.0,
        Some(Split {
            walk: Some(only), ..
        }) => timeline::walk_prepared(ledger, &p, need, Some(only), HashMap::new, each)?.0,
        Some(_) => Vec::new(),
    };
    if let Some(sp) = &split {
        let mut stored: HashMap<String, CompareRow> = HashMap::new();
        derived::read_rows(ledger, &p, "", &sp.whole, false, |_, key, price, ctx, a| {
            if !wanted.is_empty() && !wanted.iter().any(|w| w == key) {
                return;
            }
            let r = match stored.get_mut(key) {
                Some(r) => r,
                None => stored.entry(key.to_string()).or_insert_with(|| CompareRow {
                    model: key.to_string(),
                    priced: price.is_some(),
                    ..CompareRow::default()
                }),
            };
            r.totals.add(&Totals {
                turns: a.turns,
                input: a.input,
                output: a.output,
                reasoning: a.reasoning,
                cache_read: a.cache_read,
                cache_write_5m: a.cache_write_5m,
                cache_write_1h: a.cache_write_1h,
                cost_usd: price.map_or(0.0, |pr| pr.rates(ctx).cost(&a.tokens())),
            });
            r.tool_calls += a.calls;
        })?;
        parts.push(stored);
    }
    let mut rows: HashMap<String, CompareRow> = HashMap::new();
    for part in parts {
        for (k, r) in part {
            match rows.get_mut(&k) {
                Some(into) => {
                    into.totals.add(&r.totals);
                    into.tool_calls += r.tool_calls;
                }
                None => {
                    rows.insert(k, r);
                }
            }
        }
    }
    let ratio = |a: f64, b: i64| (b > 0).then(|| a / b as f64);
    let finish = |mut r: CompareRow| {
        let t = &mut r.totals;
        t.cost_usd = usd(t.cost_usd);
        let prompt = t.input + t.cache_read + t.cache_write_5m + t.cache_write_1h;
        r.cost_per_turn = ratio(t.cost_usd, t.turns).map(usd);
        r.cost_per_1k_output_tokens = ratio(t.cost_usd * 1000.0, t.output).map(usd);
        r.cache_hit_ratio = ratio(t.cache_read as f64, prompt);
        r.output_tokens_per_turn = ratio(t.output as f64, t.turns);
        r.tokens_per_tool_call = ratio(t.total_tokens() as f64, r.tool_calls);
        r
    };
    let mut out: Vec<CompareRow> = Vec::new();
    if wanted.is_empty() {
        out = rows.into_values().map(finish).collect();
        out.sort_by(|a, b| {
            b.totals
                .cost_usd
                .total_cmp(&a.totals.cost_usd)
                .then(b.totals.turns.cmp(&a.totals.turns))
                .then(a.model.cmp(&b.model))
        });
    } else {
        for key in &wanted {
            if out.iter().any(|r| &r.model == key) {
                continue;
            }
            let row = rows.remove(key).unwrap_or_else(|| CompareRow {
                model: key.clone(),
                priced: prices.lookup(key).is_some(),
                ..CompareRow::default()
            });
            out.push(finish(row));
        }
    }
    let mut totals = Totals::default();
    for r in &out {
        totals.add(&r.totals);
    }
    totals.cost_usd = usd(totals.cost_usd);
    Ok(Compare { rows: out, totals })
}
