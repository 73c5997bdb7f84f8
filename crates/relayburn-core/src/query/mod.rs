//! Reads over the ledger.

mod filter;
mod sessions;
mod status;
mod summary;

pub use filter::TurnFilter;
pub use sessions::{
    session, sessions, CompactionRow, SessionDetail, SessionRow, SessionsFilter, TurnRow,
    UserTurnBlockRow, UserTurnRow, DEFAULT_SESSIONS_LIMIT,
};
pub use status::{status, Status};
pub use summary::{summary, GroupBy, Summary, Totals};
