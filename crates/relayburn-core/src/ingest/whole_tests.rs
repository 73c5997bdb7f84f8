//! Ingest of whole documents and Kilo CLI's database, end to end into a ledger: a rewrite is
//! re-read without doubling, a revised entry replaces its earlier usage, the same task or
//! thread reached twice counts once, an unchanged store costs only a stat.

use super::*;
use crate::harness::amp::tests as amp;
use crate::harness::cline::tests as cline;
use std::path::Path;

struct Fixture {
    home: tempfile::TempDir,
    store: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            home: tempfile::tempdir().unwrap(),
            store: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self, sub: &str) -> String {
        self.store.path().join(sub).to_string_lossy().into_owned()
    }

    fn opts(&self) -> IngestOptions {
        IngestOptions {
            harnesses: Some(vec![
                Harness::Amp,
                Harness::Kilo,
                Harness::Cline,
                Harness::RooCode,
                Harness::KiloCode,
            ]),
            content_mode: Some(ContentMode::Off),
            ..Default::default()
        }
        .with_roots(Harness::Amp, vec![self.root("amp")])
        .with_roots(Harness::Kilo, vec![self.root("kilo")])
        .with_roots(Harness::Cline, vec![self.root("Code/User")])
        .with_roots(Harness::RooCode, vec![self.root("Code/User")])
        .with_roots(Harness::KiloCode, vec![self.root("Code/User")])
    }

    fn ingest(&self) -> IngestReport {
        let mut ledger = Ledger::open(self.home.path()).unwrap();
        ingest(&mut ledger, &self.opts()).unwrap()
    }

    /// (turns, sum of all tokens) of one harness.
    fn totals(&self, h: Harness) -> (i64, i64) {
        let ledger = Ledger::open(self.home.path()).unwrap();
        ledger
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*), coalesce(sum(input + output + cache_read + cache_write_5m + cache_write_1h), 0)
                 FROM turns WHERE harness = ?1",
                [h.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.store.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        bump(&path);
    }
}

/// Moves the mtime forward, so a rewrite within the same millisecond is still a change.
fn bump(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    f.set_modified(later).unwrap();
}

const TASK: &str =
    "Code/User/globalStorage/saoudrizwan.claude-dev/tasks/1767225600000/ui_messages.json";

#[test]
fn an_amp_thread_rewritten_whole_is_reread_without_doubling() {
    let f = Fixture::new();
    let m1 = amp::assistant(
        1,
        "2026-01-01T00:00:05.000Z",
        "claude-sonnet-4-5",
        [10, 20, 30, 40],
    );
    let m2 = amp::assistant(
        3,
        "2026-01-01T00:01:05.000Z",
        "claude-sonnet-4-5",
        [1, 2, 3, 4],
    );
    let path = "amp/threads/T-1.json";
    f.write(path, &amp::thread("T-1", vec![m1.clone()]).to_string());
    f.ingest();
    assert_eq!(f.totals(Harness::Amp), (1, 100));
    // Amp rewrites the file with one more exchange.
    let user = amp::user(2, "and now?", 1767225660000);
    f.write(
        path,
        &amp::thread("T-1", vec![m1.clone(), user, m2]).to_string(),
    );
    let r = f.ingest();
    assert_eq!((r.turns_added, r.files_changed), (1, 1));
    assert_eq!(f.totals(Harness::Amp), (2, 110));
    // Unchanged: only a stat.
    let r = f.ingest();
    assert_eq!((r.files_changed, r.bytes_read), (0, 0));
    // The same thread under a second data dir is one thread.
    f.write(
        "amp2/threads/T-1.json",
        &amp::thread("T-1", vec![m1]).to_string(),
    );
    let mut opts = f.opts();
    opts.roots
        .insert(Harness::Amp, vec![f.root("amp"), f.root("amp2")]);
    let mut ledger = Ledger::open(f.home.path()).unwrap();
    ingest(&mut ledger, &opts).unwrap();
    assert_eq!(f.totals(Harness::Amp), (2, 110));
}

#[test]
fn a_task_request_revised_on_rewrite_replaces_its_usage() {
    let f = Fixture::new();
    let doc = |info: serde_json::Value| {
        serde_json::json!([
            cline::say(1767225600000, "task", "fix it"),
            cline::req(1767225601000, info)
        ])
        .to_string()
    };
    // In flight: no call yet.
    f.write(
        TASK,
        &doc(serde_json::json!({"request": "<task>fix it</task>"})),
    );
    f.ingest();
    assert_eq!(f.totals(Harness::Cline), (0, 0));
    // Cancelled mid-stream: what was streamed so far is billed.
    f.write(
        TASK,
        &doc(
            serde_json::json!({"request": "x", "tokensIn": 10, "tokensOut": 5,
        "cacheWrites": 0, "cacheReads": 0, "cost": 0.0, "cancelReason": "streaming_failed"}),
        ),
    );
    f.ingest();
    assert_eq!(f.totals(Harness::Cline), (1, 15));
    // The extension rewrites the entry with the final usage: the same turn, new counts.
    f.write(TASK, &doc(cline::done(10, 50, 0, 100, 0.01)));
    let r = f.ingest();
    assert_eq!((r.turns_added, r.turns_updated), (0, 1));
    assert_eq!(f.totals(Harness::Cline), (1, 160));
    // Read again from scratch (cursor lost): nothing doubles.
    let ledger = Ledger::open(f.home.path()).unwrap();
    ledger
        .conn()
        .unwrap()
        .execute("DELETE FROM cursors", [])
        .unwrap();
    f.ingest();
    assert_eq!(f.totals(Harness::Cline), (1, 160));
}

#[test]
fn the_three_extensions_are_told_apart_and_vscode_layouts_are_found() {
    let f = Fixture::new();
    let doc =
        serde_json::json!([cline::req(1767225601000, cline::done(1, 2, 3, 4, 0.0))]).to_string();
    f.write(TASK, &doc);
    f.write(
        "Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks/t-roo/ui_messages.json",
        &doc,
    );
    f.write(
        "Code/User/globalStorage/kilocode.kilo-code/tasks/t-kilo/ui_messages.json",
        &doc,
    );
    f.ingest();
    for h in [Harness::Cline, Harness::RooCode, Harness::KiloCode] {
        assert_eq!(f.totals(h), (1, 10), "{h:?}");
    }
    // A root that is the extension's own storage dir (a custom storage path) works too.
    let roots = sources::roots_of(
        Harness::RooCode,
        Some(&[f.root("Code/User/globalStorage/rooveterinaryinc.roo-cline")]),
    );
    assert_eq!(
        discover::discover_vscode_tasks(
            Harness::RooCode,
            &roots,
            &mut super::listing::Lister::plain()
        )
        .len(),
        1
    );
}

#[test]
fn the_default_vscode_user_dirs_cover_linux_macos_windows_server_and_insiders() {
    let dirs = sources::roots_of(Harness::Cline, None);
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.to_string_lossy().replace('\\', "/"))
        .collect();
    for want in [
        ".config/Code/User",
        ".config/Code - Insiders/User",
        "Library/Application Support/Code/User",
        ".vscode-server/data/User",
        ".vscode-server-insiders/data/User",
    ] {
        if std::env::var_os("XDG_CONFIG_HOME").is_some() && want.starts_with(".config") {
            continue;
        }
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} in {names:?}"
        );
    }
}

#[test]
fn kilo_cli_database_is_read_by_the_opencode_reader_under_its_own_key() {
    let f = Fixture::new();
    let dir = f.store.path().join("kilo");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("kilo.db")).unwrap();
    conn.execute_batch(
        r#"CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, directory TEXT, title TEXT, time_created INTEGER, time_updated INTEGER);
        CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, time_updated INTEGER, data TEXT);
        CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT, time_created INTEGER, time_updated INTEGER, data TEXT);
        INSERT INTO session VALUES ('ses_p', NULL, '/w', 'Parent', 1767225600000, 1767225600000);
        INSERT INTO session VALUES ('ses_c', 'ses_p', '/w', 'Child', 1767225600000, 1767225600000);
        INSERT INTO message VALUES ('msg_1', 'ses_c', 1767225600000, 1767225601000,
          '{"role":"assistant","modelID":"claude-sonnet-4-5","providerID":"kilo","time":{"created":1767225600000,"completed":1767225601000},"tokens":{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}},"cost":0.01}');
        INSERT INTO part VALUES ('prt_1', 'msg_1', 'ses_c', 1767225600000, 1767225601000,
          '{"type":"step-finish","tokens":{"input":10,"output":20,"reasoning":5,"cache":{"read":100,"write":7}}}');"#,
    )
    .unwrap();
    drop(conn);
    f.ingest();
    assert_eq!(f.totals(Harness::Kilo), (1, 142));
    assert_eq!(f.totals(Harness::OpenCode), (0, 0));
    let ledger = Ledger::open(f.home.path()).unwrap();
    let (parent, rel): (String, String) = ledger
        .conn()
        .unwrap()
        .query_row(
            "SELECT parent_session_id, relationship FROM sessions WHERE harness = 'kilo' AND session_id = 'ses_c'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((parent.as_str(), rel.as_str()), ("ses_p", "subagent"));
    // The message's cost (its step-finish part carries none) is the call's reported cost.
    let cost: Option<f64> = ledger
        .conn()
        .unwrap()
        .query_row(
            "SELECT reported_cost_usd FROM turns WHERE harness = 'kilo'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cost, Some(0.01));
    let r = f.ingest();
    assert_eq!(r.files_changed, 0, "an unchanged database costs a stat");
}

#[test]
fn a_task_replaced_by_rename_keeps_what_was_counted() {
    // Roo Code writes its files aside and renames them over (`safeWriteJson`): a new inode
    // every time. A checkpoint restore's sum must still not count the requests read before.
    let f = Fixture::new();
    let rel = "Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks/t1/ui_messages.json";
    let info = |n: i64| {
        serde_json::json!({"tokensIn": n, "tokensOut": n, "cacheWrites": 0, "cacheReads": 0,
            "apiProtocol": "anthropic"})
    };
    let before = serde_json::json!([
        cline::req(1767225601000, info(10)),
        cline::req(1767225602000, info(20)),
    ]);
    f.write(rel, &before.to_string());
    f.ingest();
    assert_eq!(f.totals(Harness::RooCode), (2, 60));
    let after = serde_json::json!([
        cline::req(1767225601000, info(10)),
        cline::say(1767225609000, "deleted_api_reqs", &info(25).to_string()),
    ]);
    let path = f.store.path().join(rel);
    let aside = path.with_extension("json.tmp");
    std::fs::write(&aside, after.to_string()).unwrap();
    std::fs::rename(&aside, &path).unwrap();
    bump(&path);
    f.ingest();
    // 10 + 20 read before, 5 more only the sum knows about.
    assert_eq!(f.totals(Harness::RooCode), (3, 70));
}
