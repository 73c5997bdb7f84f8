/**
 * Bearer tokens per (org, device): 256 random bits, shown once; only their SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { inTransaction, ServerError } from './db.mjs';

const PREFIX = 'rbt_';
const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,127}$/u;

export const hashToken = (token) => createHash('sha256').update(token, 'utf8').digest();

function checkName(field, v) {
  if (typeof v !== 'string' || !NAME.test(v))
    throw new ServerError(
      400,
      'INVALID_ARGUMENT',
      `${field} must be 1-128 letters, digits, '.', '_', '@' or '-' (starting with a letter or digit)`,
    );
}

/** Creates the org and device when new, and a token for them. */
export async function createToken(pool, { org, device, readOnly = false }) {
  checkName('--org', org);
  checkName('--device', device);
  const token = PREFIX + randomBytes(32).toString('base64url');
  await inTransaction(pool, async (c) => {
    const o = await c.query(
      `INSERT INTO orgs (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
      [org],
    );
    const d = await c.query(
      `INSERT INTO devices (org_id, name) VALUES ($1, $2)
       ON CONFLICT (org_id, name) DO UPDATE SET name = excluded.name RETURNING id`,
      [o.rows[0].id, device],
    );
    await c.query('INSERT INTO tokens (org_id, device_id, hash, read_only) VALUES ($1, $2, $3, $4)', [
      o.rows[0].id,
      d.rows[0].id,
      hashToken(token),
      readOnly,
    ]);
  });
  return { token, org, device, readOnly };
}

/** Revokes one token, or every token of a device of an org. Returns how many. */
export async function revokeTokens(pool, { token, org, device }) {
  if (token) {
    const r = await pool.query(
      'UPDATE tokens SET revoked_at = now() WHERE hash = $1 AND revoked_at IS NULL',
      [hashToken(token)],
    );
    return r.rowCount ?? 0;
  }
  checkName('--org', org);
  checkName('--device', device);
  const r = await pool.query(
    `UPDATE tokens t SET revoked_at = now() FROM devices d, orgs o
     WHERE t.device_id = d.id AND d.org_id = o.id AND t.org_id = o.id
       AND o.name = $1 AND d.name = $2 AND t.revoked_at IS NULL`,
    [org, device],
  );
  return r.rowCount ?? 0;
}

/** Tokens of an org (never the tokens themselves: a short hash prefix names each). */
export async function listTokens(pool, { org }) {
  checkName('--org', org);
  const r = await pool.query(
    `SELECT encode(t.hash, 'hex') AS hash, d.name AS device, t.read_only, t.created_at, t.revoked_at
     FROM tokens t JOIN devices d ON d.id = t.device_id AND d.org_id = t.org_id
     JOIN orgs o ON o.id = t.org_id WHERE o.name = $1 ORDER BY t.id`,
    [org],
  );
  return r.rows.map((x) => ({
    id: x.hash.slice(0, 12),
    device: x.device,
    readOnly: x.read_only,
    createdAt: x.created_at.toISOString(),
    ...(x.revoked_at ? { revokedAt: x.revoked_at.toISOString() } : {}),
  }));
}

/** The token's org and device, or null when unknown or revoked. */
export async function authenticate(pool, token) {
  const r = await pool.query(
    `SELECT t.org_id, t.device_id, t.read_only FROM tokens t
     WHERE t.hash = $1 AND t.revoked_at IS NULL`,
    [hashToken(token)],
  );
  const row = r.rows[0];
  return row ? { orgId: Number(row.org_id), deviceId: Number(row.device_id), readOnly: row.read_only } : null;
}
