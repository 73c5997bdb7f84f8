//! The status line (`burn statusline` and the `relayburn-statusline` executable): Claude Code's
//! status-line JSON in, one line out. Both front ends call [`run`] and print what it returns,
//! so their output is the same byte for byte.
//!
//! [`run`] never fails: any error (bad input, a transcript that cannot be read, a bad zone, a
//! busy ledger) becomes [`MARKER`] (or `{"error": …}` with `json`) and one line in
//! `statusline.log` in the ledger home (see [`log`]).
//!
//! Figures: the session with its subagents (`session_cost`, as `summary({ session })`),
//! today's cost (`summary({ since: 'today' })`) and every budget's status, in the user's zone:
//! `timezone`, else UTC with `utc`, else the `TZ` variable, else the system zone, else UTC.

use crate::budget::{self, BudgetStatus, StatusOptions};
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions};
use crate::query::{self, SummaryOptions, TurnFilter};
use crate::time::WeekStart;

pub mod log;
pub mod render;

#[cfg(test)]
mod tests;

/// Printed instead of figures when something went wrong (details in the log).
pub const MARKER: &str = "burn: ?";

/// What the front end read and was given.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The status-line JSON; `None`: read it from this process's stdin (refused when stdin is
    /// a terminal: run by hand, there is nothing to wait for).
    pub input: Option<String>,
    /// Print the figures as a JSON object instead of the line.
    pub json: bool,
    /// IANA zone of "today" and of the budget periods.
    pub timezone: Option<String>,
    /// UTC (same as `timezone: "UTC"`); refused together with `timezone`.
    pub utc: bool,
    /// `monday` (default) or `sunday`.
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

/// The figures of one status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub session_cost_usd: f64,
    pub today_cost_usd: f64,
    /// Every budget's status, the largest fraction of its limit first (then by name).
    pub budgets: Vec<BudgetStatus>,
}

/// The text to print (without the final newline). Never fails: errors go to the log.
pub fn run(req: &Request) -> String {
    let tz_env = std::env::var("TZ").ok();
    match figures(req, tz_env.as_deref()) {
        Ok(f) if req.json => render::json(&f),
        Ok(f) => render::line(&f),
        Err(err) => failure(req.ledger_home.as_deref(), req.json, &err),
    }
}

/// Logs `err` and returns what to print instead of figures.
pub fn failure(ledger_home: Option<&str>, json: bool, err: &Error) -> String {
    log::append(ledger_home, err);
    if json {
        render::error_json(&err.to_string())
    } else {
        MARKER.to_string()
    }
}

/// The session and transcript the status-line JSON names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub session_id: String,
    pub transcript_path: Option<String>,
}

/// This process's stdin, whole (invalid UTF-8 decoded lossily); an error on a terminal.
pub fn read_stdin() -> Result<String> {
    use std::io::{IsTerminal, Read};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::invalid(
            "stdin",
            "expects the status-line JSON on stdin",
        ));
    }
    let mut bytes = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: "stdin".into(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads the status-line JSON: `session_id` (else the transcript's file name) and
/// `transcript_path`; other fields are ignored.
pub fn parse_payload(text: &str) -> Result<Payload> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid("stdin", format!("is not the status-line JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| Error::invalid("stdin", "is not a JSON object"))?;
    let text_field = |key: &str| {
        obj.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    let transcript_path = text_field("transcript_path");
    let session_id = text_field("session_id").or_else(|| {
        let path = transcript_path.as_deref()?;
        let name = std::path::Path::new(path).file_name()?.to_str()?;
        let stem = name
            .strip_suffix(".jsonl")
            .filter(|s| !s.is_empty())
            .unwrap_or(name);
        Some(stem.to_string())
    });
    let session_id = session_id.ok_or_else(|| {
        Error::invalid(
            "stdin",
            "the status-line JSON has no session_id or transcript_path",
        )
    })?;
    Ok(Payload {
        session_id,
        transcript_path,
    })
}

/// The zone of the figures: `timezone`, `utc`, the `TZ` variable (`:Europe/Paris` and zoneinfo
/// paths reduced to the name; empty is UTC), the system zone, else UTC.
pub fn zone_name(req: &Request, tz_env: Option<&str>) -> Result<String> {
    match (&req.timezone, req.utc) {
        (Some(_), true) => Err(Error::invalid(
            "timezone",
            "--timezone and --utc cannot be used together",
        )),
        (Some(tz), false) => Ok(tz.clone()),
        (None, true) => Ok("UTC".to_string()),
        (None, false) => Ok(match tz_env {
            Some(v) => from_tz_variable(v),
            None => system_zone(),
        }),
    }
}

fn from_tz_variable(value: &str) -> String {
    let v = value.trim();
    let v = v.strip_prefix(':').unwrap_or(v);
    let v = v
        .rfind("zoneinfo/")
        .map_or(v, |at| &v[at + "zoneinfo/".len()..]);
    if v.is_empty() {
        "UTC".to_string()
    } else {
        v.to_string()
    }
}

fn system_zone() -> String {
    jiff::tz::TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_string))
        .filter(|n| !n.is_empty() && n != "Etc/Unknown")
        .unwrap_or_else(|| "UTC".to_string())
}

/// Ingests the transcript (and its subagent transcripts) and computes the figures.
pub fn figures(req: &Request, tz_env: Option<&str>) -> Result<Figures> {
    let timezone = Some(zone_name(req, tz_env)?);
    let week_start = req
        .week_start
        .as_deref()
        .map_or(Ok(WeekStart::Monday), |w| WeekStart::parse("weekStart", w))?;
    // Checked before the ledger is opened: a bad zone is reported as such.
    crate::time::Zone::new(timezone.as_deref(), week_start)?;
    let payload = match &req.input {
        Some(text) => parse_payload(text)?,
        None => parse_payload(&read_stdin()?)?,
    };
    let mut ledger = crate::open_ledger(req.ledger_home.as_deref())?;
    if let Some(path) = &payload.transcript_path {
        let report = ingest::ingest(
            &mut ledger,
            &IngestOptions {
                session_file: Some(path.clone()),
                ..IngestOptions::default()
            },
        )?;
        // Bad lines are counted and skipped as in any ingest; a file that cannot be read is
        // an error.
        if let Some(e) = report.errors.iter().find(|e| e.line.is_none()) {
            return Err(Error::invalid(
                "transcript_path",
                format!("{}: {}", e.file, e.message),
            ));
        }
    }
    let session_cost_usd = query::session_cost(&ledger, &payload.session_id, None)?
        .totals
        .cost_usd;
    let summary_opts = SummaryOptions {
        timezone: timezone.clone(),
        week_start,
        ..SummaryOptions::default()
    };
    let today = TurnFilter {
        since: Some("today".to_string()),
        ..TurnFilter::default()
    };
    let today_cost_usd = query::summary(&ledger, &today, &summary_opts)?
        .totals
        .cost_usd;
    let mut budgets = budget::budget_status(
        &ledger,
        &StatusOptions {
            timezone,
            week_start,
            ..StatusOptions::default()
        },
    )?;
    budgets.sort_by(|a, b| {
        b.fraction
            .total_cmp(&a.fraction)
            .then_with(|| a.budget.name.cmp(&b.budget.name))
    });
    Ok(Figures {
        session_cost_usd,
        today_cost_usd,
        budgets,
    })
}
