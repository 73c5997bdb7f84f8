//! A sweep keeps what it read for the next sweep on the same connection (a sweep that read a
//! few files reads their cursors back); any other write to the ledger since (by another
//! connection or by this one) makes the next sweep read the ledger again.

use super::rebuild::reset_derived;
use super::{ingest, IngestOptions};
use crate::ledger::Ledger;
use crate::vocab::Harness;
use std::path::{Path, PathBuf};

struct Fixture {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    file: PathBuf,
    opts: IngestOptions,
}

fn row(msg: &str) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"s1","cwd":"/work/app","timestamp":"2026-03-01T10:00:00.000Z","requestId":"r-{msg}","uuid":"u-{msg}","message":{{"id":"{msg}","model":"claude-sonnet-4-5-20250929","stop_reason":"end_turn","content":[],"usage":{{"input_tokens":10,"output_tokens":5}}}}}}"#
    )
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("claude").join("projects").join("-work-app");
    std::fs::create_dir_all(&project).unwrap();
    let file = project.join("s1.jsonl");
    std::fs::write(&file, format!("{}\n{}\n", row("m1"), row("m2"))).unwrap();
    let root = tmp.path().join("claude").to_string_lossy().into_owned();
    Fixture {
        home: tmp.path().join("home"),
        file,
        opts: IngestOptions {
            roots: std::collections::HashMap::from([(Harness::ClaudeCode, vec![root])]),
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        },
        _tmp: tmp,
    }
}

/// True when the last sweep on this connection kept its memo.
fn has_memo(ledger: &mut Ledger) -> bool {
    let carried = ledger.take_sweep_memo::<super::memo::Carried>();
    let kept = carried.as_ref().is_some_and(|c| c.memo.is_some());
    if let Some(c) = carried {
        ledger.keep_sweep_memo(c);
    }
    kept
}

fn turns(ledger: &Ledger) -> i64 {
    let conn = ledger.conn().unwrap();
    conn.query_row("SELECT count(*) FROM turns", [], |r| r.get(0))
        .unwrap()
}

/// Ingests everything, then sweeps once more: the second sweep changes nothing and keeps
/// its memo.
fn ingested(f: &Fixture, home: &Path) -> Ledger {
    let mut ledger = Ledger::open(home).unwrap();
    assert_eq!(ingest(&mut ledger, &f.opts).unwrap().turns_added, 2);
    assert!(
        has_memo(&mut ledger),
        "a pass that read one file keeps its memo"
    );
    assert_eq!(ingest(&mut ledger, &f.opts).unwrap().files_changed, 0);
    assert!(has_memo(&mut ledger));
    ledger
}

#[test]
fn a_no_change_sweep_is_remembered_and_an_append_is_still_seen() {
    let f = fixture();
    let mut ledger = ingested(&f, &f.home);
    let again = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((again.files_scanned, again.files_changed), (1, 0));
    assert!(has_memo(&mut ledger));

    // The memo holds stamps, not verdicts: the file's own stat still says it grew.
    let mut text = std::fs::read_to_string(&f.file).unwrap();
    text.push_str(&row("m3"));
    text.push('\n');
    std::fs::write(&f.file, text).unwrap();
    let grown = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((grown.files_changed, grown.turns_added), (1, 1));
    assert!(has_memo(&mut ledger), "the cursor it wrote is read back");
    assert_eq!(turns(&ledger), 3);
    // With the cursor read back, the next sweep finds the file unchanged.
    let after = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((after.files_changed, after.turns_added), (0, 0));
}

#[test]
fn a_sweep_that_read_many_files_keeps_no_memo() {
    let f = fixture();
    let dir = f.file.parent().unwrap();
    for i in 0..=super::plan::MEMO_MAX_READ {
        std::fs::write(
            dir.join(format!("x{i}.jsonl")),
            format!("{}\n", row(&format!("x{i}"))),
        )
        .unwrap();
    }
    let mut ledger = Ledger::open(&f.home).unwrap();
    let first = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!(first.files_changed as usize, super::plan::MEMO_MAX_READ + 2);
    assert!(!has_memo(&mut ledger));
    assert_eq!(ingest(&mut ledger, &f.opts).unwrap().files_changed, 0);
    assert!(has_memo(&mut ledger));
}

#[test]
fn another_connections_write_makes_the_next_sweep_read_the_ledger_again() {
    let f = fixture();
    let mut ledger = ingested(&f, &f.home);
    // Another connection (as another process would) forgets every cursor and turn: the file
    // is unchanged, so only the ledger says it must be read again.
    let mut other = Ledger::open(&f.home).unwrap();
    reset_derived(&mut other, None).unwrap();
    drop(other);
    let after = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((after.files_changed, after.turns_added), (1, 2));
    assert_eq!(turns(&ledger), 2);
}

#[test]
fn this_connections_own_write_makes_the_next_sweep_read_the_ledger_again() {
    let f = fixture();
    let mut ledger = ingested(&f, &f.home);
    reset_derived(&mut ledger, None).unwrap();
    let after = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((after.files_changed, after.turns_added), (1, 2));
}

#[test]
fn the_memo_travels_with_its_pooled_connection() {
    let f = fixture();
    drop(ingested(&f, &f.home));
    // The next open of this ledger takes the same connection back, memo included.
    let mut ledger = Ledger::open(&f.home).unwrap();
    assert!(has_memo(&mut ledger));
    let swept = ingest(&mut ledger, &f.opts).unwrap();
    assert_eq!((swept.files_scanned, swept.files_changed), (1, 0));
    assert!(has_memo(&mut ledger));
}

#[test]
fn a_pass_storing_no_content_prunes_once_per_home_and_retention_until_due() {
    use crate::content::settings::Retention;
    let f = fixture();
    let other = f.home.with_file_name("other-home");
    assert!(super::prune_due(&f.home, Retention::Days(30)));
    assert!(!super::prune_due(&f.home, Retention::Days(30)));
    assert!(super::prune_due(&other, Retention::Days(30)));
    // A changed retention applies at once.
    assert!(super::prune_due(&f.home, Retention::Days(1)));
    assert!(!super::prune_due(&f.home, Retention::Days(1)));
}
