//! Finding session logs (DESIGN §5). A missing store is not an error.

use crate::harness::Harness;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One log file to ingest, and which session it feeds.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub harness: Harness,
    pub kind: FileKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// `projects/<slug>/<session>.jsonl`
    ClaudeSession,
    /// `projects/<slug>/<session>/subagents/agent-<id>.jsonl`
    ClaudeSubagent { parent_session: String },
    /// `$CODEX_HOME/sessions/**/rollout-*.jsonl` or `archived_sessions/`
    CodexRollout,
}

/// Claude stores: explicit roots, else `$CLAUDE_CONFIG_DIR` (comma-separated), else
/// `~/.config/claude` and `~/.claude`. Each root holds `projects/` (or is a `projects/` dir).
pub fn claude_projects_dirs(explicit: Option<&[String]>) -> Vec<PathBuf> {
    let roots: Vec<PathBuf> = match explicit {
        Some(list) => list.iter().map(PathBuf::from).collect(),
        None => match std::env::var("CLAUDE_CONFIG_DIR")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(expand_home)
                .collect(),
            None => home_dir()
                .map(|h| vec![h.join(".config").join("claude"), h.join(".claude")])
                .unwrap_or_default(),
        },
    };
    roots
        .into_iter()
        .map(|root| {
            let projects = root.join("projects");
            if projects.is_dir() {
                projects
            } else {
                root
            }
        })
        .collect()
}

/// Lists Claude session files and subagent transcripts under `projects` dirs. Each dir is
/// walked once even when two roots reach it (a symlinked `~/.claude`).
pub fn discover_claude(projects_dirs: &[PathBuf]) -> Vec<SourceFile> {
    let mut seen_dirs = HashSet::new();
    let mut out = Vec::new();
    for projects in projects_dirs {
        let key = std::fs::canonicalize(projects).unwrap_or_else(|_| projects.clone());
        if !seen_dirs.insert(key) {
            continue;
        }
        for slug in dirs_in(projects) {
            let Ok(entries) = std::fs::read_dir(&slug) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if (kind.is_file() || kind.is_symlink()) && is_jsonl(&path) {
                    out.push(claude_file(path, FileKind::ClaudeSession));
                } else if kind.is_dir() {
                    let parent_session = entry.file_name().to_string_lossy().into_owned();
                    let Ok(subs) = std::fs::read_dir(path.join("subagents")) else {
                        continue;
                    };
                    for sub in subs.flatten() {
                        let p = sub.path();
                        if is_jsonl(&p) {
                            let kind = FileKind::ClaudeSubagent {
                                parent_session: parent_session.clone(),
                            };
                            out.push(claude_file(p, kind));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Codex homes: explicit roots, else `$CODEX_HOME` (comma-separated), else `~/.codex`.
pub fn codex_homes(explicit: Option<&[String]>) -> Vec<PathBuf> {
    match explicit {
        Some(list) => list.iter().map(|p| expand_home(p)).collect(),
        None => match std::env::var("CODEX_HOME")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(expand_home)
                .collect(),
            None => home_dir()
                .map(|h| vec![h.join(".codex")])
                .unwrap_or_default(),
        },
    }
}

/// The directories holding rollouts: each home's `sessions/` and `archived_sessions/`; a
/// root with neither is taken as a directory of rollouts itself.
pub fn codex_session_dirs(homes: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for home in homes {
        let found: Vec<PathBuf> = ["sessions", "archived_sessions"]
            .iter()
            .map(|d| home.join(d))
            .filter(|d| d.is_dir())
            .collect();
        if found.is_empty() {
            dirs.push(home.clone());
        } else {
            dirs.extend(found);
        }
    }
    dirs
}

/// Lists Codex rollouts (`*.jsonl`, any case) under `dirs`, recursively. Each directory is
/// walked once even when two roots reach it; directory symlinks are not followed (no loops).
pub fn discover_codex(dirs: &[PathBuf]) -> Vec<SourceFile> {
    const MAX_DEPTH: usize = 8;
    let mut seen_dirs = HashSet::new();
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = dirs.iter().map(|d| (d.clone(), 0)).collect();
    while let Some((dir, depth)) = stack.pop() {
        let key = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !seen_dirs.insert(key) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if (kind.is_file() || kind.is_symlink()) && is_jsonl(&path) && path.is_file() {
                out.push(SourceFile {
                    path,
                    harness: Harness::Codex,
                    kind: FileKind::CodexRollout,
                });
            }
        }
    }
    out
}

/// Classifies one explicitly named file (the hook fast path): a Codex rollout when it lies
/// under a Codex home or its first line is a rollout envelope, else a Claude Code log.
pub fn classify_file(path: &Path, codex_roots: Option<&[String]>) -> SourceFile {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let under_codex = codex_homes(codex_roots).iter().any(|home| {
        let home = std::fs::canonicalize(home).unwrap_or_else(|_| home.clone());
        canonical.starts_with(&home)
    });
    if under_codex || sniff_codex(path) {
        return SourceFile {
            path: path.to_path_buf(),
            harness: Harness::Codex,
            kind: FileKind::CodexRollout,
        };
    }
    classify_claude_file(path)
}

/// Codex rows are `{"timestamp", "type", "payload"}` envelopes; Claude rows never have a
/// `payload`.
fn sniff_codex(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let first = head[..n].split(|b| *b == b'\n').next().unwrap_or(&[]);
    let has = |needle: &[u8]| memchr::memmem::find(first, needle).is_some();
    has(b"\"payload\"")
        && (has(b"\"session_meta\"") || has(b"\"response_item\"") || has(b"\"event_msg\""))
}

/// Classifies one explicitly named Claude Code file.
pub fn classify_claude_file(path: &Path) -> SourceFile {
    let parent_dir = path.parent();
    let kind = match parent_dir {
        Some(dir) if dir.file_name().is_some_and(|n| n == "subagents") => {
            FileKind::ClaudeSubagent {
                parent_session: dir
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            }
        }
        _ => FileKind::ClaudeSession,
    };
    SourceFile {
        path: path.to_path_buf(),
        harness: Harness::ClaudeCode,
        kind,
    }
}

fn claude_file(path: PathBuf, kind: FileKind) -> SourceFile {
    SourceFile {
        path,
        harness: Harness::ClaudeCode,
        kind,
    }
}

fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

pub(crate) fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE").filter(|v| !v.is_empty()))
        .map(PathBuf::from)
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}
