//! `fingerprint()`: a cheap token that changes whenever a query's answer could — any write
//! to turns, user turns, compactions, sessions or stamps (each ticks `ledger_clock` through
//! a trigger), a schema upgrade, or a change of the price table or the user's override.

use crate::error::Result;
use crate::ledger::{Ledger, SCHEMA_VERSION};
use crate::pricing::PriceTable;

pub fn fingerprint(ledger: &Ledger) -> Result<String> {
    fingerprint_of(ledger, None, None)
}

/// [`fingerprint`], or with `session` a token of that session's cost alone: it changes when
/// the counters of the session or (unless `descendants` is `Some(false)`) of any session in
/// its tree below it change, when a session joins that tree, on a schema upgrade or a price
/// change — not when unrelated sessions are written. (A stamp changes no cost.)
pub fn fingerprint_of(
    ledger: &Ledger,
    session: Option<&str>,
    descendants: Option<bool>,
) -> Result<String> {
    let conn = ledger.conn()?;
    let Some(session) = session else {
        if descendants.is_some() {
            return Err(crate::Error::invalid("descendants", "needs a sessionId"));
        }
        return global(ledger, conn);
    };
    crate::validate::selector("sessionId", session)?;
    let ids = if descendants.unwrap_or(true) {
        super::filter::tree_ids(ledger, session)?
    } else {
        vec![session.to_string()]
    };
    let list = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn
        .prepare_cached(
            "SELECT harness, session_id, turns, input, output, reasoning, cache_read, cache_write_5m,
                    cache_write_1h, COALESCE(last_ts_ms, 0)
             FROM sessions WHERE session_id IN (SELECT value FROM json_each(?1))
             ORDER BY session_id, harness",
        )
        .map_err(|e| ledger.err(e))?;
    let mut rows = stmt.query([&list]).map_err(|e| ledger.err(e))?;
    let mut text = String::new();
    while let Some(r) = rows.next().map_err(|e| ledger.err(e))? {
        let (h, s): (String, String) =
            (|| Ok((r.get(0)?, r.get(1)?)))().map_err(|e: rusqlite::Error| ledger.err(e))?;
        text.push_str(&h);
        text.push('|');
        text.push_str(&s);
        for i in 2..10 {
            let v: i64 = r.get(i).map_err(|e| ledger.err(e))?;
            text.push('|');
            text.push_str(&v.to_string());
        }
        text.push('\n');
    }
    let prices = PriceTable::load(ledger.home())?;
    Ok(format!(
        "{SCHEMA_VERSION}.s{:016x}.{}",
        crate::hash::id64(&text) as u64,
        prices.digest
    ))
}

fn global(ledger: &Ledger, conn: &rusqlite::Connection) -> Result<String> {
    let ticks: i64 = conn
        .query_row("SELECT ticks FROM ledger_clock", [], |r| r.get(0))
        .map_err(|e| ledger.err(e))?;
    let prices = PriceTable::load(ledger.home())?;
    Ok(format!("{SCHEMA_VERSION}.{ticks}.{}", prices.digest))
}
