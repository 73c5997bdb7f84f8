//! Grok Build scenario tests. Fixture shapes follow ccusage/ccusage
//! `rust/crates/ccusage/src/adapter/grok/parser.rs` and `README.md` (`sessions/<url-encoded
//! workspace>/<session>/updates.jsonl`, `{"timestamp", "params": {"sessionId", "update":
//! {"sessionUpdate":"turn_completed", "usage": {…, "modelUsage": {<model>: {inputTokens,
//! outputTokens, cachedReadTokens, reasoningTokens}}}}, "_meta": {"eventId"}}}`, sub-agents in
//! sibling session directories named by the parent's `subagents/<child>/`), and junhoyeo/tokscale
//! `crates/tokscale-core/src/sessions/grok.rs` (the JSON-RPC `session/update` envelope).

use super::*;
use crate::harness::support_tests::{age, Fixture};

fn update(ts: &str, session: &str, event: Option<&str>, update: &str) -> String {
    let meta = event.map_or(String::new(), |e| {
        format!(r#","_meta":{{"eventId":"{e}"}}"#)
    });
    format!(
        r#"{{"jsonrpc":"2.0","method":"session/update","timestamp":"{ts}","params":{{"sessionId":"{session}","update":{update}{meta}}}}}"#
    ) + "\n"
}

fn model(input: i64, output: i64, cached: i64, reasoning: i64) -> String {
    format!(
        r#"{{"inputTokens":{input},"outputTokens":{output},"cachedReadTokens":{cached},"reasoningTokens":{reasoning},"totalTokens":{}}}"#,
        input + output
    )
}

/// A completed turn: the top-level counts are the sum of the per-model ones.
fn completed(ts: &str, session: &str, event: Option<&str>, models: &[(&str, [i64; 4])]) -> String {
    let sum = |i: usize| models.iter().map(|m| m.1[i]).sum::<i64>();
    let per: Vec<String> = models
        .iter()
        .map(|(m, c)| format!(r#""{m}":{}"#, model(c[0], c[1], c[2], c[3])))
        .collect();
    let top = model(sum(0), sum(1), sum(2), sum(3));
    let usage = format!(
        r#"{},"modelUsage":{{{}}}}}"#,
        top.trim_end_matches('}'),
        per.join(",")
    );
    update(
        ts,
        session,
        event,
        &format!(r#"{{"sessionUpdate":"turn_completed","stopReason":"end_turn","usage":{usage}}}"#),
    )
}

const DIR: &str = "home/sessions/%2Fwork%2Fapp/s-1/updates.jsonl";

#[test]
fn only_completed_turns_count_one_turn_per_model() {
    let mut f = Fixture::new();
    let log = [
        update(
            "2026-07-13T10:00:00Z",
            "s-1",
            Some("e0"),
            r#"{"sessionUpdate":"user_message_chunk","content":{"type":"text","text":"refactor"}}"#,
        ),
        update(
            "2026-07-13T10:00:01Z",
            "s-1",
            Some("e1"),
            r#"{"sessionUpdate":"tool_call","toolCallId":"t1","title":"ls -la","kind":"execute","status":"pending","rawInput":{"command":"ls -la"}}"#,
        ),
        // A streaming update that repeats counts is not a completed turn.
        update(
            "2026-07-13T10:00:02Z",
            "s-1",
            Some("e2"),
            r#"{"sessionUpdate":"agent_message_chunk","content":{"type":"text","text":"ok"},"usage":{"inputTokens":999,"outputTokens":9}}"#,
        ),
        completed(
            "2026-07-13T10:00:03Z",
            "s-1",
            Some("e3"),
            &[
                ("grok-4.3", [1000, 50, 800, 20]),
                ("grok-code-fast-1", [300, 10, 100, 0]),
            ],
        ),
    ]
    .concat();
    f.write(DIR, &log);
    let r = f.ingest(Harness::Grok, "home");
    assert_eq!(r.lines_skipped, 0);
    // input without its cached part; reasoning beside output, added to it.
    assert_eq!(f.totals(Harness::Grok), (2, 200 + 200, 70 + 10, 20, 900, 0));
    assert_eq!(f.count("user_turns", Harness::Grok), 1);
    assert_eq!(f.prompts(Harness::Grok, "s-1"), ["refactor"]);
    assert!(f.tool_calls(Harness::Grok).contains("ls -la"));
    assert_eq!(
        f.session(Harness::Grok, "s-1", "project").as_deref(),
        Some("/work/app")
    );
}

#[test]
fn a_replayed_event_counts_once_even_across_passes() {
    let mut f = Fixture::new();
    let turn = completed(
        "2026-07-13T10:00:03Z",
        "s-1",
        Some("e3"),
        &[("grok-4.3", [100, 5, 0, 0])],
    );
    f.write(DIR, &turn.repeat(2));
    f.ingest(Harness::Grok, "home");
    assert_eq!(f.totals(Harness::Grok), (1, 100, 5, 0, 0, 0));
    f.append(DIR, &turn);
    f.append(
        DIR,
        &completed(
            "2026-07-13T10:01:00Z",
            "s-1",
            Some("e4"),
            &[("grok-4.3", [7, 1, 0, 0])],
        ),
    );
    f.ingest(Harness::Grok, "home");
    assert_eq!(f.totals(Harness::Grok), (2, 107, 6, 0, 0, 0));
}

#[test]
fn subagent_sessions_hang_under_their_parent() {
    let mut f = Fixture::new();
    f.write(
        DIR,
        &completed(
            "2026-07-13T10:00:03Z",
            "s-1",
            Some("e1"),
            &[("grok-4.3", [10, 1, 0, 0])],
        ),
    );
    f.write(
        "home/sessions/%2Fwork%2Fapp/s-1/subagents/s-2/meta.json",
        "{}",
    );
    f.write(
        "home/sessions/%2Fwork%2Fapp/s-2/updates.jsonl",
        &completed(
            "2026-07-13T10:00:05Z",
            "s-2",
            Some("e9"),
            &[("grok-4.3", [20, 2, 0, 0])],
        ),
    );
    f.ingest(Harness::Grok, "home");
    assert_eq!(f.totals(Harness::Grok), (2, 30, 3, 0, 0, 0));
    assert_eq!(
        f.session(Harness::Grok, "s-2", "parent_session_id")
            .as_deref(),
        Some("s-1")
    );
}

#[test]
fn a_partial_last_line_is_not_a_turn() {
    let mut f = Fixture::new();
    let done = completed(
        "2026-07-13T10:00:03Z",
        "s-1",
        Some("e1"),
        &[("grok-4.3", [10, 1, 0, 0])],
    );
    let next = completed(
        "2026-07-13T10:00:09Z",
        "s-1",
        Some("e2"),
        &[("grok-4.3", [50, 5, 0, 0])],
    );
    let p = f.write(DIR, &(done + &next[..next.len() / 2]));
    f.ingest(Harness::Grok, "home");
    assert_eq!(f.totals(Harness::Grok), (1, 10, 1, 0, 0, 0));
    // The writer died mid-line: once the file is idle the fragment is read, counted as bad.
    age(&p);
    let r = f.ingest(Harness::Grok, "home");
    assert_eq!(r.lines_skipped, 1);
    assert_eq!(f.totals(Harness::Grok), (1, 10, 1, 0, 0, 0));
}

#[test]
fn workspace_names_decode() {
    assert_eq!(percent_decode("%2Fhome%2Fme%2Fmy%20app"), "/home/me/my app");
    assert_eq!(percent_decode("plain%"), "plain%");
}
