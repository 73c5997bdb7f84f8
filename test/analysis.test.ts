// Analyses (hotspots, overhead, compare) through both public entry points and the CLI, on a
// real Claude Code transcript in a temp store. Expectations by hand from the attribution model
// (ARCHITECTURE.md, "Analyses") and the price table: claude-sonnet-4-5 costs $3 per million
// input tokens, $3.75 per million 5-minute cache writes, $0.30 per million cache reads.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { entryPoints, esm } from './helpers/sdk.js';

const N = 3; // turns after the one that first reads the result
const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, s)).toISOString();

function result(session: string, uuid: string, toolUseId: string, body: string, ts: string): string {
  return `${JSON.stringify({
    type: 'user',
    sessionId: session,
    timestamp: ts,
    uuid,
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: body }] },
  })}\n`;
}

/** A Read of a 40 KB file, the turn that pays for it, then N turns re-reading it from cache. */
async function ledger(): Promise<string> {
  const ledgerHome = tempHome();
  const store = claudeStore();
  const rows = [
    assistant({
      session: 'S',
      msg: 'm0',
      req: 'r0',
      ts: at(0),
      stop: 'tool_use',
      usage: { input: 100, output: 50, cache5m: 2_000 },
      content: [{ type: 'tool_use', id: 'tu1', name: 'Read', input: { file_path: '/work/app/big.ts' } }],
    }),
    result('S', 'u1', 'tu1', 'x'.repeat(40_000), at(1)),
    assistant({
      session: 'S',
      msg: 'm1',
      req: 'r1',
      ts: at(2),
      usage: { input: 500, output: 100, cacheRead: 2_000, cache5m: 12_000 },
    }),
    ...Array.from({ length: N }, (_, k) =>
      assistant({
        session: 'S',
        msg: `m${k + 2}`,
        req: `r${k + 2}`,
        ts: at(3 + k),
        usage: { input: 10, output: 20, cacheRead: 14_000 },
      }),
    ),
  ];
  store.write('S', ...rows);
  await esm.ingest({ ledgerHome, roots: { 'claude-code': [store.root] }, harnesses: ['claude-code'] });
  return ledgerHome;
}

const freshRate = (500 * 3 + 12_000 * 3.75) / 12_500 / 1e6;
const expectedCost = 10_000 * freshRate + 10_000 * N * (0.3 / 1e6);

describe.each(entryPoints)('analyses via %s', (_name, sdk) => {
  it('hotspots: a 40 KB Read is paid new once, then as cache reads by each later turn', async () => {
    const ledgerHome = await ledger();
    const h = await sdk.hotspots({ ledgerHome });
    expect(h.by).toBe('tool');
    expect(h.rows).toHaveLength(1);
    const r = h.rows[0];
    expect(r).toMatchObject({
      key: 'Read',
      calls: 1,
      resultBytes: 40_000,
      freshTokens: 10_000,
      cacheReadTokens: 10_000 * N,
      tokens: 10_000 * (N + 1),
    });
    expect(r?.costUsd).toBeCloseTo(expectedCost, 9);
    const s = await sdk.summary({ ledgerHome });
    expect(h.totals).toEqual(s.totals);
    expect(h.attributedTokens).toBeLessThanOrEqual(s.totals.totalTokens);
    expect(h.attributedCostUsd).toBeLessThanOrEqual(s.totals.costUsd);
    const f = await sdk.hotspots({ ledgerHome, by: 'file' });
    expect(f.rows.map((x) => [x.key, x.tokens])).toEqual([['/work/app/big.ts', 10_000 * (N + 1)]]);
    expect((await sdk.hotspots({ ledgerHome, by: 'command' })).rows).toEqual([]);
    // A window after the paying turn: only the cache reads are in it.
    const late = await sdk.hotspots({ ledgerHome, since: at(3) });
    expect(late.rows[0]).toMatchObject({ calls: 0, freshTokens: 0, cacheReadTokens: 10_000 * N });
  });

  it('overhead and compare agree with summary', async () => {
    const ledgerHome = await ledger();
    const s = await sdk.summary({ ledgerHome });
    const o = await sdk.overhead({ ledgerHome });
    expect(o.window).toEqual(s.totals);
    expect(o.sessions).toHaveLength(1);
    const row = o.sessions[0];
    expect(row).toMatchObject({ harness: 'claude-code', sessionId: 'S', turns: N + 2 });
    expect(row?.cacheReadTokens).toBe(2_000 + 14_000 * N);
    expect(row?.cacheReadCostUsd).toBeCloseTo(((2_000 + 14_000 * N) * 0.3) / 1e6, 9);
    expect((row?.cacheReadCostUsd ?? 0) + (row?.newCostUsd ?? 0)).toBeCloseTo(s.totals.costUsd, 9);
    // The last turn's writes: none; the first turn's 2,000 were read by the next (2 s later).
    expect(row?.unreadCacheWriteTokens).toBe(0);
    const c = await sdk.compare({ ledgerHome, models: ['claude-sonnet-4-5', 'gpt-5'] });
    expect(c.rows.map((x) => x.model)).toEqual(['claude-sonnet-4-5', 'gpt-5']);
    expect(c.rows[0]).toMatchObject({ turns: N + 2, toolCalls: 1, costUsd: s.totals.costUsd });
    expect(c.rows[0]?.costPerTurn).toBeCloseTo(s.totals.costUsd / (N + 2), 9);
    expect(c.rows[1]?.turns).toBe(0);
    expect(c.rows[1]?.costPerTurn).toBeUndefined();
  });

  it('validates every option, naming the field', async () => {
    const ledgerHome = join(tempHome(), 'never-created');
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => sdk.hotspots({ ledgerHome, by: 'files' as never }), 'by'],
      [() => sdk.hotspots({ ledgerHome, limit: 0 }), 'limit'],
      [() => sdk.hotspots({ ledgerHome, limit: 1.5 }), 'limit'],
      [() => sdk.hotspots({ ledgerHome, limit: 10_001 }), 'limit'],
      [() => sdk.hotspots({ ledgerHome, limit: '5' as never }), 'limit'],
      [() => sdk.hotspots({ ledgerHome, since: 'soon' }), 'since'],
      [() => sdk.hotspots({ ledgerHome, descendants: false }), 'descendants'],
      [() => sdk.hotspots({ ledgerHome, tags: { k: 1 as never } }), 'tags.k'],
      [() => sdk.hotspots({ ledgerHome, bogus: 1 } as never), 'bogus'],
      [() => sdk.overhead({ ledgerHome, limit: -1 }), 'limit'],
      [() => sdk.overhead({ ledgerHome, harness: 'cursor' as never }), 'harness'],
      [() => sdk.compare({ ledgerHome, models: [' '] }), 'models.0'],
      [() => sdk.compare({ ledgerHome, models: Array.from({ length: 51 }, (_, i) => `m${i}`) }), 'models'],
      [() => sdk.compare({ ledgerHome, models: 'x' as never }), 'models'],
      [() => sdk.compare({ ledgerHome, model: 'x' } as never), 'model'],
    ];
    for (const [call, field] of cases) {
      await expect(call(), field).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
    }
  });
});

describe('burn hotspots / overhead / compare', () => {
  it('prints tables, and --json equals the SDK', async () => {
    const ledgerHome = await ledger();
    const t = burn(['hotspots', '--ledger-home', ledgerHome]);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/^TOOL +CALLS +RESULT BYTES/);
    expect(t.stdout).toContain('Read');
    expect(t.stdout).toContain('40,000');
    const j = burn(['hotspots', '--by', 'file', '--json', '--ledger-home', ledgerHome]);
    expect(JSON.parse(j.stdout)).toEqual(await esm.hotspots({ ledgerHome, by: 'file', timezone: 'UTC' }));
    const o = burn(['overhead', '--json', '--ledger-home', ledgerHome]);
    const sdkO = await esm.overhead({ ledgerHome });
    expect(JSON.parse(o.stdout)).toEqual(sdkO);
    expect(burn(['overhead', '--ledger-home', ledgerHome]).stdout).toContain('TOTAL');
    const c = burn(['compare', '--model', 'claude-sonnet-4-5', '--ledger-home', ledgerHome]);
    expect(c.status).toBe(0);
    expect(c.stdout).toContain('claude-sonnet-4-5');
  });

  it('bad flags are usage errors naming the flag', () => {
    const bad = burn(['hotspots', '--by', 'files']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--by: must be one of tool, file, command or subagent');
    expect(burn(['overhead', '--limit', 'x']).status).toBe(2);
    const m = burn(['compare', '--model', ' ']);
    expect(m.status).toBe(2);
    expect(m.stderr).toContain('--model');
  });
});
