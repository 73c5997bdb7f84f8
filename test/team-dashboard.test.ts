/// <reference lib="dom" />
// The dashboard page on relayburn-server: a real PostgreSQL (test/helpers/postgres.ts), a real
// server process, two devices that push real ledgers with the SDK's push(), and the page in a
// real headless Chromium (Debian's `chromium` via playwright-core). The server serves the
// page's files, answers multi-dimension groupBy with the SDK's shape, asks for a token with a
// 401, and the page shows the team's totals and its split by device.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatUsd } from '../packages/cli/src/output.js';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { ago, type DashboardLedger, dashboardLedger } from './helpers/dashboard.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { startPostgres, type TestDatabase } from './helpers/postgres.js';
import { esm as sdk } from './helpers/sdk.js';

const bin = join(repoRoot, 'packages', 'server', 'bin', 'relayburn-server.mjs');
const CHROMIUM =
  process.env.RELAYBURN_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const shots = join(repoRoot, 'test', 'screenshots');

let db: TestDatabase;
let proc: ChildProcess;
let url: string;
let browser: Browser;
let laptop1: DashboardLedger;
let laptop2: string;
let solo: DashboardLedger;
const tokens: Record<string, string> = {};

function server(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: db.url },
  });
}

function token(org: string, device: string, readOnly = false): string {
  const r = server([
    'token',
    'create',
    '--org',
    org,
    '--device',
    device,
    ...(readOnly ? ['--read-only'] : []),
  ]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

async function start(): Promise<string> {
  proc = spawn(process.execPath, [bin, 'start', '--port', '0', '--database-url', db.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1].endsWith('/') ? m[1] : `${m[1]}/`);
    });
    proc.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/** A second device's ledger: its own sessions (Sonnet and Haiku) in another project. */
async function secondDevice(): Promise<string> {
  const home = tempHome('dash-2');
  const store = claudeStore('-work-api');
  const rows = (session: string, spec: Array<[string, number, number]>) =>
    spec
      .map(([model, days, output], i) =>
        assistant({
          session,
          msg: `${session}-m${i}`,
          req: `${session}-r${i}`,
          model,
          usage: { input: 300, output, cacheRead: 5_000 },
          ts: ago(days, i),
          cwd: '/work/api',
        }),
      )
      .join('');
  store.write(
    'delta',
    rows('delta', [
      ['claude-sonnet-4-5-20250929', 1, 6_000],
      ['claude-sonnet-4-5-20250929', 6, 2_500],
    ]),
  );
  store.write('epsilon', rows('epsilon', [['claude-haiku-4-5-20251001', 2, 1_200]]));
  await sdk.ingest({ ledgerHome: home, harnesses: ['claude-code'], roots: { 'claude-code': [store.root] } });
  return home;
}

/** A GET of the API with a bearer token (`null`: none). */
async function api<T>(path: string, t: string | null | undefined = tokens.reader) {
  const res = await fetch(new URL(path, url), { headers: t ? { authorization: `Bearer ${t}` } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

type Summary = Awaited<ReturnType<typeof sdk.summary>>;

beforeAll(async () => {
  db = await startPostgres();
  const m = server(['migrate']);
  expect(m.status, m.stderr).toBe(0);
  url = await start();
  tokens.d1 = token('acme', 'laptop-1');
  tokens.d2 = token('acme', 'laptop-2');
  tokens.reader = token('acme', 'dashboard', true);
  tokens.solo = token('solo', 'laptop-1');
  [laptop1, laptop2, solo] = await Promise.all([dashboardLedger(), secondDevice(), dashboardLedger()]);
  await sdk.push({ ledgerHome: laptop1.home, server: url, token: tokens.d1 });
  await sdk.push({ ledgerHome: laptop2, server: url, token: tokens.d2 });
  // A ledger alone in another org: the server's answers must equal the SDK's over it.
  await sdk.push({ ledgerHome: solo.home, server: url, token: tokens.solo });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  proc?.kill('SIGTERM');
  await db?.stop();
});

describe('relayburn-server serves the dashboard', () => {
  it('serves every file of the page at its path with its type, beside /v1', async () => {
    const assets: Map<string, { body: Buffer; type: string }> = createRequire(import.meta.url)(
      '@relayburn/dashboard',
    ).assets();
    expect([...assets.keys()].sort()).toEqual(['/', '/app.css', '/app.js', '/index.html']);
    for (const [path, file] of assets) {
      const res = await fetch(new URL(path, url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(file.type);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(Buffer.from(await res.arrayBuffer()).equals(file.body)).toBe(true);
    }
    expect((await fetch(new URL('/v1/health', url))).status).toBe(200);
    const missing = await fetch(new URL('/nope.js', url));
    expect(missing.status).toBe(404);
  });

  it('answers 401 {code, message} without or with a wrong token, and never says it is local', async () => {
    for (const t of [null, 'rbt_wrong']) {
      const r = await api<{ code: string; message: string }>('/v1/summary', t);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('UNAUTHORIZED');
      expect(typeof r.body.message).toBe('string');
    }
    const ok = await api<Summary>('/v1/summary?since=30d');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-relayburn-source')).toBeNull();
  });

  it('multi-dimension groupBy has the SDK shape: keys per dimension, key joined by " · ", same order', async () => {
    const cases: Array<{ query: string; groupBy: string[] }> = [
      { query: 'groupBy=day,model', groupBy: ['day', 'model'] },
      { query: 'groupBy=model&groupBy=day', groupBy: ['model', 'day'] },
      { query: 'groupBy=model,tag:team', groupBy: ['model', 'tag:team'] },
      { query: 'groupBy=harness,week,model', groupBy: ['harness', 'week', 'model'] },
      { query: 'groupBy=day', groupBy: ['day'] },
    ];
    for (const c of cases) {
      const team = await api<Summary>(`/v1/summary?since=30d&${c.query}`, tokens.solo);
      expect(team.status).toBe(200);
      const local = await sdk.summary({ ledgerHome: solo.home, since: '30d', groupBy: c.groupBy as never });
      expect(local.groups.length).toBeGreaterThan(1);
      expect(team.body, c.query).toEqual(local);
      if (c.groupBy.length > 1)
        for (const g of team.body.groups) {
          expect(g.keys).toHaveLength(c.groupBy.length);
          expect(g.key).toBe(g.keys?.join(' · '));
        }
    }
  });

  it('splits the team by device (one more dimension), each device equal to its own ledger', async () => {
    const team = await api<Summary>('/v1/summary?since=30d&groupBy=device,day');
    const own = {
      'laptop-1': await sdk.summary({ ledgerHome: laptop1.home, since: '30d', groupBy: 'day' }),
      'laptop-2': await sdk.summary({ ledgerHome: laptop2, since: '30d', groupBy: 'day' }),
    };
    for (const [device, local] of Object.entries(own)) {
      const rows = team.body.groups.filter((g) => g.keys?.[0] === device);
      expect(
        rows
          .map((g) => ({ ...g, key: g.keys?.[1], keys: undefined }))
          .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? '')),
      ).toEqual(local.groups.map((g) => ({ ...g, keys: undefined })));
    }
    expect(team.body.totals.turns).toBe(own['laptop-1'].totals.turns + own['laptop-2'].totals.turns);
  });
});

/** Waits until the page has drawn the data of its latest load. */
const settled = (p: Page) => p.locator('body[data-ready] > #status:empty').waitFor();

describe('the dashboard page on the team server, in Chromium', () => {
  it('asks for a token, keeps it, shows the team totals of /v1/summary and the split by device', async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      ...(CHROMIUM ? { executablePath: CHROMIUM } : { channel: 'chrome' }),
      args: ['--no-sandbox', '--disable-gpu'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const offsite: string[] = [];
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(url) || u.startsWith('data:')) return route.continue();
      offsite.push(u);
      return route.abort();
    });
    const p = await context.newPage();
    const problems: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    p.on('pageerror', (e) => problems.push(e.message));

    await p.goto(url);
    await p.locator('#token-dialog[open]').waitFor();
    await p.fill('#token-dialog input[name=token]', tokens.reader ?? '');
    await p.click('#token-dialog button[type=submit]');
    await settled(p);

    const team = (await api<Summary>('/v1/summary?since=30d')).body;
    const one = await sdk.summary({ ledgerHome: laptop1.home, since: '30d' });
    expect(team.totals.turns).toBeGreaterThan(one.totals.turns);
    const text = async (s: string) => (await p.locator(s).textContent()) ?? '';
    expect(await text('#total-cost .value')).toBe(formatUsd(team.totals.costUsd));
    expect(await text('#total-turns .value')).toBe(formatCount(team.totals.turns));
    expect(await text('#total-tokens .value')).toBe(formatCount(team.totals.totalTokens));
    await p.screenshot({ path: join(shots, 'team-overview.png'), fullPage: true });

    // Stacked by device: the team's devices, as the server names them.
    await p.selectOption('#by', 'device');
    await settled(p);
    const byDevice = (await api<Summary>('/v1/summary?since=30d&groupBy=device')).body;
    const keys = ((await p.locator('#chart').getAttribute('data-keys')) ?? '').split('\n').filter(Boolean);
    expect(keys.sort()).toEqual(byDevice.groups.map((g) => g.key).sort());
    expect(keys).toEqual(['laptop-1', 'laptop-2']);
    expect(p.url()).toContain('by=device');
    await p.screenshot({ path: join(shots, 'team-by-device.png'), fullPage: true });

    // The token was kept: a new visit asks nothing.
    await p.reload();
    await settled(p);
    expect(await p.locator('#token-dialog[open]').count()).toBe(0);
    expect(await text('#total-turns .value')).toBe(formatCount(team.totals.turns));
    // The browser reports the refused requests themselves; nothing else may go wrong.
    expect(problems.filter((t) => !/status of 401/.test(t))).toEqual([]);
    expect(offsite).toEqual([]);
  }, 60_000);
});
