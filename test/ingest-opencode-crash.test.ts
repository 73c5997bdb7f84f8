import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { killAfterFirstCommit } from './helpers/ingest-process.js';
import { assistant, openCodeDb, session, T0, tree, writeDoc } from './helpers/opencode.js';
import { esm as sdk } from './helpers/sdk.js';

const N = 1200;

/** N messages in a storage tree and N more in a database; returns the true output sum. */
async function corpus(root: string): Promise<number> {
  const p = tree(root);
  let output = 0;
  for (let s = 0; s < 20; s++) writeDoc(p.session(`ses_${s}`), session(`ses_${s}`));
  for (let i = 0; i < N; i++) {
    const ses = `ses_${i % 20}`;
    const id = `msg_f${String(i).padStart(5, '0')}`;
    writeDoc(p.message(ses, id), assistant(id, ses, T0 + i, { input: 1, output: i + 1 }));
    output += i + 1;
  }
  const db = await openCodeDb(join(root, 'opencode.db'));
  db.session('ses_db', T0);
  for (let i = 0; i < N; i++) {
    const id = `msg_d${String(i).padStart(5, '0')}`;
    db.message(assistant(id, 'ses_db', T0 + i, { input: 1, output: 2 * i + 1 }), T0 + i);
    output += 2 * i + 1;
  }
  db.save();
  return output;
}

describe('OpenCode ingest killed midway', () => {
  it('re-run ends exact: no turn lost, none doubled', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    const output = await corpus(root);
    await killAfterFirstCommit(ledgerHome, root, 'opencode');
    const partial = (await sdk.summary({ ledgerHome })).totals.turns;
    expect(partial).toBeLessThanOrEqual(2 * N);

    const rerun = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(rerun.turnsAdded).toBe(2 * N - partial);
    const { totals } = await sdk.summary({ ledgerHome });
    expect(totals).toMatchObject({ turns: 2 * N, inputTokens: 2 * N, outputTokens: output });
    expect((await sdk.ingest({ roots: { opencode: [root] }, ledgerHome })).turnsAdded).toBe(0);
  }, 120_000);
});
