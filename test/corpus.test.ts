// A generated Claude Code corpus (bench/corpus/claude.mjs: streamed rows, resume copies,
// subagent transcripts, interrupted and synthetic responses, compactions) ingested through the
// public package must give exactly the generator's own tally; a second ingest reads nothing.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints } from './helpers/sdk.js';

interface Counts {
  turns: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

interface Tally extends Counts {
  totalTokens: number;
  files: number;
  bytes: number;
  subagentFiles: number;
  resumedFiles: number;
  copiedLines: number;
  streamedResponses: number;
  interruptedResponses: number;
  syntheticResponses: number;
  flatCacheResponses: number;
  userTurns: number;
  compactions: number;
  sessions: number;
  byModel: Record<string, Counts>;
  bySession: Record<string, number>;
}

const generator = join(repoRoot, 'bench', 'corpus', 'claude.mjs');

function generate(out: string, seed: number): Tally {
  const r = spawnSync(
    process.execPath,
    [generator, '--out', out, '--mb', '3', '--files', '40', '--seed', String(seed), '--quiet'],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(join(out, 'tally.json'), 'utf8')) as Tally;
}

/** Ledger totals in the tally's vocabulary. */
function counts(t: {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}): Counts {
  return {
    turns: t.turns,
    input: t.inputTokens,
    output: t.outputTokens,
    cacheRead: t.cacheReadTokens,
    cacheWrite5m: t.cacheWrite5mTokens,
    cacheWrite1h: t.cacheWrite1hTokens,
  };
}

function pick(t: Counts): Counts {
  const { turns, input, output, cacheRead, cacheWrite5m, cacheWrite1h } = t;
  return { turns, input, output, cacheRead, cacheWrite5m, cacheWrite1h };
}

let corpus: string;
let tally: Tally;

beforeAll(() => {
  corpus = tempHome('corpus');
  tally = generate(corpus, 7);
});

describe('generated corpus', () => {
  it('has every feature the counting rules care about', () => {
    expect(tally.files).toBe(40);
    expect(tally.subagentFiles).toBeGreaterThan(0);
    expect(tally.resumedFiles).toBeGreaterThan(0);
    expect(tally.copiedLines).toBeGreaterThan(0);
    expect(tally.streamedResponses).toBeGreaterThan(0);
    expect(tally.interruptedResponses).toBeGreaterThan(0);
    expect(tally.syntheticResponses).toBeGreaterThan(0);
    expect(tally.flatCacheResponses).toBeGreaterThan(0);
    expect(tally.compactions).toBeGreaterThan(0);
    expect(tally.cacheWrite1h).toBeGreaterThan(0);
    expect(Object.keys(tally.byModel).length).toBeGreaterThan(2);
    expect(Object.keys(tally.bySession).some((s) => s.includes('/agent-'))).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const again = tempHome('corpus-again');
    generate(again, 7);
    expect(readFileSync(join(again, 'tally.json'), 'utf8')).toBe(
      readFileSync(join(corpus, 'tally.json'), 'utf8'),
    );
    const other = tempHome('corpus-other');
    expect(generate(other, 8).totalTokens).not.toBe(tally.totalTokens);
  });
});

describe.each(entryPoints)('ingest of a generated corpus via %s', (_name, sdk) => {
  it('equals the tally exactly, then re-reads nothing', async () => {
    const ledgerHome = tempHome();
    const roots = { 'claude-code': [corpus] };
    const report = await sdk.ingest({ roots, ledgerHome });
    expect(report.errors).toEqual([]);
    expect(report.linesSkipped).toBe(0);
    expect(report.filesScanned).toBe(tally.files);
    expect(report.bytesRead).toBe(tally.bytes);
    expect(report.turnsAdded).toBe(tally.turns);
    expect(report.userTurnsAdded).toBe(tally.userTurns);
    expect(report.compactionsAdded).toBe(tally.compactions);

    // The tally counts by the ids as written: `modelRaw` (`model` merges a model's spellings).
    const byModel = await sdk.summary({ ledgerHome, groupBy: 'modelRaw' });
    expect(counts(byModel.totals)).toEqual(pick(tally));
    expect(Object.fromEntries(byModel.groups.map((g) => [g.key, counts(g)]))).toEqual(tally.byModel);
    expect(counts((await sdk.summary({ ledgerHome, groupBy: 'model' })).totals)).toEqual(pick(tally));

    const bySession = await sdk.summary({ ledgerHome, groupBy: 'session' });
    expect(Object.fromEntries(bySession.groups.map((g) => [g.key, g.turns]))).toEqual(tally.bySession);

    const again = await sdk.ingest({ roots, ledgerHome });
    expect(again).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0, turnsUpdated: 0 });
    expect(counts((await sdk.summary({ ledgerHome })).totals)).toEqual(pick(tally));
  });

  it('reads only the appended bytes of a grown file', async () => {
    const ledgerHome = tempHome();
    const copy = tempHome('corpus-copy');
    generate(copy, 7);
    const roots = { 'claude-code': [copy] };
    await sdk.ingest({ roots, ledgerHome });

    const projects = join(copy, 'projects');
    const slug = join(projects, readdirSync(projects)[0] as string);
    const name = readdirSync(slug).find((f) => f.endsWith('.jsonl')) as string;
    const file = join(slug, name);
    const sizeBefore = statSync(file).size;
    const sessionId = name.replace(/\.jsonl$/, '');
    const row = (stop: string | null, output: number) =>
      `${JSON.stringify({
        type: 'assistant',
        sessionId,
        timestamp: '2026-07-01T00:00:00.000Z',
        requestId: 'req_appended',
        message: {
          id: 'msg_appended',
          model: 'claude-sonnet-4-5-20250929',
          stop_reason: stop,
          content: [{ type: 'text', text: 'appended' }],
          usage: { input_tokens: 3, output_tokens: output, cache_read_input_tokens: 1000 },
        },
      })}\n`;
    const appended = row(null, 2) + row('end_turn', 40);
    appendFileSync(file, appended);

    const report = await sdk.ingest({ roots, ledgerHome });
    expect(report).toMatchObject({
      filesChanged: 1,
      turnsAdded: 1,
      bytesRead: statSync(file).size - sizeBefore,
    });
    expect(report.bytesRead).toBe(Buffer.byteLength(appended));
    const totals = (await sdk.summary({ ledgerHome })).totals;
    expect(totals.turns).toBe(tally.turns + 1);
    expect(totals.outputTokens).toBe(tally.output + 40);
  });
});

// A mixed corpus (bench/corpus/mixed.mjs): the Claude corpus above plus Codex rollouts (repeated
// and late snapshots, model switches, forks and subagents replaying their parent) and OpenCode
// data (storage tree and opencode.db, some sessions in both).
interface HarnessCounts extends Counts {
  reasoning: number;
}

interface MixedTally {
  byHarness: Record<string, HarnessCounts>;
  files: Record<string, number>;
  codex: {
    forks: number;
    subagents: number;
    repeatedSnapshots: number;
    lateSnapshots: number;
    modelSwitches: number;
  };
  opencode: {
    treeSessions: number;
    dbSessions: number;
    bothSessions: number;
    childSessions: number;
    tokensOnlyMessages: number;
  };
  more: Record<'copilot-cli' | 'kimi-cli' | 'grok', Record<string, number>>;
  bySession: Record<'codex' | 'opencode' | 'gemini-cli' | 'qwen-code' | 'pi', Record<string, number>>;
}

const mixedGenerator = join(repoRoot, 'bench', 'corpus', 'mixed.mjs');

const mixedRoots = (mixed: string) => ({
  'claude-code': [join(mixed, 'claude')],
  codex: [join(mixed, 'codex')],
  opencode: [join(mixed, 'opencode')],
  'gemini-cli': [join(mixed, 'gemini')],
  'qwen-code': [join(mixed, 'qwen')],
  pi: [join(mixed, 'pi')],
  'copilot-cli': [join(mixed, 'copilot')],
  'kimi-cli': [join(mixed, 'kimi')],
  grok: [join(mixed, 'grok')],
});

type Sums = Record<string, number>;
const harnessCounts = async (sdk: (typeof entryPoints)[number][1], ledgerHome: string) =>
  Object.fromEntries(
    (await sdk.summary({ ledgerHome, groupBy: 'harness' })).groups.map((g) => [
      g.key,
      { ...counts(g), reasoning: g.reasoningTokens },
    ]),
  );

describe('generated mixed corpus', () => {
  let mixed: string;
  let mixedTally: MixedTally;

  beforeAll(() => {
    mixed = tempHome('mixed-corpus');
    const r = spawnSync(
      process.execPath,
      [mixedGenerator, '--out', mixed, '--mb', '3', '--files', '40', '--seed', '7', '--quiet'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    mixedTally = JSON.parse(readFileSync(join(mixed, 'tally.json'), 'utf8')) as MixedTally;
  });

  it('has every feature the counting rules care about', () => {
    expect(Object.keys(mixedTally.byHarness).sort()).toEqual([
      'claude-code',
      'codex',
      'copilot-cli',
      'gemini-cli',
      'grok',
      'kimi-cli',
      'opencode',
      'pi',
      'qwen-code',
    ]);
    // Every trap of the Copilot CLI, Kimi and Grok logs is in the corpus.
    for (const features of Object.values(mixedTally.more))
      for (const [name, n] of Object.entries(features)) expect([name, n]).not.toEqual([name, 0]);
    for (const h of Object.values(mixedTally.byHarness)) expect(h.turns).toBeGreaterThan(0);
    const { codex, opencode } = mixedTally;
    for (const n of Object.values(codex)) expect(n).toBeGreaterThan(0);
    expect(opencode.treeSessions * opencode.dbSessions * opencode.bothSessions).toBeGreaterThan(0);
    expect(opencode.childSessions * opencode.tokensOnlyMessages).toBeGreaterThan(0);
  });

  it.each(entryPoints)(
    'ingests to the tally per harness exactly, then re-reads nothing (%s)',
    async (_name, sdk) => {
      const ledgerHome = tempHome();
      const roots = mixedRoots(mixed);
      const report = await sdk.ingest({ roots, ledgerHome });
      expect(report.errors).toEqual([]);
      expect(report.linesSkipped).toBe(0);
      expect(report.filesScanned).toBe(Object.values(mixedTally.files).reduce((n, f) => n + f, 0));
      const turns = Object.values(mixedTally.byHarness).reduce((n, h) => n + h.turns, 0);
      expect(report.turnsAdded).toBe(turns);

      const byHarness = await sdk.summary({ ledgerHome, groupBy: 'harness' });
      const got = Object.fromEntries(
        byHarness.groups.map((g) => [g.key, { ...counts(g), reasoning: g.reasoningTokens }]),
      );
      expect(got).toEqual(mixedTally.byHarness);

      for (const harness of ['codex', 'opencode', 'gemini-cli', 'qwen-code', 'pi'] as const) {
        const bySession = await sdk.summary({ ledgerHome, harness, groupBy: 'session' });
        expect(Object.fromEntries(bySession.groups.map((g) => [g.key, g.turns]))).toEqual(
          mixedTally.bySession[harness],
        );
      }

      const again = await sdk.ingest({ roots, ledgerHome });
      expect(again).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0, turnsUpdated: 0 });
      const after = await sdk.summary({ ledgerHome, groupBy: 'harness' });
      expect(after.groups).toEqual(byHarness.groups);
    },
  );

  it('reads only the appended calls of Gemini CLI, Qwen Code and Pi logs', async () => {
    const { esm: sdk } = await import('./helpers/sdk.js');
    const copy = tempHome('mixed-append');
    spawnSync('cp', ['-a', `${mixed}/.`, copy]);
    const ledgerHome = tempHome();
    const roots = {
      'gemini-cli': [join(copy, 'gemini')],
      'qwen-code': [join(copy, 'qwen')],
      pi: [join(copy, 'pi')],
    };
    const harnesses = ['gemini-cli', 'qwen-code', 'pi'] as const;
    await sdk.ingest({ roots, harnesses: [...harnesses], ledgerHome });
    const firstJsonl = (dir: string) => {
      const name = readdirSync(dir).find((f) => f.endsWith('.jsonl')) as string;
      return join(dir, name);
    };
    const ts = '2026-07-02T00:00:00.000Z';
    // One more call in one file of each (prompt 1,000 with 400 cached, 50 out).
    appendFileSync(
      firstJsonl(join(copy, 'gemini', 'tmp', 'corpus-project', 'chats')),
      `${JSON.stringify({ id: 'appended-g', timestamp: ts, type: 'gemini', content: '', tokens: { input: 1000, output: 50, cached: 400, thoughts: 0, tool: 0, total: 1050 }, model: 'gemini-2.5-pro' })}\n`,
    );
    appendFileSync(
      firstJsonl(join(copy, 'qwen', 'projects', '-work-corpus', 'chats')),
      `${JSON.stringify({ uuid: 'appended-q', parentUuid: null, sessionId: 'appended-q-session', timestamp: ts, type: 'assistant', cwd: '/work/corpus', version: '0.14.2', model: 'qwen3-coder-plus', usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 50, cachedContentTokenCount: 400, totalTokenCount: 1050 } })}\n`,
    );
    appendFileSync(
      firstJsonl(join(copy, 'pi', 'sessions', '--work-corpus--')),
      `${JSON.stringify({ type: 'message', id: 'appended', parentId: null, timestamp: ts, message: { role: 'assistant', content: [], provider: 'anthropic', model: 'claude-sonnet-4-5', usage: { input: 600, output: 50, cacheRead: 400, cacheWrite: 0, totalTokens: 1050 }, timestamp: Date.parse(ts) } })}\n`,
    );
    const grown = await sdk.ingest({ roots, harnesses: [...harnesses], ledgerHome });
    expect(grown).toMatchObject({ filesChanged: 3, turnsAdded: 3, linesSkipped: 0 });
    const got = await sdk.summary({ ledgerHome, groupBy: 'harness' });
    for (const h of harnesses) {
      const g = got.groups.find((x) => x.key === h);
      const t = mixedTally.byHarness[h] as HarnessCounts;
      expect(g && counts(g)).toEqual({
        ...counts({
          turns: t.turns + 1,
          inputTokens: t.input + 600,
          outputTokens: t.output + 50,
          cacheReadTokens: t.cacheRead + 400,
          cacheWrite5mTokens: t.cacheWrite5m,
          cacheWrite1hTokens: t.cacheWrite1h,
        }),
      });
    }
  });
  it('after appends to the Copilot CLI, Kimi and Grok logs, ingests to the tally plus the appends', async () => {
    const sdk = entryPoints[0][1];
    const copy = tempHome('mixed-append');
    cpSync(mixed, copy, { recursive: true });
    const ledgerHome = tempHome();
    const roots = mixedRoots(copy);
    await sdk.ingest({ roots, ledgerHome });
    expect(await harnessCounts(sdk, ledgerHome)).toEqual(mixedTally.byHarness);
    const { appendMoreHarnesses } = (await import(
      pathToFileURL(join(repoRoot, 'bench', 'corpus', 'copilot-kimi-grok.mjs')).href
    )) as {
      appendMoreHarnesses: (r: unknown, out: string) => Promise<Record<string, Sums>>;
    };
    const { makeRandom } = (await import(
      pathToFileURL(join(repoRoot, 'bench', 'corpus', 'claude.mjs')).href
    )) as {
      makeRandom: (seed: number) => unknown;
    };
    const added = await appendMoreHarnesses(makeRandom(99), copy);
    const report = await sdk.ingest({ roots, ledgerHome });
    expect(report.linesSkipped).toBe(0);
    const want: Record<string, Sums> = structuredClone(mixedTally.byHarness) as unknown as Record<
      string,
      Sums
    >;
    for (const [h, delta] of Object.entries(added)) {
      expect(delta.turns).toBeGreaterThan(0);
      for (const [k, n] of Object.entries(delta)) (want[h] as Sums)[k] = ((want[h] as Sums)[k] ?? 0) + n;
    }
    expect(await harnessCounts(sdk, ledgerHome)).toEqual(want);
  }, 120_000);
});

// The kit's Codex home alone (bench/corpus/codex.mjs, what bench/ingest-codex.mjs measures):
// its tally, then a turn appended to every third rollout, read by an incremental pass.
describe('a generated Codex home', () => {
  it('ingests to its tally, and to the tally plus the appended turns', async () => {
    interface Rollout {
      counts: Sums;
    }
    const kit = (await import(pathToFileURL(join(repoRoot, 'bench', 'corpus', 'codex.mjs')).href)) as {
      generateCodexHome: (o: { out: string; mb: number; files: number; seed: number }) => {
        codex: { append: (r: Rollout) => Sums };
        rollouts: Rollout[];
        tally: Sums;
      };
    };
    const home = tempHome('codex-home');
    const { codex, rollouts, tally } = kit.generateCodexHome({ out: home, mb: 0.6, files: 12, seed: 5 });
    const sdk = entryPoints[0][1];
    const ledgerHome = tempHome();
    const totals = async () => {
      const t = (await sdk.summary({ ledgerHome })).totals;
      return { ...counts(t), reasoning: t.reasoningTokens };
    };
    const want = (t: Sums) => {
      const { turns, input, output, reasoning, cacheRead, cacheWrite5m, cacheWrite1h } = t;
      return { turns, input, output, reasoning, cacheRead, cacheWrite5m, cacheWrite1h };
    };
    expect(rollouts).toHaveLength(12);
    await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(await totals()).toEqual(want(tally));
    const grown = { ...tally };
    for (let i = 0; i < rollouts.length; i += 3) {
      const added = codex.append(rollouts[i] as Rollout);
      expect(added.turns).toBeGreaterThan(0);
      for (const [k, n] of Object.entries(added)) grown[k] = (grown[k] ?? 0) + n;
    }
    const report = await sdk.ingest({ roots: { codex: [home] }, ledgerHome });
    expect(report.turnsAdded).toBe((grown.turns ?? 0) - (tally.turns ?? 0));
    expect(await totals()).toEqual(want(grown));
  });
});
