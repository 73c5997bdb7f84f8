//! Mutation fuzzing of the session-total readers (Droid, Goose, Crush), run by `cargo test`:
//! settings files and transcript lines corrupted as in `fuzz_tests`, database values replaced
//! by every SQLite type and absurd numbers. A reader must never panic, must keep counts
//! non-negative, and must split a total exactly (its parts add up to what it read).

use super::fuzz_tests::{assert_sane, mutate, Rng};
use super::snapshot::DigestState;
use crate::vocab::records::Records;
use rusqlite::Connection;

const CASES: usize = 300;

const SETTINGS: &str = r#"{"model":"custom:Claude-Opus-4.5-[Anthropic]-0","providerLock":"anthropic","providerLockTimestamp":"2026-01-01T00:00:00.000Z","tokenUsage":{"inputTokens":120,"outputTokens":30,"cacheCreationTokens":7,"cacheReadTokens":900,"thinkingTokens":4,"totalTokens":1061}}"#;
const TRANSCRIPT: &[&str] = &[
    r#"{"type":"session_start","id":"s","title":"t","sessionTitle":"t","owner":"o","version":2,"cwd":"/p"}"#,
    r#"{"type":"message","id":"u1","timestamp":"2026-01-01T00:00:01.000Z","message":{"role":"user","content":[{"type":"text","text":"hi"}]}}"#,
    r#"{"type":"message","id":"a1","timestamp":"2026-01-01T00:00:02.000Z","parentId":"u1","message":{"role":"assistant","content":[{"type":"text","text":"ok"}]}}"#,
    r#"{"type":"message","id":"a2","timestamp":"2026-01-03T09:00:02.000Z","parentId":"a1","message":{"role":"assistant","content":[]}}"#,
    r#"{"type":"todo_state","id":"t1","timestamp":"2026-01-03T09:00:03.000Z","todos":"- x"}"#,
];

fn sum(out: &Records) -> i64 {
    out.snapshots
        .iter()
        .flat_map(|g| &g.turns)
        .map(|t| t.usage.total() + t.usage.reasoning)
        .sum()
}

#[test]
fn droid_sessions_survive_mutated_settings_and_transcripts() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("s.settings.json");
    let mut rng = Rng(0xd401_d5ee);
    for case in 0..CASES {
        let text = if case % 4 == 0 {
            SETTINGS.as_bytes().to_vec()
        } else {
            mutate(&mut rng, SETTINGS.as_bytes())
        };
        std::fs::write(&settings, text).unwrap();
        let mut lines = Vec::new();
        for _ in 0..6 {
            let row = TRANSCRIPT[rng.below(TRANSCRIPT.len())].as_bytes();
            lines.extend(if rng.below(2) == 0 {
                row.to_vec()
            } else {
                mutate(&mut rng, row)
            });
            lines.push(b'\n');
        }
        std::fs::write(dir.path().join("s.jsonl"), lines).unwrap();
        let mut out = Records::default();
        let capture = crate::content::Capture {
            mode: crate::content::settings::ContentMode::Full,
            cutoff_ms: None,
        };
        let _ = super::droid::read_session(&settings, 1_767_225_600_000, &capture, &mut out);
        assert_sane(&out);
        if case % 4 == 0 {
            // The valid settings: every class adds up to the file's total, however the
            // (corrupted) transcript spreads it.
            assert_eq!(sum(&out), 120 + 30 + 4 + 7 + 900 + 4, "case {case}");
        }
    }
}

/// Values a corrupted or foreign row may hold, of every SQLite type.
const ODD: &[&str] = &[
    "NULL",
    "-5",
    "0",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "'text'",
    "''",
    "x'00ff'",
    "'2026-01-01 00:00:00'",
    "'{\"model_name\":5}'",
    "'{'",
    "1.5",
];

fn corrupt(rng: &mut Rng, conn: &Connection, table: &str, columns: &[&str]) {
    for _ in 0..=rng.below(3) {
        let col = columns[rng.below(columns.len())];
        let v = ODD[rng.below(ODD.len())];
        // NOT NULL and CHECK constraints may refuse a value: the row then keeps its own.
        let _ = conn.execute(&format!("UPDATE {table} SET {col} = {v}"), []);
    }
}

#[test]
fn goose_and_crush_databases_survive_odd_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x6005_ec2a);
    for case in 0..CASES / 3 {
        let goose = dir.path().join(format!("g{case}.db"));
        let conn = Connection::open(&goose).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE sessions (id TEXT, name TEXT, working_dir TEXT, created_at TIMESTAMP,
                updated_at TIMESTAMP, accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER,
                accumulated_total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
                total_tokens INTEGER, provider_name TEXT, model_config_json TEXT, accumulated_cost REAL,
                parent_session_id TEXT);
             CREATE TABLE messages (id INTEGER PRIMARY KEY, session_id TEXT, role TEXT,
                content_json TEXT, created_timestamp INTEGER, tokens INTEGER);
             INSERT INTO sessions VALUES ('a', 'n', '/p', '2026-01-01 00:00:00', '2026-01-02 00:00:00',
                100, 10, 120, 5, 1, 6, 'anthropic', '{\"model_name\":\"m\"}', 0.5, NULL);
             INSERT INTO sessions VALUES ('b', 'n', '/p', 1767225600, 1767225600, NULL, NULL, NULL,
                5, 1, 6, NULL, NULL, NULL, 'a');
             INSERT INTO messages VALUES (1, 'a', 'assistant', '[]', 1767225601, 9);
             INSERT INTO messages VALUES (2, 'b', 'assistant', '[]', 1767225602, 9);",
        )
        .unwrap();
        let cols = [
            "id",
            "working_dir",
            "updated_at",
            "accumulated_input_tokens",
            "accumulated_output_tokens",
            "accumulated_total_tokens",
            "model_config_json",
            "accumulated_cost",
            "parent_session_id",
        ];
        corrupt(&mut rng, &conn, "sessions", &cols);
        corrupt(
            &mut rng,
            &conn,
            "messages",
            &["session_id", "created_timestamp", "role"],
        );
        drop(conn);
        let mut out = Records::default();
        super::goose::read(&goose, &mut DigestState::default(), &mut out).unwrap();
        assert_sane(&out);

        let crush = dir.path().join(format!("c{case}.db"));
        let conn = Connection::open(&crush).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE sessions (id TEXT, parent_session_id TEXT, title TEXT, prompt_tokens INTEGER,
                completion_tokens INTEGER, cost REAL, updated_at INTEGER, created_at INTEGER);
             CREATE TABLE messages (id TEXT, session_id TEXT, role TEXT, model TEXT, provider TEXT,
                created_at INTEGER);
             INSERT INTO sessions VALUES ('r', NULL, 't', 1, 1, 0.25, 1767225600, 1767225600);
             INSERT INTO sessions VALUES ('c', 'r', 't', 1, 1, 0.05, 1767225600, 1767225600);
             INSERT INTO sessions VALUES ('x', 'x', 't', 1, 1, 0.05, 1767225600, 1767225600);
             INSERT INTO messages VALUES ('m1', 'r', 'assistant', 'gpt-5', 'openai', 1767225601);
             INSERT INTO messages VALUES ('m2', 'c', 'assistant', 'gpt-5', 'openai', 1767312001);",
        )
        .unwrap();
        let cols = [
            "id",
            "parent_session_id",
            "cost",
            "updated_at",
            "created_at",
        ];
        corrupt(&mut rng, &conn, "sessions", &cols);
        corrupt(
            &mut rng,
            &conn,
            "messages",
            &["session_id", "model", "created_at"],
        );
        drop(conn);
        let mut out = Records::default();
        super::crush::read(&crush, Some("/p"), &mut DigestState::default(), &mut out).unwrap();
        assert_sane(&out);
        assert_eq!(sum(&out), 0, "Crush sessions carry no tokens");
    }
}
