//! A tool call's arguments read from their JSON text without building a tree of values: the
//! `argsHash` (SHA-256 of the key-sorted compact JSON, see [`crate::hash`]) written straight
//! into the hash, and the top-level string fields a reader takes its target from.
//!
//! The hash equals `short_hex(serde_json::Value::to_string())` (`Value`'s map sorts its keys,
//! a duplicate key keeps its last value; a text that does not parse, or `null`, hashes as
//! `{}`). Building that `Value` and its string was most of a Claude tool call's cost: every
//! written file's content was copied into the tree, escaped again into the string, then
//! hashed. Here a string whose escapes are already the ones `serde_json` writes (the common
//! `\n`, `\"`, `\\`) is hashed as its source bytes; objects and arrays hold their members'
//! source text ([`RawValue`]) and are walked again one level down.

use crate::hash::short_hex_of;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;

/// `serde_json`'s nesting limit: deeper text does not parse as a `Value`, so it hashes as `{}`.
const MAX_DEPTH: usize = 127;

/// A JSON text read for its hash and its top-level string fields.
pub struct Args<'a> {
    /// The members of a top-level object, sorted by key, one per key (the last written);
    /// empty for any other value and for a text that does not parse as a `Value`.
    members: Vec<(Cow<'a, str>, &'a RawValue)>,
    hash: String,
}

impl<'a> Args<'a> {
    pub fn parse(text: &'a str) -> Self {
        let mut out = Sha256::new();
        let mut members = Vec::new();
        let written = match text.trim_start().as_bytes().first() {
            Some(b'{') => members_of(text).and_then(|m| {
                members = m;
                write_object(&members, &mut out, 1)
            }),
            _ => match serde_json::from_str::<&RawValue>(text) {
                Ok(raw) if raw.get() != "null" => write_value(raw.get(), &mut out, 0),
                Ok(_) => Err(de::Error::custom("null")),
                Err(e) => Err(e),
            },
        };
        match written {
            Ok(()) => Args {
                members,
                hash: short_hex_of(out),
            },
            // A text a `Value` would not hold (a lone surrogate, a number out of range, too
            // deep) is no object either.
            Err(_) => Args {
                members: Vec::new(),
                hash: crate::hash::short_hex(b"{}"),
            },
        }
    }

    /// The top-level field `key` when it is a string (unescaped).
    pub fn str(&self, key: &str) -> Option<String> {
        let i = self
            .members
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()?;
        serde_json::from_str::<String>(self.members[i].1.get()).ok()
    }

    /// 16 hex characters of SHA-256 over the key-sorted compact JSON (`{}` for `null` or a
    /// text that does not parse).
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

type Result<T> = std::result::Result<T, serde_json::Error>;

/// Writes the compact, key-sorted form of the JSON value `raw`, text `serde_json` has checked
/// (a [`RawValue`]), `depth` values enclosing it.
fn write_value(raw: &str, out: &mut Sha256, depth: usize) -> Result<()> {
    match raw.as_bytes().first() {
        Some(b'{') => write_object(&members_of(raw)?, out, depth + 1),
        Some(b'[') => {
            if depth + 1 > MAX_DEPTH {
                return Err(de::Error::custom("recursion limit exceeded"));
            }
            let items: Vec<&RawValue> = serde_json::from_str(raw)?;
            out.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.update(b",");
                }
                write_value(item.get(), out, depth + 1)?;
            }
            out.update(b"]");
            Ok(())
        }
        Some(b'"') => write_string(raw, out),
        Some(b't' | b'f' | b'n') => {
            out.update(raw.as_bytes());
            Ok(())
        }
        _ => {
            // Numbers as `serde_json` prints them (`1.50` → `1.5`, `1e2` → `100.0`).
            let n: serde_json::Number = serde_json::from_str(raw)?;
            serde_json::to_writer(&mut *out, &n)
        }
    }
}

fn write_object(
    members: &[(Cow<'_, str>, &RawValue)],
    out: &mut Sha256,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(de::Error::custom("recursion limit exceeded"));
    }
    out.update(b"{");
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.update(b",");
        }
        serde_json::to_writer(&mut *out, key.as_ref())?;
        out.update(b":");
        write_value(value.get(), out, depth)?;
    }
    out.update(b"}");
    Ok(())
}

/// A string as `serde_json` writes it: its source text when every escape in it is one
/// `serde_json` would write, else decoded (a lone surrogate fails here, as in a `Value`) and
/// written again.
fn write_string(raw: &str, out: &mut Sha256) -> Result<()> {
    if written_as_is(raw) {
        out.update(raw.as_bytes());
        return Ok(());
    }
    let s: Cow<'_, str> = serde_json::from_str::<Key<'_>>(raw)?.0;
    serde_json::to_writer(&mut *out, s.as_ref())
}

/// Whether `serde_json` would write the string literal `raw` back byte for byte: escapes only
/// `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx` (lowercase) for the other control
/// characters; everything else, `/` and non-ASCII included, as itself.
fn written_as_is(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'\\', &b[i..]) {
        let e = i + at + 1;
        match b.get(e) {
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => i = e + 1,
            Some(b'u') => {
                let Some(hex) = b.get(e + 1..e + 5) else {
                    return false;
                };
                let lower = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
                if hex[0] != b'0' || hex[1] != b'0' || !hex.iter().all(lower) {
                    return false;
                }
                let code = u8::from_str_radix(&raw[e + 3..e + 5], 16).unwrap_or(0xff);
                if code >= 0x20 || matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                    return false;
                }
                i = e + 5;
            }
            _ => return false,
        }
    }
    true
}

/// An object's members in key order, the last of each key kept (as `Value`'s map does).
fn members_of(raw: &str) -> Result<Vec<(Cow<'_, str>, &RawValue)>> {
    let mut list = serde_json::from_str::<Members<'_>>(raw)?.0;
    list.sort_by(|a, b| a.0.cmp(&b.0)); // stable: a key's copies stay in written order
    let mut kept: Vec<(Cow<'_, str>, &RawValue)> = Vec::with_capacity(list.len());
    for m in list {
        match kept.last_mut() {
            Some(last) if last.0 == m.0 => *last = m,
            _ => kept.push(m),
        }
    }
    Ok(kept)
}

struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> de::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut list = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((k, v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    list.push((k.0, v));
                }
                Ok(Members(list))
            }
        }
        d.deserialize_map(V)
    }
}

/// A string, borrowed from the text when it has no escapes (serde's `Cow<str>` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                s: &'de str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests;
