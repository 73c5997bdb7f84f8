//! `overhead`: per session, what went to re-reading context versus new work, cache writes that
//! were never read again, and what compactions saved (model in ARCHITECTURE.md, "Analyses").

use super::timeline::{self, usd, Models, Need, Scope, Session};
use crate::error::Result;
use crate::ledger::Ledger;
use crate::pricing::Tokens;
use crate::query::Totals;

/// A 5-minute cache write is read again only by a turn within 5 minutes; a 1-hour one
/// within an hour.
const TTL_5M_MS: i64 = 5 * 60_000;
const TTL_1H_MS: i64 = 60 * 60_000;

#[derive(Debug, Clone, Default)]
pub struct OverheadOptions {
    pub scope: Scope,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverheadRow {
    pub harness: String,
    pub session_id: String,
    pub turns: i64,
    pub total_tokens: i64,
    pub cost_usd: f64,
    /// Context re-read from cache.
    pub cache_read_tokens: i64,
    pub cache_read_cost_usd: f64,
    /// New work: input, output and cache writes.
    pub new_tokens: i64,
    pub new_cost_usd: f64,
    pub cache_write_tokens: i64,
    pub cache_write_cost_usd: f64,
    /// Cache writes no later turn read within their lifetime.
    pub unread_cache_write_tokens: i64,
    pub unread_cache_write_cost_usd: f64,
    pub compactions: i64,
    /// Estimated context tokens compactions kept out of the later turns.
    pub compaction_saved_tokens: i64,
    pub compaction_saved_usd: f64,
}

impl OverheadRow {
    fn add(&mut self, o: &OverheadRow) {
        self.turns += o.turns;
        self.total_tokens += o.total_tokens;
        self.cost_usd += o.cost_usd;
        self.cache_read_tokens += o.cache_read_tokens;
        self.cache_read_cost_usd += o.cache_read_cost_usd;
        self.new_tokens += o.new_tokens;
        self.new_cost_usd += o.new_cost_usd;
        self.cache_write_tokens += o.cache_write_tokens;
        self.cache_write_cost_usd += o.cache_write_cost_usd;
        self.unread_cache_write_tokens += o.unread_cache_write_tokens;
        self.unread_cache_write_cost_usd += o.unread_cache_write_cost_usd;
        self.compactions += o.compactions;
        self.compaction_saved_tokens += o.compaction_saved_tokens;
        self.compaction_saved_usd += o.compaction_saved_usd;
    }

    fn rounded(mut self) -> Self {
        for v in [
            &mut self.cost_usd,
            &mut self.cache_read_cost_usd,
            &mut self.new_cost_usd,
            &mut self.cache_write_cost_usd,
            &mut self.unread_cache_write_cost_usd,
            &mut self.compaction_saved_usd,
        ] {
            *v = usd(*v);
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overhead {
    /// Every session's figures added up (also those past `limit`); `harness` and
    /// `session_id` are empty.
    pub totals: OverheadRow,
    /// The window's totals, as `summary` gives them.
    pub window: Totals,
    /// Costliest first, at most `limit`.
    pub sessions: Vec<OverheadRow>,
    pub unpriced_models: Vec<(String, i64)>,
}

pub fn overhead(ledger: &Ledger, opts: &OverheadOptions) -> Result<Overhead> {
    let limit = super::limit_of(opts.limit)?;
    let now_ms = crate::time::now_ms();
    let need = Need {
        calls: false,
        results: false,
        compactions: true,
    };
    let (parts, walked) = timeline::walk(
        ledger,
        &opts.scope,
        need,
        Vec::new,
        |rows: &mut Vec<OverheadRow>, models, s| rows.push(session_row(models, s, now_ms)),
    )?;
    let rows: Vec<OverheadRow> = parts.into_iter().flatten().collect();
    let mut totals = OverheadRow::default();
    for r in &rows {
        totals.add(r);
    }
    let mut sessions: Vec<OverheadRow> = rows.into_iter().map(OverheadRow::rounded).collect();
    sessions.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.total_tokens.cmp(&a.total_tokens))
            .then(a.session_id.cmp(&b.session_id))
    });
    sessions.truncate(limit);
    Ok(Overhead {
        totals: totals.rounded(),
        window: walked.totals,
        sessions,
        unpriced_models: walked.unpriced,
    })
}

fn session_row(models: &Models, s: &Session, now_ms: i64) -> OverheadRow {
    let mut row = OverheadRow {
        harness: s.harness.clone(),
        session_id: s.session_id.clone(),
        ..OverheadRow::default()
    };
    for (i, t) in s.turns.iter().enumerate() {
        if !t.in_scope {
            continue;
        }
        let u = &t.usage;
        let rates = models.rates(t);
        let cost = |tk: Tokens| rates.map_or(0.0, |r| r.cost(&tk));
        let writes = u.cache_write_5m + u.cache_write_1h;
        row.turns += 1;
        row.total_tokens += u.input + u.output + u.cache_read + writes;
        row.cost_usd += t.cost;
        row.cache_read_tokens += u.cache_read;
        let read_cost = cost(Tokens {
            cache_read: u.cache_read,
            ..Tokens::default()
        });
        row.cache_read_cost_usd += read_cost;
        row.new_tokens += u.input + u.output + writes;
        row.new_cost_usd += t.cost - read_cost;
        row.cache_write_tokens += writes;
        row.cache_write_cost_usd += cost(Tokens {
            cache_write_5m: u.cache_write_5m,
            cache_write_1h: u.cache_write_1h,
            ..Tokens::default()
        });
        // Was this turn's cache write read again? By the next turn, if it came within the
        // write's lifetime and read from cache. No next turn yet and the lifetime not over
        // (a live session): not counted either way.
        let next = s.turns.get(i + 1);
        let unread = |ttl: i64| match next {
            Some(n) => n.ts_ms - t.ts_ms > ttl || n.usage.cache_read == 0,
            None => now_ms - t.ts_ms > ttl,
        };
        let (u5, u1) = (
            if unread(TTL_5M_MS) {
                u.cache_write_5m
            } else {
                0
            },
            if unread(TTL_1H_MS) {
                u.cache_write_1h
            } else {
                0
            },
        );
        row.unread_cache_write_tokens += u5 + u1;
        row.unread_cache_write_cost_usd += cost(Tokens {
            cache_write_5m: u5,
            cache_write_1h: u1,
            ..Tokens::default()
        });
    }
    // Compactions: the context they removed (tokens before, else the prompt of the last turn
    // before, minus the prompt of the first turn after) is context each later turn up to the
    // next compaction did not re-read; priced at those turns' cache-read rate.
    for (ci, c) in s.compactions.iter().enumerate() {
        let next_c = s.compactions.get(ci + 1).map_or(i64::MAX, |n| n.ts_ms);
        let before_turn = s.turns.iter().rev().find(|t| t.ts_ms < c.ts_ms);
        let after: Vec<_> = s
            .turns
            .iter()
            .filter(|t| t.ts_ms >= c.ts_ms && t.ts_ms < next_c)
            .collect();
        let Some(first) = after.first() else { continue };
        if first.in_scope {
            row.compactions += 1;
        }
        let before = c
            .tokens_before
            .filter(|n| *n > 0)
            .or_else(|| before_turn.map(|t| t.tokens().prompt()));
        let Some(before) = before else { continue };
        let delta = (before - first.tokens().prompt()).max(0);
        for t in after.iter().filter(|t| t.in_scope) {
            row.compaction_saved_tokens += delta;
            row.compaction_saved_usd += models.rates(t).map_or(0.0, |r| {
                r.cost(&Tokens {
                    cache_read: delta,
                    ..Tokens::default()
                })
            });
        }
    }
    row
}
