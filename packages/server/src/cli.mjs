/**
 * `relayburn-server migrate | token create|revoke|list | start`. Configuration from flags or
 * `DATABASE_URL`, `PORT`, `HOST`.
 */
import { parseArgs } from 'node:util';
import { checkSchema, createPool, migrate, SCHEMA_VERSION } from './db.mjs';
import { createToken, listTokens, revokeTokens } from './tokens.mjs';

const HELP = `relayburn-server: the relayburn team ledger on PostgreSQL

Usage:
  relayburn-server migrate [--database-url <url>]
  relayburn-server token create --org <org> --device <name> [--read-only] [--json]
  relayburn-server token revoke <token> | --org <org> --device <name>
  relayburn-server token list --org <org> [--json]
  relayburn-server start [--port 8787] [--host 127.0.0.1] [--rate-limit <per minute>]
                         [--ingest-concurrency <n>]

Options:
  --database-url <url>  PostgreSQL connection string (default: $DATABASE_URL)
  --port <n>            listen port (default: $PORT, else 8787)
  --host <addr>         listen address (default: $HOST, else 127.0.0.1)
  --rate-limit <n>      requests per minute per token (default 1200)
  --ingest-concurrency <n>
                        batches this process applies at once; others wait unread (default 4)
  --help, --version
`;

class UsageError extends Error {}

export async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'database-url': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'rate-limit': { type: 'string' },
        'ingest-concurrency': { type: 'string' },
        org: { type: 'string' },
        device: { type: 'string' },
        'read-only': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    return fail(new UsageError(/** @type {Error} */ (err).message));
  }
  const { values: v, positionals: pos } = parsed;
  if (v.help || pos.length === 0) {
    process.stdout.write(HELP);
    return v.help ? 0 : 2;
  }
  if (v.version) {
    process.stdout.write(`relayburn-server 0.1.0 (schema ${SCHEMA_VERSION})\n`);
    return 0;
  }
  const url = v['database-url'] ?? process.env.DATABASE_URL;
  try {
    const [cmd, sub, ...rest] = pos;
    if (!['migrate', 'token', 'start'].includes(cmd)) throw new UsageError(`unknown command ${cmd}`);
    if (!url) throw new UsageError('no database: pass --database-url or set DATABASE_URL');
    if (cmd === 'migrate') {
      const pool = createPool(url, { max: 1 });
      try {
        const applied = await migrate(pool);
        process.stdout.write(
          applied.length
            ? `migrated to schema ${SCHEMA_VERSION} (applied ${applied.join(', ')})\n`
            : `schema ${SCHEMA_VERSION} is current\n`,
        );
      } finally {
        await pool.end();
      }
      return 0;
    }
    if (cmd === 'token') return await token(url, sub, rest, v);
    return await start(url, v);
  } catch (err) {
    return fail(err);
  }
}

async function token(url, sub, rest, v) {
  const pool = createPool(url, { max: 1 });
  try {
    await checkSchema(pool);
    if (sub === 'create') {
      if (!v.org || !v.device) throw new UsageError('token create needs --org and --device');
      const t = await createToken(pool, { org: v.org, device: v.device, readOnly: v['read-only'] ?? false });
      process.stdout.write(v.json ? `${JSON.stringify(t)}\n` : `${t.token}\n`);
      return 0;
    }
    if (sub === 'revoke') {
      if (rest.length > 1) throw new UsageError('token revoke takes one token');
      if (!rest[0] && !(v.org && v.device))
        throw new UsageError('token revoke needs a token, or --org and --device');
      const n = await revokeTokens(pool, { token: rest[0], org: v.org, device: v.device });
      process.stdout.write(
        v.json ? `${JSON.stringify({ revoked: n })}\n` : `revoked ${n} token${n === 1 ? '' : 's'}\n`,
      );
      return n > 0 ? 0 : 1;
    }
    if (sub === 'list') {
      if (!v.org) throw new UsageError('token list needs --org');
      const list = await listTokens(pool, { org: v.org });
      if (v.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else
        for (const t of list)
          process.stdout.write(
            `${t.id}  ${t.device}${t.readOnly ? '  read-only' : ''}  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}\n`,
          );
      return 0;
    }
    throw new UsageError(`unknown token command ${sub ?? ''}: expected create, revoke or list`);
  } finally {
    await pool.end();
  }
}

async function start(url, v) {
  const port = Number(v.port ?? process.env.PORT ?? 8787);
  const host = v.host ?? process.env.HOST ?? '127.0.0.1';
  const limit = Number(v['rate-limit'] ?? 1200);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--rate-limit must be a positive integer');
  const ingestConcurrency = Number(v['ingest-concurrency'] ?? 4);
  if (!Number.isInteger(ingestConcurrency) || ingestConcurrency < 1)
    throw new UsageError('--ingest-concurrency must be a positive integer');
  const pool = createPool(url);
  await checkSchema(pool);
  const { buildApp } = await import('./app.mjs');
  const app = await buildApp(pool, { rateLimit: limit, ingestConcurrency });
  const address = await app.listen({ port, host });
  // The address line is the one readiness signal scripts and tests wait for.
  process.stdout.write(`relayburn-server listening on ${address}\n`);
  const stop = async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise(() => {});
}

function fail(err) {
  const usage = err instanceof UsageError;
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`relayburn-server: ${msg}\n`);
  if (usage) process.stderr.write('run relayburn-server --help for usage\n');
  return usage ? 2 : 1;
}
