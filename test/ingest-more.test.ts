// GitHub Copilot CLI, Kimi and Grok Build through the public package: the harness keys in every
// option that names one, the override variables of discovery, and per-harness status counts.
// Logs from bench/corpus/copilot-kimi-grok.mjs (shaped as each harness writes them, with their traps).
import { appendFileSync, cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { ALL_HARNESSES } from './helpers/harnesses.js';
import { tempHome } from './helpers/home.js';
import { generateMore, type MoreTally } from './helpers/more-corpus.js';
import { entryPoints, esm } from './helpers/sdk.js';

const NEW = ['copilot-cli', 'kimi-cli', 'grok'] as const;
let out: string;
let more: MoreTally;

beforeAll(async () => {
  out = tempHome('more');
  more = await generateMore(out, 3, 5);
});

const roots = () => ({
  'copilot-cli': [join(out, 'copilot')],
  'kimi-cli': [join(out, 'kimi')],
  grok: [join(out, 'grok')],
});

describe.each(entryPoints)('Copilot CLI, Kimi and Grok (%s)', (_name, sdk) => {
  it('ingest reads each store to its exact totals; status counts them per harness', async () => {
    const ledgerHome = tempHome();
    const report = await sdk.ingest({ roots: roots(), ledgerHome, harnesses: [...NEW] });
    expect(report.errors).toEqual([]);
    expect(report.linesSkipped).toBe(0);
    expect(report.filesScanned).toBe(NEW.reduce((n, h) => n + (more.files[h] ?? 0), 0));
    const byHarness = await sdk.summary({ ledgerHome, groupBy: 'harness' });
    const got = Object.fromEntries(
      byHarness.groups.map((g) => [
        g.key,
        {
          turns: g.turns,
          input: g.inputTokens,
          output: g.outputTokens,
          reasoning: g.reasoningTokens,
          cacheRead: g.cacheReadTokens,
          cacheWrite5m: g.cacheWrite5mTokens,
          cacheWrite1h: g.cacheWrite1hTokens,
        },
      ]),
    );
    expect(got).toEqual(more.byHarness);

    const s = await sdk.status({ ledgerHome });
    expect(s.harnesses.map((h) => h.harness)).toEqual([...ALL_HARNESSES]);
    expect(sdk.harnessKeys()).toEqual([...ALL_HARNESSES]);
    for (const h of s.harnesses) {
      const want = (NEW as readonly string[]).includes(h.harness) ? more.byHarness[h.harness]?.turns : 0;
      expect([h.harness, h.turns]).toEqual([h.harness, want]);
    }
    const grok = await sdk.summary({ ledgerHome, harness: 'grok' });
    expect(grok.totals.turns).toBe(more.byHarness.grok?.turns);
  });

  it('the harnesses option takes the new keys alone, and refuses an unknown one naming the field', async () => {
    const ledgerHome = tempHome();
    await sdk.ingest({ roots: roots(), ledgerHome, harnesses: ['kimi-cli'] });
    const groups = (await sdk.summary({ ledgerHome, groupBy: 'harness' })).groups.map((g) => g.key);
    expect(groups).toEqual(['kimi-cli']);
    await expect(sdk.ingest({ ledgerHome, harnesses: ['kimi' as never] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('harnesses'),
    });
  });
});

describe('discovery and the CLI', () => {
  it('finds each store through its override variable; --harness and status name the keys', () => {
    const ledgerHome = tempHome();
    const env = {
      HOME: tempHome('empty-home'),
      RELAYBURN_HOME: ledgerHome,
      COPILOT_HOME: join(out, 'copilot'),
      KIMI_SHARE_DIR: join(out, 'kimi'),
      KIMI_CODE_HOME: join(out, 'no-kimi-code'),
      GROK_HOME: `${join(out, 'no-grok')},${join(out, 'grok')}`,
      CLAUDE_CONFIG_DIR: join(out, 'none'),
      CODEX_HOME: join(out, 'none'),
      OPENCODE_DATA_DIR: join(out, 'none'),
    };
    const ingest = burn(['ingest', '--json'], env);
    expect(ingest.stderr).toBe('');
    const total = NEW.reduce((n, h) => n + (more.byHarness[h]?.turns ?? 0), 0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ turnsAdded: total, linesSkipped: 0 });
    for (const h of NEW) {
      const r = JSON.parse(burn(['summary', '--harness', h, '--json'], env).stdout) as {
        totals: { turns: number };
      };
      expect([h, r.totals.turns]).toEqual([h, more.byHarness[h]?.turns]);
    }
    const status = burn(['status'], env).stdout;
    for (const h of NEW)
      expect(status).toMatch(new RegExp(`\\b${h}\\s+\\d+ sessions, ${more.byHarness[h]?.turns} turns`));
  });
});

describe('watch', () => {
  it('picks up a Grok turn appended and a Kimi sub-agent file created while watching', async () => {
    const sdk = esm;
    const copy = tempHome('more-watch');
    cpSync(out, copy, { recursive: true });
    const ledgerHome = tempHome();
    const reports: Array<{ turnsAdded: number }> = [];
    const ac = new AbortController();
    const done = sdk.watch({
      roots: { grok: [join(copy, 'grok')], 'kimi-cli': [join(copy, 'kimi')] },
      harnesses: ['grok', 'kimi-cli'],
      ledgerHome,
      signal: ac.signal,
      onReport: (r) => reports.push(r),
    });
    const added = () => reports.reduce((n, r) => n + r.turnsAdded, 0);
    const base = (more.byHarness.grok?.turns ?? 0) + (more.byHarness['kimi-cli']?.turns ?? 0);
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(ok()).toBe(true);
    };
    await until(() => added() === base);
    const ws = join(copy, 'grok', 'sessions', readdirSync(join(copy, 'grok', 'sessions'))[0] ?? '');
    const session = readdirSync(ws).find((d) => !d.endsWith('c41d')) ?? '';
    appendFileSync(
      join(ws, session, 'updates.jsonl'),
      `${JSON.stringify({
        timestamp: '2026-08-01T00:00:00Z',
        params: {
          sessionId: session,
          update: {
            sessionUpdate: 'turn_completed',
            usage: { modelUsage: { 'grok-4.3': { inputTokens: 10, outputTokens: 1 } } },
          },
          _meta: { eventId: 'watch-1' },
        },
      })}\n`,
    );
    await until(() => added() === base + 1);
    const group = join(copy, 'kimi', 'sessions', 'g-watch', 's-watch', 'subagents', 'a-watch');
    mkdirSync(group, { recursive: true });
    writeFileSync(
      join(group, 'wire.jsonl'),
      `${JSON.stringify({ type: 'metadata', protocol_version: '1.3' })}\n${JSON.stringify({
        timestamp: 1_790_000_000.5,
        message: {
          type: 'StatusUpdate',
          payload: { token_usage: { input_other: 3, output: 2 }, message_id: 'chatcmpl-watch' },
        },
      })}\n`,
    );
    await until(() => added() === base + 2);
    ac.abort();
    await done;
  }, 60_000);
});
