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
    // 2: ingest. Turns keyed by a hash of their natural key; sessions maintained by triggers
    // in the same transaction as the turns (so counters always equal the turns' aggregate);
    // per-file cursors committed with the rows they cover.
    r#"
    CREATE TABLE turns (
        id              INTEGER PRIMARY KEY,
        harness         TEXT    NOT NULL,
        session_id      TEXT    NOT NULL,
        message_id      TEXT    NOT NULL,
        request_id      TEXT,
        ts_ms           INTEGER NOT NULL,
        model           TEXT    NOT NULL,
        provider        TEXT,
        project         TEXT,
        branch          TEXT,
        input           INTEGER NOT NULL,
        output          INTEGER NOT NULL,
        reasoning       INTEGER NOT NULL,
        cache_read      INTEGER NOT NULL,
        cache_write_5m  INTEGER NOT NULL,
        cache_write_1h  INTEGER NOT NULL,
        stop_reason     TEXT,
        complete        INTEGER NOT NULL,
        tool_calls      TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX turns_by_ts ON turns (ts_ms);
    CREATE INDEX turns_by_session ON turns (harness, session_id, ts_ms);

    CREATE TABLE sessions (
        harness            TEXT    NOT NULL,
        session_id         TEXT    NOT NULL,
        project            TEXT,
        branch             TEXT,
        title              TEXT,
        first_ts_ms        INTEGER,
        last_ts_ms         INTEGER,
        turns              INTEGER NOT NULL DEFAULT 0,
        input              INTEGER NOT NULL DEFAULT 0,
        output             INTEGER NOT NULL DEFAULT 0,
        reasoning          INTEGER NOT NULL DEFAULT 0,
        cache_read         INTEGER NOT NULL DEFAULT 0,
        cache_write_5m     INTEGER NOT NULL DEFAULT 0,
        cache_write_1h     INTEGER NOT NULL DEFAULT 0,
        parent_session_id  TEXT,
        relationship       TEXT    NOT NULL DEFAULT 'root',
        evidence           TEXT,
        placeholder        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (harness, session_id)
    ) STRICT;
    CREATE INDEX sessions_by_last_ts ON sessions (last_ts_ms);
    CREATE INDEX sessions_by_parent ON sessions (parent_session_id) WHERE parent_session_id IS NOT NULL;

    CREATE TRIGGER turns_count_insert AFTER INSERT ON turns BEGIN
        INSERT INTO sessions (harness, session_id, project, branch, first_ts_ms, last_ts_ms, turns,
                              input, output, reasoning, cache_read, cache_write_5m, cache_write_1h)
        VALUES (NEW.harness, NEW.session_id, NEW.project, NEW.branch, NEW.ts_ms, NEW.ts_ms, 1,
                NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h)
        ON CONFLICT (harness, session_id) DO UPDATE SET
            project        = COALESCE(sessions.project, excluded.project),
            branch         = COALESCE(sessions.branch, excluded.branch),
            first_ts_ms    = min(COALESCE(sessions.first_ts_ms, excluded.first_ts_ms), excluded.first_ts_ms),
            last_ts_ms     = max(COALESCE(sessions.last_ts_ms, excluded.last_ts_ms), excluded.last_ts_ms),
            turns          = sessions.turns + 1,
            input          = sessions.input + excluded.input,
            output         = sessions.output + excluded.output,
            reasoning      = sessions.reasoning + excluded.reasoning,
            cache_read     = sessions.cache_read + excluded.cache_read,
            cache_write_5m = sessions.cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = sessions.cache_write_1h + excluded.cache_write_1h,
            placeholder    = 0;
    END;

    CREATE TRIGGER turns_count_update AFTER UPDATE ON turns BEGIN
        UPDATE sessions SET
            input          = input + NEW.input - OLD.input,
            output         = output + NEW.output - OLD.output,
            reasoning      = reasoning + NEW.reasoning - OLD.reasoning,
            cache_read     = cache_read + NEW.cache_read - OLD.cache_read,
            cache_write_5m = cache_write_5m + NEW.cache_write_5m - OLD.cache_write_5m,
            cache_write_1h = cache_write_1h + NEW.cache_write_1h - OLD.cache_write_1h
        WHERE harness = OLD.harness AND session_id = OLD.session_id;
    END;

    CREATE TABLE user_turns (
        id                    INTEGER PRIMARY KEY,
        harness               TEXT    NOT NULL,
        session_id            TEXT    NOT NULL,
        uuid                  TEXT    NOT NULL,
        ts_ms                 INTEGER NOT NULL,
        preceding_message_id  TEXT,
        blocks                TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX user_turns_by_session ON user_turns (harness, session_id, ts_ms);

    CREATE TABLE compactions (
        id                    INTEGER PRIMARY KEY,
        harness               TEXT    NOT NULL,
        session_id            TEXT    NOT NULL,
        ts_ms                 INTEGER NOT NULL,
        preceding_message_id  TEXT,
        tokens_before         INTEGER
    ) STRICT;
    CREATE INDEX compactions_by_session ON compactions (harness, session_id, ts_ms);

    CREATE TABLE cursors (
        path         TEXT    PRIMARY KEY,
        harness      TEXT    NOT NULL,
        dev          INTEGER NOT NULL,
        ino          INTEGER NOT NULL,
        head_len     INTEGER NOT NULL,
        head_hash    INTEGER NOT NULL,
        size         INTEGER NOT NULL,
        mtime_ms     INTEGER NOT NULL,
        offset       INTEGER NOT NULL,
        pending      INTEGER NOT NULL,
        state        TEXT    NOT NULL
    ) STRICT;

    CREATE TABLE ingest_runs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        finished_ms  INTEGER NOT NULL,
        report       TEXT    NOT NULL
    ) STRICT;
    "#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
