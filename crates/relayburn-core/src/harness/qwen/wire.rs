//! The fields of a Qwen Code `ChatRecord` that are read (see the module doc for the source).

use crate::harness::wire::Count;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize)]
pub(crate) struct ChatRecord<'a> {
    #[serde(borrow, default)]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub subtype: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(rename = "gitBranch", borrow, default)]
    pub git_branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    #[serde(rename = "usageMetadata", default)]
    pub usage_metadata: Option<UsageMetadata>,
    #[serde(borrow, default)]
    pub message: Option<Content<'a>>,
    #[serde(rename = "toolCallResult", borrow, default)]
    pub tool_call_result: Option<ToolCallResult<'a>>,
    #[serde(rename = "systemPayload", borrow, default)]
    pub system_payload: Option<SystemPayload<'a>>,
    #[serde(rename = "forkedFrom", borrow, default)]
    pub forked_from: Option<ForkedFrom<'a>>,
}

/// `GenerateContentResponseUsageMetadata` (Google GenAI names).
#[derive(Deserialize, Default)]
pub(crate) struct UsageMetadata {
    #[serde(rename = "promptTokenCount", default)]
    pub prompt: Count,
    #[serde(rename = "candidatesTokenCount", default)]
    pub candidates: Count,
    #[serde(rename = "cachedContentTokenCount", default)]
    pub cached: Count,
    #[serde(rename = "thoughtsTokenCount", default)]
    pub thoughts: Count,
    #[serde(rename = "toolUsePromptTokenCount", default)]
    pub tool: Count,
    #[serde(rename = "totalTokenCount", default)]
    pub total: Count,
}

/// A GenAI `Content`: `{role, parts}`.
#[derive(Deserialize)]
pub(crate) struct Content<'a> {
    #[serde(borrow, default)]
    pub parts: Option<Vec<Part<'a>>>,
}

#[derive(Deserialize)]
pub(crate) struct Part<'a> {
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    /// A thought summary part (its `text` is reasoning).
    #[serde(default)]
    pub thought: Option<bool>,
    #[serde(rename = "functionCall", borrow, default)]
    pub function_call: Option<FunctionCall<'a>>,
    #[serde(rename = "functionResponse", borrow, default)]
    pub function_response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct FunctionResponse<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct FunctionCall<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub args: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct ToolCallResult<'a> {
    #[serde(rename = "callId", borrow, default)]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct SystemPayload<'a> {
    #[serde(rename = "parentSessionId", borrow, default)]
    pub parent_session_id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub info: Option<CompressionInfo>,
}

#[derive(Deserialize)]
pub(crate) struct CompressionInfo {
    #[serde(rename = "originalTokenCount", default)]
    pub original_token_count: Count,
}

#[derive(Deserialize)]
pub(crate) struct ForkedFrom<'a> {
    #[serde(rename = "sessionId", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
}
