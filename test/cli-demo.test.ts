// The first five minutes, through the built CLI as a subprocess: `burn demo` on a machine with
// no agent logs (empty HOME), help of every command, `--json` of every command, usage and
// runtime errors as one line, and `burn state rebuild` keeping stamps.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { repoRoot } from './helpers/paths.js';

const SAMPLES = join(repoRoot, 'packages', 'cli', 'samples');
const CLAUDE = '5d1c0b6e-2f3a-4c8e-9b71-0a4e6f2d8c13';

/** A machine with nothing on it: an empty HOME and none of the discovery variables. */
function emptyMachine(): Record<string, string | undefined> {
  const home = tempHome('empty-home');
  return {
    HOME: home,
    USERPROFILE: home,
    RELAYBURN_HOME: undefined,
    CLAUDE_CONFIG_DIR: undefined,
    CODEX_HOME: undefined,
    OPENCODE_DATA_DIR: undefined,
    XDG_DATA_HOME: undefined,
  };
}

/** The samples as the harness stores the environment variables point at. */
function samplesEnv(ledgerHome: string): Record<string, string | undefined> {
  return {
    ...emptyMachine(),
    RELAYBURN_HOME: ledgerHome,
    CLAUDE_CONFIG_DIR: join(SAMPLES, 'claude'),
    CODEX_HOME: join(SAMPLES, 'codex'),
    OPENCODE_DATA_DIR: join(SAMPLES, 'opencode'),
  };
}

/** Rows of a printed table: cells split on runs of two or more spaces, keyed by first cell. */
function tableRows(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s{2,}/);
    if (cells.length > 3 && cells[0]) rows.set(cells[0], cells.slice(1));
  }
  return rows;
}

// Hand-computed from the samples (packages/cli/samples/README.md): tokens per model and the
// cost at the shipped prices, in USD per million tokens.
//   sonnet 4.5: 14×3 + 2,160×15 + 68,800×0.3 + 26,700×3.75       = 153,207  µ$
//   haiku 4.5:  1,400×1 + 950×5 + 4,000×0.1 + 5,500×1.25           =  13,425  µ$
//   gpt-5-codex: 10,500×1.25 + 2,000×10 + 11,000×0.125             =  34,500  µ$
//   gemini-2.5-pro: 10,400×1.25 + 2,350×10 + 17,100×0.125          =  38,637.5 µ$
const EXPECTED_TOTALS = {
  turns: 12,
  inputTokens: 14 + 1_400 + 10_500 + 10_400,
  outputTokens: 2_160 + 950 + 2_000 + 2_350,
  reasoningTokens: 1_000 + 600,
  cacheReadTokens: 68_800 + 4_000 + 11_000 + 17_100,
  cacheWrite5mTokens: 26_700 + 5_500,
  cacheWrite1hTokens: 0,
  totalTokens: 162_874,
};
const EXPECTED_COST = (153_207 + 13_425 + 34_500 + 38_637.5) / 1e6;

describe('burn demo', () => {
  it('on an empty machine prints the samples by model and by tag, with the hand-computed totals', () => {
    const env = emptyMachine();
    const r = burn(['demo'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [byModel = '', byTag = ''] = r.stdout.split(/\n(?=TAG:PERSONA)/);
    const models = tableRows(byModel);
    //                                   TURNS  INPUT     OUTPUT   CACHE READ  5M        1H   TOTAL      COST
    expect(models.get('claude-sonnet-4-5')).toEqual([
      '4',
      '14',
      '2,160',
      '68,800',
      '26,700',
      '0',
      '97,674',
      '$0.15',
    ]);
    expect(models.get('claude-haiku-4-5')).toEqual([
      '2',
      '1,400',
      '950',
      '4,000',
      '5,500',
      '0',
      '11,850',
      '$0.01',
    ]);
    expect(models.get('gpt-5-codex')).toEqual([
      '3',
      '10,500',
      '2,000',
      '11,000',
      '0',
      '0',
      '23,500',
      '$0.03',
    ]);
    expect(models.get('gemini-2.5-pro')).toEqual([
      '3',
      '10,400',
      '2,350',
      '17,100',
      '0',
      '0',
      '29,850',
      '$0.04',
    ]);
    expect(models.get('TOTAL')).toEqual([
      '12',
      '22,314',
      '7,460',
      '100,900',
      '32,200',
      '0',
      '162,874',
      '$0.24',
    ]);
    const tags = tableRows(byTag);
    // The reviewer's 4 turns and its subagent's 2 (11,850 tokens): stamps label the tree.
    expect(tags.get('reviewer')?.[0]).toBe('6');
    expect(tags.get('reviewer')?.[6]).toBe('109,524'); // 162,874 − 23,500 − 29,850
    expect(tags.get('implementer')?.[6]).toBe('23,500');
    expect(tags.get('writer')?.[6]).toBe('29,850');
    expect(tags.has('(none)')).toBe(false);
    expect(tags.get('TOTAL')?.[6]).toBe('162,874');
    expect(r.stdout).toContain('burn ingest');
    // Nothing was written to the (empty) home directory.
    expect(readdirSync(env.HOME as string)).toEqual([]);
  });

  it('--json gives the same numbers exactly, and no ledger is left behind', () => {
    const r = burn(['demo', '--json'], emptyMachine());
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ledgerHome: string | null;
      ingest: { turnsAdded: number; sessionsAdded: number; errors: unknown[]; linesSkipped: number };
      byModel: { totals: typeof EXPECTED_TOTALS & { costUsd: number }; unpricedModels: unknown[] };
      byTag: { groups: Array<{ key: string; turns: number }> };
    };
    expect(out.ledgerHome).toBeNull();
    expect(out.ingest).toMatchObject({ turnsAdded: 12, sessionsAdded: 4, errors: [], linesSkipped: 0 });
    expect(out.byModel.totals).toMatchObject(EXPECTED_TOTALS);
    expect(out.byModel.totals.costUsd).toBeCloseTo(EXPECTED_COST, 9);
    expect(out.byModel.unpricedModels).toEqual([]);
    expect(Object.fromEntries(out.byTag.groups.map((g) => [g.key, g.turns]))).toEqual({
      reviewer: 6,
      implementer: 3,
      writer: 3,
    });
  });

  it('--keep leaves a ledger other commands can read', () => {
    const ledgerHome = join(tempHome('demo-keep'), 'ledger');
    const r = burn(['demo', '--ledger-home', ledgerHome], emptyMachine());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`kept in ${ledgerHome}`);
    const sessions = JSON.parse(
      burn(['sessions', '--flat', '--json', '--ledger-home', ledgerHome]).stdout,
    ) as Array<{
      sessionId: string;
      relationship: string;
    }>;
    expect(sessions.map((s) => s.sessionId)).toContain(`${CLAUDE}/agent-a3f9c2e1`);
    expect(sessions.find((s) => s.sessionId === `${CLAUDE}/agent-a3f9c2e1`)?.relationship).toBe('subagent');
    // Never into a ledger that holds something: a second demo there is refused, unchanged.
    const again = burn(['demo', '--ledger-home', ledgerHome], emptyMachine());
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^burn: demo needs a new or empty --ledger-home/);
    expect(JSON.parse(burn(['status', '--json', '--ledger-home', ledgerHome]).stdout)).toMatchObject({
      turns: 12,
      stamps: 3,
    });
  });
});

describe('every command', () => {
  const help = burn(['--help']);
  const listed = help.stdout
    .split('Commands:\n')[1]
    ?.split('\n\n')[0]
    ?.split('\n')
    .map((l) => l.trim().split(/\s{2,}/)[0] ?? '')
    .filter(Boolean);

  it('burn --help lists the contract commands', () => {
    expect(help.status).toBe(0);
    expect(listed).toEqual(
      expect.arrayContaining([
        'ingest',
        'summary',
        'sessions',
        'session',
        'stamp',
        'status',
        'state rebuild',
        'demo',
      ]),
    );
    expect(help.stdout).toContain('RELAYBURN_HOME');
    expect(help.stdout).toContain('NO_COLOR');
  });

  it.each(listed ?? [])('burn %s --help: usage, options and examples on stdout, exit 0', (name) => {
    for (const args of [
      [...name.split(' '), '--help'],
      ['help', ...name.split(' ')],
    ]) {
      const r = burn(args);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: burn ${name}`);
      expect(r.stdout).toMatch(/Examples:\n {2}burn /);
    }
  });

  it('--json output of every command parses', () => {
    const ledgerHome = tempHome('json');
    const env = samplesEnv(ledgerHome);
    const json = (args: string[]) => {
      const r = burn([...args, '--json'], env);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    expect(json(['ingest'])).toMatchObject({ turnsAdded: 12, sessionsAdded: 4 });
    expect(json(['stamp', '--session', CLAUDE, 'persona=reviewer'])).toHaveProperty('id');
    expect(json(['summary', '--by', 'tag:persona'])).toHaveProperty('totals.turns', 12);
    expect(json(['sessions'])).toHaveLength(3); // trees: the subagent is under its parent
    expect(json(['sessions', '--flat'])).toHaveLength(4);
    expect(json(['session', CLAUDE])).toHaveProperty('turns');
    expect(json(['status'])).toMatchObject({ turns: 12, sessions: 4, stamps: 1 });
    expect(json(['state', 'rebuild'])).toMatchObject({ removed: { turns: 12 }, ingest: { turnsAdded: 12 } });
    expect(json(['demo'])).toHaveProperty('byModel.totals.turns', 12);
  });
});

describe('errors', () => {
  const oneLine = (stderr: string) => {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^burn: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it.each([
    ['unknown flag', ['summary', '--bogus']],
    ['flag of another command', ['demo', '--since', '7d']],
    ['missing flag value', ['summary', '--since']],
    ['bad --by', ['summary', '--by', 'colour']],
    ['bad --limit', ['sessions', '--limit', 'many']],
    ['group without subcommand', ['state']],
    ['unknown subcommand', ['state', 'explode']],
    ['extra argument', ['status', 'now']],
  ])('%s → exit 2 with one line pointing at help', (_case, args) => {
    const r = burn([...args, '--ledger-home', tempHome()]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/\(see 'burn ([a-z]+ )*--help'\)\n$/);
  });

  it.each([['status'], ['summary'], ['sessions'], ['state', 'rebuild'], ['stamp', '--session', 's', 'k=v']])(
    'garbage ledger.sqlite: burn %s → exit 1, one clear line with a hint',
    (...args) => {
      const home = tempHome('broken');
      writeFileSync(join(home, 'ledger.sqlite'), 'this is not a database\n'.repeat(64));
      const r = burn([...args, '--ledger-home', home], emptyMachine());
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/corrupt or not a relayburn database/);
      expect(r.stderr).toContain('(hint: move ');
    },
  );

  it('colors only on a terminal: piped output has no escape codes, even without NO_COLOR', () => {
    const r = burn(['demo'], { ...emptyMachine(), NO_COLOR: undefined });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
  });
});

describe('burn state rebuild', () => {
  it('re-derives the same summary from the logs and keeps every stamp', () => {
    const ledgerHome = tempHome('rebuild');
    const env = samplesEnv(ledgerHome);
    expect(burn(['ingest', '--quiet'], env).status).toBe(0);
    const stamps = JSON.parse(readFileSync(join(SAMPLES, 'stamps.json'), 'utf8')) as Array<{
      sessionId: string;
      enrichment: Record<string, string>;
      ts: string;
    }>;
    for (const s of stamps) {
      const pairs = Object.entries(s.enrichment).map(([k, v]) => `${k}=${v}`);
      expect(burn(['stamp', '--session', s.sessionId, '--ts', s.ts, ...pairs], env).status).toBe(0);
    }
    const summaries = () =>
      ['model', 'tag:persona', 'tag:workflow', 'harness', 'session', 'tool'].map(
        (by) => JSON.parse(burn(['summary', '--by', by, '--json'], env).stdout) as unknown,
      );
    const before = summaries();
    const stampsBefore = JSON.parse(burn(['status', '--json'], env).stdout) as { stamps: number };
    expect(stampsBefore.stamps).toBe(3);

    const r = burn(['state', 'rebuild'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('reset: 12 turns, 4 sessions');
    expect(r.stdout).toContain('(stamps kept)');
    expect(r.stdout).toMatch(/12 turns added/);

    expect(summaries()).toEqual(before);
    expect(JSON.parse(burn(['status', '--json'], env).stdout)).toMatchObject({
      stamps: 3,
      turns: 12,
      sessions: 4,
    });
    // Rebuilding again is the same again; a plain ingest afterwards reads nothing new.
    expect(burn(['state', 'rebuild', '--quiet'], env)).toMatchObject({ status: 0, stdout: '' });
    expect(summaries()).toEqual(before);
    expect(JSON.parse(burn(['ingest', '--json'], env).stdout)).toMatchObject({ turnsAdded: 0, bytesRead: 0 });
  });

  it('with a subdirectory ledger home that does not exist yet, creates it', () => {
    const ledgerHome = join(tempHome('rebuild-new'), 'nested', 'home');
    mkdirSync(join(ledgerHome, '..'), { recursive: true });
    const r = burn(['state', 'rebuild', '--json'], samplesEnv(ledgerHome));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removed: { turns: 0 }, ingest: { turnsAdded: 12 } });
  });
});
