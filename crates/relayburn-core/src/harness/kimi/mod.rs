//! Kimi reader: the `wire.jsonl` logs of Kimi CLI (`~/.kimi/sessions/<group>/<session>/`,
//! sub-agents under `<session>/subagents/<agent>/`) and of Kimi Code
//! (`~/.kimi-code/sessions/<workspace>/<session>/agents/<agent>/`).
//!
//! Kimi CLI writes one record per wire message, `{"timestamp": <unix s>, "message": {"type",
//! "payload"}}` after a `{"type":"metadata"}` header. A `StatusUpdate` carrying `token_usage`
//! is one model call (`message_id` names it); the same id is written again with growing counts
//! while the step runs, so the largest record wins (the writer keeps the larger total of one
//! key). The key is the message id alone, so a call is one row wherever it is read. A `/fork`
//! copies the source's lines into a new session and records when (`state.json`): rows up to
//! then are the source's and are skipped in the fork. A `SubagentEvent` wraps a
//! sub-agent's own events, which its own `wire.jsonl` also holds: they are not counted here.
//!
//! Kimi Code writes `{"type":"usage.record", "usage": {inputOther, output, inputCacheRead,
//! inputCacheCreation}, "usageScope", "model", "time": <ms>}`; only `usageScope:"turn"` records
//! are calls (`step.end` repeats them, `"session"` records are aggregates). The concrete model
//! is on the preceding `llm.request` when the record names a `__symbolic__` one.
//!
//! Token model: `input_other` is input without cache reads and writes already; no reasoning
//! count is written (it is inside `output`).

#[cfg(test)]
mod tests;

use super::lines::{bad_line, has, object_text, text_block, SessionContext, SessionReader};
use super::lines::{text_bytes, user_turn};
use super::wire::Count;
use super::LogReader;
use crate::hash::short_hex;
use crate::scan::Line;
use crate::vocab::records::{Records, ToolCall, TurnRecord, Usage};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The model Kimi CLI calls when its configuration names none.
pub const DEFAULT_MODEL: &str = "kimi-for-coding";
/// `kimi-for-coding` served Kimi K2.5 until this instant (2026-04-20T15:28Z) and K2.6 since.
const K2_6_SINCE_MS: i64 = 1_776_698_890_072;
/// Tool calls held for the next call at most (a step never makes this many).
const MAX_PENDING_TOOLS: usize = 512;

/// What the path and the store around a `wire.jsonl` say.
#[derive(Debug, Clone, Default)]
pub struct FileContext {
    pub session_id: String,
    /// A sub-agent's parent session.
    pub parent: Option<String>,
    /// The model Kimi CLI is configured with (Kimi Code names it per record).
    pub model: String,
    pub project: Option<String>,
    /// The Kimi Code layout (`usage.record` lines).
    pub code: bool,
    /// Kimi Code: the agent directory's name (part of the record keys).
    pub agent: String,
    /// A `/fork` (or `/undo`) copy: rows stamped at or before this instant (epoch ms) are the
    /// source session's, copied; they are not this session's calls or prompts.
    pub copied_until_ms: Option<i64>,
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

/// Cursor state: what a later pass needs to resume mid-file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KimiState {
    #[serde(default)]
    pub lines: i64,
    /// Kimi Code: the model of the last `llm.request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Tool calls of the step whose usage has not been read yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
}

pub type KimiReader = SessionReader<FileContext, KimiState>;

#[derive(Deserialize)]
struct Row<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<Envelope<'a>>,
    // Kimi Code
    #[serde(default)]
    usage: Option<Tokens>,
    #[serde(rename = "usageScope", borrow, default)]
    usage_scope: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    time: Count,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// Token counts: Kimi CLI's snake_case and Kimi Code's camelCase names.
#[derive(Deserialize, Default, Clone, Copy)]
struct Tokens {
    #[serde(alias = "inputOther", default)]
    input_other: Count,
    #[serde(default)]
    output: Count,
    #[serde(alias = "inputCacheRead", default)]
    input_cache_read: Count,
    #[serde(alias = "inputCacheCreation", default)]
    input_cache_creation: Count,
}

impl Tokens {
    fn usage(&self) -> Usage {
        Usage {
            input: self.input_other.0,
            output: self.output.0,
            reasoning: 0,
            cache_read: self.input_cache_read.0,
            cache_write_5m: self.input_cache_creation.0,
            cache_write_1h: 0,
        }
    }
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(default)]
    token_usage: Option<Tokens>,
    #[serde(borrow, default)]
    message_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TurnBegin<'a> {
    #[serde(borrow, default)]
    user_input: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ToolCallPayload<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    function: Option<Function<'a>>,
}

#[derive(Deserialize)]
struct Function<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arguments: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ToolResultPayload<'a> {
    #[serde(borrow, default)]
    tool_call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    return_value: Option<ReturnValue<'a>>,
}

#[derive(Deserialize)]
struct ReturnValue<'a> {
    #[serde(default)]
    is_error: Option<bool>,
    #[serde(borrow, default)]
    output: Option<&'a RawValue>,
}

impl LogReader for KimiReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.state.lines += 1;
        self.announce(
            out,
            Harness::KimiCli,
            "subagents/ directory of the parent session",
        );
        let line_no = self.state.lines;
        let Some(text) = object_text(line, line_no, out) else {
            return;
        };
        let bytes = text.as_bytes();
        // Cheap rejection: only rows that carry usage, prompts, tool calls or a model.
        let wanted = [
            &b"StatusUpdate"[..],
            b"usage.record",
            b"llm.request",
            b"TurnBegin",
            b"ToolCall",
            b"ToolResult",
        ];
        if !wanted.iter().any(|n| has(bytes, n)) {
            return;
        }
        let row: Row<'_> = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => return bad_line(out, line_no, format!("unreadable JSON: {e}")),
        };
        match (&row.kind, &row.message) {
            (Some(k), _) if k == "usage.record" => self.usage_record(&row, line.offset, out),
            (Some(k), _) if k == "llm.request" => {
                if let Some(m) = row.model.as_deref().and_then(concrete_model) {
                    self.state.model = Some(m);
                }
            }
            (_, Some(env)) => self.message(&row, env, line.offset, out),
            _ => {}
        }
    }

    fn finish(&mut self, _idle: bool, _out: &mut Records) {
        // Every call is written when its usage is read (a repeat only raises it).
    }

    fn state_json(&self) -> String {
        self.saved_state()
    }

    fn pending(&self) -> i64 {
        0
    }
}

impl KimiReader {
    fn message(&mut self, row: &Row<'_>, env: &Envelope<'_>, offset: u64, out: &mut Records) {
        let line_no = self.state.lines;
        let ts = row
            .timestamp
            .and_then(super::lines::timestamp_ms)
            .unwrap_or(0);
        let Some(payload) = env.payload else {
            return;
        };
        if self.ctx.copied_until_ms.is_some_and(|until| ts <= until) {
            return;
        }
        match env.kind.as_ref() {
            "StatusUpdate" => {
                let status: Status<'_> = match serde_json::from_str(payload.get()) {
                    Ok(s) => s,
                    Err(e) => {
                        return bad_line(out, line_no, format!("unreadable StatusUpdate: {e}"))
                    }
                };
                // Context and plan-mode updates carry no usage.
                let Some(tokens) = status.token_usage else {
                    return;
                };
                let usage = tokens.usage();
                if usage.total() == 0 {
                    return;
                }
                let id = status.message_id.as_deref().filter(|s| !s.is_empty());
                let key = match id {
                    Some(id) => format!("kimi-cli|{id}"),
                    None => format!("kimi-cli|{}|{ts}", self.ctx.session_id),
                };
                let message_id = id.map(str::to_string).unwrap_or_else(|| key.clone());
                let model = cli_model(&self.ctx.model, ts);
                self.push_turn(out, key, message_id.clone(), ts, model, usage);
                self.state.last_message = Some(message_id);
            }
            "TurnBegin" => {
                let Ok(begin) = serde_json::from_str::<TurnBegin<'_>>(payload.get()) else {
                    return bad_line(out, line_no, "unreadable TurnBegin".into());
                };
                let bytes = begin.user_input.map(text_bytes).unwrap_or(0);
                self.user_turn(out, offset, ts, text_block(bytes, None, None));
                if !self.capture.is_off() {
                    let text = begin
                        .user_input
                        .map(super::lines::text_of)
                        .unwrap_or_default();
                    let key = format!("{}@{offset}", self.ctx.agent);
                    let (s, c) = (&self.ctx.session_id, &self.capture);
                    let rec = super::lines::user_content(
                        c,
                        Harness::KimiCli,
                        s,
                        &key,
                        &key,
                        ts,
                        offset as i64,
                        &text,
                    );
                    out.content.extend(rec);
                }
            }
            "ToolCall" => {
                let Ok(call) = serde_json::from_str::<ToolCallPayload<'_>>(payload.get()) else {
                    return bad_line(out, line_no, "unreadable ToolCall".into());
                };
                let (Some(id), Some(f)) = (call.id, call.function) else {
                    return;
                };
                let name = f.name.as_deref().unwrap_or("").to_string();
                let tool = tool_call(id.into_owned(), name, f.arguments.as_deref());
                if self.state.tools.len() < MAX_PENDING_TOOLS {
                    self.state.tools.push(tool);
                }
            }
            "ToolResult" => {
                let Ok(result) = serde_json::from_str::<ToolResultPayload<'_>>(payload.get())
                else {
                    return bad_line(out, line_no, "unreadable ToolResult".into());
                };
                let Some(id) = result.tool_call_id else {
                    return;
                };
                let rv = result.return_value;
                let bytes = rv
                    .as_ref()
                    .and_then(|r| r.output)
                    .map(super::wire::payload_bytes)
                    .unwrap_or(0);
                let err = rv.and_then(|r| r.is_error);
                self.user_turn(
                    out,
                    offset,
                    ts,
                    text_block(bytes, Some(id.into_owned()), err),
                );
            }
            // SubagentEvent and the rest: nothing to count here.
            _ => {}
        }
    }

    fn usage_record(&mut self, row: &Row<'_>, offset: u64, out: &mut Records) {
        // `step.end` repeats the call; "session" records are aggregates; no scope: aggregate.
        if row.usage_scope.as_deref() != Some("turn") {
            return;
        }
        let Some(tokens) = row.usage else {
            return;
        };
        let usage = tokens.usage();
        if usage.total() == 0 {
            return;
        }
        let ts = row.time.0;
        let model = row
            .model
            .as_deref()
            .and_then(concrete_model)
            .or_else(|| self.state.model.clone())
            .unwrap_or_else(|| DEFAULT_MODEL.to_string());
        let model = cli_model(&model, ts);
        // No call id is written: the record's time, agent and counts name it (a re-read
        // or a copy lands on the same key).
        let key = format!(
            "kimi-cli|code|{}/{}|{ts}|{}.{}.{}.{}",
            self.ctx.session_id,
            self.ctx.agent,
            usage.input,
            usage.output,
            usage.cache_read,
            usage.cache_write_5m
        );
        let message_id = format!("{}@{offset}", self.ctx.agent);
        self.push_turn(out, key, message_id.clone(), ts, model, usage);
        self.state.last_message = Some(message_id);
    }

    fn push_turn(
        &mut self,
        out: &mut Records,
        key: String,
        message_id: String,
        ts_ms: i64,
        model: String,
        usage: Usage,
    ) {
        let session = self.ctx.session_id.clone();
        out.turns.push(TurnRecord {
            provider: Some("moonshot".into()),
            project: self.ctx.project.clone(),
            tool_calls: std::mem::take(&mut self.state.tools),
            ..TurnRecord::call(
                Harness::KimiCli,
                key,
                session,
                message_id,
                ts_ms,
                model,
                usage,
            )
        });
    }

    fn user_turn(
        &mut self,
        out: &mut Records,
        offset: u64,
        ts_ms: i64,
        block: crate::vocab::records::UserTurnBlock,
    ) {
        out.user_turns.push(user_turn(
            Harness::KimiCli,
            self.ctx.session_id.clone(),
            format!("{}@{offset}", self.ctx.agent),
            ts_ms,
            self.state.last_message.clone(),
            block,
        ));
    }
}

/// A Kimi Code model name without its `kimi-code/` namespace; `None` for a symbolic
/// configuration reference (`__kimi_env_model__`) that names no model.
fn concrete_model(model: &str) -> Option<String> {
    let m = model.trim();
    let m = m.strip_prefix("kimi-code/").unwrap_or(m).trim();
    let symbolic = m.len() >= 4 && m.starts_with("__") && m.ends_with("__");
    (!m.is_empty() && !symbolic).then(|| m.to_string())
}

/// `kimi-for-coding` is the coding plan's alias: the model it served at `ts_ms`.
fn cli_model(model: &str, ts_ms: i64) -> String {
    if model == DEFAULT_MODEL {
        return if ts_ms < K2_6_SINCE_MS {
            "kimi-k2.5".into()
        } else {
            "kimi-k2.6".into()
        };
    }
    model.to_string()
}

/// A tool call: `arguments` is a JSON string; the target is the path or command it names.
fn tool_call(id: String, name: String, arguments: Option<&str>) -> ToolCall {
    let args: serde_json::Value = arguments
        .and_then(|a| serde_json::from_str(a).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    let get = |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let target = match name.as_str() {
        "Shell" => get("command"),
        "ReadFile" | "WriteFile" | "StrReplaceFile" | "ReadMediaFile" => get("path"),
        "Glob" | "Grep" => get("pattern"),
        "FetchURL" => get("url"),
        "SearchWeb" => get("query"),
        _ => None,
    };
    ToolCall {
        args_hash: short_hex(args.to_string().as_bytes()),
        id,
        name,
        target,
    }
}

/// What a `wire.jsonl`'s place says: its session (a Kimi CLI sub-agent's id is
/// `<session>/<agent>` under its parent), the layout, and the model Kimi CLI is configured
/// with (`config.json` beside `sessions/`: `default_model`, resolved through `models`, or
/// `model`; else [`DEFAULT_MODEL`]).
pub fn context_for(path: &std::path::Path) -> FileContext {
    let name = |p: Option<&std::path::Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let dir = path.parent();
    let up = |n: usize| path.ancestors().nth(n);
    let above_dir = name(up(2));
    let mut ctx = FileContext::default();
    let home;
    if above_dir == "agents" {
        // <home>/sessions/<workspace>/<session>/agents/<agent>/wire.jsonl
        ctx.code = true;
        ctx.agent = name(dir);
        ctx.session_id = name(up(3));
        home = up(6);
        ctx.project = home.and_then(|h| code_workspace(h, &name(up(4)), &ctx.session_id));
    } else if above_dir == "subagents" {
        // <home>/sessions/<group>/<session>/subagents/<agent>/wire.jsonl
        let parent = name(up(3));
        ctx.agent = name(dir);
        ctx.session_id = format!("{parent}/{}", ctx.agent);
        ctx.parent = Some(parent);
        home = up(6);
    } else {
        // <home>/sessions/<group>/<session>/wire.jsonl
        ctx.session_id = name(dir);
        ctx.agent = "main".into();
        ctx.copied_until_ms = dir.and_then(fork_point);
        home = up(4);
    }
    ctx.model = home
        .and_then(configured_model)
        .unwrap_or_else(|| DEFAULT_MODEL.into());
    ctx
}

/// When a forked session's copy of its source ends: Kimi CLI writes the copied lines, titles
/// the session `Fork: …` (`Undo: …` for an undo) and stores the new file's mtime as
/// `wire_mtime` (seconds) in its `state.json`; later rows are the fork's own.
fn fork_point(session_dir: &std::path::Path) -> Option<i64> {
    let text =
        crate::files::read_regular_to_string(&session_dir.join("state.json"), 1 << 20).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let title = v.get("custom_title")?.as_str()?;
    if !(title.starts_with("Fork: ") || title.starts_with("Undo: ")) {
        return None;
    }
    let secs = v.get("wire_mtime")?.as_f64()?;
    (secs.is_finite() && secs > 0.0).then_some((secs * 1000.0) as i64)
}

/// The model named by Kimi CLI's `config.json` in `home`.
fn configured_model(home: &std::path::Path) -> Option<String> {
    let text = crate::files::read_regular_to_string(&home.join("config.json"), 1 << 20).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let s = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(name) = s(v.get("default_model")) {
        let concrete = s(v
            .get("models")
            .and_then(|m| m.get(&name))
            .and_then(|m| m.get("model")));
        return Some(concrete.unwrap_or(name));
    }
    s(v.get("model"))
}

/// Kimi Code's project directory of a session: `workspaces.json` (`{"workspaces": {<slug>:
/// {"root"}}}`), else `session_index.jsonl` (`{"sessionId", "workDir"}` lines).
fn code_workspace(home: &std::path::Path, slug: &str, session: &str) -> Option<String> {
    let read = |f: &str| crate::files::read_regular_to_string(&home.join(f), 16 << 20).ok();
    if let Some(text) = read("workspaces.json") {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let root = v
            .get("workspaces")
            .and_then(|w| w.get(slug))
            .and_then(|w| w.get("root"));
        if let Some(root) = root.and_then(|r| r.as_str()).filter(|r| !r.is_empty()) {
            return Some(root.to_string());
        }
    }
    let text = read("session_index.jsonl")?;
    text.lines().find_map(|line| {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        (v.get("sessionId")?.as_str()? == session)
            .then(|| v.get("workDir")?.as_str().map(str::to_string))
            .flatten()
    })
}
