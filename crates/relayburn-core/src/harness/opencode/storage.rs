//! The `storage/` tree of older OpenCode releases: `session/<projectID>/<sessionID>.json`,
//! `message/<sessionID>/<messageID>.json` and `part/<messageID>/<partID>.json`. A message
//! file is read with its parts whenever it changes (OpenCode rewrites it in place while the
//! response streams and once more when it completes, after its last part).

use super::{bad_doc, message_records_with, session_info, DocIds, Preceding};
use crate::content::Capture;
use crate::files::read_regular;
use crate::vocab::records::Records;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Compaction lookups read at most this many earlier messages of the session.
const PRECEDING_LOOKBACK: usize = 64;

/// Reads one session file. Returns the bytes read.
pub fn read_session_file(path: &Path, out: &mut Records) -> std::io::Result<u64> {
    let bytes = read_regular(path)?;
    match std::str::from_utf8(&bytes)
        .map_err(|e| format!("invalid UTF-8: {e}"))
        .and_then(|doc| session_info(doc, None))
    {
        Ok(info) => out.sessions.push(info),
        Err(message) => bad_doc(out, 0, message),
    }
    Ok(bytes.len() as u64)
}

/// Reads one message file and its parts. Returns the bytes read.
pub fn read_message_file(path: &Path, out: &mut Records) -> std::io::Result<u64> {
    read_message_file_with(path, &Capture::default(), out)
}

/// [`read_message_file`], capturing content as `capture` says.
pub fn read_message_file_with(
    path: &Path,
    capture: &Capture,
    out: &mut Records,
) -> std::io::Result<u64> {
    let bytes = read_regular(path)?;
    let mut read = bytes.len() as u64;
    let Ok(doc) = std::str::from_utf8(&bytes) else {
        bad_doc(out, 0, "invalid UTF-8".into());
        return Ok(read);
    };
    let root = storage_root(path);
    let stem = message_id_of(path);
    // OpenCode moved to a database and may leave the JSON behind: a message the database
    // also holds is read from the database only.
    if root.as_deref().is_some_and(|r| in_database(r, &stem)) {
        return Ok(read);
    }
    let parts = read_parts(part_files(path), &mut read);
    let mut preceding = |session: &str, _ts: i64, id: &str| match &root {
        Some(root) => preceding_assistant(&root.join("message").join(session), id),
        None => None,
    };
    let ids = DocIds::default();
    if let Err(message) = message_records_with(
        crate::vocab::Harness::OpenCode,
        doc,
        ids,
        &parts,
        capture,
        &mut preceding,
        out,
    ) {
        bad_doc(out, 0, message);
    }
    Ok(read)
}

/// How long a thread trusts its cached list of database message ids.
const DB_IDS_TTL: Duration = Duration::from_secs(1);

/// The message ids of the `opencode*.db` files next to a storage tree, per directory.
struct DbIds {
    checked: Instant,
    /// (database path, size, mtime) of what the ids were read from.
    stamp: Vec<(PathBuf, u64, Option<SystemTime>)>,
    ids: Arc<HashSet<String>>,
}

thread_local! {
    static DB_IDS: RefCell<HashMap<PathBuf, DbIds>> = RefCell::new(HashMap::new());
}

/// Whether an `opencode*.db` next to the storage tree holds message `id`. The ids are read once
/// per thread and reused while the databases' size and mtime stay the same (checked at most
/// every [`DB_IDS_TTL`]), so a tree of many files does not open the database for each.
fn in_database(storage: &Path, id: &str) -> bool {
    let Some(dir) = storage.parent() else {
        return false;
    };
    DB_IDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(c) = cache.get(dir).filter(|c| c.checked.elapsed() < DB_IDS_TTL) {
            return c.ids.contains(id);
        }
        let stamp = database_stamp(dir);
        let reuse = cache
            .get(dir)
            .filter(|c| c.stamp == stamp)
            .map(|c| c.ids.clone());
        let ids = reuse.unwrap_or_else(|| {
            let mut ids = HashSet::new();
            for (path, _, _) in &stamp {
                // An unreadable database hides nothing (it is reported when read itself).
                ids.extend(super::db::message_ids(path).unwrap_or_default());
            }
            Arc::new(ids)
        });
        let found = ids.contains(id);
        cache.insert(
            dir.to_path_buf(),
            DbIds {
                checked: Instant::now(),
                stamp,
                ids,
            },
        );
        found
    })
}

/// The `opencode*.db` files of a directory with their size and mtime (WAL included).
fn database_stamp(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("opencode") && name.ends_with(".db")
        })
        .map(|e| {
            let path = e.path();
            let wal = crate::files::wal_of(&path);
            let (size, mtime) = [path.as_path(), wal.as_path()]
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .fold((0, None), |(size, mtime): (u64, Option<SystemTime>), m| {
                    (size + m.len(), mtime.max(m.modified().ok()))
                });
            (path, size, mtime)
        })
        .collect();
    out.sort();
    out
}

/// `<root>/message/<session>/<message>.json` → `<root>`.
fn storage_root(message_file: &Path) -> Option<PathBuf> {
    Some(message_file.parent()?.parent()?.parent()?.to_path_buf())
}

/// A message file's id: its name without `.json`.
fn message_id_of(message_file: &Path) -> String {
    message_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The part files of a message file (`<root>/part/<messageID>/*.json`), in part id order
/// (missing dir: none). Read with the message; the ingest's read-ahead asks for them with it.
pub fn part_files(message_file: &Path) -> Vec<PathBuf> {
    let Some(root) = storage_root(message_file) else {
        return Vec::new();
    };
    let dir = root.join("part").join(message_id_of(message_file));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The part documents of a message, from [`part_files`].
fn read_parts(files: Vec<PathBuf>, read: &mut u64) -> Vec<String> {
    files
        .into_iter()
        .filter_map(|p| read_regular(&p).ok())
        .filter_map(|b| {
            *read += b.len() as u64;
            String::from_utf8(b).ok()
        })
        .collect()
}

/// The latest assistant message before `message_id` in a session dir (ids sort by creation).
fn preceding_assistant(session_dir: &Path, message_id: &str) -> Preceding {
    let entries = std::fs::read_dir(session_dir).ok()?;
    let mut earlier: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let stem = p.file_stem()?.to_string_lossy().into_owned();
            (p.extension().is_some_and(|x| x == "json") && stem.as_str() < message_id)
                .then_some(stem)
        })
        .collect();
    earlier.sort_unstable_by(|a, b| b.cmp(a));
    earlier.into_iter().take(PRECEDING_LOOKBACK).find_map(|id| {
        let bytes = read_regular(&session_dir.join(format!("{id}.json"))).ok()?;
        let doc = String::from_utf8(bytes).ok()?;
        super::assistant_context(&doc).map(|tokens| (id, tokens))
    })
}
