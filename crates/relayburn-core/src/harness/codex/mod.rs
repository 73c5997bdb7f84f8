//! Codex CLI rollouts (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl` and
//! `$CODEX_HOME/archived_sessions/`).
//!
//! Counting rules (a turn is one model API response): every `event_msg/token_count`
//! row that carries new usage is one turn. A row holds the cumulative `total_token_usage` (T)
//! and the response's own `last_token_usage` (L); Codex writes each row twice, and snapshots
//! can be stale, reset or rewritten by a compaction, so a row is charged (see [`charge`]):
//!
//! - T equal to the previous snapshot (a re-emit): nothing;
//! - T grown past the previous snapshot: L (the call's own usage), or the growth when L is
//!   missing or equals T;
//! - T slightly below the previous snapshot (a stale row arriving late): nothing, the previous
//!   snapshot stays the baseline; further below (a reset, a compaction): L, and T is the new
//!   baseline (without L: nothing, new baseline);
//! - the first snapshot of a file: L (a resumed rollout's first T holds the earlier history);
//! - L without T: L, and the baseline moves by L;
//! - a row that would charge nothing (all zero) never moves the baseline.
//!
//! Input is reported without its cached part (`cache_read`); output includes reasoning, which
//! is also reported alone. The task (`task_started` → `task_complete`, or one user prompt to
//! the next without task events) groups calls: it is the turns' `message_id`, the user turns'
//! and compactions' `preceding_message_id`, and tool calls go to the call that made them.
//! A call's key is `codex|<session>|<timestamp ms>|<T>` (or `…|L<L>@<line>` without T), so
//! re-reads, re-emits and resumed passes are idempotent.
//!
//! Forks and spawned subagents (`session_meta` naming a parent) start by replaying the
//! parent's rows, `token_count`s included, and then continue the parent's cumulative totals.
//! The replay is written in one burst when the child is created: rows stamped before the
//! child's creation or within [`REPLAY_BURST_MS`] after it only move the baseline (the
//! inherited totals) and produce nothing. The child's own turn ends the burst early: a
//! `turn_context` after a replayed `token_count` and a pause of [`REPLAY_GAP_MS`], or a
//! `turn_context`/`task_started` before any sign of a replay (a `token_count`, the parent's
//! `session_meta`, a row stamped before the child's creation). Inside the burst a snapshot still within the inherited totals is
//! replay (equal snapshots alone never merge two sessions).
//!
//! Everything needed to continue mid-file lives in [`CodexState`], which the cursor stores.

mod tools;
mod wire;

use crate::content::Capture;
use crate::scan::Line;
use crate::vocab::content::{ContentBlock as Block, ContentRecord};
use crate::vocab::records::{
    CompactionRecord, Records, Relationship, SessionInfo, ToolCall, TurnRecord, Usage,
    UserTurnBlock, UserTurnRecord,
};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt::Write as _;
use wire::{ContentBlock, Envelope, Payload, Source, TokenUsage};

/// Rows of a fork or subagent rollout stamped up to this long after its `session_meta` are
/// the replayed parent history (Codex writes it in one burst, well under a second).
pub const REPLAY_BURST_MS: i64 = 2_000;
/// Inside the burst, a `turn_context` this long after the previous row (after a replayed
/// `token_count`) is the child's own turn: the replay is written in a tight loop.
pub const REPLAY_GAP_MS: i64 = 50;
/// At most this many bad lines per file are described in the report (all are counted).
const MAX_BAD_LINES_REPORTED: usize = 5;
const TITLE_CHARS: usize = 120;
/// Calls written before any model was named, remembered to be written again with the model
/// once one appears (the writer fills an empty model).
const MAX_UNMODELED: usize = 64;

/// Which file is read.
#[derive(Debug, Clone)]
pub struct FileContext {
    /// The file name without `.jsonl` (`rollout-<time>-<uuid>`): the session id fallback.
    pub file_stem: String,
}

/// A `token_count` usage vector (OpenAI semantics: input includes cached input, output
/// includes reasoning).
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

    /// All four counters summed (the scale used to tell a stale snapshot from a reset).
    fn size(&self) -> i64 {
        self.input
            .saturating_add(self.cached)
            .saturating_add(self.output)
            .saturating_add(self.reasoning)
    }

    fn is_zero(&self) -> bool {
        *self == Totals::default()
    }

    /// Every counter at least `other`'s.
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

    fn plus(&self, d: &Totals) -> Totals {
        Totals {
            input: self.input.saturating_add(d.input),
            cached: self.cached.saturating_add(d.cached),
            output: self.output.saturating_add(d.output),
            reasoning: self.reasoning.saturating_add(d.reasoning),
        }
    }

    fn usage(&self) -> Usage {
        Usage {
            input: (self.input - self.cached).max(0),
            output: self.output,
            reasoning: self.reasoning,
            cache_read: self.cached.min(self.input).max(0),
            cache_write_5m: 0,
            cache_write_1h: 0,
        }
    }

    /// Appends `input.cached.output.reasoning`: the totals' part of a call's key.
    fn write_key(&self, key: &mut String) {
        let _ = write!(
            key,
            "{}.{}.{}.{}",
            self.input, self.cached, self.output, self.reasoning
        );
    }
}

/// A snapshot below the baseline by about one recent call (at most 2 % below it, or less than
/// twice the row's own usage below it) is a stale row written out of order, not a reset.
fn looks_stale(now: &Totals, base: &Totals, call: &Totals) -> bool {
    let (n, b, c) = (now.size(), base.size(), call.size());
    if n <= 0 || b <= 0 || c <= 0 {
        return false;
    }
    n.saturating_mul(100) >= b.saturating_mul(98) || n.saturating_add(c.saturating_mul(2)) >= b
}

/// What one `token_count` row charges (its call's usage) and the baseline after it, from the
/// baseline before it, the row's cumulative `total` (T) and its own `last` usage (L). A row
/// that charges nothing leaves the baseline where it was, except a reset without L.
pub fn charge(
    base: Option<Totals>,
    total: Option<Totals>,
    last: Option<Totals>,
) -> (Totals, Option<Totals>) {
    let (charged, next) = match (total, last, base) {
        (None, None, _) => return (Totals::default(), base),
        (Some(t), _, Some(b)) if t == b => return (Totals::default(), base),
        (Some(t), Some(l), Some(b)) if t.covers(&b) => {
            if l == t {
                (t.minus(&b), Some(t))
            } else {
                (l, Some(t))
            }
        }
        (Some(t), Some(l), Some(b)) => {
            if looks_stale(&t, &b, &l) {
                return (Totals::default(), base);
            }
            (l, Some(t))
        }
        (Some(t), Some(l), None) => (l, Some(t)),
        (Some(t), None, Some(b)) if t.covers(&b) => (t.minus(&b), Some(t)),
        // Lower without the call's own usage: nothing to charge, a new baseline.
        (Some(t), None, Some(_)) => return (Totals::default(), Some(t)),
        (Some(t), None, None) => (t, Some(t)),
        (None, Some(l), Some(b)) => (l, Some(b.plus(&l))),
        (None, Some(l), None) => (l, None),
    };
    if charged.is_zero() {
        (charged, base)
    } else {
        (charged, next)
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
    /// The working directory of the latest `turn_context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The rollout names a parent (fork, subagent, continuation).
    #[serde(default)]
    pub child: bool,
    /// A child's creation instant: rows stamped before it are replayed parent rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_ms: Option<i64>,
    /// Still possibly inside a child's replayed parent history, which ends at this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_until_ms: Option<i64>,
    /// The child's own turn began inside the burst window: only snapshots within the
    /// inherited totals are still replay.
    #[serde(default)]
    pub replay_over: bool,
    /// The replay showed itself (a parent's `token_count` or `session_meta`, or a row stamped
    /// before the child existed).
    #[serde(default)]
    pub replay_seen: bool,
    /// A `token_count` was replayed (a later `turn_context` is the child's own turn).
    #[serde(default)]
    pub replay_tokens: bool,
    /// The totals the replay carried (the parent's, at the fork point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<Totals>,
    /// The cumulative snapshot the next row is compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Totals>,
    /// Input tokens of the latest response: the context size a compaction discards.
    #[serde(default)]
    pub last_call_input: i64,
    #[serde(default)]
    pub last_ts_ms: i64,
    /// Tasks opened so far (the ordinal in id-less task ids).
    #[serde(default)]
    pub turns: i64,
    /// The rollout has `task_started` events (else user prompts delimit tasks).
    #[serde(default)]
    pub task_events: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<Task>,
    /// The last closed task: a `token_count` that arrives after `task_complete` is its.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Task>,
    /// Calls written without a model (before any row named one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmodeled: Vec<Call>,
    #[serde(default)]
    pub titled: bool,
}

/// A task: the user turn that groups calls, tool calls and content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    turn_id: Option<String>,
    /// Tool calls made since the task's last written call (they go to its next call).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tools: Vec<ToolCall>,
    /// The task's last written call (tool calls left at its end are added to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_call: Option<Call>,
    /// Calls written so far.
    #[serde(default)]
    calls: i64,
}

impl Task {
    fn has_activity(&self) -> bool {
        self.calls > 0 || !self.tools.is_empty()
    }

    fn matches(&self, turn_id: Option<&str>) -> bool {
        match (turn_id, self.turn_id.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// One written API call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    key: String,
    message_id: String,
    ts_ms: i64,
    model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    usage: Totals,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall>,
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

    fn finish(&mut self, _idle: bool, _out: &mut Records) {
        // Every call is written when its token_count is read: nothing is held back.
    }

    fn state_json(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    fn pending(&self) -> i64 {
        0
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
        let text = line.text.trim_ascii();
        let bytes = text.as_bytes();
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
        let env: Envelope<'_> = match serde_json::from_str(text) {
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
        let ts = match env
            .timestamp
            .filter(|t| t.get() != "null")
            .map(timestamp_ms)
        {
            Some(Ok(ms)) => ms,
            Some(Err(e)) => {
                self.bad_line(out, e);
                return;
            }
            None => self.state.last_ts_ms,
        };
        let gap = ts - self.state.last_ts_ms;
        self.state.last_ts_ms = ts;
        let ptype = p.kind.as_deref().unwrap_or("");
        let turn_start = matches!(
            (kind, ptype),
            ("turn_context", _) | ("event_msg", "task_started" | "turn_started")
        );
        let replayed = self.replayed(ts, gap, kind == "turn_context", turn_start);
        match (kind, ptype) {
            ("session_meta", _) => self.session_meta(&p, ts, out),
            ("turn_context", _) => self.turn_context_row(&p, replayed, out),
            ("event_msg", "token_count") => self.token_count(&p, ts, replayed, out),
            ("event_msg", "task_started" | "turn_started") if !replayed => {
                self.state.task_events = true;
                self.open_task(p.turn_id.as_deref(), out);
            }
            ("event_msg", "task_complete" | "turn_complete" | "turn_aborted") if !replayed => {
                self.close_task(p.turn_id.as_deref(), out)
            }
            ("event_msg", "user_message") => {
                let text = p
                    .message
                    .and_then(|m| serde_json::from_str::<Cow<'_, str>>(m.get()).ok());
                if let Some(text) = text.filter(|t| !is_boilerplate(t)) {
                    self.prompt(&text, replayed, out);
                }
            }
            ("response_item", "message") if p.role.as_deref() == Some("user") => {
                self.user_message(&p, ts, replayed, out)
            }
            ("response_item", "function_call" | "custom_tool_call" | "local_shell_call")
                if !replayed =>
            {
                self.tool_call(&p, ptype, out)
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

    /// Whether a row stamped `ts` (`gap` ms after the previous row) belongs to a child's
    /// replayed parent history. The first row past the burst ends the replay for good; so does
    /// the child's own turn inside it: a `turn_context` after a replayed `token_count` and a
    /// pause (the replay itself is written without pauses, parent `turn_context`s included),
    /// or a turn start before any sign of a replay.
    fn replayed(&mut self, ts: i64, gap: i64, turn_context: bool, turn_start: bool) -> bool {
        let s = &mut self.state;
        let Some(until) = s.replay_until_ms else {
            return false;
        };
        if ts > until {
            s.replay_until_ms = None;
            s.replay_over = true;
            s.inherited = None;
            return false;
        }
        if s.replay_over {
            return false;
        }
        if s.created_ms.is_some_and(|c| ts < c) {
            s.replay_seen = true;
            return true;
        }
        let after_replay = turn_context && s.replay_tokens && gap >= REPLAY_GAP_MS;
        if (turn_start && !s.replay_seen) || after_replay {
            s.replay_over = true;
            return false;
        }
        true
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
        // The first one is this rollout's; a later one with another id is an embedded
        // parent's (a replay).
        if let Some(own) = &self.state.session_id {
            if *own != id && self.state.child {
                self.state.replay_seen = true;
            }
            return;
        }
        self.state.session_id = Some(id.clone());
        self.state.project = non_empty(&p.cwd);
        self.state.branch = p.git.as_ref().and_then(|g| non_empty(&g.branch));
        self.state.provider = non_empty(&p.model_provider);
        if let Some(m) = non_empty(&p.model) {
            self.set_model(m, out);
        }
        let parent = parent_of(p).filter(|(parent, _, _)| *parent != id);
        if parent.is_some() {
            self.state.child = true;
            // The replay follows the child's creation (the later of the row's and the
            // session's own timestamp).
            let created = p
                .timestamp
                .and_then(|t| timestamp_ms(t).ok())
                .map_or(ts, |c| c.max(ts));
            self.state.created_ms = Some(created);
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

    fn turn_context_row(&mut self, p: &Payload<'_>, replayed: bool, out: &mut Records) {
        if let Some(m) = non_empty(&p.model) {
            self.set_model(m, out);
        }
        if replayed {
            return;
        }
        if let Some(cwd) = non_empty(&p.cwd) {
            self.state.cwd = Some(cwd);
        }
        // Without task events, each turn writes one turn_context: it starts the task.
        if !self.state.task_events && self.state.open.as_ref().is_none_or(Task::has_activity) {
            self.open_task(p.turn_id.as_deref(), out);
        }
    }

    /// The model is known from here on; calls written without one are written again with it.
    fn set_model(&mut self, model: String, out: &mut Records) {
        self.state.model = model;
        if self.state.unmodeled.is_empty() {
            return;
        }
        let session = self.session();
        for mut call in std::mem::take(&mut self.state.unmodeled) {
            call.model = self.state.model.clone();
            out.turns.push(self.record(&session, &call));
        }
    }

    fn open_task(&mut self, turn_id: Option<&str>, out: &mut Records) {
        // A task that has done nothing yet (a `turn_context` just before `task_started`) is
        // replaced.
        if self.state.open.as_ref().is_some_and(|t| !t.has_activity()) {
            self.state.open = None;
        } else {
            self.close_task(None, out);
        }
        self.state.turns += 1;
        let n = self.state.turns;
        self.announce(out);
        self.state.open = Some(Task {
            message_id: turn_id.map_or_else(|| format!("turn-{n}"), str::to_string),
            turn_id: turn_id.map(str::to_string),
            tools: Vec::new(),
            last_call: None,
            calls: 0,
        });
    }

    /// Ends the open task (when `turn_id` matches it, or whatever it is for `None`). Tool
    /// calls it made after its last call are added to that call.
    fn close_task(&mut self, turn_id: Option<&str>, out: &mut Records) {
        if !self.state.open.as_ref().is_some_and(|t| t.matches(turn_id)) {
            return;
        }
        let Some(mut t) = self.state.open.take() else {
            return;
        };
        let tools = std::mem::take(&mut t.tools);
        if let Some(call) = t.last_call.as_mut().filter(|_| !tools.is_empty()) {
            merge_tools(&mut call.tool_calls, tools);
            let session = self.session();
            let call = call.clone();
            out.turns.push(self.record(&session, &call));
        }
        self.state.closed = Some(t);
    }

    fn token_count(&mut self, p: &Payload<'_>, ts: i64, replayed: bool, out: &mut Records) {
        let Some(info) = &p.info else {
            return;
        };
        if let Some(m) = non_empty(&info.model) {
            self.set_model(m, out);
        }
        let last = info.last_token_usage.as_ref().map(Totals::of);
        let total = info.total_token_usage.as_ref().map(Totals::of);
        if let Some(c) = last.filter(|c| !c.is_zero()) {
            self.state.last_call_input = c.input;
        }
        if replayed {
            // The parent's history: it only moves the baseline.
            self.state.replay_seen = true;
            self.state.replay_tokens = true;
            if let Some(t) = total {
                self.state.inherited = Some(t);
                self.state.last = Some(t);
            }
            return;
        }
        if let (Some(inh), Some(t)) = (self.state.inherited, total) {
            // Inside the burst, after the child's turn began: a snapshot within the inherited
            // totals is still the parent's.
            if inh.covers(&t) {
                return;
            }
            self.state.inherited = None;
        }
        let (charged, next) = charge(self.state.last, total, last);
        self.state.last = next;
        if charged.is_zero() {
            return;
        }
        // The call's key, `codex|<session>|<ts>|<fingerprint>`, written into one string (two
        // `format!`s per call were 3.6 % of a Codex parse): the fingerprint is the cumulative
        // totals, else the call's own usage and its line.
        let session = self.session();
        let mut key = String::with_capacity(96);
        key.push_str(Harness::Codex.as_str());
        key.push('|');
        key.push_str(&session);
        let _ = write!(key, "|{ts}|");
        match total {
            Some(t) => t.write_key(&mut key),
            None => {
                key.push('L');
                charged.write_key(&mut key);
                let _ = write!(key, "@{}", self.state.lines);
            }
        }
        // A call after `task_complete` (its token_count comes late) belongs to that task.
        if self.state.open.is_none() && !(self.state.task_events && self.state.closed.is_some()) {
            self.open_task(None, out);
        }
        let project = self
            .state
            .cwd
            .clone()
            .or_else(|| self.state.project.clone());
        let model = self.state.model.clone();
        let Some(task) = self.state.open.as_mut().or(self.state.closed.as_mut()) else {
            return;
        };
        let call = Call {
            key,
            message_id: task.message_id.clone(),
            ts_ms: ts,
            model,
            project,
            usage: charged,
            tool_calls: std::mem::take(&mut task.tools),
        };
        task.calls += 1;
        task.last_call = Some(call.clone());
        self.announce(out);
        if call.model.is_empty() && self.state.unmodeled.len() < MAX_UNMODELED {
            self.state.unmodeled.push(call.clone());
        }
        out.turns.push(self.record(&session, &call));
    }

    /// The ledger row of a call.
    fn record(&self, session: &str, c: &Call) -> TurnRecord {
        TurnRecord {
            harness: Harness::Codex,
            key: c.key.clone(),
            session_id: session.to_string(),
            message_id: c.message_id.clone(),
            request_id: None,
            ts_ms: c.ts_ms,
            model: c.model.clone(),
            provider: Some(
                self.state
                    .provider
                    .clone()
                    .unwrap_or_else(|| "openai".into()),
            ),
            project: c.project.clone(),
            branch: self.state.branch.clone(),
            usage: c.usage.usage(),
            stop_reason: None,
            complete: true,
            tool_calls: c.tool_calls.clone(),
            reported_cost_usd: None,
        }
    }

    /// A typed user prompt: sets the title and, without task events, starts a task.
    fn prompt(&mut self, text: &str, replayed: bool, out: &mut Records) {
        if replayed {
            return;
        }
        if !self.state.task_events && self.state.open.as_ref().is_none_or(Task::has_activity) {
            self.open_task(None, out);
        }
        if !self.state.titled {
            self.state.titled = true;
            out.push_session(SessionInfo {
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
        self.prompt(texts[0], false, out);
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

    fn tool_call(&mut self, p: &Payload<'_>, kind: &str, out: &mut Records) {
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
            self.open_task(None, out);
        }
        if let Some(t) = self.state.open.as_mut() {
            let written = t
                .last_call
                .as_ref()
                .is_some_and(|c| c.tool_calls.iter().any(|x| x.id == call.id));
            if !written {
                merge_tools(&mut t.tools, vec![call]);
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

    /// The task a user row or compaction follows (the open one, else the last closed one).
    fn last_message_id(&self) -> Option<String> {
        self.state
            .open
            .as_ref()
            .or(self.state.closed.as_ref())
            .map(|t| t.message_id.clone())
    }
}

/// Adds the calls of `new` not already in `calls` (by id).
fn merge_tools(calls: &mut Vec<ToolCall>, new: Vec<ToolCall>) {
    for call in new {
        if !calls.iter().any(|c| c.id == call.id) {
            calls.push(call);
        }
    }
}

/// A row's timestamp: an ISO-8601 string, or epoch milliseconds written as a number.
fn timestamp_ms(raw: &RawValue) -> Result<i64, String> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        let s: Cow<'_, str> =
            serde_json::from_str(text).map_err(|e| format!("unreadable timestamp: {e}"))?;
        return crate::time::parse_instant_ms("timestamp", &s).map_err(|e| e.to_string());
    }
    match text.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 && ms < 1e15 => Ok(ms as i64),
        _ => Err(format!(
            "timestamp {text} is neither an ISO-8601 string nor epoch milliseconds"
        )),
    }
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
