//! Planning a pass: every file is stat'ed and compared with its cursor; unchanged files are
//! dropped here, the rest become jobs saying where to read from.
//!
//! A sweep of a large store is mostly `stat` calls (see `stat`), so it runs in parallel: a
//! worker thread lists the stores (directories unchanged since they were last listed come from
//! the ledger, `listing`) while this thread reads the cursors' stamps (no reader state) in one
//! query per harness; then the files are stat'ed and compared with their stamps on up to one
//! thread per core. Only the files that changed load their whole cursor.

use super::cursor::{self, Stamp, Stamps};
use super::discover::{FileKind, SourceFile};
use super::job::{FileMeta, Job};
use super::listing::{DirCache, DirIssue, Lister};
use super::memo::{Mark, SweepMemo};
use super::stat::{self, Stat, StatKind};
use super::STREAM_GRACE_MS;
use super::{
    discover_all, opencode, push_issue, totals, whole, Files, IngestOptions, IngestReport,
};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::vocab::Harness;
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
}

impl SweepState {
    /// What the next sweep on this connection may reuse, if this one changed nothing and
    /// learned nothing (else `None`). `after` is the connection's mark once the pass has
    /// written its run record.
    pub fn into_memo(self, planned_jobs: usize, after: Mark) -> Option<SweepMemo> {
        if planned_jobs > 0 || after.others_wrote_since(&self.read_at) {
            return None;
        }
        let listings = self.listings?.into_unchanged()?;
        Some(SweepMemo::new(after, self.harnesses, self.stamps, listings))
    }
}

/// Plans a pass over `files`; a sweep reuses `memo` when it is still current.
pub(super) fn plan(
    ledger: &Ledger,
    opts: &IngestOptions,
    files: Files,
    memo: Option<SweepMemo>,
    report: &mut IngestReport,
) -> Result<Planned> {
    let conn = ledger.conn()?;
    let sql = |e| ledger.err(e);
    let (files, stamps, swept) = match files {
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
            let read_at = Mark::of(conn).map_err(sql)?;
            let kept = match memo {
                Some(m) => m.still_current(conn, &wanted).map_err(sql)?,
                None => None,
            };
            let ((files, lister), stamps) = match kept {
                // Nothing to read from the ledger: the stores are listed on this thread.
                Some((stamps, cache)) => (list(opts, cache), stamps),
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
            (files, stamps, Some((lister, wanted, read_at)))
        }
    };
    report.files_scanned = files.len() as i64;

    let now = crate::time::now_ms();
    let outcomes = stat::par_chunks(&files, |part| {
        let paths: Vec<&std::path::Path> = part.iter().map(|f| f.path.as_path()).collect();
        let stats = stat::stat_run(&paths);
        part.iter()
            .zip(stats)
            .map(|(f, s)| outcome(f, s, &stamps, now))
            .collect()
    });
    let mut jobs = Vec::new();
    let mut planned = FxHashSet::default();
    for (file, out) in files.into_iter().zip(outcomes) {
        let (meta, resume) = match out {
            Outcome::Skip => continue,
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
    let sweep = swept.map(|(lister, harnesses, read_at)| {
        let (listings, unlisted) = lister.into_cache();
        SweepState {
            listings,
            unlisted,
            harnesses,
            stamps,
            read_at,
        }
    });
    Ok(Planned { jobs, sweep })
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
    /// Unchanged since its cursor.
    Skip,
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
    match stamps
        .get(&*file.path.to_string_lossy())
        .map(|s| decide(&file.kind, &meta, s, now))
    {
        None => Outcome::Read(meta, Plan::Fresh),
        Some(Plan::Skip) => Outcome::Skip,
        Some(plan) => Outcome::Read(meta, plan),
    }
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
