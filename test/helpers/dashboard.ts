// A small ledger for the dashboard tests, dated relative to now (the page's default window is
// the last 30 days), and `burn dashboard` started on it as a real process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingest, writeStamp } from '@relayburn/sdk';
import { assistant, claudeStore } from './claude-log.js';
import { tempHome } from './home.js';
import { cliMain } from './paths.js';

const DAY = 86_400_000;

/** An ISO instant `days` days and `minutes` minutes before now. */
export const ago = (days: number, minutes = 0) =>
  new Date(Date.now() - days * DAY - minutes * 60_000).toISOString();

interface Turn {
  model: string;
  days: number;
  output: number;
  tools?: string[];
}

function transcript(
  session: string,
  turns: Turn[],
  extra: Record<string, unknown> = {},
  prefix = session,
): string {
  return turns
    .map((t, i) => {
      const line = assistant({
        session,
        msg: `${prefix}-m${i}`,
        req: `${prefix}-r${i}`,
        model: t.model,
        usage: { input: 100, output: t.output, cacheRead: 2_000 },
        ts: ago(t.days, i),
        content: (t.tools ?? []).map((name, j) => ({
          type: 'tool_use',
          id: `${prefix}-t${i}-${j}`,
          name,
          input: { j },
        })),
      });
      return `${JSON.stringify({ ...JSON.parse(line), ...extra, uuid: `${prefix}-u${i}` })}\n`;
    })
    .join('');
}

export interface DashboardLedger {
  home: string;
  store: ReturnType<typeof claudeStore>;
  /** Appends a turn to the `beta` session and ingests it. */
  addTurn(output: number): Promise<void>;
}

const SONNET = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';

/**
 * Sessions: `alpha` (Sonnet, tools, one subagent; team=core), `beta` (Haiku; team=web),
 * `gamma` (an unpriced model), and `old` 40 days ago (outside the 30-day window).
 */
export async function dashboardLedger(): Promise<DashboardLedger> {
  const home = tempHome('dash');
  const store = claudeStore('-work-dash');
  store.write(
    'alpha',
    transcript('alpha', [
      { model: SONNET, days: 3, output: 4_000, tools: ['Read', 'Bash'] },
      { model: SONNET, days: 2, output: 3_000, tools: ['Edit'] },
      { model: SONNET, days: 1, output: 2_000, tools: ['Read'] },
    ]),
  );
  const sub = join(store.dir, 'alpha', 'subagents');
  mkdirSync(sub, { recursive: true });
  writeFileSync(
    join(sub, 'agent-scout.jsonl'),
    transcript(
      'alpha',
      [{ model: HAIKU, days: 2, output: 1_500, tools: ['Grep'] }],
      { isSidechain: true, agentId: 'scout' },
      'scout',
    ),
  );
  const betaRows = transcript('beta', [
    { model: HAIKU, days: 5, output: 1_000 },
    { model: HAIKU, days: 0, output: 800 },
  ]);
  store.write('beta', betaRows);
  store.write('gamma', transcript('gamma', [{ model: 'mystery-model-1', days: 4, output: 500 }]));
  store.write('old', transcript('old', [{ model: SONNET, days: 40, output: 9_000 }]));
  await writeStamp({ ledgerHome: home, sessionId: 'alpha', enrichment: { team: 'core' }, ts: ago(60) });
  await writeStamp({ ledgerHome: home, sessionId: 'beta', enrichment: { team: 'web' }, ts: ago(60) });
  const run = () =>
    ingest({ ledgerHome: home, harnesses: ['claude-code'], roots: { 'claude-code': [store.root] } });
  await run();
  let extra = 0;
  return {
    home,
    store,
    async addTurn(output: number) {
      extra++;
      store.write(
        'beta',
        betaRows + transcript('beta', [{ model: HAIKU, days: 0, output }], {}, `beta-x${extra}`),
      );
      await run();
    },
  };
}

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `burn dashboard --json` on `home` (a free port); resolves with its URL once it listens. */
export function serveDashboard(home: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [cliMain, 'dashboard', '--json', '--ledger-home', home, ...extra], {
    env: { ...process.env, NO_COLOR: '1', TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`burn dashboard exited ${code}: ${err}`)));
    child.stdout?.on('data', (d) => {
      out += d;
      const end = out.indexOf('}');
      if (end < 0) return;
      const { url } = JSON.parse(out.slice(0, end + 1)) as { url: string };
      child.removeAllListeners('exit');
      resolve({
        url,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGINT');
          }),
      });
    });
  });
}
