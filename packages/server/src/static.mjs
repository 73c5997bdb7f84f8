/**
 * The dashboard page (`@relayburn/dashboard`) at the server's root, beside `/v1`: the same
 * files `burn dashboard` serves, each at its URL path with its type. The page calls only the
 * API on this origin, so its CSP allows nothing else.
 */
import { createRequire } from 'node:module';

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/** @param {import('fastify').FastifyInstance} app */
export function dashboardRoutes(app) {
  const { assets } = createRequire(import.meta.url)('@relayburn/dashboard');
  for (const [path, file] of assets()) {
    app.get(path, { config: { rateLimit: false } }, (_req, reply) =>
      reply.headers({ ...SECURITY, 'content-type': file.type, 'cache-control': 'no-cache' }).send(file.body),
    );
  }
}
