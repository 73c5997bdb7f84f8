//! `ingest` (with progress callback and cancellation) and `cancelIngest`.

use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use relayburn_core::ingest as core;
use relayburn_core::vocab::Harness;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

#[napi(object)]
pub struct IngestRoots {
    #[napi(js_name = "claude-code")]
    pub claude_code: Option<Vec<String>>,
    pub codex: Option<Vec<String>>,
    pub opencode: Option<Vec<String>>,
    #[napi(js_name = "copilot-cli")]
    pub copilot_cli: Option<Vec<String>>,
    #[napi(js_name = "kimi-cli")]
    pub kimi_cli: Option<Vec<String>>,
    pub grok: Option<Vec<String>>,
}

#[napi(object)]
pub struct IngestOptions {
    pub harnesses: Option<Vec<String>>,
    pub roots: Option<IngestRoots>,
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
    /// True when `cancelIngest` stopped the run early (committed work stays).
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
    token: Option<u32>,
}

/// Cancellation flags of running ingests, by the token the caller chose.
fn tokens() -> &'static Mutex<HashMap<u32, Arc<AtomicBool>>> {
    static T: OnceLock<Mutex<HashMap<u32, Arc<AtomicBool>>>> = OnceLock::new();
    T.get_or_init(Default::default)
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
    let roots = o.roots.unwrap_or(IngestRoots {
        claude_code: None,
        codex: None,
        opencode: None,
        copilot_cli: None,
        kimi_cli: None,
        grok: None,
    });
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
        claude_roots: roots.claude_code,
        codex_roots: roots.codex,
        opencode_roots: roots.opencode,
        copilot_roots: roots.copilot_cli,
        kimi_roots: roots.kimi_cli,
        grok_roots: roots.grok,
        session_file: o.session_file,
        content_mode,
        on_progress,
        cancel: Some(cancel),
    };
    Ok((opts, o.ledger_home))
}

fn forget_token(token: Option<u32>) {
    if let Some(token) = token {
        if let Ok(mut map) = tokens().lock() {
            map.remove(&token);
        }
    }
}

fn register_token(token: Option<u32>) -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    if let Some(token) = token {
        if let Ok(mut map) = tokens().lock() {
            map.insert(token, cancel.clone());
        }
    }
    cancel
}

fn run(input: IngestInput) -> relayburn_core::Result<core::IngestReport> {
    let result =
        core_options(input.options, input.on_progress, input.cancel).and_then(|(opts, home)| {
            let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
            core::ingest(&mut ledger, &opts)
        });
    forget_token(input.token);
    result
}

core_task!(IngestTask, IngestInput, core::IngestReport => IngestReport, run);

/// One ingest pass. `onProgress` is called from time to time; `cancelToken` lets
/// `cancelIngest(token)` stop the run early.
#[napi(
    ts_args_type = "options: IngestOptions, onProgress?: ((progress: IngestProgress) => void) | undefined | null, cancelToken?: number | undefined | null"
)]
pub fn ingest(
    options: IngestOptions,
    on_progress: Option<ProgressFn>,
    cancel_token: Option<u32>,
) -> AsyncTask<IngestTask> {
    let cancel = register_token(cancel_token);
    AsyncTask::new(IngestTask(Some(IngestInput {
        options,
        on_progress: on_progress.map(Arc::new),
        cancel,
        token: cancel_token,
    })))
}

/// Asks the ingest started with `token` to stop; returns false when none is running.
#[napi]
pub fn cancel_ingest(token: u32) -> bool {
    match tokens().lock() {
        Ok(map) => match map.get(&token) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        },
        Err(_) => false,
    }
}

type ReportFn = ThreadsafeFunction<IngestReport, (), IngestReport, Status, false>;

pub struct WatchInput {
    options: IngestOptions,
    on_report: Option<ReportFn>,
    cancel: Arc<AtomicBool>,
    token: u32,
}

fn run_watch(input: WatchInput) -> relayburn_core::Result<()> {
    let on_report = input.on_report;
    let result = core_options(input.options, None, input.cancel).and_then(|(opts, home)| {
        let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
        core::watch(&mut ledger, &opts, &|report: &core::IngestReport| {
            if let Some(f) = &on_report {
                f.call(
                    report.clone().into(),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        })
    });
    forget_token(Some(input.token));
    result
}

core_task!(WatchTask, WatchInput, () => (), run_watch);

/// Ingests now and again whenever the stores change, until `cancelIngest(cancelToken)`.
/// `onReport` receives each pass that changed something.
#[napi(
    ts_args_type = "options: IngestOptions, onReport: ((report: IngestReport) => void) | undefined | null, cancelToken: number"
)]
pub fn watch(
    options: IngestOptions,
    on_report: Option<ReportFn>,
    cancel_token: u32,
) -> AsyncTask<WatchTask> {
    let cancel = register_token(Some(cancel_token));
    AsyncTask::new(WatchTask(Some(WatchInput {
        options,
        on_report,
        cancel,
        token: cancel_token,
    })))
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
    let result =
        core_options(input.options, input.on_progress, input.cancel).and_then(|(opts, home)| {
            let mut ledger = relayburn_core::open_ledger(home.as_deref())?;
            core::rebuild(&mut ledger, &opts)
        });
    forget_token(input.token);
    result
}

core_task!(RebuildTask, IngestInput, core::RebuildReport => RebuildReport, run_rebuild);

/// Re-derives the ledger from the logs: deletes derived rows and cursors (stamps stay) in one
/// transaction, then ingests again. Progress and cancellation as for `ingest`.
#[napi(
    ts_args_type = "options: IngestOptions, onProgress?: ((progress: IngestProgress) => void) | undefined | null, cancelToken?: number | undefined | null"
)]
pub fn rebuild_state(
    options: IngestOptions,
    on_progress: Option<ProgressFn>,
    cancel_token: Option<u32>,
) -> AsyncTask<RebuildTask> {
    let cancel = register_token(cancel_token);
    AsyncTask::new(RebuildTask(Some(IngestInput {
        options,
        on_progress: on_progress.map(Arc::new),
        cancel,
        token: cancel_token,
    })))
}
