//! Harness log readers. Each turns its harness's bytes into the shared [`records`].

pub mod claude;
pub mod records;

use serde::{Deserialize, Serialize};

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
