//! The status line's text: `$1.24 session · $18.40 today · reviewers 62% of $200/mo`, or the
//! same figures as one JSON object. Numbers are written as JavaScript writes them (`200`, not
//! `200.0`), so the object reads like the SDK's results.

use super::Figures;
use crate::budget::{BudgetPeriod, BudgetState, BudgetStatus};
use crate::time::format_ms;
use std::fmt::Write;

/// The line: session cost, today's cost, the most-used budget (if any), made [`visible`].
pub fn line(f: &Figures) -> String {
    let mut parts = vec![
        format!("{} session", format_usd(f.session_cost_usd)),
        format!("{} today", format_usd(f.today_cost_usd)),
    ];
    if let Some(top) = f.budgets.first() {
        let over = if top.state == BudgetState::Over {
            " (over)"
        } else {
            ""
        };
        parts.push(format!(
            "{} {}% of {}{over}",
            top.budget.name,
            js_number(js_round(top.fraction * 100.0)),
            limit_label(top.budget.limit_usd, top.budget.period)
        ));
    }
    visible(&parts.join(" · "))
}

/// `{"sessionCostUsd":…,"todayCostUsd":…,"budgets":[…]}`, each budget as `budgetStatus`
/// returns it.
pub fn json(f: &Figures) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\"sessionCostUsd\":");
    out.push_str(&json_number(f.session_cost_usd));
    out.push_str(",\"todayCostUsd\":");
    out.push_str(&json_number(f.today_cost_usd));
    out.push_str(",\"budgets\":[");
    for (i, b) in f.budgets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        budget_json(&mut out, b);
    }
    out.push_str("]}");
    out
}

/// `{"error":"…"}`: what `--json` prints instead of figures.
pub fn error_json(message: &str) -> String {
    format!("{{\"error\":{}}}", json_string(message))
}

fn budget_json(out: &mut String, s: &BudgetStatus) {
    let b = &s.budget;
    let _ = write!(
        out,
        "{{\"name\":{},\"limitUsd\":{},\"spentUsd\":{},\"fraction\":{},\"period\":{},\"periodStart\":{},\"periodEnd\":{},\"state\":{},\"warn\":{},\"filter\":{{\"tags\":{{",
        json_string(&b.name),
        json_number(b.limit_usd),
        json_number(s.spent_usd),
        json_number(s.fraction),
        json_string(b.period.as_str()),
        json_string(&format_ms(s.period_start_ms)),
        json_string(&format_ms(s.period_end_ms)),
        json_string(s.state.as_str()),
        json_number(b.warn),
    );
    for (i, (k, v)) in b.filter.tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{}", json_string(k), json_string(v));
    }
    out.push('}');
    if let Some(h) = &b.filter.harness {
        let _ = write!(out, ",\"harness\":{}", json_string(h));
    }
    if let Some(p) = &b.filter.project {
        let _ = write!(out, ",\"project\":{}", json_string(p));
    }
    out.push_str("}}");
}

fn json_string(s: &str) -> String {
    // serde_json escapes exactly what JSON.stringify escapes for a valid Unicode string.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// A number as `JSON.stringify` writes it (`null` when not finite).
fn json_number(x: f64) -> String {
    if x.is_finite() {
        js_number(x)
    } else {
        "null".to_string()
    }
}

/// A number as JavaScript's `String(x)` writes it: the shortest digits that read back as `x`,
/// in positional form from 1e-6 up to 1e21, else as `1.5e-7` / `1e+21`.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    if (1e-6..1e21).contains(&a) {
        // Rust's Display is the shortest round-trip form, never with an exponent.
        return format!("{x}");
    }
    let s = format!("{x:e}");
    match s.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
        _ => s,
    }
}

/// JavaScript's `Math.round`: to the nearest integer, halves up (towards +∞).
pub fn js_round(x: f64) -> f64 {
    if x - x.floor() == 0.5 {
        x.ceil()
    } else {
        x.round()
    }
}

/// `$1,234.57`: two decimals, thousands grouped, rounded half away from zero on the shortest
/// decimal form of the number (so 1.005 → 1.01, as the CLI's other figures).
pub fn format_usd(n: f64) -> String {
    if !n.is_finite() {
        return format!("${}", js_number(n));
    }
    let sign = if n.is_sign_negative() { "-" } else { "" };
    let digits = format!("{}", n.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let frac: Vec<u8> = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .collect();
    let Ok(int) = int.parse::<u128>() else {
        return format!("{sign}${digits}");
    };
    let cents = int
        .saturating_mul(100)
        .saturating_add(u128::from((frac[0] - b'0') * 10 + (frac[1] - b'0')))
        .saturating_add(u128::from(frac[2] >= b'5'));
    format!(
        "{sign}${}.{:02}",
        group(&(cents / 100).to_string()),
        cents % 100
    )
}

/// `$200/mo`; a limit with cents as `$12.50/day`.
pub fn limit_label(limit_usd: f64, period: BudgetPeriod) -> String {
    let usd = if limit_usd.fract() == 0.0 && limit_usd.abs() < 1e21 {
        format!("${}", group(&format!("{limit_usd}")))
    } else {
        format_usd(limit_usd)
    };
    let short = match period {
        BudgetPeriod::Day => "day",
        BudgetPeriod::Week => "wk",
        BudgetPeriod::Month => "mo",
    };
    format!("{usd}/{short}")
}

/// Thousands separators in a string of digits (an optional leading `-`): 1234567 → 1,234,567.
fn group(digits: &str) -> String {
    let (sign, d) = digits.split_at(usize::from(digits.starts_with('-')));
    let mut out = String::with_capacity(d.len() + d.len() / 3 + 1);
    out.push_str(sign);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Text safe to print on a terminal: control characters, DEL and the bidirectional overrides
/// and isolates shown as `\x1b`, `\n`, `\u202e` (as the CLI's tables show them).
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        let unsafe_char = c.is_control()
            || (0x202a..=0x202e).contains(&code)
            || (0x2066..=0x2069).contains(&code);
        if !unsafe_char {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\t' => write!(out, "\\t"),
            _ if code <= 0xff => write!(out, "\\x{code:02x}"),
            _ => write!(out, "\\u{code:x}"),
        };
    }
    out
}
