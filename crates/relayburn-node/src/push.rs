//! `pushSettings`, `pushBatch`, `pushAck`, `timeWindow`: the local half of `push` and the
//! window rule a team server shares with `summary`.

use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use relayburn_core::push;

#[napi(object)]
pub struct PushSettingsOptions {
    pub ledger_home: Option<String>,
    pub server: Option<String>,
    pub token: Option<String>,
    pub projects: Option<String>,
    pub batch_size: Option<i64>,
    pub retries: Option<i64>,
}

#[napi(object)]
pub struct PushSettings {
    pub server: String,
    pub token: String,
    pub projects: String,
    pub batch_size: i64,
    pub retries: i64,
}

impl From<push::PushSettings> for PushSettings {
    fn from(s: push::PushSettings) -> Self {
        PushSettings {
            server: s.server,
            token: s.token,
            projects: s.projects.as_str().to_string(),
            batch_size: s.batch_size,
            retries: s.retries,
        }
    }
}

core_task!(PushSettingsTask, PushSettingsOptions, push::PushSettings => PushSettings, |o: PushSettingsOptions| {
    let home = relayburn_core::home::resolve_home(o.ledger_home.as_deref())?;
    let limits = push::PushLimits { batch_size: o.batch_size, retries: o.retries };
    push::settings(&home, o.server.as_deref(), o.token.as_deref(), o.projects.as_deref(), limits)
});

/// Server, token and project mode for `push` (options > environment > `config.json`).
#[napi]
pub fn push_settings(options: PushSettingsOptions) -> AsyncTask<PushSettingsTask> {
    AsyncTask::new(PushSettingsTask(Some(options)))
}

#[napi(object)]
pub struct PushBatchOptions {
    pub ledger_home: Option<String>,
    pub server: String,
    pub limit: i64,
    pub projects: String,
}

#[napi(object)]
pub struct PushTurn {
    pub key: String,
    pub revision: i64,
    pub harness: String,
    pub session_id: String,
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts_ms: i64,
    pub model: String,
    pub model_key: String,
    pub provider: Option<String>,
    pub priced: bool,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_read: i64,
    #[napi(js_name = "cacheWrite5m")]
    pub cache_write5m: i64,
    #[napi(js_name = "cacheWrite1h")]
    pub cache_write1h: i64,
    pub cost_usd: f64,
    pub stop_reason: Option<String>,
    pub complete: bool,
}

#[napi(object)]
pub struct PushSession {
    pub revision: i64,
    pub harness: String,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub parent_session_id: Option<String>,
    pub parent_harness: Option<String>,
    pub relationship: String,
    pub placeholder: bool,
}

#[napi(object)]
pub struct PushStamp {
    pub revision: i64,
    pub id: String,
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    /// Key-sorted JSON object.
    pub enrichment: String,
    pub ts_ms: i64,
}

#[napi(object)]
pub struct PushBatch {
    pub after: i64,
    pub up_to: i64,
    pub more: bool,
    pub pending: i64,
    pub sessions: Vec<PushSession>,
    pub turns: Vec<PushTurn>,
    pub stamps: Vec<PushStamp>,
}

impl From<push::PushBatch> for PushBatch {
    fn from(b: push::PushBatch) -> Self {
        PushBatch {
            after: b.after,
            up_to: b.up_to,
            more: b.more,
            pending: b.pending,
            sessions: b
                .sessions
                .into_iter()
                .map(|s| PushSession {
                    revision: s.revision,
                    harness: s.harness,
                    session_id: s.session_id,
                    project: s.project,
                    branch: s.branch,
                    parent_session_id: s.parent_session_id,
                    parent_harness: s.parent_harness,
                    relationship: s.relationship,
                    placeholder: s.placeholder,
                })
                .collect(),
            turns: b
                .turns
                .into_iter()
                .map(|t| PushTurn {
                    key: t.key,
                    revision: t.revision,
                    harness: t.harness,
                    session_id: t.session_id,
                    message_id: t.message_id,
                    request_id: t.request_id,
                    ts_ms: t.ts_ms,
                    model: t.model,
                    model_key: t.model_key,
                    provider: t.provider,
                    priced: t.priced,
                    project: t.project,
                    branch: t.branch,
                    input: t.input,
                    output: t.output,
                    reasoning: t.reasoning,
                    cache_read: t.cache_read,
                    cache_write5m: t.cache_write_5m,
                    cache_write1h: t.cache_write_1h,
                    cost_usd: t.cost_usd,
                    stop_reason: t.stop_reason,
                    complete: t.complete,
                })
                .collect(),
            stamps: b
                .stamps
                .into_iter()
                .map(|s| PushStamp {
                    revision: s.revision,
                    id: s.id,
                    session_id: s.session_id,
                    message_id: s.message_id,
                    enrichment: s.enrichment,
                    ts_ms: s.ts_ms,
                })
                .collect(),
        }
    }
}

core_task!(PushBatchTask, PushBatchOptions, push::PushBatch => PushBatch, |o: PushBatchOptions| {
    let projects = push::ProjectMode::parse("projects", &o.projects)?;
    let server = push::normalize_server(&o.server)?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    push::batch(&mut ledger, &server, o.limit, projects)
});

/// The next changes after the server's acknowledged mark, privacy-filtered and priced.
#[napi]
pub fn push_batch(options: PushBatchOptions) -> AsyncTask<PushBatchTask> {
    AsyncTask::new(PushBatchTask(Some(options)))
}

#[napi(object)]
pub struct PushAckOptions {
    pub ledger_home: Option<String>,
    pub server: String,
    pub up_to: i64,
}

core_task!(PushAckTask, PushAckOptions, i64 => i64, |o: PushAckOptions| {
    let server = push::normalize_server(&o.server)?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    push::ack(&mut ledger, &server, o.up_to)
});

/// Moves the server's mark to `upTo` (never back); resolves the mark.
#[napi]
pub fn push_ack(options: PushAckOptions) -> AsyncTask<PushAckTask> {
    AsyncTask::new(PushAckTask(Some(options)))
}

#[napi(object)]
pub struct TimeWindowOptions {
    pub since: Option<String>,
    pub until: Option<String>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
}

#[napi(object)]
pub struct TimeWindow {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub timezone: String,
}

core_task!(TimeWindowTask, TimeWindowOptions, (Option<i64>, Option<i64>, String) => TimeWindow, |o: TimeWindowOptions| {
    push::window(o.since.as_deref(), o.until.as_deref(), o.timezone.as_deref(), o.week_start.as_deref())
});

impl From<(Option<i64>, Option<i64>, String)> for TimeWindow {
    fn from((since_ms, until_ms, timezone): (Option<i64>, Option<i64>, String)) -> Self {
        TimeWindow {
            since_ms,
            until_ms,
            timezone,
        }
    }
}

/// `since`/`until` resolved to epoch ms as `summary` resolves them, and the zone's name.
#[napi]
pub fn time_window(options: TimeWindowOptions) -> AsyncTask<TimeWindowTask> {
    AsyncTask::new(TimeWindowTask(Some(options)))
}
