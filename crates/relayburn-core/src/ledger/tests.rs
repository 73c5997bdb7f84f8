use super::*;

#[test]
fn creates_wal_ledger_at_current_version() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(read_version(conn).unwrap(), SCHEMA_VERSION);
    assert_eq!(page_size(conn), PAGE_SIZE);
}

/// SQLite is built without allocation statistics (`.cargo/config.toml`): with them, every
/// allocation takes a process-wide mutex that the ingest's three connections contend for.
#[test]
fn sqlite_keeps_no_allocation_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    conn.execute_batch("CREATE TEMP TABLE t (x); INSERT INTO t VALUES (zeroblob(100000));")
        .unwrap();
    // Counted only while the statistics are kept (connections hold memory here).
    // SAFETY: reads a process-wide counter; no arguments, no state changed.
    let used = unsafe { rusqlite::ffi::sqlite3_memory_used() };
    assert_eq!(used, 0, "SQLITE_DEFAULT_MEMSTATUS=0 is not in effect");
}

fn page_size(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_ledger_made_with_other_pages_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;")
            .unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    assert_eq!(page_size(conn), 4096);
    assert_eq!(read_version(conn).unwrap(), SCHEMA_VERSION);
}

#[test]
fn reopening_keeps_data_and_version() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut ledger = Ledger::open(dir.path()).unwrap();
        ledger
            .write(|tx| {
                tx.execute(
                    "INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('a', 's', '{}', 1)",
                    [],
                )
                .map_err(|e| Error::Internal(e.to_string()))
            })
            .unwrap();
    }
    // Bypass the pool: a fresh connection must see the same ledger.
    let conn = open_connection(dir.path(), &dir.path().join(LEDGER_FILE)).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM stamps", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn refuses_newer_schema_and_leaves_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(LEDGER_FILE);
    {
        let conn = open_connection(dir.path(), &path).unwrap();
        conn.execute(
            "UPDATE schema_version SET version = ?1",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = open_connection(dir.path(), &path).err().unwrap();
    assert_eq!(err.code(), "SCHEMA_TOO_NEW");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn garbage_file_is_reported_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(LEDGER_FILE),
        b"this is not sqlite at all, not even close....",
    )
    .unwrap();
    let err = Ledger::open(dir.path()).err().unwrap();
    assert_eq!(err.code(), "LEDGER_CORRUPT");
}

#[test]
fn many_connections_opening_a_brand_new_ledger_at_once_all_succeed() {
    // Opening a fresh file races on the switch to WAL; none may fail with LEDGER_BUSY.
    for _ in 0..25 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEDGER_FILE);
        let barrier = std::sync::Barrier::new(8);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    barrier.wait();
                    open_connection(dir.path(), &path).unwrap();
                });
            }
        });
        let conn = open_connection(dir.path(), &path).unwrap();
        assert_eq!(read_version(&conn).unwrap(), SCHEMA_VERSION);
    }
}

/// A ledger in `home` as the release with schema version `at` left it (migrations `..at`).
fn ledger_at_version(home: &Path, at: usize) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(home.join(LEDGER_FILE)).unwrap();
    conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;")
        .unwrap();
    for sql in &schema::MIGRATIONS[..at] {
        conn.execute_batch(sql).unwrap();
    }
    conn.execute("INSERT INTO schema_version VALUES (?1)", [at as i64])
        .unwrap();
    conn
}

/// The index of the first migration whose SQL holds every one of `texts` (found by its text,
/// so no version number is hard-coded).
fn migration_with(texts: &[&str]) -> usize {
    schema::MIGRATIONS
        .iter()
        .position(|m| texts.iter().all(|t| m.contains(t)))
        .unwrap_or_else(|| panic!("no migration holds {texts:?}"))
}

/// The migration that gives `turns` and `user_turns` a sequential rowid.
fn rowid_migration() -> usize {
    migration_with(&["CREATE TABLE turns_new"])
}

/// Indexes and triggers on `turns` / `user_turns`: name → SQL with whitespace collapsed.
fn schema_objects(conn: &rusqlite::Connection) -> std::collections::BTreeMap<String, String> {
    let mut stmt = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('turns', 'user_turns')
             AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|r| {
        let (name, sql) = r.unwrap();
        (name, sql.split_whitespace().collect::<Vec<_>>().join(" "))
    })
    .collect()
}

/// The rows of a query as text, one `|`-joined string of its cells' debug forms per row: for
/// comparing tables in tests.
pub(crate) fn dump_rows(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// The first column of a query's rows, as text.
pub(crate) fn column_texts(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// Everything the rebuild must preserve, as text (rows in a stable order, without `rid`).
fn ledger_contents(conn: &rusqlite::Connection) -> Vec<String> {
    let dump = |sql: &str| dump_rows(conn, sql);
    [
        "SELECT id, harness, session_id, message_id, request_id, ts_ms, model, provider, project, branch, input,
                output, reasoning, cache_read, cache_write_5m, cache_write_1h, stop_reason, complete, tool_calls
         FROM turns ORDER BY id",
        "SELECT id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks FROM user_turns ORDER BY id",
        "SELECT * FROM sessions ORDER BY harness, session_id",
        // The columns every version has (a later migration adds the reported cost).
        "SELECT session_id, harness, model, provider, project, branch, bucket_ms, ctx, turns, input, output,
                reasoning, cache_read, cache_write_5m, cache_write_1h
         FROM turn_rollup ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
        "SELECT * FROM ledger_clock",
    ]
    .iter()
    .flat_map(|q| dump(q))
    .collect()
}

/// Session counters and rollup rows equal the aggregate of the turns.
fn assert_derived_consistent(conn: &rusqlite::Connection) {
    let diff: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions s
             LEFT JOIN (SELECT harness, session_id, count(*) n, sum(input) i, sum(output) o, sum(cache_read) cr
                        FROM turns GROUP BY 1, 2) t USING (harness, session_id)
             WHERE s.turns IS NOT COALESCE(t.n, 0) OR s.input IS NOT COALESCE(t.i, 0)
                OR s.output IS NOT COALESCE(t.o, 0) OR s.cache_read IS NOT COALESCE(t.cr, 0)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(diff, 0, "session counters differ from the turns");
    let (a, b): (String, String) = conn
        .query_row(
            "SELECT (SELECT count(*) || '/' || sum(input) || '/' || sum(output) || '/' || sum(cache_read) FROM turns),
                    (SELECT sum(turns) || '/' || sum(input) || '/' || sum(output) || '/' || sum(cache_read) FROM turn_rollup)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(a, b, "rollup differs from the turns");
}

const INSERT_TURN: &str = "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output,
        reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
     VALUES (?1, 'claude-code', ?2, ?3, ?4, ?5, ?6, 10, 0, 1000, 5, 0, 1, '[]') ON CONFLICT (id) DO NOTHING";

#[test]
fn rowid_migration_rebuilds_turns_keeping_rows_indexes_and_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let at = rowid_migration();
    let (objects_before, contents_before) = {
        // A ledger as the release before this migration left it, populated through its triggers.
        let conn = ledger_at_version(dir.path(), at);
        for i in 0..300_i64 {
            // Hash-like ids in random order, several sessions and models, a few updates.
            let id = i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64);
            let model = ["claude-sonnet-4-5", "claude-opus-4-5", "gpt-5.4"][(i % 3) as usize];
            conn.execute(
                INSERT_TURN,
                rusqlite::params![
                    id,
                    format!("s{}", i % 7),
                    format!("m{i}"),
                    1_779_364_800_000 + i * 60_000,
                    model,
                    100 + i
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, blocks)
                 VALUES (?1, 'claude-code', ?2, ?3, ?4, '[]')",
                rusqlite::params![
                    id ^ 1,
                    format!("s{}", i % 7),
                    format!("u{i}"),
                    1_779_364_800_000 + i
                ],
            )
            .unwrap();
            if i % 10 == 0 {
                conn.execute(
                    "UPDATE turns SET input = input * 2, output = 99 WHERE id = ?1",
                    [id],
                )
                .unwrap();
            }
        }
        assert_derived_consistent(&conn);
        (schema_objects(&conn), ledger_contents(&conn))
    };

    let mut ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    assert_eq!(read_version(conn).unwrap(), SCHEMA_VERSION);
    // Same rows, same derived tables; every index and trigger is back, unchanged.
    assert_eq!(ledger_contents(conn), contents_before);
    let objects_after = schema_objects(conn);
    // Migration 9 later adds the reported cost to these (and restates the rollup triggers);
    // migration 13 restates the per-row triggers with the set-based writer's condition;
    // migration 23 reorders the per-session indexes.
    let restated_later = [
        "turns",
        "turn_rollup",
        "turns_rollup_update",
        "turns_count_update",
        "clock_turns_update",
        "turns_by_session",
        "user_turns_by_session",
        "compactions_by_session",
        "sessions_by_id",
    ];
    // Dropped by migration 13 (the ingest writer ticks the clock for user turns) and 17 (and
    // derives what the insert triggers of turns did). Migration 16 stores the rollup in
    // bucket order, which needs no bucket index.
    let dropped_later = [
        "clock_user_turns",
        "turn_rollup_by_bucket",
        "turns_rollup_insert",
        "turns_count_insert",
        "clock_turns_insert",
    ];
    for (name, sql) in &objects_before {
        if restated_later.contains(&name.as_str()) {
            assert!(objects_after.contains_key(name), "{name} lost");
            continue;
        }
        if dropped_later.contains(&name.as_str()) {
            assert!(!objects_after.contains_key(name), "{name} kept");
            continue;
        }
        assert_eq!(objects_after.get(name), Some(sql), "{name} lost or changed");
    }
    let pk: Vec<(String, i64)> = conn
        .prepare("SELECT name, pk FROM pragma_table_info('turns') WHERE pk > 0")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(pk, vec![("rid".to_string(), 1)]);

    // The rebuilt tables keep the sessions and the rollup equal to the turns, and tick the
    // clock: inserts through the set-based upkeep, conflicts and updates through the triggers.
    ledger
        .write(|tx| {
            let clock = |tx: &rusqlite::Connection| -> i64 {
                tx.query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
                    .unwrap()
            };
            let before = clock(tx);
            crate::ingest::with_upkeep(tx, |tx| {
                for i in 300..320_i64 {
                    tx.execute(
                        INSERT_TURN,
                        rusqlite::params![
                            i,
                            "s-new",
                            format!("m{i}"),
                            1_779_364_800_000_i64,
                            "gpt-5.4",
                            7
                        ],
                    )?;
                }
                Ok(())
            })
            .unwrap();
            // A conflict on the natural-key hash inserts nothing.
            let n = tx
                .execute(
                    INSERT_TURN,
                    rusqlite::params![300, "s-new", "m300", 1_779_364_800_000_i64, "gpt-5.4", 7],
                )
                .unwrap();
            assert_eq!(n, 0);
            tx.execute(
                "UPDATE turns SET input = 1, model = 'claude-opus-4-5' WHERE id = 301",
                [],
            )
            .unwrap();
            // User turns are unique by `id`, their natural key's hash (migration 19).
            let user_turn = "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, blocks)
                 VALUES (?1, 'claude-code', ?2, ?3, 1, '[]') ON CONFLICT (id) DO NOTHING";
            let added = |id: i64, s: &str, u: &str| {
                tx.execute(user_turn, rusqlite::params![id, s, u]).unwrap()
            };
            assert_eq!(added(7, "s-new", "u-new"), 1);
            assert_eq!(added(7, "s-new", "u-new"), 0);
            let copied: i64 = tx
                .query_row(
                    "SELECT id FROM user_turns WHERE session_id = 's0' AND uuid = 'u0'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(added(copied, "s0", "u0"), 0); // copied from the older ledger
                                                      // The 20 inserts, the update and the new session (user turns tick through the
                                                      // ingest writer).
            assert_eq!(clock(tx), before + 20 + 1 + 1);
            Ok(())
        })
        .unwrap();
    let conn = ledger.conn().unwrap();
    assert_derived_consistent(conn);
    let s_new: i64 = conn
        .query_row(
            "SELECT turns FROM sessions WHERE session_id = 's-new'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(s_new, 20);
}

// ---- Hardening: foreign databases, damaged schemas, file modes ----

/// Clears the connection pool's hold on `dir`'s ledger by opening fresh connections only.
fn fresh(dir: &Path) -> Result<Connection> {
    open_connection(dir, &dir.join(LEDGER_FILE))
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    for setup in [
        // A plain database with tables of its own.
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
        // Another program's mark, even with no table yet.
        "PRAGMA application_id = 1234;",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LEDGER_FILE);
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(setup).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = fresh(dir.path()).err().unwrap();
        assert_eq!(err.code(), "LEDGER_CORRUPT", "{setup}: {err}");
        assert!(err.to_string().contains("another program"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{setup}");
        let c = Connection::open(&path).unwrap();
        let tables: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'stamps'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }
}

#[test]
fn a_new_ledger_carries_the_application_id() {
    let dir = tempfile::tempdir().unwrap();
    let conn = fresh(dir.path()).unwrap();
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn a_ledger_from_before_the_mark_opens_and_gets_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = fresh(dir.path()).unwrap();
        conn.execute_batch(
            "PRAGMA application_id = 0;
             INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('a', 's', '{}', 1);",
        )
        .unwrap();
    }
    let conn = fresh(dir.path()).unwrap();
    let (id, n): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), (SELECT count(*) FROM stamps)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((id, n), (APPLICATION_ID, 1));
}

#[test]
fn an_old_unmarked_ledger_is_migrated_and_marked() {
    // A version-1 ledger as the first releases wrote it: schema_version + migration 1, no mark.
    let dir = tempfile::tempdir().unwrap();
    {
        let c = Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
        c.execute_batch(SCHEMA_VERSION_TABLE).unwrap();
        c.execute_batch(schema::MIGRATIONS[0]).unwrap();
        c.execute_batch("INSERT INTO schema_version VALUES (1)")
            .unwrap();
    }
    let conn = fresh(dir.path()).unwrap();
    assert_eq!(read_version(&conn).unwrap(), SCHEMA_VERSION);
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn a_damaged_schema_is_one_ledger_corrupt_error() {
    let damage = [
        "DELETE FROM schema_version",
        "INSERT INTO schema_version VALUES (1)",
        "DROP TABLE schema_version",
        "DROP TABLE turns",
        "DROP TABLE stamps",
        "DROP TABLE pending_stamps",
    ];
    for sql in damage {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = fresh(dir.path()).unwrap();
            conn.execute_batch(sql).unwrap();
        }
        let err = fresh(dir.path()).err().unwrap();
        assert_eq!(err.code(), "LEDGER_CORRUPT", "{sql}: {err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

#[test]
fn a_table_dropped_under_an_open_connection_is_ledger_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    ledger
        .conn()
        .unwrap()
        .execute_batch("DROP TABLE stamps")
        .unwrap();
    let err = ledger
        .conn()
        .unwrap()
        .prepare("SELECT id FROM stamps")
        .map_err(|e| ledger.err(e))
        .err()
        .unwrap();
    assert_eq!(err.code(), "LEDGER_CORRUPT");
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_new_home_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("nested").join("home");
    let mut ledger = Ledger::open(&home).unwrap();
    ledger
        .write(|tx| {
            tx.execute(
                "INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('a', 's', '{}', 1)",
                [],
            )
            .map_err(|e| Error::Internal(e.to_string()))
        })
        .unwrap();
    assert_eq!(mode_of(&home), 0o700);
    for name in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"] {
        assert_eq!(mode_of(&home.join(name)), 0o600, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn looser_modes_are_tightened_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    {
        let c = fresh(home).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint").unwrap();
        // Keep the -wal and -shm files around: another connection is still open below.
        std::fs::write(home.join("config.json"), "{}").unwrap();
        std::fs::write(home.join("prices.json"), "{}").unwrap();
        let loose = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        loose(home, 0o755);
        for name in [
            "ledger.sqlite",
            "ledger.sqlite-wal",
            "ledger.sqlite-shm",
            "config.json",
            "prices.json",
        ] {
            loose(&home.join(name), 0o644);
        }
        let _again = fresh(home).unwrap();
        assert_eq!(mode_of(home), 0o700);
        for name in [
            "ledger.sqlite",
            "ledger.sqlite-wal",
            "ledger.sqlite-shm",
            "config.json",
            "prices.json",
        ] {
            assert_eq!(mode_of(&home.join(name)), 0o600, "{name}");
        }
    }
}

/// The migration that re-derives Codex and OpenCode rows.
fn per_call_migration() -> usize {
    migration_with(&["DELETE FROM cursors WHERE harness IN ('codex', 'opencode')"])
}

#[test]
fn per_call_migration_resets_codex_and_opencode_rows_and_keeps_stamps() {
    let dir = tempfile::tempdir().unwrap();
    let at = per_call_migration();
    let clock_before: i64 = {
        let conn = ledger_at_version(dir.path(), at);
        for (i, harness) in ["claude-code", "codex", "opencode"].iter().enumerate() {
            let i = i as i64;
            conn.execute(
                "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output,
                    reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
                 VALUES (?1, ?2, ?3, 'm', 1779364800000, 'gpt-5.5', 500000, 10, 0, 0, 0, 0, 1, '[]')",
                rusqlite::params![i, harness, format!("s{i}")],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO cursors VALUES (?1, ?2, 0, 0, 0, 0, 10, 10, 10, 0, '{}')",
                rusqlite::params![format!("/logs/{i}.jsonl"), harness],
            )
            .unwrap();
        }
        // The Claude session s0 is a child of the Codex session s1 (links span harnesses).
        conn.execute(
            "UPDATE sessions SET parent_session_id = 's1', relationship = 'subagent' WHERE session_id = 's0'",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE session_tree SET parent_id = 's1', root_id = 's1', depth = 1 WHERE session_id = 's0'",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('st1', 's1', '{\"a\":\"b\"}', 1)",
            [],
        )
        .unwrap();
        conn.query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
            .unwrap()
    };

    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    assert_eq!(read_version(conn).unwrap(), SCHEMA_VERSION);
    let harnesses = |sql: &str| column_texts(conn, sql);
    let only_claude = vec!["claude-code".to_string()];
    assert_eq!(harnesses("SELECT harness FROM turns"), only_claude);
    assert_eq!(
        harnesses("SELECT DISTINCT harness FROM turn_rollup"),
        only_claude
    );
    assert_eq!(
        harnesses("SELECT DISTINCT harness FROM sessions"),
        only_claude
    );
    // The child keeps its link: its gone parent is a placeholder until its log is read again.
    assert_eq!(
        harnesses("SELECT session_id || ':' || placeholder FROM sessions ORDER BY session_id"),
        vec!["s0:0".to_string(), "s1:1".to_string()]
    );
    assert_eq!(
        harnesses("SELECT session_id || '<' || coalesce(parent_id, '') || '@' || depth FROM session_tree ORDER BY session_id"),
        vec!["s0<s1@1".to_string(), "s1<@0".to_string()]
    );
    assert_eq!(harnesses("SELECT harness FROM cursors"), only_claude);
    assert_eq!(harnesses("SELECT id FROM stamps"), vec!["st1".to_string()]);
    let clock: i64 = conn
        .query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
        .unwrap();
    assert!(clock > clock_before, "fingerprints change");
    assert_derived_consistent(conn);
}

#[test]
fn try_write_skips_instead_of_waiting_for_another_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(tmp.path()).unwrap();
    let other = Connection::open(tmp.path().join("ledger.sqlite")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let insert = |tx: &rusqlite::Transaction<'_>| {
        tx.execute(
            "INSERT INTO ingest_runs (finished_ms, report) VALUES (1, '{}')",
            [],
        )
        .map_err(|e| crate::error::Error::Internal(e.to_string()))
    };
    assert_eq!(ledger.try_write(insert).unwrap(), None);
    other.execute_batch("COMMIT").unwrap();
    assert_eq!(ledger.try_write(insert).unwrap(), Some(1));
    // The busy handler is back: a plain write waits for a writer instead of failing.
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        other.execute_batch("COMMIT").unwrap();
    });
    assert_eq!(ledger.write(insert).unwrap(), 1);
    release.join().unwrap();
}

/// The migration that keys user turns by `id` (19).
fn user_turn_id_migration() -> usize {
    migration_with(&["CREATE TABLE user_turns_new", "INSERT OR IGNORE"])
}

#[test]
fn user_turn_id_migration_keys_user_turns_by_id_keeping_rows_and_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let at = user_turn_id_migration();
    let rows_before = {
        let conn = ledger_at_version(dir.path(), at);
        for i in 0..50_i64 {
            conn.execute(
                "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks)
                 VALUES (?1, 'claude-code', ?2, ?3, ?4, ?5, '[]')",
                rusqlite::params![
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64),
                    format!("s{}", i % 4),
                    format!("u{i}"),
                    1_779_364_800_000 + i,
                    (i % 2 == 0).then(|| format!("m{i}")),
                ],
            )
            .unwrap();
        }
        dump_rows(&conn, "SELECT * FROM user_turns ORDER BY rid")
    };

    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    // Same rows under the same rowids.
    assert_eq!(
        dump_rows(conn, "SELECT * FROM user_turns ORDER BY rid"),
        rows_before
    );
    // One unique index, on `id` alone; the session index is back.
    let unique: Vec<String> = conn
        .prepare(
            "SELECT group_concat(c.name) FROM pragma_index_list('user_turns') l,
                    pragma_index_info(l.name) c WHERE l.\"unique\" GROUP BY l.name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(unique, vec!["id".to_string()]);
    let by_session: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'user_turns_by_session'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(by_session, 1);
    // A copy (same id) adds nothing; a new id does.
    let id0: i64 = conn
        .query_row("SELECT id FROM user_turns WHERE uuid = 'u0'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let insert = "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, blocks)
                  VALUES (?1, 'claude-code', 's0', 'u0', 1, '[]') ON CONFLICT (id) DO NOTHING";
    assert_eq!(conn.execute(insert, [id0]).unwrap(), 0);
    assert_eq!(conn.execute(insert, [id0 ^ 1]).unwrap(), 1);
    // The update and delete triggers mark the analyses' sessions dirty again.
    conn.execute("DELETE FROM analysis_dirty", []).unwrap();
    conn.execute("UPDATE user_turns SET ts_ms = 2 WHERE uuid = 'u1'", [])
        .unwrap();
    conn.execute("DELETE FROM user_turns WHERE uuid = 'u2'", [])
        .unwrap();
    assert_eq!(
        column_texts(conn, "SELECT session_id FROM analysis_dirty ORDER BY 1"),
        ["s1", "s2"]
    );
}

/// The migration that checks the outbox's `kind` by comparisons.
fn outbox_check_migration() -> usize {
    migration_with(&["CREATE TABLE push_outbox_new"])
}

#[test]
fn outbox_check_migration_keeps_entries_sequence_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let at = outbox_check_migration();
    const SEQUENCE: &str = "SELECT seq FROM sqlite_sequence WHERE name = 'push_outbox'";
    let one = |conn: &rusqlite::Connection, sql: &str| -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let (rows_before, sequence_before) = {
        let conn = ledger_at_version(dir.path(), at);
        // Entries of every kind, through the triggers that write them; a server's mark, so
        // the ledger has pushed and keeps its outbox past migration 22.
        conn.execute_batch(
            "INSERT INTO push_marks (server, seq) VALUES ('http://team', 0);
             INSERT INTO sessions (harness, session_id) VALUES ('claude-code', 'a'), ('codex', 'b');
             INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('st1', 'a', '{}', 1);
             INSERT INTO push_outbox (kind, rid) VALUES ('t', 7), ('t', 8);
             DELETE FROM push_outbox WHERE kind = 't' AND rid = 8;",
        )
        .unwrap();
        // The last entry was deleted: the sequence is above the last row, and must stay so.
        assert!(one(&conn, SEQUENCE) > one(&conn, "SELECT max(seq) FROM push_outbox"));
        (
            dump_rows(&conn, "SELECT * FROM push_outbox ORDER BY seq"),
            one(&conn, SEQUENCE),
        )
    };

    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    assert_eq!(
        dump_rows(conn, "SELECT * FROM push_outbox ORDER BY seq"),
        rows_before
    );
    assert_eq!(
        column_texts(
            conn,
            "SELECT name FROM sqlite_sequence WHERE name LIKE 'push_outbox%'"
        ),
        ["push_outbox"]
    );
    assert_eq!(one(conn, SEQUENCE), sequence_before);
    // The triggers write the rebuilt table, past the old sequence; the rules still hold.
    conn.execute(
        "INSERT INTO sessions (harness, session_id) VALUES ('claude-code', 'c')",
        [],
    )
    .unwrap();
    assert_eq!(
        one(conn, "SELECT seq FROM push_outbox WHERE session_id = 'c'"),
        sequence_before + 1
    );
    assert!(conn
        .execute("INSERT INTO push_outbox (kind, rid) VALUES ('x', 1)", [])
        .is_err());
    assert!(conn
        .execute("INSERT INTO push_outbox (kind, rid) VALUES ('t', 7)", [])
        .is_err());
    // No temporary table per row: the check compiles to comparisons.
    let opcodes: Vec<String> = conn
        .prepare("EXPLAIN INSERT INTO push_outbox (kind, rid) VALUES ('t', 1)")
        .unwrap()
        .query_map([], |r| r.get(1))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(opcodes.iter().any(|o| o == "IdxInsert"), "{opcodes:?}");
    assert!(!opcodes.iter().any(|o| o == "OpenEphemeral"), "{opcodes:?}");
}

/// Migration 22: a ledger that has pushed (a server's mark) keeps its outbox and goes on
/// queueing; one that never pushed drops its entries and queues nothing until its first push.
#[test]
fn outbox_kept_only_by_ledgers_that_pushed() {
    let at = migration_with(&["CREATE TABLE push_armed"]);
    let count = |c: &rusqlite::Connection, sql: &str| -> i64 {
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    for pushed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = ledger_at_version(dir.path(), at);
            if pushed {
                conn.execute(
                    "INSERT INTO push_marks (server, seq) VALUES ('http://team', 1)",
                    [],
                )
                .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO sessions (harness, session_id) VALUES ('claude-code', 'a');
                 INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('st1', 'a', '{}', 1);",
            )
            .unwrap();
            assert_eq!(count(&conn, "SELECT count(*) FROM push_outbox"), 2);
        }
        let ledger = Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        conn.execute_batch(
            "INSERT INTO sessions (harness, session_id) VALUES ('codex', 'b');
             UPDATE sessions SET project = '/p' WHERE session_id = 'a';
             INSERT INTO stamps (id, session_id, enrichment, ts_ms) VALUES ('st2', 'b', '{}', 2);",
        )
        .unwrap();
        let kinds = column_texts(
            conn,
            "SELECT kind || '|' || session_id FROM push_outbox ORDER BY seq",
        );
        assert_eq!(
            count(conn, "SELECT count(*) FROM push_armed"),
            i64::from(pushed)
        );
        if pushed {
            assert_eq!(kinds, ["p|", "s|b", "s|a", "p|"]);
        } else {
            assert!(kinds.is_empty(), "{kinds:?}");
        }
    }
}

/// Migration 23: the per-session indexes lead with the session id, in a ledger with rows and in
/// one whose first load was interrupted (two of its dropped indexes are built by the migration;
/// the third stays recorded for the next pass to restore).
#[test]
fn session_indexes_lead_with_the_session_id() {
    let at = migration_with(&["CREATE INDEX sessions_by_id ON sessions (session_id, harness)"]);
    let index_sql = |c: &rusqlite::Connection| {
        column_texts(
            c,
            "SELECT name || ': ' || sql FROM sqlite_master
             WHERE name IN ('turns_by_session', 'user_turns_by_session', 'compactions_by_session',
                            'sessions_by_id', 'turns_by_message')
             ORDER BY name",
        )
    };
    for interrupted in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = ledger_at_version(dir.path(), at);
            conn.execute_batch(
                "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, blocks)
                 VALUES (7, 'claude-code', 's1', 'u1', 5, '[]');
                 INSERT INTO compactions (harness, session_id, ts_ms) VALUES ('codex', 's2', 6);",
            )
            .unwrap();
            if interrupted {
                // As `ingest::cold_load` leaves a first load that died before its end.
                conn.execute_batch(
                    "INSERT INTO deferred_indexes (name, sql)
                     SELECT name, sql FROM sqlite_master
                     WHERE name IN ('turns_by_session', 'turns_by_message', 'user_turns_by_session');
                     DROP INDEX turns_by_session;
                     DROP INDEX turns_by_message;
                     DROP INDEX user_turns_by_session;",
                )
                .unwrap();
            }
        }
        let ledger = Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        let mut want = vec![
            "compactions_by_session: CREATE INDEX compactions_by_session ON compactions (session_id, harness, ts_ms)",
            "sessions_by_id: CREATE INDEX sessions_by_id ON sessions (session_id, harness)",
            "turns_by_message: CREATE INDEX turns_by_message ON turns (message_id)",
            "turns_by_session: CREATE INDEX turns_by_session ON turns (session_id, harness, ts_ms)",
            "user_turns_by_session: CREATE INDEX user_turns_by_session ON user_turns (session_id, harness, ts_ms)",
        ];
        if interrupted {
            want.remove(2);
        }
        assert_eq!(index_sql(conn), want, "interrupted: {interrupted}");
        let recorded = column_texts(conn, "SELECT name FROM deferred_indexes ORDER BY name");
        let want_recorded: &[&str] = if interrupted {
            &["turns_by_message"]
        } else {
            &[]
        };
        assert_eq!(recorded, want_recorded);
        let rows: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM user_turns WHERE session_id = 's1')
                      + (SELECT count(*) FROM compactions WHERE session_id = 's2')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 2);
    }
}
