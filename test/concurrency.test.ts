import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

function runWriter(
  ledgerHome: string,
  writer: number,
  count: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'test', 'helpers', 'write-stamps.cjs'), ledgerHome, String(writer), String(count)],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('concurrent writers', () => {
  it('8 processes × 250 writeStamp into one new ledger: all 2,000 stored, no error', async () => {
    const ledgerHome = tempHome('concurrent');
    const results = await Promise.all(Array.from({ length: 8 }, (_, w) => runWriter(ledgerHome, w, 250)));
    for (const r of results) expect(r).toEqual({ code: 0, stderr: '' });
    const all = await sdk.stamps({ ledgerHome });
    expect(all).toHaveLength(2000);
    expect(new Set(all.map((s) => s.id)).size).toBe(2000);
    expect(new Set(all.map((s) => s.sessionId)).size).toBe(2000);
    // Write sequence is a strict total order.
    expect(new Set(all.map((s) => s.seq)).size).toBe(2000);
    for (let w = 0; w < 8; w++) {
      expect(all.filter((s) => s.enrichment.writer === String(w))).toHaveLength(250);
    }
  });
});
