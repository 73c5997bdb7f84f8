//! What of a session's text the ledger itself keeps, by content mode. The ledger (not the
//! content store) holds two fields taken from the conversation: the session title (the first
//! prompt, or the title the harness generated from it) and the target of each tool call, which
//! for a shell tool is the whole command line (tokens and keys are often passed there). In
//! `full` mode both are kept as read; in `hash-only` and `off` the title is dropped and a shell
//! command keeps only its program name (`curl -H 'Authorization: …' …` → `curl`).

use super::ContentMode;
use crate::vocab::records::Records;
use crate::vocab::Harness;

/// Tools whose target is a shell command line, per harness (names as the logs spell them).
pub fn is_command_tool(harness: Harness, name: &str) -> bool {
    match harness {
        Harness::ClaudeCode => matches!(name, "Bash" | "PowerShell"),
        Harness::Codex => matches!(
            name,
            "exec_command" | "shell" | "container.exec" | "local_shell" | "unified_exec"
        ),
        Harness::OpenCode | Harness::Kilo | Harness::Pi => name == "bash",
        Harness::CopilotCli => matches!(name, "bash" | "powershell" | "shell"),
        Harness::KimiCli => name == "Shell",
        // Agent Client Protocol tool kinds: `execute` runs a command (its title shows it).
        Harness::Grok => name == "execute",
        Harness::GeminiCli | Harness::QwenCode => name == "run_shell_command",
        // Totals only: these readers record no tool calls.
        Harness::Droid | Harness::Goose | Harness::Crush => false,
        Harness::Amp => name == "Bash",
        // Cline-family tasks carry no tool calls in the ledger.
        Harness::Cline | Harness::RooCode | Harness::KiloCode => false,
    }
}

/// The program a command line runs: its first word that is not a `NAME=value` assignment,
/// without quotes, leading `(`/`{` or a directory (`/usr/bin/git status` → `git`).
pub fn command_program(command: &str) -> Option<String> {
    let word = command
        .split_whitespace()
        .map(|w| w.trim_start_matches(['(', '{']))
        .map(|w| w.trim_matches(['"', '\'', ';', '&', '|', ')']))
        .find(|w| !w.is_empty() && !is_assignment(w))?;
    let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let name: String = name.chars().take(64).collect();
    (!name.is_empty()).then_some(name)
}

/// `NAME=value` with a shell variable name before the `=`.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Applies `mode` to the conversation text in `records` before they reach the ledger.
pub fn redact(records: &mut Records, mode: ContentMode) {
    if mode == ContentMode::Full {
        return;
    }
    for session in &mut records.sessions {
        session.title = None;
    }
    for turn in &mut records.turns {
        let harness = turn.harness;
        for call in &mut turn.tool_calls {
            if is_command_tool(harness, &call.name) {
                call.target = call.target.as_deref().and_then(command_program);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names() {
        let cases = [
            ("ls -la", Some("ls")),
            (
                "curl -H 'Authorization: Bearer sk-123' https://x",
                Some("curl"),
            ),
            ("AWS_SECRET_ACCESS_KEY=abc aws s3 ls", Some("aws")),
            ("  /usr/bin/git status", Some("git")),
            ("(cd /tmp && make)", Some("cd")),
            ("\"./run tests.sh\" --fast", Some("run")),
            ("A=1 B=2", None),
            ("", None),
        ];
        for (command, want) in cases {
            assert_eq!(command_program(command).as_deref(), want, "{command}");
        }
    }
}
