//! Mutation fuzzing of every reader, run by `cargo test`: valid rows of each harness are
//! corrupted thousands of ways (bytes flipped, cut, duplicated, numbers made huge or
//! negative, structure characters injected) and fed between valid rows. A reader must never
//! panic, must keep token counts non-negative, and must resume from its serialized state.
//! Deterministic (seeded), so a failure reproduces.

use super::claude::{ClaudeReader, ClaudeState, FileContext as ClaudeContext};
use super::codex::{CodexReader, CodexState, FileContext as CodexContext};
use super::opencode::{self, DocIds};
use super::LogReader;
use crate::scan::LineReader;
use crate::vocab::records::Records;

const CASES: usize = 4_000;

/// xorshift64*: a tiny seeded generator, enough to drive mutations.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INJECT: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"null",
    b"-1",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"1e308",
    b"\\u0000",
    b"\xff\xfe",
    b"\0",
    b"\"\"",
    b"[]",
    b"{}",
    b"true",
];

/// One random corruption of `row`.
pub(super) fn mutate(rng: &mut Rng, row: &[u8]) -> Vec<u8> {
    let mut v = row.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(at),
            2 => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            3 => {
                let s = INJECT[rng.below(INJECT.len())];
                v.splice(at..at, s.iter().copied());
            }
            4 => {
                // Replace the next number with an extreme one.
                if let Some(p) = v[at..].iter().position(u8::is_ascii_digit) {
                    let start = at + p;
                    let end = v[start..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .map_or(v.len(), |e| start + e);
                    let s = INJECT[8 + rng.below(4)];
                    v.splice(start..end, s.iter().copied());
                }
            }
            _ => {
                let dup = v[at..].to_vec();
                v.extend_from_slice(&dup);
            }
        }
    }
    v.retain(|&b| b != b'\n');
    v
}

pub(super) fn assert_sane(out: &Records) {
    for t in out
        .turns
        .iter()
        .chain(out.snapshots.iter().flat_map(|g| &g.turns))
    {
        let u = &t.usage;
        assert!(
            u.input >= 0
                && u.output >= 0
                && u.reasoning >= 0
                && u.cache_read >= 0
                && u.cache_write_5m >= 0
                && u.cache_write_1h >= 0,
            "negative usage in {t:?}"
        );
    }
}

/// Feeds `rows` (valid and corrupted) to a reader in two passes, resuming from its state.
fn drive<R: LogReader>(rows: &[Vec<u8>], mut make: impl FnMut(Option<String>) -> R) {
    let mut text = Vec::new();
    for r in rows {
        text.extend_from_slice(r);
        text.push(b'\n');
    }
    let half = text.len() / 2;
    let cut = text[..half]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut out = Records::default();
    let mut reader = make(None);
    let mut lines = LineReader::new(&text[..cut], 0);
    while let Some(line) = lines.next_line().unwrap() {
        reader.feed(&line, &mut out);
    }
    reader.finish(false, &mut out);
    let mut reader = make(Some(reader.state_json()));
    let mut lines = LineReader::new(&text[cut..], cut as u64);
    while let Some(line) = lines.next_line().unwrap() {
        reader.feed(&line, &mut out);
    }
    reader.finish(true, &mut out);
    assert_sane(&out);
}

fn corpus(rng: &mut Rng, valid: &[&str]) -> Vec<Vec<u8>> {
    (0..12)
        .map(|_| {
            let row = valid[rng.below(valid.len())].as_bytes();
            if rng.below(3) == 0 {
                row.to_vec()
            } else {
                mutate(rng, row)
            }
        })
        .collect()
}

const CLAUDE_ROWS: &[&str] = &[
    r#"{"type":"assistant","sessionId":"s1","cwd":"/p","gitBranch":"main","timestamp":"2026-01-01T00:00:01.000Z","requestId":"r1","uuid":"a1","message":{"id":"m1","model":"claude-sonnet-4-5","stop_reason":null,"content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":10,"output_tokens":1,"cache_read_input_tokens":100,"cache_creation":{"ephemeral_5m_input_tokens":5,"ephemeral_1h_input_tokens":7}}}}"#,
    r#"{"type":"assistant","sessionId":"s1","cwd":"/p","timestamp":"2026-01-01T00:00:02.000Z","requestId":"r1","uuid":"a2","message":{"id":"m1","model":"claude-sonnet-4-5","stop_reason":"tool_use","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls -la"}}],"usage":{"input_tokens":10,"output_tokens":42,"cache_read_input_tokens":100,"cache_creation_input_tokens":12}}}"#,
    r#"{"type":"user","sessionId":"s1","timestamp":"2026-01-01T00:00:03Z","uuid":"u1","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok","is_error":false},{"type":"text","text":"go on"}]},"toolUseResult":{"usage":{"input_tokens":5}}}"#,
    r#"{"type":"system","subtype":"compact_boundary","sessionId":"s1","timestamp":"2026-01-01T00:00:05Z","uuid":"c1","compactMetadata":{"trigger":"auto","preTokens":155000}}"#,
    r#"{"type":"summary","summary":"t","leafUuid":"a2"}"#,
    r#"{"timestamp":"2026-01-01T00:00:06Z","message":{"usage":{"input_tokens":3,"output_tokens":1}}}"#,
    r#"{"type":"progress","sessionId":"s1","timestamp":"2026-01-01T00:00:07Z","data":{"type":"agent_progress","agentId":"a9","message":{"type":"assistant","timestamp":"2026-01-01T00:00:07Z","requestId":"r9","uuid":"p9","message":{"id":"m9","model":"claude-haiku-4-5","stop_reason":null,"content":[],"usage":{"input_tokens":2,"output_tokens":1}}}}}"#,
];

#[test]
fn claude_reader_survives_mutated_rows() {
    let mut rng = Rng(0x5eed_c1a0);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, CLAUDE_ROWS);
        drive(&rows, |state| {
            let state: ClaudeState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = ClaudeContext {
                file_stem: "s1".into(),
                subagent: None,
                path: "/p/s1.jsonl".into(),
            };
            ClaudeReader::new(ctx, state)
        });
    }
}

const CODEX_ROWS: &[&str] = &[
    r#"{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"c1","cwd":"/p","model_provider":"openai","git":{"branch":"main"}}}"#,
    r#"{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"c2","forked_from_id":"c1","cwd":"/p","source":{"subagent":{"thread_spawn":{"parent_thread_id":"c1","depth":1}}}}}"#,
    r#"{"timestamp":"2026-01-01T00:00:01.000Z","type":"turn_context","payload":{"turn_id":"t1","cwd":"/p","model":"gpt-5.1-codex"}}"#,
    r#"{"timestamp":"2026-01-01T00:00:01.000Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}}"#,
    r#"{"timestamp":"2026-01-01T00:00:02.000Z","type":"event_msg","payload":{"type":"user_message","message":"fix it"}}"#,
    r#"{"timestamp":"2026-01-01T00:00:03.000Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"ls\"]}","call_id":"c"}}"#,
    r#"{"timestamp":"2026-01-01T00:00:04.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":2,"total_tokens":110},"last_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":2,"total_tokens":110}}}}"#,
    r#"{"timestamp":"2026-01-01T00:00:05.000Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"t1"}}"#,
    r#"{"timestamp":"2026-01-01T00:00:06.000Z","type":"compacted","payload":{"message":"summary"}}"#,
];

#[test]
fn codex_reader_survives_mutated_rows() {
    let mut rng = Rng(0xc0de_c0de);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, CODEX_ROWS);
        drive(&rows, |state| {
            let state: CodexState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = CodexContext {
                file_stem: "rollout-2026-01-01T00-00-00-c1".into(),
            };
            CodexReader::new(ctx, state)
        });
    }
}

const OPENCODE_MESSAGE: &str = r#"{"id":"msg_1","sessionID":"ses_1","role":"assistant","time":{"created":1767225600000,"completed":1767225601000},"modelID":"claude-sonnet-4-5","providerID":"anthropic","path":{"cwd":"/p","root":"/p"},"tokens":{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}},"cost":0}"#;
const OPENCODE_PARTS: &[&str] = &[
    r#"{"id":"prt_1","messageID":"msg_1","sessionID":"ses_1","type":"step-finish","tokens":{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}}}"#,
    r#"{"id":"prt_2","messageID":"msg_1","sessionID":"ses_1","type":"tool","tool":"bash","state":{"status":"completed","input":{"command":"ls"}}}"#,
    r#"{"id":"prt_3","messageID":"msg_1","sessionID":"ses_1","type":"compaction"}"#,
];
const OPENCODE_SESSION: &str = r#"{"id":"ses_2","parentID":"ses_1","projectID":"p","directory":"/p","title":"t","time":{"created":1767225600000,"updated":1767225601000}}"#;

#[test]
fn opencode_documents_survive_mutation() {
    let mut rng = Rng(0x0bec_0de5);
    for _ in 0..CASES {
        let doc =
            String::from_utf8_lossy(&mutate(&mut rng, OPENCODE_MESSAGE.as_bytes())).into_owned();
        let parts: Vec<String> = OPENCODE_PARTS
            .iter()
            .map(|p| {
                if rng.below(2) == 0 {
                    p.to_string()
                } else {
                    String::from_utf8_lossy(&mutate(&mut rng, p.as_bytes())).into_owned()
                }
            })
            .collect();
        let mut out = Records::default();
        let ids = DocIds {
            id: None,
            session_id: None,
        };
        let _ = opencode::message_records(&doc, ids, &parts, &mut |_, _, _| None, &mut out);
        assert_sane(&out);
        let session =
            String::from_utf8_lossy(&mutate(&mut rng, OPENCODE_SESSION.as_bytes())).into_owned();
        let _ = opencode::session_info(&session, None);
    }
}

/// Mutates entries of a JSON array document one at a time, or the document's text itself.
fn mutate_doc(rng: &mut Rng, entries: &[serde_json::Value]) -> String {
    if rng.below(4) == 0 {
        let whole = serde_json::Value::Array(entries.to_vec()).to_string();
        return String::from_utf8_lossy(&mutate(rng, whole.as_bytes())).into_owned();
    }
    let parts: Vec<String> = entries
        .iter()
        .map(|e| {
            let text = e.to_string();
            if rng.below(3) == 0 {
                String::from_utf8_lossy(&mutate(rng, text.as_bytes())).into_owned()
            } else {
                text
            }
        })
        .collect();
    format!("[{}]", parts.join(","))
}

#[test]
fn amp_threads_survive_mutation() {
    use super::amp::tests::{assistant, thread, user};
    let mut rng = Rng(0x0a3b_7e11);
    let messages = vec![
        user(0, "go", 1767225600000),
        assistant(
            1,
            "2026-01-01T00:00:05.000Z",
            "claude-sonnet-4-5",
            [10, 20, 30, 40],
        ),
        assistant(
            2,
            "2026-01-01T00:00:09.000Z",
            "claude-sonnet-4-5",
            [1, 2, 3, 4],
        ),
    ];
    for _ in 0..CASES {
        let doc = thread("T-f", Vec::new()).to_string();
        let body = mutate_doc(&mut rng, &messages);
        let doc = doc.replacen("\"messages\":[]", &format!("\"messages\":{body}"), 1);
        let mut out = Records::default();
        let capture = crate::content::Capture {
            mode: crate::content::settings::ContentMode::Full,
            cutoff_ms: None,
        };
        let mut state = super::amp::AmpState::default();
        let _ = super::amp::thread_records(&doc, "T-f", &capture, &mut state, &mut out);
        assert_sane(&out);
    }
}

#[test]
fn cline_tasks_survive_mutation_and_resume_from_their_state() {
    use super::cline::tests::{done, req, roo_history, say};
    use super::cline::{task_records, TaskHistory, TaskState};
    let mut rng = Rng(0x0c1e_0a5e);
    let entries = vec![
        say(1767225600000, "task", "fix it"),
        req(1767225601000, done(3, 200, 15000, 0, 0.06)),
        req(
            1767225602000,
            serde_json::json!({"tokensIn": 900, "tokensOut": 10, "cacheReads": 800, "apiProtocol": "openai"}),
        ),
        say(
            1767225609000,
            "deleted_api_reqs",
            &done(54, 54, 0, 0, 0.0).to_string(),
        ),
    ];
    let history = TaskHistory::parse(&roo_history(1767225600500, "claude-sonnet-4-5"));
    for _ in 0..CASES {
        let mut state = TaskState::default();
        for _ in 0..2 {
            let doc = mutate_doc(&mut rng, &entries);
            let mut out = Records::default();
            let h = crate::vocab::Harness::Cline;
            let capture = crate::content::Capture::default();
            let _ = task_records(h, "t", &doc, &history, &capture, &mut state, &mut out);
            assert_sane(&out);
            // The state survives its own serialization.
            let json = serde_json::to_string(&state).unwrap();
            state = serde_json::from_str(&json).unwrap();
        }
        let _ = TaskHistory::parse(&String::from_utf8_lossy(&mutate(
            &mut rng,
            roo_history(1, "m").as_bytes(),
        )));
    }
}

#[test]
fn counts_accept_integers_and_integral_floats_and_refuse_the_absurd() {
    use super::wire::{Count, MAX_COUNT};
    let read = |json: &str| serde_json::from_str::<Count>(json).unwrap().0;
    assert_eq!(read("1234"), 1234);
    assert_eq!(read("1234.0"), 1234);
    assert_eq!(read("1767225600000"), 1_767_225_600_000); // epoch ms fit
    assert_eq!(read(&MAX_COUNT.to_string()), MAX_COUNT);
    for corrupt in [
        "-1",
        "12.5",
        "1e16",
        "9223372036854775807",
        "18446744073709551615",
        "\"7\"",
        "null",
        "{}",
        "[]",
        "true",
    ] {
        assert_eq!(read(corrupt), 0, "{corrupt}");
    }
}

/// The content store on, so the capture paths of the newer readers are fuzzed too.
const FULL: crate::content::Capture = crate::content::Capture {
    mode: crate::content::ContentMode::Full,
    cutoff_ms: None,
};

const GEMINI_ROWS: &[&str] = &[
    r#"{"sessionId":"g-1","projectHash":"abc","startTime":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-01T00:00:00.000Z","kind":"subagent","directories":["/p"]}"#,
    r#"{"id":"u1","timestamp":"2026-01-01T00:00:01.000Z","type":"user","content":[{"text":"hi"}]}"#,
    r#"{"id":"m1","timestamp":"2026-01-01T00:00:02.000Z","type":"gemini","content":"","thoughts":[],"tokens":null,"model":"gemini-2.5-pro"}"#,
    r#"{"id":"m1","timestamp":"2026-01-01T00:00:02.000Z","type":"gemini","content":"","tokens":{"input":100,"output":10,"cached":40,"thoughts":5,"tool":2,"total":117},"model":"gemini-2.5-pro","toolCalls":[{"id":"c1","name":"read_file","args":{"file_path":"/a"},"result":[{"functionResponse":{"response":{"output":"x"}}}],"status":"success","timestamp":"2026-01-01T00:00:03.000Z"}]}"#,
    r#"{"$set":{"lastUpdated":"2026-01-01T00:00:04.000Z","messages":[{"id":"m2","timestamp":"2026-01-01T00:00:02.000Z","type":"gemini","tokens":{"input":1,"output":1}}]}}"#,
    r#"{"$rewindTo":"u1"}"#,
];

#[test]
fn gemini_reader_survives_mutated_rows() {
    use super::gemini::{FileContext, GeminiReader, GeminiState};
    let mut rng = Rng(0x6e6d_1c11);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, GEMINI_ROWS);
        drive(&rows, |state| {
            let state: GeminiState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = FileContext {
                file_stem: "session-x".into(),
                parent_session: Some("p".into()),
                project: None,
            };
            GeminiReader::new(ctx, state).with_capture(FULL)
        });
        // The same rows as one legacy document.
        let doc = format!(
            r#"{{"sessionId":"g","messages":[{}]}}"#,
            String::from_utf8_lossy(&rows.join(&b","[..]))
        );
        let mut out = Records::default();
        super::gemini::legacy_records(&doc, Default::default(), Default::default(), &mut out);
        assert_sane(&out);
    }
}

const QWEN_ROWS: &[&str] = &[
    r#"{"uuid":"u1","parentUuid":null,"sessionId":"q-1","timestamp":"2026-01-01T00:00:01.000Z","type":"user","cwd":"/p","version":"1","gitBranch":"main","message":{"role":"user","parts":[{"text":"hi"}]}}"#,
    r#"{"uuid":"a1","parentUuid":"u1","sessionId":"q-1","timestamp":"2026-01-01T00:00:02.000Z","type":"assistant","cwd":"/p","version":"1","model":"qwen3-coder-plus","message":{"role":"model","parts":[{"functionCall":{"id":"c1","name":"run_shell_command","args":{"command":"ls"}}}]},"usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":10,"cachedContentTokenCount":60,"thoughtsTokenCount":4,"totalTokenCount":110},"forkedFrom":{"sessionId":"q-0","messageUuid":"a1"}}"#,
    r#"{"uuid":"r1","parentUuid":"a1","sessionId":"q-1","timestamp":"2026-01-01T00:00:03.000Z","type":"tool_result","cwd":"/p","version":"1","message":{"role":"user","parts":[{"functionResponse":{"id":"c1","response":{"output":"ok"}}}]},"toolCallResult":{"callId":"c1","status":"success"}}"#,
    r#"{"uuid":"s1","parentUuid":"r1","sessionId":"q-1","timestamp":"2026-01-01T00:00:04.000Z","type":"system","subtype":"chat_compression","cwd":"/p","version":"1","systemPayload":{"info":{"originalTokenCount":5000,"newTokenCount":900}}}"#,
    r#"{"uuid":"s2","parentUuid":null,"sessionId":"q-1","timestamp":"2026-01-01T00:00:00.000Z","type":"system","subtype":"parent_session","cwd":"/p","version":"1","systemPayload":{"parentSessionId":"q-0"}}"#,
];

#[test]
fn qwen_reader_survives_mutated_rows() {
    use super::qwen::{FileContext, QwenReader, QwenState};
    let mut rng = Rng(0x9e11_c0de);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, QWEN_ROWS);
        drive(&rows, |state| {
            let state: QwenState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            QwenReader::new(
                FileContext {
                    file_stem: "q-1".into(),
                },
                state,
            )
            .with_capture(FULL)
        });
    }
}

const PI_ROWS: &[&str] = &[
    r#"{"type":"session","version":3,"id":"p-1","timestamp":"2026-01-01T00:00:00.000Z","cwd":"/p","parentSession":"/s/2025-12-31T00-00-00-000Z_p-0.jsonl"}"#,
    r#"{"type":"message","id":"e1","parentId":null,"timestamp":"2026-01-01T00:00:01.000Z","message":{"role":"user","content":"hi","timestamp":1767225601000}}"#,
    r#"{"type":"message","id":"e2","parentId":"e1","timestamp":"2026-01-01T00:00:02.000Z","message":{"role":"assistant","content":[{"type":"toolCall","id":"t1","name":"bash","arguments":{"command":"ls"}}],"provider":"anthropic","model":"claude-sonnet-4-5","usage":{"input":10,"output":20,"cacheRead":300,"cacheWrite":40,"totalTokens":370,"cost":{"total":0.01}},"stopReason":"toolUse","timestamp":1767225602000}}"#,
    r#"{"type":"message","id":"e3","parentId":"e2","timestamp":"2026-01-01T00:00:03.000Z","message":{"role":"toolResult","toolCallId":"t1","toolName":"bash","content":[{"type":"text","text":"a"}],"isError":false,"timestamp":1767225603000}}"#,
    r#"{"type":"compaction","id":"e4","parentId":"e3","timestamp":"2026-01-01T00:00:04.000Z","summary":"s","firstKeptEntryId":"e3","tokensBefore":370}"#,
];

#[test]
fn pi_reader_survives_mutated_rows() {
    use super::pi::{FileContext, PiReader, PiState};
    let mut rng = Rng(0x0091_5e55);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, PI_ROWS);
        drive(&rows, |state| {
            let state: PiState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            PiReader::new(
                FileContext {
                    file_stem: "2026-01-01T00-00-00-000Z_p-1".into(),
                },
                state,
            )
            .with_capture(FULL)
        });
    }
}

const COPILOT_ROWS: &[&str] = &[
    r#"{"type":"session.start","data":{"sessionId":"s1","selectedModel":"claude-sonnet-4.6","context":{"cwd":"/p","branch":"main"}},"id":"e1","timestamp":"2026-07-01T12:00:00.000Z","parentId":null}"#,
    r#"{"type":"user.message","data":{"content":"go"},"id":"e2","timestamp":"2026-07-01T12:00:01.000Z","parentId":"e1"}"#,
    r#"{"type":"tool.execution_start","data":{"toolCallId":"t1","toolName":"bash","arguments":{"command":"ls"}},"id":"e3","timestamp":"2026-07-01T12:00:02.000Z","parentId":"e2"}"#,
    r#"{"type":"tool.execution_complete","data":{"toolCallId":"t1","success":false,"result":{"content":"x"}},"id":"e4","timestamp":"2026-07-01T12:00:03.000Z","parentId":"e3"}"#,
    r#"{"type":"session.shutdown","data":{"sessionStartTime":1782907200000,"modelMetrics":{"gemini-2.5-pro":{"requests":{"count":1,"cost":1},"usage":{"inputTokens":300,"outputTokens":20,"cacheReadTokens":100,"cacheWriteTokens":50,"reasoningTokens":9}},"gpt-5.4":{"usage":{"inputTokens":5,"outputTokens":1,"reasoningTokens":4}}}},"id":"e5","timestamp":"2026-07-01T12:10:00.000Z","parentId":null}"#,
];

#[test]
fn copilot_events_reader_survives_mutated_rows() {
    use super::copilot::events::{EventsReader, EventsState, FileContext};
    let mut rng = Rng(0xc091_1075);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, COPILOT_ROWS);
        drive(&rows, |state| {
            let state: EventsState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = FileContext {
                session_id: "s1".into(),
                store_times: vec![1_782_000_000_000],
            };
            EventsReader::new(ctx, state)
        });
    }
}

const KIMI_ROWS: &[&str] = &[
    r#"{"type": "metadata", "protocol_version": "1.3"}"#,
    r#"{"timestamp": 1781000000.5, "message": {"type": "TurnBegin", "payload": {"user_input": [{"type": "text", "text": "hi"}]}}}"#,
    r#"{"timestamp": 1781000001.5, "message": {"type": "ToolCall", "payload": {"type": "function", "id": "c1", "function": {"name": "Shell", "arguments": "{\"command\": \"ls\"}"}}}}"#,
    r#"{"timestamp": 1781000002.5, "message": {"type": "StatusUpdate", "payload": {"token_usage": {"input_other": 10, "output": 3, "input_cache_read": 90, "input_cache_creation": 4}, "message_id": "chatcmpl-1"}}}"#,
    r#"{"timestamp": 1781000003.5, "message": {"type": "ToolResult", "payload": {"tool_call_id": "c1", "return_value": {"is_error": false, "output": "ok"}}}}"#,
    r#"{"timestamp": 1781000004.5, "message": {"type": "SubagentEvent", "payload": {"agent_id": "a", "event": {"type": "StatusUpdate", "payload": {"token_usage": {"input_other": 1, "output": 1}}}}}}"#,
    r#"{"type":"llm.request","model":"kimi-code/kimi-k2.6","time":1781000000000}"#,
    r#"{"type":"usage.record","usage":{"inputOther":12,"output":3,"inputCacheRead":20,"inputCacheCreation":0},"usageScope":"turn","model":"__env__","time":1781000001000}"#,
];

#[test]
fn kimi_reader_survives_mutated_rows() {
    use super::kimi::{FileContext, KimiReader, KimiState};
    let mut rng = Rng(0x0c1a_0c1a);
    for i in 0..CASES {
        let rows = corpus(&mut rng, KIMI_ROWS);
        drive(&rows, |state| {
            let state: KimiState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = FileContext {
                session_id: "s1".into(),
                model: "kimi-for-coding".into(),
                code: i % 2 == 0,
                agent: "main".into(),
                ..Default::default()
            };
            KimiReader::new(ctx, state)
        });
    }
}

const GROK_ROWS: &[&str] = &[
    r#"{"jsonrpc":"2.0","method":"session/update","timestamp":"2026-07-13T10:00:00Z","params":{"sessionId":"s1","update":{"sessionUpdate":"user_message_chunk","content":{"type":"text","text":"hi"}},"_meta":{"eventId":"e0"}}}"#,
    r#"{"jsonrpc":"2.0","method":"session/update","timestamp":1784000000,"params":{"sessionId":"s1","update":{"sessionUpdate":"tool_call","toolCallId":"t1","title":"ls","kind":"execute","rawInput":{"command":"ls"}}}}"#,
    r#"{"jsonrpc":"2.0","method":"session/update","timestamp":"2026-07-13T10:00:03Z","params":{"sessionId":"s1","update":{"sessionUpdate":"turn_completed","usage":{"inputTokens":130,"outputTokens":6,"cachedReadTokens":90,"reasoningTokens":2,"modelUsage":{"grok-4.3":{"inputTokens":100,"outputTokens":5,"cachedReadTokens":80,"reasoningTokens":2},"grok-code-fast-1":{"inputTokens":30,"outputTokens":1,"cachedReadTokens":10}}}},"_meta":{"eventId":"e3"}}}"#,
    r#"{"jsonrpc":"2.0","method":"session/update","timestamp":"2026-07-13T10:00:04Z","params":{"sessionId":"s1","update":{"sessionUpdate":"turn_completed","usage":{"inputTokens":5,"outputTokens":1}}}}"#,
];

#[test]
fn grok_reader_survives_mutated_rows() {
    use super::grok::{FileContext, GrokReader, GrokState};
    let mut rng = Rng(0x0670_c0de);
    for _ in 0..CASES {
        let rows = corpus(&mut rng, GROK_ROWS);
        drive(&rows, |state| {
            let state: GrokState = state
                .map(|s| serde_json::from_str(&s).unwrap())
                .unwrap_or_default();
            let ctx = FileContext {
                session_id: "s1".into(),
                ..Default::default()
            };
            GrokReader::new(ctx, state)
        });
    }
}
