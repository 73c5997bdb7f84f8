//! A cold (or repeated) ingest of Claude Code stores in one native process, timed: what the
//! ingest costs without Node, for profiling (`perf record`) and before/after runs:
//! `cargo run --release -p relayburn-core --example time_ingest -- <ledger home> <claude root>
//! [off|full|hash-only]`. The root may also be a comma-separated list of `<harness>=<root>`
//! (the mixed corpus: `claude-code=<dir>/claude,codex=<dir>/codex,opencode=<dir>/opencode`).

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/clock.rs"]
mod clock;

use relayburn_core::content::settings::ContentMode;
use relayburn_core::ingest::{ingest, IngestOptions};
use relayburn_core::vocab::Harness;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (home, root, mode) = match args.as_slice() {
        [_, home, root] => (home, root, "off"),
        [_, home, root, mode] => (home, root, mode.as_str()),
        _ => {
            return Err(
                "usage: time_ingest <ledger home> <claude root> [off|full|hash-only]".into(),
            )
        }
    };
    let content_mode = match mode {
        "off" => ContentMode::Off,
        "full" => ContentMode::Full,
        "hash-only" => ContentMode::HashOnly,
        other => return Err(format!("unknown content mode {other}").into()),
    };
    let mut roots = std::collections::HashMap::new();
    if root.contains('=') {
        for store in root.split(',') {
            let (h, dir) = store.split_once('=').ok_or("expected <harness>=<root>")?;
            let h = Harness::ALL
                .iter()
                .copied()
                .find(|x| x.as_str() == h)
                .ok_or_else(|| format!("unknown harness {h}"))?;
            roots.insert(h, vec![dir.to_string()]);
        }
    } else {
        roots.insert(Harness::ClaudeCode, vec![root.clone()]);
    }
    let t0 = Instant::now();
    let mut ledger = relayburn_core::open_ledger(Some(home))?;
    let report = ingest(
        &mut ledger,
        &IngestOptions {
            harnesses: Some(roots.keys().copied().collect()),
            roots,
            content_mode: Some(content_mode),
            ..Default::default()
        },
    )?;
    println!(
        "{} files changed, {} bytes, {} turns added, {} user turns, {} lines skipped, {:.0} ms, writer thread CPU {:.0} ms",
        report.files_changed,
        report.bytes_read,
        report.turns_added,
        report.user_turns_added,
        report.lines_skipped,
        t0.elapsed().as_secs_f64() * 1e3,
        // This thread is the ledger writer of the ingest (the parse threads are others): the
        // critical path of a cold ingest, steadier than wall time on a shared machine.
        clock::thread_ms()
    );
    Ok(())
}
