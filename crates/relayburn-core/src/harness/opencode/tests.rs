use super::*;

fn asst(id: &str, completed: bool, tokens: &str) -> String {
    let completed = if completed {
        r#","completed":1767225605000"#
    } else {
        ""
    };
    format!(
        r#"{{"id":"{id}","sessionID":"ses_1","role":"assistant","time":{{"created":1767225601000{completed}}},"modelID":"anthropic/claude-sonnet-4-5","providerID":"openrouter","path":{{"cwd":"/p","root":"/p"}},"tokens":{tokens},"finish":"tool-calls"}}"#
    )
}

const TOKENS: &str = r#"{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}}"#;

fn none(_: &str, _: i64, _: &str) -> Preceding {
    None
}

#[test]
fn assistant_message_is_one_turn_with_reasoning_inside_output() {
    let mut out = Records::default();
    let m = message_records(
        &asst("msg_1", true, TOKENS),
        DocIds::default(),
        &[],
        &mut none,
        &mut out,
    )
    .unwrap();
    assert!(m.assistant && m.complete);
    let t = &out.turns[0];
    assert_eq!(t.key, "opencode|msg_1");
    assert_eq!(t.model, "claude-sonnet-4-5");
    assert_eq!(t.provider.as_deref(), Some("openrouter"));
    assert_eq!(t.project.as_deref(), Some("/p"));
    assert_eq!(t.ts_ms, 1767225601000);
    assert_eq!(t.stop_reason.as_deref(), Some("tool-calls"));
    assert_eq!(
        t.usage,
        Usage {
            input: 10,
            output: 25,
            reasoning: 5,
            cache_read: 100,
            cache_write_5m: 7,
            cache_write_1h: 0
        }
    );
    assert_eq!(t.usage.total(), 10 + 25 + 100 + 7);
}

#[test]
fn each_step_finish_part_is_one_turn() {
    // OpenCode overwrites message.tokens with the last step's usage; each step-finish part
    // holds one model call's usage, so each is one turn, grouped by the message id.
    let parts = vec![
        r#"{"type":"step-start"}"#.to_string(),
        r#"{"type":"tool","callID":"c1","tool":"read","state":{"status":"completed","input":{"filePath":"/src/a.ts"},"output":"x"}}"#.to_string(),
        r#"{"type":"step-finish","reason":"tool-calls","tokens":{"input":1,"output":2,"reasoning":0,"cache":{"read":3,"write":4}}}"#.to_string(),
        r#"{"type":"tool","callID":"c1","tool":"read","state":{"input":{"filePath":"/src/a.ts"}}}"#.to_string(),
        "not json".to_string(),
        r#"{"type":"step-finish","reason":"stop","tokens":{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}}}"#.to_string(),
    ];
    let doc = asst("msg_2", true, TOKENS).replace(r#","finish":"tool-calls""#, "");
    let mut out = Records::default();
    message_records(&doc, DocIds::default(), &parts, &mut none, &mut out).unwrap();
    assert_eq!(out.turns.len(), 2);
    let (a, b) = (&out.turns[0], &out.turns[1]);
    assert_eq!(
        a.usage,
        Usage {
            input: 1,
            output: 2,
            reasoning: 0,
            cache_read: 3,
            cache_write_5m: 4,
            cache_write_1h: 0
        }
    );
    assert_eq!(
        b.usage,
        Usage {
            input: 10,
            output: 25,
            reasoning: 5,
            cache_read: 100,
            cache_write_5m: 7,
            cache_write_1h: 0
        }
    );
    assert_eq!(
        (a.key.as_str(), b.key.as_str()),
        ("opencode|msg_2", "opencode|msg_2|1")
    );
    assert_eq!(
        (a.message_id.as_str(), b.message_id.as_str()),
        ("msg_2", "msg_2")
    );
    assert_eq!(a.stop_reason.as_deref(), Some("tool-calls"));
    assert_eq!(b.stop_reason.as_deref(), Some("stop"));
    assert!(a.complete && b.complete);
    // Tool calls go to the step that made them, deduplicated by callID.
    assert_eq!(a.tool_calls.len(), 1);
    assert!(b.tool_calls.is_empty());
}

#[test]
fn legacy_message_without_role_is_an_assistant_message() {
    // Learned from ryoppippi/ccusage `rust/crates/ccusage/src/adapter/opencode/loader.rs`
    // (a legacy storage/message JSON without "role").
    let doc = r#"{"id":"m1","sessionID":"s1","modelID":"claude-sonnet-4","time":{"created":1767312000000},"tokens":{"input":100,"output":50,"cache":{"read":10,"write":20}}}"#;
    let mut out = Records::default();
    message_records(doc, DocIds::default(), &[], &mut none, &mut out).unwrap();
    assert_eq!(out.turns.len(), 1);
    assert_eq!(out.turns[0].usage.input, 100);
    assert_eq!(out.turns[0].usage.cache_write_5m, 20);
    // Without a role, model or tokens it is still refused (and counted by the caller).
    let bare = r#"{"id":"m2","sessionID":"s1","time":{"created":1767312000000}}"#;
    assert!(message_records(bare, DocIds::default(), &[], &mut none, &mut out).is_err());
}

#[test]
fn unfinished_message_is_emitted_incomplete() {
    let mut out = Records::default();
    let m = message_records(
        &asst("msg_3", false, TOKENS),
        DocIds::default(),
        &[],
        &mut none,
        &mut out,
    )
    .unwrap();
    assert!(m.assistant && !m.complete);
    assert!(!out.turns[0].complete);
}

#[test]
fn database_ids_win_and_bad_documents_are_errors() {
    let doc = asst("ignored", true, TOKENS);
    let ids = DocIds {
        id: Some("msg_db"),
        session_id: Some("ses_db"),
    };
    let mut out = Records::default();
    message_records(&doc, ids, &[], &mut none, &mut out).unwrap();
    assert_eq!(
        (
            out.turns[0].message_id.as_str(),
            out.turns[0].session_id.as_str()
        ),
        ("msg_db", "ses_db")
    );
    for bad in [
        "{",
        r#"{"id":"m","sessionID":"s","role":"assistant"}"#,
        r#"{"id":"m","role":"assistant","time":{"created":1}}"#,
        r#"{"id":"m","sessionID":"s","role":"system","time":{"created":1}}"#,
        r#"{"id":"m","sessionID":"s","role":"assistant","time":{"created":1},"tokens":{"input":-5,"output":"x","cache":{"read":1.5}}}"#,
    ] {
        let mut out = Records::default();
        let r = message_records(bad, DocIds::default(), &[], &mut none, &mut out);
        if r.is_ok() {
            // Odd counts read as 0 rather than dropping the message.
            assert_eq!(out.turns[0].usage, Usage::default());
        }
    }
}

#[test]
fn user_messages_give_user_turns_and_compactions() {
    let doc =
        r#"{"id":"msg_u","sessionID":"ses_1","role":"user","time":{"created":1767225600000}}"#;
    let parts = vec![
        r#"{"type":"text","text":"fix the build"}"#.to_string(),
        r#"{"type":"compaction","auto":true}"#.to_string(),
    ];
    let mut asked = Vec::new();
    let mut preceding = |s: &str, ts: i64, id: &str| {
        asked.push((s.to_string(), ts, id.to_string()));
        Some(("msg_a".to_string(), 12_000))
    };
    let mut out = Records::default();
    let m = message_records(doc, DocIds::default(), &parts, &mut preceding, &mut out).unwrap();
    assert_eq!(m.compaction_at, Some(1767225600000));
    assert_eq!(
        asked,
        vec![("ses_1".to_string(), 1767225600000, "msg_u".to_string())]
    );
    assert_eq!(out.user_turns[0].blocks[0].bytes, 13);
    let c = &out.compactions[0];
    assert_eq!(
        (
            c.key.as_str(),
            c.preceding_message_id.as_deref(),
            c.tokens_before
        ),
        ("msg_u", Some("msg_a"), Some(12_000))
    );
}

#[test]
fn child_sessions_are_subagents_and_default_titles_are_skipped() {
    let s = session_info(
        r#"{"id":"ses_c","parentID":"ses_p","directory":"/p","title":"Child session - 2026-01-01T00:00:00.000Z"}"#,
        None,
    )
    .unwrap();
    assert_eq!(
        s.parent,
        Some((
            "ses_p".into(),
            Relationship::Subagent,
            "opencode parentID".into()
        ))
    );
    assert_eq!(s.title, None);
    assert_eq!(s.project.as_deref(), Some("/p"));
    let s = session_info(r#"{"id":"ses_r","title":"Fix the login bug"}"#, None).unwrap();
    assert_eq!(
        (s.parent, s.title.as_deref()),
        (None, Some("Fix the login bug"))
    );
    assert!(session_info(r#"{"title":"x"}"#, None).is_err());
}

#[test]
fn model_key_drops_provider_prefixes() {
    assert_eq!(model_key("anthropic/claude-x"), "claude-x");
    assert_eq!(model_key("gpt-5"), "gpt-5");
    assert_eq!(model_key(""), "");
}

mod database {
    use super::super::db::{self, DbState};
    use rusqlite::Connection;

    /// OpenCode's tables, as the generated corpora and the JS tests create them.
    const SCHEMA: &str = include_str!("../../../../../bench/corpus/opencode-schema.sql");

    fn msg(completed: bool, output: i64) -> String {
        let c = if completed {
            r#","completed":2000"#
        } else {
            ""
        };
        format!(
            r#"{{"role":"assistant","time":{{"created":1000{c}}},"modelID":"gpt-5","providerID":"openai","tokens":{{"input":1,"output":{output},"reasoning":0,"cache":{{"read":0,"write":0}}}}}}"#
        )
    }

    fn read_all(
        path: &std::path::Path,
        state: DbState,
    ) -> (Vec<crate::vocab::records::TurnRecord>, DbState, usize) {
        let mut turns = Vec::new();
        let mut last = state.clone();
        let mut sessions = 0;
        db::read(path, state, &mut |page| {
            turns.extend(page.records.turns);
            sessions += page.records.sessions.len();
            last = page.state;
            true
        })
        .unwrap();
        (turns, last, sessions)
    }

    #[test]
    fn reads_changes_only_and_follows_unfinished_messages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("opencode.db");
        let w = Connection::open(&path).unwrap();
        w.pragma_update(None, "journal_mode", "WAL").unwrap();
        w.execute_batch(SCHEMA).unwrap();
        w.execute_batch(
            "INSERT INTO project (id, worktree, time_created, time_updated) VALUES ('p','/p',1,1);
             INSERT INTO session (id, project_id, parent_id, slug, directory, title, version,
                time_created, time_updated)
             VALUES ('ses_c','p','ses_p','s','/p','Child session - 2026-01-01T00:00:00Z','1',1,1);",
        )
        .unwrap();
        w.execute(
            "INSERT INTO message VALUES ('msg_1','ses_c',1000,1000,?1)",
            [msg(false, 3)],
        )
        .unwrap();

        let (turns, state, sessions) = read_all(&path, DbState::default());
        assert_eq!((turns.len(), sessions), (1, 1));
        assert!(!turns[0].complete);
        assert!(state.open.contains("msg_1"));

        // Nothing changed: the unfinished message is read again (rows updated in the last
        // seconds are too; re-reading is harmless).
        let (turns, state, _) = read_all(&path, state);
        assert_eq!(turns.len(), 1);

        // The message completes without its time_updated moving: still picked up via `open`.
        w.execute(
            "UPDATE message SET data = ?1 WHERE id = 'msg_1'",
            [msg(true, 90)],
        )
        .unwrap();
        // A writer holding an open write transaction does not block the reader (WAL).
        w.execute_batch("BEGIN IMMEDIATE; INSERT INTO message VALUES ('msg_x','ses_c',1,1,'{}');")
            .unwrap();
        let (turns, state, _) = read_all(&path, state);
        w.execute_batch("ROLLBACK").unwrap();
        assert_eq!(turns.len(), 1);
        assert!(turns[0].complete);
        assert_eq!(turns[0].usage.output, 90);
        assert!(state.open.is_empty());

        // A state round trip through JSON (the cursor) keeps the position.
        let state: DbState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        let (turns, _, _) = read_all(&path, state.clone());
        assert_eq!(turns.len(), 1, "the last {}ms are read again", 2000);
        w.execute(
            "INSERT INTO message VALUES ('msg_2','ses_c',9000,90000,?1)",
            [msg(true, 5)],
        )
        .unwrap();
        let (turns, state, _) = read_all(&path, state);
        assert_eq!(
            turns
                .iter()
                .map(|t| t.message_id.as_str())
                .collect::<Vec<_>>(),
            vec!["msg_1", "msg_2"]
        );
        let (turns, _, _) = read_all(&path, state);
        assert_eq!(
            turns
                .iter()
                .map(|t| t.message_id.as_str())
                .collect::<Vec<_>>(),
            vec!["msg_2"],
            "msg_1 is behind the position"
        );
    }

    #[test]
    fn a_file_that_is_not_an_opencode_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("opencode.db");
        std::fs::write(&path, b"not a database at all, just some bytes").unwrap();
        assert!(db::read(&path, DbState::default(), &mut |_| true).is_err());
        let empty = dir.path().join("opencode-dev.db");
        Connection::open(&empty)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(db::read(&empty, DbState::default(), &mut |_| true).is_err());
    }
}

#[test]
fn minimal_database_wins_over_the_json_copy_and_bad_rows_are_counted() {
    // Learned from ryoppippi/ccusage `rust/crates/ccusage/src/adapter/opencode/loader.rs`
    // (db overrides json) and junhoyeo/tokscale `sessions/opencode.rs` (skip invalid rows):
    // a database holding only `message(id, session_id, data)`.
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("opencode.db");
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    conn.execute_batch(
        r#"CREATE TABLE message (id TEXT, session_id TEXT, data TEXT);
        INSERT INTO message VALUES ('m1', 'db-s', '{"modelID":"claude-sonnet-4","time":{"created":1767312000000},"tokens":{"input":120,"output":60}}');
        INSERT INTO message VALUES ('m2', 'db-s', 'not json');
        INSERT INTO message VALUES ('m3', 'db-s', '{"role":"assistant","modelID":"x","time":{"created":1767312000000}}');"#,
    )
    .unwrap();
    drop(conn);
    let mut out = Records::default();
    db::read(&db_path, db::DbState::default(), &mut |page| {
        out.turns.extend(page.records.turns);
        out.lines_skipped += page.records.lines_skipped;
        true
    })
    .unwrap();
    assert_eq!(out.turns.len(), 1, "the row without tokens made no call");
    assert_eq!(out.turns[0].usage.input, 120);
    assert_eq!(out.lines_skipped, 1, "the unreadable row is counted");
    // The legacy JSON copy of m1 (other tokens) next to the database is not read.
    let msg_dir = dir.path().join("storage/message/json-s");
    std::fs::create_dir_all(&msg_dir).unwrap();
    let json = r#"{"id":"m1","sessionID":"json-s","modelID":"m","time":{"created":1767312000000},"tokens":{"input":999,"output":999}}"#;
    std::fs::write(msg_dir.join("m1.json"), json).unwrap();
    std::fs::write(msg_dir.join("m9.json"), json.replace("m1", "m9")).unwrap();
    let mut out = Records::default();
    storage::read_message_file(&msg_dir.join("m1.json"), &mut out).unwrap();
    assert!(out.turns.is_empty());
    storage::read_message_file(&msg_dir.join("m9.json"), &mut out).unwrap();
    assert_eq!(out.turns.len(), 1, "a message only in JSON is read");
}

#[test]
fn a_forked_sessions_copy_of_a_parent_row_counts_once() {
    // Learned from junhoyeo/tokscale `sessions/opencode.rs` (forked history): the fork holds a
    // byte-identical copy of the parent's assistant row under a new id.
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("opencode.db");
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let data = r#"{"role":"assistant","modelID":"m","time":{"created":1700000000000,"completed":1700000000500},"tokens":{"input":1000,"output":500}}"#;
    conn.execute_batch("CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT);")
        .unwrap();
    for (id, session, data) in [
        ("a_root", "root", data.to_string()),
        ("b_copy", "fork", data.to_string()),
        ("c_same_session", "root", data.to_string()),
        ("d_new", "fork", data.replace("1000", "1300")),
    ] {
        conn.execute(
            "INSERT INTO message VALUES (?1, ?2, ?3)",
            [id, session, &data],
        )
        .unwrap();
    }
    drop(conn);
    let mut turns = Vec::new();
    db::read(&db_path, db::DbState::default(), &mut |page| {
        turns.extend(page.records.turns);
        true
    })
    .unwrap();
    let ids: Vec<&str> = turns.iter().map(|t| t.message_id.as_str()).collect();
    assert_eq!(ids, ["a_root", "c_same_session", "d_new"]);
}

#[test]
fn reported_cost_per_step_else_the_message_total_on_its_first_call() {
    // OpenCode `packages/opencode/src/session/message-v2.ts`: `StepFinishPart{cost, tokens}`
    // and the assistant message's `cost` (their sum).
    let doc = r#"{"id":"msg_c","sessionID":"ses_c","role":"assistant","modelID":"m","time":{"created":1767225600000,"completed":1767225601000},"cost":0.5,"tokens":{"input":1,"output":1}}"#;
    let step = |cost: &str| {
        format!(r#"{{"type":"step-finish","cost":{cost},"tokens":{{"input":1,"output":2}}}}"#)
    };
    let read = |parts: Vec<String>| {
        let mut out = Records::default();
        let ids = DocIds::default();
        message_records(doc, ids, &parts, &mut |_, _, _| None, &mut out).unwrap();
        out.turns
            .iter()
            .map(|t| t.reported_cost_usd)
            .collect::<Vec<_>>()
    };
    assert_eq!(read(vec![step("0.2"), step("0.3")]), [Some(0.2), Some(0.3)]);
    assert_eq!(read(vec![step("null"), step("\"x\"")]), [Some(0.5), None]);
    assert_eq!(read(vec![]), [Some(0.5)]);
}

/// A part "file" that is a FIFO (or a device) is skipped, not read: reading it would block the
/// parse thread, and the whole ingest, forever. The message and its other parts are read.
#[cfg(unix)]
#[test]
fn a_fifo_among_a_messages_parts_is_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("storage");
    let msg_dir = storage.join("message/ses_1");
    let part_dir = storage.join("part/msg_1");
    std::fs::create_dir_all(&msg_dir).unwrap();
    std::fs::create_dir_all(&part_dir).unwrap();
    std::fs::write(msg_dir.join("msg_1.json"), asst("msg_1", true, TOKENS)).unwrap();
    let tool = r#"{"type":"tool","callID":"c1","tool":"read","state":{"status":"completed","input":{"filePath":"/src/a.ts"},"output":"x"}}"#;
    std::fs::write(part_dir.join("prt_1.json"), tool).unwrap();
    let fifo = std::ffi::CString::new(part_dir.join("prt_2.json").to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path; no memory is kept.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let (done, finished) = std::sync::mpsc::channel();
    let message = msg_dir.join("msg_1.json");
    std::thread::spawn(move || {
        let mut out = Records::default();
        let read = storage::read_message_file(&message, &mut out).map(|_| out);
        let _ = done.send(read);
    });
    let out = finished
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("reading the message blocked on its FIFO part")
        .unwrap();
    assert_eq!(out.turns.len(), 1);
    let names: Vec<&str> = out.turns[0]
        .tool_calls
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["read"]);
}
