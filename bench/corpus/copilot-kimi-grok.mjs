// Deterministic logs of GitHub Copilot CLI, Kimi (CLI and Code) and Grok Build, with the exact
// totals a correct ingest must report per harness. Used by mixed.mjs (the mixed corpus) and
// the crash tests. Each carries the traps its reader must get right:
//   <out>/copilot/  a COPILOT_HOME: session-state/<id>/events.jsonl (one session.shutdown per
//                   process run, never cumulative; input inclusive of cache; Gemini reasoning
//                   beside output; crashed runs without a shutdown; progress rows that are not
//                   usage) and session-store.db (one row per call, `auto` rows naming the model
//                   in copilot_usage_model, all-zero rows); sessions in both count once.
//   <out>/kimi/     a Kimi home: Kimi CLI sessions/<group>/<id>/wire.jsonl (StatusUpdates
//                   repeated with growing counts per message id, null usage, sub-agents in
//                   subagents/<agent>/ whose calls the parent also wraps, /fork copies) and Kimi
//                   Code sessions/<ws>/<id>/agents/<agent>/wire.jsonl (usage.record by scope,
//                   step.end repeats).
//   <out>/grok/     a GROK_HOME: sessions/<encoded workspace>/<id>/updates.jsonl (only
//                   turn_completed counts, one turn per model, replayed event ids, input
//                   inclusive of cached reads, reasoning beside output, sub-agent siblings).
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import { add, zero } from './tally.mjs';

const HEX = '0123456789abcdef';
/** Files are dated in the past, so no ingest takes them for still being written. */
const OLD_S = Date.UTC(2026, 6, 1) / 1000;
const BASE_MS = Date.UTC(2026, 5, 20);

function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  utimesSync(path, OLD_S, OLD_S);
  return Buffer.byteLength(text);
}

const iso = (ms) => new Date(ms).toISOString();
const sqlTime = (ms) => iso(ms).slice(0, 19).replace('T', ' ');

// ---------------------------------------------------------------------------------------------
// Copilot CLI.

const COPILOT_MODELS = ['claude-sonnet-4.6', 'gpt-5.4', 'gemini-2.5-pro'];

/** The shared token model for one Copilot call or run (input inclusive of cache). */
function copilotUsage(model, c) {
  const gemini = model.startsWith('gemini');
  return {
    input: Math.max(0, c.input - c.cacheRead - c.cacheWrite),
    output: gemini ? c.output + c.reasoning : c.output,
    reasoning: gemini ? c.reasoning : Math.min(c.reasoning, c.output),
    cacheRead: c.cacheRead,
    cacheWrite5m: c.cacheWrite,
    cacheWrite1h: 0,
  };
}

function copilotCall(r) {
  const cacheRead = r.int(0, 20_000);
  const cacheWrite = r.chance(0.3) ? r.int(0, 3_000) : 0;
  return {
    model: r.pick(COPILOT_MODELS),
    input: cacheRead + cacheWrite + r.int(1, 4_000),
    output: r.int(1, 900),
    cacheRead,
    cacheWrite,
    reasoning: r.chance(0.5) ? r.int(0, 300) : 0,
  };
}

class Copilot {
  constructor(r, root, db) {
    this.r = r;
    this.root = root;
    this.db = db;
    this.tally = zero();
    this.files = 0;
    this.bytes = 0;
    this.n = 0;
    this.features = { resumedRuns: 0, crashedRuns: 0, storeRows: 0, bothSessions: 0, zeroRows: 0 };
  }

  ev(type, id, ms, data) {
    return `${JSON.stringify({ type, data, id, timestamp: iso(ms), parentId: null })}\n`;
  }

  /** One process run: its events, and its calls either in the store or in its shutdown. */
  run(sid, startMs, inStore, crashed) {
    const r = this.r;
    let ms = startMs;
    let text = this.ev('session.start', `${sid}-s${ms}`, ms, {
      sessionId: sid,
      selectedModel: 'claude-sonnet-4.6',
      context: { cwd: '/work/app', branch: 'main' },
    });
    const perModel = {};
    const calls = r.int(1, 5);
    for (let c = 0; c < calls; c++) {
      ms += r.int(1_000, 20_000);
      text += this.ev('user.message', `${sid}-u${ms}`, ms, { content: 'build the cache layer' });
      text += this.ev('tool.execution_start', `${sid}-t${ms}`, ms + 1, {
        toolCallId: `tc-${ms}`,
        toolName: 'bash',
        arguments: { command: 'npm test' },
      });
      text += this.ev('tool.execution_complete', `${sid}-d${ms}`, ms + 2, {
        toolCallId: `tc-${ms}`,
        success: true,
        result: { content: 'ok' },
      });
      const call = copilotCall(r);
      // Progress, not usage.
      text += this.ev('assistant.message', `${sid}-a${ms}`, ms + 3, {
        messageId: `m-${ms}`,
        content: 'done',
        outputTokens: call.output,
      });
      if (inStore) {
        // The store has every call, whether or not the run ends with a shutdown.
        this.storeRow(sid, call, ms + 3);
        add(this.tally, copilotUsage(call.model, call));
      } else {
        perModel[call.model] ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
        const m = perModel[call.model];
        for (const k of Object.keys(m)) m[k] += call[k];
      }
    }
    text += this.ev('session.usage_checkpoint', `${sid}-k${ms}`, ms + 4, { totalNanoAiu: 27353260000 });
    if (crashed) {
      this.features.crashedRuns += 1;
      return { text, end: ms + 5 };
    }
    ms += 1_000;
    const modelMetrics = {};
    for (const [model, c] of Object.entries(perModel)) {
      modelMetrics[model] = {
        requests: { count: 1, cost: 1 },
        usage: {
          inputTokens: c.input,
          outputTokens: c.output,
          cacheReadTokens: c.cacheRead,
          cacheWriteTokens: c.cacheWrite,
          reasoningTokens: c.reasoning,
        },
      };
      add(this.tally, copilotUsage(model, c));
    }
    if (inStore) {
      // The run's calls are in the store: its shutdown repeats them (and is not counted).
      modelMetrics['claude-sonnet-4.6'] = {
        requests: { count: 1 },
        usage: {
          inputTokens: 100,
          outputTokens: 10,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      };
    }
    text += this.ev('session.shutdown', `${sid}-x${ms}`, ms, {
      shutdownType: 'routine',
      sessionStartTime: startMs,
      modelMetrics,
      currentModel: 'claude-sonnet-4.6',
    });
    return { text, end: ms };
  }

  storeRow(sid, call, ms) {
    const auto = this.r.chance(0.3);
    this.db.run(
      `INSERT INTO assistant_usage_events (session_id, turn_index, model, copilot_usage_model, input_tokens,
        output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, total_nano_aiu, duration_ms, created_at)
       VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, 556570000, 1200, ?)`,
      [
        sid,
        auto ? 'auto' : call.model,
        auto ? call.model : null,
        call.input,
        call.output,
        call.cacheRead,
        call.cacheWrite,
        call.reasoning,
        sqlTime(ms),
      ],
    );
    this.features.storeRows += 1;
    // An all-zero row (no usage): the first store row, and some others.
    if (this.features.zeroRows === 0 || this.r.chance(0.1)) {
      this.db.run(
        `INSERT INTO assistant_usage_events (session_id, turn_index, model, input_tokens, output_tokens,
          cache_read_tokens, cache_write_tokens, reasoning_tokens, total_nano_aiu, created_at)
         VALUES (?, 1, 'gpt-5.4', 0, 0, 0, 0, 0, 0, ?)`,
        [sid, sqlTime(ms)],
      );
      this.features.zeroRows += 1;
    }
  }

  session() {
    const r = this.r;
    const sid = `${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-a${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`;
    const n = this.n++;
    const kind = n < 3 ? ['events', 'store', 'both'][n] : r.pick(['events', 'events', 'store', 'both']);
    this.db.run('INSERT INTO sessions (id, cwd, branch, created_at) VALUES (?, ?, ?, ?)', [
      sid,
      '/work/app',
      'main',
      sqlTime(BASE_MS),
    ]);
    let ms = BASE_MS + n * 7_200_000;
    let text = '';
    const runs = n < 3 ? 2 : r.int(1, 3);
    for (let i = 0; i < runs; i++) {
      // 'both': the first runs predate the store, the last is in it; 'store': all in it.
      const inStore = kind === 'store' || (kind === 'both' && i === runs - 1);
      const crashed = i === runs - 1 && (n === 0 || r.chance(0.15));
      const run = this.run(sid, ms, inStore, crashed);
      text += run.text;
      ms = run.end + r.int(60_000, 3_600_000);
      if (i > 0) this.features.resumedRuns += 1;
    }
    if (kind === 'both') this.features.bothSessions += 1;
    this.bytes += write(join(this.root, 'session-state', sid, 'events.jsonl'), text);
    this.files += 1;
    return sid;
  }
}

// ---------------------------------------------------------------------------------------------
// Kimi CLI and Kimi Code.

const KIMI_HEADER = `${JSON.stringify({ type: 'metadata', protocol_version: '1.3' })}\n`;

class Kimi {
  constructor(r, root) {
    this.r = r;
    this.root = root;
    this.tally = zero();
    this.files = 0;
    this.bytes = 0;
    this.n = 0;
    this.features = { repeatedUpdates: 0, nullUpdates: 0, subagents: 0, forks: 0, codeSessions: 0 };
  }

  line(ts, type, payload) {
    return `${JSON.stringify({ timestamp: ts, message: { type, payload } })}\n`;
  }

  status(ts, id, u) {
    return this.line(ts, 'StatusUpdate', {
      context_usage: 0.2,
      context_tokens: 2000,
      max_context_tokens: 262144,
      token_usage: u
        ? {
            input_other: u.input,
            output: u.output,
            input_cache_read: u.cacheRead,
            input_cache_creation: u.cacheWrite5m,
          }
        : null,
      message_id: id,
      plan_mode: null,
      mcp_status: null,
    });
  }

  /** Steps of one session; each call is tallied once, at its largest record. */
  steps(sid, ts0, count, tally = true) {
    const r = this.r;
    let text = '';
    let ts = ts0;
    for (let s = 0; s < count; s++) {
      ts += r.int(2, 60);
      text += this.line(ts, 'TurnBegin', { user_input: [{ type: 'text', text: 'refactor the parser' }] });
      text += this.line(ts + 0.1, 'ToolCall', {
        type: 'function',
        id: `call-${sid}-${s}`,
        function: { name: 'Shell', arguments: JSON.stringify({ command: 'cargo test' }) },
        extras: null,
      });
      const first = this.features.nullUpdates === 0;
      if (first || r.chance(0.3)) {
        text += this.status(ts + 0.2, null, null);
        this.features.nullUpdates += 1;
      }
      const id = `chatcmpl-${sid}-${s}`;
      const u = {
        input: r.int(1, 3000),
        output: r.int(1, 200),
        cacheRead: r.int(0, 30_000),
        cacheWrite5m: 0,
      };
      const repeats = first ? 3 : r.int(1, 3);
      for (let k = 1; k <= repeats; k++) {
        text += this.status(ts + 0.3 + k / 10, id, { ...u, output: Math.ceil((u.output * k) / repeats) });
      }
      if (repeats > 1) this.features.repeatedUpdates += 1;
      if (tally) add(this.tally, u);
    }
    return { text, ts };
  }

  session() {
    const r = this.r;
    const n = this.n++;
    const group = r.chars(HEX, 32);
    const sid = `${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-8${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`;
    if (n % 5 === 2) return this.codeSession(sid);
    const t0 = BASE_MS / 1000 + n * 3600;
    let { text } = this.steps(sid, t0, r.int(2, 8));
    if (n === 0 || r.chance(0.2)) {
      // A sub-agent: its own wire.jsonl, and the parent wraps its events.
      const agent = `a${r.chars(HEX, 7)}`;
      const sub = this.steps(`${sid}-${agent}`, t0 + 5, r.int(1, 3));
      for (const l of sub.text.trim().split('\n')) {
        const inner = JSON.parse(l).message;
        text += this.line(t0 + 6, 'SubagentEvent', {
          parent_tool_call_id: `call-${sid}-0`,
          agent_id: agent,
          subagent_type: 'coder',
          event: inner,
        });
      }
      this.bytes += write(
        join(this.root, 'sessions', group, sid, 'subagents', agent, 'wire.jsonl'),
        KIMI_HEADER + sub.text,
      );
      this.files += 1;
      this.features.subagents += 1;
    }
    this.bytes += write(join(this.root, 'sessions', group, sid, 'wire.jsonl'), KIMI_HEADER + text);
    this.files += 1;
    if (n === 1 || r.chance(0.1)) {
      // /fork: the source's lines copied, then the fork's own calls.
      const fid = `${sid.slice(0, -4)}f0rk`;
      const own = this.steps(fid, t0 + 2000, r.int(1, 3));
      this.bytes += write(
        join(this.root, 'sessions', group, fid, 'wire.jsonl'),
        KIMI_HEADER + text + own.text,
      );
      this.bytes += write(
        join(this.root, 'sessions', group, fid, 'state.json'),
        // Kimi CLI records the fork's instant: rows up to it are the source's copies.
        JSON.stringify({ custom_title: 'Fork: refactor', title_generated: true, wire_mtime: t0 + 1000 }),
      );
      this.files += 1;
      this.features.forks += 1;
    }
    return sid;
  }

  codeSession(sid) {
    const r = this.r;
    let text = `${JSON.stringify({ type: 'llm.request', model: 'kimi-code/kimi-k2.6', time: BASE_MS })}\n`;
    let ms = BASE_MS + this.n * 1000;
    const steps = r.int(2, 6);
    for (let s = 0; s < steps; s++) {
      ms += r.int(1000, 9000);
      const u = {
        inputOther: r.int(1, 4000),
        output: r.int(1, 300),
        inputCacheRead: r.int(0, 40_000),
        inputCacheCreation: 0,
      };
      const rec = (type, scope) =>
        `${JSON.stringify({ type, usage: u, ...(scope ? { usageScope: scope } : {}), model: '__kimi_env_model__', time: ms })}\n`;
      text += rec('usage.record', 'turn') + rec('step.end');
      add(this.tally, { input: u.inputOther, output: u.output, cacheRead: u.inputCacheRead });
    }
    text += `${JSON.stringify({ type: 'usage.record', usage: { inputOther: 9, output: 9 }, usageScope: 'session', time: ms + 1 })}\n`;
    this.bytes += write(join(this.root, 'sessions', 'ws-app', sid, 'agents', 'main', 'wire.jsonl'), text);
    this.files += 1;
    this.features.codeSessions += 1;
    return sid;
  }
}

// ---------------------------------------------------------------------------------------------
// Grok Build.

const GROK_MODELS = ['grok-4.3', 'grok-code-fast-1', 'grok-4.20'];

class Grok {
  constructor(r, root) {
    this.r = r;
    this.root = root;
    this.tally = zero();
    this.files = 0;
    this.bytes = 0;
    this.n = 0;
    this.features = { replayedEvents: 0, multiModelTurns: 0, subagents: 0 };
  }

  update(ms, sid, event, update) {
    return `${JSON.stringify({
      jsonrpc: '2.0',
      method: 'session/update',
      timestamp: iso(ms),
      params: { sessionId: sid, update, ...(event ? { _meta: { eventId: event } } : {}) },
    })}\n`;
  }

  turns(sid, ms0, count) {
    const r = this.r;
    let text = '';
    let ms = ms0;
    const lines = [];
    for (let t = 0; t < count; t++) {
      ms += r.int(2000, 60_000);
      text += this.update(ms, sid, `${sid}-u${t}`, {
        sessionUpdate: 'user_message_chunk',
        content: { type: 'text', text: 'fix ' },
      });
      text += this.update(ms + 1, sid, `${sid}-v${t}`, {
        sessionUpdate: 'user_message_chunk',
        content: { type: 'text', text: 'the bug' },
      });
      text += this.update(ms + 2, sid, `${sid}-c${t}`, {
        sessionUpdate: 'tool_call',
        toolCallId: `t-${sid}-${t}`,
        title: 'cargo build',
        kind: 'execute',
        rawInput: { command: 'cargo build' },
      });
      text += this.update(ms + 3, sid, null, {
        sessionUpdate: 'agent_message_chunk',
        content: { type: 'text', text: 'done' },
        usage: { inputTokens: 999, outputTokens: 99 },
      });
      const first = this.features.multiModelTurns === 0;
      const models = first || r.chance(0.3) ? GROK_MODELS.slice(0, 2) : [r.pick(GROK_MODELS)];
      if (models.length > 1) this.features.multiModelTurns += 1;
      const modelUsage = {};
      const top = { inputTokens: 0, outputTokens: 0, cachedReadTokens: 0, reasoningTokens: 0 };
      for (const m of models) {
        const cached = r.int(0, 20_000);
        const u = {
          inputTokens: cached + r.int(1, 3000),
          outputTokens: r.int(1, 400),
          cachedReadTokens: cached,
          reasoningTokens: r.int(0, 200),
        };
        modelUsage[m] = u;
        for (const k of Object.keys(top)) top[k] += u[k];
        add(this.tally, {
          input: u.inputTokens - u.cachedReadTokens,
          output: u.outputTokens + u.reasoningTokens,
          reasoning: u.reasoningTokens,
          cacheRead: u.cachedReadTokens,
        });
      }
      const line = this.update(ms + 4, sid, `${sid}-e${t}`, {
        sessionUpdate: 'turn_completed',
        stopReason: 'end_turn',
        usage: { ...top, totalTokens: top.inputTokens + top.outputTokens, modelUsage },
      });
      text += line;
      lines.push(line);
      if (first || r.chance(0.15)) {
        text += line; // replayed
        this.features.replayedEvents += 1;
      }
    }
    return { text, lines };
  }

  session() {
    const r = this.r;
    const n = this.n++;
    const sid = `${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-9${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`;
    const ws = encodeURIComponent(`/work/app${n % 3}`);
    const dir = join(this.root, 'sessions', ws, sid);
    const { text } = this.turns(sid, BASE_MS + n * 3_600_000, r.int(2, 8));
    this.bytes += write(join(dir, 'updates.jsonl'), text);
    this.files += 1;
    if (n === 0 || r.chance(0.2)) {
      const child = `${sid.slice(0, -4)}c41d`;
      this.bytes += write(join(dir, 'subagents', child, 'meta.json'), JSON.stringify({ parent: sid }));
      const sub = this.turns(child, BASE_MS + n * 3_600_000 + 10_000, r.int(1, 3));
      this.bytes += write(join(this.root, 'sessions', ws, child, 'updates.jsonl'), sub.text);
      this.files += 1;
      this.features.subagents += 1;
    }
    return sid;
  }
}

// ---------------------------------------------------------------------------------------------

const STORE_SCHEMA = `
CREATE TABLE sessions (id TEXT PRIMARY KEY, cwd TEXT, repository TEXT, host_type TEXT, branch TEXT,
  summary TEXT, created_at TEXT, updated_at TEXT);
CREATE TABLE assistant_usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT,
  turn_index INTEGER, model TEXT, copilot_usage_model TEXT, input_tokens INTEGER, output_tokens INTEGER,
  cache_read_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER,
  total_nano_aiu INTEGER, duration_ms INTEGER, created_at TEXT);`;

/**
 * Writes `sessions` sessions of each harness under `out` (copilot/, kimi/, grok/) with the
 * random source `r`; returns per-harness totals, file counts, bytes and feature counts.
 */
export async function generateMoreHarnesses(r, out, sessions) {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(STORE_SCHEMA);
  const copilot = new Copilot(r, join(out, 'copilot'), db);
  const kimi = new Kimi(r, join(out, 'kimi'));
  const grok = new Grok(r, join(out, 'grok'));
  db.run('BEGIN');
  for (let i = 0; i < sessions; i++) {
    copilot.session();
    kimi.session();
    grok.session();
  }
  db.run('COMMIT');
  copilot.bytes += write(join(out, 'copilot', 'session-store.db'), Buffer.from(db.export()));
  copilot.files += 1;
  db.close();
  return {
    byHarness: { 'copilot-cli': copilot.tally, 'kimi-cli': kimi.tally, grok: grok.tally },
    files: { 'copilot-cli': copilot.files, 'kimi-cli': kimi.files, grok: grok.files },
    bytes: { 'copilot-cli': copilot.bytes, 'kimi-cli': kimi.bytes, grok: grok.bytes },
    features: { 'copilot-cli': copilot.features, 'kimi-cli': kimi.features, grok: grok.features },
  };
}

/**
 * Appends to a corpus written by {@link generateMoreHarnesses}: a new Copilot run (events and
 * store), more Kimi steps (one repeating an earlier call's id with a larger count) and Grok
 * turns (one replaying an earlier event) in existing files. Returns what the appends add.
 */
export async function appendMoreHarnesses(r, out) {
  const add3 = { 'copilot-cli': zero(), 'kimi-cli': zero(), grok: zero() };
  // Copilot: a resumed run in the first session's events, and a store row for another run.
  const SQL = await initSqlJs();
  const storePath = join(out, 'copilot', 'session-store.db');
  const db = new SQL.Database(readFileSync(storePath));
  const copilot = new Copilot(r, join(out, 'copilot'), db);
  const sid = db.exec('SELECT id FROM sessions ORDER BY id LIMIT 1')[0].values[0][0];
  const late = BASE_MS + 400 * 86_400_000;
  const run = copilot.run(sid, late, false, false);
  appendFileSync(join(out, 'copilot', 'session-state', sid, 'events.jsonl'), run.text);
  copilot.run(sid, late + 86_400_000, true, true); // a crashed run whose calls the store has
  writeFileSync(storePath, Buffer.from(db.export()));
  db.close();
  add3['copilot-cli'] = copilot.tally;

  // Kimi: more steps in one Kimi CLI session file.
  const kimi = new Kimi(r, join(out, 'kimi'));
  const kimiFile = firstFile(
    join(out, 'kimi', 'sessions'),
    'wire.jsonl',
    (p) => !p.includes('/agents/') && !p.includes('/subagents/') && !p.includes('f0rk'),
  );
  const steps = kimi.steps('appended', BASE_MS / 1000 + 400 * 86_400, 3);
  appendFileSync(kimiFile, steps.text);
  add3['kimi-cli'] = kimi.tally;

  // Grok: new turns plus a replay of one of them.
  const grok = new Grok(r, join(out, 'grok'));
  const grokFile = firstFile(join(out, 'grok', 'sessions'), 'updates.jsonl', () => true);
  const more = grok.turns('appended-grok', BASE_MS + 400 * 86_400_000, 3);
  appendFileSync(grokFile, more.text + more.lines[0]);
  add3.grok = grok.tally;
  return add3;
}

/** The first file named `name` under `dir` (sorted walk) that `ok` accepts. */
function firstFile(dir, name, ok) {
  const walk = (d) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) {
        const f = walk(p);
        if (f) return f;
      } else if (e === name && ok(p)) return p;
    }
    return undefined;
  };
  const found = walk(dir);
  if (!found) throw new Error(`no ${name} under ${dir}`);
  return found;
}
