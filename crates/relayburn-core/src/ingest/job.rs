//! What the ingest orchestrator hands a file reader (a [`Job`]) and what readers hand the
//! writer (a [`Batch`]). The JSONL reader (`file`) and the OpenCode reader (`opencode`) both
//! speak these types and never import each other.

use super::cursor::Cursor;
use super::discover::SourceFile;
use super::turn_row::Prepared;
use crate::vocab::records::Records;

/// What stat said about a file when it was planned.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta {
    pub dev: i64,
    pub ino: i64,
    pub size: i64,
    pub mtime_ms: i64,
}

impl FileMeta {
    pub fn of(meta: &std::fs::Metadata) -> FileMeta {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev() as i64, meta.ino() as i64)
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0i64, 0i64);
        let mtime_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        FileMeta {
            dev,
            ino,
            size: meta.len() as i64,
            mtime_ms,
        }
    }
}

/// One file to read, from where.
pub struct Job {
    pub file: SourceFile,
    pub path: String,
    pub meta: FileMeta,
    /// The stored cursor to resume from (None: read from the start).
    pub resume: Option<Cursor>,
}

/// Records from a byte range of one file, and the cursor just past that range.
pub struct Batch {
    pub path: String,
    pub records: Records,
    pub cursor: Cursor,
    pub bytes_read: u64,
    /// The last batch of this file.
    pub done: bool,
    /// The file could not be read (reported, not fatal).
    pub error: Option<String>,
    /// The rows' derived columns, filled just before the batch is sent to the writer.
    pub prepared: Prepared,
}
