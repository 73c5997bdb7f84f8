// Costs, tags, filters and groups through the public package: real Claude Code logs ingested
// into a temporary ledger, stamps written with writeStamp, dollar figures computed by hand
// from list prices (USD per million tokens).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { entryPoints, esm } from './helpers/sdk.js';

interface Row {
  session: string;
  id: string;
  ts: string;
  model: string;
  usage: Record<string, unknown>;
  tools?: string[];
}

const line = (r: Row) =>
  `${JSON.stringify({
    type: 'assistant',
    sessionId: r.session,
    timestamp: r.ts,
    requestId: `req-${r.id}`,
    cwd: '/work/app',
    gitBranch: 'main',
    message: {
      id: r.id,
      model: r.model,
      stop_reason: r.tools ? 'tool_use' : 'end_turn',
      content: [
        { type: 'text', text: 'ok' },
        ...(r.tools ?? []).map((name, i) => ({
          type: 'tool_use',
          id: `tu-${r.id}-${i}`,
          name,
          input: { i },
        })),
      ],
      usage: r.usage,
    },
  })}\n`;

// Sonnet 4.5: 1000·3 + 2000·15 + 10000·0.30 + 4000·3.75 + 3000·6 = $0.069
const A1: Row = {
  session: 'sess-a',
  id: 'msg-a1',
  ts: '2026-03-01T23:30:00.000Z',
  model: 'claude-sonnet-4-5-20250929',
  usage: {
    input_tokens: 1000,
    output_tokens: 2000,
    cache_read_input_tokens: 10000,
    cache_creation_input_tokens: 7000,
    cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 3000 },
  },
};
// Opus 4.1: 100·15 + 1000·75 = $0.0765, one Bash call.
const A2: Row = {
  session: 'sess-a',
  id: 'msg-a2',
  ts: '2026-03-02T00:10:00.000Z',
  model: 'claude-opus-4-1-20250805',
  usage: { input_tokens: 100, output_tokens: 1000 },
  tools: ['Bash'],
};
// Haiku 4.5: 2000·1 + 400·5 = $0.004
const B1: Row = {
  session: 'sess-b',
  id: 'msg-b1',
  ts: '2026-03-02T09:00:00.000Z',
  model: 'claude-haiku-4-5-20251001',
  usage: { input_tokens: 2000, output_tokens: 400 },
};
// Long context (prompt 250k > 200k): 250000·6 + 1000·22.5 = $1.5225
const B2: Row = {
  session: 'sess-b',
  id: 'msg-b2',
  ts: '2026-03-02T09:05:00.000Z',
  model: 'claude-sonnet-4-5-20250929',
  usage: { input_tokens: 250000, output_tokens: 1000 },
};
// A model with no price: $0, listed.
const B3: Row = {
  session: 'sess-b',
  id: 'msg-b3',
  ts: '2026-03-02T09:06:00.000Z',
  model: 'local-llama',
  usage: { input_tokens: 10, output_tokens: 10 },
};

const A = 0.069 + 0.0765;
const B = 0.004 + 1.5225;

async function ledgerWithLogs(): Promise<string> {
  const ledgerHome = tempHome();
  const store = tempHome('store');
  mkdirSync(join(store, 'projects', '-work-app'), { recursive: true });
  writeFileSync(join(store, 'projects', '-work-app', 'sess-a.jsonl'), line(A1) + line(A2));
  writeFileSync(join(store, 'projects', '-work-app', 'sess-b.jsonl'), line(B1) + line(B2) + line(B3));
  // One stamp before ingest, the others after: both apply.
  await esm.writeStamp({
    ledgerHome,
    sessionId: 'sess-a',
    enrichment: { spawner: 'pear', persona: 'reviewer' },
    ts: '2026-03-01T00:00:00Z',
  });
  const report = await esm.ingest({ ledgerHome, roots: { 'claude-code': [store] } });
  expect(report.turnsAdded).toBe(5);
  await esm.writeStamp({
    ledgerHome,
    sessionId: 'sess-b',
    enrichment: { spawner: 'pear', persona: 'coder' },
    ts: '2026-03-01T00:00:00Z',
  });
  return ledgerHome;
}

describe.each(entryPoints)('summary, sessions and costs via %s', (_name, sdk) => {
  let ledgerHome: string;
  beforeAll(async () => {
    ledgerHome = await ledgerWithLogs();
  });

  it('prices every turn at list price and lists unpriced models', async () => {
    const s = await sdk.summary({ ledgerHome });
    expect(s.totals.turns).toBe(5);
    expect(s.totals.costUsd).toBeCloseTo(A + B, 10);
    expect(s.totals.cacheWrite5mTokens).toBe(4000);
    expect(s.totals.cacheWrite1hTokens).toBe(3000);
    const byKey = Object.fromEntries(s.groups.map((g) => [g.key, g]));
    // Group keys are the normalized model (the price table's name): dates dropped.
    expect(byKey['claude-sonnet-4-5']?.costUsd).toBeCloseTo(0.069 + 1.5225, 10);
    expect(byKey['claude-opus-4-1']?.costUsd).toBeCloseTo(0.0765, 10);
    expect(byKey['claude-haiku-4-5']?.costUsd).toBeCloseTo(0.004, 10);
    expect(byKey['local-llama']?.costUsd).toBe(0);
    expect(s.unpricedModels).toEqual([{ model: 'local-llama', turns: 1 }]);
  });

  it('filters by tags, all of which must match, and groups by a tag', async () => {
    const reviewer = await sdk.summary({ ledgerHome, tags: { persona: 'reviewer' } });
    expect(reviewer.totals.turns).toBe(2);
    expect(reviewer.totals.costUsd).toBeCloseTo(A, 10);
    const none = await sdk.summary({ ledgerHome, tags: { persona: 'reviewer', spawner: 'other' } });
    expect(none.totals.turns).toBe(0);
    const byPersona = await sdk.summary({ ledgerHome, tags: { spawner: 'pear' }, groupBy: 'tag:persona' });
    expect(byPersona.groups.map((g) => [g.key, g.turns])).toEqual([
      ['coder', 3],
      ['reviewer', 2],
    ]);
    expect(byPersona.groups[0]?.costUsd).toBeCloseTo(B, 10);
  });

  it('groups by every dimension', async () => {
    const keys = async (groupBy: Parameters<typeof sdk.summary>[0] extends infer O ? O : never) =>
      (await sdk.summary({ ledgerHome, ...(groupBy as object) })).groups.map((g) => g.key).sort();
    expect(await keys({ groupBy: 'provider' })).toEqual(['anthropic']);
    expect(await keys({ groupBy: 'harness' })).toEqual(['claude-code']);
    expect(await keys({ groupBy: 'project' })).toEqual(['/work/app']);
    expect(await keys({ groupBy: 'branch' })).toEqual(['main']);
    expect(await keys({ groupBy: 'session' })).toEqual(['sess-a', 'sess-b']);
    expect(await keys({ groupBy: 'day' })).toEqual(['2026-03-01', '2026-03-02']);
    expect(await keys({ groupBy: 'day', timezone: 'Europe/Paris' })).toEqual(['2026-03-02']);
    expect(await keys({ groupBy: 'week' })).toEqual(['2026-W09', '2026-W10']);
    expect(await keys({ groupBy: 'month' })).toEqual(['2026-03']);
    const tools = await sdk.summary({ ledgerHome, groupBy: 'tool' });
    const bash = tools.groups.find((g) => g.key === 'Bash');
    expect(bash?.costUsd).toBeCloseTo(0.0765, 10);
    expect(tools.totals.costUsd).toBeCloseTo(A + B, 10);
  });

  it('filters by window, session, model, project and harness', async () => {
    const turns = async (o: object) => (await sdk.summary({ ledgerHome, ...o })).totals.turns;
    expect(await turns({ since: '2026-03-02T00:10:00Z' })).toBe(4);
    expect(await turns({ since: '2026-03-02T00:10:00.001Z' })).toBe(3);
    expect(await turns({ until: '2026-03-02T00:10:00Z' })).toBe(1);
    expect(await turns({ since: '2026-03-01T00:00:00Z', until: '2026-03-02T09:05:00Z' })).toBe(3);
    expect(await turns({ since: '1000w' })).toBe(5);
    expect(await turns({ session: 'sess-b' })).toBe(3);
    expect(await turns({ model: 'claude-sonnet-4-5-20250929' })).toBe(2);
    expect(await turns({ project: '/work/app' })).toBe(5);
    expect(await turns({ harness: 'codex' })).toBe(0);
  });

  it('sessions carry cost and folded tags; session detail prices each turn', async () => {
    const rows = await sdk.sessions({ ledgerHome });
    expect(rows.map((r) => r.sessionId)).toEqual(['sess-b', 'sess-a']);
    expect(rows[1]?.costUsd).toBeCloseTo(A, 10);
    expect(rows[1]?.tags).toEqual({ spawner: 'pear', persona: 'reviewer' });
    const coders = await sdk.sessions({ ledgerHome, tags: { persona: 'coder' } });
    expect(coders.map((r) => r.sessionId)).toEqual(['sess-b']);
    const d = await sdk.session({ sessionId: 'sess-a', ledgerHome });
    expect(d?.session.tags.persona).toBe('reviewer');
    expect(d?.turns.map((t) => t.costUsd)).toEqual([expect.closeTo(0.069, 10), expect.closeTo(0.0765, 10)]);
    const c = await sdk.sessionCost({ sessionId: 'sess-b', ledgerHome });
    expect(c.totals.costUsd).toBeCloseTo(B, 10);
    expect(c.unpricedModels).toEqual([{ model: 'local-llama', turns: 1 }]);
  });

  it('rejects bad options with INVALID_ARGUMENT naming the field', async () => {
    const cases: Array<[object, string]> = [
      [{ groupBy: 'colour' }, 'groupBy'],
      [{ groupBy: 'tag:' }, 'groupBy'],
      [{ tags: { '': 'x' } }, 'tags'],
      [{ tags: { k: 1 } }, 'tags.k'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ since: 'someday' }, 'since'],
      [{ weekStart: 'tuesday' }, 'weekStart'],
    ];
    for (const [o, field] of cases) {
      await expect(sdk.summary({ ledgerHome, ...o } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        field,
      });
    }
    await expect(sdk.sessionCost({ sessionId: '' })).rejects.toMatchObject({ field: 'sessionId' });
  });
});

describe('tag fold order through writeStamp', () => {
  it('orders by ts as instants (any precision or offset), then by write, later wins', async () => {
    const ledgerHome = await ledgerWithLogs();
    const persona = async () =>
      (await esm.summary({ ledgerHome, session: 'sess-a', groupBy: 'tag:persona' })).groups.map((g) => g.key);
    const stamp = (ts: string, value: string) =>
      esm.writeStamp({ ledgerHome, sessionId: 'sess-a', enrichment: { persona: value }, ts });
    // Millisecond precision written first, second precision of the same second written later:
    // .500 is later in time, so it wins although written first.
    await stamp('2026-03-05T10:00:05.500Z', 'late');
    await stamp('2026-03-05T10:00:05Z', 'early');
    expect(await persona()).toEqual(['late']);
    // The same millisecond written with two offsets: the later write wins.
    await stamp('2026-03-05T12:00:05.500+02:00', 'first-write');
    await stamp('2026-03-05T10:00:05.500Z', 'second-write');
    expect(await persona()).toEqual(['second-write']);
    // A message stamp later than the session's wins for that turn only.
    await esm.writeStamp({
      ledgerHome,
      messageId: 'msg-a2',
      enrichment: { persona: 'one-message' },
      ts: '2026-03-05T10:00:06Z',
    });
    expect((await persona()).sort()).toEqual(['one-message', 'second-write']);
    const d = await esm.session({ sessionId: 'sess-a', ledgerHome });
    expect(d?.session.tags.persona).toBe('second-write');
  });
});

describe('prices and fingerprint', () => {
  it('a price override in RELAYBURN_HOME reprices history; the fingerprint changes', async () => {
    const ledgerHome = await ledgerWithLogs();
    const f1 = await esm.fingerprint({ ledgerHome });
    expect(await esm.fingerprint({ ledgerHome })).toBe(f1);
    writeFileSync(
      join(ledgerHome, 'prices.json'),
      JSON.stringify({ models: { 'local-llama': { input: 1000, output: 1000 } } }),
    );
    const f2 = await esm.fingerprint({ ledgerHome });
    expect(f2).not.toBe(f1);
    const s = await esm.summary({ ledgerHome });
    // 20 tokens at $1000 per million = $0.02.
    expect(s.totals.costUsd).toBeCloseTo(A + B + 0.02, 10);
    expect(s.unpricedModels).toEqual([]);
    await esm.writeStamp({ ledgerHome, sessionId: 'sess-a', enrichment: { k: 'v' } });
    expect(await esm.fingerprint({ ledgerHome })).not.toBe(f2);
    writeFileSync(join(ledgerHome, 'prices.json'), '{ not json');
    await expect(esm.summary({ ledgerHome })).rejects.toMatchObject({ code: 'IO' });
  });

  it('prices turns at the verified list prices (computed by hand)', async () => {
    // USD per million tokens from crates/relayburn-core/data/prices.json (checked 2026-11-23
    // against Anthropic's pricing page, LiteLLM and genai-prices). Recompute by hand on a change.
    const rows: Row[] = [
      // Opus 4.6 bills its 1M window at standard rates, no long-context tier (prompt 500k):
      // 100000·5 + 10000·25 + 400000·0.50 = $0.95
      {
        session: 'sess-v',
        id: 'msg-v1',
        ts: '2026-04-01T10:00:00.000Z',
        model: 'claude-opus-4-6',
        usage: { input_tokens: 100000, output_tokens: 10000, cache_read_input_tokens: 400000 },
      },
      // Sonnet 4 above 200k (retired 1M beta): 1-hour writes $12, output $22.50:
      // 250000·12 + 1000·22.5 = $3.0225
      {
        session: 'sess-v',
        id: 'msg-v2',
        ts: '2026-04-01T10:01:00.000Z',
        model: 'claude-sonnet-4-20250514',
        usage: {
          input_tokens: 0,
          output_tokens: 1000,
          cache_creation_input_tokens: 250000,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 250000 },
        },
      },
      // Opus 5.5: $4 in, $20 out, cache hits $0.20: 1000·4 + 1000·20 + 1000000·0.2 = $0.224
      {
        session: 'sess-v',
        id: 'msg-v3',
        ts: '2026-04-01T10:02:00.000Z',
        model: 'claude-opus-5-5',
        usage: { input_tokens: 1000, output_tokens: 1000, cache_read_input_tokens: 1000000 },
      },
      // OpenRouter's dotted spelling is Sonnet 4.5: 1000·3 + 100·15 = $0.0045
      {
        session: 'sess-v',
        id: 'msg-v4',
        ts: '2026-04-01T10:03:00.000Z',
        model: 'anthropic/claude-sonnet-4.5',
        usage: { input_tokens: 1000, output_tokens: 100 },
      },
    ];
    const ledgerHome = tempHome();
    const store = tempHome('store');
    mkdirSync(join(store, 'projects', '-work-app'), { recursive: true });
    writeFileSync(join(store, 'projects', '-work-app', 'sess-v.jsonl'), rows.map(line).join(''));
    await esm.ingest({ ledgerHome, roots: { 'claude-code': [store] } });
    const s = await esm.summary({ ledgerHome });
    const byKey = Object.fromEntries(s.groups.map((g) => [g.key, g.costUsd]));
    expect(byKey['claude-opus-4-6']).toBeCloseTo(0.95, 10);
    expect(byKey['claude-sonnet-4']).toBeCloseTo(3.0225, 10);
    expect(byKey['claude-opus-5-5']).toBeCloseTo(0.224, 10);
    expect(byKey['claude-sonnet-4-5']).toBeCloseTo(0.0045, 10);
    expect(s.totals.costUsd).toBeCloseTo(0.95 + 3.0225 + 0.224 + 0.0045, 10);
    expect(s.unpricedModels).toEqual([]);
  });

  it('the shipped price table is readable from the package', async () => {
    const { createRequire } = await import('node:module');
    const table = createRequire(import.meta.url)('@relayburn/sdk/prices.json') as {
      updated: string;
      sources: string[];
      models: Record<string, { input: number; tiers?: unknown[] }>;
    };
    expect(table.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.sources.length).toBeGreaterThan(0);
    expect(table.models['claude-sonnet-4-5']?.input).toBe(3);
    expect(table.models['claude-opus-4-6']?.tiers).toBeUndefined();
  });
});

describe('burn summary / sessions / session', () => {
  it('prints aligned tables with dollars and filters with --tag and --tags', async () => {
    const ledgerHome = await ledgerWithLogs();
    const r = burn(['summary', '--tags', 'spawner=pear,persona=reviewer', '--ledger-home', ledgerHome]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^MODEL\s+TURNS/);
    expect(r.stdout).toMatch(/TOTAL\s+2\s+1,100\s+3,000\s+10,000\s+4,000\s+3,000\s+21,100\s+\$0\.15/);
    const j = JSON.parse(
      burn([
        'summary',
        '--tag',
        'persona=coder',
        '--by',
        'tag:spawner',
        '--json',
        '--ledger-home',
        ledgerHome,
      ]).stdout,
    );
    expect(j.groups).toEqual([expect.objectContaining({ key: 'pear', turns: 3 })]);
    expect(Object.keys(j.totals)).toEqual([
      'turns',
      'inputTokens',
      'outputTokens',
      'reasoningTokens',
      'cacheReadTokens',
      'cacheWrite5mTokens',
      'cacheWrite1hTokens',
      'totalTokens',
      'costUsd',
    ]);
    expect(j.unpricedModels).toEqual([{ model: 'local-llama', turns: 1 }]);
    const big = burn(['summary', '--by', 'session', '--ledger-home', ledgerHome]);
    expect(big.stdout).toContain('$1.53');
    const sessions = burn(['sessions', '--tag', 'persona=reviewer', '--ledger-home', ledgerHome]);
    expect(sessions.status).toBe(0);
    expect(sessions.stdout).toContain('sess-a');
    expect(sessions.stdout).not.toContain('sess-b');
    expect(sessions.stdout).toContain('persona=reviewer');
    const detail = burn(['session', 'sess-a', '--ledger-home', ledgerHome]);
    expect(detail.stdout).toMatch(/cost\s+\$0\.15/);
    expect(detail.stdout).toMatch(/tags\s+persona=reviewer spawner=pear/);
    const bad = burn(['summary', '--by', 'colour', '--ledger-home', ledgerHome]);
    expect(bad.status).toBe(2);
    expect(burn(['summary', '--tag', 'novalue', '--ledger-home', ledgerHome]).status).toBe(2);
  });
});
