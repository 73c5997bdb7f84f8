/// <reference lib="dom" />
// The dashboard page in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core) over `burn dashboard` on a real ledger: no console errors, totals equal
// `summary()`, the chart follows the group and the window, a session tree opens. A
// screenshot of each view goes to test/screenshots/ (git-ignored) for a person to look at.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatUsd } from '../packages/cli/src/output.js';
import { formatChange } from '../packages/dashboard/src/format.js';
import {
  ago,
  type DashboardLedger,
  dashboardLedger,
  type Served,
  serveDashboard,
} from './helpers/dashboard.js';
import { repoRoot } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

// Debian's chromium (`.ci/run` installs it), else the Google Chrome that hosted CI runners
// carry (playwright-core finds it as the `chrome` channel); RELAYBURN_CHROMIUM overrides.
const CHROMIUM =
  process.env.RELAYBURN_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const shots = join(repoRoot, 'test', 'screenshots');

let ledger: DashboardLedger;
let served: Served;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const offsite: string[] = [];
/** Origins the browser may load from: `burn dashboard` (and the token proxy below). */
const origins: string[] = [];

/** Waits until the page has drawn the data of its latest load. */
async function settled(p: Page = page): Promise<void> {
  // No eval in the page (its CSP forbids it): a selector. `load()` says `loading…` at once and
  // empties the status when it has drawn.
  await p.locator('body[data-ready] > #status:empty').waitFor();
}

/** Watches a page for console errors, uncaught exceptions, failed requests and requests off the machine. */
function watch(p: Page): void {
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => {
    // Event streams are cut when a page goes away; anything else is a fault.
    if (!r.url().endsWith('/v1/events'))
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  ledger = await dashboardLedger();
  served = await serveDashboard(ledger.home);
  origins.push(served.url);
  browser = await chromium.launch({
    ...(CHROMIUM ? { executablePath: CHROMIUM } : { channel: 'chrome' }),
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
  // Offline: anything not served by `burn dashboard` itself is refused (and noted).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (origins.some((o) => url.startsWith(o)) || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
const chartKeys = async () =>
  ((await page.locator('#chart').getAttribute('data-keys')) ?? '').split('\n').filter(Boolean);

describe('burn dashboard in Chromium', () => {
  it('loads with no console errors and shows the totals summary() gives', async () => {
    const asked: string[] = [];
    const note = (r: { url(): string }) => {
      if (r.url().includes('/v1/') && !r.url().includes('/v1/events')) asked.push(new URL(r.url()).search);
    };
    page.on('request', note);
    await page.goto(served.url);
    await settled();
    page.off('request', note);
    // The page's inline script starts the two first-paint queries; app.js takes their
    // answers instead of asking again: no query is sent twice.
    expect(asked.filter((q) => q.includes('groupBy=day&groupBy=model'))).toHaveLength(1);
    expect(asked.filter((q) => q.includes('limit=15'))).toHaveLength(1);
    expect(new Set(asked).size).toBe(asked.length);
    const s = await sdk.summary({ ledgerHome: ledger.home, since: '30d' });
    expect(await text('#total-cost .value')).toBe(formatUsd(s.totals.costUsd));
    expect(await text('#total-turns .value')).toBe(formatCount(s.totals.turns));
    expect(await text('#total-tokens .value')).toBe(formatCount(s.totals.totalTokens));
    expect(await text('#total-cost .change')).toMatch(/vs previous/);
    // The unpriced model is flagged.
    expect(await text('#unpriced')).toContain('mystery-model-1');
    // The harness filter offers the harnesses the window has, as summary() names them.
    const byHarness = await sdk.summary({ ledgerHome: ledger.home, since: '30d', groupBy: 'harness' });
    expect(await page.locator('select[name=harness] option').allTextContents()).toEqual([
      'all',
      ...byHarness.groups.map((g) => g.key),
    ]);
    // Stacked by model by default: the models of the window, as summary() names them.
    const byModel = await sdk.summary({ ledgerHome: ledger.home, since: '30d', groupBy: 'model' });
    expect((await chartKeys()).sort()).toEqual(byModel.groups.map((g) => g.key).sort());
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it('changing the group and the window updates the chart and the totals, in the URL', async () => {
    await page.selectOption('#by', 'tag:team');
    await settled();
    const byTeam = await sdk.summary({ ledgerHome: ledger.home, since: '30d', groupBy: 'tag:team' });
    expect((await chartKeys()).sort()).toEqual(byTeam.groups.map((g) => g.key).sort());
    expect(page.url()).toContain('by=tag%3Ateam');
    const days30 = Number(await page.locator('#chart').getAttribute('data-days'));
    await page.selectOption('select[name=window]', '90d');
    await settled();
    const s90 = await sdk.summary({ ledgerHome: ledger.home, since: '90d' });
    expect(await text('#total-cost .value')).toBe(formatUsd(s90.totals.costUsd));
    expect(await text('#total-turns .value')).toBe(formatCount(s90.totals.turns));
    expect(Number(await page.locator('#chart').getAttribute('data-days'))).toBeGreaterThan(days30);
    expect(page.url()).toContain('window=90d');
    // A filter: one tag.
    await page.fill('input[name=tag]', 'team=web');
    await page.locator('input[name=tag]').dispatchEvent('change');
    await settled();
    const web = await sdk.summary({ ledgerHome: ledger.home, since: '90d', tags: { team: 'web' } });
    expect(await text('#total-cost .value')).toBe(formatUsd(web.totals.costUsd));
    expect(page.url()).toContain('tag=team%3Dweb');
    // The URL alone gives the same view (shared links).
    const copy = await page.context().newPage();
    watch(copy);
    await copy.goto(page.url());
    await settled(copy);
    expect(await copy.locator('#total-cost .value').textContent()).toBe(formatUsd(web.totals.costUsd));
    await copy.close();
    await page.screenshot({ path: join(shots, 'filtered.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('a custom window: dates in the URL, totals and the previous window of the same length', async () => {
    const day = (n: number) => ago(n).slice(0, 10);
    await page.goto(`${served.url}?window=custom&from=${day(4)}&to=${day(2)}`);
    await settled();
    const cur = await sdk.summary({ ledgerHome: ledger.home, since: day(4), until: day(2), timezone: 'UTC' });
    const prev = await sdk.summary({
      ledgerHome: ledger.home,
      since: day(7),
      until: day(5),
      timezone: 'UTC',
    });
    expect(cur.totals.turns).toBeGreaterThan(0);
    expect(await text('#total-cost .value')).toBe(formatUsd(cur.totals.costUsd));
    // The previous window: the 3 days before.
    expect(await text('#total-turns .change')).toBe(
      `${formatChange(cur.totals.turns, prev.totals.turns)} vs previous`,
    );
    expect(await text('#total-cost .change')).toBe(
      `${formatChange(cur.totals.costUsd, prev.totals.costUsd)} vs previous`,
    );
    expect(await page.locator('input[name=from]').inputValue()).toBe(day(4));
    expect(Number(await page.locator('#chart').getAttribute('data-days'))).toBe(3);
  });

  it('spend by tag key lists the values summary() gives', async () => {
    await page.goto(`${served.url}?tagKey=team`);
    await settled();
    const byTeam = await sdk.summary({ ledgerHome: ledger.home, since: '30d', groupBy: 'tag:team' });
    const rows = await page.locator('#tagbars tr').allTextContents();
    expect(rows.length).toBe(byTeam.groups.length);
    for (const g of byTeam.groups)
      expect(rows.some((r) => r.includes(`team=${g.key}`) && r.includes(formatUsd(g.costUsd)))).toBe(true);
    await page.locator('#tags').screenshot({ path: join(shots, 'tags.png') });
  });

  it('a session tree opens, and a session shows its turns, tools and subagents', async () => {
    const alpha = page.locator('tr.root[data-session=alpha]');
    const child = page.locator('tr.child[data-session="alpha/agent-scout"]');
    await expect.poll(() => child.isHidden()).toBe(true);
    await alpha.locator('button.toggle').click();
    await expect.poll(() => child.isVisible()).toBe(true);
    await page.locator('#sessions').screenshot({ path: join(shots, 'sessions.png') });
    await alpha.locator('a.session-link').click();
    await settled();
    expect(page.url()).toContain('session=alpha');
    const detail = await sdk.session({ ledgerHome: ledger.home, sessionId: 'alpha' });
    expect(await text('#session')).toContain(formatUsd(detail?.session.costUsd ?? -1));
    expect(await text('#tools-table')).toMatch(/Read\s*2/);
    expect(await text('#subagents-table')).toContain('agent-scout');
    expect(await page.locator('#turns-chart canvas').count()).toBeGreaterThan(0);
    await page.locator('#session').screenshot({ path: join(shots, 'session.png') });
    expect(problems).toEqual([]);
  });

  it('follows the system dark theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(served.url);
    await settled();
    const bg = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(17, 20, 24)');
    await page.screenshot({ path: join(shots, 'overview-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('refreshes when the ledger changes', async () => {
    await page.goto(served.url);
    await settled();
    const before = await text('#total-turns .value');
    await ledger.addTurn(777);
    const s = await sdk.summary({ ledgerHome: ledger.home, since: '30d' });
    expect(formatCount(s.totals.turns)).not.toBe(before);
    await expect
      .poll(() => text('#total-turns .value'), { timeout: 15_000 })
      .toBe(formatCount(s.totals.turns));
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
  });
});

/**
 * relayburn-server's side of the contract, in front of `burn dashboard`: the API needs a bearer
 * token (401 without it) and its answers do not say `x-relayburn-source: local`.
 */
function tokenProxy(upstream: string, token: string): Promise<{ url: string; server: Server }> {
  const up = new URL(upstream);
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/') && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAUTHORIZED', message: 'a read token is needed' }));
      return;
    }
    request({ host: up.hostname, port: up.port, path: req.url, headers: { host: up.host } }, (r) => {
      const { 'x-relayburn-source': _local, ...headers } = r.headers;
      res.writeHead(r.statusCode ?? 502, headers);
      r.pipe(res);
    })
      .on('error', () => res.destroy())
      .end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://localhost:${(server.address() as AddressInfo).port}/`, server }),
    ),
  );
}

describe('on a server that needs a token', () => {
  it('asks for it once, keeps it in the browser, and offers the device dimension', async () => {
    const { url, server } = await tokenProxy(served.url, 'read-token-1');
    origins.push(url);
    const p = await page.context().newPage();
    const seen: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') seen.push(m.text());
    });
    p.on('pageerror', (e) => seen.push(e.message));
    try {
      await p.goto(url);
      await p.locator('#token-dialog[open]').waitFor();
      await p.screenshot({ path: join(shots, 'token.png') });
      await p.fill('#token-dialog input[name=token]', 'read-token-1');
      await p.click('#token-dialog button[type=submit]');
      await settled(p);
      const s = await sdk.summary({ ledgerHome: ledger.home, since: '30d' });
      expect(await p.locator('#total-cost .value').textContent()).toBe(formatUsd(s.totals.costUsd));
      expect(await p.locator('#by option[value=device]').count()).toBe(1);
      // Kept: a new visit asks nothing.
      await p.reload();
      await settled(p);
      expect(await p.locator('#token-dialog[open]').count()).toBe(0);
      expect(await p.locator('#total-turns .value').textContent()).toBe(formatCount(s.totals.turns));
      // The browser reports the refused requests themselves; nothing else may go wrong.
      expect(seen.filter((t) => !/status of 401/.test(t))).toEqual([]);
    } finally {
      await p.close();
      server.close();
      server.closeAllConnections();
    }
  });
});
