//! The status line's work (`burn statusline`) in one native process, each step timed: open
//! the ledger, ingest the transcript (`sessionFile`), the session's cost, today's cost (UTC)
//! and every budget's status. It shows what the work costs without Node:
//! `cargo run --release -p relayburn-core --example time_statusline -- <ledger home>
//! <transcript.jsonl> <session id>`.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use relayburn_core::budget::{budget_status, StatusOptions};
use relayburn_core::ingest::{ingest, IngestOptions};
use relayburn_core::query::{session_cost, summary, SummaryOptions, TurnFilter};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let [_, home, file, session] = args.as_slice() else {
        return Err("usage: time_statusline <ledger home> <transcript.jsonl> <session id>".into());
    };
    let mut ledger = relayburn_core::open_ledger(Some(home))?;
    let t1 = Instant::now();
    ingest(
        &mut ledger,
        &IngestOptions {
            session_file: Some(file.clone()),
            ..Default::default()
        },
    )?;
    let t2 = Instant::now();
    let cost = session_cost(&ledger, session, None)?;
    let t3 = Instant::now();
    let opts = SummaryOptions {
        timezone: Some("UTC".into()),
        ..Default::default()
    };
    let today = summary(
        &ledger,
        &TurnFilter {
            since: Some("today".into()),
            ..Default::default()
        },
        &opts,
    )?;
    let t4 = Instant::now();
    let b = budget_status(
        &ledger,
        &StatusOptions {
            timezone: Some("UTC".into()),
            ..Default::default()
        },
    )?;
    let t5 = Instant::now();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    println!(
        "${:.2} session · ${:.2} today · {} budgets | open {:.1} ingest {:.1} cost {:.1} today {:.1} budgets {:.1} ms",
        cost.totals.cost_usd, today.totals.cost_usd, b.len(),
        ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t4, t5)
    );
    Ok(())
}
