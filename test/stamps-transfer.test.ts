// Stamps export and import: JSONL, lossless (ids, times, order), idempotent; and the CLI's
// `burn stamps export|import`, `burn stamp --message`, pending stamps in `burn status`.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { entryPoints, esm, type Sdk } from './helpers/sdk.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Two Claude sessions with two turns each, and one Codex session started in `cwd`. */
function logs(cwd: string, spawnMs: number) {
  const claude = claudeStore();
  claude.write(
    's1',
    userText('s1', 'u1', 'hello'),
    assistant({ session: 's1', msg: 'm1a', req: 'r1a', usage: { input: 100, output: 10 } }),
    assistant({ session: 's1', msg: 'm1b', req: 'r1b', usage: { input: 200, output: 20 } }),
  );
  claude.write(
    's2',
    assistant({
      session: 's2',
      msg: 'm2a',
      req: 'r2a',
      usage: { input: 300, output: 30 },
      model: 'claude-opus-4-1-20250805',
    }),
    assistant({
      session: 's2',
      msg: 'm2b',
      req: 'r2b',
      usage: { input: 400, output: 40 },
      model: 'claude-opus-4-1-20250805',
    }),
  );
  const codex = tempHome('codex');
  const dir = join(codex, 'sessions', '2026', '11', '23');
  mkdirSync(dir, { recursive: true });
  const at = (ms: number, type: string, payload: object) =>
    `${JSON.stringify({ timestamp: iso(ms), type, payload })}\n`;
  const usage = { input_tokens: 500, cached_input_tokens: 0, output_tokens: 50, reasoning_output_tokens: 0 };
  const file = join(dir, 'rollout-x.jsonl');
  writeFileSync(
    file,
    at(spawnMs + 1000, 'session_meta', { id: 'cx', timestamp: iso(spawnMs + 1000), cwd }) +
      at(spawnMs + 1100, 'response_item', {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'go' }],
      }) +
      at(spawnMs + 1100, 'turn_context', { turn_id: 't1', cwd, model: 'gpt-5.4' }) +
      at(spawnMs + 1100, 'event_msg', { type: 'task_started', turn_id: 't1' }) +
      at(spawnMs + 1500, 'event_msg', {
        type: 'token_count',
        info: { total_token_usage: usage, last_token_usage: usage, model_context_window: 272000 },
      }) +
      at(spawnMs + 1600, 'event_msg', { type: 'task_complete', turn_id: 't1' }),
  );
  utimesSync(file, new Date(spawnMs), new Date(spawnMs));
  return { 'claude-code': [claude.root], codex: [codex] };
}

const withoutSeq = (stamps: Awaited<ReturnType<Sdk['stamps']>>) =>
  stamps.map(({ seq: _seq, ...rest }) => rest);

describe.each(entryPoints)('stamps export and import via %s', (_name, sdk) => {
  it('export → fresh ledger → import gives the same stamps and the same summaries by tag', async () => {
    const a = tempHome();
    const cwd = tempHome('cwd');
    const spawn = Date.now() - 60_000;
    const roots = logs(cwd, spawn);
    // The launcher stamps before its session exists.
    await sdk.writePendingStamp({
      ledgerHome: a,
      harness: 'codex',
      cwd,
      enrichment: { persona: 'launched', team: 'ops' },
      spawnStartTs: iso(spawn),
    });
    expect((await sdk.ingest({ ledgerHome: a, roots })).pendingStampsApplied).toBe(1);
    const t1 = '2026-03-01T10:00:00.000Z';
    // Same instant: the later write wins, so order must survive the trip.
    await sdk.writeStamp({
      ledgerHome: a,
      sessionId: 's1',
      enrichment: { persona: 'author', team: 'core' },
      ts: t1,
    });
    await sdk.writeStamp({ ledgerHome: a, sessionId: 's1', enrichment: { persona: 'reviewer' }, ts: t1 });
    await sdk.writeStamp({
      ledgerHome: a,
      sessionId: 's2',
      enrichment: { persona: 'author' },
      ts: '2026-03-01T12:00:00+02:00',
    });
    await sdk.writeStamp({
      ledgerHome: a,
      sessionId: 's2',
      enrichment: { persona: 'planner' },
      ts: '2026-03-01T09:59:59.999Z',
    });
    await sdk.writeStamp({ ledgerHome: a, messageId: 'm2b', enrichment: { persona: 'fixer' } });
    const stampsA = await sdk.stamps({ ledgerHome: a });
    expect(stampsA).toHaveLength(6);

    const file = join(tempHome('export'), 'stamps.jsonl');
    const exported = await sdk.exportStamps({ ledgerHome: a, path: file });
    expect(exported).toEqual({ path: file, stamps: 6, budgets: 0 });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(stampsA);

    const b = tempHome();
    await sdk.ingest({ ledgerHome: b, roots });
    expect(await sdk.importStamps({ ledgerHome: b, path: file })).toEqual({
      imported: 6,
      skipped: 0,
      budgetsImported: 0,
      budgetsSkipped: 0,
    });
    expect(withoutSeq(await sdk.stamps({ ledgerHome: b }))).toEqual(withoutSeq(stampsA));

    for (const groupBy of ['tag:persona', 'tag:team'] as const) {
      const [sa, sb] = [
        await sdk.summary({ ledgerHome: a, groupBy }),
        await sdk.summary({ ledgerHome: b, groupBy }),
      ];
      expect(sb).toEqual(sa);
    }
    const personas = Object.fromEntries(
      (await sdk.summary({ ledgerHome: b, groupBy: 'tag:persona' })).groups.map((g) => [g.key, g.turns]),
    );
    expect(personas).toEqual({ reviewer: 2, author: 1, fixer: 1, launched: 1 });

    // Idempotent: a second import adds nothing and changes no answer.
    const fingerprint = await sdk.fingerprint({ ledgerHome: b });
    expect(await sdk.importStamps({ ledgerHome: b, path: file })).toEqual({
      imported: 0,
      skipped: 6,
      budgetsImported: 0,
      budgetsSkipped: 0,
    });
    expect(await sdk.fingerprint({ ledgerHome: b })).toBe(fingerprint);
    expect(await sdk.stamps({ ledgerHome: b })).toHaveLength(6);
  });

  it('imports in the exported write order, whatever the line order', async () => {
    const ledgerHome = tempHome();
    const file = join(tempHome('import'), 'shuffled.jsonl');
    const ts = '2026-03-01T10:00:00.000Z';
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'b0000000000000b', sessionId: 's', enrichment: { k: 'second' }, ts, seq: 9 })}\n\n` +
        `${JSON.stringify({ id: 'a0000000000000a', sessionId: 's', enrichment: { k: 'first' }, ts, seq: 4 })}\r\n`,
    );
    expect(await sdk.importStamps({ ledgerHome, path: file })).toEqual({
      imported: 2,
      skipped: 0,
      budgetsImported: 0,
      budgetsSkipped: 0,
    });
    expect((await sdk.stamps({ ledgerHome })).map((s) => s.enrichment.k)).toEqual(['first', 'second']);
  });

  it.each([
    ['not JSON', '{"id":'],
    [
      'an unknown key',
      JSON.stringify({
        id: 'x1',
        sessionId: 's',
        enrichment: { k: 'v' },
        ts: '2026-03-01T10:00:00Z',
        extra: 1,
      }),
    ],
    ['no selector', JSON.stringify({ id: 'x1', enrichment: { k: 'v' }, ts: '2026-03-01T10:00:00Z' })],
    [
      'empty enrichment',
      JSON.stringify({ id: 'x1', sessionId: 's', enrichment: {}, ts: '2026-03-01T10:00:00Z' }),
    ],
    ['a bad ts', JSON.stringify({ id: 'x1', sessionId: 's', enrichment: { k: 'v' }, ts: 'yesterday' })],
    [
      'a blank id',
      JSON.stringify({ id: ' ', sessionId: 's', enrichment: { k: 'v' }, ts: '2026-03-01T10:00:00Z' }),
    ],
  ])('refuses a file with %s and writes nothing', async (_what, bad) => {
    const ledgerHome = tempHome();
    const file = join(tempHome('import'), 'bad.jsonl');
    const good = JSON.stringify({
      id: 'g1',
      sessionId: 's',
      enrichment: { k: 'v' },
      ts: '2026-03-01T10:00:00Z',
    });
    writeFileSync(file, `${good}\n${bad}\n`);
    await expect(sdk.importStamps({ ledgerHome, path: file })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'path',
      message: expect.stringContaining('line 2'),
    });
    expect(await sdk.stamps({ ledgerHome })).toEqual([]);
  });

  it('reports a missing file or directory as IO', async () => {
    const ledgerHome = tempHome();
    const missing = join(tempHome('nothing'), 'no', 'stamps.jsonl');
    await expect(sdk.importStamps({ ledgerHome, path: missing })).rejects.toMatchObject({ code: 'IO' });
    await expect(sdk.exportStamps({ ledgerHome, path: missing })).rejects.toMatchObject({ code: 'IO' });
  });
});

describe('burn stamps, burn stamp --message, burn status', () => {
  it('exports to a file or stdout and imports idempotently', async () => {
    const a = tempHome();
    const b = tempHome();
    expect(burn(['stamp', '--ledger-home', a, '--message', 'msg-1', 'persona=fixer']).status).toBe(0);
    expect(burn(['stamp', '--ledger-home', a, '--session', 's-1', '--message', 'msg-2', 'k=v']).status).toBe(
      0,
    );
    const listed = await esm.stamps({ ledgerHome: a });
    expect(listed.map((s) => [s.sessionId, s.messageId, s.enrichment])).toEqual([
      [undefined, 'msg-1', { persona: 'fixer' }],
      ['s-1', 'msg-2', { k: 'v' }],
    ]);

    const file = join(tempHome('cli'), 'out.jsonl');
    const exp = burn(['stamps', 'export', '--out', file, '--ledger-home', a]);
    expect(exp.status, exp.stderr).toBe(0);
    expect(exp.stdout).toMatch(/exported\s+2 stamps/);
    const toStdout = burn(['stamps', 'export', '--ledger-home', a]);
    expect(toStdout.status).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(file, 'utf8'));
    expect(
      toStdout.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(listed);
    const json = burn(['stamps', 'export', '--out', file, '--json', '--ledger-home', a]);
    expect(JSON.parse(json.stdout)).toEqual({ path: file, stamps: 2, budgets: 0 });

    const imp = burn(['stamps', 'import', file, '--ledger-home', b]);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported\s+2/);
    const again = burn(['stamps', 'import', file, '--json', '--ledger-home', b]);
    expect(JSON.parse(again.stdout)).toEqual({
      imported: 0,
      skipped: 2,
      budgetsImported: 0,
      budgetsSkipped: 0,
    });
    expect(withoutSeq(await esm.stamps({ ledgerHome: b }))).toEqual(withoutSeq(listed));
  });

  it.each([
    ['no action', ['stamps']],
    ['unknown action', ['stamps', 'list']],
    ['import without file', ['stamps', 'import']],
    ['import with two files', ['stamps', 'import', 'a', 'b']],
    ['export with an argument', ['stamps', 'export', 'file']],
    ['import with --out', ['stamps', 'import', 'a', '--out', 'b']],
    ['a flag of another command', ['stamps', 'export', '--session', 's']],
  ])('usage mistakes exit 2: %s', (_what, args) => {
    const r = burn([...args, '--ledger-home', tempHome()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^burn: /);
  });

  it('a malformed import file exits 2 naming the line; a missing one exits 1', () => {
    const ledgerHome = tempHome();
    const file = join(tempHome('cli'), 'bad.jsonl');
    writeFileSync(file, 'nope\n');
    const bad = burn(['stamps', 'import', file, '--ledger-home', ledgerHome]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('line 1');
    const missing = burn(['stamps', 'import', join(file, 'missing'), '--ledger-home', ledgerHome]);
    expect(missing.status).toBe(1);
  });

  it('status shows pending stamps', async () => {
    const ledgerHome = tempHome();
    await esm.writePendingStamp({
      ledgerHome,
      harness: 'opencode',
      cwd: tempHome('cwd'),
      enrichment: { k: 'v' },
    });
    const r = burn(['status', '--ledger-home', ledgerHome]);
    expect(r.stdout).toMatch(/pending stamps\s+1/);
    expect(JSON.parse(burn(['status', '--json', '--ledger-home', ledgerHome]).stdout)).toMatchObject({
      pendingStamps: 1,
    });
    expect(burn(['--help']).stdout).toContain('stamps');
    expect(burn(['stamps', '--help']).stdout).toContain('Examples:');
  });
});
