//! Session trees: every session has at most one parent (subagent, fork,
//! continuation — across harnesses too), so the sessions form trees. `session_tree` keeps one
//! node per session id with its parent, the root of its tree and its depth below that root
//! (migration 6). A trigger adds a root node for every new session row; [`link`] (called by
//! the ingest writer in the transaction that writes the session) hangs a root under its
//! parent and moves its whole subtree, found by the `root_id` index. So:
//!
//! - the root of a session is one primary-key lookup ([`root_of`]);
//! - a session and its descendants are the nodes of its root's tree (`root_id` index) under
//!   it ([`subtree`]) — never a scan of the sessions table;
//! - a link that would close a cycle is refused: a node that has no parent yet is the root of
//!   its own tree, so hanging `child` under `parent` closes a cycle exactly when `parent`'s
//!   root is `child`.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

/// What [`link`] did with a parent link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// `child` now hangs under `parent` (or already did).
    Linked,
    /// `child` already has another parent (the first link wins); nothing changed.
    Kept(String),
    /// The link would close a cycle (`parent` is `child` or one of its descendants): refused.
    Cycle,
}

/// Whether hanging `child` under `parent` is possible, without changing anything.
pub fn check(conn: &Connection, child: &str, parent: &str) -> rusqlite::Result<Link> {
    if child == parent {
        return Ok(Link::Cycle);
    }
    if let Some((Some(existing), _, _)) = node(conn, child)? {
        return Ok(if existing == parent {
            Link::Linked
        } else {
            Link::Kept(existing)
        });
    }
    // `child` has no parent: it is the root of its tree (or has no node yet).
    match node(conn, parent)? {
        Some((_, root, _)) if root == child => Ok(Link::Cycle),
        _ => Ok(Link::Linked),
    }
}

/// Hangs `child` (and its subtree) under `parent`, creating missing nodes (under
/// `harness`). Refuses a cycle; keeps an existing different parent.
pub fn link(conn: &Connection, harness: &str, child: &str, parent: &str) -> rusqlite::Result<Link> {
    let verdict = check(conn, child, parent)?;
    if verdict != Link::Linked {
        return Ok(verdict);
    }
    for id in [child, parent] {
        conn.prepare_cached(
            "INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
             VALUES (?1, ?2, NULL, ?1, 0) ON CONFLICT (session_id) DO NOTHING",
        )?
        .execute(params![id, harness])?;
    }
    let Some((current, _, _)) = node(conn, child)? else {
        return Ok(Link::Linked);
    };
    if current.is_some() {
        return Ok(Link::Linked);
    }
    let Some((_, root, depth)) = node(conn, parent)? else {
        return Ok(Link::Linked);
    };
    // Every node of `child`'s tree (it is that tree's root) moves under `root`.
    conn.prepare_cached(
        "UPDATE session_tree SET root_id = ?2, depth = depth + ?3 + 1 WHERE root_id = ?1",
    )?
    .execute(params![child, root, depth])?;
    conn.prepare_cached("UPDATE session_tree SET parent_id = ?2 WHERE session_id = ?1")?
        .execute(params![child, parent])?;
    Ok(Link::Linked)
}

/// `(parent, root, depth)` of a node.
type Node = (Option<String>, String, i64);

fn node(conn: &Connection, id: &str) -> rusqlite::Result<Option<Node>> {
    conn.prepare_cached("SELECT parent_id, root_id, depth FROM session_tree WHERE session_id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
}

/// The root of `id`'s tree (`id` itself for a root or an unknown id).
pub fn root_of(conn: &Connection, id: &str) -> rusqlite::Result<String> {
    Ok(node(conn, id)?.map_or_else(|| id.to_string(), |(_, root, _)| root))
}

/// One node of a tree as read for queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub session_id: String,
    pub parent_id: Option<String>,
    /// Depth below the root of the whole tree.
    pub depth: i64,
}

/// Every node of the trees rooted at `roots` (`root_id` index), parents before children.
pub fn trees(conn: &Connection, roots: &[&str]) -> rusqlite::Result<Vec<TreeNode>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(roots).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT session_id, parent_id, depth FROM session_tree
         WHERE root_id IN (SELECT value FROM json_each(?1)) ORDER BY depth, session_id",
    )?;
    let rows = stmt.query_map([list], |r| {
        Ok(TreeNode {
            session_id: r.get(0)?,
            parent_id: r.get(1)?,
            depth: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// Every session below any of `ids` (not `ids` themselves, unless one is below another),
/// ordered by depth then id, so parents come before children. One query per tree level, each
/// a lookup of the children of the previous level in the `parent_id` index: the cost follows
/// the descendants found, not the size of the trees the ids are in (most stamped sessions
/// have no children).
pub fn descendants_of(conn: &Connection, ids: &[&str]) -> rusqlite::Result<Vec<TreeNode>> {
    let mut stmt = conn.prepare_cached(
        "SELECT session_id, parent_id, depth FROM session_tree
         WHERE parent_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut out: Vec<TreeNode> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut level: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    while !level.is_empty() {
        let list = serde_json::to_string(&level).unwrap_or_else(|_| "[]".into());
        let found = stmt
            .query_map([list], |r| {
                Ok(TreeNode {
                    session_id: r.get(0)?,
                    parent_id: r.get(1)?,
                    depth: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        level = Vec::new();
        for n in found {
            // The tree has no cycles (`link` refuses them); `seen` keeps a damaged one finite.
            if seen.insert(n.session_id.clone()) {
                level.push(n.session_id.clone());
                out.push(n);
            }
        }
    }
    out.sort_by(|a, b| (a.depth, &a.session_id).cmp(&(b.depth, &b.session_id)));
    Ok(out)
}

/// `id` and all its descendants, parents before children (`[id]` for an unknown id).
pub fn subtree(conn: &Connection, id: &str) -> rusqlite::Result<Vec<TreeNode>> {
    let Some((parent, root, depth)) = node(conn, id)? else {
        return Ok(vec![TreeNode {
            session_id: id.to_string(),
            parent_id: None,
            depth: 0,
        }]);
    };
    if root == id {
        return trees(conn, &[id]);
    }
    // Deeper than the root: keep the nodes of the root's tree that descend from `id`.
    let all = trees(conn, &[root.as_str()])?;
    let mut inside: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut out = vec![TreeNode {
        session_id: id.to_string(),
        parent_id: parent,
        depth,
    }];
    inside.insert(id);
    for n in &all {
        if n.depth > depth && n.parent_id.as_deref().is_some_and(|p| inside.contains(p)) {
            inside.insert(n.session_id.as_str());
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// The ancestors of each of `ids`, nearest first (parent-id lookups by primary key).
pub fn ancestors(
    conn: &Connection,
    ids: &[&str],
) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut out = HashMap::new();
    for &id in ids {
        let mut chain = Vec::new();
        let mut at = node(conn, id)?.and_then(|(p, _, _)| p);
        while let Some(p) = at {
            if chain.contains(&p) || p == id {
                break;
            }
            at = node(conn, &p)?.and_then(|(pp, _, _)| pp);
            chain.push(p);
        }
        out.insert(id.to_string(), chain);
    }
    Ok(out)
}

/// Recomputes every node from the sessions table (after a rebuild reset deleted some):
/// one root node per session id, then each stored parent link through [`link`] (a link
/// that would now close a cycle stays out). A parent named by a session but without a row
/// of its own gets a placeholder row, as ingest gives it.
pub fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM session_tree", [])?;
    conn.execute(
        "INSERT INTO session_tree (session_id, harness, parent_id, root_id, depth)
         SELECT session_id, min(harness), NULL, session_id, 0 FROM sessions GROUP BY session_id",
        [],
    )?;
    let links: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT harness, session_id, parent_session_id FROM sessions
             WHERE parent_session_id IS NOT NULL ORDER BY first_ts_ms, session_id, harness",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (harness, child, parent) in links {
        conn.prepare_cached(
            "INSERT INTO sessions (harness, session_id, placeholder)
             SELECT ?1, ?2, 1 WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE session_id = ?2)",
        )?
        .execute(params![harness, parent])?;
        if link(conn, &harness, &child, &parent)? != Link::Linked {
            conn.prepare_cached(
                "UPDATE sessions SET parent_session_id = NULL, relationship = 'root', evidence = NULL
                 WHERE harness = ?1 AND session_id = ?2",
            )?
            .execute(params![harness, child])?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
