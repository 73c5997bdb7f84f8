//! Budget tests over real ledgers: turns inserted as ingest stores them (triggers keep the
//! rollup), stamps through `write_stamp`, spend compared with `summary` and with figures
//! computed by hand from the price table (claude-sonnet-4-5: $15 per million output tokens,
//! so a turn of 100,000 output tokens costs $1.50).

use super::*;
use crate::query::{summary_at, SummaryOptions, TurnFilter};
use crate::stamp::{export_stamps, import_stamps, write_stamp, StampRequest};
use crate::time::parse_instant_ms;

const TURN_USD: f64 = 1.5;

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    (dir, ledger)
}

fn turn(l: &Ledger, harness: &str, session: &str, message: &str, ts: &str) {
    crate::ingest::with_upkeep(l.conn().unwrap(), |c| c.execute(
            "INSERT INTO turns (id, harness, session_id, message_id, ts_ms, model, provider, project, branch,
                input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, complete, tool_calls)
             VALUES (?1, ?2, ?3, ?4, ?5, 'claude-sonnet-4-5-20250929', NULL, '/p', 'main',
                0, 100000, 0, 0, 0, 0, 1, '[]')",
            rusqlite::params![
                crate::hash::id64(&format!("{harness}|{session}|{message}")),
                harness,
                session,
                message,
                parse_instant_ms("ts", ts).unwrap(),
            ],
        ))
        .unwrap();
}

/// Links `child` under `parent` as ingest does (session row and tree node).
fn subagent_of(l: &Ledger, child: &str, parent: &str) {
    let conn = l.conn().unwrap();
    conn.execute(
        "UPDATE sessions SET parent_session_id = ?2, relationship = 'subagent' WHERE session_id = ?1",
        [child, parent],
    )
    .unwrap();
    crate::tree::link(conn, "claude-code", child, parent).unwrap();
}

fn stamp(l: &mut Ledger, session: &str, k: &str, v: &str) {
    write_stamp(
        l,
        &StampRequest {
            session_id: Some(session.into()),
            enrichment: [(k.to_string(), v.to_string())].into(),
            ts: Some("2026-01-01T00:00:00Z".into()),
            ..StampRequest::default()
        },
    )
    .unwrap();
}

fn request(name: &str, limit: f64, period: &str) -> BudgetRequest {
    BudgetRequest {
        name: Some(name.into()),
        limit_usd: Some(limit),
        period: Some(period.into()),
        ..BudgetRequest::default()
    }
}

fn field(r: Result<impl std::fmt::Debug>) -> String {
    r.unwrap_err().field().unwrap_or("").to_string()
}

fn ms(iso: &str) -> i64 {
    parse_instant_ms("t", iso).unwrap()
}

#[test]
fn every_option_is_validated() {
    let (_d, mut l) = open();
    let ok = request("reviewers", 200.0, "month");
    assert!(ok.validate().is_ok());
    let cases: Vec<(BudgetRequest, &str)> = vec![
        (request("x", 0.0, "month"), "limitUsd"),
        (request("x", -5.0, "month"), "limitUsd"),
        (request("x", f64::NAN, "month"), "limitUsd"),
        (request("x", f64::INFINITY, "month"), "limitUsd"),
        (request("x", 2e12, "month"), "limitUsd"),
        (request("x", 1.0, "year"), "period"),
        (request("x", 1.0, ""), "period"),
        (request("", 1.0, "day"), "name"),
        (request("   ", 1.0, "day"), "name"),
        (request("a\nb", 1.0, "day"), "name"),
        (request(&"n".repeat(MAX_NAME_CHARS + 1), 1.0, "day"), "name"),
        (
            BudgetRequest {
                name: None,
                ..ok.clone()
            },
            "name",
        ),
        (
            BudgetRequest {
                limit_usd: None,
                ..ok.clone()
            },
            "limitUsd",
        ),
        (
            BudgetRequest {
                period: None,
                ..ok.clone()
            },
            "period",
        ),
        (
            BudgetRequest {
                warn: Some(0.0),
                ..ok.clone()
            },
            "warn",
        ),
        (
            BudgetRequest {
                warn: Some(1.5),
                ..ok.clone()
            },
            "warn",
        ),
        (
            BudgetRequest {
                filter: BudgetFilter {
                    harness: Some("cursor".into()),
                    ..BudgetFilter::default()
                },
                ..ok.clone()
            },
            "harness",
        ),
        (
            BudgetRequest {
                filter: BudgetFilter {
                    project: Some(" ".into()),
                    ..BudgetFilter::default()
                },
                ..ok.clone()
            },
            "project",
        ),
        (
            BudgetRequest {
                filter: BudgetFilter {
                    tags: [(" ".to_string(), "v".to_string())].into(),
                    ..BudgetFilter::default()
                },
                ..ok.clone()
            },
            "tags",
        ),
    ];
    for (req, want) in cases {
        assert_eq!(field(set_budget(&mut l, &req)), want, "{req:?}");
    }
    // Nothing invalid was stored.
    assert!(list_budgets(&l).unwrap().is_empty());
    assert_eq!(field(remove_budget(&mut l, "")), "name");
    let bad_zone = StatusOptions {
        timezone: Some("Mars/Olympus".into()),
        ..StatusOptions::default()
    };
    assert_eq!(field(budget_status(&l, &bad_zone)), "timezone");
    let bad_tags = StatusOptions {
        tags: Some([("".to_string(), "v".to_string())].into()),
        ..StatusOptions::default()
    };
    assert_eq!(field(budget_status(&l, &bad_tags)), "tags");
}

#[test]
fn set_replaces_by_name_list_and_remove() {
    let (_d, mut l) = open();
    let first = set_budget(&mut l, &request("b", 10.0, "DAY")).unwrap();
    assert_eq!(first.period, BudgetPeriod::Day);
    assert_eq!(first.warn, DEFAULT_WARN);
    let mut again = request("b", 20.0, "week");
    again.warn = Some(0.5);
    again.filter.tags = [("persona".to_string(), "reviewer".to_string())].into();
    let second = set_budget(&mut l, &again).unwrap();
    assert_eq!(second.created_ms, first.created_ms);
    assert!(second.updated_ms > first.updated_ms);
    set_budget(&mut l, &request("a", 1.0, "month")).unwrap();
    let all = list_budgets(&l).unwrap();
    assert_eq!(
        all.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(all[1], second);
    assert_eq!(all[1].limit_usd, 20.0);
    assert!(remove_budget(&mut l, "b").unwrap());
    assert!(!remove_budget(&mut l, "b").unwrap());
    assert_eq!(list_budgets(&l).unwrap().len(), 1);
}

/// Spend of each budget in `zone` at `now`, checked against `summary` over the same window.
fn spent(
    l: &Ledger,
    zone: &str,
    week_start: WeekStart,
    now: &str,
) -> Vec<(String, f64, String, String)> {
    let opts = StatusOptions {
        timezone: Some(zone.into()),
        week_start,
        ..StatusOptions::default()
    };
    let out = budget_status_at(l, &opts, ms(now)).unwrap();
    for s in &out {
        let f = TurnFilter {
            since: Some(time::format_ms(s.period_start_ms)),
            until: Some(time::format_ms(s.period_end_ms)),
            tags: s.budget.filter.tags.clone(),
            ..TurnFilter::default()
        };
        let sum = summary_at(l, &f, &SummaryOptions::default(), ms(now)).unwrap();
        assert_eq!(s.spent_usd, sum.totals.cost_usd, "{}", s.budget.name);
    }
    out.into_iter()
        .map(|s| {
            (
                s.budget.name,
                s.spent_usd,
                time::format_ms(s.period_start_ms),
                time::format_ms(s.period_end_ms),
            )
        })
        .collect()
}

#[test]
fn periods_follow_the_zone_across_month_and_week_boundaries() {
    let (_d, mut l) = open();
    // now = Tue 2026-12-01 00:30 UTC = Tue 01:30 in Paris = Mon 2026-11-30 19:30 in New York.
    let now = "2026-12-01T00:30:00Z";
    turn(&l, "claude-code", "s", "t1", "2026-11-30T22:00:00Z"); // Mon everywhere
    turn(&l, "claude-code", "s", "t2", "2026-11-30T23:30:00Z"); // Tue 1 Dec in Paris
    turn(&l, "claude-code", "s", "t3", "2026-12-01T00:10:00Z"); // Mon 30 Nov in New York
    turn(&l, "claude-code", "s", "t4", "2026-11-29T12:00:00Z"); // Sunday
    turn(&l, "claude-code", "s", "t5", "2026-11-02T12:00:00Z"); // early November
    for p in ["day", "week", "month"] {
        set_budget(&mut l, &request(p, 100.0, p)).unwrap();
    }
    let row = |name: &str, turns: f64, start: &str, end: &str| {
        (
            name.to_string(),
            turns * TURN_USD,
            start.to_string(),
            end.to_string(),
        )
    };
    assert_eq!(
        spent(&l, "UTC", WeekStart::Monday, now),
        vec![
            row(
                "day",
                1.0,
                "2026-12-01T00:00:00.000Z",
                "2026-12-02T00:00:00.000Z"
            ),
            row(
                "month",
                1.0,
                "2026-12-01T00:00:00.000Z",
                "2027-01-01T00:00:00.000Z"
            ),
            row(
                "week",
                3.0,
                "2026-11-30T00:00:00.000Z",
                "2026-12-07T00:00:00.000Z"
            ),
        ]
    );
    assert_eq!(
        spent(&l, "Europe/Paris", WeekStart::Monday, now),
        vec![
            row(
                "day",
                2.0,
                "2026-11-30T23:00:00.000Z",
                "2026-12-01T23:00:00.000Z"
            ),
            row(
                "month",
                2.0,
                "2026-11-30T23:00:00.000Z",
                "2026-12-31T23:00:00.000Z"
            ),
            row(
                "week",
                3.0,
                "2026-11-29T23:00:00.000Z",
                "2026-12-06T23:00:00.000Z"
            ),
        ]
    );
    // New York is still in November (which began on EDT, UTC-4, and ends on EST, UTC-5).
    assert_eq!(
        spent(&l, "America/New_York", WeekStart::Monday, now),
        vec![
            row(
                "day",
                3.0,
                "2026-11-30T05:00:00.000Z",
                "2026-12-01T05:00:00.000Z"
            ),
            row(
                "month",
                5.0,
                "2026-11-01T04:00:00.000Z",
                "2026-12-01T05:00:00.000Z"
            ),
            row(
                "week",
                3.0,
                "2026-11-30T05:00:00.000Z",
                "2026-12-07T05:00:00.000Z"
            ),
        ]
    );
    // Weeks from Sunday take in Sunday's turn.
    let sunday = spent(&l, "America/New_York", WeekStart::Sunday, now);
    assert_eq!(
        sunday[2],
        row(
            "week",
            4.0,
            "2026-11-29T05:00:00.000Z",
            "2026-12-06T05:00:00.000Z"
        )
    );
    let sunday_utc = spent(&l, "UTC", WeekStart::Sunday, now);
    assert_eq!(
        sunday_utc[2],
        row(
            "week",
            4.0,
            "2026-11-29T00:00:00.000Z",
            "2026-12-06T00:00:00.000Z"
        )
    );
}

#[test]
fn warn_and_over_states() {
    let (_d, mut l) = open();
    let now = "2026-05-21T18:00:00Z";
    let mut warned = request("warned", 3.0, "day");
    warned.warn = Some(0.5);
    set_budget(&mut l, &warned).unwrap();
    set_budget(&mut l, &request("roomy", 100.0, "day")).unwrap();
    set_budget(&mut l, &request("tight", 2.0, "day")).unwrap();
    let states = |l: &Ledger| {
        budget_status_at(l, &StatusOptions::default(), ms(now))
            .unwrap()
            .into_iter()
            .map(|s| (s.budget.name, s.state.as_str(), s.fraction))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        states(&l),
        vec![
            ("roomy".to_string(), "ok", 0.0),
            ("tight".to_string(), "ok", 0.0),
            ("warned".to_string(), "ok", 0.0),
        ]
    );
    turn(&l, "claude-code", "s", "m1", "2026-05-21T09:00:00Z");
    assert_eq!(
        states(&l),
        vec![
            ("roomy".to_string(), "ok", 0.015),
            ("tight".to_string(), "ok", 0.75),
            ("warned".to_string(), "warn", 0.5),
        ]
    );
    turn(&l, "claude-code", "s", "m2", "2026-05-21T10:00:00Z");
    // $3.00 spent: exactly the limit of `warned` is over, past it too.
    assert_eq!(
        states(&l),
        vec![
            ("roomy".to_string(), "ok", 0.03),
            ("tight".to_string(), "over", 1.5),
            ("warned".to_string(), "over", 1.0),
        ]
    );
    // Yesterday's turns do not count today.
    let tomorrow =
        budget_status_at(&l, &StatusOptions::default(), ms("2026-05-22T01:00:00Z")).unwrap();
    assert!(tomorrow
        .iter()
        .all(|s| s.spent_usd == 0.0 && s.state == BudgetState::Ok));
}

#[test]
fn a_launcher_sees_the_budgets_its_labels_would_count_against() {
    let (_d, mut l) = open();
    let mut reviewers = request("reviewers", 10.0, "month");
    reviewers.filter.tags = [("persona".to_string(), "reviewer".to_string())].into();
    set_budget(&mut l, &reviewers).unwrap();
    let mut pear = request("pear-reviewers", 10.0, "month");
    pear.filter.tags = [
        ("persona".to_string(), "reviewer".to_string()),
        ("spawner".to_string(), "pear".to_string()),
    ]
    .into();
    set_budget(&mut l, &pear).unwrap();
    set_budget(&mut l, &request("all", 10.0, "month")).unwrap();
    let mut codex = request("codex", 10.0, "month");
    codex.filter.harness = Some("codex".into());
    set_budget(&mut l, &codex).unwrap();
    let names = |opts: StatusOptions| {
        budget_status(&l, &opts)
            .unwrap()
            .into_iter()
            .map(|s| s.budget.name)
            .collect::<Vec<_>>()
    };
    let tags = |pairs: &[(&str, &str)]| {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    assert_eq!(names(StatusOptions::default()).len(), 4);
    assert_eq!(
        names(StatusOptions {
            tags: tags(&[("persona", "reviewer")]),
            ..StatusOptions::default()
        }),
        ["all", "codex", "reviewers"]
    );
    assert_eq!(
        names(StatusOptions {
            tags: tags(&[("persona", "reviewer"), ("spawner", "pear"), ("x", "y")]),
            harness: Some("claude-code".into()),
            ..StatusOptions::default()
        }),
        ["all", "pear-reviewers", "reviewers"]
    );
    assert_eq!(
        names(StatusOptions {
            tags: tags(&[]),
            ..StatusOptions::default()
        }),
        ["all", "codex"]
    );
}

#[test]
fn tag_budgets_count_what_summary_counts_for_the_tag() {
    let (_d, mut l) = open();
    let now = "2026-05-21T18:00:00Z";
    turn(&l, "claude-code", "parent", "m1", "2026-05-21T09:00:00Z");
    turn(
        &l,
        "claude-code",
        "parent/agent-1",
        "m2",
        "2026-05-21T09:05:00Z",
    );
    turn(&l, "claude-code", "other", "m3", "2026-05-21T09:10:00Z");
    subagent_of(&l, "parent/agent-1", "parent");
    stamp(&mut l, "parent", "persona", "reviewer");
    let mut b = request("reviewers", 10.0, "day");
    b.filter.tags = [("persona".to_string(), "reviewer".to_string())].into();
    set_budget(&mut l, &b).unwrap();
    let status = budget_status_at(&l, &StatusOptions::default(), ms(now)).unwrap();
    let f = TurnFilter {
        since: Some("2026-05-21T00:00:00Z".into()),
        until: Some("2026-05-22T00:00:00Z".into()),
        tags: b.filter.tags.clone(),
        ..TurnFilter::default()
    };
    let by_summary = summary_at(&l, &f, &SummaryOptions::default(), ms(now)).unwrap();
    assert_eq!(status[0].spent_usd, by_summary.totals.cost_usd);
    // The stamped session and its subagent (tags inherit down the tree), not `other`.
    assert_eq!(status[0].spent_usd, 2.0 * TURN_USD);
}

/// The subagent of the stamped session counts against the stamp's budget: parent + child =
/// 2 turns (tags inherited down session trees at query time).
#[test]
fn tag_budgets_count_subagent_turns() {
    let (_d, mut l) = open();
    let now = "2026-05-21T18:00:00Z";
    turn(&l, "claude-code", "parent", "m1", "2026-05-21T09:00:00Z");
    turn(
        &l,
        "claude-code",
        "parent/agent-1",
        "m2",
        "2026-05-21T09:05:00Z",
    );
    turn(&l, "claude-code", "other", "m3", "2026-05-21T09:10:00Z");
    subagent_of(&l, "parent/agent-1", "parent");
    stamp(&mut l, "parent", "persona", "reviewer");
    let mut b = request("reviewers", 10.0, "day");
    b.filter.tags = [("persona".to_string(), "reviewer".to_string())].into();
    set_budget(&mut l, &b).unwrap();
    let status = budget_status_at(&l, &StatusOptions::default(), ms(now)).unwrap();
    assert_eq!(status[0].spent_usd, 2.0 * TURN_USD);
}

#[test]
fn budgets_travel_with_the_stamps_export_and_survive_a_rebuild() {
    let (a_home, mut a) = open();
    let (_b_home, mut b) = open();
    stamp(&mut a, "s1", "persona", "reviewer");
    let mut r = request("reviewers", 200.0, "month");
    r.filter.tags = [("persona".to_string(), "reviewer".to_string())].into();
    r.filter.harness = Some("claude-code".into());
    r.filter.project = Some("/home/me/app".into());
    r.warn = Some(0.9);
    set_budget(&mut a, &r).unwrap();
    set_budget(&mut a, &request("daily", 5.0, "day")).unwrap();
    let file = a_home.path().join("stamps.jsonl");
    let receipt = export_stamps(&a, file.to_str().unwrap()).unwrap();
    assert_eq!((receipt.stamps, receipt.budgets), (1, 2));
    let got = import_stamps(&mut b, file.to_str().unwrap()).unwrap();
    assert_eq!(
        (got.imported, got.budgets_imported, got.budgets_skipped),
        (1, 2, 0)
    );
    assert_eq!(list_budgets(&a).unwrap(), list_budgets(&b).unwrap());
    let again = import_stamps(&mut b, file.to_str().unwrap()).unwrap();
    assert_eq!(
        (again.skipped, again.budgets_imported, again.budgets_skipped),
        (1, 0, 2)
    );
    // A budget changed since the export is not overwritten by the older version.
    set_budget(&mut b, &request("daily", 7.0, "day")).unwrap();
    import_stamps(&mut b, file.to_str().unwrap()).unwrap();
    let daily = list_budgets(&b).unwrap().remove(0);
    assert_eq!(daily.limit_usd, 7.0);
    // A bad budget line fails the whole import before any write.
    let bad = a_home.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"budget\":{\"name\":\"x\",\"limitUsd\":-1,\"period\":\"day\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}}\n",
    )
    .unwrap();
    let err = import_stamps(&mut b, bad.to_str().unwrap()).unwrap_err();
    assert_eq!(err.field(), Some("path"));
    assert!(err.to_string().contains("line 1"), "{err}");
    assert!(err.to_string().contains("limitUsd"), "{err}");
    // A rebuild keeps them.
    crate::ingest::reset_derived(&mut b, None).unwrap();
    assert_eq!(list_budgets(&b).unwrap().len(), 2);
}
