//! Which files under the roots of Factory Droid, Goose and Crush hold their session totals
//! (the roots are resolved like every harness's, in `sources.rs`).

use super::discover::{DirIssue, FileKind, SourceFile};
use super::listing::{EntryKind, Lister};
use crate::vocab::Harness;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `projects.json` is a small list; anything larger is not one.
const MAX_PROJECTS_BYTES: u64 = 16 << 20;
/// Droid keeps sessions directly in the root or one project folder below it; a little more
/// depth is searched, no more (a root of `/` must not walk the disk).
const DROID_DEPTH: usize = 3;

/// Droid settings files under the roots (a root may be a settings file). The same session id
/// in two folders is one session: only its most recently written settings file is read.
pub fn discover_droid(roots: &[PathBuf], ls: &mut Lister) -> Vec<SourceFile> {
    let mut newest: HashMap<String, (i64, PathBuf)> = HashMap::new();
    let mut found = Vec::new();
    for root in roots {
        if root.is_file() {
            found.push(root.clone());
        } else {
            walk_droid(root, DROID_DEPTH, ls, &mut found);
        }
    }
    for path in found {
        let Some(id) = crate::harness::droid::session_id_of(&path) else {
            continue;
        };
        let mtime = std::fs::metadata(&path)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        let replace = match newest.get(id) {
            None => true,
            // Ties go to the later path, so the choice does not depend on listing order.
            Some((t, p)) => mtime > *t || (mtime == *t && path > *p),
        };
        if replace {
            newest.insert(id.to_string(), (mtime, path));
        }
    }
    let mut out: Vec<SourceFile> = newest
        .into_values()
        .map(|(_, path)| SourceFile {
            path,
            harness: Harness::Droid,
            kind: FileKind::DroidSession,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk_droid(dir: &Path, depth: usize, ls: &mut Lister, out: &mut Vec<PathBuf>) {
    let Some(entries) = ls.entries(dir) else {
        return;
    };
    for entry in entries.iter() {
        let path = dir.join(&entry.name);
        if entry.kind == EntryKind::Dir {
            if depth > 0 {
                walk_droid(&path, depth - 1, ls, out);
            }
        } else if crate::harness::droid::session_id_of(&path).is_some() {
            out.push(path);
        }
    }
}

/// Goose databases: a root is the database, a dir holding `sessions.db`, its `sessions/`
/// dir, or a `GOOSE_PATH_ROOT` (`data/sessions/sessions.db`).
pub fn discover_goose(roots: &[PathBuf]) -> Vec<SourceFile> {
    let mut out: Vec<SourceFile> = Vec::new();
    for root in roots {
        let candidates = [
            root.clone(),
            root.join("sessions.db"),
            root.join("sessions").join("sessions.db"),
            root.join("data").join("sessions").join("sessions.db"),
        ];
        let Some(db) = candidates.into_iter().find(|p| p.is_file()) else {
            continue;
        };
        let key = std::fs::canonicalize(&db).unwrap_or_else(|_| db.clone());
        if out.iter().any(|f| f.path == key) {
            continue;
        }
        out.push(SourceFile {
            path: key,
            harness: Harness::Goose,
            kind: FileKind::GooseDb,
        });
    }
    out
}

#[derive(serde::Deserialize)]
struct ProjectList {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(serde::Deserialize)]
struct Project {
    path: Option<String>,
    data_dir: Option<String>,
}

/// Crush databases: each `crush.db` in a data dir `projects.json` lists (with the project's
/// path), or a root that is a `crush.db` or a dir holding one. Problems reading
/// `projects.json` are noted, not fatal.
pub fn discover_crush(roots: &[PathBuf], issues: &mut Vec<DirIssue>) -> Vec<SourceFile> {
    let mut out: Vec<SourceFile> = Vec::new();
    let mut push = |db: PathBuf, project: Option<String>| {
        if !db.is_file() {
            return;
        }
        let key = std::fs::canonicalize(&db).unwrap_or(db);
        if out.iter().any(|f| f.path == key) {
            return;
        }
        out.push(SourceFile {
            path: key,
            harness: Harness::Crush,
            kind: FileKind::CrushDb { project },
        });
    };
    for root in roots {
        if root.is_file() {
            push(root.clone(), None);
            continue;
        }
        let list = root.join("projects.json");
        match crate::files::read_regular_to_string(&list, MAX_PROJECTS_BYTES) {
            Ok(text) => match serde_json::from_str::<ProjectList>(&text) {
                Ok(list) => {
                    for p in list.projects {
                        if let Some(dir) = p.data_dir.filter(|d| !d.is_empty()) {
                            push(Path::new(&dir).join("crush.db"), p.path);
                        }
                    }
                }
                Err(e) => issues.push((list, std::io::Error::other(e.to_string()))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => issues.push((list, e)),
        }
        push(root.join("crush.db"), None);
    }
    out
}
