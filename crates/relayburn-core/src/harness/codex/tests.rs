use super::*;
use crate::harness::LogReader;
use crate::scan::LineReader;

const STEM: &str = "rollout-2026-01-01T00-00-00-0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee";

fn reader() -> CodexReader {
    CodexReader::new(
        FileContext {
            file_stem: STEM.into(),
        },
        CodexState::default(),
    )
}

fn run(reader: &mut CodexReader, input: &str) -> Records {
    let mut out = Records::default();
    let mut lines = LineReader::new(input.as_bytes(), 0);
    while let Some(line) = lines.next_line().unwrap() {
        reader.feed(&line, &mut out);
    }
    out
}

/// Resumes a reader from its serialized state, as the next ingest pass would.
fn resumed(r: &CodexReader) -> CodexReader {
    let state: CodexState = serde_json::from_str(&r.state_json()).unwrap();
    CodexReader::new(
        FileContext {
            file_stem: STEM.into(),
        },
        state,
    )
}

fn row(sec: u32, kind: &str, payload: &str) -> String {
    format!(
        r#"{{"timestamp":"2026-01-01T00:{:02}:{:02}.000Z","type":"{kind}","payload":{payload}}}"#,
        sec / 60,
        sec % 60
    ) + "\n"
}

fn meta(sec: u32, id: &str, extra: &str) -> String {
    row(
        sec,
        "session_meta",
        &format!(
            r#"{{"id":"{id}","cwd":"/p","model_provider":"openai","git":{{"branch":"main"}}{extra}}}"#
        ),
    )
}

fn ctx(sec: u32, turn: Option<&str>, model: &str) -> String {
    let turn = turn.map_or(String::new(), |t| format!(r#""turn_id":"{t}","#));
    row(
        sec,
        "turn_context",
        &format!(r#"{{{turn}"cwd":"/p","model":"{model}"}}"#),
    )
}

fn started(sec: u32, turn: &str) -> String {
    row(
        sec,
        "event_msg",
        &format!(r#"{{"type":"task_started","turn_id":"{turn}"}}"#),
    )
}

fn complete(sec: u32, turn: &str) -> String {
    row(
        sec,
        "event_msg",
        &format!(r#"{{"type":"task_complete","turn_id":"{turn}"}}"#),
    )
}

/// A token_count with cumulative totals (input, cached, output, reasoning) and this
/// response's own usage.
fn tokens(sec: u32, total: [i64; 4], last: [i64; 4]) -> String {
    let u = |v: [i64; 4]| {
        format!(
            r#"{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":{},"total_tokens":{}}}"#,
            v[0],
            v[1],
            v[2],
            v[3],
            v[0] + v[2]
        )
    };
    row(
        sec,
        "event_msg",
        &format!(
            r#"{{"type":"token_count","info":{{"total_token_usage":{},"last_token_usage":{},"model_context_window":272000}}}}"#,
            u(total),
            u(last)
        ),
    )
}

fn user(sec: u32, text: &str) -> String {
    row(
        sec,
        "response_item",
        &format!(
            r#"{{"type":"message","role":"user","content":[{{"type":"input_text","text":"{text}"}}]}}"#
        ),
    )
}

fn usage(input: i64, cache_read: i64, output: i64, reasoning: i64) -> Usage {
    Usage {
        input,
        output,
        reasoning,
        cache_read,
        cache_write_5m: 0,
        cache_write_1h: 0,
    }
}

fn sum(turns: &[TurnRecord]) -> Usage {
    turns.iter().fold(Usage::default(), |a, t| Usage {
        input: a.input + t.usage.input,
        output: a.output + t.usage.output,
        reasoning: a.reasoning + t.usage.reasoning,
        cache_read: a.cache_read + t.usage.cache_read,
        cache_write_5m: 0,
        cache_write_1h: 0,
    })
}

#[test]
fn each_token_count_is_one_call_and_re_emits_add_nothing() {
    let mut r = reader();
    let input = meta(0, "s1", "")
        + &ctx(1, Some("t1"), "gpt-5.4")
        + &started(1, "t1")
        + &row(2, "event_msg", r#"{"type":"token_count","info":null}"#)
        + &tokens(3, [3000, 1000, 200, 50], [3000, 1000, 200, 50])
        + &tokens(4, [3000, 1000, 200, 50], [3000, 1000, 200, 50])
        + &tokens(5, [4000, 1500, 300, 60], [1000, 500, 100, 10])
        + &tokens(6, [4000, 1500, 300, 60], [1000, 500, 100, 10])
        + &complete(7, "t1")
        + &ctx(8, Some("t2"), "gpt-5.3-codex")
        + &started(8, "t2")
        + &tokens(9, [9000, 4000, 800, 110], [5000, 2500, 500, 50])
        + &complete(10, "t2");
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 3, "one row per call, re-emits add nothing");
    let (a, b, c) = (&out.turns[0], &out.turns[1], &out.turns[2]);
    assert_eq!(a.usage, usage(2000, 1000, 200, 50));
    assert_eq!(b.usage, usage(500, 500, 100, 10));
    assert_eq!(c.usage, usage(2500, 2500, 500, 50));
    assert_eq!((a.message_id.as_str(), b.message_id.as_str()), ("t1", "t1"));
    assert_eq!(c.message_id, "t2");
    assert_eq!(
        (a.model.as_str(), c.model.as_str()),
        ("gpt-5.4", "gpt-5.3-codex")
    );
    assert_eq!(a.key, "codex|s1|1767225603000|3000.1000.200.50");
    assert_ne!(a.key, b.key);
    assert_eq!(a.session_id, "s1");
    assert_eq!(a.provider.as_deref(), Some("openai"));
    assert_eq!(a.branch.as_deref(), Some("main"));
    assert!(out.turns.iter().all(|t| t.complete));
    assert_eq!(r.pending(), 0);
}

#[test]
fn state_round_trips_mid_task() {
    let mut r = reader();
    let head = meta(0, "s1", "") + &ctx(1, Some("t1"), "m") + &started(1, "t1");
    let out = run(
        &mut r,
        &(head.clone() + &tokens(2, [100, 0, 10, 0], [100, 0, 10, 0])),
    );
    assert_eq!(
        out.turns.len(),
        1,
        "a call is written when its token_count is read"
    );
    let mut r2 = resumed(&r);
    let out2 = run(
        &mut r2,
        &(tokens(3, [300, 50, 30, 5], [200, 50, 20, 5]) + &complete(4, "t1")),
    );
    assert_eq!(out2.turns.len(), 1);
    assert_eq!(out2.turns[0].usage, usage(150, 50, 20, 5));
    assert_eq!(out2.turns[0].model, "m");
    assert_eq!(out2.turns[0].message_id, "t1");
    // Reading the whole file again gives the same keys (idempotent re-reads).
    let mut r3 = reader();
    let all = run(
        &mut r3,
        &(head
            + &tokens(2, [100, 0, 10, 0], [100, 0, 10, 0])
            + &tokens(3, [300, 50, 30, 5], [200, 50, 20, 5])),
    );
    let keys: Vec<&str> = all.turns.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        keys,
        [out.turns[0].key.as_str(), out2.turns[0].key.as_str()]
    );
}

#[test]
fn rollouts_without_turn_ids_still_yield_turns() {
    let mut r = reader();
    let input = meta(0, "s1", "")
        + &user(1, "<environment_context>cwd</environment_context>")
        + &ctx(1, None, "gpt-5-codex")
        + &user(2, "first")
        + &tokens(3, [100, 0, 10, 0], [100, 0, 10, 0])
        + &ctx(4, None, "gpt-5-codex")
        + &user(4, "second")
        + &tokens(5, [250, 100, 30, 0], [150, 100, 20, 0]);
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 2);
    assert_eq!(out.turns[0].usage, usage(100, 0, 10, 0));
    assert_eq!(out.turns[1].usage, usage(50, 100, 20, 0));
    assert_eq!(out.turns[0].message_id, "turn-1");
    assert_eq!(out.turns[1].message_id, "turn-2");
    // User prompts (not the injected environment context) become user turns.
    assert_eq!(out.user_turns.len(), 2);
    assert_eq!(
        out.user_turns[1].preceding_message_id.as_deref(),
        Some("turn-2")
    );
    let title = out.sessions.iter().find_map(|s| s.title.clone());
    assert_eq!(title.as_deref(), Some("first"));
}

/// Counter rules, one case each (learned from junhoyeo/tokscale
/// `crates/tokscale-core/src/sessions/codex.rs` tests `test_token_count_*` and
/// `test_first_event_uses_last_not_total_for_resumed_sessions`, data written here).
#[test]
fn counter_edge_cases() {
    let t = |i, c, o, r| {
        Some(Totals {
            input: i,
            cached: c,
            output: o,
            reasoning: r,
        })
    };
    let base = t(100, 20, 30, 5);
    // Re-emit of the same snapshot: nothing.
    assert_eq!(
        charge(base, base, t(100, 20, 30, 5)),
        (Totals::default(), base)
    );
    // Growth: the call's own usage; without it (or equal to the total) the growth.
    assert_eq!(
        charge(base, t(110, 22, 33, 6), t(10, 2, 3, 1)).0,
        t(10, 2, 3, 1).unwrap()
    );
    assert_eq!(
        charge(base, t(110, 22, 33, 6), None),
        (t(10, 2, 3, 1).unwrap(), t(110, 22, 33, 6))
    );
    assert_eq!(
        charge(base, t(110, 22, 33, 6), t(110, 22, 33, 6)).0,
        t(10, 2, 3, 1).unwrap()
    );
    // A compaction rewrote the total upwards: the call's own usage, not the jump.
    assert_eq!(
        charge(
            t(150_000, 10_000, 20_000, 5_000),
            t(200_000, 15_000, 25_000, 6_000),
            t(50, 5, 10, 2)
        )
        .0,
        t(50, 5, 10, 2).unwrap()
    );
    // Resumed rollout: the first snapshot carries inherited history; charge the call.
    assert_eq!(
        charge(None, t(5000, 500, 800, 100), t(12, 2, 5, 1)),
        (t(12, 2, 5, 1).unwrap(), t(5000, 500, 800, 100))
    );
    // Stale snapshot slightly below: nothing, the baseline stays.
    let high = t(110, 22, 33, 6);
    assert_eq!(
        charge(high, t(109, 21, 32, 6), t(9, 1, 2, 0)),
        (Totals::default(), high)
    );
    // A reset (counter restarted) or a large drop: the call, and a new baseline.
    assert_eq!(
        charge(base, t(10, 2, 3, 1), t(10, 2, 3, 1)),
        (t(10, 2, 3, 1).unwrap(), t(10, 2, 3, 1))
    );
    assert_eq!(
        charge(
            t(10_000, 1000, 400, 50),
            t(7600, 800, 280, 35),
            t(25, 5, 4, 1)
        ),
        (t(25, 5, 4, 1).unwrap(), t(7600, 800, 280, 35))
    );
    // A drop without the call's usage: nothing, new baseline.
    assert_eq!(
        charge(base, t(50, 10, 15, 2), None),
        (Totals::default(), t(50, 10, 15, 2))
    );
    // last_token_usage only: charged, and the baseline moves by it.
    assert_eq!(
        charge(base, None, t(10, 2, 3, 1)),
        (t(10, 2, 3, 1).unwrap(), t(110, 22, 33, 6))
    );
    // An all-zero snapshot (or zero/negative usage) never moves the baseline.
    assert_eq!(
        charge(t(500, 50, 80, 10), t(0, 0, 0, 0), t(0, 0, 0, 0)),
        (Totals::default(), t(500, 50, 80, 10))
    );
}

#[test]
fn counter_edge_cases_in_a_rollout() {
    // A stale snapshot, a zero snapshot, a last-only row and a reset in one file.
    let mut r = reader();
    let last_only = row(
        6,
        "event_msg",
        r#"{"type":"token_count","info":{"last_token_usage":{"input_tokens":-10,"cached_input_tokens":2,"output_tokens":3}}}"#,
    );
    let input = meta(0, "s1", "")
        + &started(1, "t1")
        + &tokens(2, [100, 20, 30, 5], [100, 20, 30, 5])
        + &tokens(3, [110, 22, 33, 6], [10, 2, 3, 1])
        + &tokens(4, [109, 21, 32, 6], [9, 1, 2, 0])
        + &tokens(5, [0, 0, 0, 0], [0, 0, 0, 0])
        + &last_only
        + &tokens(7, [125, 24, 36, 6], [10, 2, 3, 0])
        + &tokens(8, [10, 2, 3, 1], [10, 2, 3, 1])
        + &complete(9, "t1");
    let out = run(&mut r, &input);
    // Calls: 100, +10, (stale), (zero), last-only (negative input read as 0), +10, reset 10.
    assert_eq!(out.turns.len(), 5);
    // Cached input is clamped to the input it is part of.
    assert_eq!(out.turns[2].usage, usage(0, 0, 3, 0));
    assert_eq!(sum(&out.turns), usage(104, 26, 42, 7));
}

#[test]
fn epoch_ms_timestamps_spaced_json_and_late_model() {
    // Learned from ryoppippi/ccusage `rust/crates/ccusage/src/adapter/codex/loader.rs`
    // (numeric timestamp, spaced JSON) and tokscale's
    // `test_token_count_before_turn_context_uses_later_model`.
    let mut r = reader();
    let input = format!(
        "{}{}{}{}",
        r#"{"timestamp":1767312001000,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":10,"output_tokens":50}}}}"#.to_string() + "\n",
        r#"{ "timestamp" : "2026-01-02T00:00:02Z" , "type" : "event_msg" , "payload" : { "type" : "token_count" , "info" : { "total_token_usage" : { "input_tokens" : 200 , "cached_input_tokens" : 20 , "output_tokens" : 75 } } } }"#.to_string() + "\n",
        ctx(5, None, "gpt-5.5"),
        tokens(6, [300, 30, 100, 0], [100, 10, 25, 0]),
    );
    let mut out = run(&mut r, &input);
    let calls: Vec<&TurnRecord> = out.turns.iter().filter(|t| !t.model.is_empty()).collect();
    assert_eq!(
        calls.len(),
        3,
        "the two early calls are written again with the model"
    );
    assert!(calls.iter().all(|t| t.model == "gpt-5.5"));
    assert_eq!(out.turns[0].ts_ms, 1767312001000);
    let mut keys: Vec<String> = out.turns.drain(..).map(|t| t.key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 3);
    assert!(r.state().unmodeled.is_empty());
}

#[test]
fn forked_rollout_does_not_count_the_replayed_parent_history() {
    let mut r = reader();
    // Replay rows rewritten to the fork instant (second 10), then the child's own turn.
    let input = meta(10, "child", r#","forked_from_id":"parent""#)
        + &meta(10, "parent", "")
        + &ctx(10, Some("p1"), "gpt-5")
        + &started(10, "p1")
        + &tokens(10, [5000, 1000, 300, 0], [5000, 1000, 300, 0])
        + &complete(10, "p1")
        // The parent's next turn_context, replayed without a pause: still the replay.
        + &ctx(10, Some("p2"), "gpt-5")
        + &started(10, "p2")
        + &tokens(10, [9000, 4000, 600, 0], [4000, 3000, 300, 0])
        + &complete(10, "p2")
        + &started(40, "c1")
        + &tokens(45, [9500, 4200, 650, 10], [500, 200, 50, 10])
        + &complete(46, "c1");
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].session_id, "child");
    assert_eq!(out.turns[0].message_id, "c1");
    assert_eq!(out.turns[0].usage, usage(300, 200, 50, 10));
    let parent = out.sessions.iter().find_map(|s| s.parent.clone()).unwrap();
    assert_eq!(parent.0, "parent");
    assert_eq!(parent.1, Relationship::Fork);
}

#[test]
fn subagent_replay_with_original_timestamps_is_not_counted() {
    let mut r = reader();
    // Replayed rows keep their original (earlier) timestamps; the child spawns at 100.
    let src = r#","source":{"subagent":{"thread_spawn":{"parent_thread_id":"parent","depth":1}}}"#;
    let input = meta(100, "child", src)
        + &started(5, "p1")
        + &tokens(6, [1000, 0, 100, 0], [1000, 0, 100, 0])
        + &started(60, "p2")
        + &tokens(70, [3000, 1000, 200, 0], [2000, 1000, 100, 0])
        + &started(100, "c1")
        + &tokens(110, [3100, 1000, 220, 0], [100, 0, 20, 0])
        + &complete(111, "c1");
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage, usage(100, 0, 20, 0));
    let parent = out.sessions.iter().find_map(|s| s.parent.clone()).unwrap();
    assert_eq!(parent.1, Relationship::Subagent);
}

#[test]
fn child_without_replayed_totals_is_charged_its_own_responses_only() {
    let mut r = reader();
    let input = meta(0, "child", r#","forked_from_id":"parent""#)
        + &started(30, "c1")
        + &tokens(40, [9000, 4000, 600, 0], [500, 100, 50, 0])
        + &tokens(50, [9600, 4300, 700, 0], [600, 300, 100, 0])
        + &complete(51, "c1");
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 2);
    assert_eq!(sum(&out.turns), usage(400 + 300, 100 + 300, 150, 0));
}

#[test]
fn tool_calls_compactions_and_outputs() {
    let mut r = reader();
    let exec = r#"{"type":"function_call","name":"exec_command","arguments":"{\"cmd\":\"git status\",\"workdir\":\"/tmp/project\"}","call_id":"call_1"}"#;
    let patch = r#"{"type":"custom_tool_call","name":"apply_patch","input":"*** Begin Patch\n*** Update File: /p/README.md\n*** End Patch","call_id":"call_2"}"#;
    let output = r#"{"type":"function_call_output","call_id":"call_1","output":"12345678"}"#;
    let input = meta(0, "s1", "")
        + &started(1, "t1")
        + &row(2, "response_item", exec)
        + &row(2, "response_item", exec)
        + &row(3, "response_item", output)
        + &row(4, "response_item", patch)
        + &tokens(5, [1000, 0, 100, 0], [1000, 0, 100, 0])
        + &complete(6, "t1")
        + &row(7, "compacted", r#"{"message":"summary"}"#);
    let out = run(&mut r, &input);
    let calls = &out.turns[0].tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].target.as_deref(), Some("git status"));
    assert_eq!(calls[0].args_hash, "f358a830b359499c");
    assert_eq!(calls[1].target.as_deref(), Some("/p/README.md"));
    assert_eq!(out.user_turns.len(), 1);
    let block = &out.user_turns[0].blocks[0];
    assert_eq!((block.kind, block.bytes), ("tool_result", 8));
    assert_eq!(block.tool_use_id.as_deref(), Some("call_1"));
    assert_eq!(out.compactions.len(), 1);
    assert_eq!(
        out.compactions[0].preceding_message_id.as_deref(),
        Some("t1")
    );
    assert_eq!(out.compactions[0].tokens_before, Some(1000));
}

#[test]
fn bad_lines_are_counted_and_skipped() {
    let mut r = reader();
    let input = "not json\n{\"timestamp\":\"2026-01-01T00:00:00Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":5}}\n\n[1]\n{\"timestamp\":\"yesterday\",\"type\":\"event_msg\",\"payload\":{}}\n".to_string()
        + &meta(0, "s1", "")
        + &started(1, "t1")
        + &tokens(2, [10, 0, 1, 0], [10, 0, 1, 0])
        + &complete(3, "t1");
    let out = run(&mut r, &input);
    assert_eq!(out.lines_skipped, 4);
    assert_eq!(out.bad_lines[0].0, 1);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage, usage(10, 0, 1, 0));
}

#[test]
fn session_id_falls_back_to_the_file_name_uuid() {
    let mut r = reader();
    let out = run(
        &mut r,
        &(started(1, "t1") + &tokens(2, [10, 0, 1, 0], [10, 0, 1, 0]) + &complete(3, "t1")),
    );
    assert_eq!(
        out.turns[0].session_id,
        "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
    );
}

#[test]
fn ignored_rows_are_skipped_before_parsing() {
    assert_eq!(
        leading_type(r#"{"type":"reasoning","summary":[]}"#),
        Some("reasoning")
    );
    assert_eq!(leading_type(r#"{"summary":[],"type":"reasoning"}"#), None);
    assert!(!handled("response_item", "reasoning"));
    assert!(handled("event_msg", "token_count"));
    // A skipped row is never a bad line, even when its body is odd.
    let mut r = reader();
    let out = run(
        &mut r,
        &row(
            1,
            "response_item",
            r#"{"type":"reasoning","summary":[{"type":"summary_text","text":"x"}],"encrypted_content":"gAAA"}"#,
        ),
    );
    assert_eq!(out.lines_skipped, 0);
    assert!(skippable(
        row(1, "response_item", r#"{"type":"reasoning","x":1}"#).as_bytes()
    ));
    assert!(!skippable(
        row(1, "event_msg", r#"{"type":"token_count","info":null}"#).as_bytes()
    ));
    assert!(!skippable(b"{\"type\":\"event_msg\"}"));
}

#[test]
fn fork_childs_own_first_turn_inside_the_burst_counts() {
    // Learned from AgentWorkforce/burn `tests/fixtures/codex/session-meta-relationships.jsonl`:
    // no parent rows were replayed, the child's own turn starts 50 ms after its creation.
    let mut r = reader();
    let input = meta(0, "child", r#","forkSessionId":"base""#)
        + &meta(0, "child", r#","forkSessionId":"base""#)
        + &ctx(0, Some("c1"), "gpt-5.4")
        + &started(0, "c1")
        + &row(
            1,
            "event_msg",
            r#"{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":20,"output_tokens":10,"reasoning_output_tokens":2}}}"#,
        );
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage, usage(80, 20, 10, 2));
}

#[test]
fn subagent_turn_after_replayed_totals_inside_the_burst_counts() {
    // Learned from junhoyeo/tokscale `test_forked_child_ignores_replayed_parent_rows_after_turn_context`
    // and ryoppippi/ccusage `rs-codex-subagent-replay-baseline`: the replayed snapshot is the
    // baseline, rows within it are still the parent's, the call beyond it is the child's.
    let src = r#","source":{"subagent":{"thread_spawn":{"parent_thread_id":"parent","depth":1}}}"#;
    let mut r = reader();
    let input = meta(0, "child", src)
        + &tokens(0, [300, 0, 30, 0], [300, 0, 30, 0])
        + &ctx(1, None, "gpt-5.5")
        + &tokens(1, [50, 0, 5, 0], [50, 0, 5, 0])
        + &tokens(1, [300, 0, 30, 0], [250, 0, 25, 0])
        + &tokens(2, [310, 0, 32, 0], [10, 0, 2, 0]);
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage, usage(10, 0, 2, 0));
    // The same replay followed by the child's own restarted counter after the burst.
    let mut r = reader();
    let input = meta(0, "child", src)
        + &tokens(0, [1500, 150, 300, 0], [500, 50, 100, 0])
        + &tokens(60, [100, 10, 20, 0], [100, 10, 20, 0])
        + &tokens(120, [150, 15, 30, 0], [50, 5, 10, 0]);
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 2);
    assert_eq!(sum(&out.turns), usage(135, 15, 30, 0));
}

#[test]
fn numeric_timestamps_in_session_meta_are_read() {
    let mut r = reader();
    let input = r#"{"timestamp":1767312000000,"type":"session_meta","payload":{"id":"s-num","timestamp":1767312000000,"forked_from_id":"p"}}"#.to_string()
        + "\n"
        + r#"{"timestamp":1767312060000,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"output_tokens":1},"last_token_usage":{"input_tokens":10,"output_tokens":1}}}}"#
        + "\n";
    let out = run(&mut r, &input);
    assert_eq!(out.lines_skipped, 0);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].session_id, "s-num");
    assert_eq!(r.state().created_ms, Some(1767312000000));
}

/// A call's key is its harness, session, time and fingerprint: the cumulative totals when the
/// row has them (pinned above), else `L` + the call's own usage + `@` + the row's line number.
/// The key is hashed into the turn's id, so its text must never change.
#[test]
fn a_call_without_totals_is_keyed_by_its_usage_and_line() {
    let last_only = |sec: u32| {
        row(
            sec,
            "event_msg",
            r#"{"type":"token_count","info":{"last_token_usage":{"input_tokens":120,"cached_input_tokens":20,"output_tokens":7,"reasoning_output_tokens":3}}}"#,
        )
    };
    let mut r = reader();
    let input = meta(0, "s1", "") + &ctx(1, None, "gpt-5-codex") + &last_only(2) + &last_only(3);
    let out = run(&mut r, &input);
    let keys: Vec<&str> = out.turns.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "codex|s1|1767225602000|L120.20.7.3@3",
            "codex|s1|1767225603000|L120.20.7.3@4"
        ]
    );
}
