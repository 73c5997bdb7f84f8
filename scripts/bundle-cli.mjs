#!/usr/bin/env node
// Builds the `burn` CLI as one file, packages/cli/dist/main.js, with esbuild (issue 22: a
// CLI that starts like Node). Node pays per module file it resolves, reads and compiles; one
// file instead of ~20 saves most of the CLI's own start-up. `tsc -p packages/cli --noEmit`
// type-checks it first (build:ts).
//
// `@relayburn/sdk` stays external: one SDK instance per process (one BurnError class, one
// connection pool) and its native loader resolves `native/` next to its own files. Modules
// that `main.ts` loads with `require()` inside a function (the command table) are bundled as
// lazily evaluated wrappers, so `burn --version` evaluates none of them and loads no SDK.
// Not minified: stack traces stay readable, and minifying measured no faster.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
const dist = join(cli, 'dist');
// No stale per-module output from older builds (it would be packed: files has dist/**/*.js).
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(cli, 'src', 'main.ts')],
  outfile: join(dist, 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.17',
  external: ['@relayburn/sdk'],
  logLevel: 'warning',
});
