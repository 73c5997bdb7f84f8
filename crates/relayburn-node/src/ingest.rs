//! `ingest`, `watch` and `rebuildState`, with a progress callback and cancellation by an
//! `AbortSignal` (napi-rs calls back on abort; the flag it sets is polled by the core).

use crate::task::core_task;
use napi::bindgen_prelude::{AbortSignal, AsyncTask};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use relayburn_core::ingest as core;
use relayburn_core::vocab::Harness;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[napi(object)]
pub struct IngestOptions {
    pub harnesses: Option<Vec<String>>,
    /// Directories per harness key (checked by the core: known keys, path rules).
    pub roots: Option<HashMap<String, Option<Vec<String>>>>,
    pub session_file: Option<String>,
    /// `full`, `hash-only` or `off` (else environment, config, default).
    pub content_mode: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
#[derive(Clone, Copy)]
pub struct IngestProgress {
    pub files_total: i64,
    pub files_done: i64,
    pub bytes_total: i64,
    pub bytes_read: i64,
}

#[napi(object)]
pub struct IngestIssue {
    pub file: String,
    pub line: Option<i64>,
    pub message: String,
}

#[napi(object)]
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
    /// True when the abort signal stopped the run early (committed work stays).
    pub cancelled: bool,
}

impl From<core::IngestReport> for IngestReport {
    fn from(r: core::IngestReport) -> Self {
        IngestReport {
            files_scanned: r.files_scanned,
            files_changed: r.files_changed,
            bytes_read: r.bytes_read,
            turns_added: r.turns_added,
            turns_updated: r.turns_updated,
            user_turns_added: r.user_turns_added,
            compactions_added: r.compactions_added,
            sessions_added: r.sessions_added,
            pending_stamps_applied: r.pending_stamps_applied,
            lines_skipped: r.lines_skipped,
            errors: r
                .errors
                .into_iter()
                .map(|e| IngestIssue {
                    file: e.file,
                    line: e.line,
                    message: e.message,
                })
                .collect(),
            duration_ms: r.duration_ms,
            cancelled: r.cancelled,
        }
    }
}

type ProgressFn = ThreadsafeFunction<IngestProgress, (), IngestProgress, Status, false>;

pub struct IngestInput {
    options: IngestOptions,
    on_progress: Option<Arc<ProgressFn>>,
    cancel: Arc<AtomicBool>,
}

/// Converts binding options to core options (wiring progress and cancellation).
fn core_options(
    o: IngestOptions,
    on_progress: Option<Arc<ProgressFn>>,
    cancel: Arc<AtomicBool>,
) -> relayburn_core::Result<(core::IngestOptions, Option<String>)> {
    let harnesses = match o.harnesses {
        Some(list) => Some(
            list.iter()
                .map(|h| Harness::parse("harnesses", h))
                .collect::<relayburn_core::Result<Vec<_>>>()?,
        ),
        None => None,
    };
    // Sorted, so the first bad entry reported does not depend on hash order.
    let mut roots: Vec<(String, Vec<String>)> = o
        .roots
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    roots.sort();
    let mut by_harness = HashMap::new();
    for (key, dirs) in roots {
        by_harness.insert(relayburn_core::validate::roots(&key, &dirs)?, dirs);
    }
    let on_progress = on_progress.map(|f| {
        Box::new(move |p: core::Progress| {
            f.call(
                IngestProgress {
                    files_total: p.files_total,
                    files_done: p.files_done,
                    bytes_total: p.bytes_total,
                    bytes_read: p.bytes_read,
                },
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }) as Box<dyn Fn(core::Progress) + Send + Sync>
    });
    let content_mode = o
        .content_mode
        .as_deref()
        .map(|m| relayburn_core::content::ContentMode::parse("contentMode", m))
        .transpose()?;
    let opts = core::IngestOptions {
        harnesses,
        roots: by_harness,
        session_file: o.session_file,
        content_mode,
        on_progress,
        cancel: Some(cancel),
    };
    Ok((opts, o.ledger_home))
}

/// The flag the core polls, raised when `signal` aborts (napi-rs calls back on the JS thread;
/// an abort before the work starts cancels it outright, rejecting with an `AbortError`).
fn cancel_flag(signal: Option<&AbortSignal>) -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    if let Some(signal) = signal {
        let flag = cancel.clone();
        signal.on_abort(move || flag.store(true, Ordering::Relaxed));
    }
    cancel
}

fn run(input: IngestInput) -> relayburn_core::Result<core::IngestReport> {
    core_options(input.options, input.on_progress, input.cancel).and_then(|(opts, home)| {
        core::check_options(&opts)?;
        let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
        core::ingest(&mut ledger, &opts)
    })
}

core_task!(IngestTask, IngestInput, core::IngestReport => IngestReport, run);

/// One ingest pass. `onProgress` is called from time to time; aborting `signal` stops the run
/// early (the report says `cancelled`).
#[napi(
    ts_args_type = "options: IngestOptions, onProgress?: ((progress: IngestProgress) => void) | undefined | null, signal?: AbortSignal | undefined | null"
)]
pub fn ingest(
    options: IngestOptions,
    on_progress: Option<ProgressFn>,
    signal: Option<AbortSignal>,
) -> AsyncTask<IngestTask> {
    let cancel = cancel_flag(signal.as_ref());
    AsyncTask::with_optional_signal(
        IngestTask(Some(IngestInput {
            options,
            on_progress: on_progress.map(Arc::new),
            cancel,
        })),
        signal,
    )
}

type ReportFn = ThreadsafeFunction<IngestReport, (), IngestReport, Status, false>;

pub struct WatchInput {
    options: IngestOptions,
    on_report: Option<ReportFn>,
    cancel: Arc<AtomicBool>,
}

fn run_watch(input: WatchInput) -> relayburn_core::Result<()> {
    let on_report = input.on_report;
    core_options(input.options, None, input.cancel).and_then(|(opts, home)| {
        let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
        core::watch(&mut ledger, &opts, &|report: &core::IngestReport| {
            if let Some(f) = &on_report {
                f.call(
                    report.clone().into(),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        })
    })
}

core_task!(WatchTask, WatchInput, () => (), run_watch);

/// Ingests now and again whenever the stores change, until `signal` aborts. `onReport`
/// receives each pass that changed something.
#[napi(
    ts_args_type = "options: IngestOptions, onReport: ((report: IngestReport) => void) | undefined | null, signal: AbortSignal"
)]
pub fn watch(
    options: IngestOptions,
    on_report: Option<ReportFn>,
    signal: AbortSignal,
) -> AsyncTask<WatchTask> {
    let cancel = cancel_flag(Some(&signal));
    AsyncTask::with_signal(
        WatchTask(Some(WatchInput {
            options,
            on_report,
            cancel,
        })),
        signal,
    )
}

#[napi(object)]
pub struct ResetReport {
    pub turns: i64,
    pub user_turns: i64,
    pub compactions: i64,
    pub sessions: i64,
    pub cursors: i64,
}

#[napi(object)]
pub struct RebuildReport {
    /// Derived rows deleted before the logs were read again.
    pub removed: ResetReport,
    /// The re-ingest.
    pub ingest: IngestReport,
}

impl From<core::RebuildReport> for RebuildReport {
    fn from(r: core::RebuildReport) -> Self {
        RebuildReport {
            removed: ResetReport {
                turns: r.removed.turns,
                user_turns: r.removed.user_turns,
                compactions: r.removed.compactions,
                sessions: r.removed.sessions,
                cursors: r.removed.cursors,
            },
            ingest: r.ingest.into(),
        }
    }
}

fn run_rebuild(input: IngestInput) -> relayburn_core::Result<core::RebuildReport> {
    core_options(input.options, input.on_progress, input.cancel).and_then(|(opts, home)| {
        let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
        core::rebuild(&mut ledger, &opts)
    })
}

core_task!(RebuildTask, IngestInput, core::RebuildReport => RebuildReport, run_rebuild);

/// Re-derives the ledger from the logs: deletes derived rows and cursors (stamps stay) in one
/// transaction, then ingests again. Progress and cancellation as for `ingest`.
#[napi(
    ts_args_type = "options: IngestOptions, onProgress?: ((progress: IngestProgress) => void) | undefined | null, signal?: AbortSignal | undefined | null"
)]
pub fn rebuild_state(
    options: IngestOptions,
    on_progress: Option<ProgressFn>,
    signal: Option<AbortSignal>,
) -> AsyncTask<RebuildTask> {
    let cancel = cancel_flag(signal.as_ref());
    AsyncTask::with_optional_signal(
        RebuildTask(Some(IngestInput {
            options,
            on_progress: on_progress.map(Arc::new),
            cancel,
        })),
        signal,
    )
}
