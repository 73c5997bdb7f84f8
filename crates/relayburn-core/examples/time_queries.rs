//! Times the dashboard's first-paint queries over a ledger in a native process (no Node, no
//! binding), for profiling and before/after comparisons: `cargo run --release -p
//! relayburn-core --example time_queries -- <ledger home> [case] [runs] [out]`, where `case`
//! is `model30`, `persona30`, `pear90`, `harness-all`, `sessions30` or `sessions-pear90`.
//! Prints each run's milliseconds (the first builds the tag index later runs reuse); with
//! `out`, writes the last answer (`Debug`) there, so two builds' answers can be compared.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use relayburn_core::query::{
    sessions, summary, GroupBy, SessionsFilter, SummaryOptions, TurnFilter,
};
use relayburn_core::Ledger;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

fn by(dims: &[&str]) -> SummaryOptions {
    SummaryOptions {
        group_by: GroupBy::parse(dims[0]).expect("dimension"),
        then_by: dims[1..]
            .iter()
            .map(|d| GroupBy::parse(d).expect("dimension"))
            .collect(),
        timezone: Some("UTC".into()),
        ..SummaryOptions::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(home) = args.get(1).map(Path::new) else {
        return Err("usage: time_queries <ledger home> [case] [runs] [out]".into());
    };
    let case = args.get(2).map(String::as_str).unwrap_or("harness-all");
    let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let pear = || BTreeMap::from([("spawner".to_string(), "pear".to_string())]);
    let since = |s: &str| TurnFilter {
        since: Some(s.into()),
        ..TurnFilter::default()
    };
    for _ in 0..n {
        let ledger = Ledger::open(home)?;
        let t = Instant::now();
        let desc = match case {
            "model30" => format!(
                "{:?}",
                summary(&ledger, &since("30d"), &by(&["day", "model"]))?
            ),
            "persona30" => format!(
                "{:?}",
                summary(&ledger, &since("30d"), &by(&["day", "tag:persona"]))?
            ),
            "pear90" => {
                let f = TurnFilter {
                    tags: pear().into_iter().collect(),
                    ..since("90d")
                };
                format!("{:?}", summary(&ledger, &f, &by(&["day", "model"]))?)
            }
            "harness-all" => format!(
                "{:?}",
                summary(&ledger, &TurnFilter::default(), &by(&["day", "harness"]))?
            ),
            "sessions30" | "sessions-pear90" => {
                let f = SessionsFilter {
                    since: Some(if case == "sessions30" { "30d" } else { "90d" }.into()),
                    tags: if case == "sessions30" {
                        BTreeMap::new()
                    } else {
                        pear()
                    },
                    limit: Some(15),
                    ..SessionsFilter::default()
                };
                format!("{:?}", sessions(&ledger, &f)?)
            }
            other => return Err(format!("unknown case {other}").into()),
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if let Some(out) = args.get(4) {
            std::fs::write(out, &desc)?;
        }
        println!("{case}: {ms:.1} ms");
    }
    Ok(())
}
