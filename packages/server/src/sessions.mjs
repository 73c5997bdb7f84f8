/**
 * `GET /v1/sessions` and `GET /v1/session/:id`: the SDK's `SessionRow[]` and `SessionDetail`.
 * Tree rows (default) carry the whole tree's totals, the root's `own`, `descendantCount` and
 * `descendants` (depth first, children by first activity); `flat=true` lists sessions alone.
 * Content never reaches the server: no titles, user turns, compactions or tool calls.
 */

import { addTotals, emptyTotals, roundUsd } from './summary.mjs';
import { foldOwn, treeCtes } from './tree.mjs';
import { resolveWindow } from './window.mjs';

const iso = (ms) => (ms === null || ms === undefined ? undefined : new Date(Number(ms)).toISOString());

const SESSION_COLS = `harness, session_id, project, branch, parent_session_id, relationship, placeholder, first_ts_ms,
  last_ts_ms, turns, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, cost_usd`;

function ownTotals(r) {
  const t = addTotals(emptyTotals(), r);
  t.costUsd = roundUsd(t.costUsd);
  return t;
}

/** Builds rows for session rows `rows` of one org: folded tags, models, own totals. */
async function decorate(pool, orgId, rows) {
  const ids = [...new Set(rows.map((r) => r.session_id))];
  const [stamps, models] = await Promise.all([
    pool.query(
      `SELECT session_id, enrichment, ts_ms, seq FROM stamps WHERE org_id = $1 AND session_id = ANY($2::text[])`,
      [orgId, ids],
    ),
    pool.query(
      `SELECT session_id, harness, array_agg(DISTINCT model_key ORDER BY model_key) AS models FROM rollups
       WHERE org_id = $1 AND session_id = ANY($2::text[]) AND turns > 0 GROUP BY session_id, harness`,
      [orgId, ids],
    ),
  ]);
  const own = foldOwn(stamps.rows);
  const modelsOf = new Map(models.rows.map((m) => [`${m.harness}\u0000${m.session_id}`, m.models]));
  return { own, modelsOf };
}

function toRow(r, tags, models) {
  const own = ownTotals(r);
  return {
    harness: r.harness,
    sessionId: r.session_id,
    ...(r.project ? { project: r.project } : {}),
    ...(r.branch ? { branch: r.branch } : {}),
    ...(r.first_ts_ms !== null ? { firstTs: iso(r.first_ts_ms) } : {}),
    ...(r.last_ts_ms !== null ? { lastTs: iso(r.last_ts_ms) } : {}),
    models,
    relationship: r.relationship,
    ...(r.parent_session_id ? { parentSessionId: r.parent_session_id } : {}),
    tags,
    ...own,
    own: { ...own },
    descendantCount: 0,
    descendants: [],
  };
}

/** Whole trees of the given roots: their session rows, and each member's parent. */
async function loadTrees(pool, orgId, roots) {
  const params = [orgId];
  const ctes = treeCtes([], params);
  params.push(roots);
  const r = await pool.query(
    `WITH RECURSIVE ${ctes.join(',\n')}
     SELECT t.root, t.depth, ${SESSION_COLS.split(',')
       .map((c) => `s.${c.trim()}`)
       .join(', ')}
     FROM tree t JOIN sessions s ON s.org_id = $1 AND s.session_id = t.session_id
     WHERE t.root = ANY($${params.length}::text[])`,
    params,
  );
  return r.rows;
}

/**
 * Assembles tree rows: each session's tags (own folded, then inherited from its parent),
 * totals of its subtree, and `descendants` depth first.
 */
function assemble(members, own, modelsOf, rootIds) {
  const byId = new Map();
  for (const m of members) {
    // Several harnesses may share an id; prefer the real row over a placeholder.
    const prev = byId.get(m.session_id);
    if (!prev || (prev.placeholder && !m.placeholder)) byId.set(m.session_id, m);
  }
  const children = new Map();
  for (const m of byId.values()) {
    if (m.parent_session_id && byId.has(m.parent_session_id) && m.parent_session_id !== m.session_id) {
      const list = children.get(m.parent_session_id) ?? [];
      list.push(m);
      children.set(m.parent_session_id, list);
    }
  }
  for (const list of children.values())
    list.sort(
      (a, b) =>
        Number(a.first_ts_ms ?? Infinity) - Number(b.first_ts_ms ?? Infinity) ||
        (a.session_id < b.session_id ? -1 : 1),
    );
  const build = (m, inherited) => {
    const tags = { ...inherited, ...(own.get(m.session_id) ?? {}) };
    const row = toRow(m, tags, modelsOf.get(`${m.harness}\u0000${m.session_id}`) ?? []);
    const below = [];
    const total = addTotals(emptyTotals(), m);
    for (const c of children.get(m.session_id) ?? []) {
      const cr = build(c, tags);
      below.push({ ...cr.row, ...cr.row.own, descendants: [], descendantCount: cr.count }, ...cr.flat);
      addTotals(total, cr.raw);
    }
    total.costUsd = roundUsd(total.costUsd);
    const raw = {
      turns: total.turns,
      input: total.inputTokens,
      output: total.outputTokens,
      reasoning: total.reasoningTokens,
      cache_read: total.cacheReadTokens,
      cache_write_5m: total.cacheWrite5mTokens,
      cache_write_1h: total.cacheWrite1hTokens,
      cost_usd: total.costUsd,
    };
    return {
      row: { ...row, ...total, descendantCount: below.length, descendants: below },
      flat: below,
      count: below.length,
      raw,
    };
  };
  return rootIds.filter((id) => byId.has(id)).map((id) => build(byId.get(id), {}).row);
}

export async function sessions(pool, orgId, p) {
  const win = await resolveWindow(p);
  const params = [orgId];
  const arg = (v) => {
    params.push(v);
    return `$${params.length}`;
  };
  const tagKeys = Object.keys(p.tags);
  const ctes = treeCtes(tagKeys, params);
  const where = ['s.org_id = $1', 'NOT s.placeholder'];
  if (win.sinceMs != null) where.push(`s.last_ts_ms >= ${arg(win.sinceMs)}`);
  if (win.untilMs != null) where.push(`s.first_ts_ms < ${arg(win.untilMs)}`);
  if (p.harness !== undefined) where.push(`s.harness = ${arg(p.harness)}`);
  if (p.project !== undefined) where.push(`s.project = ${arg(p.project)}`);
  for (const [k, v] of Object.entries(p.tags)) where.push(`t.v${tagKeys.indexOf(k)} = ${arg(v)}`);
  const matched = (
    await pool.query(
      `WITH RECURSIVE ${ctes.join(',\n')}
       SELECT ${SESSION_COLS.split(',')
         .map((c) => `s.${c.trim()}`)
         .join(', ')}, coalesce(t.root, s.session_id) AS root
       FROM sessions s LEFT JOIN tree t ON t.session_id = s.session_id
       WHERE ${where.join(' AND ')}
       ORDER BY s.last_ts_ms DESC NULLS LAST, s.session_id
       ${p.flat ? `LIMIT ${arg(p.limit)}` : ''}`,
      params,
    )
  ).rows;
  if (p.flat) {
    const { own, modelsOf } = await decorate(pool, orgId, matched);
    // Flat rows still carry inherited tags: fold along each session's ancestors.
    const anc = await ancestorsTags(
      pool,
      orgId,
      matched.map((m) => m.session_id),
    );
    return matched.map((m) =>
      toRow(
        m,
        { ...(anc.get(m.session_id) ?? {}), ...(own.get(m.session_id) ?? {}) },
        modelsOf.get(`${m.harness}\u0000${m.session_id}`) ?? [],
      ),
    );
  }
  const roots = [];
  for (const m of matched) {
    if (!roots.includes(m.root)) roots.push(m.root);
    if (roots.length >= p.limit) break;
  }
  if (!roots.length) return [];
  const members = await loadTrees(pool, orgId, roots);
  const { own, modelsOf } = await decorate(pool, orgId, members);
  return assemble(members, own, modelsOf, roots);
}

/** Tags each session inherits from its ancestors (nearest first), per session id. */
async function ancestorsTags(pool, orgId, ids) {
  if (!ids.length) return new Map();
  const r = await pool.query(
    `WITH RECURSIVE nodes AS (SELECT session_id, min(parent_session_id) AS parent FROM sessions WHERE org_id = $1 GROUP BY session_id),
     up(start, session_id, d) AS (
       SELECT n.session_id, n.parent, 1 FROM nodes n WHERE n.session_id = ANY($2::text[]) AND n.parent IS NOT NULL
       UNION ALL SELECT up.start, n.parent, up.d + 1 FROM up JOIN nodes n ON n.session_id = up.session_id
       WHERE n.parent IS NOT NULL AND up.d < 10000)
     SELECT up.start, up.d, s.enrichment, s.ts_ms, s.seq FROM up
     JOIN stamps s ON s.org_id = $1 AND s.session_id = up.session_id`,
    [orgId, ids],
  );
  const out = new Map();
  const byStart = new Map();
  for (const row of r.rows) {
    const list = byStart.get(row.start) ?? [];
    list.push(row);
    byStart.set(row.start, list);
  }
  for (const [start, list] of byStart) {
    const tags = {};
    // Farthest ancestor first, so nearer ones overwrite.
    const depths = [...new Set(list.map((x) => x.d))].sort((a, b) => b - a);
    for (const d of depths) {
      const folded =
        foldOwn(list.filter((x) => x.d === d).map((x) => ({ ...x, session_id: 'x' }))).get('x') ?? {};
      Object.assign(tags, folded);
    }
    out.set(start, tags);
  }
  return out;
}

export async function session(pool, orgId, id, p) {
  const found = (
    await pool.query(
      `SELECT ${SESSION_COLS} FROM sessions WHERE org_id = $1 AND session_id = $2 ${p.harness ? 'AND harness = $3' : ''}
       ORDER BY placeholder, harness LIMIT 1`,
      p.harness ? [orgId, id, p.harness] : [orgId, id],
    )
  ).rows[0];
  if (!found) return null;
  const params = [orgId];
  const ctes = treeCtes([], params);
  const memberRows = (
    await pool.query(
      `WITH RECURSIVE ${ctes.join(',\n')},
       sub(session_id, d) AS (SELECT $2::text, 0 UNION
         SELECT n.session_id, sub.d + 1 FROM nodes n JOIN sub ON n.parent = sub.session_id WHERE sub.d < 10000)
       SELECT ${SESSION_COLS.split(',')
         .map((c) => `s.${c.trim()}`)
         .join(', ')} FROM sub
       JOIN sessions s ON s.org_id = $1 AND s.session_id = sub.session_id`,
      [orgId, id],
    )
  ).rows;
  const members = memberRows.filter((m) => m.session_id !== id).concat(found);
  const { own, modelsOf } = await decorate(pool, orgId, members);
  const anc = await ancestorsTags(pool, orgId, [id]);
  const [row] = assemble(
    members.map((m) => (m.session_id === id ? { ...m, parent_session_id: m.parent_session_id } : m)),
    own,
    modelsOf,
    [id],
  );
  // The session's inherited tags flow into its own row and its descendants' rows.
  const inherited = anc.get(id) ?? {};
  const addInherited = (r) => {
    r.tags = { ...inherited, ...r.tags };
    r.descendants.forEach(addInherited);
  };
  addInherited(row);
  const turns = (
    await pool.query(
      `SELECT message_id, request_id, ts_ms, model, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h,
              cost_usd, stop_reason, complete
       FROM turns WHERE org_id = $1 AND session_id = $2 AND harness = $3 ORDER BY ts_ms, message_id`,
      [orgId, id, found.harness],
    )
  ).rows.map((t) => ({
    messageId: t.message_id,
    ...(t.request_id ? { requestId: t.request_id } : {}),
    ts: iso(t.ts_ms),
    model: t.model,
    inputTokens: Number(t.input),
    outputTokens: Number(t.output),
    reasoningTokens: Number(t.reasoning),
    cacheReadTokens: Number(t.cache_read),
    cacheWrite5mTokens: Number(t.cache_write_5m),
    cacheWrite1hTokens: Number(t.cache_write_1h),
    costUsd: t.cost_usd,
    ...(t.stop_reason ? { stopReason: t.stop_reason } : {}),
    complete: t.complete,
    toolCalls: [],
  }));
  const children = (
    await pool.query(
      `SELECT DISTINCT session_id, relationship FROM sessions WHERE org_id = $1 AND parent_session_id = $2 ORDER BY session_id`,
      [orgId, id],
    )
  ).rows.map((c) => ({ sessionId: c.session_id, relationship: c.relationship }));
  return { session: row, turns, userTurns: [], compactions: [], children };
}
