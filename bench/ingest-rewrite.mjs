#!/usr/bin/env node
// Ingest of the rewritten stores (Amp threads, Cline-family tasks, Kilo CLI's database) on a
// corpus from corpus/rewrite.mjs: a first ingest, an unchanged re-ingest (a stat per file),
// the stores rewritten and ingested again, and an ingest with none of these stores present.
// Totals are checked against the generator's tally after each ingest.
//
// Usage: node bench/ingest-rewrite.mjs [--scale 50] [--seed 3]   (after `npm run build`)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingest, summary } from '../packages/sdk/dist/index.mjs';
import { generateRewriteCorpus } from './corpus/rewrite.mjs';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '50' }, seed: { type: 'string', default: '3' } },
});
const scale = Number(values.scale);
const seed = Number(values.seed);
const HARNESSES = ['amp', 'kilo', 'cline', 'roo-code', 'kilo-code'];
const work = mkdtempSync(join(tmpdir(), 'relayburn-rewrite-bench-'));
const out = join(work, 'corpus');
const ledgerHome = join(work, 'ledger');
const user = join(out, 'vscode', 'User');
const roots = {
  amp: [join(out, 'amp')],
  kilo: [join(out, 'kilo')],
  cline: [user],
  'roo-code': [user],
  'kilo-code': [user],
};

async function timed(label, opts) {
  const t0 = performance.now();
  const r = await ingest(opts);
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(22)} ${ms.toFixed(0).padStart(7)} ms  files ${r.filesScanned} changed ${r.filesChanged} ` +
      `read ${(r.bytesRead / 1e6).toFixed(1)} MB  +${r.turnsAdded} turns, ${r.turnsUpdated} updated`,
  );
  if (r.errors.length) throw new Error(`ingest errors: ${JSON.stringify(r.errors.slice(0, 3))}`);
  return r;
}

async function check(tally) {
  const s = await summary({ ledgerHome, groupBy: 'harness' });
  for (const h of HARNESSES) {
    const g = s.groups.find((x) => x.key === h);
    const want = tally[h];
    const got = g && {
      turns: g.turns,
      input: g.inputTokens,
      output: g.outputTokens,
      cacheRead: g.cacheReadTokens,
      cacheWrite5m: g.cacheWrite5mTokens,
    };
    const same = got && Object.entries(got).every(([k, v]) => v === want[k]);
    if (!same) throw new Error(`${h}: got ${JSON.stringify(got)}, tally ${JSON.stringify(want)}`);
  }
  console.log('  totals equal the tally for every harness');
}

try {
  const t1 = await generateRewriteCorpus({ out, phase: 1, seed, scale });
  const opts = { ledgerHome, harnesses: HARNESSES, roots };
  await timed('first ingest', opts);
  await check(t1.byHarness);
  for (let i = 0; i < 3; i++) await timed('unchanged', opts);
  const t2 = await generateRewriteCorpus({ out, phase: 2, seed, scale });
  await timed('after the rewrite', opts);
  await check(t2.byHarness);
  await timed('unchanged', opts);
  const none = Object.fromEntries(HARNESSES.map((h) => [h, [join(work, 'absent')]]));
  for (let i = 0; i < 3; i++) await timed('no such stores', { ...opts, roots: none });
} finally {
  rmSync(work, { recursive: true, force: true });
}
