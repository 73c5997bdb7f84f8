//! The rows of a Gemini CLI chat file, as `ChatRecordingService` writes them
//! (`packages/core/src/services/chatRecordingTypes.ts`): the session header
//! `{sessionId, projectHash, startTime, lastUpdated, kind, directories}`, message records
//! `{id, timestamp, type, content, model, tokens, toolCalls}`, `{$set: {…}}` metadata updates
//! (a checkpoint may carry the whole `messages` list) and `{$rewindTo: id}`. A legacy
//! `session-*.json` is the header with `messages` in one document. Only the fields read.

use crate::harness::wire::Count;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize, Default)]
pub(crate) struct Record<'a> {
    #[serde(rename = "$rewindTo", borrow, default)]
    pub rewind_to: Option<Cow<'a, str>>,
    #[serde(rename = "$set", borrow, default)]
    pub set: Option<Box<Record<'a>>>,
    #[serde(rename = "sessionId", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(rename = "projectHash", borrow, default)]
    pub project_hash: Option<Cow<'a, str>>,
    #[serde(default)]
    pub directories: Option<Vec<String>>,
    #[serde(borrow, default)]
    pub messages: Option<Vec<Record<'a>>>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    pub kind_of_message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    #[serde(default)]
    pub tokens: Option<Tokens>,
    #[serde(rename = "toolCalls", borrow, default)]
    pub tool_calls: Option<Vec<ToolCallRecord<'a>>>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub thoughts: Option<Vec<Thought<'a>>>,
}

/// A `ThoughtSummary`: `{subject, description}`.
#[derive(Deserialize)]
pub(crate) struct Thought<'a> {
    #[serde(borrow, default)]
    pub subject: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub description: Option<Cow<'a, str>>,
}

/// `TokensSummary`: `input` is the prompt including cached tokens; thoughts and tool-use
/// prompt tokens are counted apart.
#[derive(Deserialize, Default, Clone, Copy)]
pub(crate) struct Tokens {
    #[serde(default)]
    pub input: Count,
    #[serde(default)]
    pub output: Count,
    #[serde(default)]
    pub cached: Count,
    #[serde(default)]
    pub thoughts: Count,
    #[serde(default)]
    pub tool: Count,
    #[serde(default)]
    pub total: Count,
}

#[derive(Deserialize)]
pub(crate) struct ToolCallRecord<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub args: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
}
