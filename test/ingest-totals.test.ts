// The harnesses that keep session totals (Factory Droid, Goose, Crush) through the public
// package: a generated corpus (bench/corpus/totals.mjs, whose fixtures follow each
// harness's own source, cited there and in the core's scenario tests) ingests to its tally,
// is updated in place as the harnesses do and ingests to the new tally (replaced, never
// added), and an ingest killed midway ends, once re-run, exactly where an uninterrupted one
// does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_HARNESSES } from './helpers/harnesses.js';
import { tempHome } from './helpers/home.js';
import { killMidway } from './helpers/ingest-process.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints, type Sdk, esm as sdk } from './helpers/sdk.js';

const HARNESSES = ['droid', 'goose', 'crush'] as const;

interface Counts {
  turns: number;
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
  sessions: number;
}

interface Tally {
  byHarness: Record<(typeof HARNESSES)[number], Counts>;
  /** Crush counts by the cost it wrote (its sessions carry no tokens). */
  costUsd: { crush: number };
}

function generate(out: string, sessions: number, seed: number, update = false): Tally {
  const args = [
    join(repoRoot, 'bench', 'corpus', 'totals.mjs'),
    '--out',
    out,
    '--sessions',
    String(sessions),
  ];
  args.push('--seed', String(seed), '--quiet', ...(update ? ['--update'] : []));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(join(out, 'tally.json'), 'utf8')) as Tally;
}

const roots = (corpus: string) => ({
  droid: [join(corpus, 'droid')],
  goose: [join(corpus, 'goose')],
  crush: [join(corpus, 'crush')],
});

async function measured(s: Sdk, ledgerHome: string): Promise<Record<string, Counts>> {
  const byHarness = await s.summary({ ledgerHome, groupBy: 'harness' });
  const status = await s.status({ ledgerHome });
  const sessions = Object.fromEntries(status.harnesses.map((h) => [h.harness, h.sessions]));
  return Object.fromEntries(
    byHarness.groups.map((g) => [
      g.key,
      {
        turns: g.turns,
        input: g.inputTokens,
        output: g.outputTokens,
        reasoning: g.reasoningTokens,
        cacheRead: g.cacheReadTokens,
        cacheWrite: g.cacheWrite5mTokens + g.cacheWrite1hTokens,
        sessions: sessions[g.key] ?? 0,
      },
    ]),
  );
}

describe.each(entryPoints)('session-total harnesses (%s)', (_name, s) => {
  it('a generated corpus ingests to its tally, and again after it is updated in place', async () => {
    const corpus = tempHome('totals-corpus');
    const ledgerHome = tempHome();
    const first = generate(corpus, 45, 3);
    const report = await s.ingest({ roots: roots(corpus), harnesses: [...HARNESSES], ledgerHome });
    expect(report.errors).toEqual([]);
    expect(report.linesSkipped).toBe(0);
    expect(await measured(s, ledgerHome)).toEqual(first.byHarness);
    const crushCost = async () => (await s.summary({ ledgerHome, harness: 'crush' })).totals.costUsd;
    expect(await crushCost()).toBeCloseTo(first.costUsd.crush, 6);

    const second = generate(corpus, 45, 3, true);
    expect(second.byHarness.droid.input).toBeGreaterThan(first.byHarness.droid.input);
    const again = await s.ingest({ roots: roots(corpus), harnesses: [...HARNESSES], ledgerHome });
    expect(again.errors).toEqual([]);
    expect(again.turnsUpdated).toBeGreaterThan(0);
    expect(await measured(s, ledgerHome)).toEqual(second.byHarness);
    expect(await crushCost()).toBeCloseTo(second.costUsd.crush, 6);

    // Unchanged stores cost a stat each: nothing is read.
    const idle = await s.ingest({ roots: roots(corpus), harnesses: [...HARNESSES], ledgerHome });
    expect(idle).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0, turnsUpdated: 0 });

    // A rebuild re-derives the same totals.
    await s.rebuildState({ roots: roots(corpus), harnesses: [...HARNESSES], ledgerHome });
    expect(await measured(s, ledgerHome)).toEqual(second.byHarness);
  });

  it('status and the harness filter name the keys', async () => {
    const ledgerHome = tempHome();
    // Every harness is listed, in order, with zeros until it has sessions.
    expect((await s.status({ ledgerHome })).harnesses).toEqual(
      ALL_HARNESSES.map((harness) => ({ harness, sessions: 0, turns: 0 })),
    );
    for (const harness of HARNESSES) {
      expect((await s.summary({ ledgerHome, harness })).totals.turns).toBe(0);
    }
    const corpus = tempHome('totals-status');
    const tally = generate(corpus, 6, 7);
    await s.ingest({ roots: roots(corpus), harnesses: [...HARNESSES], ledgerHome });
    const { harnesses } = await s.status({ ledgerHome });
    expect(harnesses.map((h) => h.harness)).toEqual([...ALL_HARNESSES]);
    for (const h of harnesses) {
      const key = h.harness as (typeof HARNESSES)[number];
      const want = (HARNESSES as readonly string[]).includes(key)
        ? tally.byHarness[key]
        : { sessions: 0, turns: 0 };
      expect([h.harness, h.sessions, h.turns]).toEqual([h.harness, want.sessions, want.turns]);
    }
    await expect(s.ingest({ ledgerHome, harnesses: ['gooose' as 'goose'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('Droid ingest killed midway', () => {
  it('re-run ends exact: no session total lost, none doubled', async () => {
    const corpus = tempHome('totals-crash');
    const tally = generate(corpus, 240, 5);
    const ledgerHome = tempHome('totals-crash-home');
    expect((await killMidway(ledgerHome, join(corpus, 'droid'), 'droid', 0.5)).signal).toBe('SIGKILL');
    const partial = await measured(sdk, ledgerHome);
    expect(partial.droid?.turns ?? 0).toBeLessThan(tally.byHarness.droid.turns);

    const report = await sdk.ingest({
      roots: { droid: [join(corpus, 'droid')] },
      harnesses: ['droid'],
      ledgerHome,
    });
    expect(report.errors).toEqual([]);
    expect((await measured(sdk, ledgerHome)).droid).toEqual(tally.byHarness.droid);
  }, 120_000);
});

describe('watch', () => {
  it('a rewritten Droid total is replaced on its filesystem event, before any fallback sweep', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('droid-watch');
    mkdirSync(join(root, '-work-w'));
    const settings = join(root, '-work-w', 'w1.settings.json');
    const write = (input: number) =>
      writeFileSync(
        settings,
        JSON.stringify({ model: 'claude-sonnet-4-5', tokenUsage: { inputTokens: input, outputTokens: 1 } }),
      );
    write(100);
    const input = async () => (await sdk.summary({ ledgerHome, harness: 'droid' })).totals.inputTokens;
    const ac = new AbortController();
    const done = sdk.watch({ roots: { droid: [root] }, harnesses: ['droid'], ledgerHome, signal: ac.signal });
    const until = async (want: number, ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end && (await input()) !== want) await new Promise((r) => setTimeout(r, 25));
      return input();
    };
    expect(await until(100, 15_000)).toBe(100);
    write(250);
    // The fallback sweep runs every 5 s: within 3 s only the event can have done it.
    expect(await until(250, 3_000)).toBe(250);
    ac.abort();
    await done;
  });
});
