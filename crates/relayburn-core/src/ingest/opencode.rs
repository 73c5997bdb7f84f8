//! OpenCode jobs: whole documents (storage session and message files) and the database. A
//! document is re-read whole when its size or mtime changes, so its cursor's offset stays 0;
//! the database cursor carries its read position in `state` ([`DbState`]).

use super::cursor::Cursor;
use super::discover::FileKind;
use super::job::{Batch, FileMeta, Job};
use crate::content::Capture;
use crate::harness::opencode::db::{self, DbState};
use crate::harness::opencode::storage;
use crate::vocab::records::Records;

/// A database's stat folds in its `-wal` file: WAL writes leave the main file untouched.
pub fn with_wal(path: &std::path::Path, meta: FileMeta) -> FileMeta {
    match std::fs::metadata(crate::files::wal_of(path)) {
        Ok(w) => {
            let w = FileMeta::of(&w);
            FileMeta {
                size: meta.size + w.size,
                mtime_ms: meta.mtime_ms.max(w.mtime_ms),
                ..meta
            }
        }
        Err(_) => meta,
    }
}

/// Reads an OpenCode job, calling `send` with each batch.
pub fn process(job: &Job, capture: Capture, send: &mut dyn FnMut(Batch) -> bool) {
    let cursor = |pending: i64, state: String| Cursor {
        path: job.path.clone(),
        harness: job.file.harness.as_str().into(),
        dev: job.meta.dev,
        ino: job.meta.ino,
        head_len: 0,
        head_hash: 0,
        size: job.meta.size,
        mtime_ms: job.meta.mtime_ms,
        offset: 0,
        pending,
        state,
    };
    let batch = |records: Records, cursor: Cursor, bytes_read: u64, done: bool| Batch {
        path: job.path.clone(),
        records,
        cursor,
        bytes_read,
        done,
        error: None,
        prepared: Default::default(),
    };
    let failed = |message: String| Batch {
        error: Some(message),
        ..batch(Records::default(), cursor(0, String::new()), 0, true)
    };
    match job.file.kind {
        FileKind::OpenCodeSession | FileKind::OpenCodeMessage => {
            let mut records = Records::default();
            let read = if job.file.kind == FileKind::OpenCodeSession {
                storage::read_session_file(&job.file.path, &mut records)
            } else {
                storage::read_message_file_with(&job.file.path, &capture, &mut records)
            };
            send(match read {
                Ok(n) => batch(records, cursor(0, String::new()), n, true),
                Err(e) => failed(e.to_string()),
            });
        }
        FileKind::OpenCodeDb => {
            let state: DbState = job
                .resume
                .as_ref()
                .and_then(|c| serde_json::from_str(&c.state).ok())
                .unwrap_or_default();
            let mut stopped = false;
            let harness = job.file.harness;
            let result = db::read_with(harness, &job.file.path, state, &capture, &mut |page| {
                let state = serde_json::to_string(&page.state).unwrap_or_default();
                let c = cursor(page.state.open.len() as i64, state);
                stopped = !send(batch(page.records, c, page.bytes_read, page.done));
                !stopped
            });
            if let Err(e) = result {
                if !stopped {
                    send(failed(e.to_string()));
                }
            }
        }
        // Other harnesses' files never reach this reader.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write OpenCode has not checkpointed lands in `-wal` only: the database's stat must
    /// still change, or the plan would skip it.
    #[test]
    fn a_database_stat_folds_in_its_wal() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("opencode.db");
        std::fs::write(&db, [0u8; 100]).unwrap();
        let meta = || FileMeta::of(&std::fs::metadata(&db).unwrap());
        assert_eq!(with_wal(&db, meta()).size, 100, "no WAL: the file alone");
        std::fs::write(dir.path().join("opencode.db-wal"), [0u8; 30]).unwrap();
        let folded = with_wal(&db, meta());
        assert_eq!(folded.size, 130);
        assert_eq!(folded.ino, meta().ino, "the database's identity stays");
    }
}
