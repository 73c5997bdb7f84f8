// Codex CLI rollouts through the public package: exact per-turn token growth, incremental
// reads, forks/subagents that replay their parent, bad input, and crash safety.
import { appendFileSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { killAfterFirstCommit } from './helpers/ingest-process.js';
import { entryPoints, esm, type Sdk } from './helpers/sdk.js';

/** Cumulative or per-response usage: [input (incl. cached), cached, output (incl. reasoning), reasoning]. */
type Vec = [number, number, number, number];

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const row = (s: number, type: string, payload: object) =>
  `${JSON.stringify({ timestamp: at(s), type, payload })}\n`;
const meta = (s: number, id: string, extra: object = {}) =>
  row(s, 'session_meta', {
    id,
    timestamp: at(s),
    cwd: '/work/app',
    originator: 'codex_cli_rs',
    cli_version: '0.50.0',
    model_provider: 'openai',
    git: { branch: 'main' },
    ...extra,
  });
const ctx = (s: number, turnId: string | null, model: string) =>
  row(s, 'turn_context', { ...(turnId ? { turn_id: turnId } : {}), cwd: '/work/app', model });
const started = (s: number, turnId: string) => row(s, 'event_msg', { type: 'task_started', turn_id: turnId });
const done = (s: number, turnId: string) => row(s, 'event_msg', { type: 'task_complete', turn_id: turnId });
const usage = (v: Vec) => ({
  input_tokens: v[0],
  cached_input_tokens: v[1],
  output_tokens: v[2],
  reasoning_output_tokens: v[3],
  total_tokens: v[0] + v[2],
});
const tokens = (s: number, total: Vec, last: Vec) =>
  row(s, 'event_msg', {
    type: 'token_count',
    info: { total_token_usage: usage(total), last_token_usage: usage(last), model_context_window: 272000 },
  });
const prompt = (s: number, text: string) =>
  row(s, 'response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

let nextId = 0;
/** A fresh Codex home and a function writing rollouts where Codex puts them. */
function codexHome(): { home: string; rollout: (name: string, text: string) => string } {
  const home = tempHome('codex');
  const day = join(home, 'sessions', '2026', '01', '01');
  mkdirSync(day, { recursive: true });
  return {
    home,
    rollout: (name, text) => {
      const uuid = `0199aaaa-bbbb-7ccc-8ddd-${String(++nextId).padStart(12, '0')}`;
      const file = join(day, `rollout-2026-01-01T00-00-00-${name}-${uuid}.jsonl`);
      writeFileSync(file, text);
      return file;
    },
  };
}

async function detailOf(sdk: Sdk, ledgerHome: string, sessionId: string) {
  const detail = await sdk.session({ ledgerHome, sessionId });
  if (!detail) throw new Error(`session ${sessionId} not found`);
  return detail;
}

/** Makes a file look idle past the streaming grace period (5 minutes). */
function age(file: string): void {
  const old = new Date(Date.now() - 60 * 60 * 1000);
  utimesSync(file, old, old);
}

// Two turns, each token_count repeated, the model switched between them.
const MULTI =
  meta(0, 's-multi') +
  row(0, 'response_item', {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: '<environment_context>cwd</environment_context>' }],
  }) +
  prompt(1, 'fix the failing build') +
  ctx(1, 't1', 'gpt-5.4') +
  started(1, 't1') +
  row(2, 'event_msg', { type: 'token_count', info: null }) +
  tokens(3, [3000, 1000, 200, 50], [3000, 1000, 200, 50]) +
  tokens(4, [3000, 1000, 200, 50], [3000, 1000, 200, 50]) +
  done(5, 't1') +
  prompt(6, 'now run the tests') +
  ctx(6, 't2', 'gpt-5.3-codex') +
  started(6, 't2') +
  row(7, 'response_item', {
    type: 'function_call',
    name: 'exec_command',
    arguments: JSON.stringify({ cmd: 'npm test', workdir: '/work/app' }),
    call_id: 'call_1',
  }) +
  row(8, 'response_item', { type: 'function_call_output', call_id: 'call_1', output: 'ok 12 tests' }) +
  tokens(9, [8000, 3500, 700, 100], [5000, 2500, 500, 50]) +
  tokens(9, [8000, 3500, 700, 100], [5000, 2500, 500, 50]) +
  done(10, 't2');

describe.each(entryPoints)('Codex rollouts via %s', (_name, sdk) => {
  it('charges each turn the growth of the cumulative totals, once, with its model', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    rollout('multi', MULTI);
    const report = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(report).toMatchObject({
      filesScanned: 1,
      filesChanged: 1,
      turnsAdded: 2,
      userTurnsAdded: 3,
      sessionsAdded: 1,
      linesSkipped: 0,
      errors: [],
    });
    const { totals, groups } = await sdk.summary({ ledgerHome, groupBy: 'model' });
    expect(totals).toMatchObject({
      turns: 2,
      inputTokens: 4500,
      cacheReadTokens: 3500,
      outputTokens: 700,
      reasoningTokens: 100,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      totalTokens: 8700,
    });
    const byModel = Object.fromEntries(groups.map((g) => [g.key, g]));
    expect(byModel['gpt-5.4']).toMatchObject({ inputTokens: 2000, cacheReadTokens: 1000, outputTokens: 200 });
    expect(byModel['gpt-5.3-codex']).toMatchObject({
      inputTokens: 2500,
      cacheReadTokens: 2500,
      outputTokens: 500,
    });

    const [s] = await sdk.sessions({ ledgerHome, harness: 'codex' });
    expect(s).toMatchObject({
      harness: 'codex',
      sessionId: 's-multi',
      project: '/work/app',
      branch: 'main',
      title: 'fix the failing build',
      relationship: 'root',
      turns: 2,
      totalTokens: 8700,
    });
    const detail = await detailOf(sdk, ledgerHome, 's-multi');
    expect(detail.turns.map((t) => [t.messageId, t.model, t.complete])).toEqual([
      ['t1', 'gpt-5.4', true],
      ['t2', 'gpt-5.3-codex', true],
    ]);
    expect(detail.turns[1]?.toolCalls).toEqual([
      {
        id: 'call_1',
        name: 'exec_command',
        target: 'npm test',
        argsHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    expect(detail.userTurns.map((u) => u.blocks[0]?.kind)).toEqual(['text', 'text', 'tool_result']);

    const again = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(again).toMatchObject({
      filesScanned: 1,
      filesChanged: 0,
      bytesRead: 0,
      turnsAdded: 0,
      turnsUpdated: 0,
    });
  });

  it('reads rollouts without turn ids, writing each call as soon as its token_count is read', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const file = rollout(
      'legacy',
      meta(0, 's-legacy') +
        ctx(1, null, 'gpt-5-codex') +
        prompt(1, 'first') +
        tokens(2, [100, 0, 10, 0], [100, 0, 10, 0]) +
        ctx(3, null, 'gpt-5-codex') +
        prompt(3, 'second') +
        tokens(4, [250, 100, 30, 5], [150, 100, 20, 5]),
    );
    // A fresh file: each API call is complete once its token_count is written.
    let r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r.turnsAdded).toBe(2);
    const detail = await detailOf(sdk, ledgerHome, 's-legacy');
    expect(detail.turns.map((t) => [t.messageId, t.inputTokens, t.cacheReadTokens, t.outputTokens])).toEqual([
      ['turn-1', 100, 0, 10],
      ['turn-2', 50, 100, 20],
    ]);
    // Nothing held back: once the file is idle there is nothing more to write.
    age(file);
    r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r).toMatchObject({ bytesRead: 0, turnsAdded: 0, turnsUpdated: 0 });
  });

  it('prices a long-context model per API call: calls under 272k stay at the base rate', async () => {
    // Three gpt-5.5 calls of 150k prompt tokens each in one task: the task's total (450k)
    // crosses the 272k long-context threshold, no call does. The cost is the per-call sum.
    const call: Vec = [150_000, 100_000, 2_000, 500];
    const costOf = async (text: string, sessionId: string) => {
      const ledgerHome = tempHome();
      const { home, rollout } = codexHome();
      rollout(sessionId, text);
      await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
      const { totals } = await sdk.summary({ ledgerHome });
      return totals;
    };
    const task = (id: string, calls: number, each: Vec) => {
      let text = meta(0, id) + ctx(1, 't1', 'gpt-5.5') + started(1, 't1');
      for (let i = 1; i <= calls; i++) {
        const total = each.map((n) => n * i) as Vec;
        text += tokens(1 + i * 10, total, each) + tokens(2 + i * 10, total, each); // re-emitted
      }
      return text + done(60, 't1');
    };
    const three = await costOf(task('s-long', 3, call), 's-long');
    const one = await costOf(task('s-one', 1, call), 's-one');
    expect(three.turns).toBe(3);
    expect(three.inputTokens).toBe(150_000);
    expect(three.costUsd).toBeCloseTo(3 * one.costUsd, 9);
    // The same usage as one call would cross the threshold and cost more: the test can fail.
    const whole = await costOf(task('s-whole', 1, call.map((n) => n * 3) as Vec), 's-whole');
    expect(whole.inputTokens).toBe(three.inputTokens);
    expect(whole.costUsd).toBeGreaterThan(three.costUsd * 1.5);
  });

  it('records compactions between turns', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    rollout(
      'compact',
      meta(0, 's-compact') +
        started(1, 't1') +
        tokens(2, [9000, 0, 100, 0], [9000, 0, 100, 0]) +
        done(3, 't1') +
        row(4, 'compacted', { message: 'summary of the conversation' }) +
        row(4, 'event_msg', { type: 'context_compacted' }) +
        started(5, 't2') +
        tokens(6, [10000, 500, 150, 0], [1000, 500, 50, 0]) +
        done(7, 't2'),
    );
    const r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r).toMatchObject({ turnsAdded: 2, compactionsAdded: 1 });
    const detail = await detailOf(sdk, ledgerHome, 's-compact');
    expect(detail.compactions).toEqual([{ ts: at(4), precedingMessageId: 't1', tokensBefore: 9000 }]);
    expect(detail.session).toMatchObject({ inputTokens: 9500, cacheReadTokens: 500, outputTokens: 150 });
  });

  it('skips and counts malformed lines and files, never failing the run', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const bad = rollout(
      'bad',
      'not json at all\n' +
        '{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":"lots"}}}\n' +
        '{"timestamp":"2026-01-01T00:00:00.000Z","type":\n' +
        meta(0, 's-bad') +
        started(1, 't1') +
        tokens(2, [40, 0, 4, 0], [40, 0, 4, 0]) +
        done(3, 't1'),
    );
    rollout('binary', '\u0000\u0001\u0002garbage\n\u00ff\n');
    const r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r).toMatchObject({ filesScanned: 2, filesChanged: 2, turnsAdded: 1, linesSkipped: 5 });
    expect(r.errors.filter((e) => e.file === bad).map((e) => e.line)).toEqual([1, 2, 3]);
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({ inputTokens: 40, outputTokens: 4 });
  });

  it('does not count the parent history that forks and subagents replay', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const parentTurns =
      ctx(1, 'p1', 'gpt-5.4') +
      started(1, 'p1') +
      tokens(2, [5000, 1000, 300, 20], [5000, 1000, 300, 20]) +
      done(3, 'p1') +
      started(10, 'p2') +
      tokens(11, [9000, 4000, 600, 40], [4000, 3000, 300, 20]) +
      done(12, 'p2');
    rollout('parent', meta(0, 's-parent') + prompt(1, 'plan the work') + parentTurns);
    // Fork: the replay is stamped with the fork instant (second 100).
    const replayAt100 = parentTurns.replace(/"timestamp":"[^"]+"/g, `"timestamp":"${at(100)}"`);
    rollout(
      'fork',
      meta(100, 's-fork', { forked_from_id: 's-parent' }) +
        meta(100, 's-parent') +
        replayAt100 +
        started(130, 'f1') +
        tokens(135, [9600, 4200, 650, 45], [600, 200, 50, 5]) +
        done(136, 'f1'),
    );
    // Subagent: the replay keeps its original timestamps.
    rollout(
      'subagent',
      meta(200, 's-sub', {
        source: { subagent: { thread_spawn: { parent_thread_id: 's-parent', depth: 1 } } },
      }) +
        parentTurns +
        started(200, 'a1') +
        tokens(210, [9100, 4000, 610, 40], [100, 0, 10, 0]) +
        done(211, 'a1'),
    );
    const r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r).toMatchObject({ filesScanned: 3, turnsAdded: 4, sessionsAdded: 3 });
    const { totals } = await sdk.summary({ ledgerHome });
    // parent (5000+4000 in, 4000 cached, 600 out) + fork own (600/200/50) + subagent own (100/0/10)
    expect(totals).toMatchObject({
      turns: 4,
      inputTokens: 5000 + 400 + 100,
      cacheReadTokens: 4000 + 200,
      outputTokens: 600 + 50 + 10,
      reasoningTokens: 40 + 5,
    });
    const rows = Object.fromEntries(
      (await sdk.sessions({ ledgerHome, flat: true })).map((s) => [s.sessionId, s]),
    );
    expect(rows['s-fork']).toMatchObject({ relationship: 'fork', parentSessionId: 's-parent', turns: 1 });
    expect(rows['s-sub']).toMatchObject({ relationship: 'subagent', parentSessionId: 's-parent', turns: 1 });
    expect(rows['s-parent']).toMatchObject({ relationship: 'root', turns: 2, title: 'plan the work' });
    const parent = await detailOf(sdk, ledgerHome, 's-parent');
    expect(parent.children.map((c) => c.sessionId).sort()).toEqual(['s-fork', 's-sub']);
  });

  it('finds rollouts under sessions/ (any depth, any extension case) and archived_sessions/', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    rollout('active', MULTI);
    mkdirSync(join(home, 'archived_sessions'));
    writeFileSync(
      join(home, 'archived_sessions', 'rollout-old.JSONL'),
      MULTI.replaceAll('s-multi', 's-archived'),
    );
    writeFileSync(join(home, 'archived_sessions', 'notes.txt'), 'not a rollout\n');
    const r = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r).toMatchObject({ filesScanned: 2, turnsAdded: 4, linesSkipped: 0 });
    const ids = (await sdk.sessions({ ledgerHome })).map((s) => s.sessionId).sort();
    expect(ids).toEqual(['s-archived', 's-multi']);
  });

  it('resumes a file that grew mid-line between two ingests, reading only the new bytes', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const full = MULTI;
    const cut = full.indexOf('now run the tests');
    const file = rollout('growing', full.slice(0, cut));
    const first = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(first.turnsAdded).toBe(1);
    const committed = full.lastIndexOf('\n', cut) + 1;
    appendFileSync(file, full.slice(cut));
    const second = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(second).toMatchObject({ filesChanged: 1, turnsAdded: 1, linesSkipped: 0 });
    expect(second.bytesRead).toBe(statSync(file).size - Buffer.byteLength(full.slice(0, committed)));
    expect((await sdk.summary({ ledgerHome })).totals).toMatchObject({ turns: 2, totalTokens: 8700 });
  });

  it('ingests only the harnesses asked for, and a single sessionFile by sniffing it', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    rollout('multi', MULTI);
    const claude = tempHome('claude');
    mkdirSync(join(claude, 'projects', '-p'), { recursive: true });
    writeFileSync(
      join(claude, 'projects', '-p', 'c1.jsonl'),
      `${JSON.stringify({
        type: 'assistant',
        sessionId: 'c1',
        timestamp: at(1),
        requestId: 'r1',
        message: {
          id: 'm1',
          model: 'claude-sonnet-4-5',
          stop_reason: 'end_turn',
          usage: { input_tokens: 7, output_tokens: 3 },
        },
      })}\n`,
    );
    const roots = { codex: [home], 'claude-code': [claude] };
    let r = await sdk.ingest({ roots, harnesses: ['claude-code'], ledgerHome });
    expect(r).toMatchObject({ filesScanned: 1, turnsAdded: 1 });
    expect((await sdk.summary({ ledgerHome, harness: 'codex' })).totals.turns).toBe(0);
    r = await sdk.ingest({ roots, harnesses: ['codex'], ledgerHome });
    expect(r).toMatchObject({ filesScanned: 1, turnsAdded: 2 });
    r = await sdk.ingest({ roots, ledgerHome });
    expect(r).toMatchObject({ filesScanned: 2, filesChanged: 0 });
    const byHarness = (await sdk.summary({ ledgerHome, groupBy: 'harness' })).groups.map((g) => [
      g.key,
      g.turns,
    ]);
    expect(byHarness.sort()).toEqual([
      ['claude-code', 1],
      ['codex', 2],
    ]);

    // A rollout outside any Codex home is recognised by its first line.
    const loose = join(tempHome('loose'), 'session.jsonl');
    writeFileSync(loose, MULTI.replaceAll('s-multi', 's-loose'));
    const other = tempHome();
    r = await sdk.ingest({ sessionFile: loose, ledgerHome: other });
    expect(r).toMatchObject({ filesScanned: 1, turnsAdded: 2 });
    expect((await sdk.sessions({ ledgerHome: other }))[0]).toMatchObject({
      harness: 'codex',
      sessionId: 's-loose',
    });
  });
});

describe('Codex watch', () => {
  it('picks up turns appended to a rollout', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const cut = MULTI.indexOf(prompt(6, 'now run the tests'));
    const file = rollout('watched', MULTI.slice(0, cut));
    const ac = new AbortController();
    const done = esm.watch({ roots: { codex: [home] }, harnesses: ['codex'], ledgerHome, signal: ac.signal });
    const turns = async () => (await esm.summary({ ledgerHome })).totals.turns;
    const until = async (n: number) => {
      for (let i = 0; i < 300 && (await turns()) !== n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(1);
    appendFileSync(file, MULTI.slice(cut));
    await until(2);
    ac.abort();
    await done;
    expect((await esm.summary({ ledgerHome })).totals).toMatchObject({ turns: 2, totalTokens: 8700 });
  });
});

describe('Codex ingest crash safety', () => {
  it('a run killed midway, then re-run, counts every turn exactly once', async () => {
    const ledgerHome = tempHome();
    const { home, rollout } = codexHome();
    const files = 6;
    const turnsPerFile = 2500;
    for (let f = 0; f < files; f++) {
      let text = meta(0, `s-crash-${f}`) + ctx(0, null, 'gpt-5.4');
      for (let i = 1; i <= turnsPerFile; i++) {
        text +=
          started(i, `t${i}`) +
          tokens(i, [100 * i, 40 * i, 10 * i, 2 * i], [100, 40, 10, 2]) +
          done(i, `t${i}`);
      }
      rollout(`crash-${f}`, text);
    }
    await killAfterFirstCommit(ledgerHome, home, 'codex');
    const before = (await esm.summary({ ledgerHome })).totals.turns;
    expect(before).toBeLessThanOrEqual(files * turnsPerFile);

    const r = await esm.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(r.turnsAdded).toBe(files * turnsPerFile - before);
    const n = files * turnsPerFile;
    expect((await esm.summary({ ledgerHome })).totals).toMatchObject({
      turns: n,
      inputTokens: 60 * n,
      cacheReadTokens: 40 * n,
      outputTokens: 10 * n,
      reasoningTokens: 2 * n,
    });
    const again = await esm.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(again).toMatchObject({ filesChanged: 0, turnsAdded: 0, bytesRead: 0 });
  });
});
