#!/usr/bin/env node
// Bundles the JavaScript of both packages with esbuild (a CLI that starts about as fast as Node).
// Node pays per module file it resolves, reads and compiles, so each package loads as one file:
//   - packages/sdk/dist/index.js, from src/index.ts: the SDK's CommonJS entry (index.mjs, from
//     tsc, re-exports it). zod stays external and is required on first use (validate.ts);
//     the native loader `../native/binding.cjs` stays external. tsc's per-module .js files
//     are removed (its .d.ts declarations stay: they are the published types).
//   - packages/cli/dist/main.js, from src/bin.ts: `burn`'s entry, a few KB: it answers
//     `burn --version` alone and otherwise loads dist/cli.js with a V8 code cache (codecache.ts).
//   - packages/cli/dist/cli.js, from src/main.ts: the CLI. `@relayburn/sdk` stays out of it
//     (one SDK instance per process: one BurnError class, one connection pool): every import of it
//     is src/sdk.ts, which requires the installed SDK's entry by its path (a require by package name
//     reads the `exports` map, which loads Node's ESM resolver on every command). So does
//     `@modelcontextprotocol/sdk` (a dependency `burn mcp` requires on first use): bundled,
//     it and its zod and ajv made the CLI 1.8 MB, which Node parsed on every command. Modules that
//     main.ts loads with `require()` inside a function (the command table) are bundled as
//     lazily evaluated wrappers, so `burn --version` evaluates none of them.
//   - packages/dashboard/dist/: the dashboard page for browsers (app.js with uPlot and the
//     CLI's number formatters, app.css, index.html with boot.ts inlined), minified: every byte
//     is sent to a browser.
// Run by `npm run build:ts` after tsc (which type-checks both and writes the SDK's .d.ts and
// index.mjs). Not minified: stack traces stay readable, and minifying measured no faster.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** `@relayburn/sdk` in the CLI's sources → src/sdk.ts (which requires the package itself at run time). */
const sdkByPath = {
  name: 'sdk-by-path',
  setup(b) {
    b.onResolve({ filter: /^@relayburn\/sdk$/ }, () => ({ path: join(packages, 'cli', 'src', 'sdk.ts') }));
  },
};

const cliDist = join(packages, 'cli', 'dist');
// No stale per-module output from older builds (it would be packed: files has dist/**/*.js).
rmSync(cliDist, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(packages, 'cli', 'src', 'bin.ts')],
  outfile: join(cliDist, 'main.js'),
});
await build({
  ...common,
  entryPoints: [join(packages, 'cli', 'src', 'main.ts')],
  outfile: join(cliDist, 'cli.js'),
  plugins: [sdkByPath],
  external: ['@relayburn/dashboard', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'],
});

const dashboard = join(packages, 'dashboard');
const dashboardDist = join(dashboard, 'dist');
rmSync(dashboardDist, { recursive: true, force: true });
mkdirSync(dashboardDist, { recursive: true });
await build({
  entryPoints: { app: join(dashboard, 'src', 'main.ts'), 'app-css': join(dashboard, 'src', 'app.css') },
  outdir: dashboardDist,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  legalComments: 'none',
  logLevel: 'warning',
});
// esbuild names a CSS entry after its key: app-css.css → app.css.
copyFileSync(join(dashboardDist, 'app-css.css'), join(dashboardDist, 'app.css'));
rmSync(join(dashboardDist, 'app-css.css'));
// boot.ts runs inline in the page's head: it starts the first-paint requests before the
// styles and app.js have arrived (the page's CSP allows it by its hash, see index.js).
const boot = await build({
  entryPoints: [join(dashboard, 'src', 'boot.ts')],
  write: false,
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  legalComments: 'none',
  logLevel: 'warning',
});
const bootCode = boot.outputFiles[0].text.trim();
if (bootCode.includes('</')) throw new Error('boot.ts: its code must not close the inline <script>');
const html = readFileSync(join(dashboard, 'src', 'index.html'), 'utf8');
const tag = '<script src="boot.js"></script>';
if (!html.includes(tag)) throw new Error(`index.html: no ${tag} to inline`);
writeFileSync(
  join(dashboardDist, 'index.html'),
  html.replace(tag, () => `<script>${bootCode}</script>`),
);
