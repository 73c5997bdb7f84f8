'use strict';
// The built page, for any server to serve as static files at its root: `burn dashboard` and
// relayburn-server both use `assets()` so they serve the same bytes with the same types.
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { extname, join } = require('node:path');

const assetsDir = join(__dirname, 'dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path (`/`, `/index.html`, `/app.js`, `/app.css`) → { body, type }, read now. */
function assets() {
  const files = new Map();
  for (const name of readdirSync(assetsDir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { body: readFileSync(join(assetsDir, name)), type });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

/**
 * The page's Content-Security-Policy: nothing from another origin; its one inline script (the
 * first-paint requests, started before app.js arrives) allowed by its hash.
 */
function contentSecurityPolicy() {
  const html = readFileSync(join(assetsDir, 'index.html'), 'utf8');
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => ` 'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`,
  );
  return `default-src 'self'; script-src 'self'${hashes.join('')}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

/**
 * Headers every answer of a server of the page carries, API answers included (the page's own
 * files carry `contentSecurityPolicy()` as well): no content sniffing, no referrer.
 */
const securityHeaders = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

exports.assetsDir = assetsDir;
exports.securityHeaders = securityHeaders;
exports.contentSecurityPolicy = contentSecurityPolicy;
exports.assets = assets;
