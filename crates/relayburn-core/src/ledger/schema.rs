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
    // 3: queries. `stamp_tags` materializes the winning value per (key, selector) as stamps
    // are written (fold order ts, then seq), so tag filters never scan the stamp table.
    // `turn_rollup` keeps turn counters per (session, model, provider, project, branch,
    // 15-minute bucket, long-context class) so summaries read tens of thousands of rows
    // instead of millions; `ctx` counts the long-context thresholds (200k, 272k prompt
    // tokens) a turn's prompt exceeds. `ledger_clock` ticks on every change (fingerprint).
    r#"
    CREATE TABLE stamp_tags (
        key         TEXT    NOT NULL,
        session_id  TEXT    NOT NULL,
        message_id  TEXT    NOT NULL,
        value       TEXT    NOT NULL,
        ts_ms       INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        PRIMARY KEY (key, session_id, message_id)
    ) STRICT;
    CREATE INDEX stamp_tags_by_session ON stamp_tags (session_id) WHERE message_id = '';

    INSERT INTO stamp_tags (key, session_id, message_id, value, ts_ms, seq)
    SELECT j.key, COALESCE(s.session_id, ''), COALESCE(s.message_id, ''), j.value, s.ts_ms, s.seq
    FROM stamps s, json_each(s.enrichment) j WHERE true ORDER BY s.ts_ms, s.seq
    ON CONFLICT (key, session_id, message_id) DO UPDATE SET
        value = excluded.value, ts_ms = excluded.ts_ms, seq = excluded.seq
    WHERE (excluded.ts_ms, excluded.seq) > (stamp_tags.ts_ms, stamp_tags.seq);

    CREATE TRIGGER stamps_fold AFTER INSERT ON stamps BEGIN
        INSERT INTO stamp_tags (key, session_id, message_id, value, ts_ms, seq)
        SELECT j.key, COALESCE(NEW.session_id, ''), COALESCE(NEW.message_id, ''), j.value, NEW.ts_ms, NEW.seq
        FROM json_each(NEW.enrichment) j WHERE true
        ON CONFLICT (key, session_id, message_id) DO UPDATE SET
            value = excluded.value, ts_ms = excluded.ts_ms, seq = excluded.seq
        WHERE (excluded.ts_ms, excluded.seq) > (stamp_tags.ts_ms, stamp_tags.seq);
    END;

    CREATE TABLE turn_rollup (
        session_id      TEXT    NOT NULL,
        harness         TEXT    NOT NULL,
        model           TEXT    NOT NULL,
        provider        TEXT    NOT NULL,
        project         TEXT    NOT NULL,
        branch          TEXT    NOT NULL,
        bucket_ms       INTEGER NOT NULL,
        ctx             INTEGER NOT NULL,
        turns           INTEGER NOT NULL,
        input           INTEGER NOT NULL,
        output          INTEGER NOT NULL,
        reasoning       INTEGER NOT NULL,
        cache_read      INTEGER NOT NULL,
        cache_write_5m  INTEGER NOT NULL,
        cache_write_1h  INTEGER NOT NULL,
        PRIMARY KEY (session_id, harness, model, provider, project, branch, bucket_ms, ctx)
    ) STRICT;
    CREATE INDEX turn_rollup_by_bucket ON turn_rollup (bucket_ms);

    INSERT INTO turn_rollup
    SELECT session_id, harness, model, COALESCE(provider, ''), COALESCE(project, ''), COALESCE(branch, ''),
           ts_ms - ((ts_ms % 900000) + 900000) % 900000,
           (input + cache_read + cache_write_5m + cache_write_1h > 200000)
             + (input + cache_read + cache_write_5m + cache_write_1h > 272000),
           count(*), sum(input), sum(output), sum(reasoning), sum(cache_read), sum(cache_write_5m), sum(cache_write_1h)
    FROM turns GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

    CREATE TRIGGER turns_rollup_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h)
        ON CONFLICT DO UPDATE SET
            turns          = turns + 1,
            input          = input + excluded.input,
            output         = output + excluded.output,
            reasoning      = reasoning + excluded.reasoning,
            cache_read     = cache_read + excluded.cache_read,
            cache_write_5m = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h;
    END;

    -- An update may change usage (final snapshot) or model: move the turn between rows.
    CREATE TRIGGER turns_rollup_update AFTER UPDATE ON turns BEGIN
        UPDATE turn_rollup SET
            turns          = turns - 1,
            input          = input - OLD.input,
            output         = output - OLD.output,
            reasoning      = reasoning - OLD.reasoning,
            cache_read     = cache_read - OLD.cache_read,
            cache_write_5m = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h = cache_write_1h - OLD.cache_write_1h
        WHERE session_id = OLD.session_id AND harness = OLD.harness AND model = OLD.model
          AND provider = COALESCE(OLD.provider, '') AND project = COALESCE(OLD.project, '')
          AND branch = COALESCE(OLD.branch, '')
          AND bucket_ms = OLD.ts_ms - ((OLD.ts_ms % 900000) + 900000) % 900000
          AND ctx = (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 200000)
                  + (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 272000);
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h)
        ON CONFLICT DO UPDATE SET
            turns          = turns + 1,
            input          = input + excluded.input,
            output         = output + excluded.output,
            reasoning      = reasoning + excluded.reasoning,
            cache_read     = cache_read + excluded.cache_read,
            cache_write_5m = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h;
    END;

    -- Turns stamped by message id are looked up by it; sessions by id alone (stamps carry no harness).
    CREATE INDEX turns_by_message ON turns (message_id);
    CREATE INDEX sessions_by_id ON sessions (session_id);

    CREATE TABLE ledger_clock (id INTEGER PRIMARY KEY CHECK (id = 1), ticks INTEGER NOT NULL) STRICT;
    INSERT INTO ledger_clock VALUES (1, 0);
    CREATE TRIGGER clock_turns_insert AFTER INSERT ON turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_turns_update AFTER UPDATE ON turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_user_turns AFTER INSERT ON user_turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_compactions AFTER INSERT ON compactions BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_stamps AFTER INSERT ON stamps BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_sessions_insert AFTER INSERT ON sessions BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    -- Session counters move with the turns (which tick already); tick for the rest only.
    CREATE TRIGGER clock_sessions_update AFTER UPDATE ON sessions
    WHEN OLD.title IS NOT NEW.title OR OLD.project IS NOT NEW.project OR OLD.branch IS NOT NEW.branch
      OR OLD.parent_session_id IS NOT NEW.parent_session_id OR OLD.relationship IS NOT NEW.relationship
      OR OLD.placeholder IS NOT NEW.placeholder
    BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    "#,
    // Pending stamps: labels for the next new session of a harness in a directory, written by
    // launchers that cannot know the session id. `cwd` and `session_dir_hint` are canonical
    // (absolute, symlinks resolved). Ingest claims one in the transaction that first writes
    // a matching session's events: it sets `claimed_*` and inserts an ordinary session stamp
    // with the same id (so the stamp fold applies unchanged). The unique index allows one
    // claim per session; unclaimed rows past `expires_ms` are deleted by ingest.
    r#"
    CREATE TABLE pending_stamps (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        id                  TEXT    NOT NULL UNIQUE,
        harness             TEXT    NOT NULL,
        cwd                 TEXT    NOT NULL,
        enrichment          TEXT    NOT NULL,
        spawn_start_ms      INTEGER NOT NULL,
        spawner_pid         INTEGER,
        session_dir_hint    TEXT,
        created_ms          INTEGER NOT NULL,
        expires_ms          INTEGER NOT NULL,
        claimed_harness     TEXT,
        claimed_session_id  TEXT,
        claimed_ms          INTEGER
    ) STRICT;
    CREATE INDEX pending_stamps_waiting ON pending_stamps (spawn_start_ms, seq) WHERE claimed_session_id IS NULL;
    CREATE UNIQUE INDEX pending_stamps_claims ON pending_stamps (claimed_harness, claimed_session_id)
        WHERE claimed_session_id IS NOT NULL;
    "#,
    // 5: turns and user_turns get a sequential rowid (`rid`); the natural-key hash `id` becomes
    // a UNIQUE column. With the hash as the rowid every insert landed on a random page of the
    // table's B-tree (and every commit rewrote each page it dirtied into the WAL); now rows are
    // appended and only the narrow `id` index takes random inserts; user turns are unique by
    // their natural key, which is local to a session.
    // The tables are rebuilt with their rows, indexes and triggers (restated from 2 and 3);
    // the session counters, rollup and clock they maintain are unchanged by the copy.
    r#"
    CREATE TABLE turns_new (
        rid             INTEGER PRIMARY KEY,
        id              INTEGER NOT NULL UNIQUE,
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
    INSERT INTO turns_new (id, harness, session_id, message_id, request_id, ts_ms, model, provider, project,
                           branch, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
                           stop_reason, complete, tool_calls)
    SELECT id, harness, session_id, message_id, request_id, ts_ms, model, provider, project,
           branch, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
           stop_reason, complete, tool_calls
    FROM turns ORDER BY ts_ms, id;
    DROP TABLE turns;
    ALTER TABLE turns_new RENAME TO turns;
    CREATE INDEX turns_by_ts ON turns (ts_ms);
    CREATE INDEX turns_by_session ON turns (harness, session_id, ts_ms);
    CREATE INDEX turns_by_message ON turns (message_id);

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

    CREATE TRIGGER turns_rollup_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h)
        ON CONFLICT DO UPDATE SET
            turns          = turns + 1,
            input          = input + excluded.input,
            output         = output + excluded.output,
            reasoning      = reasoning + excluded.reasoning,
            cache_read     = cache_read + excluded.cache_read,
            cache_write_5m = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h;
    END;

    CREATE TRIGGER turns_rollup_update AFTER UPDATE ON turns BEGIN
        UPDATE turn_rollup SET
            turns          = turns - 1,
            input          = input - OLD.input,
            output         = output - OLD.output,
            reasoning      = reasoning - OLD.reasoning,
            cache_read     = cache_read - OLD.cache_read,
            cache_write_5m = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h = cache_write_1h - OLD.cache_write_1h
        WHERE session_id = OLD.session_id AND harness = OLD.harness AND model = OLD.model
          AND provider = COALESCE(OLD.provider, '') AND project = COALESCE(OLD.project, '')
          AND branch = COALESCE(OLD.branch, '')
          AND bucket_ms = OLD.ts_ms - ((OLD.ts_ms % 900000) + 900000) % 900000
          AND ctx = (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 200000)
                  + (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 272000);
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h)
        ON CONFLICT DO UPDATE SET
            turns          = turns + 1,
            input          = input + excluded.input,
            output         = output + excluded.output,
            reasoning      = reasoning + excluded.reasoning,
            cache_read     = cache_read + excluded.cache_read,
            cache_write_5m = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h;
    END;

    CREATE TRIGGER clock_turns_insert AFTER INSERT ON turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_turns_update AFTER UPDATE ON turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;

    -- A user turn's natural key lies within its session, so its uniqueness is enforced there
    -- (inserts of one file touch one region of the index) instead of on the key's hash.
    CREATE TABLE user_turns_new (
        rid                   INTEGER PRIMARY KEY,
        id                    INTEGER NOT NULL,
        harness               TEXT    NOT NULL,
        session_id            TEXT    NOT NULL,
        uuid                  TEXT    NOT NULL,
        ts_ms                 INTEGER NOT NULL,
        preceding_message_id  TEXT,
        blocks                TEXT    NOT NULL,
        UNIQUE (harness, session_id, uuid)
    ) STRICT;
    INSERT INTO user_turns_new (id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks)
    SELECT id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks FROM user_turns ORDER BY ts_ms, id;
    DROP TABLE user_turns;
    ALTER TABLE user_turns_new RENAME TO user_turns;
    CREATE INDEX user_turns_by_session ON user_turns (harness, session_id, ts_ms);
    CREATE TRIGGER clock_user_turns AFTER INSERT ON user_turns BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    "#,
    // 6: session trees. One node per session id (whatever its harness): its parent, the root
    // of its tree and its depth below it. A trigger adds a root node for every new session
    // row; the ingest writer (`crate::tree::link`) hangs a node under its parent, moving its
    // whole subtree (`root_id` index) and refusing a link that would close a cycle. "A
    // session and its descendants" and "the root of a session" are index lookups.
    // `harness` is the harness of the row that created the node (a rebuild deletes by it,
    // then recomputes the tree from the sessions that remain).
    // The backfill walks existing parent links from the roots; a session that no walk reaches
    // (its links close a cycle) becomes a root.
    r#"
    CREATE TABLE session_tree (
        session_id  TEXT    PRIMARY KEY,
        harness     TEXT    NOT NULL,
        parent_id   TEXT,
        root_id     TEXT    NOT NULL,
        depth       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX session_tree_by_root ON session_tree (root_id, depth);
    CREATE INDEX session_tree_by_parent ON session_tree (parent_id) WHERE parent_id IS NOT NULL;

    CREATE TRIGGER sessions_tree_node AFTER INSERT ON sessions BEGIN
        INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
        VALUES (NEW.session_id, NEW.harness, NULL, NEW.session_id, 0)
        ON CONFLICT (session_id) DO NOTHING;
    END;

    -- A session's real row replaces a placeholder left under another harness (a parent
    -- named by a child of a different harness before its own log was read).
    CREATE TRIGGER sessions_drop_placeholder AFTER INSERT ON sessions WHEN NEW.placeholder = 0 BEGIN
        DELETE FROM sessions
        WHERE session_id = NEW.session_id AND harness <> NEW.harness AND placeholder = 1 AND turns = 0;
    END;

    INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
    WITH RECURSIVE
        p(session_id, harness, parent_id) AS (
            SELECT session_id, min(harness), min(NULLIF(parent_session_id, session_id))
            FROM sessions GROUP BY session_id
        ),
        t(session_id, harness, parent_id, root_id, depth) AS (
            SELECT session_id, harness, NULL, session_id, 0 FROM p WHERE parent_id IS NULL
            UNION ALL
            SELECT p.session_id, p.harness, p.parent_id, t.root_id, t.depth + 1
            FROM p JOIN t ON p.parent_id = t.session_id
        )
    SELECT session_id, harness, parent_id, root_id, depth FROM t WHERE true
    ON CONFLICT (session_id) DO NOTHING;
    INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
    SELECT session_id, min(harness), NULL, session_id, 0 FROM sessions
    WHERE session_id NOT IN (SELECT session_id FROM session_tree) GROUP BY session_id;
    UPDATE sessions SET parent_session_id = NULL, relationship = 'root', evidence = NULL
    WHERE parent_session_id IS NOT NULL AND parent_session_id IS NOT
        (SELECT parent_id FROM session_tree t WHERE t.session_id = sessions.session_id);
    "#,
    // 7: budgets: named spending limits per calendar period over a filter (`budget/`). Written
    // by users, so a rebuild keeps them; exported and imported with the stamps.
    r#"
    CREATE TABLE budgets (
        name        TEXT    PRIMARY KEY,
        limit_usd   REAL    NOT NULL CHECK (limit_usd > 0),
        period      TEXT    NOT NULL CHECK (period IN ('day', 'week', 'month')),
        tags        TEXT    NOT NULL,
        harness     TEXT,
        project     TEXT,
        warn        REAL    NOT NULL CHECK (warn > 0 AND warn <= 1),
        created_ms  INTEGER NOT NULL,
        updated_ms  INTEGER NOT NULL
    ) STRICT;
    "#,
    // 8: Codex and OpenCode turns become one row per API call (they were one per task /
    // message). Their derived rows and cursors are reset, as `burn state rebuild` does for those
    // harnesses, so the next ingest reads their logs again from byte 0; stamps are kept. The
    // clock ticks only when something was deleted.
    r#"
    UPDATE ledger_clock SET ticks = ticks + 1
    WHERE EXISTS (SELECT 1 FROM turns WHERE harness IN ('codex', 'opencode'))
       OR EXISTS (SELECT 1 FROM user_turns WHERE harness IN ('codex', 'opencode'))
       OR EXISTS (SELECT 1 FROM compactions WHERE harness IN ('codex', 'opencode'))
       OR EXISTS (SELECT 1 FROM sessions WHERE harness IN ('codex', 'opencode'))
       OR EXISTS (SELECT 1 FROM cursors WHERE harness IN ('codex', 'opencode'));
    DELETE FROM turns WHERE harness IN ('codex', 'opencode');
    DELETE FROM turn_rollup WHERE harness IN ('codex', 'opencode');
    DELETE FROM user_turns WHERE harness IN ('codex', 'opencode');
    DELETE FROM compactions WHERE harness IN ('codex', 'opencode');
    DELETE FROM sessions WHERE harness IN ('codex', 'opencode');
    DELETE FROM cursors WHERE harness IN ('codex', 'opencode');

    -- Session trees span harnesses: recompute them from the sessions that remain, as a rebuild
    -- does. A parent that is gone becomes a placeholder, so its children keep their link.
    INSERT INTO sessions (harness, session_id, placeholder)
    SELECT min(s.harness), s.parent_session_id, 1 FROM sessions s
    WHERE s.parent_session_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM sessions o WHERE o.session_id = s.parent_session_id)
    GROUP BY s.parent_session_id;
    DELETE FROM session_tree;
    INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
    WITH RECURSIVE
        p(session_id, harness, parent_id) AS (
            SELECT session_id, min(harness), min(NULLIF(parent_session_id, session_id))
            FROM sessions GROUP BY session_id
        ),
        t(session_id, harness, parent_id, root_id, depth) AS (
            SELECT session_id, harness, NULL, session_id, 0 FROM p WHERE parent_id IS NULL
            UNION ALL
            SELECT p.session_id, p.harness, p.parent_id, t.root_id, t.depth + 1
            FROM p JOIN t ON p.parent_id = t.session_id
        )
    SELECT session_id, harness, parent_id, root_id, depth FROM t WHERE true
    ON CONFLICT (session_id) DO NOTHING;
    INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
    SELECT session_id, min(harness), NULL, session_id, 0 FROM sessions
    WHERE session_id NOT IN (SELECT session_id FROM session_tree) GROUP BY session_id;
    UPDATE sessions SET parent_session_id = NULL, relationship = 'root', evidence = NULL
    WHERE parent_session_id IS NOT NULL AND parent_session_id IS NOT
        (SELECT parent_id FROM session_tree t WHERE t.session_id = sessions.session_id);
    "#,
    // 9: the cost a harness writes for a call itself (`TurnRecord::reported_cost_usd`), kept per
    // turn and summed per rollup row; queries use it for models the price table cannot price.
    // The rollup triggers are restated from 5 with the new column; existing rows have none.
    r#"
    ALTER TABLE turns ADD COLUMN reported_cost_usd REAL;
    ALTER TABLE turn_rollup ADD COLUMN reported_cost_usd REAL NOT NULL DEFAULT 0;
    DROP TRIGGER turns_rollup_insert;
    DROP TRIGGER turns_rollup_update;

    CREATE TRIGGER turns_rollup_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h,
            COALESCE(NEW.reported_cost_usd, 0))
        ON CONFLICT DO UPDATE SET
            turns             = turns + 1,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;

    CREATE TRIGGER turns_rollup_update AFTER UPDATE ON turns BEGIN
        UPDATE turn_rollup SET
            turns             = turns - 1,
            input             = input - OLD.input,
            output            = output - OLD.output,
            reasoning         = reasoning - OLD.reasoning,
            cache_read        = cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd - COALESCE(OLD.reported_cost_usd, 0)
        WHERE session_id = OLD.session_id AND harness = OLD.harness AND model = OLD.model
          AND provider = COALESCE(OLD.provider, '') AND project = COALESCE(OLD.project, '')
          AND branch = COALESCE(OLD.branch, '')
          AND bucket_ms = OLD.ts_ms - ((OLD.ts_ms % 900000) + 900000) % 900000
          AND ctx = (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 200000)
                  + (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 272000);
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h,
            COALESCE(NEW.reported_cost_usd, 0))
        ON CONFLICT DO UPDATE SET
            turns             = turns + 1,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;
    "#,
    // 10: the push outbox. One row per changed turn, session or stamp, at the sequence number
    // of its latest change (a change deletes its entry and appends a new one; not `INSERT OR
    // REPLACE`, whose policy the writer's own upsert statement would override), so `push` sends every
    // change after a high-water mark in order, and a turn changed again later is sent again
    // with a higher sequence (its revision). Sessions are named by key (their rowid is not
    // stable across VACUUM); turns and stamps by their INTEGER PRIMARY KEY. Only the columns
    // a team server reads move a session's entry (its counters change with every turn).
    // `push_marks` holds the acknowledged high-water mark per server.
    r#"
    CREATE TABLE push_outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind        TEXT    NOT NULL CHECK (kind IN ('t', 's', 'p')),
        rid         INTEGER NOT NULL DEFAULT 0,
        harness     TEXT    NOT NULL DEFAULT '',
        session_id  TEXT    NOT NULL DEFAULT '',
        UNIQUE (kind, rid, harness, session_id)
    ) STRICT;
    CREATE TABLE push_marks (
        server  TEXT    PRIMARY KEY,
        seq     INTEGER NOT NULL
    ) STRICT;
    INSERT INTO push_outbox (kind, harness, session_id)
        SELECT 's', harness, session_id FROM sessions ORDER BY first_ts_ms, harness, session_id;
    INSERT INTO push_outbox (kind, rid) SELECT 't', rid FROM turns ORDER BY rid;
    INSERT INTO push_outbox (kind, rid) SELECT 'p', seq FROM stamps ORDER BY seq;

    CREATE TRIGGER push_turns_insert AFTER INSERT ON turns BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = NEW.rid AND harness = '' AND session_id = '';
        INSERT INTO push_outbox (kind, rid) VALUES ('t', NEW.rid);
    END;
    CREATE TRIGGER push_turns_update AFTER UPDATE ON turns
    WHEN NEW.input IS NOT OLD.input OR NEW.output IS NOT OLD.output
      OR NEW.reasoning IS NOT OLD.reasoning OR NEW.cache_read IS NOT OLD.cache_read
      OR NEW.cache_write_5m IS NOT OLD.cache_write_5m OR NEW.cache_write_1h IS NOT OLD.cache_write_1h
      OR NEW.model IS NOT OLD.model OR NEW.ts_ms IS NOT OLD.ts_ms OR NEW.complete IS NOT OLD.complete
      OR NEW.session_id IS NOT OLD.session_id OR NEW.stop_reason IS NOT OLD.stop_reason
    BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = NEW.rid AND harness = '' AND session_id = '';
        INSERT INTO push_outbox (kind, rid) VALUES ('t', NEW.rid);
    END;
    CREATE TRIGGER push_turns_delete AFTER DELETE ON turns BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = OLD.rid AND harness = '' AND session_id = '';
    END;
    CREATE TRIGGER push_sessions_insert AFTER INSERT ON sessions BEGIN
        DELETE FROM push_outbox WHERE kind = 's' AND rid = 0 AND harness = NEW.harness AND session_id = NEW.session_id;
        INSERT INTO push_outbox (kind, harness, session_id) VALUES ('s', NEW.harness, NEW.session_id);
    END;
    CREATE TRIGGER push_sessions_update AFTER UPDATE ON sessions
    WHEN NEW.project IS NOT OLD.project OR NEW.branch IS NOT OLD.branch
      OR NEW.parent_session_id IS NOT OLD.parent_session_id OR NEW.relationship IS NOT OLD.relationship
      OR NEW.placeholder IS NOT OLD.placeholder
    BEGIN
        DELETE FROM push_outbox WHERE kind = 's' AND rid = 0 AND harness = NEW.harness AND session_id = NEW.session_id;
        INSERT INTO push_outbox (kind, harness, session_id) VALUES ('s', NEW.harness, NEW.session_id);
    END;
    CREATE TRIGGER push_stamps_insert AFTER INSERT ON stamps BEGIN
        INSERT INTO push_outbox (kind, rid) VALUES ('p', NEW.seq);
    END;
    "#,
    // 11: snapshot turns (harnesses that keep running totals) are replaced in place, so a
    // turn's time can move: a session's first and last activity follow it. The counters
    // already move with every update (`turns_count_update`); this adds only the time span.
    r#"
    CREATE TRIGGER turns_span_update AFTER UPDATE OF ts_ms ON turns WHEN NEW.ts_ms IS NOT OLD.ts_ms BEGIN
        UPDATE sessions SET
            first_ts_ms = min(COALESCE(first_ts_ms, NEW.ts_ms), NEW.ts_ms),
            last_ts_ms  = max(COALESCE(last_ts_ms, NEW.ts_ms), NEW.ts_ms)
        WHERE harness = NEW.harness AND session_id = NEW.session_id;
    END;
    "#,
    // 12: analyses. `analysis_rows` holds what each session's turns add to the analyses, per
    // session, model and long-context class: `dim` '' the turns' own counters and tool calls,
    // 'tool'/'file'/'command' the tokens attributed to each row key (`analysis::derived`). A
    // session's rows depend on its whole history, so a change to any of its turns, user
    // turns or compactions marks it in `analysis_dirty` (same transaction, by trigger) and the
    // next analysis derives its rows again before answering. Every existing session starts
    // marked (the first analysis back-fills them).
    r#"
    CREATE TABLE analysis_rows (
        dim             TEXT    NOT NULL,
        harness         TEXT    NOT NULL,
        session_id      TEXT    NOT NULL,
        key             TEXT    NOT NULL,
        model           TEXT    NOT NULL,
        ctx             INTEGER NOT NULL,
        turns           INTEGER NOT NULL,
        calls           INTEGER NOT NULL,
        result_bytes    INTEGER NOT NULL,
        fresh           INTEGER NOT NULL,
        cache_read      INTEGER NOT NULL,
        fresh_input     REAL    NOT NULL,
        fresh_w5m       REAL    NOT NULL,
        fresh_w1h       REAL    NOT NULL,
        input           INTEGER NOT NULL,
        output          INTEGER NOT NULL,
        reasoning       INTEGER NOT NULL,
        cache_write_5m  INTEGER NOT NULL,
        cache_write_1h  INTEGER NOT NULL,
        PRIMARY KEY (dim, harness, session_id, key, model, ctx)
    ) STRICT;
    CREATE TABLE analysis_dirty (
        harness     TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        PRIMARY KEY (harness, session_id)
    ) STRICT;
    INSERT INTO analysis_dirty (harness, session_id)
        SELECT harness, session_id FROM sessions WHERE turns > 0;

    CREATE TRIGGER analysis_turns_insert AFTER INSERT ON turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
    END;
    CREATE TRIGGER analysis_turns_update AFTER UPDATE ON turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_turns_delete AFTER DELETE ON turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_user_turns_insert AFTER INSERT ON user_turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
    END;
    CREATE TRIGGER analysis_user_turns_update AFTER UPDATE ON user_turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_user_turns_delete AFTER DELETE ON user_turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_compactions_insert AFTER INSERT ON compactions BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
    END;
    CREATE TRIGGER analysis_compactions_update AFTER UPDATE ON compactions BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_compactions_delete AFTER DELETE ON compactions BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    "#,
    // 13: set-based upkeep of what the turn triggers maintain, for the ingest writer. While a
    // batch of turns and user turns is written, the writer holds a row in `ingest_bulk` (inside
    // its transaction, deleted before it commits, so no other connection ever sees one): rows
    // past its `from_rid` / `from_user_rid` fire none of the per-row triggers below, and the
    // writer then applies their session counters, rollup, clock ticks and push entries with one
    // statement each (`ingest::upkeep::derive`). Per row, these triggers cost a statement
    // journal and four upserts; the set-based statements cost a fraction of that. Outside a
    // batch the table is empty and every trigger fires as before (restated from 5, 9, 10, 11
    // with the `WHEN` added, and 12's `analysis_turns_insert`). `clock_user_turns` and
    // `analysis_user_turns_insert` are dropped: the writer ticks the clock and marks the
    // analyses' dirty sessions for user turns.
    r#"
    CREATE TABLE ingest_bulk (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        from_rid        INTEGER NOT NULL,
        from_user_rid   INTEGER NOT NULL
    ) STRICT;

    DROP TRIGGER turns_count_insert;
    DROP TRIGGER turns_count_update;
    DROP TRIGGER turns_rollup_insert;
    DROP TRIGGER turns_rollup_update;
    DROP TRIGGER clock_turns_insert;
    DROP TRIGGER clock_turns_update;
    DROP TRIGGER clock_user_turns;
    DROP TRIGGER push_turns_insert;
    DROP TRIGGER push_turns_update;
    DROP TRIGGER turns_span_update;

    CREATE TRIGGER turns_count_insert AFTER INSERT ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE NEW.rid > from_rid) BEGIN
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

    CREATE TRIGGER turns_count_update AFTER UPDATE ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid) BEGIN
        UPDATE sessions SET
            input          = input + NEW.input - OLD.input,
            output         = output + NEW.output - OLD.output,
            reasoning      = reasoning + NEW.reasoning - OLD.reasoning,
            cache_read     = cache_read + NEW.cache_read - OLD.cache_read,
            cache_write_5m = cache_write_5m + NEW.cache_write_5m - OLD.cache_write_5m,
            cache_write_1h = cache_write_1h + NEW.cache_write_1h - OLD.cache_write_1h
        WHERE harness = OLD.harness AND session_id = OLD.session_id;
    END;

    CREATE TRIGGER turns_rollup_insert AFTER INSERT ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE NEW.rid > from_rid) BEGIN
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h,
            COALESCE(NEW.reported_cost_usd, 0))
        ON CONFLICT DO UPDATE SET
            turns             = turns + 1,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;

    CREATE TRIGGER turns_rollup_update AFTER UPDATE ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid) BEGIN
        UPDATE turn_rollup SET
            turns             = turns - 1,
            input             = input - OLD.input,
            output            = output - OLD.output,
            reasoning         = reasoning - OLD.reasoning,
            cache_read        = cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd - COALESCE(OLD.reported_cost_usd, 0)
        WHERE session_id = OLD.session_id AND harness = OLD.harness AND model = OLD.model
          AND provider = COALESCE(OLD.provider, '') AND project = COALESCE(OLD.project, '')
          AND branch = COALESCE(OLD.branch, '')
          AND bucket_ms = OLD.ts_ms - ((OLD.ts_ms % 900000) + 900000) % 900000
          AND ctx = (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 200000)
                  + (OLD.input + OLD.cache_read + OLD.cache_write_5m + OLD.cache_write_1h > 272000);
        INSERT INTO turn_rollup VALUES (
            NEW.session_id, NEW.harness, NEW.model, COALESCE(NEW.provider, ''), COALESCE(NEW.project, ''),
            COALESCE(NEW.branch, ''), NEW.ts_ms - ((NEW.ts_ms % 900000) + 900000) % 900000,
            (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 200000)
              + (NEW.input + NEW.cache_read + NEW.cache_write_5m + NEW.cache_write_1h > 272000),
            1, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read, NEW.cache_write_5m, NEW.cache_write_1h,
            COALESCE(NEW.reported_cost_usd, 0))
        ON CONFLICT DO UPDATE SET
            turns             = turns + 1,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;

    CREATE TRIGGER clock_turns_insert AFTER INSERT ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE NEW.rid > from_rid)
    BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    CREATE TRIGGER clock_turns_update AFTER UPDATE ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid)
    BEGIN UPDATE ledger_clock SET ticks = ticks + 1; END;
    -- The ingest writer is the only writer of user turns: it ticks the clock for them, so
    -- their inserts run no trigger at all (and journal nothing per statement).

    CREATE TRIGGER push_turns_insert AFTER INSERT ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE NEW.rid > from_rid) BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = NEW.rid AND harness = '' AND session_id = '';
        INSERT INTO push_outbox (kind, rid) VALUES ('t', NEW.rid);
    END;
    CREATE TRIGGER push_turns_update AFTER UPDATE ON turns
    WHEN (NEW.input IS NOT OLD.input OR NEW.output IS NOT OLD.output
      OR NEW.reasoning IS NOT OLD.reasoning OR NEW.cache_read IS NOT OLD.cache_read
      OR NEW.cache_write_5m IS NOT OLD.cache_write_5m OR NEW.cache_write_1h IS NOT OLD.cache_write_1h
      OR NEW.model IS NOT OLD.model OR NEW.ts_ms IS NOT OLD.ts_ms OR NEW.complete IS NOT OLD.complete
      OR NEW.session_id IS NOT OLD.session_id OR NEW.stop_reason IS NOT OLD.stop_reason)
      AND NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid)
    BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = NEW.rid AND harness = '' AND session_id = '';
        INSERT INTO push_outbox (kind, rid) VALUES ('t', NEW.rid);
    END;

    CREATE TRIGGER turns_span_update AFTER UPDATE OF ts_ms ON turns
    WHEN NEW.ts_ms IS NOT OLD.ts_ms AND NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid) BEGIN
        UPDATE sessions SET
            first_ts_ms = min(COALESCE(first_ts_ms, NEW.ts_ms), NEW.ts_ms),
            last_ts_ms  = max(COALESCE(last_ts_ms, NEW.ts_ms), NEW.ts_ms)
        WHERE harness = NEW.harness AND session_id = NEW.session_id;
    END;

    -- Analyses: the writer marks the sessions of its new turns and user turns dirty itself
    -- (the user-turn trigger is dropped: the writer is their only writer).
    DROP TRIGGER analysis_turns_insert;
    DROP TRIGGER analysis_user_turns_insert;
    CREATE TRIGGER analysis_turns_insert AFTER INSERT ON turns
    WHEN NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE NEW.rid > from_rid) BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
    END;
    "#,
    // 14: directory listings kept for discovery (`ingest::listing`): a directory's entries
    // (kind byte, UTF-8 name, NUL, per entry) and the stamp it had when they were read. A sweep
    // lists again only the directories whose stamp changed. A fact about the filesystem, not
    // about the ledger's rows: a rebuild keeps it.
    r#"
    CREATE TABLE dir_listings (
        path      TEXT    PRIMARY KEY,
        dev       INTEGER NOT NULL,
        ino       INTEGER NOT NULL,
        mtime_ns  INTEGER NOT NULL,
        ctime_ns  INTEGER NOT NULL,
        entries   BLOB    NOT NULL
    ) STRICT;
    "#,
    // 15: a first load builds some secondary indexes after its rows instead of row by row
    // (`ingest::cold_load`); the SQL of each index it dropped waits here, written in the
    // transaction that drops it, until the index exists again. Empty outside such a load, and
    // nothing to convert in an existing ledger.
    r#"
    CREATE TABLE deferred_indexes (
        name  TEXT PRIMARY KEY,
        sql   TEXT NOT NULL
    ) STRICT;
    "#,
    // 16: summaries read rollup rows by time. `turn_rollup` is stored in bucket order (a
    // `WITHOUT ROWID` table keyed by the bucket first): a window's rows are neighbours instead
    // of spread over the whole table in the order they were written, which made a 30-day read
    // touch nearly every page. Its columns, their order and its uniqueness are unchanged (the
    // triggers and the writer's upkeep name them); a session's rows are found through
    // `turn_rollup_by_session`. Then `turn_hourly`, the rollup without its session, project
    // and branch, per UTC hour: summaries that need none of those read it (a few rows per
    // hour instead of one per session and quarter hour). It is kept from `turn_rollup` by
    // triggers on that table, so every writer of the rollup (the turn triggers, the ingest
    // writer's set-based upkeep, the snapshot writer, a rebuild's reset) keeps it exact
    // without knowing of it. Hours holding a local midnight of a zone off the whole hour are
    // read from `turn_rollup`.
    r#"
    CREATE TEMP TABLE turn_rollup_copy AS SELECT * FROM turn_rollup;
    DROP TABLE turn_rollup;
    CREATE TABLE turn_rollup (
        session_id        TEXT    NOT NULL,
        harness           TEXT    NOT NULL,
        model             TEXT    NOT NULL,
        provider          TEXT    NOT NULL,
        project           TEXT    NOT NULL,
        branch            TEXT    NOT NULL,
        bucket_ms         INTEGER NOT NULL,
        ctx               INTEGER NOT NULL,
        turns             INTEGER NOT NULL,
        input             INTEGER NOT NULL,
        output            INTEGER NOT NULL,
        reasoning         INTEGER NOT NULL,
        cache_read        INTEGER NOT NULL,
        cache_write_5m    INTEGER NOT NULL,
        cache_write_1h    INTEGER NOT NULL,
        reported_cost_usd REAL    NOT NULL DEFAULT 0,
        PRIMARY KEY (bucket_ms, session_id, harness, model, provider, project, branch, ctx)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO turn_rollup SELECT * FROM temp.turn_rollup_copy;
    DROP TABLE temp.turn_rollup_copy;
    CREATE INDEX turn_rollup_by_session ON turn_rollup (session_id);

    CREATE TABLE turn_hourly (
        hour_ms           INTEGER NOT NULL,
        harness           TEXT    NOT NULL,
        model             TEXT    NOT NULL,
        provider          TEXT    NOT NULL,
        ctx               INTEGER NOT NULL,
        turns             INTEGER NOT NULL,
        input             INTEGER NOT NULL,
        output            INTEGER NOT NULL,
        reasoning         INTEGER NOT NULL,
        cache_read        INTEGER NOT NULL,
        cache_write_5m    INTEGER NOT NULL,
        cache_write_1h    INTEGER NOT NULL,
        reported_cost_usd REAL    NOT NULL,
        PRIMARY KEY (hour_ms, harness, model, provider, ctx)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO turn_hourly
    SELECT bucket_ms - ((bucket_ms % 3600000) + 3600000) % 3600000, harness, model, provider, ctx,
           sum(turns), sum(input), sum(output), sum(reasoning), sum(cache_read), sum(cache_write_5m),
           sum(cache_write_1h), sum(reported_cost_usd)
    FROM turn_rollup GROUP BY 1, 2, 3, 4, 5;

    CREATE TRIGGER rollup_hourly_insert AFTER INSERT ON turn_rollup BEGIN
        INSERT INTO turn_hourly VALUES (
            NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000, NEW.harness, NEW.model,
            NEW.provider, NEW.ctx, NEW.turns, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read,
            NEW.cache_write_5m, NEW.cache_write_1h, NEW.reported_cost_usd)
        ON CONFLICT DO UPDATE SET
            turns             = turns + excluded.turns,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;

    -- Every writer only changes a rollup row's counters: one update by the difference.
    CREATE TRIGGER rollup_hourly_update AFTER UPDATE ON turn_rollup
    WHEN NEW.harness = OLD.harness AND NEW.model = OLD.model AND NEW.provider = OLD.provider
      AND NEW.ctx = OLD.ctx
      AND NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000
        = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000 BEGIN
        UPDATE turn_hourly SET
            turns             = turns + NEW.turns - OLD.turns,
            input             = input + NEW.input - OLD.input,
            output            = output + NEW.output - OLD.output,
            reasoning         = reasoning + NEW.reasoning - OLD.reasoning,
            cache_read        = cache_read + NEW.cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m + NEW.cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h + NEW.cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd + NEW.reported_cost_usd - OLD.reported_cost_usd
        WHERE hour_ms = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000
          AND harness = OLD.harness AND model = OLD.model AND provider = OLD.provider AND ctx = OLD.ctx;
    END;

    -- Any other update (a key column changed): out of the old hour row, into the new one.
    CREATE TRIGGER rollup_hourly_move AFTER UPDATE ON turn_rollup
    WHEN NOT (NEW.harness = OLD.harness AND NEW.model = OLD.model AND NEW.provider = OLD.provider
      AND NEW.ctx = OLD.ctx
      AND NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000
        = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000) BEGIN
        UPDATE turn_hourly SET
            turns             = turns - OLD.turns,
            input             = input - OLD.input,
            output            = output - OLD.output,
            reasoning         = reasoning - OLD.reasoning,
            cache_read        = cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd - OLD.reported_cost_usd
        WHERE hour_ms = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000
          AND harness = OLD.harness AND model = OLD.model AND provider = OLD.provider AND ctx = OLD.ctx;
        INSERT INTO turn_hourly VALUES (
            NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000, NEW.harness, NEW.model,
            NEW.provider, NEW.ctx, NEW.turns, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read,
            NEW.cache_write_5m, NEW.cache_write_1h, NEW.reported_cost_usd)
        ON CONFLICT DO UPDATE SET
            turns             = turns + excluded.turns,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;

    CREATE TRIGGER rollup_hourly_delete AFTER DELETE ON turn_rollup BEGIN
        UPDATE turn_hourly SET
            turns             = turns - OLD.turns,
            input             = input - OLD.input,
            output            = output - OLD.output,
            reasoning         = reasoning - OLD.reasoning,
            cache_read        = cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd - OLD.reported_cost_usd
        WHERE hour_ms = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000
          AND harness = OLD.harness AND model = OLD.model AND provider = OLD.provider AND ctx = OLD.ctx;
    END;
    "#,
    // 17: `turns` loses its insert triggers, as `user_turns` did in 13. Its writers (the ingest
    // writer's stage and the snapshot writer) insert under the bulk mark and derive the session
    // counters, rollup, push entries, clock and analyses' marks set-based; anything else that
    // inserts turns goes through `ingest::with_upkeep`. A statement on a table with triggers is
    // one SQLite may have to undo alone, so it journals every page it touches: without them
    // each new turn is one plain insert instead of a copy through a temporary table. The
    // update and delete triggers stay (stored rows change one at a time).
    r#"
    DROP TRIGGER turns_count_insert;
    DROP TRIGGER turns_rollup_insert;
    DROP TRIGGER clock_turns_insert;
    DROP TRIGGER push_turns_insert;
    DROP TRIGGER analysis_turns_insert;
    "#,
    // 18: placeholders indexed, so the ingest writer's count of real sessions (before and after
    // each write transaction) is a count of the table's pages less the few placeholders, not a
    // read of every session row (a cold ingest of 10,000 sessions does it hundreds of times).
    r#"
    CREATE INDEX sessions_placeholders ON sessions (harness) WHERE placeholder = 1;
    "#,
    // 19: user turns unique by `id`, the hash of their natural key (harness, session, uuid), as
    // turns are, instead of by the key's text. The text index held each row's session id and
    // uuid again (about half the size of the table) and took every insert on a random page;
    // the integer index is a sixth of its size. The table is rebuilt with its rows (rowids
    // kept), its index and its update and delete triggers (restated from 12); `OR IGNORE`
    // keeps the first row of an id, which only two keys hashing alike could share.
    r#"
    CREATE TABLE user_turns_new (
        rid                   INTEGER PRIMARY KEY,
        id                    INTEGER NOT NULL UNIQUE,
        harness               TEXT    NOT NULL,
        session_id            TEXT    NOT NULL,
        uuid                  TEXT    NOT NULL,
        ts_ms                 INTEGER NOT NULL,
        preceding_message_id  TEXT,
        blocks                TEXT    NOT NULL
    ) STRICT;
    INSERT OR IGNORE INTO user_turns_new
    SELECT rid, id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks FROM user_turns ORDER BY rid;
    DROP TABLE user_turns;
    ALTER TABLE user_turns_new RENAME TO user_turns;
    CREATE INDEX user_turns_by_session ON user_turns (harness, session_id, ts_ms);
    CREATE TRIGGER analysis_user_turns_update AFTER UPDATE ON user_turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT NEW.harness, NEW.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = NEW.harness AND session_id = NEW.session_id);
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    CREATE TRIGGER analysis_user_turns_delete AFTER DELETE ON user_turns BEGIN
        INSERT INTO analysis_dirty (harness, session_id) SELECT OLD.harness, OLD.session_id
        WHERE NOT EXISTS (SELECT 1 FROM analysis_dirty WHERE harness = OLD.harness AND session_id = OLD.session_id);
    END;
    "#,
    // 20: the push outbox's `kind` checked by comparisons instead of `IN ('t', 's', 'p')`, the
    // same rule. SQLite evaluates a constant `IN` list in a `CHECK` by filling a temporary
    // table for each row (and again in each trigger program that inserts), a third of the
    // cost of an outbox insert: 22 ms of the writer's time for a cold ingest's 103,000 turn
    // entries. The table is rebuilt with its rows (sequence numbers kept) and the high-water
    // mark of its `AUTOINCREMENT`, which is above the last row when the last entries were
    // replaced or deleted. The triggers that write it (on `turns`, `sessions` and `stamps`)
    // name it and need no change; the rename is the legacy one, which leaves them as they
    // are instead of refusing them while the old table is gone.
    r#"
    CREATE TABLE push_outbox_new (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind        TEXT    NOT NULL CHECK (kind = 't' OR kind = 's' OR kind = 'p'),
        rid         INTEGER NOT NULL DEFAULT 0,
        harness     TEXT    NOT NULL DEFAULT '',
        session_id  TEXT    NOT NULL DEFAULT '',
        UNIQUE (kind, rid, harness, session_id)
    ) STRICT;
    INSERT INTO push_outbox_new SELECT seq, kind, rid, harness, session_id FROM push_outbox ORDER BY seq;
    DELETE FROM sqlite_sequence WHERE name = 'push_outbox_new';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'push_outbox_new', max(seq) FROM sqlite_sequence WHERE name = 'push_outbox' HAVING count(*) > 0;
    DROP TABLE push_outbox;
    PRAGMA legacy_alter_table = ON;
    ALTER TABLE push_outbox_new RENAME TO push_outbox;
    PRAGMA legacy_alter_table = OFF;
    "#,
    // 21: the ingest writer sums the hours of the rollup rows it adds itself (`Tally::write`),
    // under a mark (`rollup_bulk`, a row only inside that write) that the two triggers keeping
    // `turn_hourly` skip. Per rollup row the trigger was an upsert of its own: 40 % of the
    // writer's rollup inserts, about 40 ms of a cold ingest of the mixed corpus. Outside the
    // mark they fire as before (restated from 16 with the `WHEN` added); `rollup_hourly_move`
    // is unchanged: the writer's upsert never changes a key column.
    r#"
    CREATE TABLE rollup_bulk (
        id  INTEGER PRIMARY KEY CHECK (id = 1)
    ) STRICT;
    DROP TRIGGER rollup_hourly_insert;
    DROP TRIGGER rollup_hourly_update;
    CREATE TRIGGER rollup_hourly_insert AFTER INSERT ON turn_rollup
    WHEN NOT EXISTS (SELECT 1 FROM rollup_bulk) BEGIN
        INSERT INTO turn_hourly VALUES (
            NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000, NEW.harness, NEW.model,
            NEW.provider, NEW.ctx, NEW.turns, NEW.input, NEW.output, NEW.reasoning, NEW.cache_read,
            NEW.cache_write_5m, NEW.cache_write_1h, NEW.reported_cost_usd)
        ON CONFLICT DO UPDATE SET
            turns             = turns + excluded.turns,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd;
    END;
    CREATE TRIGGER rollup_hourly_update AFTER UPDATE ON turn_rollup
    WHEN NEW.harness = OLD.harness AND NEW.model = OLD.model AND NEW.provider = OLD.provider
      AND NEW.ctx = OLD.ctx
      AND NEW.bucket_ms - ((NEW.bucket_ms % 3600000) + 3600000) % 3600000
        = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000
      AND NOT EXISTS (SELECT 1 FROM rollup_bulk) BEGIN
        UPDATE turn_hourly SET
            turns             = turns + NEW.turns - OLD.turns,
            input             = input + NEW.input - OLD.input,
            output            = output + NEW.output - OLD.output,
            reasoning         = reasoning + NEW.reasoning - OLD.reasoning,
            cache_read        = cache_read + NEW.cache_read - OLD.cache_read,
            cache_write_5m    = cache_write_5m + NEW.cache_write_5m - OLD.cache_write_5m,
            cache_write_1h    = cache_write_1h + NEW.cache_write_1h - OLD.cache_write_1h,
            reported_cost_usd = reported_cost_usd + NEW.reported_cost_usd - OLD.reported_cost_usd
        WHERE hour_ms = OLD.bucket_ms - ((OLD.bucket_ms % 3600000) + 3600000) % 3600000
          AND harness = OLD.harness AND model = OLD.model AND provider = OLD.provider AND ctx = OLD.ctx;
    END;
    "#,
    // 22: the push outbox is kept from a ledger's first push on (`push::arm`), not before: a
    // ledger that never pushes paid for an entry per turn and per session, 90 ms of the
    // writer's 1,050 in a cold ingest of the mixed corpus. `push_armed` holds a row once
    // armed; the first push queues every session, turn and stamp there is (as migration 10
    // did), and from then on the triggers and the ingest writer queue each change. A ledger
    // that has pushed (a server's mark) is armed here and keeps its outbox; any other drops
    // its entries, which no push will read. The triggers are restated from 10 and 13 with the
    // condition added.
    r#"
    CREATE TABLE push_armed (
        id  INTEGER PRIMARY KEY CHECK (id = 1)
    ) STRICT;
    INSERT INTO push_armed (id) SELECT 1 WHERE EXISTS (SELECT 1 FROM push_marks);
    DELETE FROM push_outbox WHERE NOT EXISTS (SELECT 1 FROM push_armed);
    DROP TRIGGER push_turns_update;
    DROP TRIGGER push_turns_delete;
    DROP TRIGGER push_sessions_insert;
    DROP TRIGGER push_sessions_update;
    DROP TRIGGER push_stamps_insert;
    CREATE TRIGGER push_turns_update AFTER UPDATE ON turns
    WHEN (NEW.input IS NOT OLD.input OR NEW.output IS NOT OLD.output
      OR NEW.reasoning IS NOT OLD.reasoning OR NEW.cache_read IS NOT OLD.cache_read
      OR NEW.cache_write_5m IS NOT OLD.cache_write_5m OR NEW.cache_write_1h IS NOT OLD.cache_write_1h
      OR NEW.model IS NOT OLD.model OR NEW.ts_ms IS NOT OLD.ts_ms OR NEW.complete IS NOT OLD.complete
      OR NEW.session_id IS NOT OLD.session_id OR NEW.stop_reason IS NOT OLD.stop_reason)
      AND NOT EXISTS (SELECT 1 FROM ingest_bulk WHERE OLD.rid > from_rid)
      AND EXISTS (SELECT 1 FROM push_armed)
    BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = NEW.rid AND harness = '' AND session_id = '';
        INSERT INTO push_outbox (kind, rid) VALUES ('t', NEW.rid);
    END;
    CREATE TRIGGER push_turns_delete AFTER DELETE ON turns
    WHEN EXISTS (SELECT 1 FROM push_armed) BEGIN
        DELETE FROM push_outbox WHERE kind = 't' AND rid = OLD.rid AND harness = '' AND session_id = '';
    END;
    CREATE TRIGGER push_sessions_insert AFTER INSERT ON sessions
    WHEN EXISTS (SELECT 1 FROM push_armed) BEGIN
        DELETE FROM push_outbox WHERE kind = 's' AND rid = 0 AND harness = NEW.harness AND session_id = NEW.session_id;
        INSERT INTO push_outbox (kind, harness, session_id) VALUES ('s', NEW.harness, NEW.session_id);
    END;
    CREATE TRIGGER push_sessions_update AFTER UPDATE ON sessions
    WHEN (NEW.project IS NOT OLD.project OR NEW.branch IS NOT OLD.branch
      OR NEW.parent_session_id IS NOT OLD.parent_session_id OR NEW.relationship IS NOT OLD.relationship
      OR NEW.placeholder IS NOT OLD.placeholder)
      AND EXISTS (SELECT 1 FROM push_armed)
    BEGIN
        DELETE FROM push_outbox WHERE kind = 's' AND rid = 0 AND harness = NEW.harness AND session_id = NEW.session_id;
        INSERT INTO push_outbox (kind, harness, session_id) VALUES ('s', NEW.harness, NEW.session_id);
    END;
    CREATE TRIGGER push_stamps_insert AFTER INSERT ON stamps
    WHEN EXISTS (SELECT 1 FROM push_armed) BEGIN
        INSERT INTO push_outbox (kind, rid) VALUES ('p', NEW.seq);
    END;
    "#,
    // 23: the per-session indexes lead with `session_id`, then `harness`. Every lookup names
    // both, so either order finds a session; but with nine harnesses a leading `harness` ties
    // in most of a sort's comparisons, and SQLite's sorter then compares whole records: a first
    // load's deferred builds of the two big ones took 94-113 ms each, 60-86 ms in this order.
    // The analyses' walk reads sessions in this order (`analysis::timeline`), so
    // `compactions_by_session` and `sessions_by_id` follow it too. An interrupted first load's
    // record of the old SQL is dropped: the index is built here instead.
    r#"
    DELETE FROM deferred_indexes WHERE name IN ('turns_by_session', 'user_turns_by_session');
    DROP INDEX IF EXISTS turns_by_session;
    DROP INDEX IF EXISTS user_turns_by_session;
    DROP INDEX compactions_by_session;
    DROP INDEX sessions_by_id;
    CREATE INDEX turns_by_session ON turns (session_id, harness, ts_ms);
    CREATE INDEX user_turns_by_session ON user_turns (session_id, harness, ts_ms);
    CREATE INDEX compactions_by_session ON compactions (session_id, harness, ts_ms);
    CREATE INDEX sessions_by_id ON sessions (session_id, harness);
    "#,
];

/// Tables holding rows derived from harness logs, each with a `harness` column: a rebuild
/// (`ingest::reset_derived`) deletes them and re-reads the logs. A migration that adds a
/// table lists it here or in [`KEPT_TABLES`] (a test checks every table is in exactly one).
pub const DERIVED_TABLES: &[&str] = &[
    "turns",
    // Before `turn_rollup`: its rows are gone when that table's delete trigger looks for them.
    "turn_hourly",
    "turn_rollup",
    "user_turns",
    "compactions",
    "sessions",
    "cursors",
    // Recomputed from the remaining sessions after a reset (`crate::tree::rebuild`).
    "session_tree",
    // Derived from the rows above by the analyses (`crate::analysis::derived`); a rebuild's
    // re-ingest marks its sessions again.
    "analysis_rows",
    "analysis_dirty",
];

/// Tables a rebuild keeps: what users wrote (stamps and their tag fold) and bookkeeping.
pub const KEPT_TABLES: &[&str] = &[
    "schema_version",
    "stamps",
    "stamp_tags",
    "ingest_runs",
    "ledger_clock",
    // Written by launchers; a claim already became a stamp, so a rebuild keeps both.
    "pending_stamps",
    // Written by users (`setBudget`).
    "budgets",
    // What `push` still has to send, and how far each server acknowledged: kept by a rebuild
    // (a rebuilt turn is queued again by its insert; entries of deleted rows are dropped).
    "push_outbox",
    "push_marks",
    // Whether the outbox is kept (migration 22): a rebuild leaves the ledger as armed as it was.
    "push_armed",
    // Empty outside the ingest writer's transactions (see migration 13).
    "ingest_bulk",
    // Empty outside the ingest writer's rollup inserts (see migration 21).
    "rollup_bulk",
    // A cache of directory listings (migration 14), true whatever the ledger holds.
    "dir_listings",
    // Indexes a first load dropped and builds again (migration 15): a rebuild must not lose them.
    "deferred_indexes",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
