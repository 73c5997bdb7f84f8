//! Small pieces the line-log readers share: the bad-line accounting every reader keeps, the
//! first checks of a line, the turn, user-turn and session records they build, and the frame of
//! a reader that follows one session per file.

use crate::content::Capture;
use crate::scan::Line;
use crate::vocab::records::{Records, Relationship, SessionInfo, UserTurnBlock, UserTurnRecord};
use crate::vocab::Harness;

/// Bad lines reported per pass (all are counted).
const MAX_BAD_LINES_REPORTED: usize = 5;

/// Counts a skipped line in `out`, reporting the first few with their line number.
pub(crate) fn bad_line(out: &mut Records, line_no: i64, message: String) {
    out.lines_skipped += 1;
    if out.bad_lines.len() < MAX_BAD_LINES_REPORTED {
        out.bad_lines.push((line_no, message));
    }
}

/// The trimmed text of a line worth parsing, `None` for a blank line; an oversized line or
/// one that is not a JSON object is counted as bad.
pub(crate) fn object_text<'a>(
    line: &'a Line<'_>,
    line_no: i64,
    out: &mut Records,
) -> Option<&'a str> {
    if line.oversized {
        bad_line(out, line_no, "line longer than the 64 MiB limit".into());
        return None;
    }
    let text = line.text.trim_ascii();
    if text.is_empty() {
        return None;
    }
    if !(text.starts_with('{') && text.ends_with('}')) {
        bad_line(out, line_no, "not a JSON object".into());
        return None;
    }
    Some(text)
}

/// The row of one JSONL line: `Ok(None)` for a blank line; an oversized line or one that does
/// not parse as `T` is `Err` with the reason (`what` names the expected row).
pub(crate) fn json_row<'a, T: serde::Deserialize<'a>>(
    line: &Line<'a>,
    what: &str,
) -> Result<Option<T>, String> {
    if line.oversized {
        return Err("line too long".into());
    }
    if line.text.trim_ascii().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(line.text)
        .map(Some)
        .map_err(|e| format!("{what}: {e}"))
}

/// A user turn of one block.
pub(crate) fn user_turn(
    harness: Harness,
    session_id: String,
    uuid: String,
    ts_ms: i64,
    preceding_message_id: Option<String>,
    block: UserTurnBlock,
) -> UserTurnRecord {
    UserTurnRecord {
        harness,
        session_id,
        uuid,
        ts_ms,
        preceding_message_id,
        blocks: vec![block],
    }
}

/// The session a file feeds, with its project and the parent session that spawned it (why
/// that is known: `reason`).
fn subagent_session(
    harness: Harness,
    session_id: &str,
    project: Option<&String>,
    parent: Option<&String>,
    reason: &str,
) -> SessionInfo {
    SessionInfo {
        harness: Some(harness),
        session_id: session_id.to_string(),
        project: project.cloned(),
        parent: parent.map(|p| (p.clone(), Relationship::Subagent, reason.to_string())),
        ..Default::default()
    }
}

/// Whether `bytes` contains `needle` (the cheap pre-check before parsing a line).
pub(crate) fn has(bytes: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(bytes, needle).is_some()
}

/// A user-turn block of `bytes` of text (a tool result when `tool_use_id` is given).
pub(crate) fn text_block(
    bytes: i64,
    tool_use_id: Option<String>,
    is_error: Option<bool>,
) -> UserTurnBlock {
    let kind = if tool_use_id.is_some() {
        "tool_result"
    } else {
        "text"
    };
    block(kind, tool_use_id, bytes, is_error)
}

/// A user-turn block of `kind` (`text` or `tool_result`), its tokens estimated from its bytes.
pub(crate) fn block(
    kind: &'static str,
    tool_use_id: Option<String>,
    bytes: i64,
    is_error: Option<bool>,
) -> UserTurnBlock {
    UserTurnBlock {
        kind,
        tool_use_id,
        bytes,
        approx_tokens: (bytes + 3) / 4,
        is_error,
    }
}

/// A `{"type":"text","text":…}` list or a plain string: the bytes of its text.
pub(crate) fn text_bytes(raw: &serde_json::value::RawValue) -> i64 {
    let text = raw.get();
    if text.starts_with('[') {
        #[derive(serde::Deserialize)]
        struct Part<'a> {
            #[serde(borrow, default)]
            text: Option<std::borrow::Cow<'a, str>>,
        }
        return serde_json::from_str::<Vec<Part<'_>>>(text)
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p.text.as_ref())
                    .map(|t| t.len() as i64)
                    .sum()
            })
            .unwrap_or(0);
    }
    super::wire::payload_bytes(raw)
}

/// Epoch milliseconds from a JSON timestamp: an ISO-8601 string, or a number of seconds
/// (below 10^11) or milliseconds.
pub(crate) fn timestamp_ms(raw: &serde_json::value::RawValue) -> Option<i64> {
    let text = raw.get();
    if text.starts_with('"') {
        let s: std::borrow::Cow<'_, str> = serde_json::from_str(text).ok()?;
        return crate::time::parse_instant_ms("timestamp", &s).ok();
    }
    let n: f64 = text.parse().ok()?;
    if !n.is_finite() || n <= 0.0 || n >= 1e15 {
        return None;
    }
    Some(if n < 1e11 {
        (n * 1000.0) as i64
    } else {
        n as i64
    })
}

/// The text of a user prompt as a content record (`None` when the pass captures no content,
/// the message is past retention, or the text is empty). `key` names the row in its session.
#[allow(clippy::too_many_arguments)]
pub(crate) fn user_content(
    capture: &crate::content::Capture,
    harness: crate::vocab::Harness,
    session_id: &str,
    key: &str,
    message_id: &str,
    ts_ms: i64,
    seq: i64,
    text: &str,
) -> Option<crate::vocab::content::ContentRecord> {
    if text.is_empty() || !capture.wants(ts_ms) {
        return None;
    }
    Some(crate::vocab::content::ContentRecord {
        harness,
        session_id: session_id.to_string(),
        message_key: key.to_string(),
        message_id: message_id.to_string(),
        role: "user",
        ts_ms,
        seq,
        blocks: vec![capture.block("text", text, None, None, false)],
        replace: false,
    })
}

/// The text of a plain string or of a `[{"type":"text","text":…}]` list.
pub(crate) fn text_of(raw: &serde_json::value::RawValue) -> String {
    let text = raw.get();
    if text.starts_with('[') {
        #[derive(serde::Deserialize)]
        struct Part<'a> {
            #[serde(borrow, default)]
            text: Option<std::borrow::Cow<'a, str>>,
        }
        return serde_json::from_str::<Vec<Part<'_>>>(text)
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p.text.as_deref())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
    }
    if text.starts_with('{') {
        #[derive(serde::Deserialize)]
        struct Block<'a> {
            #[serde(borrow, default)]
            text: Option<std::borrow::Cow<'a, str>>,
        }
        return serde_json::from_str::<Block<'_>>(text)
            .ok()
            .and_then(|b| b.text.map(std::borrow::Cow::into_owned))
            .unwrap_or_default();
    }
    super::wire::payload_text(raw).into_owned()
}

/// What a file's context says of its session: its id, project and parent session.
pub(crate) trait SessionContext {
    fn session(&self) -> (&str, Option<&String>, Option<&String>);
}

/// A reader of one session per file (Kimi CLI, Grok): the file's context, the state resumed
/// from the last pass, the content capture, and whether this pass announced the session yet.
/// Each harness implements `LogReader` on its own instance of it.
pub struct SessionReader<C, S> {
    pub(crate) ctx: C,
    pub(crate) state: S,
    pub(crate) capture: Capture,
    announced: bool,
}

impl<C, S: serde::Serialize> SessionReader<C, S> {
    pub fn new(ctx: C, state: S) -> Self {
        SessionReader {
            ctx,
            state,
            capture: Capture::default(),
            announced: false,
        }
    }

    /// Captures user prompts into the content store as `capture` says.
    pub fn with_capture(mut self, capture: Capture) -> Self {
        self.capture = capture;
        self
    }

    /// Writes the session record (its project, and its parent as `reason` links them) once per
    /// pass.
    pub(crate) fn announce(&mut self, out: &mut Records, harness: Harness, reason: &str)
    where
        C: SessionContext,
    {
        if !self.announced {
            self.announced = true;
            let (id, project, parent) = self.ctx.session();
            out.sessions
                .push(subagent_session(harness, id, project, parent, reason));
        }
    }

    /// The state saved for the next pass.
    pub(crate) fn saved_state(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }
}
