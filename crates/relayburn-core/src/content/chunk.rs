//! The content store's rows: a chunk is the blocks one write added to one session, as a list of
//! [`Entry`]s encoded with `postcard`. A session's content is what folding its chunks in write
//! order gives ([`Fold`]): the per-block rules below are the ones the store applied row by row
//! before chunks (store schema 1), so storing a batch is one row instead of a row per block.
//!
//! The rules, for the block stored under (message key, block index):
//! - a kept entry ([`Rule::Keep`]) is stored when the key is new; a key stored without text
//!   (hash-only) gains the entry's text, and nothing else changes;
//! - an overwriting entry (a message rewritten while it streams) replaces the stored block when
//!   its hash, kind or having text differs (the message id stays the first one's);
//! - a truncation drops the message's blocks from an index on (the rewritten message is shorter).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    Keep,
    Overwrite,
}

/// One block of one message, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockEntry<'a> {
    pub rule: Rule,
    pub message_key: &'a str,
    pub message_id: &'a str,
    pub role: &'a str,
    pub block_index: u32,
    pub ts_ms: i64,
    pub seq: i64,
    pub kind: &'a str,
    #[serde(borrow)]
    pub tool_name: Option<&'a str>,
    #[serde(borrow)]
    pub tool_use_id: Option<&'a str>,
    pub is_error: bool,
    pub bytes: i64,
    pub hash: [u8; 32],
    pub codec: i64,
    #[serde(borrow, with = "text_bytes")]
    pub data: Option<&'a [u8]>,
}

/// A block's text as one byte string: serde writes a `&[u8]` as a sequence, a call per byte
/// (a fifth of the content writer's time); postcard's wire format for both is the same.
mod text_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    struct Bytes<'b>(&'b [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    pub fn serialize<S: Serializer>(data: &Option<&[u8]>, s: S) -> Result<S::Ok, S::Error> {
        data.map(Bytes).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de [u8]>, D::Error> {
        Option::<&'de [u8]>::deserialize(d)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Entry<'a> {
    #[serde(borrow)]
    Block(BlockEntry<'a>),
    /// Drops the message's blocks with an index of `from` or more.
    Truncate {
        message_key: &'a str,
        from: u32,
        ts_ms: i64,
    },
}

impl Entry<'_> {
    /// The message time retention compares with.
    pub fn ts_ms(&self) -> i64 {
        match self {
            Entry::Block(b) => b.ts_ms,
            Entry::Truncate { ts_ms, .. } => *ts_ms,
        }
    }
}

pub fn encode(entries: &[Entry<'_>]) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_allocvec(entries)
}

pub fn decode(bytes: &[u8]) -> Result<Vec<Entry<'_>>, postcard::Error> {
    postcard::from_bytes(bytes)
}

/// What a block entry does to the block stored under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Insert,
    FillText,
    Overwrite,
    Nothing,
}

/// The part of a stored block the rules read.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'s> {
    pub hash: &'s [u8; 32],
    pub kind: &'s str,
    pub has_text: bool,
}

pub fn effect(stored: Option<Shape<'_>>, b: &BlockEntry<'_>) -> Effect {
    let Some(s) = stored else {
        return Effect::Insert;
    };
    match b.rule {
        Rule::Keep if !s.has_text && b.data.is_some() => Effect::FillText,
        Rule::Keep => Effect::Nothing,
        Rule::Overwrite
            if *s.hash != b.hash || s.kind != b.kind || s.has_text != b.data.is_some() =>
        {
            Effect::Overwrite
        }
        Rule::Overwrite => Effect::Nothing,
    }
}

/// A session's blocks after folding entries in write order.
#[derive(Debug, Default)]
pub struct Fold<'a> {
    blocks: BTreeMap<(&'a str, u32), BlockEntry<'a>>,
}

impl<'a> Fold<'a> {
    /// Applies one entry; true when the stored blocks changed.
    pub fn apply(&mut self, entry: Entry<'a>) -> bool {
        match entry {
            Entry::Block(b) => {
                let key = (b.message_key, b.block_index);
                let stored = self.blocks.get_mut(&key);
                let shape = stored.as_ref().map(|s| Shape {
                    hash: &s.hash,
                    kind: s.kind,
                    has_text: s.data.is_some(),
                });
                match (effect(shape, &b), stored) {
                    (Effect::Insert, _) => {
                        self.blocks.insert(key, b);
                    }
                    (Effect::FillText, Some(s)) => {
                        s.codec = b.codec;
                        s.data = b.data;
                    }
                    (Effect::Overwrite, Some(s)) => {
                        let message_id = s.message_id;
                        *s = BlockEntry { message_id, ..b };
                    }
                    _ => return false,
                }
                true
            }
            Entry::Truncate {
                message_key, from, ..
            } => {
                let gone: Vec<_> = self
                    .blocks
                    .range((message_key, from)..=(message_key, u32::MAX))
                    .map(|(k, _)| *k)
                    .collect();
                for k in &gone {
                    self.blocks.remove(k);
                }
                !gone.is_empty()
            }
        }
    }

    /// The stored blocks, by key.
    pub fn stored(&self) -> impl Iterator<Item = &BlockEntry<'a>> {
        self.blocks.values()
    }

    /// The stored blocks in conversation order (position, time, message key, block index).
    pub fn into_ordered(self) -> Vec<BlockEntry<'a>> {
        let mut out: Vec<_> = self.blocks.into_values().collect();
        out.sort_by(|a, b| {
            (a.seq, a.ts_ms, a.message_key, a.block_index).cmp(&(
                b.seq,
                b.ts_ms,
                b.message_key,
                b.block_index,
            ))
        });
        out
    }
}

/// What a writer knows of a session already stored: each key's [`Shape`], to write only the
/// entries that change something (a row read again rewrites nothing).
#[derive(Debug, Default)]
pub struct Known {
    blocks: BTreeMap<(String, u32), KnownBlock>,
}

#[derive(Debug)]
struct KnownBlock {
    hash: [u8; 32],
    kind: String,
    has_text: bool,
}

impl KnownBlock {
    fn of(b: &BlockEntry<'_>) -> KnownBlock {
        KnownBlock {
            hash: b.hash,
            kind: b.kind.to_string(),
            has_text: b.data.is_some(),
        }
    }
}

impl Known {
    /// Applies `entry` to what is known; true when it changes the stored blocks (write it).
    pub fn changes(&mut self, entry: &Entry<'_>) -> bool {
        match entry {
            Entry::Block(b) => {
                let key = (b.message_key.to_string(), b.block_index);
                let stored = self.blocks.get(&key).map(|k| Shape {
                    hash: &k.hash,
                    kind: &k.kind,
                    has_text: k.has_text,
                });
                match effect(stored, b) {
                    Effect::Nothing => false,
                    Effect::FillText => {
                        if let Some(s) = self.blocks.get_mut(&key) {
                            s.has_text = true;
                        }
                        true
                    }
                    Effect::Insert | Effect::Overwrite => {
                        self.blocks.insert(key, KnownBlock::of(b));
                        true
                    }
                }
            }
            Entry::Truncate {
                message_key, from, ..
            } => {
                let start = (message_key.to_string(), *from);
                let end = (message_key.to_string(), u32::MAX);
                let gone: Vec<_> = self
                    .blocks
                    .range(start..=end)
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in &gone {
                    self.blocks.remove(k);
                }
                !gone.is_empty()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<'a>(
        rule: Rule,
        key: &'a str,
        i: u32,
        id: &'a str,
        hash: u8,
        data: Option<&'a [u8]>,
    ) -> Entry<'a> {
        Entry::Block(BlockEntry {
            rule,
            message_key: key,
            message_id: id,
            role: "assistant",
            block_index: i,
            ts_ms: i64::from(hash),
            seq: 0,
            kind: "text",
            tool_name: None,
            tool_use_id: None,
            is_error: false,
            bytes: 1,
            hash: [hash; 32],
            codec: 0,
            data,
        })
    }

    /// The rules the store applied per row before chunks, one by one.
    #[test]
    fn folding_applies_the_per_block_rules() {
        let mut fold = Fold::default();
        let mut known = Known::default();
        let steps = [
            (block(Rule::Keep, "m", 0, "first", 1, None), true),
            // Kept: the same key again changes nothing, even with another hash...
            (block(Rule::Keep, "m", 0, "x", 2, None), false),
            // ...but a block stored without text gains it (and keeps its hash).
            (block(Rule::Keep, "m", 0, "x", 2, Some(b"t")), true),
            (block(Rule::Keep, "m", 0, "x", 2, Some(b"u")), false),
            // Overwriting: only when the hash, kind or having text differs.
            (block(Rule::Overwrite, "m", 0, "x", 1, Some(b"t")), false),
            (block(Rule::Overwrite, "m", 0, "x", 3, Some(b"v")), true),
            (block(Rule::Overwrite, "m", 1, "x", 4, Some(b"w")), true),
            (block(Rule::Keep, "m", 2, "x", 5, Some(b"z")), true),
            // Truncating drops the message's blocks from an index on.
            (
                Entry::Truncate {
                    message_key: "m",
                    from: 1,
                    ts_ms: 0,
                },
                true,
            ),
            (
                Entry::Truncate {
                    message_key: "m",
                    from: 1,
                    ts_ms: 0,
                },
                false,
            ),
            (
                Entry::Truncate {
                    message_key: "other",
                    from: 0,
                    ts_ms: 0,
                },
                false,
            ),
        ];
        for (i, (entry, changes)) in steps.into_iter().enumerate() {
            assert_eq!(known.changes(&entry), changes, "step {i}");
            assert_eq!(fold.apply(entry), changes, "step {i}");
        }
        let stored = fold.into_ordered();
        assert_eq!(stored.len(), 1);
        // The overwrite took the hash, time and text; the message id stays the first one's.
        assert_eq!(
            (
                stored[0].message_id,
                stored[0].hash,
                stored[0].ts_ms,
                stored[0].data
            ),
            ("first", [3; 32], 3, Some(&b"v"[..]))
        );
    }

    #[test]
    fn entries_round_trip_borrowing_their_text() {
        let entries = vec![
            block(Rule::Keep, "k", 0, "id", 9, Some(b"text")),
            block(Rule::Overwrite, "k", 1, "id", 8, None),
            Entry::Truncate {
                message_key: "k",
                from: 2,
                ts_ms: -1,
            },
        ];
        let bytes = encode(&entries).unwrap();
        assert_eq!(decode(&bytes).unwrap(), entries);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
