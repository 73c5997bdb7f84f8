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

fn record(session: &str, key: &str, seq: i64, ts_ms: i64, texts: &[&str]) -> ContentRecord {
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
    let store = ContentStore::open(dir.path(), true).unwrap().unwrap();
    store.begin().unwrap();
    store
        .insert(&record("s/../x", "b", 20, 2_000, &["second"]))
        .unwrap();
    store
        .insert(&record("s/../x", "a", 10, 1_000, &["first", "first-2"]))
        .unwrap();
    store.commit().unwrap();
    // Re-writing the same keys adds nothing.
    store.begin().unwrap();
    assert_eq!(
        store
            .insert(&record("s/../x", "a", 10, 1_000, &["first", "first-2"]))
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

fn count_blocks(home: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(home.join(store::CONTENT_FILE)).unwrap();
    c.query_row("SELECT count(*) FROM blocks", [], |r| r.get(0))
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
    let store = ContentStore::open(dir.path(), true).unwrap().unwrap();
    let texts = |r: &[&str]| ContentRecord {
        replace: true,
        ..record("s", "m", 1, 1, r)
    };
    store.begin().unwrap();
    store.insert(&texts(&["par", "tial", "x"])).unwrap();
    store.insert(&texts(&["partial answer", "done"])).unwrap();
    store.commit().unwrap();
    let got = session_content(dir.path(), Harness::ClaudeCode, "s").unwrap();
    let all: Vec<_> = got[0]
        .blocks
        .iter()
        .map(|b| b.text.clone().unwrap())
        .collect();
    assert_eq!(all, ["partial answer", "done"]);
}
