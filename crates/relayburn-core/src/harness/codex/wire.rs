//! The fields of Codex rollout rows that relayburn reads, deserialized zero-copy. Every row is
//! an envelope `{"timestamp", "type", "payload"}`; all payload kinds share one struct of
//! optional fields (unknown fields are skipped), so a row is parsed once.

pub(super) use crate::harness::wire::{payload_bytes, payload_text, Count};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize)]
pub(super) struct Envelope<'a> {
    /// An ISO-8601 string, or (some writers) epoch milliseconds as a number.
    #[serde(borrow, default)]
    pub timestamp: Option<&'a RawValue>,
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub payload: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
pub(super) struct Payload<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    // session_meta
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    /// The session's creation: an ISO-8601 string or epoch milliseconds.
    #[serde(borrow, default)]
    pub timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub forked_from_id: Option<Cow<'a, str>>,
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
    pub parent_thread_id: Option<Cow<'a, str>>,
    /// A string (`cli`, `exec`, …) or `{"subagent": {"thread_spawn": {"parent_thread_id"}}}`.
    #[serde(borrow, default)]
    pub source: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub model_provider: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub git: Option<Git<'a>>,
    // session_meta, turn_context
    #[serde(borrow, default)]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    // turn_context, task_started, task_complete, turn_aborted
    #[serde(borrow, default)]
    pub turn_id: Option<Cow<'a, str>>,
    // token_count
    #[serde(borrow, default)]
    pub info: Option<TokenInfo<'a>>,
    // message
    #[serde(borrow, default)]
    pub role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    /// user_message event text (a string), compacted summary.
    #[serde(borrow, default)]
    pub message: Option<&'a RawValue>,
    // tool calls and their outputs
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub arguments: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub action: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub output: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct Git<'a> {
    #[serde(borrow, default)]
    pub branch: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct TokenInfo<'a> {
    #[serde(default)]
    pub total_token_usage: Option<TokenUsage>,
    #[serde(default)]
    pub last_token_usage: Option<TokenUsage>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
}

/// OpenAI usage: `input_tokens` includes `cached_input_tokens`, `output_tokens` includes
/// `reasoning_output_tokens`.
#[derive(Deserialize, Default)]
pub(super) struct TokenUsage {
    #[serde(default)]
    pub input_tokens: Count,
    #[serde(default)]
    pub cached_input_tokens: Count,
    #[serde(default)]
    pub output_tokens: Count,
    #[serde(default)]
    pub reasoning_output_tokens: Count,
}

#[derive(Deserialize)]
pub(super) struct ContentBlock<'a> {
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct Source<'a> {
    #[serde(borrow, default)]
    pub subagent: Option<SubagentSource<'a>>,
}

#[derive(Deserialize)]
pub(super) struct SubagentSource<'a> {
    #[serde(borrow, default)]
    pub thread_spawn: Option<ThreadSpawn<'a>>,
}

#[derive(Deserialize)]
pub(super) struct ThreadSpawn<'a> {
    #[serde(borrow, default)]
    pub parent_thread_id: Option<Cow<'a, str>>,
}
