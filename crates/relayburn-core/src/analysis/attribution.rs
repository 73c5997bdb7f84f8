//! The attribution model shared by `hotspots` (adding up per query) and the derived table
//! (`derived.rs`, adding up per session): which row a tool call belongs to under each
//! dimension, and how a session's turns pay for the results in their context (ARCHITECTURE.md,
//! "Analyses").

use super::timeline::{allocate, Session, Turn};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// What `hotspots` ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HotspotBy {
    /// Tool name (`Read`, `Bash`, `exec_command`…).
    #[default]
    Tool,
    /// File targets of file tools (read, edit, write, patch).
    File,
    /// Shell commands (the command text).
    Command,
    /// Subagent sessions (their own turns).
    Subagent,
}

pub const HOTSPOT_BY_NAMES: &str = "tool, file, command or subagent";

impl HotspotBy {
    pub fn parse(field: &str, v: &str) -> Result<HotspotBy> {
        match v.trim().to_ascii_lowercase().as_str() {
            "tool" => Ok(HotspotBy::Tool),
            "file" => Ok(HotspotBy::File),
            "command" => Ok(HotspotBy::Command),
            "subagent" => Ok(HotspotBy::Subagent),
            _ => Err(Error::invalid(
                field,
                format!("must be one of {HOTSPOT_BY_NAMES}"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HotspotBy::Tool => "tool",
            HotspotBy::File => "file",
            HotspotBy::Command => "command",
            HotspotBy::Subagent => "subagent",
        }
    }
}

/// Tools whose target is a file, across harnesses.
const FILE_TOOLS: &[&str] = &[
    "Read",
    "Edit",
    "Write",
    "MultiEdit",
    "NotebookEdit",
    "read_file",
    "write_file",
    "view_image",
    "apply_patch",
    "read",
    "write",
    "edit",
    "multiedit",
    "patch",
];
/// Tools whose target is a shell command, across harnesses.
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "exec_command",
    "shell",
    "container.exec",
    "local_shell",
    "bash",
];
/// Longest key kept (a long shell command is clipped).
const MAX_KEY_CHARS: usize = 200;

/// The row key of a tool call under `by`, if it has one (borrowed from the call).
fn key_of<'a>(by: HotspotBy, name: &'a str, target: Option<&'a str>) -> Option<&'a str> {
    match by {
        HotspotBy::Tool => Some(name),
        HotspotBy::File if FILE_TOOLS.contains(&name) => target.map(str::trim),
        HotspotBy::Command if SHELL_TOOLS.contains(&name) => target.map(str::trim),
        _ => None,
    }
    .filter(|k| !k.is_empty())
}

/// A long key (a shell command) clipped to [`MAX_KEY_CHARS`].
fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_KEY_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Results held in a context, added up by row (so a turn's work grows with the rows of its
/// session, not with every result it carries): tokens per row index present, plus the tokens
/// of results that belong to no row under `by`.
#[derive(Default)]
struct Held {
    by_row: Vec<i64>,
    present: Vec<usize>,
    none: i64,
}

impl Held {
    fn push(&mut self, row: Option<usize>, tokens: i64) {
        match row {
            None => self.none += tokens,
            Some(i) => {
                if self.by_row.len() <= i {
                    self.by_row.resize(i + 1, 0);
                }
                if self.by_row[i] == 0 && !self.present.contains(&i) {
                    self.present.push(i);
                }
                self.by_row[i] += tokens;
            }
        }
    }

    fn clear(&mut self) {
        for i in self.present.drain(..) {
            self.by_row[i] = 0;
        }
        self.none = 0;
    }

    /// Moves everything held here into `into`.
    fn drain_into(&mut self, into: &mut Held) {
        for &i in &self.present {
            into.push(Some(i), self.by_row[i]);
        }
        into.none += self.none;
        self.clear();
    }

    /// Grants `pool` to the rows held (in proportion when they ask for more), calling
    /// `grant(row, tokens)` for each row.
    fn allocate(
        &self,
        pool: i64,
        demands: &mut Vec<i64>,
        grants: &mut Vec<i64>,
        mut grant: impl FnMut(usize, i64),
    ) {
        demands.clear();
        demands.extend(self.present.iter().map(|&i| self.by_row[i]));
        demands.push(self.none);
        allocate(demands, pool, grants);
        for (&i, &g) in self.present.iter().zip(grants.iter()) {
            grant(i, g);
        }
    }
}

/// What [`attribute_with`] finds, turn by turn, for the in-scope turns: a sink adds it up.
pub(crate) trait Grants {
    /// An in-scope turn is about to be granted (called before its grants).
    fn turn(&mut self, t: &Turn);
    /// A tool call of row `row` made by `t`.
    fn call(&mut self, row: usize, t: &Turn);
    /// Bytes of a result of row `row` first paid for by `t`.
    fn bytes(&mut self, row: usize, t: &Turn, bytes: i64);
    /// Tokens of row `row` paid by `t` from its fresh pool.
    fn fresh(&mut self, row: usize, t: &Turn, tokens: i64);
    /// Tokens of row `row` paid by `t` from its cache-read pool.
    fn read(&mut self, row: usize, t: &Turn, tokens: i64);
}

/// Adds up a session's grants per row (the direct walk).
/// Walks a session's turns, results and compactions under `by`, sending the in-scope turns'
/// calls, result bytes and grants to `sink` by row index; returns the row keys (clipped) by
/// index.
pub(crate) fn attribute_with(by: HotspotBy, s: &Session, sink: &mut impl Grants) -> Vec<String> {
    // Row keys of this session, indexed, so the walk below works on small integers.
    let mut keys: Vec<&str> = Vec::new();
    let mut key_idx: HashMap<&str, usize> = HashMap::new();
    let mut calls: HashMap<&str, Option<usize>> = HashMap::new();
    let mut pending = Held::default();
    let mut context = Held::default();
    let (mut ri, mut ci) = (0usize, 0usize);
    let mut demands: Vec<i64> = Vec::new();
    let mut grants: Vec<i64> = Vec::new();
    for t in &s.turns {
        // A compaction at or before this turn summarized everything before it.
        while ci < s.compactions.len() && s.compactions[ci].ts_ms <= t.ts_ms {
            pending.clear();
            context.clear();
            ci += 1;
        }
        // Results strictly before this turn are new to it.
        while ri < s.results.len() && s.results[ri].ts_ms < t.ts_ms {
            let r = &s.results[ri];
            let idx = calls.get(r.tool_use_id.as_str()).copied().flatten();
            if t.in_scope {
                if let Some(i) = idx {
                    sink.bytes(i, t, r.bytes);
                }
            }
            pending.push(idx, r.tokens);
            ri += 1;
        }
        for c in &t.calls {
            let k = key_of(by, &c.name, c.target.as_deref()).map(|k| match key_idx.get(k) {
                Some(i) => *i,
                None => {
                    keys.push(k);
                    key_idx.insert(k, keys.len() - 1);
                    keys.len() - 1
                }
            });
            if let Some(i) = k {
                if t.in_scope {
                    sink.call(i, t);
                }
            }
            calls.insert(c.id.as_str(), k);
        }
        if t.in_scope {
            sink.turn(t);
            pending.allocate(t.fresh(), &mut demands, &mut grants, |i, g| {
                sink.fresh(i, t, g)
            });
            context.allocate(t.usage.cache_read, &mut demands, &mut grants, |i, g| {
                sink.read(i, t, g)
            });
        }
        pending.drain_into(&mut context);
    }
    keys.into_iter().map(clip).collect()
}
