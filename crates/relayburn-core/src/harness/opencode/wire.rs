//! The fields of OpenCode's session, message and part documents that relayburn reads. The
//! same JSON is stored as one file per document (`storage/`) or in the `data` column of the
//! SQLite database; there the id columns live outside the JSON, so ids are optional here.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize, Default)]
pub(super) struct SessionDoc<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "parentID", borrow, default)]
    pub parent_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub directory: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub title: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct MessageDoc<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "sessionID", borrow, default)]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub role: Option<Cow<'a, str>>,
    #[serde(default)]
    pub time: Option<Times>,
    #[serde(rename = "modelID", borrow, default)]
    pub model_id: Option<Cow<'a, str>>,
    #[serde(rename = "providerID", borrow, default)]
    pub provider_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub path: Option<MessagePath<'a>>,
    #[serde(default)]
    pub tokens: Option<Tokens>,
    #[serde(borrow, default)]
    pub finish: Option<Cow<'a, str>>,
    /// What OpenCode (or Kilo CLI) priced the message at, in USD.
    #[serde(default, deserialize_with = "lenient_cost")]
    pub cost: Option<f64>,
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct Times {
    #[serde(default)]
    pub created: Option<Count>,
    #[serde(default)]
    pub completed: Option<Count>,
}

#[derive(Deserialize)]
pub(super) struct MessagePath<'a> {
    #[serde(borrow, default)]
    pub cwd: Option<Cow<'a, str>>,
}

/// OpenCode token counts. `output` excludes `reasoning` (OpenCode subtracts it and prices
/// reasoning separately); `input` excludes cache reads and writes.
#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct Tokens {
    #[serde(default)]
    pub input: Count,
    #[serde(default)]
    pub output: Count,
    #[serde(default)]
    pub reasoning: Count,
    #[serde(default)]
    pub cache: Cache,
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct Cache {
    #[serde(default)]
    pub read: Count,
    #[serde(default)]
    pub write: Count,
}

#[derive(Deserialize)]
pub(super) struct PartDoc<'a> {
    #[serde(rename = "type", borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "callID", borrow, default)]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub tool: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub state: Option<ToolState<'a>>,
    #[serde(borrow, default)]
    pub reason: Option<Cow<'a, str>>,
    #[serde(default)]
    pub tokens: Option<Tokens>,
    /// A `step-finish` part's cost (USD): the price of that model call.
    #[serde(default, deserialize_with = "lenient_cost")]
    pub cost: Option<f64>,
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
}

/// A cost in USD: a finite, non-negative number below 10^9; anything else reads as absent.
fn lenient_cost<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| v.as_f64())
        .filter(|c| c.is_finite() && (0.0..1e9).contains(c)))
}

#[derive(Deserialize)]
pub(super) struct ToolState<'a> {
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub output: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub error: Option<Cow<'a, str>>,
}

/// Token counts and epoch-ms times: the one count type every reader shares (corrupt values
/// read as 0, sums cannot overflow).
pub(super) use crate::harness::wire::Count;
