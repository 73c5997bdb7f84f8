#!/usr/bin/env node
/**
 * `burn`'s entry, dist/main.js: `burn --version` is answered from this small file; every other
 * run loads the CLI, dist/cli.js, compiled with its V8 code cache (codecache.ts). Required as a
 * module (the `relayburn-statusline` shim, tests), it is the CLI's exports.
 */
import fs = require('node:fs');
import path = require('node:path');
import codecache = require('./codecache.js');
import version = require('./version.js');

/**
 * The version with write(2); false if nothing could be written (the CLI then answers, with its
 * handling of a full pipe or a closed or full output).
 */
function writtenVersion(): boolean {
  const bytes = Buffer.from(`${version.VERSION}\n`);
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(1, bytes, done);
  } catch {
    // A few bytes: all or nothing in practice.
  }
  return done > 0;
}

function cli(): typeof import('./main.js') {
  return codecache.requireCached(path.join(__dirname, 'cli.js'), module) as typeof import('./main.js');
}

const argv = process.argv.slice(2);
if (require.main !== module) module.exports = cli();
else if (!(version.isVersionOnly(argv) && writtenVersion())) cli().start(argv);
