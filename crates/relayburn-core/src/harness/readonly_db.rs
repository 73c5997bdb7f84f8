//! Opening another program's SQLite database to read it: read-only (no write, no journal
//! change, no checkpoint on close), a short busy timeout, functions in its schema untrusted,
//! no value over 64 MiB, and the tables read must be ordinary tables (a view or a virtual
//! table could make a read endless). Goose's and Crush's databases are opened this way.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::time::Duration;

/// Largest single value read.
const MAX_VALUE_BYTES: i32 = 64 << 20;
/// We wait this long for a lock, then give up until the next pass.
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);
/// Rows read per query at most.
pub const MAX_ROWS: i64 = 1_000_000;

/// Opens `path` for reading; `tables` must be real tables when they exist. `what` names the
/// database in messages.
pub fn open(path: &Path, tables: &[&str], what: &str) -> Result<Connection, String> {
    let err = |e: rusqlite::Error| format!("{what} database: {e}");
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
    conn.pragma_update(None, "query_only", true).map_err(err)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(err)?;
    conn.set_limit(
        rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
        MAX_VALUE_BYTES,
    )
    .map_err(err)?;
    for table in tables {
        let found: Option<(String, Option<String>)> = conn
            .query_row(
                "SELECT type, sql FROM sqlite_master WHERE name = ?1 COLLATE NOCASE",
                [table],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        if let Some((kind, sql)) = found {
            let real = kind == "table"
                && sql.as_deref().is_some_and(|s| {
                    s.trim_start()
                        .get(..12)
                        .is_some_and(|p| p.eq_ignore_ascii_case("CREATE TABLE"))
                });
            if !real {
                return Err(format!(
                    "{what} database: `{table}` is a {kind}, not a table; not read"
                ));
            }
        }
    }
    Ok(conn)
}

/// Whether `table` has `column`.
pub fn has_column(conn: &Connection, table: &str, column: &str) -> bool {
    conn.query_row(
        "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |_| Ok(()),
    )
    .optional()
    .ok()
    .flatten()
    .is_some()
}
