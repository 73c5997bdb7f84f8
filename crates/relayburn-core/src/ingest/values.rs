//! Multi-row `INSERT … VALUES` for tables with triggers. SQLite gives each statement that
//! fires triggers its own statement journal (a copy of every page it touches, so it can undo
//! that statement alone); one statement over many rows journals each page once instead of
//! once per row.

use rusqlite::{Connection, ToSql};

/// Rows per statement: a few sizes only, so each table needs few cached statements.
const CHUNKS: [usize; 6] = [32, 16, 8, 4, 2, 1];

/// Runs `{head} VALUES {row}, {row}, … {tail}` over `params`, `width` parameters per row in
/// `row`'s order (`row` holds `width` anonymous `?`), rows in order.
pub(super) fn insert_rows(
    conn: &Connection,
    head: &str,
    row: &str,
    tail: &str,
    width: usize,
    params: &[&dyn ToSql],
) -> rusqlite::Result<()> {
    debug_assert_eq!(params.len() % width, 0);
    let mut rest = params;
    while !rest.is_empty() {
        let rows = rest.len() / width;
        let n = CHUNKS.into_iter().find(|&c| c <= rows).unwrap_or(1);
        let (now, later) = rest.split_at(n * width);
        let values = vec![row; n].join(", ");
        conn.prepare_cached(&format!("{head} VALUES {values} {tail}"))?
            .execute(now)?;
        rest = later;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row lands, in order, whatever the count (each chunk size and their sums).
    #[test]
    fn writes_every_row_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER, label TEXT, seen INTEGER DEFAULT 1)")
            .unwrap();
        for count in [0usize, 1, 2, 3, 31, 32, 33, 70] {
            conn.execute("DELETE FROM t", []).unwrap();
            let rows: Vec<(i64, String)> =
                (0..count as i64).map(|i| (i, format!("r{i}"))).collect();
            let params: Vec<&dyn ToSql> = rows
                .iter()
                .flat_map(|(n, l)| [n as &dyn ToSql, l as &dyn ToSql])
                .collect();
            insert_rows(&conn, "INSERT INTO t (n, label)", "(?, ?)", "", 2, &params).unwrap();
            let got: Vec<(i64, String)> = conn
                .prepare("SELECT n, label FROM t ORDER BY rowid")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(got, rows, "{count} rows");
        }
    }
}
