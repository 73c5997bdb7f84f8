//! How a later copy of a turn merges into the copy already held, whether that copy is a
//! `turns` row (`writer::merge_stored`) or a staged turn not inserted yet (`writer::Stage`):
//! one rule, decided here, applied by each.

use crate::vocab::records::{ToolCall, TurnRecord};

/// What the rule reads of the held copy.
pub(super) struct Held<'a> {
    /// Its usage total (`Usage::total`).
    pub total: i64,
    pub complete: bool,
    pub tool_calls: &'a [ToolCall],
    pub model_empty: bool,
    pub has_cost: bool,
}

/// What a later copy changes in the held one.
#[derive(Debug, PartialEq)]
pub(super) struct Merge<'a> {
    /// The later copy's usage, stop reason and completeness replace the held ones, and its
    /// reported cost wins when it has one (they were reported together). Otherwise the held
    /// cost stays and the later one only fills a missing one.
    pub better: bool,
    /// Tool calls (by id) the held copy lacks, in the later copy's order: united, never replaced.
    pub new_calls: Vec<&'a ToolCall>,
    /// The held copy has no model and the later one has.
    pub model_fill: bool,
    /// The held copy has no reported cost and the later one has (a cost the harness wrote
    /// later is taken even when usage is equal).
    pub cost_fill: bool,
}

/// The merge of `later` into `held`; `None` when it changes nothing. A complete copy beats an
/// incomplete one; between equally complete copies the larger usage wins.
pub(super) fn merge<'a>(held: &Held, later: &'a TurnRecord) -> Option<Merge<'a>> {
    let better = (later.complete && !held.complete)
        || (later.complete == held.complete && later.usage.total() > held.total);
    let mut new_calls: Vec<&ToolCall> = Vec::new();
    for call in &later.tool_calls {
        let known = held.tool_calls.iter().any(|c| c.id == call.id)
            || new_calls.iter().any(|c| c.id == call.id);
        if !known {
            new_calls.push(call);
        }
    }
    let m = Merge {
        better,
        model_fill: held.model_empty && !later.model.is_empty(),
        cost_fill: !held.has_cost && later.reported_cost_usd.is_some(),
        new_calls,
    };
    (m.better || !m.new_calls.is_empty() || m.model_fill || m.cost_fill).then_some(m)
}

/// The reported cost after a merge, from the held one and the later copy's.
pub(super) fn merged_cost(m: &Merge, held: Option<f64>, later: Option<f64>) -> Option<f64> {
    if m.better {
        later.or(held)
    } else {
        held.or(later)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::vocab::records::Usage;
    use crate::vocab::Harness;

    /// A tool call by id (the writer's tests use these two too).
    pub(crate) fn call(id: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "Bash".into(),
            target: None,
            args_hash: String::new(),
        }
    }

    /// A copy of one turn: 10 input tokens, `output` output tokens.
    pub(crate) fn copy(
        output: i64,
        complete: bool,
        calls: &[&str],
        cost: Option<f64>,
    ) -> TurnRecord {
        TurnRecord {
            harness: Harness::ClaudeCode,
            key: "k".into(),
            session_id: "s".into(),
            message_id: "m".into(),
            request_id: None,
            ts_ms: 0,
            model: "m1".into(),
            provider: None,
            project: None,
            branch: None,
            usage: Usage {
                input: 10,
                output,
                ..Usage::default()
            },
            stop_reason: None,
            complete,
            tool_calls: calls.iter().map(|c| call(c)).collect(),
            reported_cost_usd: cost,
        }
    }

    fn held(t: &TurnRecord) -> Held<'_> {
        Held {
            total: t.usage.total(),
            complete: t.complete,
            tool_calls: &t.tool_calls,
            model_empty: t.model.is_empty(),
            has_cost: t.reported_cost_usd.is_some(),
        }
    }

    fn better(old: &TurnRecord, later: &TurnRecord) -> Option<bool> {
        merge(&held(old), later).map(|m| m.better)
    }

    #[test]
    fn complete_beats_incomplete_then_larger_usage_wins() {
        let (small_done, big_open) = (copy(1, true, &[], None), copy(50, false, &[], None));
        assert_eq!(better(&big_open, &small_done), Some(true));
        assert_eq!(better(&small_done, &big_open), None);
        assert_eq!(better(&small_done, &copy(2, true, &[], None)), Some(true));
        assert_eq!(better(&big_open, &copy(51, false, &[], None)), Some(true));
        // Equal or smaller usage, nothing new: no change.
        assert_eq!(better(&small_done, &copy(1, true, &[], None)), None);
        assert_eq!(better(&big_open, &copy(49, false, &[], None)), None);
    }

    #[test]
    fn tool_calls_unite_by_id_and_fills_do_not_make_a_copy_better() {
        let old = copy(5, true, &["t1"], None);
        let stale = copy(4, true, &["t2", "t1", "t2", "t3"], Some(9.0));
        let m = merge(&held(&old), &stale).expect("a change");
        let ids: Vec<&str> = m.new_calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["t2", "t3"]);
        assert!(!m.better && m.cost_fill && !m.model_fill);
        // The stale copy's cost only fills a missing one.
        assert_eq!(merged_cost(&m, None, Some(9.0)), Some(9.0));
        assert_eq!(merged_cost(&m, Some(0.5), Some(9.0)), Some(0.5));
        let no_model = TurnRecord {
            model: String::new(),
            ..copy(5, true, &["t1"], Some(1.0))
        };
        let later = copy(5, true, &[], None);
        let m = merge(&held(&no_model), &later).expect("a change");
        assert!(m.model_fill && !m.better && !m.cost_fill && m.new_calls.is_empty());
    }

    #[test]
    fn a_better_copy_brings_its_own_cost_or_keeps_the_held_one() {
        let old = copy(5, true, &[], Some(0.5));
        let (bigger, bigger_no_cost) = (copy(8, true, &[], Some(0.75)), copy(9, true, &[], None));
        let m = merge(&held(&old), &bigger).expect("a change");
        assert_eq!(merged_cost(&m, Some(0.5), Some(0.75)), Some(0.75));
        let m = merge(&held(&old), &bigger_no_cost).expect("a change");
        assert_eq!(merged_cost(&m, Some(0.5), None), Some(0.5));
    }
}
