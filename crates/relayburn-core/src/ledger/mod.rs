//! The SQLite ledger: opening (pragmas, schema check, migrations), pooled connections and
//! write transactions. Every write goes through [`Ledger::write`], which uses
//! `BEGIN IMMEDIATE` so concurrent writers queue on the busy timeout instead of failing
//! halfway through a transaction.

mod pool;
pub(crate) mod schema;

pub use schema::{DERIVED_TABLES, KEPT_TABLES, SCHEMA_VERSION};

use crate::error::{Error, Result};
use crate::home::LEDGER_FILE;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another writer before giving up with `LEDGER_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open ledger connection. Obtained from [`Ledger::open`]; returned to a per-process pool
/// on drop so repeated calls (a launcher stamping many sessions) skip the open cost.
pub struct Ledger {
    conn: Option<Connection>,
    path: PathBuf,
    home: PathBuf,
}

impl Ledger {
    /// Opens (creating if needed) the ledger in `home`, migrating it to [`SCHEMA_VERSION`].
    /// A ledger from a newer schema is refused with `SCHEMA_TOO_NEW` and not modified.
    pub fn open(home: &Path) -> Result<Ledger> {
        let path = home.join(LEDGER_FILE);
        let conn = match pool::take(&path) {
            Some(conn) => conn,
            None => open_connection(home, &path)?,
        };
        Ok(Ledger {
            conn: Some(conn),
            path,
            home: home.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub(crate) fn conn(&self) -> Result<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| Error::Internal("ledger connection already released".into()))
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it. On error nothing is kept.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| Error::Internal("ledger connection already released".into()))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::sqlite(&path, e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| Error::sqlite(&path, e))?;
        Ok(out)
    }

    /// Maps a SQLite error on this ledger.
    pub(crate) fn err(&self, e: rusqlite::Error) -> Error {
        Error::sqlite(&self.path, e)
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection left inside a transaction (a panic mid-write) is not reused.
            if conn.is_autocommit() {
                pool::give_back(&self.path, conn);
            }
        }
    }
}

fn open_connection(home: &Path, path: &Path) -> Result<Connection> {
    std::fs::create_dir_all(home).map_err(|e| Error::io(home, e))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::sqlite(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| Error::sqlite(path, e))?;

    // Check the version before changing anything, so a newer ledger is left untouched.
    let found = read_version(&conn).map_err(|e| Error::sqlite(path, e))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }

    let mode = switch_to_wal(&conn).map_err(|e| Error::sqlite(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Internal(format!(
            "could not switch {} to WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(|e| Error::sqlite(path, e))?;

    if found < SCHEMA_VERSION {
        migrate(conn, path)
    } else {
        Ok(conn)
    }
}

/// Sets WAL mode and returns the journal mode now in force. On a brand-new file two processes
/// opening at once can both hold a shared lock while wanting the exclusive one the switch
/// needs; SQLite then answers BUSY at once instead of calling the busy handler (it would
/// deadlock), so the switch is retried here until [`BUSY_TIMEOUT`].
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let started = std::time::Instant::now();
    loop {
        // journal_mode returns a row; read it so the pragma really applies.
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Reads the schema version; 0 for a brand-new (empty) database.
fn read_version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    Ok(conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Applies pending migrations in one `BEGIN IMMEDIATE` transaction. The version is re-read
/// inside the transaction because another process may have migrated meanwhile.
fn migrate(mut conn: Connection, path: &Path) -> Result<Connection> {
    {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::sqlite(path, e))?;
        let found = read_version(&tx).map_err(|e| Error::sqlite(path, e))?;
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT;",
            )
            .map_err(|e| Error::sqlite(path, e))?;
        }
        let start = usize::try_from(found).unwrap_or(0);
        for sql in &schema::MIGRATIONS[start..] {
            tx.execute_batch(sql).map_err(|e| Error::sqlite(path, e))?;
        }
        tx.execute("DELETE FROM schema_version", [])
            .map_err(|e| Error::sqlite(path, e))?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [SCHEMA_VERSION],
        )
        .map_err(|e| Error::sqlite(path, e))?;
        tx.commit().map_err(|e| Error::sqlite(path, e))?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests;
