//! Test helper: a Claude Code store written to disk (main sessions with fork or continuation
//! fields, subagent transcripts), ingested into a ledger and stamped, as a running ledger
//! sees real logs arrive. Shared by the session-tree and tag-cache tests.

use crate::ingest::{ingest, IngestOptions, IngestReport};
use crate::ledger::Ledger;
use crate::stamp::{write_stamp, StampRequest};
use crate::vocab::Harness;
use std::path::{Path, PathBuf};

/// A Claude Code store under `dir`: `claude/projects/-work-app/…`.
pub(crate) struct Store {
    root: PathBuf,
    /// The project directory the session files are written to.
    pub(crate) project: PathBuf,
}

impl Store {
    pub(crate) fn new(dir: &Path) -> Store {
        let root = dir.join("claude");
        let project = root.join("projects").join("-work-app");
        std::fs::create_dir_all(&project).unwrap();
        Store { root, project }
    }

    /// One assistant row at 08:00 + `minute`; `parent` adds `forkSessionId` (`true`) or
    /// `continuedFromSessionId`.
    pub(crate) fn row(
        session: &str,
        msg: &str,
        minute: i64,
        output: i64,
        parent: Option<(&str, bool)>,
    ) -> String {
        let mut v = serde_json::json!({
            "type": "assistant",
            "sessionId": session,
            "cwd": "/work/app",
            "timestamp": format!("2026-03-01T{:02}:{:02}:00.000Z", 8 + minute / 60, minute % 60),
            "requestId": format!("r-{msg}"),
            "uuid": format!("u-{msg}"),
            "message": {
                "id": msg,
                "model": "claude-sonnet-4-5-20250929",
                "stop_reason": "end_turn",
                "content": [],
                "usage": {"input_tokens": 10, "output_tokens": output, "cache_read_input_tokens": output * 3}
            }
        });
        if let Some((p, fork)) = parent {
            let field = if fork {
                "forkSessionId"
            } else {
                "continuedFromSessionId"
            };
            v[field] = serde_json::Value::String(p.to_string());
        }
        format!("{v}\n")
    }

    /// A main session file with `turns` responses from `minute` on (the first names `parent`).
    pub(crate) fn session(&self, id: &str, turns: i64, parent: Option<(&str, bool)>, minute: i64) {
        let mut text = String::new();
        for t in 0..turns {
            let p = if t == 0 { parent } else { None };
            text += &Self::row(id, &format!("{id}-m{t}"), minute + t, 10 + t * 7, p);
        }
        std::fs::write(self.project.join(format!("{id}.jsonl")), text).unwrap();
    }

    /// A subagent transcript of `parent`; returns its session id `<parent>/agent-<agent>`.
    pub(crate) fn subagent(&self, parent: &str, agent: &str, turns: i64, minute: i64) -> String {
        let dir = self.project.join(parent).join("subagents");
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = String::new();
        for t in 0..turns {
            let mut row: serde_json::Value = serde_json::from_str(&Self::row(
                parent,
                &format!("{parent}-{agent}-m{t}"),
                minute + t,
                5 + t,
                None,
            ))
            .unwrap();
            row["isSidechain"] = serde_json::Value::Bool(true);
            row["agentId"] = serde_json::Value::String(agent.to_string());
            text += &format!("{row}\n");
        }
        std::fs::write(dir.join(format!("agent-{agent}.jsonl")), text).unwrap();
        format!("{parent}/agent-{agent}")
    }

    /// Ingest options reading this store only.
    pub(crate) fn opts(&self) -> IngestOptions {
        claude_options(&self.root)
    }

    /// Ingests the store into `l`.
    pub(crate) fn ingest(&self, l: &mut Ledger) -> IngestReport {
        ingest(l, &self.opts()).unwrap()
    }
}

/// Ingest options reading only the Claude Code store at `root`.
pub(crate) fn claude_options(root: &Path) -> IngestOptions {
    IngestOptions {
        roots: std::collections::HashMap::from([(
            Harness::ClaudeCode,
            vec![root.to_string_lossy().into_owned()],
        )]),
        harnesses: Some(vec![Harness::ClaudeCode]),
        ..Default::default()
    }
}

/// The ledger under `dir/home`.
pub(crate) fn open(dir: &Path) -> Ledger {
    Ledger::open(&dir.join("home")).unwrap()
}

/// Stamps `kv` on a session and/or a message at `ts`.
pub(crate) fn stamp(
    l: &mut Ledger,
    session: Option<&str>,
    message: Option<&str>,
    ts: &str,
    kv: &[(&str, &str)],
) {
    write_stamp(
        l,
        &StampRequest {
            session_id: session.map(str::to_string),
            message_id: message.map(str::to_string),
            enrichment: kv
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ts: Some(ts.to_string()),
        },
    )
    .unwrap();
}
