//! Sweeps on one connection stat only what the kernel's change queue says may have changed:
//! every kind of change made between two `ingest()` calls is still seen by the second, by
//! this process or another, and a queue that runs out of watches falls back to stat'ing
//! every file. (Unix: directories are settled by setting their mtime; the skipping itself
//! is Linux's, the rest must hold everywhere.)
#![cfg(unix)]

use super::changes::Tracker;
use super::memo::Carried;
use super::plan::STATTED;
use super::{ingest, IngestOptions, IngestReport};
use crate::ledger::Ledger;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const LINUX: bool = cfg!(target_os = "linux");

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    ledger: Ledger,
    opts: IngestOptions,
}

fn row(session: &str, msg: &str) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"{session}","cwd":"/work/app","timestamp":"2026-03-01T10:00:00.000Z","requestId":"r-{msg}","uuid":"u-{msg}","message":{{"id":"{msg}","model":"claude-sonnet-4-5-20250929","stop_reason":"end_turn","content":[],"usage":{{"input_tokens":10,"output_tokens":5}}}}}}"#
    )
}

fn lines(session: &str, msgs: &[&str]) -> String {
    msgs.iter().map(|m| row(session, m) + "\n").collect()
}

/// A directory's mtime an hour back: settled, so its listing is kept (`listing`).
fn settle(dir: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::open(dir).unwrap().set_modified(old).unwrap();
}

fn project(f: &Fixture, name: &str) -> PathBuf {
    f.root.join("projects").join(name)
}

fn file(f: &Fixture, dir: &str, session: &str) -> PathBuf {
    project(f, dir).join(format!("{session}.jsonl"))
}

/// Two projects of two sessions each, ingested, then swept once more with nothing new: the
/// connection now carries a memo whose files all went without a watch-covered `stat`.
fn fixture_with(tracker: Option<Tracker>) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    for (dir, sessions) in [("-work-a", ["a1", "a2"]), ("-work-b", ["b1", "b2"])] {
        let d = root.join("projects").join(dir);
        std::fs::create_dir_all(&d).unwrap();
        for s in sessions {
            let text = lines(s, &[&format!("{s}-m1"), &format!("{s}-m2")]);
            std::fs::write(d.join(format!("{s}.jsonl")), text).unwrap();
        }
        settle(&d);
    }
    settle(&root.join("projects"));
    settle(&root);
    let mut ledger = Ledger::open(&tmp.path().join("home")).unwrap();
    if let Some(changes) = tracker {
        ledger.keep_sweep_memo(Carried {
            memo: None,
            changes,
        });
    }
    let opts = crate::test_store::claude_options(&root);
    let mut f = Fixture {
        _tmp: tmp,
        root,
        ledger,
        opts,
    };
    assert_eq!(sweep(&mut f).turns_added, 8);
    let quiet = sweep(&mut f);
    assert_eq!((quiet.files_scanned, quiet.files_changed), (4, 0));
    f
}

fn fixture() -> Fixture {
    let mut f = fixture_with(None);
    if LINUX {
        assert_eq!(carried(&mut f.ledger), (vec![true; 4], true));
    }
    f
}

fn sweep(f: &mut Fixture) -> IngestReport {
    let report = ingest(&mut f.ledger, &f.opts).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
}

/// The kept memo's coverage (empty without a memo) and whether a change queue is kept.
fn carried(ledger: &mut Ledger) -> (Vec<bool>, bool) {
    let c = ledger.take_sweep_memo::<Carried>().unwrap();
    let cov = c
        .memo
        .as_ref()
        .map(|m| m.coverage().covered().to_vec())
        .unwrap_or_default();
    let queue = c.changes.has_queue();
    ledger.keep_sweep_memo(c);
    (cov, queue)
}

fn statted() -> usize {
    STATTED.get()
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn a_quiet_sweep_stats_no_file_and_an_append_is_seen_by_the_next_call() {
    let mut f = fixture();
    let quiet = sweep(&mut f);
    assert_eq!((quiet.files_scanned, quiet.files_changed), (4, 0));
    if LINUX {
        assert_eq!(statted(), 0, "every file covered by a watch");
    }
    append(&file(&f, "-work-a", "a1"), &lines("a1", &["a1-m3"]));
    let grown = sweep(&mut f);
    assert_eq!((grown.files_changed, grown.turns_added), (1, 1));
    if LINUX {
        assert_eq!(statted(), 1, "only the file the queue named");
    }
    // The pass read the cursor it wrote back: the next sweep stats that file alone (and
    // finds it covered again), the one after that none.
    assert_eq!(sweep(&mut f).files_changed, 0);
    if LINUX {
        assert_eq!(statted(), 1);
    }
    assert_eq!(sweep(&mut f).files_changed, 0);
    if LINUX {
        assert_eq!(statted(), 0);
    }
}

#[test]
fn a_new_file_is_seen() {
    let mut f = fixture();
    std::fs::write(file(&f, "-work-b", "b3"), lines("b3", &["b3-m1"])).unwrap();
    let r = sweep(&mut f);
    assert_eq!((r.files_scanned, r.files_changed, r.turns_added), (5, 1, 1));
}

#[test]
fn a_new_directory_is_seen() {
    let mut f = fixture();
    let dir = project(&f, "-work-c");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("c1.jsonl"), lines("c1", &["c1-m1", "c1-m2"])).unwrap();
    let r = sweep(&mut f);
    assert_eq!((r.files_scanned, r.files_changed, r.turns_added), (5, 1, 2));
}

#[test]
fn a_deleted_file_is_seen() {
    let mut f = fixture();
    std::fs::remove_file(file(&f, "-work-a", "a2")).unwrap();
    let r = sweep(&mut f);
    assert_eq!((r.files_scanned, r.files_changed), (3, 0));
}

#[test]
fn a_file_renamed_over_is_seen() {
    let mut f = fixture();
    let target = file(&f, "-work-a", "a1");
    let aside = project(&f, "-work-a").join("a1.jsonl.tmp");
    std::fs::write(&aside, lines("a1", &["a1-m1", "a1-m2", "a1-m3"])).unwrap();
    std::fs::rename(&aside, &target).unwrap();
    let r = sweep(&mut f);
    // A new file at the path: read from its start (the two known turns merge in place).
    assert_eq!((r.files_changed, r.turns_added), (1, 1));
}

#[test]
fn a_truncated_file_is_seen() {
    let mut f = fixture();
    let path = file(&f, "-work-b", "b1");
    // Cut in place, then rewritten shorter with a new turn: smaller than its cursor.
    std::fs::write(&path, lines("b1", &["b1-m9"])).unwrap();
    let r = sweep(&mut f);
    assert_eq!((r.files_changed, r.turns_added), (1, 1));
}

#[test]
fn a_touched_mtime_is_seen() {
    let mut f = fixture();
    let path = file(&f, "-work-b", "b2");
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let r = sweep(&mut f);
    assert_eq!((r.files_changed, r.turns_added), (1, 0));
}

#[test]
fn an_append_by_another_process_is_seen() {
    let mut f = fixture();
    let path = file(&f, "-work-a", "a2");
    let text = lines("a2", &["a2-m3"]);
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"printf '%s' "$1" >> "$2""#)
        .arg("sh")
        .arg(text.trim_end().to_string() + "\n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let r = sweep(&mut f);
    assert_eq!((r.files_changed, r.turns_added), (1, 1));
}

#[test]
fn a_queue_out_of_watches_falls_back_to_stating_every_file() {
    // Room for one directory's watch: the second project's cannot be added.
    let mut f = fixture_with(Some(Tracker::with_limit(1)));
    if LINUX {
        let (cov, queue) = carried(&mut f.ledger);
        assert!(!queue, "a full queue is dropped");
        assert!(!cov.contains(&true), "no file is covered: {cov:?}");
    }
    assert_eq!(sweep(&mut f).files_changed, 0);
    assert_eq!(statted(), 4);
    append(&file(&f, "-work-a", "a1"), &lines("a1", &["a1-m3"]));
    let r = sweep(&mut f);
    assert_eq!((r.files_changed, r.turns_added), (1, 1));
}

#[test]
fn a_file_with_an_unfinished_response_is_stat_ed_on_every_sweep() {
    // Its flush is due once the file has been idle for a while: no event says when.
    let mut f = fixture();
    let open = r#"{"type":"assistant","sessionId":"a1","cwd":"/work/app","timestamp":"2026-03-01T10:01:00.000Z","requestId":"r-open","uuid":"u-open","message":{"id":"open","model":"claude-sonnet-4-5-20250929","stop_reason":null,"content":[],"usage":{"input_tokens":10,"output_tokens":5}}}"#;
    append(&file(&f, "-work-a", "a1"), &format!("{open}\n"));
    assert_eq!(sweep(&mut f).files_changed, 1);
    assert_eq!(sweep(&mut f).files_changed, 0);
    if LINUX {
        let (cov, _) = carried(&mut f.ledger);
        assert_eq!(cov.iter().filter(|c| !**c).count(), 1, "{cov:?}");
        assert_eq!(sweep(&mut f).files_changed, 0);
        assert_eq!(statted(), 1, "the unfinished one only");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_queue_names_changed_files_and_sees_anything_else_as_everything() {
    use super::changes::{Queue, Seen};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    let a = dir.join("a.jsonl");
    std::fs::write(&a, "x").unwrap();
    let mut q = Queue::open().unwrap();
    assert!(q.watch(&dir));
    assert_eq!(q.drain(), Seen::Quiet);
    append(&a, "y");
    assert_eq!(q.drain(), Seen::Files([a.clone()].into_iter().collect()));
    assert_eq!(q.drain(), Seen::Quiet);
    std::fs::write(dir.join("b.jsonl"), "").unwrap();
    assert_eq!(q.drain(), Seen::Everything);
    std::fs::create_dir(dir.join("sub")).unwrap();
    assert_eq!(q.drain(), Seen::Everything);
    std::fs::remove_dir(dir.join("sub")).unwrap();
    assert_eq!(q.drain(), Seen::Everything);
    // The watched directory itself gone: its watch is forgotten and added again when asked.
    std::fs::remove_file(&a).unwrap();
    std::fs::remove_file(dir.join("b.jsonl")).unwrap();
    std::fs::remove_dir(&dir).unwrap();
    assert_eq!(q.drain(), Seen::Everything);
    assert!(!q.watch(&dir), "a missing directory cannot be watched");
    std::fs::create_dir(&dir).unwrap();
    assert!(q.watch(&dir));
    assert_eq!(q.drain(), Seen::Quiet);
    assert!(
        q.local(&dir, 1),
        "a temp directory is on a local filesystem"
    );
}

#[test]
fn a_file_with_another_hard_link_is_stat_ed_on_every_sweep() {
    // Written through a link in a directory no watch covers, it changes with no event here.
    let mut f = fixture();
    let elsewhere = f.root.with_file_name("elsewhere.jsonl");
    std::fs::hard_link(file(&f, "-work-b", "b2"), &elsewhere).unwrap();
    // A new session makes the next sweep stat every file: b2 is seen with its two links.
    std::fs::write(file(&f, "-work-a", "a3"), lines("a3", &["a3-m1"])).unwrap();
    settle(&project(&f, "-work-a"));
    assert_eq!(sweep(&mut f).files_changed, 1);
    assert_eq!(sweep(&mut f).files_changed, 0);
    assert_eq!(sweep(&mut f).files_changed, 0);
    if LINUX {
        assert_eq!(statted(), 1, "b2 alone");
    }
    append(&elsewhere, &lines("b2", &["b2-m3"]));
    let r = sweep(&mut f);
    assert_eq!((r.files_changed, r.turns_added), (1, 1));
}

#[test]
fn coverage_older_than_a_full_pass_interval_stats_every_file() {
    use super::changes::Seen;
    use super::memo::Coverage;
    let f = fixture();
    let files: Vec<super::discover::SourceFile> = ["a1", "a2"]
        .iter()
        .map(|s| super::discover::classify_claude_file(&file(&f, "-work-a", s)))
        .collect();
    let now = std::time::Instant::now();
    let fresh = Coverage::new(&files, vec![true, true], now);
    assert_eq!(
        fresh.to_stat(&files, &Seen::Quiet),
        Some(vec![false, false])
    );
    let Some(old) = now.checked_sub(super::memo::FULL_STAT_EVERY + Duration::from_secs(1)) else {
        return;
    };
    let stale = Coverage::new(&files, vec![true, true], old);
    assert_eq!(stale.to_stat(&files, &Seen::Quiet), None);
}

#[test]
fn a_connection_that_sweeps_once_opens_no_queue() {
    // `fixture()` swept twice: the second sweep opened the queue.
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let mut once = Ledger::open(&tmp.path().join("home")).unwrap();
    assert_eq!(ingest(&mut once, &f.opts).unwrap().turns_added, 8);
    assert!(!carried(&mut once).1, "no queue after one sweep");
    ingest(&mut once, &f.opts).unwrap();
    assert_eq!(carried(&mut once).1, LINUX, "the second sweep opens it");
}
