//! `summary()`: token totals and cost of the turns matching a filter, grouped by one
//! dimension (or a few: `then_by`). Reads the `turn_rollup` table (counters per session, model, 15-minute bucket
//! and long-context class, kept by triggers) for the whole buckets of the window and the
//! `turns` table only for the partial buckets at its edges, for turns stamped by message id,
//! and for `groupBy: tool` (which needs each turn's tool calls). A summary that needs no
//! session, project, branch or tag reads the whole hours of its window from `turn_hourly`
//! (the rollup per hour without those columns) and only the rest from `turn_rollup`.

use super::filter::{Resolved, TurnFilter};
use super::group::{Calendar, GroupBy, BUCKET_MS, HOUR_MS, MAX_GROUP_DIMS, NONE_KEY};
use super::tag_cache::tag_index;
use super::tags::TagIndex;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::pricing::{route_provider, ModelPrice, PriceTable, Tokens};
use crate::time::{self, WeekStart, Zone};
use crate::vocab::records::ToolCall;
use rusqlite::types::Value;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::Arc;

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

/// Rounds a summed cost to the nano-dollar. Floating-point sums depend on the order rows are
/// read in (which a rebuild or a vacuum may change); rounding makes the same ledger content give
/// the same figures (and the same cost-ordered groups) whatever that order.
pub(crate) fn round_usd(usd: f64) -> f64 {
    (usd * 1e9).round() / 1e9
}

impl Totals {
    pub fn total_tokens(&self) -> i64 {
        [
            self.output,
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
        ]
        .iter()
        .fold(self.input, |sum, n| sum.saturating_add(*n))
    }

    pub(crate) fn add(&mut self, o: &Totals) {
        self.turns += o.turns;
        self.input += o.input;
        self.output += o.output;
        self.reasoning += o.reasoning;
        self.cache_read += o.cache_read;
        self.cache_write_5m += o.cache_write_5m;
        self.cache_write_1h += o.cache_write_1h;
        self.cost_usd += o.cost_usd;
    }

    pub(crate) fn tokens(&self) -> Tokens {
        Tokens {
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write_5m: self.cache_write_5m,
            cache_write_1h: self.cache_write_1h,
        }
    }

    fn scaled(&self, sign: i64) -> Totals {
        Totals {
            turns: self.turns * sign,
            input: self.input * sign,
            output: self.output * sign,
            reasoning: self.reasoning * sign,
            cache_read: self.cache_read * sign,
            cache_write_5m: self.cache_write_5m * sign,
            cache_write_1h: self.cache_write_1h * sign,
            cost_usd: self.cost_usd * sign as f64,
        }
    }

    fn is_zero(&self) -> bool {
        self.turns == 0 && self.total_tokens() == 0 && self.reasoning == 0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub totals: Totals,
    pub groups: Vec<(String, Totals)>,
    /// With `then_by` dimensions: each group's key per dimension (same order as `groups`,
    /// whose key is these joined by [`KEY_JOIN`]). Empty when grouped by one dimension.
    pub group_keys: Vec<Vec<String>>,
    /// (model, turns) for models with no known price (costed at 0), most turns first.
    pub unpriced_models: Vec<(String, i64)>,
    /// The IANA zone the day/week/month keys and calendar bounds used (`UTC` by default).
    pub timezone: String,
}

/// Options of `summary` besides the filter.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    pub group_by: GroupBy,
    /// Further dimensions (`GroupBy::parse_list` rules): a group per combination of keys.
    pub then_by: Vec<GroupBy>,
    /// IANA zone for day/week/month keys and calendar bounds (dates, `today`…); UTC when `None`.
    pub timezone: Option<String>,
    /// First day of `week` groups and of `this-week`.
    pub week_start: WeekStart,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            group_by: GroupBy::default(),
            then_by: Vec::new(),
            timezone: None,
            week_start: WeekStart::Monday,
        }
    }
}

pub fn summary(ledger: &Ledger, filter: &TurnFilter, opts: &SummaryOptions) -> Result<Summary> {
    summary_at(ledger, filter, opts, time::now_ms())
}

/// `summary` with relative bounds taken from `now_ms`.
pub(crate) fn summary_at(
    ledger: &Ledger,
    filter: &TurnFilter,
    opts: &SummaryOptions,
    now_ms: i64,
) -> Result<Summary> {
    summary_read(ledger, filter, opts, now_ms, false, NAME_SESSIONS_UP_TO)
}

/// `summary_at` with a tag filter's sessions never named to SQLite: every row of the window
/// tested against the tag index (tests).
#[cfg(test)]
pub(crate) fn summary_testing_rows_at(
    ledger: &Ledger,
    filter: &TurnFilter,
    opts: &SummaryOptions,
    now_ms: i64,
) -> Result<Summary> {
    summary_read(ledger, filter, opts, now_ms, false, 0)
}

/// `summary_at` counted from the turns alone, never the rollup: what the rollup read must
/// equal (tests).
#[cfg(test)]
pub(crate) fn summary_from_turns_at(
    ledger: &Ledger,
    filter: &TurnFilter,
    opts: &SummaryOptions,
    now_ms: i64,
) -> Result<Summary> {
    summary_read(ledger, filter, opts, now_ms, true, NAME_SESSIONS_UP_TO)
}

fn summary_read(
    ledger: &Ledger,
    filter: &TurnFilter,
    opts: &SummaryOptions,
    now_ms: i64,
    turns_only: bool,
    name_sessions_up_to: usize,
) -> Result<Summary> {
    let zone = Zone::new(opts.timezone.as_deref(), opts.week_start)?;
    let f = filter.resolve(ledger, now_ms, &zone)?;
    f.check_window()?;
    let prices = PriceTable::load(ledger.home())?;
    let mut acc = Accumulator::new(ledger, &f, opts, &prices, zone)?;
    acc.name_sessions_up_to = name_sessions_up_to;
    let tool_mode = acc.dims.contains(&GroupBy::Tool);

    // Whole 15-minute buckets inside [since, until) come from the rollup.
    let lo = f
        .since
        .map(|s| s + (BUCKET_MS - s.rem_euclid(BUCKET_MS)) % BUCKET_MS);
    let hi = f.until.map(|u| u - u.rem_euclid(BUCKET_MS));
    let rollup_window = match (lo, hi) {
        (Some(l), Some(h)) if l >= h => None,
        _ if tool_mode || turns_only => None,
        _ => Some((lo, hi)),
    };
    match rollup_window {
        Some((lo, hi)) => {
            acc.read_rollups(lo, hi)?;
            // Edges: [since, lo) and [hi, until) from the turns themselves.
            if let (Some(s), Some(l)) = (f.since, lo) {
                acc.read_turns(Some(s), Some(l), None)?;
            }
            if let (Some(h), Some(u)) = (hi, f.until) {
                acc.read_turns(Some(h), Some(u), None)?;
            }
            acc.restamp_messages(lo, hi)?;
        }
        None => acc.read_turns(f.since, f.until, None)?,
    }
    Ok(acc.finish())
}

/// A row's dimensions, borrowed from the SQLite row being read.
struct Dims<'r> {
    session_id: &'r str,
    harness: &'r str,
    model: &'r str,
    provider: &'r str,
    project: &'r str,
    branch: &'r str,
    ts_ms: i64,
}

struct ModelInfo {
    /// The model key (`PriceTable::model_key`), `(unknown)` for an empty id.
    key: String,
    price: Option<ModelPrice>,
    provider: Option<String>,
    /// Where the raw id says it was served (`route_provider`).
    route: Option<String>,
    /// Passes the `model` filter.
    wanted: bool,
}

struct Accumulator<'a> {
    ledger: &'a Ledger,
    f: &'a Resolved,
    /// `group_by` then `then_by`.
    dims: Vec<GroupBy>,
    prices: &'a PriceTable,
    calendar: Calendar,
    timezone: String,
    tags: Option<Arc<TagIndex>>,
    /// (key index, wanted value) of the tag filter.
    want: Vec<(usize, String)>,
    /// Most sessions a tag filter names to SQLite ([`NAME_SESSIONS_UP_TO`]).
    name_sessions_up_to: usize,
    /// The `model` filter's model key.
    want_model: Option<String>,
    /// Per dimension, the tag key index of a `tag:<key>` dimension.
    group_tags: Vec<Option<usize>>,
    /// `groupBy: root`: session → root of its tree, for sessions below a root.
    roots: HashMap<String, String>,
    // Looked up once or more per row read: a fast hash (keys are the ledger's own values).
    model_idx: FxHashMap<String, usize>,
    models: Vec<ModelInfo>,
    /// `groupBy: tool` groups.
    groups: HashMap<Vec<String>, Totals>,
    /// Other groups by the ids of their raw values (see `add`), with their key.
    by_ids: FxHashMap<[u64; MAX_GROUP_DIMS], (Vec<String>, Totals)>,
    interned: FxHashMap<String, u64>,
    totals: Totals,
    unpriced: HashMap<String, i64>,
}

/// Most sessions a tag filter names to SQLite (`session_id IN …`) rather than testing each row
/// of the window against the tag index.
const NAME_SESSIONS_UP_TO: usize = 500;

const TURN_COLUMNS: &str = "session_id, harness, model, COALESCE(provider, ''), COALESCE(project, ''),
    COALESCE(branch, ''), ts_ms, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
    message_id, tool_calls, COALESCE(reported_cost_usd, 0)";

impl<'a> Accumulator<'a> {
    fn new(
        ledger: &'a Ledger,
        f: &'a Resolved,
        opts: &SummaryOptions,
        prices: &'a PriceTable,
        zone: Zone,
    ) -> Result<Self> {
        let dims: Vec<GroupBy> = std::iter::once(opts.group_by.clone())
            .chain(opts.then_by.iter().cloned())
            .collect();
        let mut keys: Vec<String> = f.tags.iter().map(|(k, _)| k.clone()).collect();
        for dim in &dims {
            if let GroupBy::Tag(k) = dim {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        let tags = if keys.is_empty() {
            None
        } else {
            Some(tag_index(ledger, &keys)?)
        };
        let want = f
            .tags
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (i, v.clone()))
            .collect();
        let group_tags = dims
            .iter()
            .map(|d| match d {
                GroupBy::Tag(k) => keys.iter().position(|x| x == k),
                _ => None,
            })
            .collect();
        let roots = if dims.contains(&GroupBy::Root) {
            load_roots(ledger)?
        } else {
            HashMap::new()
        };
        Ok(Accumulator {
            roots,
            ledger,
            f,
            dims,
            prices,
            timezone: zone.name().to_string(),
            calendar: Calendar::new(zone),
            tags,
            want,
            name_sessions_up_to: NAME_SESSIONS_UP_TO,
            want_model: f.model.as_deref().map(|m| prices.model_key(m)),
            group_tags,
            model_idx: FxHashMap::default(),
            models: Vec::new(),
            groups: HashMap::new(),
            by_ids: FxHashMap::default(),
            interned: FxHashMap::default(),
            totals: Totals::default(),
            unpriced: HashMap::new(),
        })
    }

    /// Whether `turn_hourly` can stand for the rollup: no tag, and no session, project or
    /// branch in the groups or the filter.
    fn hourly(&self) -> bool {
        self.tags.is_none()
            && self.f.hourly
            && self.dims.iter().all(|d| {
                matches!(
                    d,
                    GroupBy::Model
                        | GroupBy::ModelRaw
                        | GroupBy::Provider
                        | GroupBy::Harness
                        | GroupBy::Day
                        | GroupBy::Week
                        | GroupBy::Month
                )
            })
    }

    /// The whole 15-minute buckets of `[lo, hi)`: its whole hours from `turn_hourly` when that
    /// serves, the quarter hours around them and the hours a period boundary cuts from
    /// `turn_rollup`.
    fn read_rollups(&mut self, lo: Option<i64>, hi: Option<i64>) -> Result<()> {
        if !self.hourly() {
            return self.read_rollup(lo, hi);
        }
        let hour_lo = lo.map(|l| l + (HOUR_MS - l.rem_euclid(HOUR_MS)) % HOUR_MS);
        let hour_hi = hi.map(|h| h - h.rem_euclid(HOUR_MS));
        if matches!((hour_lo, hour_hi), (Some(l), Some(h)) if l >= h) {
            return self.read_rollup(lo, hi);
        }
        let cut = self.read_hourly(hour_lo, hour_hi)?;
        if let (Some(l), Some(h)) = (lo, hour_lo) {
            if l < h {
                self.read_rollup(Some(l), Some(h))?;
            }
        }
        if let (Some(h), Some(u)) = (hour_hi, hi) {
            if h < u {
                self.read_rollup(Some(h), Some(u))?;
            }
        }
        for (l, h) in cut {
            self.read_rollup(Some(l), Some(h))?;
        }
        Ok(())
    }

    /// `turn_hourly` rows of whole hours in `[lo, hi)`. Returns the spans of hours left out
    /// because a day, week or month of the groups starts inside them (zones off the whole
    /// hour), to be read per quarter hour.
    fn read_hourly(&mut self, lo: Option<i64>, hi: Option<i64>) -> Result<Vec<(i64, i64)>> {
        let (where_, params) = self.f.where_sql("hour_ms", lo, hi);
        let has = |d: &GroupBy| self.dims.contains(d);
        // The table has no session, project or branch (`hourly` asks for none).
        let wanted = [
            false,
            has(&GroupBy::Harness),
            has(&GroupBy::Provider),
            false,
            false,
        ];
        let (sql, at, n) = rollup_select("turn_hourly", "hour_ms", wanted, &where_);
        let time_dims: Vec<GroupBy> = self.dims.iter().filter(|d| d.is_time()).cloned().collect();
        let mut cut: Vec<i64> = Vec::new();
        // Rows come in hour order (the table's key): each hour is checked once.
        let mut last: Option<(i64, bool)> = None;
        let ledger = self.ledger;
        let conn = ledger.conn()?;
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| ledger.err(e))?;
        while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
            let hour: i64 = r.get(n).map_err(|e| ledger.err(e))?;
            let whole = match last {
                Some((h, whole)) if h == hour => whole,
                _ => {
                    let calendar = &mut self.calendar;
                    let whole = time_dims.iter().all(|d| calendar.whole_hour(d, hour));
                    if !whole {
                        cut.push(hour);
                    }
                    last = Some((hour, whole));
                    whole
                }
            };
            if !whole {
                continue;
            }
            let (dims, t, ctx) = rollup_row(r, &at, n).map_err(|e| ledger.err(e))?;
            if t.is_zero() {
                continue;
            }
            self.add(&dims, None, &[], t, ctx, false);
        }
        cut.sort_unstable();
        cut.dedup();
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for h in cut {
            match spans.last_mut() {
                Some((_, end)) if *end == h => *end = h + HOUR_MS,
                _ => spans.push((h, h + HOUR_MS)),
            }
        }
        Ok(spans)
    }

    /// Rollup rows of whole buckets in `[lo, hi)`; with a tag filter, only the sessions
    /// whose own tags match (turns matching through message stamps come from `restamp`).
    fn read_rollup(&mut self, lo: Option<i64>, hi: Option<i64>) -> Result<()> {
        let (mut where_, mut params) = self.f.where_sql("bucket_ms", lo, hi);
        if let Some(tags) = &self.tags {
            // A few matching sessions are named to SQLite; with many, every row of the window
            // is read and its session tested against the tag index below, which costs less
            // than SQLite's lookup of each row in the list.
            let sessions = if self.want.is_empty() {
                Vec::new()
            } else {
                tags.matching_sessions(&self.want)
            };
            if !self.want.is_empty() && sessions.is_empty() {
                return Ok(());
            }
            if !sessions.is_empty() && sessions.len() <= self.name_sessions_up_to {
                let list = serde_json::to_string(&sessions).unwrap_or_else(|_| "[]".into());
                where_ = if where_.is_empty() {
                    "WHERE session_id IN (SELECT value FROM json_each(?))".to_string()
                } else {
                    format!("{where_} AND session_id IN (SELECT value FROM json_each(?))")
                };
                params.push(Value::Text(list));
            }
        }
        // Only the text columns the groups or the tags need (see `rollup_select`).
        let has = |d: &GroupBy| self.dims.contains(d);
        let wanted = [
            self.tags.is_some() || has(&GroupBy::Session) || has(&GroupBy::Root),
            has(&GroupBy::Harness),
            has(&GroupBy::Provider),
            has(&GroupBy::Project),
            has(&GroupBy::Branch),
        ];
        let (sql, at, n) = rollup_select("turn_rollup", "bucket_ms", wanted, &where_);
        // A tag filter tested on the session before the row's other columns are read.
        let filter = self.tags.clone().filter(|_| !self.want.is_empty());
        let want = self.want.clone();
        let ledger = self.ledger;
        let conn = ledger.conn()?;
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| ledger.err(e))?;
        while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
            if let (Some(tags), Some(i)) = (&filter, at[0]) {
                let session_id = r.get_ref(i).and_then(|v| Ok(v.as_str()?));
                if !tags.session_matches(session_id.map_err(|e| ledger.err(e))?, &want) {
                    continue;
                }
            }
            let (dims, t, ctx) = rollup_row(r, &at, n).map_err(|e| ledger.err(e))?;
            if t.is_zero() {
                continue;
            }
            self.add(&dims, None, &[], t, ctx, false);
        }
        Ok(())
    }

    /// Turns in `[lo, hi)`, each folded with its own message stamps. With `messages`, only
    /// those message ids.
    fn read_turns(
        &mut self,
        lo: Option<i64>,
        hi: Option<i64>,
        messages: Option<&str>,
    ) -> Result<()> {
        self.scan_turns(lo, hi, messages, |acc, dims, message, tools, t| {
            let ctx = t.tokens().context_class();
            acc.add(dims, Some(message), tools, t, ctx, false);
        })
    }

    /// Turns stamped by message id inside the rollup window were counted above with their
    /// session's tags only: take that contribution back and count them with their own.
    fn restamp_messages(&mut self, lo: Option<i64>, hi: Option<i64>) -> Result<()> {
        let Some(tags) = &self.tags else {
            return Ok(());
        };
        let messages = tags.stamped_messages();
        if messages.is_empty() {
            return Ok(());
        }
        let list = serde_json::to_string(&messages).unwrap_or_else(|_| "[]".into());
        self.scan_turns(lo, hi, Some(&list), |acc, dims, message, tools, t| {
            let ctx = t.tokens().context_class();
            acc.add(dims, None, tools, t.clone(), ctx, true);
            acc.add(dims, Some(message), tools, t, ctx, false);
        })
    }

    fn scan_turns(
        &mut self,
        lo: Option<i64>,
        hi: Option<i64>,
        messages: Option<&str>,
        mut each: impl FnMut(&mut Self, &Dims<'_>, &str, &[String], Totals),
    ) -> Result<()> {
        if matches!((lo, hi), (Some(l), Some(h)) if l >= h) {
            return Ok(());
        }
        let (mut where_, mut params) = self.f.where_sql("ts_ms", lo, hi);
        // A window within one rollup bucket (the edges of a summary): by time. Before the
        // per-session indexes led with the session id (migration 23), the planner took
        // `turns_by_session` for a `harness` filter and walked every turn of that harness to
        // find the few in the window; the hint keeps the plan from resting on its guess.
        let by_time =
            messages.is_none() && matches!((lo, hi), (Some(l), Some(h)) if h - l <= BUCKET_MS);
        let index = if by_time {
            " INDEXED BY turns_by_ts"
        } else {
            ""
        };
        if let Some(list) = messages {
            let clause = "message_id IN (SELECT value FROM json_each(?))";
            where_ = if where_.is_empty() {
                format!("WHERE {clause}")
            } else {
                format!("{where_} AND {clause}")
            };
            params.push(Value::Text(list.to_string()));
        }
        let sql = format!("SELECT {TURN_COLUMNS} FROM turns{index} {where_}");
        let ledger = self.ledger;
        let conn = ledger.conn()?;
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| ledger.err(e))?;
        let want_tools = self.dims.contains(&GroupBy::Tool);
        let mut tools: Vec<String> = Vec::new();
        while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
            let get = |i| r.get_ref(i).and_then(|v| Ok(v.as_str()?));
            let (dims, t, message) = (|| -> rusqlite::Result<_> {
                Ok((
                    Dims {
                        session_id: get(0)?,
                        harness: get(1)?,
                        model: get(2)?,
                        provider: get(3)?,
                        project: get(4)?,
                        branch: get(5)?,
                        ts_ms: r.get(6)?,
                    },
                    Totals {
                        turns: 1,
                        input: r.get(7)?,
                        output: r.get(8)?,
                        reasoning: r.get(9)?,
                        cache_read: r.get(10)?,
                        cache_write_5m: r.get(11)?,
                        cache_write_1h: r.get(12)?,
                        // The harness's own cost: what `add` keeps for a model without a price.
                        cost_usd: r.get(15)?,
                    },
                    get(13)?,
                ))
            })()
            .map_err(|e| ledger.err(e))?;
            tools.clear();
            if want_tools {
                let raw = get(14).map_err(|e| ledger.err(e))?;
                let calls: Vec<ToolCall> = serde_json::from_str(raw).unwrap_or_default();
                tools.extend(calls.into_iter().map(|c| c.name));
            }
            each(self, &dims, message, &tools, t);
        }
        Ok(())
    }

    /// Counts `t` (negated when `undo`) under its group, if its folded tags pass the filter.
    /// `message == None` folds session stamps only (how rollup rows were counted).
    fn add(
        &mut self,
        d: &Dims<'_>,
        message: Option<&str>,
        tools: &[String],
        t: Totals,
        ctx: u8,
        undo: bool,
    ) {
        let mut group_tags: [Option<&str>; MAX_GROUP_DIMS] = [None; MAX_GROUP_DIMS];
        if let Some(tags) = &self.tags {
            let mut folded: Vec<Option<&str>> = Vec::with_capacity(self.want.len() + 1);
            tags.fold(d.session_id, message, &mut folded);
            if !self
                .want
                .iter()
                .all(|(k, v)| folded[*k] == Some(v.as_str()))
            {
                return;
            }
            for (slot, k) in group_tags.iter_mut().zip(&self.group_tags) {
                *slot = k.and_then(|k| folded[k]);
            }
        }
        let idx = match self.model_idx.get(d.model) {
            Some(i) => *i,
            None => {
                let price = self.prices.lookup(d.model).cloned();
                let key = self.prices.model_key(d.model);
                self.models.push(ModelInfo {
                    wanted: self.want_model.as_ref().is_none_or(|w| *w == key),
                    key: if key.is_empty() {
                        "(unknown)".to_string()
                    } else {
                        key
                    },
                    route: route_provider(d.model),
                    provider: price.as_ref().and_then(|p| p.provider.clone()),
                    price,
                });
                self.model_idx
                    .insert(d.model.to_string(), self.models.len() - 1);
                self.models.len() - 1
            }
        };
        if !self.models[idx].wanted {
            return;
        }
        let info = &self.models[idx];
        let sign = if undo { -1 } else { 1 };
        let mut t = t;
        // `t.cost_usd` arrives holding the cost the harness reported (0 when none): a model
        // the price table cannot price keeps it and is still listed as unpriced.
        t.cost_usd =
            crate::pricing::cost_or_reported(info.price.as_ref(), ctx, &t.tokens(), t.cost_usd);
        if info.price.is_none() {
            *self.unpriced.entry(info.key.clone()).or_default() += sign * t.turns;
        }
        let t = t.scaled(sign);
        self.totals.add(&t);
        if self.dims[0] == GroupBy::Tool {
            add_tools(&mut self.groups, tools, &t);
            return;
        }
        // The group of a row seen before is found by ids of its raw values (interned
        // strings, the model's index, the day, week or month), without building its key.
        let mut ids = [0u64; MAX_GROUP_DIMS];
        let interned = &mut self.interned;
        let mut intern = |v: &str| match interned.get(v) {
            Some(id) => *id,
            None => {
                let id = interned.len() as u64;
                interned.insert(v.to_string(), id);
                id
            }
        };
        for (slot, (i, dim)) in ids.iter_mut().zip(self.dims.iter().enumerate()) {
            *slot = match dim {
                GroupBy::Model | GroupBy::ModelRaw => idx as u64,
                GroupBy::Provider => ((idx as u64) << 32) | intern(d.provider),
                GroupBy::Harness => intern(d.harness),
                GroupBy::Project => intern(d.project),
                GroupBy::Branch => intern(d.branch),
                GroupBy::Session | GroupBy::Root => intern(d.session_id),
                GroupBy::Day | GroupBy::Week | GroupBy::Month => {
                    u64::from(self.calendar.id(dim, d.ts_ms))
                }
                GroupBy::Tag(_) => group_tags[i].map_or(u64::MAX, &mut intern),
                GroupBy::Tool => 0,
            };
        }
        if let Some((_, seen)) = self.by_ids.get_mut(&ids) {
            seen.add(&t);
            return;
        }
        let mut key = Vec::with_capacity(self.dims.len());
        for (i, dim) in self.dims.iter().enumerate() {
            let or_none = |s: &str| {
                if s.is_empty() {
                    NONE_KEY.to_string()
                } else {
                    s.to_string()
                }
            };
            key.push(match dim {
                GroupBy::Model => info.key.clone(),
                GroupBy::ModelRaw if d.model.is_empty() => "(unknown)".to_string(),
                GroupBy::ModelRaw => d.model.to_string(),
                GroupBy::Provider => info
                    .route
                    .clone()
                    .or_else(|| (!d.provider.is_empty()).then(|| d.provider.to_string()))
                    .or_else(|| info.provider.clone())
                    .unwrap_or_else(|| NONE_KEY.to_string()),
                GroupBy::Harness => d.harness.to_string(),
                GroupBy::Project => or_none(d.project),
                GroupBy::Branch => or_none(d.branch),
                GroupBy::Session => d.session_id.to_string(),
                GroupBy::Root => self
                    .roots
                    .get(d.session_id)
                    .cloned()
                    .unwrap_or_else(|| d.session_id.to_string()),
                GroupBy::Day | GroupBy::Week | GroupBy::Month => {
                    self.calendar.key_of(ids[i] as u32).to_string()
                }
                GroupBy::Tag(_) => group_tags[i].unwrap_or(NONE_KEY).to_string(),
                // `parse_list` keeps tool alone (handled above).
                GroupBy::Tool => NONE_KEY.to_string(),
            });
        }
        self.by_ids.insert(ids, (key, t));
    }

    fn finish(self) -> Summary {
        let dims = self.dims;
        // Ids that differ can name one group (two spellings of a model).
        let mut merged = self.groups;
        for (key, t) in self.by_ids.into_values() {
            merged.entry(key).or_default().add(&t);
        }
        let mut groups: Vec<(Vec<String>, Totals)> = merged
            .into_iter()
            .filter(|(_, t)| !t.is_zero())
            .map(|(k, mut t)| {
                t.cost_usd = round_usd(t.cost_usd);
                (k, t)
            })
            .collect();
        let mut totals = self.totals;
        totals.cost_usd = round_usd(totals.cost_usd);
        // Time dimensions in time order, then by cost.
        groups.sort_by(|a, b| {
            dims.iter()
                .enumerate()
                .filter(|(_, d)| d.is_time())
                .fold(std::cmp::Ordering::Equal, |o, (i, _)| {
                    o.then_with(|| a.0[i].cmp(&b.0[i]))
                })
                .then(b.1.cost_usd.total_cmp(&a.1.cost_usd))
                .then(b.1.total_tokens().cmp(&a.1.total_tokens()))
                .then(a.0.cmp(&b.0))
        });
        let group_keys = if dims.len() > 1 {
            groups.iter().map(|(k, _)| k.clone()).collect()
        } else {
            Vec::new()
        };
        let groups = groups
            .into_iter()
            .map(|(k, t)| (k.join(KEY_JOIN), t))
            .collect();
        let mut unpriced_models: Vec<(String, i64)> =
            self.unpriced.into_iter().filter(|(_, n)| *n > 0).collect();
        unpriced_models.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Summary {
            totals,
            groups,
            group_keys,
            unpriced_models,
            timezone: self.timezone,
        }
    }
}

/// Joins a group's keys into its `key` when grouped by several dimensions.
pub const KEY_JOIN: &str = " · ";

/// Session → root for every session that has a parent (`session_tree`, non-root nodes).
fn load_roots(ledger: &Ledger) -> Result<HashMap<String, String>> {
    let conn = ledger.conn()?;
    let mut stmt = conn
        .prepare_cached("SELECT session_id, root_id FROM session_tree WHERE parent_id IS NOT NULL")
        .map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| ledger.err(e))?;
    rows.collect::<rusqlite::Result<HashMap<_, _>>>()
        .map_err(|e| ledger.err(e))
}

/// `groupBy: tool`: a turn's tokens and cost are split evenly across its tool calls (a tool
/// called twice gets two shares; integer remainders go to the first calls), so the groups
/// add up to the totals. Each group's `turns` counts the turns that called the tool at
/// least once (those can add up to more than the total). Turns without tool calls form the
/// `(none)` group.
fn add_tools(groups: &mut HashMap<Vec<String>, Totals>, tools: &[String], t: &Totals) {
    if tools.is_empty() {
        groups.entry(vec![NONE_KEY.to_string()]).or_default().add(t);
        return;
    }
    let n = tools.len() as i64;
    // Works for negative (undo) values too: the same split, negated.
    let share = |v: i64, i: i64| {
        let (q, r) = (v / n, v % n);
        q + if i < r.abs() { r.signum() } else { 0 }
    };
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in tools.iter().enumerate() {
        let i = i as i64;
        let part = Totals {
            turns: if seen.contains(&name.as_str()) {
                0
            } else {
                t.turns
            },
            input: share(t.input, i),
            output: share(t.output, i),
            reasoning: share(t.reasoning, i),
            cache_read: share(t.cache_read, i),
            cache_write_5m: share(t.cache_write_5m, i),
            cache_write_1h: share(t.cache_write_1h, i),
            cost_usd: t.cost_usd / n as f64,
        };
        seen.push(name);
        groups.entry(vec![name.clone()]).or_default().add(&part);
    }
}

/// The text columns a rollup read may ask for, in order: session, harness, provider,
/// project, branch (the model is always read).
const ROLLUP_TEXT: [&str; 5] = ["session_id", "harness", "provider", "project", "branch"];

/// The counter columns of `turn_rollup` and `turn_hourly`, in the order [`rollup_counts`]
/// reads them.
const ROLLUP_COUNTS: &str = "input, output, reasoning, cache_read, cache_write_5m, \
     cache_write_1h, turns, ctx, reported_cost_usd";

/// `SELECT model, <the wanted ROLLUP_TEXT columns>, <time>, <ROLLUP_COUNTS> FROM <table>`,
/// where each wanted text column lands (`None`: not read) and the time column's index. Only
/// the columns the groups or the tags need: reading a row's long strings (session ids,
/// project paths) is much of the cost of a wide window, and each column asked for costs a
/// few calls per row even when constant.
fn rollup_select(
    table: &str,
    time: &str,
    wanted: [bool; 5],
    where_: &str,
) -> (String, [Option<usize>; 5], usize) {
    let mut text = vec!["model"];
    let at = std::array::from_fn(|i| {
        wanted[i].then(|| {
            text.push(ROLLUP_TEXT[i]);
            text.len() - 1
        })
    });
    let n = text.len();
    let sql = format!(
        "SELECT {}, {time}, {ROLLUP_COUNTS} FROM {table} {where_}",
        text.join(", ")
    );
    (sql, at, n)
}

/// A row of a [`rollup_select`] statement: its dimensions (`""` for a column not read), its
/// totals and its long-context class.
fn rollup_row<'r>(
    r: &'r rusqlite::Row<'_>,
    at: &[Option<usize>; 5],
    n: usize,
) -> rusqlite::Result<(Dims<'r>, Totals, u8)> {
    let get = |i: Option<usize>| match i {
        Some(i) => r.get_ref(i).and_then(|v| Ok(v.as_str()?)),
        None => Ok(""),
    };
    let dims = Dims {
        session_id: get(at[0])?,
        harness: get(at[1])?,
        model: get(Some(0))?,
        provider: get(at[2])?,
        project: get(at[3])?,
        branch: get(at[4])?,
        ts_ms: r.get(n)?,
    };
    let (totals, ctx) = rollup_counts(r, n)?;
    Ok((dims, totals, ctx))
}

/// A rollup row's totals and long-context class, read from the [`ROLLUP_COUNTS`] that follow
/// its time column `n`.
fn rollup_counts(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<(Totals, u8)> {
    let totals = Totals {
        input: r.get(n + 1)?,
        output: r.get(n + 2)?,
        reasoning: r.get(n + 3)?,
        cache_read: r.get(n + 4)?,
        cache_write_5m: r.get(n + 5)?,
        cache_write_1h: r.get(n + 6)?,
        turns: r.get(n + 7)?,
        // The harness's own cost: what `add` keeps for a model without a price.
        cost_usd: r.get(n + 9)?,
    };
    Ok((totals, r.get::<_, i64>(n + 8)? as u8))
}
