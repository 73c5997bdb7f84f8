#!/usr/bin/env node
// writeStamp latency through the public package (the path a launcher takes), on a fresh
// ledger in a temp dir. Target: median ≤ 2 ms.
// Then the same while a cold ingest of a generated Claude Code corpus runs in another process
// on the same ledger (a launcher stamping while a hook or `burn ingest --watch` ingests): a
// stamp must never wait behind the ingest's write transactions; target max ≤ 50 ms.
// Usage: npm run bench:stamp  (builds the release addon first)
//        node bench/write-stamp.mjs [--count N] [--ingest-mb 100] [--ingest-files 2000]
//                                   [--seed 3] [--interval-ms 5] [--no-ingest] [--json]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultCorpusDir, GENERATOR_VERSION, generateCorpus } from './corpus/claude.mjs';

const require = createRequire(import.meta.url);
const { writeStamp } = require('@relayburn/sdk');
const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    'ingest-mb': { type: 'string', default: '100' },
    'ingest-files': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '3' },
    'interval-ms': { type: 'string', default: '5' },
    'no-ingest': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const warmup = 200;

const stamp = (ledgerHome, i) =>
  writeStamp({
    sessionId: `bench-session-${i % 500}`,
    enrichment: { spawner: 'bench', persona: i % 2 ? 'reviewer' : 'author', i: String(i) },
    ledgerHome,
  });

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return {
    count: sorted.length,
    medianMs: q(0.5),
    p95Ms: q(0.95),
    p99Ms: q(0.99),
    maxMs: sorted[sorted.length - 1],
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

const f = (n) => `${n.toFixed(3)} ms`;
const line = (s) =>
  `  median ${f(s.medianMs)}   p95 ${f(s.p95Ms)}   p99 ${f(s.p99Ms)}   max ${f(s.maxMs)}   mean ${f(s.meanMs)}`;

/** Sequential stamps on a fresh ledger. */
async function alone() {
  const ledgerHome = mkdtempSync(join(tmpdir(), 'relayburn-bench-stamp-'));
  try {
    const samples = [];
    for (let i = 0; i < warmup + count; i++) {
      const t0 = process.hrtime.bigint();
      await stamp(ledgerHome, i);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= warmup) samples.push(ms);
    }
    return stats(samples);
  } finally {
    rmSync(ledgerHome, { recursive: true, force: true });
  }
}

/** The generated corpus (reused from bench/.corpus/ when its tally matches). */
function corpus() {
  const opts = {
    mb: Number(values['ingest-mb']),
    files: Number(values['ingest-files']),
    seed: Number(values.seed),
  };
  const dir = defaultCorpusDir(opts);
  const tallyPath = join(dir, 'tally.json');
  if (existsSync(tallyPath)) {
    const t = JSON.parse(readFileSync(tallyPath, 'utf8'));
    if (
      t.generator === `gen-claude-corpus v${GENERATOR_VERSION}` &&
      t.seed === opts.seed &&
      t.targetFiles === opts.files &&
      t.targetBytes === Math.round(opts.mb * 1e6)
    )
      return { dir, tally: t };
  }
  if (!values.json) console.error(`generating ${opts.mb} MB / ${opts.files} files (seed ${opts.seed}) …`);
  return { dir, tally: generateCorpus({ out: dir, ...opts }) };
}

/**
 * Stamps every `--interval-ms` (one at a time) while a child process runs a cold ingest of the
 * corpus into the same ledger; returns the stamp latencies and the ingest's duration.
 */
async function underIngest() {
  const { dir, tally } = corpus();
  const ledgerHome = mkdtempSync(join(tmpdir(), 'relayburn-bench-stamp-ingest-'));
  try {
    // The ledger exists before the ingest starts (as it does for a launcher).
    for (let i = 0; i < 50; i++) await stamp(ledgerHome, i);
    const code = `const { ingest } = require('@relayburn/sdk');
const t0 = Date.now();
ingest({ ledgerHome: process.argv[1], roots: { 'claude-code': [process.argv[2]] }, contentMode: 'off' })
  .then((r) => { console.log(JSON.stringify({ ms: Date.now() - t0, turns: r.turnsAdded, bytes: r.bytesRead })); },
        (e) => { console.error(e.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', code, ledgerHome, dir], {
      cwd: join(here, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    let running = true;
    const exited = new Promise((resolve) =>
      child.on('exit', (status) => {
        running = false;
        resolve(status);
      }),
    );
    const samples = [];
    const interval = Number(values['interval-ms']);
    // Give the child time to load and start its first write window.
    await new Promise((r) => setTimeout(r, 300));
    let i = 1000;
    while (running) {
      const t0 = process.hrtime.bigint();
      await stamp(ledgerHome, i++);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await new Promise((r) => setTimeout(r, interval));
    }
    const status = await exited;
    if (status !== 0) throw new Error(`ingest child exited with ${status}`);
    const ingest = JSON.parse(out.trim().split('\n').pop());
    if (ingest.turns !== tally.turns)
      throw new Error(`ingest added ${ingest.turns} turns, tally says ${tally.turns}`);
    return { ...stats(samples), ingestMs: ingest.ms, ingestBytes: ingest.bytes, intervalMs: interval };
  } finally {
    rmSync(ledgerHome, { recursive: true, force: true });
  }
}

const base = await alone();
const busy = values['no-ingest'] ? undefined : await underIngest();
const result = {
  bench: 'writeStamp',
  ...base,
  ...(busy ? { underIngest: busy } : {}),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `writeStamp × ${count} (after ${warmup} warm-up), fresh WAL ledger, ${result.platform}, node ${result.node}`,
  );
  console.log(line(base));
  console.log(`  target: median ≤ 2 ms → ${base.medianMs <= 2 ? 'met' : 'NOT met'}`);
  if (busy) {
    console.log(
      `writeStamp every ${busy.intervalMs} ms while a cold ingest of ${(busy.ingestBytes / 1e6).toFixed(1)} MB runs in another process (${busy.ingestMs} ms): ${busy.count} stamps`,
    );
    console.log(line(busy));
    console.log(`  target: max ≤ 50 ms → ${busy.maxMs <= 50 ? 'met' : 'NOT met'}`);
  }
}
