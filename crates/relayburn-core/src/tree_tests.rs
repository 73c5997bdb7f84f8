//! Session trees end to end: Claude Code logs written to disk (fork and continuation fields,
//! subagent transcripts), ingested, then read back through the queries.

use crate::ingest::{reset_derived, IngestReport};
use crate::ledger::Ledger;
use crate::query::{
    self, session_cost, sessions, GroupBy, SessionRow, SessionsFilter, Summary, SummaryOptions,
    Totals, TurnFilter,
};
use crate::test_store::{open, stamp, Store};
use std::collections::{BTreeMap, HashMap, HashSet};

fn run(l: &mut Ledger, s: &Store) -> IngestReport {
    s.ingest(l)
}

fn summary_by(l: &Ledger, f: TurnFilter, group: &str) -> Summary {
    query::summary(
        l,
        &f,
        &SummaryOptions {
            group_by: GroupBy::parse(group).unwrap(),
            ..SummaryOptions::default()
        },
    )
    .unwrap()
}

fn groups(s: &Summary) -> BTreeMap<String, i64> {
    s.groups.iter().map(|(k, t)| (k.clone(), t.turns)).collect()
}

fn tokens(t: &Totals) -> (i64, i64, i64, i64) {
    (t.turns, t.input, t.output, t.cache_read)
}

fn all_trees(l: &Ledger) -> Vec<SessionRow> {
    sessions(
        l,
        &SessionsFilter {
            limit: Some(1_000_000),
            ..Default::default()
        },
    )
    .unwrap()
}

/// (session, parent, root, depth) of every node.
fn nodes(l: &Ledger) -> Vec<(String, Option<String>, String, i64)> {
    l.conn()
        .unwrap()
        .prepare(
            "SELECT session_id, parent_id, root_id, depth FROM session_tree ORDER BY session_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The session-tree invariants (see `crate::tree`) on whatever ledger `l` holds.
fn check_invariants(l: &Ledger) {
    let nodes = nodes(l);
    let by_id: HashMap<&str, (&Option<String>, &str, i64)> = nodes
        .iter()
        .map(|(s, p, r, d)| (s.as_str(), (p, r.as_str(), *d)))
        .collect();
    // Each node's parent chain is acyclic, reaches its root in `depth` steps.
    for (id, (_, root, depth)) in &by_id {
        let mut at = *id;
        let mut steps = 0;
        while let Some(p) = by_id[at].0.as_deref() {
            at = p;
            steps += 1;
            assert!(steps <= nodes.len(), "cycle through {id}");
        }
        assert_eq!(
            (at, steps as i64),
            (*root, *depth),
            "root and depth of {id}"
        );
    }
    // Every session row's stored parent is its node's parent (refused links are not stored).
    let conn = l.conn().unwrap();
    let mut stmt = conn
        .prepare("SELECT session_id, parent_session_id FROM sessions WHERE parent_session_id IS NOT NULL")
        .unwrap();
    let links: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (child, parent) in links {
        assert_eq!(
            by_id[child.as_str()].0.as_deref(),
            Some(parent.as_str()),
            "{child}"
        );
    }

    let total = summary_by(l, TurnFilter::default(), "model").totals;
    let trees = all_trees(l);
    let mut sum = Totals::default();
    let mut seen = HashSet::new();
    let by_root = groups(&summary_by(l, TurnFilter::default(), "root"));
    for tree in &trees {
        // Tree totals == the sum of the own totals of the root and its descendants.
        let mut own = tree.own.clone();
        for d in &tree.descendants {
            own.add(&d.own);
            assert!(
                seen.insert(d.session_id.clone()),
                "{} in two trees",
                d.session_id
            );
        }
        assert!(seen.insert(tree.session_id.clone()));
        assert_eq!(
            tokens(&own),
            tokens(&tree.totals),
            "tree {}",
            tree.session_id
        );
        assert!((own.cost_usd - tree.totals.cost_usd).abs() < 1e-6);
        assert_eq!(tree.descendant_count, tree.descendants.len() as i64);
        assert_eq!(
            by_root.get(&tree.session_id).copied().unwrap_or(0),
            tree.totals.turns
        );
        // Asked by session, the root gives its tree; descendants: false its own turns.
        let asked = session_cost(l, &tree.session_id, None).unwrap().totals;
        assert_eq!(
            tokens(&asked),
            tokens(&tree.totals),
            "sessionCost {}",
            tree.session_id
        );
        let only = session_cost(l, &tree.session_id, Some(false))
            .unwrap()
            .totals;
        assert_eq!(tokens(&only), tokens(&tree.own));
        // A descendant asked by session: itself and its own subtree.
        for d in &tree.descendants {
            let detail = query::session(l, &d.session_id, None).unwrap().unwrap();
            let mut sub = detail.row.own.clone();
            for x in &detail.row.descendants {
                sub.add(&x.own);
            }
            let asked = session_cost(l, &d.session_id, None).unwrap().totals;
            assert_eq!(tokens(&asked), tokens(&sub), "subtree of {}", d.session_id);
        }
        sum.add(&tree.totals);
    }
    // Every session with turns is in exactly one tree; the trees add up to the ledger.
    assert_eq!(tokens(&sum), tokens(&total));
    assert_eq!(seen.len(), by_id.len(), "every node listed once");
}

/// A small deterministic generator (no dependency needed for a test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn generated_trees_keep_the_invariants() {
    let (mut total_refused, mut deepest) = (0, 0);
    for seed in 1..=3u64 {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let mut l = open(dir.path());
        let mut r = Lcg(seed);
        let n = 30;
        let mut declared: Vec<(String, Option<String>)> = Vec::new();
        let mut refused = 0;
        // Two rounds: parents named before and after their own logs, subtrees moved later.
        for round in 0..2 {
            for i in (round * n / 2)..((round + 1) * n / 2) {
                let id = format!("s{i}");
                // Any other session (earlier, later, not yet written): cycles are possible.
                let parent = (r.next(10) < 7).then(|| format!("s{}", r.next(n as u64)));
                let parent = parent.filter(|p| *p != id);
                store.session(
                    &id,
                    1 + r.next(3) as i64,
                    parent.as_deref().map(|p| (p, r.next(2) == 0)),
                    i as i64,
                );
                for a in 0..r.next(3) {
                    store.subagent(&id, &format!("a{a}"), 1 + r.next(2) as i64, i as i64);
                }
                declared.push((id, parent));
            }
            let report = run(&mut l, &store);
            refused += report
                .errors
                .iter()
                .filter(|e| e.message.contains("cycle"))
                .count();
            assert!(
                report.errors.iter().all(|e| e.message.contains("cycle")),
                "{:?}",
                report.errors
            );
            check_invariants(&l);
        }
        // Each declared parent is the tree's, unless the link was refused as a cycle.
        let nodes = nodes(&l);
        let parent_of: HashMap<&str, Option<&str>> = nodes
            .iter()
            .map(|(s, p, _, _)| (s.as_str(), p.as_deref()))
            .collect();
        let missing = declared
            .iter()
            .filter(|(id, p)| p.is_some() && parent_of[id.as_str()] != p.as_deref())
            .count();
        assert_eq!(
            missing, refused,
            "seed {seed}: every refused link reported once"
        );
        total_refused += refused;
        deepest = deepest.max(nodes.iter().map(|n| n.3).max().unwrap_or(0));
        // A second pass changes nothing; a rebuild gives the same trees.
        assert_eq!(run(&mut l, &store).turns_added, 0);
        let before = nodes.clone();
        reset_derived(&mut l, None).unwrap();
        run(&mut l, &store);
        let after: Vec<_> = self::nodes(&l)
            .into_iter()
            .map(|(s, p, _, _)| (s, p))
            .collect();
        let before: Vec<_> = before.into_iter().map(|(s, p, _, _)| (s, p)).collect();
        assert_eq!(after.len(), before.len());
        check_invariants(&l);
        // `descendants_of` (the tag fold's walk down from stamped sessions) is the union of the
        // subtrees below the ids, parents before children.
        let conn = l.conn().unwrap();
        let ids: Vec<String> = nodes.iter().step_by(3).map(|n| n.0.clone()).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let got = crate::tree::descendants_of(conn, &refs).unwrap();
        let mut want: HashSet<String> = HashSet::new();
        for id in &refs {
            for n in crate::tree::subtree(conn, id).unwrap() {
                if n.session_id != *id {
                    want.insert(n.session_id);
                }
            }
        }
        let got_ids: HashSet<String> = got.iter().map(|n| n.session_id.clone()).collect();
        assert_eq!(got_ids, want, "seed {seed}");
        assert_eq!(got.len(), got_ids.len(), "each descendant once");
        assert!(got.windows(2).all(|w| w[0].depth <= w[1].depth));
        assert!(!want.is_empty());
    }
    // The generated ledgers exercise what the invariants are about.
    assert!(total_refused > 0, "some generated link closes a cycle");
    assert!(deepest >= 3, "trees several levels deep");
}

#[test]
fn a_link_that_would_close_a_cycle_is_refused_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = open(dir.path());
    // a ← b ← c, then a claims to be a fork of c.
    store.session("a", 1, None, 0);
    store.session("b", 1, Some(("a", true)), 1);
    store.session("c", 1, Some(("b", false)), 2);
    assert_eq!(run(&mut l, &store).errors, vec![]);
    store.session("a", 2, Some(("c", true)), 0);
    let report = run(&mut l, &store);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert!(e.file.ends_with("a.jsonl"), "{}", e.file);
    assert!(
        e.message.contains("session a") && e.message.contains("cycle"),
        "{}",
        e.message
    );
    let trees = all_trees(&l);
    assert_eq!(trees.len(), 1);
    assert_eq!(trees[0].session_id, "a");
    assert_eq!(trees[0].relationship, "root");
    assert_eq!(trees[0].descendant_count, 2);
    check_invariants(&l);
}

#[test]
fn stamps_inherit_down_the_tree_nearest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = open(dir.path());
    // r → c (fork) → g (continuation) → g/agent-x (subagent); o is unrelated.
    store.session("r", 2, None, 0);
    store.session("c", 2, Some(("r", true)), 10);
    store.session("g", 2, Some(("c", false)), 20);
    let x = store.subagent("g", "x", 2, 25);
    store.session("o", 1, None, 40);
    // Stamps before ingest: the root labels everything…
    stamp(
        &mut l,
        Some("r"),
        None,
        "2026-03-01T07:00:00Z",
        &[("a", "r"), ("b", "r"), ("c", "r")],
    );
    run(&mut l, &store);
    // …and after: each level overrides one key; a later stamp on an ancestor does not beat a
    // nearer one (nearest wins), while on one session the later stamp still wins.
    stamp(
        &mut l,
        Some("c"),
        None,
        "2026-03-01T07:00:01Z",
        &[("b", "c")],
    );
    stamp(
        &mut l,
        Some("g"),
        None,
        "2026-03-01T07:00:02Z",
        &[("c", "g")],
    );
    stamp(
        &mut l,
        Some(&x),
        None,
        "2026-03-01T07:00:03Z",
        &[("d", "x")],
    );
    stamp(
        &mut l,
        Some("r"),
        None,
        "2026-03-01T09:00:00Z",
        &[("b", "r2")],
    );
    stamp(
        &mut l,
        Some("r"),
        None,
        "2026-03-01T06:00:00Z",
        &[("a", "old")],
    );
    // A message stamp stays on its message, and beats the inherited value there.
    stamp(
        &mut l,
        None,
        Some("g-m1"),
        "2026-03-01T05:00:00Z",
        &[("a", "msg")],
    );

    let by = |key: &str| {
        groups(&summary_by(
            &l,
            TurnFilter::default(),
            &format!("tag:{key}"),
        ))
    };
    let m = |v: &[(&str, i64)]| {
        v.iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect::<BTreeMap<_, _>>()
    };
    // Turns: r 2, c 2, g 2, x 2, o 1.
    assert_eq!(by("a"), m(&[("r", 7), ("msg", 1), ("(none)", 1)]));
    assert_eq!(by("b"), m(&[("r2", 2), ("c", 6), ("(none)", 1)]));
    assert_eq!(by("c"), m(&[("r", 4), ("g", 4), ("(none)", 1)]));
    assert_eq!(by("d"), m(&[("x", 2), ("(none)", 7)]));

    // Filters see the inherited tags too, in summary and in sessions.
    let filtered = |kv: &[(&str, &str)]| {
        summary_by(
            &l,
            TurnFilter {
                tags: kv
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
            "session",
        )
    };
    assert_eq!(
        groups(&filtered(&[("b", "c"), ("c", "g")])),
        m(&[("g", 2), (x.as_str(), 2)])
    );
    assert_eq!(
        groups(&filtered(&[("a", "r")])),
        m(&[("r", 2), ("c", 2), ("g", 1), (x.as_str(), 2)])
    );
    let flat = sessions(
        &l,
        &SessionsFilter {
            flat: true,
            ..Default::default()
        },
    )
    .unwrap();
    let tags_of = |id: &str| {
        flat.iter()
            .find(|s| s.session_id == id)
            .unwrap()
            .tags
            .clone()
    };
    let t = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        tags_of(&x),
        t(&[("a", "r"), ("b", "c"), ("c", "g"), ("d", "x")])
    );
    assert_eq!(tags_of("c"), t(&[("a", "r"), ("b", "c"), ("c", "r")]));
    assert_eq!(tags_of("o"), t(&[]));
    let trees = sessions(
        &l,
        &SessionsFilter {
            tags: t(&[("d", "x")]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(trees.len(), 1, "the tree holding a matching session");
    assert_eq!(
        (trees[0].session_id.as_str(), trees[0].descendant_count),
        ("r", 3)
    );
    check_invariants(&l);
}

#[test]
fn a_subagent_ingested_later_inherits_a_claimed_pending_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let mut l = open(dir.path());
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(&cwd).unwrap();
    crate::stamp::pending::write_pending_stamp(
        &mut l,
        &crate::stamp::PendingStampRequest {
            harness: Some("claude-code".into()),
            cwd: Some(cwd.to_string_lossy().into_owned()),
            enrichment: BTreeMap::from([("persona".to_string(), "reviewer".to_string())]),
            spawn_start_ts: Some("2026-03-01T07:59:00Z".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let cwd_s = cwd.to_string_lossy().into_owned();
    let row = Store::row("p", "p-m0", 0, 10, None).replace("/work/app", &cwd_s);
    std::fs::write(store.project.join("p.jsonl"), row).unwrap();
    assert_eq!(run(&mut l, &store).pending_stamps_applied, 1);
    // The subagent's transcript shows up in a later ingest.
    let x = store.subagent("p", "late", 3, 5);
    run(&mut l, &store);
    let s = summary_by(
        &l,
        TurnFilter {
            tags: BTreeMap::from([("persona".to_string(), "reviewer".to_string())]),
            ..Default::default()
        },
        "session",
    );
    assert_eq!(groups(&s), BTreeMap::from([("p".to_string(), 1), (x, 3)]));
}

/// A ledger written before session trees existed gets its trees from the stored parent links;
/// sessions whose links close a cycle become roots (and lose the link).
#[test]
fn the_tree_migration_builds_trees_from_existing_links() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let at = crate::ledger::schema::MIGRATIONS
        .iter()
        .position(|m| m.contains("CREATE TABLE session_tree"))
        .unwrap();
    {
        let conn = rusqlite::Connection::open(home.join(crate::home::LEDGER_FILE)).unwrap();
        conn.execute_batch("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;")
            .unwrap();
        for sql in &crate::ledger::schema::MIGRATIONS[..at] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute("INSERT INTO schema_version VALUES (?1)", [at as i64])
            .unwrap();
        // r ← c ← g (g's parent row written first), x ↔ y (a cycle), z alone.
        for (s, p) in [
            ("g", Some("c")),
            ("c", Some("r")),
            ("r", None),
            ("x", Some("y")),
            ("y", Some("x")),
            ("z", None),
        ] {
            conn.execute(
                "INSERT INTO sessions (harness, session_id, parent_session_id, relationship, turns)
                 VALUES ('claude-code', ?1, ?2, CASE WHEN ?2 IS NULL THEN 'root' ELSE 'fork' END, 0)",
                rusqlite::params![s, p],
            )
            .unwrap();
        }
    }
    let l = Ledger::open(&home).unwrap();
    let got: Vec<(String, Option<String>, String, i64)> = nodes(&l);
    let n = |s: &str, p: Option<&str>, r: &str, d: i64| {
        (s.to_string(), p.map(str::to_string), r.to_string(), d)
    };
    assert_eq!(
        got,
        vec![
            n("c", Some("r"), "r", 1),
            n("g", Some("c"), "r", 2),
            n("r", None, "r", 0),
            n("x", None, "x", 0),
            n("y", None, "y", 0),
            n("z", None, "z", 0),
        ]
    );
    check_invariants(&l);
}

#[test]
fn descendants_without_a_session_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let l = open(dir.path());
    let err = query::summary(
        &l,
        &TurnFilter {
            descendants: Some(false),
            ..Default::default()
        },
        &SummaryOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    assert!(err.to_string().contains("descendants"), "{err}");
    let err = query::fingerprint_of(&l, None, Some(true)).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    assert!(err.to_string().contains("descendants"), "{err}");
    // With a session, both forms answer (an unknown session counts nothing).
    assert_eq!(
        session_cost(&l, "nope", Some(false)).unwrap().totals.turns,
        0
    );
    assert!(query::fingerprint_of(&l, Some("nope"), None).is_ok());
}
