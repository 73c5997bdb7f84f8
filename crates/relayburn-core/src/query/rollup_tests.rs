//! The rollup read of `summary` (whole 15-minute buckets from `turn_rollup`, whole hours from
//! `turn_hourly`, edges from the turns, groups found by the ids of their raw values) equals
//! the count of the turns themselves, in zones whose days start on the hour, the half hour and
//! the quarter hour, with tags inherited down session trees and a message stamp, and after
//! updates that move turns between hours, models and long-context classes; `turn_hourly`
//! stays the rollup per hour through every writer; and
//! `sessions` with a tag filter lists the same trees whether it names the matching sessions
//! to SQLite or walks newest first.

use super::sessions::sessions_walking_over;
use super::summary::{summary_at, summary_from_turns_at, summary_testing_rows_at};
use super::*;
use crate::ledger::Ledger;
use crate::test_store;
use crate::time::parse_instant_ms;

const MODELS: &[&str] = &[
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1-20250805",
    "gpt-5-codex",
    "no-such-model-x",
];
const HOUR: i64 = 3_600_000;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> i64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n) as i64
    }
}

/// Stamps `kv` at one fixed time (the stamp's time plays no part in these queries).
fn stamp(l: &mut Ledger, session: Option<&str>, message: Option<&str>, kv: &[(&str, &str)]) {
    test_store::stamp(l, session, message, "2026-03-01T00:00:00Z", kv);
}

/// `roots` trees of a root and three subagents (one nested), turns every few minutes over
/// ten days from `start` (so every local midnight of the zones above falls among them), some
/// over the long-context threshold; personas stamped on most roots, one subagent stamped
/// apart, one message stamped.
fn ledger(roots: usize, start: &str) -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(dir.path()).unwrap();
    let start = parse_instant_ms("start", start).unwrap();
    let mut rng = Rng(17);
    let mut n = 0;
    for r in 0..roots {
        let root = format!("root-{r}");
        let harness = ["claude-code", "codex"][r % 2];
        let members = [
            root.clone(),
            format!("{root}/a"),
            format!("{root}/b"),
            format!("{root}/a/c"),
        ];
        let begin = start + rng.below(10 * 24 * HOUR as u64);
        for (i, session) in members.iter().enumerate() {
            let model = MODELS[(r + i) % MODELS.len()];
            let project = ["/p/one", "/p/two", ""][(r + i) % 3];
            let mut ts = begin + i as i64 * 7 * 60_000;
            for _ in 0..(3 + rng.below(5)) {
                n += 1;
                let cache_read = rng.below(150_000) + if rng.below(6) == 0 { 120_000 } else { 0 };
                crate::ingest::with_upkeep(l.conn().unwrap(), |c| c.execute(
                        "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, provider,
                            project, branch, input, output, reasoning, cache_read, cache_write_5m,
                            cache_write_1h, complete, tool_calls)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, '[]')",
                        rusqlite::params![
                            n,
                            harness,
                            session,
                            format!("m{n}"),
                            ts,
                            model,
                            (!project.is_empty()).then_some(project),
                            ["main", "dev"][n as usize % 2],
                            rng.below(5_000),
                            rng.below(4_000),
                            rng.below(100),
                            cache_read,
                            rng.below(3_000),
                            rng.below(2) * 1_000,
                        ],
                    ))
                    .unwrap();
                ts += rng.below(40) * 60_000 + 1_000;
            }
        }
        {
            let conn = l.conn().unwrap();
            crate::tree::link(conn, harness, &members[1], &members[0]).unwrap();
            crate::tree::link(conn, harness, &members[2], &members[0]).unwrap();
            crate::tree::link(conn, harness, &members[3], &members[1]).unwrap();
        }
        if r % 5 != 4 {
            let persona = ["coder", "reviewer", "planner"][r % 3];
            stamp(&mut l, Some(&root), None, &[("persona", persona)]);
        }
        if r % 7 == 0 {
            stamp(&mut l, Some(&members[2]), None, &[("persona", "tester")]);
        }
    }
    stamp(&mut l, None, Some("m5"), &[("persona", "writer")]);
    (dir, l)
}

/// Group keys and integer totals equal; costs equal to the nano-dollar (sums in another order).
/// Zones whose offsets are whole hours, half hours (Kolkata, St John's) and quarter hours
/// (Kathmandu), one with a half-hour daylight shift (Lord Howe), and one with a DST change.
const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Paris",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
];

/// Summary options grouping by `dims` in `zone`.
fn grouped(dims: &[&str], zone: &str) -> SummaryOptions {
    let dims: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    let list = GroupBy::parse_list(&dims).unwrap();
    SummaryOptions {
        group_by: list[0].clone(),
        then_by: list[1..].to_vec(),
        timezone: Some(zone.to_string()),
        ..SummaryOptions::default()
    }
}

fn assert_same(a: &Summary, b: &Summary, what: &str) {
    assert_eq!(a.group_keys, b.group_keys, "{what}: keys");
    assert_eq!(a.unpriced_models, b.unpriced_models, "{what}: unpriced");
    assert_eq!(a.timezone, b.timezone, "{what}: zone");
    let strip = |t: &Totals| Totals {
        cost_usd: 0.0,
        ..t.clone()
    };
    assert_eq!(strip(&a.totals), strip(&b.totals), "{what}: totals");
    assert!(
        (a.totals.cost_usd - b.totals.cost_usd).abs() < 1e-6,
        "{what}"
    );
    assert_eq!(a.groups.len(), b.groups.len(), "{what}: groups");
    for ((ka, ta), (kb, tb)) in a.groups.iter().zip(&b.groups) {
        assert_eq!(ka, kb, "{what}");
        assert_eq!(strip(ta), strip(tb), "{what}: {ka}");
        assert!((ta.cost_usd - tb.cost_usd).abs() < 1e-6, "{what}: {ka}");
    }
}

#[test]
fn rollup_read_equals_the_turns_in_whole_half_and_quarter_hour_zones() {
    let (_d, l) = ledger(40, "2026-03-22T00:00:00Z");
    let now = parse_instant_ms("now", "2026-04-10T00:00:00Z").unwrap();
    let groupings: &[&[&str]] = &[
        &["day", "model"],
        &["day", "harness"],
        &["day", "project"],
        &["day", "tag:persona"],
        &["week", "provider"],
        &["month", "branch"],
        &["day", "week"],
        &["day", "root"],
        &["model"],
        &["tag:persona"],
    ];
    let windows: &[(Option<&str>, Option<&str>)] = &[
        (None, None),
        (Some("2026-03-24"), Some("2026-03-29")),
        (Some("2026-03-23T05:37:00Z"), Some("2026-03-30T18:52:30Z")),
        (Some("15d"), None),
    ];
    // Paris changes to summer time on 2026-03-29 inside the ten days.
    let tag_filters: &[&[(&str, &str)]] = &[&[], &[("persona", "coder")], &[("persona", "tester")]];
    let mut compared = 0;
    for zone in ZONES {
        for dims in groupings {
            for (since, until) in windows {
                for tags in tag_filters {
                    let opts = grouped(dims, zone);
                    let f = TurnFilter {
                        since: since.map(str::to_string),
                        until: until.map(str::to_string),
                        tags: tags
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        ..TurnFilter::default()
                    };
                    let rolled = summary_at(&l, &f, &opts, now).unwrap();
                    let counted = summary_from_turns_at(&l, &f, &opts, now).unwrap();
                    let what = format!("{zone} {dims:?} {since:?}..{until:?} {tags:?}");
                    assert!(counted.totals.turns > 0, "{what}: nothing counted");
                    assert_same(&rolled, &counted, &what);
                    if !tags.is_empty() {
                        let tested = summary_testing_rows_at(&l, &f, &opts, now).unwrap();
                        assert_same(&tested, &counted, &format!("{what}, rows tested"));
                    }
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 6 * 10 * 4 * 3);
}

#[test]
fn sessions_with_a_tag_filter_walk_or_name_the_same_trees() {
    let (_d, l) = ledger(30, "2026-03-22T00:00:00Z");
    for (tags, limit) in [
        (&[("persona", "coder")][..], 3),
        (&[("persona", "coder")][..], 50),
        (&[("persona", "tester")][..], 4),
        (&[("persona", "nobody")][..], 5),
    ] {
        let f = SessionsFilter {
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            limit: Some(limit),
            since: Some("2026-03-24T00:00:00Z".to_string()),
            ..SessionsFilter::default()
        };
        let named = sessions_walking_over(&l, &f, usize::MAX).unwrap();
        let walked = sessions_walking_over(&l, &f, 0).unwrap();
        assert_eq!(named, walked, "{tags:?} limit {limit}");
        if tags[0].1 != "nobody" {
            assert!(!named.is_empty(), "{tags:?}: no trees");
        }
    }
}

/// `turn_hourly` holds `turn_rollup` summed per UTC hour (rows that count nothing aside,
/// reported costs to the micro-dollar: sums in another order).
pub(crate) fn assert_hourly_is_the_rollup(conn: &rusqlite::Connection) {
    let dump = |sql: &str| crate::ledger::tests::dump_rows(conn, sql);
    let counts = "turns != 0 OR input != 0 OR output != 0 OR reasoning != 0 OR cache_read != 0
        OR cache_write_5m != 0 OR cache_write_1h != 0 OR abs(reported_cost_usd) > 1e-9";
    let from_rollup = dump(&format!(
        "SELECT * FROM (
            SELECT bucket_ms - ((bucket_ms % 3600000) + 3600000) % 3600000 AS hour_ms, harness,
                   model, provider, ctx, sum(turns) AS turns, sum(input) AS input,
                   sum(output) AS output, sum(reasoning) AS reasoning, sum(cache_read) AS cache_read,
                   sum(cache_write_5m) AS cache_write_5m, sum(cache_write_1h) AS cache_write_1h,
                   round(sum(reported_cost_usd), 6) AS reported_cost_usd
            FROM turn_rollup GROUP BY 1, 2, 3, 4, 5)
         WHERE {counts} ORDER BY 1, 2, 3, 4, 5"
    ));
    let hourly = dump(&format!(
        "SELECT hour_ms, harness, model, provider, ctx, turns, input, output, reasoning, cache_read,
                cache_write_5m, cache_write_1h, round(reported_cost_usd, 6)
         FROM turn_hourly WHERE {counts} ORDER BY 1, 2, 3, 4, 5"
    ));
    assert!(!from_rollup.is_empty(), "an empty rollup proves nothing");
    assert_eq!(
        hourly, from_rollup,
        "turn_hourly differs from the rollup per hour"
    );
}

/// Moves turns the way later copies do: some later by 50 minutes (into another hour, often
/// another day), some over the long-context threshold, some to another model, some with a
/// reported cost, some emptied as the snapshot writer empties a turn it drops (a priced turn
/// with no tokens but a reported cost counts that cost alone, a row of several turns prices
/// their tokens: a rule of every rollup read, not of the hours).
fn move_turns(l: &mut Ledger) {
    let conn = l.conn().unwrap();
    conn.execute_batch(
        "UPDATE turns SET ts_ms = ts_ms + 3000000 WHERE id % 7 = 0;
         UPDATE turns SET cache_read = cache_read + 250000 WHERE id % 11 = 0;
         UPDATE turns SET model = 'gpt-5-codex' WHERE id % 13 = 0;
         UPDATE turns SET reported_cost_usd = 0.25 WHERE id % 5 = 0;
         UPDATE turns SET input = 0, output = 0, cache_read = 0, cache_write_5m = 0,
                          cache_write_1h = 0, reported_cost_usd = NULL WHERE id % 17 = 0;",
    )
    .unwrap();
}

#[test]
fn hourly_stays_the_rollup_per_hour_through_triggers_ingest_and_reset() {
    // Per-row triggers: inserts, then updates that move turns between rows.
    let (_d, mut l) = ledger(30, "2026-03-22T00:00:00Z");
    assert_hourly_is_the_rollup(l.conn().unwrap());
    move_turns(&mut l);
    assert_hourly_is_the_rollup(l.conn().unwrap());
    l.conn()
        .unwrap()
        .execute("DELETE FROM turn_rollup WHERE bucket_ms % 7200000 = 0", [])
        .unwrap();
    assert_hourly_is_the_rollup(l.conn().unwrap());

    // The ingest writer's set-based upkeep, then a longer copy of a session (its turns
    // updated in place), then a reset of one harness (a rebuild's first step).
    let dir = tempfile::tempdir().unwrap();
    let store = test_store::Store::new(dir.path());
    let mut l = test_store::open(dir.path());
    store.session("s1", 90, None, 0);
    store.session("s2", 40, None, 50);
    store.subagent("s1", "a1", 30, 20);
    store.ingest(&mut l);
    assert_hourly_is_the_rollup(l.conn().unwrap());
    // The same messages of s2 with larger usage: the stored turns are updated.
    let grown: String = (0..40)
        .map(|t| test_store::Store::row("s2", &format!("s2-m{t}"), 50 + t, 90_000 + t, None))
        .collect();
    std::fs::write(store.project.join("s2.jsonl"), grown).unwrap();
    store.session("s3", 20, None, 130);
    store.ingest(&mut l);
    assert_hourly_is_the_rollup(l.conn().unwrap());
    let hourly = |l: &mut Ledger| -> i64 {
        l.conn()
            .unwrap()
            .query_row("SELECT count(*) FROM turn_hourly", [], |r| r.get(0))
            .unwrap()
    };
    assert!(hourly(&mut l) > 0);
    crate::ingest::reset_derived(&mut l, Some(&[crate::vocab::Harness::ClaudeCode])).unwrap();
    assert_eq!(hourly(&mut l), 0, "a reset leaves hourly rows");
}

#[test]
fn hourly_read_equals_the_turns_after_turns_move() {
    let (_d, mut l) = ledger(40, "2026-03-22T00:00:00Z");
    move_turns(&mut l);
    let now = parse_instant_ms("now", "2026-04-10T00:00:00Z").unwrap();
    let groupings: &[&[&str]] = &[
        &["day", "model"],
        &["day", "harness"],
        &["week", "provider"],
        &["month", "modelRaw"],
        &["day", "week"],
        &["harness"],
    ];
    let windows: &[(Option<&str>, Option<&str>)] = &[
        (None, None),
        (Some("2026-03-24"), Some("2026-03-29")),
        (Some("2026-03-23T05:37:00Z"), Some("2026-03-30T18:52:30Z")),
        (Some("2026-03-25T10:20:00Z"), Some("2026-03-25T11:50:00Z")),
        (Some("15d"), None),
        (None, Some("2026-03-27T13:05:00Z")),
    ];
    let filters = [
        TurnFilter::default(),
        TurnFilter {
            harness: Some("codex".into()),
            ..TurnFilter::default()
        },
        TurnFilter {
            model: Some("claude-sonnet-4-5".into()),
            ..TurnFilter::default()
        },
    ];
    let mut compared = 0;
    for zone in ZONES {
        for dims in groupings {
            for (since, until) in windows {
                for base in &filters {
                    let opts = grouped(dims, zone);
                    let f = TurnFilter {
                        since: since.map(str::to_string),
                        until: until.map(str::to_string),
                        ..base.clone()
                    };
                    let rolled = summary_at(&l, &f, &opts, now).unwrap();
                    let counted = summary_from_turns_at(&l, &f, &opts, now).unwrap();
                    let what = format!("{zone} {dims:?} {since:?}..{until:?} {base:?}");
                    if base.harness.is_none() && base.model.is_none() {
                        assert!(counted.totals.turns > 0, "{what}: nothing counted");
                    }
                    assert_same(&rolled, &counted, &what);
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 6 * 6 * 6 * 3);

    // The hourly rows are what these summaries read: without them the counts fall short.
    let opts = SummaryOptions {
        group_by: GroupBy::Day,
        timezone: Some("Asia/Kathmandu".into()),
        ..SummaryOptions::default()
    };
    let all = summary_at(&l, &TurnFilter::default(), &opts, now).unwrap();
    l.conn()
        .unwrap()
        .execute("DELETE FROM turn_hourly", [])
        .unwrap();
    let without = summary_at(&l, &TurnFilter::default(), &opts, now).unwrap();
    assert!(
        without.totals.turns < all.totals.turns,
        "turn_hourly was not read"
    );
}

/// Under the ingest writer's mark (`rollup_bulk`) rollup rows leave `turn_hourly` to the
/// writer (`Tally::write` adds their hours itself); without it the triggers keep it.
#[test]
fn the_rollup_mark_holds_the_hourly_triggers_back() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    let conn = ledger.conn().unwrap();
    let insert = |session: &str, turns: i64| {
        conn.execute(
            "INSERT INTO turn_rollup VALUES (?1, 'codex', 'm', '', '', '', 1779364800000, 0, ?2,
                 10, 1, 0, 0, 0, 0, 0.5)
             ON CONFLICT DO UPDATE SET turns = turns + excluded.turns",
            rusqlite::params![session, turns],
        )
        .unwrap();
    };
    let hourly = || -> i64 {
        conn.query_row("SELECT COALESCE(sum(turns), 0) FROM turn_hourly", [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    conn.execute("INSERT INTO rollup_bulk (id) VALUES (1)", [])
        .unwrap();
    insert("a", 2);
    insert("a", 3);
    assert_eq!(
        hourly(),
        0,
        "marked inserts and updates reached turn_hourly"
    );
    conn.execute("DELETE FROM rollup_bulk", []).unwrap();
    // A new row, then a merge into it: the insert and the update trigger.
    insert("b", 1);
    insert("b", 4);
    assert_eq!(hourly(), 5);
}
