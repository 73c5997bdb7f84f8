#!/usr/bin/env node
// Peak memory of a cold ingest of ONE large Claude Code session file (target: peak RSS
// ≤ 256 MB, whatever the file's size), through the public package in a child process.
// The file is generated here (git-ignored bench/.corpus/big-<mb>mb/, reused when its size
// matches): prompts and responses of a few KB of text each, every third response streamed
// over two rows, so the reader's state (open responses) stays small and the bytes are content
// the ledger does not keep, as in real logs. The ledger's turn count must equal the number of
// responses written (exit 1 otherwise).
// Usage: node bench/ingest-big-file.mjs [--mb 1024] [--content off] [--gen-only]
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const TARGET_RSS_MB = 256;
const { values: opt } = parseArgs({
  options: {
    mb: { type: 'string', default: '1024' },
    content: { type: 'string', default: 'off' },
    // Only write the file (to reuse it later, or with another reader).
    'gen-only': { type: 'boolean', default: false },
    child: { type: 'string' },
    home: { type: 'string' },
  },
});

if (opt.child) {
  const sdk = createRequire(import.meta.url)('@relayburn/sdk');
  const t0 = performance.now();
  const report = await sdk.ingest({
    roots: { 'claude-code': [opt.child] },
    harnesses: ['claude-code'],
    ledgerHome: opt.home,
    contentMode: opt.content,
  });
  const ms = performance.now() - t0;
  const { totals } = await sdk.summary({ ledgerHome: opt.home });
  process.stdout.write(`${JSON.stringify({ ms, report, turns: totals.turns })}\n`);
  process.exit(0);
}

/** Writes the file once; returns the number of API responses in it. */
function ensureFile(root, mb) {
  const dir = join(root, 'projects', '-big');
  const file = join(dir, 'big-session.jsonl');
  const meta = join(root, 'meta.json');
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (m.mb === mb) return m;
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const fd = openSync(file, 'w');
  const limit = mb * 1024 * 1024;
  const words = 'the quick brown fox jumps over a lazy dog while tests run and files change'.split(' ');
  let bytes = 0;
  let responses = 0;
  let seq = 0;
  const text = (n) => {
    let s = '';
    while (s.length < n) s += `${words[(seq++ * 7) % words.length]} `;
    return s;
  };
  const base = Date.parse('2026-05-01T00:00:00Z');
  let chunk = [];
  while (bytes < limit) {
    const ts = new Date(base + responses * 1000).toISOString();
    const id = `msg_${responses}`;
    const req = `req_${responses}`;
    const usage = (output) => ({
      input_tokens: 10,
      output_tokens: output,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 50,
    });
    const row = (content, output, stop) =>
      JSON.stringify({
        type: 'assistant',
        sessionId: 'big-session',
        cwd: '/work/big',
        timestamp: ts,
        requestId: req,
        uuid: `${id}-${output}`,
        message: {
          id,
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          stop_reason: stop,
          content,
          usage: usage(output),
        },
      });
    const prompt = JSON.stringify({
      type: 'user',
      sessionId: 'big-session',
      cwd: '/work/big',
      timestamp: ts,
      uuid: `u${responses}`,
      message: { role: 'user', content: text(1500) },
    });
    const lines = [prompt];
    if (responses % 3 === 0)
      lines.push(row([{ type: 'thinking', thinking: text(2000), signature: 'x' }], 5, null));
    lines.push(row([{ type: 'text', text: text(2500) }], 100, 'end_turn'));
    const out = `${lines.join('\n')}\n`;
    chunk.push(out);
    bytes += Buffer.byteLength(out);
    responses++;
    if (chunk.length >= 256) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
  const m = { mb, bytes, responses, file };
  writeFileSyncJson(meta, m);
  return m;
}

function writeFileSyncJson(path, value) {
  const fd = openSync(path, 'w');
  writeSync(fd, JSON.stringify(value));
  closeSync(fd);
}

const mb = Number(opt.mb);
const root = join(here, '.corpus', `big-${mb}mb`);
const m = ensureFile(root, mb);
if (opt['gen-only']) {
  console.log(JSON.stringify({ root, ...m }));
  process.exit(0);
}
const home = mkdtempSync(join(tmpdir(), 'relayburn-bench-big-'));
try {
  const load1 = loadavg()[0];
  const args = [fileURLToPath(import.meta.url), '--child', root, '--home', home, '--content', opt.content];
  const timeV = existsSync('/usr/bin/time');
  const r = timeV
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const rssKb = timeV ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]) : null;
  const rssMb = rssKb ? Math.round(rssKb / 1024) : null;
  console.log(
    JSON.stringify({
      file: { mb: Number((m.bytes / 1e6).toFixed(1)), responses: m.responses },
      content: opt.content,
      load1,
      ingestMs: Math.round(out.ms),
      turns: out.turns,
      peakRssMb: rssMb,
      target: `≤ ${TARGET_RSS_MB} MB: ${rssMb !== null && rssMb <= TARGET_RSS_MB ? 'met' : 'NOT met'}`,
    }),
  );
  if (out.turns !== m.responses) {
    console.error(`turns ${out.turns} ≠ responses written ${m.responses}`);
    process.exit(1);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
