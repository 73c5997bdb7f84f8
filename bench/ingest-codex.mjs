#!/usr/bin/env node
// Codex ingest through the public package on the corpus kit's Codex home (corpus/codex.mjs:
// rollouts of one to three model calls a turn with encrypted reasoning, command calls and
// their output, repeated token_count snapshots, forks and subagents replaying their parent).
// Measures a cold ingest, an unchanged re-ingest, and an incremental pass after appending a turn
// to every tenth rollout; checks the totals equal the generator's tally.
// Usage: node bench/ingest-codex.mjs [--mb 100] [--files 200] [--seed 1] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCodexHome } from './corpus/codex.mjs';
import { add } from './corpus/tally.mjs';

const require = createRequire(import.meta.url);
const { ingest, summary } = require('@relayburn/sdk');

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    files: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const root = mkdtempSync(join(tmpdir(), 'relayburn-bench-codex-'));
const home = join(root, 'codex');
const ledgerHome = join(root, 'ledger');
const { codex, rollouts, tally } = generateCodexHome({
  out: home,
  mb: Number(values.mb),
  files: Number(values.files),
  seed: Number(values.seed),
});
const bytes = codex.bytes;

const roots = { codex: [home] };
const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
};
try {
  const [coldMs, cold] = await time(() => ingest({ roots, ledgerHome }));
  const [warmMs, warm] = await time(() => ingest({ roots, ledgerHome }));
  for (let f = 0; f < rollouts.length; f += 10) {
    const added = codex.append(rollouts[f]);
    add(tally, added, added.turns);
  }
  const [incMs, inc] = await time(() => ingest({ roots, ledgerHome }));
  const { totals } = await summary({ ledgerHome });
  const got = {
    turns: totals.turns,
    input: totals.inputTokens,
    output: totals.outputTokens,
    reasoning: totals.reasoningTokens,
    cacheRead: totals.cacheReadTokens,
  };
  const exact = Object.entries(got).every(([k, v]) => tally[k] === v);
  const result = {
    bench: 'ingest-codex',
    files: rollouts.length,
    mb: +(bytes / 1048576).toFixed(1),
    turns: tally.turns,
    coldMs: Math.round(coldMs),
    coldMBps: +(bytes / 1048576 / (coldMs / 1000)).toFixed(1),
    unchangedMs: Math.round(warmMs),
    unchangedBytesRead: warm.bytesRead,
    incrementalMs: Math.round(incMs),
    incrementalBytesRead: inc.bytesRead,
    turnsAdded: [cold.turnsAdded, warm.turnsAdded, inc.turnsAdded],
    exact,
  };
  if (values.json) console.log(JSON.stringify(result));
  else console.table(result);
  if (!exact) {
    console.error(
      'ledger totals ≠ tally:',
      JSON.stringify({ got, tally: { ...tally, bySession: undefined } }),
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
