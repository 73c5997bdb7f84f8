//! Planning a pass: every file is stat'ed and compared with its cursor; unchanged files are
//! dropped here, the rest become jobs saying where to read from.
//!
//! A sweep of a large store is mostly `stat` calls (see `stat`), so it runs in parallel: a
//! worker thread lists the stores (directories unchanged since they were last listed come from
//! the ledger, `listing`) while this thread reads the cursors' stamps (no reader state) in one
//! query per harness; then the files are stat'ed and compared with their stamps on up to one
//! thread per core. Only the files that changed load their whole cursor.
//!
//! A sweep on a connection that swept before skips the `stat` of the files a watch covers
//! and the kernel's change queue does not name (`changes`, `memo::Coverage`), as long as
//! nothing else changed: the ledger, the listings, the list of files.

use super::changes::{self, Tracker};
use super::cursor::{self, Stamp, Stamps};
use super::discover::{FileKind, SourceFile};
use super::job::{FileMeta, Job};
use super::listing::{DirCache, DirIssue, Lister};
use super::memo::{Carried, Coverage, Mark, SweepMemo};
use super::stat::{self, Stat, StatKind};
use super::STREAM_GRACE_MS;
use super::{
    discover_all, opencode, push_issue, totals, whole, Files, IngestOptions, IngestReport,
};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::vocab::Harness;
use rusqlite::Connection;
use rustc_hash::FxHashSet;

/// Up to this many given files, each loads its own cursor (the hook, a watch event) on this
/// thread; more load every stamp of their harnesses at once.
const FEW_FILES: usize = 64;

/// A planned pass: its jobs (older files first) and, for a sweep, what it read to plan them.
pub(super) struct Planned {
    pub jobs: Vec<Job>,
    pub sweep: Option<SweepState>,
}

/// What a sweep read: the directory listings (with what it learned about them), the
/// directories it could not list, the stamps it compared with, and when they were read.
pub(super) struct SweepState {
    pub listings: Option<DirCache>,
    pub unlisted: Vec<DirIssue>,
    harnesses: Vec<Harness>,
    stamps: Stamps,
    read_at: Mark,
    coverage: Coverage,
    changes: Tracker,
}

impl SweepState {
    /// What the next sweep on this connection may reuse: the change queue, and the memo if
    /// this sweep learned no listing and no other connection wrote meanwhile. `after` is the
    /// connection's mark once the pass has written its run record; `read` the files this
    /// pass read, whose cursors are read back (a few at most: else no memo is kept).
    pub fn into_carried(self, conn: &Connection, read: &[String], after: Mark) -> Carried {
        let mut changes = self.changes;
        changes.end();
        let memo = if read.len() > MEMO_MAX_READ || after.others_wrote_since(&self.read_at) {
            None
        } else {
            let mut stamps = self.stamps;
            let mut coverage = self.coverage;
            match refresh(conn, read, &mut stamps) {
                Ok(()) => {
                    coverage.uncover(read);
                    self.listings
                        .and_then(DirCache::into_unchanged)
                        .map(|l| SweepMemo::new(after, self.harnesses, stamps, l, coverage))
                }
                Err(_) => None,
            }
        };
        Carried { memo, changes }
    }
}

/// Up to this many files read, a sweep reads their cursors back and keeps its memo (a
/// watcher's pass after an append); more, and the next sweep reads every stamp again.
pub(super) const MEMO_MAX_READ: usize = 64;

/// The current stamps of `paths`, from the ledger.
fn refresh(conn: &Connection, paths: &[String], stamps: &mut Stamps) -> rusqlite::Result<()> {
    for path in paths {
        match cursor::load(conn, path)? {
            Some(c) => {
                stamps.insert(path.as_str().into(), c.stamp());
            }
            None => {
                stamps.remove(path.as_str());
            }
        }
    }
    Ok(())
}

/// Plans a pass over `files`; a sweep reuses `memo` when it is still current.
pub(super) fn plan(
    ledger: &Ledger,
    opts: &IngestOptions,
    files: Files,
    carried: Option<Carried>,
    report: &mut IngestReport,
) -> Result<Planned> {
    let conn = ledger.conn()?;
    let sql = |e| ledger.err(e);
    let (files, stamps, mut swept) = match files {
        Files::Given(files) if files.len() <= FEW_FILES => {
            let mut stamps = Stamps::default();
            for f in &files {
                let path = f.path.to_string_lossy();
                if let Some(c) = cursor::load(conn, &path).map_err(sql)? {
                    stamps.insert(path.into(), c.stamp());
                }
            }
            (files, stamps, None)
        }
        Files::Given(files) => {
            let harnesses: Vec<Harness> = Harness::ALL
                .into_iter()
                .filter(|h| files.iter().any(|f| f.harness == *h))
                .collect();
            let stamps = load_stamps(conn, &harnesses, files.len()).map_err(sql)?;
            (files, stamps, None)
        }
        Files::Sweep => {
            let wanted: Vec<Harness> = Harness::ALL
                .into_iter()
                .filter(|h| opts.harnesses.as_ref().is_none_or(|l| l.contains(h)))
                .collect();
            let Carried { memo, mut changes } = carried.unwrap_or_default();
            // What changed since the last sweep, read before anything is stat'ed.
            let seen = changes.begin();
            let read_at = Mark::of(conn).map_err(sql)?;
            let kept = match memo {
                Some(m) => m.still_current(conn, &wanted).map_err(sql)?,
                None => None,
            };
            let mut prior = None;
            let ((files, lister), stamps) = match kept {
                // Nothing to read from the ledger: the stores are listed on this thread.
                Some((stamps, cache, coverage)) => {
                    prior = Some(coverage);
                    (list(opts, cache), stamps)
                }
                None => {
                    let cache = DirCache::load(conn).map_err(sql)?;
                    let (found, stamps) = std::thread::scope(|scope| {
                        let listing = scope.spawn(move || list(opts, cache));
                        let stamps = load_stamps(conn, &wanted, 0);
                        (listing.join(), stamps)
                    });
                    let found =
                        found.map_err(|_| Error::Internal("listing the stores failed".into()))?;
                    (found, stamps.map_err(sql)?)
                }
            };
            // Unchanged listings (none read from disk) and the same files: the coverage holds.
            let to_stat = prior
                .as_ref()
                .filter(|_| lister.read == 0)
                .and_then(|c| c.to_stat(&files, &seen));
            let sweep = Swept {
                lister,
                harnesses: wanted,
                read_at,
                changes,
                prior,
                to_stat,
            };
            (files, stamps, Some(sweep))
        }
    };
    report.files_scanned = files.len() as i64;

    let now = crate::time::now_ms();
    let (outcomes, coverage) = stat_files(&files, &stamps, now, swept.as_mut());
    let mut jobs = Vec::with_capacity(files.len());
    let mut planned = FxHashSet::default();
    for (file, out) in files.into_iter().zip(outcomes) {
        let (meta, resume) = match out {
            Outcome::Skip { .. } => continue,
            Outcome::Unreadable(message) => {
                push_issue(report, &file.path.to_string_lossy(), None, message);
                continue;
            }
            Outcome::Read(meta, plan) => (meta, plan),
        };
        let path = file.path.to_string_lossy().into_owned();
        // A file listed twice (two roots reaching it) is read once.
        if !planned.insert(path.clone()) {
            continue;
        }
        let resume = match resume {
            Plan::Fresh => None,
            Plan::Skip => continue,
            Plan::Resume => {
                // The whole cursor, decided again: another process may have moved it since.
                let c = cursor::load(conn, &path).map_err(sql)?;
                match c
                    .as_ref()
                    .map(|c| decide(&file.kind, &meta, &c.stamp(), now))
                {
                    None | Some(Plan::Fresh) => None,
                    Some(Plan::Skip) => continue,
                    Some(Plan::Resume) => c,
                }
            }
        };
        jobs.push(Job {
            path,
            file,
            meta,
            resume,
        });
    }
    // Older files first, so a turn copied into a newer file (`--resume`) is seen first in
    // the session it came from.
    jobs.sort_by_key(|j| j.meta.mtime_ms);
    let sweep = swept.map(|s| {
        let (listings, unlisted) = s.lister.into_cache();
        SweepState {
            listings,
            unlisted,
            harnesses: s.harnesses,
            stamps,
            read_at: s.read_at,
            coverage,
            changes: s.changes,
        }
    });
    Ok(Planned { jobs, sweep })
}

#[cfg(test)]
thread_local! {
    /// How many files the last plan on this thread stat'ed.
    pub(super) static STATTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// What a sweep carries from listing to the end of planning.
struct Swept {
    lister: Lister,
    harnesses: Vec<Harness>,
    read_at: Mark,
    changes: Tracker,
    /// The last sweep's coverage, when its memo is still current.
    prior: Option<Coverage>,
    /// Which files to stat (`None`: all of them).
    to_stat: Option<Vec<bool>>,
}

/// Each file's outcome, and (for a sweep) which files a watch now covers. A sweep with a
/// change queue watches each file's directory before the file is stat'ed; one that may skip
/// files stats only the others.
fn stat_files(
    files: &[SourceFile],
    stamps: &Stamps,
    now: i64,
    sweep: Option<&mut Swept>,
) -> (Vec<Outcome>, Coverage) {
    // Taken before any watch is added or file stat'ed (see `Coverage::to_stat`).
    let started = std::time::Instant::now();
    let (to_stat, prior, mut queue) = match sweep {
        Some(s) => (s.to_stat.as_deref(), s.prior.as_ref(), s.changes.queue()),
        None => (None, None, None),
    };
    // Watches first (a change after its directory's watch is queued), on a full stat only:
    // a file that may be skipped is covered by a watch already. A watch there after the
    // `stat`s was there before them.
    if let (Some(q), None) = (&mut queue, to_stat) {
        // Each directory once per run of its files (files come listed by directory).
        let mut dirs: Vec<&std::path::Path> = Vec::new();
        for dir in files.iter().filter_map(|f| changes::dir_of(&f.path)) {
            if dirs.last().is_none_or(|l| l.as_os_str() != dir.as_os_str()) {
                dirs.push(dir);
            }
        }
        q.watch_all(&dirs);
    }
    #[cfg(test)]
    STATTED.set(to_stat.map_or(files.len(), |t| t.iter().filter(|s| **s).count()));
    let items: Vec<(&SourceFile, bool)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f, to_stat.is_none_or(|t| t[i])))
        .collect();
    let results: Vec<(Outcome, Option<Stat>)> = stat::par_chunks(&items, |part| {
        let paths: Vec<&std::path::Path> = part
            .iter()
            .filter(|(_, s)| *s)
            .map(|(f, _)| f.path.as_path())
            .collect();
        let mut stats = stat::stat_run(&paths).into_iter();
        part.iter()
            .map(|(f, s)| match s.then(|| stats.next()).flatten() {
                Some(st) => {
                    let kept = st.as_ref().ok().copied();
                    (outcome(f, st, stamps, now), kept)
                }
                None => (Outcome::Skip { steady: true }, None),
            })
            .collect()
    });
    // A file is covered when it was stat'ed through a watch and found unchanged with
    // nothing due later, or was covered and is not stat'ed again; none is when the queue ran
    // out of watches (it is dropped).
    let outcomes = |results: Vec<(Outcome, Option<Stat>)>| results.into_iter().map(|(o, _)| o);
    let full = match &queue {
        None => return (outcomes(results).collect(), Coverage::default()),
        Some(q) => q.is_full(),
    };
    // The last directory looked up and whether it is watched: files come by directory.
    let mut last: Option<(&std::path::Path, bool)> = None;
    let mut covered = Vec::with_capacity(files.len());
    for (i, (f, (out, st))) in files.iter().zip(&results).enumerate() {
        // Covered before and not stat'ed again, or in a watched directory (the cheap test
        // first: on a quiet sweep nearly every file was covered).
        let through_watch = to_stat.is_some() && prior.is_some_and(|p| p.covered()[i])
            || match (&queue, changes::dir_of(&f.path)) {
                (Some(q), Some(dir)) => match last {
                    Some((d, ok)) if d.as_os_str() == dir.as_os_str() => ok,
                    _ => {
                        let ok = q.watching(dir);
                        last = Some((dir, ok));
                        ok
                    }
                },
                _ => false,
            };
        let ok = match (out, st) {
            (Outcome::Skip { steady: true }, None) => through_watch,
            (Outcome::Skip { steady: true }, Some(st)) => {
                // A hard link's writes are reported in the directory it was opened through.
                through_watch
                    && !st.link
                    && st.nlink == 1
                    && !has_companion(&f.kind)
                    && match (&mut queue, changes::dir_of(&f.path)) {
                        (Some(q), Some(dir)) => q.local(dir, st.dev),
                        _ => false,
                    }
            }
            _ => false,
        };
        covered.push(ok && !full);
    }
    // A pass that stat'ed only some files keeps the time of the full one it rests on.
    let taken_at = match (to_stat, prior) {
        (Some(_), Some(p)) => p.taken_at().unwrap_or(started),
        _ => started,
    };
    (
        outcomes(results).collect(),
        Coverage::new(files, covered, taken_at),
    )
}

/// Every file of the wanted stores, listed through `cache`.
fn list(opts: &IngestOptions, cache: DirCache) -> (Vec<SourceFile>, Lister) {
    let mut lister = Lister::cached(cache);
    let files = discover_all(opts, None, &mut lister);
    (files, lister)
}

/// The stamps of these harnesses' cursors.
fn load_stamps(
    conn: &rusqlite::Connection,
    harnesses: &[Harness],
    expected: usize,
) -> rusqlite::Result<Stamps> {
    let mut stamps = Stamps::with_capacity_and_hasher(expected, Default::default());
    for h in harnesses {
        cursor::load_stamps(conn, h.as_str(), &mut stamps)?;
    }
    Ok(stamps)
}

/// What planning makes of one file.
enum Outcome {
    /// Unchanged since its cursor; `steady` when nothing is due later either (no unfinished
    /// response or unterminated last line waiting for the file to go idle).
    Skip { steady: bool },
    /// Cannot be stat'ed, or is not a regular file (reported).
    Unreadable(String),
    /// To read: from the start, or on from its cursor (`Plan::Fresh` / `Plan::Resume`).
    Read(FileMeta, Plan),
}

fn outcome(file: &SourceFile, stat: std::io::Result<Stat>, stamps: &Stamps, now: i64) -> Outcome {
    let meta = match meta_of(file, stat) {
        Ok(m) => m,
        Err(message) => return Outcome::Unreadable(message),
    };
    let Some(stamp) = stamps.get(&*file.path.to_string_lossy()) else {
        return Outcome::Read(meta, Plan::Fresh);
    };
    match decide(&file.kind, &meta, stamp, now) {
        Plan::Skip => Outcome::Skip {
            steady: stamp.pending == 0 && stamp.offset >= stamp.size,
        },
        plan => Outcome::Read(meta, plan),
    }
}

/// Kinds whose planning stats another file too (a database's `-wal`, a Droid session's
/// transcript, a Cline task's history), which no watch of the file's directory is known to
/// cover: always stat'ed.
fn has_companion(kind: &FileKind) -> bool {
    matches!(
        kind,
        FileKind::OpenCodeDb
            | FileKind::CopilotStore
            | FileKind::GooseDb
            | FileKind::CrushDb { .. }
            | FileKind::DroidSession
            | FileKind::ClineTask
    )
}

/// What a pass does with a file that has a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Nothing to read.
    Skip,
    /// Read from the start (the file was replaced or truncated).
    Fresh,
    /// Read on from the cursor.
    Resume,
}

fn decide(kind: &FileKind, meta: &FileMeta, c: &Stamp, now: i64) -> Plan {
    // A whole document replaced by a new file (written aside, then renamed over: Roo Code's
    // `safeWriteJson`) keeps its cursor: its state says what is already counted.
    let whole = matches!(kind, FileKind::AmpThread | FileKind::ClineTask);
    let replaced = c.dev != meta.dev || c.ino != meta.ino;
    if !whole && (replaced || meta.size < c.offset) {
        return Plan::Fresh;
    }
    let unchanged = meta.size == c.size && meta.mtime_ms == c.mtime_ms && !replaced;
    let idle = now - meta.mtime_ms > STREAM_GRACE_MS;
    let idle_pending = c.pending > 0 && idle;
    // A last line without `\n` (its writer is done once the file is idle).
    let idle_tail = idle && c.offset < meta.size && kind.is_line_log();
    if unchanged && !idle_pending && !idle_tail {
        Plan::Skip
    } else {
        Plan::Resume
    }
}

/// A file's stat as planning keeps it (a database's folds in its `-wal`, a Droid session's its
/// transcript, a Cline task's its API history), or why it cannot be read.
fn meta_of(
    file: &SourceFile,
    stat: std::io::Result<Stat>,
) -> std::result::Result<FileMeta, String> {
    let s = match stat {
        Ok(s) if s.kind == StatKind::File => s,
        Ok(_) => {
            // Not a regular file: said in the standard library's words (what it is instead).
            return Err(match std::fs::metadata(&file.path) {
                Ok(m) => format!("cannot read: {}", crate::files::not_regular(&m)),
                Err(e) => format!("cannot read: {e}"),
            });
        }
        Err(e) => return Err(format!("cannot read: {e}")),
    };
    let meta = FileMeta {
        dev: s.dev,
        ino: s.ino,
        size: s.size,
        mtime_ms: s.mtime_ms,
    };
    Ok(match file.kind {
        FileKind::OpenCodeDb
        | FileKind::CopilotStore
        | FileKind::GooseDb
        | FileKind::CrushDb { .. } => opencode::with_wal(&file.path, meta),
        FileKind::DroidSession => totals::with_transcript(&file.path, meta),
        FileKind::ClineTask => whole::with_history(&file.path, meta),
        _ => meta,
    })
}
