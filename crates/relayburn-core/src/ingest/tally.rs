//! The session counters and rollup rows of the ingest writer's new turns, summed in memory as
//! it inserts them. `upkeep::derive` would read them back from the rows instead: two sorts
//! over every new turn, about a fifth of the writer's time on a cold ingest. Written by one
//! upsert per table and chunk ([`insert_rows`]), in the order `derive`'s statements would
//! write them, with the same conflict clauses.

use super::values::insert_rows;
use crate::query::{BUCKET_MS, HOUR_MS};
use crate::vocab::records::TurnRecord;
use rusqlite::{Connection, ToSql};
use rustc_hash::FxHashMap;

/// How new turns' sums merge into their session's row (`derive`, [`Tally::write`]).
macro_rules! counters_upsert {
    () => {
        "ON CONFLICT (harness, session_id) DO UPDATE SET
            project        = COALESCE(sessions.project, excluded.project),
            branch         = COALESCE(sessions.branch, excluded.branch),
            first_ts_ms    = min(COALESCE(sessions.first_ts_ms, excluded.first_ts_ms), excluded.first_ts_ms),
            last_ts_ms     = max(COALESCE(sessions.last_ts_ms, excluded.last_ts_ms), excluded.last_ts_ms),
            turns          = sessions.turns + excluded.turns,
            input          = sessions.input + excluded.input,
            output         = sessions.output + excluded.output,
            reasoning      = sessions.reasoning + excluded.reasoning,
            cache_read     = sessions.cache_read + excluded.cache_read,
            cache_write_5m = sessions.cache_write_5m + excluded.cache_write_5m,
            cache_write_1h = sessions.cache_write_1h + excluded.cache_write_1h,
            placeholder    = 0"
    };
}
pub(super) use counters_upsert;

/// How new turns' sums merge into their rollup row (`derive`, [`Tally::write`]), and an
/// hour's sums into its `turn_hourly` row (the same counter columns).
macro_rules! rollup_upsert {
    () => {
        "ON CONFLICT DO UPDATE SET
            turns             = turns + excluded.turns,
            input             = input + excluded.input,
            output            = output + excluded.output,
            reasoning         = reasoning + excluded.reasoning,
            cache_read        = cache_read + excluded.cache_read,
            cache_write_5m    = cache_write_5m + excluded.cache_write_5m,
            cache_write_1h    = cache_write_1h + excluded.cache_write_1h,
            reported_cost_usd = reported_cost_usd + excluded.reported_cost_usd"
    };
}
pub(super) use rollup_upsert;

/// Sums of the turns added since the last [`Tally::clear`].
#[derive(Default)]
pub(super) struct Tally {
    /// In the order of each session's first new turn (`derive`'s `ORDER BY min(rid)`).
    sessions: Vec<SessionSums>,
    session_at: FxHashMap<Vec<u8>, usize>,
    rollup: Vec<RollupSums>,
    rollup_at: FxHashMap<Vec<u8>, usize>,
    /// Lookup key of the current row, reused.
    key: Vec<u8>,
}

struct SessionSums {
    harness: &'static str,
    session_id: String,
    /// The first new turn's with one (`derive`: the lowest row id's).
    project: Option<String>,
    branch: Option<String>,
    first_ts_ms: i64,
    last_ts_ms: i64,
    turns: i64,
    usage: [i64; 6],
}

struct RollupSums {
    session_id: String,
    harness: &'static str,
    model: String,
    provider: String,
    project: String,
    branch: String,
    bucket_ms: i64,
    ctx: i64,
    turns: i64,
    usage: [i64; 6],
    reported_cost_usd: f64,
}

impl Tally {
    /// Counts a turn as inserted (after any merge: its final values).
    pub(super) fn add(&mut self, t: &TurnRecord) {
        let u = &t.usage;
        let usage = [
            u.input,
            u.output,
            u.reasoning,
            u.cache_read,
            u.cache_write_5m,
            u.cache_write_1h,
        ];
        set_key(&mut self.key, &[t.harness.as_str(), &t.session_id], &[]);
        let i = match self.session_at.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                self.session_at
                    .insert(self.key.clone(), self.sessions.len());
                self.sessions.push(SessionSums {
                    harness: t.harness.as_str(),
                    session_id: t.session_id.clone(),
                    project: None,
                    branch: None,
                    first_ts_ms: t.ts_ms,
                    last_ts_ms: t.ts_ms,
                    turns: 0,
                    usage: [0; 6],
                });
                self.sessions.len() - 1
            }
        };
        let s = &mut self.sessions[i];
        if s.project.is_none() {
            s.project.clone_from(&t.project);
        }
        if s.branch.is_none() {
            s.branch.clone_from(&t.branch);
        }
        s.first_ts_ms = s.first_ts_ms.min(t.ts_ms);
        s.last_ts_ms = s.last_ts_ms.max(t.ts_ms);
        s.turns += 1;
        add(&mut s.usage, &usage);

        // `derive`'s rollup key: the 15-minute bucket and the context band (> 200k, > 272k).
        let bucket_ms = t.ts_ms - t.ts_ms.rem_euclid(BUCKET_MS);
        let context = u.input + u.cache_read + u.cache_write_5m + u.cache_write_1h;
        let ctx = i64::from(context > 200_000) + i64::from(context > 272_000);
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
        set_key(
            &mut self.key,
            &[
                &t.session_id,
                t.harness.as_str(),
                &t.model,
                t.provider.as_deref().unwrap_or(""),
                t.project.as_deref().unwrap_or(""),
                t.branch.as_deref().unwrap_or(""),
            ],
            &[bucket_ms, ctx],
        );
        let i = match self.rollup_at.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                self.rollup_at.insert(self.key.clone(), self.rollup.len());
                self.rollup.push(RollupSums {
                    session_id: t.session_id.clone(),
                    harness: t.harness.as_str(),
                    model: t.model.clone(),
                    provider: text(&t.provider),
                    project: text(&t.project),
                    branch: text(&t.branch),
                    bucket_ms,
                    ctx,
                    turns: 0,
                    usage: [0; 6],
                    reported_cost_usd: 0.0,
                });
                self.rollup.len() - 1
            }
        };
        let r = &mut self.rollup[i];
        r.turns += 1;
        add(&mut r.usage, &usage);
        // SQLite stores a NaN as NULL, which `derive` reads as 0.
        r.reported_cost_usd += t.reported_cost_usd.filter(|c| !c.is_nan()).unwrap_or(0.0);
    }

    pub(super) fn clear(&mut self) {
        self.sessions.clear();
        self.session_at.clear();
        self.rollup.clear();
        self.rollup_at.clear();
    }

    /// Adds the sums to `sessions` and `turn_rollup` as `derive`'s first two statements do.
    pub(super) fn write(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let mut params: Vec<&dyn ToSql> = Vec::with_capacity(self.sessions.len() * 13);
        for s in &self.sessions {
            params.extend([
                &s.harness as &dyn ToSql,
                &s.session_id,
                &s.project,
                &s.branch,
                &s.first_ts_ms,
                &s.last_ts_ms,
                &s.turns,
            ]);
            params.extend(s.usage.iter().map(|v| v as &dyn ToSql));
        }
        insert_rows(
            conn,
            "INSERT INTO sessions (harness, session_id, project, branch, first_ts_ms, last_ts_ms, turns,
                                   input, output, reasoning, cache_read, cache_write_5m, cache_write_1h)",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            counters_upsert!(),
            13,
            &params,
        )?;
        // In primary-key order: each row lands next to the one before it.
        self.rollup.sort_unstable_by(|a, b| {
            (
                a.bucket_ms,
                &a.session_id,
                a.harness,
                &a.model,
                &a.provider,
                &a.project,
                &a.branch,
                a.ctx,
            )
                .cmp(&(
                    b.bucket_ms,
                    &b.session_id,
                    b.harness,
                    &b.model,
                    &b.provider,
                    &b.project,
                    &b.branch,
                    b.ctx,
                ))
        });
        let mut params: Vec<&dyn ToSql> = Vec::with_capacity(self.rollup.len() * 16);
        for r in &self.rollup {
            params.extend([
                &r.session_id as &dyn ToSql,
                &r.harness,
                &r.model,
                &r.provider,
                &r.project,
                &r.branch,
                &r.bucket_ms,
                &r.ctx,
                &r.turns,
            ]);
            params.extend(r.usage.iter().map(|v| v as &dyn ToSql));
            params.push(&r.reported_cost_usd);
        }
        // Under the mark `turn_hourly`'s triggers skip these rows (migration 21): their hours
        // are added below, each once, instead of by one upsert per rollup row.
        conn.prepare_cached("INSERT INTO rollup_bulk (id) VALUES (1)")?
            .execute([])?;
        insert_rows(
            conn,
            "INSERT INTO turn_rollup",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rollup_upsert!(),
            16,
            &params,
        )?;
        conn.prepare_cached("DELETE FROM rollup_bulk")?
            .execute([])?;
        self.write_hours(conn)
    }

    /// Adds the rollup rows' sums to `turn_hourly` as its triggers would: per UTC hour, harness,
    /// model, provider and context band, whether each row was new or merged into a stored one
    /// (a merge adds the same sums; the writer never moves a row to another key).
    fn write_hours(&self, conn: &Connection) -> rusqlite::Result<()> {
        /// A `turn_hourly` row's key (its primary key's order) and what is added to it.
        struct Hour<'a> {
            key: (i64, &'a str, &'a str, &'a str, i64),
            turns: i64,
            usage: [i64; 6],
            reported_cost_usd: f64,
        }
        let mut hours: Vec<Hour<'_>> = Vec::new();
        let mut at: FxHashMap<(i64, &str, &str, &str, i64), usize> = FxHashMap::default();
        for r in &self.rollup {
            let hour_ms = r.bucket_ms - r.bucket_ms.rem_euclid(HOUR_MS);
            let key = (
                hour_ms,
                r.harness,
                r.model.as_str(),
                r.provider.as_str(),
                r.ctx,
            );
            let i = *at.entry(key).or_insert_with(|| {
                hours.push(Hour {
                    key,
                    turns: 0,
                    usage: [0; 6],
                    reported_cost_usd: 0.0,
                });
                hours.len() - 1
            });
            let h = &mut hours[i];
            h.turns += r.turns;
            add(&mut h.usage, &r.usage);
            h.reported_cost_usd += r.reported_cost_usd;
        }
        hours.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        let mut params: Vec<&dyn ToSql> = Vec::with_capacity(hours.len() * 13);
        for h in &hours {
            let (hour_ms, harness, model, provider, ctx) = &h.key;
            params.extend([
                hour_ms as &dyn ToSql,
                harness,
                model,
                provider,
                ctx,
                &h.turns,
            ]);
            params.extend(h.usage.iter().map(|v| v as &dyn ToSql));
            params.push(&h.reported_cost_usd);
        }
        insert_rows(
            conn,
            "INSERT INTO turn_hourly",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rollup_upsert!(),
            13,
            &params,
        )
    }
}

fn add(sums: &mut [i64; 6], usage: &[i64; 6]) {
    for (s, u) in sums.iter_mut().zip(usage) {
        *s += u;
    }
}

/// An unambiguous lookup key: each text length-prefixed, then the numbers.
fn set_key(key: &mut Vec<u8>, texts: &[&str], numbers: &[i64]) {
    key.clear();
    for t in texts {
        key.extend_from_slice(&t.len().to_le_bytes());
        key.extend_from_slice(t.as_bytes());
    }
    for n in numbers {
        key.extend_from_slice(&n.to_le_bytes());
    }
}
