//! The Claude Code reader alone, on one thread, over every `.jsonl` under a root: what parsing
//! costs without discovery, the writer or a second thread, for before/after runs of reader
//! changes (`cargo run --release -p relayburn-core --example time_claude_read -- <root>`).
//! The files are read into memory first; the figure is the thread's CPU time over the reads.

/// The addon's allocator (`crates/relayburn-node`), so timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/clock.rs"]
mod clock;

use relayburn_core::harness::claude::{ClaudeReader, ClaudeState, FileContext};
use relayburn_core::harness::LogReader;
use relayburn_core::scan::LineReader;
use relayburn_core::vocab::records::Records;
use std::path::{Path, PathBuf};

fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            jsonl_files(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "jsonl") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .ok_or("usage: time_claude_read <claude root>")?;
    let mut files = Vec::new();
    jsonl_files(Path::new(&root), &mut files)?;
    files.sort();
    let data = files
        .iter()
        .map(std::fs::read)
        .collect::<Result<Vec<_>, _>>()?;
    let t0 = clock::thread_ms();
    let (mut turns, mut user_turns, mut skipped) = (0, 0, 0);
    for (path, bytes) in files.iter().zip(&data) {
        let ctx = FileContext {
            file_stem: path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into(),
            subagent: None,
            path: path.display().to_string(),
        };
        let mut reader = ClaudeReader::new(ctx, ClaudeState::default());
        let mut out = Records::default();
        let mut lines = LineReader::new(&bytes[..], 0);
        while let Some(line) = lines.next_line()? {
            reader.feed(&line, &mut out);
        }
        reader.finish(true, &mut out);
        turns += out.turns.len();
        user_turns += out.user_turns.len();
        skipped += out.lines_skipped;
    }
    println!(
        "{} files, {} bytes, {turns} turns, {user_turns} user turns, {skipped} lines skipped, reader thread CPU {:.1} ms",
        files.len(),
        data.iter().map(Vec::len).sum::<usize>(),
        clock::thread_ms() - t0
    );
    Ok(())
}
