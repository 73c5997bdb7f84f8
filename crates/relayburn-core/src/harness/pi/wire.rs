//! The rows of a Pi session file (`packages/coding-agent/src/core/session-manager.ts` and
//! `packages/ai/src/types.ts` of badlogic/pi-mono): the header `{type: "session", version, id,
//! timestamp, cwd, parentSession}`, then entries `{type, id, parentId, timestamp}`; a
//! `message` entry holds an `AgentMessage` (`user`, `assistant` with `model`, `provider`,
//! `usage{input, output, cacheRead, cacheWrite, totalTokens, cost{…, total}}`, `content`,
//! `stopReason`, `timestamp` in epoch ms; `toolResult` with `toolCallId`, `isError`), a
//! `compaction` entry `tokensBefore`. Only the fields read.

use crate::harness::wire::Count;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize)]
pub(crate) struct Entry<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(rename = "parentSession", borrow, default)]
    pub parent_session: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub message: Option<Message<'a>>,
    #[serde(rename = "tokensBefore", default)]
    pub tokens_before: Count,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(crate) struct Message<'a> {
    #[serde(borrow, default)]
    pub role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub provider: Option<Cow<'a, str>>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(rename = "stopReason", borrow, default)]
    pub stop_reason: Option<Cow<'a, str>>,
    /// Epoch ms.
    #[serde(default)]
    pub timestamp: Count,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(rename = "toolCallId", borrow, default)]
    pub tool_call_id: Option<Cow<'a, str>>,
    #[serde(rename = "isError", default)]
    pub is_error: Option<bool>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Usage {
    #[serde(default)]
    pub input: Count,
    #[serde(default)]
    pub output: Count,
    #[serde(rename = "cacheRead", default)]
    pub cache_read: Count,
    #[serde(rename = "cacheWrite", default)]
    pub cache_write: Count,
    #[serde(default)]
    pub cost: Option<Cost>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Cost {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub total: Option<f64>,
}

/// A finite, non-negative number; anything else (a string, null, NaN) reads as none.
fn lenient_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(v.as_f64().filter(|f| f.is_finite() && *f >= 0.0))
}

/// A content block of an assistant or user message.
#[derive(Deserialize)]
pub(crate) struct Block<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub thinking: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub arguments: Option<&'a RawValue>,
}
