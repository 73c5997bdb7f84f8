#!/usr/bin/env node
// Query latency through the public package on a generated ledger of 1M turns over 180 days
// (three harnesses, five models) arranged as session trees: 10,000 roots and 50,000 subagent
// sessions (one tree of 1,000 sessions several levels deep, the rest under random roots),
// 5,000 stamps on roots. Targets: `summary` with a tag filter (tags
// inherited down the trees) ≤ 300 ms; `summary({ session })` of the 1,000-session tree ≤ 10 ms.
// `--roots 0` builds the older flat ledger (sessions of 50 turns, 5% of stamps by message id).
// Usage: npm run bench:summary  (builds the release addon first)
//        node bench/summary-bench.mjs [--ledger-home DIR] [--turns N] [--stamps N] [--roots N]
//                                     [--subagents N] [--iterations N] [--json]
// The ledger is generated once into bench/.work/ by the `gen_ledger` example (release build;
// `--debug-gen` uses a debug build, for a quick check at a small size).
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
    roots: { type: 'string', default: '10000' },
    subagents: { type: 'string', default: '50000' },
    'debug-gen': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const trees = Number(values.roots) > 0;
const shape = trees ? `-trees-${values.roots}-${values.subagents}` : '';
const ledgerHome =
  values['ledger-home'] ?? join(root, 'bench', '.work', `summary-${turns}-${values.stamps}${shape}`);
if (!existsSync(join(ledgerHome, 'ledger.sqlite'))) {
  console.error(`generating ${turns} turns and ${values.stamps} stamps in ${ledgerHome} …`);
  execFileSync(
    'cargo',
    [
      'run',
      ...(values['debug-gen'] ? [] : ['--release']),
      '--quiet',
      '-p',
      'relayburn-core',
      '--example',
      'gen_ledger',
      '--',
      ledgerHome,
      String(turns),
      values.stamps,
      ...(trees ? [values.roots, values.subagents] : []),
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

const iterations = Number(values.iterations);
/** The root of the 1,000-session tree `gen_ledger` writes. */
const TREE = 'bench-tree-root';
const treeCases = trees
  ? [
      ['summary session: 1,000-session tree', () => sdk.summary({ ledgerHome, session: TREE }), 10],
      ['sessionCost: 1,000-session tree', () => sdk.sessionCost({ ledgerHome, sessionId: TREE }), 10],
      [
        'summary session, descendants: false',
        () => sdk.summary({ ledgerHome, session: TREE, descendants: false }),
      ],
      ['summary by root', () => sdk.summary({ ledgerHome, groupBy: 'root' })],
      ['sessions (trees) limit 50', () => sdk.sessions({ ledgerHome })],
      ['sessions flat limit 50', () => sdk.sessions({ ledgerHome, flat: true })],
    ]
  : [];
const cases = [
  [
    `summary tags {persona: reviewer}${trees ? ' (inherited down trees)' : ''}`,
    () => sdk.summary({ ledgerHome, tags: { persona: 'reviewer' } }),
    300,
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
  ...treeCases,
  ['summary by tool (reads every turn)', () => sdk.summary({ ledgerHome, groupBy: 'tool' }), undefined, 3],
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
    target,
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
