//! Prices: the table shipped in the package (`data/prices.json`, embedded here),
//! merged with the user's `$RELAYBURN_HOME/prices.json`, model-name normalization, and the
//! cost of a set of tokens. Costs are computed at query time, so a price fix reprices history.

mod normalize;

pub use normalize::{base_model, candidates, prefix_provider, route_provider};

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// The shipped table, as published in `@relayburn/sdk` (`data/prices.json`).
pub const BUILTIN_JSON: &str = include_str!("../../data/prices.json");

/// The user's override file in the ledger home: same shape as the shipped table; an entry
/// replaces the shipped entry of the same name.
pub use crate::home::OVERRIDE_FILE;

/// Long-context thresholds (prompt tokens) a tier may use: Anthropic and Google price
/// prompts above 200k higher; OpenAI's long-context tier starts above 272k. The ledger's
/// rollup counts turns by how many of these their prompt exceeds (`ctx`).
pub const CONTEXT_THRESHOLDS: [i64; 2] = [200_000, 272_000];

/// Token counts to price. `output` includes reasoning (never priced twice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

impl Tokens {
    /// Prompt size as the vendors' long-context tiers count it.
    pub fn prompt(&self) -> i64 {
        self.input + self.cache_read + self.cache_write_5m + self.cache_write_1h
    }

    /// How many [`CONTEXT_THRESHOLDS`] the prompt exceeds (the ledger's `ctx` column).
    pub fn context_class(&self) -> u8 {
        let p = self.prompt();
        CONTEXT_THRESHOLDS.iter().filter(|t| p > **t).count() as u8
    }

    fn is_zero(&self) -> bool {
        self.prompt() == 0 && self.output == 0
    }
}

/// What a turn (or turns summed) costs: the price table's figure, except for a model the table
/// cannot price or turns that counted no tokens (a harness that writes only its own cost):
/// those cost what the harness reported (`reported`, 0 when nothing).
pub fn cost_or_reported(
    price: Option<&ModelPrice>,
    ctx: u8,
    tokens: &Tokens,
    reported: f64,
) -> f64 {
    match price {
        Some(p) if !tokens.is_zero() => p.rates(ctx).cost(tokens),
        _ => reported,
    }
}

/// USD per million tokens of each class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write_5m: f64,
    pub cache_write_1h: f64,
}

impl Rates {
    pub fn cost(&self, t: &Tokens) -> f64 {
        (t.input as f64 * self.input
            + t.output as f64 * self.output
            + t.cache_read as f64 * self.cache_read
            + t.cache_write_5m as f64 * self.cache_write_5m
            + t.cache_write_1h as f64 * self.cache_write_1h)
            / 1_000_000.0
    }
}

/// One model's prices: base rates and long-context tiers (ascending threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPrice {
    pub provider: Option<String>,
    pub base: Rates,
    pub tiers: Vec<(i64, Rates)>,
}

impl ModelPrice {
    /// Rates for a turn of context class `ctx` (see [`Tokens::context_class`]).
    pub fn rates(&self, ctx: u8) -> &Rates {
        let mut rates = &self.base;
        for (above, tier) in &self.tiers {
            let idx = CONTEXT_THRESHOLDS.iter().position(|t| t == above);
            if idx.is_some_and(|i| i < ctx as usize) {
                rates = tier;
            }
        }
        rates
    }

    /// Cost of one turn (its tier chosen by its own prompt size).
    pub fn turn_cost(&self, t: &Tokens) -> f64 {
        self.rates(t.context_class()).cost(t)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRates {
    input: Option<f64>,
    output: Option<f64>,
    cache_read: Option<f64>,
    cache_write5m: Option<f64>,
    cache_write1h: Option<f64>,
    above: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawModel {
    provider: Option<String>,
    input: f64,
    output: f64,
    cache_read: Option<f64>,
    cache_write5m: Option<f64>,
    cache_write1h: Option<f64>,
    #[serde(default)]
    tiers: Vec<RawRates>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    models: HashMap<String, RawModel>,
    #[serde(default)]
    aliases: HashMap<String, String>,
    // Provenance fields, kept in the file for people.
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    updated: Option<String>,
    #[allow(dead_code)]
    unit: Option<String>,
    #[allow(dead_code)]
    notes: Option<String>,
    #[allow(dead_code)]
    sources: Option<Vec<String>>,
    #[allow(dead_code)]
    unverified: Option<Vec<String>>,
}

/// A merged price table with alias resolution and normalized lookup.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    models: HashMap<String, ModelPrice>,
    aliases: HashMap<String, String>,
    /// Identifies the table's content (builtin + override), for `fingerprint()`.
    pub digest: String,
}

/// The highest rate accepted, in USD per million tokens (ten cents a token; the dearest models
/// charge well under $1,000). A higher one is a typo whose costs would overflow to infinity.
pub const MAX_RATE_USD_PER_MTOK: f64 = 100_000.0;

fn parse_table(text: &str) -> std::result::Result<RawTable, String> {
    let raw: RawTable = serde_json::from_str(text).map_err(|e| e.to_string())?;
    for (name, m) in &raw.models {
        let check = |what: &str, v: Option<f64>| {
            match v {
            Some(x) if !(x.is_finite() && (0.0..=MAX_RATE_USD_PER_MTOK).contains(&x)) => Err(format!(
                "{name}: {what} must be a number from 0 to {MAX_RATE_USD_PER_MTOK} (USD per million tokens)"
            )),
            _ => Ok(()),
        }
        };
        check("input", Some(m.input))?;
        check("output", Some(m.output))?;
        check("cacheRead", m.cache_read)?;
        check("cacheWrite5m", m.cache_write5m)?;
        check("cacheWrite1h", m.cache_write1h)?;
        for t in &m.tiers {
            match t.above {
                Some(a) if CONTEXT_THRESHOLDS.contains(&a) => {}
                other => {
                    return Err(format!(
                        "{name}: tier `above` must be one of {CONTEXT_THRESHOLDS:?}, got {other:?}"
                    ))
                }
            }
            for (what, v) in [
                ("input", t.input),
                ("output", t.output),
                ("cacheRead", t.cache_read),
                ("cacheWrite5m", t.cache_write5m),
                ("cacheWrite1h", t.cache_write1h),
            ] {
                check(what, v)?;
            }
        }
    }
    Ok(raw)
}

fn to_price(m: RawModel) -> ModelPrice {
    let cache_read = m.cache_read.unwrap_or(m.input);
    let cache_write_5m = m.cache_write5m.unwrap_or(m.input);
    let base = Rates {
        input: m.input,
        output: m.output,
        cache_read,
        cache_write_5m,
        cache_write_1h: m.cache_write1h.unwrap_or(cache_write_5m),
    };
    // A rate the model leaves out follows the input rate, in every tier: a model without a
    // cache discount (gpt-5.4-pro) pays the tier's input rate for cached tokens, not the base.
    let (has_read, has_w5, has_w1) = (
        m.cache_read.is_some(),
        m.cache_write5m.is_some(),
        m.cache_write1h.is_some(),
    );
    let mut tiers: Vec<(i64, Rates)> = m
        .tiers
        .into_iter()
        .map(|t| {
            let input = t.input.unwrap_or(base.input);
            let follow = |explicit: bool, base_rate: f64, tier_default: f64| {
                if explicit {
                    base_rate
                } else {
                    tier_default
                }
            };
            let w5 = t
                .cache_write5m
                .unwrap_or_else(|| follow(has_w5, base.cache_write_5m, input));
            (
                t.above.unwrap_or(0),
                Rates {
                    input,
                    output: t.output.unwrap_or(base.output),
                    cache_read: t
                        .cache_read
                        .unwrap_or_else(|| follow(has_read, base.cache_read, input)),
                    cache_write_5m: w5,
                    cache_write_1h: t
                        .cache_write1h
                        .unwrap_or_else(|| follow(has_w1, base.cache_write_1h, w5)),
                },
            )
        })
        .collect();
    tiers.sort_by_key(|(above, _)| *above);
    ModelPrice {
        provider: m.provider,
        base,
        tiers,
    }
}

fn builtin() -> Result<&'static PriceTable> {
    static TABLE: OnceLock<std::result::Result<PriceTable, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let raw = parse_table(BUILTIN_JSON)?;
            let mut table = PriceTable {
                digest: crate::hash::short_hex(BUILTIN_JSON.as_bytes()),
                ..PriceTable::default()
            };
            table.merge(raw);
            Ok(table)
        })
        .as_ref()
        .map_err(|e| Error::Internal(format!("shipped price table is invalid: {e}")))
}

impl PriceTable {
    /// The shipped table.
    pub fn builtin() -> Result<PriceTable> {
        builtin().cloned()
    }

    /// The shipped table merged with `home/prices.json` when that file exists. A malformed
    /// override is an error naming the file (never silently ignored).
    pub fn load(home: &Path) -> Result<PriceTable> {
        let mut table = builtin()?.clone();
        let path = home.join(OVERRIDE_FILE);
        let text = match crate::files::read_regular_to_string(&path, crate::files::MAX_PRICES_BYTES)
        {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(table),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let raw = parse_table(&text).map_err(|msg| {
            Error::io(
                &path,
                std::io::Error::other(format!("invalid price override: {msg}")),
            )
        })?;
        table.merge(raw);
        table.digest = format!(
            "{}+{}",
            table.digest,
            crate::hash::short_hex(text.as_bytes())
        );
        Ok(table)
    }

    fn merge(&mut self, raw: RawTable) {
        for (name, m) in raw.models {
            self.models.insert(name.to_ascii_lowercase(), to_price(m));
        }
        for (from, to) in raw.aliases {
            self.aliases
                .insert(from.to_ascii_lowercase(), to.to_ascii_lowercase());
        }
    }

    /// The price of `model` as a harness wrote it, after normalization; `None` if unknown.
    pub fn lookup(&self, model: &str) -> Option<&ModelPrice> {
        self.resolve(model).and_then(|k| self.models.get(&k))
    }

    /// The table key `model` resolves to, if any.
    pub fn resolve(&self, model: &str) -> Option<String> {
        for c in candidates(model) {
            if self.models.contains_key(&c) {
                return Some(c);
            }
            if let Some(target) = self.aliases.get(&c) {
                if self.models.contains_key(target) {
                    return Some(target.clone());
                }
            }
        }
        None
    }

    /// The model `raw` names, as one key for pricing, `groupBy: 'model'` and the `model`
    /// filter: the table key it resolves to, else its [`base_model`]; empty for an empty id.
    /// Every spelling of one model (API, Bedrock, Vertex, OpenRouter, `[1m]`) gives one key.
    pub fn model_key(&self, raw: &str) -> String {
        self.resolve(raw).unwrap_or_else(|| base_model(raw))
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

#[cfg(test)]
mod tests;
