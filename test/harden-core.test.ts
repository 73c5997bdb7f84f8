// Hardening of the core and SDK (issue 23): user callbacks that throw, file modes, foreign or
// damaged ledgers, non-regular input files. Real files in temp homes, through the public package.
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { entryPoints } from './helpers/sdk.js';

function storeWithOneTurn(): string {
  const store = claudeStore();
  store.write('s1', assistant({ session: 's1', msg: 'm1', req: 'r1', usage: { output: 5 } }));
  return store.root;
}

describe.each(entryPoints)('callbacks that throw, via %s', (_name, sdk) => {
  it('ingest: an onProgress that throws rejects the promise with that error (host survives)', async () => {
    const ledgerHome = tempHome();
    const root = storeWithOneTurn();
    const boom = new Error('progress boom');
    await expect(
      sdk.ingest({
        ledgerHome,
        roots: { 'claude-code': [root] },
        onProgress: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  }, 10_000);

  it('rebuildState: an onProgress that throws rejects with that error', async () => {
    const ledgerHome = tempHome();
    const root = storeWithOneTurn();
    const boom = new Error('rebuild boom');
    await expect(
      sdk.rebuildState({
        ledgerHome,
        roots: { 'claude-code': [root] },
        onProgress: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  }, 10_000);

  it('watch: an onReport that throws stops the watch and rejects with that error', async () => {
    const ledgerHome = tempHome();
    const root = storeWithOneTurn();
    const boom = new Error('report boom');
    let calls = 0;
    await expect(
      sdk.watch({
        ledgerHome,
        roots: { 'claude-code': [root] },
        onReport: () => {
          calls++;
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  }, 10_000);
});
