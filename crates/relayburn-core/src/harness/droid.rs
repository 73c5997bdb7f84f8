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
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    role: Option<&'a str>,
}

/// Reads one session (settings file + transcript) into `out`; returns the bytes read.
/// `mtime_ms` is the settings file's modification time (where the total sits without replies).
pub fn read_session(settings: &Path, mtime_ms: i64, out: &mut Records) -> std::io::Result<u64> {
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
        bytes += read_transcript(&transcript, &model, &mut info, &mut replies, out);
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

/// The transcript's `session_start` (project, title) and assistant replies; returns bytes read.
/// A missing transcript is not an error (the total then sits at the fallback time).
fn read_transcript(
    path: &Path,
    model: &str,
    info: &mut SessionInfo,
    replies: &mut Vec<Reply>,
    out: &mut Records,
) -> u64 {
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
        // Only the first line and message lines matter; skip the rest without parsing.
        let b = line.bytes;
        let wanted = memchr::memmem::find(b, b"\"session_start\"").is_some()
            || memchr::memmem::find(b, b"\"assistant\"").is_some();
        if !wanted {
            continue;
        }
        let parsed: Line = match serde_json::from_slice(b) {
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
            Some("message") if parsed.message.and_then(|m| m.role) == Some("assistant") => {
                let ts = parsed
                    .timestamp
                    .as_deref()
                    .and_then(super::snapshot::parse_db_time);
                match ts {
                    Some(ts_ms) => replies.push(Reply {
                        ts_ms,
                        model: model.to_string(),
                    }),
                    None => super::snapshot::skip(out, n, "message without a timestamp".into()),
                }
            }
            _ => {}
        }
    }
    lines.bytes_read()
}
