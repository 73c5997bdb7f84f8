//! Analyses: where the tokens went. `hotspots` attributes context tokens to the tool results
//! (tools, files, shell commands) and subagents that caused them, `overhead` splits each
//! session's spend into context re-reads, new work, unread cache writes and compaction
//! savings, `compare` puts models side by side. All three walk the same per-session timeline
//! (`timeline.rs`): a session's turns, tool results (persisted in `user_turns` blocks) and
//! compactions in time order. The attribution model and its limits are in ARCHITECTURE.md
//! ("Analyses").

mod attribution;
mod compare;
mod derived;
mod hotspots;
mod overhead;
mod timeline;

pub use compare::{compare, validate_models, Compare, CompareOptions, CompareRow, MAX_MODELS};
pub use hotspots::{hotspots, HotspotBy, HotspotRow, Hotspots, HotspotsOptions, HOTSPOT_BY_NAMES};
pub use overhead::{overhead, Overhead, OverheadOptions, OverheadRow};
pub use timeline::Scope;

use crate::error::{Error, Result};

/// Default number of rows of `hotspots` and `overhead`.
pub const DEFAULT_LIMIT: i64 = 20;
/// Largest accepted `limit`.
pub const MAX_LIMIT: i64 = 10_000;

/// `limit`: a positive integer, at most [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when absent.
pub fn limit_of(limit: Option<i64>) -> Result<usize> {
    match limit {
        None => Ok(DEFAULT_LIMIT as usize),
        Some(n) if n < 1 => Err(Error::invalid("limit", "must be positive")),
        Some(n) if n > MAX_LIMIT => Err(Error::invalid(
            "limit",
            format!("must be at most {MAX_LIMIT}"),
        )),
        Some(n) => Ok(n as usize),
    }
}

#[cfg(test)]
mod tests;
