'use strict';
// The built page, for any server to serve as static files at its root: `burn dashboard` and
// relayburn-server both use `assets()` so they serve the same bytes with the same types.
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

exports.assetsDir = assetsDir;
exports.assets = assets;
