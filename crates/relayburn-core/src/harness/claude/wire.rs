//! The fields of Claude Code JSONL rows that relayburn reads, deserialized zero-copy (strings
//! borrow from the line unless they contain escapes; big payloads stay as raw JSON slices).

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

pub(super) use crate::harness::wire::Count;

#[derive(Deserialize)]
pub(super) struct Row<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", alias = "session_id", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(alias = "ts", borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(rename = "gitBranch", borrow, default)]
    pub git_branch: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", alias = "request_id", borrow, default)]
    pub request_id: Option<Cow<'a, str>>,
    #[serde(rename = "isMeta", default)]
    pub is_meta: Option<bool>,
    #[serde(borrow, default)]
    pub subtype: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub message: Option<&'a RawValue>,
    #[serde(rename = "compactMetadata", default)]
    pub compact_metadata: Option<CompactMetadata>,
    #[serde(rename = "forkSessionId", alias = "fork_session_id", borrow, default)]
    pub fork_session_id: Option<Cow<'a, str>>,
    #[serde(
        rename = "continuedFromSessionId",
        alias = "continued_from_session_id",
        borrow,
        default
    )]
    pub continued_from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub origin: Option<Origin<'a>>,
    /// `type:"progress"` rows: what the progress is about (for a subagent, its rows). Kept raw:
    /// other row types use `data` with other shapes, which must not fail the row.
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
}

/// `data` of a `type:"progress"` row. An `agent_progress` row embeds one row of a running
/// subagent (`message`, shaped like a top-level [`Row`]) and names the agent.
#[derive(Deserialize)]
pub(super) struct ProgressData<'a> {
    #[serde(borrow, default)]
    pub message: Option<&'a RawValue>,
    #[serde(rename = "agentId", borrow, default)]
    pub agent_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct Origin<'a> {
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct CompactMetadata {
    #[serde(rename = "preTokens", default)]
    pub pre_tokens: Count,
}

#[derive(Deserialize)]
pub(super) struct AssistantMessage<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    /// Read for rows without `type` (exports, old versions): `assistant` or `user`.
    #[serde(borrow, default)]
    pub role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    pub usage: Option<ClaudeUsage>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct AssistantBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
}

/// An assistant content block with its text, read only when content is captured (decoding
/// escaped text costs more than skipping it).
#[derive(Deserialize)]
pub(super) struct AssistantContentBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub thinking: Option<Cow<'a, str>>,
}

/// Absent counts are `None`, so an empty `usage: {}` can be told from zeros.
#[derive(Deserialize, Default)]
pub(super) struct ClaudeUsage {
    #[serde(default)]
    pub input_tokens: Option<Count>,
    #[serde(default)]
    pub output_tokens: Option<Count>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<Count>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<Count>,
    #[serde(default)]
    pub cache_creation: Option<CacheCreation>,
}

impl ClaudeUsage {
    /// True when the object names no token count at all (`usage: {}`).
    pub fn is_empty(&self) -> bool {
        self.input_tokens.is_none()
            && self.output_tokens.is_none()
            && self.cache_read_input_tokens.is_none()
            && self.cache_creation_input_tokens.is_none()
            && self.cache_creation.is_none()
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CacheCreation {
    #[serde(default)]
    pub ephemeral_5m_input_tokens: Count,
    #[serde(default)]
    pub ephemeral_1h_input_tokens: Count,
}

#[derive(Deserialize)]
pub(super) struct UserMessage<'a> {
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct UserBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub tool_use_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(default)]
    pub is_error: Option<bool>,
}
