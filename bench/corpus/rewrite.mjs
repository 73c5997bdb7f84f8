#!/usr/bin/env node
// Deterministic corpus of the harnesses whose stores are rewritten whole or updated in place,
// in two phases, with the exact totals a correct ingest must report after each (`tally-<phase>.json`):
//   <out>/amp/threads/T-*.json       Amp threads (some with a legacy usage ledger)
//   <out>/vscode/User/globalStorage/<extension>/tasks/<task>/ui_messages.json (+ API history)
//                                    Cline, Roo Code and Kilo Code tasks
//   <out>/kilo/kilo.db               a Kilo CLI database (OpenCode's tables)
// Phase 1 writes the stores; phase 2 (same seed, same directory) rewrites them as the harnesses
// do: threads and tasks gain calls, an in-flight request or message gets its usage, a cancelled
// request is revised upward, a checkpoint restore replaces requests with a `deleted_api_reqs`
// sum (which also holds a request no read ever saw), an edited Amp thread loses a message its
// ledger still describes, and Kilo rows are updated in place. `tally-2.json` holds the totals of
// an ingest of phase 1 followed by one of phase 2 (`byHarness`) and of a first ingest of phase 2
// alone (`coldByHarness`: the same tokens, other turn counts where a restore summed requests).
//
// Usage: node bench/corpus/rewrite.mjs --out DIR --phase 1|2 [--seed 1] [--scale 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import { corpusArgs, isMain } from './args.mjs';
import { makeRandom } from './claude.mjs';
import { add, zero } from './tally.mjs';

export const REWRITE_GENERATOR_VERSION = 1;
const BASE_MS = Date.UTC(2026, 5, 30);
const HEX = '0123456789abcdef';
const HARNESSES = ['amp', 'kilo', 'cline', 'roo-code', 'kilo-code'];
const EXTENSIONS = {
  cline: 'saoudrizwan.claude-dev',
  'roo-code': 'rooveterinaryinc.roo-cline',
  'kilo-code': 'kilocode.kilo-code',
};

const iso = (ms) => new Date(ms).toISOString();
function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

// ---------------------------------------------------------------------------------------------
// Amp: one turn per assistant message with usage (`inputTokens` without the cache parts).

function ampPlan(r, n) {
  return Array.from({ length: n }, (_, t) => {
    const created = BASE_MS + t * 3_600_000;
    const calls = Array.from({ length: r.int(2, 8) }, (_, i) => ({
      mid: 2 * i + 1,
      ts: created + (i + 1) * r.int(5, 90) * 1000,
      model: r.pick(['claude-sonnet-4-5', 'claude-opus-4-5', 'gpt-5']),
      usage: {
        input: r.int(1, 50),
        output: r.int(20, 2000),
        cacheWrite5m: r.int(0, 4000),
        cacheRead: r.int(0, 60000),
      },
      phase: 1,
    }));
    for (let i = 0, extra = r.int(0, 4); i < extra; i++) {
      const last = calls[calls.length - 1];
      calls.push({
        ...last,
        mid: last.mid + 2,
        ts: last.ts + r.int(5, 90) * 1000,
        usage: { ...last.usage, output: r.int(1, 900) },
        phase: 2,
      });
    }
    const legacy = r.int(0, 2) === 0;
    return {
      id: `T-${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-${r.chars(HEX, 4)}-${r.chars(HEX, 12)}`,
      created,
      calls,
      legacy,
      // The last phase-1 call still streams when phase 1 is written (no usage yet).
      inFlight: r.int(0, 3) === 0,
      // Phase 2 edits the thread: the first call's message is removed, its ledger event stays.
      edited: legacy && r.int(0, 1) === 0,
      // Ledger events that name no message (matched by model and counts).
      unnamed: r.int(0, 1) === 0,
    };
  });
}

function ampDoc(t, phase) {
  const lastPhase1 = t.calls.filter((c) => c.phase === 1).at(-1);
  const messages = [];
  const events = [];
  for (const c of t.calls.filter((c) => c.phase <= phase)) {
    const streaming = phase === 1 && t.inFlight && c === lastPhase1;
    const removed = phase === 2 && t.edited && c === t.calls[0];
    const u = c.usage;
    if (!removed) {
      messages.push({
        role: 'user',
        messageId: c.mid - 1,
        content: [{ type: 'text', text: 'go on' }],
        meta: { sentAt: c.ts - 2000 },
      });
      messages.push({
        role: 'assistant',
        messageId: c.mid,
        content: [
          { type: 'text', text: 'Working on it.' },
          { type: 'tool_use', id: `toolu_${c.mid}`, name: 'Read', input: { path: '/w/src/lib.rs' } },
        ],
        state: streaming ? { type: 'streaming' } : { type: 'complete', stopReason: 'tool_use' },
        ...(streaming
          ? {}
          : {
              usage: {
                model: c.model,
                maxInputTokens: 168000,
                inputTokens: u.input,
                outputTokens: u.output,
                cacheCreationInputTokens: u.cacheWrite5m,
                cacheReadInputTokens: u.cacheRead,
                totalInputTokens: u.input + u.cacheWrite5m + u.cacheRead,
                timestamp: iso(c.ts),
              },
            }),
      });
    }
    if (t.legacy && !streaming) {
      events.push({
        id: `ev-${c.mid}`,
        timestamp: iso(c.ts),
        model: c.model,
        credits: 1.5,
        tokens: { input: u.input, output: u.output, total: u.input + u.output },
        operationType: 'inference',
        fromMessageId: c.mid - 1,
        ...(t.unnamed && c !== t.calls[0] ? {} : { toMessageId: c.mid }),
      });
    }
  }
  const doc = {
    v: messages.length,
    id: t.id,
    created: t.created,
    title: 'Refactor the parser',
    messages,
    env: { initial: { trees: [{ displayName: 'w', uri: 'file:///w' }] } },
  };
  if (t.legacy) doc.usageLedger = { events };
  return doc;
}

function ampTally(threads, phase, cold) {
  const t = zero();
  for (const th of threads) {
    const lastPhase1 = th.calls.filter((c) => c.phase === 1).at(-1);
    for (const c of th.calls.filter((c) => c.phase <= phase)) {
      if (phase === 1 && th.inFlight && c === lastPhase1) continue;
      const removed = phase === 2 && th.edited && c === th.calls[0];
      // A cold read of an edited thread knows the removed call only from its ledger event.
      add(t, removed && cold ? { input: c.usage.input, output: c.usage.output } : c.usage);
    }
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Cline family: one turn per `api_req_started` entry with counts.

function taskPlan(r, n) {
  return Array.from({ length: n }, (_, k) => {
    const harness = ['cline', 'roo-code', 'kilo-code'][k % 3];
    const start = BASE_MS + k * 7_200_000 + 17;
    let ts = start;
    const req = (phase) => {
      ts += r.int(3, 60) * 1000;
      const input = r.int(1, 40);
      const cacheWrite5m = r.int(50, 3000);
      const cacheRead = r.int(0, 40000);
      const output = r.int(10, 1500);
      const reasoning = harness === 'cline' ? r.int(0, 200) : 0;
      return { ts, input, output, reasoning, cacheWrite5m, cacheRead, cost: r.int(1, 5000) / 1e5, phase };
    };
    const reqs = Array.from({ length: r.int(3, 7) }, () => req(1));
    // Two distinct requests stamped in the same millisecond.
    if (r.int(0, 3) === 0) reqs.push({ ...req(1), ts: reqs.at(-1).ts });
    const restore = harness === 'cline' && r.int(0, 1) === 0;
    const more = Array.from({ length: r.int(0, 3) }, () => req(2));
    const ghost = restore ? req(2) : null;
    return {
      harness,
      id: String(start),
      model: harness === 'cline' ? 'claude-sonnet-4-5' : r.pick(['claude-sonnet-4-5', 'gpt-5', 'glm-4.6']),
      reqs,
      more,
      restore,
      ghost,
      // A request still in flight when phase 1 is written (never one a restore removes).
      inFlight: !restore && r.int(0, 2) === 0,
      cancelled: r.int(0, 2) === 0 ? r.int(0, reqs.length - 2) : -1,
      subagents:
        harness === 'cline' && r.int(0, 2) === 0 ? { input: r.int(100, 900), output: r.int(10, 90) } : null,
      endTs: ts + 60_000,
    };
  });
}

/** `text` of a request entry, as each extension writes it. */
function reqInfo(task, q, usage) {
  const u = usage ?? q;
  const common = { request: '<task>\nfix the failing test\n</task>', cost: q.cost };
  if (task.harness === 'cline')
    return {
      ...common,
      tokensIn: u.input,
      tokensOut: u.output,
      cacheWrites: u.cacheWrite5m,
      cacheReads: u.cacheRead,
      ...(u.reasoning ? { reasoningTokens: u.reasoning } : {}),
    };
  const tokensIn = u.input + u.cacheWrite5m + u.cacheRead; // the inclusive total
  if (task.harness === 'roo-code')
    return {
      ...common,
      tokensIn,
      tokensOut: u.output,
      cacheWrites: u.cacheWrite5m,
      cacheReads: u.cacheRead,
      apiProtocol: 'anthropic',
    };
  return {
    ...common,
    tokensIn,
    tokensOut: u.output,
    cacheWrites: u.cacheWrite5m,
    cacheReads: u.cacheRead,
    apiProtocol: 'openai',
    inferenceProvider: 'Anthropic',
  };
}

function taskFiles(task, phase) {
  const entries = [{ ts: Number(task.id), type: 'say', say: 'task', text: 'fix the failing test' }];
  const say = (ts, sayType, text, extra = {}) =>
    entries.push({ ts, type: 'say', say: sayType, text, ...extra });
  const modelInfo =
    task.harness === 'cline'
      ? { modelInfo: { providerId: 'anthropic', modelId: task.model, mode: 'act' } }
      : {};
  const restored = phase === 2 && task.restore;
  const kept = restored ? task.reqs.slice(0, -2) : task.reqs;
  for (const [i, q] of kept.entries()) {
    const last = i === task.reqs.length - 1;
    if (phase === 1 && task.inFlight && last) {
      say(
        q.ts,
        'api_req_started',
        JSON.stringify({ request: '<task>\nfix the failing test\n</task>' }),
        modelInfo,
      );
      continue;
    }
    if (phase === 1 && i === task.cancelled) {
      const partial = { ...q, output: Math.floor(q.output / 3), reasoning: 0 };
      say(
        q.ts,
        'api_req_started',
        JSON.stringify({
          ...reqInfo(task, q, partial),
          cancelReason: 'user_cancelled',
          streamingFailedMessage: 'aborted',
        }),
        modelInfo,
      );
      continue;
    }
    say(q.ts, 'api_req_started', JSON.stringify(reqInfo(task, q)), {
      ...modelInfo,
      conversationHistoryIndex: 2 * i + 1,
    });
    say(q.ts + 900, 'text', 'Running the tests now.', { partial: false });
  }
  if (restored) {
    const gone = [...task.reqs.slice(-2), task.ghost];
    const sum = { input: 0, output: 0, reasoning: 0, cacheWrite5m: 0, cacheRead: 0 };
    for (const g of gone) for (const k of Object.keys(sum)) sum[k] += g[k];
    const cost = gone.reduce((c, g) => c + g.cost, 0);
    say(
      task.ghost.ts + 1000,
      'deleted_api_reqs',
      JSON.stringify({ ...reqInfo(task, { ...sum, cost }), request: undefined }),
    );
  }
  if (phase === 2) {
    for (const q of task.more)
      say(q.ts + 5000, 'api_req_started', JSON.stringify(reqInfo(task, q)), modelInfo);
    if (task.subagents)
      say(
        task.endTs,
        'subagent_usage',
        JSON.stringify({
          source: 'subagents',
          tokensIn: task.subagents.input,
          tokensOut: task.subagents.output,
          cacheWrites: 0,
          cacheReads: 0,
          cost: 0.01,
        }),
      );
  }
  const history = [
    {
      role: 'user',
      ts: Number(task.id) + 1,
      content: [
        { type: 'text', text: '<task>fix the failing test</task>' },
        {
          type: 'text',
          text: `<environment_details>\n# Current Workspace Directory (/w/app) Files\nsrc/\n# Current Mode\n<slug>code</slug>\n<name>Code</name>\n<model>${task.model}</model>\n</environment_details>`,
        },
      ],
    },
    { role: 'assistant', ts: Number(task.id) + 2, content: [{ type: 'text', text: 'On it.' }] },
  ];
  // Roo Code keeps its task list entry beside the task; a subtask names its parent.
  const item =
    task.harness === 'roo-code'
      ? JSON.stringify({
          id: task.id,
          ...(task.parent ? { parentTaskId: task.parent, rootTaskId: task.parent } : {}),
          number: 1,
          ts: Number(task.id),
          task: 'fix the failing test',
          tokensIn: 1,
          tokensOut: 1,
          totalCost: 0,
          workspace: '/w/app',
          mode: 'code',
        })
      : null;
  return { ui: JSON.stringify(entries), history: JSON.stringify(history), item };
}

function taskTally(tasks, phase, cold) {
  const by = Object.fromEntries(Object.keys(EXTENSIONS).map((h) => [h, zero()]));
  for (const task of tasks) {
    const t = by[task.harness];
    const restored = phase === 2 && task.restore;
    for (const [i, q] of task.reqs.entries()) {
      const last = i === task.reqs.length - 1;
      if (phase === 1 && task.inFlight && last) continue;
      const deleted = restored && i >= task.reqs.length - 2;
      if (deleted && cold) continue; // a cold read sees them only in the sum
      const u =
        phase === 1 && i === task.cancelled ? { ...q, output: Math.floor(q.output / 3), reasoning: 0 } : q;
      add(t, { ...u, output: u.output + u.reasoning });
    }
    if (restored) {
      // The sum is one turn: all of it on a cold read, only the unseen request otherwise.
      const parts = cold ? [...task.reqs.slice(-2), task.ghost] : [task.ghost];
      for (const g of parts) add(t, { ...g, output: g.output + g.reasoning }, 0);
      t.turns += 1;
    }
    if (phase === 2) {
      for (const q of task.more) add(t, { ...q, output: q.output + q.reasoning });
      if (task.subagents) add(t, task.subagents);
    }
  }
  return by;
}

// ---------------------------------------------------------------------------------------------
// Kilo CLI: OpenCode's tables; output excludes reasoning (added back), one turn per step.

const KILO_SCHEMA = `
CREATE TABLE project (id text PRIMARY KEY, worktree text NOT NULL, time_created integer NOT NULL, time_updated integer NOT NULL);
CREATE TABLE session (id text PRIMARY KEY, project_id text NOT NULL, parent_id text, slug text, directory text NOT NULL,
  title text NOT NULL, version text, time_created integer NOT NULL, time_updated integer NOT NULL);
CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL,
  time_updated integer NOT NULL, data text NOT NULL);
CREATE TABLE part (id text PRIMARY KEY, message_id text NOT NULL, session_id text NOT NULL,
  time_created integer NOT NULL, time_updated integer NOT NULL, data text NOT NULL);`;

function kiloPlan(r, n) {
  const sessions = [];
  for (let s = 0; s < n; s++) {
    const id = `ses_${String(s).padStart(4, '0')}${r.chars(HEX, 8)}`;
    const parent = s > 0 && r.int(0, 2) === 0 ? sessions[r.int(0, s - 1)].id : null;
    const msgs = Array.from({ length: r.int(2, 6) }, (_, m) => {
      const steps = r.int(0, 2);
      const tok = () => ({
        input: r.int(1, 900),
        output: r.int(5, 1200),
        reasoning: r.int(0, 300),
        cache: { read: r.int(0, 30000), write: r.int(0, 2000) },
      });
      return {
        id: `msg_${s}_${m}_${r.chars(HEX, 6)}`,
        ms: BASE_MS + s * 3_600_000 + m * 60_000,
        steps: Array.from({ length: steps }, tok),
        tokens: tok(),
        phase: m >= 2 && r.int(0, 2) === 0 ? 2 : 1,
      };
    });
    // The last phase-1 message is unfinished when phase 1 is written (smaller tokens, no end).
    const ones = msgs.filter((m) => m.phase === 1);
    sessions.push({ id, parent, msgs, open: r.int(0, 1) === 0 ? ones.at(-1).id : null });
  }
  return sessions;
}

const kiloUsage = (t) => ({
  input: t.input,
  output: t.output + t.reasoning,
  reasoning: t.reasoning,
  cacheRead: t.cache.read,
  cacheWrite5m: t.cache.write,
});

function kiloPartial(m) {
  return { ...m, steps: [], tokens: { ...m.tokens, output: Math.floor(m.tokens.output / 4) } };
}

async function writeKilo(path, sessions, phase) {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(KILO_SCHEMA);
  db.run(`INSERT INTO project VALUES ('prj', '/w/kilo', ${BASE_MS}, ${BASE_MS})`);
  // Kilo stamps a row when it writes it: each phase after every message time of the corpus.
  const updated = BASE_MS + phase * 1000 * 86_400_000;
  for (const s of sessions) {
    db.run('INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      s.id,
      'prj',
      s.parent,
      'slug',
      '/w/kilo',
      s.parent ? 'Child session' : 'Kilo task',
      '1.0.0',
      BASE_MS,
      updated,
    ]);
    for (const plan of s.msgs.filter((m) => m.phase <= phase)) {
      const open = phase === 1 && plan.id === s.open;
      const m = open ? kiloPartial(plan) : plan;
      const data = {
        role: 'assistant',
        time: open ? { created: m.ms } : { created: m.ms, completed: m.ms + 4000 },
        modelID: 'claude-sonnet-4-5',
        providerID: 'kilo',
        mode: 'code',
        path: { cwd: '/w/kilo', root: '/w/kilo' },
        cost: 0.002,
        tokens: m.steps.at(-1) ?? m.tokens,
        ...(open ? {} : { finish: 'stop' }),
      };
      // Rows are stamped when last written: phase-2 rows (new or finished now) after phase 1's.
      const rowUpdated = plan.phase === 2 || plan.id === s.open ? updated : m.ms + 4000;
      db.run('INSERT INTO message VALUES (?, ?, ?, ?, ?)', [
        m.id,
        s.id,
        m.ms,
        rowUpdated,
        JSON.stringify(data),
      ]);
      for (const [i, t] of m.steps.entries()) {
        const part = {
          type: 'step-finish',
          reason: i < m.steps.length - 1 ? 'tool-calls' : 'stop',
          cost: 0.001,
          tokens: t,
        };
        db.run('INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)', [
          `prt_${m.id}_${i}`,
          m.id,
          s.id,
          m.ms,
          rowUpdated,
          JSON.stringify(part),
        ]);
      }
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, db.export());
  db.close();
}

function kiloTally(sessions, phase) {
  const t = zero();
  for (const s of sessions)
    for (const plan of s.msgs.filter((m) => m.phase <= phase)) {
      const m = phase === 1 && plan.id === s.open ? kiloPartial(plan) : plan;
      if (m.steps.length) for (const st of m.steps) add(t, kiloUsage(st));
      else add(t, kiloUsage(m.tokens));
    }
  return t;
}

// ---------------------------------------------------------------------------------------------

/** Writes phase `phase` of the corpus into `out` and returns its tally (also `tally-<phase>.json`). */
export async function generateRewriteCorpus({ out, phase, seed = 1, scale = 1 }) {
  const r = makeRandom(seed);
  const threads = ampPlan(r, 12 * scale);
  const tasks = taskPlan(r, 18 * scale);
  // Every other Roo Code task after the first is a subtask of the one before it.
  const roo = tasks.filter((t) => t.harness === 'roo-code');
  for (let i = 1; i < roo.length; i += 2) roo[i].parent = roo[i - 1].id;
  const kilo = kiloPlan(r, 8 * scale);
  for (const t of threads)
    write(join(out, 'amp', 'threads', `${t.id}.json`), JSON.stringify(ampDoc(t, phase)));
  for (const task of tasks) {
    const dir = join(out, 'vscode', 'User', 'globalStorage', EXTENSIONS[task.harness], 'tasks', task.id);
    const { ui, history, item } = taskFiles(task, phase);
    write(join(dir, 'ui_messages.json'), ui);
    write(join(dir, 'api_conversation_history.json'), history);
    if (item) write(join(dir, 'history_item.json'), item);
  }
  await writeKilo(join(out, 'kilo', 'kilo.db'), kilo, phase);
  const byHarness = {
    amp: ampTally(threads, phase, false),
    kilo: kiloTally(kilo, phase),
    ...taskTally(tasks, phase, false),
  };
  const coldByHarness = {
    amp: ampTally(threads, phase, true),
    kilo: kiloTally(kilo, phase),
    ...taskTally(tasks, phase, true),
  };
  const result = {
    generator: `gen-rewrite-corpus v${REWRITE_GENERATOR_VERSION}`,
    seed,
    phase,
    byHarness,
    coldByHarness,
    files: {
      amp: threads.length,
      kilo: 1,
      ...Object.fromEntries(
        Object.keys(EXTENSIONS).map((h) => [h, tasks.filter((t) => t.harness === h).length]),
      ),
    },
    traps: {
      ampLegacyThreads: threads.filter((t) => t.legacy).length,
      ampEditedThreads: threads.filter((t) => t.edited).length,
      ampInFlight: threads.filter((t) => t.inFlight).length,
      taskRestores: tasks.filter((t) => t.restore).length,
      taskInFlight: tasks.filter((t) => t.inFlight).length,
      taskCancelled: tasks.filter((t) => t.cancelled >= 0).length,
      taskSubagents: tasks.filter((t) => t.subagents).length,
      rooSubtasks: roo.filter((t) => t.parent).length,
      kiloOpen: kilo.filter((s) => s.open).length,
      kiloChildren: kilo.filter((s) => s.parent).length,
    },
  };
  for (const h of HARNESSES) if (!result.byHarness[h]) throw new Error(`no tally for ${h}`);
  writeFileSync(join(out, `tally-${phase}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

async function main() {
  const { out, phase, seed, scale } = corpusArgs(
    'rewrite.mjs',
    {
      phase: { default: 1, ok: (v) => v === 1 || v === 2, hint: '1 or 2' },
      scale: { default: 1, ok: (v) => Number.isInteger(v) && v >= 1 },
    },
    { outRequired: true },
  );
  await generateRewriteCorpus({ out, phase, seed, scale });
}

if (isMain(import.meta.url)) await main();
