//! The tag index cache: reused while the ledger does not change, rebuilt when a stamp, a new
//! child session or a new parent link could change what a session inherits. Claude Code
//! logs written to disk and ingested, as a running dashboard sees them arrive.

use super::tag_cache::tag_index;
use super::*;
use crate::ledger::Ledger;
use crate::test_store::{self, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Stamps `kv` on a session.
fn stamp(l: &mut Ledger, session: &str, kv: &[(&str, &str)]) {
    test_store::stamp(l, Some(session), None, "2026-03-01T09:00:00Z", kv);
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
    store.session("root", 3, None, 0);
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
    store.session("root", 3, None, 0);
    store.session("other", 2, None, 0);
    store.ingest(&mut l);
    stamp(&mut l, "root", &[("persona", "coder")]);
    assert_eq!(by_persona(&l), map(&[("coder", 3), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["root"]);

    // A subagent of the stamped root arrives: its turns carry the root's persona.
    store.subagent("root", "a1", 4, 30);
    store.ingest(&mut l);
    assert_eq!(by_persona(&l), map(&[("coder", 7), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["root", "root/agent-a1"]);

    // A fork of the root (a new session linked under it) inherits too.
    store.session("fork", 2, Some(("root", true)), 0);
    store.ingest(&mut l);
    assert_eq!(by_persona(&l), map(&[("coder", 9), ("(none)", 2)]));
    assert_eq!(coder_sessions(&l), ["fork", "root", "root/agent-a1"]);
}

#[test]
fn a_new_stamp_applies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = Ledger::open(&dir.path().join("home")).unwrap();
    store.session("root", 3, None, 0);
    store.subagent("root", "a1", 4, 30);
    store.session("other", 2, None, 0);
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
