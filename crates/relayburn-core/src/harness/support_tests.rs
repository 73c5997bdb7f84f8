//! Test helpers of the Copilot CLI, Kimi and Grok scenario tests: a temporary home, ingest
//! through the real pipeline into a real ledger, and the per-harness sums read back.

use crate::ingest::{ingest, IngestOptions, IngestReport};
use crate::ledger::Ledger;
use crate::vocab::Harness;
use std::path::{Path, PathBuf};

/// Sums of a harness's turns: (turns, input, output, reasoning, cache read, cache write 5m).
pub type Totals = (i64, i64, i64, i64, i64, i64);

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub ledger: Ledger,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("ledger-home");
        // The fixtures are dated months back: keep their content whatever today is.
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join("config.json"),
            r#"{"content": {"mode": "full", "ttlDays": "forever"}}"#,
        )
        .unwrap();
        let ledger = Ledger::open(&home).unwrap();
        Fixture { dir, ledger }
    }

    /// A path under the fixture (the harness home lives under `home/`).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `text` to `rel` (parents created).
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn append(&self, rel: &str, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path(rel))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Ingests `harness` with `home` (under the fixture) as its only root.
    pub fn ingest(&mut self, harness: Harness, home: &str) -> IngestReport {
        let root = self.path(home).to_string_lossy().into_owned();
        let opts = IngestOptions {
            harnesses: Some(vec![harness]),
            ..Default::default()
        }
        .with_roots(harness, vec![root]);
        ingest(&mut self.ledger, &opts).unwrap()
    }

    pub fn totals(&self, harness: Harness) -> Totals {
        self.ledger
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*), coalesce(sum(input),0), coalesce(sum(output),0),
                        coalesce(sum(reasoning),0), coalesce(sum(cache_read),0),
                        coalesce(sum(cache_write_5m),0)
                 FROM turns WHERE harness = ?1",
                [harness.as_str()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .unwrap()
    }

    /// One column of the session row.
    pub fn session(&self, harness: Harness, id: &str, column: &str) -> Option<String> {
        self.ledger
            .conn()
            .unwrap()
            .query_row(
                &format!("SELECT {column} FROM sessions WHERE harness = ?1 AND session_id = ?2"),
                [harness.as_str(), id],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten()
    }

    /// (session, model, input, output) of each turn, ordered.
    pub fn turns(&self, harness: Harness) -> Vec<(String, String, i64, i64)> {
        let conn = self.ledger.conn().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT session_id, model, input, output FROM turns WHERE harness = ?1
                 ORDER BY session_id, model, input, output",
            )
            .unwrap();
        stmt.query_map([harness.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// The user prompts the content store holds for a session, in order.
    pub fn prompts(&self, harness: Harness, session: &str) -> Vec<String> {
        crate::content::session_content(self.ledger.home(), harness, session)
            .unwrap()
            .into_iter()
            .filter(|m| m.role == "user")
            .flat_map(|m| m.blocks)
            .filter_map(|b| b.text)
            .collect()
    }

    /// The sum of the costs the harness reported for its turns (USD).
    pub fn reported_cost(&self, harness: Harness) -> f64 {
        self.ledger
            .conn()
            .unwrap()
            .query_row(
                "SELECT coalesce(sum(reported_cost_usd), 0) FROM turns WHERE harness = ?1",
                [harness.as_str()],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Number of rows of a table for a harness.
    pub fn count(&self, table: &str, harness: Harness) -> i64 {
        self.ledger
            .conn()
            .unwrap()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE harness = ?1"),
                [harness.as_str()],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Tool calls (JSON) of the turns of a harness, concatenated.
    pub fn tool_calls(&self, harness: Harness) -> String {
        self.ledger
            .conn()
            .unwrap()
            .query_row(
                "SELECT group_concat(tool_calls, '') FROM turns WHERE harness = ?1",
                [harness.as_str()],
                |r| r.get::<_, Option<String>>(0),
            )
            .unwrap()
            .unwrap_or_default()
    }
}

/// Sets a file's mtime into the past, so ingest takes it as idle (its last line is final).
pub fn age(path: &Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(old).unwrap();
}
