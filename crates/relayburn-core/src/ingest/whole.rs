//! Whole-document jobs: Amp threads, Cline-family tasks and Gemini CLI's legacy
//! `session-*.json` chats, JSON files their harness rewrites whole. A changed file (size or
//! mtime; for a task, also its API history) is read whole and all its records are sent in one
//! batch with the cursor (offset 0, the reader's state), so a crash re-reads the document and
//! its keys make that an upsert (a legacy chat's message keys are the ones a `.jsonl`
//! continuation of the same session uses, so nothing is counted twice).
//! Also: what a Gemini chat file's reader needs to know from where the file lies.

use super::cursor::Cursor;
use super::discover::{FileKind, SourceFile};
use super::job::{Batch, FileMeta, Job};
use crate::content::Capture;
use crate::harness::amp::AmpState;
use crate::harness::cline::{TaskHistory, TaskState};
use crate::harness::gemini::{self, FileContext};
use crate::vocab::records::Records;
use std::path::{Path, PathBuf};

/// Largest document read (a thread or task this large is reported, not read).
const MAX_DOC_BYTES: u64 = 512 << 20;
/// The largest `.project_root` marker read.
const MAX_MARKER_BYTES: u64 = 64 << 10;

/// The API history beside a task's `ui_messages.json`.
fn history_path(ui_messages: &Path) -> PathBuf {
    ui_messages.with_file_name("api_conversation_history.json")
}

/// A task's stat folds in its API history (the model of a request may be named only there).
pub fn with_history(path: &Path, meta: FileMeta) -> FileMeta {
    match std::fs::metadata(history_path(path)) {
        Ok(h) if h.is_file() => {
            let h = FileMeta::of(&h);
            FileMeta {
                size: meta.size + h.size,
                mtime_ms: meta.mtime_ms.max(h.mtime_ms),
                ..meta
            }
        }
        _ => meta,
    }
}

/// Reads a whole-document job, calling `send` with its one batch.
pub fn process(job: &Job, capture: Capture, send: &mut dyn FnMut(Batch) -> bool) {
    let mut records = Records::default();
    let prior = job.resume.as_ref().map(|c| c.state.as_str()).unwrap_or("");
    let read = read(job, prior, &capture, &mut records);
    let (state, bytes, error) = match read {
        Ok((state, bytes)) => (state, bytes, None),
        Err(e) => (prior.to_string(), 0, Some(e)),
    };
    // A document rewritten while it was read: the next pass reads it again.
    let now = std::fs::metadata(&job.file.path).ok().map(|m| {
        let m = FileMeta::of(&m);
        match job.file.kind {
            FileKind::ClineTask => with_history(&job.file.path, m),
            _ => m,
        }
    });
    let moved = now.is_none_or(|m| m.size != job.meta.size || m.mtime_ms != job.meta.mtime_ms);
    send(Batch {
        path: job.path.clone(),
        records: if error.is_some() {
            Records::default()
        } else {
            records
        },
        cursor: Cursor {
            path: job.path.clone(),
            harness: job.file.harness.as_str().into(),
            dev: job.meta.dev,
            ino: job.meta.ino,
            head_len: 0,
            head_hash: 0,
            size: job.meta.size,
            mtime_ms: if moved { -1 } else { job.meta.mtime_ms },
            offset: 0,
            pending: 0,
            state,
        },
        bytes_read: bytes,
        done: true,
        error,
        prepared: Default::default(),
    });
}

/// The records of one document and the cursor state after it, with the bytes read. An
/// unreadable document (bad JSON) is counted as a skipped document, not an error.
fn read(
    job: &Job,
    prior: &str,
    capture: &Capture,
    out: &mut Records,
) -> Result<(String, u64), String> {
    let path = &job.file.path;
    let doc =
        crate::files::read_regular_to_string(path, MAX_DOC_BYTES).map_err(|e| e.to_string())?;
    let mut bytes = doc.len() as u64;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match job.file.kind {
        FileKind::AmpThread => {
            let mut state: AmpState = serde_json::from_str(prior).unwrap_or_default();
            let read = crate::harness::amp::thread_records(&doc, &stem, capture, &mut state, out);
            if let Err(e) = read {
                crate::harness::wire::skip_entry(out, e);
                return Ok((prior.to_string(), bytes));
            }
            Ok((serde_json::to_string(&state).unwrap_or_default(), bytes))
        }
        FileKind::ClineTask => {
            let task_id = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or(stem);
            let mut history =
                match crate::files::read_regular_to_string(&history_path(path), MAX_DOC_BYTES) {
                    Ok(h) => {
                        bytes += h.len() as u64;
                        TaskHistory::parse(&h)
                    }
                    Err(_) => TaskHistory::default(),
                };
            // Roo Code's task list entry (parent task, workspace), when it keeps one.
            let item = path.with_file_name("history_item.json");
            if let Ok(h) = crate::files::read_regular_to_string(&item, 1 << 20) {
                bytes += h.len() as u64;
                history.add_history_item(&h);
            }
            let mut state: TaskState = serde_json::from_str(prior).unwrap_or_default();
            let read = crate::harness::cline::task_records(
                job.file.harness,
                &task_id,
                &doc,
                &history,
                capture,
                &mut state,
                out,
            );
            if let Err(e) = read {
                crate::harness::wire::skip_entry(out, e);
                // The state describes what is counted; an unreadable rewrite changes nothing.
                return Ok((prior.to_string(), bytes));
            }
            Ok((serde_json::to_string(&state).unwrap_or_default(), bytes))
        }
        FileKind::GeminiLegacy => {
            let ctx = gemini_context(&job.file);
            gemini::legacy_records(&doc, ctx, *capture, out);
            Ok((prior.to_string(), bytes))
        }
        _ => Ok((prior.to_string(), 0)),
    }
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
