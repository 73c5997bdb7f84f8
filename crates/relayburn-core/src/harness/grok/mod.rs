//! Grok Build reader: `sessions/<url-encoded workspace>/<session>/updates.jsonl`, the Agent
//! Client Protocol `session/update` notifications the CLI streams, one per line:
//! `{"timestamp", "params": {"sessionId", "update": {"sessionUpdate", …}, "_meta": {"eventId"}}}`.
//!
//! Only `turn_completed` updates carry usage: `usage.modelUsage` maps each model the turn used
//! to `{inputTokens, outputTokens, cachedReadTokens, reasoningTokens}` (the top-level counts
//! are their sum, read only when the map is missing). One turn per (event id, model): a
//! replayed event lands on the same key. `inputTokens` includes the cached reads (subtracted);
//! `reasoningTokens` is beside `outputTokens` (added to output). A sub-agent works in a sibling
//! session directory; the parent's `subagents/<child>/` entry names it (found by discovery).

#[cfg(test)]
mod tests;

use super::lines::{bad_line, has, object_text, text_block, SessionContext, SessionReader};
use super::lines::{timestamp_ms, user_turn};
use super::wire::Count;
use super::LogReader;
use crate::hash::short_hex;
use crate::scan::Line;
use crate::vocab::records::{Records, ToolCall, TurnRecord, Usage};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Tool calls held for the next completed turn at most.
const MAX_PENDING_TOOLS: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The session directory's name (the records' `sessionId` wins when present).
    pub session_id: String,
    pub parent: Option<String>,
    pub project: Option<String>,
    /// `summary.json`'s current model: the model of a turn whose usage names none.
    pub model: Option<String>,
}

impl SessionContext for FileContext {
    fn session(&self) -> (&str, Option<&String>, Option<&String>) {
        (
            &self.session_id,
            self.project.as_ref(),
            self.parent.as_ref(),
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GrokState {
    #[serde(default)]
    pub lines: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// A user message is being streamed (its later chunks are the same turn).
    #[serde(default)]
    pub in_user: bool,
}

pub type GrokReader = SessionReader<FileContext, GrokState>;

#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    update: Option<Update<'a>>,
    #[serde(rename = "_meta", borrow, default)]
    meta: Option<Meta<'a>>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "eventId", borrow, default)]
    event_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Update<'a> {
    #[serde(rename = "sessionUpdate", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<GrokUsage>,
    // tool_call
    #[serde(rename = "toolCallId", borrow, default)]
    tool_call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    title: Option<Cow<'a, str>>,
    #[serde(rename = "kind", borrow, default)]
    tool_kind: Option<Cow<'a, str>>,
    #[serde(rename = "rawInput", borrow, default)]
    raw_input: Option<&'a RawValue>,
    // user_message_chunk
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct Counts {
    #[serde(rename = "inputTokens", default)]
    input: Count,
    #[serde(rename = "outputTokens", default)]
    output: Count,
    #[serde(rename = "cachedReadTokens", default)]
    cached_read: Count,
    #[serde(rename = "reasoningTokens", default)]
    reasoning: Count,
}

#[derive(Deserialize, Default)]
struct GrokUsage {
    #[serde(flatten)]
    total: Counts,
    #[serde(rename = "modelUsage", default)]
    model_usage: BTreeMap<String, Counts>,
}

impl Counts {
    /// Input without its cached part; output with the reasoning written beside it.
    fn usage(&self) -> Usage {
        Usage {
            input: (self.input.0 - self.cached_read.0).max(0),
            output: self.output.0 + self.reasoning.0,
            reasoning: self.reasoning.0,
            cache_read: self.cached_read.0,
            cache_write_5m: 0,
            cache_write_1h: 0,
        }
    }
}

impl LogReader for GrokReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.state.lines += 1;
        self.announce(out, Harness::Grok, "subagents/ entry of the parent session");
        let line_no = self.state.lines;
        let Some(text) = object_text(line, line_no, out) else {
            return;
        };
        let bytes = text.as_bytes();
        let wanted = [&b"turn_completed"[..], b"tool_call", b"user_message_chunk"];
        if !wanted.iter().any(|n| has(bytes, n)) {
            if has(bytes, b"sessionUpdate") {
                self.state.in_user = false;
            }
            return;
        }
        let row: Row<'_> = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => return bad_line(out, line_no, format!("unreadable JSON: {e}")),
        };
        let Some(params) = row.params else { return };
        let Some(update) = params.update else { return };
        let ts = row.timestamp.and_then(timestamp_ms).unwrap_or(0);
        let session = params
            .session_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.ctx.session_id)
            .to_string();
        let event_id = params.meta.and_then(|m| m.event_id).map(Cow::into_owned);
        let kind = update.kind.as_deref().unwrap_or("");
        if kind != "user_message_chunk" {
            self.state.in_user = false;
        }
        match kind {
            "turn_completed" => self.turn(out, &session, event_id, ts, update.usage),
            "tool_call" => {
                let Some(id) = update.tool_call_id else {
                    return;
                };
                let name = update.tool_kind.as_deref().unwrap_or("other").to_string();
                let args = update.raw_input.map(|r| r.get()).unwrap_or("{}");
                let call = ToolCall {
                    args_hash: short_hex(args.as_bytes()),
                    id: id.into_owned(),
                    name,
                    target: update.title.map(Cow::into_owned),
                };
                if self.state.tools.len() < MAX_PENDING_TOOLS
                    && !self.state.tools.iter().any(|t| t.id == call.id)
                {
                    self.state.tools.push(call);
                }
            }
            "user_message_chunk" => {
                let bytes = update.content.map(chunk_bytes).unwrap_or(0);
                if !self.capture.is_off() {
                    // Each chunk is its own content row (keyed by its event), in its prompt.
                    let text = update
                        .content
                        .map(super::lines::text_of)
                        .unwrap_or_default();
                    let key = event_id
                        .clone()
                        .unwrap_or_else(|| format!("@{}", line.offset));
                    let prompt = match (self.state.in_user, out.user_turns.last()) {
                        (true, Some(u)) => u.uuid.clone(),
                        _ => key.clone(),
                    };
                    let rec = super::lines::user_content(
                        &self.capture,
                        Harness::Grok,
                        &session,
                        &key,
                        &prompt,
                        ts,
                        line.offset as i64,
                        &text,
                    );
                    out.content.extend(rec);
                }
                if self.state.in_user {
                    // A later chunk of the same prompt: its bytes join the turn.
                    if let Some(u) = out
                        .user_turns
                        .last_mut()
                        .filter(|u| u.session_id == session)
                    {
                        if let Some(b) = u.blocks.first_mut() {
                            b.bytes += bytes;
                            b.approx_tokens = (b.bytes + 3) / 4;
                        }
                    }
                    return;
                }
                self.state.in_user = true;
                out.user_turns.push(user_turn(
                    Harness::Grok,
                    session,
                    event_id.unwrap_or_else(|| format!("@{}", line.offset)),
                    ts,
                    self.state.last_message.clone(),
                    text_block(bytes, None, None),
                ));
            }
            _ => {}
        }
    }

    fn finish(&mut self, _idle: bool, _out: &mut Records) {}

    fn state_json(&self) -> String {
        self.saved_state()
    }

    fn pending(&self) -> i64 {
        0
    }
}

impl GrokReader {
    /// One turn per model of a completed turn.
    fn turn(
        &mut self,
        out: &mut Records,
        session: &str,
        event_id: Option<String>,
        ts: i64,
        usage: Option<GrokUsage>,
    ) {
        let Some(usage) = usage else { return };
        let rows: Vec<(String, Counts)> = if usage.model_usage.is_empty() {
            let model = self.ctx.model.clone().unwrap_or_default();
            vec![(model, usage.total)]
        } else {
            usage.model_usage.into_iter().collect()
        };
        let message_id = event_id
            .clone()
            .unwrap_or_else(|| format!("{session}@{ts}"));
        for (model, counts) in rows {
            let u = counts.usage();
            if u.total() == 0 {
                continue;
            }
            let key = match &event_id {
                Some(id) => format!("grok|{id}|{model}"),
                None => format!("grok|{session}|{ts}|{model}"),
            };
            let (session, id) = (session.to_string(), message_id.clone());
            out.turns.push(TurnRecord {
                provider: Some("xai".into()),
                project: self.ctx.project.clone(),
                tool_calls: std::mem::take(&mut self.state.tools),
                ..TurnRecord::call(Harness::Grok, key, session, id, ts, model, u)
            });
        }
        self.state.last_message = Some(message_id);
    }
}

/// Bytes of a content block `{"type":"text","text":…}` (or a bare string).
fn chunk_bytes(raw: &RawValue) -> i64 {
    #[derive(Deserialize)]
    struct Block<'a> {
        #[serde(borrow, default)]
        text: Option<Cow<'a, str>>,
    }
    match serde_json::from_str::<Block<'_>>(raw.get()) {
        Ok(b) => b.text.map_or(0, |t| t.len() as i64),
        Err(_) => super::lines::text_bytes(raw),
    }
}

/// Decodes a percent-encoded workspace directory name (`%2Fhome%2Fme%2Fapp` → `/home/me/app`).
pub fn percent_decode(input: &str) -> String {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What an `updates.jsonl`'s place says: the session directory's name, the project (the
/// decoded workspace directory, or `summary.json`'s `info.cwd`) and `summary.json`'s
/// `current_model_id`.
pub fn context_for(path: &std::path::Path, parent: Option<String>) -> FileContext {
    let dir = path.parent();
    let name = |p: Option<&std::path::Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    };
    let mut ctx = FileContext {
        session_id: name(dir).unwrap_or_default(),
        parent,
        project: name(dir.and_then(|d| d.parent()))
            .map(|w| percent_decode(&w))
            .filter(|w| !w.is_empty()),
        model: None,
    };
    let summary = dir
        .map(|d| d.join("summary.json"))
        .and_then(|p| crate::files::read_regular_to_string(&p, 4 << 20).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    if let Some(v) = summary {
        let s = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(cwd) = s(v.get("info").and_then(|i| i.get("cwd"))) {
            ctx.project = Some(cwd);
        }
        ctx.model = s(v.get("current_model_id"));
    }
    ctx
}
