// relayburn-server against a real PostgreSQL (test/helpers/postgres.ts) and real server
// processes; devices push real ledgers with the SDK's push(). Checks the team ledger equals
// the union of the devices' local ledgers, that pushes are exactly-once (repeat, SIGKILL,
// concurrency, revisions), parent placeholders, org isolation and every refused input.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { startPostgres, type TestDatabase } from './helpers/postgres.js';
import { esm as sdk } from './helpers/sdk.js';

const bin = join(repoRoot, 'packages', 'server', 'bin', 'relayburn-server.mjs');

function server(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

interface Running {
  url: string;
  proc: ChildProcess;
}
const running: Running[] = [];

async function startServer(databaseUrl: string, extra: string[] = []): Promise<Running> {
  const proc = spawn(
    process.execPath,
    [bin, 'start', '--port', '0', '--database-url', databaseUrl, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  const r = { url, proc };
  running.push(r);
  return r;
}

let db: TestDatabase;
let pool: pg.Pool;
let a: Running;
let b: Running;
const tokens: Record<string, string> = {};

function token(org: string, device: string, readOnly = false): string {
  const r = server(
    ['token', 'create', '--org', org, '--device', device, '--json', ...(readOnly ? ['--read-only'] : [])],
    {
      DATABASE_URL: db.url,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout) as { token: string; org: string; device: string; readOnly: boolean };
  expect(j).toMatchObject({ org, device, readOnly });
  expect(j.token).toMatch(/^rbt_[A-Za-z0-9_-]{43}$/);
  return j.token;
}

async function get<T>(url: string, t: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${t}` } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Row counts of every data table: a refused request must leave them all as they were. */
async function footprint(): Promise<string> {
  const r = await pool.query(
    `SELECT (SELECT count(*) FROM turns) t, (SELECT count(*) FROM turn_keys) k, (SELECT count(*) FROM sessions) s,
            (SELECT count(*) FROM stamps) p, (SELECT coalesce(sum(turns), 0) FROM rollups) r,
            (SELECT coalesce(sum(turns), 0) FROM sessions) st`,
  );
  return JSON.stringify(r.rows[0]);
}

beforeAll(async () => {
  db = await startPostgres();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const m = server(['migrate'], { DATABASE_URL: db.url });
  expect(m.stderr).toBe('');
  expect(m.stdout).toMatch(/migrated to schema 2/);
  [a, b] = await Promise.all([startServer(db.url), startServer(db.url)]);
  tokens.d1 = token('acme', 'laptop-1');
  tokens.d2 = token('acme', 'laptop-2');
  tokens.reader = token('acme', 'dashboard', true);
  tokens.other = token('globex', 'box');
}, 120_000);

afterAll(async () => {
  for (const r of running) r.proc.kill('SIGTERM');
  await pool?.end();
  await db?.stop();
});

// A generated Claude Code corpus split into `n` device stores: by project directory (no turn
// in two stores), or `bySession` (a resumed session's copied rows may land in two stores, as
// when a team shares logs: the server must count each once).
function corpusSlices(n: number, seed: number, bySession = false): string[] {
  const out = tempHome('team-corpus');
  const g = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'bench', 'corpus', 'claude.mjs'),
      '--out',
      out,
      '--mb',
      '2',
      '--files',
      '24',
      '--seed',
      String(seed),
      '--quiet',
    ],
    { encoding: 'utf8' },
  );
  expect(g.status).toBe(0);
  const projects = readdirSync(join(out, 'projects')).sort();
  // Each unit is copied whole into one store: a project, or a session's file with its
  // subagents directory.
  const units: string[][] = bySession
    ? projects.flatMap((p) =>
        [...new Set(readdirSync(join(out, 'projects', p)).map((f) => f.replace(/\.jsonl$/, '')))]
          .sort()
          .map((s) => [join(p, `${s}.jsonl`), join(p, s)]),
      )
    : projects.map((p) => [p]);
  expect(units.length).toBeGreaterThanOrEqual(n);
  const roots = Array.from({ length: n }, (_, i) => tempHome(`slice${i}`));
  units.forEach((paths, i) => {
    for (const u of paths)
      if (existsSync(join(out, 'projects', u)))
        cpSync(join(out, 'projects', u), join(roots[i % n] as string, 'projects', u), { recursive: true });
  });
  return roots;
}

async function ingestInto(home: string, ...roots: string[]) {
  const r = await sdk.ingest({
    ledgerHome: home,
    harnesses: ['claude-code'],
    roots: { 'claude-code': roots },
  });
  expect(r.errors).toEqual([]);
  return r;
}

type Summary = Awaited<ReturnType<typeof sdk.summary>>;
const tokensOf = (s: Summary) => ({
  totals: { ...s.totals, costUsd: 0 },
  groups: s.groups.map((g) => ({ ...g, costUsd: 0 })),
});

function expectSame(team: Summary, local: Summary) {
  expect(tokensOf(team)).toEqual(tokensOf(local));
  expect(team.totals.costUsd).toBeCloseTo(local.totals.costUsd, 6);
  expect(team.unpricedModels).toEqual(local.unpricedModels);
}

describe('relayburn-server', () => {
  it('runs from the workspace bin and refuses a database newer than itself', async () => {
    const help = spawnSync(join(repoRoot, 'node_modules', '.bin', 'relayburn-server'), ['--help'], {
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/relayburn-server migrate/);
    expect(server(['migrate'], { DATABASE_URL: db.url }).stdout).toMatch(/schema 2 is current/);
    await pool.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`);
    try {
      const r = server(['migrate'], { DATABASE_URL: db.url });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/schema version 999 is newer/);
    } finally {
      await pool.query('DELETE FROM schema_migrations WHERE version = 999');
    }
    const h = await fetch(`${a.url}/v1/health`);
    expect(h.status).toBe(200);
  });

  it('two devices push halves: the team summary is the union of their ledgers, once', async () => {
    const [s1, s2] = corpusSlices(2, 11);
    const h1 = tempHome('dev1');
    const h2 = tempHome('dev2');
    const union = tempHome('union');
    await ingestInto(h1, s1 as string);
    await ingestInto(h2, s2 as string);
    await ingestInto(union, s1 as string, s2 as string);
    // Labels on some trees, written on device 1 and in the union ledger alike.
    const roots = (await sdk.sessions({ ledgerHome: h1, limit: 6 })).map((r) => r.sessionId);
    for (const [i, id] of roots.entries())
      for (const home of [h1, union])
        await sdk.writeStamp({
          ledgerHome: home,
          sessionId: id,
          enrichment: { team: i % 2 ? 'red' : 'blue' },
        });

    const p1 = await sdk.push({ ledgerHome: h1, server: a.url, token: tokens.d1, batchSize: 100 });
    const p2 = await sdk.push({ ledgerHome: h2, server: b.url, token: tokens.d2 });
    expect(p1.batches).toBeGreaterThan(1);
    expect(p1.turns).toBe((await sdk.status({ ledgerHome: h1 })).turns);
    expect(p2.turns).toBe((await sdk.status({ ledgerHome: h2 })).turns);

    for (const by of [
      'harness',
      'model',
      'day',
      'tag:team',
      'provider',
      'session',
      'root',
      'month',
    ] as const) {
      const team = await get<Summary>(`${a.url}/v1/summary?groupBy=${by}`, tokens.reader as string);
      expect(team.status).toBe(200);
      expectSame(team.body, await sdk.summary({ ledgerHome: union, groupBy: by }));
    }
    const filtered = await get<Summary>(
      `${b.url}/v1/summary?groupBy=day&tag=team%3Dred&timezone=Asia%2FTokyo`,
      tokens.reader as string,
    );
    expectSame(
      filtered.body,
      await sdk.summary({ ledgerHome: union, groupBy: 'day', tags: { team: 'red' }, timezone: 'Asia/Tokyo' }),
    );
    const window = await sdk.summary({ ledgerHome: union, groupBy: 'model' });
    expect(window.totals.turns).toBeGreaterThan(0);
    // By device: each device's share is its own ledger's total.
    const byDevice = await get<Summary>(`${a.url}/v1/summary?groupBy=device`, tokens.reader as string);
    const d1 = (await sdk.summary({ ledgerHome: h1 })).totals;
    const d2 = (await sdk.summary({ ledgerHome: h2 })).totals;
    const g = Object.fromEntries(byDevice.body.groups.map((x) => [x.key, x.turns]));
    expect(g).toEqual({ 'laptop-1': d1.turns, 'laptop-2': d2.turns });

    // Sessions and one session's detail have the SDK's shapes and figures.
    const local = await sdk.sessions({ ledgerHome: union, limit: 5, flat: true });
    const team = await get<Awaited<ReturnType<typeof sdk.sessions>>>(
      `${a.url}/v1/sessions?limit=5&flat=true`,
      tokens.d1 as string,
    );
    expect(team.body.map((r) => [r.sessionId, r.turns, r.totalTokens, r.tags])).toEqual(
      local.map((r) => [r.sessionId, r.turns, r.totalTokens, r.tags]),
    );
    const trees = await get<Awaited<ReturnType<typeof sdk.sessions>>>(
      `${a.url}/v1/sessions?limit=3`,
      tokens.d1 as string,
    );
    const localTrees = await sdk.sessions({ ledgerHome: union, limit: 3 });
    expect(trees.body.map((r) => [r.sessionId, r.turns, r.descendantCount, r.own.turns])).toEqual(
      localTrees.map((r) => [r.sessionId, r.turns, r.descendantCount, r.own.turns]),
    );
    const id = localTrees[0]?.sessionId as string;
    const detail = await get<Awaited<ReturnType<typeof sdk.session>>>(
      `${a.url}/v1/session/${encodeURIComponent(id)}`,
      tokens.d1 as string,
    );
    const localDetail = await sdk.session({ ledgerHome: union, sessionId: id });
    expect(detail.body?.turns.map((t) => [t.messageId, t.outputTokens])).toEqual(
      localDetail?.turns.map((t) => [t.messageId, t.outputTokens]),
    );
    expect(detail.body?.session.turns).toBe(localDetail?.session.turns);

    // A repeated push sends nothing; a push under another spelling of the server's address
    // (its own high-water mark: everything is sent again) changes nothing on the server.
    const before = await footprint();
    expect((await sdk.push({ ledgerHome: h1, server: a.url, token: tokens.d1 })).batches).toBe(0);
    const again = await sdk.push({
      ledgerHome: h2,
      server: `${b.url}/`.replace('127.0.0.1', 'localhost'),
      token: tokens.d2,
    });
    expect(again.turns).toBe(p2.turns);
    expect(await footprint()).toBe(before);
    const after = await get<Summary>(`${a.url}/v1/summary?groupBy=model`, tokens.reader as string);
    expectSame(after.body, await sdk.summary({ ledgerHome: union, groupBy: 'model' }));

    // The CLI prints a team query as it prints a local one.
    const cliTeam = burn([
      'summary',
      '--by',
      'harness',
      '--server',
      a.url,
      '--token',
      tokens.reader as string,
      '--json',
      '--utc',
    ]);
    const cliLocal = burn(['summary', '--by', 'harness', '--ledger-home', union, '--json', '--utc']);
    expect(cliTeam.stderr).toBe('');
    expect(tokensOf(JSON.parse(cliTeam.stdout))).toEqual(tokensOf(JSON.parse(cliLocal.stdout)));
  }, 180_000);

  it('a push SIGKILLed midway resumes, and re-running changes nothing', async () => {
    const [slice] = corpusSlices(1, 12);
    const home = tempHome('killed');
    await ingestInto(home, slice as string);
    const t = token('initech', 'killed-laptop');
    const script = `
      const sdk = require(${JSON.stringify(join(repoRoot, 'packages', 'sdk'))});
      sdk.push({ ledgerHome: ${JSON.stringify(home)}, server: ${JSON.stringify(a.url)}, token: ${JSON.stringify(t)},
        batchSize: 50, onProgress: (p) => { if (p.batches === 2) { process.stdout.write('paused\\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000); } } });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('paused')) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const reader = token('initech', 'reader', true);
    const partial = await get<Summary>(`${a.url}/v1/summary`, reader);
    const local = await sdk.summary({ ledgerHome: home });
    expect(partial.body.totals.turns).toBeGreaterThan(0);
    expect(partial.body.totals.turns).toBeLessThan(local.totals.turns);
    const resumed = await sdk.push({ ledgerHome: home, server: a.url, token: t });
    expect(resumed.turns).toBeLessThan(local.totals.turns);
    expectSame((await get<Summary>(`${a.url}/v1/summary`, reader)).body, local);
    expect((await sdk.push({ ledgerHome: home, server: a.url, token: t })).batches).toBe(0);
    expectSame((await get<Summary>(`${a.url}/v1/summary`, reader)).body, local);
  }, 120_000);

  it('a turn revised locally is sent again and replaces its copy once', async () => {
    const store = claudeStore('-work-rev');
    const home = tempHome('revised');
    const t = token('hooli', 'rev-laptop');
    const reader = token('hooli', 'reader', true);
    const file = store.file('rev-1');
    const first = assistant({
      session: 'rev-1',
      msg: 'm1',
      req: 'r1',
      usage: { input: 10, output: 5 },
      stop: null,
    });
    store.write(
      'rev-1',
      userText('rev-1', 'u0', 'go'),
      first,
      userText('rev-1', 'u1', 'more', '2026-03-01T10:00:02.000Z'),
    );
    await ingestInto(home, store.root);
    await sdk.push({ ledgerHome: home, server: a.url, token: t });
    const s1 = (await get<Summary>(`${a.url}/v1/summary`, reader)).body;
    expect([s1.totals.turns, s1.totals.outputTokens]).toEqual([1, 5]);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(
      file,
      assistant({ session: 'rev-1', msg: 'm1', req: 'r1', usage: { input: 10, output: 500 } }),
    );
    const r = await ingestInto(home, store.root);
    expect(r.turnsUpdated).toBe(1);
    const p = await sdk.push({ ledgerHome: home, server: b.url, token: t });
    expect(p.turns).toBe(1);
    const s2 = (await get<Summary>(`${a.url}/v1/summary`, reader)).body;
    expect([s2.totals.turns, s2.totals.outputTokens]).toEqual([1, 500]);
    expectSame(s2, await sdk.summary({ ledgerHome: home }));
    const rows = await pool.query(
      `SELECT s.turns, s.output FROM sessions s JOIN orgs o ON o.id = s.org_id WHERE o.name = 'hooli' AND s.session_id = 'rev-1'`,
    );
    expect(rows.rows).toEqual([{ turns: '1', output: '500' }]);
  }, 60_000);

  it('8 clients through 2 server instances at once lose nothing', async () => {
    const slices = corpusSlices(8, 13, true);
    const homes = slices.map(() => tempHome('client'));
    const union = tempHome('union8');
    await Promise.all(homes.map((h, i) => ingestInto(h, slices[i] as string)));
    await ingestInto(union, ...slices);
    const ts = homes.map((_, i) => token('umbrella', `client-${i}`));
    const reports = await Promise.all(
      homes.map((h, i) =>
        sdk.push({ ledgerHome: h, server: (i % 2 ? a : b).url, token: ts[i] as string, batchSize: 40 }),
      ),
    );
    expect(reports.every((r) => r.batches > 0)).toBe(true);
    const reader = token('umbrella', 'reader', true);
    for (const by of ['model', 'day', 'harness'] as const)
      expectSame(
        (await get<Summary>(`${b.url}/v1/summary?groupBy=${by}`, reader)).body,
        await sdk.summary({ ledgerHome: union, groupBy: by }),
      );
  }, 180_000);

  it('the same and overlapping batches pushed at once through both instances count once', async () => {
    const devices = [token('vandelay', 'box-1'), token('vandelay', 'box-2')];
    const reader = token('vandelay', 'reader', true);
    const day = Date.UTC(2026, 4, 1);
    const turn = (sid: string, i: number, revision: number, output: number) => ({
      key: i.toString(16).padStart(16, '0'),
      revision,
      harness: 'codex',
      sessionId: sid,
      messageId: `m${i}`,
      tsMs: day + i * 60_000,
      model: 'gpt-5-codex',
      modelKey: 'gpt-5-codex',
      priced: false,
      input: 10 + (i % 7),
      output,
      reasoning: 0,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      costUsd: 0,
      complete: true,
    });
    // Session `sN` holds turns N*1000 … N*1000+per-1; a session's turns and stamp form a batch.
    const body = (sessions: number[], per: number, revision: number, output: (i: number) => number) =>
      gzipSync(
        JSON.stringify({
          sessions: sessions.map((n) => ({
            revision,
            harness: 'codex',
            sessionId: `s${n}`,
            parentSessionId: n > 0 ? 's0' : null,
            parentHarness: n > 0 ? 'codex' : null,
            relationship: n > 0 ? 'subagent' : 'root',
            placeholder: false,
          })),
          turns: sessions.flatMap((n) =>
            Array.from({ length: per }, (_, j) =>
              turn(`s${n}`, n * 1000 + j, revision, output(n * 1000 + j)),
            ),
          ),
          stamps: sessions.map((n) => ({
            revision,
            id: `st-${n}`,
            sessionId: `s${n}`,
            enrichment: { workflow: `wf-${n % 3}` },
            tsMs: day,
          })),
        }),
      );
    const post = async (i: number, gz: Buffer) => {
      const res = await fetch(`${(i % 2 ? a : b).url}/v1/ingest`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${devices[i % 2]}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: new Uint8Array(gz),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { turnsInserted: number; turnsRevised: number };
    };
    const check = async (turns: number, output: number) => {
      const s = (await get<Summary>(`${a.url}/v1/summary?groupBy=tag:workflow`, reader)).body;
      expect([s.totals.turns, s.totals.outputTokens]).toEqual([turns, output]);
      const r = await pool.query(
        `SELECT (SELECT count(*) FROM turns t WHERE t.org_id = o.id) AS t,
                (SELECT count(*) FROM turn_keys k WHERE k.org_id = o.id) AS k,
                (SELECT sum(turns) FROM sessions s WHERE s.org_id = o.id) AS st,
                (SELECT sum(output) FROM sessions s WHERE s.org_id = o.id) AS so,
                (SELECT sum(turns) FROM rollups r WHERE r.org_id = o.id) AS rt,
                (SELECT count(*) FROM sessions s WHERE s.org_id = o.id) AS sessions,
                (SELECT count(*) FROM stamps p WHERE p.org_id = o.id) AS stamps
         FROM orgs o WHERE o.name = 'vandelay'`,
      );
      return r.rows[0];
    };
    // 1. One batch (three sessions) sent four times at once through both instances, and two
    // batches sharing a session: each turn is inserted by exactly one request.
    const first = body([1, 2, 3], 200, 1, () => 5);
    const overlapA = body([3, 4], 200, 1, () => 5);
    const overlapB = body([4, 5], 200, 1, () => 5);
    const r1 = await Promise.all([first, first, first, first, overlapA, overlapB].map((g, i) => post(i, g)));
    expect(r1.reduce((n, r) => n + r.turnsInserted, 0)).toBe(5 * 200);
    let rows = await check(1000, 1000 * 5);
    expect(rows).toEqual({
      t: '1000',
      k: '1000',
      st: '1000',
      so: '5000',
      rt: '1000',
      sessions: '6',
      stamps: '5',
    });
    // 2. Every turn revised (output 5 → its index), each revision sent twice at once: applied once.
    const out = (i: number) => i % 97;
    const revised = [body([1, 2, 3], 200, 2, out), body([3, 4, 5], 200, 2, out)];
    const r2 = await Promise.all([...revised, ...revised].map((g, i) => post(i, g)));
    expect(r2.reduce((n, r) => n + r.turnsRevised, 0)).toBe(1000);
    let want = 0;
    for (const n of [1, 2, 3, 4, 5]) for (let j = 0; j < 200; j++) want += out(n * 1000 + j);
    rows = await check(1000, want);
    expect(rows).toMatchObject({ t: '1000', k: '1000', st: '1000', so: String(want), rt: '1000' });
    // 3. A batch naming more sessions than the per-session locks cover (it locks the whole org),
    // sent at once with a small batch it overlaps.
    const wide = Array.from({ length: 300 }, (_, i) => 10 + i);
    const r3 = await Promise.all(
      [body(wide, 2, 3, () => 1), body([10, 11], 2, 3, () => 1), body(wide, 2, 3, () => 1)].map((g, i) =>
        post(i, g),
      ),
    );
    expect(r3.reduce((n, r) => n + r.turnsInserted, 0)).toBe(600);
    rows = await check(1600, want + 600);
    expect(rows).toMatchObject({ t: '1600', k: '1600', st: '1600', rt: '1600', sessions: '306' });
  }, 120_000);

  it('an instance applies --ingest-concurrency batches at once; a push aborted while waiting takes no slot', async () => {
    const one = await startServer(db.url, ['--ingest-concurrency', '1']);
    const t = token('wayne', 'box');
    const reader = token('wayne', 'reader', true);
    const u = new URL(one.url);
    const batch = (n: number, from: number) =>
      Buffer.from(
        JSON.stringify({
          sessions: [],
          stamps: [],
          turns: Array.from({ length: n }, (_, i) => ({
            key: (0xa000 + from + i).toString(16).padStart(16, '0'),
            revision: 1,
            harness: 'codex',
            sessionId: `w-${from}`,
            messageId: `m${i}`,
            tsMs: Date.UTC(2026, 5, 1) + i * 1000,
            model: 'gpt-5-codex',
            modelKey: 'gpt-5-codex',
            priced: false,
            input: 1,
            output: 1,
            reasoning: 0,
            cacheRead: 0,
            cacheWrite5m: 0,
            cacheWrite1h: 0,
            costUsd: 0,
            complete: true,
          })),
        }),
      );
    const push = (body: Buffer, signal?: AbortSignal) =>
      fetch(`${one.url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: new Uint8Array(body),
        signal,
      });
    // 1. A push that has sent half its body holds the one slot.
    const held = batch(50, 0);
    const sock = createConnection(Number(u.port), u.hostname);
    await once(sock, 'connect');
    let answer = '';
    sock.on('data', (c: Buffer) => {
      answer += c.toString();
    });
    sock.write(
      `POST /v1/ingest HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${t}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${held.length}\r\nConnection: close\r\n\r\n`,
    );
    sock.write(held.subarray(0, 100));
    await sleep(200);
    // 2. A second push waits and is aborted while waiting; a third queues behind it.
    const ac = new AbortController();
    const aborted = push(batch(10, 100), ac.signal).catch((e: Error) => e);
    const third = push(batch(10, 200));
    await sleep(300);
    ac.abort();
    expect(((await aborted) as Error).name).toBe('AbortError');
    expect(await Promise.race([third.then(() => 'answered'), sleep(500).then(() => 'waiting')])).toBe(
      'waiting',
    );
    // 3. The first push completes; the third takes the slot the aborted one never had, and
    // the slot comes back after it.
    const closed = once(sock, 'close');
    sock.write(held.subarray(100));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect((await third).status).toBe(200);
    expect((await push(batch(10, 300))).status).toBe(200);
    const s = (await get<Summary>(`${one.url}/v1/summary`, reader)).body;
    expect(s.totals.turns).toBe(70);
  }, 60_000);

  it('a parent seen before its turns gets a placeholder under its own harness, back-filled', async () => {
    const t = token('tree-org', 'laptop');
    const post = (body: unknown) =>
      fetch(`${a.url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const turn = (harness: string, sessionId: string, key: string) => ({
      key,
      revision: 1,
      harness,
      sessionId,
      messageId: key,
      tsMs: Date.UTC(2026, 2, 1, 10),
      model: 'm',
      modelKey: 'm',
      priced: false,
      input: 1,
      output: 2,
      reasoning: 0,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      costUsd: 0,
      complete: true,
    });
    const child = {
      revision: 2,
      harness: 'codex',
      sessionId: 'child-x',
      parentSessionId: 'parent-x',
      parentHarness: 'claude-code',
      relationship: 'subagent',
      placeholder: false,
    };
    const orphan = {
      revision: 3,
      harness: 'codex',
      sessionId: 'child-y',
      parentSessionId: 'parent-y',
      relationship: 'fork',
      placeholder: false,
    };
    expect(
      (
        await post({
          sessions: [child, orphan],
          turns: [turn('codex', 'child-x', '00000000000000a1')],
          stamps: [],
        })
      ).status,
    ).toBe(200);
    const rows = async () =>
      (
        await pool.query(
          `SELECT s.harness, s.session_id, s.placeholder, s.turns::int FROM sessions s JOIN orgs o ON o.id = s.org_id
         WHERE o.name = 'tree-org' AND s.session_id LIKE 'parent-%' ORDER BY 2, 1`,
        )
      ).rows;
    expect(await rows()).toEqual([
      { harness: 'claude-code', session_id: 'parent-x', placeholder: true, turns: 0 },
      { harness: 'codex', session_id: 'parent-y', placeholder: true, turns: 0 },
    ]);
    // Their own turns arrive (parent-y turns out to be a Claude Code session).
    const body = {
      sessions: [],
      turns: [
        turn('claude-code', 'parent-x', '00000000000000b1'),
        turn('claude-code', 'parent-y', '00000000000000b2'),
      ],
      stamps: [],
    };
    expect((await post(body)).status).toBe(200);
    expect(await rows()).toEqual([
      { harness: 'claude-code', session_id: 'parent-x', placeholder: false, turns: 1 },
      { harness: 'claude-code', session_id: 'parent-y', placeholder: false, turns: 1 },
    ]);
    const reader = token('tree-org', 'reader', true);
    const s = await get<Awaited<ReturnType<typeof sdk.session>>>(`${a.url}/v1/session/parent-x`, reader);
    expect(s.body?.session.descendantCount).toBe(1);
    expect(s.body?.session.turns).toBe(2);
    expect(s.body?.children).toEqual([{ sessionId: 'child-x', relationship: 'subagent' }]);
  });

  it('burn push, burn ingest --watch --push and team queries from the CLI', async () => {
    const store = claudeStore('-work-cli');
    store.write(
      'cli-1',
      assistant({ session: 'cli-1', msg: 'c1', req: 'q1', usage: { input: 7, output: 9 } }),
    );
    const t = token('cli-org', 'cli-laptop');
    const reader = token('cli-org', 'reader', true);
    const env = {
      RELAYBURN_HOME: tempHome('cli-ledger'),
      CLAUDE_CONFIG_DIR: store.root,
      CODEX_HOME: tempHome('no-codex'),
      OPENCODE_DATA_DIR: tempHome('no-opencode'),
    };
    expect(burn(['ingest', '--quiet'], env).status).toBe(0);
    const pushed = burn(['push', '--server', a.url, '--token', t, '--json'], env);
    expect(pushed.stderr).toBe('');
    expect(JSON.parse(pushed.stdout)).toMatchObject({ batches: 1, turns: 1, sessions: 1 });
    const again = burn(['push'], { ...env, RELAYBURN_SERVER: a.url, RELAYBURN_TOKEN: t });
    expect(again.stdout).toMatch(/nothing new to push/);
    const noServer = burn(['push'], { ...env, RELAYBURN_SERVER: '', RELAYBURN_TOKEN: '' });
    expect(noServer.status).not.toBe(0);
    expect(noServer.stderr).toMatch(/server/);

    // --watch --push: a turn appended to the log reaches the server without another command.
    const watcher = spawn(
      process.execPath,
      [join(repoRoot, 'packages', 'cli', 'dist', 'main.js'), 'ingest', '--watch', '--push', '--quiet'],
      {
        env: { ...process.env, ...env, RELAYBURN_SERVER: b.url, RELAYBURN_TOKEN: t, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const { appendFileSync } = await import('node:fs');
      appendFileSync(
        store.file('cli-1'),
        assistant({
          session: 'cli-1',
          msg: 'c2',
          req: 'q2',
          usage: { input: 1, output: 2 },
          ts: '2026-03-01T10:01:00.000Z',
        }),
      );
      let turns = 0;
      for (let i = 0; i < 100 && turns < 2; i++) {
        await new Promise((r) => setTimeout(r, 200));
        turns = (await get<Summary>(`${a.url}/v1/summary`, reader)).body.totals.turns;
      }
      expect(turns).toBe(2);
    } finally {
      watcher.kill('SIGTERM');
    }
    const team = burn(['sessions', '--server', a.url, '--token', reader, '--flat', '--json']);
    const local = burn(['sessions', '--flat', '--json'], env);
    const pick = (rows: Array<{ sessionId: string; turns: number; costUsd: number }>) =>
      rows.map((r) => [r.sessionId, r.turns, r.costUsd]);
    expect(pick(JSON.parse(team.stdout))).toEqual(pick(JSON.parse(local.stdout)));
    const table = burn(['summary', '--server', a.url, '--token', reader, '--by', 'device']);
    expect(table.stdout).toMatch(/cli-laptop/);
    expect(burn(['summary', '--server', a.url]).stderr).toMatch(/--token/);
  }, 60_000);

  it('holds org isolation on every endpoint', async () => {
    const other = tokens.other as string;
    const s = await get<Summary>(`${a.url}/v1/summary?groupBy=device`, other);
    expect(s.body.totals.turns).toBe(0);
    expect((await get<unknown[]>(`${a.url}/v1/sessions`, other)).body).toEqual([]);
    const acmeSession = (
      await get<Array<{ sessionId: string }>>(`${a.url}/v1/sessions?limit=1`, tokens.reader as string)
    ).body[0];
    expect(acmeSession).toBeDefined();
    const d = await get<unknown>(
      `${a.url}/v1/session/${encodeURIComponent(acmeSession?.sessionId ?? '')}`,
      other,
    );
    expect([d.status, d.body]).toEqual([200, null]);
    // The other org pushing a turn with an acme key writes its own row, never acme's.
    const before = (await get<Summary>(`${a.url}/v1/summary`, tokens.reader as string)).body;
    const home = tempHome('globex');
    const store = claudeStore('-work-globex');
    store.write('g-1', assistant({ session: 'g-1', msg: 'gm', req: 'gr', usage: { input: 1, output: 1 } }));
    await ingestInto(home, store.root);
    await sdk.push({ ledgerHome: home, server: a.url, token: other });
    expect((await get<Summary>(`${a.url}/v1/summary`, tokens.reader as string)).body).toEqual(before);
    expect((await get<Summary>(`${a.url}/v1/summary`, other)).body.totals.turns).toBe(1);
  });

  describe('refuses bad input, writing nothing', () => {
    const valid = () => ({
      sessions: [],
      turns: [
        {
          key: '00000000000000ff',
          revision: 1,
          harness: 'claude-code',
          sessionId: 'bad-1',
          messageId: 'x',
          tsMs: Date.UTC(2026, 0, 1),
          model: 'm',
          modelKey: 'm',
          priced: false,
          input: 1,
          output: 1,
          reasoning: 0,
          cacheRead: 0,
          cacheWrite5m: 0,
          cacheWrite1h: 0,
          costUsd: 0,
          complete: true,
        },
      ],
      stamps: [],
    });
    const send = (body: string | Buffer, t = tokens.d1 as string, headers: Record<string, string> = {}) =>
      fetch(`${b.url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
    // The server answers 413 from the Content-Length alone, before reading the body, and
    // closes (fetch would fail writing it): this announces 9 MiB on a socket, sends none of
    // it, and reads the answer.
    const rawPost = (bytes: number) =>
      new Promise<{ status: number; json: () => Promise<unknown> }>((resolve, reject) => {
        const u = new URL(`${b.url}/v1/ingest`);
        const sock = createConnection(Number(u.port), u.hostname);
        let got = '';
        const done = () => {
          const status = Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0);
          const text = got.slice(got.indexOf('\r\n\r\n') + 4);
          resolve({ status, json: async () => JSON.parse(text) });
        };
        sock.on('data', (c: Buffer) => {
          got += c.toString();
          const len = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? -1);
          const head = got.indexOf('\r\n\r\n');
          if (head >= 0 && len >= 0 && Buffer.byteLength(got.slice(head + 4)) >= len) {
            sock.destroy();
            done();
          }
        });
        sock.on('error', reject);
        sock.write(
          `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${tokens.d1}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`,
        );
      });
    const cases: Array<
      [string, () => Promise<{ status: number; json: () => Promise<unknown> }>, number, string]
    > = [
      ['malformed JSON', () => send('{"sessions": ['), 400, 'INVALID_BODY'],
      ['an unknown field', () => send(JSON.stringify({ ...valid(), extra: 1 })), 400, 'INVALID_BODY'],
      [
        'an unknown turn field',
        () => send(JSON.stringify({ ...valid(), turns: [{ ...valid().turns[0], title: 'secret' }] })),
        400,
        'INVALID_BODY',
      ],
      [
        'a negative count',
        () => send(JSON.stringify({ ...valid(), turns: [{ ...valid().turns[0], input: -5 }] })),
        400,
        'INVALID_BODY',
      ],
      [
        'an absurd count',
        () => send(JSON.stringify({ ...valid(), turns: [{ ...valid().turns[0], output: 1e13 }] })),
        400,
        'INVALID_BODY',
      ],
      [
        'a string count',
        () => send(JSON.stringify({ ...valid(), turns: [{ ...valid().turns[0], output: '5' }] })),
        400,
        'INVALID_BODY',
      ],
      [
        'more than 5,000 rows',
        () =>
          send(JSON.stringify({ ...valid(), turns: Array.from({ length: 5001 }, () => valid().turns[0]) })),
        400,
        'INVALID_BODY',
      ],
      [
        '5,000 rows across kinds',
        () =>
          send(
            JSON.stringify({
              ...valid(),
              turns: Array.from({ length: 4000 }, () => valid().turns[0]),
              stamps: Array.from({ length: 1001 }, (_, i) => ({
                revision: 1,
                id: `s${i}`,
                sessionId: 'x',
                enrichment: { a: 'b' },
                tsMs: Date.UTC(2026, 0, 1),
              })),
            }),
          ),
        400,
        'BATCH_TOO_LARGE',
      ],
      ['a body over 8 MiB', () => rawPost(9 * 1024 * 1024), 413, 'BODY_TOO_LARGE'],
      [
        'a gzip bomb over 8 MiB',
        () =>
          send(gzipSync(JSON.stringify({ ...valid(), pad: ' '.repeat(20 * 1024 * 1024) })), undefined, {
            'content-encoding': 'gzip',
          }),
        413,
        'BODY_TOO_LARGE',
      ],
      [
        'a broken gzip body',
        () => send(Buffer.from('not gzip at all'), undefined, { 'content-encoding': 'gzip' }),
        400,
        'INVALID_BODY',
      ],
      ['a wrong token', () => send(JSON.stringify(valid()), 'rbt_nope'), 401, 'UNAUTHORIZED'],
      ['a read-only token', () => send(JSON.stringify(valid()), tokens.reader), 403, 'READ_ONLY'],
    ];
    it.each(cases)('%s', async (_name, request, status, code) => {
      const before = await footprint();
      const res = await request();
      expect(res.status).toBe(status);
      expect(((await res.json()) as { code: string }).code).toBe(code);
      expect(await footprint()).toBe(before);
    });

    it('a revoked token: 401; a bad query parameter: 400', async () => {
      const t = token('acme', 'to-revoke');
      const r = server(['token', 'revoke', t], { DATABASE_URL: db.url });
      expect(r.stdout).toMatch(/revoked 1 token/);
      const before = await footprint();
      const res = await send(JSON.stringify(valid()), t);
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'UNAUTHORIZED']);
      expect(await footprint()).toBe(before);
      expect((await get(`${a.url}/v1/summary?groupBy=tool`, tokens.reader as string)).status).toBe(400);
      expect((await get(`${a.url}/v1/summary?since=yesterdayish`, tokens.reader as string)).status).toBe(400);
      expect((await get(`${a.url}/v1/sessions?bogus=1`, tokens.reader as string)).status).toBe(400);
      expect((await get(`${a.url}/v1/summary`, 'rbt_nope')).status).toBe(401);
    });

    it('rate-limits per token: 429', async () => {
      const limited = await startServer(db.url, ['--rate-limit', '3']);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await get(`${limited.url}/v1/summary`, tokens.reader as string)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      // Another token has its own budget.
      expect((await get(`${limited.url}/v1/summary`, tokens.d1 as string)).status).toBe(200);
    });

    it('database down: 503, and the client keeps its outbox', async () => {
      // The server reaches PostgreSQL through a TCP relay the test can cut.
      const target = new URL(db.url);
      const sockets = new Set<import('node:net').Socket>();
      const relay: Server = createServer((c) => {
        const up = createConnection(Number(target.port || 5432), target.hostname);
        sockets.add(c).add(up);
        c.pipe(up).pipe(c);
        c.on('error', () => up.destroy());
        up.on('error', () => c.destroy());
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
      const port = (relay.address() as import('node:net').AddressInfo).port;
      const viaRelay = new URL(db.url);
      viaRelay.host = `127.0.0.1:${port}`;
      const s = await startServer(viaRelay.toString());
      const home = tempHome('down');
      const store = claudeStore('-work-down');
      store.write(
        'down-1',
        assistant({ session: 'down-1', msg: 'dm', req: 'dr', usage: { input: 3, output: 4 } }),
      );
      await ingestInto(home, store.root);
      const closed = new Promise<void>((r) => relay.close(() => r()));
      for (const sock of sockets) sock.destroy();
      await closed;
      const before = await footprint();
      expect((await fetch(`${s.url}/v1/health`)).status).toBe(503);
      const viaDown = await fetch(`${s.url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.d1}`, 'content-type': 'application/json' },
        body: JSON.stringify(valid()),
      });
      expect([viaDown.status, ((await viaDown.json()) as { code: string }).code]).toEqual([
        503,
        'DATABASE_UNAVAILABLE',
      ]);
      await expect(
        sdk.push({ ledgerHome: home, server: s.url, token: tokens.d1 as string, retries: 1 }),
      ).rejects.toMatchObject({
        code: 'SERVER',
      });
      expect(await footprint()).toBe(before);
      // The outbox kept everything: a push to a reachable instance sends it.
      const p = await sdk.push({
        ledgerHome: home,
        server: s.url.replace(/:\d+$/, `:${new URL(a.url).port}`),
        token: tokens.d1 as string,
      });
      expect(p.turns).toBe(1);
    });
  });
});
