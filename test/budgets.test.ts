// Budgets through both public entry points and the CLI, on real Claude Code transcripts in a
// temp store. Turns are stamped a few seconds before now, so they fall in the current day,
// week and month whatever the date. Costs by hand from the price table: claude-sonnet-4-5 is
// $15 per million output tokens, so 100,000 output tokens cost $1.50.
// (Period boundaries in several zones are tested in the core with a pinned clock:
// crates/relayburn-core/src/budget/tests.rs.)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { entryPoints, esm } from './helpers/sdk.js';

const usd = (outputTokens: number) => (outputTokens / 1e6) * 15;

/** A ledger with session P (100k output) and its subagent (200k), and session Q (300k). */
async function ledgerWithTree(): Promise<{ ledgerHome: string; root: string; parent: string }> {
  const ledgerHome = tempHome();
  const store = claudeStore();
  const ts = new Date(Date.now() - 5_000).toISOString();
  const parent = store.write(
    'P',
    assistant({ session: 'P', msg: 'mp', req: 'rp', usage: { output: 100_000 }, ts }),
  );
  const sub = join(store.dir, 'P', 'subagents');
  mkdirSync(sub, { recursive: true });
  writeFileSync(
    join(sub, 'agent-a1.jsonl'),
    assistant({ session: 'P', msg: 'ms', req: 'rs', usage: { output: 200_000 }, ts }),
  );
  store.write('Q', assistant({ session: 'Q', msg: 'mq', req: 'rq', usage: { output: 300_000 }, ts }));
  await esm.ingest({ ledgerHome, roots: { 'claude-code': [store.root] }, harnesses: ['claude-code'] });
  await esm.writeStamp({ sessionId: 'P', enrichment: { persona: 'reviewer' }, ledgerHome });
  return { ledgerHome, root: store.root, parent };
}

describe.each(entryPoints)('budgets via %s', (_name, sdk) => {
  it('validates every option, naming the field, before touching the disk', async () => {
    const ledgerHome = join(tempHome(), 'never-created');
    const base = { name: 'b', limitUsd: 10, period: 'month' as const, ledgerHome };
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...base, limitUsd: 0 }, 'limitUsd'],
      [{ ...base, limitUsd: -5 }, 'limitUsd'],
      [{ ...base, limitUsd: Number.NaN }, 'limitUsd'],
      [{ ...base, limitUsd: '10' }, 'limitUsd'],
      [{ ...base, limitUsd: 2e12 }, 'limitUsd'],
      [{ ...base, period: 'year' }, 'period'],
      [{ ...base, period: undefined }, 'period'],
      [{ ...base, name: '' }, 'name'],
      [{ ...base, name: '   ' }, 'name'],
      [{ ...base, name: 'a\u0007b' }, 'name'],
      [{ ...base, name: 'n'.repeat(129) }, 'name'],
      [{ ...base, name: 'a\ud800' }, 'name'],
      [{ ...base, warn: 0 }, 'warn'],
      [{ ...base, warn: 1.2 }, 'warn'],
      [{ ...base, harness: 'cursor' }, 'harness'],
      [{ ...base, project: '' }, 'project'],
      [{ ...base, tags: { '': 'x' } }, 'tags'],
      [{ ...base, tags: { k: 1 } }, 'tags.k'],
      [{ ...base, extra: 1 }, 'extra'],
    ];
    for (const [options, field] of bad) {
      await expect(sdk.setBudget(options as never), JSON.stringify(options)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        field,
      });
    }
    await expect(sdk.removeBudget({ name: '', ledgerHome })).rejects.toMatchObject({ field: 'name' });
    await expect(sdk.budgetStatus({ weekStart: 'friday' as never, ledgerHome })).rejects.toMatchObject({
      field: 'weekStart',
    });
    await expect(sdk.budgetStatus({ tags: { ' ': 'v' }, ledgerHome })).rejects.toMatchObject({
      field: 'tags',
    });
    // The core's own check (zod only sees a non-empty string).
    await expect(sdk.budgetStatus({ timezone: 'Mars/Olympus', ledgerHome })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'timezone',
    });
    await expect(sdk.budgets({ ledgerHome: tempHome() })).resolves.toEqual([]);
  });

  it('stores, replaces, lists and removes budgets', async () => {
    const ledgerHome = tempHome();
    const first = await sdk.setBudget({ name: 'reviewers', limitUsd: 200, period: 'month', ledgerHome });
    expect(first).toMatchObject({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      warn: 0.8,
      filter: { tags: {} },
    });
    const second = await sdk.setBudget({
      name: 'reviewers',
      limitUsd: 150,
      period: 'week',
      tags: { persona: 'reviewer' },
      harness: 'claude-code',
      project: '/work/app',
      warn: 0.5,
      ledgerHome,
    });
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    await sdk.setBudget({ name: 'all', limitUsd: 1000, period: 'day', ledgerHome });
    const list = await sdk.budgets({ ledgerHome });
    expect(list.map((b) => b.name)).toEqual(['all', 'reviewers']);
    expect(list[1]).toEqual(second);
    expect(second.filter).toEqual({
      tags: { persona: 'reviewer' },
      harness: 'claude-code',
      project: '/work/app',
    });
    await expect(sdk.removeBudget({ name: 'reviewers', ledgerHome })).resolves.toEqual({ removed: true });
    await expect(sdk.removeBudget({ name: 'reviewers', ledgerHome })).resolves.toEqual({ removed: false });
    expect((await sdk.budgets({ ledgerHome })).map((b) => b.name)).toEqual(['all']);
  });

  it('spends what summary counts over the period, with ok, warn and over states', async () => {
    const { ledgerHome } = await ledgerWithTree();
    await sdk.setBudget({ name: 'roomy', limitUsd: 100, period: 'day', ledgerHome });
    await sdk.setBudget({ name: 'warned', limitUsd: 10, period: 'week', warn: 0.5, ledgerHome });
    await sdk.setBudget({ name: 'tight', limitUsd: 6, period: 'month', ledgerHome });
    const status = await sdk.budgetStatus({ ledgerHome });
    expect(status.map((s) => [s.name, s.state])).toEqual([
      ['roomy', 'ok'],
      ['tight', 'over'],
      ['warned', 'warn'],
    ]);
    const total = usd(600_000); // P, its subagent and Q: $9.00
    for (const s of status) {
      const sum = await sdk.summary({ since: s.periodStart, until: s.periodEnd, ledgerHome });
      expect(s.spentUsd).toBe(sum.totals.costUsd);
      expect(s.spentUsd).toBeCloseTo(total, 9);
      expect(s.fraction).toBeCloseTo(total / s.limitUsd, 9);
      expect(Date.parse(s.periodStart)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(s.periodEnd)).toBeGreaterThan(Date.now());
    }
    const shape = status[0];
    expect(Object.keys(shape ?? {}).sort()).toEqual(
      [
        'name',
        'limitUsd',
        'spentUsd',
        'fraction',
        'period',
        'periodStart',
        'periodEnd',
        'state',
        'warn',
        'filter',
      ].sort(),
    );
  });

  it("answers a launcher's labels with the budgets they would count against", async () => {
    const ledgerHome = tempHome();
    await sdk.setBudget({
      name: 'reviewers',
      limitUsd: 5,
      period: 'day',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    await sdk.setBudget({
      name: 'writers',
      limitUsd: 5,
      period: 'day',
      tags: { persona: 'writer' },
      ledgerHome,
    });
    await sdk.setBudget({ name: 'codex', limitUsd: 5, period: 'day', harness: 'codex', ledgerHome });
    await sdk.setBudget({ name: 'all', limitUsd: 5, period: 'day', ledgerHome });
    const names = async (o: Parameters<typeof sdk.budgetStatus>[0]) =>
      (await sdk.budgetStatus({ ...o, ledgerHome })).map((s) => s.name);
    expect(await names({})).toEqual(['all', 'codex', 'reviewers', 'writers']);
    expect(await names({ tags: { persona: 'reviewer', spawner: 'pear' } })).toEqual([
      'all',
      'codex',
      'reviewers',
    ]);
    expect(await names({ tags: { persona: 'reviewer' }, harness: 'claude-code' })).toEqual([
      'all',
      'reviewers',
    ]);
  });

  it('counts a tag budget as summary counts the tag (stamped session and its tree)', async () => {
    const { ledgerHome } = await ledgerWithTree();
    await sdk.setBudget({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    const [s] = await sdk.budgetStatus({ ledgerHome, tags: { persona: 'reviewer' } });
    const sum = await sdk.summary({
      since: s?.periodStart,
      until: s?.periodEnd,
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    expect(s?.spentUsd).toBe(sum.totals.costUsd);
    // P and its subagent; Q (not stamped) never counts.
    expect(s?.spentUsd).toBeCloseTo(usd(300_000), 9);
  });

  // Tags inherit down session trees at query time: the subagent of the stamped session counts.
  it('tag budgets count subagent turns: P + its subagent = $4.50', async () => {
    const { ledgerHome } = await ledgerWithTree();
    await sdk.setBudget({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    const [s] = await sdk.budgetStatus({ ledgerHome });
    expect(s?.spentUsd).toBeCloseTo(usd(300_000), 9);
  });

  it('travels with the stamps export and survives a rebuild', async () => {
    const { ledgerHome, root } = await ledgerWithTree();
    await sdk.setBudget({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    await sdk.setBudget({ name: 'daily', limitUsd: 5, period: 'day', warn: 0.9, ledgerHome });
    const path = join(tempHome('export'), 'stamps.jsonl');
    await expect(sdk.exportStamps({ path, ledgerHome })).resolves.toMatchObject({ stamps: 1, budgets: 2 });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
    const other = tempHome();
    await expect(sdk.importStamps({ path, ledgerHome: other })).resolves.toEqual({
      imported: 1,
      skipped: 0,
      budgetsImported: 2,
      budgetsSkipped: 0,
    });
    expect(await sdk.budgets({ ledgerHome: other })).toEqual(await sdk.budgets({ ledgerHome }));
    await expect(sdk.importStamps({ path, ledgerHome: other })).resolves.toEqual({
      imported: 0,
      skipped: 1,
      budgetsImported: 0,
      budgetsSkipped: 2,
    });
    const before = await sdk.budgets({ ledgerHome });
    await sdk.rebuildState({ ledgerHome, roots: { 'claude-code': [root] }, harnesses: ['claude-code'] });
    expect(await sdk.budgets({ ledgerHome })).toEqual(before);
  });
});

describe('burn budget', () => {
  it('sets, lists, reports and removes; status exits 3 when a budget is over', async () => {
    const { ledgerHome } = await ledgerWithTree();
    const home = ['--ledger-home', ledgerHome];
    let r = burn([
      'budget',
      'set',
      'reviewers',
      '--limit',
      '200',
      '--period',
      'month',
      '--tag',
      'persona=reviewer',
      ...home,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('$200/mo');
    r = burn(['budget', 'status', ...home]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/reviewers\s+\$\d+\.\d\d\s+\$200\/mo\s+\d+%\s+ok/);
    r = burn(['budget', 'set', 'daily', '--limit', '$5', '--period', 'day', ...home]);
    expect(r.status).toBe(0);
    r = burn(['budget', 'status', '--json', ...home]);
    expect(r.status).toBe(3);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; state: string; spentUsd: number }>;
    expect(rows.map((x) => [x.name, x.state])).toEqual([
      ['daily', 'over'],
      ['reviewers', 'ok'],
    ]);
    expect(rows[0]?.spentUsd).toBe((await esm.budgetStatus({ ledgerHome }))[0]?.spentUsd);
    r = burn(['budget', 'status', '--tag', 'persona=reviewer', '--harness', 'codex', ...home]);
    expect(r.status).toBe(3); // `daily` has no filter: it counts a reviewer session too
    const file = join(tempHome('export'), 'all.jsonl');
    r = burn(['stamps', 'export', '--out', file, ...home]);
    expect(r.stdout).toMatch(/exported\s+1 stamps, 2 budgets/);
    r = burn(['stamps', 'import', file, '--ledger-home', tempHome()]);
    expect(r.stdout).toMatch(/budgets imported\s+2 \(0 unchanged\)/);
    r = burn(['budget', 'list', ...home]);
    expect(r.stdout).toMatch(/daily\s+\$5\/day\s+80%\s+\(all turns\)/);
    r = burn(['budget', 'rm', 'daily', ...home]);
    expect(r.status).toBe(0);
    r = burn(['budget', 'rm', 'daily', ...home]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no budget named 'daily'");
    r = burn(['budget', 'status', ...home]);
    expect(r.status).toBe(0);
  });

  it("uses the user's zone for periods (TZ, --timezone, --utc, --week-start)", async () => {
    const ledgerHome = tempHome();
    await esm.setBudget({ name: 'd', limitUsd: 1, period: 'day', ledgerHome });
    await esm.setBudget({ name: 'w', limitUsd: 1, period: 'week', ledgerHome });
    const starts = (args: string[], env: Record<string, string> = {}) => {
      const r = burn(['budget', 'status', '--json', '--ledger-home', ledgerHome, ...args], env);
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Array<{ periodStart: string }>).map((x) => x.periodStart);
    };
    // Local midnight, as the SDK computes it for the same zone (the core's rule, not redone here).
    const tokyo = await esm.budgetStatus({ ledgerHome, timezone: 'Asia/Tokyo' });
    expect(starts([], { TZ: 'Asia/Tokyo' })).toEqual(tokyo.map((x) => x.periodStart));
    expect(starts(['--timezone', 'Asia/Tokyo'])).toEqual(tokyo.map((x) => x.periodStart));
    expect(tokyo[0]?.periodStart).toMatch(/T15:00:00\.000Z$/); // Tokyo is UTC+9, no DST
    expect(starts(['--utc'], { TZ: 'Asia/Tokyo' })[0]).toMatch(/T00:00:00\.000Z$/);
    const sunday = await esm.budgetStatus({ ledgerHome, timezone: 'UTC', weekStart: 'sunday' });
    expect(starts(['--utc', '--week-start', 'sunday'])).toEqual(sunday.map((x) => x.periodStart));
    expect(new Date(sunday[1]?.periodStart ?? '').getUTCDay()).toBe(0);
    const bad = burn(['budget', 'status', '--ledger-home', ledgerHome], { TZ: 'Mars/Olympus' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('TZ=Mars/Olympus');
  });

  it('refuses bad options with exit 2, naming the flag', async () => {
    const ledgerHome = tempHome();
    const cases: Array<[string[], string]> = [
      [['budget', 'set', 'x', '--limit=0', '--period', 'day'], '--limit: must be a positive number'],
      [['budget', 'set', 'x', '--limit=-3', '--period', 'day'], '--limit: must be a positive number'],
      [
        ['budget', 'set', 'x', '--limit', 'lots', '--period', 'day'],
        "--limit: expected a number of US dollars, got 'lots'",
      ],
      [
        ['budget', 'set', 'x', '--limit', '3', '--period', 'year'],
        '--period: "year" is not a period: use day, week or month',
      ],
      [['budget', 'set', 'x', '--limit', '3'], '--period day|week|month is required'],
      [['budget', 'set', '', '--limit', '3', '--period', 'day'], '<name>: must be a non-empty'],
      [
        ['budget', 'set', 'x', '--limit', '3', '--period', 'day', '--warn', '2'],
        '--warn: must be a fraction',
      ],
      [
        ['budget', 'set', 'x', '--limit', '3', '--period', 'day', '--harness', 'vim'],
        '--harness: unknown harness "vim": expected',
      ],
      [['budget', 'set', '--limit', '3', '--period', 'day'], 'expected one budget name'],
    ];
    for (const [args, message] of cases) {
      const r = burn([...args, '--ledger-home', ledgerHome]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
    await expect(esm.budgets({ ledgerHome })).resolves.toEqual([]);
  });
});
