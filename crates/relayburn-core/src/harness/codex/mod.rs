//! Codex CLI rollouts (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl` and
//! `$CODEX_HOME/archived_sessions/`).
//!
//! Counting rules (DESIGN §3): Codex logs cumulative `total_token_usage` snapshots in
//! `event_msg/token_count` rows. A turn (from `task_started` to `task_complete`, or from one
//! user prompt to the next in rollouts without task events) is charged the growth of that
//! cumulative vector while it is open: a repeated snapshot adds nothing, a smaller one
//! subtracts nothing. Input is reported without its cached part (which is `cache_read`);
//! output includes reasoning, which is also reported alone.
//!
//! Forks and spawned subagents (`session_meta` naming a parent) start by replaying the
//! parent's rows, `token_count`s included, and then continue the parent's cumulative totals.
//! The replay is written in one burst when the child is created: rows stamped at or before
//! that instant (plus [`REPLAY_BURST_MS`]) only move the baseline and produce nothing; the
//! child is charged only what its totals grow beyond it (harness-formats §3.8).
//!
//! Everything needed to continue mid-file (last snapshot, open turn, model, counters) lives
//! in [`CodexState`], which the cursor stores.

mod tools;
mod wire;

use super::records::{
    CompactionRecord, Records, Relationship, SessionInfo, ToolCall, TurnRecord, Usage,
    UserTurnBlock, UserTurnRecord,
};
use super::Harness;
use crate::content::{Capture, ContentBlock as Block, ContentRecord};
use crate::scan::Line;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use wire::{ContentBlock, Envelope, Payload, Source, TokenUsage};

/// Rows of a fork or subagent rollout stamped up to this long after its `session_meta` are
/// the replayed parent history (Codex writes it in one burst, well under a second).
pub const REPLAY_BURST_MS: i64 = 2_000;
/// At most this many bad lines per file are described in the report (all are counted).
const MAX_BAD_LINES_REPORTED: usize = 5;
const TITLE_CHARS: usize = 120;

/// Which file is read.
#[derive(Debug, Clone)]
pub struct FileContext {
    /// The file name without `.jsonl` (`rollout-<time>-<uuid>`): the session id fallback.
    pub file_stem: String,
}

/// A cumulative `total_token_usage` snapshot (OpenAI semantics: input includes cached
/// input, output includes reasoning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub input: i64,
    pub cached: i64,
    pub output: i64,
    pub reasoning: i64,
}

impl Totals {
    fn of(u: &TokenUsage) -> Totals {
        Totals {
            input: u.input_tokens.0,
            cached: u.cached_input_tokens.0,
            output: u.output_tokens.0,
            reasoning: u.reasoning_output_tokens.0,
        }
    }

    fn sum(&self) -> i64 {
        self.input + self.output
    }

    fn is_zero(&self) -> bool {
        *self == Totals::default()
    }

    fn covers(&self, other: &Totals) -> bool {
        self.input >= other.input
            && self.cached >= other.cached
            && self.output >= other.output
            && self.reasoning >= other.reasoning
    }

    /// Component-wise growth from `base` (never negative).
    fn minus(&self, base: &Totals) -> Totals {
        Totals {
            input: (self.input - base.input).max(0),
            cached: (self.cached - base.cached).max(0),
            output: (self.output - base.output).max(0),
            reasoning: (self.reasoning - base.reasoning).max(0),
        }
    }

    fn usage(&self) -> Usage {
        Usage {
            input: (self.input - self.cached).max(0),
            output: self.output,
            reasoning: self.reasoning,
            cache_read: self.cached,
            cache_write_5m: 0,
            cache_write_1h: 0,
        }
    }
}

/// What one new cumulative snapshot adds. `call` is the row's `last_token_usage` (the
/// response's own usage), used only to recognise counters that restarted at zero and, in a
/// child rollout with no baseline, to avoid charging inherited totals.
fn growth(last: Option<Totals>, now: Totals, call: Option<Totals>, child: bool) -> Totals {
    match last {
        Some(l) if now == l => Totals::default(),
        Some(l) if now.sum() >= l.sum() => now.minus(&l),
        // Totals went down: a counter restarted at zero counts from zero (its first
        // snapshot equals its own response); anything else only rebases.
        Some(_) if call == Some(now) => now,
        Some(_) => Totals::default(),
        None if !child || call == Some(now) => now,
        // A child whose inherited history was not replayed: charge this response only.
        None => call.filter(|c| now.covers(c)).unwrap_or_default(),
    }
}

/// Parser state carried between passes in the file's cursor.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CodexState {
    /// Lines seen so far (line numbers in reports, stable keys).
    #[serde(default)]
    pub lines: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The model of the latest `turn_context` (or other row naming one).
    #[serde(default)]
    pub model: String,
    /// The rollout names a parent (fork, subagent, continuation).
    #[serde(default)]
    pub child: bool,
    /// Still inside a child's replayed parent history, which ends at this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_until_ms: Option<i64>,
    /// The last cumulative snapshot (the baseline of the next growth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Totals>,
    /// Input tokens of the latest response: the context size a compaction discards.
    #[serde(default)]
    pub last_call_input: i64,
    #[serde(default)]
    pub last_ts_ms: i64,
    /// Turns opened so far (the ordinal in turn keys).
    #[serde(default)]
    pub turns: i64,
    /// The rollout has `task_started` events (else user prompts delimit turns).
    #[serde(default)]
    pub task_events: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<Turn>,
    /// The last closed turn: a `token_count` that arrives after `task_complete` is its.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Turn>,
    #[serde(default)]
    pub titled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Turn {
    key: String,
    message_id: String,
    /// Ordinal of the turn in its file.
    n: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    turn_id: Option<String>,
    ts_ms: i64,
    model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    growth: Totals,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall>,
    /// The growth last written to the ledger (None: never written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    emitted: Option<Totals>,
    #[serde(default)]
    emitted_complete: bool,
    #[serde(default)]
    complete: bool,
}

impl Turn {
    fn has_activity(&self) -> bool {
        !self.growth.is_zero() || !self.tool_calls.is_empty()
    }

    fn matches(&self, turn_id: Option<&str>) -> bool {
        match (turn_id, self.turn_id.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

pub struct CodexReader {
    ctx: FileContext,
    state: CodexState,
    announced: bool,
    capture: Capture,
    /// File offset of the line being read (the content's conversation position).
    offset: i64,
}

impl super::LogReader for CodexReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.feed_line(line, out);
    }

    fn finish(&mut self, idle: bool, out: &mut Records) {
        // A turn that never completes (interrupted, crashed) is written with what it has
        // once the file is idle, and updated if it later grows or completes.
        if idle {
            let (session, branch, provider) = self.ids();
            if let Some(t) = self.state.open.as_mut() {
                emit(t, &session, &branch, &provider, out);
            }
        }
    }

    fn state_json(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    fn pending(&self) -> i64 {
        self.state
            .open
            .as_ref()
            .is_some_and(|t| !t.growth.is_zero() && t.emitted != Some(t.growth)) as i64
    }
}

impl CodexReader {
    pub fn new(ctx: FileContext, state: CodexState) -> Self {
        CodexReader {
            ctx,
            state,
            announced: false,
            capture: Capture::default(),
            offset: 0,
        }
    }

    /// Captures conversation content as `capture` says (default: off).
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    pub fn state(&self) -> &CodexState {
        &self.state
    }

    /// Reads one complete line.
    pub fn feed_line(&mut self, line: &Line<'_>, out: &mut Records) {
        self.state.lines += 1;
        self.offset = line.offset as i64;
        if line.oversized {
            self.bad_line(out, "line longer than the 64 MiB limit".into());
            return;
        }
        let bytes = line.bytes.trim_ascii();
        if bytes.is_empty() {
            return;
        }
        if !(bytes.starts_with(b"{") && bytes.ends_with(b"}")) {
            self.bad_line(out, "not a JSON object".into());
            return;
        }
        if skippable(bytes) {
            return;
        }
        let env: Envelope<'_> = match serde_json::from_slice(bytes) {
            Ok(env) => env,
            Err(e) => {
                self.bad_line(out, format!("unreadable row: {e}"));
                return;
            }
        };
        let Some(raw) = env.payload.filter(|p| p.get().starts_with('{')) else {
            return;
        };
        let kind = env.kind.as_deref().unwrap_or("");
        if !matches!(
            kind,
            "session_meta" | "turn_context" | "event_msg" | "response_item" | "compacted"
        ) {
            return;
        }
        // Most rows are reasoning, messages and command events that cannot matter: skip them
        // before the full parse when the payload states its type first (as Codex writes it).
        if matches!(kind, "event_msg" | "response_item") {
            if let Some(ptype) = leading_type(raw.get()) {
                if !handled(kind, ptype) {
                    return;
                }
            }
        }
        let p: Payload<'_> = match serde_json::from_str(raw.get()) {
            Ok(p) => p,
            Err(e) => {
                self.bad_line(out, format!("unreadable {kind} payload: {e}"));
                return;
            }
        };
        // Rows without a readable timestamp take the previous row's.
        let ts = match env.timestamp.as_deref() {
            Some(t) => match crate::time::parse_instant_ms("timestamp", t) {
                Ok(ms) => ms,
                Err(e) => {
                    self.bad_line(out, e.to_string());
                    return;
                }
            },
            None => self.state.last_ts_ms,
        };
        self.state.last_ts_ms = ts;
        let replayed = self.replayed(ts);
        let ptype = p.kind.as_deref().unwrap_or("");
        match (kind, ptype) {
            ("session_meta", _) => self.session_meta(&p, ts, out),
            ("turn_context", _) => self.turn_context_row(&p, ts, out),
            ("event_msg", "token_count") => self.token_count(&p, ts, replayed, out),
            ("event_msg", "task_started" | "turn_started") => {
                self.state.task_events = true;
                self.open_turn(p.turn_id.as_deref(), ts, out);
            }
            ("event_msg", "task_complete" | "turn_complete") => {
                self.close_turn(p.turn_id.as_deref(), true, out)
            }
            ("event_msg", "turn_aborted") => self.close_turn(p.turn_id.as_deref(), false, out),
            ("event_msg", "user_message") => {
                let text = p
                    .message
                    .and_then(|m| serde_json::from_str::<Cow<'_, str>>(m.get()).ok());
                if let Some(text) = text.filter(|t| !is_boilerplate(t)) {
                    self.prompt(&text, ts, replayed, out);
                }
            }
            ("response_item", "message") if p.role.as_deref() == Some("user") => {
                self.user_message(&p, ts, replayed, out)
            }
            ("response_item", "function_call" | "custom_tool_call" | "local_shell_call") => {
                self.tool_call(&p, ptype, ts, out)
            }
            ("response_item", "function_call_output" | "custom_tool_call_output") if !replayed => {
                self.tool_output(&p, ts, out)
            }
            ("compacted", _) if !replayed => self.compaction(ts, out),
            _ => {}
        }
        if !replayed && self.capture.wants(ts) {
            self.capture_row(kind, ptype, &p, ts, out);
        }
    }

    /// Content of a message, tool call or tool output row (replayed parent rows are the
    /// parent's content, not stored again). Reasoning is encrypted and not captured.
    fn capture_row(&self, kind: &str, ptype: &str, p: &Payload<'_>, ts: i64, out: &mut Records) {
        if kind != "response_item" {
            return;
        }
        let c = &self.capture;
        let (role, blocks): (&'static str, Vec<Block>) = match ptype {
            "message" => {
                let role = match p.role.as_deref() {
                    Some("user") => "user",
                    Some("assistant") => "assistant",
                    _ => return,
                };
                let Some(content) = p.content.filter(|c| c.get().starts_with('[')) else {
                    return;
                };
                let Ok(items) = serde_json::from_str::<Vec<ContentBlock<'_>>>(content.get()) else {
                    return;
                };
                let blocks = items
                    .iter()
                    .filter_map(|b| b.text.as_deref())
                    .filter(|t| !t.trim().is_empty())
                    .filter(|t| role != "user" || !is_boilerplate(t))
                    .map(|t| c.block("text", t, None, None, false))
                    .collect();
                (role, blocks)
            }
            "function_call" | "custom_tool_call" | "local_shell_call" => {
                let input = match ptype {
                    "function_call" => p.arguments,
                    "custom_tool_call" => p.input,
                    _ => p.action,
                };
                let text = input.map(wire::payload_text).unwrap_or_default();
                let name = non_empty(&p.name).unwrap_or_else(|| "local_shell".into());
                let id = non_empty(&p.call_id).or_else(|| non_empty(&p.id));
                let block = c.block("tool_use", &text, Some(&name), id.as_deref(), false);
                ("assistant", vec![block])
            }
            "function_call_output" | "custom_tool_call_output" => {
                let text = p.output.map(wire::payload_text).unwrap_or_default();
                let id = non_empty(&p.call_id);
                let block = c.block("tool_result", &text, None, id.as_deref(), false);
                ("user", vec![block])
            }
            _ => return,
        };
        if blocks.is_empty() {
            return;
        }
        let key = format!("@{}", self.offset);
        let message_id = match role {
            "assistant" => self.last_message_id().unwrap_or_else(|| key.clone()),
            _ => key.clone(),
        };
        out.content.push(ContentRecord {
            harness: Harness::Codex,
            session_id: self.session(),
            message_key: key,
            message_id,
            role,
            ts_ms: ts,
            seq: self.offset,
            blocks,
            replace: false,
        });
    }

    fn bad_line(&mut self, out: &mut Records, message: String) {
        out.lines_skipped += 1;
        if out.bad_lines.len() < MAX_BAD_LINES_REPORTED {
            out.bad_lines.push((self.state.lines, message));
        }
    }

    /// Whether a row stamped `ts` belongs to a child's replayed parent history. The first
    /// row past the burst ends the replay for good.
    fn replayed(&mut self, ts: i64) -> bool {
        match self.state.replay_until_ms {
            Some(until) if ts <= until => true,
            Some(_) => {
                self.state.replay_until_ms = None;
                false
            }
            None => false,
        }
    }

    /// The session id: `session_meta.payload.id`, else the uuid at the end of the file name.
    fn session(&self) -> String {
        if let Some(id) = &self.state.session_id {
            return id.clone();
        }
        let stem = &self.ctx.file_stem;
        match stem.len().checked_sub(36).and_then(|i| stem.get(i..)) {
            Some(tail) if looks_like_uuid(tail) => tail.to_string(),
            _ => stem.clone(),
        }
    }

    /// Session id, branch and provider, for writing a turn.
    fn ids(&self) -> (String, Option<String>, String) {
        (
            self.session(),
            self.state.branch.clone(),
            self.state
                .provider
                .clone()
                .unwrap_or_else(|| "openai".into()),
        )
    }

    /// Announces the session once per pass (rows seen before any `session_meta`).
    fn announce(&mut self, out: &mut Records) {
        if !self.announced {
            self.announced = true;
            out.sessions.push(SessionInfo {
                harness: Some(Harness::Codex),
                session_id: self.session(),
                project: self.state.project.clone(),
                branch: self.state.branch.clone(),
                ..Default::default()
            });
        }
    }

    fn session_meta(&mut self, p: &Payload<'_>, ts: i64, out: &mut Records) {
        let Some(id) = non_empty(&p.id) else {
            return;
        };
        // The first one is this rollout's; a later one is an embedded parent's (replay).
        if self.state.session_id.is_some() {
            return;
        }
        self.state.session_id = Some(id.clone());
        self.state.project = non_empty(&p.cwd);
        self.state.branch = p.git.as_ref().and_then(|g| non_empty(&g.branch));
        self.state.provider = non_empty(&p.model_provider);
        if let Some(m) = non_empty(&p.model) {
            self.state.model = m;
        }
        let parent = parent_of(p).filter(|(parent, _, _)| *parent != id);
        if parent.is_some() {
            self.state.child = true;
            // The replay follows the child's creation (the later of the row's and the
            // session's own timestamp).
            let created = p
                .timestamp
                .as_deref()
                .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
                .map_or(ts, |c| c.max(ts));
            self.state.replay_until_ms = Some(created + REPLAY_BURST_MS);
        }
        self.announced = true;
        out.sessions.push(SessionInfo {
            harness: Some(Harness::Codex),
            session_id: id,
            project: self.state.project.clone(),
            branch: self.state.branch.clone(),
            title: None,
            parent,
        });
    }

    fn turn_context_row(&mut self, p: &Payload<'_>, ts: i64, out: &mut Records) {
        let model = non_empty(&p.model);
        if let Some(m) = &model {
            self.state.model = m.clone();
        }
        let cwd = non_empty(&p.cwd);
        // Without task events, each turn writes one turn_context: it starts the turn.
        if !self.state.task_events && self.state.open.as_ref().is_none_or(Turn::has_activity) {
            self.open_turn(p.turn_id.as_deref(), ts, out);
        }
        if let Some(t) = self.state.open.as_mut() {
            if t.matches(p.turn_id.as_deref()) {
                if let Some(m) = model {
                    t.model = m;
                }
                if cwd.is_some() {
                    t.project = cwd;
                }
            }
        }
    }

    fn open_turn(&mut self, turn_id: Option<&str>, ts: i64, out: &mut Records) {
        // A turn that has done nothing yet (a `turn_context` just before `task_started`)
        // is replaced, keeping its ordinal.
        let n = match self.state.open.take_if(|t| !t.has_activity()) {
            Some(empty) => empty.n,
            None => {
                self.close_turn(None, false, out);
                self.state.turns += 1;
                self.state.turns
            }
        };
        self.announce(out);
        let session = self.session();
        let message_id = turn_id.map_or_else(|| format!("turn-{n}"), str::to_string);
        self.state.open = Some(Turn {
            // The ordinal keeps keys unique when a turn id repeats (counters restart when a
            // session is resumed) and gives id-less turns a stable key.
            key: format!(
                "{}|{session}|{}|{n}",
                Harness::Codex.as_str(),
                turn_id.unwrap_or("")
            ),
            message_id,
            n,
            turn_id: turn_id.map(str::to_string),
            ts_ms: ts,
            model: self.state.model.clone(),
            project: self.state.project.clone(),
            growth: Totals::default(),
            tool_calls: Vec::new(),
            emitted: None,
            emitted_complete: false,
            complete: false,
        });
    }

    /// Ends the open turn (when `turn_id` matches it, or unconditionally for `None` with
    /// `complete = false`) and writes it if it used tokens.
    fn close_turn(&mut self, turn_id: Option<&str>, complete: bool, out: &mut Records) {
        if !self.state.open.as_ref().is_some_and(|t| t.matches(turn_id)) {
            return;
        }
        let Some(mut t) = self.state.open.take() else {
            return;
        };
        t.complete = complete;
        let (session, branch, provider) = self.ids();
        emit(&mut t, &session, &branch, &provider, out);
        self.state.closed = Some(t);
    }

    fn token_count(&mut self, p: &Payload<'_>, ts: i64, replayed: bool, out: &mut Records) {
        let Some(info) = &p.info else {
            return;
        };
        if let Some(m) = non_empty(&info.model) {
            self.state.model = m;
        }
        let call = info.last_token_usage.as_ref().map(Totals::of);
        if let Some(c) = call {
            self.state.last_call_input = c.input;
        }
        let Some(now) = info.total_token_usage.as_ref().map(Totals::of) else {
            return;
        };
        let last = self.state.last.replace(now);
        if replayed {
            // The parent's history: it only moves the baseline.
            return;
        }
        let grown = growth(last, now, call, self.state.child);
        if grown.is_zero() {
            return;
        }
        let (session, branch, provider) = self.ids();
        if self.state.open.is_none() {
            match self.state.closed.as_mut() {
                // A late snapshot of a finished turn: rewrite that turn, larger.
                Some(t) if self.state.task_events => {
                    add(&mut t.growth, &grown);
                    emit(t, &session, &branch, &provider, out);
                    return;
                }
                _ => self.open_turn(None, ts, out),
            }
        }
        if let Some(t) = self.state.open.as_mut() {
            add(&mut t.growth, &grown);
        }
    }

    /// A typed user prompt: sets the title and, without task events, starts a turn.
    fn prompt(&mut self, text: &str, ts: i64, replayed: bool, out: &mut Records) {
        if replayed {
            return;
        }
        if !self.state.task_events && self.state.open.as_ref().is_none_or(Turn::has_activity) {
            self.open_turn(None, ts, out);
        }
        if !self.state.titled {
            self.state.titled = true;
            out.sessions.push(SessionInfo {
                harness: Some(Harness::Codex),
                session_id: self.session(),
                title: Some(text.trim().chars().take(TITLE_CHARS).collect()),
                ..Default::default()
            });
        }
    }

    fn user_message(&mut self, p: &Payload<'_>, ts: i64, replayed: bool, out: &mut Records) {
        let Some(content) = p.content.filter(|c| c.get().starts_with('[')) else {
            return;
        };
        let Ok(blocks) = serde_json::from_str::<Vec<ContentBlock<'_>>>(content.get()) else {
            return;
        };
        let texts: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b.text.as_deref())
            .filter(|t| !t.trim().is_empty() && !is_boilerplate(t))
            .collect();
        if texts.is_empty() || replayed {
            return;
        }
        self.prompt(texts[0], ts, false, out);
        out.user_turns.push(UserTurnRecord {
            harness: Harness::Codex,
            session_id: self.session(),
            uuid: format!("line-{}", self.state.lines),
            ts_ms: ts,
            preceding_message_id: self.last_message_id(),
            blocks: texts
                .iter()
                .map(|t| text_block(t.len() as i64, None))
                .collect(),
        });
    }

    fn tool_call(&mut self, p: &Payload<'_>, kind: &str, ts: i64, out: &mut Records) {
        let Some(id) = non_empty(&p.call_id).or_else(|| non_empty(&p.id)) else {
            return;
        };
        let name = non_empty(&p.name);
        let call = match kind {
            "function_call" => {
                let Some(name) = name else { return };
                tools::function_call(id, name, p.arguments.map(|r| r.get()))
            }
            "custom_tool_call" => {
                let Some(name) = name else { return };
                tools::custom_call(id, name, p.input.map(|r| r.get()))
            }
            _ => tools::local_shell_call(id, p.action.map(|r| r.get())),
        };
        if self.state.open.is_none() {
            self.open_turn(None, ts, out);
        }
        if let Some(t) = self.state.open.as_mut() {
            if !t.tool_calls.iter().any(|c| c.id == call.id) {
                t.tool_calls.push(call);
            }
        }
    }

    fn tool_output(&mut self, p: &Payload<'_>, ts: i64, out: &mut Records) {
        let Some(call_id) = non_empty(&p.call_id) else {
            return;
        };
        let bytes = p.output.map(wire::payload_bytes).unwrap_or(0);
        out.user_turns.push(UserTurnRecord {
            harness: Harness::Codex,
            session_id: self.session(),
            uuid: format!("output-{call_id}"),
            ts_ms: ts,
            preceding_message_id: self.last_message_id(),
            blocks: vec![text_block(bytes, Some(call_id))],
        });
    }

    fn compaction(&mut self, ts: i64, out: &mut Records) {
        out.compactions.push(CompactionRecord {
            harness: Harness::Codex,
            session_id: self.session(),
            key: format!("line-{}", self.state.lines),
            ts_ms: ts,
            preceding_message_id: self.last_message_id(),
            tokens_before: Some(self.state.last_call_input).filter(|n| *n > 0),
        });
    }

    /// The turn a user row or compaction follows (the open one, else the last closed one).
    fn last_message_id(&self) -> Option<String> {
        self.state
            .open
            .as_ref()
            .or(self.state.closed.as_ref())
            .map(|t| t.message_id.clone())
    }
}

/// Writes `t` if it used tokens and changed since it was last written.
fn emit(t: &mut Turn, session: &str, branch: &Option<String>, provider: &str, out: &mut Records) {
    if t.growth.is_zero() || (t.emitted == Some(t.growth) && t.emitted_complete == t.complete) {
        return;
    }
    t.emitted = Some(t.growth);
    t.emitted_complete = t.complete;
    out.turns.push(TurnRecord {
        harness: Harness::Codex,
        key: t.key.clone(),
        session_id: session.to_string(),
        message_id: t.message_id.clone(),
        request_id: None,
        ts_ms: t.ts_ms,
        model: t.model.clone(),
        provider: Some(provider.to_string()),
        project: t.project.clone(),
        branch: branch.clone(),
        usage: t.growth.usage(),
        stop_reason: None,
        complete: t.complete,
        tool_calls: t.tool_calls.clone(),
    });
}

fn add(sum: &mut Totals, d: &Totals) {
    sum.input += d.input;
    sum.cached += d.cached;
    sum.output += d.output;
    sum.reasoning += d.reasoning;
}

fn text_block(bytes: i64, tool_use_id: Option<String>) -> UserTurnBlock {
    UserTurnBlock {
        kind: if tool_use_id.is_some() {
            "tool_result"
        } else {
            "text"
        },
        tool_use_id,
        bytes,
        approx_tokens: (bytes + 3) / 4,
        is_error: None,
    }
}

/// The parent a rollout names, with the relationship and the evidence.
fn parent_of(p: &Payload<'_>) -> Option<(String, Relationship, String)> {
    if let Some(parent) = non_empty(&p.forked_from_id) {
        return Some((
            parent,
            Relationship::Fork,
            "session_meta forked_from_id".into(),
        ));
    }
    let spawned = p
        .source
        .and_then(|s| serde_json::from_str::<Source<'_>>(s.get()).ok())
        .and_then(|s| s.subagent)
        .and_then(|s| s.thread_spawn)
        .and_then(|t| non_empty(&t.parent_thread_id));
    if let Some(parent) = spawned {
        return Some((
            parent,
            Relationship::Subagent,
            "session_meta source.subagent.thread_spawn.parent_thread_id".into(),
        ));
    }
    if let Some(parent) = non_empty(&p.parent_thread_id) {
        return Some((
            parent,
            Relationship::Subagent,
            "session_meta parent_thread_id".into(),
        ));
    }
    if let Some(parent) = non_empty(&p.fork_session_id) {
        return Some((
            parent,
            Relationship::Fork,
            "session_meta forkSessionId".into(),
        ));
    }
    non_empty(&p.continued_from).map(|parent| {
        (
            parent,
            Relationship::Continuation,
            "session_meta continuedFromSessionId".into(),
        )
    })
}

/// Rows Codex writes as `{"timestamp":"…","type":"event_msg"|"response_item","payload":{"type":"…"`
/// whose payload type the reader ignores (reasoning, command output, agent text: most of the
/// bytes) are skipped without being parsed.
fn skippable(line: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::OnceLock;
    static KINDS: OnceLock<[(Finder<'static>, &'static str); 2]> = OnceLock::new();
    let kinds = KINDS.get_or_init(|| {
        [
            (
                Finder::new(br#","type":"event_msg","payload":{"type":""#),
                "event_msg",
            ),
            (
                Finder::new(br#","type":"response_item","payload":{"type":""#),
                "response_item",
            ),
        ]
    });
    let head = &line[..line.len().min(160)];
    kinds.iter().any(|(finder, kind)| {
        finder.find(head).is_some_and(|i| {
            let rest = &line[i + finder.needle().len()..];
            let end = memchr::memchr(b'"', &rest[..rest.len().min(64)]);
            end.and_then(|e| std::str::from_utf8(&rest[..e]).ok())
                .is_some_and(|ptype| !ptype.contains('\\') && !handled(kind, ptype))
        })
    })
}

/// The payload's `type` when it is the first key and needs no unescaping.
fn leading_type(payload: &str) -> Option<&str> {
    let rest = payload.strip_prefix("{\"type\":\"")?;
    let end = rest.find('"')?;
    let t = &rest[..end];
    (!t.contains('\\')).then_some(t)
}

/// Payload types the reader acts on.
fn handled(kind: &str, ptype: &str) -> bool {
    match kind {
        "event_msg" => matches!(
            ptype,
            "token_count"
                | "task_started"
                | "turn_started"
                | "task_complete"
                | "turn_complete"
                | "turn_aborted"
                | "user_message"
        ),
        _ => matches!(
            ptype,
            "message"
                | "function_call"
                | "custom_tool_call"
                | "local_shell_call"
                | "function_call_output"
                | "custom_tool_call_output"
        ),
    }
}

/// Harness-injected context sent as user messages (not typed by the user).
fn is_boilerplate(text: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "<environment_context",
        "<permissions",
        "<collaboration_mode",
        "<user_instructions",
        "<instructions>",
        "<turn_aborted",
        "# agents.md",
    ];
    let head: String = text.trim_start().chars().take(24).collect();
    let head = head.to_ascii_lowercase();
    PREFIXES.iter().any(|p| head.starts_with(p))
}

fn looks_like_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn non_empty(v: &Option<Cow<'_, str>>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests;
