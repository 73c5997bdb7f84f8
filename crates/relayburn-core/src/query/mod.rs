//! Reads over the ledger.

mod status;

pub use status::{status, Status};
