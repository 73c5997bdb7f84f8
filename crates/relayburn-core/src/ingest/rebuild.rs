//! `burn state rebuild`: re-derive the ledger from the harness logs.
//!
//! Everything derived from logs (turns, user turns, compactions, sessions, the turn rollup
//! and the cursors) is deleted in **one** write transaction, then an ordinary ingest pass
//! reads every file again from byte 0. What users wrote (stamps, and the tag fold kept from
//! them) is never touched, so no crash at any instant can lose a stamp:
//!
//! - a crash before the reset commits leaves the ledger as it was;
//! - a crash after it leaves a consistent, partly re-read ledger whose cursors point exactly
//!   past the rows already re-derived (the ingest's own exactly-once rule), so the next
//!   `ingest` (or rebuild) completes it.
//!
//! History that only the ledger still had (logs a harness has since pruned) is not re-derived:
//! a rebuild reflects the logs on disk now.

use super::{ingest, IngestOptions, IngestReport};
use crate::error::{Error, Result};
use crate::ledger::{Ledger, DERIVED_TABLES};
use crate::vocab::Harness;

/// Rows deleted by [`reset_derived`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResetReport {
    pub turns: i64,
    pub user_turns: i64,
    pub compactions: i64,
    pub sessions: i64,
    pub cursors: i64,
}

/// What [`rebuild`] did: the rows it removed, then the re-ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub removed: ResetReport,
    pub ingest: IngestReport,
}

/// Deletes every row derived from logs of `harnesses` (all when `None`), cursors included,
/// in one transaction; stamps stay. The ledger clock ticks so fingerprints change.
pub fn reset_derived(ledger: &mut Ledger, harnesses: Option<&[Harness]>) -> Result<ResetReport> {
    let names: Vec<&str> = harnesses
        .unwrap_or(&Harness::ALL)
        .iter()
        .map(|h| h.as_str())
        .collect();
    let list = serde_json::to_string(&names).map_err(|e| Error::Internal(e.to_string()))?;
    let path = ledger.path().to_path_buf();
    ledger.write(|tx| {
        let mut removed = ResetReport::default();
        for table in DERIVED_TABLES {
            let n = tx
                .execute(
                    &format!(
                        "DELETE FROM {table} WHERE harness IN (SELECT value FROM json_each(?1))"
                    ),
                    [&list],
                )
                .map_err(|e| Error::sqlite(&path, e))? as i64;
            match *table {
                "turns" => removed.turns = n,
                "user_turns" => removed.user_turns = n,
                "compactions" => removed.compactions = n,
                "sessions" => removed.sessions = n,
                "cursors" => removed.cursors = n,
                _ => {}
            }
        }
        // Session trees span harnesses: recompute them from the sessions that remain.
        crate::tree::rebuild(tx).map_err(|e| Error::sqlite(&path, e))?;
        tx.execute("UPDATE ledger_clock SET ticks = ticks + 1", [])
            .map_err(|e| Error::sqlite(&path, e))?;
        Ok(removed)
    })
}

/// Resets the derived rows of the harnesses `opts` selects, then ingests them again.
/// `opts.session_file` is refused: a rebuild reads whole stores.
pub fn rebuild(ledger: &mut Ledger, opts: &IngestOptions) -> Result<RebuildReport> {
    if opts.session_file.is_some() {
        return Err(Error::invalid(
            "sessionFile",
            "cannot be used with a rebuild (it re-reads whole stores)",
        ));
    }
    let removed = reset_derived(ledger, opts.harnesses.as_deref())?;
    let ingest = ingest(ledger, opts)?;
    Ok(RebuildReport { removed, ingest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stamp::{write_stamp, StampRequest};
    use std::collections::BTreeMap;

    fn claude_store(dir: &std::path::Path) -> String {
        let project = dir.join("claude").join("projects").join("-work-app");
        std::fs::create_dir_all(&project).unwrap();
        let row = |msg: &str, out: i64| {
            format!(
                r#"{{"type":"assistant","sessionId":"s1","cwd":"/work/app","timestamp":"2026-03-01T10:00:00.000Z","requestId":"r-{msg}","uuid":"u-{msg}","message":{{"id":"{msg}","model":"claude-sonnet-4-5-20250929","stop_reason":"end_turn","content":[],"usage":{{"input_tokens":10,"output_tokens":{out}}}}}}}"#
            )
        };
        std::fs::write(
            project.join("s1.jsonl"),
            format!("{}\n{}\n", row("m1", 5), row("m2", 7)),
        )
        .unwrap();
        dir.join("claude").to_string_lossy().into_owned()
    }

    fn counts(l: &Ledger) -> (i64, i64, i64, i64) {
        let c = l.conn().unwrap();
        let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            q("SELECT count(*) FROM turns"),
            q("SELECT count(*) FROM sessions"),
            q("SELECT count(*) FROM stamps"),
            q("SELECT COALESCE(sum(output), 0) FROM turn_rollup"),
        )
    }

    #[test]
    fn rebuild_rederives_the_same_rows_and_keeps_stamps() {
        let dir = tempfile::tempdir().unwrap();
        let root = claude_store(dir.path());
        let mut ledger = Ledger::open(&dir.path().join("home")).unwrap();
        let opts = IngestOptions {
            roots: std::collections::HashMap::from([(Harness::ClaudeCode, vec![root])]),
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        };
        ingest(&mut ledger, &opts).unwrap();
        write_stamp(
            &mut ledger,
            &StampRequest {
                session_id: Some("s1".into()),
                message_id: None,
                enrichment: BTreeMap::from([("persona".into(), "reviewer".into())]),
                ts: None,
            },
        )
        .unwrap();
        let before = counts(&ledger);
        assert_eq!(before, (2, 1, 1, 12));
        let fp_before = crate::query::fingerprint(&ledger).unwrap();

        let report = rebuild(&mut ledger, &opts).unwrap();
        assert_eq!(
            report.removed,
            ResetReport {
                turns: 2,
                user_turns: 0,
                compactions: 0,
                sessions: 1,
                cursors: 1
            }
        );
        assert_eq!(report.ingest.turns_added, 2);
        assert_eq!(counts(&ledger), before);
        assert_ne!(crate::query::fingerprint(&ledger).unwrap(), fp_before);
    }

    #[test]
    fn reset_only_touches_the_named_harnesses_and_refuses_a_session_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = claude_store(dir.path());
        let mut ledger = Ledger::open(&dir.path().join("home")).unwrap();
        let opts = IngestOptions {
            roots: std::collections::HashMap::from([(Harness::ClaudeCode, vec![root])]),
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        };
        ingest(&mut ledger, &opts).unwrap();
        let removed = reset_derived(&mut ledger, Some(&[Harness::Codex])).unwrap();
        assert_eq!(removed, ResetReport::default());
        assert_eq!(counts(&ledger).0, 2);

        let bad = IngestOptions {
            session_file: Some("x.jsonl".into()),
            ..Default::default()
        };
        let err = rebuild(&mut ledger, &bad).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert_eq!(
            counts(&ledger).0,
            2,
            "nothing reset when the options are refused"
        );
    }

    /// An ingest that planned before a reset (a hook or watch beside `burn state rebuild`)
    /// must not write a resumed file's tail behind a cursor: the reset deleted its head.
    #[test]
    fn a_pass_planned_before_a_reset_leaves_no_hole() {
        let dir = tempfile::tempdir().unwrap();
        let root = claude_store(dir.path());
        let file = std::path::Path::new(&root)
            .join("projects")
            .join("-work-app")
            .join("s1.jsonl");
        let mut ledger = Ledger::open(&dir.path().join("home")).unwrap();
        let opts = IngestOptions {
            roots: std::collections::HashMap::from([(Harness::ClaudeCode, vec![root])]),
            harnesses: Some(vec![Harness::ClaudeCode]),
            ..Default::default()
        };
        ingest(&mut ledger, &opts).unwrap();
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(&text.replace("m1", "m3").replace("m2", "m4"));
        std::fs::write(&file, text).unwrap();

        // Plan (resuming past m1, m2), then a rebuild's reset lands, then the stale pass writes.
        let files = super::super::discover::discover_claude(
            &super::super::discover::claude_projects_dirs(&super::super::sources::roots_of(
                Harness::ClaudeCode,
                opts.roots_of(Harness::ClaudeCode),
            )),
        );
        let mut report = IngestReport::default();
        let jobs = super::super::plan::plan(
            &ledger,
            &opts,
            super::super::Files::Given(files),
            None,
            &mut report,
        )
        .unwrap()
        .jobs;
        assert!(jobs.iter().all(|j| j.resume.is_some()));
        reset_derived(&mut ledger, None).unwrap();
        super::super::run_jobs(
            &mut ledger,
            jobs,
            &opts,
            crate::content::Capture::default(),
            &mut None,
            &mut report,
        )
        .unwrap();
        assert_eq!(
            counts(&ledger).0,
            0,
            "the stale tail was dropped, not written behind a cursor"
        );

        // The next pass reads the whole file: nothing is missing.
        ingest(&mut ledger, &opts).unwrap();
        assert_eq!(counts(&ledger).0, 4);
    }

    /// Every table is either derived (reset by a rebuild) or kept; a migration that adds a
    /// table must say which, here and in `DERIVED_TABLES` / `KEPT_TABLES`.
    #[test]
    fn every_table_is_classified() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path()).unwrap();
        let conn = ledger.conn().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for t in &tables {
            let derived = DERIVED_TABLES.contains(&t.as_str());
            let kept = crate::ledger::KEPT_TABLES.contains(&t.as_str());
            assert!(
                derived ^ kept,
                "table {t} must be classified once: derived or kept"
            );
        }
    }
}
