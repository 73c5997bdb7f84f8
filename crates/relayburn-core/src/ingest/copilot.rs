//! Copilot CLI's session store as a job: read from its cursor state ([`StoreState`]) in
//! chunks, each batch carrying the state just past it. Its stat folds in the `-wal` file
//! (see `opencode::with_wal`), so a write Copilot has not checkpointed still counts as a
//! change.

use super::cursor::Cursor;
use super::job::{Batch, Job};
use crate::harness::copilot::store::{self, StoreState};
use crate::vocab::records::Records;

/// Reads the store of `job`, calling `send` with each batch.
pub fn process(job: &Job, send: &mut dyn FnMut(Batch) -> bool) {
    let cursor = |state: String| Cursor {
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
    let state: StoreState = job
        .resume
        .as_ref()
        .and_then(|c| serde_json::from_str(&c.state).ok())
        .unwrap_or_default();
    let mut stopped = false;
    let result = store::read(&job.file.path, state, &mut |page| {
        let state = serde_json::to_string(&page.state).unwrap_or_default();
        stopped = !send(Batch {
            path: job.path.clone(),
            records: page.records,
            cursor: cursor(state),
            bytes_read: page.bytes_read,
            done: page.done,
            error: None,
            prepared: Default::default(),
        });
        !stopped
    });
    if let Err(message) = result {
        if !stopped {
            send(Batch {
                path: job.path.clone(),
                records: Records::default(),
                cursor: cursor(String::new()),
                bytes_read: 0,
                done: true,
                error: Some(message),
                prepared: Default::default(),
            });
        }
    }
}
