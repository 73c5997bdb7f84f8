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
  for (const ts of tsList) {
    const p = monthOf(ts);
    if (!partitions.has(p.name)) wanted.set(p.name, p);
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
  // The last of several copies of one turn in a batch wins (highest revision).
  const turns = new Map();
  for (const t of body.turns) {
    const k = `${t.harness}\u0000${t.key}`;
    const prev = turns.get(k);
    if (!prev || prev.revision < t.revision) turns.set(k, t);
  }
  const incoming = [...turns.values()].sort((a, b) => cmp(a.harness, b.harness) || cmp(a.key, b.key));
  await ensurePartitions(
    pool,
    incoming.map((t) => t.tsMs),
  );
  const org = auth.orgId;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One writer per org at a time: counters are read-modify-write across tables.
    await client.query('SELECT pg_advisory_xact_lock(7265638, $1::int)', [org]);
    const result = { turnsInserted: 0, turnsRevised: 0, turnsUnchanged: 0, sessions: 0, stamps: 0 };
    result.sessions = await applySessions(client, org, body.sessions);
    await applyTurns(client, auth, incoming, result);
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

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

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

async function applyTurns(c, auth, incoming, result) {
  if (!incoming.length) return;
  const org = auth.orgId;
  const existing = await c.query(
    `SELECT k.harness, k.turn_key, k.revision, k.ts_ms, k.device_id FROM turn_keys k
     JOIN unnest($2::text[], $3::text[]) AS i(h, k) ON k.harness = i.h AND k.turn_key = i.k
     WHERE k.org_id = $1`,
    [org, incoming.map((t) => t.harness), incoming.map((t) => t.key)],
  );
  const known = new Map(existing.rows.map((r) => [`${r.harness}\u0000${r.turn_key}`, r]));
  const fresh = [];
  const revised = [];
  for (const t of incoming) {
    const k = known.get(`${t.harness}\u0000${t.key}`);
    if (!k) fresh.push({ ...t, deviceId: auth.deviceId });
    else if (Number(k.revision) < t.revision)
      revised.push({ ...t, deviceId: Number(k.device_id), oldTs: Number(k.ts_ms) });
    else result.turnsUnchanged++;
  }
  result.turnsInserted = fresh.length;
  result.turnsRevised = revised.length;
  if (!fresh.length && !revised.length) return;

  // Deltas per session and per rollup row: + each stored row, − each replaced one.
  const sessionDelta = new Map();
  const rollupDelta = new Map();
  const add = (row, sign) => {
    const sk = `${row.harness}\u0000${row.sessionId}`;
    let s = sessionDelta.get(sk);
    if (!s) {
      s = {
        harness: row.harness,
        sessionId: row.sessionId,
        project: row.project ?? null,
        branch: row.branch ?? null,
        first: row.tsMs,
        last: row.tsMs,
        turns: 0,
        cost: 0,
        t: [0, 0, 0, 0, 0, 0],
      };
      sessionDelta.set(sk, s);
    }
    if (sign > 0) {
      s.first = Math.min(s.first, row.tsMs);
      s.last = Math.max(s.last, row.tsMs);
    }
    s.turns += sign;
    s.cost += sign * row.costUsd;
    addTokens(s.t, row, sign);
    const hour = row.tsMs - (row.tsMs % HOUR);
    const dims = [
      hour,
      row.deviceId,
      row.harness,
      row.sessionId,
      row.modelKey,
      row.provider ?? '',
      row.project ?? '',
      row.branch ?? '',
      row.priced,
    ];
    const rk = dims.join('\u0000');
    let r = rollupDelta.get(rk);
    if (!r) {
      r = { dims, turns: 0, cost: 0, t: [0, 0, 0, 0, 0, 0] };
      rollupDelta.set(rk, r);
    }
    r.turns += sign;
    r.cost += sign * row.costUsd;
    addTokens(r.t, row, sign);
  };

  if (revised.length) {
    const old = await c.query(
      `DELETE FROM turns t USING unnest($2::text[], $3::text[], $4::bigint[]) AS i(h, k, ts)
       WHERE t.org_id = $1 AND t.harness = i.h AND t.turn_key = i.k AND t.ts_ms = i.ts
       RETURNING t.*`,
      [org, revised.map((t) => t.harness), revised.map((t) => t.key), revised.map((t) => t.oldTs)],
    );
    for (const o of old.rows) add(fromRow(o), -1);
    await c.query(
      `UPDATE turn_keys k SET revision = i.rev, ts_ms = i.ts
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS i(h, k, rev, ts)
       WHERE k.org_id = $1 AND k.harness = i.h AND k.turn_key = i.k`,
      [
        org,
        revised.map((t) => t.harness),
        revised.map((t) => t.key),
        revised.map((t) => t.revision),
        revised.map((t) => t.tsMs),
      ],
    );
  }
  if (fresh.length) {
    await c.query(
      `INSERT INTO turn_keys (org_id, harness, turn_key, revision, ts_ms, device_id)
       SELECT $1, h, k, rev, ts, $6 FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS i(h, k, rev, ts)`,
      [
        org,
        fresh.map((t) => t.harness),
        fresh.map((t) => t.key),
        fresh.map((t) => t.revision),
        fresh.map((t) => t.tsMs),
        auth.deviceId,
      ],
    );
  }
  const stored = [...fresh, ...revised];
  await insertTurns(c, org, stored);
  for (const t of stored) add(t, +1);

  await applySessionDeltas(
    c,
    org,
    [...sessionDelta.values()].sort((a, b) => cmp(a.harness, b.harness) || cmp(a.sessionId, b.sessionId)),
  );
  await applyRollupDeltas(
    c,
    org,
    [...rollupDelta.entries()].sort((a, b) => cmp(a[0], b[0])).map(([, d]) => d),
  );
  await dropPlaceholders(c, org, [...new Set(stored.map((t) => t.sessionId))]);
}

function addTokens(t, row, sign) {
  t[0] += sign * row.input;
  t[1] += sign * row.output;
  t[2] += sign * row.reasoning;
  t[3] += sign * row.cacheRead;
  t[4] += sign * row.cacheWrite5m;
  t[5] += sign * row.cacheWrite1h;
}

function fromRow(o) {
  return {
    harness: o.harness,
    sessionId: o.session_id,
    tsMs: Number(o.ts_ms),
    deviceId: Number(o.device_id),
    modelKey: o.model_key,
    provider: o.provider,
    project: o.project,
    branch: o.branch,
    priced: o.priced,
    costUsd: o.cost_usd,
    input: Number(o.input),
    output: Number(o.output),
    reasoning: Number(o.reasoning),
    cacheRead: Number(o.cache_read),
    cacheWrite5m: Number(o.cache_write_5m),
    cacheWrite1h: Number(o.cache_write_1h),
  };
}

// The rows travel as one JSON parameter: PostgreSQL parses it in C, where two dozen
// parameter arrays cost more in escaping and encoding here than the insert itself.
async function insertTurns(c, org, rows) {
  await c.query(
    `INSERT INTO turns (org_id, harness, turn_key, ts_ms, device_id, revision, session_id, message_id, request_id,
       model, model_key, provider, priced, project, branch, input, output, reasoning, cache_read, cache_write_5m,
       cache_write_1h, cost_usd, stop_reason, complete)
     SELECT $1, harness, key, "tsMs", "deviceId", revision, "sessionId", "messageId", "requestId", model,
       "modelKey", provider, priced, project, branch, input, output, reasoning, "cacheRead", "cacheWrite5m",
       "cacheWrite1h", "costUsd", "stopReason", complete
     FROM json_to_recordset($2::json) AS i(harness text, key text, "tsMs" bigint, "deviceId" bigint, revision bigint,
       "sessionId" text, "messageId" text, "requestId" text, model text, "modelKey" text, provider text,
       priced boolean, project text, branch text, input bigint, output bigint, reasoning bigint, "cacheRead" bigint,
       "cacheWrite5m" bigint, "cacheWrite1h" bigint, "costUsd" float8, "stopReason" text, complete boolean)`,
    [org, JSON.stringify(rows)],
  );
}

async function applySessionDeltas(c, org, deltas) {
  if (!deltas.length) return;
  const col = (f) => deltas.map(f);
  await c.query(
    `INSERT INTO sessions AS s (org_id, harness, session_id, id, project, branch, first_ts_ms, last_ts_ms, turns,
       input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, cost_usd)
     SELECT $1, h, sid, u::uuid, p, b, f, l, n, i1, i2, i3, i4, i5, i6, cost
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],
       $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::float8[])
       AS i(h, sid, u, p, b, f, l, n, i1, i2, i3, i4, i5, i6, cost)
     ON CONFLICT (org_id, harness, session_id) DO UPDATE SET
       project = coalesce(s.project, excluded.project),
       branch = coalesce(s.branch, excluded.branch),
       first_ts_ms = least(s.first_ts_ms, excluded.first_ts_ms),
       last_ts_ms = greatest(s.last_ts_ms, excluded.last_ts_ms),
       turns = s.turns + excluded.turns,
       input = s.input + excluded.input,
       output = s.output + excluded.output,
       reasoning = s.reasoning + excluded.reasoning,
       cache_read = s.cache_read + excluded.cache_read,
       cache_write_5m = s.cache_write_5m + excluded.cache_write_5m,
       cache_write_1h = s.cache_write_1h + excluded.cache_write_1h,
       cost_usd = s.cost_usd + excluded.cost_usd,
       placeholder = false`,
    [
      org,
      col((d) => d.harness),
      col((d) => d.sessionId),
      col(() => uuidv7()),
      col((d) => d.project),
      col((d) => d.branch),
      col((d) => d.first),
      col((d) => d.last),
      col((d) => d.turns),
      ...COLS.map((_, i) => col((d) => d.t[i])),
      col((d) => d.cost),
    ],
  );
}

async function applyRollupDeltas(c, org, deltas) {
  const nonzero = deltas.filter((d) => d.turns !== 0 || d.cost !== 0 || d.t.some((x) => x !== 0));
  if (!nonzero.length) return;
  const col = (f) => nonzero.map(f);
  await c.query(
    `INSERT INTO rollups AS r (org_id, hour_ms, device_id, harness, session_id, model_key, provider, project, branch,
       priced, turns, input, output, reasoning, cache_read, cache_write_5m, cache_write_1h, cost_usd)
     SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::boolean[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[],
       $16::bigint[], $17::bigint[], $18::float8[])
     ON CONFLICT (org_id, hour_ms, device_id, harness, session_id, model_key, provider, project, branch, priced)
     DO UPDATE SET
       turns = r.turns + excluded.turns,
       input = r.input + excluded.input,
       output = r.output + excluded.output,
       reasoning = r.reasoning + excluded.reasoning,
       cache_read = r.cache_read + excluded.cache_read,
       cache_write_5m = r.cache_write_5m + excluded.cache_write_5m,
       cache_write_1h = r.cache_write_1h + excluded.cache_write_1h,
       cost_usd = r.cost_usd + excluded.cost_usd`,
    [
      org,
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => col((d) => d.dims[i])),
      col((d) => d.turns),
      ...COLS.map((_, i) => col((d) => d.t[i])),
      col((d) => d.cost),
    ],
  );
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
