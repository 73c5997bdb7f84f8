//! Jobs of the harnesses that keep session totals (Droid settings files, Goose and Crush
//! databases): each is read whole when its stat changes (offset 0) and hands the writer one
//! batch of snapshot groups; a database's cursor state holds a digest per session
//! ([`DigestState`]) so only the sessions that changed are written.

use super::cursor::Cursor;
use super::discover::FileKind;
use super::job::{Batch, FileMeta, Job};
use crate::harness::snapshot::DigestState;
use crate::harness::{crush, droid, goose};
use crate::vocab::records::Records;

/// A Droid session's stat folds in its transcript's (either may change alone).
pub fn with_transcript(settings: &std::path::Path, meta: FileMeta) -> FileMeta {
    let transcript = droid::transcript_of(settings).and_then(|t| std::fs::metadata(t).ok());
    match transcript {
        Some(t) => {
            let t = FileMeta::of(&t);
            FileMeta {
                size: meta.size + t.size,
                mtime_ms: meta.mtime_ms.max(t.mtime_ms),
                ..meta
            }
        }
        None => meta,
    }
}

/// Reads one job, calling `send` with its batch.
pub fn process(job: &Job, capture: crate::content::Capture, send: &mut dyn FnMut(Batch) -> bool) {
    let mut records = Records::default();
    let mut state = String::new();
    let read: Result<u64, String> = match &job.file.kind {
        FileKind::DroidSession => {
            // Without replies the total sits at the settings file's own last write.
            let mtime = std::fs::metadata(&job.file.path)
                .map(|m| FileMeta::of(&m).mtime_ms)
                .unwrap_or(job.meta.mtime_ms);
            droid::read_session(&job.file.path, mtime, &capture, &mut records)
                .map_err(|e| e.to_string())
        }
        FileKind::GooseDb | FileKind::CrushDb { .. } => {
            let mut digests: DigestState = job
                .resume
                .as_ref()
                .and_then(|c| serde_json::from_str(&c.state).ok())
                .unwrap_or_default();
            let read = match &job.file.kind {
                FileKind::CrushDb { project } => crush::read(
                    &job.file.path,
                    project.as_deref(),
                    &mut digests,
                    &mut records,
                ),
                _ => goose::read(&job.file.path, &mut digests, &mut records),
            };
            state = serde_json::to_string(&digests).unwrap_or_default();
            read
        }
        _ => return,
    };
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
        state,
    };
    let (bytes_read, error) = match read {
        Ok(n) => (n, None),
        Err(e) => {
            records = Records::default();
            (0, Some(e))
        }
    };
    // An error batch is reported and not applied: the cursor stays, the next pass reads again.
    send(Batch {
        path: job.path.clone(),
        records,
        cursor,
        bytes_read,
        done: true,
        error,
        prepared: Default::default(),
    });
}
