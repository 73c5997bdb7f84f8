//! What a reader hands the content store: the captured blocks of one log row. How blocks are
//! built (hashing, compression) and stored lives in [`crate::content`].

use super::Harness;

/// Codec of a stored block's `data`.
pub const CODEC_RAW: i64 = 0;
/// LZ4 block format with a little-endian u32 size prefix (`lz4_flex::compress_prepend_size`).
pub const CODEC_LZ4: i64 = 1;

/// The captured blocks of one log row (a user row, or one row of an assistant response).
#[derive(Debug, Clone, PartialEq)]
pub struct ContentRecord {
    pub harness: Harness,
    pub session_id: String,
    /// Identifies the row within the session (Claude: the row `uuid`); with the block index it
    /// is the natural key, so re-reading a row rewrites the same keys.
    pub message_key: String,
    /// The message the blocks belong to (assistant `message.id`; user rows: the `uuid`).
    pub message_id: String,
    /// `user` or `assistant`.
    pub role: &'static str,
    pub ts_ms: i64,
    /// Position in the conversation: the byte offset of the row in its log (OpenCode: the
    /// message's creation time).
    pub seq: i64,
    pub blocks: Vec<ContentBlock>,
    /// The record is the message's whole current content and replaces what is stored
    /// (OpenCode rewrites a message while it streams); otherwise stored blocks are kept.
    pub replace: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContentBlock {
    /// `text`, `thinking`, `tool_use` or `tool_result`.
    pub kind: &'static str,
    pub tool_name: Option<String>,
    pub tool_use_id: Option<String>,
    pub is_error: bool,
    /// UTF-8 length of the text.
    pub bytes: i64,
    /// SHA-256 of the text.
    pub hash: [u8; 32],
    pub codec: i64,
    /// `None` in `hash-only` mode.
    pub data: Option<Vec<u8>>,
}
