//! Secondary indexes built after a first load instead of row by row. A pass that starts on a
//! ledger with no turns and no user turns drops the indexes below in its first write
//! transaction and creates them again when it ends: each row insert then updates two B-trees
//! fewer (`turns_by_message` takes its keys on random pages, so every commit rewrote many of
//! them into the WAL), and one sorted build at the end costs a fraction of that.
//!
//! The dropped indexes' SQL is kept in `deferred_indexes` (schema migration 15) in the same
//! transaction as the drop, so a pass that dies mid-way leaves a record: the next pass
//! restores them before anything else. Uniqueness never depends on them, and no query names
//! them (`INDEXED BY` only names `turns_by_ts`, which stays); reads meanwhile are only slower.

use super::job::Batch;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use rusqlite::{Connection, OptionalExtension};
use rustc_hash::FxHashSet;
use std::cell::{Cell, RefCell};

/// Indexes a first load builds at its end.
const DEFERRED: [&str; 3] = [
    "turns_by_session",
    "turns_by_message",
    "user_turns_by_session",
];

/// In the pass's first write transaction: drops [`DEFERRED`] when the ledger holds no turns
/// and no user turns, recording their SQL. Returns whether it did.
fn defer(conn: &Connection) -> rusqlite::Result<bool> {
    let empty: bool = conn
        .prepare_cached(
            "SELECT NOT EXISTS (SELECT 1 FROM turns) AND NOT EXISTS (SELECT 1 FROM user_turns)",
        )?
        .query_row([], |r| r.get(0))?;
    if !empty {
        return Ok(false);
    }
    for name in DEFERRED {
        let sql: Option<String> = conn
            .prepare_cached("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        // Already dropped by a pass that did not finish: its record stands.
        let Some(sql) = sql else { continue };
        conn.prepare_cached(
            "INSERT INTO deferred_indexes (name, sql) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute([name, sql.as_str()])?;
        conn.execute_batch(&format!("DROP INDEX {name}"))?;
    }
    Ok(true)
}

/// True when some index waits to be built again (a first load running or interrupted).
fn pending(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM deferred_indexes)")?
        .query_row([], |r| r.get(0))
}

/// Inside a write transaction: creates every recorded index again and forgets its record.
fn restore(conn: &Connection) -> rusqlite::Result<()> {
    let recorded: Vec<(String, String)> = conn
        .prepare_cached("SELECT name, sql FROM deferred_indexes ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, sql) in recorded {
        let exists: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
            )?
            .query_row([&name], |r| r.get(0))?;
        if !exists {
            conn.execute_batch(&sql)?;
        }
        conn.prepare_cached("DELETE FROM deferred_indexes WHERE name = ?1")?
            .execute([&name])?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// No write transaction yet.
    Undecided,
    /// The indexes are dropped until [`ColdLoad::finish`].
    Deferred,
    /// Indexes as they are.
    Kept,
}

/// Turn ids a first load keeps at most (a set of 2^21 slots of 9 bytes, about 19 MB); past
/// that, turns are looked up, so a larger load keeps within its memory bound.
const KNOWN_MAX: usize = 1 << 20;

/// One pass's use of the above: decided in its first write transaction, undone at its end.
/// A first load also keeps the id of every turn it writes (`writer::Upkeep::known`): `turns`
/// was empty when it began, so while no other connection has written since, a turn whose id
/// it has not written is new, and the writer skips looking it up.
pub struct ColdLoad {
    state: Cell<State>,
    known: RefCell<Option<FxHashSet<i64>>>,
    /// `PRAGMA data_version` when the known ids were last right: it changes when another
    /// connection commits (this connection's own commits leave it).
    version: Cell<i64>,
}

fn data_version(tx: &Connection) -> rusqlite::Result<i64> {
    tx.pragma_query_value(None, "data_version", |r| r.get(0))
}

impl ColdLoad {
    /// Before a pass's first write: builds again what an interrupted pass left dropped.
    pub fn start(ledger: &mut Ledger) -> Result<ColdLoad> {
        let path = ledger.path().to_path_buf();
        if pending(ledger.conn()?).map_err(|e| Error::sqlite(&path, e))? {
            ledger.write(|tx| restore(tx).map_err(|e| Error::sqlite(&path, e)))?;
        }
        Ok(ColdLoad {
            state: Cell::new(State::Undecided),
            known: RefCell::new(None),
            version: Cell::new(0),
        })
    }

    /// At the start of each write transaction of the pass.
    pub fn on_window(&self, tx: &Connection) -> rusqlite::Result<()> {
        if self.state.get() == State::Undecided {
            let deferred = defer(tx)?;
            self.state.set(if deferred {
                State::Deferred
            } else {
                State::Kept
            });
            if deferred {
                *self.known.borrow_mut() = Some(FxHashSet::default());
                self.version.set(data_version(tx)?);
            }
        } else if self.known.borrow().is_some() && data_version(tx)? != self.version.get() {
            // Another connection wrote between this pass's windows: it may have added turns.
            *self.known.borrow_mut() = None;
        }
        Ok(())
    }

    /// The known turn ids, for one write transaction (see [`ColdLoad`]).
    pub fn take_known(&self) -> Option<FxHashSet<i64>> {
        self.known.borrow_mut().take()
    }

    /// Hands back what [`ColdLoad::take_known`] gave, with the transaction's turns, just before
    /// it commits (a failed transaction ends the pass).
    pub fn keep_known(&self, known: Option<FxHashSet<i64>>) {
        *self.known.borrow_mut() = known.filter(|k| k.len() <= KNOWN_MAX);
    }

    /// Before a batch is applied: snapshot groups find a session's turns through
    /// `turns_by_session`, so the indexes come back first.
    pub fn before(&self, tx: &Connection, batch: &Batch) -> rusqlite::Result<()> {
        if self.state.get() == State::Deferred && !batch.records.snapshots.is_empty() {
            restore(tx)?;
            self.state.set(State::Kept);
        }
        Ok(())
    }

    /// After the pass's last write (also after a failed one): builds the indexes again.
    pub fn finish(&self, ledger: &mut Ledger) -> Result<()> {
        if self.state.get() != State::Deferred {
            return Ok(());
        }
        let path = ledger.path().to_path_buf();
        ledger.write(|tx| restore(tx).map_err(|e| Error::sqlite(&path, e)))?;
        self.state.set(State::Kept);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, IngestOptions};
    use crate::vocab::Harness;

    /// The deferred indexes that exist, with their SQL, and the records waiting.
    fn state(ledger: &Ledger) -> (Vec<(String, String)>, i64) {
        let c = ledger.conn().unwrap();
        let mut stmt = c
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (?1, ?2, ?3) ORDER BY name")
            .unwrap();
        let rows = stmt
            .query_map(DEFERRED, |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let waiting = c
            .query_row("SELECT count(*) FROM deferred_indexes", [], |r| r.get(0))
            .unwrap();
        (rows, waiting)
    }

    fn window(ledger: &mut Ledger, cold: &ColdLoad) {
        ledger
            .write(|tx| {
                cold.on_window(tx)
                    .map_err(|e| Error::Internal(e.to_string()))
            })
            .unwrap();
    }

    fn ingest_one_turn(ledger: &mut Ledger, dir: &std::path::Path) {
        let project = dir.join("claude").join("projects").join("-work-app");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(
            project.join("s1.jsonl"),
            r#"{"type":"assistant","sessionId":"s1","cwd":"/work/app","timestamp":"2026-03-01T10:00:00.000Z","requestId":"r1","uuid":"u1","message":{"id":"m1","model":"claude-sonnet-4-5-20250929","stop_reason":"end_turn","content":[],"usage":{"input_tokens":10,"output_tokens":5}}}
"#,
        )
        .unwrap();
        let root = dir.join("claude").to_string_lossy().into_owned();
        let opts = IngestOptions {
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        }
        .with_roots(Harness::ClaudeCode, vec![root]);
        let r = ingest(ledger, &opts).unwrap();
        assert_eq!(r.turns_added, 1);
    }

    #[test]
    fn a_first_load_drops_the_indexes_and_builds_the_same_ones_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        let (before, _) = state(&ledger);
        assert_eq!(before.len(), 3);
        let cold = ColdLoad::start(&mut ledger).unwrap();
        window(&mut ledger, &cold);
        assert_eq!(state(&ledger), (Vec::new(), 3));
        // Later windows of the same pass change nothing.
        window(&mut ledger, &cold);
        assert_eq!(state(&ledger).1, 3);
        cold.finish(&mut ledger).unwrap();
        assert_eq!(state(&ledger), (before, 0));
    }

    #[test]
    fn an_interrupted_first_load_is_mended_by_the_next_pass() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        let (before, _) = state(&ledger);
        // A pass that committed its first window and then died.
        let cold = ColdLoad::start(&mut ledger).unwrap();
        window(&mut ledger, &cold);
        drop(ledger);
        let mut ledger = Ledger::open(dir.path()).unwrap();
        assert_eq!(state(&ledger), (Vec::new(), 3));
        // The next pass (this one also a first load) ends with every index in place.
        ingest_one_turn(&mut ledger, dir.path());
        assert_eq!(state(&ledger), (before, 0));
    }

    #[test]
    fn a_first_load_keeps_its_turn_ids_until_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path()).unwrap();
        let cold = ColdLoad::start(&mut ledger).unwrap();
        window(&mut ledger, &cold);
        let mut known = cold
            .take_known()
            .expect("a first load knows its (no) turns");
        known.insert(7);
        cold.keep_known(Some(known));
        // This connection's own commits leave them, and so does the checkpointer's copy.
        let other = rusqlite::Connection::open(ledger.path()).unwrap();
        window(&mut ledger, &cold);
        other
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .unwrap();
        window(&mut ledger, &cold);
        let known = cold.take_known();
        assert_eq!(known, Some(FxHashSet::from_iter([7])));
        cold.keep_known(known);
        other
            .execute("UPDATE ledger_clock SET ticks = ticks + 1", [])
            .unwrap();
        window(&mut ledger, &cold);
        assert_eq!(cold.take_known(), None);
        cold.finish(&mut ledger).unwrap();
    }

    #[test]
    fn a_ledger_with_rows_keeps_its_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("home")).unwrap();
        ingest_one_turn(&mut ledger, dir.path());
        let (before, _) = state(&ledger);
        assert_eq!(before.len(), 3);
        let cold = ColdLoad::start(&mut ledger).unwrap();
        window(&mut ledger, &cold);
        assert_eq!(state(&ledger), (before, 0));
        assert_eq!(cold.take_known(), None, "turns it did not write");
    }
}
