// `burn ingest`, `burn summary`, `burn sessions` and `burn session` against a real store.
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { esm as sdk } from './helpers/sdk.js';

function store() {
  const s = claudeStore();
  s.write(
    'alpha',
    userText('alpha', 'u1', 'write the parser'),
    assistant({
      session: 'alpha',
      msg: 'm1',
      req: 'r1',
      usage: { input: 100, output: 2000, cacheRead: 5000 },
    }),
  );
  const beta = s.write(
    'beta',
    assistant({
      session: 'beta',
      msg: 'm2',
      req: 'r2',
      model: 'claude-opus-4-5-20251101',
      ts: '2026-03-02T08:00:00.000Z',
      usage: { input: 7, output: 30, cache1h: 1234 },
    }),
  );
  return { ...s, beta };
}

describe('burn ingest', () => {
  it('--json prints the report, and a second run adds nothing', () => {
    const s = store();
    const env = { CLAUDE_CONFIG_DIR: s.root, RELAYBURN_HOME: tempHome() };
    const first = burn(['ingest', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      filesScanned: 2,
      filesChanged: 2,
      turnsAdded: 2,
      userTurnsAdded: 1,
      sessionsAdded: 2,
      linesSkipped: 0,
      errors: [],
    });
    const second = JSON.parse(burn(['ingest', '--json'], env).stdout);
    expect(second).toMatchObject({ filesChanged: 0, bytesRead: 0, turnsAdded: 0 });
  });

  it('prints one line for people, and bad lines on stderr with file:line', () => {
    const s = store();
    const env = { CLAUDE_CONFIG_DIR: s.root, RELAYBURN_HOME: tempHome() };
    s.write('gamma', '{"type":"assistant", broken\n');
    const r = burn(['ingest'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^ingested: 3 of 3 files changed, .* read, 2 turns added, .*1 bad lines skipped/,
    );
    expect(r.stderr).toContain(`${s.file('gamma')}:1:`);
    expect(burn(['ingest', '--quiet'], env).stdout).toBe('');
  });

  it('--hook claude ingests the transcript named by a hook payload on stdin', async () => {
    const s = store();
    const ledgerHome = tempHome();
    const payload = JSON.stringify({ session_id: 'beta', transcript_path: s.beta, hook_event_name: 'Stop' });
    const r = burn(['ingest', '--hook', 'claude', '--json'], { RELAYBURN_HOME: ledgerHome }, payload);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ filesScanned: 1, turnsAdded: 1 });
    const { groups } = await sdk.summary({ ledgerHome, groupBy: 'session' });
    expect(groups.map((g) => g.key)).toEqual(['beta']);

    const bad = burn(['ingest', '--hook', 'claude'], { RELAYBURN_HOME: ledgerHome }, '{"session_id":"x"}');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('transcript_path');
    const notJson = burn(['ingest', '--hook', 'claude'], { RELAYBURN_HOME: ledgerHome }, 'nope');
    expect(notJson.status).toBe(2);
    expect(burn(['ingest', '--hook', 'codex'], { RELAYBURN_HOME: ledgerHome }, payload).status).toBe(2);
  });
});

describe('burn summary, sessions, session', () => {
  const s = store();
  const env = { CLAUDE_CONFIG_DIR: s.root, RELAYBURN_HOME: tempHome() };
  burn(['ingest', '--quiet'], env);

  it('summary --json --by model has the SDK summary shape and exact tokens', () => {
    const r = burn(['summary', '--json', '--by', 'model'], env);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.totals).toMatchObject({
      turns: 2,
      inputTokens: 107,
      outputTokens: 2030,
      cacheReadTokens: 5000,
      cacheWrite1hTokens: 1234,
      totalTokens: 107 + 2030 + 5000 + 1234,
    });
    // One row per model, by its normalized key (the dates of these ids dropped).
    expect(out.groups.map((g: { key: string }) => g.key).sort()).toEqual([
      'claude-opus-4-5',
      'claude-sonnet-4-5',
    ]);
    expect(Array.isArray(out.unpricedModels)).toBe(true);
  });

  it('summary --by day and a --since window', () => {
    const byDay = JSON.parse(burn(['summary', '--json', '--by', 'day'], env).stdout);
    expect(byDay.groups.map((g: { key: string }) => g.key).sort()).toEqual(['2026-03-01', '2026-03-02']);
    const since = JSON.parse(burn(['summary', '--json', '--since', '2026-03-02T00:00:00Z'], env).stdout);
    expect(since.totals.turns).toBe(1);
  });

  it('sessions and session print tables and JSON', () => {
    const list = burn(['sessions'], env);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('alpha');
    expect(list.stdout).toContain('beta');
    const one = JSON.parse(burn(['session', 'alpha', '--json'], env).stdout);
    expect(one.session).toMatchObject({ sessionId: 'alpha', turns: 1, outputTokens: 2000 });
    expect(one.turns).toHaveLength(1);
    const missing = burn(['session', 'nope'], env);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('nope');
  });

  it('rejects a bad --by with a usage error naming the flag', () => {
    const r = burn(['summary', '--by', 'colour'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/by|groupBy/);
  });
});
