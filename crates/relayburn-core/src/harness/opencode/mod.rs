//! OpenCode sessions: the older `storage/` tree of JSON documents (one file per session,
//! message and part) and the SQLite database (`opencode*.db`) newer releases keep instead,
//! holding the same documents in `data` columns.
//!
//! Counting rules: an assistant message is keyed by its message id (so the tree and
//! the database, or a re-read, never count it twice). OpenCode rewrites a message while it
//! streams; every read emits the message as it stands (`complete` once `time.completed` is
//! set) and the writer keeps the complete, larger snapshot. A message's turns are its
//! `step-finish` parts that carry tokens, one per model call, else one turn from the
//! message's own `tokens`; the message id groups them. OpenCode's `output` excludes reasoning,
//! so [`Usage::output`] = output + reasoning. A legacy message without `role` that carries a
//! model or tokens is an assistant message.

pub mod db;
pub mod storage;
mod tools;
mod wire;

use crate::content::Capture;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{
    CompactionRecord, Records, Relationship, SessionInfo, TurnRecord, Usage, UserTurnBlock,
    UserTurnRecord,
};
use crate::vocab::Harness;
use wire::{MessageDoc, PartDoc, SessionDoc, Tokens};

/// At most this many bad documents per file (or database pass) are described in the report.
const MAX_BAD_REPORTED: usize = 5;

/// Ids that live outside the JSON document (database columns); they win over the document's.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocIds<'a> {
    pub id: Option<&'a str>,
    pub session_id: Option<&'a str>,
}

/// What a message document turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub id: String,
    pub session_id: String,
    pub assistant: bool,
    /// An assistant message whose `time.completed` is set.
    pub complete: bool,
    /// Set for a user message holding a `compaction` part: its creation time.
    pub compaction_at: Option<i64>,
}

/// The latest assistant before a compaction: its id and its context size in tokens.
pub type Preceding = Option<(String, i64)>;

/// Reads one message document and its parts (raw JSON, in part id order) into `out`.
/// `preceding(session, ts_ms, message_id)` is only called for a compaction.
pub fn message_records(
    doc: &str,
    ids: DocIds<'_>,
    parts: &[String],
    preceding: &mut dyn FnMut(&str, i64, &str) -> Preceding,
    out: &mut Records,
) -> Result<MessageSummary, String> {
    message_records_with(doc, ids, parts, &Capture::default(), preceding, out)
}

/// [`message_records`], capturing the message's content as `capture` says.
pub fn message_records_with(
    doc: &str,
    ids: DocIds<'_>,
    parts: &[String],
    capture: &Capture,
    preceding: &mut dyn FnMut(&str, i64, &str) -> Preceding,
    out: &mut Records,
) -> Result<MessageSummary, String> {
    let msg: MessageDoc<'_> =
        serde_json::from_str(doc).map_err(|e| format!("unreadable message: {e}"))?;
    let id = ids
        .id
        .or(msg.id.as_deref())
        .filter(|s| !s.is_empty())
        .ok_or("message without id")?
        .to_string();
    let session_id = ids
        .session_id
        .or(msg.session_id.as_deref())
        .filter(|s| !s.is_empty())
        .ok_or("message without sessionID")?
        .to_string();
    let times = msg.time.unwrap_or_default();
    let ts_ms = times
        .created
        .map(|c| c.0)
        .filter(|t| *t > 0)
        .ok_or("message without time.created")?;
    // A bad part is skipped; the message still counts.
    let parts: Vec<PartDoc<'_>> = parts
        .iter()
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect();
    let mut summary = MessageSummary {
        id: id.clone(),
        session_id: session_id.clone(),
        assistant: false,
        complete: false,
        compaction_at: None,
    };
    // Legacy message files may lack `role`: one that carries a model or tokens is an
    // assistant message.
    let role = match msg.role.as_deref() {
        Some("assistant") => Some("assistant"),
        Some("user") => Some("user"),
        None if msg.tokens.is_some() || msg.model_id.is_some() => Some("assistant"),
        _ => None,
    };
    if let Some(role) = role.filter(|_| capture.wants(ts_ms)) {
        let blocks = part_blocks(&parts, capture);
        if !blocks.is_empty() {
            out.content.push(ContentRecord {
                harness: Harness::OpenCode,
                session_id: session_id.clone(),
                message_key: id.clone(),
                message_id: id.clone(),
                role,
                ts_ms,
                seq: ts_ms,
                blocks,
                replace: true,
            });
        }
    }
    match role {
        Some("assistant") => {
            summary.assistant = true;
            summary.complete = times.completed.is_some_and(|c| c.0 > 0);
            out.turns
                .extend(turns(&msg, id, session_id, ts_ms, summary.complete, &parts));
        }
        Some("user") => {
            let blocks: Vec<UserTurnBlock> = parts
                .iter()
                .filter(|p| p.kind.as_deref() == Some("text"))
                .filter_map(|p| p.text.as_deref().filter(|t| !t.trim().is_empty()))
                .map(|t| text_block(t.len() as i64))
                .collect();
            if parts
                .iter()
                .any(|p| p.kind.as_deref() == Some("compaction"))
            {
                summary.compaction_at = Some(ts_ms);
                let before = preceding(&session_id, ts_ms, &id);
                out.compactions.push(CompactionRecord {
                    harness: Harness::OpenCode,
                    session_id: session_id.clone(),
                    key: id.clone(),
                    ts_ms,
                    tokens_before: before.as_ref().map(|b| b.1).filter(|n| *n > 0),
                    preceding_message_id: before.map(|b| b.0),
                });
            }
            if !blocks.is_empty() {
                out.user_turns.push(UserTurnRecord {
                    harness: Harness::OpenCode,
                    session_id,
                    uuid: id,
                    ts_ms,
                    preceding_message_id: None,
                    blocks,
                });
            }
        }
        _ => return Err("message without a user or assistant role".into()),
    }
    Ok(summary)
}

/// A message's parts as content blocks, in part order: text, reasoning (as thinking), tool
/// calls (input JSON) and their output or error.
fn part_blocks(parts: &[PartDoc<'_>], c: &Capture) -> Vec<ContentBlock> {
    let mut blocks = Vec::new();
    for p in parts {
        match p.kind.as_deref() {
            Some(kind @ ("text" | "reasoning")) => {
                if let Some(t) = p.text.as_deref().filter(|t| !t.trim().is_empty()) {
                    let kind = if kind == "text" { "text" } else { "thinking" };
                    blocks.push(c.block(kind, t, None, None, false));
                }
            }
            Some("tool") => {
                let id = non_empty(&p.call_id);
                let name = non_empty(&p.tool);
                let state = p.state.as_ref();
                let input = state.and_then(|s| s.input).map(|r| r.get()).unwrap_or("{}");
                blocks.push(c.block("tool_use", input, name.as_deref(), id.as_deref(), false));
                let failed = state.and_then(|s| s.status.as_deref()) == Some("error");
                let output = state
                    .and_then(|s| s.output)
                    .map(crate::harness::wire::payload_text);
                let error = state.and_then(|s| s.error.as_deref()).filter(|_| failed);
                match (output, error) {
                    (Some(o), _) => {
                        blocks.push(c.block("tool_result", &o, None, id.as_deref(), failed))
                    }
                    (None, Some(e)) => {
                        blocks.push(c.block("tool_result", e, None, id.as_deref(), true))
                    }
                    (None, None) => {}
                }
            }
            _ => {}
        }
    }
    blocks
}

/// The turns of an assistant message: one per `step-finish` part that carries tokens (one
/// model call each; tool parts go to the step they precede), else one from the message's own
/// `tokens`. The first turn is keyed `opencode|<message id>` (so a message read before its
/// first step finished is replaced, not doubled), later steps `opencode|<message id>|<n>`.
fn turns(
    msg: &MessageDoc<'_>,
    id: String,
    session_id: String,
    ts_ms: i64,
    complete: bool,
    parts: &[PartDoc<'_>],
) -> Vec<TurnRecord> {
    let mut steps: Vec<(Usage, Option<String>, Vec<crate::vocab::records::ToolCall>)> = Vec::new();
    let mut tools: Vec<crate::vocab::records::ToolCall> = Vec::new();
    for p in parts {
        match p.kind.as_deref() {
            Some("tool") => {
                let (Some(call_id), Some(name)) = (non_empty(&p.call_id), non_empty(&p.tool))
                else {
                    continue;
                };
                let seen = tools.iter().chain(steps.iter().flat_map(|s| s.2.iter()));
                if seen.clone().any(|c| c.id == call_id) {
                    continue;
                }
                let input = p.state.as_ref().and_then(|s| s.input).map(|r| r.get());
                tools.push(tools::tool_call(call_id, name, input.unwrap_or("{}")));
            }
            Some("step-finish") => {
                if let Some(t) = p.tokens {
                    let reason = p.reason.as_deref().filter(|r| !r.is_empty());
                    steps.push((
                        usage_of(&t),
                        reason.map(str::to_string),
                        std::mem::take(&mut tools),
                    ));
                }
            }
            _ => {}
        }
    }
    if steps.is_empty() {
        // An assistant message that never got any usage (no tokens at all) made no call.
        let Some(tokens) = msg.tokens else {
            return Vec::new();
        };
        steps.push((usage_of(&tokens), None, std::mem::take(&mut tools)));
    } else if let Some(last) = steps.last_mut() {
        // Tool parts after the last finished step belong to it (or to a step still running).
        last.2.append(&mut tools);
    }
    let last = steps.len() - 1;
    let finish = non_empty(&msg.finish);
    steps
        .into_iter()
        .enumerate()
        .map(|(n, (usage, reason, tool_calls))| TurnRecord {
            harness: Harness::OpenCode,
            key: match n {
                0 => format!("{}|{id}", Harness::OpenCode.as_str()),
                _ => format!("{}|{id}|{n}", Harness::OpenCode.as_str()),
            },
            session_id: session_id.clone(),
            message_id: id.clone(),
            request_id: None,
            ts_ms,
            model: model_key(msg.model_id.as_deref().unwrap_or("")),
            provider: non_empty(&msg.provider_id),
            project: msg.path.as_ref().and_then(|p| non_empty(&p.cwd)),
            branch: None,
            usage,
            stop_reason: if n == last {
                finish.clone().or(reason)
            } else {
                reason
            },
            // A finished step is a finished call; the message's last one is complete with it.
            complete: complete || n < last,
            tool_calls,
            reported_cost_usd: None,
        })
        .collect()
}

/// A session document → what the sessions table keeps. `id` (a database column) wins.
pub fn session_info(doc: &str, id: Option<&str>) -> Result<SessionInfo, String> {
    let s: SessionDoc<'_> =
        serde_json::from_str(doc).map_err(|e| format!("unreadable session: {e}"))?;
    let session_id = id
        .or(s.id.as_deref())
        .filter(|s| !s.is_empty())
        .ok_or("session without id")?;
    Ok(session_from(
        session_id,
        s.parent_id.as_deref(),
        s.directory.as_deref(),
        s.title.as_deref(),
    ))
}

/// Session fields → [`SessionInfo`]. A child session (`parentID`) is a subagent of its parent.
pub fn session_from(
    id: &str,
    parent: Option<&str>,
    directory: Option<&str>,
    title: Option<&str>,
) -> SessionInfo {
    SessionInfo {
        harness: Some(Harness::OpenCode),
        session_id: id.to_string(),
        project: directory.filter(|d| !d.is_empty()).map(str::to_string),
        branch: None,
        title: title.filter(|t| !is_default_title(t)).map(str::to_string),
        parent: parent.filter(|p| !p.is_empty() && *p != id).map(|p| {
            (
                p.to_string(),
                Relationship::Subagent,
                "opencode parentID".to_string(),
            )
        }),
    }
}

/// OpenCode names a session "New session - <ISO time>" (or "Child session - …") until it
/// generates a title; the sessions table keeps the first title it sees, so skip those.
fn is_default_title(t: &str) -> bool {
    let t = t.trim();
    t.is_empty()
        || ["New session - ", "Child session - "]
            .iter()
            .any(|p| t.starts_with(p) && t[p.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The model id without a provider prefix (`anthropic/claude-x` → `claude-x`); the provider
/// is kept in its own field.
pub fn model_key(model_id: &str) -> String {
    model_id.rsplit('/').next().unwrap_or(model_id).to_string()
}

fn usage_of(t: &Tokens) -> Usage {
    Usage {
        input: t.input.0,
        output: t.output.0.saturating_add(t.reasoning.0),
        reasoning: t.reasoning.0,
        cache_read: t.cache.read.0,
        cache_write_5m: t.cache.write.0,
        cache_write_1h: 0,
    }
}

/// Context size at the last model call of a message: what a compaction summarizes.
fn context_tokens(t: &Tokens) -> i64 {
    t.input.0 + t.cache.read.0 + t.cache.write.0
}

/// The id, role and context size of a message document (for compaction lookups).
pub fn assistant_context(doc: &str) -> Option<i64> {
    let msg: MessageDoc<'_> = serde_json::from_str(doc).ok()?;
    (msg.role.as_deref() == Some("assistant"))
        .then(|| msg.tokens.map(|t| context_tokens(&t)).unwrap_or(0))
}

fn text_block(bytes: i64) -> UserTurnBlock {
    UserTurnBlock {
        kind: "text",
        tool_use_id: None,
        bytes,
        approx_tokens: (bytes + 3) / 4,
        is_error: None,
    }
}

fn non_empty(v: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_string)
}

/// Counts a bad document in `out`, describing the first few.
pub(crate) fn bad_doc(out: &mut Records, line: i64, message: String) {
    out.lines_skipped += 1;
    if out.bad_lines.len() < MAX_BAD_REPORTED {
        out.bad_lines.push((line, message));
    }
}

#[cfg(test)]
mod tests;
