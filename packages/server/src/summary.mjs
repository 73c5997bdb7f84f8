/**
 * `GET /v1/summary`: the SDK's `Summary` over an org's turns. Whole hours inside the window
 * come from `rollups`, the partial hours at its edges from `turns`; a zone whose offset is not
 * a whole number of hours, or `groupBy=modelRaw`, reads `turns` only. Costs are the ones each
 * device's core computed; sums are rounded to the nano-dollar as the core rounds them.
 */

import { shapeGroups } from './groups.mjs';
import { treeCtes } from './tree.mjs';
import { resolveWindow } from './window.mjs';

const HOUR = 3_600_000;
const TIME_DIMS = new Set(['day', 'week', 'month']);
const SUMS = ['turns', 'input', 'output', 'reasoning', 'cache_read', 'cache_write_5m', 'cache_write_1h'];

export const roundUsd = (usd) => Math.round(usd * 1e9) / 1e9;

export function emptyTotals() {
  return {
    turns: 0,
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    totalTokens: 0,
    costUsd: 0,
  };
}

export function addTotals(t, r) {
  t.turns += Number(r.turns);
  t.inputTokens += Number(r.input);
  t.outputTokens += Number(r.output);
  t.reasoningTokens += Number(r.reasoning);
  t.cacheReadTokens += Number(r.cache_read);
  t.cacheWrite5mTokens += Number(r.cache_write_5m);
  t.cacheWrite1hTokens += Number(r.cache_write_1h);
  t.totalTokens =
    t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens;
  t.costUsd += Number(r.cost_usd);
  return t;
}

/** SQL for a calendar key of epoch-ms expression `ts` in zone `$tz`. */
function calendar(dim, ts, tz, weekStart) {
  const local = `(to_timestamp(${ts} / 1000.0) AT TIME ZONE ${tz()}::text)`;
  if (dim === 'day') return `to_char(${local}, 'YYYY-MM-DD')`;
  if (dim === 'month') return `to_char(${local}, 'YYYY-MM')`;
  if (weekStart === 'sunday')
    return `to_char(${local}::date - extract(dow FROM ${local})::int, 'YYYY-MM-DD')`;
  return `to_char(${local}, 'IYYY-"W"IW')`;
}

const zoneChecks = new Map();

/**
 * Whether `zone` has only ever had whole-hour UTC offsets (so hour buckets map to its local
 * days). Asked once per zone per process: `pg_timezone_names` is slow to scan.
 */
async function wholeHourZone(pool, zone) {
  if (zone === 'UTC') return true;
  if (!zoneChecks.has(zone)) {
    // Offsets at every transition the zone had since 1970, sampled monthly.
    const r = await pool.query(
      `SELECT bool_and(extract(epoch FROM (m AT TIME ZONE $1) - (m AT TIME ZONE 'UTC'))::bigint % 3600 = 0) AS ok
       FROM generate_series('1970-01-01'::timestamptz, now() + interval '1 year', interval '1 month') AS m`,
      [zone],
    );
    zoneChecks.set(zone, r.rows[0]?.ok !== false);
  }
  return zoneChecks.get(zone);
}

export async function summary(pool, orgId, p) {
  const win = await resolveWindow(p);
  const params = [orgId];
  const arg = (v) => {
    params.push(v);
    return `$${params.length}`;
  };
  let tzParam;
  const tz = () => {
    tzParam ??= arg(win.timezone);
    return tzParam;
  };
  const tagKeys = [
    ...new Set([
      ...Object.keys(p.tags),
      ...p.groupBy.filter((g) => g.startsWith('tag:')).map((g) => g.slice(4)),
    ]),
  ];
  const needTree =
    tagKeys.length > 0 || p.groupBy.includes('root') || (p.session !== undefined && p.descendants);
  const ctes = needTree ? treeCtes(tagKeys, params) : [];

  const timeGroups = p.groupBy.some((g) => TIME_DIMS.has(g));
  const turnsOnly =
    p.groupBy.includes('modelRaw') || (timeGroups && !(await wholeHourZone(pool, win.timezone)));
  const lo = win.sinceMs ?? null;
  const hi = win.untilMs ?? null;

  const turnCols = `ts_ms AS ts, device_id, harness, session_id, model_key, model, coalesce(provider, '') AS provider,
    coalesce(project, '') AS project, coalesce(branch, '') AS branch, priced, 1 AS turns, input, output, reasoning,
    cache_read, cache_write_5m, cache_write_1h, cost_usd`;
  const rollCols = `hour_ms AS ts, device_id, harness, session_id, model_key, NULL::text AS model, provider, project,
    branch, priced, turns, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, cost_usd`;
  const bounds = (col, a, b) =>
    [a !== null ? `${col} >= ${arg(a)}` : null, b !== null ? `${col} < ${arg(b)}` : null].filter(Boolean);
  let src;
  if (turnsOnly) {
    src = `SELECT ${turnCols} FROM turns WHERE ${['org_id = $1', ...bounds('ts_ms', lo, hi)].join(' AND ')}`;
  } else {
    const loC = lo === null ? null : Math.ceil(lo / HOUR) * HOUR;
    const hiF = hi === null ? null : Math.floor(hi / HOUR) * HOUR;
    if (loC !== null && hiF !== null && loC >= hiF) {
      src = `SELECT ${turnCols} FROM turns WHERE ${['org_id = $1', ...bounds('ts_ms', lo, hi)].join(' AND ')}`;
    } else {
      const parts = [
        `SELECT ${rollCols} FROM rollups WHERE ${['org_id = $1', ...bounds('hour_ms', loC, hiF)].join(' AND ')}`,
      ];
      if (lo !== null && lo < loC)
        parts.push(
          `SELECT ${turnCols} FROM turns WHERE org_id = $1 AND ${bounds('ts_ms', lo, loC).join(' AND ')}`,
        );
      if (hi !== null && hiF < hi)
        parts.push(
          `SELECT ${turnCols} FROM turns WHERE org_id = $1 AND ${bounds('ts_ms', hiF, hi).join(' AND ')}`,
        );
      src = parts.join('\nUNION ALL\n');
    }
  }

  const where = [];
  if (p.harness !== undefined) where.push(`s.harness = ${arg(p.harness)}`);
  if (p.project !== undefined) where.push(`s.project = ${arg(p.project)}`);
  if (p.model !== undefined) where.push(`s.model_key = ${arg(p.model)}`);
  if (p.session !== undefined) {
    const id = arg(p.session);
    where.push(
      p.descendants
        ? `s.session_id IN (WITH RECURSIVE sub(session_id, d) AS (SELECT ${id}::text, 0 UNION
             SELECT n.session_id, sub.d + 1 FROM nodes n JOIN sub ON n.parent = sub.session_id WHERE sub.d < 10000)
           SELECT session_id FROM sub)`
        : `s.session_id = ${id}`,
    );
  }
  for (const [k, v] of Object.entries(p.tags)) where.push(`t.v${tagKeys.indexOf(k)} = ${arg(v)}`);

  const keyExpr = (g) => {
    if (g === 'model') return `s.model_key`;
    if (g === 'modelRaw') return `coalesce(nullif(s.model, ''), '(unknown)')`;
    if (g === 'provider') return `coalesce(nullif(s.provider, ''), '(none)')`;
    if (g === 'harness') return `s.harness`;
    if (g === 'project') return `coalesce(nullif(s.project, ''), '(none)')`;
    if (g === 'branch') return `coalesce(nullif(s.branch, ''), '(none)')`;
    if (g === 'session') return `s.session_id`;
    if (g === 'root') return `coalesce(t.root, s.session_id)`;
    if (g === 'device') return `d.name`;
    if (TIME_DIMS.has(g)) return calendar(g, 's.ts', tz, p.weekStart);
    return `coalesce(t.v${tagKeys.indexOf(g.slice(4))}, '(none)')`;
  };
  const keys = p.groupBy.map((g, i) => `${keyExpr(g)} AS k${i}`);
  const sql = `${needTree ? `WITH RECURSIVE ${ctes.join(',\n')}` : ''}
    SELECT ${keys.join(', ')}, s.model_key AS mk, s.priced, ${SUMS.map((c) => `sum(s.${c}) AS ${c}`).join(', ')},
           sum(s.cost_usd) AS cost_usd
    FROM (${src}) s
    ${needTree ? 'LEFT JOIN tree t ON t.session_id = s.session_id' : ''}
    ${p.groupBy.includes('device') ? 'JOIN devices d ON d.id = s.device_id AND d.org_id = $1' : ''}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    GROUP BY ${[...p.groupBy.map((_, i) => `k${i}`), 'mk', 's.priced'].join(', ')}`;
  const rows = (await pool.query(sql, params)).rows;

  const totals = emptyTotals();
  const groups = new Map();
  const unpriced = new Map();
  for (const r of rows) {
    addTotals(totals, r);
    const keys = p.groupBy.map((_, i) => r[`k${i}`]);
    const id = JSON.stringify(keys);
    const g = groups.get(id) ?? groups.set(id, { keys, totals: emptyTotals() }).get(id);
    addTotals(g.totals, r);
    if (!r.priced) unpriced.set(r.mk, (unpriced.get(r.mk) ?? 0) + Number(r.turns));
  }
  totals.costUsd = roundUsd(totals.costUsd);
  const list = shapeGroups(p.groupBy, groups, roundUsd);
  const unpricedModels = [...unpriced.entries()]
    .filter(([, n]) => n > 0)
    .map(([model, turns]) => ({ model, turns }))
    .sort((a, b) => b.turns - a.turns || (a.model < b.model ? -1 : 1));
  return { totals, groups: list, unpricedModels, timezone: win.timezone };
}
