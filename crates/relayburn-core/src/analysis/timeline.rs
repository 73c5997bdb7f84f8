//! The per-session timeline the analyses walk: every turn of each session that has at least
//! one turn in scope (window, tags, model), in time order, with its tool calls, plus the
//! session's tool results (from `user_turns` blocks) and compactions before `until`.
//!
//! Turns are read once, ordered by the `turns_by_session` index `(session_id, harness,
//! ts_ms)`, so one session is in memory at a time. Turns before `since` (or outside the tag
//! or model filter) are kept in the timeline, marked out of scope: they still made the
//! context that later turns re-read, and their tool calls name the results that follow.

use crate::error::Result;
use crate::ledger::Ledger;
use crate::pricing::{ModelPrice, PriceTable, Rates, Tokens};
use crate::query::{round_usd, tag_index, Resolved, TagIndex, Totals, TurnFilter};
use crate::time::{self, WeekStart, Zone};
use crate::vocab::records::Usage;
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::Value;
use serde::Deserialize;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

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
    /// The model id as stored on the turns.
    pub raw: String,
    /// The model key (`PriceTable::model_key`), `(unknown)` for an empty id.
    pub key: String,
    pub price: Option<ModelPrice>,
    wanted: bool,
}

/// A tool call as the analyses need it (no `argsHash`).
#[derive(Deserialize)]
pub(crate) struct Call {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub target: Option<String>,
}

pub(crate) struct Turn {
    pub ts_ms: i64,
    pub model: usize,
    pub usage: Usage,
    pub calls: Vec<Call>,
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
/// unpriced models (turns per model key, most first).
#[derive(Default)]
pub(crate) struct Walked {
    pub totals: Totals,
    pub unpriced: Vec<(String, i64)>,
}

impl Walked {
    /// Adds totals and unpriced turns counted elsewhere (the derived rows).
    pub fn add(&mut self, totals: &Totals, unpriced: HashMap<String, i64>) {
        self.totals.add(totals);
        let mut all: HashMap<String, i64> =
            std::mem::take(&mut self.unpriced).into_iter().collect();
        for (k, n) in unpriced {
            *all.entry(k).or_default() += n;
        }
        self.unpriced = sorted(all);
    }
}

fn sorted(unpriced: HashMap<String, i64>) -> Vec<(String, i64)> {
    let mut unpriced: Vec<(String, i64)> = unpriced.into_iter().collect();
    unpriced.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    unpriced
}

/// Block of a stored user turn, as much as the analyses need (strings borrowed from the
/// row's text unless they hold escapes).
#[derive(Deserialize)]
struct Block<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "toolUseId", default, borrow)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(default)]
    bytes: i64,
    #[serde(rename = "approxTokens", default)]
    approx_tokens: i64,
}

/// Most threads a walk uses (each reads its own range of sessions on its own connection).
const MAX_PARTS: usize = 4;
/// Below this many sessions one thread reads them all.
const MIN_SESSIONS_PER_PART: i64 = 64;

/// A resolved scope: the filter (its window fixed once, so every step of an analysis sees
/// the same bounds), the price table and the tag index.
pub(crate) struct Prepared {
    pub f: Resolved,
    pub prices: PriceTable,
    /// Shared with `summary` and `sessions` through the per-process tag cache.
    pub tags: Option<Arc<TagIndex>>,
    /// A `session` filter: its sessions are sought by id, and the walk is not split.
    pub one_tree: bool,
    /// A `project` filter (a column of the turns, not of their sessions).
    pub by_project: bool,
    /// A `harness` filter.
    pub harness: Option<String>,
}

/// Resolves `scope` for one analysis.
pub(crate) fn prepare(ledger: &Ledger, scope: &Scope) -> Result<Prepared> {
    let now_ms = time::now_ms();
    let zone = Zone::new(scope.timezone.as_deref(), scope.week_start)?;
    let f: Resolved = scope.filter.resolve(ledger, now_ms, &zone)?;
    f.check_window()?;
    let prices = PriceTable::load(ledger.home())?;
    let tags = if f.tags.is_empty() {
        None
    } else {
        let keys: Vec<String> = f.tags.iter().map(|(k, _)| k.clone()).collect();
        Some(tag_index(ledger, &keys)?)
    };
    Ok(Prepared {
        f,
        prices,
        tags,
        one_tree: scope.filter.session.is_some(),
        by_project: scope.filter.project.is_some(),
        harness: scope.filter.harness.clone(),
    })
}

/// Beside a `harness = ?` filter, the sessions of that harness (`?` the harness): the
/// per-session indexes lead with the session id, so the filter alone makes SQLite scan all of
/// `turns_by_session` and sort each session's rows again; a list of ids on the leading column
/// is sought in the walk's order instead (the same time as before migration 23).
const HARNESS_SESSIONS: &str = "session_id IN (SELECT session_id FROM sessions WHERE harness = ?)";

/// A clause on `(harness, session_id)` with its parameters: the only sessions a walk reads.
pub(crate) type Only = (String, Vec<Value>);

/// The read-only state every part of a walk shares.
pub(super) struct Shared<'a> {
    f: &'a Resolved,
    prices: &'a PriceTable,
    tags: Option<&'a TagIndex>,
    want: Vec<(usize, &'a str)>,
    want_model: Option<String>,
    need: Need,
    /// Results and compactions are read as streams beside the turns (no session or project
    /// filter, whose clauses name `turns` columns), not per session.
    streams: bool,
    /// A `harness` filter without a `session` one: its sessions are sought by id
    /// ([`HARNESS_SESSIONS`]).
    seek_harness: Option<&'a str>,
    only: Option<&'a Only>,
}

impl<'a> Shared<'a> {
    pub(super) fn new(p: &'a Prepared, need: Need, only: Option<&'a Only>) -> Self {
        let f = &p.f;
        Shared {
            f,
            prices: &p.prices,
            tags: p.tags.as_deref(),
            want: f
                .tags
                .iter()
                .enumerate()
                .map(|(i, (_, v))| (i, v.as_str()))
                .collect(),
            want_model: f.model.as_deref().map(|m| p.prices.model_key(m)),
            need,
            streams: !p.one_tree && !p.by_project,
            seek_harness: p.harness.as_deref().filter(|_| !p.one_tree),
            only,
        }
    }
}

/// What one part of a walk counted.
struct Part<A> {
    acc: A,
    totals: Totals,
    unpriced: HashMap<String, i64>,
}

/// A session as `(harness, session_id)`; parts and streams order sessions by
/// `(session_id, harness)`, as `turns_by_session` does.
type Key = (String, String);

/// Walks every session with a turn in scope, calling `each` once per session with the
/// accumulator of the part (thread) that read it. Sessions are split into up to
/// [`MAX_PARTS`] ranges of `(session_id, harness)`, each read on its own thread and
/// connection; the accumulators come back in range order.
pub(crate) fn walk<A: Send>(
    ledger: &Ledger,
    scope: &Scope,
    need: Need,
    init: impl Fn() -> A + Sync,
    each: impl Fn(&mut A, &Models, &Session) + Sync,
) -> Result<(Vec<A>, Walked)> {
    let p = prepare(ledger, scope)?;
    let (accs, mut walked) = walk_prepared(ledger, &p, need, None, init, each)?;
    walked.totals.cost_usd = round_usd(walked.totals.cost_usd);
    Ok((accs, walked))
}

/// [`walk`] over a prepared scope, reading only the sessions `only` names when given; the
/// totals' cost is left unrounded (the caller may add more to it).
pub(crate) fn walk_prepared<A: Send>(
    ledger: &Ledger,
    p: &Prepared,
    need: Need,
    only: Option<&Only>,
    init: impl Fn() -> A + Sync,
    each: impl Fn(&mut A, &Models, &Session) + Sync,
) -> Result<(Vec<A>, Walked)> {
    let shared = Shared::new(p, need, only);
    let bounds = pivots(ledger, p.one_tree)?;
    let mut ranges: Vec<(Option<&Key>, Option<&Key>)> = Vec::new();
    for i in 0..=bounds.len() {
        ranges.push((i.checked_sub(1).and_then(|j| bounds.get(j)), bounds.get(i)));
    }
    let home = ledger.home().to_path_buf();
    let parts: Vec<Result<Part<A>>> = std::thread::scope(|sc| {
        let (first, rest) = ranges
            .split_first()
            .map_or((None, &[][..]), |(a, b)| (Some(*a), b));
        let handles: Vec<_> = rest
            .iter()
            .map(|range| {
                let (shared, init, each, home) = (&shared, &init, &each, &home);
                let range = *range;
                sc.spawn(move || {
                    let own = Ledger::open(home)?;
                    walk_part(&own, shared, range, init(), each)
                })
            })
            .collect();
        let mut out = vec![match first {
            Some(range) => walk_part(ledger, &shared, range, init(), &each),
            None => Err(crate::Error::Internal("no range to walk".into())),
        }];
        for h in handles {
            out.push(h.join().unwrap_or_else(|_| {
                Err(crate::Error::Internal("analysis thread panicked".into()))
            }));
        }
        out
    });
    let mut accs = Vec::with_capacity(parts.len());
    let mut totals = Totals::default();
    let mut unpriced: HashMap<String, i64> = HashMap::new();
    for p in parts {
        let p = p?;
        totals.add(&p.totals);
        for (k, n) in p.unpriced {
            *unpriced.entry(k).or_default() += n;
        }
        accs.push(p.acc);
    }
    Ok((
        accs,
        Walked {
            totals,
            unpriced: sorted(unpriced),
        },
    ))
}

/// `(session_id, harness)` keys that split the sessions into equal counts, one part per
/// available core (up to [`MAX_PARTS`]); none for a small ledger or a one-tree filter.
fn pivots(ledger: &Ledger, one_tree: bool) -> Result<Vec<Key>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = cores.min(MAX_PARTS) as i64;
    if parts < 2 || one_tree {
        return Ok(Vec::new());
    }
    let conn = ledger.conn()?;
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))?;
    if count < parts * MIN_SESSIONS_PER_PART {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare_cached("SELECT harness, session_id FROM sessions ORDER BY session_id, harness LIMIT 1 OFFSET ?1")
        .map_err(|e| ledger.err(e))?;
    let mut out: Vec<Key> = Vec::new();
    for i in 1..parts {
        let key: Key = stmt
            .query_row([count * i / parts], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| ledger.err(e))?;
        if out.last() != Some(&key) {
            out.push(key);
        }
    }
    Ok(out)
}

/// One part of a walk: the sessions with `lo <= (session_id, harness) < hi`.
fn walk_part<A>(
    ledger: &Ledger,
    sh: &Shared<'_>,
    (lo, hi): (Option<&Key>, Option<&Key>),
    mut acc: A,
    each: &(impl Fn(&mut A, &Models, &Session) + Sync),
) -> Result<Part<A>> {
    let f = sh.f;
    let mut models = Models {
        idx: HashMap::new(),
        list: Vec::new(),
    };
    let mut totals = Totals::default();
    let mut unpriced: HashMap<String, i64> = HashMap::new();

    let (sql, params) = turns_sql(sh, lo, hi);
    let conn = ledger.conn()?;
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(|e| ledger.err(e))?;
    let until = f.until.unwrap_or(i64::MAX);
    // Results and compactions: one ordered stream each beside the turns when the filter is
    // broad (most sessions are read), else one indexed query per session.
    let streamed = sh.streams;
    let mut side_stmts = Vec::new();
    for (on, table, cols, tie) in [
        (sh.need.results, "user_turns", "ts_ms, blocks", "rid"),
        (
            sh.need.compactions,
            "compactions",
            "ts_ms, tokens_before",
            "id",
        ),
    ] {
        if on && streamed {
            let (sql, params) = side_sql(sh, (table, cols, tie), until, lo, hi);
            side_stmts.push((
                conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?,
                params,
            ));
        }
    }
    let mut sides = Vec::with_capacity(side_stmts.len());
    for (st, params) in side_stmts.iter_mut() {
        sides.push(Beside::new(
            st.query(rusqlite::params_from_iter(params.iter()))
                .map_err(|e| ledger.err(e))?,
        ));
    }
    let mut sides = sides.into_iter();
    let mut side = Sides {
        results: if sh.need.results && streamed {
            sides.next()
        } else {
            None
        },
        compactions: if sh.need.compactions && streamed {
            sides.next()
        } else {
            None
        },
    };
    let mut current: Option<Session> = None;
    let mut any_in_scope = false;
    let mut folded: Vec<Option<&str>> = Vec::new();
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
                    finish(
                        ledger, s, sh.need, until, &mut side, &models, &mut acc, each,
                    )?;
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
                let key = sh.prices.model_key(model);
                models.list.push(ModelInfo {
                    raw: model.to_string(),
                    wanted: sh.want_model.as_ref().is_none_or(|w| *w == key),
                    key: if key.is_empty() {
                        "(unknown)".to_string()
                    } else {
                        key
                    },
                    price: sh.prices.lookup(model).cloned(),
                });
                models.idx.insert(model.to_string(), models.list.len() - 1);
                models.list.len() - 1
            }
        };
        let mut in_scope = f.since.is_none_or(|s| ts_ms >= s) && models.list[model_idx].wanted;
        if in_scope {
            if let Some(tags) = sh.tags {
                tags.fold(session_id, Some(message_id), &mut folded);
                in_scope = sh.want.iter().all(|(k, v)| folded[*k] == Some(*v));
            }
        }
        let calls: Vec<Call> = if sh.need.calls {
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
            finish(
                ledger, s, sh.need, until, &mut side, &models, &mut acc, each,
            )?;
        }
    }
    drop(side);
    Ok(Part {
        acc,
        totals,
        unpriced,
    })
}

/// Loads a session's tool results and compactions (as `need` says: from the streams when
/// the walk has them, else by one query each), then hands it over.
#[allow(clippy::too_many_arguments)]
fn finish<A>(
    ledger: &Ledger,
    mut s: Session,
    need: Need,
    until: i64,
    side: &mut Sides<'_>,
    models: &Models,
    acc: &mut A,
    each: &impl Fn(&mut A, &Models, &Session),
) -> Result<()> {
    let err = |e| ledger.err(e);
    if need.results {
        let mut add = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<()> {
            let ts_ms: i64 = r.get(at)?;
            let raw = r.get_ref(at + 1)?.as_str()?;
            push_results(&mut s.results, ts_ms, raw);
            Ok(())
        };
        match side.results.as_mut() {
            Some(b) => b.take(&s.harness, &s.session_id, &mut add).map_err(err)?,
            None => per_session(
                ledger,
                "SELECT ts_ms, blocks FROM user_turns
                 WHERE harness = ?1 AND session_id = ?2 AND ts_ms < ?3 ORDER BY ts_ms, rid",
                &s.harness,
                &s.session_id,
                until,
                &mut add,
            )?,
        }
    }
    if need.compactions {
        let mut add = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<()> {
            s.compactions.push(Compaction {
                ts_ms: r.get(at)?,
                tokens_before: r.get(at + 1)?,
            });
            Ok(())
        };
        match side.compactions.as_mut() {
            Some(b) => b.take(&s.harness, &s.session_id, &mut add).map_err(err)?,
            None => per_session(
                ledger,
                "SELECT ts_ms, tokens_before FROM compactions
                 WHERE harness = ?1 AND session_id = ?2 AND ts_ms < ?3 ORDER BY ts_ms, id",
                &s.harness,
                &s.session_id,
                until,
                &mut add,
            )?,
        }
    }
    each(acc, models, &s);
    Ok(())
}

/// The tool results among a stored user turn's blocks.
fn push_results(out: &mut Vec<ToolResult>, ts_ms: i64, raw: &str) {
    if !raw.contains("tool_result") {
        return;
    }
    let blocks: Vec<Block<'_>> = serde_json::from_str(raw).unwrap_or_default();
    for b in blocks {
        if b.kind != "tool_result" {
            continue;
        }
        let Some(id) = b.tool_use_id else { continue };
        out.push(ToolResult {
            ts_ms,
            tool_use_id: id.into_owned(),
            bytes: b.bytes.max(0),
            tokens: b.approx_tokens.max(0),
        });
    }
}

/// Rows of one session (`?1` harness, `?2` session id, `?3` until) through `sql`.
fn per_session(
    ledger: &Ledger,
    sql: &str,
    harness: &str,
    session_id: &str,
    until: i64,
    each: &mut impl FnMut(&rusqlite::Row<'_>, usize) -> rusqlite::Result<()>,
) -> Result<()> {
    let conn = ledger.conn()?;
    let mut stmt = conn.prepare_cached(sql).map_err(|e| ledger.err(e))?;
    let mut rows = stmt
        .query(rusqlite::params![harness, session_id, until])
        .map_err(|e| ledger.err(e))?;
    while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
        each(r, 0).map_err(|e| ledger.err(e))?;
    }
    Ok(())
}

/// The turns of a part's sessions in scope, before `until`, in the walk's order.
pub(super) fn turns_sql(
    sh: &Shared<'_>,
    lo: Option<&Key>,
    hi: Option<&Key>,
) -> (String, Vec<Value>) {
    let f = sh.f;
    let (where_, mut params) = f.where_sql("ts_ms", None, f.until);
    let mut clauses = Vec::new();
    part_sessions(sh, lo, hi, &mut clauses, &mut params);
    let where_ = match (where_.is_empty(), clauses.is_empty()) {
        (_, true) => where_,
        (true, false) => format!("WHERE {}", clauses.join(" AND ")),
        (false, false) => format!("{where_} AND {}", clauses.join(" AND ")),
    };
    (
        format!(
            "SELECT harness, session_id, ts_ms, model, message_id, input, output, reasoning, cache_read,
                    cache_write_5m, cache_write_1h, tool_calls
             FROM turns {where_} ORDER BY session_id, harness, ts_ms, rid"
        ),
        params,
    )
}

/// The clauses that choose a part's sessions, the same for the turns and the streams beside
/// them: active since `since`, the `only` list, the filter's harness sought by id, and the
/// part's range. A `session` filter's own clause (`session_id IN (…)`) seeks
/// `turns_by_session`, which leads with the session id, in the walk's order.
fn part_sessions(
    sh: &Shared<'_>,
    lo: Option<&Key>,
    hi: Option<&Key>,
    clauses: &mut Vec<String>,
    params: &mut Vec<Value>,
) {
    if let Some(since) = sh.f.since {
        // Only sessions active in the window can have a turn in scope (`sessions_by_last_ts`);
        // their earlier turns are still read.
        clauses.push(
            "(harness, session_id) IN (SELECT harness, session_id FROM sessions WHERE last_ts_ms >= ?)"
                .into(),
        );
        params.push(Value::Integer(since));
    }
    if let Some((clause, only)) = sh.only {
        clauses.push(clause.clone());
        params.extend(only.iter().cloned());
    }
    if let Some(h) = sh.seek_harness {
        clauses.push(HARNESS_SESSIONS.into());
        params.push(Value::Text(h.to_string()));
    }
    for (key, op) in [(lo, ">="), (hi, "<")] {
        if let Some((h, s)) = key {
            clauses.push(format!("(session_id, harness) {op} (?, ?)"));
            params.push(Value::Text(s.clone()));
            params.push(Value::Text(h.clone()));
        }
    }
}

/// `SELECT harness, session_id, <cols> FROM <table>` over a part's range, in the turns'
/// order, restricted as the turns are (harness, sessions active since `since`) and before
/// `until`. Only used without a session or project filter (those columns are the turns').
fn side_sql(
    sh: &Shared<'_>,
    (table, cols, tie): (&str, &str, &str),
    until: i64,
    lo: Option<&Key>,
    hi: Option<&Key>,
) -> (String, Vec<Value>) {
    let f = sh.f;
    let mut clauses = vec!["ts_ms < ?".to_string()];
    let mut params = vec![Value::Integer(until)];
    // The resolved clauses are harness (and session/project, which never reach here).
    clauses.extend(f.clauses.iter().cloned());
    params.extend(f.params.iter().cloned());
    part_sessions(sh, lo, hi, &mut clauses, &mut params);
    (
        format!(
            "SELECT harness, session_id, {cols} FROM {table} WHERE {}
             ORDER BY session_id, harness, ts_ms, {tie}",
            clauses.join(" AND ")
        ),
        params,
    )
}

/// The side streams of a part (none when per-session queries are used).
struct Sides<'s> {
    results: Option<Beside<'s>>,
    compactions: Option<Beside<'s>>,
}

/// A stream of rows ordered by `(session_id, harness, …)` read beside the turns: each
/// session takes its rows as the walk reaches it (a merge join), skipping the rows of
/// sessions the walk did not hand over.
struct Beside<'s> {
    rows: rusqlite::Rows<'s>,
    started: bool,
}

impl<'s> Beside<'s> {
    fn new(rows: rusqlite::Rows<'s>) -> Beside<'s> {
        Beside {
            rows,
            started: false,
        }
    }

    /// Calls `each` with every row of `(harness, session_id)` (its columns from 2), leaving
    /// the stream at the first row past it.
    fn take(
        &mut self,
        harness: &str,
        session_id: &str,
        each: &mut impl FnMut(&rusqlite::Row<'_>, usize) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        if !self.started {
            self.rows.advance()?;
            self.started = true;
        }
        while let Some(r) = self.rows.get() {
            let h = r.get_ref(0)?.as_str()?;
            let s = r.get_ref(1)?.as_str()?;
            match s.cmp(session_id).then_with(|| h.cmp(harness)) {
                Ordering::Less => {}
                Ordering::Equal => each(r, 2)?,
                Ordering::Greater => return Ok(()),
            }
            self.rows.advance()?;
        }
        Ok(())
    }
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
