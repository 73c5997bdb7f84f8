#!/usr/bin/env node
// Deterministic generator of realistic Claude Code logs (row shapes: ARCHITECTURE.md, "Counting rules: Claude Code") and of the exact
// totals a correct ingest must report for them (`tally.json`, from the generator's own
// bookkeeping: one turn per unique (message.id, requestId), with its largest usage snapshot).
//
// Layout: <out>/projects/<slug>/<session>.jsonl, subagent transcripts under
// <out>/projects/<slug>/<session>/subagents/agent-<id>.jsonl, and <out>/tally.json.
// What the logs contain: prompts, tool_use / tool_result rows (with the `toolUseResult` copies
// real logs carry), responses streamed as one row per content block with partial
// `output_tokens` on early rows, thinking/text of a few KB, several models, 5m/1h cache-write
// splits (and the old flat form), compactions, local-command rows, `<synthetic>` API-error rows,
// interrupted responses (no stop_reason, ended by a user row), subagent transcripts, and
// resumed sessions whose files start with a verbatim copy of an earlier session's rows.
//
// Usage: npm run bench:gen -- [--out DIR] [--mb 400] [--files 10000] [--seed 1] [--quiet]
//        (default DIR: bench/.corpus/claude-<mb>mb-<files>f-seed<seed>, which the ingest bench reuses)
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusArgs, isMain } from './args.mjs';

export const GENERATOR_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Seeded randomness (sfc32 seeded through splitmix32): same seed and options, same bytes.

export function makeRandom(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    weighted: (pairs) => {
      const total = pairs.reduce((n, [, w]) => n + w, 0);
      let x = next() * total;
      for (const [v, w] of pairs) {
        x -= w;
        if (x < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
    /** Log-normal with the given mean. */
    lognormal: (mean, sigma) => {
      const u = Math.max(next(), 1e-12);
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
      return mean * Math.exp(sigma * z - (sigma * sigma) / 2);
    },
    chars: (alphabet, n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
  };
  return r;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const B64 = `${B62}+/`;

// ---------------------------------------------------------------------------------------------
// Text: slices of two pre-generated pools (prose with markdown/quotes/unicode, and code), so
// hundreds of MB of distinct-looking content cost little CPU.

const WORDS = (
  'the a to of and in is that for it on with as this be are by or from at not we can should ' +
  'function file test error value return type module config build cache ledger session turn ' +
  'token usage model request response stream parse line cursor offset writer reader index ' +
  'query summary migration schema binding option result report ingest commit branch merge ' +
  'refactor rename extract inline handle check validate update insert delete select where ' +
  'because however then first next finally let me look at the implementation carefully now ' +
  'I will run the tests again to confirm that the change works and nothing else regressed'
).split(' ');
const PUNCT = ['.', ',', '.', ':', ';', '?', ' —', '…', '!'];
const EXTRA = ['`foo()`', '"quoted"', 'café', '→', '**bold**', '`src/lib.rs`', '\\path', '<tag>', '✓'];

function prosePool(r, size) {
  const out = [];
  let n = 0;
  let sentence = 0;
  while (n < size) {
    let w = r.chance(0.04) ? r.pick(EXTRA) : r.pick(WORDS);
    if (sentence === 0) w = w[0].toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > r.int(6, 18)) {
      w += r.pick(PUNCT);
      sentence = 0;
      if (r.chance(0.15)) w += r.chance(0.5) ? '\n\n' : '\n- ';
    }
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

function codePool(r, size) {
  const lines = [];
  let n = 0;
  let depth = 0;
  while (n < size) {
    const ind = '  '.repeat(depth);
    const id = `${r.pick(WORDS)}_${r.int(0, 999)}`;
    let line;
    switch (r.int(0, 7)) {
      case 0:
        line = `${ind}export function ${id}(input: string, opts = {}) {`;
        depth = Math.min(depth + 1, 4);
        break;
      case 1:
        line = depth > 0 ? `${'  '.repeat(--depth)}}` : `import { ${id} } from './${r.pick(WORDS)}.js';`;
        break;
      case 2:
        line = `${ind}const ${id} = await read("${r.pick(WORDS)}/${id}.json", { encoding: 'utf8' });`;
        break;
      case 3:
        line = `${ind}// ${r.pick(WORDS)} ${r.pick(WORDS)} ${r.pick(WORDS)}: keep the ${r.pick(WORDS)} stable`;
        break;
      case 4:
        line = `${ind}if (${id} === null || ${id}.length > ${r.int(1, 4096)}) throw new Error(\`bad ${id}\`);`;
        break;
      case 5:
        line = `${ind}\tfor (let i = 0; i < ${id}.length; i++) total += ${id}[i] * ${r.int(2, 9)};`;
        break;
      case 6:
        line = `${ind}return { ${id}, ok: true, note: "${r.pick(EXTRA)}" };`;
        break;
      default:
        line = '';
    }
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Tally: the generator's own bookkeeping of what a correct ingest counts.

function usageFields(u) {
  // Anthropic usage → the ledger's fields (un-split cache writes count as 5-minute writes).
  let w5 = u.cache_creation?.ephemeral_5m_input_tokens ?? 0;
  let w1 = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  if (w5 === 0 && w1 === 0) {
    w5 = u.cache_creation_input_tokens ?? 0;
    w1 = 0;
  }
  return {
    input: u.input_tokens ?? 0,
    output: u.output_tokens ?? 0,
    cacheRead: u.cache_read_input_tokens ?? 0,
    cacheWrite5m: w5,
    cacheWrite1h: w1,
  };
}

const totalOf = (u) => u.input + u.output + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;

class Tally {
  turns = new Map(); // `${messageId}|${requestId}` → { session, model, usage }
  userTurns = new Set();
  compactions = new Set();
  counts = {
    files: 0,
    sessionFiles: 0,
    subagentFiles: 0,
    resumedFiles: 0,
    copiedLines: 0,
    lines: 0,
    bytes: 0,
    assistantRows: 0,
    streamedResponses: 0,
    interruptedResponses: 0,
    syntheticResponses: 0,
    flatCacheResponses: 0,
  };

  /** One assistant row: rows of one response merge; the largest snapshot wins, never a sum. */
  assistant(ev) {
    const key = `${ev.messageId}|${ev.requestId ?? ''}`;
    const usage = usageFields(ev.usage);
    const seen = this.turns.get(key);
    if (!seen) this.turns.set(key, { session: ev.session, model: ev.model, usage });
    else if (totalOf(usage) >= totalOf(seen.usage)) seen.usage = usage;
  }

  see(ev) {
    if (!ev) return;
    if (ev.kind === 'a') this.assistant(ev);
    else if (ev.kind === 'u') this.userTurns.add(`${ev.session}|${ev.uuid}`);
    else if (ev.kind === 'c') this.compactions.add(`${ev.session}|${ev.uuid}`);
  }

  toJSON(meta) {
    const zero = () => ({ turns: 0, input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 });
    const totals = zero();
    const byModel = {};
    const bySession = {};
    const add = (t, u) => {
      t.turns++;
      t.input += u.input;
      t.output += u.output;
      t.cacheRead += u.cacheRead;
      t.cacheWrite5m += u.cacheWrite5m;
      t.cacheWrite1h += u.cacheWrite1h;
    };
    for (const { session, model, usage } of this.turns.values()) {
      add(totals, usage);
      byModel[model] ??= zero();
      add(byModel[model], usage);
      bySession[session] = (bySession[session] ?? 0) + 1;
    }
    const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
    return {
      generator: `gen-claude-corpus v${GENERATOR_VERSION}`,
      ...meta,
      ...this.counts,
      ...totals,
      totalTokens:
        totals.input + totals.output + totals.cacheRead + totals.cacheWrite5m + totals.cacheWrite1h,
      userTurns: this.userTurns.size,
      compactions: this.compactions.size,
      sessions: Object.keys(bySession).length,
      byModel: sortKeys(byModel),
      bySession: sortKeys(bySession),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions.

const MODELS = [
  ['claude-sonnet-4-5-20250929', 50],
  ['claude-opus-4-5-20251101', 22],
  ['claude-opus-4-1-20250805', 8],
  ['claude-haiku-4-5-20251001', 12],
  ['claude-sonnet-4-20250514', 8],
];
const VERSIONS = ['1.0.98', '2.0.14', '2.0.31', '2.0.55', '2.1.3'];
const TOOLS = [
  ['Read', 30],
  ['Bash', 22],
  ['Edit', 18],
  ['Grep', 10],
  ['Glob', 5],
  ['Write', 5],
  ['TodoWrite', 4],
  ['WebFetch', 2],
  ['mcp__github__get_issue', 2],
  ['MultiEdit', 2],
];
const SUBAGENT_TYPES = ['general-purpose', 'Explore', 'code-reviewer', 'Plan'];
const BASE_MS = Date.UTC(2026, 5, 30); // sessions fall in the 60 days before 2026-06-30

class Generator {
  constructor({ out, bytes, files, seed }) {
    this.out = out;
    this.targetBytes = bytes;
    this.targetFiles = files;
    this.seed = seed;
    this.r = makeRandom(seed);
    this.prose = prosePool(this.r, 1 << 18);
    this.code = codePool(this.r, 1 << 18);
    this.tally = new Tally();
    this.scale = 1;
    this.recent = []; // recently written main sessions, kept for resume copies
    this.madeDirs = new Set();
    const nProjects = Math.max(2, Math.min(200, Math.round(files / 60)));
    this.projects = Array.from({ length: nProjects }, (_, i) => {
      const name = `${this.r.pick(WORDS)}-${this.r.pick(WORDS)}-${i}`;
      const cwd = `/home/dev/src/${name}`;
      return { cwd, slug: cwd.replace(/[^A-Za-z0-9]/g, '-'), weight: 1 / (i + 1) };
    });
  }

  // Content lengths scale with the file's byte budget: a short session has short rows, a long
  // one full-size rows (thinking and tool results of several KB).
  text(len) {
    return this.slice(this.prose, Math.ceil(len * this.scale));
  }

  codeText(len) {
    return this.slice(this.code, Math.ceil(len * this.scale));
  }

  scaleFor(budget) {
    return Math.min(1, Math.max(0.08, budget / 200_000));
  }

  slice(pool, len) {
    const n = Math.max(1, Math.min(len, pool.length >> 1));
    const at = this.r.int(0, pool.length - 2 * n);
    // Start on a word, as text does.
    const start = pool.indexOf(' ', at) + 1 || at;
    return pool.slice(start, start + n);
  }

  uuid() {
    const h = this.r.chars(HEX, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.r.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }

  run() {
    rmSync(join(this.out, 'projects'), { recursive: true, force: true });
    mkdirSync(this.out, { recursive: true });
    let index = 0;
    while (this.tally.counts.files < this.targetFiles) {
      const filesLeft = this.targetFiles - this.tally.counts.files;
      const bytesLeft = Math.max(this.targetBytes - this.tally.counts.bytes, 3000 * filesLeft);
      const perFile = bytesLeft / filesLeft;
      // The first sessions carry every feature, so even a tiny corpus exercises them all.
      const force = index === 0 && filesLeft >= 3;
      const resumeOf =
        (index === 1 && this.recent.length > 0) ||
        (index > 1 && this.recent.length > 0 && this.r.chance(0.06))
          ? this.r.pick(this.recent)
          : null;
      let nSub = force
        ? 2
        : this.r.chance(0.25)
          ? this.r.weighted([
              [1, 6],
              [2, 3],
              [3, 1],
            ])
          : 0;
      nSub = Math.min(nSub, filesLeft - 1);
      const budget = Math.max(2500, this.r.lognormal(perFile, 1.1)) * (1 + 0.4 * nSub);
      this.session({ force, resumeOf, nSub, budget, perFile });
      index++;
    }
    const tally = this.tally.toJSON({
      seed: this.seed,
      targetBytes: this.targetBytes,
      targetFiles: this.targetFiles,
      projects: this.projects.length,
    });
    writeFileSync(join(this.out, 'tally.json'), `${JSON.stringify(tally, null, 2)}\n`);
    return tally;
  }

  /** One main session file (possibly a resume that starts with a copy), plus its subagents. */
  session({ force, resumeOf, nSub, budget, perFile }) {
    const r = this.r;
    this.scale = this.scaleFor(budget);
    const project = resumeOf ? resumeOf.project : r.weighted(this.projects.map((p) => [p, p.weight]));
    const id = this.uuid();
    const ctx = {
      project,
      sessionId: id,
      fileStem: id,
      tallySession: id,
      version: r.pick(VERSIONS),
      branch: r.weighted([
        ['main', 5],
        [`feat/${r.pick(WORDS)}-${r.int(1, 99)}`, 4],
        ['HEAD', 1],
      ]),
      model: r.weighted(MODELS),
      cacheMode: force
        ? 'flat'
        : r.weighted([
            ['5m', 60],
            ['1h', 25],
            ['mixed', 10],
            ['flat', 5],
          ]),
      sidechain: false,
      agentId: null,
      lines: [],
      events: [],
      boundaries: [], // line counts at exchange ends: where a resume copy may stop
      bytes: 0,
      lastUuid: null,
      t: BASE_MS - r.int(0, 60 * 24 * 3600) * 1000,
      lastUuidAt: [],
      context: 0,
      cached: 0,
      apiCalls: 0,
      compactAt: r.int(120_000, 170_000),
      subLeft: nSub,
      subBudget: perFile * 0.5,
      // Features the first session must show (so a tiny corpus still has them all).
      want: force ? { local: true, synthetic: true, interrupt: true, compact: true } : {},
    };
    if (resumeOf) {
      // `claude --resume`: the new file starts with the earlier session's rows, verbatim.
      const cut = resumeOf.boundaries[r.int(0, resumeOf.boundaries.length - 1)] ?? resumeOf.lines.length;
      for (let i = 0; i < cut; i++) {
        ctx.lines.push(resumeOf.lines[i]);
        ctx.events.push(resumeOf.events[i]);
        ctx.lastUuidAt[i + 1] = resumeOf.lastUuidAt[i + 1];
        ctx.bytes += resumeOf.lines[i].length + 1;
      }
      this.tally.counts.copiedLines += cut;
      this.tally.counts.resumedFiles++;
      ctx.lastUuid = resumeOf.lastUuidAt[cut] ?? null;
      ctx.t = Math.max(ctx.t, resumeOf.endT + r.int(60, 86_400) * 1000);
      ctx.context = r.int(15_000, 60_000);
      ctx.version = resumeOf.version;
      ctx.branch = resumeOf.branch;
      budget += ctx.bytes;
    } else if (r.chance(0.25)) {
      this.push(ctx, { type: 'summary', summary: this.text(r.int(30, 90)), leafUuid: this.uuid() });
    }
    let exchanges = 0;
    while (ctx.bytes < budget || exchanges === 0 || ctx.want.interrupt) {
      const forceTask = ctx.subLeft > 0 && (force || ctx.bytes > budget * 0.6 || r.chance(0.3));
      this.exchange(ctx, { forceTask });
      exchanges++;
      if (ctx.want.compact || ctx.context > ctx.compactAt) this.compact(ctx);
    }
    while (ctx.subLeft > 0) this.exchange(ctx, { forceTask: true });
    this.writeFile(join(this.out, 'projects', project.slug, `${id}.jsonl`), ctx);
    this.tally.counts.sessionFiles++;
    this.recent.push({
      project,
      lines: ctx.lines,
      events: ctx.events,
      boundaries: ctx.boundaries,
      lastUuidAt: ctx.lastUuidAt,
      endT: ctx.t,
      version: ctx.version,
      branch: ctx.branch,
    });
    if (this.recent.length > 24) this.recent.shift();
  }

  writeFile(path, ctx) {
    const dir = dirname(path);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const body = `${ctx.lines.join('\n')}\n`;
    writeFileSync(path, body);
    // mtime = last row's time, as a real store looks (and older files sort first).
    const when = new Date(ctx.t);
    utimesSync(path, when, when);
    const t = this.tally;
    t.counts.files++;
    t.counts.lines += ctx.lines.length;
    t.counts.bytes += Buffer.byteLength(body);
    for (const ev of ctx.events) t.see(ev);
  }

  /** Appends a row: `event` is what the tally learns from it. */
  push(ctx, row, event = null) {
    const line = JSON.stringify(row);
    ctx.lines.push(line);
    ctx.events.push(event);
    ctx.bytes += line.length + 1;
    if (row.uuid && row.type !== 'system') ctx.lastUuid = row.uuid;
    ctx.lastUuidAt[ctx.lines.length] = ctx.lastUuid;
  }

  tick(ctx, lo, hi) {
    ctx.t += this.r.int(lo, hi);
    return new Date(ctx.t).toISOString();
  }

  base(ctx) {
    const row = {
      parentUuid: ctx.lastUuid,
      isSidechain: ctx.sidechain,
      userType: 'external',
      cwd: ctx.project.cwd,
      sessionId: ctx.sessionId,
      version: ctx.version,
      gitBranch: ctx.branch,
    };
    if (ctx.agentId) row.agentId = ctx.agentId;
    return row;
  }

  user(ctx, content, extra = {}) {
    const uuid = this.uuid();
    const row = {
      ...this.base(ctx),
      ...extra.before,
      type: 'user',
      message: { role: 'user', content },
      uuid,
      timestamp: this.tick(ctx, 200, 20_000),
      ...extra.after,
    };
    const counted =
      typeof content === 'string'
        ? content.trim() !== ''
        : content.some(
            (b) => (b.type === 'text' && b.text.trim() !== '') || (b.type === 'tool_result' && b.tool_use_id),
          );
    this.push(ctx, row, counted ? { kind: 'u', session: ctx.tallySession, uuid } : null);
    ctx.context += Math.ceil(JSON.stringify(content).length / 4);
  }

  /** One user prompt and the API calls answering it (tool loops included). */
  exchange(ctx, { forceTask }) {
    const r = this.r;
    if (ctx.want.local || r.chance(0.03)) this.localCommand(ctx);
    if (!ctx.sidechain && r.chance(0.08)) ctx.model = r.weighted(MODELS);
    const prompt = this.text(
      r.weighted([
        [r.int(20, 300), 6],
        [r.int(300, 2000), 3],
        [r.int(2000, 8000), 1],
      ]),
    );
    this.user(ctx, r.chance(0.8) ? prompt : [{ type: 'text', text: prompt }]);
    if (ctx.want.synthetic || r.chance(0.004)) this.synthetic(ctx);
    const calls = forceTask
      ? r.int(2, 6)
      : r.weighted([
          [1, 3],
          [r.int(2, 5), 5],
          [r.int(6, 14), 2],
          [r.int(15, 30), 1],
        ]);
    const taskAt = forceTask ? r.int(0, calls - 2) : -1;
    for (let i = 0; i < calls; i++) {
      const last = i === calls - 1;
      const interrupt = !last && i !== taskAt && (ctx.want.interrupt || r.chance(0.015));
      const tools = last ? [] : this.toolUses(ctx, i === taskAt);
      this.response(ctx, { tools, last, interrupt });
      if (interrupt) {
        // Esc while streaming: the response never gets a stop_reason; a user row ends it.
        this.user(ctx, [{ type: 'text', text: '[Request interrupted by user for tool use]' }]);
        ctx.want.interrupt = false;
        break;
      }
      for (const tool of tools) this.toolResult(ctx, tool);
    }
    ctx.boundaries.push(ctx.lines.length);
  }

  localCommand(ctx) {
    const caveat =
      'Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.';
    const cmd = this.r.pick(['model', 'cost', 'context', 'mcp']);
    this.user(ctx, caveat, { after: { isMeta: true } });
    this.user(
      ctx,
      `<command-name>/${cmd}</command-name>\n<command-message>${cmd}</command-message>\n<command-args></command-args>`,
    );
    this.user(ctx, `<local-command-stdout>${this.text(this.r.int(10, 200))}</local-command-stdout>`);
    ctx.want.local = false;
  }

  synthetic(ctx) {
    const id = this.uuid();
    const usage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      service_tier: null,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
    };
    const row = {
      ...this.base(ctx),
      type: 'assistant',
      uuid: this.uuid(),
      timestamp: this.tick(ctx, 500, 30_000),
      message: {
        id,
        container: null,
        model: '<synthetic>',
        role: 'assistant',
        stop_reason: 'stop_sequence',
        stop_sequence: '',
        type: 'message',
        usage,
        content: [
          {
            type: 'text',
            text: 'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
          },
        ],
      },
      isApiErrorMessage: true,
    };
    this.push(ctx, row, { kind: 'a', session: ctx.tallySession, messageId: id, model: '<synthetic>', usage });
    this.tally.counts.syntheticResponses++;
    ctx.want.synthetic = false;
  }

  toolUses(ctx, withTask) {
    const r = this.r;
    const n = withTask
      ? r.int(1, 2)
      : r.weighted([
          [1, 7],
          [2, 2],
          [3, 1],
        ]);
    const tools = [];
    for (let i = 0; i < n; i++) {
      const task = withTask && i === 0 && ctx.subLeft > 0;
      const name = task ? 'Task' : r.weighted(TOOLS);
      tools.push({ id: `toolu_01${r.chars(B62, 22)}`, name, input: this.toolInput(ctx, name) });
    }
    return tools;
  }

  toolInput(ctx, name) {
    const r = this.r;
    const file = `${ctx.project.cwd}/src/${r.pick(WORDS)}/${r.pick(WORDS)}.ts`;
    switch (name) {
      case 'Read':
        return r.chance(0.3)
          ? { file_path: file, offset: r.int(1, 400), limit: r.int(50, 400) }
          : { file_path: file };
      case 'Bash':
        return {
          command: r.pick([
            'npm test',
            'cargo test -p core',
            'git status',
            `rg -n "${r.pick(WORDS)}" src`,
            'ls -la',
          ]),
          description: this.text(r.int(10, 60)),
        };
      case 'Edit':
        return {
          file_path: file,
          old_string: this.codeText(r.int(40, 800)),
          new_string: this.codeText(r.int(40, 1200)),
          replace_all: false,
        };
      case 'MultiEdit':
        return {
          file_path: file,
          edits: [
            { old_string: this.codeText(r.int(20, 300)), new_string: this.codeText(r.int(20, 300)) },
            { old_string: this.codeText(r.int(20, 300)), new_string: this.codeText(r.int(20, 300)) },
          ],
        };
      case 'Write':
        return { file_path: file, content: this.codeText(r.int(300, 6000)) };
      case 'Grep':
        return { pattern: `${r.pick(WORDS)}\\(`, path: ctx.project.cwd, output_mode: 'content', '-n': true };
      case 'Glob':
        return { pattern: `src/**/*${r.pick(WORDS)}*.ts` };
      case 'TodoWrite':
        return {
          todos: Array.from({ length: r.int(2, 6) }, () => ({
            content: this.text(r.int(20, 80)),
            status: r.pick(['pending', 'in_progress', 'completed']),
            activeForm: this.text(r.int(20, 80)),
          })),
        };
      case 'WebFetch':
        return { url: `https://docs.example.com/${r.pick(WORDS)}`, prompt: this.text(r.int(30, 200)) };
      case 'Task':
        return {
          description: this.text(r.int(15, 50)),
          prompt: this.text(r.int(300, 2500)),
          subagent_type: r.pick(SUBAGENT_TYPES),
        };
      default:
        return { owner: 'acme', repo: ctx.project.slug, issue_number: r.int(1, 2000) };
    }
  }

  /** One API response, streamed as one row per content block (all sharing id and requestId). */
  response(ctx, { tools, last, interrupt }) {
    const r = this.r;
    const blocks = [];
    if (r.chance(0.5)) {
      blocks.push({
        type: 'thinking',
        thinking: this.text(
          r.weighted([
            [r.int(100, 1500), 5],
            [r.int(1500, 6000), 3],
            [r.int(6000, 16000), 1],
          ]),
        ),
        signature: r.chars(B64, r.int(200, 900)),
      });
    }
    if (last || r.chance(0.4) || tools.length === 0) {
      blocks.push({
        type: 'text',
        text: this.text(
          r.weighted([
            [r.int(40, 600), 5],
            [r.int(600, 4000), 3],
          ]),
        ),
      });
    }
    for (const t of tools) blocks.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input });

    const contentChars = blocks.reduce(
      (n, b) =>
        n +
        (b.thinking?.length ?? 0) +
        (b.text?.length ?? 0) +
        (b.input ? JSON.stringify(b.input).length : 0),
      0,
    );
    const output = Math.ceil(contentChars / 3.6) + r.int(5, 60);
    const first = ctx.apiCalls++ === 0;
    const cacheWrite = first ? r.int(3_000, 25_000) : Math.max(0, ctx.context - ctx.cached + r.int(0, 200));
    const cacheRead = first ? (r.chance(0.5) ? r.int(10_000, 18_000) : 0) : ctx.cached;
    const input = r.chance(0.05) ? r.int(100, 6_000) : r.int(1, 12);
    const messageId = `msg_01${r.chars(B62, 22)}`;
    const requestId = `req_011C${r.chars(B62, 18)}`;
    const stop = interrupt
      ? null
      : tools.length > 0
        ? 'tool_use'
        : r.chance(0.97)
          ? 'end_turn'
          : 'max_tokens';
    if (interrupt) this.tally.counts.interruptedResponses++;
    if (blocks.length > 1) this.tally.counts.streamedResponses++;
    if (ctx.cacheMode === 'flat') this.tally.counts.flatCacheResponses++;

    let shownOutput = 0;
    blocks.forEach((block, j) => {
      const final = j === blocks.length - 1;
      // Early rows carry the partial output count of the moment they were written.
      shownOutput = final
        ? output
        : Math.max(
            shownOutput,
            Math.min(output - 1, Math.floor((output * (j + 1) * r.int(30, 90)) / (100 * blocks.length))),
            1,
          );
      const usage = this.usage(ctx, { input, cacheWrite, cacheRead, output: shownOutput });
      const row = {
        ...this.base(ctx),
        message: {
          id: messageId,
          type: 'message',
          role: 'assistant',
          model: ctx.model,
          content: [block],
          stop_reason: final ? stop : null,
          stop_sequence: null,
          usage,
        },
        requestId,
        type: 'assistant',
        uuid: this.uuid(),
        timestamp: this.tick(ctx, j === 0 ? 1_500 : 100, j === 0 ? 30_000 : 4_000),
      };
      this.push(ctx, row, {
        kind: 'a',
        session: ctx.tallySession,
        messageId,
        requestId,
        model: ctx.model,
        usage,
      });
      this.tally.counts.assistantRows++;
    });
    ctx.cached = cacheRead + cacheWrite;
    ctx.context = ctx.cached + output;
  }

  usage(ctx, { input, cacheWrite, cacheRead, output }) {
    const u = {
      input_tokens: input,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
    };
    if (ctx.cacheMode !== 'flat') {
      const h1 =
        ctx.cacheMode === '1h'
          ? cacheWrite
          : ctx.cacheMode === 'mixed'
            ? Math.floor(cacheWrite * ((cacheRead % 7) / 7))
            : 0;
      u.cache_creation = { ephemeral_5m_input_tokens: cacheWrite - h1, ephemeral_1h_input_tokens: h1 };
    }
    u.output_tokens = output;
    u.service_tier = 'standard';
    return u;
  }

  toolResult(ctx, tool) {
    const r = this.r;
    const isError = r.chance(0.03);
    let text;
    let toolUseResult;
    if (tool.name === 'Task') {
      const agentId = this.subagent(ctx, tool);
      text = this.text(r.int(300, 3000));
      toolUseResult = {
        status: 'completed',
        prompt: tool.input.prompt,
        agentId,
        content: [{ type: 'text', text }],
        totalDurationMs: r.int(5_000, 400_000),
        totalTokens: r.int(10_000, 90_000),
        totalToolUseCount: r.int(1, 30),
        usage: {
          input_tokens: r.int(1, 50),
          output_tokens: r.int(100, 3000),
          cache_read_input_tokens: r.int(0, 60_000),
        },
      };
      this.user(ctx, [{ tool_use_id: tool.id, type: 'tool_result', content: [{ type: 'text', text }] }], {
        after: { toolUseResult },
      });
      return;
    }
    if (isError) {
      text = `<tool_use_error>${this.text(r.int(30, 200))}</tool_use_error>`;
      toolUseResult = `Error: ${text}`;
    } else if (tool.name === 'Read') {
      const content = this.codeText(
        r.weighted([
          [r.int(500, 4000), 5],
          [r.int(4000, 16000), 3],
          [r.int(16000, 40000), 1],
        ]),
      );
      text = content
        .split('\n')
        .map((l, i) => `${String(i + 1).padStart(6)}→${l}`)
        .join('\n');
      const numLines = content.split('\n').length;
      toolUseResult = {
        type: 'text',
        file: { filePath: tool.input.file_path, content, numLines, startLine: 1, totalLines: numLines },
      };
    } else if (tool.name === 'Bash') {
      const stdout = r.chance(0.5) ? this.codeText(r.int(50, 6000)) : this.text(r.int(20, 1500));
      text = stdout;
      toolUseResult = { stdout, stderr: '', interrupted: false, isImage: false };
    } else if (tool.name === 'Edit' || tool.name === 'MultiEdit' || tool.name === 'Write') {
      text = `The file ${tool.input.file_path} has been updated. Here's the result of running \`cat -n\` on a snippet of the edited file:\n${this.codeText(r.int(200, 1500))}`;
      toolUseResult = {
        filePath: tool.input.file_path,
        oldString: tool.input.old_string ?? '',
        newString: tool.input.new_string ?? '',
        structuredPatch: [
          {
            oldStart: r.int(1, 300),
            oldLines: r.int(1, 20),
            newStart: r.int(1, 300),
            newLines: r.int(1, 25),
          },
        ],
        userModified: false,
      };
    } else if (tool.name === 'Grep' || tool.name === 'Glob') {
      text = Array.from(
        { length: r.int(1, 40) },
        () => `${ctx.project.cwd}/src/${r.pick(WORDS)}.ts:${r.int(1, 900)}: ${this.codeText(60)}`,
      ).join('\n');
      toolUseResult = {
        mode: 'content',
        numFiles: r.int(1, 20),
        filenames: [],
        content: text,
        numLines: r.int(1, 40),
      };
    } else {
      text = this.text(r.int(50, 3000));
      toolUseResult = { result: text };
    }
    const block = { tool_use_id: tool.id, type: 'tool_result', content: text };
    if (isError) block.is_error = true;
    this.user(ctx, [block], { after: { toolUseResult } });
  }

  /** A subagent transcript file for a Task call; returns its agent id. */
  subagent(parent, tool) {
    const r = this.r;
    parent.subLeft--;
    const agentId = r.chars(HEX, 8);
    const ctx = {
      project: parent.project,
      sessionId: parent.sessionId,
      fileStem: `agent-${agentId}`,
      // The ledger's session id for a transcript: `<parent file session>/agent-<id>`.
      tallySession: `${parent.fileStem}/agent-${agentId}`,
      version: parent.version,
      branch: parent.branch,
      model: r.chance(0.4) ? 'claude-haiku-4-5-20251001' : parent.model,
      cacheMode: parent.cacheMode === 'flat' ? 'flat' : '5m',
      sidechain: true,
      agentId,
      lines: [],
      events: [],
      boundaries: [],
      bytes: 0,
      lastUuid: null,
      lastUuidAt: [],
      t: parent.t,
      context: 0,
      cached: 0,
      apiCalls: 0,
      compactAt: Number.POSITIVE_INFINITY,
      subLeft: 0,
      want: {},
    };
    const budget = Math.max(2000, r.lognormal(parent.subBudget, 0.7));
    const parentScale = this.scale;
    this.scale = this.scaleFor(budget);
    this.user(ctx, tool.input.prompt);
    while (ctx.bytes < budget) {
      const tools = this.toolUses(ctx, false);
      this.response(ctx, { tools, last: false, interrupt: false });
      for (const t of tools) this.toolResult(ctx, t);
    }
    this.response(ctx, { tools: [], last: true, interrupt: false });
    const dir = join(this.out, 'projects', parent.project.slug, parent.fileStem, 'subagents');
    this.writeFile(join(dir, `agent-${agentId}.jsonl`), ctx);
    this.tally.counts.subagentFiles++;
    this.scale = parentScale;
    parent.t = ctx.t;
    return agentId;
  }

  /** An automatic compaction: boundary row, then the summary the session continues from. */
  compact(ctx) {
    const r = this.r;
    const uuid = this.uuid();
    const row = {
      parentUuid: null,
      logicalParentUuid: ctx.lastUuid,
      isSidechain: false,
      userType: 'external',
      cwd: ctx.project.cwd,
      sessionId: ctx.sessionId,
      version: ctx.version,
      gitBranch: ctx.branch,
      type: 'system',
      subtype: 'compact_boundary',
      content: 'Conversation compacted',
      isMeta: false,
      timestamp: this.tick(ctx, 1_000, 60_000),
      uuid,
      level: 'info',
      compactMetadata: { trigger: 'auto', preTokens: ctx.context },
    };
    this.push(ctx, row, { kind: 'c', session: ctx.tallySession, uuid });
    ctx.lastUuid = uuid;
    const summary = `This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:\n${this.text(r.int(3000, 9000))}`;
    this.user(ctx, summary, { after: { isVisibleInTranscriptOnly: true, isCompactSummary: true } });
    ctx.context = r.int(12_000, 25_000);
    ctx.cached = 0;
    ctx.compactAt = r.int(120_000, 170_000);
    ctx.want.compact = false;
  }
}

/** Writes a corpus into `out` (its `projects/` is replaced) and returns the tally. */
export function generateCorpus({ out, mb = 400, files = 10_000, seed = 1 }) {
  if (!out) throw new Error('generateCorpus: out is required');
  if (!(mb > 0) || !(files >= 1)) throw new Error('generateCorpus: mb must be > 0 and files ≥ 1');
  return new Generator({ out, bytes: Math.round(mb * 1e6), files: Math.floor(files), seed }).run();
}

/** Where the bench keeps (and reuses) a corpus: the git-ignored bench/.corpus/. */
export function defaultCorpusDir({ mb, files, seed }) {
  return join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '.corpus',
    `claude-${mb}mb-${files}f-seed${seed}`,
  );
}

function main() {
  const values = corpusArgs('claude.mjs', {
    mb: { default: 400, ok: (v) => v > 0 },
    files: { default: 10_000, ok: (v) => v >= 1 },
  });
  const { mb, files, seed } = values;
  values.out ??= defaultCorpusDir({ mb, files, seed });
  const t0 = performance.now();
  const tally = generateCorpus({ out: values.out, mb, files, seed });
  if (!values.quiet) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `wrote ${tally.files} files (${tally.subagentFiles} subagent, ${tally.resumedFiles} resumed), ` +
        `${(tally.bytes / 1e6).toFixed(1)} MB, ${tally.lines} lines, ${tally.turns} turns, ` +
        `${tally.sessions} sessions to ${values.out} in ${s} s`,
    );
  }
}

if (isMain(import.meta.url)) main();
