//! The set-based upkeep of new rows. `turns` and `user_turns` have no insert triggers: whoever
//! inserts them puts a mark in `ingest_bulk` first ([`begin_bulk`]) and derives what the rows
//! owe with one statement each before its transaction commits ([`derive`]): session counters,
//! the rollup, push entries, clock ticks and the analyses' marks. The ingest writer does so
//! once per write transaction; anything else goes through [`with_upkeep`].

use super::tally::{counters_upsert, rollup_upsert, Tally};
use crate::vocab::Harness;
use rusqlite::{params, Connection};
use rustc_hash::FxHashSet;

/// The sessions (harness, id) of the rows added under the current mark, for their analyses'
/// dirty marks: known as the rows are written, so `derive` need not find them again in the
/// rows (a sort of every new turn and user turn).
#[derive(Default)]
pub(super) struct Dirty {
    sessions: FxHashSet<(Harness, String)>,
    /// The last one noted: a batch's rows are mostly one session's.
    last: Option<(Harness, String)>,
}

impl Dirty {
    pub(super) fn note(&mut self, harness: Harness, session_id: &str) {
        if self
            .last
            .as_ref()
            .is_some_and(|(h, s)| *h == harness && s == session_id)
        {
            return;
        }
        let key = (harness, session_id.to_string());
        self.sessions.insert(key.clone());
        self.last = Some(key);
    }

    /// The harnesses under which `session_id` has rows noted.
    pub(super) fn harnesses_of(&self, session_id: &str) -> Vec<Harness> {
        let mut key = (Harness::ALL[0], session_id.to_string());
        let mut found = Vec::new();
        for h in Harness::ALL {
            key.0 = h;
            if self.sessions.contains(&key) {
                found.push(h);
            }
        }
        found
    }
}

/// Where the rows a batch adds begin: the last turn and user turn row ids before it.
#[derive(Clone, Copy)]
pub(super) struct Bulk {
    from_rid: i64,
    from_user_rid: i64,
}

impl Bulk {
    /// True for a turn row added under this mark.
    pub(super) fn added(&self, rid: i64) -> bool {
        rid > self.from_rid
    }
}

/// Runs `write`, which adds turns or user turns by plain SQL, and then their upkeep: what the
/// ingest writer derives for its own rows (session counters, rollup, push entries, clock,
/// analyses' marks). `turns` and `user_turns` have no insert triggers, so whatever else inserts
/// them (the snapshot writer, fixtures, `gen_ledger`) goes through here. All of it is one
/// savepoint (a transaction of its own outside one). Not while the ingest writer's upkeep is
/// pending (its mark is held).
pub fn with_upkeep<T>(
    conn: &Connection,
    write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.execute_batch("SAVEPOINT with_upkeep")?;
    let done = (|| {
        let bulk = begin_bulk(conn)?;
        let out = write(conn)?;
        conn.prepare_cached(
            "INSERT INTO analysis_dirty (harness, session_id)
             SELECT harness, session_id FROM turns NOT INDEXED WHERE rid > ?1
             UNION SELECT harness, session_id FROM user_turns NOT INDEXED WHERE rid > ?2
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![bulk.from_rid, bulk.from_user_rid])?;
        derive(conn, bulk, &Dirty::default(), None)?;
        Ok(out)
    })();
    match done {
        Ok(out) => {
            conn.execute_batch("RELEASE with_upkeep")?;
            Ok(out)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO with_upkeep; RELEASE with_upkeep");
            Err(e)
        }
    }
}

/// Marks the rows written from here on as set-based (schema migration 13): until [`derive`],
/// updates of turns past the current last row id fire none of the per-row triggers (and no
/// insert of turns or user turns has any).
pub(super) fn begin_bulk(conn: &Connection) -> rusqlite::Result<Bulk> {
    conn.prepare_cached(
        "INSERT INTO ingest_bulk (id, from_rid, from_user_rid)
         VALUES (1, (SELECT COALESCE(max(rid), 0) FROM turns), (SELECT COALESCE(max(rid), 0) FROM user_turns))
         RETURNING from_rid, from_user_rid",
    )?
    .query_row([], |r| {
        Ok(Bulk {
            from_rid: r.get(0)?,
            from_user_rid: r.get(1)?,
        })
    })
}

/// What per-row insert triggers would have done for the rows added since [`begin_bulk`], one
/// statement each, in the triggers' order: session counters (creating sessions in the order of
/// their first new turn; project and branch from the first new turn that has one), the rollup,
/// the push outbox (in row order), the clock, the analyses' dirty sessions (`dirty`, noted as
/// the rows were written). Rows added and then updated in between count
/// with their final values (their update triggers did not fire either). `NOT INDEXED`: the new
/// rows are a row-id range; an index that spares a sort would read the whole table. The ingest
/// writer passes the sums it kept while inserting (`tally`), which replace the first two
/// statements (they read every new turn back): it settles before changing a row it added
/// under the mark, so the sums always hold the new rows as stored.
pub(super) fn derive(
    conn: &Connection,
    b: Bulk,
    dirty: &Dirty,
    tally: Option<&mut Tally>,
) -> rusqlite::Result<()> {
    if let Some(tally) = tally {
        tally.write(conn)?;
    } else {
        conn.prepare_cached(concat!(
        "INSERT INTO sessions (harness, session_id, project, branch, first_ts_ms, last_ts_ms, turns,
                               input, output, reasoning, cache_read, cache_write_5m, cache_write_1h)
         SELECT harness, session_id,
                substr(min(CASE WHEN project IS NOT NULL THEN printf('%020d', rid) || project END), 21),
                substr(min(CASE WHEN branch IS NOT NULL THEN printf('%020d', rid) || branch END), 21),
                min(ts_ms), max(ts_ms), count(*), sum(input), sum(output), sum(reasoning),
                sum(cache_read), sum(cache_write_5m), sum(cache_write_1h)
         FROM turns NOT INDEXED WHERE rid > ?1 GROUP BY harness, session_id ORDER BY min(rid) ",
            counters_upsert!()
        ))?
        .execute([b.from_rid])?;
        conn.prepare_cached(concat!(
            "INSERT INTO turn_rollup
         SELECT session_id, harness, model, COALESCE(provider, ''), COALESCE(project, ''),
                COALESCE(branch, ''), ts_ms - ((ts_ms % 900000) + 900000) % 900000,
                (input + cache_read + cache_write_5m + cache_write_1h > 200000)
                  + (input + cache_read + cache_write_5m + cache_write_1h > 272000),
                count(*), sum(input), sum(output), sum(reasoning), sum(cache_read),
                sum(cache_write_5m), sum(cache_write_1h), sum(COALESCE(reported_cost_usd, 0))
         FROM turns NOT INDEXED WHERE rid > ?1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ",
            rollup_upsert!()
        ))?
        .execute([b.from_rid])?;
    }
    // Push entries only once the outbox is kept (`push::arm`): checked here once, so a ledger
    // that never pushes does not scan its new turns for them. A row id can be reused after a
    // delete: no entry of an earlier row may stand for it.
    if crate::push::armed(conn)? {
        conn.prepare_cached(
            "DELETE FROM push_outbox WHERE kind = 't' AND rid > ?1 AND harness = '' AND session_id = ''",
        )?
        .execute([b.from_rid])?;
        conn.prepare_cached(
            "INSERT INTO push_outbox (kind, rid) SELECT 't', rid FROM turns NOT INDEXED WHERE rid > ?1 ORDER BY rid",
        )?
        .execute([b.from_rid])?;
    }
    conn.prepare_cached(
        "UPDATE ledger_clock SET ticks = ticks + (SELECT count(*) FROM turns NOT INDEXED WHERE rid > ?1)
                                             + (SELECT count(*) FROM user_turns NOT INDEXED WHERE rid > ?2)",
    )?
    .execute([b.from_rid, b.from_user_rid])?;
    // Their sessions' analysis rows are derived again on the next analysis.
    let mut mark = conn.prepare_cached(
        "INSERT INTO analysis_dirty (harness, session_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for (harness, session_id) in &dirty.sessions {
        mark.execute(params![harness.as_str(), session_id])?;
    }
    drop(mark);
    conn.prepare_cached("DELETE FROM ingest_bulk")?
        .execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    const INSERT: &str =
        "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output,
            reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
         VALUES (?1, 'claude-code', 's', ?2, 1779364800000, 'm', 10, 5, 0, 0, 0, 0, 1, '[]')";

    /// Rows inserted through it are counted; a failed write leaves nothing, not even its mark.
    #[test]
    fn rows_get_their_upkeep_and_a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::ledger::Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        crate::push::arm(conn).unwrap();
        with_upkeep(conn, |c| {
            c.execute(INSERT, params![1, "m1"])?;
            c.execute(INSERT, params![2, "m2"])
        })
        .unwrap();
        let state = |c: &Connection| {
            [
                "SELECT count(*) FROM turns",
                "SELECT turns FROM sessions WHERE session_id = 's'",
                "SELECT sum(turns) FROM turn_rollup",
                "SELECT count(*) FROM push_outbox WHERE kind = 't'",
                "SELECT count(*) FROM analysis_dirty",
                "SELECT count(*) FROM ingest_bulk",
            ]
            .map(|q| count(c, q))
        };
        assert_eq!(state(conn), [2, 2, 2, 2, 1, 0]);
        let ticks = count(conn, "SELECT ticks FROM ledger_clock");
        let failed = with_upkeep(conn, |c| {
            c.execute(INSERT, params![3, "m3"])?;
            c.execute(INSERT, params![3, "m3 again"])
        });
        assert!(failed.is_err());
        assert_eq!(state(conn), [2, 2, 2, 2, 1, 0]);
        assert_eq!(count(conn, "SELECT ticks FROM ledger_clock"), ticks);
        // Inside a caller's transaction it is a savepoint: the caller's rows stay its own.
        conn.execute_batch("BEGIN").unwrap();
        with_upkeep(conn, |c| c.execute(INSERT, params![4, "m4"])).unwrap();
        conn.execute_batch("ROLLBACK").unwrap();
        assert_eq!(state(conn), [2, 2, 2, 2, 1, 0]);
    }
}
