//! Amp thread documents shaped as Amp writes them. Field names and nesting checked against
//! ccusage/ccusage `rust/crates/ccusage/src/adapter/amp/parser.rs` and its `README.md`
//! (`messages[].usage{model, timestamp, inputTokens, outputTokens, cacheCreationInputTokens,
//! cacheReadInputTokens, totalInputTokens}`, legacy `usageLedger.events[]{id, timestamp,
//! model, credits, tokens{input, output}, toMessageId}`) and junhoyeo/tokscale
//! `crates/tokscale-core/src/sessions/amp.rs` (`messageId`, `created`, ledger events without
//! `toMessageId` matched by usage).

use super::*;

/// An assistant message with usage (Amp's current schema).
pub(crate) fn assistant(id: i64, ts: &str, model: &str, counts: [i64; 4]) -> serde_json::Value {
    let [input, output, cw, cr] = counts;
    serde_json::json!({
        "role": "assistant",
        "messageId": id,
        "content": [
            {"type": "thinking", "thinking": "plan"},
            {"type": "text", "text": "Reading the file."},
            {"type": "tool_use", "id": format!("toolu_{id}"), "name": "Read", "input": {"path": "/w/src/main.rs"}}
        ],
        "state": {"type": "complete", "stopReason": "tool_use"},
        "usage": {
            "model": model,
            "maxInputTokens": 168000,
            "inputTokens": input,
            "outputTokens": output,
            "cacheCreationInputTokens": cw,
            "cacheReadInputTokens": cr,
            "totalInputTokens": input + cw + cr,
            "timestamp": ts
        }
    })
}

pub(crate) fn user(id: i64, text: &str, sent_at: i64) -> serde_json::Value {
    serde_json::json!({
        "role": "user",
        "messageId": id,
        "content": [{"type": "text", "text": text}],
        "meta": {"sentAt": sent_at}
    })
}

pub(crate) fn thread(id: &str, messages: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "v": 42,
        "id": id,
        "created": 1767225600000i64,
        "title": "Fix the parser",
        "messages": messages,
        "env": {"initial": {"trees": [{"displayName": "w", "uri": "file:///w"}]}}
    })
}

fn read(doc: &serde_json::Value) -> Records {
    let mut out = Records::default();
    let mut state = AmpState::default();
    thread_records(
        &doc.to_string(),
        "T-file",
        &Capture::default(),
        &mut state,
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn one_turn_per_assistant_message_with_the_cache_split() {
    let doc = thread(
        "T-abc",
        vec![
            user(0, "fix it", 1767225600000),
            assistant(
                1,
                "2026-01-01T00:00:05.000Z",
                "claude-sonnet-4-5",
                [10, 178, 986, 11372],
            ),
            assistant(
                2,
                "2026-01-01T00:00:09.000Z",
                "claude-sonnet-4-5",
                [5, 42, 0, 12000],
            ),
        ],
    );
    let out = read(&doc);
    assert_eq!(out.turns.len(), 2);
    let t = &out.turns[0];
    assert_eq!(t.key, "amp|T-abc|1");
    assert_eq!(t.session_id, "T-abc");
    assert_eq!(
        (
            t.usage.input,
            t.usage.output,
            t.usage.cache_write_5m,
            t.usage.cache_read
        ),
        (10, 178, 986, 11372)
    );
    assert_eq!(t.ts_ms, 1767225605000);
    assert_eq!(t.project.as_deref(), Some("/w"));
    assert_eq!(t.tool_calls.len(), 1);
    assert_eq!(t.tool_calls[0].target.as_deref(), Some("/w/src/main.rs"));
    assert_eq!(out.user_turns.len(), 1);
    assert_eq!(out.sessions[0].title.as_deref(), Some("Fix the parser"));
}

#[test]
fn ledger_events_describe_the_same_calls_and_orphans_count_once() {
    // An event naming its message (toMessageId), one matched by model and counts, and one
    // whose message was removed by an edit of the thread.
    let mut doc = thread(
        "T-led",
        vec![
            assistant(
                1,
                "2026-01-01T00:00:05.000Z",
                "claude-sonnet-4-5",
                [100, 20, 0, 300],
            ),
            assistant(
                3,
                "2026-01-01T00:01:00.000Z",
                "claude-sonnet-4-5",
                [50, 10, 0, 0],
            ),
        ],
    );
    doc["usageLedger"] = serde_json::json!({"events": [
        {"id": "ev-1", "timestamp": "2026-01-01T00:00:05.000Z", "model": "claude-sonnet-4-5", "credits": 2.5,
         "tokens": {"input": 100, "output": 20}, "operationType": "inference", "fromMessageId": 0, "toMessageId": 1},
        {"id": "ev-2", "timestamp": "2026-01-01T00:00:30.000Z", "model": "claude-sonnet-4-5", "credits": 1.0,
         "tokens": {"input": 70, "output": 7}, "operationType": "inference", "fromMessageId": 1, "toMessageId": 2},
        {"id": "ev-3", "timestamp": "2026-01-01T00:01:00.000Z", "model": "claude-sonnet-4-5", "credits": 0.4,
         "tokens": {"input": 50, "output": 10}}
    ]});
    let out = read(&doc);
    let keys: Vec<&str> = out.turns.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["amp|T-led|1", "amp|T-led|3", "amp|T-led|2"]);
    assert_eq!(
        out.turns[0].usage.cache_read, 300,
        "the message's cache split wins"
    );
    assert_eq!(out.turns[2].usage.input, 70);
    let total: i64 = out.turns.iter().map(|t| t.usage.total()).sum();
    assert_eq!(total, 420 + 60 + 77);
}

#[test]
fn malformed_messages_are_skipped_and_counted() {
    let doc = thread(
        "T-bad",
        vec![
            serde_json::json!({"role": 7, "messageId": "x"}),
            assistant(1, "not a time", "m", [1, 1, 0, 0]),
            assistant(2, "2026-01-01T00:00:05.000Z", "m", [1, 1, 0, 0]),
            serde_json::json!({"role": "assistant", "messageId": 4, "usage": {"model": "m", "inputTokens": 0}}),
        ],
    );
    let out = read(&doc);
    assert_eq!(
        out.turns.len(),
        2,
        "a usage without its own time falls back to the thread's"
    );
    assert_eq!(
        out.lines_skipped, 1,
        "the message whose fields have the wrong types"
    );
    let mut out = Records::default();
    let mut state = AmpState::default();
    assert!(thread_records(
        "{not json",
        "T-x",
        &Capture::default(),
        &mut state,
        &mut out
    )
    .is_err());
}

#[test]
fn a_thread_without_id_is_named_by_its_file() {
    let mut doc = thread(
        "",
        vec![assistant(1, "2026-01-01T00:00:05.000Z", "m", [1, 2, 0, 0])],
    );
    doc.as_object_mut().unwrap().remove("id");
    let out = read(&doc);
    assert_eq!(out.turns[0].session_id, "T-file");
}

#[test]
fn an_event_matched_by_counts_keeps_its_message_key_after_an_edit() {
    let event = serde_json::json!({"id": "ev-9", "timestamp": "2026-01-01T00:00:05.000Z",
        "model": "m", "tokens": {"input": 4, "output": 6}});
    let mut doc = thread(
        "T-e",
        vec![assistant(7, "2026-01-01T00:00:05.000Z", "m", [4, 6, 0, 50])],
    );
    doc["usageLedger"] = serde_json::json!({"events": [event]});
    let mut state = AmpState::default();
    let mut out = Records::default();
    thread_records(
        &doc.to_string(),
        "T-e",
        &Capture::default(),
        &mut state,
        &mut out,
    )
    .unwrap();
    assert_eq!(out.turns[0].key, "amp|T-e|7");
    // The thread is edited: message 7 is gone, its ledger event stays.
    doc["messages"] = serde_json::json!([]);
    let mut out = Records::default();
    thread_records(
        &doc.to_string(),
        "T-e",
        &Capture::default(),
        &mut state,
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.turns[0].key, "amp|T-e|7",
        "the same call, not a second one"
    );
}
