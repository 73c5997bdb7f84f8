//! `summary()`: token totals (and cost) of the turns matching a filter, grouped by one
//! dimension. Costs are 0 until pricing lands; every model is then listed as unpriced.

use super::filter::TurnFilter;
use crate::error::{Error, Result};
use crate::ledger::Ledger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Model,
    Harness,
    Session,
    Day,
}

impl GroupBy {
    pub fn parse(value: &str) -> Result<GroupBy> {
        match value {
            "model" => Ok(GroupBy::Model),
            "harness" => Ok(GroupBy::Harness),
            "session" => Ok(GroupBy::Session),
            "day" => Ok(GroupBy::Day),
            other => Err(Error::invalid(
                "groupBy",
                format!("unknown dimension {other:?}: expected model, harness, session or day"),
            )),
        }
    }

    fn key_sql(self) -> &'static str {
        match self {
            GroupBy::Model => "t.model",
            GroupBy::Harness => "t.harness",
            GroupBy::Session => "t.session_id",
            GroupBy::Day => "strftime('%Y-%m-%d', t.ts_ms / 1000, 'unixepoch')",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub turns: i64,
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
    pub cost_usd: f64,
}

impl Totals {
    pub fn total_tokens(&self) -> i64 {
        self.input + self.output + self.cache_read + self.cache_write_5m + self.cache_write_1h
    }

    fn add(&mut self, o: &Totals) {
        self.turns += o.turns;
        self.input += o.input;
        self.output += o.output;
        self.reasoning += o.reasoning;
        self.cache_read += o.cache_read;
        self.cache_write_5m += o.cache_write_5m;
        self.cache_write_1h += o.cache_write_1h;
        self.cost_usd += o.cost_usd;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub totals: Totals,
    pub groups: Vec<(String, Totals)>,
    /// (model, turns) for models with no known price.
    pub unpriced_models: Vec<(String, i64)>,
}

pub fn summary(ledger: &Ledger, filter: &TurnFilter, group_by: GroupBy) -> Result<Summary> {
    let conn = ledger.conn()?;
    let where_ = filter.compile("t")?;
    let sql = format!(
        "SELECT {key} AS k, count(*), sum(t.input), sum(t.output), sum(t.reasoning), sum(t.cache_read),
                sum(t.cache_write_5m), sum(t.cache_write_1h)
         FROM turns t {where_} GROUP BY k",
        key = group_by.key_sql(),
        where_ = where_.sql
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(where_.params.iter()), |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                Totals {
                    turns: r.get(1)?,
                    input: r.get(2)?,
                    output: r.get(3)?,
                    reasoning: r.get(4)?,
                    cache_read: r.get(5)?,
                    cache_write_5m: r.get(6)?,
                    cache_write_1h: r.get(7)?,
                    cost_usd: 0.0,
                },
            ))
        })
        .map_err(|e| ledger.err(e))?;
    let mut groups = Vec::new();
    for row in rows {
        groups.push(row.map_err(|e| ledger.err(e))?);
    }
    let mut totals = Totals::default();
    for (_, g) in &groups {
        totals.add(g);
    }
    // Largest spend first; ties (and day groups) by key for a stable order.
    if group_by == GroupBy::Day {
        groups.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        groups.sort_by(|a, b| {
            b.1.total_tokens()
                .cmp(&a.1.total_tokens())
                .then(a.0.cmp(&b.0))
        });
    }
    let unpriced_models = unpriced(ledger, filter)?;
    Ok(Summary {
        totals,
        groups,
        unpriced_models,
    })
}

/// Models without a price (all of them, until the price table lands) and their turn counts.
fn unpriced(ledger: &Ledger, filter: &TurnFilter) -> Result<Vec<(String, i64)>> {
    let conn = ledger.conn()?;
    let where_ = filter.compile("t")?;
    let sql = format!(
        "SELECT t.model, count(*) FROM turns t {} GROUP BY t.model ORDER BY count(*) DESC, t.model",
        where_.sql
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(where_.params.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(|e| ledger.err(e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| ledger.err(e))
}
