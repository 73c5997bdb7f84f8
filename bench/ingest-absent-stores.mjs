#!/usr/bin/env node
// A no-change ingest on a machine without Copilot CLI, Kimi or Grok stores: every harness (the
// default) against only Claude Code, Codex and OpenCode, alternating in one process, on a mixed
// corpus (bench/corpus/mixed.mjs; HOME points at an empty directory, so the newer harnesses'
// default homes do not exist). Prints median / p90 wall time, the core's own duration, and the
// median of the paired differences.
//
// Usage: node bench/ingest-absent-stores.mjs <mixed corpus dir> [runs per side, default 200]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sdk = await import('@relayburn/sdk');
const corpus = process.argv[2];
if (!corpus) {
  console.error('usage: node bench/ingest-absent-stores.mjs <mixed corpus dir> [runs]');
  process.exit(2);
}
process.env.HOME = mkdtempSync(join(tmpdir(), 'empty-home-'));
for (const v of ['COPILOT_HOME', 'KIMI_SHARE_DIR', 'KIMI_CODE_HOME', 'GROK_HOME']) delete process.env[v];
const ledgerHome = mkdtempSync(join(tmpdir(), 'absent-stores-'));
const roots = {
  'claude-code': [join(corpus, 'claude')],
  codex: [join(corpus, 'codex')],
  opencode: [join(corpus, 'opencode')],
};
const first = await sdk.ingest({ roots, ledgerHome });
const older = ['claude-code', 'codex', 'opencode'];
const wall = { all: [], older: [] };
const core = { all: [], older: [] };
for (let i = 0; i < Number(process.argv[3] ?? 200); i++) {
  const order = i % 2 ? ['all', 'older'] : ['older', 'all'];
  for (const side of order) {
    const t = performance.now();
    const r = await sdk.ingest({ roots, ledgerHome, ...(side === 'older' ? { harnesses: older } : {}) });
    wall[side].push(performance.now() - t);
    core[side].push(r.durationMs);
    if (r.filesChanged !== 0) throw new Error('a file changed during the run');
  }
}
const at = (a, q) => [...a].sort((x, y) => x - y)[Math.floor(a.length * q)];
const ms = (v) => Number(v.toFixed(2));
console.log(
  JSON.stringify({
    files: first.filesScanned,
    runs: wall.all.length,
    allHarnesses: {
      medianMs: ms(at(wall.all, 0.5)),
      p90Ms: ms(at(wall.all, 0.9)),
      coreMedianMs: at(core.all, 0.5),
    },
    olderThree: {
      medianMs: ms(at(wall.older, 0.5)),
      p90Ms: ms(at(wall.older, 0.9)),
      coreMedianMs: at(core.older, 0.5),
    },
    pairedDiffMedianMs: ms(
      at(
        wall.all.map((a, i) => a - wall.older[i]),
        0.5,
      ),
    ),
  }),
);
