//! Records derived from harness logs, shared by every reader and written by the ingest writer.

use super::Harness;
use serde::{Deserialize, Serialize};

/// Token counts of one API response. `output` includes `reasoning`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: i64,
    pub output: i64,
    pub reasoning: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

impl Usage {
    /// input + output + cache read + both cache writes (reasoning is inside output).
    pub fn total(&self) -> i64 {
        self.input + self.output + self.cache_read + self.cache_write_5m + self.cache_write_1h
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    #[serde(rename = "argsHash")]
    pub args_hash: String,
}

/// One model API response: the billing unit.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRecord {
    pub harness: Harness,
    /// Natural key, hashed into the row id (see `crate::hash`).
    pub key: String,
    pub session_id: String,
    pub message_id: String,
    pub request_id: Option<String>,
    pub ts_ms: i64,
    pub model: String,
    pub provider: Option<String>,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub usage: Usage,
    pub stop_reason: Option<String>,
    /// False for a response that never finished (stored with its last snapshot).
    pub complete: bool,
    pub tool_calls: Vec<ToolCall>,
    /// The cost the harness itself wrote for this call, in USD, where it writes one. Queries
    /// price turns from the price table and fall back to this for models it cannot price.
    pub reported_cost_usd: Option<f64>,
}

impl TurnRecord {
    /// A finished model call with what every reader knows of it; the reader sets the rest
    /// (provider, project, branch, stop reason, tool calls, reported cost) by struct update.
    pub fn call(
        harness: Harness,
        key: String,
        session_id: String,
        message_id: String,
        ts_ms: i64,
        model: String,
        usage: Usage,
    ) -> TurnRecord {
        TurnRecord {
            harness,
            key,
            session_id,
            message_id,
            request_id: None,
            ts_ms,
            model,
            provider: None,
            project: None,
            branch: None,
            usage,
            stop_reason: None,
            complete: true,
            tool_calls: Vec::new(),
            reported_cost_usd: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTurnBlock {
    /// `text` or `tool_result`.
    pub kind: &'static str,
    #[serde(rename = "toolUseId", skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    pub bytes: i64,
    #[serde(rename = "approxTokens")]
    pub approx_tokens: i64,
    #[serde(rename = "isError", skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserTurnRecord {
    pub harness: Harness,
    pub session_id: String,
    pub uuid: String,
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub blocks: Vec<UserTurnBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompactionRecord {
    pub harness: Harness,
    pub session_id: String,
    /// Row uuid, or the timestamp when the row has none: part of the natural key.
    pub key: String,
    pub ts_ms: i64,
    pub preceding_message_id: Option<String>,
    pub tokens_before: Option<i64>,
}

/// How a session came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relationship {
    Root,
    Fork,
    Continuation,
    Subagent,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Root => "root",
            Relationship::Fork => "fork",
            Relationship::Continuation => "continuation",
            Relationship::Subagent => "subagent",
        }
    }
}

/// What a reader learned about a session (merged into the sessions table; first value wins).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionInfo {
    pub harness: Option<Harness>,
    pub session_id: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    /// Parent session, relationship and the evidence for it.
    pub parent: Option<(String, Relationship, String)>,
}

/// Every turn a harness that keeps running totals (not one record per call) shows for one
/// session now: the writer makes the session's stored turns exactly these, replacing rows of
/// the same key, inserting new keys and deleting keys no longer present, so a later snapshot
/// replaces an earlier one and never adds to it (see the ingest writer).
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotGroup {
    pub harness: Harness,
    pub session_id: String,
    /// Each turn's `key` is its snapshot key; all share `harness` and `session_id`.
    pub turns: Vec<TurnRecord>,
}

/// Everything a reader produced from a range of bytes.
#[derive(Debug, Default)]
pub struct Records {
    pub turns: Vec<TurnRecord>,
    /// Whole-session snapshots (replace, never add).
    pub snapshots: Vec<SnapshotGroup>,
    pub user_turns: Vec<UserTurnRecord>,
    pub compactions: Vec<CompactionRecord>,
    pub sessions: Vec<SessionInfo>,
    /// Captured conversation content (empty when the content store is off).
    pub content: Vec<super::content::ContentRecord>,
    pub lines_skipped: i64,
    /// First few bad lines, for the report: (line number within this pass, message).
    pub bad_lines: Vec<(i64, String)>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.turns.len()
            + self
                .snapshots
                .iter()
                .map(|g| g.turns.len().max(1))
                .sum::<usize>()
            + self.user_turns.len()
            + self.compactions.len()
            + self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds what a reader learned about a session, folded into the record pushed last when
    /// that is the same session's and `info` names no parent: the writer's upsert keeps each
    /// field's first value, so one merged record stores the same row as the two, in one
    /// statement instead of two (a title right after its session's first record is common).
    pub fn push_session(&mut self, info: SessionInfo) {
        if let Some(last) = self.sessions.last_mut().filter(|last| {
            info.parent.is_none()
                && last.harness == info.harness
                && last.session_id == info.session_id
        }) {
            last.project = last.project.take().or(info.project);
            last.branch = last.branch.take().or(info.branch);
            last.title = last.title.take().or(info.title);
            return;
        }
        self.sessions.push(info);
    }
}

/// The largest count of one token class (input, output, cache read, each cache write) a single
/// turn may carry: 10^9. The largest context windows hold about 10^7 tokens and a Codex task of
/// many calls stays far below, so a count above it is corrupt: the turn is skipped and counted
/// (never stored), which bounds every per-session sum far below `i64` and JavaScript limits.
pub const MAX_TURN_TOKENS: i64 = 1_000_000_000;

/// The largest sum handed to JavaScript: `Number.MAX_SAFE_INTEGER` (2^53 − 1). Sums above it
/// (about 9 million turns at the per-turn bound) are reported as this value.
pub const MAX_SAFE_SUM: i64 = (1 << 53) - 1;

/// `v` limited to ±[`MAX_SAFE_SUM`], so it converts to a JavaScript number exactly.
pub fn safe_sum(v: i64) -> i64 {
    v.clamp(-MAX_SAFE_SUM, MAX_SAFE_SUM)
}

impl Usage {
    /// The first token class above [`MAX_TURN_TOKENS`], with its count.
    pub fn impossible(&self) -> Option<(&'static str, i64)> {
        [
            ("input", self.input),
            ("output", self.output),
            ("reasoning", self.reasoning),
            ("cache read", self.cache_read),
            ("cache write 5m", self.cache_write_5m),
            ("cache write 1h", self.cache_write_1h),
        ]
        .into_iter()
        .find(|(_, n)| *n > MAX_TURN_TOKENS)
    }
}

impl Records {
    /// Drops turns with a token count no model can produce ([`MAX_TURN_TOKENS`]), counting each
    /// as a skipped line with a message naming the turn.
    pub fn skip_impossible_turns(&mut self) {
        let mut skipped = Vec::new();
        self.turns.retain(|t| match t.usage.impossible() {
            Some((class, n)) => {
                skipped.push(format!(
                    "turn {}: {n} {class} tokens is above the per-turn bound of {MAX_TURN_TOKENS}",
                    t.message_id
                ));
                false
            }
            None => true,
        });
        // A snapshot is all or nothing: storing part of one would change the session's total.
        self.snapshots.retain(|g| {
            match g.turns.iter().find_map(|t| t.usage.impossible().map(|c| (t, c))) {
                Some((t, (class, n))) => {
                    skipped.push(format!(
                        "snapshot of session {} ({}): {n} {class} tokens is above the per-turn bound of {MAX_TURN_TOKENS}",
                        g.session_id, t.key
                    ));
                    false
                }
                None => true,
            }
        });
        for message in skipped {
            self.lines_skipped += 1;
            if self.bad_lines.len() < 100 {
                self.bad_lines.push((0, message));
            }
        }
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn impossible_turns_are_skipped_and_counted() {
        let turn = |id: &str, usage: Usage| {
            let (key, s, m) = (id.to_string(), "s".to_string(), "m".to_string());
            TurnRecord::call(Harness::ClaudeCode, key, s, id.into(), 0, m, usage)
        };
        let mut r = Records::default();
        r.turns.push(turn(
            "ok",
            Usage {
                input: MAX_TURN_TOKENS,
                output: 1,
                ..Default::default()
            },
        ));
        r.turns.push(turn(
            "bad",
            Usage {
                cache_read: MAX_TURN_TOKENS + 1,
                ..Default::default()
            },
        ));
        r.skip_impossible_turns();
        assert_eq!(r.turns.len(), 1);
        assert_eq!(r.turns[0].message_id, "ok");
        assert_eq!(r.lines_skipped, 1);
        assert!(r.bad_lines[0].1.contains("turn bad"), "{:?}", r.bad_lines);
        assert_eq!(safe_sum(i64::MAX), MAX_SAFE_SUM);
        assert_eq!(safe_sum(42), 42);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, project: Option<&str>, title: Option<&str>) -> SessionInfo {
        SessionInfo {
            harness: Some(Harness::ClaudeCode),
            session_id: id.into(),
            project: project.map(str::to_string),
            title: title.map(str::to_string),
            ..Default::default()
        }
    }

    /// A record folds into the last one when it is the same session's and names no parent;
    /// the first value of each field wins, as the writer's upsert keeps it.
    #[test]
    fn push_session_folds_only_what_one_upsert_stores_the_same() {
        let mut r = Records::default();
        r.push_session(info("a", Some("/p"), None));
        r.push_session(info("a", Some("/q"), Some("first")));
        r.push_session(info("a", None, Some("second")));
        assert_eq!(r.sessions.len(), 1);
        assert_eq!(r.sessions[0].project.as_deref(), Some("/p"));
        assert_eq!(r.sessions[0].title.as_deref(), Some("first"));
        // Another session, another harness or a parent link: a record of its own.
        r.push_session(info("b", None, Some("t")));
        let mut codex = info("b", None, Some("t"));
        codex.harness = Some(Harness::Codex);
        r.push_session(codex);
        let mut child = info("b", None, None);
        child.parent = Some(("a".into(), Relationship::Subagent, "test".into()));
        r.push_session(child);
        assert_eq!(r.sessions.len(), 4);
    }
}
