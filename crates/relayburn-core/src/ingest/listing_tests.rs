//! The listing cache: a directory is served from the ledger only while its stamp is the one
//! its listing was read under, and only once that stamp has settled. (Unix: setting a
//! directory's mtime here opens it as a file; the package tests cover other systems.)
#![cfg(unix)]

use super::listing::{jsonl, DirCache, Lister};
use crate::ledger::Ledger;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

struct Fixture {
    _tmp: tempfile::TempDir,
    ledger: Ledger,
    dir: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&tmp.path().join("home")).unwrap();
    let dir = tmp.path().join("store");
    std::fs::create_dir_all(&dir).unwrap();
    Fixture {
        _tmp: tmp,
        ledger,
        dir,
    }
}

/// Sets `dir`'s mtime an hour back: a settled directory, as most of a store's are.
fn settle(dir: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::open(dir).unwrap().set_modified(old).unwrap();
}

/// One discovery pass over `dir` with the ledger's cache, stored as a sweep stores it:
/// the `.jsonl` names found, and how many directories were read from disk.
fn pass(f: &mut Fixture) -> (Vec<String>, usize) {
    let cache = DirCache::load(f.ledger.conn().unwrap()).unwrap();
    let mut ls = Lister::cached(cache);
    let mut names: Vec<String> = ls
        .files(&f.dir, jsonl)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let read = ls.read;
    let (cache, issues) = ls.into_cache();
    assert!(issues.is_empty(), "{issues:?}");
    store(f, cache.unwrap());
    (names, read)
}

/// Stores what a pass learned, as a sweep does when it ends.
fn store(f: &mut Fixture, cache: DirCache) {
    f.ledger
        .write(|tx| {
            cache
                .save(tx)
                .map_err(|e| crate::error::Error::Internal(e.to_string()))
        })
        .unwrap();
}

fn stored_rows(f: &Fixture) -> i64 {
    f.ledger
        .conn()
        .unwrap()
        .query_row("SELECT count(*) FROM dir_listings", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_settled_unchanged_directory_is_served_from_the_ledger() {
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "{}\n").unwrap();
    std::fs::write(f.dir.join("b.txt"), "").unwrap();
    settle(&f.dir);
    assert_eq!(pass(&mut f), (vec!["a.jsonl".to_string()], 1));
    assert_eq!(stored_rows(&f), 1);
    // Appending to a file inside does not change the directory: still served.
    std::fs::write(f.dir.join("a.jsonl"), "{}\n{}\n").unwrap();
    assert_eq!(pass(&mut f), (vec!["a.jsonl".to_string()], 0));
}

#[test]
fn a_new_deleted_or_renamed_entry_makes_the_directory_read_again() {
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "").unwrap();
    settle(&f.dir);
    pass(&mut f);

    std::fs::write(f.dir.join("b.jsonl"), "").unwrap();
    assert_eq!(pass(&mut f), (vec!["a.jsonl".into(), "b.jsonl".into()], 1));

    settle(&f.dir);
    pass(&mut f);
    std::fs::remove_file(f.dir.join("a.jsonl")).unwrap();
    assert_eq!(pass(&mut f), (vec!["b.jsonl".into()], 1));

    settle(&f.dir);
    pass(&mut f);
    std::fs::rename(f.dir.join("b.jsonl"), f.dir.join("c.jsonl")).unwrap();
    assert_eq!(pass(&mut f), (vec!["c.jsonl".into()], 1));
}

#[test]
fn a_directory_changed_moments_ago_is_not_kept() {
    // Its mtime could still take the same value for an entry created in the same tick.
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "").unwrap();
    assert_eq!(pass(&mut f).1, 1);
    assert_eq!(stored_rows(&f), 0);
    assert_eq!(pass(&mut f).1, 1);
}

#[test]
fn a_listing_whose_stamp_was_set_back_is_not_trusted() {
    // A directory replaced by another one (same path) or touched back to its old mtime still
    // differs in inode or ctime.
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "").unwrap();
    settle(&f.dir);
    pass(&mut f);
    let old = std::fs::metadata(&f.dir).unwrap().modified().unwrap();
    std::fs::write(f.dir.join("b.jsonl"), "").unwrap();
    std::fs::File::open(&f.dir)
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(pass(&mut f), (vec!["a.jsonl".into(), "b.jsonl".into()], 1));
}

#[test]
fn a_removed_directory_is_forgotten() {
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "").unwrap();
    settle(&f.dir);
    pass(&mut f);
    assert_eq!(stored_rows(&f), 1);
    std::fs::remove_dir_all(&f.dir).unwrap();
    assert_eq!(pass(&mut f), (vec![], 0));
    assert_eq!(stored_rows(&f), 0);
}

#[test]
fn a_directory_with_a_name_that_is_not_utf8_is_listed_every_time() {
    use std::os::unix::ffi::OsStrExt;
    let mut f = fixture();
    std::fs::write(f.dir.join("a.jsonl"), "").unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"\xff.jsonl");
    std::fs::write(f.dir.join(odd), "").unwrap();
    settle(&f.dir);
    assert_eq!(pass(&mut f).0.len(), 2);
    assert_eq!(stored_rows(&f), 0);
    assert_eq!(
        pass(&mut f),
        (vec!["a.jsonl".into(), "\u{fffd}.jsonl".into()], 1)
    );
}

#[test]
fn every_entry_kind_survives_the_round_trip() {
    let mut f = fixture();
    std::fs::write(f.dir.join("f.jsonl"), "").unwrap();
    std::fs::create_dir(f.dir.join("d")).unwrap();
    std::os::unix::fs::symlink(f.dir.join("f.jsonl"), f.dir.join("l.jsonl")).unwrap();
    settle(&f.dir);
    let first = {
        let cache = DirCache::load(f.ledger.conn().unwrap()).unwrap();
        let mut ls = Lister::cached(cache);
        let mut e = ls.entries(&f.dir).unwrap().to_vec();
        e.sort_by(|a, b| a.name.cmp(&b.name));
        let (cache, _) = ls.into_cache();
        store(&mut f, cache.unwrap());
        e
    };
    let cache = DirCache::load(f.ledger.conn().unwrap()).unwrap();
    let mut ls = Lister::cached(cache);
    let mut again = ls.entries(&f.dir).unwrap().to_vec();
    again.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(ls.read, 0);
    assert_eq!(first, again);
    assert_eq!(ls.dirs(&f.dir), vec![f.dir.join("d")]);
}

#[test]
fn a_fork_lists_through_the_same_cache_and_hands_back_its_count() {
    let mut f = fixture();
    let (a, b) = (f.dir.join("a"), f.dir.join("b"));
    for d in [&a, &b] {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("s.jsonl"), "").unwrap();
        settle(d);
    }
    let list_both = |f: &mut Fixture| {
        let cache = DirCache::load(f.ledger.conn().unwrap()).unwrap();
        let mut ls = Lister::cached(cache);
        let mut fork = ls.fork();
        let theirs = std::thread::scope(|s| {
            let t = s.spawn(|| fork.files(&b, jsonl));
            assert_eq!(ls.files(&a, jsonl), vec![a.join("s.jsonl")]);
            t.join().unwrap()
        });
        assert_eq!(theirs, vec![b.join("s.jsonl")]);
        ls.join(fork);
        let read = ls.read;
        let (cache, issues) = ls.into_cache();
        assert!(issues.is_empty(), "{issues:?}");
        store(f, cache.unwrap());
        read
    };
    // Both directories read once, and what the fork learned is stored with the rest.
    assert_eq!(list_both(&mut f), 2);
    assert_eq!(stored_rows(&f), 2);
    assert_eq!(list_both(&mut f), 0);
}

/// Listed on two threads, the stores' files are the ones one thread lists, in `SOURCES` order
/// (the first harness to list a path keeps it when a plan meets it twice).
#[test]
fn stores_listed_on_two_threads_are_those_of_one_thread() {
    use super::{discover_all, sources, IngestOptions};
    use crate::vocab::Harness;
    let f = fixture();
    let write = |rel: &str| {
        let p = f.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "{}\n").unwrap();
    };
    write("claude/projects/p1/s1.jsonl");
    write("claude/projects/p2/s2.jsonl");
    write("codex/sessions/2026/01/01/rollout-a.jsonl");
    write("opencode/storage/session/proj/ses_1.json");
    write("opencode/storage/message/ses_1/msg_1.json");
    let root = |d: &str| vec![f.dir.join(d).to_string_lossy().into_owned()];
    let wanted = [Harness::ClaudeCode, Harness::Codex, Harness::OpenCode];
    let mut opts = IngestOptions {
        harnesses: Some(wanted.to_vec()),
        ..IngestOptions::default()
    };
    for (h, d) in wanted.iter().zip(["claude", "codex", "opencode"]) {
        opts = opts.with_roots(*h, root(d));
    }
    let key = |files: Vec<super::SourceFile>| -> Vec<(Harness, PathBuf)> {
        files.into_iter().map(|s| (s.harness, s.path)).collect()
    };
    let one_thread: Vec<_> = sources::SOURCES
        .iter()
        .filter(|s| wanted.contains(&s.harness))
        .flat_map(|s| sources::discover(s.harness, opts.roots_of(s.harness), &mut Lister::plain()))
        .collect();
    assert_eq!(one_thread.len(), 5);
    let mut ls = Lister::plain();
    assert_eq!(key(discover_all(&opts, None, &mut ls)), key(one_thread));
    assert!(ls.read > 0);
}

/// Waits (at most 10 s, so a broken run fails instead of hanging) until `flag` is set.
fn wait_for(flag: &std::sync::atomic::AtomicBool) {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while !flag.load(std::sync::atomic::Ordering::SeqCst) && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The threads' items interleave (item 1 waits for item 2 to start, item 2 for item 3, so 1
/// and 3 are done by one thread and 2 by the other), and the results still come in order.
#[test]
fn items_taken_in_turn_come_back_in_order() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let started: Vec<AtomicBool> = (0..5).map(|_| AtomicBool::new(false)).collect();
    let ran_on = std::sync::Mutex::new(vec![None; 5]);
    let out = Lister::plain().in_turn(5, true, |i, _| {
        started[i].store(true, Ordering::SeqCst);
        if i == 1 || i == 2 {
            wait_for(&started[i + 1]);
        }
        ran_on.lock().unwrap()[i] = Some(std::thread::current().id());
        i * 10
    });
    assert_eq!(out, [0, 10, 20, 30, 40]);
    let ran_on = ran_on.into_inner().unwrap();
    assert_eq!(ran_on[1], ran_on[3]);
    assert_ne!(ran_on[1], ran_on[2]);
}

/// An item whose thread panicked is done again on the calling thread: nothing is lost.
#[test]
fn a_panicked_helper_loses_no_item() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let caller = std::thread::current().id();
    let helper_started = AtomicBool::new(false);
    let out = Lister::plain().in_turn(4, true, |i, _| {
        if std::thread::current().id() != caller {
            helper_started.store(true, Ordering::SeqCst);
            panic!("a bug in a store's listing (expected by this test)");
        }
        // The calling thread's first item waits until the helper has taken one.
        wait_for(&helper_started);
        i
    });
    assert!(helper_started.load(Ordering::SeqCst));
    assert_eq!(out, [0, 1, 2, 3]);
}
