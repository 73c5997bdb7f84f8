//! Query tests over real ledgers: turns inserted as ingest stores them (the triggers keep
//! sessions, the rollup and the clock), stamps written through `write_stamp`.

use super::summary::summary_at;
use super::*;
use crate::ledger::Ledger;
use crate::test_store::stamp;
use crate::time::parse_instant_ms;

struct T<'a> {
    session: &'a str,
    message: &'a str,
    ts: &'a str,
    model: &'a str,
    /// input, output, reasoning, cache read, cache write 5m, cache write 1h
    usage: [i64; 6],
    tools: &'a [&'a str],
}

fn base() -> T<'static> {
    T {
        session: "s1",
        message: "m1",
        ts: "2026-05-21T12:00:00Z",
        model: "claude-sonnet-4-5-20250929",
        usage: [1_000, 2_000, 0, 0, 0, 0],
        tools: &[],
    }
}

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    (dir, ledger)
}

fn insert(l: &Ledger, t: &T<'_>) {
    insert_with(l, t, "claude-code", Some("/p"), Some("main"));
}

fn insert_with(l: &Ledger, t: &T<'_>, harness: &str, project: Option<&str>, branch: Option<&str>) {
    let tools: Vec<serde_json::Value> = t
        .tools
        .iter()
        .enumerate()
        .map(|(i, n)| serde_json::json!({"id": format!("c{i}"), "name": n, "argsHash": "0"}))
        .collect();
    let [input, output, reasoning, cr, w5, w1] = t.usage;
    crate::ingest::with_upkeep(l.conn().unwrap(), |c| {
        c.execute(
            "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, provider, project, branch,
                input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15)",
            rusqlite::params![
                crate::hash::id64(&format!("{harness}|{}|{}", t.session, t.message)),
                harness,
                t.session,
                t.message,
                parse_instant_ms("ts", t.ts).unwrap(),
                t.model,
                project,
                branch,
                input,
                output,
                reasoning,
                cr,
                w5,
                w1,
                serde_json::to_string(&tools).unwrap()
            ],
        )
    })
    .unwrap();
}

fn by(l: &Ledger, f: &TurnFilter, group: &str) -> Summary {
    summary(
        l,
        f,
        &SummaryOptions {
            group_by: GroupBy::parse(group).unwrap(),
            timezone: None,
            ..SummaryOptions::default()
        },
    )
    .unwrap()
}

fn group<'s>(s: &'s Summary, key: &str) -> &'s Totals {
    &s.groups
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no group {key} in {s:?}"))
        .1
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn costs_per_model_at_list_prices_and_unpriced_models() {
    let (_d, l) = open();
    // Sonnet 4.5: 1000·3 + 2000·15 + 10000·0.3 + 4000·3.75 + 3000·6 = 69,000 µ$.
    insert(
        &l,
        &T {
            usage: [1_000, 2_000, 500, 10_000, 4_000, 3_000],
            ..base()
        },
    );
    // Long context (prompt 210k): 150000·6 + 1000·22.5 + 60000·0.6 = 958,500 µ$.
    insert(
        &l,
        &T {
            message: "m2",
            usage: [150_000, 1_000, 0, 60_000, 0, 0],
            ..base()
        },
    );
    // Codex: reasoning is inside output: 10000·1.25 + 90000·0.125 + 5000·10 = 73,750 µ$.
    insert(
        &l,
        &T {
            message: "m3",
            model: "openai/gpt-5-codex",
            usage: [10_000, 5_000, 4_000, 90_000, 0, 0],
            ..base()
        },
    );
    insert(
        &l,
        &T {
            message: "m4",
            model: "my-llama",
            usage: [7, 7, 0, 0, 0, 0],
            ..base()
        },
    );
    insert(
        &l,
        &T {
            message: "m5",
            model: "my-llama",
            usage: [7, 7, 0, 0, 0, 0],
            ..base()
        },
    );
    let s = by(&l, &TurnFilter::default(), "model");
    close(group(&s, "claude-sonnet-4-5").cost_usd, 0.069 + 0.9585);
    close(group(&s, "gpt-5-codex").cost_usd, 0.07375);
    assert_eq!(group(&s, "gpt-5-codex").reasoning, 4_000);
    assert_eq!(group(&s, "my-llama").cost_usd, 0.0);
    close(s.totals.cost_usd, 0.069 + 0.9585 + 0.07375);
    assert_eq!(s.totals.turns, 5);
    assert_eq!(s.unpriced_models, vec![("my-llama".to_string(), 2)]);
    // Most expensive first.
    assert_eq!(s.groups[0].0, "claude-sonnet-4-5");
}

#[test]
fn rollup_equals_the_turns_after_inserts_and_updates() {
    let (_d, l) = open();
    for i in 0..40 {
        let msg = format!("m{i}");
        let ts = format!("2026-05-21T{:02}:{:02}:00Z", 10 + i / 10, (i * 7) % 60);
        insert(
            &l,
            &T {
                message: &msg,
                ts: &ts,
                usage: [i * 10_000, i, 0, i * 100, 0, 0],
                ..base()
            },
        );
    }
    // A streamed turn's final usage moves it to another long-context class.
    l.conn()
        .unwrap()
        .execute(
            "UPDATE turns SET input = 250000, output = 9 WHERE message_id = 'm3'",
            [],
        )
        .unwrap();
    let conn = l.conn().unwrap();
    let from_turns: (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), sum(input), sum(output) FROM turns",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let from_rollup: (i64, i64, i64) = conn
        .query_row(
            "SELECT sum(turns), sum(input), sum(output) FROM turn_rollup",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(from_turns, from_rollup);
    let long: i64 = conn
        .query_row(
            "SELECT sum(turns) FROM turn_rollup WHERE ctx > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let long_turns: i64 = conn
        .query_row(
            "SELECT count(*) FROM turns WHERE input + cache_read + cache_write_5m + cache_write_1h > 200000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(long, long_turns);
}

#[test]
fn windows_match_a_direct_count_at_every_boundary() {
    let (_d, l) = open();
    let t0 = parse_instant_ms("t", "2026-05-21T00:00:00Z").unwrap();
    // Turns every 7 minutes 13 seconds (plus one exactly on a bucket edge).
    for i in 0..60i64 {
        let ts = crate::time::format_ms(t0 + i * 433_000);
        insert(
            &l,
            &T {
                message: &format!("m{i}"),
                ts: &ts,
                usage: [i + 1, 1, 0, 0, 0, 0],
                ..base()
            },
        );
    }
    let edge = crate::time::format_ms(t0 + 3_600_000);
    insert(
        &l,
        &T {
            message: "edge",
            ts: &edge,
            usage: [1_000, 1, 0, 0, 0, 0],
            ..base()
        },
    );
    let direct = |lo: i64, hi: i64| -> (i64, i64) {
        l.conn()
            .unwrap()
            .query_row(
                "SELECT count(*), COALESCE(sum(input), 0) FROM turns WHERE ts_ms >= ?1 AND ts_ms < ?2",
                [lo, hi],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let offsets = [
        0, 1, 433_000, 899_999, 900_000, 900_001, 3_600_000, 3_600_001, 5_000_000, 26_000_000,
    ];
    for &a in &offsets {
        for &b in &offsets {
            if a > b {
                continue;
            }
            let (lo, hi) = (t0 + a, t0 + b);
            let f = TurnFilter {
                since: Some(crate::time::format_ms(lo)),
                until: Some(crate::time::format_ms(hi)),
                ..TurnFilter::default()
            };
            let s = by(&l, &f, "model");
            assert_eq!(
                (s.totals.turns, s.totals.input),
                direct(lo, hi),
                "[{a}, {b})"
            );
        }
    }
}

#[test]
fn relative_ranges_at_their_boundaries() {
    let (_d, l) = open();
    let now = parse_instant_ms("t", "2026-05-22T12:00:00.000Z").unwrap();
    insert(
        &l,
        &T {
            message: "in",
            ts: "2026-05-21T12:00:00.000Z",
            ..base()
        },
    );
    insert(
        &l,
        &T {
            message: "out",
            ts: "2026-05-21T11:59:59.999Z",
            ..base()
        },
    );
    insert(
        &l,
        &T {
            message: "now",
            ts: "2026-05-22T12:00:00.000Z",
            ..base()
        },
    );
    let opts = SummaryOptions::default();
    let count = |since: &str, until: Option<&str>| {
        let f = TurnFilter {
            since: Some(since.into()),
            until: until.map(str::to_string),
            ..TurnFilter::default()
        };
        summary_at(&l, &f, &opts, now).unwrap().totals.turns
    };
    // since is inclusive: exactly 24h ago counts, 1 ms before does not.
    assert_eq!(count("24h", None), 2);
    assert_eq!(count("1d", None), 2);
    assert_eq!(count("1440m", None), 2);
    // until is exclusive: a turn at `now` is outside `until: 0m`.
    assert_eq!(count("24h", Some("0m")), 1);
    assert_eq!(count("1w", Some("24h")), 1);
    assert_eq!(count("1mo", None), 3);
    let err = summary_at(
        &l,
        &TurnFilter {
            since: Some("1d".into()),
            until: Some("2d".into()),
            ..TurnFilter::default()
        },
        &opts,
        now,
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("until"));
}

#[test]
fn fold_order_by_ts_then_write_sequence_across_precisions() {
    let (_d, mut l) = open();
    insert(&l, &base());
    insert(
        &l,
        &T {
            message: "m2",
            ..base()
        },
    );
    // Written first but later in time (…:05.500Z > …:05Z): wins over the second-precision one.
    stamp(
        &mut l,
        Some("s1"),
        None,
        "2026-05-21T10:00:05.500Z",
        &[("persona", "late")],
    );
    stamp(
        &mut l,
        Some("s1"),
        None,
        "2026-05-21T10:00:05Z",
        &[("persona", "early")],
    );
    let s = by(&l, &TurnFilter::default(), "tag:persona");
    assert_eq!(group(&s, "late").turns, 2);
    // Same millisecond (written as +02:00): the later write wins.
    stamp(
        &mut l,
        Some("s1"),
        None,
        "2026-05-21T12:00:05.500+02:00",
        &[("persona", "same-ms-1")],
    );
    stamp(
        &mut l,
        Some("s1"),
        None,
        "2026-05-21T10:00:05.500Z",
        &[("persona", "same-ms-2")],
    );
    let s = by(&l, &TurnFilter::default(), "tag:persona");
    assert_eq!(group(&s, "same-ms-2").turns, 2);
    // A message stamp overrides the session's value for that turn only, when later.
    stamp(
        &mut l,
        None,
        Some("m2"),
        "2026-05-21T10:00:06Z",
        &[("persona", "msg")],
    );
    let s = by(&l, &TurnFilter::default(), "tag:persona");
    assert_eq!(group(&s, "same-ms-2").turns, 1);
    assert_eq!(group(&s, "msg").turns, 1);
    // …and a later session stamp wins over it again.
    stamp(
        &mut l,
        Some("s1"),
        None,
        "2026-05-21T10:00:07Z",
        &[("persona", "final")],
    );
    let s = by(&l, &TurnFilter::default(), "tag:persona");
    assert_eq!(group(&s, "final").turns, 2);
    assert_eq!(s.groups.len(), 1);
}

#[test]
fn tag_filters_and_tag_groups() {
    let (_d, mut l) = open();
    insert(
        &l,
        &T {
            session: "a",
            message: "a1",
            ..base()
        },
    );
    insert(
        &l,
        &T {
            session: "a",
            message: "a2",
            ..base()
        },
    );
    insert(
        &l,
        &T {
            session: "b",
            message: "b1",
            ..base()
        },
    );
    insert(
        &l,
        &T {
            session: "c",
            message: "c1",
            ..base()
        },
    );
    // Stamps written before and after the turns both apply.
    stamp(
        &mut l,
        Some("a"),
        None,
        "2026-05-20T00:00:00Z",
        &[("spawner", "pear"), ("persona", "reviewer")],
    );
    stamp(
        &mut l,
        Some("b"),
        None,
        "2026-05-20T00:00:00Z",
        &[("spawner", "pear"), ("persona", "coder")],
    );
    // A message of c is stamped reviewer on its own.
    stamp(
        &mut l,
        None,
        Some("c1"),
        "2026-05-20T00:00:00Z",
        &[("persona", "reviewer")],
    );
    insert(
        &l,
        &T {
            session: "b",
            message: "b2",
            ..base()
        },
    );

    let tags = |kv: &[(&str, &str)]| TurnFilter {
        tags: kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TurnFilter::default()
    };
    assert_eq!(
        by(&l, &tags(&[("spawner", "pear")]), "model").totals.turns,
        4
    );
    assert_eq!(
        by(&l, &tags(&[("persona", "reviewer")]), "model")
            .totals
            .turns,
        3
    );
    assert_eq!(
        by(
            &l,
            &tags(&[("persona", "reviewer"), ("spawner", "pear")]),
            "model"
        )
        .totals
        .turns,
        2
    );
    assert_eq!(
        by(&l, &tags(&[("persona", "nobody")]), "model")
            .totals
            .turns,
        0
    );
    let s = by(&l, &tags(&[("spawner", "pear")]), "tag:persona");
    assert_eq!(group(&s, "reviewer").turns, 2);
    assert_eq!(group(&s, "coder").turns, 2);
    let s = by(&l, &TurnFilter::default(), "tag:spawner");
    assert_eq!(group(&s, "pear").turns, 4);
    assert_eq!(group(&s, "(none)").turns, 1);
    // With a window whose edges are read from turns, the same answers.
    let mut f = tags(&[("persona", "reviewer")]);
    f.since = Some("2026-05-21T11:59:00Z".into());
    f.until = Some("2026-05-21T12:01:00Z".into());
    assert_eq!(by(&l, &f, "model").totals.turns, 3);
}

#[test]
fn every_dimension_groups() {
    let (_d, l) = open();
    insert_with(
        &l,
        &T {
            session: "x",
            message: "x1",
            ts: "2026-03-01T23:30:00Z",
            tools: &["Bash", "Read", "Bash"],
            usage: [300, 3, 0, 0, 0, 0],
            ..base()
        },
        "claude-code",
        Some("/p1"),
        Some("main"),
    );
    insert_with(
        &l,
        &T {
            session: "y",
            message: "y1",
            ts: "2026-03-02T00:30:00Z",
            model: "gpt-5",
            tools: &[],
            ..base()
        },
        "codex",
        Some("/p2"),
        None,
    );
    insert_with(
        &l,
        &T {
            session: "z",
            message: "z1",
            ts: "2026-03-09T08:00:00Z",
            model: "google/gemini-2.5-pro",
            tools: &["Read"],
            ..base()
        },
        "opencode",
        None,
        Some("dev"),
    );
    let all = TurnFilter::default();
    let keys = |s: &Summary| {
        let mut k: Vec<String> = s.groups.iter().map(|(k, _)| k.clone()).collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&by(&l, &all, "model")),
        ["claude-sonnet-4-5", "gemini-2.5-pro", "gpt-5"]
    );
    assert_eq!(
        keys(&by(&l, &all, "modelRaw")),
        [
            "claude-sonnet-4-5-20250929",
            "google/gemini-2.5-pro",
            "gpt-5"
        ]
    );
    assert_eq!(
        keys(&by(&l, &all, "provider")),
        ["anthropic", "google", "openai"]
    );
    assert_eq!(
        keys(&by(&l, &all, "harness")),
        ["claude-code", "codex", "opencode"]
    );
    assert_eq!(keys(&by(&l, &all, "project")), ["(none)", "/p1", "/p2"]);
    assert_eq!(keys(&by(&l, &all, "branch")), ["(none)", "dev", "main"]);
    assert_eq!(keys(&by(&l, &all, "session")), ["x", "y", "z"]);
    assert_eq!(
        keys(&by(&l, &all, "day")),
        ["2026-03-01", "2026-03-02", "2026-03-09"]
    );
    assert_eq!(
        keys(&by(&l, &all, "week")),
        ["2026-W09", "2026-W10", "2026-W11"]
    );
    assert_eq!(keys(&by(&l, &all, "month")), ["2026-03"]);
    // Paris is UTC+1 in March: 23:30Z is already the 2nd.
    let paris = summary(
        &l,
        &all,
        &SummaryOptions {
            group_by: GroupBy::Day,
            timezone: Some("Europe/Paris".into()),
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    assert_eq!(keys(&paris), ["2026-03-02", "2026-03-09"]);
    assert_eq!(group(&paris, "2026-03-02").turns, 2);
    // Tools: x's 300 input split in three calls (Bash twice), z's all to Read, y has none.
    let tools = by(&l, &all, "tool");
    assert_eq!(group(&tools, "Bash").input, 200);
    assert_eq!(group(&tools, "Bash").turns, 1);
    assert_eq!(group(&tools, "Read").input, 100 + 1_000);
    assert_eq!(group(&tools, "Read").turns, 2);
    assert_eq!(group(&tools, "(none)").input, 1_000);
    assert_eq!(tools.totals.turns, 3);
    assert_eq!(tools.totals.input, 2_300);
    close(
        tools.groups.iter().map(|(_, g)| g.cost_usd).sum(),
        tools.totals.cost_usd,
    );
    // Equality filters.
    let only = |f: TurnFilter| by(&l, &f, "model").totals.turns;
    assert_eq!(
        only(TurnFilter {
            harness: Some("codex".into()),
            ..all.clone()
        }),
        1
    );
    assert_eq!(
        only(TurnFilter {
            project: Some("/p1".into()),
            ..all.clone()
        }),
        1
    );
    assert_eq!(
        only(TurnFilter {
            session: Some("z".into()),
            ..all.clone()
        }),
        1
    );
    assert_eq!(
        only(TurnFilter {
            model: Some("gemini-2.5-pro".into()),
            ..all.clone()
        }),
        1
    );
    assert_eq!(
        only(TurnFilter {
            model: Some("gpt-5".into()),
            ..all.clone()
        }),
        1
    );
    for bad in [
        "bogus",
        "tag:",
        "Model",
        "tag:a\u{0}",
        "tag:a\nb",
        "modelraw",
    ] {
        assert_eq!(GroupBy::parse(bad).unwrap_err().field(), Some("groupBy"));
    }
    // Tag keys follow the enrichment key limit; none given is the model default.
    let key = "k".repeat(crate::validate::MAX_KEY_CHARS);
    assert_eq!(
        GroupBy::parse(&format!("tag:{key}")).unwrap(),
        GroupBy::Tag(key.clone())
    );
    assert!(GroupBy::parse(&format!("tag:{key}k")).is_err());
    assert_eq!(GroupBy::parse_or_default(None).unwrap(), GroupBy::Model);
    let err = summary(
        &l,
        &all,
        &SummaryOptions {
            group_by: GroupBy::Day,
            timezone: Some("Mars/Base".into()),
            ..SummaryOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("timezone"));
}

#[test]
fn sessions_costs_tags_and_fingerprint() {
    let (_d, mut l) = open();
    let f0 = fingerprint(&l).unwrap();
    insert(
        &l,
        &T {
            session: "a",
            message: "a1",
            usage: [1_000, 2_000, 500, 10_000, 4_000, 3_000],
            ..base()
        },
    );
    insert(
        &l,
        &T {
            session: "b",
            message: "b1",
            ts: "2026-05-21T13:00:00Z",
            ..base()
        },
    );
    let f1 = fingerprint(&l).unwrap();
    assert_ne!(f0, f1);
    assert_eq!(f1, fingerprint(&l).unwrap());
    stamp(
        &mut l,
        Some("a"),
        None,
        "2026-05-21T10:00:00Z",
        &[("persona", "reviewer")],
    );
    let f2 = fingerprint(&l).unwrap();
    assert_ne!(f1, f2);
    // A title learned later changes answers too; a no-op update does not.
    let conn = l.conn().unwrap();
    conn.execute(
        "UPDATE sessions SET title = title WHERE session_id = 'a'",
        [],
    )
    .unwrap();
    assert_eq!(f2, fingerprint(&l).unwrap());
    conn.execute(
        "UPDATE sessions SET title = 'fix it' WHERE session_id = 'a'",
        [],
    )
    .unwrap();
    assert_ne!(f2, fingerprint(&l).unwrap());

    let rows = sessions(&l, &SessionsFilter::default()).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r.session_id.as_str())
            .collect::<Vec<_>>(),
        ["b", "a"]
    );
    close(rows[1].totals.cost_usd, 0.069);
    assert_eq!(
        rows[1].tags.get("persona").map(String::as_str),
        Some("reviewer")
    );
    let tagged = sessions(
        &l,
        &SessionsFilter {
            tags: [("persona".to_string(), "reviewer".to_string())].into(),
            ..SessionsFilter::default()
        },
    )
    .unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].session_id, "a");

    let d = session(&l, "a", None).unwrap().unwrap();
    close(d.turns[0].totals.cost_usd, 0.069);
    assert_eq!(d.row.tags.len(), 1);
    let c = session_cost(&l, "a", None).unwrap();
    close(c.totals.cost_usd, 0.069);
    assert_eq!(c.totals.turns, 1);
}

#[test]
fn migration_3_backfills_a_v2_ledger() {
    let dir = tempfile::tempdir().unwrap();
    {
        // A ledger as the previous release left it: schema 2 with turns and stamps.
        let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
        conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;")
            .unwrap();
        for sql in &crate::ledger::schema::MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (2);
             INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, input, output, reasoning,
                                cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
             VALUES (1, 'claude-code', 's1', 'm1', 1779364800000, 'claude-sonnet-4-5', 1000, 2000, 0, 10000, 4000, 3000, 1, '[]'),
                    (2, 'claude-code', 's1', 'm2', 1779364900000, 'claude-sonnet-4-5', 150000, 1000, 0, 60000, 0, 0, 1, '[]'),
                    (3, 'claude-code', 's2', 'm3', 1779365000000, 'claude-haiku-4-5', 1000, 0, 0, 0, 0, 0, 1, '[]');
             INSERT INTO stamps (id, session_id, message_id, enrichment, ts_ms) VALUES
                    ('b', 's1', NULL, '{\"persona\":\"second\"}', 5),
                    ('a', 's1', NULL, '{\"persona\":\"first\"}', 5),
                    ('c', NULL, 'm3', '{\"persona\":\"second\"}', 1);",
        )
        .unwrap();
    }
    let l = Ledger::open(dir.path()).unwrap();
    let s = by(&l, &TurnFilter::default(), "tag:persona");
    // Same ts: the later write ('a', seq 2) wins for s1; m3 is labelled by its message stamp.
    assert_eq!(group(&s, "first").turns, 2);
    close(group(&s, "first").cost_usd, 0.069 + 0.9585);
    assert_eq!(group(&s, "second").turns, 1);
    assert!(!fingerprint(&l).unwrap().is_empty());
}

#[test]
fn summed_costs_do_not_depend_on_row_order() {
    use super::summary::round_usd;
    // The demo's total summed in two orders (seen after a rebuild re-read rows in a new order).
    assert_eq!(round_usd(0.239_769_499_999_999_97), 0.239_769_5);
    assert_eq!(round_usd(0.239_769_5), 0.239_769_5);
    let parts = [0.1, 0.2, 0.3, 1e-7, 3.3e-5, 0.012_345_678_9];
    let forward: f64 = parts.iter().sum();
    let backward: f64 = parts.iter().rev().sum();
    assert_eq!(round_usd(forward), round_usd(backward));
}

/// Turns on both sides of the nights the clocks change in Paris (2026-10-25 01:00Z) and Los
/// Angeles (2026-11-01 09:00Z); each turn's input is a distinct power of two, so a group's
/// input names exactly the turns in it.
fn dst_ledger() -> (tempfile::TempDir, Ledger) {
    let (d, l) = open();
    let turns = [
        ("t1", "2026-10-24T21:30:00Z", 1), // Paris 10-24 23:30 CEST; LA 10-24
        ("t2", "2026-10-24T22:30:00Z", 2), // Paris 10-25 00:30 CEST; LA 10-24
        ("t3", "2026-10-25T22:30:00Z", 4), // Paris 10-25 23:30 CET (a 25-hour day)
        ("t4", "2026-10-25T23:30:00Z", 8), // Paris Monday 10-26 00:30; UTC and LA Sunday 10-25
        ("t5", "2026-11-01T06:30:00Z", 16), // LA Saturday 10-31 23:30 PDT
        ("t6", "2026-11-01T07:30:00Z", 32), // LA 11-01 00:30 PDT
        ("t7", "2026-11-02T07:30:00Z", 64), // LA 11-01 23:30 PST (a 25-hour day)
        ("t8", "2026-11-02T08:30:00Z", 128), // LA Monday 11-02 00:30 PST
    ];
    for (m, ts, input) in turns {
        insert(
            &l,
            &T {
                message: m,
                ts,
                usage: [input, 0, 0, 0, 0, 0],
                ..base()
            },
        );
    }
    (d, l)
}

fn inputs_by(
    l: &Ledger,
    f: &TurnFilter,
    group: &str,
    tz: Option<&str>,
    week_start: crate::time::WeekStart,
) -> (Vec<(String, i64)>, String) {
    let s = summary_at(
        l,
        f,
        &SummaryOptions {
            group_by: GroupBy::parse(group).unwrap(),
            timezone: tz.map(str::to_string),
            week_start,
            then_by: Vec::new(),
        },
        parse_instant_ms("now", "2026-11-02T12:00:00Z").unwrap(),
    )
    .unwrap();
    let groups = s.groups.iter().map(|(k, t)| (k.clone(), t.input)).collect();
    (groups, s.timezone)
}

#[test]
fn day_week_and_month_groups_in_a_zone_across_dst_changes() {
    use crate::time::WeekStart::{Monday, Sunday};
    let (_d, l) = dst_ledger();
    let all = TurnFilter::default();
    let g = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    let utc = |group| inputs_by(&l, &all, group, None, Monday);
    let paris = |group| inputs_by(&l, &all, group, Some("Europe/Paris"), Monday);
    let la = |group| inputs_by(&l, &all, group, Some("America/Los_Angeles"), Monday);

    assert_eq!(
        utc("day"),
        (
            g(&[
                ("2026-10-24", 3),
                ("2026-10-25", 12),
                ("2026-11-01", 48),
                ("2026-11-02", 192)
            ]),
            "UTC".to_string()
        )
    );
    assert_eq!(
        paris("day"),
        (
            g(&[
                ("2026-10-24", 1),
                ("2026-10-25", 6),
                ("2026-10-26", 8),
                ("2026-11-01", 48),
                ("2026-11-02", 192)
            ]),
            "Europe/Paris".to_string()
        )
    );
    assert_eq!(
        la("day").0,
        g(&[
            ("2026-10-24", 3),
            ("2026-10-25", 12),
            ("2026-10-31", 16),
            ("2026-11-01", 96),
            ("2026-11-02", 128)
        ])
    );
    assert_eq!(
        utc("week").0,
        g(&[("2026-W43", 15), ("2026-W44", 48), ("2026-W45", 192)])
    );
    assert_eq!(
        paris("week").0,
        g(&[("2026-W43", 7), ("2026-W44", 56), ("2026-W45", 192)])
    );
    assert_eq!(
        la("week").0,
        g(&[("2026-W43", 15), ("2026-W44", 112), ("2026-W45", 128)])
    );
    assert_eq!(
        inputs_by(&l, &all, "week", Some("America/Los_Angeles"), Sunday).0,
        g(&[("2026-10-18", 3), ("2026-10-25", 28), ("2026-11-01", 224)])
    );
    assert_eq!(utc("month").0, g(&[("2026-10", 15), ("2026-11", 240)]));
    assert_eq!(paris("month").0, g(&[("2026-10", 15), ("2026-11", 240)]));
    assert_eq!(la("month").0, g(&[("2026-10", 31), ("2026-11", 224)]));

    // Calendar bounds: a date as since and until is that whole local day (25 hours here).
    let window = |since: &str, until: &str, tz: Option<&str>| {
        let f = TurnFilter {
            since: Some(since.into()),
            until: Some(until.into()),
            ..TurnFilter::default()
        };
        let s = summary_at(
            &l,
            &f,
            &SummaryOptions {
                timezone: tz.map(str::to_string),
                ..SummaryOptions::default()
            },
            parse_instant_ms("now", "2026-11-02T12:00:00Z").unwrap(),
        )
        .unwrap();
        s.totals.input
    };
    assert_eq!(
        window("2026-11-01", "2026-11-01", Some("America/Los_Angeles")),
        96
    );
    assert_eq!(window("2026-10-25", "2026-10-25", Some("Europe/Paris")), 6);
    assert_eq!(window("2026-10-25", "2026-10-25", None), 12);
    // Now is 2026-11-02 04:00 in Los Angeles, 13:00 in Paris.
    assert_eq!(
        window("yesterday", "yesterday", Some("America/Los_Angeles")),
        96
    );
    assert_eq!(window("yesterday", "yesterday", Some("Europe/Paris")), 48);
    assert_eq!(window("yesterday", "today", None), 48 + 192);
    assert_eq!(
        window("this-month", "this-month", Some("America/Los_Angeles")),
        224
    );
    assert_eq!(window("this-week", "today", Some("Europe/Paris")), 192);
    let bad = summary_at(
        &l,
        &TurnFilter {
            since: Some("2026-11-02".into()),
            until: Some("2026-10-31".into()),
            ..TurnFilter::default()
        },
        &SummaryOptions::default(),
        0,
    )
    .unwrap_err();
    assert_eq!(bad.field(), Some("until"));
}

/// Issue 26: one row per model however the harness or cloud spelled it; `modelRaw` keeps the
/// spellings; `provider` tells Bedrock, Vertex and routers apart; the `model` filter matches
/// every spelling; costs are those of the raw ids.
#[test]
fn one_model_one_row_across_spellings() {
    let (_d, l) = open();
    let spellings = [
        ("claude-code", "claude-haiku-4-5-20251001"),
        ("claude-code", "jp.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("claude-code", "claude-haiku-4-5@20251001"),
        ("opencode", "anthropic/claude-haiku-4.5"),
        ("opencode", "openrouter/anthropic/claude-haiku-4.5"),
    ];
    for (i, (harness, model)) in spellings.iter().enumerate() {
        let msg = format!("h{i}");
        insert_with(
            &l,
            &T {
                message: &msg,
                model,
                usage: [1_000_000, 0, 0, 0, 0, 0],
                ..base()
            },
            harness,
            Some("/p"),
            None,
        );
    }
    insert(
        &l,
        &T {
            message: "s1",
            model: "claude-sonnet-4-5[1m]",
            usage: [1_000_000, 0, 0, 0, 0, 0],
            ..base()
        },
    );
    insert(
        &l,
        &T {
            message: "s2",
            model: "claude-sonnet-4-5-20250929",
            usage: [1_000, 0, 0, 0, 0, 0],
            ..base()
        },
    );
    let all = TurnFilter::default();
    let s = by(&l, &all, "model");
    let keys: Vec<&str> = s.groups.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["claude-sonnet-4-5", "claude-haiku-4-5"]);
    assert_eq!(group(&s, "claude-haiku-4-5").turns, 5);
    // Haiku 4.5 input: $1 per million tokens; Sonnet 4.5 above 200k prompt: $6.
    close(group(&s, "claude-haiku-4-5").cost_usd, 5.0);
    close(group(&s, "claude-sonnet-4-5").cost_usd, 6.0 + 0.003);
    let raw = by(&l, &all, "modelRaw");
    assert_eq!(raw.groups.len(), 7);
    close(
        group(&raw, "jp.anthropic.claude-haiku-4-5-20251001-v1:0").cost_usd,
        1.0,
    );
    close(group(&raw, "claude-sonnet-4-5[1m]").cost_usd, 6.0);
    assert_eq!(raw.totals, s.totals);
    let providers = by(&l, &all, "provider");
    assert_eq!(group(&providers, "bedrock").turns, 1);
    assert_eq!(group(&providers, "vertex").turns, 1);
    assert_eq!(group(&providers, "openrouter").turns, 1);
    assert_eq!(group(&providers, "anthropic").turns, 4);
    for wanted in [
        "claude-haiku-4-5-20251001",
        "claude-haiku-4-5",
        "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic/claude-haiku-4.5",
    ] {
        let f = TurnFilter {
            model: Some(wanted.into()),
            ..all.clone()
        };
        let only = by(&l, &f, "modelRaw");
        assert_eq!(only.totals.turns, 5, "{wanted}");
        close(only.totals.cost_usd, 5.0);
    }
    let f = TurnFilter {
        model: Some("claude-sonnet-4-5".into()),
        ..all.clone()
    };
    assert_eq!(by(&l, &f, "model").totals.turns, 2);
    // The filter also holds on the rollup path with a window and at the edges.
    let f = TurnFilter {
        model: Some("claude-haiku-4-5".into()),
        since: Some("2026-05-21T11:50:00Z".into()),
        until: Some("2026-05-21T13:10:00Z".into()),
        ..all.clone()
    };
    assert_eq!(by(&l, &f, "model").totals.turns, 5);
}

/// Sets the cost a harness wrote for a turn inserted by `insert`.
fn report_cost(l: &Ledger, message: &str, usd: Option<f64>) {
    l.conn()
        .unwrap()
        .execute(
            "UPDATE turns SET reported_cost_usd = ?2 WHERE message_id = ?1",
            rusqlite::params![message, usd],
        )
        .unwrap();
}

#[test]
fn reported_cost_prices_unpriced_models_only() {
    let (_d, l) = open();
    // Priced: the price table wins over what the harness wrote (69,000 µ$, as above).
    insert(
        &l,
        &T {
            usage: [1_000, 2_000, 500, 10_000, 4_000, 3_000],
            ..base()
        },
    );
    report_cost(&l, "m1", Some(99.0));
    for (m, ts) in [
        ("m2", "2026-05-21T12:01:00Z"),
        ("m3", "2026-05-21T12:20:00Z"),
        ("m4", "2026-05-21T12:21:00Z"),
    ] {
        insert(
            &l,
            &T {
                message: m,
                ts,
                model: "my-llama",
                usage: [7, 7, 0, 0, 0, 0],
                ..base()
            },
        );
    }
    report_cost(&l, "m2", Some(0.5));
    report_cost(&l, "m3", Some(0.25));
    // m4 reports nothing: it costs 0.
    let s = by(&l, &TurnFilter::default(), "model");
    close(group(&s, "claude-sonnet-4-5").cost_usd, 0.069);
    close(group(&s, "my-llama").cost_usd, 0.75);
    close(s.totals.cost_usd, 0.819);
    // Still listed: the price table does not know the model.
    assert_eq!(s.unpriced_models, vec![("my-llama".to_string(), 3)]);

    // A window starting inside a 15-minute bucket reads that edge from the turns table.
    let edge = TurnFilter {
        since: Some("2026-05-21T12:00:30Z".into()),
        ..TurnFilter::default()
    };
    close(by(&l, &edge, "model").totals.cost_usd, 0.75);
    let whole = TurnFilter {
        since: Some("2026-05-21T12:15:00Z".into()),
        ..TurnFilter::default()
    };
    close(by(&l, &whole, "model").totals.cost_usd, 0.25);

    // A revised cost moves the rollup by the difference.
    report_cost(&l, "m3", Some(1.0));
    close(
        by(&l, &TurnFilter::default(), "model").totals.cost_usd,
        1.569,
    );
    let rows = sessions(&l, &SessionsFilter::default()).unwrap();
    close(rows[0].totals.cost_usd, 1.569);
    let d = session(&l, "s1", None).unwrap().unwrap();
    let m3 = d.turns.iter().find(|t| t.message_id == "m3").unwrap();
    assert_eq!(m3.reported_cost_usd, Some(1.0));
    close(m3.totals.cost_usd, 1.0);
    let m1 = d.turns.iter().find(|t| t.message_id == "m1").unwrap();
    close(m1.totals.cost_usd, 0.069);
    assert_eq!(
        d.turns
            .iter()
            .find(|t| t.message_id == "m4")
            .unwrap()
            .totals
            .cost_usd,
        0.0
    );
}

#[test]
fn groups_by_several_dimensions_add_up_to_each_one() {
    let (_d, mut l) = open();
    let turns = [
        (
            "a",
            "m1",
            "2026-05-20T10:00:00Z",
            "claude-sonnet-4-5-20250929",
        ),
        (
            "a",
            "m2",
            "2026-05-21T10:00:00Z",
            "claude-haiku-4-5-20251001",
        ),
        (
            "b",
            "m3",
            "2026-05-21T11:00:00Z",
            "claude-sonnet-4-5-20250929",
        ),
        ("b", "m4", "2026-05-21T11:05:00Z", "claude-sonnet-4-5"),
    ];
    for (session, message, ts, model) in turns {
        insert(
            &l,
            &T {
                session,
                message,
                ts,
                model,
                ..base()
            },
        );
    }
    stamp(
        &mut l,
        Some("a"),
        None,
        "2026-05-01T00:00:00Z",
        &[("team", "x")],
    );
    let f = TurnFilter::default();
    let s = summary(
        &l,
        &f,
        &SummaryOptions {
            group_by: GroupBy::Day,
            then_by: vec![GroupBy::Model, GroupBy::Tag("team".into())],
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    let keys: Vec<Vec<&str>> = s
        .group_keys
        .iter()
        .map(|k| k.iter().map(String::as_str).collect())
        .collect();
    // Days in order; within a day, by cost (Sonnet costs more than Haiku).
    assert_eq!(
        keys,
        vec![
            vec!["2026-05-20", "claude-sonnet-4-5", "x"],
            vec!["2026-05-21", "claude-sonnet-4-5", "(none)"],
            vec!["2026-05-21", "claude-haiku-4-5", "x"],
        ]
    );
    assert_eq!(s.groups[1].0, "2026-05-21 · claude-sonnet-4-5 · (none)");
    assert_eq!(s.groups[1].1.turns, 2);
    // Each dimension alone gives the sums of the combined groups.
    for (i, dim) in ["day", "model", "tag:team"].iter().enumerate() {
        let one = by(&l, &f, dim);
        assert!(one.group_keys.is_empty());
        for (key, t) in &one.groups {
            let mut sum = Totals::default();
            for (k, (_, tt)) in s.group_keys.iter().zip(&s.groups) {
                if &k[i] == key {
                    sum.add(tt);
                }
            }
            assert_eq!(sum.turns, t.turns, "{dim} {key}");
            close(sum.cost_usd, t.cost_usd);
        }
    }
    assert_eq!(s.totals, by(&l, &f, "model").totals);
}

#[test]
fn several_dimensions_are_validated() {
    let list =
        |v: &[&str]| GroupBy::parse_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        list(&["day", "tag:k"]).unwrap(),
        vec![GroupBy::Day, GroupBy::Tag("k".into())]
    );
    for bad in [
        &[][..],
        &["day", "day"][..],
        &["day", "tool"][..],
        &["day", "model", "harness", "project"][..],
        &["day", "nope"][..],
    ] {
        assert_eq!(list(bad).unwrap_err().field(), Some("groupBy"), "{bad:?}");
    }
}
