//! Budgets in the stamps' JSONL export (`stamp/transfer.rs`): budgets are written by users and
//! cannot be re-derived from logs either, so they travel in the same file, one line each,
//! after the stamps:
//!
//! `{"budget":{"name","limitUsd","period","tags","harness"?,"project"?,"warn","createdAt","updatedAt"}}`
//!
//! Import validates each budget with the `setBudget` rules and keeps, per name, the newer
//! version (`updatedAt`): importing a file twice changes nothing, and an older export never
//! overwrites a budget changed since.

use super::{encode_tags, Budget, BudgetFilter, BudgetRequest};
use crate::error::{Error, Result};
use crate::time;
use rusqlite::{params, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    budget: Body,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    name: String,
    limit_usd: f64,
    period: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    harness: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warn: Option<f64>,
    created_at: String,
    updated_at: String,
}

/// Writes one line per budget.
pub(crate) fn write_lines(budgets: &[Budget], out: &mut impl Write) -> std::io::Result<()> {
    for b in budgets {
        let line = Line {
            budget: Body {
                name: b.name.clone(),
                limit_usd: b.limit_usd,
                period: b.period.as_str().to_string(),
                tags: b.filter.tags.clone(),
                harness: b.filter.harness.clone(),
                project: b.filter.project.clone(),
                warn: Some(b.warn),
                created_at: time::format_ms(b.created_ms),
                updated_at: time::format_ms(b.updated_ms),
            },
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `None` when the line is not a budget line (an object whose one key is `budget`);
/// otherwise the validated budget, or an error naming the file and line.
pub(crate) fn parse_line(path: &Path, n: usize, text: &str) -> Option<Result<Budget>> {
    if !is_budget_line(text) {
        return None;
    }
    let bad =
        |message: String| Error::invalid("path", format!("{} line {n}: {message}", path.display()));
    let parse = || -> Result<Budget> {
        let line: Line = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let body = line.budget;
        let request = BudgetRequest {
            name: Some(body.name),
            limit_usd: Some(body.limit_usd),
            period: Some(body.period),
            filter: BudgetFilter {
                tags: body.tags,
                harness: body.harness,
                project: body.project,
            },
            warn: body.warn,
        };
        let mut b = request.validate().map_err(|e| bad(e.to_string()))?;
        b.created_ms = time::parse_instant_ms("createdAt", &body.created_at)
            .map_err(|e| bad(e.to_string()))?;
        b.updated_ms = time::parse_instant_ms("updatedAt", &body.updated_at)
            .map_err(|e| bad(e.to_string()))?;
        Ok(b)
    };
    Some(parse())
}

fn is_budget_line(text: &str) -> bool {
    matches!(
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text),
        Ok(map) if map.len() == 1 && map.contains_key("budget")
    )
}

/// Adds the budgets the ledger lacks and replaces those it holds in an older version.
/// Returns (imported, skipped).
pub(crate) fn import(tx: &Transaction<'_>, db: &Path, budgets: &[Budget]) -> Result<(i64, i64)> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO budgets (name, limit_usd, period, tags, harness, project, warn, created_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (name) DO UPDATE SET
                limit_usd = excluded.limit_usd, period = excluded.period, tags = excluded.tags,
                harness = excluded.harness, project = excluded.project, warn = excluded.warn,
                created_ms = excluded.created_ms, updated_ms = excluded.updated_ms
             WHERE excluded.updated_ms > budgets.updated_ms",
        )
        .map_err(|e| Error::sqlite(db, e))?;
    let (mut imported, mut skipped) = (0, 0);
    for b in budgets {
        let n = stmt
            .execute(params![
                b.name,
                b.limit_usd,
                b.period.as_str(),
                encode_tags(&b.filter.tags)?,
                b.filter.harness,
                b.filter.project,
                b.warn,
                b.created_ms,
                b.updated_ms
            ])
            .map_err(|e| Error::sqlite(db, e))?;
        if n == 1 {
            imported += 1;
        } else {
            skipped += 1;
        }
    }
    Ok((imported, skipped))
}
