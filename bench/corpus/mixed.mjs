#!/usr/bin/env node
// Deterministic mixed corpus of all three harnesses, with the exact totals a correct ingest must
// report per harness (`tally.json`, from the generator's own bookkeeping):
//   <out>/claude/    Claude Code logs from claude.mjs (its own tally.json inside)
//   <out>/codex/     a CODEX_HOME from codex.mjs (see there)
//   <out>/opencode/  an OpenCode data dir: storage/ tree of JSON documents and opencode.db
// OpenCode sessions have
// assistant messages made of one or more model calls (`step-finish` parts, summed) or only the
// message's `tokens`, tool parts, child sessions (`parentID`), and sessions present both in
// the storage tree and the database (OpenCode's migration) that count once.
//   <out>/copilot/, <out>/kimi/, <out>/grok/  from copilot-kimi-grok.mjs (see there)
//
// Usage: node bench/corpus/mixed.mjs [--out DIR] [--mb 400] [--files 10000] [--seed 1] [--quiet]
//   (default DIR: bench/.corpus/mixed-<mb>mb-<files>f-seed<seed>). About 70% of the bytes and
//   80% of the files are Claude, 22% / 15% Codex, the rest OpenCode.
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs from 'sql.js';
import { corpusArgs, isMain } from './args.mjs';
import { generateCorpus, makeRandom } from './claude.mjs';
import { Codex } from './codex.mjs';
import { generateMoreHarnesses as generateCopilotKimiGrok } from './copilot-kimi-grok.mjs';
import { generateMoreHarnesses as generateGeminiQwenPi } from './gemini-qwen-pi.mjs';
import { add, zero } from './tally.mjs';
import { BASE_MS, HEX, OLD_MS, sentence, words } from './text.mjs';

export const MIXED_GENERATOR_VERSION = 4;

// ---------------------------------------------------------------------------------------------
// OpenCode.

const OC_MODELS = [
  ['anthropic', 'claude-sonnet-4-5'],
  ['openai', 'gpt-5.1'],
  ['google', 'gemini-2.5-pro'],
];
const OC_SCHEMA = readFileSync(new URL('./opencode-schema.sql', import.meta.url), 'utf8');

class OpenCode {
  constructor(r, root, tally, db) {
    this.r = r;
    this.root = root;
    this.tally = tally;
    this.db = db;
    this.seq = 0;
    this.treeSessions = 0;
    this.dbSessions = 0;
    this.bothSessions = 0;
    this.childSessions = 0;
    this.docs = 0; // session + message documents in the tree (what ingest counts as files)
    this.bytes = 0;
    this.stepMessages = 0;
    this.tokensOnlyMessages = 0;
    this.parents = [];
    db.run(OC_SCHEMA);
    db.run(`INSERT INTO project VALUES ('proj1', '/home/dev/src/oc', 'git', 'oc', ${BASE_MS}, ${BASE_MS})`);
  }

  id(prefix) {
    this.seq++;
    return `${prefix}_${this.seq.toString(36).padStart(6, '0')}${this.r.chars(HEX, 8)}`;
  }

  doc(path, value) {
    mkdirSync(dirname(path), { recursive: true });
    const s = JSON.stringify(value, null, 2);
    writeFileSync(path, s);
    utimesSync(path, OLD_MS / 1000, OLD_MS / 1000);
    this.bytes += Buffer.byteLength(s);
  }

  /** One session of about `budget` bytes in the tree, the database, or both. */
  session(budget, where, asChild) {
    const r = this.r;
    const sid = this.id('ses');
    const parent = asChild && this.parents.length ? r.pick(this.parents) : null;
    if (parent) this.childSessions++;
    else this.parents.push(sid);
    const startMs = BASE_MS - r.int(0, 59 * 86400) * 1000;
    const inTree = where !== 'db';
    const inDb = where !== 'tree';
    if (where === 'both') this.bothSessions++;
    else if (inTree) this.treeSessions++;
    else this.dbSessions++;
    const title = parent ? `Child session - ${new Date(startMs).toISOString()}` : sentence(r, 5);
    const sdoc = {
      id: sid,
      projectID: 'proj1',
      directory: '/home/dev/src/oc',
      ...(parent ? { parentID: parent } : {}),
      title,
      version: '0.9.0',
      time: { created: startMs, updated: startMs },
    };
    const storage = join(this.root, 'storage');
    if (inTree) {
      this.doc(join(storage, 'session', 'proj1', `${sid}.json`), sdoc);
      this.docs++;
    }
    if (inDb) {
      this.db.run(
        `INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, time_created, time_updated)
         VALUES (?, 'proj1', ?, ?, '/home/dev/src/oc', ?, '1.2.0', ?, ?)`,
        [sid, parent, sid, title, startMs, startMs],
      );
    }
    const counts = zero();
    let ms = startMs;
    let bytes = 0;
    const message = (doc, parts) => {
      const s = JSON.stringify(doc);
      bytes += s.length + parts.reduce((n, p) => n + JSON.stringify(p).length, 0);
      if (inTree) {
        this.doc(join(storage, 'message', sid, `${doc.id}.json`), doc);
        this.docs++;
        for (const p of parts) this.doc(join(storage, 'part', doc.id, `${p.id}.json`), p);
      }
      if (inDb) {
        const { id, sessionID, ...data } = doc;
        this.db.run(
          'INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)',
          [id, sessionID, doc.time.created, doc.time.completed ?? doc.time.created, JSON.stringify(data)],
        );
        for (const { id: pid, messageID, sessionID: _s, ...pdata } of parts) {
          this.db.run('INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)', [
            pid,
            messageID,
            sid,
            ms,
            ms,
            JSON.stringify(pdata),
          ]);
        }
      }
    };
    do {
      const uid = this.id('msg');
      const text = sentence(r, r.int(5, 60));
      message({ id: uid, sessionID: sid, role: 'user', time: { created: ms } }, [
        { id: this.id('prt'), messageID: uid, sessionID: sid, type: 'text', text },
      ]);
      ms += 1000;
      const aid = this.id('msg');
      const [providerID, modelID] = r.pick(OC_MODELS);
      const steps = r.chance(0.25) ? 0 : r.int(1, 4);
      const parts = [];
      let lastTokens = null;
      const tokens = () => {
        const t = {
          input: r.int(1, 8000),
          output: r.int(1, 2500),
          reasoning: r.chance(0.4) ? r.int(0, 1500) : 0,
          cache: { read: r.chance(0.8) ? r.int(0, 90000) : 0, write: r.chance(0.5) ? r.int(0, 9000) : 0 },
        };
        return t;
      };
      // One model call (a step, or a message without steps) is one turn.
      const count = (t) => {
        const call = {
          input: t.input,
          output: t.output + t.reasoning,
          reasoning: t.reasoning,
          cacheRead: t.cache.read,
          cacheWrite5m: t.cache.write,
        };
        add(counts, call);
        add(this.tally.byModel(modelID), call);
      };
      for (let s = 0; s < steps; s++) {
        parts.push({ id: this.id('prt'), messageID: aid, sessionID: sid, type: 'step-start' });
        parts.push({
          id: this.id('prt'),
          messageID: aid,
          sessionID: sid,
          type: 'reasoning',
          text: sentence(r, r.int(10, 80)),
        });
        if (s < steps - 1) {
          parts.push({
            id: this.id('prt'),
            messageID: aid,
            sessionID: sid,
            type: 'tool',
            callID: `toolu_${r.chars(HEX, 20)}`,
            tool: r.pick(['read', 'grep', 'bash', 'edit']),
            state: {
              status: 'completed',
              input: { filePath: `/home/dev/src/oc/src/${r.pick(words)}.ts` },
              output: sentence(r, r.int(20, 300)),
              time: { start: ms, end: ms + 100 },
            },
          });
        } else {
          parts.push({
            id: this.id('prt'),
            messageID: aid,
            sessionID: sid,
            type: 'text',
            text: sentence(r, r.int(10, 120)),
          });
        }
        lastTokens = tokens();
        count(lastTokens);
        parts.push({
          id: this.id('prt'),
          messageID: aid,
          sessionID: sid,
          type: 'step-finish',
          reason: s < steps - 1 ? 'tool-calls' : 'stop',
          cost: 0,
          tokens: lastTokens,
        });
      }
      if (steps === 0) {
        // Older messages: no step parts, usage only on the message.
        lastTokens = tokens();
        count(lastTokens);
        parts.push({
          id: this.id('prt'),
          messageID: aid,
          sessionID: sid,
          type: 'text',
          text: sentence(r, r.int(10, 120)),
        });
        this.tokensOnlyMessages++;
      } else this.stepMessages++;
      message(
        {
          id: aid,
          sessionID: sid,
          role: 'assistant',
          time: { created: ms, completed: ms + r.int(500, 60000) },
          parentID: uid,
          modelID,
          providerID,
          mode: 'build',
          path: { cwd: '/home/dev/src/oc', root: '/home/dev/src/oc' },
          cost: 0,
          tokens: lastTokens, // OpenCode overwrites it with the last step's
          finish: 'stop',
        },
        parts,
      );
      ms += r.int(30, 900) * 1000;
    } while (bytes < budget);
    this.tally.session('opencode', sid, counts);
  }
}

// ---------------------------------------------------------------------------------------------

class MixedTally {
  harness = { codex: zero(), opencode: zero(), 'gemini-cli': zero(), 'qwen-code': zero(), pi: zero() };
  sessions = { codex: {}, opencode: {}, 'gemini-cli': {}, 'qwen-code': {}, pi: {} };
  models = {};
  byModel(m) {
    this.models[m] ??= zero();
    return this.models[m];
  }
  session(h, id, counts) {
    this.sessions[h][id] = counts.turns;
    const t = this.harness[h];
    t.turns += counts.turns;
    for (const k of Object.keys(counts)) if (k !== 'turns') t[k] += counts[k];
  }
  /** One call of `h` in session `id`. */
  add(h, id, usage) {
    this.sessions[h][id] = (this.sessions[h][id] ?? 0) + 1;
    add(this.harness[h], usage);
  }
}

/** Writes a mixed corpus into `out` (replacing its claude/, codex/ and opencode/) and returns the tally. */
export async function generateMixedCorpus({ out, mb = 400, files = 10_000, seed = 1 }) {
  const bytes = Math.round(mb * 1e6);
  const claudeFiles = Math.max(3, Math.round(files * 0.8));
  const codexFiles = Math.max(8, Math.round(files * 0.15));
  const ocSessions = Math.max(8, files - claudeFiles - codexFiles);
  for (const d of ['claude', 'codex', 'opencode', 'gemini', 'qwen', 'pi', 'copilot', 'kimi', 'grok'])
    rmSync(join(out, d), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const claude = generateCorpus({ out: join(out, 'claude'), mb: mb * 0.7, files: claudeFiles, seed });

  const r = makeRandom(seed * 7919 + 17);
  const tally = new MixedTally();
  const codex = new Codex(r, join(out, 'codex'), tally);
  codex.rollouts(codexFiles, (bytes * 0.22) / codexFiles);

  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const oc = new OpenCode(r, join(out, 'opencode'), tally, db);
  const perSession = (bytes * 0.08) / ocSessions;
  db.run('BEGIN');
  for (let i = 0; i < ocSessions; i++) {
    const where =
      i < 3
        ? ['tree', 'db', 'both'][i]
        : r.weighted([
            ['tree', 4],
            ['db', 5],
            ['both', 1],
          ]);
    const asChild = i === 4 || (i > 4 && r.chance(0.2));
    oc.session(Math.max(1500, r.lognormal(perSession, 0.8)), i === 4 ? 'db' : where, asChild);
  }
  db.run('COMMIT');
  const dbPath = join(out, 'opencode', 'opencode.db');
  mkdirSync(dirname(dbPath), { recursive: true });
  writeFileSync(dbPath, db.export());
  utimesSync(dbPath, OLD_MS / 1000, OLD_MS / 1000);
  db.close();
  // Copilot CLI, Kimi and Grok: a few percent of the sessions each.
  const more = await generateCopilotKimiGrok(r, out, Math.max(3, Math.round(files * 0.02)));

  // Gemini CLI, Qwen Code and Pi: a few sessions each (their traps, not their volume).
  const gqp = generateGeminiQwenPi({
    out,
    r,
    sessions: Math.max(5, Math.round(files * 0.01)),
    baseMs: BASE_MS,
    oldMs: OLD_MS,
    tally,
  });

  const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const claudeCounts = {
    turns: claude.turns,
    input: claude.input,
    output: claude.output,
    reasoning: 0,
    cacheRead: claude.cacheRead,
    cacheWrite5m: claude.cacheWrite5m,
    cacheWrite1h: claude.cacheWrite1h,
  };
  const byHarness = {
    'claude-code': claudeCounts,
    codex: tally.harness.codex,
    opencode: tally.harness.opencode,
    'gemini-cli': tally.harness['gemini-cli'],
    'qwen-code': tally.harness['qwen-code'],
    pi: tally.harness.pi,
    ...more.byHarness,
  };
  const totals = zero();
  for (const h of Object.values(byHarness)) {
    for (const k of Object.keys(totals)) totals[k] += h[k];
  }
  const result = {
    generator: `gen-corpus v${MIXED_GENERATOR_VERSION}`,
    seed,
    targetBytes: bytes,
    targetFiles: files,
    ...totals,
    byHarness,
    files: {
      'claude-code': claude.files,
      codex: codex.files,
      // Tree documents that ingest stats (sessions and messages; parts are read with their
      // message) plus the database.
      opencode: oc.docs + 1,
      ...gqp.files,
      ...more.files,
    },
    bytes: {
      'claude-code': claude.bytes,
      codex: codex.bytes,
      opencode: oc.bytes,
      ...gqp.bytes,
      ...more.bytes,
    },
    codex: {
      rollouts: codex.files,
      forks: codex.forks,
      subagents: codex.subagents,
      repeatedSnapshots: codex.repeatedSnapshots,
      lateSnapshots: codex.lateSnapshots,
      modelSwitches: codex.modelSwitches,
    },
    opencode: {
      treeSessions: oc.treeSessions,
      dbSessions: oc.dbSessions,
      bothSessions: oc.bothSessions,
      childSessions: oc.childSessions,
      stepMessages: oc.stepMessages,
      tokensOnlyMessages: oc.tokensOnlyMessages,
    },
    more: more.features,
    bySession: Object.fromEntries(Object.entries(tally.sessions).map(([h, s]) => [h, sortKeys(s)])),
  };
  writeFileSync(join(out, 'tally.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Where the bench keeps (and reuses) a mixed corpus. */
export function defaultMixedDir({ mb, files, seed }) {
  return join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '.corpus',
    `mixed-${mb}mb-${files}f-seed${seed}`,
  );
}

async function main() {
  const values = corpusArgs('mixed.mjs', {
    mb: { default: 400, ok: (v) => v > 0 },
    files: { default: 10_000, ok: (v) => v >= 20, hint: '≥ 20' },
  });
  const { mb, files, seed } = values;
  values.out ??= defaultMixedDir({ mb, files, seed });
  const t0 = performance.now();
  const t = await generateMixedCorpus({ out: values.out, mb, files, seed });
  if (!values.quiet) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    const per = Object.entries(t.byHarness)
      .map(([h, c]) => `${h} ${c.turns} turns / ${t.files[h]} files / ${(t.bytes[h] / 1e6).toFixed(1)} MB`)
      .join(', ');
    console.log(`wrote ${per} to ${values.out} in ${s} s`);
  }
}

if (isMain(import.meta.url)) await main();
