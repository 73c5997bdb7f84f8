//! Budgets: named spending limits per calendar period over a filter (tags,
//! harness, project), stored in the ledger's `budgets` table (kept by a rebuild, exported
//! and imported with the stamps).
//!
//! Spend is never computed here: a budget's spend is [`crate::query::summary`] over its
//! filter and its current period, so it counts exactly what `summary` counts (session trees
//! and inherited tags included, whatever `summary` does about them). Periods are the
//! calendar periods of [`Zone`]: `day` = `today`, `week` = `this-week` (with the week start),
//! `month` = `this-month`, in the zone the caller asks for (UTC by default, like `summary`).
//!
//! States: `over` when the spend has reached the limit (`spent >= limit`), else `warn` when
//! `spent >= warn × limit`, else `ok`.

use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::query::{self, SummaryOptions, TurnFilter};
use crate::time::{self, Edge, WeekStart, Zone};
use crate::validate;
use crate::vocab::Harness;
use rusqlite::params;
use std::collections::BTreeMap;

pub mod transfer;

#[cfg(test)]
mod tests;

/// Longest accepted budget name, in characters.
pub const MAX_NAME_CHARS: usize = 128;
/// Largest accepted limit, in US dollars (a guard against typos and float overflow).
pub const MAX_LIMIT_USD: f64 = 1e12;
/// Fraction of the limit at which a budget turns `warn` when none is given.
pub const DEFAULT_WARN: f64 = 0.8;

/// A budget's period: the current local day, week or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetPeriod {
    Day,
    Week,
    Month,
}

impl BudgetPeriod {
    /// `day`, `week` or `month` (any case). Errors name `field`.
    pub fn parse(field: &str, value: &str) -> Result<BudgetPeriod> {
        match value.trim().to_ascii_lowercase().as_str() {
            "day" => Ok(BudgetPeriod::Day),
            "week" => Ok(BudgetPeriod::Week),
            "month" => Ok(BudgetPeriod::Month),
            _ => Err(Error::invalid(
                field,
                format!("{value:?} is not a period: use day, week or month"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "day",
            BudgetPeriod::Week => "week",
            BudgetPeriod::Month => "month",
        }
    }

    /// The calendar name of the current period (`Zone::bound_ms` resolves it).
    fn calendar_name(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "today",
            BudgetPeriod::Week => "this-week",
            BudgetPeriod::Month => "this-month",
        }
    }
}

/// Which turns a budget counts: all of these must match (an empty filter counts everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetFilter {
    /// Folded tags, as in `summary({ tags })`.
    pub tags: BTreeMap<String, String>,
    pub harness: Option<String>,
    pub project: Option<String>,
}

/// What `set_budget` is given. `name`, `limit_usd` and `period` are required; they are
/// options so that a missing one is refused with an error naming it.
#[derive(Debug, Clone, Default)]
pub struct BudgetRequest {
    pub name: Option<String>,
    pub limit_usd: Option<f64>,
    pub period: Option<String>,
    pub filter: BudgetFilter,
    /// Fraction of the limit (0 < warn ≤ 1) at which the state turns `warn`; default 0.8.
    pub warn: Option<f64>,
}

/// A stored budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub name: String,
    pub limit_usd: f64,
    pub period: BudgetPeriod,
    pub filter: BudgetFilter,
    pub warn: f64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A budget's state in its current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetState {
    Ok,
    Warn,
    Over,
}

impl BudgetState {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetState::Ok => "ok",
            BudgetState::Warn => "warn",
            BudgetState::Over => "over",
        }
    }
}

/// One budget's spend in its current period.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStatus {
    pub budget: Budget,
    /// `summary(...).totals.costUsd` over the budget's filter and period.
    pub spent_usd: f64,
    /// `spent / limit` (may exceed 1).
    pub fraction: f64,
    /// First instant of the current period.
    pub period_start_ms: i64,
    /// First instant after it.
    pub period_end_ms: i64,
    pub state: BudgetState,
}

/// Which budgets `budget_status` reports, and in which zone.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// The labels a launcher is about to stamp: only budgets whose tag filter is contained
    /// in these (and budgets without tags) are reported. `None`: every budget.
    pub tags: Option<BTreeMap<String, String>>,
    /// Only budgets without a harness filter or with this one.
    pub harness: Option<String>,
    /// Only budgets without a project filter or with this one.
    pub project: Option<String>,
    /// IANA zone of the periods (UTC when `None`), as `summary`'s `timezone`.
    pub timezone: Option<String>,
    pub week_start: WeekStart,
}

/// A budget name: non-empty, not blank, at most 128 characters, no control characters.
pub fn validate_name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid(
            field,
            "must be a non-empty, non-blank string",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

fn validate_filter(f: &BudgetFilter, tags_field: &str) -> Result<()> {
    if !f.tags.is_empty() {
        validate::enrichment(
            tags_field,
            f.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
    }
    if let Some(h) = &f.harness {
        Harness::parse("harness", h)?;
    }
    if let Some(p) = &f.project {
        validate::selector("project", p)?;
    }
    Ok(())
}

impl BudgetRequest {
    /// Checks every rule and returns the budget to store (times left at 0).
    pub fn validate(&self) -> Result<Budget> {
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| Error::invalid("name", "is required"))?;
        validate_name("name", name)?;
        let limit_usd = self
            .limit_usd
            .ok_or_else(|| Error::invalid("limitUsd", "is required"))?;
        if !limit_usd.is_finite() || limit_usd <= 0.0 {
            return Err(Error::invalid(
                "limitUsd",
                "must be a positive number of US dollars",
            ));
        }
        if limit_usd > MAX_LIMIT_USD {
            return Err(Error::invalid(
                "limitUsd",
                format!("must be at most {MAX_LIMIT_USD} US dollars"),
            ));
        }
        let period = self
            .period
            .as_deref()
            .ok_or_else(|| Error::invalid("period", "is required: day, week or month"))?;
        let period = BudgetPeriod::parse("period", period)?;
        let warn = self.warn.unwrap_or(DEFAULT_WARN);
        if !warn.is_finite() || warn <= 0.0 || warn > 1.0 {
            return Err(Error::invalid(
                "warn",
                "must be a fraction of the limit greater than 0 and at most 1",
            ));
        }
        let filter = BudgetFilter {
            tags: self.filter.tags.clone(),
            harness: self.filter.harness.as_deref().map(|h| h.trim().to_string()),
            project: self.filter.project.clone(),
        };
        validate_filter(&filter, "tags")?;
        Ok(Budget {
            name: name.to_string(),
            limit_usd,
            period,
            filter,
            warn,
            created_ms: 0,
            updated_ms: 0,
        })
    }
}

impl StatusOptions {
    /// Checks the options without touching the disk; returns the zone.
    pub fn validate(&self) -> Result<Zone> {
        validate_filter(
            &BudgetFilter {
                tags: self.tags.clone().unwrap_or_default(),
                harness: self.harness.clone(),
                project: self.project.clone(),
            },
            "tags",
        )?;
        Zone::new(self.timezone.as_deref(), self.week_start)
    }

    /// Whether `b` counts a session stamped with `tags`, of `harness`, in `project`.
    fn applies(&self, b: &Budget) -> bool {
        let tags_ok = self.tags.as_ref().is_none_or(|want| {
            b.filter
                .tags
                .iter()
                .all(|(k, v)| want.get(k).is_some_and(|w| w == v))
        });
        let harness_ok = match (&self.harness, &b.filter.harness) {
            (Some(a), Some(h)) => a.trim() == h,
            _ => true,
        };
        let project_ok = match (&self.project, &b.filter.project) {
            (Some(a), Some(p)) => a == p,
            _ => true,
        };
        tags_ok && harness_ok && project_ok
    }
}

/// Stores a budget, replacing one of the same name (its creation time is kept).
pub fn set_budget(ledger: &mut Ledger, request: &BudgetRequest) -> Result<Budget> {
    let mut b = request.validate()?;
    let now = time::now_ms();
    let tags = encode_tags(&b.filter.tags)?;
    let path = ledger.path().to_path_buf();
    let created = ledger.write(|tx| {
        tx.query_row(
            "INSERT INTO budgets (name, limit_usd, period, tags, harness, project, warn, created_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             ON CONFLICT (name) DO UPDATE SET
                limit_usd = excluded.limit_usd, period = excluded.period, tags = excluded.tags,
                harness = excluded.harness, project = excluded.project, warn = excluded.warn,
                updated_ms = max(budgets.updated_ms + 1, excluded.updated_ms)
             RETURNING created_ms, updated_ms",
            params![
                b.name,
                b.limit_usd,
                b.period.as_str(),
                tags,
                b.filter.harness,
                b.filter.project,
                b.warn,
                now
            ],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .map_err(|e| Error::sqlite(&path, e))
    })?;
    (b.created_ms, b.updated_ms) = created;
    Ok(b)
}

/// Deletes the budget named `name`; `false` when there was none.
pub fn remove_budget(ledger: &mut Ledger, name: &str) -> Result<bool> {
    validate_name("name", name)?;
    let path = ledger.path().to_path_buf();
    let n = ledger.write(|tx| {
        tx.execute("DELETE FROM budgets WHERE name = ?1", [name])
            .map_err(|e| Error::sqlite(&path, e))
    })?;
    Ok(n > 0)
}

pub(crate) fn encode_tags(tags: &BTreeMap<String, String>) -> Result<String> {
    serde_json::to_string(tags).map_err(|e| Error::Internal(format!("cannot encode tags: {e}")))
}

/// Every budget, by name.
pub fn list_budgets(ledger: &Ledger) -> Result<Vec<Budget>> {
    let conn = ledger.conn()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, limit_usd, period, tags, harness, project, warn, created_ms, updated_ms
             FROM budgets ORDER BY name",
        )
        .map_err(|e| ledger.err(e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, f64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })
        .map_err(|e| ledger.err(e))?;
    let corrupt = |detail: String| Error::LedgerCorrupt {
        path: ledger.path().to_path_buf(),
        detail,
    };
    let mut out = Vec::new();
    for row in rows {
        let (name, limit_usd, period, tags, harness, project, warn, created_ms, updated_ms) =
            row.map_err(|e| ledger.err(e))?;
        let tags: BTreeMap<String, String> = serde_json::from_str(&tags)
            .map_err(|e| corrupt(format!("budget {name:?}: bad tags: {e}")))?;
        let period = BudgetPeriod::parse("period", &period)
            .map_err(|e| corrupt(format!("budget {name:?}: {e}")))?;
        out.push(Budget {
            name,
            limit_usd,
            period,
            filter: BudgetFilter {
                tags,
                harness,
                project,
            },
            warn,
            created_ms,
            updated_ms,
        });
    }
    Ok(out)
}

/// The state of every budget that applies (see [`StatusOptions`]), by name.
pub fn budget_status(ledger: &Ledger, opts: &StatusOptions) -> Result<Vec<BudgetStatus>> {
    budget_status_at(ledger, opts, time::now_ms())
}

/// `budget_status` at the instant `now_ms` (tests pin the clock).
pub fn budget_status_at(
    ledger: &Ledger,
    opts: &StatusOptions,
    now_ms: i64,
) -> Result<Vec<BudgetStatus>> {
    let zone = opts.validate()?;
    let mut out = Vec::new();
    for b in list_budgets(ledger)? {
        if !opts.applies(&b) {
            continue;
        }
        out.push(status_of(ledger, &zone, opts, b, now_ms)?);
    }
    Ok(out)
}

fn status_of(
    ledger: &Ledger,
    zone: &Zone,
    opts: &StatusOptions,
    b: Budget,
    now_ms: i64,
) -> Result<BudgetStatus> {
    let name = b.period.calendar_name();
    let start = zone.bound_ms(Edge::Since, name, now_ms)?;
    let end = zone.bound_ms(Edge::Until, name, now_ms)?;
    let filter = TurnFilter {
        since: Some(time::format_ms(start)),
        until: Some(time::format_ms(end)),
        harness: b.filter.harness.clone(),
        project: b.filter.project.clone(),
        tags: b.filter.tags.clone(),
        ..TurnFilter::default()
    };
    let summary_opts = SummaryOptions {
        timezone: opts.timezone.clone(),
        week_start: opts.week_start,
        ..SummaryOptions::default()
    };
    let spent_usd = query::summary_at(ledger, &filter, &summary_opts, now_ms)?
        .totals
        .cost_usd;
    let fraction = spent_usd / b.limit_usd;
    let state = if spent_usd >= b.limit_usd {
        BudgetState::Over
    } else if fraction >= b.warn {
        BudgetState::Warn
    } else {
        BudgetState::Ok
    };
    Ok(BudgetStatus {
        budget: b,
        spent_usd,
        fraction,
        period_start_ms: start,
        period_end_ms: end,
        state,
    })
}
