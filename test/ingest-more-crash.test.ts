// Copilot CLI, Kimi and Grok ingests killed with SIGKILL midway: the next pass ends with exactly
// the totals of an uninterrupted one (the logs from bench/corpus/copilot-kimi-grok.mjs, with their traps).
import { join } from 'node:path';
import type { Harness } from '@relayburn/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { ingestChild, killMidway } from './helpers/ingest-process.js';
import { generateMore, type MoreTally } from './helpers/more-corpus.js';
import { esm as sdk } from './helpers/sdk.js';

const dirs: Record<string, string> = { 'copilot-cli': 'copilot', 'kimi-cli': 'kimi', grok: 'grok' };

async function sums(ledgerHome: string, harness: Harness) {
  const s = await sdk.summary({ ledgerHome, harness, groupBy: 'session' });
  const t = s.totals;
  return {
    totals: {
      turns: t.turns,
      input: t.inputTokens,
      output: t.outputTokens,
      reasoning: t.reasoningTokens,
      cacheRead: t.cacheReadTokens,
      cacheWrite5m: t.cacheWrite5mTokens,
      cacheWrite1h: t.cacheWrite1hTokens,
    },
    bySession: Object.fromEntries(s.groups.map((g) => [g.key, g.turns])),
  };
}

describe.each(['copilot-cli', 'kimi-cli', 'grok'] as const)('%s ingest killed midway', (harness) => {
  let out: string;
  let more: MoreTally;

  beforeAll(async () => {
    out = tempHome('more-crash');
    more = await generateMore(out, 11, 120);
  });

  it('the re-run ends with the uninterrupted totals', async () => {
    const root = join(out, dirs[harness] ?? harness);
    const reference = tempHome('more-crash-ref');
    expect(await ingestChild(reference, root, harness).done).toMatchObject({ code: 0, stderr: '' });
    const want = await sums(reference, harness);
    expect(want.totals).toEqual(more.byHarness[harness]);

    const ledgerHome = tempHome('more-crash-kill');
    expect((await killMidway(ledgerHome, root, harness, 0.5)).signal).toBe('SIGKILL');
    const partial = (await sdk.summary({ ledgerHome, harness })).totals.turns;
    expect(partial).toBeLessThan(want.totals.turns ?? 0);

    const report = await sdk.ingest({ roots: { [harness]: [root] }, ledgerHome });
    expect(report.errors).toEqual([]);
    expect(await sums(ledgerHome, harness)).toEqual(want);
    const again = await sdk.ingest({ roots: { [harness]: [root] }, ledgerHome });
    expect(again).toMatchObject({ turnsAdded: 0, bytesRead: 0 });
  }, 120_000);
});
