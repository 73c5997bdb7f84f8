// `burn statusline` as Claude Code runs it: the status-line JSON on stdin, a live transcript
// with a subagent transcript in a temp Claude store, a temp ledger. Costs by hand from the
// price table: claude-sonnet-4-5 is $15 per million output tokens.
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assistant, claudeStore } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { esm } from './helpers/sdk.js';

const usd = (outputTokens: number) => (outputTokens / 1e6) * 15;

interface Result {
  sessionCostUsd: number;
  todayCostUsd: number;
  budgets: Array<{ name: string; fraction: number; state: string }>;
}

/** Session S (50k output) with subagent transcript agent-x (100k), live under a temp store. */
function liveSession() {
  const store = claudeStore();
  const ts = () => new Date(Date.now() - 2_000).toISOString();
  const transcript = store.write(
    'S',
    assistant({ session: 'S', msg: 'm1', req: 'r1', usage: { output: 50_000 }, ts: ts() }),
  );
  const subDir = join(store.dir, 'S', 'subagents');
  mkdirSync(subDir, { recursive: true });
  const subagent = join(subDir, 'agent-x.jsonl');
  writeFileSync(
    subagent,
    assistant({ session: 'S', msg: 'm2', req: 'r2', usage: { output: 100_000 }, ts: ts() }),
  );
  const payload = JSON.stringify({
    session_id: 'S',
    transcript_path: transcript,
    cwd: '/work/app',
    model: { id: 'claude-sonnet-4-5', display_name: 'Sonnet 4.5' },
    workspace: { current_dir: '/work/app', project_dir: '/work/app' },
  });
  return { store, transcript, subagent, payload, ts };
}

describe('burn statusline', () => {
  it('ingests the live transcript and its subagents; the session cost is summary({ session })', async () => {
    const ledgerHome = tempHome();
    const live = liveSession();
    let r = burn(['statusline', '--json', '--ledger-home', ledgerHome], {}, live.payload);
    expect(r.status).toBe(0);
    let out = JSON.parse(r.stdout) as Result;
    // Both transcripts were read (the subagent too), nothing else of the store.
    const sessions = await esm.sessions({ ledgerHome, flat: true });
    expect(sessions.map((s) => s.sessionId).sort()).toEqual(['S', 'S/agent-x']);
    const bySession = await esm.summary({ session: 'S', ledgerHome });
    expect(out.sessionCostUsd).toBe(bySession.totals.costUsd);
    expect(out.sessionCostUsd).toBeCloseTo(usd(150_000), 9);
    const today = await esm.summary({ since: 'today', ledgerHome });
    expect(out.todayCostUsd).toBe(today.totals.costUsd);
    expect(out.todayCostUsd).toBeCloseTo(usd(150_000), 9);
    expect(out.budgets).toEqual([]);

    // The session goes on: a new turn appended to the transcript shows on the next call.
    appendFileSync(
      live.transcript,
      assistant({ session: 'S', msg: 'm3', req: 'r3', usage: { output: 20_000 }, ts: live.ts() }),
    );
    await esm.setBudget({ name: 'daily', limitUsd: 1, period: 'day', ledgerHome });
    await esm.setBudget({
      name: 'reviewers',
      limitUsd: 200,
      period: 'month',
      tags: { persona: 'reviewer' },
      ledgerHome,
    });
    r = burn(['statusline', '--json', '--ledger-home', ledgerHome], {}, live.payload);
    out = JSON.parse(r.stdout) as Result;
    expect(out.sessionCostUsd).toBe((await esm.summary({ session: 'S', ledgerHome })).totals.costUsd);
    expect(out.todayCostUsd).toBeCloseTo(usd(170_000), 9);
    // Most used first.
    expect(out.budgets.map((b) => [b.name, b.state])).toEqual([
      ['daily', 'over'],
      ['reviewers', 'ok'],
    ]);
    expect(out.budgets[0]?.fraction).toBeCloseTo(usd(170_000), 9);

    r = burn(['statusline', '--ledger-home', ledgerHome], {}, live.payload);
    expect(r.status).toBe(0);
    const session = (await esm.sessionCost({ sessionId: 'S', ledgerHome })).totals.costUsd;
    expect(r.stdout).toBe(
      `$${session.toFixed(2)} session · $${usd(170_000).toFixed(2)} today · daily ${Math.round(usd(170_000) * 100)}% of $1/day (over)\n`,
    );
  });

  // summary({ session }) and sessionCost count a session's descendants (session trees).
  it('the session cost includes the subagent: $0.75 + $1.50', async () => {
    const ledgerHome = tempHome();
    const live = liveSession();
    const r = burn(['statusline', '--json', '--ledger-home', ledgerHome], {}, live.payload);
    const out = JSON.parse(r.stdout) as Result;
    expect(out.sessionCostUsd).toBeCloseTo(usd(150_000), 9);
    expect(out.sessionCostUsd).toBe((await esm.summary({ session: 'S', ledgerHome })).totals.costUsd);
  });

  it('never fails: a missing or unreadable transcript or bad input prints a marker, exits 0, logs', () => {
    const ledgerHome = tempHome();
    const store = claudeStore();
    const unreadable = join(store.dir, 'dir.jsonl');
    mkdirSync(unreadable); // a directory cannot be read as a file (permissions do not stop root)
    const cases = [
      JSON.stringify({ session_id: 'gone', transcript_path: join(store.dir, 'gone.jsonl') }),
      JSON.stringify({ session_id: 'dir', transcript_path: unreadable }),
      'not json',
      '',
      JSON.stringify({ cwd: '/work/app' }),
    ];
    for (const input of cases) {
      const r = burn(['statusline', '--ledger-home', ledgerHome], {}, input);
      expect(r.status, input).toBe(0);
      expect(r.stdout).toBe('burn: ?\n');
      expect(r.stderr).toBe('');
    }
    const json = burn(['statusline', '--json', '--ledger-home', ledgerHome], {}, cases[0]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveProperty('error');
    const log = join(ledgerHome, 'statusline.log');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    // A bad time zone from the environment is an error like any other.
    const tz = burn(['statusline', '--ledger-home', ledgerHome], { TZ: 'Mars/Olympus' }, cases[0]);
    expect(tz.status).toBe(0);
    expect(tz.stdout).toBe('burn: ?\n');
  });

  it('logs each error on one line with its time', () => {
    const ledgerHome = tempHome();
    burn(
      ['statusline', '--ledger-home', ledgerHome],
      {},
      JSON.stringify({ session_id: 'x', transcript_path: '/nope/x.jsonl' }),
    );
    const lines = readFileSync(join(ledgerHome, 'statusline.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z .*\/nope\/x\.jsonl/);
  });
});
