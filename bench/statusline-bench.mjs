#!/usr/bin/env node
// `burn statusline` latency, whole process, as Claude Code runs it after each turn: the
// status-line JSON on stdin, one turn appended to the live transcript before each run (so
// every run ingests new bytes), three budgets set. The ledger is a generated one of 1M turns
// (20,000 sessions over the 180 days up to now, 5,000 stamps: `gen_ledger`, as for
// bench/summary-bench.mjs) plus the live session (200 turns and a subagent transcript).
// Target: ≤ 60 ms. Reported beside a bare `node -e 0` on the same machine, and for both
// commands: `burn statusline` (Node) and the native `relayburn-statusline` (the executable
// `npm run build:release` stages in packages/sdk/native/), runs interleaved.
//
// Usage: npm run build:release && node bench/statusline-bench.mjs
//        node bench/statusline-bench.mjs [--ledger-home DIR] [--turns N] [--stamps N]
//          [--iterations N] [--debug] [--json]
// --debug generates the ledger with the debug build of gen_ledger (for small smoke runs on a
// shared machine; figures from a debug addon are not the product's).
// The ledger is generated once per day into bench/.work/ (today's turns must exist).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const sdk = require('@relayburn/sdk');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'dist', 'main.js');
const nativeExe = join(
  root,
  'packages',
  'sdk',
  'native',
  process.platform === 'win32' ? 'relayburn-statusline.exe' : 'relayburn-statusline',
);

const { values } = parseArgs({
  options: {
    'ledger-home': { type: 'string' },
    turns: { type: 'string', default: '1000000' },
    stamps: { type: 'string', default: '5000' },
    iterations: { type: 'string', default: '20' },
    debug: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const turns = Number(values.turns);
const iterations = Number(values.iterations);
const now = new Date();
const day = now.toISOString().slice(0, 10);
const ledgerHome =
  values['ledger-home'] ??
  join(root, 'bench', '.work', `statusline-${turns}-${values.stamps}-${day}${values.debug ? '-debug' : ''}`);

if (!existsSync(join(ledgerHome, 'ledger.sqlite'))) {
  console.error(`generating ${turns} turns and ${values.stamps} stamps up to now in ${ledgerHome} …`);
  execFileSync(
    'cargo',
    [
      'run',
      ...(values.debug ? [] : ['--release']),
      '--quiet',
      '-p',
      'relayburn-core',
      '--example',
      'gen_ledger',
      '--',
      ledgerHome,
      String(turns),
      values.stamps,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, GEN_LEDGER_END: now.toISOString() } },
  );
}

// Three budgets: a tag budget over the month, a global day, a harness week.
await sdk.setBudget({
  ledgerHome,
  name: 'reviewers',
  limitUsd: 200,
  period: 'month',
  tags: { persona: 'reviewer' },
});
await sdk.setBudget({ ledgerHome, name: 'daily', limitUsd: 50, period: 'day' });
await sdk.setBudget({ ledgerHome, name: 'codex', limitUsd: 100, period: 'week', harness: 'codex' });

// The live session: a Claude store with one transcript of 200 turns and a subagent transcript.
const store = mkdtempSync(join(tmpdir(), 'relayburn-statusline-bench-'));
const projectDir = join(store, 'projects', '-home-dev-app');
const sessionId = `live-${process.pid}-${Date.now()}`;
const transcript = join(projectDir, `${sessionId}.jsonl`);
let n = 0;
const row = (session) => {
  n += 1;
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: session,
    cwd: '/home/dev/app',
    gitBranch: 'main',
    timestamp: new Date().toISOString(),
    requestId: `req-${session}-${n}`,
    uuid: `uuid-${session}-${n}`,
    message: {
      id: `msg-${session}-${n}`,
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'done' }],
      usage: {
        input_tokens: 12,
        output_tokens: 800,
        cache_read_input_tokens: 40_000,
        cache_creation_input_tokens: 0,
      },
    },
  })}\n`;
};
mkdirSync(join(projectDir, sessionId, 'subagents'), { recursive: true });
writeFileSync(transcript, Array.from({ length: 200 }, () => row(sessionId)).join(''));
writeFileSync(
  join(projectDir, sessionId, 'subagents', 'agent-b1.jsonl'),
  Array.from({ length: 50 }, () => row(sessionId)).join(''),
);
const payload = JSON.stringify({
  session_id: sessionId,
  transcript_path: transcript,
  cwd: '/home/dev/app',
  model: { id: 'claude-sonnet-4-5', display_name: 'Sonnet 4.5' },
});

const env = { ...process.env, TZ: 'UTC', NO_COLOR: '1' };
const spawnOnce = (args, input, command = process.execPath) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { input, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
};
const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { medianMs: q(0.5), p95Ms: q(0.95), minMs: s[0] };
};

try {
  // Cold: the first call reads the whole live transcript and its subagent.
  const cold = spawnOnce([cli, 'statusline', '--ledger-home', ledgerHome], payload);
  if (cold.stdout.startsWith('burn: ?'))
    throw new Error('statusline printed its error marker (see statusline.log)');
  spawnOnce(['-e', '0']); // warm node's own files
  const line = [];
  const native = [];
  const bare = [];
  const version = [];
  for (let i = 0; i < iterations; i++) {
    appendFileSync(transcript, row(sessionId)); // one new turn, as after each response
    line.push(spawnOnce([cli, 'statusline', '--ledger-home', ledgerHome], payload).ms);
    appendFileSync(transcript, row(sessionId));
    native.push(spawnOnce(['--ledger-home', ledgerHome], payload, nativeExe).ms);
    bare.push(spawnOnce(['-e', '0']).ms);
    // `burn --version` loads every module the CLI loads (SDK, zod, commands) and does no work.
    version.push(spawnOnce([cli, '--version']).ms);
  }
  const last = spawnOnce([cli, 'statusline', '--ledger-home', ledgerHome], payload).stdout.trim();
  const lastNative = spawnOnce(['--ledger-home', ledgerHome], payload, nativeExe).stdout.trim();
  if (lastNative !== last) throw new Error(`native printed ${lastNative}, burn statusline ${last}`);

  // Where the time goes, in process (same calls the command makes, pooled connection warm).
  const parts = {};
  const time = async (name, fn) => {
    const samples = [];
    for (let i = 0; i < Math.max(5, Math.floor(iterations / 2)); i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    parts[name] = stats(samples).medianMs;
  };
  await time('ingest (one appended turn)', async () => {
    appendFileSync(transcript, row(sessionId));
    await sdk.ingest({ ledgerHome, sessionFile: transcript });
  });
  await time('sessionCost', () => sdk.sessionCost({ ledgerHome, sessionId }));
  await time("summary since 'today'", () => sdk.summary({ ledgerHome, since: 'today', timezone: 'UTC' }));
  await time('budgetStatus (3 budgets)', () => sdk.budgetStatus({ ledgerHome, timezone: 'UTC' }));

  const status = await sdk.status({ ledgerHome });
  const result = {
    bench: 'statusline',
    turns: status.turns,
    sessions: status.sessions,
    stamps: status.stamps,
    ledgerBytes: status.ledgerBytes,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    coldMs: cold.ms,
    statusline: stats(line),
    native: stats(native),
    nodeBare: stats(bare),
    burnVersion: stats(version),
    inProcessMedianMs: parts,
    line: last,
    targetMs: 60,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    const f = (x) => `${x.toFixed(1)} ms`.padStart(9);
    console.log(
      `${result.turns.toLocaleString('en-US')} turns, ${result.sessions.toLocaleString('en-US')} sessions, ` +
        `${result.stamps.toLocaleString('en-US')} stamps, ledger ${(result.ledgerBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `${result.platform}, node ${result.node}, ${iterations} runs`,
    );
    console.log(`  line: ${last}`);
    console.log(`  first call (reads the live transcript)      ${f(cold.ms)}`);
    const s = result.statusline;
    const nv = result.native;
    console.log(
      `  relayburn-statusline (native)        median ${f(nv.medianMs)}  p95 ${f(nv.p95Ms)}  min ${f(nv.minMs)}  ` +
        `target ≤ 60 ms → ${nv.medianMs <= 60 ? 'met' : 'NOT met'}`,
    );
    const b = result.nodeBare;
    console.log(
      `  burn statusline (one appended turn)  median ${f(s.medianMs)}  p95 ${f(s.p95Ms)}  min ${f(s.minMs)}  ` +
        `target ≤ 60 ms → ${s.medianMs <= 60 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `  node -e 0                            median ${f(b.medianMs)}  p95 ${f(b.p95Ms)}  min ${f(b.minMs)}  ` +
        `(statusline = ${(s.medianMs / b.medianMs).toFixed(2)}× bare node)`,
    );
    const v = result.burnVersion;
    console.log(
      `  burn --version (module loading only)  median ${f(v.medianMs)}  p95 ${f(v.p95Ms)}  min ${f(v.minMs)}`,
    );
    for (const [name, ms] of Object.entries(parts))
      console.log(`    in process: ${name.padEnd(30)} ${f(ms)}`);
  }
} finally {
  rmSync(store, { recursive: true, force: true });
}
