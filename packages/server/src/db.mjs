/**
 * PostgreSQL access: the pool, versioned migrations (one transaction each, recorded in
 * `schema_migrations`; a database newer than this code is refused), and the mapping of
 * "database unreachable" errors to a 503.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** `[{version, name, sql}]`, ordered: files `NNN_name.sql`. */
export function migrations() {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: readFileSync(join(MIGRATIONS_DIR, f), 'utf8'),
    }));
}

export const SCHEMA_VERSION = Math.max(0, ...migrations().map((m) => m.version));

export class ServerError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code stable error code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {string} databaseUrl @param {{max?: number}} [o] */
export function createPool(databaseUrl, o = {}) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // The recursive tree CTE is estimated at millions of rows, which makes PostgreSQL JIT-compile
    // queries that run in milliseconds: compiling took seconds. Off for this server's sessions.
    options: '-c jit=off',
    max: o.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

// PostgreSQL says "cannot serve now" with these classes; a socket error has no SQLSTATE.
const UNAVAILABLE = /^(0800[0-6]|57P0[1-3]|53300)$/;

/** True for an error meaning the database cannot be reached or is shutting down. */
export function isUnavailable(err) {
  const code = /** @type {any} */ (err)?.code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) return true;
  if (
    typeof code === 'string' &&
    /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)$/.test(code)
  )
    return true;
  const msg = String(/** @type {any} */ (err)?.message ?? '');
  return /timeout exceeded when trying to connect|Connection terminated/.test(msg);
}

/** Runs `fn(client)` in a transaction; rolls back on error. */
export async function inTransaction(pool, fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The recorded schema version (0 for an empty database). */
export async function schemaVersion(pool) {
  const r = await pool.query(
    `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0
            ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END AS v`,
  );
  return Number(r.rows[0].v);
}

/**
 * Applies every pending migration, each in its own transaction, serialized across processes
 * by an advisory lock. Returns the versions applied.
 */
export async function migrate(pool) {
  const applied = [];
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(7265637, 1)');
    await c.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
  for (const m of migrations()) {
    await inTransaction(pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(7265637, 1)');
      const r = await c.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
      const current = Number(r.rows[0].v);
      if (current > SCHEMA_VERSION) throw tooNew(current);
      if (current >= m.version) return;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    });
  }
  const v = await schemaVersion(pool);
  if (v > SCHEMA_VERSION) throw tooNew(v);
  return applied;
}

function tooNew(found) {
  return new ServerError(
    500,
    'SCHEMA_TOO_NEW',
    `database schema version ${found} is newer than this relayburn-server supports (${SCHEMA_VERSION}); upgrade relayburn-server`,
  );
}

/** Refuses to serve a database that is not migrated to exactly this version. */
export async function checkSchema(pool) {
  const v = await schemaVersion(pool);
  if (v > SCHEMA_VERSION) throw tooNew(v);
  if (v < SCHEMA_VERSION)
    throw new ServerError(
      500,
      'SCHEMA_OUTDATED',
      `database schema version ${v} is older than ${SCHEMA_VERSION}: run \`relayburn-server migrate\` first`,
    );
}
