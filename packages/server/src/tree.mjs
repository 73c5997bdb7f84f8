/**
 * Session trees and folded tags in SQL, shared by the read endpoints. A session's tags are its
 * own session stamps folded by (ts, arrival), and each key it lacks is inherited from its
 * nearest ancestor that has one. Nodes are session ids (a parent may be of another harness).
 */

/**
 * CTEs `nodes` and `tree(session_id, root, depth, v0..vN)` for the tag keys `keys`, with
 * parameters appended to `params` (the org is `$1`).
 */
export function treeCtes(keys, params) {
  const own = keys.map((k, i) => {
    params.push(k);
    const p = `$${params.length}::text`;
    return `own${i} AS (
      SELECT DISTINCT ON (session_id) session_id, enrichment->>${p} AS v FROM stamps
      WHERE org_id = $1 AND session_id IS NOT NULL AND enrichment ? ${p}
      ORDER BY session_id, ts_ms DESC, seq DESC)`;
  });
  const cols0 = keys.map((_, i) => `, o${i}.v AS v${i}`).join('');
  const colsN = keys.map((_, i) => `, coalesce(o${i}.v, t.v${i})`).join('');
  const joins = keys.map((_, i) => ` LEFT JOIN own${i} o${i} ON o${i}.session_id = n.session_id`).join('');
  return [
    `nodes AS (SELECT session_id, min(parent_session_id) AS parent FROM sessions WHERE org_id = $1 GROUP BY session_id)`,
    ...own,
    `tree AS (
      SELECT n.session_id, n.session_id AS root, 0 AS depth${cols0}
      FROM nodes n${joins}
      WHERE n.parent IS NULL OR n.parent = n.session_id
         OR NOT EXISTS (SELECT 1 FROM nodes p WHERE p.session_id = n.parent)
      UNION ALL
      SELECT n.session_id, t.root, t.depth + 1${colsN}
      FROM nodes n JOIN tree t ON n.parent = t.session_id${joins}
      WHERE t.depth < 10000 AND n.parent <> n.session_id)`,
  ];
}

/** Folds stamp rows ({session_id, enrichment, ts_ms, seq}) per session: later ts, then later seq wins. */
export function foldOwn(stampRows) {
  const sorted = [...stampRows].sort(
    (a, b) => Number(a.ts_ms) - Number(b.ts_ms) || Number(a.seq) - Number(b.seq),
  );
  const own = new Map();
  for (const s of sorted) {
    let m = own.get(s.session_id);
    if (!m) {
      m = {};
      own.set(s.session_id, m);
    }
    for (const [k, v] of Object.entries(s.enrichment)) m[k] = v;
  }
  return own;
}
