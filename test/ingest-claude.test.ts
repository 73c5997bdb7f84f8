// Claude Code ingest, one hand-written scenario per test, through the public package.
import { appendFileSync, mkdirSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  agentProgress,
  assistant,
  claudeStore,
  compactBoundary,
  toolResult,
  userText,
} from './helpers/claude-log.js';
import { tempHome } from './helpers/home.js';
import { entryPoints } from './helpers/sdk.js';

/** Sets a file's mtime `minutes` into the past (past the streaming grace period when > 5). */
function age(path: string, minutes: number): void {
  const t = new Date(Date.now() - minutes * 60_000);
  utimesSync(path, t, t);
}

describe.each(entryPoints)('Claude Code ingest via %s', (_name, sdk) => {
  async function detailOf(sessionId: string, ledgerHome: string) {
    const detail = await sdk.session({ sessionId, ledgerHome });
    if (!detail) throw new Error(`session ${sessionId} not in the ledger`);
    return detail;
  }

  async function ingestStore(root: string, ledgerHome: string) {
    return sdk.ingest({ roots: { 'claude-code': [root] }, ledgerHome });
  }

  it('merges a streamed multi-row response into one turn with its final usage', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const base = { session: 's1', msg: 'msg_1', req: 'req_1' };
    const bash = { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } };
    const edit = {
      type: 'tool_use',
      id: 'toolu_2',
      name: 'Edit',
      input: { file_path: '/work/app/src/a.ts', old_string: 'a', new_string: 'b' },
    };
    const usage = { input: 12, cacheRead: 3000, cache5m: 400, cache1h: 600 };
    store.write(
      's1',
      userText('s1', 'u1', 'fix the tests'),
      assistant({ ...base, stop: null, usage: { ...usage, output: 2 } }),
      assistant({ ...base, stop: null, usage: { ...usage, output: 57 }, content: [bash] }),
      assistant({ ...base, stop: 'tool_use', usage: { ...usage, output: 180 }, content: [edit] }),
      toolResult('s1', 'u2', 'toolu_1', 'ok'),
    );
    const report = await ingestStore(store.root, ledgerHome);
    expect(report).toMatchObject({
      filesScanned: 1,
      filesChanged: 1,
      turnsAdded: 1,
      turnsUpdated: 0,
      userTurnsAdded: 2,
      sessionsAdded: 1,
      linesSkipped: 0,
      errors: [],
    });
    const { totals } = await sdk.summary({ ledgerHome });
    expect(totals).toMatchObject({
      turns: 1,
      inputTokens: 12,
      outputTokens: 180,
      cacheReadTokens: 3000,
      cacheWrite5mTokens: 400,
      cacheWrite1hTokens: 600,
      totalTokens: 12 + 180 + 3000 + 400 + 600,
    });
    const detail = await detailOf('s1', ledgerHome);
    expect(detail.turns).toHaveLength(1);
    expect(detail.turns[0]).toMatchObject({
      messageId: 'msg_1',
      requestId: 'req_1',
      model: 'claude-sonnet-4-5-20250929',
      stopReason: 'tool_use',
      complete: true,
    });
    expect(detail.turns[0]?.toolCalls.map((c) => [c.name, c.target])).toEqual([
      ['Bash', 'npm test'],
      ['Edit', '/work/app/src/a.ts'],
    ]);
    expect(detail.turns[0]?.toolCalls[0]?.argsHash).toMatch(/^[0-9a-f]{16}$/);
    expect(detail.userTurns.map((u) => u.blocks[0]?.kind)).toEqual(['text', 'tool_result']);
    expect(detail.userTurns[1]?.precedingMessageId).toBe('msg_1');
  });

  it('counts a response copied into a resumed session file once, in its first session', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const first = assistant({ session: 'A', msg: 'm1', req: 'r1', usage: { input: 5, output: 100 } });
    store.write('A', userText('A', 'ua', 'start'), first);
    // `claude --resume A` writes B.jsonl: A's history copied verbatim, then B's own turns.
    store.write(
      'B',
      userText('A', 'ua', 'start'),
      first,
      userText('B', 'ub', 'continue'),
      assistant({ session: 'B', msg: 'm2', req: 'r2', usage: { input: 7, output: 30 } }),
    );
    await ingestStore(store.root, ledgerHome);
    const { totals } = await sdk.summary({ ledgerHome });
    expect(totals).toMatchObject({ turns: 2, inputTokens: 12, outputTokens: 130 });
    const bySession = await sdk.summary({ ledgerHome, groupBy: 'session' });
    expect(bySession.groups.map((g) => [g.key, g.turns, g.outputTokens])).toEqual(
      expect.arrayContaining([
        ['A', 1, 100],
        ['B', 1, 30],
      ]),
    );
    const b = await detailOf('B', ledgerHome);
    expect(b.session).toMatchObject({ relationship: 'continuation', parentSessionId: 'A' });
    const a = await detailOf('A', ledgerHome);
    expect(a.children).toEqual([{ sessionId: 'B', relationship: 'continuation' }]);
    // Ingesting the same files again (or in the other order) changes nothing.
    const again = await ingestStore(store.root, ledgerHome);
    expect(again).toMatchObject({ turnsAdded: 0, bytesRead: 0, filesChanged: 0 });
  });

  it('ingests a subagent transcript as a child session whose tokens are real spend', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('P', assistant({ session: 'P', msg: 'mp', req: 'rp', usage: { output: 10 } }));
    const subDir = join(store.dir, 'P', 'subagents');
    mkdirSync(subDir, { recursive: true });
    writeFileSync(
      join(subDir, 'agent-a1b2.jsonl'),
      assistant({
        session: 'P',
        msg: 'ms',
        req: 'rs',
        usage: { input: 3, output: 44, cache5m: 9 },
        model: 'claude-haiku-4-5-20251001',
      }),
    );
    const report = await ingestStore(store.root, ledgerHome);
    expect(report).toMatchObject({ filesScanned: 2, turnsAdded: 2, sessionsAdded: 2 });
    const child = await detailOf('P/agent-a1b2', ledgerHome);
    expect(child.session).toMatchObject({
      relationship: 'subagent',
      parentSessionId: 'P',
      turns: 1,
      outputTokens: 44,
      cacheWrite5mTokens: 9,
      models: ['claude-haiku-4-5-20251001'],
    });
    const parent = await detailOf('P', ledgerHome);
    expect(parent.children).toEqual([{ sessionId: 'P/agent-a1b2', relationship: 'subagent' }]);
    const byModel = await sdk.summary({ ledgerHome, groupBy: 'model' });
    expect(byModel.totals.outputTokens).toBe(54);
    expect(byModel.groups).toHaveLength(2);
  });

  it('holds a still-streaming response back, then stores it once complete', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const base = { session: 's', msg: 'm', req: 'r' };
    const file = store.write('s', assistant({ ...base, stop: null, usage: { input: 4, output: 1 } }));
    const first = await ingestStore(store.root, ledgerHome);
    expect(first.turnsAdded).toBe(0);
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(0);

    appendFileSync(file, assistant({ ...base, stop: 'end_turn', usage: { input: 4, output: 250 } }));
    const second = await ingestStore(store.root, ledgerHome);
    expect(second).toMatchObject({ turnsAdded: 1, turnsUpdated: 0 });
    const { totals } = await sdk.summary({ ledgerHome });
    expect(totals).toMatchObject({ turns: 1, inputTokens: 4, outputTokens: 250 });
    const detail = await detailOf('s', ledgerHome);
    expect(detail.turns[0]?.complete).toBe(true);
  });

  it('counts a response that never completes once, with its last snapshot, after the grace period', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const base = { session: 's', msg: 'm', req: 'r', stop: null };
    const file = store.write(
      's',
      assistant({ ...base, usage: { input: 4, output: 1 } }),
      assistant({ ...base, usage: { input: 4, output: 77 } }),
    );
    expect((await ingestStore(store.root, ledgerHome)).turnsAdded).toBe(0);
    age(file, 6); // the harness died: the file has been idle past the grace period
    const report = await ingestStore(store.root, ledgerHome);
    expect(report).toMatchObject({ turnsAdded: 1, bytesRead: 0 });
    const detail = await detailOf('s', ledgerHome);
    expect(detail.turns).toHaveLength(1);
    expect(detail.turns[0]).toMatchObject({ complete: false, outputTokens: 77 });
    expect((await ingestStore(store.root, ledgerHome)).turnsAdded).toBe(0);
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(1);
  });

  it('records a compaction with the tokens it started from', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write(
      's',
      assistant({ session: 's', msg: 'm1', req: 'r1', usage: { output: 5 } }),
      compactBoundary('s', 'c1', 155_000),
      assistant({ session: 's', msg: 'm2', req: 'r2', usage: { output: 6 } }),
    );
    const report = await ingestStore(store.root, ledgerHome);
    expect(report).toMatchObject({ turnsAdded: 2, compactionsAdded: 1 });
    const detail = await detailOf('s', ledgerHome);
    expect(detail.compactions).toEqual([
      { ts: '2026-03-01T10:05:00.000Z', precedingMessageId: 'm1', tokensBefore: 155_000 },
    ]);
    expect((await ingestStore(store.root, ledgerHome)).compactionsAdded).toBe(0);
  });

  it('skips and counts malformed, invalid UTF-8, NUL-laden and oversized lines', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const good = (i: number) => assistant({ session: 's', msg: `m${i}`, req: `r${i}`, usage: { output: i } });
    const file = store.file('s');
    const huge = Buffer.alloc(65 * 1024 * 1024, 'x'); // past the 64 MiB line cap
    const parts: Buffer[] = [
      Buffer.from(good(1)),
      Buffer.from('{"type":"assistant", this is not json\n'),
      // An otherwise valid row whose text holds bytes that are not UTF-8.
      Buffer.from(good(9).replace('"done"', '"d\u00ffone"'), 'latin1'),
      Buffer.from('\u0000\u0000\u0000\n'),
      Buffer.from('{"type":"assistant","message":{"id":5}}\n'), // wrong types
      Buffer.concat([huge, Buffer.from('\n')]),
      Buffer.from(good(2)),
    ];
    writeFileSync(file, Buffer.concat(parts));
    const report = await ingestStore(store.root, ledgerHome);
    expect(report.turnsAdded).toBe(2);
    expect(report.linesSkipped, JSON.stringify(report.errors)).toBe(5);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.every((e) => e.file === file)).toBe(true);
    expect((await sdk.summary({ ledgerHome })).totals.outputTokens).toBe(3);
  });

  it('leaves a line cut mid-write for the next pass and never re-reads the ingested prefix', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const one = assistant({ session: 's', msg: 'm1', req: 'r1', usage: { output: 10 } });
    const two = assistant({ session: 's', msg: 'm2', req: 'r2', usage: { output: 20 } });
    const cut = 40;
    const file = store.write('s', one, two.slice(0, cut));
    const first = await ingestStore(store.root, ledgerHome);
    expect(first).toMatchObject({ turnsAdded: 1, linesSkipped: 0 });
    expect(first.bytesRead).toBe(Buffer.byteLength(one) + cut);

    appendFileSync(file, two.slice(cut));
    const second = await ingestStore(store.root, ledgerHome);
    expect(second).toMatchObject({ turnsAdded: 1, linesSkipped: 0, errors: [] });
    // Only the unread tail is read: the cut line from its start, not the first line again.
    expect(second.bytesRead).toBe(Buffer.byteLength(two));

    const third = await ingestStore(store.root, ledgerHome);
    expect(third).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0 });
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({ turns: 2, outputTokens: 30 });
  });

  it('keeps history when a log is truncated, and reads a rewritten or rotated file afresh', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const row = (i: number, out: number) =>
      assistant({ session: 's', msg: `m${i}`, req: `r${i}`, usage: { output: out } });
    const file = store.write('s', row(1, 10), row(2, 20));
    await ingestStore(store.root, ledgerHome);

    // Truncated and rewritten with different content: the old turns stay, the new one is added.
    truncateSync(file, 0);
    writeFileSync(file, row(3, 30));
    const afterTruncate = await ingestStore(store.root, ledgerHome);
    expect(afterTruncate).toMatchObject({ turnsAdded: 1, errors: [] });
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({ turns: 3, outputTokens: 60 });

    // Rotated: the old file moves away, a new file (new inode) takes its path holding a copy
    // of an ingested row plus a new one. Only the new row counts.
    renameSync(file, `${file}.1`);
    writeFileSync(file, row(3, 30) + row(4, 40));
    const afterRotate = await ingestStore(store.root, ledgerHome);
    expect(afterRotate).toMatchObject({ turnsAdded: 1, errors: [] });
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({
      turns: 4,
      outputTokens: 100,
    });

    // The harness prunes the log entirely: the spend stays in the ledger.
    truncateSync(file, 0);
    await ingestStore(store.root, ledgerHome);
    expect((await sdk.summary({ ledgerHome })).totals.turns).toBe(4);
  });

  it('reads no file contents and adds nothing when nothing changed', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    for (let s = 0; s < 5; s++) {
      store.write(
        `s${s}`,
        ...[0, 1, 2].map((i) =>
          assistant({ session: `s${s}`, msg: `m${s}-${i}`, req: `r${i}`, usage: { output: 1 + i } }),
        ),
      );
    }
    const first = await ingestStore(store.root, ledgerHome);
    expect(first).toMatchObject({ filesScanned: 5, filesChanged: 5, turnsAdded: 15 });
    const second = await ingestStore(store.root, ledgerHome);
    expect(second).toMatchObject({
      filesScanned: 5,
      filesChanged: 0,
      bytesRead: 0,
      turnsAdded: 0,
      turnsUpdated: 0,
      userTurnsAdded: 0,
      sessionsAdded: 0,
    });
  });

  it('keeps session counters equal to the aggregate of their turns', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    let n = 0;
    const rows = (s: string, count: number) =>
      Array.from({ length: count }, () => {
        n++;
        return assistant({
          session: s,
          msg: `m${n}`,
          req: `r${n}`,
          model: n % 3 === 0 ? 'claude-opus-4-5-20251101' : 'claude-sonnet-4-5-20250929',
          ts: `2026-03-0${1 + (n % 5)}T10:00:00.000Z`,
          usage: { input: n, output: 2 * n, cacheRead: 3 * n, cache5m: n % 7, cache1h: n % 11 },
        });
      });
    store.write('x', ...rows('x', 7));
    const y = store.write('y', ...rows('y', 4));
    await ingestStore(store.root, ledgerHome);
    appendFileSync(y, rows('y', 5).join('')); // counters move with later passes too
    await ingestStore(store.root, ledgerHome);
    await ingestStore(store.root, ledgerHome);

    const list = await sdk.sessions({ ledgerHome });
    expect(list.map((s) => s.sessionId).sort()).toEqual(['x', 'y']);
    for (const row of list) {
      const { turns } = await detailOf(row.sessionId, ledgerHome);
      const sum = (f: (t: (typeof turns)[number]) => number) => turns.reduce((a, t) => a + f(t), 0);
      expect(row.turns).toBe(turns.length);
      expect(row.inputTokens).toBe(sum((t) => t.inputTokens));
      expect(row.outputTokens).toBe(sum((t) => t.outputTokens));
      expect(row.cacheReadTokens).toBe(sum((t) => t.cacheReadTokens));
      expect(row.cacheWrite5mTokens).toBe(sum((t) => t.cacheWrite5mTokens));
      expect(row.cacheWrite1hTokens).toBe(sum((t) => t.cacheWrite1hTokens));
      expect(row.firstTs).toBe(turns[0]?.ts);
      expect(row.lastTs).toBe(turns.at(-1)?.ts);
      expect([...row.models].sort()).toEqual([...new Set(turns.map((t) => t.model))].sort());
    }
    const bySession = await sdk.summary({ ledgerHome, groupBy: 'session' });
    for (const g of bySession.groups) {
      const row = list.find((s) => s.sessionId === g.key);
      expect(row?.totalTokens).toBe(g.totalTokens);
    }
  });

  it('ingests exactly one named file (the hook fast path)', async () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    store.write('a', assistant({ session: 'a', msg: 'ma', req: 'ra', usage: { output: 3 } }));
    const b = store.write('b', assistant({ session: 'b', msg: 'mb', req: 'rb', usage: { output: 4 } }));
    const report = await sdk.ingest({ sessionFile: b, ledgerHome });
    expect(report).toMatchObject({ filesScanned: 1, turnsAdded: 1 });
    const { groups } = await sdk.summary({ ledgerHome, groupBy: 'session' });
    expect(groups.map((g) => g.key)).toEqual(['b']);
    // A missing file is reported, not thrown.
    const missing = await sdk.ingest({ sessionFile: join(store.dir, 'nope.jsonl'), ledgerHome });
    expect(missing.errors).toHaveLength(1);
    expect(missing.errors[0]?.file).toContain('nope.jsonl');
  });

  it('counts a subagent call written twice (progress row + transcript) once, in the subagent session', async () => {
    // spotter's real 4d5611e5 session (marot/spotter) and ccusage's rs-progress tests: newer
    // Claude Code embeds the subagent's rows in the parent file and writes its transcript too.
    const sub = (out: number, stop: string | null) =>
      assistant({
        session: 'P',
        msg: 'ms',
        req: 'rs',
        stop,
        usage: { input: 3, output: out, cache5m: 900 },
        model: 'claude-haiku-4-5-20251001',
      });
    const parentRows = [
      assistant({ session: 'P', msg: 'mp', req: 'rp', stop: 'tool_use', usage: { output: 10 } }),
      agentProgress('P', 'a1b2', sub(1, null)), // the copy holds an early snapshot only
      toolResult('P', 'u-task', 'toolu_task', 'done'),
    ];
    for (const order of ['parent first', 'transcript first'] as const) {
      const ledgerHome = tempHome();
      const store = claudeStore();
      const subDir = join(store.dir, 'P', 'subagents');
      const writeParent = () => store.write('P', ...parentRows);
      const writeTranscript = () => {
        mkdirSync(subDir, { recursive: true });
        writeFileSync(join(subDir, 'agent-a1b2.jsonl'), sub(1, null) + sub(44, 'end_turn'));
      };
      if (order === 'parent first') {
        writeParent();
        await ingestStore(store.root, ledgerHome);
        // Transcript not there (yet): the progress copy is the only record and is counted.
        const early = await detailOf('P/agent-a1b2', ledgerHome);
        expect(early.session).toMatchObject({ relationship: 'subagent', parentSessionId: 'P', turns: 1 });
        expect(early.turns[0]).toMatchObject({ inputTokens: 3, outputTokens: 1, complete: false });
        writeTranscript();
      } else {
        writeTranscript();
        await ingestStore(store.root, ledgerHome);
        writeParent();
      }
      const report = await ingestStore(store.root, ledgerHome);
      expect(report.linesSkipped).toBe(0);
      const { totals } = await sdk.summary({ ledgerHome });
      expect(totals, order).toMatchObject({
        turns: 2,
        inputTokens: 3,
        outputTokens: 54,
        cacheWrite5mTokens: 900,
      });
      const child = await detailOf('P/agent-a1b2', ledgerHome);
      expect(child.session, order).toMatchObject({
        relationship: 'subagent',
        parentSessionId: 'P',
        turns: 1,
        outputTokens: 44,
      });
      expect(child.turns[0]).toMatchObject({ messageId: 'ms', complete: true });
      // The parent's own turn; its row's totals are the tree's (parent + subagent).
      const parent = (await detailOf('P', ledgerHome)).session;
      expect(parent.own.turns).toBe(1);
      expect(parent.turns).toBe(2);
      // A rebuild re-reads both files from scratch: the same rows.
      await sdk.rebuildState({ roots: { 'claude-code': [store.root] }, ledgerHome });
      expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({ turns: 2, outputTokens: 54 });
    }
  });

  it('counts rows without type, ids or sessionId, and counts what it skips', async () => {
    // Learned from ccusage's loader tests (rows without `type`/ids, a row without timestamp)
    // and tokscale's `test_entries_without_dedup_fields_still_processed`.
    const ledgerHome = tempHome();
    const store = claudeStore();
    const bare = (ts: string, input: number) =>
      `${JSON.stringify({ timestamp: ts, message: { usage: { input_tokens: input, output_tokens: 1 } } })}\n`;
    const file = store.write(
      'export-1',
      bare('2024-01-01T10:00:00Z', 100),
      bare('2024-01-01T10:00:00Z', 200), // same instant, no ids: still a call of its own
      `${JSON.stringify({ message: { usage: { input_tokens: 999, output_tokens: 9 } } })}\n`, // no timestamp
      `${JSON.stringify({ timestamp: '2024-01-01T11:00:00Z', message: { role: 'assistant', id: 'm1', usage: { input_tokens: 5, output_tokens: 2 } } })}\n`,
      `${JSON.stringify({ timestamp: '2024-01-01T11:00:01Z', message: { role: 'assistant', id: 'm1', usage: { input_tokens: 5, output_tokens: 20 } } })}\n`,
      `${JSON.stringify({ timestamp: '2024-01-01T11:00:02Z', message: { usage: {} } })}\n`, // nothing to count
    );
    age(file, 10);
    const report = await ingestStore(store.root, ledgerHome);
    expect(report).toMatchObject({ turnsAdded: 3, linesSkipped: 2 });
    expect(report.errors.map((e) => e.line)).toEqual([3, 6]);
    const detail = await detailOf('export-1', ledgerHome);
    expect(detail.session.turns).toBe(3);
    expect(detail.turns.map((t) => [t.inputTokens, t.outputTokens])).toEqual([
      [100, 1],
      [200, 1],
      [5, 20],
    ]);
    const again = await ingestStore(store.root, ledgerHome);
    expect(again).toMatchObject({ turnsAdded: 0, bytesRead: 0 });
    await sdk.rebuildState({ roots: { 'claude-code': [store.root] }, ledgerHome });
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({
      turns: 3,
      inputTokens: 305,
      outputTokens: 22,
    });
  });

  it('treats missing stores as empty', async () => {
    const ledgerHome = tempHome();
    const report = await sdk.ingest({
      roots: { 'claude-code': [join(tempHome('none'), 'does-not-exist')] },
      ledgerHome,
    });
    expect(report).toMatchObject({ filesScanned: 0, turnsAdded: 0, errors: [] });
  });
});
