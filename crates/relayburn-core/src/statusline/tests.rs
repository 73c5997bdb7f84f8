use super::render::{format_usd, js_number, js_round, limit_label, visible};
use super::*;
use crate::budget::BudgetPeriod;

#[test]
fn numbers_are_written_as_javascript_writes_them() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "0"),
        (200.0, "200"),
        (0.1, "0.1"),
        (1.005, "1.005"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-6, "0.000001"),
        (1.5e-7, "1.5e-7"),
        (1e21, "1e+21"),
        (1.2345e25, "1.2345e+25"),
        (123456789012345680000.0, "123456789012345680000"),
        (-42.5, "-42.5"),
    ];
    for (x, want) in cases {
        assert_eq!(js_number(*x), *want, "{x:?}");
    }
    assert_eq!(js_round(62.5), 63.0);
    assert_eq!(js_round(-2.5), -2.0);
    assert_eq!(js_round(0.49999999999999994), 0.0);
}

#[test]
fn dollars_round_half_away_on_the_shortest_decimal_form() {
    let cases: &[(f64, &str)] = &[
        (0.0, "$0.00"),
        (1.005, "$1.01"),
        (1.004, "$1.00"),
        (0.125, "$0.13"),
        (1234567.891, "$1,234,567.89"),
        (999.995, "$1,000.00"),
        (2.25, "$2.25"),
        (1e-9, "$0.00"),
    ];
    for (x, want) in cases {
        assert_eq!(format_usd(*x), *want, "{x:?}");
    }
    assert_eq!(limit_label(200.0, BudgetPeriod::Month), "$200/mo");
    assert_eq!(limit_label(1500.0, BudgetPeriod::Week), "$1,500/wk");
    assert_eq!(limit_label(12.5, BudgetPeriod::Day), "$12.50/day");
}

#[test]
fn control_and_bidi_characters_are_shown_escaped() {
    assert_eq!(
        visible("a\u{1b}[2Jb\n\t\u{7f}\u{9b}\u{202e}x\u{2066}"),
        "a\\x1b[2Jb\\n\\t\\x7f\\x9b\\u202ex\\u2066"
    );
    assert_eq!(visible("reviewers · ok"), "reviewers · ok");
}

#[test]
fn the_payload_names_the_session_and_transcript() {
    let p =
        parse_payload(r#"{"session_id":"S","transcript_path":"/p/S.jsonl","cwd":"/w"}"#).unwrap();
    assert_eq!(p.session_id, "S");
    assert_eq!(p.transcript_path.as_deref(), Some("/p/S.jsonl"));
    let p = parse_payload(r#"{"transcript_path":"/p/abc.jsonl"}"#).unwrap();
    assert_eq!(p.session_id, "abc");
    for bad in [
        "",
        "not json",
        "[1]",
        r#"{"cwd":"/w"}"#,
        r#"{"session_id":"  "}"#,
    ] {
        let e = parse_payload(bad).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT", "{bad:?}");
    }
}

#[test]
fn the_zone_is_the_flag_then_utc_then_tz_then_the_system() {
    let req = |timezone: Option<&str>, utc: bool| Request {
        timezone: timezone.map(str::to_string),
        utc,
        ..Request::default()
    };
    assert_eq!(
        zone_name(&req(Some("Asia/Tokyo"), false), Some("Europe/Paris")).unwrap(),
        "Asia/Tokyo"
    );
    assert_eq!(
        zone_name(&req(None, true), Some("Europe/Paris")).unwrap(),
        "UTC"
    );
    assert!(zone_name(&req(Some("Asia/Tokyo"), true), None).is_err());
    assert_eq!(
        zone_name(&req(None, false), Some(":Europe/Paris")).unwrap(),
        "Europe/Paris"
    );
    assert_eq!(
        zone_name(
            &req(None, false),
            Some("/usr/share/zoneinfo/America/New_York")
        )
        .unwrap(),
        "America/New_York"
    );
    assert_eq!(zone_name(&req(None, false), Some("")).unwrap(), "UTC");
}

#[test]
fn errors_print_the_marker_and_go_to_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let req = Request {
        input: Some(r#"{"session_id":"x","transcript_path":"/nope/x.jsonl"}"#.into()),
        ledger_home: Some(home.to_string_lossy().into_owned()),
        timezone: Some("UTC".into()),
        ..Request::default()
    };
    assert_eq!(run(&req), MARKER);
    let json = run(&Request {
        json: true,
        ..req.clone()
    });
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["error"].as_str().unwrap().contains("/nope/x.jsonl"));
    let log = std::fs::read_to_string(home.join(log::FILE)).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with("/nope/x.jsonl: cannot read file") || lines[0].contains("/nope/x.jsonl")
    );
    assert!(lines[0].contains(" INVALID_ARGUMENT "), "{}", lines[0]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join(log::FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A bad zone is an error like any other.
    let bad = Request {
        timezone: Some("Mars/Olympus".into()),
        ..req
    };
    assert_eq!(run(&bad), MARKER);
}

#[test]
fn the_line_shows_the_most_used_budget() {
    use crate::budget::{Budget, BudgetFilter, BudgetState, BudgetStatus};
    let status = |name: &str, limit: f64, spent: f64, state| BudgetStatus {
        budget: Budget {
            name: name.into(),
            limit_usd: limit,
            period: BudgetPeriod::Month,
            filter: BudgetFilter {
                tags: [("persona".to_string(), "reviewer".to_string())].into(),
                harness: Some("claude-code".into()),
                project: None,
            },
            warn: 0.8,
            created_ms: 0,
            updated_ms: 0,
        },
        spent_usd: spent,
        fraction: spent / limit,
        period_start_ms: 0,
        period_end_ms: 86_400_000,
        state,
    };
    let f = Figures {
        session_cost_usd: 1.235,
        today_cost_usd: 18.4,
        budgets: vec![status("reviewers", 200.0, 124.0, BudgetState::Ok)],
    };
    assert_eq!(
        render::line(&f),
        "$1.24 session · $18.40 today · reviewers 62% of $200/mo"
    );
    assert_eq!(
        render::json(&f),
        r#"{"sessionCostUsd":1.235,"todayCostUsd":18.4,"budgets":[{"name":"reviewers","limitUsd":200,"spentUsd":124,"fraction":0.62,"period":"month","periodStart":"1970-01-01T00:00:00.000Z","periodEnd":"1970-01-02T00:00:00.000Z","state":"ok","warn":0.8,"filter":{"tags":{"persona":"reviewer"},"harness":"claude-code"}}]}"#
    );
    let over = Figures {
        budgets: vec![status("daily", 1.0, 2.5, BudgetState::Over)],
        ..f
    };
    assert!(render::line(&over).ends_with("daily 250% of $1/mo (over)"));
}
