//! `status`.

use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

#[napi(object)]
pub struct StatusOptions {
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct HarnessCount {
    pub harness: String,
    pub sessions: i64,
    pub turns: i64,
}

#[napi(object)]
pub struct Status {
    pub ledger_home: String,
    pub ledger_path: String,
    pub schema_version: i64,
    pub ledger_bytes: i64,
    pub stamps: i64,
    /// Pending stamps not yet claimed by a session (expired ones until the next ingest).
    pub pending_stamps: i64,
    pub turns: i64,
    pub sessions: i64,
    /// Sessions and turns per harness (every harness, zeros included).
    pub harnesses: Vec<HarnessCount>,
    /// When the last ingest finished.
    pub last_ingest_at: Option<String>,
}

impl From<relayburn_core::status::Status> for Status {
    fn from(s: relayburn_core::status::Status) -> Self {
        Status {
            ledger_home: s.ledger_home.to_string_lossy().into_owned(),
            ledger_path: s.ledger_path.to_string_lossy().into_owned(),
            schema_version: s.schema_version,
            ledger_bytes: s.ledger_bytes,
            stamps: s.stamps,
            pending_stamps: s.pending_stamps,
            turns: s.turns,
            sessions: s.sessions,
            harnesses: s
                .harnesses
                .into_iter()
                .map(|h| HarnessCount {
                    harness: h.harness.as_str().to_string(),
                    sessions: h.sessions,
                    turns: h.turns,
                })
                .collect(),
            last_ingest_at: s.last_ingest_ms.map(relayburn_core::time::format_ms),
        }
    }
}

core_task!(StatusTask, StatusOptions, relayburn_core::status::Status => Status, |o: StatusOptions| {
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    relayburn_core::status::status(&ledger)
});

/// Where the ledger is, its schema version, size and counts.
#[napi]
pub fn status(options: Option<StatusOptions>) -> AsyncTask<StatusTask> {
    AsyncTask::new(StatusTask(Some(
        options.unwrap_or(StatusOptions { ledger_home: None }),
    )))
}
