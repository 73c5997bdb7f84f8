//! Scenario tests on chats shaped as Gemini CLI writes them: `ChatRecordingService` in
//! google-gemini/gemini-cli `packages/core/src/services/chatRecordingService.ts` (the header
//! `{sessionId, projectHash, startTime, lastUpdated, kind, directories}` — `kind` and
//! `directories` omitted for a main chat, `JSON.stringify` drops undefined — a message appended
//! again on every change, `tokens: null` until `recordMessageTokens`, `{$set: {lastUpdated}}`
//! after each message, `{$rewindTo: id}`), record types in `chatRecordingTypes.ts`, file layout
//! `tmp/<project>/chats/session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl` and subagents in
//! `chats/<parent session id>/<session id>.jsonl`, the project root in the project directory's
//! `.project_root` (`packages/core/src/config/projectRegistry.ts`).

use super::*;
use crate::ingest::{ingest, IngestOptions};
use crate::ledger::Ledger;
use crate::scan::LineReader;

const SESSION: &str = "8f2c1d7e-3b4a-4c5d-9e6f-0a1b2c3d4e5f";

fn header(session: &str, extra: &str) -> String {
    format!(
        r#"{{"sessionId":"{session}","projectHash":"3f1c0a7d9b2e","startTime":"2026-03-02T09:00:00.000Z","lastUpdated":"2026-03-02T09:00:00.000Z"{extra}}}"#
    )
}

fn user(id: &str, sec: u32, text: &str) -> String {
    format!(
        r#"{{"id":"{id}","timestamp":"2026-03-02T09:00:{sec:02}.000Z","type":"user","content":[{{"text":"{text}"}}]}}"#
    )
}

/// A `gemini` message as `recordMessage` writes it (tokens `null` until reported) or as
/// `pushMessage` re-appends it; `tokens` is `[input, output, cached, thoughts, tool, total]`.
fn gemini(
    id: &str,
    sec: u32,
    model: Option<&str>,
    tokens: Option<[i64; 6]>,
    tools: &str,
) -> String {
    let tokens = tokens.map_or("null".to_string(), |[i, o, c, th, tl, t]| {
        format!(
            r#"{{"input":{i},"output":{o},"cached":{c},"thoughts":{th},"tool":{tl},"total":{t}}}"#
        )
    });
    let model = model.map_or(String::new(), |m| format!(r#","model":"{m}""#));
    let tools = if tools.is_empty() {
        String::new()
    } else {
        format!(r#","toolCalls":[{tools}]"#)
    };
    format!(
        r#"{{"id":"{id}","timestamp":"2026-03-02T09:00:{sec:02}.000Z","type":"gemini","content":"","thoughts":[],"tokens":{tokens}{model}{tools}}}"#
    )
}

fn tool(id: &str, name: &str, args: &str, result: Option<&str>) -> String {
    let (result, status) = match result {
        Some(r) => (
            format!(
                r#","result":[{{"functionResponse":{{"id":"{id}","name":"{name}","response":{{"output":"{r}"}}}}}}]"#
            ),
            "success",
        ),
        None => (String::new(), "executing"),
    };
    format!(
        r#"{{"id":"{id}","name":"{name}","args":{args}{result},"status":"{status}","timestamp":"2026-03-02T09:00:30.000Z","displayName":"{name}","description":"","renderOutputAsMarkdown":false}}"#
    )
}

fn set_updated() -> String {
    r#"{"$set":{"lastUpdated":"2026-03-02T09:01:00.000Z"}}"#.to_string()
}

fn run(reader: &mut GeminiReader, lines: &[String]) -> Records {
    let text = lines.join("\n") + "\n";
    let mut out = Records::default();
    let mut lr = LineReader::new(text.as_bytes(), 0);
    while let Some(line) = lr.next_line().unwrap() {
        reader.feed(&line, &mut out);
    }
    out
}

fn reader() -> GeminiReader {
    let ctx = FileContext {
        file_stem: "session-2026-03-02T09-00-8f2c1d7e".into(),
        ..Default::default()
    };
    GeminiReader::new(ctx, GeminiState::default())
}

#[test]
fn the_last_record_of_a_message_wins_and_cached_tokens_leave_input() {
    let t = [12_000, 300, 9_000, 120, 40, 12_460];
    let lines = vec![
        header(SESSION, ""),
        user("u1", 1, "fix the build"),
        set_updated(),
        gemini("g1", 2, Some("gemini-2.5-pro"), None, ""),
        set_updated(),
        // Tokens arrive: the same message appended again.
        gemini("g1", 2, Some("gemini-2.5-pro"), Some(t), ""),
        // Tool calls added, then their results: appended again, same tokens.
        gemini(
            "g1",
            2,
            Some("gemini-2.5-pro"),
            Some(t),
            &tool("c1", "read_file", r#"{"file_path":"/w/a.rs"}"#, None),
        ),
        gemini(
            "g1",
            2,
            Some("gemini-2.5-pro"),
            Some(t),
            &tool(
                "c1",
                "read_file",
                r#"{"file_path":"/w/a.rs"}"#,
                Some("fn main() {}"),
            ),
        ),
    ];
    let out = run(&mut reader(), &lines);
    let last = out.turns.last().unwrap();
    assert!(out
        .turns
        .iter()
        .all(|x| x.key == format!("gemini-cli|{SESSION}|g1")));
    // input = prompt − cached + tool; output = candidates + thoughts; reasoning = thoughts.
    let u = last.usage;
    assert_eq!(
        (u.input, u.cache_read, u.output, u.reasoning),
        (3_040, 9_000, 420, 120)
    );
    assert_eq!(u.total(), 12_460, "the API's total, nothing counted twice");
    assert_eq!(last.tool_calls.len(), 1);
    assert_eq!(last.tool_calls[0].target.as_deref(), Some("/w/a.rs"));
    assert_eq!(last.model, "gemini-2.5-pro");
    assert_eq!(out.lines_skipped, 0);
    // The tool result is a user turn answering c1; the prompt is another.
    let result = out.user_turns.iter().find(|u| u.uuid == "g1/c1").unwrap();
    assert_eq!(result.blocks[0].tool_use_id.as_deref(), Some("c1"));
    assert_eq!(out.user_turns.len(), 2);
}

#[test]
fn rewind_checkpoints_and_missing_models_change_nothing_billed() {
    let a = [1_000, 50, 0, 0, 0, 1_050];
    let b = [2_000, 80, 1_000, 10, 0, 2_090];
    let lines = vec![
        header(SESSION, ""),
        user("u1", 1, "first"),
        gemini("g1", 2, Some("gemini-2.5-flash"), Some(a), ""),
        user("u2", 3, "second"),
        // A record without `model` (a synthetic or resumed record): the session's model.
        gemini("g2", 4, None, Some(b), ""),
        // The user rewinds to u2: g2 disappears from the chat, but it was sent and billed.
        r#"{"$rewindTo":"u2"}"#.to_string(),
        // A checkpoint repeating the whole message list.
        format!(
            r#"{{"$set":{{"messages":[{},{}]}}}}"#,
            user("u1", 1, "first"),
            gemini("g1", 2, Some("gemini-2.5-flash"), Some(a), "")
        ),
    ];
    let out = run(&mut reader(), &lines);
    let keys: std::collections::BTreeSet<&str> = out.turns.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        keys.len(),
        2,
        "g1 and g2 both billed, the checkpoint adds nothing"
    );
    let g2 = out.turns.iter().find(|t| t.message_id == "g2").unwrap();
    assert_eq!(g2.model, "gemini-2.5-flash");
    assert_eq!(
        (g2.usage.input, g2.usage.cache_read, g2.usage.output),
        (1_000, 1_000, 90)
    );
    // The checkpoint's copy of g1 is the same record: not emitted again in this pass.
    assert_eq!(out.turns.iter().filter(|t| t.message_id == "g1").count(), 1);
}

#[test]
fn bad_lines_are_counted_and_a_pass_resumes_from_its_state() {
    let t = [500, 20, 0, 0, 0, 520];
    let first = vec![
        header(SESSION, ""),
        "{not json".to_string(),
        user("u1", 1, "hi"),
    ];
    let mut r = reader();
    let out = run(&mut r, &first);
    assert_eq!(out.lines_skipped, 1);
    assert_eq!(out.bad_lines[0].0, 2);
    let state: GeminiState = serde_json::from_str(&r.state_json()).unwrap();
    let ctx = FileContext {
        file_stem: "session-2026-03-02T09-00-8f2c1d7e".into(),
        ..Default::default()
    };
    let mut resumed = GeminiReader::new(ctx, state);
    let out = run(
        &mut resumed,
        &[gemini("g1", 2, Some("gemini-3-pro-preview"), Some(t), "")],
    );
    assert_eq!(
        out.turns[0].session_id, SESSION,
        "the session id comes from the state"
    );
}

/// A Gemini CLI home: `<home>/.gemini/tmp/<slug>/chats/…` with a `.project_root` marker.
fn write_home(home: &std::path::Path, files: &[(&str, String)]) {
    let project = home.join(".gemini/tmp/relayburn");
    std::fs::create_dir_all(project.join("chats")).unwrap();
    std::fs::write(project.join(".project_root"), "/work/relayburn").unwrap();
    for (rel, text) in files {
        let path = project.join("chats").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn totals(ledger: &Ledger) -> (i64, i64, i64, i64) {
    ledger
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*), COALESCE(sum(input),0), COALESCE(sum(cache_read),0), COALESCE(sum(output),0) FROM turns WHERE harness = 'gemini-cli'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

#[test]
fn a_legacy_document_and_its_jsonl_continuation_count_once_and_subagents_hang_under_their_parent() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("gh");
    let a = [1_000, 100, 400, 0, 0, 1_100];
    let b = [3_000, 200, 2_000, 50, 0, 3_250];
    let sub = "5d0e7c2a-1111-4222-8333-944455556666";
    // The legacy document (pretty-printed, as `JSON.stringify(…, null, 2)` wrote it).
    let legacy = format!(
        "{{\n  \"sessionId\": \"{SESSION}\",\n  \"projectHash\": \"3f1c0a7d9b2e\",\n  \"startTime\": \"2026-03-02T09:00:00.000Z\",\n  \"lastUpdated\": \"2026-03-02T09:00:05.000Z\",\n  \"messages\": [{}, {}]\n}}\n",
        user("u1", 1, "hello"),
        gemini("g1", 2, Some("gemini-2.5-pro"), Some(a), "")
    );
    // Resuming it: the whole record migrated into `<name>.jsonl`, then a new call.
    let migrated = [
        header(SESSION, ""),
        user("u1", 1, "hello"),
        gemini("g1", 2, Some("gemini-2.5-pro"), Some(a), ""),
        format!(r#"{{"$set":{{"sessionId":"{SESSION}"}}}}"#),
        user("u2", 10, "more"),
        gemini("g2", 11, Some("gemini-2.5-pro"), Some(b), ""),
    ]
    .join("\n")
        + "\n";
    let subagent = [
        header(
            sub,
            r#","kind":"subagent","directories":["/work/relayburn"]"#,
        ),
        gemini(
            "s1",
            20,
            Some("gemini-2.5-flash"),
            Some([800, 40, 0, 0, 0, 840]),
            "",
        ),
    ]
    .join("\n")
        + "\n";
    write_home(
        &home,
        &[
            ("session-2026-03-02T09-00-8f2c1d7e.json", legacy),
            ("session-2026-03-02T09-00-8f2c1d7e.jsonl", migrated),
            (&format!("{SESSION}/{sub}.jsonl"), subagent),
        ],
    );
    let mut ledger = Ledger::open(&dir.path().join("burn")).unwrap();
    let opts = IngestOptions {
        harnesses: Some(vec![Harness::GeminiCli]),
        // A home holding `.gemini`, as GEMINI_CLI_HOME names one.
        roots: std::collections::HashMap::from([(
            Harness::GeminiCli,
            vec![home.to_string_lossy().into_owned()],
        )]),
        ..Default::default()
    };
    let report = ingest(&mut ledger, &opts).unwrap();
    assert_eq!(report.files_scanned, 3, "{report:?}");
    assert_eq!(report.lines_skipped, 0, "{report:?}");
    // g1 once (legacy + migrated copy), g2, s1.
    assert_eq!(
        totals(&ledger),
        (3, 600 + 1_000 + 800, 400 + 2_000, 100 + 250 + 40)
    );
    let (parent, relationship, project): (Option<String>, String, Option<String>) = ledger
        .conn()
        .unwrap()
        .query_row(
            "SELECT parent_session_id, relationship, project FROM sessions WHERE session_id = ?1",
            [sub],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(parent.as_deref(), Some(SESSION));
    assert_eq!(relationship, "subagent");
    assert_eq!(project.as_deref(), Some("/work/relayburn"));
    // Appending to the jsonl reads only the new bytes; the rerun of everything changes nothing.
    let path = home.join(".gemini/tmp/relayburn/chats/session-2026-03-02T09-00-8f2c1d7e.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        &(gemini(
            "g3",
            30,
            Some("gemini-2.5-pro"),
            Some([100, 10, 0, 0, 0, 110]),
            "",
        ) + "\n"),
    );
    std::fs::write(&path, text).unwrap();
    let again = ingest(&mut ledger, &opts).unwrap();
    assert_eq!(again.files_changed, 1);
    assert_eq!(again.turns_added, 1);
    assert_eq!(totals(&ledger).0, 4);
}

#[test]
fn content_is_captured_and_replaced_as_the_message_grows() {
    use crate::content::{settings::ContentMode, Capture};
    let capture = Capture {
        mode: ContentMode::Full,
        cutoff_ms: None,
    };
    let mut r = reader().with_capture(capture);
    let t = [100, 10, 0, 0, 0, 110];
    let out = run(
        &mut r,
        &[
            header(SESSION, ""),
            user("u1", 1, "fix it"),
            gemini("g1", 2, Some("gemini-2.5-pro"), Some(t), ""),
            gemini(
                "g1",
                2,
                Some("gemini-2.5-pro"),
                Some(t),
                &tool("c1", "read_file", r#"{"file_path":"/a"}"#, Some("ok")),
            ),
        ],
    );
    let last = out.content.last().unwrap();
    assert!(
        last.replace,
        "a re-appended message replaces its stored blocks"
    );
    let kinds: Vec<&str> = last.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, ["tool_use", "tool_result"]);
    assert_eq!(out.content[0].role, "user");
}

#[test]
fn a_partial_last_line_is_a_re_append_of_a_counted_message() {
    let t = [400, 40, 100, 0, 0, 440];
    let complete = gemini("g1", 2, Some("gemini-2.5-pro"), Some(t), "");
    let cut = &complete[..complete.len() / 2];
    let text = [header(SESSION, ""), complete.clone(), complete.clone()].join("\n") + "\n" + cut;
    // While the file may still grow, the cut line is not read; once idle it is, and skipped.
    for idle in [false, true] {
        let mut r = reader();
        let mut out = Records::default();
        let mut lr = LineReader::new(text.as_bytes(), 0).take_tail(idle);
        while let Some(line) = lr.next_line().unwrap() {
            r.feed(&line, &mut out);
        }
        assert_eq!(out.turns.len(), 1, "the re-append adds nothing");
        assert_eq!(out.turns[0].usage.total(), 440);
        assert_eq!(out.lines_skipped, i64::from(idle));
    }
}
