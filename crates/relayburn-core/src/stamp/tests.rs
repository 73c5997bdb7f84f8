use super::*;
use crate::ledger::Ledger;

fn request(session: &str, pairs: &[(&str, &str)]) -> StampRequest {
    StampRequest {
        session_id: Some(session.into()),
        enrichment: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn writes_and_lists_in_fold_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    let mut later = request("s1", &[("persona", "reviewer")]);
    later.ts = Some("2026-05-21T12:00:00.500Z".into());
    let mut earlier = request("s1", &[("persona", "author")]);
    // Second precision and an offset: must still sort before .500Z of the same second.
    earlier.ts = Some("2026-05-21T14:00:00+02:00".into());
    let a = write_stamp(&mut ledger, &later).unwrap();
    let b = write_stamp(&mut ledger, &earlier).unwrap();
    assert_eq!(a.id.len(), 16);
    assert_ne!(a.id, b.id);
    let listed = list_stamps(&ledger, &StampFilter::default()).unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        vec![b.id, a.id]
    );
    assert_eq!(listed[1].enrichment["persona"], "reviewer");
}

#[test]
fn same_millisecond_orders_by_write_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for v in ["1", "2", "3"] {
        let mut r = request("s", &[("k", v)]);
        r.ts = Some("2026-01-01T00:00:00.000Z".into());
        ids.push(write_stamp(&mut ledger, &r).unwrap().id);
    }
    let listed = list_stamps(&ledger, &StampFilter::default()).unwrap();
    assert_eq!(listed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), ids);
}

#[test]
fn filters_by_selector() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    write_stamp(&mut ledger, &request("a", &[("k", "v")])).unwrap();
    write_stamp(&mut ledger, &request("b", &[("k", "v")])).unwrap();
    let only_b = StampFilter {
        session_id: Some("b".into()),
        ..Default::default()
    };
    let listed = list_stamps(&ledger, &only_b).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].session_id.as_deref(), Some("b"));
}

#[test]
fn rejects_bad_requests_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path()).unwrap();
    let cases: Vec<(StampRequest, &str)> = vec![
        (
            StampRequest {
                enrichment: request("x", &[("k", "v")]).enrichment,
                ..Default::default()
            },
            "sessionId",
        ),
        (request("", &[("k", "v")]), "sessionId"),
        (request("  ", &[("k", "v")]), "sessionId"),
        (request("s", &[]), "enrichment"),
        (request("s", &[("", "v")]), "enrichment"),
        (
            StampRequest {
                ts: Some("not a time".into()),
                ..request("s", &[("k", "v")])
            },
            "ts",
        ),
        (
            StampRequest {
                message_id: Some("".into()),
                ..request("s", &[("k", "v")])
            },
            "messageId",
        ),
    ];
    for (req, field) in cases {
        let err = write_stamp(&mut ledger, &req).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(err.field(), Some(field), "{req:?}");
    }
    assert!(list_stamps(&ledger, &StampFilter::default())
        .unwrap()
        .is_empty());
}
