/**
 * `POST /v1/ingest`: one batch of a device's outbox applied in one transaction. Natural keys
 * make it idempotent: a turn is inserted once per (org, harness, key), replaced only by a
 * higher revision, and every counter (sessions, rollups) moves by exactly what was inserted
 * or revised — so a retried request is a no-op.
 */
import { randomBytes } from 'node:crypto';

export const MAX_ROWS = 5_000;
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_TS = Date.UTC(2100, 0, 1);
const MAX_TOKENS = 1_000_000_000;
const HARNESS = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' };
const ID = { type: 'string', minLength: 1, maxLength: 512 };
const TEXT = { type: ['string', 'null'], maxLength: 4096 };
const COUNT = { type: 'integer', minimum: 0, maximum: MAX_TOKENS };
const TS = { type: 'integer', minimum: MIN_TS, maximum: MAX_TS };
const REVISION = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const turnSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'key',
    'revision',
    'harness',
    'sessionId',
    'messageId',
    'tsMs',
    'model',
    'modelKey',
    'priced',
    'input',
    'output',
    'reasoning',
    'cacheRead',
    'cacheWrite5m',
    'cacheWrite1h',
    'costUsd',
    'complete',
  ],
  properties: {
    key: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    revision: REVISION,
    harness: HARNESS,
    sessionId: ID,
    messageId: { type: 'string', maxLength: 512 },
    requestId: TEXT,
    tsMs: TS,
    model: { type: 'string', maxLength: 256 },
    modelKey: { type: 'string', minLength: 1, maxLength: 256 },
    provider: TEXT,
    priced: { type: 'boolean' },
    project: TEXT,
    branch: TEXT,
    input: COUNT,
    output: COUNT,
    reasoning: COUNT,
    cacheRead: COUNT,
    cacheWrite5m: COUNT,
    cacheWrite1h: COUNT,
    costUsd: { type: 'number', minimum: 0, maximum: 1_000_000 },
    stopReason: TEXT,
    complete: { type: 'boolean' },
  },
};

const sessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['revision', 'harness', 'sessionId', 'relationship', 'placeholder'],
  properties: {
    revision: REVISION,
    harness: HARNESS,
    sessionId: ID,
    project: TEXT,
    branch: TEXT,
    parentSessionId: { type: ['string', 'null'], minLength: 1, maxLength: 512 },
    parentHarness: { anyOf: [HARNESS, { type: 'null' }] },
    relationship: { enum: ['root', 'fork', 'continuation', 'subagent'] },
    placeholder: { type: 'boolean' },
  },
};

const stampSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['revision', 'id', 'enrichment', 'tsMs'],
  properties: {
    revision: REVISION,
    id: { type: 'string', minLength: 1, maxLength: 64 },
    sessionId: { type: ['string', 'null'], minLength: 1, maxLength: 512 },
    messageId: { type: ['string', 'null'], minLength: 1, maxLength: 512 },
    enrichment: {
      type: 'object',
      minProperties: 1,
      maxProperties: 256,
      propertyNames: { minLength: 1, maxLength: 128 },
      additionalProperties: { type: 'string', maxLength: 4096 },
    },
    tsMs: TS,
  },
};

/** The request body: every field required, nothing unknown, at most MAX_ROWS rows in all. */
export const ingestBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sessions', 'turns', 'stamps'],
  properties: {
    sessions: { type: 'array', maxItems: MAX_ROWS, items: sessionSchema },
    turns: { type: 'array', maxItems: MAX_ROWS, items: turnSchema },
    stamps: { type: 'array', maxItems: MAX_ROWS, items: stampSchema },
  },
};

/** UUIDv7: 48-bit ms timestamp, version and variant bits, random rest. */
export function uuidv7() {
  const b = randomBytes(16);
  const ms = Date.now();
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const HOUR = 3_600_000;
const COLS = ['input', 'output', 'reasoning', 'cache_read', 'cache_write_5m', 'cache_write_1h'];

/** Month partitions already known to exist, per process. */
const partitions = new Set();

/** `turns_yYYYYmMM` bounds for the month of `ms` (UTC). */
function monthOf(ms) {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    name: `turns_y${y}m${String(m + 1).padStart(2, '0')}`,
    from: Date.UTC(y, m, 1),
    to: Date.UTC(y, m + 1, 1),
  };
}

/** Creates the month partitions `turns` needs (each in its own short transaction). */
export async function ensurePartitions(pool, tsList) {
  const wanted = new Map();
  let month = { from: 0, to: 0 };
  for (const ts of tsList) {
    // A device's turns come in time order: one Date per month, not per turn.
    if (ts >= month.from && ts < month.to) continue;
    month = monthOf(ts);
    if (!partitions.has(month.name)) wanted.set(month.name, month);
  }
  for (const p of wanted.values()) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(7265637, 2)');
      const exists = await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [p.name]);
      if (!exists.rows[0].e)
        await c.query(`CREATE TABLE ${p.name} PARTITION OF turns FOR VALUES FROM (${p.from}) TO (${p.to})`);
      await c.query('COMMIT');
      partitions.add(p.name);
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}

/** Applies one validated batch for `auth` ({orgId, deviceId}); returns what changed. */
export async function applyBatch(pool, auth, body) {
  const rows = body.sessions.length + body.turns.length + body.stamps.length;
  if (rows > MAX_ROWS) {
    const err = new Error(`a batch holds at most ${MAX_ROWS} rows (got ${rows})`);
    Object.assign(err, { status: 400, code: 'BATCH_TOO_LARGE' });
    throw err;
  }
  await ensurePartitions(
    pool,
    body.turns.map((t) => t.tsMs),
  );
  const sessionIds = new Set();
  for (const t of body.turns) sessionIds.add(t.sessionId);
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(pool, auth, body, [...sessionIds]);
    } catch (err) {
      // Locks are taken in one order, so a deadlock needs a turn that moved between
      // sessions; the loser is rolled back whole and simply runs again.
      if (attempt >= 3 || !RETRYABLE.has(/** @type {any} */ (err)?.code)) throw err;
    }
  }
}

const RETRYABLE = new Set(['40P01', '40001']);

/** Above this many sessions a batch locks its whole org (advisory locks use shared memory). */
export const MAX_SESSION_LOCKS = 256;

async function applyOnce(pool, auth, body, turnSessions) {
  const org = auth.orgId;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await lockSessions(client, org, body, turnSessions);
    const result = { turnsInserted: 0, turnsRevised: 0, turnsUnchanged: 0, sessions: 0, stamps: 0 };
    result.sessions = await applySessions(client, org, body.sessions);
    await applyTurns(client, auth, body.turns, turnSessions, result);
    result.stamps = await applyStamps(client, auth, body.stamps);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Counters are read-modify-write, so two batches touching one session id must not interleave;
 * batches of different sessions run in parallel. Every row a batch writes in `sessions`,
 * `turn_keys`, `turns` and `rollups` belongs to a session id it names, so one transaction-scoped
 * advisory lock per session id (org in the high 32 bits, a hash of the id in the low ones),
 * taken in ascending key order before any write, serializes exactly the batches that overlap,
 * without deadlocks. Every batch also holds the org's lock shared; a batch naming more than
 * MAX_SESSION_LOCKS sessions takes it exclusively instead. A hash collision only serializes.
 */
async function lockSessions(c, org, body, turnSessions) {
  const ids = new Set(turnSessions);
  for (const s of body.sessions) {
    ids.add(s.sessionId);
    if (s.parentSessionId) ids.add(s.parentSessionId);
  }
  if (ids.size > MAX_SESSION_LOCKS) {
    await c.query('SELECT pg_advisory_xact_lock(7265638, $1::int)', [org]);
    return;
  }
  await c.query('SELECT pg_advisory_xact_lock_shared(7265638, $1::int)', [org]);
  if (!ids.size) return;
  // Keys are signed 64-bit: the org's low 31 bits (a collision between orgs only serializes).
  const high = (BigInt(org) & 0x7fffffffn) << 32n;
  const keys = [...new Set([...ids].map((id) => high | BigInt(fnv1a(id))))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  await c.query(
    // A function scan yields the array in order: the locks are taken in ascending order.
    'SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k',
    [keys.map(String)],
  );
}

/** 32-bit FNV-1a of a string's UTF-16 code units (unsigned). */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

async function applySessions(c, org, sessions) {
  if (sessions.length === 0) return 0;
  const real = sessions.filter((s) => !s.placeholder);
  let changed = 0;
  if (real.length) {
    const r = await c.query(
      `INSERT INTO sessions AS s (org_id, harness, session_id, id, project, branch, parent_session_id, relationship)
       SELECT $1, h, sid, u::uuid, p, b, par, rel
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
            AS i(h, sid, u, p, b, par, rel)
       ORDER BY h, sid
       ON CONFLICT (org_id, harness, session_id) DO UPDATE SET
         project = coalesce(s.project, excluded.project),
         branch = coalesce(s.branch, excluded.branch),
         parent_session_id = coalesce(s.parent_session_id, excluded.parent_session_id),
         relationship = CASE WHEN s.parent_session_id IS NULL THEN excluded.relationship ELSE s.relationship END
       WHERE s.project IS DISTINCT FROM coalesce(s.project, excluded.project)
          OR s.branch IS DISTINCT FROM coalesce(s.branch, excluded.branch)
          OR (s.parent_session_id IS NULL AND excluded.parent_session_id IS NOT NULL)`,
      [
        org,
        real.map((s) => s.harness),
        real.map((s) => s.sessionId),
        real.map(() => uuidv7()),
        real.map((s) => s.project ?? null),
        real.map((s) => s.branch ?? null),
        real.map((s) => (s.parentSessionId && s.parentSessionId !== s.sessionId ? s.parentSessionId : null)),
        real.map((s) => (s.parentSessionId ? s.relationship : 'root')),
      ],
    );
    changed += r.rowCount ?? 0;
    // A real row replaces placeholders of its id made under another harness.
    await dropPlaceholders(
      c,
      org,
      real.map((s) => s.sessionId),
    );
  }
  // Parents not seen yet (and a device's own placeholders): a placeholder under the parent's
  // own harness when known, unless a row of that id exists under any harness.
  const wanted = new Map();
  for (const s of sessions) {
    if (s.placeholder) wanted.set(s.sessionId, s.harness);
    else if (s.parentSessionId && s.parentSessionId !== s.sessionId)
      wanted.set(s.parentSessionId, s.parentHarness ?? s.harness);
  }
  if (wanted.size) {
    const ids = [...wanted.keys()].sort();
    const r = await c.query(
      `INSERT INTO sessions (org_id, harness, session_id, id, placeholder)
       SELECT $1, h, sid, u::uuid, true FROM unnest($2::text[], $3::text[], $4::text[]) AS i(sid, h, u)
       WHERE NOT EXISTS (SELECT 1 FROM sessions x WHERE x.org_id = $1 AND x.session_id = i.sid)
       ON CONFLICT DO NOTHING`,
      [org, ids, ids.map((id) => wanted.get(id)), ids.map(() => uuidv7())],
    );
    changed += r.rowCount ?? 0;
  }
  return changed;
}

async function dropPlaceholders(c, org, ids) {
  if (!ids.length) return;
  await c.query(
    `DELETE FROM sessions WHERE org_id = $1 AND placeholder AND turns = 0 AND session_id = ANY($2::text[])
       AND EXISTS (SELECT 1 FROM sessions r WHERE r.org_id = $1 AND r.session_id = sessions.session_id
                   AND NOT r.placeholder)`,
    [org, ids],
  );
}

/** The columns of a pushed turn, as `json_to_recordset` reads them. */
const TURN_RECORD = `harness text, key text, "tsMs" bigint, revision bigint, "sessionId" text, "messageId" text,
  "requestId" text, model text, "modelKey" text, provider text, priced boolean, project text, branch text,
  input bigint, output bigint, reasoning bigint, "cacheRead" bigint, "cacheWrite5m" bigint, "cacheWrite1h" bigint,
  "costUsd" float8, "stopReason" text, complete boolean`;

/** A UUIDv7 in SQL (PostgreSQL 14 has no uuidv7()): ms timestamp over a v4's first 6 bytes. */
const UUIDV7_SQL = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
  substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1),
  'hex')::uuid`;

const SIGNED = (x) => `sum(sign * ${x})::bigint`;
const DELTA_SUMS = `sum(sign)::bigint, ${COLS.map(SIGNED).join(', ')}, sum(sign * cost_usd)`;
const DELTA_COLS = `harness, session_id, ts_ms, device_id, model_key, provider, project, branch, priced, ${COLS.join(', ')},
  cost_usd`;

/**
 * Turns in one statement, set-based in PostgreSQL: the batch travels as one JSON parameter
 * (parsed in C), each key keeps its highest revision, new keys are inserted, higher revisions
 * replace their stored row, and sessions and rollups move by the net difference (+ each
 * stored row, − each replaced one), grouped so each counter row is written once. The caller
 * holds the locks of every session these turns belong to. The sub-statements share one
 * snapshot and run in no set order: the DELETE cannot see the rows the INSERT adds, and
 * `turns` has no unique index for a revision to collide on (`turn_keys` holds uniqueness).
 */
const APPLY_TURNS_SQL = `
WITH i AS MATERIALIZED (
  SELECT DISTINCT ON (harness, key) * FROM json_to_recordset($3::json) AS i(${TURN_RECORD})
  ORDER BY harness, key, revision DESC
),
w AS MATERIALIZED (
  SELECT i.*, k.revision AS old_revision, k.ts_ms AS old_ts, k.session_id AS old_session, k.device_id AS old_device
  FROM i LEFT JOIN turn_keys k ON k.org_id = $1 AND k.harness = i.harness AND k.turn_key = i.key
  WHERE k.revision IS NULL OR k.revision < i.revision
),
new_keys AS (
  INSERT INTO turn_keys (org_id, harness, turn_key, revision, ts_ms, session_id, device_id)
  SELECT $1, harness, key, revision, "tsMs", "sessionId", $2 FROM w WHERE old_revision IS NULL
),
moved_keys AS (
  UPDATE turn_keys k SET revision = w.revision, ts_ms = w."tsMs", session_id = w."sessionId" FROM w
  WHERE w.old_revision IS NOT NULL AND k.org_id = $1 AND k.harness = w.harness AND k.turn_key = w.key
),
old AS (
  DELETE FROM turns t USING w
  WHERE w.old_revision IS NOT NULL AND t.org_id = $1 AND t.session_id = w.old_session AND t.ts_ms = w.old_ts
    AND t.harness = w.harness AND t.turn_key = w.key
  RETURNING t.*
),
stored AS (
  INSERT INTO turns (org_id, harness, turn_key, ts_ms, device_id, revision, session_id, message_id, request_id,
    model, model_key, provider, priced, project, branch, input, output, reasoning, cache_read, cache_write_5m,
    cache_write_1h, cost_usd, stop_reason, complete)
  SELECT $1, harness, key, "tsMs", coalesce(old_device, $2), revision, "sessionId", "messageId", "requestId", model,
    "modelKey", provider, priced, project, branch, input, output, reasoning, "cacheRead", "cacheWrite5m",
    "cacheWrite1h", "costUsd", "stopReason", complete
  FROM w
  RETURNING *
),
d AS (
  SELECT 1 AS sign, ${DELTA_COLS} FROM stored
  UNION ALL
  SELECT -1 AS sign, ${DELTA_COLS} FROM old
),
session_deltas AS (
  INSERT INTO sessions AS s (org_id, harness, session_id, id, project, branch, first_ts_ms, last_ts_ms, turns,
    ${COLS.join(', ')}, cost_usd)
  SELECT $1, harness, session_id, ${UUIDV7_SQL}, max(project) FILTER (WHERE sign > 0),
    max(branch) FILTER (WHERE sign > 0), min(ts_ms) FILTER (WHERE sign > 0), max(ts_ms) FILTER (WHERE sign > 0),
    ${DELTA_SUMS}
  FROM d GROUP BY harness, session_id ORDER BY harness, session_id
  ON CONFLICT (org_id, harness, session_id) DO UPDATE SET
    project = coalesce(s.project, excluded.project),
    branch = coalesce(s.branch, excluded.branch),
    first_ts_ms = least(s.first_ts_ms, excluded.first_ts_ms),
    last_ts_ms = greatest(s.last_ts_ms, excluded.last_ts_ms),
    turns = s.turns + excluded.turns,
    ${COLS.map((c) => `${c} = s.${c} + excluded.${c}`).join(',\n    ')},
    cost_usd = s.cost_usd + excluded.cost_usd,
    placeholder = false
),
rollup_deltas AS (
  INSERT INTO rollups AS r (org_id, hour_ms, device_id, harness, session_id, model_key, provider, project, branch,
    priced, turns, ${COLS.join(', ')}, cost_usd)
  SELECT $1, ts_ms - ts_ms % ${HOUR}, device_id, harness, session_id, model_key, coalesce(provider, ''),
    coalesce(project, ''), coalesce(branch, ''), priced, ${DELTA_SUMS}
  FROM d GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10
  HAVING sum(sign) <> 0 OR sum(sign * cost_usd) <> 0 OR ${COLS.map((c) => `${SIGNED(c)} <> 0`).join(' OR ')}
  ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10
  ON CONFLICT (org_id, hour_ms, device_id, harness, session_id, model_key, provider, project, branch, priced)
  DO UPDATE SET
    turns = r.turns + excluded.turns,
    ${COLS.map((c) => `${c} = r.${c} + excluded.${c}`).join(',\n    ')},
    cost_usd = r.cost_usd + excluded.cost_usd
)
SELECT (SELECT count(*) FROM i)::int AS total,
       (SELECT count(*) FROM w WHERE old_revision IS NULL)::int AS inserted,
       (SELECT count(*) FROM w WHERE old_revision IS NOT NULL)::int AS revised`;

async function applyTurns(c, auth, turns, sessionIds, result) {
  if (!turns.length) return;
  const r = await c.query(APPLY_TURNS_SQL, [auth.orgId, auth.deviceId, JSON.stringify(turns)]);
  const { total, inserted, revised } = r.rows[0];
  result.turnsInserted = inserted;
  result.turnsRevised = revised;
  result.turnsUnchanged = total - inserted - revised;
  if (inserted + revised) await dropPlaceholders(c, auth.orgId, sessionIds);
}

async function applyStamps(c, auth, stamps) {
  if (!stamps.length) return 0;
  const sorted = [...stamps].sort((a, b) => a.revision - b.revision);
  const r = await c.query(
    `INSERT INTO stamps (org_id, stamp_id, device_id, session_id, message_id, enrichment, ts_ms)
     SELECT $1, id, $2, sid, mid, e::jsonb, ts FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
       WITH ORDINALITY AS i(id, sid, mid, e, ts, n)
     ORDER BY n
     ON CONFLICT (org_id, stamp_id) DO NOTHING`,
    [
      auth.orgId,
      auth.deviceId,
      sorted.map((s) => s.id),
      sorted.map((s) => s.sessionId ?? null),
      sorted.map((s) => s.messageId ?? null),
      sorted.map((s) => JSON.stringify(s.enrichment)),
      sorted.map((s) => s.tsMs),
    ],
  );
  return r.rowCount ?? 0;
}
