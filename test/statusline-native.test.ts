// The native status line (`relayburn-statusline`, crates/relayburn-statusline) against
// `burn statusline`: the same input on the same ledger prints the same bytes, figures and
// errors alike (both call the core's `statusline::run`). A live transcript with a subagent
// transcript, a stamped session and budgets of each kind.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn, type CliResult } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { nativeStatusline } from './helpers/paths.js';
import { esm } from './helpers/sdk.js';

function native(args: string[], env: Record<string, string | undefined> = {}, input?: string): CliResult {
  const r = spawnSync(nativeStatusline, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function liveSession() {
  const store = claudeStore();
  const ts = () => new Date(Date.now() - 2_000).toISOString();
  const transcript = store.write(
    'S',
    assistant({ session: 'S', msg: 'm1', req: 'r1', usage: { output: 50_000, cacheRead: 12_345 }, ts: ts() }),
  );
  const subDir = join(store.dir, 'S', 'subagents');
  mkdirSync(subDir, { recursive: true });
  writeFileSync(
    join(subDir, 'agent-x.jsonl'),
    assistant({ session: 'S', msg: 'm2', req: 'r2', usage: { output: 100_000 }, ts: ts() }),
  );
  const payload = JSON.stringify({
    session_id: 'S',
    transcript_path: transcript,
    cwd: '/work/app',
    model: { id: 'claude-sonnet-4-5', display_name: 'Sonnet 4.5' },
  });
  return { transcript, payload, ts };
}

describe('relayburn-statusline (native) prints what burn statusline prints', () => {
  it('the same bytes for the line and --json, in several zones, with budgets of each kind', async () => {
    const ledgerHome = tempHome();
    const live = liveSession();
    await esm.writeStamp({ sessionId: 'S', enrichment: { persona: 'reviewer' }, ledgerHome });
    await esm.setBudget({ name: 'daily', limitUsd: 1, period: 'day', ledgerHome });
    await esm.setBudget({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    await esm.setBudget({ name: 'codex', limitUsd: 12.5, period: 'week', harness: 'codex', ledgerHome });
    // A name a terminal would reorder: shown escaped by both.
    await esm.setBudget({ name: 'evil\u202ename', limitUsd: 0.05, period: 'day', ledgerHome, warn: 0.5 });

    const home = ['--ledger-home', ledgerHome];
    const variants = [
      [],
      ['--json'],
      ['--timezone', 'Asia/Tokyo'],
      ['--json', '--timezone=America/Los_Angeles', '--week-start', 'sunday'],
      ['--utc'],
    ];
    // The first call ingests the transcript; the comparisons below see the same ledger.
    const first = native([...home], {}, live.payload);
    expect(first.status).toBe(0);
    for (const v of variants) {
      const a = burn(['statusline', ...v, ...home], {}, live.payload);
      const b = native([...v, ...home], {}, live.payload);
      expect(a.status, v.join(' ')).toBe(0);
      expect(b.status, v.join(' ')).toBe(0);
      expect(b.stdout, v.join(' ')).toBe(a.stdout);
      expect(b.stderr).toBe('');
      expect(a.stdout).not.toContain('burn: ?');
    }
    const line = native(home, {}, live.payload).stdout;
    expect(line).toContain('evil\\u202ename');
    expect(line).toMatch(
      /^\$2\.2\d session · \$2\.2\d today · evil\\u202ename \d+% of \$0\.05\/day \(over\)\n$/,
    );
    const json = JSON.parse(native(['--json', ...home], {}, live.payload).stdout);
    const cost = await esm.sessionCost({ sessionId: 'S', ledgerHome });
    expect(json.sessionCostUsd).toBe(cost.totals.costUsd);
    const status = await esm.budgetStatus({ ledgerHome, timezone: 'UTC' });
    expect(json.budgets).toEqual(
      [...status].sort((x, y) => y.fraction - x.fraction || (x.name < y.name ? -1 : 1)),
    );

    // A turn appended: whichever runs first ingests it, and both then agree.
    appendFileSync(
      live.transcript,
      assistant({ session: 'S', msg: 'm3', req: 'r3', usage: { output: 20_000 }, ts: live.ts() }),
    );
    const after = native(['--json', ...home], {}, live.payload);
    expect(JSON.parse(after.stdout).sessionCostUsd).toBeGreaterThan(json.sessionCostUsd);
    expect(burn(['statusline', '--json', ...home], {}, live.payload).stdout).toBe(after.stdout);
  });

  it('the same marker, error object and log line on errors; exit 0', () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const dir = join(store.dir, 'dir.jsonl');
    mkdirSync(dir);
    const cases: Array<[string, Record<string, string>]> = [
      [JSON.stringify({ session_id: 'gone', transcript_path: join(store.dir, 'gone.jsonl') }), {}],
      [JSON.stringify({ session_id: 'dir', transcript_path: dir }), {}],
      ['not json', {}],
      ['', {}],
      [JSON.stringify({ cwd: '/work/app' }), {}],
      [JSON.stringify({ session_id: 'x' }), { TZ: 'Mars/Olympus' }],
    ];
    const log = join(ledgerHome, 'statusline.log');
    let lines = 0;
    for (const [input, env] of cases) {
      for (const json of [[], ['--json']]) {
        const args = [...json, '--ledger-home', ledgerHome];
        const a = burn(['statusline', ...args], env, input);
        const b = native(args, env, input);
        expect([a.status, b.status], input).toEqual([0, 0]);
        expect(b.stdout, input).toBe(a.stdout);
        expect(b.stderr).toBe('');
        if (json.length === 0) expect(b.stdout).toBe('burn: ?\n');
        else expect(JSON.parse(b.stdout)).toHaveProperty('error');
        const logged = readFileSync(log, 'utf8').trim().split('\n');
        expect(logged).toHaveLength(lines + 2);
        // Same line but for the time.
        expect(logged[lines + 1]?.slice(25)).toBe(logged[lines]?.slice(25));
        lines += 2;
      }
    }
  });

  it('a bad command line is refused (exit 2) by both; --help prints usage', () => {
    const a = burn(['statusline', 'extra'], {}, '{}');
    const b = native(['extra'], {}, '{}');
    expect([a.status, b.status]).toEqual([2, 2]);
    expect(b.stderr).toContain("takes no arguments, got 'extra'");
    expect(native(['--bogus'], {}, '{}').status).toBe(2);
    const help = native(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: relayburn-statusline');
  });
});
