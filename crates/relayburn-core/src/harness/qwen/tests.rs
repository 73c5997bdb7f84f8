//! Scenario tests on chats shaped as Qwen Code writes them: the `ChatRecord` of QwenLM/qwen-code
//! `packages/core/src/services/chatRecordingService.ts` (`uuid`, `parentUuid`, `sessionId`,
//! `timestamp`, `type`, `subtype`, `cwd`, `version`, `gitBranch`, `model`, `message` as a GenAI
//! `Content` `{role, parts}`, `usageMetadata` as the API's
//! `GenerateContentResponseUsageMetadata`, `toolCallResult`, `systemPayload`, and
//! `forkedFrom{sessionId, messageUuid}` on every record `/branch` copies), one file per session
//! at `projects/<sanitized cwd>/chats/<sessionId>.jsonl` (`packages/core/src/config/storage.ts`).

use super::*;
use crate::ingest::{ingest, IngestOptions};
use crate::ledger::Ledger;
use crate::scan::LineReader;

const S: &str = "b7c6d5e4-0000-4111-8222-333344445555";

fn base(uuid: &str, parent: &str, session: &str, sec: u32, kind: &str) -> String {
    format!(
        r#""uuid":"{uuid}","parentUuid":{parent},"sessionId":"{session}","timestamp":"2026-04-01T08:00:{sec:02}.000Z","type":"{kind}","cwd":"/work/shop","version":"0.14.2","gitBranch":"main""#
    )
}

fn user(uuid: &str, session: &str, sec: u32, text: &str) -> String {
    format!(
        r#"{{{},"message":{{"role":"user","parts":[{{"text":"{text}"}}]}}}}"#,
        base(uuid, "null", session, sec, "user")
    )
}

/// `[prompt, candidates, cached, thoughts, total]`.
fn assistant(uuid: &str, session: &str, sec: u32, u: [i64; 5], extra: &str) -> String {
    let [p, c, k, th, t] = u;
    format!(
        r#"{{{},"model":"qwen3-coder-plus","message":{{"role":"model","parts":[{{"text":"ok"}},{{"functionCall":{{"id":"call_1","name":"run_shell_command","args":{{"command":"cargo test"}}}}}}]}},"usageMetadata":{{"promptTokenCount":{p},"candidatesTokenCount":{c},"cachedContentTokenCount":{k},"thoughtsTokenCount":{th},"totalTokenCount":{t}}}{extra}}}"#,
        base(uuid, "\"u1\"", session, sec, "assistant")
    )
}

fn telemetry(uuid: &str, sec: u32) -> String {
    format!(
        r#"{{{},"subtype":"ui_telemetry","systemPayload":{{"uiEvent":{{"event.name":"qwen-code.api_response","model":"qwen3-coder-plus","input_token_count":9000,"output_token_count":300,"cached_content_token_count":6000}}}}}}"#,
        base(uuid, "\"a1\"", S, sec, "system")
    )
}

fn run(lines: &[String]) -> Records {
    let text = lines.join("\n") + "\n";
    let mut out = Records::default();
    let mut r = QwenReader::new(
        FileContext {
            file_stem: S.into(),
        },
        QwenState::default(),
    );
    let mut lr = LineReader::new(text.as_bytes(), 0);
    while let Some(line) = lr.next_line().unwrap() {
        r.feed(&line, &mut out);
    }
    out
}

#[test]
fn assistant_records_are_calls_with_an_inclusive_prompt_and_thoughts_inside_the_candidates() {
    let out = run(&[
        user("u1", S, 1, "run the tests"),
        // OpenAI-compatible backend: total = prompt + candidates, thoughts inside candidates.
        assistant("a1", S, 2, [9_000, 300, 6_000, 120, 9_300], ""),
        telemetry("t1", 3),
        format!(
            r#"{{{},"message":{{"role":"user","parts":[{{"functionResponse":{{"id":"call_1","name":"run_shell_command","response":{{"output":"ok"}}}}}}]}},"toolCallResult":{{"callId":"call_1","status":"success"}}}}"#,
            base("r1", "\"a1\"", S, 4, "tool_result")
        ),
    ]);
    assert_eq!(
        out.turns.len(),
        1,
        "ui_telemetry repeats the usage: not a call"
    );
    let t = &out.turns[0];
    assert_eq!(t.key, "qwen-code|a1");
    let u = t.usage;
    assert_eq!(
        (u.input, u.cache_read, u.output, u.reasoning),
        (3_000, 6_000, 300, 120)
    );
    assert_eq!(u.total(), 9_300);
    assert_eq!(
        (t.project.as_deref(), t.branch.as_deref()),
        (Some("/work/shop"), Some("main"))
    );
    assert_eq!(t.tool_calls[0].target.as_deref(), Some("cargo test"));
    let result = out.user_turns.iter().find(|u| u.uuid == "r1").unwrap();
    assert_eq!(result.blocks[0].tool_use_id.as_deref(), Some("call_1"));
    assert_eq!(result.preceding_message_id.as_deref(), Some("a1"));
    // Gemini backend through Qwen: total = prompt + candidates + thoughts.
    let out = run(&[assistant("a2", S, 5, [1_000, 50, 0, 30, 1_080], "")]);
    assert_eq!(out.turns[0].usage.output, 80);
}

#[test]
fn a_branch_copy_counts_once_and_hangs_under_its_source_and_a_rewound_call_stays_billed() {
    let dir = tempfile::tempdir().unwrap();
    let chats = dir.path().join("qwen/projects/-work-shop/chats");
    std::fs::create_dir_all(&chats).unwrap();
    let fork = "f0f0f0f0-0000-4111-8222-999999999999";
    let source = [
        user("u1", S, 1, "hi"),
        assistant("a1", S, 2, [1_000, 100, 0, 0, 1_100], ""),
        assistant("a2", S, 3, [2_000, 100, 1_000, 0, 2_100], ""),
        // The user rewinds past a2: it stays billed.
        format!(
            r#"{{{},"subtype":"rewind","systemPayload":{{"truncatedCount":2}}}}"#,
            base("w1", "\"a1\"", S, 4, "system")
        ),
        "{\"uuid\":".to_string(),
    ];
    let forked_from =
        |m: &str| format!(r#","forkedFrom":{{"sessionId":"{S}","messageUuid":"{m}"}}"#);
    let forked = [
        user("u1", fork, 1, "hi").replace(
            r#""gitBranch":"main""#,
            &format!(r#""gitBranch":"main"{}"#, forked_from("u1")),
        ),
        assistant("a1", fork, 2, [1_000, 100, 0, 0, 1_100], &forked_from("a1")),
        assistant("a3", fork, 9, [500, 10, 0, 0, 510], ""),
    ];
    std::fs::write(chats.join(format!("{S}.jsonl")), source.join("\n") + "\n").unwrap();
    std::fs::write(
        chats.join(format!("{fork}.jsonl")),
        forked.join("\n") + "\n",
    )
    .unwrap();
    // The source is older: it is read first and keeps a1.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(chats.join(format!("{S}.jsonl")))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut ledger = Ledger::open(&dir.path().join("burn")).unwrap();
    let opts = IngestOptions {
        harnesses: Some(vec![Harness::QwenCode]),
        roots: std::collections::HashMap::from([(
            Harness::QwenCode,
            vec![dir.path().join("qwen").to_string_lossy().into_owned()],
        )]),
        ..Default::default()
    };
    let report = ingest(&mut ledger, &opts).unwrap();
    // The truncated last line of the idle source file is read and skipped.
    assert_eq!(report.lines_skipped, 1, "{report:?}");
    let conn = ledger.conn().unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT message_id, session_id FROM turns ORDER BY message_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let want = [("a1", S), ("a2", S), ("a3", fork)];
    assert_eq!(
        rows,
        want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
    let (parent, rel): (Option<String>, String) = conn
        .query_row(
            "SELECT parent_session_id, relationship FROM sessions WHERE session_id = ?1",
            [fork],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((parent.as_deref(), rel.as_str()), (Some(S), "fork"));
}

#[test]
fn content_is_captured_when_the_store_is_on() {
    use crate::content::{settings::ContentMode, Capture};
    let capture = Capture {
        mode: ContentMode::HashOnly,
        cutoff_ms: None,
    };
    let mut r = QwenReader::new(
        FileContext {
            file_stem: S.into(),
        },
        QwenState::default(),
    )
    .with_capture(capture);
    let text = [
        user("u1", S, 1, "run"),
        assistant("a1", S, 2, [10, 5, 0, 0, 15], ""),
    ]
    .join("\n")
        + "\n";
    let mut out = Records::default();
    let mut lr = LineReader::new(text.as_bytes(), 0);
    while let Some(line) = lr.next_line().unwrap() {
        r.feed(&line, &mut out);
    }
    let kinds: Vec<Vec<&str>> = out
        .content
        .iter()
        .map(|c| c.blocks.iter().map(|b| b.kind).collect())
        .collect();
    assert_eq!(kinds, [vec!["text"], vec!["text", "tool_use"]]);
    assert!(
        out.content
            .iter()
            .flat_map(|c| &c.blocks)
            .all(|b| b.data.is_none()),
        "hash-only keeps no text"
    );
}
