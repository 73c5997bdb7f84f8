//! One entry per harness: where it keeps its logs (its [`RootSource`]) and how its log files are
//! found under those roots. Adding a harness means adding its entry to [`SOURCES`]; discovery,
//! the `roots` option and the binding all go through this table.

use super::discover::{self as d, SourceFile};
use super::discover_totals as t;
use super::listing::Lister;
use crate::vocab::Harness;
use std::path::PathBuf;

/// Where one harness keeps its logs when the caller names no roots.
pub struct RootSource {
    /// The environment variable read when no explicit roots are given (blank counts as unset).
    pub env: &'static str,
    /// The variable holds a comma-separated list (else one path).
    pub env_is_list: bool,
    /// The roots used when neither explicit roots nor the variable are given.
    pub defaults: fn() -> Vec<PathBuf>,
    /// A second store searched as well when no explicit roots are given (Kimi CLI and Kimi
    /// Code share a reader but not a home).
    pub also: Option<&'static RootSource>,
}

/// How relayburn finds one harness's logs.
pub struct HarnessSource {
    pub harness: Harness,
    pub roots: RootSource,
    /// Lists the log files under the resolved roots (every listing through the lister, which
    /// notes directories that exist but cannot be listed). A missing store is not an error.
    pub discover: fn(&[PathBuf], &mut Lister) -> Vec<SourceFile>,
    /// The directories `watch` watches under the resolved roots (those that exist are watched).
    pub watch: fn(&[PathBuf]) -> Vec<WatchDir>,
    /// What a filesystem event under one of those directories means.
    pub on_change: OnChange,
}

/// A directory to watch, with or without its subdirectories.
pub struct WatchDir {
    pub path: PathBuf,
    pub recursive: bool,
}

/// How `watch` turns an event's path into files to ingest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// Re-plan every file of the harness (a database, whole documents, or files whose session
    /// comes from their place in the tree or from another file).
    Relist,
    /// The path's place below the watched tree says what it is (`discover::classify_in_tree`).
    InTree,
    /// A Claude Code `<slug>/<session>.jsonl` or `<slug>/<session>/subagents/<agent>.jsonl`.
    ClaudeLayout,
    /// Any `*.jsonl` is a Codex rollout.
    CodexRollout,
}

/// Each root's `sub` dir (or, with `None`, the root itself), watched recursively or not.
fn each(roots: &[PathBuf], sub: Option<&str>, recursive: bool) -> Vec<WatchDir> {
    roots
        .iter()
        .map(|r| WatchDir {
            path: sub.map_or_else(|| r.clone(), |s| r.join(s)),
            recursive,
        })
        .collect()
}

/// The folders of a harness's database files, not recursive (their `-wal` files change beside
/// them).
fn folders_of(files: Vec<SourceFile>) -> Vec<WatchDir> {
    files
        .into_iter()
        .filter_map(|f| f.path.parent().map(PathBuf::from))
        .map(|path| WatchDir {
            path,
            recursive: false,
        })
        .collect()
}

/// The `tasks/` dir of each Cline-family root.
fn vscode_tasks(harness: Harness, roots: &[PathBuf]) -> Vec<WatchDir> {
    let tasks: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| d::vscode_tasks_dir(harness, r))
        .collect();
    each(&tasks, None, true)
}

/// `home/<parts…>` as the only default root.
fn under_home(parts: &[&str]) -> Vec<PathBuf> {
    home_dir()
        .map(|h| vec![parts.iter().fold(h, |p, part| p.join(part))])
        .unwrap_or_default()
}

/// `$XDG_DATA_HOME` when it holds an absolute path, else `~/.local/share` (on every platform,
/// as these tools do).
pub(crate) fn data_home() -> Option<PathBuf> {
    std::env::var("XDG_DATA_HOME")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home_dir().map(|h| h.join(".local").join("share")))
}

fn xdg_data(name: &str) -> Vec<PathBuf> {
    data_home().map(|d| d.join(name)).into_iter().collect()
}

/// VS Code user directories (`…/User`) on Linux, macOS and Windows, for VS Code, Insiders,
/// VS Code Server (remote hosts) and a portable install (`$VSCODE_PORTABLE/user-data/User`).
fn vscode_user_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(portable) = std::env::var_os("VSCODE_PORTABLE").filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(portable).join("user-data").join("User"));
    }
    let products = ["Code", "Code - Insiders"];
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home_dir().map(|h| h.join(".config")));
    let app_data = std::env::var_os("APPDATA")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mac = home_dir().map(|h| h.join("Library").join("Application Support"));
    for base in [config, mac, app_data].into_iter().flatten() {
        dirs.extend(products.iter().map(|p| base.join(p).join("User")));
    }
    if let Some(home) = home_dir() {
        for server in [".vscode-server", ".vscode-server-insiders"] {
            dirs.push(home.join(server).join("data").join("User"));
        }
    }
    dirs
}

fn goose_defaults() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = xdg_data("goose");
    if let Some(h) = home_dir() {
        let support = h.join("Library").join("Application Support");
        roots.push(support.join("goose"));
        roots.push(support.join("Block").join("goose"));
    }
    if let Some(app) = std::env::var_os("APPDATA").filter(|v| !v.is_empty()) {
        roots.push(PathBuf::from(app).join("Block").join("goose").join("data"));
    }
    roots
}

fn crush_defaults() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = xdg_data("crush");
    if let Some(local) = std::env::var_os("LOCALAPPDATA").filter(|v| !v.is_empty()) {
        roots.push(PathBuf::from(local).join("crush"));
    }
    roots
}

/// A variable read as one path (else a comma-separated list), no second store.
const fn one(env: &'static str, defaults: fn() -> Vec<PathBuf>) -> RootSource {
    RootSource {
        env,
        env_is_list: false,
        defaults,
        also: None,
    }
}

/// A variable read as a comma-separated list, no second store.
const fn list(env: &'static str, defaults: fn() -> Vec<PathBuf>) -> RootSource {
    RootSource {
        env,
        env_is_list: true,
        defaults,
        also: None,
    }
}

const KIMI_CODE_ROOTS: RootSource = one("KIMI_CODE_HOME", || under_home(&[".kimi-code"]));

/// Every harness, in discovery order. The array's length ties it to [`Harness::ALL`]: a new
/// harness does not compile until it has an entry here.
pub static SOURCES: [HarnessSource; Harness::ALL.len()] = [
    // Each root holds `projects/` (or is a `projects/` dir).
    HarnessSource {
        harness: Harness::ClaudeCode,
        roots: list("CLAUDE_CONFIG_DIR", || {
            home_dir()
                .map(|h| vec![h.join(".config").join("claude"), h.join(".claude")])
                .unwrap_or_default()
        }),
        discover: |roots, ls| d::discover_claude_in(&d::claude_projects_dirs(roots), ls),
        watch: |roots| each(&d::claude_projects_dirs(roots), None, true),
        on_change: OnChange::ClaudeLayout,
    },
    // A home's `sessions/` and `archived_sessions/`.
    HarnessSource {
        harness: Harness::Codex,
        roots: list("CODEX_HOME", || under_home(&[".codex"])),
        discover: |homes, ls| d::discover_codex_in(&d::codex_session_dirs(homes), ls),
        watch: |homes| each(&d::codex_session_dirs(homes), None, true),
        on_change: OnChange::CodexRollout,
    },
    // Data dirs, `storage/` dirs or database files.
    HarnessSource {
        harness: Harness::OpenCode,
        roots: one("OPENCODE_DATA_DIR", || xdg_data("opencode")),
        discover: d::discover_opencode,
        watch: |roots| {
            // The data dir itself only for its database (it also holds logs and snapshots).
            let mut dirs = Vec::new();
            for root in roots {
                let storage: Vec<PathBuf> = d::opencode_storage_dir(root).into_iter().collect();
                dirs.extend(each(&storage, None, true));
                dirs.extend(each(std::slice::from_ref(root), None, false));
            }
            dirs
        },
        on_change: OnChange::Relist,
    },
    // `~/.gemini`, or a home holding one (as `GEMINI_CLI_HOME` is).
    HarnessSource {
        harness: Harness::GeminiCli,
        roots: one("GEMINI_CLI_HOME", || under_home(&[".gemini"])),
        discover: |roots, ls| d::discover_gemini(&d::gemini_dirs(roots), ls),
        watch: |roots| each(&d::gemini_dirs(roots), Some("tmp"), true),
        on_change: OnChange::InTree,
    },
    HarnessSource {
        harness: Harness::QwenCode,
        roots: one("QWEN_RUNTIME_DIR", || under_home(&[".qwen"])),
        discover: d::discover_qwen,
        watch: |roots| each(roots, Some("projects"), true),
        on_change: OnChange::InTree,
    },
    HarnessSource {
        harness: Harness::Pi,
        roots: one("PI_CODING_AGENT_DIR", || under_home(&[".pi", "agent"])),
        discover: d::discover_pi,
        watch: |roots| each(roots, Some("sessions"), true),
        on_change: OnChange::InTree,
    },
    // Session folders or settings files.
    HarnessSource {
        harness: Harness::Droid,
        roots: list("DROID_SESSIONS_DIR", || {
            under_home(&[".factory", "sessions"])
        }),
        discover: t::discover_droid,
        watch: |roots| each(roots, None, true),
        on_change: OnChange::Relist,
    },
    // Data dirs or `sessions.db` files.
    HarnessSource {
        harness: Harness::Goose,
        roots: one("GOOSE_PATH_ROOT", goose_defaults),
        discover: |roots, _| t::discover_goose(roots),
        watch: |roots| folders_of(t::discover_goose(roots)),
        on_change: OnChange::Relist,
    },
    // Data dirs holding `projects.json`, or `crush.db` files.
    HarnessSource {
        harness: Harness::Crush,
        roots: one("CRUSH_GLOBAL_DATA", crush_defaults),
        discover: |roots, ls| t::discover_crush(roots, &mut ls.issues),
        watch: |roots| {
            // Its data dirs too, for `projects.json`.
            let mut dirs = folders_of(t::discover_crush(roots, &mut Vec::new()));
            dirs.extend(each(roots, None, false));
            dirs
        },
        on_change: OnChange::Relist,
    },
    // Data dirs holding `threads/`.
    HarnessSource {
        harness: Harness::Amp,
        roots: list("AMP_DATA_DIR", || xdg_data("amp")),
        discover: d::discover_amp,
        watch: |roots| {
            let dirs: Vec<PathBuf> = roots.iter().map(|r| d::sub_or_self(r, "threads")).collect();
            each(&dirs, None, false)
        },
        on_change: OnChange::Relist,
    },
    // Data dirs or `kilo.db` files.
    HarnessSource {
        harness: Harness::Kilo,
        roots: list("KILO_DATA_DIR", || xdg_data("kilo")),
        discover: d::discover_kilo,
        watch: |roots| each(roots, None, false),
        on_change: OnChange::Relist,
    },
    // The Cline family: VS Code user dirs, or the extension's own storage dir.
    HarnessSource {
        harness: Harness::Cline,
        roots: list("CLINE_DATA_DIR", vscode_user_dirs),
        discover: |roots, ls| d::discover_vscode_tasks(Harness::Cline, roots, ls),
        watch: |roots| vscode_tasks(Harness::Cline, roots),
        on_change: OnChange::Relist,
    },
    HarnessSource {
        harness: Harness::RooCode,
        roots: list("ROO_CODE_DATA_DIR", vscode_user_dirs),
        discover: |roots, ls| d::discover_vscode_tasks(Harness::RooCode, roots, ls),
        watch: |roots| vscode_tasks(Harness::RooCode, roots),
        on_change: OnChange::Relist,
    },
    HarnessSource {
        harness: Harness::KiloCode,
        roots: list("KILO_CODE_DATA_DIR", vscode_user_dirs),
        discover: |roots, ls| d::discover_vscode_tasks(Harness::KiloCode, roots, ls),
        watch: |roots| vscode_tasks(Harness::KiloCode, roots),
        on_change: OnChange::Relist,
    },
    // Homes holding `session-store.db` and `session-state/`.
    HarnessSource {
        harness: Harness::CopilotCli,
        roots: one("COPILOT_HOME", || under_home(&[".copilot"])),
        discover: d::discover_copilot,
        watch: |homes| {
            // The home itself for its store.
            let mut dirs = each(homes, Some("session-state"), true);
            dirs.extend(each(homes, None, false));
            dirs
        },
        on_change: OnChange::Relist,
    },
    // Kimi CLI or Kimi Code homes (their `sessions/`).
    HarnessSource {
        harness: Harness::KimiCli,
        roots: RootSource {
            also: Some(&KIMI_CODE_ROOTS),
            ..one("KIMI_SHARE_DIR", || under_home(&[".kimi"]))
        },
        discover: d::discover_kimi,
        watch: |homes| each(homes, Some("sessions"), true),
        on_change: OnChange::Relist,
    },
    // Grok Build homes (their `sessions/`).
    HarnessSource {
        harness: Harness::Grok,
        roots: list("GROK_HOME", || under_home(&[".grok"])),
        discover: d::discover_grok,
        watch: |homes| each(homes, Some("sessions"), true),
        on_change: OnChange::Relist,
    },
];

/// The table entry of `harness`.
pub fn source(harness: Harness) -> &'static HarnessSource {
    SOURCES
        .iter()
        .find(|s| s.harness == harness)
        // Unreachable: `every_harness_has_one_entry` pins the table to `Harness::ALL`.
        .unwrap_or(&SOURCES[0])
}

/// The roots of `harness`'s logs: the explicit roots when given, else its environment
/// variable, else its defaults.
pub fn roots_of(harness: Harness, explicit: Option<&[String]>) -> Vec<PathBuf> {
    resolve_roots(explicit, &source(harness).roots)
}

/// The log files of `harness` under its roots (explicit, else its variable, else defaults).
pub fn discover(harness: Harness, explicit: Option<&[String]>, ls: &mut Lister) -> Vec<SourceFile> {
    let source = source(harness);
    (source.discover)(&resolve_roots(explicit, &source.roots), ls)
}

/// The roots of one harness's logs, resolved the same way for every harness: the explicit
/// roots when given, else the environment variable, else the defaults (and then the second
/// store's, when there is one). A leading `~/` is expanded to the home directory in explicit
/// roots and in the variable alike.
pub fn resolve_roots(explicit: Option<&[String]>, source: &RootSource) -> Vec<PathBuf> {
    if let Some(list) = explicit {
        return list.iter().map(|p| expand_home(p)).collect();
    }
    let mut roots = match std::env::var(source.env)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(list) if source.env_is_list => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(expand_home)
            .collect(),
        Some(one) => vec![expand_home(one.trim())],
        None => (source.defaults)(),
    };
    if let Some(also) = source.also {
        roots.extend(resolve_roots(None, also));
    }
    roots
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_harness_has_one_entry() {
        for h in Harness::ALL {
            let n = SOURCES.iter().filter(|s| s.harness == h).count();
            assert_eq!(n, 1, "{}", h.as_str());
        }
    }

    #[test]
    fn explicit_roots_expand_the_home_directory_for_every_harness() {
        let Some(home) = home_dir() else { return };
        let explicit = vec!["~/logs".to_string(), "/abs".to_string()];
        for source in &SOURCES {
            assert_eq!(
                resolve_roots(Some(&explicit), &source.roots),
                vec![home.join("logs"), PathBuf::from("/abs")],
                "{}",
                source.roots.env
            );
        }
        assert_eq!(
            resolve_roots(Some(&explicit), &KIMI_CODE_ROOTS),
            vec![home.join("logs"), PathBuf::from("/abs")],
        );
    }
}
