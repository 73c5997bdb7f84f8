// Pending stamps through the public package: a launcher that cannot know the session id
// stamps "the next session of this harness in this directory"; ingest gives the labels to the
// session it spawned and to no other.
import { appendFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { ingestChild } from './helpers/ingest-process.js';
import {
  assistant as ocAssistant,
  session as ocSession,
  user as ocUser,
  tree,
  writeDoc,
} from './helpers/opencode.js';
import { entryPoints, esm as sdk } from './helpers/sdk.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

// ---- Codex rollouts with a chosen cwd and clock ----
const row = (ms: number, type: string, payload: object) =>
  `${JSON.stringify({ timestamp: iso(ms), type, payload })}\n`;

/** Turn `n` (1-based) of a Codex session: prompt, context, token growth of 1000 in / 100 out. */
function codexTurn(n: number, atMs: number, cwd: string): string {
  const total = {
    input_tokens: 1000 * n,
    cached_input_tokens: 0,
    output_tokens: 100 * n,
    reasoning_output_tokens: 0,
  };
  const last = { input_tokens: 1000, cached_input_tokens: 0, output_tokens: 100, reasoning_output_tokens: 0 };
  return (
    row(atMs, 'response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: `task ${n}` }],
    }) +
    row(atMs, 'turn_context', { turn_id: `t${n}`, cwd, model: 'gpt-5.4' }) +
    row(atMs, 'event_msg', { type: 'task_started', turn_id: `t${n}` }) +
    row(atMs + 500, 'event_msg', {
      type: 'token_count',
      info: { total_token_usage: total, last_token_usage: last, model_context_window: 272000 },
    }) +
    row(atMs + 600, 'event_msg', { type: 'task_complete', turn_id: `t${n}` })
  );
}

function codexMeta(id: string, atMs: number, cwd: string): string {
  return row(atMs, 'session_meta', {
    id,
    timestamp: iso(atMs),
    cwd,
    originator: 'codex_cli_rs',
    cli_version: '0.50.0',
    model_provider: 'openai',
  });
}

let fileNo = 0;
/** A Codex home; `session` writes a rollout whose first event is at `startMs`. */
function codexHome() {
  const home = tempHome('codex');
  const day = join(home, 'sessions', '2026', '11', '23');
  mkdirSync(day, { recursive: true });
  const session = (id: string, cwd: string, startMs: number, turns = 1) => {
    const file = join(day, `rollout-${String(++fileNo).padStart(4, '0')}-${id}.jsonl`);
    let text = codexMeta(id, startMs, cwd);
    for (let n = 1; n <= turns; n++) text += codexTurn(n, startMs + (n - 1) * 1000, cwd);
    writeFileSync(file, text);
    // Ingest applies older files first: keep file order = start order.
    const mtime = new Date(startMs);
    utimesSync(file, mtime, mtime);
    return file;
  };
  return { home, session };
}

async function tagsOf(ledgerHome: string, sessionId: string) {
  const detail = await sdk.session({ ledgerHome, sessionId });
  if (!detail) throw new Error(`no session ${sessionId}`);
  return detail.session.tags;
}

describe('pending stamps', () => {
  it('the spawned session claims the stamp, as an ordinary session stamp with the same id', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const spawn = Date.now() - 60_000;
    const receipt = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { spawner: 'pear', persona: 'reviewer' },
      spawnStartTs: iso(spawn),
      spawnerPid: process.pid,
    });
    expect(receipt.id).toMatch(/^[0-9a-f]{16}$/);
    expect(receipt.expiresAt).toBe(iso(spawn + 24 * HOUR));
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(1);

    session('spawned', cwd, spawn + 1500, 2);
    const report = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(report).toMatchObject({ sessionsAdded: 1, turnsAdded: 2, pendingStampsApplied: 1 });

    expect(await tagsOf(ledgerHome, 'spawned')).toEqual({ spawner: 'pear', persona: 'reviewer' });
    expect(await sdk.stamps({ ledgerHome })).toEqual([
      {
        id: receipt.id,
        sessionId: 'spawned',
        enrichment: { spawner: 'pear', persona: 'reviewer' },
        ts: iso(spawn),
        seq: expect.any(Number),
      },
    ]);
    const tagged = await sdk.summary({ ledgerHome, tags: { persona: 'reviewer' } });
    expect(tagged.totals).toMatchObject({ turns: 2, inputTokens: 2000, outputTokens: 200 });
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(0);

    // Claimed once: later passes (and later turns of the session) claim nothing more.
    const again = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(again.pendingStampsApplied).toBe(0);
    expect(await sdk.stamps({ ledgerHome })).toHaveLength(1);
  });

  it('a session that existed before the spawn in the same cwd never claims it', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const spawn = Date.now() - 10 * 60_000;

    // Already in the ledger when the launcher writes the stamp; its first event is inside the
    // clock slack, and it grows after the stamp is written.
    const prior = session('prior', cwd, spawn - 1000);
    // Started long before the spawn but first ingested after it, still running afterwards.
    session('older', cwd, spawn - 5 * 60_000, 1);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).sessionsAdded).toBe(2);

    const { id } = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { persona: 'reviewer' },
      spawnStartTs: iso(spawn),
    });
    appendFileSync(prior, codexTurn(2, spawn + 5000, cwd));
    let report = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(report).toMatchObject({ turnsAdded: 1, pendingStampsApplied: 0 });
    expect(await tagsOf(ledgerHome, 'prior')).toEqual({});

    // A session started well before the spawn, met for the first time now.
    session('late-found', cwd, spawn - 60_000, 3);
    report = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(report).toMatchObject({ sessionsAdded: 1, pendingStampsApplied: 0 });
    expect(await tagsOf(ledgerHome, 'late-found')).toEqual({});

    // The spawned one still gets it.
    session('spawned', cwd, spawn + 3000);
    report = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(report.pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'spawned')).toEqual({ persona: 'reviewer' });
    expect((await sdk.stamps({ ledgerHome })).map((s) => [s.id, s.sessionId])).toEqual([[id, 'spawned']]);
  });

  it('another cwd, another harness, a subagent or a log outside sessionDirHint does not claim', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const elsewhere = tempHome('cwd');
    const spawn = Date.now() - 10 * 60_000;
    const codex = codexHome();
    const otherHome = codexHome();
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { persona: 'reviewer' },
      spawnStartTs: iso(spawn),
      sessionDirHint: join(codex.home, 'sessions'),
    });

    codex.session('other-cwd', elsewhere, spawn + 1000);
    otherHome.session('other-home', cwd, spawn + 1000);
    // A subagent thread the spawned session would start (same cwd, after the spawn).
    writeFileSync(
      join(codex.home, 'sessions', '2026', '11', '23', 'rollout-sub.jsonl'),
      row(spawn + 2000, 'session_meta', {
        id: 'sub-1',
        timestamp: iso(spawn + 2000),
        cwd,
        source: { subagent: { thread_spawn: { parent_thread_id: 'someone' } } },
      }) + codexTurn(1, spawn + 9000, cwd), // after the 2 s replay window
    );
    // Claude Code in the same directory.
    const claude = claudeStore();
    claude.write(
      'claude-1',
      userText('claude-1', 'u1', 'hi', iso(spawn + 1000)).replace('"/work/app"', JSON.stringify(cwd)),
      assistant({
        session: 'claude-1',
        msg: 'm1',
        req: 'r1',
        usage: { output: 5 },
        ts: iso(spawn + 2000),
        cwd,
      }),
    );

    const report = await sdk.ingest({
      ledgerHome,
      roots: { codex: [codex.home, otherHome.home], 'claude-code': [claude.root] },
    });
    expect(report).toMatchObject({ sessionsAdded: 4, pendingStampsApplied: 0 });
    const sub = (await sdk.sessions({ ledgerHome, flat: true })).find((s) => s.sessionId === 'sub-1');
    expect(sub?.relationship).toBe('subagent');
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(1);
    expect(await sdk.stamps({ ledgerHome })).toEqual([]);

    // The hint does not stop the right session.
    codex.session('right', cwd, spawn + 4000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [codex.home] } })).pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'right')).toEqual({ persona: 'reviewer' });
  });

  it('an OpenCode session (storage tree) claims by its directory; its child sessions do not', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const data = tempHome('opencode');
    const spawn = Date.now() - 10 * 60_000;
    const p = tree(data);
    const first = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'opencode',
      cwd,
      enrichment: { persona: 'planner' },
      spawnStartTs: iso(spawn),
      sessionDirHint: data,
    });
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'opencode',
      cwd,
      enrichment: { persona: 'other' },
      spawnStartTs: iso(spawn),
    });
    const inCwd = { path: { cwd, root: cwd } };
    writeDoc(p.session('ses_main'), ocSession('ses_main', { directory: cwd }), spawn + 1000);
    writeDoc(p.message('ses_main', 'msg_1'), ocUser('msg_1', 'ses_main', spawn + 1500), spawn + 1500);
    writeDoc(
      p.message('ses_main', 'msg_2'),
      { ...ocAssistant('msg_2', 'ses_main', spawn + 2000, { input: 10, output: 5 }), ...inCwd },
      spawn + 2000,
    );
    writeDoc(
      p.session('ses_kid'),
      ocSession('ses_kid', { directory: cwd, parentID: 'ses_main' }),
      spawn + 3000,
    );
    writeDoc(
      p.message('ses_kid', 'msg_3'),
      { ...ocAssistant('msg_3', 'ses_kid', spawn + 3500, { input: 1, output: 1 }), ...inCwd },
      spawn + 3500,
    );

    const report = await sdk.ingest({ ledgerHome, roots: { opencode: [data] } });
    expect(report).toMatchObject({ sessionsAdded: 2, pendingStampsApplied: 1 });
    expect(await tagsOf(ledgerHome, 'ses_main')).toEqual({ persona: 'planner' });
    // The child claims nothing itself; it carries its parent's stamp by inheritance.
    expect(await sdk.stamps({ ledgerHome, sessionId: 'ses_kid' })).toEqual([]);
    expect(await tagsOf(ledgerHome, 'ses_kid')).toEqual({ persona: 'planner' });
    expect((await sdk.stamps({ ledgerHome })).map((s) => s.id)).toEqual([first.id]);
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(1);
  });

  it('two launches in one cwd pair with two sessions in spawn order', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const t = Date.now() - 10 * 60_000;
    // Both launched before either session wrote anything.
    const first = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { run: 'one' },
      spawnStartTs: iso(t),
    });
    const second = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { run: 'two' },
      spawnStartTs: iso(t + 1000),
    });
    session('b-second', cwd, t + 6000);
    session('a-first', cwd, t + 5000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(2);
    expect(await tagsOf(ledgerHome, 'a-first')).toEqual({ run: 'one' });
    expect(await tagsOf(ledgerHome, 'b-second')).toEqual({ run: 'two' });
    const bySession = Object.fromEntries((await sdk.stamps({ ledgerHome })).map((s) => [s.sessionId, s.id]));
    expect(bySession).toEqual({ 'a-first': first.id, 'b-second': second.id });

    // One launch after another, each session ingested as it appears.
    const third = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { run: 'three' },
      spawnStartTs: iso(t + 60_000),
    });
    session('c-third', cwd, t + 61_000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(1);
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { run: 'four' },
      spawnStartTs: iso(t + 120_000),
    });
    session('d-fourth', cwd, t + 121_000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'c-third')).toEqual({ run: 'three' });
    expect(await tagsOf(ledgerHome, 'd-fourth')).toEqual({ run: 'four' });
    expect((await sdk.stamps({ ledgerHome, sessionId: 'c-third' }))[0]?.id).toBe(third.id);
    const groups = (await sdk.summary({ ledgerHome, groupBy: 'tag:run' })).groups.map((g) => [
      g.key,
      g.turns,
    ]);
    expect(groups.sort()).toEqual([
      ['four', 1],
      ['one', 1],
      ['three', 1],
      ['two', 1],
    ]);
  });

  it('matches through symlinks on either side', async () => {
    const ledgerHome = tempHome();
    const real = tempHome('cwd');
    const links = tempHome('links');
    const link = join(links, 'project');
    symlinkSync(real, link, 'dir');
    const { home, session } = codexHome();
    const t = Date.now() - 10 * 60_000;

    // Launcher knows the symlink, the harness recorded the real path.
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd: link,
      enrichment: { via: 'link' },
      spawnStartTs: iso(t),
    });
    session('real-cwd', real, t + 1000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'real-cwd')).toEqual({ via: 'link' });

    // And the other way round; a relative path with `..` works too.
    const relative = join(
      links,
      '..',
      links.split(/[\\/]/).pop() as string,
      '..',
      real.split(/[\\/]/).pop() as string,
    );
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd: relative,
      enrichment: { via: 'real' },
      spawnStartTs: iso(t + 60_000),
    });
    session('link-cwd', link, t + 61_000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'link-cwd')).toEqual({ via: 'real' });
  });

  it('expires unclaimed stamps 24 h after the spawn; ingest removes them', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const spawn = Date.now() - 25 * HOUR;
    const old = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { k: 'stale' },
      spawnStartTs: iso(spawn),
    });
    expect(Date.parse(old.expiresAt)).toBeLessThan(Date.now());
    const live = await sdk.writePendingStamp({
      ledgerHome,
      harness: 'opencode',
      cwd,
      enrichment: { k: 'live' },
    });
    expect(Date.parse(live.expiresAt)).toBeGreaterThan(Date.now() + 23 * HOUR);
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(2);

    // A session that started after the stamp expired does not get it.
    session('too-late', cwd, Date.now() - 60_000);
    const report = await sdk.ingest({ ledgerHome, roots: { codex: [home] } });
    expect(report).toMatchObject({ sessionsAdded: 1, pendingStampsApplied: 0 });
    expect(await tagsOf(ledgerHome, 'too-late')).toEqual({});
    // The expired one is gone; the live one waits.
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(1);
  });

  it('a session that started before expiry claims even when ingested after it', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const spawn = Date.now() - 25 * HOUR;
    await sdk.writePendingStamp({
      ledgerHome,
      harness: 'codex',
      cwd,
      enrichment: { k: 'v' },
      spawnStartTs: iso(spawn),
    });
    session('slow', cwd, spawn + 60_000);
    expect((await sdk.ingest({ ledgerHome, roots: { codex: [home] } })).pendingStampsApplied).toBe(1);
    expect(await tagsOf(ledgerHome, 'slow')).toEqual({ k: 'v' });
  });

  it('two concurrent ingesters (processes) claim each stamp once', async () => {
    const ledgerHome = tempHome();
    const cwd = tempHome('cwd');
    const { home, session } = codexHome();
    const t = Date.now() - 10 * 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await sdk.writePendingStamp({
            ledgerHome,
            harness: 'codex',
            cwd,
            enrichment: { launch: String(i) },
            spawnStartTs: iso(t + i * 1000),
          })
        ).id,
      );
    }
    for (let i = 0; i < 8; i++) session(`s${i}`, cwd, t + 5000 + i * 1000, 2);
    // Open (and migrate) the ledger first, so both children race on claims only.
    await sdk.status({ ledgerHome });
    const runs = [ingestChild(ledgerHome, home, 'codex'), ingestChild(ledgerHome, home, 'codex')];
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const applied = results.map((r) => r.report?.pendingStampsApplied ?? -1);
    expect(applied.reduce((a, b) => a + b, 0)).toBe(3);

    const all = await sdk.stamps({ ledgerHome });
    expect(all.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(new Set(all.map((s) => s.sessionId)).size).toBe(3);
    expect((await sdk.status({ ledgerHome })).pendingStamps).toBe(0);
    const { totals } = await sdk.summary({ ledgerHome });
    expect(totals.turns).toBe(16);
  });
});

describe.each(entryPoints)('pending and transfer options via %s', (_name, api) => {
  const cwd = tempHome('cwd');
  const file = join(cwd, 'a-file');
  writeFileSync(file, 'x');
  const ok = { harness: 'codex', cwd, enrichment: { k: 'v' } } as const;

  it.each([
    ['harness', { ...ok, harness: undefined }],
    ['harness', { ...ok, harness: 'claude' }],
    ['cwd', { ...ok, cwd: undefined }],
    ['cwd', { ...ok, cwd: '' }],
    ['cwd', { ...ok, cwd: '   ' }],
    ['cwd', { ...ok, cwd: 'a\nb' }],
    ['cwd', { ...ok, cwd: 42 }],
    ['cwd', { ...ok, cwd: join(cwd, 'does-not-exist') }],
    ['cwd', { ...ok, cwd: file }],
    ['enrichment', { ...ok, enrichment: undefined }],
    ['enrichment', { ...ok, enrichment: {} }],
    ['enrichment.k', { ...ok, enrichment: { k: 1 } }],
    ['spawnStartTs', { ...ok, spawnStartTs: 'yesterday' }],
    ['spawnStartTs', { ...ok, spawnStartTs: '2026-05-21T12:00:00' }],
    ['spawnerPid', { ...ok, spawnerPid: 0 }],
    ['spawnerPid', { ...ok, spawnerPid: -5 }],
    ['spawnerPid', { ...ok, spawnerPid: 1.5 }],
    ['spawnerPid', { ...ok, spawnerPid: '123' }],
    ['sessionDirHint', { ...ok, sessionDirHint: '' }],
    ['sessionDirHint', { ...ok, sessionDirHint: 'x\u0000y' }],
    ['sessionID', { ...ok, sessionID: 'typo' }],
    ['ledgerHome', { ...ok, ledgerHome: '' }],
  ])('writePendingStamp refuses a bad %s', async (field, options) => {
    const ledgerHome = tempHome();
    await expect(
      api.writePendingStamp({ ledgerHome, ...(options as object) } as Parameters<
        typeof api.writePendingStamp
      >[0]),
    ).rejects.toMatchObject({ name: 'BurnError', code: 'INVALID_ARGUMENT', field });
    // Nothing was stored.
    expect((await api.status({ ledgerHome })).pendingStamps).toBe(0);
  });

  it('writePendingStamp refuses a missing options object', async () => {
    await expect(
      api.writePendingStamp(undefined as unknown as Parameters<typeof api.writePendingStamp>[0]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options' });
  });

  for (const fn of ['exportStamps', 'importStamps'] as const) {
    it.each([
      ['path', {}],
      ['path', { path: '' }],
      ['path', { path: '  ' }],
      ['path', { path: 7 }],
      ['path', { path: 'a\u0000b' }],
      ['out', { path: 'x.jsonl', out: 'typo' }],
      ['ledgerHome', { path: 'x.jsonl', ledgerHome: '' }],
    ])(`${fn} refuses a bad %s`, async (field, options) => {
      await expect(api[fn](options as { path: string })).rejects.toMatchObject({
        name: 'BurnError',
        code: 'INVALID_ARGUMENT',
        field,
      });
    });
  }
});
