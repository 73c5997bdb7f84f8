//! The SQLite ledger: opening (pragmas, schema check, migrations), pooled connections and
//! write transactions. Every write goes through [`Ledger::write`], which uses
//! `BEGIN IMMEDIATE` so concurrent writers queue on the busy timeout instead of failing
//! halfway through a transaction.

mod pool;
pub(crate) mod priority;
pub(crate) mod schema;

pub(crate) use pool::{file_id, FileId};
pub use schema::{DERIVED_TABLES, KEPT_TABLES, SCHEMA_VERSION};

use crate::error::{Error, Result};
use crate::home::LEDGER_FILE;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
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
    /// What the last no-change sweep on this connection read (it travels with the connection
    /// through the pool). Opaque here: the ingest module owns its type.
    sweep: Option<pool::Memo>,
}

impl Ledger {
    /// Opens (creating if needed) the ledger in `home`, migrating it to [`SCHEMA_VERSION`].
    /// A ledger from a newer schema is refused with `SCHEMA_TOO_NEW` and not modified.
    pub fn open(home: &Path) -> Result<Ledger> {
        let path = home.join(LEDGER_FILE);
        let (conn, sweep) = match pool::take(&path) {
            Some(idle) => idle,
            None => (open_connection(home, &path)?, None),
        };
        Ok(Ledger {
            conn: Some(conn),
            path,
            home: home.to_path_buf(),
            sweep,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The memo the last no-change sweep on this connection kept, if any and of type `T`
    /// (taken: a pass keeps a new one only if it changes nothing).
    pub(crate) fn take_sweep_memo<T: 'static>(&mut self) -> Option<T> {
        self.sweep.take()?.downcast().ok().map(|m| *m)
    }

    pub(crate) fn keep_sweep_memo<T: Send + 'static>(&mut self, memo: T) {
        self.sweep = Some(Box::new(memo));
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

    /// [`Ledger::write`] if no other writer holds the ledger right now, else `Ok(None)` at once
    /// (nothing written): for bookkeeping that may be skipped rather than waited for.
    pub(crate) fn try_write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let path = self.path.clone();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| Error::Internal("ledger connection already released".into()))?;
        let sql = |e| Error::sqlite(&path, e);
        conn.busy_handler(None::<fn(i32) -> bool>).map_err(sql)?;
        // Without the busy handler, `BEGIN IMMEDIATE` answers BUSY at once; once begun, the
        // transaction holds the write lock and nothing in it waits.
        let result = (|| {
            let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
                Ok(tx) => tx,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(sql(e)),
            };
            let out = f(&tx)?;
            tx.commit().map_err(sql)?;
            Ok(Some(out))
        })();
        conn.busy_handler(Some(busy_poll)).map_err(sql)?;
        result
    }

    /// [`Ledger::write`] for a writer that must not wait behind an ingest (stamps): announced
    /// to ingest writers while it waits and writes (see [`priority`]).
    pub(crate) fn write_priority<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let _announced = priority::announce(&self.home);
        self.write(f)
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
                pool::give_back(&self.path, conn, self.sweep.take());
            }
        }
    }
}

fn open_connection(home: &Path, path: &Path) -> Result<Connection> {
    crate::home::prepare_home(home)?;
    crate::home::create_private_file(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| Error::sqlite(path, e))?;
    conn.busy_handler(Some(busy_poll))
        .map_err(|e| Error::sqlite(path, e))?;
    // The ingest writer alone cycles through ~30 cached statements per batch (turns, user
    // turns, sessions, tree, cursor, set-based upkeep); with rusqlite's default of 16 the LRU
    // evicted them and every batch compiled its statements again (with the turn triggers' sub-
    // programs), ~30 % of the writer's time.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);

    // Identify the file and check the version before changing anything, so another program's
    // database or a newer ledger is left untouched.
    let kind = identify(&conn).map_err(|e| Error::sqlite(path, e))?;
    let found = match kind {
        Kind::Foreign(detail) => return Err(corrupt(path, detail)),
        Kind::Empty => 0,
        Kind::Relayburn { version, .. } => version,
    };
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }

    if matches!(kind, Kind::Empty) {
        // A new ledger's pages (SQLite's default is 4 KB; only an empty database without WAL
        // takes a new size, so a ledger made earlier keeps its own). A cold ingest writes
        // about a tenth less CPU with 8 KB: half the WAL frames and B-tree pages per row; the
        // dashboard's queries read the same (bench/RESULTS.md).
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
            .map_err(|e| Error::sqlite(path, e))?;
    }
    let mode = switch_to_wal(&conn).map_err(|e| Error::sqlite(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Internal(format!(
            "could not switch {} to WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    // A large ingest may leave a WAL of hundreds of megabytes (`ingest::checkpointer`): the
    // file is cut back to 64 MB when it next starts over.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864;",
    )
        .map_err(|e| Error::sqlite(path, e))?;

    let marked = matches!(kind, Kind::Relayburn { marked: true, .. });
    let conn = if found < SCHEMA_VERSION || !marked {
        migrate(conn, path)?
    } else {
        conn
    };
    check_schema(&conn, path)?;
    Ok(conn)
}

/// Page size of a new ledger, in bytes (see `open_connection`).
pub const PAGE_SIZE: i64 = 8192;

/// Prepared statements kept per connection (see `open_connection`).
const STATEMENT_CACHE: usize = 128;

/// `PRAGMA application_id` of a relayburn ledger (the bytes `RBur`). Ledgers made before the
/// mark existed are recognised by their `schema_version` table and get it when next opened.
pub const APPLICATION_ID: i64 = 0x5242_7572;

/// What a database file at the ledger path is.
#[derive(Debug)]
enum Kind {
    /// No schema object at all (a new file): the schema may be created.
    Empty,
    /// A relayburn ledger at `version` (`marked` when it carries [`APPLICATION_ID`]).
    Relayburn { version: i64, marked: bool },
    /// Another program's database, or a relayburn ledger whose version record is damaged.
    Foreign(String),
}

fn corrupt(path: &Path, detail: impl Into<String>) -> Error {
    Error::LedgerCorrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Identifies the database without writing to it.
fn identify(conn: &Connection) -> rusqlite::Result<Kind> {
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    let has_version_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        [],
        |r| r.get(0),
    )?;
    let ours = app_id == APPLICATION_ID;
    if app_id != 0 && !ours {
        return Ok(Kind::Foreign(format!(
            "another program's SQLite database (application_id {app_id:#x}); relayburn leaves it untouched"
        )));
    }
    if !has_version_table {
        return Ok(if objects == 0 && !ours {
            Kind::Empty
        } else if ours {
            Kind::Foreign("the schema_version table is missing".into())
        } else {
            Kind::Foreign(
                "another program's SQLite database (no relayburn schema); relayburn leaves it untouched"
                    .into(),
            )
        });
    }
    let (rows, version): (i64, Option<i64>) = conn.query_row(
        "SELECT count(*), max(version) FROM schema_version",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match (rows, version) {
        (1, Some(version)) if version >= 1 => Ok(Kind::Relayburn {
            version,
            marked: ours,
        }),
        _ => Ok(Kind::Foreign(format!(
            "the schema_version table holds {rows} rows (expected one version)"
        ))),
    }
}

/// Refuses a ledger missing one of its tables (dropped by hand or by another program) with one
/// `LEDGER_CORRUPT` at open, instead of some commands failing later with SQL errors. The tables
/// are [`DERIVED_TABLES`] and [`KEPT_TABLES`] (a test checks they are exactly the schema's).
fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("SELECT name FROM sqlite_master WHERE type = 'table'")
        .map_err(|e| Error::sqlite(path, e))?;
    let found = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
        .map_err(|e| Error::sqlite(path, e))?;
    let missing: Vec<&str> = DERIVED_TABLES
        .iter()
        .chain(KEPT_TABLES)
        .filter(|t| !found.iter().any(|f| f == *t))
        .copied()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(corrupt(
            path,
            format!(
                "the relayburn schema is damaged (missing table {})",
                missing.join(", ")
            ),
        ))
    }
}

const SCHEMA_VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT;";

/// Busy handler of ledger connections: polls every millisecond for the first second (a stamp
/// waiting behind an ingest gets the lock as soon as the ingest yields; SQLite's default backs
/// off to 100 ms sleeps), then every 10 ms, giving up after [`BUSY_TIMEOUT`] (`LEDGER_BUSY`).
fn busy_poll(attempt: i32) -> bool {
    const FAST: u64 = 1_000;
    let n = u64::try_from(attempt).unwrap_or(0);
    let (waited_ms, next) = if n < FAST {
        (n, Duration::from_millis(1))
    } else {
        (FAST + (n - FAST) * 10, Duration::from_millis(10))
    };
    if u128::from(waited_ms) >= BUSY_TIMEOUT.as_millis() {
        return false;
    }
    std::thread::sleep(next);
    true
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

/// Reads the schema version; 0 for a brand-new (empty) database, an error for anything that
/// is not a relayburn ledger.
#[cfg(test)]
fn read_version(conn: &Connection) -> rusqlite::Result<i64> {
    match identify(conn)? {
        Kind::Relayburn { version, .. } => Ok(version),
        _ => Ok(0),
    }
}

/// Applies pending migrations (and marks the file with [`APPLICATION_ID`]) in one
/// `BEGIN IMMEDIATE` transaction. The file is identified again inside the transaction because
/// another process may have migrated it meanwhile.
fn migrate(mut conn: Connection, path: &Path) -> Result<Connection> {
    {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::sqlite(path, e))?;
        let found = match identify(&tx).map_err(|e| Error::sqlite(path, e))? {
            Kind::Foreign(detail) => return Err(corrupt(path, detail)),
            Kind::Empty => 0,
            Kind::Relayburn { version, .. } => version,
        };
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            tx.execute_batch(SCHEMA_VERSION_TABLE)
                .map_err(|e| Error::sqlite(path, e))?;
        }
        let start = usize::try_from(found).unwrap_or(0);
        for sql in &schema::MIGRATIONS[start..] {
            tx.execute_batch(sql).map_err(|e| Error::sqlite(path, e))?;
        }
        if found < SCHEMA_VERSION {
            tx.execute("DELETE FROM schema_version", [])
                .map_err(|e| Error::sqlite(path, e))?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION],
            )
            .map_err(|e| Error::sqlite(path, e))?;
        }
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .map_err(|e| Error::sqlite(path, e))?;
        tx.commit().map_err(|e| Error::sqlite(path, e))?;
    }
    Ok(conn)
}

#[cfg(test)]
pub(crate) mod tests;
