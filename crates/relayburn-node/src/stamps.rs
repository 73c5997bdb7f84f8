//! `writeStamp` and `stamps`.

use crate::tags::Tags;
use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use relayburn_core::stamp::{self, StampFilter, StampRequest};
use std::collections::HashMap;

#[napi(object)]
pub struct WriteStampOptions {
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    pub enrichment: Option<HashMap<String, String>>,
    /// ISO-8601 instant; defaults to now.
    pub ts: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct StampReceipt {
    pub id: String,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`
    pub ts: String,
}

impl From<stamp::StampReceipt> for StampReceipt {
    fn from(r: stamp::StampReceipt) -> Self {
        StampReceipt {
            id: r.id,
            ts: relayburn_core::time::format_ms(r.ts_ms),
        }
    }
}

#[napi(object)]
pub struct StampsOptions {
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct Stamp {
    pub id: String,
    pub session_id: Option<String>,
    pub message_id: Option<String>,
    #[napi(ts_type = "Record<string, string>")]
    pub enrichment: Tags,
    pub ts: String,
    /// Write sequence; orders stamps that share a `ts`.
    pub seq: i64,
}

pub struct StampList(Vec<stamp::Stamp>);

impl From<Vec<stamp::Stamp>> for StampList {
    fn from(v: Vec<stamp::Stamp>) -> Self {
        StampList(v)
    }
}

impl From<StampList> for Vec<Stamp> {
    fn from(list: StampList) -> Self {
        list.0
            .into_iter()
            .map(|s| Stamp {
                id: s.id,
                session_id: s.session_id,
                message_id: s.message_id,
                enrichment: Tags(s.enrichment),
                ts: relayburn_core::time::format_ms(s.ts_ms),
                seq: s.seq,
            })
            .collect()
    }
}

core_task!(WriteStampTask, WriteStampOptions, stamp::StampReceipt => StampReceipt, |o: WriteStampOptions| {
    let request = StampRequest {
        session_id: o.session_id,
        message_id: o.message_id,
        enrichment: o.enrichment.unwrap_or_default().into_iter().collect(),
        ts: o.ts,
    };
    // Validate before touching the disk, so bad input never creates a ledger.
    request.validate()?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    stamp::write_stamp(&mut ledger, &request)
});

core_task!(StampsTask, StampsOptions, StampList => Vec<Stamp>, |o: StampsOptions| {
    let filter = StampFilter { session_id: o.session_id, message_id: o.message_id };
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    stamp::list_stamps(&ledger, &filter).map(StampList)
});

/// Appends one stamp. Resolves with its id and normalized UTC `ts`.
#[napi]
pub fn write_stamp(options: WriteStampOptions) -> AsyncTask<WriteStampTask> {
    AsyncTask::new(WriteStampTask(Some(options)))
}

/// Lists stamps in fold order (ts, then write sequence).
#[napi]
pub fn stamps(options: Option<StampsOptions>) -> AsyncTask<StampsTask> {
    let options = options.unwrap_or(StampsOptions {
        session_id: None,
        message_id: None,
        ledger_home: None,
    });
    AsyncTask::new(StampsTask(Some(options)))
}

#[napi(object)]
pub struct WritePendingStampOptions {
    pub harness: Option<String>,
    pub cwd: Option<String>,
    pub enrichment: Option<HashMap<String, String>>,
    /// ISO-8601 instant just before the spawn; defaults to now.
    pub spawn_start_ts: Option<String>,
    pub spawner_pid: Option<i64>,
    pub session_dir_hint: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct PendingStampReceipt {
    /// The id the session stamp will carry once a session claims it.
    pub id: String,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`
    pub expires_at: String,
}

impl From<stamp::PendingReceipt> for PendingStampReceipt {
    fn from(r: stamp::PendingReceipt) -> Self {
        PendingStampReceipt {
            id: r.id,
            expires_at: relayburn_core::time::format_ms(r.expires_ms),
        }
    }
}

#[napi(object)]
pub struct StampsFileOptions {
    pub path: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct ExportStampsResult {
    /// Absolute path of the file written.
    pub path: String,
    pub stamps: i64,
    /// Budgets written after the stamps.
    pub budgets: i64,
}

impl From<stamp::ExportReceipt> for ExportStampsResult {
    fn from(r: stamp::ExportReceipt) -> Self {
        ExportStampsResult {
            path: r.path.to_string_lossy().into_owned(),
            stamps: r.stamps,
            budgets: r.budgets,
        }
    }
}

#[napi(object)]
pub struct ImportStampsResult {
    pub imported: i64,
    pub skipped: i64,
    /// Budgets added, or replaced by a newer version.
    pub budgets_imported: i64,
    /// Budgets the ledger already had in that version or a newer one.
    pub budgets_skipped: i64,
}

impl From<stamp::ImportReceipt> for ImportStampsResult {
    fn from(r: stamp::ImportReceipt) -> Self {
        ImportStampsResult {
            imported: r.imported,
            skipped: r.skipped,
            budgets_imported: r.budgets_imported,
            budgets_skipped: r.budgets_skipped,
        }
    }
}

core_task!(WritePendingStampTask, WritePendingStampOptions, stamp::PendingReceipt => PendingStampReceipt, |o: WritePendingStampOptions| {
    let request = stamp::PendingStampRequest {
        harness: o.harness,
        cwd: o.cwd,
        enrichment: o.enrichment.unwrap_or_default().into_iter().collect(),
        spawn_start_ts: o.spawn_start_ts,
        spawner_pid: o.spawner_pid,
        session_dir_hint: o.session_dir_hint,
    };
    request.validate()?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    stamp::write_pending_stamp(&mut ledger, &request)
});

fn file_path(o: &StampsFileOptions) -> relayburn_core::Result<String> {
    let path = o.path.clone().unwrap_or_default();
    stamp::transfer::validate_path(&path)?;
    Ok(path)
}

core_task!(ExportStampsTask, StampsFileOptions, stamp::ExportReceipt => ExportStampsResult, |o: StampsFileOptions| {
    let path = file_path(&o)?;
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    stamp::export_stamps(&ledger, &path)
});

core_task!(ImportStampsTask, StampsFileOptions, stamp::ImportReceipt => ImportStampsResult, |o: StampsFileOptions| {
    let path = file_path(&o)?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    stamp::import_stamps(&mut ledger, &path)
});

/// Stores a stamp for the next new session of `harness` started in `cwd`; ingest gives it to
/// that session. Resolves with its id and expiry.
#[napi]
pub fn write_pending_stamp(options: WritePendingStampOptions) -> AsyncTask<WritePendingStampTask> {
    AsyncTask::new(WritePendingStampTask(Some(options)))
}

/// Writes every stamp to `path` as JSONL (atomically).
#[napi]
pub fn export_stamps(options: StampsFileOptions) -> AsyncTask<ExportStampsTask> {
    AsyncTask::new(ExportStampsTask(Some(options)))
}

/// Adds the stamps of a JSONL export whose ids the ledger lacks.
#[napi]
pub fn import_stamps(options: StampsFileOptions) -> AsyncTask<ImportStampsTask> {
    AsyncTask::new(ImportStampsTask(Some(options)))
}
