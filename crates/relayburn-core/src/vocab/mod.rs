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
    #[serde(rename = "gemini-cli")]
    GeminiCli,
    #[serde(rename = "qwen-code")]
    QwenCode,
    #[serde(rename = "pi")]
    Pi,
    #[serde(rename = "copilot-cli")]
    CopilotCli,
    #[serde(rename = "kimi-cli")]
    KimiCli,
    #[serde(rename = "grok")]
    Grok,
    #[serde(rename = "droid")]
    Droid,
    #[serde(rename = "goose")]
    Goose,
    #[serde(rename = "crush")]
    Crush,
    #[serde(rename = "amp")]
    Amp,
    #[serde(rename = "kilo")]
    Kilo,
    #[serde(rename = "cline")]
    Cline,
    #[serde(rename = "roo-code")]
    RooCode,
    #[serde(rename = "kilo-code")]
    KiloCode,
}

impl Harness {
    pub const ALL: [Harness; 17] = [
        Harness::ClaudeCode,
        Harness::Codex,
        Harness::OpenCode,
        Harness::GeminiCli,
        Harness::QwenCode,
        Harness::Pi,
        Harness::CopilotCli,
        Harness::KimiCli,
        Harness::Grok,
        Harness::Droid,
        Harness::Goose,
        Harness::Crush,
        Harness::Amp,
        Harness::Kilo,
        Harness::Cline,
        Harness::RooCode,
        Harness::KiloCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Harness::ClaudeCode => "claude-code",
            Harness::Codex => "codex",
            Harness::OpenCode => "opencode",
            Harness::GeminiCli => "gemini-cli",
            Harness::QwenCode => "qwen-code",
            Harness::Pi => "pi",
            Harness::CopilotCli => "copilot-cli",
            Harness::KimiCli => "kimi-cli",
            Harness::Grok => "grok",
            Harness::Droid => "droid",
            Harness::Goose => "goose",
            Harness::Crush => "crush",
            Harness::Amp => "amp",
            Harness::Kilo => "kilo",
            Harness::Cline => "cline",
            Harness::RooCode => "roo-code",
            Harness::KiloCode => "kilo-code",
        }
    }

    /// Parses a wire name; `field` names the option in the error.
    pub fn parse(field: &str, value: &str) -> crate::Result<Harness> {
        Harness::ALL
            .into_iter()
            .find(|h| h.as_str() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Harness::ALL.iter().map(|h| h.as_str()).collect();
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

    /// Every wire name, comma-separated (for messages).
    pub fn names() -> String {
        let names: Vec<&str> = Harness::ALL.iter().map(|h| h.as_str()).collect();
        names.join(", ")
    }
}
