//! JSON helpers every harness reader shares: lenient token counts and the size and text of
//! raw payloads (tool inputs and results).

use serde::de::{Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A token count (or epoch-ms time): a non-negative JSON integer or integral float; anything
/// else (negative, fractional, string, null, object) reads as 0, so one odd field never drops a row. Values above
/// [`MAX_COUNT`] are corrupt (no log holds a quadrillion tokens; epoch ms are far below) and
/// read as 0 too, so sums of counts can never overflow.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count(pub i64);

/// The largest count accepted: 10^15.
pub(crate) const MAX_COUNT: i64 = 1_000_000_000_000_000;

impl Count {
    fn sane(v: i64) -> i64 {
        if (0..=MAX_COUNT).contains(&v) {
            v
        } else {
            0
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a token count")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count(i64::try_from(v).map_or(0, Count::sane)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(Count(Count::sane(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                // An integral float is accepted: JavaScript writers may produce one.
                let ok = v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_COUNT as f64;
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

/// Byte length of a JSON payload as the model saw it: decoded UTF-8 for a string, the raw
/// JSON text for anything else, 0 for null.
pub(crate) fn payload_bytes(raw: &RawValue) -> i64 {
    let text = raw.get();
    if text.starts_with('"') {
        return serde_json::from_str::<Cow<str>>(text)
            .map(|s| s.len() as i64)
            .unwrap_or(text.len() as i64);
    }
    if text == "null" {
        return 0;
    }
    text.len() as i64
}

/// A payload as the model saw it: the decoded string for a JSON string, the verbatim JSON
/// text for anything else, empty for null.
pub(crate) fn payload_text(raw: &RawValue) -> Cow<'_, str> {
    let text = raw.get();
    if text.starts_with('"') {
        return serde_json::from_str::<Cow<str>>(text).unwrap_or(Cow::Borrowed(text));
    }
    if text == "null" {
        return Cow::Borrowed("");
    }
    Cow::Borrowed(text)
}

/// A tool call from its id, name and JSON arguments: `argsHash` over the key-sorted input (the
/// same hash every reader gives the same input) and the primary target `target_of` names.
pub(crate) fn tool_call(
    id: String,
    name: String,
    args: Option<&RawValue>,
    target_of: fn(&str, &serde_json::Value) -> Option<String>,
) -> crate::vocab::records::ToolCall {
    // serde_json's default map is a BTreeMap, so re-serializing sorts keys at every depth.
    let value: serde_json::Value = args
        .and_then(|a| serde_json::from_str(a.get()).ok())
        .unwrap_or(serde_json::Value::Null);
    let stable = match &value {
        serde_json::Value::Object(_) => value.to_string(),
        _ => "{}".to_string(),
    };
    crate::vocab::records::ToolCall {
        args_hash: crate::hash::short_hex(stable.as_bytes()),
        target: target_of(&name, &value),
        id,
        name,
    }
}

/// Text of a Google GenAI `PartListUnion` (a string, a part, or a list of either): the
/// `text` of each part, concatenated.
pub(crate) fn parts_text(raw: &RawValue) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => out.push_str(s),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(t)) = map.get("text") {
                    out.push_str(t);
                }
            }
            _ => {}
        }
    }
    let mut out = String::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw.get()) {
        walk(&v, &mut out);
    }
    out
}

/// At most this many skipped documents or entries per file are described in the report.
const MAX_SKIPS_REPORTED: usize = 5;

/// Counts a skipped document or entry of a whole-document log (Amp, Cline family) in `out`,
/// describing the first few (line 0: not a line of a JSONL file).
pub(crate) fn skip_entry(out: &mut crate::vocab::records::Records, message: String) {
    out.lines_skipped += 1;
    if out.bad_lines.len() < MAX_SKIPS_REPORTED {
        out.bad_lines.push((0, message));
    }
}
