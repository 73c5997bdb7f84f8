#!/usr/bin/env node
// The dashboard's first-paint queries in process, one at a time, through the public package
// on the ledger `bench/dashboard-bench.mjs` generates (run that first): which query is slow
// without a browser sharing the cores. Each query's first call is shown apart: with a tag it
// builds the tag index the later calls reuse (until the ledger changes).
// Usage: node bench/dashboard-queries.mjs [--ledger-home DIR] [--timezone ZONE] [--iterations N]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const sdk = require('@relayburn/sdk');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    'ledger-home': { type: 'string', default: join(root, 'bench', '.work', 'dashboard-1000000') },
    timezone: { type: 'string', default: 'UTC' },
    iterations: { type: 'string', default: '7' },
  },
});
const o = { ledgerHome: values['ledger-home'], timezone: values.timezone };
const cases = [
  ['summary 30d by day, model', () => sdk.summary({ ...o, since: '30d', groupBy: ['day', 'model'] })],
  [
    'summary 30d by day, tag:persona',
    () => sdk.summary({ ...o, since: '30d', groupBy: ['day', 'tag:persona'] }),
  ],
  [
    'summary 90d by day, model, spawner=pear',
    () => sdk.summary({ ...o, since: '90d', groupBy: ['day', 'model'], tags: { spawner: 'pear' } }),
  ],
  ['summary all by day, harness', () => sdk.summary({ ...o, groupBy: ['day', 'harness'] })],
  ['sessions 30d', () => sdk.sessions({ ...o, since: '30d', limit: 15 })],
  [
    'sessions 90d spawner=pear',
    () => sdk.sessions({ ...o, since: '90d', limit: 15, tags: { spawner: 'pear' } }),
  ],
];
for (const [name, run] of cases) {
  const ms = [];
  for (let i = 0; i < Number(values.iterations); i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  // The first call of a query with a tag builds the tag index; later ones reuse it.
  const first = ms[0];
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor((ms.length - 1) / 2)];
  console.log(
    `${name.padEnd(42)} first ${first.toFixed(1)} ms, median ${median.toFixed(1)} ms, min ${ms[0].toFixed(1)}, max ${ms.at(-1).toFixed(1)}`,
  );
}
