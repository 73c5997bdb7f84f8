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

fn pending(dir: &std::path::Path) -> PendingStampRequest {
    PendingStampRequest {
        harness: Some("codex".into()),
        cwd: Some(dir.to_string_lossy().into_owned()),
        enrichment: [("persona".to_string(), "reviewer".to_string())].into(),
        ..Default::default()
    }
}

#[test]
fn pending_requests_are_validated_in_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let ok = pending(dir.path());
    let v = ok.validate().unwrap();
    assert_eq!(v.harness, crate::vocab::Harness::Codex);
    assert_eq!(
        std::path::PathBuf::from(&v.cwd),
        pending::canonical_path(dir.path())
    );
    let cases: Vec<(&str, PendingStampRequest)> = vec![
        (
            "harness",
            PendingStampRequest {
                harness: None,
                ..ok.clone()
            },
        ),
        (
            "harness",
            PendingStampRequest {
                harness: Some("claude".into()),
                ..ok.clone()
            },
        ),
        (
            "cwd",
            PendingStampRequest {
                cwd: None,
                ..ok.clone()
            },
        ),
        (
            "cwd",
            PendingStampRequest {
                cwd: Some(" ".into()),
                ..ok.clone()
            },
        ),
        (
            "cwd",
            PendingStampRequest {
                cwd: Some("a\nb".into()),
                ..ok.clone()
            },
        ),
        (
            "cwd",
            PendingStampRequest {
                cwd: Some(dir.path().join("missing").to_string_lossy().into()),
                ..ok.clone()
            },
        ),
        (
            "cwd",
            PendingStampRequest {
                cwd: Some(file.to_string_lossy().into()),
                ..ok.clone()
            },
        ),
        (
            "enrichment",
            PendingStampRequest {
                enrichment: Default::default(),
                ..ok.clone()
            },
        ),
        (
            "spawnStartTs",
            PendingStampRequest {
                spawn_start_ts: Some("soon".into()),
                ..ok.clone()
            },
        ),
        (
            "spawnerPid",
            PendingStampRequest {
                spawner_pid: Some(0),
                ..ok.clone()
            },
        ),
        (
            "spawnerPid",
            PendingStampRequest {
                spawner_pid: Some(1 << 40),
                ..ok.clone()
            },
        ),
        (
            "sessionDirHint",
            PendingStampRequest {
                session_dir_hint: Some("".into()),
                ..ok.clone()
            },
        ),
    ];
    for (field, request) in cases {
        let err = request.validate().unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(err.field(), Some(field), "{request:?}");
    }
}

#[cfg(unix)]
#[test]
fn canonical_paths_resolve_symlinks_and_missing_tails() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let canon_real = pending::canonical_path(&real);
    assert_eq!(pending::canonical_path(&link), canon_real);
    // A path that does not exist (yet) keeps its tail after the resolved ancestor.
    assert_eq!(
        pending::canonical_path(&link.join("sessions/2026")),
        canon_real.join("sessions/2026")
    );
}

#[test]
fn pending_expiry_follows_the_spawn_time() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(home.path()).unwrap();
    let mut request = pending(dir.path());
    request.spawn_start_ts = Some("2026-05-21T12:00:00Z".into());
    let receipt = write_pending_stamp(&mut ledger, &request).unwrap();
    assert_eq!(receipt.id.len(), 16);
    assert_eq!(
        receipt.expires_ms,
        crate::time::parse_instant_ms("t", "2026-05-22T12:00:00Z").unwrap()
    );
    let conn = ledger.conn().unwrap();
    assert_eq!(pending::count_waiting(conn).unwrap(), 1);
    assert_eq!(pending::expire(conn, receipt.expires_ms - 1).unwrap(), 0);
    assert_eq!(pending::expire(conn, receipt.expires_ms).unwrap(), 1);
    assert_eq!(pending::count_waiting(conn).unwrap(), 0);
}

#[test]
fn export_import_round_trip_keeps_ids_times_and_order() {
    let a_home = tempfile::tempdir().unwrap();
    let b_home = tempfile::tempdir().unwrap();
    let mut a = Ledger::open(a_home.path()).unwrap();
    let mut first = request("s", &[("k", "one")]);
    first.ts = Some("2026-05-21T12:00:00.5Z".into());
    let mut second = request("s", &[("k", "two")]);
    second.ts = Some("2026-05-21T12:00:00.500Z".into());
    write_stamp(&mut a, &first).unwrap();
    write_stamp(&mut a, &second).unwrap();
    let file = a_home.path().join("stamps.jsonl");
    let receipt = export_stamps(&a, file.to_str().unwrap()).unwrap();
    assert_eq!(receipt.stamps, 2);
    let mut b = Ledger::open(b_home.path()).unwrap();
    let imported = import_stamps(&mut b, file.to_str().unwrap()).unwrap();
    assert_eq!(
        imported,
        ImportReceipt {
            imported: 2,
            skipped: 0,
            budgets_imported: 0,
            budgets_skipped: 0,
        }
    );
    let strip = |v: Vec<Stamp>| {
        v.into_iter()
            .map(|s| (s.id, s.session_id, s.enrichment, s.ts_ms))
            .collect::<Vec<_>>()
    };
    let all = StampFilter::default();
    assert_eq!(
        strip(list_stamps(&a, &all).unwrap()),
        strip(list_stamps(&b, &all).unwrap())
    );
    let again = import_stamps(&mut b, file.to_str().unwrap()).unwrap();
    assert_eq!(
        again,
        ImportReceipt {
            imported: 0,
            skipped: 2,
            budgets_imported: 0,
            budgets_skipped: 0,
        }
    );
}

/// Issue 23: a symlink planted at the predictable temporary name is never followed (its
/// target is left as it was) and never moved into place.
#[cfg(unix)]
#[test]
fn export_never_follows_a_planted_temp_symlink() {
    let home = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(home.path()).unwrap();
    write_stamp(&mut ledger, &request("s", &[("k", "v")])).unwrap();
    let victim = home.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let out = home.path().join("export.jsonl");
    // The temporary name is `<out>.<pid>-<n>.tmp` with `n` counting calls in this process.
    let pid = std::process::id();
    let planted: Vec<_> = (0..32)
        .map(|n| home.path().join(format!("export.jsonl.{pid}-{n}.tmp")))
        .collect();
    for p in &planted {
        std::os::unix::fs::symlink(&victim, p).unwrap();
    }
    let receipt = export_stamps(&ledger, out.to_str().unwrap()).unwrap();
    assert_eq!(receipt.stamps, 1);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(&out).unwrap();
    assert!(meta.file_type().is_file(), "the export is a regular file");
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("\"k\":\"v\""));
    for p in &planted {
        assert!(std::fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}

/// Issue 23: invalid UTF-8 in an import names its line.
#[test]
fn import_of_invalid_utf8_names_the_line() {
    let home = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(home.path()).unwrap();
    let file = home.path().join("bad.jsonl");
    let mut bytes =
        br#"{"id":"a1","sessionId":"s","enrichment":{"k":"v"},"ts":"2026-05-21T12:00:00.000Z"}"#
            .to_vec();
    bytes.extend_from_slice(b"\n\n{\"id\":\"a2\",\"sessionId\":\"s\",\"enrichment\":{\"k\":\"\xff\"},\"ts\":\"2026-05-21T12:00:00.000Z\"}\n");
    std::fs::write(&file, bytes).unwrap();
    let err = import_stamps(&mut ledger, file.to_str().unwrap()).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    assert!(err.to_string().contains("line 3"), "{err}");
    assert!(err.to_string().contains("UTF-8"), "{err}");
    assert!(list_stamps(&ledger, &StampFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn export_and_import_paths_follow_the_path_rule() {
    let long = "p".repeat(crate::validate::MAX_PATH_CHARS + 1);
    for bad in ["", "  ", "a\u{0}b", long.as_str()] {
        let err = super::transfer::validate_path(bad).unwrap_err();
        assert_eq!(err.field(), Some("path"), "{bad:?}");
        assert_eq!(
            err.to_string(),
            crate::validate::path("path", bad).unwrap_err().to_string()
        );
    }
    let err = super::transfer::validate_path(&long).unwrap_err();
    assert!(
        err.to_string().contains("must be at most 4096 characters"),
        "{err}"
    );
    assert!(super::transfer::validate_path(&"p".repeat(crate::validate::MAX_PATH_CHARS)).is_ok());
}
