//! `statusline`: the status line's text from the core (the same function the
//! `relayburn-statusline` executable calls).

use crate::task::{core_task, run_guarded};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use relayburn_core::statusline::{self, Request};

#[napi(object)]
pub struct StatuslineOptions {
    /// The status-line JSON; absent: read from this process's stdin.
    pub input: Option<String>,
    pub json: Option<bool>,
    pub timezone: Option<String>,
    pub utc: Option<bool>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

core_task!(StatuslineTask, StatuslineOptions, String => String, |o: StatuslineOptions| {
    let req = Request {
        input: o.input,
        json: o.json.unwrap_or(false),
        timezone: o.timezone,
        utc: o.utc.unwrap_or(false),
        week_start: o.week_start,
        ledger_home: o.ledger_home,
    };
    // The status line never fails: even a panic becomes the marker and a log line.
    Ok(run_guarded(|| Ok(statusline::run(&req)))
        .unwrap_or_else(|e| statusline::failure(req.ledger_home.as_deref(), req.json, &e)))
});

/// The status line's text (no final newline): figures, or the marker after logging an error.
/// Never rejects.
#[napi]
pub fn statusline(options: StatuslineOptions) -> AsyncTask<StatuslineTask> {
    AsyncTask::new(StatuslineTask(Some(options)))
}
