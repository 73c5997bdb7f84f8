//! The tag index cache: reused while the ledger does not change, rebuilt when a stamp, a new
//! child session or a new parent link could change what a session inherits. Claude Code
//! logs written to disk and ingested, as a running dashboard sees them arrive.

use super::tag_cache::tag_index;
use super::*;
use crate::ingest::{ingest, IngestOptions};
use crate::ledger::Ledger;
use crate::stamp::{write_stamp, StampRequest};
use crate::vocab::Harness;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One assistant response of `session` (its `agentId` for a subagent transcript, or a
/// `forkSessionId` naming its parent).
fn row(session: &str, msg: &str, minute: i64, agent: Option<&str>, fork: Option<&str>) -> String {
    let mut v = serde_json::json!({
        "type": "assistant",
        "sessionId": session,
        "cwd": "/work/app",
        "timestamp": format!("2026-03-01T08:{minute:02}:00.000Z"),
        "requestId": format!("r-{msg}"),
        "uuid": format!("u-{msg}"),
        "message": {
            "id": msg,
            "model": "claude-sonnet-4-5-20250929",
            "stop_reason": "end_turn",
            "content": [],
            "usage": {"input_tokens": 10, "output_tokens": 20}
        }
    });
    if let Some(a) = agent {
        v["isSidechain"] = true.into();
        v["agentId"] = a.into();
    }
    if let Some(p) = fork {
        v["forkSessionId"] = p.into();
    }
    format!("{v}\n")
}

struct Store {
    root: PathBuf,
    project: PathBuf,
}

impl Store {
    fn new(dir: &Path) -> Store {
        let root = dir.join("claude");
        let project = root.join("projects").join("-work-app");
        std::fs::create_dir_all(&project).unwrap();
        Store { root, project }
    }

    fn session(&self, id: &str, turns: i64, fork: Option<&str>) {
        let text: String = (0..turns)
            .map(|t| row(id, &format!("{id}-m{t}"), t, None, fork.filter(|_| t == 0)))
            .collect();
        std::fs::write(self.project.join(format!("{id}.jsonl")), text).unwrap();
    }

    fn subagent(&self, parent: &str, agent: &str, turns: i64) {
        let dir = self.project.join(parent).join("subagents");
        std::fs::create_dir_all(&dir).unwrap();
        let text: String = (0..turns)
            .map(|t| {
                row(
                    parent,
                    &format!("{parent}-{agent}-m{t}"),
                    30 + t,
                    Some(agent),
                    None,
                )
            })
            .collect();
        std::fs::write(dir.join(format!("agent-{agent}.jsonl")), text).unwrap();
    }

    fn ingest(&self, l: &mut Ledger) {
        let opts = IngestOptions {
            roots: std::collections::HashMap::from([(
                Harness::ClaudeCode,
                vec![self.root.to_string_lossy().into_owned()],
            )]),
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        };
        ingest(l, &opts).unwrap();
    }
}

fn stamp(l: &mut Ledger, session: &str, kv: &[(&str, &str)]) {
    write_stamp(
        l,
        &StampRequest {
            session_id: Some(session.to_string()),
            message_id: None,
            enrichment: kv
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ts: Some("2026-03-01T09:00:00Z".to_string()),
        },
    )
    .unwrap();
}

/// Turns per `persona` value.
fn by_persona(l: &Ledger) -> BTreeMap<String, i64> {
    summary(
        l,
        &TurnFilter::default(),
        &SummaryOptions {
            group_by: GroupBy::parse("tag:persona").unwrap(),
            ..SummaryOptions::default()
        },
    )
    .unwrap()
    .groups
    .into_iter()
    .map(|(k, t)| (k, t.turns))
    .collect()
}

/// Sessions listed (whole trees, flattened) with `persona=coder`.
fn coder_sessions(l: &Ledger) -> Vec<String> {
    let rows = sessions(
        l,
        &SessionsFilter {
            tags: BTreeMap::from([("persona".into(), "coder".into())]),
            ..Default::default()
        },
    )
    .unwrap();
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.session_id).chain(r.descendants.iter().map(|d| &d.session_id))
        })
        .cloned()
        .collect();
    ids.sort();
    ids
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn reused_until_the_ledger_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = Ledger::open(&dir.path().join("home")).unwrap();
    store.session("root", 3, None);
    store.ingest(&mut l);
    stamp(&mut l, "root", &[("persona", "coder")]);

    let keys = vec!["persona".to_string()];
    let first = tag_index(&l, &keys).unwrap();
    assert!(Arc::ptr_eq(&first, &tag_index(&l, &keys).unwrap()));
    // Another connection to the same file (the pool hands out several) shares it.
    let other = Ledger::open(&dir.path().join("home")).unwrap();
    assert!(Arc::ptr_eq(&first, &tag_index(&other, &keys).unwrap()));
    // Other keys, another index.
    let both = vec!["persona".to_string(), "team".to_string()];
    assert!(!Arc::ptr_eq(&first, &tag_index(&l, &both).unwrap()));
    // Any write moves the clock: built again.
    stamp(&mut l, "root", &[("team", "core")]);
    assert!(!Arc::ptr_eq(&first, &tag_index(&l, &keys).unwrap()));
}

#[test]
fn a_new_child_session_inherits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = Ledger::open(&dir.path().join("home")).unwrap();
    store.session("root", 3, None);
    store.session("other", 2, None);
    store.ingest(&mut l);
    stamp(&mut l, "root", &[("persona", "coder")]);
    assert_eq!(by_persona(&l), map(&[("coder", 3), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["root"]);

    // A subagent of the stamped root arrives: its turns carry the root's persona.
    store.subagent("root", "a1", 4);
    store.ingest(&mut l);
    assert_eq!(by_persona(&l), map(&[("coder", 7), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["root", "root/agent-a1"]);

    // A fork of the root (a new session linked under it) inherits too.
    store.session("fork", 2, Some("root"));
    store.ingest(&mut l);
    assert_eq!(by_persona(&l), map(&[("coder", 9), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["fork", "root", "root/agent-a1"]);
}

#[test]
fn a_new_stamp_applies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = Ledger::open(&dir.path().join("home")).unwrap();
    store.session("root", 3, None);
    store.subagent("root", "a1", 4);
    store.session("other", 2, None);
    store.ingest(&mut l);
    stamp(&mut l, "root", &[("persona", "coder")]);
    assert_eq!(by_persona(&l), map(&[("coder", 7), ("(none)", 2)]));

    // The subagent's own stamp beats the inherited value; the other root gets one.
    stamp(&mut l, "root/agent-a1", &[("persona", "tester")]);
    assert_eq!(
        by_persona(&l),
        map(&[("coder", 3), ("tester", 4), ("(none)", 2)])
    );
    assert_eq!(coder_sessions(&l), ["root", "root/agent-a1"]);
    stamp(&mut l, "other", &[("persona", "coder")]);
    assert_eq!(by_persona(&l), map(&[("coder", 5), ("tester", 4)]));
    assert_eq!(coder_sessions(&l), ["other", "root", "root/agent-a1"]);
}
