// The content store: conversation blocks in order, modes, settings precedence,
// retention and pruning, path-like ids, incremental and crash-interrupted ingests, and option
// validation, through the public package (ESM and CJS) and the CLI.
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assistant, claudeStore, userText } from './helpers/claude-log.js';
import { burn } from './helpers/cli.js';
import { tempHome } from './helpers/home.js';
import { killMidway } from './helpers/ingest-process.js';
import * as oc from './helpers/opencode.js';
import { entryPoints, esm, type Sdk } from './helpers/sdk.js';

const DAY = 86_400_000;
/** An instant `daysAgo` days (plus `s` seconds) before now: inside the default 90-day retention. */
const at = (daysAgo: number, s = 0) => new Date(Date.now() - daysAgo * DAY + s * 1000).toISOString();

function toolResult(session: string, uuid: string, toolUseId: string, body: string, ts: string): string {
  return `${JSON.stringify({
    type: 'user',
    sessionId: session,
    timestamp: ts,
    uuid,
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: body }] },
  })}\n`;
}

/**
 * One conversation: a prompt, a response streamed over two rows (thinking, then a tool call),
 * the tool's result, a text answer, a follow-up prompt. `ts(i)` gives row i's time.
 */
function conversation(session: string, ts: (i: number) => string = (i) => at(1, i)): string[] {
  const usage = { input: 10, output: 5 };
  return [
    userText(session, `${session}-u1`, 'list the files', ts(0)),
    assistant({
      session,
      msg: `${session}-m1`,
      req: 'r1',
      stop: null,
      ts: ts(1),
      usage,
      content: [{ type: 'thinking', thinking: 'I should run ls', signature: 'sig' }],
    }),
    assistant({
      session,
      msg: `${session}-m1`,
      req: 'r1',
      stop: 'tool_use',
      ts: ts(2),
      usage,
      content: [{ type: 'tool_use', id: `${session}-t1`, name: 'Bash', input: { command: 'ls' } }],
    }),
    toolResult(session, `${session}-u2`, `${session}-t1`, 'a.ts\nb.ts', ts(3)),
    assistant({
      session,
      msg: `${session}-m2`,
      req: 'r2',
      ts: ts(4),
      usage,
      content: [{ type: 'text', text: 'Two files: a.ts and b.ts' }],
    }),
    userText(session, `${session}-u3`, 'thanks', ts(5)),
  ];
}

/** The conversation's blocks as [role, kind, text], in order. */
const EXPECTED: Array<[string, string, string]> = [
  ['user', 'text', 'list the files'],
  ['assistant', 'thinking', 'I should run ls'],
  ['assistant', 'tool_use', '{"command":"ls"}'],
  ['user', 'tool_result', 'a.ts\nb.ts'],
  ['assistant', 'text', 'Two files: a.ts and b.ts'],
  ['user', 'text', 'thanks'],
];

type Detail = NonNullable<Awaited<ReturnType<Sdk['session']>>>;

function flat(d: Detail | null): Array<[string, string, string | undefined]> {
  return (d?.content ?? []).flatMap((m) =>
    m.blocks.map((b) => [m.role, b.kind, b.text] as [string, string, string | undefined]),
  );
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A fresh store with one session file and a fresh ledger home. */
function setup(session = 'conv', rows = conversation(session)) {
  const s = claudeStore();
  const file = s.write(session, ...rows);
  const ledgerHome = tempHome();
  return { ...s, file, ledgerHome };
}

const ingestOpts = (root: string, ledgerHome: string) => ({
  roots: { 'claude-code': [root] },
  harnesses: ['claude-code' as const],
  ledgerHome,
});

describe.each(entryPoints)('content store via %s', (_name, sdk) => {
  it('keeps blocks in conversation order across interleaved user and assistant rows', async () => {
    const s = setup();
    const report = await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    expect(report.errors).toEqual([]);
    const d = await sdk.session({ sessionId: 'conv', includeContent: true, ledgerHome: s.ledgerHome });
    expect(flat(d)).toEqual(EXPECTED);
    // The two streamed rows of one response are one message.
    expect(d?.content?.map((m) => [m.role, m.messageId, m.blocks.length])).toEqual([
      ['user', 'conv-u1', 1],
      ['assistant', 'conv-m1', 2],
      ['user', 'conv-u2', 1],
      ['assistant', 'conv-m2', 1],
      ['user', 'conv-u3', 1],
    ]);
    if (process.platform !== 'win32') {
      // Conversation text is readable by its owner only.
      for (const f of readdirSync(s.ledgerHome).filter((n) => n.startsWith('content.sqlite'))) {
        expect(statSync(join(s.ledgerHome, f)).mode & 0o777, f).toBe(0o600);
      }
    }
    const tool = d?.content?.[1]?.blocks[1];
    expect(tool).toMatchObject({
      toolName: 'Bash',
      toolUseId: 'conv-t1',
      bytes: 16,
      hash: sha256('{"command":"ls"}'),
    });
    expect(d?.content?.[2]?.blocks[0]).toMatchObject({ toolUseId: 'conv-t1' });
    // Without includeContent there is no content field.
    const plain = await sdk.session({ sessionId: 'conv', ledgerHome: s.ledgerHome });
    expect(plain).not.toHaveProperty('content');
  });

  it('orders rows by their place in the log, not by timestamp', async () => {
    // Every row at the same instant, and the tool result stamped before the prompt.
    const same = at(2);
    const rows = conversation('flat', () => same);
    rows[3] = toolResult('flat', 'flat-u2', 'flat-t1', 'a.ts\nb.ts', at(3));
    const s = setup('flat', rows);
    await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    const d = await sdk.session({ sessionId: 'flat', includeContent: true, ledgerHome: s.ledgerHome });
    expect(flat(d)).toEqual(EXPECTED);
  });

  it('hash-only keeps each block’s SHA-256 and byte length, no text', async () => {
    const s = setup();
    await sdk.ingest({ ...ingestOpts(s.root, s.ledgerHome), contentMode: 'hash-only' });
    const d = await sdk.session({ sessionId: 'conv', includeContent: true, ledgerHome: s.ledgerHome });
    const blocks = d?.content?.flatMap((m) => m.blocks) ?? [];
    expect(blocks.map((b) => [b.kind, b.bytes, b.hash])).toEqual(
      EXPECTED.map(([, kind, text]) => [kind, Buffer.byteLength(text), sha256(text)]),
    );
    for (const b of blocks) expect(b).not.toHaveProperty('text');
  });

  it('off stores nothing and creates no content.sqlite', async () => {
    const s = setup();
    const report = await sdk.ingest({ ...ingestOpts(s.root, s.ledgerHome), contentMode: 'off' });
    expect(report.turnsAdded).toBe(2);
    const d = await sdk.session({ sessionId: 'conv', includeContent: true, ledgerHome: s.ledgerHome });
    expect(d?.content).toEqual([]);
    expect(existsSync(join(s.ledgerHome, 'content.sqlite'))).toBe(false);
  });

  it('a session read over several incremental ingests arrives once and in order', async () => {
    const rows = conversation('inc');
    const s = setup('inc', rows.slice(0, 2)); // the prompt and the first row of the streamed response
    const passes = [rows.slice(2, 4), rows.slice(4, 5), rows.slice(5)];
    await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    for (const more of passes) {
      appendFileSync(s.file, more.join(''));
      await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    }
    // A pass over unchanged files changes nothing.
    await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    const d = await sdk.session({ sessionId: 'inc', includeContent: true, ledgerHome: s.ledgerHome });
    expect(flat(d)).toEqual(EXPECTED);
    expect(d?.content?.map((m) => m.messageId)).toEqual(['inc-u1', 'inc-m1', 'inc-u2', 'inc-m2', 'inc-u3']);
  });

  it('stores ids with path-like characters as data, never as paths', async () => {
    const evil = '../../x/..\\y:z/.?*';
    const s = setup('plain', conversation(evil));
    await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    const d = await sdk.session({ sessionId: evil, includeContent: true, ledgerHome: s.ledgerHome });
    expect(flat(d)).toEqual(EXPECTED);
    const files = readdirSync(s.ledgerHome).filter(
      (f) => !/^(ledger|content)\.sqlite(-wal|-shm|-priority)?$/.test(f),
    );
    expect(files).toEqual([]);
  });

  it('pruneContent deletes by message time: n days, 0 clears, "forever" keeps', async () => {
    const rows = [...conversation('old', (i) => at(40, i)), ...conversation('new', (i) => at(10, i))];
    const s = setup('mixed', rows);
    await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    const content = async (id: string) =>
      flat(await sdk.session({ sessionId: id, includeContent: true, ledgerHome: s.ledgerHome }));
    expect(await content('old')).toEqual(EXPECTED);
    expect(await sdk.pruneContent({ olderThanDays: 'forever', ledgerHome: s.ledgerHome })).toEqual({
      blocksDeleted: 0,
    });
    expect(await sdk.pruneContent({ olderThanDays: 30, ledgerHome: s.ledgerHome })).toEqual({
      blocksDeleted: 6,
    });
    expect(await content('old')).toEqual([]);
    expect(await content('new')).toEqual(EXPECTED);
    expect(await sdk.pruneContent({ olderThanDays: 30, ledgerHome: s.ledgerHome })).toEqual({
      blocksDeleted: 0,
    });
    expect(await sdk.pruneContent({ olderThanDays: 0, ledgerHome: s.ledgerHome })).toEqual({
      blocksDeleted: 6,
    });
    expect(await content('new')).toEqual([]);
    // The ledger keeps its turns: only content is pruned.
    expect((await sdk.summary({ ledgerHome: s.ledgerHome })).totals.turns).toBe(4);
    // Nothing stored yet: nothing to prune, no store created.
    const empty = tempHome();
    expect(await sdk.pruneContent({ olderThanDays: 0, ledgerHome: empty })).toEqual({ blocksDeleted: 0 });
    expect(existsSync(join(empty, 'content.sqlite'))).toBe(false);
  });

  it('a corrupt content.sqlite costs only the content: the ledger is ingested and the problem reported', async () => {
    const s = setup();
    const store = join(s.ledgerHome, 'content.sqlite');
    writeFileSync(store, 'this is not a database, just junk bytes '.repeat(200));
    const report = await sdk.ingest(ingestOpts(s.root, s.ledgerHome));
    expect(report.turnsAdded).toBe(2);
    expect(report.errors).toEqual([
      expect.objectContaining({ file: store, message: expect.stringMatching(/content store unusable/) }),
    ]);
    expect((await sdk.summary({ ledgerHome: s.ledgerHome })).totals.turns).toBe(2);
    // Reading it is a clear LEDGER_CORRUPT naming the file, not a crash.
    const err = await sdk.session({ sessionId: 'conv', includeContent: true, ledgerHome: s.ledgerHome }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'LEDGER_CORRUPT', path: store });
  });

  it('refuses every invalid option with INVALID_ARGUMENT naming the field', async () => {
    const ledgerHome = tempHome();
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => sdk.ingest({ ledgerHome, contentMode: 'FULL' as never }), 'contentMode'],
      [() => sdk.ingest({ ledgerHome, contentMode: 'none' as never }), 'contentMode'],
      [() => sdk.ingest({ ledgerHome, contentMode: 1 as never }), 'contentMode'],
      [() => sdk.ingest({ ledgerHome, contentMode: null as never }), 'contentMode'],
      [() => sdk.watch({ ledgerHome, contentMode: 'all' as never }), 'contentMode'],
      [() => sdk.session({ sessionId: 's', includeContent: 'yes' as never, ledgerHome }), 'includeContent'],
      [() => sdk.session({ sessionId: 's', includeContent: 1 as never, ledgerHome }), 'includeContent'],
      [() => sdk.session({ sessionId: 's', includecontent: true, ledgerHome } as never), 'includecontent'],
      [() => sdk.pruneContent({ ledgerHome } as never), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: -1, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: 1.5, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: Number.NaN, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: Number.POSITIVE_INFINITY, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: 100_001, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: '30' as never, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: 'never' as never, ledgerHome }), 'olderThanDays'],
      [() => sdk.pruneContent({ olderThanDays: 1, ledgerhome: 'x' } as never), 'ledgerhome'],
      [() => sdk.pruneContent({ olderThanDays: 1, ledgerHome: '  ' }), 'ledgerHome'],
      [() => sdk.pruneContent(undefined as never), 'options'],
    ];
    for (const [call, field] of cases) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(sdk.BurnError);
      expect(err, field).toMatchObject({ code: 'INVALID_ARGUMENT', field });
    }
  });
});

describe('content settings precedence: option > env > config.json > default', () => {
  const saved = { mode: process.env.RELAYBURN_CONTENT_STORE, ttl: process.env.RELAYBURN_CONTENT_TTL_DAYS };
  afterEach(() => {
    for (const [k, v] of [
      ['RELAYBURN_CONTENT_STORE', saved.mode],
      ['RELAYBURN_CONTENT_TTL_DAYS', saved.ttl],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** Ingests a 10-day-old conversation with `env` and `config`; returns the report and what was kept. */
  async function run(opts: {
    env?: { mode?: string; ttl?: string };
    config?: string;
    contentMode?: 'full' | 'hash-only' | 'off';
  }) {
    const s = setup(
      'p',
      conversation('p', (i) => at(10, i)),
    );
    if (opts.config !== undefined) writeFileSync(join(s.ledgerHome, 'config.json'), opts.config);
    const set = (k: string, v: string | undefined) => {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    };
    set('RELAYBURN_CONTENT_STORE', opts.env?.mode);
    set('RELAYBURN_CONTENT_TTL_DAYS', opts.env?.ttl);
    const report = await esm.ingest({
      ...ingestOpts(s.root, s.ledgerHome),
      ...(opts.contentMode ? { contentMode: opts.contentMode } : {}),
    });
    const d = await esm.session({ sessionId: 'p', includeContent: true, ledgerHome: s.ledgerHome });
    const blocks = d?.content?.flatMap((m) => m.blocks) ?? [];
    const kept =
      blocks.length === 0 ? 'off' : blocks.every((b) => b.text !== undefined) ? 'full' : 'hash-only';
    return { report, kept };
  }

  it('defaults to full with 90 days', async () => {
    const r = await run({});
    expect(r.kept).toBe('full');
    expect(r.report.errors).toEqual([]);
  });

  it('the call option beats the environment and config', async () => {
    expect((await run({ env: { mode: 'off' }, contentMode: 'full' })).kept).toBe('full');
    expect((await run({ config: '{"content":{"mode":"off"}}', contentMode: 'hash-only' })).kept).toBe(
      'hash-only',
    );
  });

  it('the environment beats config.json; an empty variable is unset', async () => {
    expect((await run({ env: { mode: 'hash-only' }, config: '{"content":{"mode":"off"}}' })).kept).toBe(
      'hash-only',
    );
    expect((await run({ env: { mode: '' }, config: '{"content":{"mode":"hash-only"}}' })).kept).toBe(
      'hash-only',
    );
    expect((await run({ env: { mode: '' } })).kept).toBe('full');
  });

  it('retention: env TTL beats config ttlDays; messages older than it are not kept', async () => {
    expect((await run({ config: '{"content":{"ttlDays":5}}' })).kept).toBe('off');
    expect((await run({ env: { ttl: '30' }, config: '{"content":{"ttlDays":5}}' })).kept).toBe('full');
    expect((await run({ env: { ttl: '' }, config: '{"content":{"ttlDays":5}}' })).kept).toBe('off');
    expect((await run({ env: { ttl: '5' } })).kept).toBe('off');
    expect((await run({ env: { ttl: 'forever' }, config: '{"content":{"ttlDays":5}}' })).kept).toBe('full');
  });

  it('a broken config.json is reported once and the defaults are used', async () => {
    const r = await run({ config: '{"content": {"mode": "hash-only",' });
    expect(r.kept).toBe('full');
    expect(r.report.errors).toHaveLength(1);
    expect(r.report.errors[0]?.file).toMatch(/config\.json$/);
    const wrong = await run({ config: '{"content":{"mode":"everything","ttlDays":-1}}' });
    expect(wrong.kept).toBe('full');
    expect(wrong.report.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/content mode/),
      expect.stringMatching(/days/),
    ]);
  });

  it('an invalid environment value is reported and ignored (config applies)', async () => {
    const r = await run({ env: { mode: 'sometimes' }, config: '{"content":{"mode":"hash-only"}}' });
    expect(r.kept).toBe('hash-only');
    expect(r.report.errors).toEqual([expect.objectContaining({ file: 'RELAYBURN_CONTENT_STORE' })]);
  });
});

describe('content across a crash', () => {
  const FILES = 40;
  const TURNS = 100;

  /** A store big enough (~16 MB) that one debug-build pass spans many commits. */
  function bigStore(): string {
    const root = tempHome('content-crash-store');
    const filler = 'lorem ipsum dolor sit amet '.repeat(60);
    for (let f = 0; f < FILES; f++) {
      const dir = join(root, 'projects', `-p${f % 4}`);
      mkdirSync(dir, { recursive: true });
      const session = `cs-${f}`;
      const rows: string[] = [];
      for (let t = 0; t < TURNS; t++) {
        const base = { session, msg: `m-${f}-${t}`, req: `r-${f}-${t}`, ts: at(3, t) };
        rows.push(userText(session, `u-${f}-${t}`, `${t}: ${filler}`, at(3, t)));
        rows.push(
          assistant({
            ...base,
            stop: null,
            usage: { output: 1 },
            content: [{ type: 'thinking', thinking: `think ${t}` }],
          }),
        );
        rows.push(
          assistant({ ...base, usage: { output: 2 }, content: [{ type: 'text', text: `answer ${t}` }] }),
        );
      }
      writeFileSync(join(dir, `${session}.jsonl`), rows.join(''));
    }
    return root;
  }

  async function allContent(ledgerHome: string) {
    const out: Record<string, Array<[string, string, string | undefined]>> = {};
    for (let f = 0; f < FILES; f++) {
      out[`cs-${f}`] = flat(await esm.session({ sessionId: `cs-${f}`, includeContent: true, ledgerHome }));
    }
    return out;
  }

  /** The journal `content.sqlite`'s header records: WAL (2) or a rollback journal (1). */
  const journalOf = (ledgerHome: string) => readFileSync(join(ledgerHome, 'content.sqlite'))[18];

  // Bulk: the pass writes the content store through a rollback journal (`content/journal.rs`),
  // and the kill leaves it in that mode; the next open puts it back in WAL.
  it.each([
    ['', undefined],
    [' (a bulk pass, the store in its rollback journal)', 1],
  ])(
    'a pass killed midway, then re-run, leaves every block exactly once and in order%s',
    async (_, bulkBytes) => {
      const root = bigStore();
      const ledgerHome = tempHome('content-crash');
      // The child pauses after the commit that reaches 40% of the bytes; the kill lands there.
      const exit = await killMidway(ledgerHome, root, 'claude-code', 0.4, { bulkBytes });
      expect(exit.signal).toBe('SIGKILL');
      expect(journalOf(ledgerHome)).toBe(bulkBytes ? 1 : 2);
      const partial = await allContent(ledgerHome);
      const partialBlocks = Object.values(partial).reduce((n, c) => n + c.length, 0);
      expect(partialBlocks).toBeGreaterThan(0);
      expect(partialBlocks).toBeLessThan(FILES * TURNS * 3);

      const report = await esm.ingest(ingestOpts(root, ledgerHome));
      expect(report.errors).toEqual([]);
      const got = await allContent(ledgerHome);
      for (let f = 0; f < FILES; f++) {
        const want = Array.from({ length: TURNS }, (_, t) => [
          ['user', 'text', expect.stringMatching(new RegExp(`^${t}: lorem`))],
          ['assistant', 'thinking', `think ${t}`],
          ['assistant', 'text', `answer ${t}`],
        ]).flat();
        expect(got[`cs-${f}`]).toEqual(want);
      }
      expect(journalOf(ledgerHome)).toBe(2);
      // Stored once, not only read once: the re-read found the blocks committed before the kill.
      expect((await esm.pruneContent({ olderThanDays: 0, ledgerHome })).blocksDeleted).toBe(
        FILES * TURNS * 3,
      );
    },
  );
});

describe('burn CLI: session --content, content prune, ingest --content-mode', () => {
  it('prints the stored conversation and prunes it', () => {
    const s = setup();
    const env = { CLAUDE_CONFIG_DIR: s.root, CODEX_HOME: tempHome(), OPENCODE_DATA_DIR: tempHome() };
    const home = ['--ledger-home', s.ledgerHome];
    expect(burn(['ingest', '--quiet', ...home], env)).toMatchObject({ status: 0, stderr: '' });
    const shown = burn(['session', 'conv', '--content', ...home], env);
    expect(shown.status).toBe(0);
    const texts = [
      'list the files',
      'I should run ls',
      '{"command":"ls"}',
      'a.ts',
      'Two files: a.ts and b.ts',
      'thanks',
    ];
    // The conversation follows the turns table, one `── role ts` line per message.
    const body = shown.stdout.slice(shown.stdout.indexOf('── user'));
    const positions = texts.map((t) => body.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(shown.stdout).toContain('[tool_use Bash (conv-t1)]');
    // Without --content, no conversation.
    expect(burn(['session', 'conv', ...home], env).stdout).not.toContain('I should run ls');

    const json = burn(['session', 'conv', '--content', '--json', ...home], env);
    expect(JSON.parse(json.stdout).content).toHaveLength(5);

    expect(burn(['content', 'prune', '--days', 'forever', '--json', ...home], env).stdout).toContain(
      '"blocksDeleted": 0',
    );
    const pruned = burn(['content', 'prune', '--days', '0', ...home], env);
    expect(pruned).toMatchObject({ status: 0, stdout: 'deleted 6 content blocks\n' });
    expect(burn(['session', 'conv', '--content', ...home], env).stdout).toContain('no stored content');
  });

  it('refuses bad usage with exit 2', () => {
    const home = ['--ledger-home', tempHome()];
    for (const args of [
      ['content', 'prune', ...home],
      ['content', 'prune', '--days', 'x', ...home],
      ['content', 'prune', '--days', '-3', ...home],
      ['content', 'purge', '--days', '1', ...home],
      ['content', ...home],
      ['ingest', '--content-mode', 'most', ...home],
      ['summary', '--days', '3', ...home],
    ]) {
      const r = burn(args, {
        CLAUDE_CONFIG_DIR: tempHome(),
        CODEX_HOME: tempHome(),
        OPENCODE_DATA_DIR: tempHome(),
      });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^burn: /);
    }
  });

  it('ingest --content-mode hash-only keeps hashes only', () => {
    const s = setup();
    const env = { CLAUDE_CONFIG_DIR: s.root, CODEX_HOME: tempHome(), OPENCODE_DATA_DIR: tempHome() };
    const home = ['--ledger-home', s.ledgerHome];
    expect(burn(['ingest', '--quiet', '--content-mode', 'hash-only', ...home], env).status).toBe(0);
    const shown = burn(['session', 'conv', '--content', ...home], env);
    expect(shown.stdout).not.toContain('I should run ls');
    expect(shown.stdout).toContain(`[15 bytes, sha256 ${sha256('I should run ls')}]`);
  });
});

describe.each(entryPoints)('Codex content via %s', (_name, sdk) => {
  const crow = (s: number, type: string, payload: object) =>
    `${JSON.stringify({ timestamp: at(1, s), type, payload })}\n`;

  it('keeps prompts, tool calls, tool output and answers in order, once', async () => {
    const home = tempHome('codex');
    const day = join(home, 'sessions', '2026', '01', '01');
    mkdirSync(day, { recursive: true });
    const rollout =
      crow(0, 'session_meta', { id: 'codex-s', timestamp: at(1, 0), cwd: '/w', model_provider: 'openai' }) +
      crow(1, 'turn_context', { turn_id: 't1', cwd: '/w', model: 'gpt-5-codex' }) +
      crow(1, 'event_msg', { type: 'task_started', turn_id: 't1' }) +
      crow(2, 'response_item', {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'fix the bug' }],
      }) +
      crow(3, 'response_item', { type: 'reasoning', summary: [], encrypted_content: 'xyz' }) +
      crow(4, 'response_item', {
        type: 'function_call',
        name: 'shell',
        arguments: '{"command":["ls"]}',
        call_id: 'c1',
      }) +
      crow(5, 'response_item', { type: 'function_call_output', call_id: 'c1', output: 'a.ts' }) +
      crow(6, 'response_item', {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Fixed it.' }],
      }) +
      crow(7, 'event_msg', {
        type: 'token_count',
        info: {
          total_token_usage: {
            input_tokens: 10,
            cached_input_tokens: 0,
            output_tokens: 5,
            reasoning_output_tokens: 0,
          },
          last_token_usage: {
            input_tokens: 10,
            cached_input_tokens: 0,
            output_tokens: 5,
            reasoning_output_tokens: 0,
          },
        },
      }) +
      crow(8, 'event_msg', { type: 'task_complete', turn_id: 't1' });
    writeFileSync(
      join(day, 'rollout-2026-01-01T00-00-00-0199aaaa-bbbb-7ccc-8ddd-000000000001.jsonl'),
      rollout,
    );
    const ledgerHome = tempHome();
    const report = await sdk.ingest({ roots: { codex: [home] }, harnesses: ['codex'], ledgerHome });
    expect(report).toMatchObject({ turnsAdded: 1, errors: [] });
    const d = await sdk.session({ sessionId: 'codex-s', includeContent: true, ledgerHome });
    expect(flat(d)).toEqual([
      ['user', 'text', 'fix the bug'],
      ['assistant', 'tool_use', '{"command":["ls"]}'],
      ['user', 'tool_result', 'a.ts'],
      ['assistant', 'text', 'Fixed it.'],
    ]);
    expect(d?.content?.[1]?.blocks[0]).toMatchObject({ toolName: 'shell', toolUseId: 'c1' });
    // Re-reading adds nothing.
    await sdk.ingest({ roots: { codex: [home] }, harnesses: ['codex'], ledgerHome, contentMode: 'full' });
    expect(flat(await sdk.session({ sessionId: 'codex-s', includeContent: true, ledgerHome }))).toHaveLength(
      4,
    );
  });
});

describe.each(entryPoints)('OpenCode content via %s', (_name, sdk) => {
  it('keeps parts in order and replaces a message rewritten while it streams', async () => {
    const t0 = Date.now() - 2 * DAY;
    const root = tempHome('opencode');
    const ledgerHome = tempHome();
    const p = oc.tree(root);
    oc.writeDoc(p.session('ses_c'), oc.session('ses_c'));
    oc.writeDoc(p.message('ses_c', 'msg_1'), oc.user('msg_1', 'ses_c', t0));
    oc.writeDoc(p.part('msg_1', 'prt_1'), { id: 'prt_1', type: 'text', text: 'fix the build' });
    const answer = p.message('ses_c', 'msg_2');
    oc.writeDoc(answer, oc.assistant('msg_2', 'ses_c', t0 + 1000, { input: 5, output: 1 }, false), t0 + 1000);
    oc.writeDoc(p.part('msg_2', 'prt_3'), { type: 'text', text: 'Look' });
    const opts = { roots: { opencode: [root] }, harnesses: ['opencode' as const], ledgerHome };
    await sdk.ingest(opts);
    const first = await sdk.session({ sessionId: 'ses_c', includeContent: true, ledgerHome });
    expect(flat(first)).toEqual([
      ['user', 'text', 'fix the build'],
      ['assistant', 'text', 'Look'],
    ]);

    oc.writeDoc(p.part('msg_2', 'prt_1'), { type: 'reasoning', text: 'think first' });
    oc.writeDoc(p.part('msg_2', 'prt_2'), {
      type: 'tool',
      callID: 'call_1',
      tool: 'bash',
      state: { status: 'completed', input: { command: 'ls' }, output: 'a.ts' },
    });
    oc.writeDoc(p.part('msg_2', 'prt_3'), { type: 'text', text: 'Looked: one file.' });
    oc.writeDoc(answer, oc.assistant('msg_2', 'ses_c', t0 + 1000, { input: 5, output: 30 }), t0 + 9000);
    await sdk.ingest(opts);
    const done = await sdk.session({ sessionId: 'ses_c', includeContent: true, ledgerHome });
    // The tool input is stored verbatim (here as OpenCode wrote it, pretty-printed).
    const blocks = flat(done).map(([role, kind, text]) =>
      kind === 'tool_use' ? [role, kind, JSON.parse(text ?? 'null')] : [role, kind, text],
    );
    expect(blocks).toEqual([
      ['user', 'text', 'fix the build'],
      ['assistant', 'thinking', 'think first'],
      ['assistant', 'tool_use', { command: 'ls' }],
      ['assistant', 'tool_result', 'a.ts'],
      ['assistant', 'text', 'Looked: one file.'],
    ]);
    expect(done?.content?.[1]?.blocks[1]).toMatchObject({ toolName: 'bash', toolUseId: 'call_1' });
  });
});
