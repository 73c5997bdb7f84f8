//! Claude Code session logs (`projects/<slug>/<session>.jsonl` and subagent transcripts
//! `projects/<slug>/<session>/subagents/agent-<id>.jsonl`).
//!
//! Counting rules (a turn is one model API response): Claude writes one row per content block of a response; rows of
//! one response share `message.id` and `requestId` and repeat the usage snapshot. They are
//! merged, never summed: the largest snapshot wins (the final row, not an early partial one).
//! A response is emitted when a row carries `stop_reason`; one that never gets it is emitted
//! with its last snapshot (`complete = false`) when a user row follows it or its file has
//! been idle past the grace period. Unfinished responses travel in [`ClaudeState`], which the
//! cursor stores, so a pass never re-reads the already-ingested prefix.
//!
//! Rows that lack fields (ARCHITECTURE "Counting rules: Claude Code"): a row without `type` is
//! an assistant row when its message has `role: "assistant"` or a usage object; a response
//! known only by `requestId` merges on it; a row with neither id is one call of its own, keyed
//! by its `uuid` or its place in the file (`<file>@<offset>`); no `sessionId` → the file name.
//! `agent_progress` rows embed a running subagent's assistant rows: each becomes that call in
//! the subagent's session (`<session>/agent-<agentId>`) under its ordinary key, so the copy in
//! `subagents/agent-<id>.jsonl` and this one are one ledger row whichever is read first.

mod tools;
pub(crate) mod wire;

use crate::content::Capture;
use crate::scan::Line;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{
    CompactionRecord, Records, Relationship, SessionInfo, ToolCall, TurnRecord, Usage,
    UserTurnBlock, UserTurnRecord,
};
use crate::vocab::Harness;
use memchr::memmem::Finder;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;
use wire::{
    AssistantBlock, AssistantContentBlock, AssistantMessage, LeanContent, LeanRow, RawRow, Row,
    UserBlock,
};

/// Which session a file's rows belong to.
#[derive(Debug, Clone)]
pub struct FileContext {
    /// The file name without `.jsonl`: the session id of a main session file.
    pub file_stem: String,
    /// Set for subagent transcripts: the child session id and its parent.
    pub subagent: Option<Subagent>,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Subagent {
    pub parent_session: String,
    /// `<parent>/agent-<id>`
    pub session_id: String,
}

/// Parser state carried between passes in the file's cursor.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ClaudeState {
    /// Last assistant `message.id` seen (user turns and compactions point back to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<String>,
    /// Responses still streaming: not yet emitted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingTurn>,
    /// Lines seen so far (for line numbers in error reports).
    #[serde(default)]
    pub lines: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingTurn {
    message_id: String,
    request_id: Option<String>,
    session_id: String,
    ts_ms: i64,
    model: String,
    project: Option<String>,
    branch: Option<String>,
    usage: Usage,
    tool_calls: Vec<ToolCall>,
}

/// Where one assistant row (own or a progress copy) belongs. Fields borrow from the row: most
/// rows merge into a pending response and need no copies.
struct Call<'r> {
    session_id: String,
    ts_ms: i64,
    request_id: Option<&'r str>,
    uuid: Option<&'r str>,
    project: Option<&'r str>,
    branch: Option<&'r str>,
    /// A subagent's row embedded in a `progress` row of another file.
    copy: bool,
}

/// Rows whose text contains none of these cannot matter; they are skipped unparsed.
/// (`"usage"` catches rows without `type` or `role` that still carry a usage object.)
fn markers() -> &'static [Finder<'static>; 4] {
    static M: OnceLock<[Finder<'static>; 4]> = OnceLock::new();
    M.get_or_init(|| {
        [
            Finder::new(b"\"assistant\""),
            Finder::new(b"\"user\""),
            Finder::new(b"\"compact_boundary\""),
            Finder::new(b"\"usage\""),
        ]
    })
}

/// At most this many bad lines per file are described in the report (all are counted).
const MAX_BAD_LINES_REPORTED: usize = 5;
const TITLE_CHARS: usize = 120;

pub struct ClaudeReader {
    ctx: FileContext,
    state: ClaudeState,
    announced: HashSet<String>,
    /// Sessions whose title this reader already gave: the ledger keeps a session's first
    /// title, so later prompts' titles would only cost the writer a no-op upsert each.
    titled: HashSet<String>,
    capture: Capture,
    /// File offset of the line being read (the content's conversation position).
    offset: i64,
}

impl ClaudeReader {
    pub fn new(ctx: FileContext, state: ClaudeState) -> Self {
        ClaudeReader {
            ctx,
            state,
            announced: HashSet::new(),
            titled: HashSet::new(),
            capture: Capture::default(),
            offset: 0,
        }
    }

    /// Captures conversation content as `capture` says (default: off).
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    pub fn state(&self) -> &ClaudeState {
        &self.state
    }
}

impl super::LogReader for ClaudeReader {
    fn feed(&mut self, line: &Line<'_>, out: &mut Records) {
        self.feed_line(line, out);
    }

    fn finish(&mut self, idle: bool, out: &mut Records) {
        if idle {
            self.flush_pending(out);
        }
    }

    fn state_json(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    fn pending(&self) -> i64 {
        self.state.pending.len() as i64
    }
}

impl ClaudeReader {
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
        if !markers().iter().any(|m| m.find(bytes).is_some()) {
            return;
        }
        let row = match parse_row(text, self.capture.is_off()) {
            Ok(row) => row,
            Err(e) => {
                self.bad_line(out, format!("unreadable row: {e}"));
                return;
            }
        };
        let result = match row.kind.as_deref() {
            Some("assistant") => self.assistant(&row, out),
            Some("user") => self.user(&row, out),
            Some("system") if row.subtype.as_deref() == Some("compact_boundary") => {
                self.compaction(&row, out)
            }
            Some("progress") => self.progress(&row, out),
            None => self.untyped(&row, out),
            _ => Ok(()),
        };
        if let Err(message) = result {
            self.bad_line(out, message);
        }
    }

    fn bad_line(&mut self, out: &mut Records, message: String) {
        out.lines_skipped += 1;
        if out.bad_lines.len() < MAX_BAD_LINES_REPORTED {
            out.bad_lines.push((self.state.lines, message));
        }
    }

    /// The session a row belongs to, announcing it (project, branch, parent) once per pass.
    fn session_of(&mut self, row: &Row<'_>, out: &mut Records) -> String {
        let (session, parent) = match &self.ctx.subagent {
            Some(sub) => (
                sub.session_id.clone(),
                Some((
                    sub.parent_session.clone(),
                    Relationship::Subagent,
                    format!("subagent transcript {}", self.ctx.path),
                )),
            ),
            None => {
                let in_log = row
                    .session_id
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&self.ctx.file_stem)
                    .to_string();
                let parent = explicit_parent(row, &in_log);
                (in_log, parent)
            }
        };
        if !self.announced.contains(&session) {
            self.announced.insert(session.clone());
            out.sessions.push(SessionInfo {
                harness: Some(Harness::ClaudeCode),
                session_id: session.clone(),
                project: non_empty(&row.cwd),
                branch: non_empty(&row.git_branch),
                title: None,
                parent,
            });
            // A main file whose rows carry another session's id replays that session's
            // history (`--resume`): the file's own session continues it.
            if self.ctx.subagent.is_none() && session != self.ctx.file_stem {
                let stem = self.ctx.file_stem.clone();
                if self.announced.insert(stem.clone()) {
                    out.sessions.push(SessionInfo {
                        harness: Some(Harness::ClaudeCode),
                        session_id: stem.clone(),
                        project: non_empty(&row.cwd),
                        branch: non_empty(&row.git_branch),
                        title: None,
                        parent: Some((
                            session.clone(),
                            Relationship::Continuation,
                            format!("{stem}.jsonl replays history of session {session}"),
                        )),
                    });
                }
            }
        }
        session
    }

    /// Where this file's rows are when they have no id of their own: `<file>@<byte offset>`
    /// (the subagent session for a subagent transcript, else the file name).
    fn row_ident(&self) -> String {
        let file = match &self.ctx.subagent {
            Some(sub) => sub.session_id.as_str(),
            None => self.ctx.file_stem.as_str(),
        };
        format!("{file}@{}", self.offset)
    }

    fn assistant(&mut self, row: &Row<'_>, out: &mut Records) -> Result<(), String> {
        let msg = (row.message.as_ref())
            .ok_or("assistant row without message")?
            .assistant("unreadable assistant message")?;
        let ts_ms = row_ts(row)?;
        let session_id = self.session_of(row, out);
        let call = Call {
            session_id,
            ts_ms,
            request_id: non_empty_str(&row.request_id),
            uuid: non_empty_str(&row.uuid),
            project: non_empty_str(&row.cwd),
            branch: non_empty_str(&row.git_branch),
            copy: false,
        };
        self.response_row(call, &msg, out);
        Ok(())
    }

    /// A row without `type` (exports, old versions; other tools count them): an assistant row
    /// when its message says `role: "assistant"` or carries a usage object, a user row when it
    /// says `role: "user"`. A message that is neither is counted as skipped.
    fn untyped(&mut self, row: &Row<'_>, out: &mut Records) -> Result<(), String> {
        let Some(msg) = &row.message else {
            return Ok(());
        };
        let msg = msg.assistant("unreadable message")?;
        match msg.role.as_deref() {
            Some("user") => self.user(row, out),
            Some("assistant") => self.assistant(row, out),
            _ if msg.usage.as_ref().is_some_and(|u| !u.is_empty()) => self.assistant(row, out),
            _ => Err("row without type, role or usage".into()),
        }
    }

    /// A `type:"progress"` row embedding one assistant row of a running subagent (newer Claude
    /// Code). The same call is also in `<session>/subagents/agent-<id>.jsonl` when that file
    /// exists: both copies get the call's ordinary key and the subagent session, so it is
    /// counted once whichever file is read first; when the file is missing this copy is the
    /// only record of the spend. No content is captured from it (the transcript holds it).
    fn progress(&mut self, row: &Row<'_>, out: &mut Records) -> Result<(), String> {
        // Most progress rows (hooks, shell output) embed no assistant row: those whose data
        // does not even contain `"assistant"` are rejected unparsed.
        let Some(data) = row.data.filter(|d| {
            d.get().starts_with('{') && markers()[0].find(d.get().as_bytes()).is_some()
        }) else {
            return Ok(());
        };
        let data: wire::ProgressData<'_> = serde_json::from_str(data.get())
            .map_err(|e| format!("unreadable progress data: {e}"))?;
        let Some(inner) = data.message.filter(|m| m.get().starts_with('{')) else {
            return Ok(());
        };
        let inner =
            // Lean: nothing is captured from a progress copy.
            parse_row(inner.get(), true)
                .map_err(|e| format!("unreadable progress message: {e}"))?;
        if inner.kind.as_deref() != Some("assistant") {
            return Ok(());
        }
        let msg = (inner.message.as_ref())
            .ok_or("progress assistant row without message")?
            .assistant("unreadable progress assistant message")?;
        let ts_ms = row_ts(&inner).or_else(|_| row_ts(row))?;
        let session_id = match data.agent_id.as_deref().filter(|a| !a.is_empty()) {
            Some(agent) => self.progress_session(agent, row, out),
            // No agent named (not seen in real logs): the call stays in this file's session.
            None => self.session_of(row, out),
        };
        let call = Call {
            session_id,
            ts_ms,
            request_id: non_empty_str(&inner.request_id),
            uuid: non_empty_str(&inner.uuid),
            project: non_empty_str(&row.cwd),
            branch: non_empty_str(&row.git_branch),
            copy: true,
        };
        self.response_row(call, &msg, out);
        Ok(())
    }

    /// The subagent session of an `agent_progress` row: the id its transcript file would give
    /// (`<session>/agent-<id>`, `<session>` being the one whose `subagents/` folder holds it:
    /// the row's `sessionId`, which a `--resume` copy keeps, else the file's), announced as a
    /// subagent of that session once per pass.
    fn progress_session(&mut self, agent: &str, row: &Row<'_>, out: &mut Records) -> String {
        let top = match (non_empty(&row.session_id), &self.ctx.subagent) {
            (Some(id), _) => id,
            (None, Some(sub)) => sub.parent_session.clone(),
            (None, None) => self.ctx.file_stem.clone(),
        };
        let session = format!("{top}/agent-{agent}");
        if self.announced.insert(session.clone()) {
            out.sessions.push(SessionInfo {
                harness: Some(Harness::ClaudeCode),
                session_id: session.clone(),
                project: non_empty(&row.cwd),
                branch: non_empty(&row.git_branch),
                title: None,
                parent: Some((
                    top,
                    Relationship::Subagent,
                    format!("agent_progress rows in {}", self.ctx.path),
                )),
            });
        }
        session
    }

    /// One row of a response. Rows with `message.id` and/or `requestId` are merged per
    /// response (pending until `stop_reason`, a user row or idleness); a row with neither is a
    /// call of its own, keyed by its `uuid` or, without one, by its place in the file.
    fn response_row(&mut self, call: Call<'_>, msg: &AssistantMessage<'_>, out: &mut Records) {
        let message_id = msg.id.as_deref().filter(|s| !s.is_empty());
        let usage = msg.usage.as_ref().map(usage_of);
        let ident = match (message_id, call.request_id) {
            (None, None) => Some(call.uuid.map_or_else(|| self.row_ident(), str::to_string)),
            _ => None,
        };
        // The id user turns and content point at: message id, else request id, else the row.
        let pointer = message_id
            .or(call.request_id)
            .or(ident.as_deref())
            .unwrap_or_default();
        let calls = match msg.content {
            Some(c) if !call.copy && self.capture.wants(call.ts_ms) => {
                let (calls, blocks) = assistant_content(c.get(), &self.capture);
                if !blocks.is_empty() {
                    let key = match (call.uuid, &ident) {
                        (Some(uuid), _) => uuid.to_string(),
                        (None, Some(ident)) => ident.clone(),
                        (None, None) => format!("{pointer}@{}", self.offset),
                    };
                    out.content.push(ContentRecord {
                        harness: Harness::ClaudeCode,
                        session_id: call.session_id.clone(),
                        message_key: key,
                        message_id: pointer.to_string(),
                        role: "assistant",
                        ts_ms: call.ts_ms,
                        seq: self.offset,
                        blocks,
                        replace: false,
                    });
                }
                calls
            }
            Some(c) if c.get().starts_with('[') => tool_calls(c.get()),
            Some(_) => Vec::new(),
            None => match &msg.lean {
                Some(LeanContent::Blocks(blocks)) => tool_calls_of(blocks.iter().map(|b| &b.tool)),
                _ => Vec::new(),
            },
        };
        if !call.copy && self.state.last_message_id.as_deref() != Some(pointer) {
            self.state.last_message_id = Some(pointer.to_string());
        }
        let stop = msg.stop_reason.as_deref().filter(|s| !s.is_empty());
        let model = msg.model.as_deref().unwrap_or("");

        if let Some(ident) = ident {
            // Nothing to merge on: this row is one call.
            out.turns.push(TurnRecord {
                harness: Harness::ClaudeCode,
                key: format!("{}-row|{ident}", Harness::ClaudeCode.as_str()),
                session_id: call.session_id,
                message_id: ident,
                request_id: None,
                ts_ms: call.ts_ms,
                model: model.to_string(),
                provider: Some("anthropic".into()),
                project: call.project.map(str::to_string),
                branch: call.branch.map(str::to_string),
                usage: usage.unwrap_or_default(),
                complete: stop.is_some(),
                stop_reason: stop.map(str::to_string),
                tool_calls: calls,
                reported_cost_usd: None,
            });
            return;
        }
        let message_id = message_id.unwrap_or_default();
        let idx =
            self.state.pending.iter().position(|p| {
                p.message_id == message_id && p.request_id.as_deref() == call.request_id
            });
        let i = match idx {
            Some(i) => i,
            None => {
                self.state.pending.push(PendingTurn {
                    message_id: message_id.to_string(),
                    request_id: call.request_id.map(str::to_string),
                    session_id: call.session_id,
                    ts_ms: call.ts_ms,
                    model: String::new(),
                    project: call.project.map(str::to_string),
                    branch: call.branch.map(str::to_string),
                    usage: Usage::default(),
                    tool_calls: Vec::new(),
                });
                self.state.pending.len() - 1
            }
        };
        let pending = &mut self.state.pending[i];
        if pending.model.is_empty() {
            pending.model = model.to_string();
        }
        // Largest snapshot wins (ties: the later row), never a sum: a response's last row
        // carries the real output count, earlier ones a few streamed tokens.
        if let Some(u) = usage {
            if u.total() >= pending.usage.total() {
                pending.usage = u;
            }
        }
        for c in calls {
            if !pending.tool_calls.iter().any(|t| t.id == c.id) {
                pending.tool_calls.push(c);
            }
        }
        if stop.is_some() {
            let done = self.state.pending.remove(i);
            out.turns.push(turn_record(done, stop.map(str::to_string)));
        }
    }

    fn user(&mut self, row: &Row<'_>, out: &mut Records) -> Result<(), String> {
        let message = row.message.as_ref().ok_or("user row without message")?;
        let msg = message.user("unreadable user message")?;
        let ts_ms = row_ts(row)?;
        // A user row means the previous response is over, finished or interrupted.
        self.flush_pending(out);
        let session_id = self.session_of(row, out);
        let task_notification = row
            .origin
            .as_ref()
            .and_then(|o| o.kind.as_deref())
            .is_some_and(|k| k == "task-notification");
        let capture = self.capture.wants(ts_ms).then_some(&self.capture);
        let (blocks, prompt, captured) = match (msg.content, message.lean()) {
            (Some(content), _) => user_blocks(content.get(), capture)?,
            // Read lean only when nothing is captured.
            (None, Some(lean)) => lean_user_blocks(lean),
            (None, None) => return Ok(()),
        };
        // A row without `uuid` (exports) is known by its place in the file.
        let uuid = non_empty(&row.uuid).unwrap_or_else(|| self.row_ident());
        if !captured.is_empty() {
            out.content.push(ContentRecord {
                harness: Harness::ClaudeCode,
                session_id: session_id.clone(),
                message_key: uuid.clone(),
                message_id: uuid.clone(),
                role: "user",
                ts_ms,
                seq: self.offset,
                blocks: captured,
                replace: false,
            });
        }
        if row.is_meta != Some(true) && !task_notification {
            let prompt = prompt.filter(|p| !p.starts_with('<'));
            let first = |titled: &mut HashSet<String>| {
                !titled.contains(&session_id) && titled.insert(session_id.clone())
            };
            if let Some(prompt) = prompt.filter(|_| first(&mut self.titled)) {
                let title: String = prompt.chars().take(TITLE_CHARS).collect();
                out.push_session(SessionInfo {
                    harness: Some(Harness::ClaudeCode),
                    session_id: session_id.clone(),
                    title: Some(title),
                    ..Default::default()
                });
            }
        }
        if task_notification || blocks.is_empty() {
            return Ok(());
        }
        out.user_turns.push(UserTurnRecord {
            harness: Harness::ClaudeCode,
            session_id,
            uuid,
            ts_ms,
            preceding_message_id: self.state.last_message_id.clone(),
            blocks,
        });
        Ok(())
    }

    fn compaction(&mut self, row: &Row<'_>, out: &mut Records) -> Result<(), String> {
        let ts_ms = row_ts(row)?;
        let session_id = self.session_of(row, out);
        let key = non_empty(&row.uuid).unwrap_or_else(|| ts_ms.to_string());
        out.compactions.push(CompactionRecord {
            harness: Harness::ClaudeCode,
            session_id,
            key,
            ts_ms,
            preceding_message_id: self.state.last_message_id.clone(),
            tokens_before: row
                .compact_metadata
                .as_ref()
                .map(|m| m.pre_tokens.0)
                .filter(|n| *n > 0),
        });
        Ok(())
    }

    fn flush_pending(&mut self, out: &mut Records) {
        for p in self.state.pending.drain(..) {
            out.turns.push(turn_record(p, None));
        }
    }
}

fn turn_record(p: PendingTurn, stop_reason: Option<String>) -> TurnRecord {
    let key = format!(
        "{}|{}|{}",
        Harness::ClaudeCode.as_str(),
        p.message_id,
        p.request_id.as_deref().unwrap_or("")
    );
    // A response known only by its `requestId` is stored under that id.
    let message_id = if p.message_id.is_empty() {
        p.request_id.clone().unwrap_or_default()
    } else {
        p.message_id
    };
    TurnRecord {
        harness: Harness::ClaudeCode,
        key,
        session_id: p.session_id,
        message_id,
        request_id: p.request_id,
        ts_ms: p.ts_ms,
        model: p.model,
        provider: Some("anthropic".into()),
        project: p.project,
        branch: p.branch,
        usage: p.usage,
        complete: stop_reason.is_some(),
        stop_reason,
        tool_calls: p.tool_calls,
        reported_cost_usd: None,
    }
}

fn explicit_parent(row: &Row<'_>, session: &str) -> Option<(String, Relationship, String)> {
    if let Some(target) = non_empty(&row.fork_session_id).filter(|t| t != session) {
        return Some((target, Relationship::Fork, "row field forkSessionId".into()));
    }
    non_empty(&row.continued_from)
        .filter(|t| t != session)
        .map(|t| {
            (
                t,
                Relationship::Continuation,
                "row field continuedFromSessionId".into(),
            )
        })
}

/// Anthropic usage → [`Usage`]. Un-split cache writes count as 5-minute writes.
fn usage_of(u: &wire::ClaudeUsage) -> Usage {
    let (w5, w1) = u
        .cache_creation
        .as_ref()
        .map(|c| (c.ephemeral_5m_input_tokens.0, c.ephemeral_1h_input_tokens.0))
        .unwrap_or((0, 0));
    let count = |c: Option<wire::Count>| c.map_or(0, |c| c.0);
    let (w5, w1) = if w5 == 0 && w1 == 0 {
        (count(u.cache_creation_input_tokens), 0)
    } else {
        (w5, w1)
    };
    Usage {
        input: count(u.input_tokens),
        output: count(u.output_tokens),
        reasoning: 0,
        cache_read: count(u.cache_read_input_tokens),
        cache_write_5m: w5,
        cache_write_1h: w1,
    }
}

fn tool_calls(content: &str) -> Vec<ToolCall> {
    let Ok(blocks) = serde_json::from_str::<Vec<AssistantBlock<'_>>>(content) else {
        return Vec::new();
    };
    tool_calls_of(blocks.iter())
}

/// The tool calls of content blocks: each `tool_use` block with an id and a name.
fn tool_calls_of<'b, 'a: 'b>(
    blocks: impl Iterator<Item = &'b AssistantBlock<'a>>,
) -> Vec<ToolCall> {
    blocks
        .filter(|b| b.kind.as_deref() == Some("tool_use"))
        .filter_map(|b| {
            let id = b.id.as_deref()?.to_string();
            let name = b.name.as_deref()?.to_string();
            let input = b.input.map_or("{}", |r| r.get());
            Some(tools::tool_call(id, name, input))
        })
        .collect()
}

/// Assistant content → tool calls and captured blocks (text, non-empty thinking, tool inputs
/// as their verbatim JSON), in one parse.
fn assistant_content(content: &str, capture: &Capture) -> (Vec<ToolCall>, Vec<ContentBlock>) {
    if content.starts_with('"') {
        let text: std::borrow::Cow<'_, str> = serde_json::from_str(content).unwrap_or_default();
        if text.is_empty() {
            return (Vec::new(), Vec::new());
        }
        return (
            Vec::new(),
            vec![capture.block("text", &text, None, None, false)],
        );
    }
    let Ok(items) = serde_json::from_str::<Vec<AssistantContentBlock<'_>>>(content) else {
        return (Vec::new(), Vec::new());
    };
    let mut calls = Vec::new();
    let mut blocks = Vec::new();
    for b in &items {
        match b.kind.as_deref() {
            Some("text") => {
                if let Some(t) = b.text.as_deref().filter(|t| !t.is_empty()) {
                    blocks.push(capture.block("text", t, None, None, false));
                }
            }
            Some("thinking") => {
                if let Some(t) = b.thinking.as_deref().filter(|t| !t.is_empty()) {
                    blocks.push(capture.block("thinking", t, None, None, false));
                }
            }
            Some("tool_use") => {
                let input = b.input.map(|r| r.get()).unwrap_or("{}");
                let (id, name) = (b.id.as_deref(), b.name.as_deref());
                blocks.push(capture.block("tool_use", input, name, id, false));
                if let (Some(id), Some(name)) = (id, name) {
                    calls.push(tools::tool_call(id.to_string(), name.to_string(), input));
                }
            }
            _ => {}
        }
    }
    (calls, blocks)
}

type UserContent = (Vec<UserTurnBlock>, Option<String>, Vec<ContentBlock>);

/// User content → blocks, plus the prompt text when the row is a typed prompt, plus the
/// captured content blocks when `capture` is given.
fn user_blocks(content: &str, capture: Option<&Capture>) -> Result<UserContent, String> {
    if content.starts_with('"') {
        let text: std::borrow::Cow<'_, str> =
            serde_json::from_str(content).map_err(|e| format!("unreadable user content: {e}"))?;
        return Ok(user_text(&text, capture));
    }
    if !content.starts_with('[') {
        return Ok((Vec::new(), None, Vec::new()));
    }
    let items: Vec<UserBlock<'_>> =
        serde_json::from_str(content).map_err(|e| format!("unreadable user content: {e}"))?;
    let mut acc = (Vec::new(), None, Vec::new());
    for b in &items {
        user_item(b, capture, &mut acc);
    }
    Ok(acc)
}

/// [`user_blocks`] of a content the row's own pass read (nothing captured).
fn lean_user_blocks(content: &LeanContent<'_>) -> UserContent {
    match content {
        LeanContent::Text(text) => user_text(text, None),
        LeanContent::Blocks(items) => {
            let mut acc = (Vec::new(), None, Vec::new());
            for b in items {
                user_item(&b.user, None, &mut acc);
            }
            acc
        }
        LeanContent::Other => (Vec::new(), None, Vec::new()),
    }
}

fn text_block(bytes: i64) -> UserTurnBlock {
    UserTurnBlock {
        kind: "text",
        tool_use_id: None,
        bytes,
        approx_tokens: approx_tokens(bytes),
        is_error: None,
    }
}

/// A user content that is one string: a typed prompt (nothing when blank).
fn user_text(text: &str, capture: Option<&Capture>) -> UserContent {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return (Vec::new(), None, Vec::new());
    }
    let captured = capture
        .map(|c| vec![c.block("text", text, None, None, false)])
        .unwrap_or_default();
    (
        vec![text_block(text.len() as i64)],
        Some(trimmed.to_string()),
        captured,
    )
}

/// Adds one block of a user content to `acc`: a non-blank text (the first is the prompt) or a
/// tool result with its id; other blocks add nothing.
fn user_item(b: &UserBlock<'_>, capture: Option<&Capture>, acc: &mut UserContent) {
    let (blocks, prompt, captured) = acc;
    match b.kind.as_deref() {
        Some("text") => {
            if let Some(t) = b.text.as_deref().filter(|t| !t.trim().is_empty()) {
                if let Some(c) = capture {
                    captured.push(c.block("text", t, None, None, false));
                }
                blocks.push(text_block(t.len() as i64));
                if prompt.is_none() {
                    *prompt = Some(t.trim().to_string());
                }
            }
        }
        Some("tool_result") => {
            let Some(id) = b.tool_use_id.as_deref().filter(|s| !s.is_empty()) else {
                return;
            };
            let bytes = b
                .content
                .map(crate::harness::wire::payload_bytes)
                .unwrap_or(0);
            if let Some(c) = capture {
                let body = b
                    .content
                    .map(crate::harness::wire::payload_text)
                    .unwrap_or_default();
                let error = b.is_error == Some(true);
                captured.push(c.block("tool_result", &body, None, Some(id), error));
            }
            blocks.push(UserTurnBlock {
                kind: "tool_result",
                tool_use_id: Some(id.to_string()),
                bytes,
                approx_tokens: approx_tokens(bytes),
                is_error: b.is_error.filter(|e| *e),
            });
        }
        _ => {}
    }
}

fn approx_tokens(bytes: i64) -> i64 {
    (bytes + 3) / 4
}

/// Reads a line's row in one pass (`lean`: its message's content too, for a reader that
/// captures nothing); a line that pass rejects, or whose message it found odd (see
/// [`wire::Message`]), is re-read as a [`RawRow`], whose result (row or error) is the one the
/// reader always gave. Also reads the rows embedded in `progress` rows.
fn parse_row(text: &str, lean: bool) -> Result<Row<'_>, serde_json::Error> {
    if one_pass() {
        let row = if lean {
            serde_json::from_str::<LeanRow<'_>>(text).map(LeanRow::into_row)
        } else {
            serde_json::from_str::<Row<'_>>(text)
        };
        if let Ok(row) = row {
            if !row.odd() {
                return Ok(row);
            }
        }
    }
    serde_json::from_str::<RawRow<'_>>(text).map(RawRow::into_row)
}

#[cfg(test)]
thread_local! {
    /// Tests: read every row as a [`RawRow`] (the reference the one-pass read must match).
    static RAW_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn one_pass() -> bool {
    #[cfg(test)]
    return !RAW_ONLY.with(|r| r.get());
    #[cfg(not(test))]
    true
}

fn row_ts(row: &Row<'_>) -> Result<i64, String> {
    let ts = row.timestamp.as_deref().ok_or("row without timestamp")?;
    crate::time::parse_instant_ms("timestamp", ts).map_err(|e| e.to_string())
}

fn non_empty(v: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    non_empty_str(v).map(str::to_string)
}

fn non_empty_str<'r>(v: &'r Option<std::borrow::Cow<'_, str>>) -> Option<&'r str> {
    v.as_deref().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
