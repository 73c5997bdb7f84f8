//! Ingest orchestration: discover files, plan each against its cursor (unchanged files are
//! only stat'ed), parse changed files in parallel, and apply their batches through one writer
//! in `BEGIN IMMEDIATE` transactions, rows and cursors together.

mod changes;
#[cfg(test)]
mod changes_tests;
mod checkpointer;
mod cold_load;
mod copilot;
pub mod cursor;
pub mod discover;
pub mod discover_totals;
mod file;
mod flow;
mod job;
pub mod listing;
#[cfg(test)]
mod listing_tests;
pub(crate) mod memo;
#[cfg(test)]
mod memo_tests;
mod opencode;
mod plan;
mod prefetch;
mod rebuild;
mod snapshot_writer;
pub mod sources;
mod stat;
mod tally;
mod totals;
#[cfg(test)]
mod totals_tests;
mod turn_merge;
mod turn_row;
mod upkeep;
mod values;
mod watch;
mod whole;
#[cfg(test)]
mod whole_tests;
mod writer;

pub use file::STREAM_GRACE_MS;
pub use rebuild::{rebuild, reset_derived, RebuildReport, ResetReport};
pub use upkeep::with_upkeep;
pub use watch::{watch, POLL_INTERVAL, THROTTLE};

use crate::content::settings::{self as content_settings, ContentMode, Retention};
use crate::content::store::{ContentSink, ContentStore};
use crate::content::Capture;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::vocab::Harness;
use discover::{Reader, SourceFile};
use job::{Batch, Job};
use listing::{DirCache, Lister};
use rusqlite::OptionalExtension;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use turn_row::Prepared;

/// Problems described in a report (all are counted; the rest are summarized).
const MAX_REPORTED_ERRORS: usize = 100;
/// One write transaction takes batches (of many files) for up to this long or this many
/// records. Fewer, larger commits matter: some indexes take inserts on random pages (the turn
/// key hash, message ids), and every commit rewrites each page it dirtied into the WAL.
const TX_MAX_TIME: Duration = Duration::from_millis(250);
const TX_MAX_RECORDS: usize = 100_000;
/// A run with at least this much to read (a first ingest, a large catch-up) holds each write
/// transaction up to [`TX_MAX_TIME_BULK`]: the WAL traffic of the random pages is divided by
/// four, and a concurrent writer waits at most that long (it never fails: busy timeout 30 s).
const BULK_BYTES: i64 = 64 << 20;
const TX_MAX_TIME_BULK: Duration = Duration::from_secs(1);

/// [`BULK_BYTES`], or for crash tests `RELAYBURN_TEST_BULK_BYTES` (a positive byte count), so
/// that a small store takes the bulk paths (checkpoint helper, long windows, the content
/// store's rollback journal). Unset (always, outside tests) it changes nothing.
fn bulk_bytes() -> i64 {
    std::env::var("RELAYBURN_TEST_BULK_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|&b| b > 0)
        .unwrap_or(BULK_BYTES)
}

/// SQLite page cache (KiB) while ingesting, so a large transaction's dirty pages stay in
/// memory instead of spilling; the connection's previous size is restored afterwards.
const INGEST_CACHE_KIB: i64 = 64 * 1024;
/// The same while content is captured: its records carry the text and its writer runs beside
/// the ledger's, so the ledger gives up a quarter of its cache to keep a cold ingest's peak
/// RSS within 256 MB (about 3 % slower there; without content it would cost 8 %:
/// bench/RESULTS.md).
const INGEST_CACHE_KIB_CONTENT: i64 = 48 * 1024;
/// WAL pages between automatic checkpoints while ingesting (SQLite's default is 1000). A page
/// rewritten by many transactions is then copied back to the database once, not once per
/// 4 MB of WAL; the WAL may grow to about this many pages (128 MB of a new ledger's 8 KB
/// pages) meanwhile. A pass of at least [`BULK_BYTES`] leaves its checkpoints to a helper
/// thread instead (`checkpointer`).
const INGEST_AUTOCHECKPOINT_PAGES: i64 = 16 * 1024;
/// After reading this much, fold the (then large) WAL back into the database before
/// returning: every process that later opens the ledger first scans the whole WAL.
const CHECKPOINT_AFTER_BYTES: i64 = 16 << 20;

#[derive(Default)]
pub struct IngestOptions {
    /// Only these harnesses (default: all that have readers).
    pub harnesses: Option<Vec<Harness>>,
    /// Per harness, the roots to scan instead of its environment variable and default
    /// locations (what a root is for each harness: [`sources::SOURCES`]).
    pub roots: HashMap<Harness, Vec<String>>,
    /// Ingest just this file.
    pub session_file: Option<String>,
    /// Content store mode for this pass (else environment, `config.json`, default `full`).
    pub content_mode: Option<ContentMode>,
    pub on_progress: Option<Box<dyn Fn(Progress) + Send + Sync>>,
    pub cancel: Option<std::sync::Arc<AtomicBool>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub files_total: i64,
    pub files_done: i64,
    pub bytes_total: i64,
    pub bytes_read: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestIssue {
    pub file: String,
    pub line: Option<i64>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub files_scanned: i64,
    pub files_changed: i64,
    pub bytes_read: i64,
    pub turns_added: i64,
    pub turns_updated: i64,
    pub user_turns_added: i64,
    pub compactions_added: i64,
    pub sessions_added: i64,
    pub pending_stamps_applied: i64,
    pub lines_skipped: i64,
    pub errors: Vec<IngestIssue>,
    pub duration_ms: i64,
    /// True when the run stopped early because it was cancelled.
    pub cancelled: bool,
}

/// One ingest pass.
/// The option rules that need no ledger, checked before one is opened (so a bad option is
/// reported as such even when the ledger cannot be opened).
pub fn check_options(opts: &IngestOptions) -> Result<()> {
    if let Some(one) = &opts.session_file {
        crate::validate::path("sessionFile", one)?;
    }
    Ok(())
}

pub fn ingest(ledger: &mut Ledger, opts: &IngestOptions) -> Result<IngestReport> {
    check_options(opts)?;
    let started = Instant::now();
    let files = if let Some(one) = &opts.session_file {
        // A FIFO or a device would hang the read: refused up front (a missing file is only
        // reported, as a transcript may not be written yet).
        if let Ok(meta) = std::fs::metadata(one) {
            if !meta.is_file() {
                let kind = crate::files::kind_of(&meta);
                return Err(Error::invalid(
                    "sessionFile",
                    format!("{one} is not a regular file ({kind})"),
                ));
            }
        }
        let file = discover::classify_file(
            std::path::Path::new(one),
            &sources::roots_of(Harness::Codex, opts.roots_of(Harness::Codex)),
        );
        // A Claude session's subagent transcripts are part of its spend (budgets count them).
        let subagents = discover::claude_subagents_of(&file);
        Files::Given(std::iter::once(file).chain(subagents).collect())
    } else {
        Files::Sweep
    };
    ingest_files(ledger, opts, files, started)
}

/// Which files a pass covers.
enum Files {
    /// These (the hook, a watch event).
    Given(Vec<SourceFile>),
    /// Every file of the wanted harnesses, discovered with the ledger's directory listings.
    Sweep,
}

/// Every log file of the wanted harnesses (of `only`, when given), listed through `ls`, in
/// [`sources::SOURCES`] order. When the directories are read from disk (no stored listings:
/// a first pass, a plain lister), two threads take the stores in turn: a pass stats nothing
/// until the listing ends, and one thread listing the mixed corpus's stores left a core idle
/// for 26 ms of CPU (Claude Code's store about half of it). Served from stored listings, the
/// listing is short: a second thread gained nothing there (`burn ingest` with nothing new,
/// bench/RESULTS.md).
fn discover_all(opts: &IngestOptions, only: Option<Harness>, ls: &mut Lister) -> Vec<SourceFile> {
    let wanted: Vec<Harness> = sources::SOURCES
        .iter()
        .map(|s| s.harness)
        .filter(|&h| {
            only.is_none_or(|o| o == h) && opts.harnesses.as_ref().is_none_or(|l| l.contains(&h))
        })
        .collect();
    let two = wanted.len() > 1 && !ls.has_listings();
    ls.in_turn(wanted.len(), two, |i, ls| {
        sources::discover(wanted[i], opts.roots_of(wanted[i]), ls)
    })
    .into_iter()
    .flatten()
    .collect()
}

impl IngestOptions {
    /// The explicit roots of `harness`, if the caller named any.
    pub fn roots_of(&self, harness: Harness) -> Option<&[String]> {
        self.roots.get(&harness).map(Vec::as_slice)
    }

    /// These options with `roots` as `harness`'s explicit roots.
    pub fn with_roots(mut self, harness: Harness, roots: Vec<String>) -> Self {
        self.roots.insert(harness, roots);
        self
    }
}

/// One pass over the given files (unchanged ones are only stat'ed), recorded for `status()`.
fn ingest_files(
    ledger: &mut Ledger,
    opts: &IngestOptions,
    files: Files,
    started: Instant,
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    let (settings, issues) = content_settings::resolve(ledger.home(), opts.content_mode);
    for i in issues {
        push_issue(&mut report, &i.source, None, i.message);
    }
    let now = crate::time::now_ms();
    let capture = Capture {
        mode: settings.mode,
        cutoff_ms: settings.retention.cutoff_ms(now),
    };

    let memo = match files {
        Files::Sweep => ledger.take_sweep_memo::<memo::Carried>(),
        Files::Given(_) => None,
    };
    let plan::Planned { jobs, mut sweep } = plan::plan(ledger, opts, files, memo, &mut report)?;
    report.files_changed = jobs.len() as i64;
    // The files whose cursors this pass may write (the next sweep's memo reads them back).
    let job_paths: Vec<String> = match &sweep {
        Some(_) => jobs.iter().map(|j| j.path.clone()).collect(),
        None => Vec::new(),
    };
    let home = ledger.home().to_path_buf();
    // A content store that cannot be opened (corrupt, from a newer relayburn) costs only the
    // content of this pass: the ledger is still ingested, and the problem is reported.
    let open_content = |create: bool, report: &mut IngestReport| {
        ContentStore::open(&home, create).unwrap_or_else(|e| {
            let path = home.join(crate::content::store::CONTENT_FILE);
            push_issue(
                report,
                &path.to_string_lossy(),
                None,
                format!("content store unusable, no content stored: {e}"),
            );
            None
        })
    };
    let capturing = !jobs.is_empty() && !capture.is_off();
    let mut content = if capturing {
        open_content(true, &mut report)
    } else {
        None
    };
    let capture = if content.is_some() {
        capture
    } else {
        Capture::default()
    };
    run_jobs(ledger, jobs, opts, capture, &mut content, &mut report)?;
    // Retention, by message time: an indexed delete, cheap when nothing has aged out. A pass
    // that stored no content prunes only when due (`prune_due`): opening the store is a good
    // part of a no-change pass, and retention counts in days.
    if capturing || prune_due(&home, settings.retention) {
        if !capturing {
            content = open_content(false, &mut report);
        }
        if let Some(store) = &mut content {
            if let Err(e) = store.prune(settings.retention, now) {
                let path = home.join(crate::content::store::CONTENT_FILE);
                let message = format!("content prune failed: {e}");
                push_issue(&mut report, &path.to_string_lossy(), None, message);
            }
        }
    }

    report.duration_ms = started.elapsed().as_millis() as i64;
    let listings = sweep.as_ref().and_then(|s| s.listings.as_ref());
    record_run(ledger, &report, listings)?;
    let unlisted = sweep
        .as_mut()
        .map(|s| std::mem::take(&mut s.unlisted))
        .unwrap_or_default();
    if let Some(sweep) = sweep {
        let after = memo::Mark::of(ledger.conn()?).map_err(|e| ledger.err(e))?;
        let carried = sweep.into_carried(ledger.conn()?, &job_paths, after);
        ledger.keep_sweep_memo(carried);
    }
    // Directories that exist but cannot be listed: reported like unreadable files, first.
    let unlisted: Vec<IngestIssue> = unlisted
        .into_iter()
        .map(|(dir, e)| IngestIssue {
            file: dir.to_string_lossy().into_owned(),
            line: None,
            message: format!("cannot read directory: {e}"),
        })
        .collect();
    report.errors.splice(0..0, unlisted);
    report.errors.truncate(MAX_REPORTED_ERRORS);
    Ok(report)
}

/// How long a process lets passes that store no content skip pruning a home's content store.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// True when a pass that stored no content should prune: the first time this process ingests
/// into `home` with this retention, then at most every [`PRUNE_EVERY`] (a pass that stores
/// content always prunes).
fn prune_due(home: &std::path::Path, retention: Retention) -> bool {
    type Pruned = FxHashMap<std::path::PathBuf, (Retention, Instant)>;
    static LAST: std::sync::Mutex<Option<Pruned>> = std::sync::Mutex::new(None);
    let Ok(mut last) = LAST.lock() else {
        return true;
    };
    let last = last.get_or_insert_with(Default::default);
    let now = Instant::now();
    match last.get(home) {
        Some((r, at)) if *r == retention && now.duration_since(*at) < PRUNE_EVERY => false,
        _ => {
            last.insert(home.to_path_buf(), (retention, now));
            true
        }
    }
}

/// Parses jobs on worker threads and applies their batches on this thread.
fn run_jobs(
    ledger: &mut Ledger,
    jobs: Vec<Job>,
    opts: &IngestOptions,
    capture: Capture,
    content: &mut Option<ContentStore>,
    report: &mut IngestReport,
) -> Result<()> {
    let cold = cold_load::ColdLoad::start(ledger)?;
    if jobs.is_empty() {
        return Ok(());
    }
    let own_cancel = AtomicBool::new(false);
    let cancel: &AtomicBool = opts.cancel.as_deref().unwrap_or(&own_cancel);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(jobs.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let now = crate::time::now_ms();
    let mut progress = Progress {
        files_total: jobs.len() as i64,
        bytes_total: jobs
            .iter()
            .map(|j| j.meta.size - j.resume.as_ref().map_or(0, |c| c.offset))
            .sum(),
        ..Default::default()
    };
    // Where each resumed file's read starts: see `still_current`.
    let resumed: HashMap<String, i64> = jobs
        .iter()
        .filter_map(|j| j.resume.as_ref().map(|c| (j.path.clone(), c.offset)))
        .collect();
    // Bounded by bytes in flight (`flow`), not by this count.
    let (tx, rx) = mpsc::sync_channel::<Batch>(QUEUE_BATCHES);
    let budget = flow::Budget::new(QUEUE_BYTES);
    let mut result: Result<()> = Ok(());
    let conn = ledger.conn()?;
    let tuned = |name: &str, value: i64| -> Result<i64> {
        let before: i64 = conn
            .pragma_query_value(None, name, |r| r.get(0))
            .map_err(|e| ledger.err(e))?;
        conn.pragma_update(None, name, value)
            .map_err(|e| ledger.err(e))?;
        Ok(before)
    };
    let cache_kib = if capture.is_off() {
        INGEST_CACHE_KIB
    } else {
        INGEST_CACHE_KIB_CONTENT
    };
    let cache_before = tuned("cache_size", -cache_kib)?;
    // A large pass's checkpoints run on a helper thread (`checkpointer`), not in its commits.
    let bulk = progress.bytes_total >= bulk_bytes();
    let helper = if bulk {
        checkpointer::Helper::connect(ledger.path())
    } else {
        None
    };
    let autocheckpoint = if helper.is_some() {
        0
    } else {
        INGEST_AUTOCHECKPOINT_PAGES
    };
    let autocheckpoint_before = tuned("wal_autocheckpoint", autocheckpoint)?;
    // Every upsert that fires triggers is a statement SQLite may have to undo alone, so it
    // journals each page the statement touches; with temporary storage on disk that is a
    // temp file write per page (2 GB of writes per 100 MB ingested). In memory it is a copy.
    let temp_store_before = tuned("temp_store", 2)?;

    let mut rebuilt = Ok(());
    let checkpoints = checkpointer::Helper::default();
    std::thread::scope(|scope| {
        let sink = content
            .take()
            .map(|store| ContentSink::spawn(scope, store, bulk));
        let checkpointer = helper.map(|conn| checkpoints.spawn(scope, conn));
        let (spent, freed) = mpsc::channel::<Spent>();
        scope.spawn(move || freed.into_iter().for_each(drop));
        // Reads ahead of the parse threads where the files are not in the page cache.
        prefetch::spawn(scope, &jobs, &next, cancel);
        for _ in 0..workers {
            let tx = tx.clone();
            let (jobs, next, budget) = (&jobs, &next, &budget);
            scope.spawn(move || {
                // The writer gets a whole core whenever it has batches (see `flow`).
                flow::parse_below_writer();
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut send = |mut b: Batch| {
                        // Titles and command lines follow the content mode (`content::privacy`);
                        // a pass whose content store cannot be opened keeps no text either.
                        crate::content::privacy::redact(&mut b.records, capture.mode);
                        b.records.skip_impossible_turns();
                        b.prepared = Prepared::of(&b.records);
                        budget.take(b.bytes_read) && tx.send(b).is_ok()
                    };
                    read_job(job, now, capture, cancel, &mut send);
                }
            });
        }
        drop(tx);

        let mut last_progress = Instant::now();
        let mut pause_at = test_pause_at(progress.bytes_total);
        // Stamps never wait behind this ingest: a window ends early when one is waiting, and
        // the next begins once it has written (`ledger::priority`).
        let priority = crate::ledger::priority::Probe::new(ledger.home());
        let window = if bulk {
            (TX_MAX_TIME_BULK, TX_MAX_RECORDS * 4)
        } else {
            (TX_MAX_TIME, TX_MAX_RECORDS)
        };
        while let Some(first) = next_batch(&rx, None) {
            priority.yield_to_waiting();
            if let Some(c) = &checkpointer {
                c.before_transaction();
            }
            let sources = WindowSources {
                rx: &rx,
                window,
                cancel,
                resumed: &resumed,
                content: sink.as_ref(),
                priority: &priority,
                pause_at,
                cold: &cold,
                budget: &budget,
                spent: &spent,
            };
            let window = write_window(ledger, first, &sources, report, &mut progress);
            if let Err(e) = window {
                // Stop the workers; what was committed stays committed.
                cancel.store(true, Ordering::Relaxed);
                result = Err(e);
                break;
            }
            if let Some(c) = &checkpointer {
                c.committed(next.load(Ordering::Relaxed) < jobs.len());
            }
            if pause_at.is_some_and(|at| progress.bytes_read >= at) {
                // The crash tests' pause point (see `test_pause_at`): committed, reported, idle.
                if let Some(cb) = &opts.on_progress {
                    cb(progress);
                }
                std::thread::sleep(TEST_PAUSE);
                pause_at = None;
            }
            if let Some(cb) = &opts.on_progress {
                if last_progress.elapsed() >= Duration::from_millis(100) {
                    cb(progress);
                    last_progress = Instant::now();
                }
            }
            if cancel.load(Ordering::Relaxed) {
                break;
            }
        }
        // Unblock workers still sending, then let the scope join them.
        budget.close();
        drop(rx);
        drop(spent);
        if let Some(sink) = sink {
            *content = sink.finish();
        }
        // While the helper copies the last window's pages.
        rebuilt = cold.finish(ledger);
        drop(checkpointer);
    });
    if result.is_ok() {
        result = rebuilt;
    }
    if let Some(cb) = &opts.on_progress {
        cb(progress);
    }
    if let Ok(conn) = ledger.conn() {
        // Best effort: a failure here only leaves the ingest settings on this connection.
        let _ = conn.pragma_update(None, "cache_size", cache_before);
        let _ = conn.pragma_update(None, "wal_autocheckpoint", autocheckpoint_before);
        let _ = conn.pragma_update(None, "temp_store", temp_store_before);
        if report.bytes_read >= CHECKPOINT_AFTER_BYTES {
            // PASSIVE never waits for readers; the next write (this run's record) then
            // restarts the WAL from its beginning.
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }
    report.cancelled = cancel.load(Ordering::Relaxed) && result.is_ok();
    result
}

/// Reads `job` with its kind's reader (`FileKind::reader`), calling `send` with each batch.
fn read_job(
    job: &Job,
    now_ms: i64,
    capture: Capture,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(Batch) -> bool,
) {
    match job.file.kind.reader() {
        Reader::Lines => file::process(job, now_ms, capture, cancel, send),
        Reader::CopilotStore => copilot::process(job, send),
        Reader::OpenCode => opencode::process(job, capture, send),
        Reader::Totals => totals::process(job, capture, send),
        Reader::Whole => whole::process(job, capture, send),
    }
}

/// Read data that may wait for the writer (source bytes): enough for the parsers to keep going
/// through a commit. Every parse thread also holds the batch it is building (up to 8 MB) while
/// the writer works, so the bound is 24 MB, not the 32 MB it was while one parser waited: the
/// same peak memory (a `full` pass of the mixed corpus: 32 MB 190 MB, 24 MB 183 MB, with one
/// parser held back 187 MB) and the same time (bench/RESULTS.md).
const QUEUE_BYTES: u64 = 24 << 20;
/// Batches that may wait, whatever their size (the bytes bound first in practice).
const QUEUE_BATCHES: usize = 4096;

/// What the writer is done with, freed on a helper thread (see `WindowSources::spent`).
type Spent = Box<dyn Send>;

/// Applied batches handed to the freeing thread at once (see `WindowSources::spent`).
const SPENT_BATCHES: usize = 64;

/// How long the writer idles at the crash tests' pause point before going on.
const TEST_PAUSE: Duration = Duration::from_secs(60);

/// A hook for crash tests, so they kill a pass at a known state on any build, however fast:
/// with `RELAYBURN_TEST_PAUSE_AT=<fraction>` (strictly between 0 and 1) the write window that
/// reaches that fraction of the pass's bytes commits there, the writer reports progress and
/// then idles for [`TEST_PAUSE`]: every report with at least that many bytes read (and not
/// all) comes from a process that commits nothing more until the pause ends. Unset (always,
/// outside tests) it changes nothing.
fn test_pause_at(bytes_total: i64) -> Option<i64> {
    let fraction: f64 = std::env::var("RELAYBURN_TEST_PAUSE_AT")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    if fraction.is_nan() || fraction <= 0.0 || fraction >= 1.0 {
        return None;
    }
    Some(((fraction * bytes_total as f64).ceil() as i64).max(1))
}

/// Where a write window takes its batches from, and what it consults while applying them.
#[derive(Clone, Copy)]
struct WindowSources<'a, 's> {
    rx: &'a mpsc::Receiver<Batch>,
    /// How long (and how many records) one transaction may take.
    window: (Duration, usize),
    cancel: &'a AtomicBool,
    /// Files this pass resumed mid-way, with the cursor offset planned (see `still_current`).
    resumed: &'a HashMap<String, i64>,
    /// The content store's writer, when content is captured.
    content: Option<&'a ContentSink<'s>>,
    /// Says when a stamp waits for the ledger (the window then ends after its current batch).
    priority: &'a crate::ledger::priority::Probe,
    /// The crash tests' pause point in bytes read (see `test_pause_at`): the window ends there.
    pause_at: Option<i64>,
    /// Secondary indexes dropped during a first load (see `cold_load`).
    cold: &'a cold_load::ColdLoad,
    /// Bytes read and waiting for the writer; freed as each batch is taken.
    budget: &'a flow::Budget,
    /// Where applied batches go to be freed, off the writer thread, [`SPENT_BATCHES`] at a time.
    spent: &'a mpsc::Sender<Spent>,
}

/// Applies `first` and the batches that follow within `src.window` (time, records) in one
/// transaction (each batch carries its file's cursor, so any prefix is consistent).
/// The counters are only meaningful once it commits; on error the whole ingest fails.
fn write_window(
    ledger: &mut Ledger,
    first: Batch,
    src: &WindowSources<'_, '_>,
    report: &mut IngestReport,
    progress: &mut Progress,
) -> Result<()> {
    let WindowSources {
        rx,
        window: (max_time, max_records),
        cancel,
        resumed,
        content,
        priority,
        pause_at,
        cold,
        budget,
        spent,
    } = *src;
    let path = ledger.path().to_path_buf();
    let started = Instant::now();
    // Content commits before the ledger (see `content::store`): a crash in between leaves
    // content ahead of the cursors, and the re-read finds it stored.
    let (applied, added, claimed) = ledger.write(|tx| {
        let sql = |e| Error::sqlite(&path, e);
        cold.on_window(tx).map_err(sql)?;
        let before = writer::count_sessions(tx).map_err(sql)?;
        // Sessions whose first events this transaction writes may claim pending stamps; only
        // tracked while some pending stamp waits.
        let mut new_sessions =
            writer::NewSessions::new(crate::stamp::pending::any_waiting(tx).map_err(sql)?);
        let mut applied = writer::Applied::default();
        let mut upkeep = writer::Upkeep::default();
        upkeep.known = cold.take_known();
        let mut records = 0;
        let mut used = Vec::new();
        // The turns the upkeep has inserted go to the freeing thread too.
        let free_inserted = |upkeep: &mut writer::Upkeep| {
            if let Some(rows) = upkeep.take_inserted() {
                let _ = spent.send(Box::new(rows));
            }
        };
        let mut next = Some(first);
        while let Some(mut batch) = next.take() {
            budget.give(batch.bytes_read);
            records += batch.records.len();
            let current = still_current(tx, resumed, &batch).map_err(sql)?;
            if batch.error.is_none() && current {
                if let Some(c) = content.filter(|_| !batch.records.content.is_empty()) {
                    c.send(std::mem::take(&mut batch.records.content))?;
                }
                new_sessions.note(tx, &batch).map_err(sql)?;
                cold.before(tx, &batch).map_err(sql)?;
                writer::apply(tx, &mut batch, &mut applied, &mut upkeep).map_err(sql)?;
            }
            account(report, progress, &batch);
            // Freeing a batch's records is about 3 % of the writer's time: a helper thread
            // does it, woken once per many batches.
            used.push(batch);
            if used.len() >= SPENT_BATCHES {
                let _ = spent.send(Box::new(std::mem::take(&mut used)));
            }
            free_inserted(&mut upkeep);
            if records >= max_records
                || started.elapsed() >= max_time
                || cancel.load(Ordering::Relaxed)
                || priority.waiting()
                || pause_at.is_some_and(|at| progress.bytes_read >= at)
            {
                break;
            }
            next = match rx.try_recv() {
                Ok(b) => Some(b),
                Err(mpsc::TryRecvError::Disconnected) => None,
                // The parse threads are behind: settle now rather than after the last batch.
                Err(mpsc::TryRecvError::Empty) => {
                    upkeep.settle_while_idle(tx).map_err(sql)?;
                    free_inserted(&mut upkeep);
                    next_batch(rx, Some(max_time.saturating_sub(started.elapsed())))
                }
            };
        }
        let _ = spent.send(Box::new(used));
        // Every record of the window is queued: the content writer commits while this thread
        // settles the window (it used to wait 0.1–0.15 s per window here, bench/RESULTS.md).
        let content_commit = content.map(ContentSink::start_commit).transpose()?;
        upkeep.finish(tx).map_err(sql)?;
        free_inserted(&mut upkeep);
        cold.keep_known(upkeep.known.take());
        let after = writer::count_sessions(tx).map_err(sql)?;
        let claimed = new_sessions.claim(tx).map_err(sql)?;
        if let Some(c) = content_commit {
            c.wait()?;
        }
        Ok((applied, after - before, claimed))
    })?;
    report.turns_added += applied.turns_added;
    report.turns_updated += applied.turns_updated;
    report.user_turns_added += applied.user_turns_added;
    report.compactions_added += applied.compactions_added;
    report.sessions_added += added;
    report.pending_stamps_applied += claimed;
    for (file, message) in applied.refused_links {
        push_issue(report, &file, None, message);
    }
    Ok(())
}

/// The next batch (waiting at most `limit`, if given; `None` once the parsers are done or the
/// time is up).
fn next_batch(rx: &mpsc::Receiver<Batch>, limit: Option<Duration>) -> Option<Batch> {
    match limit {
        Some(left) => rx.recv_timeout(left).ok(),
        None => rx.recv().ok(),
    }
}

/// False when a file this pass resumed mid-way has lost its cursor (or had it moved back)
/// since the pass planned: a rebuild reset the ledger meanwhile (`rebuild::reset_derived`),
/// deleting the rows before the resume point. Writing the batch would leave them missing
/// behind a cursor that says they were read, so it is dropped; the file is read again from
/// its start by the rebuild (or the next pass).
fn still_current(
    conn: &rusqlite::Connection,
    resumed: &HashMap<String, i64>,
    batch: &Batch,
) -> rusqlite::Result<bool> {
    let Some(&from) = resumed.get(&batch.path) else {
        return Ok(true);
    };
    let stored: Option<i64> = conn
        .prepare_cached("SELECT offset FROM cursors WHERE path = ?1")?
        .query_row([&batch.path], |r| r.get(0))
        .optional()?;
    Ok(stored.is_some_and(|offset| offset >= from))
}

/// Counts one applied batch in the report and progress.
fn account(report: &mut IngestReport, progress: &mut Progress, b: &Batch) {
    report.bytes_read += b.bytes_read as i64;
    progress.bytes_read += b.bytes_read as i64;
    report.lines_skipped += b.records.lines_skipped;
    if let Some(e) = &b.error {
        push_issue(report, &b.path, None, format!("cannot read: {e}"));
    }
    for (line, message) in &b.records.bad_lines {
        // Line 0: a whole document (or database row) was skipped.
        let (line, what) = match *line {
            0 => (None, "skipped"),
            n => (Some(n), "skipped line"),
        };
        push_issue(report, &b.path, line, format!("{what}: {message}"));
    }
    if b.done {
        progress.files_done += 1;
    }
}

fn push_issue(report: &mut IngestReport, file: &str, line: Option<i64>, message: String) {
    if report.errors.len() < MAX_REPORTED_ERRORS {
        report.errors.push(IngestIssue {
            file: file.to_string(),
            line,
            message,
        });
    }
}

/// Remembers the run for `status()` (last ingest) and drops expired pending stamps (after the
/// run, so a session that started before its stamp expired could still claim it), with the
/// directory listings the pass learned. A pass that changed nothing and learned nothing
/// records itself only if the ledger is free at that moment: it never waits behind another
/// writer (an ingest holding the ledger for a second) just to say it found nothing.
fn record_run(
    ledger: &mut Ledger,
    report: &IngestReport,
    listings: Option<&DirCache>,
) -> Result<()> {
    let summary = format!(
        r#"{{"filesChanged":{},"turnsAdded":{},"turnsUpdated":{},"durationMs":{}}}"#,
        report.files_changed, report.turns_added, report.turns_updated, report.duration_ms
    );
    let path = ledger.path().to_path_buf();
    let idle = report.files_changed == 0 && !listings.is_some_and(DirCache::is_dirty);
    let record = |tx: &rusqlite::Transaction<'_>| {
        tx.execute(
            "INSERT INTO ingest_runs (finished_ms, report) VALUES (?1, ?2)",
            rusqlite::params![crate::time::now_ms(), summary],
        )
        .map_err(|e| Error::sqlite(&path, e))?;
        tx.execute(
            "DELETE FROM ingest_runs WHERE id < (SELECT max(id) - 100 FROM ingest_runs)",
            [],
        )
        .map_err(|e| Error::sqlite(&path, e))?;
        crate::stamp::pending::expire(tx, crate::time::now_ms())
            .map_err(|e| Error::sqlite(&path, e))?;
        if let Some(listings) = listings.filter(|l| l.is_dirty()) {
            listings.save(tx).map_err(|e| Error::sqlite(&path, e))?;
        }
        Ok(())
    };
    if idle {
        ledger.try_write(record).map(|_| ())
    } else {
        ledger.write(record)
    }
}
