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
        return decoded_len(text).unwrap_or(text.len()) as i64;
    }
    if text == "null" {
        return 0;
    }
    text.len() as i64
}

/// The UTF-8 length of the string a JSON text holding one string literal decodes to, counted
/// without decoding it; `None` where `serde_json::from_str::<String>` fails (bad or
/// unterminated escapes, control characters, unpaired surrogates, trailing non-whitespace).
fn decoded_len(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let h = b.get(at..at + 4)?;
        h.iter()
            .try_fold(0u32, |n, &c| Some(n << 4 | (c as char).to_digit(16)?))
    };
    let mut i = 1; // past the opening quote
    let mut len = 0;
    loop {
        let rest = &b[i..];
        let j = memchr::memchr2(b'"', b'\\', rest)?;
        // Raw control characters are not allowed in a JSON string.
        if rest[..j].iter().fold(false, |bad, &c| bad | (c < 0x20)) {
            return None;
        }
        len += j;
        i += j + 1;
        if rest[j] == b'"' {
            break;
        }
        match *b.get(i)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                len += 1;
                i += 1;
            }
            b'u' => {
                let n = hex4(i + 1)?;
                i += 5;
                len += match n {
                    0..=0x7F => 1,
                    0x80..=0x7FF => 2,
                    // A leading surrogate must be followed by an escaped trailing one.
                    0xD800..=0xDBFF => {
                        if b.get(i..i + 2)? != b"\\u" || !(0xDC00..=0xDFFF).contains(&hex4(i + 2)?)
                        {
                            return None;
                        }
                        i += 6;
                        4
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => 3,
                };
            }
            _ => return None,
        }
    }
    b[i..]
        .iter()
        .all(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .then_some(len)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The implementation `payload_bytes` had before counting without decoding: the reference.
    fn payload_bytes_decoding(text: &str) -> i64 {
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

    fn counted(text: &str) -> i64 {
        if text.starts_with('"') {
            return decoded_len(text).unwrap_or(text.len()) as i64;
        }
        payload_bytes_decoding(text)
    }

    fn check(text: &str) {
        assert_eq!(counted(text), payload_bytes_decoding(text), "{text:?}");
        // Through `payload_bytes` itself whenever the text is a valid raw value (which drops
        // surrounding whitespace).
        if let Ok(raw) = RawValue::from_string(text.to_string()) {
            assert_eq!(
                payload_bytes(&raw),
                payload_bytes_decoding(raw.get()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn counting_matches_decoding_on_chosen_cases() {
        let cases = [
            r#""""#,
            r#""abc""#,
            r#""é漢🎉""#,
            r#""a\nb\tc\r\"\\\/\b\f""#,
            r#""\u0000\u007f\u0080\u07FF\u0800\uffff\uFFFE""#,
            r#""\ud83c\udf89""#,
            r#""\uD83C\uDF89 and \uDBFF\uDFFF and \uD800\uDC00""#,
            r#""\ud800""#,
            r#""\ud800x""#,
            r#""\ud800\n""#,
            r#""\ud800\u0041""#,
            r#""\ud800\ud800\udc00""#,
            r#""\udc00""#,
            r#""\udfff\ud800""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\uD800\uDC0""#,
            r#""\x""#,
            r#""\'""#,
            r#""\"#,
            r#"""#,
            r#""abc"#,
            r#""abc\""#,
            "\"tab\there\"",
            "\"nl\nhere\"",
            "\"\u{1f}\"",
            "\"\u{7f}\"",
            "\"abc\" ",
            "\"abc\"\n\t\r ",
            r#""abc" x"#,
            r#""abc""def""#,
            r#""a\\""#,
            r#""a\\\""#,
            "null",
            "nul",
            "123",
            "[\"a\\nb\"]",
            r#"{"k":"v\n"}"#,
            "",
        ];
        for c in cases {
            check(c);
        }
    }

    #[test]
    fn counting_matches_decoding_on_generated_strings() {
        // xorshift64*: a fixed seed, so a failure reproduces.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let pieces: &[&str] = &[
            "a",
            "Z",
            " ",
            "é",
            "漢",
            "🎉",
            "\\n",
            "\\t",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b",
            "\\f",
            "\\r",
            "\\u0041",
            "\\u00e9",
            "\\u6f22",
            "\\uD83C\\uDF89",
            "\\ud83c",
            "\\udf89",
            "\\uDBFF",
            "\\uDC00",
            "\\u",
            "\\u00",
            "\\uzzzz",
            "\\x",
            "\\",
            "\"",
            "\n",
            "\u{1}",
            "\u{7f}",
            "u",
            "0",
            "D800",
            "\\ud800\\",
            "\\ud800\\u",
            "\\ud800\\ud800",
        ];
        let mut text = String::new();
        for _ in 0..200_000 {
            text.clear();
            text.push('"');
            for _ in 0..next() % 12 {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            match next() % 8 {
                0 => {}
                1 => text.push_str("\" "),
                2 => text.push_str("\"x"),
                _ => text.push('"'),
            }
            check(&text);
        }
    }
}
