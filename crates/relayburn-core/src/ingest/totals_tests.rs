//! Scenario tests of the session-total harnesses (Droid, Goose, Crush) through a real ledger:
//! a later snapshot replaces an earlier one, re-reads change nothing, a rebuild gives the same
//! totals, a multi-day session lands on its days, the same Droid id in two folders counts
//! once, a Crush session counts by cost alone.
//!
//! Fixtures are written the way each harness writes them:
//! - Droid: `~/.factory/sessions/[-<cwd-slug>/]<id>.settings.json` + `<id>.jsonl` whose first
//!   line is `session_start` (`Factory-AI/droid-sdk-typescript` `src/session-discovery.ts`,
//!   `src/schemas/session-metadata.ts`); `tokenUsage{inputTokens, outputTokens,
//!   cacheCreationTokens, cacheReadTokens, thinkingTokens}`, `model`, `providerLock`,
//!   `providerLockTimestamp` (`ccusage/ccusage` `rust/crates/ccusage/src/adapter/droid/parser.rs`);
//!   message lines `{type:"message", id, timestamp, message:{role, content}}`.
//! - Goose: `sessions` and `messages` as created by `block/goose`
//!   `crates/goose/src/session/session_manager.rs` (`create_schema`) plus `accumulated_cost`
//!   (`migrations.rs` v13); `created_timestamp` in epoch seconds.
//! - Crush: `internal/db/migrations/20250424200609_initial.sql` (+ `provider` on messages) of
//!   `charmbracelet/crush`, times in epoch seconds; `projects.json` as
//!   `internal/projects/projects.go` writes it.

use super::{ingest, rebuild, IngestOptions};
use crate::ledger::Ledger;
use crate::query::{summary, GroupBy, SummaryOptions, TurnFilter};
use crate::vocab::Harness;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

const DAY: i64 = 86_400_000;
/// 2026-03-01T10:00:00Z
const T0: i64 = 1_772_359_200_000;

fn iso(ms: i64) -> String {
    crate::time::format_ms(ms)
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn ledger(&self) -> Ledger {
        Ledger::open(&self.path("home")).unwrap()
    }
    fn opts(&self, h: Harness) -> IngestOptions {
        let root = |p: &str| vec![self.path(p).to_string_lossy().into_owned()];
        IngestOptions {
            harnesses: Some(vec![h]),
            ..Default::default()
        }
        .with_roots(Harness::Droid, root("droid"))
        .with_roots(Harness::Goose, root("goose"))
        .with_roots(Harness::Crush, root("crush"))
    }
}

/// Writes a Droid session: settings with `usage` (input, output, cache write, cache read,
/// thinking) and a transcript with one assistant reply at each of `replies`.
fn droid_session(dir: &Path, id: &str, usage: Option<[i64; 5]>, replies: &[i64]) {
    std::fs::create_dir_all(dir).unwrap();
    let usage = usage.map_or(String::new(), |[i, o, cw, cr, th]| {
        format!(
            r#","tokenUsage":{{"inputTokens":{i},"outputTokens":{o},"cacheCreationTokens":{cw},"cacheReadTokens":{cr},"thinkingTokens":{th},"totalTokens":{}}}"#,
            i + o + cw + cr + th
        )
    });
    std::fs::write(
        dir.join(format!("{id}.settings.json")),
        format!(
            r#"{{"model":"claude-sonnet-4-5-20250929","providerLock":"anthropic","providerLockTimestamp":"{}"{usage}}}"#,
            iso(T0 - 60_000)
        ),
    )
    .unwrap();
    let mut t = format!(
        r#"{{"type":"session_start","id":"{id}","title":"Fix the build","sessionTitle":"Fix the build","owner":"me","version":2,"cwd":"/work/app"}}"#
    ) + "\n";
    for (n, ts) in replies.iter().enumerate() {
        t += &format!(
            r#"{{"type":"message","id":"u{n}","timestamp":"{}","message":{{"role":"user","content":[{{"type":"text","text":"go on"}}]}}}}"#,
            iso(ts - 1000)
        );
        t += "\n";
        t += &format!(
            r#"{{"type":"message","id":"a{n}","timestamp":"{}","parentId":"u{n}","message":{{"role":"assistant","content":[{{"type":"text","text":"done"}}]}}}}"#,
            iso(*ts)
        );
        t += "\n";
    }
    std::fs::write(dir.join(format!("{id}.jsonl")), t).unwrap();
}

fn totals(ledger: &Ledger, h: Harness) -> crate::query::Totals {
    let filter = TurnFilter {
        harness: Some(h.as_str().into()),
        ..Default::default()
    };
    summary(ledger, &filter, &SummaryOptions::default())
        .unwrap()
        .totals
}

fn by_day(ledger: &Ledger, h: Harness) -> Vec<(String, i64)> {
    let filter = TurnFilter {
        harness: Some(h.as_str().into()),
        ..Default::default()
    };
    let opts = SummaryOptions {
        group_by: GroupBy::Day,
        ..Default::default()
    };
    let mut rows: Vec<(String, i64)> = summary(ledger, &filter, &opts)
        .unwrap()
        .groups
        .into_iter()
        .map(|(k, t)| (k, t.total_tokens()))
        .collect();
    rows.sort();
    rows
}

/// The session counters must equal the aggregate of the turns (the triggers' invariant).
fn counters_match_turns(ledger: &Ledger) {
    let conn = ledger.conn().unwrap();
    let bad: i64 = conn
        .query_row(
            "SELECT count(*) FROM sessions s WHERE placeholder = 0 AND (s.turns, s.input, s.output,
                s.reasoning, s.cache_read, s.cache_write_5m) IS NOT (SELECT count(*),
                COALESCE(sum(input), 0), COALESCE(sum(output), 0), COALESCE(sum(reasoning), 0),
                COALESCE(sum(cache_read), 0), COALESCE(sum(cache_write_5m), 0)
                FROM turns t WHERE t.harness = s.harness AND t.session_id = s.session_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0, "session counters differ from their turns");
    let rollup: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COALESCE(sum(turns), 0) FROM turn_rollup), (SELECT count(*) FROM turns)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        rollup.0, rollup.1,
        "rollup turn count differs from the turns"
    );
    if rollup.1 > 0 {
        crate::query::rollup_tests::assert_hourly_is_the_rollup(conn);
    }
}

#[test]
fn droid_snapshot_is_replaced_not_added_and_spread_over_its_days() {
    let env = Env::new();
    let mut ledger = env.ledger();
    let dir = env.path("droid/-work-app");
    // Two replies on day 1, one on day 2.
    let replies = [T0, T0 + 60_000, T0 + DAY];
    droid_session(&dir, "s1", Some([300, 30, 0, 3000, 6]), &replies);
    ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    let t = totals(&ledger, Harness::Droid);
    assert_eq!(
        (t.input, t.output, t.reasoning, t.cache_read),
        (300, 36, 6, 3000)
    );
    // Day 1 holds two thirds of the session total, day 2 the rest.
    let days = by_day(&ledger, Harness::Droid);
    assert_eq!(days.len(), 2, "{days:?}");
    assert_eq!(days[0].1 + days[1].1, 3336);
    assert_eq!(days[0].1, 200 + 24 + 2000);

    // The session goes on: the settings file is rewritten with the larger running total.
    droid_session(
        &dir,
        "s1",
        Some([600, 60, 10, 9000, 6]),
        &[T0, T0 + 60_000, T0 + DAY, T0 + DAY + 5],
    );
    let r = ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let t = totals(&ledger, Harness::Droid);
    assert_eq!(
        (t.input, t.output, t.cache_read, t.cache_write_5m),
        (600, 66, 9000, 10)
    );
    counters_match_turns(&ledger);

    // An unchanged store is only stat'ed; a forced re-read changes nothing.
    let r = ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!((r.files_changed, r.turns_added, r.turns_updated), (0, 0, 0));
    ledger
        .conn()
        .unwrap()
        .execute("DELETE FROM cursors", [])
        .unwrap();
    let r = ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!((r.files_changed, r.turns_added, r.turns_updated), (1, 0, 0));
    assert_eq!(
        totals(&ledger, Harness::Droid).total_tokens(),
        600 + 66 + 9000 + 10
    );

    // The transcript is lost: the whole total moves to one instant, still counted once.
    std::fs::remove_file(dir.join("s1.jsonl")).unwrap();
    ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!(
        totals(&ledger, Harness::Droid).total_tokens(),
        600 + 66 + 9000 + 10
    );
    assert_eq!(by_day(&ledger, Harness::Droid).len(), 1);
    counters_match_turns(&ledger);

    // A rebuild re-derives the same totals.
    rebuild(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!(
        totals(&ledger, Harness::Droid).total_tokens(),
        600 + 66 + 9000 + 10
    );
    counters_match_turns(&ledger);
}

#[test]
fn droid_session_in_two_folders_counts_once_with_the_newer_file() {
    let env = Env::new();
    let mut ledger = env.ledger();
    // A stale copy with smaller counters, then the live one in the project folder.
    droid_session(&env.path("droid"), "dup", Some([10, 1, 0, 100, 0]), &[T0]);
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for f in ["dup.settings.json", "dup.jsonl"] {
        let file = std::fs::File::options()
            .write(true)
            .open(env.path("droid").join(f))
            .unwrap();
        file.set_modified(old).unwrap();
    }
    droid_session(
        &env.path("droid/-work-app"),
        "dup",
        Some([50, 5, 0, 500, 0]),
        &[T0, T0 + 10],
    );
    droid_session(&env.path("droid/-work-app"), "none", None, &[T0]);
    let r = ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!(r.files_scanned, 2, "one file per session id");
    let t = totals(&ledger, Harness::Droid);
    assert_eq!((t.input, t.output, t.cache_read), (50, 5, 500));
    // A session without `tokenUsage` (Droid 0.56) is a session without turns.
    let conn = ledger.conn().unwrap();
    let turns: i64 = conn
        .query_row(
            "SELECT turns FROM sessions WHERE session_id = 'none'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(turns, 0);
}

fn goose_db(path: &Path) -> Connection {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
         CREATE TABLE sessions (
            id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
            user_set_name BOOLEAN DEFAULT FALSE, session_type TEXT NOT NULL DEFAULT 'user',
            working_dir TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, extension_data TEXT DEFAULT '{}',
            total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
            accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER,
            accumulated_output_tokens INTEGER, schedule_id TEXT, recipe_json TEXT,
            user_recipe_values_json TEXT, provider_name TEXT, model_config_json TEXT,
            accumulated_cost REAL, parent_session_id TEXT);
         CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT,
            session_id TEXT NOT NULL REFERENCES sessions(id), role TEXT NOT NULL,
            content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL,
            timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, tokens INTEGER, metadata_json TEXT);",
    )
    .unwrap();
    conn
}

fn goose_session(conn: &Connection, id: &str, parent: Option<&str>, acc: [i64; 3], last: [i64; 3]) {
    conn.execute(
        "INSERT INTO sessions (id, name, working_dir, created_at, updated_at, accumulated_input_tokens,
            accumulated_output_tokens, accumulated_total_tokens, input_tokens, output_tokens,
            total_tokens, provider_name, model_config_json, parent_session_id)
         VALUES (?1, 'demo', '/work/goose', '2026-03-01 10:00:00', '2026-03-02 11:00:00', ?2, ?3, ?4,
            ?5, ?6, ?7, 'anthropic', '{\"model_name\":\"claude-sonnet-4-5\",\"context_limit\":null}', ?8)
         ON CONFLICT (id) DO UPDATE SET accumulated_input_tokens = ?2, accumulated_output_tokens = ?3,
            accumulated_total_tokens = ?4, input_tokens = ?5, output_tokens = ?6, total_tokens = ?7,
            updated_at = datetime('now')",
        rusqlite::params![id, acc[0], acc[1], acc[2], last[0], last[1], last[2], parent],
    )
    .unwrap();
}

fn goose_reply(conn: &Connection, session: &str, ts_ms: i64) {
    conn.execute(
        "INSERT INTO messages (message_id, session_id, role, content_json, created_timestamp, tokens)
         VALUES ('m', ?1, 'assistant', '[]', ?2, 12345)",
        rusqlite::params![session, ts_ms / 1000],
    )
    .unwrap();
}

#[test]
fn goose_rows_updated_in_place_replace_their_snapshot() {
    let env = Env::new();
    let mut ledger = env.ledger();
    let db = env.path("goose/data/sessions/sessions.db");
    let conn = goose_db(&db);
    goose_session(&conn, "20260301_1", None, [1000, 100, 1150], [400, 40, 440]);
    goose_session(
        &conn,
        "20260301_2",
        Some("20260301_1"),
        [10, 1, 11],
        [10, 1, 11],
    );
    goose_reply(&conn, "20260301_1", T0);
    goose_reply(&conn, "20260301_1", T0 + DAY);
    let r = ingest(&mut ledger, &env.opts(Harness::Goose)).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let t = totals(&ledger, Harness::Goose);
    // accumulated_* are the totals (never the last call's); total − in − out is reasoning.
    assert_eq!((t.input, t.output, t.reasoning), (1010, 151, 50));
    // The parent on its two reply days; the child (no replies) at its last update, day 2.
    assert_eq!(by_day(&ledger, Harness::Goose).len(), 2);

    // The row is updated in place with the new running total.
    goose_session(
        &conn,
        "20260301_1",
        None,
        [5000, 500, 5500],
        [4000, 400, 4400],
    );
    goose_reply(&conn, "20260301_1", T0 + DAY + 1000);
    ingest(&mut ledger, &env.opts(Harness::Goose)).unwrap();
    let t = totals(&ledger, Harness::Goose);
    assert_eq!((t.input, t.output), (5010, 501));
    counters_match_turns(&ledger);

    // The child hangs under its parent: the parent's tree holds both.
    let filter = TurnFilter {
        session: Some("20260301_1".into()),
        ..Default::default()
    };
    let tree = summary(&ledger, &filter, &SummaryOptions::default()).unwrap();
    assert_eq!(tree.totals.input, 5010);

    // Unchanged: only the stat of the database and its WAL.
    let r = ingest(&mut ledger, &env.opts(Harness::Goose)).unwrap();
    assert_eq!(r.files_changed, 0);
    // A change elsewhere in the database rewrites nothing.
    conn.execute(
        "UPDATE sessions SET name = 'renamed' WHERE id = '20260301_2'",
        [],
    )
    .unwrap();
    let r = ingest(&mut ledger, &env.opts(Harness::Goose)).unwrap();
    assert_eq!((r.files_changed, r.turns_added, r.turns_updated), (1, 0, 0));
    drop(conn);
    rebuild(&mut ledger, &env.opts(Harness::Goose)).unwrap();
    assert_eq!(totals(&ledger, Harness::Goose).input, 5010);
}

fn crush_db(path: &Path) -> Connection {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE sessions (
            id TEXT PRIMARY KEY, parent_session_id TEXT, title TEXT NOT NULL,
            message_count INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
            prompt_tokens INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
            completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
            cost REAL NOT NULL DEFAULT 0.0 CHECK (cost >= 0.0),
            updated_at INTEGER NOT NULL, created_at INTEGER NOT NULL, summary_message_id TEXT);
         CREATE TABLE messages (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL, role TEXT NOT NULL,
            parts TEXT NOT NULL default '[]', model TEXT, created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL, finished_at INTEGER, provider TEXT,
            is_summary_message INTEGER DEFAULT 0 NOT NULL);",
    )
    .unwrap();
    conn
}

#[test]
fn crush_sessions_count_by_cost_with_zero_tokens_and_children_in_the_tree() {
    let env = Env::new();
    let mut ledger = env.ledger();
    let data = env.path("project/.crush");
    let conn = crush_db(&data.join("crush.db"));
    std::fs::create_dir_all(env.path("crush")).unwrap();
    std::fs::write(
        env.path("crush/projects.json"),
        format!(
            r#"{{"projects":[{{"path":"/work/crush-app","data_dir":{:?},"last_accessed":"2026-03-02T00:00:00Z"}}]}}"#,
            data.to_string_lossy()
        ),
    )
    .unwrap();
    let s = T0 / 1000;
    conn.execute_batch(&format!(
        "INSERT INTO sessions VALUES ('root', NULL, 'Fix', 4, 1200, 80, 0.42, {s}, {s}, NULL);
         INSERT INTO sessions VALUES ('child', 'root', 'Task', 2, 300, 20, 0.02, {s}, {s}, NULL);
         INSERT INTO sessions VALUES ('orphan', 'gone', 'Old', 1, 9, 9, 0.08, {s}, {s}, NULL);
         INSERT INTO messages VALUES ('m1', 'root', 'assistant', '[]', 'gpt-5', {s}, {s}, {s}, 'openai', 0);
         INSERT INTO messages VALUES ('m2', 'child', 'assistant', '[]', 'gpt-5-mini', {}, {s}, {s}, 'openai', 0);",
        s + 86_400
    ))
    .unwrap();
    let r = ingest(&mut ledger, &env.opts(Harness::Crush)).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let t = totals(&ledger, Harness::Crush);
    // Token columns are a step's, not the session's: zero tokens, turns by reply bucket, the
    // root's cost (its child's included) spread over them as the turns' reported cost, which
    // is what turns without tokens cost.
    // A child whose parent is gone from the database counts its own cost.
    assert_eq!((t.total_tokens(), t.turns), (0, 3));
    assert!((t.cost_usd - 0.50).abs() < 1e-9, "{}", t.cost_usd);
    let filter = TurnFilter {
        harness: Some("crush".into()),
        ..Default::default()
    };
    let s = summary(&ledger, &filter, &SummaryOptions::default()).unwrap();
    let mut unpriced: Vec<&str> = s.unpriced_models.iter().map(|(m, _)| m.as_str()).collect();
    unpriced.sort();
    // Priced models without tokens count the cost Crush reported; a session whose replies
    // name no model is listed as unpriced.
    assert_eq!(unpriced, ["unknown"]);
    // Updated in place: the running cost grows, the total is replaced.
    conn.execute("UPDATE sessions SET cost = 0.5 WHERE id = 'root'", [])
        .unwrap();
    ingest(&mut ledger, &env.opts(Harness::Crush)).unwrap();
    assert!((totals(&ledger, Harness::Crush).cost_usd - 0.58).abs() < 1e-9);
    let conn2 = ledger.conn().unwrap();
    let (project, parent): (Option<String>, Option<String>) = conn2
        .query_row(
            "SELECT (SELECT project FROM sessions WHERE session_id = 'root'),
                    (SELECT parent_session_id FROM sessions WHERE session_id = 'child')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(project.as_deref(), Some("/work/crush-app"));
    assert_eq!(parent.as_deref(), Some("root"));
    let child_turns: i64 = conn2
        .query_row(
            "SELECT count(*) FROM turns WHERE session_id = 'child'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(child_turns, 0, "a child's cost is inside its parent's");
}

#[test]
fn droid_transcript_content_goes_to_the_content_store() {
    let env = Env::new();
    let mut ledger = env.ledger();
    // Recent replies: the content store keeps only what is inside its retention.
    let now = crate::time::now_ms();
    droid_session(
        &env.path("droid"),
        "c1",
        Some([1, 1, 0, 0, 0]),
        &[now - 60_000, now - 30_000],
    );
    ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    let content =
        Connection::open(env.path("home").join(crate::content::store::CONTENT_FILE)).unwrap();
    let count = || -> i64 {
        content
            .query_row(
                "SELECT coalesce(sum(blocks), 0) FROM chunks
                 WHERE harness = 'droid' AND session_id = 'c1'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Two user and two assistant messages, one text block each; a re-read rewrites the keys.
    assert_eq!(count(), 4);
    ledger
        .conn()
        .unwrap()
        .execute("DELETE FROM cursors", [])
        .unwrap();
    ingest(&mut ledger, &env.opts(Harness::Droid)).unwrap();
    assert_eq!(count(), 4);
}

#[test]
fn a_snapshot_turn_whose_time_moves_moves_its_sessions_span() {
    use crate::vocab::records::{SnapshotGroup, TurnRecord, Usage};
    let env = Env::new();
    let ledger = env.ledger();
    let conn = ledger.conn().unwrap();
    let turn = |ts_ms: i64, input: i64| TurnRecord {
        harness: Harness::Goose,
        key: "goose|s|k".into(),
        session_id: "s".into(),
        message_id: "s@k".into(),
        request_id: None,
        ts_ms,
        model: "m".into(),
        provider: None,
        project: None,
        branch: None,
        usage: Usage {
            input,
            ..Default::default()
        },
        stop_reason: None,
        complete: true,
        tool_calls: Vec::new(),
        reported_cost_usd: Some(0.25),
    };
    let group = |t: TurnRecord| SnapshotGroup {
        harness: Harness::Goose,
        session_id: "s".into(),
        turns: vec![t],
    };
    let span = || -> (i64, i64, i64, i64) {
        conn.query_row(
            "SELECT first_ts_ms, last_ts_ms, input, turns FROM sessions WHERE session_id = 's'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    };
    let n = super::snapshot_writer::apply(conn, &group(turn(T0, 10))).unwrap();
    assert_eq!((n.added, n.updated), (1, 0));
    // The same snapshot again changes nothing (no update, no clock tick).
    let ticks = || -> i64 {
        conn.query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
            .unwrap()
    };
    let before = ticks();
    let n = super::snapshot_writer::apply(conn, &group(turn(T0, 10))).unwrap();
    assert_eq!((n.added, n.updated, ticks()), (0, 0, before));
    // A later, larger snapshot of the same key: replaced, and the span follows its time.
    super::snapshot_writer::apply(conn, &group(turn(T0 + DAY, 30))).unwrap();
    assert_eq!(span(), (T0, T0 + DAY, 30, 1));
    // An empty snapshot leaves the session without turns.
    let empty = SnapshotGroup {
        harness: Harness::Goose,
        session_id: "s".into(),
        turns: Vec::new(),
    };
    super::snapshot_writer::apply(conn, &empty).unwrap();
    assert_eq!((span().2, span().3), (0, 0));
    counters_match_turns(&ledger);
    let cost: f64 = conn
        .query_row(
            "SELECT COALESCE(sum(reported_cost_usd), 0) FROM turn_rollup",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cost, 0.0);
}
