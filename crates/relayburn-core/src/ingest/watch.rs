//! Watch mode: ingest once, then again whenever the watched stores change. Filesystem
//! events (inotify, FSEvents, ReadDirectoryChanges via `notify`) are debounced; a periodic
//! pass is the fallback when events are unavailable (network filesystems, a store created
//! after the watch started) and a backstop for the idle-grace flush of unfinished responses.

use super::{ingest, IngestOptions, IngestReport};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use notify::{RecursiveMode, Watcher};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Quiet time after the last event before a pass runs.
pub const DEBOUNCE: Duration = Duration::from_millis(200);
/// A pass runs at least this often, events or not.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

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
    let (tx, rx) = mpsc::channel::<()>();
    // Keep the watcher alive for the loop; without one we only poll.
    let _watcher = start_watcher(watched_dirs(opts), tx);

    on_report(&ingest(ledger, opts)?);
    let mut last_pass = Instant::now();
    let mut dirty_since: Option<Instant> = None;
    while !cancel.load(Ordering::Relaxed) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(()) => {
                dirty_since = Some(Instant::now());
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) | Err(mpsc::RecvTimeoutError::Disconnected) => {}
        }
        let settled = dirty_since.is_some_and(|t| t.elapsed() >= DEBOUNCE);
        if settled || last_pass.elapsed() >= POLL_INTERVAL {
            dirty_since = None;
            last_pass = Instant::now();
            match ingest(ledger, opts) {
                Ok(report) => {
                    if report.files_changed > 0 || !report.errors.is_empty() {
                        on_report(&report);
                    }
                }
                // Another process held the ledger too long: try again on the next pass.
                Err(Error::LedgerBusy { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

fn watched_dirs(opts: &IngestOptions) -> Vec<(PathBuf, RecursiveMode)> {
    let wants = |h| opts.harnesses.as_ref().is_none_or(|l| l.contains(&h));
    let mut dirs = Vec::new();
    if wants(crate::harness::Harness::ClaudeCode) {
        dirs.extend(
            super::discover::claude_projects_dirs(opts.claude_roots.as_deref())
                .into_iter()
                .map(|d| (d, RecursiveMode::Recursive)),
        );
    }
    if wants(crate::harness::Harness::Codex) {
        let homes = super::discover::codex_homes(opts.codex_roots.as_deref());
        dirs.extend(
            super::discover::codex_session_dirs(&homes)
                .into_iter()
                .map(|d| (d, RecursiveMode::Recursive)),
        );
    }
    if wants(crate::harness::Harness::OpenCode) {
        // The data dir itself only for its database (it also holds logs and snapshots).
        for root in super::discover::opencode_data_dirs(opts.opencode_roots.as_deref()) {
            if let Some(storage) = super::discover::opencode_storage_dir(&root) {
                dirs.push((storage, RecursiveMode::Recursive));
            }
            dirs.push((root, RecursiveMode::NonRecursive));
        }
    }
    dirs.into_iter().filter(|(d, _)| d.is_dir()).collect()
}

/// Watches `dirs` recursively, sending a tick on every event that may concern a log file.
fn start_watcher(
    dirs: Vec<(PathBuf, RecursiveMode)>,
    tx: mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !event.kind.is_access() {
                let _ = tx.send(());
            }
        }
    })
    .ok()?;
    let mut any = false;
    for (dir, mode) in dirs {
        any |= watcher.watch(&dir, mode).is_ok();
    }
    any.then_some(watcher)
}
