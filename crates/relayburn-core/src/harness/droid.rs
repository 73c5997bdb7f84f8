//! Factory Droid: `~/.factory/sessions/[<cwd-slug>/]<id>.settings.json` holds the session's
//! cumulative `tokenUsage` (rewritten in place as the session runs) and one `model`; the
//! sibling `<id>.jsonl` transcript starts with a `session_start` line (`cwd`, `title`) and
//! holds one `{"type":"message","timestamp",…,"message":{"role":…}}` line per message, with no
//! usage of its own. The total is a snapshot (replaced on every read, never added) spread over
//! the transcript's assistant replies ([`super::snapshot`]), so a session of several days lands
//! on those days.
//!
//! Token model: `inputTokens` (cache excluded), `cacheReadTokens`, `cacheCreationTokens` as
//! 5-minute cache writes, and `thinkingTokens` reported beside `outputTokens`: output =
//! output + thinking, reasoning = thinking. A settings file without `tokenUsage` (Droid 0.56
//! wrote none) changes nothing.
//!
//! Content: the transcript's message blocks (`text`, `thinking`, `tool_use`, `tool_result`, in
//! the Anthropic shape) go to the content store when it captures, keyed by message id.

use super::snapshot::{group, Reply, SessionTotal};
use crate::vocab::records::{Records, SessionInfo, Usage};
use crate::vocab::Harness;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Settings files are small; anything larger is not one.
const MAX_SETTINGS_BYTES: u64 = 16 << 20;
/// Suffix of the settings file; the session id is the name before it.
pub const SETTINGS_SUFFIX: &str = ".settings.json";

/// The session id of a settings file (its name without [`SETTINGS_SUFFIX`]).
pub fn session_id_of(path: &Path) -> Option<&str> {
    path.file_name()?
        .to_str()?
        .strip_suffix(SETTINGS_SUFFIX)
        .filter(|s| !s.is_empty())
}

/// The transcript beside a settings file.
pub fn transcript_of(settings: &Path) -> Option<PathBuf> {
    let id = session_id_of(settings)?;
    Some(settings.with_file_name(format!("{id}.jsonl")))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Settings {
    model: Option<String>,
    provider_lock: Option<String>,
    provider_lock_timestamp: Option<String>,
    token_usage: Option<TokenUsage>,
}

/// `tokenUsage` (the SDK's protocol spells the cache fields `cache…InputTokens`: both read).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TokenUsage {
    #[serde(default)]
    input_tokens: super::wire::Count,
    #[serde(default)]
    output_tokens: super::wire::Count,
    #[serde(default, alias = "cacheCreationInputTokens")]
    cache_creation_tokens: super::wire::Count,
    #[serde(default, alias = "cacheReadInputTokens")]
    cache_read_tokens: super::wire::Count,
    #[serde(default)]
    thinking_tokens: super::wire::Count,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<&'a str>,
    #[serde(borrow)]
    timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    cwd: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    role: Option<&'a str>,
    /// Read only when content is captured.
    #[serde(default)]
    content: Option<&'a serde_json::value::RawValue>,
}

/// Reads one session (settings file + transcript) into `out`; returns the bytes read.
/// `mtime_ms` is the settings file's modification time (where the total sits without replies).
pub fn read_session(
    settings: &Path,
    mtime_ms: i64,
    capture: &crate::content::Capture,
    out: &mut Records,
) -> std::io::Result<u64> {
    let Some(session_id) = session_id_of(settings).map(str::to_string) else {
        return Ok(0);
    };
    let text = crate::files::read_regular_to_string(settings, MAX_SETTINGS_BYTES)?;
    let mut bytes = text.len() as u64;
    let parsed: Settings = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            super::snapshot::skip(out, 0, format!("settings of session {session_id}: {e}"));
            return Ok(bytes);
        }
    };
    let mut info = SessionInfo {
        harness: Some(Harness::Droid),
        session_id: session_id.clone(),
        ..Default::default()
    };
    let mut replies = Vec::new();
    let model = parsed
        .model
        .as_deref()
        .map(|m| m.trim().strip_prefix("custom:").unwrap_or(m.trim()))
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
        .to_string();
    if let Some(transcript) = transcript_of(settings) {
        let mut t = Transcript {
            model: &model,
            capture,
            info: &mut info,
            replies: &mut replies,
        };
        bytes += read_transcript(&transcript, &mut t, out);
    }
    let Some(u) = parsed.token_usage else {
        out.sessions.push(info);
        return Ok(bytes);
    };
    let lock_ms = parsed
        .provider_lock_timestamp
        .as_deref()
        .and_then(super::snapshot::parse_db_time);
    let total = Usage {
        input: u.input_tokens.0,
        output: u.output_tokens.0 + u.thinking_tokens.0,
        reasoning: u.thinking_tokens.0,
        cache_read: u.cache_read_tokens.0,
        cache_write_5m: u.cache_creation_tokens.0,
        cache_write_1h: 0,
    };
    let project = info.project.clone();
    out.sessions.push(info);
    out.snapshots.push(group(SessionTotal {
        harness: Harness::Droid,
        session_id,
        project,
        provider: parsed.provider_lock.filter(|p| !p.trim().is_empty()),
        total,
        cost: None,
        replies,
        // No reply: the last write of the total (never before the provider was chosen).
        fallback: Reply {
            ts_ms: mtime_ms.max(lock_ms.unwrap_or(0)),
            model,
        },
    }));
    Ok(bytes)
}

/// What reading a transcript fills in.
struct Transcript<'a> {
    model: &'a str,
    capture: &'a crate::content::Capture,
    info: &'a mut SessionInfo,
    replies: &'a mut Vec<Reply>,
}

/// The transcript's `session_start` (project, title), assistant replies and (when captured)
/// message content; returns bytes read. A missing transcript is not an error (the total then
/// sits at the fallback time).
fn read_transcript(path: &Path, t: &mut Transcript<'_>, out: &mut Records) -> u64 {
    let (info, replies, model) = (&mut *t.info, &mut *t.replies, t.model);
    let Ok(file) = crate::files::open_regular(path) else {
        return 0;
    };
    let mut lines = crate::scan::LineReader::new(file, 0).take_tail(true);
    let mut n = 0i64;
    while let Ok(Some(line)) = lines.next_line() {
        n += 1;
        if line.oversized {
            super::snapshot::skip(out, n, "line too long".into());
            continue;
        }
        // Only the first line and message lines matter; skip the rest without parsing (user
        // messages only matter for their content).
        let b = line.text.as_bytes();
        let wanted = memchr::memmem::find(b, b"\"session_start\"").is_some()
            || memchr::memmem::find(b, b"\"assistant\"").is_some()
            || (!t.capture.is_off() && memchr::memmem::find(b, b"\"user\"").is_some());
        if !wanted {
            continue;
        }
        let parsed: Line = match serde_json::from_str(line.text) {
            Ok(l) => l,
            Err(e) => {
                super::snapshot::skip(out, n, e.to_string());
                continue;
            }
        };
        match parsed.kind {
            Some("session_start") => {
                info.project = parsed.cwd.map(|c| c.into_owned()).filter(|c| !c.is_empty());
                info.title = parsed
                    .title
                    .map(|t| t.into_owned())
                    .filter(|t| !t.is_empty());
            }
            Some("message") => {
                let Some(message) = parsed.message else {
                    continue;
                };
                let ts = parsed
                    .timestamp
                    .as_deref()
                    .and_then(super::snapshot::parse_db_time);
                let role = match message.role {
                    Some("assistant") => "assistant",
                    Some("user") => "user",
                    _ => continue,
                };
                let Some(ts_ms) = ts else {
                    super::snapshot::skip(out, n, "message without a timestamp".into());
                    continue;
                };
                if role == "assistant" {
                    replies.push(Reply {
                        ts_ms,
                        model: model.to_string(),
                    });
                }
                if let (Some(id), Some(content)) = (parsed.id.as_deref(), message.content) {
                    if t.capture.wants(ts_ms) {
                        capture_message(
                            t.capture,
                            &info.session_id,
                            id,
                            role,
                            ts_ms,
                            line.offset,
                            content,
                            out,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    lines.bytes_read()
}

/// Stores one message's blocks in the content store (re-reading writes the same keys).
#[allow(clippy::too_many_arguments)]
fn capture_message(
    capture: &crate::content::Capture,
    session_id: &str,
    id: &str,
    role: &'static str,
    ts_ms: i64,
    offset: u64,
    content: &serde_json::value::RawValue,
    out: &mut Records,
) {
    use serde_json::Value;
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(content.get()) else {
        return;
    };
    let text_of = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    };
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let blocks: Vec<_> = items
        .iter()
        .filter_map(|b| match b.get("type").and_then(Value::as_str)? {
            "text" => Some(capture.block("text", &str_of(b, "text")?, None, None, false)),
            "thinking" => {
                Some(capture.block("thinking", &str_of(b, "thinking")?, None, None, false))
            }
            "tool_use" => {
                let input = b.get("input").map(Value::to_string).unwrap_or_default();
                let name = str_of(b, "name");
                let id = str_of(b, "id");
                Some(capture.block("tool_use", &input, name.as_deref(), id.as_deref(), false))
            }
            "tool_result" => {
                let text = text_of(b.get("content").unwrap_or(&Value::Null));
                let id = str_of(b, "tool_use_id");
                let error = b.get("is_error").and_then(Value::as_bool).unwrap_or(false);
                Some(capture.block("tool_result", &text, None, id.as_deref(), error))
            }
            _ => None,
        })
        .collect();
    if blocks.is_empty() {
        return;
    }
    out.content.push(crate::vocab::content::ContentRecord {
        harness: Harness::Droid,
        session_id: session_id.to_string(),
        message_key: id.to_string(),
        message_id: id.to_string(),
        role,
        ts_ms,
        seq: offset as i64,
        blocks,
        replace: true,
    });
}
