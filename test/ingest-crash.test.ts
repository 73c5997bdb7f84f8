// Crash safety and concurrency of ingest: a SIGKILLed pass leaves a ledger the next pass
// completes exactly (rows and cursors commit together), and ingest runs beside stamp writers.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assistant, userText } from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { ingestChild, killMidway } from './helpers/ingest-process.js';
import { repoRoot } from './helpers/paths.js';
import { esm as sdk } from './helpers/sdk.js';

const FILES = 80;
const TURNS_PER_FILE = 120;

/** A store big enough that one debug-build pass spans many commits (~24 MB). */
function bigStore(): string {
  const root = tempHome('crash-store');
  const filler = 'lorem ipsum dolor sit amet '.repeat(80);
  for (let f = 0; f < FILES; f++) {
    const dir = join(root, 'projects', `-p${f % 6}`);
    mkdirSync(dir, { recursive: true });
    const session = `sess-${f}`;
    const rows: string[] = [];
    for (let t = 0; t < TURNS_PER_FILE; t++) {
      const base = { session, msg: `m-${f}-${t}`, req: `r-${f}-${t}` };
      const usage = { input: t, cacheRead: 100 * t, cache5m: f, cache1h: t % 3 };
      rows.push(userText(session, `u-${f}-${t}`, filler));
      // Streamed: a partial row, then the final one.
      rows.push(assistant({ ...base, stop: null, usage: { ...usage, output: 1 } }));
      rows.push(assistant({ ...base, usage: { ...usage, output: 10 + t } }));
    }
    writeFileSync(join(dir, `${session}.jsonl`), rows.join(''));
  }
  return root;
}

/** A child process writing `count` stamps through the public CJS entry (4 in flight). */
function stampWriter(ledgerHome: string, writer: number, count: number) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'test', 'helpers', 'write-stamps.cjs'), ledgerHome, String(writer), String(count)],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function fingerprint(ledgerHome: string) {
  const bySession = await sdk.summary({ ledgerHome, groupBy: 'session' });
  const sessions = await sdk.sessions({ ledgerHome, limit: 1000 });
  return {
    totals: bySession.totals,
    groups: bySession.groups,
    sessions: sessions
      .map((s) => [s.sessionId, s.turns, s.totalTokens, s.firstTs, s.lastTs])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  };
}

describe('ingest crash safety', () => {
  const root = bigStore();
  const expected = {
    turns: FILES * TURNS_PER_FILE,
    // Σ_f Σ_t (10 + t): final usage only, partial rows never summed.
    outputTokens: FILES * (10 * TURNS_PER_FILE + (TURNS_PER_FILE * (TURNS_PER_FILE - 1)) / 2),
  };

  let want: Awaited<ReturnType<typeof fingerprint>>;
  beforeAll(async () => {
    // The reference: one clean pass in its own process.
    const ledgerHome = tempHome('crash-ref');
    const run = ingestChild(ledgerHome, root, 'claude-code');
    expect(await run.done).toMatchObject({ code: 0, stderr: '' });
    want = await fingerprint(ledgerHome);
  });

  it('a clean pass gives the exact totals', () => {
    expect(want.totals).toMatchObject(expected);
    expect(want.sessions).toHaveLength(FILES);
  });

  it.each([0.1, 0.4, 0.7])(
    'killed with SIGKILL at %d of the bytes, the next pass completes exactly',
    async (fraction) => {
      const ledgerHome = tempHome('crash');
      // The child pauses right after the commit that reaches `fraction` of the bytes, so the
      // kill lands there whatever the build's speed.
      const exit = await killMidway(ledgerHome, root, 'claude-code', fraction);
      // The kill must have landed mid-run for the test to mean anything.
      expect(exit.signal).toBe('SIGKILL');
      const partial = (await sdk.summary({ ledgerHome })).totals.turns;
      expect(partial).toBeLessThan(expected.turns);

      const report = await sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome });
      expect(report.turnsAdded).toBe(expected.turns - partial);
      expect(report.errors).toEqual([]);
      expect(await fingerprint(ledgerHome)).toEqual(want);
      const again = await sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome });
      expect(again).toMatchObject({ turnsAdded: 0, bytesRead: 0 });
    },
  );

  it('a rebuild killed midway keeps every stamp, and the next pass completes it exactly', async () => {
    const ledgerHome = tempHome('crash-rebuild');
    await sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome });
    for (let f = 0; f < FILES; f += 8) {
      await sdk.writeStamp({ ledgerHome, sessionId: `sess-${f}`, enrichment: { batch: String(f % 3) } });
    }
    const stampsBefore = await sdk.stamps({ ledgerHome });
    const tagsBefore = await sdk.summary({ ledgerHome, groupBy: 'tag:batch' });

    expect((await killMidway(ledgerHome, root, 'claude-code', 0.4, { mode: 'rebuild' })).signal).toBe(
      'SIGKILL',
    );
    // The reset committed, the re-read did not finish: fewer turns, every stamp.
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBeLessThan(expected.turns);
    expect(await sdk.stamps({ ledgerHome })).toEqual(stampsBefore);

    await sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome });
    expect(await fingerprint(ledgerHome)).toEqual(want);
    expect(await sdk.summary({ ledgerHome, groupBy: 'tag:batch' })).toEqual(tagsBefore);
  });

  it('ingest runs beside 4 stamp-writing processes: every stamp stored, totals exact', async () => {
    const ledgerHome = tempHome('crash-conc');
    const writers = Array.from({ length: 4 }, (_, w) => stampWriter(ledgerHome, w, 200));
    const ingests = [
      ingestChild(ledgerHome, root, 'claude-code'),
      ingestChild(ledgerHome, root, 'claude-code'),
    ];
    const results = await Promise.all([...writers, ...ingests.map((r) => r.done)]);
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await sdk.stamps({ ledgerHome })).toHaveLength(800);
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject(expected);
  });
  it('8 processes x 1,000 writeStamp while a watch ingests: all 8,000 stored', async () => {
    const ledgerHome = tempHome('crash-watch');
    // A second store the test keeps appending to, so the watch keeps writing throughout.
    const live = tempHome('crash-live');
    const dir = join(live, 'projects', '-live');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'live.jsonl');
    writeFileSync(file, '');
    const ac = new AbortController();
    const watching = sdk.watch({ roots: { 'claude-code': [root, live] }, ledgerHome, signal: ac.signal });
    const writers = Array.from({ length: 8 }, (_, w) => stampWriter(ledgerHome, w, 1000));
    let appended = 0;
    let writing = true;
    const appender = (async () => {
      while (writing) {
        const t = appended++;
        appendFileSync(
          file,
          assistant({ session: 'live', msg: `lm-${t}`, req: `lr-${t}`, usage: { input: 1, output: 2 } }),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const results = await Promise.all(writers);
    writing = false;
    await appender;
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await sdk.stamps({ ledgerHome })).toHaveLength(8000);
    const want = expected.turns + appended;
    const deadline = Date.now() + 60_000;
    while ((await sdk.summary({ ledgerHome })).totals.turns !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    ac.abort();
    await watching;
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(want);
  }, 180_000);
});
