//! The ledger schema as an ordered list of migrations. Migration `i` (1-based) moves a ledger
//! from version `i - 1` to `i`. Append new migrations; never edit a released one.

/// Each entry is one migration's SQL, applied inside the migration transaction.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: stamps. `seq` is the write sequence that breaks ties between equal `ts_ms`.
    r#"
    CREATE TABLE stamps (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT    NOT NULL UNIQUE,
        session_id  TEXT,
        message_id  TEXT,
        enrichment  TEXT    NOT NULL,
        ts_ms       INTEGER NOT NULL,
        CHECK (session_id IS NOT NULL OR message_id IS NOT NULL)
    ) STRICT;
    CREATE INDEX stamps_by_session ON stamps (session_id, ts_ms, seq) WHERE session_id IS NOT NULL;
    CREATE INDEX stamps_by_message ON stamps (message_id, ts_ms, seq) WHERE message_id IS NOT NULL;
    "#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
