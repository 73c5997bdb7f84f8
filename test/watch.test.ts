import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { assistant, session, T0, tree, writeDoc } from './helpers/opencode.js';
import { entryPoints } from './helpers/sdk.js';

const row = (i: number) =>
  `${JSON.stringify({
    type: 'assistant',
    sessionId: 'w1',
    timestamp: `2026-02-01T00:00:0${i}.000Z`,
    requestId: `r${i}`,
    message: {
      id: `m${i}`,
      model: 'claude-sonnet-4-5',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'ok' }],
      usage: { input_tokens: 1, output_tokens: 10 * i },
    },
  })}\n`;

function store(): { root: string; file: string } {
  const root = tempHome('store');
  mkdirSync(join(root, 'projects', '-p'), { recursive: true });
  return { root, file: join(root, 'projects', '-p', 'w1.jsonl') };
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe.each(entryPoints)('watch and ingest control via %s', (_name, sdk) => {
  it('watch ingests new bytes as they are written, then stops on abort', async () => {
    const ledgerHome = tempHome();
    const { root, file } = store();
    writeFileSync(file, row(1));
    const reports: number[] = [];
    const ac = new AbortController();
    const done = sdk.watch({
      roots: { 'claude-code': [root] },
      ledgerHome,
      signal: ac.signal,
      onReport: (r) => reports.push(r.turnsAdded),
    });
    await until(async () => (await sdk.summary({ ledgerHome })).totals.turns === 1);
    writeFileSync(file, row(1) + row(2));
    await until(async () => (await sdk.summary({ ledgerHome })).totals.turns === 2);
    ac.abort();
    await done;
    expect(reports.reduce((a, b) => a + b, 0)).toBe(2);
    expect((await sdk.summary({ ledgerHome })).totals.outputTokens).toBe(30);
  });

  it('ingests just the changed files on an event, and sweeps for new directories', async () => {
    const ledgerHome = tempHome();
    const { root, file } = store();
    writeFileSync(file, row(1));
    for (const other of ['o1', 'o2', 'o3']) writeFileSync(join(root, 'projects', '-p', `${other}.jsonl`), '');
    const reports: Array<{ filesScanned: number; turnsAdded: number }> = [];
    const ac = new AbortController();
    const done = sdk.watch({
      roots: { 'claude-code': [root] },
      ledgerHome,
      signal: ac.signal,
      onReport: (r) => reports.push(r),
    });
    await until(async () => reports.length === 1);
    expect(reports[0]).toMatchObject({ filesScanned: 4, turnsAdded: 1 });
    appendFileSync(file, row(2));
    // (The report reaches JS after the commit: wait for it, not for the row.)
    await until(async () => reports.length === 2);
    // The event named the file: one file was looked at, not the store.
    expect(reports[1]).toMatchObject({ filesScanned: 1, turnsAdded: 1 });
    // A subagent transcript in a new directory (whose own events may precede its watch).
    const sub = join(root, 'projects', '-p', 'w1', 'subagents');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'agent-a1.jsonl'), row(3).replaceAll('"m3"', '"m-sub"'));
    await until(async () => reports.reduce((a, r) => a + r.turnsAdded, 0) === 3);
    ac.abort();
    await done;
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(3);
  });

  it('re-plans only the OpenCode stores on an OpenCode event', async () => {
    const ledgerHome = tempHome();
    const { root, file } = store();
    writeFileSync(file, row(1));
    const oc = tempHome('opencode');
    const t = tree(oc);
    writeDoc(t.session('ses_w'), session('ses_w'));
    writeDoc(t.message('ses_w', 'msg_1'), assistant('msg_1', 'ses_w', T0, { input: 5, output: 7 }));
    const reports: Array<{ filesScanned: number; turnsAdded: number }> = [];
    const ac = new AbortController();
    const done = sdk.watch({
      roots: { 'claude-code': [root], opencode: [oc] },
      ledgerHome,
      signal: ac.signal,
      onReport: (r) => reports.push(r),
    });
    await until(async () => reports.length === 1);
    expect(reports[0]).toMatchObject({ filesScanned: 3, turnsAdded: 2 });
    // A part file names its message only through the tree: the OpenCode store is re-planned
    // (its 3 documents), not the Claude one.
    writeDoc(t.message('ses_w', 'msg_2'), assistant('msg_2', 'ses_w', T0 + 1000, { input: 1, output: 2 }));
    await until(async () => reports.reduce((a, r) => a + r.turnsAdded, 0) === 3);
    ac.abort();
    await done;
    expect(reports.slice(1).every((r) => r.filesScanned <= 3)).toBe(true);
  });

  it('reports progress and honours an already-aborted signal', async () => {
    const ledgerHome = tempHome();
    const { root, file } = store();
    writeFileSync(file, row(1));
    copyFileSync(file, join(root, 'projects', '-p', 'w2.jsonl'));
    const seen: Array<{ filesDone: number; filesTotal: number }> = [];
    const report = await sdk.ingest({
      roots: { 'claude-code': [root] },
      ledgerHome,
      onProgress: (p) => seen.push(p),
    });
    expect(report.filesChanged).toBe(2);
    // The final progress call reports every file done.
    await until(async () => seen.some((p) => p.filesDone === 2 && p.filesTotal === 2));
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome, signal: ac.signal }),
    ).rejects.toThrow('stop');
  });

  it('rejects bad ingest and watch options with INVALID_ARGUMENT', async () => {
    await expect(sdk.ingest({ harnesses: ['cursor' as never] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'harnesses',
    });
    await expect(sdk.ingest({ roots: { 'claude-code': 'dir' as never } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'roots.claude-code',
    });
    await expect(sdk.ingest({ sessionFile: '' })).rejects.toMatchObject({ field: 'sessionFile' });
    await expect(sdk.ingest({ onProgress: 5 as never })).rejects.toMatchObject({ field: 'onProgress' });
    await expect(sdk.watch({ sessionFile: 'x' } as never)).rejects.toMatchObject({ field: 'sessionFile' });
    await expect(sdk.summary({ groupBy: 'colour' as never })).rejects.toMatchObject({ field: 'groupBy' });
    await expect(sdk.summary({ since: 'someday' })).rejects.toMatchObject({ field: 'since' });
    await expect(sdk.sessions({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
    await expect(sdk.session({} as never)).rejects.toMatchObject({ field: 'sessionId' });
  });
});
