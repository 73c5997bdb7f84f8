//! The content store: the conversation text of each session (user text, assistant text,
//! thinking, tool inputs, tool results), per message and block in conversation order, kept in
//! `content.sqlite` beside the ledger so harnesses pruning their logs do not make sessions
//! unexplainable. Modes and retention: [`settings`]. Storage, pruning and reads: [`store`].
//!
//! Readers build [`ContentRecord`](crate::vocab::content::ContentRecord)s on the parse threads: each block is hashed (SHA-256) and,
//! in `full` mode, LZ4-compressed there, so the single writer thread only inserts rows.

pub mod chunk;
mod journal;
pub mod privacy;
pub mod settings;
pub mod store;

pub use settings::{ContentMode, ContentSettings, Retention};
pub use store::{prune_content, session_content, ContentBlockRow, ContentMessage, PruneReport};

use crate::vocab::content::{ContentBlock, CODEC_LZ4, CODEC_RAW};
use sha2::{Digest, Sha256};

/// Blocks shorter than this are stored uncompressed (LZ4 cannot win on them).
const COMPRESS_MIN_BYTES: usize = 128;

/// What a reader captures: the resolved mode and the retention cutoff (messages older than
/// `cutoff_ms` are not captured at all: the next prune would delete them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capture {
    pub mode: ContentMode,
    pub cutoff_ms: Option<i64>,
}

impl Default for Capture {
    fn default() -> Self {
        Capture {
            mode: ContentMode::Off,
            cutoff_ms: None,
        }
    }
}

impl Capture {
    pub fn is_off(&self) -> bool {
        self.mode == ContentMode::Off
    }

    /// True when a message at `ts_ms` is captured.
    pub fn wants(&self, ts_ms: i64) -> bool {
        !self.is_off() && self.cutoff_ms.is_none_or(|c| ts_ms >= c)
    }

    /// Builds a block from its text (hash always; compressed data in `full` mode).
    pub fn block(
        &self,
        kind: &'static str,
        text: &str,
        tool_name: Option<&str>,
        tool_use_id: Option<&str>,
        is_error: bool,
    ) -> ContentBlock {
        let hash: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        let (codec, data) = match self.mode {
            ContentMode::Full if text.len() >= COMPRESS_MIN_BYTES => {
                let packed = lz4_flex::compress_prepend_size(text.as_bytes());
                if packed.len() < text.len() {
                    (CODEC_LZ4, Some(packed))
                } else {
                    (CODEC_RAW, Some(text.as_bytes().to_vec()))
                }
            }
            ContentMode::Full => (CODEC_RAW, Some(text.as_bytes().to_vec())),
            _ => (CODEC_RAW, None),
        };
        ContentBlock {
            kind,
            tool_name: tool_name.map(str::to_string),
            tool_use_id: tool_use_id.map(str::to_string),
            is_error,
            bytes: text.len() as i64,
            hash,
            codec,
            data,
        }
    }
}

/// Decodes a stored block's text.
pub(crate) fn decode(codec: i64, data: &[u8]) -> Option<String> {
    let bytes = match codec {
        CODEC_RAW => data.to_vec(),
        CODEC_LZ4 => lz4_flex::decompress_size_prepended(data).ok()?,
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests;
