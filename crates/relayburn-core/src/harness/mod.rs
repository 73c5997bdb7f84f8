//! Harness log readers. Each turns its harness's bytes into the shared records of
//! [`crate::vocab`]; [`wire`] holds the JSON helpers the readers share.

pub mod amp;
pub mod claude;
pub mod cline;
pub mod codex;
pub mod copilot;
pub mod crush;
pub mod droid;
pub mod gemini;
pub mod goose;
pub mod grok;
pub mod kimi;
pub(crate) mod lines;
pub mod opencode;
pub mod pi;
pub mod qwen;
pub mod readonly_db;
pub mod snapshot;
pub mod wire;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
pub(crate) mod support_tests;
#[cfg(test)]
mod totals_fuzz_tests;

use crate::scan::Line;
use crate::vocab::records::Records;

/// A reader of one JSONL log file. Ingest feeds it every complete line from where the last
/// pass stopped; its state (serialized into the file's cursor) carries whatever it needs to
/// resume there without re-reading the prefix.
pub trait LogReader: Send {
    /// Reads one complete line (bad lines are counted in `out`, never fatal).
    fn feed(&mut self, line: &Line<'_>, out: &mut Records);
    /// Ends a pass; `idle` is true when the file has not changed for the grace period.
    fn finish(&mut self, idle: bool, out: &mut Records);
    /// The state to store in the cursor, as JSON.
    fn state_json(&self) -> String;
    /// Records still held back (unfinished responses) that a later idle pass may emit.
    fn pending(&self) -> i64;
}
