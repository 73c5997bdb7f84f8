//! Qwen Code chats: `<qwen dir>/projects/<sanitized cwd>/chats/<session id>.jsonl`, one
//! `ChatRecord` per line (`packages/core/src/services/chatRecordingService.ts` of
//! QwenLM/qwen-code): `{uuid, parentUuid, sessionId, timestamp, type, subtype, cwd, gitBranch,
//! model, usageMetadata, message, toolCallResult, systemPayload, forkedFrom}`.
//!
//! Counting rules: an `assistant` record with `usageMetadata` is one API call, keyed
//! `qwen-code|<uuid>`: `/branch` copies records verbatim into a new session (same uuid,
//! `forkedFrom` naming the source), so a copy is the same call, stored in the source session
//! whichever file is read first (the copy's user turns too). `system` records (`ui_telemetry` repeats the usage) are not calls. A rewound
//! branch stays billed. The usage is Google GenAI's ([`GenAiCounts`]): the prompt count
//! includes cached tokens, and thoughts are inside the candidates when the total says so.
//! Project and branch come from each record's `cwd` and `gitBranch`.

mod wire;

use crate::content::Capture;
use crate::harness::gemini::usage::GenAiCounts;
use crate::harness::wire::{payload_bytes, payload_text, tool_call};
use crate::harness::LogReader;
use crate::scan::Line;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{CompactionRecord, Records, Relationship, SessionInfo, TurnRecord};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use wire::ChatRecord;

const TITLE_CHARS: usize = 120;

/// Which file is read.
#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The file name without `.jsonl` (the session id): used when a record names none.
    pub file_stem: String,
}

/// What a pass needs to resume mid-file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QwenState {
    /// The last assistant record's uuid (user turns and compactions follow it).
    #[serde(default)]
    pub last_assistant: Option<String>,
    #[serde(default)]
    pub titled: bool,
}

pub struct QwenReader {
    ctx: FileContext,
    state: QwenState,
    line: i64,
    /// Byte offset of the line being read (the content store's conversation order).
    offset: u64,
    capture: Capture,
    /// Sessions already described in this pass.
    announced: HashSet<String>,
}

impl QwenReader {
    pub fn new(ctx: FileContext, state: QwenState) -> Self {
        QwenReader {
            ctx,
            state,
            line: 0,
            offset: 0,
            capture: Capture::default(),
            announced: HashSet::new(),
        }
    }

    /// Captures conversation content as `capture` says (default: off).
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    /// A user, assistant or tool-result record's parts, for the content store.
    fn capture_record(
        &self,
        session_id: &str,
        uuid: &str,
        ts_ms: i64,
        rec: &ChatRecord<'_>,
        out: &mut Records,
    ) {
        if !self.capture.wants(ts_ms) {
            return;
        }
        let role = match rec.kind.as_deref() {
            Some("assistant") => "assistant",
            Some("user" | "tool_result") => "user",
            _ => return,
        };
        let c = &self.capture;
        let error = rec
            .tool_call_result
            .as_ref()
            .is_some_and(|r| r.status.as_deref() == Some("error"));
        let blocks: Vec<ContentBlock> = rec
            .message
            .as_ref()
            .and_then(|m| m.parts.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|p| {
                if let Some(call) = &p.function_call {
                    let args = call.args.map(payload_text).unwrap_or_default();
                    let (name, id) = (call.name.as_deref(), call.id.as_deref());
                    return Some(c.block("tool_use", &args, name, id, false));
                }
                if let Some(raw) = p.function_response {
                    let r = serde_json::from_str::<wire::FunctionResponse<'_>>(raw.get()).ok();
                    let text = r
                        .as_ref()
                        .and_then(|r| r.response)
                        .map(payload_text)
                        .unwrap_or_default();
                    let name = r.as_ref().and_then(|r| r.name.as_deref());
                    let id = r.as_ref().and_then(|r| r.id.as_deref());
                    return Some(c.block("tool_result", &text, name, id, error));
                }
                let text = p.text.as_deref().filter(|t| !t.trim().is_empty())?;
                let kind = if p.thought == Some(true) {
                    "thinking"
                } else {
                    "text"
                };
                Some(c.block(kind, text, None, None, false))
            })
            .collect();
        if blocks.is_empty() {
            return;
        }
        out.content.push(ContentRecord {
            harness: Harness::QwenCode,
            session_id: session_id.to_string(),
            message_key: uuid.to_string(),
            message_id: uuid.to_string(),
            role,
            ts_ms,
            seq: self.offset as i64,
            blocks,
            replace: false,
        });
    }

    fn bad_line(&self, out: &mut Records, message: String) {
        super::lines::bad_line(out, self.line, message);
    }

    fn record(&mut self, rec: &ChatRecord<'_>, out: &mut Records) {
        let session_id = rec
            .session_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.ctx.file_stem)
            .to_string();
        let Some(uuid) = rec.uuid.as_deref().filter(|s| !s.is_empty()) else {
            self.bad_line(out, "record without uuid".into());
            return;
        };
        let Some(ts_ms) = rec
            .timestamp
            .as_deref()
            .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
        else {
            self.bad_line(out, format!("record {uuid}: no valid timestamp"));
            return;
        };
        let project = rec
            .cwd
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let branch = rec
            .git_branch
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let parent = match (&rec.forked_from, rec.subtype.as_deref()) {
            (Some(f), _) => f
                .session_id
                .as_deref()
                .filter(|p| *p != session_id)
                .map(|p| (p.to_string(), Relationship::Fork, "forkedFrom".to_string())),
            (None, Some("parent_session")) => rec
                .system_payload
                .as_ref()
                .and_then(|p| p.parent_session_id.as_deref())
                .filter(|p| *p != session_id)
                .map(|p| {
                    let evidence = "parent_session record".to_string();
                    (p.to_string(), Relationship::Subagent, evidence)
                }),
            _ => None,
        };
        if parent.is_some() || self.announced.insert(session_id.clone()) {
            out.sessions.push(SessionInfo {
                harness: Some(Harness::QwenCode),
                session_id: session_id.clone(),
                project: project.clone(),
                branch: branch.clone(),
                title: None,
                parent,
            });
        }
        // A record `/branch` copied is the source session's (its call, its prompt): stored there,
        // so the copy and the original are one row whichever file is read first.
        let session_id = rec
            .forked_from
            .as_ref()
            .and_then(|f| f.session_id.as_deref())
            .filter(|s| !s.is_empty())
            .map_or(session_id, str::to_string);
        self.capture_record(&session_id, uuid, ts_ms, rec, out);
        match (rec.kind.as_deref(), rec.subtype.as_deref()) {
            (Some("assistant"), _) => {
                let Some(meta) = &rec.usage_metadata else {
                    return;
                };
                let usage = GenAiCounts {
                    prompt: meta.prompt.0,
                    candidates: meta.candidates.0,
                    cached: meta.cached.0,
                    thoughts: meta.thoughts.0,
                    tool: meta.tool.0,
                    total: meta.total.0,
                }
                .usage();
                self.state.last_assistant = Some(uuid.to_string());
                if usage.total() == 0 {
                    return;
                }
                let tool_calls = rec
                    .message
                    .as_ref()
                    .and_then(|m| m.parts.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.function_call.as_ref())
                    .filter_map(|c| {
                        let id = c.id.as_deref().filter(|s| !s.is_empty())?;
                        let name = c.name.as_deref().unwrap_or_default();
                        Some(tool_call(
                            id.to_string(),
                            name.to_string(),
                            c.args,
                            crate::harness::gemini::tools_target,
                        ))
                    })
                    .collect();
                let key = format!("qwen-code|{uuid}");
                let model = rec.model.as_deref().unwrap_or_default().to_string();
                out.turns.push(TurnRecord {
                    project,
                    branch,
                    tool_calls,
                    ..TurnRecord::call(
                        Harness::QwenCode,
                        key,
                        session_id,
                        uuid.to_string(),
                        ts_ms,
                        model,
                        usage,
                    )
                });
            }
            (Some("user"), _) => {
                let text: String = rec
                    .message
                    .as_ref()
                    .and_then(|m| m.parts.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.text.as_deref())
                    .collect();
                if !self.state.titled && !text.trim().is_empty() {
                    self.state.titled = true;
                    out.push_session(SessionInfo {
                        harness: Some(Harness::QwenCode),
                        session_id: session_id.clone(),
                        title: Some(text.trim().chars().take(TITLE_CHARS).collect()),
                        ..Default::default()
                    });
                }
                let bytes = text.len() as i64;
                self.user_turn(session_id, uuid, ts_ms, "text", None, bytes, None, out);
            }
            (Some("tool_result"), _) => {
                let result = rec.tool_call_result.as_ref();
                let call_id = result
                    .and_then(|r| r.call_id.as_deref())
                    .map(str::to_string);
                let bytes: i64 = rec
                    .message
                    .as_ref()
                    .and_then(|m| m.parts.as_ref())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.function_response)
                    .map(payload_bytes)
                    .sum();
                let error = result.is_some_and(|r| {
                    r.status.as_deref() == Some("error")
                        || r.error.is_some_and(|e| e.get() != "null")
                });
                let (kind, error) = ("tool_result", Some(error));
                self.user_turn(session_id, uuid, ts_ms, kind, call_id, bytes, error, out);
            }
            (Some("system"), Some("chat_compression")) => {
                let tokens_before = rec
                    .system_payload
                    .as_ref()
                    .and_then(|p| p.info.as_ref())
                    .map(|i| i.original_token_count.0)
                    .filter(|n| *n > 0);
                out.compactions.push(CompactionRecord {
                    harness: Harness::QwenCode,
                    session_id,
                    key: uuid.to_string(),
                    ts_ms,
                    preceding_message_id: self.state.last_assistant.clone(),
                    tokens_before,
                });
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn user_turn(
        &self,
        session_id: String,
        uuid: &str,
        ts_ms: i64,
        kind: &'static str,
        tool_use_id: Option<String>,
        bytes: i64,
        is_error: Option<bool>,
        out: &mut Records,
    ) {
        out.user_turns.push(super::lines::user_turn(
            Harness::QwenCode,
            session_id,
            uuid.to_string(),
            ts_ms,
            self.state.last_assistant.clone(),
            super::lines::block(kind, tool_use_id, bytes, is_error),
        ));
    }
}

impl LogReader for QwenReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.line += 1;
        self.offset = line.offset;
        match super::lines::json_row::<ChatRecord<'_>>(line, "not a chat record") {
            Ok(Some(rec)) => self.record(&rec, out),
            Ok(None) => {}
            Err(message) => self.bad_line(out, message),
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

#[cfg(test)]
mod tests;
