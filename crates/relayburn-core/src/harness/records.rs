//! Records derived from harness logs, shared by every reader and written by the ingest writer.

use super::Harness;
use serde::{Deserialize, Serialize};

/// Token counts of one API response. `output` includes `reasoning`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

impl Usage {
    /// input + output + cache read + both cache writes (reasoning is inside output).
    pub fn total(&self) -> i64 {
        self.input + self.output + self.cache_read + self.cache_write_5m + self.cache_write_1h
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    #[serde(rename = "argsHash")]
    pub args_hash: String,
}

/// One model API response: the billing unit.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRecord {
    pub harness: Harness,
    /// Natural key, hashed into the row id (see `crate::hash`).
    pub key: String,
    pub session_id: String,
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts_ms: i64,
    pub model: String,
    pub provider: Option<String>,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub usage: Usage,
    pub stop_reason: Option<String>,
    /// False for a response that never finished (stored with its last snapshot).
    pub complete: bool,
    pub tool_calls: Vec<ToolCall>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTurnBlock {
    /// `text` or `tool_result`.
    pub kind: &'static str,
    #[serde(rename = "toolUseId", skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    pub bytes: i64,
    #[serde(rename = "approxTokens")]
    pub approx_tokens: i64,
    #[serde(rename = "isError", skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserTurnRecord {
    pub harness: Harness,
    pub session_id: String,
    pub uuid: String,
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub blocks: Vec<UserTurnBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompactionRecord {
    pub harness: Harness,
    pub session_id: String,
    /// Row uuid, or the timestamp when the row has none: part of the natural key.
    pub key: String,
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub tokens_before: Option<i64>,
}

/// How a session came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relationship {
    Root,
    Fork,
    Continuation,
    Subagent,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Root => "root",
            Relationship::Fork => "fork",
            Relationship::Continuation => "continuation",
            Relationship::Subagent => "subagent",
        }
    }
}

/// What a reader learned about a session (merged into the sessions table; first value wins).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionInfo {
    pub harness: Option<Harness>,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    /// Parent session, relationship and the evidence for it.
    pub parent: Option<(String, Relationship, String)>,
}

/// Everything a reader produced from a range of bytes.
#[derive(Debug, Default)]
pub struct Records {
    pub turns: Vec<TurnRecord>,
    pub user_turns: Vec<UserTurnRecord>,
    pub compactions: Vec<CompactionRecord>,
    pub sessions: Vec<SessionInfo>,
    /// Captured conversation content (empty when the content store is off).
    pub content: Vec<crate::content::ContentRecord>,
    pub lines_skipped: i64,
    /// First few bad lines, for the report: (line number within this pass, message).
    pub bad_lines: Vec<(i64, String)>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.turns.len() + self.user_turns.len() + self.compactions.len() + self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
