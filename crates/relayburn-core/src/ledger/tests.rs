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
