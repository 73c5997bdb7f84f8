use super::settings::{resolve, ContentMode, Retention};
use super::store::{session_content, ContentStore};
use super::*;
use crate::vocab::content::ContentRecord;
use crate::vocab::Harness;

fn capture(mode: ContentMode) -> Capture {
    Capture {
        mode,
        cutoff_ms: None,
    }
}

#[test]
fn blocks_round_trip_compressed_and_hash_only() {
    let long = "fn main() { println!(\"hello\"); }\n".repeat(40);
    let full = capture(ContentMode::Full).block("text", &long, None, None, false);
    assert_eq!(full.codec, CODEC_LZ4);
    assert!(full.data.as_ref().unwrap().len() < long.len());
    assert_eq!(
        decode(full.codec, full.data.as_ref().unwrap()).unwrap(),
        long
    );
    let short = capture(ContentMode::Full).block("text", "hi", None, None, false);
    assert_eq!(short.codec, CODEC_RAW);
    assert_eq!(short.data.as_deref(), Some(&b"hi"[..]));
    let hashed = capture(ContentMode::HashOnly).block("text", &long, None, None, false);
    assert_eq!(hashed.data, None);
    assert_eq!(hashed.hash, full.hash);
    assert_eq!(hashed.bytes, long.len() as i64);
}

#[test]
fn a_new_store_has_its_page_size() {
    let dir = tempfile::tempdir().unwrap();
    ContentStore::open(dir.path(), true).unwrap().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(super::store::CONTENT_FILE)).unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page_size, super::store::PAGE_SIZE);
}

#[test]
fn retention_parsing_and_cutoff() {
    assert_eq!(
        Retention::parse("f", "forever").unwrap(),
        Retention::Forever
    );
    assert_eq!(Retention::parse("f", "0").unwrap(), Retention::Days(0));
    assert_eq!(Retention::parse("f", " 30 ").unwrap(), Retention::Days(30));
    for bad in ["-1", "1.5", "", "ever", "100001"] {
        assert_eq!(
            Retention::parse("f", bad).unwrap_err().field(),
            Some("f"),
            "{bad}"
        );
    }
    assert_eq!(Retention::Forever.cutoff_ms(1_000), None);
    assert_eq!(Retention::Days(1).cutoff_ms(86_400_000), Some(0));
    let c = Capture {
        mode: ContentMode::Full,
        cutoff_ms: Some(10),
    };
    assert!(c.wants(10) && !c.wants(9));
    assert!(!capture(ContentMode::Off).wants(i64::MAX));
}

#[test]
fn broken_config_is_reported_and_defaults_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{ not json").unwrap();
    let (s, issues) = resolve(dir.path(), None);
    assert_eq!(s.retention, Retention::Days(settings::DEFAULT_TTL_DAYS));
    assert_eq!(issues.len(), 1);
    assert!(issues[0].source.ends_with("config.json"));
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"content":{"mode":"hash-only","ttlDays":"forever"}}"#,
    )
    .unwrap();
    let (s, issues) = resolve(dir.path(), None);
    assert!(issues.is_empty());
    assert_eq!(s.retention, Retention::Forever);
    // The call option wins over config.
    let (s, _) = resolve(dir.path(), Some(ContentMode::Off));
    assert_eq!(s.mode, ContentMode::Off);
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"content":{"mode":7,"ttlDays":-3}}"#,
    )
    .unwrap();
    let (_, issues) = resolve(dir.path(), None);
    assert_eq!(issues.len(), 2);
}

pub(super) fn record(
    session: &str,
    key: &str,
    seq: i64,
    ts_ms: i64,
    texts: &[&str],
) -> ContentRecord {
    let c = capture(ContentMode::Full);
    ContentRecord {
        harness: Harness::ClaudeCode,
        session_id: session.into(),
        message_key: key.into(),
        message_id: key.into(),
        role: "user",
        ts_ms,
        seq,
        blocks: texts
            .iter()
            .map(|t| c.block("text", t, None, None, false))
            .collect(),
        replace: false,
    }
}

#[test]
fn store_is_idempotent_ordered_and_prunes_by_message_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ContentStore::open(dir.path(), true).unwrap().unwrap();
    store.begin().unwrap();
    store
        .write(&[record("s/../x", "b", 20, 2_000, &["second"])])
        .unwrap();
    store
        .write(&[record("s/../x", "a", 10, 1_000, &["first", "first-2"])])
        .unwrap();
    store.commit().unwrap();
    // Re-writing the same keys adds nothing.
    store.begin().unwrap();
    assert_eq!(
        store
            .write(&[record("s/../x", "a", 10, 1_000, &["first", "first-2"])])
            .unwrap(),
        0
    );
    store.commit().unwrap();
    let got = session_content(dir.path(), Harness::ClaudeCode, "s/../x").unwrap();
    let texts: Vec<_> = got
        .iter()
        .flat_map(|m| m.blocks.iter().map(|b| b.text.clone().unwrap()))
        .collect();
    assert_eq!(texts, ["first", "first-2", "second"]);
    assert_eq!(store.prune(Retention::Forever, 1_000_000).unwrap(), 0);
    // 1 day back from 1 day + 1500 ms: only the message at 1000 ms is older.
    assert_eq!(
        store.prune(Retention::Days(1), 86_400_000 + 1_500).unwrap(),
        2
    );
    assert_eq!(store.prune(Retention::Days(0), 0).unwrap(), 1);
    assert!(session_content(dir.path(), Harness::ClaudeCode, "s/../x")
        .unwrap()
        .is_empty());
}

/// Block entries stored, counted from the rows (a block stored twice counts twice).
pub(crate) fn count_blocks(home: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(home.join(store::CONTENT_FILE)).unwrap();
    c.query_row("SELECT coalesce(sum(blocks), 0) FROM chunks", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Content committed ahead of the cursor (a crash between the content commit and the ledger
/// commit) is re-read by the next pass, which rewrites the same keys: nothing doubles.
#[test]
fn rereading_rows_already_stored_adds_nothing() {
    let store_dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = store_dir.path().join("projects").join("p");
    std::fs::create_dir_all(&dir).unwrap();
    let ts = crate::time::format_ms(crate::time::now_ms() - 1000);
    let rows = [
        format!(
            r#"{{"type":"user","sessionId":"s","timestamp":"{ts}","uuid":"u1","message":{{"role":"user","content":"hello"}}}}"#
        ),
        format!(
            r#"{{"type":"assistant","sessionId":"s","timestamp":"{ts}","requestId":"r","uuid":"a1","message":{{"id":"m","model":"x","stop_reason":"end_turn","content":[{{"type":"text","text":"hi there"}}],"usage":{{"output_tokens":3}}}}}}"#
        ),
    ];
    std::fs::write(dir.join("s.jsonl"), rows.join("\n") + "\n").unwrap();
    let opts = crate::ingest::IngestOptions {
        harnesses: Some(vec![Harness::ClaudeCode]),
        roots: std::collections::HashMap::from([(
            Harness::ClaudeCode,
            vec![store_dir.path().to_string_lossy().into_owned()],
        )]),
        content_mode: Some(ContentMode::Full),
        ..Default::default()
    };
    let mut ledger = crate::Ledger::open(home.path()).unwrap();
    crate::ingest::ingest(&mut ledger, &opts).unwrap();
    assert_eq!(count_blocks(home.path()), 2);
    // Forget the cursor: the next pass reads the file again from its start.
    ledger
        .conn()
        .unwrap()
        .execute("DELETE FROM cursors", [])
        .unwrap();
    let again = crate::ingest::ingest(&mut ledger, &opts).unwrap();
    assert!(again.bytes_read > 0);
    assert_eq!(count_blocks(home.path()), 2);
    let got = session_content(home.path(), Harness::ClaudeCode, "s").unwrap();
    let texts: Vec<_> = got
        .iter()
        .flat_map(|m| m.blocks.iter().map(|b| b.text.clone().unwrap()))
        .collect();
    assert_eq!(texts, ["hello", "hi there"]);
}

/// A message rewritten while it streams (OpenCode) replaces its stored blocks, shorter or longer.
#[test]
fn replace_records_overwrite_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ContentStore::open(dir.path(), true).unwrap().unwrap();
    let texts = |r: &[&str]| ContentRecord {
        replace: true,
        ..record("s", "m", 1, 1, r)
    };
    store.begin().unwrap();
    store.write(&[texts(&["par", "tial", "x"])]).unwrap();
    store.write(&[texts(&["partial answer", "done"])]).unwrap();
    store.commit().unwrap();
    let got = session_content(dir.path(), Harness::ClaudeCode, "s").unwrap();
    let all: Vec<_> = got[0]
        .blocks
        .iter()
        .map(|b| b.text.clone().unwrap())
        .collect();
    assert_eq!(all, ["partial answer", "done"]);
}

fn texts_of(home: &std::path::Path, session: &str) -> Vec<Option<String>> {
    session_content(home, Harness::ClaudeCode, session)
        .unwrap()
        .iter()
        .flat_map(|m| m.blocks.iter().map(|b| b.text.clone()))
        .collect()
}

fn chunk_rows(home: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(home.join(store::CONTENT_FILE)).unwrap();
    c.query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
        .unwrap()
}

/// A later pass writes only what changes a stored session: a row read again adds nothing,
/// a block stored hash-only gains its text.
#[test]
fn a_stored_session_is_written_only_where_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let hashed = |key: &str| ContentRecord {
        blocks: vec![capture(ContentMode::HashOnly).block("text", key, None, None, false)],
        ..record("s", key, 1, 1, &[])
    };
    let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
    pass.begin().unwrap();
    assert_eq!(pass.write(&[hashed("a"), hashed("b")]).unwrap(), 2);
    pass.commit().unwrap();
    drop(pass);
    assert_eq!(texts_of(dir.path(), "s"), [None, None]);
    let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
    pass.begin().unwrap();
    assert_eq!(pass.write(&[hashed("a")]).unwrap(), 0);
    // The text of `a` arrives, and a new row `c`; `b` read again as hash-only adds nothing.
    let full = [
        record("s", "a", 1, 1, &["a"]),
        hashed("b"),
        record("s", "c", 2, 1, &["c"]),
    ];
    assert_eq!(pass.write(&full).unwrap(), 2);
    assert_eq!(pass.write(&full).unwrap(), 0);
    pass.commit().unwrap();
    assert_eq!(count_blocks(dir.path()), 4);
    assert_eq!(
        texts_of(dir.path(), "s"),
        [Some("a".into()), None, Some("c".into())]
    );
}

/// Rows copied within one pass (a session's rows read from two files) are written once.
#[test]
fn a_copy_within_one_pass_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
    pass.begin().unwrap();
    let rows = [
        record("s", "a", 1, 1, &["x", "y"]),
        record("s", "b", 2, 1, &["z"]),
    ];
    assert_eq!(pass.write(&rows).unwrap(), 3);
    assert_eq!(pass.write(&rows[..1]).unwrap(), 0);
    pass.commit().unwrap();
    pass.begin().unwrap();
    assert_eq!(pass.write(&[rows[1].clone(), rows[1].clone()]).unwrap(), 0);
    pass.commit().unwrap();
    // A window without `s` drops its fingerprints; met again, it is found stored.
    pass.begin().unwrap();
    assert_eq!(pass.write(&[record("t", "a", 1, 1, &["x"])]).unwrap(), 1);
    pass.commit().unwrap();
    pass.begin().unwrap();
    let more = [rows[0].clone(), record("s", "c", 3, 1, &["w"])];
    assert_eq!(pass.write(&more).unwrap(), 1);
    pass.commit().unwrap();
    assert_eq!(count_blocks(dir.path()), 5);
}

/// A message rewritten over many passes (OpenCode streaming) is stored once per version until
/// the session has too many chunks; then it is rewritten as what it holds.
#[test]
fn a_session_in_many_chunks_is_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let version = |n: usize| ContentRecord {
        replace: true,
        ..record("s", "m", 1, 1, &[&"v".repeat(n)])
    };
    for n in 1..=40 {
        let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
        pass.begin().unwrap();
        assert_eq!(pass.write(&[version(n)]).unwrap(), 1);
        pass.commit().unwrap();
        assert!(chunk_rows(dir.path()) <= 34, "{n}");
        assert_eq!(texts_of(dir.path(), "s"), [Some("v".repeat(n))]);
    }
    assert!(chunk_rows(dir.path()) < 10);
}

/// Printable text LZ4 cannot shrink.
fn noise(len: usize) -> String {
    let mut x: u64 = 7;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect()
}

/// One write's blocks are cut into rows of about a megabyte.
#[test]
fn a_large_write_is_cut_into_chunks() {
    let dir = tempfile::tempdir().unwrap();
    // Text LZ4 cannot shrink: 3 MB per record.
    let noise = noise(3 << 20);
    let rows: Vec<_> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, k)| record("s", k, i as i64, 1, &[&noise]))
        .collect();
    let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
    pass.begin().unwrap();
    assert_eq!(pass.write(&rows).unwrap(), 3);
    pass.commit().unwrap();
    assert_eq!(chunk_rows(dir.path()), 3);
    assert_eq!(texts_of(dir.path(), "s"), vec![Some(noise.clone()); 3]);
}

/// Retention by message time cuts through a chunk that holds both sides of the cutoff.
#[test]
fn prune_rewrites_a_chunk_across_the_cutoff() {
    let dir = tempfile::tempdir().unwrap();
    let day = 86_400_000;
    let mut pass = ContentStore::open(dir.path(), true).unwrap().unwrap();
    pass.begin().unwrap();
    let rows = [
        record("s", "old", 1, 1_000, &["o1", "o2"]),
        record("s", "new", 2, 3 * day, &["n"]),
    ];
    pass.write(&rows).unwrap();
    pass.write(&[record("t", "t", 1, 10, &["t"])]).unwrap();
    pass.commit().unwrap();
    assert_eq!(pass.prune(Retention::Days(1), 3 * day).unwrap(), 3);
    assert_eq!(texts_of(dir.path(), "s"), [Some("n".into())]);
    assert!(texts_of(dir.path(), "t").is_empty());
    assert_eq!(pass.prune(Retention::Days(1), 3 * day).unwrap(), 0);
    assert_eq!(count_blocks(dir.path()), 1);
}

/// A store from before chunks (a row per block) is read the same after its upgrade.
#[test]
fn a_store_of_rows_per_block_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(store::CONTENT_FILE);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE blocks (
            rid INTEGER PRIMARY KEY, harness TEXT NOT NULL, session_id TEXT NOT NULL,
            message_key TEXT NOT NULL, message_id TEXT NOT NULL, role TEXT NOT NULL,
            block_index INTEGER NOT NULL, ts_ms INTEGER NOT NULL, seq INTEGER NOT NULL,
            kind TEXT NOT NULL, tool_name TEXT, tool_use_id TEXT,
            is_error INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL, hash BLOB NOT NULL,
            codec INTEGER NOT NULL DEFAULT 0, data BLOB,
            UNIQUE (session_id, message_key, block_index, harness)) STRICT;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let long = "tool output line\n".repeat(50);
    let blocks = [
        (
            "claude-code",
            "s",
            "u1",
            "u1",
            "user",
            0,
            10,
            5,
            "text",
            None,
            None,
            false,
            "hello",
        ),
        (
            "claude-code",
            "s",
            "a1",
            "m1",
            "assistant",
            1,
            20,
            9,
            "tool_use",
            Some("Bash"),
            Some("t1"),
            false,
            "ls",
        ),
        (
            "claude-code",
            "s",
            "a1",
            "m1",
            "assistant",
            0,
            20,
            9,
            "thinking",
            None,
            None,
            false,
            "hmm",
        ),
        (
            "claude-code",
            "s",
            "u2",
            "u2",
            "user",
            0,
            30,
            12,
            "tool_result",
            None,
            Some("t1"),
            true,
            long.as_str(),
        ),
        (
            "codex",
            "s",
            "x",
            "x",
            "user",
            0,
            5,
            1,
            "text",
            None,
            None,
            false,
            "other harness",
        ),
    ];
    let full = capture(ContentMode::Full);
    for (h, s, key, id, role, i, ts, seq, kind, tool, tool_id, err, text) in blocks {
        let b = full.block(kind, text, tool, tool_id, err);
        c.execute(
            "INSERT INTO blocks (harness, session_id, message_key, message_id, role, block_index,
                ts_ms, seq, kind, tool_name, tool_use_id, is_error, bytes, hash, codec, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            rusqlite::params![
                h,
                s,
                key,
                id,
                role,
                i,
                ts,
                seq,
                kind,
                tool,
                tool_id,
                err,
                b.bytes,
                &b.hash[..],
                b.codec,
                b.data
            ],
        )
        .unwrap();
    }
    // A session larger than a chunk: 700 KB blocks, one per chunk.
    let big = noise(700 << 10);
    for key in ["b1", "b2", "b3"] {
        let b = full.block("text", &big, None, None, false);
        c.execute(
            "INSERT INTO blocks (harness, session_id, message_key, message_id, role, block_index,
                ts_ms, seq, kind, bytes, hash, codec, data)
             VALUES ('claude-code', 'big', ?1, ?1, 'user', 0, 1, 1, 'text', ?2, ?3, ?4, ?5)",
            rusqlite::params![key, b.bytes, &b.hash[..], b.codec, b.data],
        )
        .unwrap();
    }
    // A hash-only block: no text.
    let hashed = capture(ContentMode::HashOnly).block("text", "secret", None, None, false);
    c.execute(
        "INSERT INTO blocks (harness, session_id, message_key, message_id, role, block_index,
            ts_ms, seq, kind, bytes, hash) VALUES ('claude-code', 's', 'u3', 'u3', 'user', 0, 40,
            20, 'text', ?1, ?2)",
        rusqlite::params![hashed.bytes, &hashed.hash[..]],
    )
    .unwrap();
    drop(c);
    let got = session_content(dir.path(), Harness::ClaudeCode, "s").unwrap();
    let flat: Vec<_> = got
        .iter()
        .flat_map(|m| {
            m.blocks.iter().map(|b| {
                (
                    m.role.as_str(),
                    m.message_id.as_str(),
                    b.kind.as_str(),
                    b.text.clone(),
                    b.tool_name.clone(),
                    b.tool_use_id.clone(),
                    b.is_error,
                )
            })
        })
        .collect();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        flat,
        [
            ("user", "u1", "text", some("hello"), None, None, false),
            (
                "assistant",
                "m1",
                "thinking",
                some("hmm"),
                None,
                None,
                false
            ),
            (
                "assistant",
                "m1",
                "tool_use",
                some("ls"),
                some("Bash"),
                some("t1"),
                false
            ),
            (
                "user",
                "u2",
                "tool_result",
                some(&long),
                None,
                some("t1"),
                true
            ),
            ("user", "u3", "text", None, None, None, false),
        ]
    );
    assert_eq!(got[3].blocks[0].hash, hex(&hashed.hash));
    let codex = session_content(dir.path(), Harness::Codex, "s").unwrap();
    assert_eq!(codex[0].blocks[0].text.as_deref(), Some("other harness"));
    let c = rusqlite::Connection::open(&path).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("PRAGMA user_version"), store::CONTENT_SCHEMA_VERSION);
    assert_eq!(
        count("SELECT count(*) FROM sqlite_schema WHERE name = 'blocks'"),
        0
    );
    assert_eq!(count_blocks(dir.path()), 9);
    assert_eq!(texts_of(dir.path(), "big"), vec![Some(big); 3]);
    assert_eq!(
        count("SELECT count(*) FROM chunks WHERE session_id = 'big'"),
        3
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
