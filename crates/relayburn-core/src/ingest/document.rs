//! Whole-document jobs of JSONL harnesses: a Gemini CLI legacy `session-*.json` holds the
//! whole conversation in one JSON object that Gemini CLI rewrote on every change. It is read
//! whole when its size or mtime changes (its cursor's offset stays 0); its message keys are the
//! ones a `.jsonl` continuation of the same session uses, so nothing is counted twice.
//! Also: what a Gemini chat file's reader needs to know from where the file lies.

use super::cursor::Cursor;
use super::discover::{FileKind, SourceFile};
use super::job::{Batch, Job};
use crate::content::Capture;
use crate::harness::gemini::{self, FileContext};
use crate::vocab::records::Records;
use std::path::Path;

/// The largest legacy document read (larger ones are reported, not read).
const MAX_DOCUMENT_BYTES: u64 = 256 << 20;
/// The largest `.project_root` marker read.
const MAX_MARKER_BYTES: u64 = 64 << 10;

/// Reads a legacy Gemini CLI document whole, calling `send` with its one batch.
pub fn process(job: &Job, capture: Capture, send: &mut dyn FnMut(Batch) -> bool) {
    let cursor = Cursor {
        path: job.path.clone(),
        harness: job.file.harness.as_str().into(),
        dev: job.meta.dev,
        ino: job.meta.ino,
        head_len: 0,
        head_hash: 0,
        size: job.meta.size,
        mtime_ms: job.meta.mtime_ms,
        offset: 0,
        pending: 0,
        state: String::new(),
    };
    let mut records = Records::default();
    let error = match crate::files::read_regular_to_string(&job.file.path, MAX_DOCUMENT_BYTES) {
        Ok(text) => {
            gemini::legacy_records(&text, gemini_context(&job.file), capture, &mut records);
            None
        }
        Err(e) => Some(e.to_string()),
    };
    send(Batch {
        path: job.path.clone(),
        records,
        cursor,
        bytes_read: if error.is_none() {
            job.meta.size as u64
        } else {
            0
        },
        done: true,
        error,
    });
}

/// A Gemini chat file's context: its session id fallback (the file stem), the parent session
/// of a subagent chat, and the project root from the project directory's `.project_root`
/// marker (Gemini CLI writes the root there; without it the chats name no directory).
pub fn gemini_context(file: &SourceFile) -> FileContext {
    let parent_session = match &file.kind {
        FileKind::GeminiChat { parent_session } => parent_session.clone(),
        _ => None,
    };
    let chats = file.path.parent().map(|p| {
        if parent_session.is_some() {
            p.parent().unwrap_or(p)
        } else {
            p
        }
    });
    let project = chats
        .and_then(Path::parent)
        .and_then(|dir| {
            crate::files::read_regular_to_string(&dir.join(".project_root"), MAX_MARKER_BYTES).ok()
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    FileContext {
        file_stem: file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        parent_session,
        project,
    }
}
