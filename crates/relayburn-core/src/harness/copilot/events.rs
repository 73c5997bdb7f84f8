//! Copilot CLI's `session-state/<session>/events.jsonl`: one event per line,
//! `{"type", "data", "id", "timestamp", "parentId"}`.
//!
//! Usage is only in `session.shutdown`: `data.modelMetrics.<model>.usage` holds what the
//! process that wrote it used (a resumed session appends another shutdown with its own run's
//! counts; they are never cumulative). One turn per (shutdown event, model). A process that
//! crashed writes no shutdown: its calls are not in this file. `assistant.message`
//! `outputTokens` and `session.usage_checkpoint` rows are progress, not usage. When the
//! session store holds calls of the same run (a row stamped between the run's start and its
//! shutdown), the store counts them and the shutdown is skipped.

use super::super::lines::{bad_line, has, object_text, text_block, timestamp_ms};
use super::super::wire::Count;
use super::super::LogReader;
use crate::hash::short_hex;
use crate::scan::Line;
use crate::vocab::records::{Records, SessionInfo, ToolCall, TurnRecord, UserTurnRecord};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Store rows this close outside a run's window still belong to it (`created_at` has
/// second precision).
const SLACK_MS: i64 = 1_000;
const MAX_PENDING_TOOLS: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The session directory's name.
    pub session_id: String,
    /// Times of the calls the session store holds for this session (sorted).
    pub store_times: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventsState {
    #[serde(default)]
    pub lines: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// When the previous shutdown of this file was written (a run starts after it).
    #[serde(default)]
    pub last_shutdown_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}

pub struct EventsReader {
    ctx: FileContext,
    state: EventsState,
    capture: crate::content::Capture,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Shutdown {
    #[serde(rename = "modelMetrics", default)]
    model_metrics: BTreeMap<String, Metric>,
    #[serde(rename = "sessionStartTime", default)]
    session_start: Count,
    /// The run's AI units (nano) when no model carries its own.
    #[serde(rename = "totalNanoAiu", default)]
    total_nano_aiu: Count,
}

#[derive(Deserialize, Default)]
struct Metric {
    #[serde(default)]
    usage: MetricUsage,
    #[serde(default)]
    requests: Requests,
    #[serde(rename = "totalNanoAiu", default)]
    total_nano_aiu: Count,
}

/// Premium requests (billing before AI units): `cost` is the multiplier-weighted count.
#[derive(Deserialize, Default)]
struct Requests {
    /// Any JSON (a stray string or object reads as no cost rather than losing the run).
    #[serde(default)]
    cost: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct MetricUsage {
    #[serde(rename = "inputTokens", default)]
    input: Count,
    #[serde(rename = "outputTokens", default)]
    output: Count,
    #[serde(rename = "cacheReadTokens", default)]
    cache_read: Count,
    #[serde(rename = "cacheWriteTokens", default)]
    cache_write: Count,
    #[serde(rename = "reasoningTokens", default)]
    reasoning: Count,
}

#[derive(Deserialize)]
struct Start<'a> {
    #[serde(borrow, default)]
    context: Option<Context<'a>>,
}

#[derive(Deserialize)]
struct Context<'a> {
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    branch: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct UserMessage<'a> {
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ToolStart<'a> {
    #[serde(rename = "toolCallId", borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "toolName", borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ToolDone<'a> {
    #[serde(rename = "toolCallId", borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AssistantMessage<'a> {
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
}

impl LogReader for EventsReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.state.lines += 1;
        let line_no = self.state.lines;
        let Some(text) = object_text(line, line_no, out) else {
            return;
        };
        let bytes = text.as_bytes();
        let wanted = [
            &b"session.shutdown"[..],
            b"session.start",
            b"session.resume",
            b"user.message",
            b"tool.execution_",
            b"assistant.message",
        ];
        if !wanted.iter().any(|n| has(bytes, n)) {
            return;
        }
        let ev: Event<'_> = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(e) => return bad_line(out, line_no, format!("unreadable JSON: {e}")),
        };
        let (Some(kind), Some(data)) = (ev.kind.as_deref(), ev.data) else {
            return;
        };
        let ts = ev.timestamp.and_then(timestamp_ms).unwrap_or(0);
        let id = ev.id.as_deref().unwrap_or("").to_string();
        // The literal `session.shutdown` may sit inside another event's text: only the
        // event's own type decides.
        match kind {
            "session.shutdown" => match serde_json::from_str::<Shutdown>(data.get()) {
                Ok(s) => self.shutdown(out, &id, ts, s),
                Err(e) => bad_line(out, line_no, format!("unreadable session.shutdown: {e}")),
            },
            "session.start" | "session.resume" => {
                if let Ok(Start { context: Some(c) }) = serde_json::from_str(data.get()) {
                    let some =
                        |v: Option<Cow<'_, str>>| v.map(Cow::into_owned).filter(|s| !s.is_empty());
                    self.state.project = some(c.cwd).or(self.state.project.take());
                    self.state.branch = some(c.branch).or(self.state.branch.take());
                    out.sessions.push(self.session_info());
                }
            }
            "user.message" => {
                let Ok(m) = serde_json::from_str::<UserMessage<'_>>(data.get()) else {
                    return bad_line(out, line_no, "unreadable user.message".into());
                };
                let bytes = m.content.map(super::super::lines::text_bytes).unwrap_or(0);
                self.user_turn(out, &id, line.offset, ts, text_block(bytes, None, None));
                if !self.capture.is_off() {
                    let text = m
                        .content
                        .map(super::super::lines::text_of)
                        .unwrap_or_default();
                    let key = out
                        .user_turns
                        .last()
                        .map(|u| u.uuid.clone())
                        .unwrap_or_default();
                    let (s, c) = (&self.ctx.session_id, &self.capture);
                    let rec = super::super::lines::user_content(
                        c,
                        Harness::CopilotCli,
                        s,
                        &key,
                        &key,
                        ts,
                        line.offset as i64,
                        &text,
                    );
                    out.content.extend(rec);
                }
            }
            "tool.execution_start" => {
                let Ok(t) = serde_json::from_str::<ToolStart<'_>>(data.get()) else {
                    return bad_line(out, line_no, "unreadable tool.execution_start".into());
                };
                let Some(call_id) = t.id else { return };
                let name = t.name.as_deref().unwrap_or("").to_string();
                let call = tool_call(call_id.into_owned(), name, t.arguments);
                if self.state.tools.len() < MAX_PENDING_TOOLS
                    && !self.state.tools.iter().any(|c| c.id == call.id)
                {
                    self.state.tools.push(call);
                }
            }
            "tool.execution_complete" => {
                let Ok(t) = serde_json::from_str::<ToolDone<'_>>(data.get()) else {
                    return bad_line(out, line_no, "unreadable tool.execution_complete".into());
                };
                let Some(call_id) = t.id else { return };
                let bytes = t.result.map(super::super::wire::payload_bytes).unwrap_or(0);
                let err = t.success.map(|ok| !ok);
                let block = text_block(bytes, Some(call_id.into_owned()), err);
                self.user_turn(out, &id, line.offset, ts, block);
            }
            "assistant.message" => {
                if let Ok(m) = serde_json::from_str::<AssistantMessage<'_>>(data.get()) {
                    if let Some(mid) = m.message_id.filter(|s| !s.is_empty()) {
                        self.state.last_message = Some(mid.into_owned());
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, _idle: bool, _out: &mut Records) {}

    fn state_json(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    fn pending(&self) -> i64 {
        0
    }
}

impl EventsReader {
    pub fn new(ctx: FileContext, state: EventsState) -> Self {
        EventsReader {
            ctx,
            state,
            capture: Default::default(),
        }
    }

    /// Captures user prompts into the content store as `capture` says.
    pub fn with_capture(mut self, capture: crate::content::Capture) -> Self {
        self.capture = capture;
        self
    }

    fn session_info(&self) -> SessionInfo {
        SessionInfo {
            harness: Some(Harness::CopilotCli),
            session_id: self.ctx.session_id.clone(),
            project: self.state.project.clone(),
            branch: self.state.branch.clone(),
            ..Default::default()
        }
    }

    /// Whether the store holds calls of the run that ended at `end` (started at `start`).
    fn in_store(&self, start: i64, end: i64) -> bool {
        let from = start.saturating_sub(SLACK_MS);
        let to = end.saturating_add(SLACK_MS);
        let i = self.ctx.store_times.partition_point(|t| *t < from);
        self.ctx.store_times.get(i).is_some_and(|t| *t <= to)
    }

    fn shutdown(&mut self, out: &mut Records, id: &str, ts: i64, s: Shutdown) {
        let start = match s.session_start.0 {
            0 => self.state.last_shutdown_ms,
            t => t,
        };
        self.state.last_shutdown_ms = ts;
        let tools = std::mem::take(&mut self.state.tools);
        if self.in_store(start, ts) {
            return;
        }
        let mut tools = Some(tools);
        let event = if id.is_empty() {
            format!("@{ts}")
        } else {
            id.to_string()
        };
        out.sessions.push(self.session_info());
        let only_model = s.model_metrics.len() == 1;
        for (model, m) in s.model_metrics {
            let u = &m.usage;
            let usage = super::usage(
                &model,
                u.input.0,
                u.output.0,
                u.cache_read.0,
                u.cache_write.0,
                u.reasoning.0,
            );
            if usage.total() == 0 {
                continue;
            }
            // A run-wide AI-unit total belongs to its model only when there is one.
            let nano = match m.total_nano_aiu.0 {
                0 if only_model => s.total_nano_aiu.0,
                n => n,
            };
            let premium = m.requests.cost.as_ref().and_then(serde_json::Value::as_f64);
            let reported_cost_usd = super::reported_cost_usd(nano, premium);
            out.turns.push(TurnRecord {
                harness: Harness::CopilotCli,
                key: format!(
                    "copilot-cli|shutdown|{}|{event}|{model}",
                    self.ctx.session_id
                ),
                session_id: self.ctx.session_id.clone(),
                message_id: format!("{event}/{model}"),
                request_id: None,
                ts_ms: ts,
                model,
                provider: Some("github-copilot".into()),
                project: self.state.project.clone(),
                branch: self.state.branch.clone(),
                usage,
                stop_reason: None,
                complete: true,
                tool_calls: tools.take().unwrap_or_default(),
                reported_cost_usd,
            });
        }
    }

    fn user_turn(
        &mut self,
        out: &mut Records,
        id: &str,
        offset: u64,
        ts: i64,
        block: crate::vocab::records::UserTurnBlock,
    ) {
        out.user_turns.push(UserTurnRecord {
            harness: Harness::CopilotCli,
            session_id: self.ctx.session_id.clone(),
            uuid: if id.is_empty() {
                format!("@{offset}")
            } else {
                id.to_string()
            },
            ts_ms: ts,
            preceding_message_id: self.state.last_message.clone(),
            blocks: vec![block],
        });
    }
}

/// A tool call: `arguments` is an object; the target is the path or command it names.
fn tool_call(id: String, name: String, arguments: Option<&RawValue>) -> ToolCall {
    let args: serde_json::Value = arguments
        .and_then(|a| serde_json::from_str(a.get()).ok())
        .unwrap_or(serde_json::Value::Null);
    let get = |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let target = get("command")
        .or_else(|| get("path"))
        .or_else(|| get("file_path"))
        .or_else(|| get("pattern"))
        .or_else(|| get("url"));
    let stable = match &args {
        serde_json::Value::Null => "{}".to_string(),
        v => v.to_string(),
    };
    ToolCall {
        args_hash: short_hex(stable.as_bytes()),
        id,
        name,
        target,
    }
}

/// The session of `<home>/session-state/<session>/events.jsonl` and the times of the calls
/// `<home>/session-store.db` holds for it.
pub fn context_for(path: &std::path::Path) -> FileContext {
    let dir = path.parent();
    let session_id = dir
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let store = path.ancestors().nth(3).map(|h| h.join("session-store.db"));
    let store_times = match store {
        Some(db) if db.is_file() && !session_id.is_empty() => {
            super::store::usage_times(&db, &session_id)
        }
        _ => Vec::new(),
    };
    FileContext {
        session_id,
        store_times,
    }
}
