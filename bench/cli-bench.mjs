#!/usr/bin/env node
// `burn` start-up, whole process, beside a bare `node -e 0`: `burn --version`,
// `burn summary --json`, a no-change `burn ingest` and `burn statusline` (with a status-line
// JSON on stdin), on a ledger ingested from a generated Claude Code store
// (bench/corpus/claude.mjs, reused from bench/.corpus/). Runs are interleaved (one of each
// command per round) so that a loaded machine slows them alike; it prints the median and min
// of each and the ratio of the medians to `node -e 0`, with the targets:
//   burn --version ≤ 1.2×, burn summary --json ≤ 1.5×, no-change burn ingest ≤ 2.0× node -e 0,
//   burn statusline ≤ 60 ms.
// The commands run with TZ=UTC (deterministic output); `burn summary, TZ unset` shows what the
// system-zone lookup through Node's ICU adds for a user without TZ.
// Warm page cache: every command runs once before the timed rounds (which also makes the CLI's
// code cache, dist/cli.js.<node>-<arch>.cache).
//
// Usage: npm run bench:cli   (= npm run build:release && node bench/cli-bench.mjs)
//        node bench/cli-bench.mjs [--runs 11] [--mb 10] [--files 300] [--cli path/to/main.js]
//          [--ledger-home DIR] [--json]
// --cli times another build of the CLI (e.g. a checkout of an older commit) on the same data.
// --ledger-home uses an existing ledger for summary and statusline (e.g. one from
// bench/statusline-bench.mjs) instead of the ingested one; ingest still uses its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '11' },
    mb: { type: 'string', default: '10' },
    files: { type: 'string', default: '300' },
    cli: { type: 'string' },
    'ledger-home': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Math.max(5, Number(values.runs));
const cli = values.cli ?? join(root, 'packages', 'cli', 'dist', 'main.js');
const require = createRequire(cli);
const sdk = require('@relayburn/sdk');
const loadBefore = loadavg();

// The store: generated once, reused.
const corpus = join(root, 'bench', '.corpus', `claude-${values.mb}mb-${values.files}f-seed1`);
if (!existsSync(join(corpus, 'tally.json'))) {
  console.error(`generating ${values.mb} MB / ${values.files} files of Claude Code logs in ${corpus} …`);
  execFileSync(
    process.execPath,
    [
      join(root, 'bench', 'corpus', 'claude.mjs'),
      '--out',
      corpus,
      '--mb',
      values.mb,
      '--files',
      values.files,
      '--quiet',
    ],
    { stdio: 'inherit' },
  );
}

const work = mkdtempSync(join(tmpdir(), 'relayburn-cli-bench-'));
const ingestHome = join(work, 'ledger');
const empty = join(work, 'empty');
mkdirSync(empty);
const env = {
  ...process.env,
  RELAYBURN_HOME: ingestHome,
  CLAUDE_CONFIG_DIR: corpus,
  CODEX_HOME: empty,
  OPENCODE_DATA_DIR: empty,
  TZ: 'UTC',
  NO_COLOR: '1',
};
const queryHome = values['ledger-home'] ?? ingestHome;

/** One whole process: wall time from spawn to exit. */
function once(args, input, extraEnv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    input,
    env: extraEnv ? { ...env, ...extraEnv } : env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

try {
  // The ledger: one cold ingest of the store, then budgets for the status line.
  const cold = once([cli, 'ingest', '--quiet']);
  await sdk.setBudget({ ledgerHome: queryHome, name: 'reviewers', limitUsd: 200, period: 'month' });
  await sdk.setBudget({ ledgerHome: queryHome, name: 'daily', limitUsd: 50, period: 'day' });
  const status = await sdk.status({ ledgerHome: queryHome });

  // The status line's session: the largest transcript of the store.
  const projects = join(corpus, 'projects');
  let transcript = '';
  let size = -1;
  for (const p of readdirSync(projects)) {
    for (const f of readdirSync(join(projects, p))) {
      if (!f.endsWith('.jsonl')) continue;
      const s = statSync(join(projects, p, f)).size;
      if (s > size) [transcript, size] = [join(projects, p, f), s];
    }
  }
  const sessionId = basename(transcript, '.jsonl');
  // What Claude Code sends (its statusLine documentation), with this session.
  const payload = JSON.stringify({
    hook_event_name: 'Status',
    session_id: sessionId,
    transcript_path: transcript,
    cwd: '/home/dev/app',
    model: { id: 'claude-sonnet-4-5-20250929', display_name: 'Sonnet 4.5' },
    workspace: { current_dir: '/home/dev/app', project_dir: '/home/dev/app' },
    version: '2.0.14',
    output_style: { name: 'default' },
    cost: { total_cost_usd: 0.42, total_duration_ms: 45000, total_api_duration_ms: 2300 },
  });

  const commands = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'burn --version', args: [cli, '--version'], target: 1.2 },
    {
      name: 'burn summary --json',
      args: [cli, 'summary', '--json', '--ledger-home', queryHome],
      target: 1.5,
    },
    // What most users run: no TZ, so the CLI asks Node's ICU for the system zone (no target).
    {
      name: 'burn summary, TZ unset',
      args: [cli, 'summary', '--json', '--ledger-home', queryHome],
      env: { TZ: undefined },
    },
    { name: 'burn ingest (no change)', args: [cli, 'ingest'], target: 2.0 },
    {
      name: 'burn statusline',
      args: [cli, 'statusline', '--ledger-home', queryHome],
      input: payload,
      targetMs: 60,
    },
  ];
  for (const c of commands) {
    const r = once(c.args, c.input, c.env); // warm the page cache, the ledger and the code cache
    if (c.name === 'burn statusline' && r.stdout.startsWith('burn: ?'))
      throw new Error('statusline printed its error marker (see statusline.log in the ledger home)');
    if (c.name === 'burn ingest (no change)' && !/^ingested: 0 of /.test(r.stdout))
      throw new Error(`the ingest was not a no-change one: ${r.stdout}`);
    c.samples = [];
  }
  for (let i = 0; i < runs; i++) for (const c of commands) c.samples.push(once(c.args, c.input, c.env).ms);

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const bare = median(commands[0].samples);
  const addon = join(dirname(require.resolve('@relayburn/sdk')), '..', 'native');
  const node = readdirSync(addon).find((f) => f.endsWith('.node'));
  const result = {
    bench: 'cli',
    cli,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    addonBytes: node ? statSync(join(addon, node)).size : undefined,
    runs,
    loadavg: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) },
    ledger: { home: queryHome, turns: status.turns, sessions: status.sessions, bytes: status.ledgerBytes },
    store: { dir: corpus, coldIngestMs: Math.round(cold.ms) },
    commands: commands.map((c) => {
      const med = median(c.samples);
      const ratio = med / bare;
      return {
        name: c.name,
        medianMs: +med.toFixed(1),
        minMs: +Math.min(...c.samples).toFixed(1),
        ratio: +ratio.toFixed(2),
        ...(c.target !== undefined ? { target: `≤ ${c.target}×`, met: ratio <= c.target } : {}),
        ...(c.targetMs !== undefined ? { target: `≤ ${c.targetMs} ms`, met: med <= c.targetMs } : {}),
      };
    }),
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `${result.platform}, node ${result.node}, addon ${((result.addonBytes ?? 0) / 2 ** 20).toFixed(1)} MiB, ` +
        `${runs} interleaved runs, load average ${result.loadavg.before.join(' ')} → ${result.loadavg.after.join(' ')}`,
    );
    console.log(
      `ledger: ${status.turns.toLocaleString('en-US')} turns, ${status.sessions.toLocaleString('en-US')} sessions ` +
        `(${(status.ledgerBytes / 2 ** 20).toFixed(1)} MiB); store ${corpus}`,
    );
    console.log(`cli: ${cli}`);
    for (const c of result.commands) {
      console.log(
        `  ${c.name.padEnd(25)} median ${`${c.medianMs.toFixed(1)} ms`.padStart(9)}  min ${`${c.minMs.toFixed(1)} ms`.padStart(9)}  ` +
          `${`${c.ratio.toFixed(2)}×`.padStart(6)}${c.target ? `  target ${c.target}: ${c.met ? 'met' : 'NOT met'}` : ''}`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
