// The CLI's days are the user's: `--by day/week/month` and `--since/--until` dates follow the
// local zone (TZ, else the system's), `--timezone`/`--utc` override; the SDK stays in UTC
// whatever TZ says. Turns sit on both sides of the nights the clocks change in Paris
// (2026-10-25 01:00Z) and Los Angeles (2026-11-01 09:00Z); each turn's input is a distinct
// power of two, so a group's input names exactly the turns in it. Splits computed by hand.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { sdkDir } from './helpers/paths.js';
import { esm } from './helpers/sdk.js';

const TURNS: Array<[string, string, number]> = [
  ['t1', '2026-10-24T21:30:00.000Z', 1], // Paris 10-24 23:30 CEST; LA 10-24 14:30 PDT
  ['t2', '2026-10-24T22:30:00.000Z', 2], // Paris 10-25 00:30 CEST; LA 10-24
  ['t3', '2026-10-25T22:30:00.000Z', 4], // Paris 10-25 23:30 CET (a 25-hour day); LA 10-25
  ['t4', '2026-10-25T23:30:00.000Z', 8], // Paris Monday 10-26 00:30 CET; UTC and LA Sunday 10-25
  ['t5', '2026-11-01T06:30:00.000Z', 16], // LA Saturday 10-31 23:30 PDT; Paris 11-01
  ['t6', '2026-11-01T07:30:00.000Z', 32], // LA 11-01 00:30 PDT
  ['t7', '2026-11-02T07:30:00.000Z', 64], // LA 11-01 23:30 PST (a 25-hour day); Paris 11-02
  ['t8', '2026-11-02T08:30:00.000Z', 128], // LA Monday 11-02 00:30 PST
];

const PARIS = { TZ: 'Europe/Paris' };
const LA = { TZ: 'America/Los_Angeles' };

let ledgerHome: string;

beforeAll(async () => {
  ledgerHome = tempHome();
  const store = claudeStore();
  for (const [id, ts, input] of TURNS) {
    store.write(
      `sess-${id}`,
      assistant({ session: `sess-${id}`, msg: id, req: `req-${id}`, ts, usage: { input, output: 0 } }),
    );
  }
  const report = await esm.ingest({ ledgerHome, roots: { 'claude-code': [store.root] } });
  expect(report.turnsAdded).toBe(TURNS.length);
});

interface Out {
  timezone: string;
  totals: { inputTokens: number };
  groups: Array<{ key: string; inputTokens: number }>;
}

function json(args: string[], env: Record<string, string | undefined>): Out {
  const r = burn([...args, '--json', '--ledger-home', ledgerHome], env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

const split = (by: string, env: Record<string, string | undefined>, ...more: string[]) => {
  const out = json(['summary', '--by', by, ...more], env);
  return Object.fromEntries(out.groups.map((g) => [g.key, g.inputTokens]));
};

describe('burn summary groups by the local time zone', () => {
  it('days, weeks and months in UTC', () => {
    expect(split('day', { TZ: 'UTC' })).toEqual({
      '2026-10-24': 3,
      '2026-10-25': 12,
      '2026-11-01': 48,
      '2026-11-02': 192,
    });
    expect(split('week', { TZ: 'UTC' })).toEqual({ '2026-W43': 15, '2026-W44': 48, '2026-W45': 192 });
    expect(split('month', { TZ: 'UTC' })).toEqual({ '2026-10': 15, '2026-11': 240 });
  });

  it('days, weeks and months in Paris (TZ), across the end of summer time', () => {
    expect(split('day', PARIS)).toEqual({
      '2026-10-24': 1,
      '2026-10-25': 6,
      '2026-10-26': 8,
      '2026-11-01': 48,
      '2026-11-02': 192,
    });
    expect(split('week', PARIS)).toEqual({ '2026-W43': 7, '2026-W44': 56, '2026-W45': 192 });
    expect(split('month', PARIS)).toEqual({ '2026-10': 15, '2026-11': 240 });
    expect(json(['summary', '--by', 'day'], PARIS).timezone).toBe('Europe/Paris');
  });

  it('days, weeks (Monday or Sunday) and months in Los Angeles, across the end of summer time', () => {
    expect(split('day', LA)).toEqual({
      '2026-10-24': 3,
      '2026-10-25': 12,
      '2026-10-31': 16,
      '2026-11-01': 96,
      '2026-11-02': 128,
    });
    expect(split('week', LA)).toEqual({ '2026-W43': 15, '2026-W44': 112, '2026-W45': 128 });
    // Sunday weeks are keyed by their Sunday.
    expect(split('week', LA, '--week-start', 'sunday')).toEqual({
      '2026-10-18': 3,
      '2026-10-25': 28,
      '2026-11-01': 224,
    });
    expect(split('month', LA)).toEqual({ '2026-10': 31, '2026-11': 224 });
  });

  it('--timezone overrides TZ; --utc reproduces the UTC output exactly', () => {
    expect(split('day', PARIS, '--timezone', 'America/Los_Angeles')).toEqual(split('day', LA));
    for (const by of ['day', 'week', 'month']) {
      const utc = burn(['summary', '--by', by, '--ledger-home', ledgerHome], { TZ: 'UTC' });
      for (const env of [PARIS, LA]) {
        const r = burn(['summary', '--by', by, '--utc', '--ledger-home', ledgerHome], env);
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(utc.stdout);
      }
      expect(utc.stdout).not.toMatch(/times in/);
    }
    expect(json(['summary', '--by', 'day', '--utc'], LA).timezone).toBe('UTC');
  });

  it('the table says which zone it used when it is not UTC', () => {
    const r = burn(['summary', '--by', 'day', '--ledger-home', ledgerHome], PARIS);
    expect(r.status).toBe(0);
    const [title, header] = r.stdout.split('\n');
    expect(title).toBe('times in Europe/Paris');
    expect(header).toMatch(/^DAY\s+TURNS/);
    expect(r.stdout).toMatch(/^2026-10-26\s+1\s+8\s/m);
    const sunday = burn(
      ['summary', '--by', 'week', '--week-start', 'sunday', '--ledger-home', ledgerHome],
      LA,
    );
    expect(sunday.stdout.split('\n')[0]).toBe('times in America/Los_Angeles, weeks from Sunday');
    // Grouped by model without a window, the zone changes nothing: no title.
    const byModel = burn(['summary', '--ledger-home', ledgerHome], PARIS);
    expect(byModel.stdout).toMatch(/^MODEL/);
  });

  it('--since/--until dates are whole local days', () => {
    const total = (env: Record<string, string | undefined>, ...window: string[]) =>
      json(['summary', ...window], env).totals.inputTokens;
    // Los Angeles' 2026-11-01 ran 25 hours: 07:00Z to 08:00Z the next day.
    expect(total(LA, '--since', '2026-11-01', '--until', '2026-11-01')).toBe(32 + 64);
    expect(total(PARIS, '--since', '2026-11-01', '--until', '2026-11-01')).toBe(16 + 32);
    expect(total({ TZ: 'UTC' }, '--since', '2026-11-01', '--until', '2026-11-01')).toBe(16 + 32);
    // Paris' 2026-10-25: 22:00Z the day before to 23:00Z.
    expect(total(PARIS, '--since', '2026-10-25', '--until', '2026-10-25')).toBe(2 + 4);
    expect(total(PARIS, '--since', '2026-10-25', '--until', '2026-10-25', '--utc')).toBe(4 + 8);
    expect(total(LA, '--since', '2026-10-31')).toBe(16 + 32 + 64 + 128);
    // Calendar names (relative to the real clock, so only their shape is checked here; the
    // core tests them against a fixed now): "until yesterday" ends where "since today" starts.
    expect(total(LA, '--since', 'today', '--until', 'yesterday')).toBe(0);
    expect(
      json(['summary', '--since', 'this-week', '--until', 'this-month', '--week-start', 'sunday'], LA)
        .timezone,
    ).toBe('America/Los_Angeles');
  });

  it('burn sessions takes the same local dates', () => {
    const ids = (env: Record<string, string | undefined>) =>
      (
        JSON.parse(
          burn(
            [
              'sessions',
              '--since',
              '2026-11-01',
              '--until',
              '2026-11-01',
              '--json',
              '--ledger-home',
              ledgerHome,
            ],
            env,
          ).stdout,
        ) as Array<{ sessionId: string }>
      )
        .map((s) => s.sessionId)
        .sort();
    expect(ids(LA)).toEqual(['sess-t6', 'sess-t7']);
    expect(ids(PARIS)).toEqual(['sess-t5', 'sess-t6']);
    expect(ids({ TZ: 'UTC' })).toEqual(['sess-t5', 'sess-t6']);
  });

  it('a bad zone, week start or flag combination is a usage error naming its source', () => {
    const run = (args: string[], env: Record<string, string | undefined>) =>
      burn(['summary', '--by', 'day', ...args, '--ledger-home', ledgerHome], env);
    const badTz = run([], { TZ: 'Mars/Olympus' });
    expect(badTz.status).toBe(2);
    expect(badTz.stderr).toMatch(
      /^burn: TZ=Mars\/Olympus is not a known IANA time zone; pass --timezone <zone> or --utc/,
    );
    expect(run(['--utc'], { TZ: 'Mars/Olympus' }).status).toBe(0);
    const badFlag = run(['--timezone', 'Mars/Olympus'], PARIS);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toMatch(/^burn: --timezone: /);
    const both = run(['--timezone', 'Europe/Paris', '--utc'], PARIS);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--timezone and --utc/);
    const week = run(['--week-start', 'tuesday'], PARIS);
    expect(week.status).toBe(2);
    expect(week.stderr).toMatch(/^burn: --week-start: "tuesday" is not a week start: use monday or sunday/);
    const date = run(['--since', '2026-02-30'], PARIS);
    expect(date.status).toBe(2);
    expect(date.stderr).toMatch(/^burn: --since: /);
  });

  it('TZ forms: a zoneinfo path and a leading colon name the zone; empty TZ is UTC', () => {
    expect(split('day', { TZ: ':Europe/Paris' })).toEqual(split('day', PARIS));
    expect(split('day', { TZ: '/usr/share/zoneinfo/America/Los_Angeles' })).toEqual(split('day', LA));
    expect(json(['summary'], { TZ: '' }).timezone).toBe('UTC');
  });
});

describe('the SDK ignores TZ', () => {
  it('groups in UTC unless timezone is given, whatever TZ says', () => {
    const script = `
      const { summary } = require(${JSON.stringify(sdkDir)});
      Promise.all([
        summary({ ledgerHome: process.argv[1], groupBy: 'day' }),
        summary({ ledgerHome: process.argv[1], groupBy: 'day', timezone: 'Europe/Paris' }),
      ]).then((r) => process.stdout.write(JSON.stringify(r)));`;
    for (const tz of ['America/Los_Angeles', 'Europe/Paris']) {
      const r = spawnSync(process.execPath, ['-e', script, ledgerHome], {
        encoding: 'utf8',
        env: { ...process.env, TZ: tz },
      });
      expect(r.stderr).toBe('');
      const [plain, paris] = JSON.parse(r.stdout) as [Out, Out];
      expect(plain.timezone).toBe('UTC');
      expect(Object.fromEntries(plain.groups.map((g) => [g.key, g.inputTokens]))).toEqual({
        '2026-10-24': 3,
        '2026-10-25': 12,
        '2026-11-01': 48,
        '2026-11-02': 192,
      });
      expect(paris.timezone).toBe('Europe/Paris');
      expect(paris.groups.map((g) => g.key)).toContain('2026-10-26');
    }
  });

  it('validates weekStart and the new bounds in zod and the core alike', async () => {
    await expect(esm.summary({ ledgerHome, weekStart: 'tuesday' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'weekStart',
    });
    await expect(esm.sessions({ ledgerHome, weekStart: 'friday' as never })).rejects.toMatchObject({
      field: 'weekStart',
    });
    await expect(esm.summary({ ledgerHome, since: '2026-02-30' })).rejects.toMatchObject({ field: 'since' });
    await expect(esm.summary({ ledgerHome, until: 'tomorrow' })).rejects.toMatchObject({ field: 'until' });
    const s = await esm.summary({
      ledgerHome,
      since: '2026-11-01',
      until: '2026-11-01',
      timezone: 'America/Los_Angeles',
    });
    expect(s.totals.inputTokens).toBe(96);
    expect(s.timezone).toBe('America/Los_Angeles');
  });
});
