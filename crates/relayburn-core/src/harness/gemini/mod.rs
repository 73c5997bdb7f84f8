//! Gemini CLI chats: `<gemini dir>/tmp/<project>/chats/session-<time>-<id8>.jsonl`, subagent
//! chats in `chats/<parent session id>/<session id>.jsonl`, and legacy `session-*.json`
//! documents (read whole by [`legacy_records`]).
//!
//! Counting rules: a `gemini` message record with `tokens` is one API call, keyed
//! `gemini-cli|<session>|<message id>`. Gemini CLI appends a message again each time it changes
//! (tokens arrive after a `tokens: null` first write, tool calls and results are added later),
//! so the last record of an id wins: its tokens are set once and repeated, its tool calls only
//! grow, and the writer keeps the larger usage and unites the tool calls. `$set.messages`
//! checkpoints and a legacy file's copy in a resumed `.jsonl` repeat the same ids: the same
//! keys. `$rewindTo` hides messages from the conversation but they were sent and billed, so
//! nothing is taken back. Usage follows [`usage::GenAiCounts`]. A record without `model` takes
//! the session's previous model.

mod tools;
pub(crate) mod usage;
mod wire;

pub(crate) use tools::target_of as tools_target;

use crate::content::Capture;
use crate::harness::wire::{parts_text, payload_bytes, payload_text, tool_call};
use crate::harness::LogReader;
use crate::scan::Line;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{Records, Relationship, SessionInfo, ToolCall, TurnRecord};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use usage::GenAiCounts;
use wire::Record;

const TITLE_CHARS: usize = 120;

/// Which file is read.
#[derive(Debug, Clone, Default)]
pub struct FileContext {
    /// The file name without its extension: the session id when no header names one.
    pub file_stem: String,
    /// A subagent chat's parent session (the directory it lies in under `chats/`).
    pub parent_session: Option<String>,
    /// The project root (the project directory's `.project_root` marker), when known.
    pub project: Option<String>,
}

/// What a pass needs to resume mid-file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GeminiState {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    /// The latest model named (a record without one takes it).
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub titled: bool,
}

pub struct GeminiReader {
    ctx: FileContext,
    state: GeminiState,
    line: i64,
    announced: bool,
    /// What was last emitted per message id in this pass (usage total, tool calls, results):
    /// an unchanged re-append emits nothing.
    emitted: HashMap<String, (i64, usize, usize)>,
    capture: Capture,
}

impl GeminiReader {
    pub fn new(ctx: FileContext, state: GeminiState) -> Self {
        GeminiReader {
            ctx,
            state,
            line: 0,
            announced: false,
            emitted: HashMap::new(),
            capture: Capture::default(),
        }
    }

    /// Captures conversation content as `capture` says (default: off).
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    /// A message's content for the content store: its text, thoughts, tool calls and their
    /// results. Gemini CLI re-writes a message as it grows, so each capture replaces the last.
    fn capture_message(&self, id: &str, ts_ms: i64, rec: &Record<'_>, out: &mut Records) {
        if !self.capture.wants(ts_ms) {
            return;
        }
        let c = &self.capture;
        let mut blocks: Vec<ContentBlock> = Vec::new();
        let gemini = rec.kind_of_message.as_deref() == Some("gemini");
        for t in rec.thoughts.iter().flatten().filter(|_| gemini) {
            let text = [t.subject.as_deref(), t.description.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            if !text.is_empty() {
                blocks.push(c.block("thinking", &text, None, None, false));
            }
        }
        let text = rec.content.map(parts_text).unwrap_or_default();
        if !text.trim().is_empty() {
            blocks.push(c.block("text", &text, None, None, false));
        }
        for call in rec.tool_calls.iter().flatten().filter(|_| gemini) {
            let (name, call_id) = (call.name.as_deref(), call.id.as_deref());
            let args = call.args.map(payload_text).unwrap_or_default();
            blocks.push(c.block("tool_use", &args, name, call_id, false));
            if let Some(result) = call.result {
                let error = call.status.as_deref() == Some("error");
                let text = payload_text(result);
                blocks.push(c.block("tool_result", &text, name, call_id, error));
            }
        }
        if blocks.is_empty() {
            return;
        }
        out.content.push(ContentRecord {
            harness: Harness::GeminiCli,
            session_id: self.session_id(),
            message_key: id.to_string(),
            message_id: id.to_string(),
            role: if gemini { "assistant" } else { "user" },
            ts_ms,
            seq: ts_ms,
            blocks,
            replace: true,
        });
    }

    fn session_id(&self) -> String {
        self.state
            .session_id
            .clone()
            .unwrap_or_else(|| self.ctx.file_stem.clone())
    }

    fn project(&self) -> Option<String> {
        self.ctx
            .project
            .clone()
            .or_else(|| self.state.project.clone())
    }

    fn bad_line(&self, out: &mut Records, message: String) {
        super::lines::bad_line(out, self.line, message);
    }

    fn announce(&mut self, out: &mut Records, title: Option<String>) {
        if self.announced && title.is_none() {
            return;
        }
        self.announced = true;
        let parent = self.ctx.parent_session.clone().map(|p| {
            let evidence = format!("chats/{p}/ subagent chat");
            (p, Relationship::Subagent, evidence)
        });
        out.sessions.push(SessionInfo {
            harness: Some(Harness::GeminiCli),
            session_id: self.session_id(),
            project: self.project(),
            branch: None,
            title,
            parent,
        });
    }

    /// The header, a `$set` update or a legacy document: session id, project, messages.
    fn conversation(&mut self, rec: &Record<'_>, out: &mut Records) {
        if let Some(id) = rec.session_id.as_deref().filter(|s| !s.is_empty()) {
            if self.state.session_id.as_deref() != Some(id) {
                self.state.session_id = Some(id.to_string());
                self.announced = false;
            }
        }
        if let Some(dir) = rec.directories.as_ref().and_then(|d| d.first()) {
            if self.state.project.is_none() && !dir.is_empty() {
                self.state.project = Some(dir.clone());
                self.announced = false;
            }
        }
        self.announce(out, None);
        for msg in rec.messages.iter().flatten() {
            self.message(msg, out);
        }
    }

    /// One message record (re-appended ones included).
    fn message(&mut self, rec: &Record<'_>, out: &mut Records) {
        let Some(id) = rec.id.as_deref().filter(|s| !s.is_empty()) else {
            self.bad_line(out, "message record without id".into());
            return;
        };
        let Some(ts_ms) = rec
            .timestamp
            .as_deref()
            .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
        else {
            self.bad_line(out, format!("message {id}: no valid timestamp"));
            return;
        };
        if let Some(model) = rec.model.as_deref().filter(|m| !m.is_empty()) {
            if self.state.model.as_deref() != Some(model) {
                self.state.model = Some(model.to_string());
            }
        }
        self.announce(out, None);
        match rec.kind_of_message.as_deref() {
            Some("user") => {
                self.capture_message(id, ts_ms, rec, out);
                self.user(id, ts_ms, rec, out)
            }
            Some("gemini") => self.response(id, ts_ms, rec, out),
            // info, warning, error: the CLI's own notes, never sent to a model.
            _ => {}
        }
    }

    fn user(&mut self, id: &str, ts_ms: i64, rec: &Record<'_>, out: &mut Records) {
        let text = rec.content.map(parts_text).unwrap_or_default();
        if !self.state.titled && !text.trim().is_empty() {
            self.state.titled = true;
            let title: String = text.trim().chars().take(TITLE_CHARS).collect();
            self.announce(out, Some(title));
        }
        let bytes = text.len() as i64;
        out.user_turns.push(super::lines::user_turn(
            Harness::GeminiCli,
            self.session_id(),
            id.to_string(),
            ts_ms,
            None,
            super::lines::block("text", None, bytes, None),
        ));
    }

    fn response(&mut self, id: &str, ts_ms: i64, rec: &Record<'_>, out: &mut Records) {
        let calls: Vec<ToolCall> = rec
            .tool_calls
            .iter()
            .flatten()
            .filter_map(|c| {
                let call_id = c.id.as_deref().filter(|s| !s.is_empty())?;
                let name = c.name.as_deref().unwrap_or_default();
                Some(tool_call(
                    call_id.to_string(),
                    name.to_string(),
                    c.args,
                    tools::target_of,
                ))
            })
            .collect();
        let results: Vec<(String, i64, bool, i64)> = rec
            .tool_calls
            .iter()
            .flatten()
            .filter_map(|c| {
                let call_id = c.id.as_deref().filter(|s| !s.is_empty())?;
                let result = c.result?;
                let at = c
                    .timestamp
                    .as_deref()
                    .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
                    .unwrap_or(ts_ms);
                let error = c.status.as_deref() == Some("error");
                Some((call_id.to_string(), payload_bytes(result), error, at))
            })
            .collect();
        let usage = rec
            .tokens
            .map(|t| {
                GenAiCounts {
                    prompt: t.input.0,
                    candidates: t.output.0,
                    cached: t.cached.0,
                    thoughts: t.thoughts.0,
                    tool: t.tool.0,
                    total: t.total.0,
                }
                .usage()
            })
            .unwrap_or_default();
        let seen = (usage.total(), calls.len(), results.len());
        if self.emitted.get(id) == Some(&seen) {
            return;
        }
        self.emitted.insert(id.to_string(), seen);
        self.capture_message(id, ts_ms, rec, out);
        let session_id = self.session_id();
        // Tool results live in the response that called the tools: each is a user turn of
        // its own (the input of the next call), keyed by message and call.
        for (call_id, bytes, error, at) in results {
            out.user_turns.push(super::lines::user_turn(
                Harness::GeminiCli,
                session_id.clone(),
                format!("{id}/{call_id}"),
                at,
                Some(id.to_string()),
                super::lines::block("tool_result", Some(call_id), bytes, Some(error)),
            ));
        }
        // `tokens: null` (not yet reported) or all zero: no call to count yet.
        if usage.total() == 0 {
            return;
        }
        let key = format!("gemini-cli|{session_id}|{id}");
        let model = self.state.model.clone().unwrap_or_default();
        out.turns.push(TurnRecord {
            project: self.project(),
            tool_calls: calls,
            ..TurnRecord::call(
                Harness::GeminiCli,
                key,
                session_id,
                id.to_string(),
                ts_ms,
                model,
                usage,
            )
        });
    }

    fn record(&mut self, rec: &Record<'_>, out: &mut Records) {
        if rec.rewind_to.is_some() {
            // The rewound messages were sent and billed: nothing is taken back.
            return;
        }
        if let Some(set) = &rec.set {
            self.conversation(set, out);
            return;
        }
        if rec.id.is_some() && rec.kind_of_message.is_some() {
            self.message(rec, out);
        } else if rec.session_id.is_some() || rec.project_hash.is_some() || rec.messages.is_some() {
            self.conversation(rec, out);
        }
    }
}

impl LogReader for GeminiReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.line += 1;
        match super::lines::json_row::<Record<'_>>(line, "not a chat record") {
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

/// Records of a legacy `session-*.json` document (the whole conversation in one JSON object,
/// rewritten on every change). Unreadable: one skipped document.
pub fn legacy_records(doc: &str, ctx: FileContext, capture: Capture, out: &mut Records) {
    let mut reader = GeminiReader::new(ctx, GeminiState::default()).with_capture(capture);
    match serde_json::from_str::<Record<'_>>(doc) {
        Ok(rec) => reader.conversation(&rec, out),
        Err(e) => {
            out.lines_skipped += 1;
            out.bad_lines.push((0, format!("not a chat document: {e}")));
        }
    }
}

#[cfg(test)]
mod tests;
