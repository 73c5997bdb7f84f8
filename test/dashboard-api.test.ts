// `burn dashboard`'s JSON API, as a real process on a real ledger: each endpoint answers
// exactly what the SDK returns for the same options, and refuses what the SDK would refuse.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assetsDir } from '@relayburn/dashboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { type DashboardLedger, dashboardLedger, type Served, serveDashboard } from './helpers/dashboard.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints, esm as sdk } from './helpers/sdk.js';

let ledger: DashboardLedger;
let served: Served;

beforeAll(async () => {
  ledger = await dashboardLedger();
  served = await serveDashboard(ledger.home);
});
afterAll(async () => {
  await served?.stop();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(path, served.url), { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('the API answers what the SDK answers', () => {
  it('summary: filters, tags, several groupBy (repeated or comma-separated)', async () => {
    const home = { ledgerHome: ledger.home };
    const cases: Array<[string, Parameters<typeof sdk.summary>[0]]> = [
      ['', {}],
      ['?since=30d&groupBy=day', { since: '30d', groupBy: 'day' }],
      ['?since=90d&groupBy=day,model', { since: '90d', groupBy: ['day', 'model'] }],
      ['?groupBy=day&groupBy=tag:team', { groupBy: ['day', 'tag:team'] }],
      ['?tag=team=core&groupBy=model', { tags: { team: 'core' }, groupBy: 'model' }],
      ['?session=alpha&descendants=false', { session: 'alpha', descendants: false }],
      [
        '?harness=claude-code&project=/work/app&timezone=Europe/Paris&groupBy=day',
        {
          harness: 'claude-code',
          project: '/work/app',
          timezone: 'Europe/Paris',
          groupBy: 'day',
        },
      ],
    ];
    for (const [q, o] of cases) {
      const r = await get(`v1/summary${q}`);
      expect(r.status, q).toBe(200);
      expect(r.headers.get('x-relayburn-source')).toBe('local');
      expect(r.body, q).toEqual(JSON.parse(JSON.stringify(await sdk.summary({ ...o, ...home }))));
    }
    const multi = await get('v1/summary?groupBy=day,model');
    expect(multi.body.groups.length).toBeGreaterThan(2);
    for (const g of multi.body.groups) expect(g.key).toBe(g.keys.join(' · '));
  });

  it('sessions (trees and flat, limit) and one session', async () => {
    const home = { ledgerHome: ledger.home };
    for (const [q, o] of [
      ['?limit=2', { limit: 2 }],
      ['?flat=true&since=30d', { flat: true, since: '30d' }],
      ['?tag=team=web', { tags: { team: 'web' } }],
    ] as const) {
      const r = await get(`v1/sessions${q}`);
      expect(r.status, q).toBe(200);
      expect(r.body, q).toEqual(JSON.parse(JSON.stringify(await sdk.sessions({ ...o, ...home }))));
    }
    const one = await get(`v1/session/${encodeURIComponent('alpha/agent-scout')}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(
      JSON.parse(JSON.stringify(await sdk.session({ sessionId: 'alpha/agent-scout', ...home }))),
    );
    expect((await get('v1/session/alpha')).body.session.descendantCount).toBe(1);
  });

  it('refuses bad input with the SDK error code and field, 404 for no session or endpoint', async () => {
    const bad: Array<[string, string]> = [
      ['v1/summary?groupBy=nope', 'groupBy'],
      ['v1/summary?groupBy=day,tool', 'groupBy'],
      ['v1/summary?groupBy=day,day', 'groupBy'],
      ['v1/summary?since=yesterdayish', 'since'],
      ['v1/summary?harness=vim', 'harness'],
      ['v1/summary?limit=3', 'limit'],
      ['v1/summary?tag=novalue', 'tags'],
      ['v1/summary?since=7d&since=8d', 'since'],
      ['v1/sessions?limit=0', 'limit'],
      ['v1/sessions?flat=maybe', 'flat'],
      ['v1/session/alpha?x=1', 'x'],
    ];
    for (const [path, field] of bad) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ code: 'INVALID_ARGUMENT', field });
      expect(r.body.message, path).toContain(field);
    }
    expect((await get('v1/session/nobody')).status).toBe(404);
    expect((await get('v1/nothing')).status).toBe(404);
    expect((await get('nothing.js')).status).toBe(404);
  });

  it('is read-only, answers only its own host names, and serves the page', async () => {
    const post = await fetch(new URL('v1/summary', served.url), { method: 'POST' });
    expect(post.status).toBe(405);
    const rebound = await new Promise<number>((resolve, reject) => {
      const u = new URL(served.url);
      request(
        { host: u.hostname, port: u.port, path: '/v1/summary', headers: { host: 'attacker.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
    const page = await fetch(served.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    // The page, the API's answers and its errors alike: no sniffing, no referrer.
    const answer = await fetch(new URL('v1/sessions?limit=1', served.url));
    const missing = await fetch(new URL('v1/nothing-here', served.url));
    expect(missing.status).toBe(404);
    for (const res of [page, answer, missing]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const html = await page.text();
    expect(html).toContain('<script src="app.js">');
    // The inline script that starts the first-paint requests is allowed by its hash, and
    // only it: no 'unsafe-inline' for scripts.
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(inline).toContain('v1/');
    const hash = createHash('sha256').update(inline).digest('base64');
    const scriptSrc = /script-src ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    expect(scriptSrc).toBe(`'self' 'sha256-${hash}'`);
  });

  it('says in Server-Timing how long the query and the JSON took', async () => {
    for (const path of ['/v1/summary?groupBy=day,model', '/v1/sessions?limit=3']) {
      const { status, headers } = await get(path);
      expect(status).toBe(200);
      expect(headers.get('server-timing'), path).toMatch(/^sdk;dur=\d+(\.\d)?, json;dur=\d+(\.\d)?$/);
    }
    // An error answer has no timings.
    expect((await get('/v1/summary?groupBy=nope')).headers.get('server-timing')).toBeNull();
  });

  it('sends a change event when the ledger changes', async () => {
    const ac = new AbortController();
    const res = await fetch(new URL('v1/events', served.url), { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let text = '';
    const seen = (async () => {
      while (!text.includes('event: change')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    })();
    await new Promise((r) => setTimeout(r, 1200));
    await ledger.addTurn(321);
    await Promise.race([seen, new Promise((r) => setTimeout(r, 10_000))]);
    ac.abort();
    expect(text).toContain('event: change');
  });
});

describe.each(entryPoints)('summary by several dimensions (%s)', (_name, s) => {
  it('gives keys per dimension and validates the list', async () => {
    const r = await s.summary({ ledgerHome: ledger.home, groupBy: ['tag:team', 'model'] });
    const byTeam = await s.summary({ ledgerHome: ledger.home, groupBy: 'tag:team' });
    for (const g of byTeam.groups) {
      const parts = r.groups.filter((x) => x.keys?.[0] === g.key);
      expect(parts.reduce((n, x) => n + x.turns, 0)).toBe(g.turns);
    }
    expect(byTeam.groups.every((g) => g.keys === undefined)).toBe(true);
    for (const bad of [
      [],
      ['day', 'day'],
      ['day', 'tool'],
      ['day', 'model', 'harness', 'project'],
      ['day', 'x'],
    ]) {
      await expect(s.summary({ ledgerHome: ledger.home, groupBy: bad as never })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        field: expect.stringMatching(/^groupBy/),
      });
    }
  });
});

describe('burn dashboard flags', () => {
  it('refuses a bad port and arguments', () => {
    expect(burn(['dashboard', '--port', 'x']).status).toBe(2);
    expect(burn(['dashboard', '--port', '70000']).stderr).toMatch(/--port/);
    expect(burn(['dashboard', 'extra']).status).toBe(2);
    expect(burn(['dashboard', '--help']).stdout).toMatch(/Usage: burn dashboard/);
  });
});

describe('the page package', () => {
  it('weighs at most 300 KB gzip and loads nothing from the network', () => {
    const files = readdirSync(assetsDir);
    expect(files.sort()).toEqual(['app.css', 'app.js', 'index.html']);
    let gz = 0;
    for (const f of files) {
      const body = readFileSync(join(assetsDir, f));
      gz += gzipSync(body, { level: 9 }).length;
      // No CDN: no absolute URL a browser would fetch (SVG namespace names are not fetched).
      const urls =
        body.toString('utf8').match(/(?:src|href|url\()\s*=?\s*["']?(?:https?:)?\/\/[^"')\s]+/g) ?? [];
      expect(urls, f).toEqual([]);
    }
    expect(gz).toBeLessThanOrEqual(300 * 1024);
  });

  it('the README shows a screenshot of at most 300 KB', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('](packages/dashboard/screenshot.png)');
    const png = readFileSync(join(repoRoot, 'packages', 'dashboard', 'screenshot.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeLessThanOrEqual(300 * 1024);
  });
});
