use super::*;
use crate::harness::LogReader;
use crate::scan::LineReader;

fn ctx() -> FileContext {
    FileContext {
        file_stem: "sess-1".into(),
        subagent: None,
        path: "/x/sess-1.jsonl".into(),
    }
}

fn run(reader: &mut ClaudeReader, input: &str) -> Records {
    let mut out = Records::default();
    let mut lines = LineReader::new(input.as_bytes(), 0);
    while let Some(line) = lines.next_line().unwrap() {
        reader.feed(&line, &mut out);
    }
    out
}

fn asst(id: &str, req: &str, out_tokens: i64, stop: Option<&str>, block: &str) -> String {
    let stop = stop.map_or("null".to_string(), |s| format!("\"{s}\""));
    format!(
        r#"{{"type":"assistant","sessionId":"sess-1","cwd":"/p","gitBranch":"main","timestamp":"2026-01-01T00:00:01.000Z","requestId":"{req}","uuid":"u-{id}-{out_tokens}","message":{{"id":"{id}","model":"claude-sonnet-4-5","stop_reason":{stop},"content":[{block}],"usage":{{"input_tokens":10,"output_tokens":{out_tokens},"cache_read_input_tokens":100,"cache_creation":{{"ephemeral_5m_input_tokens":5,"ephemeral_1h_input_tokens":7}}}}}}}}"#
    ) + "\n"
}

const TEXT: &str = r#"{"type":"text","text":"hi"}"#;
const BASH: &str = r#"{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}"#;

#[test]
fn merges_streamed_rows_into_one_turn_with_the_final_usage() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let input = asst("m1", "r1", 2, None, TEXT)
        + &asst("m1", "r1", 40, None, BASH)
        + &asst("m1", "r1", 40, Some("tool_use"), TEXT);
    let out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1);
    let t = &out.turns[0];
    assert_eq!(
        t.usage,
        Usage {
            input: 10,
            output: 40,
            reasoning: 0,
            cache_read: 100,
            cache_write_5m: 5,
            cache_write_1h: 7
        }
    );
    assert!(t.complete);
    assert_eq!(t.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(t.tool_calls.len(), 1);
    assert_eq!(t.tool_calls[0].target.as_deref(), Some("ls"));
    assert_eq!(t.key, "claude-code|m1|r1");
    assert_eq!(t.project.as_deref(), Some("/p"));
    assert!(r.state().pending.is_empty());
}

#[test]
fn unfinished_response_waits_in_state_then_completes_in_a_later_pass() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let out = run(&mut r, &asst("m1", "r1", 3, None, TEXT));
    assert!(out.turns.is_empty());
    // The state survives a cursor round trip.
    let state: ClaudeState =
        serde_json::from_str(&serde_json::to_string(r.state()).unwrap()).unwrap();
    let mut r2 = ClaudeReader::new(ctx(), state);
    let out = run(&mut r2, &asst("m1", "r1", 90, Some("end_turn"), TEXT));
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage.output, 90);
}

#[test]
fn interrupted_response_is_emitted_once_with_its_last_snapshot() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut out = run(&mut r, &asst("m1", "r1", 3, None, TEXT));
    assert!(out.turns.is_empty());
    r.finish(false, &mut out);
    assert!(out.turns.is_empty(), "not idle yet");
    r.finish(true, &mut out);
    assert_eq!(out.turns.len(), 1);
    assert!(!out.turns[0].complete);
    assert_eq!(out.turns[0].usage.output, 3);
    r.finish(true, &mut out);
    assert_eq!(out.turns.len(), 1, "emitted once");
}

#[test]
fn user_rows_become_user_turns_and_end_the_previous_response() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let user = r#"{"type":"user","sessionId":"sess-1","timestamp":"2026-01-01T00:00:02Z","uuid":"u1","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"12345678","is_error":true},{"type":"text","text":"go on"}]}}"#;
    let out = run(&mut r, &(asst("m1", "r1", 3, None, BASH) + user + "\n"));
    assert_eq!(out.turns.len(), 1);
    assert!(!out.turns[0].complete);
    assert_eq!(out.user_turns.len(), 1);
    let u = &out.user_turns[0];
    assert_eq!(u.preceding_message_id.as_deref(), Some("m1"));
    assert_eq!(u.blocks.len(), 2);
    assert_eq!(u.blocks[0].bytes, 8);
    assert_eq!(u.blocks[0].approx_tokens, 2);
    assert_eq!(u.blocks[0].is_error, Some(true));
    assert_eq!(u.blocks[1].kind, "text");
}

#[test]
fn bad_lines_are_counted_and_skipped() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let input = "not json\n{\"type\":\"assistant\",\"message\":5}\n\n[1,2]\n".to_string()
        + &asst("m1", "r1", 3, Some("end_turn"), TEXT);
    let out = run(&mut r, &input);
    assert_eq!(out.lines_skipped, 3);
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.bad_lines[0].0, 1);
}

#[test]
fn compaction_points_back_to_the_last_response() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let boundary = r#"{"type":"system","subtype":"compact_boundary","sessionId":"sess-1","timestamp":"2026-01-01T00:00:05Z","uuid":"c1","compactMetadata":{"trigger":"auto","preTokens":155000}}"#;
    let out = run(
        &mut r,
        &(asst("m1", "r1", 3, Some("end_turn"), TEXT) + boundary + "\n"),
    );
    assert_eq!(out.compactions.len(), 1);
    assert_eq!(out.compactions[0].tokens_before, Some(155000));
    assert_eq!(
        out.compactions[0].preceding_message_id.as_deref(),
        Some("m1")
    );
}
