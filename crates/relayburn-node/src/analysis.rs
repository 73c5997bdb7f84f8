//! `hotspots`, `overhead`, `compare`.

use crate::queries::{turn_filter, unpriced, Totals, UnpricedModel};
use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use relayburn_core::analysis::{self as core, HotspotBy, Scope};
use relayburn_core::query::TurnFilter;
use relayburn_core::time::WeekStart;
use std::collections::HashMap;

/// The filter and calendar every analysis takes.
fn scope(
    filter: TurnFilter,
    timezone: Option<String>,
    week_start: Option<String>,
) -> relayburn_core::Result<Scope> {
    Ok(Scope {
        filter,
        timezone,
        week_start: WeekStart::parse_or_default(week_start.as_deref())?,
    })
}

#[napi(object)]
pub struct HotspotsOptions {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub session: Option<String>,
    pub descendants: Option<bool>,
    pub model: Option<String>,
    pub project: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    pub by: Option<String>,
    pub limit: Option<i64>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct HotspotRow {
    pub key: String,
    pub calls: i64,
    pub result_bytes: i64,
    pub tokens: i64,
    pub fresh_tokens: i64,
    pub cache_read_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
}

#[napi(object)]
pub struct Hotspots {
    /// `tool`, `file`, `command` or `subagent`.
    pub by: String,
    pub totals: Totals,
    pub attributed_tokens: i64,
    pub attributed_cost_usd: f64,
    pub rows: Vec<HotspotRow>,
    pub unpriced_models: Vec<UnpricedModel>,
}

impl From<core::Hotspots> for Hotspots {
    fn from(h: core::Hotspots) -> Self {
        Hotspots {
            by: h.by.as_str().to_string(),
            totals: (&h.totals).into(),
            attributed_tokens: h.attributed_tokens,
            attributed_cost_usd: h.attributed_cost_usd,
            rows: h
                .rows
                .into_iter()
                .map(|r| HotspotRow {
                    tokens: r.tokens(),
                    key: r.key,
                    calls: r.calls,
                    result_bytes: r.result_bytes,
                    fresh_tokens: r.fresh_tokens,
                    cache_read_tokens: r.cache_read_tokens,
                    output_tokens: r.output_tokens,
                    cost_usd: r.cost_usd,
                })
                .collect(),
            unpriced_models: unpriced(h.unpriced_models),
        }
    }
}

core_task!(HotspotsTask, HotspotsOptions, core::Hotspots => Hotspots, |o: HotspotsOptions| {
    let opts = core::HotspotsOptions {
        by: o.by.as_deref().map_or(Ok(HotspotBy::Tool), |b| HotspotBy::parse("by", b))?,
        limit: o.limit,
        scope: scope(turn_filter(o.since, o.until, o.harness, o.session, o.descendants, o.model, o.project, o.tags), o.timezone, o.week_start)?,
    };
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    core::hotspots(&ledger, &opts)
});

/// Tokens and cost attributed to tools, files, shell commands or subagents.
#[napi]
pub fn hotspots(options: HotspotsOptions) -> AsyncTask<HotspotsTask> {
    AsyncTask::new(HotspotsTask(Some(options)))
}

#[napi(object)]
pub struct OverheadOptions {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub session: Option<String>,
    pub descendants: Option<bool>,
    pub model: Option<String>,
    pub project: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    pub limit: Option<i64>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct OverheadFigures {
    pub turns: i64,
    pub total_tokens: i64,
    pub cost_usd: f64,
    pub cache_read_tokens: i64,
    pub cache_read_cost_usd: f64,
    pub new_tokens: i64,
    pub new_cost_usd: f64,
    pub cache_write_tokens: i64,
    pub cache_write_cost_usd: f64,
    pub unread_cache_write_tokens: i64,
    pub unread_cache_write_cost_usd: f64,
    pub compactions: i64,
    pub compaction_saved_tokens: i64,
    pub compaction_saved_usd: f64,
}

#[napi(object)]
pub struct OverheadSession {
    pub harness: String,
    pub session_id: String,
    pub turns: i64,
    pub total_tokens: i64,
    pub cost_usd: f64,
    pub cache_read_tokens: i64,
    pub cache_read_cost_usd: f64,
    pub new_tokens: i64,
    pub new_cost_usd: f64,
    pub cache_write_tokens: i64,
    pub cache_write_cost_usd: f64,
    pub unread_cache_write_tokens: i64,
    pub unread_cache_write_cost_usd: f64,
    pub compactions: i64,
    pub compaction_saved_tokens: i64,
    pub compaction_saved_usd: f64,
}

#[napi(object)]
pub struct Overhead {
    pub totals: OverheadFigures,
    pub window: Totals,
    pub sessions: Vec<OverheadSession>,
    pub unpriced_models: Vec<UnpricedModel>,
}

impl From<core::Overhead> for Overhead {
    fn from(o: core::Overhead) -> Self {
        let t = o.totals;
        Overhead {
            totals: OverheadFigures {
                turns: t.turns,
                total_tokens: t.total_tokens,
                cost_usd: t.cost_usd,
                cache_read_tokens: t.cache_read_tokens,
                cache_read_cost_usd: t.cache_read_cost_usd,
                new_tokens: t.new_tokens,
                new_cost_usd: t.new_cost_usd,
                cache_write_tokens: t.cache_write_tokens,
                cache_write_cost_usd: t.cache_write_cost_usd,
                unread_cache_write_tokens: t.unread_cache_write_tokens,
                unread_cache_write_cost_usd: t.unread_cache_write_cost_usd,
                compactions: t.compactions,
                compaction_saved_tokens: t.compaction_saved_tokens,
                compaction_saved_usd: t.compaction_saved_usd,
            },
            window: (&o.window).into(),
            sessions: o
                .sessions
                .into_iter()
                .map(|r| OverheadSession {
                    harness: r.harness,
                    session_id: r.session_id,
                    turns: r.turns,
                    total_tokens: r.total_tokens,
                    cost_usd: r.cost_usd,
                    cache_read_tokens: r.cache_read_tokens,
                    cache_read_cost_usd: r.cache_read_cost_usd,
                    new_tokens: r.new_tokens,
                    new_cost_usd: r.new_cost_usd,
                    cache_write_tokens: r.cache_write_tokens,
                    cache_write_cost_usd: r.cache_write_cost_usd,
                    unread_cache_write_tokens: r.unread_cache_write_tokens,
                    unread_cache_write_cost_usd: r.unread_cache_write_cost_usd,
                    compactions: r.compactions,
                    compaction_saved_tokens: r.compaction_saved_tokens,
                    compaction_saved_usd: r.compaction_saved_usd,
                })
                .collect(),
            unpriced_models: unpriced(o.unpriced_models),
        }
    }
}

core_task!(OverheadTask, OverheadOptions, core::Overhead => Overhead, |o: OverheadOptions| {
    let opts = core::OverheadOptions {
        limit: o.limit,
        scope: scope(turn_filter(o.since, o.until, o.harness, o.session, o.descendants, o.model, o.project, o.tags), o.timezone, o.week_start)?,
    };
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    core::overhead(&ledger, &opts)
});

/// Per session: context re-reads vs new work, unread cache writes, compactions.
#[napi]
pub fn overhead(options: OverheadOptions) -> AsyncTask<OverheadTask> {
    AsyncTask::new(OverheadTask(Some(options)))
}

#[napi(object)]
pub struct CompareOptions {
    pub models: Option<Vec<String>>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub session: Option<String>,
    pub descendants: Option<bool>,
    pub project: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct CompareRow {
    pub model: String,
    pub priced: bool,
    pub turns: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub cache_read_tokens: i64,
    #[napi(js_name = "cacheWrite5mTokens")]
    pub cache_write5m_tokens: i64,
    #[napi(js_name = "cacheWrite1hTokens")]
    pub cache_write1h_tokens: i64,
    pub total_tokens: i64,
    pub cost_usd: f64,
    pub tool_calls: i64,
    pub cost_per_turn: Option<f64>,
    #[napi(js_name = "costPer1kOutputTokens")]
    pub cost_per1k_output_tokens: Option<f64>,
    pub cache_hit_ratio: Option<f64>,
    pub output_tokens_per_turn: Option<f64>,
    pub tokens_per_tool_call: Option<f64>,
}

#[napi(object)]
pub struct Compare {
    pub rows: Vec<CompareRow>,
    pub totals: Totals,
}

impl From<core::Compare> for Compare {
    fn from(c: core::Compare) -> Self {
        Compare {
            totals: (&c.totals).into(),
            rows: c
                .rows
                .into_iter()
                .map(|r| {
                    let t: Totals = (&r.totals).into();
                    CompareRow {
                        model: r.model,
                        priced: r.priced,
                        turns: t.turns,
                        input_tokens: t.input_tokens,
                        output_tokens: t.output_tokens,
                        reasoning_tokens: t.reasoning_tokens,
                        cache_read_tokens: t.cache_read_tokens,
                        cache_write5m_tokens: t.cache_write5m_tokens,
                        cache_write1h_tokens: t.cache_write1h_tokens,
                        total_tokens: t.total_tokens,
                        cost_usd: t.cost_usd,
                        tool_calls: r.tool_calls,
                        cost_per_turn: r.cost_per_turn,
                        cost_per1k_output_tokens: r.cost_per_1k_output_tokens,
                        cache_hit_ratio: r.cache_hit_ratio,
                        output_tokens_per_turn: r.output_tokens_per_turn,
                        tokens_per_tool_call: r.tokens_per_tool_call,
                    }
                })
                .collect(),
        }
    }
}

core_task!(CompareTask, CompareOptions, core::Compare => Compare, |o: CompareOptions| {
    let models = o.models.unwrap_or_default();
    core::validate_models(&models)?;
    let opts = core::CompareOptions {
        models,
        scope: scope(turn_filter(o.since, o.until, o.harness, o.session, o.descendants, None, o.project, o.tags), o.timezone, o.week_start)?,
    };
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    core::compare(&ledger, &opts)
});

/// Models side by side: cost per turn and per output token, cache hit ratio, tokens per tool call.
#[napi]
pub fn compare(options: CompareOptions) -> AsyncTask<CompareTask> {
    AsyncTask::new(CompareTask(Some(options)))
}
