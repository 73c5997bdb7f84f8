#!/usr/bin/env node
// Deterministic corpus of the harnesses that keep session totals, with the exact totals a
// correct ingest must report per harness (`tally.json`):
//   <out>/droid/   Factory Droid sessions: [-<slug>/]<id>.settings.json (cumulative tokenUsage)
//                  + <id>.jsonl transcripts (session_start, user and assistant messages over
//                  several days); stale copies of some sessions in another folder with smaller
//                  counters (older files: the newer one counts); sessions without tokenUsage.
//   <out>/goose/   a Goose root: data/sessions/sessions.db (accumulated_* totals, the last
//                  call's plain *_tokens beside them, child sessions, assistant messages).
//   <out>/crush/   projects.json naming project data dirs, each with a crush.db whose root
//                  sessions carry the running cost (children's included) and token columns
//                  that are one step's, not the session's.
// `--update` then changes the corpus in place as the harnesses do (settings files rewritten
// with larger totals, database rows updated, replies appended) and writes the new tally.
//
// Usage: node bench/corpus/totals.mjs --out DIR [--sessions 60] [--seed 1] [--update] [--quiet]
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { corpusArgs, isMain } from './args.mjs';
import { makeRandom } from './claude.mjs';

const DAY = 86_400_000;
const BUCKET = 900_000;
const BASE_MS = Date.UTC(2026, 5, 1, 9);
const iso = (ms) => new Date(ms).toISOString();

/** The turns a spread total becomes: one per 15-minute bucket and model of its replies. */
function parts(replies) {
  if (replies.length === 0) return 1;
  return new Set(replies.map(([ts, model]) => `${Math.floor(ts / BUCKET)}|${model}`)).size;
}

function emptyTally() {
  const h = () => ({ turns: 0, input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0, sessions: 0 });
  return { byHarness: { droid: h(), goose: h(), crush: h() }, costUsd: { crush: 0 } };
}

/** The corpus as data, from the seed; `round` 1 is the update. */
function model(seed, sessions, round) {
  const r = makeRandom(seed);
  const droid = [];
  const goose = [];
  const crush = [];
  for (let i = 0; i < sessions; i++) {
    const start = BASE_MS + r.int(0, 20) * DAY + r.int(0, 23) * 3_600_000;
    // Replies spread over up to four days; the update appends more on a later day.
    const replies = [];
    const n = r.int(1, 12);
    for (let k = 0; k < n; k++) replies.push(start + r.int(0, 3) * DAY + r.int(0, 50) * 60_000 + k);
    if (round === 1 && i % 2 === 0) replies.push(start + 5 * DAY + i);
    replies.sort((a, b) => a - b);
    const grow = round === 1 && i % 2 === 0 ? 3 : 1;
    const usage = {
      input: r.int(100, 50_000) * grow,
      output: r.int(10, 5_000) * grow,
      cacheRead: r.int(0, 400_000) * grow,
      cacheWrite: r.int(0, 20_000) * grow,
      thinking: r.chance(0.5) ? r.int(1, 2_000) * grow : 0,
    };
    const kind = i % 3;
    if (kind === 0)
      droid.push({ id: `d${i}-${seed}`, replies, usage, slug: `-work-p${i % 4}`, noUsage: i % 11 === 0 });
    if (kind === 1)
      goose.push({
        id: `2026060${i % 9}_${i}`,
        replies,
        usage,
        parent: i % 7 === 1 && goose.length > 0 ? goose[0].id : null,
      });
    if (kind === 2) {
      const cost = Math.round(r.int(1, 9_000) * grow) / 1000;
      crush.push({
        id: `c${i}`,
        replies,
        cost,
        model: r.pick(['gpt-5', 'claude-sonnet-4-5']),
        child: i % 5 === 2,
      });
    }
  }
  return { droid, goose, crush };
}

function writeDroid(out, sessions, tally) {
  const t = tally.byHarness.droid;
  for (const s of sessions) {
    const dir = join(out, 'droid', s.slug);
    mkdirSync(dir, { recursive: true });
    const u = s.usage;
    const tokenUsage = s.noUsage
      ? {}
      : {
          tokenUsage: {
            inputTokens: u.input,
            outputTokens: u.output,
            cacheCreationTokens: u.cacheWrite,
            cacheReadTokens: u.cacheRead,
            thinkingTokens: u.thinking,
            totalTokens: u.input + u.output + u.cacheWrite + u.cacheRead + u.thinking,
          },
        };
    const settings = {
      model: 'claude-sonnet-4-5-20250929',
      providerLock: 'anthropic',
      providerLockTimestamp: iso(s.replies[0] - 60_000),
      ...tokenUsage,
    };
    writeFileSync(join(dir, `${s.id}.settings.json`), JSON.stringify(settings));
    const lines = [
      {
        type: 'session_start',
        id: s.id,
        title: 'Task',
        sessionTitle: 'Task',
        owner: 'me',
        version: 2,
        cwd: `/work/${s.slug}`,
      },
    ];
    s.replies.forEach((ts, k) => {
      lines.push({
        type: 'message',
        id: `u${k}`,
        timestamp: iso(ts - 500),
        message: { role: 'user', content: [{ type: 'text', text: 'go' }] },
      });
      lines.push({
        type: 'message',
        id: `a${k}`,
        timestamp: iso(ts),
        parentId: `u${k}`,
        message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      });
    });
    writeFileSync(join(dir, `${s.id}.jsonl`), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    // A stale copy in the legacy folder: smaller counters, an older file.
    if (!s.noUsage && s.replies.length % 3 === 0) {
      const stale = { ...settings, tokenUsage: { ...settings.tokenUsage, inputTokens: 1, outputTokens: 1 } };
      const legacy = join(out, 'droid', `${s.id}.settings.json`);
      writeFileSync(legacy, JSON.stringify(stale));
      const old = new Date(Date.now() - 30 * DAY);
      utimesSync(legacy, old, old);
    }
    t.sessions += 1;
    if (s.noUsage) continue;
    t.turns += parts(s.replies.map((ts) => [ts, 'm']));
    t.input += u.input;
    t.output += u.output + u.thinking;
    t.reasoning += u.thinking;
    t.cacheRead += u.cacheRead;
    t.cacheWrite += u.cacheWrite;
  }
}

function writeGoose(SQL, out, sessions, tally, previous) {
  const t = tally.byHarness.goose;
  const path = join(out, 'goose', 'data', 'sessions', 'sessions.db');
  mkdirSync(join(out, 'goose', 'data', 'sessions'), { recursive: true });
  const db = previous ? new SQL.Database(readFileSync(path)) : new SQL.Database();
  if (!previous) {
    db.run(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        user_set_name BOOLEAN DEFAULT FALSE, session_type TEXT NOT NULL DEFAULT 'user', working_dir TEXT NOT NULL,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        extension_data TEXT DEFAULT '{}', total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER,
        accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER, accumulated_output_tokens INTEGER,
        schedule_id TEXT, recipe_json TEXT, user_recipe_values_json TEXT, provider_name TEXT, model_config_json TEXT,
        accumulated_cost REAL, parent_session_id TEXT);
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, session_id TEXT NOT NULL REFERENCES sessions(id),
        role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL,
        timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP, tokens INTEGER, metadata_json TEXT);`);
  }
  db.run('BEGIN');
  for (const s of sessions) {
    const u = s.usage;
    // Goose reports no cache split: prompt tokens are all input; the total's excess over
    // input + output is taken as reasoning.
    const input = u.input + u.cacheRead + u.cacheWrite;
    const total = input + u.output + u.thinking;
    db.run(
      `INSERT INTO sessions (id, name, working_dir, created_at, updated_at, accumulated_input_tokens,
         accumulated_output_tokens, accumulated_total_tokens, input_tokens, output_tokens, total_tokens,
         provider_name, model_config_json, parent_session_id)
       VALUES (?, 'task', '/work/goose', ?, ?, ?, ?, ?, ?, ?, ?, 'anthropic', '{"model_name":"claude-sonnet-4-5"}', ?)
       ON CONFLICT (id) DO UPDATE SET accumulated_input_tokens = excluded.accumulated_input_tokens,
         accumulated_output_tokens = excluded.accumulated_output_tokens,
         accumulated_total_tokens = excluded.accumulated_total_tokens, input_tokens = excluded.input_tokens,
         output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens, updated_at = excluded.updated_at`,
      [
        s.id,
        iso(s.replies[0]).slice(0, 19).replace('T', ' '),
        iso(s.replies.at(-1)).slice(0, 19).replace('T', ' '),
        input,
        u.output,
        total,
        Math.min(input, 999),
        Math.min(u.output, 99),
        Math.min(total, 1098),
        s.parent,
      ],
    );
    db.run('DELETE FROM messages WHERE session_id = ?', [s.id]);
    for (const ts of s.replies) {
      db.run(
        `INSERT INTO messages (message_id, session_id, role, content_json, created_timestamp, tokens)
        VALUES ('m', ?, 'assistant', '[]', ?, 4242)`,
        [s.id, Math.floor(ts / 1000)],
      );
    }
    t.sessions += 1;
    t.turns += parts(s.replies.map((ts) => [Math.floor(ts / 1000) * 1000, 'm']));
    t.input += input;
    t.output += u.output + u.thinking;
    t.reasoning += u.thinking;
  }
  db.run('COMMIT');
  writeFileSync(path, db.export());
  db.close();
}

function writeCrush(SQL, out, sessions, tally, previous) {
  const t = tally.byHarness.crush;
  const data = join(out, 'crush-project', '.crush');
  mkdirSync(data, { recursive: true });
  mkdirSync(join(out, 'crush'), { recursive: true });
  writeFileSync(
    join(out, 'crush', 'projects.json'),
    JSON.stringify(
      { projects: [{ path: '/work/crush-app', data_dir: data, last_accessed: iso(BASE_MS) }] },
      null,
      2,
    ),
  );
  const path = join(data, 'crush.db');
  const db = previous ? new SQL.Database(readFileSync(path)) : new SQL.Database();
  if (!previous) {
    db.run(`CREATE TABLE sessions (id TEXT PRIMARY KEY, parent_session_id TEXT, title TEXT NOT NULL,
        message_count INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0.0,
        updated_at INTEGER NOT NULL, created_at INTEGER NOT NULL, summary_message_id TEXT);
      CREATE TABLE messages (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, role TEXT NOT NULL,
        parts TEXT NOT NULL default '[]', model TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        finished_at INTEGER, provider TEXT, is_summary_message INTEGER DEFAULT 0 NOT NULL);`);
  }
  db.run('BEGIN');
  let root = null;
  for (const s of sessions) {
    const parent = s.child && root ? root.id : null;
    const sec = (ms) => Math.floor(ms / 1000);
    db.run(
      `INSERT INTO sessions VALUES (?, ?, 'task', ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (id) DO UPDATE SET cost = excluded.cost, prompt_tokens = excluded.prompt_tokens,
         completion_tokens = excluded.completion_tokens, updated_at = excluded.updated_at`,
      [s.id, parent, s.replies.length, 1200, 80, s.cost, sec(s.replies.at(-1)), sec(s.replies[0])],
    );
    db.run('DELETE FROM messages WHERE session_id = ?', [s.id]);
    s.replies.forEach((ts, k) => {
      db.run(`INSERT INTO messages VALUES (?, ?, 'assistant', '[]', ?, ?, ?, ?, 'openai', 0)`, [
        `${s.id}-${k}`,
        s.id,
        s.model,
        sec(ts),
        sec(ts),
        sec(ts),
      ]);
    });
    t.sessions += 1;
    if (parent) {
      root.treeReplies.push(...s.replies.map((ts) => [sec(ts) * 1000, s.model]));
      // A child's cost is inside its parent's.
    } else {
      root = { id: s.id, cost: s.cost, treeReplies: s.replies.map((ts) => [sec(ts) * 1000, s.model]) };
      tally.crushRoots.push(root);
    }
  }
  db.run('COMMIT');
  writeFileSync(path, db.export());
  db.close();
  for (const r of tally.crushRoots) {
    t.turns += parts(r.treeReplies);
    tally.costUsd.crush += r.cost;
  }
  tally.crushRoots = undefined;
}

export async function generateTotalsCorpus({ out, sessions = 60, seed = 1, update = false }) {
  const SQL = await initSqlJs();
  const round = update ? 1 : 0;
  const m = model(seed, sessions, round);
  const tally = emptyTally();
  tally.crushRoots = [];
  writeDroid(out, m.droid, tally);
  writeGoose(SQL, out, m.goose, tally, update);
  writeCrush(SQL, out, m.crush, tally, update);
  tally.costUsd.crush = Math.round(tally.costUsd.crush * 1e6) / 1e6;
  writeFileSync(join(out, 'tally.json'), JSON.stringify(tally, null, 2));
  return tally;
}

if (isMain(import.meta.url)) {
  const { out, sessions, seed, update, quiet } = corpusArgs(
    'totals.mjs',
    { sessions: { default: 60, ok: (v) => Number.isInteger(v) && v >= 1 } },
    { booleans: ['update'], outRequired: true },
  );
  const tally = await generateTotalsCorpus({ out, sessions, seed, update });
  if (!quiet) process.stdout.write(`${JSON.stringify(tally.byHarness)}\n`);
}
