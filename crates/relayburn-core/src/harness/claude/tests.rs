use super::*;
use crate::harness::LogReader;
use crate::scan::LineReader;
use std::collections::HashSet;

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

// ---- Rows that real logs sometimes lack ----

fn keys(out: &Records) -> Vec<(&str, &str, i64)> {
    out.turns
        .iter()
        .map(|t| (t.key.as_str(), t.session_id.as_str(), t.usage.output))
        .collect()
}

/// Learned from ccusage's loader tests (ryoppippi/ccusage apps/ccusage/src/adapter/claude/
/// data-loader.ts "daily aggregate", and its CLI fixture rows): exported rows carry no `type`,
/// some no ids at all. Each id-less row is one call; `role`/`usage` tell the row's kind.
#[test]
fn rows_without_type_are_read_by_role_or_usage() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let lines = [
        // role + ids, no type, no stop_reason: merged with its streamed copy, final usage.
        r#"{"timestamp":"2026-01-02T00:00:00Z","sessionId":"exp","message":{"role":"assistant","id":"m1","usage":{"input_tokens":100,"output_tokens":5}},"requestId":"r1"}"#,
        r#"{"timestamp":"2026-01-02T00:00:01Z","sessionId":"exp","message":{"role":"assistant","id":"m1","usage":{"input_tokens":100,"output_tokens":50}},"requestId":"r1"}"#,
        // no type, no role, no id: usage alone makes it an assistant row.
        r#"{"timestamp":"2026-01-02T00:00:02Z","message":{"usage":{"input_tokens":7,"output_tokens":3}}}"#,
        // a typeless user row is a user turn (and ends the pending response).
        r#"{"timestamp":"2026-01-02T00:00:03Z","uuid":"u9","message":{"role":"user","content":"more"}}"#,
        // a usage object naming no count, and no role: not countable, counted as skipped.
        r#"{"timestamp":"2026-01-02T00:00:04Z","message":{"usage":{}}}"#,
        // nothing that could be spend (no usage, role or type): ignored like other row kinds.
        r#"{"timestamp":"2026-01-02T00:00:05Z","message":{}}"#,
        r#"{"timestamp":"2026-01-02T00:00:06Z"}"#,
    ];
    let input = lines.join("\n") + "\n";
    let third = format!("sess-1@{}", lines[0].len() + lines[1].len() + 2);
    let out = run(&mut r, &input);
    assert_eq!(out.lines_skipped, 1, "{:?}", out.bad_lines);
    assert_eq!(out.bad_lines[0].0, 5);
    assert_eq!(
        keys(&out),
        vec![
            (format!("claude-code-row|{third}").as_str(), "sess-1", 3),
            ("claude-code|m1|r1", "exp", 50),
        ]
    );
    assert_eq!(out.turns[1].message_id, "m1");
    assert_eq!(out.turns[0].message_id, third);
    assert_eq!(out.user_turns.len(), 1);
    assert_eq!(
        out.user_turns[0].session_id, "sess-1",
        "no sessionId: the file's"
    );
}

/// Learned from tokscale (junhoyeo/tokscale crates/tokscale-core/src/sessions/claudecode.rs
/// `test_entries_without_dedup_fields_still_processed`) and ccusage's "invalid JSON lines"
/// test (two id-less rows with the same timestamp are two calls).
#[test]
fn rows_without_any_id_each_count_and_keep_their_keys_on_a_reread() {
    let row = |uuid: &str, inp: i64| {
        let uuid = if uuid.is_empty() {
            String::new()
        } else {
            format!(r#""uuid":"{uuid}","#)
        };
        format!(
            r#"{{"type":"assistant",{uuid}"timestamp":"2024-12-01T10:00:00Z","message":{{"model":"claude-3-5-sonnet","usage":{{"input_tokens":{inp},"output_tokens":1}}}}}}"#
        ) + "\n"
    };
    let input = row("", 100) + &row("", 200) + &row("a-3", 300) + "not json\n";
    let first = run(
        &mut ClaudeReader::new(ctx(), ClaudeState::default()),
        &input,
    );
    assert_eq!(first.turns.len(), 3);
    assert_eq!(first.lines_skipped, 1);
    let inputs: Vec<i64> = first.turns.iter().map(|t| t.usage.input).collect();
    assert_eq!(inputs, vec![100, 200, 300]);
    assert_eq!(first.turns[2].key, "claude-code-row|a-3");
    assert!(first.turns.iter().all(|t| !t.complete));
    // Read again from scratch: the same keys (idempotent upserts, no new rows).
    let again = run(
        &mut ClaudeReader::new(ctx(), ClaudeState::default()),
        &input,
    );
    let k = |o: &Records| o.turns.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
    assert_eq!(k(&first), k(&again));
    let distinct: HashSet<String> = k(&first).into_iter().collect();
    assert_eq!(distinct.len(), 3);
}

/// Learned from ccusage "deduplicate on message.id when requestId is missing" and tokscale
/// `test_deduplication_allows_same_message_different_request`: distinct ids stay distinct, the
/// same id (or the same lone requestId) is one call whose largest snapshot wins.
#[test]
fn distinct_ids_stay_distinct_and_a_lone_request_id_still_merges() {
    let row = |id: Option<&str>, req: Option<&str>, out_tokens: i64| {
        let id = id.map_or(String::new(), |i| format!(r#""id":"{i}","#));
        let req = req.map_or(String::new(), |q| format!(r#""requestId":"{q}","#));
        format!(
            r#"{{"type":"assistant",{req}"timestamp":"2024-12-01T10:00:00Z","message":{{{id}"usage":{{"input_tokens":1,"output_tokens":{out_tokens}}}}}}}"#
        ) + "\n"
    };
    let input = row(Some("m1"), None, 25)
        + &row(Some("m1"), None, 250)
        + &row(Some("m2"), None, 7)
        + &row(Some("m3"), Some("q1"), 1)
        + &row(Some("m3"), Some("q2"), 2)
        + &row(None, Some("q9"), 40)
        + &row(None, Some("q9"), 400)
        // an early row larger than the later one: the larger stays (tokscale
        // `test_deduplication_higher_first_lower_later`)
        + &row(Some("m4"), None, 500)
        + &row(Some("m4"), None, 100);
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut out = run(&mut r, &input);
    assert!(out.turns.is_empty(), "no stop_reason: held back");
    r.finish(true, &mut out);
    let mut got: Vec<(String, i64)> = out
        .turns
        .iter()
        .map(|t| (t.key.clone(), t.usage.output))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("claude-code|m1|".to_string(), 250),
            ("claude-code|m2|".to_string(), 7),
            ("claude-code|m3|q1".to_string(), 1),
            ("claude-code|m3|q2".to_string(), 2),
            ("claude-code|m4|".to_string(), 500),
            ("claude-code||q9".to_string(), 400),
        ]
    );
    let q9 = out.turns.iter().find(|t| t.key.ends_with("q9")).unwrap();
    assert_eq!(q9.message_id, "q9");
}

/// ccusage "skips entries with missing fields": a row without a timestamp cannot be placed
/// in time; it is skipped and counted, never silently dropped.
#[test]
fn a_row_without_timestamp_is_counted_as_skipped() {
    let input = r#"{"type":"assistant","message":{"id":"m1","usage":{"input_tokens":200,"output_tokens":100}}}"#.to_string()
        + "\n"
        + r#"{"message":{"usage":{"input_tokens":200,"output_tokens":100}}}"#
        + "\n";
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut out = run(&mut r, &input);
    r.finish(true, &mut out);
    assert_eq!(out.turns.len(), 0);
    assert_eq!(out.lines_skipped, 2);
    assert!(out.bad_lines[0].1.contains("timestamp"));
}

#[test]
fn a_user_row_without_uuid_is_known_by_its_place_in_the_file() {
    let user = r#"{"type":"user","timestamp":"2026-01-01T00:00:02Z","message":{"role":"user","content":"hello"}}"#;
    let input = format!("{user}\n{user}\n");
    let out = run(
        &mut ClaudeReader::new(ctx(), ClaudeState::default()),
        &input,
    );
    let ids: Vec<&str> = out.user_turns.iter().map(|u| u.uuid.as_str()).collect();
    assert_eq!(
        ids,
        vec!["sess-1@0", format!("sess-1@{}", user.len() + 1).as_str()]
    );
}

fn progress_row(agent: Option<&str>, id: &str, out_tokens: i64, kind: &str) -> String {
    let agent = agent.map_or(String::new(), |a| format!(r#","agentId":"{a}""#));
    format!(
        r#"{{"type":"progress","sessionId":"sess-1","cwd":"/p","gitBranch":"main","timestamp":"2026-02-12T16:02:51.500Z","data":{{"message":{{"type":"{kind}","timestamp":"2026-02-12T16:02:51.467Z","message":{{"model":"claude-haiku-4-5","id":"{id}","role":"{kind}","content":[{{"type":"tool_use","id":"toolu_p","name":"Read","input":{{"file_path":"/p/a.rs"}}}}],"stop_reason":null,"usage":{{"input_tokens":3,"output_tokens":{out_tokens},"cache_read_input_tokens":0,"cache_creation_input_tokens":13522}}}},"requestId":"req-{id}","uuid":"pu-{id}-{out_tokens}"}},"type":"agent_progress"{agent}}},"toolUseID":"agent_msg_1","uuid":"outer-{id}-{out_tokens}"}}"#
    ) + "\n"
}

/// Learned from spotter's real transcripts (marot/spotter test/fixtures/transcripts/
/// 4d5611e5…jsonl with subagents/agent-a2898e3.jsonl, and subagent.jsonl whose subagent file
/// is absent) and ccusage's "progress row plus subagent file" tests (ryoppippi/ccusage
/// rust/crates/ccusage/src/main.rs): an `agent_progress` row embeds a subagent's assistant
/// row. It becomes that call, in the subagent's session, under the call's ordinary key.
#[test]
fn progress_rows_become_the_subagent_call_in_the_subagent_session() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let parent = asst("mp", "rp", 9, Some("tool_use"), BASH);
    let input = parent
        + &progress_row(Some("a28"), "ms1", 1, "assistant")
        + &progress_row(Some("a28"), "ms1", 3, "assistant")
        // the subagent's own tool results travel the same way: not the parent's user turns
        + &progress_row(Some("a28"), "ms1", 0, "user")
        + &progress_row(Some("a28"), "ms2", 2, "assistant");
    let mut out = run(&mut r, &input);
    assert_eq!(out.turns.len(), 1, "only the parent's finished call so far");
    assert!(out.user_turns.is_empty());
    assert_eq!(r.state().last_message_id.as_deref(), Some("mp"));
    // The parent's next user row (the Task result) ends the subagent's responses.
    let user = r#"{"type":"user","sessionId":"sess-1","timestamp":"2026-02-12T16:05:00Z","uuid":"u1","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"done"}]}}"#;
    let more = run(&mut r, &format!("{user}\n"));
    out.turns.extend(more.turns);
    out.user_turns.extend(more.user_turns);
    assert_eq!(
        keys(&out),
        vec![
            ("claude-code|mp|rp", "sess-1", 9),
            ("claude-code|ms1|req-ms1", "sess-1/agent-a28", 3),
            ("claude-code|ms2|req-ms2", "sess-1/agent-a28", 2),
        ]
    );
    let sub = &out.turns[1];
    assert!(!sub.complete);
    assert_eq!(sub.model, "claude-haiku-4-5");
    assert_eq!(sub.usage.cache_write_5m, 13522);
    assert_eq!(
        sub.ts_ms,
        crate::time::parse_instant_ms("t", "2026-02-12T16:02:51.467Z").unwrap()
    );
    assert_eq!(sub.tool_calls.len(), 1);
    let info = out
        .sessions
        .iter()
        .find(|s| s.session_id == "sess-1/agent-a28")
        .expect("subagent session announced");
    let (p, rel, _) = info.parent.as_ref().unwrap();
    assert_eq!((p.as_str(), *rel), ("sess-1", Relationship::Subagent));
    assert_eq!(out.user_turns.len(), 1);
    assert_eq!(
        out.user_turns[0].preceding_message_id.as_deref(),
        Some("mp")
    );
}

/// The key and session of a progress copy equal those the subagent transcript gives the same
/// call, so the ledger's upsert counts it once whichever file is read first.
#[test]
fn a_progress_copy_and_the_transcript_row_share_key_and_session() {
    let mut parent = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut p = run(
        &mut parent,
        &progress_row(Some("a28"), "ms1", 3, "assistant"),
    );
    parent.finish(true, &mut p);
    let sub_ctx = FileContext {
        file_stem: "agent-a28".into(),
        subagent: Some(Subagent {
            parent_session: "sess-1".into(),
            session_id: "sess-1/agent-a28".into(),
        }),
        path: "/x/sess-1/subagents/agent-a28.jsonl".into(),
    };
    let transcript = r#"{"type":"assistant","sessionId":"sess-1","agentId":"a28","isSidechain":true,"timestamp":"2026-02-12T16:02:51.467Z","requestId":"req-ms1","uuid":"t1","message":{"id":"ms1","model":"claude-haiku-4-5","stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":80,"cache_creation_input_tokens":13522}}}"#;
    let s = run(
        &mut ClaudeReader::new(sub_ctx, ClaudeState::default()),
        &format!("{transcript}\n"),
    );
    assert_eq!(
        (p.turns[0].key.as_str(), p.turns[0].session_id.as_str()),
        (s.turns[0].key.as_str(), s.turns[0].session_id.as_str())
    );
    assert!(s.turns[0].complete && !p.turns[0].complete);
}

/// `claude --resume A` copies A's history, progress rows included, into B.jsonl: the copy
/// still belongs to A's subagent (the row's `sessionId`), not to a `B/agent-…` session.
#[test]
fn a_resumed_copy_of_a_progress_row_stays_with_the_original_subagent() {
    let ctx_b = FileContext {
        file_stem: "sess-b".into(),
        subagent: None,
        path: "/x/sess-b.jsonl".into(),
    };
    let mut r = ClaudeReader::new(ctx_b, ClaudeState::default());
    let mut out = run(&mut r, &progress_row(Some("a28"), "ms1", 3, "assistant"));
    r.finish(true, &mut out);
    assert_eq!(
        keys(&out),
        vec![("claude-code|ms1|req-ms1", "sess-1/agent-a28", 3)]
    );
}

/// A progress row that names no agent (ccusage's synthetic fixture) still counts, in the
/// file's own session.
#[test]
fn a_progress_row_without_agent_id_counts_in_the_files_session() {
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut out = run(&mut r, &progress_row(None, "mh", 2, "assistant"));
    r.finish(true, &mut out);
    assert_eq!(keys(&out), vec![("claude-code|mh|req-mh", "sess-1", 2)]);
}

/// Ingestion order of a parent file with `agent_progress` copies and the subagent transcript
/// holding the same calls (spotter 4d5611e5; ccusage `rs-progress-row-plus-subagent-file`):
/// same pass, parent first, transcript first, and a re-read from scratch all end with one row
/// per call, in the subagent session, with the transcript's final usage.
mod ingest_order {
    use super::progress_row;
    use crate::ingest::ingest;
    use crate::ledger::Ledger;
    use std::path::Path;

    const USER: &str = r#"{"type":"user","sessionId":"P","timestamp":"2026-02-12T16:05:00Z","uuid":"u-task","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_task","content":"done"}]}}"#;

    fn parent_rows() -> String {
        let parent = |id: &str, out: i64, stop: &str| {
            format!(
                r#"{{"type":"assistant","sessionId":"P","cwd":"/p","timestamp":"2026-02-12T16:00:00Z","requestId":"r-{id}","uuid":"u-{id}","message":{{"id":"{id}","model":"claude-sonnet-4-5","stop_reason":"{stop}","usage":{{"input_tokens":1,"output_tokens":{out}}}}}}}"#
            ) + "\n"
        };
        // the progress copies carry early snapshots only (output 1, 3), like real logs
        parent("mp1", 10, "tool_use")
            + &progress_row(Some("a28"), "ms1", 1, "assistant").replace("sess-1", "P")
            + &progress_row(Some("a28"), "ms1", 3, "assistant").replace("sess-1", "P")
            + &progress_row(Some("a28"), "ms2", 2, "assistant").replace("sess-1", "P")
            + USER
            + "\n"
            + &parent("mp2", 20, "end_turn")
    }

    fn transcript_rows() -> String {
        let row = |id: &str, out: i64| {
            format!(
                r#"{{"type":"assistant","sessionId":"P","agentId":"a28","isSidechain":true,"timestamp":"2026-02-12T16:02:51.467Z","requestId":"req-{id}","uuid":"t-{id}","message":{{"id":"{id}","model":"claude-haiku-4-5","stop_reason":"tool_use","usage":{{"input_tokens":3,"output_tokens":{out},"cache_creation_input_tokens":13522}}}}}}"#
            ) + "\n"
        };
        row("ms1", 80) + &row("ms2", 90)
    }

    fn write_parent(root: &Path) {
        let dir = root.join("projects").join("-p");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("P.jsonl"), parent_rows()).unwrap();
    }

    fn write_transcript(root: &Path) {
        let dir = root.join("projects").join("-p").join("P").join("subagents");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("agent-a28.jsonl"), transcript_rows()).unwrap();
    }

    type Row = (String, String, i64, bool);

    fn run(ledger: &mut Ledger, root: &Path) {
        let opts = crate::test_store::claude_options(root);
        let report = ingest(ledger, &opts).unwrap();
        assert_eq!(report.lines_skipped, 0);
    }

    fn turns(ledger: &Ledger) -> Vec<Row> {
        let c = ledger.conn().unwrap();
        let mut st = c
            .prepare(
                "SELECT message_id, session_id, output, complete FROM turns ORDER BY message_id",
            )
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn session_turns(ledger: &Ledger, id: &str) -> (i64, i64) {
        let c = ledger.conn().unwrap();
        c.query_row(
            "SELECT turns, output FROM sessions WHERE session_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    fn expected() -> Vec<Row> {
        let r = |m: &str, s: &str, o: i64, c: bool| (m.to_string(), s.to_string(), o, c);
        vec![
            r("mp1", "P", 10, true),
            r("mp2", "P", 20, true),
            r("ms1", "P/agent-a28", 80, true),
            r("ms2", "P/agent-a28", 90, true),
        ]
    }

    #[test]
    fn every_order_counts_each_subagent_call_once_in_its_session() {
        for order in ["together", "parent-first", "transcript-first"] {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("claude");
            let mut ledger = Ledger::open(&dir.path().join("home")).unwrap();
            match order {
                "together" => {
                    write_parent(&root);
                    write_transcript(&root);
                    run(&mut ledger, &root);
                }
                "parent-first" => {
                    write_parent(&root);
                    run(&mut ledger, &root);
                    // Without the transcript, the progress copies are the spend (early
                    // snapshots, incomplete): counted, not lost.
                    let only_parent = turns(&ledger);
                    assert_eq!(only_parent.len(), 4, "{order}");
                    assert_eq!(
                        only_parent[2],
                        ("ms1".into(), "P/agent-a28".into(), 3, false)
                    );
                    write_transcript(&root);
                    run(&mut ledger, &root);
                }
                _ => {
                    write_transcript(&root);
                    run(&mut ledger, &root);
                    write_parent(&root);
                    run(&mut ledger, &root);
                }
            }
            assert_eq!(turns(&ledger), expected(), "{order}");
            assert_eq!(session_turns(&ledger, "P/agent-a28"), (2, 170), "{order}");
            assert_eq!(session_turns(&ledger, "P"), (2, 30), "{order}");
            // A re-read from scratch (cursors gone) changes nothing.
            ledger
                .conn()
                .unwrap()
                .execute("DELETE FROM cursors", [])
                .unwrap();
            run(&mut ledger, &root);
            assert_eq!(turns(&ledger), expected(), "{order} re-read");
            assert_eq!(session_turns(&ledger, "P/agent-a28"), (2, 170), "{order}");
        }
    }
}

/// Deliberate differences from peers, pinned. ccusage (rust/crates/ccusage/src/main.rs, daily
/// validation test) drops a row whose `version` is not semver: an API call is spend whatever
/// the client wrote there. tokscale (`test_deduplication_per_field_max_not_just_output`) keeps
/// a per-field maximum across streamed copies: that can build a usage no response had, so the
/// largest snapshot is kept whole.
#[test]
fn version_is_not_validated_and_the_largest_snapshot_is_kept_whole() {
    let row = |version: &str, id: &str, inp: i64, out_tokens: i64| {
        format!(
            r#"{{"type":"assistant","version":"{version}","timestamp":"2025-01-10T10:00:00Z","requestId":"r-{id}","message":{{"id":"{id}","usage":{{"input_tokens":{inp},"output_tokens":{out_tokens}}}}}}}"#
        ) + "\n"
    };
    let input = row("not-semver", "bad", 999, 999)
        + &row("2.1.0", "m1", 10, 100)
        + &row("2.1.0", "m1", 100, 50);
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let mut out = run(&mut r, &input);
    r.finish(true, &mut out);
    let got: Vec<(&str, i64, i64)> = out
        .turns
        .iter()
        .map(|t| (t.message_id.as_str(), t.usage.input, t.usage.output))
        .collect();
    assert_eq!(got, vec![("bad", 999, 999), ("m1", 100, 50)]);
}

/// The ledger keeps a session's first title, so the reader gives one title per session and
/// pass: later prompts would each cost the writer a session upsert that changes nothing.
#[test]
fn a_session_title_is_given_once_from_its_first_prompt() {
    let prompt = |uuid: &str, text: &str| {
        format!(
            r#"{{"type":"user","sessionId":"sess-1","timestamp":"2026-01-01T00:00:02Z","uuid":"{uuid}","message":{{"role":"user","content":"{text}"}}}}"#
        ) + "\n"
    };
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let out = run(
        &mut r,
        &(prompt("u1", "fix the build") + &prompt("u2", "now the tests")),
    );
    assert_eq!(out.user_turns.len(), 2);
    let titles: Vec<_> = out
        .sessions
        .iter()
        .filter_map(|s| s.title.as_deref())
        .collect();
    assert_eq!(titles, ["fix the build"]);
    // The title rides on the session's own record: one upsert for the writer, not two.
    assert_eq!(out.sessions.len(), 1);
}

/// Reads `input` (with `capture`) and returns everything the reader produced and kept, as
/// text: the outcome to compare between the one-pass read and the raw (reference) read.
fn outcome(input: &str, capture: Capture, raw_only: bool) -> String {
    super::RAW_ONLY.with(|r| r.set(raw_only));
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default()).with_capture(capture);
    let mut out = run(&mut r, input);
    r.finish(true, &mut out);
    super::RAW_ONLY.with(|r| r.set(false));
    format!("{out:?}\n{:?}", r.state())
}

const TS: &str = r#""timestamp":"2026-01-01T00:00:01.000Z""#;

/// Messages of every shape the one-pass read treats specially (odd fields, repeats, other
/// types, escapes, numbers only a typed parse rejects), and ordinary ones.
const MESSAGES: &[&str] = &[
    r#"{"id":"m1","model":"claude-x","stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":4},"content":[{"type":"text","text":"hi"}]}"#,
    r#"{"role":"assistant","id":"m2","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]}"#,
    r#"{"role":"user","content":"hello there"}"#,
    r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a\nb\u00e9"},{"type":"text","text":"go"}]}"#,
    r#"{"id":"m\u0033","model":"claude\u002dx","i\u0064":"dup-by-escape","usage":{"output_tokens":1}}"#,
    r#"{"id":"m4","model":5,"usage":{"output_tokens":1}}"#,
    r#"{"id":"m4","stop_reason":{"a":[1]},"usage":{"output_tokens":1}}"#,
    r#"{"id":"m4","role":["assistant"],"usage":{"output_tokens":1}}"#,
    r#"{"id":"m4","usage":"lots"}"#,
    r#"{"id":"m4","usage":[1,2,3,4]}"#,
    r#"{"id":"m4","usage":{"cache_creation":7,"output_tokens":2}}"#,
    r#"{"id":"m4","usage":{"cache_creation":[1,2],"output_tokens":2}}"#,
    r#"{"id":"m4","usage":{"input_tokens":1,"input_tokens":2}}"#,
    r#"{"id":"m4","usage":{"cache_creation":{"ephemeral_5m_input_tokens":1,"ephemeral_5m_input_tokens":2}}}"#,
    r#"{"id":"m4","usage":{"input_tokens":"x","output_tokens":-3,"cache_read_input_tokens":null,"cache_creation":{"ephemeral_1h_input_tokens":null}}}"#,
    r#"{"id":"m4","usage":{"input_tokens":1e999}}"#,
    r#"{"id":"m4","extra":1e999,"usage":{"output_tokens":1}}"#,
    r#"{"id":"m4","id":"m5","usage":{"output_tokens":1}}"#,
    r#"{"id":null,"id":"m5","usage":{"output_tokens":1}}"#,
    r#"{"role":"user","content":"a","content":"b"}"#,
    r#"{"role":"user","id":7,"content":"typed prompt"}"#,
    r#"{"role":"user","usage":"x","content":[{"type":"text","text":"t"}]}"#,
    r#"{"role":"user","content":5}"#,
    r#"{"role":"user","content":[{"type":"text","text":5}]}"#,
    r#"{"role":"user","content":"\ud800"}"#,
    r#"{"usage":{"output_tokens":9},"content":[]}"#,
    r#"{"usage":{},"content":[]}"#,
    r#"{"role":"system","content":"x"}"#,
    r#""a string message""#,
    "5",
    "true",
    "[]",
    r#"["m6","assistant","claude-x","end_turn",{"output_tokens":2},[]]"#,
    r#"["m6","assistant","claude-x","end_turn",{"output_tokens":2},[],"extra"]"#,
    r#"[1]"#,
    r#"[[{"type":"text","text":"positional user content"}]]"#,
    "{}",
    "null",
    r#"{"id":"m7","content":[{"type":"text","text":"\ud83c\udf89"}],"usage":{"output_tokens":1},"stop_reason":"end_turn"}"#,
    // Content shapes for the lean read (content read in the row's pass when nothing is
    // captured): ordinary blocks, and blocks a derived parse of either kind reads differently.
    r#"{"id":"m8","content":[{"type":"thinking","thinking":"deep\nthought","signature":"c2ln"},{"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/a"}},{"type":"text","text":"esc\u00e9\n"}],"usage":{"output_tokens":2},"stop_reason":"tool_use"}"#,
    r#"{"id":"m9","content":[{"type":"tool_use","id":"t3","name":"Bash"},{"type":"tool_use","id":"t4","name":"Bash","input":null},{"type":"tool_use","name":"Bash","input":{}},{"type":"tool_use","id":"t5","input":{}}]}"#,
    r#"{"id":"m9","content":[{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"ls"},"is_error":"x"}]}"#,
    r#"{"id":"m9","content":[{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"ls"},"text":5}]}"#,
    r#"{"id":"m9","content":[{"type":"tool_use","id":"t3","id":"t4","name":"Bash","input":{}}]}"#,
    r#"{"id":"m9","content":[["tool_use","t3","Bash",{"command":"ls"}]]}"#,
    r#"{"id":"m9","content":[{"type":"tool_use","id":"t3","name":"Bash","input":{}},null,7]}"#,
    r#"{"role":"user","content":[{"type":"text","text":"  "},{"type":"text","text":" first \n"},{"type":"text","text":"second"}]}"#,
    r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"x"}],"is_error":true},{"type":"tool_result","tool_use_id":"","content":"y"},{"type":"tool_result","content":"z"},{"type":"tool_result","tool_use_id":"t2","content":"big \"quoted\" \\ text","is_error":false},{"type":"tool_result","tool_use_id":"t3","content":null}]}"#,
    r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a","is_error":"yes"}]}"#,
    r#"{"role":"user","content":[{"type":"text","text":"a","text":"b"}]}"#,
    r#"{"role":"user","content":[{"type":"text","text":"hi","id":5}]}"#,
    r#"{"role":"user","content":[{"type":"text","text":"hi","name":["x"],"input":7}]}"#,
    r#"{"role":"user","content":[["text","positional"]]}"#,
    r#"{"role":"user","content":[1,"x"]}"#,
    r#"{"role":"user","content":[]}"#,
    r#"{"role":"user","content":{"type":"text","text":"an object"}}"#,
    r#"{"role":"user","content":1e999}"#,
    r#"{"role":"user","content":-2.5}"#,
    r#"{"role":"user","content":true}"#,
    r#"{"role":"user","content":"   "}"#,
    r#"{"role":"user","content":"typed \"prompt\"\twith escapes"}"#,
    r#"{"role":"user","content":[{"type":"text","text":"\ud800"}]}"#,
];

/// Rows around a message: every kind the reader handles or ignores.
fn rows_with(message: &str) -> Vec<String> {
    let progress_inner =
        format!(r#"{{"type":"assistant","requestId":"rq","uuid":"pu",{TS},"message":{message}}}"#);
    let progress_inner = serde_json::to_string(
        &serde_json::value::RawValue::from_string(progress_inner.clone())
            .map(|r| r.get().to_string())
            .unwrap_or(progress_inner),
    )
    .unwrap();
    vec![
        format!(r#"{{"type":"assistant","uuid":"u1","requestId":"r1",{TS},"message":{message}}}"#),
        format!(r#"{{"type":"user","uuid":"u2",{TS},"message":{message}}}"#),
        format!(r#"{{"uuid":"u3",{TS},"message":{message}}}"#),
        format!(
            r#"{{"type":"system","subtype":"note","uuid":"u4",{TS},"message":{message},"x":"usage"}}"#
        ),
        format!(
            r#"{{"type":"system","subtype":"compact_boundary","uuid":"u5",{TS},"message":{message}}}"#
        ),
        format!(r#"{{"type":"summary","summary":"assistant","message":{message}}}"#),
        format!(r#"{{"type":"file-history-snapshot","message":{message},"usage":1}}"#),
        format!(
            r#"{{"type":"progress","uuid":"u6",{TS},"data":{{"type":"agent_progress","agentId":"ag","message":{{"type":"assistant",{TS},"message":{message}}}}}}}"#
        ),
        // The embedded row as escaped JSON text is not a row: exercises the string case.
        format!(
            r#"{{"type":"progress","uuid":"u7",{TS},"data":{{"type":"agent_progress","agentId":"ag","message":{progress_inner}}}}}"#
        ),
    ]
}

#[test]
fn one_pass_reads_every_message_shape_exactly_as_the_raw_read() {
    let full = Capture {
        mode: crate::content::settings::ContentMode::Full,
        cutoff_ms: None,
    };
    let mut all = String::new();
    for message in MESSAGES {
        for row in rows_with(message) {
            let line = row + "\n";
            all.push_str(&line);
            for capture in [Capture::default(), full] {
                let fast = outcome(&line, capture, false);
                let raw = outcome(&line, capture, true);
                assert_eq!(fast, raw, "{line}");
            }
        }
    }
    // All rows in one pass, so state carries across them.
    for capture in [Capture::default(), full] {
        assert_eq!(outcome(&all, capture, false), outcome(&all, capture, true));
    }
}

/// The lean read must be taken for ordinary rows (it is what saves the second parse), not
/// only match the raw read by always falling back to it.
#[test]
fn ordinary_rows_are_read_lean_when_nothing_is_captured() {
    let lines = [
        format!(
            r#"{{"type":"assistant",{TS},"message":{{"id":"m1","content":[{{"type":"thinking","thinking":"t\nu","signature":"s"}},{{"type":"tool_use","id":"t1","name":"Bash","input":{{"command":"ls"}}}}],"usage":{{"output_tokens":1}}}}}}"#
        ),
        format!(
            r#"{{"type":"user",{TS},"message":{{"role":"user","content":[{{"tool_use_id":"t1","type":"tool_result","content":"a\nb"}}]}},"toolUseResult":{{"stdout":"a\nb"}}}}"#
        ),
        format!(r#"{{"type":"user",{TS},"message":{{"role":"user","content":"fix it"}}}}"#),
    ];
    for line in &lines {
        let row = super::parse_row(line, true).unwrap();
        let message = row.message.as_ref().unwrap();
        assert!(message.lean().is_some(), "{line}");
        assert!(message.user("").unwrap().content.is_none(), "{line}");
        // Without `lean` the content stays raw, for the capture.
        let row = super::parse_row(line, false).unwrap();
        let message = row.message.as_ref().unwrap();
        assert!(message.lean().is_none(), "{line}");
        assert!(message.user("").unwrap().content.is_some(), "{line}");
    }
    let row = super::parse_row(&lines[0], true).unwrap();
    let Some(wire::LeanContent::Blocks(blocks)) = row.message.as_ref().unwrap().lean() else {
        panic!("blocks expected");
    };
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[1].tool.name.as_deref(), Some("Bash"));
    assert_eq!(
        blocks[1].tool.input.map(|r| r.get()),
        Some(r#"{"command":"ls"}"#)
    );
}

#[test]
fn a_line_that_is_not_utf8_or_not_json_reads_as_before() {
    let mut bad = format!(r#"{{"type":"assistant",{TS},"message":{{"id":"m1","x":"#).into_bytes();
    bad.extend_from_slice(b"\"\xff\"");
    bad.extend_from_slice(br#","usage":{"output_tokens":1}}}"#);
    bad.push(b'\n');
    let mut ignored = br#"{"type":"summary","x":""#.to_vec();
    ignored.extend_from_slice(b"\xfe\"");
    ignored.extend_from_slice(br#","usage":1}"#);
    ignored.push(b'\n');
    for bytes in [bad, ignored] {
        let read = |raw_only: bool| {
            super::RAW_ONLY.with(|r| r.set(raw_only));
            let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
            let mut out = Records::default();
            let mut lines = LineReader::new(&bytes[..], 0);
            while let Some(line) = lines.next_line().unwrap() {
                r.feed(&line, &mut out);
            }
            super::RAW_ONLY.with(|r| r.set(false));
            format!("{out:?}")
        };
        assert_eq!(read(false), read(true));
    }
    let broken = format!(
        r#"{{"type":"assistant",{TS},"message":{{"id":"m1","usage":{{"output_tokens":1}}}}"#
    );
    assert_eq!(
        outcome(&(broken.clone() + "}\n"), Capture::default(), false),
        outcome(&(broken + "}\n"), Capture::default(), true)
    );
}

#[test]
fn an_ignored_row_never_fails_on_its_message() {
    for message in [
        r#"{"model":5,"usage":"x"}"#,
        "[1,2]",
        r#"{"usage":{"input_tokens":1e999}}"#,
    ] {
        let line =
            format!(r#"{{"type":"system","subtype":"note",{TS},"message":{message},"usage":1}}"#)
                + "\n";
        let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
        let out = run(&mut r, &line);
        assert_eq!(out.lines_skipped, 0, "{line}");
        assert!(out.turns.is_empty() && out.bad_lines.is_empty());
    }
}

#[test]
fn a_wrongly_typed_assistant_field_is_a_bad_line_with_the_typed_parse_error() {
    let line = format!(r#"{{"type":"assistant",{TS},"message":{{"id":"m1","model":5}}}}"#) + "\n";
    let mut r = ClaudeReader::new(ctx(), ClaudeState::default());
    let out = run(&mut r, &line);
    assert_eq!(out.lines_skipped, 1);
    assert_eq!(
        out.bad_lines,
        vec![(
            1,
            "unreadable assistant message: invalid type: integer `5`, expected a string at line 1 column 20"
                .to_string()
        )]
    );
    // The same field in a user row is not read: the row counts.
    let line =
        format!(r#"{{"type":"user",{TS},"uuid":"u","message":{{"model":5,"content":"hi"}}}}"#)
            + "\n";
    let out = run(&mut ClaudeReader::new(ctx(), ClaudeState::default()), &line);
    assert_eq!(out.lines_skipped, 0);
    assert_eq!(out.user_turns.len(), 1);
}

#[test]
fn borrowed_string_fields_accept_and_reject_what_owned_strings_do() {
    // `UserBlock` as it was declared before its strings borrowed (serde's `Option<Cow<str>>`
    // reads through `String`).
    #[derive(Deserialize)]
    struct Owned {
        #[serde(rename = "type", default)]
        kind: Option<String>,
        #[serde(default)]
        text: Option<String>,
    }
    for text in [
        r#"{"type":"text","text":"plain"}"#,
        r#"{"type":"t\u0065xt","text":"esc\naped"}"#,
        r#"{"type":null}"#,
        r#"{}"#,
        r#"{"text":5}"#,
        r#"{"text":true}"#,
        r#"{"text":[]}"#,
        r#"{"text":{"a":1}}"#,
        r#"{"type":1.5}"#,
        r#"{"text":"\ud800"}"#,
        r#"{"text":"a","text":"b"}"#,
        r#"[]"#,
        r#"["text","x"]"#,
        r#"[5]"#,
    ] {
        let owned = serde_json::from_str::<Owned>(text)
            .map(|b| (b.kind, b.text))
            .map_err(|e| e.to_string());
        let borrowed = serde_json::from_str::<wire::UserBlock<'_>>(text)
            .map(|b| {
                (
                    b.kind.map(|s| s.into_owned()),
                    b.text.map(|s| s.into_owned()),
                )
            })
            .map_err(|e| e.to_string());
        assert_eq!(borrowed, owned, "{text}");
    }
}
