//! Cline-family task files shaped as the extensions write them. Checked against
//! cline/cline `src/shared/ExtensionMessage.ts` (`ClineMessage{ts, type, say, text, partial,
//! conversationHistoryIndex, modelInfo}`, `ClineApiReqInfo{request, tokensIn, tokensOut,
//! cacheWrites, cacheReads, cost, cancelReason, streamingFailedMessage}`, `say` values
//! `api_req_started`, `deleted_api_reqs`, `subagent_usage`), cline/cline
//! `src/shared/getApiMetrics.ts` (request and deleted-request entries are what the extension
//! sums), RooCodeInc/Roo-Code `src/shared/cost.ts` (`tokensIn` = the total prompt, cache
//! included, for both protocols; `apiProtocol`) and Kilo-Org/kilocode's `ClineApiReqInfo`
//! (`usageMissing`, `inferenceProvider`). The API history's `<environment_details>` with
//! `<model>` is as junhoyeo/tokscale `crates/tokscale-core/src/sessions/roocode.rs` reads it.

use super::*;

/// One `api_req_started` entry; `info` is the JSON the extension stores in `text`.
pub(crate) fn req(ts: i64, info: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "ts": ts,
        "type": "say",
        "say": "api_req_started",
        "text": info.to_string(),
        "conversationHistoryIndex": 1
    })
}

/// A finished request's info as Cline writes it (Anthropic counts: cache apart).
pub(crate) fn done(tokens_in: i64, out: i64, cw: i64, cr: i64, cost: f64) -> serde_json::Value {
    serde_json::json!({
        "request": "<task>\nfix the bug\n</task>",
        "tokensIn": tokens_in,
        "tokensOut": out,
        "cacheWrites": cw,
        "cacheReads": cr,
        "cost": cost
    })
}

pub(crate) fn say(ts: i64, say: &str, text: &str) -> serde_json::Value {
    serde_json::json!({"ts": ts, "type": "say", "say": say, "text": text})
}

/// An API history naming `model` in the environment details of its prompt (Roo Code).
pub(crate) fn roo_history(ts: i64, model: &str) -> String {
    serde_json::json!([
        {"role": "user", "ts": ts, "content": [
            {"type": "text", "text": "<task>fix the bug</task>"},
            {"type": "text", "text": format!("<environment_details>\n# Current Workspace Directory (/w/app) Files\nsrc/\n# Current Mode\n<slug>code</slug>\n<name>Code</name>\n<model>{model}</model>\n</environment_details>")}
        ]},
        {"role": "assistant", "ts": ts + 900, "content": [{"type": "text", "text": "Done."}]}
    ])
    .to_string()
}

fn read(h: Harness, doc: &serde_json::Value, history: &str, state: &mut TaskState) -> Records {
    let mut out = Records::default();
    let history = TaskHistory::parse(history);
    task_records(
        h,
        "1767225600000",
        &doc.to_string(),
        &history,
        &Capture::default(),
        state,
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn requests_are_turns_with_the_prompt_split_by_protocol() {
    let doc = serde_json::json!([
        say(1767225600000, "task", "fix the bug"),
        // Anthropic counts (older Cline): tokensIn excludes the cache parts.
        req(1767225601000, done(3, 200, 15000, 0, 0.06)),
        // Roo Code: the inclusive total under the anthropic protocol too.
        req(
            1767225602000,
            serde_json::json!({"tokensIn": 16100, "tokensOut": 50, "cacheWrites": 100,
            "cacheReads": 15000, "cost": 0.01, "apiProtocol": "anthropic"})
        ),
        // OpenAI-compatible: inclusive.
        req(
            1767225603000,
            serde_json::json!({"tokensIn": 900, "tokensOut": 10, "cacheWrites": 0,
            "cacheReads": 800, "cost": 0.001, "apiProtocol": "openai", "reasoningTokens": 5})
        ),
        say(1767225604000, "text", "Fixed."),
    ]);
    let out = read(
        Harness::RooCode,
        &doc,
        &roo_history(1767225600500, "claude-sonnet-4-5"),
        &mut TaskState::default(),
    );
    let u: Vec<[i64; 5]> = out
        .turns
        .iter()
        .map(|t| {
            [
                t.usage.input,
                t.usage.output,
                t.usage.cache_write_5m,
                t.usage.cache_read,
                t.usage.reasoning,
            ]
        })
        .collect();
    assert_eq!(
        u,
        [
            [3, 200, 15000, 0, 0],
            [1000, 50, 100, 15000, 0],
            [100, 15, 0, 800, 5]
        ]
    );
    assert_eq!(out.turns[0].key, "roo-code|1767225600000|1767225601000");
    assert_eq!(out.turns[0].model, "claude-sonnet-4-5");
    assert_eq!(
        out.turns[0].reported_cost_usd,
        Some(0.06),
        "the extension's own cost"
    );
    assert_eq!(out.turns[0].project.as_deref(), Some("/w/app"));
    assert_eq!(out.user_turns.len(), 1);
}

#[test]
fn in_flight_placeholders_are_no_calls_and_a_cancelled_request_is_billed() {
    let doc = serde_json::json!([
        req(
            1767225601000,
            serde_json::json!({"request": "<task>x</task>"})
        ),
        say(1767225602000, "api_req_started", "{}"),
        req(
            1767225603000,
            serde_json::json!({"request": "y", "tokensIn": 10, "tokensOut": 4,
            "cacheWrites": 0, "cacheReads": 0, "cost": 0.0001, "cancelReason": "user_cancelled",
            "streamingFailedMessage": "aborted"})
        ),
        say(1767225604000, "api_req_started", "not json"),
        serde_json::json!({"ts": "x", "type": 5}),
    ]);
    let out = read(Harness::Cline, &doc, "", &mut TaskState::default());
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].stop_reason.as_deref(), Some("user_cancelled"));
    assert_eq!(
        out.lines_skipped, 2,
        "the unreadable text and the malformed entry"
    );
}

#[test]
fn a_request_filled_in_by_a_rewrite_keeps_its_key() {
    let mut state = TaskState::default();
    let first = serde_json::json!([req(1767225601000, serde_json::json!({"request": "x"}))]);
    assert!(read(Harness::Cline, &first, "", &mut state)
        .turns
        .is_empty());
    let second = serde_json::json!([req(1767225601000, done(5, 6, 7, 8, 0.1))]);
    let out = read(Harness::Cline, &second, "", &mut state);
    assert_eq!(out.turns[0].key, "cline|1767225600000|1767225601000");
    assert_eq!(out.turns[0].usage.total(), 26);
}

#[test]
fn entries_sharing_a_ts_are_told_apart_and_exact_copies_are_one() {
    let doc = serde_json::json!([
        req(1767225601000, done(1, 1, 0, 0, 0.0)),
        req(1767225601000, done(1, 1, 0, 0, 0.0)),
        req(1767225601000, done(2, 2, 0, 0, 0.0)),
    ]);
    let out = read(Harness::KiloCode, &doc, "", &mut TaskState::default());
    let keys: Vec<&str> = out.turns.iter().map(|t| t.message_id.as_str()).collect();
    assert_eq!(keys, ["1767225601000", "1767225601000#1"]);
}

#[test]
fn a_checkpoint_restore_aggregate_counts_only_what_was_not_counted() {
    // Three requests read; a restore deletes the last two and writes their sum (plus a fourth
    // request made and deleted between two reads) as `deleted_api_reqs`.
    let mut state = TaskState::default();
    let before = serde_json::json!([
        req(1767225601000, done(10, 10, 0, 0, 0.125)),
        req(1767225602000, done(20, 20, 0, 0, 0.25)),
        req(1767225603000, done(30, 30, 0, 0, 0.5)),
    ]);
    assert_eq!(read(Harness::Cline, &before, "", &mut state).turns.len(), 3);
    let after = serde_json::json!([
        req(1767225601000, done(10, 10, 0, 0, 0.0)),
        say(
            1767225609000,
            "deleted_api_reqs",
            &done(54, 54, 0, 0, 0.0).to_string()
        ),
    ]);
    let out = read(Harness::Cline, &after, "", &mut state);
    let agg: Vec<&TurnRecord> = out
        .turns
        .iter()
        .filter(|t| t.message_id.starts_with("deleted@"))
        .collect();
    assert_eq!(agg.len(), 1);
    assert_eq!(
        (agg[0].usage.input, agg[0].usage.output),
        (4, 4),
        "only the unseen request"
    );
    // Read again: the same remainder, never the whole sum.
    let again = read(Harness::Cline, &after, "", &mut state);
    let agg: Vec<i64> = again
        .turns
        .iter()
        .filter(|t| t.message_id.starts_with("deleted@"))
        .map(|t| t.usage.total())
        .collect();
    assert_eq!(agg, [8]);
    // A cold read of the same file counts the whole aggregate (nothing else holds it).
    let cold = read(Harness::Cline, &after, "", &mut TaskState::default());
    let total: i64 = cold.turns.iter().map(|t| t.usage.total()).sum();
    assert_eq!(total, 20 + 108);
}

#[test]
fn model_from_the_entry_else_the_history_nearest_in_time() {
    let mut own = req(1767225601000, done(1, 1, 0, 0, 0.0));
    own["modelInfo"] =
        serde_json::json!({"providerId": "anthropic", "modelId": "claude-opus-4-5", "mode": "act"});
    let history = serde_json::json!([
        {"role": "user", "content": [{"type": "text", "text": "<task>go</task>"}]},
        {"role": "assistant", "ts": 1767225602500i64, "modelInfo": {"modelId": "gpt-5", "providerId": "openai"},
         "content": [{"type": "text", "text": "ok"}], "metrics": {"tokens": {"prompt": 1, "completion": 1, "cached": 0}, "cost": 0.0}},
        {"role": "assistant", "ts": 1767225609500i64, "modelInfo": {"modelId": "gpt-5-mini", "providerId": "openai"},
         "content": [{"type": "text", "text": "ok"}]}
    ])
    .to_string();
    let doc = serde_json::json!([
        own,
        req(1767225602000, done(1, 1, 0, 0, 0.0)),
        req(1767225609000, done(1, 1, 0, 0, 0.0))
    ]);
    let out = read(Harness::Cline, &doc, &history, &mut TaskState::default());
    let models: Vec<&str> = out.turns.iter().map(|t| t.model.as_str()).collect();
    assert_eq!(models, ["claude-opus-4-5", "gpt-5", "gpt-5-mini"]);
    assert_eq!(out.turns[0].provider.as_deref(), Some("anthropic"));
}

#[test]
fn subagent_usage_is_one_turn() {
    let doc = serde_json::json!([
        req(1767225601000, done(1, 1, 0, 0, 0.0)),
        say(
            1767225605000,
            "subagent_usage",
            &serde_json::json!({"source": "subagents", "tokensIn": 500,
            "tokensOut": 60, "cacheWrites": 0, "cacheReads": 0, "cost": 0.01})
            .to_string()
        ),
    ]);
    let out = read(Harness::Cline, &doc, "", &mut TaskState::default());
    assert_eq!(out.turns.len(), 2);
    assert_eq!(out.turns[1].message_id, "subagents@1767225605000");
    assert_eq!(out.turns[1].usage.total(), 560);
}

#[test]
fn roo_code_history_item_gives_the_parent_task_and_workspace() {
    // RooCodeInc/Roo-Code `src/core/task-persistence/TaskHistoryStore.ts` writes each task's
    // `history_item.json` (`packages/types` `historyItemSchema`: id, rootTaskId, parentTaskId,
    // ts, task, tokensIn, tokensOut, totalCost, workspace, mode).
    let mut history = TaskHistory::parse(&roo_history(1767225600500, "claude-sonnet-4-5"));
    history.add_history_item(
        &serde_json::json!({"id": "1767225600000", "rootTaskId": "1767225000000",
            "parentTaskId": "1767225000000", "number": 2, "ts": 1767225600000i64,
            "task": "write the tests", "tokensIn": 99999, "tokensOut": 99999, "totalCost": 9.0,
            "workspace": "/w/other", "mode": "code", "status": "completed"})
        .to_string(),
    );
    let doc = serde_json::json!([req(1767225601000, done(1, 2, 3, 4, 0.0))]);
    let mut out = Records::default();
    task_records(
        Harness::RooCode,
        "1767225600000",
        &doc.to_string(),
        &history,
        &Capture::default(),
        &mut TaskState::default(),
        &mut out,
    )
    .unwrap();
    let s = &out.sessions[0];
    assert_eq!(
        s.parent.as_ref().map(|p| (p.0.as_str(), p.1)),
        Some(("1767225000000", Relationship::Subagent))
    );
    assert_eq!(s.project.as_deref(), Some("/w/other"));
    assert_eq!(s.title.as_deref(), Some("write the tests"));
    assert_eq!(out.turns.len(), 1, "the item's totals are not usage");
    assert_eq!(out.turns[0].usage.total(), 10);
}
