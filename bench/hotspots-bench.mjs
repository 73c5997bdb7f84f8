#!/usr/bin/env node
// Analyses over a generated 1M-turn ledger (the `gen_ledger` ledger of the summary bench:
// 180 days, three harnesses, 10,000 roots and 50,000 subagents) plus, for each turn with tool
// calls, a user turn carrying one tool result per call (`GEN_LEDGER_RESULTS=1`: ~670k user turns,
// 0–40 KB results). Target: `burn hotspots` over the whole ledger ≤ 1 s. Timed through
// the public package (`hotspots` by tool, file, command, subagent; `overhead`; `compare`) and as
// the whole `burn hotspots` process (node start-up included).
// Usage: npm run bench:hotspots  (builds the release addon first)
//        node bench/hotspots-bench.mjs [--ledger-home DIR] [--turns N] [--iterations N] [--debug-gen] [--json]
// `--debug-gen` builds the ledger with a debug build of `gen_ledger` (a quick check at a small size).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const sdk = require('@relayburn/sdk');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const burn = join(root, 'packages', 'cli', 'dist', 'main.js');

const { values } = parseArgs({
  options: {
    'ledger-home': { type: 'string' },
    turns: { type: 'string', default: '1000000' },
    'debug-gen': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
// Sessions scale with the turns (the summary bench's 10,000 roots and 50,000 subagents at 1M).
const roots = Math.max(1, Math.round(turns / 100));
const subagents = Math.round(turns / 20);
const ledgerHome = values['ledger-home'] ?? join(root, 'bench', '.work', `hotspots-${turns}`);
if (!existsSync(join(ledgerHome, 'ledger.sqlite'))) {
  console.error(`generating ${turns} turns with tool results in ${ledgerHome} …`);
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
      '1000',
      String(roots),
      String(subagents),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, GEN_LEDGER_RESULTS: '1' } },
  );
}

const iterations = Number(values.iterations);
const cases = [
  ['hotspots by tool (whole ledger)', () => sdk.hotspots({ ledgerHome }), 1000],
  ['hotspots by file', () => sdk.hotspots({ ledgerHome, by: 'file' })],
  ['hotspots by command', () => sdk.hotspots({ ledgerHome, by: 'command' })],
  ['hotspots by subagent', () => sdk.hotspots({ ledgerHome, by: 'subagent' })],
  ['hotspots since 7d of the ledger end', () => sdk.hotspots({ ledgerHome, since: '2026-10-25T00:00:00Z' })],
  [
    'hotspots session bench-tree-root (1,000-session tree)',
    () => sdk.hotspots({ ledgerHome, session: 'bench-tree-root' }),
  ],
  ['overhead (whole ledger)', () => sdk.overhead({ ledgerHome })],
  ['compare (whole ledger)', () => sdk.compare({ ledgerHome })],
];

const results = [];
for (const [name, run, target] of cases) {
  await run(); // warm-up: page cache, pooled connection
  const samples = [];
  let answer;
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    answer = await run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  results.push({
    name,
    iterations,
    medianMs: samples[Math.floor(samples.length / 2)],
    minMs: samples[0],
    turns: answer?.totals?.turns ?? answer?.window?.turns,
    target,
  });
}
// The whole process, as a user runs it.
{
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [burn, 'hotspots', '--json', '--ledger-home', ledgerHome], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`burn hotspots failed: ${r.stderr}`);
  }
  samples.sort((a, b) => a - b);
  results.push({
    name: 'burn hotspots --json (whole process)',
    iterations,
    medianMs: samples[Math.floor(samples.length / 2)],
    minMs: samples[0],
    target: 1000,
  });
}

const status = await sdk.status({ ledgerHome });
const header = {
  bench: 'hotspots',
  turns: status.turns,
  sessions: status.sessions,
  ledgerBytes: status.ledgerBytes,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
if (values.json) console.log(JSON.stringify({ ...header, results }));
else {
  console.log(
    `hotspots bench: ${status.turns} turns, ${status.sessions} sessions, ${(status.ledgerBytes / 2 ** 20).toFixed(0)} MiB ledger`,
  );
  for (const r of results) {
    const verdict =
      r.target === undefined ? '' : r.medianMs <= r.target ? `  ≤ ${r.target} ms ✓` : `  > ${r.target} ms ✗`;
    console.log(
      `${r.name.padEnd(56)} median ${r.medianMs.toFixed(1).padStart(8)} ms  min ${r.minMs.toFixed(1).padStart(8)} ms${verdict}`,
    );
  }
}
