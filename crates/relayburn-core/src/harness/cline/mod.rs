//! Cline, Roo Code and Kilo Code (VS Code extensions of one family): each task is a folder
//! `tasks/<task id>/` holding `ui_messages.json` (the chat as shown, a JSON array rewritten
//! whole on every change) and `api_conversation_history.json` (what was sent to the model).
//!
//! Counting rules: one turn per `{"type":"say","say":"api_req_started"}` entry, whose `text`
//! is a JSON string `{tokensIn, tokensOut, cacheWrites, cacheReads, cost, …}` filled in when
//! the response ends (or is cancelled: a cancelled request is billed and counted). An entry
//! without any count (the request still in flight, or an SDK-era `"{}"` placeholder) is no call
//! yet; when a later rewrite fills it in, the same key (`<harness>|<task>|<ts>`) gets its usage.
//! `tokensIn` is the prompt including the cache parts when the entry says `apiProtocol:
//! "openai"`, or when it is at least `cacheReads + cacheWrites` (Roo Code writes the inclusive
//! total for every protocol); otherwise it excludes them (Anthropic counts): `input` is the
//! prompt without the cache parts either way. `reasoningTokens` (reported apart) is added to
//! output. The task's API history and the extension's task list repeat these counts and are
//! not read for usage. `subagent_usage` entries (Cline's sub-agents, which have no request
//! entries of their own) are one turn each. A `deleted_api_reqs` entry sums requests a
//! checkpoint restore removed: the requests this reader already counted (kept in the cursor
//! state) are taken out of it, the rest is counted once (see [`TaskState`]).
//!
//! Model: the entry's own (`modelId` in the request info, or the message's `modelInfo`), else
//! the model the task's API history names nearest in time (`modelInfo.modelId` of assistant
//! messages, or `<model>` in the environment details Roo Code and Kilo Code send).

mod history;

use crate::content::Capture;
use crate::harness::wire::{skip_entry, Count};
use crate::vocab::content::ContentRecord;
use crate::vocab::records::{
    Records, Relationship, SessionInfo, TurnRecord, Usage, UserTurnBlock, UserTurnRecord,
};
use crate::vocab::Harness;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use history::TaskHistory;

/// What a task's cursor keeps between passes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// Requests counted so far, by entry key: their token classes and reported cost. A request that disappears from the file stays here until a
    /// `deleted_api_reqs` entry accounts for it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub req: BTreeMap<String, Counted>,
    /// Aggregates counted, by entry key: the part of each that was not already counted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agg: BTreeMap<String, Counted>,
}

/// Token classes `[input, output, cache read, cache write, reasoning]` and the reported cost
/// (USD).
pub type Counted = ([i64; 5], f64);

/// One entry of `ui_messages.json` (the fields read).
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    ts: Count,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    say: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(rename = "modelInfo", default)]
    model_info: Option<history::ModelInfo>,
    #[serde(default)]
    partial: Option<bool>,
}

/// The JSON inside an `api_req_started` (or aggregate) entry's `text`.
#[derive(Deserialize, Default)]
struct ReqInfo {
    #[serde(rename = "tokensIn", default)]
    tokens_in: Option<Count>,
    #[serde(rename = "tokensOut", default)]
    tokens_out: Option<Count>,
    #[serde(rename = "cacheWrites", default)]
    cache_writes: Option<Count>,
    #[serde(rename = "cacheReads", default)]
    cache_reads: Option<Count>,
    #[serde(rename = "reasoningTokens", default)]
    reasoning: Option<Count>,
    /// The extension's own price of the request (USD).
    #[serde(default)]
    cost: Option<f64>,
    #[serde(rename = "apiProtocol", default)]
    api_protocol: Option<String>,
    #[serde(rename = "modelId", default)]
    model_id: Option<String>,
    #[serde(rename = "providerId", default)]
    provider_id: Option<String>,
    #[serde(rename = "cancelReason", default)]
    cancel_reason: Option<String>,
}

impl ReqInfo {
    /// False for an in-flight request or a `"{}"` placeholder: no count written yet.
    fn has_usage(&self) -> bool {
        self.tokens_in.is_some()
            || self.tokens_out.is_some()
            || self.cache_reads.is_some()
            || self.cache_writes.is_some()
    }

    fn usage(&self) -> Usage {
        let get = |c: Option<Count>| c.map_or(0, |c| c.0);
        let (tin, out, cr, cw) = (
            get(self.tokens_in),
            get(self.tokens_out),
            get(self.cache_reads),
            get(self.cache_writes),
        );
        let inclusive = self.api_protocol.as_deref() == Some("openai") || tin >= cr + cw;
        let reasoning = get(self.reasoning);
        Usage {
            input: if inclusive {
                (tin - cr - cw).max(0)
            } else {
                tin
            },
            output: out + reasoning,
            reasoning,
            cache_read: cr,
            cache_write_5m: cw,
            cache_write_1h: 0,
        }
    }
}

fn classes(u: &Usage) -> [i64; 5] {
    [
        u.input,
        u.output,
        u.cache_read,
        u.cache_write_5m,
        u.reasoning,
    ]
}

impl ReqInfo {
    /// The reported cost, when it is a real amount.
    fn cost_usd(&self) -> Option<f64> {
        self.cost.filter(|c| c.is_finite() && *c >= 0.0 && *c < 1e9)
    }
}

/// Reads one task's `ui_messages.json` (`doc`) with its API history into `out`; `state` is
/// the cursor state of the previous pass and is updated in place.
pub fn task_records(
    harness: Harness,
    task_id: &str,
    doc: &str,
    history: &TaskHistory,
    capture: &Capture,
    state: &mut TaskState,
    out: &mut Records,
) -> Result<(), String> {
    let raw: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(doc).map_err(|e| format!("unreadable ui_messages.json: {e}"))?;
    let name = harness.as_str();
    out.sessions.push(SessionInfo {
        harness: Some(harness),
        session_id: task_id.to_string(),
        project: history.cwd.clone(),
        branch: None,
        title: history.title.clone(),
        parent: history.parent.as_ref().filter(|p| *p != task_id).map(|p| {
            let evidence = format!("{name} parentTaskId");
            (p.clone(), Relationship::Subagent, evidence)
        }),
    });
    // Keys: the entry's `ts`, with `#n` for the n-th distinct entry sharing it (identical
    // copies of one entry are one entry).
    let mut seen_ts: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let mut requests: Vec<(String, i64, Usage, ReqInfo, Option<history::ModelInfo>)> = Vec::new();
    // (key, ts, usage, cost, a `deleted_api_reqs` sum)
    let mut aggregates: Vec<(String, i64, Usage, Option<f64>, bool)> = Vec::new();
    let mut last_request: Option<String> = None;
    let mut emitted: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (n, value) in raw.into_iter().enumerate() {
        let entry: Entry = match serde_json::from_str(value.get()) {
            Ok(e) => e,
            Err(e) => {
                skip_entry(out, format!("task {task_id} entry {n}: {e}"));
                continue;
            }
        };
        if entry.kind.as_deref() != Some("say") || entry.partial == Some(true) {
            continue;
        }
        let say = entry.say.as_deref().unwrap_or("");
        let ts = entry.ts.0;
        let text = entry.text.as_deref().unwrap_or("");
        let mut key = || {
            let digest = crate::hash::id64(text) as u64;
            let copies = seen_ts.entry(ts).or_default();
            let n = match copies.iter().position(|d| *d == digest) {
                Some(n) => n,
                None => {
                    copies.push(digest);
                    copies.len() - 1
                }
            };
            match n {
                0 => ts.to_string(),
                n => format!("{ts}#{n}"),
            }
        };
        match say {
            "api_req_started" | "deleted_api_reqs" | "subagent_usage" => {
                if ts <= 0 {
                    skip_entry(out, format!("task {task_id} entry {n}: {say} without ts"));
                    continue;
                }
                let info: ReqInfo =
                    match serde_json::from_str(if text.is_empty() { "{}" } else { text }) {
                        Ok(i) => i,
                        Err(e) => {
                            skip_entry(out, format!("task {task_id} entry {n}: {say} text: {e}"));
                            continue;
                        }
                    };
                if !info.has_usage() {
                    continue;
                }
                let key = key();
                if !emitted.insert(format!("{say}|{key}")) {
                    continue; // an exact copy of an entry already read
                }
                let usage = info.usage();
                match say {
                    "api_req_started" => {
                        last_request = Some(key.clone());
                        requests.push((key, ts, usage, info, entry.model_info));
                    }
                    "deleted_api_reqs" => aggregates.push((
                        format!("deleted@{key}"),
                        ts,
                        usage,
                        info.cost_usd(),
                        true,
                    )),
                    _ => aggregates.push((
                        format!("subagents@{key}"),
                        ts,
                        usage,
                        info.cost_usd(),
                        false,
                    )),
                }
            }
            "text" | "task" | "user_feedback" if ts > 0 && !text.trim().is_empty() => {
                let user = say != "text";
                let key = key();
                if user {
                    out.user_turns.push(UserTurnRecord {
                        harness,
                        session_id: task_id.to_string(),
                        uuid: key.clone(),
                        ts_ms: ts,
                        preceding_message_id: last_request.clone(),
                        blocks: vec![UserTurnBlock {
                            kind: "text",
                            tool_use_id: None,
                            bytes: text.len() as i64,
                            approx_tokens: (text.len() as i64 + 3) / 4,
                            is_error: None,
                        }],
                    });
                }
                if capture.wants(ts) {
                    out.content.push(ContentRecord {
                        harness,
                        session_id: task_id.to_string(),
                        message_key: key.clone(),
                        message_id: key,
                        role: if user { "user" } else { "assistant" },
                        ts_ms: ts,
                        seq: ts,
                        blocks: vec![capture.block("text", text, None, None, false)],
                        replace: true,
                    });
                }
            }
            _ => {}
        }
    }

    // Requests gone from the file (a checkpoint restore) that an aggregate now sums up.
    let present: std::collections::HashSet<String> = requests.iter().map(|r| r.0.clone()).collect();
    let mut vanished: Vec<(String, i64, Counted)> = state
        .req
        .iter()
        .filter(|(k, _)| !present.contains(k.as_str()))
        .map(|(k, c)| (k.clone(), ts_of(k), *c))
        .collect();
    vanished.sort_by_key(|v| v.1);

    let turn = |key: String, ts: i64, usage: Usage, meta: TurnMeta| TurnRecord {
        harness,
        key: format!("{name}|{task_id}|{key}"),
        session_id: task_id.to_string(),
        message_id: key,
        request_id: None,
        ts_ms: ts,
        model: meta.model,
        provider: meta.provider,
        project: history.cwd.clone(),
        branch: None,
        usage,
        stop_reason: meta.stop,
        complete: true,
        tool_calls: Vec::new(),
        reported_cost_usd: meta.cost,
    };

    for (key, ts, usage, info, model_info) in requests {
        let model = info
            .model_id
            .clone()
            .filter(|m| !m.is_empty())
            .or_else(|| {
                model_info
                    .as_ref()
                    .and_then(|m| m.model_id.clone())
                    .filter(|m| !m.is_empty())
            })
            .or_else(|| history.model_at(ts))
            .unwrap_or_default();
        let provider = info
            .provider_id
            .clone()
            .or_else(|| model_info.and_then(|m| m.provider_id))
            .filter(|p| !p.is_empty());
        let cost = info.cost_usd();
        state
            .req
            .insert(key.clone(), (classes(&usage), cost.unwrap_or(0.0)));
        let stop = info.cancel_reason.clone();
        out.turns.push(turn(
            key,
            ts,
            usage,
            TurnMeta {
                model,
                provider,
                stop,
                cost,
            },
        ));
    }
    for (key, ts, usage, cost, deleted) in aggregates {
        let counted: Counted = match state.agg.get(&key) {
            Some(c) => *c,
            None if deleted => {
                // Take out what was already counted of the requests deleted before it.
                let (mut left, mut left_cost) = (classes(&usage), cost.unwrap_or(0.0));
                for (_, _, (v, c)) in vanished.iter_mut().filter(|(_, vts, _)| *vts <= ts) {
                    for i in 0..5 {
                        let take = left[i].min(v[i]);
                        left[i] -= take;
                        v[i] -= take;
                    }
                    let take = left_cost.min(*c);
                    left_cost -= take;
                    *c -= take;
                }
                (left, left_cost)
            }
            None => (classes(&usage), cost.unwrap_or(0.0)),
        };
        state.agg.insert(key.clone(), counted);
        let (t, c) = counted;
        let usage = Usage {
            input: t[0],
            output: t[1],
            reasoning: t[4],
            cache_read: t[2],
            cache_write_5m: t[3],
            cache_write_1h: 0,
        };
        if usage.total() > 0 || c > 0.0 {
            let meta = TurnMeta {
                model: history.model_at(ts).unwrap_or_default(),
                provider: None,
                stop: None,
                cost: cost.map(|_| c),
            };
            out.turns.push(turn(key, ts, usage, meta));
        }
    }
    // What an aggregate accounted for leaves the state; the rest waits for one.
    for (key, _, (v, c)) in vanished {
        if v.iter().all(|x| *x == 0) && c <= 1e-12 {
            state.req.remove(&key);
        } else {
            state.req.insert(key, (v, c));
        }
    }
    Ok(())
}

/// What a turn carries beside its key, time and usage.
struct TurnMeta {
    model: String,
    provider: Option<String>,
    stop: Option<String>,
    cost: Option<f64>,
}

/// The `ts` part of an entry key (`<ts>` or `<ts>#<n>`).
fn ts_of(key: &str) -> i64 {
    key.split('#')
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests;
