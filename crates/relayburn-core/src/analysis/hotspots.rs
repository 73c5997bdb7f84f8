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

use super::timeline::{self, allocate, per_token, usd, Models, Need, Scope, Session};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::pricing::Tokens;
use crate::query::Totals;
use std::collections::{HashMap, HashSet};

/// What `hotspots` ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HotspotBy {
    /// Tool name (`Read`, `Bash`, `exec_command`…).
    #[default]
    Tool,
    /// File targets of file tools (read, edit, write, patch).
    File,
    /// Shell commands (the command text).
    Command,
    /// Subagent sessions (their own turns).
    Subagent,
}

pub const HOTSPOT_BY_NAMES: &str = "tool, file, command or subagent";

impl HotspotBy {
    pub fn parse(field: &str, v: &str) -> Result<HotspotBy> {
        match v.trim().to_ascii_lowercase().as_str() {
            "tool" => Ok(HotspotBy::Tool),
            "file" => Ok(HotspotBy::File),
            "command" => Ok(HotspotBy::Command),
            "subagent" => Ok(HotspotBy::Subagent),
            _ => Err(Error::invalid(
                field,
                format!("must be one of {HOTSPOT_BY_NAMES}"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HotspotBy::Tool => "tool",
            HotspotBy::File => "file",
            HotspotBy::Command => "command",
            HotspotBy::Subagent => "subagent",
        }
    }
}

/// Tools whose target is a file, across harnesses.
const FILE_TOOLS: &[&str] = &[
    "Read",
    "Edit",
    "Write",
    "MultiEdit",
    "NotebookEdit",
    "read_file",
    "write_file",
    "view_image",
    "apply_patch",
    "read",
    "write",
    "edit",
    "multiedit",
    "patch",
];
/// Tools whose target is a shell command, across harnesses.
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "exec_command",
    "shell",
    "container.exec",
    "local_shell",
    "bash",
];
/// Longest key kept (a long shell command is clipped).
const MAX_KEY_CHARS: usize = 200;

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
    let limit = super::limit_of(opts.limit)?;
    let by = opts.by;
    let subagents = if by == HotspotBy::Subagent {
        Some(subagent_sessions(ledger)?)
    } else {
        None
    };
    let need = Need {
        calls: by != HotspotBy::Subagent,
        results: by != HotspotBy::Subagent,
        compactions: by != HotspotBy::Subagent,
    };
    let (parts, walked) = timeline::walk(
        ledger,
        &opts.scope,
        need,
        HashMap::new,
        |rows: &mut HashMap<String, HotspotRow>, models, s| match &subagents {
            Some(set) => {
                if set.contains(&(s.harness.clone(), s.session_id.clone())) {
                    add_subagent(rows, s);
                }
            }
            None => attribute(rows, by, models, s),
        },
    )?;
    // Parts read disjoint sessions; a key can appear in several.
    let mut rows: HashMap<String, HotspotRow> = HashMap::new();
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

/// The row key of a tool call under `by`, if it has one (borrowed from the call).
fn key_of<'a>(by: HotspotBy, name: &'a str, target: Option<&'a str>) -> Option<&'a str> {
    match by {
        HotspotBy::Tool => Some(name),
        HotspotBy::File if FILE_TOOLS.contains(&name) => target.map(str::trim),
        HotspotBy::Command if SHELL_TOOLS.contains(&name) => target.map(str::trim),
        _ => None,
    }
    .filter(|k| !k.is_empty())
}

/// A long key (a shell command) clipped to [`MAX_KEY_CHARS`].
fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_KEY_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Results held in a context, added up by row (so a turn's work grows with the rows of its
/// session, not with every result it carries): tokens per row index present, plus the tokens
/// of results that belong to no row under `by`.
#[derive(Default)]
struct Held {
    by_row: Vec<i64>,
    present: Vec<usize>,
    none: i64,
}

impl Held {
    fn push(&mut self, row: Option<usize>, tokens: i64) {
        match row {
            None => self.none += tokens,
            Some(i) => {
                if self.by_row.len() <= i {
                    self.by_row.resize(i + 1, 0);
                }
                if self.by_row[i] == 0 && !self.present.contains(&i) {
                    self.present.push(i);
                }
                self.by_row[i] += tokens;
            }
        }
    }

    fn clear(&mut self) {
        for i in self.present.drain(..) {
            self.by_row[i] = 0;
        }
        self.none = 0;
    }

    /// Moves everything held here into `into`.
    fn drain_into(&mut self, into: &mut Held) {
        for &i in &self.present {
            into.push(Some(i), self.by_row[i]);
        }
        into.none += self.none;
        self.clear();
    }

    /// Grants `pool` to the rows held (in proportion when they ask for more), calling
    /// `grant(row, tokens)` for each row.
    fn allocate(
        &self,
        pool: i64,
        demands: &mut Vec<i64>,
        grants: &mut Vec<i64>,
        mut grant: impl FnMut(usize, i64),
    ) {
        demands.clear();
        demands.extend(self.present.iter().map(|&i| self.by_row[i]));
        demands.push(self.none);
        allocate(demands, pool, grants);
        for (&i, &g) in self.present.iter().zip(grants.iter()) {
            grant(i, g);
        }
    }
}

fn attribute(rows: &mut HashMap<String, HotspotRow>, by: HotspotBy, models: &Models, s: &Session) {
    // Row keys of this session, indexed, so the walk below works on small integers.
    let mut keys: Vec<&str> = Vec::new();
    let mut key_idx: HashMap<&str, usize> = HashMap::new();
    let mut calls: HashMap<&str, Option<usize>> = HashMap::new();
    let mut acc: Vec<HotspotRow> = Vec::new();
    let mut pending = Held::default();
    let mut context = Held::default();
    let (mut ri, mut ci) = (0usize, 0usize);
    let mut demands: Vec<i64> = Vec::new();
    let mut grants: Vec<i64> = Vec::new();
    let row = |acc: &mut Vec<HotspotRow>, i: usize| {
        if acc.len() <= i {
            acc.resize_with(i + 1, HotspotRow::default);
        }
    };
    for t in &s.turns {
        // A compaction at or before this turn summarized everything before it.
        while ci < s.compactions.len() && s.compactions[ci].ts_ms <= t.ts_ms {
            pending.clear();
            context.clear();
            ci += 1;
        }
        // Results strictly before this turn are new to it.
        while ri < s.results.len() && s.results[ri].ts_ms < t.ts_ms {
            let r = &s.results[ri];
            let idx = calls.get(r.tool_use_id.as_str()).copied().flatten();
            if t.in_scope {
                if let Some(i) = idx {
                    row(&mut acc, i);
                    acc[i].result_bytes += r.bytes;
                }
            }
            pending.push(idx, r.tokens);
            ri += 1;
        }
        for c in &t.calls {
            let k = key_of(by, &c.name, c.target.as_deref()).map(|k| match key_idx.get(k) {
                Some(i) => *i,
                None => {
                    keys.push(k);
                    key_idx.insert(k, keys.len() - 1);
                    keys.len() - 1
                }
            });
            if let Some(i) = k {
                if t.in_scope {
                    row(&mut acc, i);
                    acc[i].calls += 1;
                }
            }
            calls.insert(c.id.as_str(), k);
        }
        if t.in_scope {
            let rates = models.rates(t);
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
            let fresh_rate = per_token(fresh_cost, t.fresh());
            let read_rate = per_token(read_cost, t.usage.cache_read);
            pending.allocate(t.fresh(), &mut demands, &mut grants, |i, g| {
                row(&mut acc, i);
                acc[i].fresh_tokens += g;
                acc[i].cost_usd += g as f64 * fresh_rate;
            });
            context.allocate(t.usage.cache_read, &mut demands, &mut grants, |i, g| {
                row(&mut acc, i);
                acc[i].cache_read_tokens += g;
                acc[i].cost_usd += g as f64 * read_rate;
            });
        }
        pending.drain_into(&mut context);
    }
    for (i, a) in acc.into_iter().enumerate() {
        let Some(key) = keys.get(i).map(|k| clip(k)) else {
            continue;
        };
        let r = rows.entry(key.clone()).or_insert_with(|| HotspotRow {
            key,
            ..HotspotRow::default()
        });
        r.add(&a);
    }
}
