//! `setBudget`, `removeBudget`, `budgets`, `budgetStatus`.

use crate::task::core_task;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use relayburn_core::budget::{self, BudgetFilter as CoreFilter, BudgetRequest, StatusOptions};
use relayburn_core::time::{format_ms, WeekStart};
use std::collections::HashMap;

#[napi(object)]
pub struct SetBudgetOptions {
    pub name: Option<String>,
    pub limit_usd: Option<f64>,
    pub period: Option<String>,
    pub tags: Option<HashMap<String, String>>,
    pub harness: Option<String>,
    pub project: Option<String>,
    pub warn: Option<f64>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct BudgetFilter {
    pub tags: HashMap<String, String>,
    pub harness: Option<String>,
    pub project: Option<String>,
}

fn filter_of(f: CoreFilter) -> BudgetFilter {
    BudgetFilter {
        tags: f.tags.into_iter().collect(),
        harness: f.harness,
        project: f.project,
    }
}

#[napi(object)]
pub struct Budget {
    pub name: String,
    pub limit_usd: f64,
    /// `day`, `week` or `month`.
    pub period: String,
    pub warn: f64,
    pub filter: BudgetFilter,
    pub created_at: String,
    pub updated_at: String,
}

impl From<budget::Budget> for Budget {
    fn from(b: budget::Budget) -> Self {
        Budget {
            name: b.name,
            limit_usd: b.limit_usd,
            period: b.period.as_str().to_string(),
            warn: b.warn,
            filter: filter_of(b.filter),
            created_at: format_ms(b.created_ms),
            updated_at: format_ms(b.updated_ms),
        }
    }
}

pub struct BudgetList(Vec<budget::Budget>);

impl From<BudgetList> for Vec<Budget> {
    fn from(l: BudgetList) -> Self {
        l.0.into_iter().map(Budget::from).collect()
    }
}

#[napi(object)]
pub struct RemoveBudgetOptions {
    pub name: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct RemoveBudgetResult {
    /// False when no budget had that name.
    pub removed: bool,
}

impl From<bool> for RemoveBudgetResult {
    fn from(removed: bool) -> Self {
        RemoveBudgetResult { removed }
    }
}

#[napi(object)]
pub struct BudgetsOptions {
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct BudgetStatusOptions {
    pub tags: Option<HashMap<String, String>>,
    pub harness: Option<String>,
    pub project: Option<String>,
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub ledger_home: Option<String>,
}

#[napi(object)]
pub struct BudgetStatus {
    pub name: String,
    pub limit_usd: f64,
    pub spent_usd: f64,
    pub fraction: f64,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    /// `ok`, `warn` or `over`.
    pub state: String,
    pub warn: f64,
    pub filter: BudgetFilter,
}

pub struct StatusList(Vec<budget::BudgetStatus>);

impl From<StatusList> for Vec<BudgetStatus> {
    fn from(l: StatusList) -> Self {
        l.0.into_iter()
            .map(|s| BudgetStatus {
                name: s.budget.name,
                limit_usd: s.budget.limit_usd,
                spent_usd: s.spent_usd,
                fraction: s.fraction,
                period: s.budget.period.as_str().to_string(),
                period_start: format_ms(s.period_start_ms),
                period_end: format_ms(s.period_end_ms),
                state: s.state.as_str().to_string(),
                warn: s.budget.warn,
                filter: filter_of(s.budget.filter),
            })
            .collect()
    }
}

core_task!(SetBudgetTask, SetBudgetOptions, budget::Budget => Budget, |o: SetBudgetOptions| {
    let request = BudgetRequest {
        name: o.name,
        limit_usd: o.limit_usd,
        period: o.period,
        filter: CoreFilter {
            tags: o.tags.unwrap_or_default().into_iter().collect(),
            harness: o.harness,
            project: o.project,
        },
        warn: o.warn,
    };
    // Validate before touching the disk, so bad input never creates a ledger.
    request.validate()?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    budget::set_budget(&mut ledger, &request)
});

core_task!(RemoveBudgetTask, RemoveBudgetOptions, bool => RemoveBudgetResult, |o: RemoveBudgetOptions| {
    let name = o.name.unwrap_or_default();
    budget::validate_name("name", &name)?;
    let mut ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    budget::remove_budget(&mut ledger, &name)
});

core_task!(BudgetsTask, BudgetsOptions, BudgetList => Vec<Budget>, |o: BudgetsOptions| {
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    budget::list_budgets(&ledger).map(BudgetList)
});

core_task!(BudgetStatusTask, BudgetStatusOptions, StatusList => Vec<BudgetStatus>, |o: BudgetStatusOptions| {
    let opts = StatusOptions {
        tags: o.tags.map(|t| t.into_iter().collect()),
        harness: o.harness,
        project: o.project,
        timezone: o.timezone,
        week_start: WeekStart::parse_or_default(o.week_start.as_deref())?,
    };
    opts.validate()?;
    let ledger = relayburn_core::open_ledger(o.ledger_home.as_deref())?;
    budget::budget_status(&ledger, &opts).map(StatusList)
});

/// Stores a budget (replacing one of the same name). Resolves with the stored budget.
#[napi]
pub fn set_budget(options: SetBudgetOptions) -> AsyncTask<SetBudgetTask> {
    AsyncTask::new(SetBudgetTask(Some(options)))
}

/// Deletes a budget by name.
#[napi]
pub fn remove_budget(options: RemoveBudgetOptions) -> AsyncTask<RemoveBudgetTask> {
    AsyncTask::new(RemoveBudgetTask(Some(options)))
}

/// Every budget, by name.
#[napi]
pub fn budgets(options: Option<BudgetsOptions>) -> AsyncTask<BudgetsTask> {
    let options = options.unwrap_or(BudgetsOptions { ledger_home: None });
    AsyncTask::new(BudgetsTask(Some(options)))
}

/// The state of each budget that applies, in its current period.
#[napi]
pub fn budget_status(options: Option<BudgetStatusOptions>) -> AsyncTask<BudgetStatusTask> {
    let options = options.unwrap_or(BudgetStatusOptions {
        tags: None,
        harness: None,
        project: None,
        timezone: None,
        week_start: None,
        ledger_home: None,
    });
    AsyncTask::new(BudgetStatusTask(Some(options)))
}
