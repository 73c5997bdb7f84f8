//! Reading one file from its cursor: head check, chunked line scan, reader, and batches of
//! records each carrying the cursor that moves past them (committed together by the writer).

use super::cursor::{Cursor, HEAD_BYTES};
use super::discover::{FileKind, SourceFile};
use super::job::{Batch, Job};
use crate::content::Capture;
use crate::harness::claude::{ClaudeReader, ClaudeState, FileContext, Subagent};
use crate::harness::codex::{self, CodexReader, CodexState};
use crate::harness::gemini::GeminiReader;
use crate::harness::pi::{self, PiReader};
use crate::harness::qwen::{self, QwenReader};
use crate::harness::LogReader;
use crate::harness::{copilot, grok, kimi};
use crate::scan::LineReader;
use crate::vocab::records::Records;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};

/// A response with no `stop_reason` is emitted as-is once its file has been idle this long.
pub const STREAM_GRACE_MS: i64 = 5 * 60 * 1000;
/// A batch is handed to the writer after this many records or input bytes (bounds memory).
/// A batch is applied whole, so its size also bounds how long a waiting stamp can wait for the
/// ingest to yield (`ledger::priority`): 1,000 records take a few milliseconds.
const BATCH_RECORDS: usize = 1000;
const BATCH_BYTES: u64 = 8 << 20;

/// Reads the line log of `job` (every harness but OpenCode and Copilot's store), calling `send` with each batch; stops early when `cancel` is set or `send`
/// returns false.
pub fn process(
    job: &Job,
    now_ms: i64,
    capture: Capture,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(Batch) -> bool,
) {
    if let Err(e) = read_file(job, now_ms, capture, cancel, send) {
        send(Batch {
            path: job.path.clone(),
            records: Records::default(),
            cursor: Cursor {
                path: job.path.clone(),
                harness: job.file.harness.as_str().into(),
                dev: 0,
                ino: 0,
                head_len: 0,
                head_hash: 0,
                size: 0,
                mtime_ms: 0,
                offset: 0,
                pending: 0,
                state: String::new(),
            },
            bytes_read: 0,
            done: true,
            error: Some(e.to_string()),
            prepared: Default::default(),
        });
    }
}

fn read_file(
    job: &Job,
    now_ms: i64,
    capture: Capture,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(Batch) -> bool,
) -> std::io::Result<()> {
    let mut file = crate::files::open_regular(&job.file.path)?;
    let head = read_head(&mut file, job.meta.size)?;
    let head_hash = crate::hash::head_hash(&head);

    // Resume only if the file still starts with the bytes we ingested.
    let (offset, state) = match &job.resume {
        Some(c)
            if c.head_len as usize <= head.len()
                && crate::hash::head_hash(&head[..c.head_len as usize]) == c.head_hash =>
        {
            (c.offset as u64, Some(c.state.as_str()))
        }
        _ => (0, None),
    };

    let mut reader = reader_for(&job.file, state, capture);
    // From the start, the head just read is where the lines begin (no second read of it).
    let already: &[u8] = if offset == 0 {
        &head
    } else {
        file.seek(SeekFrom::Start(offset))?;
        &[]
    };
    let expected = (job.meta.size as u64).saturating_sub(offset);
    // Idle past the grace period: the writer is done, so an unterminated last line is read.
    let idle = now_ms - job.meta.mtime_ms > STREAM_GRACE_MS;
    let mut lines = LineReader::with_size_hint(file, offset, expected)
        .with_read(already)
        .take_tail(idle);
    let mut records = Records::default();
    let mut last_flush_bytes = 0u64;
    let cursor_at = |reader: &dyn LogReader, offset: u64| Cursor {
        path: job.path.clone(),
        harness: job.file.harness.as_str().into(),
        dev: job.meta.dev,
        ino: job.meta.ino,
        head_len: head.len() as i64,
        head_hash,
        size: job.meta.size,
        mtime_ms: job.meta.mtime_ms,
        offset: offset as i64,
        pending: reader.pending(),
        state: reader.state_json(),
    };

    while let Some(line) = lines.next_line()? {
        reader.feed(&line, &mut records);
        let read = lines.bytes_read();
        if records.len() >= BATCH_RECORDS || read - last_flush_bytes >= BATCH_BYTES {
            if cancel.load(Ordering::Relaxed) {
                return Ok(());
            }
            let batch = Batch {
                path: job.path.clone(),
                records: std::mem::take(&mut records),
                cursor: cursor_at(reader.as_ref(), lines.resume_offset()),
                bytes_read: read - last_flush_bytes,
                done: false,
                error: None,
                prepared: Default::default(),
            };
            last_flush_bytes = read;
            if !send(batch) {
                return Ok(());
            }
        }
    }
    reader.finish(idle, &mut records);
    let read = lines.bytes_read();
    send(Batch {
        path: job.path.clone(),
        records,
        cursor: cursor_at(reader.as_ref(), lines.resume_offset()),
        bytes_read: read - last_flush_bytes,
        done: true,
        error: None,
        prepared: Default::default(),
    });
    Ok(())
}

/// The first bytes of the file (up to [`HEAD_BYTES`]), for identity checks.
fn read_head(file: &mut File, size: i64) -> std::io::Result<Vec<u8>> {
    let want = (size.max(0) as u64).min(HEAD_BYTES) as usize;
    let mut head = vec![0u8; want];
    let mut got = 0;
    while got < want {
        let n = file.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    head.truncate(got);
    Ok(head)
}

/// The reader for `file`'s harness, resumed from `state` (JSON from its cursor) when given.
fn reader_for(file: &SourceFile, state: Option<&str>, capture: Capture) -> Box<dyn LogReader> {
    fn resumed<T: serde::de::DeserializeOwned + Default>(state: Option<&str>) -> T {
        state
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
    match &file.kind {
        FileKind::CopilotEvents => {
            let ctx = copilot::events::context_for(&file.path);
            let reader = copilot::events::EventsReader::new(ctx, resumed(state));
            return Box::new(reader.with_capture(capture));
        }
        FileKind::KimiWire => {
            let ctx = kimi::context_for(&file.path);
            return Box::new(kimi::KimiReader::new(ctx, resumed(state)).with_capture(capture));
        }
        FileKind::GrokUpdates { parent } => {
            let ctx = grok::context_for(&file.path, parent.clone());
            return Box::new(grok::GrokReader::new(ctx, resumed(state)).with_capture(capture));
        }
        FileKind::GeminiChat { .. } => {
            let ctx = super::whole::gemini_context(file);
            return Box::new(GeminiReader::new(ctx, resumed(state)).with_capture(capture));
        }
        FileKind::QwenChat => {
            let ctx = qwen::FileContext {
                file_stem: file_stem(file),
            };
            return Box::new(QwenReader::new(ctx, resumed(state)).with_capture(capture));
        }
        FileKind::PiSession => {
            let ctx = pi::FileContext {
                file_stem: file_stem(file),
            };
            return Box::new(PiReader::new(ctx, resumed(state)).with_capture(capture));
        }
        _ => {}
    }
    if file.kind == FileKind::CodexRollout {
        let state: CodexState = state
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let ctx = codex::FileContext {
            file_stem: file_stem(file),
        };
        return Box::new(CodexReader::new(ctx, state).with_capture(capture));
    }
    let state: ClaudeState = state
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    Box::new(ClaudeReader::new(claude_context(file), state).with_capture(capture))
}

pub(super) fn file_stem(file: &SourceFile) -> String {
    file.path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn claude_context(file: &SourceFile) -> FileContext {
    let stem = file_stem(file);
    let subagent = match &file.kind {
        FileKind::ClaudeSubagent { parent_session } => Some(Subagent {
            parent_session: parent_session.clone(),
            session_id: format!("{parent_session}/{stem}"),
        }),
        _ => None,
    };
    FileContext {
        file_stem: stem,
        subagent,
        path: file.path.to_string_lossy().into_owned(),
    }
}
