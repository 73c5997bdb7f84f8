//! Times one analysis over a ledger in a native process (no Node, no binding), for profiling
//! and before/after comparisons: `cargo run --release -p relayburn-core --example
//! time_analyses -- <ledger home> <tool|file|command|subagent|overhead|compare> [runs] [out]`.
//! Prints each run's milliseconds; with `out`, writes the last answer (`Debug`) there, so two
//! builds' answers can be compared byte for byte.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use relayburn_core::analysis::{
    compare, hotspots, overhead, CompareOptions, HotspotBy, HotspotsOptions, OverheadOptions,
};
use relayburn_core::Ledger;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(home) = args.get(1).map(Path::new) else {
        return Err("usage: time_analyses <ledger home> [analysis] [runs] [out]".into());
    };
    let what = args.get(2).map(String::as_str).unwrap_or("tool");
    let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(3);
    for _ in 0..n {
        let ledger = Ledger::open(home)?;
        let t = Instant::now();
        let desc = match what {
            "overhead" => format!("{:?}", overhead(&ledger, &OverheadOptions::default())?),
            "compare" => format!("{:?}", compare(&ledger, &CompareOptions::default())?),
            by => {
                let by = HotspotBy::parse("by", by)?;
                let h = hotspots(
                    &ledger,
                    &HotspotsOptions {
                        by,
                        ..Default::default()
                    },
                )?;
                format!("{h:?}")
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if let Some(out) = args.get(4) {
            std::fs::write(out, &desc)?;
        }
        println!("{what}: {ms:.1} ms  {}", desc.len());
    }
    Ok(())
}
