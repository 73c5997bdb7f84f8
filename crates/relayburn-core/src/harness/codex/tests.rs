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

#[test]
fn turn_usage_is_the_growth_of_cumulative_totals() {
    let mut r = reader();
    let input = meta(0, "s1", "")
        + &ctx(1, Some("t1"), "gpt-5.4")
        + &started(1, "t1")
        + &row(2, "event_msg", r#"{"type":"token_count","info":null}"#)
        + &tokens(3, [3000, 1000, 200, 50], [3000, 1000, 200, 50])
        + &tokens(4, [3000, 1000, 200, 50], [3000, 1000, 200, 50])
        + &complete(5, "t1")
        + &ctx(6, Some("t2"), "gpt-5.3-codex")
        + &started(6, "t2")
        + &tokens(7, [8000, 3500, 700, 100], [5000, 2500, 500, 50])
        + &tokens(8, [8000, 3500, 700, 100], [5000, 2500, 500, 50])
        + &complete(9, "t2");
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 2);
    let (a, b) = (&out.turns[0], &out.turns[1]);
    assert_eq!(a.usage, usage(2000, 1000, 200, 50));
    assert_eq!(b.usage, usage(2500, 2500, 500, 50));
    assert_eq!(a.model, "gpt-5.4");
    assert_eq!(b.model, "gpt-5.3-codex");
    assert_eq!(a.key, "codex|s1|t1|1");
    assert_eq!(a.message_id, "t1");
    assert_eq!(a.session_id, "s1");
    assert_eq!(a.provider.as_deref(), Some("openai"));
    assert_eq!(a.branch.as_deref(), Some("main"));
    assert!(a.complete && b.complete);
    assert_eq!(r.pending(), 0);
}

#[test]
fn state_round_trips_mid_turn() {
    let mut r = reader();
    let head = meta(0, "s1", "") + &ctx(1, Some("t1"), "m") + &started(1, "t1");
    let out = run(
        &mut r,
        &(head + &tokens(2, [100, 0, 10, 0], [100, 0, 10, 0])),
    );
    assert!(out.turns.is_empty());
    assert_eq!(r.pending(), 1);
    let mut r2 = resumed(&r);
    let out = run(
        &mut r2,
        &(tokens(3, [300, 50, 30, 5], [200, 50, 20, 5]) + &complete(4, "t1")),
    );
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage, usage(250, 50, 30, 5));
    assert_eq!(out.turns[0].model, "m");
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
    let mut out = run(&mut r, &input);
    assert_eq!(
        out.turns.len(),
        1,
        "the first turn closes when the second starts"
    );
    assert_eq!(out.turns[0].usage, usage(100, 0, 10, 0));
    assert_eq!(out.turns[0].key, "codex|s1||1");
    assert!(!out.turns[0].complete);
    r.finish(false, &mut out);
    assert_eq!(out.turns.len(), 1, "not idle yet");
    r.finish(true, &mut out);
    assert_eq!(out.turns.len(), 2);
    assert_eq!(out.turns[1].usage, usage(50, 100, 20, 0));
    assert_eq!(r.pending(), 0);
    r.finish(true, &mut out);
    assert_eq!(out.turns.len(), 2, "written once while unchanged");
    // User prompts (not the injected environment context) become user turns.
    assert_eq!(out.user_turns.len(), 2);
    let title = out.sessions.iter().find_map(|s| s.title.clone());
    assert_eq!(title.as_deref(), Some("first"));
}

#[test]
fn decreasing_totals_never_subtract_and_a_restart_counts_from_zero() {
    let mut r = reader();
    let input = meta(0, "s1", "")
        + &started(1, "t1")
        + &tokens(2, [1000, 0, 100, 0], [1000, 0, 100, 0])
        // Lower, but not a restart (its own usage differs): rebase only.
        + &tokens(3, [900, 0, 90, 0], [10, 0, 1, 0])
        + &tokens(4, [950, 0, 95, 0], [50, 0, 5, 0])
        // A counter that restarted at zero: its first snapshot is its own response.
        + &tokens(5, [40, 0, 4, 0], [40, 0, 4, 0])
        + &complete(6, "t1");
    let out = run(&mut r, &input);
    assert_eq!(out.turns[0].usage, usage(1000 + 50 + 40, 0, 100 + 5 + 4, 0));
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
    assert_eq!(out.turns[0].usage, usage(400 + 300, 100 + 300, 150, 0));
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
