// Harnesses whose stores are rewritten whole or updated in place (Amp threads, Cline, Roo Code
// and Kilo Code tasks, Kilo CLI's database), from bench/corpus/rewrite.mjs: per-harness totals
// equal the generator's tally after a first ingest, after the stores are rewritten and ingested
// again, and after a first ingest of the rewritten stores alone; a SIGKILLed pass completes
// exactly on the next run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness, SummaryGroup } from '@relayburn/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { killMidway } from './helpers/ingest-process.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints, esm as sdk } from './helpers/sdk.js';

const HARNESSES = ['amp', 'kilo', 'cline', 'roo-code', 'kilo-code'] as const satisfies readonly Harness[];
type Counts = Record<
  'turns' | 'input' | 'output' | 'reasoning' | 'cacheRead' | 'cacheWrite5m' | 'cacheWrite1h',
  number
>;
interface Tally {
  byHarness: Record<string, Counts>;
  coldByHarness: Record<string, Counts>;
  files: Record<string, number>;
  traps: Record<string, number>;
}

const generator = join(repoRoot, 'bench', 'corpus', 'rewrite.mjs');

function generate(out: string, phase: 1 | 2, scale = 1): Tally {
  const r = spawnSync(
    process.execPath,
    [generator, '--out', out, '--phase', String(phase), '--seed', '7', '--scale', String(scale)],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(join(out, `tally-${phase}.json`), 'utf8')) as Tally;
}

const rootsOf = (out: string) => ({
  amp: [join(out, 'amp')],
  kilo: [join(out, 'kilo')],
  cline: [join(out, 'vscode', 'User')],
  'roo-code': [join(out, 'vscode', 'User')],
  'kilo-code': [join(out, 'vscode', 'User')],
});

const counts = (g: SummaryGroup): Counts => ({
  turns: g.turns,
  input: g.inputTokens,
  output: g.outputTokens,
  reasoning: g.reasoningTokens,
  cacheRead: g.cacheReadTokens,
  cacheWrite5m: g.cacheWrite5mTokens,
  cacheWrite1h: g.cacheWrite1hTokens,
});

async function byHarness(s: typeof sdk, ledgerHome: string) {
  const r = await s.summary({ ledgerHome, groupBy: 'harness' });
  return Object.fromEntries(
    r.groups.filter((g) => (HARNESSES as readonly string[]).includes(g.key)).map((g) => [g.key, counts(g)]),
  );
}

describe('generated corpus of rewritten stores', () => {
  let tally1: Tally;
  beforeAll(() => {
    tally1 = generate(tempHome('rewrite-probe'), 1);
  });

  it('has every trap the counting rules care about', () => {
    for (const h of HARNESSES) expect(tally1.byHarness[h]?.turns).toBeGreaterThan(0);
    for (const [trap, n] of Object.entries(tally1.traps)) expect(n, trap).toBeGreaterThan(0);
  });

  it.each(entryPoints)('ingested, rewritten and ingested again: the tally both times (%s)', async (_n, s) => {
    const out = tempHome('rewrite-corpus');
    const ledgerHome = tempHome();
    const opts = { ledgerHome, harnesses: [...HARNESSES], roots: rootsOf(out) };
    const first = generate(out, 1);
    const r1 = await s.ingest(opts);
    expect(r1.errors).toEqual([]);
    expect(r1.linesSkipped).toBe(0);
    expect(r1.filesScanned).toBe(Object.values(first.files).reduce((a, b) => a + b, 0));
    expect(await byHarness(s, ledgerHome)).toEqual(first.byHarness);
    // Roo Code subtasks hang under their parent task; Kilo CLI child sessions under theirs.
    for (const harness of ['roo-code', 'kilo'] as const) {
      const trees = await s.sessions({ ledgerHome, harness, limit: 1000 });
      expect(
        trees.some((t) => t.descendantCount > 0),
        harness,
      ).toBe(true);
    }
    // Unchanged: nothing read.
    expect(await s.ingest(opts)).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0 });

    const second = generate(out, 2);
    const r2 = await s.ingest(opts);
    expect(r2.errors).toEqual([]);
    expect(r2.turnsUpdated).toBeGreaterThan(0);
    expect(await byHarness(s, ledgerHome)).toEqual(second.byHarness);
    expect(await s.ingest(opts)).toMatchObject({ filesChanged: 0, turnsAdded: 0, turnsUpdated: 0 });

    // The rewritten stores read by a fresh ledger.
    const cold = tempHome();
    await s.ingest({ ...opts, ledgerHome: cold });
    expect(await byHarness(s, cold)).toEqual(second.coldByHarness);
  });

  it('reported costs are kept for Cline-family requests', async () => {
    const out = tempHome('rewrite-cost');
    const ledgerHome = tempHome();
    generate(out, 1);
    await sdk.ingest({ ledgerHome, harnesses: ['cline'], roots: rootsOf(out) });
    const list = await sdk.sessions({ ledgerHome, harness: 'cline', flat: true, limit: 1 });
    expect(list.length).toBe(1);
    const detail = await sdk.session({ ledgerHome, sessionId: list[0]?.sessionId ?? '' });
    expect(detail?.turns.some((t) => (t.reportedCostUsd ?? 0) > 0)).toBe(true);
  });
});

describe('rewritten stores: ingest killed midway', () => {
  const out = tempHome('rewrite-crash');
  let tally: Tally;
  beforeAll(() => {
    // Big enough that Kilo's database is read in more than one chunk (256 messages).
    tally = generate(out, 1, 12);
  });

  it.each([
    ['amp', 'amp', 0.5],
    ['cline', join('vscode', 'User'), 0.5],
    ['roo-code', join('vscode', 'User'), 0.5],
    // A database's bytes read are its rows' documents, well under its file size.
    ['kilo', 'kilo', 0.2],
  ] as const)('%s: the next pass ends at the uninterrupted totals', async (harness, rel, at) => {
    const ledgerHome = tempHome();
    const root = join(out, rel);
    const exit = await killMidway(ledgerHome, root, harness, at);
    expect(exit.signal).toBe('SIGKILL');
    const partial = (await byHarness(sdk, ledgerHome))[harness]?.turns ?? 0;
    expect(partial).toBeLessThan(tally.byHarness[harness]?.turns ?? 0);
    const report = await sdk.ingest({ ledgerHome, harnesses: [harness], roots: { [harness]: [root] } });
    expect(report.errors).toEqual([]);
    expect((await byHarness(sdk, ledgerHome))[harness]).toEqual(tally.byHarness[harness]);
  });
});

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('watch on rewritten stores', () => {
  it('a task rewritten in place is read again and re-plans only its harness', async () => {
    const ledgerHome = tempHome();
    const user = tempHome('vscode-user');
    const ampRoot = tempHome('amp');
    mkdirSync(join(ampRoot, 'threads'), { recursive: true });
    writeFileSync(join(ampRoot, 'threads', 'T-1.json'), JSON.stringify({ id: 'T-1', messages: [] }));
    const task = join(user, 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', '1767225600000');
    mkdirSync(task, { recursive: true });
    const request = (ts: number, tokensOut: number) => ({
      ts,
      type: 'say',
      say: 'api_req_started',
      text: JSON.stringify({
        request: 'x',
        tokensIn: 3,
        tokensOut,
        cacheWrites: 100,
        cacheReads: 0,
        cost: 0.01,
      }),
    });
    writeFileSync(join(task, 'ui_messages.json'), JSON.stringify([request(1767225601000, 10)]));
    const reports: Array<{ filesScanned: number; turnsAdded: number; turnsUpdated: number }> = [];
    const ac = new AbortController();
    const done = sdk.watch({
      harnesses: ['cline', 'amp'],
      roots: { cline: [user], amp: [ampRoot] },
      ledgerHome,
      signal: ac.signal,
      onReport: (r) => reports.push(r),
    });
    await until(async () => reports.length === 1);
    expect(reports[0]).toMatchObject({ filesScanned: 2, turnsAdded: 1 });
    // The extension rewrites the file: the request's final usage and a new request.
    writeFileSync(
      join(task, 'ui_messages.json'),
      JSON.stringify([request(1767225601000, 50), request(1767225602000, 7)]),
    );
    await until(async () => reports.reduce((a, r) => a + r.turnsAdded, 0) === 2);
    ac.abort();
    await done;
    // The pass that read the rewrite planned the Cline tasks only (not the Amp thread).
    expect(reports.slice(1).find((r) => r.turnsAdded > 0)?.filesScanned).toBe(1);
    const { totals } = await sdk.summary({ ledgerHome, harness: 'cline' });
    expect(totals).toMatchObject({ turns: 2, outputTokens: 57, cacheWrite5mTokens: 200 });
  });
});
