/**
 * Query-string parameters of the read endpoints, named like the SDK's options (README, API).
 * Repeated parameters arrive as arrays; `tag` is `key=value` (repeatable), `groupBy` is
 * repeatable or comma-separated. Unknown parameters are refused.
 */
import { ServerError } from './db.mjs';

const HARNESS = /^[a-z][a-z0-9-]{0,31}$/;
const DIMENSIONS = new Set([
  'model',
  'modelRaw',
  'provider',
  'harness',
  'project',
  'branch',
  'session',
  'root',
  'day',
  'week',
  'month',
  'device',
]);

const bad = (field, message) => new ServerError(400, 'INVALID_ARGUMENT', `${field}: ${message}`);

function one(q, field) {
  const v = q[field];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw bad(field, 'must be given once');
  if (typeof v !== 'string' || v.trim() === '' || v.length > 512 || /\p{Cc}/u.test(v))
    throw bad(field, 'must be a non-empty string without control characters');
  return v;
}

function many(q, field) {
  const v = q[field];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => {
    if (typeof x !== 'string' || x.length > 512 || /\p{Cc}/u.test(x)) throw bad(field, 'must be a string');
    return x;
  });
}

function bool(q, field) {
  const v = one(q, field);
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw bad(field, 'must be true or false');
}

function allow(q, names) {
  for (const k of Object.keys(q)) if (!names.includes(k)) throw bad(k, 'is not a known parameter');
}

function tags(q) {
  const out = {};
  for (const t of many(q, 'tag')) {
    const i = t.indexOf('=');
    if (i <= 0) throw bad('tag', `expected key=value (got ${JSON.stringify(t)})`);
    out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

function common(q) {
  const harness = one(q, 'harness');
  if (harness !== undefined && !HARNESS.test(harness)) throw bad('harness', 'is not a harness name');
  const weekStart = one(q, 'weekStart');
  if (weekStart !== undefined && weekStart !== 'monday' && weekStart !== 'sunday')
    throw bad('weekStart', 'must be monday or sunday');
  return {
    since: one(q, 'since'),
    until: one(q, 'until'),
    harness,
    project: one(q, 'project'),
    tags: tags(q),
    timezone: one(q, 'timezone'),
    weekStart,
  };
}

/** `GET /v1/summary` parameters. */
export function summaryParams(q) {
  allow(q, [
    'since',
    'until',
    'harness',
    'project',
    'session',
    'descendants',
    'model',
    'tag',
    'groupBy',
    'timezone',
    'weekStart',
  ]);
  const groupBy = many(q, 'groupBy')
    .flatMap((g) => g.split(','))
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of groupBy) {
    if (g.startsWith('tag:') ? g.length === 4 : !DIMENSIONS.has(g))
      throw bad(
        'groupBy',
        `unknown dimension ${JSON.stringify(g)}: expected ${[...DIMENSIONS].join(', ')} or tag:<key>`,
      );
  }
  if (groupBy.length > 4) throw bad('groupBy', 'at most 4 dimensions');
  const session = one(q, 'session');
  const descendants = bool(q, 'descendants');
  if (descendants !== undefined && session === undefined) throw bad('descendants', 'needs a session');
  return {
    ...common(q),
    session,
    descendants: descendants ?? true,
    model: one(q, 'model'),
    groupBy: groupBy.length ? groupBy : ['model'],
  };
}

/** `GET /v1/sessions` parameters. */
export function sessionsParams(q) {
  allow(q, ['since', 'until', 'harness', 'project', 'tag', 'limit', 'timezone', 'weekStart', 'flat']);
  const limitText = one(q, 'limit');
  let limit = 50;
  if (limitText !== undefined) {
    if (!/^\d{1,6}$/.test(limitText) || Number(limitText) < 1)
      throw bad('limit', 'must be a positive integer');
    limit = Math.min(Number(limitText), 10_000);
  }
  return { ...common(q), limit, flat: bool(q, 'flat') ?? false };
}

/** `GET /v1/session/:id` parameters. */
export function sessionParams(q) {
  allow(q, ['harness']);
  const harness = one(q, 'harness');
  if (harness !== undefined && !HARNESS.test(harness)) throw bad('harness', 'is not a harness name');
  return { harness };
}
