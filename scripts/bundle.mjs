#!/usr/bin/env node
// Bundles the JavaScript of both packages with esbuild (a CLI that starts about as fast as Node).
// Node pays per module file it resolves, reads and compiles, so each package loads as one file:
//   - packages/sdk/dist/index.js, from src/index.ts: the SDK's CommonJS entry (index.mjs, from
//     tsc, re-exports it). zod stays external and is required on first use (validate.ts);
//     the native loader `../native/binding.cjs` stays external. tsc's per-module .js files
//     are removed (its .d.ts declarations stay: they are the published types).
//   - packages/cli/dist/main.js, from src/main.ts: `burn`. `@relayburn/sdk` stays external
//     (one SDK instance per process: one BurnError class, one connection pool), and so does
//     `@modelcontextprotocol/sdk` (a dependency `burn mcp` requires on first use): bundled,
//     it and its zod and ajv made main.js 1.8 MB, which Node parses on every command. Modules that
//     main.ts loads with `require()` inside a function (the command table) are bundled as
//     lazily evaluated wrappers, so `burn --version` evaluates none of them.
// Run by `npm run build:ts` after tsc (which type-checks both and writes the SDK's .d.ts and
// index.mjs). Not minified: stack traces stay readable, and minifying measured no faster.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20.17', logLevel: 'warning' };

const sdkDist = join(packages, 'sdk', 'dist');
for (const f of readdirSync(sdkDist)) if (f.endsWith('.js')) rmSync(join(sdkDist, f));
await build({
  ...common,
  entryPoints: [join(packages, 'sdk', 'src', 'index.ts')],
  outfile: join(sdkDist, 'index.js'),
  external: ['zod', '../native/binding.cjs'],
});

const cliDist = join(packages, 'cli', 'dist');
// No stale per-module output from older builds (it would be packed: files has dist/**/*.js).
rmSync(cliDist, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(packages, 'cli', 'src', 'main.ts')],
  outfile: join(cliDist, 'main.js'),
  external: ['@relayburn/sdk', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
});
