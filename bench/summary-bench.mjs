#!/usr/bin/env node
// Query latency through the public package on a generated ledger of 1M turns (20,000
// sessions of 50 turns over 180 days, three harnesses, five models) with 5,000 stamps
// (5% by message id). Target (DESIGN §11): `summary` with a tag filter ≤ 300 ms.
// Usage: npm run bench:summary  (builds the release addon first)
//        node bench/summary-bench.mjs [--ledger-home DIR] [--turns N] [--stamps N] [--iterations N] [--json]
// The ledger is generated once into bench/.work/ by the `gen_ledger` example (release build).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const sdk = require('@relayburn/sdk');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    'ledger-home': { type: 'string' },
    turns: { type: 'string', default: '1000000' },
    stamps: { type: 'string', default: '5000' },
    iterations: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const ledgerHome = values['ledger-home'] ?? join(root, 'bench', '.work', `summary-${turns}-${values.stamps}`);
if (!existsSync(join(ledgerHome, 'ledger.sqlite'))) {
  console.error(`generating ${turns} turns and ${values.stamps} stamps in ${ledgerHome} …`);
  execFileSync(
    'cargo',
    [
      'run',
      '--release',
      '--quiet',
      '-p',
      'relayburn-core',
      '--example',
      'gen_ledger',
      '--',
      ledgerHome,
      String(turns),
      values.stamps,
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

const iterations = Number(values.iterations);
const cases = [
  [
    'summary tags {persona: reviewer}',
    () => sdk.summary({ ledgerHome, tags: { persona: 'reviewer' } }),
    true,
  ],
  [
    'summary tags {spawner: pear} by tag:persona',
    () => sdk.summary({ ledgerHome, tags: { spawner: 'pear' }, groupBy: 'tag:persona' }),
  ],
  ['summary (all turns, by model)', () => sdk.summary({ ledgerHome })],
  ['summary by tag:workflowId', () => sdk.summary({ ledgerHome, groupBy: 'tag:workflowId' })],
  [
    'summary since 2026-10-01T00:00:00.5Z by day, Europe/Paris',
    () =>
      sdk.summary({ ledgerHome, since: '2026-10-01T00:00:00.5Z', groupBy: 'day', timezone: 'Europe/Paris' }),
  ],
  [
    'sessions tags {persona: reviewer} limit 50',
    () => sdk.sessions({ ledgerHome, tags: { persona: 'reviewer' } }),
  ],
  ['fingerprint', () => sdk.fingerprint({ ledgerHome })],
  ['summary by tool (reads every turn)', () => sdk.summary({ ledgerHome, groupBy: 'tool' }), false, 3],
];

const status = await sdk.status({ ledgerHome });
const results = [];
for (const [name, run, target, n = iterations] of cases) {
  await run(); // warm-up: page cache, pooled connection
  const samples = [];
  let answer;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    answer = await run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  results.push({
    name,
    iterations: n,
    medianMs: q(0.5),
    p95Ms: q(0.95),
    minMs: samples[0],
    turns: answer?.totals?.turns,
    target: target ? 300 : undefined,
  });
}

const header = {
  bench: 'summary',
  turns: status.turns,
  sessions: status.sessions,
  stamps: status.stamps,
  ledgerBytes: status.ledgerBytes,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
if (values.json) console.log(JSON.stringify({ ...header, results }));
else {
  console.log(
    `${header.turns.toLocaleString('en-US')} turns, ${header.sessions.toLocaleString('en-US')} sessions, ` +
      `${header.stamps.toLocaleString('en-US')} stamps, ledger ${(header.ledgerBytes / 2 ** 20).toFixed(0)} MiB, ` +
      `${header.platform}, node ${header.node}`,
  );
  for (const r of results) {
    const f = (x) => `${x.toFixed(1)} ms`.padStart(10);
    const t = r.turns === undefined ? '' : `  (${r.turns.toLocaleString('en-US')} turns)`;
    const goal = r.target ? `  target ≤ ${r.target} ms → ${r.medianMs <= r.target ? 'met' : 'NOT met'}` : '';
    console.log(
      `  ${r.name.padEnd(58)} median ${f(r.medianMs)}  p95 ${f(r.p95Ms)}  min ${f(r.minMs)}${t}${goal}`,
    );
  }
}
