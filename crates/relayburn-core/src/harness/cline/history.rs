//! What a task's `api_conversation_history.json` tells about its requests: the model (Cline
//! keeps `modelInfo` on assistant messages; Roo Code and Kilo Code name it as `<model>` in the
//! environment details of each prompt) and the workspace directory. Its `metrics` repeat the
//! usage of `ui_messages.json` and are not read.

use crate::harness::wire::Count;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize, Clone, Default)]
pub(super) struct ModelInfo {
    #[serde(rename = "modelId", default)]
    pub model_id: Option<String>,
    #[serde(rename = "providerId", default)]
    pub provider_id: Option<String>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default)]
    ts: Option<Count>,
    #[serde(rename = "modelInfo", default)]
    model_info: Option<ModelInfo>,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
}

/// The models a task's history names, with when, and its workspace directory; with Roo
/// Code's `history_item.json`, the parent task and the task's text.
#[derive(Debug, Default, Clone)]
pub struct TaskHistory {
    /// `(ts, model)` in file order; ts 0 when the message has none.
    models: Vec<(i64, String)>,
    pub cwd: Option<String>,
    pub parent: Option<String>,
    pub title: Option<String>,
}

/// Roo Code's `tasks/<task>/history_item.json` (its task list entry): only the fields read.
#[derive(Deserialize)]
struct HistoryItem {
    #[serde(rename = "parentTaskId", default)]
    parent_task_id: Option<String>,
    #[serde(default)]
    workspace: Option<String>,
    #[serde(default)]
    task: Option<String>,
}

impl TaskHistory {
    /// Parses the history document; an unreadable one tells nothing (the usage does not
    /// depend on it).
    pub fn parse(doc: &str) -> TaskHistory {
        let mut out = TaskHistory::default();
        let Ok(messages) = serde_json::from_str::<Vec<&RawValue>>(doc) else {
            return out;
        };
        for raw in messages {
            let Ok(m) = serde_json::from_str::<Message<'_>>(raw.get()) else {
                continue;
            };
            let ts = m.ts.map_or(0, |t| t.0);
            if let Some(model) = m
                .model_info
                .and_then(|i| i.model_id)
                .filter(|s| !s.is_empty())
            {
                out.models.push((ts, model));
            }
            let Some(content) = m.content.map(RawValue::get) else {
                continue;
            };
            if let Some(model) = last_tag(content, "<model>", "</model>") {
                out.models.push((ts, model));
            }
            if out.cwd.is_none() {
                out.cwd = [
                    "Current Working Directory (",
                    "Current Workspace Directory (",
                ]
                .iter()
                .find_map(|open| first_between(content, open, ")"));
            }
        }
        out
    }

    /// Adds what Roo Code's `history_item.json` says: the parent task (a subtask the parent
    /// delegated), the workspace and the task's text. Its token totals repeat the requests'
    /// and are not read.
    pub fn add_history_item(&mut self, doc: &str) {
        let Ok(item) = serde_json::from_str::<HistoryItem>(doc) else {
            return;
        };
        self.parent = item.parent_task_id.filter(|p| !p.is_empty());
        if let Some(w) = item.workspace.filter(|w| !w.is_empty()) {
            self.cwd = Some(w);
        }
        self.title = item
            .task
            .map(|t| t.trim().chars().take(200).collect::<String>())
            .filter(|t| !t.is_empty());
    }

    /// The model named nearest in time to `ts` (a message without a time counts as the
    /// task's model when nothing closer is known).
    pub fn model_at(&self, ts: i64) -> Option<String> {
        self.models
            .iter()
            .filter(|(t, _)| *t > 0)
            .min_by_key(|(t, _)| (t - ts).abs())
            .or_else(|| self.models.last())
            .map(|(_, m)| m.clone())
    }
}

/// The text between the last `open` … `close` pair in `s` (JSON-escaped text is fine: tags
/// and model names carry no escapes).
fn last_tag(s: &str, open: &str, close: &str) -> Option<String> {
    let start = s.rfind(open)? + open.len();
    let end = s[start..].find(close)? + start;
    let v = s[start..end].trim();
    (!v.is_empty() && v.len() < 256).then(|| v.to_string())
}

fn first_between(s: &str, open: &str, close: &str) -> Option<String> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    let v = &s[start..end];
    // Windows paths arrive JSON-escaped (`C:\\Users`).
    let v = v.replace("\\\\", "\\");
    (!v.is_empty() && v.len() < 4096).then_some(v)
}
