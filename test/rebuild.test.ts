// rebuildState through both public entry points: re-derives what ingest derived, keeps stamps,
// validates its options, honours abort. (Crash midway: test/ingest-crash.test.ts; CLI:
// test/cli-demo.test.ts.)
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints } from './helpers/sdk.js';

const SAMPLES = join(repoRoot, 'packages', 'cli', 'samples');
const roots = {
  'claude-code': [join(SAMPLES, 'claude')],
  codex: [join(SAMPLES, 'codex')],
  opencode: [join(SAMPLES, 'opencode')],
};

describe.each(entryPoints)('rebuildState via %s', (_name, sdk) => {
  it('deletes the derived rows, reads the logs again, keeps stamps and the same answers', async () => {
    const ledgerHome = tempHome();
    await sdk.ingest({ roots, ledgerHome });
    await sdk.writeStamp({
      ledgerHome,
      sessionId: '019a7c2e-5b1d-7f40-a8c3-6e2b9d1f4a70',
      enrichment: { persona: 'implementer' },
    });
    const before = await sdk.summary({ ledgerHome, groupBy: 'tag:persona' });
    const sessionsBefore = await sdk.sessions({ ledgerHome });
    const fp = await sdk.fingerprint({ ledgerHome });

    const progress: number[] = [];
    const report = await sdk.rebuildState({
      roots,
      ledgerHome,
      onProgress: (p) => progress.push(p.bytesRead),
    });
    // 8 cursors: 2 Claude transcripts, 1 Codex rollout, 5 OpenCode documents.
    expect(report.removed).toMatchObject({ turns: 12, compactions: 0, sessions: 4, cursors: 8 });
    expect(report.ingest).toMatchObject({
      turnsAdded: 12,
      sessionsAdded: 4,
      userTurnsAdded: report.removed.userTurns,
      errors: [],
    });
    expect(report.ingest).not.toHaveProperty('cancelled');
    expect(await sdk.summary({ ledgerHome, groupBy: 'tag:persona' })).toEqual(before);
    expect(await sdk.sessions({ ledgerHome })).toEqual(sessionsBefore);
    expect(await sdk.stamps({ ledgerHome })).toHaveLength(1);
    expect(await sdk.fingerprint({ ledgerHome })).not.toBe(fp);
  });

  it('only the named harnesses are reset and re-read', async () => {
    const ledgerHome = tempHome();
    await sdk.ingest({ roots, ledgerHome });
    const report = await sdk.rebuildState({ roots, ledgerHome, harnesses: ['codex'] });
    expect(report.removed.turns).toBe(3);
    expect(report.ingest.turnsAdded).toBe(3);
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(12);
  });

  it('refuses a sessionFile and unknown options before touching the ledger', async () => {
    const ledgerHome = tempHome();
    await sdk.ingest({ roots, ledgerHome });
    await expect(
      sdk.rebuildState({ ledgerHome, sessionFile: 'x.jsonl' } as Parameters<typeof sdk.rebuildState>[0]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'sessionFile' });
    await expect(sdk.rebuildState({ ledgerHome, harnesses: ['cursor' as 'codex'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'harnesses',
    });
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(12);
  });

  it('an already-aborted signal rejects without resetting anything', async () => {
    const ledgerHome = tempHome();
    await sdk.ingest({ roots, ledgerHome });
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(sdk.rebuildState({ roots, ledgerHome, signal: ac.signal })).rejects.toThrow('stop');
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(12);
  });
});
