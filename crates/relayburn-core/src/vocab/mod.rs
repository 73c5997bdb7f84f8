//! The ground vocabulary every other module speaks: which harness a record comes from, the
//! records readers produce ([`records`]) and the content they capture ([`content`]). This
//! module imports no other module of the crate except [`crate::error`]; everything else imports
//! it. `node scripts/check-import-cycles.mjs` keeps it that way.

pub mod content;
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
    #[serde(rename = "copilot-cli")]
    CopilotCli,
    #[serde(rename = "kimi-cli")]
    KimiCli,
    #[serde(rename = "grok")]
    Grok,
}

impl Harness {
    pub const ALL: [Harness; 6] = [
        Harness::ClaudeCode,
        Harness::Codex,
        Harness::OpenCode,
        Harness::CopilotCli,
        Harness::KimiCli,
        Harness::Grok,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Harness::ClaudeCode => "claude-code",
            Harness::Codex => "codex",
            Harness::OpenCode => "opencode",
            Harness::CopilotCli => "copilot-cli",
            Harness::KimiCli => "kimi-cli",
            Harness::Grok => "grok",
        }
    }

    /// Parses a wire name; `field` names the option in the error.
    pub fn parse(field: &str, value: &str) -> crate::Result<Harness> {
        Harness::ALL
            .into_iter()
            .find(|h| h.as_str() == value)
            .ok_or_else(|| {
                let names = Harness::ALL.map(Harness::as_str);
                let (last, rest) = names.split_last().unwrap_or((&"", &[]));
                crate::Error::invalid(
                    field,
                    format!(
                        "unknown harness {value:?}: expected {} or {last}",
                        rest.join(", ")
                    ),
                )
            })
    }
}
