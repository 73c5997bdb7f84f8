//! Finding session logs: which files under a harness's roots are logs (where the roots are is
//! in `sources.rs`). A missing store is not an error.

use super::listing::{jsonl, named, EntryKind, Lister};
use crate::vocab::Harness;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use super::listing::DirIssue;

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
    /// OpenCode `storage/session/<projectID>/<sessionID>.json`
    OpenCodeSession,
    /// OpenCode `storage/message/<sessionID>/<messageID>.json` (read with its parts)
    OpenCodeMessage,
    /// OpenCode's SQLite database, `opencode*.db` (or Kilo CLI's `kilo*.db`: same tables)
    OpenCodeDb,
    /// Copilot CLI `session-state/<session>/events.jsonl`
    CopilotEvents,
    /// Copilot CLI's SQLite `session-store.db`
    CopilotStore,
    /// Kimi CLI `sessions/<group>/<session>/wire.jsonl` (and `subagents/<agent>/wire.jsonl`
    /// under a session), or Kimi Code `sessions/<workspace>/<session>/agents/<agent>/wire.jsonl`
    KimiWire,
    /// Grok Build `sessions/<workspace>/<session>/updates.jsonl`; `parent` names the session
    /// whose `subagents/` entry names this one
    GrokUpdates { parent: Option<String> },
    /// Gemini CLI `tmp/<project>/chats/*.jsonl`, or a subagent chat in
    /// `chats/<parent session>/<session>.jsonl`
    GeminiChat { parent_session: Option<String> },
    /// Gemini CLI legacy `tmp/<project>/chats/session-*.json` (one document, rewritten whole)
    GeminiLegacy,
    /// Qwen Code `projects/<project>/chats/<session>.jsonl`
    QwenChat,
    /// Pi `sessions/<encoded cwd>/<timestamp>_<session>.jsonl`
    PiSession,
    /// Factory Droid `<session>.settings.json` (read with its `<session>.jsonl` transcript)
    DroidSession,
    /// Goose `sessions.db`
    GooseDb,
    /// A Crush `crush.db`, with the project directory `projects.json` names for it
    CrushDb { project: Option<String> },
    /// Amp thread, `threads/T-*.json`, rewritten whole
    AmpThread,
    /// A Cline-family task's `tasks/<task>/ui_messages.json`, rewritten whole
    ClineTask,
}

/// Which reader takes a file (`ingest::read_job`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A log read line by line from a byte offset (`file.rs`).
    Lines,
    /// Copilot CLI's session store (`copilot.rs`).
    CopilotStore,
    /// OpenCode's JSON documents and database, also Kilo CLI's (`opencode.rs`).
    OpenCode,
    /// Session totals: Droid settings files, Goose and Crush databases (`totals.rs`).
    Totals,
    /// Whole JSON documents: Amp threads, Cline-family tasks, Gemini CLI's legacy chats
    /// (`whole.rs`).
    Whole,
}

impl FileKind {
    /// The reader for this kind (the one list every kind is sorted by).
    pub fn reader(&self) -> Reader {
        match self {
            FileKind::ClaudeSession
            | FileKind::ClaudeSubagent { .. }
            | FileKind::CodexRollout
            | FileKind::CopilotEvents
            | FileKind::KimiWire
            | FileKind::GrokUpdates { .. }
            | FileKind::GeminiChat { .. }
            | FileKind::QwenChat
            | FileKind::PiSession => Reader::Lines,
            FileKind::CopilotStore => Reader::CopilotStore,
            FileKind::OpenCodeSession | FileKind::OpenCodeMessage | FileKind::OpenCodeDb => {
                Reader::OpenCode
            }
            FileKind::DroidSession | FileKind::GooseDb | FileKind::CrushDb { .. } => Reader::Totals,
            FileKind::AmpThread | FileKind::ClineTask | FileKind::GeminiLegacy => Reader::Whole,
        }
    }

    /// A log read line by line from a byte offset (else a document, a database or a session
    /// total, read whole or by its own cursor state: such a file's cursor offset stays 0).
    pub fn is_line_log(&self) -> bool {
        self.reader() == Reader::Lines
    }
}

/// The VS Code extension a Cline-family harness is (its `globalStorage/<id>` folder).
pub fn vscode_extension_id(harness: Harness) -> Option<&'static str> {
    match harness {
        Harness::Cline => Some("saoudrizwan.claude-dev"),
        Harness::RooCode => Some("rooveterinaryinc.roo-cline"),
        Harness::KiloCode => Some("kilocode.kilo-code"),
        _ => None,
    }
}

/// The `projects` dir of each Claude store: `<root>/projects`, or the root itself.
pub fn claude_projects_dirs(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .map(|root| sub_or_self(root, "projects"))
        .collect()
}

/// `<root>/<name>` when that directory exists, else the root itself (a root may name the
/// store or the directory inside it).
pub fn sub_or_self(root: &Path, name: &str) -> PathBuf {
    let sub = root.join(name);
    if sub.is_dir() {
        sub
    } else {
        root.to_path_buf()
    }
}

/// Lists Claude session files and subagent transcripts under `projects` dirs. Each dir is
/// walked once even when two roots reach it (a symlinked `~/.claude`).
pub fn discover_claude(projects_dirs: &[PathBuf]) -> Vec<SourceFile> {
    discover_claude_in(projects_dirs, &mut Lister::plain())
}

/// [`discover_claude`] through `ls`.
pub fn discover_claude_in(projects_dirs: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen_dirs = HashSet::new();
    let mut out = Vec::new();
    for projects in projects_dirs {
        let key = std::fs::canonicalize(projects).unwrap_or_else(|_| projects.clone());
        if !seen_dirs.insert(key) {
            continue;
        }
        for slug in ls.dirs(projects) {
            let Some(entries) = ls.entries(&slug) else {
                continue;
            };
            for entry in entries.iter() {
                if entry.may_be_file() && jsonl(&entry.name) {
                    out.push(claude_file(slug.join(&entry.name), FileKind::ClaudeSession));
                } else if entry.kind == EntryKind::Dir {
                    let parent_session = entry.name.to_string_lossy().into_owned();
                    let subagents = slug.join(&entry.name).join("subagents");
                    for p in ls.files(&subagents, jsonl) {
                        let kind = FileKind::ClaudeSubagent {
                            parent_session: parent_session.clone(),
                        };
                        out.push(claude_file(p, kind));
                    }
                }
            }
        }
    }
    out
}

/// The directories holding rollouts: each home's `sessions/` and `archived_sessions/`. Nothing
/// else of a home is walked (a home without either holds no rollouts: `CODEX_HOME=/` must not
/// read the whole disk).
pub fn codex_session_dirs(homes: &[PathBuf]) -> Vec<PathBuf> {
    homes
        .iter()
        .flat_map(|home| ["sessions", "archived_sessions"].map(|d| home.join(d)))
        .filter(|d| d.is_dir())
        .collect()
}

/// Lists Codex rollouts (`*.jsonl`, any case) under `dirs`, recursively. Each directory is
/// walked once even when two roots reach it; directory symlinks are not followed (no loops).
pub fn discover_codex(dirs: &[PathBuf]) -> Vec<SourceFile> {
    discover_codex_in(dirs, &mut Lister::plain())
}

/// [`discover_codex`] through `ls`.
pub fn discover_codex_in(dirs: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    const MAX_DEPTH: usize = 8;
    let mut seen_dirs = HashSet::new();
    let mut out = Vec::new();
    // Each directory with its canonical path: only the roots are resolved (no link is
    // followed below them, so a subdirectory's canonical path is its root's plus its name).
    let mut stack: Vec<(PathBuf, PathBuf, usize)> = dirs
        .iter()
        .map(|d| {
            let key = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
            (d.clone(), key, 0)
        })
        .collect();
    while let Some((dir, key, depth)) = stack.pop() {
        if !seen_dirs.insert(key.clone()) {
            continue;
        }
        let Some(entries) = ls.entries(&dir) else {
            continue;
        };
        for entry in entries.iter() {
            let path = dir.join(&entry.name);
            let rollout = match entry.kind {
                EntryKind::Dir => {
                    if depth < MAX_DEPTH {
                        stack.push((path, key.join(&entry.name), depth + 1));
                    }
                    continue;
                }
                EntryKind::File => jsonl(&entry.name),
                EntryKind::Link => jsonl(&entry.name) && path.is_file(),
                EntryKind::Other => false,
            };
            if rollout {
                out.push(SourceFile {
                    path,
                    harness: Harness::Codex,
                    kind: FileKind::CodexRollout,
                });
            }
        }
    }
    drop_archived_copies(out)
}

/// A rollout in `archived_sessions/` whose file name is also under `sessions/` is a copy of
/// the active one: the active copy is read, the archived one is not.
fn drop_archived_copies(files: Vec<SourceFile>) -> Vec<SourceFile> {
    let archived = |f: &SourceFile| {
        f.path
            .components()
            .any(|c| c.as_os_str() == "archived_sessions")
    };
    let active: HashSet<std::ffi::OsString> = files
        .iter()
        .filter(|f| !archived(f))
        .filter_map(|f| f.path.file_name().map(|n| n.to_os_string()))
        .collect();
    files
        .into_iter()
        .filter(|f| !(archived(f) && f.path.file_name().is_some_and(|n| active.contains(n))))
        .collect()
}

/// Classifies one explicitly named file (the hook fast path): a Codex rollout when it lies
/// under a Codex home or its first line is a rollout envelope, else a Claude Code log.
pub fn classify_file(path: &Path, codex_homes: &[PathBuf]) -> SourceFile {
    if let Some(file) = classify_by_name(path) {
        return file;
    }
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let under_codex = codex_homes.iter().any(|home| {
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
    if let Some(file) = sniff_other(path) {
        return file;
    }
    classify_claude_file(path)
}

/// A Gemini CLI chat (its header names a `projectHash`; a legacy `session-*.json`), a Qwen
/// Code chat (rows shaped like Claude Code's, but a GenAI message with `parts`, or
/// `usageMetadata`/`systemPayload`, or under a `.qwen` dir) or a Pi session (a
/// `{"type":"session", …}` header), by the first line or the layout.
fn sniff_other(path: &Path) -> Option<SourceFile> {
    use std::io::Read;
    let file = |harness, kind| SourceFile {
        path: path.to_path_buf(),
        harness,
        kind,
    };
    if is_legacy_gemini(path) {
        return Some(file(Harness::GeminiCli, FileKind::GeminiLegacy));
    }
    let mut head = [0u8; 4096];
    let n = crate::files::open_regular(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let first = head[..n].split(|b| *b == b'\n').next().unwrap_or(&[]);
    let has = |needle: &[u8]| memchr::memmem::find(first, needle).is_some();
    if has(b"\"projectHash\"") {
        let parent = path
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n != "chats"));
        let parent_session = parent
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        return Some(file(
            Harness::GeminiCli,
            FileKind::GeminiChat { parent_session },
        ));
    }
    if has(b"\"type\":\"session\"") && !has(b"\"sessionId\"") {
        return Some(file(Harness::Pi, FileKind::PiSession));
    }
    let in_qwen = path.components().any(|c| c.as_os_str() == ".qwen");
    let genai = has(b"\"parts\"") || has(b"\"usageMetadata\"") || has(b"\"systemPayload\"");
    if has(b"\"parentUuid\"") && (in_qwen || genai) {
        return Some(file(Harness::QwenCode, FileKind::QwenChat));
    }
    None
}

/// Files whose name and place say which harness wrote them: Copilot CLI's `events.jsonl`
/// (under `session-state/`) and `session-store.db`, Kimi's `wire.jsonl`, Grok's
/// `updates.jsonl`.
fn classify_by_name(path: &Path) -> Option<SourceFile> {
    let name = path.file_name()?.to_str()?;
    let above = |n: usize| {
        path.ancestors()
            .nth(n)
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    let (harness, kind) = match name {
        "events.jsonl" if above(2) == "session-state" => {
            (Harness::CopilotCli, FileKind::CopilotEvents)
        }
        "session-store.db" => (Harness::CopilotCli, FileKind::CopilotStore),
        "wire.jsonl" => (Harness::KimiCli, FileKind::KimiWire),
        "updates.jsonl" => (Harness::Grok, FileKind::GrokUpdates { parent: None }),
        _ => return None,
    };
    Some(SourceFile {
        path: path.to_path_buf(),
        harness,
        kind,
    })
}

/// The subagent transcripts of a Claude Code session file `<dir>/<session>.jsonl`:
/// `<dir>/<session>/subagents/*.jsonl`, sorted (none for any other file).
pub fn claude_subagents_of(session_file: &SourceFile) -> Vec<SourceFile> {
    if session_file.kind != FileKind::ClaudeSession {
        return Vec::new();
    }
    let (Some(dir), Some(stem)) = (session_file.path.parent(), session_file.path.file_stem())
    else {
        return Vec::new();
    };
    let parent_session = stem.to_string_lossy().into_owned();
    let subagents = dir.join(stem).join("subagents");
    let mut out: Vec<SourceFile> = Lister::plain()
        .files(&subagents, jsonl)
        .into_iter()
        .map(|p| {
            let kind = FileKind::ClaudeSubagent {
                parent_session: parent_session.clone(),
            };
            claude_file(p, kind)
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Codex rows are `{"timestamp", "type", "payload"}` envelopes; Claude rows never have a
/// `payload`.
fn sniff_codex(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = crate::files::open_regular(path)
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

/// The `storage/` tree under an OpenCode root: `<root>/storage`, or the root itself when it
/// is one (holds `message/` or `session/`).
pub fn opencode_storage_dir(root: &Path) -> Option<PathBuf> {
    let storage = root.join("storage");
    if storage.is_dir() {
        Some(storage)
    } else if root.join("message").is_dir() || root.join("session").is_dir() {
        Some(root.to_path_buf())
    } else {
        None
    }
}

/// Lists OpenCode databases (`opencode*.db` in a root, or a root that is a `.db` file), session
/// files and message files. Part files are read with their message, not listed.
pub fn discover_opencode(roots: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let file = |path: PathBuf, kind: FileKind| SourceFile {
        path,
        harness: Harness::OpenCode,
        kind,
    };
    let json = |n: &std::ffi::OsStr| Path::new(n).extension().is_some_and(|e| e == "json");
    for root in roots {
        let key = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if !seen.insert(key) {
            continue;
        }
        if root.is_file() {
            if root.extension().is_some_and(|e| e == "db") {
                out.push(file(root.clone(), FileKind::OpenCodeDb));
            }
            continue;
        }
        let dbs = ls.regular_files(root, named("opencode", ".db"));
        out.extend(dbs.into_iter().map(|p| file(p, FileKind::OpenCodeDb)));
        let Some(storage) = opencode_storage_dir(root) else {
            continue;
        };
        for (sub, kind) in [
            ("session", FileKind::OpenCodeSession),
            ("message", FileKind::OpenCodeMessage),
        ] {
            for dir in ls.dirs(&storage.join(sub)) {
                out.extend(
                    ls.files(&dir, json)
                        .into_iter()
                        .map(|p| file(p, kind.clone())),
                );
            }
        }
    }
    out
}

/// Gemini CLI data dirs: a root may be the `.gemini` dir or a home holding one (as
/// `GEMINI_CLI_HOME` is).
pub fn gemini_dirs(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .map(|root| {
            let nested = root.join(".gemini");
            if root.join("tmp").is_dir() || !nested.is_dir() {
                root.clone()
            } else {
                nested
            }
        })
        .collect()
}

/// Gemini CLI chats under each dir's `tmp/<project>/chats/`: `*.jsonl` and legacy
/// `session-*.json` files, and subagent chats one directory down (`chats/<parent>/`).
pub fn discover_gemini(dirs: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let file = |path: PathBuf, kind: FileKind| SourceFile {
        path,
        harness: Harness::GeminiCli,
        kind,
    };
    for dir in dirs {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        if !seen.insert(key) {
            continue;
        }
        for project in ls.dirs(&dir.join("tmp")) {
            let chats = project.join("chats");
            let Some(entries) = ls.entries(&chats) else {
                continue;
            };
            for entry in entries.iter() {
                let path = chats.join(&entry.name);
                if entry.kind == EntryKind::Dir {
                    let parent = entry.name.to_string_lossy().into_owned();
                    for p in ls.files(&path, jsonl) {
                        let parent_session = Some(parent.clone());
                        out.push(file(p, FileKind::GeminiChat { parent_session }));
                    }
                } else if !entry.may_be_file() {
                    continue;
                } else if jsonl(&entry.name) {
                    out.push(file(
                        path,
                        FileKind::GeminiChat {
                            parent_session: None,
                        },
                    ));
                } else if is_legacy_gemini(&path) {
                    out.push(file(path, FileKind::GeminiLegacy));
                }
            }
        }
    }
    out
}

/// Amp threads: `<root>/threads/T-*.json` (or `T-*.json` in a root that is a `threads/` dir).
pub fn discover_amp(roots: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for root in roots {
        let dir = sub_or_self(root, "threads");
        let key = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !seen.insert(key) {
            continue;
        }
        let found = ls.regular_files(&dir, named("T-", ".json"));
        out.extend(found.into_iter().map(|path| SourceFile {
            path,
            harness: Harness::Amp,
            kind: FileKind::AmpThread,
        }));
    }
    out
}

/// The log file at `path`, `rel` below its harness's tree (Gemini CLI `tmp/`, Qwen Code
/// `projects/`, Pi `sessions/`), when the layout makes it one (watch events).
pub fn classify_in_tree(harness: Harness, rel: &Path, path: &Path) -> Option<SourceFile> {
    let parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
    let file = |kind| SourceFile {
        path: path.to_path_buf(),
        harness,
        kind,
    };
    let chats = |i: usize| parts.get(i).is_some_and(|p| *p == "chats");
    match (harness, parts.len()) {
        (Harness::GeminiCli, 3) if chats(1) && is_jsonl(path) => Some(file(FileKind::GeminiChat {
            parent_session: None,
        })),
        (Harness::GeminiCli, 3) if chats(1) && is_legacy_gemini(path) => {
            Some(file(FileKind::GeminiLegacy))
        }
        (Harness::GeminiCli, 4) if chats(1) && is_jsonl(path) => {
            let parent = parts[2].to_string_lossy().into_owned();
            Some(file(FileKind::GeminiChat {
                parent_session: Some(parent),
            }))
        }
        (Harness::QwenCode, 3) if chats(1) && is_jsonl(path) => Some(file(FileKind::QwenChat)),
        (Harness::Pi, 2) if is_jsonl(path) => Some(file(FileKind::PiSession)),
        _ => None,
    }
}

/// `session-*.json`: a legacy Gemini CLI chat document.
fn is_legacy_gemini(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("session-") && n.ends_with(".json"))
}

/// Qwen Code chats: `<dir>/projects/<project>/chats/*.jsonl`.
pub fn discover_qwen(dirs: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    two_levels(
        dirs,
        "projects",
        Some("chats"),
        Harness::QwenCode,
        FileKind::QwenChat,
        ls,
    )
}

/// Pi sessions: `<dir>/sessions/<encoded cwd>/*.jsonl`.
pub fn discover_pi(dirs: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    two_levels(dirs, "sessions", None, Harness::Pi, FileKind::PiSession, ls)
}

/// `*.jsonl` files in `<root>/<top>/<each dir>[/<leaf>]/`, each root walked once.
fn two_levels(
    roots: &[PathBuf],
    top: &str,
    leaf: Option<&str>,
    harness: Harness,
    kind: FileKind,
    ls: &mut Lister,
) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for root in roots {
        let key = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if !seen.insert(key) {
            continue;
        }
        for dir in ls.dirs(&root.join(top)) {
            let dir = leaf.map_or_else(|| dir.clone(), |l| dir.join(l));
            out.extend(ls.files(&dir, jsonl).into_iter().map(|path| SourceFile {
                path,
                harness,
                kind: kind.clone(),
            }));
        }
    }
    out
}

/// Kilo CLI databases: `kilo*.db` in a root, or a root that is a `.db` file. Read by the
/// OpenCode database reader (Kilo CLI is an OpenCode fork with the same tables).
pub fn discover_kilo(roots: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let file = |path: PathBuf| SourceFile {
        path,
        harness: Harness::Kilo,
        kind: FileKind::OpenCodeDb,
    };
    for root in roots {
        let key = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if !seen.insert(key) {
            continue;
        }
        if root.is_file() {
            if root.extension().is_some_and(|e| e == "db") {
                out.push(file(root.clone()));
            }
            continue;
        }
        let dbs = ls.regular_files(root, named("kilo", ".db"));
        out.extend(dbs.into_iter().map(file));
    }
    out
}

/// Lists each Copilot home's `session-store.db` and `session-state/<session>/events.jsonl`.
/// Nothing else of a home is walked.
pub fn discover_copilot(homes: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let file = |path, kind| SourceFile {
        path,
        harness: Harness::CopilotCli,
        kind,
    };
    for home in homes {
        let key = std::fs::canonicalize(home).unwrap_or_else(|_| home.clone());
        if !seen.insert(key) {
            continue;
        }
        let store = home.join("session-store.db");
        if store.is_file() {
            out.push(file(store, FileKind::CopilotStore));
        }
        for dir in ls.dirs(&home.join("session-state")) {
            let events = dir.join("events.jsonl");
            if events.is_file() {
                out.push(file(events, FileKind::CopilotEvents));
            }
        }
    }
    out
}

/// The `tasks/` dir under a Cline-family root, if any: a root is a VS Code user dir (holding
/// `globalStorage/<extension id>/`) or the extension's own storage dir (holding `tasks/`).
pub fn vscode_tasks_dir(harness: Harness, root: &Path) -> Option<PathBuf> {
    let own = root.join("tasks");
    if own.is_dir() {
        return Some(own);
    }
    let ext = vscode_extension_id(harness)?;
    let under = root.join("globalStorage").join(ext).join("tasks");
    under.is_dir().then_some(under)
}

/// A Cline-family harness's tasks: `<tasks>/<task id>/ui_messages.json`.
pub fn discover_vscode_tasks(
    harness: Harness,
    roots: &[PathBuf],
    ls: &mut Lister,
) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for root in roots {
        let Some(tasks) = vscode_tasks_dir(harness, root) else {
            continue;
        };
        let key = std::fs::canonicalize(&tasks).unwrap_or_else(|_| tasks.clone());
        if !seen.insert(key) {
            continue;
        }
        for task in ls.dirs(&tasks) {
            let path = task.join("ui_messages.json");
            if path.is_file() {
                out.push(SourceFile {
                    path,
                    harness,
                    kind: FileKind::ClineTask,
                });
            }
        }
    }
    out
}

/// Lists the `wire.jsonl` files under each Kimi home's `sessions/`: `<group>/<session>/`,
/// `<group>/<session>/subagents/<agent>/` (Kimi CLI) and `<workspace>/<session>/agents/<agent>/`
/// (Kimi Code).
pub fn discover_kimi(homes: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |path: PathBuf| {
        if path.is_file() {
            out.push(SourceFile {
                path,
                harness: Harness::KimiCli,
                kind: FileKind::KimiWire,
            });
        }
    };
    for home in homes {
        let key = std::fs::canonicalize(home).unwrap_or_else(|_| home.clone());
        if !seen.insert(key) {
            continue;
        }
        for group in ls.dirs(&home.join("sessions")) {
            for session in ls.dirs(&group) {
                push(session.join("wire.jsonl"));
                for sub in ["subagents", "agents"] {
                    for agent in ls.dirs(&session.join(sub)) {
                        push(agent.join("wire.jsonl"));
                    }
                }
            }
        }
    }
    out
}

/// Lists `updates.jsonl` under each Grok home's `sessions/` (`<workspace>/<session>/`). A
/// session's `subagents/<child>/` entries name its children, which live in sibling session
/// directories: each child's file carries its parent.
pub fn discover_grok(homes: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut sessions: Vec<PathBuf> = Vec::new();
    let mut parents: std::collections::HashMap<String, String> = Default::default();
    for home in homes {
        let key = std::fs::canonicalize(home).unwrap_or_else(|_| home.clone());
        if !seen.insert(key) {
            continue;
        }
        for workspace in ls.dirs(&home.join("sessions")) {
            for session in ls.dirs(&workspace) {
                let name = session
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                for child in ls.dirs(&session.join("subagents")) {
                    if let Some(c) = child.file_name() {
                        parents.insert(c.to_string_lossy().into_owned(), name.clone());
                    }
                }
                if session.join("updates.jsonl").is_file() {
                    sessions.push(session);
                }
            }
        }
    }
    sessions
        .into_iter()
        .map(|session| {
            let name = session
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            SourceFile {
                path: session.join("updates.jsonl"),
                harness: Harness::Grok,
                kind: FileKind::GrokUpdates {
                    parent: parents.get(&name).cloned(),
                },
            }
        })
        .collect()
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

#[cfg(test)]
mod root_tests {
    use super::*;

    #[test]
    fn a_named_file_of_copilot_kimi_or_grok_is_read_by_its_reader() {
        let kind = |p: &str| {
            let f = classify_file(Path::new(p), &[]);
            (f.harness, f.kind)
        };
        assert_eq!(
            kind("/h/.copilot/session-state/s1/events.jsonl"),
            (Harness::CopilotCli, FileKind::CopilotEvents)
        );
        assert_eq!(
            kind("/h/.copilot/session-store.db"),
            (Harness::CopilotCli, FileKind::CopilotStore)
        );
        assert_eq!(
            kind("/h/.kimi/sessions/g/s/wire.jsonl"),
            (Harness::KimiCli, FileKind::KimiWire)
        );
        assert_eq!(
            kind("/h/.grok/sessions/w/s/updates.jsonl"),
            (Harness::Grok, FileKind::GrokUpdates { parent: None })
        );
        // Another `events.jsonl` is not Copilot's.
        assert_eq!(kind("/h/logs/events.jsonl").0, Harness::ClaudeCode);
    }

    #[test]
    fn watch_events_map_to_files_by_each_harness_layout() {
        let at = |h, rel: &str| {
            classify_in_tree(h, Path::new(rel), &Path::new("/r").join(rel)).map(|f| f.kind)
        };
        let chat = |p: Option<&str>| {
            Some(FileKind::GeminiChat {
                parent_session: p.map(str::to_string),
            })
        };
        assert_eq!(
            at(Harness::GeminiCli, "proj/chats/session-x.jsonl"),
            chat(None)
        );
        assert_eq!(
            at(Harness::GeminiCli, "proj/chats/parent/sub.jsonl"),
            chat(Some("parent"))
        );
        assert_eq!(
            at(Harness::GeminiCli, "proj/chats/session-x.json"),
            Some(FileKind::GeminiLegacy)
        );
        assert_eq!(at(Harness::GeminiCli, "proj/logs.json"), None);
        assert_eq!(
            at(Harness::QwenCode, "p/chats/s.jsonl"),
            Some(FileKind::QwenChat)
        );
        assert_eq!(at(Harness::QwenCode, "p/other/s.jsonl"), None);
        assert_eq!(
            at(Harness::Pi, "--home--/t_s.jsonl"),
            Some(FileKind::PiSession)
        );
        assert_eq!(at(Harness::Pi, "t_s.jsonl"), None);
    }
}
