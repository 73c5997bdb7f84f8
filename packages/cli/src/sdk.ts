/**
 * `@relayburn/sdk` as the bundle loads it (scripts/bundle.mjs aliases the package name to this
 * module): by the path of its CommonJS entry, in the first `node_modules` directory up from here
 * that holds the package — where Node's own lookup finds it. Requiring a package by name reads
 * its `exports` map, which loads Node's ESM resolver: a few ms of every command. Anywhere else
 * (`NODE_PATH`, global folders), by name. Either way Node caches the module under its real
 * path: one SDK instance per process.
 */
import fs = require('node:fs');
import path = require('node:path');

/** The SDK's CommonJS entry inside its package: its `exports['.'].require` (a test checks). */
const ENTRY = ['dist', 'index.js'];

/** The entry's path as Node's lookup from `dir` would find the package, else the package name. */
function sdkPath(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    // Node looks in `<d>/node_modules` for every ancestor `d` not itself named node_modules.
    if (path.basename(d) !== 'node_modules') {
      const entry = path.join(d, 'node_modules', '@relayburn', 'sdk', ...ENTRY);
      if (fs.existsSync(entry)) return entry;
    }
    if (path.dirname(d) === d) return '@relayburn/sdk';
  }
}

// A computed name: esbuild leaves the require to Node.
export = require(sdkPath(__dirname)) as typeof import('@relayburn/sdk');
