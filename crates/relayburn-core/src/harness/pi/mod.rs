//! Pi (badlogic/pi-mono coding agent) sessions:
//! `<agent dir>/sessions/<encoded cwd>/<timestamp>_<session id>.jsonl`.
//!
//! Counting rules: a `message` entry holding an `assistant` message with `usage` is one API
//! call. Entries form a tree (`id`/`parentId`): a branch left behind was still sent and
//! billed, so every assistant entry counts, whatever branch it is on. `/branch` and `/fork`
//! write a new session file copying the path to the branch point verbatim (same entries, a
//! header whose `parentSession` is the source file's path), so a call's key is the message's
//! own identity, not the file's: `pi|<message timestamp ms>|<model>|<input>|<output>|<cache
//! read>|<cache write>`; the copy is the same call, stored in the source session (a call of a
//! branched file stamped before the branch's creation is a copy), and the new session hangs
//! under the source as a fork. Pi's `input` is already the uncached
//! prompt; `cacheWrite` has no lifetime (5-minute class); Pi reports no reasoning. The cost
//! Pi computed (`usage.cost.total`, USD) is kept beside the price table's.

mod wire;

use crate::content::Capture;
use crate::harness::wire::{payload_text, tool_call};
use crate::harness::LogReader;
use crate::scan::Line;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{
    CompactionRecord, Records, Relationship, SessionInfo, ToolCall, TurnRecord, Usage,
};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use wire::{Block, Entry, Message};

const TITLE_CHARS: usize = 120;

/// Which file is read.
#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The file name without `.jsonl` (`<timestamp>_<session id>`).
    pub file_stem: String,
}

/// The session id in a session file name: the part after the last `_`.
pub fn session_of_stem(stem: &str) -> &str {
    stem.rsplit_once('_').map_or(stem, |(_, id)| id)
}

/// What a pass needs to resume mid-file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PiState {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub cwd: Option<String>,
    /// The latest assistant entry (user turns and compactions follow it).
    #[serde(default)]
    pub last_assistant: Option<String>,
    #[serde(default)]
    pub titled: bool,
    /// A branched session's source session and the branch's creation time (epoch ms).
    #[serde(default)]
    pub parent: Option<(String, i64)>,
}

pub struct PiReader {
    ctx: FileContext,
    state: PiState,
    line: i64,
    /// Byte offset of the line being read (the content store's conversation order).
    offset: u64,
    capture: Capture,
}

impl PiReader {
    pub fn new(ctx: FileContext, state: PiState) -> Self {
        PiReader {
            ctx,
            state,
            line: 0,
            offset: 0,
            capture: Capture::default(),
        }
    }

    /// Captures conversation content as `capture` says (default: off).
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    /// The text, thinking, tool calls and tool results of a message, for the content store.
    fn capture_message(&self, uuid: &str, ts_ms: i64, m: &Message<'_>, out: &mut Records) {
        if !self.capture.wants(ts_ms) {
            return;
        }
        let c = &self.capture;
        let role = match m.role.as_deref() {
            Some("assistant") => "assistant",
            Some("user" | "toolResult") => "user",
            _ => return,
        };
        let blocks: Vec<ContentBlock> = match m.role.as_deref() {
            Some("toolResult") => {
                let text = m.content.map(text_of).unwrap_or_default();
                let id = m.tool_call_id.as_deref();
                vec![c.block("tool_result", &text, None, id, m.is_error.unwrap_or(false))]
            }
            _ => match m.content {
                Some(raw) if raw.get().starts_with('"') => {
                    vec![c.block("text", &text_of(raw), None, None, false)]
                }
                Some(raw) => serde_json::from_str::<Vec<Block<'_>>>(raw.get())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|b| match b.kind.as_deref() {
                        Some("text") => {
                            Some(c.block("text", b.text.as_deref()?, None, None, false))
                        }
                        Some("thinking") => {
                            Some(c.block("thinking", b.thinking.as_deref()?, None, None, false))
                        }
                        Some("toolCall") => {
                            let args = b.arguments.map(payload_text).unwrap_or_default();
                            let (name, id) = (b.name.as_deref(), b.id.as_deref());
                            Some(c.block("tool_use", &args, name, id, false))
                        }
                        _ => None,
                    })
                    .collect(),
                None => Vec::new(),
            },
        };
        if blocks.is_empty() {
            return;
        }
        out.content.push(ContentRecord {
            harness: Harness::Pi,
            session_id: self.owner(ts_ms),
            message_key: uuid.to_string(),
            message_id: uuid.to_string(),
            role,
            ts_ms,
            seq: self.offset as i64,
            blocks,
            replace: false,
        });
    }

    fn session_id(&self) -> String {
        self.state
            .session_id
            .clone()
            .unwrap_or_else(|| session_of_stem(&self.ctx.file_stem).to_string())
    }

    /// The session an entry stamped `ts_ms` belongs to: an entry of a branched session older
    /// than the branch is a copy of its source's, stored there, so copy and original are one
    /// row whichever file is read first.
    fn owner(&self, ts_ms: i64) -> String {
        match &self.state.parent {
            Some((parent, created)) if ts_ms < *created => parent.clone(),
            _ => self.session_id(),
        }
    }

    fn bad_line(&self, out: &mut Records, message: String) {
        super::lines::bad_line(out, self.line, message);
    }

    fn header(&mut self, e: &Entry<'_>, out: &mut Records) {
        if let Some(id) = e.id.as_deref().filter(|s| !s.is_empty()) {
            self.state.session_id = Some(id.to_string());
        }
        if let Some(cwd) = e.cwd.as_deref().filter(|s| !s.is_empty()) {
            self.state.cwd = Some(cwd.to_string());
        }
        let session_id = self.session_id();
        let parent = e
            .parent_session
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|path| {
                let stem = std::path::Path::new(path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let parent = session_of_stem(&stem).to_string();
                (parent, Relationship::Fork, "parentSession".to_string())
            })
            .filter(|(p, _, _)| !p.is_empty() && *p != session_id);
        let created = e
            .timestamp
            .as_deref()
            .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok());
        self.state.parent = parent
            .as_ref()
            .zip(created)
            .map(|((p, _, _), at)| (p.clone(), at));
        out.sessions.push(SessionInfo {
            harness: Some(Harness::Pi),
            session_id,
            project: self.state.cwd.clone(),
            parent,
            ..Default::default()
        });
    }

    fn message(&mut self, e: &Entry<'_>, m: &Message<'_>, out: &mut Records) {
        let entry_id = e.id.as_deref().filter(|s| !s.is_empty());
        let ts_ms = match m.timestamp.0 {
            0 => e
                .timestamp
                .as_deref()
                .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok()),
            ms => Some(ms),
        };
        let Some(ts_ms) = ts_ms else {
            self.bad_line(out, "message entry without a valid timestamp".into());
            return;
        };
        let uuid = entry_id.map_or_else(|| format!("@{ts_ms}"), str::to_string);
        self.capture_message(&uuid, ts_ms, m, out);
        match m.role.as_deref() {
            Some("assistant") => {
                if let Some(t) = self.assistant(&uuid, ts_ms, m) {
                    self.state.last_assistant = Some(uuid);
                    out.turns.push(t);
                }
            }
            Some("user") => {
                let text = m.content.map(text_of).unwrap_or_default();
                if !self.state.titled && !text.trim().is_empty() {
                    self.state.titled = true;
                    out.push_session(SessionInfo {
                        harness: Some(Harness::Pi),
                        session_id: self.session_id(),
                        title: Some(text.trim().chars().take(TITLE_CHARS).collect()),
                        ..Default::default()
                    });
                }
                self.user_turn(uuid, ts_ms, "text", None, text.len() as i64, None, out);
            }
            Some("toolResult") => {
                let bytes = m.content.map(text_of).unwrap_or_default().len() as i64;
                let id = m.tool_call_id.as_deref().map(str::to_string);
                let error = Some(m.is_error.unwrap_or(false));
                self.user_turn(uuid, ts_ms, "tool_result", id, bytes, error, out);
            }
            _ => {}
        }
    }

    /// The call an assistant message records, if it carries usage.
    fn assistant(&self, uuid: &str, ts_ms: i64, m: &Message<'_>) -> Option<TurnRecord> {
        let u = m.usage.as_ref()?;
        let usage = Usage {
            input: u.input.0,
            output: u.output.0,
            reasoning: 0,
            cache_read: u.cache_read.0,
            cache_write_5m: u.cache_write.0,
            cache_write_1h: 0,
        };
        if usage.total() == 0 {
            return None;
        }
        let model = m.model.as_deref().unwrap_or_default().to_string();
        let tool_calls: Vec<ToolCall> = m
            .content
            .and_then(|c| serde_json::from_str::<Vec<Block<'_>>>(c.get()).ok())
            .into_iter()
            .flatten()
            .filter(|b| b.kind.as_deref() == Some("toolCall"))
            .filter_map(|b| {
                let id = b.id.as_deref().filter(|s| !s.is_empty())?;
                let name = b.name.as_deref().unwrap_or_default();
                Some(tool_call(
                    id.to_string(),
                    name.to_string(),
                    b.arguments,
                    target_of,
                ))
            })
            .collect();
        let key = format!(
            "pi|{ts_ms}|{model}|{}|{}|{}|{}",
            usage.input, usage.output, usage.cache_read, usage.cache_write_5m
        );
        let session_id = self.owner(ts_ms);
        let message_id = uuid.to_string();
        Some(TurnRecord {
            provider: m.provider.as_deref().map(str::to_string),
            project: self.state.cwd.clone(),
            stop_reason: m.stop_reason.as_deref().map(str::to_string),
            tool_calls,
            // Pi's own price of the call (USD): kept beside the price table's.
            reported_cost_usd: u.cost.as_ref().and_then(|c| c.total),
            ..TurnRecord::call(
                Harness::Pi,
                key,
                session_id,
                message_id,
                ts_ms,
                model,
                usage,
            )
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn user_turn(
        &self,
        uuid: String,
        ts_ms: i64,
        kind: &'static str,
        tool_use_id: Option<String>,
        bytes: i64,
        is_error: Option<bool>,
        out: &mut Records,
    ) {
        out.user_turns.push(super::lines::user_turn(
            Harness::Pi,
            self.owner(ts_ms),
            uuid,
            ts_ms,
            self.state.last_assistant.clone(),
            super::lines::block(kind, tool_use_id, bytes, is_error),
        ));
    }

    fn entry(&mut self, e: &Entry<'_>, out: &mut Records) {
        match e.kind.as_deref() {
            Some("session") => self.header(e, out),
            Some("message") => match &e.message {
                Some(m) => self.message(e, m, out),
                None => self.bad_line(out, "message entry without a message".into()),
            },
            Some("compaction") => {
                let Some(ts_ms) = e
                    .timestamp
                    .as_deref()
                    .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
                else {
                    self.bad_line(out, "compaction without a valid timestamp".into());
                    return;
                };
                out.compactions.push(CompactionRecord {
                    harness: Harness::Pi,
                    session_id: self.session_id(),
                    key: e
                        .id
                        .as_deref()
                        .map_or_else(|| ts_ms.to_string(), str::to_string),
                    ts_ms,
                    preceding_message_id: self.state.last_assistant.clone(),
                    tokens_before: Some(e.tokens_before.0).filter(|n| *n > 0),
                });
            }
            Some("session_info") => {
                if let Some(name) = e.name.as_deref().filter(|n| !n.trim().is_empty()) {
                    out.push_session(SessionInfo {
                        harness: Some(Harness::Pi),
                        session_id: self.session_id(),
                        title: Some(name.trim().chars().take(TITLE_CHARS).collect()),
                        ..Default::default()
                    });
                }
            }
            _ => {}
        }
    }
}

/// Text of a message's content: a string, or the `text` of its blocks.
fn text_of(raw: &RawValue) -> String {
    if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
        return s;
    }
    serde_json::from_str::<Vec<Block<'_>>>(raw.get())
        .map(|blocks| blocks.iter().filter_map(|b| b.text.as_deref()).collect())
        .unwrap_or_default()
}

/// Pi's tools (`read`, `write`, `edit`, `bash`, `grep`, `find`, `ls`) → targets.
fn target_of(name: &str, args: &serde_json::Value) -> Option<String> {
    let get = |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::to_string);
    match name {
        "read" | "write" | "edit" | "ls" => get("path"),
        "bash" => get("command"),
        "grep" | "find" => get("pattern"),
        _ => get("path").or_else(|| get("command")),
    }
}

impl LogReader for PiReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.line += 1;
        self.offset = line.offset;
        match super::lines::json_row::<Entry<'_>>(line, "not a session entry") {
            Ok(Some(e)) => self.entry(&e, out),
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
