//! Repeated ingest passes over one or more stores in one native process, timed: the cost of
//! a sweep that finds nothing (or little) changed, without Node, for profiling (`perf record`)
//! and before/after runs:
//! `cargo run --release -p relayburn-core --example time_sweep -- <ledger home> <passes>
//! <harness>=<root> [<harness>=<root> …]`. The first pass ingests whatever is new (cold on a
//! fresh home); every pass's time is printed, then the median of the passes after the first.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/clock.rs"]
mod clock;

use relayburn_core::ingest::{ingest, IngestOptions};
use relayburn_core::vocab::Harness;
use std::collections::HashMap;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: time_sweep <ledger home> <passes> <harness>=<root>…";
    let [_, home, passes, stores @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let passes: usize = passes.parse().map_err(|_| usage)?;
    let mut roots: HashMap<Harness, Vec<String>> = HashMap::new();
    for store in stores {
        let (h, root) = store.split_once('=').ok_or(usage)?;
        let h = Harness::ALL
            .into_iter()
            .find(|x| x.as_str() == h)
            .ok_or_else(|| format!("unknown harness {h}"))?;
        roots.entry(h).or_default().push(root.to_string());
    }
    let opts = IngestOptions {
        harnesses: Some(roots.keys().copied().collect()),
        roots,
        content_mode: Some(relayburn_core::content::settings::ContentMode::Off),
        ..Default::default()
    };
    let mut ledger = relayburn_core::open_ledger(Some(home))?;
    let (mut times, mut cpus) = (Vec::new(), Vec::new());
    for i in 0..passes {
        let (t0, c0) = (Instant::now(), clock::process_ms());
        let report = ingest(&mut ledger, &opts)?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let cpu = clock::process_ms() - c0;
        println!(
            "pass {i}: {ms:.2} ms (CPU {cpu:.2} ms), {} files scanned, {} changed, {} bytes, {} turns added",
            report.files_scanned, report.files_changed, report.bytes_read, report.turns_added
        );
        if i > 0 {
            times.push(ms);
            cpus.push(cpu);
        }
    }
    if !times.is_empty() {
        println!(
            "median of passes 1..: {:.2} ms, CPU {:.2} ms",
            median(&mut times),
            median(&mut cpus)
        );
    }
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}
