//! `fingerprint()`: a cheap token that changes whenever a query's answer could — any write
//! to turns, user turns, compactions, sessions or stamps (each ticks `ledger_clock` through
//! a trigger), a schema upgrade, or a change of the price table or the user's override.

use crate::error::Result;
use crate::ledger::{Ledger, SCHEMA_VERSION};
use crate::pricing::PriceTable;

pub fn fingerprint(ledger: &Ledger) -> Result<String> {
    let conn = ledger.conn()?;
    let ticks: i64 = conn
        .query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))?;
    let prices = PriceTable::load(ledger.home())?;
    Ok(format!("{SCHEMA_VERSION}.{ticks}.{}", prices.digest))
}
