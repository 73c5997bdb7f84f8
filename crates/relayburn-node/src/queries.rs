//! `summary`, `sessions`, `session`, `sessionCost`, `fingerprint`, `pruneContent`.

use crate::tags::Tags;
use crate::task::core_task;
use napi::bindgen_prelude::{AsyncTask, Either};
use napi_derive::napi;
use relayburn_core::query;
use relayburn_core::time::{format_ms, WeekStart};
use std::collections::HashMap;

#[napi(object)]
pub struct SummaryOptions {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub session: Option<String>,
    pub descendants: Option<bool>,
    pub model: Option<String>,
    pub project: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    /// One dimension, or several (a group per combination).
    pub group_by: Option<Either<String, Vec<String>>>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

/// The models a result could not price, with their turn counts.
pub(crate) fn unpriced(list: Vec<(String, i64)>) -> Vec<UnpricedModel> {
    list.into_iter()
        .map(|(model, turns)| UnpricedModel { model, turns })
        .collect()
}

/// The turn filter of a query's options.
#[allow(clippy::too_many_arguments)]
pub(crate) fn turn_filter(
    since: Option<String>,
    until: Option<String>,
    harness: Option<String>,
    session: Option<String>,
    descendants: Option<bool>,
    model: Option<String>,
    project: Option<String>,
    tags: Option<HashMap<String, String>>,
) -> query::TurnFilter {
    query::TurnFilter {
        since,
        until,
        harness,
        session,
        descendants,
        model,
        project,
        tags: tags.unwrap_or_default().into_iter().collect(),
    }
}

#[napi(object)]
pub struct Totals {
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
}

impl From<&query::Totals> for Totals {
    fn from(t: &query::Totals) -> Self {
        // Sums are capped at Number.MAX_SAFE_INTEGER (the core's rule) to stay exact in JS.
        use relayburn_core::vocab::records::safe_sum;
        Totals {
            turns: safe_sum(t.turns),
            input_tokens: safe_sum(t.input),
            output_tokens: safe_sum(t.output),
            reasoning_tokens: safe_sum(t.reasoning),
            cache_read_tokens: safe_sum(t.cache_read),
            cache_write5m_tokens: safe_sum(t.cache_write_5m),
            cache_write1h_tokens: safe_sum(t.cache_write_1h),
            total_tokens: safe_sum(t.total_tokens()),
            cost_usd: t.cost_usd,
        }
    }
}

#[napi(object)]
pub struct SummaryGroup {
    pub key: String,
    /// Grouped by several dimensions: the key per dimension (`key` is them joined by " · ").
    pub keys: Option<Vec<String>>,
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
}

#[napi(object)]
pub struct UnpricedModel {
    pub model: String,
    pub turns: i64,
}

#[napi(object)]
pub struct Summary {
    pub totals: Totals,
    pub groups: Vec<SummaryGroup>,
    pub unpriced_models: Vec<UnpricedModel>,
    /// The IANA zone of day/week/month keys and calendar bounds (`UTC` unless asked).
    pub timezone: String,
}

impl From<query::Summary> for Summary {
    fn from(s: query::Summary) -> Self {
        Summary {
            totals: (&s.totals).into(),
            groups: s
                .groups
                .iter()
                .enumerate()
                .map(|(i, (key, t))| {
                    let t: Totals = t.into();
                    SummaryGroup {
                        key: key.clone(),
                        keys: s.group_keys.get(i).cloned(),
                        turns: t.turns,
                        input_tokens: t.input_tokens,
                        output_tokens: t.output_tokens,
                        reasoning_tokens: t.reasoning_tokens,
                        cache_read_tokens: t.cache_read_tokens,
                        cache_write5m_tokens: t.cache_write5m_tokens,
                        cache_write1h_tokens: t.cache_write1h_tokens,
                        total_tokens: t.total_tokens,
                        cost_usd: t.cost_usd,
                    }
                })
                .collect(),
            unpriced_models: unpriced(s.unpriced_models),
            timezone: s.timezone,
        }
    }
}

core_task!(SummaryTask, SummaryOptions, query::Summary => Summary, |o: SummaryOptions| {
    let (group_by, then_by) = match o.group_by {
        None => (query::GroupBy::default(), Vec::new()),
        Some(Either::A(one)) => (query::GroupBy::parse(&one)?, Vec::new()),
        Some(Either::B(list)) => {
            let mut dims = query::GroupBy::parse_list(&list)?;
            let first = dims.remove(0);
            (first, dims)
        }
    };
    let opts = query::SummaryOptions {
        group_by,
        then_by,
        timezone: o.timezone,
        week_start: WeekStart::parse_or_default(o.week_start.as_deref())?,
    };
    let filter = turn_filter(o.since, o.until, o.harness, o.session, o.descendants, o.model, o.project, o.tags);
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    query::summary(&ledger, &filter, &opts)
});

/// Token totals and groups of the turns matching the filters.
#[napi]
pub fn summary(options: SummaryOptions) -> AsyncTask<SummaryTask> {
    AsyncTask::new(SummaryTask(Some(options)))
}

#[napi(object)]
pub struct SessionsOptions {
    pub since: Option<String>,
    pub until: Option<String>,
    pub harness: Option<String>,
    pub project: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    pub limit: Option<i64>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub flat: Option<bool>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct SessionRow {
    pub harness: String,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub models: Vec<String>,
    pub relationship: String,
    pub parent_session_id: Option<String>,
    /// Folded tags of the session (stamps by session id), in key order.
    #[napi(ts_type = "Record<string, string>")]
    pub tags: Tags,
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
    /// The session's own totals (the row's totals are its tree's in a tree listing).
    pub own: Totals,
    pub descendant_count: i64,
    /// Tree rows: every descendant's own row, depth first.
    pub descendants: Vec<SessionRow>,
}

impl From<query::SessionRow> for SessionRow {
    fn from(s: query::SessionRow) -> Self {
        let t: Totals = (&s.totals).into();
        let own: Totals = (&s.own).into();
        SessionRow {
            harness: s.harness,
            session_id: s.session_id,
            project: s.project,
            branch: s.branch,
            title: s.title,
            first_ts: s.first_ts_ms.map(format_ms),
            last_ts: s.last_ts_ms.map(format_ms),
            models: s.models,
            relationship: s.relationship,
            parent_session_id: s.parent_session_id,
            tags: Tags(s.tags),
            turns: t.turns,
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            reasoning_tokens: t.reasoning_tokens,
            cache_read_tokens: t.cache_read_tokens,
            cache_write5m_tokens: t.cache_write5m_tokens,
            cache_write1h_tokens: t.cache_write1h_tokens,
            total_tokens: t.total_tokens,
            cost_usd: t.cost_usd,
            own,
            descendant_count: s.descendant_count,
            descendants: s.descendants.into_iter().map(Into::into).collect(),
        }
    }
}

pub struct SessionRows(Vec<query::SessionRow>);

impl From<SessionRows> for Vec<SessionRow> {
    fn from(rows: SessionRows) -> Self {
        rows.0.into_iter().map(Into::into).collect()
    }
}

core_task!(SessionsTask, SessionsOptions, SessionRows => Vec<SessionRow>, |o: SessionsOptions| {
    let filter = query::SessionsFilter {
        since: o.since,
        until: o.until,
        harness: o.harness,
        project: o.project,
        tags: o.tags.unwrap_or_default().into_iter().collect(),
        limit: o.limit,
        timezone: o.timezone,
        week_start: WeekStart::parse_or_default(o.week_start.as_deref())?,
        flat: o.flat.unwrap_or(false),
    };
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    query::sessions(&ledger, &filter).map(SessionRows)
});

/// Sessions with activity in the window, newest first.
#[napi]
pub fn sessions(options: SessionsOptions) -> AsyncTask<SessionsTask> {
    AsyncTask::new(SessionsTask(Some(options)))
}

#[napi(object)]
pub struct SessionOptions {
    pub session_id: String,
    pub harness: Option<String>,
    pub include_content: Option<bool>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub target: Option<String>,
    pub args_hash: String,
}

#[napi(object)]
pub struct Turn {
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts: String,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub cache_read_tokens: i64,
    #[napi(js_name = "cacheWrite5mTokens")]
    pub cache_write5m_tokens: i64,
    #[napi(js_name = "cacheWrite1hTokens")]
    pub cache_write1h_tokens: i64,
    pub cost_usd: f64,
    pub stop_reason: Option<String>,
    pub complete: bool,
    pub tool_calls: Vec<ToolCall>,
    pub reported_cost_usd: Option<f64>,
}

#[napi(object)]
pub struct UserTurnBlock {
    pub kind: String,
    pub tool_use_id: Option<String>,
    pub bytes: i64,
    pub approx_tokens: i64,
    pub is_error: Option<bool>,
}

#[napi(object)]
pub struct UserTurn {
    pub uuid: String,
    pub ts: String,
    pub preceding_message_id: Option<String>,
    pub blocks: Vec<UserTurnBlock>,
}

#[napi(object)]
pub struct Compaction {
    pub ts: String,
    pub preceding_message_id: Option<String>,
    pub tokens_before: Option<i64>,
}

#[napi(object)]
pub struct SessionChild {
    pub session_id: String,
    pub relationship: String,
}

#[napi(object)]
pub struct SessionDetail {
    pub session: SessionRow,
    pub turns: Vec<Turn>,
    pub user_turns: Vec<UserTurn>,
    pub compactions: Vec<Compaction>,
    pub children: Vec<SessionChild>,
    pub content: Option<Vec<ContentMessage>>,
}

#[napi(object)]
pub struct ContentBlock {
    pub kind: String,
    pub text: Option<String>,
    pub tool_name: Option<String>,
    pub tool_use_id: Option<String>,
    pub is_error: Option<bool>,
    pub bytes: i64,
    pub hash: String,
}

#[napi(object)]
pub struct ContentMessage {
    pub role: String,
    pub message_id: String,
    pub ts: String,
    pub blocks: Vec<ContentBlock>,
}

fn content_message(m: relayburn_core::content::ContentMessage) -> ContentMessage {
    ContentMessage {
        role: m.role,
        message_id: m.message_id,
        ts: format_ms(m.ts_ms),
        blocks: m
            .blocks
            .into_iter()
            .map(|b| ContentBlock {
                kind: b.kind,
                text: b.text,
                tool_name: b.tool_name,
                tool_use_id: b.tool_use_id,
                is_error: b.is_error.then_some(true),
                bytes: b.bytes,
                hash: b.hash,
            })
            .collect(),
    }
}

/// `null` when the session is unknown.
pub struct MaybeDetail(Option<query::SessionDetail>);

impl From<MaybeDetail> for Option<SessionDetail> {
    fn from(d: MaybeDetail) -> Self {
        let d = d.0?;
        Some(SessionDetail {
            session: d.row.into(),
            turns: d
                .turns
                .into_iter()
                .map(|t| Turn {
                    message_id: t.message_id,
                    request_id: t.request_id,
                    ts: format_ms(t.ts_ms),
                    model: t.model,
                    input_tokens: t.totals.input,
                    output_tokens: t.totals.output,
                    reasoning_tokens: t.totals.reasoning,
                    cache_read_tokens: t.totals.cache_read,
                    cache_write5m_tokens: t.totals.cache_write_5m,
                    cache_write1h_tokens: t.totals.cache_write_1h,
                    cost_usd: t.totals.cost_usd,
                    stop_reason: t.stop_reason,
                    complete: t.complete,
                    tool_calls: t
                        .tool_calls
                        .into_iter()
                        .map(|c| ToolCall {
                            id: c.id,
                            name: c.name,
                            target: c.target,
                            args_hash: c.args_hash,
                        })
                        .collect(),
                    reported_cost_usd: t.reported_cost_usd,
                })
                .collect(),
            user_turns: d
                .user_turns
                .into_iter()
                .map(|u| UserTurn {
                    uuid: u.uuid,
                    ts: format_ms(u.ts_ms),
                    preceding_message_id: u.preceding_message_id,
                    blocks: u
                        .blocks
                        .into_iter()
                        .map(|b| UserTurnBlock {
                            kind: b.kind,
                            tool_use_id: b.tool_use_id,
                            bytes: b.bytes,
                            approx_tokens: b.approx_tokens,
                            is_error: b.is_error,
                        })
                        .collect(),
                })
                .collect(),
            compactions: d
                .compactions
                .into_iter()
                .map(|c| Compaction {
                    ts: format_ms(c.ts_ms),
                    preceding_message_id: c.preceding_message_id,
                    tokens_before: c.tokens_before,
                })
                .collect(),
            children: d
                .children
                .into_iter()
                .map(|(session_id, relationship)| SessionChild {
                    session_id,
                    relationship,
                })
                .collect(),
            content: d
                .content
                .map(|c| c.into_iter().map(content_message).collect()),
        })
    }
}

core_task!(SessionTask, SessionOptions, MaybeDetail => Option<SessionDetail>, |o: SessionOptions| {
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    query::session_with_content(
        &ledger,
        &o.session_id,
        o.harness.as_deref(),
        o.include_content.unwrap_or(false),
    )
    .map(MaybeDetail)
});

/// One session in detail, or `null` when unknown.
#[napi]
pub fn session(options: SessionOptions) -> AsyncTask<SessionTask> {
    AsyncTask::new(SessionTask(Some(options)))
}

#[napi(object)]
pub struct SessionCostOptions {
    pub session_id: String,
    pub descendants: Option<bool>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct SessionCost {
    pub session_id: String,
    pub totals: Totals,
    pub unpriced_models: Vec<UnpricedModel>,
}

impl From<query::SessionCost> for SessionCost {
    fn from(c: query::SessionCost) -> Self {
        SessionCost {
            session_id: c.session_id,
            totals: (&c.totals).into(),
            unpriced_models: unpriced(c.unpriced_models),
        }
    }
}

core_task!(SessionCostTask, SessionCostOptions, query::SessionCost => SessionCost, |o: SessionCostOptions| {
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    query::session_cost(&ledger, &o.session_id, o.descendants)
});

/// Cost and token totals of one session and (by default) its descendants.
#[napi]
pub fn session_cost(options: SessionCostOptions) -> AsyncTask<SessionCostTask> {
    AsyncTask::new(SessionCostTask(Some(options)))
}

#[napi(object)]
pub struct FingerprintOptions {
    pub session_id: Option<String>,
    pub descendants: Option<bool>,
    pub ledger_home: Option<String>,
}

core_task!(FingerprintTask, FingerprintOptions, String => String, |o: FingerprintOptions| {
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    query::fingerprint_of(&ledger, o.session_id.as_deref(), o.descendants)
});

/// A token that changes whenever a query's answer could.
#[napi]
pub fn fingerprint(options: FingerprintOptions) -> AsyncTask<FingerprintTask> {
    AsyncTask::new(FingerprintTask(Some(options)))
}

#[napi(object)]
pub struct PruneContentOptions {
    /// A whole number of days, or `"forever"`.
    pub older_than_days: Option<Either<f64, String>>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct PruneContentReport {
    pub blocks_deleted: i64,
}

impl From<relayburn_core::content::PruneReport> for PruneContentReport {
    fn from(r: relayburn_core::content::PruneReport) -> Self {
        PruneContentReport {
            blocks_deleted: r.blocks_deleted,
        }
    }
}

core_task!(PruneContentTask, PruneContentOptions, relayburn_core::content::PruneReport => PruneContentReport, |o: PruneContentOptions| {
    use relayburn_core::content::settings::{OlderThan, Retention};
    let older_than = Retention::older_than(
        "olderThanDays",
        o.older_than_days.map(|v| match v {
            Either::A(days) => OlderThan::Days(days),
            Either::B(text) => OlderThan::Text(text),
        }),
    )?;
    let home = relayburn_core::home::resolve_home(o.ledger_home.as_deref())?;
    relayburn_core::content::prune_content(&home, older_than)
});

/// Deletes stored content of messages older than `olderThanDays` (`0` clears it all,
/// `"forever"` keeps everything).
#[napi]
pub fn prune_content(options: PruneContentOptions) -> AsyncTask<PruneContentTask> {
    AsyncTask::new(PruneContentTask(Some(options)))
}
