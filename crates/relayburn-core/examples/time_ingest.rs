//! A cold (or repeated) ingest of Claude Code stores in one native process, timed: what the
//! ingest costs without Node, for profiling (`perf record`) and before/after runs:
//! `cargo run --release -p relayburn-core --example time_ingest -- <ledger home> <claude root>
//! [off|full|hash-only]`.
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
    let t0 = Instant::now();
    let mut ledger = relayburn_core::open_ledger(Some(home))?;
    let report = ingest(
        &mut ledger,
        &IngestOptions {
            harnesses: Some(vec![Harness::ClaudeCode]),
            roots: std::collections::HashMap::from([(Harness::ClaudeCode, vec![root.clone()])]),
            content_mode: Some(content_mode),
            ..Default::default()
        },
    )?;
    println!(
        "{} files changed, {} bytes, {} turns added, {} user turns, {} lines skipped, {:.0} ms",
        report.files_changed,
        report.bytes_read,
        report.turns_added,
        report.user_turns_added,
        report.lines_skipped,
        t0.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
