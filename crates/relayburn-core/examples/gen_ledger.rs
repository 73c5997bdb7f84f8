//! Writes a synthetic ledger for the query bench: `turns` turns in sessions of 50, spread
//! over 180 days, across the three harnesses and a handful of models, plus `stamps` stamps
//! (by session id, and 5% by message id). Rows go through the real schema and triggers
//! (sessions, rollup, stamp folding), in one transaction. Deterministic.
//!
//! With `roots` and `subagents`, the turns are spread evenly over `roots + subagents`
//! sessions arranged as trees: one tree of `tree` sessions rooted at `bench-tree-root`
//! (each member under a random earlier one, so several levels deep), every other subagent
//! under a random root (a fifth of them under a random earlier subagent of that root).
//! Links go through `relayburn_core::tree::link`, as ingest makes them; the session stamps
//! all name roots.
//!
//! Usage: cargo run --release -p relayburn-core --example gen_ledger -- <ledger-home> [turns] [stamps] [roots subagents [tree]]
//! `GEN_LEDGER_END=<ISO instant>` moves the end of the 180 days (default 2026-11-01T00:00:00Z).
//! `GEN_LEDGER_RESULTS=1` also writes, 1 ms after each turn with tool calls, a user turn with
//! one `tool_result` block per call (0–40,000 bytes; `bench/hotspots-bench.mjs`), from its own
//! random stream, so the turns are the same with or without it.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rusqlite::{params, Connection};

/// A small deterministic generator (SplitMix64), so the bench ledger is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

const MODELS: &[(&str, &str, &str)] = &[
    ("claude-code", "claude-sonnet-4-5-20250929", "anthropic"),
    ("claude-code", "claude-opus-4-1-20250805", "anthropic"),
    ("claude-code", "claude-haiku-4-5-20251001", "anthropic"),
    ("codex", "gpt-5-codex", "openai"),
    ("opencode", "google/gemini-2.5-pro", "google"),
];
const TOOLS: &[&str] = &["Bash", "Read", "Edit", "Grep", "Write", "Task"];
const PERSONAS: &[&str] = &["reviewer", "coder", "planner", "tester", "writer"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let home = args
        .first()
        .ok_or("usage: gen_ledger <ledger-home> [turns] [stamps]")?;
    let turns: i64 = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let stamps: i64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(5_000);
    let roots: Option<i64> = args.get(3).map(|s| s.parse()).transpose()?;
    let subagents: i64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(0);
    let tree_size: i64 = args
        .get(5)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000)
        .min(subagents + 1);
    // Creates and migrates the ledger.
    let ledger = relayburn_core::open_ledger(Some(home))?;
    let path = ledger.path().to_path_buf();
    drop(ledger);

    let mut conn = Connection::open(&path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    let tx = conn.transaction()?;
    let mut rng = Rng(42);
    let results = std::env::var("GEN_LEDGER_RESULTS").is_ok_and(|v| v == "1");
    let mut rr = Rng(7);
    // The 180 days end at 2026-11-01T00:00:00Z, or at the ISO instant in `GEN_LEDGER_END`
    // (`bench/statusline-bench.mjs` passes now, so today and this month have turns).
    let end_ms: i64 = match std::env::var("GEN_LEDGER_END") {
        Ok(iso) if !iso.is_empty() => {
            relayburn_core::time::parse_instant_ms("GEN_LEDGER_END", &iso)?
        }
        _ => 1_793_491_200_000,
    };
    let span_ms: i64 = 180 * 86_400_000;
    let per_session = match roots {
        Some(r) => ((turns + r + subagents - 1) / (r + subagents)).max(1),
        None => 50,
    };
    let sessions = (turns + per_session - 1) / per_session;
    // Trees: session s is a root for s < roots (session 0 is `bench-tree-root`); the next
    // `tree_size - 1` sessions join its tree; the rest hang under random roots.
    let n_roots = roots.unwrap_or(sessions).min(sessions).max(1);
    let mut ids: Vec<String> = Vec::with_capacity(sessions as usize);
    let mut links: Vec<(usize, usize)> = Vec::new();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_roots as usize];
    let mut meta: Vec<(usize, i64)> = Vec::with_capacity(sessions as usize);
    {
        // `turns` has no insert triggers: the sessions, rollup, push entries and clock come
        // from the set-based upkeep once every row is in.
        relayburn_core::ingest::with_upkeep(&tx, |tx| {
            let mut ins = tx.prepare(
            "INSERT INTO turns (id, harness, session_id, message_id, request_id, ts_ms, model, provider,
                project, branch, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
                stop_reason, complete, tool_calls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 1, ?18)",
        )?;
            let mut ins_user = tx.prepare(
            "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
            let mut n = 0;
            for s in 0..sessions {
                let su = s as usize;
                // (parent, root of its tree)
                let parent = if s < n_roots {
                    None
                } else if s < n_roots + tree_size - 1 {
                    let m = &members[0];
                    Some((m[rng.below(m.len() as u64) as usize], 0))
                } else {
                    let r = rng.below(n_roots as u64) as usize;
                    let nested = !members[r].is_empty() && rng.below(5) == 0;
                    let m = &members[r];
                    Some((
                        if nested {
                            m[rng.below(m.len() as u64) as usize]
                        } else {
                            r
                        },
                        r,
                    ))
                };
                let (mut model_idx, mut start) = (rng.below(MODELS.len() as u64) as usize, 0);
                let session_id = match parent {
                    None if s == 0 && roots.is_some() => "bench-tree-root".to_string(),
                    None => format!("{:08x}-bench-{s:012}", rng.next() as u32),
                    Some((p, root)) => {
                        // A subagent: the root's harness, a start within its parent's activity.
                        let (pm, ps) = meta[p];
                        model_idx = if MODELS[pm].0 == "claude-code" && rng.below(3) == 0 {
                            2
                        } else {
                            pm
                        };
                        start = ps + rng.below(600_000);
                        members[root].push(su);
                        links.push((su, p));
                        format!("{}/agent-{s:08x}", ids[p])
                    }
                };
                if parent.is_none() {
                    start = end_ms - span_ms + rng.below(span_ms as u64);
                    if s == 0 {
                        members[0].push(0);
                    }
                }
                ids.push(session_id.clone());
                meta.push((model_idx, start));
                let (harness, model, provider) = MODELS[model_idx];
                let project = format!("/home/dev/project-{}", rng.below(40));
                let branch = ["main", "dev", "feature"][rng.below(3) as usize];
                for i in 0..per_session {
                    if n == turns {
                        break;
                    }
                    n += 1;
                    let message_id = format!("msg-{s}-{i}");
                    let cache_read =
                        rng.below(180_000) + if rng.below(50) == 0 { 150_000 } else { 0 };
                    let output = rng.below(4_000);
                    let reasoning = if harness == "codex" { output / 2 } else { 0 };
                    let calls: Vec<String> = (0..rng.below(3))
                    .map(|c| {
                        format!(
                            r#"{{"id":"tu-{s}-{i}-{c}","name":"{}","target":"src/lib.rs","argsHash":"0123456789abcdef"}}"#,
                            TOOLS[rng.below(TOOLS.len() as u64) as usize]
                        )
                    })
                    .collect();
                    let ts_ms = start + i * (5_000 + rng.below(60_000));
                    if results && !calls.is_empty() {
                        let blocks: Vec<String> = (0..calls.len())
                        .map(|c| {
                            let bytes = rr.below(40_000);
                            format!(
                                r#"{{"kind":"tool_result","toolUseId":"tu-{s}-{i}-{c}","bytes":{bytes},"approxTokens":{}}}"#,
                                (bytes + 3) / 4
                            )
                        })
                        .collect();
                        let uuid = format!("u-{s}-{i}");
                        ins_user.execute(params![
                            relayburn_core::hash::id64(&format!("{harness}|{session_id}|{uuid}")),
                            harness,
                            session_id,
                            uuid,
                            ts_ms + 1,
                            message_id,
                            format!("[{}]", blocks.join(",")),
                        ])?;
                    }
                    ins.execute(params![
                        relayburn_core::hash::id64(&format!("{harness}|{message_id}")),
                        harness,
                        session_id,
                        message_id,
                        format!("req-{s}-{i}"),
                        ts_ms,
                        model,
                        provider,
                        project,
                        branch,
                        rng.below(5_000),
                        output,
                        reasoning,
                        cache_read,
                        rng.below(8_000),
                        if rng.below(4) == 0 {
                            rng.below(20_000)
                        } else {
                            0
                        },
                        "end_turn",
                        format!("[{}]", calls.join(",")),
                    ])?;
                }
            }
            Ok(())
        })?;
        for &(child, parent) in &links {
            let harness: String = tx.query_row(
                "SELECT harness FROM sessions WHERE session_id = ?1",
                [&ids[child]],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE sessions SET parent_session_id = ?2, relationship = 'subagent', evidence = 'gen_ledger'
                 WHERE session_id = ?1",
                params![ids[child], ids[parent]],
            )?;
            relayburn_core::tree::link(&tx, &harness, &ids[child], &ids[parent])?;
        }
        let mut stamp = tx.prepare(
            "INSERT INTO stamps (id, session_id, message_id, enrichment, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        // Stamps name existing sessions by re-deriving their ids is not possible (random
        // prefixes), so read a sample back.
        let ids: Vec<String> = {
            let mut q = tx.prepare(
                "SELECT session_id FROM sessions WHERE parent_session_id IS NULL ORDER BY session_id",
            )?;
            let rows = q.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for k in 0..stamps {
            let session = &ids[rng.below(ids.len() as u64) as usize];
            let enrichment = format!(
                r#"{{"persona":"{}","spawner":"{}","workflowId":"wf-{}"}}"#,
                PERSONAS[rng.below(PERSONAS.len() as u64) as usize],
                if rng.below(3) == 0 { "apple" } else { "pear" },
                rng.below(1_000)
            );
            // Trees: every stamp names a root (inherited by its subagents).
            let by_message = roots.is_none() && k % 20 == 0;
            stamp.execute(params![
                format!("{k:016x}"),
                (!by_message).then_some(session.as_str()),
                by_message.then(|| format!("msg-{}-{}", rng.below(sessions as u64), rng.below(50))),
                enrichment,
                end_ms - span_ms + rng.below(span_ms as u64),
            ])?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    println!(
        "wrote {turns} turns in {sessions} sessions ({n_roots} roots, {} linked) and {stamps} stamps to {}",
        links.len(),
        path.display()
    );
    Ok(())
}
