//! Kimi scenario tests. Fixture shapes follow the harnesses' own code:
//! - Kimi CLI (MoonshotAI/kimi-cli): `src/kimi_cli/wire/file.py` (the `{"type":"metadata",
//!   "protocol_version"}` header, then `{"timestamp": <unix s>, "message": <envelope>}` lines),
//!   `src/kimi_cli/wire/types.py` (`StatusUpdate{token_usage, message_id, …}`, `TurnBegin`,
//!   `SubagentEvent{parent_tool_call_id, agent_id, subagent_type, event}`),
//!   `packages/kosong/src/kosong/chat_provider/__init__.py` (`TokenUsage{input_other, output,
//!   input_cache_read, input_cache_creation}`), `src/kimi_cli/subagents/store.py`
//!   (`<session>/subagents/<agent_id>/wire.jsonl`), `src/kimi_cli/session_fork.py` (a fork copies
//!   the source's wire lines into a new session directory).
//! - Kimi Code: junhoyeo/tokscale `crates/tokscale-core/src/sessions/kimi.rs`
//!   (`<home>/sessions/<workspace>/<session>/agents/<agent>/wire.jsonl`, `usage.record` with
//!   `usageScope`, `llm.request` with the concrete model, `workspaces.json`).

use super::*;
use crate::harness::support_tests::{age, Fixture};

const HEADER: &str = "{\"type\": \"metadata\", \"protocol_version\": \"1.3\"}\n";

/// A `StatusUpdate` as Kimi CLI dumps it (every field, `null` when unchanged).
fn status(ts: f64, id: Option<&str>, usage: Option<(i64, i64, i64, i64)>) -> String {
    let usage = usage.map_or("null".to_string(), |(i, o, r, c)| {
        format!(
            r#"{{"input_other": {i}, "output": {o}, "input_cache_read": {r}, "input_cache_creation": {c}}}"#
        )
    });
    let id = id.map_or("null".to_string(), |i| format!("\"{i}\""));
    format!(
        r#"{{"timestamp": {ts}, "message": {{"type": "StatusUpdate", "payload": {{"context_usage": 0.12, "context_tokens": 1200, "max_context_tokens": 262144, "token_usage": {usage}, "message_id": {id}, "plan_mode": null, "mcp_status": null}}}}}}"#
    ) + "\n"
}

fn turn_begin(ts: f64, text: &str) -> String {
    format!(
        r#"{{"timestamp": {ts}, "message": {{"type": "TurnBegin", "payload": {{"user_input": [{{"type": "text", "text": "{text}"}}]}}}}}}"#
    ) + "\n"
}

fn tool_call(ts: f64, id: &str, command: &str) -> String {
    format!(
        r#"{{"timestamp": {ts}, "message": {{"type": "ToolCall", "payload": {{"type": "function", "id": "{id}", "function": {{"name": "Shell", "arguments": "{{\"command\": \"{command}\"}}"}}, "extras": null}}}}}}"#
    ) + "\n"
}

fn subagent_event(ts: f64, inner: &str) -> String {
    format!(
        r#"{{"timestamp": {ts}, "message": {{"type": "SubagentEvent", "payload": {{"parent_tool_call_id": "call-agent", "agent_id": "a1b2", "subagent_type": "coder", "event": {inner}}}}}}}"#
    ) + "\n"
}

const T0: f64 = 1_781_000_000.5; // 2026-06-09, after the K2.6 switch

#[test]
fn repeated_status_updates_keep_the_largest_and_null_usage_is_no_call() {
    let mut f = Fixture::new();
    let log = [
        HEADER.to_string(),
        turn_begin(T0, "fix the build"),
        status(T0 + 1.0, None, None),
        tool_call(T0 + 1.5, "call-1", "cargo build"),
        status(T0 + 2.0, Some("chatcmpl-1"), Some((100, 5, 900, 0))),
        status(T0 + 3.0, Some("chatcmpl-1"), Some((100, 40, 900, 0))),
        status(T0 + 4.0, Some("chatcmpl-1"), Some((100, 20, 900, 0))), // a stale repeat
        status(T0 + 5.0, Some("chatcmpl-2"), Some((50, 10, 1000, 30))),
    ]
    .concat();
    f.write("home/sessions/g1/s1/wire.jsonl", &log);
    let r = f.ingest(Harness::KimiCli, "home");
    assert_eq!(r.lines_skipped, 0);
    assert_eq!(
        f.totals(Harness::KimiCli),
        (2, 150, 50, 0, 1900, 30),
        "the largest record of chatcmpl-1 (40 output), once"
    );
    assert_eq!(f.count("user_turns", Harness::KimiCli), 1);
    assert_eq!(f.prompts(Harness::KimiCli, "s1"), ["fix the build"]);
    assert!(f.tool_calls(Harness::KimiCli).contains("cargo build"));
    // kimi-for-coding after 2026-04-20T15:28Z is Kimi K2.6.
    assert!(f.turns(Harness::KimiCli).iter().all(|t| t.1 == "kimi-k2.6"));
}

#[test]
fn subagent_calls_count_once_under_their_parent() {
    let mut f = Fixture::new();
    let inner = r#"{"type": "StatusUpdate", "payload": {"token_usage": {"input_other": 7, "output": 3, "input_cache_read": 0, "input_cache_creation": 0}, "message_id": "chatcmpl-sub"}}"#;
    let parent = [
        HEADER.to_string(),
        status(T0, Some("chatcmpl-p"), Some((10, 1, 0, 0))),
        subagent_event(T0 + 1.0, inner),
    ]
    .concat();
    f.write("home/sessions/g1/s1/wire.jsonl", &parent);
    let child = [
        HEADER.to_string(),
        status(T0 + 1.0, Some("chatcmpl-sub"), Some((7, 3, 0, 0))),
    ]
    .concat();
    f.write("home/sessions/g1/s1/subagents/a1b2/wire.jsonl", &child);
    f.ingest(Harness::KimiCli, "home");
    assert_eq!(f.totals(Harness::KimiCli), (2, 17, 4, 0, 0, 0));
    assert_eq!(
        f.session(Harness::KimiCli, "s1/a1b2", "parent_session_id")
            .as_deref(),
        Some("s1")
    );
    assert_eq!(
        f.session(Harness::KimiCli, "s1/a1b2", "relationship")
            .as_deref(),
        Some("subagent")
    );
}

#[test]
fn a_fork_copy_does_not_bill_the_copied_calls_again() {
    let mut f = Fixture::new();
    let source = [
        HEADER.to_string(),
        turn_begin(T0, "hi"),
        status(T0 + 1.0, Some("chatcmpl-a"), Some((100, 10, 0, 0))),
    ]
    .concat();
    f.write("home/sessions/g1/src/wire.jsonl", &source);
    // `/fork` writes the copied lines, then the fork's own calls.
    let fork = source.clone() + &status(T0 + 60.0, Some("chatcmpl-b"), Some((5, 1, 0, 0)));
    f.write("home/sessions/g1/fork/wire.jsonl", &fork);
    f.write(
        "home/sessions/g1/fork/state.json",
        &format!(
            r#"{{"custom_title": "Fork: hi", "title_generated": true, "wire_mtime": {}}}"#,
            T0 + 30.0
        ),
    );
    f.ingest(Harness::KimiCli, "home");
    assert_eq!(f.totals(Harness::KimiCli), (2, 105, 11, 0, 0, 0));
    // The copied call stays the source's, whichever file is read first; so does its prompt.
    let turns = f.turns(Harness::KimiCli);
    assert_eq!(turns[0].0, "fork");
    assert_eq!((turns[1].0.as_str(), turns[1].2), ("src", 100));
    assert_eq!(f.count("user_turns", Harness::KimiCli), 1);
}

#[test]
fn kimi_code_counts_turn_scoped_usage_records_only() {
    let mut f = Fixture::new();
    let agent = "home/sessions/ws-1/sess-9/agents/main/wire.jsonl";
    let log = [
        r#"{"type":"llm.request","model":"kimi-code/kimi-k2.6","time":1781000000000}"#,
        r#"{"type":"usage.record","usage":{"inputOther":120,"output":30,"inputCacheRead":2000,"inputCacheCreation":0},"usageScope":"turn","model":"__kimi_env_model__","time":1781000001000}"#,
        r#"{"type":"step.end","usage":{"inputOther":120,"output":30,"inputCacheRead":2000,"inputCacheCreation":0},"time":1781000001001}"#,
        r#"{"type":"usage.record","usage":{"inputOther":120,"output":30,"inputCacheRead":2000,"inputCacheCreation":0},"usageScope":"session","time":1781000001002}"#,
        r#"{"type":"usage.record","usage":{"inputOther":9,"output":1},"time":1781000001003}"#,
        "",
    ]
    .join("\n");
    f.write(agent, &log);
    f.write(
        "home/workspaces.json",
        r#"{"version":1,"workspaces":{"ws-1":{"root":"/work/app","name":"app"}}}"#,
    );
    f.ingest(Harness::KimiCli, "home");
    assert_eq!(f.totals(Harness::KimiCli), (1, 120, 30, 0, 2000, 0));
    let turns = f.turns(Harness::KimiCli);
    assert_eq!(turns[0].0, "sess-9");
    assert_eq!(
        turns[0].1, "kimi-k2.6",
        "the concrete model of the llm.request"
    );
    assert_eq!(
        f.session(Harness::KimiCli, "sess-9", "project").as_deref(),
        Some("/work/app")
    );
}

#[test]
fn a_partial_last_line_waits_and_resumed_passes_equal_one_pass() {
    let mut f = Fixture::new();
    let rel = "home/sessions/g1/s1/wire.jsonl";
    let full = status(T0 + 2.0, Some("chatcmpl-2"), Some((30, 3, 0, 0)));
    let (head, tail) = full.split_at(40);
    f.write(
        rel,
        &[
            HEADER.to_string(),
            status(T0, Some("chatcmpl-1"), Some((10, 1, 0, 0))),
            head.to_string(),
        ]
        .concat(),
    );
    f.ingest(Harness::KimiCli, "home");
    assert_eq!(f.totals(Harness::KimiCli), (1, 10, 1, 0, 0, 0));
    f.append(rel, tail);
    f.append(
        rel,
        &status(T0 + 3.0, Some("chatcmpl-2"), Some((30, 9, 0, 0))),
    );
    let r = f.ingest(Harness::KimiCli, "home");
    assert_eq!(r.lines_skipped, 0);
    assert_eq!(f.totals(Harness::KimiCli), (2, 40, 10, 0, 0, 0));

    // The same file read in one pass gives the same sums.
    let mut g = Fixture::new();
    let text = std::fs::read_to_string(f.path(rel)).unwrap();
    g.write(rel, &text);
    g.ingest(Harness::KimiCli, "home");
    assert_eq!(g.totals(Harness::KimiCli), f.totals(Harness::KimiCli));
}

#[test]
fn bad_lines_are_skipped_and_counted() {
    let mut f = Fixture::new();
    let rel = "home/sessions/g1/s1/wire.jsonl";
    let log = [
        HEADER.to_string(),
        "{\"timestamp\": 1, \"message\": {\"type\": \"StatusUpdate\", \"payload\": [\n".into(),
        "not json at all\n".into(),
        status(T0, Some("chatcmpl-1"), Some((10, 1, 0, 0))),
        "{\"timestamp\": 1, \"message\": {\"type\": \"StatusUpd".into(),
    ]
    .concat();
    let p = f.write(rel, &log);
    age(&p);
    let r = f.ingest(Harness::KimiCli, "home");
    assert_eq!(r.lines_skipped, 3, "{:?}", r.errors);
    assert_eq!(f.totals(Harness::KimiCli), (1, 10, 1, 0, 0, 0));
}
