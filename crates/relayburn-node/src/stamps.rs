//! `writeStamp` and `stamps`.

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
    pub enrichment: HashMap<String, String>,
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
                enrichment: s.enrichment.into_iter().collect(),
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
