//! Amp threads: one JSON document per thread (`threads/T-<id>.json`), rewritten whole on every
//! change. A pass reads the whole document and emits every call it holds; the keys make a
//! re-read an upsert, never a second row.
//!
//! Counting rules: one turn per assistant message with usage (`messages[].usage`: `inputTokens`
//! without the cache parts, `outputTokens`, `cacheCreationInputTokens`,
//! `cacheReadInputTokens`), keyed `amp|<thread>|<messageId>`. Older threads also keep a usage
//! ledger (`usageLedger.events[]`, `tokens{input, output}`) describing the same calls: an event
//! is the message it names (`toMessageId`), else the first unmatched message with the same
//! model and counts (the match is remembered in the cursor state, [`AmpState`]); an event left
//! over (its message was removed when the thread was edited) keeps the key of the message it
//! described, so a call read before the edit is not counted again, and is a call of its own
//! otherwise. A message removed from the thread stays counted: its call was billed.

mod wire;

use crate::content::Capture;
use crate::harness::wire::skip_entry;
use crate::vocab::content::{ContentBlock, ContentRecord};
use crate::vocab::records::{Records, SessionInfo, ToolCall, TurnRecord, Usage, UserTurnRecord};
use crate::vocab::Harness;
use serde_json::value::RawValue;
use wire::{Block, Event, Message, Thread};

/// What a thread's cursor keeps between passes: ledger events without `toMessageId` matched to
/// a message by model and counts (event key → message key), so the event keeps that key once
/// the message is edited away.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AmpState {
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub matched: std::collections::BTreeMap<String, String>,
}

/// Reads one thread document into `out`. `fallback_id` (the file name without `.json`) names
/// a thread whose document has no `id`. Bad messages are skipped and counted; an unreadable
/// document is an error (counted by the caller).
pub fn thread_records(
    doc: &str,
    fallback_id: &str,
    capture: &Capture,
    state: &mut AmpState,
    out: &mut Records,
) -> Result<(), String> {
    let thread: Thread =
        serde_json::from_str(doc).map_err(|e| format!("unreadable thread: {e}"))?;
    let id = thread
        .id
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| fallback_id.to_string());
    let created = thread.created.map(|c| c.0).filter(|c| *c > 0);
    let project = thread.env.and_then(|e| e.project());
    out.sessions.push(SessionInfo {
        harness: Some(Harness::Amp),
        session_id: id.clone(),
        project: project.clone(),
        branch: None,
        title: thread.title.filter(|t| !t.trim().is_empty()),
        parent: None,
    });
    let raw_messages: Vec<&RawValue> = match thread.messages {
        Some(raw) => serde_json::from_str(raw.get()).unwrap_or_else(|e| {
            skip_entry(out, format!("thread {id} messages: {e}"));
            Vec::new()
        }),
        None => Vec::new(),
    };
    let messages: Vec<Message> = parse_each(raw_messages, out, &id, "message");
    let raw_events = thread
        .usage_ledger
        .and_then(|l| l.events)
        .unwrap_or_default();
    let raw_events: Vec<&RawValue> = raw_events.iter().map(|b| b.as_ref()).collect();
    let events: Vec<Event> = parse_each(raw_events, out, &id, "ledger event");
    // Which ledger event (if any) describes each message's call.
    let mut used = vec![false; events.len()];
    let mut event_of: Vec<Option<usize>> = vec![None; messages.len()];
    for (m, msg) in messages.iter().enumerate() {
        let (Some(mid), true) = (msg.message_id, msg.usage.is_some()) else {
            continue;
        };
        if let Some(e) =
            (0..events.len()).find(|&e| !used[e] && events[e].to_message_id == Some(mid))
        {
            used[e] = true;
            event_of[m] = Some(e);
        }
    }
    for (m, msg) in messages.iter().enumerate() {
        if event_of[m].is_some() || msg.usage.is_none() {
            continue;
        }
        let usage = msg.usage.as_ref().map(wire::MessageUsage::usage);
        let model = msg.usage.as_ref().and_then(|u| u.model.as_deref());
        let same = |e: &Event| {
            e.model.as_deref() == model
                && usage.is_some_and(|u| {
                    let t = e.tokens.unwrap_or_default();
                    t.input.0 == u.input && t.output.0 == u.output
                })
        };
        if let Some(e) = (0..events.len())
            .find(|&e| !used[e] && events[e].to_message_id.is_none() && same(&events[e]))
        {
            used[e] = true;
            event_of[m] = Some(e);
            if let Some(mid) = msg.message_id {
                state
                    .matched
                    .insert(event_key(&events[e], e), mid.to_string());
            }
        }
    }

    let mut last_assistant: Option<String> = None;
    for (m, msg) in messages.iter().enumerate() {
        let key = match msg.message_id {
            Some(mid) => mid.to_string(),
            None => format!("i{m}"),
        };
        let event = event_of[m].map(|e| &events[e]);
        let ts_ms = msg
            .ts_ms()
            .or_else(|| event.and_then(Event::ts_ms))
            .or(created);
        let role = msg.role.as_deref();
        if let (Some(role @ ("user" | "assistant")), Some(ts)) = (role, ts_ms) {
            if capture.wants(ts) {
                let blocks = content_blocks(msg.content.as_deref().unwrap_or(&[]), capture);
                if !blocks.is_empty() {
                    out.content.push(ContentRecord {
                        harness: Harness::Amp,
                        session_id: id.clone(),
                        message_key: key.clone(),
                        message_id: key.clone(),
                        role: if role == "user" { "user" } else { "assistant" },
                        ts_ms: ts,
                        seq: m as i64,
                        blocks,
                        replace: true,
                    });
                }
            }
        }
        match role {
            Some("assistant") => {
                let Some(usage) = msg.usage.as_ref() else {
                    continue;
                };
                let Some(ts_ms) = ts_ms else {
                    skip_entry(
                        out,
                        format!("thread {id} message {key}: usage without a timestamp"),
                    );
                    continue;
                };
                let model = usage
                    .model
                    .clone()
                    .or_else(|| event.and_then(|e| e.model.clone()))
                    .unwrap_or_default();
                let u = usage.usage();
                last_assistant = Some(key.clone());
                if u.total() == 0 {
                    continue;
                }
                let turn_key = format!("amp|{id}|{key}");
                // Amp's credits are not dollars: no reported cost.
                out.turns.push(TurnRecord {
                    project: project.clone(),
                    stop_reason: msg.state.as_ref().and_then(|s| s.stop_reason.clone()),
                    tool_calls: tool_calls(msg.content.as_deref().unwrap_or(&[])),
                    ..TurnRecord::call(Harness::Amp, turn_key, id.clone(), key, ts_ms, model, u)
                });
            }
            Some("user") => {
                let Some(ts_ms) = ts_ms else { continue };
                let blocks = user_blocks(msg.content.as_deref().unwrap_or(&[]));
                if !blocks.is_empty() {
                    out.user_turns.push(UserTurnRecord {
                        harness: Harness::Amp,
                        session_id: id.clone(),
                        uuid: key,
                        ts_ms,
                        preceding_message_id: last_assistant.clone(),
                        blocks,
                    });
                }
            }
            _ => {}
        }
    }

    // Ledger events no message accounts for: calls whose messages were edited away.
    for (n, e) in events.iter().enumerate().filter(|(n, _)| !used[*n]) {
        let Some(ts_ms) = e.ts_ms().or(created) else {
            skip_entry(out, format!("thread {id} ledger event {n}: no timestamp"));
            continue;
        };
        let t = e.tokens.unwrap_or_default();
        let usage = Usage {
            input: t.input.0,
            output: t.output.0,
            ..Default::default()
        };
        if usage.total() == 0 {
            continue;
        }
        let key = match e.to_message_id {
            Some(mid) => mid.to_string(),
            None => {
                let own = event_key(e, n);
                state.matched.get(&own).cloned().unwrap_or(own)
            }
        };
        let (turn_key, model) = (
            format!("amp|{id}|{key}"),
            e.model.clone().unwrap_or_default(),
        );
        out.turns.push(TurnRecord {
            project: project.clone(),
            ..TurnRecord::call(Harness::Amp, turn_key, id.clone(), key, ts_ms, model, usage)
        });
    }
    Ok(())
}

/// An event's own key: its id, else its time and position.
fn event_key(e: &Event, n: usize) -> String {
    match &e.id {
        Some(eid) if !eid.is_empty() => format!("event:{eid}"),
        _ => format!("event@{}#{n}", e.timestamp.as_deref().unwrap_or("")),
    }
}

/// Entries parsed one by one: a malformed one is skipped and counted, the rest still count.
fn parse_each<T: serde::de::DeserializeOwned>(
    raw: Vec<&RawValue>,
    out: &mut Records,
    thread: &str,
    what: &str,
) -> Vec<T> {
    let mut parsed = Vec::new();
    for (n, v) in raw.into_iter().enumerate() {
        match serde_json::from_str(v.get()) {
            Ok(t) => parsed.push(t),
            Err(e) => skip_entry(out, format!("thread {thread} {what} {n}: {e}")),
        }
    }
    parsed
}

fn tool_calls(content: &[Block]) -> Vec<ToolCall> {
    content
        .iter()
        .filter(|b| b.kind.as_deref() == Some("tool_use"))
        .filter_map(|b| {
            let id = b.id.clone().filter(|s| !s.is_empty())?;
            let name = b.name.clone().filter(|s| !s.is_empty())?;
            let input = b.input.clone().unwrap_or(serde_json::Value::Null);
            let stable = match &input {
                serde_json::Value::Object(_) => input.to_string(),
                _ => "{}".to_string(),
            };
            let target = [
                "path",
                "file_path",
                "filePath",
                "cmd",
                "command",
                "url",
                "pattern",
            ]
            .iter()
            .find_map(|k| input.get(*k).and_then(|v| v.as_str()).map(str::to_string));
            Some(ToolCall {
                args_hash: crate::hash::short_hex(stable.as_bytes()),
                target,
                id,
                name,
            })
        })
        .collect()
}

fn user_blocks(content: &[Block]) -> Vec<crate::vocab::records::UserTurnBlock> {
    content
        .iter()
        .filter_map(|b| {
            let (kind, tool_use_id, bytes) = match b.kind.as_deref() {
                Some("text") => ("text", None, b.text.as_deref()?.len() as i64),
                Some("tool_result") => (
                    "tool_result",
                    b.tool_use_id.clone(),
                    b.result_text().map_or(0, |t| t.len() as i64),
                ),
                _ => return None,
            };
            Some(crate::vocab::records::UserTurnBlock {
                kind,
                tool_use_id,
                bytes,
                approx_tokens: (bytes + 3) / 4,
                is_error: None,
            })
        })
        .collect()
}

fn content_blocks(content: &[Block], c: &Capture) -> Vec<ContentBlock> {
    let mut blocks = Vec::new();
    for b in content {
        match b.kind.as_deref() {
            Some("text") => {
                if let Some(t) = b.text.as_deref().filter(|t| !t.trim().is_empty()) {
                    blocks.push(c.block("text", t, None, None, false));
                }
            }
            Some("thinking") => {
                if let Some(t) = b.thinking.as_deref().filter(|t| !t.trim().is_empty()) {
                    blocks.push(c.block("thinking", t, None, None, false));
                }
            }
            Some("tool_use") => {
                let input = b.input.as_ref().map(|v| v.to_string()).unwrap_or_default();
                blocks.push(c.block(
                    "tool_use",
                    &input,
                    b.name.as_deref(),
                    b.id.as_deref(),
                    false,
                ));
            }
            Some("tool_result") => {
                let text = b.result_text().unwrap_or_default();
                let failed = b.failed();
                blocks.push(c.block("tool_result", &text, None, b.tool_use_id.as_deref(), failed));
            }
            _ => {}
        }
    }
    blocks
}

impl Message {
    /// When the message was written: its usage's timestamp, else `meta.sentAt`.
    fn ts_ms(&self) -> Option<i64> {
        let from_usage = self
            .usage
            .as_ref()
            .and_then(|u| u.timestamp.as_deref())
            .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok());
        from_usage.or_else(|| self.meta.as_ref().map(|m| m.sent_at.0).filter(|t| *t > 0))
    }
}

impl Event {
    fn ts_ms(&self) -> Option<i64> {
        self.timestamp
            .as_deref()
            .and_then(|t| crate::time::parse_instant_ms("timestamp", t).ok())
    }
}

#[cfg(test)]
pub(crate) mod tests;
