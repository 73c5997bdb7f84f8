/**
 * The HTTP API (README, "API"): Fastify with strict JSON-schema validation of ingest bodies
 * (unknown fields refused, nothing coerced), gzip request bodies, bearer tokens, a rate limit
 * per token, and `{ code, message }` errors.
 */
import { createGunzip } from 'node:zlib';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { isUnavailable, ServerError } from './db.mjs';
import { applyBatch, ingestBodySchema, MAX_BODY_BYTES } from './ingest.mjs';
import { sessionParams, sessionsParams, summaryParams } from './params.mjs';
import { session, sessions } from './sessions.mjs';
import { slots } from './slots.mjs';
import { dashboardRoutes } from './static.mjs';
import { summary } from './summary.mjs';
import { authenticate, hashToken } from './tokens.mjs';

/**
 * @param {import('pg').Pool} pool
 * @param {{ rateLimit?: number, logger?: boolean, ingestConcurrency?: number }} [o] rateLimit: requests
 *   per minute per token; ingestConcurrency: ingests applied at once by this process
 */
export async function buildApp(pool, o = {}) {
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });

  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc === 'identity') return payload;
    if (enc !== 'gzip')
      throw new ServerError(
        415,
        'UNSUPPORTED_ENCODING',
        `content-encoding ${enc} is not supported (use gzip)`,
      );
    const gunzip = createGunzip();
    payload.on('error', (e) => gunzip.destroy(e));
    // Fastify checks Content-Length against `receivedEncodedLength` (the bytes on the wire)
    // and bodyLimit against the decoded stream: a gzip bomb stops at 8 MiB.
    const out = /** @type {any} */ (gunzip);
    out.receivedEncodedLength = 0;
    payload.on('data', (chunk) => {
      out.receivedEncodedLength += chunk.length;
    });
    return payload.pipe(gunzip);
  });

  await app.register(rateLimit, {
    global: true,
    max: o.rateLimit ?? 1200,
    timeWindow: '1 minute',
    keyGenerator: (req) => {
      const t = bearer(req);
      return t ? hashToken(t).toString('hex') : `ip:${req.ip}`;
    },
    allowList: (req) => req.url === '/v1/health',
    errorResponseBuilder: (_req, ctx) => {
      const err = new ServerError(
        429,
        'RATE_LIMITED',
        `rate limit of ${ctx.max} requests per ${ctx.after} exceeded`,
      );
      return err;
    },
  });

  app.setErrorHandler((err, _req, reply) => {
    const e = /** @type {any} */ (err);
    if (
      e instanceof ServerError ||
      (typeof e.status === 'number' && typeof e.code === 'string' && !e.statusCode)
    ) {
      return reply.code(e.status).send({ code: e.code, message: e.message });
    }
    if (e.validation)
      return reply.code(400).send({ code: 'INVALID_BODY', message: `body${e.message.replace(/^body/, '')}` });
    if (e.statusCode === 429) return reply.code(429).send({ code: 'RATE_LIMITED', message: e.message });
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .code(413)
        .send({ code: 'BODY_TOO_LARGE', message: `the body exceeds ${MAX_BODY_BYTES} bytes` });
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply.code(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' });
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' || e.errno === -3)
      return reply.code(400).send({ code: 'INVALID_BODY', message: 'the body is not valid gzip' });
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
      return reply.code(e.statusCode).send({ code: 'INVALID_BODY', message: e.message });
    if (isUnavailable(e))
      return reply
        .code(503)
        .send({ code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; retry later' });
    _req.log.error(e);
    return reply.code(500).send({ code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: 'no such endpoint' }),
  );

  /** Resolves the bearer token, or replies 401. */
  async function auth(req, { write }) {
    const token = bearer(req);
    if (!token) throw new ServerError(401, 'UNAUTHORIZED', 'missing bearer token');
    const who = await authenticate(pool, token);
    if (!who) throw new ServerError(401, 'UNAUTHORIZED', 'unknown or revoked token');
    if (write && who.readOnly)
      throw new ServerError(403, 'READ_ONLY', 'this token is read-only: it cannot ingest');
    return who;
  }

  dashboardRoutes(app);

  // Each ingest holds a decoded batch (megabytes of objects) until its transaction ends, and
  // two cores gain nothing from more than a few at once: the rest wait unread.
  const ingestSlot = slots(o.ingestConcurrency ?? 4);

  app.get('/v1/health', async (_req, reply) => {
    try {
      await pool.query('SELECT 1');
      return { ok: true };
    } catch {
      return reply
        .code(503)
        .send({ ok: false, code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable' });
    }
  });

  app.post(
    '/v1/ingest',
    {
      schema: { body: ingestBodySchema },
      onRequest: async (_req, reply) => {
        await ingestSlot(reply.raw);
      },
      // Authenticate before the body is read or validated: a bad token is 401 whatever it sent.
      preValidation: async (req) => {
        /** @type {any} */ (req).who = await auth(req, { write: true });
      },
    },
    async (req) => applyBatch(pool, /** @type {any} */ (req).who, req.body),
  );

  app.get('/v1/summary', async (req) => {
    const who = await auth(req, { write: false });
    return summary(pool, who.orgId, summaryParams(/** @type {any} */ (req.query)));
  });
  app.get('/v1/sessions', async (req) => {
    const who = await auth(req, { write: false });
    return sessions(pool, who.orgId, sessionsParams(/** @type {any} */ (req.query)));
  });
  app.get('/v1/session/:id', async (req, reply) => {
    const who = await auth(req, { write: false });
    const id = /** @type {any} */ (req.params).id;
    const detail = await session(pool, who.orgId, id, sessionParams(/** @type {any} */ (req.query)));
    return reply.type('application/json').send(JSON.stringify(detail));
  });
  return app;
}

function bearer(req) {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}
