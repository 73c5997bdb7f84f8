//! The fields of Claude Code JSONL rows that relayburn reads, deserialized zero-copy (strings
//! borrow from the line unless they contain escapes; big payloads stay as raw JSON slices).

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

pub(super) use crate::harness::wire::Count;

/// A row with its `message` read in the row's own pass (see [`Message`]).
pub(super) type Row<'a> = RowOf<'a, Message<'a>>;

/// A row with its `message` kept verbatim: the reader's fallback, whose outcome (values and
/// error texts) is the reference the single-pass [`Row`] must reproduce.
pub(super) type RawRow<'a> = RowOf<'a, &'a RawValue>;

/// A row with its `message` read in the row's own pass and the message's `content` read there
/// too (see [`LeanContent`]): the reader's read when it captures no content.
pub(super) type LeanRow<'a> = RowOf<'a, LeanMessage<'a>>;

#[derive(Deserialize)]
#[serde(bound(deserialize = "M: Deserialize<'de>"))]
pub(super) struct RowOf<'a, M> {
    #[serde(rename = "type", borrow, default, deserialize_with = "opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(
        rename = "sessionId",
        alias = "session_id",
        borrow,
        default,
        deserialize_with = "opt_str"
    )]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(alias = "ts", borrow, default, deserialize_with = "opt_str")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(rename = "gitBranch", borrow, default, deserialize_with = "opt_str")]
    pub git_branch: Option<Cow<'a, str>>,
    #[serde(
        rename = "requestId",
        alias = "request_id",
        borrow,
        default,
        deserialize_with = "opt_str"
    )]
    pub request_id: Option<Cow<'a, str>>,
    #[serde(rename = "isMeta", default)]
    pub is_meta: Option<bool>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub subtype: Option<Cow<'a, str>>,
    #[serde(default)]
    pub message: Option<M>,
    #[serde(rename = "compactMetadata", default)]
    pub compact_metadata: Option<CompactMetadata>,
    #[serde(
        rename = "forkSessionId",
        alias = "fork_session_id",
        borrow,
        default,
        deserialize_with = "opt_str"
    )]
    pub fork_session_id: Option<Cow<'a, str>>,
    #[serde(
        rename = "continuedFromSessionId",
        alias = "continued_from_session_id",
        borrow,
        default,
        deserialize_with = "opt_str"
    )]
    pub continued_from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub origin: Option<Origin<'a>>,
    /// `type:"progress"` rows: what the progress is about (for a subagent, its rows). Kept raw:
    /// other row types use `data` with other shapes, which must not fail the row.
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
}

/// `data` of a `type:"progress"` row. An `agent_progress` row embeds one row of a running
/// subagent (`message`, shaped like a top-level [`Row`]) and names the agent.
#[derive(Deserialize)]
pub(super) struct ProgressData<'a> {
    #[serde(borrow, default)]
    pub message: Option<&'a RawValue>,
    #[serde(rename = "agentId", borrow, default, deserialize_with = "opt_str")]
    pub agent_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct Origin<'a> {
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct CompactMetadata {
    #[serde(rename = "preTokens", default)]
    pub pre_tokens: Count,
}

#[derive(Deserialize, Clone)]
pub(super) struct AssistantMessage<'a> {
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub id: Option<Cow<'a, str>>,
    /// Read for rows without `type` (exports, old versions): `assistant` or `user`.
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub role: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub model: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    pub usage: Option<ClaudeUsage>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    /// `content` as a [`LeanRow`] reads it (then `content` is `None`).
    #[serde(skip)]
    pub lean: Option<LeanContent<'a>>,
}

#[derive(Deserialize, Clone)]
pub(super) struct AssistantBlock<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
}

/// An assistant content block with its text, read only when content is captured (decoding
/// escaped text costs more than skipping it).
#[derive(Deserialize)]
pub(super) struct AssistantContentBlock<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub input: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub thinking: Option<Cow<'a, str>>,
}

/// Absent counts are `None`, so an empty `usage: {}` can be told from zeros.
#[derive(Deserialize, Default, Clone)]
pub(super) struct ClaudeUsage {
    #[serde(default)]
    pub input_tokens: Option<Count>,
    #[serde(default)]
    pub output_tokens: Option<Count>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<Count>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<Count>,
    #[serde(default)]
    pub cache_creation: Option<CacheCreation>,
}

impl ClaudeUsage {
    /// True when the object names no token count at all (`usage: {}`).
    pub fn is_empty(&self) -> bool {
        self.input_tokens.is_none()
            && self.output_tokens.is_none()
            && self.cache_read_input_tokens.is_none()
            && self.cache_creation_input_tokens.is_none()
            && self.cache_creation.is_none()
    }
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct CacheCreation {
    #[serde(default)]
    pub ephemeral_5m_input_tokens: Count,
    #[serde(default)]
    pub ephemeral_1h_input_tokens: Count,
}

#[derive(Deserialize)]
pub(super) struct UserMessage<'a> {
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
}

#[derive(Deserialize, Clone)]
pub(super) struct UserBlock<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pub tool_use_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(default)]
    pub is_error: Option<bool>,
}

/// An optional string field, borrowed from the line unless it has escapes (serde's own
/// `Option<Cow<str>>` always copies). Accepts and rejects what `Option<String>` does, with
/// the same error text.
fn opt_str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct Str<'a>(Cow<'a, str>);
    impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_string(StrVisitor).map(Str)
        }
    }
    Ok(Option::<Str<'a>>::deserialize(d)?.map(|s| s.0))
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // serde's text for `String`, so errors read as before.
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// A row's `message`, read in the row's own pass with the fields of both an
/// [`AssistantMessage`] and a [`UserMessage`] (the latter reads only `content`).
///
/// Reading never fails on the message's shape (rows the reader ignores must not fail because
/// of it): a message that [`AssistantMessage`]'s or [`UserMessage`]'s derived parse might
/// reject or read differently (not an object, a repeated field, a field of another type) is
/// [`Message::Odd`], and the reader then re-reads the row as a [`RawRow`], the old two-pass
/// way, so outcomes and error texts stay those of that parse.
// One per row, on the stack and never in a collection: boxing the large variant would add an
// allocation to every row read.
#[allow(clippy::large_enum_variant)]
pub(super) enum Message<'a> {
    Parsed(AssistantMessage<'a>),
    /// Never handed to the row's handlers: the reader re-reads such a row as a [`RawRow`].
    Odd,
    /// From a [`RawRow`]: parsed when the row's kind needs it.
    Raw(&'a RawValue),
}

impl<'a> Message<'a> {
    /// The message as an assistant message; `what` prefixes the error.
    pub fn assistant(&self, what: &str) -> Result<Cow<'_, AssistantMessage<'a>>, String> {
        match self {
            Message::Parsed(m) => Ok(Cow::Borrowed(m)),
            Message::Raw(raw) => serde_json::from_str(raw.get())
                .map(Cow::Owned)
                .map_err(|e| format!("{what}: {e}")),
            Message::Odd => Err(format!("{what}: not re-read")),
        }
    }

    /// The message's content as a [`LeanRow`] read it.
    pub fn lean(&self) -> Option<&LeanContent<'a>> {
        match self {
            Message::Parsed(m) => m.lean.as_ref(),
            _ => None,
        }
    }

    /// The message as a user message; `what` prefixes the error.
    pub fn user(&self, what: &str) -> Result<UserMessage<'a>, String> {
        match self {
            Message::Parsed(m) => Ok(UserMessage { content: m.content }),
            Message::Raw(raw) => {
                serde_json::from_str(raw.get()).map_err(|e| format!("{what}: {e}"))
            }
            Message::Odd => Err(format!("{what}: not re-read")),
        }
    }
}

impl<'a, M> RowOf<'a, M> {
    /// The same row with its message turned into another form.
    fn with_message<N>(self, f: impl FnOnce(M) -> N) -> RowOf<'a, N> {
        RowOf {
            kind: self.kind,
            session_id: self.session_id,
            timestamp: self.timestamp,
            uuid: self.uuid,
            cwd: self.cwd,
            git_branch: self.git_branch,
            request_id: self.request_id,
            is_meta: self.is_meta,
            subtype: self.subtype,
            message: self.message.map(f),
            compact_metadata: self.compact_metadata,
            fork_session_id: self.fork_session_id,
            continued_from: self.continued_from,
            origin: self.origin,
            data: self.data,
        }
    }
}

impl<'a> RawRow<'a> {
    pub fn into_row(self) -> Row<'a> {
        self.with_message(Message::Raw)
    }
}

impl<'a> LeanRow<'a> {
    pub fn into_row(self) -> Row<'a> {
        self.with_message(|m| m.0)
    }
}

impl<'a> Row<'a> {
    /// True when the message must be re-read from a [`RawRow`].
    pub fn odd(&self) -> bool {
        matches!(self.message, Some(Message::Odd))
    }
}

/// A field value of a lenient read: absent/null, a value, or one of another shape.
enum Lenient<T> {
    Null,
    Value(T),
    Odd,
}

/// Visits of a boolean or a number, each giving `$value`.
macro_rules! scalar_visits {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// Visits of a lenient read: null is [`Lenient::Null`]; a scalar or an array (consumed) is
/// [`Lenient::Odd`], and so is a string with `odd_visits!(strings)`. Objects (and otherwise
/// strings) are visited by each reader.
macro_rules! odd_visits {
    (strings) => {
        odd_visits!();
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Lenient::Odd)
        }
    };
    () => {
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        scalar_visits!(Lenient::Odd);
        fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Self::Value, S::Error> {
            while s.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Lenient::Odd)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Lenient::Null)
        }
    };
}

/// A string or null; any other shape is odd.
struct LenientStr<'a>(Lenient<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient<Cow<'de, str>>;
            odd_visits!();
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient::Value(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient::Value(Cow::Owned(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient::Odd)
            }
        }
        d.deserialize_any(V).map(LenientStr)
    }
}

/// Reads the entries of an object, `known` giving a key's field index (below 32) if it has
/// one, and calls `field` with that index (it must read the value); other values are skipped.
/// Returns true when a known key repeats (a derived parse rejects that).
fn read_fields<'de, A: MapAccess<'de>>(
    m: &mut A,
    known: fn(&str) -> Option<u32>,
    mut field: impl FnMut(u32, &mut A) -> Result<(), A::Error>,
) -> Result<bool, A::Error> {
    struct K(fn(&str) -> Option<u32>);
    impl<'de> serde::de::DeserializeSeed<'de> for K {
        type Value = Option<u32>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_identifier(self)
        }
    }
    impl<'de> Visitor<'de> for K {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a field name")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok((self.0)(v))
        }
    }
    let mut seen = 0u32;
    let mut repeated = false;
    while let Some(key) = m.next_key_seed(K(known))? {
        let Some(i) = key else {
            m.next_value::<IgnoredAny>()?;
            continue;
        };
        repeated |= seen & (1 << i) != 0;
        seen |= 1 << i;
        field(i, m)?;
    }
    Ok(repeated)
}

impl<'de: 'a, 'a> Deserialize<'de> for Message<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_message(d, false)
    }
}

/// A [`Message`] whose `content` is read as [`LeanContent`] (in [`AssistantMessage::lean`]).
pub(super) struct LeanMessage<'a>(Message<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for LeanMessage<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_message(d, true).map(LeanMessage)
    }
}

/// Reads a [`Message`]; `lean` reads its `content` as [`LeanContent`].
fn read_message<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
    lean: bool,
) -> Result<Message<'a>, D::Error> {
    struct V {
        lean: bool,
    }
    impl<'de> Visitor<'de> for V {
        type Value = Lenient<AssistantMessage<'de>>;
        odd_visits!(strings);
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut msg = AssistantMessage {
                id: None,
                role: None,
                model: None,
                stop_reason: None,
                usage: None,
                content: None,
                lean: None,
            };
            let mut odd = false;
            let known = |k: &str| match k {
                "id" => Some(0),
                "role" => Some(1),
                "model" => Some(2),
                "stop_reason" => Some(3),
                "usage" => Some(4),
                "content" => Some(5),
                _ => None,
            };
            let repeated = read_fields(&mut m, known, |i, m| {
                match i {
                    0..=3 => {
                        let v = match m.next_value::<LenientStr<'de>>()?.0 {
                            Lenient::Null => None,
                            Lenient::Value(s) => Some(s),
                            Lenient::Odd => {
                                odd = true;
                                None
                            }
                        };
                        match i {
                            0 => msg.id = v,
                            1 => msg.role = v,
                            2 => msg.model = v,
                            _ => msg.stop_reason = v,
                        }
                    }
                    4 => match m.next_value::<LenientUsage>()?.0 {
                        Lenient::Null => msg.usage = None,
                        Lenient::Value(u) => msg.usage = Some(u),
                        Lenient::Odd => odd = true,
                    },
                    _ if self.lean => msg.lean = m.next_value()?,
                    _ => msg.content = m.next_value::<Option<&'de RawValue>>()?,
                }
                Ok(())
            })?;
            Ok(if odd || repeated {
                Lenient::Odd
            } else {
                Lenient::Value(msg)
            })
        }
    }
    Ok(match d.deserialize_any(V { lean })? {
        Lenient::Value(m) => Message::Parsed(m),
        // `null` never gets here (`Option<Message>` reads it as absent).
        Lenient::Null | Lenient::Odd => Message::Odd,
    })
}

/// `usage`, as [`ClaudeUsage`]'s derived parse reads it, or odd.
struct LenientUsage(Lenient<ClaudeUsage>);

impl<'de> Deserialize<'de> for LenientUsage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient<ClaudeUsage>;
            odd_visits!(strings);
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut u = ClaudeUsage::default();
                let mut odd = false;
                let known = |k: &str| match k {
                    "input_tokens" => Some(0),
                    "output_tokens" => Some(1),
                    "cache_read_input_tokens" => Some(2),
                    "cache_creation_input_tokens" => Some(3),
                    "cache_creation" => Some(4),
                    _ => None,
                };
                let repeated = read_fields(&mut m, known, |i, m| {
                    // `Count` reads any value; `Option` makes null absent.
                    match i {
                        0 => u.input_tokens = m.next_value()?,
                        1 => u.output_tokens = m.next_value()?,
                        2 => u.cache_read_input_tokens = m.next_value()?,
                        3 => u.cache_creation_input_tokens = m.next_value()?,
                        _ => match m.next_value::<LenientCacheCreation>()?.0 {
                            Lenient::Null => u.cache_creation = None,
                            Lenient::Value(c) => u.cache_creation = Some(c),
                            Lenient::Odd => odd = true,
                        },
                    }
                    Ok(())
                })?;
                Ok(if odd || repeated {
                    Lenient::Odd
                } else {
                    Lenient::Value(u)
                })
            }
        }
        d.deserialize_any(V).map(LenientUsage)
    }
}

/// `cache_creation`, as [`CacheCreation`]'s derived parse reads it, or odd.
struct LenientCacheCreation(Lenient<CacheCreation>);

impl<'de> Deserialize<'de> for LenientCacheCreation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient<CacheCreation>;
            odd_visits!(strings);
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut c = CacheCreation::default();
                let known = |k: &str| match k {
                    "ephemeral_5m_input_tokens" => Some(0),
                    "ephemeral_1h_input_tokens" => Some(1),
                    _ => None,
                };
                let repeated = read_fields(&mut m, known, |i, m| {
                    // `Count` reads any value (null as 0, like the derived parse).
                    match i {
                        0 => c.ephemeral_5m_input_tokens = m.next_value()?,
                        _ => c.ephemeral_1h_input_tokens = m.next_value()?,
                    }
                    Ok(())
                })?;
                Ok(if repeated {
                    Lenient::Odd
                } else {
                    Lenient::Value(c)
                })
            }
        }
        d.deserialize_any(V).map(LenientCacheCreation)
    }
}

/// A message's `content` read in the row's own pass, when the reader captures no content and
/// so needs only its tool calls and its user-turn blocks: the second parse of the content
/// (and its second scan of every string in it) is saved. A content that [`UserBlock`]'s or
/// [`AssistantBlock`]'s derived parse might read differently fails this read, and the reader
/// then re-reads the row as a [`RawRow`].
// `Clone` (here and in the block types) only because `Message::assistant` lends an
// `AssistantMessage` as a `Cow`; the reader never clones one.
#[derive(Clone)]
pub(super) enum LeanContent<'a> {
    /// A string, decoded (a typed prompt).
    Text(Cow<'a, str>),
    Blocks(Vec<Block<'a>>),
    /// Any other value: it holds neither tool calls nor user-turn blocks.
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for LeanContent<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LeanContent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LeanContent::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LeanContent::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Self::Value, S::Error> {
                let mut blocks = Vec::new();
                while let Some(b) = s.next_element()? {
                    blocks.push(b);
                }
                Ok(LeanContent::Blocks(blocks))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LeanContent::Other)
            }
            scalar_visits!(LeanContent::Other);
        }
        d.deserialize_any(V)
    }
}

/// A content block with the fields of both an [`AssistantBlock`] and a [`UserBlock`], read as
/// they read them. Stricter than either: a repeated field (of any of the eight), a field of
/// another type or a block that is not an object fails the read, where one of the two might
/// have read it (an array as a positional struct, a field it does not know).
#[derive(Clone)]
pub(super) struct Block<'a> {
    /// The block as an [`AssistantBlock`] reads it (`type`, `id`, `name`, `input`).
    pub tool: AssistantBlock<'a>,
    /// The block as a [`UserBlock`] reads it (`type`, `text`, `tool_use_id`, `content`,
    /// `is_error`).
    pub user: UserBlock<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Block<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OptStr<'a>(Option<Cow<'a, str>>);
        impl<'de: 'a, 'a> Deserialize<'de> for OptStr<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                opt_str(d).map(OptStr)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Block<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a content block")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut tool = AssistantBlock {
                    kind: None,
                    id: None,
                    name: None,
                    input: None,
                };
                let mut user = UserBlock {
                    kind: None,
                    text: None,
                    tool_use_id: None,
                    content: None,
                    is_error: None,
                };
                let known = |k: &str| match k {
                    "type" => Some(0),
                    "id" => Some(1),
                    "name" => Some(2),
                    "input" => Some(3),
                    "text" => Some(4),
                    "tool_use_id" => Some(5),
                    "content" => Some(6),
                    "is_error" => Some(7),
                    _ => None,
                };
                let repeated = read_fields(&mut m, known, |i, m| {
                    match i {
                        0 => tool.kind = m.next_value::<OptStr<'de>>()?.0,
                        1 => tool.id = m.next_value::<OptStr<'de>>()?.0,
                        2 => tool.name = m.next_value::<OptStr<'de>>()?.0,
                        3 => tool.input = m.next_value()?,
                        4 => user.text = m.next_value::<OptStr<'de>>()?.0,
                        5 => user.tool_use_id = m.next_value::<OptStr<'de>>()?.0,
                        6 => user.content = m.next_value()?,
                        _ => user.is_error = m.next_value()?,
                    }
                    Ok(())
                })?;
                if repeated {
                    return Err(serde::de::Error::custom("repeated content block field"));
                }
                // `type` is read once; both views have it (borrowed from the line but for escapes).
                user.kind = tool.kind.clone();
                Ok(Block { tool, user })
            }
        }
        // A map only: a derived parse would also take an array as a positional struct.
        d.deserialize_map(V)
    }
}
