#!/usr/bin/env node
// writeStamp latency through the public package (the path a launcher takes), on a fresh
// ledger in a temp dir. Target (DESIGN §11): median ≤ 2 ms.
// Usage: npm run bench:stamp  (builds the release addon first)
//        node bench/write-stamp.mjs [--count N] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { writeStamp } = require('@relayburn/sdk');

const { values } = parseArgs({
  options: { count: { type: 'string', default: '5000' }, json: { type: 'boolean', default: false } },
});
const count = Number(values.count);
const warmup = 200;
const ledgerHome = mkdtempSync(join(tmpdir(), 'relayburn-bench-stamp-'));

try {
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = process.hrtime.bigint();
    await writeStamp({
      sessionId: `bench-session-${i % 500}`,
      enrichment: { spawner: 'bench', persona: i % 2 ? 'reviewer' : 'author', i: String(i) },
      ledgerHome,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= warmup) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  const result = {
    bench: 'writeStamp',
    count,
    medianMs: q(0.5),
    p95Ms: q(0.95),
    p99Ms: q(0.99),
    maxMs: samples[samples.length - 1],
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    const f = (n) => `${n.toFixed(3)} ms`;
    console.log(
      `writeStamp × ${count} (after ${warmup} warm-up), fresh WAL ledger, ${result.platform}, node ${result.node}`,
    );
    console.log(
      `  median ${f(result.medianMs)}   p95 ${f(result.p95Ms)}   p99 ${f(result.p99Ms)}   max ${f(result.maxMs)}   mean ${f(result.meanMs)}`,
    );
    console.log(`  target: median ≤ 2 ms → ${result.medianMs <= 2 ? 'met' : 'NOT met'}`);
  }
} finally {
  rmSync(ledgerHome, { recursive: true, force: true });
}
