//! Reads over the ledger.

mod filter;
mod fingerprint;
mod group;
mod sessions;
mod summary;
mod tag_cache;
mod tags;

/// Used by `analysis` (same filter rules, tag folding and rounding as `summary`).
pub(crate) use filter::Resolved;
pub use filter::TurnFilter;
pub use fingerprint::{fingerprint, fingerprint_of};
pub use group::{GroupBy, GROUP_BY_NAMES, MAX_GROUP_DIMS};
pub(crate) use group::{BUCKET_MS, HOUR_MS};
pub use sessions::{
    session, session_cost, session_with_content, sessions, CompactionRow, SessionCost,
    SessionDetail, SessionRow, SessionsFilter, TurnRow, UserTurnBlockRow, UserTurnRow,
    DEFAULT_SESSIONS_LIMIT,
};
pub(crate) use summary::round_usd;
/// Used by `budget` (spend at a pinned instant).
pub(crate) use summary::summary_at;
pub use summary::{summary, Summary, SummaryOptions, Totals, KEY_JOIN};
/// Used by `analysis`: the same cached tag index as `summary` and `sessions`.
pub(crate) use tag_cache::tag_index;
pub(crate) use tags::TagIndex;

#[cfg(test)]
pub(crate) mod rollup_tests;
#[cfg(test)]
mod tag_cache_tests;
#[cfg(test)]
mod tests;
