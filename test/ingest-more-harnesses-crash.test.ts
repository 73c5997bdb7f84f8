// Gemini CLI, Qwen Code and Pi stores (bench/corpus/gemini-qwen-pi.mjs: re-appended messages,
// checkpoints, rewinds, legacy documents, subagent chats, telemetry rows, branch copies, entry
// trees) ingested by a child SIGKILLed midway: the next pass ends with the uninterrupted totals.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the bench, without types
import { makeRandom } from '../bench/corpus/claude.mjs';
// @ts-expect-error: a plain ES module of the bench, without types
import { generateMoreHarnesses } from '../bench/corpus/gemini-qwen-pi.mjs';
import { tempHome } from './helpers/home.js';
import { killMidway } from './helpers/ingest-process.js';
import { esm as sdk } from './helpers/sdk.js';

const STORES = { 'gemini-cli': 'gemini', 'qwen-code': 'qwen', pi: 'pi' } as const;

describe.each(Object.entries(STORES))('%s ingest killed midway', (harness, dir) => {
  it('the next pass ends with the uninterrupted totals', async () => {
    const out = tempHome('more');
    const tally = {
      calls: 0,
      add(h: string) {
        if (h === harness) this.calls += 1;
      },
    };
    const ms = Date.UTC(2026, 5, 30);
    generateMoreHarnesses({
      out,
      r: makeRandom(11),
      sessions: 240,
      baseMs: ms,
      oldMs: ms + 86_400_000,
      tally,
    });
    const root = join(out, dir);
    const roots = { [harness]: [root] };
    const h = harness as keyof typeof STORES;

    const clean = tempHome('clean');
    await sdk.ingest({ roots, harnesses: [h], ledgerHome: clean });
    const want = (await sdk.summary({ ledgerHome: clean, groupBy: 'session' })).groups;
    expect(want.reduce((n, g) => n + g.turns, 0)).toBe(tally.calls);

    const ledgerHome = tempHome('crash');
    const exit = await killMidway(ledgerHome, root, h, 0.5);
    expect(exit.signal).toBe('SIGKILL');
    const partial = (await sdk.summary({ ledgerHome })).totals.turns;
    expect(partial).toBeLessThan(tally.calls);

    const rerun = await sdk.ingest({ roots, harnesses: [h], ledgerHome });
    expect(rerun.errors).toEqual([]);
    expect(rerun.linesSkipped).toBe(0);
    expect((await sdk.summary({ ledgerHome, groupBy: 'session' })).groups).toEqual(want);
    const again = await sdk.ingest({ roots, harnesses: [h], ledgerHome });
    expect(again).toMatchObject({ turnsAdded: 0, turnsUpdated: 0, bytesRead: 0 });
    // `status` names the harness with its counts.
    expect((await sdk.status({ ledgerHome })).harnesses.filter((c) => c.sessions > 0)).toEqual([
      { harness: h, sessions: want.length, turns: tally.calls },
    ]);
  }, 120_000);
});
