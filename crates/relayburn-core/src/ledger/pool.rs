//! A per-process pool of open ledger connections, keyed by ledger path. Opening SQLite and
//! checking the schema costs more than a stamp write; reusing connections keeps
//! `writeStamp` well under its 2 ms budget.

use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Idle connections kept per ledger; more are closed on return.
const MAX_IDLE_PER_LEDGER: usize = 4;

struct Idle {
    conn: Connection,
    file: Option<FileId>,
    sweep: Option<Memo>,
}

pub(crate) type FileId = (u64, u64);

/// What a connection carries between uses (the ingest module's sweep memo).
pub(crate) type Memo = Box<dyn std::any::Any + Send>;

fn pool() -> &'static Mutex<HashMap<PathBuf, Vec<Idle>>> {
    static POOL: OnceLock<Mutex<HashMap<PathBuf, Vec<Idle>>>> = OnceLock::new();
    POOL.get_or_init(Default::default)
}

/// The identity of the file at `path` (device, inode) where the platform exposes it.
pub(crate) fn file_id(path: &Path) -> Option<FileId> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        // Windows cannot delete a file that is open, so a path that exists is the same file.
        let _ = meta;
        Some((0, 0))
    }
}

/// Takes an idle connection to `path`, if any, with the sweep memo it carries. Connections to a file that has since been
/// removed or replaced (a reset home, a deleted temp dir) are closed instead of reused.
pub(super) fn take(path: &Path) -> Option<(Connection, Option<Memo>)> {
    let current = file_id(path);
    let mut map = pool().lock().ok()?;
    let idle = map.get_mut(path)?;
    if current.is_none() || idle.iter().any(|i| i.file != current) {
        map.remove(path);
        return None;
    }
    idle.pop().map(|i| (i.conn, i.sweep))
}

pub(super) fn give_back(path: &Path, conn: Connection, sweep: Option<Memo>) {
    let file = file_id(path);
    if let Ok(mut map) = pool().lock() {
        let idle = map.entry(path.to_path_buf()).or_default();
        if idle.len() < MAX_IDLE_PER_LEDGER && file.is_some() {
            idle.push(Idle { conn, file, sweep });
        }
    }
}
