// No-change sweeps in one process through the package: `ingest()` of one Claude Code store
// again and again, wall and process CPU per call (`process.cpuUsage()`, all threads), median
// of the calls after the first (the first call's own time is printed too: it reads the
// ledger and, on Linux, sets the change queue's watches). The store must already be ingested
// into the ledger.
// Usage: node bench/sweep-bench.mjs <ledger home> <claude root> [calls = 21]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sdk = require('@relayburn/sdk');
const [ledgerHome, root, calls = '21'] = process.argv.slice(2);
if (!ledgerHome || !root)
  throw new Error('usage: node bench/sweep-bench.mjs <ledger home> <claude root> [calls]');
const options = {
  roots: { 'claude-code': [root] },
  harnesses: ['claude-code'],
  contentMode: 'off',
  ledgerHome,
};
const wall = [];
const cpu = [];
let first = null;
for (let i = 0; i < Number(calls); i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const report = await sdk.ingest(options);
  const c = process.cpuUsage(c0);
  if (i === 0) {
    first = { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
    continue;
  }
  if (report.filesChanged !== 0) throw new Error(`call ${i} changed ${report.filesChanged} files`);
  wall.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1].toFixed(1);
console.log(`first call: ${first.wall.toFixed(1)} ms, CPU ${first.cpu.toFixed(1)} ms`);
console.log(`median of calls 1..: ${median(wall)} ms, CPU ${median(cpu)} ms`);
