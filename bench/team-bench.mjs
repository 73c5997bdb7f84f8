#!/usr/bin/env node
// Team server benchmark: 50 devices × 20,000 turns pushed through 2 relayburn-server
// instances into one PostgreSQL, then the team summary by tag over the 1M turns.
// Targets: ingest ≥ 20,000 turns/s sustained, summary by tag ≤ 300 ms median, server peak
// RSS ≤ 256 MB. The batches are what `push()` sends (≤ 5,000 rows, gzip JSON), generated
// here from a seed so the clients cost the servers nothing while the clock runs; the local
// ingest that fills a device's outbox is measured by bench/ingest-bench.mjs.
//
// PostgreSQL: $RELAYBURN_TEST_DATABASE_URL (a fresh database is made in it), else a throwaway
// cluster from the system's initdb/pg_ctl with PostgreSQL's default durability settings.
//
// Usage: node bench/team-bench.mjs [--devices 50] [--turns 20000] [--clients 10] [--runs 10]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const serverBin = join(root, 'packages', 'server', 'bin', 'relayburn-server.mjs');
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    turns: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '10' },
    runs: { type: 'string', default: '10' },
  },
});
const DEVICES = Number(values.devices);
const TURNS = Number(values.turns);
const CLIENTS = Number(values.clients);
const RUNS = Number(values.runs);
const TURNS_PER_SESSION = 100;
const BATCH = 5000;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startPostgres() {
  if (process.env.RELAYBURN_TEST_DATABASE_URL) {
    const pg = (await import('pg')).default;
    const name = `relayburn_bench_${process.pid}`;
    const c = new pg.Client({ connectionString: process.env.RELAYBURN_TEST_DATABASE_URL });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(process.env.RELAYBURN_TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    return { url: u.toString(), stop: () => {} };
  }
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => b - a)
    : [];
  const bin = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(join(d, 'initdb')));
  if (!bin) throw new Error('no PostgreSQL binaries: install postgresql or set RELAYBURN_TEST_DATABASE_URL');
  const dir = mkdtempSync(join(tmpdir(), 'relayburn-bench-pg-'));
  const asRoot = process.getuid() === 0;
  const run = (cmd, args) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  if (asRoot) {
    const id = (f) => Number(execFileSync('id', [f, 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, id('-u'), id('-g'));
  }
  run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB`,
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function cli(args, url) {
  const r = spawnSync(process.execPath, [serverBin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url },
  });
  if (r.status !== 0) throw new Error(`relayburn-server ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function startServer(url) {
  const proc = spawn(process.execPath, [serverBin, 'start', '--port', '0', '--rate-limit', '100000'], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], proc });
    });
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

// Deterministic rows of one device, as push() sends them.
const MODELS = [
  ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 'anthropic'],
  ['claude-opus-4-1-20250805', 'claude-opus-4-1', 'anthropic'],
  ['gpt-5-codex', 'gpt-5-codex', 'openai'],
  ['claude-haiku-4-5-20251001', 'claude-haiku-4-5', 'anthropic'],
];
const HARNESSES = ['claude-code', 'codex', 'opencode'];
const START = Date.UTC(2026, 8, 1);

function deviceBatches(d) {
  const rows = [];
  const sessions = TURNS / TURNS_PER_SESSION;
  let rev = 0;
  for (let s = 0; s < sessions; s++) {
    const harness = HARNESSES[(d + s) % 3];
    const sessionId = `dev${d}-s${s}`;
    rows.push({
      kind: 'sessions',
      row: {
        revision: ++rev,
        harness,
        sessionId,
        project: `proj-${s % 7}`,
        relationship: 'root',
        placeholder: false,
      },
    });
    rows.push({
      kind: 'stamps',
      row: {
        revision: ++rev,
        id: `st-${d}-${s}`,
        sessionId,
        enrichment: { workflow: `wf-${(d * 7 + s) % 10}` },
        tsMs: START,
      },
    });
    const t0 = START + ((d * 97 + s * 31) % 60) * 86_400_000 + (s % 24) * 3_600_000;
    for (let t = 0; t < TURNS_PER_SESSION; t++) {
      const [model, modelKey, provider] = MODELS[(s + t) % MODELS.length];
      const input = 100 + ((t * 37) % 900);
      const output = 50 + ((t * 53) % 700);
      const cacheRead = (t * 1009) % 40_000;
      rows.push({
        kind: 'turns',
        row: {
          key:
            ((d * 1_000_003 + s * 1009 + t) >>> 0).toString(16).padStart(8, '0') +
            (d * 65536 + s).toString(16).padStart(8, '0'),
          revision: ++rev,
          harness,
          sessionId,
          messageId: `m${t}`,
          tsMs: t0 + t * 20_000,
          model,
          modelKey,
          provider,
          priced: true,
          project: `proj-${s % 7}`,
          input,
          output,
          reasoning: 0,
          cacheRead,
          cacheWrite5m: 0,
          cacheWrite1h: 0,
          costUsd: (input * 3 + output * 15 + cacheRead * 0.3) / 1e6,
          complete: true,
        },
      });
    }
  }
  const batches = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const body = { sessions: [], turns: [], stamps: [] };
    for (const r of rows.slice(i, i + BATCH)) body[r.kind].push(r.row);
    batches.push(gzipSync(JSON.stringify(body)));
  }
  return batches;
}

function peakRss(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const db = await startPostgres();
try {
  cli(['migrate'], db.url);
  const tokens = Array.from({ length: DEVICES }, (_, d) =>
    cli(['token', 'create', '--org', 'bench', '--device', `device-${d}`], db.url),
  );
  const reader = cli(['token', 'create', '--org', 'bench', '--device', 'dashboard', '--read-only'], db.url);
  const servers = await Promise.all([startServer(db.url), startServer(db.url)]);
  process.stdout.write(`generating ${DEVICES} × ${TURNS} turns…\n`);
  const work = Array.from({ length: DEVICES }, (_, d) => ({ d, batches: deviceBatches(d) }));
  const bytes = work.reduce((n, w) => n + w.batches.reduce((m, b) => m + b.length, 0), 0);
  process.stdout.write(
    `${work.reduce((n, w) => n + w.batches.length, 0)} batches, ${(bytes / 1e6).toFixed(1)} MB gzip\n`,
  );

  const load0 = loadavg();
  const t0 = performance.now();
  let next = 0;
  async function client() {
    for (;;) {
      const w = work[next++];
      if (!w) return;
      for (const [i, body] of w.batches.entries()) {
        const s = servers[(w.d + i) % servers.length];
        const res = await fetch(`${s.url}/v1/ingest`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${tokens[w.d]}`,
            'content-type': 'application/json',
            'content-encoding': 'gzip',
          },
          body,
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`device ${w.d} batch ${i}: ${res.status} ${text}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const secs = (performance.now() - t0) / 1000;
  const load1 = loadavg();
  const total = DEVICES * TURNS;

  const query = async (path) => {
    const t = performance.now();
    const res = await fetch(`${servers[0].url}${path}`, { headers: { authorization: `Bearer ${reader}` } });
    const body = await res.json();
    if (!res.ok) throw new Error(JSON.stringify(body));
    return { ms: performance.now() - t, body };
  };
  const check = await query('/v1/summary?groupBy=device');
  if (check.body.totals.turns !== total)
    throw new Error(`expected ${total} turns, server has ${check.body.totals.turns}`);
  await query('/v1/summary?groupBy=tag:workflow');
  const tagMs = [];
  const tagFilterMs = [];
  for (let i = 0; i < RUNS; i++) {
    tagMs.push((await query('/v1/summary?groupBy=tag:workflow')).ms);
    tagFilterMs.push((await query('/v1/summary?groupBy=model&tag=workflow%3Dwf-3&since=2026-09-15')).ms);
  }
  const rss = servers.map((s) => peakRss(s.proc.pid));
  for (const s of servers) s.proc.kill('SIGTERM');
  const mb = (n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  process.stdout.write(
    [
      `ingest: ${total} turns from ${DEVICES} devices (${CLIENTS} at a time) in ${secs.toFixed(1)} s = ${Math.round(total / secs)} turns/s`,
      `summary groupBy=tag:workflow: median ${median(tagMs).toFixed(0)} ms (min ${Math.min(...tagMs).toFixed(0)}, max ${Math.max(...tagMs).toFixed(0)}), ${RUNS} runs`,
      `summary tag filter + since + by model: median ${median(tagFilterMs).toFixed(0)} ms`,
      `server peak RSS: ${rss.map(mb).join(', ')}`,
      `load average before: ${load0.map((x) => x.toFixed(2)).join(' ')}; after ingest: ${load1.map((x) => x.toFixed(2)).join(' ')}`,
    ].join('\n') + '\n',
  );
} finally {
  db.stop();
}
