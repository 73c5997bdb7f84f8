//! Analyses over real ledgers: turns, user turns and compactions inserted as ingest stores
//! them, expectations computed by hand from the attribution model (ARCHITECTURE.md).

use super::*;
use crate::analysis::timeline::Scope;
use crate::ledger::Ledger;
use crate::query::{summary, SummaryOptions, TurnFilter};
use crate::time::format_ms;

const T0: i64 = 1_779_364_800_000; // 2026-05-21T12:00:00Z
const SONNET: &str = "claude-sonnet-4-5-20250929";
// claude-sonnet-4-5 list prices, USD per million tokens.
const IN: f64 = 3.0;
const CR: f64 = 0.3;
const W5: f64 = 3.75;

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    (dir, ledger)
}

struct Turn<'a> {
    session: &'a str,
    message: String,
    ts: i64,
    model: &'a str,
    /// input, output, cache read, cache write 5m, cache write 1h
    usage: [i64; 5],
    /// (id, name, target)
    calls: Vec<(&'a str, &'a str, &'a str)>,
}

fn turn<'a>(session: &'a str, n: i64, ts: i64, usage: [i64; 5]) -> Turn<'a> {
    Turn {
        session,
        message: format!("{session}-m{n}"),
        ts,
        model: SONNET,
        usage,
        calls: Vec::new(),
    }
}

fn insert(l: &Ledger, t: &Turn<'_>) {
    insert_in(l, "claude-code", t);
}

fn insert_in(l: &Ledger, harness: &str, t: &Turn<'_>) {
    let calls: Vec<serde_json::Value> = t
        .calls
        .iter()
        .map(|(id, name, target)| {
            serde_json::json!({"id": id, "name": name, "target": target, "argsHash": "0"})
        })
        .collect();
    let [input, output, cr, w5, w1] = t.usage;
    crate::ingest::with_upkeep(l.conn().unwrap(), |c| c.execute(
            "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, project,
                input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
             VALUES (?1, ?12, ?2, ?3, ?4, ?5, '/p', ?6, ?7, 0, ?8, ?9, ?10, 1, ?11)",
            rusqlite::params![
                crate::hash::id64(&format!("t|{harness}|{}|{}", t.session, t.message)),
                t.session,
                t.message,
                t.ts,
                t.model,
                input,
                output,
                cr,
                w5,
                w1,
                serde_json::to_string(&calls).unwrap(),
                harness
            ],
        ))
        .unwrap();
}

/// A user turn carrying tool results `(tool_use_id, bytes)`.
fn results(l: &Ledger, session: &str, ts: i64, blocks: &[(&str, i64)]) {
    results_in(l, "claude-code", session, ts, blocks);
}

fn results_in(l: &Ledger, harness: &str, session: &str, ts: i64, blocks: &[(&str, i64)]) {
    let blocks: Vec<serde_json::Value> = blocks
        .iter()
        .map(|(id, bytes)| {
            serde_json::json!({"kind": "tool_result", "toolUseId": id, "bytes": bytes,
                               "approxTokens": (bytes + 3) / 4})
        })
        .collect();
    l.conn()
        .unwrap()
        .execute(
            "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, preceding_message_id, blocks)
             VALUES (?1, ?6, ?2, ?3, ?4, NULL, ?5)",
            rusqlite::params![
                crate::hash::id64(&format!("u|{harness}|{session}|{ts}")),
                session,
                format!("u-{ts}"),
                ts,
                serde_json::to_string(&blocks).unwrap(),
                harness
            ],
        )
        .unwrap();
}

fn compaction(l: &Ledger, session: &str, ts: i64, before: Option<i64>) {
    l.conn()
        .unwrap()
        .execute(
            "INSERT INTO compactions (id, harness, session_id, ts_ms, preceding_message_id, tokens_before)
             VALUES (?1, 'claude-code', ?2, ?3, NULL, ?4)",
            rusqlite::params![
                crate::hash::id64(&format!("c|{session}|{ts}")),
                session,
                ts,
                before
            ],
        )
        .unwrap();
}

fn hot(l: &Ledger, by: HotspotBy, filter: TurnFilter) -> Hotspots {
    hotspots(
        l,
        &HotspotsOptions {
            scope: Scope {
                filter,
                ..Scope::default()
            },
            by,
            limit: None,
        },
    )
    .unwrap()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// A Read of a 40 KB file, then `n` turns that re-read it from cache.
fn read_40k(l: &Ledger, n: i64) {
    let mut a = turn("s1", 0, T0, [100, 50, 0, 2_000, 0]);
    a.calls = vec![("r1", "Read", "/src/big.rs")];
    insert(l, &a);
    results(l, "s1", T0 + 1_000, &[("r1", 40_000)]);
    insert(l, &turn("s1", 1, T0 + 2_000, [500, 100, 2_000, 12_000, 0]));
    for k in 0..n {
        insert(
            l,
            &turn("s1", 2 + k, T0 + 3_000 + k * 1_000, [10, 20, 14_000, 0, 0]),
        );
    }
}

#[test]
fn a_40k_read_is_paid_fresh_once_then_as_cache_reads() {
    let (_d, l) = open();
    let n = 5;
    read_40k(&l, n);
    let h = hot(&l, HotspotBy::Tool, TurnFilter::default());
    assert_eq!(h.rows.len(), 1);
    let r = &h.rows[0];
    assert_eq!(r.key, "Read");
    assert_eq!((r.calls, r.result_bytes), (1, 40_000));
    // 40,000 bytes ≈ 10,000 tokens: new to the next turn (its fresh pool is 12,500), then read
    // from cache by each of the n turns after it.
    assert_eq!(r.fresh_tokens, 10_000);
    assert_eq!(r.cache_read_tokens, 10_000 * n);
    let fresh_rate = (500.0 * IN + 12_000.0 * W5) / 12_500.0 / 1e6;
    let expected = 10_000.0 * fresh_rate + (10_000 * n) as f64 * CR / 1e6;
    close(r.cost_usd, expected);
    close(h.attributed_cost_usd, expected);
    assert_eq!(h.attributed_tokens, 10_000 * (n + 1));
    // The window's totals are summary's.
    let s = summary(&l, &TurnFilter::default(), &SummaryOptions::default()).unwrap();
    assert_eq!(h.totals, s.totals);
    // By file: the same figures under the path; by command: nothing.
    let f = hot(&l, HotspotBy::File, TurnFilter::default());
    assert_eq!(f.rows[0].key, "/src/big.rs");
    assert_eq!(f.rows[0].tokens(), 10_000 * (n + 1));
    assert!(hot(&l, HotspotBy::Command, TurnFilter::default())
        .rows
        .is_empty());
}

#[test]
fn a_window_attributes_only_its_turns() {
    let (_d, l) = open();
    read_40k(&l, 4);
    // From the third turn on: the result was paid fresh before the window, the call was made
    // before it too; only the 4 cache reads are in.
    let h = hot(
        &l,
        HotspotBy::Tool,
        TurnFilter {
            since: Some(format_ms(T0 + 2_500)),
            ..TurnFilter::default()
        },
    );
    let r = &h.rows[0];
    assert_eq!((r.calls, r.result_bytes, r.fresh_tokens), (0, 0, 0));
    assert_eq!(r.cache_read_tokens, 40_000);
    assert_eq!(h.totals.turns, 4);
}

#[test]
fn grants_never_exceed_the_turns_pools() {
    let (_d, l) = open();
    let mut a = turn("s1", 0, T0, [10, 10, 0, 0, 0]);
    a.calls = vec![("b1", "Bash", "ls -la"), ("r1", "Read", "/a.rs")];
    insert(&l, &a);
    results(&l, "s1", T0 + 1_000, &[("b1", 8_000), ("r1", 4_000)]);
    // 3,000 tokens of results, a fresh pool of 1,500 and a cache-read pool of 600.
    insert(&l, &turn("s1", 1, T0 + 2_000, [500, 10, 0, 1_000, 0]));
    insert(&l, &turn("s1", 2, T0 + 3_000, [0, 10, 600, 0, 0]));
    let h = hot(&l, HotspotBy::Tool, TurnFilter::default());
    let bash = h.rows.iter().find(|r| r.key == "Bash").unwrap();
    let read = h.rows.iter().find(|r| r.key == "Read").unwrap();
    assert_eq!((bash.fresh_tokens, read.fresh_tokens), (1_000, 500));
    assert_eq!((bash.cache_read_tokens, read.cache_read_tokens), (400, 200));
    let c = hot(&l, HotspotBy::Command, TurnFilter::default());
    assert_eq!(c.rows.len(), 1);
    assert_eq!(c.rows[0].key, "ls -la");
    assert_eq!(c.rows[0].tokens(), 1_400);
}

#[test]
fn a_compaction_drops_earlier_results() {
    let (_d, l) = open();
    read_40k(&l, 1);
    compaction(&l, "s1", T0 + 10_000, Some(30_000));
    insert(&l, &turn("s1", 9, T0 + 11_000, [10, 10, 14_000, 0, 0]));
    let h = hot(&l, HotspotBy::Tool, TurnFilter::default());
    // Fresh once, one cache read before the compaction, nothing after it.
    assert_eq!(h.rows[0].tokens(), 20_000);
}

#[test]
fn subagents_are_attributed_their_own_turns() {
    let (_d, l) = open();
    insert(&l, &turn("p", 0, T0, [100, 100, 0, 0, 0]));
    insert(
        &l,
        &turn("p/agent-1", 0, T0 + 1_000, [1_000, 200, 300, 0, 0]),
    );
    insert(&l, &turn("p/agent-1", 1, T0 + 2_000, [10, 20, 30, 40, 0]));
    l.conn()
        .unwrap()
        .execute(
            "UPDATE sessions SET relationship = 'subagent', parent_session_id = 'p' WHERE session_id = 'p/agent-1'",
            [],
        )
        .unwrap();
    let h = hot(&l, HotspotBy::Subagent, TurnFilter::default());
    assert_eq!(h.rows.len(), 1);
    let r = &h.rows[0];
    assert_eq!(r.key, "p/agent-1");
    assert_eq!(r.calls, 2);
    assert_eq!(r.tokens(), 1_000 + 200 + 300 + 10 + 20 + 30 + 40);
    let expected = (1_010.0 * IN + 220.0 * 15.0 + 330.0 * CR + 40.0 * W5) / 1e6;
    close(r.cost_usd, expected);
}

/// Deterministic generated sessions: every dimension's rows add up to at most the totals,
/// and the totals equal `summary`'s for the same filter.
#[test]
fn rows_never_add_up_to_more_than_the_window() {
    let (_d, l) = open();
    let mut seed: u64 = 7;
    let mut rnd = |n: i64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % n as u64) as i64
    };
    const NAMES: &[(&str, &str)] = &[
        ("Read", "/a.rs"),
        ("Read", "/b.rs"),
        ("Bash", "cargo test"),
        ("Edit", "/a.rs"),
        ("Grep", "fn main"),
    ];
    let ids: Vec<String> = (0..400).map(|i| format!("c{i}")).collect();
    let mut next_id = 0;
    for s in 0..4 {
        let session = ["s0", "s1", "s2", "s3"][s];
        let mut ts = T0 + s as i64 * 10_000_000;
        for k in 0..40 {
            let mut t = turn(
                session,
                k,
                ts,
                [
                    rnd(3_000),
                    rnd(2_000),
                    rnd(40_000),
                    rnd(9_000),
                    rnd(2) * rnd(5_000),
                ],
            );
            let mut made = Vec::new();
            for _ in 0..rnd(3) {
                let (name, target) = NAMES[rnd(NAMES.len() as i64) as usize];
                t.calls.push((ids[next_id].as_str(), name, target));
                made.push((ids[next_id].as_str(), rnd(200_000)));
                next_id += 1;
            }
            insert(&l, &t);
            if !made.is_empty() {
                results(&l, session, ts + 500, &made);
            }
            if rnd(15) == 0 {
                compaction(&l, session, ts + 700, None);
            }
            ts += 1_000 + rnd(400_000);
        }
    }
    for filter in [
        TurnFilter::default(),
        TurnFilter {
            since: Some(format_ms(T0 + 10_000_000)),
            until: Some(format_ms(T0 + 25_000_000)),
            ..TurnFilter::default()
        },
        TurnFilter {
            session: Some("s2".into()),
            ..TurnFilter::default()
        },
    ] {
        let s = summary(&l, &filter, &SummaryOptions::default()).unwrap();
        for by in [
            HotspotBy::Tool,
            HotspotBy::File,
            HotspotBy::Command,
            HotspotBy::Subagent,
        ] {
            let h = hot(&l, by, filter.clone());
            assert_eq!(h.totals, s.totals);
            assert!(h.attributed_tokens <= s.totals.total_tokens());
            assert!(h.attributed_cost_usd <= s.totals.cost_usd);
            let fresh: i64 = h.rows.iter().map(|r| r.fresh_tokens).sum();
            let read: i64 = h.rows.iter().map(|r| r.cache_read_tokens).sum();
            assert!(fresh <= s.totals.input + s.totals.cache_write_5m + s.totals.cache_write_1h);
            assert!(read <= s.totals.cache_read);
            if by == HotspotBy::Tool && filter.session.is_none() && filter.since.is_none() {
                // Big results against random pools: something is attributed.
                assert!(h.attributed_tokens > 0);
            }
        }
    }
}

#[test]
fn overhead_splits_a_session_by_hand() {
    let (_d, l) = open();
    let min = 60_000;
    // 1: writes 1,000 (read by 2, a minute later).
    insert(&l, &turn("s1", 0, T0, [10, 100, 0, 1_000, 0]));
    // 2: reads 1,000, writes 500 that nobody reads (next turn 10 minutes later).
    insert(&l, &turn("s1", 1, T0 + min, [0, 100, 1_000, 500, 0]));
    // 3: writes 300 for an hour, read 30 minutes later by 4.
    insert(&l, &turn("s1", 2, T0 + 11 * min, [5, 100, 0, 0, 300]));
    // A compaction of a 50,000-token context; 4 and 5 start from 3,000 and 5,000 tokens.
    compaction(&l, "s1", T0 + 31 * min, Some(50_000));
    insert(&l, &turn("s1", 3, T0 + 41 * min, [1_000, 100, 2_000, 0, 0]));
    insert(&l, &turn("s1", 4, T0 + 42 * min, [0, 100, 5_000, 0, 0]));
    let o = overhead(&l, &OverheadOptions::default()).unwrap();
    assert_eq!(o.sessions.len(), 1);
    let r = &o.sessions[0];
    assert_eq!(r.turns, 5);
    assert_eq!(r.cache_read_tokens, 8_000);
    close(r.cache_read_cost_usd, 8_000.0 * CR / 1e6);
    assert_eq!(r.new_tokens, 1_015 + 500 + 1_500 + 300);
    assert_eq!(r.cache_write_tokens, 1_800);
    assert_eq!(r.unread_cache_write_tokens, 500);
    close(r.unread_cache_write_cost_usd, 500.0 * W5 / 1e6);
    assert_eq!(r.compactions, 1);
    // 50,000 − 3,000 (the first prompt after it) kept out of turns 4 and 5.
    assert_eq!(r.compaction_saved_tokens, 2 * 47_000);
    close(r.compaction_saved_usd, 94_000.0 * CR / 1e6);
    close(r.cost_usd, r.cache_read_cost_usd + r.new_cost_usd);
    let s = summary(&l, &TurnFilter::default(), &SummaryOptions::default()).unwrap();
    assert_eq!(o.window, s.totals);
    close(r.cost_usd, s.totals.cost_usd);
    assert_eq!(o.totals.turns, 5);
}

#[test]
fn compare_puts_models_side_by_side() {
    let (_d, l) = open();
    let mut a = turn("s1", 0, T0, [1_000, 2_000, 3_000, 0, 0]);
    a.calls = vec![("x", "Read", "/a"), ("y", "Bash", "ls")];
    insert(&l, &a);
    insert(&l, &turn("s1", 1, T0 + 1_000, [1_000, 0, 1_000, 0, 0]));
    let mut h = turn("s2", 0, T0, [500, 500, 0, 500, 0]);
    h.model = "claude-haiku-4-5-20251001";
    h.calls = vec![("z", "Read", "/b")];
    insert(&l, &h);
    let c = compare(&l, &CompareOptions::default()).unwrap();
    assert_eq!(c.rows.len(), 2);
    let s = &c.rows[0];
    assert_eq!(s.model, "claude-sonnet-4-5");
    assert_eq!((s.totals.turns, s.tool_calls), (2, 2));
    let cost = (2_000.0 * IN + 2_000.0 * 15.0 + 4_000.0 * CR) / 1e6;
    close(s.totals.cost_usd, cost);
    close(s.cost_per_turn.unwrap(), cost / 2.0);
    close(s.cost_per_1k_output_tokens.unwrap(), cost / 2.0);
    close(s.cache_hit_ratio.unwrap(), 4_000.0 / 6_000.0);
    close(s.tokens_per_tool_call.unwrap(), 8_000.0 / 2.0);
    // Asked by name: in that order, a model without turns listed with no ratios.
    let c = compare(
        &l,
        &CompareOptions {
            models: vec![
                "claude-haiku-4-5".into(),
                "gpt-5".into(),
                "anthropic/claude-sonnet-4-5".into(),
            ],
            ..CompareOptions::default()
        },
    )
    .unwrap();
    let keys: Vec<&str> = c.rows.iter().map(|r| r.model.as_str()).collect();
    assert_eq!(keys, ["claude-haiku-4-5", "gpt-5", "claude-sonnet-4-5"]);
    assert_eq!(c.rows[1].totals.turns, 0);
    assert_eq!(c.rows[1].cost_per_turn, None);
    assert_eq!(c.rows[0].tool_calls, 1);
}

#[test]
fn options_are_validated() {
    let (_d, l) = open();
    let field = |e: crate::Error| (e.code(), e.field().map(str::to_string));
    let bad_limit = hotspots(
        &l,
        &HotspotsOptions {
            limit: Some(0),
            ..HotspotsOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(field(bad_limit), ("INVALID_ARGUMENT", Some("limit".into())));
    let too_big = overhead(
        &l,
        &OverheadOptions {
            limit: Some(MAX_LIMIT + 1),
            ..OverheadOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(field(too_big).1.as_deref(), Some("limit"));
    assert_eq!(
        field(HotspotBy::parse("by", "files").unwrap_err())
            .1
            .as_deref(),
        Some("by")
    );
    assert_eq!(HotspotBy::parse("by", " File ").unwrap(), HotspotBy::File);
    let blank = compare(
        &l,
        &CompareOptions {
            models: vec!["a".into(), " ".into()],
            ..CompareOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(field(blank).1.as_deref(), Some("models.1"));
    let many = compare(
        &l,
        &CompareOptions {
            models: (0..51).map(|i| format!("m{i}")).collect(),
            ..CompareOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(field(many).1.as_deref(), Some("models"));
    let since = hotspots(
        &l,
        &HotspotsOptions {
            scope: Scope {
                filter: TurnFilter {
                    since: Some("yesterdayish".into()),
                    ..TurnFilter::default()
                },
                ..Scope::default()
            },
            ..HotspotsOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(field(since).1.as_deref(), Some("since"));
}

/// Enough sessions for the walk to split them across threads: the whole-ledger answer equals
/// the sum of the per-session answers (each read by one thread) and summary's totals.
#[test]
fn a_split_walk_adds_up_to_the_per_session_walks() {
    let (_d, l) = open();
    let names: Vec<String> = (0..300).map(|i| format!("s{i:03}")).collect();
    for (i, s) in names.iter().enumerate() {
        let ts = T0 + i as i64 * 100_000;
        let id = format!("{s}-c");
        let mut a = turn(s, 0, ts, [10, 10, 0, 100, 0]);
        let file = format!("/f{}.rs", i % 7);
        a.calls = vec![(id.as_str(), "Read", file.as_str())];
        insert(&l, &a);
        results(&l, s, ts + 10, &[(id.as_str(), 400 + i as i64)]);
        insert(&l, &turn(s, 1, ts + 20, [5, 5, 0, 1_000, 0]));
        insert(&l, &turn(s, 2, ts + 30, [5, 5, 1_000, 0, 0]));
    }
    let whole = hot(&l, HotspotBy::File, TurnFilter::default());
    let mut by_key: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for s in &names {
        let one = hot(
            &l,
            HotspotBy::File,
            TurnFilter {
                session: Some(s.clone()),
                ..TurnFilter::default()
            },
        );
        for r in one.rows {
            let e = by_key.entry(r.key).or_default();
            e.0 += r.calls;
            e.1 += r.fresh_tokens;
            e.2 += r.cache_read_tokens;
        }
    }
    let got: std::collections::BTreeMap<String, (i64, i64, i64)> = whole
        .rows
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                (r.calls, r.fresh_tokens, r.cache_read_tokens),
            )
        })
        .collect();
    assert_eq!(got, by_key);
    assert_eq!(got.len(), 7);
    let s = summary(&l, &TurnFilter::default(), &SummaryOptions::default()).unwrap();
    assert_eq!(whole.totals, s.totals);
    let o = overhead(
        &l,
        &OverheadOptions {
            limit: Some(1_000),
            ..OverheadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(o.sessions.len(), 300);
    assert_eq!(o.totals.turns, 900);
    let c = compare(&l, &CompareOptions::default()).unwrap();
    assert_eq!(c.rows[0].tool_calls, 300);
}

/// Sessions of two harnesses whose ids interleave, some ids in both: the walk's parts, its
/// streams of tool results and a `harness` filter (sought by session id) each give the sum of
/// the per-session answers (each read by one query per session).
#[test]
fn a_walk_over_two_harnesses_adds_up_per_harness_and_session() {
    let (_d, l) = open();
    let mut sessions: Vec<(&str, String)> = Vec::new();
    for i in 0..300 {
        let s = format!("s{i:03}");
        let harness = if i % 3 == 0 { "codex" } else { "claude-code" };
        sessions.push((harness, s.clone()));
        if i % 10 == 0 {
            // The same id in the other harness: two sessions, next to each other in the walk.
            let other = if harness == "codex" {
                "claude-code"
            } else {
                "codex"
            };
            sessions.push((other, s));
        }
    }
    for (i, (harness, s)) in sessions.iter().enumerate() {
        let ts = T0 + i as i64 * 100_000;
        let id = format!("{harness}-{s}-c");
        let mut a = turn(s, 0, ts, [10, 10, 0, 100, 0]);
        let file = format!("/f{}.rs", i % 7);
        a.calls = vec![(id.as_str(), "Read", file.as_str())];
        insert_in(&l, harness, &a);
        results_in(&l, harness, s, ts + 10, &[(id.as_str(), 400 + i as i64)]);
        insert_in(&l, harness, &turn(s, 1, ts + 20, [5, 5, 0, 1_000, 0]));
    }
    type Sums = std::collections::BTreeMap<String, (i64, i64, i64)>;
    let sums = |h: &Hotspots, into: &mut Sums| {
        for r in &h.rows {
            let e = into.entry(r.key.clone()).or_default();
            e.0 += r.calls;
            e.1 += r.fresh_tokens;
            e.2 += r.cache_read_tokens;
        }
    };
    let filter = |harness: Option<&str>, session: Option<&str>| TurnFilter {
        harness: harness.map(str::to_string),
        session: session.map(str::to_string),
        ..TurnFilter::default()
    };
    // Walked, not read from the derived rows (written by the same kind of walk).
    let walked = |f: TurnFilter| {
        hotspots::hotspots_walked(
            &l,
            &HotspotsOptions {
                scope: Scope {
                    filter: f,
                    ..Scope::default()
                },
                by: HotspotBy::File,
                limit: None,
            },
        )
        .unwrap()
    };
    let mut per_session = Sums::new();
    let mut per_codex_session = Sums::new();
    for (harness, s) in &sessions {
        let one = walked(filter(Some(harness), Some(s)));
        assert_eq!(one.totals.turns, 2, "{harness} {s}");
        sums(&one, &mut per_session);
        if *harness == "codex" {
            sums(&one, &mut per_codex_session);
        }
    }
    let mut whole = Sums::new();
    let all = walked(TurnFilter::default());
    sums(&all, &mut whole);
    assert_eq!(whole, per_session);
    assert_eq!(all.totals.turns, 2 * sessions.len() as i64);
    assert_eq!(hot(&l, HotspotBy::File, TurnFilter::default()), all);
    let mut codex = Sums::new();
    let by_codex = walked(filter(Some("codex"), None));
    sums(&by_codex, &mut codex);
    assert_eq!(codex, per_codex_session);
    assert_eq!(
        hot(&l, HotspotBy::File, filter(Some("codex"), None)),
        by_codex
    );
    let s = summary(&l, &filter(Some("codex"), None), &SummaryOptions::default()).unwrap();
    assert_eq!(by_codex.totals, s.totals);
    // 100 ids of codex, 20 more in both harnesses.
    assert_eq!(s.totals.turns, 2 * 120);
}

/// A `harness` filter alone makes SQLite scan the whole `turns_by_session` and sort each
/// session's rows again (the index leads with the session id); with the walk's clause beside
/// it, the harness's sessions are sought in the walk's order, with nothing left to sort. The
/// plans are of the walk's own statement, with and without that clause.
#[test]
fn a_harness_filter_seeks_its_sessions_in_the_walks_order() {
    let (_d, l) = open();
    let scope = Scope {
        filter: TurnFilter {
            harness: Some("codex".into()),
            ..TurnFilter::default()
        },
        ..Scope::default()
    };
    let mut p = timeline::prepare(&l, &scope).unwrap();
    let plan = |p: &timeline::Prepared| -> Vec<String> {
        let sh = timeline::Shared::new(p, timeline::Need::default(), None);
        let (sql, params) = timeline::turns_sql(&sh, None, None);
        let conn = l.conn().unwrap();
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = st
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                r.get::<_, String>(3)
            })
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    let sought = plan(&p);
    assert!(
        sought
            .iter()
            .any(|d| d.starts_with("SEARCH turns USING INDEX turns_by_session (session_id=?")),
        "{sought:?}"
    );
    assert!(
        !sought.iter().any(|d| d.contains("TEMP B-TREE")),
        "{sought:?}"
    );
    // The same statement without the clause: what the walk would run without it.
    p.harness = None;
    let alone = plan(&p);
    assert!(
        alone.iter().any(|d| d.starts_with("SCAN turns")),
        "{alone:?}"
    );
    assert!(alone.iter().any(|d| d.contains("TEMP B-TREE")), "{alone:?}");
}

/// The whole-ledger walk reads results and compactions as streams beside the turns: the rows
/// of sessions it skips (no turn in scope, or no turns at all) must not reach the next
/// session. Whole answers equal the per-session ones (read by one query per session).
#[test]
fn streamed_results_skip_the_sessions_out_of_scope() {
    let (_d, mut l) = open();
    let names: Vec<String> = (0..280).map(|i| format!("s{i:03}")).collect();
    for (i, s) in names.iter().enumerate() {
        let ts = T0 + i as i64 * 100_000;
        let id = format!("{s}-c");
        let tool = ["Read", "Bash", "Grep"][i % 3];
        let mut a = turn(s, 0, ts, [10, 10, 0, 100, 0]);
        a.calls = vec![(id.as_str(), tool, "x")];
        insert(&l, &a);
        results(&l, s, ts + 10, &[(id.as_str(), 4_000 + i as i64)]);
        if i % 5 == 0 {
            compaction(&l, s, ts + 15, Some(50_000));
        }
        insert(&l, &turn(s, 1, ts + 20, [5, 5, 0, 1_000, 0]));
        insert(&l, &turn(s, 2, ts + 30, [5, 5, 1_000, 0, 0]));
        // Results and a compaction of a session without turns, between two sessions.
        let orphan = format!("{s}-x");
        results(&l, &orphan, ts + 12, &[(id.as_str(), 1_000_000)]);
        compaction(&l, &orphan, ts + 13, Some(9));
        if i % 2 == 0 {
            crate::stamp::write_stamp(
                &mut l,
                &crate::stamp::StampRequest {
                    session_id: Some(s.clone()),
                    message_id: None,
                    enrichment: [("persona".to_string(), "even".to_string())]
                        .into_iter()
                        .collect(),
                    ts: Some(format_ms(T0)),
                },
            )
            .unwrap();
        }
    }
    let tags: std::collections::BTreeMap<String, String> =
        [("persona".to_string(), "even".to_string())]
            .into_iter()
            .collect();
    let whole_filter = TurnFilter {
        tags: tags.clone(),
        ..TurnFilter::default()
    };
    let one_filter = |s: &str| TurnFilter {
        session: Some(s.to_string()),
        tags: tags.clone(),
        ..TurnFilter::default()
    };
    let whole = hot(&l, HotspotBy::Tool, whole_filter.clone());
    let mut by_key: std::collections::BTreeMap<String, (i64, i64, i64, i64)> = Default::default();
    let mut overhead_sum = (0, 0.0);
    for s in &names {
        for r in hot(&l, HotspotBy::Tool, one_filter(s)).rows {
            let e = by_key.entry(r.key).or_default();
            e.0 += r.calls;
            e.1 += r.fresh_tokens;
            e.2 += r.cache_read_tokens;
            e.3 += r.result_bytes;
        }
        let o = overhead(
            &l,
            &OverheadOptions {
                scope: Scope {
                    filter: one_filter(s),
                    ..Scope::default()
                },
                limit: None,
            },
        )
        .unwrap();
        overhead_sum.0 += o.totals.compactions;
        overhead_sum.1 += o.totals.compaction_saved_usd;
    }
    let got: std::collections::BTreeMap<String, (i64, i64, i64, i64)> = whole
        .rows
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                (r.calls, r.fresh_tokens, r.cache_read_tokens, r.result_bytes),
            )
        })
        .collect();
    assert_eq!(got, by_key);
    assert_eq!(got.len(), 3);
    // No orphan result (1 MB) reached a row.
    assert!(got.values().all(|v| v.3 < 1_000_000));
    let o = overhead(
        &l,
        &OverheadOptions {
            scope: Scope {
                filter: whole_filter,
                ..Scope::default()
            },
            limit: None,
        },
    )
    .unwrap();
    assert_eq!(o.totals.compactions, overhead_sum.0);
    assert_eq!(o.totals.compactions, 28);
    close(o.totals.compaction_saved_usd, overhead_sum.1);
}

/// Tag filters fold like `summary`'s: session stamps, and a message stamp that takes one turn out.
#[test]
fn tags_filter_like_summary() {
    let (_d, mut l) = open();
    read_40k(&l, 3);
    insert(&l, &turn("s2", 0, T0, [1_000, 10, 0, 0, 0]));
    let stamp = |l: &mut Ledger, session: Option<&str>, message: Option<&str>, v: &str| {
        crate::stamp::write_stamp(
            l,
            &crate::stamp::StampRequest {
                session_id: session.map(str::to_string),
                message_id: message.map(str::to_string),
                enrichment: [("persona".to_string(), v.to_string())]
                    .into_iter()
                    .collect(),
                ts: Some(format_ms(T0)),
            },
        )
        .unwrap();
    };
    stamp(&mut l, Some("s1"), None, "reviewer");
    stamp(&mut l, None, Some("s1-m3"), "coder");
    let filter = TurnFilter {
        tags: [("persona".to_string(), "reviewer".to_string())]
            .into_iter()
            .collect(),
        ..TurnFilter::default()
    };
    let h = hot(&l, HotspotBy::Tool, filter.clone());
    let s = summary(&l, &filter, &SummaryOptions::default()).unwrap();
    assert_eq!(h.totals, s.totals);
    assert_eq!(h.totals.turns, 4);
    // The Read: fresh once, then read by the two reviewer turns left (m2, m4).
    assert_eq!(h.rows[0].tokens(), 10_000 * 3);
}

/// The derived table (`analysis_rows`) answers exactly as the direct walk: every dimension,
/// filters that cut sessions (window edges, message stamps) and those that do not, across
/// appends, a turn revised as its streamed usage grows, new results and compactions, stamps
/// and a reset of the derived rows with the rows written again.
#[test]
fn the_derived_table_answers_as_the_direct_walk() {
    let (_d, mut l) = open();
    const OPUS: &str = "claude-opus-4-1-20250805";
    let write = |l: &Ledger, from: i64, to: i64| {
        for s in ["a", "b", "c/agent-1"] {
            for n in from..to {
                let ts = T0 + n * 60_000 + if s == "b" { 7_000 } else { 0 };
                let mut t = turn(
                    s,
                    n,
                    ts,
                    [50 + n, 30, 1_000 * n, 400, if n % 3 == 0 { 90 } else { 0 }],
                );
                if s == "b" && n % 2 == 1 {
                    t.model = OPUS;
                }
                let ids: Vec<String> = (0..3).map(|c| format!("{s}-{n}-{c}")).collect();
                t.calls = vec![
                    (&ids[0], "Read", "/src/a.rs"),
                    (&ids[1], "Bash", "cargo test"),
                    (&ids[2], "Grep", "x"),
                ];
                if n % 4 == 2 {
                    t.calls[0].2 = "/src/b.rs";
                }
                insert(l, &t);
                let sizes: Vec<(&str, i64)> = ids
                    .iter()
                    .enumerate()
                    .map(|(c, id)| (id.as_str(), 1_000 * (c as i64 + 1) + n * 37))
                    .collect();
                results(l, s, ts + 10_000, &sizes);
            }
        }
    };
    write(&l, 0, 8);
    compaction(&l, "a", T0 + 4 * 60_000 + 5, Some(90_000));
    l.conn()
        .unwrap()
        .execute(
            "UPDATE sessions SET relationship = 'subagent', parent_session_id = 'a'
             WHERE session_id = 'c/agent-1'",
            [],
        )
        .unwrap();
    let mid = format_ms(T0 + 3 * 60_000 + 30_000);
    let late = format_ms(T0 + 6 * 60_000 + 1);
    let persona = |v: &str| -> std::collections::BTreeMap<String, String> {
        [("persona".to_string(), v.to_string())]
            .into_iter()
            .collect()
    };
    let filters = || {
        vec![
            TurnFilter::default(),
            TurnFilter {
                since: Some(mid.clone()),
                ..TurnFilter::default()
            },
            TurnFilter {
                until: Some(late.clone()),
                ..TurnFilter::default()
            },
            TurnFilter {
                since: Some(format_ms(T0 - 1)),
                until: Some(format_ms(T0 + 100 * 60_000)),
                ..TurnFilter::default()
            },
            TurnFilter {
                model: Some("claude-opus-4-1".into()),
                ..TurnFilter::default()
            },
            TurnFilter {
                session: Some("a".into()),
                ..TurnFilter::default()
            },
            TurnFilter {
                project: Some("/p".into()),
                ..TurnFilter::default()
            },
            TurnFilter {
                tags: persona("reviewer"),
                ..TurnFilter::default()
            },
            TurnFilter {
                tags: persona("coder"),
                since: Some(mid.clone()),
                ..TurnFilter::default()
            },
        ]
    };
    let same = |l: &Ledger, step: &str| {
        let mut tokens = 0;
        for by in [
            HotspotBy::Tool,
            HotspotBy::File,
            HotspotBy::Command,
            HotspotBy::Subagent,
        ] {
            for filter in filters() {
                let opts = HotspotsOptions {
                    scope: Scope {
                        filter: filter.clone(),
                        ..Scope::default()
                    },
                    by,
                    limit: Some(1_000),
                };
                let a = hotspots(l, &opts).unwrap();
                let b = hotspots::hotspots_walked(l, &opts).unwrap();
                let what = format!("{step}, {by:?}, {filter:?}");
                assert_eq!(a.totals.turns, b.totals.turns, "{what}");
                assert_eq!(a.totals.total_tokens(), b.totals.total_tokens(), "{what}");
                assert!(
                    (a.totals.cost_usd - b.totals.cost_usd).abs() < 2e-9,
                    "{what}"
                );
                assert_eq!(a.attributed_tokens, b.attributed_tokens, "{what}");
                assert_eq!(a.unpriced_models, b.unpriced_models, "{what}");
                assert_eq!(a.rows.len(), b.rows.len(), "{what}");
                for (x, y) in a.rows.iter().zip(&b.rows) {
                    assert_eq!(
                        (
                            &x.key,
                            x.calls,
                            x.result_bytes,
                            x.fresh_tokens,
                            x.cache_read_tokens,
                            x.output_tokens
                        ),
                        (
                            &y.key,
                            y.calls,
                            y.result_bytes,
                            y.fresh_tokens,
                            y.cache_read_tokens,
                            y.output_tokens
                        ),
                        "{what}"
                    );
                    assert!((x.cost_usd - y.cost_usd).abs() < 2e-9, "{what}");
                }
                tokens += a.attributed_tokens;
            }
        }
        for filter in filters() {
            for models in [
                Vec::new(),
                vec![OPUS.to_string(), "claude-sonnet-4-5".to_string()],
            ] {
                let opts = CompareOptions {
                    scope: Scope {
                        filter: filter.clone(),
                        ..Scope::default()
                    },
                    models,
                };
                if opts.scope.filter.model.is_some() && !opts.models.is_empty() {
                    continue;
                }
                let a = compare(l, &opts).unwrap();
                let b = compare::compare_walked(l, &opts).unwrap();
                let what = format!("{step}, compare, {opts:?}");
                assert_eq!(a.rows.len(), b.rows.len(), "{what}");
                for (x, y) in a.rows.iter().zip(&b.rows) {
                    assert_eq!(
                        (
                            &x.model,
                            x.priced,
                            x.tool_calls,
                            x.totals.turns,
                            x.totals.total_tokens()
                        ),
                        (
                            &y.model,
                            y.priced,
                            y.tool_calls,
                            y.totals.turns,
                            y.totals.total_tokens()
                        ),
                        "{what}"
                    );
                    assert!(
                        (x.totals.cost_usd - y.totals.cost_usd).abs() < 2e-9,
                        "{what}"
                    );
                }
            }
        }
        let conn = l.conn().unwrap();
        let dirty: i64 = conn
            .query_row("SELECT COUNT(*) FROM analysis_dirty", [], |r| r.get(0))
            .unwrap();
        assert_eq!(dirty, 0, "{step}: every session derived");
        let stored: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM analysis_rows WHERE dim = 'tool'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(stored > 0 && tokens > 0, "{step}: the table is used");
    };
    same(&l, "first derivation");

    // Appends: more turns, results and a compaction in every session.
    write(&l, 8, 12);
    compaction(&l, "b", T0 + 9 * 60_000 + 8_000, None);
    same(&l, "after appends");

    // A streamed turn revised: its usage grows and it gains a call.
    l.conn()
        .unwrap()
        .execute(
            "UPDATE turns SET cache_read = cache_read + 5000, input = input + 7,
                tool_calls = '[{\"id\":\"late\",\"name\":\"Edit\",\"target\":\"/src/c.rs\"}]'
             WHERE message_id = 'a-m5'",
            [],
        )
        .unwrap();
    results(&l, "a", T0 + 5 * 60_000 + 20_000, &[("late", 9_000)]);
    same(&l, "after a revision");

    // Stamps: a session (inherited by its subagent) and one message of another.
    let stamp = |l: &mut Ledger, session: Option<&str>, message: Option<&str>, v: &str| {
        crate::stamp::write_stamp(
            l,
            &crate::stamp::StampRequest {
                session_id: session.map(str::to_string),
                message_id: message.map(str::to_string),
                enrichment: persona(v),
                ts: Some(format_ms(T0)),
            },
        )
        .unwrap();
    };
    stamp(&mut l, Some("a"), None, "reviewer");
    stamp(&mut l, Some("b"), None, "reviewer");
    stamp(&mut l, None, Some("b-m9"), "coder");
    same(&l, "after stamps");

    // A reset of the derived rows (as a rebuild does), then the rows written again.
    crate::ingest::reset_derived(&mut l, None).unwrap();
    let rows: i64 = l
        .conn()
        .unwrap()
        .query_row("SELECT COUNT(*) FROM analysis_rows", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "a reset clears the derived rows");
    write(&l, 0, 12);
    l.conn()
        .unwrap()
        .execute(
            "UPDATE sessions SET relationship = 'subagent', parent_session_id = 'a'
             WHERE session_id = 'c/agent-1'",
            [],
        )
        .unwrap();
    same(&l, "after a rebuild");
}

/// A ledger written before the derived table gets it back-filled: the migration marks every
/// session and the first analysis derives them.
#[test]
fn an_older_ledger_is_back_filled() {
    let dir = tempfile::tempdir().unwrap();
    let at = crate::ledger::schema::MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE analysis_rows"))
        .expect("the analysis migration");
    {
        // The older schema, and rows written under it (no marks: its triggers did not exist).
        let conn = rusqlite::Connection::open(dir.path().join(crate::home::LEDGER_FILE)).unwrap();
        conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;")
            .unwrap();
        for sql in &crate::ledger::schema::MIGRATIONS[..at] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute("INSERT INTO schema_version VALUES (?1)", [at as i64])
            .unwrap();
        let turn = |n: i64, ts: i64, usage: [i64; 3], calls: &str| {
            conn.execute(
                "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output,
                    reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
                 VALUES (?1, 'claude-code', 's1', ?2, ?3, ?4, ?5, 10, 0, ?6, ?7, 0, 1, ?8)",
                rusqlite::params![n, format!("m{n}"), ts, SONNET, usage[0], usage[1], usage[2], calls],
            )
            .unwrap();
        };
        turn(
            1,
            T0,
            [100, 0, 2_000],
            r#"[{"id":"r1","name":"Read","target":"/src/big.rs"}]"#,
        );
        conn.execute(
            "INSERT INTO user_turns (id, harness, session_id, uuid, ts_ms, blocks)
             VALUES (1, 'claude-code', 's1', 'u1', ?1,
                     '[{\"kind\":\"tool_result\",\"toolUseId\":\"r1\",\"bytes\":40000,\"approxTokens\":10000}]')",
            [T0 + 1_000],
        )
        .unwrap();
        turn(2, T0 + 2_000, [500, 2_000, 12_000], "[]");
        turn(3, T0 + 3_000, [10, 14_000, 0], "[]");
    }
    let l = Ledger::open(dir.path()).unwrap();
    let dirty: i64 = l
        .conn()
        .unwrap()
        .query_row("SELECT COUNT(*) FROM analysis_dirty", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dirty, 1, "the migration marks the existing session");
    let opts = HotspotsOptions::default();
    let a = hotspots(&l, &opts).unwrap();
    assert_eq!(a, hotspots::hotspots_walked(&l, &opts).unwrap());
    assert_eq!(a.rows[0].key, "Read");
    assert_eq!(a.rows[0].tokens(), 10_000 * 2);
}

/// A ledger that cannot be written at the moment still answers (by the walk).
#[test]
fn a_ledger_that_cannot_be_written_is_walked() {
    let (_d, l) = open();
    read_40k(&l, 3);
    l.conn()
        .unwrap()
        .execute_batch("PRAGMA query_only = 1")
        .unwrap();
    let opts = HotspotsOptions::default();
    let a = hotspots(&l, &opts).unwrap();
    assert_eq!(a.rows[0].tokens(), 10_000 * 4);
    assert_eq!(a, hotspots::hotspots_walked(&l, &opts).unwrap());
    let dirty: i64 = l
        .conn()
        .unwrap()
        .query_row("SELECT COUNT(*) FROM analysis_dirty", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dirty, 1, "nothing was derived");
    l.conn()
        .unwrap()
        .execute_batch("PRAGMA query_only = 0")
        .unwrap();
}
