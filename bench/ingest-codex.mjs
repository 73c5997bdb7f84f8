#!/usr/bin/env node
// Codex ingest through the public package on a synthetic Codex home whose rows have the shape
// of real rollouts (reasoning with encrypted content, tool calls and outputs, repeated
// token_count snapshots). Measures a cold ingest, an unchanged re-ingest, and an incremental
// pass after appending a turn to every tenth file; checks the totals are exact.
// Usage: node bench/ingest-codex.mjs [--mb 100] [--files 200] [--json]
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { ingest, summary } = require('@relayburn/sdk');

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    files: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
});
const targetBytes = Number(values.mb) * 1024 * 1024;
const fileCount = Number(values.files);
const root = mkdtempSync(join(tmpdir(), 'relayburn-bench-codex-'));
const home = join(root, 'codex');
const ledgerHome = join(root, 'ledger');
const day = join(home, 'sessions', '2026', '01', '01');
mkdirSync(day, { recursive: true });

const ts = (s) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const row = (s, type, payload) => `${JSON.stringify({ timestamp: ts(s), type, payload })}\n`;
const usage = (i, c, o, r) => ({
  input_tokens: i,
  cached_input_tokens: c,
  output_tokens: o,
  reasoning_output_tokens: r,
  total_tokens: i + o,
});
const blob = 'x'.repeat(2400);
const output = 'line of command output\n'.repeat(45);

/** One turn: cumulative totals grow by (1000 in, 600 cached, 120 out, 40 reasoning). */
function turn(n, s) {
  const t = `turn-${n}`;
  const total = usage(1000 * n, 600 * n, 120 * n, 40 * n);
  const last = usage(1000, 600, 120, 40);
  const tc = row(s, 'event_msg', {
    type: 'token_count',
    info: { total_token_usage: total, last_token_usage: last },
  });
  return (
    row(s, 'turn_context', { turn_id: t, cwd: '/work/app', model: n % 2 ? 'gpt-5.4' : 'gpt-5.3-codex' }) +
    row(s, 'event_msg', { type: 'task_started', turn_id: t }) +
    row(s, 'response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: `do step ${n}` }],
    }) +
    row(s, 'event_msg', { type: 'user_message', message: `do step ${n}` }) +
    row(s, 'response_item', { type: 'reasoning', summary: [], encrypted_content: blob }) +
    row(s, 'response_item', {
      type: 'function_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: `npm test -- ${n}`, workdir: '/work/app' }),
      call_id: `call-${n}`,
    }) +
    row(s, 'response_item', { type: 'function_call_output', call_id: `call-${n}`, output }) +
    row(s, 'event_msg', { type: 'agent_message', message: 'done' }) +
    row(s, 'response_item', {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'done' }],
    }) +
    tc +
    tc +
    row(s, 'event_msg', { type: 'task_complete', turn_id: t })
  );
}

const turnBytes = Buffer.byteLength(turn(1, 1));
const turnsPerFile = Math.max(1, Math.round(targetBytes / fileCount / turnBytes));
const paths = [];
let bytes = 0;
for (let f = 0; f < fileCount; f++) {
  let text = row(0, 'session_meta', { id: `bench-${f}`, cwd: '/work/app', model_provider: 'openai' });
  for (let n = 1; n <= turnsPerFile; n++) text += turn(n, n);
  const path = join(day, `rollout-2026-01-01T00-00-00-bench-${f}.jsonl`);
  writeFileSync(path, text);
  paths.push(path);
  bytes += Buffer.byteLength(text);
}

const roots = { codex: [home] };
const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
};
try {
  const [coldMs, cold] = await time(() => ingest({ roots, ledgerHome }));
  const [warmMs, warm] = await time(() => ingest({ roots, ledgerHome }));
  for (let f = 0; f < fileCount; f += 10) appendFileSync(paths[f], turn(turnsPerFile + 1, turnsPerFile + 1));
  const [incMs, inc] = await time(() => ingest({ roots, ledgerHome }));
  const { totals } = await summary({ ledgerHome });
  const turns = fileCount * turnsPerFile + Math.ceil(fileCount / 10);
  const exact =
    totals.turns === turns && totals.inputTokens === 400 * turns && totals.outputTokens === 120 * turns;
  const result = {
    bench: 'ingest-codex',
    files: fileCount,
    mb: +(bytes / 1048576).toFixed(1),
    turns,
    coldMs: Math.round(coldMs),
    coldMBps: +(bytes / 1048576 / (coldMs / 1000)).toFixed(1),
    unchangedMs: Math.round(warmMs),
    unchangedBytesRead: warm.bytesRead,
    incrementalMs: Math.round(incMs),
    incrementalBytesRead: inc.bytesRead,
    turnsAdded: [cold.turnsAdded, warm.turnsAdded, inc.turnsAdded],
    exact,
  };
  if (values.json) console.log(JSON.stringify(result));
  else console.table(result);
  if (!exact) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
