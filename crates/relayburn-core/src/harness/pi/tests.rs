//! Scenario tests on sessions shaped as Pi writes them: badlogic/pi-mono
//! `packages/coding-agent/src/core/session-manager.ts` (header `{type:"session", version:3, id,
//! timestamp, cwd}`, entries `{type, id, parentId, timestamp}` with 8-hex ids, `message`
//! entries holding the `AgentMessage`, `createBranchedSession` copying the path to a leaf into
//! `<timestamp>_<new id>.jsonl` with `parentSession` = the source file's path, the directory
//! `--<cwd with / as ->--`) and `packages/ai/src/types.ts` (`AssistantMessage{content, api,
//! provider, model, usage{input, output, cacheRead, cacheWrite, totalTokens, cost{input,
//! output, cacheRead, cacheWrite, total}}, stopReason, timestamp}`, `ToolCall{type:"toolCall",
//! id, name, arguments}`, `ToolResultMessage{role:"toolResult", toolCallId, toolName, content,
//! isError, timestamp}`).

use super::*;
use crate::ingest::{ingest, IngestOptions};
use crate::ledger::Ledger;
use crate::scan::LineReader;

const SID: &str = "0192f3a4-b5c6-7d8e-9f00-112233445566";

fn header(id: &str, parent_file: Option<&str>) -> String {
    let parent = parent_file.map_or(String::new(), |p| format!(r#","parentSession":"{p}""#));
    format!(
        r#"{{"type":"session","version":3,"id":"{id}","timestamp":"2026-05-04T10:00:00.000Z","cwd":"/home/ana/app"{parent}}}"#
    )
}

fn user(id: &str, parent: &str, ms: i64, text: &str) -> String {
    format!(
        r#"{{"type":"message","id":"{id}","parentId":{parent},"timestamp":"2026-05-04T10:00:01.000Z","message":{{"role":"user","content":[{{"type":"text","text":"{text}"}}],"timestamp":{ms}}}}}"#
    )
}

/// `[input, output, cacheRead, cacheWrite]` and Pi's cost.
fn assistant(id: &str, parent: &str, ms: i64, u: [i64; 4], cost: f64) -> String {
    let [i, o, r, w] = u;
    format!(
        r#"{{"type":"message","id":"{id}","parentId":"{parent}","timestamp":"2026-05-04T10:00:02.000Z","message":{{"role":"assistant","content":[{{"type":"thinking","thinking":"…"}},{{"type":"toolCall","id":"toolu_01","name":"read","arguments":{{"path":"src/main.ts"}}}}],"api":"anthropic-messages","provider":"anthropic","model":"claude-sonnet-4-5","usage":{{"input":{i},"output":{o},"cacheRead":{r},"cacheWrite":{w},"totalTokens":{},"cost":{{"input":0.001,"output":0.002,"cacheRead":0.0003,"cacheWrite":0.0004,"total":{cost}}}}},"stopReason":"toolUse","timestamp":{ms}}}}}"#,
        i + o + r + w
    )
}

fn tool_result(id: &str, parent: &str, ms: i64) -> String {
    format!(
        r#"{{"type":"message","id":"{id}","parentId":"{parent}","timestamp":"2026-05-04T10:00:03.000Z","message":{{"role":"toolResult","toolCallId":"toolu_01","toolName":"read","content":[{{"type":"text","text":"export {{}}"}}],"isError":false,"timestamp":{ms}}}}}"#
    )
}

fn read(lines: &[String]) -> (PiReader, Records) {
    let text = lines.join("\n") + "\n";
    let mut r = PiReader::new(
        FileContext {
            file_stem: format!("2026-05-04T10-00-00-000Z_{SID}"),
        },
        PiState::default(),
    );
    let mut out = Records::default();
    let mut lr = LineReader::new(text.as_bytes(), 0);
    while let Some(line) = lr.next_line().unwrap() {
        r.feed(&line, &mut out);
    }
    (r, out)
}

const T0: i64 = 1_777_888_800_000;

#[test]
fn every_branch_of_the_tree_is_billed() {
    let (_, out) = read(&[
        header(SID, None),
        user("a0000001", "null", T0, "read main"),
        assistant("a0000002", "a0000001", T0 + 1_000, [12, 80, 9_000, 1_500], 0.0123),
        tool_result("a0000003", "a0000002", T0 + 1_100),
        // The user goes back to a0000001 and asks again: a second branch in the same file.
        user("a0000004", "\"a0000001\"", T0 + 5_000, "no, read the test"),
        assistant("a0000005", "a0000004", T0 + 6_000, [20, 40, 9_000, 300], 0.004),
        r#"{"type":"compaction","id":"a0000006","parentId":"a0000005","timestamp":"2026-05-04T10:05:00.000Z","summary":"…","firstKeptEntryId":"a0000004","tokensBefore":10260}"#.to_string(),
    ]);
    assert_eq!(out.turns.len(), 2, "the abandoned branch's call was billed");
    let t = &out.turns[0];
    let u = t.usage;
    assert_eq!(
        (
            u.input,
            u.output,
            u.cache_read,
            u.cache_write_5m,
            u.reasoning
        ),
        (12, 80, 9_000, 1_500, 0)
    );
    assert_eq!(t.session_id, SID);
    assert_eq!(t.project.as_deref(), Some("/home/ana/app"));
    assert_eq!(t.tool_calls[0].target.as_deref(), Some("src/main.ts"));
    assert_eq!(t.provider.as_deref(), Some("anthropic"));
    assert_eq!(out.user_turns.len(), 3);
    assert_eq!(out.compactions[0].tokens_before, Some(10_260));
    assert_eq!(
        out.compactions[0].preceding_message_id.as_deref(),
        Some("a0000005")
    );
}

#[test]
fn the_cost_pi_wrote_is_read() {
    let r = PiReader::new(FileContext::default(), PiState::default());
    let line = assistant("b1", "a", T0, [1, 2, 3, 4], 0.0123);
    let entry: wire::Entry<'_> = serde_json::from_str(&line).unwrap();
    let turn = r
        .assistant("b1", T0, entry.message.as_ref().unwrap())
        .unwrap();
    assert_eq!(turn.reported_cost_usd, Some(0.0123));
    let no_cost = line.replace(r#""total":0.0123"#, r#""total":"n/a""#);
    let entry: wire::Entry<'_> = serde_json::from_str(&no_cost).unwrap();
    let turn = r
        .assistant("b1", T0, entry.message.as_ref().unwrap())
        .unwrap();
    assert_eq!(turn.reported_cost_usd, None);
}

#[test]
fn a_branched_session_file_counts_its_copied_calls_once_and_is_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("agent/sessions/--home-ana-app--");
    std::fs::create_dir_all(&sessions).unwrap();
    let source = sessions.join(format!("2026-05-04T10-00-00-000Z_{SID}.jsonl"));
    let branch_id = "0192f3a4-0000-7000-8000-aaaaaaaaaaaa";
    let branch = sessions.join(format!("2026-05-04T11-00-00-000Z_{branch_id}.jsonl"));
    let first = assistant(
        "a0000002",
        "a0000001",
        T0 + 1_000,
        [12, 80, 9_000, 1_500],
        0.01,
    );
    std::fs::write(
        &source,
        [
            header(SID, None),
            user("a0000001", "null", T0, "hi"),
            first.clone(),
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    std::fs::write(
        &branch,
        [
            // Pi writes a branch's header when it branches (here after the copied call and
            // before the branch's own): the calls copied before it belong to the source
            // session whichever file is read first.
            header(branch_id, Some(&source.to_string_lossy()))
                .replace("2026-05-04T10:00:00.000Z", "2026-05-04T10:00:30.000Z"),
            user("a0000001", "null", T0, "hi"),
            first,
            user("c0000001", "\"a0000002\"", T0 + 60_000, "go on"),
            assistant("c0000002", "c0000001", T0 + 61_000, [5, 5, 9_100, 0], 0.002),
            // Still being written: a partial last line is left for the next pass.
            "{\"type\":\"message\",\"id\":\"c00".to_string(),
        ]
        .join("\n"),
    )
    .unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&source)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut ledger = Ledger::open(&dir.path().join("burn")).unwrap();
    let opts = IngestOptions {
        harnesses: Some(vec![Harness::Pi]),
        roots: std::collections::HashMap::from([(
            Harness::Pi,
            vec![dir.path().join("agent").to_string_lossy().into_owned()],
        )]),
        ..Default::default()
    };
    let report = ingest(&mut ledger, &opts).unwrap();
    assert_eq!(report.lines_skipped, 0, "{report:?}");
    let conn = ledger.conn().unwrap();
    let by_session: Vec<(String, i64, i64)> = conn
        .prepare("SELECT session_id, count(*), sum(cache_read) FROM turns GROUP BY session_id ORDER BY session_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        by_session,
        vec![
            (branch_id.to_string(), 1, 9_100),
            (SID.to_string(), 1, 9_000)
        ]
    );
    let (parent, rel): (Option<String>, String) = conn
        .query_row(
            "SELECT parent_session_id, relationship FROM sessions WHERE session_id = ?1",
            [branch_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((parent.as_deref(), rel.as_str()), (Some(SID), "fork"));
    // Pi's own cost of each call is stored beside the tokens.
    let cost: f64 = conn
        .query_row("SELECT sum(reported_cost_usd) FROM turns", [], |r| r.get(0))
        .unwrap();
    assert!((cost - 0.012).abs() < 1e-9, "{cost}");
}

#[test]
fn content_is_captured_when_the_store_is_on() {
    use crate::content::{settings::ContentMode, Capture};
    let capture = Capture {
        mode: ContentMode::Full,
        cutoff_ms: None,
    };
    let mut r = PiReader::new(FileContext::default(), PiState::default()).with_capture(capture);
    let mut out = Records::default();
    let text = [
        header(SID, None),
        user("a0000001", "null", T0, "read main"),
        assistant("a0000002", "a0000001", T0 + 1_000, [1, 2, 3, 4], 0.01),
        tool_result("a0000003", "a0000002", T0 + 1_100),
    ]
    .join("\n")
        + "\n";
    let mut lr = LineReader::new(text.as_bytes(), 0);
    while let Some(line) = lr.next_line().unwrap() {
        r.feed(&line, &mut out);
    }
    let kinds: Vec<(&str, Vec<&str>)> = out
        .content
        .iter()
        .map(|c| (c.role, c.blocks.iter().map(|b| b.kind).collect()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("user", vec!["text"]),
            ("assistant", vec!["thinking", "tool_use"]),
            ("user", vec!["tool_result"]),
        ]
    );
    assert_eq!(out.content[1].blocks[1].tool_name.as_deref(), Some("read"));
    // Off (the default): nothing captured.
    let (_, off) = read(&[header(SID, None), user("a0000001", "null", T0, "x")]);
    assert!(off.content.is_empty());
}

#[test]
fn a_pushed_turn_costs_what_the_local_summary_shows() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("agent/sessions/--home-ana-app--");
    std::fs::create_dir_all(&sessions).unwrap();
    // One call of a priced model and one of a model the price table does not know.
    let unpriced = assistant("a0000004", "a0000003", T0 + 3_000, [10, 20, 0, 0], 0.42)
        .replace("claude-sonnet-4-5", "mystery-model-9");
    std::fs::write(
        sessions.join(format!("2026-05-04T10-00-00-000Z_{SID}.jsonl")),
        [
            header(SID, None),
            user("a0000001", "null", T0, "hi"),
            assistant(
                "a0000002",
                "a0000001",
                T0 + 1_000,
                [12, 80, 9_000, 1_500],
                0.01,
            ),
            user("a0000003", "\"a0000002\"", T0 + 2_000, "go on"),
            unpriced,
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let mut ledger = Ledger::open(&dir.path().join("burn")).unwrap();
    let opts = IngestOptions {
        harnesses: Some(vec![Harness::Pi]),
        roots: std::collections::HashMap::from([(
            Harness::Pi,
            vec![dir.path().join("agent").to_string_lossy().into_owned()],
        )]),
        ..Default::default()
    };
    ingest(&mut ledger, &opts).unwrap();
    let local = crate::query::summary(
        &ledger,
        &crate::query::TurnFilter::default(),
        &crate::query::SummaryOptions {
            group_by: crate::query::GroupBy::ModelRaw,
            ..Default::default()
        },
    )
    .unwrap();
    let pushed = crate::push::batch(
        &mut ledger,
        "http://team",
        100,
        crate::push::ProjectMode::Name,
    )
    .unwrap();
    assert_eq!(pushed.turns.len(), 2);
    for t in &pushed.turns {
        let (_, group) = local
            .groups
            .iter()
            .find(|(key, _)| *key == t.model)
            .unwrap_or_else(|| panic!("no local group for {}", t.model));
        // The summary rounds to a millionth of a dollar.
        assert!((t.cost_usd - group.cost_usd).abs() < 1e-6, "{t:?}");
        assert_eq!(t.priced, t.model == "claude-sonnet-4-5");
    }
    let unpriced = pushed.turns.iter().find(|t| !t.priced).unwrap();
    assert!((unpriced.cost_usd - 0.42).abs() < 1e-12);
}
