//! relayburn core: reads coding-agent session logs into a local SQLite cost ledger, stores
//! user stamps, and answers queries. Pure Rust: no napi, no JavaScript knowledge. Every rule
//! of the product lives here; the Node binding only converts types and errors.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod analysis;
pub mod budget;
pub mod content;
pub mod error;
pub mod files;
pub mod harness;
pub mod hash;
pub mod home;
pub mod ingest;
pub mod ledger;
pub mod pricing;
pub mod push;
pub mod query;
pub mod scan;
pub mod stable_json;
pub mod stamp;
pub mod status;
pub mod statusline;
pub mod time;
pub mod tree;
pub mod validate;
pub mod vocab;

pub use error::{Error, Result};
pub use ledger::Ledger;

/// Opens the ledger for `ledger_home` (or `RELAYBURN_HOME`, or `~/.relayburn`).
pub fn open_ledger(ledger_home: Option<&str>) -> Result<Ledger> {
    let home = home::resolve_home(ledger_home)?;
    Ledger::open(&home)
}

#[cfg(test)]
mod test_store;
