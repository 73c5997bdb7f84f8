import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { assistant, openCodeDb, session, T0, tree, user, writeDoc } from './helpers/opencode.js';
import { entryPoints, type Sdk } from './helpers/sdk.js';

const stepFinish = (t: {
  input: number;
  output: number;
  reasoning?: number;
  read?: number;
  write?: number;
}) => ({
  type: 'step-finish',
  reason: 'tool-calls',
  tokens: {
    input: t.input,
    output: t.output,
    reasoning: t.reasoning ?? 0,
    cache: { read: t.read ?? 0, write: t.write ?? 0 },
  },
});

/** A parent session with two assistant turns (one with tools, two model calls) and a child. */
function simpleTree(root: string): void {
  const p = tree(root);
  writeDoc(p.session('ses_parent'), session('ses_parent', { title: 'Fix the build' }));
  writeDoc(
    p.session('ses_child'),
    session('ses_child', { parentID: 'ses_parent', title: 'Child session - 2026-03-01T10:00:00.000Z' }),
  );
  writeDoc(p.message('ses_parent', 'msg_001'), user('msg_001', 'ses_parent', T0));
  writeDoc(p.part('msg_001', 'prt_001'), { id: 'prt_001', type: 'text', text: 'fix the build' });
  // Two model calls: message tokens hold only the last step (OpenCode overwrites them).
  writeDoc(
    p.message('ses_parent', 'msg_002'),
    assistant('msg_002', 'ses_parent', T0 + 1000, { input: 50, output: 20, read: 1000 }),
  );
  writeDoc(p.part('msg_002', 'prt_001'), { type: 'step-start' });
  writeDoc(p.part('msg_002', 'prt_002'), {
    type: 'tool',
    callID: 'call_1',
    tool: 'read',
    state: { status: 'completed', input: { filePath: '/work/app/a.ts' }, output: 'x' },
  });
  writeDoc(p.part('msg_002', 'prt_003'), stepFinish({ input: 100, output: 10, read: 500, write: 200 }));
  writeDoc(p.part('msg_002', 'prt_004'), {
    ...stepFinish({ input: 50, output: 20, read: 1000 }),
    reason: 'stop',
  });
  writeDoc(
    p.message('ses_parent', 'msg_003'),
    assistant('msg_003', 'ses_parent', T0 + 5000, { input: 5, output: 40, reasoning: 30, read: 1500 }),
  );
  writeDoc(
    p.message('ses_child', 'msg_101'),
    assistant('msg_101', 'ses_child', T0 + 2000, { input: 7, output: 3 }),
  );
}

// Truth for simpleTree: msg_002 = two steps (two model calls, two turns), msg_003 output
// includes reasoning.
const SIMPLE = {
  turns: 4,
  inputTokens: 100 + 50 + 5 + 7,
  outputTokens: 10 + 20 + (40 + 30) + 3,
  reasoningTokens: 30,
  cacheReadTokens: 500 + 1000 + 1500,
  cacheWrite5mTokens: 200,
  cacheWrite1hTokens: 0,
};

function must<T>(value: T | null): T {
  expect(value).not.toBeNull();
  return value as T;
}

async function totals(sdk: Sdk, ledgerHome: string) {
  const { totals } = await sdk.summary({ ledgerHome });
  const { costUsd: _c, totalTokens: _t, ...rest } = totals;
  return rest;
}

describe.each(entryPoints)('OpenCode ingest via %s', (_name, sdk) => {
  it('reads a storage tree: exact totals, tools, user turns, child sessions; re-ingest adds nothing', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    simpleTree(root);
    const report = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(report).toMatchObject({
      turnsAdded: 4,
      turnsUpdated: 0,
      userTurnsAdded: 1,
      linesSkipped: 0,
      errors: [],
    });
    expect(report.filesScanned).toBe(6);
    expect(report.sessionsAdded).toBe(2);
    expect(await totals(sdk, ledgerHome)).toEqual(SIMPLE);

    const byModel = await sdk.summary({ ledgerHome, groupBy: 'harness' });
    expect(byModel.groups.map((g) => g.key)).toEqual(['opencode']);

    const rows = await sdk.sessions({ ledgerHome, harness: 'opencode', flat: true });
    const child = rows.find((r) => r.sessionId === 'ses_child');
    expect(child).toMatchObject({ relationship: 'subagent', parentSessionId: 'ses_parent', turns: 1 });
    expect(child?.title).toBeUndefined();
    const parent = must(await sdk.session({ sessionId: 'ses_parent', ledgerHome }));
    // The session's row counts its tree (the child's turn too); `own` its own turns.
    expect(parent.session).toMatchObject({ title: 'Fix the build', project: '/work/app', turns: 4 });
    expect(parent.session.own.turns).toBe(3);
    expect(parent.children).toEqual([{ sessionId: 'ses_child', relationship: 'subagent' }]);
    // One turn per step, grouped by the message; the tool call goes to the step that made it.
    expect(parent.turns[0]).toMatchObject({
      messageId: 'msg_002',
      model: 'claude-sonnet-4-5',
      complete: true,
      stopReason: 'tool-calls',
      inputTokens: 100,
      toolCalls: [{ id: 'call_1', name: 'read', target: '/work/app/a.ts' }],
    });
    expect(parent.turns[1]).toMatchObject({
      messageId: 'msg_002',
      stopReason: 'stop',
      inputTokens: 50,
      toolCalls: [],
    });
    expect(parent.userTurns).toEqual([
      {
        uuid: 'msg_001',
        ts: '2026-03-01T10:00:00.000Z',
        blocks: [{ kind: 'text', bytes: 13, approxTokens: 4 }],
      },
    ]);

    const again = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(again).toMatchObject({ filesChanged: 0, turnsAdded: 0, turnsUpdated: 0, bytesRead: 0 });
    expect(await totals(sdk, ledgerHome)).toEqual(SIMPLE);
  });

  it('updates a message rewritten with its final tokens, counting it once', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    const p = tree(root);
    writeDoc(p.session('ses_s'), session('ses_s'));
    const file = p.message('ses_s', 'msg_1');
    writeDoc(file, assistant('msg_1', 'ses_s', T0, { input: 10, output: 0 }, false), T0);
    const first = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(first).toMatchObject({ turnsAdded: 1, turnsUpdated: 0 });
    const streaming = must(await sdk.session({ sessionId: 'ses_s', ledgerHome }));
    expect(streaming.turns[0]).toMatchObject({ complete: false, outputTokens: 0 });

    writeDoc(file, assistant('msg_1', 'ses_s', T0, { input: 10, output: 250, read: 40 }), T0 + 9000);
    const second = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(second).toMatchObject({ filesChanged: 1, turnsAdded: 0, turnsUpdated: 1 });
    const done = must(await sdk.session({ sessionId: 'ses_s', ledgerHome }));
    expect(done.turns).toHaveLength(1);
    expect(done.turns[0]).toMatchObject({
      complete: true,
      inputTokens: 10,
      outputTokens: 250,
      cacheReadTokens: 40,
    });
    expect(done.session).toMatchObject({ turns: 1, outputTokens: 250, inputTokens: 10 });
    expect((await sdk.ingest({ roots: { opencode: [root] }, ledgerHome })).turnsUpdated).toBe(0);
  });

  it('skips and reports malformed documents without stopping', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    const p = tree(root);
    writeDoc(p.session('ses_m'), session('ses_m'));
    writeDoc(p.message('ses_m', 'msg_ok'), assistant('msg_ok', 'ses_m', T0, { input: 1, output: 2 }));
    writeDoc(p.message('ses_m', 'msg_notime'), { id: 'msg_notime', sessionID: 'ses_m', role: 'assistant' });
    writeDoc(p.message('ses_m', 'msg_odd'), {
      ...assistant('msg_odd', 'ses_m', T0, { input: 1, output: 1 }),
      tokens: { input: -3, output: 'many' },
    });
    writeFileSync(p.message('ses_m', 'msg_broken'), '{"id": "msg_broken", "role": ');
    writeFileSync(p.message('ses_m', 'msg_binary'), Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    writeFileSync(p.session('ses_bad'), '[]');
    writeDoc(p.part('msg_ok', 'prt_bad'), 'not a part');
    const report = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(report.turnsAdded).toBe(2);
    expect(report.linesSkipped).toBe(4);
    expect(report.errors).toHaveLength(4);
    expect(report.errors.every((e) => e.line === undefined && e.message.startsWith('skipped: '))).toBe(true);
    expect(report.errors.map((e) => e.file).sort()).toEqual(
      [
        p.message('ses_m', 'msg_binary'),
        p.message('ses_m', 'msg_broken'),
        p.message('ses_m', 'msg_notime'),
        p.session('ses_bad'),
      ].sort(),
    );
    // Odd token values read as 0; the message still counts once.
    expect(await totals(sdk, ledgerHome)).toMatchObject({ turns: 2, inputTokens: 1, outputTokens: 2 });
  });

  it('records compactions with the preceding turn and its context size', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    const p = tree(root);
    writeDoc(p.session('ses_c'), session('ses_c'));
    writeDoc(
      p.message('ses_c', 'msg_01'),
      assistant('msg_01', 'ses_c', T0, { input: 100, output: 5, read: 12000, write: 300 }),
    );
    writeDoc(p.message('ses_c', 'msg_02'), user('msg_02', 'ses_c', T0 + 1000));
    writeDoc(p.part('msg_02', 'prt_1'), { type: 'compaction', auto: true });
    writeDoc(p.message('ses_c', 'msg_03'), {
      ...assistant('msg_03', 'ses_c', T0 + 2000, { input: 9000, output: 800 }),
      summary: true,
    });
    const report = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(report).toMatchObject({ turnsAdded: 2, compactionsAdded: 1 });
    const detail = must(await sdk.session({ sessionId: 'ses_c', ledgerHome }));
    expect(detail.compactions).toEqual([
      { ts: '2026-03-01T10:00:01.000Z', precedingMessageId: 'msg_01', tokensBefore: 100 + 12000 + 300 },
    ]);
    expect((await sdk.ingest({ roots: { opencode: [root] }, ledgerHome })).compactionsAdded).toBe(0);
  });

  it('honours the harnesses subset', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    simpleTree(root);
    const roots = { opencode: [root], 'claude-code': [tempHome('empty')] };
    const none = await sdk.ingest({ harnesses: ['claude-code', 'codex'], roots, ledgerHome });
    expect(none).toMatchObject({ filesScanned: 0, turnsAdded: 0 });
    const some = await sdk.ingest({ harnesses: ['opencode'], roots, ledgerHome });
    expect(some.turnsAdded).toBe(4);
  });

  it('reads the SQLite database: changed rows only, rewritten rows updated, tree and database counted once', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    const db = await openCodeDb(join(root, 'opencode.db'));
    db.session('ses_d', T0, undefined, 'Port the parser');
    db.session('ses_dchild', T0, 'ses_d');
    db.message(user('msg_d1', 'ses_d', T0), T0);
    db.part('prt_d1', 'msg_d1', 'ses_d', { type: 'text', text: 'port it' }, T0);
    db.message(assistant('msg_d2', 'ses_d', T0 + 1000, { input: 20, output: 0 }, false), T0 + 1000);
    db.part(
      'prt_d2',
      'msg_d2',
      'ses_d',
      {
        type: 'tool',
        callID: 'call_d',
        tool: 'bash',
        state: { status: 'running', input: { command: 'cargo test' } },
      },
      T0 + 1000,
    );
    db.message(
      assistant('msg_d3', 'ses_dchild', T0 + 2000, { input: 3, output: 4, reasoning: 1 }),
      T0 + 2000,
    );
    db.save();

    const first = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(first).toMatchObject({
      filesScanned: 1,
      filesChanged: 1,
      turnsAdded: 2,
      userTurnsAdded: 1,
      errors: [],
    });
    expect(await sdk.sessions({ ledgerHome, flat: true })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sessionId: 'ses_dchild',
          relationship: 'subagent',
          parentSessionId: 'ses_d',
        }),
      ]),
    );

    // The streaming message completes: its row is rewritten with the final tokens.
    db.message(assistant('msg_d2', 'ses_d', T0 + 1000, { input: 20, output: 300, read: 64 }), T0 + 60_000);
    db.part('prt_d3', 'msg_d2', 'ses_d', stepFinish({ input: 20, output: 300, read: 64 }), T0 + 60_000);
    db.save();
    const second = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(second).toMatchObject({ turnsAdded: 0, turnsUpdated: 1 });
    const d = must(await sdk.session({ sessionId: 'ses_d', ledgerHome }));
    expect(d.session.title).toBe('Port the parser');
    expect(d.turns[0]).toMatchObject({
      messageId: 'msg_d2',
      complete: true,
      outputTokens: 300,
      cacheReadTokens: 64,
      toolCalls: [{ id: 'call_d', name: 'bash', target: 'cargo test' }],
    });
    expect(await totals(sdk, ledgerHome)).toEqual({
      turns: 2,
      inputTokens: 23,
      outputTokens: 300 + 5,
      reasoningTokens: 1,
      cacheReadTokens: 64,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    });

    // Unchanged database: a stat only. The same messages in a storage tree: counted once.
    expect(await sdk.ingest({ roots: { opencode: [root] }, ledgerHome })).toMatchObject({
      filesChanged: 0,
      bytesRead: 0,
    });
    const p = tree(root);
    writeDoc(
      p.message('ses_d', 'msg_d2'),
      assistant('msg_d2', 'ses_d', T0 + 1000, { input: 20, output: 300, read: 64 }),
    );
    const both = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(both).toMatchObject({ turnsAdded: 0, turnsUpdated: 0 });
    expect((await totals(sdk, ledgerHome)).turns).toBe(2);
  });

  it('reports a file that is not an OpenCode database and goes on', async () => {
    const ledgerHome = tempHome();
    const root = tempHome('opencode');
    writeFileSync(join(root, 'opencode.db'), 'this is not sqlite');
    simpleTree(root);
    const report = await sdk.ingest({ roots: { opencode: [root] }, ledgerHome });
    expect(report.turnsAdded).toBe(4);
    expect(report.errors).toEqual([expect.objectContaining({ file: join(root, 'opencode.db') })]);
  });
});
