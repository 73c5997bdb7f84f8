//! Watch mode: ingest once, then again whenever the watched stores change. Filesystem
//! events (inotify, FSEvents, ReadDirectoryChanges via `notify`) name the files that changed,
//! and only those are ingested (a stat and cursor lookup each, then the new bytes), so the
//! cost of an appended turn does not grow with the store. The first event after a quiet spell
//! is handled at once; while events keep coming, passes are at least [`THROTTLE`] apart. A full sweep runs when
//! the events cannot be trusted to name every change (a queue overflow or rescan notice, a
//! watcher error, a new directory, too many paths, OpenCode's database or documents, whose
//! parts map to their message only through the tree), and periodically as the fallback when
//! events are unavailable (network filesystems, a store created after the watch started) and
//! the backstop for the idle-grace flush of unfinished responses.

use super::discover::{self, FileKind, SourceFile};
use super::listing::Lister;
use super::sources::{self, OnChange};
use super::{discover_all, ingest, ingest_files, Files, IngestOptions, IngestReport};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::vocab::Harness;
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Minimum time between two event-driven passes (events meanwhile are collected).
pub const THROTTLE: Duration = Duration::from_millis(50);
/// A full pass runs at least this often, events or not.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// More changed paths than this in one pass: sweep instead.
const MAX_TARGETED: usize = 512;

/// What the watcher saw.
enum Change {
    /// These paths changed.
    Paths(Vec<PathBuf>),
    /// Something may have been missed: sweep everything.
    Rescan,
}

/// What the next pass must cover.
#[derive(Default)]
struct Dirty {
    paths: HashSet<PathBuf>,
    sweep: bool,
}

impl Dirty {
    fn add(&mut self, change: Change) {
        match change {
            Change::Paths(paths) => self.paths.extend(paths),
            Change::Rescan => self.sweep = true,
        }
    }

    fn any(&self) -> bool {
        self.sweep || !self.paths.is_empty()
    }
}

/// Runs until `opts.cancel` is set. `on_report` receives the report of every pass that
/// changed something (and of the first pass).
pub fn watch(
    ledger: &mut Ledger,
    opts: &IngestOptions,
    on_report: &dyn Fn(&IngestReport),
) -> Result<()> {
    let cancel = opts
        .cancel
        .clone()
        .ok_or_else(|| Error::Internal("watch needs a cancel flag".into()))?;
    if opts.session_file.is_some() {
        return Err(Error::invalid(
            "sessionFile",
            "cannot be combined with watch",
        ));
    }
    let (tx, rx) = mpsc::channel::<Change>();
    let dirs = watched_dirs(opts);
    // Keep the watcher alive for the loop; without one we only poll.
    let _watcher = start_watcher(dirs.iter().map(|d| (d.path.clone(), d.mode)).collect(), tx);

    on_report(&ingest(ledger, opts)?);
    let mut last_sweep = Instant::now();
    let mut last_pass = Instant::now()
        .checked_sub(THROTTLE)
        .unwrap_or_else(Instant::now);
    let mut dirty = Dirty::default();
    while !cancel.load(Ordering::Relaxed) {
        // Wake when a pass is due for what is pending, else every 100 ms (cancel, poll).
        let wait = if dirty.any() {
            THROTTLE
                .saturating_sub(last_pass.elapsed())
                .max(Duration::from_millis(1))
        } else {
            Duration::from_millis(100)
        };
        if let Ok(change) = rx.recv_timeout(wait) {
            dirty.add(change);
            while let Ok(more) = rx.try_recv() {
                dirty.add(more);
            }
        }
        let due = dirty.any() && last_pass.elapsed() >= THROTTLE;
        let poll = last_sweep.elapsed() >= POLL_INTERVAL;
        if !(due || poll) {
            continue;
        }
        let pending = std::mem::take(&mut dirty);
        let files = if poll || pending.sweep || pending.paths.len() > MAX_TARGETED {
            None
        } else {
            targets(&dirs, opts, pending.paths)
        };
        let started = Instant::now();
        last_pass = started;
        let result = match files {
            Some(files) if files.is_empty() => continue,
            Some(files) => ingest_files(ledger, opts, Files::Given(files), started),
            None => {
                last_sweep = Instant::now();
                ingest(ledger, opts)
            }
        };
        match result {
            Ok(report) => {
                if report.files_changed > 0 || !report.errors.is_empty() {
                    on_report(&report);
                }
            }
            // Another process held the ledger too long: the next sweep catches up.
            Err(Error::LedgerBusy { .. }) => dirty.sweep = true,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A watched directory and what lives under it.
struct WatchedDir {
    path: PathBuf,
    mode: RecursiveMode,
    harness: Harness,
}

fn watched_dirs(opts: &IngestOptions) -> Vec<WatchedDir> {
    let wants = |h| opts.harnesses.as_ref().is_none_or(|l| l.contains(&h));
    let mut dirs = Vec::new();
    for source in &sources::SOURCES {
        let harness = source.harness;
        if !wants(harness) {
            continue;
        }
        let roots = sources::resolve_roots(opts.roots_of(harness), &source.roots);
        dirs.extend((source.watch)(&roots).into_iter().map(|w| WatchedDir {
            path: w.path,
            mode: if w.recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            },
            harness,
        }));
    }
    dirs.into_iter().filter(|d| d.path.is_dir()).collect()
}

/// The files to ingest for a set of changed paths, or `None` when only a sweep is safe.
/// Paths that no longer exist are dropped (a deleted log leaves its rows and cursor).
fn targets(
    dirs: &[WatchedDir],
    opts: &IngestOptions,
    paths: HashSet<PathBuf>,
) -> Option<Vec<SourceFile>> {
    let mut files = Vec::new();
    // Stores listed again on any event: a database, or files whose session and parent come
    // from their place in the tree or a document elsewhere.
    let mut relist: Vec<Harness> = Vec::new();
    for path in paths {
        let Some(dir) = dirs.iter().find(|d| path.starts_with(&d.path)) else {
            continue;
        };
        let on_change = sources::source(dir.harness).on_change;
        if on_change == OnChange::Relist {
            if !relist.contains(&dir.harness) {
                relist.push(dir.harness);
            }
            continue;
        }
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) => continue,
        };
        if meta.is_dir() {
            // A new session or subagents directory: files created in it before its watch
            // was added send no event.
            return None;
        }
        let rel = path.strip_prefix(&dir.path).ok()?;
        if on_change == OnChange::InTree {
            files.extend(discover::classify_in_tree(dir.harness, rel, &path));
            continue;
        }
        if !is_jsonl(&path) {
            continue;
        }
        match on_change {
            OnChange::ClaudeLayout => {
                let depth = rel.components().count();
                let sub = path
                    .parent()
                    .is_some_and(|p| p.file_name().is_some_and(|n| n == "subagents"));
                // `<slug>/<session>.jsonl` or `<slug>/<session>/subagents/<agent>.jsonl`.
                if depth == 2 || (depth == 4 && sub) {
                    files.push(discover::classify_claude_file(&path));
                }
            }
            _ => files.push(SourceFile {
                path,
                harness: Harness::Codex,
                kind: FileKind::CodexRollout,
            }),
        }
    }
    for harness in relist {
        files.extend(discover_all(opts, Some(harness), &mut Lister::plain()));
    }
    Some(files)
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// Watches `dirs`, sending the paths of every event that may concern a log file.
fn start_watcher(
    dirs: Vec<(PathBuf, RecursiveMode)>,
    tx: mpsc::Sender<Change>,
) -> Option<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let change = match event {
            Ok(e) if e.need_rescan() => Change::Rescan,
            Ok(e) if e.kind.is_access() => return,
            Ok(e) if e.paths.is_empty() => Change::Rescan,
            Ok(e) => Change::Paths(e.paths),
            Err(_) => Change::Rescan,
        };
        let _ = tx.send(change);
    })
    .ok()?;
    let mut any = false;
    for (dir, mode) in dirs {
        any |= watcher.watch(&dir, mode).is_ok();
    }
    any.then_some(watcher)
}
