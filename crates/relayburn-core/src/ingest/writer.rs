//! Applies batches to the ledger. Rows are idempotent (keyed by hashes of natural keys) and a
//! batch's cursor is saved in the same transaction as its rows, so a crash at any instant
//! neither loses nor duplicates anything.

use super::cursor;
use super::job::Batch;
use super::tally::Tally;
use super::turn_merge::{self, Held};
use super::turn_row::{turn_params, TurnColumns, UserTurnColumns, TURN_COLUMNS, TURN_VALUES};
use super::upkeep::{begin_bulk, derive, Bulk, Dirty};
use super::values::insert_rows;
use crate::hash::id64_joined;
use crate::stamp::pending::{self, NewSession};
use crate::tree::{self, Link};
use crate::vocab::records::{CompactionRecord, SessionInfo, ToolCall, TurnRecord, UserTurnRecord};
use crate::vocab::Harness;
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, ToSql};
use rustc_hash::{FxHashMap, FxHashSet};

/// How a session record merges into its stored row, as one upsert per record: each field keeps
/// its first value, a parent link only lands on a session without one. The writer applies these
/// rules without an upsert ([`upsert_records`]); the tests compare it with this statement.
#[cfg(test)]
macro_rules! session_upsert {
    () => {
        "ON CONFLICT (harness, session_id) DO UPDATE SET
            project = COALESCE(sessions.project, excluded.project),
            branch = COALESCE(sessions.branch, excluded.branch),
            title = COALESCE(sessions.title, excluded.title),
            relationship = CASE WHEN sessions.parent_session_id IS NULL AND excluded.parent_session_id IS NOT NULL
                                THEN excluded.relationship ELSE sessions.relationship END,
            evidence = CASE WHEN sessions.parent_session_id IS NULL THEN excluded.evidence ELSE sessions.evidence END,
            parent_session_id = COALESCE(sessions.parent_session_id, excluded.parent_session_id),
            placeholder = 0"
    };
}

/// What applying batches changed.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub turns_added: i64,
    pub turns_updated: i64,
    pub user_turns_added: i64,
    pub compactions_added: i64,
    /// Parent links refused because they would close a cycle: (file, message).
    pub refused_links: Vec<(String, String)>,
}

/// The set-based upkeep still owed for the rows a write transaction added so far. The per-row
/// triggers stay off from the first batch's turns until [`Upkeep::finish`] (or an earlier
/// flush), so `derive` runs once per transaction instead of once per batch: most logs are
/// one batch per file, and its seven statements cost about as much over ten rows as over
/// thousands.
#[derive(Default)]
pub struct Upkeep {
    bulk: Option<Bulk>,
    /// Session ids with rows not derived yet (their `sessions` row may not exist).
    sessions: FxHashSet<String>,
    /// New turns not inserted yet (see [`Stage`]).
    stage: Stage,
    /// Session records not written yet (see [`HeldSessions`]).
    held: HeldSessions,
    /// In a first load, the id of every turn the pass has written while that is all of
    /// `turns` (`cold_load::ColdLoad` hands it from window to window): a turn not in it is
    /// new without looking its id up. `None`: each turn is looked up.
    pub known: Option<FxHashSet<i64>>,
    /// The new turns' session counters and rollup rows (see [`Tally`]).
    tally: Tally,
    /// The sessions of the rows added under the mark: their analyses are derived again.
    dirty: Dirty,
}

impl Upkeep {
    /// The turns inserted since the last call, for the caller to free (freeing a window's
    /// records, allocated on the parse threads, is about 8 % of the writer's time).
    pub fn take_inserted(&mut self) -> Option<Vec<(TurnRecord, TurnColumns)>> {
        let rows = std::mem::take(&mut self.stage.inserted);
        (!rows.is_empty()).then_some(rows)
    }

    /// Settles the upkeep early when at least [`IDLE_SETTLE_TURNS`] new turns are staged; the
    /// writer calls it when it would otherwise wait for the parse threads. What a window's
    /// last settle has left to do after the last batch is then small: on a cold ingest that
    /// settle was 0.1–0.2 s with one core idle (bench/RESULTS.md).
    pub fn settle_while_idle(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.stage.rows.len() >= IDLE_SETTLE_TURNS {
            self.finish(conn)?;
        }
        Ok(())
    }

    /// Applies what is owed; call before the transaction commits.
    pub fn finish(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.held.flush(conn)?;
        self.stage.flush(conn, &mut self.tally)?;
        if let Some(b) = self.bulk.take() {
            derive(conn, b, &self.dirty, Some(&mut self.tally))?;
        }
        self.tally.clear();
        self.sessions.clear();
        self.dirty = Dirty::default();
        Ok(())
    }

    /// Settles what a batch's session records need before they are written. A record merges
    /// with its session's `sessions` row, and a parent link reads whether its parent's row
    /// exists (its placeholder) and the session tree; `derive` may create or change those rows
    /// for the rows owed. Everything is flushed first unless the record provably lands the
    /// same either way: a parent link whose own session owes nothing, naming a parent whose
    /// rows all exist already; a record without a parent whose merge commutes with the owed
    /// counters ([`Upkeep::commutes`]). (Snapshot groups settle in `apply`.)
    fn before(&mut self, conn: &Connection, batch: &Batch) -> rusqlite::Result<()> {
        if self.bulk.is_none() {
            return Ok(());
        }
        for s in &batch.records.sessions {
            let owes = self.sessions.contains(&s.session_id);
            let settled = match &s.parent {
                Some((p, _, _)) => {
                    !owes && (!self.sessions.contains(p) || self.rows_exist(conn, p)?)
                }
                None => !owes || self.commutes(conn, s)?,
            };
            if !settled {
                return self.finish(conn);
            }
        }
        Ok(())
    }

    /// True when `session_id` has a `sessions` row under every harness it has new rows in, so
    /// `derive` only updates its rows (held records are written first).
    fn rows_exist(&mut self, conn: &Connection, session_id: &str) -> rusqlite::Result<bool> {
        if self.held.holds(session_id) {
            self.held.flush(conn)?;
        }
        for harness in self.dirty.harnesses_of(session_id) {
            if !session_stored(conn, harness.as_str(), session_id)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// True when a record without a parent, of a session with rows owed, merges into a row
    /// the owed counters only update, and neither can change what the other writes: each of
    /// project and branch is already set or not in the record (both merges keep the first
    /// value; the counters never touch the title), and the row is no placeholder (whichever
    /// made it real would move its push entry).
    fn commutes(&mut self, conn: &Connection, s: &SessionInfo) -> rusqlite::Result<bool> {
        let Some(harness) = s.harness else {
            return Ok(true); // never stored
        };
        if !self.rows_exist(conn, &s.session_id)? {
            return Ok(false);
        }
        let row: Option<(bool, bool, bool)> = conn
            .prepare_cached(
                "SELECT placeholder = 0, project IS NOT NULL, branch IS NOT NULL
                 FROM sessions WHERE harness = ?1 AND session_id = ?2",
            )?
            .query_row(params![harness.as_str(), s.session_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        Ok(row.is_some_and(|(real, project, branch)| {
            real && (project || s.project.is_none()) && (branch || s.branch.is_none())
        }))
    }

    /// Puts the mark for set-based upkeep (`begin_bulk`) unless one is held.
    fn mark(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.bulk.is_none() {
            self.bulk = Some(begin_bulk(conn)?);
        }
        Ok(())
    }

    /// Notes that `session_id` has rows whose upkeep is owed (see [`Upkeep::before`]).
    fn owe(&mut self, session_id: &str) {
        if !self.sessions.contains(session_id) {
            self.sessions.insert(session_id.to_string());
        }
    }

    /// Adds a turn: merged into its staged copy, or into its stored row, or staged as new
    /// (under the mark). A stored row added under the current mark is already counted in
    /// the tally: before a copy changes it (a later copy of a response, often in a resumed
    /// session's file), the upkeep is settled, so the change goes through `turns`' update
    /// triggers like any settled row's.
    fn add_turn(
        &mut self,
        conn: &Connection,
        t: TurnRecord,
        cols: TurnColumns,
        applied: &mut Applied,
    ) -> rusqlite::Result<()> {
        self.owe(&t.session_id);
        if self.stage.merge(cols.id, &t, applied) {
            return Ok(());
        }
        let unknown = self.known.as_ref().is_some_and(|k| !k.contains(&cols.id));
        let stored: Option<i64> = if unknown {
            None
        } else {
            conn.prepare_cached("SELECT rid FROM turns WHERE id = ?1")?
                .query_row([cols.id], |r| r.get(0))
                .optional()?
        };
        if let Some(rid) = stored {
            let Some(merged) = merge_stored(conn, &t, cols.id)? else {
                return Ok(()); // a copy that changes nothing
            };
            if self.bulk.is_some_and(|b| b.added(rid)) {
                self.finish(conn)?;
                self.owe(&t.session_id);
            }
            update_stored(conn, cols.id, &t, &merged)?;
            applied.turns_updated += 1;
            return Ok(());
        }
        self.mark(conn)?;
        self.dirty.note(t.harness, &t.session_id);
        if let Some(known) = &mut self.known {
            known.insert(cols.id);
        }
        self.stage.push(t, cols);
        applied.turns_added += 1;
        Ok(())
    }
}

/// Applies one batch inside the caller's write transaction; `upkeep` carries the set-based
/// upkeep from batch to batch and must be finished before the transaction commits. The batch's
/// turns and derived columns move into the stage: what is left of it is its cursor, counts
/// and the other records.
pub fn apply(
    conn: &Connection,
    batch: &mut Batch,
    applied: &mut Applied,
    upkeep: &mut Upkeep,
) -> rusqlite::Result<()> {
    upkeep.before(conn, batch)?;
    for info in std::mem::take(&mut batch.records.sessions) {
        let Some(parent) = info.parent.as_ref().map(|(p, _, _)| p) else {
            upkeep.held.hold(info);
            continue;
        };
        // The parent link reads the tree and whether the parent's row exists (placeholder):
        // a held record of the child or the parent is written first.
        if upkeep.held.holds(&info.session_id) || upkeep.held.holds(parent) {
            upkeep.held.flush(conn)?;
        }
        if let Some(refused) = upkeep.held.hold_linked(conn, info)? {
            applied.refused_links.push((batch.path.clone(), refused));
        }
    }
    if !batch.records.turns.is_empty() || !batch.records.user_turns.is_empty() {
        let prepared = std::mem::take(&mut batch.prepared).for_records(&batch.records);
        let turns = std::mem::take(&mut batch.records.turns);
        for (t, cols) in turns.into_iter().zip(prepared.turns) {
            upkeep.add_turn(conn, t, cols, applied)?;
        }
        if upkeep.stage.rows.len() >= STAGE_ROWS {
            upkeep.stage.flush(conn, &mut upkeep.tally)?;
        }
        if !batch.records.user_turns.is_empty() {
            // New user turns fire no per-row triggers either; `derive` does their work.
            upkeep.mark(conn)?;
            let mut insert = user_turn_insert(conn)?;
            for (u, cols) in batch.records.user_turns.iter().zip(&prepared.user_turns) {
                upkeep.owe(&u.session_id);
                if insert_user_turn(&mut insert, u, cols)? == 1 {
                    applied.user_turns_added += 1;
                    upkeep.dirty.note(u.harness, &u.session_id);
                }
            }
        }
    }
    if !batch.records.snapshots.is_empty() {
        // The snapshot writer zeroes and deletes stored rows by hand, so every row it may
        // touch must already be counted; it derives its own new rows (`with_upkeep`), which
        // the known ids would not hold.
        upkeep.finish(conn)?;
        upkeep.known = None;
    }
    for group in &batch.records.snapshots {
        let n = super::snapshot_writer::apply(conn, group)?;
        applied.turns_added += n.added;
        applied.turns_updated += n.updated;
    }
    for c in &batch.records.compactions {
        applied.compactions_added += insert_compaction(conn, c)? as i64;
    }
    if batch.done {
        cursor::save(conn, &batch.cursor)
    } else {
        // Mid-file, the cursor must not match the file's stat (plan skips a file whose size
        // and mtime equal its cursor's): after a crash here, the next run reads the rest.
        let mid = cursor::Cursor {
            mtime_ms: -1,
            ..batch.cursor.clone()
        };
        cursor::save(conn, &mid)
    }
}

/// Session records held back until the upkeep and then written by multi-row statements
/// ([`insert_rows`]): `sessions` has triggers (tree node, push entry, clock), so each upsert of
/// its own got a statement journal, a copy of every page it touched. Written before the
/// upkeep's `derive` and before any record that reads one of their sessions' rows (a parent
/// link naming one, [`Upkeep::before`]'s checks), so every `sessions` row sees the same writes
/// in the same order as one upsert per record would (`upsert_session` in the tests).
///
/// A parent link is decided and hung in the session tree when it is held (the tree is not in
/// `sessions`); its row and its parent's placeholder follow in the held order. The tree node
/// `sessions`' trigger would add for either row then exists already, under the same harness.
#[derive(Default)]
struct HeldSessions {
    rows: Vec<HeldRow>,
    /// The session ids of the held records (any harness).
    ids: FxHashSet<String>,
}

enum HeldRow {
    /// A record with its harness's name (a record without a harness is not stored); its
    /// parent link is the one the tree took (`None` when refused or kept).
    Record(&'static str, SessionInfo),
    /// A placeholder for a parent named by the record before it, unless a row of that id
    /// exists under any harness (a cross-harness parent) when it is written.
    Placeholder(&'static str, String),
}

impl HeldSessions {
    fn hold(&mut self, info: SessionInfo) {
        let Some(harness) = info.harness else {
            return;
        };
        if !self.ids.contains(&info.session_id) {
            self.ids.insert(info.session_id.clone());
        }
        self.rows.push(HeldRow::Record(harness.as_str(), info));
    }

    /// Holds a record with a parent link, hanging it in the session tree now. Neither the
    /// child nor the parent may be held (the caller flushes first). Returns a message when
    /// the link is refused because it would close a cycle (the session is then stored
    /// without a parent).
    fn hold_linked(
        &mut self,
        conn: &Connection,
        mut info: SessionInfo,
    ) -> rusqlite::Result<Option<String>> {
        let (Some(harness), Some((parent, _, _))) = (info.harness, info.parent.as_ref()) else {
            return Ok(None);
        };
        let parent = parent.clone();
        let mut refused = None;
        match tree::check(conn, &info.session_id, &parent)? {
            Link::Linked => {}
            // Another row of the same id (another harness) already gave the node a parent.
            Link::Kept(_) => info.parent = None,
            Link::Cycle => {
                refused = Some(format!(
                    "parent link refused: session {} cannot be a child of {parent}, which is itself or one of its descendants (it would close a cycle)",
                    info.session_id
                ));
                info.parent = None;
            }
        }
        let linked = info.parent.is_some();
        if linked {
            tree::link(conn, harness.as_str(), &info.session_id, &parent)?;
        }
        self.hold(info);
        if linked {
            // A parent referenced before its own logs are seen gets a placeholder row, filled
            // in (placeholder = 0) when its turns or session info arrive.
            self.rows
                .push(HeldRow::Placeholder(harness.as_str(), parent));
        }
        Ok(refused)
    }

    fn holds(&self, session_id: &str) -> bool {
        self.ids.contains(session_id)
    }

    /// Writes the held rows in the order they came: each run of records as multi-row upserts,
    /// each placeholder as its own statement.
    fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let rows = std::mem::take(&mut self.rows);
        self.ids.clear();
        let mut run: Vec<(&'static str, &SessionInfo)> = Vec::new();
        for row in &rows {
            match row {
                HeldRow::Record(harness, info) => run.push((harness, info)),
                HeldRow::Placeholder(harness, parent) => {
                    upsert_records(conn, &run)?;
                    run.clear();
                    // `OR FAIL`, as in [`insert_sessions`]: no statement journal.
                    conn.prepare_cached(
                        "INSERT OR FAIL INTO sessions (harness, session_id, placeholder)
                         SELECT ?1, ?2, 1 WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = ?2)",
                    )?
                    .execute(params![harness, parent])?;
                }
            }
        }
        upsert_records(conn, &run)
    }
}

/// Writes session records, each with its harness's name, in order, with the rules of an upsert
/// per record (`session_upsert!`): the records of sessions not stored yet by multi-row `INSERT OR FAIL`s,
/// a record of a stored session by an `UPDATE OR FAIL` of its row. Not by upserts: SQLite codes
/// an upsert's `DO UPDATE` to abort on a constraint, and a statement that may abort and fires
/// triggers keeps a statement journal (a copy of every page it touches, to undo it alone). An
/// `OR FAIL` statement, whose triggers' statements inherit it, keeps none; the whole write
/// transaction is what rolls back on an error. Both kinds are written in the records' order, so
/// the triggers fire in the order one upsert per record would fire them.
fn upsert_records(
    conn: &Connection,
    records: &[(&'static str, &SessionInfo)],
) -> rusqlite::Result<()> {
    let mut new: Vec<(&'static str, &SessionInfo)> = Vec::new();
    let mut added: FxHashSet<(&str, &str)> = FxHashSet::default();
    for &(harness, s) in records {
        let key = (harness, s.session_id.as_str());
        let stored = |added: &FxHashSet<(&str, &str)>| -> rusqlite::Result<bool> {
            Ok(added.contains(&key) || session_stored(conn, harness, &s.session_id)?)
        };
        let mut found = stored(&added)?;
        if found && !new.is_empty() {
            insert_sessions(conn, &new)?;
            new.clear();
            // Inserting a real row drops another harness's placeholder of its id (a trigger):
            // the row found a moment ago may be gone. (Rows inserted here are never dropped.)
            found = stored(&added)?;
        }
        if found {
            update_session(conn, harness, s)?;
        } else {
            added.insert(key);
            new.push((harness, s));
        }
    }
    insert_sessions(conn, &new)
}

fn session_stored(conn: &Connection, harness: &str, session_id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE harness = ?1 AND session_id = ?2)",
    )?
    .query_row(params![harness, session_id], |r| r.get(0))
}

/// A record's parent link as columns: (parent, relationship, evidence).
fn link_columns(s: &SessionInfo) -> (Option<&str>, &str, Option<&str>) {
    match &s.parent {
        Some((p, r, e)) => (Some(p.as_str()), r.as_str(), Some(e.as_str())),
        None => (None, "root", None),
    }
}

/// Inserts records of sessions that have no row (checked by the caller).
fn insert_sessions(
    conn: &Connection,
    records: &[(&'static str, &SessionInfo)],
) -> rusqlite::Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let links: Vec<(Option<&str>, &str, Option<&str>)> =
        records.iter().map(|(_, s)| link_columns(s)).collect();
    let mut params: Vec<&dyn ToSql> = Vec::with_capacity(records.len() * 8);
    for ((harness, s), (parent, relationship, evidence)) in records.iter().zip(&links) {
        params.extend([
            harness as &dyn ToSql,
            &s.session_id,
            &s.project,
            &s.branch,
            &s.title,
            parent,
            relationship,
            evidence,
        ]);
    }
    insert_rows(
        conn,
        "INSERT OR FAIL INTO sessions (harness, session_id, project, branch, title, parent_session_id, relationship, evidence)",
        "(?, ?, ?, ?, ?, ?, ?, ?)",
        "",
        8,
        &params,
    )
}

/// Applies a record to its session's stored row: the upsert's `DO UPDATE` (`session_upsert!`),
/// the record's values in place of `excluded`. Each field keeps its first value; a parent link
/// only lands on a session without one.
fn update_session(conn: &Connection, harness: &str, s: &SessionInfo) -> rusqlite::Result<()> {
    let (parent, relationship, evidence) = link_columns(s);
    conn.prepare_cached(
        "UPDATE OR FAIL sessions SET
            project = COALESCE(project, ?3),
            branch = COALESCE(branch, ?4),
            title = COALESCE(title, ?5),
            relationship = CASE WHEN parent_session_id IS NULL AND ?6 IS NOT NULL THEN ?7 ELSE relationship END,
            evidence = CASE WHEN parent_session_id IS NULL THEN ?8 ELSE evidence END,
            parent_session_id = COALESCE(parent_session_id, ?6),
            placeholder = 0
         WHERE harness = ?1 AND session_id = ?2",
    )?
    .execute(params![harness, s.session_id, s.project, s.branch, s.title, parent, relationship, evidence])?;
    Ok(())
}

/// New turns held back this many at most before they are inserted (bounds the memory held).
const STAGE_ROWS: usize = 4096;
/// Staged turns worth settling for while the writer waits for a batch: each settle runs a few
/// statements of its own, so a handful of turns waits for the next (100 and 500 measured the
/// same; 8,000 is rarely reached between batches and wins nothing, bench/RESULTS.md).
const IDLE_SETTLE_TURNS: usize = 100;

/// New turns of the current bulk mark, held back so that a later copy of one (a streamed
/// response is logged several times) merges in memory by the rules of [`merge_stored`] instead
/// of updating a stored row (an update fires `turns`' update triggers, and a statement that
/// fires triggers journals every page it touches). `turns` has no insert triggers (schema
/// migration 17), so each flushed turn is one plain insert; a turn already in `turns` merges
/// there.
#[derive(Default)]
struct Stage {
    rows: Vec<(TurnRecord, TurnColumns)>,
    index: FxHashMap<i64, usize>,
    /// Rows flushed, not freed yet ([`Upkeep::take_inserted`]).
    inserted: Vec<(TurnRecord, TurnColumns)>,
}

impl Stage {
    /// Merges `t` into its staged copy, if one is staged (true).
    fn merge(&mut self, id: i64, t: &TurnRecord, applied: &mut Applied) -> bool {
        let Some(&i) = self.index.get(&id) else {
            return false;
        };
        let (old, old_cols) = &mut self.rows[i];
        let calls = old.tool_calls.len();
        if merge_staged(old, t) {
            applied.turns_updated += 1;
            if old.tool_calls.len() != calls {
                old_cols.retool(old);
            }
        }
        true
    }

    /// Stages a new turn (not stored, not staged).
    fn push(&mut self, t: TurnRecord, cols: TurnColumns) {
        self.index.insert(cols.id, self.rows.len());
        self.rows.push((t, cols));
    }

    /// Inserts the staged turns in the order they were first seen (their row ids follow it),
    /// counting each in `tally`.
    fn flush(&mut self, conn: &Connection, tally: &mut Tally) -> rusqlite::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut insert = conn.prepare_cached(&format!(
            "INSERT INTO turns ({TURN_COLUMNS}) VALUES ({TURN_VALUES})"
        ))?;
        for (t, cols) in &self.rows {
            insert.execute(turn_params(t, cols).as_slice())?;
            tally.add(t);
        }
        drop(insert);
        // The next run of staged turns is likely as long: room for it now, rather than
        // growing (and copying) a vector of about 400-byte rows from empty again.
        let room = self.rows.len();
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(room));
        if self.inserted.is_empty() {
            self.inserted = rows;
        } else {
            self.inserted.extend(rows);
        }
        self.index.clear();
        Ok(())
    }
}

/// [`merge_stored`]'s merge (the rule of [`turn_merge::merge`]) on a turn not inserted yet;
/// true when it changed.
fn merge_staged(old: &mut TurnRecord, t: &TurnRecord) -> bool {
    let held = Held {
        total: old.usage.total(),
        complete: old.complete,
        tool_calls: &old.tool_calls,
        model_empty: old.model.is_empty(),
        has_cost: old.reported_cost_usd.is_some(),
    };
    let Some(m) = turn_merge::merge(&held, t) else {
        return false;
    };
    old.reported_cost_usd = turn_merge::merged_cost(&m, old.reported_cost_usd, t.reported_cost_usd);
    old.tool_calls.extend(m.new_calls.into_iter().cloned());
    if m.model_fill {
        old.model = t.model.clone();
    }
    if m.better {
        old.usage = t.usage;
        old.stop_reason = t.stop_reason.clone();
        old.complete = t.complete;
    }
    true
}

/// The sessions of one write transaction that had no events in the ledger before it: the
/// candidates for pending stamps. Checked before each batch is applied, once per session.
pub struct NewSessions {
    active: bool,
    checked: FxHashSet<(Harness, String)>,
    new: Vec<NewSession>,
}

impl NewSessions {
    /// `active`: some pending stamp is waiting (otherwise nothing is tracked).
    pub fn new(active: bool) -> Self {
        NewSessions {
            active,
            checked: FxHashSet::default(),
            new: Vec::new(),
        }
    }

    /// Classifies the sessions whose events `batch` carries; call before applying it.
    pub fn note(&mut self, conn: &Connection, batch: &Batch) -> rusqlite::Result<()> {
        if !self.active {
            return Ok(());
        }
        let r = &batch.records;
        let keys = r
            .turns
            .iter()
            .map(|t| (t.harness, t.session_id.as_str()))
            .chain(
                r.snapshots
                    .iter()
                    .filter(|g| !g.turns.is_empty())
                    .map(|g| (g.harness, g.session_id.as_str())),
            )
            .chain(
                r.user_turns
                    .iter()
                    .map(|u| (u.harness, u.session_id.as_str())),
            );
        let mut last: Option<(Harness, &str)> = None;
        for (harness, session_id) in keys {
            if last == Some((harness, session_id)) {
                continue;
            }
            last = Some((harness, session_id));
            if !self.checked.insert((harness, session_id.to_string())) {
                continue;
            }
            if !pending::has_events(conn, harness, session_id)? {
                self.new.push(NewSession {
                    harness,
                    session_id: session_id.to_string(),
                    file: batch.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// After the transaction's batches are applied: lets the new sessions claim pending
    /// stamps. Returns the number of claims.
    pub fn claim(&self, conn: &Connection) -> rusqlite::Result<i64> {
        if self.new.is_empty() {
            return Ok(0);
        }
        pending::claim(conn, &self.new, crate::time::now_ms())
    }
}

/// Number of real (non-placeholder) sessions, to report how many a run added: all rows (a
/// count SQLite takes from an index's pages) less the placeholders (their own partial index,
/// schema migration 18).
pub fn count_sessions(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(COUNT_SESSIONS)?
        .query_row([], |r| r.get(0))
}

const COUNT_SESSIONS: &str =
    "SELECT (SELECT count(*) FROM sessions) - (SELECT count(*) FROM sessions WHERE placeholder = 1)";

/// How a copy changes its stored turn (from [`merge_stored`]).
struct StoredMerge {
    /// The copy's usage, stop reason and completeness win.
    better: bool,
    /// The united tool calls, as stored.
    tool_calls: String,
}

/// What merging `t` into the stored turn `id` changes, `None` for nothing: the complete or
/// (equally complete) larger usage wins, tool calls are united. The session stays the one
/// seen first.
fn merge_stored(
    conn: &Connection,
    t: &TurnRecord,
    id: i64,
) -> rusqlite::Result<Option<StoredMerge>> {
    let old = conn
        .prepare_cached(
            "SELECT input + output + cache_read + cache_write_5m + cache_write_1h, complete, tool_calls, model,
                reported_cost_usd IS NOT NULL
             FROM turns WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })
        .optional()?;
    let Some((old_total, old_complete, old_tools, old_model, old_reported)) = old else {
        return Ok(None);
    };
    let mut merged: Vec<ToolCall> = serde_json::from_str(&old_tools).unwrap_or_default();
    let held = Held {
        total: old_total,
        complete: old_complete,
        tool_calls: &merged,
        model_empty: old_model.is_empty(),
        has_cost: old_reported,
    };
    let Some(m) = turn_merge::merge(&held, t) else {
        return Ok(None);
    };
    let better = m.better;
    merged.extend(m.new_calls.into_iter().cloned());
    let tool_calls = serde_json::to_string(&merged).unwrap_or_else(|_| "[]".into());
    Ok(Some(StoredMerge { better, tool_calls }))
}

/// Writes [`merge_stored`]'s change of the stored turn `id`.
fn update_stored(
    conn: &Connection,
    id: i64,
    t: &TurnRecord,
    m: &StoredMerge,
) -> rusqlite::Result<()> {
    let u = &t.usage;
    // The two COALESCE orders are `turn_merge::merged_cost`'s.
    if m.better {
        conn.prepare_cached(
            "UPDATE turns SET input = ?2, output = ?3, reasoning = ?4, cache_read = ?5, cache_write_5m = ?6,
                cache_write_1h = ?7, stop_reason = ?8, complete = ?9, tool_calls = ?10,
                model = CASE WHEN model = '' THEN ?11 ELSE model END,
                reported_cost_usd = COALESCE(?12, reported_cost_usd)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            u.input,
            u.output,
            u.reasoning,
            u.cache_read,
            u.cache_write_5m,
            u.cache_write_1h,
            t.stop_reason,
            t.complete,
            m.tool_calls,
            t.model,
            t.reported_cost_usd
        ])?;
    } else {
        conn.prepare_cached(
            "UPDATE turns SET tool_calls = ?2, model = CASE WHEN model = '' THEN ?3 ELSE model END,
                reported_cost_usd = COALESCE(reported_cost_usd, ?4)
             WHERE id = ?1",
        )?
        .execute(params![id, m.tool_calls, t.model, t.reported_cost_usd])?;
    }
    Ok(())
}

/// The user-turn insert, taken from the statement cache once per batch rather than per row
/// (each lookup hashes and compares its text).
fn user_turn_insert(conn: &Connection) -> rusqlite::Result<CachedStatement<'_>> {
    conn.prepare_cached(
        "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )
}

fn insert_user_turn(
    insert: &mut CachedStatement<'_>,
    u: &UserTurnRecord,
    cols: &UserTurnColumns,
) -> rusqlite::Result<usize> {
    let (id, blocks) = (cols.id, &cols.blocks);
    insert.execute(params![
        id,
        u.harness.as_str(),
        u.session_id,
        u.uuid,
        u.ts_ms,
        u.preceding_message_id,
        blocks
    ])
}

fn insert_compaction(conn: &Connection, c: &CompactionRecord) -> rusqlite::Result<usize> {
    let id = id64_joined(&[c.harness.as_str(), &c.session_id, &c.key]);
    conn.prepare_cached(
        "INSERT INTO compactions (id, harness, session_id, ts_ms, preceding_message_id, tokens_before)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id, c.harness.as_str(), c.session_id, c.ts_ms, c.preceding_message_id, c.tokens_before])
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::turn_merge::tests::{call, copy};

    /// A complete turn of a model without a price, at a fixed time.
    fn turn(output: i64, reported: Option<f64>) -> TurnRecord {
        TurnRecord {
            ts_ms: 1_700_000_000_000,
            model: "my-llama".into(),
            ..copy(output, true, &[], reported)
        }
    }

    /// The reference the held records are compared with: one upsert per record. Merges what a
    /// reader learned about a session; a parent link hangs the session under its parent in the
    /// session tree (`crate::tree`). Returns a message when the link is refused
    /// because it would close a cycle (the session is then stored without a parent).
    fn upsert_session(conn: &Connection, s: &SessionInfo) -> rusqlite::Result<Option<String>> {
        let Some(harness) = s.harness else {
            return Ok(None);
        };
        let mut refused = None;
        let mut parent = s.parent.as_ref();
        if let Some((p, _, _)) = parent {
            match tree::check(conn, &s.session_id, p)? {
                Link::Linked => {}
                // Another row of the same id (another harness) already gave the node a parent.
                Link::Kept(_) => parent = None,
                Link::Cycle => {
                    refused = Some(format!(
                        "parent link refused: session {} cannot be a child of {p}, which is itself or one of its descendants (it would close a cycle)",
                        s.session_id
                    ));
                    parent = None;
                }
            }
        }
        let (parent, relationship, evidence) = match parent {
            Some((p, r, e)) => (Some(p.as_str()), r.as_str(), Some(e.as_str())),
            None => (None, "root", None),
        };
        conn.prepare_cached(concat!(
            "INSERT INTO sessions (harness, session_id, project, branch, title, parent_session_id, relationship, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ",
            session_upsert!()
        ))?
        .execute(params![harness.as_str(), s.session_id, s.project, s.branch, s.title, parent, relationship, evidence])?;
        if let Some(parent) = parent {
            // A parent referenced before its own logs are seen gets a placeholder row, filled in
            // (placeholder = 0) when its turns or session info arrive; none when a row of that id
            // exists under any harness (a cross-harness parent).
            conn.prepare_cached(
                "INSERT INTO sessions (harness, session_id, placeholder)
                 SELECT ?1, ?2, 1 WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = ?2)",
            )?
            .execute(params![harness.as_str(), parent])?;
            tree::link(conn, harness.as_str(), &s.session_id, parent)?;
        }
        Ok(refused)
    }

    /// Session records of one run equal one upsert per record, also when a record's row (a
    /// placeholder under another harness) is dropped by an earlier record's insert, and when a
    /// run holds a session twice: same rows, same push entries in the same order.
    #[test]
    fn session_records_equal_one_upsert_each() {
        let info = |harness, project: Option<&str>, branch: Option<&str>| SessionInfo {
            harness: Some(harness),
            session_id: "s".into(),
            project: project.map(Into::into),
            branch: branch.map(Into::into),
            ..Default::default()
        };
        let records = [
            info(Harness::ClaudeCode, Some("p1"), None),
            info(Harness::Codex, Some("p2"), None),
            info(Harness::ClaudeCode, None, Some("b1")),
            info(Harness::ClaudeCode, Some("p3"), Some("b2")),
        ];
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (writer, reference) = (
            crate::ledger::Ledger::open(one.path()).unwrap(),
            crate::ledger::Ledger::open(two.path()).unwrap(),
        );
        let (writer, reference) = (writer.conn().unwrap(), reference.conn().unwrap());
        let dump = crate::ledger::tests::column_texts;
        for c in [writer, reference] {
            crate::push::arm(c).unwrap();
            c.execute(
                "INSERT INTO sessions (harness, session_id, placeholder) VALUES ('codex', 's', 1)",
                [],
            )
            .unwrap();
        }
        let run: Vec<(&'static str, &SessionInfo)> = records
            .iter()
            .map(|r| (r.harness.unwrap().as_str(), r))
            .collect();
        upsert_records(writer, &run).unwrap();
        for r in &records {
            upsert_session(reference, r).unwrap();
        }
        let rows = "SELECT harness || '|' || session_id || '|' || COALESCE(project, '-') || '|'
                           || COALESCE(branch, '-') || '|' || placeholder FROM sessions ORDER BY rowid";
        let outbox =
            "SELECT kind || '|' || harness || '|' || session_id FROM push_outbox ORDER BY seq";
        assert_eq!(dump(writer, rows), dump(reference, rows));
        assert_eq!(dump(writer, outbox), dump(reference, outbox));
        // The codex placeholder was dropped by the first insert and came back as a real row.
        assert_eq!(
            dump(writer, rows),
            ["claude-code|s|p1|b1|0", "codex|s|p2|-|0"]
        );
    }

    /// The insert triggers `turns` had until schema migration 17 (as migration 13 wrote them,
    /// taken from its SQL), as temporary triggers of this connection: the per-row reference the
    /// writer's set-based upkeep must equal.
    fn with_row_triggers(conn: &Connection) {
        let m13 = crate::ledger::schema::MIGRATIONS[12];
        let names = [
            "turns_count_insert",
            "turns_rollup_insert",
            "clock_turns_insert",
            "push_turns_insert",
            "analysis_turns_insert",
        ];
        for name in names {
            let head = format!("CREATE TRIGGER {name} AFTER INSERT ON turns");
            let at = m13.find(&head).expect("trigger in migration 13");
            let end = at + m13[at..].find("END;").expect("trigger end") + "END;".len();
            let sql = m13[at..end].replacen(
                &head,
                &format!("CREATE TEMP TRIGGER {name} AFTER INSERT ON main.turns"),
                1,
            );
            conn.execute_batch(&sql).unwrap();
        }
    }

    /// The reference: inserts a new turn, or merges into the stored one.
    fn upsert(conn: &Connection, t: &TurnRecord, applied: &mut Applied) {
        let cols = TurnColumns::of(t);
        let inserted = conn
            .execute(
                &format!("INSERT INTO turns ({TURN_COLUMNS}) VALUES ({TURN_VALUES}) ON CONFLICT (id) DO NOTHING"),
                turn_params(t, &cols).as_slice(),
            )
            .unwrap();
        if inserted == 1 {
            applied.turns_added += 1;
        } else if let Some(merged) = merge_stored(conn, t, cols.id).unwrap() {
            update_stored(conn, cols.id, t, &merged).unwrap();
            applied.turns_updated += 1;
        }
    }

    fn stored(conn: &Connection) -> (Option<f64>, f64) {
        conn.query_row(
            "SELECT (SELECT reported_cost_usd FROM turns), (SELECT sum(reported_cost_usd) FROM turn_rollup)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    #[test]
    fn a_reported_cost_is_kept_filled_and_replaced_with_the_usage_it_came_with() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::ledger::Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        with_row_triggers(conn);
        let mut applied = Applied::default();
        upsert(conn, &turn(5, None), &mut applied);
        assert_eq!(stored(conn), (None, 0.0));
        // Same usage, a cost seen only in a later copy: taken.
        upsert(conn, &turn(5, Some(0.5)), &mut applied);
        assert_eq!(stored(conn), (Some(0.5), 0.5));
        // A smaller (stale) copy changes nothing.
        upsert(conn, &turn(4, Some(9.0)), &mut applied);
        assert_eq!(stored(conn), (Some(0.5), 0.5));
        // The final, larger usage brings its own cost; the rollup moves by the difference.
        upsert(conn, &turn(8, Some(0.75)), &mut applied);
        assert_eq!(stored(conn), (Some(0.75), 0.75));
        // A larger copy without a cost keeps the one known.
        upsert(conn, &turn(9, None), &mut applied);
        assert_eq!(stored(conn), (Some(0.75), 0.75));
        assert_eq!(applied.turns_added, 1);
    }

    /// Copies of a turn not inserted yet merge in memory as they merge in `turns`.
    #[test]
    fn staged_copies_merge_like_stored_ones() {
        let copies = [
            TurnRecord {
                model: String::new(),
                tool_calls: vec![call("t1")],
                ..turn(5, None)
            },
            turn(5, Some(0.5)),
            turn(8, Some(0.75)),
            turn(9, None),
            // Stale, but with a new tool call: the call is taken, the cost is not.
            TurnRecord {
                tool_calls: vec![call("t2")],
                ..turn(4, Some(9.0))
            },
        ];
        let row = |c: &Connection| -> String {
            c.query_row(
                "SELECT model || '|' || output || '|' || reported_cost_usd || '|' || tool_calls FROM turns",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let staged = crate::ledger::Ledger::open(one.path()).unwrap();
        let staged = staged.conn().unwrap();
        let direct = crate::ledger::Ledger::open(two.path()).unwrap();
        let direct = direct.conn().unwrap();
        with_row_triggers(direct);
        let (mut a, mut b) = (Applied::default(), Applied::default());
        let mut upkeep = Upkeep::default();
        for t in &copies {
            apply(
                staged,
                &mut batch(vec![t.clone()], &[]),
                &mut a,
                &mut upkeep,
            )
            .unwrap();
            upsert(direct, t, &mut b);
        }
        upkeep.finish(staged).unwrap();
        assert_eq!(row(staged), row(direct));
        assert_eq!(stored(staged), stored(direct));
        assert_eq!(
            (a.turns_added, a.turns_updated),
            (b.turns_added, b.turns_updated)
        );
        assert_eq!((a.turns_added, a.turns_updated), (1, 4));
    }

    fn keyed(
        key: &str,
        session: &str,
        project: Option<&str>,
        ts_ms: i64,
        output: i64,
    ) -> TurnRecord {
        TurnRecord {
            key: key.into(),
            session_id: session.into(),
            message_id: key.into(),
            project: project.map(Into::into),
            ts_ms,
            reported_cost_usd: Some(0.125 * output as f64),
            ..turn(output, None)
        }
    }

    fn batch(turns: Vec<TurnRecord>, users: &[(&str, &str)]) -> Batch {
        let records = crate::vocab::records::Records {
            turns,
            user_turns: users
                .iter()
                .map(|(session, uuid)| UserTurnRecord {
                    harness: Harness::ClaudeCode,
                    session_id: (*session).into(),
                    uuid: (*uuid).into(),
                    ts_ms: 1_700_000_000_000,
                    preceding_message_id: None,
                    blocks: Vec::new(),
                })
                .collect(),
            ..Default::default()
        };
        Batch {
            path: "/f.jsonl".into(),
            records,
            cursor: cursor::Cursor {
                path: "/f.jsonl".into(),
                harness: "claude-code".into(),
                dev: 1,
                ino: 1,
                head_len: 0,
                head_hash: 0,
                size: 1,
                mtime_ms: 1,
                offset: 1,
                pending: 0,
                state: String::new(),
            },
            bytes_read: 1,
            done: true,
            error: None,
            prepared: Default::default(),
        }
    }

    /// Everything the per-row triggers maintain, in a comparable form.
    fn derived(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT harness, session_id, project, branch, first_ts_ms, last_ts_ms, turns, input, output,
                    reasoning, cache_read, cache_write_5m, cache_write_1h, placeholder FROM sessions ORDER BY rowid",
            "SELECT * FROM turn_rollup ORDER BY session_id, model, project, bucket_ms, ctx",
            // Entries of one kind keep their order; between kinds it does not matter (a push
            // sends turns and sessions as two lists).
            "SELECT kind, rid, harness, session_id FROM push_outbox ORDER BY kind, seq",
            "SELECT session_id, root_id FROM session_tree ORDER BY session_id",
            "SELECT harness, session_id FROM analysis_dirty ORDER BY harness, session_id",
            "SELECT count(*) FROM ingest_bulk",
        ] {
            out.extend(crate::ledger::tests::dump_rows(conn, sql));
        }
        out
    }

    /// The count of real sessions, taken twice per write transaction, reads no session row.
    #[test]
    fn counting_sessions_reads_indexes_only() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::ledger::Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {COUNT_SESSIONS}"))
            .unwrap()
            .query_map([], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("sessions_placeholders"), "{plan}");
        assert!(plan.lines().all(|l| l != "SCAN sessions"), "{plan}");
        conn.execute_batch(
            "INSERT INTO sessions (harness, session_id) VALUES ('claude-code', 'a'), ('codex', 'b');
             INSERT INTO sessions (harness, session_id, placeholder) VALUES ('claude-code', 'p', 1);",
        )
        .unwrap();
        assert_eq!(count_sessions(conn).unwrap(), 2);
    }

    /// A turn flushed mid-transaction (the stage full) and then merged with a larger copy is
    /// counted once, with its final values: the upkeep is settled before the change, which
    /// then goes through the update triggers.
    #[test]
    fn a_turn_changed_after_its_flush_is_counted_with_its_final_values() {
        let ts = 1_700_000_000_000;
        let first: Vec<TurnRecord> = (0..STAGE_ROWS as i64)
            .map(|i| keyed(&format!("k{i}"), "s", Some("/p"), ts + i * 60_000, 1))
            .collect();
        let same = vec![keyed("k1", "s", Some("/p"), ts + 60_000, 1)];
        let second = vec![keyed("k0", "s", Some("/p"), ts, 50)];
        let mut pair = Pair::new();
        assert_eq!(pair.apply(first, &[], Vec::new()), STAGE_ROWS as i64);
        let marks = |pair: &Pair| -> i64 {
            pair.conn(true)
                .query_row("SELECT count(*) FROM ingest_bulk", [], |r| r.get(0))
                .unwrap()
        };
        // A copy that changes nothing leaves the upkeep owed; one that changes a row settles it.
        pair.apply(same, &[], Vec::new());
        assert_eq!(marks(&pair), 1);
        pair.apply(second, &[], Vec::new());
        assert_eq!(marks(&pair), 0);
        pair.finish_and_compare();
        let a = &pair.applied.0;
        assert_eq!((a.turns_added, a.turns_updated), (STAGE_ROWS as i64, 1));
        let hourly = "SELECT * FROM turn_hourly ORDER BY hour_ms";
        assert_eq!(
            crate::ledger::tests::dump_rows(pair.conn(true), hourly),
            crate::ledger::tests::dump_rows(pair.conn(false), hourly)
        );
        let bulk = pair.conn(true);
        let output: i64 = bulk
            .query_row(
                "SELECT output FROM sessions WHERE session_id = 's'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(output, STAGE_ROWS as i64 - 1 + 50);
    }

    #[test]
    fn set_based_upkeep_equals_the_per_row_triggers() {
        let ts = 1_700_000_000_000;
        // Batch 1: two sessions, a project only from the second turn, a turn seen twice (the
        // larger copy wins, updating a row of the same batch), user turns.
        let first = vec![
            keyed("a1", "sa", None, ts, 5),
            keyed("a2", "sa", Some("/p"), ts + 1_000_000, 7),
            keyed("b1", "sb", Some("/q"), ts + 5, 3),
            keyed("a2", "sa", Some("/p"), ts + 1_000_000, 9),
        ];
        // Batch 2: updates a row of batch 1 (its triggers fire), adds one to an old session.
        let second = vec![
            keyed("b1", "sb", Some("/q"), ts + 5, 4),
            keyed("a3", "sa", Some("/r"), ts + 9, 1),
        ];
        // Batch 3: a subagent of `sa` (whose rows are still owed their upkeep) with its own
        // project: the writer must settle `sa` before reading and merging sessions rows.
        let third = vec![keyed("c1", "sc", Some("/s"), ts + 11, 2)];
        let child = SessionInfo {
            harness: Some(Harness::ClaudeCode),
            session_id: "sc".into(),
            project: Some("/t".into()),
            branch: None,
            title: None,
            parent: Some((
                "sa".into(),
                crate::vocab::records::Relationship::Subagent,
                "test".into(),
            )),
        };
        let users = [("sa", "u1"), ("sb", "u2")];
        // Session records without a parent (staged until the upkeep): `sb` before its turns,
        // then again with a later title and a branch; `sa` while its rows are owed; `se`, with
        // no turns, after the subagent's record in one batch.
        let record = |id: &str, project: &str, branch: Option<&str>, title: &str| SessionInfo {
            harness: Some(Harness::ClaudeCode),
            session_id: id.into(),
            project: Some(project.into()),
            branch: branch.map(Into::into),
            title: Some(title.into()),
            parent: None,
        };
        // Batch 4: a subagent of `se`, whose record is held but owes no rows: the held record
        // is written before the link reads it (no placeholder for `se`).
        let grandchild = SessionInfo {
            session_id: "sf".into(),
            parent: Some((
                "se".into(),
                crate::vocab::records::Relationship::Subagent,
                "test".into(),
            )),
            ..record("sf", "/rec-f", None, "f")
        };
        let records = [
            vec![record("sb", "/rec-b", None, "b first")],
            vec![
                record("sb", "/rec-b2", Some("main"), "b later"),
                record("sa", "/rec-a", None, "a"),
            ],
            vec![child, record("se", "/rec-e", Some("dev"), "e")],
            vec![grandchild, record("sg", "/rec-g", None, "g")],
        ];

        let mut pair = Pair::new();
        let (bulk_clock, rows_clock) = (pair.clock(true), pair.clock(false));
        // One write transaction's worth of batches: the upkeep is settled once, at the end
        // (and before the second batch's records: `sb`'s second record brings a branch to a
        // row without one, which its owed turns could have set first).
        let batches = [
            (first, &users[..]),
            (second, &users[..1]),
            (third, &[][..]),
            (Vec::new(), &[][..]),
        ];
        for ((turns, users), info) in batches.into_iter().zip(records) {
            pair.apply(turns, users, info);
        }
        pair.finish_and_compare();
        let (a, b) = (&pair.applied.0, &pair.applied.1);
        assert_eq!(
            (a.turns_added, a.turns_updated, a.user_turns_added),
            (5, 2, 2)
        );
        assert_eq!(
            (b.turns_added, b.turns_updated),
            (a.turns_added, a.turns_updated)
        );
        let bulk = pair.conn(true);
        let project: String = bulk
            .query_row(
                "SELECT project FROM sessions WHERE session_id = 'sa'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(project, "/p");
        let (child_project, placeholders): (String, i64) = bulk
            .query_row(
                "SELECT (SELECT project FROM sessions WHERE session_id = 'sc'),
                        (SELECT count(*) FROM sessions WHERE placeholder = 1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((child_project.as_str(), placeholders), ("/t", 0));
        // Every new row ticked the clock at least once (readers' caches see the change).
        assert!(pair.clock(true) - bulk_clock >= 6);
        assert!(pair.clock(false) - rows_clock >= 6);
    }

    /// Two ledgers fed the same batches: one through [`apply`] in one write transaction's
    /// upkeep, the other row by row with every per-row trigger firing.
    struct Pair {
        _dirs: [tempfile::TempDir; 2],
        ledgers: [crate::ledger::Ledger; 2],
        upkeep: Upkeep,
        /// (through `apply`, row by row)
        applied: (Applied, Applied),
    }

    impl Pair {
        fn new() -> Self {
            let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
            let ledgers = [0, 1].map(|i| crate::ledger::Ledger::open(dirs[i].path()).unwrap());
            // Both keep the push outbox, so the entries are compared too.
            for l in &ledgers {
                crate::push::arm(l.conn().unwrap()).unwrap();
            }
            with_row_triggers(ledgers[1].conn().unwrap());
            Pair {
                _dirs: dirs,
                ledgers,
                upkeep: Upkeep::default(),
                applied: Default::default(),
            }
        }

        fn conn(&self, bulk: bool) -> &Connection {
            self.ledgers[usize::from(!bulk)].conn().unwrap()
        }

        fn clock(&self, bulk: bool) -> i64 {
            self.conn(bulk)
                .query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
                .unwrap()
        }

        /// Applies one batch to both; returns the bulk ledger's stored turns after it (staged
        /// turns are stored when the upkeep is settled).
        fn apply(
            &mut self,
            turns: Vec<TurnRecord>,
            users: &[(&str, &str)],
            sessions: Vec<SessionInfo>,
        ) -> i64 {
            let mut batch = batch(turns, users);
            batch.records.sessions.extend(sessions);
            let rows = self.ledgers[1].conn().unwrap();
            for s in &batch.records.sessions {
                upsert_session(rows, s).unwrap();
            }
            let b = &mut self.applied.1;
            for t in &batch.records.turns {
                upsert(rows, t, b);
            }
            let mut insert = user_turn_insert(rows).unwrap();
            for u in &batch.records.user_turns {
                let cols = UserTurnColumns::of(u);
                b.user_turns_added += insert_user_turn(&mut insert, u, &cols).unwrap() as i64;
            }
            drop(insert);
            let bulk = self.ledgers[0].conn().unwrap();
            apply(bulk, &mut batch, &mut self.applied.0, &mut self.upkeep).unwrap();
            bulk.query_row("SELECT count(*) FROM turns", [], |r| r.get(0))
                .unwrap()
        }

        /// Settles the upkeep; both ledgers then hold the same derived rows and sessions.
        fn finish_and_compare(&mut self) {
            self.upkeep.finish(self.ledgers[0].conn().unwrap()).unwrap();
            assert_eq!(derived(self.conn(true)), derived(self.conn(false)));
            let learned = "SELECT harness, session_id, project, branch, title, parent_session_id,
                                  relationship, placeholder
                           FROM sessions ORDER BY rowid";
            assert_eq!(
                crate::ledger::tests::dump_rows(self.conn(true), learned),
                crate::ledger::tests::dump_rows(self.conn(false), learned)
            );
        }
    }

    /// Settling while the writer waits needs [`IDLE_SETTLE_TURNS`] staged turns, stores them,
    /// and leaves the ledger as one settle at the end would: a later copy of a settled turn
    /// merges into its stored row.
    #[test]
    fn an_idle_writer_settles_enough_staged_turns_and_the_ledger_is_the_same() {
        let ts = 1_700_000_000_000;
        let mut pair = Pair::new();
        let turns = |from: usize, to: usize| -> Vec<TurnRecord> {
            (from..to)
                .map(|i| keyed(&format!("k{i}"), "s", Some("/p"), ts + i as i64 * 1_000, 1))
                .collect()
        };
        let few = IDLE_SETTLE_TURNS - 1;
        let settle = |p: &mut Pair| {
            p.upkeep
                .settle_while_idle(p.ledgers[0].conn().unwrap())
                .unwrap()
        };
        let stored = |p: &Pair| -> i64 {
            p.conn(true)
                .query_row("SELECT count(*) FROM turns", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(pair.apply(turns(0, few), &[], Vec::new()), 0);
        settle(&mut pair);
        assert_eq!(
            stored(&pair),
            0,
            "fewer staged turns than the threshold wait"
        );
        assert_eq!(pair.apply(turns(few, few + 1), &[], Vec::new()), 0);
        settle(&mut pair);
        assert_eq!(stored(&pair), IDLE_SETTLE_TURNS as i64);
        // A copy of a settled turn with more output, then new turns.
        let mut again = vec![keyed("k3", "s", Some("/p"), ts + 3_000, 40)];
        again.extend(turns(few + 1, few + 3));
        pair.apply(again, &[], Vec::new());
        pair.finish_and_compare();
        assert_eq!(stored(&pair), IDLE_SETTLE_TURNS as i64 + 2);
        assert_eq!(pair.applied.0.turns_updated, pair.applied.1.turns_updated);
    }

    /// A first load's known ids: a copy of a turn written in an earlier window is found (and
    /// merged), not inserted again; turns never written are new.
    #[test]
    fn a_first_load_merges_copies_of_the_turns_it_knows() {
        let ts = 1_700_000_000_000;
        let mut pair = Pair::new();
        pair.upkeep.known = Some(FxHashSet::default());
        let first: Vec<TurnRecord> = (0..3)
            .map(|i| keyed(&format!("k{i}"), "s", Some("/p"), ts + i * 60_000, 1))
            .collect();
        pair.apply(first, &[], Vec::new());
        pair.upkeep.finish(pair.ledgers[0].conn().unwrap()).unwrap();
        let again = vec![
            keyed("k1", "s", Some("/p"), ts + 60_000, 50),
            keyed("k3", "s", Some("/p"), ts + 180_000, 1),
        ];
        assert_eq!(pair.apply(again, &[], Vec::new()), 3);
        pair.finish_and_compare();
        let a = &pair.applied.0;
        assert_eq!((a.turns_added, a.turns_updated), (4, 1));
        let ids = |keys: &[&str]| -> FxHashSet<i64> {
            keys.iter()
                .map(|k| TurnColumns::of(&keyed(k, "s", None, 0, 0)).id)
                .collect()
        };
        assert_eq!(pair.upkeep.known, Some(ids(&["k0", "k1", "k2", "k3"])));
    }

    fn record(id: &str, project: &str, branch: Option<&str>, parent: Option<&str>) -> SessionInfo {
        SessionInfo {
            harness: Some(Harness::ClaudeCode),
            session_id: id.into(),
            project: Some(project.into()),
            branch: branch.map(Into::into),
            title: Some(format!("{id} title")),
            parent: parent.map(|p| {
                (
                    p.into(),
                    crate::vocab::records::Relationship::Subagent,
                    "test".into(),
                )
            }),
        }
    }

    fn on_branch(mut t: TurnRecord, branch: &str) -> TurnRecord {
        t.branch = Some(branch.into());
        t
    }

    /// A session record waits for the upkeep only where it lands the same either way; where
    /// it could not, the upkeep is settled first (the staged turns are then stored).
    #[test]
    fn records_wait_for_the_upkeep_only_where_it_cannot_matter() {
        let ts = 1_700_000_000_000;
        // (first batch's turns and records, second batch's records, settled before it)
        let cases = [
            // A parent link to a session with owed rows and a held record: waits.
            (
                vec![keyed("p1", "sp", Some("/p"), ts, 3)],
                vec![record("sp", "/rec-p", None, None)],
                vec![record("sc", "/c", None, Some("sp"))],
                false,
            ),
            // A parent link to a session known only from owed turns: its row does not exist
            // yet (no placeholder may be made for it).
            (
                vec![keyed("p1", "sp", Some("/p"), ts, 3)],
                vec![],
                vec![record("sc", "/c", None, Some("sp"))],
                true,
            ),
            // A parent link of a session with owed rows: its merge reads its row.
            (
                vec![keyed("c1", "sc", Some("/p"), ts, 3)],
                vec![],
                vec![record("sc", "/c", None, Some("sp"))],
                true,
            ),
            // A second record while turns are owed, its project and branch already set: waits.
            (
                vec![on_branch(keyed("q1", "sq", Some("/turn"), ts, 3), "dev")],
                vec![record("sq", "/rec-q", Some("main"), None)],
                vec![record("sq", "/later", Some("other"), None)],
                false,
            ),
            // The same with no branch stored: the owed turn's branch comes first.
            (
                vec![on_branch(keyed("q1", "sq", Some("/turn"), ts, 3), "dev")],
                vec![record("sq", "/rec-q", None, None)],
                vec![record("sq", "/later", Some("other"), None)],
                true,
            ),
            // A record (no project, no branch) of a parent known only from a child's link while
            // its turns are owed: its row is a placeholder the turns make real.
            (
                vec![keyed("p1", "sp", Some("/p"), ts, 3)],
                vec![record("sc", "/c", None, Some("sp"))],
                vec![SessionInfo {
                    project: None,
                    ..record("sp", "", None, None)
                }],
                true,
            ),
            // A first record while turns are owed: the turns create the row.
            (
                vec![keyed("q1", "sq", Some("/turn"), ts, 3)],
                vec![],
                vec![record("sq", "/rec-q", Some("main"), None)],
                true,
            ),
        ];
        for (i, (turns, records, later, settles)) in cases.into_iter().enumerate() {
            let mut pair = Pair::new();
            assert_eq!(pair.apply(turns, &[], records), 0, "case {i}");
            let stored = pair.apply(Vec::new(), &[], later);
            assert_eq!(stored > 0, settles, "case {i}");
            pair.finish_and_compare();
        }
    }
}
