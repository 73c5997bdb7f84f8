// Issue 26: one model, one row. Real logs of each harness naming one model in the spellings
// clouds and routers use (Anthropic API, Bedrock with a regional prefix, Vertex `@date`,
// OpenRouter `vendor/model` with dots, Claude Code's `[1m]`): `groupBy: 'model'` gives one row
// per model, `modelRaw` the ids as written, `provider` where they were served, the `model`
// filter matches every spelling, and costs are those of the raw ids (list prices by hand:
// Haiku 4.5 $1 per million input tokens, Sonnet 4.5 $3 ($6 above 200k), GPT-5-Codex $1.25).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { assistant as ocAssistant, session as ocSession, T0, tree, writeDoc } from './helpers/opencode.js';
import { entryPoints } from './helpers/sdk.js';

const MILLION = 1_000_000;

const claudeRow = (session: string, id: string, model: string, input: number) =>
  `${JSON.stringify({
    type: 'assistant',
    sessionId: session,
    timestamp: '2026-03-01T10:00:00.000Z',
    requestId: `req-${id}`,
    cwd: '/work/app',
    message: {
      id,
      model,
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'ok' }],
      usage: { input_tokens: input, output_tokens: 0 },
    },
  })}\n`;

// Codex rollout rows.
const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 11, 0, s)).toISOString();
const codexRow = (s: number, type: string, payload: object) =>
  `${JSON.stringify({ timestamp: at(s), type, payload })}\n`;
const codexRollout = (id: string, model: string, input: number) => {
  const usage = {
    input_tokens: input,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: input,
  };
  return (
    codexRow(0, 'session_meta', {
      id,
      timestamp: at(0),
      cwd: '/work/app',
      originator: 'codex_cli_rs',
      model_provider: 'openai',
    }) +
    codexRow(1, 'turn_context', { turn_id: 't1', cwd: '/work/app', model }) +
    codexRow(1, 'event_msg', { type: 'task_started', turn_id: 't1' }) +
    codexRow(2, 'event_msg', {
      type: 'token_count',
      info: { total_token_usage: usage, last_token_usage: usage },
    }) +
    codexRow(3, 'event_msg', { type: 'task_complete', turn_id: 't1' })
  );
};

const CLAUDE = [
  ['msg_c1', 'claude-haiku-4-5-20251001'],
  ['msg_c2', 'jp.anthropic.claude-haiku-4-5-20251001-v1:0'],
  ['msg_c3', 'claude-haiku-4-5@20251001'],
  ['msg_c4', 'claude-sonnet-4-5[1m]'],
] as const;
const OPENCODE = [
  ['msg_o1', 'anthropic/claude-haiku-4.5', 'openrouter'],
  ['msg_o2', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 'amazon-bedrock'],
  ['msg_o3', 'claude-haiku-4-5@20251001', 'google-vertex-anthropic'],
  ['msg_o4', 'claude-sonnet-4-5', 'anthropic'],
] as const;
const CODEX = [
  ['019a0000-0000-7000-8000-000000000001', 'gpt-5-codex'],
  ['019a0000-0000-7000-8000-000000000002', 'openai/gpt-5-codex'],
] as const;

let ledgerHome = '';

beforeAll(async () => {
  ledgerHome = tempHome();
  const claude = tempHome('claude');
  mkdirSync(join(claude, 'projects', '-work-app'), { recursive: true });
  writeFileSync(
    join(claude, 'projects', '-work-app', 'cc-1.jsonl'),
    CLAUDE.map(([id, model]) => claudeRow('cc-1', id, model, MILLION)).join(''),
  );
  const codex = tempHome('codex');
  const day = join(codex, 'sessions', '2026', '03', '01');
  mkdirSync(day, { recursive: true });
  for (const [id, model] of CODEX)
    writeFileSync(join(day, `rollout-2026-03-01T11-00-00-${id}.jsonl`), codexRollout(id, model, MILLION));
  const opencode = tempHome('opencode');
  const p = tree(opencode);
  writeDoc(p.session('ses_1'), ocSession('ses_1'));
  OPENCODE.forEach(([id, modelID, providerID], i) => {
    writeDoc(p.message('ses_1', id), {
      ...ocAssistant(id, 'ses_1', T0 + i * 1000, { input: MILLION, output: 0 }),
      modelID,
      providerID,
    });
  });
  const { esm } = await import('./helpers/sdk.js');
  const report = await esm.ingest({
    ledgerHome,
    roots: { 'claude-code': [claude], codex: [codex], opencode: [opencode] },
  });
  expect(report.errors).toEqual([]);
  expect(report.turnsAdded).toBe(CLAUDE.length + OPENCODE.length + CODEX.length);
});

describe.each(entryPoints)('one model, one row (%s)', (_name, sdk) => {
  it('groups every spelling under one model key, with the costs of the raw ids', async () => {
    const s = await sdk.summary({ ledgerHome });
    const rows = Object.fromEntries(s.groups.map((g) => [g.key, [g.turns, g.costUsd]]));
    expect(Object.keys(rows).sort()).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5', 'gpt-5-codex']);
    expect(rows['claude-haiku-4-5']).toEqual([6, 6]);
    // A 1M prompt pays Sonnet 4.5's long-context rate ($6), `[1m]` or not.
    expect(rows['claude-sonnet-4-5']).toEqual([2, 12]);
    expect(rows['gpt-5-codex']).toEqual([2, 2.5]);
    expect(s.totals.costUsd).toBeCloseTo(20.5, 9);
    expect(s.unpricedModels).toEqual([]);
  });

  it('keeps the ids as written under modelRaw, and in session() turns', async () => {
    const raw = await sdk.summary({ ledgerHome, groupBy: 'modelRaw' });
    const keys = raw.groups.map((g) => g.key).sort();
    // The OpenCode reader itself keeps only the part after the last `/` of a modelID.
    const opencode = OPENCODE.map(([, m]) => m.slice(m.lastIndexOf('/') + 1));
    const written = [...CLAUDE.map(([, m]) => m), ...opencode, ...CODEX.map(([, m]) => m)];
    expect(keys).toEqual([...new Set(written)].sort());
    const vertex = raw.groups.find((g) => g.key === 'claude-haiku-4-5@20251001');
    expect(vertex?.turns).toBe(2); // one from Claude Code, one from OpenCode
    expect(vertex?.costUsd).toBe(2);
    expect(raw.totals).toEqual((await sdk.summary({ ledgerHome })).totals);
    const detail = await sdk.session({ ledgerHome, sessionId: 'cc-1' });
    expect(detail?.turns.map((t) => t.model).sort()).toEqual(CLAUDE.map(([, m]) => m).sort());
  });

  it('tells where a turn was served under provider', async () => {
    const p = await sdk.summary({ ledgerHome, groupBy: 'provider' });
    const turns = Object.fromEntries(p.groups.map((g) => [g.key, g.turns]));
    expect(turns).toEqual({ bedrock: 2, vertex: 2, openrouter: 1, openai: 2, anthropic: 3 });
  });

  it('matches every spelling with the model filter', async () => {
    for (const model of [
      'claude-haiku-4-5-20251001',
      'claude-haiku-4-5',
      'jp.anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic/claude-haiku-4.5',
    ]) {
      const s = await sdk.summary({ ledgerHome, model });
      expect(s.totals.turns, model).toBe(6);
      expect(s.totals.costUsd, model).toBe(6);
    }
    expect((await sdk.summary({ ledgerHome, model: 'claude-sonnet-4-5' })).totals.turns).toBe(2);
    expect((await sdk.summary({ ledgerHome, model: 'openai/gpt-5-codex' })).totals.turns).toBe(2);
    expect((await sdk.summary({ ledgerHome, model: 'claude-opus-4-1' })).totals.turns).toBe(0);
  });
});

describe('burn summary --by model|modelRaw, --model', () => {
  it('prints one row per model and filters by any spelling', () => {
    const byModel = burn(['summary', '--ledger-home', ledgerHome]);
    expect(byModel.status).toBe(0);
    const lines = byModel.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('claude-haiku-4-5 '))).toHaveLength(1);
    expect(byModel.stdout).not.toContain('jp.anthropic');
    const raw = burn(['summary', '--by', 'modelRaw', '--ledger-home', ledgerHome]);
    expect(raw.stdout).toContain('jp.anthropic.claude-haiku-4-5-20251001-v1:0');
    const filtered = burn([
      'summary',
      '--json',
      '--model',
      'claude-haiku-4-5-20251001',
      '--ledger-home',
      ledgerHome,
    ]);
    expect(JSON.parse(filtered.stdout).totals.turns).toBe(6);
  });
});
