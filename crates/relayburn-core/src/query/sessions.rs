//! `sessions()` (newest first) and `session()` detail, read from the sessions table that
//! ingest maintains, plus the session's turns, user turns, compactions and children.

use super::filter::validate_tags;
use super::summary::{summary, Summary, SummaryOptions, Totals};
use super::tag_cache::tag_index;
use super::TurnFilter;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::pricing::{PriceTable, Tokens};
use crate::time;
use crate::vocab::records::ToolCall;
use crate::vocab::Harness;
use rusqlite::types::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rows returned when no limit is given.
pub const DEFAULT_SESSIONS_LIMIT: i64 = 50;

/// Above this many sessions matching a tag filter, `sessions` walks newest first and tests
/// each session in memory instead of naming them all to SQLite.
const WALK_MATCHING_OVER: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct SessionsFilter {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub project: Option<String>,
    /// Sessions whose folded tags (stamps by session id, inherited down trees) match all of these.
    pub tags: BTreeMap<String, String>,
    pub limit: Option<i64>,
    /// IANA zone of calendar bounds (dates, `today`…); UTC when `None`.
    pub timezone: Option<String>,
    /// First day of `this-week`.
    pub week_start: time::WeekStart,
    /// One row per session (`true`) instead of one per tree root (default).
    pub flat: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub harness: String,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    pub first_ts_ms: Option<i64>,
    pub last_ts_ms: Option<i64>,
    /// The tree's totals for a tree row (the session and all its descendants); the session's
    /// own for a flat row or a descendant listed under its root.
    pub totals: Totals,
    /// The session's own totals (its own turns only).
    pub own: Totals,
    /// Number of sessions below this one in its tree.
    pub descendant_count: i64,
    pub models: Vec<String>,
    pub relationship: String,
    pub parent_session_id: Option<String>,
    /// Folded tags of the session (stamps by session id, inherited from its ancestors).
    pub tags: BTreeMap<String, String>,
    /// For a tree row: every descendant's own row, depth first (children by first activity).
    pub descendants: Vec<SessionRow>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRow {
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts_ms: i64,
    pub model: String,
    pub totals: Totals,
    pub stop_reason: Option<String>,
    pub complete: bool,
    pub tool_calls: Vec<ToolCall>,
    /// The cost the harness wrote for this call, if any (`totals.cost_usd` uses it when the
    /// model has no price).
    pub reported_cost_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserTurnRow {
    pub uuid: String,
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub blocks: Vec<UserTurnBlockRow>,
}

/// A stored user-turn block (owned `kind`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct UserTurnBlockRow {
    pub kind: String,
    #[serde(rename = "toolUseId", default)]
    pub tool_use_id: Option<String>,
    pub bytes: i64,
    #[serde(rename = "approxTokens")]
    pub approx_tokens: i64,
    #[serde(rename = "isError", default)]
    pub is_error: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompactionRow {
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub tokens_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionDetail {
    /// The session's row, with its cost and folded tags.
    pub row: SessionRow,
    pub turns: Vec<TurnRow>,
    pub user_turns: Vec<UserTurnRow>,
    pub compactions: Vec<CompactionRow>,
    pub children: Vec<(String, String)>,
    /// The stored conversation content in order, when asked for (see [`session_with_content`]).
    pub content: Option<Vec<crate::content::ContentMessage>>,
}

const ROW_COLUMNS: &str =
    "s.harness, s.session_id, s.project, s.branch, s.title, s.first_ts_ms, s.last_ts_ms,
    s.turns, s.input, s.output, s.reasoning, s.cache_read, s.cache_write_5m, s.cache_write_1h,
    s.relationship, s.parent_session_id";

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    let own = Totals {
        turns: r.get(7)?,
        input: r.get(8)?,
        output: r.get(9)?,
        reasoning: r.get(10)?,
        cache_read: r.get(11)?,
        cache_write_5m: r.get(12)?,
        cache_write_1h: r.get(13)?,
        cost_usd: 0.0,
    };
    Ok(SessionRow {
        harness: r.get(0)?,
        session_id: r.get(1)?,
        project: r.get(2)?,
        branch: r.get(3)?,
        title: r.get(4)?,
        first_ts_ms: r.get(5)?,
        last_ts_ms: r.get(6)?,
        totals: own.clone(),
        own,
        descendant_count: 0,
        models: Vec::new(),
        relationship: r.get(14)?,
        parent_session_id: r.get(15)?,
        tags: BTreeMap::new(),
        descendants: Vec::new(),
    })
}

/// Sessions with activity in the window, newest first: one row per tree (its root's row
/// with the whole tree's totals, the root's `own` and every descendant) unless `flat`.
/// A tree is listed when any of its sessions matches the filters, and ordered by the
/// newest activity among them.
pub fn sessions(ledger: &Ledger, f: &SessionsFilter) -> Result<Vec<SessionRow>> {
    sessions_walking_over(ledger, f, WALK_MATCHING_OVER)
}

/// `sessions` walking newest first when more than `walk_over` sessions match a tag filter.
pub(super) fn sessions_walking_over(
    ledger: &Ledger,
    f: &SessionsFilter,
    walk_over: usize,
) -> Result<Vec<SessionRow>> {
    let conn = ledger.conn()?;
    let now = time::now_ms();
    let zone = time::Zone::new(f.timezone.as_deref(), f.week_start)?;
    let mut clauses = vec!["s.placeholder = 0".to_string()];
    let mut params: Vec<Value> = Vec::new();
    if let Some(s) = &f.since {
        clauses.push("s.last_ts_ms >= ?".into());
        params.push(Value::Integer(zone.bound_ms(time::Edge::Since, s, now)?));
    }
    if let Some(u) = &f.until {
        clauses.push("s.first_ts_ms < ?".into());
        params.push(Value::Integer(zone.bound_ms(time::Edge::Until, u, now)?));
    }
    if let Some(h) = &f.harness {
        Harness::parse("harness", h)?;
        clauses.push("s.harness = ?".into());
        params.push(Value::Text(h.clone()));
    }
    if let Some(p) = &f.project {
        crate::validate::selector("project", p)?;
        clauses.push("s.project = ?".into());
        params.push(Value::Text(p.clone()));
    }
    let tags = validate_tags(&f.tags)?;
    let limit = f.limit.unwrap_or(DEFAULT_SESSIONS_LIMIT);
    if limit < 1 {
        return Err(Error::invalid("limit", "must be a positive integer"));
    }
    let index = if tags.is_empty() {
        None
    } else {
        let keys: Vec<String> = tags.iter().map(|(k, _)| k.clone()).collect();
        Some(tag_index(ledger, &keys)?)
    };
    let want: Vec<(usize, String)> = tags
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (i, v.clone()))
        .collect();
    let matching: Option<HashSet<&str>> = index
        .as_ref()
        .map(|i| i.matching_sessions(&want).into_iter().collect());
    // Many matching sessions: walk the `last_ts` index and test each in memory (the first
    // `limit` trees come early). Few: name them to SQLite, which seeks each one.
    let walk_filter = matching.as_ref().filter(|m| !f.flat && m.len() > walk_over);
    if let (Some(m), None) = (&matching, walk_filter) {
        let ids: Vec<&str> = m.iter().copied().collect();
        clauses.push("s.session_id IN (SELECT value FROM json_each(?))".into());
        params.push(Value::Text(json_list(&ids)));
    }
    if f.flat {
        params.push(Value::Integer(limit));
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM sessions s WHERE {} ORDER BY s.last_ts_ms DESC NULLS LAST, s.session_id LIMIT ?",
            clauses.join(" AND ")
        );
        let mut stmt = conn.prepare(&sql).map_err(|e| ledger.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), row_of)
            .map_err(|e| ledger.err(e))?;
        let mut out = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| ledger.err(e))?;
        decorate(ledger, &mut out)?;
        // Descendant counts from the rows' trees, each tree read once.
        let mut roots: Vec<String> = Vec::new();
        for row in &out {
            roots.push(crate::tree::root_of(conn, &row.session_id).map_err(|e| ledger.err(e))?);
        }
        roots.sort();
        roots.dedup();
        let refs: Vec<&str> = roots.iter().map(String::as_str).collect();
        let nodes = crate::tree::trees(conn, &refs).map_err(|e| ledger.err(e))?;
        let below = below_counts(&nodes);
        for row in &mut out {
            row.descendant_count = below.get(row.session_id.as_str()).copied().unwrap_or(0);
        }
        return Ok(out);
    }
    // Walk matching sessions newest first (the `last_ts` index) until `limit` distinct
    // roots are seen: a tree's place is that of its newest matching session.
    let sql = format!(
        "SELECT COALESCE(t.root_id, s.session_id), s.session_id FROM sessions s
         LEFT JOIN session_tree t ON t.session_id = s.session_id
         WHERE {} ORDER BY s.last_ts_ms DESC NULLS LAST, s.session_id",
        clauses.join(" AND ")
    );
    let mut roots: Vec<String> = Vec::new();
    {
        let mut stmt = conn.prepare(&sql).map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| ledger.err(e))?;
        let mut seen = std::collections::HashSet::new();
        while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
            if let Some(m) = walk_filter {
                let id = r.get_ref(1).and_then(|v| Ok(v.as_str()?));
                if !m.contains(id.map_err(|e| ledger.err(e))?) {
                    continue;
                }
            }
            let root: String = r.get(0).map_err(|e| ledger.err(e))?;
            if seen.insert(root.clone()) {
                roots.push(root);
                if roots.len() as i64 >= limit {
                    break;
                }
            }
        }
    }
    let refs: Vec<&str> = roots.iter().map(String::as_str).collect();
    let nodes = crate::tree::trees(conn, &refs).map_err(|e| ledger.err(e))?;
    let mut ids: Vec<&str> = nodes.iter().map(|n| n.session_id.as_str()).collect();
    ids.extend(refs.iter().copied());
    ids.sort_unstable();
    ids.dedup();
    let mut rows = load_rows(ledger, &ids)?;
    let children = children_of(&nodes, &rows);
    let below = below_counts(&nodes);
    Ok(roots
        .iter()
        .map(|root| tree_row(root, &children, &below, &mut rows))
        .collect())
}

/// Number of sessions below each node of `nodes` (whole trees, parents before children).
fn below_counts(nodes: &[crate::tree::TreeNode]) -> HashMap<&str, i64> {
    let mut below: HashMap<&str, i64> = HashMap::new();
    for n in nodes.iter().rev() {
        let mine = below.get(n.session_id.as_str()).copied().unwrap_or(0);
        if let Some(p) = n.parent_id.as_deref() {
            *below.entry(p).or_default() += 1 + mine;
        }
    }
    below
}

/// Children of each node, by first activity (then id).
fn children_of<'n>(
    nodes: &'n [crate::tree::TreeNode],
    rows: &HashMap<String, SessionRow>,
) -> HashMap<&'n str, Vec<&'n str>> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for n in nodes {
        if let Some(p) = n.parent_id.as_deref() {
            children.entry(p).or_default().push(n.session_id.as_str());
        }
    }
    let first = |id: &str| rows.get(id).and_then(|r| r.first_ts_ms).unwrap_or(i64::MAX);
    for list in children.values_mut() {
        list.sort_by(|a, b| first(a).cmp(&first(b)).then(a.cmp(b)));
    }
    children
}

/// The row of `root` with its tree: totals summed over the tree, descendants depth first.
/// Takes the rows it uses out of `rows`.
fn tree_row(
    root: &str,
    children: &HashMap<&str, Vec<&str>>,
    below: &HashMap<&str, i64>,
    rows: &mut HashMap<String, SessionRow>,
) -> SessionRow {
    // Depth first from the root (iterative; a tree has no cycle, the guard is cheap).
    let mut order: Vec<&str> = Vec::new();
    let mut stack: Vec<&str> = children
        .get(root)
        .map(|c| c.iter().rev().copied().collect())
        .unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        order.push(id);
        if let Some(c) = children.get(id) {
            stack.extend(c.iter().rev().copied());
        }
    }
    let mut head = rows.remove(root).unwrap_or_else(|| placeholder_row(root));
    let mut totals = head.own.clone();
    let mut models = head.models.clone();
    let mut descendants = Vec::with_capacity(order.len());
    for id in order {
        let mut r = rows.remove(id).unwrap_or_else(|| placeholder_row(id));
        r.descendant_count = below.get(id).copied().unwrap_or(0);
        totals.add(&r.own);
        for m in &r.models {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        head.first_ts_ms = min_opt(head.first_ts_ms, r.first_ts_ms);
        head.last_ts_ms = head.last_ts_ms.max(r.last_ts_ms);
        descendants.push(r);
    }
    totals.cost_usd = super::summary::round_usd(totals.cost_usd);
    head.models = models;
    head.descendant_count = descendants.len() as i64;
    head.totals = totals;
    head.descendants = descendants;
    head
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A node whose session has no row (defensive: ingest always writes one).
fn placeholder_row(id: &str) -> SessionRow {
    SessionRow {
        harness: String::new(),
        session_id: id.to_string(),
        project: None,
        branch: None,
        title: None,
        first_ts_ms: None,
        last_ts_ms: None,
        totals: Totals::default(),
        own: Totals::default(),
        descendant_count: 0,
        models: Vec::new(),
        relationship: "root".into(),
        parent_session_id: None,
        tags: BTreeMap::new(),
        descendants: Vec::new(),
    }
}

/// Own rows (cost, models, folded tags) of sessions by id: the real row when there is one,
/// the counters of every row of the id (one per harness that used it) added together.
fn load_rows(ledger: &Ledger, ids: &[&str]) -> Result<HashMap<String, SessionRow>> {
    let conn = ledger.conn()?;
    let mut out: HashMap<String, SessionRow> = HashMap::new();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM sessions s WHERE s.session_id IN (SELECT value FROM json_each(?1))
             ORDER BY s.placeholder, s.last_ts_ms DESC NULLS LAST, s.harness"
        ))
        .map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map([json_list(ids)], row_of)
        .map_err(|e| ledger.err(e))?;
    for r in rows {
        let r = r.map_err(|e| ledger.err(e))?;
        match out.get_mut(&r.session_id) {
            Some(first) => {
                first.own.add(&r.own);
                first.first_ts_ms = min_opt(first.first_ts_ms, r.first_ts_ms);
                first.last_ts_ms = first.last_ts_ms.max(r.last_ts_ms);
            }
            None => {
                out.insert(r.session_id.clone(), r);
            }
        }
    }
    let mut rows: Vec<SessionRow> = out.into_values().collect();
    decorate(ledger, &mut rows)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.session_id.clone(), r))
        .collect())
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Fills each row's own cost (from the rollup, priced per model and long-context class),
/// models (most turns first) and folded tags (inherited down the tree). `totals` is set to
/// `own`.
fn decorate(ledger: &Ledger, rows: &mut [SessionRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let prices = PriceTable::load(ledger.home())?;
    let ids: Vec<&str> = rows.iter().map(|r| r.session_id.as_str()).collect();
    let list = json_list(&ids);
    let conn = ledger.conn()?;
    let mut costs: HashMap<String, f64> = HashMap::new();
    let mut models: HashMap<String, HashMap<String, i64>> = HashMap::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT session_id, model, ctx, sum(input), sum(output), sum(cache_read),
                    sum(cache_write_5m), sum(cache_write_1h), sum(turns), sum(reported_cost_usd)
             FROM turn_rollup WHERE session_id IN (SELECT value FROM json_each(?1))
             GROUP BY session_id, model, ctx",
        )
        .map_err(|e| ledger.err(e))?;
    let mut q = stmt.query([&list]).map_err(|e| ledger.err(e))?;
    while let Some(r) = q.next().map_err(|e| ledger.err(e))? {
        let read = || -> rusqlite::Result<_> {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                Tokens {
                    input: r.get(3)?,
                    output: r.get(4)?,
                    cache_read: r.get(5)?,
                    cache_write_5m: r.get(6)?,
                    cache_write_1h: r.get(7)?,
                },
                r.get::<_, i64>(8)?,
                r.get::<_, f64>(9)?,
            ))
        };
        let (session, model, ctx, tokens, turns, reported) = read().map_err(|e| ledger.err(e))?;
        // A model without a price costs what the harness reported for it (0 when nothing).
        *costs.entry(session.clone()).or_default() +=
            crate::pricing::cost_or_reported(prices.lookup(&model), ctx as u8, &tokens, reported);
        if turns > 0 && !model.is_empty() {
            *models.entry(session).or_default().entry(model).or_default() += turns;
        }
    }
    let tags = super::tags::session_tags(ledger, &ids)?;
    for row in rows.iter_mut() {
        row.own.cost_usd =
            super::summary::round_usd(costs.get(&row.session_id).copied().unwrap_or(0.0));
        row.totals = row.own.clone();
        let mut m: Vec<(String, i64)> = models
            .remove(&row.session_id)
            .map(|m| m.into_iter().collect())
            .unwrap_or_default();
        m.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        row.models = m.into_iter().map(|(k, _)| k).collect();
        row.tags = tags.get(&row.session_id).cloned().unwrap_or_default();
    }
    Ok(())
}

/// A session's cost: its totals and the models without a price.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionCost {
    pub session_id: String,
    pub totals: Totals,
    pub unpriced_models: Vec<(String, i64)>,
}

/// Cost of one session (all harnesses that used the id) and, unless `descendants` is
/// `Some(false)`, of every session below it in its tree.
pub fn session_cost(
    ledger: &Ledger,
    session_id: &str,
    descendants: Option<bool>,
) -> Result<SessionCost> {
    crate::validate::selector("sessionId", session_id)?;
    let filter = TurnFilter {
        session: Some(session_id.to_string()),
        descendants: Some(descendants.unwrap_or(true)),
        ..TurnFilter::default()
    };
    let Summary {
        totals,
        unpriced_models,
        ..
    } = summary(ledger, &filter, &SummaryOptions::default())?;
    Ok(SessionCost {
        session_id: session_id.to_string(),
        totals,
        unpriced_models,
    })
}

/// One session in detail. `harness` disambiguates when two harnesses share an id.
pub fn session(
    ledger: &Ledger,
    session_id: &str,
    harness: Option<&str>,
) -> Result<Option<SessionDetail>> {
    crate::validate::selector("sessionId", session_id)?;
    if let Some(h) = harness {
        Harness::parse("harness", h)?;
    }
    let conn = ledger.conn()?;
    let row = {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM sessions s WHERE s.session_id = ?1 AND (?2 IS NULL OR s.harness = ?2)
                 ORDER BY s.placeholder, s.last_ts_ms DESC LIMIT 1"
            ))
            .map_err(|e| ledger.err(e))?;
        let mut rows = stmt
            .query_map(rusqlite::params![session_id, harness], row_of)
            .map_err(|e| ledger.err(e))?;
        match rows.next() {
            Some(r) => r.map_err(|e| ledger.err(e))?,
            None => return Ok(None),
        }
    };
    let mut row = row;
    decorate(ledger, std::slice::from_mut(&mut row))?;
    // The tree below the session: its descendants' own rows, and the tree's totals.
    let nodes = crate::tree::subtree(conn, session_id).map_err(|e| ledger.err(e))?;
    let below: Vec<&str> = nodes
        .iter()
        .map(|n| n.session_id.as_str())
        .filter(|id| *id != session_id)
        .collect();
    let mut rows = load_rows(ledger, &below)?;
    rows.insert(row.session_id.clone(), row);
    let children = children_of(&nodes, &rows);
    let below = below_counts(&nodes);
    let row = tree_row(session_id, &children, &below, &mut rows);
    let prices = PriceTable::load(ledger.home())?;
    let key = rusqlite::params![row.harness, row.session_id];

    let mut stmt = conn
        .prepare_cached(
            "SELECT message_id, request_id, ts_ms, model, input, output, reasoning, cache_read, cache_write_5m,
                    cache_write_1h, stop_reason, complete, tool_calls, reported_cost_usd
             FROM turns WHERE harness = ?1 AND session_id = ?2 ORDER BY ts_ms, id",
        )
        .map_err(|e| ledger.err(e))?;
    let turns = stmt
        .query_map(key, |r| {
            Ok(TurnRow {
                message_id: r.get(0)?,
                request_id: r.get(1)?,
                ts_ms: r.get(2)?,
                model: r.get(3)?,
                totals: Totals {
                    turns: 1,
                    input: r.get(4)?,
                    output: r.get(5)?,
                    reasoning: r.get(6)?,
                    cache_read: r.get(7)?,
                    cache_write_5m: r.get(8)?,
                    cache_write_1h: r.get(9)?,
                    cost_usd: 0.0,
                },
                stop_reason: r.get(10)?,
                complete: r.get(11)?,
                tool_calls: serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default(),
                reported_cost_usd: r.get(13)?,
            })
        })
        .map_err(|e| ledger.err(e))?
        .collect::<rusqlite::Result<Vec<TurnRow>>>()
        .map_err(|e| ledger.err(e))?;
    let mut turns = turns;
    for t in &mut turns {
        let tokens = t.totals.tokens();
        t.totals.cost_usd = crate::pricing::cost_or_reported(
            prices.lookup(&t.model),
            tokens.context_class(),
            &tokens,
            t.reported_cost_usd.unwrap_or(0.0),
        );
    }

    let mut stmt = conn
        .prepare_cached(
            "SELECT uuid, ts_ms, preceding_message_id, blocks FROM user_turns
             WHERE harness = ?1 AND session_id = ?2 ORDER BY ts_ms, id",
        )
        .map_err(|e| ledger.err(e))?;
    let user_turns = stmt
        .query_map(key, |r| {
            Ok(UserTurnRow {
                uuid: r.get(0)?,
                ts_ms: r.get(1)?,
                preceding_message_id: r.get(2)?,
                blocks: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
            })
        })
        .map_err(|e| ledger.err(e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| ledger.err(e))?;

    let mut stmt = conn
        .prepare_cached(
            "SELECT ts_ms, preceding_message_id, tokens_before FROM compactions
             WHERE harness = ?1 AND session_id = ?2 ORDER BY ts_ms, id",
        )
        .map_err(|e| ledger.err(e))?;
    let compactions = stmt
        .query_map(key, |r| {
            Ok(CompactionRow {
                ts_ms: r.get(0)?,
                preceding_message_id: r.get(1)?,
                tokens_before: r.get(2)?,
            })
        })
        .map_err(|e| ledger.err(e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| ledger.err(e))?;

    let mut stmt = conn
        .prepare_cached(
            "SELECT session_id, relationship FROM sessions
             WHERE harness = ?1 AND parent_session_id = ?2 ORDER BY first_ts_ms, session_id",
        )
        .map_err(|e| ledger.err(e))?;
    let children = stmt
        .query_map(key, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(|e| ledger.err(e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| ledger.err(e))?;

    Ok(Some(SessionDetail {
        row,
        turns,
        user_turns,
        compactions,
        children,
        content: None,
    }))
}

/// [`session`], plus the session's stored content when `include_content` is true (an empty
/// list when the content store holds none for it).
pub fn session_with_content(
    ledger: &Ledger,
    session_id: &str,
    harness: Option<&str>,
    include_content: bool,
) -> Result<Option<SessionDetail>> {
    let Some(mut detail) = session(ledger, session_id, harness)? else {
        return Ok(None);
    };
    if include_content {
        let h = Harness::parse("harness", &detail.row.harness)?;
        detail.content = Some(crate::content::session_content(
            ledger.home(),
            h,
            &detail.row.session_id,
        )?);
    }
    Ok(Some(detail))
}
