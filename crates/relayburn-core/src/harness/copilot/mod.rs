//! GitHub Copilot CLI readers. Copilot keeps its state in `~/.copilot` (`$COPILOT_HOME`):
//!
//! - `session-store.db` ([`store`]): table `assistant_usage_events`, one row per model call,
//!   read-only with a keyset cursor on the row id.
//! - `session-state/<session>/events.jsonl` ([`events`]): the session's events; each
//!   `session.shutdown` holds the usage of the process that wrote it (one per run, not
//!   cumulative across resumes). A run whose calls the database holds is counted from the
//!   database only.
//!
//! Both report `inputTokens` inclusive of cache reads and writes (subtracted here). Claude
//! and GPT models count reasoning inside `outputTokens`; Gemini models report it beside. The
//! cost Copilot bills (AI units, earlier premium requests) is kept as the turn's reported
//! cost.

pub mod events;
pub mod store;

#[cfg(test)]
mod tests;

use crate::vocab::records::Usage;

/// One call's (or one run's) usage in the shared token model.
pub(crate) fn usage(
    model: &str,
    input: i64,
    output: i64,
    cache_read: i64,
    cache_write: i64,
    reasoning: i64,
) -> Usage {
    let gemini = model.trim().to_ascii_lowercase().starts_with("gemini");
    let (output, reasoning) = if gemini {
        (output + reasoning, reasoning)
    } else {
        (output, reasoning.min(output))
    };
    Usage {
        input: (input - cache_read - cache_write).max(0),
        output,
        reasoning,
        cache_read,
        cache_write_5m: cache_write,
        cache_write_1h: 0,
    }
}

/// The model a row names: `copilot_usage_model` when `model` is the `auto` router.
pub(crate) fn model_of(model: Option<&str>, usage_model: Option<&str>) -> String {
    let clean = |m: Option<&str>| {
        m.map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
    };
    clean(usage_model)
        .or_else(|| clean(model))
        .unwrap_or_else(|| "auto".to_string())
}

/// The cost Copilot itself reports, in dollars: AI units (1 AIU = $0.01, so dollars = nano
/// AIU / 10^11), else premium requests at $0.04 each. `None` when it reports neither.
pub fn reported_cost_usd(nano_aiu: i64, premium_requests: Option<f64>) -> Option<f64> {
    if nano_aiu > 0 {
        return Some(nano_aiu as f64 / 1e11);
    }
    premium_requests
        .filter(|r| r.is_finite() && *r > 0.0)
        .map(|r| r * 0.04)
}
