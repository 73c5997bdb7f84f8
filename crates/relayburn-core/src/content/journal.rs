//! The content store's journal mode. The store lives in WAL mode, so a reader never waits for
//! the writer. A bulk pass (a first load) writes it through a rollback journal instead, while
//! nothing else has it open: a page new to the file is then written once, in place (SQLite
//! journals only pages the file had when the transaction began), where WAL writes it twice,
//! to the log and then the checkpoint's copy into the file. The checkpoints were 46 % of the
//! content writer's samples in a `full` first load (bench/RESULTS.md).
//!
//! Switching needs the file to itself, so each switch waits only [`SWITCH_WAIT`] for other
//! connections and otherwise leaves the mode as it is: a bulk pass that finds the store open
//! elsewhere keeps WAL, and a store a bulk pass holds in its rollback journal is opened (read
//! and written) in that mode until the pass switches it back. Every open asks for WAL, so a
//! pass that dies mid-way leaves nothing behind but the mode, until the next open.

use crate::error::{Error, Result};
use rusqlite::{Connection, ErrorCode};
use std::path::Path;
use std::time::Duration;

/// How long a switch waits for other connections before leaving the mode as it is.
const SWITCH_WAIT: Duration = Duration::from_millis(50);

/// The journal mode in effect after asking for `mode` (`Ok(None)`: another connection had the
/// store, so it is unchanged).
fn switch(conn: &Connection, mode: &str) -> rusqlite::Result<Option<String>> {
    conn.busy_timeout(SWITCH_WAIT)?;
    let found = conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
        r.get::<_, String>(0)
    });
    conn.busy_timeout(crate::ledger::BUSY_TIMEOUT)?;
    match found {
        Ok(m) => Ok(Some(m.to_ascii_lowercase())),
        Err(e) if busy(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// On open: WAL, with `synchronous = NORMAL` (safe in WAL). Busy means a bulk pass holds the
/// store in its rollback journal: the store is used in that mode, with `synchronous = FULL`
/// (a rollback journal is only safe across a power loss when every step is synced). Any other
/// mode (a file system without shared memory) is an error, as it always was.
pub(super) fn on_open(conn: &Connection, path: &Path) -> Result<()> {
    let sql = |e| Error::sqlite(path, e);
    let synchronous = match switch(conn, "WAL").map_err(sql)? {
        Some(m) if m == "wal" => "NORMAL",
        None => "FULL",
        Some(m) => {
            return Err(Error::Internal(format!(
                "could not switch {} to WAL (journal_mode is {m})",
                path.display()
            )))
        }
    };
    conn.execute_batch(&format!("PRAGMA synchronous = {synchronous}"))
        .map_err(sql)
}

/// For a bulk pass: the rollback journal, when no other connection has the store open.
/// Returns whether it switched (then call [`end_bulk`] when the pass ends).
pub(super) fn begin_bulk(conn: &Connection) -> bool {
    match switch(conn, "DELETE") {
        Ok(Some(m)) if m == "delete" => {
            if conn.execute_batch("PRAGMA synchronous = FULL").is_ok() {
                return true;
            }
            end_bulk(conn);
            false
        }
        _ => false,
    }
}

/// Back to WAL after a bulk pass; best effort (a reader in the way leaves the rollback
/// journal, with its syncs, until the next open switches it).
pub(super) fn end_bulk(conn: &Connection) {
    if let Ok(Some(m)) = switch(conn, "WAL") {
        if m == "wal" {
            let _ = conn.execute_batch("PRAGMA synchronous = NORMAL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::store::{session_content, ContentStore, CONTENT_FILE};
    use super::super::tests::record;
    use crate::vocab::Harness;
    use std::path::Path;

    /// The mode the file's header records: WAL (2) or a rollback journal (1).
    fn header_mode(home: &Path) -> &'static str {
        let bytes = std::fs::read(home.join(CONTENT_FILE)).unwrap();
        match bytes[18] {
            1 => "rollback",
            2 => "wal",
            b => panic!("header byte 18 is {b}"),
        }
    }

    fn texts(home: &Path, session: &str) -> Vec<String> {
        session_content(home, Harness::ClaudeCode, session)
            .unwrap()
            .iter()
            .flat_map(|m| m.blocks.iter().map(|b| b.text.clone().unwrap()))
            .collect()
    }

    fn write(store: &mut ContentStore, session: &str, key: &str, text: &str) {
        store.begin().unwrap();
        store
            .write(&[record(session, key, 1, 1_000, &[text])])
            .unwrap();
        store.commit().unwrap();
    }

    /// A bulk pass writes through a rollback journal; readers open and read the store
    /// meanwhile, even while the pass holds a transaction; the store is WAL again after it.
    #[test]
    fn a_bulk_pass_writes_through_a_rollback_journal_and_leaves_the_store_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ContentStore::open(dir.path(), true).unwrap().unwrap();
        assert_eq!(header_mode(dir.path()), "wal");
        assert!(store.begin_bulk());
        assert_eq!(header_mode(dir.path()), "rollback");
        write(&mut store, "s", "a", "first");
        // Mid-transaction: another open waits only briefly for the mode and reads what is
        // committed.
        store.begin().unwrap();
        store
            .write(&[record("s", "b", 2, 2_000, &["second"])])
            .unwrap();
        // The journal holds conversation text too: its owner's only, like the store.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let journal = dir.path().join(format!("{CONTENT_FILE}-journal"));
            let mode = std::fs::metadata(journal).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(texts(dir.path(), "s"), ["first"]);
        store.commit().unwrap();
        assert_eq!(texts(dir.path(), "s"), ["first", "second"]);
        store.end_bulk();
        assert_eq!(header_mode(dir.path()), "wal");
        assert!(!dir.path().join(format!("{CONTENT_FILE}-journal")).exists());
    }

    /// Another connection reading the store: the pass keeps WAL.
    #[test]
    fn a_store_read_elsewhere_stays_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ContentStore::open(dir.path(), true).unwrap().unwrap();
        write(&mut store, "s", "a", "first");
        let reader = rusqlite::Connection::open(dir.path().join(CONTENT_FILE)).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(!store.begin_bulk());
        assert_eq!(header_mode(dir.path()), "wal");
        write(&mut store, "s", "b", "second");
        reader.execute_batch("COMMIT").unwrap();
        assert_eq!(texts(dir.path(), "s"), ["first", "second"]);
    }

    /// An open between two of the pass's transactions switches the store back to WAL; the
    /// pass's connection follows the file and goes on writing.
    #[test]
    fn a_store_switched_back_mid_pass_is_written_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = ContentStore::open(dir.path(), true).unwrap().unwrap();
        assert!(store.begin_bulk());
        write(&mut store, "s", "a", "first");
        drop(ContentStore::open(dir.path(), false).unwrap().unwrap());
        assert_eq!(header_mode(dir.path()), "wal");
        write(&mut store, "s", "b", "second");
        store.end_bulk();
        assert_eq!(header_mode(dir.path()), "wal");
        assert_eq!(texts(dir.path(), "s"), ["first", "second"]);
    }
}
