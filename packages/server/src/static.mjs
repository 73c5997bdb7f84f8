/**
 * The dashboard page (`@relayburn/dashboard`) at the server's root, beside `/v1`: the same
 * files `burn dashboard` serves, each at its URL path with its type. The page calls only the
 * API on this origin, so its CSP allows nothing else.
 */
import { createRequire } from 'node:module';

/** @param {import('fastify').FastifyInstance} app */
export function dashboardRoutes(app) {
  const { assets, contentSecurityPolicy, securityHeaders } = createRequire(import.meta.url)(
    '@relayburn/dashboard',
  );
  const csp = contentSecurityPolicy();
  for (const [path, file] of assets()) {
    app.get(path, { config: { rateLimit: false } }, (_req, reply) =>
      reply
        .headers({
          ...securityHeaders,
          'content-security-policy': csp,
          'content-type': file.type,
          'cache-control': 'no-cache',
        })
        .send(file.body),
    );
  }
}
