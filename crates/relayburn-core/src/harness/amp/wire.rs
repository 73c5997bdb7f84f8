//! The fields of an Amp thread document that relayburn reads. Every field is optional and
//! lenient (a count of the wrong type reads as 0), so one odd field never drops a thread.

use crate::harness::wire::Count;
use crate::vocab::records::Usage;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct Thread<'a> {
    #[serde(default)]
    pub id: Option<String>,
    /// Epoch ms.
    #[serde(default)]
    pub created: Option<Count>,
    #[serde(default)]
    pub title: Option<String>,
    /// Parsed one by one, so a malformed message is skipped alone.
    #[serde(borrow, default)]
    pub messages: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "usageLedger", default, deserialize_with = "lenient")]
    pub usage_ledger: Option<Ledger>,
    #[serde(default, deserialize_with = "lenient")]
    pub env: Option<Env>,
}

#[derive(Deserialize)]
pub(super) struct Message {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(rename = "messageId", default, deserialize_with = "lenient")]
    pub message_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub content: Option<Vec<Block>>,
    #[serde(default, deserialize_with = "lenient")]
    pub usage: Option<MessageUsage>,
    #[serde(default, deserialize_with = "lenient")]
    pub state: Option<State>,
    #[serde(default, deserialize_with = "lenient")]
    pub meta: Option<Meta>,
}

#[derive(Deserialize)]
pub(super) struct Meta {
    /// Epoch ms.
    #[serde(rename = "sentAt", default)]
    pub sent_at: Count,
}

#[derive(Deserialize)]
pub(super) struct State {
    #[serde(rename = "stopReason", default)]
    pub stop_reason: Option<String>,
}

/// `messages[].usage`: Anthropic-style counts (`inputTokens` excludes the cache parts).
#[derive(Deserialize)]
pub(super) struct MessageUsage {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(rename = "inputTokens", default)]
    pub input: Count,
    #[serde(rename = "outputTokens", default)]
    pub output: Count,
    #[serde(rename = "cacheCreationInputTokens", default)]
    pub cache_creation: Count,
    #[serde(rename = "cacheReadInputTokens", default)]
    pub cache_read: Count,
    /// Only a fallback when the split counts are all missing (counted as output).
    #[serde(rename = "totalTokens", default)]
    pub total: Count,
}

impl MessageUsage {
    pub fn usage(&self) -> Usage {
        let mut u = Usage {
            input: self.input.0,
            output: self.output.0,
            reasoning: 0,
            cache_read: self.cache_read.0,
            cache_write_5m: self.cache_creation.0,
            cache_write_1h: 0,
        };
        if u.total() == 0 {
            u.output = self.total.0;
        }
        u
    }
}

#[derive(Deserialize)]
pub(super) struct Ledger {
    #[serde(default, deserialize_with = "lenient")]
    pub events: Option<Vec<Box<serde_json::value::RawValue>>>,
}

/// `usageLedger.events[]` of older threads.
#[derive(Deserialize)]
pub(super) struct Event {
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub tokens: Option<EventTokens>,
    #[serde(rename = "toMessageId", default, deserialize_with = "lenient")]
    pub to_message_id: Option<i64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct EventTokens {
    #[serde(default)]
    pub input: Count,
    #[serde(default)]
    pub output: Count,
}

/// One content block of a message (`text`, `thinking`, `tool_use`, `tool_result`).
#[derive(Deserialize)]
pub(super) struct Block {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub thinking: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub input: Option<serde_json::Value>,
    #[serde(rename = "toolUseID", default)]
    pub tool_use_id: Option<String>,
    #[serde(default)]
    pub run: Option<serde_json::Value>,
}

impl Block {
    /// A tool result's text: `run.result` (a string as is, anything else as JSON).
    pub fn result_text(&self) -> Option<String> {
        let result = self.run.as_ref()?.get("result")?;
        Some(match result {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => return None,
            other => other.to_string(),
        })
    }

    pub fn failed(&self) -> bool {
        let status = self.run.as_ref().and_then(|r| r.get("status"));
        matches!(
            status.and_then(|s| s.as_str()),
            Some("error" | "rejected-by-user" | "cancelled")
        )
    }
}

/// `env.initial.trees[0].uri`: the workspace the thread started in.
#[derive(Deserialize)]
pub(super) struct Env {
    #[serde(default, deserialize_with = "lenient")]
    pub initial: Option<EnvInitial>,
}

#[derive(Deserialize)]
pub(super) struct EnvInitial {
    #[serde(default, deserialize_with = "lenient")]
    pub trees: Option<Vec<Tree>>,
}

#[derive(Deserialize)]
pub(super) struct Tree {
    #[serde(default)]
    pub uri: Option<String>,
}

impl Env {
    pub fn project(self) -> Option<String> {
        let uri = self.initial?.trees?.into_iter().find_map(|t| t.uri)?;
        let path = uri.strip_prefix("file://").unwrap_or(&uri);
        (!path.is_empty()).then(|| path.to_string())
    }
}

/// A field of the wrong shape reads as absent instead of failing the whole document.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// An id written as a string or a number.
fn lenient_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}
