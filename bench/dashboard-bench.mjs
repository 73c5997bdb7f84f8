#!/usr/bin/env node
// First paint of the dashboard on a generated 1M-turn ledger (the `gen_ledger` example, its 180
// days ending now, so the default 30-day window is full): `burn dashboard` serves the ledger,
// headless Chromium (Debian's `chromium`, driven by playwright-core) opens the page in a fresh
// context each time, and the page's `relayburn:first-paint` mark (totals, chart and session
// trees drawn) is read, with each API request's time from Resource Timing (which query is slow).
// Target: first paint ≤ 300 ms.
// Usage: node bench/dashboard-bench.mjs [--ledger-home DIR] [--turns N] [--iterations N]
//                                       [--debug-gen] [--screenshot FILE] [--json]
// The ledger is generated once into bench/.work/ (release build of the example; `--debug-gen`
// for a debug one). Figures depend on the addon's build: `npm run build:release` first for the
// figures in bench/RESULTS.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    'ledger-home': { type: 'string' },
    turns: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '7' },
    'debug-gen': { type: 'boolean', default: false },
    screenshot: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const ledgerHome = values['ledger-home'] ?? join(root, 'bench', '.work', `dashboard-${turns}`);
if (!existsSync(join(ledgerHome, 'ledger.sqlite'))) {
  console.error(`generating ${turns} turns in ${ledgerHome} …`);
  execFileSync(
    'cargo',
    [
      'run',
      ...(values['debug-gen'] ? [] : ['--release']),
      '--quiet',
      '-p',
      'relayburn-core',
      '--example',
      'gen_ledger',
      '--',
      ledgerHome,
      String(turns),
      '5000',
      '10000',
      '50000',
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, GEN_LEDGER_END: new Date().toISOString() } },
  );
}

const CHROMIUM =
  process.env.RELAYBURN_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

/** `burn dashboard --json` on the ledger; resolves with its URL and the process. */
function serve() {
  const child = spawn(
    process.execPath,
    [join(root, 'packages', 'cli', 'dist', 'main.js'), 'dashboard', '--json', '--ledger-home', ledgerHome],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`burn dashboard exited ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const end = out.indexOf('}');
      if (end >= 0) resolve({ url: JSON.parse(out.slice(0, end + 1)).url, child });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const max = (xs) => Math.max(...xs);

const { url, child } = await serve();
const browser = await chromium.launch({
  ...(CHROMIUM ? { executablePath: CHROMIUM } : { channel: 'chrome' }),
  args: ['--no-sandbox', '--disable-gpu'],
});
const views = [
  ['default: last 30 days, stacked by model', ''],
  ['last 30 days, stacked by tag:persona', '?by=tag%3Apersona'],
  ['last 90 days, tag spawner=pear', '?window=90d&tag=spawner%3Dpear'],
  ['all time (180 days), stacked by harness', '?window=all&by=harness'],
];
const results = [];
try {
  for (const [name, query] of views) {
    const paints = [];
    const requests = new Map();
    const phases = [];
    const timelines = [];
    let firstVisit = 0;
    for (let i = 0; i < Number(values.iterations); i++) {
      // A fresh context: nothing cached, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(url + query);
      await page.locator('body[data-painted]').waitFor({ timeout: 120_000 });
      const t = await page.evaluate(() => {
        const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        const file = (name) => resources.find((e) => new URL(e.name).pathname === name);
        return {
          paint: mark('relayburn:first-paint'),
          // The page's own marks: its script starts, the first-paint answers are parsed.
          boot: mark('relayburn:boot'),
          data: mark('relayburn:data'),
          html: nav?.responseEnd,
          parsed: nav?.domInteractive,
          js: file('/app.js')?.responseEnd,
          api: resources
            .filter((e) => e.name.includes('/v1/') && !e.name.includes('/v1/events'))
            .map((e) => ({
              path: new URL(e.name).pathname + new URL(e.name).search,
              start: e.startTime,
              requestStart: e.requestStart,
              responseStart: e.responseStart,
              end: e.responseEnd,
              bytes: e.encodedBodySize,
              server: Object.fromEntries((e.serverTiming ?? []).map((x) => [x.name, x.duration])),
            })),
        };
      });
      if (i === 0) firstVisit = t.paint;
      if (i > 0 || Number(values.iterations) === 1) {
        // The first visit warms the server's SQLite page cache; later ones are what a user sees.
        paints.push(t.paint);
        for (const r of t.api) requests.set(r.path, [...(requests.get(r.path) ?? []), r]);
        // Where first paint goes: the page until its first request, the requests it waits
        // for, and drawing after the last of them.
        const before = t.api.filter((r) => r.start < t.paint);
        const asked = Math.min(...before.map((r) => r.start));
        const answered = Math.max(...before.map((r) => r.end));
        phases.push([asked, answered - asked, t.paint - answered]);
        timelines.push({
          html: t.html,
          parsed: t.parsed,
          js: t.js,
          boot: t.boot,
          asked,
          answered,
          data: t.data,
          paint: t.paint,
        });
      }
      // Let the queries after first paint finish, so none runs on into the next visit.
      await page.locator('body[data-ready] > #status:empty').waitFor({ timeout: 120_000 });
      if (values.screenshot && i === 0 && query === '')
        await page.screenshot({ path: values.screenshot, fullPage: true });
      await context.close();
    }
    results.push({
      view: name,
      query,
      firstPaintMs: { median: median(paints), max: max(paints) },
      // The discarded first visit: SQLite's page cache and the server's tag index cold.
      firstVisitMs: firstVisit,
      // Medians of: navigation start → first request, first request → last answer before
      // first paint, that answer → first paint.
      phasesMs: [0, 1, 2].map((k) => median(phases.map((p) => p[k]))),
      // Median times from navigation start: HTML received, HTML parsed, app.js received, the
      // script starts, the first request sent, the last first-paint answer received, those
      // answers parsed, first paint.
      timelineMs: Object.fromEntries(
        Object.keys(timelines[0] ?? {}).map((k) => [k, median(timelines.map((x) => x[k] ?? Number.NaN))]),
      ),
      requests: [...requests].map(([path, rs]) => {
        const of = (f) => median(rs.map(f));
        return {
          path,
          medianMs: of((r) => r.end - r.start),
          maxMs: max(rs.map((r) => r.end - r.start)),
          // Median parts: sent → the server's first byte less its own time (queueing and
          // the socket), the SDK call, JSON text, first byte → last byte; the body's size.
          waitMs: of((r) => r.responseStart - r.requestStart - (r.server.sdk ?? 0) - (r.server.json ?? 0)),
          sdkMs: of((r) => r.server.sdk ?? Number.NaN),
          jsonMs: of((r) => r.server.json ?? Number.NaN),
          downloadMs: of((r) => r.end - r.responseStart),
          bytes: of((r) => r.bytes),
        };
      }),
    });
  }
} finally {
  await browser.close();
  child.kill('SIGINT');
}

if (values.json) console.log(JSON.stringify({ turns, ledgerHome, results }, null, 2));
else {
  console.log(
    `dashboard first paint, ${turns.toLocaleString('en-US')} turns, ${values.iterations} visits per view (first discarded)`,
  );
  for (const r of results) {
    const ok = r.firstPaintMs.median <= 300 ? 'meets' : 'MISSES';
    console.log(
      `\n${r.view}: first paint median ${r.firstPaintMs.median.toFixed(0)} ms, max ${r.firstPaintMs.max.toFixed(0)} ms (${ok} ≤ 300 ms); first visit ${r.firstVisitMs.toFixed(0)} ms`,
    );
    const [asked, waited, drawn] = r.phasesMs.map((ms) => ms.toFixed(0));
    console.log(`  page until its first request ${asked} ms, requests ${waited} ms, drawing ${drawn} ms`);
    console.log(
      `  timeline: ${Object.entries(r.timelineMs)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)}`)
        .join(', ')}`,
    );
    for (const q of r.requests.sort((a, b) => b.medianMs - a.medianMs))
      console.log(
        `  ${q.medianMs.toFixed(0).padStart(6)} ms  (max ${q.maxMs.toFixed(0)}; wait ${q.waitMs.toFixed(0)}, sdk ${q.sdkMs.toFixed(0)}, json ${q.jsonMs.toFixed(1)}, download ${q.downloadMs.toFixed(1)}, ${q.bytes} B)  ${q.path}`,
      );
  }
}
