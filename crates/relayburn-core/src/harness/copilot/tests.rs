//! Copilot CLI scenario tests. Fixture shapes follow:
//! - ccusage/ccusage `rust/crates/ccusage/src/adapter/copilot/README.md`
//!   (`session-state/<sessionId>/events.jsonl`, `{"type","data","id","timestamp","parentId"}`
//!   events, `session.shutdown` `data.modelMetrics.<model>.{usage{inputTokens, outputTokens,
//!   cacheReadTokens, cacheWriteTokens, reasoningTokens}, requests{count, cost}}`, one
//!   per-process snapshot per run, input inclusive of cache reads and writes, Gemini reasoning
//!   beside output);
//! - junhoyeo/tokscale `crates/tokscale-core/src/sessions/copilot_session_store.rs`
//!   (`session-store.db`: `assistant_usage_events` and `sessions`, `created_at` as SQLite's
//!   `YYYY-MM-DD HH:MM:SS`, `copilot_usage_model` naming the model behind `auto`);
//! - docs.github.com `copilot/reference/copilot-cli-reference/cli-config-dir-reference`
//!   (`~/.copilot`, `session-state/`, `session-store.db`).

use super::*;
use crate::harness::support_tests::{age, Fixture};
use crate::vocab::Harness;

fn event(kind: &str, id: &str, ts: &str, data: &str) -> String {
    format!(r#"{{"type":"{kind}","data":{data},"id":"{id}","timestamp":"{ts}","parentId":null}}"#)
        + "\n"
}

fn start(id: &str, ts: &str, session: &str) -> String {
    event(
        "session.start",
        id,
        ts,
        &format!(
            r#"{{"sessionId":"{session}","version":1,"copilotVersion":"1.0.54","selectedModel":"claude-sonnet-4.6","context":{{"cwd":"/work/app","repository":"me/app","branch":"main"}}}}"#
        ),
    )
}

/// `models`: (name, [input, output, cache read, cache write, reasoning]).
fn shutdown(id: &str, ts: &str, start_ms: i64, models: &[(&str, [i64; 5])]) -> String {
    let metrics: Vec<String> = models
        .iter()
        .map(|(m, c)| {
            format!(
                r#""{m}":{{"requests":{{"count":2,"cost":1}},"usage":{{"inputTokens":{},"outputTokens":{},"cacheReadTokens":{},"cacheWriteTokens":{},"reasoningTokens":{}}}}}"#,
                c[0], c[1], c[2], c[3], c[4]
            )
        })
        .collect();
    event(
        "session.shutdown",
        id,
        ts,
        &format!(
            r#"{{"shutdownType":"routine","totalPremiumRequests":2,"totalApiDurationMs":5000,"sessionStartTime":{start_ms},"codeChanges":{{"linesAdded":1,"linesRemoved":0,"filesModified":[]}},"modelMetrics":{{{}}},"currentModel":"claude-sonnet-4.6"}}"#,
            metrics.join(",")
        ),
    )
}

const EVENTS: &str = "home/session-state/sess-1/events.jsonl";
/// 2026-07-01T12:00:00Z
const T12: i64 = 1_782_907_200_000;

#[test]
fn each_shutdown_is_its_own_run_and_input_excludes_cache() {
    let mut f = Fixture::new();
    let log = [
        start("e1", "2026-07-01T12:00:00.000Z", "sess-1"),
        event(
            "user.message",
            "e2",
            "2026-07-01T12:00:01.000Z",
            r#"{"content":"add tests","transformedContent":"add tests"}"#,
        ),
        event(
            "tool.execution_start",
            "e3",
            "2026-07-01T12:00:02.000Z",
            r#"{"toolCallId":"tc-1","toolName":"bash","arguments":{"command":"cargo test"}}"#,
        ),
        event(
            "tool.execution_complete",
            "e4",
            "2026-07-01T12:00:03.000Z",
            r#"{"toolCallId":"tc-1","success":true,"result":{"content":"ok"}}"#,
        ),
        // Per-message output counts and checkpoints are progress, not usage.
        event(
            "assistant.message",
            "e5",
            "2026-07-01T12:00:04.000Z",
            r#"{"messageId":"m-1","content":"done","outputTokens":929}"#,
        ),
        event(
            "session.usage_checkpoint",
            "e6",
            "2026-07-01T12:00:05.000Z",
            r#"{"totalNanoAiu":27353260000}"#,
        ),
        shutdown(
            "e7",
            "2026-07-01T12:10:00.000Z",
            T12,
            &[
                ("claude-sonnet-4.6", [10_000, 500, 8_000, 1_000, 200]),
                ("gemini-2.5-pro", [3_000, 100, 2_000, 0, 50]),
            ],
        ),
        // Resumed later: this run's own counts, not a running total.
        start("e8", "2026-07-02T09:00:00.000Z", "sess-1"),
        shutdown(
            "e9",
            "2026-07-02T09:30:00.000Z",
            T12 + 75_600_000,
            &[("claude-sonnet-4.6", [4_000, 300, 3_000, 0, 0])],
        ),
    ]
    .concat();
    f.write(EVENTS, &log);
    let r = f.ingest(Harness::CopilotCli, "home");
    assert_eq!(r.lines_skipped, 0);
    // input: 10000-8000-1000 + 3000-2000 + 4000-3000; output: Claude reasoning inside (500),
    // Gemini reasoning beside (100 + 50), 300.
    assert_eq!(
        f.totals(Harness::CopilotCli),
        (
            3,
            1_000 + 1_000 + 1_000,
            500 + 150 + 300,
            200 + 50,
            13_000,
            1_000
        )
    );
    assert_eq!(f.count("user_turns", Harness::CopilotCli), 2);
    assert_eq!(f.prompts(Harness::CopilotCli, "sess-1"), ["add tests"]);
    assert!(f.tool_calls(Harness::CopilotCli).contains("cargo test"));
    // Premium requests (`requests.cost`, 1 per model here) at $0.04.
    assert!((f.reported_cost(Harness::CopilotCli) - 0.12).abs() < 1e-9);
    assert_eq!(
        f.session(Harness::CopilotCli, "sess-1", "project")
            .as_deref(),
        Some("/work/app")
    );
    assert_eq!(
        f.session(Harness::CopilotCli, "sess-1", "branch")
            .as_deref(),
        Some("main")
    );
}

#[test]
fn a_crashed_run_without_shutdown_is_not_counted() {
    let mut f = Fixture::new();
    let log = [
        shutdown(
            "e1",
            "2026-07-01T12:10:00.000Z",
            T12,
            &[("gpt-5.4", [1_000, 100, 0, 0, 40])],
        ),
        start("e2", "2026-07-01T13:00:00.000Z", "sess-1"),
        event(
            "assistant.message",
            "e3",
            "2026-07-01T13:00:04.000Z",
            r#"{"messageId":"m-2","outputTokens":77}"#,
        ),
    ]
    .concat();
    let torn =
        r#"{"type":"session.shutdown","data":{"modelMetrics":{"gpt-5.4":{"usage":{"inputTok"#;
    let p = f.write(EVENTS, &(log + torn));
    age(&p);
    let r = f.ingest(Harness::CopilotCli, "home");
    assert_eq!(
        r.lines_skipped, 1,
        "the torn line is read once idle and skipped"
    );
    // GPT reasoning is inside its output.
    assert_eq!(f.totals(Harness::CopilotCli), (1, 1_000, 100, 40, 0, 0));
}

fn store(f: &Fixture) -> rusqlite::Connection {
    let path = f.path("home/session-store.db");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, cwd TEXT, repository TEXT,
            host_type TEXT, branch TEXT, summary TEXT, created_at TEXT, updated_at TEXT);
         CREATE TABLE IF NOT EXISTS assistant_usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT, turn_index INTEGER, model TEXT, copilot_usage_model TEXT,
            input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
            cache_write_tokens INTEGER, reasoning_tokens INTEGER, total_nano_aiu INTEGER,
            duration_ms INTEGER, created_at TEXT);",
    )
    .unwrap();
    conn
}

fn insert(
    conn: &rusqlite::Connection,
    session: &str,
    model: &str,
    usage_model: Option<&str>,
    c: [i64; 5],
    at: &str,
) {
    conn.execute(
        "INSERT INTO assistant_usage_events (session_id, turn_index, model, copilot_usage_model,
            input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
            total_nano_aiu, duration_ms, created_at)
         VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 556570000, 1234, ?9)",
        rusqlite::params![
            session,
            model,
            usage_model,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            at
        ],
    )
    .unwrap();
}

#[test]
fn the_store_is_read_per_call_with_a_keyset_cursor() {
    let mut f = Fixture::new();
    let db = store(&f);
    db.execute(
        "INSERT INTO sessions (id, cwd, branch, created_at) VALUES ('sess-2', '/work/lib', 'dev', '2026-07-01 12:00:00')",
        [],
    )
    .unwrap();
    insert(
        &db,
        "sess-2",
        "auto",
        Some("claude-sonnet-4.5"),
        [21_343, 100, 0, 20_974, 0],
        "2026-07-01 12:34:56",
    );
    insert(
        &db,
        "sess-2",
        "gpt-5.4-mini",
        None,
        [0, 0, 0, 0, 0],
        "2026-07-01 12:35:00",
    );
    f.ingest(Harness::CopilotCli, "home");
    assert_eq!(f.totals(Harness::CopilotCli), (1, 369, 100, 0, 0, 20_974));
    // 556,570,000 nano AI units: $0.0055657.
    assert!((f.reported_cost(Harness::CopilotCli) - 0.0055657).abs() < 1e-12);
    assert_eq!(
        f.turns(Harness::CopilotCli)[0].1,
        "claude-sonnet-4.5",
        "the model behind auto"
    );
    assert_eq!(
        f.session(Harness::CopilotCli, "sess-2", "project")
            .as_deref(),
        Some("/work/lib")
    );
    // The all-zero row is filled in place later; a new row is appended.
    db.execute(
        "UPDATE assistant_usage_events SET input_tokens = 50, output_tokens = 5 WHERE id = 2",
        [],
    )
    .unwrap();
    insert(
        &db,
        "sess-2",
        "gpt-5.4-mini",
        None,
        [70, 7, 20, 0, 3],
        "2026-07-01 12:36:00",
    );
    f.ingest(Harness::CopilotCli, "home");
    assert_eq!(
        f.totals(Harness::CopilotCli),
        (3, 369 + 50 + 50, 112, 3, 20, 20_974)
    );
    // Nothing changed: nothing read.
    let r = f.ingest(Harness::CopilotCli, "home");
    assert_eq!((r.files_changed, r.turns_added), (0, 0));
}

#[test]
fn a_session_in_both_sources_is_counted_once() {
    let mut f = Fixture::new();
    let db = store(&f);
    // The second run's calls are in the store; the first run predates the store.
    insert(
        &db,
        "sess-1",
        "claude-sonnet-4.6",
        None,
        [4_000, 300, 3_000, 0, 0],
        "2026-07-02 09:10:00",
    );
    let log = [
        shutdown(
            "e7",
            "2026-07-01T12:10:00.000Z",
            T12,
            &[("claude-sonnet-4.6", [10_000, 500, 8_000, 1_000, 0])],
        ),
        shutdown(
            "e9",
            "2026-07-02T09:30:00.000Z",
            T12 + 75_600_000,
            &[("claude-sonnet-4.6", [4_000, 300, 3_000, 0, 0])],
        ),
    ]
    .concat();
    f.write(EVENTS, &log);
    f.ingest(Harness::CopilotCli, "home");
    assert_eq!(
        f.totals(Harness::CopilotCli),
        (2, 1_000 + 1_000, 800, 0, 11_000, 1_000)
    );
}

#[test]
fn reported_cost_converts_ai_units_and_premium_requests() {
    assert_eq!(reported_cost_usd(556_570_000, None), Some(0.0055657));
    assert_eq!(reported_cost_usd(0, Some(3.0)), Some(0.12));
    assert_eq!(reported_cost_usd(0, Some(0.0)), None);
}
