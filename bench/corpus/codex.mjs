#!/usr/bin/env node
// Codex CLI homes: `sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`, shaped as Codex writes
// them, with the exact totals a correct ingest must report. Rollouts carry cumulative
// `token_count` snapshots (each often written twice), one to three model calls per turn
// (reasoning with encrypted content, `exec_command` calls and their output), `turn_context`
// model switches, late snapshots after `task_complete`, and forks / spawned subagents whose
// files start by replaying their parent's rows (token_counts included; a fork's replay is
// stamped with the fork instant, a subagent's keeps the original stamps): only the child's
// growth beyond the parent's totals counts. `append` adds a turn to a written rollout, as
// Codex does while a session runs.
//
// `mixed.mjs` writes one inside its mixed corpus; alone:
// Usage: node bench/corpus/codex.mjs --out DIR [--mb 100] [--files 200] [--seed 1] [--quiet]
//   writes DIR/tally.json (`turns`, token classes, `files`, `bytes`, per-session turns).
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusArgs, isMain } from './args.mjs';
import { makeRandom } from './claude.mjs';
import { add, zero } from './tally.mjs';
import { BASE_MS, HEX, OLD_MS, sentence, words } from './text.mjs';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODEX_MODELS = ['gpt-5.4', 'gpt-5.3-codex', 'gpt-5.1-codex-mini'];

function uuid7(r, ms) {
  const h = r.chars(HEX, 32);
  const t = ms.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(13, 16)}-${'89ab'[r.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

const wire = (t) => ({
  input_tokens: t.input,
  cached_input_tokens: t.cached,
  output_tokens: t.output,
  reasoning_output_tokens: t.reasoning,
  total_tokens: t.input + t.output,
});

/**
 * Writes rollouts into a Codex home at `root`. `tally` receives each rollout's counts
 * (`session('codex', id, counts)`) and each call's usage by model (`byModel(model)`, an
 * accumulator).
 */
export class Codex {
  constructor(r, root, tally) {
    this.r = r;
    this.root = root;
    this.tally = tally;
    this.parents = []; // { id, rows (after session_meta), totals, endMs, project }
    this.files = 0;
    this.bytes = 0;
    this.forks = 0;
    this.subagents = 0;
    this.repeatedSnapshots = 0;
    this.lateSnapshots = 0;
    this.modelSwitches = 0;
  }

  row(ms, type, payload) {
    return `${JSON.stringify({ timestamp: new Date(ms).toISOString(), type, payload })}\n`;
  }

  /**
   * `count` rollouts of about `perRollout` bytes on average: mostly roots, a tenth each forks
   * and subagents (the first five make sure each kind is present, even in a tiny home).
   */
  rollouts(count, perRollout) {
    const r = this.r;
    const written = [];
    for (let i = 0; i < count; i++) {
      const kind =
        i < 3
          ? 'root'
          : i === 3
            ? 'fork'
            : i === 4
              ? 'subagent'
              : r.weighted([
                  ['root', 8],
                  ['fork', 1],
                  ['subagent', 1],
                ]);
      written.push(this.rollout(Math.max(2000, r.lognormal(perRollout, 0.8)), kind));
    }
    return written;
  }

  /**
   * One rollout of about `budget` bytes; `kind`: root | fork | subagent. Returns its state
   * (`id`, `path`, `counts`: what it adds to the totals), which `append` continues.
   */
  rollout(budget, kind) {
    const r = this.r;
    const parent = kind !== 'root' && this.parents.length ? r.pick(this.parents) : null;
    if (!parent) kind = 'root';
    const startMs = parent ? parent.endMs + r.int(60, 3600) * 1000 : BASE_MS - r.int(0, 59 * 86400) * 1000;
    const id = uuid7(r, startMs);
    const project = parent ? parent.project : `/home/dev/src/codex-${r.int(0, 20)}`;
    const metaPayload = (sid, ms, extra = {}) => ({
      id: sid,
      timestamp: new Date(ms).toISOString(),
      cwd: project,
      originator: 'codex_cli_rs',
      cli_version: '0.50.0',
      instructions: null,
      source: 'cli',
      model_provider: 'openai',
      git: { commit_hash: r.chars(HEX, 40), branch: 'main', repository_url: 'git@example.com:dev/app.git' },
      ...extra,
    });
    let text = '';
    if (kind === 'fork') {
      this.forks++;
      text += this.row(startMs, 'session_meta', metaPayload(id, startMs, { forked_from_id: parent.id }));
      // The parent's meta and history, stamped with the fork instant.
      text += this.row(startMs, 'session_meta', metaPayload(parent.id, startMs));
      text += parent.rows
        .map((l) => l.replace(/^\{"timestamp":"[^"]+"/, `{"timestamp":"${new Date(startMs).toISOString()}"`))
        .join('');
    } else if (kind === 'subagent') {
      this.subagents++;
      const extra = { source: { subagent: { thread_spawn: { parent_thread_id: parent.id, depth: 1 } } } };
      text += this.row(startMs, 'session_meta', metaPayload(id, startMs, extra));
      text += parent.rows.join(''); // original stamps, all before the child's creation
    } else {
      text += this.row(startMs, 'session_meta', metaPayload(id, startMs));
    }
    const ms = startMs + r.int(5, 60) * 1000;
    const s = {
      id,
      project,
      path: '',
      ms,
      model: r.pick(CODEX_MODELS),
      n: 0,
      totals: parent ? { ...parent.totals } : { input: 0, cached: 0, output: 0, reasoning: 0 },
      counts: zero(),
    };
    const own = [];
    let bytes = Buffer.byteLength(text);
    do {
      const rows = this.turn(s);
      own.push(...rows);
      bytes += rows.reduce((n, l) => n + Buffer.byteLength(l), 0);
    } while (bytes < budget);
    text += own.join('');
    const d = new Date(startMs);
    const ymd = [
      String(d.getUTCFullYear()),
      String(d.getUTCMonth() + 1).padStart(2, '0'),
      String(d.getUTCDate()).padStart(2, '0'),
    ];
    const dir = join(this.root, 'sessions', ...ymd);
    mkdirSync(dir, { recursive: true });
    const stamp = d.toISOString().slice(0, 19).replaceAll(':', '-');
    s.path = join(dir, `rollout-${stamp}-${id}.jsonl`);
    writeFileSync(s.path, text);
    utimesSync(s.path, OLD_MS / 1000, OLD_MS / 1000);
    this.files++;
    this.bytes += Buffer.byteLength(text);
    this.tally.session('codex', id, s.counts);
    // Later children replay this file's rows (after its session_meta) and continue its totals.
    if (kind === 'root' && this.parents.length < 50) {
      const lines = text
        .split('\n')
        .filter(Boolean)
        .slice(1)
        .map((l) => `${l}\n`);
      this.parents.push({ id, rows: lines, totals: s.totals, endMs: s.ms, project });
    }
    return s;
  }

  /**
   * One more turn at the end of a written rollout (its totals continue). Returns the counts it
   * adds; the rollout's `counts` include them. The tally given to the constructor is not told.
   */
  append(s) {
    const before = { ...s.counts };
    const text = this.turn(s).join('');
    appendFileSync(s.path, text);
    this.bytes += Buffer.byteLength(text);
    const added = zero();
    for (const k of Object.keys(added)) added[k] = s.counts[k] - before[k];
    return added;
  }

  /** The rows of rollout `s`'s next turn; advances its clock, model, totals and counts. */
  turn(s) {
    const r = this.r;
    s.n++;
    if (s.n > 1 && r.chance(0.15)) {
      s.model = r.pick(CODEX_MODELS.filter((m) => m !== s.model));
      this.modelSwitches++;
    }
    const { model, project } = s;
    const turnId = `${s.id.slice(0, 8)}-t${s.n}`;
    const rows = [];
    const push = (line) => rows.push(line);
    push(
      this.row(s.ms, 'turn_context', {
        turn_id: turnId,
        cwd: project,
        approval_policy: 'on-request',
        model,
        effort: 'medium',
      }),
    );
    push(
      this.row(s.ms, 'event_msg', { type: 'task_started', turn_id: turnId, model_context_window: 272000 }),
    );
    const prompt = sentence(r, r.int(5, 40));
    push(
      this.row(s.ms, 'response_item', {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: prompt }],
      }),
    );
    push(this.row(s.ms, 'event_msg', { type: 'user_message', message: prompt, images: [] }));
    const calls = r.int(1, 3);
    for (let c = 0; c < calls; c++) {
      s.ms += r.int(2, 30) * 1000;
      const ms = s.ms;
      push(
        this.row(ms, 'response_item', {
          type: 'reasoning',
          summary: [{ type: 'summary_text', text: sentence(r, 12) }],
          content: null,
          encrypted_content: r.chars(B64, r.int(800, 4000)),
        }),
      );
      if (c < calls - 1 || r.chance(0.3)) {
        const callId = `call_${r.chars(HEX, 24)}`;
        push(
          this.row(ms, 'response_item', {
            type: 'function_call',
            name: 'exec_command',
            arguments: JSON.stringify({ cmd: `rg -n ${r.pick(words)} src`, workdir: project }),
            call_id: callId,
          }),
        );
        push(
          this.row(ms + 400, 'response_item', {
            type: 'function_call_output',
            call_id: callId,
            output: `src/${r.pick(words)}.rs:${r.int(1, 900)}: ${sentence(r, 10)}\n`.repeat(r.int(1, 40)),
          }),
        );
      } else {
        push(this.row(ms, 'event_msg', { type: 'agent_message', message: sentence(r, 20) }));
        push(
          this.row(ms, 'response_item', {
            type: 'message',
            role: 'assistant',
            content: [{ type: 'output_text', text: sentence(r, 20) }],
          }),
        );
      }
      // One model call: its usage grows the cumulative totals.
      const inTok = r.int(2000, 60000);
      const cached = r.chance(0.8) ? r.int(0, inTok) : 0;
      const outTok = r.int(10, 3000);
      const reas = r.chance(0.7) ? r.int(0, outTok) : 0;
      const last = { input: inTok, cached, output: outTok, reasoning: reas };
      const t = s.totals;
      s.totals = {
        input: t.input + inTok,
        cached: t.cached + cached,
        output: t.output + outTok,
        reasoning: t.reasoning + reas,
      };
      // One model call is one turn (its token_count's own usage).
      const call = { input: inTok - cached, cacheRead: cached, output: outTok, reasoning: reas };
      add(s.counts, call);
      add(this.tally.byModel(model), call);
      const late = c === calls - 1 && r.chance(0.08);
      const tc = this.row(ms + 500, 'event_msg', {
        type: 'token_count',
        info: {
          total_token_usage: wire(s.totals),
          last_token_usage: wire(last),
          model_context_window: 272000,
        },
        rate_limits: { primary: { used_percent: r.int(0, 90), window_minutes: 300 } },
      });
      if (late) {
        // The final snapshot lands after task_complete: still this turn's.
        this.lateSnapshots++;
        push(
          this.row(ms + 450, 'event_msg', {
            type: 'task_complete',
            turn_id: turnId,
            last_agent_message: 'ok',
          }),
        );
        push(tc);
      } else {
        push(tc);
        if (r.chance(0.5)) {
          push(tc); // Codex often writes the same snapshot twice
          this.repeatedSnapshots++;
        }
        if (c === calls - 1)
          push(
            this.row(ms + 600, 'event_msg', {
              type: 'task_complete',
              turn_id: turnId,
              last_agent_message: 'ok',
            }),
          );
      }
    }
    s.ms += r.int(30, 900) * 1000;
    return rows;
  }
}

/**
 * Writes a Codex home of about `mb` MB in `files` rollouts into `out` (replaced) and returns
 * its generator and rollouts with the tally (`turns` and token classes, `bySession`).
 */
export function generateCodexHome({ out, mb = 100, files = 200, seed = 1 }) {
  rmSync(out, { recursive: true, force: true });
  const totals = zero();
  const bySession = {};
  const tally = {
    session(_h, id, counts) {
      bySession[id] = counts.turns;
      add(totals, counts, counts.turns);
    },
    byModel: () => zero(),
  };
  const codex = new Codex(makeRandom(seed * 7919 + 17), out, tally);
  const rollouts = codex.rollouts(files, (mb * 1e6) / files);
  return { codex, rollouts, tally: { ...totals, bySession } };
}

function main() {
  const { out, mb, files, seed, quiet } = corpusArgs(
    'codex.mjs',
    { mb: { default: 100, ok: (v) => v > 0 }, files: { default: 200, ok: (v) => v >= 1 } },
    { outRequired: true },
  );
  const { codex, tally } = generateCodexHome({ out, mb, files, seed });
  writeFileSync(
    join(out, 'tally.json'),
    `${JSON.stringify({ ...tally, files: codex.files, bytes: codex.bytes }, null, 2)}\n`,
  );
  if (!quiet)
    console.log(
      `wrote ${codex.files} rollouts, ${(codex.bytes / 1e6).toFixed(1)} MB, ${tally.turns} turns to ${out}`,
    );
}

if (isMain(import.meta.url)) main();
