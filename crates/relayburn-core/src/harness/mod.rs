//! Harness log readers. Each turns its harness's bytes into the shared [`records`].

pub mod claude;
pub mod codex;
pub mod opencode;
pub mod records;

#[cfg(test)]
mod fuzz_tests;

use crate::scan::Line;
use records::Records;
use serde::{Deserialize, Serialize};

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

/// A coding-agent CLI whose logs relayburn reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Harness {
    #[serde(rename = "claude-code")]
    ClaudeCode,
    #[serde(rename = "codex")]
    Codex,
    #[serde(rename = "opencode")]
    OpenCode,
}

impl Harness {
    pub const ALL: [Harness; 3] = [Harness::ClaudeCode, Harness::Codex, Harness::OpenCode];

    pub fn as_str(self) -> &'static str {
        match self {
            Harness::ClaudeCode => "claude-code",
            Harness::Codex => "codex",
            Harness::OpenCode => "opencode",
        }
    }

    /// Parses a wire name; `field` names the option in the error.
    pub fn parse(field: &str, value: &str) -> crate::Result<Harness> {
        Harness::ALL
            .into_iter()
            .find(|h| h.as_str() == value)
            .ok_or_else(|| {
                crate::Error::invalid(
                    field,
                    format!("unknown harness {value:?}: expected claude-code, codex or opencode"),
                )
            })
    }
}
