// GitHub Copilot CLI, Kimi and Grok Build through the public package: the harness keys in every
// option that names one, the override variables of discovery, and per-harness status counts.
// Logs from bench/gen-more-corpus.mjs (shaped as each harness writes them, with their traps).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';
import { entryPoints } from './helpers/sdk.js';

type Sums = Record<string, number>;
interface More {
  byHarness: Record<string, Sums>;
  files: Record<string, number>;
}

const NEW = ['copilot-cli', 'kimi-cli', 'grok'] as const;
let out: string;
let more: More;

beforeAll(async () => {
  out = tempHome('more');
  const gen = (await import(pathToFileURL(join(repoRoot, 'bench', 'gen-more-corpus.mjs')).href)) as {
    generateMoreHarnesses: (r: unknown, out: string, sessions: number) => Promise<More>;
  };
  const { makeRandom } = (await import(
    pathToFileURL(join(repoRoot, 'bench', 'gen-claude-corpus.mjs')).href
  )) as {
    makeRandom: (seed: number) => unknown;
  };
  more = await gen.generateMoreHarnesses(makeRandom(3), out, 5);
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
    expect(s.harnesses.map((h) => h.harness)).toEqual([
      'claude-code',
      'codex',
      'opencode',
      'copilot-cli',
      'kimi-cli',
      'grok',
    ]);
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
