//! The fields of OpenCode's session, message and part documents that relayburn reads. The
//! same JSON is stored as one file per document (`storage/`) or in the `data` column of the
//! SQLite database; there the id columns live outside the JSON, so ids are optional here.

use serde::de::{Deserializer, IgnoredAny, Visitor};
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
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
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

/// A token count or epoch-ms time: a non-negative JSON integer (an integral float is
/// accepted, as JavaScript may write one); anything else reads as 0.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a count")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count(i64::try_from(v).unwrap_or(0)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(Count(v.max(0)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                let ok = v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 9.0e15;
                Ok(Count(if ok { v as i64 } else { 0 }))
            }
            fn visit_str<E>(self, _: &str) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Count, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Count, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
        }
        d.deserialize_any(V)
    }
}
